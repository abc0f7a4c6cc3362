//! Marking tasks, marks, results snapshots and the audit log.
//!
//! A task is leased to one grader at a time. On PostgreSQL the pull takes the row with
//! `FOR UPDATE SKIP LOCKED`, so two graders pulling at the same moment never get the same task;
//! on SQLite the single writer serialises pulls. No grader ever marks the same answer twice.

use question_bank::Points;
use sqlx::Row;

use super::rescoring::{POINTS_IN_FORCE, rescored_join};
use super::{Backend, Result, Store};
use exam_rules::marking::{MarkingPolicy, Resolution, resolve};
use exam_rules::sitting::SittingState;

pub use exam_rules::marking::{FIRST_APPEAL_SLOT, THIRD_SLOT};

mod sqlite;
pub(super) use sqlite::MarkingQueue;

/// A leased task: what a grader marks. It carries no candidate identity (blind marking).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MarkingTask {
    #[sqlx(rename = "id")]
    pub task_id: i64,
    pub event_id: i64,
    pub item_id: String,
    pub marker_slot: i64,
    /// Independent marks (first and second rounds) the answer has standing, or is being given
    /// by another grader now: names the round this task is on the grader's screen.
    pub independent_before: i64,
    pub body: String,
    pub lease_expires_ms: i64,
}

/// Why an appeal was not filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppealOutcome {
    Filed,
    NoAnswer,
    /// The answer is already under appeal.
    Pending,
    /// The answer has no final mark yet.
    NotFinal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkOutcome {
    Recorded { status: AnswerStatus },
    NotYours,
    AlreadyMarked,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnswerStatus {
    Marking,
    Disputed,
    Appeal,
    Final,
}

impl AnswerStatus {
    fn as_str(self) -> &'static str {
        match self {
            AnswerStatus::Marking => "marking",
            AnswerStatus::Disputed => "disputed",
            AnswerStatus::Appeal => "appeal",
            AnswerStatus::Final => "final",
        }
    }

    fn parse(s: &str) -> AnswerStatus {
        match s {
            "disputed" => AnswerStatus::Disputed,
            "appeal" => AnswerStatus::Appeal,
            "final" => AnswerStatus::Final,
            _ => AnswerStatus::Marking,
        }
    }
}

/// One mark as kept.
#[derive(Debug, Clone)]
pub struct MarkRecord {
    pub id: i64,
    pub marker_slot: i64,
    pub grader_id: i64,
    pub mark: Points,
    pub comment: String,
    pub at_ms: i64,
    pub superseded: bool,
    /// When the lease under which it was given began (`None` for marks from before this was
    /// kept, and once its task is re-opened).
    pub leased_ms: Option<i64>,
}

/// An open answer with its marks, for dashboards and results.
#[derive(Debug, Clone)]
pub struct DashboardAnswer {
    pub open_answer_id: i64,
    pub candidate_id: i64,
    pub open_no: i64,
    pub item_id: String,
    pub status: AnswerStatus,
    pub final_mark: Option<Points>,
    /// In the order given.
    pub marks: Vec<MarkRecord>,
    /// Since when a third marking or an appeal re-mark has been waiting (not yet given).
    pub waiting_since_ms: Option<i64>,
}

/// A line of the audit log as read back.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct AuditEntry {
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub old_value: String,
    pub new_value: String,
    pub reason: String,
    pub at_ms: i64,
}

/// What a grader holds when they ask for their next task.
struct GraderHolds {
    /// A task under a live lease.
    task: Option<i64>,
    /// Their control answer not yet marked.
    control: Option<super::controls::PendingControl>,
}

/// Where each event's marking queue begins, as this node last looked (`Store::queue_head`):
/// (marker_slot, id) of its first queued task, when it was last looked up from the start of the
/// queue, and when last onwards from where it was.
#[derive(Default)]
pub(super) struct QueueHeads(std::sync::Mutex<std::collections::HashMap<i64, QueueHead>>);

struct QueueHead {
    head: (i64, i64),
    from_start: std::time::Instant,
    onwards: std::time::Instant,
}

impl QueueHeads {
    /// How long a head looked up from the start is trusted: a task queued again on another node
    /// waits at most this long to be offered by this one.
    const TRUSTED_FOR: std::time::Duration = std::time::Duration::from_secs(1);
    /// How long a head is used as it is before it is moved on.
    const FRESH: std::time::Duration = std::time::Duration::from_millis(50);

    /// The event's head when it was looked at less than `FRESH` ago; otherwise `Err` with where
    /// to look it up from (`None`: the start of the queue), to be passed to `found`.
    fn get(&self, event_id: i64) -> std::result::Result<(i64, i64), Option<(i64, i64)>> {
        match self.0.lock().expect("queue heads").get(&event_id) {
            Some(h) if h.from_start.elapsed() >= Self::TRUSTED_FOR => Err(None),
            Some(h) if h.onwards.elapsed() >= Self::FRESH => Err(Some(h.head)),
            Some(h) => Ok(h.head),
            None => Err(None),
        }
    }

    /// Keeps the head looked up `from` where `get` said (`head`: the first queued task found,
    /// none when the queue is empty from there) and returns it, (0, 0) for an empty queue: that
    /// is looked at again from the start, as what comes next may come anywhere.
    fn found(&self, event_id: i64, from: Option<(i64, i64)>, head: Option<(i64, i64)>) -> (i64, i64) {
        let head = head.unwrap_or((0, 0));
        let onwards = from.is_some();
        let now = std::time::Instant::now();
        let mut heads = self.0.lock().expect("queue heads");
        let from_start = match heads.get(&event_id) {
            Some(h) if onwards => h.from_start,
            // Forgotten while this was looked up onwards: it may be past a task just queued.
            None if onwards => return head,
            _ => now,
        };
        heads.insert(
            event_id,
            QueueHead {
                head,
                from_start,
                onwards: now,
            },
        );
        head
    }

