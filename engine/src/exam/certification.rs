//! Certification after a pass (issue 18; the guide's §四 2 and §八 2): the applicant applies
//! with the work report (3,000–5,000 characters, counted) and posts the paper documents; the
//! office records the post-mark (within 30 days of the release: this period; later: the next;
//! after the pass lapsed: not taken); the committee approves (a certificate is issued), defers
//! (re-apply within the pass's validity at no fee) or refuses, with reasons. Certificates can be
//! suspended, reinstated or revoked; anyone can verify one by its number; the holders who agree
//! are listed in the public directory with what they chose to show.

use exam_rules::certification::certificate::{CertificateNo, CertificateStatus, certificate_status, next_serial};
use exam_rules::certification::date_zh;
use exam_rules::certification::eligibility::eligibility;
use exam_rules::certification::windows::{
    ApplicationTiming, application_last_day, certification_application, deferred_reapplication, pass_valid_until,
};
use exam_rules::certification::work_report::check_work_report;
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use super::Exam;
use super::error::{NotFound, ServiceError, ServiceResult};
use super::registration::{ApplicationView, beijing_date, date_iso, parse_date};
use crate::store::{ApplicationRow, CertificateRow, Decision, NewCertificate, RequestRow, Session};

/// The longest text a work report may be sent as (characters, whitespace included): the counted
/// limit is 5,000; this only bounds what is read.
const MAX_REPORT_TEXT: usize = 20_000;
/// The longest "other certificates" and directory fields.
const MAX_NOTE_CHARS: usize = 500;

/// The applicant's certification application.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CertificationInput {
    /// 《工作业绩报告》全文（3000～5000 字，按“字符数(不计空格)”计）
    pub report: String,
    /// 其它质量专业资格证书（可不填）
    #[serde(default)]
    pub other_certificates: String,
}

/// A certification application as its applicant and the office see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertificationView {
    pub id: i64,
    /// submitted（待审核）、approved（已批准，颁发证书）、deferred（暂缓发证）、refused（不予认证）
    pub state: String,
    pub state_zh: String,
    /// 工作业绩报告字数
    pub report_chars: i64,
    pub other_certificates: String,
    pub submitted_ms: i64,
    /// 纸质材料的邮寄日期（考务办公室记录）
    pub postmarked_on: String,
    /// 按邮寄日期判断的受理期
    pub timing_zh: String,
    /// 认证委员会的决定理由
    pub decision_reason: String,
    pub certificate: Option<CertificateView>,
}

/// A certificate as its holder and the office see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertificateView {
    pub number: String,
    pub name: String,
    pub name_pinyin: String,
    pub certified_on_zh: String,
    /// valid、suspended、revoked
    pub status: String,
    pub status_zh: String,
    pub status_reason: String,
    /// 公开验证页
    pub verify_path: String,
    /// 同意在公开名录中列出
    pub listed: bool,
    pub employment: String,
    pub employer: String,
    pub contact: String,
}

/// When and whether the applicant may apply for certification.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertificationWindow {
    pub may_apply: bool,
    /// 本期认证申请的邮寄截止日（成绩发布后 30 日）
    pub apply_by_zh: String,
    /// 合格成绩有效期
    pub valid_until_zh: String,
    pub note_zh: String,
}

/// A certification application in the office's list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertificationSummary {
    pub id: i64,
    pub application_id: i64,
    pub name: String,
    pub id_number: String,
    pub state: String,
    pub state_zh: String,
    pub postmarked_on: String,
    pub timing_zh: String,
    pub report_chars: i64,
    /// 按今天的日期判断的申请资格
    pub eligibility_today_zh: String,
    pub certificate_number: Option<String>,
}

/// One certification application as the office reviews it: with the report's text.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfficeCertification {
    #[serde(flatten)]
    pub summary: CertificationSummary,
    pub report: String,
    pub other_certificates: String,
    pub decision_reason: String,
    pub certificate: Option<CertificateView>,
}

