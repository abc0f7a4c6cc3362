//! Question banks in the formats exam offices already have: Excel and Word in, QTI (3.0 and
//! 2.x), Moodle XML and GIFT in and out. Pure: bytes in, values out; nothing here touches a
//! file system.
//!
//! Every import ends the same way: what a reader found is written as bank files and loaded with
//! its pictures by `question_bank::Bank::from_parts`, so an imported item has passed exactly the
//! checks a bank folder passes (≥ 4 options, a multi item's two correct options, a picture's
//! size and bytes …), and each problem is reported at its place in the source — sheet and row,
//! paragraph, line or XML element — in Chinese. What Kaowu cannot hold (formulas, GIF or EMF
//! pictures, a picture the file points at but does not hold, other kinds of question) is named
//! item by item, never dropped in silence.
//!
//! Pictures come in from Word (a drawing in a question's paragraphs), QTI (`<img>` and image
//! `<object>`s of the item body, resolved inside the package), Moodle XML (`@@PLUGINFILE@@`
//! with its base64 `<file>`) and Excel (a picture anchored on a question's row, or one WPS
//! Office put inside a cell as `=DISPIMG("ID_…",1)`), and go out in QTI, Moodle XML and Excel
//! the same way; GIFT cannot carry them, so a bank with pictures is not exported as GIFT
//! ([`ExportError::PicturesNotCarried`]).
//!
//! An item's status (启用 / 草稿 / 停用) goes out in every format and comes back: Excel's 状态
//! column, QTI's `KAOWU_STATUS`, Moodle's `<hidden>` flag with a `状态:…` tag, GIFT's
//! `[tag:状态:…]` comment.
//!
//! # Layout
//! - [`report`]: [`Import`], [`ImportProblem`], [`Place`] — the report.
//! - `text`: reading typed values (answer letters, kinds, modules, rubric lines) for every format.
//! - `draft`: a question as read, and the common end of every import (ids, duplicates, the loader).
//! - `bank_files`: items as `bank.toml` + `items/*.toml` ([`to_bank_files`]) and their
//!   pictures as `images/*` ([`to_bank_images`]).
//! - `picture`: pictures as the formats carry them (names, paths, base64, what a GIF is).
//! - `xlsx`, `docx`, `gift`, `moodle`, `qti`: one module per format; `xml` and `html` hold the
//!   small XML tree and the HTML-to-text the XML formats share.
#![forbid(unsafe_code)]

mod bank_files;
mod docx;
mod draft;
mod gift;
mod html;
mod moodle;
mod picture;
mod qti;
pub mod report;
mod text;
mod xlsx;
mod xml;

use std::io::Cursor;

pub use bank_files::{to_bank_files, to_bank_images};
use question_bank::{Bank, Module};
pub use report::{Import, ImportProblem, Place};

/// The formats a bank can come in (and, all but Word, go out) in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Excel workbook (.xlsx), one question per row.
    Xlsx,
    /// Word document (.docx), numbered questions with 【答案】 marker lines. Import only.
    Docx,
    /// IMS/1EdTech QTI: a 3.0 content package (ZIP with imsmanifest.xml), or a single item
    /// file (3.0, 2.1 or 2.2).
    Qti,
    /// Moodle XML (`<quiz>`).
    Moodle,
    /// Moodle's GIFT text format.
    Gift,
}

impl Format {
    pub const ALL: [Format; 5] = [Format::Xlsx, Format::Docx, Format::Qti, Format::Moodle, Format::Gift];

