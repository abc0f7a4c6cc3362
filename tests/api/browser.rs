//! The exam-day pages in a real browser: Debian's headless Chromium driven through chromedriver
//! (fantoccini), against the real server on an ephemeral port with a manual clock.
//!
//! Without /usr/bin/chromium and /usr/bin/chromedriver every test here prints a loud SKIP (a
//! failure under KAOWU_REQUIRE_ALL_TESTS=1, as in CI). Screenshots of the main pages are written
//! to target/screenshots/ for people to look at.
//!
//! The candidate pages are opened with `?sync=1`: the page re-reads its status every second
//! instead of every 15, so a pause or the end of time shows within a test's patience.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use fantoccini::key::Key;
use serde_json::{Value, json};

use crate::common::browser::{Browser, Driver, browser_test};
use crate::common::{self, DEMO_PASSWORD as PASSWORD, MIN, ROOM, TestApp};

/// The candidate's pages and the proctor's console, step by step.
impl Browser {
    // -- the candidate's pages --

    async fn candidate_login(&self, app: &TestApp, ticket: &str) {
        self.goto(&app.url("/login?sync=1")).await;
        self.fill("#ticket", ticket).await;
        self.fill("#password", PASSWORD).await;
        self.click("#login-submit").await;
        self.wait_js("the exam page", "return location.pathname === '/exam'")
            .await;
    }

    /// Logs in, starts (the room must be open) and waits for the first item.
    async fn candidate_started(&self, app: &TestApp, ticket: &str) {
        self.candidate_login(app, ticket).await;
        self.click("#start-btn").await;
        self.visible("#view-exam").await;
        self.wait_text("#item-title", "第 1 题").await;
    }

    /// Goes to view `index` (0-based, in paper order; the open questions come last).
    async fn open_view(&self, index: usize) {
        self.click(&format!("#cell-{index}")).await;
        self.wait_js(
            "the item to show",
            &format!("return document.getElementById('cell-{index}').classList.contains('current')"),
        )
        .await;
        assert_eq!(
            self.js("return document.querySelectorAll('#nav .current').length")
                .await,
            json!(1),
            "one current item in the panel"
        );
    }

    async fn pick(&self, item: u32, label: char) {
        self.click(&format!("label[for='opt-{item}-{label}']")).await;
    }

    /// Waits until the page says every answer is saved.
    async fn all_saved(&self) {
        self.wait_js(
            "everything saved",
            "return document.getElementById('save-state').dataset.state === 'saved'",
        )
        .await;
    }

    /// The countdown as shown, in seconds.
    pub(crate) async fn countdown(&self) -> i64 {
        let t = self.text("#countdown-value").await;
        let parts: Vec<i64> = t.split(':').filter_map(|p| p.trim().parse().ok()).collect();
        assert_eq!(parts.len(), 3, "countdown “{t}”");
        parts[0] * 3600 + parts[1] * 60 + parts[2]
    }

    // -- the proctor's console --

    async fn proctor_login(&self, app: &TestApp) {
        self.staff_login_at(app, "proctor", "/proctor").await;
        self.visible("#seat-DEMO0001").await;
    }

    /// Clicks a seat's action button, gives a reason (and minutes) and confirms.
    async fn seat_action(&self, ticket: &str, act: &str, reason: &str, minutes: Option<u32>) {
        self.click(&format!("button[data-act='{act}'][data-ticket='{ticket}']"))
            .await;
        self.visible("#action-dialog").await;
        if let Some(m) = minutes {
            self.fill("#action-minutes", &m.to_string()).await;
        }
        self.fill("#action-reason", reason).await;
        self.click("#action-confirm").await;
        self.wait_js(
            "the dialog to close",
            "return !document.getElementById('action-dialog').open",
        )
        .await;
    }

    async fn seat_state(&self, ticket: &str, name: &str) {
        self.wait_text(&format!("#seat-{ticket} .badge"), name).await;
    }
}

