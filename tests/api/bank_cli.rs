//! The real `kaowu` binary on banks and papers: `bank check`, `bank synth` and `paper assemble`.

use std::path::Path;
use std::process::Output;

use question_bank::{Bank, Blueprint, ChoiceKind, Module, assemble};
use serde_json::Value;

use crate::common::cli::{assert_exit, demo_bank as demo, fixture, kaowu, stderr, stdout};

fn assemble_demo(extra: &[&str]) -> Output {
    let bank = demo();
    let mut args = vec!["paper", "assemble", "--bank", bank.to_str().unwrap(), "--seed", "5"];
    args.extend_from_slice(extra);
    kaowu(args)
}

#[test]
fn bank_check_on_the_demo_bank_exits_0_and_prints_the_coverage_table() {
    let out = kaowu([Path::new("bank"), Path::new("check"), &demo()]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    let bank = Bank::load(&demo()).unwrap();
    assert!(text.contains("无错误"), "{text}");
    assert!(text.contains(&format!("内容哈希：{}", bank.content_hash())), "{text}");
    assert!(text.contains("有效题目 / 每份试卷需要（蓝图 cmq-2010）"), "{text}");

    // The module-2 row: active singles / 12 needed, active multis / 4 needed.
    let coverage = bank.coverage(&Blueprint::cmq_2010());
    let m2 = &coverage.rows[1];
    assert_eq!(m2.module, Module::new(2).unwrap());
    let row = text
        .lines()
        .find(|l| l.starts_with("2 质量驱动力"))
        .unwrap_or_else(|| panic!("no module-2 row in:\n{text}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        cells,
        [
            "2",
            "质量驱动力",
            &m2.single.0.to_string(),
            "/",
            "12",
            &m2.multi.0.to_string(),
            "/",
            "4",
            &m2.open.to_string()
        ],
        "{row}"
    );
    let total = text.lines().find(|l| l.starts_with("合计")).expect("a total row");
    let total: Vec<&str> = total.split_whitespace().collect();
    let singles: u32 = coverage.rows.iter().map(|r| r.single.0).sum();
    let multis: u32 = coverage.rows.iter().map(|r| r.multi.0).sum();
    assert_eq!(
        total,
        [
            "合计",
            &singles.to_string(),
            "/",
            "50",
            &multis.to_string(),
            "/",
            "20",
            &coverage.open_total().to_string(),
            "/",
            "5"
        ],
    );
    assert!(!text.contains("不足"), "{text}");
}

#[test]
fn bank_check_on_a_bad_bank_exits_1_listing_file_line_problems() {
    let out = kaowu([Path::new("bank"), Path::new("check"), &fixture("bad-many")]);
    assert_exit(&out, 1);
    let text = stdout(&out);
    for line in [
        "bank.toml:1: 字段 name: 缺少必填字段",
        "items/m1.toml:9: 题目 M1-S-001 字段 key: 答案 F 不是该题的选项（选项为 A–D）",
        "items/m1.toml:21: 题目 M1-O-001 字段 module: 模块编号 0 不在 1–6 之内",
        "items/m1.toml:24: 题目 M1-O-001 字段 rubric: 评分要点分值合计 10 分，应为 20 分",
        "items/m2.toml:8: 题目 M2-S-001 字段 difficulty: 难度 9 不在 1–5 之内",
    ] {
        assert!(text.lines().any(|l| l == line), "missing line {line:?} in:\n{text}");
    }
    let syntax = text
        .lines()
        .find(|l| l.starts_with("items/m3.toml:5: "))
        .expect("the syntax error");
    assert!(syntax.contains("TOML 语法错误"), "{syntax}");
    // Every problem line starts with file:line:.
    let problem_lines: Vec<&str> = text.lines().filter(|l| !l.is_empty() && !l.starts_with('共')).collect();
    assert_eq!(problem_lines.len(), 10, "{text}");
    for l in &problem_lines {
        let (file, rest) = l.split_once(':').unwrap();
        let (line, _) = rest.split_once(':').unwrap();
        assert!(
            file.ends_with(".toml") && line.parse::<usize>().is_ok(),
            "not file:line: {l}"
        );
    }
    assert!(text.contains("共 10 处问题"), "{text}");

    let out = kaowu([Path::new("bank"), Path::new("check"), &fixture("bad-duplicate-id")]);
    assert_exit(&out, 1);
    assert!(
        stdout(&out)
            .lines()
            .any(|l| l == "items/b.toml:3: 题目 DUP-S-001 字段 id: 题号重复：items/a.toml:9 已有同一题号"),
        "{}",
        stdout(&out)
    );
}

#[track_caller]
fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a string in {v}"))
}

#[test]
fn paper_assemble_json_has_the_documented_shape_and_is_the_librarys_paper() {
    let out = assemble_demo(&["--format", "json"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    let paper: Value = serde_json::from_str(&text).expect("stdout is one JSON document");
    for key in ["paper_id", "seed", "blueprint", "bank_hash", "objective", "open"] {
        assert!(paper.get(key).is_some(), "no {key} in the paper");
    }
    let bank = Bank::load(&demo()).unwrap();
    assert_eq!(paper["seed"], 5);
    assert_eq!(paper["blueprint"], "cmq-2010");
    assert_eq!(str_field(&paper, "bank_hash"), bank.content_hash());
    assert!(str_field(&paper, "paper_id").contains("-5-"), "{}", paper["paper_id"]);

    let objective = paper["objective"].as_array().expect("objective is an array");
    assert_eq!(objective.len(), 70);
    let mut total = 0;
    for (n, item) in objective.iter().enumerate() {
        assert_eq!(item["no"], n + 1);
        assert!(!str_field(item, "item_id").is_empty());
        let module = item["module"].as_u64().expect("module is a number");
        assert!((1..=6).contains(&module), "{item}");
        let kind = str_field(item, "kind");
        let points = item["points"].as_u64().expect("points is a whole number");
        assert_eq!(points, if kind == "single" { 1 } else { 2 }, "{item}");
        assert!(kind == "single" || kind == "multi", "{item}");
        total += points;
        assert!(!str_field(item, "stem").is_empty());
        let options = item["options"].as_array().expect("options is an array");
        assert!(options.len() >= 4, "{item}");
        let labels: Vec<&str> = options.iter().map(|o| str_field(o, "label")).collect();
        let expected: Vec<String> = (0..options.len())
            .map(|i| ((b'A' + i as u8) as char).to_string())
            .collect();
        assert_eq!(labels, expected, "{item}");
        assert!(options.iter().all(|o| !str_field(o, "text").is_empty()), "{item}");
        let key: Vec<&str> = item["key"]
            .as_array()
            .expect("key is an array")
            .iter()
            .map(|k| k.as_str().unwrap())
            .collect();
        assert!(key.iter().all(|k| labels.contains(k)), "{item}");
        assert!(
            if kind == "single" {
                key.len() == 1
            } else {
                key.len() >= 2
            },
            "{item}"
        );
    }
    assert_eq!(total, 90);

    let open = paper["open"].as_array().expect("open is an array");
    assert_eq!(open.len(), 5);
    for (n, q) in open.iter().enumerate() {
        assert_eq!(q["no"], n + 1);
        assert!(!str_field(q, "item_id").is_empty() && !str_field(q, "stem").is_empty());
        assert!((1..=6).contains(&q["module"].as_u64().unwrap()), "{q}");
        assert_eq!(q["points"], 20);
        let rubric = q["rubric"].as_array().expect("rubric is an array");
        let shares: f64 = rubric
            .iter()
            .map(|r| {
                assert!(!str_field(r, "point").is_empty());
                r["share"].as_f64().unwrap()
            })
            .sum();
        assert_eq!(shares, 20.0, "{q}");
    }

    // Exactly what the library draws from that bank and seed.
    let expected = assemble(&bank, &Blueprint::cmq_2010(), 5, 1).unwrap();
    assert_eq!(
        text.trim_end(),
        serde_json::to_string_pretty(&expected.papers[0]).unwrap()
    );
}

#[test]
fn paper_assemble_twice_gives_identical_output() {
    for format in ["json", "text"] {
        let a = assemble_demo(&["--format", format]);
        let b = assemble_demo(&["--format", format]);
        assert_exit(&a, 0);
        assert_exit(&b, 0);
        assert!(!a.stdout.is_empty());
        assert_eq!(a.stdout, b.stdout, "--format {format}");
    }
    // And a different seed gives a different paper.
    let bank = demo();
    let other = kaowu([
        "paper",
        "assemble",
        "--bank",
        bank.to_str().unwrap(),
        "--seed",
        "6",
        "--format",
        "json",
    ]);
    assert_exit(&other, 0);
    let five: Value = serde_json::from_slice(&assemble_demo(&["--format", "json"]).stdout).unwrap();
    let six: Value = serde_json::from_slice(&other.stdout).unwrap();
    assert_ne!(five["objective"], six["objective"]);
}

#[test]
fn paper_assemble_text_has_the_section_headings_in_order() {
    let out = assemble_demo(&["--format", "text"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    let single = text
        .find("一、单选题")
        .unwrap_or_else(|| panic!("no 单选题 heading in:\n{text}"));
    let multi = text
        .find("二、多选题")
        .unwrap_or_else(|| panic!("no 多选题 heading in:\n{text}"));
    let open = text
        .find("三、开放题")
        .unwrap_or_else(|| panic!("no 开放题 heading in:\n{text}"));
    assert!(single < multi && multi < open, "sections out of order");
    assert!(text.contains("种子 5"), "the paper shows its seed");
    assert!(text.contains("共 50 题") && text.contains("共 20 题"), "{text}");
}

#[test]
fn paper_assemble_three_forms_reports_exposure() {
    let out = assemble_demo(&["--forms", "3", "--format", "json"]);
    assert_exit(&out, 0);
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let forms = v["forms"].as_array().expect("forms is an array");
    assert_eq!(forms.len(), 3);
    let mut used = std::collections::BTreeMap::<String, u64>::new();
    for (f, paper) in forms.iter().enumerate() {
        assert_eq!(paper["form"], f + 1);
        assert_eq!(paper["seed"], 5);
        assert_eq!(paper["objective"].as_array().unwrap().len(), 70);
        assert_eq!(paper["open"].as_array().unwrap().len(), 5);
        for item in paper["objective"]
            .as_array()
            .unwrap()
            .iter()
            .chain(paper["open"].as_array().unwrap())
        {
            *used.entry(str_field(item, "item_id").to_string()).or_default() += 1;
        }
    }
    let exposure = v["exposure"].as_array().expect("exposure is an array");
    let bank = Bank::load(&demo()).unwrap();
    assert_eq!(exposure.len(), bank.active().count(), "one entry per active item");
    let mut sum = 0;
    for e in exposure {
        let id = str_field(e, "item_id");
        let count = e["count"].as_u64().expect("count is a number");
        assert_eq!(count, used.get(id).copied().unwrap_or(0), "exposure of {id}");
        assert!(count <= 3, "{id} used {count} times in 3 forms");
        sum += count;
    }
    assert_eq!(sum, 3 * 75);
}

#[test]
fn a_bank_that_cannot_fill_a_cell_is_refused_in_chinese_naming_module_and_kind() {
    let dir = tempfile::tempdir().unwrap();
    let bp = Blueprint::cmq_2010();
    let mut files = question_bank::synth::synth_bank(&bp, 120);
    // Every module-3 multi becomes a draft: the cell has no active item.
    let m3 = files
        .iter_mut()
        .find(|(n, _)| n == "items/m3.toml")
        .expect("synth writes items/m3.toml");
    assert!(m3.1.contains("kind = \"multi\"\n"), "synth bank layout changed");
    m3.1 =
        m3.1.replace("kind = \"multi\"\n", "kind = \"multi\"\nstatus = \"draft\"\n");
    for (rel, text) in &files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    assert_eq!(bp.needed(Module::new(3).unwrap(), ChoiceKind::Multi), 1);

    let out = kaowu([
        Path::new("paper"),
        Path::new("assemble"),
        Path::new("--bank"),
        dir.path(),
        Path::new("--seed"),
        Path::new("1"),
    ]);
    assert_exit(&out, 1);
    assert!(out.stdout.is_empty(), "no paper is printed: {}", stdout(&out));
    let err = stderr(&out);
    for part in [
        "题库不足以组卷",
        "模块3 卓越绩效模式",
        "多选题",
        "需要 1 道",
        "只有 0 道",
    ] {
        assert!(err.contains(part), "{part:?} missing from:\n{err}");
    }

    // `bank check` loads it (no format errors) but flags the short cell and exits 1.
    let out = kaowu([Path::new("bank"), Path::new("check"), dir.path()]);
    assert_exit(&out, 1);
    let text = stdout(&out);
    let row = text
        .lines()
        .find(|l| l.starts_with("3 卓越绩效模式"))
        .expect("module-3 row");
    assert!(row.contains("0 / 1") && row.contains("不足"), "{row}");
}

#[test]
fn zero_forms_is_refused() {
    let out = assemble_demo(&["--forms", "0"]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("至少为 1"), "{}", stderr(&out));
}

#[test]
fn a_synthesised_bank_passes_bank_check() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("synth-800");
    let out = kaowu([
        Path::new("bank"),
        Path::new("synth"),
        Path::new("--items"),
        Path::new("800"),
        Path::new("--out"),
        &out_dir,
    ]);
    assert_exit(&out, 0);
    let bank = Bank::load(&out_dir).expect("the synthesised bank loads");
    assert!(bank.items.len() >= 800, "{} items", bank.items.len());
    assert!(
        stdout(&out).contains(&format!("{} 道题", bank.items.len())),
        "{}",
        stdout(&out)
    );

    let check = kaowu([Path::new("bank"), Path::new("check"), &out_dir]);
    assert_exit(&check, 0);
    assert!(stdout(&check).contains("无错误"), "{}", stdout(&check));

    // A second synth into the same folder refuses to overwrite it.
    let again = kaowu([
        Path::new("bank"),
        Path::new("synth"),
        Path::new("--items"),
        Path::new("10"),
        Path::new("--out"),
        &out_dir,
    ]);
    assert_exit(&again, 1);
    assert!(stderr(&again).contains("不会覆盖"), "{}", stderr(&again));
}
