//! Crash test: the real `kaowu serve` process is killed with SIGKILL while 30 candidates save
//! as fast as they can, then restarted on the same database. Every acknowledged save must still
//! be there, and every timer must still be right.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::cli::{kaowu_ok as kaowu, start_server};
use crate::common::{self, Backend, Client, TestDb, each_backend, staff_login, ticket_login};

const CANDIDATES: usize = 30;

/// The event 断电演练 (room R1, the demo bank) with `candidates` candidates K0001… and a
/// proctor p1, made with the CLI; returns the candidates' (ticket, password) and the proctor's
/// password.
fn event_with_roster(db: &str, dir: &std::path::Path, candidates: usize) -> (Vec<(String, String)>, String) {
    let roster = dir.join("roster.csv");
    let mut csv = String::from("姓名,姓名拼音,身份证号,准考证号,考场,座位\n");
    for i in 1..=candidates {
        csv.push_str(&format!("考生{i},Kao Sheng,11010519491231002X,K{i:04},R1,{i:02}\n"));
    }
    std::fs::write(&roster, csv).unwrap();
    // The real server keeps real time: the exam starts now, so its room may open.
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    kaowu([
        "event",
        "create",
        "--database",
        db,
        "--name",
        "断电演练",
        "--starts-at",
        &now,
        "--rooms",
        "R1",
        "--bank",
        "demo",
        "--seed",
        "3",
    ]);
    let passwords_file = dir.join("passwords.csv");
    kaowu([
        "roster",
        "import",
        "--database",
        db,
        "--event",
        "1",
        roster.to_str().unwrap(),
        "--passwords-out",
        passwords_file.to_str().unwrap(),
    ]);
    let out = kaowu([
        "account",
        "add",
        "--database",
        db,
        "--username",
        "p1",
        "--name",
        "监考",
        "--role",
        "proctor",
    ]);
    let proctor_password = out.trim().rsplit('：').next().unwrap().to_string();
    kaowu([
        "account",
        "assign-proctor",
        "--database",
        db,
        "--username",
        "p1",
        "--event",
        "1",
        "--room",
        "R1",
    ]);
    let passwords: Vec<(String, String)> = std::fs::read_to_string(&passwords_file)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[4].to_string())
        })
        .collect();
    assert_eq!(passwords.len(), candidates);
    (passwords, proctor_password)
}

/// The password the proctor chooses at first login in place of the initial one.
fn changed_password(initial: &str) -> String {
    format!("{initial}-自选")
}

/// The proctor opens R1 and every candidate logs in and starts: (ticket, browser) each.
async fn open_room_and_start(
    base: &str,
    passwords: &[(String, String)],
    proctor_password: &str,
) -> Vec<(String, Client)> {
    let proctor = Client::new(base);
    proctor.login(staff_login("p1", proctor_password)).await;
    // The CLI issued an initial password: the proctor changes it first.
    let _: Value = proctor
        .post_ok(
            "/api/password",
            json!({ "old_password": proctor_password, "new_password": changed_password(proctor_password) }),
        )
        .await;
    proctor.open_room(1, "R1").await;
    let mut clients = Vec::new();
    for (ticket, password) in passwords {
        let c = Client::new(base);
        c.login(ticket_login(ticket, password)).await;
        c.start().await;
        clients.push((ticket.clone(), c));
    }
    clients
}

/// (slot → (seq, value)) of every save the server acknowledged as saved, per candidate.
type Acked = Arc<Mutex<HashMap<String, HashMap<String, (i64, String)>>>>;

