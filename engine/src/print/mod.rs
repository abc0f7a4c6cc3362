//! Printed papers: the 试卷 booklet, the 答题卡 answer sheet and the 标准答案及评分要点 key, as
//! A4 PDFs in Simplified Chinese with the font embedded (subset), so they print the same on
//! any machine.
//!
//! Pages are set by hand with printpdf's low-level ops rather than its HTML mode, because the
//! HTML mode applies no Chinese line-breaking rules and an exam paper must not start a line
//! with a comma. Building a PDF is CPU work (tens of milliseconds to a few hundred): the
//! functions here are plain and synchronous; a server calls them from `spawn_blocking`.
//!
//! # Layout
//! - [`layout`]: line breaking by measured widths with the Chinese rules (pure, unit-tested).
//! - [`font`]: the shipped Noto Serif SC subset, system fallbacks, glyph metrics.
//! - [`document`]: pages of marks, page breaks, keep-together blocks, headers and footers.
//! - [`booklet`], [`answer_sheet`], [`key`]: the three printed documents.
//! - [`score_report`] (成绩单) and [`analysis_report`] (题目分析报告), with ruled [`table`]s.
//! - [`batch`]: many documents on a few worker threads (`kaowu print event`).

pub mod analysis_report;
pub mod answer_sheet;
pub mod batch;
pub mod booklet;
pub mod certificate;
pub mod document;
pub mod font;
pub mod key;
pub mod layout;
pub mod score_report;
pub mod slips;
pub mod table;
pub mod ticket;

use std::collections::BTreeSet;

pub use analysis_report::{AnalysisReportInfo, analysis_report};
pub use answer_sheet::answer_sheet;
pub use booklet::{BookletOptions, booklet};
pub use key::key;
pub use score_report::{ScoreReportInfo, score_report};

use document::Finished;
use font::PrintFont;

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("{0}")]
    Font(String),
    #[error(
        "以下字符不在内置字体中，也没有找到包含它们的系统字体：{chars}\n\
         请安装含这些字的中文字体（如 Debian 的 fonts-noto-cjk），或设置环境变量 {env}=字体文件路径，\
         或用 assets/fonts/make-subset.py 重新生成内置字体子集。"
    )]
    MissingGlyphs { chars: String, env: &'static str },
}

/// A finished PDF.
#[derive(Debug)]
pub struct Printed {
    pub pdf: Vec<u8>,
    pub pages: usize,
    /// Set when the shipped font lacked characters and a system font was used instead.
    pub notice: Option<String>,
}

/// Sets a document with the shipped font; if that lacks characters of the text, sets it again
/// with the first full font on this machine that has them all.
fn with_font(build: impl Fn(&PrintFont) -> Finished) -> Result<Printed, PrintError> {
    let embedded = PrintFont::embedded()?;
    let first = build(&embedded);
    if first.missing.is_empty() {
        return Ok(Printed {
            pdf: first.pdf,
            pages: first.pages,
            notice: None,
        });
    }
    let missing = first.missing;
    for (path, face) in PrintFont::fallbacks() {
        let Ok(font) = PrintFont::from_file(&path, face) else {
            continue;
        };
        if !font.missing(&missing).is_empty() {
            continue;
        }
        let done = build(&font);
        if done.missing.is_empty() {
            return Ok(Printed {
                pdf: done.pdf,
                pages: done.pages,
                notice: Some(format!(
                    "内置字体中没有这些字符：{}；本文件改用 {} 排版。",
                    listing(&missing),
                    font.source
                )),
            });
        }
    }
    Err(PrintError::MissingGlyphs {
        chars: listing(&missing),
        env: font::FONT_ENV,
    })
}

/// Today in China (UTC+8) as printed on reports: "2026 年 6 月 13 日".
pub fn today_zh() -> String {
    let offset = time::UtcOffset::from_hms(8, 0, 0).expect("UTC+8 is a valid offset");
    let d = time::OffsetDateTime::now_utc().to_offset(offset).date();
    format!("{} 年 {} 月 {} 日", d.year(), u8::from(d.month()), d.day())
}

/// "𠀀（U+20000）、…" so a reader can find an invisible or unfamiliar character.
fn listing(chars: &BTreeSet<char>) -> String {
    chars
        .iter()
        .map(|c| format!("{c}（U+{:04X}）", *c as u32))
        .collect::<Vec<_>>()
        .join("、")
}

/// 1 → 一, 12 → 十二, 20 → 二十 (for 1–99: sections, modules).
pub fn zh_number(n: u32) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n as usize].to_string(),
        10..=19 => format!("十{}", if n == 10 { "" } else { DIGITS[(n % 10) as usize] }),
        20..=99 => format!(
            "{}十{}",
            DIGITS[(n / 10) as usize],
            if n.is_multiple_of(10) {
                ""
            } else {
                DIGITS[(n % 10) as usize]
            }
        ),
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use question_bank::{Bank, Blueprint, Paper, assemble};

    use super::*;

    fn demo_paper() -> (Paper, Blueprint) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../question-bank/banks/demo");
        let bank = Bank::load(&dir).unwrap();
        let blueprint = Blueprint::cmq_2010();
        let paper = assemble(&bank, &blueprint, 1, 1).unwrap().papers.remove(0);
        (paper, blueprint)
    }

    #[test]
    fn the_demo_paper_prints_with_the_shipped_font_alone() {
        let (paper, blueprint) = demo_paper();
        let printed = booklet(&paper, &blueprint, &BookletOptions::default()).unwrap();
        assert!(printed.notice.is_none(), "{:?}", printed.notice);
        assert!(printed.pdf.starts_with(b"%PDF-") && printed.pages > 5);
    }

    #[test]
    fn a_character_missing_from_the_font_is_named_never_printed_as_a_blank_box() {
        let (mut paper, blueprint) = demo_paper();
        // U+E000 is in the Private Use Area: no CJK font maps it.
        paper.objective[0].stem.push('\u{E000}');
        match answer_sheet(&paper, &blueprint).and_then(|_| booklet(&paper, &blueprint, &BookletOptions::default())) {
            Err(e @ PrintError::MissingGlyphs { .. }) => {
                let msg = e.to_string();
                assert!(msg.contains("U+E000") && msg.contains("fonts-noto-cjk"), "{msg}");
            }
            Ok(printed) => assert!(printed.notice.is_some_and(|n| n.contains("U+E000"))),
            Err(e) => panic!("unexpected error {e}"),
        }
    }

    #[test]
    fn chinese_numerals() {
        let got: Vec<String> = [1, 3, 10, 11, 20, 26].into_iter().map(zh_number).collect();
        assert_eq!(got, ["一", "三", "十", "十一", "二十", "二十六"]);
    }
}
