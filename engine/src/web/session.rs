//! Logging in and out, and the extractors that say who is calling. The cookie is HttpOnly and
//! SameSite=Strict and carries a random token; the database keeps only its SHA-256. Every
//! handler takes the extractor for its role, so a wrong role never reaches a handler body.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::{ApiError, ApiResult, Body};
use crate::auth::session_id;
use crate::exam::Session;
use crate::exam::accounts::{Credentials, LoggedIn, SESSION_MS};

pub const COOKIE_NAME: &str = "kaowu_session";
/// How long a node trusts a session it has looked up: longer than a candidate's pause between
/// saves, so a save needs no session read. The node that revokes a session (logout, a move to
/// another workstation) forgets it at once; other nodes sharing the database notice within this
/// time. A moved sitting refuses the old workstation's saves at once on every node anyway: the
/// saving transaction checks the session the sitting is bound to.
const SESSION_CACHE_MS: i64 = 30_000;

/// How long this session's look-up is trusted: between half of `SESSION_CACHE_MS` and all of
/// it, spread by the session id. Thousands of candidates whose first save after a quiet spell
/// comes in the same second would otherwise all be looked up again in the same second every
/// 30 s (a 120-s run at 5,000 saves/s showed saves waiting seconds for a database connection
/// behind those look-ups); spread out, 10,000 candidates cost about 450 look-ups a second.
fn trusted_for_ms(sid: &str) -> i64 {
    // FNV-1a: any well-mixed hash of the id will do; the id is random already.
    let hash = sid.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let half = SESSION_CACHE_MS / 2;
    half + (hash % half as u64) as i64
}

#[derive(Clone, Default)]
pub struct SessionCache(Arc<Mutex<HashMap<String, (Session, i64)>>>);

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    /// 准考证号, for candidates.
    pub ticket: Option<String>,
    /// For staff.
    pub username: Option<String>,
    pub password: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    pub role: String,
    pub name: String,
    /// A staff account's initial password must be changed (at `/password`) before anything else.
    pub must_change_password: bool,
}

/// What every staff API answers while the account's initial password is unchanged.
pub const MUST_CHANGE_PASSWORD: &str = "首次登录须先修改初始密码";

/// Whether a role extractor refused because the initial password is still unchanged.
pub fn owes_password_change(e: &ApiError) -> bool {
    matches!(e, ApiError::Forbidden(m) if m == MUST_CHANGE_PASSWORD)
}

/// A staff session that may act: refused while the initial password is unchanged.
fn password_changed(s: Session) -> ApiResult<Session> {
    if s.must_change_password {
        return Err(ApiError::Forbidden(MUST_CHANGE_PASSWORD.into()));
    }
    Ok(s)
}

fn cookie(token: &str, max_age_s: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{secure}"
    ))
    .expect("cookie is ASCII")
}

fn token_from(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == COOKIE_NAME).then(|| v.to_string())
        })
}

#[utoipa::path(
    post, summary = "登录：考生用准考证号，工作人员用用户名（二选一）", description = "登录：考生用准考证号，工作人员用用户名（二选一）", path = "/api/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "已登录", body = LoginResponse,
            headers(("set-cookie" = String, description = "会话 Cookie kaowu_session（HttpOnly; SameSite=Strict）"))),
        (status = 401, description = "准考证号（用户名）或密码错误", body = crate::web::openapi::ErrorBody),
        (status = 409, description = "考生的考试正在另一台机位上进行", body = crate::web::openapi::ErrorBody),
        (status = 429, description = "登录失败次数过多，暂时锁定", body = crate::web::openapi::ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Body(req): Body<LoginRequest>,
) -> ApiResult<Response> {
    let who = Credentials::of(req.ticket.as_deref(), req.username.as_deref(), &req.password)?;
    Ok(logged_in_response(&state, state.exam.login(who, client.ip()).await?))
}

/// The answer to a successful login (a candidate's, a staff member's or an applicant's): who
/// logged in, and the session cookie. A session the login ended (the candidate's old
/// workstation) is forgotten by this node's cache at once.
pub(super) fn logged_in_response(state: &AppState, logged_in: LoggedIn) -> Response {
    if let Some(old) = &logged_in.ended {
        state.sessions.forget(old);
    }
    let mut response = Json(LoginResponse {
        role: logged_in.role,
        name: logged_in.name,
        must_change_password: logged_in.must_change_password,
    })
    .into_response();
    response.headers_mut().insert(
        SET_COOKIE,
        cookie(&logged_in.token, SESSION_MS / 1000, state.secure_cookies),
    );
    response
}

#[utoipa::path(
    post, summary = "退出登录", description = "退出登录", path = "/api/logout", tag = "auth",
    responses((status = 200, description = "已退出（清除 Cookie）", body = crate::web::openapi::OkBody,
        headers(("set-cookie" = String, description = "清除会话 Cookie")))))]
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(token) = token_from(&headers) {
        let sid = state.exam.logout(&token).await?;
        state.sessions.forget(&sid);
    }
    let mut response = Json(serde_json::json!({ "ok": true })).into_response();
    response
        .headers_mut()
        .insert(SET_COOKIE, cookie("", 0, state.secure_cookies));
    Ok(response)
}

