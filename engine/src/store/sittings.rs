//! Sittings: start, save, submit, and what proctors do to them. Every change to a sitting's
//! timer is a read-modify-write in one transaction (row-locked on PostgreSQL).

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::{Result, Store, StoreError};
use crate::sitting::answers::{open_text_allowed, parse_open_choice};
use crate::sitting::{SittingState, Slot, Timer};

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

fn sitting_from_row(r: &AnyRow) -> Result<SittingRow> {
    let state: String = r.try_get("state")?;
    let started: Option<i64> = r.try_get("started_ms")?;
    let base_ms: i64 = r.try_get("base_ms")?;
    Ok(SittingRow {
        candidate_id: r.try_get("candidate_id")?,
        event_id: r.try_get("event_id")?,
        paper_seed: r.try_get::<i64, _>("paper_seed")? as u64,
        form: r.try_get::<i64, _>("form")? as u32,
        state: SittingState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("sitting state {state}")))?,
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
    Refused(String),
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
    /// Marks each open answer needs (2 for double marking).
    pub marks_per_answer: u32,
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

/// Why a sitting is not open for saving at `now`, in the candidate's words.
fn refusal(state: SittingState, deadline: Option<i64>, bound: Option<&str>, session: &str, now: i64) -> Option<String> {
    match state {
        SittingState::NotStarted => Some("考试尚未开始，答案未保存".into()),
        SittingState::Paused => Some("考试已暂停，请等待监考老师恢复后再作答".into()),
        SittingState::Submitted => Some("已交卷，不能再修改答案".into()),
        SittingState::InProgress if deadline.is_some_and(|d| now >= d) => Some("考试时间已到，答案未保存".into()),
        SittingState::InProgress if bound != Some(session) => {
            Some("本场考试已转到其他机位继续，本机不能再保存答案".into())
        }
        SittingState::InProgress => None,
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
        let mut tx = self.write.begin().await?;
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
        let mut tx = self.write.begin().await?;
        // Each sitting is read (and on PostgreSQL locked) once per batch; each save is judged
        // against it with its own session.
        let mut sittings: HashMap<i64, Option<SittingRow>> = HashMap::new();
        // Rows are locked in candidate order, so two writers' batches can never deadlock;
        // the sort is stable, so one candidate's saves keep their order.
        let mut order: Vec<usize> = (0..batch.len()).collect();
        order.sort_by_key(|&i| batch[i].candidate_id);
        let mut outcomes = vec![SaveOutcome::Stale; batch.len()];
        for i in order {
            let save = &batch[i];
            if let std::collections::hash_map::Entry::Vacant(e) = sittings.entry(save.candidate_id) {
                e.insert(self.lock_sitting(&mut tx, save.candidate_id).await?);
            }
            let reason = match &sittings[&save.candidate_id] {
                None => Some("找不到该考生的考试".to_string()),
                Some(s) => refusal(
                    s.state,
                    s.timer.and_then(|t| t.deadline()),
                    s.session_id.as_deref(),
                    &save.session_id,
                    now,
                ),
            };
            let mut outcome = match reason {
                Some(reason) => SaveOutcome::Refused(reason),
                None => SaveOutcome::Saved,
            };
            if let (SaveOutcome::Saved, Slot::OpenText(no)) = (&outcome, save.slot) {
                {
                    let chosen: Option<String> =
                        sqlx::query_scalar("SELECT value FROM answers WHERE candidate_id = $1 AND slot = 'open'")
                            .bind(save.candidate_id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    let chosen = parse_open_choice(chosen.as_deref().unwrap_or("")).unwrap_or_default();
                    if let Err(e) = open_text_allowed(no, &save.value, &chosen) {
                        outcome = SaveOutcome::Refused(e.to_string());
                    }
                }
            }
            if outcome == SaveOutcome::Saved {
                let written = sqlx::query(
                    "INSERT INTO answers (candidate_id, slot, value, seq, saved_ms) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (candidate_id, slot) DO UPDATE SET value = excluded.value, seq = excluded.seq, saved_ms = excluded.saved_ms \
                     WHERE answers.seq < excluded.seq",
                )
                .bind(save.candidate_id)
                .bind(save.slot.key())
                .bind(&save.value)
                .bind(save.seq)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                if written.rows_affected() == 0 {
                    outcome = SaveOutcome::Stale;
                }
            }
            let logged = match &outcome {
                SaveOutcome::Saved => "saved".to_string(),
                SaveOutcome::Stale => "stale".to_string(),
                SaveOutcome::Refused(reason) => format!("refused: {reason}"),
            };
            sqlx::query("INSERT INTO save_log (candidate_id, seq, slot, value, received_ms, outcome) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(save.candidate_id)
                .bind(save.seq)
                .bind(save.slot.key())
                .bind(&save.value)
                .bind(now)
                .bind(logged)
                .execute(&mut *tx)
                .await?;
            outcomes[i] = outcome;
        }
        tx.commit().await?;
        Ok(outcomes)
    }

    pub async fn answers(&self, candidate_id: i64) -> Result<Vec<AnswerRow>> {
        let rows = sqlx::query("SELECT slot, value, seq, saved_ms FROM answers WHERE candidate_id = $1 ORDER BY slot")
            .bind(candidate_id)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(answer_from_row).collect()
    }

    /// The save history of a sitting, oldest first: (seq, slot, value, received_ms, outcome).
    pub async fn save_log(&self, candidate_id: i64) -> Result<Vec<(i64, String, String, i64, String)>> {
        let rows = sqlx::query(
            "SELECT seq, slot, value, received_ms, outcome FROM save_log WHERE candidate_id = $1 ORDER BY id",
        )
        .bind(candidate_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("seq")?,
                    r.try_get("slot")?,
                    r.try_get("value")?,
                    r.try_get("received_ms")?,
                    r.try_get("outcome")?,
                ))
            })
            .collect()
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
        let mut tx = self.write.begin().await?;
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
        for (no, item_id, response, bank_response, points) in &sub.items {
            sqlx::query(
                "INSERT INTO item_results (candidate_id, no, item_id, response, bank_response, points) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(candidate_id)
            .bind(*no as i64)
            .bind(item_id)
            .bind(response)
            .bind(bank_response)
            .bind(*points)
            .execute(&mut *tx)
            .await?;
        }
        for (open_no, item_id, body) in &sub.open {
            let answer_id: i64 = sqlx::query_scalar(
                "INSERT INTO open_answers (event_id, candidate_id, open_no, item_id, body, created_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(s.event_id)
            .bind(candidate_id)
            .bind(*open_no as i64)
            .bind(item_id)
            .bind(body)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            for slot in 1..=sub.marks_per_answer {
                sqlx::query("INSERT INTO marking_tasks (open_answer_id, item_id, marker_slot, state, created_ms) VALUES ($1, $2, $3, 'queued', $4)")
                    .bind(answer_id)
                    .bind(item_id)
                    .bind(slot as i64)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
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
        let rows =
            sqlx::query("SELECT no, item_id, response, points FROM item_results WHERE candidate_id = $1 ORDER BY no")
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

    // A log entry has this many parts (event, room, candidate, who, what, why, when).
    #[allow(clippy::too_many_arguments)]
    pub async fn log_proctor_action(
        &self,
        event_id: i64,
        room: &str,
        candidate_id: Option<i64>,
        actor: &str,
        action: &str,
        reason: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query("INSERT INTO proctor_log (event_id, room, candidate_id, actor, action, reason, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(event_id)
            .bind(room)
            .bind(candidate_id)
            .bind(actor)
            .bind(action)
            .bind(reason)
            .bind(now)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// The proctor log of a room, oldest first: (candidate_id, actor, action, reason, at_ms).
    pub async fn proctor_log(
        &self,
        event_id: i64,
        room: &str,
    ) -> Result<Vec<(Option<i64>, String, String, String, i64)>> {
        let rows = sqlx::query("SELECT candidate_id, actor, action, reason, at_ms FROM proctor_log WHERE event_id = $1 AND room = $2 ORDER BY id")
            .bind(event_id)
            .bind(room)
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("candidate_id")?,
                    r.try_get("actor")?,
                    r.try_get("action")?,
                    r.try_get("reason")?,
                    r.try_get("at_ms")?,
                ))
            })
            .collect()
    }

    pub async fn open_room(&self, event_id: i64, room: &str, now: i64) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE event_rooms SET opened_ms = $3 WHERE event_id = $1 AND room = $2 AND opened_ms IS NULL",
        )
        .bind(event_id)
        .bind(room)
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(r.rows_affected() == 1)
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
        let mut tx = self.write.begin().await?;
        let Some(s) = self.lock_sitting(&mut tx, candidate_id).await? else {
            return Ok(false);
        };
        let Some(mut timer) = s.timer else { return Ok(false) };
        if !from.contains(&s.state) || timer.expired(now) {
            return Ok(false);
        }
        change(&mut timer);
        self.write_timer(&mut tx, candidate_id, to.unwrap_or(s.state), &timer)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn allow_move(&self, candidate_id: i64) -> Result<bool> {
        let r = sqlx::query("UPDATE sittings SET move_allowed = 1 WHERE candidate_id = $1 AND state <> 'submitted'")
            .bind(candidate_id)
            .execute(&self.write)
            .await?;
        Ok(r.rows_affected() == 1)
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
    /// of the last save.
    pub async fn room_seats(&self, event_id: i64, room: &str, now: i64) -> Result<Vec<SeatRow>> {
        let sql = format!(
            "SELECT c.id AS cid, c.ticket, c.name, c.seat, \
               (SELECT COUNT(*) FROM sessions x WHERE x.role = 'candidate' AND x.subject_id = c.id AND x.revoked = 0 AND x.expires_ms > $3) AS logins, \
               (SELECT MAX(l.received_ms) FROM save_log l WHERE l.candidate_id = c.id) AS last_save, {} \
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
