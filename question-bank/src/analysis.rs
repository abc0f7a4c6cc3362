//! Item analysis after an event: classical test theory (CTT) over a response matrix.
//!
//! Input is a [`ResponseMatrix`]: one row per candidate, one [`Answer`] per item, every score an
//! exact [`Points`]. [`analyse`] turns it into an [`Analysis`]: test-level statistics (mean,
//! spread, shape, quartiles, Cronbach's α, SEM, score distribution), per-item statistics
//! (facility, item–total and item–rest correlation, upper–lower discrimination, α if deleted,
//! distractor counts, inter-marker agreement) and review flags with Chinese reasons. The result
//! types are plain serde structs for the engine to render as HTML, CSV or PDF.
//!
//! # Numbers
//! Scores are exact; statistics are real numbers. Every sum over scores (Σx, Σx², Σxy) is taken
//! exactly in `i128` hundredths, and so are the centred sums `n·Σxy − Σx·Σy`, which carry the
//! variances and covariances; only the final ratios and square roots are `f64`. A statistic that
//! is undefined for the data (a variance of one candidate, a correlation with a constant, α when
//! every total is equal) is `None`, never NaN or infinity.
//!
//! # Definitions (checked against Exametrika's published J15S500 values)
//! - Variance and SD of scores use the n − 1 denominator.
//! - Skewness g₁ = m₃ / m₂^{3/2} and excess kurtosis g₂ = m₄ / m₂² − 3, with the moments
//!   mᵣ = Σ(x − x̄)ʳ / n (the moment estimators, e1071 "type 1"). These reproduce Exametrika's
//!   −0.4116220 and −0.4471624; the n − 1-adjusted variants (G₁, G₂, b₁, b₂) do not.
//! - Median and quartiles interpolate linearly between order statistics at position (n − 1)·p
//!   (R's default `quantile`, Hyndman–Fan type 7).
//! - Facility p = mean score / max score (for a 0/1 item, the proportion correct).
//! - Cronbach's α = k/(k−1) · (1 − Σ var(itemⱼ) / var(total)); for 0/1 items it equals KR-20.
//! - SEM = SD · √(1 − α).
//!
//! # Missing answers
//! [`Answer::Blank`] is an item presented but not answered: it scores 0 and chooses no option.
//! [`Answer::NotTaken`] is an item the candidate did not take at all, such as an open question
//! they did not elect (CMQ: answer 3 of 5). Scoring it 0 would make an elective question look
//! hard and undiscriminating, so it is left out of that item's statistics instead: they are
//! taken over the candidates who took the item, against those candidates' totals. Cronbach's α
//! needs complete data, so it covers the items every candidate took (all of them, unless some
//! are elective); [`TestStatistics::alpha_items`] says how many that is.
//!
//! # Upper and lower groups
//! Candidates are ranked by total score, highest first; equal totals keep their row order in the
//! matrix (a stable sort). The upper group is the first g of that ranking and the lower group
//! the last g, where g = round(percent · n / 100) (halves round up), at least 1 and at most
//! ⌊n/2⌋ so the groups never overlap; with fewer than 2 candidates there are no groups. Ties at a
//! group boundary are therefore split by row order: deterministic for a given matrix, so callers
//! should order rows by something unrelated to ability (e.g. ticket number).

use std::collections::{BTreeSet, HashSet};

use serde::{Deserialize, Serialize};

use crate::assembly::{OpenQuestion, PaperItem};
use crate::item::{ChoiceKind, ItemId, ItemKind, Label};
use crate::points::Points;

// ---------------------------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------------------------

/// What the analysis needs to know about one item of the paper.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemSpec {
    pub id: ItemId,
    /// The item's full marks; facility and the upper/lower p are fractions of it.
    pub max: Points,
    pub form: ItemForm,
}

/// How an item is answered, which decides the detail analysed beyond its scores.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "form", rename_all = "snake_case")]
pub enum ItemForm {
    /// An objective item with its options counted: distractor analysis is done.
    Choice {
        kind: ChoiceKind,
        /// How many options the item has (labels A… in bank order).
        options: usize,
        /// The correct options, as bank labels.
        key: BTreeSet<Label>,
    },
    /// An open question marked by hand, possibly by two markers.
    Open,
    /// Only the scores are known (e.g. scores imported from elsewhere): no options, no marks.
    ScoreOnly,
}

impl ItemSpec {
    pub fn choice(id: ItemId, kind: ChoiceKind, max: Points, options: usize, key: BTreeSet<Label>) -> ItemSpec {
        ItemSpec {
            id,
            max,
            form: ItemForm::Choice { kind, options, key },
        }
    }

    pub fn open(id: ItemId, max: Points) -> ItemSpec {
        ItemSpec {
            id,
            max,
            form: ItemForm::Open,
        }
    }

    pub fn score_only(id: ItemId, max: Points) -> ItemSpec {
        ItemSpec {
            id,
            max,
            form: ItemForm::ScoreOnly,
        }
    }

    /// The spec of an objective item as printed on a paper. The key is translated back to bank
    /// labels, so candidates of differently shuffled forms are counted per original option.
    pub fn from_paper_item(item: &PaperItem) -> ItemSpec {
        let key = item
            .options
            .iter()
            .filter(|o| item.key.contains(&o.label))
            .map(|o| o.source)
            .collect();
        ItemSpec::choice(item.item_id.clone(), item.kind, item.points, item.options.len(), key)
    }

    pub fn from_open_question(question: &OpenQuestion) -> ItemSpec {
        ItemSpec::open(question.item_id.clone(), question.points)
    }

    fn kind(&self) -> Option<ItemKind> {
        match &self.form {
            ItemForm::Choice { kind, .. } => Some((*kind).into()),
            ItemForm::Open => Some(ItemKind::Open),
            ItemForm::ScoreOnly => None,
        }
    }
}

/// Translates the labels a candidate chose on their paper into bank labels (the labels the
/// analysis counts by). `None` if a label is not an option of that paper item.
pub fn bank_labels(item: &PaperItem, chosen_on_paper: impl IntoIterator<Item = Label>) -> Option<BTreeSet<Label>> {
    chosen_on_paper
        .into_iter()
        .map(|l| item.options.iter().find(|o| o.label == l).map(|o| o.source))
        .collect()
}