/// The committee's decision as the office records it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CommitteeDecision {
    /// approve（批准，颁发证书）、defer（暂缓发证）或 refuse（不予认证）
    pub decision: String,
    /// 理由（暂缓和不予认证时必填，申请人可见）
    #[serde(default)]
    pub reason: String,
}

/// A certificate's status as the office sets it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct StatusChange {
    /// valid（恢复有效）、suspended（暂停）或 revoked（撤销，不可恢复）
    pub status: String,
    pub reason: String,
}

/// The holder's directory entry.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct DirectoryInput {
    /// 同意在公开名录中列出就业状态、工作单位和联系方式
    pub listed: bool,
    /// 就业状态（如 在职）
    pub employment: String,
    pub employer: String,
    pub contact: String,
}

/// What the public verification page shows: never the ID number.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Verification {
    pub number: String,
    /// 找到该证书
    pub found: bool,
    pub name: String,
    pub certified_on_zh: String,
    /// valid、suspended、revoked；找不到时为空
    pub status: String,
    pub status_zh: String,
}

/// A certified quality manager in the public directory.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DirectoryEntry {
    pub name: String,
    pub certified_on_zh: String,
    pub number: String,
    /// 仅本人同意时显示
    pub employment: Option<String>,
    pub employer: Option<String>,
    pub contact: Option<String>,
}

fn request_state_zh(state: &str) -> &'static str {
    match state {
        "submitted" => "已提交，待认证审核",
        "approved" => "已批准，颁发证书",
        "deferred" => "暂缓发证",
        "refused" => "不予认证",
        _ => "未知",
    }
}

fn note(value: &str, field: &str) -> ServiceResult<String> {
    let value = value.trim();
    if value.chars().count() > MAX_NOTE_CHARS || value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ServiceError::Invalid(format!(
            "{field}最多 {MAX_NOTE_CHARS} 个字，且不能含控制字符"
        )));
    }
    Ok(value.to_string())
}

fn status_of(c: &CertificateRow, today: Date) -> CertificateStatus {
    certificate_status(c.revoked != 0, c.suspended != 0, None, today)
}

fn certified_on(c: &CertificateRow) -> String {
    parse_date(&c.certified_on, "认证日期")
        .map(date_zh)
        .unwrap_or_else(|_| c.certified_on.clone())
}

impl Exam {
    fn certificate_view(&self, c: CertificateRow) -> CertificateView {
        let status = status_of(&c, beijing_date(self.now()));
        CertificateView {
            verify_path: format!("/verify/{}", c.number),
            certified_on_zh: certified_on(&c),
            status: status.as_str().into(),
            status_zh: status.message_zh().into(),
            number: c.number,
            name: c.name,
            name_pinyin: c.name_pinyin,
            status_reason: c.status_reason,
            listed: c.listed != 0,
            employment: c.employment,
            employer: c.employer,
            contact: c.contact,
        }
    }

    async fn certification_view(&self, r: RequestRow) -> ServiceResult<CertificationView> {
        let certificate = self
            .store
            .certificate_of_request(r.id)
            .await?
            .map(|c| self.certificate_view(c));
        Ok(CertificationView {
            id: r.id,
            state_zh: request_state_zh(&r.state).into(),
            state: r.state,
            report_chars: r.report_chars,
            other_certificates: r.other_certificates,
            submitted_ms: r.submitted_ms,
            postmarked_on: r.postmarked_on,
            timing_zh: r.timing,
            decision_reason: r.decision_reason,
            certificate,
        })
    }

