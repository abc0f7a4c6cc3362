//! 密码条 (password slips): the initial passwords an import issues, one slip per candidate, six to
//! an A4 page with cut lines, for the office to cut and hand out (or put in the envelope with the
//! admission ticket). The server keeps no password in clear: it prints only what the import just
//! returned to the console, which sends it back for printing.

use super::booklet::footer;
use super::document::{Document, Geometry, Mark, Row, Style, text_centred};
use super::{PrintError, Printed, with_font};

/// One candidate's slip.
#[derive(Debug, Clone)]
pub struct PasswordSlip {
    pub ticket: String,
    pub name: String,
    pub room: String,
    pub seat: String,
    pub password: String,
}

/// What every slip of an event says.
#[derive(Debug, Clone)]
pub struct SlipInfo {
    pub exam_name: String,
    /// "2026年12月6日 09:00–12:00（北京时间）"
    pub when: String,
}

/// The slips, six to a page, as one PDF.
pub fn password_slips(slips: &[PasswordSlip], info: &SlipInfo) -> Result<Printed, PrintError> {
    with_font(|font| {
        let geo = Geometry::A4;
        let mut doc = Document::new(font, geo);
        let (left, right) = (geo.left, geo.right_edge());
        let centre = (left + right) / 2.0;
        for s in slips {
            let mut marks = vec![
                Mark::text(
                    left + 6.0,
                    22.0,
                    format!("{} · 考试登录密码条", info.exam_name),
                    Style::bold(11.5),
                ),
                Mark::text(
                    left + 6.0,
                    44.0,
                    format!(
                        "姓名：{}　　准考证号：{}　　考场：{}　　座位：{}",
                        s.name, s.ticket, s.room, s.seat
                    ),
                    Style::regular(11.0),
                ),
                Mark::text(left + 6.0, 72.0, "初始密码：", Style::regular(11.0)),
                Mark::text(left + 66.0, 73.0, s.password.clone(), Style::bold(17.0)),
                Mark::text(
                    left + 6.0,
                    94.0,
                    format!(
                        "考试时间：{}。考试时在考场计算机上输入准考证号和此密码登录。",
                        info.when
                    ),
                    Style::regular(9.0).grey(0.25),
                ),
                Mark::text(
                    left + 6.0,
                    108.0,
                    "请妥善保管，不得转借他人；遗失请联系考务办公室或监考老师。",
                    Style::regular(9.0).grey(0.25),
                ),
            ];
            // The cut line: short dashes across the page, with a note in the middle.
            let mut x = left;
            while x < right {
                marks.push(Mark::Rule {
                    x1: x,
                    y1: 124.0,
                    x2: (x + 4.0).min(right),
                    y2: 124.0,
                    width: 0.5,
                    grey: 0.5,
                });
                x += 8.0;
            }
            marks.push(text_centred(
                font,
                centre,
                121.0,
                "沿虚线剪开",
                Style::regular(6.5).grey(0.5),
                0.0,
            ));
            doc.block(&[Row { height: 128.0, marks }]);
        }
        let title = format!("{} 密码条", info.exam_name);
        doc.finish(&title, |page, total| footer(font, page, total))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_slips_to_a_page() {
        let slips: Vec<PasswordSlip> = (1..=7)
            .map(|i| PasswordSlip {
                ticket: format!("W{i:04}"),
                name: format!("考生{i}"),
                room: "第二考场".into(),
                seat: format!("{i:02}"),
                password: format!("pw-{i}-secret"),
            })
            .collect();
        let info = SlipInfo {
            exam_name: "质量经理职业资格考试".into(),
            when: "2026年12月6日 09:00–12:00（北京时间）".into(),
        };
        let printed = password_slips(&slips, &info).unwrap();
        assert_eq!(printed.pages, 2, "six to a page");
        assert!(printed.pdf.starts_with(b"%PDF-"));
    }
}
