//! Moodle XML: categories as modules, single and multiple choice by fractions, essays with the
//! rubric in the grader information, HTML reduced to text with what it loses named.

use bank_formats::{Format, import};
use question_bank::{ItemBody, ItemKind, Points, Status};

use crate::common::*;

const QUIZ: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category">
    <category><text>$course$/质量管理体系题库/模块2 质量驱动力</text></category>
  </question>
  <question type="multichoice">
    <name><text>M2-S-001</text></name>
    <questiontext format="html">
      <text><![CDATA[<p>卡诺（Kano）模型中，<b>魅力质量</b>是指</p><p><img src="@@PLUGINFILE@@/kano.png" alt="Kano 图"></p>]]></text>
      <file name="kano.png" encoding="base64">iVBORw0KGgo=</file>
    </questiontext>
    <generalfeedback format="html"><text><![CDATA[<p>魅力质量&nbsp;&lt;不提供也不会不满&gt;。</p>]]></text></generalfeedback>
    <defaultgrade>1.0000000</defaultgrade>
    <single>true</single>
    <answer fraction="0" format="html"><text>当然质量</text></answer>
    <answer fraction="0" format="html"><text>一元质量</text></answer>
    <answer fraction="100" format="html"><text><![CDATA[<p>魅力质量</p>]]></text><feedback><text>对</text></feedback></answer>
    <answer fraction="0" format="html"><text>无差异质量</text></answer>
    <tags><tag><text>Kano</text></tag><tag><text>知识点:Kano模型</text></tag><tag><text>难度:3</text></tag></tags>
  </question>
  <question type="multichoice">
    <name><text>顾客满意的测量方法</text></name>
    <questiontext format="moodle_auto_format"><text>测量顾客满意度常用的方法有</text></questiontext>
    <defaultgrade>2</defaultgrade>
    <single>false</single>
    <answer fraction="50"><text>问卷调查</text></answer>
    <answer fraction="50"><text>神秘顾客</text></answer>
    <answer fraction="-100"><text>控制图</text></answer>
    <answer fraction="-100"><text>甘特图</text></answer>
  </question>
  <question type="multichoice">
    <name><text>M2-M-002</text></name>
    <questiontext format="html"><text>只有一个正确选项的多选题</text></questiontext>
    <single>false</single>
    <answer fraction="100"><text>甲</text></answer>
    <answer fraction="0"><text>乙</text></answer>
    <answer fraction="0"><text>丙</text></answer>
    <answer fraction="0"><text>丁</text></answer>
  </question>
  <question type="truefalse">
    <name><text>TF1</text></name>
    <questiontext format="html"><text>顾客满意就是顾客忠诚。</text></questiontext>
  </question>
  <question type="essay">
    <name><text>M2-O-001</text></name>
    <questiontext format="html"><text><![CDATA[<p>某企业投诉增多，请分析原因。</p>]]></text></questiontext>
    <generalfeedback format="html"><text>参考要点：略。</text></generalfeedback>
    <defaultgrade>20</defaultgrade>
    <graderinfo format="html"><text><![CDATA[<p>指出原因（10分）</p><p>提出措施（10分）</p>]]></text></graderinfo>
  </question>
  <question type="category">
    <category><text>$course$/质量管理体系题库/其他</text></category>
  </question>
  <question type="essay">
    <name><text>E2</text></name>
    <questiontext format="html"><text>没有评分要点也没有模块的论述题</text></questiontext>
    <graderinfo format="html"><text></text></graderinfo>
  </question>
</quiz>
"#;

