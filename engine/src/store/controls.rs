//! Control answers (质检卷): answers with a mark the marking team agreed, planted by the chief
//! grader into the queue of every grader of their question. A grader marks one as any other
//! answer (its task number comes from the same counter as real tasks, its round label is one a
//! real answer could carry); the chief sees each grader's deviation from the agreed mark. Control
//! marks are kept in `control_tasks`, never in `marks`, so they never count for a candidate and
//! never enter a real answer's settling or the graders' agreement figures.

use question_bank::Points;
use sqlx::Row;

use super::marking::{AuditRecord, MarkOutcome, MarkingTask, audit};
use super::{Backend, Result, Store};
use crate::store::AnswerStatus;

/// A control answer as the chief's dashboard shows it.
#[derive(Debug, Clone)]
pub struct ControlRow {
    pub id: i64,
    pub item_id: String,
    pub body: String,
    pub agreed_mark: Points,
    pub planted_by: String,
    pub planted_ms: i64,
    /// One per grader it was planted for, in the order planted.
    pub tasks: Vec<ControlTaskRow>,
}

#[derive(Debug, Clone)]
pub struct ControlTaskRow {
    pub grader_id: i64,
    /// `queued`, `leased` or `done`.
    pub state: String,
    pub mark: Option<Points>,
    pub marked_ms: Option<i64>,
}

/// A mark as a grader gives it.
#[derive(Debug, Clone, Copy)]
pub(super) struct MarkGiven<'a> {
    pub actor: &'a str,
    pub mark: Points,
    pub comment: &'a str,
    pub now: i64,
}

/// A control answer as the chief plants it.
#[derive(Debug, Clone, Copy)]
pub struct NewControl<'a> {
    pub event_id: i64,
    pub item_id: &'a str,
    pub body: &'a str,
    pub agreed: Points,
    pub actor: &'a str,
    pub now: i64,
}

/// A control task the grader holds or may be offered next (one at a time).
pub(super) struct PendingControl {
    id: i64,
    state: String,
    lease_expires_ms: Option<i64>,
    due_after_marks: i64,
}

impl PendingControl {
    /// From the `control_*` columns of `Store::grader_holds`' row (`None` when it has none).
    pub(super) fn from_row(r: &sqlx::any::AnyRow) -> super::Result<Option<PendingControl>> {
        let Some(id) = r.try_get::<Option<i64>, _>("control_id")? else {
            return Ok(None);
        };
        Ok(Some(PendingControl {
            id,
            state: r.try_get("control_state")?,
            lease_expires_ms: r.try_get("control_lease_expires_ms")?,
            due_after_marks: r.try_get("due_after_marks")?,
        }))
    }
}

