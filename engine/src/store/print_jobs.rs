//! The console's print jobs and their files (see migration `print_jobs`): any node reads a job,
//! the node printing it (the job's current attempt) writes its progress and file. Every write of
//! the printing node names its attempt, so a node that was taken over for silence changes
//! nothing of the attempt that replaced it.

use super::{Result, Store};

/// A print job as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PrintJobRow {
    pub id: String,
    pub event_id: i64,
    /// What is printed (`Printable`'s slug).
    pub what: String,
    /// One candidate's document, or every candidate's when `None`.
    pub ticket: Option<String>,
    pub actor: String,
    pub total: i64,
    pub done: i64,
    /// running, ready or failed
    pub state: String,
    pub attempt: i64,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub size_bytes: Option<i64>,
    pub chunks: Option<i64>,
    /// JSON array of strings: documents that could not be printed, or why the job failed.
    pub problems: String,
    pub started_ms: i64,
    pub beat_ms: i64,
}

/// What a finished attempt leaves: a file (in `chunks` pieces already written) or a failure.
pub struct PrintJobEnd<'a> {
    pub state: &'a str,
    pub file_name: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub size_bytes: i64,
    pub chunks: i64,
    pub problems: &'a str,
}

impl Store {
    /// Records a new job, running, as attempt 1.
    pub async fn insert_print_job(&self, job: &PrintJobRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO print_jobs (id, event_id, what, ticket, actor, total, done, state, attempt, problems, \
             started_ms, beat_ms) VALUES ($1, $2, $3, $4, $5, $6, 0, 'running', 1, '[]', $7, $7)",
        )
        .bind(&job.id)
        .bind(job.event_id)
        .bind(&job.what)
        .bind(&job.ticket)
        .bind(&job.actor)
        .bind(job.total)
        .bind(job.started_ms)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub async fn print_job(&self, id: &str) -> Result<Option<PrintJobRow>> {
        Ok(sqlx::query_as(
            "SELECT id, event_id, what, ticket, actor, total, done, state, attempt, file_name, content_type, \
             size_bytes, chunks, problems, started_ms, beat_ms FROM print_jobs WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.read)
        .await?)
    }

    /// How many jobs are being printed by a node that beat at or after `alive_since_ms`.
    pub async fn running_print_jobs(&self, alive_since_ms: i64) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM print_jobs WHERE state = 'running' AND beat_ms >= $1")
                .bind(alive_since_ms)
                .fetch_one(&self.read)
                .await?,
        )
    }

    /// The printing node's sign of life with its progress; false when the attempt is no longer
    /// the job's (taken over, or the job was deleted).
    pub async fn beat_print_job(&self, id: &str, attempt: i64, done: i64, now_ms: i64) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE print_jobs SET done = $3, beat_ms = $4 WHERE id = $1 AND attempt = $2 AND state = 'running'",
        )
        .bind(id)
        .bind(attempt)
        .bind(done)
        .bind(now_ms)
        .execute(&self.write)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Takes over a running job whose node last beat at `seen_beat_ms` in attempt `seen_attempt`:
    /// true for the one node whose claim wins, which then prints it as the next attempt.
    pub async fn claim_print_job(&self, id: &str, seen_attempt: i64, seen_beat_ms: i64, now_ms: i64) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE print_jobs SET attempt = attempt + 1, done = 0, beat_ms = $4 \
             WHERE id = $1 AND attempt = $2 AND beat_ms = $3 AND state = 'running'",
        )
        .bind(id)
        .bind(seen_attempt)
        .bind(seen_beat_ms)
        .bind(now_ms)
        .execute(&self.write)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// One piece of an attempt's file, in its own short transaction.
    pub async fn put_print_job_chunk(&self, id: &str, attempt: i64, seq: i64, bytes: &[u8]) -> Result<()> {
        sqlx::query("INSERT INTO print_job_chunks (job_id, attempt, seq, bytes) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(attempt)
            .bind(seq)
            .bind(bytes)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Ends an attempt: ready with its file (every piece written before) or failed; the pieces of
    /// earlier attempts are removed. False when the attempt is no longer the job's.
    pub async fn finish_print_job(&self, id: &str, attempt: i64, end: &PrintJobEnd<'_>, now_ms: i64) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(
            "UPDATE print_jobs SET state = $3, file_name = $4, content_type = $5, size_bytes = $6, chunks = $7, \
             problems = $8, beat_ms = $9, done = CASE WHEN $3 = 'ready' THEN total ELSE done END \
             WHERE id = $1 AND attempt = $2 AND state = 'running'",
        )
        .bind(id)
        .bind(attempt)
        .bind(end.state)
        .bind(end.file_name)
        .bind(end.content_type)
        .bind(end.size_bytes)
        .bind(end.chunks)
        .bind(end.problems)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM print_job_chunks WHERE job_id = $1 AND attempt <> $2")
            .bind(id)
            .bind(attempt)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Piece `seq` of the file of the job's attempt.
    pub async fn print_job_chunk(&self, id: &str, attempt: i64, seq: i64) -> Result<Option<Vec<u8>>> {
        Ok(
            sqlx::query_scalar("SELECT bytes FROM print_job_chunks WHERE job_id = $1 AND attempt = $2 AND seq = $3")
                .bind(id)
                .bind(attempt)
                .bind(seq)
                .fetch_optional(&self.read)
                .await?,
        )
    }

    /// Deletes the jobs (and their files) last touched before `before_ms`, and all but the
    /// `keep` newest of the rest that are no longer running.
    pub async fn expire_print_jobs(&self, before_ms: i64, keep: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let old: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM print_jobs WHERE beat_ms < $1 \
             OR (state <> 'running' AND id NOT IN \
                 (SELECT id FROM print_jobs WHERE state <> 'running' ORDER BY beat_ms DESC, id LIMIT $2))",
        )
        .bind(before_ms)
        .bind(keep)
        .fetch_all(&mut *tx)
        .await?;
        for id in &old {
            sqlx::query("DELETE FROM print_job_chunks WHERE job_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM print_jobs WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
