//! Item analysis: Exametrika's published J15S500 statistics reproduced, and small hand-computed
//! cases for what J15S500 cannot show (distractors, negative discrimination, the 27 % groups,
//! two markers, elective questions, degenerate input).

use std::path::PathBuf;

use question_bank::analysis::{
    Analysis, AnalysisError, AnalysisSettings, Answer, FlagKind, ItemAnalysis, ItemSpec, ResponseMatrix, analyse,
    bank_labels, upper_lower_groups,
};
use question_bank::assembly::{OptionText, PaperItem};
use question_bank::{ChoiceKind, ContentHash, ItemId, Label, Module, Points};

fn id(s: &str) -> ItemId {
    ItemId::parse(s).unwrap()
}

fn label(c: char) -> Label {
    Label::from_char(c).unwrap()
}

fn pts(s: &str) -> Points {
    s.parse().unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// A matrix of whole-point scores for `ScoreOnly` items of the given maxima.
fn scored(maxima: &[i64], rows: &[&[i64]]) -> ResponseMatrix {
    let items = maxima
        .iter()
        .enumerate()
        .map(|(j, &m)| ItemSpec::score_only(id(&format!("I{:02}", j + 1)), Points::whole(m)))
        .collect();
    let rows = rows
        .iter()
        .map(|r| r.iter().map(|&s| Answer::score(Points::whole(s))).collect())
        .collect();
    ResponseMatrix::new(items, rows).unwrap()
}

/// Every real number in an analysis is finite (serde_json would silently write NaN as null,
/// so this walks the fields instead).
fn assert_all_finite(a: &Analysis) {
    let t = &a.test;
    let mut xs = vec![Some(t.mean), t.variance, t.sd, t.skewness, t.kurtosis];
    xs.extend([Some(t.q1), Some(t.median), Some(t.q3), t.alpha, t.sem]);
    if let Some(g) = &t.groups {
        xs.extend([Some(g.upper_mean), Some(g.lower_mean)]);
    }
    for i in &a.items {
        xs.extend([i.mean, i.sd, i.facility, i.item_total_r, i.item_total_r_exametrika]);
        xs.extend([
            i.item_rest_r,
            i.upper_facility,
            i.lower_facility,
            i.discrimination,
            i.alpha_if_deleted,
        ]);
        if let Some(c) = &i.choices {
            xs.extend(c.options.iter().map(|o| Some(o.share)));
            xs.push(Some(c.omitted.share));
        }
        if let Some(m) = &i.markers {
            xs.extend([Some(m.exact), Some(m.within_tolerance), Some(m.mean_abs_diff)]);
            xs.extend([Some(m.mean_diff), m.pearson]);
        }
    }
    for x in xs.into_iter().flatten() {
        assert!(x.is_finite(), "non-finite statistic {x} in {a:#?}");
    }
}

fn flag_kinds(item: &ItemAnalysis) -> Vec<FlagKind> {
    item.flags.iter().map(|f| f.kind).collect()
}

// ---------------------------------------------------------------------------------------------
// J15S500 (Exametrika)
// ---------------------------------------------------------------------------------------------

fn j15s500_dir() -> PathBuf {
    // A copy of ../shared/testdata/psychometrics/exametrika-J15S500 (MIT, see its LICENSE.md), so
    // the test runs from any clone.
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/exametrika-J15S500")
}

fn read_j15s500() -> ResponseMatrix {
    let path = j15s500_dir().join("J15S500.csv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        eprintln!();
        eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
        eprintln!("!!! Test data missing: {} ({e})", path.display());
        eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
        panic!("J15S500.csv not found at {}", path.display());
    });
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    assert_eq!(header[0], "Student");
    let items = header[1..]
        .iter()
        .map(|name| ItemSpec::score_only(id(name.trim()), Points::whole(1)))
        .collect();
    let rows = lines
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            line.split(',')
                .skip(1)
                .map(|v| Answer::score(v.trim().parse().expect("a 0/1 score")))
                .collect()
        })
        .collect();
    ResponseMatrix::new(items, rows).expect("J15S500 is a valid matrix")
}

/// Checks a computed value against a published one printed with d decimals: it must round to
/// the same text, i.e. lie within half a unit of the last printed digit.
fn published(what: &str, computed: f64, printed: &str) -> String {
    let value: f64 = printed.parse().unwrap();
    let decimals = printed.split_once('.').map_or(0, |(_, f)| f.len());
    let tolerance = 0.5 * 10f64.powi(-(decimals as i32));
    assert!(
        (computed - value).abs() <= tolerance + 1e-12,
        "{what}: computed {computed} is not within {tolerance} of the published {printed}"
    );
    assert_eq!(format!("{computed:.decimals$}"), printed, "{what}: rounds differently");
    format!(
        "{what}: {printed} (computed {computed:.9}, |Δ| = {:.1e})",
        (computed - value).abs()
    )
}

