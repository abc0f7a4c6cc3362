//! The sitting timer, counted by the server. It is kept as facts — when the sitting started,
//! how long it may last, extra time granted, time spent paused — from which the remaining time
//! and the deadline follow. The browser only displays what the server says.

/// All times in epoch milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timer {
    pub started_ms: i64,
    pub base_ms: i64,
    pub extra_ms: i64,
    pub paused_total_ms: i64,
    pub paused_since_ms: Option<i64>,
}

impl Timer {
    pub fn start(now: i64, base_ms: i64) -> Timer {
        Timer {
            started_ms: now,
            base_ms,
            extra_ms: 0,
            paused_total_ms: 0,
            paused_since_ms: None,
        }
    }

    /// The moment time runs out, or `None` while paused (the clock is stopped).
    pub fn deadline(&self) -> Option<i64> {
        match self.paused_since_ms {
            Some(_) => None,
            None => Some(self.started_ms + self.base_ms + self.extra_ms + self.paused_total_ms),
        }
    }

    /// Milliseconds left at `now` (never negative). While paused, the value frozen at the pause;
    /// before a start set in the future (a candidate waiting for the published start), all of it.
    pub fn remaining_ms(&self, now: i64) -> i64 {
        let clock_now = self.paused_since_ms.unwrap_or(now);
        let used = (clock_now - self.started_ms - self.paused_total_ms).max(0);
        (self.base_ms + self.extra_ms - used).max(0)
    }

    pub fn expired(&self, now: i64) -> bool {
        self.deadline().is_some_and(|d| now >= d)
    }

    /// Stops the clock. Pausing a paused timer changes nothing.
    pub fn pause(&mut self, now: i64) {
        if self.paused_since_ms.is_none() {
            self.paused_since_ms = Some(now);
        }
    }

    /// Restarts the clock; the paused span is not charged to the candidate. Only the part of it
    /// after the clock's start counts (a pause while waiting for the published start changes no
    /// deadline).
    pub fn resume(&mut self, now: i64) {
        if let Some(since) = self.paused_since_ms.take() {
            self.paused_total_ms += (now - since.max(self.started_ms)).max(0);
        }
    }

    pub fn grant_extra(&mut self, ms: i64) {
        self.extra_ms += ms;
    }

    /// Grants `ms` more if the sitting's extra time stays within `cap_ms` in total; returns
    /// whether it did.
    pub fn grant_extra_within(&mut self, ms: i64, cap_ms: i64) -> bool {
        if self.extra_ms + ms > cap_ms {
            return false;
        }
        self.extra_ms += ms;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    #[test]
    fn counts_down_from_the_start() {
        let t = Timer::start(1_000, 180 * MIN);
        assert_eq!(t.remaining_ms(1_000), 180 * MIN);
        assert_eq!(t.remaining_ms(1_000 + 30 * MIN), 150 * MIN);
        assert_eq!(t.deadline(), Some(1_000 + 180 * MIN));
        assert!(!t.expired(1_000 + 180 * MIN - 1));
        assert!(t.expired(1_000 + 180 * MIN));
        assert_eq!(t.remaining_ms(1_000 + 999 * MIN), 0);
    }

    #[test]
    fn paused_time_is_not_charged() {
        let mut t = Timer::start(0, 180 * MIN);
        t.pause(10 * MIN);
        assert_eq!(t.deadline(), None);
        assert_eq!(t.remaining_ms(50 * MIN), 170 * MIN, "frozen while paused");
        assert!(!t.expired(500 * MIN), "a paused sitting never expires");
        t.resume(25 * MIN);
        assert_eq!(t.remaining_ms(25 * MIN), 170 * MIN);
        assert_eq!(t.deadline(), Some(195 * MIN));
    }

    #[test]
    fn a_pause_before_the_clock_starts_costs_nothing_and_one_across_it_only_its_later_part() {
        let mut t = Timer::start(100 * MIN, 180 * MIN);
        t.pause(90 * MIN);
        t.resume(95 * MIN);
        assert_eq!(t.deadline(), Some(280 * MIN));
        t.pause(98 * MIN);
        t.resume(104 * MIN);
        assert_eq!(t.deadline(), Some(284 * MIN));
    }

    #[test]
    fn extra_time_within_a_cap_is_granted_and_beyond_it_refused() {
        let mut t = Timer::start(0, 180 * MIN);
        assert!(t.grant_extra_within(40 * MIN, 60 * MIN));
        assert!(t.grant_extra_within(20 * MIN, 60 * MIN), "exactly the cap");
        assert!(!t.grant_extra_within(1, 60 * MIN));
        assert_eq!(t.deadline(), Some(240 * MIN));
    }

    #[test]
    fn extra_time_moves_the_deadline() {
        let mut t = Timer::start(0, 180 * MIN);
        t.grant_extra(20 * MIN);
        assert_eq!(t.deadline(), Some(200 * MIN));
        assert_eq!(t.remaining_ms(190 * MIN), 10 * MIN);
    }
}
