//! Why a command was refused. Every refusal the engine gives a candidate, a proctor or the office
//! for a rule of the exam (not for malformed input) is one of these: a stable [`Refusal::code`]
//! that programs match on (the exam page decides what to show from it) and a
//! [`Refusal::message_zh`] for people, which may be reworded at any time.

/// What the candidate was trying to do when refused: the same reason reads differently for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    Start,
    ReadPaper,
    Save,
    Submit,
}

/// How a refusal is to be answered: the request conflicts with the state of the exam, it asks for
/// more than the caller may grant, or a value is out of its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    Conflict,
    NotPermitted,
    Invalid,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The candidate has no sitting (not on the roster of a published event).
    NoSitting,
    NotStarted(Attempt),
    /// The sitting or its room is paused.
    Paused,
    Submitted(Attempt),
    /// The sitting's time is up.
    TimeUp,
    /// The proctor moved the sitting to another workstation; this one is no longer bound to it.
    Moved(Attempt),
    /// Text for an open question the candidate has not chosen (so a fourth is never answered).
    OpenNotChosen(u32),
    /// A candidate logs in while their sitting is under way on another workstation that the
    /// proctor has not let them leave.
    SittingElsewhere,
    /// A room opens only on the day of the exam.
    NotExamDay {
        starts_at: i64,
    },
    /// Too early to open the room.
    RoomOpensLater {
        opens_at: i64,
    },
    /// Past the late-entry cut-off: no room opens and nobody starts.
    PastLateEntry {
        cutoff: i64,
    },
    /// The candidate has started early: the paper appears for everyone at the published start.
    BeforeStart {
        starts_at: i64,
    },
    /// The candidate's room has not been opened by its proctor.
    RoomNotOpen,
    RoomAlreadyOpen {
        room: String,
    },
    /// A draft event has no frozen items: its rooms cannot open.
    EventDraft,
    /// Only a sitting under way can be paused.
    NotInProgress {
        ticket: String,
    },
    /// Only a paused sitting can be resumed.
    NotPaused {
        ticket: String,
    },
    ExtraTimeOutOfRange {
        minutes: i64,
    },
    /// Beyond what a proctor may grant one sitting in all; the exam office can grant more.
    ExtraTimeOverCap {
        cap_minutes: i64,
        granted_minutes: i64,
    },
    /// Extra time only for a sitting under way or paused and not yet out of time.
    NotSitting {
        ticket: String,
    },
    /// A sitting already handed in cannot move to another workstation.
    MoveAfterSubmit {
        ticket: String,
    },
    /// A grader marks a task that is already marked.
    AlreadyMarked,
    /// A grader marks a task no longer leased to them (it timed out and went to another).
    TaskNotYours,
    /// A grader asks for an answer to mark in an event where they are assigned no open question.
    NotAssigned,
    /// A grader has marked every answer the chief handed them (平均分配) while answers handed to
    /// others still wait: those are the others' to mark.
    ShareDone,
    /// An appeal on an answer already under appeal.
    AppealPending,
    /// An appeal on an answer that has no final mark yet (it is still being marked).
    AppealBeforeFinal,
    /// Results are released only when every candidate's result is complete or absent (and
    /// nobody may still start): how many are incomplete, and how many may still start before the
    /// cut-off.
    ResultsIncomplete {
        incomplete: usize,
        may_still_start: Option<(usize, i64)>,
    },
    NothingToRelease,
}

