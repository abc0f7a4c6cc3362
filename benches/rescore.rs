//! Rescoring benchmark: "Rescoring 100,000 sittings after a key change (target: under 5 s on
//! this machine)".
//!
//! ```text
//! cargo bench -p kaowu --bench rescore -- --backend sqlite   --sittings 100000
//! cargo bench -p kaowu --bench rescore -- --backend postgres --sittings 100000
//! ```
//!
//! Setup (timed, reported separately, never part of the measured figure):
//! 1. a fresh database (a temporary SQLite file, or a new PostgreSQL database
//!    `kaowu_bench_<timestamp>_<pid>` that is dropped at the end);
//! 2. an event on the demo bank through `Exam::create_event`, by default with ONE fixed form
//!    (`--forms 1`), so every sitting has every item and the corrected item has a response in
//!    all N sittings: the worst case for a key correction (`--forms 0`: per-candidate papers);
//! 3. N candidates through `Store::import_roster` (in transactions of 10,000), all with one
//!    password hash computed once;
//! 4. realistic responses: each candidate has an ability, each item a difficulty (from the bank's
//!    1–5 estimate); a wrong single choice goes half the time to one attractive distractor (bank
//!    label C, or D when C is the key); 1 % blanks; multiple choice: the key, a subset, the key
//!    plus a wrong option, or another set; three of the five open questions answered with
//!    100–200 characters; every answer double-marked within tolerance, so results are complete;
//! 5. the first `--via-store` sittings (default 200) go through the engine's own path:
//!    `Store::start_sitting`, `Store::save_answers`, `Exam::submit`, then both marks through
//!    `Store::next_marking_task` / `Store::record_mark`; the time per sitting is reported so the
//!    cost of setting up all N that way can be extrapolated;
//! 6. the rest are written with plain SQL in big transactions (multi-row INSERTs of 500 rows),
//!    with exactly the rows the engine would write: `answers`, `item_results` (built with the
//!    engine's own `exam::build_submission`, so responses, bank-label responses and points are
//!    what submission computes), `open_answers` (final), `marking_tasks` (done), `marks`, and the
//!    sitting submitted with its objective score. Not written: `save_log` and the marks' audit
//!    rows (rescoring reads neither);
//! 7. PostgreSQL: `ANALYZE` (what autovacuum would have done in the hours between the sitting and
//!    a key challenge); SQLite: a WAL checkpoint, no ANALYZE (the engine never runs one).
//!
//! Measured, on distinct single-choice items each time (an item corrected once would have
//! nothing left to change): `Exam::correct_key` end to end, `--repeats` times for "also accept
//! C" (rekey) and for a void; each run checks that the objective scores moved by exactly one
//! point per rescored response and that old and new points were kept for each. `--check-report`
//! also compares one report with the difference of two full `Exam::results` (slow). At the end
//! every sitting's objective score is checked against the sum of its item results.
//!
//! The load average is printed before every measurement: other builds may share the cores.

#[path = "support/mod.rs"]
mod support;

use support::{Report, loadavg};

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;
use exam_rules::paper_shape::Slot;
use exam_rules::scoring::{KeyRule, MultiPolicy};
use kaowu::clock::Clock;
use kaowu::exam::office::{EventSpec, candidate_seed};
use kaowu::exam::{Exam, KeyCorrection, build_submission};
use kaowu::store::{AnswerRow, Backend, RosterRow, SaveRequest, Store, Submission};
use question_bank::{Blueprint, ChoiceKind, ItemBody, ItemKind, Label, Paper, Points};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Connection, Row};

/// 2026-12-06 09:00 Beijing time (the tests' start).
const START_MS: i64 = 1_796_518_800_000;
const MIN: i64 = 60_000;

