//! GIFT: categories as modules, single and weighted multiple answers, essays with the rubric
//! in the general feedback, escapes, comments, and the kinds Kaowu has not.

use bank_formats::{Format, import};
use question_bank::{ItemBody, ItemKind, Points};

use crate::common::*;

const GIFT: &str = r#"// 一个 GIFT 题库：注释行不是题目
$CATEGORY: $course$/质量管理体系题库/模块1 质量与质量管理

::Q1::朱兰提出的“质量管理三部曲”是指{
	=质量策划、质量控制、质量改进#对
	~质量计划、质量保证、质量改进
	~质量检验、统计质量控制、全面质量管理
	~计划、实施、检查、处置
	####朱兰三部曲由三个管理过程组成。
}

// [tag:朱兰] [tag:知识点:原因分析] [tag:难度:2]
::Q2 带空格的标题::下列哪些是原因分析工具？{
	~%50%因果图
	~%50%5Why
	~%-100%排列图
	~%-100%甘特图
}

::Q3::只有一个正权重的多选题{~%100%甲 ~乙 ~丙 ~丁}

::TF::质量是符合要求。{T}

::M::将大师与观点配对。{=朱兰 -> 三部曲 =戴明 -> 十四点 =克劳斯比 -> 零缺陷}

$CATEGORY: $course$/质量管理体系题库/第五部分 管理技能和方法

::Q4::[html]<p>案例：请分析\{原因\}并说明 a\=b 的含义。</p><p><img src="@@PLUGINFILE@@/chart.png" alt="控制图"></p>{####参考：略。
【评分要点】
1. 指出原因（10分）
2. 提出措施（10分）}

$CATEGORY: $course$/质量管理体系题库/其他

::Q5::没有模块的题目{=甲 ~乙 ~丙 ~丁}
"#;

#[test]
fn a_gift_file_with_categories_weights_essays_and_other_kinds() {
    assert_eq!(Format::detect("quiz.txt", GIFT.as_bytes()), Some(Format::Gift));
    let import = import("quiz.gift", GIFT.as_bytes(), Format::Gift);
    assert_eq!(ids(&import), ["Q1", "quiz-0002", "Q4"], "{import}");
    assert_eq!(import.read, 7);
    assert_eq!(
        spell(&import.problems),
        [
            p(
                "第 20 行",
                Some("Q3"),
                Some("正确答案"),
                "多选题至少要有 2 个正确选项，现为 1 个"
            ),
            p(
                "第 35 行",
                Some("Q5"),
                Some("模块"),
                "所在分类“$course$/质量管理体系题库/其他”没有指明模块（分类名中应含模块编号或名称，如“模块2”或“质量驱动力”）"
            ),
        ]
    );
    assert_eq!(
        spell(&import.not_represented),
        [
            p(
                "第 22 行",
                Some("TF"),
                None,
                "判断题：Kaowu 只有单选题、多选题和开放题，本题未导入"
            ),
            p(
                "第 24 行",
                Some("M"),
                None,
                "匹配题：Kaowu 只有单选题、多选题和开放题，本题未导入"
            ),
            p(
                "第 13 行",
                Some("quiz-0002"),
                None,
                "标题“Q2 带空格的标题”不是有效的题号，已改用题号 quiz-0002"
            ),
            p(
                "第 28 行",
                Some("Q4"),
                None,
                "图片“控制图”未导入：GIFT 文本不含图片文件，本题导入时不含此图片"
            ),
        ]
    );
    assert_chinese(&import);

    let q1 = item(&import, "Q1");
    assert_eq!(
        (q1.kind(), key(q1), q1.module.number()),
        (ItemKind::Single, "A".into(), 1)
    );
    assert_eq!(q1.explanation.as_deref(), Some("朱兰三部曲由三个管理过程组成。"));
    assert_eq!(options(q1)[0], "质量策划、质量控制、质量改进");
    let q2 = item(&import, "quiz-0002");
    assert_eq!((q2.kind(), key(q2)), (ItemKind::Multi, "AB".into()));
    assert_eq!(q2.tags, ["朱兰"]);
    assert_eq!(
        (q2.knowledge_point.as_deref(), q2.difficulty),
        (Some("原因分析"), Some(2))
    );
    let q4 = item(&import, "Q4");
    assert_eq!((q4.kind(), q4.module.number()), (ItemKind::Open, 5));
    assert_eq!(q4.stem, "案例：请分析{原因}并说明 a=b 的含义。");
    assert_eq!(q4.explanation.as_deref(), Some("参考：略。"));
    let ItemBody::Open { rubric } = &q4.body else {
        unreachable!()
    };
    assert_eq!(rubric.iter().map(|r| r.share).sum::<Points>(), Points::whole(20));
}

#[test]
fn a_text_with_no_question_is_one_clear_problem() {
    let import = import("空.gift", "// 只有注释\n\n".as_bytes(), Format::Gift);
    assert_eq!(
        spell(&import.problems),
        [p(
            "",
            None,
            None,
            "没有找到任何 GIFT 题目（题目之间以空行分隔，答案写在 { } 中）"
        )]
    );
}
