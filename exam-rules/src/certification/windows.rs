//! The dates around a sitting (§八 1–2, §四 1.5, §四 2.3 (3)): from when the admission ticket
//! may be downloaded, when results are seen, until when a pass is valid, and the certification
//! application's 30 days.
//!
//! Periods count as the civil code counts them: the day they start from is not counted (the
//! 30 days after a release on 12 August run from 13 August to 11 September, both included), and a
//! period of years ends on the same date (29 February: the month's last day,
//! [`add_years`]). A last day falling on a public holiday is not moved on here:
//! the engine has no holiday calendar; the office may accept such a post-mark by hand.

use time::{Date, Duration};

use super::{add_years, date_zh};

/// The default of the setting "tickets downloadable N days before the exam" (exam-rules.md §3).
pub const DEFAULT_TICKET_LEAD_DAYS: u8 = 10;
/// Results are published about this many days after the exam (§八 1); the release decides.
pub const RESULTS_DAYS_AFTER_EXAM: i64 = 60;
/// A pass is valid for 3 years (§四 1.5).
pub const PASS_VALID_YEARS: i32 = 3;
/// Certification documents are posted within 30 days of the results' publication (§八 2).
pub const APPLICATION_DAYS: i64 = 30;

/// How many days before the exam the admission ticket may be downloaded: a setting, within the
/// guide's 5–10 days (“考试前 5～10 日”, §八 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TicketLeadDays(u8);

impl TicketLeadDays {
    pub fn new(days: u8) -> Result<TicketLeadDays, String> {
        if (5..=10).contains(&days) {
            Ok(TicketLeadDays(days))
        } else {
            Err(format!(
                "准考证开放下载的天数应为考试前 5～10 日（办法第八部分），不能为 {days} 日"
            ))
        }
    }

    pub fn days(self) -> u8 {
        self.0
    }
}

impl Default for TicketLeadDays {
    fn default() -> Self {
        TicketLeadDays(DEFAULT_TICKET_LEAD_DAYS)
    }
}

/// The first day the admission ticket may be downloaded: `lead` days before the exam date.
pub fn ticket_available_from(exam_date: Date, lead: TicketLeadDays) -> Date {
    exam_date - Duration::days(lead.days().into())
}

/// The ticket may not be downloaded yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketNotYet {
    pub available_from: Date,
}

impl TicketNotYet {
    pub fn message_zh(&self) -> String {
        format!("准考证尚未开放下载，请于 {} 起下载打印", date_zh(self.available_from))
    }
}

/// Whether the admission ticket may be downloaded on `today` (from `lead` days before the exam,
/// not earlier; after the exam it stays downloadable).
pub fn ticket_downloadable(exam_date: Date, lead: TicketLeadDays, today: Date) -> Result<(), TicketNotYet> {
    let available_from = ticket_available_from(exam_date, lead);
    if today >= available_from {
        Ok(())
    } else {
        Err(TicketNotYet { available_from })
    }
}

/// The date results are expected, as the applicant's page announces it before the release
/// (60 days after the exam, §八 1); the release itself decides when they are seen.
pub fn results_expected_on(exam_date: Date) -> Date {
    exam_date + Duration::days(RESULTS_DAYS_AFTER_EXAM)
}

/// Whether the applicant sees the result on `today`: from the day of the release on.
pub fn results_visible(released_on: Option<Date>, today: Date) -> bool {
    released_on.is_some_and(|released| today >= released)
}

/// The last day a pass is valid: 3 years from the exam date (§四 1.5); an exam on 29 February is
/// valid until 28 February.
pub fn pass_valid_until(exam_date: Date) -> Date {
    add_years(exam_date, PASS_VALID_YEARS)
}

/// Whether a pass of an exam on `exam_date` is still valid on `day`.
pub fn pass_valid_on(exam_date: Date, day: Date) -> bool {
    day <= pass_valid_until(exam_date)
}

/// The last post-mark date of the certification application after a release: 30 days on.
pub fn application_last_day(released_on: Date) -> Date {
    released_on + Duration::days(APPLICATION_DAYS)
}

