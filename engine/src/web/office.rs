//! The exam office's API: events, rosters, sittings and their save history.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use question_bank::{Bank, Blueprint};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::AppState;
use super::error::{ApiError, ApiResult, Body};
use super::session::Office;
use crate::office::{EventSpec, IssuedPassword, create_event, import_roster};
use crate::sitting::MultiPolicy;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/office/events", get(list_events).post(new_event))
        .route("/api/office/events/{id}/roster", post(roster))
        .route("/api/office/events/{id}/sittings", get(sittings))
        .route("/api/office/candidates/{ticket}/save-log", get(save_log))
}

#[derive(Debug, Deserialize)]
pub struct NewEventRequest {
    pub name: String,
    /// RFC 3339, e.g. "2026-12-06T09:00:00+08:00".
    pub starts_at: String,
    pub rooms: Vec<String>,
    /// A bank folder on the server, or "demo" for the built-in demo bank.
    pub bank: String,
    /// Number of fixed forms; absent: every candidate their own paper.
    pub forms: Option<u32>,
    pub seed: Option<u64>,
    #[serde(default)]
    pub multi_policy: Option<String>,
    /// Whole points of 150; default 90.
    pub pass_mark: Option<i64>,
}

#[derive(Debug, Serialize)]
struct Created {
    id: i64,
}

pub fn load_bank(spec: &str) -> Result<Bank, ApiError> {
    if spec == "demo" {
        return Ok(crate::demo::bank());
    }
    Bank::load(std::path::Path::new(spec)).map_err(|e| ApiError::Unprocessable(format!("题库 {spec} 无法使用：{e}")))
}

async fn new_event(State(state): State<AppState>, _o: Office, Body(req): Body<NewEventRequest>) -> ApiResult<Json<Created>> {
    let starts = OffsetDateTime::parse(&req.starts_at, &Rfc3339)
        .map_err(|e| ApiError::Unprocessable(format!("开考时间 starts_at“{}”格式有误（应如 2026-12-06T09:00:00+08:00）：{e}", req.starts_at)))?;
    let multi_policy = match req.multi_policy.as_deref() {
        None => MultiPolicy::Exact,
        Some(p) => MultiPolicy::parse(p).ok_or_else(|| ApiError::Unprocessable(format!("多选题计分规则“{p}”无效，应为 exact 或 partial")))?,
    };
    if req.rooms.is_empty() || req.rooms.iter().any(|r| r.trim().is_empty()) {
        return Err(ApiError::Unprocessable("请至少填写一个考场，考场名称不能为空".into()));
    }
    let bank_spec = req.bank.clone();
    let bank = tokio::task::spawn_blocking(move || load_bank(&bank_spec)).await.map_err(|e| ApiError::Internal(e.to_string()))??;
    let spec = EventSpec {
        name: req.name,
        starts_at_ms: (starts.unix_timestamp_nanos() / 1_000_000) as i64,
        rooms: req.rooms.iter().map(|r| r.trim().to_string()).collect(),
        forms: req.forms,
        seed: req.seed.unwrap_or_else(|| state.exam.now() as u64),
        multi_policy,
        pass_mark: req.pass_mark.unwrap_or(90),
    };
    let id = create_event(&state.exam.store, &bank, &Blueprint::cmq_2010(), &spec, state.exam.now()).await?;
    Ok(Json(Created { id }))
}

#[derive(Debug, Serialize)]
struct EventSummary {
    id: i64,
    name: String,
    starts_at_ms: i64,
    bank_id: String,
    bank_hash: String,
    forms: Option<u32>,
    multi_policy: &'static str,
    candidates: i64,
}

async fn list_events(State(state): State<AppState>, _o: Office) -> ApiResult<Json<Vec<EventSummary>>> {
    let mut out = Vec::new();
    for e in state.exam.store.events().await? {
        out.push(EventSummary {
            candidates: state.exam.store.roster_size(e.id).await?,
            id: e.id,
            name: e.name,
            starts_at_ms: e.starts_at_ms,
            bank_id: e.bank_id,
            bank_hash: e.bank_hash,
            forms: e.forms,
            multi_policy: e.multi_policy.as_str(),
        });
    }
    Ok(Json(out))
}

#[derive(Debug, Serialize)]
struct Imported {
    imported: usize,
    /// Issued once, here: print and hand out; only hashes are kept.
    passwords: Vec<IssuedPassword>,
}

/// The roster as CSV in the request body (姓名,姓名拼音,身份证号,准考证号,考场,座位).
async fn roster(State(state): State<AppState>, _o: Office, Path(id): Path<i64>, body: String) -> ApiResult<Json<Imported>> {
    let passwords = import_roster(&state.exam.store, id, &body).await?;
    Ok(Json(Imported { imported: passwords.len(), passwords }))
}

#[derive(Debug, Serialize)]
struct SittingSummary {
    ticket: String,
    name: String,
    room: String,
    seat: String,
    state: crate::sitting::SittingState,
    objective_score: Option<question_bank::Points>,
    submitted_by: Option<String>,
}

async fn sittings(State(state): State<AppState>, _o: Office, Path(id): Path<i64>) -> ApiResult<Json<Vec<SittingSummary>>> {
    let store = &state.exam.store;
    let now = state.exam.now();
    let mut out = Vec::new();
    for (room, _) in store.event_rooms(id).await? {
        for seat in store.room_seats(id, &room, now).await? {
            out.push(SittingSummary {
                ticket: seat.ticket,
                name: seat.name,
                room: room.clone(),
                seat: seat.seat,
                state: seat.sitting.state,
                objective_score: seat.sitting.objective_score.map(question_bank::Points::from_hundredths),
                submitted_by: seat.sitting.submitted_by,
            });
        }
    }
    Ok(Json(out))
}

#[derive(Debug, Serialize)]
struct LoggedSave {
    seq: i64,
    slot: String,
    value: String,
    received_ms: i64,
    outcome: String,
}

/// Every save a candidate's browser sent, in order, with server time: for appeals.
async fn save_log(State(state): State<AppState>, _o: Office, Path(ticket): Path<String>) -> ApiResult<Json<Vec<LoggedSave>>> {
    let c = state.exam.store.candidate_by_ticket(&ticket).await?.ok_or_else(|| ApiError::NotFound(format!("准考证号“{ticket}”不存在")))?;
    let log = state.exam.store.save_log(c.id).await?;
    Ok(Json(log.into_iter().map(|(seq, slot, value, received_ms, outcome)| LoggedSave { seq, slot, value, received_ms, outcome }).collect()))
}
