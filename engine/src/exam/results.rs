//! Results and their release: every candidate's result as it stands (computed by
//! `crate::results` from what the store holds, under the event's pass rule), the release gate
//! (`exam_rules::release`) and the released snapshot, which only a new release changes.

use exam_rules::release::{Progress, may_release};

use super::Exam;
use super::error::{NotFound, ServiceError, ServiceResult};
use crate::results::CandidateResult;
use crate::store::EventCandidate;

impl Exam {
    /// Every candidate's result as it stands now (the office's view).
    pub async fn results(&self, event_id: i64) -> ServiceResult<Vec<crate::results::CandidateResult>> {
        let event = self.event(event_id).await?;
        let candidates: Vec<crate::results::CandidateFacts> = self
            .store
            .event_candidates(event_id)
            .await?
            .into_iter()
            .map(|c| crate::results::CandidateFacts {
                id: c.id,
                ticket: c.ticket,
                name: c.name,
                room: c.room,
                state: c.state,
            })
            .collect();
        let item_results = self.store.event_item_results(event_id).await?;
        let open = self.store.event_open_answers(event_id).await?;
        Ok(crate::results::compute(
            &candidates,
            &event.bank.items,
            &item_results,
            &open,
            event.row.pass_rule(),
        ))
    }

    /// Every candidate of the event with their sitting's state and objective score.
    pub async fn event_candidates(&self, event_id: i64) -> ServiceResult<Vec<EventCandidate>> {
        Ok(self.store.event_candidates(event_id).await?)
    }

    /// How far the event's results are, under its schedule now: a candidate who has not started
    /// counts as absent only after the late-entry cut-off.
    pub async fn release_progress(&self, event_id: i64, results: &[CandidateResult]) -> ServiceResult<Progress> {
        let event = self.event(event_id).await?;
        Ok(Progress::of(results.iter().map(|r| r.status)).at(&event.row.schedule(), self.now()))
    }

    /// Releases the event's results as they stand now, if the release gate allows it; returns how
    /// many candidates' results were released. Audited.
    pub async fn release(&self, event_id: i64, actor: &str) -> ServiceResult<usize> {
        let results = self.results(event_id).await?;
        may_release(self.release_progress(event_id, &results).await?)?;
        let rows: Vec<(i64, String)> = results
            .iter()
            .map(|r| (r.candidate_id, serde_json::to_string(r).expect("a result serialises")))
            .collect();
        self.store.release_results(event_id, &rows, actor, self.now()).await?;
        Ok(rows.len())
    }

    /// When the event's results were last released.
    pub async fn released_at(&self, event_id: i64) -> ServiceResult<Option<i64>> {
        Ok(self
            .store
            .event(event_id)
            .await?
            .ok_or(NotFound::Event(event_id))?
            .released_ms)
    }

    /// A candidate's result as last released, or `None` before any release.
    pub async fn released_result(&self, candidate_id: i64) -> ServiceResult<Option<CandidateResult>> {
        match self.store.released_result(candidate_id).await? {
            None => Ok(None),
            Some(json) => serde_json::from_str(&json).map(Some).map_err(|e| {
                ServiceError::Store(crate::store::StoreError::Corrupt(format!(
                    "released result of candidate {candidate_id}: {e}"
                )))
            }),
        }
    }
}