/// The room opened through the API, and a candidate's browser started with item 1 answered
/// `label` and saved.
async fn sitting_in_browser(app: &TestApp, driver: &Driver, ticket: &str, label: char) -> Browser {
    app.staff("proctor").await.open_room(app.event_id, ROOM).await;
    let cand = driver.browser().await;
    cand.candidate_started(app, ticket).await;
    cand.pick(1, label).await;
    cand.all_saved().await;
    cand
}

/// Views in paper order: 50 single, 20 multiple choice, then the 5 open questions.
const FIRST_MULTI: usize = 50;
const FIRST_OPEN: usize = 70;

// ---- the scenarios ------------------------------------------------------------------------------

#[test]
fn a_full_sitting_in_the_browser() {
    browser_test(|driver| async move {
        let started = Instant::now();
        let app = TestApp::spawn(common::Backend::Sqlite).await;
        let cand = driver.browser().await;
        let proctor = driver.browser().await;

        // Landing page → candidate login; a wrong password is named as such.
        cand.goto(&app.url("/")).await;
        cand.wait_text("h1", "欢迎使用机考系统").await;
        cand.shot("01-landing").await;
        cand.click("#go-candidate").await;
        cand.wait_js("the login page", "return location.pathname === '/login'")
            .await;
        cand.goto(&app.url("/login?sync=1")).await;
        cand.fill("#ticket", "DEMO0001").await;
        cand.fill("#password", "wrong-password").await;
        cand.click("#login-submit").await;
        cand.wait_text("#login-error", "准考证号或密码错误").await;
        cand.shot("02-login-wrong-password").await;
        cand.fill("#password", PASSWORD).await;
        cand.click("#login-submit").await;

        // Instructions and the waiting state: the room is not open yet.
        cand.wait_text("#wait-card", "考场尚未开放").await;
        assert!(cand.text("#view-intro").await.contains("开放式试题"));
        assert!(cand.text("#view-intro").await.contains("180 分钟"));
        cand.shot("03-instructions-waiting").await;

        // The proctor opens the room from the console; the candidate's page starts by itself.
        proctor.proctor_login(&app).await;
        proctor.seat_state("DEMO0001", "等待开考").await;
        proctor.shot("04-proctor-before-opening").await;
        proctor.click("#open-room-btn").await;
        proctor.visible("#action-dialog").await;
        proctor.click("#action-confirm").await;
        proctor.wait_text("#room-state", "已开放").await;
        cand.visible("#view-exam").await;
        cand.wait_text("#item-title", "第 1 题").await;
        let head = cand.text("#item .item-head").await;
        for shown in ["单项选择题", "模块", "1 分"] {
            assert!(head.contains(shown), "item header shows {shown}: {head}");
        }
        cand.shot("05-exam-single-choice").await;

        // Single choice by mouse, then by keyboard: the arrow key moves the choice within item 2.
        cand.pick(1, 'B').await;
        cand.wait_text("#item .item-save", "已保存").await;
        cand.click("#next-btn").await;
        cand.wait_text("#item-title", "第 2 题").await;
        cand.pick(2, 'A').await;
        cand.find("#opt-2-A")
            .await
            .send_keys(&Key::Down.to_string())
            .await
            .expect("arrow key");
        cand.wait_js(
            "the arrow key to choose B",
            "return document.getElementById('opt-2-B').checked",
        )
        .await;
        assert!(!cand.checked("#opt-2-A").await, "a radio item keeps one choice");

        // Multiple choice: A and C by mouse, D by keyboard (arrow to it, space to tick).
        cand.open_view(FIRST_MULTI).await;
        let multi_no = FIRST_MULTI as u32 + 1;
        assert!(cand.text("#item .item-head").await.contains("多项选择题"));
        cand.pick(multi_no, 'A').await;
        cand.pick(multi_no, 'C').await;
        let c = cand.find(&format!("#opt-{multi_no}-C")).await;
        c.send_keys(&Key::Down.to_string()).await.expect("arrow key");
        cand.wait_js(
            "focus on D",
            &format!("return document.activeElement.id === 'opt-{multi_no}-D'"),
        )
        .await;
        cand.wd
            .active_element()
            .await
            .expect("focused")
            .send_keys(" ")
            .await
            .expect("space");
        cand.wait_js(
            "D ticked",
            &format!("return document.getElementById('opt-{multi_no}-D').checked"),
        )
        .await;
        cand.click("#flag-btn").await;
        cand.wait_js(
            "the flag in the panel",
            &format!("return document.getElementById('cell-{FIRST_MULTI}').classList.contains('flagged')"),
        )
        .await;
        cand.all_saved().await;
        cand.shot("06-exam-multiple-choice-flagged").await;

        // A picture under a stem (the demo bank's Pareto chart or histogram, which DEMO0001's
        // paper shows: the seed is fixed): shown, loaded from the server, with its caption.
        let paper = app.office_paper("DEMO0001").await;
        let index = paper
            .objective
            .iter()
            .position(|i| !i.images.is_empty())
            .expect("DEMO0001's paper shows a picture");
        cand.open_view(index).await;
        cand.wait_js(
            "the picture to load",
            "const img = document.querySelector('#item .item-figure img'); return !!img && img.complete && img.naturalWidth > 0",
        )
        .await;
        assert!(cand.text("#item .item-figure").await.contains("图 1"));
        cand.shot("06b-exam-picture").await;

        // Open questions: choose 1, 3 and 5 and write; a fourth cannot be chosen.
        let texts = [
            (1, "质量是一组固有特性满足要求的程度。"),
            (3, "卓越绩效模式强调以顾客为中心、领导作用和系统管理。"),
            (5, "应用PDCA循环：策划、实施、检查、处置。"),
        ];
        for (no, text) in texts {
            cand.open_view(FIRST_OPEN + no - 1).await;
            cand.click(&format!("#choose-{no}")).await;
            cand.fill(&format!("#answer-{no}"), text).await;
            let n = text.chars().count();
            cand.wait_text(&format!("#counter-{no}"), &format!("已输入 {n} 字 / 上限 5000 字"))
                .await;
        }
        cand.open_view(FIRST_OPEN + 1).await;
        assert_eq!(cand.prop("#choose-2", "disabled").await.as_deref(), Some("true"));
        cand.wait_text("#open-full", "已选满 3 题").await;
        cand.open_view(FIRST_OPEN + 4).await;
        cand.all_saved().await;
        cand.shot("07-exam-open-question").await;

        let saved = app.stored_answers("DEMO0001").await;
        assert_eq!(
            saved.get("flags"),
            Some(&multi_no.to_string()),
            "the flag is saved with the answers"
        );
        assert_eq!(saved.get("1").map(String::as_str), Some("B"));
        assert_eq!(saved.get("2").map(String::as_str), Some("B"));
        assert_eq!(saved.get(&multi_no.to_string()).map(String::as_str), Some("ACD"));
        assert_eq!(saved.get("open").map(String::as_str), Some("1,3,5"));
        for (no, text) in texts {
            assert_eq!(saved.get(&format!("open-{no}")).map(String::as_str), Some(text));
        }

        // Larger text for a candidate who needs it: no sideways scrolling at 1280 wide.
        cand.click("button[data-font='1']").await;
        cand.click("button[data-font='1']").await;
        assert_eq!(cand.attr("html", "data-font").await.as_deref(), Some("2"));
        assert_eq!(
            cand.js("return document.documentElement.scrollWidth <= document.documentElement.clientWidth")
                .await,
            Value::Bool(true),
            "no horizontal scrolling with large text"
        );
        cand.shot("08-exam-large-text").await;
        cand.click("button[data-font='-1']").await;
        cand.click("button[data-font='-1']").await;

        // 37 minutes later the page is reloaded: every answer and the server's time are back.
        app.clock.advance_ms(37 * MIN);
        cand.wd.refresh().await.expect("reload");
        cand.visible("#view-exam").await;
        cand.wait_js(
            "the countdown to sync",
            "const t = document.getElementById('countdown-value').textContent; return t.startsWith('02:2');",
        )
        .await;
        let shown = cand.countdown().await;
        let server = (180 - 37) * 60;
        assert!(
            (server - 5..=server).contains(&shown),
            "countdown {shown}s, server says {server}s"
        );
        cand.wait_text("#item-title", "开放式试题 第 5 题").await;
        assert_eq!(
            cand.prop("#answer-5", "value").await.as_deref(),
            Some(texts[2].1),
            "text back after reload"
        );
        cand.open_view(0).await;
        assert!(cand.checked("#opt-1-B").await);
        cand.open_view(1).await;
        assert!(cand.checked("#opt-2-B").await);
        cand.open_view(FIRST_MULTI).await;
        for (label, on) in [('A', true), ('B', false), ('C', true), ('D', true)] {
            assert_eq!(
                cand.checked(&format!("#opt-{multi_no}-{label}")).await,
                on,
                "option {label}"
            );
        }
        assert_eq!(
            cand.attr(&format!("#cell-{FIRST_MULTI}"), "class")
                .await
                .map(|c| c.contains("flagged")),
            Some(true),
            "the flag survives a reload"
        );
        for no in [1, 3, 5] {
            let class = cand
                .attr(&format!("#cell-{}", FIRST_OPEN + no - 1), "class")
                .await
                .unwrap_or_default();
            assert!(class.contains("answered"), "open {no} shown answered: {class}");
        }

        // Submit: the confirmation lists what is unanswered.
        cand.click("#submit-btn").await;
        cand.visible("#submit-dialog").await;
        let summary = cand.wait_text("#submit-summary", "未作答 67 题").await;
        assert!(summary.contains("已选答 3 / 3 题"), "{summary}");
        assert!(summary.contains("标记待查"), "{summary}");
        cand.shot("09-submit-confirmation").await;
        cand.click("#submit-confirm").await;
        cand.wait_text("#done-title", "交卷成功").await;
        cand.wait_text("#done-by", "考生本人交卷").await;
        cand.shot("10-submitted").await;
        let s = app.sitting("DEMO0001").await;
        assert_eq!(s.state, exam_rules::sitting::SittingState::Submitted);
        assert_eq!(s.submitted_by.as_deref(), Some("candidate"));

        proctor.seat_state("DEMO0001", "已交卷").await;
        proctor.shot("11-proctor-console").await;

        // Logging in again after submitting is refused with a clear message.
        cand.click("#logout-btn").await;
        cand.wait_js("the login page", "return location.pathname === '/login'")
            .await;
        cand.fill("#ticket", "DEMO0001").await;
        cand.fill("#password", PASSWORD).await;
        cand.click("#login-submit").await;
        cand.wait_text("#login-error", "您已交卷").await;

        cand.close().await;
        proctor.close().await;
        app.finish().await;
        eprintln!("full sitting: {:.1}s", started.elapsed().as_secs_f64());
    });
}

