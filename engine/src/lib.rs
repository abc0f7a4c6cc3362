//! Kaowu (考务): the CMQ exam engine.
//!
//! # Layout
//! - [`cli`]: the `kaowu` command line (bank, paper, serve …), one file per command group.
//! - [`print`]: printable PDFs (booklet, answer sheet, key) in Chinese, laid out by hand.
//! - [`render`]: turning papers into text for the terminal.
//! - [`sitting`]: the sitting's rules without IO: timer, what may be saved, objective scoring.
//! - [`store`]: everything kept, behind use-case methods; SQLite or PostgreSQL.
//! - [`clock`]: the server's time, replaceable in tests.
//! - [`exam`]: papers per sitting (regenerated from seeds), submission, the expiry sweep.
//! - [`marking`]: the open-answer marking rules without IO (double marking, third marker).
//! - [`item_analysis`]: item analysis of an event's stored responses (report data, CSV).
//! - [`results`]: results per candidate, exports (CSV, XLSX).
//! - [`office`]: creating events, importing rosters, issuing passwords.
//! - [`auth`]: password hashing (Argon2id) and session tokens.
//! - [`web`]: the HTTP server: JSON API, sessions, batched saves, the expiry sweeper.
//! - [`demo`]: the built-in demo bank and `serve --demo`'s event and accounts.
//!
//! The pure exam domain (items, blueprint, assembly) lives in the `question-bank` crate.
#![forbid(unsafe_code)]
// The OpenAPI document is one `serde_json::json!` literal, deeper than the default limit.
#![recursion_limit = "512"]

pub mod auth;
pub mod cli;
pub mod clock;
pub mod demo;
pub mod exam;
pub mod item_analysis;
pub mod marking;
pub mod office;
pub mod print;
pub mod render;
pub mod results;
pub mod sitting;
pub mod store;
pub mod web;