    /// The exam date and release date of a passed application's sitting; `None` unless passed
    /// and released.
    async fn passed_sitting(&self, row: &ApplicationRow) -> ServiceResult<Option<(Date, Date)>> {
        let (Some(event_id), Some(candidate_id)) = (row.event_id, row.candidate_id) else {
            return Ok(None);
        };
        let event = self.store.event(event_id).await?.ok_or(NotFound::Event(event_id))?;
        let Some(released_ms) = event.released_ms else {
            return Ok(None);
        };
        let passed = self
            .released_result(candidate_id)
            .await?
            .is_some_and(|r| r.passed == Some(true));
        Ok(passed.then(|| (beijing_date(event.starts_at_ms), beijing_date(released_ms))))
    }

    /// The application's latest certification request and whether (and by when) one may be made.
    /// `passed`: the exam and release dates when the application's sitting was passed and
    /// released (the view has read them already).
    pub(super) async fn certification_part(
        &self,
        row: &ApplicationRow,
        passed: Option<(Date, Date)>,
    ) -> ServiceResult<(Option<CertificationView>, Option<CertificationWindow>)> {
        let Some((exam_date, released_on)) = passed else {
            return Ok((None, None));
        };
        let latest = self.store.certification_requests_of(row.id).await?.into_iter().next();
        let today = beijing_date(self.now());
        let valid_until = pass_valid_until(exam_date);
        let (may_apply, note_zh) = match latest.as_ref().map(|r| r.state.as_str()) {
            None if today > valid_until => (false, "合格成绩已过有效期，需重新参加考试".to_string()),
            None => (
                true,
                "请在线提交《工作业绩报告》，并将纸质材料在截止日前寄出（以邮寄日期为准）".to_string(),
            ),
            Some("deferred") => match deferred_reapplication(exam_date, today) {
                Ok(()) => (
                    true,
                    "暂缓发证：资格满足后可在成绩有效期内再次申请，无需缴费".to_string(),
                ),
                Err(e) => (false, e.message_zh()),
            },
            Some("submitted") => (false, "认证申请已提交，等待审核".to_string()),
            Some("approved") => (false, "已颁发证书".to_string()),
            _ => (false, "认证申请未获批准，如有异议请联系考务办公室".to_string()),
        };
        let view = match latest {
            Some(r) => Some(self.certification_view(r).await?),
            None => None,
        };
        Ok((
            view,
            Some(CertificationWindow {
                may_apply,
                apply_by_zh: date_zh(application_last_day(released_on)),
                valid_until_zh: date_zh(valid_until),
                note_zh,
            }),
        ))
    }

    /// The applicant applies for certification after a pass.
    pub async fn apply_certification(&self, s: &Session, input: &CertificationInput) -> ServiceResult<ApplicationView> {
        let view = self.my_application(s).await?;
        let window = view
            .certification_window
            .as_ref()
            .ok_or_else(|| ServiceError::Invalid("考试合格且成绩发布后才能申请认证".into()))?;
        if !window.may_apply {
            return Err(ServiceError::Invalid(window.note_zh.clone()));
        }
        if input.report.chars().count() > MAX_REPORT_TEXT {
            return Err(ServiceError::Invalid(format!(
                "《工作业绩报告》过长：最多 {MAX_REPORT_TEXT} 个字符（含空格）"
            )));
        }
        let chars = check_work_report(&input.report).map_err(|e| ServiceError::Invalid(e.message_zh()))?;
        let other = note(&input.other_certificates, "其它资格证书")?;
        let applicant = s.subject_id;
        self.store
            .create_certification_request(view.id, applicant, &input.report, chars as i64, &other, self.now())
            .await?;
        self.my_application(s).await
    }

    /// Every certification request for the office, newest first.
    pub async fn certification_requests(&self, state: Option<&str>) -> ServiceResult<Vec<CertificationSummary>> {
        let mut out = Vec::new();
        for r in self.store.certification_requests(state).await? {
            out.push(self.certification_summary(r).await?);
        }
        Ok(out)
    }