#[test]
fn saves_made_while_the_network_is_down_arrive_when_it_returns() {
    browser_test(|driver| async move {
        let app = TestApp::spawn(common::Backend::Sqlite).await;
        let cand = sitting_in_browser(&app, &driver, "DEMO0002", 'B').await;

        // The server goes away (as when a cable is pulled): changes queue in the browser.
        let (addr, clock): (SocketAddr, _) = (app.addr, app.clock.clone());
        let db = app.stop().await;
        cand.open_view(1).await;
        cand.pick(2, 'A').await;
        cand.open_view(2).await;
        cand.pick(3, 'C').await;
        cand.open_view(1).await;
        cand.pick(2, 'D').await;
        cand.open_view(FIRST_OPEN + 1).await;
        cand.click("#choose-2").await;
        cand.fill("#answer-2", "网络中断时写下的答案。").await;
        cand.open_view(3).await; // leaving the text commits it to the queue
        cand.wait_js(
            "the offline state",
            "return document.getElementById('save-state').dataset.state === 'offline'",
        )
        .await;
        cand.wait_text("#save-text", "离线").await;
        assert!(cand.find("#net-banner").await.is_displayed().await.unwrap());
        cand.open_view(1).await;
        let item_state = cand.text("#item .item-save").await;
        assert!(
            !item_state.contains("已保存"),
            "not acknowledged, so not “saved”: {item_state}"
        );
        assert!(
            cand.attr("#cell-1", "class")
                .await
                .unwrap_or_default()
                .contains("pending")
        );
        let queued = cand.js("return window.KaowuExam.queue()").await;
        let stored = cand
            .js("return JSON.parse(localStorage.getItem('kaowu.DEMO0002.queue'))")
            .await;
        assert_eq!(queued, stored, "the queue is kept in localStorage");
        // Sent in seq order, one entry per slot where a newer value replaced an unsent one.
        let entries = queued.as_array().unwrap();
        let seqs: Vec<i64> = entries.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "queue in seq order: {queued}");
        let last: BTreeMap<&str, &str> = entries
            .iter()
            .map(|e| (e["slot"].as_str().unwrap(), e["value"].as_str().unwrap()))
            .collect();
        let expected: BTreeMap<&str, &str> = [
            ("2", "D"),
            ("3", "C"),
            ("open", "2"),
            ("open-2", "网络中断时写下的答案。"),
        ]
        .into();
        assert_eq!(
            last, expected,
            "every change queued, the newest per slot last: {queued}"
        );
        cand.shot("12-offline-queued").await;

        // The server returns on the same address: the queue drains in order, nothing is lost.
        let app = TestApp::spawn_at(db, clock, addr).await;
        cand.all_saved().await;
        assert!(
            !cand.find("#net-banner").await.is_displayed().await.unwrap(),
            "back online"
        );
        let saved = app.stored_answers("DEMO0002").await;
        for (slot, value) in [
            ("1", "B"),
            ("2", "D"),
            ("3", "C"),
            ("open", "2"),
            ("open-2", "网络中断时写下的答案。"),
        ] {
            assert_eq!(saved.get(slot).map(String::as_str), Some(value), "slot {slot}");
        }
        let id = app.candidate_id("DEMO0002").await;
        let log = app.store.save_log(id).await.expect("save log");
        let seqs: Vec<i64> = log.iter().map(|r| r.seq).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "sent in order: {seqs:?}");

        // Saves blocked while the page is reloaded: the queue survives the reload and is sent after.
        cand.cdp("Network.enable", json!({})).await;
        cand.cdp("Network.setBlockedURLs", json!({ "urls": ["*/api/candidate/saves*"] }))
            .await;
        cand.open_view(4).await;
        cand.pick(5, 'A').await;
        cand.open_view(5).await;
        cand.pick(6, 'B').await;
        cand.wait_text("#save-text", "待保存").await;
        cand.wd.refresh().await.expect("reload");
        cand.visible("#view-exam").await;
        cand.wait_text("#item-title", "第 6 题").await;
        assert!(
            cand.checked("#opt-6-B").await,
            "a queued answer is shown after the reload"
        );
        let state = cand.text("#item .item-save").await;
        assert!(!state.contains("已保存"), "still not acknowledged: {state}");
        assert_eq!(
            app.stored_answers("DEMO0002").await.get("6"),
            None,
            "not on the server yet"
        );
        cand.shot("13-reloaded-with-queue").await;
        cand.cdp("Network.setBlockedURLs", json!({ "urls": [] })).await;
        cand.all_saved().await;
        let saved = app.stored_answers("DEMO0002").await;
        assert_eq!(saved.get("5").map(String::as_str), Some("A"));
        assert_eq!(saved.get("6").map(String::as_str), Some("B"));

        cand.close().await;
        app.finish().await;
    });
}

