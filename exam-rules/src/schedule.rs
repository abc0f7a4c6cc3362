//! The national schedule of an event (全国统一考试): one published start, a late-entry cut-off
//! (开考 30 分钟后不得入场), one common end; rooms open a set time before the start, never on
//! another day. All times are epoch milliseconds; days and clock times are China Standard Time
//! (UTC+8, no daylight saving), as the published timetable states them.
//!
//! The rules here decide, for a moment `now`, whether a room may open, whether a candidate may
//! start and on what terms (a latecomer works to the common end), and when a candidate who never
//! started becomes absent. Pauses and individual extra time extend one sitting's end through its
//! [`Timer`]; a whole-room pause pauses every sitting of the room, so it extends each by its
//! length.

use crate::Refusal;
use crate::timer::Timer;

const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * 60 * MINUTE;
/// China Standard Time is UTC+8 all year.
const CST_OFFSET_MS: i64 = 8 * 60 * MINUTE;

/// An event's schedule as the office publishes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// The published start, the same for every candidate.
    pub starts_at: i64,
    /// The sitting's length (180 minutes for the CMQ; a rehearsal may be a few minutes).
    pub duration_ms: i64,
    /// How long after the start a candidate may still enter.
    pub late_entry_ms: i64,
    /// How long before the start a room may open (candidates read the instructions and wait).
    pub open_before_ms: i64,
}

/// The terms a candidate starts on: the clock runs from the start (or from their own late
/// arrival) to the common end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartTerms {
    /// Started before the published start: the clock waits for it.
    pub started_ms: i64,
    /// Time to the common end from `started_ms`.
    pub base_ms: i64,
    /// Minutes lost by arriving after the start (0 when on time), to tell the candidate before
    /// they start.
    pub late_minutes: i64,
}

impl StartTerms {
    pub fn timer(&self) -> Timer {
        Timer::start(self.started_ms, self.base_ms)
    }
}

impl Schedule {
    pub const DEFAULT_LATE_ENTRY_MS: i64 = 30 * MINUTE;
    pub const DEFAULT_OPEN_BEFORE_MS: i64 = 30 * MINUTE;

    /// A schedule with the default cut-off and opening time.
    pub fn new(starts_at: i64, duration_ms: i64) -> Schedule {
        Schedule {
            starts_at,
            duration_ms,
            late_entry_ms: Schedule::DEFAULT_LATE_ENTRY_MS,
            open_before_ms: Schedule::DEFAULT_OPEN_BEFORE_MS,
        }
    }

    /// When rooms may open.
    pub fn opens_at(&self) -> i64 {
        self.starts_at - self.open_before_ms
    }

    /// The late-entry cut-off: nobody starts after it, and whoever has not started is absent.
    pub fn cutoff(&self) -> i64 {
        self.starts_at + self.late_entry_ms.min(self.duration_ms)
    }

    /// The common end, before any pause or extra time.
    pub fn common_end(&self) -> i64 {
        self.starts_at + self.duration_ms
    }

    /// Whether a room may open at `now`: from [`Schedule::opens_at`] until the cut-off, on the
    /// day of the start.
    pub fn may_open_room(&self, now: i64) -> Result<(), Refusal> {
        if cst_day(now) != cst_day(self.starts_at) {
            return Err(Refusal::NotExamDay {
                starts_at: self.starts_at,
            });
        }
        if now < self.opens_at() {
            return Err(Refusal::RoomOpensLater {
                opens_at: self.opens_at(),
            });
        }
        if now > self.cutoff() {
            return Err(Refusal::PastLateEntry { cutoff: self.cutoff() });
        }
        Ok(())
    }

    /// The terms a candidate starts on at `now` (the room being open is checked by
    /// [`crate::sitting::start`]): up to the cut-off, the clock running from the published start
    /// (or their own arrival after it) to the common end.
    pub fn start_terms(&self, now: i64) -> Result<StartTerms, Refusal> {
        if now > self.cutoff() {
            return Err(Refusal::PastLateEntry { cutoff: self.cutoff() });
        }
        let started_ms = now.max(self.starts_at);
        Ok(StartTerms {
            started_ms,
            base_ms: self.common_end() - started_ms,
            late_minutes: (started_ms - self.starts_at) / MINUTE,
        })
    }

