//! The store: everything Kaowu keeps, behind methods named after what the engine does
//! (`save_answers`, `submit_sitting`, …). One implementation serves both backends through
//! sqlx's `Any` driver; the SQL is written once in the dialect both accept (`$N` placeholders,
//! BIGINT times and flags), and the few places that differ switch on [`Backend`].
//!
//! SQLite (the embedded default) has one writer at a time, so all writes go through a pool of
//! exactly one connection: transactions queue in the pool instead of failing with SQLITE_BUSY,
//! and saves are batched (see `exam::saver`) so one commit acknowledges many. PostgreSQL uses an
//! ordinary pool and row locks (`FOR UPDATE`) where two nodes could race.

mod bank;
mod certificates;
mod controls;
mod events;
mod marking;
mod print_jobs;
mod registration;
mod rescoring;
mod rooms;
mod saves;
mod shares;
mod sittings;
mod sql;
mod sqlite_reads;
mod staff;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Connection, Executor};

pub use bank::ItemStatusRow;
pub use certificates::{CertificateRow, Decision, NewCertificate, RequestRow};
pub use controls::{ControlRow, ControlTaskRow, NewControl};
pub use events::{EventRow, NewEvent, Registered, RosterRow};
pub use marking::{
    AnswerStatus, AppealOutcome, AuditEntry, AuditRecord, DashboardAnswer, EventCandidate, GraderItem, MarkOutcome,
    MarkRecord, MarkingTask, THIRD_SLOT,
};
pub use print_jobs::{PrintJobEnd, PrintJobRow};
pub use registration::{
    ApplicantRow, ApplicationRow, Changed, DocumentRow, FeeRecordRow, FormSave, NewDocument, OpenCity, RoomPlace,
    SeatedRow, StateChange,
};
pub use rescoring::{
    Apply, CorrectionRecord, KeyCorrectionRow, RescoredCandidate, RescoredItem, ResponseGroup, ScoredResponse,
};
pub use rooms::{LiveChange, LogLine, ProctorEntry, SeatRow};
pub use saves::{AnswerRow, SaveBatch, SaveLogLine, SaveOutcome, SaveRequest};
pub use shares::ShareRow;
pub use sittings::{ItemResultRow, QueuedTask, SYSTEM, SittingRow, StartRequest, Submission, SubmitOutcome};
pub use staff::{AccountRow, CandidateRow, FoundCandidate, ProctorRoom, Session, StaffRow, UnlockRecord};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL {0:?}: use sqlite:PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// From the SQLite save connection (`saves/sqlite.rs`).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The failure of a transaction several requests shared (starts committed together): each
    /// of them is answered with it.
    #[error("{0}")]
    Shared(std::sync::Arc<StoreError>),
}

pub type Result<T> = std::result::Result<T, StoreError>;

impl StoreError {
    /// A failure of the database or its disk rather than of what was asked: the database locked
    /// by another process beyond the busy timeout, a full disk, an I/O error, a dropped or
    /// refused connection, a pool with no connection free in time. Nothing of the failed
    /// transaction was kept and the same request may succeed later, so clients are told to try
    /// again (503) rather than that the server is broken (500).
    pub fn is_unavailable(&self) -> bool {
        if let StoreError::Shared(e) = self {
            return e.is_unavailable();
        }
        if let StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) = self {
            // Primary result codes: BUSY, LOCKED, NOMEM, IOERR, FULL, CANTOPEN, PROTOCOL.
            return matches!(e.extended_code & 0xff, 5 | 6 | 7 | 10 | 13 | 14 | 15);
        }
        let StoreError::Db(e) = self else { return false };
        match e {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::BeginFailed
            | sqlx::Error::InvalidSavePointStatement => true,
            sqlx::Error::Database(db) => {
                if let Some(e) = db.try_downcast_ref::<sqlx::sqlite::SqliteError>() {
                    use sqlx::error::DatabaseError;
                    // Primary result codes: BUSY, LOCKED, NOMEM, IOERR, FULL, CANTOPEN, PROTOCOL.
                    let primary = e.code().and_then(|c| c.parse::<i32>().ok()).map(|c| c & 0xff);
                    matches!(primary, Some(5 | 6 | 7 | 10 | 13 | 14 | 15))
                } else if let Some(e) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                    // Connection exceptions (08), insufficient resources such as a full disk
                    // (53), operator intervention such as a shutdown (57P), serialization
                    // failures and deadlocks (40), system errors (58).
                    let code = e.code();
                    ["08", "53", "57P", "40", "58"]
                        .iter()
                        .any(|class| code.starts_with(class))
                } else {
                    false
                }
            }
            _ => false,
        }
    }
}

