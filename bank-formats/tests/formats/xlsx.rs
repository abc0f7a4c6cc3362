//! Excel: the awkward workbook an office really sends, the template, and speed.

use bank_formats::{Format, Place, import, to_bank_files, xlsx_template};
use question_bank::{Bank, ItemBody, ItemKind, Points, RubricPoint};
use rust_xlsxwriter::{Format as Cell, Workbook};

use crate::common::*;

/// Writes `rows` (row index as Excel counts from 0, cells) into a sheet.
fn sheet(wb: &mut Workbook, name: &str, rows: &[(u32, Vec<&str>)]) {
    let ws = wb.add_worksheet();
    ws.set_name(name).unwrap();
    for (r, cells) in rows {
        for (c, v) in cells.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(*r, c as u16, *v).unwrap();
            }
        }
    }
}

fn awkward_workbook() -> Vec<u8> {
    let mut wb = Workbook::new();
    let header = vec![
        "编号",
        "题型",
        "模块",
        "题目",
        "选项A",
        "选项B",
        "选项C",
        "选项D",
        "选项E",
        "标准答案",
        "解析",
        "分值",
        "评分标准",
        "备注",
    ];
    let four = ["甲", "乙", "丙", "丁"];
    let opts = |n: usize| four.iter().chain(["戊"].iter()).take(n).copied().collect::<Vec<_>>();
    let line = |id: &'static str,
                kind: &'static str,
                module: &'static str,
                stem: &'static str,
                o: Vec<&'static str>,
                key: &'static str| {
        let mut cells = vec![id, kind, module, stem];
        let mut o = o;
        o.resize(5, "");
        cells.extend(o);
        cells.push(key);
        cells
    };
    let mut rows = vec![(1, header)];
    // Row 3–4: the kind is a merged cell written below, over both rows.
    rows.push((2, line("S1", "", "质量与质量管理", "第一题题干", opts(4), "ｂ")));
    rows.push((3, line("S2", "", "1", "第二题题干", opts(4), "Ｃ")));
    // Row 5 is empty.
    rows.push((5, line("M1", "多选", "2", "第三题题干", opts(5), "A,B")));
    rows.push((6, line("M2", "多项选择题", "模块二", "第四题题干", opts(4), "A、C、D")));
    rows.push((7, line("M3", "多选题", "2", "第五题题干", opts(4), "B")));
    rows.push((8, line("", "单选", "7", "第六题题干", opts(4), "A")));
    rows.push((
        9,
        line(
            "S3",
            "单选",
            "1",
            "第一题题干",
            vec!["A. 子", "B．丑", "(C)寅", "D、卯"],
            "a",
        ),
    ));
    rows.push((10, line("T1", "判断题", "1", "质量是符合要求。", vec![], "对")));
    rows.push((11, line("O1", "开放题", "5", "请分析原因并提出措施。", vec![], "")));
    rows.push((12, line("O2", "论述题", "5", "请论述质量文化。", vec![], "")));
    rows.push((13, line("", "", "", "", vec![], "")));
    sheet(&mut wb, "单选与多选", &rows);
    let ws = wb.worksheet_from_name("单选与多选").unwrap();
    ws.merge_range(0, 0, 0, 7, "CMQ 模拟题库（2024）", &Cell::new())
        .unwrap();
    ws.merge_range(2, 1, 3, 1, "单选题", &Cell::new()).unwrap();
    ws.write_string(2, 10, "解析一").unwrap();
    ws.write_number(2, 11, 1.0).unwrap();
    ws.write_number(5, 11, 3.0).unwrap();
    ws.write_string(11, 12, "指出原因（8分）\n提出措施（12分）").unwrap();
    ws.write_number(11, 11, 20.0).unwrap();
    ws.write_string(12, 12, "要点一（8分）\n要点二").unwrap();
    ws.write_string(6, 13, "老师说这题有争议").unwrap();
    // A pre-numbered row with nothing else is not a question.
    ws.write_string(14, 0, "99").unwrap();

    sheet(
        &mut wb,
        "模块6 多选题",
        &[
            (0, vec!["题干", "A", "B", "C", "D", "答案"]),
            (
                1,
                vec!["常用于分析原因的工具有", "因果图", "排列图", "控制图", "5Why", "AD"],
            ),
        ],
    );
    sheet(
        &mut wb,
        "填写说明",
        &[(0, vec!["列名", "说明"]), (1, vec!["题干", "题目正文"])],
    );
    wb.save_to_buffer().unwrap()
}

