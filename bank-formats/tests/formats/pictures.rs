//! Pictures in and out: each format that carries them brings a question's pictures with it
//! (bytes, names, the loader's checks), a picture the file points at but does not hold or that
//! is no PNG or JPEG is named at its place, and every export that can carry pictures reads back
//! to the same items and the same content hash. GIFT cannot: its export is refused.

use bank_formats::{ExportError, Format, Import, export, import, to_bank_files, to_bank_images};
use question_bank::Bank;

use crate::common::*;

fn files(import: &Import, id: &str) -> Vec<String> {
    item(import, id).images.iter().map(|i| i.file.clone()).collect()
}

/// What was not kept, as (place, item, message).
fn lost(import: &Import) -> Vec<(String, Option<String>, String)> {
    import
        .not_represented
        .iter()
        .map(|p| (p.place.to_string(), p.item.clone(), p.message.clone()))
        .collect()
}

const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";

// ---------------------------------------------------------------------------------------------
// Word

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

fn para(text: &str) -> String {
    format!("<w:p><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>")
}

/// A picture as Word writes it: an inline drawing whose blip embeds relationship `rid`.
fn drawing(rid: &str) -> String {
    format!(
        "<w:r><w:drawing><wp:inline><wp:docPr id=\"1\" name=\"图片 1\"/><a:graphic><a:graphicData>\
         <pic:pic><pic:blipFill><a:blip r:embed=\"{rid}\"/></pic:blipFill></pic:pic>\
         </a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
    )
}

#[test]
fn a_word_question_brings_the_pictures_of_its_stem() {
    let chart = png(4, 3, [10, 120, 10]);
    let body = [
        para("一、单项选择题"),
        // 2: the stem with a picture in the same paragraph, 3: a picture paragraph of its own.
        format!(
            "<w:p><w:r><w:t>1. 下图所示的质量工具是（ ）</w:t></w:r>{}</w:p>",
            drawing("rId7")
        ),
        format!("<w:p>{}</w:p>", drawing("rId8")),
        para("A. 排列图 B. 因果图 C. 控制图 D. 直方图"),
        para("【答案】C"),
        para("【模块】6"),
        // 7: a second question, its picture a GIF; 8: a linked picture; 10: one in the explanation.
        format!(
            "<w:p><w:r><w:t>2. 观察下图，选出正确的说法</w:t></w:r>{}</w:p>",
            drawing("rId9")
        ),
        format!("<w:p>{}</w:p>", drawing("rId10")),
        para("A. 甲 B. 乙 C. 丙 D. 丁"),
        format!("<w:p><w:r><w:t>【解析】见图</w:t></w:r>{}</w:p>", drawing("rId7")),
        para("【答案】A"),
        para("【模块】6"),
    ];
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:document xmlns:w=\"{W}\" xmlns:r=\"r\" xmlns:wp=\"wp\" xmlns:a=\"a\" xmlns:pic=\"pic\">\
         <w:body>{}<w:sectPr/></w:body></w:document>",
        body.concat()
    );
    let rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
  <Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/image1.png"/>
  <Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/image2.jpeg"/>
  <Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/image3.gif"/>
  <Relationship Id="rId10" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="file:///C:/图片/散布图.png" TargetMode="External"/>
</Relationships>"#;
    let jpeg = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00 a JPEG's first bytes".to_vec();
    let bytes = zip(&[
        ("word/document.xml", document.into_bytes()),
        ("word/_rels/document.xml.rels", rels.as_bytes().to_vec()),
        ("word/media/image1.png", chart.clone()),
        ("word/media/image2.jpeg", jpeg.clone()),
        ("word/media/image3.gif", GIF.to_vec()),
    ]);
    let import = import("工具题.docx", &bytes, Format::Docx);
    assert!(import.problems.is_empty(), "{import}");
    // Named after the item, extension by the bytes, in the order of the paragraphs.
    assert_eq!(files(&import, "item-p0002"), ["item-p0002-1.png", "item-p0002-2.jpg"]);
    assert_eq!(import.images["item-p0002-1.png"], chart);
    assert_eq!(import.images["item-p0002-2.jpg"], jpeg);
    assert!(files(&import, "item-p0007").is_empty());
    assert_eq!(import.images.len(), 2, "only the pictures items show");
    assert_eq!(
        lost(&import),
        [
            (
                "第 7 段".to_string(),
                Some("item-p0007".to_string()),
                "图片“image3.gif”是 GIF 格式，Kaowu 只收 PNG 或 JPEG 图片：本题导入时不含此图片（可另存为 PNG 后重新导入）"
                    .to_string()
            ),
            (
                "第 7 段".to_string(),
                Some("item-p0007".to_string()),
                "图片“file:///C:/图片/散布图.png”不在文件中：本题导入时不含此图片".to_string()
            ),
            (
                "第 7 段".to_string(),
                Some("item-p0007".to_string()),
                "（第 10 段）【解析】中的图片“image1.png”未导入：Kaowu 的图片只显示在题干下".to_string()
            ),
        ]
    );
    assert_chinese(&import);
}

