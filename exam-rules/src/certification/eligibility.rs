//! Who may apply (§四 1.3): a state-recognised college diploma (大专) or higher, and at least
//! 5 years of quality-related work including at least 2 years in a management post; someone who
//! will meet the experience rule within 3 years may sit the exam now and certify later (§九 Q6).
//!
//! # How experience is counted
//! - Every calendar day worked counts once, however many periods cover it: overlapping periods
//!   (two jobs at once, a period entered twice) are merged first.
//! - A period runs from its first to its last day, both worked; an open period (`to: None`, still
//!   working there) runs on, into the future too when the date the rule will be met is projected.
//! - The experience a person has *on* a date is the days worked before it: the day itself is not
//!   yet complete.
//! - **A year is a calendar year counted from the first day worked**: N years of experience is as
//!   many days worked as there are from that first day to the same date N years later
//!   ([`add_years`]: 29 February becomes 28 February). So someone who has worked without a break
//!   since 1 July 2019 has 5 years on 1 July 2024 (1,827 days, two 29 Februaries included) and not
//!   on 30 June; a gap pushes that date later by the days not worked.
//! - The 2 management years are part of the 5 (“包括至少 2 年管理岗位工作经验”): only management
//!   posts in quality-related work count towards them, anchored at the first such day.
//! - Sitting now and certifying later (§九 Q6) is open to whoever will meet the rule, working on as
//!   entered, by the last day the pass would be valid (3 years from the exam date:
//!   [`pass_valid_until`]), since a deferred certification re-applies within that validity
//!   (§四 2.3 (3)).

use serde::{Deserialize, Serialize};
use time::Date;

use super::windows::pass_valid_until;
use super::{add_years, date_zh};

/// Years of quality-related work required (§四 1.3.2).
pub const QUALITY_YEARS: i32 = 5;
/// Of which years in a management post (§四 1.3.2).
pub const MANAGEMENT_YEARS: i32 = 2;

/// The applicant's highest education, as the application form offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Education {
    /// Below a college diploma: on the form so it can be refused with a reason, not hidden.
    BelowCollege,
    /// 大专
    College,
    /// 本科
    Bachelor,
    /// 硕士
    Master,
    /// 博士
    Doctorate,
}

impl Education {
    pub fn label_zh(self) -> &'static str {
        match self {
            Education::BelowCollege => "大专以下",
            Education::College => "大专",
            Education::Bachelor => "本科",
            Education::Master => "硕士",
            Education::Doctorate => "博士",
        }
    }

    /// A state-recognised college diploma or higher (§四 1.3.1).
    pub fn meets_minimum(self) -> bool {
        self >= Education::College
    }
}

/// One period of the work history as the applicant entered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkPeriod {
    pub employer: String,
    pub post: String,
    /// The first day worked.
    pub from: Date,
    /// The last day worked; `None` while the applicant still works there.
    pub to: Option<Date>,
    /// Quality-related work (质量相关工作): only these periods count.
    pub quality_related: bool,
    /// A management post (管理岗位); counts towards the 2 years only when quality-related.
    pub management: bool,
}

/// One part of the experience rule as of a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// Days worked before the date (each day once).
    pub days: i64,
    /// Days that make the required years, counted from the first day worked; `None` without any
    /// such work.
    pub required_days: Option<i64>,
    /// The first date on which the requirement is met, working on as entered; `None` if never.
    pub met_on: Option<Date>,
}

/// The experience rule's two parts as of a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Experience {
    /// Quality-related work (5 years).
    pub quality: Tally,
    /// Management posts in quality-related work (2 years).
    pub management: Tally,
}

impl Experience {
    /// The first date on which both parts are met; `None` if that never happens as entered.
    pub fn met_on(&self) -> Option<Date> {
        Some(self.quality.met_on?.max(self.management.met_on?))
    }
}