    async fn certification_summary(&self, r: RequestRow) -> ServiceResult<CertificationSummary> {
        let app = self
            .store
            .application(r.application_id)
            .await?
            .ok_or(NotFound::Application(r.application_id))?;
        let view = self.office_application(app.id).await?;
        let today = beijing_date(self.now());
        let education = super::registration::education_code(&view.form.education);
        let history = super::registration::work_history_of(&view.form);
        let eligibility_today_zh = match (education, history) {
            (Some(e), Some(h)) => eligibility(e, &h, today).message_zh(),
            _ => "表单中的学历或工作经历无法判断".into(),
        };
        let certificate_number = self.store.certificate_of_request(r.id).await?.map(|c| c.number);
        Ok(CertificationSummary {
            id: r.id,
            application_id: app.id,
            name: app.name,
            id_number: app.id_number,
            state_zh: request_state_zh(&r.state).into(),
            state: r.state,
            postmarked_on: r.postmarked_on,
            timing_zh: r.timing,
            report_chars: r.report_chars,
            eligibility_today_zh,
            certificate_number,
        })
    }

    async fn request_row(&self, id: i64) -> ServiceResult<RequestRow> {
        self.store
            .certification_request(id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(NotFound::CertificationRequest(id)))
    }

    /// One certification request with its report, for the office.
    pub async fn office_certification(&self, id: i64) -> ServiceResult<OfficeCertification> {
        let r = self.request_row(id).await?;
        let report = self.store.certification_report(id).await?.unwrap_or_default();
        let certificate = self
            .store
            .certificate_of_request(id)
            .await?
            .map(|c| self.certificate_view(c));
        let other_certificates = r.other_certificates.clone();
        let decision_reason = r.decision_reason.clone();
        Ok(OfficeCertification {
            summary: self.certification_summary(r).await?,
            report,
            other_certificates,
            decision_reason,
            certificate,
        })
    }

    /// The office records the post-mark date of the paper documents: the period it falls in.
    pub async fn record_postmark(
        &self,
        id: i64,
        postmarked_on: &str,
        actor: &str,
    ) -> ServiceResult<OfficeCertification> {
        let r = self.request_row(id).await?;
        let date = parse_date(postmarked_on, "邮寄日期")?;
        let today = beijing_date(self.now());
        if date > today {
            return Err(ServiceError::Invalid(format!(
                "邮寄日期 {} 晚于今天（{}）",
                date_zh(date),
                date_zh(today)
            )));
        }
        let app = self
            .store
            .application(r.application_id)
            .await?
            .ok_or(NotFound::Application(r.application_id))?;
        let (exam_date, released_on) = self
            .passed_sitting(&app)
            .await?
            .ok_or_else(|| ServiceError::Invalid("该申请人的考试未合格或成绩尚未发布".into()))?;
        let timing = certification_application(exam_date, released_on, date);
        if !self
            .store
            .record_postmark(
                id,
                app.event_id.unwrap_or(0),
                &date_iso(date),
                &timing.message_zh(),
                actor,
                self.now(),
            )
            .await?
        {
            return Err(ServiceError::Invalid(format!(
                "认证申请{}，不能再记录邮寄日期",
                request_state_zh(&r.state)
            )));
        }
        self.office_certification(id).await
    }

