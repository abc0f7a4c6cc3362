//! `kaowu results` and `kaowu release`: the event's results and their release from the command
//! line, through the same exam service as the console (the release gate and its reasons, the
//! export recorded in the audit log).

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::DbArgs;
use crate::exam::Exam;

/// 成绩：完成进度，可导出 CSV
#[derive(Debug, Args)]
pub struct ResultsArgs {
    #[command(flatten)]
    db: DbArgs,
    /// 考试编号
    #[arg(long)]
    event: i64,
    /// 导出成绩表（CSV，UTF-8 带 BOM，Excel 可直接打开）到此文件；已存在则不覆盖
    #[arg(long)]
    out: Option<PathBuf>,
}

/// 发布成绩（有未完成的成绩或入场截止前仍可入场时拒绝，并说明原因）
#[derive(Debug, Args)]
pub struct ReleaseArgs {
    #[command(flatten)]
    db: DbArgs,
    /// 考试编号
    #[arg(long)]
    event: i64,
}

pub async fn run_results(args: ResultsArgs) -> anyhow::Result<()> {
    let exam = Exam::open(&args.db.database).await?;
    let results = exam.results(args.event).await?;
    let p = exam.release_progress(args.event, &results).await?;
    let released = exam.released_at(args.event).await?;
    println!(
        "考试 {}：考生 {} 名，成绩完成 {}，未完成 {}，缺考或未入场 {}；{}。",
        args.event,
        results.len(),
        p.complete,
        p.incomplete,
        p.absent,
        match released {
            Some(ms) => format!("成绩已于 {} 发布", exam_rules::schedule::day_and_clock_zh(ms)),
            None => "成绩尚未发布".into(),
        }
    );
    if let Some(out) = args.out {
        if out.exists() {
            anyhow::bail!("{} 已存在，不会覆盖", out.display());
        }
        let offered = exam.event(args.event).await?.row.blueprint.open.offered;
        exam.audit_export(args.event, "cli", "CSV", results.len()).await?;
        std::fs::write(&out, crate::results::to_csv(&results, offered))
            .with_context(|| format!("无法写入 {}", out.display()))?;
        println!("成绩表已写入 {}（{} 行）。", out.display(), results.len());
    }
    Ok(())
}

pub async fn run_release(args: ReleaseArgs) -> anyhow::Result<()> {
    let exam = Exam::open(&args.db.database).await?;
    let n = exam
        .release(args.event, "cli")
        .await
        .with_context(|| format!("考试 {} 的成绩未发布", args.event))?;
    println!(
        "已发布考试 {} 的成绩：{n} 名考生。考生用准考证号登录即可查看。",
        args.event
    );
    Ok(())
}