impl Refusal {
    /// A stable, machine-readable name of the reason: it never changes once published.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NoSitting => "no_sitting",
            Refusal::NotStarted(_) => "not_started",
            Refusal::Paused => "paused",
            Refusal::Submitted(_) => "submitted",
            Refusal::TimeUp => "time_up",
            Refusal::Moved(_) => "moved",
            Refusal::OpenNotChosen(_) => "open_not_chosen",
            Refusal::SittingElsewhere => "sitting_elsewhere",
            Refusal::NotExamDay { .. } => "not_exam_day",
            Refusal::RoomOpensLater { .. } => "room_opens_later",
            Refusal::PastLateEntry { .. } => "past_late_entry",
            Refusal::BeforeStart { .. } => "before_start",
            Refusal::RoomNotOpen => "room_not_open",
            Refusal::RoomAlreadyOpen { .. } => "room_already_open",
            Refusal::EventDraft => "event_draft",
            Refusal::NotInProgress { .. } => "not_in_progress",
            Refusal::NotPaused { .. } => "not_paused",
            Refusal::ExtraTimeOutOfRange { .. } => "extra_time_out_of_range",
            Refusal::ExtraTimeOverCap { .. } => "extra_time_over_cap",
            Refusal::NotSitting { .. } => "not_sitting",
            Refusal::MoveAfterSubmit { .. } => "move_after_submit",
            Refusal::AlreadyMarked => "already_marked",
            Refusal::TaskNotYours => "task_not_yours",
            Refusal::NotAssigned => "not_assigned",
            Refusal::ShareDone => "share_done",
            Refusal::AppealPending => "appeal_pending",
            Refusal::AppealBeforeFinal => "appeal_before_final",
            Refusal::ResultsIncomplete { .. } => "results_incomplete",
            Refusal::NothingToRelease => "nothing_to_release",
        }
    }

    pub fn kind(&self) -> RefusalKind {
        match self {
            Refusal::ExtraTimeOverCap { .. } => RefusalKind::NotPermitted,
            Refusal::ExtraTimeOutOfRange { .. } => RefusalKind::Invalid,
            _ => RefusalKind::Conflict,
        }
    }

    /// What the person who asked is told, in Simplified Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            Refusal::NoSitting => "找不到该考生的考试".into(),
            Refusal::NotStarted(Attempt::Submit) => "考试尚未开始，不能交卷".into(),
            Refusal::NotStarted(Attempt::ReadPaper) => "考试尚未开始，开考后才能查看试卷".into(),
            Refusal::NotStarted(_) => "考试尚未开始，答案未保存".into(),
            Refusal::Paused => "考试已暂停，请等待监考老师恢复后再作答".into(),
            Refusal::Submitted(Attempt::Start) => "您已交卷，不能再次开始考试".into(),
            Refusal::Submitted(_) => "已交卷，不能再修改答案".into(),
            Refusal::TimeUp => "考试时间已到，答案未保存".into(),
            Refusal::Moved(Attempt::Submit) => "本场考试已转到其他机位继续，不能在本机交卷".into(),
            Refusal::Moved(_) => "本场考试已转到其他机位继续，本机不能再保存答案".into(),
            Refusal::OpenNotChosen(no) => format!("开放题第 {no} 题尚未选答，请先选择该题再作答"),
            Refusal::SittingElsewhere => "您的考试正在另一台机位上进行。如需更换机位，请举手联系监考老师".into(),
            Refusal::NotExamDay { starts_at } => format!(
                "今天不是本场考试的考试日（开考时间 {}），不能开启考场",
                crate::schedule::day_and_clock_zh(*starts_at)
            ),
            Refusal::RoomOpensLater { opens_at } => format!(
                "还不能开启考场：考场 {} 起方可开启",
                crate::schedule::clock_zh(*opens_at)
            ),
            Refusal::PastLateEntry { cutoff } => {
                format!("已过入场截止时间 {}，不得入场", crate::schedule::clock_zh(*cutoff))
            }
            Refusal::BeforeStart { starts_at } => format!(
                "尚未开考：试卷将于 {} 统一发放，请稍候",
                crate::schedule::clock_zh(*starts_at)
            ),
            Refusal::RoomNotOpen => "考场尚未开放，请等待监考老师开放考场".into(),
            Refusal::RoomAlreadyOpen { room } => format!("考场“{room}”已经开考"),
            Refusal::EventDraft => "考试尚未发布（草稿），不能开考：请考务办公室先发布考试".into(),
            Refusal::NotInProgress { ticket } => format!("考生 {ticket} 当前不是“答题中”状态，无法暂停"),
            Refusal::NotPaused { ticket } => format!("考生 {ticket} 当前不是“已暂停”状态，无法恢复"),
            Refusal::ExtraTimeOutOfRange { minutes } => {
                format!(
                    "延长时间应为 1–{} 分钟（收到 {minutes}）",
                    crate::sitting::extra_time::MAX_MINUTES
                )
            }
            Refusal::ExtraTimeOverCap {
                cap_minutes,
                granted_minutes,
            } => format!(
                "监考老师为每位考生延长的时间共计不超过 {cap_minutes} 分钟（已延长 {granted_minutes} 分钟）；如需更多，请联系考务办公室"
            ),
            Refusal::NotSitting { ticket } => {
                format!("考生 {ticket} 不在考试中（未开始、已交卷或时间已到），无法延长时间")
            }
            Refusal::MoveAfterSubmit { ticket } => format!("考生 {ticket} 已交卷，无需更换机位"),
            Refusal::AlreadyMarked => "该答卷已评分".into(),
            Refusal::TaskNotYours => "该任务不在您名下（可能已超时并分配给其他阅卷人），请领取下一份".into(),
            Refusal::NotAssigned => {
                "您在本场考试中尚未被分配评阅任何开放题，请联系考务办公室或阅卷组长分配后再领取".into()
            }
            Refusal::ShareDone => {
                "分给您的答卷已全部评完；其余答卷已平均分配给其他阅卷人。如需继续评阅，请联系阅卷组长".into()
            }
            Refusal::AppealPending => "该题已在申诉复评中，复评完成前不能再次申诉".into(),
            Refusal::AppealBeforeFinal => "该题尚未评定最终分数（仍在评阅或仲裁中），评定后才能申诉复评".into(),
            Refusal::ResultsIncomplete {
                incomplete,
                may_still_start,
            } => {
                let mut missing = Vec::new();
                if let Some((n, cutoff)) = may_still_start {
                    missing.push(format!(
                        "还有 {n} 名考生尚未入场，入场截止 {} 前仍可开始考试",
                        crate::schedule::clock_zh(*cutoff)
                    ));
                }
                if *incomplete > 0 {
                    missing.push(format!(
                        "还有 {incomplete} 名考生的成绩未完成（开放题未评完、评分有争议或复评中，或仍在考试中）"
                    ));
                }
                format!("暂不能发布成绩：{}", missing.join("；"))
            }
            Refusal::NothingToRelease => "没有可发布的成绩".into(),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message_zh())
    }
}

