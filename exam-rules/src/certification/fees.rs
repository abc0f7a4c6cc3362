//! The fee due and whether what the office recorded covers it (§四 2.3; payment by bank transfer,
//! §八 3). Money is counted in fen, never as a float. There is no payment gateway: the office
//! records a transfer as the bank shows it, or a waiver with its reason.
//!
//! Group prices (§四 2.3 (4), “按照当年团体优惠价格政策执行”) are the year's policy, not a rule
//! here: the office records such a case as a waiver, or the engine passes the group price as due.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;

use super::date_zh;

/// An amount of money in fen (分, hundredths of a yuan).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fen(pub i64);

impl Fen {
    pub const ZERO: Fen = Fen(0);

    pub const fn yuan(yuan: i64) -> Fen {
        Fen(yuan * 100)
    }

    /// An amount as the office types it: "1600", "1600.00", "1,600.5", "￥1600", "1600 元".
    pub fn parse(text: &str) -> Result<Fen, String> {
        let cleaned: String = text
            .trim()
            .trim_start_matches(['¥', '￥'])
            .trim_end_matches('元')
            .chars()
            .filter(|c| !matches!(c, ',' | '，' | ' '))
            .collect();
        let refuse = || format!("金额“{}”无法识别，请写作 1600 或 1600.00", text.trim());
        let (whole, fraction) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > 2 || whole.len() > 12 {
            return Err(refuse());
        }
        let whole: i64 = whole.parse().map_err(|_| refuse())?;
        let fraction: i64 = format!("{fraction:0<2}").parse().map_err(|_| refuse())?;
        Ok(Fen(whole * 100 + fraction))
    }
}

impl fmt::Display for Fen {
    /// "1600 元", "1600.50 元".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let (yuan, fen) = (self.0.abs() / 100, self.0.abs() % 100);
        if fen == 0 {
            write!(f, "{sign}{yuan} 元")
        } else {
            write!(f, "{sign}{yuan}.{fen:02} 元")
        }
    }
}

/// Exam, assessment and certification (管理及证书费 included), §四 2.3 (1).
pub const FIRST_SITTING: Fen = Fen::yuan(1600);
/// The same for a CAQ individual member (中国质量协会个人会员), §四 2.3 (1).
pub const MEMBER_FIRST_SITTING: Fen = Fen::yuan(1200);
/// Sitting again after a failed exam (补考费), §四 2.3 (2).
pub const RETAKE: Fen = Fen::yuan(300);

/// What the applicant is applying for, as far as the fee goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Application {
    /// A first sitting: exam and certification.
    FirstSitting { caq_member: bool },
    /// Sitting again after failing.
    Retake,
    /// A certification deferred by the review, applied for again (§四 2.3 (3)).
    DeferredReapplication { pass_valid_until: Date, applied_on: Date },
}

impl Application {
    pub fn label_zh(&self) -> &'static str {
        match self {
            Application::FirstSitting { caq_member: false } => "考试测评及认证费",
            Application::FirstSitting { caq_member: true } => "考试测评及认证费（中国质量协会个人会员）",
            Application::Retake => "补考费",
            Application::DeferredReapplication { .. } => "暂缓发证后再次申请认证（免费）",
        }
    }
}

/// Why no fee can be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeeError {
    /// A deferred certification applied for after the pass lapsed: the exam must be sat again.
    PassExpired { valid_until: Date },
}

impl FeeError {
    pub fn message_zh(&self) -> String {
        match self {
            FeeError::PassExpired { valid_until } => format!(
                "考试成绩有效期已于 {} 届满，不能免费再次申请认证，需重新报名参加考试",
                date_zh(*valid_until)
            ),
        }
    }
}

