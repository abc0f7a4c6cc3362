//! The 试卷 booklet: a cover (exam, paper id, form, date, time, points, 考生须知, name and
//! ticket-number boxes, score table), then the single-choice and multiple-choice sections by
//! module, then the open questions, each followed by ruled answer space.

use question_bank::{Blueprint, ChoiceKind, Module, OpenQuestion, Paper, PaperItem, Points};

use super::document::{
    BODY, Document, Geometry, LEADING, MM, Mark, PAGE_H, PAGE_W, Row, Setting, Style, baseline, labelled, paragraph,
    text_centred, text_right,
};
use super::font::PrintFont;
use super::{PrintError, Printed, with_font, zh_number};

/// The exam's name as printed on every paper.
pub const EXAM_NAME: &str = "质量经理职业资格考试";

#[derive(Debug, Clone, Default)]
pub struct BookletOptions {
    /// The sitting's date as printed on the cover ("2026 年 6 月 13 日"); a blank line to fill
    /// in when `None`.
    pub date: Option<String>,
    /// The pictures of the paper's items by their SHA-256 (`ItemImage::sha256`).
    pub pictures: Pictures,
}

/// Item pictures by the SHA-256 of their bytes.
pub type Pictures = std::collections::BTreeMap<String, std::sync::Arc<Vec<u8>>>;

/// A bank folder's pictures by their SHA-256, as a booklet looks them up.
pub fn bank_pictures(bank: &question_bank::Bank) -> Pictures {
    bank.items
        .iter()
        .flat_map(|i| &i.images)
        .filter_map(|i| {
            bank.images
                .get(&i.file)
                .map(|b| (i.sha256.clone(), std::sync::Arc::new(b.clone())))
        })
        .collect()
}

/// The tallest a picture is printed, in points (about a third of the text block).
const PICTURE_MAX_H: f32 = 240.0;
/// Pictures are printed at 150 dpi unless that is wider than the text or taller than the limit.
const PICTURE_DPI: f32 = 150.0;

/// Rows showing an item's pictures under its stem, centred in `x`..`x + width`, each with its
/// caption (图 1, 图 2 …); a picture that cannot be read is said so in its place.
fn picture_rows(
    font: &PrintFont,
    images: &[question_bank::ItemImage],
    pictures: &Pictures,
    x: f32,
    width: f32,
) -> Vec<Row> {
    let mut rows = Vec::new();
    for (k, image) in images.iter().enumerate() {
        let caption = format!("图 {}", k + 1);
        let size = pictures.get(&image.sha256).and_then(|bytes| {
            image::ImageReader::new(std::io::Cursor::new(bytes.as_slice()))
                .with_guessed_format()
                .ok()?
                .into_dimensions()
                .ok()
                .map(|d| (bytes.clone(), d))
        });
        let Some((bytes, (px_w, px_h))) = size.filter(|(_, (w, h))| *w > 0 && *h > 0) else {
            rows.extend(paragraph(
                font,
                &format!("［{caption}无法读取］"),
                x,
                width,
                0.0,
                BODY_SET,
            ));
            continue;
        };
        let natural = px_w as f32 * 72.0 / PICTURE_DPI;
        let w = natural.min(width).min(PICTURE_MAX_H * px_w as f32 / px_h as f32);
        let h = w * px_h as f32 / px_w as f32;
        rows.push(Row {
            height: h + 4.0,
            marks: vec![Mark::Image {
                x: x + (width - w) / 2.0,
                y: 4.0,
                w,
                h,
                bytes,
            }],
        });
        let mut caption_row = Row {
            height: LEADING,
            marks: Vec::new(),
        };
        caption_row.marks.push(text_centred(
            font,
            x + width / 2.0,
            BODY_SET.baseline(),
            &caption,
            Style::regular(BODY - 1.5),
            0.0,
        ));
        rows.push(caption_row);
    }
    rows
}

/// The booklet for one paper, as PDF bytes.
pub fn booklet(paper: &Paper, blueprint: &Blueprint, options: &BookletOptions) -> Result<Printed, PrintError> {
    with_font(|font| set(font, paper, blueprint, options))
}