/// One candidate's answer to one item.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum Answer {
    /// The item was presented but not answered: scores 0, no option chosen.
    Blank,
    /// The candidate did not take this item (an elective open question they did not choose):
    /// left out of the item's statistics, see the module documentation.
    NotTaken,
    /// An answer to a [`ItemForm::Choice`] item: the score awarded and the options chosen, as
    /// bank labels (see [`bank_labels`]). An empty set counts as omitted.
    Choice { score: Points, chosen: BTreeSet<Label> },
    /// An answer to an [`ItemForm::Open`] item: the final score and, when it was double-marked,
    /// the two markers' marks (the final score may differ from both, e.g. after a third marker).
    Open { score: Points, marks: Option<[Points; 2]> },
    /// A score for a [`ItemForm::ScoreOnly`] item.
    Score { score: Points },
}

impl Answer {
    pub fn choice(score: Points, chosen: impl IntoIterator<Item = Label>) -> Answer {
        Answer::Choice {
            score,
            chosen: chosen.into_iter().collect(),
        }
    }

    pub fn open(score: Points) -> Answer {
        Answer::Open { score, marks: None }
    }

    pub fn double_marked(score: Points, marker1: Points, marker2: Points) -> Answer {
        Answer::Open {
            score,
            marks: Some([marker1, marker2]),
        }
    }

    pub fn score(score: Points) -> Answer {
        Answer::Score { score }
    }

    /// The score counted in totals and statistics; `None` if the item was not taken.
    fn points(&self) -> Option<Points> {
        match self {
            Answer::Blank => Some(Points::ZERO),
            Answer::NotTaken => None,
            Answer::Choice { score, .. } | Answer::Open { score, .. } | Answer::Score { score } => Some(*score),
        }
    }
}

/// A checked response matrix: candidates × items. Built only by [`ResponseMatrix::new`], so every
/// row has one answer per item, every score lies within 0…max, and every answer fits its item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResponseMatrix {
    items: Vec<ItemSpec>,
    rows: Vec<Vec<Answer>>,
    /// A candidate's full marks when it is not the sum of every item's (elective questions, or
    /// a paper of its own per candidate drawn from a larger set of items).
    full_marks: Option<Points>,
    /// Each item's stratum (e.g. its blueprint cell), when papers are drawn per candidate from
    /// strata: the reliability is then the stratified coefficient (see [`stratified_alpha`]).
    strata: Option<Vec<usize>>,
}

/// Why a response matrix cannot be analysed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnalysisError {
    #[error("没有考生的作答数据，无法进行题目分析")]
    NoCandidates,
    #[error("没有题目，无法进行题目分析")]
    NoItems,
    #[error("题目 {0} 在试卷中出现了不止一次")]
    DuplicateItem(ItemId),
    #[error("题目 {item} 的满分必须大于 0（现为 {max}）")]
    BadMax { item: ItemId, max: Points },
    #[error("题目 {item} 的选项或答案设置无效：{reason}")]
    BadKey { item: ItemId, reason: String },
    #[error("第 {} 名考生的作答有 {found} 项，而试卷有 {expected} 道题", .candidate + 1)]
    RowLength {
        /// 0-based row index.
        candidate: usize,
        expected: usize,
        found: usize,
    },
    #[error("第 {} 名考生在题目 {item} 上的作答无效：{reason}", .candidate + 1)]
    BadAnswer {
        /// 0-based row index.
        candidate: usize,
        item: ItemId,
        reason: String,
    },
}

impl ResponseMatrix {
    /// Checks and wraps a matrix; `rows[i][j]` is candidate i's answer to `items[j]`.
    pub fn new(items: Vec<ItemSpec>, rows: Vec<Vec<Answer>>) -> Result<ResponseMatrix, AnalysisError> {
        if items.is_empty() {
            return Err(AnalysisError::NoItems);
        }
        if rows.is_empty() {
            return Err(AnalysisError::NoCandidates);
        }
        let mut seen = HashSet::new();
        for item in &items {
            if !seen.insert(&item.id) {
                return Err(AnalysisError::DuplicateItem(item.id.clone()));
            }
            check_spec(item)?;
        }
        for (candidate, row) in rows.iter().enumerate() {
            if row.len() != items.len() {
                return Err(AnalysisError::RowLength {
                    candidate,
                    expected: items.len(),
                    found: row.len(),
                });
            }
            for (item, answer) in items.iter().zip(row) {
                check_answer(item, answer).map_err(|reason| AnalysisError::BadAnswer {
                    candidate,
                    item: item.id.clone(),
                    reason,
                })?;
            }
        }
        Ok(ResponseMatrix {
            items,
            rows,
            full_marks: None,
            strata: None,
        })
    }

    /// Names each item's stratum (`strata[j]` for item j: its blueprint cell, say) for papers
    /// drawn per candidate, where no item is common to all and α over common items is undefined.
    /// Items a candidate did not take are left out of their stratum.
    pub fn with_strata(mut self, strata: Vec<usize>) -> ResponseMatrix {
        if strata.len() == self.items.len() {
            self.strata = Some(strata);
        }
        self
    }

    /// States a candidate's full marks (the paper's total, e.g. 150) when it is less than the
    /// sum of the matrix's items: the score distribution then runs from 0 to it.
    pub fn with_full_marks(mut self, full_marks: Points) -> ResponseMatrix {
        self.full_marks = Some(full_marks);
        self
    }

    pub fn items(&self) -> &[ItemSpec] {
        &self.items
    }

    pub fn rows(&self) -> &[Vec<Answer>] {
        &self.rows
    }

    /// Each candidate's total: the sum of the items they took.
    pub fn totals(&self) -> Vec<Points> {
        self.rows
            .iter()
            .map(|row| row.iter().filter_map(Answer::points).sum())
            .collect()
    }
}

