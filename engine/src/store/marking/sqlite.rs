//! Pulls and marks on SQLite, committed together (`GroupCommit`, as starts are): whoever finds the
//! writer free writes everything queued so far in one transaction on the save writer's rusqlite
//! connection, each pull or mark in a savepoint of its own, and answers them after the one
//! commit.
//!
//! Why: SQLite has one writer, and a pull and a mark through sqlx were each a transaction of their
//! own: an fsync'd commit each, and every statement handed to sqlx's worker thread and its rows
//! handed back (ten hand-offs per mark). Under 200 graders the writer thread spent its time
//! waiting for a core between hand-offs, and marking stopped at 730–780 marks a second with pull
//! and mark p99 at 170–210 ms. Here a batch is one hand-off to a blocking thread, its statements
//! run at C speed from the connection's statement cache, and one fsync acknowledges them all.
//!
//! The statements are the ones the sqlx path runs (`mod.rs`), written once; what is decided from
//! what they read is decided by the same functions (`refused_mark`, `counting_order`,
//! `standing`). Executed one after another in one transaction they do exactly what the same pulls
//! and marks in transactions of their own would do in that order. Nothing is answered before the
//! commit; if it fails (a full disk, the database locked by another process beyond the busy
//! timeout) every pull and mark of the batch is answered with that failure and none of them is
//! kept. A pull for a grader who has a control answer (质检卷) waiting, and a mark on a control
//! answer, are left to the sqlx path (`Done::Elsewhere`): they are rare, and the control rules
//! are written once, there.

use std::sync::Arc;

use question_bank::Points;
use rusqlite::{ToSql, TransactionBehavior};

use super::{
    ACTIVE_MARKS, CLOSE_TASK, CLOSE_TASKS, FIRST_APPEAL_SLOT, INSERT_MARK, LOG_MARK, MarkOutcome, MarkingTask,
    QUEUE_HEAD, QueueHeads, SET_STATUS, TASK_DETAILS, THIRD_SLOT, THIRD_TASK, counting_order, holds_sql,
    lease_next_sql, mark_subject, marked_task_sql, refused_mark, standing,
};
use crate::group_commit::GroupCommit;
use crate::store::sql::bound;
use crate::store::{Backend, Result, Store, StoreError};
use exam_rules::marking::MarkingPolicy;

/// A pull or a mark waiting for its batch.
pub(in crate::store) enum Op {
    /// `Store::next_marking_task`.
    Next {
        event_id: i64,
        grader_id: i64,
        chief: bool,
        now: i64,
        lease_ms: i64,
    },
    /// `Store::record_mark`.
    Mark {
        task_id: i64,
        grader_id: i64,
        actor: String,
        mark: Points,
        comment: String,
        now: i64,
    },
}

/// What a pull or a mark came to.
pub(in crate::store) enum Done {
    Next(Option<MarkingTask>),
    Mark(MarkOutcome),
    /// A control answer is involved: nothing was written; to be done on the sqlx path.
    Elsewhere,
}

type Outcome = std::result::Result<Done, Arc<StoreError>>;

/// The pulls and marks waiting for the writer.
pub(in crate::store) type MarkingQueue = GroupCommit<Op, Outcome>;

impl Store {
    /// Does `op` in the next batch the writer commits (see the module's doc).
    pub(super) async fn marking_op(&self, queue: &Arc<MarkingQueue>, op: Op) -> Result<Done> {
        let store = self.clone();
        match queue.run(op, |ops| async move { store.marking_batch(ops).await }).await {
            Some(outcome) => outcome.map_err(StoreError::Shared),
            // Its batch's task ended without a word (it panicked): not committed as far as
            // anyone knows.
            None => Err(StoreError::Corrupt("a batch of marking ended without an answer".into())),
        }
    }

    /// Writes `ops` in one transaction; one outcome each, in order.
    async fn marking_batch(&self, ops: Vec<Op>) -> Vec<Outcome> {
        let n = ops.len();
        let written = async {
            // The process's one sqlx write connection, held (unused) while the batch is written
            // on the rusqlite connection: no other write of this process interleaves.
            let gate = self.write.acquire().await?;
            let saves = self.sqlite_saves.clone().expect("a marking queue only on SQLite");
            let heads = self.queue_heads.clone();
            let done =
                tokio::task::spawn_blocking(move || saves.with_connection(|conn| write_batch(conn, &ops, &heads)))
                    .await
                    .map_err(|e| StoreError::Corrupt(format!("the marking writer's thread failed: {e}")))?;
            drop(gate);
            done
        }
        .await;
        match written {
            Ok(done) => done.into_iter().map(|outcome| outcome.map_err(Arc::new)).collect(),
            Err(e) => {
                // Leases undone: the queue may begin before where this node thinks.
                self.queue_heads.forget();
                let e = Arc::new(e);
                (0..n).map(|_| Err(e.clone())).collect()
            }
        }
    }
}

/// The batch in one IMMEDIATE transaction, each op in a savepoint: an op that fails leaves
/// nothing and is answered with its failure, the others go on. Blocking.
fn write_batch(conn: &mut rusqlite::Connection, ops: &[Op], heads: &QueueHeads) -> Result<Vec<Result<Done>>> {
    let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut done = Vec::with_capacity(ops.len());
    for op in ops {
        let savepoint = tx.savepoint()?;
        let outcome = match op {
            &Op::Next {
                event_id,
                grader_id,
                chief,
                now,
                lease_ms,
            } => next(&savepoint, heads, (event_id, grader_id, chief), now, lease_ms),
            Op::Mark {
                task_id,
                grader_id,
                actor,
                mark,
                comment,
                now,
            } => give(&savepoint, *task_id, *grader_id, (actor, *mark, comment), *now),
        };
        match outcome {
            Ok(d) => {
                savepoint.commit()?;
                done.push(Ok(d));
            }
            // Dropped, the savepoint rolls back.
            Err(e) => {
                drop(savepoint);
                heads.forget();
                done.push(Err(e));
            }
        }
    }
    tx.commit()?;
    Ok(done)
}

