//! The proctor's API: the room console and everything a proctor does to a room or a sitting.
//! Each action needs a reason and is logged with who, when and why.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::{ApiError, ApiResult, Body};
use super::session::Proctor;
use crate::sitting::SittingState;
use crate::store::CandidateRow;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/proctor/events", get(events))
        .route("/api/proctor/events/{event}/rooms/{room}", get(room))
        .route("/api/proctor/events/{event}/rooms/{room}/open", post(open_room))
        .route("/api/proctor/events/{event}/rooms/{room}/pause", post(pause_room))
        .route("/api/proctor/events/{event}/rooms/{room}/resume", post(resume_room))
        .route("/api/proctor/events/{event}/rooms/{room}/incidents", post(incident))
        .route("/api/proctor/events/{event}/rooms/{room}/log", get(log))
        .route("/api/proctor/candidates/{ticket}/pause", post(pause_candidate))
        .route("/api/proctor/candidates/{ticket}/resume", post(resume_candidate))
        .route("/api/proctor/candidates/{ticket}/extra-time", post(extra_time))
        .route("/api/proctor/candidates/{ticket}/allow-move", post(allow_move))
}

#[derive(Debug, Serialize)]
struct EventRooms {
    id: i64,
    name: String,
    starts_at_ms: i64,
    rooms: Vec<RoomSummary>,
}

#[derive(Debug, Serialize)]
struct RoomSummary {
    room: String,
    opened_ms: Option<i64>,
}

async fn events(State(state): State<AppState>, _p: Proctor) -> ApiResult<Json<Vec<EventRooms>>> {
    let mut out = Vec::new();
    for e in state.exam.store.events().await? {
        let rooms = state
            .exam
            .store
            .event_rooms(e.id)
            .await?
            .into_iter()
            .map(|(room, opened_ms)| RoomSummary { room, opened_ms })
            .collect();
        out.push(EventRooms {
            id: e.id,
            name: e.name,
            starts_at_ms: e.starts_at_ms,
            rooms,
        });
    }
    Ok(Json(out))
}

#[derive(Debug, Serialize)]
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
}

#[derive(Debug, Serialize)]
struct RoomView {
    event_id: i64,
    room: String,
    opened_ms: Option<i64>,
    server_now_ms: i64,
    seats: Vec<Seat>,
}

async fn room(
    State(state): State<AppState>,
    _p: Proctor,
    Path((event, room)): Path<(i64, String)>,
) -> ApiResult<Json<RoomView>> {
    let now = state.exam.now();
    let opened_ms = known_room(&state, event, &room).await?;
    let seats = state
        .exam
        .store
        .room_seats(event, &room, now)
        .await?
        .into_iter()
        .map(|s| {
            let (code, name) = match s.sitting.state {
                SittingState::NotStarted if !s.logged_in => ("not_logged_in", "未登录"),
                SittingState::NotStarted => ("waiting", "等待开考"),
                SittingState::InProgress => ("in_progress", "答题中"),
                SittingState::Paused => ("paused", "已暂停"),
                SittingState::Submitted => ("submitted", "已交卷"),
            };
            Seat {
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
        opened_ms,
        server_now_ms: now,
        seats,
    }))
}

/// The room's opening time; 404 if the event has no such room.
async fn known_room(state: &AppState, event: i64, room: &str) -> ApiResult<Option<i64>> {
    let rooms = state.exam.store.event_rooms(event).await?;
    rooms
        .into_iter()
        .find(|(r, _)| r == room)
        .map(|(_, opened)| opened)
        .ok_or_else(|| ApiError::NotFound(format!("考试 {event} 没有考场“{room}”")))
}

#[derive(Debug, Deserialize)]
pub struct Reason {
    pub reason: String,
}

#[derive(Debug, Deserialize)]
pub struct ExtraTime {
    pub minutes: i64,
    pub reason: String,
}

#[derive(Debug, Deserialize)]
pub struct Incident {
    /// The candidate concerned, if any.
    pub ticket: Option<String>,
    pub reason: String,
}

#[derive(Debug, Serialize)]
struct Done {
    ok: bool,
    /// How many sittings the action changed.
    changed: usize,
}

