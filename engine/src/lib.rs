//! Kaowu (考务): the CMQ exam engine.
//!
//! # Layout
//! - [`cli`]: the `kaowu` command line (bank, paper, serve …), one file per command group.
//! - [`print`]: printable PDFs (booklet, answer sheet, key) in Chinese, laid out by hand.
//! - [`render`]: turning papers into text for the terminal.
//! - [`sitting`]: the sitting's rules without IO: timer, what may be saved, objective scoring.
//! - [`store`]: everything kept, behind use-case methods; SQLite or PostgreSQL.
//! - [`clock`]: the server's time, replaceable in tests.
//!
//! The pure exam domain (items, blueprint, assembly) lives in the `question-bank` crate.
#![forbid(unsafe_code)]

pub mod cli;
pub mod clock;
pub mod print;
pub mod render;
pub mod sitting;
pub mod store;
