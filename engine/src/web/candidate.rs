//! The candidate's API: status, start, paper (without keys), answers, saves, submit.
//! Every handler works on the caller's own sitting only: the id comes from the session.

use std::collections::BTreeMap;

use std::convert::Infallible;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, Body, Path};
use super::session::Candidate;
use crate::exam::CandidatePaper;
use crate::exam::NotFound;
use crate::exam::SaveOutcome;
use crate::exam::live::LiveKind;
use crate::exam::sitting::STALE;
use crate::exam::sitting::SittingStatus;
use crate::store::{CandidateRow, LiveChange};
use exam_rules::Refusal;
use exam_rules::schedule::{Schedule, clock_zh};
use exam_rules::sitting::SittingState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(status))
        .routes(routes!(live))
        .routes(routes!(start))
        .routes(routes!(paper))
        .routes(routes!(picture))
        .routes(routes!(answers))
        .routes(routes!(saves))
        .routes(routes!(submit))
        .routes(routes!(result))
        .routes(routes!(score_report))
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
    /// A rehearsal (模拟考试) rather than the exam itself.
    pub rehearsal: bool,
    /// The event's timetable, as clock times (Beijing time).
    pub timetable: Timetable,
    /// Before starting: when the paper appears, the common end, the cut-off, or that it has
    /// passed (in Chinese, for the waiting screen).
    pub notice: Option<String>,
    /// Not started and past the late-entry cut-off: absent (缺考), may not start.
    pub absent: bool,
    /// Started before the published start: milliseconds until the paper appears (0 once shown).
    pub paper_in_ms: i64,
    /// This sitting's own end as a clock time, with its extra time and pauses (while running).
    pub ends_at: Option<String>,
}

/// The published times of the event, as the timetable states them ("09:00").
#[derive(Debug, Serialize, ToSchema)]
pub struct Timetable {
    pub starts: String,
    pub cutoff: String,
    pub ends: String,
}

impl Timetable {
    pub fn of(schedule: &Schedule) -> Timetable {
        Timetable {
            starts: clock_zh(schedule.starts_at),
            cutoff: clock_zh(schedule.cutoff()),
            ends: clock_zh(schedule.common_end()),
        }
    }
}

async fn status_of(state: &AppState, c: &Candidate) -> ApiResult<Status> {
    Ok(status_from(state.exam.sitting_status(c.0.subject_id).await?))
}

fn status_from(st: SittingStatus) -> Status {
    let schedule = st.event.row.schedule();
    let not_started = st.sitting.state == SittingState::NotStarted;
    let timer = st.sitting.timer.filter(|_| st.sitting.state != SittingState::Submitted);
    Status {
        rehearsal: st.event.row.rehearsal,
        timetable: Timetable::of(&schedule),
        notice: not_started.then(|| schedule.entry_notice_zh(st.now)),
        absent: not_started && schedule.absent(st.now),
        paper_in_ms: timer.map_or(0, |t| (t.started_ms - st.now).max(0)),
        ends_at: timer.and_then(|t| t.deadline()).map(clock_zh),
        room_open: st.room_open,
        ticket: st.candidate.ticket,
        name: st.candidate.name,
        room: st.candidate.room,
        seat: st.candidate.seat,
        exam_name: st.event.row.name.clone(),
        duration_minutes: st.event.row.duration_ms / 60_000,
        state: st.sitting.state,
        state_name: st.sitting.state.name_zh(),
        remaining_ms: st.sitting.remaining_ms(st.now),
        server_now_ms: st.now,
        submitted_by: st.sitting.submitted_by,
    }
}

#[utoipa::path(
    get, summary = "考生状态与服务器计时的剩余时间", description = "考生状态与服务器计时的剩余时间", path = "/api/candidate/status", tag = "candidate", security(("cookie" = [])),
    responses((status = 200, description = "本人的考试状态", body = Status)))]
async fn status(State(state): State<AppState>, c: Candidate) -> ApiResult<Json<Status>> {
    Ok(Json(status_of(&state, &c).await?))
}

