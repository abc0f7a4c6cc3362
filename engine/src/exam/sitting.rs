//! The candidate's sitting: where it stands, starting, the paper, what is saved and handing in.
//! Saves themselves go through the group-committing [`saver`](super::saver); each is checked
//! inside the saving transaction by `exam_rules::sitting::save`.

use std::sync::Arc;

use exam_rules::Refusal;
use exam_rules::refusal::Attempt;
use exam_rules::sitting::start::Start;
use exam_rules::sitting::submit::Submit;
use exam_rules::sitting::{self as rules};
use question_bank::Paper;

use super::error::{NotFound, ServiceError, ServiceResult};
use super::{Exam, LoadedEvent};
use crate::store::{AnswerRow, CandidateRow, SaveRequest, SittingRow, StartRequest, SubmitOutcome};

/// The largest sequence number: the largest integer a browser's JavaScript counts exactly
/// (2^53 − 1). A larger one would freeze its slot: the page's next number could not exceed it.
pub const MAX_SEQ: i64 = (1 << 53) - 1;

/// The most saves one request may carry (a browser's offline queue sends them together).
pub const MAX_SAVES_PER_REQUEST: usize = 500;

/// What a stale save is answered with: durable history, but a newer save holds the slot.
pub const STALE: &str = "已有更新的答案，此条未覆盖";

/// A candidate's sitting with what the status line shows.
pub struct SittingStatus {
    pub sitting: SittingRow,
    pub candidate: CandidateRow,
    pub event: Arc<LoadedEvent>,
    /// Whether the proctor has opened the room (the candidate may start).
    pub room_open: bool,
    pub now: i64,
}

impl Exam {
    /// The candidate's own sitting, handed in first if its time has run out.
    pub async fn own_sitting(&self, candidate_id: i64) -> ServiceResult<SittingRow> {
        let s = self.store.sitting(candidate_id).await?.ok_or(NotFound::Sitting)?;
        self.submit_if_expired(s).await
    }

    /// The candidate's sitting (handed in first if its time has run out) with what the status
    /// line shows.
    pub async fn sitting_status(&self, candidate_id: i64) -> ServiceResult<SittingStatus> {
        let (sitting, candidate, room_opened) = self
            .store
            .sitting_with_candidate(candidate_id)
            .await?
            .ok_or(NotFound::Sitting)?;
        let sitting = self.submit_if_expired(sitting).await?;
        let event = self.event(candidate.event_id).await?;
        Ok(SittingStatus {
            sitting,
            candidate,
            event,
            room_open: room_opened.is_some(),
            now: self.now(),
        })
    }

    /// Starts the candidate's clock from `session` (which the sitting is then bound to), once the
    /// room is open and until the late-entry cut-off: the clock runs to the event's common end
    /// (from the published start for one who starts early). Starting again changes nothing.
    /// Returns the sitting's status as it now is, which is what the page shows next: read once,
    /// before the start (a national start is thousands of these in the same second).
    pub async fn start(&self, candidate_id: i64, session: &str) -> ServiceResult<SittingStatus> {
        let mut status = self.sitting_status(candidate_id).await?;
        let schedule = status.event.row.schedule();
        if let Start::Begin(terms) = rules::start::start(status.sitting.state, status.room_open, &schedule, status.now)?
        {
            let start = StartRequest {
                candidate_id,
                session_id: session.to_string(),
                timer: terms.timer(),
            };
            status.sitting = if self.starts.start(&self.store, start.clone()).await? {
                status.sitting.started(&start)
            } else {
                // Started meanwhile from elsewhere: as it now stands.
                self.store.sitting(candidate_id).await?.ok_or(NotFound::Sitting)?
            };
            status.now = self.now();
        }
        Ok(status)
    }

    /// The candidate's paper (office view: the web layer sends only its candidate view) with its
    /// event; the paper's shape is cached for the saves that follow.
    pub async fn own_paper(&self, candidate_id: i64) -> ServiceResult<(Paper, Arc<LoadedEvent>)> {
        let sitting = self.own_sitting(candidate_id).await?;
        rules::read_paper::may_read_paper(sitting.state, sitting.timer.map(|t| t.started_ms), self.now())?;
        let event = self.event(sitting.event_id).await?;
        let paper = self.paper(&sitting).await?;
        self.keep_shape(sitting.candidate_id, &paper, &event);
        Ok((paper, event))
    }