fn reason(text: &str) -> ApiResult<&str> {
    let t = text.trim();
    if t.is_empty() {
        return Err(ApiError::Unprocessable("请填写原因（将记入考场记录）".into()));
    }
    if t.chars().count() > 500 {
        return Err(ApiError::Unprocessable("原因过长（最多 500 字）".into()));
    }
    Ok(t)
}

fn actor(p: &Proctor) -> String {
    format!("{}#{}", p.0.role, p.0.subject_id)
}

async fn open_room(
    State(state): State<AppState>,
    p: Proctor,
    Path((event, room)): Path<(i64, String)>,
) -> ApiResult<Json<Done>> {
    if known_room(&state, event, &room).await?.is_some() {
        return Err(ApiError::Conflict(format!("考场“{room}”已经开考")));
    }
    if !state.exam.event(event).await?.row.published {
        return Err(ApiError::Conflict(
            "考试尚未发布（草稿），不能开考：请考务办公室先发布考试".into(),
        ));
    }
    let now = state.exam.now();
    state.exam.store.open_room(event, &room, now).await?;
    state
        .exam
        .store
        .log_proctor_action(event, &room, None, &actor(&p), "open_room", "开考", now)
        .await?;
    Ok(Json(Done { ok: true, changed: 1 }))
}

async fn change_room(
    state: &AppState,
    p: &Proctor,
    event: i64,
    room: &str,
    why: &str,
    pause: bool,
) -> ApiResult<Json<Done>> {
    let why = reason(why)?;
    known_room(state, event, room).await?;
    let now = state.exam.now();
    let mut changed = 0;
    for id in state.exam.store.room_candidates(event, room).await? {
        if change_sitting(state, id, pause, now).await? {
            changed += 1;
        }
    }
    let action = if pause { "pause_room" } else { "resume_room" };
    state
        .exam
        .store
        .log_proctor_action(event, room, None, &actor(p), action, why, now)
        .await?;
    Ok(Json(Done { ok: true, changed }))
}

async fn change_sitting(state: &AppState, candidate_id: i64, pause: bool, now: i64) -> ApiResult<bool> {
    let store = &state.exam.store;
    Ok(if pause {
        store
            .change_timer(
                candidate_id,
                now,
                &[SittingState::InProgress],
                Some(SittingState::Paused),
                |t| t.pause(now),
            )
            .await?
    } else {
        store
            .change_timer(
                candidate_id,
                now,
                &[SittingState::Paused],
                Some(SittingState::InProgress),
                |t| t.resume(now),
            )
            .await?
    })
}

async fn pause_room(
    State(state): State<AppState>,
    p: Proctor,
    Path((event, room)): Path<(i64, String)>,
    Body(r): Body<Reason>,
) -> ApiResult<Json<Done>> {
    change_room(&state, &p, event, &room, &r.reason, true).await
}

async fn resume_room(
    State(state): State<AppState>,
    p: Proctor,
    Path((event, room)): Path<(i64, String)>,
    Body(r): Body<Reason>,
) -> ApiResult<Json<Done>> {
    change_room(&state, &p, event, &room, &r.reason, false).await
}

async fn candidate(state: &AppState, ticket: &str) -> ApiResult<CandidateRow> {
    state
        .exam
        .store
        .candidate_by_ticket(ticket)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("准考证号“{ticket}”不存在")))
}

async fn pause_candidate(
    State(state): State<AppState>,
    p: Proctor,
    Path(ticket): Path<String>,
    Body(r): Body<Reason>,
) -> ApiResult<Json<Done>> {
    candidate_action(&state, &p, &ticket, &r.reason, "pause").await
}

async fn resume_candidate(
    State(state): State<AppState>,
    p: Proctor,
    Path(ticket): Path<String>,
    Body(r): Body<Reason>,
) -> ApiResult<Json<Done>> {
    candidate_action(&state, &p, &ticket, &r.reason, "resume").await
}

