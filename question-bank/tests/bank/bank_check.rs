//! The bank loader's checks: one small bad bank per error class under `tests/fixtures/bad-*`,
//! each reported with file, line, item id, field and a message saying what is wrong; and a bank
//! with many different errors, all reported in one run.

use std::path::{Path, PathBuf};

use question_bank::{Bank, BankLoadError, Blueprint, Problem};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// Every problem the loader reports for a fixture (which must not load).
fn problems(name: &str) -> Vec<Problem> {
    match Bank::load(&fixture(name)) {
        Err(BankLoadError::Problems(p)) => p,
        Err(e) => panic!("{name}: expected located problems, got {e}"),
        Ok(bank) => panic!("{name}: loaded {} items although the bank is bad", bank.items.len()),
    }
}

/// The one problem of a single-error fixture: the rest of the fixture is valid, so exactly one.
fn only_problem(name: &str) -> Problem {
    let mut p = problems(name);
    assert_eq!(p.len(), 1, "{name}: expected exactly one problem, got {p:#?}");
    p.remove(0)
}

#[track_caller]
fn assert_problem(p: &Problem, file: &str, line: usize, item: Option<&str>, field: Option<&str>, says: &[&str]) {
    assert_eq!(p.file, file, "file of {p:?}");
    assert_eq!(p.line, Some(line), "line of {p:?}");
    assert_eq!(p.item.as_deref(), item, "item of {p:?}");
    assert_eq!(p.field.as_deref(), field, "field of {p:?}");
    for s in says {
        assert!(p.message.contains(s), "message {:?} should say {s:?}", p.message);
    }
}

