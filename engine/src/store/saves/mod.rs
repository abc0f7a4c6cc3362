//! Saves: a batch of answer changes applied in one transaction and committed once (the saver's
//! group commit), each checked inside the transaction by `exam_rules::sitting::save` against the
//! sitting as it stands there; the save log; the answers as stored. The statements that write a
//! batch are tuned per backend, one file each: `postgres.rs` (constant statements over one JSON
//! parameter) and `sqlite.rs` (multi-row `VALUES`).

mod postgres;
mod sqlite;

use std::collections::{HashMap, HashSet};

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::sittings::{SITTING_COLUMNS, SittingRow, sitting_from_row};
use super::sql::{MAX_BINDS, tuples};
use super::{Backend, Result, Store, StoreError};
use exam_rules::Refusal;
use exam_rules::paper_shape::{Slot, parse_open_choice};
use exam_rules::sitting::SittingState;
use exam_rules::sitting::save::{SaveFacts, may_save, may_write_open_text};

/// One answer change, already checked against the candidate's paper.
#[derive(Debug, Clone)]
pub struct SaveRequest {
    pub candidate_id: i64,
    /// The login session that sent it: a sitting moved to another workstation refuses the old one.
    pub session_id: String,
    pub seq: i64,
    pub slot: Slot,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveOutcome {
    /// Durable and current.
    Saved,
    /// Durable history, but a save with a higher sequence number already holds the slot.
    Stale,
    /// Not stored as an answer (the reason is shown to the candidate); still in the save log.
    Refused(Refusal),
}

/// What a batch of saves did.
#[derive(Debug, Clone, Default)]
pub struct SaveBatch {
    /// One per save, in the batch's order.
    pub outcomes: Vec<SaveOutcome>,
    /// The batch's sittings as they stood inside its transaction, by candidate (a candidate
    /// without a sitting is missing).
    pub sittings: HashMap<i64, SittingRow>,
}

#[derive(Debug, Clone)]
pub struct AnswerRow {
    pub slot: String,
    pub value: String,
    pub seq: i64,
    pub saved_ms: i64,
}

pub(super) fn answer_from_row(r: &AnyRow) -> Result<AnswerRow> {
    Ok(AnswerRow {
        slot: r.try_get("slot")?,
        value: r.try_get("value")?,
        seq: r.try_get("seq")?,
        saved_ms: r.try_get("saved_ms")?,
    })
}

/// The current sequence number of each of `keys` (candidate, slot) that has an answer, with
/// the value for the open choice (the only value a save is judged by).
async fn read_slots(
    backend: Backend,
    tx: &mut Transaction<'static, Any>,
    keys: &[(i64, String)],
) -> Result<HashMap<(i64, String), (i64, Option<String>)>> {
    match backend {
        Backend::Postgres => postgres::read_slots(tx, keys).await,
        Backend::Sqlite => sqlite::read_slots(tx, keys).await,
    }
}

/// The winning value per slot, upserted (still guarded by the sequence number).
pub(super) const UPSERT_TAIL: &str = "ON CONFLICT (candidate_id, slot) DO UPDATE SET value = excluded.value, seq = excluded.seq, \
     saved_ms = excluded.saved_ms WHERE answers.seq < excluded.seq";

/// The sittings are locked, so nothing else wrote these slots since they were read: an upsert
/// that writes fewer rows than decided means the store is not what the batch saw.
pub(super) fn check_written(written: u64, decided: usize) -> Result<()> {
    if written == decided as u64 {
        Ok(())
    } else {
        Err(StoreError::Corrupt(format!(
            "a save batch wrote {written} of {decided} answers it decided to write; nothing in it was committed"
        )))
    }
}

/// What a save batch writes once its outcomes are decided: the winning value per slot (in key
/// order) and every save with its outcome for the log (in the batch's order).
struct BatchWrites<'a> {
    pub(super) winners: &'a [((i64, String), &'a SaveRequest)],
    pub(super) batch: &'a [SaveRequest],
    pub(super) logged: &'a [String],
    pub(super) now: i64,
}

