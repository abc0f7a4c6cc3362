//! The save writer's cost per save by batch size: "the writer's CPU per save flat or falling with
//! batch size" (issue 16), and the raw limit of the same storage in the same run.
//!
//! ```text
//! cargo bench -p kaowu --bench savebatch -- --backend sqlite
//! cargo bench -p kaowu --bench savebatch -- --backend postgres
//! ```
//!
//! Set-up (not measured): a fresh database (a temporary SQLite file, or a new PostgreSQL database
//! dropped at the end), an event on the demo bank, `--candidates` candidates through
//! `Store::import_roster`, every sitting started through `Store::start_sitting`.
//!
//! Measured, per batch size (`--sizes`, default 10,100,1000,5000): `Store::save_batch` — the
//! writer's whole transaction as the server's saver runs it (lock the sittings, read the slots,
//! judge every save, upsert the winners, log every save, commit with fsync) — over `--saves`
//! saves (distinct candidates within a batch as far as there are enough, 70 objective slots,
//! sequence numbers rising). The batches are built before the clock starts. Reported: saves per
//! second, and CPU per save: this process's (the writer: sqlx, the SQLite library and its worker
//! thread) and, on PostgreSQL, that of every `postgres` process. Then the raw limit of the same
//! writes in plain SQL (`support::raw_saves`) at the same batch sizes, and the writer's rate as a
//! share of it.

#[path = "support/mod.rs"]
mod support;

/// The allocator the `kaowu` binary uses, so the writer costs here what it costs in the server.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use support::{Report, loadavg, own_cpu_s, postgres_ticks, raw_saves};

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use exam_rules::paper_shape::Slot;
use kaowu::clock::Clock;
use kaowu::exam::Exam;
use kaowu::exam::office::EventSpec;
use kaowu::store::{Backend, RosterRow, SaveOutcome, SaveRequest, Store};
use question_bank::Blueprint;

/// 2026-12-06 09:00 Beijing time.
const START_MS: i64 = 1_796_518_800_000;

#[derive(Debug, Clone, Parser)]
#[command(name = "savebatch", about = "Kaowu: the save writer's CPU per save by batch size")]
struct Args {
    /// sqlite or postgres
    #[arg(long, default_value = "sqlite")]
    backend: String,
    /// Started sittings the saves go to.
    #[arg(long, default_value_t = 5000)]
    candidates: usize,
    /// Batch sizes, comma-separated.
    #[arg(long, default_value = "10,100,1000,5000")]
    sizes: String,
    /// Saves per batch size (rounded up to whole batches).
    #[arg(long, default_value_t = 50_000)]
    saves: usize,
    /// PostgreSQL server to create the benchmark databases on.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg_admin: String,
    /// Also write the report (markdown) here.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Ignored (cargo bench passes --bench).
    #[arg(long, hide = true)]
    bench: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let sizes: Vec<usize> = args
        .sizes
        .split(',')
        .map(|s| s.trim().parse())
        .collect::<Result<_, _>>()
        .map_err(|e| anyhow::anyhow!("--sizes takes whole numbers separated by commas: {e}"))?;
    let dir = tempfile::tempdir()?;
    let sqlite_file = dir.path().join("savebatch.db");
    let (url, pg) = support::fresh_database(&args.backend, &sqlite_file, &args.pg_admin).await?;
    let outcome = run(&args, &sizes, &url, dir.path()).await;
    if let Some(pg) = pg {
        pg.drop().await;
    }
    let report = outcome?;
    if let Some(path) = &args.report {
        std::fs::write(path, report)?;
    }
    Ok(())
}

