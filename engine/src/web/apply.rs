//! The applicant's API (报名): an account of their own, the application form, the documents, the
//! submission, and where the registration stands. Each handler is one call of the exam service
//! (`exam/registration.rs`). An applicant reaches only their own application: no route takes
//! another's id.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, Body, Path};
use super::openapi::ErrorBody;
use super::session::{Applicant, LoginResponse, logged_in_response};
use crate::exam::registration::{ApplicationView, FormInput, OpenSitting};

/// The largest document body taken (the `document_max_bytes` setting, 5 MB by default, is
/// checked by the service; this only bounds what is read).
pub const DOCUMENT_BODY_LIMIT: usize = 32 * 1024 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(register).layer(axum::extract::DefaultBodyLimit::max(super::guard::LOGIN_BODY_LIMIT)))
        .routes(routes!(login).layer(axum::extract::DefaultBodyLimit::max(super::guard::LOGIN_BODY_LIMIT)))
        .routes(routes!(sittings))
        .routes(routes!(application, save_application))
        .routes(routes!(upload, document).layer(axum::extract::DefaultBodyLimit::max(DOCUMENT_BODY_LIMIT)))
        .routes(routes!(submit))
        .routes(routes!(ticket))
        .routes(routes!(register_again))
        .routes(routes!(apply_certification))
        .routes(routes!(directory_entry))
        .routes(routes!(certificate))
        .routes(routes!(credential))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ApplicantCredentials {
    /// 手机号或电子邮箱
    pub login: String,
    pub password: String,
}

#[utoipa::path(
    post, summary = "注册报名账号（手机号或电子邮箱）并登录", description = "用手机号（1 开头的 11 位数字）或电子邮箱注册报名账号，密码至少 10 个字符且不能全是数字；注册后即登录",
    path = "/api/apply/register", tag = "apply", request_body = ApplicantCredentials,
    responses((status = 200, description = "已注册并登录", body = LoginResponse,
        headers(("set-cookie" = String, description = "会话 Cookie kaowu_session（HttpOnly; SameSite=Strict）"))),
        (status = 422, description = "账号已注册、手机号或邮箱无效、密码太弱", body = ErrorBody),
        (status = 429, description = "本机注册的账号过多，15 分钟后再试", body = ErrorBody)))]
async fn register(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Body(c): Body<ApplicantCredentials>,
) -> ApiResult<Response> {
    let logged_in = state
        .exam
        .register_applicant(&c.login, &c.password, client.ip())
        .await?;
    Ok(logged_in_response(&state, logged_in))
}

#[utoipa::path(
    post, summary = "报名申请人登录", description = "用注册的手机号或电子邮箱和密码登录；失败次数过多暂时锁定",
    path = "/api/apply/login", tag = "apply", request_body = ApplicantCredentials,
    responses((status = 200, description = "已登录", body = LoginResponse,
        headers(("set-cookie" = String, description = "会话 Cookie kaowu_session（HttpOnly; SameSite=Strict）"))),
        (status = 401, description = "账号或密码错误", body = ErrorBody),
        (status = 429, description = "登录失败次数过多，暂时锁定", body = ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Body(c): Body<ApplicantCredentials>,
) -> ApiResult<Response> {
    let logged_in = state.exam.applicant_login(&c.login, &c.password, client.ip()).await?;
    Ok(logged_in_response(&state, logged_in))
}

#[utoipa::path(
    get, summary = "正在报名的考试场次及考试城市", description = "正在报名的考试场次（考试日期未到）及各场次的考试城市；无需登录",
    path = "/api/apply/sittings", tag = "apply",
    responses((status = 200, description = "场次", body = Vec<OpenSitting>)))]
async fn sittings(State(state): State<AppState>) -> ApiResult<Json<Vec<OpenSitting>>> {
    Ok(Json(state.exam.open_sittings().await?))
}

#[utoipa::path(
    get, summary = "本人的报名申请：表单、材料、资格、缴费和报名是否成功", description = "本人当前的报名申请（首次查看时新建空白申请）：填写的表单、已上传的材料、按考试日期判断的申请资格、应缴费用和考务办公室记录的缴费、报名成功的三个条件（信息齐备、照片合格、缴费成功）逐项说明",
    path = "/api/apply/application", tag = "apply", security(("cookie" = [])),
    responses((status = 200, description = "报名申请", body = ApplicationView)))]