#[derive(Debug, Clone, Parser)]
#[command(name = "rescore", about = "Kaowu: time a key correction over N submitted sittings")]
struct Args {
    /// sqlite or postgres
    #[arg(long, default_value = "sqlite")]
    backend: String,
    /// Submitted sittings in the event.
    #[arg(long, default_value_t = 100_000)]
    sittings: usize,
    /// Fixed forms (1: every sitting has the corrected item); 0: every candidate their own paper.
    #[arg(long, default_value_t = 1)]
    forms: u32,
    /// Sittings set up through the engine's own store path (the rest with plain SQL).
    #[arg(long, default_value_t = 200)]
    via_store: usize,
    /// End-to-end `Exam::correct_key` runs per kind of correction (each on another item).
    #[arg(long, default_value_t = 2)]
    repeats: usize,
    /// Multiple-choice policy of the event: exact or partial.
    #[arg(long, default_value = "exact")]
    policy: String,
    /// PostgreSQL server to create the benchmark database on.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg_admin: String,
    /// Directory for the SQLite file (default: a fresh temporary directory).
    #[arg(long)]
    sqlite_dir: Option<PathBuf>,
    /// Keep the database afterwards (prints its URL).
    #[arg(long)]
    keep: bool,
    /// Also check one correction's report against every candidate's full result before and
    /// after (`Exam::results`, slow: it reads every item row of the event twice).
    #[arg(long)]
    check_report: bool,
    /// Measure again on a database kept by an earlier run (`--keep`), without setup; it is not
    /// dropped afterwards.
    #[arg(long)]
    reuse: Option<String>,
    /// Also write the report (markdown) here.
    #[arg(long)]
    report: Option<PathBuf>,
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Ignored (cargo bench passes --bench).
    #[arg(long, hide = true)]
    bench: bool,
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

fn secs(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

/// A fresh database: a SQLite file in a temporary directory, or a new PostgreSQL database.
struct Db {
    url: String,
    backend: Backend,
    _dir: Option<tempfile::TempDir>,
    sqlite_path: Option<PathBuf>,
    pg: Option<support::ScratchPg>,
}

impl Db {
    async fn create(args: &Args) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        if let Some(url) = &args.reuse {
            let sqlite_path = url.strip_prefix("sqlite:").map(PathBuf::from);
            let backend = if sqlite_path.is_some() {
                Backend::Sqlite
            } else {
                Backend::Postgres
            };
            // `pg: None`: a reused database is never dropped here.
            return Ok(Db {
                url: url.clone(),
                backend,
                _dir: None,
                sqlite_path,
                pg: None,
            });
        }
        match args.backend.as_str() {
            "sqlite" => {
                let kept = args.keep.then(|| std::env::temp_dir().join("kaowu-rescore-bench"));
                let (dir, base) = match args.sqlite_dir.as_ref().or(kept.as_ref()) {
                    Some(d) => {
                        std::fs::create_dir_all(d)?;
                        (None, d.clone())
                    }
                    None => {
                        let t = tempfile::tempdir()?;
                        let p = t.path().to_path_buf();
                        (Some(t), p)
                    }
                };
                let path = base.join(format!("rescore-{}.db", std::process::id()));
                let _ = std::fs::remove_file(&path);
                Ok(Db {
                    url: format!("sqlite:{}", path.display()),
                    backend: Backend::Sqlite,
                    _dir: dir,
                    sqlite_path: Some(path),
                    pg: None,
                })
            }
            "postgres" => {
                let (url, pg) = support::ScratchPg::create(&args.pg_admin).await?;
                Ok(Db {
                    url,
                    backend: Backend::Postgres,
                    _dir: None,
                    sqlite_path: None,
                    pg: Some(pg),
                })
            }
            other => anyhow::bail!("--backend must be sqlite or postgres, not {other}"),
        }
    }

    async fn drop_db(&self) {
        if let Some(pg) = &self.pg {
            pg.drop().await;
        }
    }

    /// Bytes on disk (SQLite: file + WAL; PostgreSQL: pg_database_size).
    async fn size(&self, pool: &AnyPool) -> String {
        let bytes: i64 = match (&self.sqlite_path, &self.pg) {
            (Some(p), _) => {
                let wal = PathBuf::from(format!("{}-wal", p.display()));
                (std::fs::metadata(p).map_or(0, |m| m.len()) + std::fs::metadata(wal).map_or(0, |m| m.len())) as i64
            }
            (_, Some(pg)) => {
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT pg_database_size('{}')", pg.name())))
                    .fetch_one(pool)
                    .await
                    .unwrap_or(0)
            }
            _ => 0,
        };
        format!("{:.0} MB", bytes as f64 / 1e6)
    }
}

/// A value for a multi-row INSERT.
enum V {
    I(i64),
    S(String),
    N(Option<i64>),
}

/// Rows per INSERT statement (`BENCH_CHUNK` overrides).
fn chunk_rows(_backend: Backend) -> usize {
    std::env::var("BENCH_CHUNK")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000)
}

