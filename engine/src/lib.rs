//! Kaowu (考务): the CMQ exam engine.
//!
//! # Layout
//! - [`cli`]: the `kaowu` command line (bank, paper, serve …), one file per command group.
//! - [`render`]: turning papers into text for the terminal.
//!
//! The pure exam domain (items, blueprint, assembly) lives in the `question-bank` crate.
#![forbid(unsafe_code)]

pub mod cli;
pub mod render;
