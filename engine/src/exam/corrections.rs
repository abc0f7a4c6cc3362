//! Key corrections after the event: the office corrects an item's key or voids it, and every
//! sitting that had the item is rescored at once under the one scoring rule
//! (`exam_rules::scoring`). Item results keep the points they earned at submission; the points in
//! force are recorded beside them (ARCHITECTURE.md, invariant 10).

use std::collections::HashMap;

use question_bank::Paper;
use serde::Serialize;

use super::Exam;
use super::error::{ServiceError, ServiceResult};
use crate::store::{Apply, Submission};
use exam_rules::scoring::{KeyRule, MultiPolicy};

/// A correction the office makes to an item's key after the event.
#[derive(Debug, Clone)]
pub struct KeyCorrection {
    pub item_id: String,
    pub rule: exam_rules::scoring::KeyRule,
    pub reason: String,
}

impl KeyCorrection {
    /// A correction as the office asks for it: either the accepted answers (in the bank's labels;
    /// ["B", "C"] accepts B or C, ["ACD"] for a multiple choice) or void, with a reason.
    pub fn of(item_id: String, accept: &[String], void: bool, reason: String) -> ServiceResult<KeyCorrection> {
        let rule = match (void, accept.is_empty()) {
            (true, true) => KeyRule::Void,
            (false, false) => KeyRule::Rekey {
                accepted: accept.iter().map(|a| a.trim().to_uppercase()).collect(),
            },
            _ => {
                return Err(ServiceError::Invalid(
                    "请二选一：给出更正后的答案（accept），或作废该题（void）".into(),
                ));
            }
        };
        Ok(KeyCorrection { item_id, rule, reason })
    }
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
    /// A preview: nothing was changed (the office commits the same correction to keep it).
    pub dry_run: bool,
    /// The key in force before, and the key after ("作废（全体给分）" for a void).
    pub old_key: String,
    pub new_key: String,
    pub responses: usize,
    pub rescored: usize,
    /// How many of the changed candidates' pass/fail changed.
    pub verdicts_changed: usize,
    /// How many candidates gain points, and how many lose.
    pub gains: usize,
    pub losses: usize,
    pub changed: Vec<RescoreChange>,
}

impl Exam {
    /// Corrects an item's key (or voids it) and rescores every sitting that had it. Released
    /// results change only when the office releases again.
    pub async fn correct_key(&self, event_id: i64, c: &KeyCorrection, actor: &str) -> ServiceResult<RescoreReport> {
        self.rescore(event_id, c, actor, Apply::Commit).await
    }

    /// What [`Exam::correct_key`] would do, without doing it: who gains, who loses, whose
    /// pass/fail changes. The same writes run and are rolled back, so the preview cannot differ
    /// from the commit (as long as nothing else changes in between).
    pub async fn preview_key_correction(&self, event_id: i64, c: &KeyCorrection) -> ServiceResult<RescoreReport> {
        self.rescore(event_id, c, "preview", Apply::DryRun).await
    }

    async fn rescore(
        &self,
        event_id: i64,
        c: &KeyCorrection,
        actor: &str,
        apply: Apply,
    ) -> ServiceResult<RescoreReport> {
        use exam_rules::scoring::score_response;
        let event = self.event(event_id).await?;
        let item = event
            .bank
            .items
            .iter()
            .find(|i| i.id.as_str() == c.item_id)
            .ok_or_else(|| ServiceError::Invalid(format!("考试中没有题目“{}”", c.item_id)))?;
        let (kind, options, key) = match &item.body {
            question_bank::ItemBody::Choice { choice, options, key } => (*choice, options.len(), key),
            question_bank::ItemBody::Open { .. } => {
                return Err(ServiceError::Invalid(format!("“{}”是开放题，不能更正答案", c.item_id)));
            }
        };
        if c.reason.trim().is_empty() {
            return Err(ServiceError::Invalid("请填写更正原因".into()));
        }
        if let KeyRule::Rekey { accepted } = &c.rule {
            if accepted.is_empty() {
                return Err(ServiceError::Invalid("请给出更正后的答案".into()));
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
                    return Err(ServiceError::Invalid(format!(
                        "答案“{a}”对{}无效（选项为 A–{}）",
                        kind.name_zh(),
                        question_bank::Label::from_index(options - 1)
                    )));
                }
            }
        }
        let under_way = self.store.sittings_under_way(event_id).await?;
        if under_way > 0 {
            return Err(ServiceError::Invalid(format!(
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
        let groups = self.store.item_response_groups(event_id, &c.item_id).await?;
        let moves: Vec<(String, i64, i64)> = groups
            .iter()
            .filter_map(|g| {
                let new = score_response(kind, &g.response, &c.rule, points, policy).hundredths();
                (new != g.points).then(|| (g.response.clone(), g.points, new))
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
            .apply_key_correction(&record, &moves, self.now(), apply)
            .await?;
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
        let new_key = match &c.rule {
            KeyRule::Void => "作废（全体给分）".to_string(),
            KeyRule::Rekey { accepted } => accepted.join(" 或 "),
        };
        Ok(RescoreReport {
            item_id: c.item_id.clone(),
            dry_run: apply == Apply::DryRun,
            old_key: old_key.replace('|', " 或 "),
            new_key,
            gains: changed.iter().filter(|ch| ch.new_total > ch.old_total).count(),
            losses: changed.iter().filter(|ch| ch.new_total < ch.old_total).count(),
            responses: groups.iter().map(|g| g.responses as usize).sum(),
            rescored: rescored.len(),
            verdicts_changed: changed.iter().filter(|ch| ch.old_verdict != ch.new_verdict).count(),
            changed,
        })
    }

    /// The key rule in force per corrected item of the event (the latest correction wins).
    pub async fn corrections_in_force(
        &self,
        event_id: i64,
    ) -> ServiceResult<HashMap<String, exam_rules::scoring::KeyRule>> {
        Ok(self
            .store
            .key_corrections(event_id)
            .await?
            .into_iter()
            .map(|k| {
                let rule = if k.kind == "void" {
                    KeyRule::Void
                } else {
                    KeyRule::Rekey {
                        accepted: k.accepted.split('|').map(str::to_string).collect(),
                    }
                };
                (k.item_id, rule)
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