#[test]
fn the_demo_bank_and_the_golden_fixture_have_no_problems() {
    // The control: the checks below fail because of the fixtures' errors, not the loader.
    for dir in [
        Path::new(env!("CARGO_MANIFEST_DIR")).join("banks/demo"),
        fixture("golden-bank"),
    ] {
        let bank = Bank::load(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        assert!(bank.coverage(&Blueprint::cmq_2010()).sufficient(), "{}", dir.display());
    }
}

#[test]
fn duplicate_ids_in_two_files() {
    let p = only_problem("bad-duplicate-id");
    // Reported at the second occurrence, naming where the first one is.
    assert_problem(
        &p,
        "items/b.toml",
        3,
        Some("DUP-S-001"),
        Some("id"),
        &["题号重复", "items/a.toml:9"],
    );
}

#[test]
fn key_that_is_not_one_of_the_options() {
    let p = only_problem("bad-key-not-option");
    assert_problem(
        &p,
        "items/a.toml",
        15,
        Some("M2-S-009"),
        Some("key"),
        &["答案 E", "不是该题的选项", "A–D"],
    );
}

#[test]
fn single_choice_key_that_is_not_exactly_one_option() {
    let p = only_problem("bad-single-key-count");
    assert_problem(
        &p,
        "items/a.toml",
        15,
        Some("M3-S-002"),
        Some("key"),
        &["单选题", "恰好是一个选项", "现为 2 个"],
    );
}

#[test]
fn multi_choice_with_fewer_than_two_correct_options() {
    let p = only_problem("bad-multi-one-key");
    assert_problem(
        &p,
        "items/a.toml",
        15,
        Some("M4-M-001"),
        Some("key"),
        &["多选题", "至少要有 2 个", "现为 1 个"],
    );
}

#[test]
fn fewer_than_four_options() {
    let p = only_problem("bad-too-few-options");
    assert_problem(
        &p,
        "items/a.toml",
        14,
        Some("M5-S-010"),
        Some("options"),
        &["只有 3 个选项", "至少需要 4 个"],
    );
}

#[test]
fn two_options_with_the_same_text() {
    let p = only_problem("bad-duplicate-option");
    // The line of the repeated option itself, naming both labels.
    assert_problem(
        &p,
        "items/a.toml",
        17,
        Some("M6-M-003"),
        Some("options"),
        &["选项 C 与选项 A", "相同"],
    );
}

#[test]
fn empty_stem() {
    let p = only_problem("bad-empty-stem");
    assert_problem(&p, "items/a.toml", 13, Some("M1-S-007"), Some("stem"), &["不能为空"]);
}

#[test]
fn module_outside_1_to_6() {
    let p = only_problem("bad-module-range");
    assert_problem(
        &p,
        "items/a.toml",
        11,
        Some("M7-S-001"),
        Some("module"),
        &["模块编号 7", "1–6"],
    );
}

#[test]
fn open_question_without_rubric() {
    let p = only_problem("bad-open-no-rubric");
    // Nothing to point at but the item itself: the line of its [[item]] header.
    assert_problem(
        &p,
        "items/a.toml",
        9,
        Some("M5-O-01"),
        Some("rubric"),
        &["开放题缺少评分要点"],
    );
}

#[test]
fn rubric_shares_not_adding_up_to_20() {
    let p = only_problem("bad-rubric-sum");
    assert_problem(
        &p,
        "items/a.toml",
        14,
        Some("M6-O-02"),
        Some("rubric"),
        &["合计 17.5 分", "应为 20 分"],
    );
}

#[test]
fn unknown_field() {
    let p = only_problem("bad-unknown-field");
    assert_problem(
        &p,
        "items/a.toml",
        16,
        Some("M2-S-020"),
        Some("knowlege_point"),
        &["未知字段“knowlege_point”", "knowledge_point"],
    );
}

#[test]
fn toml_syntax_error_with_its_line() {
    let p = only_problem("bad-toml-syntax");
    // The unterminated string is on line 13; no item or field can be known.
    assert_problem(&p, "items/a.toml", 13, None, None, &["TOML 语法错误"]);
    let shown = p.to_string();
    assert!(shown.starts_with("items/a.toml:13: TOML 语法错误"), "{shown}");
}

#[test]
fn missing_required_field() {
    let p = only_problem("bad-missing-field");
    assert_problem(&p, "items/a.toml", 9, Some("M4-S-040"), Some("kind"), &["缺少必填字段"]);
}

#[test]
fn wrong_type() {
    let p = only_problem("bad-wrong-type");
    assert_problem(
        &p,
        "items/a.toml",
        11,
        Some("M1-S-050"),
        Some("module"),
        &["应为整数", "string"],
    );
}

#[test]
fn an_id_of_the_wrong_type_is_reported_once_not_also_as_missing() {
    let files = vec![
        ("bank.toml".to_string(), "id = \"t\"\nname = \"t\"\n".to_string()),
        (
            "items/a.toml".to_string(),
            "[[item]]\nid = 42\nmodule = 1\nkind = \"single\"\nstem = \"题干\"\noptions = [\"甲\", \"乙\", \"丙\", \"丁\"]\nkey = \"A\"\n"
                .to_string(),
        ),
    ];
    let problems = Bank::from_files(&files).unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_problem(
        &problems[0],
        "items/a.toml",
        2,
        None,
        Some("id"),
        &["应为字符串", "integer"],
    );
}

#[test]
fn a_problem_reads_as_file_line_item_field_message() {
    let p = only_problem("bad-key-not-option");
    assert_eq!(
        p.to_string(),
        "items/a.toml:15: 题目 M2-S-009 字段 key: 答案 E 不是该题的选项（选项为 A–D）"
    );
}

#[test]
fn every_problem_is_reported_in_one_run() {
    let problems = problems("bad-many");
    let mut located: Vec<(&str, usize, Option<&str>, Option<&str>)> = problems
        .iter()
        .map(|p| {
            (
                p.file.as_str(),
                p.line.expect("every problem here has a line"),
                p.item.as_deref(),
                p.field.as_deref(),
            )
        })
        .collect();
    located.sort();
    assert_eq!(
        located,
        vec![
            ("bank.toml", 1, None, Some("name")),
            ("bank.toml", 3, None, Some("descripton")),
            ("items/m1.toml", 9, Some("M1-S-001"), Some("key")),
            ("items/m1.toml", 15, Some("M1-M-001"), Some("stem")),
            ("items/m1.toml", 16, Some("M1-M-001"), Some("options")),
            ("items/m1.toml", 21, Some("M1-O-001"), Some("module")),
            ("items/m1.toml", 24, Some("M1-O-001"), Some("rubric")),
            ("items/m2.toml", 8, Some("M2-S-001"), Some("difficulty")),
            ("items/m2.toml", 9, Some("M2-S-001"), Some("source")),
            ("items/m3.toml", 5, None, None),
        ],
        "{problems:#?}"
    );
    let says = |file: &str, line: usize, what: &str| {
        let p = problems
            .iter()
            .find(|p| p.file == file && p.line == Some(line))
            .unwrap();
        assert!(
            p.message.contains(what),
            "{file}:{line}: {:?} should say {what:?}",
            p.message
        );
    };
    says("bank.toml", 1, "缺少必填字段");
    says("bank.toml", 3, "未知字段");
    says("items/m1.toml", 9, "答案 F 不是该题的选项");
    says("items/m1.toml", 15, "不能为空");
    says("items/m1.toml", 16, "只有 3 个选项");
    says("items/m1.toml", 21, "模块编号 0");
    says("items/m1.toml", 24, "合计 10 分");
    says("items/m2.toml", 8, "难度 9");
    says("items/m2.toml", 9, "未知字段“source”");
    says("items/m3.toml", 5, "TOML 语法错误");

    // The error as a whole lists them all, one per line.
    let err = Bank::load(&fixture("bad-many")).unwrap_err().to_string();
    assert!(err.starts_with("题库有 10 处问题"), "{err}");
    assert_eq!(err.lines().count(), 11, "{err}");
}

/// A bank of one single-choice item showing the pictures named in `images`.
fn bank_with_pictures(images: &str, pictures: Vec<(String, Vec<u8>)>) -> Result<Bank, Vec<Problem>> {
    let files = vec![
        ("bank.toml".to_string(), "id = \"pics\"\nname = \"附图\"\n".to_string()),
        (
            "items/m6.toml".to_string(),
            format!(
                "[[item]]\nid = \"P1\"\nmodule = 6\nkind = \"single\"\nstem = \"下图是什么图？\"\n\
                 options = [\"排列图\", \"因果图\", \"控制图\", \"直方图\"]\nkey = \"A\"\nimages = {images}\n"
            ),
        ),
    ];
    Bank::from_parts(&files, pictures)
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

#[test]
fn an_items_pictures_are_png_or_jpeg_files_of_the_images_folder_and_part_of_its_content() {
    let png = |tail: &[u8]| [PNG, tail].concat();
    let bank = bank_with_pictures(
        "[\"pareto.png\"]",
        vec![("pareto.png".into(), png(b"one")), ("unused.png".into(), png(b"x"))],
    )
    .expect("a bank with a picture");
    let item = &bank.items[0];
    assert_eq!(item.images.len(), 1);
    assert_eq!(item.images[0].file, "pareto.png");
    assert_eq!(item.images[0].sha256.len(), 64);
    assert_eq!(
        bank.images.keys().collect::<Vec<_>>(),
        ["pareto.png"],
        "pictures no item shows are left out"
    );

    // Another picture is another item: its content hash changes.
    let other = bank_with_pictures("[\"pareto.png\"]", vec![("pareto.png".into(), png(b"two"))]).unwrap();
    assert_ne!(other.items[0].content_hash(), item.content_hash());
    assert_ne!(other.content_hash(), bank.content_hash());
    // Without pictures the hash is what it always was (the field is left out).
    let plain = bank_with_pictures("[]", vec![]).unwrap();
    assert!(plain.items[0].images.is_empty());
    assert_ne!(plain.items[0].content_hash(), item.content_hash());

    // A picture not in the folder, one that is not a picture, a bad name: each said where.
    let problems = bank_with_pictures("[\"chart.png\"]", vec![]).unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(
        (
            problems[0].file.as_str(),
            problems[0].item.as_deref(),
            problems[0].field.as_deref()
        ),
        ("items/m6.toml", Some("P1"), Some("images"))
    );
    assert!(
        problems[0].message.contains("不在题库的 images 文件夹中"),
        "{problems:#?}"
    );
    let problems = bank_with_pictures("[\"chart.png\"]", vec![("chart.png".into(), b"GIF89a".to_vec())]).unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].file, "images/chart.png");
    assert!(problems[0].message.contains("不是 PNG 或 JPEG"), "{problems:#?}");
    let problems = bank_with_pictures("[\"../x.png\"]", vec![]).unwrap_err();
    assert_eq!(problems[0].field.as_deref(), Some("images"), "{problems:#?}");
    let big = png(&vec![0; question_bank::bank::MAX_IMAGE_BYTES]);
    let problems = bank_with_pictures("[\"big.png\"]", vec![("big.png".into(), big)]).unwrap_err();
    assert!(problems[0].message.contains("图片过大"), "{problems:#?}");
}
