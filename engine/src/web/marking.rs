//! Graders and the chief grader. A grader sees the question, its rubric and the answer text —
//! never who wrote it: task views are built from the task and the frozen item only.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use question_bank::{Points, RubricPoint};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, Body, Path};
use super::session::{Chief, Grader};
use crate::exam::AnswerStatus;
use crate::exam::marking::{Dashboard, PlantedControl, ShareView};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(next))
        .routes(routes!(mark))
        .routes(routes!(dashboard))
        .routes(routes!(reopen))
        .routes(routes!(reopen_grader))
        .routes(routes!(plant_control))
        .routes(routes!(set_shares))
        .routes(routes!(picture))
}

/// A picture of an open question, for the grader marking it.
#[utoipa::path(
    get, summary = "开放题附图", description = "评阅时开放题题干下的附图（PNG 或 JPEG）", path = "/api/marking/images/{sha256}", tag = "marking", security(("cookie" = [])),
    params(("sha256" = String, Path, description = "图片内容的 SHA-256（评卷任务中给出的地址）")),
    responses(
        (status = 200, description = "图片", content_type = "image/png", body = Vec<u8>),
        (status = 404, description = "没有该图片", body = crate::web::openapi::ErrorBody)))]
async fn picture(State(state): State<AppState>, _g: Grader, Path(sha256): Path<String>) -> ApiResult<Response> {
    let (content_type, bytes) = state.exam.frozen_picture(&sha256).await?;
    Ok(super::picture_response(content_type, bytes))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskView {
    pub task_id: i64,
    /// 第一评 / 第二评 / 第三评（仲裁） / 复评（申诉）
    pub round: &'static str,
    pub question: String,
    /// The question's pictures: addresses to fetch while logged in.
    pub images: Vec<String>,
    pub rubric: Vec<RubricPoint>,
    pub max_mark: Points,
    pub answer: String,
    pub lease_expires_ms: i64,
}

/// The next answer to mark (204 when there is none for this grader now).
#[utoipa::path(
    post, summary = "领取下一份待评答卷（盲评：不含考生信息）；暂无任务时 204", description = "领取下一份待评答卷（盲评：不含考生信息）；暂无任务时 204", path = "/api/marking/events/{event}/next", tag = "marking", security(("cookie" = [])),
    params(("event" = i64, Path, description = "考试编号")),
    responses(
        (status = 200, description = "一份答卷", body = TaskView),
        (status = 204, description = "暂无待评答卷"),
        (status = 409, description = "本场考试未分配给该阅卷人（not_assigned）", body = crate::web::openapi::ErrorBody)))]
async fn next(State(state): State<AppState>, g: Grader, Path(event): Path<i64>) -> ApiResult<Response> {
    match state.exam.next_task(&g.0, event).await? {
        Some(t) => Ok(Json(TaskView {
            task_id: t.task.task_id,
            round: t.round.name_zh(),
            question: t.question,
            images: t
                .images
                .iter()
                .map(|sha| format!("/api/marking/images/{sha}"))
                .collect(),
            rubric: t.rubric,
            max_mark: exam_rules::marking::MAX_MARK,
            answer: t.task.body,
            lease_expires_ms: t.task.lease_expires_ms,
        })
        .into_response()),
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MarkRequest {
    /// 0–20 in steps of 0.5.
    pub mark: Points,
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct Marked {
    status: AnswerStatus,
}

#[utoipa::path(
    post, summary = "提交评分（0–20 分，0.5 分为单位）", description = "提交评分（0–20 分，0.5 分为单位）", path = "/api/marking/tasks/{task}/mark", tag = "marking", security(("cookie" = [])),
    params(("task" = i64, Path, description = "评卷任务编号")), request_body = MarkRequest,
    responses(
        (status = 200, description = "已记录", body = Marked),
        (status = 409, description = "任务已不属于本人或已评", body = crate::web::openapi::ErrorBody)))]
async fn mark(
    State(state): State<AppState>,
    g: Grader,
    Path(task): Path<i64>,
    Body(req): Body<MarkRequest>,
) -> ApiResult<Json<Marked>> {
    let status = state.exam.record_mark(&g.0, task, req.mark, &req.comment).await?;
    Ok(Json(Marked { status }))
}

#[utoipa::path(
    get, summary = "阅卷组长看板", description = "阅卷组长看板", path = "/api/marking/events/{event}/dashboard", tag = "marking", security(("cookie" = [])),
    params(("event" = i64, Path, description = "考试编号")),
    responses((status = 200, description = "进度、阅卷人统计与争议答卷", body = Dashboard)))]
