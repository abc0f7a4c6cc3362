//! The import report: what was read, what was refused and why, and what could not be carried
//! over, each named by file and place (sheet and row, paragraph, line or XML element) in the
//! exam office's words.

use std::collections::BTreeMap;
use std::fmt;

use question_bank::Item;

/// Where in a source file something stands, as the person who wrote the file would look for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// The file as a whole (it cannot be read, or holds no question).
    File,
    /// A worksheet row, numbered as Excel shows it (row 1 is the sheet's first row).
    Row { sheet: String, row: u32 },
    /// A paragraph of a Word document, counted from 1 over the whole body (第 N 段).
    Paragraph(u32),
    /// A line of a text file (GIFT), counted from 1.
    Line(u32),
    /// An XML element, as a path from the root, e.g.
    /// `qti-assessment-item[identifier=x]/qti-item-body/qti-choice-interaction`.
    Element(String),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::File => Ok(()),
            Place::Row { sheet, row } => write!(f, "工作表“{sheet}”第 {row} 行"),
            Place::Paragraph(n) => write!(f, "第 {n} 段"),
            Place::Line(n) => write!(f, "第 {n} 行"),
            Place::Element(path) => write!(f, "元素 {path}"),
        }
    }
}

/// One thing to tell the office about an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProblem {
    /// The file as the office named it; inside a package, `package.zip/items/x.xml`.
    pub file: String,
    pub place: Place,
    /// The item's id, when one is known (given in the source or generated).
    pub item: Option<String>,
    /// The field as the source names it (an Excel column's header, 【答案】, …).
    pub field: Option<String>,
    /// What is wrong, in Simplified Chinese.
    pub message: String,
}

impl ImportProblem {
    /// A problem of the file as a whole (it cannot be read, or holds no question).
    pub fn of_file(file: &str, message: impl Into<String>) -> ImportProblem {
        ImportProblem {
            file: file.to_string(),
            place: Place::File,
            item: None,
            field: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.place != Place::File {
            write!(f, " {}", self.place)?;
        }
        write!(f, "：")?;
        if let Some(item) = &self.item {
            write!(f, "题目 {item}，")?;
        }
        if let Some(field) = &self.field {
            write!(f, "“{field}”：")?;
        }
        write!(f, "{}", self.message)
    }
}

/// What an import found. Nothing is written anywhere: the caller shows this report and writes
/// the items (with [`crate::to_bank_files`] and [`crate::to_bank_images`]) only when the office
/// accepts it.
#[derive(Debug, Clone, Default)]
pub struct Import {
    /// The items that passed every check of the bank loader, in source order.
    pub items: Vec<Item>,
    /// How many questions the source holds (imported, refused, or of a kind Kaowu has not).
    pub read: usize,
    /// Why items were refused (or the file could not be read); a refused item is not in `items`.
    pub problems: Vec<ImportProblem>,
    /// Things to look at in items that were imported (a stem that appears twice, …).
    pub warnings: Vec<ImportProblem>,
    /// What Kaowu cannot hold and so did not keep, item by item: images, formulas, media,
    /// questions of other kinds (matching, ordering, hotspot, true/false …), fixed scores.
    pub not_represented: Vec<ImportProblem>,
    /// The pictures the imported items show, by the file name their `images` give (written as
    /// the bank folder's `images/` with [`crate::to_bank_images`]). PNG or JPEG, each checked by
    /// the bank loader.
    pub images: BTreeMap<String, Vec<u8>>,
}

impl Import {
    /// Questions read but not imported (refused, or of a kind Kaowu cannot represent).
    pub fn not_imported(&self) -> usize {
        self.read.saturating_sub(self.items.len())
    }

    /// One line for the top of the report.
    pub fn summary(&self) -> String {
        format!(
            "读到 {} 题，导入 {} 题，未导入 {} 题；问题 {} 处，提醒 {} 处，未能保留的内容 {} 处",
            self.read,
            self.items.len(),
            self.not_imported(),
            self.problems.len(),
            self.warnings.len(),
            self.not_represented.len()
        )
    }
}

impl fmt::Display for Import {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.summary())?;
        for (title, list) in [
            ("问题（题目未导入）", &self.problems),
            ("提醒", &self.warnings),
            ("未能保留的内容", &self.not_represented),
        ] {
            if !list.is_empty() {
                writeln!(f, "{title}：")?;
                for p in list {
                    writeln!(f, "  {p}")?;
                }
            }
        }
        Ok(())
    }
}
