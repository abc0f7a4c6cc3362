//! The formats' tests: small files written here for the awkward cases, the round trips over the
//! demo bank, and real files from public sources (tests/fixtures, each with its licence).

mod common;
#[path = "formats/detect.rs"]
mod detect;
#[path = "formats/docx.rs"]
mod docx;
#[path = "formats/fixtures.rs"]
mod fixtures;
#[path = "formats/gift.rs"]
mod gift;
#[path = "formats/moodle.rs"]
mod moodle;
#[path = "formats/pictures.rs"]
mod pictures;
#[path = "formats/qti.rs"]
mod qti;
#[path = "formats/round_trip.rs"]
mod round_trip;
#[path = "formats/xlsx.rs"]
mod xlsx;
