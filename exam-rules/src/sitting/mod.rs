//! The sitting's state machine. A sitting is not started, in progress, paused or submitted; each
//! command — one per file, as mini-redis keeps its commands — is a pure function from the facts
//! the store holds to what may change, or the [`Refusal`](crate::Refusal) that says why not. The
//! store applies the decision inside its transaction (so two nodes cannot both act on a stale
//! read) and the web layer presents it.
//!
//! - [`open_room`]: a proctor opens a room of a published event.
//! - [`start`]: a candidate starts once the room is open.
//! - [`read_paper`]: the paper is shown once the sitting has started.
//! - [`save`]: whether a save may be written now, and the open-answer rule.
//! - [`submit`]: a candidate hands the paper in from the bound workstation.
//! - [`hold`]: a proctor pauses or resumes a sitting (or a whole room).
//! - [`extra_time`]: a proctor grants extra time within a cap; the exam office without one.

pub mod extra_time;
pub mod hold;
pub mod open_room;
pub mod read_paper;
pub mod save;
pub mod start;
pub mod submit;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SittingState {
    NotStarted,
    InProgress,
    Paused,
    Submitted,
}

impl SittingState {
    pub fn as_str(self) -> &'static str {
        match self {
            SittingState::NotStarted => "not_started",
            SittingState::InProgress => "in_progress",
            SittingState::Paused => "paused",
            SittingState::Submitted => "submitted",
        }
    }

    pub fn parse(s: &str) -> Option<SittingState> {
        match s {
            "not_started" => Some(SittingState::NotStarted),
            "in_progress" => Some(SittingState::InProgress),
            "paused" => Some(SittingState::Paused),
            "submitted" => Some(SittingState::Submitted),
            _ => None,
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            SittingState::NotStarted => "未开始",
            SittingState::InProgress => "答题中",
            SittingState::Paused => "已暂停",
            SittingState::Submitted => "已交卷",
        }
    }
}

/// A stored state that is none of the four (a corrupt row).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown sitting state {0:?}")]
pub struct UnknownState(pub String);

impl TryFrom<String> for SittingState {
    type Error = UnknownState;

    fn try_from(s: String) -> Result<SittingState, UnknownState> {
        SittingState::parse(&s).ok_or(UnknownState(s))
    }
}
