//! The national schedule through the real server, on SQLite and (with TEST_DATABASE_URL)
//! PostgreSQL: a rehearsal event created by the office, its room opening only in its window, the
//! paper appearing for everyone at the published start, a latecomer working to the common end,
//! nobody entering after the cut-off (absent on the console), pauses and extra time moving one
//! sitting's end, the server's submission at each sitting's own end — and the live feed that
//! tells the candidate's page of each change within a second or two.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{
    Backend, Client, DEMO_PASSWORD, LiveFeed, MIN, ROOM, START_MS, TestApp, chinese_error, each_backend, error_of,
    roster_csv, ticket_login,
};

/// The test clock starts at 09:00 (CST) on the exam day; the rehearsal starts at 10:00, lasts 20
/// minutes, admits latecomers for 5 and opens its room 10 minutes before.
const REHEARSAL_START: i64 = START_MS + 60 * MIN;

/// Creates the rehearsal with three candidates in room R1; returns the event and their clients
/// (logged in).
async fn rehearsal(app: &TestApp) -> (i64, Vec<Client>) {
    let office = app.staff("office").await;
    let id = office
        .create_event(json!({
            "name": "模拟考试", "starts_at": "2026-12-06T10:00:00+08:00", "rooms": ["R1"], "bank": "demo",
            "forms": 1, "seed": 3, "rehearsal_minutes": 20, "late_entry_minutes": 5, "open_before_minutes": 10
        }))
        .await
        .id;
    let issued = office.import_roster(id, &roster_csv("S", "R1", 3)).await.passwords;
    let mut clients = Vec::new();
    for p in issued {
        let c = app.client();
        c.login(ticket_login(&p.ticket, &p.password)).await;
        clients.push(c);
    }
    (id, clients)
}

fn to(app: &TestApp, at_ms: i64) {
    let now = app.clock.now_ms();
    assert!(at_ms >= now, "the clock only moves forward");
    app.clock.advance_ms(at_ms - now);
}

