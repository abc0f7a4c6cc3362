//! The real `kaowu` binary: running its commands, starting `kaowu serve` as a process, and reading
//! back the PDFs it prints (`pdftotext`/`pdffonts`/`pdfinfo` from poppler-utils; without them the
//! checks that need them are skipped loudly).

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The `kaowu` binary Cargo built for these tests.
pub const KAOWU: &str = env!("CARGO_BIN_EXE_kaowu");

/// The workspace's root folder.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("engine/ is inside the workspace")
        .to_path_buf()
}

/// The demo bank's folder.
pub fn demo_bank() -> PathBuf {
    workspace().join("question-bank/banks/demo")
}

/// A bank fixture of the question-bank crate's tests.
pub fn fixture(name: &str) -> PathBuf {
    workspace().join("question-bank/tests/fixtures").join(name)
}

/// Runs `kaowu ARGS` and returns what it did, whatever it was.
pub fn kaowu<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Command::new(KAOWU).args(args).output().expect("kaowu runs")
}

/// Runs `kaowu ARGS`, which must succeed, and returns its standard output.
#[track_caller]
pub fn kaowu_ok<I, S>(args: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = kaowu(args);
    assert_ok(&out);
    stdout(&out)
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8")
}

#[track_caller]
pub fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "exit status\n--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[track_caller]
pub fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "kaowu failed: {}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Starts `kaowu serve` on a free port with more `options`; returns it (killed when dropped) and
/// its base URL.
pub fn start_server(db: &str, options: &[&str]) -> (KillOnDrop, String) {
    let mut child = Command::new(KAOWU)
        .args(["serve", "--listen", "127.0.0.1:0", "--database", db])
        .args(options)
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
    (KillOnDrop(child), format!("http://{addr}"))
}

/// A process killed when the test ends, even by a failed assertion (a server's inherited stderr
/// would otherwise keep the test's output open).
pub struct KillOnDrop(pub Child);

impl KillOnDrop {
    /// SIGKILL, now, and wait for it to go.
    pub fn kill(&mut self) {
        self.0.kill().expect("SIGKILL the server");
        self.0.wait().expect("wait for the server");
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

// ---- PDFs ------------------------------------------------------------------------------------

/// Whether a poppler-utils tool is here; if not, the part of the test that needs it is skipped
/// loudly (a failure under KAOWU_REQUIRE_ALL_TESTS=1).
pub fn poppler(tool: &str) -> bool {
    let found = Command::new(tool).arg("-v").output().is_ok();
    if !found {
        super::skip(
            "poppler-utils",
            &format!("`{tool}` is not installed (Debian: apt-get install -y poppler-utils)"),
        );
    }
    found
}

/// The PDF's text as `pdftotext` reads it back, or `None` when poppler-utils is missing.
pub fn pdftotext(pdf: &Path) -> Option<String> {
    if !poppler("pdftotext") {
        return None;
    }
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    assert!(
        out.status.success(),
        "pdftotext {} failed: {}",
        pdf.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).expect("pdftotext prints UTF-8"))
}

/// `s` without any whitespace (line breaks and justification spaces vary in a PDF's text).
pub fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The PDFs in a folder, sorted.
pub fn pdfs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read the folder")
        .map(|e| e.expect("folder entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    v.sort();
    v
}