#[test]
fn an_awkward_workbook_imports_with_every_problem_at_its_row() {
    let bytes = awkward_workbook();
    assert_eq!(Format::detect("模拟题库.xlsx", &bytes), Some(Format::Xlsx));
    let import = import("模拟题库.xlsx", &bytes, Format::Xlsx);
    let s = "单选与多选";
    assert_eq!(
        ids(&import),
        ["S1", "S2", "M1", "M2", "S3", "O1", "item-2-0002"],
        "{import}"
    );
    assert_eq!(import.read, 11);
    assert_eq!(
        spell(&import.problems),
        [
            p(
                &row(s, 8),
                Some("M3"),
                Some("标准答案"),
                "多选题至少要有 2 个正确选项，现为 1 个"
            ),
            p(
                &row(s, 9),
                Some("item-1-0009"),
                Some("模块"),
                "模块编号 7 不在 1–6 之内"
            ),
            p(
                &row(s, 13),
                Some("O2"),
                Some("评分标准"),
                "评分要点第 2 行“要点二”没有写分值（每行一个要点，分值写在末尾，如“指出问题的根本原因（6分）”）"
            ),
        ]
    );
    assert_eq!(
        spell(&import.warnings),
        [p(
            &row(s, 10),
            Some("S3"),
            Some("题目"),
            "题干与工作表“单选与多选”第 3 行（题目 S1）相同"
        )]
    );
    assert_eq!(
        spell(&import.not_represented),
        [
            p(&row(s, 2), None, None, "“备注”列无法识别，其内容未导入"),
            p(
                &row(s, 11),
                Some("T1"),
                None,
                "判断题：Kaowu 只有单选题、多选题和开放题，本题未导入"
            ),
            p(
                &row(s, 6),
                Some("M1"),
                None,
                "分值 3 分未保留：Kaowu 的多选题固定为 2 分"
            ),
        ]
    );
    assert_chinese(&import);

    let s1 = item(&import, "S1");
    assert_eq!(
        (s1.module.number(), s1.kind(), key(s1)),
        (1, ItemKind::Single, "B".into())
    );
    assert_eq!(options(s1), ["甲", "乙", "丙", "丁"]);
    assert_eq!(s1.explanation.as_deref(), Some("解析一"));
    assert_eq!(key(item(&import, "S2")), "C");
    let m1 = item(&import, "M1");
    assert_eq!(
        (m1.kind(), key(m1), options(m1).len()),
        (ItemKind::Multi, "AB".into(), 5)
    );
    assert_eq!(key(item(&import, "M2")), "ACD");
    assert_eq!(options(item(&import, "S3")), ["子", "丑", "寅", "卯"]);
    assert_eq!(key(item(&import, "S3")), "A");
    let o1 = item(&import, "O1");
    assert_eq!(
        o1.body,
        ItemBody::Open {
            rubric: vec![
                RubricPoint {
                    point: "指出原因".into(),
                    share: Points::whole(8)
                },
                RubricPoint {
                    point: "提出措施".into(),
                    share: Points::whole(12)
                },
            ]
        }
    );
    // The second sheet: kind and module from the sheet's name, letters as headers.
    let m6 = item(&import, "item-2-0002");
    assert_eq!(
        (m6.module.number(), m6.kind(), key(m6)),
        (6, ItemKind::Multi, "AD".into())
    );

    let shown = import.problems[0].to_string();
    assert_eq!(
        shown,
        "模拟题库.xlsx 工作表“单选与多选”第 8 行：题目 M3，“标准答案”：多选题至少要有 2 个正确选项，现为 1 个"
    );
}

