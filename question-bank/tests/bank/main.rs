//! The question bank's integration tests, in one binary (one link instead of four): Cargo finds
//! `tests/bank/main.rs` by itself (autotests) and runs it as the test target `bank`; the files
//! beside it are its modules, not targets of their own. Data the tests read stays where it was
//! (`tests/data`, `tests/fixtures`, `tests/golden`), found from `CARGO_MANIFEST_DIR`.

mod analysis;
mod assembly;
mod bank_check;
mod golden;
