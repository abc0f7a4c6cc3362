//! Line breaking for Chinese text mixed with Latin words and numbers, by measured widths.
//!
//! A pure function of the text, the widths available and a measuring function, so it is tested
//! without a font. The rules are the usual ones for Simplified Chinese (W3C clreq, GB/T 15834):
//! - a line may break between any two Chinese characters, and at spaces; a run of Latin letters,
//!   digits and ASCII punctuation (`ISO 9001:2015`'s `9001:2015`, `4+6+2=12`) is not split;
//! - closing punctuation (，。、；：？！）」』”’》 …) never starts a line, and opening punctuation
//!   (（「『“‘《 …) never ends one: such a character travels with its neighbour, so the
//!   neighbour is pushed to the next line with it (推出, push-out) instead of hanging into the
//!   margin;
//! - a doubled dash (——) or ellipsis (……) is never split;
//! - only a single unit wider than the whole line (a long formula or URL) is cut by character,
//!   and even then not before a closing mark where that can be avoided.
//!
//! Lines other than a paragraph's last are flagged for justification: the caller spreads the
//! few points left over across the characters, so both edges of a block of text stay straight.

/// Characters that must not start a line (行首禁则).
pub const NO_LINE_START: &str = "，。、；：？！）」』”’》〉】〕〗〙〛］｝．・…‥～％‰℃°′″々〃,.:;?!)]}%";

/// Characters that must not end a line (行尾禁则): opening marks, currency signs, and the
/// circled numbers that open an enumerated point ("；③各部门…").
pub const NO_LINE_END: &str = "（「『“‘《〈【〔〖〘〚［｛([{￥＄$£¥①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳";

/// Characters that come in unsplittable pairs (——, ……).
const PAIRED: &str = "—…⋯";

pub fn can_start_line(c: char) -> bool {
    !NO_LINE_START.contains(c)
}

pub fn can_end_line(c: char) -> bool {
    !NO_LINE_END.contains(c)
}

/// One laid-out line.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub text: String,
    /// Natural width in the measuring function's unit (points).
    pub width: f32,
    /// Whether to stretch it to the full width (every line of a paragraph but the last).
    pub justify: bool,
}

/// Breaks `text` into lines at most `first` wide (the first line) and `rest` wide (the others).
/// A `\n` in the text ends a paragraph.
pub fn break_lines(text: &str, first: f32, rest: f32, measure: &dyn Fn(char) -> f32) -> Vec<Line> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let width = |n: usize| if n == 0 { first } else { rest };
        break_paragraph(paragraph, &mut lines, &width, measure);
    }
    lines
}

/// A unit that is never split in normal breaking, with whether a line may break before it.
#[derive(Debug)]
struct Unit {
    text: String,
    width: f32,
    /// A space: a break opportunity that disappears at the end or start of a line.
    space: bool,
}

fn is_wordish(c: char) -> bool {
    // Latin letters, digits and ASCII/Latin punctuation form words; Chinese characters and
    // full-width punctuation stand alone.
    !c.is_whitespace()
        && (c.is_ascii() || ('\u{00A0}'..='\u{024F}').contains(&c) || ('\u{0370}'..='\u{03FF}').contains(&c))
}

/// Splits a paragraph into atoms (a word, one Chinese character, or a run of spaces).
fn atoms(paragraph: &str) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    let mut chars = paragraph.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ' ' || c == '\t' {
            while chars.next_if(|&n| n == ' ' || n == '\t').is_some() {}
            out.push((" ".to_string(), true));
        } else if is_wordish(c) {
            let mut s = String::from(c);
            while let Some(n) = chars.next_if(|&n| is_wordish(n)) {
                s.push(n);
            }
            out.push((s, false));
        } else {
            out.push((c.to_string(), false));
        }
    }
    out
}

/// Glues atoms that must stay on one line into units.
fn units(paragraph: &str, measure: &dyn Fn(char) -> f32) -> Vec<Unit> {
    let mut units: Vec<Unit> = Vec::new();
    let mut glue_next = false;
    for (text, space) in atoms(paragraph) {
        let width = text.chars().map(measure).sum();
        let first = text.chars().next().expect("atoms are not empty");
        let glue = !space
            && !glue_back_blocked(&units)
            && (glue_next
                || !can_start_line(first)
                || units.last().is_some_and(|u| {
                    let prev = u.text.chars().last().expect("units are not empty");
                    PAIRED.contains(first) && prev == first
                }));
        let ends_open = !can_end_line(text.chars().last().expect("atoms are not empty"));
        match units.last_mut() {
            Some(prev) if glue => {
                prev.text.push_str(&text);
                prev.width += width;
            }
            _ => units.push(Unit { text, width, space }),
        }
        // An opening mark glues to whatever follows it (a space after it is unusual; keep
        // the rule simple and let the space break).
        glue_next = ends_open && !space;
    }
    units
}