    /// The office records the committee's decision; an approval issues the certificate.
    pub async fn decide_certification(
        &self,
        id: i64,
        d: &CommitteeDecision,
        actor: &str,
    ) -> ServiceResult<OfficeCertification> {
        let r = self.request_row(id).await?;
        let reason = note(&d.reason, "理由")?;
        let state = match d.decision.as_str() {
            "approve" => "approved",
            "defer" | "refuse" if reason.is_empty() => {
                return Err(ServiceError::Invalid(
                    "暂缓发证或不予认证须写明理由（申请人可见）".into(),
                ));
            }
            "defer" => "deferred",
            "refuse" => "refused",
            other => {
                return Err(ServiceError::Invalid(format!(
                    "认证决定“{other}”无效：应为 approve（批准）、defer（暂缓发证）或 refuse（不予认证）"
                )));
            }
        };
        if r.state != "submitted" {
            return Err(ServiceError::Invalid(format!(
                "只能对待审核的认证申请作出决定：该申请{}",
                request_state_zh(&r.state)
            )));
        }
        let app = self
            .store
            .application(r.application_id)
            .await?
            .ok_or(NotFound::Application(r.application_id))?;
        if state == "approved" {
            if r.postmarked_on.is_empty() {
                return Err(ServiceError::Invalid(
                    "尚未记录纸质材料的邮寄日期：收到材料并记录邮寄日期后才能批准".into(),
                ));
            }
            if let Some((exam_date, released_on)) = self.passed_sitting(&app).await?
                && let ApplicationTiming::PassExpired { .. } =
                    certification_application(exam_date, released_on, parse_date(&r.postmarked_on, "邮寄日期")?)
            {
                return Err(ServiceError::Invalid(r.timing.clone()));
            }
        }
        let form = self.office_application(app.id).await?.form;
        let today = beijing_date(self.now());
        let salt = crate::auth::new_session_token().0[..32].to_string();
        let certified_on = date_iso(today);
        let certificate = NewCertificate {
            year: today.year() as u16,
            name: form.name.trim(),
            name_pinyin: form.name_pinyin.trim(),
            id_number: &app.id_number,
            certified_on: &certified_on,
            salt: &salt,
            number_of: |year, highest| next_serial(year, highest).ok().map(|n| n.to_string()),
        };
        let decision = Decision {
            request_id: id,
            state,
            reason: &reason,
            actor,
            event_id: app.event_id.unwrap_or(0),
            at_ms: self.now(),
        };
        if !self
            .store
            .decide_certification(&decision, (state == "approved").then_some(&certificate))
            .await?
        {
            return Err(ServiceError::Invalid("该认证申请刚刚已作出决定：请刷新后查看".into()));
        }
        self.office_certification(id).await
    }

    /// Suspends, reinstates or revokes a certificate (revoking is for good).
    pub async fn set_certificate_status(
        &self,
        number: &str,
        change: &StatusChange,
        actor: &str,
    ) -> ServiceResult<CertificateView> {
        let c = self
            .store
            .certificate(number)
            .await?
            .ok_or_else(|| ServiceError::NotFound(NotFound::Certificate(number.to_string())))?;
        let reason = note(&change.reason, "理由")?;
        if reason.is_empty() {
            return Err(ServiceError::Invalid("改变证书状态须写明理由".into()));
        }
        let (suspended, revoked) = match change.status.as_str() {
            "valid" => (false, false),
            "suspended" => (true, false),
            "revoked" => (false, true),
            other => {
                return Err(ServiceError::Invalid(format!(
                    "证书状态“{other}”无效：应为 valid（有效）、suspended（暂停）或 revoked（撤销）"
                )));
            }
        };
        if c.revoked != 0
            || !self
                .store
                .set_certificate_status(number, suspended, revoked, &reason, actor, self.now())
                .await?
        {
            return Err(ServiceError::Invalid(format!("证书 {number} 已撤销，不能再改变状态")));
        }
        let c = self
            .store
            .certificate(number)
            .await?
            .ok_or_else(|| ServiceError::NotFound(NotFound::Certificate(number.to_string())))?;
        Ok(self.certificate_view(c))
    }

    /// What anyone may learn of a certificate by its number: never the ID number.
    pub async fn verify_certificate(&self, number: &str) -> ServiceResult<Verification> {
        let number = number.trim().to_ascii_uppercase();
        let not_found = |status_zh: String| Verification {
            number: number.clone(),
            found: false,
            name: String::new(),
            certified_on_zh: String::new(),
            status: String::new(),
            status_zh,
        };
        if let Err(e) = CertificateNo::parse(&number) {
            return Ok(not_found(e.message_zh()));
        }
        let Some(c) = self.store.certificate(&number).await? else {
            return Ok(not_found(format!("没有编号为 {number} 的证书")));
        };
        let status = status_of(&c, beijing_date(self.now()));
        Ok(Verification {
            number,
            found: true,
            certified_on_zh: certified_on(&c),
            status: status.as_str().into(),
            status_zh: status.message_zh().into(),
            name: c.name,
        })
    }