/// Where a certification application falls, by its post-mark date (§八 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicationTiming {
    /// Within the 30 days: handled in this period. (A post-mark before the release counts here
    /// too: it is not late.)
    ThisPeriod { last_day: Date },
    /// Late: handled in the next period (“本期不再受理认证，所有申请下期受理”).
    NextPeriod { missed_last_day: Date },
    /// Posted after the pass lapsed: the exam must be sat again (§四 1.5).
    PassExpired { valid_until: Date },
}

impl ApplicationTiming {
    pub fn message_zh(&self) -> String {
        match self {
            ApplicationTiming::ThisPeriod { last_day } => {
                format!(
                    "认证申请在成绩发布后 30 日内寄出（截止 {}），本期受理",
                    date_zh(*last_day)
                )
            }
            ApplicationTiming::NextPeriod { missed_last_day } => format!(
                "认证申请的邮寄日期晚于本期截止日 {}（成绩发布后 30 日），本期不再受理，转下期受理",
                date_zh(*missed_last_day)
            ),
            ApplicationTiming::PassExpired { valid_until } => format!(
                "考试成绩有效期已于 {} 届满，认证申请不再受理，需重新参加考试",
                date_zh(*valid_until)
            ),
        }
    }
}

/// Where a certification application post-marked on `postmarked_on` falls, for a pass of an exam
/// on `exam_date` whose results were released on `released_on`.
pub fn certification_application(exam_date: Date, released_on: Date, postmarked_on: Date) -> ApplicationTiming {
    let valid_until = pass_valid_until(exam_date);
    let last_day = application_last_day(released_on);
    if postmarked_on > valid_until {
        ApplicationTiming::PassExpired { valid_until }
    } else if postmarked_on <= last_day {
        ApplicationTiming::ThisPeriod { last_day }
    } else {
        ApplicationTiming::NextPeriod {
            missed_last_day: last_day,
        }
    }
}

/// A deferred certification applied for again after the pass lapsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassExpired {
    pub valid_until: Date,
}

impl PassExpired {
    pub fn message_zh(&self) -> String {
        format!(
            "考试成绩有效期已于 {} 届满，暂缓发证后不能再次申请认证，需重新参加考试",
            date_zh(self.valid_until)
        )
    }
}