/// A closing mark right after a space (" ）") has nothing to glue to on this line.
fn glue_back_blocked(units: &[Unit]) -> bool {
    units.last().is_none_or(|u| u.space)
}

fn break_paragraph(
    paragraph: &str,
    lines: &mut Vec<Line>,
    width_for: &dyn Fn(usize) -> f32,
    measure: &dyn Fn(char) -> f32,
) {
    let start = lines.len();
    let mut text = String::new();
    let mut width = 0.0f32;
    let mut pending_space: Option<f32> = None;
    let avail = |lines: &Vec<Line>| width_for(lines.len());
    let flush = |lines: &mut Vec<Line>, text: &mut String, width: &mut f32| {
        lines.push(Line {
            text: std::mem::take(text),
            width: *width,
            justify: true,
        });
        *width = 0.0;
    };
    for unit in units(paragraph, measure) {
        if unit.space {
            if !text.is_empty() {
                pending_space = Some(unit.width);
            }
            continue;
        }
        let space = pending_space.take().unwrap_or(0.0);
        if !text.is_empty() && width + space + unit.width <= avail(lines) + EPSILON {
            if space > 0.0 {
                text.push(' ');
            }
            text.push_str(&unit.text);
            width += space + unit.width;
            continue;
        }
        if !text.is_empty() {
            flush(lines, &mut text, &mut width);
        }
        if unit.width <= avail(lines) + EPSILON {
            text = unit.text;
            width = unit.width;
        } else {
            // Wider than a whole line: cut it by character.
            let mut rest: Vec<char> = unit.text.chars().collect();
            loop {
                let cut = cut_point(&rest, avail(lines), measure);
                if cut == rest.len() {
                    text = rest.iter().collect();
                    width = rest.iter().copied().map(measure).sum();
                    break;
                }
                text = rest[..cut].iter().collect();
                width = rest[..cut].iter().copied().map(measure).sum();
                flush(lines, &mut text, &mut width);
                rest.drain(..cut);
            }
        }
    }
    if !text.is_empty() || lines.len() == start {
        flush(lines, &mut text, &mut width);
    }
    if let Some(last) = lines.last_mut() {
        last.justify = false;
    }
}

/// Tolerance for floating-point sums of glyph widths.
const EPSILON: f32 = 0.01;

