//! The README's table of commands is true: every command it lists exists (its `--help` runs).

use crate::common::cli::{assert_ok, kaowu, workspace};

#[test]
fn every_command_in_the_readme_table_exists() {
    let readme = std::fs::read_to_string(workspace().join("README.md")).expect("README.md");
    let mut checked = 0;
    for line in readme.lines().filter(|l| l.starts_with("| `kaowu ")) {
        // The first cell, and in it every `kaowu …` in backticks.
        let cell = line.split(" | ").next().unwrap_or_default();
        for command in cell.split('`').filter(|part| part.starts_with("kaowu ")) {
            let words: Vec<&str> = command
                .split_whitespace()
                .skip(1)
                .take_while(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !w.starts_with('-'))
                .collect();
            assert!(!words.is_empty(), "no command in {line}");
            let mut args = words.clone();
            args.push("--help");
            let out = kaowu(&args);
            assert_ok(&out);
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} commands found in the README's table");
}
