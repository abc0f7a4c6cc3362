//! The exam office's service, shared by the CLI and the JSON API: events (create, publish, list),
//! rosters (all or nothing, every bad row reported with its line), staff accounts, proctor
//! assignments, unlocking a staff login, the audit log and a candidate's save history.

use question_bank::{Bank, Blueprint, assemble};
use sha2::{Digest, Sha256};

use super::Exam;
use super::error::{NotFound, ServiceError, ServiceResult};
use super::roster::{RosterEntry, read_roster};
use crate::auth::{Strength, hash_password, issue_password};
use crate::store::{AuditEntry, EventRow, NewEvent, RosterRow, SaveLogLine, SeatRow};
use exam_rules::schedule::Schedule;
use exam_rules::scoring::MultiPolicy;

/// A bank that cannot fill the blueprint for this event.
fn unusable_bank(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Invalid(format!("题库不能用于本场考试：{e}"))
}

/// Every problem of a roster, which is then not imported at all.
fn roster_problems(problems: Vec<String>) -> ServiceError {
    ServiceError::Invalid(format!(
        "考生名单有 {} 处问题，未导入任何考生：\n{}",
        problems.len(),
        problems.join("\n")
    ))
}

/// The office's choices for a new event.
#[derive(Debug, Clone)]
pub struct EventSpec {
    pub name: String,
    pub starts_at_ms: i64,
    pub rooms: Vec<String>,
    /// `None`: every candidate their own paper; `Some(k)`: k fixed forms.
    pub forms: Option<u32>,
    pub seed: u64,
    pub multi_policy: MultiPolicy,
    /// Pass mark in whole points (default 90 of 150).
    pub pass_mark: i64,
    /// Optional per-section minimums of the pass rule, in whole points.
    pub min_objective: Option<i64>,
    pub min_open: Option<i64>,
    /// Create as a draft: the items are frozen only when it is published.
    pub draft: bool,
    pub schedule: ScheduleSpec,
}

impl EventSpec {
    /// A published CMQ event with the national defaults: every candidate their own paper,
    /// multiple choice all-or-nothing, pass mark 90, no section minimums, the default schedule,
    /// no rooms yet.
    pub fn cmq(name: &str, starts_at_ms: i64, seed: u64) -> EventSpec {
        EventSpec {
            name: name.to_string(),
            starts_at_ms,
            rooms: Vec::new(),
            forms: None,
            seed,
            multi_policy: MultiPolicy::Exact,
            pass_mark: 90,
            min_objective: None,
            min_open: None,
            draft: false,
            schedule: ScheduleSpec::default(),
        }
    }
}

/// The office's choices for the sitting window, each with the national default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleSpec {
    /// Minutes after the start a candidate may still enter (default 30: 开考 30 分钟后不得入场).
    pub late_entry_minutes: i64,
    /// Minutes before the start a room may open (default 30).
    pub open_before_minutes: i64,
    /// A rehearsal (模拟考试) of this many minutes instead of the blueprint's duration.
    pub rehearsal_minutes: Option<i64>,
}

impl Default for ScheduleSpec {
    fn default() -> ScheduleSpec {
        ScheduleSpec {
            late_entry_minutes: Schedule::DEFAULT_LATE_ENTRY_MS / 60_000,
            open_before_minutes: Schedule::DEFAULT_OPEN_BEFORE_MS / 60_000,
            rehearsal_minutes: None,
        }
    }
}

/// The longest a room may open before the start.
const MAX_OPEN_BEFORE_MINUTES: i64 = 120;

