//! Registration for the exam (issue 18; the guide's §四 1–3 and §八): an applicant's own account,
//! the application form with the diploma scan and the 2-inch photo, eligibility judged on the
//! exam date, submission for the office's review, the fee the office records, and the three
//! conditions of a successful registration. The rules are `exam_rules::certification`'s; this
//! file reads what is stored, asks them, and has the store keep what they allow.

use std::net::IpAddr;

use exam_rules::certification::date_zh;
use exam_rules::certification::eligibility::{Education, Eligibility, WorkPeriod, eligibility};
use exam_rules::certification::fees::{Application, Fen, Settlement, Transfer, check_settlement, fee_due, fee_status};
use exam_rules::certification::photo::{PhotoRules, check_photo};
use exam_rules::certification::pinyin::suggest_pinyin;
use exam_rules::certification::registration::{ApplicationForm, PhotoStatus, form_problems, registration_status};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Date, OffsetDateTime, UtcOffset};
use utoipa::ToSchema;

use super::Exam;
use super::accounts::{LoggedIn, new_password_problem};
use super::error::{Forbidden, NotFound, ServiceError, ServiceResult};
use crate::auth::{Strength, hash_password, new_session_token};
use crate::store::{ApplicationRow, Changed, DocumentRow, FeeRecordRow, FormSave, NewDocument, Session, StateChange};

/// A document's largest size unless the `document_max_bytes` setting says otherwise (5 MB).
pub const DEFAULT_DOCUMENT_MAX_BYTES: usize = 5 * 1024 * 1024;
/// The longest text of any one field of the form (characters).
const MAX_FIELD_CHARS: usize = 100;
/// The most periods of work history one form holds.
const MAX_PERIODS: usize = 20;
/// Accounts one client address may register within [`REGISTRATION_WINDOW_MS`].
pub const MAX_REGISTRATIONS_PER_ADDRESS: i64 = 20;
const REGISTRATION_WINDOW_MS: i64 = 15 * 60 * 1000;
/// The most cities one event is held in.
const MAX_CITIES: usize = 100;

/// The kinds of documents an applicant uploads, with their names on the page.
pub const DOCUMENT_KINDS: [(&str, &str); 2] = [("photo", "二寸免冠彩色证件照片"), ("diploma", "学历证书扫描件")];

/// The kinds of documents the office files with an application from the paper it receives
/// (§四 2.1: the ID copy, the stamped application form; the employer's evaluation).
pub const OFFICE_DOCUMENT_KINDS: [(&str, &str); 3] = [
    ("id_copy", "身份证复印件"),
    ("application_form", "盖章的《质量经理职业资格认证申请表》"),
    ("employer_evaluation", "单位评价"),
];

/// A document kind's name in Chinese.
pub(super) fn kind_name(kind: &str) -> &'static str {
    kind_zh(kind)
}

fn kind_zh(kind: &str) -> &'static str {
    DOCUMENT_KINDS
        .iter()
        .chain(OFFICE_DOCUMENT_KINDS.iter())
        .find(|(k, _)| *k == kind)
        .map_or("材料", |(_, zh)| zh)
}

/// Beijing's calendar date of an instant (the exam's dates are China's).
pub fn beijing_date(ms: i64) -> Date {
    let offset = UtcOffset::from_hms(8, 0, 0).expect("UTC+8 is a valid offset");
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map(|t| t.to_offset(offset).date())
        .unwrap_or(Date::MIN)
}

/// One period of work history as the form sends it (dates `YYYY-MM-DD`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct WorkPeriodInput {
    /// 工作单位
    pub employer: String,
    /// 岗位
    pub post: String,
    /// 开始日期（YYYY-MM-DD）
    pub from: String,
    /// 结束日期（YYYY-MM-DD）；仍在职则留空
    pub to: String,
    /// 质量相关工作
    pub quality_related: bool,
    /// 管理岗位
    pub management: bool,
}

/// The application form as the applicant fills it; saved as it is, complete or not.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct FormInput {
    /// 姓名
    pub name: String,
    /// 姓名拼音（如 ZHANG San）
    pub name_pinyin: String,
    /// 身份证号
    pub id_number: String,
    /// 学历：below_college（大专以下）、college（大专）、bachelor（本科）、master（硕士）、doctorate（博士）；未选择则留空
    pub education: String,
    /// 质量相关工作经历
    pub work_history: Vec<WorkPeriodInput>,
    /// 按中国质量协会个人会员价报名
    pub caq_member: bool,
    /// 中国质量协会个人会员号
    pub caq_member_no: String,
    /// 考试场次（考试编号）
    pub event_id: Option<i64>,
    /// 考试城市
    pub city: String,
    /// 发票抬头
    pub invoice_title: String,
    /// 已确认遵守质量经理行为准则（五项承诺）
    pub code_of_conduct_accepted: bool,
}

/// A document of the application, without its bytes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentView {
    pub id: i64,
    /// photo 或 diploma
    pub kind: String,
    pub kind_zh: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_ms: i64,
}

impl From<DocumentRow> for DocumentView {
    fn from(d: DocumentRow) -> Self {
        DocumentView {
            id: d.id,
            kind_zh: kind_zh(&d.kind).to_string(),
            kind: d.kind,
            content_type: d.content_type,
            size_bytes: d.size_bytes,
            sha256: d.sha256,
            uploaded_ms: d.uploaded_ms,
        }
    }
}

/// The sitting chosen.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SittingView {
    pub event_id: i64,
    pub name: String,
    pub starts_at_ms: i64,
    /// 考试日期（如 2026 年 12 月 6 日）
    pub exam_date_zh: String,
    pub city: String,
}

