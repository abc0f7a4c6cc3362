//! The office's side of registration (报名审核): which cities an event is open for registration
//! in, the applications with their eligibility and fees, the documents (each opening audited),
//! the review (approve, or return with a reason the applicant sees) and the fee recorded. Each
//! handler is one call of the exam service (`exam/registration.rs`).

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, Body, Path, Query};
use super::openapi::ErrorBody;
use super::session::Office;
use crate::exam::certification::{
    CertificateView, CertificationSummary, CommitteeDecision, OfficeCertification, StatusChange,
};
use crate::exam::registration::{
    ApplicationSummary, ApplicationView, FeeInput, OfficeApplication, OpenSitting, Review,
};
use crate::exam::tickets::{RegistrationSettings, RoomPlaceInput, RoomPlaceView, Seating};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(open_registration))
        .routes(routes!(registration_sittings))
        .routes(routes!(applications))
        .routes(routes!(application))
        .routes(routes!(document))
        .routes(routes!(review))
        .routes(routes!(record_fee))
        .routes(routes!(room_places, set_room_place))
        .routes(routes!(seat_applicants))
        .routes(routes!(certifications))
        .routes(routes!(certification))
        .routes(routes!(postmark))
        .routes(routes!(decision))
        .routes(routes!(certificate_status))
        .routes(routes!(certificate_pdf))
        .routes(routes!(settings, set_settings))
        .routes(routes!(file_document).layer(axum::extract::DefaultBodyLimit::max(super::apply::DOCUMENT_BODY_LIMIT)))
        .routes(routes!(archive))
        .routes(routes!(move_seat))
        .routes(routes!(reset_applicant_password))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Cities {
    /// 考试城市；为空则关闭报名
    pub cities: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OpenedCities {
    pub cities: Vec<String>,
}

#[utoipa::path(
    post, summary = "开放（或关闭）本场考试的报名及考试城市", description = "设置本场考试接受报名的考试城市；给空列表则关闭报名。考试日期到来后不再接受报名；记入审计记录",
    path = "/api/office/events/{id}/registration", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")), request_body = Cities,
    responses((status = 200, description = "已设置", body = OpenedCities), (status = 404, description = "没有该考试", body = ErrorBody), (status = 422, description = "城市名称过长等", body = ErrorBody)))]
async fn open_registration(
    State(state): State<AppState>,
    o: Office,
    Path(id): Path<i64>,
    Body(c): Body<Cities>,
) -> ApiResult<Json<OpenedCities>> {
    let cities = state.exam.open_registration(id, &c.cities, &o.0.actor()).await?;
    Ok(Json(OpenedCities { cities }))
}

#[utoipa::path(
    get, summary = "正在报名的考试场次及考试城市", description = "正在报名的考试场次（考试日期未到）及各场次的考试城市",
    path = "/api/office/registration/sittings", tag = "office", security(("cookie" = [])),
    responses((status = 200, description = "场次", body = Vec<OpenSitting>)))]
async fn registration_sittings(State(state): State<AppState>, _o: Office) -> ApiResult<Json<Vec<OpenSitting>>> {
    Ok(Json(state.exam.open_sittings().await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ApplicationFilter {
    /// 只看某场考试的申请
    pub event: Option<i64>,
    /// 只看某一状态：draft、submitted、approved、returned
    pub state: Option<String>,
}

#[utoipa::path(
    get, summary = "报名申请一览（可按场次、状态筛选）", description = "全部报名申请，新的在前：申请人账号、姓名、身份证号、场次和城市、状态、申请资格、是否已缴费、报名是否成功",
    path = "/api/office/applications", tag = "office", security(("cookie" = [])), params(ApplicationFilter),
    responses((status = 200, description = "报名申请", body = Vec<ApplicationSummary>), (status = 422, description = "查询参数有误", body = ErrorBody)))]
async fn applications(
    State(state): State<AppState>,
    _o: Office,
    Query(f): Query<ApplicationFilter>,
) -> ApiResult<Json<Vec<ApplicationSummary>>> {
    let state_filter = f.state.as_deref().filter(|s| !s.is_empty());
    Ok(Json(state.exam.applications(f.event, state_filter).await?))
}

#[utoipa::path(
    get, summary = "一份报名申请的全部内容（审核用）", description = "一份报名申请：表单、材料清单、按考试日期判断的申请资格、应缴费用及缴费记录、报名成功的三个条件",
    path = "/api/office/applications/{id}", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "申请编号")),
    responses((status = 200, description = "报名申请", body = ApplicationView), (status = 404, description = "没有该申请", body = ErrorBody)))]
