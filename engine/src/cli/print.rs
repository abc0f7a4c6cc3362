//! `kaowu print booklet|answer-sheet|key`: one paper drawn as `kaowu paper assemble` draws it,
//! printed to an A4 PDF (试卷, 答题卡, 标准答案及评分要点).
//!
//! From an event's database: `kaowu print event` (every candidate's own paper, regenerated from
//! the stored seed), `kaowu print score-report` (成绩单 from released results) and
//! `kaowu print analysis` (题目分析报告).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
    /// 按考试打印每位考生本人的试卷（由存储的种子重新生成，与考生所考完全相同）
    Event(EventArgs),
    /// 成绩单：依据已发布的成绩，打印一位考生（--ticket）或全部考生（--all）的成绩单
    ScoreReport(ScoreReportArgs),
    /// 题目分析报告：总分统计、分数分布直方图、逐题难度与区分度及标记
    Analysis(AnalysisArgs),
    /// 准考证：每位考生一页（考试时间、入场截止、考场座位、入场核验二维码、考生须知）
    Tickets(TicketsArgs),
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
        PrintCommand::Event(args) => return event(args),
        PrintCommand::ScoreReport(args) => return score_reports(args),
        PrintCommand::Analysis(args) => return analysis(args),
        PrintCommand::Tickets(args) => return tickets(args),
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
            let options = BookletOptions {
                date: date.clone(),
                pictures: print::booklet::bank_pictures(&bank),
            };
            print::booklet(paper, &blueprint, &options)?
        }
        PrintCommand::AnswerSheet { .. } => print::answer_sheet(paper, &blueprint)?,
        PrintCommand::Event(_)
        | PrintCommand::ScoreReport(_)
        | PrintCommand::Analysis(_)
        | PrintCommand::Tickets(_) => unreachable!(),
        PrintCommand::Key { .. } => {
            let explanations: BTreeMap<_, _> = bank
                .items
                .iter()
                .filter_map(|i| i.explanation.clone().map(|e| (i.id.clone(), e)))
                .collect();
            print::key(paper, &blueprint, &explanations)?
        }
    };
    save_printed(&args.out, &printed)?;
    println!(
        "已生成{what} {}：试卷 {}，{} 页，{} KB。",
        args.out.display(),
        paper.paper_id,
        printed.pages,
        printed.pdf.len().div_ceil(1024)
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// From an event's database: every candidate's paper, score reports, the item-analysis report.
// ---------------------------------------------------------------------------------------------

/// Which document of each candidate's paper `kaowu print event` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum What {
    /// 试卷（题本）
    Booklet,
    /// 答题卡
    AnswerSheet,
    /// 标准答案及评分要点
    Key,
}

impl What {
    fn slug(self) -> &'static str {
        match self {
            What::Booklet => "booklet",
            What::AnswerSheet => "answer-sheet",
            What::Key => "key",
        }
    }

    fn name_zh(self) -> &'static str {
        match self {
            What::Booklet => "试卷",
            What::AnswerSheet => "答题卡",
            What::Key => "标准答案",
        }
    }
}

#[derive(Debug, Args)]
pub struct EventArgs {
    #[command(flatten)]
    db: super::DbArgs,
    /// 考试编号
    #[arg(long)]
    event: i64,
    /// 输出目录：每位考生一个文件，名为 准考证号-类型.pdf
    #[arg(long)]
    out: PathBuf,
    /// 打印什么
    #[arg(long, value_enum, default_value_t = What::Booklet)]
    what: What,
    /// 只打印这位考生（准考证号）
    #[arg(long)]
    ticket: Option<String>,
    /// 印在试卷封面上的考试日期（默认留空待填）
    #[arg(long)]
    date: Option<String>,
    /// 并行打印的线程数（默认 2，或更少的核数）
    #[arg(long)]
    jobs: Option<usize>,
}

#[derive(Debug, Args)]
pub struct ScoreReportArgs {
    #[command(flatten)]
    db: super::DbArgs,
    /// 考试编号
    #[arg(long)]
    event: i64,
    /// 考生准考证号（打印一份）
    #[arg(long, conflicts_with = "all", required_unless_present = "all")]
    ticket: Option<String>,
    /// 打印全部考生的成绩单（--out 为目录）
    #[arg(long)]
    all: bool,
    /// 输出：--ticket 时为 PDF 文件，--all 时为目录
    #[arg(long)]
    out: PathBuf,
    /// 落款日期（默认今天）
    #[arg(long)]
    date: Option<String>,
    /// 并行打印的线程数（默认 2，或更少的核数）
    #[arg(long)]
    jobs: Option<usize>,
}

#[derive(Debug, Args)]
pub struct AnalysisArgs {
    #[command(flatten)]
    db: super::DbArgs,
    /// 考试编号
    #[arg(long)]
    event: i64,
    /// 输出的 PDF 文件
    #[arg(long)]
    out: PathBuf,
    /// 打印日期（默认今天）
    #[arg(long)]
    date: Option<String>,
}

