//! Shared test harness: the real server on an ephemeral port with a fresh database (SQLite file,
//! or a new PostgreSQL database when TEST_DATABASE_URL is set), a manual clock, and HTTP clients
//! that keep their own cookies like browsers.
#![allow(dead_code)]

use std::net::SocketAddr;

use kaowu::clock::Clock;
use kaowu::exam::Exam;
use kaowu::store::Store;
use kaowu::web::{AppState, serve};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Connection;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// 2026-12-06 09:00 Beijing time, in epoch milliseconds: tests start their clock here.
pub const START_MS: i64 = 1_796_518_800_000;
pub const MIN: i64 = 60_000;
pub const DEMO_PASSWORD: &str = kaowu::demo::DEMO_PASSWORD;
pub const ROOM: &str = kaowu::demo::DEMO_ROOM;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backends to run a test on: SQLite always, PostgreSQL when TEST_DATABASE_URL is set.
/// Without it the PostgreSQL run is skipped loudly, and under KAOWU_REQUIRE_ALL_TESTS=1 (CI)
/// the skip is a failure.
pub fn backends() -> Vec<Backend> {
    if std::env::var("TEST_DATABASE_URL").is_ok() {
        vec![Backend::Sqlite, Backend::Postgres]
    } else {
        skip("PostgreSQL", "TEST_DATABASE_URL is not set");
        vec![Backend::Sqlite]
    }
}

/// Prints a loud skip notice, or fails when every test is required to run.
pub fn skip(what: &str, why: &str) {
    let msg = format!("\n!!!!!!!! SKIPPED: the {what} part of this test did not run: {why} !!!!!!!!\n");
    if std::env::var("KAOWU_REQUIRE_ALL_TESTS").is_ok_and(|v| v == "1") {
        panic!("{msg}(KAOWU_REQUIRE_ALL_TESTS=1 turns this skip into a failure)");
    }
    eprintln!("{msg}");
}

/// A fresh, empty database for one test.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite:{}", dir.path().join("kaowu.db").display());
                TestDb {
                    url,
                    _dir: Some(dir),
                    pg: None,
                }
            }
            Backend::Postgres => {
                let admin = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
                let name = format!("kaowu_t_{}", uuid::Uuid::new_v4().simple());
                sqlx::any::install_default_drivers();
                let mut conn = sqlx::AnyConnection::connect(&admin)
                    .await
                    .expect("connect to TEST_DATABASE_URL");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .expect("create test database");
                let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b).to_string();
                TestDb {
                    url: format!("{base}/{name}"),
                    _dir: None,
                    pg: Some((admin, name)),
                }
            }
        }
    }

    /// Another handle on an existing database (a second node on it): it owns nothing, so
    /// dropping it or finishing its server leaves the database to its owner.
    pub fn shared(url: &str) -> TestDb {
        TestDb {
            url: url.to_string(),
            _dir: None,
            pg: None,
        }
    }

    /// Drops a PostgreSQL test database (SQLite's goes with its temp folder).
    pub async fn drop_db(&self) {
        if let Some((admin, name)) = &self.pg
            && let Ok(mut conn) = sqlx::AnyConnection::connect(admin).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await;
        }
    }
}

