//! The live feed: what proctors and the server do to sittings — a pause, a resume, extra time, a
//! move to another workstation, the submission at time-up, a room opening — reaches the pages of
//! the candidates concerned within a second or two.
//!
//! Every such change is written to the proctor log in the transaction that makes it, so the log
//! is the feed: each node reads it twice a second and broadcasts the new entries to the pages
//! connected to it. A pause given on one node thus reaches a candidate connected to another, and
//! nothing is announced that did not commit. Pages keep polling their status as the fallback.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, watch};

use super::Exam;
use crate::store::LiveChange;

/// How often each node reads the log.
const POLL: Duration = Duration::from_millis(500);
/// Ids read back below the highest seen: an entry's transaction may commit after a later id's.
const LOOKBACK: i64 = 500;
/// Entries read per query.
const BATCH: i64 = 2_000;

/// The node's broadcast of new proctor-log entries.
#[derive(Clone)]
pub struct Live {
    tx: broadcast::Sender<Arc<LiveChange>>,
    /// Set when the server shuts down: open feeds end, so the shutdown need not wait for them.
    stop: Arc<watch::Sender<bool>>,
}

impl Default for Live {
    fn default() -> Live {
        // A page that falls this far behind skips to the newest and re-reads its status.
        let (tx, _) = broadcast::channel(8_192);
        Live {
            tx,
            stop: Arc::new(watch::channel(false).0),
        }
    }
}

/// What the log entry means for one candidate's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveKind {
    Paused,
    Resumed,
    ExtraTime(i64),
    MoveAllowed,
    MovedIn,
    AutoSubmitted,
    RoomOpened,
}

impl LiveKind {
    /// The log's action as a change a page is told about (incidents and the like are not).
    pub fn of(action: &str) -> Option<LiveKind> {
        Some(match action {
            "pause" | "pause_room" => LiveKind::Paused,
            "resume" | "resume_room" => LiveKind::Resumed,
            "allow_move" => LiveKind::MoveAllowed,
            "moved_in" => LiveKind::MovedIn,
            "auto_submit" => LiveKind::AutoSubmitted,
            "open_room" => LiveKind::RoomOpened,
            other => LiveKind::ExtraTime(other.strip_prefix("extra_time:")?.parse().ok()?),
        })
    }

    pub fn code(self) -> &'static str {
        match self {
            LiveKind::Paused => "paused",
            LiveKind::Resumed => "resumed",
            LiveKind::ExtraTime(_) => "extra_time",
            LiveKind::MoveAllowed => "move_allowed",
            LiveKind::MovedIn => "moved_in",
            LiveKind::AutoSubmitted => "auto_submitted",
            LiveKind::RoomOpened => "room_opened",
        }
    }

    /// What the candidate's page says; `ends_at`: the sitting's own end as it now stands.
    pub fn message_zh(self, ends_at: Option<&str>) -> String {
        let ends = ends_at.map(|e| format!("，考试 {e} 结束")).unwrap_or_default();
        match self {
            LiveKind::Paused => "监考老师已暂停考试，计时已停止。请在座位上安静等候。".into(),
            LiveKind::Resumed => format!("考试已恢复，计时继续{ends}。请继续作答。"),
            LiveKind::ExtraTime(m) => format!("监考老师为您延长考试时间 {m} 分钟{ends}。"),
            LiveKind::MoveAllowed => {
                "监考老师已允许您更换机位：请到新机位用准考证号登录，登录后本机将不能再作答。".into()
            }
            LiveKind::MovedIn => "本场考试已在其他机位继续，本机已停止作答。".into(),
            LiveKind::AutoSubmitted => "考试时间到，系统已自动交卷。".into(),
            LiveKind::RoomOpened => "考场已开放。".into(),
        }
    }
}

impl Exam {
    /// New proctor-log entries from now on, as this node reads them.
    pub fn subscribe_live(&self) -> broadcast::Receiver<Arc<LiveChange>> {
        self.live.tx.subscribe()
    }

    /// Resolves when the server is shutting down (for feeds to end).
    pub fn live_stopping(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut stop = self.live.stop.subscribe();
        async move {
            let _ = stop.wait_for(|&s| s).await;
        }
    }

    /// Ends every open feed (the server is shutting down).
    pub fn stop_live(&self) {
        self.live.stop.send_replace(true);
    }

    /// Reads the proctor log twice a second and broadcasts what is new, until aborted.
    pub fn spawn_live_feed(&self) -> tokio::task::JoinHandle<()> {
        let exam = self.clone();
        tokio::spawn(async move {
            let mut last = loop {
                match exam.store.last_live_change().await {
                    Ok(id) => break id,
                    Err(e) => {
                        tracing::error!(error = %e, "live feed: reading the proctor log failed");
                        tokio::time::sleep(POLL).await;
                    }
                }
            };
            // What is in the log already has been announced (or was before this node started).
            let mut seen = BTreeSet::new();
            let mut announce = false;
            let mut tick = tokio::time::interval(POLL);
            loop {
                tick.tick().await;
                match exam.read_live(&mut last, &mut seen, announce).await {
                    Ok(()) => announce = true,
                    Err(e) => {
                        tracing::error!(error = %e, "live feed: reading the proctor log failed")
                    }
                }
            }
        })
    }

    async fn read_live(&self, last: &mut i64, seen: &mut BTreeSet<i64>, announce: bool) -> super::ServiceResult<()> {
        let mut from = (*last - LOOKBACK).max(0);
        loop {
            let rows = self.store.live_changes(from, BATCH).await?;
            let full = rows.len() as i64 == BATCH;
            for row in rows {
                from = row.id;
                if row.id <= *last - LOOKBACK || !seen.insert(row.id) {
                    continue;
                }
                *last = (*last).max(row.id);
                if announce {
                    // No page listening is not an error.
                    let _ = self.live.tx.send(Arc::new(row));
                }
            }
            if !full {
                break;
            }
        }
        let floor = *last - LOOKBACK;
        *seen = seen.split_off(&floor);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_actions_a_page_hears_of() {
        assert_eq!(LiveKind::of("pause_room"), Some(LiveKind::Paused));
        assert_eq!(LiveKind::of("resume"), Some(LiveKind::Resumed));
        assert_eq!(LiveKind::of("extra_time:10"), Some(LiveKind::ExtraTime(10)));
        assert_eq!(LiveKind::of("incident"), None);
        assert_eq!(LiveKind::of("extra_time:x"), None);
        assert_eq!(
            LiveKind::ExtraTime(10).message_zh(Some("12:10")),
            "监考老师为您延长考试时间 10 分钟，考试 12:10 结束。"
        );
    }
}
