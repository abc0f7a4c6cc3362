//! Reading the paper: only once the sitting has started (a candidate waiting in an open room sees
//! the instructions, not the questions), and after it, to see what was handed in.

use super::SittingState;
use crate::Refusal;
use crate::refusal::Attempt;

pub fn may_read_paper(state: SittingState) -> Result<(), Refusal> {
    match state {
        SittingState::NotStarted => Err(Refusal::NotStarted(Attempt::ReadPaper)),
        SittingState::InProgress | SittingState::Paused | SittingState::Submitted => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_paper_is_shown_from_the_start() {
        assert_eq!(
            may_read_paper(SittingState::NotStarted),
            Err(Refusal::NotStarted(Attempt::ReadPaper))
        );
        assert!(may_read_paper(SittingState::InProgress).is_ok());
        assert!(may_read_paper(SittingState::Submitted).is_ok());
    }
}
