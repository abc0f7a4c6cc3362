//! The exam office's console (考务管理) in a real browser, and what it stands on through the API:
//! the overview of events (phase, counts, next step), creating a draft with its schedule from the
//! form, publishing it, a roster whose bad row is named by its row as Excel shows it, a roster
//! saved by Excel as GBK, and a release refused with its reasons.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::browser::{Browser, Driver, browser_test};
use crate::common::{self, Backend, ROSTER_HEADER, TestApp, each_backend, error_of};

fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

#[tokio::test]
async fn the_overview_says_where_each_event_stands_and_a_gbk_roster_is_read() {
    each_backend(|b: Backend| async move {
        let app = TestApp::spawn(b).await;
        let office = app.staff("office").await;
        let id = office
            .create_event(json!({ "name": "冬季考试", "starts_at": "2026-12-06T14:00:00+08:00", "rooms": ["A1"], "bank": "demo", "draft": true, "seed": 4 }))
            .await
            .id;
        let overview = |v: &Value| v.as_array().unwrap().iter().find(|e| e["id"] == id).cloned().unwrap();
        let (status, all) = office.get("/api/office/overview").await;
        assert_eq!(status, StatusCode::OK, "{all}");
        let e = overview(&all);
        assert_eq!((&e["phase"], &e["phase_name"]), (&json!("draft"), &json!("草稿")), "{e}");
        assert!(e["next_step"].as_str().unwrap().contains("发布考试"), "{e}");
        assert_eq!(e["timetable"], "12月6日 14:00 开考，13:30 起可开放考场，14:30 后不得入场，17:00 统一结束");
        office.publish(id, "demo").await;
        let e = overview(&office.get("/api/office/overview").await.1);
        assert_eq!((&e["phase_name"], &e["next_step"]), (&json!("已发布"), &json!("导入考生名单")), "{e}");

        // A roster saved by Excel on a Chinese Windows machine (GBK) is read.
        let csv = format!("{ROSTER_HEADER}张三,Zhang San,11010519491231002X,W0001,A1,1\n");
        let r = office
            .http
            .post(app.url(&format!("/api/office/events/{id}/roster")))
            .header("content-type", "text/csv")
            .body(gbk(&csv))
            .send()
            .await
            .unwrap();
        let (status, body) = (r.status(), r.text().await.unwrap());
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.contains("张三"), "the name read from GBK: {body}");
        let e = overview(&office.get("/api/office/overview").await.1);
        assert_eq!(e["candidates"], 1);
        assert!(e["next_step"].as_str().unwrap().contains("12月6日 14:00 开考"), "{e}");

        // Nobody but the office sees it.
        let (status, body) = app.staff("proctor").await.get("/api/office/overview").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(!error_of(&body).is_empty());
        app.finish().await;
    })
    .await;
}

impl Browser {
    /// The candidate login, for someone whose sitting is over.
    async fn result_login(&self, app: &TestApp) {
        self.goto(&app.url("/login")).await;
        self.fill("#ticket", "DEMO0001").await;
        self.fill("#password", common::DEMO_PASSWORD).await;
        self.click("#login-submit").await;
    }

    /// The console's bank: finds one item by its number and opens its preview.
    async fn preview_item(&self, item_id: &str) {
        self.fill("#bf-search", item_id).await;
        self.wait_text("#bf-count", "符合条件 1 道").await;
        self.click(&format!(
            "#bank-rows tr[data-item='{item_id}'] button[data-act='preview']"
        ))
        .await;
        self.visible("#item-dialog").await;
    }
}