#[test]
fn j15s500_reproduces_exametrika() {
    let analysis = analyse(&read_j15s500(), &AnalysisSettings::default());
    let t = &analysis.test;
    let mut matched = Vec::new();

    assert_eq!((t.candidates, t.items, t.alpha_items), (500, 15, 15));
    matched.push(published("mean", t.mean, "9.664"));
    matched.push(published("variance", t.variance.unwrap(), "7.0892826"));
    matched.push(published("SD", t.sd.unwrap(), "2.6625707"));
    matched.push(published("skewness", t.skewness.unwrap(), "-0.4116220"));
    matched.push(published("kurtosis", t.kurtosis.unwrap(), "-0.4471624"));
    assert_eq!((t.min, t.max), (Points::whole(2), Points::whole(15)));
    assert_eq!((t.q1, t.median, t.q3), (8.0, 10.0, 12.0));
    matched.push("min 2, max 15, Q1 8, median 10, Q3 12: exact".into());
    let alpha = t.alpha.unwrap();
    matched.push(published("alpha", alpha, "0.625"));

    // SEM = SD·√(1 − α), and α equals KR-20 computed independently from the facilities.
    assert!(close(t.sem.unwrap(), t.sd.unwrap() * (1.0 - alpha).sqrt()));
    let sum_pq: f64 = analysis
        .items
        .iter()
        .map(|i| i.facility.unwrap() * (1.0 - i.facility.unwrap()))
        .sum();
    let pop_var = t.variance.unwrap() * 499.0 / 500.0;
    assert!(
        close(alpha, 15.0 / 14.0 * (1.0 - sum_pq / pop_var)),
        "KR-20 = α for 0/1 items"
    );

    // (facility p, ITCrr, alpha if deleted) as printed in EXPECTED.md.
    let table = [
        ("0.746", "0.375", "0.613"),
        ("0.754", "0.393", "0.609"),
        ("0.726", "0.321", "0.622"),
        ("0.776", "0.503", "0.590"),
        ("0.804", "0.329", "0.617"),
        ("0.864", "0.377", "0.608"),
        ("0.716", "0.483", "0.594"),
        ("0.588", "0.405", "0.611"),
        ("0.364", "0.225", "0.642"),
        ("0.662", "0.314", "0.626"),
        ("0.286", "0.455", "0.599"),
        ("0.274", "0.468", "0.597"),
        ("0.634", "0.471", "0.597"),
        ("0.764", "0.485", "0.593"),
        ("0.706", "0.413", "0.607"),
    ];
    assert_eq!(analysis.items.len(), table.len());
    let mut plain_differs = Vec::new();
    for (item, (p, itc, aid)) in analysis.items.iter().zip(table) {
        let name = item.id.as_str();
        matched.push(published(&format!("{name} p"), item.facility.unwrap(), p));
        matched.push(published(
            &format!("{name} ITCrr"),
            item.item_total_r_exametrika.unwrap(),
            itc,
        ));
        matched.push(published(
            &format!("{name} alpha if deleted"),
            item.alpha_if_deleted.unwrap(),
            aid,
        ));
        // The plain Pearson r is within 0.001 of the published value but mostly does not round
        // to it: the reason the Exametrika variant exists.
        let plain = item.item_total_r.unwrap();
        assert!((plain - itc.parse::<f64>().unwrap()).abs() < 0.001 + 0.0005, "{name}");
        if format!("{plain:.3}") != itc {
            plain_differs.push(name.to_string());
        }
        assert!(close(item.item_total_r_exametrika.unwrap(), plain * 499.0 / 500.0));
        // Mean of a 0/1 item is its facility; the rest correlation is the lower one.
        assert!(close(item.mean.unwrap(), item.facility.unwrap()));
        assert!(item.item_rest_r.unwrap() < plain);
    }
    assert_eq!(plain_differs.len(), 13, "all but Item01 and Item09: {plain_differs:?}");

    // Review flags: only Item09 (item–rest r ≈ 0.046) falls below 0.10; no facility is outside
    // 0.20–0.95; score-only items have no distractors.
    let flagged: Vec<(&str, Vec<FlagKind>)> = analysis
        .items
        .iter()
        .filter(|i| !i.flags.is_empty())
        .map(|i| (i.id.as_str(), flag_kinds(i)))
        .collect();
    assert_eq!(flagged, [("Item09", vec![FlagKind::LowDiscrimination])]);
    assert!(analysis.items[8].flags[0].reason.contains("区分度过低"));

    // Groups: 27 % of 500 = 135 each; every candidate lands in one of bins 0–15.
    let g = t.groups.as_ref().unwrap();
    assert_eq!(g.size, 135);
    assert!(g.upper_cut >= g.lower_cut && g.upper_mean > g.lower_mean);
    assert_eq!(t.bin_width, Points::whole(1));
    assert_eq!(t.distribution.len(), 16);
    assert_eq!(t.distribution.iter().map(|b| b.count).sum::<usize>(), 500);
    assert!(t.distribution[..2].iter().all(|b| b.count == 0), "min is 2");
    assert!(t.distribution[2].count > 0 && t.distribution[15].count > 0);
    for item in &analysis.items {
        let d = item.discrimination.unwrap();
        assert!(close(d, item.upper_facility.unwrap() - item.lower_facility.unwrap()));
        assert!(d > 0.0, "{}: every J15S500 item discriminates positively", item.id);
    }
    assert_all_finite(&analysis);

    println!("J15S500 published values reproduced:\n  {}", matched.join("\n  "));
}