const GEO: Geometry = Geometry::A4;
const BODY_SET: Setting = Setting::new(Style::regular(BODY), LEADING);
const SECTION_SET: Setting = Setting::new(Style::bold(12.0), 26.0);
const MODULE_SET: Setting = Setting::new(Style::bold(BODY), 24.0);
/// Space between two items.
const ITEM_GAP: f32 = 6.0;
/// Distance between the ruled lines of the answer space.
const RULE_PITCH: f32 = 26.0;
/// At least this many ruled lines follow an open question (continuing overleaf if needed).
const MIN_RULES: usize = 10;

fn set(font: &PrintFont, paper: &Paper, blueprint: &Blueprint, options: &BookletOptions) -> super::document::Finished {
    let mut doc = Document::new(font, GEO);
    // Page 1 is the cover, drawn last because it states the page count.
    doc.new_page();
    for (n, kind) in [(1, ChoiceKind::Single), (2, ChoiceKind::Multi)] {
        let items: Vec<&PaperItem> = paper.objective.iter().filter(|i| i.kind == kind).collect();
        objective_section(&mut doc, n, kind, &items, &options.pictures);
    }
    open_section(&mut doc, blueprint, &paper.open, &options.pictures);
    let total = doc.page_count();
    for mark in cover(font, paper, blueprint, options, total) {
        doc.draw_on(0, mark);
    }
    let title = format!("{EXAM_NAME} 试卷 {}", paper.paper_id);
    let header_right = format!("试卷编号 {}　第 {} 套", paper.paper_id, paper.form);
    doc.finish(&title, |page, total| {
        let mut marks = footer(font, page, total);
        if page > 1 {
            marks.extend(header(font, &format!("{EXAM_NAME}　试卷"), &header_right));
        }
        marks
    })
}

/// The running header: a title left, the paper id right, a hairline under them.
pub(crate) fn header(font: &PrintFont, left: &str, right: &str) -> Vec<Mark> {
    let style = Style::regular(9.0).grey(0.25);
    let y = GEO.top - 10.0 * MM + 9.0;
    vec![
        Mark::text(GEO.left, y, left, style),
        text_right(font, GEO.right_edge(), y, right, style),
        Mark::Rule {
            x1: GEO.left,
            y1: y + 4.0,
            x2: GEO.right_edge(),
            y2: y + 4.0,
            width: 0.5,
            grey: 0.25,
        },
    ]
}

/// "第 X 页 共 Y 页", centred under the text block.
pub(crate) fn footer(font: &PrintFont, page: usize, total: usize) -> Vec<Mark> {
    vec![text_centred(
        font,
        PAGE_W / 2.0,
        PAGE_H - 12.0 * MM,
        &format!("第 {page} 页　共 {total} 页"),
        Style::regular(9.0).grey(0.25),
        0.0,
    )]
}

