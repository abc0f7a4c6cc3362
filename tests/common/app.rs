//! The real server on an ephemeral port with a fresh database (SQLite file, or a new PostgreSQL
//! database when TEST_DATABASE_URL is set), a manual clock, and HTTP clients that keep their own
//! cookies like browsers, with a typed helper per API call the tests make often.
//!
//! The typed helpers assert the call succeeded (200) and return the body as a test-side struct
//! mirroring the wire (`#[derive(Deserialize)]` here, not the server's types, so a change to what
//! goes over the wire shows up in the tests). Tests of refusals, error bodies and hostile input use
//! the raw form: `get`/`post` → `(StatusCode, Value)`, `get_text`/`post_raw` → the text.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use kaowu::clock::Clock;
use kaowu::exam::Exam;
use kaowu::store::Store;
use kaowu::web::{AppState, serve};
use reqwest::StatusCode;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sqlx::Connection;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// 2026-12-06 09:00 Beijing time, in epoch milliseconds: tests start their clock here.
pub const START_MS: i64 = 1_796_518_800_000;
pub const MIN: i64 = 60_000;
pub const DEMO_PASSWORD: &str = kaowu::exam::demo::DEMO_PASSWORD;
pub const ROOM: &str = kaowu::exam::demo::DEMO_ROOM;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
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
    /// Where banks uploaded through this server are stored.
    pub banks: tempfile::TempDir,
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
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        Self::serve_on(db, clock, listener).await
    }

    /// A server on an existing database at a given address: a server that went away (see
    /// [`TestApp::stop`]) comes back where browsers expect it. Retries while the port is still
    /// being released.
    pub async fn spawn_at(db: TestDb, clock: Clock, addr: SocketAddr) -> TestApp {
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
        Self::serve_on(db, clock, listener).await
    }

    async fn serve_on(db: TestDb, clock: Clock, listener: TcpListener) -> TestApp {
        // Server errors show up in the failing test's output.
        let _ = tracing_subscriber::fmt()
            .with_env_filter("warn")
            .with_test_writer()
            .try_init();
        let store = Store::open(&db.url).await.expect("open store");
        let exam = Exam::new(store.clone(), clock.clone()).with_signing_key(credentials::SigningKey::generate());
        let demo = kaowu::exam::demo::ensure_demo(&exam).await.expect("demo event");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = oneshot::channel::<()>();
        let banks = tempfile::tempdir().expect("a folder for uploaded banks");
        let state = AppState::new(exam.clone()).with_bank_dir(banks.path().to_path_buf());
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
            banks,
            shutdown: Some(tx),
            server,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn client(&self) -> Client {
        Client::new(&format!("http://{}", self.addr))
    }

    /// A browser on another workstation: its requests come from `ip` (an address of the
    /// loopback range).
    pub fn client_from(&self, ip: [u8; 4]) -> Client {
        Client {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .local_address(std::net::IpAddr::from(ip))
                .build()
                .expect("client"),
            base: format!("http://{}", self.addr),
        }
    }

    /// A candidate of the demo event, logged in.
    pub async fn candidate(&self, ticket: &str) -> Client {
        let c = self.client();
        c.login(ticket_login(ticket, DEMO_PASSWORD)).await;
        c
    }

    /// A staff member of the demo (password [`DEMO_PASSWORD`]), logged in.
    pub async fn staff(&self, username: &str) -> Client {
        let c = self.client();
        c.login(staff_login(username, DEMO_PASSWORD)).await;
        c
    }

    /// DEMO0001 starts, answers item 1 with a wrong option and hands in: what a key correction
    /// (given in the bank's labels: the paper's options are shuffled) then works on.
    pub async fn wrong_first_answer(&self) -> WrongAnswer {
        let (c, _) = self.started_candidate("DEMO0001").await;
        let paper = self.office_paper("DEMO0001").await;
        let item = &paper.objective[0];
        let wrong = item
            .options
            .iter()
            .find(|o| !item.key.contains(&o.label))
            .expect("a wrong option");
        let answered = wrong.label.as_char().to_string();
        c.save(1, "1", &answered).await;
        c.submit().await;
        WrongAnswer {
            item_id: item.item_id.to_string(),
            answered,
            wrong: wrong.source.as_char().to_string(),
            key: self.bank_key(item.item_id.as_str()).await,
            candidate_id: self.candidate_id("DEMO0001").await,
        }
    }

    /// A submitted sitting's objective score (hundredths).
    pub async fn objective_score(&self, candidate_id: i64) -> i64 {
        let sitting = self
            .store
            .sitting(candidate_id)
            .await
            .expect("sitting")
            .expect("a sitting");
        sitting.objective_score.expect("handed in")
    }

    /// An objective item's key in the bank's labels (as the office corrects keys), e.g. "AC".
    pub async fn bank_key(&self, item_id: &str) -> String {
        let item = self
            .store
            .event_items(self.event_id)
            .await
            .expect("event items")
            .into_iter()
            .find(|i| i.id.as_str() == item_id)
            .expect("the item is in the event");
        match &item.body {
            question_bank::ItemBody::Choice { key, .. } => key.iter().map(|l| l.as_char()).collect(),
            question_bank::ItemBody::Open { .. } => panic!("{item_id} is an open question"),
        }
    }

    /// Makes a staff account with the demo password directly in the store (no change owed).
    pub async fn add_staff(&self, username: &str, name: &str, role: &str) {
        let hash = kaowu::auth::hash_password(DEMO_PASSWORD, kaowu::auth::Strength::IssuedToCandidate);
        self.store
            .create_account(username, name, role, &hash, START_MS)
            .await
            .expect("staff account");
    }

    /// Grader accounts `阅卷人{name}` (password [`DEMO_PASSWORD`]) with their roles; every
    /// grader is assigned to every open question of the demo event.
    pub async fn graders(&self, names: &[(&str, &str)]) {
        let office = self.staff("office").await;
        let open_items: Vec<String> = self
            .store
            .event_items(self.event_id)
            .await
            .expect("event items")
            .into_iter()
            .filter(|i| i.kind() == question_bank::ItemKind::Open)
            .map(|i| i.id.to_string())
            .collect();
        for (user, role) in names {
            self.add_staff(user, &format!("阅卷人{user}"), role).await;
            if *role == "grader" {
                for item in &open_items {
                    office.assign_grader(self.event_id, user, item).await;
                }
            }
        }
    }

    /// The office assigns the demo proctor to a room of an event (the demo room is assigned
    /// already).
    pub async fn assign_proctor(&self, event: i64, room: &str) {
        let office = self.staff("office").await;
        let _: Value = office
            .post_ok(
                &format!("/api/office/events/{event}/proctors"),
                json!({ "username": "proctor", "rooms": [room] }),
            )
            .await;
    }

    /// The demo room's API path, with `action` appended ("/open", "/log", "" for the room).
    pub fn room_path(&self, action: &str) -> String {
        room_path(self.event_id, ROOM, action)
    }

    /// Proctor opens the demo room; a candidate logged in as `ticket` starts.
    pub async fn started_candidate(&self, ticket: &str) -> (Client, Client) {
        let proctor = self.staff("proctor").await;
        let _ = proctor.post(&self.room_path("/open"), Value::Null).await;
        let c = self.candidate(ticket).await;
        c.start().await;
        (c, proctor)
    }

    /// Candidate `ticket` starts, saves `saves` and submits; returns their browser.
    pub async fn sat(&self, ticket: &str, saves: &[(i64, &str, &str)]) -> Client {
        let (c, _) = self.started_candidate(ticket).await;
        c.saves(saves).await;
        c.submit().await;
        c
    }

    /// The paper the office sees for `ticket` (keys included), drawn from their stored seed.
    pub async fn office_paper(&self, ticket: &str) -> question_bank::Paper {
        let sitting = self.sitting(ticket).await;
        self.exam.paper(&sitting).await.expect("the paper")
    }

    /// The sitting of `ticket`, from the store.
    pub async fn sitting(&self, ticket: &str) -> kaowu::store::SittingRow {
        let id = self.candidate_id(ticket).await;
        self.store.sitting(id).await.expect("sitting").expect("has a sitting")
    }

    /// An event 分析 made through the office API (the demo bank, one form, seed 8, room C1) in
    /// which five candidates A001…A005 sat and submitted: the first three answered items
    /// 1..=`answered` correctly, the other two with the first wrong option. All have the same
    /// paper; returns the event, that paper, and the last candidate's browser.
    pub async fn analysed_event(&self, answered: usize) -> (i64, question_bank::Paper, Client) {
        let office = self.staff("office").await;
        let ev = office
            .create_event(json!({ "name": "分析", "starts_at": "2026-12-06T09:00:00+08:00", "rooms": ["C1"], "bank": "demo", "forms": 1, "seed": 8 }))
            .await
            .id;
        let issued = office.import_roster(ev, &roster_csv("A", "C1", 5)).await.passwords;
        self.assign_proctor(ev, "C1").await;
        self.staff("proctor").await.open_room(ev, "C1").await;
        let mut paper: Option<question_bank::Paper> = None;
        let mut last = None;
        for (i, p) in issued.iter().enumerate() {
            let c = self.client();
            c.login(ticket_login(&p.ticket, &p.password)).await;
            c.start().await;
            if paper.is_none() {
                paper = Some(self.office_paper(&p.ticket).await);
            }
            let paper = paper.as_ref().expect("the paper");
            for (n, item) in paper.objective.iter().take(answered).enumerate() {
                let value: String = if i < 3 {
                    item.key.iter().map(|l| l.as_char()).collect()
                } else {
                    let wrong = item.options.iter().find(|o| !item.key.contains(&o.label));
                    wrong.expect("a wrong option").label.as_char().to_string()
                };
                let seq = n as i64 + 1;
                c.save(seq, &seq.to_string(), &value).await;
            }
            c.submit().await;
            last = Some(c);
        }
        let paper = paper.expect("five candidates");
        (ev, paper, last.expect("five candidates"))
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

    /// The answers the store holds for `ticket`, slot → value.
    pub async fn stored_answers(&self, ticket: &str) -> BTreeMap<String, String> {
        let id = self.candidate_id(ticket).await;
        self.store
            .answers(id)
            .await
            .expect("answers")
            .into_iter()
            .map(|a| (a.slot, a.value))
            .collect()
    }

    /// A connection of its own to the test database (as another process would have).
    pub async fn db_connection(&self) -> sqlx::AnyConnection {
        sqlx::AnyConnection::connect(&self.db.url)
            .await
            .expect("connect to the test database")
    }
}

/// The roster CSV's header line.
pub const ROSTER_HEADER: &str = "姓名,姓名拼音,身份证号,准考证号,考场,座位\n";

/// DEMO0001's wrong answer to item 1 ([`TestApp::wrong_first_answer`]).
pub struct WrongAnswer {
    pub item_id: String,
    /// The option chosen, in the paper's labels.
    pub answered: String,
    /// The same option in the bank's labels.
    pub wrong: String,
    /// The item's key in the bank's labels.
    pub key: String,
    pub candidate_id: i64,
}

/// A cell of a workbook a test writes: text, or a number as Excel stores one.
pub enum XCell<'a> {
    T(&'a str),
    N(f64),
}

/// An Excel workbook (.xlsx) whose first sheet holds `rows` from A1 on, as an office saves one.
/// The demo bank's folder as a ZIP (deflated, under a top folder as a zipped folder is), with
/// `change` applied to its files first; `extra` adds entries as they are.
pub fn bank_zip(change: impl Fn(&str, String) -> String, extra: &[(&str, &str)]) -> Vec<u8> {
    use std::io::Write;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../question-bank/banks/demo");
    let mut files = vec![(
        "bank.toml".to_string(),
        std::fs::read_to_string(dir.join("bank.toml")).unwrap(),
    )];
    let mut names: Vec<String> = std::fs::read_dir(dir.join("items"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for n in names {
        files.push((
            format!("items/{n}"),
            std::fs::read_to_string(dir.join("items").join(&n)).unwrap(),
        ));
    }
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in files {
        zip.start_file(format!("新题库/{name}"), options).unwrap();
        zip.write_all(change(&name, text).as_bytes()).unwrap();
    }
    // The demo bank's pictures, as a folder zipped by hand would hold them.
    for entry in std::fs::read_dir(dir.join("images")).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        zip.start_file(format!("新题库/images/{name}"), options).unwrap();
        zip.write_all(&std::fs::read(entry.path()).unwrap()).unwrap();
    }
    for (name, text) in extra {
        zip.start_file(*name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

pub fn xlsx(rows: &[Vec<XCell>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("考生名单").expect("sheet name");
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match cell {
                XCell::T(text) => sheet.write_string(r, c, *text).map(|_| ()),
                XCell::N(n) => sheet.write_number(r, c, *n).map(|_| ()),
            }
            .expect("cell");
        }
    }
    book.save_to_buffer().expect("workbook")
}

/// A roster of `n` candidates in `room`, tickets `{prefix}001`…, seats 1….
pub fn roster_csv(prefix: &str, room: &str, n: usize) -> String {
    let mut csv = String::from(ROSTER_HEADER);
    for i in 1..=n {
        csv.push_str(&format!(
            "考生{i},Kao Sheng,11010519491231002X,{prefix}{i:03},{room},{i}\n"
        ));
    }
    csv
}

pub fn ticket_login(ticket: &str, password: &str) -> Value {
    json!({ "ticket": ticket, "password": password })
}

pub fn staff_login(username: &str, password: &str) -> Value {
    json!({ "username": username, "password": password })
}

/// A room's proctor API path, with `action` appended ("/open", "/log", "" for the room).
pub fn room_path(event: i64, room: &str, action: &str) -> String {
    format!("/api/proctor/events/{event}/rooms/{}{action}", url_escape(room))
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

/// Whether an error body is `{"error": "…"}` in Chinese (at least one CJK character).
pub fn chinese_error(body: &Value) -> bool {
    body["error"]
        .as_str()
        .is_some_and(|e| e.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)))
}

/// The text of an error body's `error`, or "" (for `contains` checks that then fail clearly).
pub fn error_of(body: &Value) -> &str {
    body["error"].as_str().unwrap_or_default()
}

/// A 422 whose message says `says`.
#[track_caller]
pub fn assert_unprocessable(status: StatusCode, reply: &Value, says: &str) {
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{reply}");
    assert!(error_of(reply).contains(says), "{reply}");
}

/// The row of `rows` for `ticket` (which must be there).
fn the_one<'a, T: std::fmt::Debug>(rows: &'a [T], ticket: &str, is: impl Fn(&T) -> bool) -> &'a T {
    rows.iter()
        .find(|r| is(r))
        .unwrap_or_else(|| panic!("no row for {ticket} in {rows:?}"))
}

// ---- what goes over the wire, as the tests read it -----------------------------------------------

/// `POST /api/login`.
#[derive(Debug, Clone, Deserialize)]
pub struct Login {
    pub must_change_password: bool,
}

/// `GET /api/candidate/status`, and the answer to start and submit.
#[derive(Debug, Clone, Deserialize)]
pub struct Status {
    pub state: String,
    pub room_open: bool,
    pub remaining_ms: i64,
    pub submitted_by: Option<String>,
    pub notice: Option<String>,
    pub absent: bool,
    pub paper_in_ms: i64,
    pub ends_at: Option<String>,
    pub rehearsal: bool,
    pub timetable: Timetable,
}

/// The event's published times as clock times.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Timetable {
    pub starts: String,
    pub cutoff: String,
    pub ends: String,
}

