//! Kaowu (考务): the CMQ exam engine.
//!
//! # Layout
//! - [`cli`]: the `kaowu` command line (bank, paper, serve …), one file per command group.
//! - [`print`]: printable PDFs (booklet, answer sheet, key) in Chinese, laid out by hand.
//! - [`store`]: everything kept, behind use-case methods; SQLite or PostgreSQL.
//! - [`clock`]: the server's time, replaceable in tests.
//! - [`exam`]: the services, the only door to the store: events, papers, sittings, proctoring,
//!   marking, results and release, key corrections, item analysis, the office's work, the demo.
//! - [`results`]: results per candidate, exports (CSV, XLSX).
//! - [`auth`]: password hashing (Argon2id) and session tokens.
//! - [`web`]: the HTTP server: JSON API, sessions, batched saves, the expiry sweeper.
//!
//! The pure exam domain lives in two crates without IO: `question-bank` (items, blueprint,
//! assembly, item analysis) and `exam-rules` (the sitting's commands and refusals, timer, what may
//! be saved, scoring, marking, the pass rule, the release gate).
#![forbid(unsafe_code)]
// The OpenAPI document is one `serde_json::json!` literal, deeper than the default limit.
#![recursion_limit = "512"]

pub mod auth;
pub mod cli;
pub mod clock;
pub mod exam;
pub mod group_commit;
pub mod print;
pub mod results;
pub mod store;
pub mod web;