fn cover(font: &PrintFont, paper: &Paper, blueprint: &Blueprint, options: &BookletOptions, pages: usize) -> Vec<Mark> {
    let mut m = Vec::new();
    let centre = PAGE_W / 2.0;
    let left = GEO.left;
    let right = GEO.right_edge();
    let width = GEO.width();
    let top = 16.0 * MM;
    m.push(Mark::text(left, top + 10.0, "绝密★启用前", Style::bold(BODY)));
    // The form, boxed top right, so booklets of different forms are told apart at a glance.
    let form = format!("第 {} 套", paper.form);
    let form_w = font.width(&form, 12.0) + 16.0;
    m.push(Mark::frame(right - form_w, top - 4.0, form_w, 20.0, 0.8));
    m.push(text_centred(
        font,
        right - form_w / 2.0,
        top + 11.0,
        &form,
        Style::bold(12.0),
        0.0,
    ));

    m.push(text_centred(font, centre, 150.0, EXAM_NAME, Style::bold(26.0), 6.0));
    m.push(text_centred(font, centre, 198.0, "试　　卷", Style::bold(20.0), 4.0));
    // "质量经理职业资格考试（2010 年版大纲）" → "（2010 年版大纲）" under the title.
    let edition = blueprint.name.strip_prefix(EXAM_NAME).unwrap_or(&blueprint.name);
    if !edition.is_empty() {
        m.push(text_centred(font, centre, 226.0, edition, Style::regular(12.0), 0.0));
    }

    // Facts of the sitting, then the candidate's boxes.
    let date = options
        .date
        .clone()
        .unwrap_or_else(|| "　　　　年　　月　　日".to_string());
    let facts = [
        ("试卷编号", paper.paper_id.clone(), 25.0),
        ("考试日期", date, 25.0),
        ("考试时间", format!("{} 分钟", blueprint.duration_minutes), 25.0),
        ("满　　分", format!("{} 分", blueprint.total_points), 25.0),
    ];
    // Wide enough for a per-candidate paper id (its seed has up to 19 digits).
    let table_w = 420.0;
    let table_x = centre - table_w / 2.0;
    let y = form_table(&mut m, font, table_x, 252.0, table_w, &facts);
    let candidate = [("姓　　名", String::new(), 30.0), ("准考证号", String::new(), 30.0)];
    let mut y = form_table(&mut m, font, table_x, y + 14.0, table_w, &candidate);

    // Score table for the markers.
    y += 22.0;
    let heads = ["题　号", "一", "二", "三", "总　分"];
    let col0 = 90.0;
    let col = (width - col0) / (heads.len() - 1) as f32;
    let rows = ["得　分", "阅卷人"];
    let row_h = 24.0;
    let table_top = y;
    for (r, first) in std::iter::once(heads[0]).chain(rows).enumerate() {
        let ry = table_top + r as f32 * row_h;
        let b = ry + baseline(row_h, BODY);
        m.push(text_centred(font, left + col0 / 2.0, b, first, Style::bold(BODY), 0.0));
        if r == 0 {
            for (c, h) in heads[1..].iter().enumerate() {
                let cx = left + col0 + col * (c as f32 + 0.5);
                m.push(text_centred(font, cx, b, h, Style::bold(BODY), 0.0));
            }
        }
        if r > 0 {
            m.push(Mark::hline(left, right, ry, 0.5));
        }
    }
    let table_h = row_h * 3.0;
    for c in 0..heads.len() - 1 {
        let x = left + col0 + col * c as f32;
        m.push(Mark::vline(x, table_top, table_top + table_h, 0.5));
    }
    m.push(Mark::frame(left, table_top, width, table_h, 1.0));
    y = table_top + table_h + 22.0;

    // 考生须知.
    let singles = paper.objective.iter().filter(|i| i.kind == ChoiceKind::Single).count();
    let multis = paper.objective.len() - singles;
    let notes = [
        format!(
            "本试卷共 {pages} 页，满分 {} 分，考试时间 {} 分钟。",
            blueprint.total_points, blueprint.duration_minutes
        ),
        "答题前，请在本试卷封面和答题卡的指定位置填写姓名和准考证号。".to_string(),
        format!(
            "单选题共 {singles} 题，每题 {} 分，每题的备选项中只有 1 个最符合题意；多选题共 {multis} 题，每题 {} 分，每题的备选项中至少有 2 个符合题意，错选不得分。",
            blueprint.single_points, blueprint.multi_points
        ),
        "单选题和多选题的答案必须用 2B 铅笔填涂在答题卡上，写在试卷上无效。".to_string(),
        format!(
            "开放题共 {} 题，任选 {} 题作答，每题 {} 分。请在答题卡上标明所选题号，并在试卷上该题之后的答题区内作答。",
            blueprint.open.offered, blueprint.open.answered, blueprint.open.points
        ),
        "考试结束后，将试卷和答题卡一并交回，不得带出考场。".to_string(),
    ];
    let pad = 12.0;
    let box_top = y;
    let mut ty = box_top + 8.0;
    m.push(text_centred(
        font,
        centre,
        ty + baseline(24.0, 12.0),
        "考 生 须 知",
        Style::bold(12.0),
        4.0,
    ));
    ty += 26.0;
    let set = Setting::new(Style::regular(BODY), 17.0);
    for (i, note) in notes.iter().enumerate() {
        let label = format!("{}．", i + 1);
        for row in labelled(font, &label, note, left + pad, 16.0, width - 2.0 * pad, set) {
            m.extend(row.marks.into_iter().map(|mk| shift(mk, ty)));
            ty += row.height;
        }
    }
    let box_bottom = (ty + 8.0).min(GEO.body_bottom());
    m.push(Mark::frame(left, box_top, width, box_bottom - box_top, 1.0));
    m
}

