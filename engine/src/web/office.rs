//! The exam office's API: events, rosters, sittings and their save history.

use axum::Json;
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use question_bank::Points;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ApiResult, Body, Path, Query};
use super::openapi::{ErrorBody, OkBody};
use super::session::Office;
use crate::exam::office::{IssuedPassword, NewEventRequest, RosterPreview};
use crate::exam::overview::EventOverview;
use crate::results::CandidateResult;
use exam_rules::release::may_release;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(list_events, new_event))
        .routes(routes!(overview))
        .routes(routes!(roster).layer(axum::extract::DefaultBodyLimit::max(super::guard::ROSTER_BODY_LIMIT)))
        .routes(routes!(check_roster).layer(axum::extract::DefaultBodyLimit::max(super::guard::ROSTER_BODY_LIMIT)))
        .routes(routes!(publish))
        .routes(routes!(sittings))
        .routes(routes!(save_log))
        .routes(routes!(find_candidates))
        .routes(routes!(proctors, assign_proctor))
        .routes(routes!(unlock_staff))
        .routes(routes!(get_marking_policy, marking_policy))
        .routes(routes!(results))
        .routes(routes!(results_csv))
        .routes(routes!(results_xlsx))
        .routes(routes!(tickets_pdf))
        .routes(routes!(password_slips))
        .routes(routes!(release))
        .routes(routes!(appeal))
        .routes(routes!(audit))
        .routes(routes!(key_correction))
        .routes(routes!(analysis))
        .routes(routes!(analysis_csv))
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
    let frozen = state.exam.publish_with_bank(id, &req.bank, &o.0.actor()).await?;
    Ok(Json(Published {
        id,
        frozen_items: frozen,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
struct Created {
    id: i64,
}

#[utoipa::path(
    post, summary = "创建考试（发布时冻结题库中的题目；draft 为草稿）", description = "创建考试（发布时冻结题库中的题目；draft 为草稿）", path = "/api/office/events", tag = "office", security(("cookie" = [])), request_body = NewEventRequest,
    responses((status = 200, description = "已创建", body = Created)))]
async fn new_event(
    State(state): State<AppState>,
    _o: Office,
    Body(req): Body<NewEventRequest>,
) -> ApiResult<Json<Created>> {
    let id = state.exam.create_event_from(req).await?;
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
    get, summary = "考务概况：各场考试的阶段、人数与下一步", description = "考务概况：各场考试的阶段（草稿、已发布、考试中、评卷中、可发布成绩、已发布成绩）、人数、时间安排与下一步，新的在前", path = "/api/office/overview", tag = "office", security(("cookie" = [])),
    responses((status = 200, description = "各场考试", body = Vec<EventOverview>)))]
async fn overview(State(state): State<AppState>, _o: Office) -> ApiResult<Json<Vec<EventOverview>>> {
    Ok(Json(state.exam.event_overviews().await?))
}

#[utoipa::path(
    get, summary = "考试列表", description = "考试列表", path = "/api/office/events", tag = "office", security(("cookie" = [])),
    responses((status = 200, description = "全部考试", body = Vec<EventSummary>)))]
async fn list_events(State(state): State<AppState>, _o: Office) -> ApiResult<Json<Vec<EventSummary>>> {
    let out = state
        .exam
        .event_list()
        .await?
        .into_iter()
        .map(|(e, candidates)| EventSummary {
            candidates,
            id: e.id,
            name: e.name,
            starts_at_ms: e.starts_at_ms,
            bank_id: e.bank_id,
            bank_hash: e.bank_hash,
            forms: e.forms,
            multi_policy: e.multi_policy.as_str(),
            published: e.published,
        })
        .collect();
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
    post, summary = "导入考生名单（Excel 工作簿 .xlsx 或 CSV：姓名,姓名拼音,身份证号,准考证号,考场,座位；UTF-8 或 GBK），签发密码；全部成功或一个不导入", description = "导入考生名单（Excel 工作簿 .xlsx 的第一个工作表，或 CSV：姓名,姓名拼音,身份证号,准考证号,考场,座位；UTF-8 或 GBK），签发密码；全部成功或一个不导入", path = "/api/office/events/{id}/roster", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")),
    request_body(content = String, content_type = "text/csv", description = "名单 CSV（首行为表头）"),
    responses((status = 200, description = "已导入，含每位考生的初始密码", body = Imported)))]
