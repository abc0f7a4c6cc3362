//! The proctor's API: the room console and everything a proctor does to a room or a sitting.
//! Each action needs a reason and is logged with who, when and why.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ApiResult, Body, Path};
use super::session::Proctor;
use crate::store::{CandidateRow, ProctorEntry, UnlockRecord};
use exam_rules::Refusal;
use exam_rules::sitting::hold::Hold;
use exam_rules::sitting::{self as rules, SittingState};
use exam_rules::timer::Timer;

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
    let assigned = match p.0.role.as_str() {
        "office" => None,
        _ => Some(state.exam.store.proctor_rooms(p.0.subject_id).await?),
    };
    let mut out = Vec::new();
    for e in state.exam.store.events().await? {
        let rooms: Vec<RoomSummary> = state
            .exam
            .store
            .event_rooms(e.id)
            .await?
            .into_iter()
            .filter(|(room, _)| {
                assigned
                    .as_ref()
                    .is_none_or(|a| a.iter().any(|(ev, r)| *ev == e.id && r == room))
            })
            .map(|(room, opened_ms)| RoomSummary { room, opened_ms })
            .collect();
        if rooms.is_empty() {
            continue;
        }
        out.push(EventRooms {
            id: e.id,
            name: e.name,
            starts_at_ms: e.starts_at_ms,
            rooms,
        });
    }
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
}

#[derive(Debug, Serialize, ToSchema)]
struct RoomView {
    event_id: i64,
    room: String,
    opened_ms: Option<i64>,
    server_now_ms: i64,
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
    let now = state.exam.now();
    let opened_ms = known_room(&state, event, &room).await?;
    may_act(&state, &p, event, &room).await?;
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

/// Refuses a proctor who is not assigned to the room (the office may act in every room).
async fn may_act(state: &AppState, p: &Proctor, event: i64, room: &str) -> ApiResult<()> {
    if p.0.role == "office" || state.exam.store.proctors_room(p.0.subject_id, event, room).await? {
        return Ok(());
    }
    Err(ApiError::Forbidden(format!(
        "您未被分配监考考试 {event} 的考场“{room}”，不能查看或操作该考场；如有需要请联系考务办公室"
    )))
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

#[utoipa::path(
    post, summary = "开考", description = "开考", path = "/api/proctor/events/{event}/rooms/{room}/open", tag = "proctor", security(("cookie" = [])), params(("event" = i64, Path, description = "考试编号"), ("room" = String, Path, description = "考场")),
    responses(
        (status = 200, description = "已开考", body = Done),
        (status = 409, description = "已经开考，或考试尚未发布", body = crate::web::openapi::ErrorBody)))]
async fn open_room(
    State(state): State<AppState>,
    p: Proctor,
    Path((event, room)): Path<(i64, String)>,
) -> ApiResult<Json<Done>> {
    let opened = known_room(&state, event, &room).await?;
    may_act(&state, &p, event, &room).await?;
    let published = state.exam.event(event).await?.row.published;
    rules::open_room::open_room(&room, opened.is_some(), published)?;
    let actor = actor(&p);
    let entry = ProctorEntry {
        event_id: event,
        room: &room,
        candidate_id: None,
        actor: &actor,
        action: "open_room",
        reason: "开考",
        at_ms: state.exam.now(),
    };
    if !state.exam.store.open_room(&entry).await? {
        // Opened meanwhile (another proctor, another node).
        return Err(Refusal::RoomAlreadyOpen { room }.into());
    }
    Ok(Json(Done { ok: true, changed: 1 }))
}

async fn change_room(
    state: &AppState,
    p: &Proctor,
    event: i64,
    room: &str,
    why: &str,
    hold: Hold,
) -> ApiResult<Json<Done>> {
    let why = reason(why)?;
    known_room(state, event, room).await?;
    may_act(state, p, event, room).await?;
    let now = state.exam.now();
    let ids = state.exam.store.room_candidates(event, room).await?;
    let actor = actor(p);
    let entry = ProctorEntry {
        event_id: event,
        room,
        candidate_id: None,
        actor: &actor,
        action: hold.action(true),
        reason: why,
        at_ms: now,
    };
    let change = |t: &mut Timer| {
        hold.apply(t, now);
        true
    };
    let changed = state
        .exam
        .store
        .change_timers_logged(&ids, now, hold.from(), Some(hold.to()), change, &entry, true)
        .await?;
    Ok(Json(Done { ok: true, changed }))
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
    change_room(&state, &p, event, &room, &r.reason, Hold::Pause).await
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
    change_room(&state, &p, event, &room, &r.reason, Hold::Resume).await
}

/// A candidate the caller may act on: of a room the proctor is assigned to (or any, for the office).
async fn candidate_in_my_room(state: &AppState, p: &Proctor, ticket: &str) -> ApiResult<CandidateRow> {
    let c = candidate(state, ticket).await?;
    may_act(state, p, c.event_id, &c.room).await?;
    Ok(c)
}

