//! The marking rules for open answers, with no IO. Defaults follow exam-rules.md §3: double blind
//! marking; when the two marks differ by more than the tolerance (3 of 20) a third marker marks
//! the answer and the final mark is the mean of the two closest marks.

use question_bank::Points;
use serde::{Deserialize, Serialize};

/// The highest mark for an open answer.
pub const MAX_MARK: Points = Points::whole(20);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MarkingPolicy {
    /// Two independent marks per answer (true) or one.
    pub double: bool,
    /// The largest difference between two marks that needs no third marker.
    pub tolerance: Points,
}

impl Default for MarkingPolicy {
    fn default() -> Self {
        MarkingPolicy {
            double: true,
            tolerance: Points::whole(3),
        }
    }
}

impl MarkingPolicy {
    /// Independent marks an answer needs before it can be final: two under double blind marking,
    /// one under single marking (a third marker is added only for a dispute). Fixed for an answer
    /// when it is queued for marking.
    pub fn marks_needed(&self) -> u32 {
        if self.double { 2 } else { 1 }
    }
}

/// Where an answer stands given the marks it has, in the order they were given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Resolution {
    /// Waiting for more independent marks (how many in all).
    Pending {
        needed: u32,
    },
    /// The two marks differ by more than the tolerance: a third marker is needed.
    Disputed,
    Final(Points),
}

/// Why a mark is not acceptable. Shown to the grader.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkError {
    #[error("分数 {0} 不在 0–20 分之内")]
    OutOfRange(Points),
    #[error("分数 {0} 须以 0.5 分为单位")]
    NotHalfStep(Points),
}

pub fn check_mark(mark: Points) -> Result<Points, MarkError> {
    if mark < Points::ZERO || mark > MAX_MARK {
        return Err(MarkError::OutOfRange(mark));
    }
    if !mark.is_half_step() {
        return Err(MarkError::NotHalfStep(mark));
    }
    Ok(mark)
}

/// The marker slot of the third (arbitration) marking; 1 and 2 are the two independent marks,
/// `FIRST_APPEAL_SLOT` and above appeal re-marks.
pub const THIRD_SLOT: i64 = 3;
pub const FIRST_APPEAL_SLOT: i64 = 4;

/// The tie rule, as the office reads it where it sets the marking policy.
pub const TIE_RULE_ZH: &str = "两评分差不超过误差阈值时取两评平均分；超过时由阅卷组长第三评（仲裁），\
     最终分取三个分数中最接近的两个分数的平均分；若有两组同样接近（第三评恰在两评正中，或与其中一评的距离等于两评之差），\
     取三个分数的中位数";

/// A round of marking, named in the order the marks were given (not by the task's slot: the
/// first mark an answer ever receives is its 第一评, whichever of its two tasks it was).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Round {
    First,
    Second,
    Third,
    Appeal,
}

impl Round {
    /// The round of a mark on a task of `slot`, given how many independent marks (first and
    /// second rounds, re-opened ones included) the answer received before it.
    pub fn of(slot: i64, independent_before: usize) -> Round {
        match slot {
            s if s >= FIRST_APPEAL_SLOT => Round::Appeal,
            THIRD_SLOT => Round::Third,
            _ if independent_before == 0 => Round::First,
            _ => Round::Second,
        }
    }

    /// The rounds of an answer's marks, given as (slot, superseded) in the order they were
    /// given. A standing mark is numbered among the standing marks before it (a re-mark after a
    /// re-open takes the place of the mark it replaces); a superseded one among all before it.
    pub fn in_order(marks: &[(i64, bool)]) -> Vec<Round> {
        let (mut standing, mut all) = (0, 0);
        marks
            .iter()
            .map(|&(slot, superseded)| {
                let round = Round::of(slot, if superseded { all } else { standing });
                if slot < THIRD_SLOT {
                    all += 1;
                    if !superseded {
                        standing += 1;
                    }
                }
                round
            })
            .collect()
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Round::First => "第一评",
            Round::Second => "第二评",
            Round::Third => "第三评（仲裁）",
            Round::Appeal => "复评（申诉）",
        }
    }
}

