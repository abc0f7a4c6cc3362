//! The `kaowu` command line. Each command group has its own file; every command returns
//! `anyhow::Result`, and [`main`] turns an error into a Chinese message and exit status 1.

mod bank;
mod corrections;
mod event;
mod paper;
mod print;
mod results;
mod serve;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "kaowu",
    version,
    about = "考务：CMQ 质量经理考试的题库、组卷、考试与评分引擎"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// 题库：检查、生成合成题库
    #[command(subcommand)]
    Bank(bank::BankCommand),
    /// 试卷：按蓝图组卷
    #[command(subcommand)]
    Paper(paper::PaperCommand),
    /// 启动考试服务器
    Serve(serve::ServeArgs),
    /// 考试：创建、列出
    #[command(subcommand)]
    Event(event::EventCommand),
    /// 考生名单：导入并签发密码
    #[command(subcommand)]
    Roster(event::RosterCommand),
    /// 工作人员账号：新建、列出、重置密码、指派监考和阅卷
    #[command(subcommand, visible_alias = "account")]
    Staff(event::AccountCommand),
    /// 打印：试卷、答题卡、标准答案（PDF）
    #[command(subcommand)]
    Print(print::PrintCommand),
    /// 成绩：完成进度，导出 CSV
    Results(results::ResultsArgs),
    /// 发布成绩
    Release(results::ReleaseArgs),
    /// 更正答案或作废试题并重新计分（--dry-run 只预览影响）
    KeyCorrect(corrections::KeyCorrectArgs),
    /// 申诉复评：某考生的一道开放题重新评阅
    Appeal(corrections::AppealArgs),
}

/// Where the data lives: `sqlite:PATH` (the embedded default) or `postgres://…`.
#[derive(Debug, Args)]
pub struct DbArgs {
    /// 数据库：sqlite:文件路径（默认）或 postgres://…
    #[arg(long, env = "KAOWU_DATABASE_URL", default_value = "sqlite:kaowu.db")]
    pub database: String,
}

/// Outcome of a command that checks something: problems found is not an error of the tool,
/// but it must still give exit status 1.
pub(crate) enum Outcome {
    Clean,
    ProblemsFound,
}

fn block_on(f: impl std::future::Future<Output = anyhow::Result<()>>) -> anyhow::Result<Outcome> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(f).map(|()| Outcome::Clean)
}

pub fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Bank(cmd) => bank::run(cmd),
        Command::Paper(cmd) => paper::run(cmd).map(|()| Outcome::Clean),
        Command::Print(cmd) => print::run(cmd).map(|()| Outcome::Clean),
        Command::Serve(args) => block_on(serve::run(args)),
        Command::Event(cmd) => block_on(event::run_event(cmd)),
        Command::Roster(cmd) => block_on(event::run_roster(cmd)),
        Command::Staff(cmd) => block_on(event::run_account(cmd)),
        Command::Results(args) => block_on(results::run_results(args)),
        Command::Release(args) => block_on(results::run_release(args)),
        Command::KeyCorrect(args) => block_on(corrections::run_key_correct(args)),
        Command::Appeal(args) => block_on(corrections::run_appeal(args)),
    };
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::ProblemsFound) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::FAILURE
        }
    }
}
