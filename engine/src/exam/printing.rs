//! What the office prints for an event from the console or the CLI: the admission tickets
//! (准考证). PDFs are built off the async runtime (CPU work, tens of milliseconds a page).

use super::Exam;
use super::error::{ServiceError, ServiceResult};
use crate::print::Printed;
use crate::print::slips::{PasswordSlip, SlipInfo, password_slips};
use crate::print::ticket::{TicketInfo, admission_tickets, candidate_rules};
use exam_rules::schedule::{clock_zh, day_and_clock_zh};

/// Results are published this many days after the exam (the guide, §八).
const RESULTS_AFTER_DAYS: u32 = 60;

impl Exam {
    /// The admission tickets of the event's candidates, one page each, by room, seat and ticket;
    /// only those of `room` when given.
    pub async fn admission_tickets(&self, event_id: i64, room: Option<&str>) -> ServiceResult<Printed> {
        self.print_tickets(event_id, None, room).await
    }

    /// Tickets of an event: one candidate's (by ticket), one room's, or everyone's; with the
    /// photo of each candidate who registered online.
    pub(super) async fn print_tickets(
        &self,
        event_id: i64,
        ticket: Option<&str>,
        room: Option<&str>,
    ) -> ServiceResult<Printed> {
        let event = self.event(event_id).await?;
        let mut roster = self.store.roster(event_id).await?;
        if let Some(ticket) = ticket {
            roster.retain(|c| c.ticket == ticket);
        }
        if let Some(room) = room {
            roster.retain(|c| c.room == room);
            if roster.is_empty() {
                return Err(ServiceError::Invalid(format!(
                    "考场“{room}”没有考生（本场考场：{}）",
                    self.room_names(event_id).await?.join("、")
                )));
            }
        }
        if roster.is_empty() {
            return Err(ServiceError::Invalid("本场考试还没有考生：请先导入考生名单".into()));
        }
        by_room_and_seat(&mut roster);
        // Rooms set for registration have a city: the ticket names it with the room (考点).
        let cities: std::collections::HashMap<String, String> = self
            .store
            .room_places(event_id)
            .await?
            .into_iter()
            .map(|p| (p.room, p.city))
            .collect();
        for c in &mut roster {
            if let Some(city) = cities.get(&c.room)
                && !c.room.contains(city.as_str())
            {
                c.room = format!("{}（{city}）", c.room);
            }
        }
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
            photos: self.ticket_photos(event_id).await?,
        };
        tokio::task::spawn_blocking(move || admission_tickets(&roster, &info))
            .await
            .map_err(|e| ServiceError::Internal(format!("printing tickets: {e}")))?
            .map_err(|e| ServiceError::Invalid(e.to_string()))
    }
}

/// Candidates in the order they are printed: by room, then seat — as numbers where they are
/// numbers (seat 2 before seat 10) —, then ticket.
fn by_room_and_seat(roster: &mut [crate::store::Registered]) {
    roster.sort_by(|a, b| {
        let seat = |s: &str| s.parse::<u64>().unwrap_or(u64::MAX);
        (&a.room, seat(&a.seat), &a.seat, &a.ticket).cmp(&(&b.room, seat(&b.seat), &b.seat, &b.ticket))
    });
}

/// A password the roster import issued, sent back by the console to print on a slip.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct IssuedSlip {
    pub ticket: String,
    pub password: String,
}

