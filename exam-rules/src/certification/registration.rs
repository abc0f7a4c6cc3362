//! What makes a registration successful (§八 1: “报名成功要求：网上登记信息齐备，上传像片合格，
//! 考试缴费成功”): the information complete, the photo accepted and the fee recorded — three
//! conditions the applicant's page shows one by one, each with what is still missing.

use super::eligibility::{Education, WorkPeriod};
use super::fees::FeeStatus;
use super::id_number::check_id_number;
use super::photo::PhotoRefusal;

/// The application form as the applicant filled it (account fields — mobile number or e-mail,
/// password — are the account's, not the form's).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicationForm {
    pub name: String,
    pub name_pinyin: String,
    pub id_number: String,
    pub education: Option<Education>,
    /// The diploma's scan is uploaded (the document itself is stored by the engine).
    pub diploma_uploaded: bool,
    pub work_history: Vec<WorkPeriod>,
    /// Claims the CAQ individual member price: then the membership number is needed.
    pub caq_member: bool,
    pub caq_member_no: String,
    pub exam_city: String,
    /// A sitting (event) of that city is chosen.
    pub sitting_chosen: bool,
    /// 发票抬头 (§八 4: the invoice is made out as entered here).
    pub invoice_title: String,
    /// The five commitments of the code of conduct (§四 3) accepted.
    pub code_of_conduct_accepted: bool,
}

/// One field of the form that is missing or wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormProblem {
    /// The field as the form labels it.
    pub field: &'static str,
    pub problem: String,
}

impl FormProblem {
    fn new(field: &'static str, problem: impl Into<String>) -> FormProblem {
        FormProblem {
            field,
            problem: problem.into(),
        }
    }

    /// "身份证号：未填写".
    pub fn message_zh(&self) -> String {
        format!("{}：{}", self.field, self.problem)
    }
}

/// Every field of the form that is missing or wrong, in the form's order; empty when the
/// information is complete. Eligibility is judged apart ([`eligibility`](super::eligibility)).
pub fn form_problems(form: &ApplicationForm) -> Vec<FormProblem> {
    const MISSING: &str = "未填写";
    let mut problems = Vec::new();
    let blank = |s: &str| s.trim().is_empty();
    if blank(&form.name) {
        problems.push(FormProblem::new("姓名", MISSING));
    }
    if blank(&form.name_pinyin) {
        problems.push(FormProblem::new("姓名拼音", MISSING));
    } else if !form
        .name_pinyin
        .chars()
        .all(|c| c.is_ascii_alphabetic() || c == ' ' || c == '-')
    {
        problems.push(FormProblem::new(
            "姓名拼音",
            format!("“{}”只能包含拉丁字母、空格和 -", form.name_pinyin),
        ));
    }
    if blank(&form.id_number) {
        problems.push(FormProblem::new("身份证号", MISSING));
    } else if let Err(why) = check_id_number(form.id_number.trim()) {
        problems.push(FormProblem::new("身份证号", why));
    }
    if form.education.is_none() {
        problems.push(FormProblem::new("学历", "未选择"));
    }
    if !form.diploma_uploaded {
        problems.push(FormProblem::new("学历证书扫描件", "未上传"));
    }
    if form.work_history.is_empty() {
        problems.push(FormProblem::new("工作经历", "未填写（至少一段质量相关工作经历）"));
    }
    for (i, period) in form.work_history.iter().enumerate() {
        let mut missing = Vec::new();
        if blank(&period.employer) {
            missing.push("工作单位");
        }
        if blank(&period.post) {
            missing.push("岗位");
        }
        if !missing.is_empty() {
            problems.push(FormProblem::new(
                "工作经历",
                format!("第 {} 段未填写{}", i + 1, missing.join("、")),
            ));
        }
        if period.to.is_some_and(|to| to < period.from) {
            problems.push(FormProblem::new(
                "工作经历",
                format!("第 {} 段的结束日期早于开始日期", i + 1),
            ));
        }
    }
    if form.caq_member && blank(&form.caq_member_no) {
        problems.push(FormProblem::new("中国质量协会个人会员号", "按会员价报名须填写会员号"));
    }
    if blank(&form.exam_city) {
        problems.push(FormProblem::new("考试城市", "未选择"));
    }
    if !form.sitting_chosen {
        problems.push(FormProblem::new("考试场次", "未选择"));
    }
    if blank(&form.invoice_title) {
        problems.push(FormProblem::new("发票抬头", "未填写（个人可填写本人姓名）"));
    }
    if !form.code_of_conduct_accepted {
        problems.push(FormProblem::new("质量经理行为准则", "尚未确认遵守"));
    }
    problems
}