    /// Whether a candidate who has not started is absent (缺考) at `now`.
    pub fn absent(&self, now: i64) -> bool {
        now > self.cutoff()
    }

    /// The timetable in one line, as the office and the proctor read it.
    pub fn timetable_zh(&self) -> String {
        format!(
            "{} 开考，{} 起可开放考场，{} 后不得入场，{} 统一结束",
            day_and_clock_zh(self.starts_at),
            clock_zh(self.opens_at()),
            clock_zh(self.cutoff()),
            clock_zh(self.common_end())
        )
    }

    /// What a candidate who has not started is told at `now`, before they press start: when the
    /// paper appears, that everyone hands in at the common end (a latecomer loses the minutes
    /// they missed), and the cut-off; after the cut-off, that they may not enter.
    pub fn entry_notice_zh(&self, now: i64) -> String {
        let (starts, cutoff, end) = (
            clock_zh(self.starts_at),
            clock_zh(self.cutoff()),
            clock_zh(self.common_end()),
        );
        match self.start_terms(now) {
            Err(_) => format!("已过入场截止时间 {cutoff}，不得入场（按缺考处理）。如有疑问请联系监考老师。"),
            Ok(t) if t.late_minutes == 0 && now < self.starts_at => {
                format!("{starts} 开考，试卷届时统一发放；{end} 统一交卷。开考后 {cutoff} 前仍可入场，此后不得入场。")
            }
            Ok(t) => format!(
                "考试已于 {starts} 开始，您迟到 {} 分钟：仍须在 {end} 统一交卷，作答时间约 {} 分钟。{cutoff} 后不得入场。",
                t.late_minutes,
                t.base_ms.div_euclid(MINUTE)
            ),
        }
    }

    /// Whether the paper may be shown at `now`: it appears for everyone at the published start.
    pub fn paper_shown(&self, now: i64) -> bool {
        now >= self.starts_at
    }
}

/// The day (CST) a moment falls on, as a day number.
fn cst_day(ms: i64) -> i64 {
    (ms + CST_OFFSET_MS).div_euclid(DAY)
}

