//! The exam office's API: events, rosters, sittings and their save history.

use axum::Json;
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use question_bank::{Bank, Blueprint, Points};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ApiResult, Body, Path};
use super::openapi::{ErrorBody, OkBody};
use super::session::Office;
use crate::office::{EventSpec, IssuedPassword, create_event, import_roster};
use crate::results::CandidateResult;
use exam_rules::release::{Progress, may_release};
use exam_rules::scoring::MultiPolicy;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(list_events, new_event))
        .routes(routes!(roster).layer(axum::extract::DefaultBodyLimit::max(super::guard::ROSTER_BODY_LIMIT)))
        .routes(routes!(publish))
        .routes(routes!(sittings))
        .routes(routes!(save_log))
        .routes(routes!(assign))
        .routes(routes!(proctors, assign_proctor))
        .routes(routes!(unlock_staff))
        .routes(routes!(marking_policy))
        .routes(routes!(results))
        .routes(routes!(results_csv))
        .routes(routes!(results_xlsx))
        .routes(routes!(release))
        .routes(routes!(appeal))
        .routes(routes!(audit))
        .routes(routes!(key_correction))
        .routes(routes!(analysis))
        .routes(routes!(analysis_csv))
}

#[derive(Debug, Deserialize, ToSchema)]
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
    /// Optional minimum of the objective part (whole points of 90) to pass.
    pub min_objective: Option<i64>,
    /// Optional minimum of the open part (whole points of 60) to pass.
    pub min_open: Option<i64>,
    /// Create as a draft: the items are frozen when it is published (`/publish`).
    #[serde(default)]
    pub draft: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    /// The draft's bank: a bank folder on the server, or "demo".
    pub bank: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct Published {
    id: i64,
    frozen_items: usize,
}

#[utoipa::path(
    post, summary = "发布草稿考试（冻结题目）", description = "发布草稿考试（冻结题目）", path = "/api/office/events/{id}/publish", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")), request_body = PublishRequest,
    responses((status = 200, description = "已发布", body = Published)))]
async fn publish(
    State(state): State<AppState>,
    o: Office,
    Path(id): Path<i64>,
    Body(req): Body<PublishRequest>,
) -> ApiResult<Json<Published>> {
    let bank = tokio::task::spawn_blocking(move || load_bank(&req.bank))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    let actor = format!("office#{}", o.0.subject_id);
    let frozen = crate::office::publish_event(&state.exam.store, id, &bank, &actor, state.exam.now()).await?;
    Ok(Json(Published {
        id,
        frozen_items: frozen,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
struct Created {
    id: i64,
}

pub fn load_bank(spec: &str) -> Result<Bank, ApiError> {
    crate::demo::bank_or_folder(spec).map_err(|e| ApiError::Unprocessable(format!("题库 {spec} 无法使用：{e}")))
}

#[utoipa::path(
    post, summary = "创建考试（发布时冻结题库中的题目；draft 为草稿）", description = "创建考试（发布时冻结题库中的题目；draft 为草稿）", path = "/api/office/events", tag = "office", security(("cookie" = [])), request_body = NewEventRequest,
    responses((status = 200, description = "已创建", body = Created)))]
async fn new_event(
    State(state): State<AppState>,
    _o: Office,
    Body(req): Body<NewEventRequest>,
) -> ApiResult<Json<Created>> {
    let starts = OffsetDateTime::parse(&req.starts_at, &Rfc3339).map_err(|e| {
        ApiError::Unprocessable(format!(
            "开考时间 starts_at“{}”格式有误（应如 2026-12-06T09:00:00+08:00）：{e}",
            req.starts_at
        ))
    })?;
    let multi_policy = match req.multi_policy.as_deref() {
        None => MultiPolicy::Exact,
        Some(p) => MultiPolicy::parse(p)
            .ok_or_else(|| ApiError::Unprocessable(format!("多选题计分规则“{p}”无效，应为 exact 或 partial")))?,
    };
    if req.rooms.is_empty() || req.rooms.iter().any(|r| r.trim().is_empty()) {
        return Err(ApiError::Unprocessable("请至少填写一个考场，考场名称不能为空".into()));
    }
    let bank_spec = req.bank.clone();
    let bank = tokio::task::spawn_blocking(move || load_bank(&bank_spec))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    let spec = EventSpec {
        name: req.name,
        starts_at_ms: (starts.unix_timestamp_nanos() / 1_000_000) as i64,
        rooms: req.rooms.iter().map(|r| r.trim().to_string()).collect(),
        forms: req.forms,
        seed: req.seed.unwrap_or_else(crate::auth::random_seed),
        multi_policy,
        pass_mark: req.pass_mark.unwrap_or(90),
        min_objective: req.min_objective,
        min_open: req.min_open,
        draft: req.draft,
    };
    let id = create_event(
        &state.exam.store,
        &bank,
        &Blueprint::cmq_2010(),
        &spec,
        state.exam.now(),
    )
    .await?;
    Ok(Json(Created { id }))
}

#[derive(Debug, Serialize, ToSchema)]
struct EventSummary {
    id: i64,
    name: String,
    starts_at_ms: i64,
    bank_id: String,
    bank_hash: String,
    forms: Option<u32>,
    multi_policy: &'static str,
    candidates: i64,
    published: bool,
}

#[utoipa::path(
    get, summary = "考试列表", description = "考试列表", path = "/api/office/events", tag = "office", security(("cookie" = [])),
    responses((status = 200, description = "全部考试", body = Vec<EventSummary>)))]
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
            published: e.published,
        });
    }
    Ok(Json(out))
}