#[derive(Debug, Args)]
pub struct TicketsArgs {
    #[command(flatten)]
    db: super::DbArgs,
    /// 考试编号
    #[arg(long)]
    event: i64,
    /// 只打印这个考场的准考证
    #[arg(long)]
    room: Option<String>,
    /// 输出的 PDF 文件
    #[arg(long)]
    out: PathBuf,
}

/// A candidate of the event: id, ticket, name, room.
struct Candidate {
    id: i64,
    ticket: String,
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

async fn open_event(
    db: &super::DbArgs,
    event: i64,
) -> anyhow::Result<(crate::exam::Exam, std::sync::Arc<crate::exam::LoadedEvent>)> {
    let exam = crate::exam::Exam::open(&db.database)
        .await
        .with_context(|| format!("无法打开数据库 {}", db.database))?;
    let loaded = match exam.event(event).await {
        Err(crate::exam::ServiceError::NotFound(_)) => anyhow::bail!("考试 {event} 不存在"),
        other => other?,
    };
    Ok((exam, loaded))
}

/// The event's candidates in ticket order, or just `ticket` (an error if not in the event).
async fn candidates(exam: &crate::exam::Exam, event: i64, ticket: Option<&str>) -> anyhow::Result<Vec<Candidate>> {
    let all: Vec<Candidate> = exam
        .event_candidates(event)
        .await?
        .into_iter()
        .map(|c| Candidate {
            id: c.id,
            ticket: c.ticket,
        })
        .collect();
    match ticket {
        None => Ok(all),
        Some(t) => {
            let one: Vec<Candidate> = all.into_iter().filter(|c| c.ticket == t).collect();
            if one.is_empty() {
                anyhow::bail!("考试 {event} 中没有准考证号为 {t} 的考生");
            }
            Ok(one)
        }
    }
}

fn progress(len: usize, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(Some(len as u64), indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} {per_sec} 剩余 {eta}")
            .expect("a valid progress template")
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// Writes one printed file, first telling of a substitute font if one was used.
fn save_printed(path: &Path, printed: &Printed) -> anyhow::Result<()> {
    if let Some(notice) = &printed.notice {
        eprintln!("注意：{notice}");
    }
    std::fs::write(path, &printed.pdf).with_context(|| format!("无法写入 {}", path.display()))
}

/// One printed file: its path and size, or why it failed.
type Written = anyhow::Result<(PathBuf, usize, Option<String>)>;

fn write_pdf(path: PathBuf, printed: anyhow::Result<Printed>) -> Written {
    let printed = printed?;
    std::fs::write(&path, &printed.pdf).with_context(|| format!("无法写入 {}", path.display()))?;
    Ok((path, printed.pdf.len(), printed.notice))
}

/// Reports a batch: notices once each, the first failures, and the closing line.
fn finish_batch(
    results: Vec<Written>,
    what: &str,
    dir: &std::path::Path,
    started: std::time::Instant,
) -> anyhow::Result<()> {
    let secs = started.elapsed().as_secs_f64();
    let mut notices = std::collections::BTreeSet::new();
    let mut failed = Vec::new();
    let (mut count, mut bytes) = (0usize, 0usize);
    for r in results {
        match r {
            Ok((_, size, notice)) => {
                count += 1;
                bytes += size;
                notices.extend(notice);
            }
            Err(e) => failed.push(format!("{e:#}")),
        }
    }
    for n in notices {
        eprintln!("注意：{n}");
    }
    for f in failed.iter().take(10) {
        eprintln!("失败：{f}");
    }
    println!(
        "已打印 {count} 份{what}到 {}：共 {:.1} MB，用时 {secs:.1} 秒，每秒 {:.1} 份。",
        dir.display(),
        bytes as f64 / 1_048_576.0,
        count as f64 / secs.max(1e-9)
    );
    if !failed.is_empty() {
        anyhow::bail!("{} 份{what}未能打印", failed.len());
    }
    Ok(())
}

/// `kaowu print event`.
fn event(args: &EventArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let rt = runtime()?;
    let (loaded, papers, pictures) = rt.block_on(async {
        let (exam, loaded) = open_event(&args.db, args.event).await?;
        let mut papers = Vec::new();
        for c in candidates(&exam, args.event, args.ticket.as_deref()).await? {
            let paper = exam
                .paper_of(c.id)
                .await
                .with_context(|| format!("考生 {} 没有考试记录", c.ticket))?;
            papers.push((c.ticket, paper));
        }
        let pictures = exam.event_pictures(&loaded).await?;
        anyhow::Ok((loaded, papers, pictures))
    })?;
    drop(rt);
    std::fs::create_dir_all(&args.out).with_context(|| format!("无法创建目录 {}", args.out.display()))?;
    let blueprint = &loaded.row.blueprint;
    let explanations: BTreeMap<_, _> = loaded
        .bank
        .items
        .iter()
        .filter_map(|i| i.explanation.clone().map(|e| (i.id.clone(), e)))
        .collect();
    let options = BookletOptions {
        date: args.date.clone(),
        pictures,
    };
    let bar = progress(papers.len(), &format!("打印{}", args.what.name_zh()));
    let workers = args.jobs.unwrap_or_else(print::batch::default_workers);
    let results = print::batch::in_parallel(&papers, workers, |(ticket, paper)| {
        let printed = match args.what {
            What::Booklet => print::booklet(paper, blueprint, &options),
            What::AnswerSheet => print::answer_sheet(paper, blueprint),
            What::Key => print::key(paper, blueprint, &explanations),
        };
        let path = args.out.join(format!("{ticket}-{}.pdf", args.what.slug()));
        let r = write_pdf(path, printed.with_context(|| format!("考生 {ticket}")));
        bar.inc(1);
        r
    });
    bar.finish_and_clear();
    finish_batch(results, args.what.name_zh(), &args.out, started)
}

/// `kaowu print score-report`.
fn score_reports(args: &ScoreReportArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let rt = runtime()?;
    let (loaded, results) = rt.block_on(async {
        let (exam, loaded) = open_event(&args.db, args.event).await?;
        if loaded.row.released_ms.is_none() {
            anyhow::bail!(
                "考试「{}」的成绩尚未发布，不能打印成绩单；请先由考务办公室发布成绩。",
                loaded.row.name
            );
        }
        let mut results = Vec::new();
        for c in candidates(&exam, args.event, args.ticket.as_deref()).await? {
            let Some(r) = exam
                .released_result(c.id)
                .await
                .with_context(|| format!("考生 {} 的已发布成绩无法读取", c.ticket))?
            else {
                if args.all {
                    continue;
                }
                anyhow::bail!("考生 {} 的成绩尚未发布，不能打印成绩单。", c.ticket);
            };
            results.push(r);
        }
        anyhow::Ok((loaded, results))
    })?;
    drop(rt);
    let info = print::ScoreReportInfo {
        exam_name: loaded.row.name.clone(),
        date: args.date.clone().unwrap_or_else(print::today_zh),
    };
    if !args.all {
        let r = &results[0];
        let (path, size, notice) = write_pdf(args.out.clone(), print::score_report(r, &info).map_err(Into::into))?;
        if let Some(n) = notice {
            eprintln!("注意：{n}");
        }
        println!(
            "已生成成绩单 {}：{} {}，总分 {}，{}，{} KB。",
            path.display(),
            r.ticket,
            r.name,
            r.total,
            crate::results::verdict_zh(r),
            size.div_ceil(1024)
        );
        return Ok(());
    }
    std::fs::create_dir_all(&args.out).with_context(|| format!("无法创建目录 {}", args.out.display()))?;
    let bar = progress(results.len(), "打印成绩单");
    let workers = args.jobs.unwrap_or_else(print::batch::default_workers);
    let written = print::batch::in_parallel(&results, workers, |r| {
        let path = args.out.join(format!("{}-score-report.pdf", r.ticket));
        let w = write_pdf(
            path,
            print::score_report(r, &info).with_context(|| format!("考生 {}", r.ticket)),
        );
        bar.inc(1);
        w
    });
    bar.finish_and_clear();
    finish_batch(written, "成绩单", &args.out, started)
}

/// `kaowu print tickets`.
fn tickets(args: &TicketsArgs) -> anyhow::Result<()> {
    let printed = runtime()?.block_on(async {
        let exam = crate::exam::Exam::open(&args.db.database).await?;
        anyhow::Ok(exam.admission_tickets(args.event, args.room.as_deref()).await?)
    })?;
    save_printed(&args.out, &printed)?;
    println!(
        "已生成准考证 {}：{} 名考生，每人一页，{} KB。",
        args.out.display(),
        printed.pages,
        printed.pdf.len() / 1024
    );
    Ok(())
}

/// `kaowu print analysis`.
fn analysis(args: &AnalysisArgs) -> anyhow::Result<()> {
    let rt = runtime()?;
    let (loaded, analysis) = rt.block_on(async {
        let (exam, loaded) = open_event(&args.db, args.event).await?;
        let settings = question_bank::analysis::AnalysisSettings::default();
        let analysis = exam.analyse_event(args.event, &settings).await?;
        anyhow::Ok((loaded, analysis))
    })?;
    drop(rt);
    if analysis.test.candidates == 0 {
        anyhow::bail!("考试「{}」还没有已交卷的考生，无法进行题目分析。", loaded.row.name);
    }
    let info = print::AnalysisReportInfo {
        exam_name: loaded.row.name.clone(),
        date: args.date.clone().unwrap_or_else(print::today_zh),
        pass_mark: Some(question_bank::Points::from_hundredths(loaded.row.pass_mark)),
    };
    let printed = print::analysis_report(&analysis, &info)?;
    save_printed(&args.out, &printed)?;
    let flagged = analysis.items.iter().filter(|i| !i.flags.is_empty()).count();
    println!(
        "已生成题目分析报告 {}：考生 {} 人，题目 {} 道，标记 {} 道，{} 页，{} KB。",
        args.out.display(),
        analysis.test.candidates,
        analysis.test.items,
        flagged,
        printed.pages,
        printed.pdf.len().div_ceil(1024)
    );
    Ok(())
}
