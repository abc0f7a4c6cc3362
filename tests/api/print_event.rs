//! The real `kaowu print event | score-report | analysis` against a server's database: every
//! candidate's own paper (the one regenerated from their stored seed), score reports only once
//! results are released, and the item-analysis report.
//!
//! Text checks use `pdftotext` (poppler-utils); without it they are skipped with a loud message,
//! unless `KAOWU_REQUIRE_ALL_TESTS=1`.

use std::path::Path;

use crate::common::cli::{assert_ok, kaowu, pdfs, pdftotext, squeeze};
use crate::common::{Backend, MIN, TestApp};

#[track_caller]
fn assert_pdf(path: &Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(bytes.starts_with(b"%PDF-"), "{} is not a PDF", path.display());
}

/// The PDF's text without any whitespace (line breaks and justification spaces vary), or
/// `None` when poppler-utils is missing.
fn text(path: &Path) -> Option<String> {
    pdftotext(path).map(|t| squeeze(&t))
}

/// `ticket` sits, answers items 1 and 2 and submits, choosing no open question (so the result
/// is complete without any marking).
async fn sit(app: &TestApp, ticket: &str) {
    app.sat(ticket, &[(1, "1", "A"), (2, "2", "B")]).await;
}

#[tokio::test]
async fn event_papers_score_reports_and_the_analysis_print_from_the_database() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    sit(&app, "DEMO0001").await;
    sit(&app, "DEMO0002").await;
    let db = app.db.url.clone();
    let ev = app.event_id.to_string();
    let tmp = tempfile::tempdir().unwrap();
    // `kaowu print WHAT --database DB --event EV MORE…`
    let print = |what: &str, more: &[&str]| {
        let mut args = vec!["print", what, "--database", &db, "--event", &ev];
        args.extend_from_slice(more);
        kaowu(&args)
    };

    // 1. Every candidate's own booklet.
    let dir = tmp.path().join("booklets");
    let out = print("event", &["--out", dir.to_str().unwrap()]);
    assert_ok(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let candidates = app.store.event_candidates(app.event_id).await.unwrap();
    assert!(
        stdout.contains(&format!("已打印 {} 份试卷", candidates.len())),
        "{stdout}"
    );
    assert!(stdout.contains("MB") && stdout.contains("每秒"), "{stdout}");
    let files = pdfs(&dir);
    assert_eq!(files.len(), candidates.len(), "{files:?}");
    for ticket in candidates.iter().map(|c| &c.ticket) {
        assert_pdf(&dir.join(format!("{ticket}-booklet.pdf")));
    }
    let (p1, p2) = (app.office_paper("DEMO0001").await, app.office_paper("DEMO0002").await);
    assert_ne!(p1.paper_id, p2.paper_id, "per-candidate papers differ");
    if let Some(t1) = text(&dir.join("DEMO0001-booklet.pdf")) {
        let stem: String = squeeze(&p1.objective[0].stem).chars().take(12).collect();
        assert!(t1.contains(&stem), "DEMO0001's booklet lacks its first stem {stem}");
        assert!(t1.contains(&p1.paper_id), "DEMO0001's booklet lacks its paper id");
        let t2 = text(&dir.join("DEMO0002-booklet.pdf")).unwrap();
        assert!(t2.contains(&p2.paper_id) && !t2.contains(&p1.paper_id));
    }

    // One candidate's answer sheet only.
    let one = tmp.path().join("one");
    let out = print(
        "event",
        &[
            "--out",
            one.to_str().unwrap(),
            "--what",
            "answer-sheet",
            "--ticket",
            "DEMO0002",
        ],
    );
    assert_ok(&out);
    assert_eq!(pdfs(&one), vec![one.join("DEMO0002-answer-sheet.pdf")]);
    assert_pdf(&one.join("DEMO0002-answer-sheet.pdf"));
    let out = print("event", &["--out", one.to_str().unwrap(), "--ticket", "NOPE"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("没有准考证号为 NOPE"));

    // 2. Score reports are refused before release …
    let report = tmp.path().join("DEMO0001-成绩单.pdf");
    let out = print(
        "score-report",
        &["--ticket", "DEMO0001", "--out", report.to_str().unwrap()],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("成绩尚未发布"), "{out:?}");
    assert!(!report.exists());

    // … and printed after it (once the late-entry cut-off has passed, the others are absent).
    app.clock.advance_ms(31 * MIN);
    app.staff("office").await.release(app.event_id).await;
    let out = print(
        "score-report",
        &["--ticket", "DEMO0001", "--out", report.to_str().unwrap()],
    );
    assert_ok(&out);
    assert_pdf(&report);
    let results = app.exam.results(app.event_id).await.unwrap();
    let me = results.iter().find(|r| r.ticket == "DEMO0001").unwrap();
    if let Some(t) = text(&report) {
        assert!(t.contains(&me.name), "no name {} in {t}", me.name);
        assert!(
            t.contains(&format!("总分{}分", me.total)),
            "no total {} in {t}",
            me.total
        );
        assert!(
            t.contains("DEMO0001") && t.contains("成绩单") && t.contains("中国质量协会"),
            "{t}"
        );
        assert!(t.contains(kaowu::results::verdict_zh(me)), "{t}");
    }
    let all = tmp.path().join("reports");
    let out = print("score-report", &["--all", "--out", all.to_str().unwrap()]);
    assert_ok(&out);
    assert_eq!(pdfs(&all).len(), candidates.len());
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("已打印 {} 份成绩单", candidates.len())));

    // 3. The item analysis.
    let analysis = tmp.path().join("analysis.pdf");
    let out = print("analysis", &["--out", analysis.to_str().unwrap()]);
    assert_ok(&out);
    assert_pdf(&analysis);
    if let Some(t) = text(&analysis) {
        assert!(t.contains("题目分析"), "{t}");
        assert!(
            t.contains(p1.objective[0].item_id.as_str()),
            "no item {} in report",
            p1.objective[0].item_id
        );
        assert!(t.contains("总分分布") && t.contains("删除后α"), "{t}");
    }
    // KAOWU_KEEP_PRINTS=DIR keeps the PDFs for a look.
    if let Ok(keep) = std::env::var("KAOWU_KEEP_PRINTS") {
        let keep = Path::new(&keep);
        std::fs::create_dir_all(keep).unwrap();
        for f in [
            dir.join("DEMO0001-booklet.pdf"),
            one.join("DEMO0002-answer-sheet.pdf"),
            report,
            analysis,
        ] {
            std::fs::copy(&f, keep.join(f.file_name().unwrap())).unwrap();
        }
    }
    app.finish().await;
}
