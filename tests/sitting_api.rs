//! The sitting engine end to end through the real server on an ephemeral port, on SQLite and
//! (with TEST_DATABASE_URL) PostgreSQL: login, start, paper, saves, timer, proctor actions,
//! submission and scoring, bad input, and what a candidate may ever receive.

mod common;

use std::collections::BTreeMap;

use common::{Backend, MIN, TestApp, backends};
use question_bank::ChoiceKind;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn each_backend<F, Fut>(scenario: F)
where
    F: Fn(Backend) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for backend in backends() {
        eprintln!("--- backend {backend:?}");
        scenario(backend).await;
    }
}

async fn candidate_id(app: &TestApp, ticket: &str) -> i64 {
    app.store.candidate_by_ticket(ticket).await.unwrap().unwrap().id
}

#[tokio::test]
async fn a_full_sitting_is_saved_scored_and_queued_for_marking() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        let c = app.candidate("DEMO0001").await;
        let (status, body) = c.get("/api/candidate/status").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!((body["state"].as_str(), body["room_open"].as_bool()), (Some("not_started"), Some(false)));
        assert_eq!(body["remaining_ms"], 180 * MIN);

        // Not before the proctor opens the room.
        let (status, body) = c.post("/api/candidate/start", Value::Null).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(body["error"].as_str().unwrap().contains("尚未开考"));
        let (status, _) = c.get("/api/candidate/paper").await;
        assert_eq!(status, StatusCode::CONFLICT, "no paper before the start");

        let proctor = app.staff("proctor").await;
        let (status, body) = proctor.post(&app.room_path("/open"), Value::Null).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = c.post("/api/candidate/start", Value::Null).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["state"], "in_progress");

        let (_, paper) = c.get("/api/candidate/paper").await;
        assert_eq!(paper["objective"].as_array().unwrap().len(), 70);
        assert_eq!(paper["open"].as_array().unwrap().len(), 5);

        // Answer with the office's key for odd items and a wrong option for even ones.
        let id = candidate_id(&app, "DEMO0001").await;
        let sitting = app.store.sitting(id).await.unwrap().unwrap();
        let office_paper = app.exam.paper(&sitting).await.unwrap();
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
        let (status, body) = c.post("/api/candidate/saves", json!({ "saves": saves })).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body["results"].as_array().unwrap().iter().all(|r| r["status"] == "saved"), "{body}");

        let (status, body) = c.post("/api/candidate/submit", Value::Null).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!((body["state"].as_str(), body["submitted_by"].as_str()), (Some("submitted"), Some("candidate")));

        let sitting = app.store.sitting(id).await.unwrap().unwrap();
        assert_eq!(sitting.objective_score, Some(expected.hundredths()), "objective score is the sum of the keyed items");
        let results = app.store.item_results(id).await.unwrap();
        assert_eq!(results.len(), 70, "a result per objective item");
        assert!(results.iter().all(|(no, _, _, pts)| (*pts > 0) == (no % 2 == 1)));
        let tasks = app.store.queued_marking_tasks(app.event_id).await.unwrap();
        assert_eq!(tasks.len(), 6, "three chosen open answers, each marked twice");
        assert!(tasks.iter().all(|(_, _, body)| body.contains("的作答")));

        // After submission nothing more is accepted, and submitting again changes nothing.
        let (status, body) = c.save(200, "1", "A").await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(body["error"].as_str().unwrap().contains("已交卷"), "{body}");
        let (status, _) = c.post("/api/candidate/submit", Value::Null).await;
        assert_eq!(status, StatusCode::OK);
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
        let (status, _) = c.save(5, "1", "A").await;
        assert_eq!(status, StatusCode::OK);
        // An older save arriving late (reordered by the network) is kept in the log only.
        let (status, body) = c.save(3, "1", "B").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["results"][0]["status"], "stale");
        // A repeat of the same save is harmless.
        let (_, body) = c.save(5, "1", "A").await;
        assert_eq!(body["results"][0]["status"], "stale");
        // A lower sequence number for another slot is fine: it is that slot's newest.
        let (_, body) = c.save(4, "2", "C").await;
        assert_eq!(body["results"][0]["status"], "saved");
        let answers = c.answers().await;
        assert_eq!((answers["1"].as_str(), answers["2"].as_str()), (Some("A"), Some("C")));
        let (_, body) = c.get("/api/candidate/answers").await;
        assert_eq!(
            body["max_seq"], 5,
            "a reloaded page continues above the highest sequence number"
        );

        // Every save is in the history, with its outcome and server time.
        let log = app.store.save_log(candidate_id(&app, "DEMO0002").await).await.unwrap();
        let outcomes: Vec<(i64, &str)> = log.iter().map(|(seq, _, _, _, o)| (*seq, o.as_str())).collect();
        assert_eq!(outcomes, vec![(5, "saved"), (3, "stale"), (5, "stale"), (4, "saved")]);
        assert!(log.iter().all(|(_, _, _, at, _)| *at == common::START_MS));
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_and_loses_nothing() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        let (c, _) = app.started_candidate("DEMO0003").await;
        let id = candidate_id(&app, "DEMO0003").await;
        let office_paper = app
            .exam
            .paper(&app.store.sitting(id).await.unwrap().unwrap())
            .await
            .unwrap();
        let single = office_paper
            .objective
            .iter()
            .find(|i| i.kind == ChoiceKind::Single)
            .unwrap()
            .no;
        let (status, _) = c
            .post(
                "/api/candidate/saves",
                json!({ "saves": [
            { "seq": 1, "slot": single.to_string(), "value": "A" },
            { "seq": 2, "slot": "open", "value": "2,4" },
            { "seq": 3, "slot": "open-2", "value": "原有作答" },
        ] }),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let before = c.answers().await;

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
                "第 11 个字符是不可见的控制字符（U+0000）",
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
            (json!({ "saves": [] }), StatusCode::UNPROCESSABLE_ENTITY, "1–500"),
            (
                json!({ "answers": 1 }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "请求字段有误",
            ),
        ];
        for (body, want, says) in cases {
            let (status, reply) = c.post("/api/candidate/saves", body.clone()).await;
            assert_eq!(status, want, "{body} → {reply}");
            assert!(
                reply["error"].as_str().unwrap_or_default().contains(says),
                "{body} → {reply} should say {says}"
            );
        }
        let (status, reply) = c
            .post_raw("/api/candidate/saves", "application/json", "{\"saves\": [".into())
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(reply.contains("不是有效的 JSON"), "{reply}");
        // One bad save in a request stores none of it.
        let (status, _) = c
            .post(
                "/api/candidate/saves",
                json!({ "saves": [
            { "seq": 20, "slot": single.to_string(), "value": "B" },
            { "seq": 21, "slot": single.to_string(), "value": "Q" },
        ] }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(c.answers().await, before, "nothing already saved was lost or changed");
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn the_server_keeps_time_through_pauses_extra_time_and_the_deadline() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        let (c, proctor) = app.started_candidate("DEMO0004").await;
        let remaining = |v: &Value| v["remaining_ms"].as_i64().unwrap();

        app.clock.advance_ms(30 * MIN);
        let (_, s) = c.get("/api/candidate/status").await;
        assert_eq!(remaining(&s), 150 * MIN);

        let (status, body) = proctor
            .post(
                "/api/proctor/candidates/DEMO0004/pause",
                json!({ "reason": "考生身体不适" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        app.clock.advance_ms(20 * MIN);
        let (_, s) = c.get("/api/candidate/status").await;
        assert_eq!(
            (s["state"].as_str(), remaining(&s)),
            (Some("paused"), 150 * MIN),
            "paused time is not charged"
        );
        let (status, body) = c.save(1, "1", "A").await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(body["error"].as_str().unwrap().contains("暂停"));
        let (status, _) = proctor
            .post("/api/proctor/candidates/DEMO0004/resume", json!({ "reason": "" }))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a reason is required");
        let (status, _) = proctor
            .post("/api/proctor/candidates/DEMO0004/resume", json!({ "reason": "已恢复" }))
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = proctor
            .post(
                "/api/proctor/candidates/DEMO0004/extra-time",
                json!({ "minutes": 10, "reason": "机器故障耽误" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (_, s) = c.get("/api/candidate/status").await;
        assert_eq!(remaining(&s), 160 * MIN);

        // Room-wide pause and resume.
        let (_, body) = proctor
            .post(&app.room_path("/pause"), json!({ "reason": "火警演习" }))
            .await;
        assert_eq!(body["changed"], 1, "{body}");
        app.clock.advance_ms(5 * MIN);
        let (_, body) = proctor
            .post(&app.room_path("/resume"), json!({ "reason": "演习结束" }))
            .await;
        assert_eq!(body["changed"], 1);
        let (_, s) = c.get("/api/candidate/status").await;
        assert_eq!(remaining(&s), 160 * MIN);

        // The proctor log has who, when and why.
        let (_, log) = proctor.get(&app.room_path("/log")).await;
        let actions: Vec<&str> = log
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
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
        assert_eq!(log[1]["reason"], "考生身体不适");
        assert_eq!(log[1]["ticket"], "DEMO0004");
        assert_eq!(log[1]["at_ms"], common::START_MS + 30 * MIN);

        // The proctor sees when the seat last saved an answer (the save refused while paused
        // does not count).
        let last_save = |room: &Value| {
            let seats = room["seats"].as_array().expect("seats").clone();
            let seat = seats.into_iter().find(|s| s["ticket"] == "DEMO0004").expect("seat");
            seat["last_save_ms"].clone()
        };
        let (_, room) = proctor.get(&app.room_path("")).await;
        assert_eq!(last_save(&room), Value::Null, "{room}");
        let saved_at = app.clock.now_ms();

        // Time runs out with no browser asking: the server submits by itself.
        let (status, _) = c.save(2, "1", "B").await;
        assert_eq!(status, StatusCode::OK);
        let (_, room) = proctor.get(&app.room_path("")).await;
        assert_eq!(last_save(&room), json!(saved_at), "{room}");
        app.clock.advance_ms(160 * MIN);
        let id = candidate_id(&app, "DEMO0004").await;
        let s = app.submitted_by_sweeper(id).await;
        assert_eq!(s.submitted_by.as_deref(), Some("system"));
        // 180 minutes + 10 extra + 20 + 5 paused.
        assert_eq!(
            s.submitted_ms,
            Some(common::START_MS + 215 * MIN),
            "handed in at the deadline"
        );
        let (status, body) = c.save(3, "1", "C").await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(body["error"].as_str().unwrap().contains("已交卷"), "{body}");
        assert_eq!(c.answers().await["1"], "B", "the last save before the deadline counts");
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn a_save_after_the_deadline_is_refused_even_before_the_sweep() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (c, _) = app.started_candidate("DEMO0005").await;
    app.clock.advance_ms(180 * MIN);
    let (status, body) = c.save(1, "1", "A").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        ["考试时间已到", "已交卷"]
            .iter()
            .any(|m| body["error"].as_str().unwrap().contains(m)),
        "{body}"
    );
    let (_, s) = c.get("/api/candidate/status").await;
    assert_eq!(
        (
            s["state"].as_str(),
            s["submitted_by"].as_str(),
            s["remaining_ms"].as_i64()
        ),
        (Some("submitted"), Some("system"), Some(0))
    );
    app.finish().await;
}

#[tokio::test]
async fn resume_after_a_reload_and_a_workstation_switch_only_when_the_proctor_allows_it() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        let (first, proctor) = app.started_candidate("DEMO0001").await;
        let (status, _) = first.post("/api/candidate/saves", json!({ "saves": [
            { "seq": 1, "slot": "1", "value": "A" }, { "seq": 2, "slot": "open", "value": "2" }, { "seq": 3, "slot": "open-2", "value": "草稿" }
        ] })).await;
        assert_eq!(status, StatusCode::OK);
        app.clock.advance_ms(40 * MIN);

        // Another workstation cannot take over a sitting under way.
        let second = app.client();
        let (status, body) = second.post("/api/login", json!({ "ticket": "DEMO0001", "password": common::DEMO_PASSWORD })).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(body["error"].as_str().unwrap().contains("监考老师"));

        let (status, _) = proctor.post("/api/proctor/candidates/DEMO0001/allow-move", json!({ "reason": "原机位死机" })).await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = second.post("/api/login", json!({ "ticket": "DEMO0001", "password": common::DEMO_PASSWORD })).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (_, s) = second.get("/api/candidate/status").await;
        assert_eq!(s["remaining_ms"], 140 * MIN, "the clock went on, nothing reset");
        let answers = second.answers().await;
        assert_eq!((answers["1"].as_str(), answers["open"].as_str(), answers["open-2"].as_str()), (Some("A"), Some("2"), Some("草稿")));
        // The old workstation is out.
        let (status, _) = first.save(4, "1", "B").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = second.save(4, "1", "B").await;
        assert_eq!(status, StatusCode::OK);
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

    let (status, body) = app
        .client()
        .post("/api/login", json!({ "ticket": "DEMO0003", "password": "wrong" }))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "准考证号或密码错误");
    for _ in 0..4 {
        app.client()
            .post("/api/login", json!({ "ticket": "DEMO0003", "password": "wrong" }))
            .await;
    }
    let (status, body) = app
        .client()
        .post(
            "/api/login",
            json!({ "ticket": "DEMO0003", "password": common::DEMO_PASSWORD }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "locked even with the right password: {body}"
    );
    app.clock.advance_ms(16 * MIN);
    let (status, _) = app
        .client()
        .post(
            "/api/login",
            json!({ "ticket": "DEMO0003", "password": common::DEMO_PASSWORD }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "the lock lifts after 15 minutes");

    // The cookie is HttpOnly and SameSite.
    let r = reqwest::Client::new()
        .post(app.url("/api/login"))
        .json(&json!({ "ticket": "DEMO0004", "password": common::DEMO_PASSWORD }))
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
        c.post(
            "/api/candidate/saves",
            json!({ "saves": [{ "seq": 1, "slot": "2", "value": "B" }, { "seq": 2, "slot": "open", "value": "1" }] }),
        )
        .await;
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
        let paper: Value = serde_json::from_str(&bodies[1]).unwrap();
        assert_eq!(paper["objective"].as_array().unwrap().len(), 70);
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn the_office_imports_a_roster_all_or_nothing_with_line_numbers() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        let office = app.staff("office").await;
        let bad = "姓名,姓名拼音,身份证号,准考证号,考场,座位\n赵六,Zhao Liu,11010519491231002X,T100,A101,01\n钱七,Qian Qi,110105194912310021,T101,A101,02\n孙八,Sun Ba,11010519491231002X,DEMO0001,A101,03\n";
        let (status, body) = office.post_raw(&format!("/api/office/events/{}/roster", app.event_id), "text/csv", bad.into()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.contains("第 3 行 身份证号") && body.contains("校验位"), "{body}");
        let before = app.store.roster_size(app.event_id).await.unwrap();
        let good = bad.replace("110105194912310021", "11010519491231002X").replace("DEMO0001", "T102");
        let (status, body) = office.post_raw(&format!("/api/office/events/{}/roster", app.event_id), "text/csv", good.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let reply: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(reply["imported"], 3);
        assert_eq!(app.store.roster_size(app.event_id).await.unwrap(), before + 3);
        let password = reply["passwords"][0]["password"].as_str().unwrap().to_string();
        let (status, _) = app.client().post("/api/login", json!({ "ticket": "T100", "password": password })).await;
        assert_eq!(status, StatusCode::OK, "an issued password works");
        // A ticket already registered: the whole file is refused.
        let (status, body) = office.post_raw(&format!("/api/office/events/{}/roster", app.event_id), "text/csv", good).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("已被登记"), "{body}");
        assert_eq!(app.store.roster_size(app.event_id).await.unwrap(), before + 3);
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn an_events_items_are_frozen_when_it_is_created() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let bank_dir = dir.path().join("bank");
    std::fs::create_dir_all(bank_dir.join("items")).unwrap();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../question-bank/banks/demo");
    std::fs::copy(src.join("bank.toml"), bank_dir.join("bank.toml")).unwrap();
    for f in std::fs::read_dir(src.join("items")).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), bank_dir.join("items").join(f.file_name())).unwrap();
    }
    let office = app.staff("office").await;
    let (status, body) = office
        .post("/api/office/events", json!({ "name": "2026 年冬季考试", "starts_at": "2026-12-06T09:00:00+08:00", "rooms": ["A101"], "bank": bank_dir.to_str().unwrap(), "forms": 2, "seed": 11 }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let event_id = body["id"].as_i64().unwrap();
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
    assert!(body["error"].as_str().unwrap().contains("starts_at"), "{body}");
    app.finish().await;
}

#[tokio::test]
async fn a_draft_freezes_its_items_when_published_and_cannot_open_before() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let bank_dir = dir.path().join("bank");
    std::fs::create_dir_all(bank_dir.join("items")).unwrap();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../question-bank/banks/demo");
    std::fs::copy(src.join("bank.toml"), bank_dir.join("bank.toml")).unwrap();
    for f in std::fs::read_dir(src.join("items")).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), bank_dir.join("items").join(f.file_name())).unwrap();
    }
    let toml = std::fs::read_to_string(bank_dir.join("bank.toml")).unwrap();
    std::fs::write(
        bank_dir.join("bank.toml"),
        toml.replacen("id = \"demo\"", "id = \"cmq-2027\"", 1),
    )
    .unwrap();
    let bank = bank_dir.to_str().unwrap();
    let office = app.staff("office").await;
    let (status, body) = office
        .post("/api/office/events", json!({ "name": "2027 年春季考试", "starts_at": "2027-05-15T09:00:00+08:00", "rooms": ["B201"], "bank": bank, "seed": 5, "draft": true }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let ev = body["id"].as_i64().unwrap();
    assert!(
        app.store.event_items(ev).await.unwrap().is_empty(),
        "a draft freezes nothing"
    );
    let (_, events) = office.get("/api/office/events").await;
    let listed = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == ev)
        .unwrap()
        .clone();
    assert_eq!(listed["published"], false, "{listed}");
    // The roster can be imported into a draft; its rooms cannot open.
    let roster = "姓名,姓名拼音,身份证号,准考证号,考场,座位\n李雷,Li Lei,11010519491231002X,S001,B201,01\n";
    let (status, body) = office
        .post_raw(&format!("/api/office/events/{ev}/roster"), "text/csv", roster.into())
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let proctor = app.staff("proctor").await;
    let (status, body) = proctor
        .post(&format!("/api/proctor/events/{ev}/rooms/B201/open"), Value::Null)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"].as_str().unwrap().contains("尚未发布"), "{body}");

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
    let (status, body) = office
        .post(&format!("/api/office/events/{ev}/publish"), json!({ "bank": "demo" }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"].as_str().unwrap().contains("题库不符"), "{body}");
    assert!(app.store.event_items(ev).await.unwrap().is_empty(), "nothing frozen");
    let (status, body) = office
        .post(&format!("/api/office/events/{ev}/publish"), json!({ "bank": bank }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["frozen_items"].as_u64().unwrap() >= 150, "{body}");
    let frozen = app.store.event_items(ev).await.unwrap();
    assert_eq!(frozen.len() as u64, body["frozen_items"].as_u64().unwrap());
    assert_eq!(frozen.iter().filter(|i| i.stem.starts_with("（审校后）")).count(), 1);
    let (status, body) = office
        .post(&format!("/api/office/events/{ev}/publish"), json!({ "bank": bank }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"].as_str().unwrap().contains("已发布"), "{body}");
    let (status, body) = proctor
        .post(&format!("/api/proctor/events/{ev}/rooms/B201/open"), Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, audit) = office.get(&format!("/api/office/events/{ev}/audit")).await;
    assert!(
        audit.as_array().unwrap().iter().any(|a| a["action"] == "publish"),
        "{audit}"
    );
    app.finish().await;
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let c = app.client();
    let (status, doc) = c.get("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.0.3");
    let mut checked = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let concrete = path
            .replace("{event}", "1")
            .replace("{room}", "R")
            .replace("{ticket}", "T")
            .replace("{id}", "1")
            .replace("{task}", "1")
            .replace("{mark}", "1");
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
    let (_, body) = office
        .post("/api/office/events", json!({ "name": "部分得分", "starts_at": "2026-12-06T09:00:00+08:00", "rooms": ["B1"], "bank": "demo", "multi_policy": "partial", "seed": 5 }))
        .await;
    let event_id = body["id"].as_i64().unwrap();
    let csv = "姓名,姓名拼音,身份证号,准考证号,考场,座位\n周九,Zhou Jiu,11010519491231002X,P001,B1,01\n";
    let (_, body) = office
        .post_raw(&format!("/api/office/events/{event_id}/roster"), "text/csv", csv.into())
        .await;
    let password = serde_json::from_str::<Value>(&body).unwrap()["passwords"][0]["password"]
        .as_str()
        .unwrap()
        .to_string();
    let proctor = app.staff("proctor").await;
    proctor
        .post(&format!("/api/proctor/events/{event_id}/rooms/B1/open"), Value::Null)
        .await;
    let c = app.client();
    c.post("/api/login", json!({ "ticket": "P001", "password": password }))
        .await;
    c.post("/api/candidate/start", Value::Null).await;
    let id = candidate_id(&app, "P001").await;
    let paper = app
        .exam
        .paper(&app.store.sitting(id).await.unwrap().unwrap())
        .await
        .unwrap();
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
    c.post(
        "/api/candidate/saves",
        json!({ "saves": [
        { "seq": 1, "slot": multis[0].no.to_string(), "value": one_right },
        { "seq": 2, "slot": multis[1].no.to_string(), "value": mixed.iter().collect::<String>() },
    ] }),
    )
    .await;
    c.post("/api/candidate/submit", Value::Null).await;
    let results: BTreeMap<i64, i64> = app
        .store
        .item_results(id)
        .await
        .unwrap()
        .into_iter()
        .map(|(no, _, _, p)| (no, p))
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