/// One message of the live feed: what changed, what the page says, and the status after it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LiveEvent {
    /// paused, resumed, extra_time, move_allowed, moved_in, auto_submitted, room_opened
    pub change: &'static str,
    /// 给考生看的提示
    pub message: String,
    /// This page's workstation is no longer the sitting's (moved to another one): stop here.
    pub moved_away: bool,
    pub status: Status,
}

type Feed = (
    broadcast::Receiver<Arc<LiveChange>>,
    AppState,
    Candidate,
    CandidateRow,
    bool,
);

/// The next message for this page: waits for a change to its room or to its own sitting.
async fn next_live((mut rx, state, c, me, done): Feed) -> Option<(Result<Event, Infallible>, Feed)> {
    if done {
        return None;
    }
    let stopping = state.exam.live_stopping();
    tokio::pin!(stopping);
    loop {
        let change = tokio::select! {
            r = rx.recv() => r,
            () = &mut stopping => return None,
        };
        let change = match change {
            Ok(change) => change,
            // Fell behind: the page re-reads its status.
            Err(broadcast::error::RecvError::Lagged(_)) => {
                let event = Event::default().event("resync").data("{}");
                return Some((Ok(event), (rx, state, c, me, false)));
            }
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        let mine = change.event_id == me.event_id
            && change.room == me.room
            && change.candidate_id.is_none_or(|id| id == me.id);
        let Some(kind) = LiveKind::of(&change.action).filter(|_| mine) else {
            continue;
        };
        let Ok(st) = state.exam.sitting_status(me.id).await else {
            continue;
        };
        let moved_away =
            st.sitting.session_id.as_deref() != Some(c.0.id.as_str()) && st.sitting.state != SittingState::NotStarted;
        if kind == LiveKind::MovedIn && !moved_away {
            continue; // this page is the new workstation
        }
        let status = status_from(st);
        let body = LiveEvent {
            change: kind.code(),
            message: kind.message_zh(status.ends_at.as_deref()),
            moved_away: kind == LiveKind::MovedIn,
            status,
        };
        let done = body.moved_away || kind == LiveKind::AutoSubmitted;
        let event = Event::default()
            .event("change")
            .json_data(&body)
            .unwrap_or_else(|_| Event::default().event("resync").data("{}"));
        return Some((Ok(event), (rx, state, c, me, done)));
    }
}

#[utoipa::path(
    get, summary = "实时通知（服务器推送事件）", description = "实时通知：暂停、恢复、延时、更换机位、时间到系统交卷、考场开考，每条附最新状态（text/event-stream，事件名 change；落后过多时为 resync，请重新读取状态）",
    path = "/api/candidate/live", tag = "candidate", security(("cookie" = [])),
    responses((status = 200, description = "事件流", content_type = "text/event-stream", body = LiveEvent)))]
async fn live(
    State(state): State<AppState>,
    c: Candidate,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let me = state.exam.candidate(c.0.subject_id).await?.ok_or(NotFound::Candidate)?;
    let rx = state.exam.subscribe_live();
    let feed = futures_util::stream::unfold((rx, state, c, me, false), next_live);
    Ok(Sse::new(feed).keep_alive(KeepAlive::default()))
}

#[utoipa::path(
    post, summary = "开始答题（考场开考后）", description = "开始答题（考场开考后）", path = "/api/candidate/start", tag = "candidate", security(("cookie" = [])),
    responses(
        (status = 200, description = "已开始（或早已开始）", body = Status),
        (status = 409, description = "考场尚未开放、已过入场截止时间或已交卷", body = crate::web::openapi::ErrorBody)))]
async fn start(State(state): State<AppState>, c: Candidate) -> ApiResult<Json<Status>> {
    Ok(Json(status_from(state.exam.start(c.0.subject_id, &c.0.id).await?)))
}

#[utoipa::path(
    get, summary = "本人试卷（不含答案、解析、评分要点）", description = "本人试卷（不含答案、解析、评分要点）", path = "/api/candidate/paper", tag = "candidate", security(("cookie" = [])),
    responses(
        (status = 200, description = "试卷", body = CandidatePaper),
        (status = 409, description = "考试尚未开始", body = crate::web::openapi::ErrorBody)))]
