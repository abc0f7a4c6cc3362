//! Starting a sitting: the candidate's clock starts at their own start, once the room is open.

use super::SittingState;
use crate::Refusal;
use crate::refusal::Attempt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Start the clock now.
    Begin,
    /// Already started (a second click, another tab): nothing changes.
    UnderWay,
}

/// `room_open`: the candidate's room has been opened by its proctor.
pub fn start(state: SittingState, room_open: bool) -> Result<Start, Refusal> {
    match state {
        SittingState::Submitted => Err(Refusal::Submitted(Attempt::Start)),
        SittingState::InProgress | SittingState::Paused => Ok(Start::UnderWay),
        SittingState::NotStarted if !room_open => Err(Refusal::RoomNotOpen),
        SittingState::NotStarted => Ok(Start::Begin),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_candidate_starts_once_in_an_open_room() {
        assert_eq!(start(SittingState::NotStarted, true), Ok(Start::Begin));
        assert_eq!(start(SittingState::NotStarted, false), Err(Refusal::RoomNotOpen));
        assert_eq!(start(SittingState::InProgress, true), Ok(Start::UnderWay));
        assert_eq!(start(SittingState::Paused, false), Ok(Start::UnderWay));
        assert_eq!(start(SittingState::Submitted, true).unwrap_err().code(), "submitted");
    }
}