    /// This node queued a task that may come before a head it knows (after the commit).
    pub(super) fn forget(&self) {
        self.0.lock().expect("queue heads").clear();
    }
}

/// A mark being given on a real task (`Store::give_mark`).
struct GivenMark<'a> {
    open_answer_id: i64,
    task_id: i64,
    slot: i64,
    grader_id: i64,
    mark: Points,
    comment: &'a str,
    now: i64,
    event_id: i64,
    actor: &'a str,
}

/// One open question assigned to one grader.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GraderItem {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub item_id: String,
}

/// Who may take a task (`t`, its answer `a`; `$1` the event, `$2` the grader, `$3` now; `chief`:
/// the grader also takes third markings): never an answer they have marked, nor one whose other
/// task they hold. First and second marks and appeal re-marks go to the graders assigned to the
/// question, third markings to the chief; an appeal re-mark goes to the chief only when every
/// grader assigned to the question has marked the answer (then even a chief who marked it). A
/// final answer is never offered again: its marks change only by a re-open or an appeal.
///
/// Where the chief shared a question's answers out evenly, a first or second mark handed to a
/// grader is taken by that grader only (`shares.rs`).
///
/// `+o.lease_expires_ms` (here and in the other look-ups of a grader's own leases) keeps SQLite,
/// which has no statistics, from walking every live lease along (state, lease_expires_ms) where
/// the answer's or the grader's own index finds one or two rows; PostgreSQL reads it as it is.
///
/// A grader's rule leaves out the chief's branches: PostgreSQL sets up every branch of a
/// statement each time it runs it, and a pull is four look-ups under this rule.
fn pull_rule(chief: bool) -> String {
    let assigned = "(t.marker_slot <> 3 \
           AND EXISTS (SELECT 1 FROM grader_assignments g WHERE g.event_id = $1 AND g.item_id = t.item_id AND g.account_id = $2) \
           AND NOT EXISTS (SELECT 1 FROM marks m WHERE m.open_answer_id = t.open_answer_id AND m.grader_id = $2) \
           AND (t.marker_slot > 2 OR COALESCE(t.assigned_to, $2) = $2))";
    let chiefs = if chief {
        " OR (t.marker_slot = 3 \
           AND NOT EXISTS (SELECT 1 FROM marks m WHERE m.open_answer_id = t.open_answer_id AND m.grader_id = $2)) \
         OR (t.marker_slot >= 4 AND NOT EXISTS ( \
             SELECT 1 FROM grader_assignments g JOIN accounts ac ON ac.id = g.account_id \
             WHERE g.event_id = $1 AND g.item_id = t.item_id AND ac.role = 'grader' AND NOT EXISTS \
               (SELECT 1 FROM marks m WHERE m.open_answer_id = t.open_answer_id AND m.grader_id = g.account_id)))"
    } else {
        ""
    };
    format!(
        "a.status <> 'final' AND ({assigned}{chiefs}) \
         AND NOT EXISTS (SELECT 1 FROM marking_tasks o WHERE o.open_answer_id = t.open_answer_id AND o.id <> t.id \
             AND o.state = 'leased' AND o.leased_by = $2 AND +o.lease_expires_ms > $3)"
    )
}
/// `Store::lease_next`'s statement for a backend's row lock and a grader (`chief`: also third
/// markings): built once each, it is sent on every pull.
fn lease_next_sql(row_lock: &'static str, chief: bool) -> &'static str {
    static SQL: [std::sync::OnceLock<String>; 4] = [const { std::sync::OnceLock::new() }; 4];
    SQL[usize::from(!row_lock.is_empty()) * 2 + usize::from(chief)].get_or_init(|| {
        let rule = pull_rule(chief);
        let first = |which: &str, order: &str| {
            format!(
                "(SELECT t.id FROM marking_tasks t JOIN open_answers a ON a.id = t.open_answer_id \
                 WHERE {which} AND a.event_id = $1 AND {rule} ORDER BY {order} LIMIT 1{row_lock})"
            )
        };
        format!(
            "UPDATE marking_tasks SET state = 'leased', leased_by = $2, lease_expires_ms = $6, leased_ms = $3 \
             WHERE id = (SELECT COALESCE({}, {}, {}, {})) RETURNING id",
            first(
                &format!(
                    "t.state = 'queued' AND t.marker_slot >= {}",
                    if chief { THIRD_SLOT } else { FIRST_APPEAL_SLOT }
                ),
                "t.marker_slot, t.id"
            ),
            first(
                "t.state = 'leased' AND t.lease_expires_ms <= $3",
                "t.lease_expires_ms, t.id"
            ),
            first("t.state = 'queued' AND t.assigned_to = $2", "t.id"),
            first(
                if chief {
                    // A chief assigned to no question takes nothing from here, and without this
                    // (checked once, not per task) would walk the whole queue on every pull
                    // (8 ms a pull with 50,000 tasks queued).
                    "t.state = 'queued' AND (t.marker_slot, t.id) >= ($4, $5) \
                     AND EXISTS (SELECT 1 FROM grader_assignments ga WHERE ga.event_id = $1 AND ga.account_id = $2)"
                } else {
                    "t.state = 'queued' AND (t.marker_slot, t.id) >= ($4, $5)"
                },
                "t.marker_slot, t.id"
            ),
        )
    })
}

const _: () = assert!(
    THIRD_SLOT == 3 && FIRST_APPEAL_SLOT == 4,
    "pull_rule and TASK_DETAILS spell the slots out"
);

/// `Store::grader_holds`' statement for a backend (`$1` the event, `$2` the grader, `$3` now),
/// built once each. On PostgreSQL it also sets the pull's planning for the transaction, and
/// locks the control task.
fn holds_sql(backend: Backend) -> &'static str {
    static SQL: [std::sync::OnceLock<String>; 2] = [const { std::sync::OnceLock::new() }; 2];
    SQL[(backend == Backend::Postgres) as usize].get_or_init(|| {
        let (planning, lock) = match backend {
            Backend::Postgres => (
                "set_config('plan_cache_mode', 'force_generic_plan', true) AS generic_plans, \
                 set_config('enable_bitmapscan', 'off', true) AS no_bitmaps, set_config('enable_sort', 'off', true) AS no_sorts, ",
                " FOR UPDATE OF c",
            ),
            Backend::Sqlite => ("", ""),
        };
        format!(
            "SELECT {planning}(SELECT t.id FROM marking_tasks t JOIN open_answers a ON a.id = t.open_answer_id \
               WHERE a.event_id = $1 AND t.state = 'leased' AND t.leased_by = $2 AND +t.lease_expires_ms > $3 ORDER BY t.id LIMIT 1) AS task, \
               c.id AS control_id, c.state AS control_state, c.lease_expires_ms AS control_lease_expires_ms, c.due_after_marks \
             FROM (SELECT 1 AS one) one LEFT JOIN (SELECT c.id, c.state, c.lease_expires_ms, c.due_after_marks FROM control_tasks c \
               JOIN control_answers ca ON ca.id = c.control_answer_id \
               WHERE c.grader_id = $2 AND c.state IN ('queued', 'leased') AND ca.event_id = $1 ORDER BY c.id LIMIT 1{lock}) c ON 1 = 1"
        )
    })
}

