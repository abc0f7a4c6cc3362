//! The 标准答案及评分要点 key, for the exam office and markers only: the answer of every
//! objective item in compact tables, each open question's rubric points with their shares and
//! its reference answer, and the explanations of the objective items where the bank has them.

use std::collections::BTreeMap;

use question_bank::{Blueprint, ChoiceKind, ItemId, OpenQuestion, Paper, PaperItem, Points};

use super::booklet::{EXAM_NAME, footer, header};
use super::document::{
    BODY, Document, Finished, Geometry, Mark, PAGE_W, Row, Setting, Style, baseline, labelled, paragraph, text_centred,
};
use super::font::PrintFont;
use super::{PrintError, Printed, with_font, zh_number};

/// The key for one paper. `explanations` maps item ids to the bank's explanation texts.
pub fn key(
    paper: &Paper,
    blueprint: &Blueprint,
    explanations: &BTreeMap<ItemId, String>,
) -> Result<Printed, PrintError> {
    with_font(|font| set(font, paper, blueprint, explanations))
}

const GEO: Geometry = Geometry::A4;
const SECTION_SET: Setting = Setting::new(Style::bold(12.0), 28.0);
const SMALL_SET: Setting = Setting::new(Style::regular(10.0), 16.5);
/// Items per row of the answer tables.
const PER_ROW: usize = 10;

fn set(font: &PrintFont, paper: &Paper, blueprint: &Blueprint, explanations: &BTreeMap<ItemId, String>) -> Finished {
    let mut doc = Document::new(font, GEO);
    title(&mut doc, paper);
    let mut section = 0;
    for kind in [ChoiceKind::Single, ChoiceKind::Multi] {
        let items: Vec<&PaperItem> = paper.objective.iter().filter(|i| i.kind == kind).collect();
        if !items.is_empty() {
            section += 1;
            answer_table(&mut doc, section, kind, &items);
        }
    }
    if !paper.open.is_empty() {
        section += 1;
        let mut head = vec![Row::space(6.0)];
        head.extend(paragraph(
            font,
            &format!(
                "{}、开放题评分要点（每题 {} 分，考生任选 {} 题作答）",
                zh_number(section),
                blueprint.open.points,
                blueprint.open.answered
            ),
            GEO.left,
            GEO.width(),
            0.0,
            SECTION_SET,
        ));
        for (i, q) in paper.open.iter().enumerate() {
            let head = if i == 0 { std::mem::take(&mut head) } else { Vec::new() };
            open_question(&mut doc, &head, q, explanations.get(&q.item_id));
        }
    }
    let explained: Vec<(&PaperItem, &String)> = paper
        .objective
        .iter()
        .filter_map(|i| explanations.get(&i.item_id).map(|e| (i, e)))
        .collect();
    if !explained.is_empty() {
        section += 1;
        doc.new_page();
        doc.rows(&paragraph(
            font,
            &format!("{}、客观题解析", zh_number(section)),
            GEO.left,
            GEO.width(),
            0.0,
            SECTION_SET,
        ));
        let indent = font.width("00．", 10.0) + 1.0;
        for (item, text) in explained {
            let answer: String = item.key.iter().map(|l| l.as_char()).collect();
            let mut rows = labelled(
                font,
                &format!("{}．", item.no),
                &format!("【答案 {answer}】{text}"),
                GEO.left,
                indent,
                GEO.width(),
                SMALL_SET,
            );
            rows.push(Row::space(3.0));
            doc.block(&rows);
        }
    }
    let title = format!("{EXAM_NAME} 标准答案及评分要点 {}", paper.paper_id);
    let right = format!("试卷编号 {}　第 {} 套", paper.paper_id, paper.form);
    doc.finish(&title, |page, total| {
        let mut marks = footer(font, page, total);
        if page > 1 {
            marks.extend(header(font, "标准答案及评分要点（机密）", &right));
        }
        marks
    })
}

