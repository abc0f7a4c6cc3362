//! Logins, sessions and a staff member's own password. The cookie's token is random; the store
//! keeps only its SHA-256. Failed logins are counted per account from one client address, per
//! address and per account (SHA-256 keys, pruned), so guessing is throttled without locking a
//! candidate out of their own workstation; an unknown ticket or user name costs as much time as a
//! wrong password.

use std::net::IpAddr;

use exam_rules::Refusal;
use exam_rules::sitting::SittingState;

use super::Exam;
use super::error::{Forbidden, ServiceError, ServiceResult};
use crate::auth::{
    Strength, candidate_login_key, hash_password, new_session_token, session_id, staff_login_key, verify_password,
};
use crate::store::{AccountRow, Session};

/// A login lasts a working day; the cookie outlives a browser crash.
pub const SESSION_MS: i64 = 12 * 3600 * 1000;
/// Failed logins allowed within the window, per account from one client address, before that
/// address may not try that account again for the window.
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
/// The shortest and longest password (characters).
pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 128;
/// Wrong old passwords allowed per account within the window before changing the password is
/// refused for the window (a session left open is no way to guess the password).
const MAX_WRONG_OLD: i64 = 10;
const WRONG_OLD_WINDOW_MS: i64 = 15 * 60 * 1000;

/// Hashes computed once, one per cost, so an unknown ticket or user name costs as much time as a
/// wrong password for an existing one (no finding staff user names by timing).
static DUMMY_CANDIDATE_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password("no such account", Strength::IssuedToCandidate));
static DUMMY_STAFF_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password("no such account", Strength::Staff));

/// Who is logging in.
pub enum Credentials<'a> {
    Candidate {
        ticket: &'a str,
        password: &'a str,
    },
    Staff {
        username: &'a str,
        password: &'a str,
    },
    /// An applicant for registration, by the mobile number or e-mail address registered
    /// (normalised: `registration::normalise_login`).
    Applicant {
        login: &'a str,
        password: &'a str,
    },
}

