//! The 成绩单 (score report) of one candidate, from their released result: who they are, the
//! total against the pass mark and the verdict, the points of each part (single choice,
//! multiple choice, each chosen open question), the objective points by module in a ruled
//! table, and the issuing office with the date.

use super::booklet::footer;
use super::document::{
    BODY, Document, Geometry, MM, Mark, PAGE_W, Row, Setting, Style, paragraph, text_centred, text_right,
};
use super::font::PrintFont;
use super::table::{Align, Column, Table};
use super::{PrintError, Printed, with_font};
use crate::results::{CandidateResult, verdict_zh};
use exam_rules::pass::ResultStatus;

/// Who issues score reports, as printed under them.
pub const ISSUER: &str = "中国质量协会　考务办公室";

/// What a score report says besides the result itself.
#[derive(Debug, Clone)]
pub struct ScoreReportInfo {
    /// The event's name ("2026 年质量经理职业资格考试").
    pub exam_name: String,
    /// The issuing date as printed ("2026 年 6 月 13 日").
    pub date: String,
}

/// The score report of one candidate, as PDF bytes.
pub fn score_report(result: &CandidateResult, info: &ScoreReportInfo) -> Result<Printed, PrintError> {
    with_font(|font| set(font, result, info))
}

const GEO: Geometry = Geometry::A4;
const SECTION_SET: Setting = Setting::new(Style::bold(12.0), 24.0);
const CELL_SET: Setting = Setting::new(Style::regular(BODY), 15.0);

fn set(font: &PrintFont, r: &CandidateResult, info: &ScoreReportInfo) -> super::document::Finished {
    let mut doc = Document::new(font, GEO);
    let centre = PAGE_W / 2.0;
    let left = GEO.left;
    let width = GEO.width();
    doc.row(&Row {
        height: 76.0,
        marks: vec![
            text_centred(font, centre, 20.0, &info.exam_name, Style::bold(16.0), 2.0),
            text_centred(font, centre, 54.0, "成　绩　单", Style::bold(22.0), 6.0),
            Mark::hline(left, GEO.right_edge(), 68.0, 1.0),
        ],
    });
    doc.skip(6.0);

    // Who: two label/value pairs per row.
    let who = Table {
        x: left,
        columns: vec![
            Column::new(70.0, Align::Centre),
            Column::new(width / 2.0 - 70.0, Align::Left),
            Column::new(70.0, Align::Centre),
            Column::new(width / 2.0 - 70.0, Align::Left),
        ],
        set: CELL_SET,
        pad_x: 6.0,
        pad_y: 3.0,
    };
    let verdict = verdict_zh(r);
    let rows = [
        who.row(font, &["姓　　名", &r.name, "准考证号", &r.ticket], false, None, true),
        who.row(font, &["考　　场", &r.room, "结　　论", verdict], false, None, false),
    ];
    doc.rows(&rows);
    let y = doc.y();
    doc.draw(Mark::hline(left, left + who.width(), y, 0.8));
    doc.skip(10.0);

    // The total, large, beside the pass mark and the verdict.
    let total = r.total.to_string();
    let total_w = font.width(&total, 30.0);
    doc.row(&Row {
        height: 46.0,
        marks: vec![
            Mark::text(left, 36.0, "总分", Style::bold(14.0)),
            Mark::text(left + 40.0, 36.0, &total, Style::bold(30.0)),
            Mark::text(left + 46.0 + total_w, 36.0, "分", Style::regular(12.0)),
            Mark::text(
                left + 70.0 + total_w,
                36.0,
                format!("（合格线 {} 分）", r.pass_mark),
                Style::regular(12.0),
            ),
            text_right(font, GEO.right_edge(), 36.0, verdict, Style::bold(22.0)),
        ],
    });
    if r.min_objective.is_some() || r.min_open.is_some() {
        let rule = format!("合格标准：{}", pass_rule(r).describe_zh());
        doc.rows(&paragraph(font, &rule, left, width, 0.0, CELL_SET));
    }
    doc.skip(6.0);

    // The parts.
    doc.rows(&paragraph(font, "一、各部分得分", left, width, 0.0, SECTION_SET));
    let parts = Table {
        x: left,
        columns: vec![
            Column::new(width * 0.6, Align::Left),
            Column::new(width * 0.4, Align::Centre),
        ],
        set: CELL_SET,
        pad_x: 8.0,
        pad_y: 2.5,
    };
    let mut lines: Vec<(String, String, bool)> = vec![
        ("单选题".into(), r.single.to_string(), false),
        ("多选题".into(), r.multi.to_string(), false),
        ("客观题小计".into(), r.objective.to_string(), true),
    ];
    if r.open.is_empty() {
        let note = if r.status == ResultStatus::Absent {
            "缺考"
        } else {
            "未作答"
        };
        lines.push(("开放题".into(), note.into(), false));
    }
    for o in &r.open {
        let mark = o.mark.map_or_else(|| "未评定".to_string(), |m| m.to_string());
        lines.push((format!("开放题　第 {} 题", o.no), mark, false));
    }
    lines.push(("开放题小计".into(), r.open_total.to_string(), true));
    lines.push(("总分".into(), r.total.to_string(), true));
    let header = parts.row(font, &["项目", "得分"], true, Some(0.9), true);
    let body: Vec<Row> = lines
        .iter()
        .map(|(label, value, strong)| parts.row(font, &[label, value], *strong, strong.then_some(0.96), false))
        .collect();
    parts.place(&mut doc, &header, &body);
    doc.skip(10.0);

    // The modules (objective points only: open questions span modules).
    doc.rows(&paragraph(font, "二、客观题分模块得分", left, width, 0.0, SECTION_SET));
    let modules = Table {
        x: left,
        columns: vec![
            Column::new(60.0, Align::Centre),
            Column::new(width * 0.6 - 60.0, Align::Left),
            Column::new(width * 0.4, Align::Centre),
        ],
        set: CELL_SET,
        pad_x: 8.0,
        pad_y: 2.5,
    };
    let header = modules.row(font, &["模块", "名称", "得分"], true, Some(0.9), true);
    let mut body: Vec<Row> = r
        .modules
        .iter()
        .map(|m| {
            let no = format!("第{}模块", super::zh_number(m.module as u32));
            modules.row(font, &[&no, &m.name, &m.points.to_string()], false, None, false)
        })
        .collect();
    body.push(modules.row(font, &["", "合计", &r.objective.to_string()], true, Some(0.96), false));
    modules.place(&mut doc, &header, &body);
    doc.skip(14.0);

    // Issuer and date, right-aligned, kept together with a short note.
    let right = GEO.right_edge();
    let note = Style::regular(9.0).grey(0.3);
    doc.block(&[Row {
        height: 70.0,
        marks: vec![
            Mark::text(
                left,
                12.0,
                "说明：本成绩单依据已发布的考试成绩打印；成绩以考务办公室发布的记录为准。",
                note,
            ),
            text_right(font, right, 40.0, ISSUER, Style::bold(12.0)),
            text_right(font, right, 62.0, &info.date, Style::regular(12.0)),
        ],
    }]);
    let title = format!("{} 成绩单 {}", info.exam_name, r.ticket);
    doc.finish(&title, |page, total| {
        let mut marks = footer(font, page, total);
        marks.push(Mark::text(GEO.left, 14.0 * MM, format!("准考证号 {}", r.ticket), note));
        marks
    })
}