fn title(doc: &mut Document, paper: &Paper) {
    let font = doc.font;
    let centre = PAGE_W / 2.0;
    let row = Row {
        height: 118.0,
        marks: vec![
            Mark::text(GEO.left, 4.0, "机密★阅卷专用", Style::bold(BODY)),
            text_centred(font, centre, 34.0, EXAM_NAME, Style::bold(16.0), 3.0),
            text_centred(font, centre, 64.0, "标准答案及评分要点", Style::bold(20.0), 3.0),
            text_centred(
                font,
                centre,
                86.0,
                &format!(
                    "试卷编号 {}　第 {} 套　种子 {}　题库哈希 {}",
                    paper.paper_id,
                    paper.form,
                    paper.seed,
                    &paper.bank_hash[..16.min(paper.bank_hash.len())]
                ),
                Style::regular(9.0),
                0.0,
            ),
            text_centred(
                font,
                centre,
                104.0,
                "本材料仅供考务办公室与阅卷人员使用，严禁向考生泄露。",
                Style::regular(9.0).grey(0.3),
                0.0,
            ),
            Mark::hline(GEO.left, GEO.right_edge(), 112.0, 1.0),
        ],
    };
    doc.row(&row);
    doc.skip(6.0);
}

/// Rows of 题号 / 答案 pairs, ten items to a row, ruled as a table.
fn answer_table(doc: &mut Document, section: u32, kind: ChoiceKind, items: &[&PaperItem]) {
    let font = doc.font;
    let per = items[0].points;
    let total: Points = items.iter().map(|i| i.points).sum();
    let head = paragraph(
        font,
        &format!(
            "{}、{}答案（第 {}～{} 题，每题 {per} 分，共 {total} 分）",
            zh_number(section),
            kind.name_zh(),
            items[0].no,
            items[items.len() - 1].no
        ),
        GEO.left,
        GEO.width(),
        0.0,
        SECTION_SET,
    );
    let label_w = 44.0;
    let cell_w = (GEO.width() - label_w) / PER_ROW as f32;
    let h = 19.0;
    let left = GEO.left;
    let right = GEO.right_edge();
    let mut rows = Vec::new();
    for chunk in items.chunks(PER_ROW) {
        let mut row = Row {
            height: 2.0 * h + 6.0,
            marks: Vec::new(),
        };
        row.marks.push(Mark::Box {
            x: left,
            y: 0.0,
            w: right - left,
            h,
            line: None,
            fill: Some(0.93),
        });
        for (r, label) in ["题号", "答案"].iter().enumerate() {
            let b = r as f32 * h + baseline(h, BODY);
            row.marks.push(text_centred(
                font,
                left + label_w / 2.0,
                b,
                label,
                Style::bold(BODY),
                0.0,
            ));
        }
        for (c, item) in chunk.iter().enumerate() {
            let cx = left + label_w + cell_w * (c as f32 + 0.5);
            let answer: String = item.key.iter().map(|l| l.as_char()).collect();
            row.marks.push(text_centred(
                font,
                cx,
                baseline(h, BODY),
                &item.no.to_string(),
                Style::regular(BODY),
                0.0,
            ));
            row.marks.push(text_centred(
                font,
                cx,
                h + baseline(h, BODY),
                &answer,
                Style::bold(BODY),
                1.0,
            ));
        }
        for c in 0..=PER_ROW {
            let x = left + label_w + cell_w * c as f32;
            row.marks.push(Mark::vline(x, 0.0, 2.0 * h, 0.5));
        }
        row.marks.push(Mark::hline(left, right, h, 0.5));
        row.marks.push(Mark::frame(left, 0.0, right - left, 2.0 * h, 0.8));
        rows.push(row);
    }
    doc.keep_with_next(&head, &rows[..1]);
    doc.rows(&rows[1..]);
    doc.skip(8.0);
}

