//! Extra time for one sitting: 1–180 minutes at a time; a proctor grants up to a cap per sitting
//! in all (a setting of the server), the exam office without one.

use super::SittingState;
use crate::Refusal;
use crate::timer::Timer;

pub const MAX_MINUTES: i64 = 180;

/// Extra time asked for, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtraTime {
    pub ms: i64,
    /// The most the granter may have granted this sitting in all (`None`: no cap).
    pub cap_ms: Option<i64>,
}

/// The states a sitting may be in to receive extra time (and it must not be out of time yet).
pub const FROM: &[SittingState] = &[SittingState::InProgress, SittingState::Paused];

/// `cap_minutes`: the proctor's cap; `None` for the exam office.
pub fn extra_time(minutes: i64, cap_minutes: Option<i64>) -> Result<ExtraTime, Refusal> {
    if !(1..=MAX_MINUTES).contains(&minutes) {
        return Err(Refusal::ExtraTimeOutOfRange { minutes });
    }
    Ok(ExtraTime {
        ms: minutes * 60_000,
        cap_ms: cap_minutes.map(|m| m * 60_000),
    })
}

impl ExtraTime {
    /// Grants the time if the sitting stays within the cap; returns whether it did.
    pub fn apply(self, timer: &mut Timer) -> bool {
        timer.grant_extra_within(self.ms, self.cap_ms.unwrap_or(i64::MAX))
    }

    /// Why the grant did not apply to a sitting that already has `granted_ms` of extra time.
    pub fn refusal(self, ticket: &str, granted_ms: i64) -> Refusal {
        match self.cap_ms {
            Some(cap) if granted_ms + self.ms > cap => Refusal::ExtraTimeOverCap {
                cap_minutes: cap / 60_000,
                granted_minutes: granted_ms / 60_000,
            },
            _ => Refusal::NotSitting {
                ticket: ticket.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    #[test]
    fn minutes_in_range_and_a_proctor_within_the_cap() {
        assert_eq!(extra_time(0, Some(60)).unwrap_err().code(), "extra_time_out_of_range");
        assert_eq!(extra_time(181, None).unwrap_err().code(), "extra_time_out_of_range");
        let mut t = Timer::start(0, 180 * MIN);
        let forty = extra_time(40, Some(60)).unwrap();
        assert!(forty.apply(&mut t));
        assert!(!forty.apply(&mut t), "80 minutes in all is beyond the proctor's 60");
        assert_eq!(
            forty.refusal("T", t.extra_ms),
            Refusal::ExtraTimeOverCap {
                cap_minutes: 60,
                granted_minutes: 40
            }
        );
        let office = extra_time(180, None).unwrap();
        assert!(office.apply(&mut t), "the office has no cap");
        assert_eq!(office.refusal("T", t.extra_ms).code(), "not_sitting");
    }
}