    /// The public directory: holders of certificates in force, matching `query` (name or number);
    /// employment, employer and contact only where the holder agreed.
    pub async fn directory(&self, query: &str) -> ServiceResult<Vec<DirectoryEntry>> {
        let query = query.trim().to_lowercase();
        let today = beijing_date(self.now());
        Ok(self
            .store
            .certificates()
            .await?
            .into_iter()
            .filter(|c| status_of(c, today) == CertificateStatus::Valid)
            .filter(|c| {
                query.is_empty()
                    || c.name.to_lowercase().contains(&query)
                    || c.number.to_lowercase().contains(&query)
                    || c.name_pinyin.to_lowercase().contains(&query)
            })
            .map(|c| {
                let listed = c.listed != 0;
                let shown = |v: &str| (listed && !v.is_empty()).then(|| v.to_string());
                DirectoryEntry {
                    certified_on_zh: certified_on(&c),
                    employment: shown(&c.employment),
                    employer: shown(&c.employer),
                    contact: shown(&c.contact),
                    name: c.name,
                    number: c.number,
                }
            })
            .collect())
    }

    /// The holder chooses what the directory shows of them.
    pub async fn set_my_directory_entry(&self, s: &Session, input: &DirectoryInput) -> ServiceResult<ApplicationView> {
        let number = self.my_certificate_number(s).await.map_err(|e| match e {
            ServiceError::NotReady(_) => ServiceError::Invalid("颁发证书后才能设置名录信息".into()),
            other => other,
        })?;
        let employment = note(&input.employment, "就业状态")?;
        let employer = note(&input.employer, "工作单位")?;
        let contact = note(&input.contact, "联系方式")?;
        self.store
            .set_directory_entry(&number, input.listed, &employment, &employer, &contact)
            .await?;
        self.my_application(s).await
    }

    /// A certificate as a PDF; its QR code leads to `base_url` + `/verify/{number}`.
    pub async fn certificate_pdf(&self, number: &str, base_url: &str) -> ServiceResult<crate::print::Printed> {
        let c = self
            .store
            .certificate(number)
            .await?
            .ok_or_else(|| ServiceError::NotFound(NotFound::Certificate(number.to_string())))?;
        let info = crate::print::certificate::CertificateInfo {
            certified_on: certified_on(&c),
            verify_url: format!("{}/verify/{}", base_url.trim_end_matches('/'), c.number),
            name: c.name,
            name_pinyin: c.name_pinyin,
            id_number: c.id_number,
            number: c.number,
        };
        tokio::task::spawn_blocking(move || crate::print::certificate::certificate(&info))
            .await
            .map_err(|e| ServiceError::Internal(format!("printing a certificate: {e}")))?
            .map_err(|e| ServiceError::Invalid(e.to_string()))
    }

    /// The number of the applicant's certificate, once issued.
    async fn my_certificate_number(&self, s: &Session) -> ServiceResult<String> {
        self.my_application(s)
            .await?
            .certification
            .and_then(|c| c.certificate)
            .map(|c| c.number)
            .ok_or_else(|| ServiceError::NotReady("尚未颁发证书".into()))
    }

    /// The holder's own certificate as a PDF.
    pub async fn my_certificate_pdf(&self, s: &Session, base_url: &str) -> ServiceResult<crate::print::Printed> {
        let number = self.my_certificate_number(s).await?;
        self.certificate_pdf(&number, base_url).await
    }

