//! Where an event stands, as the exam office's console shows it — 草稿, 已发布, 考试中, 评卷中,
//! 可发布成绩, 已发布成绩 — and what needs doing next.

use crate::release::Progress;
use crate::schedule::{Schedule, day_and_clock_zh};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventPhase {
    Draft,
    Published,
    Sitting,
    Marking,
    Releasable,
    Released,
}

/// What the phase is decided from.
#[derive(Debug, Clone, Copy)]
pub struct EventFacts {
    pub published: bool,
    pub released: bool,
    pub candidates: usize,
    /// Sittings in progress or paused.
    pub under_way: usize,
    pub progress: Progress,
}

impl EventPhase {
    pub fn of(facts: &EventFacts, schedule: &Schedule, now: i64) -> EventPhase {
        let p = facts.progress;
        match () {
            _ if !facts.published => EventPhase::Draft,
            _ if facts.released => EventPhase::Released,
            _ if facts.under_way > 0 => EventPhase::Sitting,
            _ if now < schedule.opens_at() || facts.candidates == 0 => EventPhase::Published,
            _ if !schedule.absent(now) => EventPhase::Sitting,
            _ if p.incomplete > 0 => EventPhase::Marking,
            _ if p.complete > 0 => EventPhase::Releasable,
            _ => EventPhase::Published,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            EventPhase::Draft => "draft",
            EventPhase::Published => "published",
            EventPhase::Sitting => "sitting",
            EventPhase::Marking => "marking",
            EventPhase::Releasable => "releasable",
            EventPhase::Released => "released",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            EventPhase::Draft => "草稿",
            EventPhase::Published => "已发布",
            EventPhase::Sitting => "考试中",
            EventPhase::Marking => "评卷中",
            EventPhase::Releasable => "可发布成绩",
            EventPhase::Released => "已发布成绩",
        }
    }

    /// What the office should do next, in a sentence.
    pub fn next_step_zh(self, facts: &EventFacts, schedule: &Schedule) -> String {
        match self {
            EventPhase::Draft => "发布考试：冻结题库中的题目，此后方可开考".into(),
            EventPhase::Published if facts.candidates == 0 => "导入考生名单".into(),
            EventPhase::Published => format!(
                "{} 开考（考场 {} 起可开放）；请确认监考安排并打印试卷",
                day_and_clock_zh(schedule.starts_at),
                crate::schedule::clock_zh(schedule.opens_at())
            ),
            EventPhase::Sitting if facts.under_way == 0 => format!(
                "考场可以开放：{} 开考，{} 后不得入场，{} 统一结束",
                crate::schedule::clock_zh(schedule.starts_at),
                crate::schedule::clock_zh(schedule.cutoff()),
                crate::schedule::clock_zh(schedule.common_end())
            ),
            EventPhase::Sitting => format!(
                "{} 名考生正在作答；{} 统一结束",
                facts.under_way,
                crate::schedule::clock_zh(schedule.common_end())
            ),
            EventPhase::Marking => format!(
                "评卷：还有 {} 名考生的成绩未完成（开放题未评完、有争议或复评中）",
                facts.progress.incomplete
            ),
            EventPhase::Releasable => "成绩已全部完成：核对后发布成绩".into(),
            EventPhase::Released => "成绩已发布；如有申诉或答案更正，处理后重新发布".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;
    const START: i64 = 1_796_518_800_000;

    fn facts(published: bool, candidates: usize, under_way: usize, progress: Progress) -> EventFacts {
        EventFacts {
            published,
            released: false,
            candidates,
            under_way,
            progress,
        }
    }

    #[test]
    fn an_event_moves_from_draft_to_released() {
        let s = Schedule::new(START, 180 * MIN);
        let none = Progress::default();
        let phase = |f: &EventFacts, now| EventPhase::of(f, &s, now);
        assert_eq!(phase(&facts(false, 0, 0, none), START), EventPhase::Draft);
        assert_eq!(phase(&facts(true, 0, 0, none), START), EventPhase::Published);
        let waiting = facts(true, 30, 0, Progress { absent: 30, ..none });
        assert_eq!(phase(&waiting, START - 60 * MIN), EventPhase::Published);
        assert_eq!(phase(&waiting, START - 10 * MIN), EventPhase::Sitting, "rooms open");
        assert_eq!(
            EventPhase::Sitting.next_step_zh(&waiting, &s),
            "考场可以开放：09:00 开考，09:30 后不得入场，12:00 统一结束"
        );
        assert_eq!(
            phase(
                &facts(
                    true,
                    30,
                    12,
                    Progress {
                        incomplete: 12,
                        absent: 18,
                        ..none
                    }
                ),
                START + 60 * MIN
            ),
            EventPhase::Sitting
        );
        let marking = facts(
            true,
            30,
            0,
            Progress {
                incomplete: 28,
                absent: 2,
                ..none
            },
        );
        assert_eq!(phase(&marking, START + 200 * MIN), EventPhase::Marking);
        assert!(EventPhase::Marking.next_step_zh(&marking, &s).contains("还有 28 名"));
        let done = facts(
            true,
            30,
            0,
            Progress {
                complete: 28,
                absent: 2,
                ..none
            },
        );
        assert_eq!(phase(&done, START + 300 * MIN), EventPhase::Releasable);
        let released = EventFacts { released: true, ..done };
        assert_eq!(phase(&released, START + 300 * MIN), EventPhase::Released);
        assert_eq!(EventPhase::Released.name_zh(), "已发布成绩");
    }
}
