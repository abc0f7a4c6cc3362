//! Starting a sitting: once the room is open and no later than the late-entry cut-off. The clock
//! runs from the published start (a candidate who starts early waits for it) or from a
//! latecomer's own arrival, to the common end.

use super::SittingState;
use crate::Refusal;
use crate::refusal::Attempt;
use crate::schedule::{Schedule, StartTerms};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Start the clock on these terms.
    Begin(StartTerms),
    /// Already started (a second click, another tab): nothing changes.
    UnderWay,
}

/// `room_open`: the candidate's room has been opened by its proctor.
pub fn start(state: SittingState, room_open: bool, schedule: &Schedule, now: i64) -> Result<Start, Refusal> {
    match state {
        SittingState::Submitted => Err(Refusal::Submitted(Attempt::Start)),
        SittingState::InProgress | SittingState::Paused => Ok(Start::UnderWay),
        SittingState::NotStarted => {
            // Past the cut-off the room's being open no longer matters: nobody enters.
            let terms = schedule.start_terms(now)?;
            if !room_open {
                return Err(Refusal::RoomNotOpen);
            }
            Ok(Start::Begin(terms))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;
    const START: i64 = 1_796_518_800_000;

    #[test]
    fn a_candidate_starts_once_in_an_open_room_until_the_cut_off() {
        let s = Schedule::new(START, 180 * MIN);
        let begin = |now| match start(SittingState::NotStarted, true, &s, now) {
            Ok(Start::Begin(t)) => t,
            other => panic!("{other:?}"),
        };
        let early = begin(START - 10 * MIN);
        assert_eq!(
            (early.started_ms, early.base_ms),
            (START, 180 * MIN),
            "waits for the start"
        );
        let late = begin(START + 12 * MIN);
        assert_eq!((late.late_minutes, late.timer().deadline()), (12, Some(s.common_end())));
        assert_eq!(
            start(SittingState::NotStarted, false, &s, START),
            Err(Refusal::RoomNotOpen)
        );
        assert_eq!(
            start(SittingState::NotStarted, true, &s, START + 31 * MIN)
                .unwrap_err()
                .code(),
            "past_late_entry"
        );
        assert_eq!(
            start(SittingState::NotStarted, false, &s, START + 31 * MIN)
                .unwrap_err()
                .code(),
            "past_late_entry",
            "a closed room after the cut-off: the cut-off is the reason"
        );
        assert_eq!(
            start(SittingState::InProgress, true, &s, START + 90 * MIN),
            Ok(Start::UnderWay)
        );
        assert_eq!(start(SittingState::Paused, false, &s, START), Ok(Start::UnderWay));
        assert_eq!(
            start(SittingState::Submitted, true, &s, START).unwrap_err().code(),
            "submitted"
        );
    }
}
