//! A staff member's own account: who is logged in (`GET /api/me`) and changing one's own password
//! (`POST /api/password`). An account made with `kaowu account add` has an initial password that
//! must be changed first: until then the role extractors refuse every other staff API, and these
//! two (with logging out) are all such a session may call.

use axum::Json;
use axum::extract::{DefaultBodyLimit, FromRequestParts, State};
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ApiResult, Body};
use super::guard;
use super::session::session_of;
use crate::exam::Session;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(me))
        .routes(routes!(change_password).layer(DefaultBodyLimit::max(guard::LOGIN_BODY_LIMIT)))
}

/// Anyone logged in, whether or not an initial password is still to be changed; the handlers
/// say what a candidate may not do.
pub struct LoggedIn(pub Session);

impl FromRequestParts<AppState> for LoggedIn {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        Ok(LoggedIn(session_of(parts, state).await?))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub username: String,
    /// 姓名（显示名）
    pub name: String,
    /// office、proctor、grader 或 chief
    pub role: String,
    /// 初始密码尚未修改：须先在 /password 修改
    pub must_change_password: bool,
}

#[utoipa::path(
    get, summary = "当前登录的工作人员", description = "当前登录的工作人员（首次登录须先修改初始密码时也可调用）",
    path = "/api/me", tag = "auth", security(("cookie" = [])),
    responses((status = 200, description = "账号", body = Me)))]
async fn me(State(state): State<AppState>, LoggedIn(s): LoggedIn) -> ApiResult<Json<Me>> {
    let a = state.exam.me(&s).await?;
    Ok(Json(Me {
        username: a.username,
        name: a.display_name,
        role: a.role,
        must_change_password: a.must_change_password,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChange {
    pub old_password: String,
    pub new_password: String,
}

#[utoipa::path(
    post, summary = "修改本人密码", description = "修改本人密码（工作人员；初始密码须在首次登录后先修改）。新密码 10–128 个字符、不能全是数字、不能与原密码相同",
    path = "/api/password", tag = "auth", security(("cookie" = [])), request_body = PasswordChange,
    responses(
        (status = 200, description = "已修改；本账号的其他登录随之失效", body = super::openapi::OkBody),
        (status = 401, description = "原密码错误", body = super::openapi::ErrorBody),
        (status = 429, description = "原密码输错次数过多，暂时不能修改", body = super::openapi::ErrorBody)))]
async fn change_password(
    State(state): State<AppState>,
    LoggedIn(s): LoggedIn,
    Body(req): Body<PasswordChange>,
) -> ApiResult<Json<super::openapi::OkBody>> {
    let a = state
        .exam
        .change_password(&s, &req.old_password, &req.new_password)
        .await?;
    // This node looks this session up again at its next request, so the cleared duty to change
    // counts at once (the other sessions of the account have ended).
    state.sessions.forget_account(a.id);
    Ok(Json(super::openapi::OkBody::YES))
}
