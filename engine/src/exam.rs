//! The exam service: turns stored facts into papers and results. Papers are never stored; they
//! are regenerated from the event's frozen items and the sitting's seed (cheap, and it keeps the
//! invariant that a paper is regenerable from its seed). Shared by the web layer, the expiry
//! sweeper and the CLI.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use question_bank::{Bank, Paper, assemble};
use serde::Serialize;

use crate::clock::Clock;
use crate::store::{EventRow, SittingRow, Store, StoreError, Submission, SubmitOutcome};
use exam_rules::paper_shape::PaperShape;
use exam_rules::paper_shape::parse_open_choice;
use exam_rules::scoring::{MultiPolicy, score_objective};

/// An event with its frozen bank, loaded once per process.
pub struct LoadedEvent {
    pub row: EventRow,
    pub bank: Bank,
    /// The K fixed forms, when the event gives out forms.
    pub forms: Option<Vec<Paper>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExamError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the frozen items of event {0} cannot make a paper: {1}")]
    Assembly(i64, question_bank::AssemblyError),
    #[error("event {0} not found")]
    NoEvent(i64),
}

#[derive(Clone)]
pub struct Exam {
    pub store: Store,
    pub clock: Clock,
    events: Arc<Mutex<HashMap<i64, Arc<LoadedEvent>>>>,
    shapes: Arc<Mutex<HashMap<i64, Arc<PaperShape>>>>,
}

