//! A document being set: A4 pages of marks (text runs, rules, boxes) placed top-down, with
//! page breaks, keep-together blocks and running headers/footers added once the page count is
//! known; then turned into printpdf's low-level ops and saved with the font subset.
//!
//! Coordinates here run in points from the top-left corner of the page (the way a page is
//! read); the conversion to PDF's bottom-left origin happens only in [`Document::finish`].

use std::collections::BTreeSet;

use printpdf::{
    Color, Greyscale, Line as PdfLine, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, Rect, TextItem, TextRenderingMode,
};

use super::font::PrintFont;
use super::layout::break_lines;

/// Points per millimetre.
pub const MM: f32 = 72.0 / 25.4;
pub const PAGE_W: f32 = 210.0 * MM;
pub const PAGE_H: f32 = 297.0 * MM;

/// 五号, the body size of Chinese exam papers.
pub const BODY: f32 = 10.5;
/// Baseline-to-baseline distance of body text.
pub const LEADING: f32 = 18.0;

/// Margins of the text block, in points.
#[derive(Debug, Clone, Copy)]
pub struct Geometry {
    pub top: f32,
    pub bottom: f32,
    pub left: f32,
    pub right: f32,
}

impl Geometry {
    /// A4 with room for a running header and footer.
    pub const A4: Geometry = Geometry {
        top: 24.0 * MM,
        bottom: 22.0 * MM,
        left: 22.0 * MM,
        right: 22.0 * MM,
    };

    pub fn width(&self) -> f32 {
        PAGE_W - self.left - self.right
    }

    pub fn right_edge(&self) -> f32 {
        PAGE_W - self.right
    }

    pub fn body_bottom(&self) -> f32 {
        PAGE_H - self.bottom
    }

    pub fn body_height(&self) -> f32 {
        self.body_bottom() - self.top
    }
}

/// How a run of text looks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    pub size: f32,
    /// Drawn with a thin outline as well as filled (the usual 伪粗体 of Chinese typesetting;
    /// it saves shipping a second CJK font).
    pub bold: bool,
    /// 0 is black, 1 white.
    pub grey: f32,
}

impl Style {
    pub const fn regular(size: f32) -> Style {
        Style {
            size,
            bold: false,
            grey: 0.0,
        }
    }

    pub const fn bold(size: f32) -> Style {
        Style {
            size,
            bold: true,
            grey: 0.0,
        }
    }

    pub const fn grey(self, grey: f32) -> Style {
        Style { grey, ..self }
    }
}

/// Something drawn, positioned from the top-left (of the page, or of a row before placing).
#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    /// `y` is the baseline; `spacing` is extra space after each character (justification).
    Text {
        x: f32,
        y: f32,
        text: String,
        style: Style,
        spacing: f32,
    },
    Rule {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        grey: f32,
    },
    /// `y` is the top edge.
    Box {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        line: Option<f32>,
        fill: Option<f32>,
    },
    /// A picture (PNG or JPEG bytes) scaled into the `w` × `h` box whose top-left is `x`, `y`.
    Image {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        bytes: std::sync::Arc<Vec<u8>>,
    },
}

impl Mark {
    pub fn text(x: f32, baseline: f32, text: impl Into<String>, style: Style) -> Mark {
        Mark::Text {
            x,
            y: baseline,
            text: text.into(),
            style,
            spacing: 0.0,
        }
    }

    pub fn hline(x1: f32, x2: f32, y: f32, width: f32) -> Mark {
        Mark::Rule {
            x1,
            y1: y,
            x2,
            y2: y,
            width,
            grey: 0.0,
        }
    }

    pub fn vline(x: f32, y1: f32, y2: f32, width: f32) -> Mark {
        Mark::Rule {
            x1: x,
            y1,
            x2: x,
            y2,
            width,
            grey: 0.0,
        }
    }

