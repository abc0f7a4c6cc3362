//! What the office runs besides the events, through the API and the CLI: staff accounts (a new
//! one, a forgotten password, nobody sees a hash), graders assigned to the whole open part, a
//! roster from an Excel workbook checked row by row before it is imported, admission tickets as
//! PDF, and the CLI's key correction (previewed, then made), appeal and staff commands.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{
    Backend, PrintJob, TestApp, XCell, assert_unprocessable, bank_zip, each_backend, error_of, staff_login,
    ticket_login, xlsx, zip_names,
};

#[tokio::test]
async fn the_office_creates_staff_resets_a_forgotten_password_and_assigns_graders() {
    each_backend(|b: Backend| async move {
        let app = TestApp::spawn(b).await;
        let office = app.staff("office").await;
        let (status, made) = office
            .post(
                "/api/office/staff",
                json!({ "username": "grader9", "name": "阅卷人王", "role": "grader" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{made}");
        let first = made["password"].as_str().unwrap().to_string();

        // Bad input is refused in Chinese, saying what was wrong.
        for (body, says) in [
            (
                json!({ "username": "grader9", "name": "重名", "role": "grader" }),
                "已存在",
            ),
            (
                json!({ "username": "王 五", "name": "王五", "role": "grader" }),
                "用户名“王 五”无效",
            ),
            (
                json!({ "username": "g10", "name": "王五", "role": "admin" }),
                "角色“admin”无效",
            ),
            (
                json!({ "username": "g11", "name": " ", "role": "grader" }),
                "姓名不能为空",
            ),
        ] {
            let (status, reply) = office.post("/api/office/staff", body).await;
            assert_unprocessable(status, &reply, says);
        }

        // The list: roles in Chinese, no hash and no password over the wire.
        let (status, text) = office.get_text("/api/office/staff").await;
        assert_eq!(status, StatusCode::OK, "{text}");
        assert!(!text.contains("argon2") && !text.contains(&first), "{text}");
        let list: Value = serde_json::from_str(&text).unwrap();
        let g = list
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["username"] == "grader9")
            .expect("listed")
            .clone();
        assert_eq!(
            (&g["role_name"], &g["must_change_password"]),
            (&json!("阅卷人"), &json!(true))
        );

        // A forgotten password: the office issues a new one; the old one and its session end.
        let grader = app.client();
        grader.login(staff_login("grader9", &first)).await;
        assert_eq!(grader.get("/api/me").await.0, StatusCode::OK);
        let (status, reset) = office
            .post("/api/office/staff/grader9/reset-password", Value::Null)
            .await;
        assert_eq!(status, StatusCode::OK, "{reset}");
        let second = reset["password"].as_str().unwrap().to_string();
        assert_ne!(first, second);
        assert_eq!(
            grader.get("/api/me").await.0,
            StatusCode::UNAUTHORIZED,
            "the session ended"
        );
        let (status, _) = app.client().post("/api/login", staff_login("grader9", &first)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "the old password no longer works");
        let again = app.client();
        again.login(staff_login("grader9", &second)).await;
        let (_, me) = again.get("/api/me").await;
        assert_eq!(me["must_change_password"], true, "{me}");
        let audited = app.store.audit_log(0).await.unwrap();
        assert!(
            audited
                .iter()
                .any(|a| a.action == "reset_password" && a.subject == "grader9" && a.actor.starts_with("office#")),
            "{audited:?}"
        );
        for (path, status_wanted, says) in [
            (
                "/api/office/staff/office/reset-password",
                StatusCode::UNPROCESSABLE_ENTITY,
                "不能重置自己的密码",
            ),
            (
                "/api/office/staff/nobody/reset-password",
                StatusCode::NOT_FOUND,
                "nobody",
            ),
        ] {
            let (status, reply) = office.post(path, Value::Null).await;
            assert_eq!(status, status_wanted, "{reply}");
            assert!(error_of(&reply).contains(says), "{reply}");
        }
        let (status, _) = app.staff("proctor").await.get("/api/office/staff").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "only the office");

        // Graders: the whole open part at once; a proctor is not a grader.
        let open_items = app
            .store
            .event_items(app.event_id)
            .await
            .unwrap()
            .iter()
            .filter(|i| i.kind() == question_bank::ItemKind::Open)
            .count();
        let path = format!("/api/office/events/{}/assignments", app.event_id);
        let (status, assigned) = office.post(&path, json!({ "username": "grader9" })).await;
        assert_eq!(status, StatusCode::OK, "{assigned}");
        assert_eq!(assigned["items"], open_items);
        let (status, reply) = office.post(&path, json!({ "username": "proctor" })).await;
        assert_unprocessable(status, &reply, "不是阅卷人员（角色：监考老师）");
        let (_, graders) = office.get(&path).await;
        let graders = graders.as_array().unwrap();
        assert_eq!(graders.len(), 1, "{graders:?}");
        assert_eq!(
            (
                graders[0]["name"].as_str(),
                graders[0]["items"].as_array().unwrap().len()
            ),
            (Some("阅卷人王"), open_items)
        );
        assert_eq!(graders[0]["open_items"], open_items);
        app.finish().await;
    })
    .await;
}

/// The roster header as a workbook's first row.
fn header() -> Vec<XCell<'static>> {
    ["姓名", "姓名拼音", "身份证号", "准考证号", "考场", "座位"]
        .into_iter()
        .map(XCell::T)
        .collect()
}

