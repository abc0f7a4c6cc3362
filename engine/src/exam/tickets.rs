//! From registration to the exam and back (issue 18): the office gives each room of a sitting its
//! city and number of seats; seating (分配考场座位) makes every successful registration a
//! candidate of the event, in a room of the city they chose, in the order they submitted, with a
//! ticket number and an exam-day password issued once (printed as slips, as for an imported
//! roster); the applicant downloads their admission ticket (with their photo) from the set number
//! of days before the exam, not earlier, and sees their result from the release, with how long a
//! pass is valid.

use std::collections::HashSet;
use std::sync::Arc;

use exam_rules::certification::date_zh;
use exam_rules::certification::windows::{
    TicketLeadDays, pass_valid_until, ticket_available_from, ticket_downloadable,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Exam;
use super::error::{NotFound, ServiceError, ServiceResult};
use super::office::{IssuedPassword, candidate_seed};
use super::registration::beijing_date;
use crate::auth::{Strength, hash_password, issue_password};
use crate::print::Printed;
use crate::store::{ApplicationRow, RoomPlace, RosterRow, Session};

/// The most seats one room may have.
const MAX_SEATS: i64 = 500;

/// A room's place as the office sets it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RoomPlaceInput {
    /// 考场名称（新名称即新增考场）
    pub room: String,
    /// 所在城市（须为本场报名的考试城市之一）
    pub city: String,
    /// 座位数（1–500）
    pub seats: i64,
}

/// A room of the sitting with its city, seats and how many are taken.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoomPlaceView {
    pub room: String,
    pub city: String,
    pub seats: i64,
    pub taken: i64,
}

impl From<RoomPlace> for RoomPlaceView {
    fn from(p: RoomPlace) -> Self {
        RoomPlaceView {
            room: p.room,
            city: p.city,
            seats: p.seats,
            taken: p.taken,
        }
    }
}

/// A registration seated.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SeatedApplicant {
    pub application_id: i64,
    pub name: String,
    pub city: String,
    pub ticket: String,
    pub room: String,
    pub seat: String,
}

/// A registration not seated, and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Unseated {
    pub application_id: i64,
    pub name: String,
    pub city: String,
    pub reason_zh: String,
}

/// What seating did: who sits where (with the exam-day passwords, shown this once) and who could
/// not be seated.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Seating {
    pub seated: Vec<SeatedApplicant>,
    /// 考试密码（只显示这一次，请立即打印密码条）
    pub passwords: Vec<IssuedPassword>,
    pub unseated: Vec<Unseated>,
}

/// The admission ticket as the applicant's page shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TicketView {
    pub ticket: String,
    pub room: String,
    pub seat: String,
    pub city: String,
    /// 准考证可下载的日期
    pub available_from_zh: String,
    pub downloadable: bool,
}

/// The released result as the applicant's page shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResultSummary {
    /// 合格、不合格、缺考等
    pub verdict_zh: String,
    pub total: question_bank::Points,
    pub pass_mark: question_bank::Points,
    pub passed: Option<bool>,
    /// 合格成绩的有效期（至该日），仅合格时
    pub valid_until_zh: Option<String>,
}

/// The office's settings for registration.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegistrationSettings {
    /// 准考证在考前几日开放下载（5–10，默认 10）
    pub ticket_lead_days: u8,
    /// 每份上传材料的大小上限（MB，1–20，默认 5）
    pub document_max_mb: u32,
}

impl Exam {
    /// How many days before the exam tickets may be downloaded (the `ticket_lead_days` setting).
    pub(super) async fn ticket_lead(&self) -> ServiceResult<TicketLeadDays> {
        let value = self
            .store
            .setting_or_init("ticket_lead_days", || TicketLeadDays::default().days().to_string())
            .await?;
        Ok(value
            .parse()
            .ok()
            .and_then(|d| TicketLeadDays::new(d).ok())
            .unwrap_or_default())
    }

    /// The registration settings.
    pub async fn registration_settings(&self) -> ServiceResult<RegistrationSettings> {
        Ok(RegistrationSettings {
            ticket_lead_days: self.ticket_lead().await?.days(),
            document_max_mb: (self.document_max_bytes().await? / (1024 * 1024)) as u32,
        })
    }

