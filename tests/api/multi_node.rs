//! Scale-out: two `kaowu` nodes on one PostgreSQL database, as behind a load balancer. A
//! candidate's requests land on either node (the browser's cookie goes to both, as through a
//! balancer); what one node does, the other must respect at once: saves and their sequence
//! numbers, a proctor's pause, submission, and the expiry sweep that both nodes run.

use crate::common;

use common::{Backend, Client, DEMO_PASSWORD, MIN, START_MS, TestApp, TestDb, backends};
use kaowu::clock::Clock;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Connection;

/// The same browser (same cookie jar) talking to another node.
fn via(c: &Client, node: &TestApp) -> Client {
    Client {
        http: c.http.clone(),
        base: format!("http://{}", node.addr),
    }
}

async fn count(url: &str, sql: &str, candidate_id: i64) -> i64 {
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("connect");
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(candidate_id)
        .fetch_one(&mut conn)
        .await
        .expect("count")
}

#[tokio::test]
async fn two_nodes_on_one_postgres_database_serve_one_sitting() {
    if !backends().contains(&Backend::Postgres) {
        return; // skipped loudly by backends()
    }
    let db = TestDb::new(Backend::Postgres).await;
    let url = db.url.clone();
    let a = TestApp::spawn_on(db, Clock::manual(START_MS)).await;
    let b = TestApp::spawn_on(TestDb::shared(&url), Clock::manual(START_MS)).await;
    assert_eq!(a.event_id, b.event_id, "both nodes serve the same demo event");

    // The proctor works on node B, the candidate logs in and starts on node A.
    let proctor = b.staff("proctor").await;
    let (status, body) = proctor.post(&b.room_path("/open"), Value::Null).await;
    assert!(status.is_success(), "open room on B: {body}");
    let on_a = a.candidate("DEMO0001").await;
    let on_b = via(&on_a, &b);
    let (status, body) = on_a.post("/api/candidate/start", Value::Null).await;
    assert_eq!(status, StatusCode::OK, "start on A: {body}");
    let (status, paper) = on_b.get("/api/candidate/paper").await;
    assert_eq!(status, StatusCode::OK, "the paper from B: {paper}");

    // Saves alternate between the nodes; each sees the other's at once.
    assert_eq!(on_a.save(1, "1", "A").await.0, StatusCode::OK);
    assert_eq!(on_b.save(2, "2", "B").await.0, StatusCode::OK);
    assert_eq!(on_b.save(3, "1", "C").await.0, StatusCode::OK);
    let (status, reply) = on_a.save(2, "1", "D").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        reply["results"][0]["status"], "stale",
        "a lower seq on the other node: {reply}"
    );
    for c in [&on_a, &on_b] {
        let answers = c.answers().await;
        assert_eq!((answers["1"].as_str(), answers["2"].as_str()), (Some("C"), Some("B")));
    }

    // A pause on B stops saves on A at once (no node trusts a cached sitting state).
    let (status, body) = proctor
        .post(
            "/api/proctor/candidates/DEMO0001/pause",
            json!({ "reason": "更换机位前暂停" }),
        )
        .await;
    assert!(status.is_success(), "pause on B: {body}");
    let (status, body) = on_a.save(4, "3", "A").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"].as_str().unwrap().contains("暂停"), "{body}");
    let (status, body) = proctor
        .post("/api/proctor/candidates/DEMO0001/resume", json!({ "reason": "继续" }))
        .await;
    assert!(status.is_success(), "resume on B: {body}");
    assert_eq!(on_a.save(5, "3", "A").await.0, StatusCode::OK);

    // Submitted on B: A refuses the next save and reports the sitting submitted.
    let (status, body) = on_b.post("/api/candidate/submit", Value::Null).await;
    assert_eq!(status, StatusCode::OK, "submit on B: {body}");
    let (status, body) = on_a.save(6, "4", "A").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"].as_str().unwrap().contains("已交卷"), "{body}");
    let (_, s) = on_a.get("/api/candidate/status").await;
    assert_eq!(s["state"], "submitted", "{s}");

    // A second candidate starts, then time runs out: both nodes' sweepers race to hand the paper
    // in, and it is handed in once (one set of item results, one open answer per chosen question).
    let second = b.client();
    let (status, body) = second
        .post("/api/login", json!({ "ticket": "DEMO0002", "password": DEMO_PASSWORD }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(second.post("/api/candidate/start", Value::Null).await.0, StatusCode::OK);
    assert_eq!(second.save(1, "open", "1,2,3").await.0, StatusCode::OK);
    assert_eq!(via(&second, &a).save(2, "open-2", "作答内容").await.0, StatusCode::OK);
    a.clock.advance_ms(181 * MIN);
    b.clock.advance_ms(181 * MIN);
    let id = b.candidate_id("DEMO0002").await;
    let s = a.submitted_by_sweeper(id).await;
    assert_eq!(s.submitted_by.as_deref(), Some("system"));
    assert_eq!(s.submitted_ms, Some(START_MS + 180 * MIN), "handed in at the deadline");
    // Give the other node's sweeper its turn, then count.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let items = count(&url, "SELECT COUNT(*) FROM item_results WHERE candidate_id = $1", id).await;
    assert_eq!(items, 70, "one set of item results");
    let open = count(&url, "SELECT COUNT(*) FROM open_answers WHERE candidate_id = $1", id).await;
    assert_eq!(open, 3, "one open answer per chosen question");

    b.stop().await;
    a.finish().await;
}
