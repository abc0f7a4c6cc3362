//! A bank in the formats offices already have, through the real binary and the real server
//! (the demo bank's pictures included):
//! `kaowu bank export|import|template`, and the console's import (report first, stored only when
//! accepted), export and template.

use std::path::Path;

use question_bank::Bank;
use reqwest::StatusCode;

use crate::common::cli::{assert_exit, demo_bank, kaowu, stdout};
use crate::common::{Backend, TestApp, assert_unprocessable, error_of};

/// One good single-choice question, one multiple-choice question with one correct option (CMQ
/// refuses it), neither naming a module.
const GIFT: &str = "// 题库片段\n\n::G1::顾客满意是顾客对其要求已被满足的程度的什么？{=感受 ~要求 ~期望 ~投诉}\n\n::G2::只有一个正确选项的多选题{~%100%甲 ~乙 ~丙 ~丁}\n";

fn arg(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

#[test]
fn every_export_format_imports_back_through_the_cli_as_the_same_bank() {
    let demo = Bank::load(&demo_bank()).expect("the demo bank");
    let dir = tempfile::tempdir().unwrap();
    // GIFT cannot carry pictures, and the demo bank has two: refused, naming the items.
    let gift = dir.path().join("demo.gift");
    let out = kaowu([
        "bank",
        "export",
        arg(&demo_bank()),
        "--format",
        "gift",
        "--out",
        arg(&gift),
    ]);
    assert_exit(&out, 1);
    let says = crate::common::cli::stderr(&out);
    assert!(says.contains("GIFT") && says.contains("M6-S-002"), "{says}");
    assert!(!gift.exists());
    for format in ["xlsx", "qti", "moodle"] {
        let file = dir.path().join(format!("demo-export.{format}"));
        let out = kaowu([
            "bank",
            "export",
            arg(&demo_bank()),
            "--format",
            format,
            "--out",
            arg(&file),
        ]);
        assert_exit(&out, 0);
        assert!(stdout(&out).contains("已将题库 demo"), "{}", stdout(&out));

        // Without --yes: the report, and nothing written.
        let target = dir.path().join(format!("bank-{format}"));
        let out = kaowu(["bank", "import", arg(&file), "--out", arg(&target)]);
        assert_exit(&out, 0);
        let text = stdout(&out);
        assert!(
            text.contains(&format!("导入 {} 题", demo.items.len())),
            "{format}: {text}"
        );
        assert!(text.contains("尚未写入任何文件"), "{text}");
        assert!(!target.exists(), "{format}: nothing is written before --yes");

        let out = kaowu([
            "bank",
            "import",
            arg(&file),
            "--out",
            arg(&target),
            "--id",
            "demo",
            "--name",
            &demo.name,
            "--yes",
        ]);
        assert_exit(&out, 0);
        assert!(stdout(&out).contains("已写入题库 demo"), "{}", stdout(&out));
        let out = kaowu(["bank", "check", arg(&target)]);
        assert_exit(&out, 0);
        assert!(
            stdout(&out).contains(&format!("内容哈希：{}", demo.content_hash())),
            "{format}: the same items come back\n{}",
            stdout(&out)
        );
        // Never over a bank that is there.
        let out = kaowu(["bank", "import", arg(&file), "--out", arg(&target), "--yes"]);
        assert_exit(&out, 1);
    }
}

#[test]
fn the_cli_reports_refused_questions_by_line_and_ids_repeated_across_files() {
    let dir = tempfile::tempdir().unwrap();
    let gift = dir.path().join("片段.gift");
    std::fs::write(&gift, GIFT).unwrap();
    let again = dir.path().join("again.gift");
    std::fs::write(&again, GIFT).unwrap();
    let target = dir.path().join("bank");
    let out = kaowu([
        "bank",
        "import",
        arg(&gift),
        arg(&again),
        "--module",
        "2",
        "--out",
        arg(&target),
    ]);
    assert_exit(&out, 1);
    let text = stdout(&out);
    assert!(
        text.contains("第 5 行：题目 G2，“正确答案”：多选题至少要有 2 个正确选项，现为 1 个"),
        "{text}"
    );
    assert!(text.contains("题目 G1：题号与"), "{text}");
    assert!(!target.exists());

    let template = dir.path().join("题库模板.xlsx");
    let out = kaowu(["bank", "template", "--out", arg(&template)]);
    assert_exit(&out, 0);
    let out = kaowu(["bank", "import", arg(&template), "--out", arg(&target)]);
    assert_exit(&out, 0);
    assert!(
        stdout(&out).contains("问题 0 处"),
        "the template's examples import cleanly: {}",
        stdout(&out)
    );

    let out = kaowu([
        "bank",
        "export",
        arg(&demo_bank()),
        "--format",
        "docx",
        "--out",
        arg(&template),
    ]);
    assert_exit(&out, 1);
    assert!(
        crate::common::cli::stderr(&out).contains("不支持导出"),
        "{}",
        crate::common::cli::stderr(&out)
    );
}

#[tokio::test]
async fn the_console_imports_a_bank_file_after_the_office_accepts_the_report() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let office = app.staff("office").await;
    let path = |query: &str| format!("/api/office/bank/import?file_name=%E7%89%87%E6%AE%B5.gift{query}");

    // No module in the file and none chosen: nothing can be imported, and accepting is refused.
    let (status, report) = office.post_raw(&path(""), "application/octet-stream", GIFT).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(
        (report["read"].as_u64(), report["imported"].as_u64()),
        (Some(2), Some(0)),
        "{report}"
    );
    let (status, reply) = office
        .post_raw(&path("&accept=true"), "application/octet-stream", GIFT)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{reply}");
    assert!(reply.contains("没有可导入的题目"), "{reply}");

    // With module 2: the report names the refused question by its line; nothing stored yet.
    let (status, report) = office
        .post_raw(&path("&module=2"), "application/octet-stream", GIFT)
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(
        (report["format"].as_str(), report["imported"].as_u64()),
        (Some("gift"), Some(1))
    );
    let problem = &report["problems"][0];
    assert_eq!(
        (problem["place"].as_str(), problem["item"].as_str()),
        (Some("第 5 行"), Some("G2")),
        "{report}"
    );
    assert!(
        problem["message"].as_str().unwrap().contains("至少要有 2 个正确选项"),
        "{report}"
    );
    assert!(report["stored"].is_null());
    assert_eq!(
        std::fs::read_dir(app.banks.path()).unwrap().count(),
        0,
        "nothing stored before accepting"
    );

    // Accepted: stored as a bank version of its own, which loads as a bank.
    let (status, report) = office
        .post_raw(
            &path("&module=2&bank_id=gift-bank&name=%E5%AF%BC%E5%85%A5&accept=true"),
            "application/octet-stream",
            GIFT,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    let stored = report["stored"]["path"].as_str().expect("stored");
    assert!(stored.starts_with(&app.banks.path().display().to_string()), "{stored}");
    let bank = Bank::load(Path::new(stored)).expect("a bank folder");
    assert_eq!(
        (bank.id.as_str(), bank.name.as_str(), bank.items.len()),
        ("gift-bank", "导入", 1)
    );
    assert_eq!(bank.items[0].module.number(), 2);

    // What cannot be read is refused in Chinese.
    for (query, body, says) in [
        ("?file_name=chart.png", &b"\x89PNG\r\n"[..], "无法识别"),
        ("?file_name=a.gift&module=9", GIFT.as_bytes(), "模块“9”无效"),
        ("?file_name=a.gift&format=pdf", GIFT.as_bytes(), "不支持的格式"),
    ] {
        let (status, reply) = office
            .post_raw(
                &format!("/api/office/bank/import{query}"),
                "application/octet-stream",
                body.to_vec(),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{reply}");
        assert!(reply.contains(says), "{reply}");
    }

    // The bank in use goes out as Excel and comes back whole; the template imports cleanly.
    let demo = Bank::load(&demo_bank()).unwrap();
    let r = office
        .http
        .get(app.url("/api/office/bank/export?bank=demo&format=xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let xlsx = r.bytes().await.unwrap();
    let back = bank_formats::import("demo.xlsx", &xlsx, bank_formats::Format::Xlsx);
    assert_eq!(back.items.len(), demo.items.len(), "{back}");
    let (status, reply) = office.get("/api/office/bank/export?bank=demo&format=docx").await;
    assert_unprocessable(status, &reply, "不支持导出");
    let template = office
        .http
        .get(app.url("/api/office/bank/template.xlsx"))
        .send()
        .await
        .unwrap();
    assert!(
        template.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("%E9%A2%98%E5%BA%93%E6%A8%A1%E6%9D%BF.xlsx")
    );
    let template = bank_formats::import("t.xlsx", &template.bytes().await.unwrap(), bank_formats::Format::Xlsx);
    assert!(template.problems.is_empty() && template.items.len() >= 3, "{template}");

    // The office's only.
    let (status, _) = app
        .staff("proctor")
        .await
        .post_raw(&path("&module=2"), "application/octet-stream", GIFT)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    app.finish().await;
}

/// The demo bank's pictures (a Pareto chart, a histogram, a scatter diagram, a control chart, a
/// fishbone): each reaches exactly the candidates whose paper shows it, as the file's bytes, and
/// the booklet prints it.
#[tokio::test]
async fn an_items_picture_reaches_the_candidates_whose_paper_shows_it_and_is_printed_in_the_booklet() {
    crate::common::each_backend(|b: Backend| async move {
        use sha2::Digest;
        let app = TestApp::spawn(b).await;
        app.staff("proctor")
            .await
            .open_room(app.event_id, crate::common::ROOM)
            .await;
        let files: Vec<(String, Vec<u8>)> = std::fs::read_dir(demo_bank().join("images"))
            .unwrap()
            .map(|e| {
                let bytes = std::fs::read(e.unwrap().path()).unwrap();
                (hex::encode(sha2::Sha256::digest(&bytes)), bytes)
            })
            .collect();
        let (mut shown, mut not_shown) = (Vec::new(), Vec::new());
        for n in 1..=5 {
            let ticket = format!("DEMO000{n}");
            let c = app.candidate(&ticket).await;
            c.start().await;
            let (status, paper) = c.get("/api/candidate/paper").await;
            assert_eq!(status, StatusCode::OK, "{paper}");
            let urls: Vec<String> = paper["objective"]
                .as_array()
                .unwrap()
                .iter()
                .chain(paper["open"].as_array().unwrap())
                .flat_map(|i| {
                    i["images"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|u| u.as_str().unwrap().to_string())
                })
                .collect();
            for (sha, bytes) in &files {
                let url = format!("/api/candidate/images/{sha}");
                let r = c.http.get(app.url(&url)).send().await.unwrap();
                if urls.contains(&url) {
                    assert_eq!(r.status(), StatusCode::OK, "{ticket}: {url}");
                    assert_eq!(r.headers()["content-type"], "image/png");
                    assert_eq!(
                        &r.bytes().await.unwrap()[..],
                        &bytes[..],
                        "{ticket}: the picture's own bytes"
                    );
                    shown.push(ticket.clone());
                } else {
                    assert_eq!(
                        r.status(),
                        StatusCode::NOT_FOUND,
                        "{ticket}: not on this paper, not served"
                    );
                    not_shown.push(ticket.clone());
                }
            }
            let (status, reply) = c.get(&format!("/api/candidate/images/{}", "0".repeat(64))).await;
            assert_eq!(status, StatusCode::NOT_FOUND);
            assert!(error_of(&reply).contains("找不到该图片"), "{reply}");
        }
        assert!(!shown.is_empty(), "some demo paper shows a picture");
        assert!(!not_shown.is_empty(), "some demo paper lacks one, and is refused it");
        let (status, _) = app.client().get(&format!("/api/candidate/images/{}", files[0].0)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "not logged in");

        // A grader fetches the pictures of the event's questions as they mark.
        app.graders(&[("g1", "grader")]).await;
        let grader = app.staff("g1").await;
        let r = grader
            .http
            .get(app.url(&format!("/api/marking/images/{}", files[0].0)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(&r.bytes().await.unwrap()[..], &files[0].1[..]);
        let (status, _) = grader.get(&format!("/api/marking/images/{}", "0".repeat(64))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // The booklet of a candidate whose paper shows a picture embeds it.
        let office = app.staff("office").await;
        let job = office
            .start_print(
                app.event_id,
                serde_json::json!({ "what": "booklet", "ticket": shown[0] }),
            )
            .await;
        let job = office.finished_print(&job.job).await;
        assert_eq!(job.state, "ready", "{job:?}");
        let (_, pdf) = office.print_file(&job.job).await;
        let text = String::from_utf8_lossy(&pdf);
        assert!(
            text.contains("/Subtype /Image") || text.contains("/Subtype/Image"),
            "an image in the booklet"
        );
        app.finish().await;
    })
    .await;
}
