//! A paper as plain text, readable in a terminal: sections, numbered items, options, then the
//! key (this is the office's view).

use std::collections::BTreeMap;
use std::fmt::Write;

use question_bank::{Blueprint, ChoiceKind, ItemId, Paper, Points};

pub fn render_paper(paper: &Paper, blueprint: &Blueprint) -> String {
    let mut out = String::new();
    let rule = "═".repeat(60);
    let w = &mut out;
    let _ = writeln!(w, "{rule}\n{}", blueprint.name);
    let _ = writeln!(
        w,
        "试卷 {}（第 {} 套）  种子 {}  题库哈希 {}",
        paper.paper_id,
        paper.form,
        paper.seed,
        &paper.bank_hash[..16]
    );
    let _ = writeln!(
        w,
        "满分 {} 分，考试时间 {} 分钟。客观题 {} 道共 {} 分；开放题 {} 道选答 {} 道，每道 {} 分。\n{rule}",
        blueprint.total_points,
        blueprint.duration_minutes,
        paper.objective.len(),
        paper.total_objective_points(),
        paper.open.len(),
        blueprint.open.answered,
        blueprint.open.points
    );
    for (section, kind) in [("一", ChoiceKind::Single), ("二", ChoiceKind::Multi)] {
        let items: Vec<_> = paper.objective.iter().filter(|i| i.kind == kind).collect();
        let points: Points = items.iter().map(|i| i.points).sum();
        let per = items.first().map(|i| i.points).unwrap_or_default();
        let hint = match kind {
            ChoiceKind::Single => "每题只有一个正确选项",
            ChoiceKind::Multi => "每题有两个或两个以上正确选项",
        };
        let _ = writeln!(
            w,
            "\n{section}、{}（共 {} 题，每题 {per} 分，共 {points} 分；{hint}）",
            kind.name_zh(),
            items.len()
        );
        let mut module = None;
        for item in items {
            if module != Some(item.module) {
                module = Some(item.module);
                let _ = writeln!(w, "\n  【{}】", item.module);
            }
            let _ = writeln!(w, "\n{:>3}. {}", item.no, item.stem);
            for o in &item.options {
                let _ = writeln!(w, "      {}. {}", o.label, o.text);
            }
        }
    }
    let _ = writeln!(
        w,
        "\n三、开放题（共 {} 题，任选 {} 题作答，每题 {} 分）",
        paper.open.len(),
        blueprint.open.answered,
        blueprint.open.points
    );
    for q in &paper.open {
        let _ = writeln!(w, "\n  {}. 【{}】{}", q.no, q.module, q.stem);
    }
    let _ = writeln!(w, "\n{rule}\n参考答案（仅供考务办公室与阅卷人员使用）");
    for chunk in paper.objective.chunks(10) {
        let line: Vec<String> = chunk
            .iter()
            .map(|i| {
                format!(
                    "{:>2}.{:<4}",
                    i.no,
                    i.key.iter().map(|l| l.as_char()).collect::<String>()
                )
            })
            .collect();
        let _ = writeln!(w, "  {}", line.join(" "));
    }
    for q in &paper.open {
        let points: Vec<String> = q
            .rubric
            .iter()
            .map(|r| format!("{}（{} 分）", r.point, r.share))
            .collect();
        let _ = writeln!(w, "  开放题 {}：{}", q.no, points.join("；"));
    }
    let _ = writeln!(w, "{rule}");
    out
}

/// How often each item was used across `forms` papers, most used first.
pub fn render_exposure(exposure: &BTreeMap<ItemId, u32>, forms: u32) -> String {
    let mut out = format!("\n题目曝光次数（{forms} 套试卷）\n");
    let mut histogram: BTreeMap<u32, u32> = BTreeMap::new();
    for &n in exposure.values() {
        *histogram.entry(n).or_default() += 1;
    }
    for (n, items) in &histogram {
        let _ = writeln!(out, "  使用 {n} 次：{items} 道题");
    }
    let entries: Vec<String> = exposure.iter().map(|(id, n)| format!("{id}×{n}")).collect();
    for chunk in entries.chunks(6) {
        let _ = writeln!(out, "  {}", chunk.join("  "));
    }
    out
}
