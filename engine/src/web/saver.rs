//! Group commit for answer saves. Each request's saves go on a queue; a writer drains whatever
//! has queued (up to a batch limit), applies it in one transaction, commits, and only then
//! answers every request in the batch. One fsync acknowledges hundreds of saves, and no save
//! is acknowledged before it is durable.

use std::sync::Arc;

use tokio::sync::{Mutex, mpsc, oneshot};

use crate::clock::Clock;
use crate::store::{SaveOutcome, SaveRequest, Store};

/// Saves per transaction, at most.
const MAX_BATCH: usize = 1024;

type Reply = oneshot::Sender<Result<Vec<SaveOutcome>, String>>;

#[derive(Clone)]
pub struct Saver {
    queue: mpsc::Sender<(Vec<SaveRequest>, Reply)>,
}

impl Saver {
    /// Starts `writers` writer tasks (1 for SQLite, whose writes are serial anyway; a few for
    /// PostgreSQL, where batches from several writers commit in parallel).
    pub fn start(store: Store, clock: Clock, writers: usize) -> Saver {
        let (queue, rx) = mpsc::channel::<(Vec<SaveRequest>, Reply)>(16 * 1024);
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..writers.max(1) {
            let (store, clock, rx) = (store.clone(), clock.clone(), rx.clone());
            tokio::spawn(async move {
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
                    let batch: Vec<SaveRequest> = jobs.iter().flat_map(|(saves, _)| saves.iter().cloned()).collect();
                    match store.save_answers(&batch, clock.now_ms()).await {
                        Ok(outcomes) => {
                            let mut outcomes = outcomes.into_iter();
                            for (saves, reply) in jobs {
                                let _ = reply.send(Ok(outcomes.by_ref().take(saves.len()).collect()));
                            }
                        }
                        Err(e) => {
                            tracing::error!(error = %e, saves = batch.len(), "save batch failed; nothing in it was acknowledged");
                            for (_, reply) in jobs {
                                let _ = reply.send(Err(e.to_string()));
                            }
                        }
                    }
                }
            });
        }
        Saver { queue }
    }

    /// Queues saves and waits until they are committed.
    pub async fn save(&self, saves: Vec<SaveRequest>) -> Result<Vec<SaveOutcome>, String> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((saves, reply))
            .await
            .map_err(|_| "saver stopped".to_string())?;
        answer.await.map_err(|_| "saver stopped".to_string())?
    }
}
