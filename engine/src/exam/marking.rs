//! The marking service: graders pull leased tasks of the open questions they are assigned to and
//! mark them blind (a task carries no candidate identity); the chief grader sees progress, grader
//! statistics and disputes, and may re-open a mark; the office sets the marking policy, assigns
//! graders and files appeals. The rules (marks needed, tolerance, third marker, the final mark)
//! are `exam_rules::marking`'s.

use std::collections::{BTreeMap, HashMap};

use question_bank::{ItemBody, Points, RubricPoint};
use serde::Serialize;
use utoipa::ToSchema;

use exam_rules::Refusal;
use exam_rules::marking::{MAX_MARK, MarkingPolicy, check_mark};

use super::Exam;
use super::error::{NotFound, ServiceError, ServiceResult};
use crate::store::{AnswerStatus, MarkOutcome, MarkingTask, Session};

/// How long a task stays with a grader before it returns to the queue.
pub const LEASE_MS: i64 = 20 * 60 * 1000;

/// The longest comment a grader may leave with a mark.
const MAX_COMMENT_CHARS: usize = 1000;

/// What a round of marking is called on the grader's screen and the chief's dashboard.
pub fn round_name(slot: i64) -> &'static str {
    match slot {
        1 => "第一评",
        2 => "第二评",
        3 => "第三评（仲裁）",
        _ => "复评（申诉）",
    }
}

