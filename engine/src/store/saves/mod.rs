//! Saves: a batch of answer changes applied in one transaction and committed once (the saver's
//! group commit), each checked inside the transaction by `exam_rules::sitting::save` against the
//! sitting as it stands there; the save log; the answers as stored. What each save does is
//! decided here, the same on both backends (`decide`); how a batch is read and written is tuned
//! per backend, one file each: `postgres.rs` (constant statements over one JSON parameter, so each
//! is prepared once per connection whatever the batch's size) and `sqlite.rs` (a connection of its
//! own through rusqlite, prepared statements executed per row at C speed). On both the writer's
//! cost per save does not grow with the batch (`benches/savebatch.rs`).

mod postgres;
mod sqlite;

pub(super) use sqlite::{SqliteSaves, WAL_AUTOCHECKPOINT_PAGES};

use std::collections::{HashMap, HashSet};

use sqlx::Row;
use sqlx::any::AnyRow;

use super::sittings::SittingRow;
use super::{Result, Store, StoreError};
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

/// The slots a batch can change (only sittings in progress take saves), and the open choice
/// wherever open text is saved: what the transaction reads before deciding.
fn wanted_slots(batch: &[SaveRequest], sittings: &HashMap<i64, SittingRow>) -> Vec<(i64, String)> {
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
    wanted.into_iter().collect()
}

/// A batch decided: each save's outcome (in the batch's order), the winning save per slot (in key
/// order, so concurrent batches take index locks alike) and each save's line in the log.
struct Decided<'a> {
    outcomes: Vec<SaveOutcome>,
    winners: Vec<((i64, String), &'a SaveRequest)>,
    logged: Vec<String>,
}

/// Decides every save of a batch in memory, in the batch's order (a later save sees an earlier
/// one's effect, as if applied one by one), against the sittings and the current slots
/// ((candidate, slot) → sequence number, and the value where it is the open choice) as the
/// transaction read them. Pure: the same on both backends.
fn decide<'a>(
    batch: &'a [SaveRequest],
    sittings: &HashMap<i64, SittingRow>,
    mut current: HashMap<(i64, String), (i64, Option<String>)>,
    now: i64,
) -> Decided<'a> {
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
    let mut winners: Vec<((i64, String), &SaveRequest)> = winners.into_iter().collect();
    winners.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let logged = outcomes
        .iter()
        .map(|o| match o {
            SaveOutcome::Saved => "saved".to_string(),
            SaveOutcome::Stale => "stale".to_string(),
            SaveOutcome::Refused(reason) => format!("refused: {reason}"),
        })
        .collect();
    Decided {
        outcomes,
        winners,
        logged,
    }
}

/// The distinct candidates of a batch, in order.
fn candidate_ids(batch: &[SaveRequest]) -> Vec<i64> {
    let mut ids: Vec<i64> = batch.iter().map(|s| s.candidate_id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
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
    /// In one write transaction: the batch's sittings are read (on PostgreSQL locked, in
    /// candidate order: no deadlock between batches), then the current sequence numbers of the
    /// slots the batch touches (and the open choices); every save's outcome is decided in memory
    /// (`decide`); only the winning value per slot is upserted (still guarded by its sequence
    /// number) and every save is logged. Each backend's statements are in its own file.
    pub async fn save_batch(&self, batch: &[SaveRequest], now: i64) -> Result<SaveBatch> {
        if batch.is_empty() {
            return Ok(SaveBatch::default());
        }
        match &self.sqlite_saves {
            Some(saves) => {
                // The process's one sqlx write connection, held (unused) while the batch is
                // written on the save connection: no other write of this process interleaves.
                let gate = self.write.acquire().await?;
                let (saves, batch) = (saves.clone(), batch.to_vec());
                let done = tokio::task::spawn_blocking(move || saves.save_batch(&batch, now))
                    .await
                    .map_err(|e| StoreError::Corrupt(format!("the save writer's thread failed: {e}")))?;
                drop(gate);
                done
            }
            None => postgres::save_batch(self, batch, now).await,
        }
    }

    pub async fn answers(&self, candidate_id: i64) -> Result<Vec<AnswerRow>> {
        const SQL: &str = "SELECT slot, value, seq, saved_ms FROM answers WHERE candidate_id = $1 ORDER BY slot";
        // On SQLite through rusqlite (`sqlite_reads.rs`): a page reloaded after a network blip
        // reads some 75 rows, which sqlx's driver would hand across threads one by one.
        if let Some(reads) = &self.sqlite_reads
            && let Some(found) = reads.read(|conn| {
                conn.prepare_cached(SQL)?
                    .query_map([candidate_id], |r| {
                        Ok(AnswerRow {
                            slot: r.get(0)?,
                            value: r.get(1)?,
                            seq: r.get(2)?,
                            saved_ms: r.get(3)?,
                        })
                    })?
                    .collect::<rusqlite::Result<Vec<AnswerRow>>>()
            })?
        {
            return Ok(found);
        }
        let rows = sqlx::query(SQL).bind(candidate_id).fetch_all(&self.read).await?;
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
