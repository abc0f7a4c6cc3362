//! Starts committed together. At a national start every candidate of a centre presses 开始答题
//! in the same second; one write transaction (and one fsync) each would queue them behind each
//! other (about 470 a second on SQLite here). Instead each start joins a queue, and whoever finds
//! the writer free commits everything queued so far in one transaction (leader and followers,
//! as a database's group commit): no background task, so it works on any runtime the service
//! runs on.
//!
//! The transaction runs in a task of its own, so a candidate who closes the connection while
//! their start is being written cannot cancel the others'. Should it fail (a full disk, a
//! database locked beyond the busy timeout), every start in it is answered with that failure:
//! nothing is acknowledged that was not committed.

use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::store::{StartRequest, Store, StoreError};

/// What the shared commit came to for one start: whether it started the sitting.
type Outcome = Result<bool, Arc<StoreError>>;

/// A start waiting for its commit, and where to say how it went.
type Waiting = (StartRequest, oneshot::Sender<Outcome>);

#[derive(Default)]
pub struct StartQueue {
    waiting: Mutex<Vec<Waiting>>,
    /// Held by the one committing a batch.
    writer: tokio::sync::Mutex<()>,
}

impl StartQueue {
    /// Starts one sitting (as [`Store::start_sittings`] does), committed with the others queued
    /// beside it; whether this start started it (false: it had already started).
    pub async fn start(&self, store: &Store, start: StartRequest) -> crate::store::Result<bool> {
        let (done, mut committed) = oneshot::channel();
        self.waiting().push((start, done));
        // Whoever gets the writer's turn commits what waits; one whose start another has
        // committed meanwhile leaves the line at once, rather than waiting there for the turn of
        // every later batch (which cut the batches down to one or two starts each).
        let outcome = tokio::select! {
            biased;
            outcome = &mut committed => outcome,
            writer = self.writer.lock() => {
                let batch = std::mem::take(&mut *self.waiting());
                if !batch.is_empty() {
                    let store = store.clone();
                    let _ = tokio::spawn(async move {
                        let (starts, waiters): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
                        let outcome = store.start_sittings(&starts).await.map_err(Arc::new);
                        for (i, w) in waiters.into_iter().enumerate() {
                            let _ = w.send(outcome.as_ref().map(|started| started[i]).map_err(Arc::clone));
                        }
                    })
                    .await;
                }
                drop(writer);
                committed.await
            }
        };
        match outcome {
            Ok(outcome) => outcome.map_err(StoreError::Shared),
            // Its batch's task ended without a word (it panicked): not committed as far as
            // anyone knows.
            Err(_) => Err(StoreError::Corrupt("a batch of starts ended without an answer".into())),
        }
    }

    fn waiting(&self) -> std::sync::MutexGuard<'_, Vec<Waiting>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }
}
