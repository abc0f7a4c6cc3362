//! Printing from the console: the office asks for every candidate's booklet, answer sheet, key
//! or score report (or one candidate's); the documents are printed in the background on a few
//! worker threads while the page shows how many are done, then downloaded as one ZIP (or one
//! PDF for one candidate). A job lives on the node that runs it, in memory, for half an hour
//! (behind a balancer, the console's requests for a job must reach that node: sticky sessions).

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ApiResult, Body, Path};
use super::openapi::ErrorBody;
use super::session::Office;
use crate::exam::printing::{Printable, PrintedFile};

/// How long a finished job's file is kept, and how many jobs at most.
const KEEP: Duration = Duration::from_secs(30 * 60);
const MAX_JOBS: usize = 16;

/// The print jobs of this node.
#[derive(Clone, Default)]
pub struct PrintJobs(Arc<Mutex<HashMap<String, Job>>>);

struct Job {
    total: usize,
    done: Arc<AtomicUsize>,
    started: Instant,
    state: JobState,
}

enum JobState {
    Running,
    Ready {
        file: Arc<Vec<u8>>,
        name: String,
        pdf: bool,
        failed: Vec<String>,
    },
    Failed(String),
}

impl PrintJobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Job>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn finish(&self, id: &str, state: JobState) {
        if let Some(job) = self.lock().get_mut(id) {
            job.state = state;
        }
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(start))
        .routes(routes!(status))
        .routes(routes!(file))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PrintRequest {
    /// booklet（试卷）、answer-sheet（答题卡）、key（标准答案）或 score-report（成绩单）
    pub what: Printable,
    /// Only this candidate (one PDF); left out, every candidate of the event (a ZIP).
    #[serde(default)]
    pub ticket: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobStatus {
    pub job: String,
    /// running, ready or failed
    pub state: &'static str,
    pub total: usize,
    pub done: usize,
    /// The file to download once ready.
    pub file_name: Option<String>,
    /// Documents that could not be printed (the rest are in the file), or why the job failed.
    pub problems: Vec<String>,
}

#[utoipa::path(
    post, summary = "打印：在后台生成试卷、答题卡、标准答案或成绩单（全部考生为 ZIP，一位考生为 PDF）", description = "在后台打印本场考试每位考生（或 ticket 指定的一位考生）的试卷、答题卡、标准答案或成绩单；返回任务编号，用 /api/office/print-jobs/{job} 查看进度，完成后下载",
    path = "/api/office/events/{id}/print", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")), request_body = PrintRequest,
    responses(
        (status = 200, description = "已开始", body = JobStatus),
        (status = 422, description = "草稿考试、成绩未发布、没有该考生等", body = ErrorBody),
        (status = 429, description = "已有两个打印任务正在进行", body = ErrorBody)))]
async fn start(
    State(state): State<AppState>,
    _o: Office,
    Path(id): Path<i64>,
    Body(r): Body<PrintRequest>,
) -> ApiResult<Json<JobStatus>> {
    let batch = state.exam.print_batch(id, r.what, r.ticket.as_deref()).await?;
    let total = batch.total();
    let one = r.ticket.is_some();
    let done = Arc::new(AtomicUsize::new(0));
    let job = uuid::Uuid::new_v4().simple().to_string();
    {
        let mut jobs = state.print_jobs.lock();
        jobs.retain(|_, j| j.started.elapsed() < KEEP);
        if jobs.values().filter(|j| matches!(j.state, JobState::Running)).count() >= 2 {
            return Err(ApiError::TooManyRequests(
                "已有两个打印任务正在进行，请等其完成后再打印".into(),
            ));
        }
        if jobs.len() >= MAX_JOBS {
            let oldest = jobs.iter().min_by_key(|(_, j)| j.started).map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                jobs.remove(&oldest);
            }
        }
        jobs.insert(
            job.clone(),
            Job {
                total,
                done: done.clone(),
                started: Instant::now(),
                state: JobState::Running,
            },
        );
    }
    let (jobs, id_of_job) = (state.print_jobs.clone(), job.clone());
    let base = format!("event-{id}-{}", r.what.slug());
    tokio::task::spawn_blocking(move || {
        let printed = batch.print(&done);
        let state = package(printed, one, &base);
        jobs.finish(&id_of_job, state);
    });
    Ok(Json(JobStatus {
        job,
        state: "running",
        total,
        done: 0,
        file_name: None,
        problems: Vec::new(),
    }))
}

