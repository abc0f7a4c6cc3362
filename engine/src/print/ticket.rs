//! 准考证 (admission tickets): one A4 page per candidate — the exam, who they are (name, name in
//! pinyin, ID number), where (ticket, room, seat), when (the start, the late-entry cut-off, the
//! common end), a QR code of the ticket number for the door check, and the rules for candidates
//! (考生须知). Printed by the office 5–10 days before the exam.

use qrcode::{Color, EcLevel, QrCode};

use super::booklet::footer;
use super::document::{Document, Geometry, MM, Mark, PAGE_W, Row, Setting, Style, paragraph, text_centred};
use super::font::PrintFont;
use super::score_report::ISSUER;
use super::table::{Align, Column, Table};
use super::{PrintError, Printed, with_font};

/// One candidate's ticket: the candidate as registered for the event.
pub use crate::store::Registered as AdmissionTicket;

/// What every ticket of an event says.
#[derive(Debug, Clone)]
pub struct TicketInfo {
    pub exam_name: String,
    /// "2026年12月6日 09:00–12:00（北京时间，180 分钟）"
    pub when: String,
    /// "09:30 后不得入场"
    pub cutoff: String,
    /// The rules for candidates, one per paragraph (numbered when printed).
    pub rules: Vec<String>,
    /// The photo (PNG or JPEG) of each candidate who registered online, by ticket: printed
    /// beside the table, 25 × 35 mm.
    pub photos: std::collections::HashMap<String, std::sync::Arc<Vec<u8>>>,
}

/// The tickets of `candidates`, one page each, as one PDF.
pub fn admission_tickets(candidates: &[AdmissionTicket], info: &TicketInfo) -> Result<Printed, PrintError> {
    with_font(|font| set(font, candidates, info))
}

const GEO: Geometry = Geometry::A4;
const CELL_SET: Setting = Setting::new(Style::regular(12.0), 17.0);
const RULE_SET: Setting = Setting::new(Style::regular(10.5), 17.0);
const SECTION_SET: Setting = Setting::new(Style::bold(12.5), 26.0);
/// The QR code's side, and the gap between it and the table.
const QR_SIDE: f32 = 36.0 * MM;
const QR_GAP: f32 = 8.0;
/// The photo's width and height (a 1-inch photo, 25 × 35 mm).
const PHOTO_W: f32 = 25.0 * MM;
const PHOTO_H: f32 = 35.0 * MM;

fn set(font: &PrintFont, candidates: &[AdmissionTicket], info: &TicketInfo) -> super::document::Finished {
    let mut doc = Document::new(font, GEO);
    let (left, width, centre) = (GEO.left, GEO.width(), PAGE_W / 2.0);
    for (i, c) in candidates.iter().enumerate() {
        if i > 0 {
            doc.new_page();
        }
        doc.row(&Row {
            height: 78.0,
            marks: vec![
                text_centred(font, centre, 20.0, &info.exam_name, Style::bold(15.0), 1.5),
                text_centred(font, centre, 56.0, "准　考　证", Style::bold(24.0), 8.0),
                Mark::hline(left, GEO.right_edge(), 70.0, 1.2),
            ],
        });
        doc.skip(8.0);

        // Who and where, in a ruled table; the photo (if any) and the QR code of the ticket
        // number beside it.
        let photo = info.photos.get(&c.ticket);
        let photo_space = if photo.is_some() { PHOTO_W + QR_GAP } else { 0.0 };
        let table_w = width - QR_SIDE - QR_GAP - photo_space;
        let who = Table {
            x: left,
            columns: vec![
                Column::new(78.0, Align::Centre),
                Column::new(table_w - 78.0, Align::Left),
            ],
            set: CELL_SET,
            pad_x: 8.0,
            pad_y: 4.0,
        };
        let top = doc.y();
        let lines = [
            ("姓　　名", c.name.as_str()),
            ("姓名拼音", c.pinyin.as_str()),
            ("身份证号", c.id_number.as_str()),
            ("准考证号", c.ticket.as_str()),
            ("考　　场", c.room.as_str()),
            ("座 位 号", c.seat.as_str()),
        ];
        let rows: Vec<Row> = lines
            .iter()
            .enumerate()
            .map(|(k, (label, value))| who.row(font, &[label, value], k == 3, None, k == 0))
            .collect();
        doc.rows(&rows);
        let bottom = doc.y();
        doc.draw(Mark::hline(left, left + who.width(), bottom, 0.8));
        qr(&mut doc, &c.ticket, GEO.right_edge() - QR_SIDE, top, QR_SIDE);
        if let Some(bytes) = photo {
            doc.draw(Mark::Image {
                x: GEO.right_edge() - QR_SIDE - QR_GAP - PHOTO_W,
                y: top,
                w: PHOTO_W,
                h: PHOTO_H,
                bytes: bytes.clone(),
            });
            doc.draw(Mark::frame(
                GEO.right_edge() - QR_SIDE - QR_GAP - PHOTO_W,
                top,
                PHOTO_W,
                PHOTO_H,
                0.5,
            ));
        }
        doc.draw(text_centred(
            font,
            GEO.right_edge() - QR_SIDE / 2.0,
            top + QR_SIDE + 14.0,
            "入场核验码",
            Style::regular(9.0).grey(0.3),
            1.0,
        ));
        doc.skip(14.0);

        // When.
        doc.rows(&paragraph(
            font,
            &format!("考试时间：{}", info.when),
            left,
            width,
            0.0,
            CELL_SET,
        ));
        doc.rows(&paragraph(
            font,
            &format!("入场：{}，须凭本准考证和有效身份证件入场。", info.cutoff),
            left,
            width,
            0.0,
            CELL_SET,
        ));
        doc.skip(10.0);

        // The rules, numbered, kept together.
        let mut rules = paragraph(font, "考生须知", left, width, 0.0, SECTION_SET);
        for (k, rule) in info.rules.iter().enumerate() {
            rules.extend(paragraph(
                font,
                &format!("{}. {rule}", k + 1),
                left,
                width,
                0.0,
                RULE_SET,
            ));
        }
        doc.block(&rules);
        doc.skip(16.0);
        doc.block(&[Row {
            height: 30.0,
            marks: vec![super::document::text_right(
                font,
                GEO.right_edge(),
                18.0,
                ISSUER,
                Style::bold(12.0),
            )],
        }]);
    }
    let title = format!("{} 准考证", info.exam_name);
    doc.finish(&title, |page, total| footer(font, page, total))
}

