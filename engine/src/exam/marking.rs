//! The marking service: graders pull leased tasks of the open questions they are assigned to and
//! mark them blind (a task carries no candidate identity); the chief grader sees progress, grader
//! statistics and disputes, and may re-open a mark; the office sets the marking policy, assigns
//! graders and files appeals. The rules (marks needed, tolerance, third marker, the final mark)
//! are `exam_rules::marking`'s.

use std::collections::{BTreeMap, HashMap};

use question_bank::{ItemBody, Points, RubricPoint};
use rand::{RngExt, SeedableRng};
use serde::Serialize;
use utoipa::ToSchema;

use exam_rules::Refusal;
use exam_rules::marking::{MAX_MARK, MarkingPolicy, Round, TIE_RULE_ZH, check_mark};

use super::Exam;
use super::error::{NotFound, ServiceError, ServiceResult};
use crate::store::{AnswerStatus, AppealOutcome, MarkOutcome, MarkingTask, NewControl, Session};

/// How long a task stays with a grader before it returns to the queue.
pub const LEASE_MS: i64 = 20 * 60 * 1000;

/// The longest comment a grader may leave with a mark.
const MAX_COMMENT_CHARS: usize = 1000;

/// The longest control answer the chief may plant: as long as a candidate's answer may be.
const MAX_CONTROL_CHARS: usize = exam_rules::paper_shape::MAX_OPEN_CHARS;

/// A task with what the grader marks it against: the question and its rubric (never who wrote
/// the answer).
pub struct TaskToMark {
    pub task: MarkingTask,
    /// Named in the order the answer's marks are given.
    pub round: Round,
    pub question: String,
    /// The question's pictures, by their hash.
    pub images: Vec<String>,
    pub rubric: Vec<RubricPoint>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct QuestionProgress {
    pub item_id: String,
    /// The question's stem, shortened: what the chief and the office recognise it by.
    pub stem: String,
    pub answers: usize,
    pub unmarked: usize,
    pub marked_once: usize,
    pub marked_twice: usize,
    pub disputed: usize,
    pub appeal: usize,
    pub final_: usize,
    /// Tasks a grader holds now (leased, lease not lapsed).
    pub in_progress: usize,
    /// Waiting marks the chief handed to graders (shared out evenly); 0 when graders take
    /// answers as they are ready.
    pub handed_out: usize,
}

/// A question's answers as shared out evenly.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShareView {
    pub item_id: String,
    pub stem: String,
    /// Graders (not chiefs) assigned to it.
    pub graders: usize,
    /// First and second marks its answers need in all.
    pub marks: usize,
    /// The fewest and the most one grader gives (given and handed).
    pub least: usize,
    pub most: usize,
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
    /// Median time from taking an answer to marking it (milliseconds).
    pub median_ms: Option<i64>,
    /// Share of their first and second marks whose answer went to a third marker.
    pub third_share: Option<f64>,
    /// Control answers (质检卷) they have marked.
    pub control_count: usize,
    /// Mean of (their mark − the agreed mark) over those: positive is lenient, negative harsh.
    pub control_deviation: Option<f64>,
    /// Mean of |their mark − the agreed mark|: how far off they are, either way.
    pub control_abs_deviation: Option<f64>,
}

/// A control answer (质检卷) on the chief's dashboard.
#[derive(Debug, Serialize, ToSchema)]
pub struct ControlView {
    pub id: i64,
    pub item_id: String,
    /// The question's stem, shortened.
    pub stem: String,
    /// The answer's opening words.
    pub answer: String,
    pub agreed_mark: Points,
    pub planted_by: String,
    pub planted_ms: i64,
    /// Graders it was planted for, and how many have marked it.
    pub planted_for: usize,
    pub marked: usize,
    /// Each mark given, in the order given.
    pub marks: Vec<ControlMark>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ControlMark {
    pub grader_id: i64,
    pub name: String,
    pub mark: Points,
    /// The mark − the agreed mark.
    pub deviation: Points,
}

/// A control answer as planted.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlantedControl {
    pub id: i64,
    /// How many graders will be offered it.
    pub graders: usize,
}