#[test]
fn time_runs_out_with_the_page_open() {
    browser_test(|driver| async move {
        let app = TestApp::spawn(common::Backend::Sqlite).await;
        let cand = sitting_in_browser(&app, &driver, "DEMO0003", 'A').await;

        // 29 minutes left: the 30-minute warning, and the countdown turns amber.
        app.clock.advance_ms(151 * MIN);
        cand.wait_text("#warning-banner", "还有 30 分钟").await;
        assert_eq!(cand.attr("#countdown", "data-level").await.as_deref(), Some("warn"));
        cand.shot("14-warning-30-minutes").await;
        // 4 minutes left: the 5-minute warning (15 is passed over in the same jump).
        app.clock.advance_ms(25 * MIN);
        cand.wait_text("#warning-banner", "还有 5 分钟").await;
        assert_eq!(cand.attr("#countdown", "data-level").await.as_deref(), Some("danger"));

        // Time runs out: the page shows the system's submission within a few seconds.
        app.clock.advance_ms(3 * 60 * MIN);
        let t0 = Instant::now();
        cand.wait_text("#done-title", "系统已自动交卷").await;
        assert!(t0.elapsed() < Duration::from_secs(5), "took {:?}", t0.elapsed());
        cand.wait_text("#done-by", "系统自动交卷").await;
        cand.shot("15-time-up").await;
        let s = app.sitting("DEMO0003").await;
        assert_eq!(s.submitted_by.as_deref(), Some("system"));
        assert_eq!(
            app.stored_answers("DEMO0003").await.get("1").map(String::as_str),
            Some("A")
        );

        cand.close().await;
        app.finish().await;
    });
}