/// The experience of a work history as of `on` (see the module's doc for how days count).
/// Periods whose dates are wrong (see [`eligibility`]) should be refused before.
pub fn experience(history: &[WorkPeriod], on: Date) -> Experience {
    let quality = spans(history.iter().filter(|p| p.quality_related));
    let management = spans(history.iter().filter(|p| p.quality_related && p.management));
    Experience {
        quality: tally(&quality, QUALITY_YEARS, on),
        management: tally(&management, MANAGEMENT_YEARS, on),
    }
}

/// Whether the applicant may apply, judged on the exam date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Eligibility {
    Eligible,
    /// May sit the exam now; certification waits until the experience is met (§九 Q6).
    MaySitCertificationDeferred {
        /// The first day the experience rule is met, working on as entered.
        meets_experience_on: Date,
        /// The pass's last valid day: certification must be applied for by then.
        certify_by: Date,
    },
    NotEligible {
        reasons: Vec<Ineligibility>,
    },
}

/// Why an applicant is not eligible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ineligibility {
    /// Below a college diploma.
    Education,
    /// A period ends before it starts (`number` counts from 1, in the order entered).
    PeriodEndsBeforeItStarts {
        number: usize,
        employer: String,
        from: Date,
        to: Date,
    },
    /// A period starts after the exam date.
    PeriodStartsAfterExam {
        number: usize,
        employer: String,
        from: Date,
        exam_date: Date,
    },
    /// The experience rule is not met by the exam date, nor by `certify_by`.
    Experience {
        experience: Experience,
        exam_date: Date,
        certify_by: Date,
    },
}

impl Ineligibility {
    pub fn message_zh(&self) -> String {
        match self {
            Ineligibility::Education => "学历须为国家承认的大学专科（大专）及以上".into(),
            Ineligibility::PeriodEndsBeforeItStarts {
                number,
                employer,
                from,
                to,
            } => format!(
                "第 {number} 段工作经历（{employer}）的结束日期 {} 早于开始日期 {}",
                date_zh(*to),
                date_zh(*from)
            ),
            Ineligibility::PeriodStartsAfterExam {
                number,
                employer,
                from,
                exam_date,
            } => format!(
                "第 {number} 段工作经历（{employer}）的开始日期 {} 晚于考试日期 {}",
                date_zh(*from),
                date_zh(*exam_date)
            ),
            Ineligibility::Experience {
                experience,
                exam_date,
                certify_by,
            } => {
                let when = match experience.met_on() {
                    Some(on) => format!(
                        "按所填经历将于 {} 满足，晚于考试合格后三年（{}），不能先考试后认证",
                        date_zh(on),
                        date_zh(*certify_by)
                    ),
                    None => format!(
                        "按所填经历，在考试合格后三年内（{} 前）也无法满足",
                        date_zh(*certify_by)
                    ),
                };
                format!(
                    "工作经验不足：要求质量相关工作满 {QUALITY_YEARS} 年，其中管理岗位满 {MANAGEMENT_YEARS} 年；截至考试日期 {}，{}，{}；{when}",
                    date_zh(*exam_date),
                    tally_zh(&experience.quality, "质量相关工作", QUALITY_YEARS),
                    tally_zh(&experience.management, "其中管理岗位", MANAGEMENT_YEARS),
                )
            }
        }
    }
}

fn tally_zh(tally: &Tally, what: &str, years: i32) -> String {
    match tally.required_days {
        Some(required) => format!("{what}累计 {} 天（满 {years} 年需 {required} 天）", tally.days),
        None => format!("{what}没有经历"),
    }
}

impl Eligibility {
    pub fn message_zh(&self) -> String {
        match self {
            Eligibility::Eligible => format!(
                "符合申请条件：大专及以上学历，截至考试日期质量相关工作满 {QUALITY_YEARS} 年，其中管理岗位满 {MANAGEMENT_YEARS} 年。"
            ),
            Eligibility::MaySitCertificationDeferred {
                meets_experience_on,
                certify_by,
            } => format!(
                "可以参加考试，认证暂缓：截至考试日期，工作经验尚不满足“质量相关工作满 {QUALITY_YEARS} 年，其中管理岗位满 {MANAGEMENT_YEARS} 年”；按所填经历，将于 {} 满足。考试合格后，请在满足后、成绩有效期内（{} 前）申请认证。",
                date_zh(*meets_experience_on),
                date_zh(*certify_by)
            ),
            Eligibility::NotEligible { reasons } => {
                let reasons: Vec<String> = reasons.iter().map(Ineligibility::message_zh).collect();
                format!("不符合申请条件：{}。", reasons.join("；"))
            }
        }
    }
}