// ---------------------------------------------------------------------------------------------
// Moodle XML

fn moodle_question(name: &str, text: &str, files: &str) -> String {
    format!(
        r#"  <question type="multichoice">
    <name><text>{name}</text></name>
    <questiontext format="html">
      <text><![CDATA[{text}]]></text>
      {files}
    </questiontext>
    <single>true</single>
    <answer fraction="100"><text>排列图</text></answer>
    <answer fraction="0"><text>因果图</text></answer>
    <answer fraction="0"><text>控制图</text></answer>
    <answer fraction="0"><text>直方图</text></answer>
  </question>
"#
    )
}

#[test]
fn a_moodle_question_brings_its_base64_pictures_and_names_the_missing_one() {
    let chart = png(2, 2, [1, 2, 3]);
    let b64 = |b: &[u8]| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(b)
    };
    let too_big = [b"\x89PNG\r\n\x1a\n".to_vec(), vec![0; 2 * 1024 * 1024]].concat();
    let quiz = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<quiz>\n  <question type=\"category\"><category><text>$course$/题库/模块6</text></category></question>\n{}{}{}</quiz>\n",
        moodle_question(
            "P1",
            r#"<p>下图是</p><p><img src="@@PLUGINFILE@@/pareto%20chart.png" alt="排列图示例"></p><p><img src="@@PLUGINFILE@@/chart.png"></p>"#,
            &format!(
                r#"<file name="pareto chart.png" path="/" encoding="base64">{}</file>
      <file name="chart.png" path="/" encoding="base64">{}</file>"#,
                b64(&chart),
                // Wrapped over lines, as some exports write it.
                b64(&png(1, 1, [9, 9, 9]))
                    .as_bytes()
                    .chunks(20)
                    .map(|c| std::str::from_utf8(c).unwrap())
                    .collect::<Vec<_>>()
                    .join("\n        ")
            )
        ),
        moodle_question(
            "P2",
            r#"<p>见下图</p><img src="@@PLUGINFILE@@/gone.png" alt="缺图">"#,
            ""
        ),
        moodle_question(
            "P3",
            r#"<p>见下图</p><img src="@@PLUGINFILE@@/big.png">"#,
            &format!(
                r#"<file name="big.png" path="/" encoding="base64">{}</file>"#,
                b64(&too_big)
            )
        ),
    );
    let import = import("tu.xml", quiz.as_bytes(), Format::Moodle);
    // A name that is no bank file name (a space) is replaced by the item's; a valid one is kept.
    assert_eq!(files(&import, "P1"), ["P1-1.png", "chart.png"]);
    assert_eq!(import.images["P1-1.png"], chart);
    assert_eq!(import.images["chart.png"], png(1, 1, [9, 9, 9]));
    assert_eq!(item(&import, "P1").stem, "下图是");
    // The missing picture is named; the question comes without it.
    assert!(files(&import, "P2").is_empty());
    assert_eq!(
        lost(&import),
        [(
            "元素 quiz/question[3]".to_string(),
            Some("P2".to_string()),
            "图片“gone.png”不在文件中：本题导入时不含此图片".to_string()
        )]
    );
    // The picture over 2 MB refuses its question, by the loader's own check, at its place.
    assert_eq!(ids(&import), ["P1", "P2"]);
    assert_eq!(
        spell(&import.problems),
        [p(
            "元素 quiz/question[4]",
            Some("P3"),
            Some("图片"),
            "图片“big.png”：图片过大（2048 KB，最多 2048 KB）"
        )]
    );
    assert_chinese(&import);
}

