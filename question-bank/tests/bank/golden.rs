//! The golden paper: the committed fixture bank (`tests/fixtures/golden-bank`, generated once
//! with `synth_bank(&Blueprint::cmq_2010(), 120)` and frozen) assembled with seed 20261125 must
//! give exactly `tests/golden/seed-20261125.json`, byte for byte.
//!
//! This is the regenerability contract: a paper is identified by bank content, blueprint and
//! seed, and anyone must be able to redraw it years later. If this test fails, something
//! changed the draw (a rand / rand_chacha upgrade, or a change to assembly order, shuffling or
//! the paper's JSON shape).
//!
//! To accept a deliberate change (and knowingly break the regeneration of every past paper),
//! rewrite the golden file with:
//!
//! ```text
//! UPDATE_GOLDEN=1 cargo test -p question-bank --test bank golden
//! ```
//!
//! and commit the new JSON together with the change that caused it.

use std::path::PathBuf;

use question_bank::{Bank, Blueprint, assemble};

const SEED: u64 = 20261125;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests")
}

fn golden_path() -> PathBuf {
    root().join(format!("golden/seed-{SEED}.json"))
}

/// The paper as the golden file stores it: pretty JSON and a trailing newline.
fn render() -> String {
    let bank = Bank::load(&root().join("fixtures/golden-bank")).expect("the golden fixture bank loads");
    let assembly =
        assemble(&bank, &Blueprint::cmq_2010(), SEED, 1).expect("the golden fixture bank fills the blueprint");
    let mut json = serde_json::to_string_pretty(&assembly.papers[0]).expect("a paper serialises");
    json.push('\n');
    json
}

fn first_difference(expected: &str, actual: &str) -> String {
    for (n, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
        if e != a {
            return format!(
                "first difference at line {}:\n  committed: {e}\n  now:       {a}",
                n + 1
            );
        }
    }
    format!(
        "one is a prefix of the other ({} lines committed, {} lines now)",
        expected.lines().count(),
        actual.lines().count()
    )
}

#[test]
fn the_golden_paper_is_regenerated_byte_for_byte() {
    let actual = render();
    let path = golden_path();
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &actual).unwrap();
        eprintln!("rewrote {}", path.display());
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read the golden paper {} ({e}); create it with UPDATE_GOLDEN=1 cargo test -p question-bank --test bank golden",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "The paper drawn from the golden fixture bank with seed {SEED} is no longer the committed one \
         ({}).\n{}\n\nA rand/rand_chacha upgrade or a change to assembly (draw order, option shuffling, \
         paper fields) altered the draw: every past paper would no longer be regenerable from its \
         bank, blueprint and seed. Revert the change, or if it is deliberate, rerun with UPDATE_GOLDEN=1 \
         and commit the new golden file together with a note that old papers cannot be redrawn.",
        path.display(),
        first_difference(&expected, &actual)
    );
}

#[test]
fn the_golden_fixture_is_the_frozen_bank_and_the_golden_paper_records_it() {
    // The fixture must not drift: if someone regenerates it, its hash (and every golden paper) changes.
    let bank = Bank::load(&root().join("fixtures/golden-bank")).unwrap();
    assert_eq!(bank.items.len(), 131);
    let golden: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(golden_path()).unwrap()).expect("the golden file is JSON");
    assert_eq!(golden["seed"], SEED);
    assert_eq!(golden["blueprint"], "cmq-2010");
    assert_eq!(golden["bank_hash"].as_str(), Some(bank.content_hash().as_str()));
    assert_eq!(golden["objective"].as_array().map(Vec::len), Some(70));
    assert_eq!(golden["open"].as_array().map(Vec::len), Some(5));
}