async fn application(State(state): State<AppState>, a: Applicant) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(state.exam.my_application(&a.0).await?))
}

#[utoipa::path(
    post, summary = "保存报名表（可分次填写）", description = "保存报名表，未填完也可保存；格式有误的值（日期、学历、过长的文字、未开放的场次或城市）拒绝并说明哪一项；申请提交后不能再修改，退回后可修改",
    path = "/api/apply/application", tag = "apply", security(("cookie" = [])), request_body = FormInput,
    responses((status = 200, description = "已保存", body = ApplicationView), (status = 422, description = "格式有误，或申请已提交不能修改", body = ErrorBody)))]
async fn save_application(
    State(state): State<AppState>,
    a: Applicant,
    Body(form): Body<FormInput>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(state.exam.save_application(&a.0, form).await?))
}

#[utoipa::path(
    post, summary = "上传材料：照片（photo）或学历证书扫描件（diploma）", description = "上传材料，新的一份取代同类的旧一份（旧的仍保留在记录中）。照片须为 JPEG 或 PNG 的二寸证件照（竖幅、比例 35:49 ±5%、至少 295×413 像素）；学历证书须为 PDF、JPEG 或 PNG；均按文件内容判断，每份不超过设定的大小（默认 5 MB）",
    path = "/api/apply/documents/{kind}", tag = "apply", security(("cookie" = [])), params(("kind" = String, Path, description = "photo 或 diploma")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "文件内容（也接受 image/jpeg、image/png、application/pdf）"),
    responses((status = 200, description = "已上传", body = ApplicationView), (status = 413, description = "文件过大", body = ErrorBody), (status = 422, description = "类型不对、照片不合格、申请已提交不能修改", body = ErrorBody)))]
async fn upload(
    State(state): State<AppState>,
    a: Applicant,
    Path(kind): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(state.exam.upload_document(&a.0, &kind, &body).await?))
}

#[utoipa::path(
    get, summary = "查看本人上传的材料：照片（photo）或学历证书扫描件（diploma）", description = "本人当前申请中该类材料的最新一份",
    path = "/api/apply/documents/{kind}", tag = "apply", security(("cookie" = [])), params(("kind" = String, Path, description = "photo 或 diploma")),
    responses((status = 200, description = "文件", content_type = "application/octet-stream", body = Vec<u8>), (status = 404, description = "没有该材料", body = ErrorBody)))]
async fn document(State(state): State<AppState>, a: Applicant, Path(kind): Path<String>) -> ApiResult<Response> {
    let (content_type, bytes) = state.exam.my_document(&a.0, &kind).await?;
    Ok(super::picture_response(content_type, bytes))
}

#[utoipa::path(
    post, summary = "提交报名申请，等待考务办公室审核", description = "提交报名申请：信息须填写齐全、照片合格、符合申请条件（或可以先考试后认证），同一身份证号每场只能报名一次；否则拒绝并逐项说明",
    path = "/api/apply/submit", tag = "apply", security(("cookie" = [])),
    responses((status = 200, description = "已提交", body = ApplicationView), (status = 422, description = "还不能提交：逐项说明原因", body = ErrorBody)))]
async fn submit(State(state): State<AppState>, a: Applicant) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(state.exam.submit_application(&a.0).await?))
}

#[utoipa::path(
    get, summary = "下载本人准考证（PDF，考前规定天数起）", description = "分配考场座位后，自考试前规定天数（默认 10 天）起可下载本人准考证（含照片、准考证号、考场、座位、考试时间和考生须知）；之前答 409 并说明可下载的日期",
    path = "/api/apply/ticket.pdf", tag = "apply", security(("cookie" = [])),
    responses((status = 200, description = "准考证", content_type = "application/pdf", body = Vec<u8>), (status = 409, description = "尚未分配座位或尚未到可下载日期", body = ErrorBody)))]
async fn ticket(State(state): State<AppState>, a: Applicant) -> ApiResult<Response> {
    let printed = state.exam.my_ticket(&a.0).await?;
    Ok(super::pdf_attachment(printed, "ticket", "%E5%87%86%E8%80%83%E8%AF%81"))
}