async fn paper(State(state): State<AppState>, c: Candidate) -> ApiResult<Json<CandidatePaper>> {
    let (paper, event) = state.exam.own_paper(c.0.subject_id).await?;
    Ok(Json(CandidatePaper::of(&paper, &event.row)))
}

#[utoipa::path(
    get, summary = "本人试卷中的题目附图", description = "本人试卷中某道题的附图（PNG 或 JPEG）；不在本人试卷上的图片一律找不到", path = "/api/candidate/images/{sha256}", tag = "candidate", security(("cookie" = [])),
    params(("sha256" = String, Path, description = "图片内容的 SHA-256（试卷中给出的地址）")),
    responses(
        (status = 200, description = "图片", content_type = "image/png", body = Vec<u8>),
        (status = 404, description = "本人试卷中没有该图片", body = crate::web::openapi::ErrorBody),
        (status = 409, description = "考试尚未开始", body = crate::web::openapi::ErrorBody)))]
async fn picture(
    State(state): State<AppState>,
    c: Candidate,
    Path(sha256): Path<String>,
) -> ApiResult<axum::response::Response> {
    let (content_type, bytes) = state.exam.own_picture(c.0.subject_id, &sha256).await?;
    Ok(super::picture_response(content_type, bytes))
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
    let (rows, sitting) = state.exam.saved_answers(c.0.subject_id).await?;
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
    /// 题号 1–70、open（所选开放题）、open-N（开放题 N 的作答）或 flags（标记待查的题目）
    #[schema(pattern = "^([1-9][0-9]*|open|open-[1-9][0-9]*|flags)$")]
    pub slot: String,
    /// 选项字母（如 "ACD"，空串为清除）、所选开放题（如 "1,3,5"）、开放题作答（至多 5000 字）或标记待查的题目（如 "7,52,open-3"）
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
    let saves: Vec<(i64, &str, &str)> = req
        .saves
        .iter()
        .map(|s| (s.seq, s.slot.as_str(), s.value.as_str()))
        .collect();
    let candidate_id = c.0.subject_id;
    let batch = state.exam.prepare_saves(candidate_id, &c.0.id, &saves).await?;
    let saved = state.saver.save(batch).await?;
    let now = state.exam.now();
    // Refused because time ran out: handed in now rather than at the next sweep.
    let sitting = match saved.sittings.get(&candidate_id) {
        Some(s) => Some(state.exam.submit_if_expired(s.clone()).await?),
        None => None,
    };
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
                message: Some(STALE.into()),
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
    state.exam.hand_in(c.0.subject_id, &c.0.id).await?;
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

/// The candidate's own 成绩单 as a PDF, after the release.
#[utoipa::path(
    get, summary = "下载本人成绩单（PDF，成绩发布后）", description = "下载本人成绩单（PDF，成绩发布后）", path = "/api/candidate/score-report.pdf", tag = "candidate", security(("cookie" = [])),
    responses(
        (status = 200, description = "成绩单", content_type = "application/pdf", body = Vec<u8>),
        (status = 404, description = "成绩尚未发布", body = crate::web::openapi::ErrorBody)))]
async fn score_report(State(state): State<AppState>, c: Candidate) -> ApiResult<axum::response::Response> {
    let printed = state
        .exam
        .own_score_report(c.0.subject_id)
        .await?
        .ok_or(NotFound::ResultNotReleased)?;
    // 成绩单
    Ok(super::pdf_attachment(
        printed,
        "score-report",
        "%E6%88%90%E7%BB%A9%E5%8D%95",
    ))
}

#[utoipa::path(
    get, summary = "已发布的本人成绩", description = "已发布的本人成绩", path = "/api/candidate/result", tag = "candidate", security(("cookie" = [])),
    responses(
        (status = 200, description = "成绩", body = ResultView),
        (status = 404, description = "成绩尚未发布", body = crate::web::openapi::ErrorBody)))]
async fn result(State(state): State<AppState>, c: Candidate) -> ApiResult<Json<ResultView>> {
    let r = state
        .exam
        .released_result(c.0.subject_id)
        .await?
        .ok_or(NotFound::ResultNotReleased)?;
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
