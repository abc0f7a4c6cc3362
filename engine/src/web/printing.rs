//! Printing from the console: the office asks for every candidate's booklet, answer sheet, key
//! or score report (or one candidate's); the exam service prints them in the background while the
//! page shows how many are done, then the file is downloaded as one ZIP (or one PDF). Jobs live
//! in the database (`exam::print_jobs`), so any node behind a balancer answers for any job.

use axum::Json;
use axum::body::Body as ResponseBody;
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use futures_util::TryStreamExt;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, Body, Path};
use super::openapi::ErrorBody;
use super::session::Office;
use crate::exam::print_jobs::PrintJob;
use crate::exam::printing::Printable;

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

#[utoipa::path(
    post, summary = "打印：在后台生成试卷、答题卡、标准答案或成绩单（全部考生为 ZIP，一位考生为 PDF）", description = "在后台打印本场考试每位考生（或 ticket 指定的一位考生）的试卷、答题卡、标准答案或成绩单；返回任务编号，用 /api/office/print-jobs/{job} 查看进度，完成后下载",
    path = "/api/office/events/{id}/print", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")), request_body = PrintRequest,
    responses(
        (status = 200, description = "已开始", body = PrintJob),
        (status = 422, description = "草稿考试、成绩未发布、没有该考生等", body = ErrorBody),
        (status = 429, description = "已有两个打印任务正在进行", body = ErrorBody)))]
async fn start(
    State(state): State<AppState>,
    o: Office,
    Path(id): Path<i64>,
    Body(r): Body<PrintRequest>,
) -> ApiResult<Json<PrintJob>> {
    let job = state
        .exam
        .start_print_job(id, r.what, r.ticket.as_deref(), &o.0.actor())
        .await?;
    Ok(Json(job))
}

#[utoipa::path(
    get, summary = "打印任务的进度", description = "打印任务的进度：已完成几份、是否可以下载",
    path = "/api/office/print-jobs/{job}", tag = "office", security(("cookie" = [])), params(("job" = String, Path, description = "任务编号")),
    responses((status = 200, description = "进度", body = PrintJob), (status = 404, description = "没有该任务（完成 30 分钟后即删除）", body = ErrorBody)))]
async fn status(State(state): State<AppState>, _o: Office, Path(job): Path<String>) -> ApiResult<Json<PrintJob>> {
    Ok(Json(state.exam.print_job(&job).await?))
}

#[utoipa::path(
    get, summary = "下载打印好的文件（ZIP 或 PDF）", description = "下载打印任务的文件：全部考生为 ZIP，一位考生为 PDF",
    path = "/api/office/print-jobs/{job}/file", tag = "office", security(("cookie" = [])), params(("job" = String, Path, description = "任务编号")),
    responses(
        (status = 200, description = "文件：全部考生为 ZIP，一位考生为 PDF", content((Vec<u8> = "application/zip"), (Vec<u8> = "application/pdf"))),
        (status = 404, description = "没有该任务", body = ErrorBody),
        (status = 409, description = "尚未完成", body = ErrorBody)))]
async fn file(State(state): State<AppState>, _o: Office, Path(job): Path<String>) -> ApiResult<Response> {
    let file = state.exam.print_job_file(&job).await?;
    let headers = [
        (CONTENT_TYPE, file.content_type.clone()),
        (CONTENT_LENGTH, file.size.to_string()),
        (CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", file.name)),
    ];
    let bytes = file.bytes().map_ok(axum::body::Bytes::from);
    Ok((headers, ResponseBody::from_stream(bytes)).into_response())
}
