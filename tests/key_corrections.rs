//! Key challenges after an event: correcting a key or voiding an item rescores every affected
//! sitting, reports who changed, is audited, and reaches candidates only with a new release.

mod common;

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
    let paper = app.exam.paper(&app.store.sitting(id).await.unwrap().unwrap()).await.unwrap();
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
    let (status, body) = office.post(&format!("/api/office/events/{ev}/release"), Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let released = c.get("/api/candidate/result").await.1["total"].clone();

    // "Also accept" the option this candidate chose (in the bank's labels).
    let frozen = app.store.event_items(ev).await.unwrap().into_iter().find(|i| i.id == item.item_id).unwrap();
    let ItemBody::Choice { key, .. } = &frozen.body else { panic!("objective item") };
    let accept = vec![key[0].as_char().to_string(), wrong.source.as_char().to_string()];
    let (status, report) = office
        .post(&format!("/api/office/events/{ev}/key-corrections"), json!({ "item_id": item.item_id.as_str(), "accept": accept, "reason": "专家组复核：C 亦正确" }))
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["rescored"], 1, "{report}");
    let changed = report["changed"].as_array().unwrap();
    assert_eq!(changed.len(), 1);
    assert_eq!((changed[0]["ticket"].as_str(), changed[0]["new_total"].as_f64().unwrap() - changed[0]["old_total"].as_f64().unwrap()), (Some("DEMO0001"), 1.0));
    assert_eq!(score(&app).await, before + 100);
    assert_eq!(c.get("/api/candidate/result").await.1["total"], released, "released results wait for a new release");

    // Void item 2: the blank now earns its points too.
    let item2 = &paper.objective[1];
    let (status, report) =
        office.post(&format!("/api/office/events/{ev}/key-corrections"), json!({ "item_id": item2.item_id.as_str(), "void": true, "reason": "题干有歧义，作废" })).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(score(&app).await, before + 100 + item2.points.hundredths());
    office.post(&format!("/api/office/events/{ev}/release"), Value::Null).await;
    let total = c.get("/api/candidate/result").await.1["total"].as_f64().unwrap();
    assert_eq!(total, released.as_f64().unwrap() + 1.0 + item2.points.hundredths() as f64 / 100.0);

    // Audited with old and new keys; bad corrections are refused with the reason.
    let (_, audit) = office.get(&format!("/api/office/events/{ev}/audit")).await;
    let corrections: Vec<&Value> = audit.as_array().unwrap().iter().filter(|a| a["action"] == "key_correction").collect();
    assert_eq!(corrections.len(), 2);
    assert_eq!(corrections[0]["old_value"], key[0].as_char().to_string());
    assert_eq!(corrections[0]["reason"], "专家组复核：C 亦正确");
    for (body, says) in [
        (json!({ "item_id": item.item_id.as_str(), "accept": ["Z"], "reason": "x" }), "无效"),
        (json!({ "item_id": item.item_id.as_str(), "accept": ["A"], "void": true, "reason": "x" }), "二选一"),
        (json!({ "item_id": "NOPE", "void": true, "reason": "x" }), "没有题目"),
        (json!({ "item_id": item.item_id.as_str(), "void": true, "reason": " " }), "原因"),
    ] {
        let (status, reply) = office.post(&format!("/api/office/events/{ev}/key-corrections"), body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} → {reply}");
        assert!(reply["error"].as_str().unwrap().contains(says), "{body} → {reply}");
    }
    app.finish().await;
}