/// `GET /api/candidate/live`: the server-sent events as they arrive.
pub struct LiveFeed {
    response: reqwest::Response,
    buffer: String,
}

impl LiveFeed {
    /// The next `change` event of kind `what` within `within`, passing over others (e.g. one
    /// made before the feed opened that this node's reader had not yet read).
    pub async fn next_of(&mut self, what: &str, within: std::time::Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let change = self.next_change(left).await?;
            if change["change"] == what {
                return Some(change);
            }
        }
    }

    /// The next `change` event's data within `within` (real time), or `None`.
    pub async fn next_change(&mut self, within: std::time::Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                let mut event = "";
                let mut data = String::new();
                for line in frame.lines() {
                    if let Some(e) = line.strip_prefix("event:") {
                        event = e.trim();
                    } else if let Some(d) = line.strip_prefix("data:") {
                        data.push_str(d.trim_start());
                    }
                }
                if event == "change" {
                    return Some(serde_json::from_str(&data).expect("a change is JSON"));
                }
                continue;
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk()).await;
            match chunk {
                Ok(Ok(Some(bytes))) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                _ => return None,
            }
        }
    }
}

/// `GET /api/candidate/answers`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Answers {
    pub answers: BTreeMap<String, String>,
    pub max_seq: i64,
    pub state: String,
    pub remaining_ms: i64,
}