fn check_spec(item: &ItemSpec) -> Result<(), AnalysisError> {
    if item.max <= Points::ZERO {
        return Err(AnalysisError::BadMax {
            item: item.id.clone(),
            max: item.max,
        });
    }
    if let ItemForm::Choice { kind, options, key } = &item.form {
        let bad = |reason: String| {
            Err(AnalysisError::BadKey {
                item: item.id.clone(),
                reason,
            })
        };
        if !(2..=Label::MAX_OPTIONS).contains(options) {
            return bad(format!("选项数应为 2–{}，现为 {options}", Label::MAX_OPTIONS));
        }
        if key.is_empty() {
            return bad("没有正确答案".into());
        }
        if let Some(l) = key.iter().find(|l| l.index() >= *options) {
            return bad(format!("答案 {l} 不在 {options} 个选项之内"));
        }
        if *kind == ChoiceKind::Single && key.len() != 1 {
            return bad(format!("单选题应恰有 1 个正确答案，现有 {} 个", key.len()));
        }
    }
    Ok(())
}

fn check_answer(item: &ItemSpec, answer: &Answer) -> Result<(), String> {
    let in_range = |p: Points, what: &str| {
        if p < Points::ZERO || p > item.max {
            Err(format!("{what} {p} 不在 0–{} 之间", item.max))
        } else {
            Ok(())
        }
    };
    match (&item.form, answer) {
        (_, Answer::Blank | Answer::NotTaken) => Ok(()),
        (ItemForm::Choice { options, .. }, Answer::Choice { score, chosen }) => {
            in_range(*score, "得分")?;
            match chosen.iter().find(|l| l.index() >= *options) {
                Some(l) => Err(format!("所选选项 {l} 不在 {options} 个选项之内")),
                None => Ok(()),
            }
        }
        (ItemForm::Open, Answer::Open { score, marks }) => {
            in_range(*score, "得分")?;
            if let Some([m1, m2]) = marks {
                in_range(*m1, "第一评分员给分")?;
                in_range(*m2, "第二评分员给分")?;
            }
            Ok(())
        }
        (ItemForm::ScoreOnly, Answer::Score { score }) => in_range(*score, "得分"),
        (form, _) => Err(format!(
            "作答类型与题目类型不符（题目为{}）",
            match form {
                ItemForm::Choice { kind, .. } => kind.name_zh(),
                ItemForm::Open => "开放题",
                ItemForm::ScoreOnly => "仅有得分的题目",
            }
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

/// Thresholds and choices of the analysis; [`Default`] gives the usual values.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisSettings {
    /// Size of each of the upper and lower groups, in percent of the candidates (default 27).
    /// Values outside 1–50 are clamped by the group size rule (at least 1, at most ⌊n/2⌋ candidates).
    pub group_percent: u32,
    /// Flag an item whose item–rest correlation is below this (default 0.10); a negative
    /// one is flagged as such.
    pub min_discrimination: f64,
    /// Flag an item whose facility is below this (too hard; default 0.20).
    pub min_facility: f64,
    /// Flag an item whose facility is above this (too easy; default 0.95).
    pub max_facility: f64,
    /// Two markers agree "within tolerance" when their marks differ by at most this (default 3
    /// points, the exam rules' default gap before a third marker is called).
    pub marker_tolerance: Points,
    /// Below this many candidates, reliability (α, SEM, α if deleted) is not computed and no item
    /// is flagged: with a handful of candidates they mean nothing (two candidates gave α = −3.1
    /// and flagged 105 of 115 items). Default 30.
    pub min_candidates: usize,
    /// Width of a score-distribution bin. `None` (the default, or a width ≤ 0) picks the smallest of
    /// 1, 2, 5, 10, 20, 50 … points that needs no more than 31 bins from 0 to full marks.
    pub bin_width: Option<Points>,
}

impl Default for AnalysisSettings {
    fn default() -> Self {
        AnalysisSettings {
            group_percent: 27,
            min_discrimination: 0.10,
            min_facility: 0.20,
            max_facility: 0.95,
            marker_tolerance: Points::whole(3),
            min_candidates: 30,
            bin_width: None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

/// The whole analysis of one event (or one paper form).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// The settings used, so a report can state its thresholds.
    pub settings: AnalysisSettings,
    pub test: TestStatistics,
    /// In the order of the matrix's items.
    pub items: Vec<ItemAnalysis>,
}

/// Statistics of the total score.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestStatistics {
    /// Candidates (n).
    pub candidates: usize,
    /// Items (k).
    pub items: usize,
    /// Sum of the items' full marks.
    pub max_possible: Points,
    pub mean: f64,
    /// n − 1 denominator; `None` for a single candidate.
    pub variance: Option<f64>,
    pub sd: Option<f64>,
    /// g₁ = m₃ / m₂^{3/2}; `None` when every total is equal.
    pub skewness: Option<f64>,
    /// Excess kurtosis g₂ = m₄ / m₂² − 3; `None` when every total is equal.
    pub kurtosis: Option<f64>,
    pub min: Points,
    pub max: Points,
    /// Quartiles by R's type 7 (see the module documentation).
    pub q1: f64,
    pub median: f64,
    pub q3: f64,
    /// Cronbach's α (KR-20 for 0/1 items) over the `alpha_items` items every candidate took;
    /// `None` with fewer than 2 such items or when their totals do not vary.
    pub alpha: Option<f64>,
    /// How many items α covers: all of them unless some were elective ([`Answer::NotTaken`]).
    pub alpha_items: usize,
    /// Fewer candidates than [`AnalysisSettings::min_candidates`]: reliability and flags are
    /// withheld.
    pub too_few_candidates: bool,
    /// The stratified coefficient over the strata the matrix names ([`stratified_alpha`]): the
    /// reliability of a test whose papers are drawn per candidate from the blueprint's cells.
    pub stratified_alpha: Option<f64>,
    /// How many strata it is over.
    pub strata: usize,
    /// Standard error of measurement, SD · √(1 − α), with the SD of the score over the items α
    /// covers (the total score when α covers every item).
    pub sem: Option<f64>,
    /// The upper and lower groups used for discrimination and distractor counts.
    pub groups: Option<GroupSummary>,
    pub bin_width: Points,
    /// Counts per score bin, from 0 to full marks; every candidate is in exactly one bin.
    pub distribution: Vec<ScoreBin>,
}

/// The upper and lower groups (see the module documentation for how they are formed).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSummary {
    /// Candidates in each group.
    pub size: usize,
    /// The lowest total in the upper group.
    pub upper_cut: Points,
    /// The highest total in the lower group.
    pub lower_cut: Points,
    pub upper_mean: f64,
    pub lower_mean: f64,
}

/// Candidates whose total lies in `from ≤ total < to`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreBin {
    pub from: Points,
    pub to: Points,
    pub count: usize,
}

/// Statistics of one item.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemAnalysis {
    pub id: ItemId,
    /// `None` for a [`ItemForm::ScoreOnly`] item.
    pub kind: Option<ItemKind>,
    pub max: Points,
    /// Candidates who took the item (n unless it is elective); the item's statistics are over them.
    pub taken: usize,
    /// Of those, how many left it blank.
    pub blank: usize,
    /// Mean score in points; `None` if nobody took the item.
    pub mean: Option<f64>,
    /// SD of the score in points (n − 1 denominator).
    pub sd: Option<f64>,
    /// Facility (难度/得分率) p = mean / max.
    pub facility: Option<f64>,
    /// Pearson r of the item with the total score (the total including this item).
    pub item_total_r: Option<f64>,
    /// `item_total_r · (n − 1)/n`: what Exametrika prints as ITCrr. Kept only so that reports
    /// can be compared with Exametrika; prefer `item_total_r` or `item_rest_r`.
    pub item_total_r_exametrika: Option<f64>,
    /// Pearson r of the item with the rest of the test (total minus this item): the corrected
    /// item–total correlation; the point-biserial for a 0/1 item. The flags use this one.
    pub item_rest_r: Option<f64>,
    /// Facility within the upper group.
    pub upper_facility: Option<f64>,
    /// Facility within the lower group.
    pub lower_facility: Option<f64>,
    /// Discrimination index D = upper facility − lower facility; `None` without groups, or when
    /// every total is equal (the groups are then indistinguishable).
    pub discrimination: Option<f64>,
    /// α of the test without this item; `None` for an item α does not cover, or when fewer than
    /// 2 items would remain.
    pub alpha_if_deleted: Option<f64>,
    /// Option counts, for an objective item.
    pub choices: Option<ChoiceAnalysis>,
    /// Agreement of the two markers, for an open question with double-marked answers.
    pub markers: Option<MarkerAgreement>,
    pub flags: Vec<Flag>,
}

/// Who chose what (distractor analysis), overall and in the upper and lower groups.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChoiceAnalysis {
    /// One entry per option, A first. For a multiple-choice item the shares add up to more
    /// than 1, since a candidate chooses several options.
    pub options: Vec<OptionStats>,
    /// Candidates who chose no option (blank answers included).
    pub omitted: OptionCounts,
    /// Upper-group candidates who took the item (the denominator of upper-group shares).
    pub upper_n: Option<usize>,
    /// Lower-group candidates who took the item.
    pub lower_n: Option<usize>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionStats {
    pub label: Label,
    pub is_key: bool,
    pub count: usize,
    /// count / candidates who took the item.
    pub share: f64,
    /// Choosers in the upper group; `None` without groups.
    pub upper: Option<usize>,
    /// Choosers in the lower group.
    pub lower: Option<usize>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionCounts {
    pub count: usize,
    pub share: f64,
    pub upper: Option<usize>,
    pub lower: Option<usize>,
}

/// How well two markers agreed on one open question, over its double-marked answers.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarkerAgreement {
    /// Double-marked answers.
    pub pairs: usize,
    /// Share of pairs with identical marks.
    pub exact: f64,
    /// Share of pairs differing by at most `tolerance`.
    pub within_tolerance: f64,
    pub tolerance: Points,
    /// Mean |marker 1 − marker 2|, in points.
    pub mean_abs_diff: f64,
    /// Mean (marker 1 − marker 2), in points: positive when marker 1 is the more lenient.
    pub mean_diff: f64,
    /// Pearson r between the two markers' marks; `None` with fewer than 2 pairs or a marker
    /// who gave every answer the same mark.
    pub pearson: Option<f64>,
}

/// A reason to review an item.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    pub kind: FlagKind,
    /// The distractor concerned, for [`FlagKind::Distractor`].
    pub option: Option<Label>,
    /// Why, in Chinese, with the numbers, for the review list.
    pub reason: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    /// Item–rest correlation below 0: stronger candidates do worse on it.
    NegativeDiscrimination,
    /// Item–rest correlation in [0, min_discrimination).
    LowDiscrimination,
    /// Facility above max_facility.
    TooEasy,
    /// Facility below min_facility.
    TooHard,
    /// A wrong option chosen by a larger share of the upper group than of the lower group.
    Distractor,
}

