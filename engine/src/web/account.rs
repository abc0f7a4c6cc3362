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
use super::session::{session_of, staff_login_key};
use crate::auth::{Strength, hash_password, verify_password};
use crate::store::{AccountRow, Session};

/// The shortest and longest new password (characters).
pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 128;
/// Wrong old passwords allowed per account within the window before changing the password is
/// refused for the window (a session left open is no way to guess the password).
const MAX_WRONG_OLD: i64 = 10;
const WRONG_OLD_WINDOW_MS: i64 = 15 * 60 * 1000;

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

/// The staff account behind a session (candidates are refused with `candidate_message`).
async fn account_of(state: &AppState, s: &Session, candidate_message: &str) -> ApiResult<AccountRow> {
    if s.role == "candidate" {
        return Err(ApiError::Forbidden(candidate_message.into()));
    }
    state
        .exam
        .store
        .account(s.subject_id)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("登录已失效，请重新登录".into()))
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
    let a = account_of(&state, &s, "此功能仅供工作人员使用").await?;
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

/// What is wrong with a new password, in words for the person choosing it.
pub fn new_password_problem(old: &str, new: &str) -> Option<String> {
    let n = new.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Some(format!("新密码太短：至少 {MIN_PASSWORD_CHARS} 个字符，现在只有 {n} 个"));
    }
    if n > MAX_PASSWORD_CHARS {
        return Some(format!("新密码过长：最多 {MAX_PASSWORD_CHARS} 个字符，现在有 {n} 个"));
    }
    if new.chars().any(char::is_control) {
        return Some("新密码含有不可见的控制字符（如换行、制表符），请重新输入".into());
    }
    if new.chars().all(char::is_numeric) {
        return Some("新密码不能全是数字，请加入字母或符号".into());
    }
    if new == old {
        return Some("新密码不能与原密码相同".into());
    }
    None
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
    let a = account_of(
        &state,
        &s,
        "考生密码按场次发放，不能自行修改；如忘记密码，请举手联系监考老师",
    )
    .await?;
    if req.old_password.is_empty() {
        return Err(ApiError::Unprocessable("请输入原密码".into()));
    }
    if req.old_password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(ApiError::Unauthorized("原密码错误".into()));
    }
    if let Some(problem) = new_password_problem(&req.old_password, &req.new_password) {
        return Err(ApiError::Unprocessable(problem));
    }
    let store = &state.exam.store;
    let now = state.exam.now();
    // Wrong old passwords are counted under a key of their own (not the login's), recorded
    // against the account so that unlocking it forgets them too.
    let account_key = staff_login_key(&a.username);
    let wrong_key = format!("password-change:{}", a.username);
    if store
        .login_failures_since(&wrong_key, now - WRONG_OLD_WINDOW_MS)
        .await?
        >= MAX_WRONG_OLD
    {
        return Err(ApiError::TooManyRequests(
            "原密码输错次数过多，请 15 分钟后再试，或联系考务办公室".into(),
        ));
    }
    let (old, hash) = (req.old_password.clone(), a.password_hash.clone());
    let verified = tokio::task::spawn_blocking(move || verify_password(&old, &hash))
        .await
        .map_err(|e| ApiError::Internal(format!("password check: {e}")))?;
    if !verified {
        store
            .record_login_failure(&account_key, &[&wrong_key], now, now - WRONG_OLD_WINDOW_MS)
            .await?;
        return Err(ApiError::Unauthorized("原密码错误".into()));
    }
    let new = req.new_password;
    let new_hash = tokio::task::spawn_blocking(move || hash_password(&new, Strength::Staff))
        .await
        .map_err(|e| ApiError::Internal(format!("password hash: {e}")))?;
    store.set_password(a.id, &new_hash).await?;
    store.clear_login_failures(&[&wrong_key]).await?;
    // Whoever else is logged in with the old password is logged out; this node looks this
    // session up again at its next request, so the cleared duty to change counts at once.
    store.revoke_account_sessions(a.id, &s.id).await?;
    state.sessions.forget_account(a.id);
    let reason = if a.must_change_password {
        "修改初始密码"
    } else {
        ""
    };
    store
        .record_audit(
            0,
            &format!("{}#{}", a.role, a.id),
            "change_password",
            &a.username,
            "",
            "",
            reason,
            now,
        )
        .await?;
    Ok(Json(super::openapi::OkBody::YES))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_password_is_refused_with_the_reason() {
        let old = "初始密码ABCDEFG";
        for (new, says) in [
            ("short1", "太短"),
            (&"长".repeat(129) as &str, "过长"),
            ("abcdefghij\n", "控制字符"),
            ("12345678901", "全是数字"),
            (old, "相同"),
        ] {
            let problem = new_password_problem(old, new).unwrap_or_default();
            assert!(problem.contains(says), "{new:?}: {problem:?}");
        }
        assert_eq!(new_password_problem(old, "质量第一 quality 2026"), None);
        assert_eq!(new_password_problem(old, &"密".repeat(10)), None);
    }
}