    /// Changes the registration settings, audited.
    pub async fn set_registration_settings(
        &self,
        s: &RegistrationSettings,
        actor: &str,
    ) -> ServiceResult<RegistrationSettings> {
        let lead = TicketLeadDays::new(s.ticket_lead_days).map_err(ServiceError::Invalid)?;
        if !(1..=20).contains(&s.document_max_mb) {
            return Err(ServiceError::Invalid(format!(
                "材料大小上限应为 1–20 MB，不能为 {} MB",
                s.document_max_mb
            )));
        }
        self.store
            .set_setting("ticket_lead_days", &lead.days().to_string())
            .await?;
        self.store
            .set_setting(
                "document_max_bytes",
                &(s.document_max_mb as usize * 1024 * 1024).to_string(),
            )
            .await?;
        self.store
            .record_audit(&crate::store::AuditRecord {
                event_id: 0,
                actor,
                action: "registration_settings",
                subject: "报名设置",
                old: "",
                new: &format!(
                    "准考证考前 {} 日开放下载，材料上限 {} MB",
                    lead.days(),
                    s.document_max_mb
                ),
                reason: "",
                at_ms: self.now(),
            })
            .await?;
        self.registration_settings().await
    }

    /// The rooms of a sitting with their city and seats.
    pub async fn room_places(&self, event_id: i64) -> ServiceResult<Vec<RoomPlaceView>> {
        self.store.event(event_id).await?.ok_or(NotFound::Event(event_id))?;
        Ok(self
            .store
            .room_places(event_id)
            .await?
            .into_iter()
            .map(RoomPlaceView::from)
            .collect())
    }

    /// Sets a room's city and seats (adds the room when new); never fewer seats than are taken.
    pub async fn set_room_place(
        &self,
        event_id: i64,
        input: &RoomPlaceInput,
        actor: &str,
    ) -> ServiceResult<Vec<RoomPlaceView>> {
        let room = input.room.trim();
        let city = input.city.trim();
        if room.is_empty() || room.chars().count() > 32 || room.chars().any(char::is_control) {
            return Err(ServiceError::Invalid("考场名称不能为空，最多 32 个字".into()));
        }
        let places = self.room_places(event_id).await?;
        let cities: Vec<String> = self
            .store
            .open_cities()
            .await?
            .into_iter()
            .filter(|c| c.event_id == event_id)
            .map(|c| c.city)
            .collect();
        if !cities.iter().any(|c| c == city) {
            return Err(ServiceError::Invalid(if cities.is_empty() {
                "本场考试尚未开放报名：请先设置考试城市".to_string()
            } else {
                format!("城市“{city}”不是本场的考试城市（{}）", cities.join("、"))
            }));
        }
        if !(1..=MAX_SEATS).contains(&input.seats) {
            return Err(ServiceError::Invalid(format!(
                "座位数应为 1–{MAX_SEATS}，不能为 {}",
                input.seats
            )));
        }
        if let Some(p) = places.iter().find(|p| p.room == room)
            && (p.taken > input.seats || (p.taken > 0 && p.city != city))
        {
            return Err(ServiceError::Invalid(format!(
                "考场“{room}”已安排 {} 名考生：座位数不能少于此数，也不能改到其他城市",
                p.taken
            )));
        }
        let place = RoomPlace {
            room: room.to_string(),
            city: city.to_string(),
            seats: input.seats,
            taken: 0,
        };
        self.store.set_room_place(event_id, &place, actor, self.now()).await?;
        self.room_places(event_id).await
    }