impl Exam {
    pub fn new(store: Store, clock: Clock) -> Exam {
        Exam {
            store,
            clock,
            events: Default::default(),
            shapes: Default::default(),
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    pub async fn event(&self, id: i64) -> Result<Arc<LoadedEvent>, ExamError> {
        if let Some(e) = self.events.lock().expect("event cache lock").get(&id) {
            return Ok(e.clone());
        }
        let row = self.store.event(id).await?.ok_or(ExamError::NoEvent(id))?;
        let items = self.store.event_items(id).await?;
        let bank = Bank {
            id: row.bank_id.clone(),
            name: row.name.clone(),
            description: None,
            items,
        };
        let forms = match row.forms {
            Some(k) if row.published => Some(
                assemble(&bank, &row.blueprint, row.seed, k)
                    .map_err(|e| ExamError::Assembly(id, e))?
                    .papers,
            ),
            _ => None,
        };
        let published = row.published;
        let loaded = Arc::new(LoadedEvent { row, bank, forms });
        // A draft has no items yet and changes when it is published: never cached.
        if published {
            self.events.lock().expect("event cache lock").insert(id, loaded.clone());
        }
        Ok(loaded)
    }

    /// The sitting's paper, office view (keys included): never sent to a candidate as is.
    pub async fn paper(&self, sitting: &SittingRow) -> Result<Paper, ExamError> {
        let event = self.event(sitting.event_id).await?;
        match &event.forms {
            Some(forms) => Ok(forms[(sitting.form as usize - 1) % forms.len()].clone()),
            None => {
                let mut papers = assemble(&event.bank, &event.row.blueprint, sitting.paper_seed, 1)
                    .map_err(|e| ExamError::Assembly(event.row.id, e))?
                    .papers;
                Ok(papers.remove(0))
            }
        }
    }

    /// What a save is checked against; cached per candidate (it is tiny and never changes).
    pub async fn shape(&self, sitting: &SittingRow) -> Result<Arc<PaperShape>, ExamError> {
        if let Some(s) = self.cached_shape(sitting.candidate_id) {
            return Ok(s);
        }
        let event = self.event(sitting.event_id).await?;
        let paper = self.paper(sitting).await?;
        Ok(self.keep_shape(sitting.candidate_id, &paper, &event))
    }

    /// The shape of a paper this node has already worked out (a save then needs no read).
    pub fn cached_shape(&self, candidate_id: i64) -> Option<Arc<PaperShape>> {
        self.shapes
            .lock()
            .expect("shape cache lock")
            .get(&candidate_id)
            .cloned()
    }

    /// Caches the shape of `candidate_id`'s `paper`. The candidate page fetches the paper before
    /// its first save, so serving the paper warms the cache: saves never wait for a read of
    /// the sitting, not even when thousands of candidates make their first save at once.
    pub fn keep_shape(&self, candidate_id: i64, paper: &Paper, event: &LoadedEvent) -> Arc<PaperShape> {
        let shape = Arc::new(PaperShape::of(paper, event.row.blueprint.open.answered));
        self.shapes
            .lock()
            .expect("shape cache lock")
            .insert(candidate_id, shape.clone());
        shape
    }

    /// Submits and scores a sitting (`by` is "candidate" or "system").
    pub async fn submit(&self, candidate_id: i64, by: &str) -> Result<SubmitOutcome, ExamError> {
        let Some(sitting) = self.store.sitting(candidate_id).await? else {
            return Ok(SubmitOutcome::NotStarted);
        };
        let event = self.event(sitting.event_id).await?;
        let paper = self.paper(&sitting).await?;
        let policy = event.row.multi_policy;
        let answered = event.row.blueprint.open.answered as usize;
        let now = self.now();
        let corrections = self.corrections_in_force(sitting.event_id).await?;
        Ok(self
            .store
            .submit_sitting(candidate_id, now, by, |answers| {
                let mut submission = build_submission(&paper, answers, policy, answered);
                apply_corrections(&mut submission, &paper, &corrections, policy);
                submission
            })
            .await?)
    }

    /// Submits every sitting whose time has run out; returns how many. Runs on every node
    /// periodically and at start-up (so a restart never leaves an expired sitting open).
    pub async fn sweep_expired(&self) -> Result<usize, ExamError> {
        let mut done = 0;
        loop {
            let expired = self.store.expired_sittings(self.now(), 200).await?;
            if expired.is_empty() {
                return Ok(done);
            }
            for id in expired {
                if let SubmitOutcome::Submitted { .. } = self.submit(id, "system").await? {
                    done += 1;
                }
            }
        }
    }

    /// Submits this one sitting if its time has run out (called when a candidate shows up, so
    /// they never see a stale "in progress" between sweeps).
    pub async fn submit_if_expired(&self, sitting: SittingRow) -> Result<SittingRow, ExamError> {
        if sitting.timer.is_some_and(|t| t.expired(self.now()))
            && sitting.state != exam_rules::sitting::SittingState::Submitted
        {
            self.submit(sitting.candidate_id, "system").await?;
            return Ok(self.store.sitting(sitting.candidate_id).await?.unwrap_or(sitting));
        }
        Ok(sitting)
    }
}

impl Exam {
    /// Every candidate's result as it stands now (the office's view).
    pub async fn results(&self, event_id: i64) -> Result<Vec<crate::results::CandidateResult>, ExamError> {
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
}

/// A correction the office makes to an item's key after the event.
#[derive(Debug, Clone)]
pub struct KeyCorrection {
    pub item_id: String,
    pub rule: exam_rules::scoring::KeyRule,
    pub reason: String,
}

/// One candidate whose result a rescoring changed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RescoreChange {
    pub ticket: String,
    pub name: String,
    pub old_total: question_bank::Points,
    pub new_total: question_bank::Points,
    pub old_verdict: &'static str,
    pub new_verdict: &'static str,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RescoreReport {
    pub item_id: String,
    pub responses: usize,
    pub rescored: usize,
    /// How many of the changed candidates' pass/fail changed.
    pub verdicts_changed: usize,
    pub changed: Vec<RescoreChange>,
}

#[derive(Debug, thiserror::Error)]
pub enum CorrectionError {
    #[error(transparent)]
    Exam(#[from] ExamError),
    #[error("{0}")]
    Invalid(String),
}

impl Exam {
    /// Corrects an item's key (or voids it) and rescores every sitting that had it. Released
    /// results change only when the office releases again.
    pub async fn correct_key(
        &self,
        event_id: i64,
        c: &KeyCorrection,
        actor: &str,
    ) -> Result<RescoreReport, CorrectionError> {
        use exam_rules::scoring::{KeyRule, score_response};
        let event = self.event(event_id).await?;
        let item = event
            .bank
            .items
            .iter()
            .find(|i| i.id.as_str() == c.item_id)
            .ok_or_else(|| CorrectionError::Invalid(format!("考试中没有题目“{}”", c.item_id)))?;
        let (kind, options, key) = match &item.body {
            question_bank::ItemBody::Choice { choice, options, key } => (*choice, options.len(), key),
            question_bank::ItemBody::Open { .. } => {
                return Err(CorrectionError::Invalid(format!(
                    "“{}”是开放题，不能更正答案",
                    c.item_id
                )));
            }
        };
        if c.reason.trim().is_empty() {
            return Err(CorrectionError::Invalid("请填写更正原因".into()));
        }
        if let KeyRule::Rekey { accepted } = &c.rule {
            if accepted.is_empty() {
                return Err(CorrectionError::Invalid("请给出更正后的答案".into()));
            }
            for a in accepted {
                let ok = !a.is_empty()
                    && a.chars()
                        .all(|ch| question_bank::Label::from_char(ch).is_some_and(|l| l.index() < options));
                let size_ok = match kind {
                    question_bank::ChoiceKind::Single => a.chars().count() == 1,
                    question_bank::ChoiceKind::Multi => a.chars().count() >= 2,
                };
                if !ok || !size_ok {
                    return Err(CorrectionError::Invalid(format!(
                        "答案“{a}”对{}无效（选项为 A–{}）",
                        kind.name_zh(),
                        question_bank::Label::from_index(options - 1)
                    )));
                }
            }
        }
        let under_way = self.store.sittings_under_way(event_id).await.map_err(ExamError::from)?;
        if under_way > 0 {
            return Err(CorrectionError::Invalid(format!(
                "还有 {under_way} 名考生正在考试（未交卷），请在全部交卷后再更正答案"
            )));
        }
        let points = event.row.blueprint.points_for(kind.into());
        let policy = event.row.multi_policy;
        let in_force = self.corrections_in_force(event_id).await?;
        let old_key = match in_force.get(&c.item_id) {
            Some(KeyRule::Void) => "作废".to_string(),
            Some(KeyRule::Rekey { accepted }) => accepted.join("|"),
            None => key.iter().map(|l| l.as_char()).collect(),
        };
        let (kind_str, accepted) = match &c.rule {
            KeyRule::Void => ("void", String::new()),
            KeyRule::Rekey { accepted } => ("rekey", accepted.join("|")),
        };
        // New points depend only on the response and the rule, so each group of equal
        // responses is scored once and moved with set-based updates.
        let groups = self
            .store
            .item_response_groups(event_id, &c.item_id)
            .await
            .map_err(ExamError::from)?;
        let moves: Vec<(String, i64, i64)> = groups
            .iter()
            .filter_map(|(response, old, _)| {
                let new = score_response(kind, response, &c.rule, points, policy).hundredths();
                (new != *old).then(|| (response.clone(), *old, new))
            })
            .collect();
        let record = crate::store::CorrectionRecord {
            event_id,
            item_id: &c.item_id,
            kind: kind_str,
            accepted: &accepted,
            old_key: &old_key,
            reason: c.reason.trim(),
            actor,
        };
        let rescored = self
            .store
            .apply_key_correction(&record, &moves, self.now())
            .await
            .map_err(ExamError::from)?;
        let rule = event.row.pass_rule();
        let mut changed: Vec<RescoreChange> = rescored
            .iter()
            .filter_map(|r| {
                let status = exam_rules::pass::ResultStatus::of(r.state, r.open_pending == 0);
                let points = question_bank::Points::from_hundredths;
                let (old_objective, open) = (points(r.objective), points(r.open_marks));
                let new_objective = points(r.objective + r.delta);
                let (old_total, new_total) = (old_objective + open, new_objective + open);
                let was = status.passed(&rule, old_objective, open);
                let is = status.passed(&rule, new_objective, open);
                (old_total != new_total || was != is).then(|| RescoreChange {
                    ticket: r.ticket.clone(),
                    name: r.name.clone(),
                    old_total,
                    new_total,
                    old_verdict: status.verdict_zh(was),
                    new_verdict: status.verdict_zh(is),
                })
            })
            .collect();
        changed.sort_by(|a, b| a.ticket.cmp(&b.ticket));
        Ok(RescoreReport {
            item_id: c.item_id.clone(),
            responses: groups.iter().map(|g| g.2 as usize).sum(),
            rescored: rescored.len(),
            verdicts_changed: changed.iter().filter(|ch| ch.old_verdict != ch.new_verdict).count(),
            changed,
        })
    }

    /// The key rule in force per corrected item of the event (the latest correction wins).
    pub async fn corrections_in_force(
        &self,
        event_id: i64,
    ) -> Result<HashMap<String, exam_rules::scoring::KeyRule>, ExamError> {
        Ok(self
            .store
            .key_corrections(event_id)
            .await?
            .into_iter()
            .map(|(item_id, kind, accepted, ..)| {
                let rule = if kind == "void" {
                    exam_rules::scoring::KeyRule::Void
                } else {
                    exam_rules::scoring::KeyRule::Rekey {
                        accepted: accepted.split('|').map(str::to_string).collect(),
                    }
                };
                (item_id, rule)
            })
            .collect())
    }
}

/// Applies the key corrections in force to a submission scored with the frozen keys (a sitting
/// submitted after a correction is scored as the corrected sittings were).
pub fn apply_corrections(
    submission: &mut Submission,
    paper: &Paper,
    rules: &HashMap<String, exam_rules::scoring::KeyRule>,
    policy: MultiPolicy,
) {
    if rules.is_empty() {
        return;
    }
    for ((_, item_id, _, bank_response, points), item) in submission.items.iter_mut().zip(&paper.objective) {
        if let Some(rule) = rules.get(item_id.as_str()) {
            let new =
                exam_rules::scoring::score_response(item.kind, bank_response, rule, item.points, policy).hundredths();
            submission.objective_total += new - *points;
            *points = new;
        }
    }
}

/// The pure part of submission: score the objective answers, collect the chosen open answers.
pub fn build_submission(
    paper: &Paper,
    answers: &[crate::store::AnswerRow],
    policy: MultiPolicy,
    open_answered: usize,
) -> Submission {
    let by_slot: HashMap<&str, &str> = answers.iter().map(|a| (a.slot.as_str(), a.value.as_str())).collect();
    let responses: BTreeMap<u32, String> = paper
        .objective
        .iter()
        .filter_map(|i| by_slot.get(i.no.to_string().as_str()).map(|v| (i.no, v.to_string())))
        .collect();
    let result = score_objective(paper, &responses, policy);
    let chosen = parse_open_choice(by_slot.get("open").copied().unwrap_or("")).unwrap_or_default();
    let open = paper
        .open
        .iter()
        .filter(|q| chosen.contains(&q.no))
        .take(open_answered)
        .map(|q| {
            (
                q.no,
                q.item_id.to_string(),
                by_slot
                    .get(format!("open-{}", q.no).as_str())
                    .copied()
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect();
    Submission {
        items: result
            .items
            .iter()
            .zip(&paper.objective)
            .map(|(i, item)| {
                (
                    i.no,
                    i.item_id.clone(),
                    i.response.clone(),
                    bank_labels(item, &i.response),
                    i.points.hundredths(),
                )
            })
            .collect(),
        objective_total: result.total.hundredths(),
        open,
    }
}

/// A response in the bank's option labels ("ACD" on the paper → the same options' bank labels,
/// sorted), so rescoring needs no paper.
pub fn bank_labels(item: &question_bank::PaperItem, response: &str) -> String {
    let mut labels: Vec<char> = response
        .chars()
        .filter_map(|c| {
            item.options
                .iter()
                .find(|o| o.label.as_char() == c)
                .map(|o| o.source.as_char())
        })
        .collect();
    labels.sort();
    labels.into_iter().collect()
}

/// What a candidate's page knows its paper by: a digest of the paper's id, which names the
/// bank's hash and the paper's seed (from which the event's seed, and so other candidates'
/// papers, could be worked out).
fn opaque_paper_id(paper_id: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("kaowu candidate paper id\n{paper_id}").as_bytes());
    format!("P{}", hex::encode(&digest[..12]))
}

/// The paper as a candidate receives it: no keys, no explanations, no rubrics, no bank labels.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CandidatePaper {
    pub paper_id: String,
    pub exam_name: String,
    pub duration_minutes: u32,
    pub total_points: i64,
    pub open_answered: u32,
    pub objective: Vec<CandidateItem>,
    pub open: Vec<CandidateOpen>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CandidateItem {
    pub no: u32,
    pub module: u8,
    pub module_name: &'static str,
    pub kind: question_bank::ChoiceKind,
    pub points: question_bank::Points,
    pub stem: String,
    pub options: Vec<CandidateOption>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CandidateOption {
    pub label: question_bank::Label,
    pub text: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CandidateOpen {
    pub no: u32,
    pub module: u8,
    pub module_name: &'static str,
    pub points: question_bank::Points,
    pub stem: String,
}

impl CandidatePaper {
    pub fn of(paper: &Paper, event: &EventRow) -> CandidatePaper {
        CandidatePaper {
            paper_id: opaque_paper_id(&paper.paper_id),
            exam_name: event.name.clone(),
            duration_minutes: (event.duration_ms / 60_000) as u32,
            total_points: event.blueprint.total_points,
            open_answered: event.blueprint.open.answered,
            objective: paper
                .objective
                .iter()
                .map(|i| CandidateItem {
                    no: i.no,
                    module: i.module.number(),
                    module_name: i.module.name_zh(),
                    kind: i.kind,
                    points: i.points,
                    stem: i.stem.clone(),
                    options: i
                        .options
                        .iter()
                        .map(|o| CandidateOption {
                            label: o.label,
                            text: o.text.clone(),
                        })
                        .collect(),
                })
                .collect(),
            open: paper
                .open
                .iter()
                .map(|q| CandidateOpen {
                    no: q.no,
                    module: q.module.number(),
                    module_name: q.module.name_zh(),
                    points: q.points,
                    stem: q.stem.clone(),
                })
                .collect(),
        }
    }
}
