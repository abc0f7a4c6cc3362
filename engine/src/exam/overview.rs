//! The exam office's view of its events: where each stands (`exam_rules::event_phase`), its
//! counts, its timetable and what needs doing next — the console's home page.

use exam_rules::event_phase::{EventFacts, EventPhase};
use exam_rules::release::Progress;
use exam_rules::schedule::day_and_clock_zh;

use super::Exam;
use super::error::ServiceResult;
use crate::store::EventRow;

/// One event on the console's home page.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct EventOverview {
    pub id: i64,
    pub name: String,
    /// draft, published, sitting, marking, releasable, released
    pub phase: &'static str,
    /// 草稿、已发布、考试中、评卷中、可发布成绩、已发布成绩
    pub phase_name: &'static str,
    /// 下一步
    pub next_step: String,
    /// The timetable in one line (开考、开放考场、入场截止、统一结束).
    pub timetable: String,
    pub starts: String,
    pub rehearsal: bool,
    pub duration_minutes: i64,
    /// The bank the event draws from (a draft is published with it).
    pub bank_id: String,
    pub rooms: Vec<String>,
    pub candidates: usize,
    pub under_way: usize,
    pub complete: usize,
    pub incomplete: usize,
    pub absent: usize,
    pub released_ms: Option<i64>,
}

impl Exam {
    /// Every event as the office's console shows it, newest first.
    pub async fn event_overviews(&self) -> ServiceResult<Vec<EventOverview>> {
        let mut out = Vec::new();
        for row in self.store.events().await?.into_iter().rev() {
            out.push(self.overview_of(row).await?);
        }
        Ok(out)
    }

    async fn overview_of(&self, row: EventRow) -> ServiceResult<EventOverview> {
        let (progress, candidates) = match row.published {
            true => {
                let results = self.results(row.id).await?;
                (self.release_progress(row.id, &results).await?, results.len())
            }
            false => (Progress::default(), self.store.roster_size(row.id).await? as usize),
        };
        let facts = EventFacts {
            published: row.published,
            released: row.released_ms.is_some(),
            candidates,
            under_way: self.store.sittings_under_way(row.id).await? as usize,
            progress,
        };
        let schedule = row.schedule();
        let phase = EventPhase::of(&facts, &schedule, self.now());
        let rooms = self.room_names(row.id).await?;
        Ok(EventOverview {
            id: row.id,
            phase: phase.code(),
            phase_name: phase.name_zh(),
            next_step: phase.next_step_zh(&facts, &schedule),
            timetable: schedule.timetable_zh(),
            starts: day_and_clock_zh(schedule.starts_at),
            rehearsal: row.rehearsal,
            bank_id: row.bank_id.clone(),
            duration_minutes: row.duration_ms / 60_000,
            rooms,
            candidates,
            under_way: facts.under_way,
            complete: progress.complete,
            incomplete: progress.incomplete,
            absent: progress.absent,
            released_ms: row.released_ms,
            name: row.name,
        })
    }
}
