//! Load generator: N simulated candidates against a real `kaowu serve`, over HTTP.
//!
//! ```text
//! cargo bench -p kaowu --bench loadgen -- --backend sqlite --candidates 10000 \
//!     --duration-s 60 --burst --burst-s 30 --report target/load-sqlite.md
//! ```
//!
//! It starts the release binary cargo built for this bench (`CARGO_BIN_EXE_kaowu`, i.e.
//! target/release/kaowu; `--kaowu PATH` to use another) on a free port with a fresh database
//! (a temporary SQLite file, or a new PostgreSQL database that is dropped at the end), sets up an
//! office account, an event on the demo bank and a roster of N candidates with the CLI, then runs
//! timed phases and reports each one separately:
//!
//! 1. login: every candidate logs in (Argon2 on the server: concurrency-limited);
//! 2. open rooms: the office, acting as proctor, opens every room;
//! 3. start: every candidate starts and fetches their paper, spread over `--start-spread-s`
//!    (default 60: "starting within the same minute");
//! 4. steady: each candidate changes one answer every `--pace-s` (random 10–30 s) and sends it as
//!    a save with an increasing seq (open loop: latency runs from the moment the change was due);
//! 5. rate: saves at a fixed total rate `--rate` (default 5,000/s) spread over all candidates,
//!    open loop (this is what "≥ 5,000 acknowledged saves/s at p99 < 50 ms" is measured on);
//! 6. burst (`--burst`): every candidate saves as fast as the server acknowledges, `--window`
//!    saves in flight each (closed loop: gives the most acknowledged saves per second);
//! 6. closed (`--closed 200,2000,10000`, phases "6c closed N"): one phase per count of
//!    connections, each connection sending its next save as soon as the last is acknowledged,
//!    over its own share of the candidates (`--closed-s` each); the report gives each as a share
//!    of the raw limit;
//! 7. submit: every candidate submits;
//! 8. verify: for a sample (default: all) GET /api/candidate/answers must hold the last
//!    acknowledged value of every slot;
//! 9. raw limit (after the server stopped): the same two writes a save makes, in plain SQL on
//!    a scratch database of the same backend, batches of `--raw-batch` (`support::raw_saves`).
//!
//! One shared reqwest client sends everything; each candidate's session cookie is set by hand.
//! At most `--connections` requests are in flight at once, so at most about that many TCP
//! connections are open (10,000 real browsers would each hold their own; the report gives the
//! largest number of established connections seen on the server's port in each phase).
//! Latencies are measured on the client from the moment the request was due (so time spent
//! waiting for a pooled connection counts); "service" latencies from the moment it got a
//! connection. CPU use of the server, of PostgreSQL and of the load generator is read from /proc.

#[path = "support/mod.rs"]
mod support;

/// The load generator shares the machine with the server: the cheaper allocator the server uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use serde::Deserialize;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Parser)]
#[command(name = "loadgen", about = "Kaowu load generator: N candidates over HTTP")]
struct Args {
    /// sqlite or postgres
    #[arg(long, default_value = "sqlite")]
    backend: String,
    /// Simulated candidates.
    #[arg(long, default_value_t = 1000)]
    candidates: usize,
    /// Length of the steady saving phase (seconds).
    #[arg(long, default_value_t = 60)]
    duration_s: u64,
    /// Seconds between one candidate's changes in the steady phase: "LO-HI", uniformly random.
    #[arg(long, default_value = "10-30")]
    pace_s: String,
    /// Run the closed-loop burst phase (everyone saves as fast as acknowledged).
    #[arg(long)]
    burst: bool,
    /// Length of the burst phase (seconds).
    #[arg(long, default_value_t = 30)]
    burst_s: u64,
    /// Saves each candidate keeps in flight in the burst phase (1 with `--own-connections`).
    #[arg(long, default_value_t = 2)]
    window: usize,
    /// Closed loop over a fixed number of connections, one phase per count ("200,2000,10000"):
    /// each connection sends its next save as soon as the previous one is acknowledged, cycling
    /// over its own share of the candidates (as a room clicking through answers after a
    /// synchronized start). Needs `ulimit -n` above the largest count.
    #[arg(long, value_delimiter = ',')]
    closed: Vec<usize>,
    /// Length of each closed-loop phase (seconds).
    #[arg(long, default_value_t = 30)]
    closed_s: u64,
    /// Batch size of the raw limit measured at the end of the run: the same writes in plain SQL
    /// on a scratch database of the same backend (`benches/support/raw_saves.rs`; 0: skip).
    #[arg(long, default_value_t = 1000)]
    raw_batch: usize,
    /// Total saves per second offered in the fixed-rate phase (0: skip the phase).
    #[arg(long, default_value_t = 5000.0)]
    rate: f64,
    /// Length of the fixed-rate phase (seconds).
    #[arg(long, default_value_t = 30)]
    rate_s: u64,
    /// Candidates start (and fetch their paper) at random moments within this many seconds
    /// (0: all at once, as fast as possible).
    #[arg(long, default_value_t = 60.0)]
    start_spread_s: f64,
    /// Requests in flight at once over the shared client, hence about as many TCP connections
    /// (0: no limit, one connection per request in flight).
    #[arg(long, default_value_t = 1000)]
    connections: usize,
    /// Like 10,000 browsers: every candidate has a client and a keep-alive connection of its
    /// own, and sends one request at a time on it (so `--connections` and `--window` do not
    /// apply to candidates' requests). Needs `ulimit -n` above the number of candidates.
    #[arg(long)]
    own_connections: bool,
    /// Logins in flight at once (each costs an Argon2 verification on the server).
    #[arg(long, default_value_t = 16)]
    login_concurrency: usize,
    /// Candidates per room.
    #[arg(long, default_value_t = 40)]
    room_size: usize,
    /// Fixed forms (default: every candidate their own paper, as in a real sitting).
    #[arg(long)]
    forms: Option<u32>,
    /// Candidates whose answers are checked at the end (0: all).
    #[arg(long, default_value_t = 0)]
    verify: usize,
    /// Also write the summary as markdown to this file.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Also write the server's whole log (stderr, timestamped lines) to this file.
    #[arg(long)]
    server_log: Option<PathBuf>,
    /// PostgreSQL server (a fresh database is created on it and dropped at the end).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432")]
    pg_url: String,
    /// Keep the database afterwards (PostgreSQL: not dropped; SQLite: copied next to the report).
    #[arg(long)]
    keep_db: bool,
    /// The kaowu binary (default: the one cargo built for this bench, target/release/kaowu).
    #[arg(long)]
    kaowu: Option<PathBuf>,
    /// Seed for the candidates' choices.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

impl Args {
    /// Saves each candidate keeps in flight in the burst phase: a candidate with a connection of
    /// its own sends one request at a time on it.
    fn burst_window(&self) -> usize {
        if self.own_connections { 1 } else { self.window.max(1) }
    }
}

fn pace(args: &Args) -> (f64, f64) {
    let (lo, hi) = args.pace_s.split_once('-').unwrap_or((&args.pace_s, &args.pace_s));
    let lo: f64 = lo.trim().parse().expect("--pace-s LO-HI, e.g. 10-30");
    let hi: f64 = hi.trim().parse().expect("--pace-s LO-HI, e.g. 10-30");
    assert!(lo > 0.0 && hi >= lo, "--pace-s needs 0 < LO <= HI");
    (lo, hi)
}

// ---------------------------------------------------------------------------------------------
// The server under test and the CLI
// ---------------------------------------------------------------------------------------------

struct Server {
    child: Child,
    addr: String,
    log: Arc<Mutex<ServerLog>>,
}

#[derive(Default)]
struct ServerLog {
    lines: u64,
    errors: u64,
    warnings: u64,
    first: Vec<String>,
}

/// A log line without terminal colours.
fn plain(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl Server {
    fn start(bin: &Path, database: &str, log_file: Option<&Path>) -> Server {
        let mut child = Command::new(bin)
            .args(["serve", "--listen", "127.0.0.1:0", "--database", database])
            // Warnings, and the save writers' 10-s report of their share of save latency.
            .env("RUST_LOG", "warn,kaowu::web::saver=info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let (tx, rx) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().expect("piped stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("listening on ") {
                    let _ = tx.send(addr.trim().to_string());
                }
            }
        });
        let log = Arc::new(Mutex::new(ServerLog::default()));
        let stderr = child.stderr.take().expect("piped stderr");
        let l = log.clone();
        let mut file = log_file.map(|path| {
            std::io::BufWriter::new(
                std::fs::File::create(path).unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display())),
            )
        });
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let line = plain(&line);
                if let Some(file) = file.as_mut() {
                    use std::io::Write as _;
                    let _ = writeln!(file, "{line}").and_then(|_| file.flush());
                }
                let mut l = l.lock().unwrap();
                l.lines += 1;
                if line.contains(" ERROR ") {
                    l.errors += 1;
                }
                if line.contains(" WARN ") {
                    l.warnings += 1;
                }
                if l.first.len() < 5 {
                    l.first.push(line);
                }
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(a) => a,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "the server did not print `listening on` within 120 s; its log: {:?}",
                    log.lock().unwrap().first
                );
            }
        };
        Server { child, addr, log }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn port(&self) -> u16 {
        self.addr
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("port in the listening address")
    }

    /// Ctrl-C (graceful shutdown), then kill if it does not stop within 15 s.
    fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let until = Instant::now() + Duration::from_secs(15);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// On a panic too: no server is left running.
impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A PostgreSQL database made for one run: dropped when this goes (on a panic too).
struct PgDb {
    url: String,
    name: String,
    keep: bool,
}

impl Drop for PgDb {
    fn drop(&mut self) {
        if self.keep {
            println!("kept database {}", self.name);
            return;
        }
        let (url, name) = (self.url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(pg_admin(&url, format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
        })
        .join();
        match dropped {
            Ok(Ok(())) => println!("dropped database {}", self.name),
            Ok(Err(e)) => eprintln!("could not drop database {}: {e}", self.name),
            Err(_) => eprintln!("could not drop database {}", self.name),
        }
    }
}

fn kaowu(bin: &Path, args: &[&str]) -> String {
    let out = Command::new(bin)
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    if !out.status.success() {
        panic!(
            "kaowu {} failed: {}\n{}",
            args.first().unwrap_or(&""),
            stdout,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    stdout
}

/// A valid mainland ID number (GB 11643 check character) for candidate `i`.
fn id_number(i: usize) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let body = format!(
        "110105{:04}{:02}{:02}{:03}",
        1970 + (i / 1000) % 35,
        1 + i % 12,
        1 + (i / 12) % 28,
        i % 1000
    );
    let sum: u32 = body.bytes().zip(WEIGHTS).map(|(b, w)| (b - b'0') as u32 * w).sum();
    format!("{body}{}", CHECK[(sum % 11) as usize] as char)
}

const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"];
const SURNAMES_PINYIN: &[&str] = &[
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou",
];
const GIVEN: &[&str] = &["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "军"];
const GIVEN_PINYIN: &[&str] = &["Wei", "Fang", "Na", "Min", "Jing", "Qiang", "Lei", "Yang", "Yan", "Jun"];

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

struct Http {
    client: reqwest::Client,
    base: String,
    permits: Arc<Semaphore>,
    /// With `--own-connections`: per candidate, a client of its own and one request at a time.
    own: Vec<(reqwest::Client, Semaphore)>,
}

/// A client with keep-alive connections to the server, `idle` of them kept open at most.
///
/// Without reqwest's TCP keepalive probes (15 s) and TCP_USER_TIMEOUT (30 s), which browsers do
/// not set: when thousands of connections fall quiet at the same instant (everyone submits at
/// once and waits), their probes fire together, overflow the loopback device's 1,000-packet
/// backlog (`/proc/net/softnet_stat` counts the drops), and the kernel aborts the connections
/// after 30 s (`TcpExtTCPAbortOnTimeout`) although the server is working through the requests.
/// Requests still time out after 120 s.
fn http_client(idle: usize) -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(idle)
        .pool_idle_timeout(Duration::from_secs(600))
        .tcp_keepalive(None)
        .tcp_user_timeout(None)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(120))
        .build()
        .expect("HTTP client")
}

/// A closed-loop lane: one bare HTTP/1.1 connection (hyper's client connection: no pool, no
/// cookie store), one request at a time.
struct Lane {
    addr: String,
    sender: Option<hyper::client::conn::http1::SendRequest<http_body_util::Full<hyper::body::Bytes>>>,
}

impl Lane {
    async fn connect(
        addr: &str,
    ) -> Result<hyper::client::conn::http1::SendRequest<http_body_util::Full<hyper::body::Bytes>>, String> {
        let stream = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connecting: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let (sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| error_chain(&e))?;
        tokio::spawn(conn);
        Ok(sender)
    }
}

struct Reply {
    status: u16,
    body: Vec<u8>,
    set_cookie: Option<String>,
}

impl Reply {
    fn text(&self) -> String {
        let t = String::from_utf8_lossy(&self.body);
        t.chars().take(300).collect()
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        let _ = write!(s, ": {inner}");
        src = inner.source();
    }
    s
}

impl Http {
    /// Sends one request once a connection slot is free: the shared pool's, or candidate
    /// `who`'s own connection with `--own-connections`. Returns the reply and the time from
    /// getting the slot to the end of the reply ("service" time).
    async fn call(
        &self,
        who: Option<usize>,
        method: Method,
        path: &str,
        cookie: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> (Result<Reply, String>, Duration) {
        let (client, slots) = match who.and_then(|i| self.own.get(i)) {
            Some((client, slot)) => (client, slot),
            None => (&self.client, &*self.permits),
        };
        let _permit = slots.acquire().await.expect("semaphore open");
        self.send(client, method, path, cookie, body).await
    }

    /// Sends one request on a closed-loop lane (its own connection, one request at a time),
    /// connecting again if the connection was lost. Returns the reply and its service time.
    async fn send_on_lane(
        &self,
        lane: &mut Lane,
        path: &str,
        cookie: &str,
        body: Vec<u8>,
    ) -> (Result<Reply, String>, Duration) {
        let t = Instant::now();
        let result = async {
            if lane.sender.as_ref().is_none_or(|s| s.is_closed()) {
                lane.sender = Some(Lane::connect(&lane.addr).await?);
            }
            let sender = lane.sender.as_mut().expect("connected");
            sender.ready().await.map_err(|e| error_chain(&e))?;
            let req = hyper::Request::post(path)
                .header(hyper::header::HOST, lane.addr.as_str())
                .header(COOKIE, cookie)
                .header(CONTENT_TYPE, "application/json")
                .body(http_body_util::Full::new(hyper::body::Bytes::from(body)))
                .map_err(|e| e.to_string())?;
            let resp = sender.send_request(req).await.map_err(|e| error_chain(&e))?;
            let status = resp.status().as_u16();
            let body = http_body_util::BodyExt::collect(resp.into_body())
                .await
                .map_err(|e| format!("reading the reply: {}", error_chain(&e)))?
                .to_bytes();
            Ok(Reply {
                status,
                body: body.to_vec(),
                set_cookie: None,
            })
        }
        .await;
        if result.is_err() {
            lane.sender = None;
        }
        (result, t.elapsed())
    }

    /// Sends one request on `client` at once.
    async fn send(
        &self,
        client: &reqwest::Client,
        method: Method,
        path: &str,
        cookie: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> (Result<Reply, String>, Duration) {
        let t = Instant::now();
        let mut rb = client.request(method, format!("{}{}", self.base, path));
        if let Some(c) = cookie {
            rb = rb.header(COOKIE, c);
        }
        if let Some(b) = body {
            rb = rb.header(CONTENT_TYPE, "application/json").body(b);
        }
        let result = match rb.send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let set_cookie = resp
                    .headers()
                    .get_all(SET_COOKIE)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .find(|v| v.starts_with("kaowu_session="))
                    .map(str::to_string);
                match resp.bytes().await {
                    Ok(b) => Ok(Reply {
                        status,
                        body: b.to_vec(),
                        set_cookie,
                    }),
                    Err(e) => Err(format!("reading the reply: {}", error_chain(&e))),
                }
            }
            Err(e) => Err(error_chain(&e)),
        };
        (result, t.elapsed())
    }
}

// ---------------------------------------------------------------------------------------------
// Measurements
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct OpStats {
    /// Latency from the moment the request was due, microseconds, acknowledged requests only.
    lat_us: Vec<u32>,
    /// From getting a connection to the end of the reply.
    svc_us: Vec<u32>,
    errors: u64,
    first_errors: Vec<String>,
}

struct Op {
    name: &'static str,
    stats: Mutex<OpStats>,
}

impl Op {
    fn new(name: &'static str) -> Arc<Op> {
        Arc::new(Op {
            name,
            stats: Mutex::new(OpStats::default()),
        })
    }

    fn ok(&self, lat: Duration, svc: Duration) {
        let mut s = self.stats.lock().unwrap();
        s.lat_us.push(lat.as_micros().min(u32::MAX as u128) as u32);
        s.svc_us.push(svc.as_micros().min(u32::MAX as u128) as u32);
    }

