//! Handing the paper in: by the candidate from the workstation the sitting is bound to (the
//! server hands it in by itself when time is up, whatever the workstation).

use super::SittingState;
use crate::Refusal;
use crate::refusal::Attempt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submit {
    /// Score and close the sitting now.
    HandIn,
    /// Already handed in: nothing changes, and the candidate is shown where it stands.
    AlreadySubmitted,
}

pub fn submit(state: SittingState, bound_session: Option<&str>, session: &str) -> Result<Submit, Refusal> {
    match state {
        SittingState::Submitted => Ok(Submit::AlreadySubmitted),
        SittingState::NotStarted => Err(Refusal::NotStarted(Attempt::Submit)),
        SittingState::InProgress | SittingState::Paused if bound_session != Some(session) => {
            Err(Refusal::Moved(Attempt::Submit))
        }
        SittingState::InProgress | SittingState::Paused => Ok(Submit::HandIn),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_bound_workstation_hands_in_and_only_once() {
        assert_eq!(submit(SittingState::InProgress, Some("s"), "s"), Ok(Submit::HandIn));
        assert_eq!(submit(SittingState::Paused, Some("s"), "s"), Ok(Submit::HandIn));
        assert_eq!(
            submit(SittingState::Submitted, Some("s"), "x"),
            Ok(Submit::AlreadySubmitted)
        );
        assert_eq!(
            submit(SittingState::InProgress, Some("s"), "x"),
            Err(Refusal::Moved(Attempt::Submit))
        );
        assert_eq!(
            submit(SittingState::NotStarted, None, "s"),
            Err(Refusal::NotStarted(Attempt::Submit)),
            "not started: said so, not 'moved'"
        );
    }
}