fn pass_rule(r: &CandidateResult) -> exam_rules::pass::PassRule {
    exam_rules::pass::PassRule {
        total: r.pass_mark,
        min_objective: r.min_objective,
        min_open: r.min_open,
    }
}

#[cfg(test)]
mod tests {
    use question_bank::Points;

    use super::*;
    use crate::results::{ModuleScore, OpenScore};

    #[test]
    fn a_score_report_is_one_page_pdf() {
        let r = CandidateResult {
            candidate_id: 1,
            ticket: "DEMO0001".into(),
            name: "张三".into(),
            room: "第一考场".into(),
            status: ResultStatus::Complete,
            single: Points::whole(30),
            multi: Points::from_hundredths(2250),
            objective: Points::from_hundredths(5250),
            modules: vec![ModuleScore {
                module: 1,
                name: "质量管理概论".into(),
                points: Points::whole(10),
            }],
            open: (1..=3)
                .map(|no| OpenScore {
                    no,
                    mark: Some(Points::whole(5)),
                })
                .collect(),
            open_total: Points::whole(15),
            total: Points::from_hundredths(6750),
            pass_mark: Points::whole(60),
            min_objective: Some(Points::whole(36)),
            min_open: Some(Points::whole(24)),
            passed: Some(true),
        };
        let info = ScoreReportInfo {
            exam_name: "质量经理职业资格考试".into(),
            date: "2026 年 6 月 13 日".into(),
        };
        let p = score_report(&r, &info).unwrap();
        assert!(p.pdf.starts_with(b"%PDF-"));
        assert_eq!(p.pages, 1);
        assert!(p.notice.is_none(), "{:?}", p.notice);
    }
}