/// A bordered two-column table of (label, value, row height), the label column shaded.
/// Returns the bottom edge.
fn form_table(m: &mut Vec<Mark>, font: &PrintFont, x: f32, y: f32, w: f32, rows: &[(&str, String, f32)]) -> f32 {
    let label_w = 88.0;
    let h: f32 = rows.iter().map(|r| r.2).sum();
    // Fills first, so no rule drawn later is half covered by a shade.
    m.push(Mark::Box {
        x,
        y,
        w: label_w,
        h,
        line: None,
        fill: Some(0.93),
    });
    let mut ry = y;
    for (i, (label, value, rh)) in rows.iter().enumerate() {
        let b = ry + baseline(*rh, BODY);
        m.push(text_centred(font, x + label_w / 2.0, b, label, Style::bold(BODY), 0.0));
        m.push(Mark::text(x + label_w + 12.0, b, value.as_str(), Style::regular(BODY)));
        if i > 0 {
            m.push(Mark::hline(x, x + w, ry, 0.5));
        }
        ry += rh;
    }
    m.push(Mark::vline(x + label_w, y, y + h, 0.5));
    m.push(Mark::frame(x, y, w, h, 1.0));
    y + h
}

fn shift(mark: Mark, dy: f32) -> Mark {
    match mark {
        Mark::Text {
            x,
            y,
            text,
            style,
            spacing,
        } => Mark::Text {
            x,
            y: y + dy,
            text,
            style,
            spacing,
        },
        other => other,
    }
}

/// 一、单选题 / 二、多选题: heading, hint, then the items module by module.
fn objective_section(doc: &mut Document, n: u32, kind: ChoiceKind, items: &[&PaperItem], pictures: &Pictures) {
    let Some(first) = items.first() else {
        return;
    };
    let font = doc.font;
    let per = first.points;
    let total: Points = items.iter().map(|i| i.points).sum();
    let mut head = Vec::new();
    if !doc.at_page_top() {
        head.push(Row::space(10.0));
    }
    head.extend(paragraph(
        font,
        &format!(
            "{}、{}（共 {} 题，每题 {per} 分，共 {total} 分）",
            zh_number(n),
            kind.name_zh(),
            items.len()
        ),
        GEO.left,
        GEO.width(),
        0.0,
        SECTION_SET,
    ));
    let hint = match kind {
        ChoiceKind::Single => "每题的备选项中，只有 1 个最符合题意。请将所选答案填涂在答题卡上。",
        ChoiceKind::Multi => "每题的备选项中，至少有 2 个符合题意，错选不得分。请将所选答案填涂在答题卡上。",
    };
    head.extend(paragraph(font, hint, GEO.left, GEO.width(), 2.0 * BODY, BODY_SET));

    let mut i = 0;
    while i < items.len() {
        let module = items[i].module;
        let end = i + items[i..].iter().take_while(|it| it.module == module).count();
        head.extend(module_heading(doc, module, items[i].no, items[end - 1].no));
        let first_item = item_rows(font, items[i], pictures);
        doc.keep_with_next(&std::mem::take(&mut head), &first_item);
        for item in &items[i + 1..end] {
            doc.block(&item_rows(font, item, pictures));
        }
        i = end;
    }
}

fn module_heading(doc: &Document, module: Module, from: u32, to: u32) -> Vec<Row> {
    let range = if from == to {
        format!("第 {from} 题")
    } else {
        format!("第 {from}～{to} 题")
    };
    let mut rows = vec![Row::space(4.0)];
    rows.extend(paragraph(
        doc.font,
        &format!(
            "模块{}　{}（{range}）",
            zh_number(u32::from(module.number())),
            module.name_zh()
        ),
        GEO.left,
        GEO.width(),
        0.0,
        MODULE_SET,
    ));
    rows
}

/// Width reserved for item numbers ("70．") before stems and options.
fn number_indent(font: &PrintFont) -> f32 {
    font.width("00．", BODY) + 1.0
}

