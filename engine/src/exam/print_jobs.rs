//! The console's print jobs: every candidate's booklet, answer sheet, key or score report (or one
//! candidate's) printed in the background, the page following its progress, then one ZIP (or one
//! PDF) to download. A job lives in the database, not on the node that prints it, so behind a
//! balancer any node reports its progress and serves its file. The printing node beats the job
//! every second; a job whose node stopped beating for [`SILENT_MS`] (the node was stopped or
//! crashed) is printed again by the next node asked about it, at most [`MAX_ATTEMPTS`] times.
//! Jobs and files are kept for [`KEEP_MS`] after they were last touched.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde::Serialize;

use super::printing::{PrintBatch, Printable, PrintedFile};
use super::{Exam, NotFound, ServiceError, ServiceResult};
use crate::clock::Clock;
use crate::store::{PrintJobEnd, PrintJobRow, Store, StoreError};

/// How long a job and its file are kept after they were last touched.
pub const KEEP_MS: i64 = 30 * 60 * 1000;
/// Finished jobs kept at most (the oldest go first).
const MAX_KEPT: i64 = 16;
/// Jobs printed at once across all nodes (printing is CPU work; exams run on the same machines).
const MAX_RUNNING: i64 = 2;
/// How often the printing node writes its progress and sign of life.
const BEAT: Duration = Duration::from_secs(1);
/// A running job whose node has not beaten for this long is printed again by another node.
pub const SILENT_MS: i64 = 30_000;
/// Attempts at most before a job whose nodes keep stopping is given up.
pub const MAX_ATTEMPTS: i64 = 3;
/// The file is stored in pieces of this size: short write transactions, a download that streams.
const PIECE: usize = 4 << 20;

/// A print job as the console follows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PrintJob {
    pub job: String,
    /// running, ready or failed
    pub state: String,
    pub total: i64,
    pub done: i64,
    /// The file to download once ready.
    pub file_name: Option<String>,
    /// Documents that could not be printed (the rest are in the file), or why the job failed.
    pub problems: Vec<String>,
}

impl From<&PrintJobRow> for PrintJob {
    fn from(row: &PrintJobRow) -> PrintJob {
        PrintJob {
            job: row.id.clone(),
            state: row.state.clone(),
            total: row.total,
            done: row.done,
            file_name: row.file_name.clone(),
            problems: serde_json::from_str(&row.problems).unwrap_or_default(),
        }
    }
}

/// A finished job's file, read from the store piece by piece as it is sent.
pub struct PrintJobFile {
    pub name: String,
    pub content_type: String,
    pub size: u64,
    store: Store,
    job: String,
    attempt: i64,
    pieces: i64,
}

impl PrintJobFile {
    /// The file's bytes, one stored piece at a time.
    pub fn bytes(self) -> impl futures_util::Stream<Item = Result<Vec<u8>, StoreError>> + Send + 'static {
        futures_util::stream::try_unfold((self, 0i64), |(file, seq)| async move {
            if seq >= file.pieces {
                return Ok(None);
            }
            let piece = file
                .store
                .print_job_chunk(&file.job, file.attempt, seq)
                .await?
                .ok_or_else(|| StoreError::Corrupt(format!("print job {} lacks piece {seq}", file.job)))?;
            Ok(Some((piece, (file, seq + 1))))
        })
    }
}

/// The wall clock: jobs outlive the exam's clock (which tests move by hours).
fn wall_ms() -> i64 {
    Clock::System.now_ms()
}

impl Exam {
    /// Starts printing `what` for every candidate of the event (or `ticket`'s): checked and read
    /// now, printed in the background.
    pub async fn start_print_job(
        &self,
        event_id: i64,
        what: Printable,
        ticket: Option<&str>,
        actor: &str,
    ) -> ServiceResult<PrintJob> {
        let batch = self.print_batch(event_id, what, ticket).await?;
        let now = wall_ms();
        self.store.expire_print_jobs(now - KEEP_MS, MAX_KEPT).await?;
        if self.store.running_print_jobs(now - SILENT_MS).await? >= MAX_RUNNING {
            return Err(ServiceError::Busy(
                "已有两个打印任务正在进行，请等其完成后再打印".into(),
            ));
        }
        let row = PrintJobRow {
            id: uuid::Uuid::new_v4().simple().to_string(),
            event_id,
            what: what.slug().to_string(),
            ticket: ticket.map(str::to_string),
            actor: actor.to_string(),
            total: batch.total() as i64,
            done: 0,
            state: "running".into(),
            attempt: 1,
            file_name: None,
            content_type: None,
            size_bytes: None,
            chunks: None,
            problems: "[]".into(),
            started_ms: now,
            beat_ms: now,
        };
        self.store.insert_print_job(&row).await?;
        spawn_print(self.store.clone(), &row, batch);
        Ok(PrintJob::from(&row))
    }