#[utoipa::path(
    post, summary = "未通过考试后报名以后的考试（补考，只缴补考费）", description = "成绩发布后未合格（含缺考）的，新建一份报名申请：表单和材料沿用，重新选择场次和城市并确认行为准则；补考只缴 300 元补考费",
    path = "/api/apply/again", tag = "apply", security(("cookie" = [])),
    responses((status = 200, description = "新的报名申请", body = ApplicationView), (status = 422, description = "考试已合格，或当前报名还没有结束", body = ErrorBody)))]
async fn register_again(State(state): State<AppState>, a: Applicant) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(state.exam.register_again(&a.0).await?))
}

#[utoipa::path(
    post, summary = "申请认证：提交《工作业绩报告》（考试合格、成绩发布后）", description = "考试合格且成绩发布后申请认证：在线提交《工作业绩报告》全文（3000～5000 字，按“字符数(不计空格)”计），纸质材料在成绩发布后 30 日内寄出（以邮寄日期为准）；暂缓发证者可在成绩有效期内再次申请",
    path = "/api/apply/certification", tag = "apply", security(("cookie" = [])), request_body = crate::exam::certification::CertificationInput,
    responses((status = 200, description = "已提交", body = ApplicationView), (status = 422, description = "未合格、字数不符、已提交等", body = ErrorBody)))]
async fn apply_certification(
    State(state): State<AppState>,
    a: Applicant,
    Body(input): Body<crate::exam::certification::CertificationInput>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(state.exam.apply_certification(&a.0, &input).await?))
}

#[utoipa::path(
    post, summary = "设置本人在公开名录中显示的信息", description = "颁发证书后，选择是否在质量经理公开名录中显示就业状态、工作单位和联系方式（姓名、认证日期和证书编号总是显示）",
    path = "/api/apply/directory", tag = "apply", security(("cookie" = [])), request_body = crate::exam::certification::DirectoryInput,
    responses((status = 200, description = "已保存", body = ApplicationView), (status = 422, description = "尚未颁发证书、文字过长", body = ErrorBody)))]
async fn directory_entry(
    State(state): State<AppState>,
    a: Applicant,
    Body(input): Body<crate::exam::certification::DirectoryInput>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(state.exam.set_my_directory_entry(&a.0, &input).await?))
}

#[utoipa::path(
    get, summary = "下载本人的质量经理职业资格证书（PDF）", description = "本人的证书（PDF），二维码指向公开验证页",
    path = "/api/apply/certificate.pdf", tag = "apply", security(("cookie" = [])),
    responses((status = 200, description = "证书", content_type = "application/pdf", body = Vec<u8>), (status = 409, description = "尚未颁发证书", body = ErrorBody)))]
async fn certificate(
    State(state): State<AppState>,
    a: Applicant,
    headers: axum::http::HeaderMap,
) -> ApiResult<Response> {
    let printed = state
        .exam
        .my_certificate_pdf(&a.0, &super::base_url(&headers, &state))
        .await?;
    Ok(super::pdf_attachment(printed, "certificate", "%E8%AF%81%E4%B9%A6"))
}

#[utoipa::path(
    get, summary = "下载本人的电子证书（Open Badges 3.0，VC-JWT）", description = "本人的证书作为 Open Badges 3.0 OpenBadgeCredential，以本机构的 Ed25519 密钥签名（VC-JWT）：持证人以加盐散列标识（不含身份证号），附吊销和暂停状态列表的位置；可交给任何支持的验证方",
    path = "/api/apply/credential.jwt", tag = "apply", security(("cookie" = [])),
    responses((status = 200, description = "VC-JWT", content_type = "application/vc+jwt", body = String), (status = 409, description = "尚未颁发证书或服务器未配置签名密钥", body = ErrorBody)))]
async fn credential(
    State(state): State<AppState>,
    a: Applicant,
    headers: axum::http::HeaderMap,
) -> ApiResult<Response> {
    let jwt = state
        .exam
        .my_credential(&a.0, &super::base_url(&headers, &state))
        .await?;
    Ok(super::vc_jwt_response(jwt))
}
