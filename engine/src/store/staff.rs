//! Accounts, candidates' logins, sessions and failed-login records.

use sqlx::Row;

use super::{Result, Store};

#[derive(Debug, Clone)]
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: String,
    /// The password is an initial one issued by the exam office: it must be changed before the
    /// account may do anything else.
    pub must_change_password: bool,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CandidateRow {
    pub id: i64,
    pub event_id: i64,
    pub ticket: String,
    pub name: String,
    pub room: String,
    pub seat: String,
    pub password_hash: String,
}

/// A candidate found across events.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FoundCandidate {
    pub event_id: i64,
    pub event_name: String,
    pub ticket: String,
    pub name: String,
    pub room: String,
    pub seat: String,
    #[sqlx(try_from = "String")]
    pub state: exam_rules::sitting::SittingState,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub role: String,
    pub subject_id: i64,
    pub expires_ms: i64,
    /// A staff account's initial password is still unchanged (never for a candidate).
    pub must_change_password: bool,
}

impl Session {
    /// How the logs and the audit name whoever holds this session: "proctor#3".
    pub fn actor(&self) -> String {
        format!("{}#{}", self.role, self.subject_id)
    }

    /// A staff member's session (not a candidate's, not an applicant's): its subject is an
    /// account of the `accounts` table.
    pub fn is_staff(&self) -> bool {
        !matches!(self.role.as_str(), "candidate" | "applicant")
    }
}

/// A staff account as the office's list shows it (never the password hash).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaffRow {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub must_change_password: i64,
    pub created_ms: i64,
}

/// A proctor of an event and one room they run.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProctorRoom {
    pub username: String,
    /// The proctor's display name.
    pub name: String,
    pub room: String,
}

impl Store {
    pub async fn create_account(
        &self,
        username: &str,
        display_name: &str,
        role: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO accounts (username, display_name, role, password_hash, created_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(username)
        .bind(display_name)
        .bind(role)
        .bind(password_hash)
        .bind(now)
        .fetch_one(&self.write)
        .await?)
    }

