//! A rehearsal (模拟考试) of a few minutes in a real browser: the schedule as the candidate and the
//! proctor see it. A latecomer is told the terms and counts down to the common end; a start after
//! the cut-off is refused with the message; the proctor's pause, resume and extra time reach the
//! page within two seconds through the live feed (the page polls only every 15 seconds here); a
//! flag follows the candidate to another workstation and the old one says what happened; the
//! warnings come at the rehearsal's scale and the server's submission at time-up shows with the
//! page open. At 1366×768 the item navigation and the open questions' row of the answer card are
//! on screen without scrolling.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::browser::{Browser, Driver, browser_test};
use crate::common::{self, MIN, START_MS, TestApp, roster_csv};

/// Within this the page must show what the proctor did (the issue asks for 2 s; the rest is the
/// test's own round trips through chromedriver).
const LIVE: Duration = Duration::from_millis(2_500);

impl Browser {
    /// Logs in as a candidate on the page's own rhythm (status every 15 s: what reaches the page
    /// sooner came through the live feed).
    async fn login_as(&self, app: &TestApp, ticket: &str, password: &str) {
        self.goto(&app.url("/login")).await;
        self.fill("#ticket", ticket).await;
        self.fill("#password", password).await;
        self.click("#login-submit").await;
        self.wait_js("the exam page", "return location.pathname === '/exam'")
            .await;
    }

    /// Waits for `wanted` in `css` and says how long it took.
    async fn within(&self, css: &str, wanted: &str, started: Instant) -> Duration {
        self.wait_text(css, wanted).await;
        started.elapsed()
    }

    /// The page's viewport, as a test-centre screen of that size shows it.
    async fn screen(&self, width: u32, height: u32) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
        )
        .await;
    }
}

