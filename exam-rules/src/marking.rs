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

/// Resolves an answer's standing from its marks (first, second, third marker).
///
/// With three marks the final mark is the mean of the two closest. If the third mark is exactly
/// midway between the first two, both pairs are equally close; the mean of either pair would
/// favour one of the two original markers, so the third (senior) marker's mark decides — which is
/// also the mean of all three in that case.
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
            let (ac, bc) = (a.abs_diff(*c), b.abs_diff(*c));
            let ab = a.abs_diff(*b);
            let closest = ac.min(bc).min(ab);
            if ac == bc && ac == closest {
                Resolution::Final(*c)
            } else if ab == closest {
                Resolution::Final(Points::mean2(*a, *b))
            } else if ac == closest {
                Resolution::Final(Points::mean2(*a, *c))
            } else {
                Resolution::Final(Points::mean2(*b, *c))
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