// ---------------------------------------------------------------------------------------------
// Small hand-computed cases
// ---------------------------------------------------------------------------------------------

#[test]
fn upper_and_lower_27_percent_groups_on_a_tiny_matrix() {
    // Totals 4, 3, 3, 3, 2, 2, 1, 1, 1, 0. g = round(0.27 · 10) = 3. Rows 1–3 tie on 3: by
    // row order rows 1 and 2 join the upper group, row 3 does not; rows 6–8 tie on 1 and the
    // last of them in rank order (7, 8) join the lower group with row 9.
    let m = scored(
        &[1, 1, 1, 1],
        &[
            &[1, 1, 1, 1],
            &[1, 1, 1, 0],
            &[0, 1, 1, 1],
            &[1, 0, 1, 1],
            &[1, 1, 0, 0],
            &[0, 0, 1, 1],
            &[1, 0, 0, 0],
            &[0, 1, 0, 0],
            &[0, 0, 0, 1],
            &[0, 0, 0, 0],
        ],
    );
    let groups = upper_lower_groups(&m.totals(), 27).unwrap();
    assert_eq!(groups.upper, [0, 1, 2]);
    assert_eq!(groups.lower, [7, 8, 9]);

    let a = analyse(&m, &small_sample());
    let g = a.test.groups.as_ref().unwrap();
    assert_eq!(
        (g.size, g.upper_cut, g.lower_cut),
        (3, Points::whole(3), Points::whole(1))
    );
    assert!(close(g.upper_mean, 10.0 / 3.0) && close(g.lower_mean, 2.0 / 3.0));
    // Item 1: upper rows 0, 1, 2 score 1, 1, 0; lower rows 7, 8, 9 score 0, 0, 0.
    let i1 = &a.items[0];
    assert!(close(i1.upper_facility.unwrap(), 2.0 / 3.0) && close(i1.lower_facility.unwrap(), 0.0));
    assert!(close(i1.discrimination.unwrap(), 2.0 / 3.0));
    // Item 4: upper 1, 0, 1; lower 0, 1, 0.
    assert!(close(a.items[3].discrimination.unwrap(), 1.0 / 3.0));
    // Whole-point totals 0–4: five one-point bins.
    let counts: Vec<usize> = a.test.distribution.iter().map(|b| b.count).collect();
    assert_eq!(counts, [1, 3, 2, 3, 1]);
    assert_eq!((a.test.q1, a.test.median, a.test.q3), (1.0, 2.0, 3.0));
}

/// A 4-option single-choice item (key A) beside three 10-point items that rank the candidates
/// 0 (best) to 9 (worst). Upper group: candidates 0–2; lower group: 7–9.
fn distractor_matrix() -> ResponseMatrix {
    let chosen = ['A', 'C', 'C', 'A', 'A', 'B', ' ', 'A', 'B', 'B'];
    let mut items: Vec<ItemSpec> = (1..=3)
        .map(|j| ItemSpec::score_only(id(&format!("anchor{j}")), Points::whole(10)))
        .collect();
    items.push(ItemSpec::choice(
        id("single-1"),
        ChoiceKind::Single,
        Points::whole(1),
        4,
        [label('A')].into(),
    ));
    let rows = chosen
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let mut row = vec![Answer::score(Points::whole(10 - i as i64)); 3];
            row.push(match c {
                ' ' => Answer::Blank,
                'A' => Answer::choice(Points::whole(1), [label('A')]),
                other => Answer::choice(Points::ZERO, [label(other)]),
            });
            row
        })
        .collect();
    ResponseMatrix::new(items, rows).unwrap()
}

