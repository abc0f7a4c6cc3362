//! Marking the open answers, results and release, through the real server on both backends:
//! blind leased tasks, double marking with a third marker, appeals, release gating, exports,
//! the audit trail, and concurrent pulls.

use crate::common;

use std::collections::HashSet;

use common::{Backend, Client, MIN, TestApp, backends};
use kaowu::auth::{Strength, hash_password};
use question_bank::Points;
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

/// Creates grader accounts (password kaowu2026) and assigns them to every open question.
async fn graders(app: &TestApp, names: &[(&str, &str)]) {
    let hash = hash_password(common::DEMO_PASSWORD, Strength::IssuedToCandidate);
    let office = app.staff("office").await;
    let open_items: Vec<String> = app
        .store
        .event_items(app.event_id)
        .await
        .unwrap()
        .into_iter()
        .filter(|i| i.kind() == question_bank::ItemKind::Open)
        .map(|i| i.id.to_string())
        .collect();
    for (user, role) in names {
        app.store
            .create_account(user, &format!("阅卷人{user}"), role, &hash, common::START_MS)
            .await
            .unwrap();
        if *role == "grader" {
            for item in &open_items {
                let (status, body) = office
                    .post(
                        &format!("/api/office/events/{}/assignments", app.event_id),
                        json!({ "username": user, "item_id": item }),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{body}");
            }
        }
    }
}

/// Candidate `ticket` sits and submits with open questions 1, 2 and 3 answered.
async fn sit(app: &TestApp, ticket: &str) -> Client {
    let (c, _) = app.started_candidate(ticket).await;
    let (status, body) = c
        .post("/api/candidate/saves", json!({ "saves": [
            { "seq": 1, "slot": "1", "value": "A" },
            { "seq": 2, "slot": "open", "value": "1,2,3" },
            { "seq": 3, "slot": "open-1", "value": format!("第一题作答（{}）：应建立质量目标并逐层分解。", ticket.len()) },
            { "seq": 4, "slot": "open-2", "value": "第二题作答：运用排列图找出主要问题。" },
            { "seq": 5, "slot": "open-3", "value": "第三题作答：按 PDCA 循环持续改进。" },
        ] }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(c.post("/api/candidate/submit", Value::Null).await.0, StatusCode::OK);
    c
}

async fn next(g: &Client, event: i64) -> Option<Value> {
    let r = g
        .http
        .post(format!("{}/api/marking/events/{event}/next", g.base))
        .send()
        .await
        .unwrap();
    match r.status() {
        StatusCode::NO_CONTENT => None,
        StatusCode::OK => Some(r.json().await.unwrap()),
        other => panic!("next: {other} {}", r.text().await.unwrap()),
    }
}

async fn mark(g: &Client, task: &Value, mark: &str) -> (StatusCode, Value) {
    let m: f64 = mark.parse().unwrap();
    g.post(
        &format!("/api/marking/tasks/{}/mark", task["task_id"]),
        json!({ "mark": m, "comment": "按评分要点给分" }),
    )
    .await
}

#[tokio::test]
async fn double_blind_marking_third_marker_release_appeal_and_audit() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        graders(
            &app,
            &[("g1", "grader"), ("g2", "grader"), ("g3", "grader"), ("chief", "chief")],
        )
        .await;
        let candidate = sit(&app, "DEMO0001").await;
        let office = app.staff("office").await;
        let ev = app.event_id;

        // Not released yet: the candidate sees nothing, and the office cannot release.
        let (status, body) = candidate.get("/api/candidate/result").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        let (status, body) = office
            .post(&format!("/api/office/events/{ev}/release"), Value::Null)
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(body["error"].as_str().unwrap().contains("未完成"));

        let (g1, g2, g3, chief) = (
            app.staff("g1").await,
            app.staff("g2").await,
            app.staff("g3").await,
            app.staff("chief").await,
        );
        let mut seen_by_g1 = HashSet::new();
        let mut blind_bodies = Vec::new();
        // g1 marks all three answers (first marks); g2 the second marks: 12 & 14 (→ 13),
        // 10 & 13.5 (disputed → chief gives 13 → mean of 13.5 and 13 = 13.25), 15 & 15 (→ 15).
        let plan = [("12", "14"), ("10", "13.5"), ("15", "15")];
        let mut first_tasks = Vec::new();
        for (m1, _) in plan {
            let t = next(&g1, ev).await.expect("a task for g1");
            blind_bodies.push(t.to_string());
            assert!(
                seen_by_g1.insert(t["answer"].as_str().unwrap().to_string()),
                "g1 never gets the same answer twice"
            );
            // Asking again while holding a lease returns the same task.
            assert_eq!(next(&g1, ev).await.unwrap()["task_id"], t["task_id"]);
            let (status, body) = mark(&g1, &t, m1).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            first_tasks.push(t);
        }
        assert!(next(&g1, ev).await.is_none(), "no grader marks the same answer twice");
        let mut by_answer = std::collections::HashMap::new();
        for t in &first_tasks {
            by_answer.insert(t["answer"].as_str().unwrap().to_string(), t.clone());
        }
        for _ in 0..3 {
            let t = next(&g2, ev).await.expect("a task for g2");
            blind_bodies.push(t.to_string());
            let i = first_tasks.iter().position(|f| f["answer"] == t["answer"]).unwrap();
            let (status, body) = mark(&g2, &t, plan[i].1).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            assert_eq!(body["status"], if i == 1 { "disputed" } else { "final" }, "{body}");
        }
        // The disputed answer goes to the chief only.
        assert!(next(&g3, ev).await.is_none(), "graders do not get third markings");
        let third = next(&chief, ev).await.expect("the chief gets the disputed answer");
        blind_bodies.push(third.to_string());
        assert_eq!(third["round"], "第三评（仲裁）");
        assert_eq!(third["answer"], first_tasks[1]["answer"]);
        // Bad marks are refused with the reason.
        let (status, body) = mark(&chief, &third, "20.5").await;
        assert_eq!(
            (status, body["error"].as_str().unwrap().contains("0–20")),
            (StatusCode::UNPROCESSABLE_ENTITY, true),
            "{body}"
        );
        let (status, body) = mark(&chief, &third, "12.25").await;
        assert_eq!(
            (status, body["error"].as_str().unwrap().contains("0.5")),
            (StatusCode::UNPROCESSABLE_ENTITY, true),
            "{body}"
        );
        let (status, _) = mark(&chief, &third, "13").await;
        assert_eq!(status, StatusCode::OK);

        // Blind: nothing a grader received names the candidate.
        for body in &blind_bodies {
            for secret in ["DEMO0001", "张伟", "第一考场", "candidate", "ticket", "room", "seat"] {
                assert!(!body.contains(secret), "a grader received “{secret}”: {body}");
            }
        }

        // The chief's dashboard.
        let (status, dash) = chief.get(&format!("/api/marking/events/{ev}/dashboard")).await;
        assert_eq!(status, StatusCode::OK, "{dash}");
        let finals: u64 = dash["questions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["final_"].as_u64().unwrap())
            .sum();
        assert_eq!(finals, 3);
        let g1_stats = dash["graders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == "阅卷人g1")
            .unwrap()
            .clone();
        assert_eq!(g1_stats["count"], 3);
        assert!(
            (g1_stats["agreement"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9,
            "{g1_stats}"
        );
        assert!(
            g1_stats["mean_difference"].as_f64().unwrap() < 0.0,
            "g1 is the harsher marker: {g1_stats}"
        );
        assert_eq!(
            g1.get(&format!("/api/marking/events/{ev}/dashboard")).await.0,
            StatusCode::FORBIDDEN
        );

        // Everyone else in the room was absent; the result is complete: release.
        let (_, results) = office.get(&format!("/api/office/events/{ev}/results")).await;
        let me = results["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["ticket"] == "DEMO0001")
            .unwrap()
            .clone();
        let open_total: f64 = 13.0 + 13.25 + 15.0;
        assert_eq!(me["open_total"].as_f64().unwrap(), open_total, "{me}");
        assert_eq!(
            me["total"].as_f64().unwrap(),
            me["objective"].as_f64().unwrap() + open_total
        );
        assert_eq!(results["absent"], 4);
        let (status, body) = office
            .post(&format!("/api/office/events/{ev}/release"), Value::Null)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, mine) = candidate.get("/api/candidate/result").await;
        assert_eq!(status, StatusCode::OK, "{mine}");
        assert_eq!(mine["total"], me["total"]);
        assert_eq!(mine["verdict"], "不合格", "{mine}");
        let text = candidate.get_text("/api/candidate/result").await.1;
        for secret in ["王芳", "DEMO0002", "\"key\"", "explanation", "rubric"] {
            assert!(!text.contains(secret), "result carries {secret}");
        }

        // Exports.
        let (status, csv) = office.get_text(&format!("/api/office/events/{ev}/results.csv")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            csv.starts_with('\u{feff}')
                && csv.contains("准考证号,姓名")
                && csv.contains("DEMO0001,张伟")
                && csv.contains("缺考"),
            "{csv}"
        );
        let r = office
            .http
            .get(format!("{}/api/office/events/{ev}/results.xlsx", office.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.bytes().await.unwrap().starts_with(b"PK"), "an XLSX is a zip");

        // Appeal on open question 1: re-marked by a grader who has not marked it (g3).
        let (status, body) = office
            .post(
                &format!("/api/office/events/{ev}/appeals"),
                json!({ "ticket": "DEMO0001", "open_no": 1, "reason": "考生申请复核" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(
            next(&g1, ev).await.is_none() && next(&g2, ev).await.is_none(),
            "its markers may not re-mark it"
        );
        let t = next(&g3, ev).await.expect("g3 re-marks");
        assert_eq!(t["round"], "复评（申诉）");
        mark(&g3, &t, "16").await;
        let (_, results) = office.get(&format!("/api/office/events/{ev}/results")).await;
        let me2 = results["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["ticket"] == "DEMO0001")
            .unwrap()
            .clone();
        let q1 = me2["open"].as_array().unwrap().iter().find(|o| o["no"] == 1).unwrap()["mark"]
            .as_f64()
            .unwrap();
        assert_eq!(q1, 16.0, "the appeal re-mark is final");
        // Released results change only with a new release.
        assert_eq!(candidate.get("/api/candidate/result").await.1["total"], mine["total"]);
        office
            .post(&format!("/api/office/events/{ev}/release"), Value::Null)
            .await;
        assert_ne!(candidate.get("/api/candidate/result").await.1["total"], mine["total"]);

        // Old and new marks are kept; the audit trail has every step.
        let answers = app.store.event_open_answers(ev).await.unwrap();
        let appealed = answers.iter().find(|a| a.open_no == 1).unwrap();
        assert_eq!(appealed.marks.len(), 3, "both original marks and the re-mark are kept");
        let (_, audit) = office.get(&format!("/api/office/events/{ev}/audit")).await;
        let actions: Vec<&str> = audit
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["action"].as_str().unwrap())
            .collect();
        for needed in ["mark", "release", "export", "appeal"] {
            assert!(actions.contains(&needed), "{needed} missing from {actions:?}");
        }
        let appeal = audit
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["action"] == "appeal")
            .unwrap();
        assert_eq!(
            (appeal["old_value"].as_str(), appeal["reason"].as_str()),
            (Some("13"), Some("考生申请复核"))
        );
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn an_abandoned_lease_returns_to_the_queue_and_the_chief_can_reopen_a_mark() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        graders(
            &app,
            &[("g1", "grader"), ("g2", "grader"), ("g3", "grader"), ("chief", "chief")],
        )
        .await;
        sit(&app, "DEMO0002").await;
        let ev = app.event_id;
        let (g1, g2, chief) = (app.staff("g1").await, app.staff("g2").await, app.staff("chief").await);
        let t = next(&g1, ev).await.unwrap();
        app.clock.advance_ms(21 * MIN);
        // g2 pulls everything; the lapsed task is among them.
        let mut got = Vec::new();
        while let Some(t2) = next(&g2, ev).await {
            got.push(t2["task_id"].clone());
            mark(&g2, &t2, "10").await;
        }
        assert!(got.contains(&t["task_id"]), "the abandoned task returned to the queue");
        let (status, body) = mark(&g1, &t, "11").await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");

        // Re-open one of g2's marks: kept, superseded, and back in the queue for another grader.
        let answers = app.store.event_open_answers(ev).await.unwrap();
        let mark_id = answers[0].marks[0].id;
        let (status, _) = chief
            .post(
                &format!("/api/marking/marks/{mark_id}/reopen"),
                json!({ "reason": "给分偏离评分要点" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let answers = app.store.event_open_answers(ev).await.unwrap();
        assert!(answers[0].marks[0].superseded);
        assert_eq!(answers[0].status, kaowu::store::AnswerStatus::Marking);
        let t3 = next(&app.staff("g3").await, ev)
            .await
            .expect("re-opened task for a grader who has not marked it");
        assert_eq!(
            t3["answer"], t["answer"],
            "the re-opened answer is the first one, whose task g1 had abandoned"
        );
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn concurrent_pulls_never_hand_out_the_same_task() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        let names: Vec<(String, &str)> = (1..=8).map(|i| (format!("p{i}"), "grader")).collect();
        let refs: Vec<(&str, &str)> = names.iter().map(|(n, r)| (n.as_str(), *r)).collect();
        graders(&app, &refs).await;
        for t in ["DEMO0001", "DEMO0002", "DEMO0003", "DEMO0004", "DEMO0005"] {
            sit(&app, t).await;
        }
        let mut clients = Vec::new();
        for (n, _) in &names {
            clients.push(app.staff(n).await);
        }
        let ev = app.event_id;
        let handles: Vec<_> = clients
            .into_iter()
            .map(|c| tokio::spawn(async move { next(&c, ev).await.map(|t| t["task_id"].as_i64().unwrap()) }))
            .collect();
        let mut ids = Vec::new();
        for h in handles {
            ids.extend(h.await.unwrap());
        }
        assert_eq!(ids.len(), 8, "30 tasks, 8 graders: each gets one");
        let unique: HashSet<i64> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len(), "two graders got the same task: {ids:?}");
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn a_pass_rule_with_section_minimums_is_checked_and_kept() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let office = app.staff("office").await;
    let event = |extra: Value| {
        let mut body = json!({ "name": "分部合格线", "starts_at": "2026-12-06T09:00:00+08:00", "rooms": ["C1"], "bank": "demo", "forms": 1, "seed": 8 });
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    for (extra, says) in [
        (json!({ "min_objective": 95 }), "客观题最低分 95 不在 0–90 之内"),
        (json!({ "min_open": 61 }), "开放题最低分 61 不在 0–60 之内"),
        (json!({ "min_open": -1 }), "开放题最低分 -1"),
    ] {
        let (status, body) = office.post("/api/office/events", event(extra.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{extra} → {body}");
        assert!(body["error"].as_str().unwrap().contains(says), "{extra} → {body}");
    }
    let (status, body) = office
        .post(
            "/api/office/events",
            event(json!({ "pass_mark": 90, "min_objective": 54, "min_open": 36 })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let row = app.store.event(body["id"].as_i64().unwrap()).await.unwrap().unwrap();
    assert_eq!(
        row.pass_rule(),
        kaowu::results::PassRule {
            total: Points::whole(90),
            min_objective: Some(Points::whole(54)),
            min_open: Some(Points::whole(36)),
        }
    );
    assert_eq!(
        app.store.event(app.event_id).await.unwrap().unwrap().pass_rule(),
        kaowu::results::PassRule::total(Points::whole(90)),
        "without minimums only the total counts"
    );
    app.finish().await;
}
