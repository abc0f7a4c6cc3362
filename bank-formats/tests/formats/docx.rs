//! Word: numbered questions, options on their own lines and inline, marker lines, section
//! headings, Word's automatic numbering, shapes and formulas named, pictures carried (tests in pictures.rs).

use bank_formats::{Format, import};
use question_bank::{ItemBody, ItemKind, Points};

use crate::common::*;

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const M: &str = "http://schemas.openxmlformats.org/officeDocument/2006/math";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn para(text: &str) -> String {
    format!("<w:p><w:r><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>", esc(text))
}

/// A paragraph in Word's automatic list `num` at `level` (the number is not in the text).
fn listed(num: u32, level: u32, text: &str) -> String {
    format!(
        "<w:p><w:pPr><w:numPr><w:ilvl w:val=\"{level}\"/><w:numId w:val=\"{num}\"/></w:numPr></w:pPr>\
         <w:r><w:t>{}</w:t></w:r></w:p>",
        esc(text)
    )
}

/// A minimal .docx: content types, document.xml and, when given, numbering.xml.
pub fn docx(paragraphs: &[String], numbering: Option<&str>) -> Vec<u8> {
    let types = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:document xmlns:w=\"{W}\" xmlns:m=\"{M}\"><w:body>{}<w:sectPr/></w:body></w:document>",
        paragraphs.concat()
    );
    let mut entries = vec![
        ("[Content_Types].xml", types.as_bytes().to_vec()),
        ("word/document.xml", document.into_bytes()),
    ];
    if let Some(n) = numbering {
        entries.push(("word/numbering.xml", n.as_bytes().to_vec()));
    }
    zip(&entries)
}

#[test]
fn a_word_paper_with_sections_markers_and_inline_options() {
    let picture = "<w:p><w:r><w:drawing><wp:inline xmlns:wp=\"x\"/></w:drawing></w:r></w:p>";
    let formula =
        "<w:p><w:r><w:t xml:space=\"preserve\">2、下列关于 </w:t></w:r><m:oMath><m:r><m:t>σ</m:t></m:r></m:oMath>\
         <w:r><w:t xml:space=\"preserve\"> 的说法，正确的是</w:t></w:r></w:p>"
            .to_string();
    let paragraphs = vec![
        para("CMQ 质量经理模拟题（第一套）"),                // 1
        para("一、单项选择题（每题 1 分）"),                 // 2
        para("1．朱兰提出的“质量管理三部曲”是指（　　）。"), // 3
        para("A．质量策划、质量控制、质量改进"),
        para("B．质量计划、质量保证、质量改进"),
        para("C．质量检验、统计质量控制、全面质量管理"),
        para("D．计划、实施、检查、处置"),
        para("【答案】A"),
        para("【解析】朱兰三部曲由三个管理过程组成。"),
        para("【模块】1【知识点】朱兰质量三部曲"), // 10
        formula,                                   // 11
        para("A、甲  B、乙\tC、丙  D、丁"),
        para("【答案】Ｃ"),
        para("【模块】质量与质量管理"),
        para(""),
        para("二、多项选择题"), // 16
        para("（1）常用于分析原因的工具有"),
        para("(A)因果图 (B)排列图 (C)控制图 (D)5Why"),
        para("答案：A、D"),
        para("【模块】6"), // 20
        para("（2）只有一个答案的多选题"),
        para("A.甲 B.乙 C.丙 D.丁"),
        para("【答案】B"),
        para("【模块】6"),
        para("三、案例分析题"), // 25
        para("1. 某企业顾客投诉居高不下，请分析原因并提出改进措施。"),
        picture.to_string(),
        para("【模块】5"),
        para("【评分要点】"),
        para("1. 指出主要原因（8分）"), // 30
        para("2. 提出改进措施（8分）"),
        para("3. 说明验证方法（4分）"),
        para("【解析】从人、机、料、法、环、测分析。"),
        para("2. 请论述质量文化建设。"), // 34
    ];
    let bytes = docx(&paragraphs, None);
    assert_eq!(Format::detect("模拟题.docx", &bytes), Some(Format::Docx));
    let import = import("模拟题.docx", &bytes, Format::Docx);
    assert_eq!(
        ids(&import),
        ["item-p0003", "item-p0011", "item-p0017", "item-p0026"],
        "{import}"
    );
    assert_eq!(import.read, 6);
    assert_eq!(
        spell(&import.problems),
        [
            p(
                "第 21 段",
                Some("item-p0021"),
                Some("【答案】"),
                "多选题至少要有 2 个正确选项，现为 1 个"
            ),
            p(
                "第 34 段",
                Some("item-p0034"),
                Some("【模块】"),
                "缺少模块（应为 1–6 或模块名称，如“质量驱动力”）"
            ),
            p(
                "第 34 段",
                Some("item-p0034"),
                Some("【评分要点】"),
                "开放题缺少评分要点"
            ),
        ]
    );
    assert_eq!(
        spell(&import.not_represented),
        [
            p(
                "第 11 段",
                Some("item-p0011"),
                None,
                "Word 公式已按纯文字导入，格式（上下标、分式等）未保留"
            ),
            p(
                "第 26 段",
                Some("item-p0026"),
                None,
                "（第 27 段）图形（形状、文本框或图表）未导入：Kaowu 只能导入 PNG 或 JPEG 图片"
            ),
        ]
    );
    assert!(import.warnings.is_empty());
    assert_chinese(&import);

    let q1 = item(&import, "item-p0003");
    assert_eq!(q1.stem, "朱兰提出的“质量管理三部曲”是指。");
    assert_eq!(options(q1)[0], "质量策划、质量控制、质量改进");
    assert_eq!(
        (q1.kind(), key(q1), q1.module.number()),
        (ItemKind::Single, "A".into(), 1)
    );
    assert_eq!(q1.explanation.as_deref(), Some("朱兰三部曲由三个管理过程组成。"));
    assert_eq!(q1.knowledge_point.as_deref(), Some("朱兰质量三部曲"));
    let q2 = item(&import, "item-p0011");
    assert_eq!(q2.stem, "下列关于 σ 的说法，正确的是");
    assert_eq!(options(q2), ["甲", "乙", "丙", "丁"]);
    assert_eq!(key(q2), "C");
    let m1 = item(&import, "item-p0017");
    assert_eq!(
        (m1.kind(), key(m1), m1.module.number()),
        (ItemKind::Multi, "AD".into(), 6)
    );
    assert_eq!(options(m1), ["因果图", "排列图", "控制图", "5Why"]);
    let open = item(&import, "item-p0026");
    assert_eq!(open.kind(), ItemKind::Open);
    let ItemBody::Open { rubric } = &open.body else {
        unreachable!()
    };
    let points: Vec<(&str, Points)> = rubric.iter().map(|r| (r.point.as_str(), r.share)).collect();
    assert_eq!(
        points,
        [
            ("指出主要原因", Points::whole(8)),
            ("提出改进措施", Points::whole(8)),
            ("说明验证方法", Points::whole(4)),
        ]
    );
    assert_eq!(open.explanation.as_deref(), Some("从人、机、料、法、环、测分析。"));
}