/// The eligibility judged on the exam date.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EligibilityView {
    /// eligible（符合条件）、deferred（可以考试，认证暂缓）、not_eligible（不符合）、unknown（信息不全，尚不能判断）
    pub verdict: String,
    pub message_zh: String,
}

/// The fee due and what the office recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FeeView {
    /// 应缴金额（分）
    pub due_fen: i64,
    /// 应缴金额（如 1600 元）
    pub due_zh: String,
    /// 费用名称
    pub label_zh: String,
    pub settled: bool,
    pub status_zh: String,
    /// 考务办公室记录的缴费（银行转账或免缴）
    pub record: Option<FeeRecordView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FeeRecordView {
    /// transfer（银行转账）或 waiver（免缴）
    pub kind: String,
    pub payer: String,
    pub amount_fen: i64,
    pub amount_zh: String,
    pub paid_on: String,
    pub reference: String,
    pub reason: String,
    pub recorded_ms: i64,
}

/// One of the three conditions of a successful registration.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConditionView {
    pub label_zh: String,
    pub met: bool,
    pub details_zh: Vec<String>,
}

/// Whether the registration is successful, condition by condition (§八 1).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegistrationView {
    pub successful: bool,
    pub message_zh: String,
    pub conditions: Vec<ConditionView>,
}

/// An application as its applicant and the office see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApplicationView {
    pub id: i64,
    /// 申请人账号（手机号或电子邮箱）
    pub login: String,
    /// draft（未提交）、submitted（待审核）、approved（审核通过）、returned（已退回）
    pub state: String,
    pub state_zh: String,
    /// 退回原因（考务办公室填写，申请人可见）
    pub return_reason: String,
    /// 申请人能否修改表单和材料（未提交或已退回时）
    pub editable: bool,
    pub form: FormInput,
    /// 由姓名生成的拼音建议
    pub pinyin_suggestion: Option<String>,
    pub sitting: Option<SittingView>,
    pub documents: Vec<DocumentView>,
    /// 表单中尚未填写或有误之处
    pub problems: Vec<String>,
    pub eligibility: EligibilityView,
    pub fee: FeeView,
    pub registration: RegistrationView,
    pub submitted_ms: Option<i64>,
    pub reviewed_ms: Option<i64>,
    /// 准考证（分配考场座位后）
    pub ticket: Option<super::tickets::TicketView>,
    /// 已发布的成绩
    pub result: Option<super::tickets::ResultSummary>,
    /// 未通过考试，可以报名以后的考试（补考）
    pub may_register_again: bool,
    /// 本申请是补考报名
    pub retake: bool,
    /// 认证申请（考试合格后）
    pub certification: Option<super::certification::CertificationView>,
    /// 能否、何时申请认证（考试合格且成绩发布后）
    pub certification_window: Option<super::certification::CertificationWindow>,
}

/// A sitting open for registration, with its cities.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpenSitting {
    pub event_id: i64,
    pub name: String,
    pub starts_at_ms: i64,
    pub exam_date_zh: String,
    pub cities: Vec<String>,
}

/// An application in the office's list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApplicationSummary {
    pub id: i64,
    /// 申请人账号（手机号或电子邮箱）
    pub login: String,
    pub name: String,
    pub id_number: String,
    pub event_id: Option<i64>,
    pub city: String,
    pub state: String,
    pub state_zh: String,
    pub eligibility: String,
    pub fee_settled: bool,
    pub successful: bool,
    pub submitted_ms: Option<i64>,
}

/// The office's view of one application: the applicant's own.
pub type OfficeApplication = ApplicationView;

/// The office's decision on a submitted application.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Review {
    /// approve（审核通过）或 return（退回修改）
    pub decision: String,
    /// 退回原因（退回时必填，申请人可见）
    #[serde(default)]
    pub reason: String,
    /// 照片不合格（退回时可选，原因写在 reason 中）
    #[serde(default)]
    pub photo_refused: bool,
}

/// A fee the office records.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct FeeInput {
    /// transfer（银行转账）或 waiver（免缴）
    pub kind: String,
    /// 汇款人
    pub payer: String,
    /// 金额（元，如 1600 或 1600.00）
    pub amount: String,
    /// 汇款日期（YYYY-MM-DD）
    pub paid_on: String,
    /// 银行流水号
    pub reference: String,
    /// 免缴理由
    pub reason: String,
}

fn state_zh(state: &str) -> &'static str {
    match state {
        "draft" => "未提交",
        "submitted" => "已提交，待审核",
        "approved" => "审核通过",
        "returned" => "已退回，请修改后重新提交",
        _ => "未知",
    }
}

fn education_of(code: &str) -> ServiceResult<Option<Education>> {
    Ok(match code.trim() {
        "" => None,
        "below_college" => Some(Education::BelowCollege),
        "college" => Some(Education::College),
        "bachelor" => Some(Education::Bachelor),
        "master" => Some(Education::Master),
        "doctorate" => Some(Education::Doctorate),
        other => {
            return Err(ServiceError::Invalid(format!(
                "学历“{other}”无效：应为大专以下、大专、本科、硕士或博士之一"
            )));
        }
    })
}

/// A date as forms and records write it, `YYYY-MM-DD`; refused with `what` it was.
pub(super) fn parse_date(text: &str, what: &str) -> ServiceResult<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.trim(), &format)
        .map_err(|_| ServiceError::Invalid(format!("{what}“{}”不是有效日期：请写作 2020-07-01", text.trim())))
}

