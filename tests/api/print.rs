//! The real `kaowu print` on the demo bank: booklet, answer sheet and key are PDFs of several
//! pages whose text comes back as Chinese (`pdftotext`), with no line starting with a closing
//! punctuation mark, and whose font is embedded as a subset (`pdffonts`).
//!
//! `pdftotext` and `pdffonts` come with poppler-utils. Without them those checks are skipped
//! with a loud message, unless `KAOWU_REQUIRE_ALL_TESTS=1` (as in CI), which makes a skip fail.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use question_bank::{Bank, Blueprint, Paper, assemble};

use crate::common::cli::{assert_ok, demo_bank, kaowu, pdftotext, poppler, squeeze};

const SEED: u64 = 2026;

/// Punctuation that Chinese typesetting never puts at the start of a line.
const NO_LINE_START: &str = "，。、；：？！）」』”’》";

/// Runs `kaowu print WHAT` for the demo paper into a temporary folder.
fn print(what: &str, extra: &[&str]) -> (tempfile::TempDir, PathBuf, Output) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(format!("{what}.pdf"));
    let bank = demo_bank();
    let seed = SEED.to_string();
    let mut args = vec![
        "print",
        what,
        "--bank",
        bank.to_str().unwrap(),
        "--seed",
        &seed,
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let output = kaowu(&args);
    (dir, out, output)
}

/// The paper the CLI prints, drawn the same way.
fn demo_paper() -> &'static Paper {
    static PAPER: OnceLock<Paper> = OnceLock::new();
    PAPER.get_or_init(|| {
        let bank = Bank::load(&demo_bank()).unwrap();
        assemble(&bank, &Blueprint::cmq_2010(), SEED, 1)
            .unwrap()
            .papers
            .remove(0)
    })
}

/// Page count from the CLI's report ("…，15 页，…").
fn pages(out: &Output) -> usize {
    let text = String::from_utf8_lossy(&out.stdout);
    let before = text.split(" 页").next().expect("report names the pages");
    before
        .rsplit(['，', ' '])
        .next()
        .unwrap()
        .trim()
        .parse()
        .expect("a page count")
}

#[track_caller]
fn assert_pdf(path: &Path, min_pages: usize, out: &Output) -> Vec<u8> {
    assert_ok(out);
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let n = pages(out);
    assert!(n >= min_pages, "{n} pages, expected at least {min_pages}");
    if poppler("pdfinfo") {
        let info = Command::new("pdfinfo").arg(path).output().unwrap();
        let info = String::from_utf8_lossy(&info.stdout);
        let listed = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .map(|p| p.trim().parse::<usize>());
        assert_eq!(listed, Some(Ok(n)), "{info}");
        assert!(info.contains("(A4)"), "{info}");
    }
    bytes
}

#[track_caller]
fn assert_no_line_starts_with_closing_punctuation(text: &str) {
    for (i, line) in text.lines().enumerate() {
        if let Some(c) = line.trim_start().chars().next() {
            assert!(!NO_LINE_START.contains(c), "line {} starts with {c}: {line}", i + 1);
        }
    }
}

#[track_caller]
fn assert_font_embedded_as_subset(pdf: &Path) {
    if !poppler("pdffonts") {
        return;
    }
    let out = Command::new("pdffonts").arg(pdf).output().unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    let fonts: Vec<&str> = listing.lines().skip(2).collect();
    assert!(!fonts.is_empty(), "no fonts in\n{listing}");
    for line in fonts {
        // name type… encoding emb sub uni object ID: the three yes/no columns precede the id.
        let cols: Vec<&str> = line.split_whitespace().collect();
        let flags = &cols[cols.len() - 5..cols.len() - 2];
        assert_eq!(
            flags,
            ["yes", "yes", "yes"],
            "font not embedded as a subset with ToUnicode: {line}"
        );
    }
}

