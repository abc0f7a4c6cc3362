//! The 题目分析报告 (item-analysis report) of an event: the test statistics (n, mean, SD,
//! α / KR-20, SEM …), a histogram of the total scores drawn with rules and boxes over the
//! analysis's score bins, and one ruled row per item (facility, item–rest correlation,
//! discrimination, α if deleted, flags), flagged items shaded.

use question_bank::Points;
use question_bank::analysis::{Analysis, ScoreBin};

use super::booklet::{footer, header};
use super::document::{
    BODY, Document, Geometry, Mark, PAGE_W, Row, Setting, Style, paragraph, text_centred, text_right,
};
use super::font::PrintFont;
use super::table::{Align, Column, Table};
use super::{PrintError, Printed, with_font};

/// What the report says besides the analysis.
#[derive(Debug, Clone)]
pub struct AnalysisReportInfo {
    pub exam_name: String,
    /// The date the report is printed ("2026 年 6 月 13 日").
    pub date: String,
    /// Drawn as a line on the histogram when given.
    pub pass_mark: Option<Points>,
}

/// The item-analysis report, as PDF bytes.
pub fn analysis_report(a: &Analysis, info: &AnalysisReportInfo) -> Result<Printed, PrintError> {
    with_font(|font| set(font, a, info))
}

const GEO: Geometry = Geometry::A4;
const SECTION_SET: Setting = Setting::new(Style::bold(12.0), 28.0);
const CELL_SET: Setting = Setting::new(Style::regular(9.0), 13.0);
const NOTE: Style = Style::regular(9.0).grey(0.3);
/// Shading of a flagged item's row.
const FLAGGED: f32 = 0.85;

fn f3(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_string(), |v| format!("{v:.3}"))
}

fn f2(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_string(), |v| format!("{v:.2}"))
}