/// The fee due (§四 2.3): 1600 yuan, 1200 for a CAQ individual member, 300 for a retake, nothing
/// for a deferred certification applied for again within the pass's validity.
pub fn fee_due(application: &Application) -> Result<Fen, FeeError> {
    match *application {
        Application::FirstSitting { caq_member: false } => Ok(FIRST_SITTING),
        Application::FirstSitting { caq_member: true } => Ok(MEMBER_FIRST_SITTING),
        Application::Retake => Ok(RETAKE),
        Application::DeferredReapplication {
            pass_valid_until,
            applied_on,
        } if applied_on <= pass_valid_until => Ok(Fen::ZERO),
        Application::DeferredReapplication { pass_valid_until, .. } => Err(FeeError::PassExpired {
            valid_until: pass_valid_until,
        }),
    }
}

/// A bank transfer as the office reads it from the bank's statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub payer: String,
    pub amount: Fen,
    pub date: Date,
    /// The bank's reference for the transfer (流水号), so one transfer is not recorded twice.
    pub reference: String,
}

/// What the office recorded against a fee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    Transfer(Transfer),
    /// The office waives the fee; the reason is kept with the record.
    Waiver {
        reason: String,
    },
}

/// What is wrong with a recorded settlement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettlementProblem {
    NoPayer,
    NoReference,
    /// Less than due.
    Short {
        due: Fen,
        paid: Fen,
    },
    /// More than due: the amount must equal the fee, the rest is refunded or the record fixed.
    Over {
        due: Fen,
        paid: Fen,
    },
    /// Dated after the day it is recorded.
    DatedInFuture {
        date: Date,
        today: Date,
    },
    /// A transfer against a fee of nothing.
    NothingDue {
        paid: Fen,
    },
    NoWaiverReason,
}

impl SettlementProblem {
    pub fn message_zh(&self) -> String {
        match self {
            SettlementProblem::NoPayer => "未填写汇款人".into(),
            SettlementProblem::NoReference => "未填写银行流水号".into(),
            SettlementProblem::Short { due, paid } => {
                format!("汇款金额 {paid}少于应缴的 {due}（差 {}）", Fen(due.0 - paid.0))
            }
            SettlementProblem::Over { due, paid } => format!(
                "汇款金额 {paid}多于应缴的 {due}（多 {}）：金额须与应缴费用一致，请核对或退还多缴部分",
                Fen(paid.0 - due.0)
            ),
            SettlementProblem::DatedInFuture { date, today } => {
                format!("汇款日期 {} 晚于今天（{}）", date_zh(*date), date_zh(*today))
            }
            SettlementProblem::NothingDue { paid } => format!("本次无需缴费，不应记录 {paid}的汇款"),
            SettlementProblem::NoWaiverReason => "免缴须写明理由".into(),
        }
    }
}