impl ScheduleSpec {
    /// The sitting's length in minutes, checked: a rehearsal lasts 1 minute up to the
    /// blueprint's duration; the late-entry cut-off falls within it.
    fn duration_minutes(&self, blueprint: &Blueprint) -> ServiceResult<i64> {
        let full = blueprint.duration_minutes as i64;
        let minutes = match self.rehearsal_minutes {
            None => full,
            Some(m) if (1..=full).contains(&m) => m,
            Some(m) => {
                return Err(ServiceError::Invalid(format!(
                    "模拟考试时长 {m} 分钟不在 1–{full} 分钟之内"
                )));
            }
        };
        if !(0..=minutes).contains(&self.late_entry_minutes) {
            return Err(ServiceError::Invalid(format!(
                "开考后允许入场的时间 {} 分钟不在 0–{minutes} 分钟（考试时长）之内",
                self.late_entry_minutes
            )));
        }
        if !(0..=MAX_OPEN_BEFORE_MINUTES).contains(&self.open_before_minutes) {
            return Err(ServiceError::Invalid(format!(
                "开考前开放考场的时间 {} 分钟不在 0–{MAX_OPEN_BEFORE_MINUTES} 分钟之内",
                self.open_before_minutes
            )));
        }
        Ok(minutes)
    }
}

/// Creates an event drawing from `bank`: checks that a paper can be drawn, then freezes the
/// bank's active items into the event.
impl Exam {
    pub async fn create_event(&self, bank: &Bank, blueprint: &Blueprint, spec: &EventSpec) -> ServiceResult<i64> {
        let (store, now) = (&self.store, self.now());
        if spec.name.trim().is_empty() {
            return Err(ServiceError::Invalid("考试名称不能为空".into()));
        }
        if spec.forms == Some(0) {
            return Err(ServiceError::Invalid("试卷套数必须至少为 1".into()));
        }
        if !(0..=blueprint.total_points).contains(&spec.pass_mark) {
            return Err(ServiceError::Invalid(format!(
                "合格分数线 {} 不在 0–{} 之内",
                spec.pass_mark, blueprint.total_points
            )));
        }
        let open_points = blueprint.open.points * blueprint.open.answered as i64;
        for (min, part, max) in [
            (spec.min_objective, "客观题", blueprint.objective_points),
            (spec.min_open, "开放题", open_points),
        ] {
            if let Some(m) = min
                && !(0..=max).contains(&m)
            {
                return Err(ServiceError::Invalid(format!("{part}最低分 {m} 不在 0–{max} 之内")));
            }
        }
        let duration_minutes = spec.schedule.duration_minutes(blueprint)?;
        // Drawing once proves every cell can be filled (the error names the short cells).
        assemble(bank, blueprint, spec.seed, spec.forms.unwrap_or(1)).map_err(unusable_bank)?;
        let items: Vec<_> = if spec.draft {
            Vec::new()
        } else {
            bank.active().cloned().collect()
        };
        let event = NewEvent {
            name: spec.name.trim().to_string(),
            starts_at_ms: spec.starts_at_ms,
            duration_ms: duration_minutes * 60_000,
            rooms: spec.rooms.clone(),
            bank_id: bank.id.clone(),
            bank_hash: bank.content_hash(),
            blueprint: blueprint.clone(),
            forms: spec.forms,
            seed: spec.seed,
            multi_policy: spec.multi_policy,
            pass_mark: spec.pass_mark * 100,
            min_objective: spec.min_objective.map(|m| m * 100),
            min_open: spec.min_open.map(|m| m * 100),
            draft: spec.draft,
            late_entry_ms: spec.schedule.late_entry_minutes * 60_000,
            open_before_ms: spec.schedule.open_before_minutes * 60_000,
            rehearsal: spec.schedule.rehearsal_minutes.is_some(),
        };
        Ok(store.create_event(&event, &items, &bank.images, now).await?)
    }

