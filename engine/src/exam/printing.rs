//! What the office prints for an event from the console or the CLI: the admission tickets
//! (准考证). PDFs are built off the async runtime (CPU work, tens of milliseconds a page).

use super::Exam;
use super::error::{ServiceError, ServiceResult};
use crate::print::Printed;
use crate::print::ticket::{AdmissionTicket, TicketInfo, admission_tickets, candidate_rules};
use exam_rules::schedule::{clock_zh, day_and_clock_zh};

/// Results are published this many days after the exam (the guide, §八).
const RESULTS_AFTER_DAYS: u32 = 60;

impl Exam {
    /// The admission tickets of the event's candidates, one page each, by room, seat and ticket;
    /// only those of `room` when given.
    pub async fn admission_tickets(&self, event_id: i64, room: Option<&str>) -> ServiceResult<Printed> {
        let event = self.event(event_id).await?;
        let mut roster = self.store.roster(event_id).await?;
        if let Some(room) = room {
            let rooms: Vec<String> = self
                .store
                .event_rooms(event_id)
                .await?
                .into_iter()
                .map(|(r, _)| r)
                .collect();
            roster.retain(|c| c.room == room);
            if roster.is_empty() {
                return Err(ServiceError::Invalid(format!(
                    "考场“{room}”没有考生（本场考场：{}）",
                    rooms.join("、")
                )));
            }
        }
        if roster.is_empty() {
            return Err(ServiceError::Invalid("本场考试还没有考生：请先导入考生名单".into()));
        }
        // Seats as numbers where they are numbers: seat 2 before seat 10.
        roster.sort_by(|a, b| {
            let seat = |s: &str| s.parse::<u64>().unwrap_or(u64::MAX);
            (&a.room, seat(&a.seat), &a.seat, &a.ticket).cmp(&(&b.room, seat(&b.seat), &b.seat, &b.ticket))
        });
        let schedule = event.row.schedule();
        let year = (time::OffsetDateTime::UNIX_EPOCH
            + time::Duration::milliseconds(schedule.starts_at + 8 * 3_600_000))
        .year();
        let info = TicketInfo {
            exam_name: event.row.name.clone(),
            when: format!(
                "{year}年{}–{}（北京时间，{} 分钟）",
                day_and_clock_zh(schedule.starts_at),
                clock_zh(schedule.common_end()),
                schedule.duration_ms / 60_000
            ),
            cutoff: format!(
                "{} 起入场，{} 后不得入场",
                clock_zh(schedule.opens_at()),
                clock_zh(schedule.cutoff())
            ),
            rules: candidate_rules(&clock_zh(schedule.cutoff()), RESULTS_AFTER_DAYS),
        };
        let tickets: Vec<AdmissionTicket> = roster
            .into_iter()
            .map(|c| AdmissionTicket {
                ticket: c.ticket,
                name: c.name,
                pinyin: c.pinyin,
                id_number: c.id_number,
                room: c.room,
                seat: c.seat,
            })
            .collect();
        tokio::task::spawn_blocking(move || admission_tickets(&tickets, &info))
            .await
            .map_err(|e| ServiceError::Internal(format!("printing tickets: {e}")))?
            .map_err(|e| ServiceError::Invalid(e.to_string()))
    }
}
