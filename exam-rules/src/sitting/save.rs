//! Whether a save may be written now. Checked inside the saving transaction against the sitting as
//! it stands there, so a pause, a submission or a move on another node is respected at once.

use super::SittingState;
use crate::Refusal;
use crate::refusal::Attempt;

/// The sitting's facts a save is checked against.
#[derive(Debug, Clone, Copy)]
pub struct SaveFacts<'a> {
    pub state: SittingState,
    /// When time runs out (`None` while paused or not started).
    pub deadline: Option<i64>,
    /// When the clock starts (the published start for one who started early).
    pub clock_starts: Option<i64>,
    /// The login session the sitting is bound to (the workstation it runs on).
    pub bound_session: Option<&'a str>,
}

/// A save from `session` at `now`: refused unless the sitting is under way, in time and bound to
/// that session.
pub fn may_save(facts: SaveFacts<'_>, session: &str, now: i64) -> Result<(), Refusal> {
    match facts.state {
        SittingState::NotStarted => Err(Refusal::NotStarted(Attempt::Save)),
        SittingState::Paused => Err(Refusal::Paused),
        SittingState::Submitted => Err(Refusal::Submitted(Attempt::Save)),
        SittingState::InProgress if facts.deadline.is_some_and(|d| now >= d) => Err(Refusal::TimeUp),
        SittingState::InProgress if facts.clock_starts.is_some_and(|s| now < s) => Err(Refusal::BeforeStart {
            starts_at: facts.clock_starts.unwrap_or_default(),
        }),
        SittingState::InProgress if facts.bound_session != Some(session) => Err(Refusal::Moved(Attempt::Save)),
        SittingState::InProgress => Ok(()),
    }
}

/// Text may be written only for a chosen open question (so a fourth can never be answered);
/// clearing is always allowed. `chosen`: the open questions chosen as the save finds them.
pub fn may_write_open_text(no: u32, value: &str, chosen: &[u32]) -> Result<(), Refusal> {
    if value.is_empty() || chosen.contains(&no) {
        Ok(())
    } else {
        Err(Refusal::OpenNotChosen(no))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(state: SittingState, deadline: Option<i64>) -> SaveFacts<'static> {
        SaveFacts {
            state,
            deadline,
            clock_starts: Some(10),
            bound_session: Some("s1"),
        }
    }

    #[test]
    fn saves_are_taken_only_while_under_way_in_time_and_from_the_bound_workstation() {
        assert_eq!(may_save(facts(SittingState::InProgress, Some(100)), "s1", 99), Ok(()));
        let code = |f, s, now| may_save(f, s, now).unwrap_err().code();
        assert_eq!(code(facts(SittingState::InProgress, Some(100)), "s1", 100), "time_up");
        assert_eq!(code(facts(SittingState::InProgress, Some(100)), "s2", 50), "moved");
        assert_eq!(code(facts(SittingState::NotStarted, None), "s1", 0), "not_started");
        assert_eq!(
            code(facts(SittingState::InProgress, Some(100)), "s1", 9),
            "before_start",
            "started early: nothing is saved before the published start"
        );
        assert_eq!(code(facts(SittingState::Paused, None), "s1", 500), "paused");
        assert_eq!(code(facts(SittingState::Submitted, Some(100)), "s1", 50), "submitted");
        let unbound = SaveFacts {
            bound_session: None,
            ..facts(SittingState::InProgress, Some(100))
        };
        assert_eq!(code(unbound, "s1", 50), "moved");
    }

    #[test]
    fn open_text_only_for_a_chosen_question() {
        assert_eq!(may_write_open_text(2, "答", &[1, 3]), Err(Refusal::OpenNotChosen(2)));
        assert_eq!(may_write_open_text(3, "答", &[1, 3]), Ok(()));
        assert_eq!(
            may_write_open_text(2, "", &[1, 3]),
            Ok(()),
            "clearing an unchosen answer is fine"
        );
    }
}
