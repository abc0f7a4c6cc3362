//! The proctor's API: the room console and everything a proctor does to a room or a sitting.
//! Each action needs a reason and is logged with who, when and why.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, Body, Path};
use super::session::Proctor;
use crate::exam::proctoring::seat_state;
use exam_rules::schedule::clock_zh;
use exam_rules::sitting::hold::Hold;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(events))
        .routes(routes!(room))
        .routes(routes!(open_room))
        .routes(routes!(pause_room))
        .routes(routes!(resume_room))
        .routes(routes!(incident))
        .routes(routes!(log))
        .routes(routes!(pause_candidate))
        .routes(routes!(resume_candidate))
        .routes(routes!(extra_time))
        .routes(routes!(allow_move))
        .routes(routes!(unlock))
}

#[derive(Debug, Serialize, ToSchema)]
struct EventRooms {
    id: i64,
    name: String,
    starts_at_ms: i64,
    rooms: Vec<RoomSummary>,
}

#[derive(Debug, Serialize, ToSchema)]
struct RoomSummary {
    room: String,
    opened_ms: Option<i64>,
}

/// The events and rooms the caller may run: a proctor's assigned rooms, every room for the office.
#[utoipa::path(
    get, summary = "本人可监考的考试与考场（考务办公室：全部）", description = "本人可监考的考试与考场（考务办公室：全部）", path = "/api/proctor/events", tag = "proctor", security(("cookie" = [])),
    responses((status = 200, description = "考试与考场", body = Vec<EventRooms>)))]
async fn events(State(state): State<AppState>, p: Proctor) -> ApiResult<Json<Vec<EventRooms>>> {
    let out = state
        .exam
        .rooms_for(&p.0)
        .await?
        .into_iter()
        .map(|e| EventRooms {
            id: e.event.id,
            name: e.event.name,
            starts_at_ms: e.event.starts_at_ms,
            rooms: e
                .rooms
                .into_iter()
                .map(|(room, opened_ms)| RoomSummary { room, opened_ms })
                .collect(),
        })
        .collect();
    Ok(Json(out))
}

#[derive(Debug, Serialize, ToSchema)]
struct Seat {
    ticket: String,
    name: String,
    seat: String,
    /// not_logged_in, waiting, in_progress, paused, submitted
    state: &'static str,
    state_name: &'static str,
    remaining_ms: i64,
    last_save_ms: Option<i64>,
    extra_ms: i64,
    move_allowed: bool,
    submitted_by: Option<String>,
    /// Minutes after the published start the candidate started (迟到), if late.
    late_minutes: Option<i64>,
}

/// The event's timetable on the console: clock times and the moments to count down to.
#[derive(Debug, Serialize, ToSchema)]
struct ScheduleView {
    /// A rehearsal (模拟考试).
    rehearsal: bool,
    duration_minutes: i64,
    opens_at_ms: i64,
    starts_at_ms: i64,
    cutoff_ms: i64,
    ends_at_ms: i64,
    opens: String,
    starts: String,
    cutoff: String,
    ends: String,
    /// Why the room cannot be opened now (absent when it can, or is open).
    open_refusal: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
struct RoomView {
    event_id: i64,
    room: String,
    opened_ms: Option<i64>,
    server_now_ms: i64,
    schedule: ScheduleView,
    seats: Vec<Seat>,
}

#[utoipa::path(
    get, summary = "考场座位与状态", description = "考场座位与状态", path = "/api/proctor/events/{event}/rooms/{room}", tag = "proctor", security(("cookie" = [])), params(("event" = i64, Path, description = "考试编号"), ("room" = String, Path, description = "考场")),
    responses((status = 200, description = "考场", body = RoomView)))]