/// Whether someone with this education and work history may apply, judged on the exam date
/// (§四 1.3; §九 Q6 for sitting now and certifying later).
pub fn eligibility(education: Education, history: &[WorkPeriod], exam_date: Date) -> Eligibility {
    let mut reasons = Vec::new();
    if !education.meets_minimum() {
        reasons.push(Ineligibility::Education);
    }
    for (i, p) in history.iter().enumerate() {
        let (number, employer) = (i + 1, p.employer.clone());
        if let Some(to) = p.to
            && to < p.from
        {
            reasons.push(Ineligibility::PeriodEndsBeforeItStarts {
                number,
                employer,
                from: p.from,
                to,
            });
        } else if p.from > exam_date {
            reasons.push(Ineligibility::PeriodStartsAfterExam {
                number,
                employer,
                from: p.from,
                exam_date,
            });
        }
    }
    if !reasons.is_empty() {
        // Wrong dates make any count of the experience misleading: they are fixed first.
        return Eligibility::NotEligible { reasons };
    }
    let experience = experience(history, exam_date);
    let certify_by = pass_valid_until(exam_date);
    match experience.met_on() {
        Some(on) if on <= exam_date => Eligibility::Eligible,
        Some(on) if on <= certify_by => Eligibility::MaySitCertificationDeferred {
            meets_experience_on: on,
            certify_by,
        },
        _ => Eligibility::NotEligible {
            reasons: vec![Ineligibility::Experience {
                experience,
                exam_date,
                certify_by,
            }],
        },
    }
}

/// Days as Julian day numbers, a period's last day included; `end: None` runs on.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: i64,
    end: Option<i64>,
}

/// The periods as disjoint spans in order, so that each day counts once.
fn spans<'a>(periods: impl Iterator<Item = &'a WorkPeriod>) -> Vec<Span> {
    let mut all: Vec<Span> = periods
        .filter(|p| p.to.is_none_or(|to| to >= p.from))
        .map(|p| Span {
            start: p.from.to_julian_day().into(),
            end: p.to.map(|d| d.to_julian_day().into()),
        })
        .collect();
    all.sort_by_key(|s| s.start);
    let mut merged: Vec<Span> = Vec::with_capacity(all.len());
    for span in all {
        match merged.last_mut() {
            Some(last) if last.end.is_none_or(|end| span.start <= end + 1) => {
                last.end = match (last.end, span.end) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
            }
            _ => merged.push(span),
        }
    }
    merged
}

