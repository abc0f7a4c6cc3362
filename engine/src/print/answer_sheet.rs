//! The 答题卡 answer sheet: candidate fields and instructions, then for every objective item its
//! number and one bubble per option ([A] [B] [C] [D], and [E] where the item has five), in
//! groups of five as on a machine-read card, then boxes to mark which open questions were
//! answered.

use question_bank::{Blueprint, ChoiceKind, Paper, PaperItem};

use super::booklet::{EXAM_NAME, footer};
use super::document::{
    BODY, Document, Finished, Geometry, MM, Mark, PAGE_W, Row, Setting, Style, baseline, labelled, paragraph,
    text_centred, text_right,
};
use super::font::PrintFont;
use super::{PrintError, Printed, with_font, zh_number};

/// The answer sheet for one paper, as PDF bytes.
pub fn answer_sheet(paper: &Paper, blueprint: &Blueprint) -> Result<Printed, PrintError> {
    with_font(|font| set(font, paper, blueprint))
}

/// No running header: the sheet's own title block is at the top.
const GEO: Geometry = Geometry {
    top: 16.0 * MM,
    ..Geometry::A4
};
/// Items per group, as on machine-read cards: the eye finds "37" as the 2nd row of 36–40.
const GROUP: usize = 5;
const ITEM_ROW: f32 = 16.0;
const BUBBLE: Style = Style::regular(9.0).grey(0.15);
const NUMBER: Style = Style::bold(9.0);
/// Horizontal distance between two bubbles.
const BUBBLE_PITCH: f32 = 17.0;

fn set(font: &PrintFont, paper: &Paper, blueprint: &Blueprint) -> Finished {
    let mut doc = Document::new(font, GEO);
    title_block(&mut doc, paper);
    for (n, kind) in [(1, ChoiceKind::Single), (2, ChoiceKind::Multi)] {
        let items: Vec<&PaperItem> = paper.objective.iter().filter(|i| i.kind == kind).collect();
        grid(&mut doc, n, kind, &items);
    }
    open_choice(&mut doc, paper, blueprint);
    let title = format!("{EXAM_NAME} 答题卡 {}", paper.paper_id);
    doc.finish(&title, |page, total| footer(font, page, total))
}

fn title_block(doc: &mut Document, paper: &Paper) {
    let font = doc.font;
    let left = GEO.left;
    let width = GEO.width();
    let centre = PAGE_W / 2.0;
    let mut head = Row {
        height: 62.0,
        marks: vec![
            text_centred(
                font,
                centre,
                22.0,
                &format!("{EXAM_NAME}　答题卡"),
                Style::bold(18.0),
                2.0,
            ),
            text_centred(
                font,
                centre,
                44.0,
                &format!("试卷编号：{}　　第 {} 套", paper.paper_id, paper.form),
                Style::regular(10.0),
                0.0,
            ),
        ],
    };
    head.marks.push(Mark::hline(left, left + width, 56.0, 1.2));
    doc.row(&head);

    // Candidate fields: two rows of label | blank | label | blank.
    let h = 28.0;
    let label_w = 72.0;
    let half = width / 2.0;
    let mut fields = Row {
        height: 2.0 * h + 10.0,
        marks: Vec::new(),
    };
    let cells = [
        [("姓　　名", 0.0), ("准考证号", half)],
        [("考 场 号", 0.0), ("座 位 号", half)],
    ];
    for (r, row) in cells.iter().enumerate() {
        let y = r as f32 * h;
        for &(label, dx) in row {
            fields.marks.push(Mark::Box {
                x: left + dx,
                y,
                w: label_w,
                h,
                line: None,
                fill: Some(0.92),
            });
            fields.marks.push(text_centred(
                font,
                left + dx + label_w / 2.0,
                y + baseline(h, BODY),
                label,
                Style::bold(BODY),
                0.0,
            ));
            fields.marks.push(Mark::vline(left + dx + label_w, y, y + h, 0.5));
        }
    }
    fields.marks.push(Mark::hline(left, left + width, h, 0.5));
    fields.marks.push(Mark::vline(left + half, 0.0, 2.0 * h, 0.5));
    fields.marks.push(Mark::frame(left, 0.0, width, 2.0 * h, 1.0));
    doc.row(&fields);

    // 注意事项, with a filled example bubble and the absentee mark.
    let set = Setting::new(Style::regular(9.0), 14.0);
    let pad = 10.0;
    let notes = [
        "答题前，考生须用黑色字迹的签字笔填写姓名、准考证号、考场号和座位号。",
        "单选题和多选题须用 2B 铅笔将所选选项的字母涂黑；修改时用橡皮擦干净后再涂。",
        "开放题在试卷上各题之后的答题区内作答；在本卡上涂黑所选题号。",
        "保持卡面清洁，不要折叠，不要弄破。",
    ];
    let mut rows = vec![Row::space(6.0)];
    rows.extend(paragraph(
        font,
        "注意事项",
        left + pad,
        width,
        0.0,
        Setting::new(Style::bold(10.0), 16.0),
    ));
    for (i, note) in notes.iter().enumerate() {
        rows.extend(labelled(
            font,
            &format!("{}．", i + 1),
            note,
            left + pad,
            12.0,
            width - 2.0 * pad,
            set,
        ));
    }
    let mut sample = Row {
        height: 22.0,
        marks: Vec::new(),
    };
    let b = baseline(22.0, 9.0);
    let mut x = left + pad;
    sample
        .marks
        .push(Mark::text(x, b, "填涂样例：正确", Style::regular(9.0)));
    x += font.width("填涂样例：正确", 9.0) + 6.0;
    sample.marks.push(Mark::Box {
        x,
        y: b - 7.0,
        w: 14.0,
        h: 8.0,
        line: None,
        fill: Some(0.0),
    });
    x += 24.0;
    sample.marks.push(Mark::text(x, b, "错误", Style::regular(9.0)));
    x += font.width("错误", 9.0) + 6.0;
    sample.marks.push(Mark::text(x, b, "[√]　[×]　[／]", BUBBLE));
    let absent = "缺考标记（考生禁填，由监考员涂黑）";
    let box_x = GEO.right_edge() - pad - 16.0;
    sample
        .marks
        .push(text_right(font, box_x - 6.0, b, absent, Style::regular(9.0)));
    sample.marks.push(Mark::frame(box_x, b - 8.5, 16.0, 10.0, 0.6));
    rows.push(sample);
    let height: f32 = rows.iter().map(|r| r.height).sum();
    let top = doc.y() + 6.0;
    doc.set_y(top);
    doc.rows(&rows);
    doc.draw(Mark::frame(left, top, width, height + 2.0, 0.8));
    doc.skip(12.0);
}

