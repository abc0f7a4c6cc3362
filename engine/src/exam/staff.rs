//! Staff accounts as the office runs them: the list, a new account, a new initial password for
//! one who forgot theirs, unlocking after too many wrong passwords. Every change is audited
//! (under event 0: an account belongs to no event).

use serde::Serialize;

use super::Exam;
use super::error::{NotFound, ServiceError, ServiceResult};
use crate::auth::{Strength, hash_password, issue_password};
use crate::store::{AuditRecord, UnlockRecord};

/// The roles a staff account can have.
pub const STAFF_ROLES: [&str; 4] = ["office", "proctor", "grader", "chief"];

/// A role as the office reads it.
pub fn role_zh(role: &str) -> &'static str {
    match role {
        "office" => "考务办公室",
        "proctor" => "监考老师",
        "chief" => "阅卷组长",
        "grader" => "阅卷人",
        _ => "其他",
    }
}

/// One staff account in the office's list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StaffMember {
    pub username: String,
    pub name: String,
    /// office, proctor, grader or chief.
    pub role: String,
    /// 考务办公室, 监考老师, 阅卷人, 阅卷组长.
    pub role_name: &'static str,
    /// The initial password is still unchanged (a new account, or one whose password was reset).
    pub must_change_password: bool,
    pub created_ms: i64,
}

/// A new initial password, shown to the office once.
#[derive(Debug, Clone)]
pub struct PasswordReset {
    pub account_id: i64,
    pub password: String,
}

/// A new initial password for a staff account and its hash (hashed off the async runtime).
async fn new_staff_password() -> ServiceResult<(String, String)> {
    let password = issue_password();
    let to_hash = password.clone();
    let hash = tokio::task::spawn_blocking(move || hash_password(&to_hash, Strength::Staff))
        .await
        .map_err(|e| ServiceError::Internal(format!("hashing a password: {e}")))?;
    Ok((password, hash))
}

impl Exam {
    /// Every staff account, by role then username.
    pub async fn staff(&self) -> ServiceResult<Vec<StaffMember>> {
        Ok(self
            .store
            .staff_accounts()
            .await?
            .into_iter()
            .map(|a| StaffMember {
                role_name: role_zh(&a.role),
                username: a.username,
                name: a.display_name,
                role: a.role,
                must_change_password: a.must_change_password != 0,
                created_ms: a.created_ms,
            })
            .collect())
    }

    /// Issues a new initial password to a staff member who forgot theirs: the old one stops
    /// working, every session of the account ends, and it must be changed at the next login.
    /// An office account cannot reset its own password this way (it changes it on /password).
    /// `actor` names who asks, as the audit log does ("office#1", "cli").
    pub async fn reset_staff_password(&self, username: &str, actor: &str) -> ServiceResult<PasswordReset> {
        let account = self
            .store
            .account_by_username(username)
            .await?
            .ok_or_else(|| NotFound::Account(username.to_string()))?;
        if actor == format!("{}#{}", account.role, account.id) {
            return Err(ServiceError::Invalid(
                "不能重置自己的密码；请在“修改密码”页面修改".into(),
            ));
        }
        let (password, hash) = new_staff_password().await?;
        self.store
            .reset_password(
                account.id,
                &hash,
                &AuditRecord {
                    event_id: 0,
                    actor,
                    action: "reset_password",
                    subject: username,
                    old: "",
                    new: "",
                    reason: "考务办公室重置初始密码",
                    at_ms: self.now(),
                },
            )
            .await?;
        Ok(PasswordReset {
            account_id: account.id,
            password,
        })
    }

    /// Creates a staff account with a new initial password, which must be changed at first login.
    /// Returns the password (it exists nowhere else afterwards).
    pub async fn add_staff(&self, username: &str, name: &str, role: &str, actor: &str) -> ServiceResult<String> {
        if !STAFF_ROLES.contains(&role) {
            return Err(ServiceError::Invalid(format!(
                "角色“{role}”无效，应为 office、proctor、grader 或 chief"
            )));
        }
        if username.is_empty()
            || username.len() > 64
            || !username
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        {
            return Err(ServiceError::Invalid(format!(
                "用户名“{username}”无效：只能由字母、数字和 _ - . 组成，最长 64 位"
            )));
        }
        if name.trim().is_empty() || name.chars().count() > 100 {
            return Err(ServiceError::Invalid("姓名不能为空，最长 100 字".into()));
        }
        if self.store.account_by_username(username).await?.is_some() {
            return Err(ServiceError::Invalid(format!("用户名“{username}”已存在")));
        }
        let (password, hash) = new_staff_password().await?;
        let id = self
            .store
            .create_account(username, name, role, &hash, self.now())
            .await?;
        self.store.require_password_change(id, true).await?;
        self.store
            .record_audit(&AuditRecord {
                event_id: 0,
                actor,
                action: "create_account",
                subject: username,
                old: "",
                new: &format!("{name}（{}）", role_zh(role)),
                reason: "",
                at_ms: self.now(),
            })
            .await?;
        Ok(password)
    }

    /// What was done to staff accounts and the bank, outside any event (newest last): accounts
    /// created, passwords reset or changed, logins unlocked, items retired or reinstated.
    pub async fn staff_audit(&self) -> ServiceResult<Vec<crate::store::AuditEntry>> {
        Ok(self.store.audit_log(0).await?)
    }

    /// Unlocks a staff account after too many wrong passwords (audited under event 0: no event).
    /// Returns how many failed logins were forgotten.
    pub async fn unlock_staff(&self, username: &str, reason: &str, actor: &str) -> ServiceResult<u64> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(ServiceError::Invalid("请填写解锁原因（最多 500 字）".into()));
        }
        if self.store.account_by_username(username).await?.is_none() {
            return Err(NotFound::Account(username.to_string()).into());
        }
        let record = UnlockRecord {
            event_id: 0,
            actor,
            subject: username,
            reason,
            at_ms: self.now(),
            room_log: None,
        };
        Ok(self
            .store
            .unlock_account(&crate::auth::staff_login_key(username), &record)
            .await?)
    }
}
