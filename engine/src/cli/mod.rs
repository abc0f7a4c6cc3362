//! The `kaowu` command line. Each command group has its own file; every command returns
//! `anyhow::Result`, and [`main`] turns an error into a Chinese message and exit status 1.

mod bank;
mod paper;
mod print;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    /// 打印：试卷、答题卡、标准答案（PDF）
    #[command(subcommand)]
    Print(print::PrintCommand),
}

/// Outcome of a command that checks something: problems found is not an error of the tool,
/// but it must still give exit status 1.
pub(crate) enum Outcome {
    Clean,
    ProblemsFound,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Bank(cmd) => bank::run(cmd),
        Command::Paper(cmd) => paper::run(cmd).map(|()| Outcome::Clean),
        Command::Print(cmd) => print::run(cmd).map(|()| Outcome::Clean),
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