#[tokio::test]
async fn the_sitting_window_opens_starts_admits_and_ends_on_the_published_schedule() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        let (event, c) = rehearsal(&app).await;
        let office = app.staff("office").await;

        // An event on another day: its room cannot open today, and the console says why.
        let later = office
            .create_event(json!({ "name": "下周", "starts_at": "2026-12-12T09:00:00+08:00", "rooms": ["X"], "bank": "demo", "forms": 1, "seed": 1 }))
            .await
            .id;
        let (status, body) = office.post(&crate::common::room_path(later, "X", "/open"), Value::Null).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("not_exam_day")), "{body}");
        assert!(error_of(&body).contains("12月12日 09:00"), "{body}");

        // 09:00: the rehearsal's room opens at 09:50.
        let open = crate::common::room_path(event, "R1", "/open");
        let (status, body) = office.post(&open, Value::Null).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("room_opens_later")), "{body}");
        assert!(chinese_error(&body) && error_of(&body).contains("09:50"), "{body}");
        let room = office.room(event, "R1").await;
        assert_eq!(room.schedule["open_refusal"], body["error"], "the console shows the same reason");
        assert_eq!(
            (&room.schedule["starts"], &room.schedule["cutoff"], &room.schedule["ends"], &room.schedule["rehearsal"]),
            (&json!("10:00"), &json!("10:05"), &json!("10:20"), &json!(true))
        );
        let st = c[0].status().await;
        assert_eq!((st.state.as_str(), st.room_open, st.rehearsal), ("not_started", false, true));
        assert_eq!(st.remaining_ms, 20 * MIN);
        assert_eq!(
            (st.timetable.starts.as_str(), st.timetable.cutoff.as_str(), st.timetable.ends.as_str()),
            ("10:00", "10:05", "10:20")
        );
        assert_eq!(
            st.notice.as_deref(),
            Some("10:00 开考，试卷届时统一发放；10:20 统一交卷。开考后 10:05 前仍可入场，此后不得入场。")
        );

        // 09:52: the room opens; a candidate enters early, and the clock waits for 10:00.
        to(&app, REHEARSAL_START - 8 * MIN);
        office.open_room(event, "R1").await;
        let st = c[0].start().await;
        assert_eq!((st.state.as_str(), st.paper_in_ms, st.remaining_ms), ("in_progress", 8 * MIN, 20 * MIN));
        let (status, body) = c[0].get("/api/candidate/paper").await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("before_start")), "{body}");
        assert!(error_of(&body).contains("10:00"), "{body}");
        let (status, body) = c[0].try_save(1, "1", "A").await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["results"][0]["code"], "before_start", "nothing is saved before the start: {body}");
        assert!(app.stored_answers("S001").await.is_empty());

        // 10:00: the paper appears; the full 20 minutes run to the common end.
        to(&app, REHEARSAL_START);
        c[0].paper().await;
        let st = c[0].status().await;
        assert_eq!((st.paper_in_ms, st.remaining_ms, st.ends_at.as_deref()), (0, 20 * MIN, Some("10:20")));
        assert_eq!(c[0].save(1, "1", "A").await.first(), "saved");

        // 10:03: a latecomer is told before starting, then works to the common end.
        to(&app, REHEARSAL_START + 3 * MIN);
        let notice = c[1].status().await.notice.expect("a notice before starting");
        assert!(notice.contains("迟到 3 分钟") && notice.contains("10:20 统一交卷"), "{notice}");
        let st = c[1].start().await;
        assert_eq!((st.remaining_ms, st.ends_at.as_deref()), (17 * MIN, Some("10:20")));

        // 10:06: past the cut-off nobody enters; the third candidate is absent on the console.
        to(&app, REHEARSAL_START + 6 * MIN);
        let st = c[2].status().await;
        assert!(st.absent, "{st:?}");
        assert!(st.notice.as_deref().unwrap_or_default().contains("不得入场"), "{st:?}");
        let (status, body) = c[2].try_start().await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("past_late_entry")), "{body}");
        assert!(error_of(&body).contains("10:05"), "{body}");
        let (status, body) = app
            .staff("office")
            .await
            .post(&crate::common::room_path(later, "X", "/open"), Value::Null)
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        let room = office.room(event, "R1").await;
        assert_eq!(room.seat("S003").state, "absent");
        assert_eq!(room.seat("S003").state_name, "缺考");
        assert_eq!(room.seat("S002").late_minutes, Some(3), "the latecomer is marked");
        assert_eq!(room.seat("S001").late_minutes, None);

        // A pause of two minutes and five minutes' extra time move the latecomer's end to 10:27.
        office.act("S002", "pause", "考生身体不适").await;
        to(&app, REHEARSAL_START + 8 * MIN);
        office.act("S002", "resume", "已恢复").await;
        office.extra_time("S002", 5, "设备故障补时").await;
        assert_eq!(c[1].status().await.ends_at.as_deref(), Some("10:27"));

        // 10:20: the server hands in the first sitting at the common end, the latecomer's at 10:27.
        to(&app, REHEARSAL_START + 20 * MIN);
        let first = app.submitted_by_sweeper(app.candidate_id("S001").await).await;
        assert_eq!(first.submitted_ms, Some(REHEARSAL_START + 20 * MIN));
        assert_eq!(c[1].status().await.state, "in_progress");
        to(&app, REHEARSAL_START + 27 * MIN);
        let second = app.submitted_by_sweeper(app.candidate_id("S002").await).await;
        assert_eq!(second.submitted_ms, Some(REHEARSAL_START + 27 * MIN));
        let log = office.room_log(event, "R1").await;
        let auto: Vec<_> = log.iter().filter(|e| e.action == "auto_submit").collect();
        assert_eq!(auto.len(), 2, "the room's log says what the server did: {log:?}");
        assert_eq!(auto[0].reason, "考试时间到，系统自动交卷");
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn the_office_chooses_the_schedule_within_bounds_and_is_told_in_chinese_when_not() {
    each_backend(|b: Backend| async move {
        let app = TestApp::spawn(b).await;
        let office = app.staff("office").await;
        for (field, value, says) in [
            ("rehearsal_minutes", 0, "模拟考试时长 0 分钟"),
            ("rehearsal_minutes", 181, "1–180"),
            ("late_entry_minutes", 200, "开考后允许入场的时间 200 分钟"),
            ("late_entry_minutes", -1, "开考后允许入场"),
            ("open_before_minutes", 121, "开考前开放考场的时间 121 分钟"),
        ] {
            let mut event = json!({ "name": "设置", "starts_at": "2026-12-06T10:00:00+08:00", "rooms": ["R"], "bank": "demo", "forms": 1, "seed": 1 });
            event[field] = json!(value);
            let (status, body) = office.post("/api/office/events", event).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={value}: {body}");
            assert!(chinese_error(&body) && error_of(&body).contains(says), "{field}={value}: {body}");
        }
        // A rehearsal's cut-off stays inside it.
        let (status, body) = office
            .post(
                "/api/office/events",
                json!({ "name": "短", "starts_at": "2026-12-06T10:00:00+08:00", "rooms": ["R"], "bank": "demo", "forms": 1, "seed": 1, "rehearsal_minutes": 4, "late_entry_minutes": 10 }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(error_of(&body).contains("0–4 分钟"), "{body}");
        app.finish().await;
    })
    .await;
}

const LIVE: Duration = Duration::from_secs(3);

async fn change(feed: &mut LiveFeed, what: &str) -> Value {
    let got = feed.next_change(LIVE).await;
    let got = got.unwrap_or_else(|| panic!("no live {what} within {LIVE:?}"));
    assert_eq!(got["change"], what, "{got}");
    got
}

#[tokio::test]
async fn the_candidates_page_hears_of_a_pause_extra_time_a_move_and_the_end_within_seconds() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        let proctor = app.staff("proctor").await;
        let c = app.candidate("DEMO0001").await;
        let other = app.candidate("DEMO0002").await;
        let mut feed = c.live().await;
        let mut others = other.live().await;

        proctor.open_room(app.event_id, ROOM).await;
        let opened = change(&mut feed, "room_opened").await;
        assert_eq!(opened["status"]["room_open"], true);
        change(&mut others, "room_opened").await;
        c.start().await;

        // The pause reaches this candidate's page, with the status after it; not the neighbour's.
        proctor.act("DEMO0001", "pause", "考生身体不适").await;
        let paused = change(&mut feed, "paused").await;
        assert_eq!(paused["status"]["state"], "paused");
        assert!(paused["message"].as_str().unwrap().contains("暂停"), "{paused}");
        assert!(
            !paused.to_string().contains("考生身体不适"),
            "the proctor's note stays on the console"
        );
        assert_eq!(
            others.next_change(Duration::from_millis(1500)).await,
            None,
            "nothing for the neighbour"
        );
        proctor.act("DEMO0001", "resume", "已恢复").await;
        assert_eq!(change(&mut feed, "resumed").await["status"]["state"], "in_progress");
        proctor.extra_time("DEMO0001", 10, "设备故障").await;
        let extra = change(&mut feed, "extra_time").await;
        assert_eq!(extra["message"], "监考老师为您延长考试时间 10 分钟，考试 12:10 结束。");
        assert_eq!(extra["status"]["remaining_ms"], 190 * MIN);

        // A move: the old workstation is told it stopped; the new one is not told it moved away.
        proctor.act("DEMO0001", "allow-move", "机器故障").await;
        change(&mut feed, "move_allowed").await;
        let second_pc = app.client();
        second_pc.login(ticket_login("DEMO0001", DEMO_PASSWORD)).await;
        let moved = change(&mut feed, "moved_in").await;
        assert_eq!(moved["moved_away"], true, "{moved}");
        assert!(moved["message"].as_str().unwrap().contains("其他机位"), "{moved}");
        assert_eq!(
            feed.next_change(Duration::from_millis(800)).await,
            None,
            "the old page's feed ends"
        );

        // Time runs out: the page left open on the new workstation hears of the server's submission.
        let mut feed = second_pc.live().await;
        app.clock.advance_ms(191 * MIN);
        let done = change(&mut feed, "auto_submitted").await;
        assert_eq!(
            (&done["status"]["state"], &done["status"]["submitted_by"]),
            (&json!("submitted"), &json!("system"))
        );
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn the_demo_exam_is_moved_to_now_when_served_again_before_anyone_started() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        let clock = app.clock.clone();
        // The next day, nobody has sat the demo: served again, it starts at the new "now".
        clock.advance_ms(24 * 60 * MIN);
        let db = app.stop().await;
        let app = TestApp::spawn_on(db, clock.clone()).await;
        let event = app.exam.event(app.event_id).await.expect("the demo event");
        assert_eq!(event.row.starts_at_ms, START_MS + 24 * 60 * MIN);
        let proctor = app.staff("proctor").await;
        proctor.open_room(app.event_id, ROOM).await;
        app.candidate("DEMO0001").await.start().await;

        // Once someone has started, it is not moved again.
        clock.advance_ms(24 * 60 * MIN);
        let db = app.stop().await;
        let app = TestApp::spawn_on(db, clock).await;
        let event = app.exam.event(app.event_id).await.expect("the demo event");
        assert_eq!(event.row.starts_at_ms, START_MS + 24 * 60 * MIN);
        app.finish().await;
    })
    .await;
}