#[derive(Debug, Serialize, ToSchema)]
struct Imported {
    imported: usize,
    /// Issued once, here: print and hand out; only hashes are kept.
    passwords: Vec<IssuedPassword>,
}

/// The roster as CSV in the request body (姓名,姓名拼音,身份证号,准考证号,考场,座位).
#[utoipa::path(
    post, summary = "导入考生名单（CSV：姓名,姓名拼音,身份证号,准考证号,考场,座位；UTF-8），签发密码；全部成功或一个不导入", description = "导入考生名单（CSV：姓名,姓名拼音,身份证号,准考证号,考场,座位；UTF-8），签发密码；全部成功或一个不导入", path = "/api/office/events/{id}/roster", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")),
    request_body(content = String, content_type = "text/csv", description = "名单 CSV（首行为表头）"),
    responses((status = 200, description = "已导入，含每位考生的初始密码", body = Imported)))]
async fn roster(
    State(state): State<AppState>,
    _o: Office,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> ApiResult<Json<Imported>> {
    let body = std::str::from_utf8(&body).map_err(|e| {
        ApiError::Unprocessable(format!(
            "名单不是 UTF-8 编码（第 {} 个字节起无法识别）：请在 Excel 中“另存为 CSV UTF-8（逗号分隔）”后再导入",
            e.valid_up_to() + 1
        ))
    })?;
    let passwords = import_roster(&state.exam.store, id, body).await?;
    Ok(Json(Imported {
        imported: passwords.len(),
        passwords,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
struct SittingSummary {
    ticket: String,
    name: String,
    room: String,
    seat: String,
    state: exam_rules::sitting::SittingState,
    objective_score: Option<question_bank::Points>,
    submitted_by: Option<String>,
}

#[utoipa::path(
    get, summary = "考生作答与客观题成绩", description = "考生作答与客观题成绩", path = "/api/office/events/{id}/sittings", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")),
    responses((status = 200, description = "每位考生", body = Vec<SittingSummary>)))]
async fn sittings(
    State(state): State<AppState>,
    _o: Office,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<SittingSummary>>> {
    state.exam.event(id).await?;
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

#[derive(Debug, Serialize, ToSchema)]
struct LoggedSave {
    seq: i64,
    slot: String,
    value: String,
    received_ms: i64,
    outcome: String,
}

/// Every save a candidate's browser sent, in order, with server time: for appeals.
#[utoipa::path(
    get, summary = "考生全部保存记录（申诉复核）", description = "考生全部保存记录（申诉复核）", path = "/api/office/candidates/{ticket}/save-log", tag = "office", security(("cookie" = [])),
    params(("ticket" = String, Path, description = "准考证号")),
    responses((status = 200, description = "保存记录（时间顺序）", body = Vec<LoggedSave>)))]
async fn save_log(
    State(state): State<AppState>,
    _o: Office,
    Path(ticket): Path<String>,
) -> ApiResult<Json<Vec<LoggedSave>>> {
    let c = state
        .exam
        .store
        .candidate_by_ticket(&ticket)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("准考证号“{ticket}”不存在")))?;
    let log = state.exam.store.save_log(c.id).await?;
    Ok(Json(
        log.into_iter()
            .map(|(seq, slot, value, received_ms, outcome)| LoggedSave {
                seq,
                slot,
                value,
                received_ms,
                outcome,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Assignment {
    pub username: String,
    /// The open question's item id in the event's frozen items.
    pub item_id: String,
}

/// Assigns a grader to an open question of the event.
#[utoipa::path(
    post, summary = "分配阅卷人到开放题", description = "分配阅卷人到开放题", path = "/api/office/events/{id}/assignments", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")), request_body = Assignment,
    responses((status = 200, description = "已分配", body = OkBody)))]
async fn assign(
    State(state): State<AppState>,
    _o: Office,
    Path(id): Path<i64>,
    Body(a): Body<Assignment>,
) -> ApiResult<Json<OkBody>> {
    let account = state
        .exam
        .store
        .account_by_username(&a.username)
        .await?
        .ok_or_else(|| ApiError::Unprocessable(format!("用户“{}”不存在", a.username)))?;
    if account.role != "grader" && account.role != "chief" {
        return Err(ApiError::Unprocessable(format!(
            "用户“{}”不是阅卷人员（角色 {}）",
            a.username, account.role
        )));
    }
    let event = state.exam.event(id).await?;
    let is_open = event
        .bank
        .items
        .iter()
        .any(|i| i.id.as_str() == a.item_id && i.kind() == question_bank::ItemKind::Open);
    if !is_open {
        return Err(ApiError::Unprocessable(format!(
            "考试 {id} 中没有开放题“{}”",
            a.item_id
        )));
    }
    state.exam.store.assign_grader(id, &a.item_id, account.id).await?;
    Ok(Json(OkBody::YES))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PolicyRequest {
    /// Two independent marks per answer (default) or one.
    pub double: bool,
    /// Largest difference (points of 20) needing no third marker; default 3.
    pub tolerance: Points,
}

#[utoipa::path(
    post, summary = "阅卷规则：双评与误差阈值", description = "阅卷规则：双评与误差阈值", path = "/api/office/events/{id}/marking-policy", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")), request_body = PolicyRequest,
    responses((status = 200, description = "已设置", body = OkBody)))]
async fn marking_policy(
    State(state): State<AppState>,
    _o: Office,
    Path(id): Path<i64>,
    Body(p): Body<PolicyRequest>,
) -> ApiResult<Json<OkBody>> {
    if p.tolerance < Points::ZERO || p.tolerance > exam_rules::marking::MAX_MARK || !p.tolerance.is_half_step() {
        return Err(ApiError::Unprocessable(format!(
            "误差阈值 {} 应为 0–20 分、以 0.5 分为单位",
            p.tolerance
        )));
    }
    state.exam.event(id).await?;
    state
        .exam
        .store
        .set_marking_policy(
            id,
            &exam_rules::marking::MarkingPolicy {
                double: p.double,
                tolerance: p.tolerance,
            },
        )
        .await?;
    Ok(Json(OkBody::YES))
}

#[derive(Debug, Serialize, ToSchema)]
struct ResultsView {
    candidates: usize,
    complete: usize,
    incomplete: usize,
    absent: usize,
    /// Whether the office may release now (nothing unmarked, in dispute or still sitting).
    releasable: bool,
    released_ms: Option<i64>,
    results: Vec<CandidateResult>,
}

async fn results_view(state: &AppState, id: i64) -> ApiResult<ResultsView> {
    let results = state.exam.results(id).await?;
    let progress = Progress::of(results.iter().map(|r| r.status));
    let released_ms = state.exam.store.event(id).await?.and_then(|e| e.released_ms);
    Ok(ResultsView {
        candidates: results.len(),
        complete: progress.complete,
        incomplete: progress.incomplete,
        absent: progress.absent,
        releasable: may_release(progress).is_ok(),
        released_ms,
        results,
    })
}

#[utoipa::path(
    get, summary = "成绩与完成进度", description = "成绩与完成进度", path = "/api/office/events/{id}/results", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")),
    responses((status = 200, description = "成绩", body = ResultsView)))]
async fn results(State(state): State<AppState>, _o: Office, Path(id): Path<i64>) -> ApiResult<Json<ResultsView>> {
    Ok(Json(results_view(&state, id).await?))
}

#[derive(Debug, Serialize, ToSchema)]
struct Released {
    ok: bool,
    /// 发布的考生成绩数
    released: usize,
}

#[derive(Debug, Serialize, ToSchema)]
struct Unlocked {
    ok: bool,
    /// 清除的失败登录记录数
    forgotten: u64,
}

/// Releases the results; refused while any answer is unmarked or in dispute, or anyone is still sitting.
#[utoipa::path(
    post, summary = "发布成绩（有未评完或争议答卷、或仍有考生在考时拒绝）", description = "发布成绩（有未评完或争议答卷、或仍有考生在考时拒绝）", path = "/api/office/events/{id}/release", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")),
    responses(
        (status = 200, description = "已发布", body = Released),
        (status = 409, description = "成绩尚未全部完成", body = ErrorBody)))]