// ---------------------------------------------------------------------------------------------
// QTI

fn qti_item(id: &str, body: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="{id}" title="{id}" adaptive="false" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>A</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="KAOWU_MODULE" cardinality="single" base-type="integer">
    <qti-default-value><qti-value>6</qti-value></qti-default-value>
  </qti-outcome-declaration>
  <qti-item-body>
    {body}
    <qti-choice-interaction response-identifier="RESPONSE" max-choices="1">
      <qti-simple-choice identifier="A">排列图</qti-simple-choice>
      <qti-simple-choice identifier="B">因果图</qti-simple-choice>
      <qti-simple-choice identifier="C">控制图</qti-simple-choice>
      <qti-simple-choice identifier="D">直方图<img src="../media/d.png" alt="直方图示例"/></qti-simple-choice>
    </qti-choice-interaction>
  </qti-item-body>
</qti-assessment-item>
"#
    )
    .into_bytes()
}

#[test]
fn a_qti_package_brings_the_pictures_of_each_item_body() {
    let fig = png(5, 5, [50, 50, 50]);
    let photo = png(2, 3, [250, 250, 0]);
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1" identifier="M">
  <resources>
    <resource identifier="R1" type="imsqti_item_xmlv3p0" href="items/q1.xml"><file href="items/q1.xml"/></resource>
    <resource identifier="R2" type="imsqti_item_xmlv3p0" href="items/q2.xml"><file href="items/q2.xml"/></resource>
  </resources>
</manifest>"#;
    let bytes = zip(&[
        ("imsmanifest.xml", manifest.as_bytes().to_vec()),
        (
            "items/q1.xml",
            qti_item(
                "q1",
                r#"<p>下图是</p><p><img src="../media/fig.png" alt="示意图"/></p><div><object type="image/png" data="photo%201.png">照片</object></div>"#,
            ),
        ),
        (
            "items/q2.xml",
            qti_item(
                "q2",
                r#"<p>以下两图是</p><img src="../media/none.png" alt="不存在"/><img src="../media/anim.gif" alt="动图"/>"#,
            ),
        ),
        ("media/fig.png", fig.clone()),
        ("items/photo 1.png", photo.clone()),
        ("media/anim.gif", GIF.to_vec()),
    ]);
    let pkg = import("pkg.zip", &bytes, Format::Qti);
    assert!(pkg.problems.is_empty(), "{pkg}");
    // Resolved relative to the item file: `../media/fig.png` and `photo%201.png` (in items/).
    assert_eq!(files(&pkg, "q1"), ["fig.png", "q1-2.png"]);
    assert_eq!(pkg.images["fig.png"], fig);
    assert_eq!(pkg.images["q1-2.png"], photo);
    assert!(files(&pkg, "q2").is_empty());
    let at = |id: &str| format!("元素 qti-assessment-item[identifier={id}]/qti-item-body/qti-choice-interaction");
    let option = "选项中的图片“直方图示例”未导入：Kaowu 的图片只显示在题干下".to_string();
    assert_eq!(
        lost(&pkg),
        [
            (at("q1"), Some("q1".to_string()), option.clone()),
            (
                at("q2"),
                Some("q2".to_string()),
                "图片“../media/none.png”不在文件中：本题导入时不含此图片".to_string()
            ),
            (
                at("q2"),
                Some("q2".to_string()),
                "图片“../media/anim.gif”是 GIF 格式，Kaowu 只收 PNG 或 JPEG 图片：本题导入时不含此图片（可另存为 PNG 后重新导入）"
                    .to_string()
            ),
            (at("q2"), Some("q2".to_string()), option),
        ]
    );

    // A single item file: its pictures were not sent with it.
    let single = import(
        "q1.xml",
        &qti_item("q1", r#"<p>下图是</p><img src="fig.png" alt="图"/>"#),
        Format::Qti,
    );
    assert_eq!(ids(&single), ["q1"]);
    assert!(single.images.is_empty());
    assert_eq!(
        single.not_represented[0].message,
        "图片“fig.png”不在文件中：本题导入时不含此图片"
    );
}

// ---------------------------------------------------------------------------------------------
// Excel

#[test]
fn an_excel_picture_belongs_to_the_question_on_its_row() {
    use rust_xlsxwriter::{Image, Workbook};
    let (a, b, c) = (png(2, 2, [1, 1, 1]), png(3, 3, [2, 2, 2]), png(4, 4, [3, 3, 3]));
    let mut ws = tools_sheet(&["T-1", "T-2", "T-3"]);
    // T-1: two pictures, the right one placed first; its alternative text is a file name.
    ws.insert_image(1, 11, &Image::new_from_buffer(&b).unwrap()).unwrap();
    ws.insert_image(1, 9, &Image::new_from_buffer(&a).unwrap().set_alt_text("pareto.png"))
        .unwrap();
    // T-3: one picture, fitted to its cell; and one on the header row, which is no question.
    ws.insert_image_fit_to_cell(3, 9, &Image::new_from_buffer(&c).unwrap(), true)
        .unwrap();
    ws.insert_image(0, 12, &Image::new_from_buffer(&c).unwrap()).unwrap();
    let mut wb = Workbook::new();
    wb.push_worksheet(ws);
    let bytes = wb.save_to_buffer().unwrap();

    let import = import("题库.xlsx", &bytes, Format::Xlsx);
    assert!(import.problems.is_empty(), "{import}");
    assert_eq!(files(&import, "T-1"), ["pareto.png", "T-1-2.png"]);
    assert_eq!(import.images["pareto.png"], a);
    assert_eq!(import.images["T-1-2.png"], b);
    assert!(files(&import, "T-2").is_empty());
    assert_eq!(files(&import, "T-3"), ["T-3-1.png"]);
    assert_eq!(import.images["T-3-1.png"], c);
    let lost = lost(&import);
    assert_eq!(lost.len(), 1);
    assert_eq!((lost[0].0.as_str(), &lost[0].1), (row("工具", 1).as_str(), &None));
    assert!(
        lost[0].2.starts_with("本行有一张图片（“image")
            && lost[0].2.ends_with("”），但本行不是可导入的题目：图片未导入"),
        "{}",
        lost[0].2
    );
}

/// WPS Office's store of in-cell pictures: `(ID, alternative text, file under xl/media/)` each an
/// `etc:cellImage` whose blip points through the part's relationships at the file.
fn cell_images_parts(pictures: &[(&str, &str, &str)]) -> [(String, Vec<u8>); 2] {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <etc:cellImages xmlns:xdr=\"http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing\" \
         xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" \
         xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" \
         xmlns:etc=\"http://www.wps.cn/officeDocument/2017/etCustomData\">",
    );
    let mut rels = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
    );
    for (n, (id, descr, file)) in pictures.iter().enumerate() {
        xml.push_str(&format!(
            "<etc:cellImage><xdr:pic><xdr:nvPicPr><xdr:cNvPr id=\"{}\" name=\"{id}\" descr=\"{descr}\"/>\
             <xdr:cNvPicPr><a:picLocks noChangeAspect=\"1\"/></xdr:cNvPicPr></xdr:nvPicPr>\
             <xdr:blipFill><a:blip r:embed=\"rId{}\"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill>\
             <xdr:spPr><a:xfrm><a:off x=\"0\" y=\"0\"/><a:ext cx=\"95250\" cy=\"95250\"/></a:xfrm>\
             <a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic></etc:cellImage>",
            n + 2,
            n + 1
        ));
        rels.push_str(&format!(
            "<Relationship Id=\"rId{}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/image\" Target=\"media/{file}\"/>",
            n + 1
        ));
    }
    xml.push_str("</etc:cellImages>");
    rels.push_str("</Relationships>");
    [
        ("xl/cellimages.xml".to_string(), xml.into_bytes()),
        ("xl/_rels/cellimages.xml.rels".to_string(), rels.into_bytes()),
    ]
}

