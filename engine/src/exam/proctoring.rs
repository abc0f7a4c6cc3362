//! The proctoring service: what a proctor (or the exam office, in any room) does to a room or a
//! sitting. A proctor acts only in the rooms the office assigned; every change needs a reason and
//! commits in one transaction with its entry in the room's log. The rules of each change are
//! `exam_rules::sitting`'s; this service finds the room or candidate, checks the assignment, asks
//! the rule and has the store apply it.

use exam_rules::Refusal;
use exam_rules::schedule::Schedule;
use exam_rules::sitting::hold::Hold;
use exam_rules::sitting::{self as rules, SittingState};

use super::Exam;
use super::error::{Forbidden, NotFound, ServiceError, ServiceResult};
use crate::store::{CandidateRow, EventRow, LogLine, ProctorEntry, SeatRow, Session, UnlockRecord};

/// The setting `proctor_extra_minutes_cap`: how much extra time a proctor may grant one sitting in
/// all (default 60 minutes); beyond it only the exam office.
pub const PROCTOR_EXTRA_CAP_SETTING: &str = "proctor_extra_minutes_cap";

/// The longest reason a proctor may write.
const MAX_REASON_CHARS: usize = 500;

/// An event with the rooms the caller may run.
pub struct EventRooms {
    pub event: EventRow,
    /// (room, when it was opened).
    pub rooms: Vec<(String, Option<i64>)>,
}

/// A room as the console shows it.
pub struct RoomSeats {
    pub opened_ms: Option<i64>,
    pub now: i64,
    pub seats: Vec<SeatRow>,
    pub schedule: Schedule,
    pub rehearsal: bool,
    /// Why the room cannot be opened now (`None`: it can, or it is open).
    pub open_refusal: Option<Refusal>,
}

/// A seat's state on the console, as a code and in words: a sitting not started is "not logged in"
/// or "waiting" depending on whether the candidate has logged in, and absent (缺考) once the
/// late-entry cut-off has passed.
pub fn seat_state(seat: &SeatRow, schedule: &Schedule, now: i64) -> (&'static str, &'static str) {
    match seat.sitting.state {
        SittingState::NotStarted if schedule.absent(now) => ("absent", "缺考"),
        SittingState::NotStarted if !seat.logged_in => ("not_logged_in", "未登录"),
        SittingState::NotStarted => ("waiting", "等待开考"),
        other => (other.as_str(), other.name_zh()),
    }
}

/// The reason every change is logged with: required, at most 500 characters, trimmed.
fn reason(text: &str) -> ServiceResult<&str> {
    let t = text.trim();
    if t.is_empty() {
        return Err(ServiceError::Invalid("请填写原因（将记入考场记录）".into()));
    }
    if t.chars().count() > MAX_REASON_CHARS {
        return Err(ServiceError::Invalid(format!("原因过长（最多 {MAX_REASON_CHARS} 字）")));
    }
    Ok(t)
}

fn is_office(actor: &Session) -> bool {
    actor.role == "office"
}

/// A log entry about a whole room.
fn room_entry<'a>(
    event: i64,
    room: &'a str,
    actor: &'a str,
    action: &'a str,
    reason: &'a str,
    at_ms: i64,
) -> ProctorEntry<'a> {
    ProctorEntry {
        event_id: event,
        room,
        candidate_id: None,
        actor,
        action,
        reason,
        at_ms,
    }
}

/// A log entry about one candidate, in their room.
fn candidate_entry<'a>(
    c: &'a CandidateRow,
    actor: &'a str,
    action: &'a str,
    reason: &'a str,
    at_ms: i64,
) -> ProctorEntry<'a> {
    ProctorEntry {
        candidate_id: Some(c.id),
        ..room_entry(c.event_id, &c.room, actor, action, reason, at_ms)
    }
}

impl Exam {
    /// The events and rooms `actor` may run: a proctor's assigned rooms, every room for the office.
    pub async fn rooms_for(&self, actor: &Session) -> ServiceResult<Vec<EventRooms>> {
        let assigned = match is_office(actor) {
            true => None,
            false => Some(self.store.proctor_rooms(actor.subject_id).await?),
        };
        let mut out = Vec::new();
        for event in self.store.events().await? {
            let rooms: Vec<(String, Option<i64>)> = self
                .store
                .event_rooms(event.id)
                .await?
                .into_iter()
                .filter(|(room, _)| {
                    assigned
                        .as_ref()
                        .is_none_or(|a| a.iter().any(|(ev, r)| *ev == event.id && r == room))
                })
                .collect();
            if !rooms.is_empty() {
                out.push(EventRooms { event, rooms });
            }
        }
        Ok(out)
    }