    pub fn frame(x: f32, y: f32, w: f32, h: f32, line: f32) -> Mark {
        Mark::Box {
            x,
            y,
            w,
            h,
            line: Some(line),
            fill: None,
        }
    }

    fn shifted(&self, dy: f32) -> Mark {
        let mut m = self.clone();
        match &mut m {
            Mark::Text { y, .. } | Mark::Box { y, .. } | Mark::Image { y, .. } => *y += dy,
            Mark::Rule { y1, y2, .. } => {
                *y1 += dy;
                *y2 += dy;
            }
        }
        m
    }
}

/// A horizontal slice of content that is never split across pages.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub height: f32,
    /// Positioned relative to the row's top edge.
    pub marks: Vec<Mark>,
}

impl Row {
    pub fn space(height: f32) -> Row {
        Row {
            height,
            marks: Vec::new(),
        }
    }
}

/// Where the baseline of text of `size` sits in a line box of `leading` (CJK glyphs fill the
/// em box from 0.88 em above the baseline to 0.12 em below it; the box is centred).
pub fn baseline(leading: f32, size: f32) -> f32 {
    (leading - size) / 2.0 + 0.88 * size
}

/// Text ending at `right` (right-aligned).
pub fn text_right(font: &PrintFont, right: f32, baseline: f32, text: &str, style: Style) -> Mark {
    Mark::text(right - font.width(text, style.size), baseline, text, style)
}

/// Text centred on `centre`, with `spacing` points between its characters (titles).
pub fn text_centred(font: &PrintFont, centre: f32, baseline: f32, text: &str, style: Style, spacing: f32) -> Mark {
    let n = text.chars().count().max(1) as f32;
    let width = font.width(text, style.size) + spacing * (n - 1.0);
    Mark::Text {
        x: centre - width / 2.0,
        y: baseline,
        text: text.to_string(),
        style,
        spacing,
    }
}

/// A text style with its line height.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Setting {
    pub style: Style,
    pub leading: f32,
}

impl Setting {
    pub const fn new(style: Style, leading: f32) -> Setting {
        Setting { style, leading }
    }

    pub fn baseline(&self) -> f32 {
        baseline(self.leading, self.style.size)
    }

    pub const fn with_grey(self, grey: f32) -> Setting {
        Setting {
            style: self.style.grey(grey),
            ..self
        }
    }
}

/// Sets `text` as a paragraph in the column `x .. x + width`, one row per line, justified
/// except each paragraph's last line. The first line starts `first_indent` further right.
pub fn paragraph(font: &PrintFont, text: &str, x: f32, width: f32, first_indent: f32, set: Setting) -> Vec<Row> {
    let style = set.style;
    let measure = |c: char| font.advance_em(c) * style.size;
    break_lines(text, width - first_indent, width, &measure)
        .into_iter()
        .enumerate()
        .map(|(i, line)| {
            let indent = if i == 0 { first_indent } else { 0.0 };
            let n = line.text.chars().count();
            let mut spacing = 0.0;
            if line.justify && n > 1 {
                let extra = (width - indent - line.width) / (n - 1) as f32;
                // A line short by more than a fifth of an em per character (a long Latin word
                // pushed down) reads better ragged than letter-spaced.
                if extra > 0.0 && extra < 0.2 * style.size {
                    spacing = extra;
                }
            }
            Row {
                height: set.leading,
                marks: vec![Mark::Text {
                    x: x + indent,
                    y: set.baseline(),
                    text: line.text,
                    style,
                    spacing,
                }],
            }
        })
        .collect()
}

/// A paragraph after a label hanging to its left ("12．", "A．", "（1）"): the label starts at
/// `x` and every line of the text at `x + indent`.
pub fn labelled(font: &PrintFont, label: &str, text: &str, x: f32, indent: f32, width: f32, set: Setting) -> Vec<Row> {
    let mut rows = paragraph(font, text, x + indent, width - indent, 0.0, set);
    if let Some(first) = rows.first_mut() {
        first.marks.push(Mark::text(x, set.baseline(), label, set.style));
    }
    rows
}