/// How many of `chars` fit in `avail`, moved earlier so the next line does not start with a
/// closing mark and this one does not end with an opening mark (as long as one char remains).
fn cut_point(chars: &[char], avail: f32, measure: &dyn Fn(char) -> f32) -> usize {
    let mut used = 0.0;
    let mut n = 0;
    while n < chars.len() && used + measure(chars[n]) <= avail + EPSILON {
        used += measure(chars[n]);
        n += 1;
    }
    if n == chars.len() {
        return n;
    }
    let fits = n.max(1);
    let mut cut = fits;
    while cut > 1 && (!can_start_line(chars[cut]) || !can_end_line(chars[cut - 1])) {
        cut -= 1;
    }
    if !can_start_line(chars[cut]) || !can_end_line(chars[cut - 1]) {
        fits
    } else {
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chinese characters and full-width marks are 1 em, everything else half.
    fn em(c: char) -> f32 {
        if c.is_ascii() { 0.5 } else { 1.0 }
    }

    fn texts(lines: &[Line]) -> Vec<&str> {
        lines.iter().map(|l| l.text.as_str()).collect()
    }

    fn check_rules(lines: &[Line], limit: f32) {
        for (i, line) in lines.iter().enumerate() {
            assert!(line.width <= limit + EPSILON, "line {i} too wide: {line:?}");
            let first = line.text.chars().next().unwrap();
            let last = line.text.chars().last().unwrap();
            if i > 0 {
                assert!(can_start_line(first), "line {i} starts with {first}: {lines:?}");
            }
            if i + 1 < lines.len() {
                assert!(can_end_line(last), "line {i} ends with {last}: {lines:?}");
            }
        }
    }

    #[test]
    fn chinese_breaks_between_any_two_characters() {
        let lines = break_lines("质量管理体系的基本要求", 4.0, 4.0, &em);
        assert_eq!(texts(&lines), ["质量管理", "体系的基", "本要求"]);
        assert!(lines[0].justify && lines[1].justify && !lines[2].justify);
    }

    #[test]
    fn a_comma_never_starts_a_line_it_takes_the_previous_character_along() {
        // "质量管理，" would need 5 em on a 4 em line: 理 goes down with the comma.
        let lines = break_lines("质量管理，体系", 4.0, 4.0, &em);
        assert_eq!(texts(&lines), ["质量管", "理，体系"]);
        for text in [
            "甲乙丙。丁",
            "甲乙丙、丁",
            "甲乙丙；丁",
            "甲乙丙：丁",
            "甲乙丙？丁",
            "甲乙丙！丁",
        ] {
            check_rules(&break_lines(text, 3.0, 3.0, &em), 3.0);
        }
    }

    #[test]
    fn closing_marks_in_a_row_all_stay_off_the_line_start() {
        let lines = break_lines("他说“好的。”）然后", 5.0, 5.0, &em);
        check_rules(&lines, 5.0);
        assert_eq!(
            lines.iter().map(|l| l.text.as_str()).collect::<String>(),
            "他说“好的。”）然后"
        );
    }

    #[test]
    fn an_opening_mark_never_ends_a_line() {
        let lines = break_lines("甲乙丙（丁戊）己", 4.0, 4.0, &em);
        assert_eq!(texts(&lines), ["甲乙丙", "（丁戊）", "己"]);
        let lines = break_lines("甲乙丙《丁》", 4.0, 4.0, &em);
        check_rules(&lines, 4.0);
        let lines = break_lines("甲乙丙“丁”", 4.0, 4.0, &em);
        check_rules(&lines, 4.0);
        let lines = break_lines("甲乙丙；③丁戊", 5.0, 5.0, &em);
        assert_eq!(texts(&lines), ["甲乙丙；", "③丁戊"]);
    }

    #[test]
    fn latin_words_and_numbers_are_not_split_and_spaces_vanish_at_the_break() {
        let lines = break_lines("采用 ISO 9001:2015 标准", 5.5, 5.5, &em);
        assert_eq!(texts(&lines), ["采用 ISO", "9001:2015", "标准"]);
        assert!(lines.iter().all(|l| !l.text.starts_with(' ') && !l.text.ends_with(' ')));
    }

    #[test]
    fn dashes_and_ellipses_are_not_split() {
        let lines = break_lines("甲乙丙——丁", 4.0, 4.0, &em);
        check_rules(&lines, 4.0);
        assert!(lines.iter().all(|l| l.text.matches('—').count() != 1), "{lines:?}");
        let lines = break_lines("甲乙丙……丁", 4.0, 4.0, &em);
        assert!(lines.iter().all(|l| l.text.matches('…').count() != 1), "{lines:?}");
    }

    #[test]
    fn a_unit_wider_than_the_line_is_cut_by_character() {
        let lines = break_lines("abcdefghijkl", 2.0, 2.0, &em);
        assert_eq!(texts(&lines), ["abcd", "efgh", "ijkl"]);
        check_rules(&lines, 2.0);
    }

    #[test]
    fn first_line_width_differs_from_the_rest() {
        let lines = break_lines("一二三四五六七八", 2.0, 3.0, &em);
        assert_eq!(texts(&lines), ["一二", "三四五", "六七八"]);
    }

    #[test]
    fn newlines_end_paragraphs_and_their_last_lines_are_not_justified() {
        let lines = break_lines("一二三\n四五六七", 3.0, 3.0, &em);
        assert_eq!(texts(&lines), ["一二三", "四五六", "七"]);
        assert_eq!(
            lines.iter().map(|l| l.justify).collect::<Vec<_>>(),
            [false, true, false]
        );
    }

    #[test]
    fn empty_text_gives_one_empty_line() {
        assert_eq!(texts(&break_lines("", 3.0, 3.0, &em)), [""]);
    }

    #[test]
    fn no_width_is_ever_exceeded_and_no_rule_broken_on_real_sentences() {
        let text = "某电子产品制造企业的 SMT 贴片焊接不良率长期在 2500 ppm 左右，主要缺陷为虚焊和连锡，\
                    近半年多家顾客投诉（“返修成本居高不下”）。公司决定立项开展六西格玛改进：目标是半年内\
                    将焊接不良率降低到 500 ppm 以下；请你作为项目负责人，按照 DMAIC 各阶段说明……";
        for width in [3.0, 4.0, 5.5, 7.0, 10.0, 13.0, 17.5, 22.0, 44.0] {
            let lines = break_lines(text, width, width, &em);
            if width >= 5.0 {
                check_rules(&lines, width);
            } else {
                // "下”）。" is 4 em of text that may not be split: on a narrower line a rule has
                // to give, but the width never does.
                assert!(lines.iter().all(|l| l.width <= width + EPSILON), "{lines:?}");
            }
            let joined: String = lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join("");
            assert_eq!(joined.replace(' ', ""), text.replace(' ', ""), "width {width}");
        }
    }
}