impl Store {
    /// Plants a control answer for every grader (not chief) assigned to `item_id` in the event:
    /// each is offered it after `offsets(grader)` more marks of their own. Returns the control's
    /// id and how many graders it was planted for (none: nothing is stored).
    pub async fn plant_control(
        &self,
        control: &NewControl<'_>,
        mut offset: impl FnMut(i64) -> i64,
    ) -> Result<Option<(i64, usize)>> {
        let NewControl {
            event_id,
            item_id,
            body,
            agreed,
            actor,
            now,
        } = *control;
        let mut tx = self.begin_write().await?;
        let graders: Vec<i64> = sqlx::query_scalar(
            "SELECT g.account_id FROM grader_assignments g JOIN accounts a ON a.id = g.account_id \
             WHERE g.event_id = $1 AND g.item_id = $2 AND a.role = 'grader' ORDER BY g.account_id",
        )
        .bind(event_id)
        .bind(item_id)
        .fetch_all(&mut *tx)
        .await?;
        if graders.is_empty() {
            return Ok(None);
        }
        let control: i64 = sqlx::query_scalar(
            "INSERT INTO control_answers (event_id, item_id, body, agreed_mark, planted_by, planted_ms) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(event_id)
        .bind(item_id)
        .bind(body)
        .bind(agreed.hundredths())
        .bind(actor)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        for &grader in &graders {
            let id = self.next_task_id(&mut tx).await?;
            sqlx::query(
                "INSERT INTO control_tasks (id, control_answer_id, grader_id, state, due_after_marks) \
                 VALUES ($1, $2, $3, 'queued', (SELECT COUNT(*) FROM marks WHERE grader_id = $3) + $4)",
            )
            .bind(id)
            .bind(control)
            .bind(grader)
            .bind(offset(grader))
            .execute(&mut *tx)
            .await?;
        }
        audit(
            &mut tx,
            &AuditRecord {
                event_id,
                actor,
                action: "plant_control",
                subject: &format!("control#{control}/{item_id}"),
                old: "",
                new: &agreed.to_string(),
                reason: &format!("投放给 {} 位阅卷人", graders.len()),
                at_ms: now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Some((control, graders.len())))
    }

    /// A number from the marking tasks' own counter, so a control task's number looks like any
    /// task's and never collides with one.
    async fn next_task_id(&self, tx: &mut sqlx::Transaction<'static, sqlx::Any>) -> Result<i64> {
        Ok(match self.backend {
            Backend::Sqlite => {
                // AUTOINCREMENT keeps the counter in sqlite_sequence (a row appears with the first
                // task); a new task takes max(counter, largest id) + 1, so raising it reserves one.
                sqlx::query(
                    "INSERT INTO sqlite_sequence (name, seq) SELECT 'marking_tasks', COALESCE((SELECT MAX(id) FROM marking_tasks), 0) \
                     WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'marking_tasks')",
                )
                .execute(&mut **tx)
                .await?;
                sqlx::query_scalar(
                    "UPDATE sqlite_sequence SET seq = seq + 1 WHERE name = 'marking_tasks' RETURNING seq",
                )
                .fetch_one(&mut **tx)
                .await?
            }
            Backend::Postgres => {
                sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence('marking_tasks', 'id'))")
                    .fetch_one(&mut **tx)
                    .await?
            }
        })
    }

    /// Leases (or returns, when already held) the grader's pending control task when `offer`
    /// says so: always while they hold it; when due (they have given enough marks since it was
    /// planted); or when `nothing_else` is left for them.
    pub(super) async fn offer_control(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        pending: &PendingControl,
        grader_id: i64,
        now: i64,
        lease_ms: i64,
        nothing_else: bool,
    ) -> Result<Option<MarkingTask>> {
        let held = pending.state == "leased" && pending.lease_expires_ms.is_some_and(|t| t > now);
        if !held && !nothing_else {
            let given: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM marks WHERE grader_id = $1")
                .bind(grader_id)
                .fetch_one(&mut **tx)
                .await?;
            if given < pending.due_after_marks {
                return Ok(None);
            }
        }
        if !held {
            sqlx::query(
                "UPDATE control_tasks SET state = 'leased', lease_expires_ms = $2, leased_ms = $3 WHERE id = $1",
            )
            .bind(pending.id)
            .bind(now + lease_ms)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        let r = sqlx::query(
            "SELECT c.id, ca.event_id, ca.item_id, ca.body, c.lease_expires_ms FROM control_tasks c \
             JOIN control_answers ca ON ca.id = c.control_answer_id WHERE c.id = $1",
        )
        .bind(pending.id)
        .fetch_one(&mut **tx)
        .await?;
        let id: i64 = r.try_get("id")?;
        Ok(Some(MarkingTask {
            task_id: id,
            event_id: r.try_get("event_id")?,
            item_id: r.try_get("item_id")?,
            // Labelled as a first or a second mark, as a real answer's task would be.
            marker_slot: 1,
            independent_before: id % 2,
            body: r.try_get("body")?,
            lease_expires_ms: r.try_get("lease_expires_ms")?,
        }))
    }

    /// Records a mark on a control task the grader holds (called when `task_id` is no real task).
    pub(super) async fn record_control_mark(
        &self,
        mut tx: sqlx::Transaction<'static, sqlx::Any>,
        task_id: i64,
        grader_id: i64,
        given: MarkGiven<'_>,
    ) -> Result<MarkOutcome> {
        let MarkGiven {
            actor,
            mark,
            comment,
            now,
        } = given;
        let sql = format!(
            "SELECT c.state, c.grader_id, ca.event_id, ca.id AS control FROM control_tasks c \
             JOIN control_answers ca ON ca.id = c.control_answer_id WHERE c.id = $1{}",
            self.row_lock(" FOR UPDATE OF c")
        );
        let Some(r) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(task_id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(MarkOutcome::NotYours);
        };
        let state: String = r.try_get("state")?;
        if state == "done" {
            return Ok(MarkOutcome::AlreadyMarked);
        }
        if state != "leased" || r.try_get::<i64, _>("grader_id")? != grader_id {
            return Ok(MarkOutcome::NotYours);
        }
        sqlx::query("UPDATE control_tasks SET state = 'done', mark = $2, comment = $3, marked_ms = $4 WHERE id = $1")
            .bind(task_id)
            .bind(mark.hundredths())
            .bind(comment)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            &AuditRecord {
                event_id: r.try_get("event_id")?,
                actor,
                action: "control_mark",
                subject: &format!("control#{}", r.try_get::<i64, _>("control")?),
                old: "",
                new: &mark.to_string(),
                reason: comment,
                at_ms: now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(MarkOutcome::Recorded {
            status: AnswerStatus::Marking,
        })
    }

    /// The event's control answers with each grader's task, oldest first.
    pub async fn event_controls(&self, event_id: i64) -> Result<Vec<ControlRow>> {
        let mut controls: Vec<ControlRow> = sqlx::query(
            "SELECT id, item_id, body, agreed_mark, planted_by, planted_ms FROM control_answers WHERE event_id = $1 ORDER BY id",
        )
        .bind(event_id)
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(|r| {
            Ok(ControlRow {
                id: r.try_get("id")?,
                item_id: r.try_get("item_id")?,
                body: r.try_get("body")?,
                agreed_mark: Points::from_hundredths(r.try_get("agreed_mark")?),
                planted_by: r.try_get("planted_by")?,
                planted_ms: r.try_get("planted_ms")?,
                tasks: Vec::new(),
            })
        })
        .collect::<Result<_>>()?;
        let tasks = sqlx::query(
            "SELECT c.control_answer_id, c.grader_id, c.state, c.mark, c.marked_ms FROM control_tasks c \
             JOIN control_answers ca ON ca.id = c.control_answer_id WHERE ca.event_id = $1 ORDER BY c.id",
        )
        .bind(event_id)
        .fetch_all(&self.read)
        .await?;
        for r in &tasks {
            let control: i64 = r.try_get("control_answer_id")?;
            if let Some(c) = controls.iter_mut().find(|c| c.id == control) {
                c.tasks.push(ControlTaskRow {
                    grader_id: r.try_get("grader_id")?,
                    state: r.try_get("state")?,
                    mark: r.try_get::<Option<i64>, _>("mark")?.map(Points::from_hundredths),
                    marked_ms: r.try_get("marked_ms")?,
                });
            }
        }
        Ok(controls)
    }
}