    /// The room's opening time once the caller is known to run it: 404 for a room the event
    /// does not have, 403 for a proctor not assigned to it.
    async fn my_room(&self, actor: &Session, event: i64, room: &str) -> ServiceResult<Option<i64>> {
        let opened = self
            .store
            .event_rooms(event)
            .await?
            .into_iter()
            .find(|(r, _)| r == room)
            .map(|(_, opened)| opened)
            .ok_or_else(|| NotFound::Room {
                event,
                room: room.to_string(),
            })?;
        if is_office(actor) || self.store.proctors_room(actor.subject_id, event, room).await? {
            return Ok(opened);
        }
        Err(Forbidden::NotAssignedToRoom {
            event,
            room: room.to_string(),
        }
        .into())
    }

    /// A candidate of a room the caller runs.
    async fn candidate_in_my_room(&self, actor: &Session, ticket: &str) -> ServiceResult<CandidateRow> {
        let c = self
            .store
            .candidate_by_ticket(ticket)
            .await?
            .ok_or_else(|| NotFound::Ticket(ticket.to_string()))?;
        self.my_room(actor, c.event_id, &c.room).await?;
        Ok(c)
    }

    pub async fn room_seats(&self, actor: &Session, event: i64, room: &str) -> ServiceResult<RoomSeats> {
        let opened_ms = self.my_room(actor, event, room).await?;
        let loaded = self.event(event).await?;
        let now = self.now();
        let seats = self.store.room_seats(event, room, now).await?;
        let schedule = loaded.row.schedule();
        let open_refusal = match opened_ms {
            Some(_) => None,
            None => rules::open_room::open_room(room, false, loaded.row.published, &schedule, now).err(),
        };
        Ok(RoomSeats {
            opened_ms,
            now,
            seats,
            schedule,
            rehearsal: loaded.row.rehearsal,
            open_refusal,
        })
    }

    pub async fn open_room(&self, actor: &Session, event: i64, room: &str) -> ServiceResult<()> {
        let opened = self.my_room(actor, event, room).await?;
        let loaded = self.event(event).await?;
        let schedule = loaded.row.schedule();
        rules::open_room::open_room(room, opened.is_some(), loaded.row.published, &schedule, self.now())?;
        let who = actor.actor();
        let entry = room_entry(event, room, &who, "open_room", "开放考场", self.now());
        if !self.store.open_room(&entry).await? {
            // Opened meanwhile (another proctor, another node).
            return Err(Refusal::RoomAlreadyOpen { room: room.to_string() }.into());
        }
        Ok(())
    }

    /// Pauses or resumes every sitting of a room that can be; returns how many changed.
    pub async fn hold_room(
        &self,
        actor: &Session,
        event: i64,
        room: &str,
        hold: Hold,
        why: &str,
    ) -> ServiceResult<usize> {
        let why = reason(why)?;
        self.my_room(actor, event, room).await?;
        let now = self.now();
        let ids = self.store.room_candidates(event, room).await?;
        let who = actor.actor();
        let entry = room_entry(event, room, &who, hold.action(true), why, now);
        Ok(self
            .store
            .change_timers_logged(&ids, now, hold.from(), Some(hold.to()), hold.change(now), &entry, true)
            .await?)
    }

    pub async fn hold_candidate(&self, actor: &Session, ticket: &str, hold: Hold, why: &str) -> ServiceResult<()> {
        let why = reason(why)?;
        let c = self.candidate_in_my_room(actor, ticket).await?;
        let now = self.now();
        let who = actor.actor();
        let entry = candidate_entry(&c, &who, hold.action(false), why, now);
        let changed = self
            .store
            .change_timers_logged(
                &[c.id],
                now,
                hold.from(),
                Some(hold.to()),
                hold.change(now),
                &entry,
                false,
            )
            .await?;
        if changed == 0 {
            return Err(hold.refusal(ticket).into());
        }
        Ok(())
    }

