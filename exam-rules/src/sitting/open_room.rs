//! Opening a room: once, and only for a published event (a draft has no frozen items).

use crate::Refusal;

/// `already_open`: the room has been opened before; `published`: the event's items are frozen.
pub fn open_room(room: &str, already_open: bool, published: bool) -> Result<(), Refusal> {
    if already_open {
        return Err(Refusal::RoomAlreadyOpen { room: room.to_string() });
    }
    if !published {
        return Err(Refusal::EventDraft);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_room_opens_once_and_only_for_a_published_event() {
        assert_eq!(open_room("第一考场", false, true), Ok(()));
        assert_eq!(
            open_room("第一考场", true, true).unwrap_err().code(),
            "room_already_open"
        );
        assert_eq!(open_room("第一考场", false, false), Err(Refusal::EventDraft));
    }
}