impl Answers {
    /// The answer in `slot`, if any.
    pub fn get(&self, slot: &str) -> Option<&str> {
        self.answers.get(slot).map(String::as_str)
    }
}

/// `POST /api/candidate/saves`.
#[derive(Debug, Clone, Deserialize)]
pub struct Saves {
    pub results: Vec<SaveResult>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SaveResult {
    /// saved, stale, …
    pub status: String,
}

impl Saves {
    /// The outcome of the first (or only) save of the request.
    pub fn first(&self) -> &str {
        &self.results.first().expect("a result per save").status
    }
}

/// `GET /api/candidate/paper`: what a candidate receives.
#[derive(Debug, Clone, Deserialize)]
pub struct CandidatePaper {
    pub objective: Vec<Value>,
    pub open: Vec<Value>,
}

/// `GET /api/candidate/result`, once released.
#[derive(Debug, Clone, Deserialize)]
pub struct CandidateResult {
    pub total: f64,
    pub verdict: String,
}

/// What a proctor's action answers.
#[derive(Debug, Clone, Deserialize)]
pub struct Done {
    /// How many sittings the action changed.
    pub changed: usize,
}

/// `GET /api/proctor/events/{event}/rooms/{room}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Room {
    pub seats: Vec<Seat>,
    pub schedule: Value,
}