async fn application(
    State(state): State<AppState>,
    _o: Office,
    Path(id): Path<i64>,
) -> ApiResult<Json<OfficeApplication>> {
    Ok(Json(state.exam.office_application(id).await?))
}

#[utoipa::path(
    get, summary = "打开申请中的一份材料（记入审计记录）", description = "打开报名申请中的一份材料（照片或学历证书）；每次打开都记入审计记录",
    path = "/api/office/applications/{id}/documents/{document}", tag = "office", security(("cookie" = [])),
    params(("id" = i64, Path, description = "申请编号"), ("document" = i64, Path, description = "材料编号")),
    responses((status = 200, description = "文件", content_type = "application/octet-stream", body = Vec<u8>), (status = 404, description = "没有该材料", body = ErrorBody)))]
async fn document(
    State(state): State<AppState>,
    o: Office,
    Path((id, document)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    let (content_type, bytes) = state.exam.office_document(id, document, &o.0.actor()).await?;
    Ok(super::picture_response(content_type, bytes))
}

#[utoipa::path(
    post, summary = "审核报名申请：通过，或退回并写明原因", description = "审核已提交的报名申请：approve 通过；return 退回修改（须写明原因，申请人可见；照片不合格时同时标明）；记入审计记录",
    path = "/api/office/applications/{id}/review", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "申请编号")), request_body = Review,
    responses((status = 200, description = "已审核", body = ApplicationView), (status = 404, description = "没有该申请", body = ErrorBody), (status = 422, description = "申请未提交、未写退回原因等", body = ErrorBody)))]
async fn review(
    State(state): State<AppState>,
    o: Office,
    Path(id): Path<i64>,
    Body(r): Body<Review>,
) -> ApiResult<Json<OfficeApplication>> {
    Ok(Json(state.exam.review_application(id, &r, &o.0.actor()).await?))
}

#[utoipa::path(
    post, summary = "记录缴费：银行转账或免缴", description = "记录申请人的缴费：银行转账（汇款人、金额、日期、流水号，金额须与应缴费用一致）或免缴（写明理由）；以最新一条为准，记入审计记录",
    path = "/api/office/applications/{id}/fee", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "申请编号")), request_body = FeeInput,
    responses((status = 200, description = "已记录", body = ApplicationView), (status = 404, description = "没有该申请", body = ErrorBody), (status = 422, description = "金额不符、缺少流水号、日期晚于今天等", body = ErrorBody)))]
async fn record_fee(
    State(state): State<AppState>,
    o: Office,
    Path(id): Path<i64>,
    Body(f): Body<FeeInput>,
) -> ApiResult<Json<OfficeApplication>> {
    Ok(Json(state.exam.record_fee(id, &f, &o.0.actor()).await?))
}

#[utoipa::path(
    get, summary = "各考场所在城市和座位数", description = "本场考试各考场所在的城市、座位数和已安排的考生数（分配座位用）",
    path = "/api/office/events/{id}/room-places", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")),
    responses((status = 200, description = "考场", body = Vec<RoomPlaceView>), (status = 404, description = "没有该考试", body = ErrorBody)))]
async fn room_places(
    State(state): State<AppState>,
    _o: Office,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<RoomPlaceView>>> {
    Ok(Json(state.exam.room_places(id).await?))
}

#[utoipa::path(
    post, summary = "设置考场所在城市和座位数（新名称即新增考场）", description = "设置考场所在的城市（须为本场报名的考试城市）和座位数（1–500，不少于已安排的考生数）；新名称即新增考场；记入审计记录",
    path = "/api/office/events/{id}/room-places", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")), request_body = RoomPlaceInput,
    responses((status = 200, description = "各考场", body = Vec<RoomPlaceView>), (status = 404, description = "没有该考试", body = ErrorBody), (status = 422, description = "城市不是考试城市、座位数不对等", body = ErrorBody)))]