// ---------------------------------------------------------------------------------------------
// The analysis
// ---------------------------------------------------------------------------------------------

/// The upper and lower groups of candidates, as row indices in rank order (best first in
/// `upper`, and `lower` ending with the lowest-ranked); see the module documentation.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpperLower {
    pub upper: Vec<usize>,
    pub lower: Vec<usize>,
}

/// Forms the upper and lower `percent` % groups by total score; `None` for fewer than 2
/// candidates.
pub fn upper_lower_groups(totals: &[Points], percent: u32) -> Option<UpperLower> {
    let n = totals.len();
    if n < 2 {
        return None;
    }
    let g = ((u64::from(percent) * n as u64 + 50) / 100).clamp(1, (n / 2) as u64) as usize;
    let mut ranked: Vec<usize> = (0..n).collect();
    // Stable: equal totals keep their row order.
    ranked.sort_by(|&a, &b| totals[b].cmp(&totals[a]));
    Some(UpperLower {
        upper: ranked[..g].to_vec(),
        lower: ranked[n - g..].to_vec(),
    })
}

/// Analyses a checked response matrix.
pub fn analyse(matrix: &ResponseMatrix, settings: &AnalysisSettings) -> Analysis {
    let totals = matrix.totals();
    let groups = upper_lower_groups(&totals, settings.group_percent);
    // Group membership per row: Some(true) upper, Some(false) lower.
    let mut membership = vec![None; totals.len()];
    if let Some(g) = &groups {
        for &i in &g.upper {
            membership[i] = Some(true);
        }
        for &i in &g.lower {
            membership[i] = Some(false);
        }
    }
    let totals_vary = totals.iter().any(|&t| t != totals[0]);

    let too_few = totals.len() < settings.min_candidates;
    let reliability = if too_few {
        Reliability::withheld()
    } else {
        Reliability::of(matrix)
    };
    let mut test = test_statistics(matrix, &totals, groups.as_ref(), &reliability, settings);
    test.too_few_candidates = too_few;
    if let (Some(strata), false) = (&matrix.strata, too_few) {
        test.stratified_alpha = stratified_alpha(&matrix.rows, strata);
        test.strata = strata.iter().collect::<HashSet<_>>().len();
        if test.sem.is_none() {
            test.sem = test
                .stratified_alpha
                .zip(test.sd)
                .and_then(|(a, sd)| finite(sd * (1.0 - a).max(0.0).sqrt()));
        }
    }
    let items = matrix
        .items
        .iter()
        .enumerate()
        .map(|(j, spec)| {
            let ctx = ItemContext {
                matrix,
                j,
                spec,
                totals: &totals,
                membership: &membership,
                has_groups: groups.is_some(),
                totals_vary,
                settings,
            };
            let mut item = ctx.analyse();
            item.alpha_if_deleted = reliability.alpha_if_deleted(j);
            item.flags = if too_few { Vec::new() } else { flags(&item, settings) };
            item
        })
        .collect();
    Analysis {
        settings: settings.clone(),
        test,
        items,
    }
}