async fn room(
    State(state): State<AppState>,
    p: Proctor,
    Path((event, room)): Path<(i64, String)>,
) -> ApiResult<Json<RoomView>> {
    let view = state.exam.room_seats(&p.0, event, &room).await?;
    let now = view.now;
    let sched = view.schedule;
    let seats = view
        .seats
        .into_iter()
        .map(|s| {
            let (code, name) = seat_state(&s, &sched, now);
            Seat {
                late_minutes: s
                    .sitting
                    .timer
                    .map(|t| (t.started_ms - sched.starts_at) / 60_000)
                    .filter(|&m| m > 0),
                remaining_ms: s.sitting.remaining_ms(now),
                extra_ms: s.sitting.timer.map_or(0, |t| t.extra_ms),
                move_allowed: s.sitting.move_allowed,
                submitted_by: s.sitting.submitted_by.clone(),
                ticket: s.ticket,
                name: s.name,
                seat: s.seat,
                state: code,
                state_name: name,
                last_save_ms: s.last_save_ms,
            }
        })
        .collect();
    Ok(Json(RoomView {
        event_id: event,
        room,
        opened_ms: view.opened_ms,
        server_now_ms: now,
        schedule: ScheduleView {
            rehearsal: view.rehearsal,
            duration_minutes: sched.duration_ms / 60_000,
            opens_at_ms: sched.opens_at(),
            starts_at_ms: sched.starts_at,
            cutoff_ms: sched.cutoff(),
            ends_at_ms: sched.common_end(),
            opens: clock_zh(sched.opens_at()),
            starts: clock_zh(sched.starts_at),
            cutoff: clock_zh(sched.cutoff()),
            ends: clock_zh(sched.common_end()),
            open_refusal: view.open_refusal.map(|r| r.message_zh()),
        },
        seats,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Reason {
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ExtraTime {
    /// 1–180 分钟
    #[schema(minimum = 1, maximum = 180)]
    pub minutes: i64,
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Incident {
    /// The candidate concerned, if any.
    pub ticket: Option<String>,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct Done {
    ok: bool,
    /// How many sittings the action changed.
    changed: usize,
}

#[utoipa::path(
    post, summary = "开放考场（开考前规定时间起至入场截止）", description = "开放考场：开考前规定时间（默认 30 分钟）起至入场截止，仅限考试当天；开放不启动计时，试卷在开考时间统一发放", path = "/api/proctor/events/{event}/rooms/{room}/open", tag = "proctor", security(("cookie" = [])), params(("event" = i64, Path, description = "考试编号"), ("room" = String, Path, description = "考场")),
    responses(
        (status = 200, description = "已开放", body = Done),
        (status = 409, description = "已经开考，或考试尚未发布", body = crate::web::openapi::ErrorBody)))]
async fn open_room(
    State(state): State<AppState>,
    p: Proctor,
    Path((event, room)): Path<(i64, String)>,
) -> ApiResult<Json<Done>> {
    state.exam.open_room(&p.0, event, &room).await?;
    Ok(Json(Done { ok: true, changed: 1 }))
}

#[utoipa::path(
    post, summary = "暂停整个考场", description = "暂停整个考场", path = "/api/proctor/events/{event}/rooms/{room}/pause", tag = "proctor", security(("cookie" = [])), params(("event" = i64, Path, description = "考试编号"), ("room" = String, Path, description = "考场")),
    request_body = Reason, responses((status = 200, description = "已暂停（changed：暂停的考生数）", body = Done)))]
async fn pause_room(
    State(state): State<AppState>,
    p: Proctor,
    Path((event, room)): Path<(i64, String)>,
    Body(r): Body<Reason>,
) -> ApiResult<Json<Done>> {
    let changed = state.exam.hold_room(&p.0, event, &room, Hold::Pause, &r.reason).await?;
    Ok(Json(Done { ok: true, changed }))
}

#[utoipa::path(
    post, summary = "恢复整个考场", description = "恢复整个考场", path = "/api/proctor/events/{event}/rooms/{room}/resume", tag = "proctor", security(("cookie" = [])), params(("event" = i64, Path, description = "考试编号"), ("room" = String, Path, description = "考场")),
    request_body = Reason, responses((status = 200, description = "已恢复（changed：恢复的考生数）", body = Done)))]
async fn resume_room(
    State(state): State<AppState>,
    p: Proctor,
    Path((event, room)): Path<(i64, String)>,
    Body(r): Body<Reason>,
) -> ApiResult<Json<Done>> {
    let changed = state
        .exam
        .hold_room(&p.0, event, &room, Hold::Resume, &r.reason)
        .await?;
    Ok(Json(Done { ok: true, changed }))
}

#[utoipa::path(
    post, summary = "暂停考生", description = "暂停考生", path = "/api/proctor/candidates/{ticket}/pause", tag = "proctor", security(("cookie" = [])), params(("ticket" = String, Path, description = "准考证号")),
    request_body = Reason,
    responses(
        (status = 200, description = "已暂停", body = Done),
        (status = 409, description = "考生不在答题中", body = crate::web::openapi::ErrorBody)))]
async fn pause_candidate(
    State(state): State<AppState>,
    p: Proctor,
    Path(ticket): Path<String>,
    Body(r): Body<Reason>,
) -> ApiResult<Json<Done>> {
    state.exam.hold_candidate(&p.0, &ticket, Hold::Pause, &r.reason).await?;
    Ok(Json(Done { ok: true, changed: 1 }))
}

#[utoipa::path(
    post, summary = "恢复考生", description = "恢复考生", path = "/api/proctor/candidates/{ticket}/resume", tag = "proctor", security(("cookie" = [])), params(("ticket" = String, Path, description = "准考证号")),
    request_body = Reason,
    responses(
        (status = 200, description = "已恢复", body = Done),
        (status = 409, description = "考生不在暂停中", body = crate::web::openapi::ErrorBody)))]
async fn resume_candidate(
    State(state): State<AppState>,
    p: Proctor,
    Path(ticket): Path<String>,
    Body(r): Body<Reason>,
) -> ApiResult<Json<Done>> {
    state
        .exam
        .hold_candidate(&p.0, &ticket, Hold::Resume, &r.reason)
        .await?;
    Ok(Json(Done { ok: true, changed: 1 }))
}

