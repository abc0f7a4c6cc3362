//! Sittings: start, save, submit, and what proctors do to them. Every change to a sitting's
//! timer is a read-modify-write in one transaction (row-locked on PostgreSQL).

use std::collections::{HashMap, HashSet};

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::{Backend, Result, Store, StoreError};
use exam_rules::Refusal;
use exam_rules::paper_shape::{Slot, parse_open_choice};
use exam_rules::sitting::SittingState;
use exam_rules::sitting::save::{SaveFacts, may_save, may_write_open_text};
use exam_rules::timer::Timer;

#[derive(Debug, Clone)]
pub struct SittingRow {
    pub candidate_id: i64,
    pub event_id: i64,
    pub paper_seed: u64,
    pub form: u32,
    pub state: SittingState,
    pub base_ms: i64,
    /// `None` until the sitting starts.
    pub timer: Option<Timer>,
    pub submitted_ms: Option<i64>,
    pub submitted_by: Option<String>,
    pub session_id: Option<String>,
    pub move_allowed: bool,
    pub objective_score: Option<i64>,
}

impl SittingRow {
    pub fn remaining_ms(&self, now: i64) -> i64 {
        match (self.state, &self.timer) {
            (SittingState::Submitted, _) => 0,
            (_, Some(t)) => t.remaining_ms(now),
            (_, None) => self.base_ms,
        }
    }
}

const SITTING_COLUMNS: &str = "candidate_id, event_id, paper_seed, form, state, started_ms, base_ms, extra_ms, paused_total_ms, \
     paused_since_ms, submitted_ms, submitted_by, session_id, move_allowed, objective_score";

/// A sitting state as stored; anything else is a corrupt row.
pub(super) fn stored_state(state: String) -> Result<SittingState> {
    SittingState::try_from(state).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn sitting_from_row(r: &AnyRow) -> Result<SittingRow> {
    let state: String = r.try_get("state")?;
    let started: Option<i64> = r.try_get("started_ms")?;
    let base_ms: i64 = r.try_get("base_ms")?;
    Ok(SittingRow {
        candidate_id: r.try_get("candidate_id")?,
        event_id: r.try_get("event_id")?,
        paper_seed: r.try_get::<i64, _>("paper_seed")? as u64,
        form: r.try_get::<i64, _>("form")? as u32,
        state: stored_state(state)?,
        base_ms,
        timer: match started {
            Some(started_ms) => Some(Timer {
                started_ms,
                base_ms,
                extra_ms: r.try_get("extra_ms")?,
                paused_total_ms: r.try_get("paused_total_ms")?,
                paused_since_ms: r.try_get("paused_since_ms")?,
            }),
            None => None,
        },
        submitted_ms: r.try_get("submitted_ms")?,
        submitted_by: r.try_get("submitted_by")?,
        session_id: r.try_get("session_id")?,
        move_allowed: r.try_get::<i64, _>("move_allowed")? != 0,
        objective_score: r.try_get("objective_score")?,
    })
}

fn answer_from_row(r: &AnyRow) -> Result<AnswerRow> {
    Ok(AnswerRow {
        slot: r.try_get("slot")?,
        value: r.try_get("value")?,
        seq: r.try_get("seq")?,
        saved_ms: r.try_get("saved_ms")?,
    })
}

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

/// What submission writes: computed from the answers inside the submitting transaction.
#[derive(Debug, Clone, Default)]
pub struct Submission {
    /// (paper number, item id, response, response in bank labels, points in hundredths)
    pub items: Vec<(u32, String, String, String, i64)>,
    pub objective_total: i64,
    /// (open question number, item id, answer text) for each chosen question.
    pub open: Vec<(u32, String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitOutcome {
    Submitted { objective_total: i64 },
    AlreadySubmitted,
    NotStarted,
}

/// A seat on the proctor's console.
#[derive(Debug, Clone)]
pub struct SeatRow {
    pub candidate_id: i64,
    pub ticket: String,
    pub name: String,
    pub seat: String,
    pub sitting: SittingRow,
    pub logged_in: bool,
    pub last_save_ms: Option<i64>,
}

/// Bind parameters one statement may carry: SQLite's limit (SQLITE_MAX_VARIABLE_NUMBER, 32,766
/// in the bundled SQLite 3.51); PostgreSQL allows 65,535.
const MAX_BINDS: usize = 32_766;

/// `rows` comma-separated tuples of `per_row` placeholders numbered from `$first`, each followed
/// by `tail` (parameters or literals shared by every row): `tuples(2, 2, 2, ", $1")` is
/// `($2, $3, $1), ($4, $5, $1)`.
fn tuples(rows: usize, per_row: usize, first: usize, tail: &str) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(rows * (per_row * 7 + tail.len() + 4));
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..per_row {
            if c > 0 {
                s.push_str(", ");
            }
            let _ = write!(s, "${}", first + r * per_row + c);
        }
        s.push_str(tail);
        s.push(')');
    }
    s
}

/// PostgreSQL takes a batch's rows as one JSON parameter (`json_to_recordset`), so the save
/// path's statements have constant text: prepared once per connection and planned once, whatever
/// the batch's size (a `VALUES` list of 1,000 rows costs PostgreSQL more to parse and plan than
/// to run). SQLite gets multi-row `VALUES` (parsing is cheap there, and it needs no JSON).
#[derive(serde::Serialize)]
struct JsonRow<'a> {
    c: i64,
    s: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    v: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    q: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    o: Option<&'a str>,
}