/// Exact sums over pairs (x, y) of hundredths; statistics become `f64` only at the end.
#[derive(Debug, Default, Clone, Copy)]
struct Sums {
    n: i128,
    x: i128,
    y: i128,
    xx: i128,
    yy: i128,
    xy: i128,
}

impl Sums {
    fn add(&mut self, x: Points, y: Points) {
        let (x, y) = (i128::from(x.hundredths()), i128::from(y.hundredths()));
        self.n += 1;
        self.x += x;
        self.y += y;
        self.xx += x * x;
        self.yy += y * y;
        self.xy += x * y;
    }

    /// n·Σx² − (Σx)² = n · Σ(x − x̄)²: exact, ≥ 0.
    fn cxx(&self) -> i128 {
        self.n * self.xx - self.x * self.x
    }

    fn cyy(&self) -> i128 {
        self.n * self.yy - self.y * self.y
    }

    fn cxy(&self) -> i128 {
        self.n * self.xy - self.x * self.y
    }

    fn mean_x(&self) -> Option<f64> {
        (self.n > 0).then(|| self.x as f64 / self.n as f64 / HUNDREDTHS)
    }

    /// Variance of x in points², n − 1 denominator.
    fn var_x(&self) -> Option<f64> {
        (self.n > 1).then(|| self.cxx() as f64 / (self.n * (self.n - 1)) as f64 / (HUNDREDTHS * HUNDREDTHS))
    }
}

const HUNDREDTHS: f64 = Points::SCALE as f64;

/// Pearson r from exact centred sums; `None` when either variable is constant.
fn pearson(cxy: i128, cxx: i128, cyy: i128) -> Option<f64> {
    if cxx <= 0 || cyy <= 0 {
        return None;
    }
    let r = cxy as f64 / ((cxx as f64).sqrt() * (cyy as f64).sqrt());
    Some(r.clamp(-1.0, 1.0))
}

/// Keeps a statistic only if it is a real number.
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Cronbach's α over the items every candidate took, with what α-if-deleted needs.
struct Reliability {
    /// Indices of the items α covers.
    items: Vec<usize>,
    /// n·Σ(xⱼ − x̄ⱼ)² per covered item (indexed like `items`).
    item_c: Vec<i128>,
    /// n·Σ(s − s̄)² of that score.
    score_c: i128,
    /// Σ over candidates of xⱼ·s, per covered item, and Σs.
    item_score_xy: Vec<i128>,
    item_x: Vec<i128>,
    score_sum: i128,
    n: i128,
    alpha: Option<f64>,
}

impl Reliability {
    fn of(matrix: &ResponseMatrix) -> Reliability {
        let items: Vec<usize> = (0..matrix.items.len())
            .filter(|&j| matrix.rows.iter().all(|r| r[j].points().is_some()))
            .collect();
        let cell = |i: usize, j: usize| i128::from(matrix.rows[i][j].points().unwrap_or_default().hundredths());
        let n_rows = matrix.rows.len();
        let score: Vec<i128> = (0..n_rows).map(|i| items.iter().map(|&j| cell(i, j)).sum()).collect();
        let n = n_rows as i128;
        let score_sum: i128 = score.iter().sum();
        let score_c = n * score.iter().map(|s| s * s).sum::<i128>() - score_sum * score_sum;
        let mut item_c = Vec::with_capacity(items.len());
        let mut item_score_xy = Vec::with_capacity(items.len());
        let mut item_x = Vec::with_capacity(items.len());
        for &j in &items {
            let (mut sx, mut sxx, mut sxy) = (0i128, 0i128, 0i128);
            for (i, s) in score.iter().enumerate() {
                let x = cell(i, j);
                sx += x;
                sxx += x * x;
                sxy += x * s;
            }
            item_c.push(n * sxx - sx * sx);
            item_score_xy.push(sxy);
            item_x.push(sx);
        }
        let alpha = cronbach(items.len(), item_c.iter().sum(), score_c);
        Reliability {
            items,
            item_c,
            score_c,
            item_score_xy,
            item_x,
            score_sum,
            n,
            alpha,
        }
    }

    /// Nothing computed (too few candidates): no α, no SEM, no α if deleted.
    fn withheld() -> Reliability {
        Reliability {
            items: Vec::new(),
            item_c: Vec::new(),
            score_c: 0,
            item_score_xy: Vec::new(),
            item_x: Vec::new(),
            score_sum: 0,
            n: 0,
            alpha: None,
        }
    }

    /// SD (points) of the covered score.
    fn score_sd(&self) -> Option<f64> {
        (self.n > 1).then(|| (self.score_c as f64 / (self.n * (self.n - 1)) as f64).sqrt() / HUNDREDTHS)
    }

