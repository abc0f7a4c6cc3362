//! The exam office's item-analysis page: server-rendered statistics, a score histogram and
//! per-item figures for an event with submitted candidates; closed to everyone else.

use crate::common;

use common::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn the_office_sees_the_item_analysis_page_and_candidates_do_not() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let office = app.staff("office").await;
    let (_, body) = office
        .post(
            "/api/office/events",
            json!({ "name": "分析", "starts_at": "2026-12-06T09:00:00+08:00", "rooms": ["C1"], "bank": "demo", "forms": 1, "seed": 8 }),
        )
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
    let mut candidate = None;
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
        let paper = paper.as_ref().unwrap();
        // Candidates 1–3 answer items 1 and 2 correctly, 4–5 with the first wrong option.
        for seq in 0..2 {
            let item = &paper.objective[seq];
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
            let n = seq as i64 + 1;
            c.save(n, &n.to_string(), &value).await;
        }
        c.post("/api/candidate/submit", Value::Null).await;
        candidate = Some(c);
    }
    let first = paper.unwrap().objective[0].item_id.to_string();

    let (status, page) = office.get_text(&format!("/office/analysis?event={ev}")).await;
    assert_eq!(status, StatusCode::OK, "{page:.500}");
    for want in [
        "题目分析",
        "<svg",
        first.as_str(),
        "考生人数",
        "平均分",
        "标准差",
        "测量标准误",
        "题-余相关",
        "删除后α",
        "hist-bar",
        "opt-key",
        &format!("/api/office/events/{ev}/analysis.csv"),
    ] {
        assert!(page.contains(want), "page lacks {want}: {page}");
    }
    // Five candidates, and figures to three decimals.
    assert!(page.contains(">5</span><span>考生人数"), "{page}");
    assert!(page.contains("0.600"), "facility 0.6 to 3 decimals: {page}");
    if let Ok(dir) = std::env::var("KAOWU_ANALYSIS_HTML") {
        std::fs::write(dir, &page).unwrap();
    }

    // A candidate (and someone not logged in) is sent to the staff login, never shown the page.
    for client in [candidate.unwrap(), app.client()] {
        let (status, text) = client.get_text(&format!("/office/analysis?event={ev}")).await;
        assert_eq!(status, StatusCode::OK, "the redirect ends on the staff login");
        assert!(!text.contains("题目分析") && !text.contains(&first), "{text:.500}");
        assert!(text.contains("工作人员登录"), "{text:.500}");
        let raw = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(app.url(&format!("/office/analysis?event={ev}")))
            .send()
            .await
            .unwrap();
        assert!(raw.status().is_redirection(), "{}", raw.status());
        assert_eq!(raw.headers()["location"], "/staff-login");
    }
    // A proctor is not the exam office either.
    let (_, text) = proctor.get_text(&format!("/office/analysis?event={ev}")).await;
    assert!(!text.contains(&first), "{text:.500}");
    app.finish().await;
}