    /// A job's progress, from any node; a job whose node went silent is printed again here.
    pub async fn print_job(&self, id: &str) -> ServiceResult<PrintJob> {
        let row = self.print_job_row(id).await?;
        Ok(PrintJob::from(&row))
    }

    /// A finished job's file, from any node.
    pub async fn print_job_file(&self, id: &str) -> ServiceResult<PrintJobFile> {
        let row = self.print_job_row(id).await?;
        let problems = PrintJob::from(&row).problems;
        match row.state.as_str() {
            "ready" => Ok(PrintJobFile {
                name: row.file_name.unwrap_or_default(),
                content_type: row.content_type.unwrap_or_default(),
                size: row.size_bytes.unwrap_or(0).max(0) as u64,
                store: self.store.clone(),
                job: row.id,
                attempt: row.attempt,
                pieces: row.chunks.unwrap_or(0),
            }),
            "failed" => Err(ServiceError::NotReady(format!("打印失败：{}", problems.join("；")))),
            _ => Err(ServiceError::NotReady("打印尚未完成，请稍候".into())),
        }
    }

    /// The job as stored, after taking it over if its node went silent.
    async fn print_job_row(&self, id: &str) -> ServiceResult<PrintJobRow> {
        let row = self
            .store
            .print_job(id)
            .await?
            .ok_or_else(|| NotFound::PrintJob(id.to_string()))?;
        let now = wall_ms();
        if row.state != "running" || now - row.beat_ms < SILENT_MS {
            return Ok(row);
        }
        if row.attempt >= MAX_ATTEMPTS {
            let why = format!(
                "打印中断了 {} 次（打印所在的服务器停止了工作），请重新打印",
                row.attempt
            );
            give_up(&self.store, &row.id, row.attempt, &why).await?;
        } else if self
            .store
            .claim_print_job(&row.id, row.attempt, row.beat_ms, now)
            .await?
        {
            tracing::warn!(job = %row.id, attempt = row.attempt + 1, "a print job's node went silent: printing it again here");
            let batch = match Printable::from_slug(&row.what) {
                Some(what) => self.print_batch(row.event_id, what, row.ticket.as_deref()).await,
                None => Err(ServiceError::Invalid(format!("未知的打印内容“{}”", row.what))),
            };
            match batch {
                Ok(batch) => {
                    let claimed = PrintJobRow {
                        attempt: row.attempt + 1,
                        ..row
                    };
                    spawn_print(self.store.clone(), &claimed, batch);
                }
                Err(e) => {
                    give_up(&self.store, &row.id, row.attempt + 1, &e.to_string()).await?;
                }
            }
        }
        Ok(self
            .store
            .print_job(id)
            .await?
            .ok_or_else(|| NotFound::PrintJob(id.to_string()))?)
    }
}

async fn give_up(store: &Store, job: &str, attempt: i64, why: &str) -> Result<bool, StoreError> {
    let problems = serde_json::to_string(&[why]).unwrap_or_default();
    let end = PrintJobEnd {
        state: "failed",
        file_name: None,
        content_type: None,
        size_bytes: 0,
        chunks: 0,
        problems: &problems,
    };
    store.finish_print_job(job, attempt, &end, wall_ms()).await
}