    pub async fn grant_extra_time(&self, actor: &Session, ticket: &str, minutes: i64, why: &str) -> ServiceResult<()> {
        let why = reason(why)?;
        let cap_minutes = match is_office(actor) {
            true => None,
            false => Some(self.proctor_extra_cap_minutes().await?),
        };
        let grant = rules::extra_time::extra_time(minutes, cap_minutes)?;
        let c = self.candidate_in_my_room(actor, ticket).await?;
        let now = self.now();
        let who = actor.actor();
        let action = format!("extra_time:{minutes}");
        let entry = candidate_entry(&c, &who, &action, why, now);
        let changed = self
            .store
            .change_timers_logged(
                &[c.id],
                now,
                rules::extra_time::FROM,
                None,
                |t| grant.apply(t),
                &entry,
                false,
            )
            .await?;
        if changed == 0 {
            let granted = self
                .store
                .sitting(c.id)
                .await?
                .and_then(|s| s.timer)
                .map_or(0, |t| t.extra_ms);
            return Err(grant.refusal(ticket, granted).into());
        }
        Ok(())
    }

    /// The setting [`PROCTOR_EXTRA_CAP_SETTING`], written with its default on first use.
    async fn proctor_extra_cap_minutes(&self) -> ServiceResult<i64> {
        let value = self
            .store
            .setting_or_init(PROCTOR_EXTRA_CAP_SETTING, || "60".into())
            .await?;
        value.parse().map_err(|_| {
            ServiceError::Store(crate::store::StoreError::Corrupt(format!(
                "setting {PROCTOR_EXTRA_CAP_SETTING} is not a number: {value}"
            )))
        })
    }

    pub async fn allow_move(&self, actor: &Session, ticket: &str, why: &str) -> ServiceResult<()> {
        let why = reason(why)?;
        let c = self.candidate_in_my_room(actor, ticket).await?;
        let who = actor.actor();
        let entry = candidate_entry(&c, &who, "allow_move", why, self.now());
        if !self.store.allow_move(c.id, &entry).await? {
            // The store moves any sitting not handed in; this one was.
            return Err(Refusal::MoveAfterSubmit {
                ticket: ticket.to_string(),
            }
            .into());
        }
        Ok(())
    }

    /// Records an incident in the room's log, about one candidate of the room or the room.
    pub async fn record_incident(
        &self,
        actor: &Session,
        event: i64,
        room: &str,
        ticket: Option<&str>,
        why: &str,
    ) -> ServiceResult<()> {
        let why = reason(why)?;
        self.my_room(actor, event, room).await?;
        let candidate_id = match ticket.map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => Some(
                self.store
                    .candidate_by_ticket(t)
                    .await?
                    .ok_or_else(|| NotFound::Ticket(t.to_string()))?
                    .id,
            ),
            None => None,
        };
        let who = actor.actor();
        self.store
            .log_proctor_action(&ProctorEntry {
                event_id: event,
                room,
                candidate_id,
                actor: &who,
                action: "incident",
                reason: why,
                at_ms: self.now(),
            })
            .await?;
        Ok(())
    }

    /// The room's log, oldest first.
    pub async fn room_log(&self, actor: &Session, event: i64, room: &str) -> ServiceResult<Vec<LogLine>> {
        self.my_room(actor, event, room).await?;
        Ok(self.store.proctor_log(event, room).await?)
    }

    /// Unlocks a candidate's login after too many wrong passwords (from any workstation); logged
    /// in the room's record and the audit log. Returns whether a lock was lifted.
    pub async fn unlock_candidate(&self, actor: &Session, ticket: &str, why: &str) -> ServiceResult<bool> {
        let why = reason(why)?;
        let c = self.candidate_in_my_room(actor, ticket).await?;
        let who = actor.actor();
        let now = self.now();
        let entry = candidate_entry(&c, &who, "unlock_login", why, now);
        let record = UnlockRecord {
            event_id: c.event_id,
            actor: &who,
            subject: ticket,
            reason: why,
            at_ms: now,
            room_log: Some(&entry),
        };
        let forgotten = self
            .store
            .unlock_account(&crate::auth::candidate_login_key(ticket), &record)
            .await?;
        Ok(forgotten > 0)
    }
}