/// Inserts `rows` (each `cols.len()` values), `chunk_rows` rows per statement. The rows travel as
/// ONE JSON parameter that the database unpacks (`json_each` on SQLite, `json_array_elements` on
/// PostgreSQL): multi-row `VALUES` with one parameter per value were 5–10× slower (on SQLite
/// through sqlx the cost per row grows with the parameter count; on PostgreSQL every value is a
/// bound parameter).
async fn insert_rows(
    conn: &mut sqlx::AnyConnection,
    chunk_rows: usize,
    table: &str,
    cols: &[&str],
    rows: Vec<Vec<V>>,
) -> anyhow::Result<()> {
    let Some(first) = rows.first() else { return Ok(()) };
    let backend = match conn.backend_name() {
        "PostgreSQL" => Backend::Postgres,
        _ => Backend::Sqlite,
    };
    let exprs: Vec<String> = first
        .iter()
        .enumerate()
        .map(|(i, v)| match (backend, v) {
            (Backend::Sqlite, _) => format!("json_extract(value, '$[{i}]')"),
            (Backend::Postgres, V::S(_)) => format!("(x->>{i})"),
            (Backend::Postgres, _) => format!("(x->>{i})::bigint"),
        })
        .collect();
    let sql = match backend {
        Backend::Sqlite => format!(
            "INSERT INTO {table} ({}) SELECT {} FROM json_each($1)",
            cols.join(", "),
            exprs.join(", ")
        ),
        Backend::Postgres => format!(
            "INSERT INTO {table} ({}) SELECT {} FROM json_array_elements($1::json) AS x",
            cols.join(", "),
            exprs.join(", ")
        ),
    };
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<serde_json::Value> = rows
            .by_ref()
            .take(chunk_rows)
            .map(|row| {
                assert_eq!(row.len(), cols.len());
                serde_json::Value::Array(
                    row.into_iter()
                        .map(|v| match v {
                            V::I(x) => x.into(),
                            V::S(s) => s.into(),
                            V::N(o) => o.map_or(serde_json::Value::Null, Into::into),
                        })
                        .collect(),
                )
            })
            .collect();
        sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(serde_json::Value::Array(chunk).to_string())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Realistic responses
// ---------------------------------------------------------------------------------------------

/// The distractor that draws half the wrong answers, in bank labels: C, or D when C is the key.
fn attractive(key: &[Label]) -> char {
    if key.iter().any(|l| l.as_char() == 'C') {
        'D'
    } else {
        'C'
    }
}

/// One candidate's sitting: answers as saved (paper labels) and the two marks of each chosen open
/// question (hundredths).
struct Sat {
    answers: Vec<AnswerRow>,
    open_marks: HashMap<u32, (i64, i64)>,
}

fn sit(paper: &Paper, difficulty: &HashMap<String, f64>, ability: f64, rng: &mut ChaCha8Rng, now: i64) -> Sat {
    let mut answers = Vec::new();
    let mut seq = 0;
    let mut push = |slot: String, value: String| {
        seq += 1;
        answers.push(AnswerRow {
            slot,
            value,
            seq,
            saved_ms: now + seq * 20_000,
        });
    };
    for item in &paper.objective {
        if rng.random_bool(0.01) {
            continue; // blank
        }
        let p = (ability + difficulty.get(item.item_id.as_str()).copied().unwrap_or(0.0)).clamp(0.05, 0.98);
        let bank_key: Vec<char> = item
            .key
            .iter()
            .map(|l| item.options.iter().find(|o| o.label == *l).unwrap().source.as_char())
            .collect();
        let all: Vec<char> = item.options.iter().map(|o| o.source.as_char()).collect();
        let wrong: Vec<char> = all.iter().copied().filter(|c| !bank_key.contains(c)).collect();
        let chosen: Vec<char> = if rng.random_bool(p) {
            bank_key.clone()
        } else {
            match item.kind {
                ChoiceKind::Single => {
                    let lure = attractive(
                        &bank_key
                            .iter()
                            .map(|c| Label::from_char(*c).unwrap())
                            .collect::<Vec<_>>(),
                    );
                    if rng.random_bool(0.5) && wrong.contains(&lure) {
                        vec![lure]
                    } else {
                        vec![wrong[rng.random_range(0..wrong.len())]]
                    }
                }
                ChoiceKind::Multi => {
                    let r: f64 = rng.random();
                    if r < 0.5 && bank_key.len() > 1 {
                        let drop = rng.random_range(0..bank_key.len());
                        bank_key
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| *i != drop)
                            .map(|(_, c)| *c)
                            .collect()
                    } else if r < 0.8 && !wrong.is_empty() {
                        let mut k = bank_key.clone();
                        k.push(wrong[rng.random_range(0..wrong.len())]);
                        k
                    } else {
                        let mut s: Vec<char> = all.iter().copied().filter(|_| rng.random_bool(0.5)).collect();
                        if s.len() < 2 {
                            s = vec![all[0], all[all.len() - 1]];
                        }
                        s
                    }
                }
            }
        };
        // Bank labels → this paper's labels, sorted (as the web layer normalises them).
        let mut labels: Vec<char> = chosen
            .iter()
            .map(|b| {
                item.options
                    .iter()
                    .find(|o| o.source.as_char() == *b)
                    .unwrap()
                    .label
                    .as_char()
            })
            .collect();
        labels.sort();
        labels.dedup();
        push(item.no.to_string(), labels.into_iter().collect());
    }
    // Three of the offered open questions, each answered and double-marked within tolerance.
    let chosen = support::three_open_questions(paper.open.iter().map(|q| q.no).collect(), rng);
    push(
        "open".into(),
        chosen.iter().map(u32::to_string).collect::<Vec<_>>().join(","),
    );
    let mut open_marks = HashMap::new();
    for no in &chosen {
        let q = paper.open.iter().find(|q| q.no == *no).unwrap();
        let mut body = String::from("答：");
        let want = rng.random_range(100..200);
        while body.chars().count() < want {
            let point = &q.rubric[rng.random_range(0..q.rubric.len())].point;
            body.push_str(point);
            body.push_str("；结合本单位实际，应明确职责、按 PDCA 循环持续改进。");
        }
        push(format!("open-{no}"), body);
        let true_half = ((ability * 40.0).round() as i64 + rng.random_range(-4..=4)).clamp(0, 40);
        let m1 = (true_half + rng.random_range(-2..=2)).clamp(0, 40) * 50;
        let m2 = (true_half + rng.random_range(-2..=2)).clamp(0, 40) * 50;
        open_marks.insert(*no, (m1, m2));
    }
    Sat { answers, open_marks }
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let db = Db::create(&args).await?;
    let result = run(&args, &db).await;
    if args.keep || args.reuse.is_some() {
        println!("kept database: {}", db.url);
    } else {
        db.drop_db().await;
    }
    let report = result?;
    if let Some(path) = &args.report {
        std::fs::write(path, report)?;
    }
    Ok(())
}