#[test]
fn a_proctor_pauses_and_resumes_a_candidate() {
    browser_test(|driver| async move {
        let app = TestApp::spawn(common::Backend::Sqlite).await;
        let cand = driver.browser().await;
        let proctor = driver.browser().await;
        proctor.proctor_login(&app).await;
        assert!(proctor.text("#room-title").await.contains(ROOM));
        cand.candidate_login(&app, "DEMO0004").await;
        proctor.seat_state("DEMO0004", "等待开考").await;
        proctor.click("#open-room-btn").await;
        proctor.click("#action-confirm").await;
        cand.visible("#view-exam").await;
        cand.pick(1, 'C').await;
        cand.all_saved().await;
        proctor.seat_state("DEMO0004", "答题中").await;
        app.clock.advance_ms(20 * MIN);
        cand.wait_js(
            "160 minutes left",
            "return document.getElementById('countdown-value').textContent.startsWith('02:40')",
        )
        .await;
        let before = cand.countdown().await;

        // Paused: the page says so, nothing can be changed, and the countdown stands still —
        // also while the server's clock runs on.
        proctor
            .seat_action("DEMO0004", "pause", "考生身体不适，暂停处理", None)
            .await;
        proctor.seat_state("DEMO0004", "已暂停").await;
        cand.visible("#overlay").await;
        cand.wait_text("#overlay-title", "考试已暂停").await;
        cand.wait_text("#countdown-label", "已暂停").await;
        assert_eq!(cand.prop("#opt-1-A", "disabled").await.as_deref(), Some("true"));
        let paused_at = cand.countdown().await;
        app.clock.advance_ms(10 * MIN);
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert_eq!(cand.countdown().await, paused_at, "the countdown stops while paused");
        assert!((paused_at - before).abs() <= 2, "{before} → {paused_at}");
        cand.shot("16-candidate-paused").await;
        proctor.shot("17-proctor-paused").await;

        // Resumed: the paused ten minutes are not charged, and the time runs again.
        proctor
            .seat_action("DEMO0004", "resume", "处理完毕，恢复考试", None)
            .await;
        cand.wait_js("the overlay to go", "return document.getElementById('overlay').hidden")
            .await;
        let resumed = cand.countdown().await;
        assert!(
            (paused_at - 3..=paused_at).contains(&resumed),
            "{paused_at} → {resumed}"
        );
        app.clock.advance_ms(MIN);
        cand.wait_js(
            "a minute to pass",
            "return document.getElementById('countdown-value').textContent.startsWith('02:39')",
        )
        .await;
        assert!(!cand.checked("#opt-1-A").await && cand.prop("#opt-1-A", "disabled").await.as_deref() == Some("false"));

        // Extra time, a move to another workstation, and an incident, all logged.
        proctor
            .seat_action("DEMO0004", "extra", "设备故障耽误时间，补时", Some(10))
            .await;
        cand.wait_js(
            "ten more minutes",
            "return document.getElementById('countdown-value').textContent.startsWith('02:49')",
        )
        .await;
        proctor.seat_action("DEMO0004", "move", "原机位显示器故障", None).await;
        proctor.wait_text("#seat-DEMO0004 .notes", "允许换机").await;
        proctor.wait_text("#seat-DEMO0004 .notes", "已延时 10 分钟").await;
        proctor.click("#incident-btn").await;
        proctor.visible("#action-dialog").await;
        proctor
            .find("#action-ticket")
            .await
            .select_by_value("DEMO0004")
            .await
            .expect("choose the candidate");
        proctor.fill("#action-reason", "考生反映座椅损坏，已更换").await;
        proctor.click("#action-confirm").await;
        let log = proctor.wait_text("#log", "考场事件").await;
        for entry in ["开放考场", "暂停", "恢复", "延长时间 10 分钟", "允许更换机位"] {
            assert!(log.contains(entry), "log shows {entry}: {log}");
        }
        proctor.shot("18-proctor-console-log").await;

        cand.close().await;
        proctor.close().await;
        app.finish().await;
    });
}