/// A pull (`Store::next_marking_task`): the task the grader holds, or the next one leased.
fn next(
    conn: &rusqlite::Connection,
    heads: &QueueHeads,
    (event_id, grader_id, chief): (i64, i64, bool),
    now: i64,
    lease_ms: i64,
) -> Result<Done> {
    let holds = one(conn, holds_sql(Backend::Sqlite), &[&event_id, &grader_id, &now], |r| {
        Ok((r.get::<_, Option<i64>>("task")?, r.get::<_, Option<i64>>("control_id")?))
    })?;
    let task_id = match holds {
        Some((Some(held), _)) => Some(held),
        Some((None, Some(_control))) => return Ok(Done::Elsewhere),
        _ => {
            let from = heads.get(event_id);
            let (slot, id) = match from {
                Ok(head) => head,
                Err(from) => {
                    let (slot, id) = from.unwrap_or((0, 0));
                    let head = one(conn, QUEUE_HEAD, &[&event_id, &slot, &id], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })?;
                    heads.found(event_id, from, head)
                }
            };
            let expires = now + lease_ms;
            one(
                conn,
                lease_next_sql("", chief),
                &[&event_id, &grader_id, &now, &slot, &id, &expires],
                |r| r.get(0),
            )?
        }
    };
    let Some(task_id) = task_id else {
        return Ok(Done::Next(None));
    };
    let task = one(conn, TASK_DETAILS, &[&task_id, &now], |r| {
        Ok(MarkingTask {
            task_id: r.get("id")?,
            event_id: r.get("event_id")?,
            item_id: r.get("item_id")?,
            marker_slot: r.get("marker_slot")?,
            independent_before: r.get("independent_before")?,
            body: r.get("body")?,
            lease_expires_ms: r.get("lease_expires_ms")?,
        })
    })?
    .ok_or_else(|| StoreError::Corrupt(format!("marking task {task_id} vanished while leased")))?;
    Ok(Done::Next(Some(task)))
}

/// A mark (`Store::record_mark`): stored, its task closed, the audit line written and the
/// answer settled.
fn give(
    conn: &rusqlite::Connection,
    task_id: i64,
    grader_id: i64,
    (actor, mark, comment): (&str, Points, &str),
    now: i64,
) -> Result<Done> {
    let Some(task) = one(conn, marked_task_sql(Backend::Sqlite), &[&task_id], |r| {
        Ok(MarkedTask {
            open_answer_id: r.get("open_answer_id")?,
            item_id: r.get("item_id")?,
            slot: r.get("marker_slot")?,
            state: r.get("state")?,
            leased_by: r.get("leased_by")?,
            event_id: r.get("event_id")?,
            marks_needed: r.get("marks_needed")?,
            tolerance: r.get("tolerance")?,
        })
    })?
    else {
        return Ok(Done::Elsewhere);
    };
    if let Some(refused) = refused_mark(&task.state, task.leased_by, grader_id) {
        return Ok(Done::Mark(refused));
    }
    let given: [&dyn ToSql; 11] = [
        &task.open_answer_id,
        &task_id,
        &task.slot,
        &grader_id,
        &mark.hundredths(),
        &comment,
        &now,
        &task.event_id,
        &actor,
        &mark_subject(task.open_answer_id, task.slot),
        &mark.to_string(),
    ];
    for sql in [INSERT_MARK, CLOSE_TASK, LOG_MARK] {
        bound(conn, sql, &given)?.raw_execute()?;
    }
    let mut active = bound(conn, ACTIVE_MARKS, &given)?;
    let mut rows = active.raw_query();
    let mut marks = Vec::new();
    while let Some(r) = rows.next()? {
        marks.push((r.get(0)?, r.get(1)?, Points::from_hundredths(r.get(2)?)));
    }
    drop(rows);
    let marks = counting_order(marks);
    // The number of marks fixed for the answer when it was queued, the event's tolerance now.
    let policy = MarkingPolicy {
        double: task.marks_needed >= 2,
        tolerance: Points::from_hundredths(task.tolerance),
    };
    let (status, final_mark) = standing(&marks, &policy);
    let settled: [&dyn ToSql; 7] = [
        &task.open_answer_id,
        &status.as_str(),
        &final_mark.map(Points::hundredths),
        &task.item_id,
        &THIRD_SLOT,
        &now,
        &FIRST_APPEAL_SLOT,
    ];
    for sql in [THIRD_TASK, CLOSE_TASKS, SET_STATUS] {
        bound(conn, sql, &settled)?.raw_execute()?;
    }
    Ok(Done::Mark(MarkOutcome::Recorded { status }))
}

/// What `give` reads of the task marked.
struct MarkedTask {
    open_answer_id: i64,
    item_id: String,
    slot: i64,
    state: String,
    leased_by: Option<i64>,
    event_id: i64,
    marks_needed: i64,
    tolerance: i64,
}

/// The first row of `sql` with `args`, as `map` reads it.
fn one<T>(
    conn: &rusqlite::Connection,
    sql: &str,
    args: &[&dyn ToSql],
    map: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Option<T>> {
    let mut statement = bound(conn, sql, args)?;
    let mut rows = statement.raw_query();
    Ok(rows.next()?.map(map).transpose()?)
}