    /// Seats every successful registration of the sitting not yet seated: in the order they were
    /// submitted, each in the first room of the city chosen with a free seat (the lowest free
    /// seat number). All of them are written in one transaction.
    pub async fn seat_applicants(&self, event_id: i64, actor: &str) -> ServiceResult<Seating> {
        let event = self.store.event(event_id).await?.ok_or(NotFound::Event(event_id))?;
        let mut places = self.store.room_places(event_id).await?;
        let mut taken: Vec<HashSet<String>> = Vec::new();
        for p in &places {
            taken.push(self.store.seats_taken(event_id, &p.room).await?.into_iter().collect());
        }
        let mut waiting = self.store.applications(Some(event_id), Some("approved")).await?;
        waiting.retain(|a| a.candidate_id.is_none());
        waiting.sort_by_key(|a| (a.submitted_ms, a.id));
        let mut unseated = Vec::new();
        let mut chosen: Vec<(ApplicationRow, usize, String)> = Vec::new();
        for a in waiting {
            let view = self.office_application(a.id).await?;
            if !view.registration.successful {
                let pending: Vec<String> = view
                    .registration
                    .conditions
                    .iter()
                    .filter(|c| !c.met)
                    .map(|c| format!("{}（{}）", c.label_zh, c.details_zh.join("；")))
                    .collect();
                unseated.push(Unseated {
                    application_id: a.id,
                    name: a.name.clone(),
                    city: a.city.clone(),
                    reason_zh: format!("报名尚未成功：{}", pending.join("；")),
                });
                continue;
            }
            let free = places.iter().enumerate().find_map(|(i, p)| {
                if p.city != a.city {
                    return None;
                }
                (1..=p.seats)
                    .map(|n| n.to_string())
                    .find(|s| !taken[i].contains(s))
                    .map(|seat| (i, seat))
            });
            match free {
                Some((i, seat)) => {
                    taken[i].insert(seat.clone());
                    places[i].taken += 1;
                    chosen.push((a, i, seat));
                }
                None => {
                    let seats: i64 = places.iter().filter(|p| p.city == a.city).map(|p| p.seats).sum();
                    unseated.push(Unseated {
                        application_id: a.id,
                        name: a.name.clone(),
                        reason_zh: if seats == 0 {
                            format!("{}还没有设置考场：请先为{}设置考场和座位数", a.city, a.city)
                        } else {
                            format!("{}的考场座位已满（共 {seats} 个座位）：请增加座位或考场", a.city)
                        },
                        city: a.city,
                    });
                }
            }
        }
        let already = self.store.roster_size(event_id).await?;
        let tickets = self.new_tickets(event_id, already, chosen.len()).await?;
        let issued: Vec<(ApplicationRow, String, String, String)> = chosen
            .into_iter()
            .zip(tickets)
            .map(|((a, i, seat), ticket)| (a, places[i].room.clone(), seat, ticket))
            .collect();
        let forms = event.forms;
        let seed = event.seed;
        let forms_of = issued
            .iter()
            .map(|(a, ..)| super::registration::form_of(a).map(|f| f.name_pinyin.trim().to_string()))
            .collect::<ServiceResult<Vec<_>>>()?;
        let (rows, seated, passwords) = tokio::task::spawn_blocking(move || {
            let mut rows = Vec::new();
            let mut seated = Vec::new();
            let mut passwords = Vec::new();
            for (k, ((a, room, seat, ticket), pinyin)) in issued.into_iter().zip(forms_of).enumerate() {
                let password = issue_password();
                let (paper_seed, form) = match forms {
                    Some(n) => (seed, ((already as u32 + k as u32) % n) + 1),
                    None => (candidate_seed(seed, &ticket), 1),
                };
                rows.push((
                    a.id,
                    RosterRow {
                        ticket: ticket.clone(),
                        name: a.name.clone(),
                        pinyin,
                        id_number: a.id_number.clone(),
                        room: room.clone(),
                        seat: seat.clone(),
                        password_hash: hash_password(&password, Strength::IssuedToCandidate),
                        paper_seed,
                        form,
                    },
                ));
                passwords.push(IssuedPassword {
                    ticket: ticket.clone(),
                    name: a.name.clone(),
                    room: room.clone(),
                    seat: seat.clone(),
                    password,
                });
                seated.push(SeatedApplicant {
                    application_id: a.id,
                    name: a.name,
                    city: a.city,
                    ticket,
                    room,
                    seat,
                });
            }
            (rows, seated, passwords)
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("hashing passwords: {e}")))?;
        if !rows.is_empty()
            && !self
                .store
                .seat_applications(event_id, &rows, event.duration_ms, actor, self.now())
                .await?
        {
            return Err(ServiceError::Invalid(
                "另一位工作人员刚刚分配了座位：请刷新后重试".into(),
            ));
        }
        Ok(Seating {
            seated,
            passwords,
            unseated,
        })
    }

    /// `n` ticket numbers for an event's seated applicants, "B" + the event (4 digits) + a
    /// running number (5 digits) from after the event's candidates so far, skipping any a roster
    /// already uses (a ticket number identifies one candidate at login, across events).
    async fn new_tickets(&self, event_id: i64, after: i64, n: usize) -> ServiceResult<Vec<String>> {
        let mut tickets = Vec::with_capacity(n);
        let mut next = after + 1;
        while tickets.len() < n {
            let batch: Vec<String> = (next..next + (n - tickets.len()) as i64)
                .map(|k| format!("B{:04}{k:05}", event_id % 10_000))
                .collect();
            next += batch.len() as i64;
            let taken = self.store.existing_tickets(&batch).await?;
            tickets.extend(batch.into_iter().filter(|t| !taken.contains(t)));
        }
        Ok(tickets)
    }