#[test]
fn words_automatic_numbering_is_read_as_the_numbers_word_shows() {
    let numbering = format!(
        "<w:numbering xmlns:w=\"{W}\"><w:abstractNum w:abstractNumId=\"7\">\
         <w:lvl w:ilvl=\"0\"><w:start w:val=\"1\"/><w:numFmt w:val=\"decimal\"/><w:lvlText w:val=\"%1.\"/></w:lvl>\
         <w:lvl w:ilvl=\"1\"><w:start w:val=\"1\"/><w:numFmt w:val=\"upperLetter\"/><w:lvlText w:val=\"%2.\"/></w:lvl>\
         </w:abstractNum><w:num w:numId=\"3\"><w:abstractNumId w:val=\"7\"/></w:num></w:numbering>"
    );
    let mut paragraphs = vec![para("二、多项选择题"), para("【模块】不是题目前的标记")];
    for (stem, key) in [("第一题", "AB"), ("第二题", "CD")] {
        paragraphs.push(listed(3, 0, stem));
        for o in ["甲", "乙", "丙", "丁"] {
            paragraphs.push(listed(3, 1, o));
        }
        paragraphs.push(para(&format!("【答案】{key}　【模块】4")));
    }
    let import = import("auto.docx", &docx(&paragraphs, Some(&numbering)), Format::Docx);
    assert!(import.problems.is_empty(), "{import}");
    assert_eq!(ids(&import), ["auto-p0003", "auto-p0009"]);
    let second = item(&import, "auto-p0009");
    assert_eq!((second.stem.as_str(), key(second)), ("第二题", "CD".to_string()));
    assert_eq!(options(second), ["甲", "乙", "丙", "丁"]);
}

#[test]
fn a_file_that_is_no_word_document_is_one_clear_problem() {
    let import = import("x.docx", &zip(&[("a.txt", b"x".to_vec())]), Format::Docx);
    assert_eq!(
        spell(&import.problems),
        [p("", None, None, "文件中没有 word/document.xml，不是 Word 文档")]
    );
}