impl Exam {
    /// The password slips (密码条) of candidates of the event, six to a page, by room and seat.
    /// The server keeps no password in clear, so it prints what the import returned to the
    /// console; every ticket must be the event's, each at most once.
    pub async fn password_slips(&self, event_id: i64, issued: &[IssuedSlip]) -> ServiceResult<Printed> {
        let event = self.event(event_id).await?;
        if issued.is_empty() {
            return Err(ServiceError::Invalid(
                "没有要打印的密码：请在导入名单后立即打印密码条".into(),
            ));
        }
        let mut roster = self.store.roster(event_id).await?;
        let mut wanted: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
        let mut problems = Vec::new();
        for (k, s) in issued.iter().enumerate() {
            if s.password.is_empty() || s.password.chars().count() > 128 || s.password.chars().any(char::is_control) {
                problems.push(format!("第 {} 项（{}）的密码无效", k + 1, s.ticket));
            } else if wanted.insert(s.ticket.as_str(), s.password.as_str()).is_some() {
                problems.push(format!("准考证号 {} 出现了不止一次", s.ticket));
            }
        }
        let known: std::collections::HashSet<&str> = roster.iter().map(|c| c.ticket.as_str()).collect();
        let unknown: Vec<&str> = wanted.keys().copied().filter(|t| !known.contains(t)).collect();
        if !unknown.is_empty() {
            problems.push(format!("准考证号不是本场考试的考生：{}", unknown.join("、")));
        }
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems.join("；")));
        }
        roster.retain(|c| wanted.contains_key(c.ticket.as_str()));
        by_room_and_seat(&mut roster);
        let slips: Vec<PasswordSlip> = roster
            .into_iter()
            .map(|c| PasswordSlip {
                password: wanted[c.ticket.as_str()].to_string(),
                ticket: c.ticket,
                name: c.name,
                room: c.room,
                seat: c.seat,
            })
            .collect();
        let schedule = event.row.schedule();
        let info = SlipInfo {
            exam_name: event.row.name.clone(),
            when: format!(
                "{}–{}（北京时间）",
                day_and_clock_zh(schedule.starts_at),
                clock_zh(schedule.common_end())
            ),
        };
        tokio::task::spawn_blocking(move || password_slips(&slips, &info))
            .await
            .map_err(|e| ServiceError::Internal(format!("printing password slips: {e}")))?
            .map_err(|e| ServiceError::Invalid(e.to_string()))
    }
}

impl Exam {
    /// A candidate's own score report (成绩单) of their released result, as a PDF; `None` before
    /// the release.
    pub async fn own_score_report(&self, candidate_id: i64) -> ServiceResult<Option<Printed>> {
        let Some(result) = self.released_result(candidate_id).await? else {
            return Ok(None);
        };
        let candidate = self
            .store
            .candidate(candidate_id)
            .await?
            .ok_or_else(|| ServiceError::Invalid("找不到该考生".into()))?;
        let event = self.event(candidate.event_id).await?;
        let info = crate::print::ScoreReportInfo {
            exam_name: event.row.name.clone(),
            date: crate::print::today_zh(),
        };
        let printed = tokio::task::spawn_blocking(move || crate::print::score_report(&result, &info))
            .await
            .map_err(|e| ServiceError::Internal(format!("printing a score report: {e}")))?
            .map_err(|e| ServiceError::Invalid(e.to_string()))?;
        Ok(Some(printed))
    }
}

/// What the office prints for each candidate of an event from the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Printable {
    /// 试卷（题本）
    Booklet,
    /// 答题卡
    AnswerSheet,
    /// 标准答案及评分要点
    Key,
    /// 成绩单 (after the release)
    ScoreReport,
}

impl Printable {
    pub fn name_zh(self) -> &'static str {
        match self {
            Printable::Booklet => "试卷",
            Printable::AnswerSheet => "答题卡",
            Printable::Key => "标准答案",
            Printable::ScoreReport => "成绩单",
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            Printable::Booklet => "booklet",
            Printable::AnswerSheet => "answer-sheet",
            Printable::Key => "key",
            Printable::ScoreReport => "score-report",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Printable> {
        [
            Printable::Booklet,
            Printable::AnswerSheet,
            Printable::Key,
            Printable::ScoreReport,
        ]
        .into_iter()
        .find(|p| p.slug() == slug)
    }
}

/// Everything a batch of documents is printed from, read from the store up front, so printing
/// (CPU work) needs nothing more from it.
pub struct PrintBatch {
    pub what: Printable,
    loaded: std::sync::Arc<super::LoadedEvent>,
    papers: Vec<(String, question_bank::Paper)>,
    results: Vec<crate::results::CandidateResult>,
    date: String,
    /// The pictures of the event's items, by their hash.
    pictures: crate::print::booklet::Pictures,
}

/// One printed document of a batch: its file name, or why it could not be printed.
pub type PrintedFile = Result<(String, crate::print::Printed), String>;

impl PrintBatch {
    /// How many documents the batch prints.
    pub fn total(&self) -> usize {
        self.papers.len().max(self.results.len())
    }