#[test]
fn a_moodle_quiz_with_categories_fractions_essays_and_html() {
    assert_eq!(Format::detect("quiz.xml", QUIZ.as_bytes()), Some(Format::Moodle));
    let import = import("quiz.xml", QUIZ.as_bytes(), Format::Moodle);
    assert_eq!(ids(&import), ["M2-S-001", "quiz-0003", "M2-O-001"], "{import}");
    assert_eq!(import.read, 6);
    let q = |n: u32| format!("元素 quiz/question[{n}]");
    assert_eq!(
        spell(&import.problems),
        [
            p(
                &q(4),
                Some("M2-M-002"),
                Some("正确答案"),
                "多选题至少要有 2 个正确选项，现为 1 个"
            ),
            p(
                &q(8),
                Some("E2"),
                Some("模块"),
                "所在分类“$course$/质量管理体系题库/其他”没有指明模块（分类名中应含模块编号或名称，如“模块2”或“质量驱动力”）"
            ),
            p(&q(8), Some("E2"), Some("评分要点"), "开放题缺少评分要点"),
        ]
    );
    assert_eq!(
        spell(&import.not_represented),
        [
            p(
                &q(5),
                Some("TF1"),
                None,
                "判断题：Kaowu 只有单选题、多选题和开放题，本题未导入"
            ),
            p(
                &q(2),
                Some("M2-S-001"),
                None,
                "各选项的反馈未保留：Kaowu 只保留整题的解析"
            ),
            p(
                &q(3),
                Some("quiz-0003"),
                None,
                "标题“顾客满意的测量方法”不是有效的题号，已改用题号 quiz-0003"
            ),
        ]
    );
    assert_chinese(&import);
    let s = item(&import, "M2-S-001");
    assert_eq!(s.stem, "卡诺（Kano）模型中，魅力质量是指");
    // The picture of the question text comes with it, from its base64 <file>.
    assert_eq!(
        s.images.iter().map(|i| i.file.as_str()).collect::<Vec<_>>(),
        ["kano.png"]
    );
    assert_eq!(import.images["kano.png"], b"\x89PNG\r\n\x1a\n");
    assert_eq!((s.kind(), key(s), s.module.number()), (ItemKind::Single, "C".into(), 2));
    assert_eq!(options(s)[2], "魅力质量");
    assert_eq!(s.explanation.as_deref(), Some("魅力质量 <不提供也不会不满>。"));
    assert_eq!(
        (s.tags.clone(), s.knowledge_point.as_deref(), s.difficulty),
        (vec!["Kano".to_string()], Some("Kano模型"), Some(3))
    );
    let m = item(&import, "quiz-0003");
    assert_eq!((m.kind(), key(m)), (ItemKind::Multi, "AB".into()));
    let o = item(&import, "M2-O-001");
    let ItemBody::Open { rubric } = &o.body else {
        unreachable!()
    };
    assert_eq!(
        rubric.iter().map(|r| r.share).collect::<Vec<_>>(),
        [Points::whole(10), Points::whole(10)]
    );
}

#[test]
fn broken_xml_is_one_problem_with_its_line() {
    let import = import("坏.xml", b"<quiz>\n<question type=\"essay\">\n</quiz>", Format::Moodle);
    assert_eq!(import.problems.len(), 1, "{import}");
    assert!(
        import.problems[0].message.starts_with("XML 格式错误（第 3 行附近）"),
        "{import}"
    );
}

/// A single-choice question named `name` with `marks` (Moodle's `<hidden>`, `<status>`, tags)
/// after its general feedback, where Moodle writes them.
fn marked(name: &str, marks: &str) -> String {
    format!(
        r#"  <question type="multichoice">
    <name><text>{name}</text></name>
    <questiontext format="html"><text>题干 {name}</text></questiontext>
    {marks}
    <single>true</single>
    <answer fraction="100"><text>甲</text></answer>
    <answer fraction="0"><text>乙</text></answer>
    <answer fraction="0"><text>丙</text></answer>
    <answer fraction="0"><text>丁</text></answer>
  </question>
"#
    )
}

#[test]
fn moodle_s_own_draft_and_hidden_marks_give_the_status() {
    let questions = [
        // Moodle 4's version status (ready / draft / hidden), in the <hidden> element Moodle
        // writes, or in a <status> element as some tools write it.
        ("D-1", "<hidden>draft</hidden>"),
        ("D-2", "<status>draft</status>"),
        // Moodle's hidden flag: a question offered to no new quiz is retired.
        ("R-1", "<hidden>1</hidden>"),
        ("R-2", "<status>hidden</status>"),
        ("A-1", "<hidden>0</hidden>"),
        ("A-2", "<status>ready</status><hidden>1</hidden>"),
        ("A-3", ""),
        // Kaowu's own tag tells a draft from a retired item, whatever the flag says.
        (
            "T-1",
            "<hidden>1</hidden><tags><tag><text>状态:草稿</text></tag></tags>",
        ),
        (
            "T-2",
            "<hidden>1</hidden><tags><tag><text>状态:停用</text></tag></tags>",
        ),
        ("X-1", "<hidden>maybe</hidden>"),
    ];
    let mut quiz = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<quiz>\n  <question type=\"category\"><category><text>$course$/题库/模块1</text></category></question>\n",
    );
    for (name, marks) in questions {
        quiz.push_str(&marked(name, marks));
    }
    quiz.push_str("</quiz>\n");
    let import = import("状态.xml", quiz.as_bytes(), Format::Moodle);
    assert_chinese(&import);
    let status = |id: &str| item(&import, id).status;
    assert_eq!([status("D-1"), status("D-2")], [Status::Draft; 2]);
    assert_eq!([status("R-1"), status("R-2")], [Status::Retired; 2]);
    assert_eq!([status("A-1"), status("A-2"), status("A-3")], [Status::Active; 3]);
    assert_eq!([status("T-1"), status("T-2")], [Status::Draft, Status::Retired]);
    assert!(
        import.not_represented.is_empty() && import.warnings.is_empty(),
        "{import}"
    );
    assert_eq!(
        spell(&import.problems),
        [p(
            "元素 quiz/question[11]",
            Some("X-1"),
            Some("状态"),
            "Moodle 的状态标记 <hidden>“maybe”无法识别：应为 0（使用中）、1（隐藏）、ready、draft 或 hidden"
        )]
    );
}
