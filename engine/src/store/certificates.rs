//! Certification after a pass (issue 18): the applicant's certification application, the
//! post-mark the office records, the committee's decision, and the certificates issued with
//! their status (suspended, revoked) and the holder's directory entry.

use super::marking::{AuditRecord, audit};
use super::{Backend, Result, Store};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RequestRow {
    pub id: i64,
    pub application_id: i64,
    pub applicant_id: i64,
    pub report_chars: i64,
    pub other_certificates: String,
    pub submitted_ms: i64,
    pub postmarked_on: String,
    pub timing: String,
    pub state: String,
    pub decision_reason: String,
    pub decided_ms: Option<i64>,
}

const REQUEST_COLUMNS: &str = "id, application_id, applicant_id, report_chars, other_certificates, submitted_ms, \
     postmarked_on, timing, state, decision_reason, decided_ms";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CertificateRow {
    pub id: i64,
    pub number: String,
    pub request_id: i64,
    pub applicant_id: i64,
    pub name: String,
    pub name_pinyin: String,
    pub id_number: String,
    pub certified_on: String,
    pub revoked: i64,
    pub suspended: i64,
    pub status_reason: String,
    pub salt: String,
    pub listed: i64,
    pub employment: String,
    pub employer: String,
    pub contact: String,
}

const CERTIFICATE_COLUMNS: &str = "id, number, request_id, applicant_id, name, name_pinyin, id_number, certified_on, \
     revoked, suspended, status_reason, salt, listed, employment, employer, contact";

/// A certificate to issue with the committee's approval.
pub struct NewCertificate<'a> {
    pub year: u16,
    pub name: &'a str,
    pub name_pinyin: &'a str,
    pub id_number: &'a str,
    /// `YYYY-MM-DD`.
    pub certified_on: &'a str,
    pub salt: &'a str,
    /// The number of the year's next certificate after the highest serial ever issued in it
    /// (`None` when the year's serials are used up): the rule, `exam_rules`'s `next_serial`.
    pub number_of: fn(u16, Option<u32>) -> Option<String>,
}

/// The committee's decision on a request.
pub struct Decision<'a> {
    pub request_id: i64,
    /// approved, deferred or refused.
    pub state: &'a str,
    pub reason: &'a str,
    pub actor: &'a str,
    pub event_id: i64,
    pub at_ms: i64,
}

/// An audit entry with its place in the log.
#[derive(sqlx::FromRow)]
struct NumberedAudit {
    id: i64,
    #[sqlx(flatten)]
    entry: super::AuditEntry,
}