/// Pages being filled.
pub struct Document<'f> {
    pub font: &'f PrintFont,
    pub geo: Geometry,
    pages: Vec<Vec<Mark>>,
    /// Top of the free space on the current page.
    y: f32,
}

impl<'f> Document<'f> {
    pub fn new(font: &'f PrintFont, geo: Geometry) -> Document<'f> {
        Document {
            font,
            geo,
            pages: vec![Vec::new()],
            y: geo.top,
        }
    }

    pub fn y(&self) -> f32 {
        self.y
    }

    pub fn remaining(&self) -> f32 {
        self.geo.body_bottom() - self.y
    }

    pub fn at_page_top(&self) -> bool {
        self.y <= self.geo.top + 0.01
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = self.geo.top;
    }

    /// Moves down by `dy`, but never past the bottom (a gap at a page end is just lost).
    pub fn skip(&mut self, dy: f32) {
        if !self.at_page_top() {
            self.y = (self.y + dy).min(self.geo.body_bottom());
        }
    }

    /// Draws a mark at an absolute position on the current page.
    pub fn draw(&mut self, mark: Mark) {
        self.pages.last_mut().expect("there is always a page").push(mark);
    }

    /// Draws a mark at an absolute position on page `index` (0-based), e.g. a cover set last.
    pub fn draw_on(&mut self, index: usize, mark: Mark) {
        self.pages[index].push(mark);
    }

    /// Moves the cursor to an absolute position on the current page.
    pub fn set_y(&mut self, y: f32) {
        self.y = y;
    }

    /// Places one row, on a new page if it does not fit on this one.
    pub fn row(&mut self, row: &Row) {
        if row.height > self.remaining() + 0.01 && !self.at_page_top() {
            self.new_page();
        }
        let y = self.y;
        let page = self.pages.last_mut().expect("there is always a page");
        page.extend(row.marks.iter().map(|m| m.shifted(y)));
        self.y += row.height;
    }

    /// Places rows one after another, breaking pages between rows as needed.
    pub fn rows(&mut self, rows: &[Row]) {
        for r in rows {
            self.row(r);
        }
    }

    /// Places rows on one page: on the next page if they do not fit here but would fit on an
    /// empty page; split between rows only when taller than a whole page.
    pub fn block(&mut self, rows: &[Row]) {
        let height: f32 = rows.iter().map(|r| r.height).sum();
        if height > self.remaining() + 0.01 && height <= self.geo.body_height() && !self.at_page_top() {
            self.new_page();
        }
        self.rows(rows);
    }

    /// Places `head` (a heading) with `next` (what it introduces) on the same page when the
    /// two fit on one, so a heading never ends a page.
    pub fn keep_with_next(&mut self, head: &[Row], next: &[Row]) {
        let h: f32 = head.iter().chain(next).map(|r| r.height).sum();
        if h > self.remaining() + 0.01 && !self.at_page_top() {
            self.new_page();
        }
        self.rows(head);
        self.block(next);
    }

    /// Adds the running header and footer (`chrome(page, total)`, 1-based page numbers) and
    /// serialises the PDF. Returns the bytes, the page count and any characters the font lacks.
    pub fn finish(self, title: &str, chrome: impl Fn(usize, usize) -> Vec<Mark>) -> Finished {
        let total = self.pages.len();
        let mut doc = PdfDocument::new(title);
        doc.metadata.info.creator = "Kaowu 考务".to_string();
        doc.metadata.info.producer = format!("kaowu {} (printpdf)", env!("CARGO_PKG_VERSION"));
        let now = printpdf::OffsetDateTime::now();
        doc.metadata.info.creation_date = now;
        doc.metadata.info.modification_date = now;
        doc.metadata.info.metadata_date = now;
        let font_id = doc.add_font(&self.font.parsed);
        let handle = PdfFontHandle::External(font_id);
        let mut chars = BTreeSet::new();
        // Each picture is embedded once, however often it is drawn.
        let mut images: std::collections::HashMap<*const Vec<u8>, Option<(printpdf::XObjectId, usize, usize)>> =
            Default::default();
        for mark in self.pages.iter().flatten() {
            if let Mark::Image { bytes, .. } = mark {
                images.entry(std::sync::Arc::as_ptr(bytes)).or_insert_with(|| {
                    let mut warnings = Vec::new();
                    printpdf::RawImage::decode_from_bytes(bytes, &mut warnings)
                        .ok()
                        .map(|raw| (raw.width, raw.height, raw))
                        .map(|(w, h, raw)| (doc.add_image(&raw), w, h))
                });
            }
        }
        let pages: Vec<PdfPage> = self
            .pages
            .into_iter()
            .enumerate()
            .map(|(i, marks)| {
                let mut ops = Vec::with_capacity(marks.len() * 8);
                for mark in marks.iter().chain(&chrome(i + 1, total)) {
                    match mark {
                        Mark::Text { text, .. } => chars.extend(text.chars().filter(|c| !c.is_whitespace())),
                        Mark::Image { x, y, w, h, bytes } => {
                            if let Some(Some((id, px_w, px_h))) = images.get(&std::sync::Arc::as_ptr(bytes)) {
                                push_image(&mut ops, id, (*px_w, *px_h), (*x, *y, *w, *h));
                            }
                            continue;
                        }
                        _ => {}
                    }
                    push_ops(&mut ops, mark, &handle, self.font);
                }
                PdfPage::new(Mm(210.0), Mm(297.0), ops)
            })
            .collect();
        let missing = self.font.missing(&chars);
        let options = PdfSaveOptions {
            subset_fonts: true,
            ..PdfSaveOptions::default()
        };
        let mut warnings = Vec::new();
        let pdf = doc.with_pages(pages).save(&options, &mut warnings);
        Finished {
            pdf,
            pages: total,
            missing,
        }
    }
}

/// A serialised document.
pub struct Finished {
    pub pdf: Vec<u8>,
    pub pages: usize,
    /// Characters of the text the font could not show (drawn as empty boxes).
    pub missing: BTreeSet<char>,
}

fn grey(g: f32) -> Color {
    Color::Greyscale(Greyscale::new(g, None))
}

fn pt(x: f32, y_from_top: f32) -> Point {
    Point {
        x: Pt(x),
        y: Pt(PAGE_H - y_from_top),
    }
}

/// The ops that show `text` at `size`. A combining mark (the macron of X̄) has no advance and,
/// in CJK fonts, is drawn centred on the pen position and at lowercase height: without
/// OpenType mark positioning (low-level text gets none) it would sit between two letters and
/// clash with a capital. So move it back over the middle of its base, raised over capitals.
fn show_text(font: &PrintFont, text: &str, size: f32) -> Vec<Op> {
    let show = |items: Vec<TextItem>| Op::ShowText { items };
    let mut ops = Vec::new();
    let mut run = String::new();
    let mut base: Option<char> = None;
    for c in text.chars() {
        match base {
            Some(b) if ('\u{0300}'..='\u{036F}').contains(&c) => {
                if !run.is_empty() {
                    ops.push(show(vec![TextItem::Text(std::mem::take(&mut run))]));
                }
                let half = font.advance_em(b) * 500.0;
                let rise = if b.is_uppercase() || b.is_ascii_digit() {
                    0.14 * size
                } else {
                    0.0
                };
                ops.push(show(vec![TextItem::Offset(half)]));
                ops.push(Op::SetLineOffset { multiplier: rise });
                ops.push(show(vec![TextItem::Text(c.to_string())]));
                ops.push(Op::SetLineOffset { multiplier: 0.0 });
                ops.push(show(vec![TextItem::Offset(-half)]));
            }
            _ => run.push(c),
        }
        base = Some(c);
    }
    if !run.is_empty() {
        ops.push(show(vec![TextItem::Text(run)]));
    }
    ops
}

/// Draws a picture of `px` pixels into the box `(x, y, w, h)` (top-left origin): at the dpi that
/// makes its width `w` points, so its height follows its proportions.
fn push_image(ops: &mut Vec<Op>, id: &printpdf::XObjectId, px: (usize, usize), (x, y, w, h): (f32, f32, f32, f32)) {
    let dpi = px.0.max(1) as f32 * 72.0 / w.max(1.0);
    ops.push(Op::UseXobject {
        id: id.clone(),
        transform: printpdf::XObjectTransform {
            translate_x: Some(Pt(x)),
            translate_y: Some(Pt(PAGE_H - y - h)),
            dpi: Some(dpi),
            ..Default::default()
        },
    });
}

fn push_ops(ops: &mut Vec<Op>, mark: &Mark, handle: &PdfFontHandle, font: &PrintFont) {
    match mark {
        Mark::Text {
            x,
            y,
            text,
            style,
            spacing,
        } => {
            if text.is_empty() {
                return;
            }
            ops.push(Op::StartTextSection);
            ops.push(Op::SetFont {
                font: handle.clone(),
                size: Pt(style.size),
            });
            // Text state outlives BT/ET, so every run states all of it.
            ops.push(Op::SetCharacterSpacing { multiplier: *spacing });
            ops.push(Op::SetFillColor { col: grey(style.grey) });
            if style.bold {
                ops.push(Op::SetTextRenderingMode {
                    mode: TextRenderingMode::FillStroke,
                });
                ops.push(Op::SetOutlineColor { col: grey(style.grey) });
                ops.push(Op::SetOutlineThickness {
                    pt: Pt(style.size * 0.032),
                });
            } else {
                ops.push(Op::SetTextRenderingMode {
                    mode: TextRenderingMode::Fill,
                });
            }
            ops.push(Op::SetTextCursor { pos: pt(*x, *y) });
            ops.extend(show_text(font, text, style.size));
            ops.push(Op::EndTextSection);
        }
        Mark::Rule {
            x1,
            y1,
            x2,
            y2,
            width,
            grey: g,
        } => {
            ops.push(Op::SetOutlineColor { col: grey(*g) });
            ops.push(Op::SetOutlineThickness { pt: Pt(*width) });
            ops.push(Op::DrawLine {
                line: PdfLine {
                    points: vec![
                        LinePoint {
                            p: pt(*x1, *y1),
                            bezier: false,
                        },
                        LinePoint {
                            p: pt(*x2, *y2),
                            bezier: false,
                        },
                    ],
                    is_closed: false,
                },
            });
        }
        Mark::Box { x, y, w, h, line, fill } => {
            let mode = match (line, fill) {
                (Some(_), Some(_)) => PaintMode::FillStroke,
                (None, Some(_)) => PaintMode::Fill,
                (Some(_), None) => PaintMode::Stroke,
                (None, None) => return,
            };
            if let Some(f) = fill {
                ops.push(Op::SetFillColor { col: grey(*f) });
            }
            if let Some(l) = line {
                ops.push(Op::SetOutlineColor { col: grey(0.0) });
                ops.push(Op::SetOutlineThickness { pt: Pt(*l) });
            }
            ops.push(Op::DrawRectangle {
                rectangle: Rect {
                    x: Pt(*x),
                    y: Pt(PAGE_H - y - h),
                    width: Pt(*w),
                    height: Pt(*h),
                    mode: Some(mode),
                    winding_order: None,
                },
            });
        }
        // Drawn by `finish`, which embeds the picture once.
        Mark::Image { .. } => {}
    }
}
