//! Graders and the chief grader. A grader sees the question, its rubric and the answer text —
//! never who wrote it: task views are built from the task and the frozen item only.

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use question_bank::{ItemBody, Points, RubricPoint};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ApiResult, Body, Path};
use super::session::{Chief, Grader};
use crate::store::{AnswerStatus, MarkOutcome, MarkingTask};
use exam_rules::marking::check_mark;

/// How long a task stays with a grader before it returns to the queue.
pub const LEASE_MS: i64 = 20 * 60 * 1000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(next))
        .routes(routes!(mark))
        .routes(routes!(dashboard))
        .routes(routes!(reopen))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskView {
    pub task_id: i64,
    /// 第一评 / 第二评 / 第三评（仲裁） / 复评（申诉）
    pub round: &'static str,
    pub question: String,
    pub rubric: Vec<RubricPoint>,
    pub max_mark: Points,
    pub answer: String,
    pub lease_expires_ms: i64,
}

fn round_name(slot: i64) -> &'static str {
    match slot {
        1 => "第一评",
        2 => "第二评",
        3 => "第三评（仲裁）",
        _ => "复评（申诉）",
    }
}

async fn task_view(state: &AppState, t: MarkingTask) -> ApiResult<TaskView> {
    let event = state.exam.event(t.event_id).await?;
    let item = event
        .bank
        .items
        .iter()
        .find(|i| i.id.as_str() == t.item_id)
        .ok_or_else(|| ApiError::Internal(format!("frozen item {} missing", t.item_id)))?;
    let rubric = match &item.body {
        ItemBody::Open { rubric } => rubric.clone(),
        ItemBody::Choice { .. } => return Err(ApiError::Internal(format!("item {} is not open", t.item_id))),
    };
    Ok(TaskView {
        task_id: t.task_id,
        round: round_name(t.marker_slot),
        question: item.stem.clone(),
        rubric,
        max_mark: exam_rules::marking::MAX_MARK,
        answer: t.body,
        lease_expires_ms: t.lease_expires_ms,
    })
}

/// The next answer to mark (204 when there is none for this grader now).
#[utoipa::path(
    post, summary = "领取下一份待评答卷（盲评：不含考生信息）；暂无任务时 204", description = "领取下一份待评答卷（盲评：不含考生信息）；暂无任务时 204", path = "/api/marking/events/{event}/next", tag = "marking", security(("cookie" = [])),
    params(("event" = i64, Path, description = "考试编号")),
    responses(
        (status = 200, description = "一份答卷", body = TaskView),
        (status = 204, description = "暂无待评答卷")))]
