//! Pausing and resuming a sitting (one candidate, or every sitting of a room). A paused sitting's
//! clock is stopped; the paused span is not charged to the candidate.

use super::SittingState;
use crate::Refusal;
use crate::timer::Timer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    Pause,
    Resume,
}

impl Hold {
    /// The states a sitting may be in for the change to apply.
    pub fn from(self) -> &'static [SittingState] {
        match self {
            Hold::Pause => &[SittingState::InProgress],
            Hold::Resume => &[SittingState::Paused],
        }
    }

    /// The state it leaves the sitting in.
    pub fn to(self) -> SittingState {
        match self {
            Hold::Pause => SittingState::Paused,
            Hold::Resume => SittingState::InProgress,
        }
    }

    /// Stops or restarts the sitting's clock at `now`.
    pub fn apply(self, timer: &mut Timer, now: i64) {
        match self {
            Hold::Pause => timer.pause(now),
            Hold::Resume => timer.resume(now),
        }
    }

    /// [`Hold::apply`] as the change a store applies to each sitting it holds (always taken).
    pub fn change(self, now: i64) -> impl Fn(&mut Timer) -> bool {
        move |t: &mut Timer| {
            self.apply(t, now);
            true
        }
    }

    /// Why one candidate's sitting did not change (it was not in a state of [`Hold::from`]).
    pub fn refusal(self, ticket: &str) -> Refusal {
        let ticket = ticket.to_string();
        match self {
            Hold::Pause => Refusal::NotInProgress { ticket },
            Hold::Resume => Refusal::NotPaused { ticket },
        }
    }

    /// The proctor log's name of the action, for one candidate or a whole room.
    pub fn action(self, whole_room: bool) -> &'static str {
        match (self, whole_room) {
            (Hold::Pause, false) => "pause",
            (Hold::Resume, false) => "resume",
            (Hold::Pause, true) => "pause_room",
            (Hold::Resume, true) => "resume_room",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pause_stops_the_clock_and_a_resume_restarts_it() {
        let mut t = Timer::start(0, 1_000);
        assert_eq!(Hold::Pause.from(), [SittingState::InProgress]);
        Hold::Pause.apply(&mut t, 100);
        assert_eq!(t.deadline(), None);
        Hold::Resume.apply(&mut t, 400);
        assert_eq!(t.deadline(), Some(1_300));
        assert_eq!(Hold::Resume.to(), SittingState::InProgress);
        let mut u = Timer::start(0, 1_000);
        assert!(Hold::Pause.change(200)(&mut u), "a hold is always taken");
        assert_eq!(u.deadline(), None);
        assert_eq!(Hold::Resume.refusal("T1").code(), "not_paused");
        assert_eq!(Hold::Pause.refusal("T1").code(), "not_in_progress");
    }
}