    /// Publishes a draft event: checks that `bank` is the draft's bank and can still fill the
    /// blueprint, then freezes its active items as they are now. Returns how many were frozen.
    pub async fn publish_event(&self, event_id: i64, bank: &Bank, actor: &str) -> ServiceResult<usize> {
        let (store, now) = (&self.store, self.now());
        let row = store.event(event_id).await?.ok_or(NotFound::Event(event_id))?;
        // Checked before the work, and again by the store (another office may publish meanwhile).
        let already = || ServiceError::Invalid(format!("考试 {event_id} 已发布，题目已冻结，不能再次发布"));
        if row.published {
            return Err(already());
        }
        if bank.id != row.bank_id {
            return Err(ServiceError::Invalid(format!(
                "题库不符：考试 {event_id} 使用题库“{}”，给出的是“{}”",
                row.bank_id, bank.id
            )));
        }
        assemble(bank, &row.blueprint, row.seed, row.forms.unwrap_or(1)).map_err(unusable_bank)?;
        let items: Vec<_> = bank.active().cloned().collect();
        if !store
            .publish_event(event_id, &bank.content_hash(), &items, &bank.images, actor, now)
            .await?
        {
            return Err(already());
        }
        Ok(items.len())
    }
}

/// A roster checked and not yet imported: what the office confirms before importing it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RosterPreview {
    pub candidates: usize,
    /// Candidates per room, in the order the rooms first appear.
    pub rooms: Vec<RoomCount>,
    /// The first ten rows as read.
    pub first: Vec<PreviewRow>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RoomCount {
    pub room: String,
    pub candidates: usize,
}

/// One row of a roster as read (its row number as Excel shows it); no ID number.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PreviewRow {
    pub row: u64,
    pub ticket: String,
    pub name: String,
    pub room: String,
    pub seat: String,
}

/// An issued password, for the printed list handed to candidates.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct IssuedPassword {
    pub ticket: String,
    pub name: String,
    pub room: String,
    pub seat: String,
    pub password: String,
}

impl Exam {
    /// Reads and checks a roster file (.xlsx or CSV, UTF-8 or GBK) for an event without importing
    /// it: every bad row, and tickets already registered, are refused with their row numbers;
    /// otherwise how many candidates it has, per room, and its first rows.
    pub async fn check_roster(&self, event_id: i64, bytes: &[u8]) -> ServiceResult<RosterPreview> {
        let entries = self.checked_roster(event_id, bytes).await?;
        let mut rooms: Vec<RoomCount> = Vec::new();
        for e in &entries {
            match rooms.iter_mut().find(|r| r.room == e.room) {
                Some(r) => r.candidates += 1,
                None => rooms.push(RoomCount {
                    room: e.room.clone(),
                    candidates: 1,
                }),
            }
        }
        Ok(RosterPreview {
            candidates: entries.len(),
            rooms,
            first: entries
                .iter()
                .take(10)
                .map(|e| PreviewRow {
                    row: e.line,
                    ticket: e.ticket.clone(),
                    name: e.name.clone(),
                    room: e.room.clone(),
                    seat: e.seat.clone(),
                })
                .collect(),
        })
    }

    /// The roster's rows, every one checked, none of whose tickets is registered yet.
    async fn checked_roster(&self, event_id: i64, bytes: &[u8]) -> ServiceResult<Vec<RosterEntry>> {
        let store = &self.store;
        store.event(event_id).await?.ok_or(NotFound::Event(event_id))?;
        let entries = read_roster(bytes).map_err(roster_problems)?;
        let tickets: Vec<String> = entries.iter().map(|e| e.ticket.clone()).collect();
        let taken = store.existing_tickets(&tickets).await?;
        if !taken.is_empty() {
            let problems = entries
                .iter()
                .filter(|e| taken.contains(&e.ticket))
                .map(|e| format!("第 {} 行 准考证号：“{}”已被登记", e.line, e.ticket))
                .collect();
            return Err(roster_problems(problems));
        }
        Ok(entries)
    }