/// One open question: heading, stem, rubric table (要点 | 分值), reference answer.
/// `section_head` (the section's heading, for the first question) stays with it.
fn open_question(doc: &mut Document, section_head: &[Row], q: &OpenQuestion, explanation: Option<&String>) {
    let font = doc.font;
    let left = GEO.left;
    let width = GEO.width();
    let mut head = section_head.to_vec();
    head.push(Row::space(6.0));
    head.extend(paragraph(
        font,
        &format!(
            "开放题 {}（{} 分）　模块{}　{}　〔{}〕",
            q.no,
            q.points,
            zh_number(u32::from(q.module.number())),
            q.module.name_zh(),
            q.item_id
        ),
        left,
        width,
        0.0,
        Setting::new(Style::bold(BODY), 22.0),
    ));
    head.extend(paragraph(
        font,
        &format!("题目：{}", q.stem),
        left,
        width,
        0.0,
        SMALL_SET.with_grey(0.2),
    ));
    head.push(Row::space(4.0));

    // Rubric table.
    let no_w = 36.0;
    let share_w = 52.0;
    let text_w = width - no_w - share_w;
    let pad = 6.0;
    let mut table = vec![table_row(
        font,
        &["序号", "评分要点", "分值"],
        [no_w, text_w, share_w],
        pad,
        true,
    )];
    for (i, point) in q.rubric.iter().enumerate() {
        table.push(table_row(
            font,
            &[&format!("{}", i + 1), &point.point, &format!("{} 分", point.share)],
            [no_w, text_w, share_w],
            pad,
            false,
        ));
    }
    let sum: Points = q.rubric.iter().map(|r| r.share).sum();
    table.push(table_row(
        font,
        &["", "合计", &format!("{sum} 分")],
        [no_w, text_w, share_w],
        pad,
        true,
    ));
    // The rubric is short: it stays with its heading and on one page.
    doc.keep_with_next(&head, &table);
    if let Some(text) = explanation {
        let mut rows = vec![Row::space(6.0)];
        rows.extend(paragraph(
            font,
            "参考答案要点",
            left,
            width,
            0.0,
            Setting::new(Style::bold(10.0), 18.0),
        ));
        // The bank's texts often open with their own "参考要点：" under our heading.
        let text = match text.split_once('：') {
            Some((lead, rest)) if lead.starts_with("参考") && lead.chars().count() <= 6 => rest,
            _ => text,
        };
        rows.extend(paragraph(
            font,
            &enumerations_on_own_lines(text),
            left,
            width,
            0.0,
            SMALL_SET,
        ));
        let (first, rest) = rows.split_at(3.min(rows.len()));
        doc.block(first);
        doc.rows(rest);
    }
    doc.skip(10.0);
}

/// One ruled table row whose cells wrap; the middle cell is left-aligned, the others centred.
fn table_row(font: &PrintFont, cells: &[&str; 3], widths: [f32; 3], pad: f32, bold: bool) -> Row {
    let style = if bold { Style::bold(10.0) } else { Style::regular(10.0) };
    let set = Setting::new(style, 16.0);
    let left = GEO.left;
    let text = paragraph(font, cells[1], left + widths[0] + pad, widths[1] - 2.0 * pad, 0.0, set);
    let lines = text.len().max(1);
    let height = lines as f32 * set.leading + 6.0;
    let mut marks = Vec::new();
    if bold {
        marks.push(Mark::Box {
            x: left,
            y: 0.0,
            w: widths.iter().sum(),
            h: height,
            line: None,
            fill: Some(0.93),
        });
    }
    for (i, row) in text.into_iter().enumerate() {
        marks.extend(row.marks.into_iter().map(|m| match m {
            Mark::Text {
                x,
                y,
                text,
                style,
                spacing,
            } => Mark::Text {
                x,
                y: y + 3.0 + i as f32 * set.leading,
                text,
                style,
                spacing,
            },
            other => other,
        }));
    }
    let b = 3.0 + set.baseline();
    marks.push(text_centred(font, left + widths[0] / 2.0, b, cells[0], style, 0.0));
    marks.push(text_centred(
        font,
        left + widths[0] + widths[1] + widths[2] / 2.0,
        b,
        cells[2],
        style,
        0.0,
    ));
    let right = left + widths.iter().sum::<f32>();
    marks.push(Mark::hline(left, right, 0.0, 0.5));
    marks.push(Mark::hline(left, right, height, 0.5));
    for x in [left, left + widths[0], left + widths[0] + widths[1], right] {
        marks.push(Mark::vline(x, 0.0, height, 0.5));
    }
    Row { height, marks }
}

/// Puts "（1）…（2）…" enumerations of a reference answer on lines of their own.
fn enumerations_on_own_lines(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 16);
    for (i, &c) in chars.iter().enumerate() {
        let opens_enumeration = c == '（'
            && i > 0
            && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())
            && chars[i + 1..].iter().find(|d| !d.is_ascii_digit()) == Some(&'）');
        if opens_enumeration && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enumerations_start_lines() {
        assert_eq!(
            enumerations_on_own_lines("参考要点：（1）界定；（2）测量（如 MSA）。"),
            "参考要点：\n（1）界定；\n（2）测量（如 MSA）。"
        );
        assert_eq!(enumerations_on_own_lines("（1）甲（2）乙"), "（1）甲\n（2）乙");
    }
}
