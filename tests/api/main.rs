//! Kaowu's integration tests, in one binary as zero2prod keeps them: each former test file is a
//! module here, and the shared harness is `tests/common/` (`app`: the real server on an ephemeral
//! port with a fresh database per test and typed API calls; `browser`: headless Chromium through
//! chromedriver; `cli`: the real `kaowu` binary). One binary links once, which is what CI waits for.

#[path = "../common/mod.rs"]
mod common;

mod bank_cli;
mod bank_formats;
mod browser;
mod browser_marking;
mod browser_registration;
mod browser_schedule;
mod crash;
mod key_corrections;
mod marking;
mod multi_node;
mod office_analysis_page;
mod office_console;
mod office_staff;
mod print;
mod print_event;
mod qti_player;
mod readme;
mod registration;
mod schedule;
mod sitting_api;
mod static_js;
mod store_conformance;