struct Setup {
    event_id: i64,
    /// Single-choice items with the most responses first: (item id, bank key, response count).
    singles: Vec<(String, Vec<Label>, i64)>,
}

async fn run(args: &Args, db: &Db) -> anyhow::Result<String> {
    let mut r = Report(String::new());
    let policy = MultiPolicy::parse(&args.policy).ok_or_else(|| anyhow::anyhow!("--policy exact|partial"))?;
    r.line(format!(
        "# rescore: backend {}, {} sittings, {}, policy {}",
        args.backend,
        args.sittings,
        if args.forms == 0 {
            "per-candidate papers".to_string()
        } else {
            format!("{} fixed form(s)", args.forms)
        },
        policy.as_str()
    ));
    r.line(format!("load average at start: {}", loadavg()));
    let store = Store::open(&db.url).await?;
    let clock = Clock::manual(START_MS);
    let exam = Exam::new(store.clone(), clock.clone());
    let bulk = match db.backend {
        Backend::Sqlite => {
            AnyPoolOptions::new()
                .max_connections(1)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        sqlx::Executor::execute(&mut *conn, "PRAGMA busy_timeout=60000;").await?;
                        Ok(())
                    })
                })
                .connect(&format!("{}?mode=rw", db.url))
                .await?
        }
        Backend::Postgres => AnyPoolOptions::new().max_connections(2).connect(&db.url).await?,
    };
    let setup = if args.reuse.is_some() {
        // An event set up by an earlier run (--keep): measure again on items not corrected yet.
        let event_id: i64 = sqlx::query_scalar("SELECT MAX(id) FROM events")
            .fetch_one(&bulk)
            .await?;
        let event = exam.event(event_id).await?;
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sittings WHERE event_id = $1 AND state = 'submitted'")
            .bind(event_id)
            .fetch_one(&bulk)
            .await?;
        r.line(format!(
            "\nreusing {} (event {event_id}, {n} submitted sittings): no setup",
            db.url
        ));
        Setup {
            event_id,
            singles: singles(&bulk, &event, event_id).await?,
        }
    } else {
        setup(args, &mut r, &store, &exam, &clock, &bulk, policy).await?
    };
    r.line(format!("database size: {}", db.size(&bulk).await));
    measure(args, &mut r, &store, &exam, &setup, &bulk).await?;
    bulk.close().await;
    Ok(r.0)
}