/// Whether `settlement` covers a fee of `due`, recorded on `today`: a transfer of exactly the fee
/// with its payer and reference, or a waiver with a reason; otherwise every problem.
pub fn check_settlement(due: Fen, settlement: &Settlement, today: Date) -> Result<(), Vec<SettlementProblem>> {
    let mut problems = Vec::new();
    match settlement {
        Settlement::Transfer(t) => {
            if t.payer.trim().is_empty() {
                problems.push(SettlementProblem::NoPayer);
            }
            if t.reference.trim().is_empty() {
                problems.push(SettlementProblem::NoReference);
            }
            if due == Fen::ZERO {
                problems.push(SettlementProblem::NothingDue { paid: t.amount });
            } else if t.amount < due {
                problems.push(SettlementProblem::Short { due, paid: t.amount });
            } else if t.amount > due {
                problems.push(SettlementProblem::Over { due, paid: t.amount });
            }
            if t.date > today {
                problems.push(SettlementProblem::DatedInFuture { date: t.date, today });
            }
        }
        Settlement::Waiver { reason } => {
            if reason.trim().is_empty() {
                problems.push(SettlementProblem::NoWaiverReason);
            }
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

/// The fee as the applicant's page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeeStatus {
    /// Nothing to pay.
    NotDue,
    /// Paid or waived, and the record covers the fee.
    Covered,
    /// Nothing recorded yet.
    Awaiting { due: Fen },
    /// Recorded, but it does not cover the fee.
    NotCovered { due: Fen, problems: Vec<SettlementProblem> },
}

impl FeeStatus {
    pub fn is_settled(&self) -> bool {
        matches!(self, FeeStatus::NotDue | FeeStatus::Covered)
    }

    pub fn message_zh(&self) -> String {
        match self {
            FeeStatus::NotDue => "本次无需缴费".into(),
            FeeStatus::Covered => "缴费已确认".into(),
            FeeStatus::Awaiting { due } => format!("应缴 {due}，尚未收到汇款（以考试办公室记录的银行转账为准）"),
            FeeStatus::NotCovered { due, problems } => {
                let problems: Vec<String> = problems.iter().map(SettlementProblem::message_zh).collect();
                format!("应缴 {due}，已记录的缴费有误：{}", problems.join("；"))
            }
        }
    }
}

/// The fee's status: `due` against what was recorded, if anything.
pub fn fee_status(due: Fen, settlement: Option<&Settlement>, today: Date) -> FeeStatus {
    match settlement {
        None if due == Fen::ZERO => FeeStatus::NotDue,
        None => FeeStatus::Awaiting { due },
        Some(s) => match check_settlement(due, s, today) {
            Ok(()) => FeeStatus::Covered,
            Err(problems) => FeeStatus::NotCovered { due, problems },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn transfer(amount: Fen) -> Settlement {
        Settlement::Transfer(Transfer {
            payer: "张三".into(),
            amount,
            date: date!(2026 - 04 - 01),
            reference: "0200002809014498969-20260401-001".into(),
        })
    }

    #[test]
    fn the_fee_follows_the_guide() {
        assert_eq!(
            fee_due(&Application::FirstSitting { caq_member: false }),
            Ok(Fen(160_000))
        );
        assert_eq!(
            fee_due(&Application::FirstSitting { caq_member: true }),
            Ok(Fen(120_000))
        );
        assert_eq!(fee_due(&Application::Retake), Ok(Fen(30_000)));
        let valid_until = date!(2027 - 06 - 15);
        let on = |applied_on| Application::DeferredReapplication {
            pass_valid_until: valid_until,
            applied_on,
        };
        assert_eq!(
            fee_due(&on(date!(2027 - 06 - 15))),
            Ok(Fen::ZERO),
            "on the last valid day"
        );
        let late = fee_due(&on(date!(2027 - 06 - 16))).unwrap_err();
        assert_eq!(late, FeeError::PassExpired { valid_until });
        assert_eq!(
            late.message_zh(),
            "考试成绩有效期已于 2027 年 6 月 15 日 届满，不能免费再次申请认证，需重新报名参加考试"
        );
        assert_eq!(Application::Retake.label_zh(), "补考费");
    }

    #[test]
    fn amounts_parse_as_the_office_types_them() {
        assert_eq!(Fen::parse("1600"), Ok(Fen(160_000)));
        assert_eq!(Fen::parse(" 1,600.00 "), Ok(Fen(160_000)));
        assert_eq!(Fen::parse("￥1200.5"), Ok(Fen(120_050)));
        assert_eq!(Fen::parse("300元"), Ok(Fen(30_000)));
        assert_eq!(Fen::parse("0.07"), Ok(Fen(7)));
        for bad in ["", "abc", "16.001", "-300", "1.2.3", ".5", "1e3"] {
            let why = Fen::parse(bad).unwrap_err();
            assert!(why.contains("无法识别"), "{bad}: {why}");
        }
        assert_eq!(Fen(160_000).to_string(), "1600 元");
        assert_eq!(Fen(120_050).to_string(), "1200.50 元");
        assert_eq!(Fen(7).to_string(), "0.07 元");
        assert_eq!(Fen(-30_000).to_string(), "-300 元");
    }

    #[test]
    fn a_transfer_covers_the_fee_only_when_it_equals_it() {
        let today = date!(2026 - 04 - 02);
        assert_eq!(check_settlement(FIRST_SITTING, &transfer(FIRST_SITTING), today), Ok(()));
        let short = check_settlement(FIRST_SITTING, &transfer(MEMBER_FIRST_SITTING), today).unwrap_err();
        assert_eq!(
            short,
            vec![SettlementProblem::Short {
                due: FIRST_SITTING,
                paid: MEMBER_FIRST_SITTING
            }]
        );
        assert_eq!(short[0].message_zh(), "汇款金额 1200 元少于应缴的 1600 元（差 400 元）");
        let over = check_settlement(MEMBER_FIRST_SITTING, &transfer(FIRST_SITTING), today).unwrap_err();
        assert!(
            over[0]
                .message_zh()
                .starts_with("汇款金额 1600 元多于应缴的 1200 元（多 400 元）"),
            "{over:?}"
        );
        let a_fen_short = check_settlement(RETAKE, &transfer(Fen(29_999)), today).unwrap_err();
        assert_eq!(
            a_fen_short[0].message_zh(),
            "汇款金额 299.99 元少于应缴的 300 元（差 0.01 元）"
        );
    }

    #[test]
    fn every_problem_of_a_transfer_is_said() {
        let record = Settlement::Transfer(Transfer {
            payer: " ".into(),
            amount: Fen::ZERO,
            date: date!(2026 - 04 - 03),
            reference: String::new(),
        });
        let problems = check_settlement(RETAKE, &record, date!(2026 - 04 - 02)).unwrap_err();
        let messages: Vec<String> = problems.iter().map(SettlementProblem::message_zh).collect();
        assert_eq!(
            messages,
            [
                "未填写汇款人",
                "未填写银行流水号",
                "汇款金额 0 元少于应缴的 300 元（差 300 元）",
                "汇款日期 2026 年 4 月 3 日 晚于今天（2026 年 4 月 2 日）"
            ]
        );
        // Dated the day it is recorded is fine.
        assert_eq!(
            check_settlement(FIRST_SITTING, &transfer(FIRST_SITTING), date!(2026 - 04 - 01)),
            Ok(())
        );
    }

    #[test]
    fn a_waiver_needs_a_reason_and_nothing_due_needs_no_transfer() {
        let today = date!(2026 - 04 - 02);
        let waiver = |reason: &str| Settlement::Waiver { reason: reason.into() };
        assert_eq!(
            check_settlement(FIRST_SITTING, &waiver("企业团体报名，按团体优惠政策另行结算"), today),
            Ok(())
        );
        assert_eq!(
            check_settlement(FIRST_SITTING, &waiver("  "), today),
            Err(vec![SettlementProblem::NoWaiverReason])
        );
        assert_eq!(
            check_settlement(Fen::ZERO, &waiver("暂缓发证者再次申请"), today),
            Ok(())
        );
        let paid_for_nothing = check_settlement(Fen::ZERO, &transfer(RETAKE), today).unwrap_err();
        assert_eq!(paid_for_nothing[0].message_zh(), "本次无需缴费，不应记录 300 元的汇款");
    }

    #[test]
    fn the_status_the_applicant_sees() {
        let today = date!(2026 - 04 - 02);
        assert_eq!(fee_status(Fen::ZERO, None, today), FeeStatus::NotDue);
        assert!(fee_status(Fen::ZERO, None, today).is_settled());
        let awaiting = fee_status(FIRST_SITTING, None, today);
        assert_eq!(awaiting, FeeStatus::Awaiting { due: FIRST_SITTING });
        assert!(!awaiting.is_settled());
        assert!(awaiting.message_zh().starts_with("应缴 1600 元，尚未收到汇款"));
        assert_eq!(fee_status(RETAKE, Some(&transfer(RETAKE)), today), FeeStatus::Covered);
        let wrong = fee_status(RETAKE, Some(&transfer(FIRST_SITTING)), today);
        assert!(!wrong.is_settled());
        assert!(
            wrong
                .message_zh()
                .starts_with("应缴 300 元，已记录的缴费有误：汇款金额 1600 元多于"),
            "{}",
            wrong.message_zh()
        );
    }
}
