//! The exam page's pure JavaScript modules — the offline save queue, the countdown, the paper's
//! views (`assets/static/exam/`) — under Node's own test runner, as `node --test
//! assets/static/test/` runs them by hand. Skipped loudly where Node.js is not installed
//! (Debian: `apt-get install -y nodejs`).

use std::path::{Path, PathBuf};
use std::process::Command;

#[test]
fn the_exam_pages_pure_modules_pass_their_node_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = root.join("assets/static/test");
    // The files by name rather than the folder: Node 18 and 20 search a folder given to
    // `--test`, later versions take only files and patterns.
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a test file").path())
        .filter(|path| path.to_string_lossy().ends_with(".test.mjs"))
        .map(|path| path.strip_prefix(&root).expect("below the root").to_path_buf())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no *.test.mjs in {}", dir.display());

    let output = match Command::new("node")
        .arg("--test")
        .args(&files)
        .current_dir(&root)
        .output()
    {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            crate::common::skip("node", "Node.js is not installed");
            return;
        }
        Err(e) => panic!("cannot run node: {e}"),
    };
    assert!(
        output.status.success(),
        "node --test {} failed ({}):\n{}\n{}",
        files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(" "),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}
