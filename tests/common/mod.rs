//! Shared test harness, by concern: [`app`] starts the real server on an ephemeral port with a
//! fresh database (SQLite file, or a new PostgreSQL database when TEST_DATABASE_URL is set) and a
//! manual clock, with typed helpers for the API calls; [`browser`] drives headless Chromium
//! through chromedriver; [`cli`] runs the real `kaowu` binary. This file keeps the skips.
//!
//! A part of a test that cannot run here (PostgreSQL without TEST_DATABASE_URL, a browser, a
//! tool) is skipped loudly: a banner on the terminal as it happens, and one line at the end of
//! the run counting every skipped part. Under KAOWU_REQUIRE_ALL_TESTS=1 (CI) a skip is a failure.

pub mod app;
pub mod browser;
pub mod cli;

pub use app::*;

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::Mutex;

/// The parts skipped in this run: (test, part), each counted once however often it is asked.
static SKIPPED: Mutex<BTreeSet<(String, &'static str)>> = Mutex::new(BTreeSet::new());

/// Skips the `what` part of the running test loudly, or fails when every test is required to
/// run (KAOWU_REQUIRE_ALL_TESTS=1).
pub fn skip(what: &'static str, why: &str) {
    let test = std::thread::current().name().unwrap_or("a test").to_string();
    let msg = format!("\n!!!!!!!! SKIPPED in {test}: the {what} part did not run: {why} !!!!!!!!\n");
    if std::env::var("KAOWU_REQUIRE_ALL_TESTS").is_ok_and(|v| v == "1") {
        panic!("{msg}(KAOWU_REQUIRE_ALL_TESTS=1 turns this skip into a failure)");
    }
    let first = SKIPPED.lock().unwrap_or_else(|e| e.into_inner()).insert((test, what));
    if first {
        // Not `eprintln!`: libtest captures that in a passing test and never shows it. A write
        // to the stderr handle itself is not captured, so the banner reaches the terminal.
        let _ = std::io::stderr().lock().write_all(msg.as_bytes());
    }
}

/// The backends to run a test on: SQLite always, PostgreSQL when TEST_DATABASE_URL is set.
/// Without it the PostgreSQL part is skipped loudly (see [`skip`]).
pub fn backends() -> Vec<Backend> {
    if std::env::var("TEST_DATABASE_URL").is_ok() {
        vec![Backend::Sqlite, Backend::Postgres]
    } else {
        skip("PostgreSQL", "TEST_DATABASE_URL is not set");
        vec![Backend::Sqlite]
    }
}

/// Runs `scenario` on every backend of [`backends`], one after the other.
pub async fn each_backend<F, Fut>(scenario: F)
where
    F: Fn(Backend) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for backend in backends() {
        eprintln!("--- backend {backend:?}");
        scenario(backend).await;
    }
}

/// The line that ends the run when anything was skipped, e.g.
/// `!!!!!!!! 14 test parts SKIPPED: PostgreSQL ×10, browser ×4 …`.
fn skipped_summary() -> Option<String> {
    let skipped = SKIPPED.try_lock().ok()?;
    if skipped.is_empty() {
        return None;
    }
    let mut parts: Vec<(&str, usize)> = Vec::new();
    for (_, what) in skipped.iter() {
        match parts.iter_mut().find(|(w, _)| w == what) {
            Some((_, n)) => *n += 1,
            None => parts.push((what, 1)),
        }
    }
    parts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let list: Vec<String> = parts.iter().map(|(what, n)| format!("{what} ×{n}")).collect();
    Some(format!(
        "\n!!!!!!!! {} test parts SKIPPED: {} (see the SKIPPED banners above; KAOWU_REQUIRE_ALL_TESTS=1 makes a skip fail) !!!!!!!!\n",
        skipped.len(),
        list.join(", ")
    ))
}

/// Writes [`skipped_summary`] when the test binary exits, after libtest's own result line.
///
/// Why `#[dtor]` (the `dtor` crate, the destructor half of the well-kept `ctor` family): it runs
/// once at process exit, whether the run passed or failed (libtest leaves through `exit`), and it
/// needs nothing of the tests. The alternative, `harness = false` with libtest-mimic, would mean
/// re-declaring every `#[test]` and `#[tokio::test]` of this binary as a hand-built trial list.
/// Past `main` the standard library's stdio may already be torn down, so the line goes straight
/// to file descriptor 2.
#[dtor::dtor(unsafe)]
fn print_skipped_summary() {
    let Some(line) = skipped_summary() else { return };
    #[cfg(unix)]
    {
        use std::os::fd::FromRawFd;
        // SAFETY: fd 2 is the process's stderr, open for its whole life; ManuallyDrop never closes it.
        let mut stderr = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(2) });
        let _ = stderr.write_all(line.as_bytes());
    }
    #[cfg(not(unix))]
    let _ = std::io::stderr().write_all(line.as_bytes());
}
