//! Rooms and what proctors do to them: opening a room, pausing and resuming, extra time, moving a
//! candidate to another workstation, the room's log and its seats. Every change commits in one
//! transaction with its log entry.

use sqlx::{Any, Row, Transaction};

use super::sittings::{SITTING_COLUMNS, SittingRow, sitting_from_row};
use super::{Result, Store};
use exam_rules::sitting::SittingState;
use exam_rules::timer::Timer;

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

/// An entry of the proctor log as the live feed reads it: what changed for whom.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LiveChange {
    pub id: i64,
    pub event_id: i64,
    pub room: String,
    /// `None`: the whole room.
    pub candidate_id: Option<i64>,
    pub action: String,
    pub reason: String,
}

impl Store {
    /// The proctor log's entries with ids above `after` (at most `limit`), oldest first: what the
    /// live feed tells candidates' pages. A transaction's entry may commit after a later id's,
    /// so the caller reads back over a window and skips what it has seen.
    pub async fn live_changes(&self, after: i64, limit: i64) -> Result<Vec<LiveChange>> {
        Ok(sqlx::query_as(
            "SELECT id, event_id, room, candidate_id, action, reason FROM proctor_log WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.read)
        .await?)
    }

    /// The proctor log's highest id (0 when empty).
    pub async fn last_live_change(&self) -> Result<i64> {
        let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM proctor_log")
            .fetch_one(&self.read)
            .await?;
        Ok(id.unwrap_or(0))
    }

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
        let update = sqlx::query(
            "UPDATE event_rooms SET opened_ms = $3 WHERE event_id = $1 AND room = $2 AND opened_ms IS NULL",
        )
        .bind(entry.event_id)
        .bind(entry.room)
        .bind(entry.at_ms);
        self.update_one_logged(update, entry).await
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
        let update =
            sqlx::query("UPDATE sittings SET move_allowed = 1 WHERE candidate_id = $1 AND state <> 'submitted'")
                .bind(candidate_id);
        self.update_one_logged(update, entry).await
    }

    /// Runs `update` and, when it changed exactly one row, writes `entry` in the room's log, in
    /// one transaction; returns whether it changed the row (nothing is written when not).
    async fn update_one_logged(
        &self,
        update: sqlx::query::Query<'_, Any, sqlx::any::AnyArguments>,
        entry: &ProctorEntry<'_>,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        if update.execute(&mut *tx).await?.rows_affected() != 1 {
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
