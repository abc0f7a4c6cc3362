//! What anyone may see without logging in: a certificate's status by its number (the QR code on
//! the certificate leads to its page) and the public directory of certified quality managers.
//! Neither ever shows an ID number.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, Path, Query};
use super::openapi::ErrorBody;
use crate::exam::certification::{DirectoryEntry, Verification};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(verify))
        .routes(routes!(directory))
        .routes(routes!(status_list))
        .routes(routes!(issuer_keys))
}

#[utoipa::path(
    get, summary = "查验证书：是否有效、暂停或撤销（公开）", description = "按证书编号查验证书：有效、已暂停或已撤销，及持证人姓名和认证日期；不显示身份证号。编号格式或校验位不对时说明",
    path = "/api/verify/{number}", tag = "public", params(("number" = String, Path, description = "证书编号，如 CMQ-2027-000001-5")),
    responses((status = 200, description = "查验结果（found=false 表示没有该证书）", body = Verification)))]
async fn verify(State(state): State<AppState>, Path(number): Path<String>) -> ApiResult<Json<Verification>> {
    Ok(Json(state.exam.verify_certificate(&number).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DirectoryQuery {
    /// 按姓名、拼音或证书编号查找
    pub q: Option<String>,
}

#[utoipa::path(
    get, summary = "质量经理公开名录（公开）", description = "证书有效的质量经理：姓名、认证日期、证书编号；就业状态、工作单位和联系方式仅在本人同意时显示；可按姓名、拼音或证书编号查找",
    path = "/api/directory", tag = "public", params(DirectoryQuery),
    responses((status = 200, description = "名录", body = Vec<DirectoryEntry>), (status = 422, description = "查询参数有误", body = ErrorBody)))]
async fn directory(
    State(state): State<AppState>,
    Query(q): Query<DirectoryQuery>,
) -> ApiResult<Json<Vec<DirectoryEntry>>> {
    Ok(Json(state.exam.directory(q.q.as_deref().unwrap_or("")).await?))
}

#[utoipa::path(
    get, summary = "证书吊销或暂停状态列表（W3C Bitstring Status List，VC-JWT，公开）", description = "revocation（吊销）或 suspension（暂停）状态列表：每张证书在列表中有一位，置位即已吊销（或暂停）；以本机构的密钥签名",
    path = "/api/status/{purpose}", tag = "public", params(("purpose" = String, Path, description = "revocation 或 suspension")),
    responses((status = 200, description = "状态列表（VC-JWT）", content_type = "application/vc+jwt", body = String), (status = 404, description = "没有该状态列表", body = ErrorBody), (status = 409, description = "服务器未配置签名密钥", body = ErrorBody)))]
async fn status_list(
    State(state): State<AppState>,
    Path(purpose): Path<String>,
    headers: axum::http::HeaderMap,
) -> ApiResult<Response> {
    let jwt = state
        .exam
        .status_list_jwt(&purpose, &super::base_url(&headers, &state))
        .await?;
    Ok(super::vc_jwt_response(jwt))
}

#[utoipa::path(
    get, summary = "证书签名公钥（JWK Set，公开）", description = "本机构签名电子证书和状态列表所用 Ed25519 密钥的公钥（JWK Set），kid 为其 RFC 7638 指纹",
    path = "/api/issuer/jwks.json", tag = "public",
    responses((status = 200, description = "JWK Set", body = Object), (status = 409, description = "服务器未配置签名密钥", body = ErrorBody)))]
async fn issuer_keys(State(state): State<AppState>) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(state.exam.issuer_keys()?))
}