#[test]
fn a_distractor_attracting_the_upper_group_is_flagged() {
    let a = analyse(&distractor_matrix(), &small_sample());
    let item = &a.items[3];
    let c = item.choices.as_ref().unwrap();
    let row = |l: char| &c.options[label(l).index()];
    let counts = |l: char| (row(l).count, row(l).upper, row(l).lower);
    assert_eq!(counts('A'), (4, Some(1), Some(1)));
    assert_eq!(counts('B'), (3, Some(0), Some(2)));
    assert_eq!(counts('C'), (2, Some(2), Some(0)));
    assert_eq!(counts('D'), (0, Some(0), Some(0)));
    assert!(row('A').is_key && !row('C').is_key);
    assert!(close(row('B').share, 0.3));
    assert_eq!(
        (c.omitted.count, c.omitted.upper, c.omitted.lower),
        (1, Some(0), Some(0))
    );
    assert_eq!((c.upper_n, c.lower_n), (Some(3), Some(3)));
    assert_eq!((item.taken, item.blank), (10, 1));

    // C: 2 upper vs 0 lower fires; B (0 vs 2) and D (0 vs 0) do not.
    let distractors: Vec<_> = item.flags.iter().filter(|f| f.kind == FlagKind::Distractor).collect();
    assert_eq!(distractors.len(), 1);
    assert_eq!(distractors[0].option, Some(label('C')));
    assert!(distractors[0].reason.contains("干扰项 C"), "{}", distractors[0].reason);

    // p = 4/10; D = 1/3 − 1/3 = 0; item–rest r (hand-computed) 0.2843 — above 0.10.
    assert!(close(item.facility.unwrap(), 0.4));
    assert!(close(item.discrimination.unwrap(), 0.0));
    assert!((item.item_rest_r.unwrap() - 0.284_267_621_807).abs() < 1e-9);
    assert_eq!(flag_kinds(item), [FlagKind::Distractor]);
    assert_all_finite(&a);
}

#[test]
fn an_item_the_weaker_candidates_get_right_has_negative_discrimination() {
    // Three anchor items and a "bad" fourth that only the weaker half answers correctly.
    let m = scored(
        &[1, 1, 1, 1],
        &[
            &[1, 1, 1, 0],
            &[1, 1, 1, 0],
            &[1, 1, 0, 0],
            &[1, 0, 0, 1],
            &[0, 1, 0, 1],
            &[0, 0, 0, 1],
        ],
    );
    let a = analyse(&m, &small_sample());
    let bad = &a.items[3];
    // Rest scores 3, 3, 2, 1, 1, 0 against 0, 0, 0, 1, 1, 1: r = −0.904534 (by hand);
    // against totals 3, 3, 2, 2, 2, 1: r = −0.727607.
    assert!((bad.item_rest_r.unwrap() - (-0.904_534_033_733)).abs() < 1e-9);
    assert!((bad.item_total_r.unwrap() - (-0.727_606_875_109)).abs() < 1e-9);
    // g = round(1.62) = 2: upper rows 0, 1 (score 0), lower rows 4, 5 (score 1).
    assert!(close(bad.discrimination.unwrap(), -1.0));
    assert_eq!(flag_kinds(bad), [FlagKind::NegativeDiscrimination]);
    assert!(bad.flags[0].reason.contains("区分度为负"), "{}", bad.flags[0].reason);
    // Removing the bad item raises α.
    assert!(bad.alpha_if_deleted.unwrap() > a.test.alpha.unwrap());
    assert_all_finite(&a);
}