fn json_rows<'a>(rows: impl Iterator<Item = JsonRow<'a>>) -> String {
    let rows: Vec<JsonRow<'a>> = rows.collect();
    serde_json::to_string(&rows).expect("rows serialise")
}

/// The current sequence number of each of `keys` (candidate, slot) that has an answer, with
/// the value for the open choice (the only value a save is judged by).
async fn read_slots(
    backend: Backend,
    tx: &mut Transaction<'static, Any>,
    keys: &[(i64, String)],
) -> Result<HashMap<(i64, String), (i64, Option<String>)>> {
    let mut current = HashMap::with_capacity(keys.len());
    if backend == Backend::Postgres {
        let rows = sqlx::query(
            // A lateral look-up by primary key per row (`LIMIT 1` keeps the planner from
            // flattening it): the generic plan of a plain join, which assumes 100 rows, hashes
            // the whole answers table on every batch.
            "SELECT a.candidate_id, a.slot, a.seq, CASE WHEN a.slot = 'open' THEN a.value END AS open_value \
             FROM json_to_recordset($1::json) AS k (c BIGINT, s TEXT) \
             CROSS JOIN LATERAL (SELECT candidate_id, slot, seq, value FROM answers \
                                 WHERE candidate_id = k.c AND slot = k.s LIMIT 1) a",
        )
        .bind(json_rows(keys.iter().map(|(c, s)| JsonRow {
            c: *c,
            s,
            v: None,
            q: None,
            o: None,
        })))
        .fetch_all(&mut **tx)
        .await?;
        for row in rows {
            current.insert(
                (row.try_get("candidate_id")?, row.try_get("slot")?),
                (row.try_get("seq")?, row.try_get("open_value")?),
            );
        }
        return Ok(current);
    }
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

/// The winning value per slot, upserted (still guarded by the sequence number).
const UPSERT_TAIL: &str = "ON CONFLICT (candidate_id, slot) DO UPDATE SET value = excluded.value, seq = excluded.seq, \
     saved_ms = excluded.saved_ms WHERE answers.seq < excluded.seq";

/// The sittings are locked, so nothing else wrote these slots since they were read: an upsert
/// that writes fewer rows than decided means the store is not what the batch saw.
fn check_written(written: u64, decided: usize) -> Result<()> {
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
    winners: &'a [((i64, String), &'a SaveRequest)],
    batch: &'a [SaveRequest],
    logged: &'a [String],
    now: i64,
}