    pub async fn account_by_username(&self, username: &str) -> Result<Option<AccountRow>> {
        let row = sqlx::query(
            "SELECT id, username, display_name, role, password_hash, must_change_password FROM accounts WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| {
            Ok(AccountRow {
                id: r.try_get("id")?,
                username: r.try_get("username")?,
                display_name: r.try_get("display_name")?,
                role: r.try_get("role")?,
                password_hash: r.try_get("password_hash")?,
                must_change_password: r.try_get::<i64, _>("must_change_password")? != 0,
            })
        })
        .transpose()
    }

    pub async fn account(&self, id: i64) -> Result<Option<AccountRow>> {
        let username: Option<String> = sqlx::query_scalar("SELECT username FROM accounts WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        match username {
            Some(u) => self.account_by_username(&u).await,
            None => Ok(None),
        }
    }

    /// Every staff account, by role then username.
    pub async fn staff_accounts(&self) -> Result<Vec<StaffRow>> {
        Ok(sqlx::query_as(
            "SELECT username, display_name, role, must_change_password, created_ms \
             FROM accounts ORDER BY role, username",
        )
        .fetch_all(&self.read)
        .await?)
    }

    /// The office issues a new initial password: the hash is replaced, the account must change it
    /// at its next login, every session of the account ends, and the audit log says who did it —
    /// all in one transaction. Returns the ids of the sessions ended.
    pub async fn reset_password(
        &self,
        account_id: i64,
        password_hash: &str,
        record: &super::AuditRecord<'_>,
    ) -> Result<Vec<String>> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE accounts SET password_hash = $1, must_change_password = 1 WHERE id = $2")
            .bind(password_hash)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        let ended: Vec<String> = sqlx::query_scalar(
            "UPDATE sessions SET revoked = 1 WHERE subject_id = $1 AND role <> 'candidate' AND revoked = 0 RETURNING id",
        )
        .bind(account_id)
        .fetch_all(&mut *tx)
        .await?;
        super::marking::audit(&mut tx, record).await?;
        tx.commit().await?;
        Ok(ended)
    }

    /// Sets or clears the account's duty to change its password before anything else.
    pub async fn require_password_change(&self, account_id: i64, required: bool) -> Result<()> {
        sqlx::query("UPDATE accounts SET must_change_password = $1 WHERE id = $2")
            .bind(i64::from(required))
            .bind(account_id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Replaces the account's password hash; the account owes no password change any more.
    pub async fn set_password(&self, account_id: i64, password_hash: &str) -> Result<()> {
        sqlx::query("UPDATE accounts SET password_hash = $1, must_change_password = 0 WHERE id = $2")
            .bind(password_hash)
            .bind(account_id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Ends every live session of a staff account but `keep` (after a password change, whoever
    /// logged in with the old password is logged out). Returns the ids of the sessions ended.
    pub async fn revoke_account_sessions(&self, account_id: i64, keep: &str) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "UPDATE sessions SET revoked = 1 WHERE subject_id = $1 AND role <> 'candidate' AND revoked = 0 AND id <> $2 \
             RETURNING id",
        )
        .bind(account_id)
        .bind(keep)
        .fetch_all(&self.write)
        .await?)
    }

    async fn candidate_where(&self, column: &str, value: CandidateKey<'_>) -> Result<Option<CandidateRow>> {
        let sql =
            format!("SELECT id, event_id, ticket, name, room, seat, password_hash FROM candidates WHERE {column} = $1");
        let q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        let q = match value {
            CandidateKey::Id(id) => q.bind(id),
            CandidateKey::Ticket(t) => q.bind(t.to_string()),
        };
        Ok(q.fetch_optional(&self.read).await?)
    }

    /// Candidates of every event whose ticket or name contains `text` (case-insensitive), or whose
    /// ID number is `text`; the newest events first, at most `limit`.
    pub async fn search_candidates(&self, text: &str, limit: i64) -> Result<Vec<FoundCandidate>> {
        let escaped: String = text
            .to_lowercase()
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        Ok(sqlx::query_as(
            "SELECT c.event_id, e.name AS event_name, c.ticket, c.name, c.room, c.seat, s.state \
             FROM candidates c JOIN events e ON e.id = c.event_id JOIN sittings s ON s.candidate_id = c.id \
             WHERE LOWER(c.ticket) LIKE $1 ESCAPE '\\' OR LOWER(c.name) LIKE $1 ESCAPE '\\' OR c.id_number = $2 \
             ORDER BY c.event_id DESC, c.ticket LIMIT $3",
        )
        .bind(format!("%{escaped}%"))
        .bind(text.to_uppercase())
        .bind(limit)
        .fetch_all(&self.read)
        .await?)
    }

    pub async fn candidate_by_ticket(&self, ticket: &str) -> Result<Option<CandidateRow>> {
        self.candidate_where("ticket", CandidateKey::Ticket(ticket)).await
    }

    pub async fn candidate(&self, id: i64) -> Result<Option<CandidateRow>> {
        self.candidate_where("id", CandidateKey::Id(id)).await
    }

    pub async fn create_session(&self, id: &str, role: &str, subject_id: i64, now: i64, expires_ms: i64) -> Result<()> {
        sqlx::query("INSERT INTO sessions (id, role, subject_id, created_ms, expires_ms) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(role)
            .bind(subject_id)
            .bind(now)
            .bind(expires_ms)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// A live session (not revoked, not expired at `now`), with whether its staff account still
    /// owes a password change.
    pub async fn session(&self, id: &str, now: i64) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT s.id, s.role, s.subject_id, s.expires_ms, COALESCE(a.must_change_password, 0) AS must_change_password \
             FROM sessions s LEFT JOIN accounts a ON s.role NOT IN ('candidate', 'applicant') AND a.id = s.subject_id \
             WHERE s.id = $1 AND s.revoked = 0 AND s.expires_ms > $2",
        )
        .bind(id)
        .bind(now)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| {
            Ok(Session {
                id: r.try_get("id")?,
                role: r.try_get("role")?,
                subject_id: r.try_get("subject_id")?,
                expires_ms: r.try_get("expires_ms")?,
                must_change_password: r.try_get::<i64, _>("must_change_password")? != 0,
            })
        })
        .transpose()
    }

    pub async fn revoke_session(&self, id: &str) -> Result<()> {
        sqlx::query("UPDATE sessions SET revoked = 1 WHERE id = $1")
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Counts a failed login under each of `keys` (an account, a client address, …) and forgets
    /// failures from before `forget_before`, so the table stays small whatever is tried. Keys
    /// are stored as their SHA-256: a fixed size, however long the name a client sent.
    /// `account` names the account the login was for (so that it can be unlocked).
    pub async fn record_login_failure(&self, account: &str, keys: &[&str], now: i64, forget_before: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM login_failures WHERE at_ms < $1")
            .bind(forget_before)
            .execute(&mut *tx)
            .await?;
        for key in keys {
            sqlx::query("INSERT INTO login_failures (subject, account_key, at_ms) VALUES ($1, $2, $3)")
                .bind(failure_key(key))
                .bind(failure_key(account))
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn login_failures_since(&self, key: &str, since_ms: i64) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE subject = $1 AND at_ms >= $2")
                .bind(failure_key(key))
                .bind(since_ms)
                .fetch_one(&self.read)
                .await?,
        )
    }

    /// Forgets the failed logins counted under `keys` (after a successful login, or an unlock).
    pub async fn clear_login_failures(&self, keys: &[&str]) -> Result<()> {
        for key in keys {
            sqlx::query("DELETE FROM login_failures WHERE subject = $1")
                .bind(failure_key(key))
                .execute(&self.write)
                .await?;
        }
        Ok(())
    }
}

impl Store {
    /// Assigns a proctor to a room of an event (again: no change).
    pub async fn assign_proctor(&self, account_id: i64, event_id: i64, room: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO proctor_rooms (account_id, event_id, room) VALUES ($1, $2, $3) \
             ON CONFLICT (account_id, event_id, room) DO NOTHING",
        )
        .bind(account_id)
        .bind(event_id)
        .bind(room)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The rooms a proctor is assigned to: (event id, room).
    pub async fn proctor_rooms(&self, account_id: i64) -> Result<Vec<(i64, String)>> {
        let rows =
            sqlx::query("SELECT event_id, room FROM proctor_rooms WHERE account_id = $1 ORDER BY event_id, room")
                .bind(account_id)
                .fetch_all(&self.read)
                .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("event_id")?, r.try_get("room")?)))
            .collect()
    }

    /// The proctors of an event, room by room.
    pub async fn event_proctors(&self, event_id: i64) -> Result<Vec<ProctorRoom>> {
        Ok(sqlx::query_as(
            "SELECT a.username, a.display_name AS name, p.room FROM proctor_rooms p JOIN accounts a ON a.id = p.account_id \
             WHERE p.event_id = $1 ORDER BY p.room, a.username",
        )
        .bind(event_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// Whether a proctor is assigned to a room of an event.
    pub async fn proctors_room(&self, account_id: i64, event_id: i64, room: &str) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM proctor_rooms WHERE account_id = $1 AND event_id = $2 AND room = $3",
        )
        .bind(account_id)
        .bind(event_id)
        .bind(room)
        .fetch_one(&self.read)
        .await?;
        Ok(n > 0)
    }

    /// Forgets every failed login against `account` (from any address): the account is
    /// unlocked. The audit entry (and, for a candidate, the room's log entry) are written in the
    /// same transaction. Returns how many failures were forgotten.
    pub async fn unlock_account(&self, account: &str, record: &UnlockRecord<'_>) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let forgotten = sqlx::query("DELETE FROM login_failures WHERE account_key = $1")
            .bind(failure_key(account))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        super::marking::audit(
            &mut tx,
            &super::marking::AuditRecord {
                event_id: record.event_id,
                actor: record.actor,
                action: "unlock_login",
                subject: record.subject,
                old: "",
                new: "",
                reason: record.reason,
                at_ms: record.at_ms,
            },
        )
        .await?;
        if let Some(entry) = record.room_log {
            super::rooms::insert_proctor_entry(&mut tx, entry).await?;
        }
        tx.commit().await?;
        Ok(forgotten)
    }
}

/// Who unlocked an account, why and when: the audit entry (event 0 for a staff account) and,
/// for a candidate, the entry in the room's proctor log.
#[derive(Debug, Clone)]
pub struct UnlockRecord<'a> {
    pub event_id: i64,
    pub actor: &'a str,
    /// The ticket or user name unlocked.
    pub subject: &'a str,
    pub reason: &'a str,
    pub at_ms: i64,
    pub room_log: Option<&'a super::ProctorEntry<'a>>,
}

/// What `login_failures.subject` holds for a key: its SHA-256 in hex.
fn failure_key(key: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(key.as_bytes()))
}

enum CandidateKey<'a> {
    Id(i64),
    Ticket(&'a str),
}
