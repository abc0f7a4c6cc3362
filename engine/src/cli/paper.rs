//! `kaowu paper assemble`: draw blueprint-exact papers from a bank and a seed, and show them as
//! JSON or as plain text for the terminal (PDFs are `kaowu print`'s).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use question_bank::{Bank, Blueprint, ChoiceKind, ItemId, Paper, Points, assemble};
use serde::Serialize;

#[derive(Debug, Subcommand)]
pub enum PaperCommand {
    /// 按蓝图组卷：同一题库内容与种子总是得到完全相同的试卷
    Assemble {
        /// 题库目录
        #[arg(long)]
        bank: PathBuf,
        /// 随机种子（记录在试卷中，可据此重新生成并核验）
        #[arg(long)]
        seed: u64,
        /// 生成 K 套平行试卷，题目使用次数尽量均匀
        #[arg(long, default_value_t = 1)]
        forms: u32,
        /// 输出格式
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// 蓝图文件（默认：内置 CMQ 2010 蓝图）
        #[arg(long)]
        blueprint: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Json,
    Text,
}

pub fn load_blueprint(path: Option<&Path>) -> anyhow::Result<Blueprint> {
    match path {
        None => Ok(Blueprint::cmq_2010()),
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("无法读取蓝图 {}", p.display()))?;
            Blueprint::parse(&text).with_context(|| format!("蓝图 {} 有误", p.display()))
        }
    }
}

pub fn run(cmd: PaperCommand) -> anyhow::Result<()> {
    let PaperCommand::Assemble {
        bank,
        seed,
        forms,
        format,
        blueprint,
    } = cmd;
    let blueprint = load_blueprint(blueprint.as_deref())?;
    let bank = Bank::load(&bank).with_context(|| format!("题库 {} 无法使用", bank.display()))?;
    let assembly = assemble(&bank, &blueprint, seed, forms)?;
    match format {
        Format::Json if forms == 1 => {
            println!("{}", serde_json::to_string_pretty(&assembly.papers[0])?)
        }
        Format::Json => {
            #[derive(Serialize)]
            struct Exposure<'a> {
                item_id: &'a question_bank::ItemId,
                count: u32,
            }
            #[derive(Serialize)]
            struct Forms<'a> {
                forms: &'a [question_bank::Paper],
                exposure: Vec<Exposure<'a>>,
            }
            let exposure = assembly
                .exposure
                .iter()
                .map(|(item_id, &count)| Exposure { item_id, count })
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&Forms {
                    forms: &assembly.papers,
                    exposure
                })?
            );
        }
        Format::Text => {
            for paper in &assembly.papers {
                print!("{}", render_paper(paper, &blueprint));
            }
            if forms > 1 {
                print!("{}", render_exposure(&assembly.exposure, forms));
            }
        }
    }
    Ok(())
}

// ---- A paper as plain text, readable in a terminal: sections, numbered items, options, then
// the key (this is the office's view).

fn render_paper(paper: &Paper, blueprint: &Blueprint) -> String {
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
fn render_exposure(exposure: &BTreeMap<ItemId, u32>, forms: u32) -> String {
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