async fn release(State(state): State<AppState>, o: Office, Path(id): Path<i64>) -> ApiResult<Json<Released>> {
    let view = results_view(&state, id).await?;
    may_release(Progress::of(view.results.iter().map(|r| r.status)))?;
    let rows: Vec<(i64, String)> = view
        .results
        .iter()
        .map(|r| (r.candidate_id, serde_json::to_string(r).expect("result serialises")))
        .collect();
    state
        .exam
        .store
        .release_results(id, &rows, &format!("office#{}", o.0.subject_id), state.exam.now())
        .await?;
    Ok(Json(Released {
        ok: true,
        released: rows.len(),
    }))
}

async fn export_audit(state: &AppState, o: &Office, id: i64, format: &str, rows: usize) -> ApiResult<()> {
    state
        .exam
        .store
        .record_audit(
            id,
            &format!("office#{}", o.0.subject_id),
            "export",
            &format!("event#{id}"),
            "",
            &format!("{format}，{rows} 行"),
            "",
            state.exam.now(),
        )
        .await?;
    Ok(())
}

#[utoipa::path(
    get, summary = "导出成绩（CSV，UTF-8 带 BOM）", description = "导出成绩（CSV，UTF-8 带 BOM）", path = "/api/office/events/{id}/results.csv", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")),
    responses((status = 200, description = "成绩表", content_type = "text/csv", body = String)))]
