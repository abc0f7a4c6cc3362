//! Which format a file is in, by content first and name second.

use bank_formats::Format;

use crate::common::*;

#[test]
fn formats_are_told_apart_by_content() {
    let qti_item = fixture("qti3-1edtech/items/BG008.xml");
    assert_eq!(Format::detect("whatever.bin", &qti_item), Some(Format::Qti));
    let moodle = fixture("moodle/error_invalid_grades.xml");
    assert_eq!(Format::detect("x.txt", &moodle), Some(Format::Moodle));
    // A package is QTI whatever its name; a ZIP with neither manifest nor Office parts is nothing.
    let package = zip(&[("sub/imsmanifest.xml", b"<manifest/>".to_vec())]);
    assert_eq!(Format::detect("bank.docx", &package), Some(Format::Qti));
    assert_eq!(Format::detect("a.zip", &zip(&[("a.txt", b"x".to_vec())])), None);
    assert_eq!(
        Format::detect("a.gift", "::Q1:: 题干 {=甲 ~乙}".as_bytes()),
        Some(Format::Gift)
    );
    assert_eq!(
        Format::detect("a.txt", "$CATEGORY: 模块1\n".as_bytes()),
        Some(Format::Gift)
    );
    assert_eq!(Format::detect("a.txt", "普通文字，没有题目。".as_bytes()), None);
    assert_eq!(Format::detect("a.xml", b"<html><body/></html>"), None);
    for f in Format::ALL {
        assert_eq!(Format::parse(f.code()), Some(f));
    }
    assert_eq!(Format::parse("XLSX"), Some(Format::Xlsx));
    assert_eq!(Format::parse("csv"), None);
}

#[test]
fn gbk_text_is_read_and_said_so() {
    // “::Q1::质量{=甲 ~乙 ~丙 ~丁}” saved as GBK by Notepad on a Chinese machine.
    let text = "$CATEGORY: 模块1\n\n::Q1::质量是{=甲 ~乙 ~丙 ~丁}\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    let import = bank_formats::import("q.gift", &gbk, Format::Gift);
    assert_eq!(ids(&import), ["Q1"], "{import}");
    assert_eq!(item(&import, "Q1").stem, "质量是");
    assert_eq!(
        spell(&import.warnings),
        [p("", None, None, "文件不是 UTF-8 编码，已按 GBK（GB18030）读取")]
    );
}
