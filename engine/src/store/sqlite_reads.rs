//! The candidate's hottest reads on SQLite (the sitting, the sitting with the status line's facts,
//! the saved answers a reloaded page reads), through rusqlite on the calling thread instead of
//! through sqlx.
//!
//! Why: sqlx's SQLite driver runs every statement on a worker thread of its connection and hands
//! the statement and each row across by channel; at a national start (10,000 candidates start and
//! fetch their paper in the same second) a `perf record` of the server put about 40 % of its
//! samples in those hand-offs (futex waits and wake-ups in `flume`), against a few µs for the
//! read itself. A read of one row by its key from a WAL database is shorter than parsing the
//! request that asked for it, so it runs where it is asked, like taking a lock.
//!
//! The connections are read-only and never wait: in WAL mode a reader does not wait for the
//! writer or a checkpoint, and in the rare case SQLite still answers busy (another process is
//! recovering the log) the caller is told so and reads through sqlx, which waits as configured.
//! Every read is its own statement and sees everything committed before it began, on whichever
//! connection it was written.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{ErrorCode, OpenFlags};

use super::sittings::SittingColumns;
use super::{Result, StoreError};

/// Idle read-only connections to the store's SQLite file, opened as they are first needed.
pub(in crate::store) struct SqliteReads {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
}

/// Idle connections kept; more are opened while that many are busy, and closed after.
const KEEP_IDLE: usize = 8;

impl SqliteReads {
    pub(in crate::store) fn new(path: &Path) -> SqliteReads {
        SqliteReads {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `read` on a read-only connection. `Ok(None)`: the database answered busy; read it
    /// through sqlx instead.
    pub(in crate::store) fn read<T>(
        &self,
        read: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> Result<Option<T>> {
        let conn = match self.idle().pop() {
            Some(conn) => conn,
            None => rusqlite::Connection::open_with_flags(
                &self.path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?,
        };
        let answer = match read(&conn) {
            Ok(found) => Ok(Some(found)),
            Err(e) if is_busy(&e) => Ok(None),
            Err(e) => Err(StoreError::from(e)),
        };
        let mut idle = self.idle();
        if idle.len() < KEEP_IDLE {
            idle.push(conn);
        }
        answer
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<rusqlite::Connection>> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// The sitting's columns (`SITTING_COLUMNS`, in order) at the start of a rusqlite row.
pub(in crate::store) fn sitting_columns(r: &rusqlite::Row<'_>) -> rusqlite::Result<SittingColumns> {
    Ok(SittingColumns {
        candidate_id: r.get(0)?,
        event_id: r.get(1)?,
        paper_seed: r.get(2)?,
        form: r.get(3)?,
        state: r.get(4)?,
        started_ms: r.get(5)?,
        base_ms: r.get(6)?,
        extra_ms: r.get(7)?,
        paused_total_ms: r.get(8)?,
        paused_since_ms: r.get(9)?,
        submitted_ms: r.get(10)?,
        submitted_by: r.get(11)?,
        session_id: r.get(12)?,
        move_allowed: r.get(13)?,
        objective_score: r.get(14)?,
    })
}
