//! The raw limit of the save path: the same two writes a save makes (a sequence-guarded upsert
//! into `answers` and an append to `save_log`), in plain SQL, batched per transaction, durable as
//! the server's (SQLite: WAL, `synchronous=FULL`; PostgreSQL: `synchronous_commit` as configured),
//! on a scratch database of the same shape. No HTTP, no sittings read, no checks: what the
//! storage alone can take, measured in the same run as the server so that the server's rate can
//! be given as a share of it on a shared, noisy machine.
//!
//! SQLite through rusqlite: one cached prepared statement per table, executed once per save inside
//! the transaction (SQLite runs it at C speed; Python's `sqlite3.executemany` does the same).
//! PostgreSQL through sqlx's own driver: two constant statements per batch over arrays (`UNNEST`).

use std::path::Path;
use std::time::Instant;

use sqlx::Connection;

/// What the raw writes reached.
#[derive(Debug, Clone, Copy)]
pub struct RawRate {
    pub batch: usize,
    pub saves: usize,
    pub saves_per_s: f64,
}

const SQLITE_SCHEMA: &str = "
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = FULL;
    CREATE TABLE answers (candidate_id BIGINT NOT NULL, slot TEXT NOT NULL, value TEXT NOT NULL,
        seq BIGINT NOT NULL, saved_ms BIGINT NOT NULL, PRIMARY KEY (candidate_id, slot)) WITHOUT ROWID;
    CREATE TABLE save_log (id INTEGER PRIMARY KEY AUTOINCREMENT, candidate_id BIGINT NOT NULL,
        seq BIGINT NOT NULL, slot TEXT NOT NULL, value TEXT NOT NULL, received_ms BIGINT NOT NULL,
        outcome TEXT NOT NULL);";

const PG_SCHEMA: [&str; 2] = [
    "CREATE TABLE answers (candidate_id BIGINT NOT NULL, slot TEXT NOT NULL, value TEXT NOT NULL, \
     seq BIGINT NOT NULL, saved_ms BIGINT NOT NULL, PRIMARY KEY (candidate_id, slot))",
    "CREATE TABLE save_log (id BIGSERIAL PRIMARY KEY, candidate_id BIGINT NOT NULL, seq BIGINT NOT NULL, \
     slot TEXT NOT NULL, value TEXT NOT NULL, received_ms BIGINT NOT NULL, outcome TEXT NOT NULL)",
];

/// The saves of one measurement: `saves` changes spread over `candidates` candidates and 70
/// objective slots, each with a higher sequence number than the last on its slot, in batches of
/// `batch`.
fn changes(candidates: usize, saves: usize) -> Vec<(i64, String, String, i64)> {
    (0..saves)
        .map(|i| {
            let c = (i % candidates) as i64 + 1;
            let round = (i / candidates) as i64;
            let slot = ((i * 7919) % 70 + 1).to_string();
            let value = ["A", "B", "C", "D"][i % 4].to_string();
            (c, slot, value, round + 1)
        })
        .collect()
}

/// SQLite: a fresh file in `dir`, `saves` saves in batches of `batch`.
pub fn sqlite(dir: &Path, candidates: usize, batch: usize, saves: usize) -> anyhow::Result<RawRate> {
    let path = dir.join(format!("raw-saves-{batch}.db"));
    let _ = std::fs::remove_file(&path);
    let mut db = rusqlite::Connection::open(&path)?;
    db.execute_batch(SQLITE_SCHEMA)?;
    let rows = changes(candidates, saves);
    let t = Instant::now();
    for chunk in rows.chunks(batch.max(1)) {
        let tx = db.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO answers (candidate_id, slot, value, seq, saved_ms) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (candidate_id, slot) DO UPDATE SET value = excluded.value, seq = excluded.seq, \
                 saved_ms = excluded.saved_ms WHERE answers.seq < excluded.seq",
            )?;
            let mut log = tx.prepare_cached(
                "INSERT INTO save_log (candidate_id, seq, slot, value, received_ms, outcome) \
                 VALUES (?1, ?2, ?3, ?4, ?5, 'saved')",
            )?;
            for (c, slot, value, seq) in chunk {
                upsert.execute(rusqlite::params![c, slot, value, seq, 0_i64])?;
                log.execute(rusqlite::params![c, seq, slot, value, 0_i64])?;
            }
        }
        tx.commit()?;
    }
    let took = t.elapsed().as_secs_f64();
    drop(db);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    Ok(RawRate {
        batch,
        saves,
        saves_per_s: saves as f64 / took,
    })
}

/// PostgreSQL: a fresh database next to `admin` (dropped afterwards), `saves` saves in batches
/// of `batch`.
pub async fn postgres(admin: &str, candidates: usize, batch: usize, saves: usize) -> anyhow::Result<RawRate> {
    let (url, scratch) = super::ScratchPg::create(admin).await?;
    let measured = async {
        let mut db = sqlx::PgConnection::connect(&url).await?;
        for ddl in PG_SCHEMA {
            sqlx::query(ddl).execute(&mut db).await?;
        }
        let rows = changes(candidates, saves);
        let t = Instant::now();
        for chunk in rows.chunks(batch.max(1)) {
            let cs: Vec<i64> = chunk.iter().map(|r| r.0).collect();
            let slots: Vec<&str> = chunk.iter().map(|r| r.1.as_str()).collect();
            let values: Vec<&str> = chunk.iter().map(|r| r.2.as_str()).collect();
            let seqs: Vec<i64> = chunk.iter().map(|r| r.3).collect();
            let mut tx = db.begin().await?;
            // The same four arrays for both statements.
            for sql in [
                "INSERT INTO answers (candidate_id, slot, value, seq, saved_ms) \
                 SELECT c, s, v, q, 0 FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::BIGINT[]) AS r (c, s, v, q) \
                 ON CONFLICT (candidate_id, slot) DO UPDATE SET value = excluded.value, seq = excluded.seq, \
                 saved_ms = excluded.saved_ms WHERE answers.seq < excluded.seq",
                "INSERT INTO save_log (candidate_id, seq, slot, value, received_ms, outcome) \
                 SELECT c, q, s, v, 0, 'saved' FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::BIGINT[]) AS r (c, s, v, q)",
            ] {
                sqlx::query(sql)
                    .bind(&cs)
                    .bind(&slots)
                    .bind(&values)
                    .bind(&seqs)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        }
        let took = t.elapsed().as_secs_f64();
        db.close().await?;
        anyhow::Ok(RawRate {
            batch,
            saves,
            saves_per_s: saves as f64 / took,
        })
    }
    .await;
    scratch.drop().await;
    measured
}