#[test]
fn inter_marker_agreement_on_a_few_pairs() {
    let items = vec![ItemSpec::open(id("open-1"), Points::whole(20))];
    let rows: Vec<Vec<Answer>> = [("10", "10"), ("8", "9"), ("6.5", "5"), ("12", "12"), ("3", "7")]
        .iter()
        .map(|(m1, m2)| vec![Answer::double_marked(Points::mean2(pts(m1), pts(m2)), pts(m1), pts(m2))])
        .chain([
            vec![Answer::open(Points::whole(15))],
            vec![Answer::Blank],
            vec![Answer::NotTaken],
        ])
        .collect();
    let m = ResponseMatrix::new(items, rows).unwrap();

    // Differences 0, −1, 1.5, 0, −4: exact 2/5; within the default 3 points 4/5;
    // mean |d| = 6.5/5 = 1.3; mean d = −3.5/5 = −0.7; r = 0.8027010647 (by hand).
    let a = analyse(&m, &small_sample());
    let k = a.items[0].markers.as_ref().unwrap();
    assert_eq!((k.pairs, k.tolerance), (5, Points::whole(3)));
    assert!(close(k.exact, 0.4) && close(k.within_tolerance, 0.8));
    assert!(close(k.mean_abs_diff, 1.3) && close(k.mean_diff, -0.7));
    assert!((k.pearson.unwrap() - 0.802_701_064_721).abs() < 1e-9);

    let strict = AnalysisSettings {
        marker_tolerance: Points::whole(1),
        ..small_sample()
    };
    let k = analyse(&m, &strict).items[0].markers.clone().unwrap();
    assert!(close(k.within_tolerance, 0.6));

    // Mean and SD over the 7 who took it (scores 10, 8.5, 5.75, 12, 5, 15, 0), in points.
    let item = &a.items[0];
    assert_eq!((item.taken, item.blank), (7, 1));
    let scores = [10.0, 8.5, 5.75, 12.0, 5.0, 15.0, 0.0];
    let mean = scores.iter().sum::<f64>() / 7.0;
    let var = scores.iter().map(|s| (s - mean) * (s - mean)).sum::<f64>() / 6.0;
    assert!(close(item.mean.unwrap(), mean) && close(item.sd.unwrap(), var.sqrt()));
    assert!(close(item.facility.unwrap(), mean / 20.0));
    assert_eq!(item.choices, None);
    assert_all_finite(&a);
}

#[test]
fn elective_open_questions_are_analysed_over_those_who_took_them() {
    // Two 1-point objective items every candidate took; two 20-point open questions of which
    // each candidate answers one.
    let items = vec![
        ItemSpec::score_only(id("obj-1"), Points::whole(1)),
        ItemSpec::score_only(id("obj-2"), Points::whole(1)),
        ItemSpec::open(id("open-1"), Points::whole(20)),
        ItemSpec::open(id("open-2"), Points::whole(20)),
    ];
    let s = |p: i64| Answer::score(Points::whole(p));
    let o = |p: i64| Answer::open(Points::whole(p));
    let rows = vec![
        vec![s(1), s(1), o(18), Answer::NotTaken],
        vec![s(1), s(0), o(12), Answer::NotTaken],
        vec![s(0), s(1), Answer::NotTaken, o(10)],
        vec![s(0), s(0), Answer::NotTaken, o(4)],
    ];
    let a = analyse(&ResponseMatrix::new(items, rows).unwrap(), &small_sample());
    assert_eq!(a.test.alpha_items, 2, "α covers the items everyone took");
    assert_eq!(a.test.max_possible, Points::whole(42));
    let open1 = &a.items[2];
    assert_eq!(open1.taken, 2);
    assert!(
        close(open1.facility.unwrap(), 15.0 / 20.0),
        "(18 + 12) / 2 / 20, not / 4"
    );
    assert_eq!(open1.alpha_if_deleted, None);
    assert!(a.items[0].alpha_if_deleted.is_none(), "one item would remain");
    // Totals 20, 13, 11, 4; α over obj-1 and obj-2 (which are uncorrelated): 0.
    assert!(close(a.test.alpha.unwrap(), 0.0));
    assert_all_finite(&a);
}