/// A leased task's details, as `MarkingTask` reads them (`$1` the task, `$2` now).
const TASK_DETAILS: &str = "SELECT t.id, t.open_answer_id, a.event_id, t.item_id, t.marker_slot, a.body, t.lease_expires_ms, \
       (SELECT COUNT(*) FROM marks m WHERE m.open_answer_id = t.open_answer_id AND m.marker_slot < 3 AND m.superseded = 0) \
       + (SELECT COUNT(*) FROM marking_tasks o WHERE o.open_answer_id = t.open_answer_id AND o.id <> t.id \
            AND o.marker_slot < 3 AND o.state = 'leased' AND +o.lease_expires_ms > $2) AS independent_before \
     FROM marking_tasks t JOIN open_answers a ON a.id = t.open_answer_id WHERE t.id = $1";

/// The first queued task of the event (`$1`) from (marker_slot, id) = ($2, $3) on (`Store::queue_head`).
const QUEUE_HEAD: &str = "SELECT t.marker_slot, t.id FROM marking_tasks t JOIN open_answers a ON a.id = t.open_answer_id \
     WHERE t.state = 'queued' AND (t.marker_slot, t.id) >= ($2, $3) AND a.event_id = $1 ORDER BY t.marker_slot, t.id LIMIT 1";

/// `Store::record_mark`'s first statement for a backend (`$1` the task): the task, its answer
/// and the event's tolerance; on PostgreSQL locking the task and the answer and asking for
/// generic plans for the rest of the transaction (settling the answer was planned anew on every
/// mark, 0.1 ms each).
fn marked_task_sql(backend: Backend) -> &'static str {
    static SQL: [std::sync::OnceLock<String>; 2] = [const { std::sync::OnceLock::new() }; 2];
    SQL[(backend == Backend::Postgres) as usize].get_or_init(|| {
        let (planning, lock) = match backend {
            Backend::Postgres => (
                "set_config('plan_cache_mode', 'force_generic_plan', true) AS generic_plans, ",
                // The answer's row too: two graders marking the two tasks of one answer at once
                // would each see only their own mark and neither would settle it (PostgreSQL,
                // read committed); locked, the second waits and sees the first's. SQLite's one
                // writer serialises them anyway.
                " FOR UPDATE OF t, a",
            ),
            Backend::Sqlite => ("", ""),
        };
        format!(
            "SELECT {planning}t.open_answer_id, t.item_id, t.marker_slot, t.state, t.leased_by, a.event_id, a.marks_needed, \
               e.tolerance FROM marking_tasks t JOIN open_answers a ON a.id = t.open_answer_id JOIN events e ON e.id = a.event_id \
             WHERE t.id = $1{lock}"
        )
    })
}

// A mark given (`Store::give_mark`): `$1` the answer, `$2` the task, `$3` its slot, `$4` the
// grader, `$5` the mark, `$6` the comment, `$7` now, `$8` the event, `$9` the actor, `$10` the
// audit subject, `$11` the mark as text.
const INSERT_MARK: &str = "INSERT INTO marks (open_answer_id, task_id, marker_slot, grader_id, mark, comment, at_ms) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";
const CLOSE_TASK: &str = "UPDATE marking_tasks SET state = 'done' WHERE id = $2";
const LOG_MARK: &str = "INSERT INTO audit_log (event_id, actor, action, subject, old_value, new_value, reason, at_ms) \
     VALUES ($8, $9, 'mark', $10, '', $11, $6, $7)";
const ACTIVE_MARKS: &str = "SELECT id, marker_slot, mark FROM marks WHERE open_answer_id = $1 AND superseded = 0";

// An answer settled (`Store::settle`), each statement running only for its status: `$1` the
// answer, `$2` its status, `$3` its final mark, `$4` the item, `$5` the third marker's slot, `$6`
// now, `$7` the first appeal slot.
const THIRD_TASK: &str = "INSERT INTO marking_tasks (open_answer_id, item_id, marker_slot, state, created_ms) \
     SELECT $1, $4, $5, 'queued', $6 WHERE $2 = 'disputed' \
     ON CONFLICT (open_answer_id, marker_slot) DO UPDATE SET state = 'queued', leased_by = NULL, lease_expires_ms = NULL";
const CLOSE_TASKS: &str =
    "DELETE FROM marking_tasks WHERE open_answer_id = $1 AND state <> 'done' AND marker_slot < $7 AND $2 = 'final'";
const SET_STATUS: &str = "UPDATE open_answers SET status = $2, final_mark = $3 WHERE id = $1";

