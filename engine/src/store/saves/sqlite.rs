//! The save path's statements on SQLite: multi-row `VALUES` lists (parsing is cheap there),
//! chunked under the bind limit.

use std::collections::HashMap;

use sqlx::{Any, Row, Transaction};

use super::{BatchWrites, UPSERT_TAIL, check_written};
use crate::store::Result;
use crate::store::sql::{MAX_BINDS, tuples};

/// The current sequence number (and the open choice's value) of each slot of `keys` that has one.
pub(super) async fn read_slots(
    tx: &mut Transaction<'static, Any>,
    keys: &[(i64, String)],
) -> Result<HashMap<(i64, String), (i64, Option<String>)>> {
    let mut current = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(MAX_BINDS / 2) {
        let sql = format!(
            "WITH k (c, s) AS (VALUES {}) \
             SELECT a.candidate_id, a.slot, a.seq, CASE WHEN a.slot = 'open' THEN a.value END AS open_value \
             FROM k JOIN answers a ON a.candidate_id = k.c AND a.slot = k.s",
            tuples(chunk.len(), 2, 1, "")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false);
        for (candidate_id, slot) in chunk {
            q = q.bind(*candidate_id).bind(slot.as_str());
        }
        for row in q.fetch_all(&mut **tx).await? {
            current.insert(
                (row.try_get("candidate_id")?, row.try_get("slot")?),
                (row.try_get("seq")?, row.try_get("open_value")?),
            );
        }
    }
    Ok(current)
}

impl BatchWrites<'_> {
    /// SQLite: multi-row `VALUES`, in chunks under the bind-parameter limit.
    pub(super) async fn write_sqlite(&self, tx: &mut Transaction<'static, Any>) -> Result<()> {
        let (winners, batch, now) = (self.winners, self.batch, self.now);
        for chunk in winners.chunks((MAX_BINDS - 1) / 4) {
            let sql = format!(
                "INSERT INTO answers (candidate_id, slot, value, seq, saved_ms) VALUES {} {UPSERT_TAIL}",
                tuples(chunk.len(), 4, 2, ", $1")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false).bind(now);
            for ((candidate_id, slot), save) in chunk {
                q = q
                    .bind(*candidate_id)
                    .bind(slot.as_str())
                    .bind(save.value.as_str())
                    .bind(save.seq);
            }
            check_written(q.execute(&mut **tx).await?.rows_affected(), chunk.len())?;
        }
        // In the batch's order, so the log's ids follow the order the saves were judged in.
        let per_chunk = (MAX_BINDS - 1) / 5;
        for (chunk, outcomes) in batch.chunks(per_chunk).zip(self.logged.chunks(per_chunk)) {
            let sql = format!(
                "INSERT INTO save_log (candidate_id, seq, slot, value, outcome, received_ms) VALUES {}",
                tuples(chunk.len(), 5, 2, ", $1")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false).bind(now);
            for (save, outcome) in chunk.iter().zip(outcomes) {
                q = q
                    .bind(save.candidate_id)
                    .bind(save.seq)
                    .bind(save.slot.key())
                    .bind(save.value.as_str())
                    .bind(outcome.as_str());
            }
            q.execute(&mut **tx).await?;
        }
        Ok(())
    }
}