#[test]
fn everyone_on_the_same_total_gives_none_not_nan() {
    // Same answers everywhere: every variance is zero.
    let a = analyse(
        &scored(&[1, 1, 2], &[&[1, 0, 2], &[1, 0, 2], &[1, 0, 2], &[1, 0, 2]]),
        &small_sample(),
    );
    let t = &a.test;
    assert_eq!((t.mean, t.variance, t.sd), (3.0, Some(0.0), Some(0.0)));
    assert_eq!((t.skewness, t.kurtosis, t.alpha, t.sem), (None, None, None, None));
    assert_eq!(
        (t.min, t.max, t.q1, t.median, t.q3),
        (Points::whole(3), Points::whole(3), 3.0, 3.0, 3.0)
    );
    for item in &a.items {
        assert_eq!(item.item_total_r, None);
        assert_eq!(item.item_total_r_exametrika, None);
        assert_eq!(item.item_rest_r, None);
        assert_eq!(item.discrimination, None, "groups cannot be told apart");
        assert_eq!(item.alpha_if_deleted, None);
        assert_eq!(item.sd, Some(0.0));
    }
    assert_eq!(flag_kinds(&a.items[0]), [FlagKind::TooEasy]);
    assert_eq!(flag_kinds(&a.items[1]), [FlagKind::TooHard]);
    assert_all_finite(&a);

    // Items that vary but cancel out: totals are all 1, so α and the item–total r are
    // undefined, while the two items correlate perfectly negatively with each other.
    let a = analyse(&scored(&[1, 1], &[&[1, 0], &[0, 1], &[1, 0], &[0, 1]]), &small_sample());
    assert_eq!((a.test.alpha, a.test.skewness), (None, None));
    assert_eq!(a.items[0].item_total_r, None);
    assert!(close(a.items[0].item_rest_r.unwrap(), -1.0));
    assert_eq!(a.items[0].discrimination, None);
    assert_all_finite(&a);

    // A single candidate: no variance, no groups.
    let a = analyse(&scored(&[1, 1, 1], &[&[1, 0, 1]]), &small_sample());
    assert_eq!((a.test.variance, a.test.sd, a.test.groups.clone()), (None, None, None));
    assert_eq!((a.test.q1, a.test.median, a.test.q3), (2.0, 2.0, 2.0));
    assert_eq!((a.items[0].sd, a.items[0].upper_facility), (None, None));
    assert_all_finite(&a);

    // The JSON a renderer gets has no NaN and carries the Chinese reasons.
    let json = serde_json::to_string(&a).unwrap();
    assert!(!json.contains("NaN") && json.contains("题目过易"), "{json}");
}

#[test]
fn invalid_matrices_are_refused_with_a_reason() {
    let spec = || {
        vec![ItemSpec::choice(
            id("q1"),
            ChoiceKind::Single,
            Points::whole(1),
            4,
            [label('B')].into(),
        )]
    };
    let err = |items, rows| ResponseMatrix::new(items, rows).unwrap_err();

    assert_eq!(err(spec(), vec![]), AnalysisError::NoCandidates);
    assert_eq!(err(vec![], vec![vec![]]), AnalysisError::NoItems);
    let e = err(spec(), vec![vec![Answer::Blank, Answer::Blank]]);
    assert!(matches!(
        e,
        AnalysisError::RowLength {
            candidate: 0,
            expected: 1,
            found: 2
        }
    ));
    assert!(e.to_string().contains("第 1 名考生"), "{e}");

    let e = err(
        spec(),
        vec![
            vec![Answer::Blank],
            vec![Answer::choice(Points::whole(2), [label('B')])],
        ],
    );
    assert!(matches!(e, AnalysisError::BadAnswer { candidate: 1, .. }));
    assert!(
        e.to_string().contains("第 2 名考生") && e.to_string().contains("0–1"),
        "{e}"
    );

    let e = err(spec(), vec![vec![Answer::choice(Points::ZERO, [label('E')])]]);
    assert!(e.to_string().contains("选项 E"), "{e}");
    let e = err(spec(), vec![vec![Answer::open(Points::ZERO)]]);
    assert!(e.to_string().contains("类型不符"), "{e}");

    let two_keys = ItemSpec::choice(
        id("q1"),
        ChoiceKind::Single,
        Points::whole(1),
        4,
        [label('A'), label('B')].into(),
    );
    assert!(matches!(
        err(vec![two_keys], vec![vec![Answer::Blank]]),
        AnalysisError::BadKey { .. }
    ));
    let e = err([spec(), spec()].concat(), vec![vec![Answer::Blank; 2]]);
    assert_eq!(e, AnalysisError::DuplicateItem(id("q1")));
    let e = err(vec![ItemSpec::open(id("o"), Points::ZERO)], vec![vec![Answer::Blank]]);
    assert!(matches!(e, AnalysisError::BadMax { .. }));
    let e = err(
        vec![ItemSpec::open(id("o"), Points::whole(20))],
        vec![vec![Answer::double_marked(
            Points::whole(10),
            Points::whole(10),
            Points::whole(21),
        )]],
    );
    assert!(e.to_string().contains("第二评分员"), "{e}");
}