#[utoipa::path(
    post, summary = "延长考生时间（监考老师每位考生共计不超过上限，默认 60 分钟；超出须考务办公室）", description = "延长考生时间（监考老师每位考生共计不超过上限，默认 60 分钟；超出须考务办公室）", path = "/api/proctor/candidates/{ticket}/extra-time", tag = "proctor", security(("cookie" = [])), params(("ticket" = String, Path, description = "准考证号")),
    request_body = ExtraTime,
    responses(
        (status = 200, description = "已延长", body = Done),
        (status = 409, description = "考生不在考试中", body = crate::web::openapi::ErrorBody)))]
async fn extra_time(
    State(state): State<AppState>,
    p: Proctor,
    Path(ticket): Path<String>,
    Body(r): Body<ExtraTime>,
) -> ApiResult<Json<Done>> {
    state.exam.grant_extra_time(&p.0, &ticket, r.minutes, &r.reason).await?;
    Ok(Json(Done { ok: true, changed: 1 }))
}

#[utoipa::path(
    post, summary = "允许考生更换机位", description = "允许考生更换机位", path = "/api/proctor/candidates/{ticket}/allow-move", tag = "proctor", security(("cookie" = [])), params(("ticket" = String, Path, description = "准考证号")),
    request_body = Reason,
    responses(
        (status = 200, description = "已允许", body = Done),
        (status = 409, description = "考生已交卷", body = crate::web::openapi::ErrorBody)))]
async fn allow_move(
    State(state): State<AppState>,
    p: Proctor,
    Path(ticket): Path<String>,
    Body(r): Body<Reason>,
) -> ApiResult<Json<Done>> {
    state.exam.allow_move(&p.0, &ticket, &r.reason).await?;
    Ok(Json(Done { ok: true, changed: 1 }))
}

#[utoipa::path(
    post, summary = "记录考场事件", description = "记录考场事件", path = "/api/proctor/events/{event}/rooms/{room}/incidents", tag = "proctor", security(("cookie" = [])), params(("event" = i64, Path, description = "考试编号"), ("room" = String, Path, description = "考场")),
    request_body = Incident, responses((status = 200, description = "已记录", body = Done)))]
async fn incident(
    State(state): State<AppState>,
    p: Proctor,
    Path((event, room)): Path<(i64, String)>,
    Body(r): Body<Incident>,
) -> ApiResult<Json<Done>> {
    state
        .exam
        .record_incident(&p.0, event, &room, r.ticket.as_deref(), &r.reason)
        .await?;
    Ok(Json(Done { ok: true, changed: 0 }))
}

#[derive(Debug, Serialize, ToSchema)]
struct LogEntry {
    ticket: Option<String>,
    actor: String,
    action: String,
    reason: String,
    at_ms: i64,
}

#[utoipa::path(
    get, summary = "考场记录", description = "考场记录", path = "/api/proctor/events/{event}/rooms/{room}/log", tag = "proctor", security(("cookie" = [])), params(("event" = i64, Path, description = "考试编号"), ("room" = String, Path, description = "考场")),
    responses((status = 200, description = "考场记录（时间顺序）", body = Vec<LogEntry>)))]
async fn log(
    State(state): State<AppState>,
    p: Proctor,
    Path((event, room)): Path<(i64, String)>,
) -> ApiResult<Json<Vec<LogEntry>>> {
    let out = state
        .exam
        .room_log(&p.0, event, &room)
        .await?
        .into_iter()
        .map(|l| LogEntry {
            ticket: l.ticket,
            actor: l.actor,
            action: l.action,
            reason: l.reason,
            at_ms: l.at_ms,
        })
        .collect();
    Ok(Json(out))
}

/// Unlocks a candidate's login after too many wrong passwords (from any workstation): the
/// proctor of the candidate's room, or the office. Logged in the room's record and the audit log.
#[utoipa::path(
    post, summary = "解除考生因多次输错密码而被锁定的登录（记入考场记录与审计记录）", description = "解除考生因多次输错密码而被锁定的登录（记入考场记录与审计记录）", path = "/api/proctor/candidates/{ticket}/unlock", tag = "proctor", security(("cookie" = [])), params(("ticket" = String, Path, description = "准考证号")),
    request_body = Reason, responses((status = 200, description = "已解锁（changed：1 表示此前确有锁定）", body = Done)))]
async fn unlock(
    State(state): State<AppState>,
    p: Proctor,
    Path(ticket): Path<String>,
    Body(r): Body<Reason>,
) -> ApiResult<Json<Done>> {
    let lifted = state.exam.unlock_candidate(&p.0, &ticket, &r.reason).await?;
    Ok(Json(Done {
        ok: true,
        changed: usize::from(lifted),
    }))
}