impl Room {
    pub fn seat(&self, ticket: &str) -> &Seat {
        the_one(&self.seats, ticket, |s| s.ticket == ticket)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Seat {
    pub ticket: String,
    pub last_save_ms: Option<i64>,
    pub state: String,
    pub state_name: String,
    pub late_minutes: Option<i64>,
}

/// An entry of a room's log.
#[derive(Debug, Clone, Deserialize)]
pub struct LogEntry {
    pub ticket: Option<String>,
    pub action: String,
    pub reason: String,
    pub at_ms: i64,
}

/// `GET /api/proctor/events`: an event and the rooms the caller may run.
#[derive(Debug, Clone, Deserialize)]
pub struct EventRooms {
    pub id: i64,
    pub rooms: Vec<Value>,
}

/// `GET /api/office/events`.
#[derive(Debug, Clone, Deserialize)]
pub struct EventSummary {
    pub id: i64,
    pub published: bool,
}

/// `POST /api/office/events/{id}/publish`.
#[derive(Debug, Clone, Deserialize)]
pub struct Published {
    pub frozen_items: usize,
}

/// An entry of `GET /api/office/events/{id}/proctors`.
#[derive(Debug, Clone, Deserialize)]
pub struct ProctorAssignment {
    pub room: String,
}

/// `POST /api/office/accounts/{username}/unlock`.
#[derive(Debug, Clone, Deserialize)]
pub struct Unlocked {
    /// How many recorded login failures were forgotten.
    pub forgotten: u64,
}

/// `GET /api/me`: the staff member logged in.
#[derive(Debug, Clone, Deserialize)]
pub struct Me {
    pub must_change_password: bool,
}

/// What creating something answers.
#[derive(Debug, Clone, Deserialize)]
pub struct Created {
    pub id: i64,
}

/// `POST /api/office/events/{id}/roster`.
#[derive(Debug, Clone, Deserialize)]
pub struct Imported {
    pub imported: usize,
    pub passwords: Vec<Issued>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Issued {
    pub ticket: String,
    pub password: String,
}

/// `GET /api/office/events/{id}/results`.
#[derive(Debug, Clone, Deserialize)]
pub struct Results {
    pub absent: usize,
    pub releasable: bool,
    pub results: Vec<ResultRow>,
}

impl Results {
    pub fn of(&self, ticket: &str) -> &ResultRow {
        the_one(&self.results, ticket, |r| r.ticket == ticket)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ResultRow {
    pub ticket: String,
    pub objective: f64,
    pub open_total: f64,
    pub total: f64,
    pub open: Vec<OpenScore>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OpenScore {
    pub no: u32,
    pub mark: Option<f64>,
}

/// An entry of an event's audit log.
#[derive(Debug, Clone, Deserialize)]
pub struct AuditEntry {
    pub actor: String,
    pub action: String,
    pub old_value: String,
    pub reason: String,
}

/// `POST /api/office/events/{id}/key-corrections`.
#[derive(Debug, Clone, Deserialize)]
pub struct Rescore {
    pub dry_run: bool,
    pub old_key: String,
    pub new_key: String,
    pub gains: usize,
    pub losses: usize,
    pub rescored: usize,
    pub verdicts_changed: usize,
    pub changed: Vec<RescoreChange>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RescoreChange {
    pub ticket: String,
    pub old_total: f64,
    pub new_total: f64,
}

/// `POST /api/marking/events/{event}/next`: a blind marking task.
#[derive(Debug, Clone, Deserialize)]
pub struct Task {
    pub task_id: i64,
    /// 第一评 / 第二评 / 第三评（仲裁） / 复评（申诉）
    pub round: String,
    pub answer: String,
    /// The body as it came over the wire, to scan for what a grader must not see.
    #[serde(skip)]
    pub wire: String,
}

/// `POST /api/marking/tasks/{task}/mark`.
#[derive(Debug, Clone, Deserialize)]
pub struct Marked {
    /// marking, disputed, final, …
    pub status: String,
}

/// `GET /api/marking/events/{event}/dashboard`.
#[derive(Debug, Clone, Deserialize)]
pub struct Dashboard {
    pub questions: Vec<QuestionProgress>,
    pub graders: Vec<GraderStats>,
    pub controls: Vec<ControlView>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct QuestionProgress {
    pub item_id: String,
    pub final_: u64,
    /// Waiting marks handed to graders (shared out evenly).
    pub handed_out: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GraderStats {
    pub name: String,
    pub count: u64,
    pub agreement: Option<f64>,
    pub mean_difference: Option<f64>,
    pub control_count: u64,
    pub control_deviation: Option<f64>,
    pub control_abs_deviation: Option<f64>,
}

/// A control answer (质检卷) on the dashboard.
#[derive(Debug, Clone, Deserialize)]
pub struct ControlView {
    pub item_id: String,
    pub agreed_mark: f64,
    pub planted_for: u64,
    pub marked: u64,
    pub marks: Vec<ControlMark>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ControlMark {
    pub name: String,
    pub mark: f64,
    pub deviation: f64,
}

/// A console print job as `GET /api/office/print-jobs/{job}` answers.
#[derive(Debug, Clone, Deserialize)]
pub struct PrintJob {
    pub job: String,
    pub state: String,
    pub total: u64,
    pub done: u64,
    pub file_name: Option<String>,
    pub problems: Vec<String>,
}

/// The names of the files in a ZIP, sorted.
pub fn zip_names(bytes: &[u8]) -> Vec<String> {
    let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP");
    let mut names: Vec<String> = zip.file_names().map(|n| n.expect("a name").into_owned()).collect();
    names.sort();
    names
}

// ---- the client ------------------------------------------------------------------------------------

/// An HTTP client with its own cookie jar (one browser).
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

impl Client {
    /// A new browser (own cookies) talking to the server at `base` (`http://host:port`).
    pub fn new(base: &str) -> Client {
        Client {
            http: reqwest::Client::builder().cookie_store(true).build().expect("client"),
            base: base.to_string(),
        }
    }

    /// The same browser (same cookie jar) talking to another server, as through a balancer or
    /// after a restart on another port.
    pub fn via(&self, base: &str) -> Client {
        Client {
            http: self.http.clone(),
            base: base.to_string(),
        }
    }

    // -- raw: status and body as they came --

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

    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> (StatusCode, String) {
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

    // -- typed: asserts 200 and reads the body --

    fn parse<T: DeserializeOwned>(what: &str, status: StatusCode, text: &str) -> T {
        assert_eq!(status, StatusCode::OK, "{what}: {text}");
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{what}: {e} in {text}"))
    }

    pub async fn get_ok<T: DeserializeOwned>(&self, path: &str) -> T {
        let (status, text) = self.get_text(path).await;
        Self::parse(&format!("GET {path}"), status, &text)
    }

    pub async fn post_ok<T: DeserializeOwned>(&self, path: &str, body: Value) -> T {
        let mut req = self.http.post(format!("{}{path}", self.base));
        if !body.is_null() {
            req = req.json(&body);
        }
        let r = req.send().await.expect("request");
        let status = r.status();
        let text = r.text().await.expect("body");
        Self::parse(&format!("POST {path}"), status, &text)
    }

    // -- everyone --

    pub async fn login(&self, who: Value) -> Login {
        self.post_ok("/api/login", who).await
    }

    pub async fn try_login(&self, who: Value) -> (StatusCode, Value) {
        self.post("/api/login", who).await
    }

    pub async fn me(&self) -> Me {
        self.get_ok("/api/me").await
    }

    // -- the candidate --

    /// Opens the candidate's live feed (server-sent events).
    pub async fn live(&self) -> LiveFeed {
        let response = self
            .http
            .get(format!("{}/api/candidate/live", self.base))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::OK, "the live feed opens");
        let kind = response.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .to_string();
        assert!(kind.starts_with("text/event-stream"), "{kind}");
        LiveFeed {
            response,
            buffer: String::new(),
        }
    }

    pub async fn status(&self) -> Status {
        self.get_ok("/api/candidate/status").await
    }

    pub async fn start(&self) -> Status {
        self.post_ok("/api/candidate/start", Value::Null).await
    }

    pub async fn try_start(&self) -> (StatusCode, Value) {
        self.post("/api/candidate/start", Value::Null).await
    }

    pub async fn paper(&self) -> CandidatePaper {
        self.get_ok("/api/candidate/paper").await
    }

    pub async fn answers(&self) -> Answers {
        self.get_ok("/api/candidate/answers").await
    }

    /// One save, which must be taken (200; its outcome may still be `stale`).
    pub async fn save(&self, seq: i64, slot: &str, value: &str) -> Saves {
        self.saves(&[(seq, slot, value)]).await
    }

    /// One save, as it came back.
    pub async fn try_save(&self, seq: i64, slot: &str, value: &str) -> (StatusCode, Value) {
        self.try_saves(saves_body(&[(seq, slot, value)])).await
    }

    /// Several saves (seq, slot, value) in one request, which must be taken.
    pub async fn saves(&self, saves: &[(i64, &str, &str)]) -> Saves {
        self.post_ok("/api/candidate/saves", saves_body(saves)).await
    }

    pub async fn try_saves(&self, body: Value) -> (StatusCode, Value) {
        self.post("/api/candidate/saves", body).await
    }

    pub async fn submit(&self) -> Status {
        self.post_ok("/api/candidate/submit", Value::Null).await
    }

    pub async fn result(&self) -> CandidateResult {
        self.get_ok("/api/candidate/result").await
    }

    // -- the proctor --

    pub async fn proctor_events(&self) -> Vec<EventRooms> {
        self.get_ok("/api/proctor/events").await
    }

    pub async fn open_room(&self, event: i64, room: &str) -> Done {
        self.post_ok(&room_path(event, room, "/open"), Value::Null).await
    }

    pub async fn pause_room(&self, event: i64, room: &str, reason: &str) -> Done {
        self.post_ok(&room_path(event, room, "/pause"), json!({ "reason": reason }))
            .await
    }

    pub async fn resume_room(&self, event: i64, room: &str, reason: &str) -> Done {
        self.post_ok(&room_path(event, room, "/resume"), json!({ "reason": reason }))
            .await
    }

    pub async fn room(&self, event: i64, room: &str) -> Room {
        self.get_ok(&room_path(event, room, "")).await
    }

    pub async fn room_log(&self, event: i64, room: &str) -> Vec<LogEntry> {
        self.get_ok(&room_path(event, room, "/log")).await
    }

    /// A proctor's action on one candidate (pause, resume, allow-move, unlock) with its reason.
    pub async fn act(&self, ticket: &str, action: &str, reason: &str) -> Done {
        self.post_ok(
            &format!("/api/proctor/candidates/{ticket}/{action}"),
            json!({ "reason": reason }),
        )
        .await
    }

    pub async fn try_act(&self, ticket: &str, action: &str, body: Value) -> (StatusCode, Value) {
        self.post(&format!("/api/proctor/candidates/{ticket}/{action}"), body)
            .await
    }

    pub async fn extra_time(&self, ticket: &str, minutes: i64, reason: &str) -> Done {
        self.post_ok(
            &format!("/api/proctor/candidates/{ticket}/extra-time"),
            json!({ "minutes": minutes, "reason": reason }),
        )
        .await
    }

    // -- the exam office --

    pub async fn events(&self) -> Vec<EventSummary> {
        self.get_ok("/api/office/events").await
    }

    pub async fn create_event(&self, event: Value) -> Created {
        self.post_ok("/api/office/events", event).await
    }

    pub async fn import_roster(&self, event: i64, csv: &str) -> Imported {
        let (status, text) = self.try_import_roster(event, csv).await;
        Self::parse("roster import", status, &text)
    }

    pub async fn try_import_roster(&self, event: i64, csv: &str) -> (StatusCode, String) {
        self.post_raw(
            &format!("/api/office/events/{event}/roster"),
            "text/csv",
            csv.to_string(),
        )
        .await
    }

    pub async fn publish(&self, event: i64, bank: &str) -> Published {
        self.post_ok(&format!("/api/office/events/{event}/publish"), json!({ "bank": bank }))
            .await
    }

    pub async fn try_publish(&self, event: i64, bank: &str) -> (StatusCode, Value) {
        self.post(&format!("/api/office/events/{event}/publish"), json!({ "bank": bank }))
            .await
    }

    pub async fn assign_grader(&self, event: i64, username: &str, item_id: &str) {
        let _: Value = self
            .post_ok(
                &format!("/api/office/events/{event}/assignments"),
                json!({ "username": username, "item_id": item_id }),
            )
            .await;
    }

    pub async fn release(&self, event: i64) {
        let _: Value = self
            .post_ok(&format!("/api/office/events/{event}/release"), Value::Null)
            .await;
    }

    pub async fn try_release(&self, event: i64) -> (StatusCode, Value) {
        self.post(&format!("/api/office/events/{event}/release"), Value::Null)
            .await
    }

    pub async fn results(&self, event: i64) -> Results {
        self.get_ok(&format!("/api/office/events/{event}/results")).await
    }

    pub async fn audit(&self, event: i64) -> Vec<AuditEntry> {
        self.get_ok(&format!("/api/office/events/{event}/audit")).await
    }

    pub async fn analysis(&self, event: i64) -> question_bank::analysis::Analysis {
        self.get_ok(&format!("/api/office/events/{event}/analysis")).await
    }

    pub async fn correct_key(&self, event: i64, correction: Value) -> Rescore {
        self.post_ok(&format!("/api/office/events/{event}/key-corrections"), correction)
            .await
    }

    pub async fn try_correct_key(&self, event: i64, correction: Value) -> (StatusCode, Value) {
        self.post(&format!("/api/office/events/{event}/key-corrections"), correction)
            .await
    }

    /// Starts a console print job (`{"what": …, "ticket": …}`); asserts it was accepted.
    pub async fn start_print(&self, event: i64, request: Value) -> PrintJob {
        self.post_ok(&format!("/api/office/events/{event}/print"), request)
            .await
    }

    /// Follows a print job (through this client's node) until it is no longer running.
    pub async fn finished_print(&self, job: &str) -> PrintJob {
        for _ in 0..600 {
            let now: PrintJob = self.get_ok(&format!("/api/office/print-jobs/{job}")).await;
            if now.state != "running" {
                return now;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("print job {job} did not finish in 60 s");
    }

    /// A finished print job's file: its content type and bytes; asserts 200.
    pub async fn print_file(&self, job: &str) -> (String, Vec<u8>) {
        let r = self
            .http
            .get(format!("{}/api/office/print-jobs/{job}/file", self.base))
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), StatusCode::OK, "the print job's file");
        let content_type = r.headers()["content-type"]
            .to_str()
            .expect("a content type")
            .to_string();
        (content_type, r.bytes().await.expect("the file").to_vec())
    }

    // -- marking --

    /// The next task for this grader, or `None` when there is nothing for them (204).
    pub async fn next_task(&self, event: i64) -> Option<Task> {
        let r = self
            .http
            .post(format!("{}/api/marking/events/{event}/next", self.base))
            .send()
            .await
            .expect("request");
        match r.status() {
            StatusCode::NO_CONTENT => None,
            status => {
                let text = r.text().await.expect("body");
                let mut task: Task = Self::parse("next task", status, &text);
                task.wire = text;
                Some(task)
            }
        }
    }

    /// Marks a task (with a fixed comment), as it came back.
    pub async fn try_mark(&self, task: i64, mark: &str) -> (StatusCode, Value) {
        let m: f64 = mark.parse().expect("a mark");
        self.post(
            &format!("/api/marking/tasks/{task}/mark"),
            json!({ "mark": m, "comment": "按评分要点给分" }),
        )
        .await
    }

    /// Marks a task, which must be taken.
    pub async fn mark(&self, task: i64, mark: &str) -> Marked {
        let (status, body) = self.try_mark(task, mark).await;
        assert_eq!(status, StatusCode::OK, "mark {task}: {body}");
        serde_json::from_value(body).expect("a mark's answer")
    }

    pub async fn dashboard(&self, event: i64) -> Dashboard {
        self.get_ok(&format!("/api/marking/events/{event}/dashboard")).await
    }
}

/// The body of `POST /api/candidate/saves`.
pub fn saves_body(saves: &[(i64, &str, &str)]) -> Value {
    let saves: Vec<Value> = saves
        .iter()
        .map(|(seq, slot, value)| json!({ "seq": seq, "slot": slot, "value": value }))
        .collect();
    json!({ "saves": saves })
}

// ---- served HTML pages ---------------------------------------------------------------------------

/// A served HTML page, read with CSS selectors (as a browser would find things), not by substring.
pub struct Page(scraper::Html);

impl Page {
    pub fn parse(html: &str) -> Page {
        Page(scraper::Html::parse_document(html))
    }

    fn selector(css: &str) -> scraper::Selector {
        scraper::Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css}: {e:?}"))
    }

    /// The text of an element, whitespace-trimmed.
    pub fn text_of(e: scraper::ElementRef<'_>) -> String {
        e.text().collect::<String>().trim().to_string()
    }

    /// Every element `css` matches.
    pub fn all(&self, css: &str) -> Vec<scraper::ElementRef<'_>> {
        self.0.select(&Self::selector(css)).collect()
    }

    /// The texts of every element `css` matches.
    pub fn texts(&self, css: &str) -> Vec<String> {
        self.all(css).into_iter().map(Self::text_of).collect()
    }

    /// The text of the one element `css` matches.
    #[track_caller]
    pub fn text(&self, css: &str) -> String {
        let found = self.texts(css);
        assert_eq!(found.len(), 1, "{css} should match one element: {found:?}");
        found.into_iter().next().unwrap_or_default()
    }

    /// How many elements `css` matches.
    pub fn count(&self, css: &str) -> usize {
        self.all(css).len()
    }
}

impl std::fmt::Display for Page {
    /// The page's HTML (the first 2,000 characters), for assertion messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let html = self.0.html();
        let cut: String = html.chars().take(2000).collect();
        f.write_str(&cut)
    }
}
