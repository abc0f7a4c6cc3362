//! The candidate's API: status, start, paper (without keys), answers, saves, submit.
//! Every handler works on the caller's own sitting only: the id comes from the session.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ApiResult, Body};
use super::session::Candidate;
use crate::exam::CandidatePaper;
use crate::store::{SaveOutcome, SaveRequest, SittingRow, SubmitOutcome};
use exam_rules::Refusal;
use exam_rules::refusal::Attempt;
use exam_rules::sitting::start::Start;
use exam_rules::sitting::submit::Submit;
use exam_rules::sitting::{self as rules, SittingState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(status))
        .routes(routes!(start))
        .routes(routes!(paper))
        .routes(routes!(answers))
        .routes(routes!(saves))
        .routes(routes!(submit))
        .routes(routes!(result))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    pub ticket: String,
    pub name: String,
    pub room: String,
    pub seat: String,
    pub exam_name: String,
    pub duration_minutes: i64,
    pub state: SittingState,
    /// 状态的中文名称
    pub state_name: &'static str,
    /// Whether the proctor has opened the room (the candidate may start).
    pub room_open: bool,
    /// Counted by the server; the browser only displays it.
    pub remaining_ms: i64,
    pub server_now_ms: i64,
    /// "candidate" or "system" (time ran out), once submitted.
    pub submitted_by: Option<String>,
}

async fn own_sitting(state: &AppState, c: &Candidate) -> ApiResult<SittingRow> {
    let s = state
        .exam
        .store
        .sitting(c.0.subject_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("找不到您的考试安排".into()))?;
    Ok(state.exam.submit_if_expired(s).await?)
}

async fn status_of(state: &AppState, c: &Candidate) -> ApiResult<Status> {
    let sitting = own_sitting(state, c).await?;
    let cand = state
        .exam
        .store
        .candidate(c.0.subject_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("找不到考生".into()))?;
    let event = state.exam.event(cand.event_id).await?;
    let now = state.exam.now();
    Ok(Status {
        room_open: state.exam.store.room_opened(cand.event_id, &cand.room).await?.is_some(),
        ticket: cand.ticket,
        name: cand.name,
        room: cand.room,
        seat: cand.seat,
        exam_name: event.row.name.clone(),
        duration_minutes: event.row.duration_ms / 60_000,
        state: sitting.state,
        state_name: sitting.state.name_zh(),
        remaining_ms: sitting.remaining_ms(now),
        server_now_ms: now,
        submitted_by: sitting.submitted_by,
    })
}

#[utoipa::path(
    get, summary = "考生状态与服务器计时的剩余时间", description = "考生状态与服务器计时的剩余时间", path = "/api/candidate/status", tag = "candidate", security(("cookie" = [])),
    responses((status = 200, description = "本人的考试状态", body = Status)))]
async fn status(State(state): State<AppState>, c: Candidate) -> ApiResult<Json<Status>> {
    Ok(Json(status_of(&state, &c).await?))
}

#[utoipa::path(
    post, summary = "开始答题（考场开考后）", description = "开始答题（考场开考后）", path = "/api/candidate/start", tag = "candidate", security(("cookie" = [])),
    responses(
        (status = 200, description = "已开始（或早已开始）", body = Status),
        (status = 409, description = "考场尚未开考或已交卷", body = crate::web::openapi::ErrorBody)))]
async fn start(State(state): State<AppState>, c: Candidate) -> ApiResult<Json<Status>> {
    let sitting = own_sitting(&state, &c).await?;
    let room_open = match sitting.state {
        SittingState::NotStarted => {
            let cand = state
                .exam
                .store
                .candidate(c.0.subject_id)
                .await?
                .ok_or_else(|| ApiError::NotFound("找不到考生".into()))?;
            state.exam.store.room_opened(cand.event_id, &cand.room).await?.is_some()
        }
        _ => false,
    };
    if rules::start::start(sitting.state, room_open)? == Start::Begin {
        state
            .exam
            .store
            .start_sitting(c.0.subject_id, &c.0.id, state.exam.now())
            .await?;
    }
    Ok(Json(status_of(&state, &c).await?))
}

#[utoipa::path(
    get, summary = "本人试卷（不含答案、解析、评分要点）", description = "本人试卷（不含答案、解析、评分要点）", path = "/api/candidate/paper", tag = "candidate", security(("cookie" = [])),
    responses(
        (status = 200, description = "试卷", body = CandidatePaper),
        (status = 409, description = "考试尚未开始", body = crate::web::openapi::ErrorBody)))]