/// The photo as far as the registration goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoStatus {
    NotUploaded,
    /// Refused by the check on upload or by the office's review, with every reason.
    Refused {
        reasons: Vec<String>,
    },
    Accepted,
}

impl PhotoStatus {
    /// The status after the upload check ([`check_photo`](super::photo::check_photo)).
    pub fn from_check<T>(check: &Result<T, Vec<PhotoRefusal>>) -> PhotoStatus {
        match check {
            Ok(_) => PhotoStatus::Accepted,
            Err(refusals) => PhotoStatus::Refused {
                reasons: refusals.iter().map(PhotoRefusal::message_zh).collect(),
            },
        }
    }
}

/// One of the three conditions as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The guide's words for the condition.
    pub label_zh: &'static str,
    pub met: bool,
    /// What is still missing or wrong, one line each; empty when met (or a confirmation).
    pub details_zh: Vec<String>,
}

/// The registration's three conditions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationStatus {
    pub information: Condition,
    pub photo: Condition,
    pub fee: Condition,
}

impl RegistrationStatus {
    /// Successful when all three are met (§八 1).
    pub fn successful(&self) -> bool {
        self.information.met && self.photo.met && self.fee.met
    }

    /// The three in the guide's order.
    pub fn conditions(&self) -> [&Condition; 3] {
        [&self.information, &self.photo, &self.fee]
    }

    pub fn message_zh(&self) -> String {
        if self.successful() {
            return "报名成功：登记信息齐备、照片合格、缴费已确认".into();
        }
        let pending: Vec<&str> = self
            .conditions()
            .iter()
            .filter(|c| !c.met)
            .map(|c| c.label_zh)
            .collect();
        format!("报名尚未成功，还需：{}", pending.join("、"))
    }
}