async fn setup(
    args: &Args,
    r: &mut Report,
    store: &Store,
    exam: &Exam,
    clock: &Clock,
    bulk: &AnyPool,
    policy: MultiPolicy,
) -> anyhow::Result<Setup> {
    let n = args.sittings;
    let t_all = Instant::now();
    r.line("\n## Setup (not part of the measured figures)\n");
    r.line("| step | time (s) | notes |\n|---|---:|---|");
    let now = clock.now_ms();
    let bank = kaowu::exam::demo::bank();
    let blueprint = Blueprint::cmq_2010();
    let spec = EventSpec {
        forms: (args.forms > 0).then_some(args.forms),
        multi_policy: policy,
        ..EventSpec::cmq("质量经理职业资格考试（重评基准）", now, args.seed)
    };
    let event_id = exam.create_event(&bank, &blueprint, &spec).await?;

    // Roster, through the store, with one hash for everyone.
    let t = Instant::now();
    let hash = kaowu::auth::hash_password("rescore-bench", kaowu::auth::Strength::IssuedToCandidate);
    let rows: Vec<RosterRow> = (0..n)
        .map(|i| {
            let row = support::bench_candidate("R", i, &hash);
            RosterRow {
                paper_seed: if args.forms == 0 {
                    candidate_seed(args.seed, &row.ticket)
                } else {
                    args.seed
                },
                form: if args.forms == 0 {
                    1
                } else {
                    (i as u32 % args.forms) + 1
                },
                ..row
            }
        })
        .collect();
    for chunk in rows.chunks(10_000) {
        store
            .import_roster(event_id, chunk, blueprint.duration_minutes as i64 * MIN)
            .await?;
    }
    r.line(format!(
        "| roster: {n} candidates via `Store::import_roster` (10,000 per transaction) | {} | |",
        secs(t.elapsed())
    ));

    let ids: Vec<(i64, String)> = sqlx::query("SELECT id, ticket FROM candidates WHERE event_id = $1 ORDER BY ticket")
        .bind(event_id)
        .fetch_all(bulk)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("id")?, row.try_get("ticket")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    assert_eq!(ids.len(), n);
    let event = exam.event(event_id).await?;
    let difficulty: HashMap<String, f64> = event
        .bank
        .items
        .iter()
        .map(|i| (i.id.to_string(), (3.0 - i.difficulty.unwrap_or(3) as f64) * 0.06))
        .collect();
    let answered = event.row.blueprint.open.answered as usize;
    let paper_of = |i: usize| -> anyhow::Result<Paper> {
        match &event.forms {
            Some(forms) => Ok(forms[i % forms.len()].clone()),
            None => Ok(
                question_bank::assemble(&event.bank, &event.row.blueprint, rows[i].paper_seed, 1)
                    .map_err(|e| anyhow::anyhow!("{e}"))?
                    .papers
                    .remove(0),
            ),
        }
    };
    let ability = |rng: &mut ChaCha8Rng| rng.random_range(0.30..0.95);

    // Two graders mark every open answer.
    let g1 = store
        .create_account("bench-g1", "阅卷人一", "grader", &hash, now)
        .await?;
    let g2 = store
        .create_account("bench-g2", "阅卷人二", "grader", &hash, now)
        .await?;
    for item in event.bank.items.iter().filter(|i| i.kind() == ItemKind::Open) {
        store.assign_grader(event_id, item.id.as_str(), g1).await?;
        store.assign_grader(event_id, item.id.as_str(), g2).await?;
    }

    // The first sittings through the engine's own path.
    let k = args.via_store.min(n);
    let t = Instant::now();
    let mut marks_for: HashMap<String, (i64, i64)> = HashMap::new();
    for (i, (cid, _)) in ids.iter().take(k).enumerate() {
        let mut rng = ChaCha8Rng::seed_from_u64(args.seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let paper = paper_of(i)?;
        let a = ability(&mut rng);
        let sat = sit(&paper, &difficulty, a, &mut rng, now);
        let sid = format!("bench-session-{cid}");
        store
            .start_sitting(*cid, &sid, &exam_rules::timer::Timer::start(now, 180 * 60_000))
            .await?;
        let batch: Vec<SaveRequest> = sat
            .answers
            .iter()
            .map(|a| SaveRequest {
                candidate_id: *cid,
                session_id: sid.clone(),
                seq: a.seq,
                slot: match a.slot.as_str() {
                    "open" => Slot::OpenChoice,
                    s if s.starts_with("open-") => Slot::OpenText(s[5..].parse().unwrap()),
                    s => Slot::Objective(s.parse().unwrap()),
                },
                value: a.value.clone(),
            })
            .collect();
        let outcomes = store.save_answers(&batch, now + MIN).await?;
        assert!(
            outcomes.iter().all(|o| *o == kaowu::store::SaveOutcome::Saved),
            "{outcomes:?}"
        );
        let out = exam.submit(*cid, "candidate").await?;
        assert!(matches!(out, kaowu::store::SubmitOutcome::Submitted { .. }), "{out:?}");
        for (no, q) in paper.open.iter().map(|q| (q.no, q)) {
            if let Some(m) = sat.open_marks.get(&no) {
                let body = &sat
                    .answers
                    .iter()
                    .find(|a| a.slot == format!("open-{no}"))
                    .unwrap()
                    .value;
                let _ = q;
                marks_for.insert(body.clone(), *m);
            }
        }
    }
    let t_submit = t.elapsed();
    let t = Instant::now();
    let mut store_marks = 0;
    for (g, which) in [(g1, 0), (g2, 1)] {
        while let Some(task) = store
            .next_marking_task(event_id, g, false, now + 200 * MIN, 20 * MIN)
            .await?
        {
            let (m1, m2) = marks_for.get(&task.body).copied().unwrap_or((1000, 1000));
            let m = if which == 0 { m1 } else { m2 };
            store
                .record_mark(
                    task.task_id,
                    g,
                    &format!("grader#{g}"),
                    Points::from_hundredths(m),
                    "按评分要点给分",
                    now + 200 * MIN,
                )
                .await?;
            store_marks += 1;
        }
    }
    let t_mark = t.elapsed();
    if k > 0 {
        r.line(format!(
            "| {k} sittings via the store (`start_sitting` + `save_answers` + `Exam::submit`) | {} | {:.1} ms per sitting → {:.0} s for {n} |",
            secs(t_submit),
            t_submit.as_secs_f64() * 1000.0 / k as f64,
            t_submit.as_secs_f64() / k as f64 * n as f64
        ));
        r.line(format!(
            "| their {store_marks} marks via `next_marking_task` + `record_mark` | {} | {:.1} ms per mark → {:.0} s for {} |",
            secs(t_mark),
            t_mark.as_secs_f64() * 1000.0 / store_marks.max(1) as f64,
            t_mark.as_secs_f64() / store_marks.max(1) as f64 * (n * 6) as f64,
            n * 6
        ));
    }

    // The rest with plain SQL, 2,000 sittings per transaction.
    let t = Instant::now();
    let mut conn = bulk.acquire().await?;
    let rows_per_insert = chunk_rows(store.backend());
    let at = now + 170 * MIN;
    // Where the bulk time goes: generating, then each table.
    let mut spent: Vec<(&str, Duration)> = Vec::new();
    let mut lap = Instant::now();
    let mut step = |name: &'static str, spent: &mut Vec<(&'static str, Duration)>| {
        let d = lap.elapsed();
        lap = Instant::now();
        match spent.iter_mut().find(|(n, _)| *n == name) {
            Some(e) => e.1 += d,
            None => spent.push((name, d)),
        }
    };
    for (chunk_no, chunk) in ids[k..].chunks(2_000).enumerate() {
        let base = k + chunk_no * 2_000;
        let mut answers = Vec::new();
        let mut results = Vec::new();
        let mut opens = Vec::new();
        let mut scores: Vec<(i64, i64)> = Vec::new();
        let mut open_marks: HashMap<(i64, i64), (i64, i64)> = HashMap::new();
        for (j, (cid, _)) in chunk.iter().enumerate() {
            let i = base + j;
            let mut rng = ChaCha8Rng::seed_from_u64(args.seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let paper = paper_of(i)?;
            let a = ability(&mut rng);
            let sat = sit(&paper, &difficulty, a, &mut rng, now);
            let sub: Submission = build_submission(&paper, &sat.answers, policy, answered);
            for a in &sat.answers {
                answers.push(vec![
                    V::I(*cid),
                    V::S(a.slot.clone()),
                    V::S(a.value.clone()),
                    V::I(a.seq),
                    V::I(a.saved_ms),
                ]);
            }
            for (no, item_id, response, bank_response, points) in sub.items {
                results.push(vec![
                    V::I(*cid),
                    V::I(no as i64),
                    V::S(item_id),
                    V::S(response),
                    V::S(bank_response),
                    V::I(points),
                ]);
            }
            for (no, item_id, body) in sub.open {
                let (m1, m2) = sat.open_marks[&no];
                open_marks.insert((*cid, no as i64), (m1, m2));
                opens.push(vec![
                    V::I(event_id),
                    V::I(*cid),
                    V::I(no as i64),
                    V::S(item_id),
                    V::S(body),
                    V::I(at),
                    V::S("final".into()),
                    V::N(Some((m1 + m2) / 2)),
                ]);
            }
            scores.push((*cid, sub.objective_total));
        }
        step("generate responses + build_submission", &mut spent);
        let (lo, hi) = (
            chunk[0].0.min(chunk[chunk.len() - 1].0),
            chunk[0].0.max(chunk[chunk.len() - 1].0),
        );
        let mut tx = conn.begin().await?;
        insert_rows(
            &mut tx,
            rows_per_insert,
            "answers",
            &["candidate_id", "slot", "value", "seq", "saved_ms"],
            answers,
        )
        .await?;
        step("answers", &mut spent);
        insert_rows(
            &mut tx,
            rows_per_insert,
            "item_results",
            &["candidate_id", "no", "item_id", "response", "bank_response", "points"],
            results,
        )
        .await?;
        step("item_results", &mut spent);
        insert_rows(
            &mut tx,
            rows_per_insert,
            "open_answers",
            &[
                "event_id",
                "candidate_id",
                "open_no",
                "item_id",
                "body",
                "created_ms",
                "status",
                "final_mark",
            ],
            opens,
        )
        .await?;
        step("open_answers", &mut spent);
        let chunk_ids: std::collections::HashSet<i64> = chunk.iter().map(|(c, _)| *c).collect();
        let oa = sqlx::query("SELECT id, candidate_id, open_no, item_id FROM open_answers WHERE event_id = $1 AND candidate_id BETWEEN $2 AND $3")
            .bind(event_id)
            .bind(lo)
            .bind(hi)
            .fetch_all(&mut *tx)
            .await?;
        let mut tasks = Vec::new();
        let mut answer_of: Vec<(i64, i64, i64, i64)> = Vec::new(); // (answer id, candidate, open no, slot)
        for row in &oa {
            let (id, cid, no, item): (i64, i64, i64, String) = (
                row.try_get("id")?,
                row.try_get("candidate_id")?,
                row.try_get("open_no")?,
                row.try_get("item_id")?,
            );
            if !chunk_ids.contains(&cid) {
                continue;
            }
            for slot in 1..=2i64 {
                tasks.push(vec![
                    V::I(id),
                    V::S(item.clone()),
                    V::I(slot),
                    V::S("done".into()),
                    V::I(at),
                    V::N(Some(if slot == 1 { g1 } else { g2 })),
                    V::N(Some(at + 20 * MIN)),
                ]);
                answer_of.push((id, cid, no, slot));
            }
        }
        insert_rows(
            &mut tx,
            rows_per_insert,
            "marking_tasks",
            &[
                "open_answer_id",
                "item_id",
                "marker_slot",
                "state",
                "created_ms",
                "leased_by",
                "lease_expires_ms",
            ],
            tasks,
        )
        .await?;
        step("marking_tasks", &mut spent);
        let lo_a = answer_of.iter().map(|a| a.0).min().unwrap_or(0);
        let hi_a = answer_of.iter().map(|a| a.0).max().unwrap_or(0);
        let task_rows = sqlx::query(
            "SELECT id, open_answer_id, marker_slot FROM marking_tasks WHERE open_answer_id BETWEEN $1 AND $2",
        )
        .bind(lo_a)
        .bind(hi_a)
        .fetch_all(&mut *tx)
        .await?;
        let task_id: HashMap<(i64, i64), i64> = task_rows
            .iter()
            .map(|row| {
                Ok((
                    (row.try_get("open_answer_id")?, row.try_get("marker_slot")?),
                    row.try_get("id")?,
                ))
            })
            .collect::<Result<_, sqlx::Error>>()?;
        let marks: Vec<Vec<V>> = answer_of
            .iter()
            .map(|(aid, cid, no, slot)| {
                let (m1, m2) = open_marks[&(*cid, *no)];
                vec![
                    V::I(*aid),
                    V::I(task_id[&(*aid, *slot)]),
                    V::I(*slot),
                    V::I(if *slot == 1 { g1 } else { g2 }),
                    V::I(if *slot == 1 { m1 } else { m2 }),
                    V::S("按评分要点给分".into()),
                    V::I(at + 60 * MIN),
                ]
            })
            .collect();
        insert_rows(
            &mut tx,
            rows_per_insert,
            "marks",
            &[
                "open_answer_id",
                "task_id",
                "marker_slot",
                "grader_id",
                "mark",
                "comment",
                "at_ms",
            ],
            marks,
        )
        .await?;
        step("marks", &mut spent);
        // The sittings: submitted, with the objective score submission computed.
        for part in scores.chunks(500) {
            // UPDATE … SET objective_score = CASE candidate_id WHEN … END, in the dialect both accept.
            let mut sql = String::from(
                "UPDATE sittings SET state = 'submitted', started_ms = $1, submitted_ms = $2, submitted_by = 'candidate', deadline_ms = NULL, objective_score = CASE candidate_id",
            );
            let mut n = 2;
            for _ in part {
                write!(sql, " WHEN ${} THEN ${}", n + 1, n + 2).unwrap();
                n += 2;
            }
            sql.push_str(" END WHERE candidate_id IN (");
            for (i, _) in part.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                n += 1;
                write!(sql, "${n}").unwrap();
            }
            sql.push(')');
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now).bind(at);
            for (c, s) in part {
                q = q.bind(*c).bind(*s);
            }
            for (c, _) in part {
                q = q.bind(*c);
            }
            q.execute(&mut *tx).await?;
        }
        step("sittings", &mut spent);
        tx.commit().await?;
        step("commit", &mut spent);
        if chunk_no % 10 == 9 {
            eprintln!(
                "  bulk: {} of {} sittings written ({:.0} s)",
                base + chunk.len(),
                n,
                t.elapsed().as_secs_f64()
            );
        }
    }
    drop(conn);
    let split: Vec<String> = spent
        .iter()
        .map(|(n, d)| format!("{n} {:.1} s", d.as_secs_f64()))
        .collect();
    r.line(format!(
        "| {} sittings with plain SQL (answers, item_results, open_answers, marking_tasks, marks, sittings; 2,000 sittings per transaction) | {} | {} |",
        n - k,
        secs(t.elapsed()),
        split.join(", ")
    ));
    let t = Instant::now();
    match store.backend() {
        Backend::Postgres => {
            sqlx::query("ANALYZE").execute(bulk).await?;
            r.line(format!("| ANALYZE (PostgreSQL) | {} | |", secs(t.elapsed())));
        }
        Backend::Sqlite => {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(bulk).await?;
            r.line(format!("| WAL checkpoint (SQLite) | {} | |", secs(t.elapsed())));
        }
    }
    r.line(format!("| **setup total** | {} | |", secs(t_all.elapsed())));

    // What was written.
    let mut counts = String::new();
    for table in [
        "candidates",
        "sittings",
        "answers",
        "item_results",
        "open_answers",
        "marking_tasks",
        "marks",
    ] {
        let c: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(bulk)
            .await?;
        write!(counts, "{table} {c}, ").unwrap();
    }
    r.line(format!("\nrows: {}", counts.trim_end_matches(", ")));
    let submitted: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sittings WHERE event_id = $1 AND state = 'submitted' AND objective_score IS NOT NULL",
    )
    .bind(event_id)
    .fetch_one(bulk)
    .await?;
    let not_final: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM open_answers WHERE event_id = $1 AND status <> 'final'")
            .bind(event_id)
            .fetch_one(bulk)
            .await?;
    anyhow::ensure!(submitted as usize == n, "{submitted} of {n} sittings submitted");
    anyhow::ensure!(not_final == 0, "{not_final} open answers not final");

    let singles = singles(bulk, &event, event_id).await?;
    Ok(Setup { event_id, singles })
}