    fn alpha_if_deleted(&self, j: usize) -> Option<f64> {
        let pos = self.items.iter().position(|&c| c == j)?;
        // The rest score r = s − xⱼ: n·Σ(r − r̄)² = C_ss − 2·C_xs + C_xx, all exact.
        let c_xs = self.n * self.item_score_xy[pos] - self.item_x[pos] * self.score_sum;
        let rest_c = self.score_c - 2 * c_xs + self.item_c[pos];
        let items_c: i128 = self.item_c.iter().sum::<i128>() - self.item_c[pos];
        cronbach(self.items.len() - 1, items_c, rest_c)
    }
}

/// The stratified coefficient α_S = 1 − Σ_c var(X_c)·(1 − α_c) / var(X) (Cronbach, Schönemann
/// and McKie 1965), for papers drawn per candidate from strata (the blueprint's cells): X_c is a
/// candidate's score on stratum c, X their total, and α_c is coefficient α over the stratum's
/// *positions* — the first, second, … item the candidate took in it, in column order. With items
/// drawn at random from a cell, positions are randomly parallel, and α_c estimates the
/// generalisability of the cell score over the items that could have been drawn (so the
/// coefficient counts the luck of the draw as error, as it should for a candidate's own paper).
/// A candidate with fewer items in a stratum than others (an open question not answered) scores 0
/// on the missing positions. A single-position stratum counts wholly as error (α_c = 0). `None`
/// with fewer than 2 candidates or a constant total.
pub fn stratified_alpha(rows: &[Vec<Answer>], strata: &[usize]) -> Option<f64> {
    let n = rows.len();
    if n < 2 {
        return None;
    }
    let count = strata.iter().max().map_or(0, |m| m + 1);
    // scores[c][i] = candidate i's position scores in stratum c (hundredths).
    let mut scores: Vec<Vec<Vec<i128>>> = vec![vec![Vec::new(); n]; count];
    for (i, row) in rows.iter().enumerate() {
        for (j, answer) in row.iter().enumerate() {
            if let Some(p) = answer.points() {
                scores[strata[j]][i].push(i128::from(p.hundredths()));
            }
        }
    }
    let centred = |xs: &mut dyn Iterator<Item = i128>| {
        let (mut sum, mut sq, mut k) = (0i128, 0i128, 0i128);
        for x in xs {
            sum += x;
            sq += x * x;
            k += 1;
        }
        k * sq - sum * sum
    };
    let totals: Vec<i128> = (0..n)
        .map(|i| scores.iter().map(|c| c[i].iter().sum::<i128>()).sum())
        .collect();
    let total_c = centred(&mut totals.iter().copied());
    if total_c <= 0 {
        return None;
    }
    let mut error = 0.0;
    for stratum in &scores {
        let k = stratum.iter().map(Vec::len).max().unwrap_or(0);
        if k == 0 {
            continue;
        }
        let position = |i: usize, p: usize| stratum[i].get(p).copied().unwrap_or(0);
        let sub_c = centred(&mut (0..n).map(|i| stratum[i].iter().sum::<i128>()));
        let items_c: i128 = (0..k).map(|p| centred(&mut (0..n).map(|i| position(i, p)))).sum();
        let alpha_c = cronbach(k, items_c, sub_c).unwrap_or(0.0);
        error += sub_c as f64 * (1.0 - alpha_c);
    }
    finite(1.0 - error / total_c as f64)
}

/// α = k/(k−1) · (1 − Σ var(item) / var(total)), from exact centred sums (the common
/// denominators cancel). `None` for k < 2 or a constant total.
fn cronbach(k: usize, items_c: i128, total_c: i128) -> Option<f64> {
    if k < 2 || total_c <= 0 {
        return None;
    }
    let k = k as f64;
    finite(k / (k - 1.0) * (1.0 - items_c as f64 / total_c as f64))
}

fn test_statistics(
    matrix: &ResponseMatrix,
    totals: &[Points],
    groups: Option<&UpperLower>,
    reliability: &Reliability,
    settings: &AnalysisSettings,
) -> TestStatistics {
    let n = totals.len();
    let mut sums = Sums::default();
    for &t in totals {
        sums.add(t, Points::ZERO);
    }
    let mean = sums.mean_x().unwrap_or_default();
    let variance = sums.var_x();
    let sd = variance.map(f64::sqrt);

    // Shape from deviations scaled by n, d = n·t − Σt, which are exact integers: the factor
    // n cancels in both ratios.
    let (skewness, kurtosis) = if sums.cxx() > 0 {
        let d: Vec<f64> = totals
            .iter()
            .map(|t| (sums.n * i128::from(t.hundredths()) - sums.x) as f64)
            .collect();
        let moment = |r: i32| d.iter().map(|d| d.powi(r)).sum::<f64>() / n as f64;
        let m2 = moment(2);
        (finite(moment(3) / m2.powf(1.5)), finite(moment(4) / (m2 * m2) - 3.0))
    } else {
        (None, None)
    };

    let mut sorted: Vec<i64> = totals.iter().map(|t| t.hundredths()).collect();
    sorted.sort_unstable();

    let observed_max = Points::from_hundredths(sorted[sorted.len() - 1]);
    let max_possible: Points = matrix
        .full_marks
        .unwrap_or_else(|| matrix.items.iter().map(|i| i.max).sum())
        .max(observed_max);
    let bin_width = match settings.bin_width {
        Some(w) if w > Points::ZERO => w,
        _ => auto_bin_width(max_possible),
    };
    let bins = (max_possible.hundredths() / bin_width.hundredths() + 1) as usize;
    let mut distribution: Vec<ScoreBin> = (0..bins as i64)
        .map(|b| ScoreBin {
            from: Points::from_hundredths(b * bin_width.hundredths()),
            to: Points::from_hundredths((b + 1) * bin_width.hundredths()),
            count: 0,
        })
        .collect();
    for t in totals {
        distribution[(t.hundredths() / bin_width.hundredths()) as usize].count += 1;
    }

    let group_mean = |rows: &[usize]| {
        rows.iter().map(|&i| totals[i].hundredths() as f64).sum::<f64>() / rows.len() as f64 / HUNDREDTHS
    };
    let groups = groups.map(|g| GroupSummary {
        size: g.upper.len(),
        upper_cut: g.upper.iter().map(|&i| totals[i]).min().unwrap_or_default(),
        lower_cut: g.lower.iter().map(|&i| totals[i]).max().unwrap_or_default(),
        upper_mean: group_mean(&g.upper),
        lower_mean: group_mean(&g.lower),
    });

    let alpha = reliability.alpha;
    let sem = alpha
        .zip(reliability.score_sd())
        .and_then(|(a, sd)| finite(sd * (1.0 - a).max(0.0).sqrt()));

    TestStatistics {
        candidates: n,
        items: matrix.items.len(),
        max_possible,
        mean,
        variance,
        sd,
        skewness,
        kurtosis,
        min: Points::from_hundredths(sorted[0]),
        max: Points::from_hundredths(sorted[n - 1]),
        q1: quantile7(&sorted, 1, 4),
        median: quantile7(&sorted, 1, 2),
        q3: quantile7(&sorted, 3, 4),
        alpha,
        alpha_items: reliability.items.len(),
        too_few_candidates: false,
        stratified_alpha: None,
        strata: 0,
        sem,
        groups,
        bin_width,
        distribution,
    }
}

