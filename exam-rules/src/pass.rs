//! Whether a result is complete, and the pass rule: a total cut score and optional minimums for the
//! objective and the open part (exam-rules.md §4).

use question_bank::Points;
use serde::{Deserialize, Serialize};

use crate::sitting::SittingState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ResultStatus {
    /// Did not sit (never started).
    Absent,
    /// Still sitting, or open answers not final yet.
    Incomplete,
    Complete,
}

impl ResultStatus {
    /// From the sitting's state and whether every chosen open answer has its final mark.
    pub fn of(state: SittingState, open_all_final: bool) -> ResultStatus {
        match state {
            SittingState::NotStarted => ResultStatus::Absent,
            SittingState::Submitted if open_all_final => ResultStatus::Complete,
            _ => ResultStatus::Incomplete,
        }
    }

    /// Pass or fail under the pass rule; `None` until the result is complete.
    pub fn passed(self, rule: &PassRule, objective: Points, open: Points) -> Option<bool> {
        match self {
            ResultStatus::Complete => Some(rule.passes(objective, open)),
            ResultStatus::Absent => Some(false),
            ResultStatus::Incomplete => None,
        }
    }

    /// "合格" / "不合格" / "缺考" / "未完成".
    pub fn verdict_zh(self, passed: Option<bool>) -> &'static str {
        match (self, passed) {
            (ResultStatus::Absent, _) => "缺考",
            (_, Some(true)) => "合格",
            (_, Some(false)) => "不合格",
            (_, None) => "未完成",
        }
    }
}

/// The event's pass rule: a total cut score and optional per-section minimums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PassRule {
    pub total: Points,
    pub min_objective: Option<Points>,
    pub min_open: Option<Points>,
}

impl PassRule {
    /// Only a total cut score.
    pub fn total(total: Points) -> PassRule {
        PassRule {
            total,
            min_objective: None,
            min_open: None,
        }
    }

    pub fn passes(&self, objective: Points, open: Points) -> bool {
        objective + open >= self.total
            && self.min_objective.is_none_or(|m| objective >= m)
            && self.min_open.is_none_or(|m| open >= m)
    }

    /// "总分 ≥ 90 分，且客观题 ≥ 54 分、开放题 ≥ 36 分".
    pub fn describe_zh(&self) -> String {
        let mut parts = Vec::new();
        if let Some(m) = self.min_objective {
            parts.push(format!("客观题 ≥ {m} 分"));
        }
        if let Some(m) = self.min_open {
            parts.push(format!("开放题 ≥ {m} 分"));
        }
        if parts.is_empty() {
            format!("总分 ≥ {} 分", self.total)
        } else {
            format!("总分 ≥ {} 分，且{}", self.total, parts.join("、"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pass_rule_needs_the_total_and_every_section_minimum() {
        let p = Points::whole;
        let total_only = PassRule::total(p(90));
        assert!(total_only.passes(p(80), p(10)));
        assert!(!total_only.passes(p(80), Points::from_hundredths(950)));
        let sections = PassRule {
            total: p(90),
            min_objective: Some(p(54)),
            min_open: Some(p(36)),
        };
        assert!(sections.passes(p(54), p(36)), "minimums exactly met");
        assert!(
            !sections.passes(p(80), Points::from_hundredths(3550)),
            "open part half a point short"
        );
        assert!(
            !sections.passes(Points::from_hundredths(5350), p(40)),
            "objective part short"
        );
        assert!(
            !sections.passes(p(54), p(35)),
            "a point short of the total and of the open minimum"
        );
        assert_eq!(sections.describe_zh(), "总分 ≥ 90 分，且客观题 ≥ 54 分、开放题 ≥ 36 分");
        assert_eq!(total_only.describe_zh(), "总分 ≥ 90 分");
        assert_eq!(ResultStatus::Incomplete.passed(&sections, p(90), p(60)), None);
        assert_eq!(ResultStatus::Absent.passed(&sections, p(90), p(60)), Some(false));
        assert_eq!(ResultStatus::Complete.passed(&sections, p(54), p(35)), Some(false));
    }

    #[test]
    fn a_result_is_complete_when_handed_in_and_every_open_answer_is_final() {
        assert_eq!(ResultStatus::of(SittingState::NotStarted, true), ResultStatus::Absent);
        assert_eq!(ResultStatus::of(SittingState::Submitted, true), ResultStatus::Complete);
        assert_eq!(
            ResultStatus::of(SittingState::Submitted, false),
            ResultStatus::Incomplete
        );
        assert_eq!(ResultStatus::of(SittingState::Paused, true), ResultStatus::Incomplete);
        assert_eq!(ResultStatus::Absent.verdict_zh(Some(false)), "缺考");
        assert_eq!(ResultStatus::Incomplete.verdict_zh(None), "未完成");
    }
}