#[test]
fn paper_labels_are_translated_back_to_bank_labels() {
    // On this form the bank's options C, A, D, B are printed as A, B, C, D; the key is bank A.
    let sources = ['C', 'A', 'D', 'B'];
    let item = PaperItem {
        no: 1,
        item_id: id("Q-001"),
        module: Module::new(6).unwrap(),
        kind: ChoiceKind::Multi,
        points: Points::whole(2),
        stem: "……".into(),
        options: sources
            .iter()
            .enumerate()
            .map(|(i, &s)| OptionText {
                label: Label::from_index(i),
                text: format!("选项{i}"),
                source: label(s),
            })
            .collect(),
        key: vec![label('B'), label('D')],
        item_hash: ContentHash("0".repeat(64)),
        images: Vec::new(),
    };
    let spec = ItemSpec::from_paper_item(&item);
    assert_eq!(spec.max, Points::whole(2));
    assert_eq!(
        spec.form,
        question_bank::analysis::ItemForm::Choice {
            kind: ChoiceKind::Multi,
            options: 4,
            key: [label('A'), label('B')].into(),
        }
    );
    assert_eq!(
        bank_labels(&item, [label('A'), label('C')]),
        Some([label('C'), label('D')].into())
    );
    assert_eq!(bank_labels(&item, [label('E')]), None);
}

/// The settings for the hand-made matrices here, which have a few candidates each: every figure
/// computed, as if the sample were large enough.
fn small_sample() -> AnalysisSettings {
    AnalysisSettings {
        min_candidates: 0,
        ..AnalysisSettings::default()
    }
}

/// Below the stated minimum of candidates (30 by default) reliability is withheld and no item is
/// flagged: two candidates gave α = −3.1 and flagged nearly every item. The full marks stated for
/// the paper bound the distribution, not the sum of every item anyone took.
#[test]
fn a_small_sample_withholds_reliability_and_flags_and_full_marks_are_the_papers() {
    let m = distractor_matrix();
    let full = analyse(&m, &small_sample());
    assert!(
        full.items.iter().any(|i| !i.flags.is_empty()),
        "the matrix has something to flag"
    );
    let a = analyse(&m, &AnalysisSettings::default());
    assert!(a.test.candidates < 30);
    assert!(a.test.too_few_candidates);
    assert_eq!((a.test.alpha, a.test.sem), (None, None));
    assert!(
        a.items
            .iter()
            .all(|i| i.flags.is_empty() && i.alpha_if_deleted.is_none())
    );
    assert_eq!(a.test.mean, full.test.mean, "the descriptive figures stay");

    let items = vec![
        ItemSpec::open(id("M1-O-001"), Points::whole(20)),
        ItemSpec::open(id("M1-O-002"), Points::whole(20)),
        ItemSpec::open(id("M1-O-003"), Points::whole(20)),
    ];
    let rows = vec![
        vec![
            Answer::open(Points::whole(12)),
            Answer::open(Points::whole(15)),
            Answer::NotTaken,
        ],
        vec![
            Answer::NotTaken,
            Answer::open(Points::whole(9)),
            Answer::open(Points::whole(18)),
        ],
    ];
    let m = ResponseMatrix::new(items, rows)
        .unwrap()
        .with_full_marks(Points::whole(40));
    let a = analyse(&m, &small_sample());
    assert_eq!(
        a.test.max_possible,
        Points::whole(40),
        "two of three questions answered"
    );
    assert_eq!(a.test.distribution.last().unwrap().from, Points::whole(40));
}