    fn signing_key(&self) -> ServiceResult<&credentials::SigningKey> {
        self.signing_key.as_deref().ok_or_else(|| {
            ServiceError::NotReady(
                "本服务器未配置证书签名密钥（kaowu serve --signing-key 文件），不能签发电子证书".into(),
            )
        })
    }

    /// The issuing body as the credentials name it.
    fn issuer(base_url: &str) -> credentials::Issuer {
        credentials::Issuer {
            id: format!("{base_url}/api/issuer"),
            name: "中国质量协会".into(),
            url: Some(base_url.to_string()),
        }
    }

    /// The signing key's public half as a JWK set, for verifiers.
    pub fn issuer_keys(&self) -> ServiceResult<serde_json::Value> {
        let key = self.signing_key()?;
        Ok(serde_json::json!({ "keys": [key.public_jwk(&key.jwk_thumbprint())] }))
    }

    /// A certificate as an Open Badges 3.0 OpenBadgeCredential signed as a VC-JWT: the holder
    /// named, the ID number only as a salted hash, its place in the revocation and suspension
    /// status lists.
    pub async fn credential_jwt(&self, number: &str, base_url: &str) -> ServiceResult<String> {
        let key = self.signing_key()?;
        let c = self
            .store
            .certificate(number)
            .await?
            .ok_or_else(|| ServiceError::NotFound(NotFound::Certificate(number.to_string())))?;
        let base = base_url.trim_end_matches('/');
        let certified = parse_date(&c.certified_on, "认证日期")?;
        let valid_from = certified
            .with_hms(0, 0, 0)
            .expect("midnight")
            .assume_offset(time::UtcOffset::from_hms(8, 0, 0).expect("UTC+8"));
        let claims = credentials::CertificateClaims {
            credential_id: format!("{base}/verify/{}", c.number),
            certificate_no: c.number.clone(),
            name: c.name.clone(),
            name_pinyin: c.name_pinyin.clone(),
            id_number: c.id_number.clone(),
            salt: c.salt.clone(),
            achievement_id: format!("{base}/achievements/cmq"),
            achievement_name: "质量经理职业资格（注册质量经理）".into(),
            achievement_description: "中国质量协会与中国企业联合会联合颁发的质量经理职业资格证书：持证人经考试合格、认证审核，符合质量经理职业资格认证要求。".into(),
            criteria_narrative: "大专及以上学历，质量相关工作满 5 年（其中管理岗位满 2 年），质量经理职业资格考试合格，经质量经理职业资格认证委员会审查、评定。".into(),
            valid_from,
            valid_until: None,
            status: Some(credentials::StatusEntries {
                list_url_revocation: format!("{base}/api/status/revocation"),
                list_url_suspension: format!("{base}/api/status/suspension"),
                index: c.id as u64,
            }),
        };
        let credential = credentials::open_badge_credential(&Self::issuer(base), &claims);
        Ok(credentials::vc_jwt::sign_vc_jwt(
            &credential,
            key,
            &key.jwk_thumbprint(),
        ))
    }

    /// The holder's own credential.
    pub async fn my_credential(&self, s: &Session, base_url: &str) -> ServiceResult<String> {
        let number = self.my_certificate_number(s).await?;
        self.credential_jwt(&number, base_url).await
    }

