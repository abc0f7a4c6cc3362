//! What anyone may see without logging in: a certificate's status by its number (the QR code on
//! the certificate leads to its page) and the public directory of certified quality managers.
//! Neither ever shows an ID number.

use axum::Json;
use axum::extract::State;
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