impl std::error::Error for Refusal {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_per_reason_and_messages_name_the_attempt() {
        let all = [
            Refusal::NoSitting,
            Refusal::NotStarted(Attempt::Save),
            Refusal::Paused,
            Refusal::Submitted(Attempt::Save),
            Refusal::TimeUp,
            Refusal::Moved(Attempt::Save),
            Refusal::OpenNotChosen(2),
            Refusal::SittingElsewhere,
            Refusal::NotExamDay { starts_at: 0 },
            Refusal::RoomOpensLater { opens_at: 0 },
            Refusal::PastLateEntry { cutoff: 0 },
            Refusal::BeforeStart { starts_at: 0 },
            Refusal::RoomNotOpen,
            Refusal::RoomAlreadyOpen { room: "一".into() },
            Refusal::EventDraft,
            Refusal::NotInProgress { ticket: "T".into() },
            Refusal::NotPaused { ticket: "T".into() },
            Refusal::ExtraTimeOutOfRange { minutes: 0 },
            Refusal::ExtraTimeOverCap {
                cap_minutes: 60,
                granted_minutes: 50,
            },
            Refusal::NotSitting { ticket: "T".into() },
            Refusal::MoveAfterSubmit { ticket: "T".into() },
            Refusal::AlreadyMarked,
            Refusal::TaskNotYours,
            Refusal::NotAssigned,
            Refusal::ShareDone,
            Refusal::AppealPending,
            Refusal::AppealBeforeFinal,
            Refusal::ResultsIncomplete {
                incomplete: 3,
                may_still_start: None,
            },
            Refusal::NothingToRelease,
        ];
        let codes: std::collections::BTreeSet<&str> = all.iter().map(Refusal::code).collect();
        assert_eq!(codes.len(), all.len());
        assert_eq!(
            Refusal::Moved(Attempt::Submit).code(),
            Refusal::Moved(Attempt::Save).code()
        );
        assert!(Refusal::Moved(Attempt::Submit).message_zh().contains("不能在本机交卷"));
        assert!(Refusal::Moved(Attempt::Save).message_zh().contains("不能再保存答案"));
        for r in &all {
            let m = r.message_zh();
            assert!(m.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{m}");
        }
    }
}
