//! `kaowu print booklet|answer-sheet|key`: one paper drawn as `kaowu paper assemble` draws it,
//! printed to an A4 PDF (试卷, 答题卡, 标准答案及评分要点).

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use question_bank::{Bank, assemble};

use super::paper::load_blueprint;
use crate::print::{self, BookletOptions, Printed};

#[derive(Debug, Subcommand)]
pub enum PrintCommand {
    /// 试卷（题本）：封面、考生须知、单选题、多选题、开放题及答题区
    Booklet {
        #[command(flatten)]
        paper: PaperArgs,
        /// 印在封面上的考试日期，如“2026 年 6 月 13 日”（默认留空待填）
        #[arg(long)]
        date: Option<String>,
    },
    /// 答题卡：考生信息、客观题填涂区、开放题选答标记
    AnswerSheet {
        #[command(flatten)]
        paper: PaperArgs,
    },
    /// 标准答案及评分要点（仅供考务与阅卷）
    Key {
        #[command(flatten)]
        paper: PaperArgs,
    },
}

/// Which paper to print and where: the same options as `kaowu paper assemble`.
#[derive(Debug, Args)]
pub struct PaperArgs {
    /// 题库目录
    #[arg(long)]
    bank: PathBuf,
    /// 随机种子（与 `kaowu paper assemble` 相同的种子得到相同的试卷）
    #[arg(long)]
    seed: u64,
    /// 共组几套平行试卷（与组卷时一致）
    #[arg(long, default_value_t = 1)]
    forms: u32,
    /// 打印第几套（1 … forms）
    #[arg(long, default_value_t = 1)]
    form: u32,
    /// 蓝图文件（默认：内置 CMQ 2010 蓝图）
    #[arg(long)]
    blueprint: Option<PathBuf>,
    /// 输出的 PDF 文件
    #[arg(long)]
    out: PathBuf,
}

pub fn run(cmd: PrintCommand) -> anyhow::Result<()> {
    let (args, what) = match &cmd {
        PrintCommand::Booklet { paper, .. } => (paper, "试卷"),
        PrintCommand::AnswerSheet { paper } => (paper, "答题卡"),
        PrintCommand::Key { paper } => (paper, "标准答案及评分要点"),
    };
    if args.form == 0 || args.form > args.forms {
        anyhow::bail!("--form {} 无效：应在 1 到 --forms（{}）之间", args.form, args.forms);
    }
    let blueprint = load_blueprint(args.blueprint.as_deref())?;
    let bank = Bank::load(&args.bank).with_context(|| format!("题库 {} 无法使用", args.bank.display()))?;
    let assembly = assemble(&bank, &blueprint, args.seed, args.forms)?;
    let paper = &assembly.papers[args.form as usize - 1];
    let printed: Printed = match &cmd {
        PrintCommand::Booklet { date, .. } => {
            print::booklet(paper, &blueprint, &BookletOptions { date: date.clone() })?
        }
        PrintCommand::AnswerSheet { .. } => print::answer_sheet(paper, &blueprint)?,
        PrintCommand::Key { .. } => {
            let explanations: BTreeMap<_, _> = bank
                .items
                .iter()
                .filter_map(|i| i.explanation.clone().map(|e| (i.id.clone(), e)))
                .collect();
            print::key(paper, &blueprint, &explanations)?
        }
    };
    if let Some(notice) = &printed.notice {
        eprintln!("注意：{notice}");
    }
    std::fs::write(&args.out, &printed.pdf).with_context(|| format!("无法写入 {}", args.out.display()))?;
    println!(
        "已生成{what} {}：试卷 {}，{} 页，{} KB。",
        args.out.display(),
        paper.paper_id,
        printed.pages,
        printed.pdf.len().div_ceil(1024)
    );
    Ok(())
}
