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
use crate::auth::{new_session_token, session_id, verify_password};
use crate::store::Session;
use exam_rules::sitting::SittingState;

pub const COOKIE_NAME: &str = "kaowu_session";
/// A login lasts a working day; the cookie outlives a browser crash.
const SESSION_MS: i64 = 12 * 3600 * 1000;
/// Failed logins allowed within the window, per account from one client address, before that
/// address may not try that account again for the window. Counted per address, so wrong
/// passwords typed elsewhere never lock a candidate out of their own workstation.
const MAX_FAILURES: i64 = 5;
/// Failed logins allowed from one client address within the window, whatever accounts they
/// name (tickets are printed and sequential: trying many once each is throttled here).
const MAX_FAILURES_PER_ADDRESS: i64 = 20;
/// Failed logins allowed per account from all addresses together (guessing spread over many
/// machines).
const MAX_FAILURES_PER_ACCOUNT: i64 = 50;
const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// The longest ticket, user name and password a login accepts (characters).
const MAX_TICKET_CHARS: usize = 32;
const MAX_USERNAME_CHARS: usize = 64;
const MAX_PASSWORD_CHARS: usize = 128;
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

/// Hashes computed once, one per cost, so an unknown ticket or user name costs as much time as a
/// wrong password for an existing one (no finding staff user names by timing).
static DUMMY_CANDIDATE_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    crate::auth::hash_password("no such account", crate::auth::Strength::IssuedToCandidate)
});
static DUMMY_STAFF_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| crate::auth::hash_password("no such account", crate::auth::Strength::Staff));

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

/// Where failed logins are counted: the account from this address, the address, the account.
struct FailureKeys {
    pair: String,
    address: String,
    account: String,
}

/// The key failed logins against a candidate's ticket are counted under (for unlocking).
pub fn candidate_login_key(ticket: &str) -> String {
    format!("candidate:{ticket}")
}

/// The key failed logins against a staff account are counted under.
pub fn staff_login_key(username: &str) -> String {
    format!("staff:{username}")
}

impl FailureKeys {
    fn new(account: &str, address: std::net::IpAddr) -> FailureKeys {
        FailureKeys {
            pair: format!("{account}@{address}"),
            address: format!("address:{address}"),
            account: account.to_string(),
        }
    }

    fn all(&self) -> [(&str, i64); 3] {
        [
            (&self.pair, MAX_FAILURES),
            (&self.address, MAX_FAILURES_PER_ADDRESS),
            (&self.account, MAX_FAILURES_PER_ACCOUNT),
        ]
    }
}

async fn check_lockout(state: &AppState, keys: &FailureKeys, now: i64) -> ApiResult<()> {
    for (key, max) in keys.all() {
        if state
            .exam
            .store
            .login_failures_since(key, now - FAILURE_WINDOW_MS)
            .await?
            >= max
        {
            return Err(ApiError::TooManyRequests(
                "登录失败次数过多，该账户已在本机暂时锁定 15 分钟；请稍后再试，或请监考老师解锁".into(),
            ));
        }
    }
    Ok(())
}

async fn record_failure(state: &AppState, keys: &FailureKeys, now: i64) -> ApiResult<()> {
    let all = keys.all().map(|(k, _)| k);
    state
        .exam
        .store
        .record_login_failure(&keys.account, &all, now, now - FAILURE_WINDOW_MS)
        .await?;
    Ok(())
}

/// Checks a login field: present where required, not too long, no control characters.
fn login_field<'a>(value: &'a str, field: &str, max: usize) -> ApiResult<&'a str> {
    if value.chars().count() > max {
        return Err(ApiError::Unprocessable(format!("{field}过长：最多 {max} 个字符")));
    }
    if value.chars().any(char::is_control) {
        return Err(ApiError::Unprocessable(format!("{field}含有不可见的控制字符")));
    }
    Ok(value)
}