async fn results_csv(State(state): State<AppState>, o: Office, Path(id): Path<i64>) -> ApiResult<Response> {
    let results = state.exam.results(id).await?;
    let offered = state.exam.event(id).await?.row.blueprint.open.offered;
    export_audit(&state, &o, id, "CSV", results.len()).await?;
    let body = crate::results::to_csv(&results, offered);
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8"),
            (CONTENT_DISPOSITION, "attachment; filename=\"results.csv\""),
        ],
        body,
    )
        .into_response())
}

#[utoipa::path(
    get, summary = "导出成绩（Excel）", description = "导出成绩（Excel）", path = "/api/office/events/{id}/results.xlsx", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")),
    responses((status = 200, description = "成绩表", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>)))]
async fn results_xlsx(State(state): State<AppState>, o: Office, Path(id): Path<i64>) -> ApiResult<Response> {
    let results = state.exam.results(id).await?;
    let offered = state.exam.event(id).await?.row.blueprint.open.offered;
    export_audit(&state, &o, id, "XLSX", results.len()).await?;
    let body = tokio::task::spawn_blocking(move || crate::results::to_xlsx(&results, offered))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((
        [
            (
                CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (CONTENT_DISPOSITION, "attachment; filename=\"results.xlsx\""),
        ],
        body,
    )
        .into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AppealRequest {
    pub ticket: String,
    /// The open question's number on the candidate's paper (1–5).
    pub open_no: i64,
    pub reason: String,
}

/// Re-opens one candidate's open answer for re-marking by a grader who has not marked it.
#[utoipa::path(
    post, summary = "申诉复评：重新评阅某考生的一道开放题", description = "申诉复评：重新评阅某考生的一道开放题", path = "/api/office/events/{id}/appeals", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")), request_body = AppealRequest,
    responses((status = 200, description = "已提交复评", body = OkBody), (status = 409, description = "该答卷不能复评", body = ErrorBody)))]
async fn appeal(
    State(state): State<AppState>,
    o: Office,
    Path(id): Path<i64>,
    Body(a): Body<AppealRequest>,
) -> ApiResult<Json<OkBody>> {
    if a.reason.trim().is_empty() {
        return Err(ApiError::Unprocessable("请填写申诉复评的原因".into()));
    }
    state.exam.event(id).await?;
    let c = state
        .exam
        .store
        .candidate_by_ticket(&a.ticket)
        .await?
        .filter(|c| c.event_id == id)
        .ok_or_else(|| ApiError::NotFound(format!("本场考试没有准考证号“{}”", a.ticket)))?;
    let answer = state
        .exam
        .store
        .open_answer_id(c.id, a.open_no)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("考生 {} 没有作答开放题第 {} 题", a.ticket, a.open_no)))?;
    state
        .exam
        .store
        .appeal(
            answer,
            &format!("office#{}", o.0.subject_id),
            a.reason.trim(),
            state.exam.now(),
        )
        .await?;
    Ok(Json(OkBody::YES))
}