async fn run(args: &Args, sizes: &[usize], url: &str, dir: &std::path::Path) -> anyhow::Result<String> {
    let mut r = Report(String::new());
    r.line(format!(
        "# Save writer: CPU per save by batch size ({}, {} started sittings)\n",
        args.backend, args.candidates
    ));
    r.line(format!("load average at start: {}", loadavg()));
    let store = Store::open(url).await?;
    let sittings = setup(&store, args.candidates).await?;
    let backend = store.backend();
    let mut seq = vec![0_i64; sittings.len()];

    r.line("\n| batch | saves | saves/s | writer CPU µs/save | postgres CPU µs/save | total CPU µs/save | raw saves/s | writer ÷ raw |");
    r.line("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &size in sizes {
        let size = size.max(1);
        let batches = args.saves.div_ceil(size);
        // Built before the clock starts: round robin over the sittings, 70 objective slots.
        let mut next = 0usize;
        let work: Vec<Vec<SaveRequest>> = (0..batches)
            .map(|b| {
                (0..size)
                    .map(|i| {
                        let k = next % sittings.len();
                        next += 1;
                        seq[k] += 1;
                        SaveRequest {
                            candidate_id: sittings[k].0,
                            session_id: sittings[k].1.clone(),
                            seq: seq[k],
                            slot: Slot::Objective(((b * 31 + i * 7) % 70 + 1) as u32),
                            value: ["A", "B", "C", "D"][(b + i) % 4].to_string(),
                        }
                    })
                    .collect()
            })
            .collect();
        let saves = batches * size;
        let (cpu0, pg0, t) = (own_cpu_s(), postgres_ticks(), Instant::now());
        for batch in &work {
            let outcomes = store.save_answers(batch, START_MS + 60_000).await?;
            anyhow::ensure!(
                outcomes.iter().all(|o| *o == SaveOutcome::Saved),
                "a save was not stored: {:?}",
                outcomes.iter().find(|o| **o != SaveOutcome::Saved)
            );
        }
        let wall = t.elapsed().as_secs_f64();
        let writer_us = (own_cpu_s() - cpu0) * 1e6 / saves as f64;
        let pg_us = match backend {
            Backend::Postgres => (postgres_ticks() - pg0) as f64 / support::TICKS_PER_S * 1e6 / saves as f64,
            Backend::Sqlite => 0.0,
        };
        let raw = match backend {
            Backend::Sqlite => raw_saves::sqlite(dir, args.candidates, size, saves)?,
            Backend::Postgres => raw_saves::postgres(&args.pg_admin, args.candidates, size, saves).await?,
        };
        let rate = saves as f64 / wall;
        r.line(format!(
            "| {size} | {saves} | {rate:.0} | {writer_us:.1} | {} | {:.1} | {:.0} | {:.0} % |",
            if backend == Backend::Postgres {
                format!("{pg_us:.1}")
            } else {
                "–".into()
            },
            writer_us + pg_us,
            raw.saves_per_s,
            rate / raw.saves_per_s * 100.0
        ));
    }
    r.line(format!("\nload average at end: {}", loadavg()));
    Ok(r.0)
}

/// An event with `n` candidates whose sittings are started; their ids and session ids.
async fn setup(store: &Store, n: usize) -> anyhow::Result<Vec<(i64, String)>> {
    let t = Instant::now();
    let exam = Exam::new(store.clone(), Clock::manual(START_MS));
    let spec = EventSpec {
        forms: Some(1),
        ..EventSpec::cmq("质量经理职业资格考试（保存基准）", START_MS, 2026)
    };
    let event_id = exam
        .create_event(&kaowu::exam::demo::bank(), &Blueprint::cmq_2010(), &spec)
        .await?;
    let hash = kaowu::auth::hash_password("savebatch-bench", kaowu::auth::Strength::IssuedToCandidate);
    let rows: Vec<RosterRow> = (0..n)
        .map(|i| RosterRow {
            paper_seed: 2026,
            ..support::bench_candidate("S", i, &hash)
        })
        .collect();
    for chunk in rows.chunks(10_000) {
        store.import_roster(event_id, chunk, 180 * 60_000).await?;
    }
    let mut sittings = Vec::with_capacity(n);
    for c in store.event_candidates(event_id).await? {
        let session = format!("bench-session-{}", c.id);
        store
            .start_sitting(c.id, &session, &exam_rules::timer::Timer::start(START_MS, 180 * 60_000))
            .await?;
        sittings.push((c.id, session));
    }
    anyhow::ensure!(sittings.len() == n, "{} sittings for {n} candidates", sittings.len());
    println!("set-up: {n} started sittings in {:.1} s", t.elapsed().as_secs_f64());
    Ok(sittings)
}
