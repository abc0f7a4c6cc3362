//! Sittings: start, submit (scored in the same transaction that reads the answers) and the
//! expiry sweep's list. Every change to a sitting's timer is a read-modify-write in one
//! transaction (row-locked on PostgreSQL). Saves are in `saves`, what proctors do in `rooms`.

use std::collections::HashMap;
use std::sync::LazyLock;

use sqlx::any::AnyRow;
use sqlx::{Any, FromRow, Row, Transaction};

use super::saves::{AnswerRow, answer_from_row};
use super::sql::{MAX_BINDS, tuples};
use super::sqlite_reads::sitting_columns;
use super::{CandidateRow, Result, Store, StoreError};
use exam_rules::sitting::SittingState;
use exam_rules::timer::Timer;
use rusqlite::OptionalExtension;

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
    /// The sitting as [`Store::start_sittings`] leaves it when it starts it with `start`.
    pub fn started(self, start: &StartRequest) -> SittingRow {
        SittingRow {
            state: SittingState::InProgress,
            base_ms: start.timer.base_ms,
            timer: Some(start.timer),
            session_id: Some(start.session_id.clone()),
            ..self
        }
    }

    pub fn remaining_ms(&self, now: i64) -> i64 {
        match (self.state, &self.timer) {
            (SittingState::Submitted, _) => 0,
            (_, Some(t)) => t.remaining_ms(now),
            (_, None) => self.base_ms,
        }
    }
}

pub(super) const SITTING_COLUMNS: &str = "candidate_id, event_id, paper_seed, form, state, started_ms, base_ms, extra_ms, paused_total_ms, \
     paused_since_ms, submitted_ms, submitted_by, session_id, move_allowed, objective_score";

/// A sitting state as stored; anything else is a corrupt row.
pub(super) fn stored_state(state: String) -> Result<SittingState> {
    SittingState::try_from(state).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(super) fn sitting_from_row(r: &AnyRow) -> Result<SittingRow> {
    SittingColumns::from_row(r)?.try_into()
}

/// A sitting's stored columns (`SITTING_COLUMNS`), as sqlx or rusqlite (`sqlite_reads.rs`, the
/// SQLite save writer) read them.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct SittingColumns {
    pub(super) candidate_id: i64,
    pub(super) event_id: i64,
    pub(super) paper_seed: i64,
    pub(super) form: i64,
    pub(super) state: String,
    pub(super) started_ms: Option<i64>,
    pub(super) base_ms: i64,
    pub(super) extra_ms: i64,
    pub(super) paused_total_ms: i64,
    pub(super) paused_since_ms: Option<i64>,
    pub(super) submitted_ms: Option<i64>,
    pub(super) submitted_by: Option<String>,
    pub(super) session_id: Option<String>,
    pub(super) move_allowed: i64,
    pub(super) objective_score: Option<i64>,
}

impl TryFrom<SittingColumns> for SittingRow {
    type Error = StoreError;

    fn try_from(c: SittingColumns) -> Result<SittingRow> {
        Ok(SittingRow {
            candidate_id: c.candidate_id,
            event_id: c.event_id,
            paper_seed: c.paper_seed as u64,
            form: c.form as u32,
            state: stored_state(c.state)?,
            base_ms: c.base_ms,
            timer: c.started_ms.map(|started_ms| Timer {
                started_ms,
                base_ms: c.base_ms,
                extra_ms: c.extra_ms,
                paused_total_ms: c.paused_total_ms,
                paused_since_ms: c.paused_since_ms,
            }),
            submitted_ms: c.submitted_ms,
            submitted_by: c.submitted_by,
            session_id: c.session_id,
            move_allowed: c.move_allowed != 0,
            objective_score: c.objective_score,
        })
    }
}

/// A sitting with its candidate and when their room was opened, as the status line reads them.
#[derive(sqlx::FromRow)]
struct StatusColumns {
    #[sqlx(flatten)]
    sitting: SittingColumns,
    ticket: String,
    name: String,
    room: String,
    seat: String,
    password_hash: String,
    room_opened_ms: Option<i64>,
}

impl StatusColumns {
    fn into_parts(self) -> Result<(SittingRow, CandidateRow, Option<i64>)> {
        let sitting = SittingRow::try_from(self.sitting)?;
        let candidate = CandidateRow {
            id: sitting.candidate_id,
            event_id: sitting.event_id,
            ticket: self.ticket,
            name: self.name,
            room: self.room,
            seat: self.seat,
            password_hash: self.password_hash,
        };
        Ok((sitting, candidate, self.room_opened_ms))
    }
}