/// A date as forms and records write it, `YYYY-MM-DD`.
pub(super) fn date_iso(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

/// A text field: at most [`MAX_FIELD_CHARS`], no control characters.
fn check_text(value: &str, field: &str) -> ServiceResult<()> {
    let n = value.chars().count();
    if n > MAX_FIELD_CHARS {
        return Err(ServiceError::Invalid(format!(
            "{field}过长：最多 {MAX_FIELD_CHARS} 个字，现在有 {n} 个"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(ServiceError::Invalid(format!("{field}含有不可见的控制字符")));
    }
    Ok(())
}

/// The form's work history as the rules read it; a malformed date is refused with its place.
fn work_history(form: &FormInput) -> ServiceResult<Vec<WorkPeriod>> {
    form.work_history
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let n = i + 1;
            Ok(WorkPeriod {
                employer: p.employer.trim().to_string(),
                post: p.post.trim().to_string(),
                from: parse_date(&p.from, &format!("工作经历第 {n} 段的开始日期"))?,
                to: if p.to.trim().is_empty() {
                    None
                } else {
                    Some(parse_date(&p.to, &format!("工作经历第 {n} 段的结束日期"))?)
                },
                quality_related: p.quality_related,
                management: p.management,
            })
        })
        .collect()
}

/// Every value of the form is well formed (it may still be incomplete): lengths, dates, the
/// education's code. What is missing is told by the rules' `form_problems`, not refused here.
fn check_form(form: &FormInput) -> ServiceResult<()> {
    for (value, field) in [
        (&form.name, "姓名"),
        (&form.name_pinyin, "姓名拼音"),
        (&form.id_number, "身份证号"),
        (&form.caq_member_no, "会员号"),
        (&form.city, "考试城市"),
        (&form.invoice_title, "发票抬头"),
    ] {
        check_text(value, field)?;
    }
    education_of(&form.education)?;
    if form.work_history.len() > MAX_PERIODS {
        return Err(ServiceError::Invalid(format!(
            "工作经历最多填写 {MAX_PERIODS} 段，现在有 {} 段",
            form.work_history.len()
        )));
    }
    for (i, p) in form.work_history.iter().enumerate() {
        check_text(&p.employer, &format!("工作经历第 {} 段的工作单位", i + 1))?;
        check_text(&p.post, &format!("工作经历第 {} 段的岗位", i + 1))?;
        check_text(&p.from, &format!("工作经历第 {} 段的开始日期", i + 1))?;
        check_text(&p.to, &format!("工作经历第 {} 段的结束日期", i + 1))?;
    }
    work_history(form)?;
    Ok(())
}

/// The education of a stored form, as the rules know it (`None` when not chosen or unreadable).
pub(super) fn education_code(code: &str) -> Option<Education> {
    education_of(code).ok().flatten()
}

/// The work history of a stored form, as the rules know it (`None` when a date is unreadable).
pub(super) fn work_history_of(form: &FormInput) -> Option<Vec<WorkPeriod>> {
    work_history(form).ok()
}

/// A mobile number (11 digits from 1; spaces and dashes dropped) or an e-mail address
/// (lower-cased): the account's login as stored.
pub fn normalise_login(login: &str) -> ServiceResult<String> {
    let login = login.trim();
    if login.is_empty() {
        return Err(ServiceError::Invalid("请填写手机号或电子邮箱".into()));
    }
    let digits: String = login.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if digits.chars().all(|c| c.is_ascii_digit()) {
        if digits.len() == 11 && digits.starts_with('1') {
            return Ok(digits);
        }
        return Err(ServiceError::Invalid(format!(
            "手机号“{login}”无效：应为 1 开头的 11 位数字"
        )));
    }
    let valid_email = login.len() <= 100
        && login.split_once('@').is_some_and(|(user, domain)| {
            !user.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        })
        && login.chars().all(|c| c.is_ascii_graphic());
    if valid_email {
        return Ok(login.to_ascii_lowercase());
    }
    Err(ServiceError::Invalid(format!(
        "“{login}”既不是手机号也不是有效的电子邮箱"
    )))
}

/// What a document's bytes are by their first bytes: PDF, JPEG or PNG; `None` for anything else.
fn sniff_document(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

impl Exam {
    /// Creates an applicant's account and logs it in. One client address may create at most
    /// [`MAX_REGISTRATIONS_PER_ADDRESS`] accounts in 15 minutes (an office registering a group
    /// from one address stays within it; a script filling the table does not). The count is kept
    /// where failed logins are, which forgets entries after 15 minutes.
    pub async fn register_applicant(&self, login: &str, password: &str, client: IpAddr) -> ServiceResult<LoggedIn> {
        let login = normalise_login(login)?;
        let key = format!("register:{client}");
        let now = self.now();
        self.refuse_once_counted(
            &key,
            now - REGISTRATION_WINDOW_MS,
            MAX_REGISTRATIONS_PER_ADDRESS,
            "本机注册的账号过多，请 15 分钟后再试；如需集体报名请联系考务办公室",
        )
        .await?;
        if let Some(problem) = new_password_problem("", password) {
            return Err(ServiceError::Invalid(problem.replace("新密码", "密码")));
        }
        let password = password.to_string();
        let hash = tokio::task::spawn_blocking(move || hash_password(&password, Strength::Staff))
            .await
            .map_err(|e| ServiceError::Internal(format!("hashing a password: {e}")))?;
        let Some(id) = self.store.create_applicant(&login, &hash, now).await? else {
            return Err(ServiceError::Invalid(format!(
                "“{login}”已注册：请直接登录；忘记密码请联系考务办公室"
            )));
        };
        self.store
            .record_login_failure(&key, &[&key], now, now - REGISTRATION_WINDOW_MS)
            .await?;
        let (token, sid) = new_session_token();
        self.store
            .create_session(&sid, "applicant", id, now, now + super::accounts::SESSION_MS)
            .await?;
        Ok(LoggedIn {
            role: "applicant".into(),
            name: login,
            must_change_password: false,
            token,
            ended: None,
        })
    }

    /// A new password for an applicant who forgot theirs (the office, having checked who asks):
    /// shown once; the old one and its sessions end. Audited.
    /// Returns the applicant's id (for session caches to forget) and the new password.
    pub async fn reset_applicant_password(&self, login: &str, actor: &str) -> ServiceResult<(i64, String)> {
        let login = normalise_login(login)?;
        let password = crate::auth::issue_password();
        let clear = password.clone();
        let hash = tokio::task::spawn_blocking(move || hash_password(&clear, Strength::Staff))
            .await
            .map_err(|e| ServiceError::Internal(format!("hashing a password: {e}")))?;
        let Some(id) = self.store.reset_applicant_password(&login, &hash).await? else {
            return Err(NotFound::Account(login).into());
        };
        self.store
            .record_audit(&crate::store::AuditRecord {
                event_id: 0,
                actor,
                action: "reset_password",
                subject: &login,
                old: "",
                new: "",
                reason: "报名账号",
                at_ms: self.now(),
            })
            .await?;
        Ok((id, password))
    }

    /// Logs an applicant in (throttled as every login is).
    pub async fn applicant_login(&self, login: &str, password: &str, client: IpAddr) -> ServiceResult<LoggedIn> {
        let login = normalise_login(login).map_err(|_| ServiceError::Unauthorized("账号或密码错误".into()))?;
        self.login(
            super::accounts::Credentials::Applicant {
                login: &login,
                password,
            },
            client,
        )
        .await
    }

    /// The sittings open for registration, soonest first, with their cities; a sitting whose
    /// exam day has come is no longer open.
    pub async fn open_sittings(&self) -> ServiceResult<Vec<OpenSitting>> {
        let today = beijing_date(self.now());
        let mut out: Vec<OpenSitting> = Vec::new();
        for c in self.store.open_cities().await? {
            if beijing_date(c.starts_at_ms) <= today {
                continue;
            }
            match out.last_mut() {
                Some(last) if last.event_id == c.event_id => last.cities.push(c.city),
                _ => out.push(OpenSitting {
                    event_id: c.event_id,
                    name: c.event_name,
                    starts_at_ms: c.starts_at_ms,
                    exam_date_zh: date_zh(beijing_date(c.starts_at_ms)),
                    cities: vec![c.city],
                }),
            }
        }
        Ok(out)
    }

    /// Opens an event for registration in these cities (none: closes it).
    pub async fn open_registration(&self, event_id: i64, cities: &[String], actor: &str) -> ServiceResult<Vec<String>> {
        self.store.event(event_id).await?.ok_or(NotFound::Event(event_id))?;
        let mut clean: Vec<String> = Vec::new();
        for city in cities {
            let city = city.trim();
            check_text(city, "考试城市")?;
            if !city.is_empty() && !clean.iter().any(|c| c == city) {
                clean.push(city.to_string());
            }
        }
        if clean.len() > MAX_CITIES {
            return Err(ServiceError::Invalid(format!("考试城市最多 {MAX_CITIES} 个")));
        }
        self.store.set_event_cities(event_id, &clean, actor, self.now()).await?;
        Ok(clean)
    }

    /// The applicant's current application, created empty at first.
    async fn current_application(&self, s: &Session) -> ServiceResult<ApplicationRow> {
        let applicant = applicant_of(s)?;
        if let Some(row) = self.store.latest_application(applicant).await? {
            return Ok(row);
        }
        let empty = serde_json::to_string(&FormInput::default()).expect("a form is JSON");
        let id = self
            .store
            .create_application(applicant, &empty, None, self.now())
            .await?;
        self.store
            .application(id)
            .await?
            .ok_or_else(|| ServiceError::Internal(format!("application {id} vanished")))
    }

    /// A new application for a later sitting after one not passed (补考, §四 2.3 (2): the retake
    /// fee only): the form and documents carried over, the sitting, city and commitments to be
    /// given again.
    pub async fn register_again(&self, s: &Session) -> ServiceResult<ApplicationView> {
        let row = self.current_application(s).await?;
        let view = self.application_view(row.clone()).await?;
        if !view.may_register_again {
            return Err(ServiceError::Invalid(match &view.result {
                Some(r) if r.passed == Some(true) => "考试已合格，无需再次报名：请在成绩发布后 30 日内申请认证".into(),
                _ => "当前的报名还没有结束（成绩发布后未合格的，才可报名参加以后的考试）".into(),
            }));
        }
        let mut form = form_of(&row)?;
        form.event_id = None;
        form.city = String::new();
        form.code_of_conduct_accepted = false;
        let json = serde_json::to_string(&form).expect("a form is JSON");
        self.store
            .create_application(applicant_of(s)?, &json, Some(row.id), self.now())
            .await?;
        self.my_application(s).await
    }

    /// The applicant's application as their page shows it.
    pub async fn my_application(&self, s: &Session) -> ServiceResult<ApplicationView> {
        let row = self.current_application(s).await?;
        self.application_view(row).await
    }

    /// Saves the form (complete or not) while the application may be edited.
    pub async fn save_application(&self, s: &Session, mut form: FormInput) -> ServiceResult<ApplicationView> {
        check_form(&form)?;
        // An ID number's check character x is X (as printed on the card).
        form.id_number = form.id_number.trim().to_ascii_uppercase();
        let row = self.current_application(s).await?;
        if let Some(event_id) = form.event_id {
            let open = self.open_sittings().await?;
            let Some(sitting) = open.iter().find(|o| o.event_id == event_id) else {
                return Err(ServiceError::Invalid(format!(
                    "考试场次 {event_id} 不在报名中：请从列出的场次中选择"
                )));
            };
            let city = form.city.trim();
            if !city.is_empty() && !sitting.cities.iter().any(|c| c == city) {
                return Err(ServiceError::Invalid(format!(
                    "{}没有考点“{city}”：可选 {}",
                    sitting.name,
                    sitting.cities.join("、")
                )));
            }
        }
        let json = serde_json::to_string(&form).expect("a form is JSON");
        let saved = self
            .store
            .save_application_form(&FormSave {
                application_id: row.id,
                event_id: form.event_id,
                city: form.city.trim(),
                name: form.name.trim(),
                id_number: &form.id_number,
                form: &json,
                at_ms: self.now(),
            })
            .await?;
        if !saved {
            return Err(not_editable(&row.state));
        }
        self.my_application(s).await
    }

    /// Keeps an uploaded document (the photo checked as a 2-inch photo) while the application
    /// may be edited.
    pub async fn upload_document(&self, s: &Session, kind: &str, bytes: &[u8]) -> ServiceResult<ApplicationView> {
        let row = self.current_application(s).await?;
        let max = self.document_max_bytes().await?;
        let what = kind_zh(kind);
        if !DOCUMENT_KINDS.iter().any(|(k, _)| *k == kind) {
            return Err(ServiceError::Invalid(format!(
                "材料类型“{kind}”无效：应为 photo（照片）或 diploma（学历证书）"
            )));
        }
        if bytes.is_empty() {
            return Err(ServiceError::Invalid(format!("{what}是空文件")));
        }
        if bytes.len() > max {
            return Err(ServiceError::Invalid(format!(
                "{what}过大：{:.1} MB，最大 {:.1} MB",
                bytes.len() as f64 / 1_048_576.0,
                max as f64 / 1_048_576.0
            )));
        }
        let content_type = if kind == "photo" {
            let rules = PhotoRules {
                max_bytes: max,
                ..PhotoRules::default()
            };
            match check_photo(bytes, &rules) {
                Ok(photo) => photo.format.mime(),
                Err(refusals) => {
                    let reasons: Vec<String> = refusals.iter().map(|r| r.message_zh()).collect();
                    return Err(ServiceError::Invalid(format!("照片不合格：{}", reasons.join("；"))));
                }
            }
        } else {
            sniff_document(bytes).ok_or_else(|| {
                ServiceError::Invalid(format!(
                    "{what}应为 PDF、JPEG 或 PNG 文件（按文件内容判断，不看扩展名）"
                ))
            })?
        };
        let sha256 = hex::encode(Sha256::digest(bytes));
        let kept = self
            .store
            .add_document(&NewDocument {
                application_id: row.id,
                kind,
                content_type,
                sha256: &sha256,
                bytes,
                at_ms: self.now(),
            })
            .await?;
        if !kept {
            return Err(not_editable(&row.state));
        }
        self.my_application(s).await
    }

    /// The office files a document received on paper (scanned) with an application.
    pub async fn file_office_document(
        &self,
        id: i64,
        kind: &str,
        bytes: &[u8],
        actor: &str,
    ) -> ServiceResult<OfficeApplication> {
        let row = self.application_row(id).await?;
        if !OFFICE_DOCUMENT_KINDS.iter().any(|(k, _)| *k == kind) {
            let kinds: Vec<String> = OFFICE_DOCUMENT_KINDS
                .iter()
                .map(|(k, zh)| format!("{k}（{zh}）"))
                .collect();
            return Err(ServiceError::Invalid(format!(
                "材料类型“{kind}”无效：应为 {}",
                kinds.join("、")
            )));
        }
        let what = kind_zh(kind);
        let max = self.document_max_bytes().await?;
        if bytes.is_empty() || bytes.len() > max {
            return Err(ServiceError::Invalid(format!(
                "{what}应为非空文件，最大 {:.1} MB",
                max as f64 / 1_048_576.0
            )));
        }
        let content_type = sniff_document(bytes).ok_or_else(|| {
            ServiceError::Invalid(format!(
                "{what}应为 PDF、JPEG 或 PNG 文件（按文件内容判断，不看扩展名）"
            ))
        })?;
        let sha256 = hex::encode(Sha256::digest(bytes));
        self.store
            .add_office_document(
                &NewDocument {
                    application_id: id,
                    kind,
                    content_type,
                    sha256: &sha256,
                    bytes,
                    at_ms: self.now(),
                },
                row.event_id.unwrap_or(0),
                actor,
            )
            .await?;
        self.office_application(id).await
    }

    /// The applicant's own document of a kind, as uploaded last.
    pub async fn my_document(&self, s: &Session, kind: &str) -> ServiceResult<(String, Vec<u8>)> {
        let row = self.current_application(s).await?;
        let documents = self.store.documents(row.id).await?;
        let doc = documents.iter().find(|d| d.kind == kind).ok_or(NotFound::Document)?;
        self.store
            .document_bytes(row.id, doc.id)
            .await?
            .ok_or_else(|| NotFound::Document.into())
    }

    /// Submits the application for the office's review: refused, with every reason, while the
    /// form is incomplete, the photo not accepted, the applicant not eligible, or the same person
    /// already registered for that sitting.
    pub async fn submit_application(&self, s: &Session) -> ServiceResult<ApplicationView> {
        let row = self.current_application(s).await?;
        if !matches!(row.state.as_str(), "draft" | "returned") {
            return Err(not_editable(&row.state));
        }
        let view = self.application_view(row.clone()).await?;
        let mut reasons = view.problems.clone();
        let photo = &view.registration.conditions[1];
        if !photo.met {
            reasons.extend(photo.details_zh.iter().map(|d| format!("照片：{d}")));
        }
        if view.eligibility.verdict == "not_eligible" {
            reasons.push(view.eligibility.message_zh.clone());
        }
        if !reasons.is_empty() {
            return Err(ServiceError::Invalid(format!("还不能提交：{}", reasons.join("；"))));
        }
        if let Some(event_id) = row.event_id
            && !self.open_sittings().await?.iter().any(|o| o.event_id == event_id)
        {
            return Err(ServiceError::Invalid("所选考试场次的报名已截止：请另选场次".into()));
        }
        match self
            .store
            .change_application_state(&StateChange {
                application_id: row.id,
                from: &["draft", "returned"],
                to: "submitted",
                return_reason: "",
                photo_refused: "",
                actor: &s.actor(),
                at_ms: self.now(),
            })
            .await?
        {
            Changed::Yes => self.my_application(s).await,
            Changed::NotInState => Err(not_editable(&row.state)),
            Changed::Duplicate => Err(ServiceError::Invalid(format!(
                "身份证号 {} 已报名本场考试（另一账号的申请已提交或已通过）：同一人每场只能报名一次；如有疑问请联系考务办公室",
                row.id_number
            ))),
        }
    }

    /// Every application, newest first, for the office; of one sitting and state when given.
    pub async fn applications(
        &self,
        event_id: Option<i64>,
        state: Option<&str>,
    ) -> ServiceResult<Vec<ApplicationSummary>> {
        let mut out = Vec::new();
        for row in self.store.applications(event_id, state).await? {
            let view = self.application_view(row.clone()).await?;
            out.push(ApplicationSummary {
                id: row.id,
                login: view.login,
                name: row.name,
                id_number: row.id_number,
                event_id: row.event_id,
                city: row.city,
                state_zh: view.state_zh,
                state: row.state,
                eligibility: view.eligibility.verdict,
                fee_settled: view.fee.settled,
                successful: view.registration.successful,
                submitted_ms: row.submitted_ms,
            });
        }
        Ok(out)
    }

    async fn application_row(&self, id: i64) -> ServiceResult<ApplicationRow> {
        self.store
            .application(id)
            .await?
            .ok_or_else(|| NotFound::Application(id).into())
    }

    /// One application as the office reviews it.
    pub async fn office_application(&self, id: i64) -> ServiceResult<OfficeApplication> {
        let row = self.application_row(id).await?;
        self.application_view(row).await
    }

    /// A document of an application, opened by the office: the opening is audited.
    pub async fn office_document(&self, id: i64, document_id: i64, actor: &str) -> ServiceResult<(String, Vec<u8>)> {
        let row = self.application_row(id).await?;
        let (content_type, bytes) = self
            .store
            .document_bytes(id, document_id)
            .await?
            .ok_or(NotFound::Document)?;
        self.store
            .record_audit(&crate::store::AuditRecord {
                event_id: row.event_id.unwrap_or(0),
                actor,
                action: "open_document",
                subject: &format!("报名申请 {id}（{}）材料 {document_id}", row.name),
                old: "",
                new: "",
                reason: "",
                at_ms: self.now(),
            })
            .await?;
        Ok((content_type, bytes))
    }

    /// The office approves a submitted application or returns it with a reason the applicant
    /// sees.
    pub async fn review_application(&self, id: i64, review: &Review, actor: &str) -> ServiceResult<OfficeApplication> {
        let row = self.application_row(id).await?;
        let reason = review.reason.trim();
        check_text(reason, "退回原因")?;
        let (to, photo_refused) = match review.decision.as_str() {
            "approve" => ("approved", String::new()),
            "return" if reason.is_empty() => {
                return Err(ServiceError::Invalid("退回须写明原因（申请人可见）".into()));
            }
            "return" => (
                "returned",
                if review.photo_refused {
                    reason.to_string()
                } else {
                    String::new()
                },
            ),
            other => {
                return Err(ServiceError::Invalid(format!(
                    "审核结论“{other}”无效：应为 approve（通过）或 return（退回）"
                )));
            }
        };
        let change = StateChange {
            application_id: id,
            from: &["submitted"],
            to,
            return_reason: if to == "returned" { reason } else { "" },
            photo_refused: &photo_refused,
            actor,
            at_ms: self.now(),
        };
        match self.store.change_application_state(&change).await? {
            Changed::Yes => self.office_application(id).await,
            _ => Err(ServiceError::Invalid(format!(
                "只能审核已提交的申请：该申请{}",
                state_zh(&row.state)
            ))),
        }
    }

    /// The office records a bank transfer or a waiver; refused when it does not cover the fee
    /// due exactly (every problem named).
    pub async fn record_fee(&self, id: i64, fee: &FeeInput, actor: &str) -> ServiceResult<OfficeApplication> {
        let row = self.application_row(id).await?;
        if !matches!(row.state.as_str(), "submitted" | "approved") {
            return Err(ServiceError::Invalid(format!(
                "申请提交后才能记录缴费：该申请{}",
                state_zh(&row.state)
            )));
        }
        for (value, field) in [
            (&fee.payer, "汇款人"),
            (&fee.reference, "银行流水号"),
            (&fee.reason, "免缴理由"),
        ] {
            check_text(value, field)?;
        }
        let form = form_of(&row)?;
        let due = fee_due(&fee_application(&form, &row)).map_err(|e| ServiceError::Invalid(e.message_zh()))?;
        let today = beijing_date(self.now());
        let (settlement, record) = match fee.kind.as_str() {
            "transfer" => {
                let amount = Fen::parse(&fee.amount).map_err(ServiceError::Invalid)?;
                let paid_on = parse_date(&fee.paid_on, "汇款日期")?;
                let t = Transfer {
                    payer: fee.payer.trim().to_string(),
                    amount,
                    date: paid_on,
                    reference: fee.reference.trim().to_string(),
                };
                let record = FeeRecordRow {
                    kind: "transfer".into(),
                    payer: t.payer.clone(),
                    amount_fen: amount.0,
                    paid_on: date_iso(paid_on),
                    reference: t.reference.clone(),
                    reason: String::new(),
                    recorded_by: actor.to_string(),
                    recorded_ms: self.now(),
                };
                (Settlement::Transfer(t), record)
            }
            "waiver" => {
                let reason = fee.reason.trim().to_string();
                let record = FeeRecordRow {
                    kind: "waiver".into(),
                    payer: String::new(),
                    amount_fen: 0,
                    paid_on: String::new(),
                    reference: String::new(),
                    reason: reason.clone(),
                    recorded_by: actor.to_string(),
                    recorded_ms: self.now(),
                };
                (Settlement::Waiver { reason }, record)
            }
            other => {
                return Err(ServiceError::Invalid(format!(
                    "缴费方式“{other}”无效：应为 transfer（银行转账）或 waiver（免缴）"
                )));
            }
        };
        if let Err(problems) = check_settlement(due, &settlement, today) {
            let problems: Vec<String> = problems.iter().map(|p| p.message_zh()).collect();
            return Err(ServiceError::Invalid(format!("缴费记录有误：{}", problems.join("；"))));
        }
        self.store.record_fee(id, row.event_id.unwrap_or(0), &record).await?;
        self.office_application(id).await
    }

    pub(super) async fn document_max_bytes(&self) -> ServiceResult<usize> {
        let value = self
            .store
            .setting_or_init("document_max_bytes", || DEFAULT_DOCUMENT_MAX_BYTES.to_string())
            .await?;
        Ok(value.parse().unwrap_or(DEFAULT_DOCUMENT_MAX_BYTES))
    }

    /// An application with everything the rules say about it.
    async fn application_view(&self, row: ApplicationRow) -> ServiceResult<ApplicationView> {
        let form = form_of(&row)?;
        let login = self
            .store
            .applicant(row.applicant_id)
            .await?
            .map(|a| a.login)
            .unwrap_or_default();
        let documents: Vec<DocumentView> = self
            .store
            .documents(row.id)
            .await?
            .into_iter()
            .map(DocumentView::from)
            .collect();
        let has = |kind: &str| documents.iter().any(|d| d.kind == kind);
        let today = beijing_date(self.now());
        let mut ticket = None;
        let mut result = None;
        // The exam and release dates of a released pass: what certification needs.
        let mut passed = None;
        let sitting = match row.event_id {
            Some(event_id) => {
                let event = self.store.event(event_id).await?.ok_or(NotFound::Event(event_id))?;
                ticket = self.ticket_view(&row, event.starts_at_ms).await?;
                result = self.result_summary(&row, event.starts_at_ms).await?;
                if let (Some(released_ms), Some(true)) = (event.released_ms, result.as_ref().and_then(|r| r.passed)) {
                    passed = Some((beijing_date(event.starts_at_ms), beijing_date(released_ms)));
                }
                Some(SittingView {
                    event_id,
                    name: event.name,
                    starts_at_ms: event.starts_at_ms,
                    exam_date_zh: date_zh(beijing_date(event.starts_at_ms)),
                    city: row.city.clone(),
                })
            }
            None => None,
        };
        // A form saved by this version always parses; an old or hand-edited one shows as
        // incomplete rather than failing the page.
        let history = work_history(&form).unwrap_or_default();
        let education = education_of(&form.education).unwrap_or(None);
        let rules_form = ApplicationForm {
            name: form.name.clone(),
            name_pinyin: form.name_pinyin.clone(),
            id_number: form.id_number.clone(),
            education,
            diploma_uploaded: has("diploma"),
            work_history: history.clone(),
            caq_member: form.caq_member,
            caq_member_no: form.caq_member_no.clone(),
            exam_city: form.city.clone(),
            sitting_chosen: form.event_id.is_some(),
            invoice_title: form.invoice_title.clone(),
            code_of_conduct_accepted: form.code_of_conduct_accepted,
        };
        let problems: Vec<String> = form_problems(&rules_form).iter().map(|p| p.message_zh()).collect();
        let eligibility = match (&sitting, education, history.is_empty()) {
            (Some(sitting), Some(education), false) => {
                let exam_date = beijing_date(sitting.starts_at_ms);
                let e = eligibility(education, &history, exam_date);
                let verdict = match e {
                    Eligibility::Eligible => "eligible",
                    Eligibility::MaySitCertificationDeferred { .. } => "deferred",
                    Eligibility::NotEligible { .. } => "not_eligible",
                };
                EligibilityView {
                    verdict: verdict.into(),
                    message_zh: e.message_zh(),
                }
            }
            _ => EligibilityView {
                verdict: "unknown".into(),
                message_zh: "选择考试场次、填写学历和工作经历后，按考试日期判断是否符合申请条件".into(),
            },
        };
        let application = fee_application(&form, &row);
        let due = fee_due(&application).unwrap_or(Fen::ZERO);
        let record = self.store.latest_fee(row.id).await?;
        let settlement = record.as_ref().map(settlement_of);
        let status = fee_status(due, settlement.as_ref(), today);
        let fee = FeeView {
            due_fen: due.0,
            due_zh: due.to_string(),
            label_zh: application.label_zh().into(),
            settled: status.is_settled(),
            status_zh: status.message_zh(),
            record: record.map(|r| FeeRecordView {
                amount_zh: Fen(r.amount_fen).to_string(),
                kind: r.kind,
                payer: r.payer,
                amount_fen: r.amount_fen,
                paid_on: r.paid_on,
                reference: r.reference,
                reason: r.reason,
                recorded_ms: r.recorded_ms,
            }),
        };
        let photo = if !row.photo_refused.is_empty() {
            PhotoStatus::Refused {
                reasons: vec![format!("考务办公室审核：{}", row.photo_refused)],
            }
        } else if has("photo") {
            PhotoStatus::Accepted
        } else {
            PhotoStatus::NotUploaded
        };
        let mut status = registration_status(&rules_form, &photo, &status);
        // The information counts as complete once the office has checked it against the
        // evidence (§四 2.2): before, the applicant is told where it stands.
        if status.information.met && row.state != "approved" {
            status.information.met = false;
            status.information.details_zh = vec![match row.state.as_str() {
                "submitted" => "已提交，待考务办公室审核".to_string(),
                "returned" => format!("考务办公室退回：{}", row.return_reason),
                _ => "信息已填写齐全，请提交审核".to_string(),
            }];
        }
        let registration = RegistrationView {
            successful: status.successful(),
            message_zh: status.message_zh(),
            conditions: status
                .conditions()
                .iter()
                .map(|c| ConditionView {
                    label_zh: c.label_zh.into(),
                    met: c.met,
                    details_zh: c.details_zh.clone(),
                })
                .collect(),
        };
        let (certification, certification_window) = self.certification_part(&row, passed).await?;
        Ok(ApplicationView {
            id: row.id,
            login,
            certification,
            certification_window,
            state_zh: state_zh(&row.state).into(),
            editable: matches!(row.state.as_str(), "draft" | "returned"),
            state: row.state,
            return_reason: row.return_reason,
            pinyin_suggestion: suggest_pinyin(form.name.trim()),
            form,
            sitting,
            documents,
            problems,
            eligibility,
            fee,
            registration,
            submitted_ms: row.submitted_ms,
            reviewed_ms: row.reviewed_ms,
            may_register_again: result.as_ref().is_some_and(|r| r.passed != Some(true)),
            retake: row.retake_of.is_some(),
            ticket,
            result,
        })
    }
}

/// The applicant behind a session.
fn applicant_of(s: &Session) -> ServiceResult<i64> {
    if s.role != "applicant" {
        return Err(Forbidden::Other("此功能仅供报名申请人使用".into()).into());
    }
    Ok(s.subject_id)
}

fn not_editable(state: &str) -> ServiceError {
    ServiceError::Invalid(format!("申请{}，不能再修改；如需更改请联系考务办公室", state_zh(state)))
}

pub(super) fn form_of(row: &ApplicationRow) -> ServiceResult<FormInput> {
    serde_json::from_str(&row.form)
        .map_err(|e| ServiceError::Internal(format!("application {} has an unreadable form: {e}", row.id)))
}

/// What the fee is for: a retake after a sitting not passed, else the first sitting at the
/// member's price or not.
fn fee_application(form: &FormInput, row: &ApplicationRow) -> Application {
    if row.retake_of.is_some() {
        return Application::Retake;
    }
    Application::FirstSitting {
        caq_member: form.caq_member,
    }
}

fn settlement_of(r: &FeeRecordRow) -> Settlement {
    if r.kind == "waiver" {
        return Settlement::Waiver {
            reason: r.reason.clone(),
        };
    }
    Settlement::Transfer(Transfer {
        payer: r.payer.clone(),
        amount: Fen(r.amount_fen),
        date: parse_date(&r.paid_on, "汇款日期").unwrap_or(Date::MIN),
        reference: r.reference.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_is_a_mobile_number_or_an_email_address() {
        assert_eq!(normalise_login(" 138-0013-8000 ").unwrap(), "13800138000");
        assert_eq!(
            normalise_login("Zhang.San@Example.COM").unwrap(),
            "zhang.san@example.com"
        );
        for (bad, says) in [
            ("12345", "11 位"),
            ("23800138000", "1 开头"),
            ("zhang@", "既不是"),
            ("zhang@example", "既不是"),
            ("张三@example.com", "既不是"),
            ("", "请填写"),
        ] {
            let e = normalise_login(bad).unwrap_err().to_string();
            assert!(e.contains(says), "{bad:?}: {e}");
        }
    }

    #[test]
    fn documents_are_known_by_their_bytes() {
        assert_eq!(sniff_document(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff_document(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff_document(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(sniff_document(b"PK\x03\x04 a zip named .pdf"), None);
        assert_eq!(sniff_document(b"<html>"), None);
    }

    #[test]
    fn a_malformed_form_value_is_refused_with_its_place() {
        let mut form = FormInput {
            work_history: vec![WorkPeriodInput {
                employer: "某公司".into(),
                from: "2020-02-30".into(),
                ..WorkPeriodInput::default()
            }],
            ..FormInput::default()
        };
        let e = check_form(&form).unwrap_err().to_string();
        assert!(e.contains("工作经历第 1 段的开始日期“2020-02-30”不是有效日期"), "{e}");
        form.work_history[0].from = "2020-02-28".into();
        assert!(check_form(&form).is_ok());
        form.education = "phd".into();
        assert!(check_form(&form).unwrap_err().to_string().contains("学历“phd”无效"));
        form.education = "doctorate".into();
        form.name = "名".repeat(101);
        assert!(check_form(&form).unwrap_err().to_string().contains("姓名过长"));
    }

    #[test]
    fn the_exam_date_is_beijings() {
        // 2026-12-05 16:30 UTC is 6 December 00:30 in Beijing.
        let ms = 1_796_488_200_000;
        assert_eq!(date_iso(beijing_date(ms)), "2026-12-06");
    }
}