#[test]
fn a_rehearsal_on_the_schedule_in_the_browser() {
    browser_test(|driver: Driver| async move {
        let app = TestApp::spawn(common::Backend::Sqlite).await;
        let office = app.staff("office").await;
        // 09:00 start, 6 minutes, latecomers admitted for 2.
        let event = office
            .create_event(json!({
                "name": "模拟考试", "starts_at": "2026-12-06T09:00:00+08:00", "rooms": ["R1"], "bank": "demo",
                "forms": 1, "seed": 5, "rehearsal_minutes": 6, "late_entry_minutes": 2
            }))
            .await
            .id;
        let issued = office.import_roster(event, &roster_csv("R", "R1", 2)).await.passwords;
        let (late, absent) = (&issued[0], &issued[1]);
        app.assign_proctor(event, "R1").await;
        let proctor_api = app.staff("proctor").await;
        proctor_api.open_room(event, "R1").await;

        // 09:01: a latecomer reads the terms, enters, and counts down to the common end (09:06).
        app.clock.advance_ms(MIN);
        let pc1 = driver.browser().await;
        pc1.screen(1366, 768).await;
        pc1.login_as(&app, &late.ticket, &late.password).await;
        let notice = pc1.wait_text("#entry-notice", "迟到 1 分钟").await;
        assert!(notice.contains("09:06 统一交卷"), "{notice}");
        pc1.shot("schedule-01-latecomer-told").await;
        pc1.click("#start-btn").await;
        pc1.wait_text("#item-title", "第 1 题").await;
        let left = pc1.countdown().await;
        assert!(
            (295..=300).contains(&left),
            "five minutes to the common end, not six: {left} s"
        );

        // 1366×768: previous/next, the shortcut hint and the open questions' row need no scrolling.
        let geometry = pc1
            .js("const b = (s) => document.querySelector(s).getBoundingClientRect().bottom; \
                 return { inner: innerHeight, next: b('#next-btn'), prev: b('#prev-btn'), hint: b('#key-hint'), \
                 open: b('#cell-70'), submit: b('#submit-btn'), scrolled: document.documentElement.scrollHeight > innerHeight };")
            .await;
        let inner = geometry["inner"].as_f64().unwrap();
        for part in ["next", "prev", "hint", "open", "submit"] {
            assert!(
                geometry[part].as_f64().unwrap() <= inner,
                "{part} below the fold at 1366×768: {geometry}"
            );
        }
        pc1.shot("schedule-02-exam-1366x768").await;
        // Alt+→ moves to the next item, as the hint says.
        pc1.js("document.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', altKey: true })); return 1;")
            .await;
        pc1.wait_text("#item-title", "第 2 题").await;

        // 09:03: past the cut-off, the second candidate may not enter.
        app.clock.advance_ms(2 * MIN);
        let pc2 = driver.browser().await;
        pc2.login_as(&app, &absent.ticket, &absent.password).await;
        let refused = pc2.wait_text("#absent-notice", "不得入场").await;
        assert!(refused.contains("09:02"), "{refused}");
        pc2.shot("schedule-03-past-the-cut-off").await;

        // The proctor's console: the timetable, the latecomer and the absentee.
        let console = driver.browser().await;
        console.staff_login_at(&app, "proctor", "/proctor").await;
        console
            .js(&format!(
                "const s = document.getElementById('room-select'); s.value = '{event}|R1'; \
                 s.dispatchEvent(new Event('change')); return 1;"
            ))
            .await;
        console.wait_text("#room-title", "模拟考试").await;
        console.wait_text("#sched-cutoff", "09:02").await;
        assert_eq!(console.text("#sched-starts").await, "09:00");
        assert_eq!(console.text("#sched-ends").await, "09:06");
        console
            .wait_text(&format!("#seat-{} .badge", absent.ticket), "缺考")
            .await;
        console
            .wait_text(&format!("#seat-{} .notes", late.ticket), "迟到 1 分钟")
            .await;
        assert!(console.text("#sched-rehearsal").await.contains("模拟考试"));
        console.shot("schedule-04-console").await;

        // Pause, resume and extra time reach the page through the live feed.
        let t = Instant::now();
        proctor_api.act(&late.ticket, "pause", "考生举手").await;
        let took = pc1.within("#overlay-title", "考试已暂停", t).await;
        assert!(took <= LIVE, "the pause showed after {took:?}");
        let t = Instant::now();
        proctor_api.act(&late.ticket, "resume", "继续").await;
        pc1.wait_js("the pause to lift", "return document.getElementById('overlay').hidden")
            .await;
        assert!(t.elapsed() <= LIVE, "the resume showed after {:?}", t.elapsed());
        let t = Instant::now();
        proctor_api.extra_time(&late.ticket, 2, "设备故障补时").await;
        let took = pc1.within("#warning-text", "延长考试时间 2 分钟", t).await;
        assert!(took <= LIVE, "the extra time showed after {took:?}");
        assert!(pc1.text("#warning-text").await.contains("09:08 结束"));
        pc1.shot("schedule-05-extra-time-told").await;

        // A flag follows the candidate to another workstation; the old one tells the truth.
        pc1.click("#flag-btn").await;
        pc1.wait_js(
            "the flag to be saved",
            "return document.getElementById('save-state').dataset.state === 'saved'",
        )
        .await;
        proctor_api.act(&late.ticket, "allow-move", "机器故障").await;
        let pc3 = driver.browser().await;
        pc3.screen(1366, 768).await;
        pc3.login_as(&app, &late.ticket, &late.password).await;
        // The move is logged by the login itself: from here the old page must hear of it.
        let t = Instant::now();
        pc3.wait_text("#item-title", "第 1 题").await;
        pc3.wait_js(
            "item 2's flag on the answer card",
            "return document.getElementById('cell-1').classList.contains('flagged')",
        )
        .await;
        let moved = pc1.within("#overlay-title", "考试已转到其他机位", t).await;
        assert!(
            moved <= Duration::from_secs(3),
            "the old workstation learnt of the move after {moved:?}"
        );
        let says = pc1.text("#overlay-text").await;
        assert!(says.contains("均已保存到服务器"), "nothing was left unsaved: {says}");
        assert!(!says.contains("自动补交"), "no promise that is not kept: {says}");
        pc1.shot("schedule-06-old-workstation").await;

        // The warnings at the rehearsal's scale (6 minutes: at 60, 30 and 10 seconds left), then
        // the server's submission at time-up (09:08 with the extra time) with the page open.
        let now = app.clock.now_ms();
        app.clock.advance_ms(START_MS + 8 * MIN - 63_000 - now);
        pc3.js("location.reload(); return 1;").await;
        pc3.wait_text("#item-title", "第").await;
        let warned = pc3.wait_text("#warning-text", "距离考试结束还有").await;
        assert!(warned.contains("1 分钟"), "{warned}");
        pc3.shot("schedule-07-warning").await;
        let t = Instant::now();
        app.clock.advance_ms(63_000);
        let took = pc3.within("#done-by", "时间到", t).await;
        assert!(
            took <= Duration::from_secs(4),
            "the server's submission showed after {took:?}"
        );
        pc3.shot("schedule-08-submitted-by-the-server").await;

        for b in [&pc1, &pc2, &pc3, &console] {
            assert_eq!(b.page_errors().await, Vec::<String>::new(), "no script errors");
        }
        app.finish().await;
    })
}