/// The `num/den` quantile of sorted hundredths, R type 7: position h = (n − 1)·num/den, linear
/// between the order statistics around it. The position is split exactly in integers.
fn quantile7(sorted: &[i64], num: usize, den: usize) -> f64 {
    let pos = (sorted.len() - 1) * num;
    let (j, rem) = (pos / den, pos % den);
    if rem == 0 {
        return sorted[j] as f64 / HUNDREDTHS;
    }
    let (lo, hi) = (i128::from(sorted[j]), i128::from(sorted[j + 1]));
    (lo * den as i128 + rem as i128 * (hi - lo)) as f64 / (den as f64 * HUNDREDTHS)
}

/// The smallest of 1, 2, 5, 10, 20, 50 … points giving at most 31 bins over 0…max.
fn auto_bin_width(max_possible: Points) -> Points {
    let mut unit = Points::SCALE;
    loop {
        for step in [1, 2, 5] {
            let w = unit * step;
            if max_possible.hundredths() <= 30 * w {
                return Points::from_hundredths(w);
            }
        }
        unit *= 10;
    }
}

/// Everything one item's statistics need.
struct ItemContext<'a> {
    matrix: &'a ResponseMatrix,
    j: usize,
    spec: &'a ItemSpec,
    totals: &'a [Points],
    membership: &'a [Option<bool>],
    has_groups: bool,
    totals_vary: bool,
    settings: &'a AnalysisSettings,
}

impl ItemContext<'_> {
    fn answers(&self) -> impl Iterator<Item = (usize, &Answer)> + '_ {
        self.matrix
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (i, &r[self.j]))
            .filter(|(_, a)| !matches!(a, Answer::NotTaken))
    }

    fn analyse(&self) -> ItemAnalysis {
        let max = self.spec.max.hundredths() as f64;
        // (item, total) over the candidates who took the item.
        let mut all = Sums::default();
        // Item score sums and counts in the upper and lower groups.
        let (mut upper, mut lower) = ((0i64, 0usize), (0i64, 0usize));
        let mut blank = 0;
        for (i, answer) in self.answers() {
            let x = answer.points().unwrap_or_default();
            all.add(x, self.totals[i]);
            blank += usize::from(matches!(answer, Answer::Blank));
            match self.membership[i] {
                Some(true) => upper = (upper.0 + x.hundredths(), upper.1 + 1),
                Some(false) => lower = (lower.0 + x.hundredths(), lower.1 + 1),
                None => {}
            }
        }
        let taken = all.n as usize;
        let mean = all.mean_x();
        let facility = (taken > 0).then(|| all.x as f64 / all.n as f64 / max);

        let item_total_r = pearson(all.cxy(), all.cxx(), all.cyy());
        let n = all.n as f64;
        let item_total_r_exametrika = item_total_r.map(|r| r * (n - 1.0) / n);
        // Rest score r = t − x: C_rr = C_tt − 2·C_xt + C_xx and C_xr = C_xt − C_xx.
        let rest_c = all.cyy() - 2 * all.cxy() + all.cxx();
        let item_rest_r = pearson(all.cxy() - all.cxx(), all.cxx(), rest_c);

        let group_p = |(sum, count): (i64, usize)| (count > 0).then(|| sum as f64 / count as f64 / max);
        let (upper_facility, lower_facility) = if self.has_groups {
            (group_p(upper), group_p(lower))
        } else {
            (None, None)
        };
        let discrimination = match (upper_facility, lower_facility) {
            (Some(u), Some(l)) if self.totals_vary => Some(u - l),
            _ => None,
        };

        ItemAnalysis {
            id: self.spec.id.clone(),
            kind: self.spec.kind(),
            max: self.spec.max,
            taken,
            blank,
            mean,
            sd: all.var_x().map(f64::sqrt),
            facility,
            item_total_r,
            item_total_r_exametrika,
            item_rest_r,
            upper_facility,
            lower_facility,
            discrimination,
            alpha_if_deleted: None,
            choices: self.choices(upper.1, lower.1),
            markers: self.markers(),
            flags: Vec::new(),
        }
    }

    fn choices(&self, upper_n: usize, lower_n: usize) -> Option<ChoiceAnalysis> {
        let ItemForm::Choice { options, key, .. } = &self.spec.form else {
            return None;
        };
        // Counts per option (the last slot is "omitted"): all, upper, lower.
        let mut counts = vec![[0usize; 3]; options + 1];
        let mut taken = 0usize;
        for (i, answer) in self.answers() {
            taken += 1;
            let chosen: Vec<usize> = match answer {
                Answer::Choice { chosen, .. } if !chosen.is_empty() => chosen.iter().map(|l| l.index()).collect(),
                _ => vec![*options],
            };
            for c in chosen {
                counts[c][0] += 1;
                match self.membership[i] {
                    Some(true) => counts[c][1] += 1,
                    Some(false) => counts[c][2] += 1,
                    None => {}
                }
            }
        }
        let share = |c: usize| if taken == 0 { 0.0 } else { c as f64 / taken as f64 };
        let grouped = |c: usize| self.has_groups.then_some(c);
        let option_stats = (0..*options)
            .map(|o| OptionStats {
                label: Label::from_index(o),
                is_key: key.contains(&Label::from_index(o)),
                count: counts[o][0],
                share: share(counts[o][0]),
                upper: grouped(counts[o][1]),
                lower: grouped(counts[o][2]),
            })
            .collect();
        let [count, up, low] = counts[*options];
        Some(ChoiceAnalysis {
            options: option_stats,
            omitted: OptionCounts {
                count,
                share: share(count),
                upper: grouped(up),
                lower: grouped(low),
            },
            upper_n: grouped(upper_n),
            lower_n: grouped(lower_n),
        })
    }

    fn markers(&self) -> Option<MarkerAgreement> {
        let tolerance = self.settings.marker_tolerance;
        let mut sums = Sums::default();
        let (mut exact, mut within, mut abs_diff, mut diff) = (0usize, 0usize, 0i64, 0i64);
        for (_, answer) in self.answers() {
            if let Answer::Open {
                marks: Some([m1, m2]), ..
            } = answer
            {
                sums.add(*m1, *m2);
                exact += usize::from(m1 == m2);
                within += usize::from(m1.abs_diff(*m2) <= tolerance);
                abs_diff += m1.abs_diff(*m2).hundredths();
                diff += (*m1 - *m2).hundredths();
            }
        }
        if sums.n == 0 {
            return None;
        }
        let pairs = sums.n as f64;
        Some(MarkerAgreement {
            pairs: sums.n as usize,
            exact: exact as f64 / pairs,
            within_tolerance: within as f64 / pairs,
            tolerance,
            mean_abs_diff: abs_diff as f64 / pairs / HUNDREDTHS,
            mean_diff: diff as f64 / pairs / HUNDREDTHS,
            pearson: pearson(sums.cxy(), sums.cxx(), sums.cyy()),
        })
    }
}

