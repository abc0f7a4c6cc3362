//! Starts committed together. At a national start every candidate of a centre presses 开始答题
//! in the same second; one write transaction (and one fsync) each would queue them behind each
//! other (about 470 a second on SQLite here). Instead each start joins a queue, and whoever finds
//! the writer free commits everything queued so far in one transaction (`GroupCommit`).
//!
//! Should the transaction fail (a full disk, a database locked beyond the busy timeout), every
//! start in it is answered with that failure: nothing is acknowledged that was not committed.

use std::sync::Arc;

use crate::group_commit::GroupCommit;
use crate::store::{StartRequest, Store, StoreError};

/// What the shared commit came to for one start: whether it started the sitting.
type Outcome = Result<bool, Arc<StoreError>>;

#[derive(Default)]
pub struct StartQueue(GroupCommit<StartRequest, Outcome>);

impl StartQueue {
    /// Starts one sitting (as [`Store::start_sittings`] does), committed with the others queued
    /// beside it; whether this start started it (false: it had already started).
    pub async fn start(&self, store: &Store, start: StartRequest) -> crate::store::Result<bool> {
        let store = store.clone();
        let outcome = self
            .0
            .run(start, |starts| async move {
                match store.start_sittings(&starts).await {
                    Ok(started) => started.into_iter().map(Ok).collect(),
                    Err(e) => vec![Err(Arc::new(e)); starts.len()],
                }
            })
            .await;
        match outcome {
            Some(outcome) => outcome.map_err(StoreError::Shared),
            // Its batch's task ended without a word (it panicked): not committed as far as
            // anyone knows.
            None => Err(StoreError::Corrupt("a batch of starts ended without an answer".into())),
        }
    }
}