fn set(font: &PrintFont, a: &Analysis, info: &AnalysisReportInfo) -> super::document::Finished {
    let mut doc = Document::new(font, GEO);
    let centre = PAGE_W / 2.0;
    let left = GEO.left;
    let width = GEO.width();
    let t = &a.test;
    let flagged = a.items.iter().filter(|i| !i.flags.is_empty()).count();
    doc.row(&Row {
        height: 96.0,
        marks: vec![
            text_centred(font, centre, 20.0, &info.exam_name, Style::bold(15.0), 2.0),
            text_centred(font, centre, 52.0, "题目分析报告", Style::bold(20.0), 4.0),
            text_centred(
                font,
                centre,
                74.0,
                &format!(
                    "考生 {} 人　题目 {} 道　其中标记 {} 道　打印日期 {}",
                    t.candidates, t.items, flagged, info.date
                ),
                Style::regular(9.5),
                0.0,
            ),
            Mark::hline(left, GEO.right_edge(), 86.0, 1.0),
        ],
    });
    doc.skip(6.0);

    // 一、 Test statistics: two label/value pairs per row.
    doc.rows(&paragraph(font, "一、总分统计", left, width, 0.0, SECTION_SET));
    let stats = Table {
        x: left,
        columns: vec![
            Column::new(width * 0.34, Align::Left),
            Column::new(width * 0.16, Align::Right),
            Column::new(width * 0.34, Align::Left),
            Column::new(width * 0.16, Align::Right),
        ],
        set: Setting::new(Style::regular(BODY), 15.0),
        pad_x: 6.0,
        pad_y: 3.0,
    };
    let pairs: Vec<(String, String)> = vec![
        ("考生人数 n".into(), t.candidates.to_string()),
        ("题目数 k".into(), t.items.to_string()),
        ("满分".into(), t.max_possible.to_string()),
        ("平均分".into(), format!("{:.2}", t.mean)),
        ("标准差 SD".into(), f2(t.sd)),
        ("中位数".into(), format!("{:.2}", t.median)),
        ("最低分 / 最高分".into(), format!("{} / {}", t.min, t.max)),
        ("四分位数 Q1 / Q3".into(), format!("{:.2} / {:.2}", t.q1, t.q3)),
        ("信度 α（0/1 计分即 KR-20）".into(), f3(t.alpha)),
        ("α 所含题数".into(), t.alpha_items.to_string()),
        (format!("分层信度 αS（{} 个细目格）", t.strata), f3(t.stratified_alpha)),
        ("".into(), "".into()),
        ("测量标准误 SEM".into(), f2(t.sem)),
        ("偏度 / 峰度".into(), format!("{} / {}", f2(t.skewness), f2(t.kurtosis))),
    ];
    let rows: Vec<Row> = pairs
        .chunks(2)
        .enumerate()
        .map(|(i, pair)| {
            let (l1, v1) = (&pair[0].0, &pair[0].1);
            let (l2, v2) = pair.get(1).map_or(("", ""), |p| (p.0.as_str(), p.1.as_str()));
            stats.row(font, &[l1, v1, l2, v2], false, None, i == 0)
        })
        .collect();
    doc.block(&rows);
    let y = doc.y();
    doc.draw(Mark::hline(left, left + stats.width(), y, 0.8));
    if let Some(g) = &t.groups {
        doc.skip(4.0);
        doc.rows(&paragraph(
            font,
            &format!(
                "高分组与低分组各 {} 人（各占 {}%）：高分组最低分 {}、平均 {:.2}；低分组最高分 {}、平均 {:.2}。",
                g.size, a.settings.group_percent, g.upper_cut, g.upper_mean, g.lower_cut, g.lower_mean
            ),
            left,
            width,
            0.0,
            Setting::new(NOTE, 14.0),
        ));
    }
    if t.too_few_candidates {
        doc.skip(4.0);
        doc.rows(&paragraph(
            font,
            &format!(
                "仅 {} 名考生，少于 {} 人：样本太小，不计算信度，也不标记需复核的题目；其余数字仅供参考。",
                t.candidates, a.settings.min_candidates
            ),
            left,
            width,
            0.0,
            Setting::new(NOTE, 14.0),
        ));
    }
    doc.skip(10.0);

    // 二、 The histogram.
    let head = paragraph(
        font,
        &format!("二、总分分布（组距 {} 分）", t.bin_width),
        left,
        width,
        0.0,
        SECTION_SET,
    );
    let chart = histogram(font, &t.distribution, t.mean, info.pass_mark, left, width);
    doc.keep_with_next(&head, &[chart]);
    doc.skip(10.0);

    // 三、 The items.
    let head = paragraph(font, "三、题目分析", left, width, 0.0, SECTION_SET);
    let s = &a.settings;
    let criteria = paragraph(
        font,
        &format!(
            "难度为得分率（通过率）；题-余相关为该题与其余各题总分的相关；区分度为高分组与低分组（各 {}%）得分率之差。\
             标记规则：难度低于 {:.2} 或高于 {:.2}、题-余相关低于 {:.2}、干扰项异常、评分员分歧等。标记的题目底色加深，请命题组复核。",
            s.group_percent, s.min_facility, s.max_facility, s.min_discrimination
        ),
        left,
        width,
        0.0,
        Setting::new(NOTE, 14.0),
    );
    doc.keep_with_next(&head, &criteria);
    doc.skip(6.0);
    let items = Table {
        x: left,
        columns: Table::fill(
            width,
            vec![
                Column::new(70.0, Align::Left),
                Column::new(40.0, Align::Centre),
                Column::new(32.0, Align::Right),
                Column::new(36.0, Align::Right),
                Column::new(50.0, Align::Right),
                Column::new(40.0, Align::Right),
                Column::new(48.0, Align::Right),
                Column::new(0.0, Align::Left),
            ],
            7,
        ),
        set: CELL_SET,
        pad_x: 4.0,
        pad_y: 2.5,
    };
    let header_row = items.row(
        font,
        &["题号", "题型", "作答", "难度", "题-余相关", "区分度", "删除后α", "标记"],
        true,
        Some(0.75),
        true,
    );
    let rows: Vec<Row> = a
        .items
        .iter()
        .map(|i| {
            let kind = i.kind.map_or("计分", |k| k.name_zh());
            let reasons: Vec<&str> = i.flags.iter().map(|f| f.reason.as_str()).collect();
            let flag = if reasons.is_empty() {
                String::new()
            } else {
                format!("▲ {}", reasons.join("；"))
            };
            items.row(
                font,
                &[
                    i.id.as_str(),
                    kind,
                    &i.taken.to_string(),
                    &f2(i.facility),
                    &f3(i.item_rest_r),
                    &f2(i.discrimination),
                    &f3(i.alpha_if_deleted),
                    &flag,
                ],
                false,
                (!i.flags.is_empty()).then_some(FLAGGED),
                false,
            )
        })
        .collect();
    items.place(&mut doc, &header_row, &rows);

    let title = format!("{} 题目分析报告", info.exam_name);
    let right = format!("考生 {} 人　题目 {} 道", t.candidates, t.items);
    doc.finish(&title, |page, total| {
        let mut marks = footer(font, page, total);
        if page > 1 {
            marks.extend(header(font, &format!("{}　题目分析报告", info.exam_name), &right));
        }
        marks
    })
}

