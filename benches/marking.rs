//! Marking benchmark: "200 concurrent graders pulling and marking; report tasks per second and
//! p99 latency for each backend".
//!
//! ```text
//! cargo bench -p kaowu --bench marking -- --backend sqlite   --graders 200 --candidates 2000
//! cargo bench -p kaowu --bench marking -- --backend postgres --graders 200 --candidates 2000
//! ```
//!
//! The real server runs in this process, as the tests start it: `Store::open` on a fresh database
//! (a temporary SQLite file, or a new PostgreSQL database `kaowu_bench_<timestamp>_<pid>`,
//! dropped at the end), `Exam::new`, `AppState::new`, `kaowu::web::serve` on 127.0.0.1:0. The
//! clock is the system clock (so the session cache expires as in production: every grader's
//! session is looked up again every 2 s).
//!
//! Setup (timed, not part of the figures): an event on the demo bank (per-candidate papers);
//! N candidates through `Store::import_roster` (one password hash for all); each sitting started,
//! answered (a few objective items, three open questions of 100–250 characters) and submitted
//! through the store and `Exam::submit`, 16 at a time, so the marking queue is exactly what
//! submission creates (double marking: two tasks per answer); `--graders` grader accounts and
//! `--chiefs` chief graders created with one precomputed hash (`auth::hash_password(..,
//! Strength::IssuedToCandidate)` once), every grader assigned to every open item of the event;
//! everyone logs in over HTTP.
//!
//! Measured: every grader, concurrently, loops `POST /api/marking/events/{event}/next` →
//! `POST /api/marking/tasks/{task}/mark` until `next` answers 204 (no task left for them) or
//! `--duration-s` runs out. A grader "reads" the answer: each answer has a quality fixed at setup
//! and a grader gives it ±0–1.5 points (within the 3-point tolerance), except that with
//! probability `--dispute-rate` the mark is off by 4–6 points, which sends the answer to a third
//! marker. The chiefs pull the third markings (when there is none yet they wait 100 ms and
//! ask again, until every grader has finished and the queue is empty).
//!
//! Reported: tasks marked per second, p50/p99/max latency of pulls (with a task, and empty) and
//! of marks, errors; then verified from the store: every answer is final, no answer carries two
//! marks by the same grader, no task is left.

#[path = "support/mod.rs"]
mod support;

use support::{Report, loadavg};

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use exam_rules::paper_shape::Slot;
use kaowu::auth::{Strength, hash_password};
use kaowu::clock::Clock;
use kaowu::exam::Exam;
use kaowu::exam::office::{EventSpec, candidate_seed};
use kaowu::store::{AnswerStatus, Backend, RosterRow, SaveOutcome, SaveRequest, Store, SubmitOutcome};
use kaowu::web::{AppState, serve};
use question_bank::{Blueprint, ItemKind};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::Mutex;

const MIN: i64 = 60_000;
const PASSWORD: &str = "kaowu-bench-2026";

#[derive(Debug, Clone, Parser)]
#[command(name = "marking", about = "Kaowu: concurrent graders pulling and marking over HTTP")]
struct Args {
    /// sqlite or postgres
    #[arg(long, default_value = "sqlite")]
    backend: String,
    /// Candidates who sat (each submits three open answers: 2 tasks each with double marking).
    #[arg(long, default_value_t = 2000)]
    candidates: usize,
    /// Concurrent graders.
    #[arg(long, default_value_t = 200)]
    graders: usize,
    /// Chief graders taking the third markings.
    #[arg(long, default_value_t = 2)]
    chiefs: usize,
    /// Share of marks that are off by 4–6 points (beyond the tolerance).
    #[arg(long, default_value_t = 0.02)]
    dispute_rate: f64,
    /// A grader's reading time between receiving an answer and sending its mark (0: none, the
    /// closed loop that measures capacity; real graders take a minute or more).
    #[arg(long, default_value_t = 0)]
    think_ms: u64,
    /// Stop after this many seconds of marking (0: until every task is marked).
    #[arg(long, default_value_t = 0)]
    duration_s: u64,
    /// PostgreSQL server to create the benchmark database on.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg_admin: String,
    /// Also write the report (markdown) here.
    #[arg(long)]
    report: Option<PathBuf>,
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Keep the PostgreSQL database afterwards (its URL is printed), to look at query plans.
    #[arg(long)]
    keep_db: bool,
    /// Ignored (cargo bench passes --bench).
    #[arg(long, hide = true)]
    bench: bool,
}