#[derive(Clone)]
pub struct Store {
    backend: Backend,
    /// Reads; several connections on both backends.
    read: AnyPool,
    /// Writes; on SQLite exactly one connection (SQLite's single writer), on PostgreSQL the same
    /// pool as `read`.
    write: AnyPool,
    /// How to connect again (PostgreSQL): the save writers open connections of their own.
    postgres: Option<AnyConnectOptions>,
    /// SQLite: the save writer's own connection (`saves/sqlite.rs`).
    sqlite_saves: Option<std::sync::Arc<saves::SqliteSaves>>,
    /// SQLite: read-only connections for the candidate's hottest reads (`sqlite_reads.rs`).
    sqlite_reads: Option<std::sync::Arc<sqlite_reads::SqliteReads>>,
    /// Where each event's marking queue begins, as this node last looked (`marking/mod.rs`).
    queue_heads: std::sync::Arc<marking::QueueHeads>,
    /// SQLite: pulls and marks waiting to be committed together (`marking/sqlite.rs`).
    sqlite_marking: Option<std::sync::Arc<marking::MarkingQueue>>,
}

/// Each backend's migrations, embedded from `engine/migrations/{sqlite,postgres}` at build time
/// (`build.rs` rebuilds when a file is added). Applied migrations are never edited: a change is a
/// new file. The versions and checksums are those the hand-kept lists of earlier versions
/// recorded, so existing databases carry on.
static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

impl Store {
    /// Opens (creating if needed) the database at `url` and brings its schema up to date.
    /// `sqlite:PATH` for the embedded default, `postgres://…` for scale-out.
    pub async fn open(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        if url.starts_with("sqlite:") {
            let url = if url.contains('?') {
                url.to_string()
            } else {
                format!("{url}?mode=rwc")
            };
            let options = AnyConnectOptions::from_str(&url)?;
            // Durability first: WAL with synchronous=FULL, so a committed save survives a crash
            // or power loss; busy_timeout covers readers meeting a checkpoint.
            let write = AnyPoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(60))
                .after_connect(sqlite_writer_pragmas)
                .after_release(sqlite_writer_released)
                .connect_with(options.clone())
                .await?;
            let store = Store {
                backend: Backend::Sqlite,
                read: write.clone(),
                write,
                postgres: None,
                sqlite_saves: None,
                sqlite_reads: None,
                queue_heads: Default::default(),
                sqlite_marking: None,
            };
            store.migrate().await?;
            let store = Store {
                sqlite_saves: Some(saves::SqliteSaves::open(&sqlite_path(&url))?),
                sqlite_marking: Some(Default::default()),
                sqlite_reads: Some(std::sync::Arc::new(sqlite_reads::SqliteReads::new(&sqlite_path(&url)))),
                ..store
            };
            let read = AnyPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(60))
                .after_connect(sqlite_pragmas)
                .connect_with(options)
                .await?;
            Ok(Store { read, ..store })
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = AnyConnectOptions::from_str(url)?;
            let pool = AnyPoolOptions::new()
                .max_connections(32)
                .acquire_timeout(Duration::from_secs(60))
                .connect_with(options.clone())
                .await?;
            let store = Store {
                backend: Backend::Postgres,
                read: pool.clone(),
                write: pool,
                postgres: Some(options),
                sqlite_saves: None,
                sqlite_reads: None,
                queue_heads: Default::default(),
                sqlite_marking: None,
            };
            store.migrate().await?;
            Ok(store)
        } else {
            Err(StoreError::UnsupportedUrl(url.to_string()))
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The store as the save writers use it (see `web::saver`). On PostgreSQL: a pool of
    /// `connections` of their own, connected lazily by whichever runtime first uses them, so the
    /// writers' round trips are driven by the writers' own thread and never wait behind the HTTP
    /// tasks. On SQLite: the same single writer connection (its I/O already runs on a thread of
    /// its own, and SQLite has one writer anyway).
    pub fn for_save_writers(&self, connections: u32) -> Store {
        match &self.postgres {
            None => self.clone(),
            Some(options) => {
                let pool = AnyPoolOptions::new()
                    .max_connections(connections)
                    .acquire_timeout(Duration::from_secs(60))
                    .connect_lazy_with(options.clone());
                Store {
                    read: pool.clone(),
                    write: pool,
                    ..self.clone()
                }
            }
        }
    }

    async fn migrate(&self) -> Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        // PostgreSQL nodes starting together take an advisory lock, so only one migrates.
        migrator.run(&self.write).await?;
        Ok(())
    }

    /// A write transaction. On SQLite it begins IMMEDIATE: it takes the write lock at once,
    /// waiting up to the busy timeout while another process (the office's CLI on the live
    /// database) holds it, where a deferred transaction would fail with "database is locked" at
    /// its first write. A begin on a connection the driver believes is still inside a
    /// transaction fails instead of nesting a savepoint.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.write.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.write.begin().await?,
        })
    }

    /// `FOR UPDATE` where row locks exist (PostgreSQL); SQLite's single writer needs none.
    fn for_update(&self) -> &'static str {
        self.row_lock(" FOR UPDATE")
    }

    /// A row-lock clause (`" FOR UPDATE OF t SKIP LOCKED"`, …) where row locks exist
    /// (PostgreSQL); nothing on SQLite, whose single writer serialises the transactions anyway.
    fn row_lock(&self, clause: &'static str) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => clause,
        }
    }

    /// Changes a named setting shared by all nodes.
    pub async fn set_setting(&self, name: &str, value: &str) -> Result<()> {
        sqlx::query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value")
            .bind(name)
            .bind(value)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// A named setting shared by all nodes, created with `init` on first use.
    pub async fn setting_or_init(&self, name: &str, init: impl FnOnce() -> String) -> Result<String> {
        if let Some(v) = sqlx::query_scalar::<_, String>("SELECT value FROM settings WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.read)
            .await?
        {
            return Ok(v);
        }
        sqlx::query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(init())
            .execute(&self.write)
            .await?;
        Ok(
            sqlx::query_scalar::<_, String>("SELECT value FROM settings WHERE name = $1")
                .bind(name)
                .fetch_one(&self.write)
                .await?,
        )
    }
}

/// The single writer also keeps a large page cache (64 MiB): a batch of saves touches pages
/// all over the answers table, which SQLite's default cache (2 MiB) would otherwise read back from
/// the file system on every batch. It checkpoints the WAL every 1,024 pages (4 MiB), near
/// SQLite's default: the writer copies the WAL into the database inside a commit, so a checkpoint
/// is a pause for every save queued behind it. 8,192 pages copied fewer pages in all, but each
/// checkpoint of some 30 MiB stalled the writer for 50–90 ms every second or two, and p99 save
/// latency at 5,000 saves/s for 120 s was 46–59 ms; at 1,024 pages it was 30 ms. Durability is
/// unchanged (each commit still fsyncs the WAL).
/// Temporary files stay in memory (`temp_store=MEMORY`): a multi-row upsert inside a transaction
/// keeps a statement journal, which SQLite otherwise spills to a temporary file past 64 KiB (a
/// 4-byte and a 4 KiB write for every page a batch of saves touches, seen with strace).
/// The file of a `sqlite:` URL (`sqlite:PATH`, `sqlite://PATH`, with or without `?options`).
fn sqlite_path(url: &str) -> std::path::PathBuf {
    let path = url.trim_start_matches("sqlite:");
    let path = path.strip_prefix("//").unwrap_or(path);
    std::path::PathBuf::from(path.split('?').next().unwrap_or(path))
}

fn sqlite_writer_pragmas(conn: &mut sqlx::AnyConnection, meta: sqlx::pool::PoolConnectionMetadata) -> BoxFuture<'_> {
    Box::pin(async move {
        sqlite_pragmas(conn, meta).await?;
        // Checkpoints run beside the writers (`saves::SqliteSaves`); a commit checkpoints by
        // itself only past the backstop.
        conn.execute(sqlx::AssertSqlSafe(format!(
            "PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint={}; PRAGMA temp_store=MEMORY;",
            saves::WAL_AUTOCHECKPOINT_PAGES
        )))
        .await?;
        Ok(())
    })
}