/// What a mark's audit line names: the answer and the slot.
fn mark_subject(open_answer_id: i64, slot: i64) -> String {
    format!("answer#{open_answer_id}/slot{slot}")
}

/// Why a grader may not mark the task they sent a mark for (its `state` and `leased_by` as
/// stored), or `None` when it is theirs to mark. A lapsed lease still counts until another
/// grader has taken the task.
fn refused_mark(state: &str, leased_by: Option<i64>, grader_id: i64) -> Option<MarkOutcome> {
    if state == "done" {
        Some(MarkOutcome::AlreadyMarked)
    } else if state != "leased" || leased_by != Some(grader_id) {
        Some(MarkOutcome::NotYours)
    } else {
        None
    }
}

/// An answer's active marks (id, slot, mark) as they count: independent marks in the order
/// given, then the third marker's and appeal re-marks by slot.
fn counting_order(mut marks: Vec<(i64, i64, Points)>) -> Vec<(i64, Points)> {
    marks.sort_by_key(|&(id, slot, _)| (if slot >= THIRD_SLOT { slot } else { 0 }, id));
    marks.into_iter().map(|(_, slot, mark)| (slot, mark)).collect()
}

/// Where an answer stands with its active `marks` (in `counting_order`) under `policy`, and its
/// final mark: an appeal re-mark, when there is one, is final.
fn standing(marks: &[(i64, Points)], policy: &MarkingPolicy) -> (AnswerStatus, Option<Points>) {
    match marks.iter().rev().find(|(slot, _)| *slot >= FIRST_APPEAL_SLOT) {
        Some((_, appeal)) => (AnswerStatus::Final, Some(*appeal)),
        None => {
            let ordered: Vec<Points> = marks.iter().map(|(_, m)| *m).collect();
            match resolve(policy, &ordered) {
                Resolution::Final(m) => (AnswerStatus::Final, Some(m)),
                Resolution::Pending { .. } => (AnswerStatus::Marking, None),
                Resolution::Disputed => (AnswerStatus::Disputed, None),
            }
        }
    }
}