/// 一、单选题 / 二、多选题: numbered rows of bubbles, five items to a group, groups side by side.
fn grid(doc: &mut Document, n: u32, kind: ChoiceKind, items: &[&PaperItem]) {
    let (Some(first), Some(last)) = (items.first(), items.last()) else {
        return;
    };
    let font = doc.font;
    let left = GEO.left;
    let width = GEO.width();
    let options = items.iter().map(|i| i.options.len()).max().unwrap_or(4);
    let number_w = font.width("00", 9.0) + 6.0;
    let group_w = number_w + options as f32 * BUBBLE_PITCH + 8.0;
    let per_row = ((width / group_w).floor() as usize).clamp(1, 6);
    let col_w = width / per_row as f32;

    let heading = paragraph(
        font,
        &format!(
            "{}、{}（第 {}～{} 题）",
            zh_number(n),
            kind.name_zh(),
            first.no,
            last.no
        ),
        left,
        width,
        0.0,
        Setting::new(Style::bold(11.0), 22.0),
    );
    let groups: Vec<&[&PaperItem]> = items.chunks(GROUP).collect();
    let mut grid_rows = Vec::new();
    for line in groups.chunks(per_row) {
        let mut row = Row {
            height: GROUP as f32 * ITEM_ROW + 12.0,
            marks: Vec::new(),
        };
        for (c, group) in line.iter().enumerate() {
            let gx = left + c as f32 * col_w;
            row.marks.push(Mark::frame(
                gx + 2.0,
                2.0,
                col_w - 4.0,
                GROUP as f32 * ITEM_ROW + 6.0,
                0.5,
            ));
            for (r, item) in group.iter().enumerate() {
                let y = 5.0 + r as f32 * ITEM_ROW + baseline(ITEM_ROW, 9.0);
                let inner = gx + (col_w - group_w) / 2.0 + 4.0;
                row.marks.push(text_right(
                    font,
                    inner + number_w - 6.0,
                    y,
                    &item.no.to_string(),
                    NUMBER,
                ));
                for (k, option) in item.options.iter().enumerate() {
                    let bx = inner + number_w + k as f32 * BUBBLE_PITCH;
                    row.marks.push(Mark::text(bx, y, format!("[{}]", option.label), BUBBLE));
                }
            }
        }
        grid_rows.push(row);
    }
    doc.keep_with_next(&heading, &grid_rows[..1]);
    doc.rows(&grid_rows[1..]);
    doc.skip(8.0);
}

/// 三、开放题选答: one box per open question, to be filled for the ones answered.
fn open_choice(doc: &mut Document, paper: &Paper, blueprint: &Blueprint) {
    if paper.open.is_empty() {
        return;
    }
    let font = doc.font;
    let left = GEO.left;
    let width = GEO.width();
    let heading = paragraph(
        font,
        &format!(
            "三、开放题选答（共 {} 题，任选 {} 题作答；请将所答题号后的方框涂黑）",
            paper.open.len(),
            blueprint.open.answered
        ),
        left,
        width,
        0.0,
        Setting::new(Style::bold(11.0), 22.0),
    );
    let h = 34.0;
    let mut row = Row {
        height: h + 4.0,
        marks: vec![Mark::frame(left + 2.0, 2.0, width - 4.0, h, 0.5)],
    };
    let slot = (width - 16.0) / paper.open.len() as f32;
    let b = 2.0 + baseline(h, BODY);
    for (i, q) in paper.open.iter().enumerate() {
        let x = left + 8.0 + slot * i as f32;
        let label = format!("第 {} 题", q.no);
        row.marks
            .push(Mark::text(x + 6.0, b, label.as_str(), Style::bold(BODY)));
        let bx = x + 6.0 + font.width(&label, BODY) + 8.0;
        row.marks.push(Mark::frame(bx, b - 9.5, 20.0, 12.0, 0.7));
    }
    doc.keep_with_next(&heading, &[row]);
}