impl SessionCache {
    async fn get(&self, state: &AppState, sid: &str, now: i64) -> ApiResult<Option<Session>> {
        if let Some((s, at)) = self.0.lock().expect("session cache").get(sid)
            && now - at < trusted_for_ms(sid)
            && s.expires_ms > now
        {
            return Ok(Some(s.clone()));
        }
        let s = state.exam.session(sid).await?;
        let mut cache = self.0.lock().expect("session cache");
        match &s {
            Some(s) => {
                if cache.len() > 100_000 {
                    cache.retain(|_, (_, at)| now - *at < SESSION_CACHE_MS);
                }
                cache.insert(sid.to_string(), (s.clone(), now));
            }
            None => {
                cache.remove(sid);
            }
        }
        Ok(s)
    }

    pub fn forget(&self, sid: &str) {
        self.0.lock().expect("session cache").remove(sid);
    }

    /// Forgets every cached session of an applicant (their password was reset).
    pub fn forget_applicant(&self, applicant_id: i64) {
        self.0
            .lock()
            .expect("session cache")
            .retain(|_, (s, _)| s.role != "applicant" || s.subject_id != applicant_id);
    }

    /// Forgets every cached session of a staff account (its password or duty to change it
    /// changed), so this node looks them up again at their next request.
    pub fn forget_account(&self, account_id: i64) {
        self.0
            .lock()
            .expect("session cache")
            .retain(|_, (s, _)| !s.is_staff() || s.subject_id != account_id);
    }
}

pub(super) async fn session_of(parts: &Parts, state: &AppState) -> ApiResult<Session> {
    let token = token_from(&parts.headers).ok_or_else(|| ApiError::Unauthorized("请先登录".into()))?;
    state
        .sessions
        .get(state, &session_id(&token), state.exam.now())
        .await?
        .ok_or_else(|| ApiError::Unauthorized("登录已失效，请重新登录".into()))
}

/// A logged-in candidate.
pub struct Candidate(pub Session);
/// A logged-in proctor (the exam office may act as one).
pub struct Proctor(pub Session);
/// A logged-in member of the exam office.
pub struct Office(pub Session);
/// A logged-in grader (the chief grader marks too).
pub struct Grader(pub Session);
/// The chief grader.
pub struct Chief(pub Session);
/// A logged-in applicant for registration (an account of their own, not a candidate's ticket).
pub struct Applicant(pub Session);

/// A role extractor: the session's role must be one of `roles` (else 403 with `refusal`); a staff
/// session must have changed its initial password first.
macro_rules! role_extractor {
    ($name:ident, [$($role:literal),+], $refusal:literal, staff: $staff:literal) => {
        impl FromRequestParts<AppState> for $name {
            type Rejection = ApiError;
            async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
                let s = session_of(parts, state).await?;
                let s = if $staff { password_changed(s)? } else { s };
                if ![$($role),+].contains(&s.role.as_str()) {
                    return Err(ApiError::Forbidden($refusal.into()));
                }
                Ok($name(s))
            }
        }
    };
}

role_extractor!(Candidate, ["candidate"], "此功能仅供考生使用", staff: false);
role_extractor!(Proctor, ["proctor", "office"], "此功能仅供监考老师使用", staff: true);
role_extractor!(Office, ["office"], "此功能仅供考务办公室使用", staff: true);
role_extractor!(Grader, ["grader", "chief"], "此功能仅供阅卷人员使用", staff: true);
role_extractor!(Chief, ["chief"], "此功能仅供阅卷组长使用", staff: true);
role_extractor!(Applicant, ["applicant"], "此功能仅供报名申请人使用：请用注册的手机号或电子邮箱登录", staff: false);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_secure_when_served_behind_https() {
        let plain = cookie("t", 60, false);
        let secure = cookie("t", 60, true);
        assert!(!plain.to_str().unwrap().contains("Secure"));
        assert!(secure.to_str().unwrap().ends_with("; Secure"), "{secure:?}");
        assert!(secure.to_str().unwrap().contains("HttpOnly; SameSite=Strict"));
    }

    /// Look-ups cached in the same second come due over the next 15 s, not all at once.
    #[test]
    fn cached_sessions_come_due_spread_over_half_the_cache_time() {
        let mut buckets = [0u32; 10];
        for i in 0..10_000u32 {
            let ms = trusted_for_ms(&session_id(&format!("token-{i}")));
            assert!((SESSION_CACHE_MS / 2..SESSION_CACHE_MS).contains(&ms), "{ms} ms");
            buckets[((ms - SESSION_CACHE_MS / 2) * 10 / (SESSION_CACHE_MS / 2)) as usize] += 1;
        }
        // 1,000 expected in each 1.5-s bucket.
        assert!(buckets.iter().all(|&n| (800..1200).contains(&n)), "{buckets:?}");
    }
}