/// A sitting to start: whose, the browser session it is bound to, and its clock.
#[derive(Debug, Clone)]
pub struct StartRequest {
    pub candidate_id: i64,
    pub session_id: String,
    pub timer: Timer,
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

/// Who hands in a sitting whose time ran out: the server.
pub const SYSTEM: &str = "system";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitOutcome {
    Submitted { objective_total: i64 },
    AlreadySubmitted,
    NotStarted,
}

/// One objective item's result: the response on the paper and its points in force (hundredths).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ItemResultRow {
    /// The item's number on the paper.
    pub no: i64,
    pub item_id: String,
    pub response: String,
    pub points: i64,
}

/// A marking task waiting for a grader, with the answer it is about.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QueuedTask {
    pub id: i64,
    pub item_id: String,
    pub body: String,
}

impl Store {
    pub async fn sitting(&self, candidate_id: i64) -> Result<Option<SittingRow>> {
        static SQL: LazyLock<String> =
            LazyLock::new(|| format!("SELECT {SITTING_COLUMNS} FROM sittings WHERE candidate_id = $1"));
        if let Some(reads) = &self.sqlite_reads
            && let Some(found) = reads.read(|conn| {
                conn.prepare_cached(&SQL)?
                    .query_row([candidate_id], sitting_columns)
                    .optional()
            })?
        {
            return found.map(SittingRow::try_from).transpose();
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(SQL.as_str()))
            .bind(candidate_id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(sitting_from_row).transpose()
    }

    /// A candidate's sitting with the candidate and when their room was opened (`None`: not
    /// open): what the status line shows, in one read — a national start asks it of thousands of
    /// candidates in the same second.
    pub async fn sitting_with_candidate(
        &self,
        candidate_id: i64,
    ) -> Result<Option<(SittingRow, CandidateRow, Option<i64>)>> {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            let sitting: Vec<String> = SITTING_COLUMNS.split(',').map(|c| format!("s.{}", c.trim())).collect();
            format!(
                "SELECT {}, c.ticket, c.name, c.room, c.seat, c.password_hash, r.opened_ms AS room_opened_ms \
                 FROM sittings s JOIN candidates c ON c.id = s.candidate_id \
                 LEFT JOIN event_rooms r ON r.event_id = s.event_id AND r.room = c.room WHERE s.candidate_id = $1",
                sitting.join(", ")
            )
        });
        let found = match self.sqlite_reads.as_ref().map(|reads| {
            reads.read(|conn| {
                conn.prepare_cached(&SQL)?
                    .query_row([candidate_id], |r| {
                        Ok(StatusColumns {
                            sitting: sitting_columns(r)?,
                            ticket: r.get(15)?,
                            name: r.get(16)?,
                            room: r.get(17)?,
                            seat: r.get(18)?,
                            password_hash: r.get(19)?,
                            room_opened_ms: r.get(20)?,
                        })
                    })
                    .optional()
            })
        }) {
            Some(Ok(Some(found))) => found,
            Some(Err(e)) => return Err(e),
            // PostgreSQL, or SQLite answered busy: through sqlx.
            _ => {
                sqlx::query_as(sqlx::AssertSqlSafe(SQL.as_str()))
                    .bind(candidate_id)
                    .fetch_optional(&self.read)
                    .await?
            }
        };
        found.map(StatusColumns::into_parts).transpose()
    }

    pub(super) async fn lock_sitting(
        &self,
        tx: &mut Transaction<'static, Any>,
        candidate_id: i64,
    ) -> Result<Option<SittingRow>> {
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

    pub(super) async fn write_timer(
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

    /// Binds the sitting to a login session (the workstation the candidate is on), with the
    /// room's log entry when this moves it from another workstation.
    pub async fn bind_session(
        &self,
        candidate_id: i64,
        session_id: &str,
        moved: Option<&super::ProctorEntry<'_>>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE sittings SET session_id = $2, move_allowed = 0 WHERE candidate_id = $1")
            .bind(candidate_id)
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
        if let Some(entry) = moved {
            super::rooms::insert_proctor_entry(&mut tx, entry).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Starts the clock on `timer` (its start and length decided by the schedule), if the
    /// sitting has not started. Returns the sitting as it now is.
    pub async fn start_sitting(
        &self,
        candidate_id: i64,
        session_id: &str,
        timer: &Timer,
    ) -> Result<Option<SittingRow>> {
        let start = StartRequest {
            candidate_id,
            session_id: session_id.to_string(),
            timer: *timer,
        };
        self.start_sittings(std::slice::from_ref(&start)).await?;
        self.sitting(candidate_id).await
    }

    /// Starts each sitting of `starts` that has not started (with its session and timer) in one
    /// write transaction: a room of candidates who press start in the same instant costs one
    /// commit, not one each, and a start is one conditional statement. A sitting already started,
    /// or named twice, is left as it is. Returns, for each of `starts` in its order, whether this
    /// call started it.
    pub async fn start_sittings(&self, starts: &[StartRequest]) -> Result<Vec<bool>> {
        let mut order: Vec<usize> = (0..starts.len()).collect();
        // One lock order for every node (PostgreSQL's row locks): two batches never deadlock.
        order.sort_by_key(|&i| starts[i].candidate_id);
        let mut started = vec![false; starts.len()];
        const START: &str = "UPDATE sittings SET state = $2, started_ms = $3, extra_ms = $4, paused_total_ms = $5, \
             paused_since_ms = $6, deadline_ms = $7, session_id = $8, base_ms = $9 WHERE candidate_id = $1 AND state = 'not_started'";
        // SQLite: on the save writer's rusqlite connection, in one hand-off (10,000 starts through
        // sqlx were 10,000 hand-offs to its worker thread, two seconds of the writer's time).
        if let Some(saves) = &self.sqlite_saves {
            let gate = self.write.acquire().await?;
            let (saves, starts) = (saves.clone(), starts.to_vec());
            let done = tokio::task::spawn_blocking(move || {
                saves.with_connection(|conn| {
                    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                    for i in order {
                        let (start, t) = (&starts[i], &starts[i].timer);
                        let args: [&dyn rusqlite::ToSql; 9] = [
                            &start.candidate_id,
                            &SittingState::InProgress.as_str(),
                            &t.started_ms,
                            &t.extra_ms,
                            &t.paused_total_ms,
                            &t.paused_since_ms,
                            &t.deadline(),
                            &start.session_id,
                            &t.base_ms,
                        ];
                        started[i] = super::sql::bound(&tx, START, &args)?.raw_execute()? == 1;
                    }
                    tx.commit()?;
                    Ok(started)
                })
            })
            .await
            .map_err(|e| StoreError::Corrupt(format!("the start writer's thread failed: {e}")))?;
            drop(gate);
            return done;
        }
        let mut tx = self.begin_write().await?;
        for i in order {
            let (start, t) = (&starts[i], &starts[i].timer);
            let done = sqlx::query(START)
                .bind(start.candidate_id)
                .bind(SittingState::InProgress.as_str())
                .bind(t.started_ms)
                .bind(t.extra_ms)
                .bind(t.paused_total_ms)
                .bind(t.paused_since_ms)
                .bind(t.deadline())
                .bind(&start.session_id)
                .bind(t.base_ms)
                .execute(&mut *tx)
                .await?;
            started[i] = done.rows_affected() == 1;
        }
        tx.commit().await?;
        Ok(started)
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
        if by == SYSTEM {
            // The room's log says what the server did, and the candidate's page is told of it.
            sqlx::query(
                "INSERT INTO proctor_log (event_id, room, candidate_id, actor, action, reason, at_ms) \
                 SELECT event_id, room, id, '系统', 'auto_submit', '考试时间到，系统自动交卷', $2 FROM candidates WHERE id = $1",
            )
            .bind(candidate_id)
            .bind(submitted_ms)
            .execute(&mut *tx)
            .await?;
        }
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
        // How many marks each answer needs is fixed now, from the policy as it stands in this
        // transaction (one under single marking, two under double), and kept with the answer.
        let marks = super::marking::marking_policy_in(&mut tx, s.event_id)
            .await?
            .marks_needed() as i64;
        let mut tasks: Vec<(i64, &str)> = Vec::with_capacity(sub.open.len());
        for chunk in sub.open.chunks((MAX_BINDS - 4) / 3) {
            let sql = format!(
                "INSERT INTO open_answers (open_no, item_id, body, event_id, candidate_id, created_ms, marks_needed) VALUES {} RETURNING id, open_no",
                tuples(chunk.len(), 3, 5, ", $1, $2, $3, $4")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(s.event_id)
                .bind(candidate_id)
                .bind(now)
                .bind(marks);
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
        self.queue_heads.forget();
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

    /// Per-item objective results of a submitted sitting, points in force.
    pub async fn item_results(&self, candidate_id: i64) -> Result<Vec<ItemResultRow>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT r.no, r.item_id, r.response, {} AS points FROM item_results r \
                 JOIN sittings s ON s.candidate_id = r.candidate_id {} WHERE r.candidate_id = $1 ORDER BY r.no",
            super::rescoring::POINTS_IN_FORCE,
            super::rescoring::rescored_join("s.event_id")
        )))
        .bind(candidate_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// Marking tasks queued for an event. For checking the queue; graders' access (blind, leased)
    /// is built on this table.
    pub async fn queued_marking_tasks(&self, event_id: i64) -> Result<Vec<QueuedTask>> {
        Ok(sqlx::query_as(
            "SELECT t.id, t.item_id, a.body FROM marking_tasks t JOIN open_answers a ON a.id = t.open_answer_id \
             WHERE a.event_id = $1 AND t.state = 'queued' ORDER BY t.id",
        )
        .bind(event_id)
        .fetch_all(&self.read)
        .await?)
    }
}
