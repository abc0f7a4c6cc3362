//! Crash test: the real `kaowu serve` process is killed with SIGKILL while 30 candidates save
//! as fast as they can, then restarted on the same database. Every acknowledged save must still
//! be there, and every timer must still be right.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Backend, Client, TestDb, backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

const KAOWU: &str = env!("CARGO_BIN_EXE_kaowu");
const CANDIDATES: usize = 30;

fn kaowu(args: &[&str]) -> String {
    let out = Command::new(KAOWU).args(args).output().expect("run kaowu");
    assert!(
        out.status.success(),
        "kaowu {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// Starts `kaowu serve` on a free port and returns it with its base URL.
fn start_server(db: &str) -> (Child, String) {
    let mut child = Command::new(KAOWU)
        .args(["serve", "--listen", "127.0.0.1:0", "--database", db])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn kaowu serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("server exited before listening")
            .expect("read stdout");
        if let Some(addr) = line.strip_prefix("listening on ") {
            break addr.to_string();
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, format!("http://{addr}"))
}

fn client(base: &str) -> Client {
    Client {
        http: reqwest::Client::builder().cookie_store(true).build().unwrap(),
        base: base.to_string(),
    }
}

/// (slot → (seq, value)) of every save the server acknowledged as saved, per candidate.
type Acked = Arc<Mutex<HashMap<String, HashMap<String, (i64, String)>>>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_mid_saving_loses_no_acknowledged_save_and_keeps_every_timer() {
    for backend in backends() {
        eprintln!("--- backend {backend:?}");
        crash_and_recover(backend).await;
    }
}

async fn crash_and_recover(backend: Backend) {
    let db = TestDb::new(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let roster = dir.path().join("roster.csv");
    let mut csv = String::from("姓名,姓名拼音,身份证号,准考证号,考场,座位\n");
    for i in 1..=CANDIDATES {
        csv.push_str(&format!("考生{i},Kao Sheng,11010519491231002X,K{i:04},R1,{i:02}\n"));
    }
    std::fs::write(&roster, csv).unwrap();
    kaowu(&[
        "event",
        "create",
        "--database",
        &db.url,
        "--name",
        "断电演练",
        "--starts-at",
        "2026-12-06T09:00:00+08:00",
        "--rooms",
        "R1",
        "--bank",
        "demo",
        "--seed",
        "3",
    ]);
    let passwords_file = dir.path().join("passwords.csv");
    kaowu(&[
        "roster",
        "import",
        "--database",
        &db.url,
        "--event",
        "1",
        roster.to_str().unwrap(),
        "--passwords-out",
        passwords_file.to_str().unwrap(),
    ]);
    let out = kaowu(&[
        "account",
        "add",
        "--database",
        &db.url,
        "--username",
        "p1",
        "--name",
        "监考",
        "--role",
        "proctor",
    ]);
    let proctor_password = out.trim().rsplit('：').next().unwrap().to_string();
    let passwords: Vec<(String, String)> = std::fs::read_to_string(&passwords_file)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[4].to_string())
        })
        .collect();
    assert_eq!(passwords.len(), CANDIDATES);

    let (mut server, base) = start_server(&db.url);
    let proctor = client(&base);
    let (status, body) = proctor
        .post("/api/login", json!({ "username": "p1", "password": proctor_password }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        proctor.post("/api/proctor/events/1/rooms/R1/open", Value::Null).await.0,
        StatusCode::OK
    );

    let mut clients = Vec::new();
    for (ticket, password) in &passwords {
        let c = client(&base);
        let (status, body) = c
            .post("/api/login", json!({ "ticket": ticket, "password": password }))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(c.post("/api/candidate/start", Value::Null).await.0, StatusCode::OK);
        clients.push((ticket.clone(), c));
    }

    // Everyone saves as fast as acknowledgements come back.
    let acked: Acked = Arc::default();
    let mut tasks = Vec::new();
    for (ticket, c) in &clients {
        let (ticket, c, acked) = (ticket.clone(), c.clone(), acked.clone());
        tasks.push(tokio::spawn(async move {
            let mut seq = 0i64;
            loop {
                seq += 1;
                let slot = ((seq % 70) + 1).to_string();
                let value = ["A", "B", "C", "D"][(seq % 4) as usize];
                let r = c
                    .http
                    .post(format!("{}/api/candidate/saves", c.base))
                    .json(&json!({ "saves": [{ "seq": seq, "slot": slot, "value": value }] }))
                    .send()
                    .await;
                let Ok(r) = r else { return seq };
                if r.status() != StatusCode::OK {
                    return seq;
                }
                let Ok(body) = r.json::<Value>().await else { return seq };
                if body["results"][0]["status"] == "saved" {
                    acked
                        .lock()
                        .unwrap()
                        .entry(ticket.clone())
                        .or_default()
                        .insert(slot, (seq, value.to_string()));
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // Each candidate's own remaining time (they started at slightly different moments).
    let mut before = HashMap::new();
    for (ticket, c) in &clients {
        let (_, status) = c.get("/api/candidate/status").await;
        before.insert(
            ticket.clone(),
            (status["remaining_ms"].as_i64().unwrap(), Instant::now()),
        );
    }
    server.kill().expect("SIGKILL the server");
    server.wait().unwrap();
    let mut sent = 0;
    for t in tasks {
        sent += t.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let acked_count: usize = acked.values().map(|m| m.len()).sum();
    eprintln!("{sent} saves sent, {acked_count} distinct slots acknowledged before SIGKILL");
    assert!(
        acked_count > 100,
        "the crash must happen mid-saving ({acked_count} acknowledged)"
    );

    let (mut server, base) = start_server(&db.url);
    for (ticket, c) in &clients {
        // The same browser (cookie) carries on after the restart.
        let c = Client {
            http: c.http.clone(),
            base: base.clone(),
        };
        let answers = c.answers().await;
        for (slot, (seq, value)) in acked.get(ticket).into_iter().flatten() {
            let stored = answers[slot.as_str()]
                .as_str()
                .unwrap_or_else(|| panic!("{ticket} slot {slot}: acknowledged save (seq {seq}) lost"));
            let (_, body) = c.get("/api/candidate/answers").await;
            assert!(body["max_seq"].as_i64().unwrap() >= *seq);
            // A later save may have committed without its acknowledgement arriving; an
            // acknowledged one can only be replaced by a newer one.
            if stored != value {
                let log_newer = body["max_seq"].as_i64().unwrap() > *seq;
                assert!(
                    log_newer,
                    "{ticket} slot {slot}: stored {stored}, acknowledged {value} (seq {seq})"
                );
            }
        }
        let (_, status) = c.get("/api/candidate/status").await;
        assert_eq!(status["state"], "in_progress");
        let remaining = status["remaining_ms"].as_i64().unwrap();
        let (remaining_before, at) = before[ticket];
        let elapsed = at.elapsed().as_millis() as i64;
        assert!(
            remaining <= remaining_before - elapsed + 1000 && remaining >= remaining_before - elapsed - 5000,
            "{ticket}: {remaining} ms left after the restart; {remaining_before} before, {elapsed} ms elapsed"
        );
    }
    server.kill().unwrap();
    server.wait().unwrap();
    db.drop_db().await;
}