/// Whether a certification deferred by the review may be applied for again on `applied_on`:
/// within the pass's validity (§四 2.3 (3)), at no fee.
pub fn deferred_reapplication(exam_date: Date, applied_on: Date) -> Result<(), PassExpired> {
    let valid_until = pass_valid_until(exam_date);
    if applied_on <= valid_until {
        Ok(())
    } else {
        Err(PassExpired { valid_until })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_ticket_opens_lead_days_before_the_exam_and_not_earlier() {
        let exam = date!(2026 - 06 - 13);
        let lead = TicketLeadDays::default();
        assert_eq!(lead.days(), 10);
        assert_eq!(ticket_available_from(exam, lead), date!(2026 - 06 - 03));
        assert_eq!(ticket_downloadable(exam, lead, date!(2026 - 06 - 03)), Ok(()));
        assert_eq!(ticket_downloadable(exam, lead, date!(2026 - 06 - 13)), Ok(()));
        assert_eq!(ticket_downloadable(exam, lead, date!(2026 - 07 - 01)), Ok(()));
        let early = ticket_downloadable(exam, lead, date!(2026 - 06 - 02)).unwrap_err();
        assert_eq!(
            early.message_zh(),
            "准考证尚未开放下载，请于 2026 年 6 月 3 日 起下载打印"
        );
        let five = TicketLeadDays::new(5).unwrap();
        assert_eq!(
            ticket_available_from(date!(2026 - 03 - 03), five),
            date!(2026 - 02 - 26)
        );
        assert!(ticket_downloadable(date!(2026 - 03 - 03), five, date!(2026 - 02 - 25)).is_err());
    }

    #[test]
    fn the_lead_setting_stays_within_the_guides_five_to_ten_days() {
        assert!(TicketLeadDays::new(5).is_ok());
        assert!(TicketLeadDays::new(10).is_ok());
        assert!(TicketLeadDays::new(4).unwrap_err().contains("5～10 日"));
        assert!(TicketLeadDays::new(11).is_err());
        assert!(TicketLeadDays::new(0).is_err());
    }

    #[test]
    fn results_are_seen_from_the_release() {
        assert_eq!(results_expected_on(date!(2026 - 06 - 13)), date!(2026 - 08 - 12));
        assert!(!results_visible(None, date!(2026 - 08 - 12)));
        assert!(!results_visible(Some(date!(2026 - 08 - 12)), date!(2026 - 08 - 11)));
        assert!(results_visible(Some(date!(2026 - 08 - 12)), date!(2026 - 08 - 12)));
        assert!(results_visible(Some(date!(2026 - 08 - 12)), date!(2029 - 01 - 01)));
    }

    #[test]
    fn a_pass_is_valid_three_years_to_the_day() {
        let exam = date!(2026 - 06 - 13);
        assert_eq!(pass_valid_until(exam), date!(2029 - 06 - 13));
        assert!(pass_valid_on(exam, date!(2029 - 06 - 13)));
        assert!(!pass_valid_on(exam, date!(2029 - 06 - 14)));
    }

    #[test]
    fn a_pass_of_29_february_is_valid_until_28_february() {
        let exam = date!(2028 - 02 - 29);
        assert_eq!(pass_valid_until(exam), date!(2031 - 02 - 28));
        assert!(pass_valid_on(exam, date!(2031 - 02 - 28)));
        assert!(!pass_valid_on(exam, date!(2031 - 03 - 01)));
    }

    #[test]
    fn the_thirtieth_day_is_in_time_and_the_thirty_first_goes_to_the_next_period() {
        let exam = date!(2026 - 06 - 13);
        let released = date!(2026 - 08 - 12);
        assert_eq!(application_last_day(released), date!(2026 - 09 - 11));
        let day = |n: i64| released + Duration::days(n);
        assert_eq!(
            certification_application(exam, released, day(30)),
            ApplicationTiming::ThisPeriod {
                last_day: date!(2026 - 09 - 11)
            }
        );
        assert_eq!(
            certification_application(exam, released, day(31)),
            ApplicationTiming::NextPeriod {
                missed_last_day: date!(2026 - 09 - 11)
            }
        );
        assert_eq!(
            certification_application(exam, released, released),
            ApplicationTiming::ThisPeriod {
                last_day: date!(2026 - 09 - 11)
            }
        );
        assert_eq!(
            certification_application(exam, released, day(31)).message_zh(),
            "认证申请的邮寄日期晚于本期截止日 2026 年 9 月 11 日（成绩发布后 30 日），本期不再受理，转下期受理"
        );
        // A window across the end of February of a leap year.
        let released = date!(2028 - 02 - 01);
        assert_eq!(application_last_day(released), date!(2028 - 03 - 02));
    }

    #[test]
    fn an_application_after_the_pass_lapsed_is_not_taken_in_any_period() {
        let exam = date!(2026 - 06 - 13);
        let released = date!(2026 - 08 - 12);
        assert_eq!(
            certification_application(exam, released, date!(2029 - 06 - 13)),
            ApplicationTiming::NextPeriod {
                missed_last_day: date!(2026 - 09 - 11)
            }
        );
        let lapsed = certification_application(exam, released, date!(2029 - 06 - 14));
        assert_eq!(
            lapsed,
            ApplicationTiming::PassExpired {
                valid_until: date!(2029 - 06 - 13)
            }
        );
        assert!(lapsed.message_zh().contains("2029 年 6 月 13 日 届满"));
    }

    #[test]
    fn a_deferred_certification_reapplies_within_the_validity() {
        let exam = date!(2026 - 06 - 13);
        assert_eq!(deferred_reapplication(exam, date!(2029 - 06 - 13)), Ok(()));
        let late = deferred_reapplication(exam, date!(2029 - 06 - 14)).unwrap_err();
        assert_eq!(late.valid_until, date!(2029 - 06 - 13));
        assert!(late.message_zh().contains("需重新参加考试"));
    }
}