async fn set_room_place(
    State(state): State<AppState>,
    o: Office,
    Path(id): Path<i64>,
    Body(p): Body<RoomPlaceInput>,
) -> ApiResult<Json<Vec<RoomPlaceView>>> {
    Ok(Json(state.exam.set_room_place(id, &p, &o.0.actor()).await?))
}

#[utoipa::path(
    post, summary = "分配考场座位：报名成功者成为本场考生，签发准考证号和考试密码", description = "把报名成功（信息审核通过、照片合格、缴费已确认）且尚未安排的申请人，按提交先后安排到所选城市有空座的考场，签发准考证号和考试密码（密码只显示这一次，请立即打印密码条）；不能安排的逐人说明原因；记入审计记录",
    path = "/api/office/events/{id}/seat-applicants", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")),
    responses((status = 200, description = "安排结果", body = Seating), (status = 404, description = "没有该考试", body = ErrorBody), (status = 422, description = "准考证号冲突、另一位工作人员同时在分配", body = ErrorBody)))]
async fn seat_applicants(State(state): State<AppState>, o: Office, Path(id): Path<i64>) -> ApiResult<Json<Seating>> {
    Ok(Json(state.exam.seat_applicants(id, &o.0.actor()).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CertificationFilter {
    /// 只看某一状态：submitted、approved、deferred、refused
    pub state: Option<String>,
}

#[utoipa::path(
    get, summary = "认证申请一览", description = "全部认证申请，新的在前：申请人、邮寄日期及受理期、工作业绩报告字数、按今天判断的申请资格、证书编号",
    path = "/api/office/certifications", tag = "office", security(("cookie" = [])), params(CertificationFilter),
    responses((status = 200, description = "认证申请", body = Vec<CertificationSummary>), (status = 422, description = "查询参数有误", body = ErrorBody)))]
async fn certifications(
    State(state): State<AppState>,
    _o: Office,
    Query(f): Query<CertificationFilter>,
) -> ApiResult<Json<Vec<CertificationSummary>>> {
    let wanted = f.state.as_deref().filter(|s| !s.is_empty());
    Ok(Json(state.exam.certification_requests(wanted).await?))
}

#[utoipa::path(
    get, summary = "一份认证申请（含工作业绩报告全文）", description = "一份认证申请：申请人、工作业绩报告全文、其它证书、邮寄日期及受理期、决定及证书",
    path = "/api/office/certifications/{id}", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "认证申请编号")),
    responses((status = 200, description = "认证申请", body = OfficeCertification), (status = 404, description = "没有该认证申请", body = ErrorBody)))]
async fn certification(
    State(state): State<AppState>,
    _o: Office,
    Path(id): Path<i64>,
) -> ApiResult<Json<OfficeCertification>> {
    Ok(Json(state.exam.office_certification(id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Postmark {
    /// 邮寄日期（YYYY-MM-DD）
    pub postmarked_on: String,
}

#[utoipa::path(
    post, summary = "记录纸质认证材料的邮寄日期（判断受理期）", description = "记录纸质认证材料的邮寄日期：成绩发布后 30 日内本期受理，晚于此转下期受理，晚于成绩有效期不再受理；记入审计记录",
    path = "/api/office/certifications/{id}/postmark", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "认证申请编号")), request_body = Postmark,
    responses((status = 200, description = "已记录", body = OfficeCertification), (status = 404, description = "没有该认证申请", body = ErrorBody), (status = 422, description = "日期有误、申请已决定", body = ErrorBody)))]
async fn postmark(
    State(state): State<AppState>,
    o: Office,
    Path(id): Path<i64>,
    Body(p): Body<Postmark>,
) -> ApiResult<Json<OfficeCertification>> {
    Ok(Json(
        state.exam.record_postmark(id, &p.postmarked_on, &o.0.actor()).await?,
    ))
}

