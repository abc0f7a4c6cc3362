//! Real files from public sources (tests/fixtures, each folder with its licence): they import
//! without a panic, the choice items that fit come through, and everything else is named in
//! Chinese, item by item.

use bank_formats::{Format, ImportOptions, import, import_with};
use question_bank::{ItemKind, Module};

use crate::common::*;

fn with_module(name: &str, bytes: &[u8], format: Format) -> bank_formats::Import {
    let options = ImportOptions {
        default_module: Module::new(1),
    };
    import_with(name, bytes, format, options)
}

#[test]
fn moodle_fixture_with_fractions_gives_a_multi_item_and_names_what_it_loses() {
    let bytes = fixture("moodle/error_invalid_grades.xml");
    assert_eq!(Format::detect("error_invalid_grades.xml", &bytes), Some(Format::Moodle));
    // Without a module the item is refused, saying so.
    let refused = import("error_invalid_grades.xml", &bytes, Format::Moodle);
    assert!(refused.items.is_empty());
    assert_eq!(
        spell(&refused.problems),
        [p(
            "元素 quiz/question[1]",
            Some("error_invalid_grades-0001"),
            Some("模块"),
            "缺少模块（应为 1–6 或模块名称，如“质量驱动力”）"
        )]
    );
    let import = with_module("error_invalid_grades.xml", &bytes, Format::Moodle);
    assert_eq!(ids(&import), ["error_invalid_grades-0001"], "{import}");
    let it = &import.items[0];
    assert_eq!((it.kind(), key(it)), (ItemKind::Multi, "BCE".into()));
    assert_eq!(it.stem, "Select all prime numbers :");
    assert_eq!(options(it), ["1", "2", "3", "4", "5"]);
    let q = "元素 quiz/question[1]";
    let id = Some("error_invalid_grades-0001");
    assert_eq!(
        spell(&import.not_represented),
        [
            p(q, id, None, "答对、部分答对、答错时的反馈未保留"),
            p(
                q,
                id,
                None,
                "标题“Question with <strong>invalid grades</strong> : x > 1 & x < 2”不是有效的题号，已改用题号 error_invalid_grades-0001"
            ),
            p(q, id, None, "分值 1 分未保留：Kaowu 的多选题固定为 2 分"),
        ]
    );
    assert_chinese(&import);
}

#[test]
fn moodle_fixtures_of_other_kinds_are_named_not_dropped() {
    let bytes = fixture("moodle/nested_categories_with_questions.xml");
    let import = import("nested.xml", &bytes, Format::Moodle);
    assert!(import.items.is_empty());
    assert_eq!(import.read, 5);
    let tf = "判断题：Kaowu 只有单选题、多选题和开放题，本题未导入";
    assert_eq!(
        spell(&import.not_represented),
        [
            p("元素 quiz/question[2]", Some("Iota Question"), None, tf),
            p("元素 quiz/question[5]", Some("Kappa Question"), None, tf),
            p("元素 quiz/question[7]", Some("Lambda Question"), None, tf),
            p("元素 quiz/question[9]", Some("Mu Question"), None, tf),
            p(
                "元素 quiz/question[4]",
                Some("nested-0004"),
                None,
                "标题“Kappa Essay Question”不是有效的题号，已改用题号 nested-0004"
            ),
            p(
                "元素 quiz/question[4]",
                Some("nested-0004"),
                None,
                "分值 1 分未保留：Kaowu 的开放题固定为 20 分"
            ),
        ]
    );
    assert_eq!(
        spell(&import.problems),
        [
            p(
                "元素 quiz/question[4]",
                Some("nested-0004"),
                Some("模块"),
                "所在分类“$course$/Iota/Kappa”没有指明模块（分类名中应含模块编号或名称，如“模块2”或“质量驱动力”）"
            ),
            p(
                "元素 quiz/question[4]",
                Some("nested-0004"),
                Some("评分要点"),
                "开放题缺少评分要点"
            ),
        ]
    );

    let bytes = fixture("moodle/sample_questions_with_old_image_tag.xml");
    let import = with_module("old_image.xml", &bytes, Format::Moodle);
    assert!(import.items.is_empty());
    assert_eq!(
        spell(&import.not_represented),
        [
            p(
                "元素 quiz/question[2]",
                Some("cloze question with image"),
                None,
                "完形填空（Cloze）题：Kaowu 只有单选题、多选题和开放题，本题未导入"
            ),
            p(
                "元素 quiz/question[3]",
                Some("old_image-0003"),
                None,
                "图片“moodle.png”未导入：Kaowu 暂不能导入图片"
            ),
            p(
                "元素 quiz/question[3]",
                Some("old_image-0003"),
                None,
                "标题“mcq with image”不是有效的题号，已改用题号 old_image-0003"
            ),
        ]
    );
    assert_eq!(
        spell(&import.problems),
        [p(
            "元素 quiz/question[3]",
            Some("old_image-0003"),
            Some("选项"),
            "只有 3 个选项，至少需要 4 个"
        )]
    );
    assert_chinese(&import);
}