/// A workbook as WPS Office saves one with pictures inside cells: the parts of `xlsx`, and the
/// in-cell pictures' store and files added.
fn as_wps_saves_it(xlsx: Vec<u8>, store: &[(&str, &str, &str)], files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut bytes).unwrap();
        entries.push((f.name().unwrap().to_string(), bytes));
    }
    entries.extend(cell_images_parts(store));
    for (file, bytes) in files {
        entries.push((format!("xl/media/{file}"), bytes.clone()));
    }
    let entries: Vec<(&str, Vec<u8>)> = entries.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    zip(&entries)
}

/// The sheet 工具: a header row and a single-choice question per id, from row 2.
fn tools_sheet(ids: &[&str]) -> rust_xlsxwriter::Worksheet {
    let mut ws = rust_xlsxwriter::Worksheet::new();
    ws.set_name("工具").unwrap();
    for (col, h) in [
        "题号", "题型", "模块", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "图片",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, col as u16, *h).unwrap();
    }
    for (r, id) in ids.iter().enumerate() {
        let stem = format!("下图（{id}）是");
        for (col, v) in [
            *id,
            "单选",
            "6",
            stem.as_str(),
            "排列图",
            "因果图",
            "控制图",
            "直方图",
            "A",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(r as u32 + 1, col as u16, *v).unwrap();
        }
    }
    ws
}

