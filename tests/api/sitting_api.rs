//! The sitting engine end to end through the real server on an ephemeral port, on SQLite and
//! (with TEST_DATABASE_URL) PostgreSQL: login, start, paper, saves, timer, proctor actions,
//! submission and scoring, bad input, and what a candidate may ever receive.

use std::collections::BTreeMap;

use question_bank::ChoiceKind;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{
    self, Backend, Client, DEMO_PASSWORD, MIN, ROOM, START_MS, TestApp, chinese_error, each_backend, error_of,
    staff_login, ticket_login,
};

#[tokio::test]
async fn a_full_sitting_is_saved_scored_and_queued_for_marking() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        let c = app.candidate("DEMO0001").await;
        let status = c.status().await;
        assert_eq!((status.state.as_str(), status.room_open), ("not_started", false));
        assert_eq!(status.remaining_ms, 180 * MIN);

        // Not before the proctor opens the room.
        let (status, body) = c.try_start().await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(error_of(&body).contains("尚未开放"), "{body}");
        assert_eq!(body["code"], "room_not_open", "the refusal's stable code goes with it: {body}");
        let (status, body) = c.get("/api/candidate/paper").await;
        assert_eq!(status, StatusCode::CONFLICT, "no paper before the start");
        assert_eq!(body["code"], "not_started", "{body}");

        let proctor = app.staff("proctor").await;
        proctor.open_room(app.event_id, ROOM).await;
        assert_eq!(c.start().await.state, "in_progress");

        let paper = c.paper().await;
        assert_eq!(paper.objective.len(), 70);
        assert_eq!(paper.open.len(), 5);

        // Answer with the office's key for odd items and a wrong option for even ones.
        let id = app.candidate_id("DEMO0001").await;
        let office_paper = app.office_paper("DEMO0001").await;
        let mut saves = Vec::new();
        let mut expected = question_bank::Points::ZERO;
        for item in &office_paper.objective {
            let key: String = item.key.iter().map(|l| l.as_char()).collect();
            let value = if item.no % 2 == 1 {
                expected += item.points;
                key
            } else {
                let wrong = item.options.iter().find(|o| !item.key.contains(&o.label)).unwrap().label.as_char();
                wrong.to_string()
            };
            saves.push(json!({ "seq": item.no, "slot": item.no.to_string(), "value": value }));
        }
        saves.push(json!({ "seq": 100, "slot": "open", "value": "1,3,5" }));
        for (i, no) in [1, 3, 5].iter().enumerate() {
            saves.push(json!({ "seq": 101 + i, "slot": format!("open-{no}"), "value": format!("第 {no} 题的作答：质量是一组固有特性满足要求的程度。") }));
        }
        let reply: common::Saves = c.post_ok("/api/candidate/saves", json!({ "saves": saves })).await;
        assert!(reply.results.iter().all(|r| r.status == "saved"), "{reply:?}");

        let status = c.submit().await;
        assert_eq!((status.state.as_str(), status.submitted_by.as_deref()), ("submitted", Some("candidate")));

        let sitting = app.store.sitting(id).await.unwrap().unwrap();
        assert_eq!(sitting.objective_score, Some(expected.hundredths()), "objective score is the sum of the keyed items");
        let results = app.store.item_results(id).await.unwrap();
        assert_eq!(results.len(), 70, "a result per objective item");
        assert!(results.iter().all(|r| (r.points > 0) == (r.no % 2 == 1)));
        let tasks = app.store.queued_marking_tasks(app.event_id).await.unwrap();
        assert_eq!(tasks.len(), 6, "three chosen open answers, each marked twice");
        assert!(tasks.iter().all(|t| t.body.contains("的作答")));

        // After submission nothing more is accepted, and submitting again changes nothing.
        let (status, body) = c.try_save(200, "1", "A").await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(error_of(&body).contains("已交卷"), "{body}");
        assert_eq!(
            (body["code"].as_str(), body["results"][0]["code"].as_str()),
            (Some("submitted"), Some("submitted")),
            "the page decides on the code, per save and for the request: {body}"
        );
        c.submit().await;
        assert_eq!(app.store.queued_marking_tasks(app.event_id).await.unwrap().len(), 6);
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn a_stale_repeated_or_reordered_save_never_overwrites_a_newer_answer() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        let (c, _) = app.started_candidate("DEMO0002").await;
        c.save(5, "1", "A").await;
        // An older save arriving late (reordered by the network) is kept in the log only.
        assert_eq!(c.save(3, "1", "B").await.first(), "stale");
        // A repeat of the same save is harmless.
        assert_eq!(c.save(5, "1", "A").await.first(), "stale");
        // A lower sequence number for another slot is fine: it is that slot's newest.
        assert_eq!(c.save(4, "2", "C").await.first(), "saved");
        let answers = c.answers().await;
        assert_eq!((answers.get("1"), answers.get("2")), (Some("A"), Some("C")));
        assert_eq!(
            answers.max_seq, 5,
            "a reloaded page continues above the highest sequence number"
        );

        // Every save is in the history, with its outcome and server time.
        let log = app.store.save_log(app.candidate_id("DEMO0002").await).await.unwrap();
        let outcomes: Vec<(i64, &str)> = log.iter().map(|l| (l.seq, l.outcome.as_str())).collect();
        assert_eq!(outcomes, vec![(5, "saved"), (3, "stale"), (5, "stale"), (4, "saved")]);
        assert!(log.iter().all(|l| l.received_ms == START_MS));
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_and_loses_nothing() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        let (c, _) = app.started_candidate("DEMO0003").await;
        let office_paper = app.office_paper("DEMO0003").await;
        let single = office_paper
            .objective
            .iter()
            .find(|i| i.kind == ChoiceKind::Single)
            .unwrap()
            .no;
        let single_slot = single.to_string();
        c.saves(&[(1, &single_slot, "A"), (2, "open", "2,4"), (3, "open-2", "原有作答")])
            .await;
        let before = c.answers().await.answers;

        let cases: Vec<(Value, StatusCode, &str)> = vec![
            (
                json!({ "saves": [{ "seq": 9, "slot": single.to_string(), "value": "Z" }] }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "没有选项 Z",
            ),
            (
                json!({ "saves": [{ "seq": 9, "slot": single.to_string(), "value": "AB" }] }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "只能选一个",
            ),
            (
                json!({ "saves": [{ "seq": 9, "slot": "71", "value": "A" }] }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "不是有效的答题位置",
            ),
            (
                json!({ "saves": [{ "seq": 9, "slot": "open", "value": "1,2,4,5" }] }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "只能选答 3 道",
            ),
            (
                json!({ "saves": [{ "seq": 9, "slot": "open-6", "value": "x" }] }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "没有第 6 题",
            ),
            (
                json!({ "saves": [{ "seq": 9, "slot": "open-2", "value": "质".repeat(5001) }] }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "上限为 5000 字",
            ),
            (
                json!({ "saves": [{ "seq": 9, "slot": "open-2", "value": "第一行\n第二行\t制表\u{0}" }] }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "saves[0].value 含有不可见的控制字符（U+0000）",
            ),
            (
                json!({ "saves": [{ "seq": 9, "slot": "open-1", "value": "未选的题" }] }),
                StatusCode::CONFLICT,
                "尚未选答",
            ),
            (
                json!({ "saves": [{ "seq": 0, "slot": "1", "value": "A" }] }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "seq",
            ),
            // Beyond what a browser counts exactly: it would freeze the slot for good.
            (
                json!({ "saves": [{ "seq": (1i64 << 53), "slot": single.to_string(), "value": "B" }] }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "1–9007199254740991",
            ),
            (
                json!({ "saves": [{ "seq": i64::MAX, "slot": single.to_string(), "value": "B" }] }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "seq",
            ),
            // A slot has one spelling.
            (
                json!({ "saves": [{ "seq": 9, "slot": format!("+{single}"), "value": "B" }] }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "不是有效的答题位置",
            ),
            (
                json!({ "saves": [{ "seq": 9, "slot": format!("0{single}"), "value": "B" }] }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "不是有效的答题位置",
            ),
            (
                json!({ "saves": [{ "seq": 9, "slot": "open-02", "value": "x" }] }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "不是有效的答题位置",
            ),
            (
                json!({ "saves": [{ "seq": "9", "slot": "1", "value": "A" }] }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "字段 saves[0].seq 类型不对（应为整数）",
            ),
            (json!({ "saves": [] }), StatusCode::UNPROCESSABLE_ENTITY, "1–500"),
            (
                json!({ "answers": 1 }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "请求字段有误",
            ),
        ];
        for (body, want, says) in cases {
            let (status, reply) = c.try_saves(body.clone()).await;
            assert_eq!(status, want, "{body} → {reply}");
            assert!(error_of(&reply).contains(says), "{body} → {reply} should say {says}");
        }
        let (status, reply) = c
            .post_raw("/api/candidate/saves", "application/json", "{\"saves\": [")
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(reply.contains("不是有效的 JSON"), "{reply}");
        // One bad save in a request stores none of it.
        let (status, _) = c
            .try_saves(common::saves_body(&[(20, &single_slot, "B"), (21, &single_slot, "Q")]))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            c.answers().await.answers,
            before,
            "nothing already saved was lost or changed"
        );
        // The largest sequence number a browser counts exactly is taken, and the slot is not
        // frozen: the page carries on from the max_seq it reads back.
        let top = (1i64 << 53) - 1;
        assert_eq!(c.save(top - 1, &single_slot, "C").await.first(), "saved");
        assert_eq!(c.answers().await.max_seq, top - 1);
        assert_eq!(c.save(top, &single_slot, "D").await.first(), "saved");
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn the_server_keeps_time_through_pauses_extra_time_and_the_deadline() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        let (c, proctor) = app.started_candidate("DEMO0004").await;
        let ev = app.event_id;

        app.clock.advance_ms(30 * MIN);
        assert_eq!(c.status().await.remaining_ms, 150 * MIN);

        proctor.act("DEMO0004", "pause", "考生身体不适").await;
        app.clock.advance_ms(20 * MIN);
        let s = c.status().await;
        assert_eq!(
            (s.state.as_str(), s.remaining_ms),
            ("paused", 150 * MIN),
            "paused time is not charged"
        );
        let (status, body) = c.try_save(1, "1", "A").await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(error_of(&body).contains("暂停"), "{body}");
        assert_eq!(body["code"], "paused", "{body}");
        let (status, _) = proctor.try_act("DEMO0004", "resume", json!({ "reason": "" })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a reason is required");
        proctor.act("DEMO0004", "resume", "已恢复").await;
        proctor.extra_time("DEMO0004", 10, "机器故障耽误").await;
        assert_eq!(c.status().await.remaining_ms, 160 * MIN);

        // Room-wide pause and resume.
        assert_eq!(proctor.pause_room(ev, ROOM, "火警演习").await.changed, 1);
        app.clock.advance_ms(5 * MIN);
        assert_eq!(proctor.resume_room(ev, ROOM, "演习结束").await.changed, 1);
        assert_eq!(c.status().await.remaining_ms, 160 * MIN);

        // The proctor log has who, when and why.
        let log = proctor.room_log(ev, ROOM).await;
        let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "open_room",
                "pause",
                "resume",
                "extra_time:10",
                "pause_room",
                "resume_room"
            ]
        );
        assert_eq!(log[1].reason, "考生身体不适");
        assert_eq!(log[1].ticket.as_deref(), Some("DEMO0004"));
        assert_eq!(log[1].at_ms, START_MS + 30 * MIN);

        // The proctor sees when the seat last saved an answer (the save refused while paused
        // does not count).
        let room = proctor.room(ev, ROOM).await;
        assert_eq!(room.seat("DEMO0004").last_save_ms, None, "{room:?}");
        let saved_at = app.clock.now_ms();

        // Time runs out with no browser asking: the server submits by itself.
        c.save(2, "1", "B").await;
        let room = proctor.room(ev, ROOM).await;
        assert_eq!(room.seat("DEMO0004").last_save_ms, Some(saved_at), "{room:?}");
        app.clock.advance_ms(160 * MIN);
        let id = app.candidate_id("DEMO0004").await;
        let s = app.submitted_by_sweeper(id).await;
        assert_eq!(s.submitted_by.as_deref(), Some("system"));
        // 180 minutes + 10 extra + 20 + 5 paused.
        assert_eq!(s.submitted_ms, Some(START_MS + 215 * MIN), "handed in at the deadline");
        let (status, body) = c.try_save(3, "1", "C").await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(error_of(&body).contains("已交卷"), "{body}");
        assert_eq!(
            c.answers().await.get("1"),
            Some("B"),
            "the last save before the deadline counts"
        );
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn a_save_after_the_deadline_is_refused_even_before_the_sweep() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (c, _) = app.started_candidate("DEMO0005").await;
    app.clock.advance_ms(180 * MIN);
    let (status, body) = c.try_save(1, "1", "A").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        ["考试时间已到", "已交卷"].iter().any(|m| error_of(&body).contains(m)),
        "{body}"
    );
    let s = c.status().await;
    assert_eq!(
        (s.state.as_str(), s.submitted_by.as_deref(), s.remaining_ms),
        ("submitted", Some("system"), 0)
    );
    app.finish().await;
}

#[tokio::test]
async fn resume_after_a_reload_and_a_workstation_switch_only_when_the_proctor_allows_it() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        let (first, proctor) = app.started_candidate("DEMO0001").await;
        first
            .saves(&[(1, "1", "A"), (2, "open", "2"), (3, "open-2", "草稿")])
            .await;
        // Flags for review are saved with the answers, in paper order, items of the paper only.
        first.save(5, "flags", "open-2, 7,1,7").await;
        let (status, body) = first.try_save(6, "flags", "1,99").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(error_of(&body).contains("“99”不是本试卷的题目"), "{body}");
        app.clock.advance_ms(40 * MIN);

        // Another workstation cannot take over a sitting under way.
        let second = app.client();
        let (status, body) = second.try_login(ticket_login("DEMO0001", DEMO_PASSWORD)).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(error_of(&body).contains("监考老师"), "{body}");
        assert_eq!(body["code"], "sitting_elsewhere", "{body}");

        proctor.act("DEMO0001", "allow-move", "原机位死机").await;
        second.login(ticket_login("DEMO0001", DEMO_PASSWORD)).await;
        assert_eq!(
            second.status().await.remaining_ms,
            140 * MIN,
            "the clock went on, nothing reset"
        );
        let answers = second.answers().await;
        assert_eq!(
            (answers.get("1"), answers.get("open"), answers.get("open-2")),
            (Some("A"), Some("2"), Some("草稿"))
        );
        assert_eq!(
            answers.get("flags"),
            Some("1,7,open-2"),
            "the flags follow to the new workstation"
        );
        // The old workstation is out.
        assert_eq!(first.try_save(7, "1", "B").await.0, StatusCode::UNAUTHORIZED);
        second.save(7, "1", "B").await;
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn roles_are_checked_and_failed_logins_are_rate_limited() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let anonymous = app.client();
    assert_eq!(anonymous.get("/api/candidate/status").await.0, StatusCode::UNAUTHORIZED);
    let c = app.candidate("DEMO0002").await;
    assert_eq!(c.get("/api/proctor/events").await.0, StatusCode::FORBIDDEN);
    assert_eq!(c.get("/api/office/events").await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        c.get("/api/office/candidates/DEMO0001/save-log").await.0,
        StatusCode::FORBIDDEN
    );
    let proctor = app.staff("proctor").await;
    assert_eq!(proctor.get("/api/office/events").await.0, StatusCode::FORBIDDEN);
    assert_eq!(proctor.get("/api/candidate/status").await.0, StatusCode::FORBIDDEN);

    let wrong = ticket_login("DEMO0003", "wrong");
    let (status, body) = app.client().try_login(wrong.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "准考证号或密码错误");
    for _ in 0..4 {
        app.client().try_login(wrong.clone()).await;
    }
    let (status, body) = app.client().try_login(ticket_login("DEMO0003", DEMO_PASSWORD)).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "locked even with the right password: {body}"
    );
    app.clock.advance_ms(16 * MIN);
    let (status, _) = app.client().try_login(ticket_login("DEMO0003", DEMO_PASSWORD)).await;
    assert_eq!(status, StatusCode::OK, "the lock lifts after 15 minutes");

    // The cookie is HttpOnly and SameSite.
    let r = reqwest::Client::new()
        .post(app.url("/api/login"))
        .json(&ticket_login("DEMO0004", DEMO_PASSWORD))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    app.finish().await;
}

/// Every text a candidate must never see: keys' explanations, rubrics, other candidates.
async fn secrets(app: &TestApp, me: &str) -> Vec<String> {
    let mut secrets = Vec::new();
    for item in app.store.event_items(app.event_id).await.unwrap() {
        if let Some(e) = &item.explanation {
            secrets.push(e.clone());
        }
        if let question_bank::ItemBody::Open { rubric } = &item.body {
            secrets.extend(rubric.iter().map(|r| r.point.clone()));
        }
    }
    // The paper's seed and the bank's hash (the paper id the office sees names both): from them
    // the event's seed, and so every other candidate's paper, could be worked out.
    let paper = app.office_paper(me).await;
    secrets.push(paper.paper_id.clone());
    secrets.push(paper.seed.to_string());
    let bank_hash = paper.paper_id.split('-').nth(2).unwrap().to_string();
    assert_eq!(bank_hash.len(), 8, "{}", paper.paper_id);
    secrets.push(bank_hash);
    for (ticket, name) in [
        ("DEMO0001", "张伟"),
        ("DEMO0002", "王芳"),
        ("DEMO0003", "李娜"),
        ("DEMO0004", "刘洋"),
        ("DEMO0005", "陈静"),
    ] {
        if ticket != me {
            secrets.push(ticket.to_string());
            secrets.push(name.to_string());
        }
    }
    secrets
}

#[tokio::test]
async fn a_candidate_never_receives_keys_rubrics_or_anyone_elses_data() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        // Another candidate's activity, to make sure it never shows up.
        let (other, _) = app.started_candidate("DEMO0002").await;
        other.save(1, "1", "A").await;
        let (c, _) = app.started_candidate("DEMO0001").await;
        c.saves(&[(1, "2", "B"), (2, "open", "1")]).await;
        let secrets = secrets(&app, "DEMO0001").await;
        let mut bodies = Vec::new();
        for path in [
            "/api/candidate/status",
            "/api/candidate/paper",
            "/api/candidate/answers",
        ] {
            bodies.push(c.get_text(path).await.1);
        }
        bodies.push(
            c.post_raw(
                "/api/candidate/saves",
                "application/json",
                json!({ "saves": [{ "seq": 3, "slot": "3", "value": "A" }] }).to_string(),
            )
            .await
            .1,
        );
        bodies.push(
            c.post_raw(
                "/api/candidate/saves",
                "application/json",
                json!({ "saves": [{ "seq": 4, "slot": "3", "value": "Z" }] }).to_string(),
            )
            .await
            .1,
        );
        bodies.push(
            c.post_raw("/api/candidate/submit", "application/json", String::new())
                .await
                .1,
        );
        bodies.push(c.get_text("/api/candidate/paper").await.1);
        for body in &bodies {
            for field in [
                "\"key\"",
                "\"explanation\"",
                "\"rubric\"",
                "\"item_hash\"",
                "\"source\"",
                "\"item_id\"",
                "\"seed\"",
            ] {
                assert!(
                    !body.contains(field),
                    "a candidate response carries {field}: {body:.300}"
                );
            }
            for secret in &secrets {
                assert!(
                    !body.contains(secret.as_str()),
                    "a candidate response carries “{secret}”"
                );
            }
        }
        // The paper's stems are there (the scan would catch an empty response otherwise).
        let paper: common::CandidatePaper = serde_json::from_str(&bodies[1]).unwrap();
        assert_eq!(paper.objective.len(), 70);
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn the_office_imports_a_roster_all_or_nothing_with_line_numbers() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        let office = app.staff("office").await;
        let ev = app.event_id;
        let bad = format!("{}赵六,Zhao Liu,11010519491231002X,T100,A101,01\n钱七,Qian Qi,110105194912310021,T101,A101,02\n孙八,Sun Ba,11010519491231002X,DEMO0001,A101,03\n", common::ROSTER_HEADER);
        let (status, body) = office.try_import_roster(ev, &bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.contains("第 3 行 身份证号") && body.contains("校验位"), "{body}");
        let before = app.store.roster_size(ev).await.unwrap();
        let good = bad.replace("110105194912310021", "11010519491231002X").replace("DEMO0001", "T102");
        let reply = office.import_roster(ev, &good).await;
        assert_eq!(reply.imported, 3);
        assert_eq!(app.store.roster_size(ev).await.unwrap(), before + 3);
        let issued = &reply.passwords[0];
        assert_eq!(issued.ticket, "T100");
        let (status, _) = app.client().try_login(ticket_login("T100", &issued.password)).await;
        assert_eq!(status, StatusCode::OK, "an issued password works");
        // A ticket already registered: the whole file is refused.
        let (status, body) = office.try_import_roster(ev, &good).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("已被登记"), "{body}");
        assert_eq!(app.store.roster_size(ev).await.unwrap(), before + 3);
        app.finish().await;
    })
    .await;
}

/// A copy of the demo bank in `dir`/bank, to edit.
fn copy_of_the_demo_bank(dir: &std::path::Path) -> std::path::PathBuf {
    let bank_dir = dir.join("bank");
    let src = common::cli::demo_bank();
    std::fs::create_dir_all(&bank_dir).unwrap();
    std::fs::copy(src.join("bank.toml"), bank_dir.join("bank.toml")).unwrap();
    for folder in ["items", "images"] {
        std::fs::create_dir_all(bank_dir.join(folder)).unwrap();
        for f in std::fs::read_dir(src.join(folder)).unwrap() {
            let f = f.unwrap();
            std::fs::copy(f.path(), bank_dir.join(folder).join(f.file_name())).unwrap();
        }
    }
    bank_dir
}

#[tokio::test]
async fn an_events_items_are_frozen_when_it_is_created() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let bank_dir = copy_of_the_demo_bank(dir.path());
    let office = app.staff("office").await;
    let event_id = office
        .create_event(json!({ "name": "2026 年冬季考试", "starts_at": "2026-12-06T09:00:00+08:00", "rooms": ["A101"], "bank": bank_dir.to_str().unwrap(), "forms": 2, "seed": 11 }))
        .await
        .id;
    let frozen = app.exam.event(event_id).await.unwrap();
    let forms_before = frozen.forms.clone().unwrap();
    // The bank is edited afterwards: the event does not change.
    let path = bank_dir.join("items/m1-quality.toml");
    std::fs::write(
        &path,
        std::fs::read_to_string(&path)
            .unwrap()
            .replacen("stem = \"", "stem = \"（已修改）", 3),
    )
    .unwrap();
    let fresh = kaowu::exam::Exam::new(app.store.clone(), app.clock.clone());
    let reloaded = fresh.event(event_id).await.unwrap();
    assert_eq!(reloaded.forms.clone().unwrap(), forms_before);
    assert!(reloaded.bank.items.iter().all(|i| !i.stem.contains("已修改")));
    // Bad requests name the problem.
    let (status, body) = office
        .post(
            "/api/office/events",
            json!({ "name": "x", "starts_at": "明天", "rooms": ["A"], "bank": "demo" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(&body).contains("starts_at"), "{body}");
    app.finish().await;
}

#[tokio::test]
async fn a_draft_freezes_its_items_when_published_and_cannot_open_before() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let bank_dir = copy_of_the_demo_bank(dir.path());
    let toml = std::fs::read_to_string(bank_dir.join("bank.toml")).unwrap();
    std::fs::write(
        bank_dir.join("bank.toml"),
        toml.replacen("id = \"demo\"", "id = \"cmq-2027\"", 1),
    )
    .unwrap();
    let bank = bank_dir.to_str().unwrap();
    let office = app.staff("office").await;
    let ev = office
        .create_event(json!({ "name": "2026 年冬季考试（草稿）", "starts_at": "2026-12-06T09:00:00+08:00", "rooms": ["B201"], "bank": bank, "seed": 5, "draft": true }))
        .await
        .id;
    assert!(
        app.store.event_items(ev).await.unwrap().is_empty(),
        "a draft freezes nothing"
    );
    let events = office.events().await;
    let listed = events.iter().find(|e| e.id == ev).expect("the draft is listed");
    assert!(!listed.published, "{listed:?}");
    // The roster can be imported into a draft; its rooms cannot open.
    let roster = format!("{}李雷,Li Lei,11010519491231002X,S001,B201,01\n", common::ROSTER_HEADER);
    office.import_roster(ev, &roster).await;
    app.assign_proctor(ev, "B201").await;
    let proctor = app.staff("proctor").await;
    let (status, body) = proctor.post(&common::room_path(ev, "B201", "/open"), Value::Null).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(error_of(&body).contains("尚未发布"), "{body}");

    // The bank is edited while the event is a draft: publishing freezes the edited items.
    let path = bank_dir.join("items/m1-quality.toml");
    std::fs::write(
        &path,
        std::fs::read_to_string(&path)
            .unwrap()
            .replacen("stem = \"", "stem = \"（审校后）", 1),
    )
    .unwrap();
    // Another bank is refused by name.
    let (status, body) = office.try_publish(ev, "demo").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(error_of(&body).contains("题库不符"), "{body}");
    assert!(app.store.event_items(ev).await.unwrap().is_empty(), "nothing frozen");
    let published = office.publish(ev, bank).await;
    assert!(published.frozen_items >= 150, "{published:?}");
    let frozen = app.store.event_items(ev).await.unwrap();
    assert_eq!(frozen.len(), published.frozen_items);
    assert_eq!(frozen.iter().filter(|i| i.stem.starts_with("（审校后）")).count(), 1);
    let (status, body) = office.try_publish(ev, bank).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(error_of(&body).contains("已发布"), "{body}");
    proctor.open_room(ev, "B201").await;
    let audit = office.audit(ev).await;
    assert!(audit.iter().any(|a| a.action == "publish"), "{audit:?}");
    app.finish().await;
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let c = app.client();
    let (status, doc) = c.get("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    let mut checked = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let concrete = path
            .replace("{event}", "1")
            .replace("{room}", "R")
            .replace("{ticket}", "T")
            .replace("{id}", "1")
            .replace("{task}", "1")
            .replace("{mark}", "1")
            .replace("{username}", "u")
            .replace("{purpose}", "revocation")
            .replace("{number}", "CMQ-2026-000001-4")
            .replace("{kind}", "photo")
            .replace("{document}", "1");
        for method in ops.as_object().unwrap().keys() {
            let req = match method.as_str() {
                "get" => c.http.get(app.url(&concrete)),
                "post" => c.http.post(app.url(&concrete)),
                other => panic!("unexpected method {other}"),
            };
            let status = req.send().await.unwrap().status();
            assert!(
                status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is documented but not routed ({status})"
            );
            checked += 1;
        }
    }
    assert!(checked >= 42, "{checked} operations");
    app.finish().await;
}

#[tokio::test]
async fn partial_credit_policy_scores_multiple_choice_by_the_rule() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let office = app.staff("office").await;
    let event_id = office
        .create_event(json!({ "name": "部分得分", "starts_at": "2026-12-06T09:00:00+08:00", "rooms": ["B1"], "bank": "demo", "multi_policy": "partial", "seed": 5 }))
        .await
        .id;
    let csv = format!("{}周九,Zhou Jiu,11010519491231002X,P001,B1,01\n", common::ROSTER_HEADER);
    let password = office.import_roster(event_id, &csv).await.passwords[0].password.clone();
    app.assign_proctor(event_id, "B1").await;
    app.staff("proctor").await.open_room(event_id, "B1").await;
    let c = app.client();
    c.login(ticket_login("P001", &password)).await;
    c.start().await;
    let id = app.candidate_id("P001").await;
    let paper = app.office_paper("P001").await;
    let multis: Vec<_> = paper.objective.iter().filter(|i| i.kind == ChoiceKind::Multi).collect();
    // First multi: one correct option only (0.5); second: one correct plus one wrong (0).
    let one_right = multis[0].key[0].as_char().to_string();
    let wrong = multis[1]
        .options
        .iter()
        .find(|o| !multis[1].key.contains(&o.label))
        .unwrap()
        .label
        .as_char();
    let mut mixed: Vec<char> = vec![multis[1].key[0].as_char(), wrong];
    mixed.sort();
    let (slot0, slot1) = (multis[0].no.to_string(), multis[1].no.to_string());
    let mixed: String = mixed.iter().collect();
    c.saves(&[(1, &slot0, &one_right), (2, &slot1, &mixed)]).await;
    c.submit().await;
    let results: BTreeMap<i64, i64> = app
        .store
        .item_results(id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.no, r.points))
        .collect();
    assert_eq!(
        results[&(multis[0].no as i64)],
        50,
        "half a point for one correct option"
    );
    assert_eq!(results[&(multis[1].no as i64)], 0, "nothing with a wrong option");
    assert_eq!(app.store.sitting(id).await.unwrap().unwrap().objective_score, Some(50));
    app.finish().await;
}

#[tokio::test]
async fn hostile_requests_get_a_clear_chinese_4xx_and_change_nothing() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        let (c, proctor) = app.started_candidate("DEMO0001").await;
        let office = app.staff("office").await;
        app.add_staff("chief1", "阅卷组长", "chief").await;

        // Bodies over a route's limit: 413 in Chinese, not axum's English 400.
        let huge = format!(
            "{{\"saves\": [{{\"seq\": 1, \"slot\": \"1\", \"value\": \"{}\"}}]}}",
            "A".repeat(10 << 20)
        );
        let (status, body) = c.post_raw("/api/candidate/saves", "application/json", huge).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body:.200}");
        assert!(chinese_error(&serde_json::from_str(&body).unwrap()), "{body}");
        let long_name = json!({ "username": "u".repeat(1_900_000), "password": "x" }).to_string();
        let (status, body) = app.client().post_raw("/api/login", "application/json", long_name).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body:.200}");

        // Addresses and methods nobody serves, ids that are not numbers or name nothing.
        for (status, body) in [
            c.get("/api/no-such-thing").await,
            office.get("/api/office/events/abc/results").await,
            office.get("/api/office/events/99999999999999999999/results").await,
        ] {
            assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
            assert!(chinese_error(&body), "{body}");
        }
        let (status, body) = c.get("/api/candidate/saves").await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
        assert!(chinese_error(&body), "{body}");
        for path in [
            "/api/office/events/9999/results",
            "/api/office/events/9999/results.csv",
            "/api/office/events/9999/results.xlsx",
            "/api/office/events/9999/analysis",
            "/api/office/events/9999/analysis.csv",
            "/api/office/events/9999/audit",
            "/api/office/events/9999/sittings",
            "/api/office/events/9999/proctors",
        ] {
            let (status, body) = office.get(path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
            assert!(chinese_error(&body), "{path}: {body}");
        }
        for (path, body) in [
            ("/api/office/events/9999/release", Value::Null),
            ("/api/office/events/9999/marking-policy", json!({ "double": false })),
            (
                "/api/office/events/9999/key-corrections",
                json!({ "item_id": "X", "accept": ["A"], "reason": "核对" }),
            ),
            (
                "/api/office/events/9999/assignments",
                json!({ "username": "chief1", "item_id": "X" }),
            ),
        ] {
            let (status, reply) = office.post(path, body).await;
            assert!(
                status == StatusCode::NOT_FOUND || status == StatusCode::UNPROCESSABLE_ENTITY,
                "{path}: {status} {reply}"
            );
            assert!(chinese_error(&reply), "{path}: {reply}");
        }
        let chief = app.staff("chief1").await;
        for (status, body) in [
            chief.get("/api/marking/events/9999/dashboard").await,
            chief.post("/api/marking/events/9999/next", Value::Null).await,
        ] {
            assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
            assert!(chinese_error(&body), "{body}");
        }

        // NUL and other control characters: refused at the edge, nothing half-done.
        let (status, body) = app.client().try_login(ticket_login("DEMO\u{0}0002", "x")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(chinese_error(&body), "{body}");
        let (status, body) = app.client().try_login(staff_login("proctor", "kaowu\u{0}2026")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let (status, body) = proctor
            .post(&app.room_path("/pause"), json!({ "reason": "停电\u{0}" }))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(error_of(&body).contains("reason"), "{body}");
        assert_eq!(c.status().await.state, "in_progress", "a refused pause paused nobody");
        let log = proctor.room_log(app.event_id, ROOM).await;
        assert!(
            log.iter().all(|e| e.action != "pause_room"),
            "a refused pause wrote no log entry: {log:?}"
        );
        let (status, body) = proctor.get("/api/proctor/candidates/DEMO%000001/log").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        let (status, body) = proctor
            .try_act("DEMO%000001", "pause", json!({ "reason": "检查" }))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert!(chinese_error(&body), "{body}");

        // What a candidate receives is neither cached nor sniffed.
        for path in [
            "/api/candidate/paper",
            "/api/candidate/answers",
            "/api/candidate/status",
        ] {
            let r = c.http.get(app.url(path)).send().await.unwrap();
            assert_eq!(r.headers()["cache-control"], "no-store", "{path}");
            assert_eq!(r.headers()["x-content-type-options"], "nosniff", "{path}");
        }
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn writes_from_another_site_are_refused() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (c, _) = app.started_candidate("DEMO0001").await;
    let office = app.staff("office").await;
    let roster = format!(
        "{}赵六,Zhao Liu,11010519491231002X,X0001,第一考场,09\n",
        common::ROSTER_HEADER
    );
    let evil = |client: &Client, path: &str| {
        client
            .http
            .post(app.url(path))
            .header("origin", "http://evil.example")
            .header("sec-fetch-site", "cross-site")
    };
    let roster_path = format!("/api/office/events/{}/roster", app.event_id);
    let cross_site = [
        evil(&office, &roster_path)
            .header("content-type", "text/csv")
            .body(roster.clone()),
        evil(&office, &format!("/api/office/events/{}/release", app.event_id)),
        evil(&c, "/api/candidate/submit"),
        evil(&c, "/api/candidate/saves")
            .header("content-type", "application/json")
            .body(json!({ "saves": [{ "seq": 1, "slot": "1", "value": "A" }] }).to_string()),
        // Origin alone (an older browser) and Sec-Fetch-Site alone.
        office
            .http
            .post(app.url(&format!("/api/office/events/{}/release", app.event_id)))
            .header("origin", "http://evil.example"),
        c.http
            .post(app.url("/api/candidate/submit"))
            .header("sec-fetch-site", "same-site"),
    ];
    for request in cross_site {
        let r = request.send().await.unwrap();
        let status = r.status();
        let body: Value = r.json().await.unwrap();
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(chinese_error(&body), "{body}");
    }
    // The content types a form can send without asking are refused where JSON or CSV is documented.
    for (path, content_type) in [
        (roster_path.as_str(), "text/plain"),
        (roster_path.as_str(), "application/x-www-form-urlencoded"),
        ("/api/candidate/submit", "text/plain"),
        ("/api/candidate/saves", "multipart/form-data; boundary=x"),
    ] {
        let client = if path.contains("candidate") { &c } else { &office };
        let (status, body) = client.post_raw(path, content_type, roster.to_string()).await;
        assert_eq!(
            status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{path} {content_type}: {body}"
        );
        assert!(body.contains("不受支持"), "{body}");
    }
    // Nothing of it happened.
    assert!(
        app.store.candidate_by_ticket("X0001").await.unwrap().is_none(),
        "no candidate imported"
    );
    assert_eq!(c.status().await.state, "in_progress", "not submitted");
    assert!(c.answers().await.get("1").is_none(), "nothing saved");

    // The pages' own requests (same origin) go through.
    let r = office
        .http
        .post(app.url(&roster_path))
        .header("origin", format!("http://{}", app.addr))
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "text/csv; charset=utf-8")
        .body(roster)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let r = c
        .http
        .post(app.url("/api/candidate/saves"))
        .header("origin", format!("http://{}", app.addr))
        .json(&json!({ "saves": [{ "seq": 1, "slot": "1", "value": "A" }] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    app.finish().await;
}

#[tokio::test]
async fn failed_logins_are_throttled_by_address_and_cost_the_same_for_unknown_names() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let login = |client: Client, who: Value| async move { client.try_login(who).await };
    // Five wrong passwords from one workstation lock that workstation out of the ticket …
    let attacker = [127, 0, 0, 7];
    for _ in 0..5 {
        let (status, _) = login(app.client_from(attacker), ticket_login("DEMO0003", "wrong")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let right = ticket_login("DEMO0003", DEMO_PASSWORD);
    let (status, body) = login(app.client_from(attacker), right.clone()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(chinese_error(&body), "{body}");
    // … but not the candidate at their own.
    let (status, body) = login(app.client_from([127, 0, 0, 8]), right).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the candidate logs in at their own workstation: {body}"
    );

    // Trying many tickets once each from one address is throttled too.
    let sweeper = [127, 0, 0, 9];
    let mut refused_at = None;
    for i in 0..40 {
        let (status, _) = login(
            app.client_from(sweeper),
            json!({ "ticket": format!("T{i:04}"), "password": "x" }),
        )
        .await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            refused_at = Some(i);
            break;
        }
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert!(
        refused_at.is_some_and(|i| i <= 25),
        "throttled after {refused_at:?} tickets"
    );

    // Each failure is stored under a fixed-size key, and old ones are forgotten.
    let long = "名".repeat(64);
    let (status, _) = login(
        app.client_from([127, 0, 0, 10]),
        json!({ "username": long, "password": "x" }),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = login(
        app.client_from([127, 0, 0, 10]),
        json!({ "username": "名".repeat(65), "password": "x" }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(error_of(&body).contains("用户名过长"), "{body}");
    let mut db = app.db_connection().await;
    let longest: i64 = sqlx::query_scalar("SELECT MAX(LENGTH(subject)) FROM login_failures")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(longest, 64, "a SHA-256 in hex, whatever was typed");
    app.clock.advance_ms(16 * MIN);
    let (status, _) = login(
        app.client_from([127, 0, 0, 11]),
        json!({ "ticket": "T9999", "password": "x" }),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_failures")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(rows, 3, "only the last failure's three keys are left");

    // A staff account locked out at a workstation is unlocked by the office, on record.
    let desk = [127, 0, 0, 12];
    for _ in 0..5 {
        login(
            app.client_from(desk),
            json!({ "username": "proctor", "password": "wrong" }),
        )
        .await;
    }
    let proctor_login = staff_login("proctor", DEMO_PASSWORD);
    assert_eq!(
        login(app.client_from(desk), proctor_login.clone()).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    let office = app.staff("office").await;
    let unlocked: common::Unlocked = office
        .post_ok(
            "/api/office/accounts/proctor/unlock",
            json!({ "reason": "本人确认忘记密码" }),
        )
        .await;
    assert!(unlocked.forgotten >= 5, "{unlocked:?}");
    assert_eq!(login(app.client_from(desk), proctor_login).await.0, StatusCode::OK);
    let (status, body) = office
        .post("/api/office/accounts/nobody/unlock", json!({ "reason": "x" }))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'unlock_login' AND subject = 'proctor'")
            .fetch_one(&mut db)
            .await
            .unwrap();
    assert_eq!(audited, 1, "the unlock is in the audit log");

    // An unknown staff name costs as much as a wrong password for a real one.
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for i in 0..6u8 {
        let t = std::time::Instant::now();
        login(
            app.client_from([127, 0, 1, i]),
            json!({ "username": "proctor", "password": "wrong" }),
        )
        .await;
        known.push(t.elapsed());
        let t = std::time::Instant::now();
        login(
            app.client_from([127, 0, 2, i]),
            json!({ "username": "nobody", "password": "wrong" }),
        )
        .await;
        unknown.push(t.elapsed());
    }
    known.sort();
    unknown.sort();
    let (known, unknown) = (known[3], unknown[3]);
    assert!(
        unknown * 2 > known && known * 2 > unknown,
        "median wrong password {known:?}, unknown user {unknown:?}"
    );
    app.finish().await;
}

#[tokio::test]
async fn a_save_waits_while_another_process_writes_and_is_refused_503_if_it_never_stops() {
    // SQLite only: one writer at a time for the whole file (PostgreSQL locks rows).
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (c, _) = app.started_candidate("DEMO0001").await;
    c.save(1, "1", "A").await;
    // The office's CLI on the live database: a write transaction that takes a moment, then
    // commits.
    let mut cli = app.db_connection().await;
    sqlx::query("BEGIN IMMEDIATE").execute(&mut cli).await.unwrap();
    sqlx::query("INSERT INTO settings (name, value) VALUES ('cli-test', 'x')")
        .execute(&mut cli)
        .await
        .unwrap();
    let saving = tokio::spawn({
        let c = c.clone();
        async move { c.try_save(2, "2", "B").await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    sqlx::query("COMMIT").execute(&mut cli).await.unwrap();
    let (status, body) = saving.await.unwrap();
    assert_eq!(status, StatusCode::OK, "the save waited for the lock: {body}");
    assert_eq!(body["results"][0]["status"], "saved", "{body}");

    // A lock held beyond the busy timeout (10 s): a clear 503, the save kept by the page.
    sqlx::query("BEGIN IMMEDIATE").execute(&mut cli).await.unwrap();
    let t = std::time::Instant::now();
    let (status, body) = c.try_save(3, "3", "C").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(chinese_error(&body), "{body}");
    assert!(
        t.elapsed() >= std::time::Duration::from_secs(9),
        "it waited first ({:?})",
        t.elapsed()
    );
    sqlx::query("ROLLBACK").execute(&mut cli).await.unwrap();
    c.save(3, "3", "C").await;
    let answers = c.answers().await;
    assert_eq!(
        (answers.get("1"), answers.get("2"), answers.get("3")),
        (Some("A"), Some("B"), Some("C"))
    );
    app.finish().await;
}

/// `count` more candidates in the demo room, each logged in on a workstation of their own.
async fn room_of(app: &TestApp, prefix: &str, count: usize) -> Vec<(String, Client)> {
    let office = app.staff("office").await;
    let issued = office
        .import_roster(app.event_id, &common::roster_csv(prefix, ROOM, count))
        .await
        .passwords;
    let mut room = Vec::new();
    for p in issued {
        let c = app.client();
        c.login(ticket_login(&p.ticket, &p.password)).await;
        room.push((p.ticket, c));
    }
    room
}

/// Everyone in `room` presses 开始答题 at once (twice each, as an impatient hand does).
async fn all_press_start(room: &[(String, Client)]) -> Vec<(StatusCode, Value)> {
    futures_util::future::join_all(room.iter().flat_map(|(_, c)| [c.try_start(), c.try_start()])).await
}

/// A room pressing 开始答题 in the same instant (their starts are committed together): each is
/// started once, on the clock of that instant, bound to their own workstation — their saves are
/// accepted, and nobody else's session holds their sitting.
#[tokio::test]
async fn candidates_who_press_start_together_are_each_started_once_on_their_own_workstation() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        let room = room_of(&app, "T", 16).await;
        let proctor = app.staff("proctor").await;
        proctor.open_room(app.event_id, ROOM).await;
        let answers = all_press_start(&room).await;
        for ((ticket, c), pair) in room.iter().zip(answers.chunks(2)) {
            // One of the two presses started the sitting, the other found it started: both
            // answer the status as a fresh read gives it.
            let (_, mut now) = c.get("/api/candidate/status").await;
            now.as_object_mut().unwrap().remove("server_now_ms");
            for (status, body) in pair {
                assert_eq!(*status, StatusCode::OK, "{body}");
                assert_eq!(body["state"], "in_progress", "{body}");
                let mut body = body.clone();
                body.as_object_mut().unwrap().remove("server_now_ms");
                assert_eq!(body, now, "{ticket}: the start answers the status as it stands");
            }
        }
        let mut sessions = std::collections::BTreeSet::new();
        for (ticket, c) in &room {
            let s = app.sitting(ticket).await;
            assert_eq!(s.timer.map(|t| t.started_ms), Some(app.clock.now_ms()), "{ticket}");
            sessions.insert(s.session_id.expect("bound to a session"));
            let saved = c.save(1, "1", "A").await;
            assert_eq!(
                saved.results[0].status, "saved",
                "{ticket} saves from their own workstation"
            );
        }
        assert_eq!(sessions.len(), room.len(), "one session per candidate");
        // Pressing again later changes nothing.
        app.clock.advance_ms(MIN);
        all_press_start(&room[..4]).await;
        for (ticket, _) in &room[..4] {
            assert_eq!(
                app.sitting(ticket).await.timer.map(|t| t.started_ms),
                Some(app.clock.now_ms() - MIN)
            );
        }
        app.finish().await;
    })
    .await;
}

/// Starts that meet a database another process is writing (the office's CLI on SQLite) wait
/// for it together and are started once it commits; when it holds on beyond the busy timeout,
/// each gets a clear 503 in Chinese and nobody is started (nothing acknowledged that was not
/// committed) — and they start when they press again.
#[tokio::test]
async fn starts_wait_together_for_a_busy_database_and_are_refused_503_if_it_never_frees() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let room = room_of(&app, "W", 12).await;
    let (first, rest) = room.split_at(6);
    let proctor = app.staff("proctor").await;
    proctor.open_room(app.event_id, ROOM).await;
    let mut cli = app.db_connection().await;

    sqlx::query("BEGIN IMMEDIATE").execute(&mut cli).await.unwrap();
    let starting = tokio::spawn({
        let first = first.to_vec();
        async move { all_press_start(&first).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    sqlx::query("COMMIT").execute(&mut cli).await.unwrap();
    for (status, body) in starting.await.unwrap() {
        assert_eq!(
            (status, &body["state"]),
            (StatusCode::OK, &json!("in_progress")),
            "{body}"
        );
    }

    sqlx::query("BEGIN IMMEDIATE").execute(&mut cli).await.unwrap();
    let t = std::time::Instant::now();
    for (status, body) in all_press_start(rest).await {
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(chinese_error(&body), "{body}");
    }
    assert!(
        t.elapsed() >= std::time::Duration::from_secs(9),
        "they waited first ({:?})",
        t.elapsed()
    );
    for (ticket, _) in rest {
        assert!(app.sitting(ticket).await.timer.is_none(), "{ticket} was not started");
    }
    sqlx::query("ROLLBACK").execute(&mut cli).await.unwrap();
    for (status, body) in all_press_start(rest).await {
        assert_eq!(
            (status, &body["state"]),
            (StatusCode::OK, &json!("in_progress")),
            "{body}"
        );
    }
    app.finish().await;
}

#[tokio::test]
async fn a_proctor_grants_extra_time_up_to_the_cap_and_the_office_beyond_it() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (c, proctor) = app.started_candidate("DEMO0001").await;
    proctor.extra_time("DEMO0001", 40, "设备故障").await;
    let (status, body) = proctor
        .try_act("DEMO0001", "extra-time", json!({ "minutes": 30, "reason": "设备故障" }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(error_of(&body).contains("不超过 60 分钟（已延长 40 分钟）"), "{body}");
    // Up to the cap exactly; the office may grant beyond it.
    proctor.extra_time("DEMO0001", 20, "设备故障").await;
    let office = app.staff("office").await;
    office.extra_time("DEMO0001", 30, "设备故障").await;
    assert_eq!(c.status().await.remaining_ms, (180 + 90) * MIN);
    app.finish().await;
}

#[tokio::test]
async fn a_proctor_acts_only_in_the_rooms_the_office_assigned_and_unlocks_a_candidate_there() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let office = app.staff("office").await;
    // A second event with two rooms, a candidate in each.
    let ev = office
        .create_event(json!({ "name": "第二场", "starts_at": "2026-12-06T09:00:00+08:00", "rooms": ["A1", "A2"], "bank": "demo" }))
        .await
        .id;
    // An event's seed (given by none) comes from the operating system, not the clock.
    let seed = app.store.event(ev).await.unwrap().unwrap().seed;
    assert!(
        seed.abs_diff(START_MS as u64) > 1 << 40,
        "seed {seed} is not the creation time"
    );
    let roster = format!(
        "{}甲,Jia,11010519491231002X,Q001,A1,01\n乙,Yi,11010519491231002X,Q002,A2,01\n",
        common::ROSTER_HEADER
    );
    office.import_roster(ev, &roster).await;
    let proctor = app.staff("proctor").await;
    let a1 = |action: &str| common::room_path(ev, "A1", action);

    // Not assigned: the event is not listed, and nothing in it can be seen or done.
    let events = proctor.proctor_events().await;
    assert!(events.iter().all(|e| e.id != ev), "{events:?}");
    for (status, body) in [
        proctor.get(&a1("")).await,
        proctor.post(&a1("/open"), Value::Null).await,
        proctor.post(&a1("/pause"), json!({ "reason": "检查" })).await,
        proctor
            .try_act("Q001", "extra-time", json!({ "minutes": 5, "reason": "检查" }))
            .await,
        proctor.try_act("Q001", "unlock", json!({ "reason": "检查" })).await,
    ] {
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(error_of(&body).contains("未被分配"), "{body}");
    }
    // The office assigns room A1: that room only.
    let (status, body) = office
        .post(
            &format!("/api/office/events/{ev}/proctors"),
            json!({ "username": "proctor", "rooms": ["A9"] }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    app.assign_proctor(ev, "A1").await;
    let listed: Vec<common::ProctorAssignment> = office.get_ok(&format!("/api/office/events/{ev}/proctors")).await;
    assert_eq!(listed[0].room, "A1", "{listed:?}");
    let events = proctor.proctor_events().await;
    let mine = events
        .iter()
        .find(|e| e.id == ev)
        .expect("the assigned event is listed");
    assert_eq!(mine.rooms.len(), 1, "{mine:?}");
    proctor.open_room(ev, "A1").await;
    assert_eq!(
        proctor.post(&common::room_path(ev, "A2", "/open"), Value::Null).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        proctor
            .try_act("Q002", "unlock", json!({ "reason": "忘记密码" }))
            .await
            .0,
        StatusCode::FORBIDDEN
    );

    // A candidate of A1 locked out by wrong passwords at another workstation too is unlocked by
    // the proctor of A1, and it is on record.
    for ip in [[127, 0, 3, 1], [127, 0, 3, 2]] {
        for _ in 0..25 {
            app.client_from(ip).try_login(ticket_login("Q001", "wrong")).await;
        }
    }
    let mut db = app.db_connection().await;
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_failures")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(proctor.act("Q001", "unlock", "考生忘记密码").await.changed, 1);
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_failures")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert!(
        before > 0 && after == 0,
        "failures against Q001 forgotten: {before} → {after}"
    );
    let log = proctor.room_log(ev, "A1").await;
    assert!(log.iter().any(|e| e.action == "unlock_login"), "{log:?}");
    let audit = office.audit(ev).await;
    assert!(audit.iter().any(|a| a.action == "unlock_login"), "{audit:?}");
    app.finish().await;
}

/// An account issued an initial password must change it before anything else: its login says so,
/// every staff API refuses it in Chinese and the staff pages send it to `/password`. The change is
/// checked (old password, length, digits only, same as old), takes effect at once, logs out
/// whoever logged in with the old password and is audited without the password. Candidates'
/// passwords are issued per exam and cannot be changed.
#[tokio::test]
async fn staff_change_an_initial_password_before_anything_else() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        let initial = "ABCD2345EF";
        let hash = kaowu::auth::hash_password(initial, kaowu::auth::Strength::Staff);
        let id = app
            .store
            .create_account("p9", "新监考", "proctor", &hash, START_MS)
            .await
            .unwrap();
        app.store.require_password_change(id, true).await.unwrap();
        let login = |password: &str| staff_login("p9", password);

        let p = app.client();
        let reply = p.login(login(initial)).await;
        assert!(reply.must_change_password, "{reply:?}");
        // Someone else logged in with the initial password too.
        let other = app.client();
        other.login(login(initial)).await;

        for (status, body) in [
            p.get("/api/proctor/events").await,
            p.post(&app.room_path("/open"), Value::Null).await,
            p.get(&format!("/api/marking/events/{}/dashboard", app.event_id)).await,
            p.get("/api/office/events").await,
        ] {
            assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
            assert_eq!(body["error"], "首次登录须先修改初始密码", "{body}");
        }
        let (status, me) = p.get("/api/me").await;
        assert_eq!(status, StatusCode::OK, "{me}");
        assert_eq!(
            me,
            json!({ "username": "p9", "name": "新监考", "role": "proctor", "must_change_password": true })
        );
        for page in ["/proctor", "/marking", "/office/analysis"] {
            let r = p.http.get(app.url(page)).send().await.unwrap();
            assert_eq!(r.url().path(), "/password", "{page} leads to the password change");
            let page = common::Page::parse(&r.text().await.unwrap());
            assert_eq!(page.text("main h1"), "修改密码", "{page}");
            assert!(
                page.text("#first-login").starts_with("首次登录须先修改初始密码"),
                "{page}"
            );
        }

        // The change is checked.
        let change = |old: &str, new: &str| json!({ "old_password": old, "new_password": new });
        let (status, body) = p
            .post("/api/password", change("wrong-password", "质量第一 quality"))
            .await;
        assert_eq!((status, error_of(&body)), (StatusCode::UNAUTHORIZED, "原密码错误"));
        for (new, says) in [
            ("short", "太短"),
            ("12345678901234", "全是数字"),
            (initial, "相同"),
            ("abcdefghij\tk", "控制字符"),
        ] {
            let (status, body) = p.post("/api/password", change(initial, new)).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{new:?}: {body}");
            assert!(error_of(&body).contains(says), "{new:?}: {body}");
        }
        let (status, body) = p
            .post_raw("/api/password", "application/json", "{\"old_password\": 1}")
            .await;
        assert!(status.is_client_error(), "{status} {body}");
        let new = "质量第一 quality 2026";
        let _: Value = p.post_ok("/api/password", change(initial, new)).await;

        // At once: the same login may act; the other one is logged out.
        p.proctor_events().await;
        assert!(!p.me().await.must_change_password);
        assert_eq!(other.get("/api/proctor/events").await.0, StatusCode::UNAUTHORIZED);
        let (status, _) = app.client().try_login(login(initial)).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "the initial password no longer logs in"
        );
        let again = app.client();
        assert!(!again.login(login(new)).await.must_change_password);
        again.proctor_events().await;
        let r = again.http.get(app.url("/proctor")).send().await.unwrap();
        assert_eq!(r.url().path(), "/proctor");
        // A later change is no first one, and the old password is the new one now.
        let (status, body) = again.post("/api/password", change(initial, "另一个密码 another")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

        let audit = app.store.audit_log(0).await.unwrap();
        let entry = audit.iter().find(|e| e.action == "change_password").expect("audited");
        assert_eq!((entry.subject.as_str(), entry.reason.as_str()), ("p9", "修改初始密码"));
        assert!(
            !format!("{audit:?}").contains("quality"),
            "no password in the audit log"
        );

        // Demo accounts owe no change; a candidate cannot change an issued password.
        let reply = app.client().login(staff_login("office", DEMO_PASSWORD)).await;
        assert!(!reply.must_change_password, "{reply:?}");
        let c = app.candidate("DEMO0001").await;
        let (status, body) = c.post("/api/password", change(DEMO_PASSWORD, "质量第一 quality")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(chinese_error(&body), "{body}");
        assert_eq!(c.get("/api/me").await.0, StatusCode::FORBIDDEN);
        app.finish().await;
    })
    .await;
}

/// The session token a login sets (to hand to a tool that is not a browser).
async fn session_token(app: &TestApp, path: &str, login: Value) -> String {
    let r = reqwest::Client::new()
        .post(app.url(path))
        .json(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "login {login}");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    cookie
        .split(';')
        .next()
        .and_then(|kv| kv.strip_prefix("kaowu_session="))
        .unwrap()
        .to_string()
}

/// schemathesis (PyPI; `.ci/run` installs it) fuzzes the live server from its own OpenAPI
/// document as every role, for a bounded time: no answer may be a 5xx, and every answer must
/// be one the document describes (status, content type, headers, body schema).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_server_error_and_no_answer_off_the_document_for_any_role() {
    let found = std::process::Command::new("st")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        common::skip(
            "schemathesis fuzzing",
            "`st` (pip install schemathesis) is not installed",
        );
        return;
    }
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        let (_, _) = app.started_candidate("DEMO0002").await;
        app.add_staff("chief1", "阅卷组长", "chief").await;
        let staff = |u: &str| staff_login(u, DEMO_PASSWORD);
        let roles = [
            ("candidate", "/api/login", ticket_login("DEMO0001", DEMO_PASSWORD)),
            ("proctor", "/api/login", staff("proctor")),
            ("chief", "/api/login", staff("chief1")),
            (
                "applicant",
                "/api/apply/register",
                json!({ "login": "13900139000", "password": "报名申请 apply 2026" }),
            ),
            // The office last: its fuzzing resets other staff's passwords (schemathesis follows
            // the usernames the staff list gives it), which ends their sessions.
            ("office", "/api/login", staff("office")),
        ];
        let work = tempfile::tempdir().unwrap();
        for (role, path, login) in roles {
            let token = session_token(&app, path, login).await;
            let out = tokio::process::Command::new("st")
                .current_dir(work.path())
                .args([
                    "run",
                    &app.url("/api/openapi.json"),
                    "--header",
                    &format!("Cookie: kaowu_session={token}"),
                    // Logging out would end the role's session for the rest of the run.
                    "--exclude-path",
                    "/api/logout",
                    // An event stream stays open for as long as the page does (its own test is
                    // in schedule.rs).
                    "--exclude-path",
                    "/api/candidate/live",
                    "--checks",
                    "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance",
                    "--max-examples",
                    "25",
                    "--max-time",
                    "15",
                    "--workers",
                    "1",
                    "--seed",
                    "20261130",
                    "--generation-database",
                    "none",
                    "--no-color",
                ])
                .output()
                .await
                .expect("run schemathesis");
            let report = String::from_utf8_lossy(&out.stdout);
            let summary: Vec<&str> = report.lines().filter(|l| l.contains("generated")).collect();
            eprintln!("schemathesis as {role} on {b:?}: {summary:?}");
            assert!(
                out.status.success(),
                "schemathesis as {role} on {b:?} found failures:\n{report}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        app.finish().await;
    })
    .await;
}