    /// `xlsx`, `docx`, `qti`, `moodle`, `gift` (as a command line names them).
    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.code() == name.trim().to_lowercase())
    }

    pub fn code(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Docx => "docx",
            Format::Qti => "qti",
            Format::Moodle => "moodle",
            Format::Gift => "gift",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Format::Xlsx => "Excel 工作簿（.xlsx）",
            Format::Docx => "Word 文档（.docx）",
            Format::Qti => "QTI 题目包",
            Format::Moodle => "Moodle XML",
            Format::Gift => "GIFT 文本",
        }
    }

    /// The file name extension an export in this format takes.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Docx => "docx",
            Format::Qti => "zip",
            Format::Moodle => "xml",
            Format::Gift => "gift",
        }
    }

    /// Which format a file is in, by its content first and its name second: a ZIP holding
    /// `imsmanifest.xml` is QTI, `word/document.xml` Word, `xl/workbook.xml` Excel; XML with
    /// `<quiz` is Moodle, with an assessment item QTI; text with `::title::`, `$CATEGORY:` or an
    /// answer block `{=… ~…}` is GIFT.
    pub fn detect(file_name: &str, bytes: &[u8]) -> Option<Format> {
        let ext = file_name
            .rsplit_once('.')
            .map(|(_, e)| e.to_lowercase())
            .unwrap_or_default();
        if bytes.starts_with(b"PK\x03\x04") {
            let zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
            let names = zip_names(&zip);
            let has = |name: &str| names.iter().any(|n| n == name);
            return if names
                .iter()
                .any(|n| n == "imsmanifest.xml" || n.ends_with("/imsmanifest.xml"))
            {
                Some(Format::Qti)
            } else if has("word/document.xml") {
                Some(Format::Docx)
            } else if has("xl/workbook.xml") {
                Some(Format::Xlsx)
            } else {
                match ext.as_str() {
                    "xlsx" => Some(Format::Xlsx),
                    "docx" => Some(Format::Docx),
                    _ => None,
                }
            };
        }
        let (text, _) = decode_text(bytes);
        let head: String = text.chars().take(4096).collect();
        let trimmed = head.trim_start();
        if trimmed.starts_with('<') {
            if head.contains("<quiz") {
                return Some(Format::Moodle);
            }
            if head.contains("assessmentItem") || head.contains("qti-assessment-item") {
                return Some(Format::Qti);
            }
            return None;
        }
        let gift_like = text.contains("$CATEGORY:")
            || text.contains("::")
            || text.split('{').skip(1).any(|b| {
                b.split('}')
                    .next()
                    .is_some_and(|a| a.contains('=') || a.contains('~') || a.trim().is_empty())
            });
        if gift_like || ext == "gift" {
            return Some(Format::Gift);
        }
        None
    }
}

/// The bank's items by module, then id: the order the category-grouped exports write them in;
/// the first item of each module comes with its module, for the category written before it.
fn in_module_order(bank: &Bank) -> Vec<(Option<Module>, &question_bank::Item)> {
    let mut items: Vec<_> = bank.items.iter().collect();
    items.sort_by(|a, b| a.module.cmp(&b.module).then(a.id.cmp(&b.id)));
    let mut previous = None;
    items
        .into_iter()
        .map(|item| {
            let first = previous != Some(item.module);
            previous = Some(item.module);
            (first.then_some(item.module), item)
        })
        .collect()
}

/// Choices the caller makes for an import.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// The module for questions whose source names none (GIFT without categories, QTI without
    /// Kaowu metadata …). Without it such questions are refused with “缺少模块”.
    pub default_module: Option<Module>,
}

/// Reads one file. Never fails: a file that cannot be read is a problem in the report.
pub fn import(file_name: &str, bytes: &[u8], format: Format) -> Import {
    import_with(file_name, bytes, format, ImportOptions::default())
}

