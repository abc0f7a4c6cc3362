//! Scale-out: two `kaowu` nodes on one PostgreSQL database, as behind a load balancer. A
//! candidate's requests land on either node (the browser's cookie goes to both, as through a
//! balancer); what one node does, the other must respect at once: saves and their sequence
//! numbers, a proctor's pause, submission, and the expiry sweep that both nodes run.

use kaowu::clock::Clock;
use reqwest::StatusCode;
use sqlx::Connection;

use crate::common::{
    Backend, Client, DEMO_PASSWORD, MIN, ROOM, START_MS, TestApp, TestDb, backends, error_of, ticket_login, zip_names,
};

/// The same browser (same cookie jar) talking to another node.
fn via(c: &Client, node: &TestApp) -> Client {
    c.via(&format!("http://{}", node.addr))
}

async fn count(url: &str, sql: &str, candidate_id: i64) -> i64 {
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("connect");
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(candidate_id)
        .fetch_one(&mut conn)
        .await
        .expect("count")
}

/// Two nodes on one fresh PostgreSQL database, or `None` (skipped loudly) without PostgreSQL.
async fn two_nodes() -> Option<(TestApp, TestApp)> {
    if !backends().contains(&Backend::Postgres) {
        return None;
    }
    let db = TestDb::new(Backend::Postgres).await;
    let url = db.url.clone();
    let a = TestApp::spawn_on(db, Clock::manual(START_MS)).await;
    let b = TestApp::spawn_on(TestDb::shared(&url), Clock::manual(START_MS)).await;
    Some((a, b))
}

#[tokio::test]
async fn two_nodes_on_one_postgres_database_serve_one_sitting() {
    let Some((a, b)) = two_nodes().await else {
        return; // skipped loudly by backends()
    };
    assert_eq!(a.event_id, b.event_id, "both nodes serve the same demo event");

    // The proctor works on node B, the candidate logs in and starts on node A.
    let proctor = b.staff("proctor").await;
    proctor.open_room(b.event_id, ROOM).await;
    let on_a = a.candidate("DEMO0001").await;
    let on_b = via(&on_a, &b);
    on_a.start().await;
    on_b.paper().await;

    // Saves alternate between the nodes; each sees the other's at once.
    on_a.save(1, "1", "A").await;
    on_b.save(2, "2", "B").await;
    on_b.save(3, "1", "C").await;
    let reply = on_a.save(2, "1", "D").await;
    assert_eq!(reply.first(), "stale", "a lower seq on the other node: {reply:?}");
    for c in [&on_a, &on_b] {
        let answers = c.answers().await;
        assert_eq!((answers.get("1"), answers.get("2")), (Some("C"), Some("B")));
    }

    // A pause on B stops saves on A at once (no node trusts a cached sitting state).
    proctor.act("DEMO0001", "pause", "更换机位前暂停").await;
    let (status, body) = on_a.try_save(4, "3", "A").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(error_of(&body).contains("暂停"), "{body}");
    proctor.act("DEMO0001", "resume", "继续").await;
    on_a.save(5, "3", "A").await;

    // Submitted on B: A refuses the next save and reports the sitting submitted.
    on_b.submit().await;
    let (status, body) = on_a.try_save(6, "4", "A").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(error_of(&body).contains("已交卷"), "{body}");
    assert_eq!(on_a.status().await.state, "submitted");

    // A second candidate starts, then time runs out: both nodes' sweepers race to hand the paper
    // in, and it is handed in once (one set of item results, one open answer per chosen question).
    let second = b.client();
    second.login(ticket_login("DEMO0002", DEMO_PASSWORD)).await;
    second.start().await;
    second.save(1, "open", "1,2,3").await;
    via(&second, &a).save(2, "open-2", "作答内容").await;
    a.clock.advance_ms(181 * MIN);
    b.clock.advance_ms(181 * MIN);
    let id = b.candidate_id("DEMO0002").await;
    let s = a.submitted_by_sweeper(id).await;
    assert_eq!(s.submitted_by.as_deref(), Some("system"));
    assert_eq!(s.submitted_ms, Some(START_MS + 180 * MIN), "handed in at the deadline");
    // Give the other node's sweeper its turn, then count.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let url = a.db.url.clone();
    let items = count(&url, "SELECT COUNT(*) FROM item_results WHERE candidate_id = $1", id).await;
    assert_eq!(items, 70, "one set of item results");
    let open = count(&url, "SELECT COUNT(*) FROM open_answers WHERE candidate_id = $1", id).await;
    assert_eq!(open, 3, "one open answer per chosen question");

    b.stop().await;
    a.finish().await;
}

/// The live feed reads the shared log: a pause given through one node reaches a candidate's page
/// listening on the other within seconds.
#[tokio::test]
async fn a_pause_given_on_one_node_reaches_a_page_listening_on_the_other() {
    let Some((a, b)) = two_nodes().await else {
        return; // skipped loudly by backends()
    };
    let proctor = b.staff("proctor").await;
    proctor.open_room(b.event_id, ROOM).await;
    let on_a = a.candidate("DEMO0001").await;
    on_a.start().await;
    let mut feed = on_a.live().await;
    proctor.act("DEMO0001", "pause", "考生举手").await;
    let heard = feed.next_of("paused", std::time::Duration::from_secs(3)).await;
    let heard = heard.expect("the pause on node B reaches the page on node A");
    assert_eq!(heard["status"]["state"], "paused");
    b.stop().await;
    a.finish().await;
}

/// The console's print job lives in the database: started through one node, followed and
/// downloaded through the other (no sticky sessions needed behind a balancer).
#[tokio::test]
async fn a_print_job_started_on_one_node_is_followed_and_downloaded_on_the_other() {
    let Some((a, b)) = two_nodes().await else {
        return; // skipped loudly by backends()
    };
    let on_a = a.staff("office").await;
    let on_b = via(&on_a, &b);
    let job = on_a
        .start_print(a.event_id, serde_json::json!({ "what": "booklet" }))
        .await;
    let job = on_b.finished_print(&job.job).await;
    assert_eq!((job.state.as_str(), job.done), ("ready", 5), "{job:?}");
    let (content_type, bytes) = on_b.print_file(&job.job).await;
    assert_eq!(content_type, "application/zip");
    assert_eq!(zip_names(&bytes).len(), 5);
    let (_, again) = on_a.print_file(&job.job).await;
    assert_eq!(again, bytes, "both nodes serve the same file");
    b.stop().await;
    a.finish().await;
}