    /// Imports a roster into an event: checks every row (and that no ticket is already registered),
    /// issues and hashes a password per candidate, and writes all of it in one transaction.
    /// Returns the issued passwords, which exist nowhere else afterwards.
    pub async fn import_roster(&self, event_id: i64, bytes: &[u8]) -> ServiceResult<Vec<IssuedPassword>> {
        let entries = self.checked_roster(event_id, bytes).await?;
        let event = self.store.event(event_id).await?.ok_or(NotFound::Event(event_id))?;
        let store = &self.store;
        let issued: Vec<(RosterEntry, String)> = entries.into_iter().map(|e| (e, issue_password())).collect();
        let forms = event.forms;
        let seed = event.seed;
        let (rows, passwords) = tokio::task::spawn_blocking(move || {
            let mut rows = Vec::with_capacity(issued.len());
            let mut passwords = Vec::with_capacity(issued.len());
            for (i, (e, password)) in issued.into_iter().enumerate() {
                let (paper_seed, form) = match forms {
                    Some(k) => (seed, (i as u32 % k) + 1),
                    None => (candidate_seed(seed, &e.ticket), 1),
                };
                rows.push(RosterRow {
                    ticket: e.ticket.clone(),
                    name: e.name.clone(),
                    pinyin: e.pinyin,
                    id_number: e.id_number,
                    room: e.room.clone(),
                    seat: e.seat.clone(),
                    password_hash: hash_password(&password, Strength::IssuedToCandidate),
                    paper_seed,
                    form,
                });
                passwords.push(IssuedPassword {
                    ticket: e.ticket,
                    name: e.name,
                    room: e.room,
                    seat: e.seat,
                    password,
                });
            }
            (rows, passwords)
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("hashing passwords: {e}")))?;
        store.import_roster(event_id, &rows, event.duration_ms).await?;
        Ok(passwords)
    }
}

/// Each candidate's own paper seed: derived from the event seed and the ticket, so it is
/// reproducible by anyone who knows both.
pub fn candidate_seed(event_seed: u64, ticket: &str) -> u64 {
    let digest = Sha256::digest(format!("{event_seed}:{ticket}").as_bytes());
    u64::from_le_bytes(digest[..8].try_into().expect("8 bytes")) >> 1
}

/// The printable password list (CSV with a BOM so spreadsheet programs read the Chinese).
pub fn passwords_csv(list: &[IssuedPassword]) -> String {
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(["准考证号", "姓名", "考场", "座位", "初始密码"])
        .expect("in-memory CSV");
    for p in list {
        w.write_record([&p.ticket, &p.name, &p.room, &p.seat, &p.password])
            .expect("in-memory CSV");
    }
    format!(
        "\u{feff}{}",
        String::from_utf8(w.into_inner().expect("in-memory CSV")).expect("UTF-8 CSV")
    )
}

/// An event as the office fills it in (the API's request body), before it is checked.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct NewEventRequest {
    pub name: String,
    /// RFC 3339, e.g. "2026-12-06T09:00:00+08:00".
    pub starts_at: String,
    pub rooms: Vec<String>,
    /// A bank folder on the server, or "demo" for the built-in demo bank.
    pub bank: String,
    /// Number of fixed forms; absent: every candidate their own paper.
    pub forms: Option<u32>,
    pub seed: Option<u64>,
    #[serde(default)]
    pub multi_policy: Option<String>,
    /// Whole points of 150; default 90.
    pub pass_mark: Option<i64>,
    /// Optional minimum of the objective part (whole points of 90) to pass.
    pub min_objective: Option<i64>,
    /// Optional minimum of the open part (whole points of 60) to pass.
    pub min_open: Option<i64>,
    /// Create as a draft: the items are frozen when it is published (`/publish`).
    #[serde(default)]
    pub draft: bool,
    /// Minutes after the start a candidate may still enter; default 30.
    pub late_entry_minutes: Option<i64>,
    /// Minutes before the start a room may open; default 30, at most 120.
    pub open_before_minutes: Option<i64>,
    /// A rehearsal (模拟考试) of this many minutes (1–180) instead of the full 180.
    pub rehearsal_minutes: Option<i64>,
}