/// The printed documents as the file to download: the PDF itself for one, else a ZIP.
fn package(printed: Vec<PrintedFile>, one: bool, base: &str) -> JobState {
    let (ok, failed): (Vec<_>, Vec<_>) = printed.into_iter().partition(Result::is_ok);
    let failed: Vec<String> = failed.into_iter().filter_map(Result::err).collect();
    let mut ok: Vec<(String, crate::print::Printed)> = ok.into_iter().filter_map(Result::ok).collect();
    if ok.is_empty() {
        return JobState::Failed(failed.join("\n"));
    }
    if one && ok.len() == 1 {
        let (name, p) = ok.remove(0);
        return JobState::Ready {
            file: Arc::new(p.pdf),
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
        Ok(bytes) => JobState::Ready {
            file: Arc::new(bytes),
            name: format!("{base}.zip"),
            pdf: false,
            failed,
        },
        Err(e) => JobState::Failed(format!("无法打包：{e}")),
    }
}

fn job_status(job: &str, j: &Job) -> JobStatus {
    let (state, file_name, problems) = match &j.state {
        JobState::Running => ("running", None, Vec::new()),
        JobState::Ready { name, failed, .. } => ("ready", Some(name.clone()), failed.clone()),
        JobState::Failed(why) => ("failed", None, vec![why.clone()]),
    };
    JobStatus {
        job: job.to_string(),
        state,
        total: j.total,
        done: j.done.load(Ordering::Relaxed),
        file_name,
        problems,
    }
}

#[utoipa::path(
    get, summary = "打印任务的进度", description = "打印任务的进度：已完成几份、是否可以下载",
    path = "/api/office/print-jobs/{job}", tag = "office", security(("cookie" = [])), params(("job" = String, Path, description = "任务编号")),
    responses((status = 200, description = "进度", body = JobStatus), (status = 404, description = "没有该任务（已过期，或在另一台服务器上）", body = ErrorBody)))]
async fn status(State(state): State<AppState>, _o: Office, Path(job): Path<String>) -> ApiResult<Json<JobStatus>> {
    let jobs = state.print_jobs.lock();
    let j = jobs.get(&job).ok_or_else(|| no_job(&job))?;
    Ok(Json(job_status(&job, j)))
}

#[utoipa::path(
    get, summary = "下载打印好的文件（ZIP 或 PDF）", description = "下载打印任务的文件：全部考生为 ZIP，一位考生为 PDF",
    path = "/api/office/print-jobs/{job}/file", tag = "office", security(("cookie" = [])), params(("job" = String, Path, description = "任务编号")),
    responses(
        (status = 200, description = "文件：全部考生为 ZIP，一位考生为 PDF", content((Vec<u8> = "application/zip"), (Vec<u8> = "application/pdf"))),
        (status = 404, description = "没有该任务", body = ErrorBody),
        (status = 409, description = "尚未完成", body = ErrorBody)))]
async fn file(State(state): State<AppState>, _o: Office, Path(job): Path<String>) -> ApiResult<Response> {
    let (file, name, pdf) = {
        let jobs = state.print_jobs.lock();
        let j = jobs.get(&job).ok_or_else(|| no_job(&job))?;
        match &j.state {
            JobState::Ready { file, name, pdf, .. } => (file.clone(), name.clone(), *pdf),
            JobState::Running => return Err(ApiError::Conflict("打印尚未完成，请稍候".into())),
            JobState::Failed(why) => return Err(ApiError::Conflict(format!("打印失败：{why}"))),
        }
    };
    let content_type = if pdf { "application/pdf" } else { "application/zip" };
    Ok((
        [
            (CONTENT_TYPE, content_type.to_string()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        file.as_ref().clone(),
    )
        .into_response())
}

fn no_job(job: &str) -> ApiError {
    ApiError::NotFound(format!("没有打印任务“{job}”（任务完成 30 分钟后即删除，请重新打印）"))
}