impl Store {
    pub async fn create_certification_request(
        &self,
        application_id: i64,
        applicant_id: i64,
        report: &str,
        report_chars: i64,
        other_certificates: &str,
        now: i64,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO certification_requests (application_id, applicant_id, report, report_chars, other_certificates, submitted_ms, state) \
             VALUES ($1, $2, $3, $4, $5, $6, 'submitted') RETURNING id",
        )
        .bind(application_id)
        .bind(applicant_id)
        .bind(report)
        .bind(report_chars)
        .bind(other_certificates)
        .bind(now)
        .fetch_one(&self.write)
        .await?)
    }

    /// An application's certification requests, newest first.
    pub async fn certification_requests_of(&self, application_id: i64) -> Result<Vec<RequestRow>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS} FROM certification_requests WHERE application_id = $1 ORDER BY id DESC"
        )))
        .bind(application_id)
        .fetch_all(&self.write)
        .await?)
    }

    pub async fn certification_request(&self, id: i64) -> Result<Option<RequestRow>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS} FROM certification_requests WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.write)
        .await?)
    }

    /// Every request, newest first; in one state when given.
    pub async fn certification_requests(&self, state: Option<&str>) -> Result<Vec<RequestRow>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS} FROM certification_requests WHERE ($1 IS NULL OR state = $1) ORDER BY id DESC"
        )))
        .bind(state)
        .fetch_all(&self.read)
        .await?)
    }

    /// The request's work report as pasted.
    pub async fn certification_report(&self, id: i64) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT report FROM certification_requests WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.read)
                .await?,
        )
    }

    /// Records the post-mark date of the paper documents and the period it falls in, audited.
    pub async fn record_postmark(
        &self,
        id: i64,
        event_id: i64,
        postmarked_on: &str,
        timing: &str,
        actor: &str,
        now: i64,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE certification_requests SET postmarked_on = $2, timing = $3 WHERE id = $1 AND state = 'submitted'",
        )
        .bind(id)
        .bind(postmarked_on)
        .bind(timing)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        audit(
            &mut tx,
            &AuditRecord {
                event_id,
                actor,
                action: "record_postmark",
                subject: &format!("认证申请 {id}"),
                old: "",
                new: postmarked_on,
                reason: timing,
                at_ms: now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Records the committee's decision; an approval issues the certificate in the same
    /// transaction: the year's next serial after the highest ever issued, the next place in the
    /// status lists.
    pub async fn decide_certification(
        &self,
        d: &Decision<'_>,
        certificate: Option<&NewCertificate<'_>>,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        if self.backend == Backend::Postgres {
            // Two offices approving at once must not take the same serial.
            sqlx::query("LOCK TABLE certificates IN EXCLUSIVE MODE")
                .execute(&mut *tx)
                .await?;
        }
        let pending: Option<(i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT id, applicant_id FROM certification_requests WHERE id = $1 AND state = 'submitted'{}",
            self.for_update()
        )))
        .bind(d.request_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((_, applicant_id)) = pending else {
            return Ok(false);
        };
        sqlx::query(
            "UPDATE certification_requests SET state = $2, decision_reason = $3, decided_ms = $4, decided_by = $5 WHERE id = $1",
        )
        .bind(d.request_id)
        .bind(d.state)
        .bind(d.reason)
        .bind(d.at_ms)
        .bind(d.actor)
        .execute(&mut *tx)
        .await?;
        let mut issued = None;
        if let Some(c) = certificate {
            let highest: Option<i64> = sqlx::query_scalar("SELECT MAX(serial) FROM certificates WHERE year = $1")
                .bind(i64::from(c.year))
                .fetch_one(&mut *tx)
                .await?;
            let serial = highest.map_or(1, |s| s + 1);
            let Some(number) = (c.number_of)(c.year, highest.map(|s| s as u32)) else {
                return Err(super::StoreError::Corrupt(format!(
                    "no certificate number left in {}",
                    c.year
                )));
            };
            let id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM certificates")
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO certificates (id, number, year, serial, request_id, applicant_id, name, name_pinyin, id_number, certified_on, salt, issued_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(id)
            .bind(&number)
            .bind(i64::from(c.year))
            .bind(serial)
            .bind(d.request_id)
            .bind(applicant_id)
            .bind(c.name)
            .bind(c.name_pinyin)
            .bind(c.id_number)
            .bind(c.certified_on)
            .bind(c.salt)
            .bind(d.at_ms)
            .execute(&mut *tx)
            .await?;
            issued = Some(number);
        }
        audit(
            &mut tx,
            &AuditRecord {
                event_id: d.event_id,
                actor: d.actor,
                action: "certification_decision",
                subject: &format!("认证申请 {}", d.request_id),
                old: "submitted",
                new: &match &issued {
                    Some(number) => format!("{}，证书 {number}", d.state),
                    None => d.state.to_string(),
                },
                reason: d.reason,
                at_ms: d.at_ms,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn certificate(&self, number: &str) -> Result<Option<CertificateRow>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {CERTIFICATE_COLUMNS} FROM certificates WHERE number = $1"
        )))
        .bind(number)
        .fetch_optional(&self.write)
        .await?)
    }

    pub async fn certificate_of_request(&self, request_id: i64) -> Result<Option<CertificateRow>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {CERTIFICATE_COLUMNS} FROM certificates WHERE request_id = $1"
        )))
        .bind(request_id)
        .fetch_optional(&self.write)
        .await?)
    }

    /// Every certificate, by number.
    pub async fn certificates(&self) -> Result<Vec<CertificateRow>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {CERTIFICATE_COLUMNS} FROM certificates ORDER BY number"
        )))
        .fetch_all(&self.read)
        .await?)
    }

    /// Suspends, reinstates or revokes a certificate, audited; a revoked one stays revoked.
    pub async fn set_certificate_status(
        &self,
        number: &str,
        suspended: bool,
        revoked: bool,
        reason: &str,
        actor: &str,
        now: i64,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE certificates SET suspended = $2, revoked = $3, status_reason = $4 WHERE number = $1 AND revoked = 0",
        )
        .bind(number)
        .bind(i64::from(suspended))
        .bind(i64::from(revoked))
        .bind(reason)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        let new = if revoked {
            "revoked"
        } else if suspended {
            "suspended"
        } else {
            "valid"
        };
        audit(
            &mut tx,
            &AuditRecord {
                event_id: 0,
                actor,
                action: "certificate_status",
                subject: number,
                old: "",
                new,
                reason,
                at_ms: now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The holder's directory entry: listed or not, and what they agreed to show.
    pub async fn set_directory_entry(
        &self,
        number: &str,
        listed: bool,
        employment: &str,
        employer: &str,
        contact: &str,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE certificates SET listed = $2, employment = $3, employer = $4, contact = $5 WHERE number = $1",
        )
        .bind(number)
        .bind(i64::from(listed))
        .bind(employment)
        .bind(employer)
        .bind(contact)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The audit entries about any of `subjects` (exactly, or followed by a space or "（"), in
    /// order: an application's or a certification's record.
    pub async fn audit_about(&self, subjects: &[String]) -> Result<Vec<super::AuditEntry>> {
        let mut out: Vec<(i64, super::AuditEntry)> = Vec::new();
        for subject in subjects {
            let rows: Vec<NumberedAudit> = sqlx::query_as(
                "SELECT id, actor, action, subject, old_value, new_value, reason, at_ms FROM audit_log \
                 WHERE subject = $1 OR subject LIKE $2 OR subject LIKE $3 ORDER BY id",
            )
            .bind(subject)
            .bind(format!("{subject} %"))
            .bind(format!("{subject}（%"))
            .fetch_all(&self.read)
            .await?;
            out.extend(rows.into_iter().map(|r| (r.id, r.entry)));
        }
        out.sort_by_key(|(id, _)| *id);
        out.dedup_by_key(|(id, _)| *id);
        Ok(out.into_iter().map(|(_, e)| e).collect())
    }

    /// Every certification request of an application, oldest first.
    pub async fn requests_of_application(&self, application_id: i64) -> Result<Vec<RequestRow>> {
        let mut rows = self.certification_requests_of(application_id).await?;
        rows.reverse();
        Ok(rows)
    }
}