#[test]
fn booklet_is_a_multi_page_pdf_with_real_chinese_text() {
    let (_dir, path, out) = print("booklet", &["--date", "2026 年 6 月 13 日"]);
    let bytes = assert_pdf(&path, 8, &out);
    // Subset, not the whole 5 MB font.
    assert!(
        bytes.len() < 2_000_000,
        "booklet is {} bytes: font not subset?",
        bytes.len()
    );
    assert_font_embedded_as_subset(&path);
    let Some(text) = pdftotext(&path) else { return };
    let flat = squeeze(&text);
    let paper = demo_paper();
    for expected in [
        "质量经理职业资格考试",
        &paper.paper_id,
        "考试时间180分钟",
        "满分150分",
        "考生须知",
        "2026年6月13日",
        "一、单选题",
        "二、多选题",
        "三、开放题（任选3题作答）",
        "第2页共",
    ] {
        assert!(flat.contains(&squeeze(expected)), "booklet lacks {expected}");
    }
    let item1 = &paper.objective[0];
    assert!(
        flat.contains(&squeeze(&item1.stem)),
        "booklet lacks item 1's stem: {}",
        item1.stem
    );
    for option in &item1.options {
        assert!(
            flat.contains(&squeeze(&option.text)),
            "booklet lacks option {}",
            option.text
        );
    }
    let open1 = &paper.open[0];
    assert!(flat.contains(&squeeze(&open1.stem)), "booklet lacks open question 1");
    // Keys are for the office only.
    assert!(!flat.contains("标准答案"), "the booklet must not carry the key");
    assert_no_line_starts_with_closing_punctuation(&text);
}

#[test]
fn answer_sheet_has_a_bubble_row_for_every_item_and_the_open_choice_boxes() {
    let (_dir, path, out) = print("answer-sheet", &[]);
    assert_pdf(&path, 1, &out);
    assert_font_embedded_as_subset(&path);
    let Some(text) = pdftotext(&path) else { return };
    let flat = squeeze(&text);
    assert!(flat.contains("答题卡") && flat.contains("姓名") && flat.contains("准考证号"));
    let paper = demo_paper();
    let bubbles = text.matches("[A]").count();
    assert_eq!(bubbles, paper.objective.len(), "one [A] per objective item");
    let fives = paper.objective.iter().filter(|i| i.options.len() == 5).count();
    assert_eq!(
        text.matches("[E]").count(),
        fives,
        "[E] only where the item has five options"
    );
    for n in 1..=paper.open.len() {
        assert!(
            flat.contains(&format!("第{n}题")),
            "no choice box for open question {n}"
        );
    }
    assert_no_line_starts_with_closing_punctuation(&text);
}

#[test]
fn key_lists_every_answer_and_the_rubric_points_with_shares() {
    let (_dir, path, out) = print("key", &[]);
    assert_pdf(&path, 2, &out);
    assert_font_embedded_as_subset(&path);
    let Some(text) = pdftotext(&path) else { return };
    let flat = squeeze(&text);
    assert!(flat.contains("标准答案及评分要点"));
    let paper = demo_paper();
    let answers: String = paper.objective[..10]
        .iter()
        .map(|i| i.key.iter().map(|l| l.as_char()).collect::<String>())
        .collect();
    assert!(
        flat.contains(&answers),
        "answers of items 1–10 ({answers}) not in a row"
    );
    // A point wrapped inside its table cell comes back from pdftotext with its share ("6 分")
    // between its lines: read the text without the lines that are only a share.
    let without_shares: String = text
        .lines()
        .filter(|l| {
            let l = squeeze(l);
            let number = l.strip_suffix('分').unwrap_or(&l);
            number.is_empty() || !number.chars().all(|c| c.is_ascii_digit() || c == '.')
        })
        .collect();
    let without_shares = squeeze(&without_shares);
    for q in &paper.open {
        for point in &q.rubric {
            assert!(
                without_shares.contains(&squeeze(&point.point)),
                "rubric point missing: {}",
                point.point
            );
            assert!(
                flat.contains(&format!("{}分", point.share)),
                "share of {} missing",
                point.point
            );
        }
    }
    assert_no_line_starts_with_closing_punctuation(&text);
}

#[test]
fn a_later_form_prints_that_forms_paper() {
    let (_dir, path, out) = print("booklet", &["--forms", "2", "--form", "2"]);
    assert_pdf(&path, 8, &out);
    let bank = Bank::load(&demo_bank()).unwrap();
    let second = &assemble(&bank, &Blueprint::cmq_2010(), SEED, 2).unwrap().papers[1];
    assert!(String::from_utf8_lossy(&out.stdout).contains(&second.paper_id));
    if let Some(text) = pdftotext(&path) {
        assert!(squeeze(&text).contains(&squeeze(&second.objective[0].stem)));
    }
}

#[test]
fn a_form_outside_the_forms_drawn_is_refused_in_chinese() {
    let (_dir, path, out) = print("key", &["--forms", "2", "--form", "3"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--form 3 无效"));
    assert!(!path.exists());
}