/// A moment as the timetable writes it: "10:30" (CST).
pub fn clock_zh(ms: i64) -> String {
    let minutes = (ms + CST_OFFSET_MS).rem_euclid(DAY) / MINUTE;
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// A moment as a date and time: "12月6日 09:00" (CST).
pub fn day_and_clock_zh(ms: i64) -> String {
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm, proleptic Gregorian).
    let z = cst_day(ms) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    format!("{month}月{day}日 {}", clock_zh(ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-06 09:00 CST (01:00 UTC).
    const START: i64 = 1_796_518_800_000;

    fn cmq() -> Schedule {
        Schedule::new(START, 180 * MINUTE)
    }

    #[test]
    fn the_published_times_follow_from_the_start() {
        let s = cmq();
        assert_eq!(clock_zh(START), "09:00");
        assert_eq!(clock_zh(s.opens_at()), "08:30");
        assert_eq!(clock_zh(s.cutoff()), "09:30");
        assert_eq!(clock_zh(s.common_end()), "12:00");
        assert_eq!(
            s.timetable_zh(),
            "12月6日 09:00 开考，08:30 起可开放考场，09:30 后不得入场，12:00 统一结束"
        );
        assert_eq!(day_and_clock_zh(START), "12月6日 09:00");
        assert_eq!(
            day_and_clock_zh(START + 15 * 60 * MINUTE),
            "12月7日 00:00",
            "midnight CST"
        );
        assert_eq!(
            day_and_clock_zh(951_782_400_000),
            "2月29日 08:00",
            "2000-02-29 00:00 UTC"
        );
    }

    #[test]
    fn a_room_opens_from_half_an_hour_before_until_the_cut_off_on_the_day() {
        let s = cmq();
        assert_eq!(
            s.may_open_room(START - 31 * MINUTE),
            Err(Refusal::RoomOpensLater {
                opens_at: START - 30 * MINUTE
            })
        );
        assert_eq!(s.may_open_room(START - 30 * MINUTE), Ok(()));
        assert_eq!(s.may_open_room(START + 30 * MINUTE), Ok(()), "the cut-off itself");
        assert_eq!(
            s.may_open_room(START + 30 * MINUTE + 1),
            Err(Refusal::PastLateEntry {
                cutoff: START + 30 * MINUTE
            })
        );
        assert_eq!(
            s.may_open_room(START - 6 * DAY),
            Err(Refusal::NotExamDay { starts_at: START }),
            "six days early"
        );
        let midnight = Schedule::new(START + 15 * 60 * MINUTE + 10 * MINUTE, 180 * MINUTE); // 00:10 CST
        assert_eq!(clock_zh(midnight.starts_at), "00:10");
        assert_eq!(
            midnight.may_open_room(midnight.starts_at - 20 * MINUTE),
            Err(Refusal::NotExamDay {
                starts_at: midnight.starts_at
            }),
            "23:50 the day before is not the exam day"
        );
    }

    #[test]
    fn everyone_works_to_the_common_end_and_a_latecomer_loses_the_minutes() {
        let s = cmq();
        let early = s.start_terms(START - 10 * MINUTE).unwrap();
        assert_eq!(
            (early.started_ms, early.base_ms, early.late_minutes),
            (START, 180 * MINUTE, 0)
        );
        assert_eq!(early.timer().deadline(), Some(s.common_end()));
        assert_eq!(
            early.timer().remaining_ms(START - 10 * MINUTE),
            180 * MINUTE,
            "the clock waits"
        );
        let late = s.start_terms(START + 7 * MINUTE + 30_000).unwrap();
        assert_eq!(late.late_minutes, 7);
        assert_eq!(late.timer().deadline(), Some(s.common_end()));
        assert_eq!(
            late.timer().remaining_ms(START + 7 * MINUTE + 30_000),
            172 * MINUTE + 30_000
        );
        assert!(s.start_terms(START + 30 * MINUTE).is_ok(), "the cut-off itself");
        assert_eq!(
            s.start_terms(START + 30 * MINUTE + 1),
            Err(Refusal::PastLateEntry {
                cutoff: START + 30 * MINUTE
            })
        );
    }

    #[test]
    fn the_candidate_is_told_the_terms_before_starting() {
        let s = cmq();
        assert_eq!(
            s.entry_notice_zh(START - 10 * MINUTE),
            "09:00 开考，试卷届时统一发放；12:00 统一交卷。开考后 09:30 前仍可入场，此后不得入场。"
        );
        assert_eq!(
            s.entry_notice_zh(START + 7 * MINUTE + 20_000),
            "考试已于 09:00 开始，您迟到 7 分钟：仍须在 12:00 统一交卷，作答时间约 172 分钟。09:30 后不得入场。"
        );
        assert_eq!(
            s.entry_notice_zh(START + 31 * MINUTE),
            "已过入场截止时间 09:30，不得入场（按缺考处理）。如有疑问请联系监考老师。"
        );
    }

    #[test]
    fn pauses_and_extra_time_extend_one_sitting_past_the_common_end() {
        let s = cmq();
        let mut t = s.start_terms(START + 5 * MINUTE).unwrap().timer();
        t.pause(START + 60 * MINUTE);
        t.resume(START + 70 * MINUTE);
        t.grant_extra(15 * MINUTE);
        assert_eq!(t.deadline(), Some(s.common_end() + 25 * MINUTE));
    }

    #[test]
    fn absent_after_the_cut_off_and_the_paper_only_from_the_start() {
        let s = cmq();
        assert!(!s.absent(START + 30 * MINUTE));
        assert!(s.absent(START + 30 * MINUTE + 1));
        assert!(!s.paper_shown(START - 1));
        assert!(s.paper_shown(START));
    }

    #[test]
    fn a_rehearsal_of_a_few_minutes_keeps_its_cut_off_inside_it() {
        let s = Schedule::new(START, 4 * MINUTE);
        assert_eq!(s.cutoff(), START + 4 * MINUTE, "the cut-off never passes the end");
        assert_eq!(s.start_terms(START + 3 * MINUTE).unwrap().base_ms, MINUTE);
    }
}