#[utoipa::path(
    post, summary = "记录认证委员会的决定：批准（颁发证书）、暂缓发证或不予认证", description = "记录认证委员会对认证申请的决定：approve 批准并颁发证书（编号 CMQ-年份-序号-校验位，永不重复）；defer 暂缓发证、refuse 不予认证须写明理由（申请人可见）；记入审计记录",
    path = "/api/office/certifications/{id}/decision", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "认证申请编号")), request_body = CommitteeDecision,
    responses((status = 200, description = "已记录", body = OfficeCertification), (status = 404, description = "没有该认证申请", body = ErrorBody), (status = 422, description = "未记录邮寄日期、未写理由、已决定等", body = ErrorBody)))]
async fn decision(
    State(state): State<AppState>,
    o: Office,
    Path(id): Path<i64>,
    Body(d): Body<CommitteeDecision>,
) -> ApiResult<Json<OfficeCertification>> {
    Ok(Json(state.exam.decide_certification(id, &d, &o.0.actor()).await?))
}

#[utoipa::path(
    post, summary = "暂停、恢复或撤销证书", description = "改变证书状态：suspended 暂停、valid 恢复有效、revoked 撤销（不可恢复）；须写明理由；公开验证页和状态列表随之改变；记入审计记录",
    path = "/api/office/certificates/{number}/status", tag = "office", security(("cookie" = [])), params(("number" = String, Path, description = "证书编号")), request_body = StatusChange,
    responses((status = 200, description = "证书", body = CertificateView), (status = 404, description = "没有该证书", body = ErrorBody), (status = 422, description = "状态无效、已撤销、未写理由", body = ErrorBody)))]
async fn certificate_status(
    State(state): State<AppState>,
    o: Office,
    Path(number): Path<String>,
    Body(c): Body<StatusChange>,
) -> ApiResult<Json<CertificateView>> {
    Ok(Json(
        state.exam.set_certificate_status(&number, &c, &o.0.actor()).await?,
    ))
}

#[utoipa::path(
    get, summary = "打印证书（PDF）", description = "证书（PDF），二维码指向公开验证页",
    path = "/api/office/certificates/{number}/certificate.pdf", tag = "office", security(("cookie" = [])), params(("number" = String, Path, description = "证书编号")),
    responses((status = 200, description = "证书", content_type = "application/pdf", body = Vec<u8>), (status = 404, description = "没有该证书", body = ErrorBody)))]
async fn certificate_pdf(
    State(state): State<AppState>,
    _o: Office,
    Path(number): Path<String>,
    headers: axum::http::HeaderMap,
) -> ApiResult<Response> {
    let printed = state
        .exam
        .certificate_pdf(&number, &super::base_url(&headers, &state))
        .await?;
    Ok(super::pdf_attachment(printed, "certificate", "%E8%AF%81%E4%B9%A6"))
}

#[utoipa::path(
    get, summary = "报名设置：准考证开放下载的天数、材料大小上限", description = "准考证在考前几日开放下载（5–10 日，默认 10 日），每份上传材料的大小上限（默认 5 MB）",
    path = "/api/office/registration/settings", tag = "office", security(("cookie" = [])),
    responses((status = 200, description = "设置", body = RegistrationSettings)))]
async fn settings(State(state): State<AppState>, _o: Office) -> ApiResult<Json<RegistrationSettings>> {
    Ok(Json(state.exam.registration_settings().await?))
}

#[utoipa::path(
    post, summary = "修改报名设置", description = "修改准考证开放下载的天数（考前 5–10 日）和每份材料的大小上限（1–20 MB）；记入审计记录",
    path = "/api/office/registration/settings", tag = "office", security(("cookie" = [])), request_body = RegistrationSettings,
    responses((status = 200, description = "设置", body = RegistrationSettings), (status = 422, description = "超出范围", body = ErrorBody)))]
async fn set_settings(
    State(state): State<AppState>,
    o: Office,
    Body(s): Body<RegistrationSettings>,
) -> ApiResult<Json<RegistrationSettings>> {
    Ok(Json(state.exam.set_registration_settings(&s, &o.0.actor()).await?))
}

