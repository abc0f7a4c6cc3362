//! 质量经理职业资格证书: the certificate as the holder prints it — the title, the holder (name,
//! name in pinyin, ID number), the certificate number and the certification date, the issuing
//! bodies (§四 4.1: the China Association for Quality and the China Enterprise Confederation),
//! and a QR code of the public verification page, where anyone can see whether it is valid.

use super::booklet::footer;
use super::document::{Document, Geometry, MM, PAGE_W, Row, Setting, Style, paragraph, text_centred};
use super::font::PrintFont;
use super::table::{Align, Column, Table};
use super::ticket::qr;
use super::{PrintError, Printed, with_font};

/// What one certificate says.
#[derive(Debug, Clone)]
pub struct CertificateInfo {
    pub name: String,
    pub name_pinyin: String,
    pub id_number: String,
    pub number: String,
    /// "2027 年 5 月 20 日"
    pub certified_on: String,
    /// The public verification page's full address (the QR code's content).
    pub verify_url: String,
}

/// The bodies that issue the certificate jointly (§四 4.1).
pub const ISSUERS: [&str; 2] = ["中国质量协会", "中国企业联合会"];

const GEO: Geometry = Geometry::A4;
const CELL_SET: Setting = Setting::new(Style::regular(13.0), 19.0);
const BODY_SET: Setting = Setting::new(Style::regular(12.0), 20.0);
const QR_SIDE: f32 = 34.0 * MM;

/// The certificate as a one-page PDF.
pub fn certificate(info: &CertificateInfo) -> Result<Printed, PrintError> {
    with_font(|font| set(font, info))
}

fn set(font: &PrintFont, c: &CertificateInfo) -> super::document::Finished {
    let mut doc = Document::new(font, GEO);
    let (left, width, centre) = (GEO.left, GEO.width(), PAGE_W / 2.0);
    doc.row(&Row {
        height: 110.0,
        marks: vec![
            text_centred(font, centre, 40.0, "质量经理职业资格证书", Style::bold(26.0), 4.0),
            text_centred(
                font,
                centre,
                72.0,
                "Certified Quality Manager（注册质量经理 · 质量专业职业经理人）",
                Style::regular(11.0).grey(0.3),
                0.5,
            ),
            super::document::Mark::hline(left, GEO.right_edge(), 96.0, 1.4),
        ],
    });
    doc.skip(18.0);
    doc.rows(&paragraph(
        font,
        &format!(
            "{} 经质量经理职业资格认证委员会审查、评定，符合质量经理职业资格认证要求，特颁发此证书。",
            c.name
        ),
        left,
        width,
        24.0,
        BODY_SET,
    ));
    doc.skip(16.0);
    let table = Table {
        x: left,
        columns: vec![Column::new(96.0, Align::Centre), Column::new(width - 96.0, Align::Left)],
        set: CELL_SET,
        pad_x: 10.0,
        pad_y: 6.0,
    };
    let lines = [
        ("姓　　名", c.name.as_str()),
        ("姓名拼音", c.name_pinyin.as_str()),
        ("身份证号", c.id_number.as_str()),
        ("证书编号", c.number.as_str()),
        ("认证日期", c.certified_on.as_str()),
    ];
    let rows: Vec<Row> = lines
        .iter()
        .enumerate()
        .map(|(k, (label, value))| table.row(font, &[label, value], k == 3, None, k == 0))
        .collect();
    doc.rows(&rows);
    let bottom = doc.y();
    doc.draw(super::document::Mark::hline(left, left + table.width(), bottom, 0.8));
    doc.skip(30.0);

    // The QR code of the verification page, with the address spelled out beneath it.
    let top = doc.y();
    qr(&mut doc, &c.verify_url, centre - QR_SIDE / 2.0, top, QR_SIDE);
    doc.skip(QR_SIDE + 6.0);
    doc.rows(&paragraph(
        font,
        &format!("扫码或访问 {} 查验证书状态", c.verify_url),
        left,
        width,
        0.0,
        Setting::new(Style::regular(9.5).grey(0.3), 14.0),
    ));
    doc.skip(40.0);
    doc.block(&[Row {
        height: 60.0,
        marks: vec![
            text_centred(font, left + width * 0.27, 20.0, ISSUERS[0], Style::bold(14.0), 1.0),
            text_centred(font, left + width * 0.73, 20.0, ISSUERS[1], Style::bold(14.0), 1.0),
            text_centred(font, centre, 48.0, &c.certified_on, Style::regular(12.0), 0.5),
        ],
    }]);
    let title = format!("质量经理职业资格证书 {}", c.number);
    doc.finish(&title, |page, total| footer(font, page, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_is_one_page_naming_the_holder_and_both_bodies() {
        let p = certificate(&CertificateInfo {
            name: "张三".into(),
            name_pinyin: "ZHANG San".into(),
            id_number: "11010519491231002X".into(),
            number: "CMQ-2027-000001-5".into(),
            certified_on: "2027 年 5 月 20 日".into(),
            verify_url: "http://127.0.0.1:8080/verify/CMQ-2027-000001-5".into(),
        })
        .unwrap();
        assert!(p.pdf.starts_with(b"%PDF-"));
        assert_eq!(p.pages, 1);
        assert!(p.notice.is_none(), "{:?}", p.notice);
    }
}