impl<'a> Credentials<'a> {
    /// A candidate's ticket or a staff member's user name (one of the two), with the password.
    pub fn of(ticket: Option<&'a str>, username: Option<&'a str>, password: &'a str) -> ServiceResult<Credentials<'a>> {
        login_field(password, "密码", MAX_PASSWORD_CHARS)?;
        match (ticket, username) {
            (Some(ticket), None) => Ok(Credentials::Candidate { ticket, password }),
            (None, Some(username)) => Ok(Credentials::Staff { username, password }),
            _ => Err(ServiceError::Invalid(
                "请填写准考证号（考生）或用户名（工作人员）之一，以及密码".into(),
            )),
        }
    }
}

/// A new session.
pub struct LoggedIn {
    pub role: String,
    pub name: String,
    pub must_change_password: bool,
    /// The cookie's token (the store keeps only its hash).
    pub token: String,
    /// A session this login ended (the candidate's old workstation), for caches to forget.
    pub ended: Option<String>,
}

/// Where failed logins are counted: the account from this address, the address, the account.
struct FailureKeys {
    pair: String,
    address: String,
    account: String,
}

impl FailureKeys {
    fn new(account: &str, address: IpAddr) -> FailureKeys {
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

/// A login field: not too long, no control characters.
fn login_field<'a>(value: &'a str, field: &str, max: usize) -> ServiceResult<&'a str> {
    if value.chars().count() > max {
        return Err(ServiceError::Invalid(format!("{field}过长：最多 {max} 个字符")));
    }
    if value.chars().any(char::is_control) {
        return Err(ServiceError::Invalid(format!("{field}含有不可见的控制字符")));
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

impl Exam {
    async fn check_lockout(&self, keys: &FailureKeys, now: i64) -> ServiceResult<()> {
        for (key, max) in keys.all() {
            self.refuse_once_counted(
                key,
                now - FAILURE_WINDOW_MS,
                max,
                "登录失败次数过多，该账户已在本机暂时锁定 15 分钟；请稍后再试，或请监考老师解锁",
            )
            .await?;
        }
        Ok(())
    }

    /// Refuses (429, `message`) once `key` has been counted `max` times since `since`: failed
    /// logins, wrong old passwords, accounts registered from one address.
    pub(super) async fn refuse_once_counted(
        &self,
        key: &str,
        since: i64,
        max: i64,
        message: &str,
    ) -> ServiceResult<()> {
        if self.store.login_failures_since(key, since).await? >= max {
            return Err(ServiceError::TooManyAttempts(message.into()));
        }
        Ok(())
    }

    async fn record_failure(&self, keys: &FailureKeys, now: i64) -> ServiceResult<()> {
        let all = keys.all().map(|(k, _)| k);
        self.store
            .record_login_failure(&keys.account, &all, now, now - FAILURE_WINDOW_MS)
            .await?;
        Ok(())
    }

    /// Logs a candidate or a staff member in from `client`. A candidate's sitting under way stays
    /// with its workstation unless the proctor has allowed a move (or that session has ended).
    pub async fn login(&self, who: Credentials<'_>, client: IpAddr) -> ServiceResult<LoggedIn> {
        let now = self.now();
        let (role, subject_id, name, keys, must_change_password) = match who {
            Credentials::Candidate { ticket, password } => {
                let password = login_field(password, "密码", MAX_PASSWORD_CHARS)?;
                let ticket = login_field(ticket, "准考证号", MAX_TICKET_CHARS)?.trim();
                let keys = FailureKeys::new(&candidate_login_key(ticket), client);
                self.check_lockout(&keys, now).await?;
                let candidate = self.store.candidate_by_ticket(ticket).await?;
                let hash = candidate.as_ref().map(|c| c.password_hash.clone());
                if !verify(password.to_string(), hash, &DUMMY_CANDIDATE_HASH).await {
                    self.record_failure(&keys, now).await?;
                    return Err(ServiceError::Unauthorized("准考证号或密码错误".into()));
                }
                let c = candidate.expect("verified");
                ("candidate".to_string(), c.id, c.name, keys, false)
            }
            Credentials::Staff { username, password } => {
                let password = login_field(password, "密码", MAX_PASSWORD_CHARS)?;
                let username = login_field(username, "用户名", MAX_USERNAME_CHARS)?.trim();
                let keys = FailureKeys::new(&staff_login_key(username), client);
                self.check_lockout(&keys, now).await?;
                let account = self.store.account_by_username(username).await?;
                let hash = account.as_ref().map(|a| a.password_hash.clone());
                if !verify(password.to_string(), hash, &DUMMY_STAFF_HASH).await {
                    self.record_failure(&keys, now).await?;
                    return Err(ServiceError::Unauthorized("用户名或密码错误".into()));
                }
                let a = account.expect("verified");
                (a.role, a.id, a.display_name, keys, a.must_change_password)
            }
            Credentials::Applicant { login, password } => {
                let password = login_field(password, "密码", MAX_PASSWORD_CHARS)?;
                let keys = FailureKeys::new(&format!("applicant:{login}"), client);
                self.check_lockout(&keys, now).await?;
                let applicant = self.store.applicant_by_login(login).await?;
                let hash = applicant.as_ref().map(|a| a.password_hash.clone());
                if !verify(password.to_string(), hash, &DUMMY_STAFF_HASH).await {
                    self.record_failure(&keys, now).await?;
                    return Err(ServiceError::Unauthorized("账号或密码错误".into()));
                }
                let a = applicant.expect("verified");
                ("applicant".to_string(), a.id, a.login, keys, false)
            }
        };
        self.store.clear_login_failures(&[&keys.pair, &keys.account]).await?;
        let (token, sid) = new_session_token();
        let mut ended = None;
        if role == "candidate" {
            let sitting = self.store.sitting(subject_id).await?.ok_or_else(|| {
                ServiceError::Store(crate::store::StoreError::Corrupt(format!(
                    "candidate {subject_id} has no sitting"
                )))
            })?;
            let sitting = self.submit_if_expired(sitting).await?;
            let under_way = matches!(sitting.state, SittingState::InProgress | SittingState::Paused);
            if under_way
                && let Some(old) = &sitting.session_id
                && self.store.session(old, now).await?.is_some()
            {
                if !sitting.move_allowed {
                    return Err(Refusal::SittingElsewhere.into());
                }
                self.store.revoke_session(old).await?;
                ended = Some(old.clone());
            }
            self.store
                .create_session(&sid, &role, subject_id, now, now + SESSION_MS)
                .await?;
            if under_way {
                let candidate = self.store.candidate(subject_id).await?;
                let moved = match (&ended, &candidate) {
                    (Some(_), Some(c)) => Some(crate::store::ProctorEntry {
                        event_id: c.event_id,
                        room: &c.room,
                        candidate_id: Some(c.id),
                        actor: "考生",
                        action: "moved_in",
                        reason: "考生在新机位登录，继续考试",
                        at_ms: now,
                    }),
                    _ => None,
                };
                self.store.bind_session(subject_id, &sid, moved.as_ref()).await?;
            }
        } else {
            self.store
                .create_session(&sid, &role, subject_id, now, now + SESSION_MS)
                .await?;
        }
        Ok(LoggedIn {
            role,
            name,
            must_change_password,
            token,
            ended,
        })
    }

    /// Ends the session whose cookie carries `token`; returns its id (for caches to forget).
    pub async fn logout(&self, token: &str) -> ServiceResult<String> {
        let sid = session_id(token);
        self.store.revoke_session(&sid).await?;
        Ok(sid)
    }

    /// A live session by id (not revoked, not expired).
    pub async fn session(&self, sid: &str) -> ServiceResult<Option<Session>> {
        Ok(self.store.session(sid, self.now()).await?)
    }

    /// The staff member behind a session.
    pub async fn me(&self, s: &Session) -> ServiceResult<AccountRow> {
        self.staff_account(s, "此功能仅供工作人员使用").await
    }

    /// The staff account behind a session; a candidate is refused with `candidate_message`.
    async fn staff_account(&self, s: &Session, candidate_message: &str) -> ServiceResult<AccountRow> {
        if !s.is_staff() {
            return Err(Forbidden::Other(candidate_message.into()).into());
        }
        self.store
            .account(s.subject_id)
            .await?
            .ok_or_else(|| ServiceError::Unauthorized("登录已失效，请重新登录".into()))
    }

    /// Changes a staff member's own password. Wrong old passwords are counted under a key of their
    /// own, recorded against the account so that unlocking it forgets them too. Every other
    /// session of the account ends. Returns the account whose password changed.
    pub async fn change_password(&self, s: &Session, old: &str, new: &str) -> ServiceResult<AccountRow> {
        let a = self
            .staff_account(s, "考生密码按场次发放，不能自行修改；如忘记密码，请举手联系监考老师")
            .await?;
        if old.is_empty() {
            return Err(ServiceError::Invalid("请输入原密码".into()));
        }
        if old.chars().count() > MAX_PASSWORD_CHARS {
            return Err(ServiceError::Unauthorized("原密码错误".into()));
        }
        if let Some(problem) = new_password_problem(old, new) {
            return Err(ServiceError::Invalid(problem));
        }
        let now = self.now();
        let account_key = staff_login_key(&a.username);
        let wrong_key = format!("password-change:{}", a.username);
        self.refuse_once_counted(
            &wrong_key,
            now - WRONG_OLD_WINDOW_MS,
            MAX_WRONG_OLD,
            "原密码输错次数过多，请 15 分钟后再试，或联系考务办公室",
        )
        .await?;
        let (old, hash) = (old.to_string(), a.password_hash.clone());
        if !verify(old, Some(hash), &DUMMY_STAFF_HASH).await {
            self.store
                .record_login_failure(&account_key, &[&wrong_key], now, now - WRONG_OLD_WINDOW_MS)
                .await?;
            return Err(ServiceError::Unauthorized("原密码错误".into()));
        }
        let new = new.to_string();
        let new_hash = tokio::task::spawn_blocking(move || hash_password(&new, Strength::Staff))
            .await
            .map_err(|e| ServiceError::Internal(format!("hashing a password: {e}")))?;
        self.store.set_password(a.id, &new_hash).await?;
        self.store.clear_login_failures(&[&wrong_key]).await?;
        self.store.revoke_account_sessions(a.id, &s.id).await?;
        let reason = if a.must_change_password {
            "修改初始密码"
        } else {
            ""
        };
        self.store
            .record_audit(&crate::store::AuditRecord {
                event_id: 0,
                actor: &format!("{}#{}", a.role, a.id),
                action: "change_password",
                subject: &a.username,
                old: "",
                new: "",
                reason,
                at_ms: now,
            })
            .await?;
        Ok(a)
    }
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