/// Single-choice items not corrected yet, most responses first: (item id, bank key, responses).
async fn singles(
    bulk: &AnyPool,
    event: &kaowu::exam::LoadedEvent,
    event_id: i64,
) -> anyhow::Result<Vec<(String, Vec<Label>, i64)>> {
    let corrected: Vec<String> = sqlx::query_scalar("SELECT item_id FROM key_corrections WHERE event_id = $1")
        .bind(event_id)
        .fetch_all(bulk)
        .await?;
    let counts: Vec<(String, i64)> =
        sqlx::query("SELECT item_id, COUNT(*) AS n FROM item_results GROUP BY item_id ORDER BY n DESC, item_id")
            .fetch_all(bulk)
            .await?
            .iter()
            .map(|row| Ok((row.try_get("item_id")?, row.try_get("n")?)))
            .collect::<Result<_, sqlx::Error>>()?;
    Ok(counts
        .into_iter()
        .filter(|(id, _)| !corrected.contains(id))
        .filter_map(|(id, c)| {
            let item = event.bank.items.iter().find(|i| i.id.as_str() == id)?;
            match &item.body {
                ItemBody::Choice {
                    choice: ChoiceKind::Single,
                    key,
                    ..
                } => Some((id, key.clone(), c)),
                _ => None,
            }
        })
        .collect())
}

