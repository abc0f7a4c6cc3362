//! Group commit for answer saves. Each request's saves go on a queue; a writer drains whatever
//! has queued (up to a batch limit), applies it in one transaction, commits, and only then
//! answers every request in the batch. One fsync acknowledges hundreds of saves, and no save
//! is acknowledged before it is durable.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, mpsc, oneshot};

use crate::clock::Clock;
use crate::store::{SaveBatch, SaveRequest, Store};

/// Saves per transaction, at most.
const MAX_BATCH: usize = 1024;

/// A batch whose saves waited or took longer than this is logged (WARN) with where the time went.
const SLOW: Duration = Duration::from_millis(500);

/// Why a request's saves were not committed (none of them was).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{detail}")]
pub struct SaverError {
    /// The database or its disk could not take the batch now (locked, full, connection lost):
    /// the client keeps its saves and sends them again.
    pub unavailable: bool,
    pub detail: String,
}

type Reply = oneshot::Sender<Result<SaveBatch, SaverError>>;
type Job = (Vec<SaveRequest>, Reply, Instant);

#[derive(Clone)]
pub struct Saver {
    queue: mpsc::Sender<Job>,
}

impl Saver {
    /// Starts `writers` writer tasks (1 for SQLite, whose writes are serial anyway; a few for
    /// PostgreSQL, where batches from several writers commit in parallel).
    ///
    /// The writers run on a thread and a tokio runtime of their own, with their own PostgreSQL
    /// connections (`Store::for_save_writers`). On the server's runtime a busy machine queues each
    /// of a writer's round trips behind thousands of HTTP tasks; batches then grow, take longer,
    /// and grow again (120-s runs at 5,000 saves/s showed 1,024-save batches spending 0.5–1.6 s in
    /// their transaction). On its own thread a writer is woken as soon as its database answers.
    pub fn start(store: Store, clock: Clock, writers: usize) -> Saver {
        let (queue, rx) = mpsc::channel::<Job>(16 * 1024);
        let rx = Arc::new(Mutex::new(rx));
        let writers = writers.max(1);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("the save writers' runtime (a tokio current-thread runtime) could not be built");
        std::thread::Builder::new()
            .name("kaowu-saver".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let store = store.for_save_writers(writers as u32);
                    let waits = Waits::default();
                    let report = tokio::spawn(waits.clone().report_every(REPORT_EVERY));
                    let tasks: Vec<_> = (0..writers)
                        .map(|_| tokio::spawn(write_batches(store.clone(), clock.clone(), rx.clone(), waits.clone())))
                        .collect();
                    for task in tasks {
                        let _ = task.await;
                    }
                    report.abort();
                })
            })
            .expect("the save writers' thread could not be started");
        Saver { queue }
    }

    /// Queues saves and waits until they are committed: their outcomes in order, and their
    /// sittings as the saving transaction saw them.
    pub async fn save(&self, saves: Vec<SaveRequest>) -> Result<SaveBatch, SaverError> {
        let stopped = || SaverError {
            unavailable: true,
            detail: "the save writers have stopped".into(),
        };
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((saves, reply, Instant::now()))
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// One writer: takes whatever has queued (up to `MAX_BATCH` saves), applies it in one
/// transaction, and answers each request with its share of the outcomes. Returns when every
/// `Saver` is gone.
async fn write_batches(store: Store, clock: Clock, rx: Arc<Mutex<mpsc::Receiver<Job>>>, waits: Waits) {
    loop {
        let mut jobs = Vec::new();
        {
            let mut rx = rx.lock().await;
            let Some(first) = rx.recv().await else { return };
            let mut count = first.0.len();
            jobs.push(first);
            while count < MAX_BATCH {
                match rx.try_recv() {
                    Ok(job) => {
                        count += job.0.len();
                        jobs.push(job);
                    }
                    Err(_) => break,
                }
            }
        }
        // Each request's share of the batch: how many saves, which candidates.
        let mut batch: Vec<SaveRequest> = Vec::with_capacity(jobs.iter().map(|(s, _, _)| s.len()).sum());
        let mut replies = Vec::with_capacity(jobs.len());
        let queued_at: Vec<Instant> = jobs.iter().map(|(_, _, at)| *at).collect();
        let waited = queued_at.iter().map(Instant::elapsed).max().unwrap_or_default();
        for (saves, reply, _) in jobs {
            let mut candidates: Vec<i64> = saves.iter().map(|s| s.candidate_id).collect();
            candidates.sort_unstable();
            candidates.dedup();
            replies.push((saves.len(), candidates, reply));
            batch.extend(saves);
        }
        let started = Instant::now();
        let saved = store.save_batch(&batch, clock.now_ms()).await;
        let took = started.elapsed();
        if waited + took > SLOW {
            tracing::warn!(
                saves = batch.len(),
                requests = replies.len(),
                queued_ms = waited.as_millis() as u64,
                transaction_ms = took.as_millis() as u64,
                "slow save batch"
            );
        }
        match saved {
            Ok(done) => {
                let mut outcomes = done.outcomes.into_iter();
                for (n, candidates, reply) in replies {
                    let _ = reply.send(Ok(SaveBatch {
                        outcomes: outcomes.by_ref().take(n).collect(),
                        sittings: candidates
                            .iter()
                            .filter_map(|id| done.sittings.get(id).map(|s| (*id, s.clone())))
                            .collect(),
                    }));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, saves = batch.len(), "save batch failed; nothing in it was acknowledged");
                let failed = SaverError {
                    unavailable: e.is_unavailable(),
                    detail: e.to_string(),
                };
                for (_, _, reply) in replies {
                    let _ = reply.send(Err(failed.clone()));
                }
            }
        }
        waits.record(&queued_at);
    }
}

/// How often the writers report how long requests waited for their saves to be committed.
const REPORT_EVERY: Duration = Duration::from_secs(10);

/// Per request, from queueing its saves to their commit (microseconds): the server's share of a
/// save's latency, reported every `REPORT_EVERY` (INFO) so that a slow save can be placed: in
/// the writer and the database, or in the HTTP layer and the network.
#[derive(Clone, Default)]
struct Waits(Arc<std::sync::Mutex<Vec<u32>>>);

impl Waits {
    fn record(&self, queued_at: &[Instant]) {
        let mut waits = self.0.lock().expect("save waits");
        waits.extend(
            queued_at
                .iter()
                .map(|at| at.elapsed().as_micros().min(u32::MAX as u128) as u32),
        );
    }

    async fn report_every(self, period: Duration) {
        let mut tick = tokio::time::interval(period);
        tick.tick().await;
        loop {
            tick.tick().await;
            let mut waits = std::mem::take(&mut *self.0.lock().expect("save waits"));
            if waits.is_empty() {
                continue;
            }
            waits.sort_unstable();
            let at = |q: f64| f64::from(waits[((waits.len() - 1) as f64 * q) as usize]) / 1000.0;
            tracing::info!(
                requests = waits.len(),
                p50_ms = at(0.5),
                p99_ms = at(0.99),
                max_ms = at(1.0),
                "save requests: time from queueing to commit over the last {} s",
                period.as_secs()
            );
        }
    }
}