/// `=DISPIMG("ID",1)` as WPS stores it: the formula, and the same text as its cached value.
fn dispimg(id: &str) -> rust_xlsxwriter::Formula {
    rust_xlsxwriter::Formula::new(format!("=_xlfn.DISPIMG(\"{id}\",1)")).set_result(format!("=DISPIMG(\"{id}\",1)"))
}

#[test]
fn a_wps_in_cell_picture_belongs_to_the_question_on_its_row_in_column_order() {
    use rust_xlsxwriter::{Image, Workbook};
    let (a, b, c, d) = (
        png(2, 2, [1, 1, 1]),
        png(3, 3, [2, 2, 2]),
        png(4, 4, [3, 3, 3]),
        png(5, 5, [4, 4, 4]),
    );
    let mut wb = Workbook::new();
    let mut ws = tools_sheet(&["W-1", "W-2"]);
    // W-1: an anchored picture on 选项A's cell, the in-cell picture in 图片 (J2), another
    // anchored picture right of it — inserted right to left.
    ws.insert_image(1, 11, &Image::new_from_buffer(&b).unwrap()).unwrap();
    ws.write_formula(1, 9, dispimg("ID_ABC")).unwrap();
    ws.insert_image(1, 4, &Image::new_from_buffer(&a).unwrap()).unwrap();
    // W-2: only the cached value `=DISPIMG(…)` (no formula); its alternative text is a file name.
    ws.write_string(2, 9, "=DISPIMG(\"ID_DEF\",1)").unwrap();
    wb.push_worksheet(ws);
    let bytes = as_wps_saves_it(
        wb.save_to_buffer().unwrap(),
        &[("ID_ABC", "", "image9.png"), ("ID_DEF", "wps-chart.png", "image10.png")],
        &[("image9.png", c.clone()), ("image10.png", d.clone())],
    );

    let import = import("题库.xlsx", &bytes, Format::Xlsx);
    assert!(
        import.problems.is_empty() && import.not_represented.is_empty() && import.warnings.is_empty(),
        "{import}"
    );
    assert_eq!(files(&import, "W-1"), ["W-1-1.png", "W-1-2.png", "W-1-3.png"]);
    let w1: Vec<&Vec<u8>> = files(&import, "W-1").iter().map(|f| &import.images[f]).collect();
    assert_eq!(
        w1,
        [&a, &c, &b],
        "left to right: A2's picture, J2's in-cell picture, L2's"
    );
    assert_eq!(files(&import, "W-2"), ["wps-chart.png"]);
    assert_eq!(import.images["wps-chart.png"], d);
    // The cell's text is a picture, not a value of the 图片 column.
    assert_eq!(item(&import, "W-1").stem, "下图（W-1）是");
}