/// Notes a save the server acknowledged as saved.
fn acknowledged(acked: &Acked, ticket: &str, slot: String, seq: i64, value: &str) {
    acked
        .lock()
        .unwrap()
        .entry(ticket.to_string())
        .or_default()
        .insert(slot, (seq, value.to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_mid_saving_loses_no_acknowledged_save_and_keeps_every_timer() {
    each_backend(crash_and_recover).await;
}

async fn crash_and_recover(backend: Backend) {
    let db = TestDb::new(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let (passwords, proctor_password) = event_with_roster(&db.url, dir.path(), CANDIDATES);
    let (mut server, base) = start_server(&db.url, &[]);
    let clients = open_room_and_start(&base, &passwords, &proctor_password).await;

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
                    acknowledged(&acked, &ticket, slot, seq, value);
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // Each candidate's own remaining time (they started at slightly different moments).
    let mut before = HashMap::new();
    for (ticket, c) in &clients {
        before.insert(ticket.clone(), (c.status().await.remaining_ms, Instant::now()));
    }
    server.kill();
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

    let (mut server, base) = start_server(&db.url, &[]);
    for (ticket, c) in &clients {
        // The same browser (cookie) carries on after the restart.
        let c = c.via(&base);
        assert_acknowledged_saves_kept(ticket, &c, &acked).await;
        let status = c.status().await;
        assert_eq!(status.state, "in_progress");
        let remaining = status.remaining_ms;
        let (remaining_before, at) = before[ticket];
        let elapsed = at.elapsed().as_millis() as i64;
        assert!(
            remaining <= remaining_before - elapsed + 1000 && remaining >= remaining_before - elapsed - 5000,
            "{ticket}: {remaining} ms left after the restart; {remaining_before} before, {elapsed} ms elapsed"
        );
    }
    server.kill();
    db.drop_db().await;
}

/// Every save acknowledged to `ticket` is what the server now holds for its slot, or a newer
/// save replaced it (one may commit without its acknowledgement arriving).
async fn assert_acknowledged_saves_kept(
    ticket: &str,
    c: &Client,
    acked: &HashMap<String, HashMap<String, (i64, String)>>,
) {
    let answers = c.answers().await;
    let max_seq = answers.max_seq;
    for (slot, (seq, value)) in acked.get(ticket).into_iter().flatten() {
        let stored = answers
            .get(slot)
            .unwrap_or_else(|| panic!("{ticket} slot {slot}: acknowledged save (seq {seq}) lost"));
        assert!(
            max_seq >= *seq,
            "{ticket}: max_seq {max_seq} below acknowledged seq {seq}"
        );
        assert!(
            stored == value || max_seq > *seq,
            "{ticket} slot {slot}: stored {stored}, acknowledged {value} (seq {seq})"
        );
    }
}

/// A tmpfs the test mounted (as root), unmounted when dropped.
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let mounted = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size}"),
                "kaowu-test",
                dir.path().to_str().unwrap(),
            ])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        mounted.then_some(Tmpfs(dir))
    }

    fn path(&self) -> &std::path::Path {
        self.0.path()
    }

    /// Writes a file until the file system is full.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.path().join("filler");
        let mut f = std::fs::File::create(&path).unwrap();
        for chunk in [1 << 20, 4096, 512] {
            let block = vec![0u8; chunk];
            while f.write_all(&block).is_ok() {}
        }
        let _ = f.sync_all();
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.path()).status();
    }
}