/// One numbered item: stem, then its options all on one line, two to a line, or one to a line:
/// the most per line that keeps every option on one line of its own column.
fn item_rows(font: &PrintFont, item: &PaperItem, pictures: &Pictures) -> Vec<Row> {
    let indent = number_indent(font);
    let x = GEO.left + indent;
    let width = GEO.width() - indent;
    let mut rows = labelled(
        font,
        &format!("{}．", item.no),
        &item.stem,
        GEO.left,
        indent,
        GEO.width(),
        BODY_SET,
    );
    rows.extend(picture_rows(font, &item.images, pictures, x, width));
    let labels: Vec<String> = item.options.iter().map(|o| format!("{}．", o.label)).collect();
    let label_w = font.width("A．", BODY) + 1.0;
    let widest = item
        .options
        .iter()
        .map(|o| label_w + font.width(&o.text, BODY))
        .fold(0.0f32, f32::max);
    let n = item.options.len();
    // A column needs 1.5 em of air after its longest option, or the options run together.
    let fits = |c: usize| widest <= width / c as f32 - 1.5 * BODY;
    let columns = if n <= 5 && fits(n) {
        n
    } else if fits(2) {
        2
    } else {
        1
    };
    if columns > 1 {
        let col_w = width / columns as f32;
        for chunk in item.options.chunks(columns).zip(labels.chunks(columns)) {
            let mut row = Row {
                height: LEADING,
                marks: Vec::new(),
            };
            for (c, (option, label)) in chunk.0.iter().zip(chunk.1).enumerate() {
                let cx = x + col_w * c as f32;
                row.marks
                    .push(Mark::text(cx, BODY_SET.baseline(), label.as_str(), BODY_SET.style));
                row.marks.push(Mark::text(
                    cx + label_w,
                    BODY_SET.baseline(),
                    option.text.as_str(),
                    BODY_SET.style,
                ));
            }
            rows.push(row);
        }
    } else {
        for (option, label) in item.options.iter().zip(&labels) {
            rows.extend(labelled(font, label, &option.text, x, label_w, width, BODY_SET));
        }
    }
    rows.push(Row::space(ITEM_GAP));
    rows
}

/// 三、开放题: each question on its own page, followed by ruled lines to answer on.
fn open_section(doc: &mut Document, blueprint: &Blueprint, open: &[OpenQuestion], pictures: &Pictures) {
    if open.is_empty() {
        return;
    }
    let font = doc.font;
    doc.new_page();
    let mut head = paragraph(
        font,
        &format!("三、开放题（任选 {} 题作答）", blueprint.open.answered),
        GEO.left,
        GEO.width(),
        0.0,
        SECTION_SET,
    );
    head.extend(paragraph(
        font,
        &format!(
            "本部分共 {} 题，每题 {} 分，任选 {} 题作答，共 {} 分。请在答题卡上标明所选题号，并在各题之后的答题区内作答。",
            open.len(),
            blueprint.open.points,
            blueprint.open.answered,
            blueprint.open.points * i64::from(blueprint.open.answered)
        ),
        GEO.left,
        GEO.width(),
        2.0 * BODY,
        BODY_SET,
    ));
    head.push(Row::space(8.0));
    doc.rows(&head);
    let indent = number_indent(font);
    for (i, q) in open.iter().enumerate() {
        if i > 0 {
            doc.new_page();
        }
        let mut rows = labelled(
            font,
            &format!("{}．", q.no),
            &format!("（{} 分）{}", q.points, q.stem),
            GEO.left,
            indent,
            GEO.width(),
            BODY_SET,
        );
        rows.extend(picture_rows(
            font,
            &q.images,
            pictures,
            GEO.left + indent,
            GEO.width() - indent,
        ));
        rows.push(Row::space(6.0));
        rows.extend(paragraph(font, "答：", GEO.left, GEO.width(), 0.0, BODY_SET));
        doc.block(&rows);
        answer_rules(doc);
    }
}

/// Ruled lines from the cursor to the foot of the page; overleaf too if that gives fewer
/// than [`MIN_RULES`].
fn answer_rules(doc: &mut Document) {
    let rule = Row {
        height: RULE_PITCH,
        marks: vec![Mark::Rule {
            x1: GEO.left,
            y1: RULE_PITCH,
            x2: GEO.right_edge(),
            y2: RULE_PITCH,
            width: 0.4,
            grey: 0.55,
        }],
    };
    let mut drawn = 0;
    loop {
        while doc.remaining() >= RULE_PITCH {
            doc.row(&rule);
            drawn += 1;
        }
        if drawn >= MIN_RULES {
            break;
        }
        doc.new_page();
    }
}