    fn err(&self, what: String) {
        let mut s = self.stats.lock().unwrap();
        s.errors += 1;
        if s.first_errors.len() < 5 {
            s.first_errors.push(what);
        }
    }

    fn counts(&self) -> (usize, u64) {
        let s = self.stats.lock().unwrap();
        (s.lat_us.len(), s.errors)
    }

    /// p99 latency (ms) of the requests acknowledged after the first `from`, if any.
    fn p99_since(&self, from: usize) -> Option<f64> {
        let s = self.stats.lock().unwrap();
        let mut recent = s.lat_us.get(from..).filter(|r| !r.is_empty())?.to_vec();
        recent.sort_unstable();
        Some(percentile(&recent, 0.99))
    }
}

fn percentile(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i] as f64 / 1000.0
}

#[derive(Clone)]
struct Summary {
    op: &'static str,
    count: usize,
    rate: f64,
    p50: f64,
    p99: f64,
    max: f64,
    svc_p50: f64,
    svc_p99: f64,
    errors: u64,
    first_errors: Vec<String>,
}

fn summarise(op: &Op, wall: Duration) -> Summary {
    let mut s = op.stats.lock().unwrap();
    s.lat_us.sort_unstable();
    s.svc_us.sort_unstable();
    Summary {
        op: op.name,
        count: s.lat_us.len(),
        rate: s.lat_us.len() as f64 / wall.as_secs_f64().max(1e-9),
        p50: percentile(&s.lat_us, 0.50),
        p99: percentile(&s.lat_us, 0.99),
        max: s.lat_us.last().map_or(f64::NAN, |&v| v as f64 / 1000.0),
        svc_p50: percentile(&s.svc_us, 0.50),
        svc_p99: percentile(&s.svc_us, 0.99),
        errors: s.errors,
        first_errors: s.first_errors.clone(),
    }
}

/// CPU time of the processes involved, in clock ticks (100 per second on Linux).
#[derive(Clone, Copy)]
struct CpuSnap {
    at: Instant,
    server: u64,
    loadgen: u64,
    postgres: u64,
    machine_busy: u64,
    machine_all: u64,
}

fn machine_ticks() -> (u64, u64) {
    let s = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let line = s.lines().next().unwrap_or("");
    let v: Vec<u64> = line.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
    let all: u64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    (all - idle, all)
}

impl CpuSnap {
    fn take(server_pid: u32) -> CpuSnap {
        let (machine_busy, machine_all) = machine_ticks();
        CpuSnap {
            at: Instant::now(),
            server: support::proc_ticks(&format!("/proc/{server_pid}/stat")).map_or(0, |t| t.1),
            loadgen: support::proc_ticks("/proc/self/stat").map_or(0, |t| t.1),
            postgres: support::postgres_ticks(),
            machine_busy,
            machine_all,
        }
    }
}

/// The server's CPU ticks per thread name (tokio workers and blocking threads, SQLite workers…).
fn thread_ticks(pid: u32) -> std::collections::BTreeMap<String, u64> {
    let mut out = std::collections::BTreeMap::new();
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for e in dir.filter_map(Result::ok) {
        if let Some((comm, t)) =
            support::proc_ticks(&format!("/proc/{pid}/task/{}/stat", e.file_name().to_string_lossy()))
        {
            let name = comm
                .trim_end_matches(|c: char| c.is_ascii_digit() || c == '-')
                .to_string();
            *out.entry(name).or_insert(0) += t;
        }
    }
    out
}

