//! When an event's results may be released: every candidate's result is complete (handed in,
//! every open answer final — none disputed or under appeal) or absent, nobody who has not started
//! may still start (the late-entry cut-off has passed), and at least one result is complete. A
//! release is a snapshot: it never changes except by a new release.

use crate::Refusal;
use crate::pass::ResultStatus;
use crate::schedule::Schedule;

/// How far an event's results are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub complete: usize,
    pub incomplete: usize,
    pub absent: usize,
    /// Of the absent, those who may still start (before the cut-off), and the cut-off.
    pub may_still_start: Option<(usize, i64)>,
}

impl Progress {
    pub fn of(statuses: impl IntoIterator<Item = ResultStatus>) -> Progress {
        let mut p = Progress::default();
        for s in statuses {
            match s {
                ResultStatus::Complete => p.complete += 1,
                ResultStatus::Incomplete => p.incomplete += 1,
                ResultStatus::Absent => p.absent += 1,
            }
        }
        p
    }

    /// Under `schedule` at `now`: a candidate who has not started is absent only after the
    /// cut-off; before it they may still start.
    pub fn at(self, schedule: &Schedule, now: i64) -> Progress {
        let may_still_start = (!schedule.absent(now) && self.absent > 0).then_some((self.absent, schedule.cutoff()));
        Progress {
            may_still_start,
            ..self
        }
    }
}

pub fn may_release(progress: Progress) -> Result<(), Refusal> {
    if progress.incomplete > 0 || progress.may_still_start.is_some() {
        return Err(Refusal::ResultsIncomplete {
            incomplete: progress.incomplete,
            may_still_start: progress.may_still_start,
        });
    }
    if progress.complete == 0 {
        return Err(Refusal::NothingToRelease);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ResultStatus::*;

    #[test]
    fn results_are_released_only_when_none_is_still_open() {
        let p = Progress::of([Complete, Absent, Complete]);
        assert_eq!(
            p,
            Progress {
                complete: 2,
                incomplete: 0,
                absent: 1,
                may_still_start: None
            }
        );
        assert_eq!(may_release(p), Ok(()));
        assert_eq!(
            may_release(Progress::of([Complete, Incomplete, Incomplete])),
            Err(Refusal::ResultsIncomplete {
                incomplete: 2,
                may_still_start: None
            })
        );
        assert_eq!(may_release(Progress::of([Absent])), Err(Refusal::NothingToRelease));
        assert_eq!(may_release(Progress::of([])), Err(Refusal::NothingToRelease));
    }

    #[test]
    fn not_while_someone_who_has_not_started_may_still_enter() {
        let schedule = Schedule::new(1_000_000, 180 * 60_000);
        let cutoff = schedule.cutoff();
        let p = Progress::of([Complete, Absent]);
        assert_eq!(
            may_release(p.at(&schedule, cutoff)),
            Err(Refusal::ResultsIncomplete {
                incomplete: 0,
                may_still_start: Some((1, cutoff))
            }),
            "at the cut-off the absent candidate may still start"
        );
        assert_eq!(
            may_release(p.at(&schedule, cutoff + 1)),
            Ok(()),
            "absent after the cut-off"
        );
        assert_eq!(
            may_release(Progress::of([Complete]).at(&schedule, 0)),
            Ok(()),
            "nobody left to start"
        );
    }
}
