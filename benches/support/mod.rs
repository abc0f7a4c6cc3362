//! What the benchmarks share: the machine's load (they run on a shared, noisy machine), a report
//! printed as it goes and kept for `--report`, and a fresh PostgreSQL database made and dropped
//! per run. Each bench includes this module (`#[path = "support/mod.rs"] mod support;`) and uses
//! the parts it needs.
#![allow(dead_code)]

use sqlx::Connection;

pub mod raw_saves;

/// The 1-, 5- and 15-minute load averages, as `/proc/loadavg` gives them.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// The report: printed as it goes, and kept for `--report`.
pub struct Report(pub String);

impl Report {
    pub fn line(&mut self, s: impl AsRef<str>) {
        println!("{}", s.as_ref());
        self.0.push_str(s.as_ref());
        self.0.push('\n');
    }
}

/// Creates a database of its own next to `admin` (a PostgreSQL URL with rights to create
/// databases); returns its URL and name.
pub async fn create_pg_database(admin: &str) -> anyhow::Result<(String, String)> {
    sqlx::any::install_default_drivers();
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let name = format!("kaowu_bench_{stamp}_{}", std::process::id());
    let mut conn = sqlx::AnyConnection::connect(admin).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await?;
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    Ok((format!("{base}/{name}"), name))
}

/// Drops a database made by [`create_pg_database`]; a failure is reported, not raised (the run's
/// figures are already out).
pub async fn drop_pg_database(admin: &str, name: &str) {
    match sqlx::AnyConnection::connect(admin).await {
        Ok(mut conn) => {
            if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await
            {
                eprintln!("could not drop {name}: {e}");
            }
        }
        Err(e) => eprintln!("could not connect to drop {name}: {e}"),
    }
}

/// A PostgreSQL database of a run's own, made by [`create_pg_database`]: dropped when the run is
/// over.
pub struct ScratchPg {
    admin: String,
    name: String,
}

impl ScratchPg {
    /// Creates the database next to `admin`; returns its URL with it.
    pub async fn create(admin: &str) -> anyhow::Result<(String, ScratchPg)> {
        let (url, name) = create_pg_database(admin).await?;
        let admin = admin.to_string();
        Ok((url, ScratchPg { admin, name }))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub async fn drop(&self) {
        drop_pg_database(&self.admin, &self.name).await;
    }
}

/// A fresh database for `--backend`: the SQLite file `sqlite_file`, or a PostgreSQL database of
/// the run's own next to `admin` (returned too, to drop when the run is over).
pub async fn fresh_database(
    backend: &str,
    sqlite_file: &std::path::Path,
    admin: &str,
) -> anyhow::Result<(String, Option<ScratchPg>)> {
    match backend {
        "sqlite" => Ok((format!("sqlite:{}", sqlite_file.display()), None)),
        "postgres" => {
            let (url, pg) = ScratchPg::create(admin).await?;
            Ok((url, Some(pg)))
        }
        other => anyhow::bail!("--backend must be sqlite or postgres, not {other}"),
    }
}

/// Three of the offered open questions (their numbers), drawn with `rng`, in order: what a
/// simulated candidate chooses to answer.
pub fn three_open_questions(mut offered: Vec<u32>, rng: &mut rand_chacha::ChaCha8Rng) -> Vec<u32> {
    use rand::RngExt;
    for k in 0..offered.len() {
        let j = rng.random_range(k..offered.len());
        offered.swap(k, j);
    }
    let mut chosen: Vec<u32> = offered.into_iter().take(3).collect();
    chosen.sort();
    chosen
}

/// A process's name and CPU time so far (user + system, in clock ticks) from its `stat` file.
pub fn proc_ticks(stat_path: &str) -> Option<(String, u64)> {
    let s = std::fs::read_to_string(stat_path).ok()?;
    let open = s.find('(')?;
    let close = s.rfind(')')?;
    let comm = s[open + 1..close].to_string();
    let f: Vec<&str> = s[close + 2..].split_whitespace().collect();
    // After ") ": state is field 3; utime and stime are fields 14 and 15.
    Some((comm, f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?))
}

/// CPU time so far of every `postgres` process on the machine (clock ticks).
pub fn postgres_ticks() -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc") else { return 0 };
    dir.filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
        })
        .filter_map(|e| proc_ticks(&format!("/proc/{}/stat", e.file_name().to_string_lossy())))
        .filter(|(comm, _)| comm == "postgres")
        .map(|(_, t)| t)
        .sum()
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on Linux).
pub const TICKS_PER_S: f64 = 100.0;

/// CPU time this process has used so far (all threads), in seconds.
pub fn own_cpu_s() -> f64 {
    proc_ticks("/proc/self/stat").map_or(0.0, |(_, t)| t as f64 / TICKS_PER_S)
}

/// The `i`-th (0-based) synthetic candidate of a bench: ticket `prefix` + 7 digits, thirty to a
/// room, all with one password hash; paper seed and form to be set by the bench.
pub fn bench_candidate(prefix: &str, i: usize, password_hash: &str) -> kaowu::store::RosterRow {
    kaowu::store::RosterRow {
        ticket: format!("{prefix}{:07}", i + 1),
        name: format!("考生{:06}", i + 1),
        pinyin: "Kao Sheng".into(),
        id_number: "11010519491231002X".into(),
        room: format!("第{:04}考场", i / 30 + 1),
        seat: format!("{:02}", i % 30 + 1),
        password_hash: password_hash.to_string(),
        paper_seed: 0,
        form: 1,
    }
}