/// The registration's status from the form, the photo and the fee.
pub fn registration_status(form: &ApplicationForm, photo: &PhotoStatus, fee: &FeeStatus) -> RegistrationStatus {
    let problems = form_problems(form);
    let information = Condition {
        label_zh: "网上登记信息齐备",
        met: problems.is_empty(),
        details_zh: problems.iter().map(FormProblem::message_zh).collect(),
    };
    let photo = match photo {
        PhotoStatus::Accepted => Condition {
            label_zh: "上传像片合格",
            met: true,
            details_zh: vec!["照片合格".into()],
        },
        PhotoStatus::NotUploaded => Condition {
            label_zh: "上传像片合格",
            met: false,
            details_zh: vec!["尚未上传二寸免冠彩色证件照片".into()],
        },
        PhotoStatus::Refused { reasons } => Condition {
            label_zh: "上传像片合格",
            met: false,
            details_zh: reasons.clone(),
        },
    };
    let fee = Condition {
        label_zh: "考试缴费成功",
        met: fee.is_settled(),
        details_zh: vec![fee.message_zh()],
    };
    RegistrationStatus {
        information,
        photo,
        fee,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certification::fees::{FIRST_SITTING, Fen};
    use time::macros::date;

    fn complete() -> ApplicationForm {
        ApplicationForm {
            name: "张三".into(),
            name_pinyin: "ZHANG San".into(),
            id_number: "11010519491231002X".into(),
            education: Some(Education::Bachelor),
            diploma_uploaded: true,
            work_history: vec![WorkPeriod {
                employer: "某某制造有限公司".into(),
                post: "质量部经理".into(),
                from: date!(2015 - 03 - 01),
                to: None,
                quality_related: true,
                management: true,
            }],
            caq_member: false,
            caq_member_no: String::new(),
            exam_city: "北京".into(),
            sitting_chosen: true,
            invoice_title: "张三".into(),
            code_of_conduct_accepted: true,
        }
    }

    #[test]
    fn a_complete_form_has_no_problem() {
        assert_eq!(form_problems(&complete()), vec![]);
    }

    #[test]
    fn an_empty_form_lists_every_field_in_the_forms_order() {
        let messages: Vec<String> = form_problems(&ApplicationForm::default())
            .iter()
            .map(FormProblem::message_zh)
            .collect();
        assert_eq!(
            messages,
            [
                "姓名：未填写",
                "姓名拼音：未填写",
                "身份证号：未填写",
                "学历：未选择",
                "学历证书扫描件：未上传",
                "工作经历：未填写（至少一段质量相关工作经历）",
                "考试城市：未选择",
                "考试场次：未选择",
                "发票抬头：未填写（个人可填写本人姓名）",
                "质量经理行为准则：尚未确认遵守",
            ]
        );
    }

    #[test]
    fn wrong_values_are_named_with_the_reason() {
        let mut form = complete();
        form.name_pinyin = "Zhāng San".into();
        form.id_number = "110105194912310021".into();
        form.caq_member = true;
        form.work_history[0].employer = " ".into();
        form.work_history.push(WorkPeriod {
            employer: "另一公司".into(),
            post: "质量工程师".into(),
            from: date!(2014 - 01 - 01),
            to: Some(date!(2013 - 12 - 31)),
            quality_related: true,
            management: false,
        });
        let messages: Vec<String> = form_problems(&form).iter().map(FormProblem::message_zh).collect();
        assert_eq!(
            messages,
            [
                "姓名拼音：“Zhāng San”只能包含拉丁字母、空格和 -",
                "身份证号：“110105194912310021”校验位错误（应为 X），请核对",
                "工作经历：第 1 段未填写工作单位",
                "工作经历：第 2 段的结束日期早于开始日期",
                "中国质量协会个人会员号：按会员价报名须填写会员号",
            ]
        );
    }

    #[test]
    fn a_registration_succeeds_with_all_three_and_shows_each() {
        let today = date!(2026 - 04 - 02);
        let unpaid = FeeStatus::Awaiting { due: FIRST_SITTING };
        let status = registration_status(&complete(), &PhotoStatus::NotUploaded, &unpaid);
        assert!(!status.successful());
        assert!(status.information.met);
        assert_eq!(status.photo.details_zh, ["尚未上传二寸免冠彩色证件照片"]);
        assert!(!status.fee.met);
        assert_eq!(status.message_zh(), "报名尚未成功，还需：上传像片合格、考试缴费成功");
        let paid = crate::certification::fees::fee_status(Fen::ZERO, None, today);
        let status = registration_status(&complete(), &PhotoStatus::Accepted, &paid);
        assert!(status.successful());
        assert_eq!(status.message_zh(), "报名成功：登记信息齐备、照片合格、缴费已确认");
        let labels: Vec<&str> = status.conditions().iter().map(|c| c.label_zh).collect();
        assert_eq!(labels, ["网上登记信息齐备", "上传像片合格", "考试缴费成功"]);
    }

    #[test]
    fn a_refused_photo_says_why_on_the_page() {
        let check: Result<(), Vec<PhotoRefusal>> = Err(vec![PhotoRefusal::NotPortrait {
            width: 600,
            height: 400,
        }]);
        let photo = PhotoStatus::from_check(&check);
        let status = registration_status(&ApplicationForm::default(), &photo, &FeeStatus::Covered);
        assert!(!status.photo.met);
        assert!(status.photo.details_zh[0].contains("600×400"), "{:?}", status.photo);
        assert_eq!(status.information.details_zh.len(), 10);
        assert!(status.fee.met);
        assert_eq!(
            status.message_zh(),
            "报名尚未成功，还需：网上登记信息齐备、上传像片合格"
        );
        assert_eq!(PhotoStatus::from_check::<()>(&Ok(())), PhotoStatus::Accepted);
    }
}