fn thread_breakdown(
    a: &std::collections::BTreeMap<String, u64>,
    b: &std::collections::BTreeMap<String, u64>,
    secs: f64,
) -> String {
    let mut v: Vec<(String, f64)> = b
        .iter()
        .map(|(k, &t)| {
            (
                k.clone(),
                t.saturating_sub(a.get(k).copied().unwrap_or(0)) as f64 / secs.max(1e-9),
            )
        })
        .filter(|(_, p)| *p >= 0.5)
        .collect();
    v.sort_by(|x, y| y.1.total_cmp(&x.1));
    v.iter()
        .map(|(k, p)| format!("{k} {p:.0}%"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Average CPU use over a phase, in % of one core (the machine has 100% per core).
#[derive(Clone, Copy, Default)]
struct CpuUse {
    server: f64,
    loadgen: f64,
    postgres: f64,
    machine: f64,
}

fn cpu_between(a: CpuSnap, b: CpuSnap, cores: f64) -> CpuUse {
    let secs = (b.at - a.at).as_secs_f64().max(1e-9);
    let pct = |x: u64, y: u64| (y.saturating_sub(x)) as f64 / 100.0 / secs * 100.0;
    let all = b.machine_all.saturating_sub(a.machine_all).max(1) as f64;
    CpuUse {
        server: pct(a.server, b.server),
        loadgen: pct(a.loadgen, b.loadgen),
        postgres: pct(a.postgres, b.postgres),
        machine: b.machine_busy.saturating_sub(a.machine_busy) as f64 / all * 100.0 * cores,
    }
}

/// Established TCP connections whose local port is the server's (one per client connection).
fn server_connections(port: u16) -> usize {
    let mut n = 0;
    for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(s) = std::fs::read_to_string(file) else { continue };
        for line in s.lines().skip(1) {
            let mut f = line.split_whitespace();
            let (_, Some(local), _, Some(state)) = (f.next(), f.next(), f.next(), f.next()) else {
                continue;
            };
            if state == "01" && local.rsplit(':').next().and_then(|p| u16::from_str_radix(p, 16).ok()) == Some(port) {
                n += 1;
            }
        }
    }
    n
}

struct PhaseResult {
    name: String,
    wall: Duration,
    ops: Vec<Summary>,
    cpu: CpuUse,
    max_connections: usize,
    note: String,
    /// Server CPU by thread name.
    threads: String,
    /// The server's resident memory at the end of the phase (MiB).
    rss_mib: f64,
}

// ---------------------------------------------------------------------------------------------
// Candidates
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct PaperIn {
    objective: Vec<ItemIn>,
    open: Vec<OpenIn>,
    open_answered: u32,
}

#[derive(Deserialize)]
struct ItemIn {
    no: u32,
    kind: String,
    options: Vec<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct OpenIn {
    no: u32,
}

#[derive(Deserialize)]
struct SavesOut {
    results: Vec<SaveOut>,
}

#[derive(Deserialize)]
struct SaveOut {
    seq: i64,
    status: String,
}

#[derive(Deserialize)]
struct AnswersOut {
    answers: HashMap<String, String>,
}

/// Open answers grow from this text (a quality manager's answer, more or less).
const OPEN_TEXT: &str = "质量管理体系的建立应以顾客为关注焦点，识别组织内外部环境与相关方的需求和期望，\
确定体系的范围与过程，明确各过程的输入、输出、职责和绩效指标。应用PDCA循环，对关键过程进行策划、\
实施、检查与改进；运用因果图、排列图和控制图等工具分析质量问题的根本原因，制定纠正措施并验证其有效性。\
管理评审应定期开展，输入包括审核结果、顾客反馈、过程绩效和产品符合性，输出包括改进机会和资源需求。";

const MAX_TEXT_CHARS: usize = 3000;

struct Cand {
    ticket: String,
    password: String,
    cookie: String,
    rng: ChaCha8Rng,
    /// Per objective item: (paper number, multi?, options).
    objective: Vec<(u32, bool, u8)>,
    open_nos: Vec<u32>,
    open_answered: u32,
    has_paper: bool,
    seq: i64,
    /// The chosen open questions once the choice has been sent (and whether it was acknowledged).
    chosen: Vec<u32>,
    choice_sent: bool,
    choice_acked: bool,
    /// Characters typed so far per chosen open question.
    typed: HashMap<u32, usize>,
    /// slot → (seq, value) of the highest-seq save the server acknowledged as "saved".
    acked: HashMap<String, (i64, String)>,
    /// slot → saves whose fate is unknown (no 2xx answer): they may or may not be stored.
    unknown: HashMap<String, Vec<(i64, String)>>,
    submitted: bool,
}

impl Cand {
    /// The next change a candidate makes: mostly objective items, sometimes the open choice or
    /// more text in a chosen open answer. Values are what the server stores (normalised).
    fn next_change(&mut self) -> (i64, String, String) {
        let r: f64 = self.rng.random();
        let (slot, value) = if !self.choice_sent && !self.open_nos.is_empty() && r < 0.05 {
            let mut nos = self.open_nos.clone();
            let k = (self.open_answered as usize).min(nos.len());
            for i in 0..k {
                let j = self.rng.random_range(i..nos.len());
                nos.swap(i, j);
            }
            let mut chosen = nos[..k].to_vec();
            chosen.sort_unstable();
            self.chosen = chosen.clone();
            self.choice_sent = true;
            (
                "open".to_string(),
                chosen.iter().map(u32::to_string).collect::<Vec<_>>().join(","),
            )
        } else if self.choice_acked
            && r < 0.25
            && self
                .chosen
                .iter()
                .any(|q| self.typed.get(q).copied().unwrap_or(0) < MAX_TEXT_CHARS)
        {
            let open: Vec<u32> = self
                .chosen
                .iter()
                .copied()
                .filter(|q| self.typed.get(q).copied().unwrap_or(0) < MAX_TEXT_CHARS)
                .collect();
            let q = open[self.rng.random_range(0..open.len())];
            let grow = self.rng.random_range(10..60);
            let typed = self.typed.entry(q).or_insert(0);
            *typed = (*typed + grow).min(MAX_TEXT_CHARS);
            let text: String = OPEN_TEXT.chars().cycle().take(*typed).collect();
            (format!("open-{q}"), text)
        } else {
            let (no, multi, n) = self.objective[self.rng.random_range(0..self.objective.len())];
            let value: String = if multi {
                let mut picked: Vec<char> = (0..n)
                    .filter(|_| self.rng.random_bool(0.5))
                    .map(|i| (b'A' + i) as char)
                    .collect();
                if picked.is_empty() {
                    picked.push((b'A' + self.rng.random_range(0..n)) as char);
                }
                picked.into_iter().collect()
            } else {
                ((b'A' + self.rng.random_range(0..n)) as char).to_string()
            };
            (no.to_string(), value)
        };
        self.seq += 1;
        (self.seq, slot, value)
    }
}

struct Ctx {
    http: Http,
    cands: Vec<Mutex<Cand>>,
}

fn json_body(v: serde_json::Value) -> Option<Vec<u8>> {
    Some(serde_json::to_vec(&v).expect("JSON"))
}

/// One change, saved. `due` is when the candidate made the change: latency counts from there.
/// `lane`: a closed-loop connection to send it on (else the candidate's own or the shared pool).
async fn save_one(ctx: &Ctx, i: usize, due: Instant, op: &Op, lane: Option<&mut Lane>) {
    let (cookie, seq, slot, value) = {
        let mut c = ctx.cands[i].lock().unwrap();
        let (seq, slot, value) = c.next_change();
        (c.cookie.clone(), seq, slot, value)
    };
    let body = json_body(serde_json::json!({ "saves": [{ "seq": seq, "slot": slot, "value": value }] }));
    let (result, svc) = match lane {
        Some(lane) => {
            ctx.http
                .send_on_lane(lane, "/api/candidate/saves", &cookie, body.unwrap_or_default())
                .await
        }
        None => {
            ctx.http
                .call(Some(i), Method::POST, "/api/candidate/saves", Some(&cookie), body)
                .await
        }
    };
    let lat = due.elapsed();
    let outcome = match &result {
        Ok(r) if (200..300).contains(&r.status) => match serde_json::from_slice::<SavesOut>(&r.body) {
            Ok(out)
                if out.results.len() == 1
                    && out.results[0].seq == seq
                    && (out.results[0].status == "saved" || out.results[0].status == "stale") =>
            {
                Ok(out.results[0].status == "saved")
            }
            _ => Err(format!("2xx with an unexpected body: {}", r.text())),
        },
        Ok(r) => Err(format!("HTTP {} {}: {}", r.status, slot, r.text())),
        Err(e) => Err(e.clone()),
    };
    let mut c = ctx.cands[i].lock().unwrap();
    match outcome {
        Ok(saved) => {
            op.ok(lat, svc);
            if saved && c.acked.get(&slot).is_none_or(|(s, _)| *s < seq) {
                if slot == "open" {
                    c.choice_acked = true;
                }
                c.acked.insert(slot, (seq, value));
            }
        }
        Err(e) => {
            op.err(format!("ticket {}: {e}", c.ticket));
            if slot == "open" && !c.choice_acked {
                c.choice_sent = false;
            }
            c.unknown.entry(slot).or_default().push((seq, value));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Phases
// ---------------------------------------------------------------------------------------------

struct Env {
    server_pid: u32,
    server_port: u16,
    cores: f64,
}

/// Runs `body`, watching CPU and connections, and summarises `ops` over the phase.
async fn phase<F: std::future::Future<Output = ()>>(
    env: &Env,
    name: &str,
    ops: &[&Arc<Op>],
    note: String,
    body: F,
) -> PhaseResult {
    println!("── phase {name}: {note}");
    let stop = Arc::new(AtomicBool::new(false));
    let max_conns = Arc::new(AtomicUsize::new(0));
    let watcher = {
        let (stop, max_conns, port) = (stop.clone(), max_conns.clone(), env.server_port);
        let watched: Vec<Arc<Op>> = ops.iter().map(|o| Arc::clone(o)).collect();
        let name = name.to_string();
        tokio::spawn(async move {
            let t0 = Instant::now();
            let mut last_print = Instant::now();
            let mut printed = vec![0usize; watched.len()];
            while !stop.load(Ordering::Relaxed) {
                let n = tokio::task::spawn_blocking(move || server_connections(port))
                    .await
                    .unwrap_or(0);
                max_conns.fetch_max(n, Ordering::Relaxed);
                if last_print.elapsed() >= Duration::from_secs(10) {
                    last_print = Instant::now();
                    // Counts so far, and the p99 of the last 10 s (a stall shows where it happened).
                    let counts: Vec<String> = watched
                        .iter()
                        .zip(printed.iter_mut())
                        .map(|(o, printed)| {
                            let (ok, err) = o.counts();
                            let recent = o
                                .p99_since(*printed)
                                .map_or(String::new(), |p| format!(", p99 {p:.1} ms"));
                            *printed = ok;
                            format!("{} {ok} ok / {err} err{recent}", o.name)
                        })
                        .collect();
                    println!(
                        "   [{name} {:>4.0} s] {}  ({n} connections)",
                        t0.elapsed().as_secs_f64(),
                        counts.join(", ")
                    );
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        })
    };
    let th0 = thread_ticks(env.server_pid);
    let c0 = CpuSnap::take(env.server_pid);
    let t0 = Instant::now();
    body.await;
    let wall = t0.elapsed();
    let c1 = CpuSnap::take(env.server_pid);
    let threads = thread_breakdown(&th0, &thread_ticks(env.server_pid), wall.as_secs_f64());
    stop.store(true, Ordering::Relaxed);
    let _ = watcher.await;
    let result = PhaseResult {
        name: name.to_string(),
        wall,
        ops: ops.iter().map(|o| summarise(o, wall)).collect(),
        cpu: cpu_between(c0, c1, env.cores),
        max_connections: max_conns.load(Ordering::Relaxed),
        note,
        threads,
        rss_mib: rss_mib(env.server_pid, "VmRSS:"),
    };
    println!("   server threads (% of one core): {}", result.threads);
    for s in &result.ops {
        println!(
            "   {:<14} {:>7} ok {:>9.1}/s  p50 {:>8.1} ms  p99 {:>8.1} ms  max {:>8.1} ms  errors {}",
            s.op, s.count, s.rate, s.p50, s.p99, s.max, s.errors
        );
        for e in &s.first_errors {
            println!("      error: {e}");
        }
    }
    println!(
        "   wall {:.1} s; CPU (% of one core): server {:.0}, postgres {:.0}, loadgen {:.0}, whole machine {:.0} of {:.0}; max {} connections; server RSS {:.0} MiB",
        wall.as_secs_f64(),
        result.cpu.server,
        result.cpu.postgres,
        result.cpu.loadgen,
        result.cpu.machine,
        env.cores * 100.0,
        result.max_connections,
        result.rss_mib
    );
    result
}

/// Each candidate with a paper saves at moments given by `first` and `next` until `deadline`,
/// one save at a time (a browser's autosave). Open loop: a late save is due when it was due.
async fn paced(
    ctx: Arc<Ctx>,
    op: Arc<Op>,
    dur: Duration,
    seed: u64,
    first: impl Fn(&mut ChaCha8Rng) -> f64,
    next: impl Fn(&mut ChaCha8Rng) -> f64 + Clone + Send + 'static,
) {
    let start = Instant::now();
    let deadline = start + dur;
    let mut set = JoinSet::new();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for i in 0..ctx.cands.len() {
        if !ctx.cands[i].lock().unwrap().has_paper {
            continue;
        }
        let (ctx, op, next) = (ctx.clone(), op.clone(), next.clone());
        let mut due = start + Duration::from_secs_f64(first(&mut rng));
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        set.spawn(async move {
            while due < deadline {
                tokio::time::sleep_until(due.into()).await;
                save_one(&ctx, i, due, &op, None).await;
                due += Duration::from_secs_f64(next(&mut rng));
            }
        });
    }
    while set.join_next().await.is_some() {}
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

fn machine_description() -> (usize, String, String) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or("?".into(), |kb| format!("{:.1} GiB", kb as f64 / 1024.0 / 1024.0));
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "?".into());
    (cores, mem, model)
}

/// A memory figure of a process from its status file (`VmRSS:` now, `VmHWM:` the peak), MiB.
fn rss_mib(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

async fn pg_admin(url: &str, sql: String) -> Result<(), String> {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&format!("{url}/postgres"))
        .await
        .map_err(|e| error_chain(&e))?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut conn)
        .await
        .map_err(|e| error_chain(&e))?;
    let _ = conn.close().await;
    Ok(())
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let n = args.candidates;
    assert!(n > 0, "--candidates must be at least 1");
    assert!(
        args.backend == "sqlite" || args.backend == "postgres",
        "--backend sqlite|postgres"
    );
    let (pace_lo, pace_hi) = pace(&args);
    let bin = args
        .kaowu
        .clone()
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_kaowu")));
    if !bin.exists() {
        eprintln!(
            "{} not found: build it first with `cargo build --release -p kaowu`",
            bin.display()
        );
        std::process::exit(2);
    }
    let (cores, mem, cpu_model) = machine_description();
    let stamp = time::OffsetDateTime::now_utc().unix_timestamp();

    // The database.
    let tmp = tempfile::Builder::new()
        .prefix("kaowu-load-")
        .tempdir()
        .expect("temp dir");
    let (database, pg_db) = match args.backend.as_str() {
        "sqlite" => (format!("sqlite:{}", tmp.path().join("kaowu.db").display()), None),
        _ => {
            let name = format!("kaowu_load_{stamp}");
            pg_admin(&args.pg_url, format!("CREATE DATABASE {name}"))
                .await
                .unwrap_or_else(|e| panic!("cannot create database {name}: {e}"));
            (
                format!("{}/{name}", args.pg_url),
                Some(PgDb {
                    url: args.pg_url.clone(),
                    name,
                    keep: args.keep_db,
                }),
            )
        }
    };
    println!(
        "kaowu load generator: {n} candidates, backend {} ({database}), binary {}",
        args.backend,
        bin.display()
    );
    println!("machine: {cores} cores ({cpu_model}), {mem} memory");
    // One binary for the whole run, even if a build replaces target/release/kaowu meanwhile.
    let bin = {
        let copy = tmp.path().join("kaowu");
        std::fs::copy(&bin, &copy).unwrap_or_else(|e| panic!("cannot copy {}: {e}", bin.display()));
        copy
    };

    let mut server = Server::start(&bin, &database, args.server_log.as_deref());
    println!("server pid {} listening on {}", server.pid(), server.addr);
    let env = Env {
        server_pid: server.pid(),
        server_port: server.port(),
        cores: cores as f64,
    };

    // Set-up with the CLI: an office account, an event, the roster.
    let setup_t = Instant::now();
    let out = kaowu(
        &bin,
        &[
            "account",
            "add",
            "--database",
            &database,
            "--username",
            "loadgen",
            "--name",
            "负载测试",
            "--role",
            "office",
        ],
    );
    let office_password = out
        .split("初始密码：")
        .nth(1)
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| panic!("no password in: {out}"));
    let rooms: Vec<String> = (1..=n.div_ceil(args.room_size)).map(|r| format!("R{r:03}")).collect();
    let starts_at = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .expect("RFC 3339");
    let room_list = rooms.join(",");
    let mut create = vec![
        "event",
        "create",
        "--database",
        &database,
        "--name",
        "负载测试",
        "--starts-at",
        &starts_at,
        "--rooms",
        &room_list,
        "--bank",
        "demo",
    ];
    let forms = args.forms.map(|f| f.to_string());
    if let Some(f) = &forms {
        create.extend(["--forms", f]);
    }
    let out = kaowu(&bin, &create);
    // "已创建并发布考试 N：…" (and before drafts existed, "已创建考试 N：…").
    let event_id: i64 = ["已创建并发布考试 ", "已创建考试 "]
        .iter()
        .find_map(|p| out.split(p).nth(1))
        .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no event id in: {out}"));
    let mut csv = String::from("姓名,姓名拼音,身份证号,准考证号,考场,座位\n");
    for i in 0..n {
        let (s, g) = (i % SURNAMES.len(), (i / SURNAMES.len()) % GIVEN.len());
        let _ = writeln!(
            csv,
            "{}{},{} {},{},T{:06},{},{:02}",
            SURNAMES[s],
            GIVEN[g],
            SURNAMES_PINYIN[s],
            GIVEN_PINYIN[g],
            id_number(i),
            i + 1,
            rooms[i / args.room_size],
            i % args.room_size + 1
        );
    }
    let roster_path = tmp.path().join("roster.csv");
    let passwords_path = tmp.path().join("passwords.csv");
    std::fs::write(&roster_path, csv).expect("write roster");
    let t = Instant::now();
    kaowu(
        &bin,
        &[
            "roster",
            "import",
            "--database",
            &database,
            "--event",
            &event_id.to_string(),
            roster_path.to_str().unwrap(),
            "--passwords-out",
            passwords_path.to_str().unwrap(),
        ],
    );
    let import_s = t.elapsed().as_secs_f64();
    let text = std::fs::read_to_string(&passwords_path).expect("passwords CSV");
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let mut cands = Vec::with_capacity(n);
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.expect("passwords CSV row");
        cands.push(Mutex::new(Cand {
            ticket: rec[0].to_string(),
            password: rec[4].to_string(),
            cookie: String::new(),
            rng: ChaCha8Rng::seed_from_u64(args.seed.wrapping_mul(1_000_003).wrapping_add(i as u64)),
            objective: Vec::new(),
            open_nos: Vec::new(),
            open_answered: 0,
            has_paper: false,
            seq: 0,
            chosen: Vec::new(),
            choice_sent: false,
            choice_acked: false,
            typed: HashMap::new(),
            acked: HashMap::new(),
            unknown: HashMap::new(),
            submitted: false,
        }));
    }
    assert_eq!(cands.len(), n, "passwords for every candidate");
    let setup_s = setup_t.elapsed().as_secs_f64();
    println!(
        "set-up: event {event_id}, {} rooms, {n} candidates imported in {import_s:.1} s (set-up {setup_s:.1} s)",
        rooms.len()
    );

    let permits = if args.connections == 0 {
        Semaphore::MAX_PERMITS
    } else {
        args.connections
    };
    let client = http_client(if args.connections == 0 {
        usize::MAX
    } else {
        args.connections
    });
    let own = if args.own_connections {
        (0..n).map(|_| (http_client(1), Semaphore::new(1))).collect()
    } else {
        Vec::new()
    };
    let ctx = Arc::new(Ctx {
        http: Http {
            client,
            base: format!("http://{}", server.addr),
            permits: Arc::new(Semaphore::new(permits)),
            own,
        },
        cands,
    });
    let mut phases = Vec::new();
    let (seed, burst_s, login_concurrency) = (args.seed, args.burst_s, args.login_concurrency);

    // 1. Login.
    let login = Op::new("login");
    phases.push(
        phase(
            &env,
            "1 login",
            &[&login],
            format!("{n} candidates log in, {} at a time", args.login_concurrency),
            {
                let (ctx, login) = (ctx.clone(), login.clone());
                let limit = Arc::new(Semaphore::new(login_concurrency.max(1)));
                async move {
                    let mut set = JoinSet::new();
                    for i in 0..n {
                        let slot = limit.clone().acquire_owned().await.expect("semaphore");
                        let (ctx, login) = (ctx.clone(), login.clone());
                        set.spawn(async move {
                            let (ticket, password) = {
                                let c = ctx.cands[i].lock().unwrap();
                                (c.ticket.clone(), c.password.clone())
                            };
                            let t = Instant::now();
                            let (r, svc) = ctx
                                .http
                                .call(
                                    Some(i),
                                    Method::POST,
                                    "/api/login",
                                    None,
                                    json_body(serde_json::json!({ "ticket": ticket, "password": password })),
                                )
                                .await;
                            match r {
                                Ok(rep) if rep.status == 200 && rep.set_cookie.is_some() => {
                                    login.ok(t.elapsed(), svc);
                                    let cookie = rep.set_cookie.unwrap().split(';').next().unwrap_or("").to_string();
                                    ctx.cands[i].lock().unwrap().cookie = cookie;
                                }
                                Ok(rep) => login.err(format!("ticket {ticket}: HTTP {} {}", rep.status, rep.text())),
                                Err(e) => login.err(format!("ticket {ticket}: {e}")),
                            }
                            drop(slot);
                        });
                        while set.try_join_next().is_some() {}
                    }
                    while set.join_next().await.is_some() {}
                }
            },
        )
        .await,
    );

    // 2. The office (acting as proctor) opens every room.
    let office_login = Op::new("office login");
    let open = Op::new("open room");
    phases.push(
        phase(
            &env,
            "2 open rooms",
            &[&office_login, &open],
            format!("{} rooms opened", rooms.len()),
            {
                let (ctx, office_login, open, rooms) = (ctx.clone(), office_login.clone(), open.clone(), rooms.clone());
                async move {
                    let t = Instant::now();
                    let (r, svc) = ctx
                        .http
                        .call(
                            None,
                            Method::POST,
                            "/api/login",
                            None,
                            json_body(serde_json::json!({ "username": "loadgen", "password": office_password })),
                        )
                        .await;
                    let cookie = match r {
                        Ok(rep) if rep.status == 200 && rep.set_cookie.is_some() => {
                            office_login.ok(t.elapsed(), svc);
                            rep.set_cookie.unwrap().split(';').next().unwrap_or("").to_string()
                        }
                        Ok(rep) => return office_login.err(format!("HTTP {} {}", rep.status, rep.text())),
                        Err(e) => return office_login.err(e),
                    };
                    // `account add` issued an initial password: it is changed before anything else.
                    let change = serde_json::json!({
                        "old_password": office_password,
                        "new_password": format!("{office_password}-loadgen"),
                    });
                    let (r, _) = ctx
                        .http
                        .call(None, Method::POST, "/api/password", Some(&cookie), json_body(change))
                        .await;
                    match r {
                        Ok(rep) if rep.status == 200 => {}
                        Ok(rep) => {
                            return office_login.err(format!("password change: HTTP {} {}", rep.status, rep.text()));
                        }
                        Err(e) => return office_login.err(format!("password change: {e}")),
                    }
                    let cookie = Arc::new(cookie);
                    let mut set = JoinSet::new();
                    for room in rooms {
                        let (ctx, open, cookie) = (ctx.clone(), open.clone(), cookie.clone());
                        set.spawn(async move {
                            let t = Instant::now();
                            let (r, svc) = ctx
                                .http
                                .call(
                                    None,
                                    Method::POST,
                                    &format!("/api/proctor/events/{event_id}/rooms/{room}/open"),
                                    Some(&cookie),
                                    None,
                                )
                                .await;
                            match r {
                                Ok(rep) if (200..300).contains(&rep.status) => open.ok(t.elapsed(), svc),
                                Ok(rep) => open.err(format!("room {room}: HTTP {} {}", rep.status, rep.text())),
                                Err(e) => open.err(format!("room {room}: {e}")),
                            }
                        });
                    }
                    while set.join_next().await.is_some() {}
                }
            },
        )
        .await,
    );

    // 3. Everyone starts and fetches the paper within the same minute.
    let start_op = Op::new("start");
    let paper_op = Op::new("paper");
    let both_op = Op::new("start+paper");
    let spread = args.start_spread_s;
    phases.push(
        phase(
            &env,
            "3 start",
            &[&start_op, &paper_op, &both_op],
            if spread > 0.0 {
                format!("{n} candidates start at random moments within {spread} s, then GET their paper")
            } else {
                format!("{n} candidates start at once, then GET their paper")
            },
            {
                let (ctx, start_op, paper_op, both_op) =
                    (ctx.clone(), start_op.clone(), paper_op.clone(), both_op.clone());
                async move {
                    let t0 = Instant::now();
                    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5747);
                    let mut set = JoinSet::new();
                    for i in 0..n {
                        let at = t0
                            + Duration::from_secs_f64(if spread > 0.0 {
                                rng.random_range(0.0..spread)
                            } else {
                                0.0
                            });
                        let (ctx, start_op, paper_op, both_op) =
                            (ctx.clone(), start_op.clone(), paper_op.clone(), both_op.clone());
                        set.spawn(async move {
                            tokio::time::sleep_until(at.into()).await;
                            let due = at;
                            let (ticket, cookie) = {
                                let c = ctx.cands[i].lock().unwrap();
                                (c.ticket.clone(), c.cookie.clone())
                            };
                            if cookie.is_empty() {
                                return start_op.err(format!("ticket {ticket}: not logged in"));
                            }
                            let (r, svc) = ctx
                                .http
                                .call(Some(i), Method::POST, "/api/candidate/start", Some(&cookie), None)
                                .await;
                            match r {
                                Ok(rep) if rep.status == 200 => start_op.ok(due.elapsed(), svc),
                                Ok(rep) => {
                                    return start_op.err(format!(
                                        "ticket {ticket}: HTTP {} {}",
                                        rep.status,
                                        rep.text()
                                    ));
                                }
                                Err(e) => return start_op.err(format!("ticket {ticket}: {e}")),
                            }
                            let t = Instant::now();
                            let (r, svc) = ctx
                                .http
                                .call(Some(i), Method::GET, "/api/candidate/paper", Some(&cookie), None)
                                .await;
                            let paper = match r {
                                Ok(rep) if rep.status == 200 => match serde_json::from_slice::<PaperIn>(&rep.body) {
                                    Ok(p) => {
                                        paper_op.ok(t.elapsed(), svc);
                                        both_op.ok(due.elapsed(), Duration::ZERO);
                                        p
                                    }
                                    Err(e) => return paper_op.err(format!("ticket {ticket}: unreadable paper: {e}")),
                                },
                                Ok(rep) => {
                                    return paper_op.err(format!(
                                        "ticket {ticket}: HTTP {} {}",
                                        rep.status,
                                        rep.text()
                                    ));
                                }
                                Err(e) => return paper_op.err(format!("ticket {ticket}: {e}")),
                            };
                            let mut c = ctx.cands[i].lock().unwrap();
                            c.objective = paper
                                .objective
                                .iter()
                                .map(|it| (it.no, it.kind == "multi", it.options.len().min(26) as u8))
                                .filter(|it| it.2 > 0)
                                .collect();
                            c.open_nos = paper.open.iter().map(|o| o.no).collect();
                            c.open_answered = paper.open_answered;
                            c.has_paper = !c.objective.is_empty();
                        });
                    }
                    while set.join_next().await.is_some() {}
                }
            },
        )
        .await,
    );
    let with_paper = ctx.cands.iter().filter(|c| c.lock().unwrap().has_paper).count();
    let objective_items = ctx.cands.iter().find_map(|c| {
        let c = c.lock().unwrap();
        c.has_paper.then(|| {
            (
                c.objective.len(),
                c.objective.iter().filter(|o| o.1).count(),
                c.open_nos.len(),
                c.open_answered,
            )
        })
    });
    if let Some((items, multi, open, answered)) = objective_items {
        println!(
            "   papers: {items} objective items ({multi} multiple choice), {open} open questions of which {answered} to answer"
        );
    }

    // 4. Steady saving at a human pace.
    let steady_op = Op::new("save");
    let mean_pace = (pace_lo + pace_hi) / 2.0;
    phases.push(
        phase(
            &env,
            "4 steady",
            &[&steady_op],
            format!(
                "{with_paper} candidates each change one answer every {pace_lo}–{pace_hi} s (≈ {:.0} saves/s offered) for {} s",
                with_paper as f64 / mean_pace,
                args.duration_s
            ),
            paced(ctx.clone(), steady_op.clone(), Duration::from_secs(args.duration_s), args.seed ^ 0x57ea, move |r| r.random_range(0.0..pace_hi), move |r| r.random_range(pace_lo..=pace_hi)),
        )
        .await,
    );

    // 5. A fixed total rate (the target's 5,000 saves/s), open loop.
    if args.rate > 0.0 && with_paper > 0 {
        let rate_op = Op::new("save");
        let period = with_paper as f64 / args.rate;
        phases.push(
            phase(
                &env,
                "5 rate",
                &[&rate_op],
                format!("{:.0} saves/s offered in total: each of {with_paper} candidates saves every {period:.2} s, for {} s", args.rate, args.rate_s),
                paced(ctx.clone(), rate_op.clone(), Duration::from_secs(args.rate_s), args.seed ^ 0x4a7e, move |r| r.random_range(0.0..period), move |_| period),
            )
            .await,
        );
    }

    // 6. Burst: as fast as acknowledged, closed loop.
    if args.burst && with_paper > 0 {
        let burst_op = Op::new("save");
        let window = args.burst_window();
        phases.push(
            phase(
                &env,
                "6 burst",
                &[&burst_op],
                format!(
                    "{with_paper} candidates save as fast as acknowledged, {window} in flight each, for {} s",
                    args.burst_s
                ),
                {
                    let (ctx, burst_op) = (ctx.clone(), burst_op.clone());
                    async move {
                        let deadline = Instant::now() + Duration::from_secs(burst_s);
                        let mut set = JoinSet::new();
                        for i in 0..n {
                            if !ctx.cands[i].lock().unwrap().has_paper {
                                continue;
                            }
                            for _ in 0..window {
                                let (ctx, burst_op) = (ctx.clone(), burst_op.clone());
                                set.spawn(async move {
                                    while Instant::now() < deadline {
                                        save_one(&ctx, i, Instant::now(), &burst_op, None).await;
                                    }
                                });
                            }
                        }
                        while set.join_next().await.is_some() {}
                    }
                },
            )
            .await,
        );
    }

    // 6c. Closed loop over a fixed number of connections, one phase per count.
    let with_paper_ids: Vec<usize> = (0..n).filter(|&i| ctx.cands[i].lock().unwrap().has_paper).collect();
    for &lanes in args.closed.iter().filter(|_| !with_paper_ids.is_empty()) {
        let closed_op = Op::new("save");
        let lanes = lanes.clamp(1, with_paper_ids.len());
        let closed_s = args.closed_s;
        phases.push(
            phase(
                &env,
                &format!("6c closed {lanes}"),
                &[&closed_op],
                format!(
                    "{lanes} connections, each sending its next save as soon as the last is acknowledged, over its own {}–{} of the {} candidates, for {closed_s} s",
                    with_paper_ids.len() / lanes,
                    with_paper_ids.len().div_ceil(lanes),
                    with_paper_ids.len()
                ),
                {
                    let (ctx, closed_op, ids) = (ctx.clone(), closed_op.clone(), Arc::new(with_paper_ids.clone()));
                    async move {
                        let deadline = Instant::now() + Duration::from_secs(closed_s);
                        let mut set = JoinSet::new();
                        for k in 0..lanes {
                            let (ctx, closed_op, ids) = (ctx.clone(), closed_op.clone(), ids.clone());
                            let addr = ctx.http.base.trim_start_matches("http://").to_string();
                            set.spawn(async move {
                                let mut lane = Lane { addr, sender: None };
                                let mine: Vec<usize> = ids.iter().copied().skip(k).step_by(lanes).collect();
                                for &i in mine.iter().cycle() {
                                    if Instant::now() >= deadline {
                                        break;
                                    }
                                    save_one(&ctx, i, Instant::now(), &closed_op, Some(&mut lane)).await;
                                }
                            });
                        }
                        while set.join_next().await.is_some() {}
                    }
                },
            )
            .await,
        );
    }

    // 7. Submit.
    let submit_op = Op::new("submit");
    phases.push(
        phase(
            &env,
            "7 submit",
            &[&submit_op],
            format!("{with_paper} candidates submit at once"),
            {
                let (ctx, submit_op) = (ctx.clone(), submit_op.clone());
                async move {
                    let mut set = JoinSet::new();
                    for i in 0..n {
                        let (ticket, cookie, has_paper) = {
                            let c = ctx.cands[i].lock().unwrap();
                            (c.ticket.clone(), c.cookie.clone(), c.has_paper)
                        };
                        if !has_paper {
                            continue;
                        }
                        let (ctx, submit_op) = (ctx.clone(), submit_op.clone());
                        set.spawn(async move {
                            let t = Instant::now();
                            let (r, svc) = ctx
                                .http
                                .call(Some(i), Method::POST, "/api/candidate/submit", Some(&cookie), None)
                                .await;
                            match r {
                                Ok(rep) if rep.status == 200 => {
                                    submit_op.ok(t.elapsed(), svc);
                                    ctx.cands[i].lock().unwrap().submitted = true;
                                }
                                Ok(rep) => {
                                    submit_op.err(format!("ticket {ticket}: HTTP {} {}", rep.status, rep.text()))
                                }
                                Err(e) => submit_op.err(format!("ticket {ticket}: {e}")),
                            }
                        });
                    }
                    while set.join_next().await.is_some() {}
                }
            },
        )
        .await,
    );

    // 8. Verify: no acknowledged save lost.
    let verify_op = Op::new("answers");
    let sample: Vec<usize> = {
        let have: Vec<usize> = (0..n).filter(|&i| ctx.cands[i].lock().unwrap().has_paper).collect();
        let k = if args.verify == 0 {
            have.len()
        } else {
            args.verify.min(have.len())
        };
        (0..k).map(|j| have[j * have.len() / k.max(1)]).collect()
    };
    let checked = Arc::new(Mutex::new((0usize, 0usize, 0usize, Vec::<String>::new()))); // (candidates, slots, mismatches, first)
    phases.push(
        phase(
            &env,
            "8 verify",
            &[&verify_op],
            format!(
                "GET /api/candidate/answers for {} candidates and compare with every acknowledged save",
                sample.len()
            ),
            {
                let (ctx, verify_op, checked, sample) =
                    (ctx.clone(), verify_op.clone(), checked.clone(), sample.clone());
                async move {
                    let mut set = JoinSet::new();
                    for i in sample {
                        let (ctx, verify_op, checked) = (ctx.clone(), verify_op.clone(), checked.clone());
                        set.spawn(async move {
                            let (ticket, cookie) = {
                                let c = ctx.cands[i].lock().unwrap();
                                (c.ticket.clone(), c.cookie.clone())
                            };
                            let t = Instant::now();
                            let (r, svc) = ctx
                                .http
                                .call(Some(i), Method::GET, "/api/candidate/answers", Some(&cookie), None)
                                .await;
                            let server = match r {
                                Ok(rep) if rep.status == 200 => match serde_json::from_slice::<AnswersOut>(&rep.body) {
                                    Ok(a) => {
                                        verify_op.ok(t.elapsed(), svc);
                                        a.answers
                                    }
                                    Err(e) => return verify_op.err(format!("ticket {ticket}: {e}")),
                                },
                                Ok(rep) => {
                                    return verify_op.err(format!(
                                        "ticket {ticket}: HTTP {} {}",
                                        rep.status,
                                        rep.text()
                                    ));
                                }
                                Err(e) => return verify_op.err(format!("ticket {ticket}: {e}")),
                            };
                            let c = ctx.cands[i].lock().unwrap();
                            let mut problems = Vec::new();
                            let mut slots = 0;
                            let mut all: Vec<&String> =
                                c.acked.keys().chain(c.unknown.keys()).chain(server.keys()).collect();
                            all.sort();
                            all.dedup();
                            for slot in all {
                                slots += 1;
                                let got = server.get(slot);
                                let acked = c.acked.get(slot);
                                let floor = acked.map_or(0, |a| a.0);
                                let maybe: Vec<&String> = c
                                    .unknown
                                    .get(slot)
                                    .map(|u| u.iter().filter(|(s, _)| *s > floor).map(|(_, v)| v).collect())
                                    .unwrap_or_default();
                                let ok = match (got, acked) {
                                    (Some(v), Some((_, want))) => v == want || maybe.contains(&v),
                                    (Some(v), None) => maybe.contains(&v),
                                    (None, Some(_)) => false,
                                    (None, None) => true,
                                };
                                if !ok {
                                    problems.push(format!(
                                        "ticket {} slot {slot}: server has {:?}, last acknowledged {:?}",
                                        c.ticket,
                                        got.map(|v| v.chars().take(20).collect::<String>()),
                                        acked.map(|(s, v)| (s, v.chars().take(20).collect::<String>()))
                                    ));
                                }
                            }
                            let mut ch = checked.lock().unwrap();
                            ch.0 += 1;
                            ch.1 += slots;
                            ch.2 += problems.len();
                            for p in problems {
                                if ch.3.len() < 10 {
                                    ch.3.push(p);
                                }
                            }
                        });
                    }
                    while set.join_next().await.is_some() {}
                }
            },
        )
        .await,
    );
    let (v_cands, v_slots, v_bad, v_first) = checked.lock().unwrap().clone();
    let verified = format!("{v_cands} candidates, {v_slots} slots checked, {v_bad} lost or wrong");
    println!("verification: {verified}");
    for p in &v_first {
        println!("   {p}");
    }

    // Wrap up.
    let peak_rss = rss_mib(env.server_pid, "VmHWM:");
    let db_size: u64 = match &pg_db {
        None => std::fs::read_dir(tmp.path())
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.file_name().to_string_lossy().starts_with("kaowu.db"))
                    .filter_map(|e| e.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0),
        Some(_) => 0,
    };
    let (log_lines, log_errors, log_warnings, log_first) = {
        let l = server.log.lock().unwrap();
        (l.lines, l.errors, l.warnings, l.first.clone())
    };
    server.stop();

    // The raw limit of the same storage, measured now that the server has stopped.
    let raw = if args.raw_batch == 0 {
        None
    } else {
        let saves = 200_000;
        println!(
            "── raw limit: {saves} saves in plain SQL, batches of {}",
            args.raw_batch
        );
        let measured = match &pg_db {
            None => support::raw_saves::sqlite(tmp.path(), n, args.raw_batch, saves),
            Some(db) => support::raw_saves::postgres(&format!("{}/postgres", db.url), n, args.raw_batch, saves).await,
        };
        match measured {
            Ok(r) => {
                println!("   {:.0} saves/s", r.saves_per_s);
                Some(r)
            }
            Err(e) => {
                eprintln!("the raw limit could not be measured: {e}");
                None
            }
        }
    };
    if pg_db.is_some() {
        drop(pg_db);
    } else if args.keep_db
        && let Some(dir) = args.report.as_ref().and_then(|r| r.parent())
    {
        let _ = std::fs::copy(tmp.path().join("kaowu.db"), dir.join(format!("kaowu-load-{stamp}.db")));
    }

    // The summary.
    let mut md = String::new();
    let _ = writeln!(md, "## Load test: {} — {n} candidates\n", args.backend);
    let _ = writeln!(
        md,
        "- machine: {cores} cores ({cpu_model}), {mem}; load generator on the same machine\n\
         - backend: {}; set-up (account, event on the demo bank, roster import with {n} Argon2 hashes): {setup_s:.1} s\n\
         - client: {}\n\
         - latency: measured by the client from the moment the request was due (open loop: a late request counts its lateness); \
         \"service\" = from getting a pooled connection to the end of the reply\n\
         - CPU: % of one core averaged over the phase ({:.0}% = the whole machine), from /proc; \
         \"other\" = everything else on the machine (e.g. builds running beside the test)\n\
         - server peak RSS {:.0} MiB{}; server log: {log_lines} lines, {log_errors} ERROR, {log_warnings} WARN\n",
        args.backend,
        if args.own_connections {
            format!(
                "every candidate its own reqwest client and keep-alive connection, one request at a time on it, as {n} browsers \
                 (max connections seen per phase in the table)"
            )
        } else {
            format!(
                "one reqwest client (HTTP/1.1 keep-alive), at most {} requests in flight, so at most about as many TCP connections \
                 (max seen per phase in the table); {n} browsers would hold {n} connections (`--own-connections`)",
                if args.connections == 0 {
                    "unlimited".to_string()
                } else {
                    args.connections.to_string()
                }
            )
        },
        cores as f64 * 100.0,
        peak_rss,
        if db_size > 0 {
            format!("; SQLite database + WAL {:.0} MiB", db_size as f64 / 1048576.0)
        } else {
            String::new()
        },
    );
    let _ = writeln!(
        md,
        "| phase | op | ok | rate/s | p50 ms | p99 ms | max ms | service p50/p99 ms | errors | wall s | CPU server | CPU postgres | CPU loadgen | CPU other | max conns | server RSS MiB |"
    );
    let _ = writeln!(
        md,
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for p in &phases {
        for s in &p.ops {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} / {:.1} | {} | {:.1} | {:.0}% | {:.0}% | {:.0}% | {:.0}% | {} | {:.0} |",
                p.name,
                s.op,
                s.count,
                s.rate,
                s.p50,
                s.p99,
                s.max,
                s.svc_p50,
                s.svc_p99,
                s.errors,
                p.wall.as_secs_f64(),
                p.cpu.server,
                p.cpu.postgres,
                p.cpu.loadgen,
                (p.cpu.machine - p.cpu.server - p.cpu.postgres - p.cpu.loadgen).max(0.0),
                p.max_connections,
                p.rss_mib
            );
        }
    }
    let _ = writeln!(md);
    for p in &phases {
        let _ = writeln!(
            md,
            "- **{}**: {}; server threads (% of one core): {}",
            p.name, p.note, p.threads
        );
    }
    let _ = writeln!(md, "\nVerification: {verified}.");
    for p in &v_first {
        let _ = writeln!(md, "- {p}");
    }
    let errors: Vec<String> = phases
        .iter()
        .flat_map(|p| {
            p.ops.iter().flat_map(move |s| {
                s.first_errors
                    .iter()
                    .map(move |e| format!("{} / {}: {e}", p.name, s.op))
            })
        })
        .collect();
    if !errors.is_empty() {
        let _ = writeln!(md, "\nFirst errors:");
        for e in errors.iter().take(15) {
            let _ = writeln!(md, "- {e}");
        }
    }
    if !log_first.is_empty() {
        let _ = writeln!(md, "\nServer log (first lines):\n```");
        for l in &log_first {
            let _ = writeln!(md, "{l}");
        }
        let _ = writeln!(md, "```");
    }

    // Targets.
    let find = |phase: &str, op: &str| {
        phases
            .iter()
            .find(|p| p.name.ends_with(phase))
            .and_then(|p| p.ops.iter().find(|s| s.op == op))
            .cloned()
    };
    let total_errors: u64 = phases.iter().flat_map(|p| p.ops.iter()).map(|s| s.errors).sum();
    let _ = writeln!(md, "\nTargets:");
    let logged_in = find("login", "login").map_or(0, |s| s.count);
    let _ = writeln!(
        md,
        "- 10,000 concurrent candidates: {} ({logged_in} logged in, {with_paper} with a paper, {total_errors} errors in all phases)",
        if n >= 10_000 && with_paper == n && total_errors == 0 {
            "MET"
        } else if n < 10_000 {
            "not tested at this size"
        } else {
            "MISSED"
        }
    );
    if let Some(s) = find("rate", "save") {
        let ok = args.rate >= 5000.0 && s.rate >= 0.98 * 5000.0 && s.p99 < 50.0 && s.errors == 0;
        let _ = writeln!(
            md,
            "- ≥ 5,000 acknowledged saves/s at p99 < 50 ms: {} ({:.0} saves/s acknowledged at {:.0}/s offered, p99 {:.1} ms)",
            if ok { "MET" } else { "MISSED" },
            s.rate,
            args.rate,
            s.p99
        );
    }
    if let Some(s) = find("burst", "save") {
        let _ = writeln!(
            md,
            "- most acknowledged saves/s (closed loop, {} in flight): {:.0}/s, p99 {:.1} ms",
            args.burst_window() * with_paper,
            s.rate,
            s.p99
        );
    }
    if let Some(raw) = raw {
        let _ = writeln!(
            md,
            "- raw limit of the storage (the same two writes in plain SQL, batches of {}, measured after the server stopped): {:.0} saves/s",
            raw.batch, raw.saves_per_s
        );
    }
    let closed: Vec<(&PhaseResult, &Summary)> = phases
        .iter()
        .filter(|p| p.name.starts_with("6c closed"))
        .filter_map(|p| Some((p, p.ops.first()?)))
        .collect();
    for (p, s) in &closed {
        let share = raw.map_or(String::new(), |r| {
            format!(", {:.0} % of the raw limit", s.rate / r.saves_per_s * 100.0)
        });
        let _ = writeln!(
            md,
            "- {}: {:.0} acknowledged saves/s (p50 {:.1} ms, p99 {:.1} ms{share}, {} errors, server RSS {:.0} MiB): ≥ 10,000/s {}",
            p.name,
            s.rate,
            s.p50,
            s.p99,
            s.errors,
            p.rss_mib,
            if s.rate >= 10_000.0 && s.errors == 0 {
                "MET"
            } else {
                "MISSED"
            }
        );
    }
    if let (Some((first, low)), Some((last, high))) = (closed.first(), closed.last())
        && closed.len() > 1
    {
        let _ = writeln!(
            md,
            "- throughput at {} at least that at {}: {} ({:.0} vs {:.0} saves/s)",
            last.name,
            first.name,
            if high.rate >= low.rate { "MET" } else { "MISSED" },
            high.rate,
            low.rate
        );
    }
    if let Some(s) = find("start", "start+paper") {
        let ok = n >= 10_000 && s.count == n && s.p99 < 1000.0 && spread <= 60.0;
        let _ = writeln!(
            md,
            "- {n} candidates starting within {spread} s all get their paper with p99 < 1 s: {} (start+paper p99 {:.0} ms, max {:.0} ms, {} of {n} got it)",
            if ok {
                "MET"
            } else if n < 10_000 {
                "not tested at this size"
            } else {
                "MISSED"
            },
            s.p99,
            s.max,
            s.count
        );
    }
    println!("\n{md}");
    if let Some(path) = &args.report {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        std::fs::write(path, &md).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        println!("report written to {}", path.display());
    }
}