#[test]
fn login_explains_why_it_refuses() {
    browser_test(|driver| async move {
        let app = TestApp::spawn(common::Backend::Sqlite).await;
        let b = driver.browser().await;
        b.goto(&app.url("/login")).await;
        b.click("#login-submit").await;
        b.wait_text("#login-error", "请输入准考证号和密码").await;
        for _ in 0..5 {
            b.fill("#ticket", "DEMO0005").await;
            b.fill("#password", "not-it").await;
            b.click("#login-submit").await;
            b.wait_text("#login-error", "准考证号或密码错误").await;
            b.js("document.getElementById('login-error').textContent = ''").await;
        }
        b.fill("#password", PASSWORD).await;
        b.click("#login-submit").await;
        b.wait_text("#login-error", "锁定").await;
        b.shot("19-login-locked").await;

        // The exam page without a login sends the browser to the login page.
        b.goto(&app.url("/exam")).await;
        b.wait_js("a redirect", "return location.pathname === '/login'").await;
        b.goto(&app.url("/proctor")).await;
        b.wait_js("a redirect", "return location.pathname === '/staff-login'")
            .await;
        b.close().await;
        app.finish().await;
    });
}

#[test]
fn saves_the_server_cannot_write_stay_in_the_browser_until_it_can() {
    browser_test(|driver| async move {
        let app = TestApp::spawn(common::Backend::Sqlite).await;
        let cand = sitting_in_browser(&app, &driver, "DEMO0003", 'A').await;

        // Another process holds the database's write lock (as a full disk, it makes every save
        // fail): the server answers 503 after its busy timeout and the page keeps the answer.
        let mut cli = app.db_connection().await;
        sqlx::query("BEGIN IMMEDIATE").execute(&mut cli).await.unwrap();
        cand.open_view(1).await;
        cand.pick(2, 'C').await;
        cand.wait_text("#net-text", "服务器暂时无法保存答案").await;
        cand.wait_text("#save-text", "暂未保存 · 1 条待保存").await;
        assert!(cand.find("#net-banner").await.is_displayed().await.unwrap());
        let item_state = cand.text("#item .item-save").await;
        assert!(!item_state.contains("已保存"), "not acknowledged: {item_state}");
        let queued = cand.js("return window.KaowuExam.queue()").await;
        assert!(queued.to_string().contains("\"C\""), "kept in the queue: {queued}");
        cand.shot("14-server-cannot-save").await;

        // The lock goes: the page's retry is taken and acknowledged.
        sqlx::query("ROLLBACK").execute(&mut cli).await.unwrap();
        cand.all_saved().await;
        assert!(
            !cand.find("#net-banner").await.is_displayed().await.unwrap(),
            "the banner goes"
        );
        assert_eq!(
            app.stored_answers("DEMO0003").await.get("2").map(String::as_str),
            Some("C")
        );
        cand.close().await;
        app.finish().await;
    });
}
