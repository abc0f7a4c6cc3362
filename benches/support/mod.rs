//! What the benchmarks share: the machine's load (they run on a shared, noisy machine), a report
//! printed as it goes and kept for `--report`, and a fresh PostgreSQL database made and dropped
//! per run. Each bench includes this module (`#[path = "support/mod.rs"] mod support;`) and uses
//! the parts it needs.
#![allow(dead_code)]

use sqlx::Connection;

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