async fn roster(
    State(state): State<AppState>,
    _o: Office,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> ApiResult<Json<Imported>> {
    let passwords = state.exam.import_roster(id, &body).await?;
    Ok(Json(Imported {
        imported: passwords.len(),
        passwords,
    }))
}

/// Checks a roster file without importing it.
#[utoipa::path(
    post, summary = "检查考生名单（不导入）：列出每个有问题的行，或人数与各考场人数", description = "检查考生名单（Excel 工作簿 .xlsx 或 CSV，UTF-8 或 GBK）而不导入：有问题时按 Excel 中的行号列出全部问题；没有问题时返回人数、各考场人数和前 10 行",
    path = "/api/office/events/{id}/roster/check", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")),
    request_body(content = String, content_type = "application/octet-stream", description = "名单文件（.xlsx 或 CSV）"),
    responses((status = 200, description = "可以导入", body = RosterPreview), (status = 422, description = "名单有问题（逐行列出），未导入", body = ErrorBody)))]
async fn check_roster(
    State(state): State<AppState>,
    _o: Office,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> ApiResult<Json<RosterPreview>> {
    Ok(Json(state.exam.check_roster(id, &body).await?))
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
    let out = state
        .exam
        .event_sittings(id)
        .await?
        .into_iter()
        .map(|(room, seat)| SittingSummary {
            ticket: seat.ticket,
            name: seat.name,
            room,
            seat: seat.seat,
            state: seat.sitting.state,
            objective_score: seat.sitting.objective_score.map(question_bank::Points::from_hundredths),
            submitted_by: seat.sitting.submitted_by,
        })
        .collect();
    Ok(Json(out))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct FindQuery {
    /// 准考证号、姓名（或其中一部分），或身份证号
    pub q: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct FoundCandidate {
    event_id: i64,
    event_name: String,
    ticket: String,
    name: String,
    room: String,
    seat: String,
    /// 未开始、答题中、已暂停、已交卷…
    state_name: &'static str,
}

/// Candidates of every event, by ticket, name or ID number.
#[utoipa::path(
    get, summary = "跨场次查找考生（准考证号、姓名或身份证号）", description = "在全部考试场次中查找考生：准考证号或姓名包含所输入的文字（不区分大小写），或身份证号完全一致；最新的场次在前，最多 50 名",
    path = "/api/office/candidates", tag = "office", security(("cookie" = [])), params(FindQuery),
    responses((status = 200, description = "找到的考生", body = Vec<FoundCandidate>), (status = 422, description = "查找内容为空或过长", body = ErrorBody)))]
async fn find_candidates(
    State(state): State<AppState>,
    _o: Office,
    Query(q): Query<FindQuery>,
) -> ApiResult<Json<Vec<FoundCandidate>>> {
    Ok(Json(
        state
            .exam
            .find_candidates(&q.q)
            .await?
            .into_iter()
            .map(|c| FoundCandidate {
                event_id: c.event_id,
                event_name: c.event_name,
                ticket: c.ticket,
                name: c.name,
                room: c.room,
                seat: c.seat,
                state_name: c.state.name_zh(),
            })
            .collect(),
    ))
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
    let log = state.exam.save_history(&ticket).await?;
    Ok(Json(
        log.into_iter()
            .map(|l| LoggedSave {
                seq: l.seq,
                slot: l.slot,
                value: l.value,
                received_ms: l.received_ms,
                outcome: l.outcome,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PolicyRequest {
    /// Two independent marks per answer (default) or one.
    pub double: bool,
    /// Largest difference (points of 20) needing no third marker; default 3.
    pub tolerance: Points,
}

#[utoipa::path(
    get, summary = "阅卷规则：双评与误差阈值，及最终分的确定办法", description = "阅卷规则：双评与误差阈值，及最终分的确定办法", path = "/api/office/events/{id}/marking-policy", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")),
    responses((status = 200, description = "当前阅卷规则", body = crate::exam::marking::PolicyView)))]
async fn get_marking_policy(
    State(state): State<AppState>,
    _o: Office,
    Path(id): Path<i64>,
) -> ApiResult<Json<crate::exam::marking::PolicyView>> {
    Ok(Json(state.exam.marking_policy(id).await?))
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
    state.exam.set_marking_policy(id, p.double, p.tolerance).await?;
    Ok(Json(OkBody::YES))
}

#[derive(Debug, Serialize, ToSchema)]
struct ResultsView {
    candidates: usize,
    complete: usize,
    incomplete: usize,
    absent: usize,
    /// Whether whoever has not started is absent for good (the late-entry cut-off is past);
    /// before it they have simply not sat yet.
    absent_final: bool,
    /// Whether the office may release now (nothing unmarked, in dispute or still sitting, and the
    /// late-entry cut-off past for whoever has not started).
    releasable: bool,
    released_ms: Option<i64>,
    results: Vec<CandidateResult>,
}

async fn results_view(state: &AppState, id: i64) -> ApiResult<ResultsView> {
    let results = state.exam.results(id).await?;
    let progress = state.exam.release_progress(id, &results).await?;
    Ok(ResultsView {
        candidates: results.len(),
        complete: progress.complete,
        incomplete: progress.incomplete,
        absent: progress.absent,
        absent_final: progress.may_still_start.is_none(),
        releasable: may_release(progress).is_ok(),
        released_ms: state.exam.released_at(id).await?,
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

/// Releases the results; refused while any answer is unmarked, in dispute or under appeal, anyone
/// is still sitting, or anyone who has not started may still enter (before the late-entry cut-off).
#[utoipa::path(
    post, summary = "发布成绩（有未评完、争议或复评中的答卷，仍有考生在考，或入场截止前尚有考生可入场时拒绝）", description = "发布成绩（有未评完、争议或复评中的答卷，仍有考生在考，或入场截止前尚有考生可入场时拒绝）", path = "/api/office/events/{id}/release", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")),
    responses(
        (status = 200, description = "已发布", body = Released),
        (status = 409, description = "成绩尚未全部完成", body = ErrorBody)))]
async fn release(State(state): State<AppState>, o: Office, Path(id): Path<i64>) -> ApiResult<Json<Released>> {
    let released = state.exam.release(id, &o.0.actor()).await?;
    Ok(Json(Released { ok: true, released }))
}

async fn export_audit(state: &AppState, o: &Office, id: i64, format: &str, rows: usize) -> ApiResult<()> {
    Ok(state.exam.audit_export(id, &o.0.actor(), format, rows).await?)
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

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct TicketsQuery {
    /// Only this room's candidates.
    pub room: Option<String>,
}

/// The admission tickets (准考证) as one PDF, a page per candidate.
#[utoipa::path(
    get, summary = "打印准考证（PDF，每位考生一页，可只打印一个考场）", description = "准考证 PDF：每位考生一页，含考试时间、入场截止、姓名、身份证号、考场、座位、入场核验二维码和考生须知；按考场、座位排序；room 只打印该考场",
    path = "/api/office/events/{id}/tickets.pdf", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号"), TicketsQuery),
    responses((status = 200, description = "准考证", content_type = "application/pdf", body = Vec<u8>), (status = 422, description = "还没有考生，或该考场没有考生", body = ErrorBody)))]
async fn tickets_pdf(
    State(state): State<AppState>,
    _o: Office,
    Path(id): Path<i64>,
    Query(q): Query<TicketsQuery>,
) -> ApiResult<Response> {
    let printed = state.exam.admission_tickets(id, q.room.as_deref()).await?;
    // 准考证
    Ok(super::pdf_attachment(
        printed,
        &format!("tickets-{id}"),
        &format!("%E5%87%86%E8%80%83%E8%AF%81-{id}"),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SlipsRequest {
    /// The passwords the roster import just returned (the server keeps none in clear).
    pub passwords: Vec<crate::exam::printing::IssuedSlip>,
}

/// Password slips (密码条) as one PDF, six to a page with cut lines.
#[utoipa::path(
    post, summary = "打印考生密码条（PDF，每页 6 条，附裁切线）", description = "导入名单后立即打印密码条：控制台把导入时签发的初始密码发回，服务器按考场、座位排版成 PDF（服务器不保存明文密码，之后无法再打印）；准考证号须为本场考生",
    path = "/api/office/events/{id}/password-slips.pdf", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")), request_body = SlipsRequest,
    responses((status = 200, description = "密码条", content_type = "application/pdf", body = Vec<u8>), (status = 422, description = "没有密码、准考证号不属于本场等", body = ErrorBody)))]
async fn password_slips(
    State(state): State<AppState>,
    _o: Office,
    Path(id): Path<i64>,
    Body(r): Body<SlipsRequest>,
) -> ApiResult<Response> {
    let printed = state.exam.password_slips(id, &r.passwords).await?;
    // 密码条
    Ok(super::pdf_attachment(
        printed,
        &format!("password-slips-{id}"),
        &format!("%E5%AF%86%E7%A0%81%E6%9D%A1-{id}"),
    ))
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
    state
        .exam
        .appeal(id, &a.ticket, a.open_no, &a.reason, &o.0.actor())
        .await?;
    Ok(Json(OkBody::YES))
}

#[utoipa::path(
    get, summary = "审计记录（只读）", description = "审计记录（只读）", path = "/api/office/events/{id}/audit", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")),
    responses((status = 200, description = "审计记录（时间顺序）", body = Vec<crate::exam::AuditEntry>)))]
async fn audit(
    State(state): State<AppState>,
    _o: Office,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<crate::exam::AuditEntry>>> {
    Ok(Json(state.exam.audit_log(id).await?))
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
    /// Only show the impact (who gains, who loses, whose pass/fail changes); change nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Corrects an item's key or voids it; rescoring every affected sitting; reports each candidate
/// whose score or pass/fail changed.
#[utoipa::path(
    post, summary = "更正答案或作废试题并重新计分（dry_run 只预览影响）", description = "更正答案或作废试题并重新计分；dry_run 为 true 时只预览影响（谁加分、谁减分、谁的合格与否改变），不做任何更改", path = "/api/office/events/{id}/key-corrections", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")), request_body = KeyCorrectionRequest,
    responses(
        (status = 200, description = "已更正并重新计分", body = crate::exam::RescoreReport),
        (status = 409, description = "仍有考生在考，不能更正", body = ErrorBody)))]
async fn key_correction(
    State(state): State<AppState>,
    o: Office,
    Path(id): Path<i64>,
    Body(r): Body<KeyCorrectionRequest>,
) -> ApiResult<Json<crate::exam::RescoreReport>> {
    let correction = crate::exam::KeyCorrection::of(r.item_id, &r.accept, r.void, r.reason)?;
    Ok(Json(if r.dry_run {
        state.exam.preview_key_correction(id, &correction).await?
    } else {
        state.exam.correct_key(id, &correction, &o.0.actor()).await?
    }))
}

async fn run_analysis(state: &AppState, id: i64) -> ApiResult<question_bank::analysis::Analysis> {
    Ok(state.exam.analyse_event(id, &Default::default()).await?)
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
        crate::exam::analysis::to_csv(&a),
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
    Ok(Json(
        state
            .exam
            .event_proctors(id)
            .await?
            .into_iter()
            .map(|p| ProctorRoom {
                username: p.username,
                name: p.name,
                room: p.room,
            })
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
    state
        .exam
        .assign_proctor(id, &a.username, &a.rooms, &o.0.actor())
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
    let forgotten = state.exam.unlock_staff(&username, &r.reason, &o.0.actor()).await?;
    Ok(Json(Unlocked { ok: true, forgotten }))
}
