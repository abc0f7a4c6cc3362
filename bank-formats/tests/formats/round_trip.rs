//! Every export format read back gives the demo bank's items unchanged: ids, stems, options,
//! keys, modules, rubrics, explanations, knowledge points, difficulty, tags, and status (a draft
//! and a retired item among them, so that no format can bring them back active).

use bank_formats::{Format, export, import, to_bank_files};
use question_bank::{Bank, ItemKind, Status};

use crate::common::*;

/// The demo bank with a choice item as a draft (草稿) and an open question retired (停用).
fn bank_with_statuses() -> Bank {
    let mut bank = demo_bank();
    let choice = bank
        .items
        .iter()
        .position(|i| i.kind() != ItemKind::Open)
        .expect("a choice item");
    let open = bank
        .items
        .iter()
        .position(|i| i.kind() == ItemKind::Open)
        .expect("an open question");
    bank.items[choice].status = Status::Draft;
    bank.items[open].status = Status::Retired;
    bank
}

fn round_trip(format: Format) {
    let bank = bank_with_statuses();
    let bytes = export(&bank, format).expect("export");
    let name = format!("demo.{}", format.extension());
    assert_eq!(Format::detect(&name, &bytes), Some(format), "{name} is recognised");
    let import = import(&name, &bytes, format);
    assert!(
        import.problems.is_empty() && import.warnings.is_empty() && import.not_represented.is_empty(),
        "{}",
        import
    );
    assert_eq!(import.read, bank.items.len());
    let mut items = import.items.clone();
    items.sort_by(|a, b| a.id.cmp(&b.id));
    for (back, original) in items.iter().zip(&bank.items) {
        assert_eq!(back, original);
    }
    assert_eq!(items.len(), bank.items.len());
    let statuses = |items: &[question_bank::Item]| -> Vec<(String, Status)> {
        items
            .iter()
            .filter(|i| i.status != Status::Active)
            .map(|i| (i.id.to_string(), i.status))
            .collect()
    };
    assert_eq!(statuses(&items), statuses(&bank.items), "{format:?}");
    assert_eq!(statuses(&items).len(), 2);
    // And the items make the same bank again.
    let again = Bank::from_files(&to_bank_files(&bank.id, &bank.name, &items)).expect("a bank");
    assert_eq!(again.content_hash(), bank.content_hash());
}

#[test]
fn xlsx_round_trip() {
    round_trip(Format::Xlsx);
}

#[test]
fn gift_round_trip() {
    round_trip(Format::Gift);
}

#[test]
fn docx_is_not_exported() {
    let err = export(&demo_bank(), Format::Docx).unwrap_err();
    assert_eq!(err.to_string(), "不支持导出为Word 文档（.docx）");
}

#[test]
fn moodle_round_trip() {
    round_trip(Format::Moodle);
}

#[test]
fn qti_round_trip() {
    round_trip(Format::Qti);
}