/// A "nice" axis maximum at or above `n` and its tick step (1, 2, 5 × 10^k).
fn axis(n: usize) -> (usize, usize) {
    let n = n.max(1);
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            let s = step * m;
            if n.div_ceil(s) <= 5 {
                return (n.div_ceil(s) * s, s);
            }
        }
        step *= 10;
    }
}

/// The score distribution as bars on ruled axes, with the mean (and pass mark) marked.
fn histogram(font: &PrintFont, bins: &[ScoreBin], mean: f64, pass: Option<Points>, x: f32, width: f32) -> Row {
    let height = 200.0;
    let (top, plot_h) = (22.0, 142.0);
    let bottom = top + plot_h;
    let axis_x = x + 30.0;
    let plot_w = width - 40.0;
    let mut m = Vec::new();
    let small = Style::regular(8.0);
    let max = bins.iter().map(|b| b.count).max().unwrap_or(0);
    let (ymax, ystep) = axis(max);
    // Grid lines and the count axis.
    let mut v = 0;
    while v <= ymax {
        let y = bottom - plot_h * v as f32 / ymax as f32;
        if v > 0 {
            m.push(Mark::Rule {
                x1: axis_x,
                y1: y,
                x2: axis_x + plot_w,
                y2: y,
                width: 0.3,
                grey: 0.7,
            });
        }
        m.push(text_right(font, axis_x - 4.0, y + 3.0, &v.to_string(), small));
        v += ystep;
    }
    m.push(Mark::text(x, top - 12.0, "人数", small));
    let lo = bins.first().map_or(0.0, |b| b.from.hundredths() as f32);
    let hi = bins.last().map_or(1.0, |b| b.to.hundredths() as f32);
    let span = (hi - lo).max(1.0);
    let at = |hundredths: f32| axis_x + plot_w * (hundredths - lo) / span;
    let label_every = bins.len().div_ceil(12).max(1);
    for (i, b) in bins.iter().enumerate() {
        let (x1, x2) = (at(b.from.hundredths() as f32), at(b.to.hundredths() as f32));
        if b.count > 0 {
            let h = plot_h * b.count as f32 / ymax as f32;
            m.push(Mark::Box {
                x: x1 + 0.8,
                y: bottom - h,
                w: (x2 - x1 - 1.6).max(0.5),
                h,
                line: Some(0.5),
                fill: Some(0.62),
            });
            m.push(text_centred(
                font,
                (x1 + x2) / 2.0,
                bottom - h - 3.0,
                &b.count.to_string(),
                small,
                0.0,
            ));
        }
        if i % label_every == 0 {
            m.push(Mark::vline(x1, bottom, bottom + 3.0, 0.5));
            m.push(text_centred(font, x1, bottom + 12.0, &b.from.to_string(), small, 0.0));
        }
    }
    if let Some(b) = bins.last() {
        let x2 = at(b.to.hundredths() as f32);
        m.push(Mark::vline(x2, bottom, bottom + 3.0, 0.5));
        m.push(text_centred(font, x2, bottom + 12.0, &b.to.to_string(), small, 0.0));
    }
    // Axes over the bars.
    m.push(Mark::hline(axis_x, axis_x + plot_w, bottom, 0.8));
    m.push(Mark::vline(axis_x, top, bottom, 0.8));
    // The mean and the pass mark.
    let mean_x = at(mean as f32 * 100.0);
    m.push(Mark::Rule {
        x1: mean_x,
        y1: top,
        x2: mean_x,
        y2: bottom,
        width: 1.2,
        grey: 0.0,
    });
    m.push(Mark::text(mean_x + 3.0, top + 8.0, format!("平均 {mean:.1}"), small));
    if let Some(p) = pass {
        let px = at(p.hundredths() as f32);
        if px >= axis_x && px <= axis_x + plot_w {
            for k in 0..15 {
                let y1 = top + 12.0 + k as f32 * 9.0;
                m.push(Mark::Rule {
                    x1: px,
                    y1,
                    x2: px,
                    y2: (y1 + 5.0).min(bottom),
                    width: 0.9,
                    grey: 0.3,
                });
            }
            m.push(Mark::text(px + 3.0, top + 22.0, format!("合格线 {p}"), small.grey(0.3)));
        }
    }
    m.push(text_centred(
        font,
        axis_x + plot_w / 2.0,
        bottom + 28.0,
        "总分（分）",
        small,
        0.0,
    ));
    Row { height, marks: m }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_maxima_are_round() {
        assert_eq!(axis(0), (1, 1));
        assert_eq!(axis(4), (4, 1));
        assert_eq!(axis(7), (8, 2));
        assert_eq!(axis(23), (25, 5));
        assert_eq!(axis(61), (80, 20));
    }
}