    /// Prints every document on a few worker threads, counting each one done in `done`.
    pub fn print(&self, done: &std::sync::atomic::AtomicUsize) -> Vec<PrintedFile> {
        use std::sync::atomic::Ordering;
        let workers = crate::print::batch::default_workers();
        let blueprint = &self.loaded.row.blueprint;
        let name = |ticket: &str| format!("{ticket}-{}.pdf", self.what.slug());
        if self.what == Printable::ScoreReport {
            let info = crate::print::ScoreReportInfo {
                exam_name: self.loaded.row.name.clone(),
                date: self.date.clone(),
            };
            return crate::print::batch::in_parallel(&self.results, workers, |r| {
                let printed = crate::print::score_report(r, &info);
                done.fetch_add(1, Ordering::Relaxed);
                printed
                    .map(|p| (name(&r.ticket), p))
                    .map_err(|e| format!("考生 {}：{e}", r.ticket))
            });
        }
        let explanations: std::collections::BTreeMap<_, _> = self
            .loaded
            .bank
            .items
            .iter()
            .filter_map(|i| i.explanation.clone().map(|e| (i.id.clone(), e)))
            .collect();
        let options = crate::print::BookletOptions {
            date: Some(self.date.clone()),
            pictures: self.pictures.clone(),
        };
        crate::print::batch::in_parallel(&self.papers, workers, |(ticket, paper)| {
            let printed = match self.what {
                Printable::Booklet => crate::print::booklet(paper, blueprint, &options),
                Printable::AnswerSheet => crate::print::answer_sheet(paper, blueprint),
                _ => crate::print::key(paper, blueprint, &explanations),
            };
            done.fetch_add(1, Ordering::Relaxed);
            printed
                .map(|p| (name(ticket), p))
                .map_err(|e| format!("考生 {ticket}：{e}"))
        })
    }
}

impl Exam {
    /// The pictures of an event's frozen items, by their hash, for its booklets.
    pub async fn event_pictures(&self, event: &super::LoadedEvent) -> ServiceResult<crate::print::booklet::Pictures> {
        let mut pictures = crate::print::booklet::Pictures::new();
        for image in event.bank.items.iter().flat_map(|i| &i.images) {
            if pictures.contains_key(&image.sha256) {
                continue;
            }
            if let Some((_, bytes)) = self.store.item_image(&image.sha256).await? {
                pictures.insert(image.sha256.clone(), std::sync::Arc::new(bytes));
            }
        }
        Ok(pictures)
    }

    /// Reads what a batch of documents needs: every candidate's own paper (regenerated from its
    /// seed, as they sat it) or their released result; only `ticket`'s when given.
    pub async fn print_batch(&self, event_id: i64, what: Printable, ticket: Option<&str>) -> ServiceResult<PrintBatch> {
        let loaded = self.event(event_id).await?;
        let mut candidates = self.event_candidates(event_id).await?;
        if let Some(t) = ticket {
            candidates.retain(|c| c.ticket == t);
            if candidates.is_empty() {
                return Err(super::NotFound::TicketInEvent(t.to_string()).into());
            }
        }
        if candidates.is_empty() {
            return Err(ServiceError::Invalid("本场考试还没有考生：请先导入考生名单".into()));
        }
        let (mut papers, mut results) = (Vec::new(), Vec::new());
        if what == Printable::ScoreReport {
            if loaded.row.released_ms.is_none() {
                return Err(ServiceError::Invalid(
                    "成绩尚未发布，不能打印成绩单：请先发布成绩".into(),
                ));
            }
            for c in &candidates {
                if let Some(r) = self.released_result(c.id).await? {
                    results.push(r);
                }
            }
            if results.is_empty() {
                return Err(ServiceError::Invalid("没有已发布的成绩可打印".into()));
            }
        } else {
            if !loaded.row.published {
                return Err(ServiceError::Invalid(
                    "草稿考试还没有冻结题目，不能打印试卷：请先发布考试".into(),
                ));
            }
            for c in &candidates {
                papers.push((c.ticket.clone(), self.paper_of(c.id).await?));
            }
        }
        let pictures = if what == Printable::Booklet {
            self.event_pictures(&loaded).await?
        } else {
            Default::default()
        };
        Ok(PrintBatch {
            what,
            loaded,
            papers,
            results,
            date: crate::print::today_zh(),
            pictures,
        })
    }
}