/// [`import`] with options.
pub fn import_with(file_name: &str, bytes: &[u8], format: Format, options: ImportOptions) -> Import {
    let mut reading = match format {
        Format::Xlsx => xlsx::read(file_name, bytes),
        Format::Docx => docx::read(file_name, bytes),
        Format::Qti => qti::read(file_name, bytes),
        Format::Moodle | Format::Gift => {
            let (text, note) = decode_text(bytes);
            let mut r = if format == Format::Moodle {
                moodle::read(file_name, &text)
            } else {
                gift::read(file_name, &text)
            };
            if let Some(message) = note {
                r.file_warnings.push(ImportProblem {
                    file: file_name.to_string(),
                    place: Place::File,
                    item: None,
                    field: None,
                    message,
                });
            }
            r
        }
    };
    if let Some(m) = options.default_module {
        for d in &mut reading.drafts {
            if d.module.is_none() && !d.problems.iter().any(|(f, _)| *f == "module") {
                d.module = Some(m);
            }
        }
    }
    draft::finish(file_name, reading)
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("不支持导出为{}", .0.name_zh())]
    Unsupported(Format),
    #[error("生成 Excel 文件失败：{0}")]
    Xlsx(String),
    #[error("生成 ZIP 文件失败：{0}")]
    Zip(String),
    /// The format cannot carry pictures (GIFT) and these items (ids) have some: exporting them
    /// without their pictures would lose them in silence.
    #[error(
        "{}不能携带图片，题库中 {} 道题目有图片（{}）：请改用 Moodle XML、QTI 或 Excel 导出",
        .format.name_zh(),
        .items.len(),
        list_ids(.items)
    )]
    PicturesNotCarried { format: Format, items: Vec<String> },
}

/// Ids for a sentence: the first ten, then how many more.
fn list_ids(ids: &[String]) -> String {
    let mut s = ids.iter().take(10).cloned().collect::<Vec<_>>().join("、");
    if ids.len() > 10 {
        s.push_str(&format!(" 等 {} 题", ids.len()));
    }
    s
}

/// The bank in one of the formats that can be read back: importing the export gives the same
/// items (ids, stems, options, keys, modules, rubrics, explanations, statuses, pictures …).
/// GIFT holds no pictures: a bank whose items show some is refused
/// ([`ExportError::PicturesNotCarried`]).
pub fn export(bank: &Bank, format: Format) -> Result<Vec<u8>, ExportError> {
    if format == Format::Gift {
        let items: Vec<String> = bank
            .items
            .iter()
            .filter(|i| !i.images.is_empty())
            .map(|i| i.id.to_string())
            .collect();
        if !items.is_empty() {
            return Err(ExportError::PicturesNotCarried { format, items });
        }
    }
    match format {
        Format::Xlsx => xlsx::export(bank).map_err(|e| ExportError::Xlsx(e.to_string())),
        Format::Qti => qti::export(bank).map_err(|e| ExportError::Zip(e.to_string())),
        Format::Moodle => Ok(moodle::export(bank).into_bytes()),
        Format::Gift => Ok(gift::export(bank).into_bytes()),
        Format::Docx => Err(ExportError::Unsupported(Format::Docx)),
    }
}

/// 题库模板.xlsx: the Excel layout with a filled example row per kind and a sheet (“填写说明”)
/// explaining each column.
pub fn xlsx_template() -> Vec<u8> {
    xlsx::template().expect("the template is built from constants")
}

/// Text files as Windows leaves them: UTF-8 (with or without a BOM), UTF-16 with a BOM, or
/// GBK/GB18030 (Notepad's “ANSI” on a Chinese machine). The note says when it was not UTF-8.
fn decode_text(bytes: &[u8]) -> (String, Option<String>) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return (String::from_utf8_lossy(rest).into_owned(), None);
    }
    for (bom, encoding) in [
        (&b"\xFF\xFE"[..], encoding_rs::UTF_16LE),
        (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE),
    ] {
        if bytes.starts_with(bom) {
            return (encoding.decode_with_bom_removal(bytes).0.into_owned(), None);
        }
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), None),
        Err(_) => {
            let (text, _, bad) = encoding_rs::GB18030.decode(bytes);
            let note = if bad {
                "文件既不是 UTF-8 也不是完整的 GBK 编码，无法识别的字符已替换为 �，请核对".to_string()
            } else {
                "文件不是 UTF-8 编码，已按 GBK（GB18030）读取".to_string()
            };
            (text.into_owned(), Some(note))
        }
    }
}

/// The entries of a ZIP archive (names that are not valid text are left out).
fn zip_names<R: std::io::Read + std::io::Seek>(zip: &zip::ZipArchive<R>) -> Vec<String> {
    zip.file_names()
        .filter_map(Result::ok)
        .map(|n| n.into_owned())
        .collect()
}
