//! Helpers shared by the formats' tests.
#![allow(dead_code)] // each test module uses some of them

use std::path::PathBuf;

use bank_formats::{Import, ImportProblem, Place};
use question_bank::{Bank, Item, ItemBody};

/// The demo bank's items without their pictures (text only: what every format carries, GIFT
/// included); the pictures' tests build their own bank ([`bank_with_pictures`]), and the engine's
/// CLI test round-trips the demo bank with its pictures.
pub fn demo_bank() -> Bank {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../question-bank/banks/demo");
    let mut bank = Bank::load(&dir).expect("the demo bank loads");
    for item in &mut bank.items {
        item.images.clear();
    }
    bank.images.clear();
    bank
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

/// A real PNG of `width` × `height` pixels of one colour (zlib stored, CRCs computed), small
/// enough to write anywhere and valid for any reader (rust_xlsxwriter reads its size).
pub fn png(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for &b in data {
            c ^= b as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
        }
        !c
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend(data);
        out.extend(&body);
        out.extend(crc32(&body).to_be_bytes());
    }
    // Each scan line: filter type 0 (none), then the pixels.
    let line: Vec<u8> = std::iter::once(0).chain(rgb.repeat(width as usize)).collect();
    let raw = line.repeat(height as usize);
    let len = u16::try_from(raw.len()).expect("a small picture");
    let mut z = vec![0x78, 0x01, 0x01];
    z.extend(len.to_le_bytes());
    z.extend((!len).to_le_bytes());
    z.extend(&raw);
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &raw {
        a = (a + x as u32) % 65521;
        b = (b + a) % 65521;
    }
    z.extend(((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]); // 8-bit RGB
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// The demo bank and two module-6 items with pictures: a single-choice item showing two, and an
/// open question sharing one of them.
pub fn bank_with_pictures() -> Bank {
    let demo = demo_bank();
    let mut files = bank_formats::to_bank_files(&demo.id, &demo.name, &demo.items);
    files.push((
        "items/pictures.toml".into(),
        r#"
[[item]]
id = "M6-S-901"
module = 6
kind = "single"
stem = "某车间按缺陷类型统计了不合格品数（见下图），下图是"
options = ["排列图", "因果图", "控制图", "直方图"]
key = "A"
knowledge_point = "排列图"
images = ["pareto.png", "legend-2.png"]

[[item]]
id = "M6-O-901"
module = 6
kind = "open"
stem = "根据下图分析该过程的主要问题并提出改进措施。"
images = ["legend-2.png"]
[[item.rubric]]
point = "指出主要缺陷类型"
share = 8
[[item.rubric]]
point = "提出改进措施"
share = 12
"#
        .into(),
    ));
    let images = vec![
        ("pareto.png".to_string(), png(3, 2, [200, 30, 30])),
        ("legend-2.png".to_string(), png(1, 1, [0, 90, 200])),
    ];
    Bank::from_parts(&files, images).expect("the bank with pictures loads")
}
