//! Opening a room: once, only for a published event (a draft has no frozen items), and only in
//! the schedule's window — from a set time before the start until the late-entry cut-off, on the
//! day of the exam. Opening early does not start anyone's clock.

use crate::Refusal;
use crate::schedule::Schedule;

/// `already_open`: the room has been opened before; `published`: the event's items are frozen.
pub fn open_room(
    room: &str,
    already_open: bool,
    published: bool,
    schedule: &Schedule,
    now: i64,
) -> Result<(), Refusal> {
    if already_open {
        return Err(Refusal::RoomAlreadyOpen { room: room.to_string() });
    }
    if !published {
        return Err(Refusal::EventDraft);
    }
    schedule.may_open_room(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_room_opens_once_only_for_a_published_event_and_in_its_window() {
        const START: i64 = 1_796_518_800_000;
        let s = Schedule::new(START, 180 * 60_000);
        assert_eq!(open_room("第一考场", false, true, &s, START - 60_000), Ok(()));
        assert_eq!(
            open_room("第一考场", true, true, &s, START).unwrap_err().code(),
            "room_already_open"
        );
        assert_eq!(open_room("第一考场", false, false, &s, START), Err(Refusal::EventDraft));
        assert_eq!(
            open_room("第一考场", false, true, &s, START - 6 * 24 * 3_600_000)
                .unwrap_err()
                .code(),
            "not_exam_day"
        );
        assert_eq!(
            open_room("第一考场", false, true, &s, START - 31 * 60_000)
                .unwrap_err()
                .code(),
            "room_opens_later"
        );
        assert_eq!(
            open_room("第一考场", false, true, &s, START + 31 * 60_000)
                .unwrap_err()
                .code(),
            "past_late_entry"
        );
    }
}