    /// Moves a candidate who has not started to another room (of the event, with its seats) and
    /// seat: the office's adjustment after seating.
    pub async fn move_seat(
        &self,
        event_id: i64,
        ticket: &str,
        room: &str,
        seat: &str,
        actor: &str,
    ) -> ServiceResult<Vec<RoomPlaceView>> {
        let places = self.room_places(event_id).await?;
        let (room, seat) = (room.trim(), seat.trim());
        let Some(place) = places.iter().find(|p| p.room == room) else {
            let rooms: Vec<&str> = places.iter().map(|p| p.room.as_str()).collect();
            return Err(ServiceError::Invalid(format!(
                "考场“{room}”不在本场考试的考场中（{}）",
                rooms.join("、")
            )));
        };
        let number: i64 = seat.parse().unwrap_or(0);
        if !(1..=place.seats).contains(&number) || number.to_string() != seat {
            return Err(ServiceError::Invalid(format!(
                "座位号应为 1–{} 的整数，不能为“{seat}”",
                place.seats
            )));
        }
        let candidate = self
            .store
            .candidate_by_ticket(ticket)
            .await?
            .filter(|c| c.event_id == event_id)
            .ok_or_else(|| NotFound::TicketInEvent(ticket.to_string()))?;
        if !self
            .store
            .move_seat(event_id, &candidate.ticket, room, seat, actor, self.now())
            .await?
        {
            return Err(ServiceError::Invalid(format!(
                "不能调整：{room} {seat} 号座位已有考生，或考生 {ticket} 已开始考试"
            )));
        }
        self.room_places(event_id).await
    }

    /// The applicant's ticket, once seated.
    pub(super) async fn ticket_view(
        &self,
        row: &ApplicationRow,
        exam_starts_ms: i64,
    ) -> ServiceResult<Option<TicketView>> {
        let Some(candidate_id) = row.candidate_id else {
            return Ok(None);
        };
        let Some(seat) = self.store.seat_of(candidate_id).await? else {
            return Ok(None);
        };
        let exam_date = beijing_date(exam_starts_ms);
        let lead = self.ticket_lead().await?;
        Ok(Some(TicketView {
            ticket: seat.ticket,
            room: seat.room,
            seat: seat.seat,
            city: row.city.clone(),
            available_from_zh: date_zh(ticket_available_from(exam_date, lead)),
            downloadable: ticket_downloadable(exam_date, lead, beijing_date(self.now())).is_ok(),
        }))
    }

    /// The applicant's result once released, with a pass's validity.
    pub(super) async fn result_summary(
        &self,
        row: &ApplicationRow,
        exam_starts_ms: i64,
    ) -> ServiceResult<Option<ResultSummary>> {
        let Some(candidate_id) = row.candidate_id else {
            return Ok(None);
        };
        let Some(r) = self.released_result(candidate_id).await? else {
            return Ok(None);
        };
        Ok(Some(ResultSummary {
            verdict_zh: crate::results::verdict_zh(&r).into(),
            total: r.total,
            pass_mark: r.pass_mark,
            passed: r.passed,
            valid_until_zh: (r.passed == Some(true)).then(|| date_zh(pass_valid_until(beijing_date(exam_starts_ms)))),
        }))
    }

    /// The applicant's own admission ticket as a PDF (with their photo), from the set number of
    /// days before the exam.
    pub async fn my_ticket(&self, s: &Session) -> ServiceResult<Printed> {
        let view = self.my_application(s).await?;
        let ticket = view
            .ticket
            .ok_or_else(|| ServiceError::NotReady("还没有准考证：考务办公室分配考场座位后才有".into()))?;
        let event_id = view.sitting.as_ref().map(|s| s.event_id).ok_or(NotFound::Sitting)?;
        let event = self.store.event(event_id).await?.ok_or(NotFound::Event(event_id))?;
        let exam_date = beijing_date(event.starts_at_ms);
        if let Err(not_yet) = ticket_downloadable(exam_date, self.ticket_lead().await?, beijing_date(self.now())) {
            return Err(ServiceError::NotReady(not_yet.message_zh()));
        }
        self.print_tickets(event_id, Some(&ticket.ticket), None).await
    }

    /// Every ticket's photo of a sitting (of the candidates who registered online).
    pub(super) async fn ticket_photos(
        &self,
        event_id: i64,
    ) -> ServiceResult<std::collections::HashMap<String, Arc<Vec<u8>>>> {
        Ok(self
            .store
            .candidate_photos(event_id)
            .await?
            .into_iter()
            .map(|(ticket, bytes)| (ticket, Arc::new(bytes)))
            .collect())
    }
}