impl BatchWrites<'_> {
    async fn write(&self, backend: Backend, tx: &mut Transaction<'static, Any>) -> Result<()> {
        match backend {
            Backend::Postgres => self.write_pg(tx).await,
            Backend::Sqlite => self.write_sqlite(tx).await,
        }
    }

    /// PostgreSQL: two constant statements.
    async fn write_pg(&self, tx: &mut Transaction<'static, Any>) -> Result<()> {
        let (winners, batch, now) = (self.winners, self.batch, self.now);
        if !winners.is_empty() {
            let rows = json_rows(winners.iter().map(|((c, s), save)| JsonRow {
                c: *c,
                s,
                v: Some(&save.value),
                q: Some(save.seq),
                o: None,
            }));
            let sql = format!(
                "INSERT INTO answers (candidate_id, slot, value, seq, saved_ms) \
             SELECT r.c, r.s, r.v, r.q, $2 FROM json_to_recordset($1::json) AS r (c BIGINT, s TEXT, v TEXT, q BIGINT) \
             {UPSERT_TAIL}"
            );
            let written = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(rows)
                .bind(now)
                .execute(&mut **tx)
                .await?
                .rows_affected();
            check_written(written, winners.len())?;
        }
        // In the batch's order (the function returns the array's rows in order), so the log's ids
        // follow the order the saves were judged in.
        let keys: Vec<String> = batch.iter().map(|save| save.slot.key()).collect();
        let rows = json_rows(
            batch
                .iter()
                .zip(&keys)
                .zip(self.logged)
                .map(|((save, key), outcome)| JsonRow {
                    c: save.candidate_id,
                    s: key,
                    v: Some(&save.value),
                    q: Some(save.seq),
                    o: Some(outcome),
                }),
        );
        sqlx::query(
            "INSERT INTO save_log (candidate_id, seq, slot, value, outcome, received_ms) \
             SELECT r.c, r.q, r.s, r.v, r.o, $2 FROM json_to_recordset($1::json) AS r (c BIGINT, s TEXT, v TEXT, q BIGINT, o TEXT)",
        )
        .bind(rows)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// SQLite: multi-row `VALUES`, in chunks under the bind-parameter limit.
    async fn write_sqlite(&self, tx: &mut Transaction<'static, Any>) -> Result<()> {
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

impl Store {
    pub async fn sitting(&self, candidate_id: i64) -> Result<Option<SittingRow>> {
        let sql = format!("SELECT {SITTING_COLUMNS} FROM sittings WHERE candidate_id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(candidate_id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(sitting_from_row).transpose()
    }

    async fn lock_sitting(&self, tx: &mut Transaction<'static, Any>, candidate_id: i64) -> Result<Option<SittingRow>> {
        let sql = format!(
            "SELECT {SITTING_COLUMNS} FROM sittings WHERE candidate_id = $1{}",
            self.for_update()
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(candidate_id)
            .fetch_optional(&mut **tx)
            .await?;
        row.as_ref().map(sitting_from_row).transpose()
    }

    async fn write_timer(
        &self,
        tx: &mut Transaction<'static, Any>,
        candidate_id: i64,
        state: SittingState,
        t: &Timer,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE sittings SET state = $2, started_ms = $3, extra_ms = $4, paused_total_ms = $5, paused_since_ms = $6, deadline_ms = $7 \
             WHERE candidate_id = $1",
        )
        .bind(candidate_id)
        .bind(state.as_str())
        .bind(t.started_ms)
        .bind(t.extra_ms)
        .bind(t.paused_total_ms)
        .bind(t.paused_since_ms)
        .bind(t.deadline())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Binds the sitting to a login session (the workstation the candidate is on).
    pub async fn bind_session(&self, candidate_id: i64, session_id: &str) -> Result<()> {
        sqlx::query("UPDATE sittings SET session_id = $2, move_allowed = 0 WHERE candidate_id = $1")
            .bind(candidate_id)
            .bind(session_id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Starts the clock, if the sitting has not started. Returns the sitting as it now is.
    pub async fn start_sitting(&self, candidate_id: i64, session_id: &str, now: i64) -> Result<Option<SittingRow>> {
        let mut tx = self.begin_write().await?;
        let Some(s) = self.lock_sitting(&mut tx, candidate_id).await? else {
            return Ok(None);
        };
        if s.state == SittingState::NotStarted {
            self.write_timer(
                &mut tx,
                candidate_id,
                SittingState::InProgress,
                &Timer::start(now, s.base_ms),
            )
            .await?;
            sqlx::query("UPDATE sittings SET session_id = $2 WHERE candidate_id = $1")
                .bind(candidate_id)
                .bind(session_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.sitting(candidate_id).await
    }

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

    /// Submits a sitting: marks it submitted, scores it with `score` over the answers read in
    /// the same transaction (so no save can slip in between), stores per-item results and puts
    /// each chosen open answer in the marking queue. Submitting twice changes nothing.
    pub async fn submit_sitting(
        &self,
        candidate_id: i64,
        now: i64,
        by: &str,
        score: impl FnOnce(&[AnswerRow]) -> Submission,
    ) -> Result<SubmitOutcome> {
        let mut tx = self.begin_write().await?;
        let Some(s) = self.lock_sitting(&mut tx, candidate_id).await? else {
            return Ok(SubmitOutcome::NotStarted);
        };
        match s.state {
            SittingState::Submitted => return Ok(SubmitOutcome::AlreadySubmitted),
            SittingState::NotStarted => return Ok(SubmitOutcome::NotStarted),
            SittingState::InProgress | SittingState::Paused => {}
        }
        // When the server submits for an expired sitting, the paper was handed in at the deadline.
        let submitted_ms = s.timer.and_then(|t| t.deadline()).map_or(now, |d| d.min(now));
        let rows = sqlx::query("SELECT slot, value, seq, saved_ms FROM answers WHERE candidate_id = $1 ORDER BY slot")
            .bind(candidate_id)
            .fetch_all(&mut *tx)
            .await?;
        let answers: Vec<AnswerRow> = rows.iter().map(answer_from_row).collect::<Result<_>>()?;
        let sub = score(&answers);
        sqlx::query(
            "UPDATE sittings SET state = 'submitted', submitted_ms = $2, submitted_by = $3, objective_score = $4, deadline_ms = NULL \
             WHERE candidate_id = $1",
        )
        .bind(candidate_id)
        .bind(submitted_ms)
        .bind(by)
        .bind(sub.objective_total)
        .execute(&mut *tx)
        .await?;
        // Multi-row statements: one for the item results, one for the open answers, one for
        // their marking tasks (each chunked under the bind limit). Their shapes hardly vary (a
        // paper's item count is fixed), so they stay in the statement cache.
        for chunk in sub.items.chunks((MAX_BINDS - 1) / 5) {
            let sql = format!(
                "INSERT INTO item_results (no, item_id, response, bank_response, points, candidate_id) VALUES {}",
                tuples(chunk.len(), 5, 2, ", $1")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(candidate_id);
            for (no, item_id, response, bank_response, points) in chunk {
                q = q
                    .bind(*no as i64)
                    .bind(item_id.as_str())
                    .bind(response.as_str())
                    .bind(bank_response.as_str())
                    .bind(*points);
            }
            q.execute(&mut *tx).await?;
        }
        let mut tasks: Vec<(i64, &str)> = Vec::with_capacity(sub.open.len());
        for chunk in sub.open.chunks((MAX_BINDS - 3) / 3) {
            let sql = format!(
                "INSERT INTO open_answers (open_no, item_id, body, event_id, candidate_id, created_ms) VALUES {} RETURNING id, open_no",
                tuples(chunk.len(), 3, 4, ", $1, $2, $3")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(s.event_id)
                .bind(candidate_id)
                .bind(now);
            for (open_no, item_id, body) in chunk {
                q = q.bind(*open_no as i64).bind(item_id.as_str()).bind(body.as_str());
            }
            let ids: HashMap<i64, i64> = q
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| Ok((r.try_get("open_no")?, r.try_get("id")?)))
                .collect::<Result<_>>()?;
            for (open_no, item_id, _) in chunk {
                let id = ids
                    .get(&(*open_no as i64))
                    .ok_or_else(|| StoreError::Corrupt(format!("open answer {open_no} was not stored")))?;
                tasks.push((*id, item_id.as_str()));
            }
        }
        // How many marks each answer needs is fixed now, from the policy as it stands in this
        // transaction: under single marking one task, under double marking two.
        let marks = super::marking::marking_policy_in(&mut tx, s.event_id)
            .await?
            .marks_needed() as i64;
        let tasks: Vec<(i64, &str, i64)> = tasks
            .into_iter()
            .flat_map(|(id, item_id)| (1..=marks).map(move |slot| (id, item_id, slot)))
            .collect();
        for chunk in tasks.chunks((MAX_BINDS - 1) / 3) {
            let sql = format!(
                "INSERT INTO marking_tasks (open_answer_id, item_id, marker_slot, created_ms, state) VALUES {}",
                tuples(chunk.len(), 3, 2, ", $1, 'queued'")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now);
            for (id, item_id, slot) in chunk {
                q = q.bind(*id).bind(*item_id).bind(*slot);
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(SubmitOutcome::Submitted {
            objective_total: sub.objective_total,
        })
    }

    /// Sittings whose time has run out but which are not yet submitted.
    pub async fn expired_sittings(&self, now: i64, limit: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar("SELECT candidate_id FROM sittings WHERE state = 'in_progress' AND deadline_ms <= $1 ORDER BY deadline_ms LIMIT $2")
            .bind(now)
            .bind(limit)
            .fetch_all(&self.read)
            .await?)
    }

    /// Per-item objective results of a submitted sitting: (no, item_id, response, points).
    pub async fn item_results(&self, candidate_id: i64) -> Result<Vec<(i64, String, String, i64)>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT r.no, r.item_id, r.response, {} AS points FROM item_results r \
                 JOIN sittings s ON s.candidate_id = r.candidate_id {} WHERE r.candidate_id = $1 ORDER BY r.no",
            super::rescoring::POINTS_IN_FORCE,
            super::rescoring::rescored_join("s.event_id")
        )))
        .bind(candidate_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("no")?,
                    r.try_get("item_id")?,
                    r.try_get("response")?,
                    r.try_get("points")?,
                ))
            })
            .collect()
    }

    /// Marking tasks queued for an event: (task id, item id, open answer text). For checking
    /// the queue; graders' access (blind, leased) is built on this table.
    pub async fn queued_marking_tasks(&self, event_id: i64) -> Result<Vec<(i64, String, String)>> {
        let rows = sqlx::query(
            "SELECT t.id, t.item_id, a.body FROM marking_tasks t JOIN open_answers a ON a.id = t.open_answer_id \
             WHERE a.event_id = $1 AND t.state = 'queued' ORDER BY t.id",
        )
        .bind(event_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("item_id")?, r.try_get("body")?)))
            .collect()
    }

    // ---- Proctors -------------------------------------------------------------------------

    /// Writes an entry in a room's proctor log (an incident; changes are logged with them).
    pub async fn log_proctor_action(&self, entry: &ProctorEntry<'_>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        insert_proctor_entry(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The proctor log of a room, oldest first.
    pub async fn proctor_log(&self, event_id: i64, room: &str) -> Result<Vec<LogLine>> {
        Ok(sqlx::query_as(
            "SELECT c.ticket, l.actor, l.action, l.reason, l.at_ms FROM proctor_log l LEFT JOIN candidates c ON c.id = l.candidate_id \
             WHERE l.event_id = $1 AND l.room = $2 ORDER BY l.id",
        )
        .bind(event_id)
        .bind(room)
        .fetch_all(&self.read)
        .await?)
    }

    /// Opens a room (if it is not open yet) and logs it, in one transaction.
    pub async fn open_room(&self, entry: &ProctorEntry<'_>) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(
            "UPDATE event_rooms SET opened_ms = $3 WHERE event_id = $1 AND room = $2 AND opened_ms IS NULL",
        )
        .bind(entry.event_id)
        .bind(entry.room)
        .bind(entry.at_ms)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() != 1 {
            return Ok(false);
        }
        insert_proctor_entry(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn room_opened(&self, event_id: i64, room: &str) -> Result<Option<i64>> {
        let opened: Option<Option<i64>> =
            sqlx::query_scalar("SELECT opened_ms FROM event_rooms WHERE event_id = $1 AND room = $2")
                .bind(event_id)
                .bind(room)
                .fetch_optional(&self.read)
                .await?;
        Ok(opened.flatten())
    }

    /// Changes a sitting's timer with `change` if it is in one of `from` states, moving it to
    /// state `to` (`None`: unchanged); returns whether it changed. An expired sitting is left
    /// for the server to submit.
    pub async fn change_timer(
        &self,
        candidate_id: i64,
        now: i64,
        from: &[SittingState],
        to: Option<SittingState>,
        change: impl FnOnce(&mut Timer),
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let changed = self
            .change_timer_in(&mut tx, candidate_id, now, from, to, |t| {
                change(t);
                true
            })
            .await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// [`Store::change_timer`] for each of `ids`, and the proctor's log entry, in one
    /// transaction: the changes and their record are kept together or not at all. Returns how
    /// many sittings changed; when none did and `log_unchanged` is false, nothing is written.
    /// `change` may decline a timer (returns false), which then stays as it was.
    // A timer change has this many parts (whose, when, from, to, what, the log entry, …).
    #[allow(clippy::too_many_arguments)]
    pub async fn change_timers_logged(
        &self,
        ids: &[i64],
        now: i64,
        from: &[SittingState],
        to: Option<SittingState>,
        change: impl Fn(&mut Timer) -> bool,
        entry: &ProctorEntry<'_>,
        log_unchanged: bool,
    ) -> Result<usize> {
        let mut tx = self.begin_write().await?;
        let mut changed = 0;
        for &id in ids {
            if self.change_timer_in(&mut tx, id, now, from, to, &change).await? {
                changed += 1;
            }
        }
        if changed == 0 && !log_unchanged {
            return Ok(0);
        }
        insert_proctor_entry(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(changed)
    }

    async fn change_timer_in(
        &self,
        tx: &mut Transaction<'static, Any>,
        candidate_id: i64,
        now: i64,
        from: &[SittingState],
        to: Option<SittingState>,
        change: impl FnOnce(&mut Timer) -> bool,
    ) -> Result<bool> {
        let Some(s) = self.lock_sitting(tx, candidate_id).await? else {
            return Ok(false);
        };
        let Some(mut timer) = s.timer else { return Ok(false) };
        if !from.contains(&s.state) || timer.expired(now) || !change(&mut timer) {
            return Ok(false);
        }
        self.write_timer(tx, candidate_id, to.unwrap_or(s.state), &timer)
            .await?;
        Ok(true)
    }

    /// Lets a candidate continue on another workstation (unless submitted), and logs it, in one
    /// transaction.
    pub async fn allow_move(&self, candidate_id: i64, entry: &ProctorEntry<'_>) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query("UPDATE sittings SET move_allowed = 1 WHERE candidate_id = $1 AND state <> 'submitted'")
            .bind(candidate_id)
            .execute(&mut *tx)
            .await?;
        if r.rows_affected() != 1 {
            return Ok(false);
        }
        insert_proctor_entry(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn room_candidates(&self, event_id: i64, room: &str) -> Result<Vec<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM candidates WHERE event_id = $1 AND room = $2 ORDER BY seat, ticket")
                .bind(event_id)
                .bind(room)
                .fetch_all(&self.read)
                .await?,
        )
    }

    /// Every seat of a room with its sitting, whether the candidate has logged in and the time
    /// an answer was last saved (from `answers`, clustered by candidate; the save log has no
    /// per-candidate index on SQLite).
    pub async fn room_seats(&self, event_id: i64, room: &str, now: i64) -> Result<Vec<SeatRow>> {
        let sql = format!(
            "SELECT c.id AS cid, c.ticket, c.name, c.seat, \
               (SELECT COUNT(*) FROM sessions x WHERE x.role = 'candidate' AND x.subject_id = c.id AND x.revoked = 0 AND x.expires_ms > $3) AS logins, \
               (SELECT MAX(a.saved_ms) FROM answers a WHERE a.candidate_id = c.id) AS last_save, {} \
             FROM candidates c JOIN sittings s ON s.candidate_id = c.id WHERE c.event_id = $1 AND c.room = $2 ORDER BY c.seat, c.ticket",
            SITTING_COLUMNS
                .split(", ")
                .map(|c| format!("s.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(event_id)
            .bind(room)
            .bind(now)
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(SeatRow {
                    candidate_id: r.try_get("cid")?,
                    ticket: r.try_get("ticket")?,
                    name: r.try_get("name")?,
                    seat: r.try_get("seat")?,
                    sitting: sitting_from_row(r)?,
                    logged_in: r.try_get::<i64, _>("logins")? > 0,
                    last_save_ms: r.try_get("last_save")?,
                })
            })
            .collect()
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

/// One line of a room's log: who did what to whom (the candidate's ticket, if about one), when, why.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LogLine {
    pub ticket: Option<String>,
    pub actor: String,
    pub action: String,
    pub reason: String,
    pub at_ms: i64,
}

/// One entry of a room's proctor log: who did what, to whom, why and when.
#[derive(Debug, Clone)]
pub struct ProctorEntry<'a> {
    pub event_id: i64,
    pub room: &'a str,
    pub candidate_id: Option<i64>,
    pub actor: &'a str,
    pub action: &'a str,
    pub reason: &'a str,
    pub at_ms: i64,
}

pub(super) async fn insert_proctor_entry(tx: &mut Transaction<'static, Any>, e: &ProctorEntry<'_>) -> Result<()> {
    sqlx::query("INSERT INTO proctor_log (event_id, room, candidate_id, actor, action, reason, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(e.event_id)
        .bind(e.room)
        .bind(e.candidate_id)
        .bind(e.actor)
        .bind(e.action)
        .bind(e.reason)
        .bind(e.at_ms)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
