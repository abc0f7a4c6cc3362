//! Group commit, as a database does it: each piece of work joins a queue, and whoever finds the
//! writer free writes everything queued so far in one go and answers each piece from what that
//! one write came to (leader and followers). No background task, so it works on any runtime.
//! Used for starts (`exam/starts.rs`) and, on SQLite, for marking (`store/marking/sqlite.rs`).
//!
//! A piece another leader has written leaves the line as soon as it is answered. Waiting for
//! the writer's turn regardless (a fair mutex) made each turn take only what had arrived during
//! the last one: batches of one or two, each with its own commit.
//!
//! The write runs in a task of its own, so a client who drops its request while its batch is
//! being written cannot cancel the others'.

use std::future::Future;
use std::sync::Mutex;

use tokio::sync::oneshot;

pub struct GroupCommit<T, R> {
    waiting: Mutex<Vec<(T, oneshot::Sender<R>)>>,
    /// Held by the one writing a batch.
    writer: tokio::sync::Mutex<()>,
}

impl<T, R> Default for GroupCommit<T, R> {
    fn default() -> Self {
        GroupCommit {
            waiting: Mutex::new(Vec::new()),
            writer: tokio::sync::Mutex::new(()),
        }
    }
}

impl<T, R: Send + 'static> GroupCommit<T, R> {
    /// Queues `item` and returns its answer once its batch is written. `write` gets the batch
    /// (this item and whatever else waits) and must give one answer per item, in order. `None`:
    /// the batch's task ended without answering (it panicked), so nothing is known to be written.
    pub async fn run<F, Fut>(&self, item: T, write: F) -> Option<R>
    where
        F: FnOnce(Vec<T>) -> Fut,
        Fut: Future<Output = Vec<R>> + Send + 'static,
    {
        let (done, mut answered) = oneshot::channel();
        self.waiting().push((item, done));
        let answer = tokio::select! {
            biased;
            answer = &mut answered => answer,
            turn = self.writer.lock() => {
                let batch = std::mem::take(&mut *self.waiting());
                if !batch.is_empty() {
                    let (items, waiters): (Vec<T>, Vec<_>) = batch.into_iter().unzip();
                    let written = write(items);
                    let _ = tokio::spawn(async move {
                        for (answer, waiter) in written.await.into_iter().zip(waiters) {
                            let _ = waiter.send(answer);
                        }
                    })
                    .await;
                }
                drop(turn);
                answered.await
            }
        };
        answer.ok()
    }

    fn waiting(&self) -> std::sync::MutexGuard<'_, Vec<(T, oneshot::Sender<R>)>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }
}
