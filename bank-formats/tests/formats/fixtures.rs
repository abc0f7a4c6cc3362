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

/// The Beginner's Guide package as a ZIP of the vendored manifest and items.
fn beginners_guide() -> Vec<u8> {
    let mut entries = vec![("imsmanifest.xml", fixture("qti3-1edtech/imsmanifest.xml"))];
    for name in ["firstexample", "BG007", "BG008", "BG009", "BG010", "BG011"] {
        let path = format!("items/{name}.xml");
        entries.push((
            Box::leak(path.clone().into_boxed_str()),
            fixture(&format!("qti3-1edtech/{path}")),
        ));
    }
    zip(&entries)
}

#[test]
fn the_1edtech_qti3_package_imports_its_choice_items_and_names_the_rest() {
    let bytes = beginners_guide();
    assert_eq!(Format::detect("bg.zip", &bytes), Some(Format::Qti));
    let import = with_module("bg.zip", &bytes, Format::Qti);
    assert_eq!(ids(&import), ["firstexample", "beginnersguide008"], "{import}");
    assert_eq!(import.read, 6);
    let at =
        |n: &str, path: &str| format!("元素 qti-assessment-item[identifier=beginnersguide{n}]/qti-item-body/{path}");
    let files: Vec<&str> = import.problems.iter().map(|p| p.file.as_str()).collect();
    assert_eq!(
        files,
        [
            "bg.zip/items/BG007.xml",
            "bg.zip/items/BG009.xml",
            "bg.zip/items/BG011.xml"
        ]
    );
    let choice = "qti-choice-interaction";
    let text = "qti-extended-text-interaction";
    assert_eq!(
        spell(&import.problems),
        [
            p(
                &at("007", choice),
                Some("beginnersguide007"),
                Some("选项"),
                "只有 2 个选项，至少需要 4 个"
            ),
            p(
                &at("009", text),
                Some("beginnersguide009"),
                Some("评分要点"),
                "开放题缺少评分要点"
            ),
            p(
                &at("011", text),
                Some("beginnersguide011"),
                Some("评分要点"),
                "开放题缺少评分要点"
            ),
        ]
    );
    assert_eq!(
        spell(&import.not_represented),
        [
            p(
                &at("010", "div/blockquote/p/qti-text-entry-interaction"),
                Some("beginnersguide010"),
                None,
                "填空题（qti-text-entry-interaction）：Kaowu 只有单选题、多选题和开放题，本题未导入"
            ),
            p(
                &at("011", text),
                Some("beginnersguide011"),
                None,
                "图片“resources/crows.jpg”不在文件中：本题导入时不含此图片"
            ),
            p(
                &at("011", text),
                Some("beginnersguide011"),
                None,
                "多媒体内容“resources/crow_movie.mp4”未导入"
            ),
        ]
    );
    assert_chinese(&import);
    let first = item(&import, "firstexample");
    assert_eq!(
        first.stem,
        "Of the following hormones, which is produced by the adrenal glands?"
    );
    assert_eq!((first.kind(), key(first)), (ItemKind::Single, "A".into()));
    assert_eq!(options(first), ["Epinephrine", "Glucagon", "Insulin", "Oxytocin"]);
    let multi = item(&import, "beginnersguide008");
    assert_eq!(
        multi.stem,
        "QTI 3 is a new version released in 2022.\nWhich of the following features are new to QTI 3?\nPick 3 choices."
    );
    assert_eq!(
        (multi.kind(), key(multi), options(multi).len()),
        (ItemKind::Multi, "ACD".into(), 5)
    );
}

#[test]
fn qti_2_items_import_by_correct_response_or_mapping_and_other_interactions_are_named() {
    let one = |path: &str| {
        let bytes = fixture(path);
        let name = path.rsplit('/').next().unwrap();
        assert_eq!(Format::detect(name, &bytes), Some(Format::Qti), "{name}");
        with_module(name, &bytes, Format::Qti)
    };
    // QTI 2.2, maxChoices="0" (any number), cardinality multiple.
    let water = one("qti22-1edtech/choice_multiple.xml");
    assert!(water.problems.is_empty() && water.not_represented.is_empty(), "{water}");
    let it = &water.items[0];
    assert_eq!(
        (it.id.as_str(), it.kind(), key(it)),
        ("choiceMultiple", ItemKind::Multi, "AD".into())
    );
    assert_eq!(it.stem, "Which of the following elements are used to form water?");

    let luggage = one("qti22-1edtech/choice.xml");
    let at = "元素 assessmentItem[identifier=choice]/itemBody/choiceInteraction";
    assert_eq!(
        spell(&luggage.problems),
        [p(at, Some("choice"), Some("选项"), "只有 3 个选项，至少需要 4 个")]
    );
    assert_eq!(
        spell(&luggage.not_represented),
        [p(
            at,
            Some("choice"),
            None,
            "图片“images/sign.png”不在文件中：本题导入时不含此图片"
        )]
    );

    // A scorer's rubric without points per point is refused, saying how to write one.
    let postcard = one("qti22-1edtech/extended_text_rubric.xml");
    assert_eq!(
        spell(&postcard.problems),
        [p(
            "元素 assessmentItem[identifier=extendedText]/itemBody/extendedTextInteraction",
            Some("extendedText"),
            Some("评分要点"),
            "评分要点第 1 行“Scoring Guidelines”没有写分值（每行一个要点，分值写在末尾，如“指出问题的根本原因（6分）”）"
        )]
    );

    for (path, at, id, name) in [
        (
            "qti22-1edtech/order.xml",
            "assessmentItem[identifier=order]/itemBody/orderInteraction",
            "order",
            "orderInteraction",
        ),
        (
            "qti3-1edtech/QTI3-order.xml",
            "qti-assessment-item[identifier=QTI3-order]/qti-item-body/qti-order-interaction",
            "QTI3-order",
            "qti-order-interaction",
        ),
    ] {
        let import = one(path);
        assert!(import.items.is_empty() && import.problems.is_empty());
        assert_eq!(
            spell(&import.not_represented),
            [p(
                &format!("元素 {at}"),
                Some(id),
                None,
                &format!("排序题（{name}）：Kaowu 只有单选题、多选题和开放题，本题未导入")
            )]
        );
    }

    // QTI 2.1 from the Onyx editor: a multiple-choice item comes through; one whose options are
    // only pictures is refused for its empty options, the pictures and feedback named.
    let airports = one("qti21-oat/Choicemultiple_2014410822.xml");
    assert_eq!(ids(&airports), ["Choicemultiple_2014410822"], "{airports}");
    assert_eq!(key(&airports.items[0]), "BD");
    let messages: Vec<&str> = airports.not_represented.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "反馈（modalFeedback）未保留：Kaowu 只保留整题的解析",
            "分值 1 分未保留：Kaowu 的多选题固定为 2 分"
        ]
    );
    let flags = one("qti21-oat/Choicesingle_853928446.xml");
    assert!(flags.items.is_empty());
    let problems: Vec<&str> = flags.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(problems, ["选项 A 为空", "选项 B 为空", "选项 C 为空", "选项 D 为空"]);
    let lost: Vec<&str> = flags.not_represented.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        lost,
        [
            "选项中的图片“flag”未导入：Kaowu 的图片只显示在题干下",
            "反馈（modalFeedback）未保留：Kaowu 只保留整题的解析"
        ]
    );
    for import in [&water, &luggage, &postcard, &airports, &flags] {
        assert_chinese(import);
    }
}