#[utoipa::path(
    get, summary = "审计记录（只读）", description = "审计记录（只读）", path = "/api/office/events/{id}/audit", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")),
    responses((status = 200, description = "审计记录（时间顺序）", body = Vec<crate::store::AuditEntry>)))]
async fn audit(
    State(state): State<AppState>,
    _o: Office,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<crate::store::AuditEntry>>> {
    state.exam.event(id).await?;
    Ok(Json(state.exam.store.audit_log(id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct KeyCorrectionRequest {
    pub item_id: String,
    /// Accepted answers in the bank's labels: ["B", "C"] accepts B or C; ["ACD"] for a multi.
    #[serde(default)]
    pub accept: Vec<String>,
    /// Void the item: every candidate gets its points.
    #[serde(default)]
    pub void: bool,
    pub reason: String,
}

/// Corrects an item's key or voids it; rescoring every affected sitting; reports each candidate
/// whose score or pass/fail changed.
#[utoipa::path(
    post, summary = "更正答案或作废试题并重新计分", description = "更正答案或作废试题并重新计分", path = "/api/office/events/{id}/key-corrections", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")), request_body = KeyCorrectionRequest,
    responses(
        (status = 200, description = "已更正并重新计分", body = crate::exam::RescoreReport),
        (status = 409, description = "仍有考生在考，不能更正", body = ErrorBody)))]
async fn key_correction(
    State(state): State<AppState>,
    o: Office,
    Path(id): Path<i64>,
    Body(r): Body<KeyCorrectionRequest>,
) -> ApiResult<Json<crate::exam::RescoreReport>> {
    let rule = match (r.void, r.accept.is_empty()) {
        (true, true) => exam_rules::scoring::KeyRule::Void,
        (false, false) => exam_rules::scoring::KeyRule::Rekey {
            accepted: r.accept.iter().map(|a| a.trim().to_uppercase()).collect(),
        },
        _ => {
            return Err(ApiError::Unprocessable(
                "请二选一：给出更正后的答案（accept），或作废该题（void）".into(),
            ));
        }
    };
    let correction = crate::exam::KeyCorrection {
        item_id: r.item_id,
        rule,
        reason: r.reason,
    };
    match state
        .exam
        .correct_key(id, &correction, &format!("office#{}", o.0.subject_id))
        .await
    {
        Ok(report) => Ok(Json(report)),
        Err(crate::exam::CorrectionError::Invalid(m)) => Err(ApiError::Unprocessable(m)),
        Err(crate::exam::CorrectionError::Exam(e)) => Err(e.into()),
    }
}

async fn run_analysis(state: &AppState, id: i64) -> ApiResult<question_bank::analysis::Analysis> {
    crate::item_analysis::analyse_event(&state.exam, id, &Default::default())
        .await
        .map_err(|e| match e {
            crate::item_analysis::AnalysisFailure::Exam(e) => e.into(),
            other => ApiError::Unprocessable(other.to_string()),
        })
}

/// Item analysis of the event (facility, discrimination, distractors, α, flags) as JSON.
#[utoipa::path(
    get, summary = "题目分析（难度、区分度、选项分析、信度）", description = "题目分析（难度、区分度、选项分析、信度）", path = "/api/office/events/{id}/analysis", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")),
    responses((status = 200, description = "题目分析", body = question_bank::analysis::Analysis), (status = 422, description = "尚无可分析的作答（如无人交卷）", body = ErrorBody)))]
async fn analysis(
    State(state): State<AppState>,
    _o: Office,
    Path(id): Path<i64>,
) -> ApiResult<Json<question_bank::analysis::Analysis>> {
    Ok(Json(run_analysis(&state, id).await?))
}

#[utoipa::path(
    get, summary = "题目分析（CSV）", description = "题目分析（CSV）", path = "/api/office/events/{id}/analysis.csv", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")),
    responses((status = 200, description = "题目分析表", content_type = "text/csv", body = String), (status = 422, description = "尚无可分析的作答（如无人交卷）", body = ErrorBody)))]