impl BatchWrites<'_> {
    async fn write(&self, backend: Backend, tx: &mut Transaction<'static, Any>) -> Result<()> {
        match backend {
            Backend::Postgres => self.write_pg(tx).await,
            Backend::Sqlite => self.write_sqlite(tx).await,
        }
    }
}

impl Store {
    /// Applies a batch of saves in one transaction and commits once; each outcome is durable
    /// when this returns. A save never overwrites a slot written by a higher sequence number.
    pub async fn save_answers(&self, batch: &[SaveRequest], now: i64) -> Result<Vec<SaveOutcome>> {
        Ok(self.save_batch(batch, now).await?.outcomes)
    }

    /// [`Store::save_answers`], also returning the batch's sittings as read (and locked) inside
    /// its transaction, so the caller needs no read of its own (e.g. for the remaining time).
    ///
    /// Set-based: whatever the batch's size, a handful of statements. The sittings are locked in
    /// candidate order (no deadlock between batches), the current sequence numbers of the slots
    /// the batch touches (and the open choices) are read, every save's outcome is decided in
    /// memory in the batch's order (a later save sees an earlier one's effect, as if applied one
    /// by one), then only the winning value per slot is upserted and every save is logged, with
    /// multi-row statements.
    pub async fn save_batch(&self, batch: &[SaveRequest], now: i64) -> Result<SaveBatch> {
        if batch.is_empty() {
            return Ok(SaveBatch::default());
        }
        let mut tx = self.begin_write().await?;
        let mut ids: Vec<i64> = batch.iter().map(|s| s.candidate_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let sittings = self.lock_sittings(&mut tx, &ids).await?;

        // The slots the batch can change (only sittings in progress take saves), and the open
        // choice wherever open text is saved.
        let mut wanted: HashSet<(i64, String)> = HashSet::new();
        for save in batch {
            if sittings
                .get(&save.candidate_id)
                .is_some_and(|s| s.state == SittingState::InProgress)
            {
                wanted.insert((save.candidate_id, save.slot.key()));
                if let Slot::OpenText(_) = save.slot {
                    wanted.insert((save.candidate_id, Slot::OpenChoice.key()));
                }
            }
        }
        let wanted: Vec<(i64, String)> = wanted.into_iter().collect();
        // (candidate, slot) → (sequence number, value if it is the open choice), as the batch
        // leaves it so far.
        let mut current = read_slots(self.backend, &mut tx, &wanted).await?;

        let open_key = Slot::OpenChoice.key();
        let mut outcomes = Vec::with_capacity(batch.len());
        // (candidate, slot) → the save that writes it: the last one saved, hence the highest seq.
        let mut winners: HashMap<(i64, String), &SaveRequest> = HashMap::new();
        for save in batch {
            let allowed = match sittings.get(&save.candidate_id) {
                None => Err(Refusal::NoSitting),
                Some(s) => may_save(
                    SaveFacts {
                        state: s.state,
                        deadline: s.timer.and_then(|t| t.deadline()),
                        clock_starts: s.timer.map(|t| t.started_ms),
                        bound_session: s.session_id.as_deref(),
                    },
                    &save.session_id,
                    now,
                ),
            }
            .and_then(|()| match save.slot {
                Slot::OpenText(no) => {
                    let chosen = current
                        .get(&(save.candidate_id, open_key.clone()))
                        .and_then(|(_, v)| v.as_deref())
                        .unwrap_or("");
                    let chosen = parse_open_choice(chosen).unwrap_or_default();
                    may_write_open_text(no, &save.value, &chosen)
                }
                _ => Ok(()),
            });
            let outcome = match allowed {
                Err(reason) => SaveOutcome::Refused(reason),
                Ok(()) => {
                    let key = (save.candidate_id, save.slot.key());
                    if current.get(&key).is_some_and(|&(seq, _)| seq >= save.seq) {
                        SaveOutcome::Stale
                    } else {
                        let open_value = (save.slot == Slot::OpenChoice).then(|| save.value.clone());
                        current.insert(key.clone(), (save.seq, open_value));
                        winners.insert(key, save);
                        SaveOutcome::Saved
                    }
                }
            };
            outcomes.push(outcome);
        }

        // Rows in key order, so concurrent batches (other candidates) take index locks alike.
        let mut winners: Vec<((i64, String), &SaveRequest)> = winners.into_iter().collect();
        winners.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let logged: Vec<String> = outcomes
            .iter()
            .map(|o| match o {
                SaveOutcome::Saved => "saved".to_string(),
                SaveOutcome::Stale => "stale".to_string(),
                SaveOutcome::Refused(reason) => format!("refused: {reason}"),
            })
            .collect();
        BatchWrites {
            winners: &winners,
            batch,
            logged: &logged,
            now,
        }
        .write(self.backend, &mut tx)
        .await?;
        tx.commit().await?;
        Ok(SaveBatch { outcomes, sittings })
    }

    /// Reads the sittings of `ids` (sorted, distinct) and on PostgreSQL locks them in that
    /// order. `FOR NO KEY UPDATE`: it excludes other batches and submission (`FOR UPDATE`) as
    /// needed, but not the `FOR KEY SHARE` locks of foreign-key checks.
    async fn lock_sittings(&self, tx: &mut Transaction<'static, Any>, ids: &[i64]) -> Result<HashMap<i64, SittingRow>> {
        let lock = match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR NO KEY UPDATE",
        };
        let mut sittings = HashMap::with_capacity(ids.len());
        if self.backend == Backend::Postgres {
            // One constant statement (see `JsonRow`): the ids as an array literal.
            let ids_text = format!("{{{}}}", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
            let sql = format!(
                "SELECT {SITTING_COLUMNS} FROM sittings WHERE candidate_id = ANY($1::BIGINT[]) ORDER BY candidate_id{lock}"
            );
            for row in sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(ids_text)
                .fetch_all(&mut **tx)
                .await?
            {
                let s = sitting_from_row(&row)?;
                sittings.insert(s.candidate_id, s);
            }
            return Ok(sittings);
        }
        for chunk in ids.chunks(MAX_BINDS) {
            let sql = format!(
                "SELECT {SITTING_COLUMNS} FROM sittings WHERE candidate_id IN {} ORDER BY candidate_id{lock}",
                tuples(1, chunk.len(), 1, "")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false);
            for id in chunk {
                q = q.bind(*id);
            }
            for row in q.fetch_all(&mut **tx).await? {
                let s = sitting_from_row(&row)?;
                sittings.insert(s.candidate_id, s);
            }
        }
        Ok(sittings)
    }

    pub async fn answers(&self, candidate_id: i64) -> Result<Vec<AnswerRow>> {
        let rows = sqlx::query("SELECT slot, value, seq, saved_ms FROM answers WHERE candidate_id = $1 ORDER BY slot")
            .bind(candidate_id)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(answer_from_row).collect()
    }

    /// The save history of a sitting, oldest first: (seq, slot, value, received_ms, outcome).
    /// On SQLite a scan of the log (it has no per-candidate index: migration 8); for appeals.
    pub async fn save_log(&self, candidate_id: i64) -> Result<Vec<SaveLogLine>> {
        Ok(sqlx::query_as(
            "SELECT seq, slot, value, received_ms, outcome FROM save_log WHERE candidate_id = $1 ORDER BY id",
        )
        .bind(candidate_id)
        .fetch_all(&self.read)
        .await?)
    }
}

/// One save as the server received it: applied ("saved"), "stale" or "refused: why".
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SaveLogLine {
    pub seq: i64,
    pub slot: String,
    pub value: String,
    pub received_ms: i64,
    pub outcome: String,
}