impl Store {
    pub async fn assign_grader(&self, event_id: i64, item_id: &str, account_id: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO grader_assignments (event_id, item_id, account_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(event_id)
        .bind(item_id)
        .bind(account_id)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Tasks held by a grader now (a live lease), per open question of the event.
    pub async fn leased_tasks_per_item(
        &self,
        event_id: i64,
        now: i64,
    ) -> Result<std::collections::HashMap<String, usize>> {
        let rows = sqlx::query(
            "SELECT t.item_id, COUNT(*) AS n FROM marking_tasks t JOIN open_answers a ON a.id = t.open_answer_id \
             WHERE t.state = 'leased' AND t.lease_expires_ms > $2 AND a.event_id = $1 GROUP BY t.item_id",
        )
        .bind(event_id)
        .bind(now)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("item_id")?, r.try_get::<i64, _>("n")? as usize)))
            .collect()
    }

    /// Open answers handed in per open question of the event.
    pub async fn open_answers_per_item(&self, event_id: i64) -> Result<std::collections::HashMap<String, usize>> {
        let rows = sqlx::query("SELECT item_id, COUNT(*) AS n FROM open_answers WHERE event_id = $1 GROUP BY item_id")
            .bind(event_id)
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("item_id")?, r.try_get::<i64, _>("n")? as usize)))
            .collect()
    }

    /// Whether `account` is assigned any open question of the event.
    pub async fn has_grader_assignment(&self, event_id: i64, account_id: i64) -> Result<bool> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM grader_assignments WHERE event_id = $1 AND account_id = $2")
                .bind(event_id)
                .bind(account_id)
                .fetch_one(&self.read)
                .await?;
        Ok(n > 0)
    }

    /// How many graders (not chiefs) assigned to `item_id` in the event have not marked the answer.
    pub async fn graders_who_have_not_marked(&self, event_id: i64, item_id: &str, open_answer_id: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM grader_assignments g JOIN accounts ac ON ac.id = g.account_id \
             WHERE g.event_id = $1 AND g.item_id = $2 AND ac.role = 'grader' AND NOT EXISTS \
               (SELECT 1 FROM marks m WHERE m.open_answer_id = $3 AND m.grader_id = g.account_id)",
        )
        .bind(event_id)
        .bind(item_id)
        .bind(open_answer_id)
        .fetch_one(&self.read)
        .await?)
    }

    /// The event's grader assignments, by username.
    pub async fn grader_assignments(&self, event_id: i64) -> Result<Vec<GraderItem>> {
        Ok(sqlx::query_as(
            "SELECT a.username, a.display_name, a.role, g.item_id FROM grader_assignments g \
             JOIN accounts a ON a.id = g.account_id WHERE g.event_id = $1 ORDER BY a.username, g.item_id",
        )
        .bind(event_id)
        .fetch_all(&self.read)
        .await?)
    }

    pub async fn marking_policy(&self, event_id: i64) -> Result<MarkingPolicy> {
        marking_policy_in(&mut *self.read.acquire().await?, event_id).await
    }

    pub async fn set_marking_policy(&self, event_id: i64, policy: &MarkingPolicy) -> Result<()> {
        sqlx::query("UPDATE events SET double_marking = $2, tolerance = $3 WHERE id = $1")
            .bind(event_id)
            .bind(policy.double as i64)
            .bind(policy.tolerance.hundredths())
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Leases the next task this grader may mark (or returns the one they already hold).
    /// `third_marker`: the chief (or a designated senior grader) also takes disputed answers.
    ///
    /// Three statements in one transaction, whatever the queue holds: what the grader holds
    /// (a task, a control answer), the lease of the next task (`lease_next`), the task's details;
    /// a fourth, where the queue begins, at most every 50 ms (`queue_head`).
    ///
    /// On SQLite the pull is committed together with the others waiting for the writer
    /// (`sqlite.rs`), unless the grader has a control answer waiting.
    pub async fn next_marking_task(
        &self,
        event_id: i64,
        grader_id: i64,
        third_marker: bool,
        now: i64,
        lease_ms: i64,
    ) -> Result<Option<MarkingTask>> {
        if let Some(queue) = &self.sqlite_marking {
            let op = sqlite::Op::Next {
                event_id,
                grader_id,
                chief: third_marker,
                now,
                lease_ms,
            };
            if let sqlite::Done::Next(task) = self.marking_op(queue, op).await? {
                return Ok(task);
            }
        }
        let mut tx = self.begin_write().await?;
        let holds = self.grader_holds(&mut tx, event_id, grader_id, now).await?;
        // A control answer (质检卷) planted for this grader: held, or due after enough marks.
        let control = match holds.task {
            Some(_) => None,
            None => holds.control,
        };
        if let Some(pending) = &control
            && let Some(task) = self
                .offer_control(&mut tx, pending, grader_id, now, lease_ms, false)
                .await?
        {
            tx.commit().await?;
            return Ok(Some(task));
        }
        let task_id = match holds.task {
            Some(id) => Some(id),
            None => {
                self.lease_next(&mut tx, event_id, grader_id, third_marker, now, now + lease_ms)
                    .await?
            }
        };
        let task = match task_id {
            // Nothing else is left for this grader: their control answer, if one waits.
            None => match &control {
                Some(pending) => {
                    self.offer_control(&mut tx, pending, grader_id, now, lease_ms, true)
                        .await?
                }
                None => None,
            },
            Some(id) => Some(
                sqlx::query_as(TASK_DETAILS)
                    .bind(id)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?,
            ),
        };
        tx.commit().await?;
        Ok(task)
    }

    /// What the grader holds in the event now, in one statement: the task under a live lease,
    /// and the control answer planted for them that is not yet marked (locked on PostgreSQL).
    ///
    /// On PostgreSQL the same statement sets the pull's planning for the rest of the
    /// transaction: the pick is the same statement every time, planned once per connection (a
    /// custom plan for each set of values cost 1.6 ms of planning against 0.7 ms of executing),
    /// and it walks the queue's indexes in order, stopping at the first task the grader may take.
    /// Left to itself the planner, misled by the statistics of a queue filled minutes ago
    /// (marking starts as the papers come in, before any ANALYZE), gathered every queued task
    /// into a bitmap and sorted them on every pull: 890 ms against 1 ms with 12,000 tasks
    /// (docs/performance-office.md).
    async fn grader_holds(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        event_id: i64,
        grader_id: i64,
        now: i64,
    ) -> Result<GraderHolds> {
        let sql = holds_sql(self.backend);
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(event_id)
            .bind(grader_id)
            .bind(now)
            .fetch_one(&mut **tx)
            .await?;
        Ok(GraderHolds {
            task: r.try_get("task")?,
            control: super::controls::PendingControl::from_row(&r)?,
        })
    }

    /// Leases the task this grader may take next, in one statement, and returns it (PostgreSQL
    /// skips tasks another pull is taking):
    /// third markings and appeals first, then tasks whose lease lapsed, then tasks the chief
    /// handed to this grader (answers shared out evenly), then every queued task — each under the
    /// same rule of who may mark what (`pull_rule`), in one statement that looks no further than
    /// it must. Each look-up is a range of an index, walked in order, no sort:
    /// - third markings (the chief's) and appeals along (state, marker_slot, id), from the first
    ///   slot this grader may take, so a grader never walks the disputes waiting for the chief;
    /// - lapsed leases oldest first along (state, lease_expires_ms, id): none, most of the time;
    /// - handed tasks along (assigned_to, state, id);
    /// - the queue along (state, marker_slot, id), first marks before second marks, from where the
    ///   queue begins (`queue_head`), so the pull costs the same at 10 % and at 90 % done. Not
    ///   both tasks of an answer side by side: two graders would take them together and mark
    ///   them together, the second waiting for the first's lock on the answer (4.7 ms a mark on
    ///   PostgreSQL).
    async fn lease_next(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        event_id: i64,
        grader_id: i64,
        third_marker: bool,
        now: i64,
        lease_expires_ms: i64,
    ) -> Result<Option<i64>> {
        let (head_slot, head_id) = self.queue_head(tx, event_id).await?;
        let sql = lease_next_sql(self.row_lock(" FOR UPDATE OF t SKIP LOCKED"), third_marker);
        Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(event_id)
            .bind(grader_id)
            .bind(now)
            .bind(head_slot)
            .bind(head_id)
            .bind(lease_expires_ms)
            .fetch_optional(&mut **tx)
            .await?)
    }

    /// The first queued task of the event by (marker_slot, id), or (0, 0) when none is queued:
    /// no queued task of the event comes before it. Looked up from the start of the queue at
    /// most once a second per event on this node, and again once this node has queued a task
    /// anew (a submission, a re-opened mark); in between, every 50 ms, onwards from where it was.
    /// A task queued again on another node is offered from there at once and from here within a
    /// second.
    ///
    /// Why: on PostgreSQL a lease leaves the task's old index entry behind until VACUUM, so the
    /// start of the queue fills with entries of tasks long taken. Walked from the beginning on
    /// every pull they cost 1.2 ms (330 buffers) at 40 % done with 60,000 tasks, and more as
    /// marking went on; from the head, a few buffers.
    async fn queue_head(&self, tx: &mut sqlx::Transaction<'static, sqlx::Any>, event_id: i64) -> Result<(i64, i64)> {
        let from = match self.queue_heads.get(event_id) {
            Ok(head) => return Ok(head),
            Err(from) => from,
        };
        let (slot, id) = from.unwrap_or((0, 0));
        let head: Option<(i64, i64)> = sqlx::query_as(QUEUE_HEAD)
            .bind(event_id)
            .bind(slot)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
        Ok(self.queue_heads.found(event_id, from, head))
    }

    /// Stores the mark, closes its task and writes the audit line; returns the answer's active
    /// marks, this one included, as they count: independent marks in the order given, then the
    /// third marker's and appeal re-marks by slot. The answer's row is locked already, so every
    /// other mark on it is committed and seen here. One statement on PostgreSQL (a mark was nine
    /// round trips, most of its cost under 200 graders), one call on SQLite.
    async fn give_mark(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        g: &GivenMark<'_>,
    ) -> Result<Vec<(i64, Points)>> {
        // PostgreSQL: one statement, whose snapshot does not hold the mark it inserts (it comes
        // back through RETURNING). SQLite: the four statements in one call (shared parameters).
        static GIVE: std::sync::LazyLock<[String; 2]> = std::sync::LazyLock::new(|| {
            [
                format!(
                    "WITH given AS ({INSERT_MARK} RETURNING id, marker_slot, mark), closed AS ({CLOSE_TASK}), \
                     logged AS ({LOG_MARK}) {ACTIVE_MARKS} UNION ALL SELECT id, marker_slot, mark FROM given"
                ),
                format!("{INSERT_MARK}; {CLOSE_TASK}; {LOG_MARK}; {ACTIVE_MARKS}"),
            ]
        });
        let sql = &GIVE[(self.backend == Backend::Sqlite) as usize];
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(g.open_answer_id)
            .bind(g.task_id)
            .bind(g.slot)
            .bind(g.grader_id)
            .bind(g.mark.hundredths())
            .bind(g.comment)
            .bind(g.now)
            .bind(g.event_id)
            .bind(g.actor)
            .bind(mark_subject(g.open_answer_id, g.slot))
            .bind(g.mark.to_string())
            .fetch_all(&mut **tx)
            .await?;
        let marks = rows
            .iter()
            .map(|r| {
                Ok((
                    r.try_get::<i64, _>("id")?,
                    r.try_get::<i64, _>("marker_slot")?,
                    Points::from_hundredths(r.try_get("mark")?),
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(counting_order(marks))
    }

    /// Settles an answer from its active `marks` (as `give_mark` orders them) under `policy`
    /// (whose `double` is the number of marks fixed for the answer when it was queued): final,
    /// disputed (a third task is queued), or still marking. An appeal re-mark, when there is one,
    /// is final. A final answer keeps no task open but appeals (none is left under the rules; any
    /// from before marks were fixed per answer is withdrawn, so nothing can change a final mark).
    /// One statement on PostgreSQL, one call on SQLite.
    async fn settle(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        answer: (i64, &str),
        marks: &[(i64, Points)],
        policy: &MarkingPolicy,
        now: i64,
    ) -> Result<AnswerStatus> {
        let (open_answer_id, item_id) = answer;
        let (status, final_mark) = standing(marks, policy);
        // PostgreSQL: one statement; SQLite: the three in one call (shared parameters).
        static SETTLE: std::sync::LazyLock<[String; 2]> = std::sync::LazyLock::new(|| {
            [
                format!("WITH third AS ({THIRD_TASK}), closed AS ({CLOSE_TASKS}) {SET_STATUS}"),
                format!("{THIRD_TASK}; {CLOSE_TASKS}; {SET_STATUS}"),
            ]
        });
        sqlx::query(sqlx::AssertSqlSafe(
            SETTLE[(self.backend == Backend::Sqlite) as usize].as_str(),
        ))
        .bind(open_answer_id)
        .bind(status.as_str())
        .bind(final_mark.map(Points::hundredths))
        .bind(item_id)
        .bind(THIRD_SLOT)
        .bind(now)
        .bind(FIRST_APPEAL_SLOT)
        .execute(&mut **tx)
        .await?;
        Ok(status)
    }

    /// Records a grader's mark for a task they hold, and settles the answer. On SQLite committed
    /// together with the other pulls and marks waiting for the writer (`sqlite.rs`), unless it
    /// is a control answer's.
    pub async fn record_mark(
        &self,
        task_id: i64,
        grader_id: i64,
        actor: &str,
        mark: Points,
        comment: &str,
        now: i64,
    ) -> Result<MarkOutcome> {
        if let Some(queue) = &self.sqlite_marking {
            let op = sqlite::Op::Mark {
                task_id,
                grader_id,
                actor: actor.to_string(),
                mark,
                comment: comment.to_string(),
                now,
            };
            if let sqlite::Done::Mark(outcome) = self.marking_op(queue, op).await? {
                return Ok(outcome);
            }
        }
        let mut tx = self.begin_write().await?;
        let sql = marked_task_sql(self.backend);
        let Some(r) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(task_id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            let given = super::controls::MarkGiven {
                actor,
                mark,
                comment,
                now,
            };
            return self.record_control_mark(tx, task_id, grader_id, given).await;
        };
        let state: String = r.try_get("state")?;
        if let Some(refused) = refused_mark(&state, r.try_get("leased_by")?, grader_id) {
            return Ok(refused);
        }
        let open_answer_id: i64 = r.try_get("open_answer_id")?;
        let item_id: String = r.try_get("item_id")?;
        let marks = self
            .give_mark(
                &mut tx,
                &GivenMark {
                    open_answer_id,
                    task_id,
                    slot: r.try_get("marker_slot")?,
                    grader_id,
                    mark,
                    comment,
                    now,
                    event_id: r.try_get("event_id")?,
                    actor,
                },
            )
            .await?;
        // The number of marks fixed for the answer when it was queued, the event's tolerance now.
        let policy = MarkingPolicy {
            double: r.try_get::<i64, _>("marks_needed")? >= 2,
            tolerance: Points::from_hundredths(r.try_get("tolerance")?),
        };
        let status = self
            .settle(&mut tx, (open_answer_id, &item_id), &marks, &policy, now)
            .await?;
        tx.commit().await?;
        Ok(MarkOutcome::Recorded { status })
    }

    /// The chief re-opens a mark: it is kept but superseded, and its task returns to the queue
    /// for a grader who has not marked this answer. Returns false if there is no such mark.
    pub async fn reopen_mark(&self, mark_id: i64, actor: &str, reason: &str, now: i64) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let Some(r) = sqlx::query("SELECT m.open_answer_id, m.task_id, m.mark, m.marker_slot, a.event_id, a.item_id FROM marks m JOIN open_answers a ON a.id = m.open_answer_id WHERE m.id = $1 AND m.superseded = 0")
            .bind(mark_id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(false);
        };
        let (answer, task, old, event_id, item_id): (i64, i64, i64, i64, String) = (
            r.try_get("open_answer_id")?,
            r.try_get("task_id")?,
            r.try_get("mark")?,
            r.try_get("event_id")?,
            r.try_get("item_id")?,
        );
        sqlx::query("UPDATE marks SET superseded = 1 WHERE id = $1")
            .bind(mark_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE marking_tasks SET state = 'queued', leased_by = NULL, lease_expires_ms = NULL, assigned_to = NULL WHERE id = $1",
        )
        .bind(task)
        .execute(&mut *tx)
        .await?;
        // A third marking that followed from the re-opened mark no longer stands either.
        let slot: i64 = r.try_get("marker_slot")?;
        if slot < THIRD_SLOT {
            sqlx::query("UPDATE marks SET superseded = 1 WHERE open_answer_id = $1 AND marker_slot = $2")
                .bind(answer)
                .bind(THIRD_SLOT)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM marking_tasks WHERE open_answer_id = $1 AND marker_slot = $2 AND state <> 'done'")
                .bind(answer)
                .bind(THIRD_SLOT)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("UPDATE open_answers SET status = 'marking', final_mark = NULL WHERE id = $1")
            .bind(answer)
            .execute(&mut *tx)
            .await?;
        let _ = item_id;
        audit(
            &mut tx,
            &AuditRecord {
                event_id,
                actor,
                action: "reopen_mark",
                subject: &format!("answer#{answer}/mark#{mark_id}"),
                old: &Points::from_hundredths(old).to_string(),
                new: "重评",
                reason,
                at_ms: now,
            },
        )
        .await?;
        tx.commit().await?;
        self.queue_heads.forget();
        Ok(true)
    }

    /// An appeal: the answer goes back for re-marking by a grader who has not marked it; the
    /// re-mark becomes final; every earlier mark is kept.
    pub async fn appeal(&self, open_answer_id: i64, actor: &str, reason: &str, now: i64) -> Result<AppealOutcome> {
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "SELECT event_id, item_id, final_mark, status FROM open_answers WHERE id = $1{}",
            self.for_update()
        );
        let Some(r) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(open_answer_id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(AppealOutcome::NoAnswer);
        };
        let (event_id, item_id, old): (i64, String, Option<i64>) =
            (r.try_get("event_id")?, r.try_get("item_id")?, r.try_get("final_mark")?);
        match AnswerStatus::parse(&r.try_get::<String, _>("status")?) {
            AnswerStatus::Final => {}
            AnswerStatus::Appeal => return Ok(AppealOutcome::Pending),
            AnswerStatus::Marking | AnswerStatus::Disputed => return Ok(AppealOutcome::NotFinal),
        }
        let slot: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(marker_slot), 0) FROM marking_tasks WHERE open_answer_id = $1")
                .bind(open_answer_id)
                .fetch_one(&mut *tx)
                .await?;
        sqlx::query("INSERT INTO marking_tasks (open_answer_id, item_id, marker_slot, state, created_ms) VALUES ($1, $2, $3, 'queued', $4)")
            .bind(open_answer_id)
            .bind(&item_id)
            .bind(slot.max(THIRD_SLOT) + 1)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE open_answers SET status = 'appeal' WHERE id = $1")
            .bind(open_answer_id)
            .execute(&mut *tx)
            .await?;
        let old = old.map_or("未评定".to_string(), |m| Points::from_hundredths(m).to_string());
        audit(
            &mut tx,
            &AuditRecord {
                event_id,
                actor,
                action: "appeal",
                subject: &format!("answer#{open_answer_id}"),
                old: &old,
                new: "复评中",
                reason,
                at_ms: now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(AppealOutcome::Filed)
    }

    /// Every open answer of an event with all its marks (superseded ones included).
    pub async fn event_open_answers(&self, event_id: i64) -> Result<Vec<DashboardAnswer>> {
        let rows = sqlx::query("SELECT id, candidate_id, open_no, item_id, status, final_mark FROM open_answers WHERE event_id = $1 ORDER BY id")
            .bind(event_id)
            .fetch_all(&self.read)
            .await?;
        let marks = sqlx::query(
            "SELECT m.id, m.open_answer_id, m.marker_slot, m.grader_id, m.mark, m.comment, m.at_ms, m.superseded, t.leased_ms \
             FROM marks m JOIN open_answers a ON a.id = m.open_answer_id LEFT JOIN marking_tasks t ON t.id = m.task_id \
             WHERE a.event_id = $1 ORDER BY m.id",
        )
        .bind(event_id)
        .fetch_all(&self.read)
        .await?;
        let waiting: std::collections::HashMap<i64, i64> = sqlx::query(
            "SELECT t.open_answer_id, MIN(t.created_ms) AS since FROM marking_tasks t JOIN open_answers a ON a.id = t.open_answer_id \
             WHERE a.event_id = $1 AND t.state <> 'done' AND t.marker_slot >= 3 GROUP BY t.open_answer_id",
        )
        .bind(event_id)
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("open_answer_id")?, r.try_get("since")?)))
        .collect::<Result<_>>()?;
        let mut by_answer: std::collections::HashMap<i64, Vec<MarkRecord>> = std::collections::HashMap::new();
        for m in &marks {
            by_answer
                .entry(m.try_get("open_answer_id")?)
                .or_default()
                .push(MarkRecord {
                    id: m.try_get("id")?,
                    marker_slot: m.try_get("marker_slot")?,
                    grader_id: m.try_get("grader_id")?,
                    mark: Points::from_hundredths(m.try_get("mark")?),
                    comment: m.try_get("comment")?,
                    at_ms: m.try_get("at_ms")?,
                    superseded: m.try_get::<i64, _>("superseded")? != 0,
                    leased_ms: m.try_get("leased_ms")?,
                });
        }
        rows.iter()
            .map(|r| {
                let id: i64 = r.try_get("id")?;
                Ok(DashboardAnswer {
                    open_answer_id: id,
                    candidate_id: r.try_get("candidate_id")?,
                    open_no: r.try_get("open_no")?,
                    item_id: r.try_get("item_id")?,
                    status: AnswerStatus::parse(&r.try_get::<String, _>("status")?),
                    final_mark: r.try_get::<Option<i64>, _>("final_mark")?.map(Points::from_hundredths),
                    marks: by_answer.remove(&id).unwrap_or_default(),
                    waiting_since_ms: waiting.get(&id).copied(),
                })
            })
            .collect()
    }

    pub async fn open_answer_id(&self, candidate_id: i64, open_no: i64) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM open_answers WHERE candidate_id = $1 AND open_no = $2")
                .bind(candidate_id)
                .bind(open_no)
                .fetch_optional(&self.read)
                .await?,
        )
    }

    pub async fn record_audit(&self, record: &AuditRecord<'_>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        audit(&mut tx, record).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn audit_log(&self, event_id: i64) -> Result<Vec<AuditEntry>> {
        Ok(sqlx::query_as(
            "SELECT actor, action, subject, old_value, new_value, reason, at_ms FROM audit_log WHERE event_id = $1 ORDER BY id",
        )
        .bind(event_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// Replaces the event's released results with `rows` (candidate id, result JSON) and marks
    /// the event released, in one transaction.
    pub async fn release_results(&self, event_id: i64, rows: &[(i64, String)], actor: &str, now: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM released_results WHERE event_id = $1")
            .bind(event_id)
            .execute(&mut *tx)
            .await?;
        for (candidate_id, json) in rows {
            sqlx::query("INSERT INTO released_results (event_id, candidate_id, result_json, released_ms) VALUES ($1, $2, $3, $4)")
                .bind(event_id)
                .bind(candidate_id)
                .bind(json)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        let old: Option<i64> = sqlx::query_scalar("SELECT released_ms FROM events WHERE id = $1")
            .bind(event_id)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("UPDATE events SET released_ms = $2 WHERE id = $1")
            .bind(event_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let old = old.map_or("未发布".to_string(), |t| format!("发布于 {t}"));
        audit(
            &mut tx,
            &AuditRecord {
                event_id,
                actor,
                action: "release",
                subject: &format!("event#{event_id}"),
                old: &old,
                new: &format!("{} 名考生的成绩", rows.len()),
                reason: "",
                at_ms: now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn released_result(&self, candidate_id: i64) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT result_json FROM released_results WHERE candidate_id = $1")
                .bind(candidate_id)
                .fetch_optional(&self.read)
                .await?,
        )
    }

    /// Every scored objective item of an event: (candidate id, item id, points).
    pub async fn event_item_results(&self, event_id: i64) -> Result<Vec<(i64, String, Points)>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT r.candidate_id, r.item_id, {POINTS_IN_FORCE} AS points FROM item_results r \
             JOIN candidates c ON c.id = r.candidate_id {} WHERE c.event_id = $1",
            rescored_join("c.event_id")
        )))
        .bind(event_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("candidate_id")?,
                    r.try_get("item_id")?,
                    Points::from_hundredths(r.try_get("points")?),
                ))
            })
            .collect()
    }

    /// Every candidate of an event with their sitting's state and objective score.
    pub async fn event_candidates(&self, event_id: i64) -> Result<Vec<EventCandidate>> {
        Ok(sqlx::query_as(
            "SELECT c.id, c.ticket, c.name, c.room, s.state, s.objective_score FROM candidates c JOIN sittings s ON s.candidate_id = c.id \
             WHERE c.event_id = $1 ORDER BY c.ticket",
        )
        .bind(event_id)
        .fetch_all(&self.read)
        .await?)
    }
}