struct Db {
    url: String,
    /// The SQLite file's directory (empty on PostgreSQL), removed when the run is over.
    _dir: tempfile::TempDir,
    pg: Option<support::ScratchPg>,
}

impl Db {
    async fn create(args: &Args) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let dir = tempfile::tempdir()?;
        let sqlite_file = dir.path().join("marking.db");
        let (url, pg) = support::fresh_database(&args.backend, &sqlite_file, &args.pg_admin).await?;
        Ok(Db { url, _dir: dir, pg })
    }

    async fn drop_db(&self) {
        if let Some(pg) = &self.pg {
            pg.drop().await;
        }
    }
}

/// Latencies of one kind of request.
#[derive(Default)]
struct Lat(Vec<Duration>);

impl Lat {
    fn row(&mut self, name: &str) -> String {
        self.0.sort();
        let n = self.0.len();
        let q = |p: f64| -> String {
            if n == 0 {
                "–".into()
            } else {
                let i = ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
                format!("{:.1}", self.0[i].as_secs_f64() * 1000.0)
            }
        };
        let mean = if n == 0 {
            0.0
        } else {
            self.0.iter().map(Duration::as_secs_f64).sum::<f64>() / n as f64 * 1000.0
        };
        format!(
            "| {name} | {n} | {mean:.1} | {} | {} | {} | {} |",
            q(0.50),
            q(0.90),
            q(0.99),
            q(1.0)
        )
    }
}

#[derive(Default)]
struct Stats {
    pull_task: Lat,
    /// Pulls that got a task while 5–15 % and 85–95 % of the queue was marked: the pull's cost
    /// must not grow with the marks already given.
    pull_early: Lat,
    pull_late: Lat,
    pull_empty: Lat,
    mark: Lat,
    errors: HashMap<String, usize>,
    marked: usize,
    /// Marks given by the graders (not the chiefs).
    marked_by_graders: usize,
    statuses: HashMap<String, usize>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let db = Db::create(&args).await?;
    let result = run(&args, &db).await;
    if args.keep_db {
        eprintln!("database kept: {}", db.url);
    } else {
        db.drop_db().await;
    }
    let report = result?;
    if let Some(path) = &args.report {
        std::fs::write(path, report)?;
    }
    Ok(())
}

