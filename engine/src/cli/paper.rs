//! `kaowu paper assemble`: draw blueprint-exact papers from a bank and a seed.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use question_bank::{Bank, Blueprint, assemble};
use serde::Serialize;

use crate::render::text::{render_exposure, render_paper};

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