/// A simulated own-paper event: Rasch items, `cells` cells of `per_cell` items, 8 drawn per cell
/// per candidate, 3,000 candidates. Returns the matrix (with its strata) and the true
/// coefficient var(τ)/var(X), τ a candidate's expected score over every paper that could have
/// been drawn (exact, from their ability and the bank).
fn simulated_own_papers(cells: usize, per_cell: usize, seed: u64) -> (ResponseMatrix, f64) {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut normal = move || {
        // Box–Muller.
        let (u, v): (f64, f64) = (rng.random_range(f64::EPSILON..1.0), rng.random_range(0.0..1.0));
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    };
    let (drawn, n) = (8, 3000);
    let difficulty: Vec<Vec<f64>> = (0..cells).map(|_| (0..per_cell).map(|_| normal()).collect()).collect();
    let p = |theta: f64, b: f64| 1.0 / (1.0 + (b - theta).exp());
    let items: Vec<ItemSpec> = (0..cells)
        .flat_map(|c| {
            (0..per_cell)
                .map(move |j| ItemSpec::score_only(id(&format!("M{}-S-{:03}", c + 1, j + 1)), Points::whole(1)))
        })
        .collect();
    let strata: Vec<usize> = (0..cells).flat_map(|c| std::iter::repeat_n(c, per_cell)).collect();
    let mut draw = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 7);
    let mut rows = Vec::with_capacity(n);
    let (mut tau, mut errors) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let theta = normal();
        let mut row = vec![Answer::NotTaken; cells * per_cell];
        for (c, bank) in difficulty.iter().enumerate() {
            let mut pool: Vec<usize> = (0..per_cell).collect();
            for k in 0..drawn {
                let pick = draw.random_range(k..per_cell);
                pool.swap(k, pick);
                let j = pool[k];
                let right = draw.random_range(0.0..1.0) < p(theta, bank[j]);
                row[c * per_cell + j] = Answer::score(Points::whole(i64::from(right)));
            }
        }
        // τ, and the variance of the score about it over draws and answers: per cell, k·E[p(1−p)]
        // plus the variance of drawing k of N items without replacement, k·σ²(p)·(N−k)/(N−1).
        let (mut expected, mut error) = (0.0, 0.0);
        for bank in &difficulty {
            let ps: Vec<f64> = bank.iter().map(|&b| p(theta, b)).collect();
            let mean = ps.iter().sum::<f64>() / per_cell as f64;
            let spread = ps.iter().map(|q| (q - mean).powi(2)).sum::<f64>() / per_cell as f64;
            let bernoulli = ps.iter().map(|q| q * (1.0 - q)).sum::<f64>() / per_cell as f64;
            expected += drawn as f64 * mean;
            error +=
                drawn as f64 * bernoulli + drawn as f64 * spread * (per_cell - drawn) as f64 / (per_cell - 1) as f64;
        }
        rows.push(row);
        tau.push(expected);
        errors.push(error);
    }
    let var = |v: &[f64]| {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        v.iter().map(|a| (a - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64
    };
    let true_var = var(&tau);
    let error_var = errors.iter().sum::<f64>() / errors.len() as f64;
    (
        ResponseMatrix::new(items, rows).unwrap().with_strata(strata),
        true_var / (true_var + error_var),
    )
}

/// With a paper of its own per candidate no item is common to all, so α over common items is
/// undefined; the stratified coefficient over the blueprint's cells (positions within a cell as
/// randomly parallel items) recovers the reliability of a simulated event whose true value is
/// known, within 0.01, from a large bank (150 items a cell, 8 drawn) and a small one (30 a cell).
/// (Over five seeds each it was 0.000–0.003 off with 150 or 600 items a cell, and 0.002–0.006
/// below the truth with 30: it generalises to an unlimited bank of such items, so a small bank's
/// finite-population gain is not counted — the safe side.)
#[test]
fn the_stratified_coefficient_recovers_a_simulated_own_paper_events_reliability() {
    let (m, truth) = simulated_own_papers(6, 150, 2026);
    let a = analyse(&m, &AnalysisSettings::default());
    assert_eq!(a.test.alpha, None, "no item is common to every paper");
    assert_eq!(a.test.strata, 6);
    let estimate = a.test.stratified_alpha.expect("a stratified coefficient");
    eprintln!("150 items a cell: stratified α {estimate:.4}, true {truth:.4}");
    assert!(
        (estimate - truth).abs() < 0.01,
        "stratified α {estimate:.4} against the true {truth:.4}"
    );
    assert!(a.test.sem.is_some(), "the SEM from the stratified coefficient");

    let (m, truth) = simulated_own_papers(6, 30, 2027);
    let estimate = analyse(&m, &AnalysisSettings::default()).test.stratified_alpha.unwrap();
    eprintln!("30 items a cell: stratified α {estimate:.4}, true {truth:.4}");
    assert!(
        (estimate - truth).abs() < 0.01,
        "small bank: stratified α {estimate:.4}, true {truth:.4}"
    );

    // Everyone on the same paper, one stratum: the stratified coefficient is α.
    let common: Vec<Vec<Answer>> = (0..200)
        .map(|i| {
            (0..12)
                .map(|j| Answer::score(Points::whole(i64::from((i * 7 + j * 3) % 5 < 2 + (i % 3)))))
                .collect()
        })
        .collect();
    let items: Vec<ItemSpec> = (0..12)
        .map(|j| ItemSpec::score_only(id(&format!("M1-S-{:03}", j + 1)), Points::whole(1)))
        .collect();
    let m = ResponseMatrix::new(items, common).unwrap().with_strata(vec![0; 12]);
    let a = analyse(&m, &AnalysisSettings::default());
    let (alpha, strat) = (a.test.alpha.unwrap(), a.test.stratified_alpha.unwrap());
    assert!(
        (alpha - strat).abs() < 1e-9,
        "one stratum of common items is α: {alpha} {strat}"
    );
}