#[tokio::test]
async fn an_excel_roster_is_checked_row_by_row_then_imported() {
    use XCell::{N, T};
    each_backend(|b: Backend| async move {
        let app = TestApp::spawn(b).await;
        let office = app.staff("office").await;
        let ev = office
            .create_event(json!({ "name": "Excel 名单", "starts_at": "2026-12-06T09:00:00+08:00", "rooms": ["A1", "A2"], "bank": "demo", "seed": 9 }))
            .await
            .id;
        let send = |path: &'static str, body: Vec<u8>| {
            let office = office.clone();
            let url = app.url(&format!("/api/office/events/{ev}/{path}"));
            async move {
                let r = office.http.post(url).body(body).send().await.unwrap();
                let status = r.status();
                (status, r.json::<Value>().await.unwrap())
            }
        };
        // Row 3: a wrong check digit; row 4: an ID number typed as a number, its last digits lost.
        let bad = xlsx(&[
            header(),
            vec![T("张三"), T("Zhang San"), T("11010519491231002X"), T("X001"), T("A1"), N(1.0)],
            vec![T("李四"), T("Li Si"), T("110105194912310021"), T("X002"), T("A1"), N(2.0)],
            vec![T("王五"), T("Wang Wu"), N(110105194912310000.0), T("X003"), T("A2"), N(1.0)],
        ]);
        let (status, reply) = send("roster/check", bad.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{reply}");
        let said = error_of(&reply);
        assert!(said.contains("第 4 行 C 列") && said.contains("超过 15 位"), "{said}");
        let (status, reply) = send("roster", bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{reply}");
        assert_eq!(app.store.roster_size(ev).await.unwrap(), 0, "all or nothing");

        // With the ID column as text, the checksum error is named by its row as Excel shows it.
        let one_bad = xlsx(&[
            header(),
            vec![T("张三"), T("Zhang San"), T("11010519491231002X"), T("X001"), T("A1"), N(1.0)],
            vec![T("李四"), T("Li Si"), T("110105194912310021"), T("X002"), T("A1"), N(2.0)],
        ]);
        let (status, reply) = send("roster/check", one_bad).await;
        assert_unprocessable(status, &reply, "第 3 行 身份证号");

        // A good workbook: numbers read as Excel shows them; the check imports nothing.
        let good = xlsx(&[
            header(),
            vec![T("张三"), T("Zhang San"), T("11010519491231002X"), N(2026001.0), T("A1"), N(1.0)],
            vec![T("李四"), T("Li Si"), T("11010519491231002X"), N(2026002.0), T("A1"), N(2.0)],
            vec![T("王五"), T("Wang Wu"), T("11010519491231002X"), N(2026003.0), T("A2"), N(1.0)],
        ]);
        let (status, preview) = send("roster/check", good.clone()).await;
        assert_eq!(status, StatusCode::OK, "{preview}");
        assert_eq!(preview["candidates"], 3);
        assert_eq!(
            preview["rooms"],
            json!([{ "room": "A1", "candidates": 2 }, { "room": "A2", "candidates": 1 }])
        );
        assert_eq!(
            preview["first"][0],
            json!({ "row": 2, "ticket": "2026001", "name": "张三", "room": "A1", "seat": "1" })
        );
        assert!(!preview.to_string().contains("11010519491231002X"), "no ID numbers in the preview");
        assert_eq!(app.store.roster_size(ev).await.unwrap(), 0, "checking imports nothing");

        let (status, imported) = send("roster", good.clone()).await;
        assert_eq!(status, StatusCode::OK, "{imported}");
        assert_eq!(imported["imported"], 3);
        let password = imported["passwords"][0]["password"].as_str().unwrap();
        let (status, _) = app.client().post("/api/login", ticket_login("2026001", password)).await;
        assert_eq!(status, StatusCode::OK, "the candidate logs in with the issued password");

        // The same workbook again: every ticket is already registered, by its row.
        let (status, reply) = send("roster/check", good).await;
        assert_unprocessable(status, &reply, "第 2 行 准考证号：“2026001”已被登记");
        // A file that only looks like a workbook.
        let (status, reply) = send("roster/check", b"PK\x03\x04 not a workbook".to_vec()).await;
        assert_unprocessable(status, &reply, "Excel 文件无法读取");
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn the_cli_previews_then_makes_a_key_correction_and_runs_staff_and_appeals() {
    use crate::common::cli::{assert_exit, assert_ok, kaowu, stderr, stdout};
    let app = TestApp::spawn(Backend::Sqlite).await;
    let w = app.wrong_first_answer().await;
    let score = || app.objective_score(w.candidate_id);
    let before = score().await;
    let (db, ev) = (app.db.url.clone(), app.event_id.to_string());
    let correct = |extra: &[&str]| {
        let mut args = vec![
            "key-correct",
            "--database",
            &db,
            "--event",
            &ev,
            "--item",
            &w.item_id,
            "--accept",
            &w.key,
            "--accept",
            &w.wrong,
            "--reason",
            "专家组复核",
        ];
        args.extend_from_slice(extra);
        kaowu(args)
    };

    let out = correct(&["--dry-run"]);
    assert_ok(&out);
    let said = stdout(&out);
    assert!(
        said.contains("【预览，未做任何更改】") && said.contains("加分 1 人") && said.contains("DEMO0001"),
        "{said}"
    );
    assert_eq!(score().await, before, "a preview changes nothing");
    let out = correct(&[]);
    assert_ok(&out);
    assert!(stdout(&out).contains("已更正并重新计分"), "{}", stdout(&out));
    assert_eq!(score().await, before + 100);
    let both = correct(&["--void"]);
    assert_exit(&both, 2);

    // An appeal on an answer never written is refused, saying which.
    let out = kaowu([
        "appeal",
        "--database",
        &db,
        "--event",
        &ev,
        "--ticket",
        "DEMO0001",
        "--question",
        "1",
        "--reason",
        "考生申诉",
    ]);
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("DEMO0001") && stderr(&out).contains("申诉未受理"),
        "{}",
        stderr(&out)
    );

    // Staff: the list (also as `kaowu account`), a new password, a proctor is not a grader.
    for group in ["staff", "account"] {
        let out = kaowu([group, "list", "--database", &db]);
        assert_ok(&out);
        assert!(
            stdout(&out).contains("proctor\t") && stdout(&out).contains("监考老师"),
            "{}",
            stdout(&out)
        );
    }
    let out = kaowu(["staff", "reset-password", "--database", &db, "--username", "proctor"]);
    assert_ok(&out);
    let password = stdout(&out).trim().rsplit('：').next().unwrap().to_string();
    let (status, _) = app.client().post("/api/login", staff_login("proctor", &password)).await;
    assert_eq!(status, StatusCode::OK, "the new password works");
    let out = kaowu([
        "staff",
        "assign-grader",
        "--database",
        &db,
        "--event",
        &ev,
        "--username",
        "proctor",
    ]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("不是阅卷人员"), "{}", stderr(&out));

    // A roster workbook checked from the command line, not imported.
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("名单.xlsx");
    std::fs::write(
        &file,
        xlsx(&[
            header(),
            vec![
                XCell::T("赵六"),
                XCell::T("Zhao Liu"),
                XCell::T("11010519491231002X"),
                XCell::T("CLI01"),
                XCell::T("A1"),
                XCell::N(1.0),
            ],
        ]),
    )
    .unwrap();
    let out = kaowu([
        "roster",
        "import",
        "--database",
        &db,
        "--event",
        &ev,
        "--check",
        file.to_str().unwrap(),
    ]);
    assert_ok(&out);
    assert!(
        stdout(&out).contains("可以导入：考生 1 名（A1 1 人）"),
        "{}",
        stdout(&out)
    );
    assert!(app.store.candidate_by_ticket("CLI01").await.unwrap().is_none());
    app.finish().await;
}

#[tokio::test]
async fn admission_tickets_print_a_page_per_candidate_by_room_from_the_console_and_the_cli() {
    use crate::common::cli::{assert_exit, assert_ok, kaowu, pdftotext, squeeze, stderr, stdout};
    let app = TestApp::spawn(Backend::Sqlite).await;
    let office = app.staff("office").await;
    let path = format!("/api/office/events/{}/tickets.pdf", app.event_id);
    let r = office.http.get(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment"),
        "a download"
    );
    let pdf = r.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("准考证.pdf");
    std::fs::write(&file, &pdf).unwrap();
    if let Some(text) = pdftotext(&file) {
        let text = squeeze(&text);
        assert_eq!(text.matches("考生须知").count(), 5, "a page per candidate: {text}");
        for ticket in ["DEMO0001", "DEMO0005"] {
            assert!(text.contains(ticket), "{ticket} in {text}");
        }
        assert!(
            text.contains("09:30后不得入场") || text.contains("后不得入场"),
            "{text}"
        );
    }

    // One room only; a room without candidates is refused in Chinese; only the office prints.
    let (status, reply) = office
        .get(&format!("{path}?room=%E6%97%A0%E6%AD%A4%E8%80%83%E5%9C%BA"))
        .await;
    assert_unprocessable(status, &reply, "考场“无此考场”没有考生");
    let (status, _) = app.staff("proctor").await.get_text(&path).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let out_file = tmp.path().join("cli.pdf");
    let ev = app.event_id.to_string();
    let out = kaowu([
        "print",
        "tickets",
        "--database",
        &app.db.url,
        "--event",
        &ev,
        "--room",
        crate::common::ROOM,
        "--out",
        out_file.to_str().unwrap(),
    ]);
    assert_ok(&out);
    assert!(stdout(&out).contains("5 名考生"), "{}", stdout(&out));
    assert!(std::fs::read(&out_file).unwrap().starts_with(b"%PDF-"));
    let out = kaowu([
        "print",
        "tickets",
        "--database",
        &app.db.url,
        "--event",
        "999",
        "--out",
        out_file.to_str().unwrap(),
    ]);
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("999"), "{}", stderr(&out));
    app.finish().await;
}

#[tokio::test]
async fn the_console_prints_every_candidates_booklet_in_the_background_as_one_zip() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let office = app.staff("office").await;
    let ev = app.event_id;
    let job = office.start_print(ev, json!({ "what": "booklet" })).await;
    assert_eq!((job.total, job.state.as_str()), (5, "running"));
    let job = office.finished_print(&job.job).await;
    assert_eq!((job.state.as_str(), job.done), ("ready", 5), "{job:?}");
    let (content_type, bytes) = office.print_file(&job.job).await;
    assert_eq!(content_type, "application/zip");
    let names = zip_names(&bytes);
    assert_eq!(names.len(), 5);
    assert_eq!(names[0], "DEMO0001-booklet.pdf");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP");
    let mut first = Vec::new();
    std::io::Read::read_to_end(&mut zip.by_name("DEMO0001-booklet.pdf").unwrap(), &mut first).unwrap();
    assert!(first.starts_with(b"%PDF-"));

    // One candidate's answer sheet is one PDF.
    let job = office
        .start_print(ev, json!({ "what": "answer-sheet", "ticket": "DEMO0002" }))
        .await;
    let job = office.finished_print(&job.job).await;
    assert_eq!(job.file_name.as_deref(), Some("DEMO0002-answer-sheet.pdf"), "{job:?}");
    let (content_type, pdf) = office.print_file(&job.job).await;
    assert_eq!(content_type, "application/pdf");
    assert!(pdf.starts_with(b"%PDF-"));

    // What cannot be printed is refused in Chinese, before any job starts.
    for (body, status_wanted, says) in [
        (
            json!({ "what": "score-report" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "成绩尚未发布",
        ),
        (
            json!({ "what": "key", "ticket": "NOBODY" }),
            StatusCode::NOT_FOUND,
            "NOBODY",
        ),
        (json!({ "what": "poster" }), StatusCode::UNPROCESSABLE_ENTITY, ""),
    ] {
        let (status, reply) = office.post(&format!("/api/office/events/{ev}/print"), body).await;
        assert_eq!(status, status_wanted, "{reply}");
        assert!(error_of(&reply).contains(says), "{reply}");
    }
    let (status, reply) = office.get("/api/office/print-jobs/nosuchjob").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{reply}");
    assert!(error_of(&reply).contains("没有打印任务"), "{reply}");
    let (status, _) = app
        .staff("proctor")
        .await
        .post(&format!("/api/office/events/{ev}/print"), json!({ "what": "key" }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "keys are for the office only");
    app.finish().await;
}

#[tokio::test]
async fn a_retired_item_is_never_drawn_again_and_published_events_keep_theirs() {
    each_backend(|b: Backend| async move {
        let app = TestApp::spawn(b).await;
        let office = app.staff("office").await;
        let (status, bank) = office.get("/api/office/bank?bank=demo").await;
        assert_eq!(status, StatusCode::OK, "{bank}");
        assert_eq!(bank["coverage"].as_array().unwrap().len(), 6, "six modules");
        assert!(bank["papers_without_repeats"].as_u64().unwrap() >= 1, "{}", bank["papers_without_repeats"]);
        let active = bank["active"].as_u64().unwrap();
        let single = bank["list"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["kind_name"] == "单选题" && i["status"] == "active")
            .expect("a single-choice item")["id"]
            .as_str()
            .unwrap()
            .to_string();
        let item = |path: &str| format!("/api/office/bank/items/{single}{path}");
        let (status, preview) = office.get(&item("?bank=demo")).await;
        assert_eq!(status, StatusCode::OK, "{preview}");
        assert!(preview["options"].as_array().unwrap().len() >= 4 && preview["key"].as_str().unwrap().len() == 1, "{preview}");

        // Retired with a reason (none: refused); the bank's counts follow.
        let (status, reply) = office
            .post(&item("/status"), json!({ "bank": "demo", "retired": true, "reason": " " }))
            .await;
        assert_unprocessable(status, &reply, "请填写原因");
        let (status, retired) = office
            .post(&item("/status"), json!({ "bank": "demo", "retired": true, "reason": "题干有歧义" }))
            .await;
        assert_eq!(status, StatusCode::OK, "{retired}");
        assert_eq!(retired["status"], "retired");
        assert!(retired["status_note"].as_str().unwrap().contains("题干有歧义"), "{retired}");
        let (_, bank) = office.get("/api/office/bank?bank=demo").await;
        assert_eq!(bank["active"].as_u64().unwrap(), active - 1);

        // A new event never draws it: every candidate's paper goes without it.
        let ev = office
            .create_event(json!({ "name": "停用之后", "starts_at": "2026-12-06T09:00:00+08:00", "rooms": ["R"], "bank": "demo", "seed": 77 }))
            .await
            .id;
        office.import_roster(ev, &crate::common::roster_csv("Z", "R", 4)).await;
        for n in 1..=4 {
            let paper = app.office_paper(&format!("Z{n:03}")).await;
            assert!(
                paper.objective.iter().all(|i| i.item_id.as_str() != single),
                "Z{n:03} drew the retired item"
            );
        }
        // The event published before keeps the item as it froze it.
        let frozen = app.store.event_items(app.event_id).await.unwrap();
        let kept = frozen.iter().find(|i| i.id.as_str() == single).unwrap();
        assert_eq!(kept.status, question_bank::Status::Active);

        // Reinstated; both changes audited; a bank that is not there is refused in Chinese.
        let (_, back) = office
            .post(&item("/status"), json!({ "bank": "demo", "retired": false, "reason": "已修改题干" }))
            .await;
        assert_eq!(back["status"], "active", "{back}");
        let audit = app.store.audit_log(0).await.unwrap();
        for action in ["retire_item", "reinstate_item"] {
            assert!(audit.iter().any(|a| a.action == action && a.subject.contains(&single)), "{audit:?}");
        }
        let (status, reply) = office.get("/api/office/bank?bank=/no/such/bank").await;
        assert_unprocessable(status, &reply, "无法使用");
        app.finish().await;
    })
    .await;
}

/// The office finds a candidate of any event by part of the ticket or name (case-insensitive,
/// `%` and `_` taken literally) or by the whole ID number, on both backends.
#[tokio::test]
async fn a_candidate_is_found_across_events_by_ticket_name_or_id_number() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        let office = app.staff("office").await;
        assert_eq!(found(&office, "demo0003").await, ["DEMO0003"]);
        assert_eq!(found(&office, "DEMO").await.len(), 5);
        let roster = app.store.roster(app.event_id).await.unwrap();
        let fourth = roster.iter().find(|r| r.ticket == "DEMO0004").unwrap();
        assert!(found(&office, &fourth.name).await.contains(&"DEMO0004".to_string()));
        assert!(
            found(&office, &fourth.id_number)
                .await
                .contains(&"DEMO0004".to_string()),
            "the whole ID number (the demo's candidates share one)"
        );
        assert_eq!(
            found(&office, &fourth.id_number[..10]).await,
            Vec::<String>::new(),
            "not a part of it"
        );
        assert_eq!(found(&office, "%").await, Vec::<String>::new());
        assert_eq!(found(&office, "DEMO_").await, Vec::<String>::new());
        let (status, body) = office.get("/api/office/candidates?q=").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let row: Value = office.get_ok("/api/office/candidates?q=DEMO0001").await;
        assert_eq!(row[0]["state_name"], "未开始", "{row}");
        assert_eq!(
            app.staff("proctor").await.get("/api/office/candidates?q=DEMO").await.0,
            StatusCode::FORBIDDEN
        );
        app.finish().await;
    })
    .await;
}

/// The tickets `GET /api/office/candidates?q=` finds.
async fn found(office: &crate::common::Client, q: &str) -> Vec<String> {
    let encoded: String = q
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let (status, body) = office.get(&format!("/api/office/candidates?q={encoded}")).await;
    assert_eq!(status, StatusCode::OK, "{q}: {body}");
    body.as_array()
        .unwrap()
        .iter()
        .map(|c| c["ticket"].as_str().unwrap().to_string())
        .collect()
}

/// A new bank version is uploaded as a ZIP of its folder: every problem listed by file, line,
/// item and field and nothing stored; a good one stored as a version of its own that a new event
/// can use; nothing outside the banks folder is ever written.
#[tokio::test]
async fn a_bank_uploaded_as_a_zip_is_checked_in_full_then_stored_as_a_new_version() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let office = app.staff("office").await;
    let upload = |bytes: Vec<u8>, kind: &'static str| {
        let office = &office;
        async move {
            let (status, text) = office.post_raw("/api/office/bank/upload", kind, bytes).await;
            (status, serde_json::from_str::<Value>(&text).unwrap_or(Value::Null))
        }
    };
    let stored_folders = || walk(app.banks.path());

    // Two items broken in two files, and an entry trying to leave the folder.
    let broken = bank_zip(
        |name, text| match name {
            "items/m1-quality.toml" => text.replacen("key = ", "kee = ", 1),
            "items/m6-tools.toml" => text.replacen("[[item]]", "[[item]\n", 1),
            _ => text,
        },
        &[("新题库/items/../../../逃逸.toml", "x = 1")],
    );
    let (status, body) = upload(broken, "application/zip").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let problems = body["problems"].as_array().unwrap();
    assert!(body["stored"].is_null(), "{body}");
    assert!(
        problems
            .iter()
            .any(|p| p["file"] == "items/../../../逃逸.toml" || p["message"].as_str().unwrap().contains("文件名")),
        "the escaping entry is named: {body}"
    );
    assert!(stored_folders().is_empty(), "nothing stored: {:?}", stored_folders());

    // Without the escaping entry: both broken files are reported, each with its line.
    let broken = bank_zip(
        |name, text| match name {
            "items/m1-quality.toml" => text.replacen("key = ", "kee = ", 1),
            "items/m6-tools.toml" => text.replacen("[[item]]", "[[item]\n", 1),
            _ => text,
        },
        &[],
    );
    let (_, body) = upload(broken, "application/octet-stream").await;
    let problems = body["problems"].as_array().unwrap();
    let files: std::collections::BTreeSet<&str> = problems.iter().map(|p| p["file"].as_str().unwrap()).collect();
    assert!(
        files.contains("items/m1-quality.toml") && files.contains("items/m6-tools.toml"),
        "{body}"
    );
    assert!(
        problems.iter().all(|p| p["line"].as_u64().is_some()),
        "every problem has its line: {body}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p["item"].as_str().is_some_and(|i| i.starts_with("M1-"))),
        "the item is named: {body}"
    );
    assert!(stored_folders().is_empty());

    // Not a ZIP at all; a type a cross-site form could send; a proctor.
    let (_, body) = upload(b"bank.toml".to_vec(), "application/zip").await;
    assert!(
        body["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("不是有效的 ZIP"),
        "{body}"
    );
    let (status, _) = upload(bank_zip(|_, t| t, &[]), "text/plain").await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let proctor = app.staff("proctor").await;
    let (status, _) = proctor
        .post_raw("/api/office/bank/upload", "application/zip", bank_zip(|_, t| t, &[]))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A good bank: stored as a version, the same upload again writes nothing new.
    let (_, body) = upload(bank_zip(|_, t| t, &[]), "application/zip").await;
    assert_eq!(body["problems"], serde_json::json!([]), "{body}");
    let stored = &body["stored"];
    assert_eq!(
        (stored["items"].as_u64(), stored["new"].as_bool()),
        (Some(164), Some(true)),
        "{body}"
    );
    let path = stored["path"].as_str().unwrap().to_string();
    assert!(
        std::path::Path::new(&path).join("bank.toml").exists()
            && path.starts_with(&app.banks.path().display().to_string())
    );
    assert!(!stored_folders().iter().any(|f| f.contains("逃逸")));
    let (_, again) = upload(bank_zip(|_, t| t, &[]), "application/zip").await;
    assert_eq!(
        (again["stored"]["new"].as_bool(), again["stored"]["path"].as_str()),
        (Some(false), Some(path.as_str()))
    );

    // A new event uses the version by its folder; the upload is in the record.
    let created = office
        .create_event(
            json!({ "name": "新版题库考试", "starts_at": "2026-12-13T09:00:00+08:00", "rooms": ["A1"], "bank": path }),
        )
        .await;
    assert!(created.id > 0);
    let record: Value = office.get_ok("/api/office/staff/audit").await;
    assert!(
        record.as_array().unwrap().iter().any(|a| a["action"] == "upload_bank"),
        "{record}"
    );
    app.finish().await;
}

