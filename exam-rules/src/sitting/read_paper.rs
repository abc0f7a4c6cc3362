//! Reading the paper: only once the sitting has started (a candidate waiting in an open room sees
//! the instructions, not the questions) and the published start has come (one who started early
//! waits for it), and after it, to see what was handed in.

use super::SittingState;
use crate::Refusal;
use crate::refusal::Attempt;

/// `clock_starts`: when the sitting's clock starts (its timer's start), once started.
pub fn may_read_paper(state: SittingState, clock_starts: Option<i64>, now: i64) -> Result<(), Refusal> {
    match (state, clock_starts) {
        (SittingState::NotStarted, _) => Err(Refusal::NotStarted(Attempt::ReadPaper)),
        (SittingState::InProgress | SittingState::Paused, Some(starts_at)) if now < starts_at => {
            Err(Refusal::BeforeStart { starts_at })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_paper_is_shown_from_the_start() {
        assert_eq!(
            may_read_paper(SittingState::NotStarted, None, 5),
            Err(Refusal::NotStarted(Attempt::ReadPaper))
        );
        assert_eq!(
            may_read_paper(SittingState::InProgress, Some(100), 99),
            Err(Refusal::BeforeStart { starts_at: 100 }),
            "started early: the paper waits for the published start"
        );
        assert!(may_read_paper(SittingState::InProgress, Some(100), 100).is_ok());
        assert!(may_read_paper(SittingState::Paused, Some(100), 150).is_ok());
        assert!(may_read_paper(SittingState::Submitted, Some(100), 150).is_ok());
    }
}
