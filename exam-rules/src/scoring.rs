//! Objective scoring. Single choice: full points for the key, else 0. Multiple choice under the
//! event's policy: `Exact` (the default: full points only for exactly the key) or `Partial`
//! (the common Chinese professional-exam rule: any wrong option gives 0, otherwise 0.5 per
//! correct option chosen, capped at the item's points).

use std::collections::BTreeMap;

use question_bank::{ChoiceKind, Paper, Points};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum MultiPolicy {
    #[default]
    Exact,
    Partial,
}

impl MultiPolicy {
    pub fn parse(s: &str) -> Option<MultiPolicy> {
        match s {
            "exact" => Some(MultiPolicy::Exact),
            "partial" => Some(MultiPolicy::Partial),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MultiPolicy::Exact => "exact",
            MultiPolicy::Partial => "partial",
        }
    }
}

/// Points per correct option chosen under the partial rule.
const PARTIAL_PER_OPTION: Points = Points::from_hundredths(50);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemScore {
    pub no: u32,
    pub item_id: String,
    pub response: String,
    pub points: Points,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectiveResult {
    pub items: Vec<ItemScore>,
    pub total: Points,
}

/// Scores every objective item of `paper`; `responses` maps paper number → chosen labels
/// ("ACD"); a missing or empty response scores 0.
pub fn score_objective(paper: &Paper, responses: &BTreeMap<u32, String>, policy: MultiPolicy) -> ObjectiveResult {
    let items: Vec<ItemScore> = paper
        .objective
        .iter()
        .map(|item| {
            let response = responses.get(&item.no).cloned().unwrap_or_default();
            let key: String = item.key.iter().map(|l| l.as_char()).collect();
            let points = score_against(item.kind, &response, std::slice::from_ref(&key), item.points, policy);
            ItemScore {
                no: item.no,
                item_id: item.item_id.to_string(),
                response,
                points,
            }
        })
        .collect();
    let total = items.iter().map(|i| i.points).sum();
    ObjectiveResult { items, total }
}

#[cfg(test)]
mod tests {
    use super::*;
    use question_bank::{Blueprint, Label, Module, OptionText, PaperItem};

    fn paper() -> Paper {
        let item = |no: u32, kind: ChoiceKind, key: &str| PaperItem {
            no,
            item_id: question_bank::ItemId::parse(&format!("X{no}")).unwrap(),
            module: Module::new(1).unwrap(),
            kind,
            points: Blueprint::cmq_2010().points_for(kind.into()),
            stem: "题干".into(),
            options: (0..5)
                .map(|i| OptionText {
                    label: Label::from_index(i),
                    text: format!("选项{i}"),
                    source: Label::from_index(i),
                })
                .collect(),
            key: key.chars().map(|c| Label::from_char(c).unwrap()).collect(),
            item_hash: question_bank::ContentHash("h".into()),
            images: Vec::new(),
        };
        Paper {
            paper_id: "p".into(),
            seed: 1,
            form: 1,
            blueprint: "cmq-2010".into(),
            bank_hash: "b".into(),
            objective: vec![
                item(1, ChoiceKind::Single, "B"),
                item(2, ChoiceKind::Multi, "ACD"),
                item(3, ChoiceKind::Multi, "AB"),
            ],
            open: vec![],
        }
    }

    fn score(policy: MultiPolicy, answers: &[(u32, &str)]) -> Vec<String> {
        let responses = answers.iter().map(|(n, v)| (*n, v.to_string())).collect();
        score_objective(&paper(), &responses, policy)
            .items
            .iter()
            .map(|i| i.points.to_string())
            .collect()
    }

    #[test]
    fn exact_policy() {
        assert_eq!(
            score(MultiPolicy::Exact, &[(1, "B"), (2, "ACD"), (3, "A")]),
            ["1", "2", "0"]
        );
        assert_eq!(score(MultiPolicy::Exact, &[(1, "C"), (2, "ACDE")]), ["0", "0", "0"]);
    }

    #[test]
    fn partial_policy_half_a_point_per_correct_option_and_nothing_for_any_wrong_one() {
        assert_eq!(score(MultiPolicy::Partial, &[(2, "A"), (3, "A")]), ["0", "0.5", "0.5"]);
        assert_eq!(score(MultiPolicy::Partial, &[(2, "AC")]), ["0", "1", "0"]);
        assert_eq!(score(MultiPolicy::Partial, &[(2, "ACD"), (3, "AB")]), ["0", "2", "2"]);
        assert_eq!(
            score(MultiPolicy::Partial, &[(2, "ACE"), (3, "ABC")]),
            ["0", "0", "0"],
            "a wrong option gives 0"
        );
        assert_eq!(
            score(MultiPolicy::Partial, &[(1, "B")]),
            ["1", "0", "0"],
            "single choice is never partial"
        );
    }

    #[test]
    fn total_is_exact() {
        let responses = [(1, "B".to_string()), (2, "A".to_string()), (3, "AB".to_string())]
            .into_iter()
            .collect();
        assert_eq!(
            score_objective(&paper(), &responses, MultiPolicy::Partial).total,
            Points::from_hundredths(350)
        );
    }
}

/// The key in force for an item after the event: the bank's, a correction, or void.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum KeyRule {
    /// Accepted answers in bank labels: for single choice each a single label ("B", "C" accepts
    /// either); for multiple choice the one key ("ACD").
    Rekey { accepted: Vec<String> },
    /// Every candidate gets the item's points, answered or not.
    Void,
}