/// A node that stopped while printing leaves its job running with no sign of life: the next node
/// asked about it prints it again (here the same node, restarted), and gives up after three
/// attempts; a file stored in several pieces downloads whole.
#[tokio::test]
async fn a_print_job_whose_node_stopped_is_printed_again_and_its_file_streams_whole() {
    each_backend(|b: Backend| async move {
        let app = TestApp::spawn(b).await;
        let office = app.staff("office").await;
        let ev = app.event_id;
        let two_minutes_ago = kaowu::clock::Clock::System.now_ms() - 120_000;
        let mut db = app.db_connection().await;
        let jobs = [("silent-first", "running", 1_i64), ("silent-last", "running", 3), ("in-pieces", "ready", 1)];
        for (id, state, attempt) in jobs {
            sqlx::query(
                "INSERT INTO print_jobs (id, event_id, what, ticket, actor, total, done, state, attempt, file_name, \
                 content_type, size_bytes, chunks, problems, started_ms, beat_ms) \
                 VALUES ($1, $2, 'key', NULL, 'office#1', 5, 2, $3, $4, 'pieces.zip', 'application/zip', 11, 3, '[]', $5, $5)",
            )
            .bind(id)
            .bind(ev)
            .bind(state)
            .bind(attempt)
            .bind(two_minutes_ago)
            .execute(&mut db)
            .await
            .expect("a job as a stopped node left it");
        }
        for (seq, piece) in [&b"%PDF-"[..], b"abc", b"xyz"].into_iter().enumerate() {
            sqlx::query("INSERT INTO print_job_chunks (job_id, attempt, seq, bytes) VALUES ('in-pieces', 1, $1, $2)")
                .bind(seq as i64)
                .bind(piece.to_vec())
                .execute(&mut db)
                .await
                .expect("a piece");
        }

        // Silent on its first attempt: printed again here, from the start, to the end.
        let job = office.finished_print("silent-first").await;
        assert_eq!((job.state.as_str(), job.done, job.total), ("ready", 5, 5), "{job:?}");
        let (content_type, bytes) = office.print_file("silent-first").await;
        assert_eq!(content_type, "application/zip");
        let names = zip_names(&bytes);
        assert_eq!((names.len(), names[0].as_str()), (5, "DEMO0001-key.pdf"));
        let attempt: i64 = sqlx::query_scalar("SELECT attempt FROM print_jobs WHERE id = 'silent-first'")
            .fetch_one(&mut db)
            .await
            .unwrap();
        assert_eq!(attempt, 2, "taken over once");

        // Silent on its third attempt: given up, said in Chinese; its file is refused.
        let job: PrintJob = office.get_ok("/api/office/print-jobs/silent-last").await;
        assert_eq!(job.state, "failed", "{job:?}");
        assert!(job.problems[0].contains("中断了 3 次"), "{job:?}");
        let (status, reply) = office.get("/api/office/print-jobs/silent-last/file").await;
        assert_eq!(status, StatusCode::CONFLICT, "{reply}");
        assert!(error_of(&reply).contains("打印失败"), "{reply}");

        // A file kept in three pieces comes down as one, with its length.
        let r = office
            .http
            .get(app.url("/api/office/print-jobs/in-pieces/file"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["content-length"], "11");
        assert_eq!(r.bytes().await.unwrap().as_ref(), b"%PDF-abcxyz");
        app.finish().await;
    })
    .await;
}

/// Every file under `dir`, relative paths.
fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path.display().to_string());
        }
    }
    out
}