async fn verify(password: String, hash: Option<String>, dummy: &'static std::sync::LazyLock<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let ok = verify_password(&password, hash.as_deref().unwrap_or(dummy));
        ok && hash.is_some()
    })
    .await
    .unwrap_or(false)
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
    let now = state.exam.now();
    let store = &state.exam.store;
    let password = login_field(&req.password, "密码", MAX_PASSWORD_CHARS)?;
    let (role, subject_id, name, keys, must_change_password) = match (&req.ticket, &req.username) {
        (Some(ticket), None) => {
            let ticket = login_field(ticket, "准考证号", MAX_TICKET_CHARS)?.trim();
            let keys = FailureKeys::new(&candidate_login_key(ticket), client.ip());
            check_lockout(&state, &keys, now).await?;
            let candidate = store.candidate_by_ticket(ticket).await?;
            let hash = candidate.as_ref().map(|c| c.password_hash.clone());
            if !verify(password.to_string(), hash, &DUMMY_CANDIDATE_HASH).await {
                record_failure(&state, &keys, now).await?;
                return Err(ApiError::Unauthorized("准考证号或密码错误".into()));
            }
            let c = candidate.expect("verified");
            ("candidate".to_string(), c.id, c.name, keys, false)
        }
        (None, Some(username)) => {
            let username = login_field(username, "用户名", MAX_USERNAME_CHARS)?.trim();
            let keys = FailureKeys::new(&staff_login_key(username), client.ip());
            check_lockout(&state, &keys, now).await?;
            let account = store.account_by_username(username).await?;
            let hash = account.as_ref().map(|a| a.password_hash.clone());
            if !verify(password.to_string(), hash, &DUMMY_STAFF_HASH).await {
                record_failure(&state, &keys, now).await?;
                return Err(ApiError::Unauthorized("用户名或密码错误".into()));
            }
            let a = account.expect("verified");
            (a.role, a.id, a.display_name, keys, a.must_change_password)
        }
        _ => {
            return Err(ApiError::Unprocessable(
                "请填写准考证号（考生）或用户名（工作人员）之一，以及密码".into(),
            ));
        }
    };
    store.clear_login_failures(&[&keys.pair, &keys.account]).await?;
    let (token, sid) = new_session_token();
    if role == "candidate" {
        // One workstation at a time: a sitting under way stays with its session unless the
        // proctor has allowed the candidate to continue elsewhere (or that session has ended).
        let sitting = store
            .sitting(subject_id)
            .await?
            .ok_or_else(|| ApiError::Internal(format!("candidate {subject_id} has no sitting")))?;
        let sitting = state.exam.submit_if_expired(sitting).await?;
        let under_way = matches!(sitting.state, SittingState::InProgress | SittingState::Paused);
        if under_way
            && let Some(old) = &sitting.session_id
            && store.session(old, now).await?.is_some()
        {
            if !sitting.move_allowed {
                return Err(ApiError::Conflict(
                    "您的考试正在另一台机位上进行。如需更换机位，请举手联系监考老师".into(),
                ));
            }
            store.revoke_session(old).await?;
            state.sessions.forget(old);
        }
        store
            .create_session(&sid, &role, subject_id, now, now + SESSION_MS)
            .await?;
        if under_way {
            store.bind_session(subject_id, &sid).await?;
        }
    } else {
        store
            .create_session(&sid, &role, subject_id, now, now + SESSION_MS)
            .await?;
    }
    let mut response = Json(LoginResponse {
        role,
        name,
        must_change_password,
    })
    .into_response();
    response
        .headers_mut()
        .insert(SET_COOKIE, cookie(&token, SESSION_MS / 1000, state.secure_cookies));
    Ok(response)
}

#[utoipa::path(
    post, summary = "退出登录", description = "退出登录", path = "/api/logout", tag = "auth",
    responses((status = 200, description = "已退出（清除 Cookie）", body = crate::web::openapi::OkBody,
        headers(("set-cookie" = String, description = "清除会话 Cookie")))))]
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(token) = token_from(&headers) {
        let sid = session_id(&token);
        state.exam.store.revoke_session(&sid).await?;
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
        let s = state.exam.store.session(sid, now).await?;
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

    /// Forgets every cached session of a staff account (its password or duty to change it
    /// changed), so this node looks them up again at their next request.
    pub fn forget_account(&self, account_id: i64) {
        self.0
            .lock()
            .expect("session cache")
            .retain(|_, (s, _)| s.role == "candidate" || s.subject_id != account_id);
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

impl FromRequestParts<AppState> for Grader {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let s = password_changed(session_of(parts, state).await?)?;
        if s.role != "grader" && s.role != "chief" {
            return Err(ApiError::Forbidden("此功能仅供阅卷人员使用".into()));
        }
        Ok(Grader(s))
    }
}

impl FromRequestParts<AppState> for Chief {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let s = password_changed(session_of(parts, state).await?)?;
        if s.role != "chief" {
            return Err(ApiError::Forbidden("此功能仅供阅卷组长使用".into()));
        }
        Ok(Chief(s))
    }
}

impl FromRequestParts<AppState> for Candidate {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let s = session_of(parts, state).await?;
        if s.role != "candidate" {
            return Err(ApiError::Forbidden("此功能仅供考生使用".into()));
        }
        Ok(Candidate(s))
    }
}

impl FromRequestParts<AppState> for Proctor {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let s = password_changed(session_of(parts, state).await?)?;
        if s.role != "proctor" && s.role != "office" {
            return Err(ApiError::Forbidden("此功能仅供监考老师使用".into()));
        }
        Ok(Proctor(s))
    }
}

impl FromRequestParts<AppState> for Office {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let s = password_changed(session_of(parts, state).await?)?;
        if s.role != "office" {
            return Err(ApiError::Forbidden("此功能仅供考务办公室使用".into()));
        }
        Ok(Office(s))
    }
}

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