    /// The revocation or suspension status list as a signed credential: a bit set for every
    /// certificate revoked (or suspended).
    pub async fn status_list_jwt(&self, purpose: &str, base_url: &str) -> ServiceResult<String> {
        let key = self.signing_key()?;
        let purpose = match purpose {
            "revocation" => credentials::StatusPurpose::Revocation,
            "suspension" => credentials::StatusPurpose::Suspension,
            other => return Err(ServiceError::NotFound(NotFound::StatusList(other.to_string()))),
        };
        let set: Vec<u64> = self
            .store
            .certificates()
            .await?
            .into_iter()
            .filter(|c| match purpose {
                credentials::StatusPurpose::Revocation => c.revoked != 0,
                credentials::StatusPurpose::Suspension => c.suspended != 0,
            })
            .map(|c| c.id as u64)
            .collect();
        let encoded = credentials::encode_status_list(&set, credentials::MIN_STATUS_LIST_LENGTH)
            .map_err(|e| ServiceError::Internal(e.message_zh()))?;
        let base = base_url.trim_end_matches('/');
        let url = format!("{base}/api/status/{}", purpose.as_str());
        let now =
            time::OffsetDateTime::from_unix_timestamp(self.now() / 1000).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        let credential = credentials::status_list_credential(&Self::issuer(base), &url, purpose, &encoded, now);
        Ok(credentials::vc_jwt::sign_vc_jwt(
            &credential,
            key,
            &key.jwk_thumbprint(),
        ))
    }

    /// One person's archive for the office (§四 4.3): the application as filed, its documents,
    /// each certification application with its work report and decision, the certificate, and
    /// the audit trail — as a ZIP. The export is audited.
    pub async fn application_archive(&self, id: i64, actor: &str) -> ServiceResult<(String, Vec<u8>)> {
        use std::io::Write as _;
        let view = self.office_application(id).await?;
        let row = self.store.application(id).await?.ok_or(NotFound::Application(id))?;
        let documents = self.store.documents(id).await?;
        let requests = self.store.requests_of_application(id).await?;
        let mut subjects = vec![format!("报名申请 {id}")];
        let mut certifications = Vec::new();
        for r in &requests {
            subjects.push(format!("认证申请 {}", r.id));
            let c = self.office_certification(r.id).await?;
            if let Some(cert) = &c.certificate {
                subjects.push(cert.number.clone());
            }
            certifications.push(c);
        }
        let audit = self.store.audit_about(&subjects).await?;
        let mut files: Vec<(String, Vec<u8>)> =
            vec![("报名表.json".into(), serde_json::to_vec_pretty(&view).expect("JSON"))];
        for d in &documents {
            let Some((content_type, bytes)) = self.store.document_bytes(id, d.id).await? else {
                continue;
            };
            let ext = match content_type.as_str() {
                "application/pdf" => "pdf",
                "image/png" => "png",
                _ => "jpg",
            };
            files.push((format!("材料/{}.{ext}", super::registration::kind_name(&d.kind)), bytes));
        }
        for c in &certifications {
            let dir = format!("认证申请-{}", c.summary.id);
            files.push((format!("{dir}/工作业绩报告.txt"), c.report.clone().into_bytes()));
            let mut record = serde_json::to_value(c).expect("JSON");
            if let Some(map) = record.as_object_mut() {
                map.remove("report");
            }
            files.push((
                format!("{dir}/认证记录.json"),
                serde_json::to_vec_pretty(&record).expect("JSON"),
            ));
        }
        files.push(("审计记录.json".into(), serde_json::to_vec_pretty(&audit).expect("JSON")));
        let zipped = (|| -> zip::result::ZipResult<Vec<u8>> {
            let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let options = zip::write::SimpleFileOptions::default();
            for (name, bytes) in &files {
                zip.start_file(name.as_str(), options)?;
                zip.write_all(bytes)?;
            }
            Ok(zip.finish()?.into_inner())
        })()
        .map_err(|e| ServiceError::Internal(format!("zipping an archive: {e}")))?;
        self.store
            .record_audit(&crate::store::AuditRecord {
                event_id: row.event_id.unwrap_or(0),
                actor,
                action: "export_archive",
                subject: &format!("报名申请 {id}（{}）", row.name),
                old: "",
                new: &format!("{} 个文件", files.len()),
                reason: "",
                at_ms: self.now(),
            })
            .await?;
        let name = if row.name.is_empty() {
            format!("档案-{id}")
        } else {
            format!("档案-{}-{id}", row.name)
        };
        Ok((name, zipped))
    }
}