type BoxFuture<'c, T = ()> =
    std::pin::Pin<Box<dyn std::future::Future<Output = std::result::Result<T, sqlx::Error>> + Send + 'c>>;

/// Whether the SQLite write connection may go back to the pool: only outside any transaction.
/// When a COMMIT fails on a full disk (SQLITE_FULL) or an I/O error, SQLite rolls the
/// transaction back by itself; the driver's ROLLBACK then fails ("no transaction is active") and
/// the driver still counts a transaction as open, so its next `BEGIN` would become a
/// `SAVEPOINT` inside a transaction that is never committed — saves acknowledged and lost. Such a
/// connection is closed instead, and the pool opens a fresh one for the next write.
fn sqlite_writer_released(
    conn: &mut sqlx::AnyConnection,
    _meta: sqlx::pool::PoolConnectionMetadata,
) -> BoxFuture<'_, bool> {
    Box::pin(async move {
        // A dropped transaction queues its ROLLBACK; the ping waits until it has run.
        conn.ping().await?;
        if conn.is_in_transaction() {
            tracing::warn!(
                "the SQLite write connection is left inside a transaction after a failed write \
                 (disk full or I/O error); it is closed and a fresh one will be opened"
            );
            return Ok(false);
        }
        Ok(true)
    })
}

/// Durability first: WAL with synchronous=FULL, so a committed save survives a crash or a power
/// loss; busy_timeout covers readers meeting a checkpoint.
fn sqlite_pragmas(conn: &mut sqlx::AnyConnection, _meta: sqlx::pool::PoolConnectionMetadata) -> BoxFuture<'_> {
    Box::pin(async move {
        conn.execute(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;",
        )
        .await?;
        Ok(())
    })
}