async fn paper(State(state): State<AppState>, c: Candidate) -> ApiResult<Json<CandidatePaper>> {
    let sitting = own_sitting(&state, &c).await?;
    if sitting.state == SittingState::NotStarted {
        return Err(ApiError::Conflict("考试尚未开始，开考后才能查看试卷".into()));
    }
    let event = state.exam.event(sitting.event_id).await?;
    let paper = state.exam.paper(&sitting).await?;
    state.exam.keep_shape(sitting.candidate_id, &paper, &event);
    Ok(Json(CandidatePaper::of(&paper, &event.row)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Answers {
    /// slot → value, e.g. "7" → "ACD", "open" → "1,3,5", "open-1" → text.
    pub answers: BTreeMap<String, String>,
    /// The highest sequence number the server holds: a reloaded page continues above it.
    pub max_seq: i64,
    pub state: SittingState,
    pub remaining_ms: i64,
}

#[utoipa::path(
    get, summary = "已保存的全部答案与最大序号", description = "已保存的全部答案与最大序号", path = "/api/candidate/answers", tag = "candidate", security(("cookie" = [])),
    responses((status = 200, description = "服务器上保存的答案", body = Answers)))]
async fn answers(State(state): State<AppState>, c: Candidate) -> ApiResult<Json<Answers>> {
    let sitting = own_sitting(&state, &c).await?;
    let rows = state.exam.store.answers(c.0.subject_id).await?;
    Ok(Json(Answers {
        max_seq: rows.iter().map(|r| r.seq).max().unwrap_or(0),
        answers: rows.into_iter().map(|r| (r.slot, r.value)).collect(),
        state: sitting.state,
        remaining_ms: sitting.remaining_ms(state.exam.now()),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SavesRequest {
    /// 1–500 条答案，按序号递增
    #[schema(min_items = 1, max_items = 500)]
    pub saves: Vec<SaveIn>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SaveIn {
    /// The client's per-sitting sequence number, increasing with every change.
    #[schema(minimum = 1, maximum = 9007199254740991_i64)]
    pub seq: i64,
    /// 题号 1–70、open（所选开放题）或 open-N（开放题 N 的作答）
    #[schema(pattern = "^([1-9][0-9]*|open|open-[1-9][0-9]*)$")]
    pub slot: String,
    /// 选项字母（如 "ACD"，空串为清除）、所选开放题（如 "1,3,5"）或开放题作答（至多 5000 字）
    #[schema(max_length = 5000)]
    pub value: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SaveResult {
    pub seq: i64,
    /// "saved" (durable and current), "stale" (durable, but a newer save holds the slot) or
    /// "refused" (not stored; see message).
    #[schema(value_type = String, pattern = "^(saved|stale|refused)$")]
    pub status: &'static str,
    pub message: Option<String>,
    /// 被拒绝时的稳定代码（如 moved、paused、time_up、open_not_chosen），程序据此判断
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub code: Option<&'static str>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SavesResponse {
    /// 有答案被拒绝时（409）：第一条被拒绝的原因
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// 有答案被拒绝时：第一条被拒绝的原因的稳定代码
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub code: Option<&'static str>,
    pub results: Vec<SaveResult>,
    pub remaining_ms: i64,
}

/// The largest sequence number: the largest integer a browser's JavaScript counts exactly
/// (2^53 − 1). A larger one would freeze its slot: the page's next number could not exceed it.
pub const MAX_SEQ: i64 = (1 << 53) - 1;

/// The most saves one request may carry (a browser's offline queue sends them together).
const MAX_SAVES_PER_REQUEST: usize = 500;

/// Saves answer changes. Answered only after the saves are durable. A refused save (sitting
/// paused, submitted, out of time, moved, or an open answer for an unchosen question) gives 409
/// with the reason and every save's result, so the client knows exactly what was kept.
#[utoipa::path(
    post, summary = "保存答案：持久化之后才应答", description = "保存答案：持久化之后才应答", path = "/api/candidate/saves", tag = "candidate", security(("cookie" = [])),
    request_body = SavesRequest,
    responses(
        (status = 200, description = "每条答案的结果（saved 已保存，stale 已有更新的答案）", body = SavesResponse),
        (status = 409, description = "有答案被拒绝（暂停、已交卷、时间已到、已转到其他机位或未选答该题）；error 说明原因，results 为每条的结果", body = SavesResponse)))]
async fn saves(State(state): State<AppState>, c: Candidate, Body(req): Body<SavesRequest>) -> ApiResult<Response> {
    if req.saves.is_empty() || req.saves.len() > MAX_SAVES_PER_REQUEST {
        return Err(ApiError::Unprocessable(format!(
            "每次须提交 1–{MAX_SAVES_PER_REQUEST} 条答案，本次为 {} 条",
            req.saves.len()
        )));
    }
    let candidate_id = c.0.subject_id;
    // The shape never changes, so after the first save no read precedes the saver's own
    // (the sitting's state, time and workstation are checked inside the saving transaction).
    let shape = match state.exam.cached_shape(candidate_id) {
        Some(shape) => shape,
        None => state.exam.shape(&own_sitting(&state, &c).await?).await?,
    };
    // Check everything before saving anything: a request with a bad save stores nothing.
    let mut batch = Vec::with_capacity(req.saves.len());
    for s in &req.saves {
        if !(1..=MAX_SEQ).contains(&s.seq) {
            return Err(ApiError::Unprocessable(format!(
                "序号 seq 须为 1–{MAX_SEQ} 之间的整数（收到 {}）",
                s.seq
            )));
        }
        let bad = |e: exam_rules::paper_shape::SaveError| {
            ApiError::Unprocessable(format!("序号 {} 的答案未保存：{e}", s.seq))
        };
        let slot = shape.slot(&s.slot).map_err(bad)?;
        // The open-answer rule (text only for a chosen question) is checked in the store, against
        // the choice as it stands inside the saving transaction.
        let value = shape.normalise(slot, &s.value).map_err(bad)?;
        batch.push(SaveRequest {
            candidate_id,
            session_id: c.0.id.clone(),
            seq: s.seq,
            slot,
            value,
        });
    }
    let saved = state.saver.save(batch).await?;
    let now = state.exam.now();
    let mut sitting = saved.sittings.get(&candidate_id).cloned();
    // Refused because time ran out: hand the paper in now rather than at the next sweep.
    if let Some(s) = &sitting
        && s.state != SittingState::Submitted
        && s.timer.is_some_and(|t| t.expired(now))
    {
        sitting = Some(state.exam.submit_if_expired(s.clone()).await?);
    }
    let remaining_ms = sitting.as_ref().map_or(0, |s| s.remaining_ms(now));
    let mut refusal: Option<Refusal> = None;
    let results = req
        .saves
        .iter()
        .zip(saved.outcomes)
        .map(|(s, o)| match o {
            SaveOutcome::Saved => SaveResult {
                seq: s.seq,
                status: "saved",
                message: None,
                code: None,
            },
            SaveOutcome::Stale => SaveResult {
                seq: s.seq,
                status: "stale",
                message: Some("已有更新的答案，此条未覆盖".into()),
                code: None,
            },
            SaveOutcome::Refused(r) => {
                let result = SaveResult {
                    seq: s.seq,
                    status: "refused",
                    message: Some(r.message_zh()),
                    code: Some(r.code()),
                };
                refusal.get_or_insert(r);
                result
            }
        })
        .collect();
    let status = if refusal.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    let body = SavesResponse {
        error: refusal.as_ref().map(Refusal::message_zh),
        code: refusal.as_ref().map(Refusal::code),
        results,
        remaining_ms,
    };
    Ok((status, Json(body)).into_response())
}

#[utoipa::path(
    post, summary = "交卷", description = "交卷", path = "/api/candidate/submit", tag = "candidate", security(("cookie" = [])),
    responses(
        (status = 200, description = "已交卷", body = Status),
        (status = 409, description = "考试尚未开始或已转到其他机位", body = crate::web::openapi::ErrorBody)))]
async fn submit(State(state): State<AppState>, c: Candidate) -> ApiResult<Json<Status>> {
    let sitting = own_sitting(&state, &c).await?;
    if rules::submit::submit(sitting.state, sitting.session_id.as_deref(), &c.0.id)? == Submit::HandIn {
        match state.exam.submit(c.0.subject_id, "candidate").await? {
            SubmitOutcome::Submitted { .. } | SubmitOutcome::AlreadySubmitted => {}
            SubmitOutcome::NotStarted => return Err(Refusal::NotStarted(Attempt::Submit).into()),
        }
    }
    Ok(Json(status_of(&state, &c).await?))
}

/// What a candidate sees of their result once the office has released it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultView {
    pub total: question_bank::Points,
    pub pass_mark: question_bank::Points,
    /// 合格 / 不合格 / 缺考
    pub verdict: &'static str,
    pub passed: Option<bool>,
    pub single: question_bank::Points,
    pub multi: question_bank::Points,
    pub objective: question_bank::Points,
    pub open_total: question_bank::Points,
    pub open: Vec<crate::results::OpenScore>,
    pub modules: Vec<crate::results::ModuleScore>,
}

#[utoipa::path(
    get, summary = "已发布的本人成绩", description = "已发布的本人成绩", path = "/api/candidate/result", tag = "candidate", security(("cookie" = [])),
    responses(
        (status = 200, description = "成绩", body = ResultView),
        (status = 404, description = "成绩尚未发布", body = crate::web::openapi::ErrorBody)))]
async fn result(State(state): State<AppState>, c: Candidate) -> ApiResult<Json<ResultView>> {
    let json = state
        .exam
        .store
        .released_result(c.0.subject_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("成绩尚未发布，请在考试结束约 60 天后查询".into()))?;
    let r: crate::results::CandidateResult =
        serde_json::from_str(&json).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Json(ResultView {
        verdict: crate::results::verdict_zh(&r),
        total: r.total,
        pass_mark: r.pass_mark,
        passed: r.passed,
        single: r.single,
        multi: r.multi,
        objective: r.objective,
        open_total: r.open_total,
        open: r.open,
        modules: r.modules,
    }))
}