/// A task with what the grader marks it against: the question and its rubric (never who wrote
/// the answer).
pub struct TaskToMark {
    pub task: MarkingTask,
    pub question: String,
    pub rubric: Vec<RubricPoint>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct QuestionProgress {
    pub item_id: String,
    pub answers: usize,
    pub unmarked: usize,
    pub marked_once: usize,
    pub marked_twice: usize,
    pub disputed: usize,
    pub appeal: usize,
    pub final_: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GraderStats {
    pub grader_id: i64,
    pub name: String,
    pub count: usize,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    /// Share of their double-marked answers where the co-marker was within the tolerance.
    pub agreement: Option<f64>,
    /// Mean of (their mark − co-marker's): positive is lenient, negative harsh.
    pub mean_difference: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerMarks {
    pub answer: i64,
    pub item_id: String,
    pub status: AnswerStatus,
    pub final_mark: Option<Points>,
    /// (mark id, round, grader id, mark, superseded)
    pub marks: Vec<(i64, &'static str, i64, Points, bool)>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Dashboard {
    pub questions: Vec<QuestionProgress>,
    pub graders: Vec<GraderStats>,
    pub disputed: Vec<AnswerMarks>,
}

/// One grader's assignment in an event.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct GraderAssignment {
    pub username: String,
    pub name: String,
    pub role_name: &'static str,
    /// The open questions (item ids) assigned.
    pub items: Vec<String>,
    /// How many open questions the event has in all.
    pub open_items: usize,
}

impl Exam {
    /// The next answer for `grader` to mark in the event (`None` when there is none now); the chief
    /// grader also takes third markings.
    pub async fn next_task(&self, grader: &Session, event: i64) -> ServiceResult<Option<TaskToMark>> {
        let loaded = self.event(event).await?;
        let third = grader.role == "chief";
        let Some(task) = self
            .store
            .next_marking_task(event, grader.subject_id, third, self.now(), LEASE_MS)
            .await?
        else {
            return Ok(None);
        };
        let item = loaded
            .bank
            .items
            .iter()
            .find(|i| i.id.as_str() == task.item_id)
            .ok_or_else(|| {
                ServiceError::Store(crate::store::StoreError::Corrupt(format!(
                    "frozen item {} missing",
                    task.item_id
                )))
            })?;
        let ItemBody::Open { rubric } = &item.body else {
            return Err(ServiceError::Store(crate::store::StoreError::Corrupt(format!(
                "item {} is not open",
                task.item_id
            ))));
        };
        Ok(Some(TaskToMark {
            question: item.stem.clone(),
            rubric: rubric.clone(),
            task,
        }))
    }

    /// Records a grader's mark on a task leased to them; returns where the answer stands now.
    pub async fn record_mark(
        &self,
        grader: &Session,
        task: i64,
        mark: Points,
        comment: &str,
    ) -> ServiceResult<AnswerStatus> {
        let mark = check_mark(mark).map_err(|e| ServiceError::Invalid(e.to_string()))?;
        if comment.chars().count() > MAX_COMMENT_CHARS {
            return Err(ServiceError::Invalid(format!(
                "评语过长（最多 {MAX_COMMENT_CHARS} 字）"
            )));
        }
        match self
            .store
            .record_mark(
                task,
                grader.subject_id,
                &grader.actor(),
                mark,
                comment.trim(),
                self.now(),
            )
            .await?
        {
            MarkOutcome::Recorded { status } => Ok(status),
            MarkOutcome::AlreadyMarked => Err(Refusal::AlreadyMarked.into()),
            MarkOutcome::NotYours => Err(Refusal::TaskNotYours.into()),
        }
    }

    /// The chief grader's view: progress per question, each grader's statistics, the disputes.
    pub async fn marking_dashboard(&self, event: i64) -> ServiceResult<Dashboard> {
        self.event(event).await?;
        let policy = self.store.marking_policy(event).await?;
        let answers = self.store.event_open_answers(event).await?;
        let mut questions: BTreeMap<String, QuestionProgress> = BTreeMap::new();
        // grader → their marks, and differences with co-markers.
        let mut per_grader: HashMap<i64, (Vec<i64>, Vec<i64>)> = HashMap::new();
        let mut disputed = Vec::new();
        for a in &answers {
            let q = questions.entry(a.item_id.clone()).or_insert_with(|| QuestionProgress {
                item_id: a.item_id.clone(),
                ..Default::default()
            });
            q.answers += 1;
            let active: Vec<_> = a.marks.iter().filter(|m| !m.superseded).collect();
            match a.status {
                AnswerStatus::Final => q.final_ += 1,
                AnswerStatus::Disputed => q.disputed += 1,
                AnswerStatus::Appeal => q.appeal += 1,
                AnswerStatus::Marking => match active.len() {
                    0 => q.unmarked += 1,
                    1 => q.marked_once += 1,
                    _ => q.marked_twice += 1,
                },
            }
            if a.status == AnswerStatus::Final && active.iter().filter(|m| m.marker_slot <= 2).count() >= 2 {
                q.marked_twice += 1;
            }
            for m in &active {
                per_grader.entry(m.grader_id).or_default().0.push(m.mark.hundredths());
            }
            let pair: Vec<_> = active.iter().filter(|m| m.marker_slot <= 2).collect();
            if let [x, y] = pair[..] {
                per_grader
                    .entry(x.grader_id)
                    .or_default()
                    .1
                    .push(x.mark.hundredths() - y.mark.hundredths());
                per_grader
                    .entry(y.grader_id)
                    .or_default()
                    .1
                    .push(y.mark.hundredths() - x.mark.hundredths());
            }
            if matches!(a.status, AnswerStatus::Disputed | AnswerStatus::Appeal) {
                disputed.push(AnswerMarks {
                    answer: a.open_answer_id,
                    item_id: a.item_id.clone(),
                    status: a.status,
                    final_mark: a.final_mark,
                    marks: a
                        .marks
                        .iter()
                        .map(|m| (m.id, round_name(m.marker_slot), m.grader_id, m.mark, m.superseded))
                        .collect(),
                });
            }
        }
        let mut graders = Vec::new();
        for (id, (marks, diffs)) in per_grader {
            let name = self
                .store
                .account(id)
                .await?
                .map_or_else(|| format!("#{id}"), |a| a.display_name);
            // Statistics are descriptive, so floats are fine here; the marks themselves stay exact.
            let n = marks.len() as f64;
            let mean = (n > 0.0).then(|| marks.iter().sum::<i64>() as f64 / n / 100.0);
            let sd = (n > 1.0).then(|| {
                let m = mean.unwrap_or(0.0);
                (marks.iter().map(|x| (*x as f64 / 100.0 - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
            });
            let agreement = (!diffs.is_empty()).then(|| {
                diffs
                    .iter()
                    .filter(|d| d.abs() <= policy.tolerance.hundredths())
                    .count() as f64
                    / diffs.len() as f64
            });
            let mean_difference =
                (!diffs.is_empty()).then(|| diffs.iter().sum::<i64>() as f64 / diffs.len() as f64 / 100.0);
            graders.push(GraderStats {
                grader_id: id,
                name,
                count: marks.len(),
                mean,
                sd,
                agreement,
                mean_difference,
            });
        }
        graders.sort_by_key(|g| g.grader_id);
        Ok(Dashboard {
            questions: questions.into_values().collect(),
            graders,
            disputed,
        })
    }

    /// The chief grader re-opens a mark: it is superseded (never deleted) and the answer goes back
    /// to a grader.
    pub async fn reopen_mark(&self, chief: &Session, mark: i64, reason: &str) -> ServiceResult<()> {
        if reason.trim().is_empty() {
            return Err(ServiceError::Invalid("请填写重评原因".into()));
        }
        if !self
            .store
            .reopen_mark(mark, &chief.actor(), reason.trim(), self.now())
            .await?
        {
            return Err(NotFound::Mark(mark).into());
        }
        Ok(())
    }

    /// The event's marking policy (double marking and the tolerance).
    pub async fn set_marking_policy(&self, event: i64, double: bool, tolerance: Points) -> ServiceResult<()> {
        if tolerance < Points::ZERO || tolerance > MAX_MARK || !tolerance.is_half_step() {
            return Err(ServiceError::Invalid(format!(
                "误差阈值 {tolerance} 应为 0–20 分、以 0.5 分为单位"
            )));
        }
        self.event(event).await?;
        self.store
            .set_marking_policy(event, &MarkingPolicy { double, tolerance })
            .await?;
        Ok(())
    }

    /// Assigns a grader (or chief) to one open question of the event (`item_id`), or to every
    /// open question the event's papers can carry (`None`: the whole open part).
    pub async fn assign_grader(&self, event: i64, username: &str, item_id: Option<&str>) -> ServiceResult<usize> {
        let account = self
            .store
            .account_by_username(username)
            .await?
            .ok_or_else(|| ServiceError::Invalid(format!("用户“{username}”不存在")))?;
        if account.role != "grader" && account.role != "chief" {
            return Err(ServiceError::Invalid(format!(
                "用户“{username}”不是阅卷人员（角色：{}）",
                super::staff::role_zh(&account.role)
            )));
        }
        let loaded = self.event(event).await?;
        let open: Vec<&str> = loaded
            .bank
            .items
            .iter()
            .filter(|i| i.kind() == question_bank::ItemKind::Open)
            .map(|i| i.id.as_str())
            .filter(|id| item_id.is_none_or(|wanted| wanted == *id))
            .collect();
        if open.is_empty() {
            return Err(ServiceError::Invalid(match item_id {
                Some(id) => format!("考试 {event} 中没有开放题“{id}”"),
                None => format!("考试 {event} 还没有开放题（草稿发布后才冻结题目）"),
            }));
        }
        for id in &open {
            self.store.assign_grader(event, id, account.id).await?;
        }
        Ok(open.len())
    }

    /// Who marks what in the event: each grader or chief with an assignment, and the open
    /// questions assigned to them out of how many the event has.
    pub async fn grader_assignments(&self, event: i64) -> ServiceResult<Vec<GraderAssignment>> {
        let loaded = self.event(event).await?;
        let open_items = loaded
            .bank
            .items
            .iter()
            .filter(|i| i.kind() == question_bank::ItemKind::Open)
            .count();
        let mut out: Vec<GraderAssignment> = Vec::new();
        for row in self.store.grader_assignments(event).await? {
            match out.last_mut() {
                Some(g) if g.username == row.username => g.items.push(row.item_id),
                _ => out.push(GraderAssignment {
                    role_name: super::staff::role_zh(&row.role),
                    username: row.username,
                    name: row.display_name,
                    items: vec![row.item_id],
                    open_items,
                }),
            }
        }
        Ok(out)
    }

    /// Re-opens one candidate's open answer for re-marking by a grader who has not marked it.
    pub async fn appeal(&self, event: i64, ticket: &str, open_no: i64, reason: &str, actor: &str) -> ServiceResult<()> {
        if reason.trim().is_empty() {
            return Err(ServiceError::Invalid("请填写申诉复评的原因".into()));
        }
        self.event(event).await?;
        let c = self
            .store
            .candidate_by_ticket(ticket)
            .await?
            .filter(|c| c.event_id == event)
            .ok_or_else(|| NotFound::TicketInEvent(ticket.to_string()))?;
        let answer = self
            .store
            .open_answer_id(c.id, open_no)
            .await?
            .ok_or_else(|| NotFound::OpenAnswer {
                ticket: ticket.to_string(),
                open_no,
            })?;
        self.store.appeal(answer, actor, reason.trim(), self.now()).await?;
        Ok(())
    }
}