#[test]
fn a_wps_in_cell_picture_the_workbook_does_not_hold_is_named_at_its_row_and_cell() {
    use rust_xlsxwriter::Workbook;
    let mut wb = Workbook::new();
    let mut ws = tools_sheet(&["W-3"]);
    // Saved again by Excel, which knows no DISPIMG: the cached value is #NAME?, the formula stays.
    ws.write_formula(
        1,
        9,
        rust_xlsxwriter::Formula::new("=_xlfn.DISPIMG(\"ID_NOPE\",1)").set_result("#NAME?"),
    )
    .unwrap();
    wb.push_worksheet(ws);
    let bytes = as_wps_saves_it(
        wb.save_to_buffer().unwrap(),
        &[("ID_ABC", "", "image1.png")],
        &[("image1.png", png(2, 2, [9, 9, 9]))],
    );

    let import = import("题库.xlsx", &bytes, Format::Xlsx);
    assert!(import.problems.is_empty(), "{import}");
    assert_chinese(&import);
    assert!(files(&import, "W-3").is_empty());
    assert_eq!(
        lost(&import),
        [
            (
                String::new(),
                None,
                "工作簿中有 1 张图片没有放在工作表的行上（如图表中的图片，或没有单元格引用的嵌入单元格图片）：未导入，请把图片插入到题目所在的行".to_string()
            ),
            (
                row("工具", 2),
                Some("W-3".to_string()),
                "单元格 J2 中嵌入的图片（DISPIMG“ID_NOPE”）在工作簿的嵌入图片（xl/cellimages.xml）中找不到：本题导入时不含此图片".to_string()
            ),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Round trips

fn round_trip(format: Format) {
    let bank = bank_with_pictures();
    let bytes = export(&bank, format).expect("export");
    let name = format!("tu.{}", format.extension());
    let import = import(&name, &bytes, format);
    assert!(
        import.problems.is_empty() && import.warnings.is_empty() && import.not_represented.is_empty(),
        "{format:?}: {import}"
    );
    let mut items = import.items.clone();
    items.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(items.len(), bank.items.len());
    for (back, original) in items.iter().zip(&bank.items) {
        assert_eq!(back, original, "{format:?}");
    }
    let shown = item(&import, "M6-S-901");
    assert_eq!(shown.images.len(), 2);
    assert_eq!(
        import.images, bank.images,
        "{format:?}: the same pictures, byte for byte"
    );
    // Written as a bank folder's files and pictures, they make the same bank again.
    let again = Bank::from_parts(
        &to_bank_files(&bank.id, &bank.name, &items),
        to_bank_images(&items, &import.images)
            .into_iter()
            .map(|(path, b)| (path.strip_prefix("images/").expect("under images/").to_string(), b))
            .collect(),
    )
    .expect("a bank");
    assert_eq!(again.content_hash(), bank.content_hash(), "{format:?}");
    assert_eq!(again.images, bank.images);
}

#[test]
fn the_qti_export_carries_pictures_in_the_package() {
    round_trip(Format::Qti);
    let bytes = export(&bank_with_pictures(), Format::Qti).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut read = |name: &str| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
        s
    };
    let manifest = read("imsmanifest.xml");
    assert!(manifest.contains(
        "<resource identifier=\"IMG-pareto.png\" type=\"webcontent\" href=\"images/pareto.png\">\n      <file href=\"images/pareto.png\"/>"
    ));
    assert!(manifest.contains("<dependency identifierref=\"IMG-legend-2.png\"/>"));
    let item = read("items/M6-S-901.xml");
    assert!(item.contains("<p><img src=\"../images/pareto.png\" alt=\"pareto.png\"/></p>"));
    assert!(zip.by_name("images/legend-2.png").is_ok());
}

#[test]
fn the_moodle_export_carries_pictures_as_base64_files() {
    round_trip(Format::Moodle);
}

#[test]
fn the_excel_export_places_pictures_on_their_rows() {
    round_trip(Format::Xlsx);
}

#[test]
fn gift_cannot_carry_pictures_so_a_bank_with_pictures_is_not_exported_as_gift() {
    let err = export(&bank_with_pictures(), Format::Gift).unwrap_err();
    assert!(matches!(&err, ExportError::PicturesNotCarried { items, .. } if items == &["M6-O-901", "M6-S-901"]));
    assert_eq!(
        err.to_string(),
        "GIFT 文本不能携带图片，题库中 2 道题目有图片（M6-O-901、M6-S-901）：请改用 Moodle XML、QTI 或 Excel 导出"
    );
    // Without pictures GIFT is as before.
    assert!(export(&demo_bank(), Format::Gift).is_ok());
}

#[test]
fn a_bank_folder_s_pictures_are_written_under_images() {
    let bank = bank_with_pictures();
    let written = to_bank_images(&bank.items, &bank.images);
    let names: Vec<&str> = written.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(names, ["images/legend-2.png", "images/pareto.png"]);
    let text = to_bank_files(&bank.id, &bank.name, &bank.items);
    let m6 = &text.iter().find(|(p, _)| p == "items/m6.toml").unwrap().1;
    assert!(
        m6.contains("images = [\n  \"pareto.png\",\n  \"legend-2.png\",\n]"),
        "{m6}"
    );
}
