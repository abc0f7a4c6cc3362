//! The save path on SQLite: a connection of its own, driven directly through rusqlite on a
//! blocking thread, with cached prepared statements executed once per row inside the batch's
//! transaction (SQLite runs them at C speed).
//!
//! Why not through sqlx like every other statement: sqlx's SQLite driver runs each statement on a
//! worker thread of its own and hands every row back as a message, so a batch cost the writer
//! several thread hand-offs and a conversion per row; on a busy machine each hand-off waited for
//! a core, and the single writer, the one serial step of the save path, became the limit (1,024
//! saves took 65–135 ms in their transaction under a closed loop of 10,000 connections; the
//! same writes in plain SQL take a few ms). Here a batch is one hand-off and one thread.
//!
//! The store keeps holding its one sqlx write connection while a batch is written here (see
//! `Store::save_batch`), so the two connections of this process never wait on each other's
//! write lock; another process (the office's CLI) is waited for up to the busy timeout, as on the
//! sqlx connection.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::{Decided, SaveBatch, SaveRequest, UPSERT_TAIL, candidate_ids, check_written, decide, wanted_slots};
use crate::store::sittings::{SITTING_COLUMNS, SittingRow};
use crate::store::sqlite_reads::sitting_columns;
use crate::store::{Result, StoreError};

/// The save writer's own connection to the SQLite file.
pub(in crate::store) struct SqliteSaves(Mutex<rusqlite::Connection>);

/// How often the checkpointer copies the write-ahead log into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// WAL pages after which a commit checkpoints by itself (`wal_autocheckpoint`, on every write
/// connection of the process): a backstop should the checkpointer fall behind (64 MiB of WAL).
pub(in crate::store) const WAL_AUTOCHECKPOINT_PAGES: u32 = 16_384;

impl SqliteSaves {
    /// Opens the database file the store already migrated, durable as the store's writer: WAL
    /// with `synchronous=FULL`, the same busy timeout and foreign keys; and starts the
    /// checkpointer.
    pub(in crate::store) fn open(path: &Path) -> Result<Arc<SqliteSaves>> {
        let conn = rusqlite::Connection::open(path)?;
        conn.execute_batch(&format!(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON; \
             PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}; PRAGMA temp_store=MEMORY;"
        ))?;
        let saves = Arc::new(SqliteSaves(Mutex::new(conn)));
        start_checkpointer(path, Arc::downgrade(&saves))?;
        Ok(saves)
    }

    /// Runs `write` on the connection (the marking batches of `marking/sqlite.rs` share it with
    /// the saves; the store's sqlx write connection, held by both, keeps them apart). Blocking.
    pub(in crate::store) fn with_connection<T>(
        &self,
        write: impl FnOnce(&mut rusqlite::Connection) -> Result<T>,
    ) -> Result<T> {
        let mut conn = self
            .0
            .lock()
            .map_err(|_| StoreError::Corrupt("the save connection's lock was poisoned".into()))?;
        write(&mut conn)
    }

    /// A batch of saves in one IMMEDIATE transaction (see `Store::save_batch`). Blocking: called
    /// on a blocking thread. A failed commit leaves nothing: SQLite rolls back, or rusqlite does
    /// when the transaction is dropped.
    pub(super) fn save_batch(&self, batch: &[SaveRequest], now: i64) -> Result<SaveBatch> {
        self.with_connection(|conn| save_batch(conn, batch, now))
    }
}

/// `SqliteSaves::save_batch` on its connection.
fn save_batch(conn: &mut rusqlite::Connection, batch: &[SaveRequest], now: i64) -> Result<SaveBatch> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut sittings = HashMap::new();
    {
        let mut read = tx.prepare_cached(&READ_SITTING)?;
        for id in candidate_ids(batch) {
            let columns = read.query_row(params![id], sitting_columns).optional()?;
            if let Some(columns) = columns {
                sittings.insert(id, SittingRow::try_from(columns)?);
            }
        }
    }
    let mut current = HashMap::new();
    {
        let mut read = tx.prepare_cached(
            "SELECT seq, CASE WHEN slot = 'open' THEN value END FROM answers WHERE candidate_id = ?1 AND slot = ?2",
        )?;
        for key in wanted_slots(batch, &sittings) {
            let found = read
                .query_row(params![key.0, key.1], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?))
                })
                .optional()?;
            if let Some(found) = found {
                current.insert(key, found);
            }
        }
    }
    let decided = decide(batch, &sittings, current, now);
    write(&tx, batch, &decided, now)?;
    tx.commit()?;
    Ok(SaveBatch {
        outcomes: decided.outcomes,
        sittings,
    })
}

/// Copies the write-ahead log into the database file every `CHECKPOINT_EVERY`, on a thread and a
/// connection of its own, for as long as the store's save connection exists.
///
/// A checkpoint that a commit runs itself (SQLite's default, every 1,000 pages) writes every
/// page a second time and syncs the database file inside that commit, while every save of the
/// next batch waits: with batches of 1,024 saves each commit paid for one. A PASSIVE checkpoint
/// takes no write lock, so it runs beside the writer, on the other core. Durability is SQLite's
/// own: a save is acknowledged once its commit is synced into the WAL, whether or not it has been
/// copied yet. A failed checkpoint (a full disk) is logged and tried again at the next tick.
fn start_checkpointer(path: &Path, saves: std::sync::Weak<SqliteSaves>) -> Result<()> {
    let conn = rusqlite::Connection::open(path)?;
    conn.execute_batch("PRAGMA busy_timeout=10000;")?;
    std::thread::Builder::new()
        .name("kaowu-checkpoint".into())
        .spawn(move || {
            while saves.strong_count() > 0 {
                std::thread::sleep(CHECKPOINT_EVERY);
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    tracing::warn!(error = %e, "the SQLite checkpoint failed; it is tried again");
                }
            }
        })
        .map_err(|e| StoreError::Corrupt(format!("the checkpointer's thread could not be started: {e}")))?;
    Ok(())
}

/// The batch's two statements built from the shared SQL pieces, once per process (not per batch).
static READ_SITTING: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("SELECT {SITTING_COLUMNS} FROM sittings WHERE candidate_id = ?1"));
static UPSERT_ANSWER: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!("INSERT INTO answers (candidate_id, slot, value, seq, saved_ms) VALUES (?1, ?2, ?3, ?4, ?5) {UPSERT_TAIL}")
});

/// The winning value per slot (in key order) and every save with its outcome for the log, in the
/// batch's order, so the log's ids follow the order the saves were judged in.
fn write(tx: &rusqlite::Transaction<'_>, batch: &[SaveRequest], decided: &Decided<'_>, now: i64) -> Result<()> {
    let mut upsert = tx.prepare_cached(&UPSERT_ANSWER)?;
    let mut written = 0;
    for ((candidate_id, slot), save) in &decided.winners {
        written += upsert.execute(params![candidate_id, slot, save.value, save.seq, now])? as u64;
    }
    check_written(written, decided.winners.len())?;
    let mut log = tx.prepare_cached(
        "INSERT INTO save_log (candidate_id, seq, slot, value, outcome, received_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (save, outcome) in batch.iter().zip(&decided.logged) {
        log.execute(params![
            save.candidate_id,
            save.seq,
            save.slot.key(),
            save.value,
            outcome,
            now
        ])?;
    }
    Ok(())
}