async fn run(args: &Args, db: &Db) -> anyhow::Result<String> {
    let mut r = Report(String::new());
    r.line(format!(
        "# marking: backend {}, {} graders + {} chiefs, {} candidates, dispute rate {}, reading time {} ms",
        args.backend, args.graders, args.chiefs, args.candidates, args.dispute_rate, args.think_ms
    ));
    r.line(format!("load average at start: {}", loadavg()));
    r.line("\n## Setup (not part of the figures)\n");
    r.line("| step | time (s) |\n|---|---:|");
    let t_all = Instant::now();
    let store = Store::open(&db.url).await?;
    let clock = Clock::System;
    let exam = Exam::new(store.clone(), clock.clone());
    let now = clock.now_ms();
    let bank = kaowu::exam::demo::bank();
    let blueprint = Blueprint::cmq_2010();
    let spec = EventSpec::cmq("质量经理职业资格考试（阅卷基准）", now, args.seed);
    let ev = exam.create_event(&bank, &blueprint, &spec).await?;

    // Roster and sittings.
    let t = Instant::now();
    let hash = hash_password(PASSWORD, Strength::IssuedToCandidate);
    let rows: Vec<RosterRow> = (0..args.candidates)
        .map(|i| {
            let row = support::bench_candidate("M", i, &hash);
            RosterRow {
                paper_seed: candidate_seed(args.seed, &row.ticket),
                ..row
            }
        })
        .collect();
    store
        .import_roster(ev, &rows, blueprint.duration_minutes as i64 * MIN)
        .await?;
    r.line(format!(
        "| roster: {} candidates via `Store::import_roster` | {:.1} |",
        args.candidates,
        t.elapsed().as_secs_f64()
    ));

    let t = Instant::now();
    let quality: Arc<Mutex<HashMap<String, i64>>> = Default::default();
    let sem = Arc::new(tokio::sync::Semaphore::new(16));
    let mut set = tokio::task::JoinSet::new();
    for (i, row) in rows.iter().enumerate() {
        let (store, exam, quality, sem) = (store.clone(), exam.clone(), quality.clone(), sem.clone());
        let ticket = row.ticket.clone();
        let seed = args.seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        set.spawn(async move {
            let _permit = sem.acquire().await?;
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let cid = store
                .candidate_by_ticket(&ticket)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no {ticket}"))?
                .id;
            let sid = format!("bench-{cid}");
            let sitting = store
                .start_sitting(cid, &sid, &exam_rules::timer::Timer::start(exam.now(), 180 * 60_000))
                .await?
                .ok_or_else(|| anyhow::anyhow!("no sitting"))?;
            let paper = exam.paper(&sitting).await?;
            let mut saves = Vec::new();
            let mut seq = 0;
            let mut save = |slot: Slot, value: String| {
                seq += 1;
                saves.push(SaveRequest {
                    candidate_id: cid,
                    session_id: sid.clone(),
                    seq,
                    slot,
                    value,
                });
            };
            for item in paper.objective.iter().take(10) {
                save(
                    Slot::Objective(item.no),
                    item.options[rng.random_range(0..item.options.len())]
                        .label
                        .as_char()
                        .to_string(),
                );
            }
            let chosen = support::three_open_questions(paper.open.iter().map(|q| q.no).collect(), &mut rng);
            save(
                Slot::OpenChoice,
                chosen.iter().map(u32::to_string).collect::<Vec<_>>().join(","),
            );
            let mut bodies = Vec::new();
            for no in &chosen {
                let q = paper.open.iter().find(|q| q.no == *no).unwrap();
                let mut body = format!("答（{}）：", rng.random_range(1000..9999));
                let want = rng.random_range(100..250);
                while body.chars().count() < want {
                    body.push_str(&q.rubric[rng.random_range(0..q.rubric.len())].point);
                    body.push_str("；应结合本单位实际明确职责与方法，按 PDCA 循环持续改进。");
                }
                let mark = rng.random_range(8..=36) * 50; // 4–18 points, half steps
                bodies.push((body.clone(), mark));
                save(Slot::OpenText(*no), body);
            }
            let outcomes = store.save_answers(&saves, exam.now()).await?;
            anyhow::ensure!(outcomes.iter().all(|o| *o == SaveOutcome::Saved), "{outcomes:?}");
            let out = exam.submit(cid, "candidate").await?;
            anyhow::ensure!(matches!(out, SubmitOutcome::Submitted { .. }), "{out:?}");
            let mut q = quality.lock().await;
            for (b, m) in bodies {
                q.insert(b, m);
            }
            Ok::<(), anyhow::Error>(())
        });
    }
    while let Some(res) = set.join_next().await {
        res??;
    }
    r.line(format!(
        "| {} sittings started, saved and submitted via the store and `Exam::submit` (16 at a time) | {:.1} |",
        args.candidates,
        t.elapsed().as_secs_f64()
    ));
    let tasks_queued = store.queued_marking_tasks(ev).await?.len();

    // Graders and chiefs.
    let t = Instant::now();
    let open_items: Vec<String> = store
        .event_items(ev)
        .await?
        .into_iter()
        .filter(|i| i.kind() == ItemKind::Open)
        .map(|i| i.id.to_string())
        .collect();
    let mut staff = Vec::new();
    for g in 0..args.graders {
        let user = format!("g{:03}", g + 1);
        let id = store
            .create_account(&user, &format!("阅卷人{:03}", g + 1), "grader", &hash, now)
            .await?;
        for item in &open_items {
            store.assign_grader(ev, item, id).await?;
        }
        staff.push((user, false));
    }
    for c in 0..args.chiefs {
        let user = format!("chief{}", c + 1);
        store
            .create_account(&user, &format!("阅卷组长{}", c + 1), "chief", &hash, now)
            .await?;
        staff.push((user, true));
    }
    r.line(format!(
        "| {} graders (each assigned to the {} open items) and {} chiefs created | {:.1} |",
        args.graders,
        open_items.len(),
        args.chiefs,
        t.elapsed().as_secs_f64()
    ));

    // The server.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let state = AppState::new(exam.clone());
    let server = tokio::spawn(async move {
        serve(listener, state, async {
            let _ = stop_rx.await;
        })
        .await
    });
    let base = format!("http://{addr}");

    // Everyone logs in over HTTP.
    let t = Instant::now();
    let mut logins = tokio::task::JoinSet::new();
    for (user, chief) in staff {
        let base = base.clone();
        logins.spawn(async move {
            let http = reqwest::Client::builder()
                .cookie_store(true)
                .pool_max_idle_per_host(4)
                .build()?;
            let resp = http
                .post(format!("{base}/api/login"))
                .json(&json!({ "username": user, "password": PASSWORD }))
                .send()
                .await?;
            anyhow::ensure!(resp.status() == StatusCode::OK, "login {user}: {}", resp.status());
            Ok::<_, anyhow::Error>((user, chief, http))
        });
    }
    let mut clients = Vec::new();
    while let Some(res) = logins.join_next().await {
        clients.push(res??);
    }
    r.line(format!(
        "| {} staff logins over HTTP (concurrent) | {:.1} |",
        clients.len(),
        t.elapsed().as_secs_f64()
    ));
    r.line(format!("| **setup total** | {:.1} |", t_all.elapsed().as_secs_f64()));
    r.line(format!(
        "\n{tasks_queued} tasks queued ({} open answers, double marking).",
        tasks_queued / 2
    ));

    // Marking.
    let load = loadavg();
    let quality = Arc::new(quality.lock().await.clone());
    let stats: Arc<Mutex<Stats>> = Default::default();
    let graders_left = Arc::new(AtomicUsize::new(args.graders));
    // Marks given so far, against the tasks queued at the start (third markings come on top).
    let done = Arc::new(AtomicUsize::new(0));
    let deadline = (args.duration_s > 0).then(|| Instant::now() + Duration::from_secs(args.duration_s));
    let t0 = Instant::now();
    let grader_end: Arc<Mutex<Option<Duration>>> = Default::default();
    let mut workers = tokio::task::JoinSet::new();
    for (i, (_user, chief, http)) in clients.into_iter().enumerate() {
        let (base, quality, stats, graders_left, grader_end, done) = (
            base.clone(),
            quality.clone(),
            stats.clone(),
            graders_left.clone(),
            grader_end.clone(),
            done.clone(),
        );
        let dispute_rate = args.dispute_rate;
        let think_ms = args.think_ms;
        let seed = args.seed ^ 0xA11CE ^ (i as u64) << 20;
        workers.spawn(async move {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut mine = Stats::default();
            loop {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    break;
                }
                let t = Instant::now();
                let progress = done.load(Ordering::Relaxed) as f64 / tasks_queued.max(1) as f64;
                let resp = http.post(format!("{base}/api/marking/events/{ev}/next")).send().await;
                let resp = match resp {
                    Ok(r) => r,
                    Err(e) => {
                        *mine.errors.entry(format!("pull: {}", e.without_url())).or_default() += 1;
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let status = resp.status();
                if status == StatusCode::NO_CONTENT {
                    mine.pull_empty.0.push(t.elapsed());
                    if !chief || graders_left.load(Ordering::SeqCst) == 0 {
                        // A chief stops once every grader is done and nothing is left for it.
                        if !chief || mine.pull_empty.0.len() > 1 && graders_left.load(Ordering::SeqCst) == 0 {
                            break;
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
                let body = resp.text().await.unwrap_or_default();
                let elapsed = t.elapsed();
                if status != StatusCode::OK {
                    *mine.errors.entry(format!("pull: HTTP {status}")).or_default() += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
                mine.pull_task.0.push(elapsed);
                if (0.05..0.15).contains(&progress) {
                    mine.pull_early.0.push(elapsed);
                } else if (0.85..0.95).contains(&progress) {
                    mine.pull_late.0.push(elapsed);
                }
                let task: Value = serde_json::from_str(&body)?;
                let answer = task["answer"].as_str().unwrap_or_default();
                let truth = quality.get(answer).copied().unwrap_or(1000);
                let off: i64 = if rng.random_bool(dispute_rate) {
                    rng.random_range(8..=12) * if rng.random_bool(0.5) { 50 } else { -50 }
                } else {
                    rng.random_range(-3..=3) * 50
                };
                let mark = (truth + off).clamp(0, 2000) as f64 / 100.0;
                if think_ms > 0 {
                    tokio::time::sleep(Duration::from_millis(think_ms)).await;
                }
                let t = Instant::now();
                let resp = http
                    .post(format!("{base}/api/marking/tasks/{}/mark", task["task_id"]))
                    .json(&json!({ "mark": mark, "comment": "按评分要点给分" }))
                    .send()
                    .await;
                match resp {
                    Ok(resp) => {
                        let status = resp.status();
                        let body = resp.text().await.unwrap_or_default();
                        mine.mark.0.push(t.elapsed());
                        if status == StatusCode::OK {
                            mine.marked += 1;
                            done.fetch_add(1, Ordering::Relaxed);
                            let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                            *mine
                                .statuses
                                .entry(v["status"].as_str().unwrap_or("?").to_string())
                                .or_default() += 1;
                        } else {
                            *mine.errors.entry(format!("mark: HTTP {status}")).or_default() += 1;
                        }
                    }
                    Err(e) => *mine.errors.entry(format!("mark: {}", e.without_url())).or_default() += 1,
                }
            }
            if !chief && graders_left.fetch_sub(1, Ordering::SeqCst) == 1 {
                *grader_end.lock().await = Some(t0.elapsed());
            }
            let mut all = stats.lock().await;
            all.pull_task.0.extend(mine.pull_task.0);
            all.pull_early.0.extend(mine.pull_early.0);
            all.pull_late.0.extend(mine.pull_late.0);
            all.pull_empty.0.extend(mine.pull_empty.0);
            all.mark.0.extend(mine.mark.0);
            all.marked += mine.marked;
            if !chief {
                all.marked_by_graders += mine.marked;
            }
            for (k, v) in mine.errors {
                *all.errors.entry(k).or_default() += v;
            }
            for (k, v) in mine.statuses {
                *all.statuses.entry(k).or_default() += v;
            }
            Ok::<(), anyhow::Error>(())
        });
    }
    while let Some(res) = workers.join_next().await {
        res??;
    }
    let wall = t0.elapsed();
    let grader_wall = grader_end.lock().await.unwrap_or(wall);
    let load_after = loadavg();
    let mut s = std::mem::take(&mut *stats.lock().await);

    r.line(format!(
        "\n## Marking (load average before {load}, after {load_after})\n"
    ));
    r.line("| figure | value |\n|---|---:|");
    r.line(format!("| marks recorded (tasks done) | {} |", s.marked));
    r.line(format!(
        "| wall time, until the last grader finished (s) | {:.2} |",
        grader_wall.as_secs_f64()
    ));
    r.line(format!(
        "| wall time, including the chiefs' third markings (s) | {:.2} |",
        wall.as_secs_f64()
    ));
    r.line(format!(
        "| **tasks per second** (all marks / total wall time) | **{:.0}** |",
        s.marked as f64 / wall.as_secs_f64()
    ));
    // With reading time the two chiefs' third markings trail on after the graders are done (each
    // chief reads too): the graders' own rate is what 200 graders reach together.
    r.line(format!(
        "| graders' marks per second (their marks / wall time until the last grader finished) | {:.0} |",
        s.marked_by_graders as f64 / grader_wall.as_secs_f64()
    ));
    let statuses: Vec<String> = s.statuses.iter().map(|(k, v)| format!("{k} {v}")).collect();
    r.line(format!("| answer status after each mark | {} |", statuses.join(", ")));
    let errors: Vec<String> = s.errors.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    r.line(format!(
        "| errors | {} |",
        if errors.is_empty() {
            "0".to_string()
        } else {
            errors.join("; ")
        }
    ));
    r.line("\n| request | count | mean (ms) | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) |\n|---|---:|---:|---:|---:|---:|---:|");
    r.line(s.pull_task.row("`POST …/next` → a task"));
    r.line(s.pull_early.row("… of which at 5–15 % marked"));
    r.line(s.pull_late.row("… of which at 85–95 % marked"));
    r.line(s.pull_empty.row("`POST …/next` → 204 (nothing for this grader)"));
    r.line(s.mark.row("`POST …/tasks/{id}/mark`"));

    // Verification from the store.
    let answers = store.event_open_answers(ev).await?;
    let not_final = answers.iter().filter(|a| a.status != AnswerStatus::Final).count();
    let mut twice = 0;
    let mut third = 0;
    for a in &answers {
        let mut seen = HashSet::new();
        for m in &a.marks {
            if !seen.insert(m.grader_id) {
                twice += 1;
            }
        }
        if a.marks.iter().any(|m| m.marker_slot == 3) {
            third += 1;
        }
    }
    let marks_total: usize = answers.iter().map(|a| a.marks.len()).sum();
    let left = store.queued_marking_tasks(ev).await?.len();
    r.line("\n## Verification (from the store)\n");
    r.line(format!(
        "- open answers: {}; final: {}; not final: {not_final}",
        answers.len(),
        answers.len() - not_final
    ));
    r.line(format!(
        "- marks stored: {marks_total} (HTTP reported {}); answers that went to a third marker: {third}",
        s.marked
    ));
    r.line(format!("- answers with two marks by the same grader: {twice}"));
    r.line(format!("- tasks still queued: {left}"));
    let ok = twice == 0 && (args.duration_s > 0 || (not_final == 0 && left == 0)) && marks_total == s.marked;
    r.line(format!("- **{}**", if ok { "verified" } else { "VERIFICATION FAILED" }));

    let _ = stop_tx.send(());
    let _ = server.await;
    anyhow::ensure!(ok, "verification failed");
    let backend = match store.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let _ = backend;
    Ok(r.0)
}