/// The review flags of an analysed item, each with its reason in Chinese.
fn flags(item: &ItemAnalysis, settings: &AnalysisSettings) -> Vec<Flag> {
    let mut flags = Vec::new();
    let flag = |kind, option, reason| Flag { kind, option, reason };
    if let Some(r) = item.item_rest_r {
        if r < 0.0 {
            flags.push(flag(
                FlagKind::NegativeDiscrimination,
                None,
                format!("区分度为负：题–余相关 r = {r:.3}，总分高的考生在本题上反而得分更低，请核对答案或评分标准"),
            ));
        } else if r < settings.min_discrimination {
            flags.push(flag(
                FlagKind::LowDiscrimination,
                None,
                format!(
                    "区分度过低：题–余相关 r = {r:.3}，低于 {:.2}，本题几乎不能区分考生水平",
                    settings.min_discrimination
                ),
            ));
        }
    }
    if let Some(p) = item.facility {
        if p > settings.max_facility {
            flags.push(flag(
                FlagKind::TooEasy,
                None,
                format!("题目过易：得分率 p = {p:.3}，高于 {:.2}", settings.max_facility),
            ));
        } else if p < settings.min_facility {
            flags.push(flag(
                FlagKind::TooHard,
                None,
                format!("题目过难：得分率 p = {p:.3}，低于 {:.2}", settings.min_facility),
            ));
        }
    }
    if let Some(ChoiceAnalysis {
        options,
        upper_n: Some(un),
        lower_n: Some(ln),
        ..
    }) = &item.choices
    {
        for o in options.iter().filter(|o| !o.is_key) {
            let (Some(u), Some(l)) = (o.upper, o.lower) else {
                continue;
            };
            // u/un > l/ln, cross-multiplied to stay exact (un = ln unless the item is elective).
            if u * ln > l * un {
                flags.push(flag(
                    FlagKind::Distractor,
                    Some(o.label),
                    format!(
                        "干扰项 {} 对高分组更有吸引力：高分组 {un} 人中 {u} 人选择，低分组 {ln} 人中 {l} 人选择，\
                         请检查该选项是否也可算对或题干有歧义",
                        o.label
                    ),
                ));
            }
        }
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type7_quantiles_interpolate_exactly() {
        // R: quantile(c(1, 2, 4, 7), c(.25, .5, .75)) = 1.75, 3.0, 4.75
        let s = [100, 200, 400, 700];
        assert_eq!(quantile7(&s, 1, 4), 1.75);
        assert_eq!(quantile7(&s, 1, 2), 3.0);
        assert_eq!(quantile7(&s, 3, 4), 4.75);
        assert_eq!(quantile7(&[500], 1, 4), 5.0);
    }

    #[test]
    fn group_size_rounds_half_up_and_never_overlaps() {
        let totals = |n: usize| vec![Points::ZERO; n];
        let size = |n, pct| upper_lower_groups(&totals(n), pct).map(|g| g.upper.len());
        assert_eq!(size(1, 27), None);
        assert_eq!(size(2, 27), Some(1));
        assert_eq!(size(10, 27), Some(3)); // 2.7
        assert_eq!(size(50, 27), Some(14)); // 13.5 rounds up
        assert_eq!(size(500, 27), Some(135));
        assert_eq!(size(7, 50), Some(3)); // 3.5 → 4, but at most ⌊7/2⌋
        assert_eq!(size(10, 0), Some(1));
    }

    #[test]
    fn auto_bin_width_keeps_at_most_31_bins() {
        assert_eq!(auto_bin_width(Points::whole(15)), Points::whole(1));
        assert_eq!(auto_bin_width(Points::whole(30)), Points::whole(1));
        assert_eq!(auto_bin_width(Points::whole(31)), Points::whole(2));
        assert_eq!(auto_bin_width(Points::whole(150)), Points::whole(5));
        assert_eq!(auto_bin_width(Points::whole(1000)), Points::whole(50));
    }

    #[test]
    fn exact_sums_give_sample_variance_and_pearson() {
        let mut s = Sums::default();
        for (x, y) in [(1, 2), (2, 4), (3, 7)] {
            s.add(Points::whole(x), Points::whole(y));
        }
        assert_eq!(s.var_x(), Some(1.0));
        let r = pearson(s.cxy(), s.cxx(), s.cyy()).unwrap();
        // x = 1,2,3; y = 2,4,7: r = 5 / √(2 · 12.666…) = 0.99339…
        assert!((r - 5.0 / (2.0f64 * 38.0 / 3.0).sqrt()).abs() < 1e-12, "{r}");
        assert_eq!(pearson(0, 0, 5), None);
    }
}
