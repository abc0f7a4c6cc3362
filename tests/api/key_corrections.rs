//! Key challenges after an event: correcting a key or voiding an item rescores every affected
//! sitting, reports who changed, is audited, and reaches candidates only with a new release.

use crate::common;

use common::{Backend, TestApp, backends};
use question_bank::ItemBody;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn correcting_and_voiding_a_key_rescores_and_reports_changes() {
    for b in backends() {
        eprintln!("--- backend {b:?}");
        scenario(b).await;
    }
}

async fn scenario(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (c, _) = app.started_candidate("DEMO0001").await;
    let id = app.store.candidate_by_ticket("DEMO0001").await.unwrap().unwrap().id;
    let paper = app
        .exam
        .paper(&app.store.sitting(id).await.unwrap().unwrap())
        .await
        .unwrap();
    // Item 1 (single choice) answered with a wrong option; item 2 left blank.
    let item = &paper.objective[0];
    let wrong = item.options.iter().find(|o| !item.key.contains(&o.label)).unwrap();
    c.save(1, "1", &wrong.label.as_char().to_string()).await;
    assert_eq!(c.post("/api/candidate/submit", Value::Null).await.0, StatusCode::OK);
    let score = |app: &TestApp| {
        let store = app.store.clone();
        async move { store.sitting(id).await.unwrap().unwrap().objective_score.unwrap() }
    };
    let before = score(&app).await;
    let office = app.staff("office").await;
    let ev = app.event_id;
    // Absentees make results complete once the open answers are settled: there are none here.
    let (status, body) = office
        .post(&format!("/api/office/events/{ev}/release"), Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let released = c.get("/api/candidate/result").await.1["total"].clone();

    // "Also accept" the option this candidate chose (in the bank's labels).
    let frozen = app
        .store
        .event_items(ev)
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.id == item.item_id)
        .unwrap();
    let ItemBody::Choice { key, .. } = &frozen.body else {
        panic!("objective item")
    };
    let accept = vec![key[0].as_char().to_string(), wrong.source.as_char().to_string()];
    let (status, report) = office
        .post(
            &format!("/api/office/events/{ev}/key-corrections"),
            json!({ "item_id": item.item_id.as_str(), "accept": accept, "reason": "专家组复核：C 亦正确" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["rescored"], 1, "{report}");
    let changed = report["changed"].as_array().unwrap();
    assert_eq!(changed.len(), 1);
    assert_eq!(
        (
            changed[0]["ticket"].as_str(),
            changed[0]["new_total"].as_f64().unwrap() - changed[0]["old_total"].as_f64().unwrap()
        ),
        (Some("DEMO0001"), 1.0)
    );
    assert_eq!(score(&app).await, before + 100);
    assert_eq!(report["verdicts_changed"], 0, "{report}");
    assert_eq!(
        app.store.rescored_items(ev, item.item_id.as_str()).await.unwrap(),
        vec![(id, 1, 0, 100)],
        "the old and new points of the rescored response are kept"
    );
    assert_eq!(
        c.get("/api/candidate/result").await.1["total"],
        released,
        "released results wait for a new release"
    );

    // Void item 2: the blank now earns its points too.
    let item2 = &paper.objective[1];
    let (status, report) = office
        .post(
            &format!("/api/office/events/{ev}/key-corrections"),
            json!({ "item_id": item2.item_id.as_str(), "void": true, "reason": "题干有歧义，作废" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(score(&app).await, before + 100 + item2.points.hundredths());
    office
        .post(&format!("/api/office/events/{ev}/release"), Value::Null)
        .await;
    let total = c.get("/api/candidate/result").await.1["total"].as_f64().unwrap();
    assert_eq!(
        total,
        released.as_f64().unwrap() + 1.0 + item2.points.hundredths() as f64 / 100.0
    );

    // Audited with old and new keys; bad corrections are refused with the reason.
    let (_, audit) = office.get(&format!("/api/office/events/{ev}/audit")).await;
    let corrections: Vec<&Value> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == "key_correction")
        .collect();
    assert_eq!(corrections.len(), 2);
    assert_eq!(corrections[0]["old_value"], key[0].as_char().to_string());
    assert_eq!(corrections[0]["reason"], "专家组复核：C 亦正确");

    // Correcting the same item again starts from the points in force: back to the bank's key.
    let (status, report) = office
        .post(
            &format!("/api/office/events/{ev}/key-corrections"),
            json!({ "item_id": item.item_id.as_str(), "accept": [key[0].as_char().to_string()], "reason": "复议：仅原答案正确" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["rescored"], 1, "{report}");
    assert_eq!(score(&app).await, before + item2.points.hundredths());
    let in_force = app.store.item_results(id).await.unwrap();
    assert_eq!((in_force[0].0, in_force[0].3), (1, 0), "{in_force:?}");
    assert_eq!(
        in_force.iter().map(|r| r.3).sum::<i64>(),
        score(&app).await,
        "the objective score is the sum of the points in force"
    );
    assert_eq!(
        app.store.rescored_items(ev, item.item_id.as_str()).await.unwrap(),
        vec![(id, 1, 0, 100), (id, 1, 100, 0)],
        "both corrections' old and new points are kept"
    );
    let (_, audit) = office.get(&format!("/api/office/events/{ev}/audit")).await;
    let last = audit
        .as_array()
        .unwrap()
        .iter()
        .rfind(|a| a["action"] == "key_correction")
        .unwrap()
        .clone();
    assert_eq!(
        last["old_value"],
        format!("{} 或 {}", key[0].as_char(), wrong.source.as_char()),
        "the old key is the one in force"
    );
    for (body, says) in [
        (
            json!({ "item_id": item.item_id.as_str(), "accept": ["Z"], "reason": "x" }),
            "无效",
        ),
        (
            json!({ "item_id": item.item_id.as_str(), "accept": ["A"], "void": true, "reason": "x" }),
            "二选一",
        ),
        (json!({ "item_id": "NOPE", "void": true, "reason": "x" }), "没有题目"),
        (
            json!({ "item_id": item.item_id.as_str(), "void": true, "reason": " " }),
            "原因",
        ),
    ] {
        let (status, reply) = office
            .post(&format!("/api/office/events/{ev}/key-corrections"), body.clone())
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} → {reply}");
        assert!(reply["error"].as_str().unwrap().contains(says), "{body} → {reply}");
    }
    app.finish().await;
}

#[tokio::test]
async fn corrections_wait_until_no_one_is_sitting_and_apply_to_later_submissions() {
    for b in backends() {
        eprintln!("--- backend {b:?}");
        later_submissions(b).await;
    }
}

async fn later_submissions(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ev = app.event_id;
    let (first, _) = app.started_candidate("DEMO0001").await;
    assert_eq!(first.post("/api/candidate/submit", Value::Null).await.0, StatusCode::OK);
    let (sitting, _) = app.started_candidate("DEMO0003").await;
    // DEMO0002 has not started: its paper is already fixed by its seed.
    let late = app.candidate_id("DEMO0002").await;
    let paper = app
        .exam
        .paper(&app.store.sitting(late).await.unwrap().unwrap())
        .await
        .unwrap();
    let item = &paper.objective[0];
    let office = app.staff("office").await;
    let void = json!({ "item_id": item.item_id.as_str(), "void": true, "reason": "题干有误，作废" });
    let path = format!("/api/office/events/{ev}/key-corrections");
    let (status, reply) = office.post(&path, void.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{reply}");
    assert!(reply["error"].as_str().unwrap().contains("1 名考生正在考试"), "{reply}");
    assert!(
        app.store.key_corrections(ev).await.unwrap().is_empty(),
        "nothing recorded"
    );

    assert_eq!(
        sitting.post("/api/candidate/submit", Value::Null).await.0,
        StatusCode::OK
    );
    let (status, reply) = office.post(&path, void).await;
    assert_eq!(status, StatusCode::OK, "{reply}");

    // A sitting submitted after the correction is scored under it: the blank voided item
    // earns its points, like everyone else's.
    let (late_client, _) = app.started_candidate("DEMO0002").await;
    assert_eq!(
        late_client.post("/api/candidate/submit", Value::Null).await.0,
        StatusCode::OK
    );
    let results = app.store.item_results(late).await.unwrap();
    let voided = results.iter().find(|r| r.1 == item.item_id.as_str()).unwrap();
    assert_eq!(voided.3, item.points.hundredths(), "{voided:?}");
    let objective = app.store.sitting(late).await.unwrap().unwrap().objective_score.unwrap();
    assert_eq!(objective, results.iter().map(|r| r.3).sum::<i64>());
    assert_eq!(
        objective,
        item.points.hundredths(),
        "only the voided item scores on a blank paper"
    );
    app.finish().await;
}

#[tokio::test]
async fn item_analysis_of_an_event_counts_what_candidates_answered() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let office = app.staff("office").await;
    let (_, body) = office
        .post("/api/office/events", json!({ "name": "分析", "starts_at": "2026-12-06T09:00:00+08:00", "rooms": ["C1"], "bank": "demo", "forms": 1, "seed": 8 }))
        .await;
    let ev = body["id"].as_i64().unwrap();
    let mut csv = String::from("姓名,姓名拼音,身份证号,准考证号,考场,座位\n");
    for i in 1..=5 {
        csv.push_str(&format!("考生{i},Kao Sheng,11010519491231002X,A{i:03},C1,{i}\n"));
    }
    let (_, body) = office
        .post_raw(&format!("/api/office/events/{ev}/roster"), "text/csv", csv)
        .await;
    let passwords: Value = serde_json::from_str(&body).unwrap();
    app.assign_proctor(ev, "C1").await;
    let proctor = app.staff("proctor").await;
    proctor
        .post(&format!("/api/proctor/events/{ev}/rooms/C1/open"), Value::Null)
        .await;
    let mut paper = None;
    for (i, p) in passwords["passwords"].as_array().unwrap().iter().enumerate() {
        let c = app.client();
        c.post(
            "/api/login",
            json!({ "ticket": p["ticket"], "password": p["password"] }),
        )
        .await;
        c.post("/api/candidate/start", Value::Null).await;
        if paper.is_none() {
            let id = app
                .store
                .candidate_by_ticket(p["ticket"].as_str().unwrap())
                .await
                .unwrap()
                .unwrap()
                .id;
            paper = Some(
                app.exam
                    .paper(&app.store.sitting(id).await.unwrap().unwrap())
                    .await
                    .unwrap(),
            );
        }
        let item = &paper.as_ref().unwrap().objective[0];
        // Candidates 1–3 answer item 1 correctly, 4–5 with the first wrong option.
        let value: String = if i < 3 {
            item.key.iter().map(|l| l.as_char()).collect()
        } else {
            item.options
                .iter()
                .find(|o| !item.key.contains(&o.label))
                .unwrap()
                .label
                .as_char()
                .to_string()
        };
        c.save(1, "1", &value).await;
        c.post("/api/candidate/submit", Value::Null).await;
    }
    let (status, a) = office.get(&format!("/api/office/events/{ev}/analysis")).await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(a["test"]["candidates"], 5);
    let first = paper.unwrap().objective[0].item_id.to_string();
    let item = a["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == first.as_str())
        .unwrap();
    assert_eq!(item["taken"], 5);
    assert!((item["facility"].as_f64().unwrap() - 0.6).abs() < 1e-9, "{item}");
    let (status, csv) = office.get_text(&format!("/api/office/events/{ev}/analysis.csv")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.contains("难度（通过率）") && csv.contains(&first), "{csv:.300}");
    app.finish().await;
}