async fn analysis_csv(State(state): State<AppState>, _o: Office, Path(id): Path<i64>) -> ApiResult<Response> {
    let a = run_analysis(&state, id).await?;
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8"),
            (CONTENT_DISPOSITION, "attachment; filename=\"item-analysis.csv\""),
        ],
        crate::item_analysis::to_csv(&a),
    )
        .into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProctorAssignment {
    /// The proctor's user name.
    pub username: String,
    /// Rooms of the event the proctor runs.
    pub rooms: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
struct ProctorRoom {
    username: String,
    name: String,
    room: String,
}

/// The proctors of an event and their rooms.
#[utoipa::path(
    get, summary = "考试的监考安排", description = "考试的监考安排", path = "/api/office/events/{id}/proctors", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")),
    responses((status = 200, description = "监考老师与考场", body = Vec<ProctorRoom>)))]
async fn proctors(State(state): State<AppState>, _o: Office, Path(id): Path<i64>) -> ApiResult<Json<Vec<ProctorRoom>>> {
    state.exam.event(id).await?;
    Ok(Json(
        state
            .exam
            .store
            .event_proctors(id)
            .await?
            .into_iter()
            .map(|(username, name, room)| ProctorRoom { username, name, room })
            .collect(),
    ))
}

/// Assigns a proctor to rooms of an event: a proctor sees and acts in those rooms only.
#[utoipa::path(
    post, summary = "指派监考老师到考场（监考老师只能查看和操作所指派的考场）", description = "指派监考老师到考场（监考老师只能查看和操作所指派的考场）", path = "/api/office/events/{id}/proctors", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")), request_body = ProctorAssignment,
    responses((status = 200, description = "已指派；返回考试的全部监考安排", body = Vec<ProctorRoom>)))]
async fn assign_proctor(
    State(state): State<AppState>,
    o: Office,
    Path(id): Path<i64>,
    Body(a): Body<ProctorAssignment>,
) -> ApiResult<Json<Vec<ProctorRoom>>> {
    state.exam.event(id).await?;
    let account = state
        .exam
        .store
        .account_by_username(&a.username)
        .await?
        .ok_or_else(|| ApiError::Unprocessable(format!("用户“{}”不存在", a.username)))?;
    if account.role != "proctor" {
        return Err(ApiError::Unprocessable(format!(
            "用户“{}”不是监考老师（角色 {}）",
            a.username, account.role
        )));
    }
    if a.rooms.is_empty() {
        return Err(ApiError::Unprocessable("请至少指定一个考场（rooms）".into()));
    }
    let rooms: Vec<String> = state
        .exam
        .store
        .event_rooms(id)
        .await?
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    if let Some(unknown) = a.rooms.iter().find(|r| !rooms.contains(r)) {
        return Err(ApiError::Unprocessable(format!(
            "考试 {id} 没有考场“{unknown}”（共有：{}）",
            rooms.join("、")
        )));
    }
    for room in &a.rooms {
        state.exam.store.assign_proctor(account.id, id, room).await?;
    }
    state
        .exam
        .store
        .record_audit(
            id,
            &format!("office#{}", o.0.subject_id),
            "assign_proctor",
            &a.username,
            "",
            &a.rooms.join(","),
            "",
            state.exam.now(),
        )
        .await?;
    proctors(State(state), o, Path(id)).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UnlockRequest {
    pub reason: String,
}

/// Unlocks a staff account after too many wrong passwords (audited; event 0: no event).
#[utoipa::path(
    post, summary = "解除工作人员账号因多次输错密码而被锁定的登录（记入审计记录）", description = "解除工作人员账号因多次输错密码而被锁定的登录（记入审计记录）", path = "/api/office/accounts/{username}/unlock", tag = "office", security(("cookie" = [])),
    params(("username" = String, Path, description = "用户名")), request_body = UnlockRequest,
    responses((status = 200, description = "已解锁", body = Unlocked)))]
async fn unlock_staff(
    State(state): State<AppState>,
    o: Office,
    Path(username): Path<String>,
    Body(r): Body<UnlockRequest>,
) -> ApiResult<Json<Unlocked>> {
    let reason = r.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::Unprocessable("请填写解锁原因（最多 500 字）".into()));
    }
    if state.exam.store.account_by_username(&username).await?.is_none() {
        return Err(ApiError::NotFound(format!("用户“{username}”不存在")));
    }
    let actor = format!("office#{}", o.0.subject_id);
    let record = crate::store::UnlockRecord {
        event_id: 0,
        actor: &actor,
        subject: &username,
        reason,
        at_ms: state.exam.now(),
        room_log: None,
    };
    let forgotten = state
        .exam
        .store
        .unlock_account(&super::session::staff_login_key(&username), &record)
        .await?;
    Ok(Json(Unlocked { ok: true, forgotten }))
}