#[test]
fn a_bank_with_too_few_options_or_a_bad_key_is_refused_with_the_loaders_words() {
    let mut wb = Workbook::new();
    sheet(
        &mut wb,
        "Sheet1",
        &[
            (
                0,
                vec![
                    "题号", "题型", "模块", "题干", "选项A", "选项B", "选项C", "选项D", "答案",
                ],
            ),
            (1, vec!["A1", "单选", "1", "只有三个选项", "甲", "乙", "丙", "", "A"]),
            (2, vec!["A2", "单选", "1", "答案不是选项", "甲", "乙", "丙", "丁", "E"]),
            (3, vec!["A3", "单选", "1", "答案写了文字", "甲", "乙", "丙", "丁", "对"]),
            (4, vec!["A4", "单选", "1", "两个选项相同", "甲", "乙", "甲", "丁", "B"]),
            (5, vec!["A 5", "单选", "1", "题号有空格", "甲", "乙", "丙", "丁", "B"]),
            (6, vec!["A2", "单选", "1", "题号重复", "甲", "乙", "丙", "丁", "B"]),
            (7, vec!["A7", "单选", "", "没有模块", "甲", "乙", "丙", "丁", "B"]),
            (8, vec!["A8", "哪种题", "1", "题型不认识", "甲", "乙", "丙", "丁", "B"]),
            (9, vec!["A9", "单选", "1", "", "甲", "乙", "丙", "丁", "B"]),
        ],
    );
    let bytes = wb.save_to_buffer().unwrap();
    let import = import("bank.xlsx", &bytes, Format::Xlsx);
    let r = |n| row("Sheet1", n);
    assert!(import.items.is_empty(), "{import}");
    assert_eq!(
        spell(&import.problems),
        [
            p(&r(2), Some("A1"), Some("选项"), "只有 3 个选项，至少需要 4 个"),
            p(&r(3), Some("A2"), Some("答案"), "答案 E 不是该题的选项（选项为 A–D）"),
            p(
                &r(4),
                Some("A3"),
                Some("答案"),
                "答案“对”中的“对”不是选项字母（应写作 AB、A,B 或 A、B）"
            ),
            p(&r(5), Some("A4"), Some("选项"), "选项 C 与选项 A 文字相同"),
            p(
                &r(6),
                Some("bank-1-0006"),
                Some("题号"),
                "题号“A 5”无效：只能由字母、数字、-、_、. 组成，长度 1–64"
            ),
            p(
                &r(7),
                Some("A2"),
                Some("题号"),
                "题号“A2”重复：工作表“Sheet1”第 3 行 已有同一题号"
            ),
            p(
                &r(8),
                Some("A7"),
                Some("模块"),
                "缺少模块（应为 1–6 或模块名称，如“质量驱动力”）"
            ),
            p(
                &r(9),
                Some("A8"),
                Some("题型"),
                "题型“哪种题”无法识别：应为 单选题、多选题 或 开放题"
            ),
            p(&r(10), Some("A9"), Some("题干"), "不能为空"),
        ]
    );
    assert_chinese(&import);
}

#[test]
fn the_template_imports_its_own_examples_and_they_make_a_bank() {
    let bytes = xlsx_template();
    let import = import("题库模板.xlsx", &bytes, Format::Xlsx);
    assert!(import.problems.is_empty() && import.warnings.is_empty(), "{import}");
    assert!(import.not_represented.is_empty(), "{import}");
    assert_eq!(ids(&import), ["M1-S-001", "M6-M-001", "M5-O-001"]);
    let kinds: Vec<ItemKind> = import.items.iter().map(|i| i.kind()).collect();
    assert_eq!(kinds, [ItemKind::Single, ItemKind::Multi, ItemKind::Open]);
    let files = to_bank_files("tpl", "模板", &import.items);
    assert_eq!(
        files.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        ["bank.toml", "items/m1.toml", "items/m5.toml", "items/m6.toml"]
    );
    let bank = Bank::from_files(&files).expect("the template's items make a bank");
    assert_eq!(bank.items.len(), 3);
    // The explanation sheet names every column the reader knows.
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    use calamine::Reader as _;
    let notes = book.worksheet_range("填写说明").unwrap();
    let names: Vec<String> = notes.rows().skip(1).map(|r| r[0].to_string()).collect();
    for column in [
        "题号",
        "题型",
        "模块",
        "题干",
        "选项A … 选项F",
        "正确答案",
        "解析",
        "难度",
        "分值",
        "知识点",
        "评分要点",
    ] {
        assert!(names.iter().any(|n| n == column), "{column} not explained");
    }
}

#[test]
fn a_picture_on_a_question_s_row_comes_with_the_question() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["题型", "模块", "题干", "选项A", "选项B", "选项C", "选项D", "答案"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in [
        "单选",
        "6",
        "下图是哪种控制图？",
        "均值-极差图",
        "p 图",
        "c 图",
        "u 图",
        "A",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    // A 1×1 PNG anchored at C2.
    let png: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00,
        0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0, 0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF,
        0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ];
    let image = rust_xlsxwriter::Image::new_from_buffer(png).unwrap();
    ws.insert_image(1, 2, &image).unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let import = import("tu.xlsx", &bytes, Format::Xlsx);
    assert_eq!(ids(&import), ["tu-1-0002"], "{import}");
    assert!(import.not_represented.is_empty(), "{import}");
    // Named after its item (the picture's alternative text gives no file name).
    let files: Vec<&str> = import.items[0].images.iter().map(|i| i.file.as_str()).collect();
    assert_eq!(files, ["tu-1-0002-1.png"]);
    assert_eq!(import.images["tu-1-0002-1.png"], png);
}

#[test]
fn a_file_that_is_no_workbook_is_one_clear_problem() {
    let import = import("坏文件.xlsx", b"not a zip", Format::Xlsx);
    assert!(import.items.is_empty());
    assert_eq!(import.problems.len(), 1);
    assert_eq!(import.problems[0].place, Place::File);
    assert!(
        import.problems[0]
            .message
            .starts_with("无法作为 Excel 工作簿（.xlsx）读取"),
        "{import}"
    );
}
