//! The certification around the exam (issue 18; the guide's §四 and §八, exam-rules.md §4): who
//! may apply, what a registration needs, the fees, the dates around a sitting, the work report,
//! certificate numbers, the application photo, the name in pinyin and the ID number. Plain
//! functions over plain types, as the rest of this crate: the engine stores what they decide.
//!
//! - [`eligibility`]: education and quality-related work experience on the exam date, or the date
//!   the experience will be met (may sit now, certification deferred: §九 Q6).
//! - [`fees`]: the fee due in fen, and whether a recorded transfer or waiver covers it.
//! - [`registration`]: the three conditions of a successful registration, item by item.
//! - [`windows`]: when the admission ticket may be downloaded, results seen, how long a pass is
//!   valid, and the 30-day certification application window.
//! - [`work_report`]: the work report's length (3,000–5,000 characters).
//! - [`certificate`]: certificate numbers (with a check character) and a certificate's status.
//! - [`photo`]: the 2-inch photo's format, size and proportions, read from its bytes.
//! - [`pinyin`]: the name in pinyin suggested from a Chinese name.
//! - [`id_number`]: the GB 11643 ID number's check character and the birth date in it.
//!
//! Dates are calendar dates in China (the engine turns an instant into Beijing's date). A period
//! of years ends on the same date N years on; where that month has no such day (29 February in a
//! common year) it ends on the month's last day, as the civil code counts periods in years
//! ([`add_years`]).

pub mod certificate;
pub mod eligibility;
pub mod fees;
pub mod id_number;
pub mod photo;
pub mod pinyin;
pub mod registration;
pub mod windows;
pub mod work_report;

use time::Date;

/// The same date `years` years later (earlier when negative); 29 February becomes 28 February
/// in a common year (the month's last day, as the civil code counts a period of years).
pub fn add_years(date: Date, years: i32) -> Date {
    let year = date.year() + years;
    date.replace_year(year)
        .unwrap_or_else(|_| date.replace_day(28).and_then(|d| d.replace_year(year)).unwrap_or(date))
}

/// A date as the pages and messages write it: "2026 年 6 月 13 日".
pub fn date_zh(date: Date) -> String {
    format!("{} 年 {} 月 {} 日", date.year(), u8::from(date.month()), date.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_period_of_years_ends_on_the_same_date_or_the_months_last_day() {
        assert_eq!(add_years(date!(2024 - 06 - 15), 3), date!(2027 - 06 - 15));
        assert_eq!(add_years(date!(2024 - 02 - 29), 3), date!(2027 - 02 - 28));
        assert_eq!(add_years(date!(2024 - 02 - 29), 4), date!(2028 - 02 - 29));
        assert_eq!(add_years(date!(2023 - 02 - 28), 1), date!(2024 - 02 - 28));
        assert_eq!(add_years(date!(2024 - 03 - 01), -1), date!(2023 - 03 - 01));
        assert_eq!(add_years(date!(2020 - 02 - 29), -1), date!(2019 - 02 - 28));
    }

    #[test]
    fn dates_are_written_as_the_printed_pages_write_them() {
        assert_eq!(date_zh(date!(2026 - 06 - 13)), "2026 年 6 月 13 日");
        assert_eq!(date_zh(date!(2026 - 12 - 01)), "2026 年 12 月 1 日");
    }
}
