//! Helpers shared by the formats' tests.
#![allow(dead_code)] // each test module uses some of them

use std::path::PathBuf;

use bank_formats::{Import, ImportProblem, Place};
use question_bank::{Bank, Item, ItemBody};

pub fn demo_bank() -> Bank {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../question-bank/banks/demo");
    Bank::load(&dir).expect("the demo bank loads")
}

pub fn fixture(path: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A problem as the tests spell it: (place, item, field, message).
pub type Spelt = (String, Option<String>, Option<String>, String);

pub fn spell(list: &[ImportProblem]) -> Vec<Spelt> {
    list.iter()
        .map(|p| (p.place.to_string(), p.item.clone(), p.field.clone(), p.message.clone()))
        .collect()
}

pub fn p(place: &str, item: Option<&str>, field: Option<&str>, message: &str) -> Spelt {
    (
        place.to_string(),
        item.map(str::to_string),
        field.map(str::to_string),
        message.to_string(),
    )
}

pub fn row(sheet: &str, row: u32) -> String {
    Place::Row {
        sheet: sheet.into(),
        row,
    }
    .to_string()
}

pub fn ids(import: &Import) -> Vec<String> {
    import.items.iter().map(|i| i.id.to_string()).collect()
}

pub fn item<'a>(import: &'a Import, id: &str) -> &'a Item {
    import
        .items
        .iter()
        .find(|i| i.id.as_str() == id)
        .unwrap_or_else(|| panic!("{id} not imported; report:\n{import}"))
}

pub fn options(item: &Item) -> Vec<String> {
    match &item.body {
        ItemBody::Choice { options, .. } => options.clone(),
        ItemBody::Open { .. } => Vec::new(),
    }
}

pub fn key(item: &Item) -> String {
    match &item.body {
        ItemBody::Choice { key, .. } => key.iter().map(|l| l.as_char()).collect(),
        ItemBody::Open { .. } => String::new(),
    }
}

/// Every message of a report is Chinese: at least one CJK character in each.
pub fn assert_chinese(import: &Import) {
    for p in import
        .problems
        .iter()
        .chain(&import.warnings)
        .chain(&import.not_represented)
    {
        assert!(
            p.message.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "not Chinese: {p}"
        );
    }
}

/// A ZIP made of (name, bytes) entries, for .docx files and QTI packages written by the tests.
pub fn zip(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    use std::io::Write as _;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("zip entry");
        w.write_all(bytes).expect("zip write");
    }
    w.finish().expect("zip finish").into_inner()
}