async fn dashboard(State(state): State<AppState>, _c: Chief, Path(event): Path<i64>) -> ApiResult<Json<Dashboard>> {
    Ok(Json(state.exam.marking_dashboard(event).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Reason {
    pub reason: String,
}

#[utoipa::path(
    post, summary = "组长重评某一评分", description = "组长重评某一评分", path = "/api/marking/marks/{mark}/reopen", tag = "marking", security(("cookie" = [])),
    params(("mark" = i64, Path, description = "评分编号")), request_body = Reason,
    responses((status = 200, description = "已重开", body = super::openapi::OkBody), (status = 409, description = "该评分不能重开", body = crate::web::openapi::ErrorBody)))]
async fn reopen(
    State(state): State<AppState>,
    c: Chief,
    Path(mark): Path<i64>,
    Body(r): Body<Reason>,
) -> ApiResult<Json<super::openapi::OkBody>> {
    state.exam.reopen_mark(&c.0, mark, &r.reason).await?;
    Ok(Json(super::openapi::OkBody::YES))
}

#[derive(Debug, Serialize, ToSchema)]
struct Reopened {
    reopened: usize,
}

#[utoipa::path(
    post, summary = "组长重评某位阅卷人在本场的全部评分", description = "组长重评某位阅卷人在本场考试中的全部有效评分（申诉复评中的答卷除外）：原评分保留并标为已重评，答卷交由未评过的阅卷人重评；每一项记入审计记录",
    path = "/api/marking/events/{event}/graders/{grader}/reopen", tag = "marking", security(("cookie" = [])),
    params(("event" = i64, Path, description = "考试编号"), ("grader" = i64, Path, description = "阅卷人编号（看板中的 grader_id）")), request_body = Reason,
    responses((status = 200, description = "已重开的评分数", body = Reopened), (status = 422, description = "未填写原因", body = crate::web::openapi::ErrorBody)))]
async fn reopen_grader(
    State(state): State<AppState>,
    c: Chief,
    Path((event, grader)): Path<(i64, i64)>,
    Body(r): Body<Reason>,
) -> ApiResult<Json<Reopened>> {
    let reopened = state.exam.reopen_grader(&c.0, event, grader, &r.reason).await?;
    Ok(Json(Reopened { reopened }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ControlRequest {
    /// The open question (item id) it answers.
    pub item_id: String,
    /// The answer's text, as a candidate would have written it.
    pub answer: String,
    /// The mark the marking team agreed for it (0–20 in steps of 0.5).
    pub agreed_mark: Points,
}

/// Plants a control answer (质检卷): every grader of the question is offered it as an ordinary
/// answer; the dashboard compares their marks with the agreed one. It never counts for anyone.
#[utoipa::path(
    post, summary = "投放质检卷", description = "组长投放一份约定分数的质检卷：该题每位阅卷人都会在评阅中收到（与普通答卷无异），看板上显示其评分与约定分数之差；质检卷的评分不计入任何考生成绩", path = "/api/marking/events/{event}/controls", tag = "marking", security(("cookie" = [])),
    params(("event" = i64, Path, description = "考试编号")), request_body = ControlRequest,
    responses(
        (status = 200, description = "已投放", body = PlantedControl),
        (status = 422, description = "试题、答卷或约定分数有误，或该题尚未分配阅卷人", body = crate::web::openapi::ErrorBody)))]
async fn plant_control(
    State(state): State<AppState>,
    c: Chief,
    Path(event): Path<i64>,
    Body(req): Body<ControlRequest>,
) -> ApiResult<Json<PlantedControl>> {
    Ok(Json(
        state
            .exam
            .plant_control(&c.0, event, req.item_id.trim(), &req.answer, req.agreed_mark)
            .await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ShareRequest {
    /// true: every waiting first or second mark is handed to one grader of its question, evenly;
    /// false: whoever is ready takes any answer.
    pub even: bool,
}

/// Shares the answers out evenly among each question's graders, or lets them take answers freely.
#[utoipa::path(
    post, summary = "平均分配或自由领取", description = "平均分配：把每题尚待评的第一、二评分给该题的阅卷人，使每人份数相差不超过 1（不分给已评过或正在评该答卷的人）；增加阅卷人、有新答卷或有人无法继续时可再次分配。自由领取：谁评完谁领下一份", path = "/api/marking/events/{event}/shares", tag = "marking", security(("cookie" = [])),
    params(("event" = i64, Path, description = "考试编号")), request_body = ShareRequest,
    responses(
        (status = 200, description = "各题阅卷人数与每人份数（自由领取时为空）", body = Vec<ShareView>),
        (status = 422, description = "尚无可分配的答卷", body = crate::web::openapi::ErrorBody)))]
async fn set_shares(
    State(state): State<AppState>,
    c: Chief,
    Path(event): Path<i64>,
    Body(req): Body<ShareRequest>,
) -> ApiResult<Json<Vec<ShareView>>> {
    Ok(Json(state.exam.set_shares(&c.0, event, req.even).await?))
}