/// A running server with the demo event (5 candidates, office and proctor accounts).
pub struct TestApp {
    pub addr: SocketAddr,
    pub clock: Clock,
    pub exam: Exam,
    pub store: Store,
    pub event_id: i64,
    pub db: TestDb,
    shutdown: Option<oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<()>,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        let db = TestDb::new(backend).await;
        let clock = Clock::manual(START_MS);
        Self::spawn_on(db, clock).await
    }

    /// A server on an existing database (e.g. to restart on the same data).
    pub async fn spawn_on(db: TestDb, clock: Clock) -> TestApp {
        // Server errors show up in the failing test's output.
        let _ = tracing_subscriber::fmt()
            .with_env_filter("warn")
            .with_test_writer()
            .try_init();
        let store = Store::open(&db.url).await.expect("open store");
        let exam = Exam::new(store.clone(), clock.clone());
        let demo = kaowu::demo::ensure_demo(&store, clock.now_ms())
            .await
            .expect("demo event");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = oneshot::channel::<()>();
        let state = AppState::new(exam.clone());
        let server = tokio::spawn(async move {
            serve(listener, state, async {
                let _ = rx.await;
            })
            .await
            .expect("server");
        });
        TestApp {
            addr,
            clock,
            exam,
            store,
            event_id: demo.event_id,
            db,
            shutdown: Some(tx),
            server,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn client(&self) -> Client {
        Client {
            http: reqwest::Client::builder().cookie_store(true).build().expect("client"),
            base: format!("http://{}", self.addr),
        }
    }

    pub async fn candidate(&self, ticket: &str) -> Client {
        let c = self.client();
        let (status, body) = c
            .post(
                "/api/login",
                serde_json::json!({ "ticket": ticket, "password": DEMO_PASSWORD }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "candidate login: {body}");
        c
    }

    pub async fn staff(&self, username: &str) -> Client {
        let c = self.client();
        let (status, body) = c
            .post(
                "/api/login",
                serde_json::json!({ "username": username, "password": DEMO_PASSWORD }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "staff login: {body}");
        c
    }

    /// The office assigns the demo proctor to a room of an event (the demo room is assigned
    /// already).
    pub async fn assign_proctor(&self, event: i64, room: &str) {
        let office = self.staff("office").await;
        let (status, body) = office
            .post(
                &format!("/api/office/events/{event}/proctors"),
                serde_json::json!({ "username": "proctor", "rooms": [room] }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "assign the proctor: {body}");
    }

    pub fn room_path(&self, action: &str) -> String {
        let room: String = url_escape(ROOM);
        format!("/api/proctor/events/{}/rooms/{room}{action}", self.event_id)
    }

    /// Proctor opens the demo room; a candidate logged in as `ticket` starts.
    pub async fn started_candidate(&self, ticket: &str) -> (Client, Client) {
        let proctor = self.staff("proctor").await;
        let _ = proctor.post(&self.room_path("/open"), Value::Null).await;
        let c = self.candidate(ticket).await;
        let (status, body) = c.post("/api/candidate/start", Value::Null).await;
        assert_eq!(status, StatusCode::OK, "start: {body}");
        (c, proctor)
    }

    /// Stops the server (and leaves the database for a restart).
    pub async fn stop(mut self) -> TestDb {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.server).await;
        self.db
    }

    pub async fn finish(self) {
        let db = self.stop().await;
        db.drop_db().await;
    }
}

pub fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// An HTTP client with its own cookie jar (one browser).
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

impl Client {
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request");
        Self::read(r).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let mut req = self.http.post(format!("{}{path}", self.base));
        if !body.is_null() {
            req = req.json(&body);
        }
        let r = req.send().await.expect("request");
        Self::read(r).await
    }

    /// The raw body text, for scanning what actually went over the wire.
    pub async fn get_text(&self, path: &str) -> (StatusCode, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request");
        (r.status(), r.text().await.expect("body"))
    }

    pub async fn post_raw(&self, path: &str, content_type: &str, body: String) -> (StatusCode, String) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request");
        (r.status(), r.text().await.expect("body"))
    }

    async fn read(r: reqwest::Response) -> (StatusCode, Value) {
        let status = r.status();
        let text = r.text().await.expect("body");
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    pub async fn save(&self, seq: i64, slot: &str, value: &str) -> (StatusCode, Value) {
        self.post(
            "/api/candidate/saves",
            serde_json::json!({ "saves": [{ "seq": seq, "slot": slot, "value": value }] }),
        )
        .await
    }

    pub async fn answers(&self) -> Value {
        let (status, body) = self.get("/api/candidate/answers").await;
        assert_eq!(status, StatusCode::OK, "answers: {body}");
        body["answers"].clone()
    }
}

impl TestApp {
    /// A server on an existing database at a given address: a server that went away (see
    /// [`TestApp::stop`]) comes back where browsers expect it. Retries while the port is still
    /// being released.
    pub async fn spawn_at(db: TestDb, clock: Clock, addr: SocketAddr) -> TestApp {
        let store = Store::open(&db.url).await.expect("open store");
        let exam = Exam::new(store.clone(), clock.clone());
        let demo = kaowu::demo::ensure_demo(&store, clock.now_ms())
            .await
            .expect("demo event");
        let mut tries = 0;
        let listener = loop {
            match TcpListener::bind(addr).await {
                Ok(l) => break l,
                Err(e) if tries < 50 => {
                    tries += 1;
                    eprintln!("rebinding {addr}: {e}; retrying");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => panic!("cannot bind {addr} again: {e}"),
            }
        };
        let (tx, rx) = oneshot::channel::<()>();
        let state = AppState::new(exam.clone());
        let server = tokio::spawn(async move {
            serve(listener, state, async {
                let _ = rx.await;
            })
            .await
            .expect("server");
        });
        TestApp {
            addr,
            clock,
            exam,
            store,
            event_id: demo.event_id,
            db,
            shutdown: Some(tx),
            server,
        }
    }

    /// Waits (up to 10 s) until the server's expiry sweeper has submitted the sitting of
    /// `candidate_id`, and returns it as submitted.
    pub async fn submitted_by_sweeper(&self, candidate_id: i64) -> kaowu::store::SittingRow {
        for _ in 0..100 {
            let s = self.store.sitting(candidate_id).await.unwrap().unwrap();
            if s.state == exam_rules::sitting::SittingState::Submitted {
                return s;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the expiry sweeper did not submit sitting {candidate_id} within 10 s");
    }

    /// The store's id of a candidate, by ticket.
    pub async fn candidate_id(&self, ticket: &str) -> i64 {
        self.store
            .candidate_by_ticket(ticket)
            .await
            .expect("candidate lookup")
            .expect("candidate exists")
            .id
    }
}