async fn candidate_action(
    state: &AppState,
    p: &Proctor,
    ticket: &str,
    why: &str,
    action: &str,
) -> ApiResult<Json<Done>> {
    let why = reason(why)?;
    let c = candidate(state, ticket).await?;
    let now = state.exam.now();
    if !change_sitting(state, c.id, action == "pause", now).await? {
        let wanted = if action == "pause" { "答题中" } else { "已暂停" };
        return Err(ApiError::Conflict(format!(
            "考生 {ticket} 当前不是“{wanted}”状态，无法{}",
            if action == "pause" { "暂停" } else { "恢复" }
        )));
    }
    state
        .exam
        .store
        .log_proctor_action(c.event_id, &c.room, Some(c.id), &actor(p), action, why, now)
        .await?;
    Ok(Json(Done { ok: true, changed: 1 }))
}

async fn extra_time(
    State(state): State<AppState>,
    p: Proctor,
    Path(ticket): Path<String>,
    Body(r): Body<ExtraTime>,
) -> ApiResult<Json<Done>> {
    let why = reason(&r.reason)?;
    if !(1..=180).contains(&r.minutes) {
        return Err(ApiError::Unprocessable(format!(
            "延长时间应为 1–180 分钟（收到 {}）",
            r.minutes
        )));
    }
    let c = candidate(&state, &ticket).await?;
    let now = state.exam.now();
    let ms = r.minutes * 60_000;
    let changed = state
        .exam
        .store
        .change_timer(
            c.id,
            now,
            &[SittingState::InProgress, SittingState::Paused],
            None,
            |t| t.grant_extra(ms),
        )
        .await?;
    if !changed {
        return Err(ApiError::Conflict(format!(
            "考生 {ticket} 不在考试中（未开始、已交卷或时间已到），无法延长时间"
        )));
    }
    state
        .exam
        .store
        .log_proctor_action(
            c.event_id,
            &c.room,
            Some(c.id),
            &actor(&p),
            &format!("extra_time:{}", r.minutes),
            why,
            now,
        )
        .await?;
    Ok(Json(Done { ok: true, changed: 1 }))
}

async fn allow_move(
    State(state): State<AppState>,
    p: Proctor,
    Path(ticket): Path<String>,
    Body(r): Body<Reason>,
) -> ApiResult<Json<Done>> {
    let why = reason(&r.reason)?;
    let c = candidate(&state, &ticket).await?;
    if !state.exam.store.allow_move(c.id).await? {
        return Err(ApiError::Conflict(format!("考生 {ticket} 已交卷，无需更换机位")));
    }
    state
        .exam
        .store
        .log_proctor_action(
            c.event_id,
            &c.room,
            Some(c.id),
            &actor(&p),
            "allow_move",
            why,
            state.exam.now(),
        )
        .await?;
    Ok(Json(Done { ok: true, changed: 1 }))
}

async fn incident(
    State(state): State<AppState>,
    p: Proctor,
    Path((event, room)): Path<(i64, String)>,
    Body(r): Body<Incident>,
) -> ApiResult<Json<Done>> {
    let why = reason(&r.reason)?;
    known_room(&state, event, &room).await?;
    let candidate_id = match &r.ticket {
        Some(t) if !t.trim().is_empty() => Some(candidate(&state, t.trim()).await?.id),
        _ => None,
    };
    state
        .exam
        .store
        .log_proctor_action(
            event,
            &room,
            candidate_id,
            &actor(&p),
            "incident",
            why,
            state.exam.now(),
        )
        .await?;
    Ok(Json(Done { ok: true, changed: 0 }))
}

#[derive(Debug, Serialize)]
struct LogEntry {
    ticket: Option<String>,
    actor: String,
    action: String,
    reason: String,
    at_ms: i64,
}

async fn log(
    State(state): State<AppState>,
    _p: Proctor,
    Path((event, room)): Path<(i64, String)>,
) -> ApiResult<Json<Vec<LogEntry>>> {
    known_room(&state, event, &room).await?;
    let mut out = Vec::new();
    for (cid, actor, action, reason, at_ms) in state.exam.store.proctor_log(event, &room).await? {
        let ticket = match cid {
            Some(id) => state.exam.store.candidate(id).await?.map(|c| c.ticket),
            None => None,
        };
        out.push(LogEntry {
            ticket,
            actor,
            action,
            reason,
            at_ms,
        });
    }
    Ok(Json(out))
}
