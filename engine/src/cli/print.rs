//! `kaowu print …`: PDF booklets, answer sheets and keys. Being written.

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum PrintCommand {}

pub fn run(cmd: PrintCommand) -> anyhow::Result<()> {
    match cmd {}
}