/// What the dashboard gathers of one grader while it reads the answers.
#[derive(Default)]
struct Tally {
    /// Their standing marks (hundredths).
    marks: Vec<i64>,
    /// Their mark − the co-marker's, per double-marked answer.
    diffs: Vec<i64>,
    /// Milliseconds from lease to mark.
    times: Vec<i64>,
    independent: usize,
    sent_to_third: usize,
    /// Their mark − the agreed mark, per control answer marked (hundredths).
    control_diffs: Vec<i64>,
}

/// The mean of hundredths, in points (a descriptive figure: a float is fine here).
fn mean_points(values: impl Iterator<Item = i64>) -> Option<f64> {
    let (sum, n) = values.fold((0i64, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum as f64 / n as f64 / 100.0)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerMarks {
    pub answer: i64,
    pub item_id: String,
    pub status: AnswerStatus,
    pub final_mark: Option<Points>,
    /// (mark id, round, grader id, mark, superseded), in the order the marks were given.
    pub marks: Vec<(i64, &'static str, i64, Points, bool)>,
    /// When the third marking or appeal re-mark it waits for was queued (its age is now − this).
    pub waiting_since_ms: Option<i64>,
    /// Who takes it: 阅卷组长 for a third marking, or for an appeal once every grader of the
    /// question has marked the answer; otherwise a grader of the question who has not marked it.
    pub waiting_for: Option<&'static str>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Dashboard {
    pub questions: Vec<QuestionProgress>,
    pub graders: Vec<GraderStats>,
    /// Answers in dispute or under appeal, oldest waiting first.
    pub disputed: Vec<AnswerMarks>,
    /// Control answers (质检卷), oldest first.
    pub controls: Vec<ControlView>,
    /// The server's clock when this was read (ages are measured against it).
    pub now_ms: i64,
}

/// The marking policy as the office sees and sets it, with the rule that settles three marks.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyView {
    pub double: bool,
    pub tolerance: Points,
    /// How the final mark is reached, in Chinese (the tie rule included).
    pub rule: &'static str,
}

/// An open question the event's papers can carry, as the office assigns graders to it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct OpenQuestion {
    pub item_id: String,
    /// The stem, shortened.
    pub stem: String,
    /// Answers handed in so far.
    pub answers: usize,
    /// The graders and chiefs assigned to it (names).
    pub graders: Vec<String>,
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

/// The stem of `item_id` in `bank`, shortened (empty when the bank has no such item).
fn stem_of(bank: &question_bank::Bank, item_id: &str) -> String {
    bank.items
        .iter()
        .find(|i| i.id.as_str() == item_id)
        .map(|i| short_stem(&i.stem))
        .unwrap_or_default()
}

/// A question's stem cut to what fits a table cell.
pub fn short_stem(stem: &str) -> String {
    const MAX: usize = 40;
    let stem = stem.trim();
    if stem.chars().count() <= MAX {
        stem.to_string()
    } else {
        stem.chars().take(MAX).chain(std::iter::once('…')).collect()
    }
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
            // Nothing now: say so plainly to a grader who has nothing to mark in this event at all.
            if !third && !self.store.has_grader_assignment(event, grader.subject_id).await? {
                return Err(Refusal::NotAssigned.into());
            }
            if !third && self.store.share_done(event, grader.subject_id).await? {
                return Err(Refusal::ShareDone.into());
            }
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
            round: Round::of(task.marker_slot, task.independent_before as usize),
            question: item.stem.clone(),
            images: item.images.iter().map(|i| i.sha256.clone()).collect(),
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
        let loaded = self.event(event).await?;
        let policy = self.store.marking_policy(event).await?;
        let answers = self.store.event_open_answers(event).await?;
        let leased = self.store.leased_tasks_per_item(event, self.now()).await?;
        let handed = self.store.handed_out_per_item(event).await?;
        let mut questions: BTreeMap<String, QuestionProgress> = BTreeMap::new();
        let mut per_grader: HashMap<i64, Tally> = HashMap::new();
        let mut disputed = Vec::new();
        for a in &answers {
            let q = questions.entry(a.item_id.clone()).or_insert_with(|| QuestionProgress {
                item_id: a.item_id.clone(),
                stem: stem_of(&loaded.bank, &a.item_id),
                in_progress: leased.get(&a.item_id).copied().unwrap_or(0),
                handed_out: handed.get(&a.item_id).copied().unwrap_or(0),
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
            let went_to_third =
                a.marks.iter().any(|m| m.marker_slot == crate::store::THIRD_SLOT) || a.status == AnswerStatus::Disputed;
            for m in &active {
                let t = per_grader.entry(m.grader_id).or_default();
                t.marks.push(m.mark.hundredths());
                if let Some(leased) = m.leased_ms {
                    t.times.push(m.at_ms - leased);
                }
                if m.marker_slot < crate::store::THIRD_SLOT {
                    t.independent += 1;
                    t.sent_to_third += usize::from(went_to_third);
                }
            }
            let pair: Vec<_> = active.iter().filter(|m| m.marker_slot <= 2).collect();
            if let [x, y] = pair[..] {
                per_grader
                    .entry(x.grader_id)
                    .or_default()
                    .diffs
                    .push(x.mark.hundredths() - y.mark.hundredths());
                per_grader
                    .entry(y.grader_id)
                    .or_default()
                    .diffs
                    .push(y.mark.hundredths() - x.mark.hundredths());
            }
            if matches!(a.status, AnswerStatus::Disputed | AnswerStatus::Appeal) {
                let slots: Vec<(i64, bool)> = a.marks.iter().map(|m| (m.marker_slot, m.superseded)).collect();
                let graders_left = a.status == AnswerStatus::Appeal
                    && self
                        .store
                        .graders_who_have_not_marked(event, &a.item_id, a.open_answer_id)
                        .await?
                        > 0;
                disputed.push(AnswerMarks {
                    answer: a.open_answer_id,
                    item_id: a.item_id.clone(),
                    status: a.status,
                    final_mark: a.final_mark,
                    marks: a
                        .marks
                        .iter()
                        .zip(Round::in_order(&slots))
                        .map(|(m, round)| (m.id, round.name_zh(), m.grader_id, m.mark, m.superseded))
                        .collect(),
                    waiting_since_ms: a.waiting_since_ms,
                    waiting_for: a.waiting_since_ms.map(|_| {
                        if graders_left {
                            "未评过此答卷的阅卷人"
                        } else {
                            "阅卷组长"
                        }
                    }),
                });
            }
        }
        let stored_controls = self.store.event_controls(event).await?;
        for c in &stored_controls {
            for t in &c.tasks {
                if let Some(mark) = t.mark {
                    per_grader
                        .entry(t.grader_id)
                        .or_default()
                        .control_diffs
                        .push(mark.hundredths() - c.agreed_mark.hundredths());
                }
            }
        }
        let mut names: HashMap<i64, String> = HashMap::new();
        let mut graders = Vec::new();
        for (id, mut tally) in per_grader {
            let (marks, diffs) = (&tally.marks, &tally.diffs);
            let name = self
                .store
                .account(id)
                .await?
                .map_or_else(|| format!("#{id}"), |a| a.display_name);
            names.insert(id, name.clone());
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
            let mean_difference = mean_points(diffs.iter().copied());
            tally.times.sort_unstable();
            let median_ms = (!tally.times.is_empty()).then(|| tally.times[tally.times.len() / 2]);
            let third_share = (tally.independent > 0).then(|| tally.sent_to_third as f64 / tally.independent as f64);
            graders.push(GraderStats {
                grader_id: id,
                name,
                count: marks.len(),
                mean,
                sd,
                agreement,
                mean_difference,
                median_ms,
                third_share,
                control_count: tally.control_diffs.len(),
                control_deviation: mean_points(tally.control_diffs.iter().copied()),
                control_abs_deviation: mean_points(tally.control_diffs.iter().map(|d| d.abs())),
            });
        }
        let controls = stored_controls
            .into_iter()
            .map(|c| {
                // The marks given, in the order given.
                let mut given: Vec<(i64, i64, Points)> = c
                    .tasks
                    .iter()
                    .filter_map(|t| Some((t.marked_ms?, t.grader_id, t.mark?)))
                    .collect();
                given.sort_by_key(|(at, _, _)| *at);
                let marks: Vec<ControlMark> = given
                    .into_iter()
                    .map(|(_, grader_id, mark)| ControlMark {
                        grader_id,
                        name: names
                            .get(&grader_id)
                            .cloned()
                            .unwrap_or_else(|| format!("#{grader_id}")),
                        mark,
                        deviation: Points::from_hundredths(mark.hundredths() - c.agreed_mark.hundredths()),
                    })
                    .collect();
                ControlView {
                    stem: stem_of(&loaded.bank, &c.item_id),
                    answer: short_stem(&c.body),
                    planted_for: c.tasks.len(),
                    marked: marks.len(),
                    marks,
                    id: c.id,
                    item_id: c.item_id,
                    agreed_mark: c.agreed_mark,
                    planted_by: c.planted_by,
                    planted_ms: c.planted_ms,
                }
            })
            .collect();
        graders.sort_by_key(|g| g.grader_id);
        disputed.sort_by_key(|d| (d.waiting_since_ms.unwrap_or(i64::MAX), d.answer));
        Ok(Dashboard {
            questions: questions.into_values().collect(),
            graders,
            disputed,
            controls,
            now_ms: self.now(),
        })
    }

    /// The chief grader plants a control answer (质检卷) with the agreed mark: every grader
    /// assigned to the question is offered it, unmarked as such, after a few more marks of their
    /// own (1–5, at random, so it does not follow the planting at once), or when nothing else is
    /// left for them. Its marks are compared with the agreed mark on the dashboard and never
    /// count for anyone.
    pub async fn plant_control(
        &self,
        chief: &Session,
        event: i64,
        item_id: &str,
        answer: &str,
        agreed: Points,
    ) -> ServiceResult<PlantedControl> {
        let agreed = check_mark(agreed).map_err(|e| ServiceError::Invalid(format!("约定{e}")))?;
        let answer = answer.trim();
        if answer.is_empty() {
            return Err(ServiceError::Invalid("请填写质检卷的答卷内容".into()));
        }
        if answer.chars().count() > MAX_CONTROL_CHARS {
            return Err(ServiceError::Invalid(format!(
                "质检卷答卷过长（最多 {MAX_CONTROL_CHARS} 字）"
            )));
        }
        if !self.open_questions(event).await?.iter().any(|q| q.item_id == item_id) {
            return Err(ServiceError::Invalid(format!(
                "试题 {item_id} 不是本场考试的开放式试题"
            )));
        }
        // When each grader meets it: unpredictable, and a Send generator (the store call awaits).
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(crate::auth::random_seed());
        match self
            .store
            .plant_control(
                &NewControl {
                    event_id: event,
                    item_id,
                    body: answer,
                    agreed,
                    actor: &chief.actor(),
                    now: self.now(),
                },
                |_| rng.random_range(1..=5),
            )
            .await?
        {
            Some((id, graders)) => Ok(PlantedControl { id, graders }),
            None => Err(ServiceError::Invalid(format!(
                "试题 {item_id} 尚未分配阅卷人，无法投放质检卷"
            ))),
        }
    }

    /// The chief grader shares the answers out evenly (`even`): every first or second mark still
    /// waiting is handed to one grader of its question so the graders' shares differ by at most
    /// one where the answers allow (`store::shares`); handing out again starts from what is
    /// given. Or (`!even`) whoever is ready takes any answer again.
    pub async fn set_shares(&self, chief: &Session, event: i64, even: bool) -> ServiceResult<Vec<ShareView>> {
        let loaded = self.event(event).await?;
        if !even {
            self.store.share_freely(event, &chief.actor(), self.now()).await?;
            return Ok(Vec::new());
        }
        let shares = self.store.share_out(event, &chief.actor(), self.now()).await?;
        if shares.is_empty() {
            return Err(ServiceError::Invalid(
                "尚无可分配的答卷（没有已交的开放题答卷，或答卷所在的试题尚未分配阅卷人）".into(),
            ));
        }
        Ok(shares
            .into_iter()
            .map(|s| ShareView {
                stem: stem_of(&loaded.bank, &s.item_id),
                item_id: s.item_id,
                graders: s.graders,
                marks: s.marks,
                least: s.least,
                most: s.most,
            })
            .collect())
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

    /// The chief re-opens every standing mark one grader gave in the event (answers under appeal
    /// excepted): each is kept but superseded and its answer goes back to the queue for a grader
    /// who has not marked it; each re-open is audited with the reason. Returns how many.
    pub async fn reopen_grader(&self, chief: &Session, event: i64, grader: i64, reason: &str) -> ServiceResult<usize> {
        if reason.trim().is_empty() {
            return Err(ServiceError::Invalid("请填写重评原因".into()));
        }
        self.event(event).await?;
        let marks: Vec<i64> = self
            .store
            .event_open_answers(event)
            .await?
            .iter()
            .filter(|a| a.status != AnswerStatus::Appeal)
            .flat_map(|a| {
                a.marks
                    .iter()
                    .filter(|m| !m.superseded && m.grader_id == grader)
                    .map(|m| m.id)
            })
            .collect();
        let mut reopened = 0;
        for mark in marks {
            if self
                .store
                .reopen_mark(mark, &chief.actor(), reason.trim(), self.now())
                .await?
            {
                reopened += 1;
            }
        }
        Ok(reopened)
    }

    /// The event's marking policy, with the rule that settles the final mark.
    pub async fn marking_policy(&self, event: i64) -> ServiceResult<PolicyView> {
        self.event(event).await?;
        let p = self.store.marking_policy(event).await?;
        Ok(PolicyView {
            double: p.double,
            tolerance: p.tolerance,
            rule: TIE_RULE_ZH,
        })
    }

    /// The event's marking policy (double marking and the tolerance). Answers already queued keep
    /// the number of marks they were queued with.
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

    /// Every open question the event's papers can carry (its frozen items), with the answers
    /// handed in so far and who is assigned to mark it.
    pub async fn open_questions(&self, event: i64) -> ServiceResult<Vec<OpenQuestion>> {
        let loaded = self.event(event).await?;
        let assigned = self.store.grader_assignments(event).await?;
        let answers = self.store.open_answers_per_item(event).await?;
        Ok(loaded
            .bank
            .items
            .iter()
            .filter(|i| i.kind() == question_bank::ItemKind::Open)
            .map(|i| OpenQuestion {
                item_id: i.id.to_string(),
                stem: short_stem(&i.stem),
                answers: answers.get(i.id.as_str()).copied().unwrap_or(0),
                graders: assigned
                    .iter()
                    .filter(|g| g.item_id == i.id.as_str())
                    .map(|g| g.display_name.clone())
                    .collect(),
            })
            .collect())
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
        match self.store.appeal(answer, actor, reason.trim(), self.now()).await? {
            AppealOutcome::Filed => Ok(()),
            AppealOutcome::NoAnswer => Err(NotFound::OpenAnswer {
                ticket: ticket.to_string(),
                open_no,
            }
            .into()),
            AppealOutcome::Pending => Err(Refusal::AppealPending.into()),
            AppealOutcome::NotFinal => Err(Refusal::AppealBeforeFinal.into()),
        }
    }
}