/// A bank named by the office: a folder on the server, or "demo" for the built-in demo bank.
pub fn load_bank(spec: &str) -> ServiceResult<Bank> {
    super::demo::bank_or_folder(spec).map_err(|e| ServiceError::Invalid(format!("题库 {spec} 无法使用：{e}")))
}

/// Loads a bank off the async runtime (reading and checking a large folder takes a while).
pub(super) async fn load_bank_blocking(spec: &str) -> ServiceResult<Bank> {
    let spec = spec.to_string();
    tokio::task::spawn_blocking(move || load_bank(&spec))
        .await
        .map_err(|e| ServiceError::Internal(format!("loading a bank: {e}")))?
}

pub use crate::store::ProctorRoom;

impl Exam {
    /// Creates an event as the office filled it in: checks the start time, the multiple-choice
    /// policy and the rooms, loads the bank and creates the event on the CMQ blueprint.
    pub async fn create_event_from(&self, req: NewEventRequest) -> ServiceResult<i64> {
        let starts = time::OffsetDateTime::parse(&req.starts_at, &time::format_description::well_known::Rfc3339)
            .map_err(|e| {
                ServiceError::Invalid(format!(
                    "开考时间 starts_at“{}”格式有误（应如 2026-12-06T09:00:00+08:00）：{e}",
                    req.starts_at
                ))
            })?;
        let multi_policy = match req.multi_policy.as_deref() {
            None => MultiPolicy::Exact,
            Some(p) => MultiPolicy::parse(p)
                .ok_or_else(|| ServiceError::Invalid(format!("多选题计分规则“{p}”无效，应为 exact 或 partial")))?,
        };
        if req.rooms.is_empty() || req.rooms.iter().any(|r| r.trim().is_empty()) {
            return Err(ServiceError::Invalid("请至少填写一个考场，考场名称不能为空".into()));
        }
        let bank = self.bank_in_use(&req.bank).await?;
        let spec = EventSpec {
            name: req.name,
            starts_at_ms: (starts.unix_timestamp_nanos() / 1_000_000) as i64,
            rooms: req.rooms.iter().map(|r| r.trim().to_string()).collect(),
            forms: req.forms,
            seed: req.seed.unwrap_or_else(crate::auth::random_seed),
            multi_policy,
            pass_mark: req.pass_mark.unwrap_or(90),
            min_objective: req.min_objective,
            min_open: req.min_open,
            draft: req.draft,
            schedule: ScheduleSpec {
                late_entry_minutes: req
                    .late_entry_minutes
                    .unwrap_or(ScheduleSpec::default().late_entry_minutes),
                open_before_minutes: req
                    .open_before_minutes
                    .unwrap_or(ScheduleSpec::default().open_before_minutes),
                rehearsal_minutes: req.rehearsal_minutes,
            },
        };
        self.create_event(&bank, &Blueprint::cmq_2010(), &spec).await
    }

    /// Publishes a draft with the bank the office names (see [`load_bank`]).
    pub async fn publish_with_bank(&self, event_id: i64, bank: &str, actor: &str) -> ServiceResult<usize> {
        let bank = self.bank_in_use(bank).await?;
        self.publish_event(event_id, &bank, actor).await
    }

    /// Every event with the size of its roster.
    pub async fn event_list(&self) -> ServiceResult<Vec<(EventRow, i64)>> {
        let mut out = Vec::new();
        for e in self.store.events().await? {
            let size = self.store.roster_size(e.id).await?;
            out.push((e, size));
        }
        Ok(out)
    }