/// Scores one response (in bank labels) under a key rule, as at submission.
pub fn score_response(kind: ChoiceKind, response: &str, rule: &KeyRule, points: Points, policy: MultiPolicy) -> Points {
    match rule {
        KeyRule::Void => points,
        KeyRule::Rekey { accepted } => score_against(kind, response, accepted, points, policy),
    }
}

/// The one scoring rule: full points for an accepted answer; under the partial policy a multiple
/// choice with no wrong option gets [`PARTIAL_PER_OPTION`] per option chosen (capped at the
/// item's points; against several accepted keys, the best); anything else 0.
fn score_against(kind: ChoiceKind, response: &str, accepted: &[String], points: Points, policy: MultiPolicy) -> Points {
    if response.is_empty() {
        return Points::ZERO;
    }
    if accepted.iter().any(|a| a == response) {
        return points;
    }
    match (kind, policy) {
        (ChoiceKind::Multi, MultiPolicy::Partial) => accepted
            .iter()
            .filter(|key| response.chars().all(|c| key.contains(c)))
            .map(|_| PARTIAL_PER_OPTION.times(response.chars().count() as i64).min(points))
            .max()
            .unwrap_or(Points::ZERO),
        _ => Points::ZERO,
    }
}

#[cfg(test)]
mod rescoring_tests {
    use super::*;

    #[test]
    fn corrected_and_voided_keys() {
        let also_c = KeyRule::Rekey {
            accepted: vec!["B".into(), "C".into()],
        };
        let one = Points::whole(1);
        assert_eq!(
            score_response(ChoiceKind::Single, "C", &also_c, one, MultiPolicy::Exact),
            one
        );
        assert_eq!(
            score_response(ChoiceKind::Single, "B", &also_c, one, MultiPolicy::Exact),
            one
        );
        assert_eq!(
            score_response(ChoiceKind::Single, "A", &also_c, one, MultiPolicy::Exact),
            Points::ZERO
        );
        assert_eq!(
            score_response(ChoiceKind::Single, "", &KeyRule::Void, one, MultiPolicy::Exact),
            one,
            "void: even a blank gets the point"
        );
        let acd = KeyRule::Rekey {
            accepted: vec!["ACD".into()],
        };
        let two = Points::whole(2);
        assert_eq!(
            score_response(ChoiceKind::Multi, "AC", &acd, two, MultiPolicy::Partial),
            Points::whole(1)
        );
        assert_eq!(
            score_response(ChoiceKind::Multi, "AC", &acd, two, MultiPolicy::Exact),
            Points::ZERO
        );
        assert_eq!(
            score_response(ChoiceKind::Multi, "ACE", &acd, two, MultiPolicy::Partial),
            Points::ZERO
        );
    }
}
