//! `kaowu key-correct` and `kaowu appeal`: what the office does after the event, from the command
//! line, through the same exam service as the console (the same checks, the same audit entries).

use anyhow::Context;
use clap::Args;

use super::DbArgs;
use crate::exam::{Exam, KeyCorrection, RescoreReport};

/// 更正答案或作废试题并重新计分（--dry-run 只预览影响）
#[derive(Debug, Args)]
pub struct KeyCorrectArgs {
    #[command(flatten)]
    db: DbArgs,
    /// 考试编号
    #[arg(long)]
    event: i64,
    /// 题目编号（题库中的编号，如 M3-S-0007）
    #[arg(long)]
    item: String,
    /// 更正后可接受的答案（题库选项字母，可给多次：--accept B --accept C 表示 B 或 C 均对；多选题如 ACD）
    #[arg(long, conflicts_with = "void")]
    accept: Vec<String>,
    /// 作废该题（全体考生得该题分数）
    #[arg(long)]
    void: bool,
    /// 更正原因（记入审计记录）
    #[arg(long)]
    reason: String,
    /// 只预览影响：谁加分、谁减分、谁的合格与否改变；不做任何更改
    #[arg(long)]
    dry_run: bool,
}

/// 申诉复评：把某考生的一道开放题交给未评过该答卷的阅卷人重新评阅
#[derive(Debug, Args)]
pub struct AppealArgs {
    #[command(flatten)]
    db: DbArgs,
    /// 考试编号
    #[arg(long)]
    event: i64,
    /// 考生准考证号
    #[arg(long)]
    ticket: String,
    /// 开放题题号（试卷上的第几题，1–5）
    #[arg(long)]
    question: i64,
    /// 申诉原因（记入审计记录）
    #[arg(long)]
    reason: String,
}

pub async fn run_key_correct(args: KeyCorrectArgs) -> anyhow::Result<()> {
    let exam = Exam::open(&args.db.database).await?;
    let correction = KeyCorrection::of(args.item.clone(), &args.accept, args.void, args.reason)?;
    let report = if args.dry_run {
        exam.preview_key_correction(args.event, &correction).await
    } else {
        exam.correct_key(args.event, &correction, "cli").await
    }
    .with_context(|| format!("题目 {} 的答案未更正", args.item))?;
    print!("{}", report_zh(&report));
    Ok(())
}

pub async fn run_appeal(args: AppealArgs) -> anyhow::Result<()> {
    let exam = Exam::open(&args.db.database).await?;
    exam.appeal(args.event, &args.ticket, args.question, &args.reason, "cli")
        .await
        .with_context(|| format!("考生 {} 第 {} 题的申诉未受理", args.ticket, args.question))?;
    println!(
        "已受理：考生 {} 开放题第 {} 题转入申诉复评，将由未评过该答卷的阅卷人重新评阅。",
        args.ticket, args.question
    );
    Ok(())
}

/// The report as the office reads it: what changes, then one line per candidate.
fn report_zh(r: &RescoreReport) -> String {
    let mut out = format!(
        "{}题目 {}：答案 {} → {}。作答 {} 份，改分 {} 份；加分 {} 人，减分 {} 人，合格与否改变 {} 人。\n",
        if r.dry_run {
            "【预览，未做任何更改】"
        } else {
            "已更正并重新计分。"
        },
        r.item_id,
        r.old_key,
        r.new_key,
        r.responses,
        r.rescored,
        r.gains,
        r.losses,
        r.verdicts_changed
    );
    for c in &r.changed {
        out.push_str(&format!(
            "  {} {}：{} → {} 分，{} → {}\n",
            c.ticket, c.name, c.old_total, c.new_total, c.old_verdict, c.new_verdict
        ));
    }
    if r.dry_run {
        out.push_str("确认无误后，去掉 --dry-run 再运行一次即更正；已发布的成绩需重新发布才会改变。\n");
    } else {
        out.push_str("已发布的成绩需重新发布（kaowu release）考生才会看到新分数。\n");
    }
    out
}
