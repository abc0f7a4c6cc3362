//! The work report's length (《工作业绩报告》, §四 2.1 (5): “3000～5000 字”).
//!
//! What counts: every character except whitespace (spaces, full-width spaces, line breaks, tabs),
//! control characters and invisible format characters (zero-width spaces and joiners,
//! direction marks, the byte-order mark, the soft hyphen). A Chinese character, a Latin letter, a
//! digit and a punctuation mark each count 1. This is what Word's 字数统计 shows as
//! “字符数(不计空格)”, so an applicant can check the figure in the document they send (the guide
//! asks for a Word document); Word's own “字数” line counts an English word as one and would differ
//! for a report with English in it.

/// The fewest characters (§四 2.1 (5)).
pub const MIN_CHARACTERS: usize = 3000;
/// The most characters (§四 2.1 (5)).
pub const MAX_CHARACTERS: usize = 5000;

/// The characters of `text` that count (see the module's doc).
pub fn count_characters(text: &str) -> usize {
    text.chars().filter(|&c| counts(c)).count()
}

fn counts(c: char) -> bool {
    !(c.is_whitespace()
        || c.is_control()
        || matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'))
}

/// A work report outside 3,000–5,000 characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportLength {
    TooShort { count: usize },
    TooLong { count: usize },
}

impl ReportLength {
    pub fn message_zh(&self) -> String {
        let (count, advice) = match *self {
            ReportLength::TooShort { count } => (count, format!("还差 {} 字", MIN_CHARACTERS - count)),
            ReportLength::TooLong { count } => (count, format!("多出 {} 字", count - MAX_CHARACTERS)),
        };
        format!(
            "《工作业绩报告》为 {count} 字，应为 {MIN_CHARACTERS}～{MAX_CHARACTERS} 字，{advice}（按 Word“字数统计”中的“字符数(不计空格)”计：汉字、字母、数字、标点各计 1 字）"
        )
    }
}

/// The report's count if it is within 3,000–5,000 characters (both included).
pub fn check_work_report(text: &str) -> Result<usize, ReportLength> {
    match count_characters(text) {
        count if count < MIN_CHARACTERS => Err(ReportLength::TooShort { count }),
        count if count > MAX_CHARACTERS => Err(ReportLength::TooLong { count }),
        count => Ok(count),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_visible_character_counts_one_and_whitespace_none() {
        assert_eq!(count_characters("质量经理"), 4);
        assert_eq!(count_characters("QC 小组，PDCA 循环 3 轮。"), 14);
        assert_eq!(
            count_characters("  \t\n\r\n　　"),
            0,
            "spaces, tabs, line breaks, full-width spaces"
        );
        assert_eq!(
            count_characters("\u{feff}质\u{200b}量\u{00ad}"),
            2,
            "byte-order mark, zero-width space, soft hyphen"
        );
        assert_eq!(
            count_characters("“六西格玛”——DMAIC！"),
            14,
            "full-width punctuation counts"
        );
        assert_eq!(count_characters("𠀀"), 1, "a character outside the basic plane is one");
    }

    #[test]
    fn three_thousand_and_five_thousand_are_both_in() {
        assert_eq!(check_work_report(&"质".repeat(3000)), Ok(3000));
        assert_eq!(check_work_report(&"质".repeat(5000)), Ok(5000));
        assert_eq!(
            check_work_report(&"质".repeat(2999)),
            Err(ReportLength::TooShort { count: 2999 })
        );
        assert_eq!(
            check_work_report(&"质".repeat(5001)),
            Err(ReportLength::TooLong { count: 5001 })
        );
        // Paragraph breaks and indentation do not help.
        let padded = "　　质量\n\n".repeat(1500);
        assert_eq!(check_work_report(&padded), Ok(3000), "only the 3,000 characters count");
        let padded = "　　质量\n\n".repeat(1499);
        assert_eq!(check_work_report(&padded), Err(ReportLength::TooShort { count: 2998 }));
    }

    #[test]
    fn the_message_gives_the_count_and_what_is_missing() {
        assert_eq!(
            ReportLength::TooShort { count: 2856 }.message_zh(),
            "《工作业绩报告》为 2856 字，应为 3000～5000 字，还差 144 字（按 Word“字数统计”中的“字符数(不计空格)”计：汉字、字母、数字、标点各计 1 字）"
        );
        assert!(
            ReportLength::TooLong { count: 5200 }
                .message_zh()
                .contains("为 5200 字，应为 3000～5000 字，多出 200 字")
        );
    }
}