/// Resolves an answer's standing from its marks in the order they were given (the two
/// independent marks, then the third marker's), under a policy whose `double` is the number of
/// marks fixed for the answer when it was queued.
///
/// With three marks the final mark is the mean of the two closest. When two pairs are equally
/// close (the third mark midway between the first two, or as far from one of them as the first
/// two are apart), the final mark is the median of the three — the mark both pairs share — so
/// neither original marker's pair is preferred by the order of the arithmetic.
pub fn resolve(policy: &MarkingPolicy, marks: &[Points]) -> Resolution {
    match (policy.double, marks) {
        (_, []) => Resolution::Pending {
            needed: policy.marks_needed(),
        },
        (false, [m, ..]) => Resolution::Final(*m),
        (true, [_]) => Resolution::Pending { needed: 2 },
        (true, [a, b]) if a.abs_diff(*b) <= policy.tolerance => Resolution::Final(Points::mean2(*a, *b)),
        (true, [_, _]) => Resolution::Disputed,
        (true, [a, b, c, ..]) => {
            let pairs = [
                (a.abs_diff(*b), Points::mean2(*a, *b)),
                (a.abs_diff(*c), Points::mean2(*a, *c)),
                (b.abs_diff(*c), Points::mean2(*b, *c)),
            ];
            let closest = pairs.iter().map(|(d, _)| *d).min().unwrap_or(Points::ZERO);
            let mut tied = pairs.iter().filter(|(d, _)| *d == closest);
            match (tied.next(), tied.next()) {
                (Some((_, mean)), None) => Resolution::Final(*mean),
                _ => {
                    let mut three = [*a, *b, *c];
                    three.sort();
                    Resolution::Final(three[1])
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Points {
        s.parse().unwrap()
    }

    fn r(marks: &[&str]) -> Resolution {
        resolve(
            &MarkingPolicy::default(),
            &marks.iter().map(|m| p(m)).collect::<Vec<_>>(),
        )
    }

    #[test]
    fn two_marks_within_tolerance_give_their_mean() {
        assert_eq!(r(&["12", "14"]), Resolution::Final(p("13")));
        assert_eq!(
            r(&["12.5", "13"]),
            Resolution::Final(p("12.75")),
            "half points give exact quarters"
        );
        assert_eq!(
            r(&["10", "13"]),
            Resolution::Final(p("11.5")),
            "exactly the tolerance needs no third marker"
        );
    }

    #[test]
    fn beyond_the_tolerance_a_third_marker_decides() {
        assert_eq!(r(&["10", "13.5"]), Resolution::Disputed, "3.5 apart is beyond 3");
        assert_eq!(
            r(&["10", "16", "15"]),
            Resolution::Final(p("15.5")),
            "mean of the two closest (16, 15)"
        );
        assert_eq!(
            r(&["10", "16", "9"]),
            Resolution::Final(p("9.5")),
            "mean of the two closest (10, 9)"
        );
        assert_eq!(
            r(&["10", "16", "13"]),
            Resolution::Final(p("13")),
            "equidistant: the third mark decides"
        );
        assert_eq!(
            r(&["10", "14", "20"]),
            Resolution::Final(p("12")),
            "the original pair may be the closest"
        );
    }

    /// The tie rule at its boundaries: two equally close pairs give the median, whichever pairs
    /// they are; a pair closer by half a point still gives that pair's mean.
    #[test]
    fn equally_close_pairs_give_the_median() {
        // The first pair ties with a pair that includes the third mark (the case the office
        // found: 6, 11.5, 17 gave 8.75, the first pair's mean, ignoring the third marker).
        assert_eq!(r(&["6", "11.5", "17"]), Resolution::Final(p("11.5")));
        assert_eq!(r(&["11.5", "6", "0.5"]), Resolution::Final(p("6")), "the other side");
        // The third mark midway between the first two: both pairs with it tie.
        assert_eq!(r(&["10", "16", "13"]), Resolution::Final(p("13")));
        assert_eq!(r(&["4", "12", "8"]), Resolution::Final(p("8")));
        // Half a point off the tie: the closest pair's mean.
        assert_eq!(
            r(&["6", "11.5", "16.5"]),
            Resolution::Final(p("14")),
            "(11.5, 16.5) is 5 apart, (6, 11.5) 5.5"
        );
        assert_eq!(
            r(&["6", "11.5", "17.5"]),
            Resolution::Final(p("8.75")),
            "(6, 11.5) is 5.5 apart, (11.5, 17.5) 6"
        );
        assert_eq!(r(&["10", "16", "13.5"]), Resolution::Final(p("14.75")));
        // The third marker agrees with one of the two: that pair.
        assert_eq!(r(&["10", "16", "16"]), Resolution::Final(p("16")));
        // The final mark never leaves the range of the three marks, whatever their order.
        for marks in [["6", "11.5", "17"], ["17", "6", "11.5"], ["11.5", "17", "6"]] {
            let Resolution::Final(m) = r(&marks) else { panic!() };
            assert_eq!(m, p("11.5"), "{marks:?}");
        }
    }

    #[test]
    fn rounds_follow_the_order_marks_were_given() {
        // The second task's mark given first is the answer's 第一评.
        let given = |slots: &[i64]| Round::in_order(&slots.iter().map(|s| (*s, false)).collect::<Vec<_>>());
        assert_eq!(given(&[2, 1, 3]), [Round::First, Round::Second, Round::Third]);
        assert_eq!(given(&[1, 2, 4]), [Round::First, Round::Second, Round::Appeal]);
        assert_eq!(given(&[1]), [Round::First]);
        // A first mark re-opened by the chief: the re-mark takes its place as 第一评 when the
        // answer has no other standing mark.
        assert_eq!(Round::in_order(&[(1, true), (1, false)]), [Round::First, Round::First]);
        assert_eq!(
            Round::in_order(&[(1, true), (2, false), (1, false)]),
            [Round::First, Round::First, Round::Second]
        );
        assert_eq!(Round::of(2, 0).name_zh(), "第一评");
        assert_eq!(Round::of(1, 1).name_zh(), "第二评");
        assert_eq!(Round::of(3, 2).name_zh(), "第三评（仲裁）");
        assert_eq!(Round::of(5, 3).name_zh(), "复评（申诉）");
    }

    #[test]
    fn pending_and_single_marking() {
        assert_eq!(r(&[]), Resolution::Pending { needed: 2 });
        assert_eq!(r(&["8"]), Resolution::Pending { needed: 2 });
        let single = MarkingPolicy {
            double: false,
            ..MarkingPolicy::default()
        };
        assert_eq!(resolve(&single, &[p("8.5")]), Resolution::Final(p("8.5")));
        assert_eq!(single.marks_needed(), 1);
        assert_eq!(MarkingPolicy::default().marks_needed(), 2);
    }

    #[test]
    fn marks_are_0_to_20_in_half_points() {
        assert_eq!(check_mark(p("20")), Ok(p("20")));
        assert_eq!(check_mark(p("0")), Ok(p("0")));
        assert_eq!(check_mark(p("20.5")), Err(MarkError::OutOfRange(p("20.5"))));
        assert_eq!(check_mark(p("-0.5")), Err(MarkError::OutOfRange(p("-0.5"))));
        assert_eq!(check_mark(p("12.25")), Err(MarkError::NotHalfStep(p("12.25"))));
    }
}