/// A log entry about one candidate, in their room.
fn candidate_entry<'a>(
    c: &'a CandidateRow,
    actor: &'a str,
    action: &'a str,
    reason: &'a str,
    at_ms: i64,
) -> ProctorEntry<'a> {
    ProctorEntry {
        event_id: c.event_id,
        room: &c.room,
        candidate_id: Some(c.id),
        actor,
        action,
        reason,
        at_ms,
    }
}

async fn candidate(state: &AppState, ticket: &str) -> ApiResult<CandidateRow> {
    state
        .exam
        .store
        .candidate_by_ticket(ticket)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("准考证号“{ticket}”不存在")))
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
    candidate_action(&state, &p, &ticket, &r.reason, Hold::Pause).await
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
    candidate_action(&state, &p, &ticket, &r.reason, Hold::Resume).await
}

async fn candidate_action(state: &AppState, p: &Proctor, ticket: &str, why: &str, hold: Hold) -> ApiResult<Json<Done>> {
    let why = reason(why)?;
    let c = candidate_in_my_room(state, p, ticket).await?;
    let now = state.exam.now();
    let actor = actor(p);
    let entry = candidate_entry(&c, &actor, hold.action(false), why, now);
    let change = |t: &mut Timer| {
        hold.apply(t, now);
        true
    };
    let changed = state
        .exam
        .store
        .change_timers_logged(&[c.id], now, hold.from(), Some(hold.to()), change, &entry, false)
        .await?;
    if changed == 0 {
        return Err(hold.refusal(ticket).into());
    }
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
    let why = reason(&r.reason)?;
    // Proctors grant up to a cap per sitting in all (a setting, default 60 minutes); beyond it
    // only the exam office.
    let cap_minutes = if p.0.role == "office" {
        None
    } else {
        Some(proctor_extra_cap_minutes(&state).await?)
    };
    let grant = rules::extra_time::extra_time(r.minutes, cap_minutes)?;
    let c = candidate_in_my_room(&state, &p, &ticket).await?;
    let now = state.exam.now();
    let actor = actor(&p);
    let action = format!("extra_time:{}", r.minutes);
    let entry = candidate_entry(&c, &actor, &action, why, now);
    let changed = state
        .exam
        .store
        .change_timers_logged(
            &[c.id],
            now,
            rules::extra_time::FROM,
            None,
            |t| grant.apply(t),
            &entry,
            false,
        )
        .await?;
    if changed == 0 {
        let sitting = state.exam.store.sitting(c.id).await?;
        let granted = sitting.and_then(|s| s.timer).map_or(0, |t| t.extra_ms);
        return Err(grant.refusal(&ticket, granted).into());
    }
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
    let why = reason(&r.reason)?;
    let c = candidate_in_my_room(&state, &p, &ticket).await?;
    let actor = actor(&p);
    let entry = candidate_entry(&c, &actor, "allow_move", why, state.exam.now());
    if !state.exam.store.allow_move(c.id, &entry).await? {
        // The store moves any sitting not handed in; this one was.
        return Err(Refusal::MoveAfterSubmit { ticket }.into());
    }
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
    let why = reason(&r.reason)?;
    known_room(&state, event, &room).await?;
    may_act(&state, &p, event, &room).await?;
    let candidate_id = match &r.ticket {
        Some(t) if !t.trim().is_empty() => Some(candidate(&state, t.trim()).await?.id),
        _ => None,
    };
    let actor = actor(&p);
    state
        .exam
        .store
        .log_proctor_action(&ProctorEntry {
            event_id: event,
            room: &room,
            candidate_id,
            actor: &actor,
            action: "incident",
            reason: why,
            at_ms: state.exam.now(),
        })
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
    known_room(&state, event, &room).await?;
    may_act(&state, &p, event, &room).await?;
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

/// The setting `proctor_extra_minutes_cap`: how much extra time a proctor may grant one sitting
/// in all (default 60 minutes).
async fn proctor_extra_cap_minutes(state: &AppState) -> ApiResult<i64> {
    let value = state
        .exam
        .store
        .setting_or_init(PROCTOR_EXTRA_CAP_SETTING, || "60".into())
        .await?;
    value
        .parse()
        .map_err(|_| ApiError::Internal(format!("setting {PROCTOR_EXTRA_CAP_SETTING} is not a number: {value}")))
}

pub const PROCTOR_EXTRA_CAP_SETTING: &str = "proctor_extra_minutes_cap";

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
    let why = reason(&r.reason)?;
    let c = candidate_in_my_room(&state, &p, &ticket).await?;
    let actor = actor(&p);
    let now = state.exam.now();
    let entry = candidate_entry(&c, &actor, "unlock_login", why, now);
    let record = UnlockRecord {
        event_id: c.event_id,
        actor: &actor,
        subject: &ticket,
        reason: why,
        at_ms: now,
        room_log: Some(&entry),
    };
    let forgotten = state
        .exam
        .store
        .unlock_account(&super::session::candidate_login_key(&ticket), &record)
        .await?;
    Ok(Json(Done {
        ok: true,
        changed: usize::from(forgotten > 0),
    }))
}