async fn measure(
    args: &Args,
    r: &mut Report,
    store: &Store,
    exam: &Exam,
    s: &Setup,
    bulk: &AnyPool,
) -> anyhow::Result<()> {
    let ev = s.event_id;
    let mut items = s.singles.iter();

    let rules = |key: &[Label]| -> [(&'static str, KeyRule); 2] {
        [
            (
                "rekey (also accept C)",
                KeyRule::Rekey {
                    accepted: vec![key.iter().map(|l| l.as_char()).collect(), attractive(key).to_string()],
                },
            ),
            ("void", KeyRule::Void),
        ]
    };
    // The figure: Exam::correct_key end to end.
    r.line("\n## `Exam::correct_key` end to end\n");
    r.line("| correction | item | responses | response groups | rescored | changed results | pass/fail changed | wall time (s) | objective scores moved by | load |");
    r.line("|---|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for kind in 0..2 {
        for _ in 0..args.repeats {
            let (item_id, key, _) = items
                .next()
                .ok_or_else(|| anyhow::anyhow!("not enough single-choice items"))?;
            let (label, rule) = rules(key)[kind].clone();
            let groups = store.item_response_groups(ev, item_id).await?.len();
            let sum_before = objective_sum(store, ev).await?;
            let load = loadavg();
            let t = Instant::now();
            let report = correct(exam, ev, item_id, rule).await?;
            let wall = t.elapsed();
            let moved = objective_sum(store, ev).await? - sum_before;
            r.line(format!(
                "| {label} | {item_id} | {} | {groups} | {} | {} | {} | **{}** | {} | {load} |",
                report.responses,
                report.rescored,
                report.changed.len(),
                report.verdicts_changed,
                secs(wall),
                Points::from_hundredths(moved)
            ));
            anyhow::ensure!(
                moved == report.rescored as i64 * 100,
                "each rescored single-choice response gains exactly one point"
            );
            let kept = store.rescored_items(ev, item_id).await?;
            anyhow::ensure!(
                kept.len() == report.rescored && kept.iter().all(|k| k.new_points - k.old_points == 100),
                "old and new points kept for every rescored response"
            );
        }
    }

    // Optionally: the report against full results before and after.
    if args.check_report {
        let (item_id, key, _) = items
            .next()
            .ok_or_else(|| anyhow::anyhow!("not enough single-choice items"))?;
        let (_, rule) = rules(key)[0].clone();
        let t = Instant::now();
        let before = exam.results(ev).await?;
        let t_results = t.elapsed();
        let report = correct(exam, ev, item_id, rule).await?;
        let after = exam.results(ev).await?;
        let expected: Vec<(String, Points, Points, &str, &str)> = before
            .iter()
            .zip(&after)
            .filter(|(b, a)| b.total != a.total || b.passed != a.passed)
            .map(|(b, a)| {
                (
                    a.ticket.clone(),
                    b.total,
                    a.total,
                    kaowu::results::verdict_zh(b),
                    kaowu::results::verdict_zh(a),
                )
            })
            .collect();
        let mut got: Vec<(String, Points, Points, &str, &str)> = report
            .changed
            .iter()
            .map(|c| (c.ticket.clone(), c.old_total, c.new_total, c.old_verdict, c.new_verdict))
            .collect();
        let mut expected = expected;
        expected.sort_by(|a, b| a.0.cmp(&b.0));
        got.sort_by(|a, b| a.0.cmp(&b.0));
        anyhow::ensure!(got == expected, "the report differs from the full results' differences");
        r.line(format!(
            "\nreport check ({item_id}): {} changed results, identical to the difference of two full `Exam::results` \
             ({} s each)",
            got.len(),
            secs(t_results)
        ));
    }

    // Whatever ran above, every sitting's objective score must still be the sum of its items.
    let t = Instant::now();
    let bad: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sittings s WHERE s.event_id = $1 AND s.objective_score <> \
         (SELECT COALESCE(SUM(COALESCE(rp.points, r.points)), 0) FROM item_results r LEFT JOIN rescored_points rp \
         ON rp.event_id = s.event_id AND rp.item_id = r.item_id AND rp.bank_response = r.bank_response \
         WHERE r.candidate_id = s.candidate_id)",
    )
    .bind(ev)
    .fetch_one(bulk)
    .await?;
    r.line(format!(
        "\nconsistency: {bad} sittings whose objective score differs from the sum of their item results ({} s to check)",
        secs(t.elapsed())
    ));
    anyhow::ensure!(bad == 0, "inconsistent objective scores");
    Ok(())
}

async fn correct(exam: &Exam, ev: i64, item_id: &str, rule: KeyRule) -> anyhow::Result<kaowu::exam::RescoreReport> {
    let c = KeyCorrection {
        item_id: item_id.to_string(),
        rule,
        reason: "专家组复核".into(),
    };
    exam.correct_key(ev, &c, "office#bench")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}

async fn objective_sum(store: &Store, ev: i64) -> anyhow::Result<i64> {
    Ok(store
        .event_candidates(ev)
        .await?
        .iter()
        .map(|c| c.objective_score.unwrap_or(0))
        .sum())
}