fn tally(spans: &[Span], years: i32, on: Date) -> Tally {
    let Some(first) = spans.first() else {
        return Tally {
            days: 0,
            required_days: None,
            met_on: None,
        };
    };
    let on = i64::from(on.to_julian_day());
    let days = spans
        .iter()
        .map(|s| (s.end.map_or(on - 1, |end| end.min(on - 1)) - s.start + 1).max(0))
        .sum();
    let start = Date::from_julian_day(first.start as i32).expect("from a date");
    let required = i64::from(add_years(start, years).to_julian_day()) - first.start;
    // The first date D with `required` days worked before it.
    let mut counted = 0;
    let mut met_on = None;
    for s in spans {
        match s.end.map(|end| end - s.start + 1) {
            Some(len) if counted + len < required => counted += len,
            _ => {
                met_on = i32::try_from(s.start + required - counted)
                    .ok()
                    .and_then(|jd| Date::from_julian_day(jd).ok());
                break;
            }
        }
    }
    Tally {
        days,
        required_days: Some(required),
        met_on,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn period(from: Date, to: Option<Date>, quality_related: bool, management: bool) -> WorkPeriod {
        WorkPeriod {
            employer: "某某制造有限公司".into(),
            post: if management {
                "质量部经理"
            } else {
                "质量工程师"
            }
            .into(),
            from,
            to,
            quality_related,
            management,
        }
    }

    /// Quality work from `from`, a management post in it from `manager_from`, both still held.
    fn career(from: Date, manager_from: Date) -> Vec<WorkPeriod> {
        vec![
            period(from, Some(manager_from.previous_day().unwrap()), true, false),
            period(manager_from, None, true, true),
        ]
    }

    #[test]
    fn exactly_five_years_on_the_anniversary_and_not_the_day_before() {
        let history = career(date!(2019 - 07 - 01), date!(2020 - 01 - 01));
        assert_eq!(
            eligibility(Education::Bachelor, &history, date!(2024 - 07 - 01)),
            Eligibility::Eligible
        );
        // 4 years and 364 days (1,826 days of the 1,827 the five years from 1 July 2019 hold).
        let day_before = eligibility(Education::Bachelor, &history, date!(2024 - 06 - 30));
        assert_eq!(
            day_before,
            Eligibility::MaySitCertificationDeferred {
                meets_experience_on: date!(2024 - 07 - 01),
                certify_by: date!(2027 - 06 - 30)
            }
        );
        let e = experience(&history, date!(2024 - 06 - 30));
        assert_eq!((e.quality.days, e.quality.required_days), (1826, Some(1827)));
    }

    #[test]
    fn a_year_is_a_calendar_year_so_the_leap_day_is_no_head_start() {
        // Counted from 1 March 2019, five years hold two 29 Februaries (2020 and 2024).
        let history = career(date!(2019 - 03 - 01), date!(2019 - 03 - 01));
        let e = experience(&history, date!(2024 - 03 - 01));
        assert_eq!(
            e.quality.required_days,
            Some(1827),
            "2020 and 2024 both have a 29 February before 1 March 2024"
        );
        assert_eq!(e.quality.met_on, Some(date!(2024 - 03 - 01)));
        let history = career(date!(2017 - 03 - 01), date!(2017 - 03 - 01));
        let e = experience(&history, date!(2022 - 03 - 01));
        assert_eq!(e.quality.required_days, Some(1826), "only 2020's 29 February");
        assert_eq!(e.quality.met_on, Some(date!(2022 - 03 - 01)));
        // Started on a 29 February: five years end on 28 February's anniversary-day.
        let history = career(date!(2016 - 02 - 29), date!(2016 - 02 - 29));
        let e = experience(&history, date!(2021 - 03 - 01));
        assert_eq!(e.quality.met_on, Some(date!(2021 - 02 - 28)));
        assert_eq!(e.management.met_on, Some(date!(2018 - 02 - 28)));
    }

    #[test]
    fn overlapping_periods_count_each_day_once() {
        // Two quality jobs held at the same time for a year count one year, not two.
        let history = vec![
            period(date!(2018 - 01 - 01), Some(date!(2020 - 12 - 31)), true, false),
            period(date!(2020 - 01 - 01), Some(date!(2021 - 12 - 31)), true, true),
            // The same period entered twice, and one inside another.
            period(date!(2020 - 01 - 01), Some(date!(2021 - 12 - 31)), true, true),
            period(date!(2019 - 05 - 01), Some(date!(2019 - 06 - 30)), true, false),
        ];
        let e = experience(&history, date!(2030 - 01 - 01));
        assert_eq!(e.quality.days, 4 * 365 + 1, "2018–2021 once, with 2020's 29 February");
        assert_eq!(e.management.days, 366 + 365);
        assert_eq!(e.quality.met_on, None, "four years, all ended");
        assert!(matches!(
            eligibility(Education::Master, &history, date!(2030 - 01 - 01)),
            Eligibility::NotEligible { .. }
        ));
    }

    #[test]
    fn adjacent_periods_join_and_gaps_push_the_date_later() {
        let history = vec![
            period(date!(2015 - 01 - 01), Some(date!(2016 - 12 - 31)), true, false),
            period(date!(2017 - 01 - 01), Some(date!(2017 - 12 - 31)), true, true),
            // A 31-day gap (January 2018), then on as a manager.
            period(date!(2018 - 02 - 01), None, true, true),
        ];
        let e = experience(&history, date!(2020 - 01 - 01));
        assert_eq!(
            e.quality.met_on,
            Some(date!(2020 - 02 - 01)),
            "1 January 2020 pushed on by the 31 days of the gap"
        );
        assert_eq!(e.management.met_on, Some(date!(2019 - 02 - 01)));
        assert_eq!(e.met_on(), Some(date!(2020 - 02 - 01)));
    }

    #[test]
    fn management_is_part_of_the_five_years_not_added_to_them() {
        // Five years, all of them as a quality manager: both parts met at once.
        let history = vec![period(date!(2019 - 01 - 01), None, true, true)];
        assert_eq!(
            eligibility(Education::College, &history, date!(2024 - 01 - 01)),
            Eligibility::Eligible
        );
        // A management post outside quality work does not count towards the 2 years.
        let history = vec![
            period(date!(2010 - 01 - 01), Some(date!(2019 - 12 - 31)), true, false),
            period(date!(2020 - 01 - 01), None, false, true),
        ];
        let e = experience(&history, date!(2024 - 01 - 01));
        assert_eq!(e.management.required_days, None);
        let Eligibility::NotEligible { reasons } = eligibility(Education::College, &history, date!(2024 - 01 - 01))
        else {
            panic!("no quality management at all")
        };
        let message = reasons[0].message_zh();
        assert!(message.contains("其中管理岗位没有经历"), "{message}");
        assert!(
            message.contains("质量相关工作累计 3652 天（满 5 年需 1826 天）"),
            "{message}"
        );
        assert!(message.contains("也无法满足"), "{message}");
    }

    #[test]
    fn the_management_years_can_be_what_is_missing() {
        let history = career(date!(2015 - 01 - 01), date!(2023 - 01 - 01));
        let exam = date!(2024 - 06 - 15);
        assert_eq!(
            eligibility(Education::Doctorate, &history, exam),
            Eligibility::MaySitCertificationDeferred {
                meets_experience_on: date!(2025 - 01 - 01),
                certify_by: date!(2027 - 06 - 15)
            }
        );
    }

    #[test]
    fn sitting_now_is_open_until_the_passes_last_valid_day() {
        let exam = date!(2024 - 06 - 15);
        // A post planned after the exam cannot be counted on: a period may not start after it.
        let history = career(date!(2010 - 01 - 01), date!(2025 - 06 - 15));
        assert!(matches!(
            eligibility(Education::Bachelor, &history, exam),
            Eligibility::NotEligible { ref reasons } if matches!(reasons[0], Ineligibility::PeriodStartsAfterExam { number: 2, .. })
        ));
        // Quality management since 15 June 2022: 5 years on 15 June 2027, the pass's last valid day.
        let history = vec![period(date!(2022 - 06 - 15), None, true, true)];
        assert_eq!(
            eligibility(Education::Bachelor, &history, exam),
            Eligibility::MaySitCertificationDeferred {
                meets_experience_on: date!(2027 - 06 - 15),
                certify_by: date!(2027 - 06 - 15)
            }
        );
        // A day later and the pass would have lapsed first.
        let history = vec![period(date!(2022 - 06 - 16), None, true, true)];
        let result = eligibility(Education::Bachelor, &history, exam);
        let Eligibility::NotEligible { reasons } = &result else {
            panic!("{result:?}")
        };
        let message = result.message_zh();
        assert!(matches!(reasons[0], Ineligibility::Experience { .. }));
        assert!(
            message.contains("将于 2027 年 6 月 16 日 满足，晚于考试合格后三年（2027 年 6 月 15 日）"),
            "{message}"
        );
    }

    #[test]
    fn a_period_that_has_ended_is_not_projected() {
        let history = vec![period(date!(2021 - 01 - 01), Some(date!(2023 - 12 - 31)), true, true)];
        let result = eligibility(Education::Bachelor, &history, date!(2024 - 06 - 15));
        assert!(matches!(result, Eligibility::NotEligible { .. }));
        // The same period planned to the end of 2026 (a contract's end date) is counted to it.
        let history = vec![period(date!(2021 - 01 - 01), Some(date!(2026 - 12 - 31)), true, true)];
        assert_eq!(
            eligibility(Education::Bachelor, &history, date!(2024 - 06 - 15)),
            Eligibility::MaySitCertificationDeferred {
                meets_experience_on: date!(2026 - 01 - 01),
                certify_by: date!(2027 - 06 - 15)
            }
        );
    }

    #[test]
    fn work_that_is_not_quality_related_does_not_count() {
        let history = vec![period(date!(2000 - 01 - 01), None, false, true)];
        let result = eligibility(Education::Bachelor, &history, date!(2024 - 06 - 15));
        let message = result.message_zh();
        assert!(message.contains("质量相关工作没有经历"), "{message}");
        assert!(matches!(
            eligibility(Education::Bachelor, &[], date!(2024 - 06 - 15)),
            Eligibility::NotEligible { .. }
        ));
    }

    #[test]
    fn education_below_college_is_refused_and_said() {
        let history = career(date!(2010 - 01 - 01), date!(2015 - 01 - 01));
        let result = eligibility(Education::BelowCollege, &history, date!(2024 - 06 - 15));
        assert_eq!(
            result,
            Eligibility::NotEligible {
                reasons: vec![Ineligibility::Education]
            }
        );
        assert_eq!(
            result.message_zh(),
            "不符合申请条件：学历须为国家承认的大学专科（大专）及以上。"
        );
        for e in [
            Education::College,
            Education::Bachelor,
            Education::Master,
            Education::Doctorate,
        ] {
            assert!(e.meets_minimum(), "{}", e.label_zh());
        }
    }

    #[test]
    fn wrong_dates_are_named_period_by_period_with_the_education() {
        let mut history = career(date!(2010 - 01 - 01), date!(2015 - 01 - 01));
        history.push(period(date!(2020 - 05 - 01), Some(date!(2020 - 04 - 30)), true, false));
        let result = eligibility(Education::BelowCollege, &history, date!(2024 - 06 - 15));
        assert_eq!(
            result.message_zh(),
            "不符合申请条件：学历须为国家承认的大学专科（大专）及以上；第 3 段工作经历（某某制造有限公司）的结束日期 2020 年 4 月 30 日 早于开始日期 2020 年 5 月 1 日。"
        );
        // A one-day period is fine.
        let history = vec![period(date!(2020 - 05 - 01), Some(date!(2020 - 05 - 01)), true, false)];
        assert_eq!(experience(&history, date!(2024 - 01 - 01)).quality.days, 1);
    }

    #[test]
    fn a_period_starting_on_the_exam_date_counts_no_day_yet() {
        let history = vec![period(date!(2024 - 06 - 15), None, true, true)];
        let e = experience(&history, date!(2024 - 06 - 15));
        assert_eq!(e.quality.days, 0);
        assert_eq!(e.quality.met_on, Some(date!(2029 - 06 - 15)));
    }

    #[test]
    fn the_messages_say_why_and_when() {
        assert_eq!(
            Eligibility::Eligible.message_zh(),
            "符合申请条件：大专及以上学历，截至考试日期质量相关工作满 5 年，其中管理岗位满 2 年。"
        );
        let deferred = Eligibility::MaySitCertificationDeferred {
            meets_experience_on: date!(2025 - 01 - 01),
            certify_by: date!(2027 - 06 - 15),
        };
        let message = deferred.message_zh();
        assert!(message.starts_with("可以参加考试，认证暂缓"), "{message}");
        assert!(message.contains("将于 2025 年 1 月 1 日 满足"), "{message}");
        assert!(message.contains("2027 年 6 月 15 日 前"), "{message}");
    }
}