    /// A picture of the candidate's own paper (by its hash), once they may read the paper:
    /// (content type, bytes). A picture of no item on their paper is not found.
    pub async fn own_picture(&self, candidate_id: i64, sha256: &str) -> ServiceResult<(String, Vec<u8>)> {
        let (paper, _) = self.own_paper(candidate_id).await?;
        let on_paper = paper
            .objective
            .iter()
            .flat_map(|i| &i.images)
            .chain(paper.open.iter().flat_map(|q| &q.images));
        if !on_paper.into_iter().any(|i| i.sha256 == sha256) {
            return Err(NotFound::Picture.into());
        }
        Ok(self.store.item_image(sha256).await?.ok_or(NotFound::Picture)?)
    }

    /// A picture of an event's frozen items, for the office and graders (by its hash).
    pub async fn frozen_picture(&self, sha256: &str) -> ServiceResult<(String, Vec<u8>)> {
        Ok(self.store.item_image(sha256).await?.ok_or(NotFound::Picture)?)
    }

    /// What the server holds of the candidate's answers, with the sitting.
    pub async fn saved_answers(&self, candidate_id: i64) -> ServiceResult<(Vec<AnswerRow>, SittingRow)> {
        let sitting = self.own_sitting(candidate_id).await?;
        Ok((self.store.answers(candidate_id).await?, sitting))
    }

    /// The shape a save is checked against: cached after the first, so a save reads nothing.
    pub async fn shape_for_saves(&self, candidate_id: i64) -> ServiceResult<Arc<exam_rules::paper_shape::PaperShape>> {
        match self.cached_shape(candidate_id) {
            Some(shape) => Ok(shape),
            None => self.shape(&self.own_sitting(candidate_id).await?).await,
        }
    }

    /// Checks a request's saves (sequence number, slot, value) against the candidate's paper
    /// before anything is saved: a request with one bad save stores nothing. The shape is cached
    /// after the first save, so no read precedes the saver's own (the sitting's state, time,
    /// workstation and the open-answer rule are checked inside the saving transaction).
    pub async fn prepare_saves(
        &self,
        candidate_id: i64,
        session: &str,
        saves: &[(i64, &str, &str)],
    ) -> ServiceResult<Vec<SaveRequest>> {
        if saves.is_empty() || saves.len() > MAX_SAVES_PER_REQUEST {
            return Err(ServiceError::Invalid(format!(
                "每次须提交 1–{MAX_SAVES_PER_REQUEST} 条答案，本次为 {} 条",
                saves.len()
            )));
        }
        let shape = self.shape_for_saves(candidate_id).await?;
        let mut batch = Vec::with_capacity(saves.len());
        for &(seq, slot, value) in saves {
            if !(1..=MAX_SEQ).contains(&seq) {
                return Err(ServiceError::Invalid(format!(
                    "序号 seq 须为 1–{MAX_SEQ} 之间的整数（收到 {seq}）"
                )));
            }
            let bad =
                |e: exam_rules::paper_shape::SaveError| ServiceError::Invalid(format!("序号 {seq} 的答案未保存：{e}"));
            let slot = shape.slot(slot).map_err(bad)?;
            let value = shape.normalise(slot, value).map_err(bad)?;
            batch.push(SaveRequest {
                candidate_id,
                session_id: session.to_string(),
                seq,
                slot,
                value,
            });
        }
        Ok(batch)
    }

    /// The candidate hands the paper in from `session`, the workstation the sitting is bound to.
    pub async fn hand_in(&self, candidate_id: i64, session: &str) -> ServiceResult<()> {
        let sitting = self.own_sitting(candidate_id).await?;
        if rules::submit::submit(sitting.state, sitting.session_id.as_deref(), session)? == Submit::HandIn {
            match self.submit(candidate_id, "candidate").await? {
                SubmitOutcome::Submitted { .. } | SubmitOutcome::AlreadySubmitted => {}
                SubmitOutcome::NotStarted => return Err(Refusal::NotStarted(Attempt::Submit).into()),
            }
        }
        Ok(())
    }
}