/// What the candidates' saving loops saw, by HTTP status.
#[derive(Default)]
struct Seen {
    ok: usize,
    unavailable: usize,
    /// Other statuses, with their bodies: none may occur.
    other: Vec<(u16, String)>,
    /// 503 bodies without a Chinese `error`.
    unclear: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn full_disk_answers_503_and_loses_no_acknowledged_save() {
    // SQLite is the backend whose database file the server writes itself; the disk fills under
    // it. (A full disk under PostgreSQL is the PostgreSQL server's, answered 503 by class 53.)
    let Some(disk) = Tmpfs::mount("24m") else {
        common::skip("full-disk", "cannot mount a tmpfs (needs root)");
        return;
    };
    let db = format!("sqlite:{}", disk.path().join("kaowu.db").display());
    let dir = tempfile::tempdir().unwrap();
    let (passwords, proctor_password) = event_with_roster(&db, dir.path(), 20);
    let (mut server, base) = start_server(&db, &[]);
    let clients = open_room_and_start(&base, &passwords, &proctor_password).await;

    let acked: Acked = Arc::default();
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::new();
    for (ticket, c) in &clients {
        let (ticket, c, acked, seen, stop) = (ticket.clone(), c.clone(), acked.clone(), seen.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut seq = 0i64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                seq += 1;
                let slot = ((seq % 70) + 1).to_string();
                let value = ["A", "B", "C", "D"][(seq % 4) as usize].to_string();
                let r = c
                    .http
                    .post(format!("{}/api/candidate/saves", c.base))
                    .json(&json!({ "saves": [{ "seq": seq, "slot": slot, "value": value }] }))
                    .send()
                    .await
                    .expect("the server stays up on a full disk");
                let status = r.status();
                let body: Value = r.json().await.unwrap_or(Value::Null);
                let refused = {
                    let mut seen = seen.lock().unwrap();
                    match status {
                        StatusCode::OK => {
                            seen.ok += 1;
                            if body["results"][0]["status"] == "saved" {
                                acknowledged(&acked, &ticket, slot, seq, &value);
                            }
                            false
                        }
                        StatusCode::SERVICE_UNAVAILABLE => {
                            seen.unavailable += 1;
                            let clear = body["error"].as_str().is_some_and(|e| e.contains("磁盘空间不足"));
                            if !clear {
                                seen.unclear.push(body.to_string());
                            }
                            true
                        }
                        other => {
                            seen.other.push((other.as_u16(), body.to_string()));
                            false
                        }
                    }
                };
                if refused {
                    // As the page does: keep the save and send it again a little later.
                    seq -= 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }));
    }
    let wait_for = |what: &'static str, done: Box<dyn Fn(&Seen) -> bool + Send>| {
        let seen = seen.clone();
        async move {
            let t0 = Instant::now();
            while !done(&seen.lock().unwrap()) {
                assert!(t0.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    wait_for("saves before the disk fills", Box::new(|s| s.ok >= 200)).await;
    let filler = disk.fill();
    let ok_when_full = seen.lock().unwrap().ok;
    wait_for("saves refused on the full disk", Box::new(|s| s.unavailable >= 200)).await;
    // Saving on through the full disk: whatever was acknowledged meanwhile is visible to other
    // connections (a fresh login reads it back).
    std::fs::remove_file(&filler).unwrap();
    let unavailable_when_freed = seen.lock().unwrap().unavailable;
    let ok_when_freed = seen.lock().unwrap().ok;
    wait_for(
        "saves acknowledged again once space returns",
        Box::new(move |s| s.ok >= ok_when_freed + 300),
    )
    .await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }
    {
        let seen = seen.lock().unwrap();
        eprintln!(
            "full disk: {} acknowledged before it filled, {} refused with 503 ({} while full), {} acknowledged in all",
            ok_when_full, seen.unavailable, unavailable_when_freed, seen.ok
        );
        assert!(
            seen.other.is_empty(),
            "only 200 or 503 may answer a save: {:?}",
            &seen.other[..seen.other.len().min(5)]
        );
        assert!(
            seen.unclear.is_empty(),
            "503 without a clear Chinese message: {:?}",
            &seen.unclear[..1]
        );
    }
    let acked = acked.lock().unwrap().clone();
    // Other connections see every acknowledged save: another process reading the database file,
    // and a new staff login (a write of its own) followed by the room console.
    sqlx::any::install_default_drivers();
    let mut other = <sqlx::AnyConnection as sqlx::Connection>::connect(&db).await.unwrap();
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT c.ticket, a.slot, a.value, a.seq FROM answers a JOIN candidates c ON c.id = a.candidate_id",
    )
    .fetch_all(&mut other)
    .await
    .unwrap();
    let stored: HashMap<(String, String), (String, i64)> = rows
        .into_iter()
        .map(|(t, slot, v, seq)| ((t, slot), (v, seq)))
        .collect();
    for (ticket, slots) in &acked {
        for (slot, (seq, value)) in slots {
            let (v, s) = stored
                .get(&(ticket.clone(), slot.clone()))
                .unwrap_or_else(|| panic!("{ticket} slot {slot}: acknowledged seq {seq} not in the database"));
            assert!(
                s > seq || (s == seq && v == value),
                "{ticket} slot {slot}: stored {v} (seq {s}), acknowledged {value} (seq {seq})"
            );
        }
    }
    // A new login after the full disk, and the room console.
    let proctor = Client::new(&base);
    proctor
        .login(staff_login("p1", &changed_password(&proctor_password)))
        .await;
    proctor.room(1, "R1").await;
    server.kill();
    let (_server, base) = start_server(&db, &[]);
    for (ticket, c) in &clients {
        let c = c.via(&base);
        assert_acknowledged_saves_kept(ticket, &c, &acked).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restart_serves_at_once_and_hands_in_expired_sittings_in_the_background() {
    each_backend(restart_with_expired_sittings).await;
}

async fn restart_with_expired_sittings(backend: Backend) {
    const EXPIRED: i64 = 300;
    let db = TestDb::new(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let (passwords, _) = event_with_roster(&db.url, dir.path(), EXPIRED as usize);
    // The server was down while every sitting's time ran out: all started four hours ago.
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url)
        .await
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let started = now - 4 * 3600 * 1000;
    sqlx::query("UPDATE sittings SET state = 'in_progress', started_ms = $1, deadline_ms = $1 + base_ms")
        .bind(started)
        .execute(&mut conn)
        .await
        .unwrap();

    let (_server, base) = start_server(&db.url, &[]);
    // Serving before the sweep is done: a page loads while sittings are still being handed in.
    let r = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let when_serving = submitted(&mut conn).await;
    eprintln!("{when_serving} of {EXPIRED} expired sittings handed in when the server first answered");
    assert!(
        when_serving < EXPIRED,
        "the server answered only after handing in all {EXPIRED} expired sittings"
    );
    // A candidate who shows up meanwhile finds their paper handed in at its deadline.
    let (ticket, password) = &passwords[EXPIRED as usize - 1];
    let c = Client::new(&base);
    c.login(ticket_login(ticket, password)).await;
    let status = c.status().await;
    assert_eq!(status.state, "submitted", "{status:?}");
    // And the sweeper hands in every one of them.
    let t0 = Instant::now();
    while submitted(&mut conn).await < EXPIRED {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "the sweeper did not hand in every expired sitting"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let late: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sittings WHERE submitted_ms <> $1 + base_ms")
        .bind(started)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(late, 0, "each paper handed in at its own deadline");
    drop(conn);
    db.drop_db().await;
}

async fn submitted(conn: &mut sqlx::AnyConnection) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM sittings WHERE state = 'submitted'")
        .fetch_one(conn)
        .await
        .unwrap()
}

#[test]
fn behind_an_https_proxy_the_login_cookie_is_secure() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("kaowu.db").display());
    let (_server, base) = start_server(&db, &["--demo", "--secure-cookies"]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let cookie = runtime.block_on(async {
        let r = reqwest::Client::new()
            .post(format!("{base}/api/login"))
            .json(&staff_login("proctor", "kaowu2026"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        r.headers()["set-cookie"].to_str().unwrap().to_string()
    });
    assert!(cookie.contains("; Secure") && cookie.contains("HttpOnly"), "{cookie}");
}