/// `text` (a ticket number, an address) as a QR code `side` wide, its top-left corner at (`x`,
/// `top`), with a quiet zone of two modules inside the square.
pub(super) fn qr(doc: &mut Document, text: &str, x: f32, top: f32, side: f32) {
    let Ok(code) = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M) else {
        return; // A ticket or an address of this server: always encodable.
    };
    let n = code.width();
    let module = side / (n + 4) as f32;
    let colors = code.to_colors();
    for (k, color) in colors.iter().enumerate() {
        if *color == Color::Dark {
            let (row, col) = (k / n, k % n);
            doc.draw(Mark::Box {
                x: x + (col + 2) as f32 * module,
                y: top + (row + 2) as f32 * module,
                w: module + 0.05,
                h: module + 0.05,
                line: None,
                fill: Some(0.0),
            });
        }
    }
    doc.draw(Mark::frame(x, top, side, side, 0.5));
}

/// The rules for candidates as the office prints them, with the event's own times.
pub fn candidate_rules(cutoff_clock: &str, results_after_days: u32) -> Vec<String> {
    vec![
        "请于开考前 30 分钟到达考场，凭本准考证和有效身份证件（与报名时一致）接受核验后入场，按考场和座位号就座；两证缺一不得入场。".into(),
        format!("{cutoff_clock}后不得入场。迟到考生的考试结束时间不变，统一结束时系统自动交卷。"),
        "考试在计算机上作答，登录密码另行发放，请妥善保管，不得转借他人。答案随作答自动保存。".into(),
        "手机、智能手表等电子设备和书籍资料一律不得带至座位，须关机后交监考老师统一保管。可使用考场提供的草稿纸，考后交回。".into(),
        "考试中如遇计算机故障，请举手示意监考老师，不要自行重启或更换机位；已保存的答案不会丢失。".into(),
        "开放题（论述题）五选三作答，每题 20 分；客观题含单项选择题和多项选择题。".into(),
        format!("成绩约于考后 {results_after_days} 天发布，考生用准考证号和密码登录考试系统查询。"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_page_per_candidate_with_its_qr_code() {
        let c = |ticket: &str, name: &str| AdmissionTicket {
            ticket: ticket.into(),
            name: name.into(),
            pinyin: "Zhang San".into(),
            id_number: "11010519491231002X".into(),
            room: "第一考场".into(),
            seat: "01".into(),
        };
        let info = TicketInfo {
            exam_name: "2026 年质量经理职业资格考试".into(),
            when: "2026年12月6日 09:00–12:00（北京时间，180 分钟）".into(),
            cutoff: "09:30 后不得入场".into(),
            rules: candidate_rules("09:30", 60),
            photos: Default::default(),
        };
        let p = admission_tickets(&[c("DEMO0001", "张三"), c("DEMO0002", "李四")], &info).unwrap();
        assert!(p.pdf.starts_with(b"%PDF-"));
        assert_eq!(p.pages, 2);
        assert!(p.notice.is_none(), "{:?}", p.notice);
        let code = QrCode::new(b"DEMO0001").unwrap();
        assert!(code.width() >= 21, "a QR code of version 1 or more");
    }
}