/// A whole event as the office runs it in the browser: created, published, an XLSX roster refused
/// for a bad row then imported, a grader created and assigned, single marking set, admission
/// tickets printed, the release refused before anyone sat; candidates sit (through the API) and
/// the grader marks; a key correction previewed then made; the results released; a candidate
/// sees the result in the browser.
#[test]
fn the_office_runs_a_whole_event_in_the_browser_from_creation_to_the_candidates_result() {
    browser_test(|driver: Driver| async move {
        let app = TestApp::spawn(common::Backend::Sqlite).await;
        let files = tempfile::tempdir().unwrap();
        let page = driver.browser().await;
        page.staff_login_at(&app, "office", "/office").await;
        page.wait_text(&format!("#event-{} .badge", app.event_id), "考试中")
            .await;
        page.shot("office-01-home").await;

        // A new event from the form, as a draft with a 40-minute late-entry cut-off.
        page.click("#new-event-btn").await;
        page.visible("#event-dialog").await;
        page.fill("#ev-name", "2026 年冬季考试").await;
        page.js("document.getElementById('ev-date').value = '2026-12-06'; document.getElementById('ev-time').value = '14:00'; return 1;")
            .await;
        page.fill("#ev-rooms", "第二考场、第三考场").await;
        page.fill("#ev-late", "40").await;
        page.click("#ev-draft").await;
        page.shot("office-02-new-event").await;
        page.click("#event-confirm").await;
        page.wait_js(
            "the dialog to close",
            "return !document.getElementById('event-dialog').open",
        )
        .await;
        let events = app.exam.events().await.unwrap();
        let created = events
            .iter()
            .find(|e| e.name == "2026 年冬季考试")
            .expect("the event is created");
        assert_eq!((created.published, created.late_entry_ms), (false, 40 * 60_000));
        let row = format!("#event-{}", created.id);
        page.wait_text(&format!("{row} .badge"), "草稿").await;
        // The new event is shown with its own panels (not those of an event shown before).
        page.wait_text("#detail-title", "2026 年冬季考试").await;
        page.wait_text("#proctor-list", "还没有指派监考老师").await;
        assert!(
            page.text(&row).await.contains("14:40 后不得入场"),
            "{}",
            page.text(&row).await
        );

        // Publish; the next step is the roster.
        page.click(&format!("{row} button[data-act='publish']")).await;
        page.wait_text(&format!("{row} .badge"), "已发布").await;
        page.wait_text(&format!("{row} .event-next"), "导入考生名单").await;

        // A roster workbook with a bad row: named by its row as Excel shows it; nothing imported.
        page.click(&format!("{row} button[data-act='detail']")).await;
        page.visible("#event-detail").await;
        // Two candidates in 第二考场; the second one's ID number is `second_id`.
        let send = |name: &str, second_id: &str| {
            use common::XCell::{N, T};
            let file = files.path().join(name);
            let header = ["姓名", "姓名拼音", "身份证号", "准考证号", "考场", "座位"]
                .map(T)
                .into_iter()
                .collect();
            std::fs::write(
                &file,
                common::xlsx(&[
                    header,
                    vec![
                        T("张三"),
                        T("Zhang San"),
                        T("11010519491231002X"),
                        T("W0001"),
                        T("第二考场"),
                        N(1.0),
                    ],
                    vec![T("李四"), T("Li Si"), T(second_id), T("W0002"), T("第二考场"), N(2.0)],
                ]),
            )
            .unwrap();
            let page = &page;
            async move {
                page.upload("#roster-file", &file).await;
                page.click("#roster-check").await;
            }
        };
        send("名单.xlsx", "110105194912310021").await;
        let said = page.wait_text("#roster-error", "第 3 行").await;
        assert!(said.contains("身份证号"), "{said}");
        assert!(!page.find("#roster-preview").await.is_displayed().await.unwrap());
        page.shot("office-03-roster-refused").await;
        assert_eq!(app.store.roster_size(created.id).await.unwrap(), 0, "all or nothing");

        // Fixed, it is checked (the preview names rows and rooms), then imported.
        send("名单-改.xlsx", "11010519491231002X").await;
        page.wait_text("#roster-summary", "考生 2 名，没有发现问题（第二考场 2 人）")
            .await;
        assert!(page.text("#roster-rows").await.contains("W0002"));
        page.shot("office-04-roster-preview").await;
        assert_eq!(
            app.store.roster_size(created.id).await.unwrap(),
            0,
            "checking imports nothing"
        );
        // Watch the import's answer as a network inspector would: the passwords it issues once go
        // to the candidates, who log in with them below.
        page.js("window.__imports = []; const f = window.fetch; \
             window.fetch = async (...a) => { const r = await f(...a); \
               if (String(a[0]).endsWith('/roster')) window.__imports.push(await r.clone().json()); return r; }; \
             return 1;")
            .await;
        page.click("#roster-submit").await;
        page.wait_text("#roster-done", "已导入 2 名考生").await;
        let issued: Vec<(String, String)> = page
            .js("return window.__imports[0].passwords.map(p => [p.ticket, p.password])")
            .await
            .as_array()
            .expect("the issued passwords")
            .iter()
            .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_str().unwrap().to_string()))
            .collect();
        assert_eq!(issued.len(), 2);
        // The password slips, printed right away from the page that has the passwords.
        page.click("#slips-btn").await;
        page.wait_text("#toast", "已生成密码条（2 名考生）").await;
        let office = app.staff("office").await;
        let slips_path = format!("/api/office/events/{}/password-slips.pdf", created.id);
        let body = serde_json::json!({ "passwords": issued.iter().map(|(t, p)| serde_json::json!({ "ticket": t, "password": p })).collect::<Vec<_>>() });
        let slips = office
            .http
            .post(format!("{}{slips_path}", office.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(slips.status(), StatusCode::OK);
        let pdf = files.path().join("slips.pdf");
        std::fs::write(&pdf, slips.bytes().await.unwrap()).unwrap();
        if let Some(text) = common::cli::pdftotext(&pdf) {
            for (ticket, password) in &issued {
                assert!(
                    text.contains(ticket.as_str()) && text.contains(password.as_str()),
                    "{text}"
                );
            }
            assert!(text.contains("密码条") && text.contains("沿虚线剪开"), "{text}");
        }
        let (status, refused) = office
            .post(
                &slips_path,
                serde_json::json!({ "passwords": [{ "ticket": "DEMO0001", "password": "x1234567890" }] }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert!(
            common::error_of(&refused).contains("DEMO0001"),
            "another event's candidate is named: {refused}"
        );
        page.wait_text(&format!("{row} .event-counts"), "考生 2 名").await;
        page.wait_text("#results-summary", "考生 2 名").await;

        // Staff: a new grader, whose initial password is shown once, assigned to the open part.
        page.click("#new-staff-btn").await;
        page.visible("#staff-dialog").await;
        page.fill("#st-username", "zhang.grader").await;
        page.fill("#st-name", "阅卷人张").await;
        page.js("document.getElementById('st-role').value = 'grader'; return 1;")
            .await;
        page.click("#staff-confirm").await;
        let shown = page.wait_text("#staff-password", "zhang.grader").await;
        let password = page.text("#staff-password code").await;
        assert!(shown.contains("只显示这一次") && password.len() >= 10, "{shown}");
        page.wait_text("#staff-rows", "阅卷人张").await;
        // The account's creation is in the record of what was done outside any event.
        let record = page.wait_text("#staff-audit-rows", "新建账号").await;
        assert!(
            record.contains("zhang.grader") && record.contains("阅卷人张（阅卷人）"),
            "{record}"
        );
        page.shot("office-05-staff").await;
        let (status, _) = app
            .client()
            .post("/api/login", common::staff_login("zhang.grader", &password))
            .await;
        assert_eq!(status, StatusCode::OK, "the password shown is the account's");
        page.wait_js(
            "the new grader to be offered",
            "return [...document.querySelectorAll('#grader-user option')].some(o => o.value === 'zhang.grader')",
        )
        .await;
        page.js("document.getElementById('grader-user').value = 'zhang.grader'; return 1;")
            .await;
        page.click("#grader-form button[type='submit']").await;
        page.wait_text("#grader-list", "阅卷人张").await;
        assert!(
            page.text("#grader-list").await.contains("全部开放题"),
            "{}",
            page.text("#grader-list").await
        );
        // Every open question, by its stem, now has the grader.
        let per_question = page.wait_text("#open-question-list", "阅卷人张").await;
        assert!(!per_question.contains("未分配阅卷人"), "{per_question}");
        // The marking policy, with the rule that settles three marks, set to single marking.
        let rule = page.wait_text("#policy-rule", "中位数").await;
        assert!(rule.contains("最接近的两个分数的平均分"), "{rule}");
        page.js("document.getElementById('policy-double').value = 'false'; return 1;")
            .await;
        page.click("#policy-save").await;
        page.wait_text("#toast", "阅卷规则已保存").await;
        let policy: serde_json::Value = app
            .staff("office")
            .await
            .get_ok(&format!("/api/office/events/{}/marking-policy", created.id))
            .await;
        assert_eq!(policy["double"], false, "{policy}");
        page.js("document.getElementById('graders-title').scrollIntoView(); return 1;")
            .await;
        page.shot("office-06b-marking").await;
        page.js("document.getElementById('proctor-room').value = '第二考场'; return 1;")
            .await;
        page.click("#proctor-form button[type='submit']").await;
        page.wait_text("#proctor-list", "第二考场").await;

        // Release before anyone sat: refused, with the reason.
        page.click("#release-btn").await;
        let refused = page.wait_text("#release-error", "暂不能发布成绩").await;
        assert!(refused.contains("入场截止"), "{refused}");
        page.shot("office-06-event-detail").await;

        // The admission tickets the console links to: one page per candidate.
        let href = page
            .js("return document.getElementById('link-tickets').getAttribute('href')")
            .await;
        let office = app.staff("office").await;
        let tickets = office
            .http
            .get(format!("{}{}", office.base, href.as_str().unwrap()))
            .send()
            .await
            .unwrap();
        assert_eq!(tickets.status(), StatusCode::OK);
        assert!(tickets.bytes().await.unwrap().starts_with(b"%PDF-"));

        // The exam: the proctor opens 第二考场 at the start; both candidates sit (through the API).
        // W0001 answers the first item with a wrong option the key correction will accept.
        app.clock
            .advance_ms(created.starts_at_ms - app.clock.now_ms() + common::MIN);
        app.staff("proctor").await.open_room(created.id, "第二考场").await;
        let paper = app.office_paper("W0001").await;
        let first = &paper.objective[0];
        // Every candidate has a paper of their own, its options in their own order: each answers
        // the item by the letters on their paper (W0001 a wrong option the correction will
        // accept, the other the key); the office corrects the key in the bank's letters.
        let wrong_option = first.options.iter().find(|o| !first.key.contains(&o.label)).unwrap();
        let (key, wrong) = (
            app.bank_key(first.item_id.as_str()).await,
            wrong_option.source.as_char().to_string(),
        );
        for (ticket, password) in &issued {
            let c = app.client();
            c.login(common::ticket_login(ticket, password)).await;
            c.start().await;
            let own = app.office_paper(ticket).await;
            if let Some(item) = own.objective.iter().find(|i| i.item_id == first.item_id) {
                let answer: String = if ticket == "W0001" {
                    let option = item.options.iter().find(|o| o.source == wrong_option.source).unwrap();
                    option.label.as_char().to_string()
                } else {
                    item.key.iter().map(|l| l.as_char()).collect()
                };
                c.save(1, &item.no.to_string(), &answer).await;
            }
            c.save(2, "open", "1,2,3").await;
            c.save(3, "open-1", "应建立质量目标并逐层分解，按 PDCA 循环持续改进。")
                .await;
            c.submit().await;
        }

        // The grader changes the initial password and marks every answer (single marking).
        let grader = app.client();
        grader.login(common::staff_login("zhang.grader", &password)).await;
        let _: serde_json::Value = grader
            .post_ok(
                "/api/password",
                serde_json::json!({ "old_password": password, "new_password": "阅卷专用-2026-新密码" }),
            )
            .await;
        let mut marked = 0;
        while let Some(t) = grader.next_task(created.id).await {
            assert_eq!(t.round, "第一评");
            grader
                .mark(t.task_id, if t.answer.is_empty() { "0" } else { "12" })
                .await;
            marked += 1;
        }
        assert_eq!(marked, 6, "three open answers each, one mark each");

        // A key correction, previewed, then made; then the release.
        page.fill("#kc-item", first.item_id.as_str()).await;
        page.fill("#kc-accept", &format!("{key},{wrong}")).await;
        page.fill("#kc-reason", "专家组复核：两项均可").await;
        page.click("#kc-preview").await;
        let summary = page.wait_text("#kc-summary", "预览（尚未更正）").await;
        assert!(summary.contains("加分 1 人，减分 0 人"), "{summary}");
        page.click("#kc-commit").await;
        page.wait_text("#kc-done", "已更正并重新计分").await;
        page.click("#release-btn").await;
        page.wait_text("#release-done", "成绩已发布").await;
        page.wait_text(&format!("{row} .badge"), "已发布成绩").await;
        assert_eq!(page.page_errors().await, Vec::<String>::new(), "no script errors");

        // W0001 sees the result in the browser: the corrected item counts.
        let candidate = driver.browser().await;
        candidate.goto(&app.url("/login")).await;
        candidate.fill("#ticket", "W0001").await;
        let w0001 = &issued.iter().find(|(t, _)| t == "W0001").unwrap().1;
        candidate.fill("#password", w0001).await;
        candidate.click("#login-submit").await;
        let total = candidate.wait_text("#result-total", "总分").await;
        assert!(
            total.contains("13"),
            "1 objective point after the correction and 12 for the open answer: {total}"
        );
        // The 成绩单 to download, fetched while the candidate was logged in.
        candidate
            .wait_js(
                "the score report link",
                "const a = document.getElementById('result-pdf'); return !a.hidden && a.href.startsWith('blob:')",
            )
            .await;
        let own = app.client();
        own.login(common::ticket_login("W0001", w0001)).await;
        let report = own
            .http
            .get(format!("{}/api/candidate/score-report.pdf", own.base))
            .send()
            .await
            .unwrap();
        assert_eq!(report.status(), StatusCode::OK);
        assert!(report.bytes().await.unwrap().starts_with(b"%PDF-"));
        // Before a release there is none (the demo event's results are not released).
        let unreleased = app.client();
        unreleased
            .login(common::ticket_login("DEMO0001", common::DEMO_PASSWORD))
            .await;
        assert_eq!(
            unreleased.get("/api/candidate/score-report.pdf").await.0,
            StatusCode::NOT_FOUND
        );
        candidate.shot("office-13-whole-event-result").await;
        app.finish().await;
    })
}

#[test]
fn the_office_previews_a_key_correction_before_making_it_finds_a_candidate_and_reads_the_audit_log() {
    browser_test(|driver: Driver| async move {
        let app = TestApp::spawn(common::Backend::Sqlite).await;
        let w = app.wrong_first_answer().await;
        let score = || app.objective_score(w.candidate_id);
        let before = score().await;

        let page = driver.browser().await;
        page.staff_login_at(&app, "office", "/office").await;
        let row = format!("#event-{}", app.event_id);
        page.click(&format!("{row} button[data-act='detail']")).await;
        page.visible("#kc-form").await;
        page.fill("#kc-item", &w.item_id).await;
        page.fill("#kc-accept", &format!("{},{}", w.key, w.wrong)).await;
        page.fill("#kc-reason", "专家组复核：两项均可").await;
        page.click("#kc-preview").await;
        let summary = page.wait_text("#kc-summary", "预览（尚未更正）").await;
        assert!(summary.contains("加分 1 人，减分 0 人"), "{summary}");
        assert!(page.text("#kc-rows").await.contains("DEMO0001"));
        page.shot("office-07-key-correction-preview").await;
        assert_eq!(score().await, before, "the preview changed nothing");

        page.click("#kc-commit").await;
        page.wait_text("#kc-done", "已更正并重新计分").await;
        assert!(page.text("#kc-summary").await.starts_with("已更正"));
        assert_eq!(score().await, before + 100, "the commit did what the preview said");

        // The results: searched by ticket, then one candidate's every save (for an appeal).
        page.fill("#rf-search", "DEMO0001").await;
        page.wait_text("#rf-count", "显示 1 / 5 名").await;
        page.click("#results-rows tr[data-ticket='DEMO0001'] button[data-act='candidate']")
            .await;
        let card = page.wait_text("#cc-rows", "已保存").await;
        assert!(card.contains("第 1 题") && card.contains(&w.answered), "{card}");
        assert!(page.text("#cc-summary").await.contains("总分 1 分"));
        page.shot("office-08-candidate").await;
        // Who is weak where: the open part below 0.5 points (absentees left out).
        page.fill("#rf-search", "").await;
        page.js("document.getElementById('rf-module').value = 'open'; document.getElementById('rf-module').dispatchEvent(new Event('change')); return 1;")
            .await;
        page.fill("#rf-below", "0.5").await;
        page.wait_text("#rf-count", "显示 1 / 5 名").await;
        assert!(page.text("#results-rows").await.contains("DEMO0001"));
        page.fill("#rf-below", "").await;
        page.wait_text("#rf-count", "共 5 名").await;

        // A candidate of any event, by name, from the top of the console.
        page.fill("#find-text", "王芳").await;
        page.click("#find-btn").await;
        let found = page.wait_text("#find-results", "DEMO0002").await;
        assert!(found.contains("第一考场"), "{found}");
        page.click("#find-results button[data-ticket='DEMO0002']").await;
        page.wait_text("#cc-title", "王芳（DEMO0002）").await;
        let office = app.staff("office").await;
        let (status, all) = office.get("/api/office/candidates?q=demo000").await;
        assert_eq!(
            (status, all.as_array().map(Vec::len)),
            (StatusCode::OK, Some(5)),
            "{all}"
        );
        let (_, none) = office.get("/api/office/candidates?q=%25").await;
        assert_eq!(none, serde_json::json!([]), "a % is a character, not a wildcard");
        let (status, body) = office.get("/api/office/candidates?q=%20").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(common::error_of(&body).contains("准考证号"), "{body}");

        // Printing one candidate's answer sheet in the background, downloaded when ready.
        page.js("document.getElementById('print-what').value = 'answer-sheet'; return 1;")
            .await;
        page.fill("#print-ticket", "DEMO0001").await;
        page.click("#print-start").await;
        page.wait_text("#print-download", "DEMO0001-answer-sheet.pdf").await;
        assert!(page.text("#print-count").await.contains("1 / 1 份，已完成"));

        // The audit log names the correction; the filter by action keeps only it.
        page.wait_text("#audit-rows", "更正答案").await;
        page.js("const s = document.getElementById('audit-action'); s.value = 'key_correction'; s.dispatchEvent(new Event('change')); return 1;")
            .await;
        page.wait_js(
            "the filter to apply",
            "return [...document.querySelectorAll('#audit-rows tr')].every(r => r.cells[2].textContent === '更正答案')",
        )
        .await;
        assert!(page.text("#audit-rows").await.contains("专家组复核：两项均可"));
        page.shot("office-09-audit").await;

        // The bank: its cells against the blueprint; an item previewed with its key, retired.
        page.click("#bank-form button[type='submit']").await;
        page.wait_text("#bank-summary", "份题目互不重复的试卷").await;
        page.preview_item(&w.item_id).await;
        page.wait_text("#item-options", "正确答案").await;
        page.shot("office-11-bank-item").await;
        page.fill("#item-reason", "题干有歧义").await;
        page.click("#item-retire").await;
        page.wait_text("#item-meta", "已停用").await;
        page.click("#item-close").await;
        page.wait_text(
            &format!("#bank-rows tr[data-item='{}']", w.item_id),
            "已停用（考务办公室）",
        )
        .await;
        page.shot("office-12-bank").await;

        // An item with a picture, previewed with it.
        page.preview_item("M6-S-002").await;
        page.wait_js(
            "the picture to load",
            "const img = document.querySelector('#item-figures img'); return !!img && img.complete && img.naturalWidth > 0",
        )
        .await;
        assert!(page.text("#item-figures").await.contains("pareto.png"));
        page.shot("office-12b-bank-item-picture").await;
        page.click("#item-close").await;

        // A new version uploaded as a ZIP: a broken one is listed problem by problem and not
        // stored; the mended one is stored and shown.
        let files = tempfile::tempdir().unwrap();
        let broken = files.path().join("题库-有误.zip");
        std::fs::write(
            &broken,
            common::bank_zip(
                |name, text| {
                    if name == "items/m1-quality.toml" {
                        text.replacen("key = ", "kee = ", 1)
                    } else {
                        text
                    }
                },
                &[],
            ),
        )
        .unwrap();
        page.upload("#bank-file", &broken).await;
        page.click("#bank-upload").await;
        let listed = page.wait_text("#bank-problems-caption", "处问题，未保存").await;
        assert!(listed.contains("题库-有误.zip"), "{listed}");
        assert!(page.text("#bank-problem-rows").await.contains("items/m1-quality.toml"));
        page.shot("office-14-bank-upload-problems").await;
        let good = files.path().join("题库.zip");
        std::fs::write(&good, common::bank_zip(|_, t| t, &[])).unwrap();
        page.upload("#bank-file", &good).await;
        page.click("#bank-upload").await;
        page.wait_text("#bank-upload-done", "已保存为新版本").await;
        let spec = page.js("return document.getElementById('bank-spec').value").await;
        assert!(
            spec.as_str()
                .unwrap()
                .starts_with(&app.banks.path().display().to_string()),
            "{spec}"
        );
        page.wait_text("#bank-summary", "份题目互不重复的试卷").await;

        // A bank in another format (GIFT here): the report lists the refused question by its
        // line; accepting stores the rest as a new version, and the bank exports again.
        let gift = files.path().join("片段.gift");
        std::fs::write(
            &gift,
            "::G1::顾客满意是顾客对其要求已被满足的程度的什么？{=感受 ~要求 ~期望 ~投诉}\n\n::G2::只有一个正确选项的多选题{~%100%甲 ~乙 ~丙 ~丁}\n",
        )
        .unwrap();
        page.upload("#import-file", &gift).await;
        page.js("document.getElementById('import-module').value = '2'; return 1;")
            .await;
        page.fill("#import-id", "gift-bank").await;
        page.click("#import-check").await;
        let summary = page.wait_text("#import-summary", "导入 1 题").await;
        assert!(summary.contains("片段.gift"), "{summary}");
        let notes = page.text("#import-note-rows").await;
        assert!(
            notes.contains("第 3 行") && notes.contains("至少要有 2 个正确选项"),
            "{notes}"
        );
        page.shot("office-15-bank-import-report").await;
        page.click("#import-accept").await;
        page.wait_text("#bank-upload-done", "已保存为新版本").await;
        page.wait_text("#bank-summary", "题库 gift-bank").await;
        assert_eq!(page.page_errors().await, Vec::<String>::new(), "no script errors");
        app.finish().await;
    })
}

#[test]
fn a_candidate_sees_the_released_result_on_logging_in_and_before_it_when_it_comes() {
    browser_test(|driver: Driver| async move {
        let app = TestApp::spawn(common::Backend::Sqlite).await;
        app.staff("proctor").await.open_room(app.event_id, common::ROOM).await;
        let c = app.candidate("DEMO0001").await;
        c.start().await;
        let key: String = app.office_paper("DEMO0001").await.objective[0]
            .key
            .iter()
            .map(|l| l.as_char())
            .collect();
        c.save(1, "1", &key).await;
        c.submit().await;

        let page = driver.browser().await;
        page.result_login(&app).await;
        page.wait_text("#login-error", "成绩尚未发布").await;

        // Past the cut-off the four who never started are absent, and the result is released.
        app.clock.advance_ms(31 * common::MIN);
        app.staff("office").await.release(app.event_id).await;
        page.result_login(&app).await;
        page.wait_text("#result-total", "总分 1 分").await;
        assert_eq!(page.text("#result-verdict").await, "不合格");
        assert!(page.text("#result-parts").await.contains("单项选择题"));
        page.shot("office-10-candidate-result").await;
        app.finish().await;
    })
}

#[tokio::test]
async fn the_cli_shows_the_results_exports_them_audited_and_refuses_a_release_with_the_reason() {
    use crate::common::cli::{assert_exit, assert_ok, kaowu, stderr, stdout};
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.started_candidate("DEMO0001").await;
    let (db, ev) = (app.db.url.clone(), app.event_id.to_string());

    let out = kaowu(["release", "--database", &db, "--event", &ev]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("暂不能发布成绩"), "{}", stderr(&out));

    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("成绩.csv");
    let out = kaowu([
        "results",
        "--database",
        &db,
        "--event",
        &ev,
        "--out",
        csv.to_str().unwrap(),
    ]);
    assert_ok(&out);
    assert!(
        stdout(&out).contains("考生 5 名") && stdout(&out).contains("成绩尚未发布"),
        "{}",
        stdout(&out)
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.starts_with('\u{feff}') && text.contains("准考证号") && text.contains("DEMO0005"),
        "{text}"
    );
    let audit = app.staff("office").await.audit(app.event_id).await;
    assert!(
        audit.iter().any(|a| a.actor == "cli"),
        "the export is audited: {audit:?}"
    );
    let again = kaowu([
        "results",
        "--database",
        &db,
        "--event",
        &ev,
        "--out",
        csv.to_str().unwrap(),
    ]);
    assert_exit(&again, 1);
    app.finish().await;
}