/// Prints the job's attempt on a blocking thread, beating while it prints, then stores the file.
fn spawn_print(store: Store, row: &PrintJobRow, batch: PrintBatch) {
    let (job, attempt, one) = (row.id.clone(), row.attempt, row.ticket.is_some());
    let base = format!("event-{}-{}", row.event_id, row.what);
    tokio::spawn(async move {
        let done = Arc::new(AtomicUsize::new(0));
        let counter = done.clone();
        let printing = tokio::task::spawn_blocking(move || package(batch.print(&counter), one, &base));
        tokio::pin!(printing);
        let mut beat = tokio::time::interval(BEAT);
        beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let packaged = loop {
            tokio::select! {
                packaged = &mut printing => break packaged,
                _ = beat.tick() => {
                    match store.beat_print_job(&job, attempt, done.load(Ordering::Relaxed) as i64, wall_ms()).await {
                        Ok(true) => {}
                        Ok(false) => {
                            tracing::warn!(%job, attempt, "a print job was taken over by another node (or deleted): this attempt stops");
                            return;
                        }
                        Err(e) => tracing::warn!(%job, error = %e, "could not record a print job's progress"),
                    }
                }
            }
        };
        let stored = match packaged {
            Ok(Packaged::File {
                bytes,
                name,
                pdf,
                failed,
            }) => store_file(&store, &job, attempt, &bytes, &name, pdf, &failed).await,
            Ok(Packaged::Failed(why)) => give_up(&store, &job, attempt, &why).await,
            Err(e) => {
                tracing::error!(%job, error = %e, "a print job's thread was lost");
                give_up(&store, &job, attempt, "打印线程意外中止，请重新打印").await
            }
        };
        if let Err(e) = stored {
            // The job stays running with no beat: the next node asked about it prints it again.
            tracing::error!(%job, attempt, error = %e, "could not store a print job's outcome");
        }
    });
}

/// Writes the file piece by piece, then marks the attempt ready. Should a piece not be written
/// (a full disk), the job is marked failed with the reason, if that can still be written.
async fn store_file(
    store: &Store,
    job: &str,
    attempt: i64,
    bytes: &[u8],
    name: &str,
    pdf: bool,
    failed: &[String],
) -> Result<bool, StoreError> {
    let pieces: Vec<&[u8]> = bytes.chunks(PIECE).collect();
    for (seq, piece) in pieces.iter().enumerate() {
        if let Err(e) = store.put_print_job_chunk(job, attempt, seq as i64, piece).await {
            tracing::error!(%job, error = %e, "could not store a printed file");
            let why = if e.is_unavailable() {
                "无法保存打印好的文件：服务器暂时无法写入（磁盘空间不足或数据库繁忙），请稍后重新打印"
            } else {
                "无法保存打印好的文件，请重新打印"
            };
            return give_up(store, job, attempt, why).await;
        }
    }
    let problems = serde_json::to_string(failed).unwrap_or_default();
    let end = PrintJobEnd {
        state: "ready",
        file_name: Some(name),
        content_type: Some(if pdf { "application/pdf" } else { "application/zip" }),
        size_bytes: bytes.len() as i64,
        chunks: pieces.len() as i64,
        problems: &problems,
    };
    store.finish_print_job(job, attempt, &end, wall_ms()).await
}

/// The printed documents as one file to download.
enum Packaged {
    File {
        bytes: Vec<u8>,
        name: String,
        pdf: bool,
        failed: Vec<String>,
    },
    Failed(String),
}

/// The printed documents as the file to download: the PDF itself for one candidate, else a ZIP.
fn package(printed: Vec<PrintedFile>, one: bool, base: &str) -> Packaged {
    let (ok, failed): (Vec<_>, Vec<_>) = printed.into_iter().partition(Result::is_ok);
    let failed: Vec<String> = failed.into_iter().filter_map(Result::err).collect();
    let mut ok: Vec<(String, crate::print::Printed)> = ok.into_iter().filter_map(Result::ok).collect();
    if ok.is_empty() {
        return Packaged::Failed(failed.join("\n"));
    }
    if one && ok.len() == 1 {
        let (name, p) = ok.remove(0);
        return Packaged::File {
            bytes: p.pdf,
            name,
            pdf: true,
            failed,
        };
    }
    let zipped = (|| -> zip::result::ZipResult<Vec<u8>> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        // PDFs are compressed already: stored, not deflated again.
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        for (name, p) in &ok {
            zip.start_file(name.as_str(), options)?;
            zip.write_all(&p.pdf)?;
        }
        Ok(zip.finish()?.into_inner())
    })();
    match zipped {
        Ok(bytes) => Packaged::File {
            bytes,
            name: format!("{base}.zip"),
            pdf: false,
            failed,
        },
        Err(e) => Packaged::Failed(format!("无法打包：{e}")),
    }
}
