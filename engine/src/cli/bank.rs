//! `kaowu bank check DIR` and `kaowu bank synth --items N --out DIR`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use question_bank::bank::Coverage;
use question_bank::synth::synth_bank;
use question_bank::{Bank, BankLoadError, Blueprint};

use super::Outcome;
use super::paper::load_blueprint;

#[derive(Debug, Subcommand)]
pub enum BankCommand {
    /// 检查题库：一次列出全部问题（文件、行号、题号、字段）；无误时列出各模块题量与蓝图需求
    Check {
        /// 题库目录（含 bank.toml 与 items/）
        dir: PathBuf,
        /// 蓝图文件（默认：内置 CMQ 2010 蓝图）
        #[arg(long)]
        blueprint: Option<PathBuf>,
    },
    /// 生成合成题库（用于性能测试），题型与模块分布与蓝图一致
    Synth {
        /// 题目总数（约数，按蓝图比例分配）
        #[arg(long)]
        items: u32,
        /// 输出目录（不能已存在题库）
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(cmd: BankCommand) -> anyhow::Result<Outcome> {
    match cmd {
        BankCommand::Check { dir, blueprint } => {
            let blueprint = load_blueprint(blueprint.as_deref())?;
            match Bank::load(&dir) {
                Ok(bank) => {
                    println!(
                        "题库 {}（{}）：共 {} 道题，{} 道有效，无错误。",
                        bank.id,
                        bank.name,
                        bank.items.len(),
                        bank.active().count()
                    );
                    println!("内容哈希：{}", bank.content_hash());
                    println!();
                    let coverage = bank.coverage(&blueprint);
                    print!("{}", coverage_table(&coverage, &blueprint));
                    if coverage.sufficient() {
                        Ok(Outcome::Clean)
                    } else {
                        println!(
                            "\n有效题目不足以按蓝图 {} 组成一份试卷（见上表中的“不足”）。",
                            blueprint.id
                        );
                        Ok(Outcome::ProblemsFound)
                    }
                }
                Err(BankLoadError::Problems(problems)) => {
                    for p in &problems {
                        println!("{p}");
                    }
                    println!("\n共 {} 处问题。", problems.len());
                    Ok(Outcome::ProblemsFound)
                }
                Err(e) => Err(e.into()),
            }
        }
        BankCommand::Synth { items, out } => {
            if out.join("bank.toml").exists() {
                anyhow::bail!("{} 中已有题库（bank.toml），不会覆盖", out.display());
            }
            let blueprint = Blueprint::cmq_2010();
            let files = synth_bank(&blueprint, items);
            for (rel, text) in &files {
                let path = out.join(rel);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).with_context(|| format!("无法创建目录 {}", parent.display()))?;
                }
                std::fs::write(&path, text).with_context(|| format!("无法写入 {}", path.display()))?;
            }
            let bank = Bank::load(&out).context("生成的合成题库未通过检查（这是程序缺陷）")?;
            println!("已在 {} 生成合成题库：{} 道题。", out.display(), bank.items.len());
            Ok(Outcome::Clean)
        }
    }
}

/// Active items per module × kind next to what one paper needs.
pub fn coverage_table(c: &Coverage, blueprint: &Blueprint) -> String {
    let cell = |(have, need): (u32, u32)| {
        let mark = if have < need { " 不足" } else { "" };
        format!("{have:>4} / {need:<3}{mark}")
    };
    let mut out = format!("有效题目 / 每份试卷需要（蓝图 {}）\n", blueprint.id);
    out.push_str(&format!(
        "{}{}{}{}\n",
        pad("模块", 22),
        pad("单选", 16),
        pad("多选", 16),
        "开放题"
    ));
    for r in &c.rows {
        let name = format!("{} {}", r.module.number(), r.module.name_zh());
        out.push_str(&format!(
            "{}{:<16}{:<16}{:>4}\n",
            pad(&name, 22),
            cell(r.single),
            cell(r.multi),
            r.open
        ));
    }
    let single: (u32, u32) = c.rows.iter().fold((0, 0), |a, r| (a.0 + r.single.0, a.1 + r.single.1));
    let multi: (u32, u32) = c.rows.iter().fold((0, 0), |a, r| (a.0 + r.multi.0, a.1 + r.multi.1));
    out.push_str(&format!(
        "{}{:<16}{:<16}{}\n",
        pad("合计", 22),
        cell(single),
        cell(multi),
        cell((c.open_total(), c.open_needed))
    ));
    out
}

/// Pads to a display width in terminal columns: a Chinese character takes two.
fn pad(text: &str, columns: usize) -> String {
    let width: usize = text.chars().map(|ch| if ch.is_ascii() { 1 } else { 2 }).sum();
    format!("{text}{}", " ".repeat(columns.saturating_sub(width)))
}