async fn next(State(state): State<AppState>, g: Grader, Path(event): Path<i64>) -> ApiResult<Response> {
    state.exam.event(event).await?;
    let third = g.0.role == "chief";
    match state
        .exam
        .store
        .next_marking_task(event, g.0.subject_id, third, state.exam.now(), LEASE_MS)
        .await?
    {
        Some(t) => Ok(Json(task_view(&state, t).await?).into_response()),
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
    let mark = check_mark(req.mark).map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    if req.comment.chars().count() > 1000 {
        return Err(ApiError::Unprocessable("评语过长（最多 1000 字）".into()));
    }
    let actor = format!("{}#{}", g.0.role, g.0.subject_id);
    match state
        .exam
        .store
        .record_mark(task, g.0.subject_id, &actor, mark, req.comment.trim(), state.exam.now())
        .await?
    {
        MarkOutcome::Recorded { status } => Ok(Json(Marked { status })),
        MarkOutcome::AlreadyMarked => Err(ApiError::Conflict("该答卷已评分".into())),
        MarkOutcome::NotYours => Err(ApiError::Conflict(
            "该任务不在您名下（可能已超时并分配给其他阅卷人），请领取下一份".into(),
        )),
    }
}

#[derive(Debug, Default, Serialize, ToSchema)]
struct QuestionProgress {
    item_id: String,
    answers: usize,
    unmarked: usize,
    marked_once: usize,
    marked_twice: usize,
    disputed: usize,
    appeal: usize,
    final_: usize,
}

#[derive(Debug, Serialize, ToSchema)]
struct GraderStats {
    grader_id: i64,
    name: String,
    count: usize,
    mean: Option<f64>,
    sd: Option<f64>,
    /// Share of their double-marked answers where the co-marker was within the tolerance.
    agreement: Option<f64>,
    /// Mean of (their mark − co-marker's): positive is lenient, negative harsh.
    mean_difference: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
struct AnswerMarks {
    answer: i64,
    item_id: String,
    status: AnswerStatus,
    final_mark: Option<Points>,
    /// (mark id, round, grader id, mark, superseded)
    marks: Vec<(i64, &'static str, i64, Points, bool)>,
}

#[derive(Debug, Serialize, ToSchema)]
struct Dashboard {
    questions: Vec<QuestionProgress>,
    graders: Vec<GraderStats>,
    disputed: Vec<AnswerMarks>,
}

#[utoipa::path(
    get, summary = "阅卷组长看板", description = "阅卷组长看板", path = "/api/marking/events/{event}/dashboard", tag = "marking", security(("cookie" = [])),
    params(("event" = i64, Path, description = "考试编号")),
    responses((status = 200, description = "进度、阅卷人统计与争议答卷", body = Dashboard)))]
async fn dashboard(State(state): State<AppState>, _c: Chief, Path(event): Path<i64>) -> ApiResult<Json<Dashboard>> {
    state.exam.event(event).await?;
    let policy = state.exam.store.marking_policy(event).await?;
    let answers = state.exam.store.event_open_answers(event).await?;
    let mut questions: BTreeMap<String, QuestionProgress> = BTreeMap::new();
    // grader → their marks, and differences with co-markers.
    let mut per_grader: HashMap<i64, (Vec<i64>, Vec<i64>)> = HashMap::new();
    let mut disputed = Vec::new();
    for a in &answers {
        let q = questions.entry(a.item_id.clone()).or_insert_with(|| QuestionProgress {
            item_id: a.item_id.clone(),
            ..Default::default()
        });
        q.answers += 1;
        let active: Vec<_> = a.marks.iter().filter(|m| !m.superseded).collect();
        match a.status {
            AnswerStatus::Final => q.final_ += 1,
            AnswerStatus::Disputed => q.disputed += 1,
            AnswerStatus::Appeal => q.appeal += 1,
            AnswerStatus::Marking => match active.len() {
                0 => q.unmarked += 1,
                1 => q.marked_once += 1,
                _ => q.marked_twice += 1,
            },
        }
        if a.status == AnswerStatus::Final && active.iter().filter(|m| m.marker_slot <= 2).count() >= 2 {
            q.marked_twice += 1;
        }
        for m in &active {
            per_grader.entry(m.grader_id).or_default().0.push(m.mark.hundredths());
        }
        let pair: Vec<_> = active.iter().filter(|m| m.marker_slot <= 2).collect();
        if let [x, y] = pair[..] {
            per_grader
                .entry(x.grader_id)
                .or_default()
                .1
                .push(x.mark.hundredths() - y.mark.hundredths());
            per_grader
                .entry(y.grader_id)
                .or_default()
                .1
                .push(y.mark.hundredths() - x.mark.hundredths());
        }
        if matches!(a.status, AnswerStatus::Disputed | AnswerStatus::Appeal) {
            disputed.push(AnswerMarks {
                answer: a.open_answer_id,
                item_id: a.item_id.clone(),
                status: a.status,
                final_mark: a.final_mark,
                marks: a
                    .marks
                    .iter()
                    .map(|m| (m.id, round_name(m.marker_slot), m.grader_id, m.mark, m.superseded))
                    .collect(),
            });
        }
    }
    let mut graders = Vec::new();
    for (id, (marks, diffs)) in per_grader {
        let name = state
            .exam
            .store
            .account(id)
            .await?
            .map_or_else(|| format!("#{id}"), |a| a.display_name);
        // Statistics are descriptive, so floats are fine here; the marks themselves stay exact.
        let n = marks.len() as f64;
        let mean = (n > 0.0).then(|| marks.iter().sum::<i64>() as f64 / n / 100.0);
        let sd = (n > 1.0).then(|| {
            let m = mean.unwrap_or(0.0);
            (marks.iter().map(|x| (*x as f64 / 100.0 - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        });
        let agreement = (!diffs.is_empty()).then(|| {
            diffs
                .iter()
                .filter(|d| d.abs() <= policy.tolerance.hundredths())
                .count() as f64
                / diffs.len() as f64
        });
        let mean_difference =
            (!diffs.is_empty()).then(|| diffs.iter().sum::<i64>() as f64 / diffs.len() as f64 / 100.0);
        graders.push(GraderStats {
            grader_id: id,
            name,
            count: marks.len(),
            mean,
            sd,
            agreement,
            mean_difference,
        });
    }
    graders.sort_by_key(|g| g.grader_id);
    Ok(Json(Dashboard {
        questions: questions.into_values().collect(),
        graders,
        disputed,
    }))
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
    if r.reason.trim().is_empty() {
        return Err(ApiError::Unprocessable("请填写重评原因".into()));
    }
    let actor = format!("chief#{}", c.0.subject_id);
    if !state
        .exam
        .store
        .reopen_mark(mark, &actor, r.reason.trim(), state.exam.now())
        .await?
    {
        return Err(ApiError::NotFound(format!("评分 {mark} 不存在或已被重评")));
    }
    Ok(Json(super::openapi::OkBody::YES))
}