/// A candidate of an event with their sitting's state and objective score (hundredths; `None`
/// until handed in).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventCandidate {
    pub id: i64,
    pub ticket: String,
    pub name: String,
    pub room: String,
    #[sqlx(try_from = "String")]
    pub state: SittingState,
    pub objective_score: Option<i64>,
}

/// The event's marking policy as `conn` sees it (in a transaction: as it stands there).
pub(super) async fn marking_policy_in(conn: &mut sqlx::AnyConnection, event_id: i64) -> Result<MarkingPolicy> {
    let row = sqlx::query("SELECT double_marking, tolerance FROM events WHERE id = $1")
        .bind(event_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(MarkingPolicy {
        double: row.try_get::<i64, _>("double_marking")? != 0,
        tolerance: Points::from_hundredths(row.try_get("tolerance")?),
    })
}

/// One line of the append-only audit log: who did what to what (old → new), why and when
/// (event 0: about no event, e.g. a staff account).
pub struct AuditRecord<'a> {
    pub event_id: i64,
    pub actor: &'a str,
    pub action: &'a str,
    pub subject: &'a str,
    pub old: &'a str,
    pub new: &'a str,
    pub reason: &'a str,
    pub at_ms: i64,
}

pub(super) async fn audit(tx: &mut sqlx::Transaction<'static, sqlx::Any>, r: &AuditRecord<'_>) -> Result<()> {
    sqlx::query("INSERT INTO audit_log (event_id, actor, action, subject, old_value, new_value, reason, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(r.event_id)
        .bind(r.actor)
        .bind(r.action)
        .bind(r.subject)
        .bind(r.old)
        .bind(r.new)
        .bind(r.reason)
        .bind(r.at_ms)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
