//! Every export format read back gives the demo bank's items unchanged: ids, stems, options,
//! keys, modules, rubrics, explanations, knowledge points, difficulty, tags.

use bank_formats::{Format, export, import, to_bank_files};
use question_bank::Bank;

use crate::common::*;

fn round_trip(format: Format) {
    let bank = demo_bank();
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