    /// Every sitting of the event, room by room, seat by seat.
    pub async fn event_sittings(&self, event_id: i64) -> ServiceResult<Vec<(String, SeatRow)>> {
        self.event(event_id).await?;
        let now = self.now();
        let mut out = Vec::new();
        for (room, _) in self.store.event_rooms(event_id).await? {
            for seat in self.store.room_seats(event_id, &room, now).await? {
                out.push((room.clone(), seat));
            }
        }
        Ok(out)
    }

    /// Candidates of every event by ticket or name (part of either) or ID number: at most 50,
    /// the newest events first.
    pub async fn find_candidates(&self, text: &str) -> ServiceResult<Vec<crate::store::FoundCandidate>> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 64 || text.chars().any(char::is_control) {
            return Err(ServiceError::Invalid(
                "请输入要查找的准考证号、姓名（或其中一部分）或身份证号，最长 64 字".into(),
            ));
        }
        Ok(self.store.search_candidates(text, 50).await?)
    }

    /// Every save a candidate's browser sent, in order, with server time (for appeals).
    pub async fn save_history(&self, ticket: &str) -> ServiceResult<Vec<SaveLogLine>> {
        let c = self
            .store
            .candidate_by_ticket(ticket)
            .await?
            .ok_or_else(|| NotFound::Ticket(ticket.to_string()))?;
        Ok(self.store.save_log(c.id).await?)
    }

    /// The names of the event's rooms, in order.
    pub(super) async fn room_names(&self, event_id: i64) -> ServiceResult<Vec<String>> {
        let rooms = self.store.event_rooms(event_id).await?;
        Ok(rooms.into_iter().map(|(room, _)| room).collect())
    }

    pub async fn event_proctors(&self, event_id: i64) -> ServiceResult<Vec<ProctorRoom>> {
        self.event(event_id).await?;
        Ok(self.store.event_proctors(event_id).await?)
    }

    /// Assigns a proctor to rooms of an event (audited): a proctor sees and acts in those rooms
    /// only.
    pub async fn assign_proctor(
        &self,
        event_id: i64,
        username: &str,
        rooms: &[String],
        actor: &str,
    ) -> ServiceResult<()> {
        self.event(event_id).await?;
        let account = self
            .store
            .account_by_username(username)
            .await?
            .ok_or_else(|| ServiceError::Invalid(format!("用户“{username}”不存在")))?;
        if account.role != "proctor" {
            return Err(ServiceError::Invalid(format!(
                "用户“{username}”不是监考老师（角色 {}）",
                account.role
            )));
        }
        if rooms.is_empty() {
            return Err(ServiceError::Invalid("请至少指定一个考场（rooms）".into()));
        }
        let known = self.room_names(event_id).await?;
        if let Some(unknown) = rooms.iter().find(|r| !known.contains(r)) {
            return Err(ServiceError::Invalid(format!(
                "考试 {event_id} 没有考场“{unknown}”（共有：{}）",
                known.join("、")
            )));
        }
        for room in rooms {
            self.store.assign_proctor(account.id, event_id, room).await?;
        }
        self.store
            .record_audit(&crate::store::AuditRecord {
                event_id,
                actor,
                action: "assign_proctor",
                subject: username,
                old: "",
                new: &rooms.join(","),
                reason: "",
                at_ms: self.now(),
            })
            .await?;
        Ok(())
    }

    /// The event's audit log, oldest first.
    pub async fn audit_log(&self, event_id: i64) -> ServiceResult<Vec<AuditEntry>> {
        self.event(event_id).await?;
        Ok(self.store.audit_log(event_id).await?)
    }

    /// Records an export of the event's results in the audit log.
    pub async fn audit_export(&self, event_id: i64, actor: &str, format: &str, rows: usize) -> ServiceResult<()> {
        self.store
            .record_audit(&crate::store::AuditRecord {
                event_id,
                actor,
                action: "export",
                subject: &format!("event#{event_id}"),
                old: "",
                new: &format!("{format}，{rows} 行"),
                reason: "",
                at_ms: self.now(),
            })
            .await?;
        Ok(())
    }
}
