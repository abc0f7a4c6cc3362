//! The grader's marking page in a real browser (headless Chromium through chromedriver, as in
//! the `browser` module): a grader logs in through the staff login, lands on /marking, marks a blind
//! answer with a comment, sees the next one load, and an out-of-range mark shows the API's
//! message. Without /usr/bin/chromium and /usr/bin/chromedriver the test prints a loud SKIP.

use question_bank::Points;
use serde_json::json;

use crate::common::browser::browser_test;
use crate::common::{Backend, TestApp};

#[test]
fn a_grader_marks_answers_in_the_browser() {
    browser_test(|driver| async move {
        let app = TestApp::spawn(Backend::Sqlite).await;
        // DEMO0001 sits and submits with open questions 1, 2 and 3 answered (the first one on
        // two lines, to see line breaks kept).
        app.sat(
            "DEMO0001",
            &[
                (1, "1", "A"),
                (2, "open", "1,2,3"),
                (
                    3,
                    "open-1",
                    "第一题作答：应建立质量目标并逐层分解。\n其次，明确各部门职责。",
                ),
                (4, "open-2", "第二题作答：运用排列图找出主要问题。"),
                (5, "open-3", "第三题作答：按 PDCA 循环持续改进。"),
            ],
        )
        .await;
        // A grader (password kaowu2026) assigned to every open question.
        app.graders(&[("g1", "grader")]).await;
        let b = driver.browser().await;

        // Without a login the page sends the browser to the staff login.
        b.goto(&app.url("/marking")).await;
        b.wait_path("the staff login", "/staff-login").await;

        // The staff login takes a grader to the marking page.
        b.staff_login("g1", "/marking").await;
        b.visible("#task").await;
        // A grader may get either of the two blind marks of an answer.
        let round = b.wait_text("#round", "评").await;
        let slot = match round.as_str() {
            "第一评" => 1,
            "第二评" => 2,
            other => panic!("round “{other}”"),
        };
        assert!(b.text("#rubric").await.contains("要点"));
        assert!(b.text("#rubric-rows").await.trim().len() > 1, "the rubric has rows");
        let first = b.text("#answer").await;
        assert!(first.contains("题作答"), "{first}");
        let page = b.text("main").await;
        for secret in ["DEMO0001", "准考证", "座位"] {
            assert!(!page.contains(secret), "the page shows “{secret}”: {page}");
        }
        if first.starts_with("第一题") {
            assert!(first.contains('\n'), "line breaks are kept: {first:?}");
        }
        let first_task = b.js("return document.getElementById('task').dataset.task").await;

        // An out-of-range mark is refused with the API's message; the answer stays.
        b.fill("#mark", "20.5").await;
        b.click("#submit-mark").await;
        b.wait_text("#marking-error", "不在 0–20 分之内").await;
        assert_eq!(b.text("#answer").await, first);

        // 12.5 with a comment (typed and with a quick button first, then corrected).
        b.click("#quick-marks button[data-mark='12']").await;
        b.fill("#mark", "12.5").await;
        b.fill("#comment", "要点基本齐全，论述略简。").await;
        b.shot("20-grader-marking").await;
        b.click("#submit-mark").await;
        b.wait_text("#marked-count", "本次已评 1 份").await;
        b.wait_js(
            "the next answer",
            &format!(
                "var t = document.getElementById('task'); \
                 return !t.hidden && t.dataset.task !== {first_task}"
            ),
        )
        .await;
        let second = b.text("#answer").await;
        assert_ne!(second, first, "the next answer loaded");
        assert!(b.js("return document.getElementById('marking-error').hidden").await == json!(true));
        assert_eq!(b.js("return document.getElementById('mark').value").await, json!(""));

        // The database has the mark and the comment, on the answer shown first.
        let answers = app.store.event_open_answers(app.event_id).await.expect("answers");
        let marked: Vec<_> = answers
            .iter()
            .flat_map(|a| a.marks.iter().map(move |m| (a, m)))
            .collect();
        assert_eq!(marked.len(), 1, "{answers:#?}");
        let (_, m) = marked[0];
        assert_eq!(m.mark, "12.5".parse::<Points>().unwrap());
        assert_eq!(m.comment, "要点基本齐全，论述略简。");
        assert_eq!(m.marker_slot, slot);

        // The other two, then nothing left.
        for mark in ["10", "15"] {
            b.fill("#mark", mark).await;
            b.click("#submit-mark").await;
            b.wait_text(
                "#marked-count",
                if mark == "10" {
                    "本次已评 2 份"
                } else {
                    "本次已评 3 份"
                },
            )
            .await;
        }
        b.wait_text("#empty", "暂无待评答卷").await;
        b.shot("21-grader-nothing-left").await;

        // A grader cannot open the chief's progress page.
        b.goto(&app.url("/marking/dashboard")).await;
        b.wait_path("back to marking", "/marking").await;

        // The chief grader logs in, lands on the marking page and opens the progress page.
        app.add_staff("chief", "阅卷组长王", "chief").await;
        b.click("#logout-btn").await;
        b.wait_path("the staff login", "/staff-login").await;
        b.staff_login("chief", "/marking").await;
        b.click("#dashboard-link").await;
        b.wait_path("the dashboard", "/marking/dashboard").await;
        let row = b.wait_text("#grader-rows", "阅卷人g1").await;
        assert!(row.contains("12.50"), "mean of 12.5, 10 and 15: {row}");
        b.wait_text("#question-rows", "3").await;
        b.wait_text("#disputed-rows", "暂无待仲裁").await;
        assert!(row.contains("秒"), "median time per answer: {row}");
        // Sortable by a column; the sort is shown on the header.
        b.click("#graders th[data-sort='mean']").await;
        assert_eq!(
            b.js("return document.querySelector(\"#graders th[data-sort='mean']\").getAttribute('aria-sort')")
                .await,
            json!("ascending")
        );
        b.shot("22-chief-dashboard").await;
        // Re-opening all of g1's marks needs a reason, then sends the three answers back.
        b.click(".reopen-grader").await;
        b.wait_text("#reopen-error", "请先填写重评原因").await;
        b.fill("#reopen-reason", "质检发现给分偏离评分要点").await;
        b.click(".reopen-grader").await;
        b.wait_text("#toast", "已重开“阅卷人g1”的 3 项评分").await;
        let answers = app.store.event_open_answers(app.event_id).await.expect("answers");
        assert!(
            answers.iter().all(|a| a.marks.iter().all(|m| m.superseded)),
            "{answers:#?}"
        );
        let audit = app.staff("office").await.audit(app.event_id).await;
        assert_eq!(
            audit
                .iter()
                .filter(|e| e.action == "reopen_mark" && e.reason == "质检发现给分偏离评分要点")
                .count(),
            3
        );
        // A control answer (质检卷) planted from the form: one grader will be offered it.
        b.click("#control-submit").await;
        b.wait_text("#control-error", "请填写质检答卷内容").await;
        b.fill(
            "#control-answer",
            "质检答卷：先用排列图找出主要问题，再用因果图分析原因，制定对策。",
        )
        .await;
        b.fill("#control-mark", "12").await;
        b.click("#control-submit").await;
        b.wait_text("#toast", "质检卷已投放给 1 位阅卷人").await;
        let row = b.wait_text("#control-rows", "0 / 1").await;
        assert!(row.contains("12") && row.contains("尚未评"), "{row}");
        // Shared out evenly: answers g1 marked cannot go to g1 again, so nothing is handed out.
        b.click("#share-even").await;
        b.wait_text("#toast", "已平均分配").await;
        b.wait_text("#share-mode", "自由领取").await;
        b.shot("23-chief-controls").await;
        b.close().await;
    });
}