#[utoipa::path(
    post, summary = "归档纸质材料的扫描件：身份证复印件、盖章申请表或单位评价", description = "把收到的纸质材料扫描后归入申请：id_copy（身份证复印件）、application_form（盖章的认证申请表）、employer_evaluation（单位评价）；PDF、JPEG 或 PNG，按内容判断；新的一份取代同类旧的一份（旧的保留）；记入审计记录",
    path = "/api/office/applications/{id}/paper-documents/{kind}", tag = "office", security(("cookie" = [])),
    params(("id" = i64, Path, description = "申请编号"), ("kind" = String, Path, description = "id_copy、application_form 或 employer_evaluation")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "文件内容（也接受 image/jpeg、image/png、application/pdf）"),
    responses((status = 200, description = "已归档", body = ApplicationView), (status = 404, description = "没有该申请", body = ErrorBody), (status = 413, description = "文件过大", body = ErrorBody), (status = 422, description = "类型不对、文件为空或过大", body = ErrorBody)))]
async fn file_document(
    State(state): State<AppState>,
    o: Office,
    Path((id, kind)): Path<(i64, String)>,
    body: axum::body::Bytes,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(
        state.exam.file_office_document(id, &kind, &body, &o.0.actor()).await?,
    ))
}

#[utoipa::path(
    get, summary = "导出一个人的档案（ZIP）：报名表、材料、认证申请与决定、证书、审计记录", description = "导出申请人的档案：报名表（JSON）、在用的各项材料、每次认证申请的工作业绩报告和认证记录、审计记录；导出本身记入审计记录",
    path = "/api/office/applications/{id}/archive.zip", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "申请编号")),
    responses((status = 200, description = "档案", content_type = "application/zip", body = Vec<u8>), (status = 404, description = "没有该申请", body = ErrorBody)))]
async fn archive(State(state): State<AppState>, o: Office, Path(id): Path<i64>) -> ApiResult<Response> {
    let (name, bytes) = state.exam.application_archive(id, &o.0.actor()).await?;
    let utf8: String = url_escape(&format!("{name}.zip"));
    Ok(super::attachment(
        bytes,
        "application/zip",
        &format!("archive-{id}.zip"),
        &utf8,
    ))
}

/// A file name percent-encoded for `filename*=UTF-8''…`.
fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SeatMove {
    pub room: String,
    pub seat: String,
}

#[utoipa::path(
    post, summary = "调整考生的考场和座位（开考前）", description = "把尚未开始考试的考生调到本场另一考场或座位（座位须空着、在该考场座位数之内）；记入审计记录",
    path = "/api/office/events/{id}/candidates/{ticket}/seat", tag = "office", security(("cookie" = [])),
    params(("id" = i64, Path, description = "考试编号"), ("ticket" = String, Path, description = "准考证号")), request_body = SeatMove,
    responses((status = 200, description = "各考场", body = Vec<RoomPlaceView>), (status = 404, description = "没有该考试或考生", body = ErrorBody), (status = 422, description = "考场或座位无效、座位已有人、考生已开始考试", body = ErrorBody)))]
async fn move_seat(
    State(state): State<AppState>,
    o: Office,
    Path((id, ticket)): Path<(i64, String)>,
    Body(m): Body<SeatMove>,
) -> ApiResult<Json<Vec<RoomPlaceView>>> {
    Ok(Json(
        state
            .exam
            .move_seat(id, &ticket, &m.room, &m.seat, &o.0.actor())
            .await?,
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicantPassword {
    pub login: String,
    /// 新密码（只显示这一次）
    pub password: String,
}

#[utoipa::path(
    post, summary = "为忘记密码的报名申请人签发新密码", description = "核实身份后为报名申请人签发新密码（只显示这一次）；原密码立即失效，已登录的会话结束；记入审计记录",
    path = "/api/office/applicants/{login}/reset-password", tag = "office", security(("cookie" = [])), params(("login" = String, Path, description = "手机号或电子邮箱")),
    responses((status = 200, description = "新密码", body = ApplicantPassword), (status = 404, description = "没有该账号", body = ErrorBody), (status = 422, description = "手机号或邮箱无效", body = ErrorBody)))]
async fn reset_applicant_password(
    State(state): State<AppState>,
    o: Office,
    Path(login): Path<String>,
) -> ApiResult<Json<ApplicantPassword>> {
    let (id, password) = state.exam.reset_applicant_password(&login, &o.0.actor()).await?;
    state.sessions.forget_applicant(id);
    Ok(Json(ApplicantPassword {
        login: crate::exam::registration::normalise_login(&login)?,
        password,
    }))
}
