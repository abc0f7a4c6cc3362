//! When an event's results may be released: every candidate's result is complete (handed in,
//! every open answer final) or absent, and at least one is complete. A release is a snapshot: it
//! never changes except by a new release.

use crate::Refusal;
use crate::pass::ResultStatus;

/// How far an event's results are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub complete: usize,
    pub incomplete: usize,
    pub absent: usize,
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
}

pub fn may_release(progress: Progress) -> Result<(), Refusal> {
    if progress.incomplete > 0 {
        return Err(Refusal::ResultsIncomplete {
            incomplete: progress.incomplete,
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
                absent: 1
            }
        );
        assert_eq!(may_release(p), Ok(()));
        assert_eq!(
            may_release(Progress::of([Complete, Incomplete, Incomplete])),
            Err(Refusal::ResultsIncomplete { incomplete: 2 })
        );
        assert_eq!(may_release(Progress::of([Absent])), Err(Refusal::NothingToRelease));
        assert_eq!(may_release(Progress::of([])), Err(Refusal::NothingToRelease));
    }
}
