//! The blueprint: how many items of each kind a paper draws from each module, their points, the
//! open part and the sitting time. Data, not code: the 2010 CMQ table ships as
//! `blueprints/cmq-2010.toml`, and another year's distribution is another such file.

use serde::{Deserialize, Serialize};

use crate::item::{ChoiceKind, ItemKind};
use crate::module::Module;
use crate::points::Points;

/// The CMQ 2010 blueprint, compiled in so the engine works without any file beside it.
pub const CMQ_2010_TOML: &str = include_str!("../blueprints/cmq-2010.toml");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Blueprint {
    pub id: String,
    pub name: String,
    pub duration_minutes: u32,
    pub total_points: i64,
    pub objective_items: u32,
    pub objective_points: i64,
    pub single_points: i64,
    pub multi_points: i64,
    #[serde(rename = "module")]
    pub modules: Vec<ModuleRow>,
    pub open: OpenPart,
}

/// One module's share of the objective part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleRow {
    pub module: Module,
    pub single: u32,
    pub multi: u32,
    /// The stated points of the module, checked against single × 1 + multi × 2.
    pub points: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenPart {
    /// How many open questions the paper offers.
    pub offered: u32,
    /// How many of them the candidate answers.
    pub answered: u32,
    pub points: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlueprintError {
    #[error("蓝图文件格式错误：{0}")]
    Syntax(String),
    #[error("蓝图 {id} 不自洽：{problems}")]
    Inconsistent { id: String, problems: String },
}

impl Blueprint {
    pub fn cmq_2010() -> Blueprint {
        Blueprint::parse(CMQ_2010_TOML).expect("the shipped CMQ 2010 blueprint is valid")
    }

    /// Reads a blueprint and checks that it adds up.
    pub fn parse(text: &str) -> Result<Blueprint, BlueprintError> {
        let bp: Blueprint = toml::from_str(text).map_err(|e| BlueprintError::Syntax(e.to_string()))?;
        bp.check()?;
        Ok(bp)
    }

    /// Every stated total must equal the sum of its parts.
    pub fn check(&self) -> Result<(), BlueprintError> {
        let mut problems = Vec::new();
        let mut seen = Vec::new();
        for row in &self.modules {
            if seen.contains(&row.module) {
                problems.push(format!("模块 {} 出现了两次", row.module.number()));
            }
            seen.push(row.module);
            let computed = row.single as i64 * self.single_points + row.multi as i64 * self.multi_points;
            if computed != row.points {
                problems.push(format!(
                    "模块 {}：单选 {} × {} + 多选 {} × {} = {} 分，但写明为 {} 分",
                    row.module.number(),
                    row.single,
                    self.single_points,
                    row.multi,
                    self.multi_points,
                    computed,
                    row.points
                ));
            }
        }
        let items: u32 = self.modules.iter().map(|r| r.single + r.multi).sum();
        if items != self.objective_items {
            problems.push(format!(
                "各模块客观题合计 {items} 道，但写明为 {} 道",
                self.objective_items
            ));
        }
        let points: i64 = self.modules.iter().map(|r| r.points).sum();
        if points != self.objective_points {
            problems.push(format!(
                "各模块客观题合计 {points} 分，但写明为 {} 分",
                self.objective_points
            ));
        }
        if self.open.answered > self.open.offered {
            problems.push(format!(
                "开放题选答 {} 道，多于提供的 {} 道",
                self.open.answered, self.open.offered
            ));
        }
        let total = self.objective_points + self.open.answered as i64 * self.open.points;
        if total != self.total_points {
            problems.push(format!(
                "客观题 {} 分 + 开放题 {} × {} 分 = {total} 分，但试卷总分写明为 {} 分",
                self.objective_points, self.open.answered, self.open.points, self.total_points
            ));
        }
        if self.duration_minutes == 0 {
            problems.push("考试时长不能为 0".to_string());
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(BlueprintError::Inconsistent {
                id: self.id.clone(),
                problems: problems.join("；"),
            })
        }
    }

    /// How many items of `kind` the paper needs from `module` (open questions are not per module).
    pub fn needed(&self, module: Module, kind: ChoiceKind) -> u32 {
        self.modules
            .iter()
            .find(|r| r.module == module)
            .map_or(0, |r| match kind {
                ChoiceKind::Single => r.single,
                ChoiceKind::Multi => r.multi,
            })
    }

    pub fn points_for(&self, kind: ItemKind) -> Points {
        Points::whole(match kind {
            ItemKind::Single => self.single_points,
            ItemKind::Multi => self.multi_points,
            ItemKind::Open => self.open.points,
        })
    }

    pub fn total(&self) -> Points {
        Points::whole(self.total_points)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmq_2010_matches_the_rules_table() {
        let bp = Blueprint::cmq_2010();
        let rows: Vec<(u8, u32, u32)> = bp
            .modules
            .iter()
            .map(|r| (r.module.number(), r.single, r.multi))
            .collect();
        assert_eq!(
            rows,
            vec![(1, 2, 1), (2, 12, 4), (3, 4, 1), (4, 8, 2), (5, 12, 6), (6, 12, 6)]
        );
        assert_eq!((bp.open.offered, bp.open.answered, bp.open.points), (5, 3, 20));
        assert_eq!((bp.total_points, bp.duration_minutes), (150, 180));
    }

    #[test]
    fn a_blueprint_that_does_not_add_up_is_refused_with_the_reason() {
        let text = CMQ_2010_TOML.replace(
            "single = 12\nmulti = 4\npoints = 20",
            "single = 13\nmulti = 4\npoints = 20",
        );
        let err = Blueprint::parse(&text).unwrap_err().to_string();
        assert!(err.contains("模块 2") && err.contains("21 分"), "{err}");
        assert!(err.contains("71 道"), "{err}");
    }
}
