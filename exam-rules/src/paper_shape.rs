//! What a candidate may save, and where. A save names a slot and a value:
//! - `"7"` — objective item 7: the chosen labels, e.g. `"B"` or `"ACD"` (`""` clears it);
//! - `"open"` — which open questions are chosen, e.g. `"1,3,5"` (at most the blueprint's 3);
//! - `"open-3"` — the text of open answer 3 (only for a chosen question, at most 5,000 characters);
//! - `"flags"` — the items the candidate flagged for review, e.g. `"7,52,open-3"`: kept with the
//!   answers so a flag follows the candidate to another workstation; never scored.
//!
//! Values are checked against the candidate's paper, so nothing off the paper is ever stored.

use question_bank::{ChoiceKind, Label, Paper};
use serde::{Deserialize, Serialize};

/// The longest open answer accepted, in characters (not bytes: Chinese text).
pub const MAX_OPEN_CHARS: usize = 5_000;

/// The parts of a paper needed to check a save, small enough to cache per candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperShape {
    /// Per objective item (paper number − 1): its kind and number of options.
    pub objective: Vec<(ChoiceKind, u8)>,
    pub open_offered: u32,
    pub open_answered: u32,
}

impl PaperShape {
    pub fn of(paper: &Paper, open_answered: u32) -> PaperShape {
        PaperShape {
            objective: paper
                .objective
                .iter()
                .map(|i| (i.kind, i.options.len() as u8))
                .collect(),
            open_offered: paper.open.len() as u32,
            open_answered,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Slot {
    Objective(u32),
    OpenChoice,
    OpenText(u32),
    Flags,
}

impl Slot {
    pub fn key(self) -> String {
        match self {
            Slot::Objective(n) => n.to_string(),
            Slot::OpenChoice => "open".to_string(),
            Slot::OpenText(n) => format!("open-{n}"),
            Slot::Flags => "flags".to_string(),
        }
    }
}

/// Why a save's slot or value does not fit the paper (malformed input, not a rule of the
/// sitting: those are [`Refusal`](crate::Refusal)s). The messages are shown to the candidate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SaveError {
    #[error("“{0}”不是有效的答题位置（应为题号 1–{1}、open 或 open-N）")]
    UnknownSlot(String, usize),
    #[error("第 {no} 题没有选项 {label}（本题选项为 A–{last}）")]
    NoSuchOption { no: u32, label: String, last: char },
    #[error("第 {no} 题是单选题，只能选一个选项")]
    SingleTakesOne { no: u32 },
    #[error("开放题只能选答 {max} 道，不能选第 {count} 道")]
    TooManyOpen { max: u32, count: usize },
    #[error("开放题没有第 {no} 题（共 {offered} 题）")]
    NoSuchOpen { no: u32, offered: u32 },
    #[error("答案过长：{chars} 字，上限为 {max} 字")]
    TooLong { chars: usize, max: usize },
    #[error("选项“{0}”重复")]
    Repeated(String),
    #[error("“{0}”不是本试卷的题目，不能标记")]
    NotFlaggable(String),
    #[error("答案第 {position} 个字符是不可见的控制字符（U+{code:04X}），请删除后再保存")]
    ControlChar { position: usize, code: u32 },
}

impl PaperShape {
    /// Parses a slot name against this paper.
    pub fn slot(&self, name: &str) -> Result<Slot, SaveError> {
        let unknown = || SaveError::UnknownSlot(name.to_string(), self.objective.len());
        if name == "open" {
            return Ok(Slot::OpenChoice);
        }
        if name == "flags" {
            return Ok(Slot::Flags);
        }
        // Only the canonical spelling of a number: "+1", "01" or "1.0" would name slot 1 too.
        let number = |n: &str| -> Result<u32, SaveError> {
            match n.parse::<u32>() {
                Ok(no) if no.to_string() == n => Ok(no),
                _ => Err(unknown()),
            }
        };
        if let Some(n) = name.strip_prefix("open-") {
            let no = number(n)?;
            if no == 0 || no > self.open_offered {
                return Err(SaveError::NoSuchOpen {
                    no,
                    offered: self.open_offered,
                });
            }
            return Ok(Slot::OpenText(no));
        }
        let no = number(name)?;
        if no == 0 || no as usize > self.objective.len() {
            return Err(unknown());
        }
        Ok(Slot::Objective(no))
    }

    /// Checks and normalises a value for a slot: labels sorted, open choices sorted. Whether an
    /// open answer's question is chosen depends on the saved choice: see
    /// [`may_write_open_text`](crate::sitting::save::may_write_open_text).
    pub fn normalise(&self, slot: Slot, value: &str) -> Result<String, SaveError> {
        match slot {
            Slot::Objective(no) => {
                let (kind, count) = self.objective[no as usize - 1];
                let last = Label::from_index(count as usize - 1).as_char();
                let mut labels: Vec<Label> = Vec::new();
                for c in value.chars().filter(|c| !c.is_whitespace() && *c != ',') {
                    let label = Label::from_char(c)
                        .filter(|l| l.index() < count as usize)
                        .ok_or_else(|| SaveError::NoSuchOption {
                            no,
                            label: c.to_string(),
                            last,
                        })?;
                    if labels.contains(&label) {
                        return Err(SaveError::Repeated(c.to_string()));
                    }
                    labels.push(label);
                }
                if kind == ChoiceKind::Single && labels.len() > 1 {
                    return Err(SaveError::SingleTakesOne { no });
                }
                labels.sort();
                Ok(labels.iter().map(|l| l.as_char()).collect())
            }
            Slot::OpenChoice => {
                let mut chosen = parse_open_choice(value).map_err(|_| SaveError::UnknownSlot(value.to_string(), 0))?;
                chosen.sort();
                for (i, &no) in chosen.iter().enumerate() {
                    if no == 0 || no > self.open_offered {
                        return Err(SaveError::NoSuchOpen {
                            no,
                            offered: self.open_offered,
                        });
                    }
                    if i > 0 && chosen[i - 1] == no {
                        return Err(SaveError::Repeated(no.to_string()));
                    }
                }
                if chosen.len() > self.open_answered as usize {
                    return Err(SaveError::TooManyOpen {
                        max: self.open_answered,
                        count: chosen.len(),
                    });
                }
                Ok(chosen.iter().map(u32::to_string).collect::<Vec<_>>().join(","))
            }
            Slot::Flags => {
                // Items in paper order (objective, then open questions), each once.
                let mut flagged = Vec::new();
                for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                    let slot = match self.slot(name) {
                        Ok(s @ (Slot::Objective(_) | Slot::OpenText(_))) => s,
                        _ => return Err(SaveError::NotFlaggable(name.to_string())),
                    };
                    if !flagged.contains(&slot) {
                        flagged.push(slot);
                    }
                }
                flagged.sort();
                Ok(flagged.iter().map(|s| s.key()).collect::<Vec<_>>().join(","))
            }
            Slot::OpenText(_) => {
                // Line breaks and tabs are text; other control characters (NUL above all, which
                // PostgreSQL cannot store) are not, and would fail the whole save batch.
                if let Some((i, c)) = value
                    .chars()
                    .enumerate()
                    .find(|(_, c)| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
                {
                    return Err(SaveError::ControlChar {
                        position: i + 1,
                        code: c as u32,
                    });
                }
                let chars = value.chars().count();
                if chars > MAX_OPEN_CHARS {
                    return Err(SaveError::TooLong {
                        chars,
                        max: MAX_OPEN_CHARS,
                    });
                }
                Ok(value.to_string())
            }
        }
    }
}

/// `"1,3,5"` → `[1, 3, 5]`; `""` → `[]`.
pub fn parse_open_choice(value: &str) -> Result<Vec<u32>, std::num::ParseIntError> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape() -> PaperShape {
        PaperShape {
            objective: vec![(ChoiceKind::Single, 4), (ChoiceKind::Multi, 5)],
            open_offered: 5,
            open_answered: 3,
        }
    }

    #[test]
    fn slots_are_named_in_one_canonical_spelling() {
        let s = shape();
        assert_eq!(s.slot("1").unwrap(), Slot::Objective(1));
        assert_eq!(s.slot("open-2").unwrap(), Slot::OpenText(2));
        for name in ["+1", "01", "001", " 1", "1 ", "open-02", "open-+2", "0", "", "open-"] {
            assert!(s.slot(name).is_err(), "{name:?} must not name a slot");
        }
    }

    #[test]
    fn objective_values_are_checked_and_normalised() {
        let s = shape();
        assert_eq!(s.normalise(Slot::Objective(2), "DA C").unwrap(), "ACD");
        assert_eq!(s.normalise(Slot::Objective(1), "").unwrap(), "", "clearing is allowed");
        assert_eq!(
            s.normalise(Slot::Objective(1), "E"),
            Err(SaveError::NoSuchOption {
                no: 1,
                label: "E".into(),
                last: 'D'
            })
        );
        assert_eq!(
            s.normalise(Slot::Objective(1), "AB"),
            Err(SaveError::SingleTakesOne { no: 1 })
        );
        assert_eq!(
            s.normalise(Slot::Objective(2), "AA"),
            Err(SaveError::Repeated("A".into()))
        );
    }

    #[test]
    fn slots_outside_the_paper_are_refused() {
        let s = shape();
        assert!(matches!(s.slot("3"), Err(SaveError::UnknownSlot(..))));
        assert!(matches!(s.slot("0"), Err(SaveError::UnknownSlot(..))));
        assert!(matches!(s.slot("open-6"), Err(SaveError::NoSuchOpen { .. })));
        assert_eq!(s.slot("open-5").unwrap(), Slot::OpenText(5));
        assert_eq!(s.slot("open").unwrap(), Slot::OpenChoice);
    }

    #[test]
    fn at_most_three_open_questions_and_open_text_checked() {
        let s = shape();
        assert_eq!(s.normalise(Slot::OpenChoice, "5,1,3").unwrap(), "1,3,5");
        assert_eq!(
            s.normalise(Slot::OpenChoice, "1,2,3,4"),
            Err(SaveError::TooManyOpen { max: 3, count: 4 })
        );
        assert_eq!(s.normalise(Slot::OpenText(3), "答").unwrap(), "答");
        let long: String = "质".repeat(MAX_OPEN_CHARS + 1);
        assert_eq!(
            s.normalise(Slot::OpenText(3), &long),
            Err(SaveError::TooLong {
                chars: MAX_OPEN_CHARS + 1,
                max: MAX_OPEN_CHARS
            })
        );
        assert!(
            s.normalise(Slot::OpenText(3), &"质".repeat(MAX_OPEN_CHARS)).is_ok(),
            "the limit itself is allowed"
        );
        let lines = "一、要点\r\n\t1. 顾客\n";
        assert_eq!(
            s.normalise(Slot::OpenText(3), lines).unwrap(),
            lines,
            "line breaks and tabs are text"
        );
        assert_eq!(
            s.normalise(Slot::OpenText(3), "答\u{7}案"),
            Err(SaveError::ControlChar { position: 2, code: 7 })
        );
        assert_eq!(
            s.normalise(Slot::OpenText(3), "\u{0}"),
            Err(SaveError::ControlChar { position: 1, code: 0 })
        );
    }

    #[test]
    fn flags_name_items_of_the_paper_in_paper_order() {
        let s = shape();
        assert_eq!(s.slot("flags").unwrap(), Slot::Flags);
        assert_eq!(s.normalise(Slot::Flags, "open-2, 2,1,2").unwrap(), "1,2,open-2");
        assert_eq!(s.normalise(Slot::Flags, "").unwrap(), "", "no flags left");
        assert_eq!(s.normalise(Slot::Flags, "3"), Err(SaveError::NotFlaggable("3".into())));
        assert_eq!(
            s.normalise(Slot::Flags, "open"),
            Err(SaveError::NotFlaggable("open".into()))
        );
        assert_eq!(
            s.normalise(Slot::Flags, "flags"),
            Err(SaveError::NotFlaggable("flags".into()))
        );
    }
}
