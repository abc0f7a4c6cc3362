//! Ruled tables for the reports (成绩单, 题目分析报告): columns of fixed widths, cells wrapped
//! with the Chinese line-breaking rules, optional shading per row, and the header row set
//! again at the top of every page a long table runs onto.

use super::document::{Document, Mark, Row, Setting, Style, paragraph, text_centred, text_right};
use super::font::PrintFont;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Centre,
    Right,
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub width: f32,
    pub align: Align,
}

impl Column {
    pub const fn new(width: f32, align: Align) -> Column {
        Column { width, align }
    }
}

/// A table's geometry and text setting.
#[derive(Debug, Clone)]
pub struct Table {
    /// Left edge, in points from the page's left edge.
    pub x: f32,
    pub columns: Vec<Column>,
    pub set: Setting,
    /// Space inside a cell: left/right, and above/below its text.
    pub pad_x: f32,
    pub pad_y: f32,
}

/// Width of the rules inside a table and around it.
const INNER_RULE: f32 = 0.4;
const OUTER_RULE: f32 = 0.8;

impl Table {
    pub fn width(&self) -> f32 {
        self.columns.iter().map(|c| c.width).sum()
    }

    /// Widths that fill `total`: the given widths, with the column `stretch` taking the rest.
    pub fn fill(total: f32, mut columns: Vec<Column>, stretch: usize) -> Vec<Column> {
        let fixed: f32 = columns
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != stretch)
            .map(|(_, c)| c.width)
            .sum();
        columns[stretch].width = (total - fixed).max(20.0);
        columns
    }

    /// One ruled row. `bold` sets its text bold (a header), `fill` shades it (0 black … 1
    /// white), `top` draws the rule over it (the first row on a page).
    pub fn row(&self, font: &PrintFont, cells: &[&str], bold: bool, fill: Option<f32>, top: bool) -> Row {
        let style = if bold {
            Style::bold(self.set.style.size).grey(self.set.style.grey)
        } else {
            self.set.style
        };
        let set = Setting::new(style, self.set.leading);
        // Each cell's lines as (x, text, align-ready mark) relative to the line's top.
        let mut cell_lines: Vec<Vec<Mark>> = Vec::with_capacity(self.columns.len());
        let mut left = self.x;
        for (col, text) in self
            .columns
            .iter()
            .zip(cells.iter().copied().chain(std::iter::repeat("")))
        {
            let inner = col.width - 2.0 * self.pad_x;
            let fits = font.width(text, style.size) <= inner;
            let marks = if text.is_empty() {
                Vec::new()
            } else if col.align != Align::Left && fits {
                let mark = match col.align {
                    Align::Centre => text_centred(font, left + col.width / 2.0, set.baseline(), text, style, 0.0),
                    _ => text_right(font, left + col.width - self.pad_x, set.baseline(), text, style),
                };
                vec![mark]
            } else {
                paragraph(font, text, left + self.pad_x, inner, 0.0, set)
                    .into_iter()
                    .flat_map(|r| r.marks)
                    .collect()
            };
            cell_lines.push(marks);
            left += col.width;
        }
        let lines = cell_lines.iter().map(|l| l.len()).max().unwrap_or(0).max(1);
        let height = lines as f32 * set.leading + 2.0 * self.pad_y;
        let right = self.x + self.width();
        let mut marks = Vec::new();
        if let Some(f) = fill {
            marks.push(Mark::Box {
                x: self.x,
                y: 0.0,
                w: right - self.x,
                h: height,
                line: None,
                fill: Some(f),
            });
        }
        for lines_of_cell in cell_lines {
            // Centre a short cell vertically against the tallest one.
            let n = lines_of_cell.len().max(1) as f32;
            let top_pad = (height - n * set.leading) / 2.0;
            for (i, m) in lines_of_cell.into_iter().enumerate() {
                if let Mark::Text {
                    x,
                    y,
                    text,
                    style,
                    spacing,
                } = m
                {
                    marks.push(Mark::Text {
                        x,
                        y: y + top_pad + i as f32 * set.leading,
                        text,
                        style,
                        spacing,
                    });
                }
            }
        }
        let mut x = self.x;
        marks.push(Mark::vline(x, 0.0, height, OUTER_RULE));
        for (i, col) in self.columns.iter().enumerate() {
            x += col.width;
            let w = if i + 1 == self.columns.len() {
                OUTER_RULE
            } else {
                INNER_RULE
            };
            marks.push(Mark::vline(x, 0.0, height, w));
        }
        if top {
            marks.push(Mark::hline(self.x, right, 0.0, OUTER_RULE));
        }
        marks.push(Mark::hline(self.x, right, height, INNER_RULE));
        Row { height, marks }
    }

    /// Places `header` then `rows`; when a row does not fit on the page, it goes on the next
    /// one under the header again. The last row gets a heavier rule under it.
    pub fn place(&self, doc: &mut Document, header: &Row, rows: &[Row]) {
        let first = rows.first().map_or(0.0, |r| r.height);
        if header.height + first > doc.remaining() + 0.01 && !doc.at_page_top() {
            doc.new_page();
        }
        doc.row(header);
        for r in rows {
            if r.height > doc.remaining() + 0.01 {
                doc.new_page();
                doc.row(header);
            }
            doc.row(r);
        }
        let y = doc.y();
        doc.draw(Mark::hline(self.x, self.x + self.width(), y, OUTER_RULE));
    }
}
