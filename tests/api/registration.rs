//! Registration for the exam (issue 18) through the real server: the office opens a sitting in
//! its cities; an applicant registers an account, fills the form, uploads the diploma and the
//! 2-inch photo, is told what is missing and whether they may apply, submits; the office reviews
//! (returns with a reason the applicant sees, then approves) and records the fee; the registration
//! succeeds when all three conditions are met. Every role boundary is tried on the wire.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Backend, Client, TestApp, assert_unprocessable, each_backend, error_of, ticket_login};

/// A 2-inch photo (413 × 579, the studio's 300-dpi file) or any other size, as PNG.
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::RgbImage::from_pixel(width, height, image::Rgb([200, 210, 230]))
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("encode");
    out.into_inner()
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
const PASSWORD: &str = "质量第一 quality 2026";

/// The event of the spring: open for registration in two cities.
async fn spring_sitting(office: &Client) -> i64 {
    let created = office
        .create_event(json!({ "name": "2027 年春季考试", "starts_at": "2027-03-20T09:00:00+08:00", "rooms": ["第一考场"], "bank": "demo", "forms": 1, "seed": 3 }))
        .await;
    let (status, body) = office
        .post(
            &format!("/api/office/events/{}/registration", created.id),
            json!({ "cities": ["北京", " 上海 ", "北京", ""] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["cities"], json!(["北京", "上海"]), "trimmed, once each");
    created.id
}

fn form(event_id: i64, id_number: &str, from: &str) -> Value {
    json!({
        "name": "张三",
        "name_pinyin": "ZHANG San",
        "id_number": id_number,
        "education": "bachelor",
        "work_history": [
            { "employer": "某某制造有限公司", "post": "质量部经理", "from": from, "to": "", "quality_related": true, "management": true }
        ],
        "caq_member": false,
        "caq_member_no": "",
        "event_id": event_id,
        "city": "北京",
        "invoice_title": "张三",
        "code_of_conduct_accepted": true
    })
}

async fn register(app: &TestApp, login: &str) -> Client {
    let c = app.client();
    let (status, body) = c
        .post("/api/apply/register", json!({ "login": login, "password": PASSWORD }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["role"], "applicant");
    c
}

async fn upload(c: &Client, kind: &str, content_type: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let (status, text) = c
        .post_raw(&format!("/api/apply/documents/{kind}"), content_type, bytes)
        .await;
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn condition(view: &Value, i: usize) -> &Value {
    &view["registration"]["conditions"][i]
}

#[tokio::test]
async fn an_applicant_registers_is_reviewed_pays_and_the_registration_succeeds() {
    each_backend(|b: Backend| async move {
        let app = TestApp::spawn(b).await;
        let office = app.staff("office").await;
        let event_id = spring_sitting(&office).await;

        // Anyone sees the sittings open for registration; the demo exam (today) is not one.
        let (status, open) = app.client().get("/api/apply/sittings").await;
        assert_eq!(status, StatusCode::OK, "{open}");
        let open = open.as_array().unwrap().clone();
        assert_eq!(open.len(), 1, "{open:?}");
        assert_eq!(open[0]["event_id"], event_id);
        assert_eq!(open[0]["exam_date_zh"], "2027 年 3 月 20 日");
        assert_eq!(open[0]["cities"], json!(["北京", "上海"]));

        // An account: a mobile number (as people type it) and a password that is not weak.
        let anon = app.client();
        for (body, says) in [
            (json!({ "login": "138 0013 8000", "password": "short" }), "密码太短"),
            (json!({ "login": "12345", "password": PASSWORD }), "11 位"),
            (json!({ "login": "zhang@", "password": PASSWORD }), "既不是手机号也不是有效的电子邮箱"),
        ] {
            let (status, reply) = anon.post("/api/apply/register", body.clone()).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} → {reply}");
            assert!(error_of(&reply).contains(says), "{body} → {reply}");
        }
        let applicant = register(&app, "138 0013 8000").await;
        let (status, reply) = anon
            .post("/api/apply/register", json!({ "login": "13800138000", "password": PASSWORD }))
            .await;
        assert_unprocessable(status, &reply, "“13800138000”已注册");
        // One address may not fill the table with accounts: 20 in 15 minutes, then 429.
        let from = app.client_from([127, 0, 0, 9]);
        for i in 0..20 {
            let (status, reply) = from
                .post("/api/apply/register", json!({ "login": format!("bulk{i}@example.com"), "password": PASSWORD }))
                .await;
            assert_eq!(status, StatusCode::OK, "{i}: {reply}");
        }
        let (status, reply) = from
            .post("/api/apply/register", json!({ "login": "bulk20@example.com", "password": PASSWORD }))
            .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{reply}");
        assert!(error_of(&reply).contains("15 分钟后再试"), "{reply}");
        let (status, reply) = anon
            .post("/api/apply/login", json!({ "login": "13800138000", "password": "wrong password!" }))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{reply}");
        assert_eq!(error_of(&reply), "账号或密码错误");
        let (status, reply) = anon
            .post("/api/apply/login", json!({ "login": "138-0013-8000", "password": PASSWORD }))
            .await;
        assert_eq!(status, StatusCode::OK, "{reply}");

        // A new application: nothing met yet, eligibility not judged without the facts.
        let view: Value = applicant.get_ok("/api/apply/application").await;
        assert_eq!(view["state"], "draft");
        assert_eq!(view["editable"], true);
        assert_eq!(view["registration"]["successful"], false);
        assert_eq!(view["eligibility"]["verdict"], "unknown");
        assert_eq!(view["fee"]["due_zh"], "1600 元");

        // Malformed values are refused with their place; nothing is half-saved.
        let mut bad = form(event_id, "11010519491231002X", "2015-02-30");
        let (status, reply) = applicant.post("/api/apply/application", bad.clone()).await;
        assert_unprocessable(status, &reply, "工作经历第 1 段的开始日期“2015-02-30”不是有效日期");
        bad["work_history"][0]["from"] = json!("2015-03-01");
        bad["city"] = json!("广州");
        let (status, reply) = applicant.post("/api/apply/application", bad.clone()).await;
        assert_unprocessable(status, &reply, "没有考点“广州”：可选 北京、上海");
        let view: Value = applicant.get_ok("/api/apply/application").await;
        assert_eq!(view["form"]["city"], "", "the refused form was not kept");

        // The form complete: eligible on the exam date; the documents still missing.
        let view: Value = applicant
            .post_ok("/api/apply/application", form(event_id, "11010519491231002x", "2015-03-01"))
            .await;
        assert_eq!(view["pinyin_suggestion"], "ZHANG San");
        assert_eq!(view["eligibility"]["verdict"], "eligible", "{view}");
        assert_eq!(view["sitting"]["city"], "北京");
        assert_eq!(view["problems"], json!(["学历证书扫描件：未上传"]), "{view}");
        let (status, reply) = applicant.post("/api/apply/submit", Value::Null).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{reply}");
        let why = error_of(&reply);
        assert!(why.contains("学历证书扫描件：未上传") && why.contains("照片：尚未上传"), "{reply}");

        // Documents are judged by their bytes, never their name or declared type.
        for (kind, content_type, bytes, says) in [
            ("photo", "image/png", png(579, 413), "照片不合格"),
            ("photo", "image/png", png(200, 280), "照片不合格"),
            ("photo", "image/jpeg", PDF.to_vec(), "照片不合格"),
            ("diploma", "application/pdf", b"PK\x03\x04 a zip named .pdf".to_vec(), "PDF、JPEG 或 PNG"),
            ("diploma", "application/pdf", Vec::new(), "空文件"),
            ("passport", "application/pdf", PDF.to_vec(), "材料类型“passport”无效"),
        ] {
            let (status, reply) = upload(&applicant, kind, content_type, bytes).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{kind}: {reply}");
            assert!(error_of(&reply).contains(says), "{kind}: {reply}");
        }
        let (status, reply) = upload(&applicant, "diploma", "text/plain", PDF.to_vec()).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{reply}");
        let (status, reply) = upload(&applicant, "diploma", "application/pdf", vec![b'%'; 6 * 1024 * 1024]).await;
        assert_unprocessable(status, &reply, "过大");
        let photo = png(413, 579);
        let (status, view) = upload(&applicant, "photo", "image/png", photo.clone()).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        assert_eq!(condition(&view, 1)["met"], true, "{view}");
        let (status, view) = upload(&applicant, "diploma", "application/octet-stream", PDF.to_vec()).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        assert_eq!(view["problems"], json!([]), "{view}");
        let got = applicant
            .http
            .get(format!("{}/api/apply/documents/photo", applicant.base))
            .send()
            .await
            .unwrap();
        assert_eq!(got.headers()["content-type"], "image/png");
        assert_eq!(got.bytes().await.unwrap().to_vec(), photo, "the photo as uploaded");

        // Submitted: no longer editable; the office's review is awaited.
        let view: Value = applicant.post_ok("/api/apply/submit", Value::Null).await;
        assert_eq!(view["state"], "submitted");
        assert_eq!(condition(&view, 0)["met"], false);
        assert_eq!(condition(&view, 0)["details_zh"], json!(["已提交，待考务办公室审核"]));
        let (status, reply) = applicant
            .post("/api/apply/application", form(event_id, "11010519491231002X", "2015-03-01"))
            .await;
        assert_unprocessable(status, &reply, "不能再修改");
        let (status, _) = upload(&applicant, "photo", "image/png", png(413, 579)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        // The same person cannot register twice for one sitting through another account.
        let twin = register(&app, "Zhang.San@Example.com").await;
        twin.post_ok::<Value>("/api/apply/application", form(event_id, "11010519491231002X", "2015-03-01"))
            .await;
        upload(&twin, "photo", "image/png", png(413, 579)).await;
        upload(&twin, "diploma", "application/pdf", PDF.to_vec()).await;
        let (status, reply) = twin.post("/api/apply/submit", Value::Null).await;
        assert_unprocessable(status, &reply, "11010519491231002X 已报名本场考试");

        // Role boundaries: the twin reaches only their own application; an applicant is no
        // staff member and no candidate; a candidate is no applicant; nobody unknown gets in.
        let twin_view: Value = twin.get_ok("/api/apply/application").await;
        assert_ne!(twin_view["id"], view["id"]);
        let app_id = view["id"].as_i64().unwrap();
        let photo_id = view["documents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["kind"] == "photo")
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        for path in [
            format!("/api/office/applications/{app_id}"),
            format!("/api/office/applications/{app_id}/documents/{photo_id}"),
            "/api/office/applications".to_string(),
            "/api/me".to_string(),
            "/api/candidate/status".to_string(),
        ] {
            let (status, reply) = twin.get(&path).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {reply}");
        }
        let candidate = app.client();
        candidate.login(ticket_login("DEMO0001", "kaowu2026")).await;
        let (status, reply) = candidate.get("/api/apply/application").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{reply}");
        assert!(error_of(&reply).contains("报名申请人"), "{reply}");
        let (status, _) = app.client().get("/api/apply/application").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = app.client().get("/api/apply/documents/photo").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        // The office's list and review.
        let list: Value = office.get_ok(&format!("/api/office/applications?event={event_id}&state=submitted")).await;
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 1, "{list:?}");
        assert_eq!(list[0]["name"], "张三");
        assert_eq!(list[0]["login"], "13800138000");
        assert_eq!(list[0]["id_number"], "11010519491231002X");
        assert_eq!(list[0]["eligibility"], "eligible");
        assert_eq!(list[0]["fee_settled"], false);
        let opened = office
            .http
            .get(format!("{}/api/office/applications/{app_id}/documents/{photo_id}", office.base))
            .send()
            .await
            .unwrap();
        assert_eq!(opened.status(), StatusCode::OK);
        assert_eq!(opened.bytes().await.unwrap().to_vec(), photo);
        let audit: Value = office.get_ok(&format!("/api/office/events/{event_id}/audit")).await;
        assert!(
            audit.as_array().unwrap().iter().any(|a| a["action"] == "open_document"),
            "the opening is audited: {audit}"
        );

        // The fee: a transfer must match what is due, dated no later than today.
        let path = format!("/api/office/applications/{app_id}/fee");
        for (fee, says) in [
            (json!({ "kind": "transfer", "payer": "张三", "amount": "1500", "paid_on": "2026-12-01", "reference": "B1" }), "汇款金额 1500 元少于应缴的 1600 元"),
            (json!({ "kind": "transfer", "payer": "张三", "amount": "1600", "paid_on": "2026-12-31", "reference": "B1" }), "晚于今天"),
            (json!({ "kind": "transfer", "payer": "", "amount": "1600", "paid_on": "2026-12-01", "reference": "" }), "未填写汇款人；未填写银行流水号"),
            (json!({ "kind": "transfer", "payer": "张三", "amount": "一千六", "paid_on": "2026-12-01", "reference": "B1" }), "金额“一千六”无法识别"),
            (json!({ "kind": "waiver", "reason": " " }), "免缴须写明理由"),
            (json!({ "kind": "cash" }), "缴费方式“cash”无效"),
        ] {
            let (status, reply) = office.post(&path, fee.clone()).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{fee} → {reply}");
            assert!(error_of(&reply).contains(says), "{fee} → {reply}");
        }
        let paid: Value = office
            .post_ok(
                &path,
                json!({ "kind": "transfer", "payer": "张三", "amount": "1,600.00", "paid_on": "2026-12-01", "reference": "CMB20261201-0042" }),
            )
            .await;
        assert_eq!(paid["fee"]["settled"], true, "{paid}");
        assert_eq!(paid["fee"]["record"]["amount_zh"], "1600 元");

        // Returned with a reason (the photo refused): the applicant sees why and may edit again.
        let review = format!("/api/office/applications/{app_id}/review");
        let (status, reply) = office.post(&review, json!({ "decision": "return", "reason": "" })).await;
        assert_unprocessable(status, &reply, "退回须写明原因");
        office
            .post_ok::<Value>(
                &review,
                json!({ "decision": "return", "reason": "照片背景不是纯色，请重新上传", "photo_refused": true }),
            )
            .await;
        let view: Value = applicant.get_ok("/api/apply/application").await;
        assert_eq!(view["state"], "returned");
        assert_eq!(view["editable"], true);
        assert_eq!(view["return_reason"], "照片背景不是纯色，请重新上传");
        assert_eq!(condition(&view, 1)["met"], false);
        assert!(condition(&view, 1)["details_zh"][0].as_str().unwrap().contains("照片背景不是纯色"));
        assert_eq!(condition(&view, 2)["met"], true, "the fee stays recorded");
        let (status, reply) = office.post(&review, json!({ "decision": "approve" })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "only a submitted one: {reply}");
        let (_, view) = upload(&applicant, "photo", "image/png", png(420, 588)).await;
        assert_eq!(condition(&view, 1)["met"], true, "{view}");
        applicant.post_ok::<Value>("/api/apply/submit", Value::Null).await;

        // Approved: all three conditions met, and the applicant is told so.
        let approved: Value = office.post_ok(&review, json!({ "decision": "approve" })).await;
        assert_eq!(approved["state"], "approved");
        let view: Value = applicant.get_ok("/api/apply/application").await;
        assert_eq!(view["registration"]["successful"], true, "{view}");
        assert_eq!(view["registration"]["message_zh"], "报名成功：登记信息齐备、照片合格、缴费已确认");
        assert_eq!(view["editable"], false);

        // What went to the applicant never held a hash or another person's data.
        let (_, text) = applicant.get_text("/api/apply/application").await;
        assert!(!text.contains("argon2") && !text.contains("zhang.san@example.com"), "{text}");
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn eligibility_is_judged_on_the_exam_date_and_said_plainly() {
    each_backend(|b: Backend| async move {
        let app = TestApp::spawn(b).await;
        let office = app.staff("office").await;
        let event_id = spring_sitting(&office).await;
        let applicant = register(&app, "wang.wu@example.com").await;
        // Four years of quality management by the exam date: may sit, certification waits.
        let view: Value = applicant
            .post_ok(
                "/api/apply/application",
                form(event_id, "11010519491231002X", "2023-03-20"),
            )
            .await;
        assert_eq!(view["eligibility"]["verdict"], "deferred", "{view}");
        let message = view["eligibility"]["message_zh"].as_str().unwrap();
        assert!(
            message.contains("可以参加考试，认证暂缓") && message.contains("2028 年 3 月 20 日"),
            "{message}"
        );
        // Below a college diploma: not eligible, and submitting is refused with the reason.
        let mut below = form(event_id, "11010519491231002X", "2010-01-01");
        below["education"] = json!("below_college");
        let view: Value = applicant.post_ok("/api/apply/application", below).await;
        assert_eq!(view["eligibility"]["verdict"], "not_eligible", "{view}");
        upload(&applicant, "photo", "image/png", png(413, 579)).await;
        upload(&applicant, "diploma", "application/pdf", PDF.to_vec()).await;
        let (status, reply) = applicant.post("/api/apply/submit", Value::Null).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{reply}");
        assert!(
            error_of(&reply).contains("学历须为国家承认的大学专科（大专）及以上"),
            "{reply}"
        );
        // A closed sitting cannot be chosen.
        office
            .post_ok::<Value>(
                &format!("/api/office/events/{event_id}/registration"),
                json!({ "cities": [] }),
            )
            .await;
        let (status, reply) = applicant
            .post(
                "/api/apply/application",
                form(event_id, "11010519491231002X", "2010-01-01"),
            )
            .await;
        assert_unprocessable(status, &reply, "不在报名中");
        app.finish().await;
    })
    .await;
}

/// An applicant taken from registration to an approved, paid application for `event_id`.
async fn registered(app: &TestApp, office: &Client, event_id: i64, login: &str, id_number: &str, city: &str) -> Client {
    let applicant = register(app, login).await;
    let mut f = form(event_id, id_number, "2015-03-01");
    f["city"] = json!(city);
    applicant.post_ok::<Value>("/api/apply/application", f).await;
    upload(&applicant, "photo", "image/png", png(413, 579)).await;
    upload(&applicant, "diploma", "application/pdf", PDF.to_vec()).await;
    let view: Value = applicant.post_ok("/api/apply/submit", Value::Null).await;
    let id = view["id"].as_i64().unwrap();
    office
        .post_ok::<Value>(
            &format!("/api/office/applications/{id}/fee"),
            json!({ "kind": "transfer", "payer": "张三", "amount": "1600", "paid_on": "2026-12-01", "reference": format!("R{id}") }),
        )
        .await;
    office
        .post_ok::<Value>(
            &format!("/api/office/applications/{id}/review"),
            json!({ "decision": "approve" }),
        )
        .await;
    applicant
}

#[tokio::test]
async fn successful_registrations_are_seated_by_city_get_their_ticket_in_time_and_see_their_result() {
    each_backend(|b: Backend| async move {
        let app = TestApp::spawn(b).await;
        let office = app.staff("office").await;
        // A sitting two weeks on, in two cities.
        let event_id = office
            .create_event(json!({ "name": "2026 年冬季考试", "starts_at": "2026-12-20T09:00:00+08:00", "rooms": ["北京一考场"], "bank": "demo", "forms": 1, "seed": 5 }))
            .await
            .id;
        office
            .post_ok::<Value>(&format!("/api/office/events/{event_id}/registration"), json!({ "cities": ["北京", "上海"] }))
            .await;
        let places = format!("/api/office/events/{event_id}/room-places");
        for (body, says) in [
            (json!({ "room": "广州一考场", "city": "广州", "seats": 2 }), "不是本场的考试城市"),
            (json!({ "room": "北京一考场", "city": "北京", "seats": 0 }), "座位数应为 1–500"),
            (json!({ "room": " ", "city": "北京", "seats": 2 }), "考场名称不能为空"),
        ] {
            let (status, reply) = office.post(&places, body.clone()).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} → {reply}");
            assert!(error_of(&reply).contains(says), "{body} → {reply}");
        }
        let rooms: Value = office
            .post_ok(&places, json!({ "room": "北京一考场", "city": "北京", "seats": 1 }))
            .await;
        assert_eq!(rooms, json!([{ "room": "北京一考场", "city": "北京", "seats": 1, "taken": 0 }]));

        // Three registrations: two in Beijing (one seat), one in Shanghai (no room yet); and one
        // approved whose fee is not recorded.
        let first = registered(&app, &office, event_id, "13800000001", "11010519491231002X", "北京").await;
        let second = registered(&app, &office, event_id, "13800000002", "110101199003074514", "北京").await;
        let third = registered(&app, &office, event_id, "13800000003", "110101199003077213", "上海").await;
        let view: Value = first.get_ok("/api/apply/application").await;
        assert_eq!(view["ticket"], Value::Null, "no ticket before seating");
        let (status, reply) = first.get("/api/apply/ticket.pdf").await;
        assert_eq!(status, StatusCode::CONFLICT, "{reply}");
        assert!(error_of(&reply).contains("分配考场座位后"), "{reply}");

        let seating: Value = office.post_ok(&format!("/api/office/events/{event_id}/seat-applicants"), Value::Null).await;
        let seated = seating["seated"].as_array().unwrap();
        assert_eq!(seated.len(), 1, "{seating}");
        assert_eq!((&seated[0]["room"], &seated[0]["seat"]), (&json!("北京一考场"), &json!("1")));
        let unseated = seating["unseated"].as_array().unwrap();
        let reason = |login_city: &str| {
            unseated
                .iter()
                .find(|u| u["city"] == login_city)
                .map(|u| u["reason_zh"].as_str().unwrap().to_string())
                .unwrap_or_default()
        };
        assert!(reason("北京").contains("北京的考场座位已满（共 1 个座位）"), "{seating}");
        assert!(reason("上海").contains("上海还没有设置考场"), "{seating}");
        let ticket = seated[0]["ticket"].as_str().unwrap().to_string();
        let password = seating["passwords"][0]["password"].as_str().unwrap().to_string();

        // More seats: the next seating takes the others, never seating anyone twice.
        office
            .post_ok::<Value>(&places, json!({ "room": "北京一考场", "city": "北京", "seats": 2 }))
            .await;
        office
            .post_ok::<Value>(&places, json!({ "room": "上海一考场", "city": "上海", "seats": 30 }))
            .await;
        let (status, reply) = office
            .post(&places, json!({ "room": "北京一考场", "city": "上海", "seats": 2 }))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a room with candidates stays in its city: {reply}");
        let again: Value = office.post_ok(&format!("/api/office/events/{event_id}/seat-applicants"), Value::Null).await;
        assert_eq!(again["seated"].as_array().unwrap().len(), 2, "{again}");
        assert_eq!(again["unseated"], json!([]));
        let roster = app.store.roster(event_id).await.unwrap();
        assert_eq!(roster.len(), 3);
        assert!(roster.iter().any(|c| c.room == "上海一考场" && c.name == "张三" && c.pinyin == "ZHANG San"));
        for c in [&second, &third] {
            let v: Value = c.get_ok("/api/apply/application").await;
            assert!(v["ticket"]["ticket"].as_str().is_some(), "{v}");
        }

        // The office adjusts a seat before the exam: only to a free seat of a room of the event.
        let third_ticket = third.get_ok::<Value>("/api/apply/application").await["ticket"]["ticket"]
            .as_str()
            .unwrap()
            .to_string();
        let seat = format!("/api/office/events/{event_id}/candidates/{third_ticket}/seat");
        for (body, says) in [
            (json!({ "room": "北京一考场", "seat": "1" }), "已有考生"),
            (json!({ "room": "北京一考场", "seat": "3" }), "座位号应为 1–2"),
            (json!({ "room": "广州一考场", "seat": "1" }), "不在本场考试的考场中"),
        ] {
            let (status, reply) = office.post(&seat, body.clone()).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} → {reply}");
            assert!(error_of(&reply).contains(says), "{body} → {reply}");
        }
        office
            .post_ok::<Value>(&seat, json!({ "room": "上海一考场", "seat": "5" }))
            .await;
        let v: Value = third.get_ok("/api/apply/application").await;
        assert_eq!((&v["ticket"]["room"], &v["ticket"]["seat"]), (&json!("上海一考场"), &json!("5")), "{v}");

        // A forgotten password: the office issues a new one; the old one and its sessions end.
        let reset: Value = office
            .post_ok("/api/office/applicants/13800000003/reset-password", Value::Null)
            .await;
        let (status, _) = third.get("/api/apply/application").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = app
            .client()
            .post("/api/apply/login", json!({ "login": "13800000003", "password": PASSWORD }))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        app.client()
            .post_ok::<Value>("/api/apply/login", json!({ "login": "13800000003", "password": reset["password"] }))
            .await;
        let (status, _) = office.post("/api/office/applicants/13900000009/reset-password", Value::Null).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // The ticket: not before the set number of days ahead (ten by default; the office sets
        // seven here, within the guide's five to ten), then with the photo.
        let view: Value = first.get_ok("/api/apply/application").await;
        assert_eq!(view["ticket"]["ticket"], ticket.as_str());
        assert_eq!(view["ticket"]["available_from_zh"], "2026 年 12 月 10 日");
        let (status, reply) = office
            .post("/api/office/registration/settings", json!({ "ticket_lead_days": 11, "document_max_mb": 5 }))
            .await;
        assert_unprocessable(status, &reply, "5～10 日");
        office
            .post_ok::<Value>("/api/office/registration/settings", json!({ "ticket_lead_days": 7, "document_max_mb": 5 }))
            .await;
        let view: Value = first.get_ok("/api/apply/application").await;
        assert_eq!(view["ticket"]["downloadable"], false);
        assert_eq!(view["ticket"]["available_from_zh"], "2026 年 12 月 13 日");
        let (status, reply) = first.get("/api/apply/ticket.pdf").await;
        assert_eq!(status, StatusCode::CONFLICT, "{reply}");
        assert!(error_of(&reply).contains("2026 年 12 月 13 日"), "{reply}");
        app.clock.advance_ms(6 * 86_400_000);
        first
            .post_ok::<Value>("/api/apply/login", json!({ "login": "13800000001", "password": PASSWORD }))
            .await;
        let (status, _) = first.get("/api/apply/ticket.pdf").await;
        assert_eq!(status, StatusCode::CONFLICT, "the day before it opens");
        // A day later: sessions have ended (12 hours); the applicant logs in again.
        app.clock.advance_ms(86_400_000);
        let (status, _) = first.get("/api/apply/application").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        first
            .post_ok::<Value>("/api/apply/login", json!({ "login": "13800000001", "password": PASSWORD }))
            .await;
        let pdf = first
            .http
            .get(format!("{}/api/apply/ticket.pdf", first.base))
            .send()
            .await
            .unwrap();
        assert_eq!(pdf.status(), StatusCode::OK);
        let pdf = pdf.bytes().await.unwrap().to_vec();
        assert!(pdf.starts_with(b"%PDF-"));
        let dir = crate::common::browser::screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(format!("ticket-registered-{b:?}.pdf"));
        std::fs::write(&file, &pdf).unwrap();
        if let Some(text) = crate::common::cli::pdftotext(&file) {
            let text = crate::common::cli::squeeze(&text);
            assert!(text.contains(&ticket) && text.contains("张三") && text.contains("北京一考场"), "{text}");
        }

        // Exam day: the candidate logs in with the ticket and the password issued at seating,
        // hands in an empty paper; the results are released; the applicant sees the result.
        app.clock.advance_ms(7 * 86_400_000);
        let office = app.staff("office").await;
        app.assign_proctor(event_id, "北京一考场").await;
        let proctor = app.staff("proctor").await;
        let (status, reply) = proctor
            .post(&crate::common::room_path(event_id, "北京一考场", "/open"), Value::Null)
            .await;
        assert_eq!(status, StatusCode::OK, "{reply}");
        let candidate = app.client();
        candidate.login(ticket_login(&ticket, &password)).await;
        candidate.start().await;
        candidate.submit().await;
        app.clock.advance_ms(4 * 3_600_000);
        let (status, reply) = office.post(&format!("/api/office/events/{event_id}/release"), Value::Null).await;
        assert_eq!(status, StatusCode::OK, "{reply}");
        first
            .post_ok::<Value>("/api/apply/login", json!({ "login": "13800000001", "password": PASSWORD }))
            .await;
        let view: Value = first.get_ok("/api/apply/application").await;
        assert_eq!(view["result"]["passed"], false, "{view}");
        assert_eq!(view["result"]["verdict_zh"], "不合格");
        assert_eq!(view["result"]["valid_until_zh"], Value::Null);
        assert_eq!(view["may_register_again"], true);

        // Not passed: a later sitting is a retake, at the retake fee, with the form and the
        // documents carried over.
        let again: Value = first.post_ok("/api/apply/again", Value::Null).await;
        assert_ne!(again["id"], view["id"]);
        assert_eq!((&again["state"], &again["retake"]), (&json!("draft"), &json!(true)), "{again}");
        assert_eq!(again["fee"]["due_zh"], "300 元");
        assert_eq!(again["fee"]["label_zh"], "补考费");
        assert_eq!(again["form"]["name"], "张三");
        assert_eq!(again["form"]["event_id"], Value::Null);
        assert_eq!(again["form"]["code_of_conduct_accepted"], false);
        assert_eq!(again["documents"].as_array().unwrap().len(), 2, "{again}");
        assert_eq!(again["ticket"], Value::Null);
        let (status, reply) = first.post("/api/apply/again", Value::Null).await;
        assert_unprocessable(status, &reply, "还没有结束");
        app.finish().await;
    })
    .await;
}

/// A work report of `n` counted characters.
fn report(n: usize) -> String {
    let line = "本人负责公司质量管理体系的建立与持续改进，主导了多项质量改进项目。";
    let mut text = String::new();
    while exam_rules::certification::work_report::count_characters(&text) < n {
        text.push_str(line);
        text.push('\n');
    }
    let mut out = String::new();
    for c in text.chars() {
        if exam_rules::certification::work_report::count_characters(&out) == n {
            break;
        }
        out.push(c);
    }
    out
}

#[tokio::test]
async fn a_pass_is_certified_and_anyone_can_verify_it_without_seeing_an_id_number() {
    each_backend(|b: Backend| async move {
        let app = TestApp::spawn(b).await;
        let office = app.staff("office").await;
        let event_id = office
            .create_event(json!({ "name": "2026 年冬季考试", "starts_at": "2026-12-20T09:00:00+08:00", "rooms": ["北京一考场"], "bank": "demo", "forms": 1, "seed": 5, "pass_mark": 1 }))
            .await
            .id;
        office
            .post_ok::<Value>(&format!("/api/office/events/{event_id}/registration"), json!({ "cities": ["北京"] }))
            .await;
        office
            .post_ok::<Value>(
                &format!("/api/office/events/{event_id}/room-places"),
                json!({ "room": "北京一考场", "city": "北京", "seats": 5 }),
            )
            .await;
        registered(&app, &office, event_id, "13900000001", "11010519491231002X", "北京").await;
        let seating: Value = office.post_ok(&format!("/api/office/events/{event_id}/seat-applicants"), Value::Null).await;
        let ticket = seating["seated"][0]["ticket"].as_str().unwrap().to_string();
        let password = seating["passwords"][0]["password"].as_str().unwrap().to_string();

        // Exam day: one item answered right passes (the pass mark is 1 here); released.
        app.clock.advance_ms(14 * 86_400_000);
        let office = app.staff("office").await;
        app.assign_proctor(event_id, "北京一考场").await;
        let proctor = app.staff("proctor").await;
        proctor
            .post_ok::<Value>(&crate::common::room_path(event_id, "北京一考场", "/open"), Value::Null)
            .await;
        let candidate = app.client();
        candidate.login(ticket_login(&ticket, &password)).await;
        candidate.start().await;
        let paper = app.office_paper(&ticket).await;
        candidate.save(1, "1", &paper.objective[0].key[0].as_char().to_string()).await;
        candidate.submit().await;
        app.clock.advance_ms(4 * 3_600_000);
        office.post_ok::<Value>(&format!("/api/office/events/{event_id}/release"), Value::Null).await;

        // The applicant sees the pass, its validity and the 30-day window; applies with the report.
        let applicant = app.client();
        applicant
            .post_ok::<Value>("/api/apply/login", json!({ "login": "13900000001", "password": PASSWORD }))
            .await;
        let view: Value = applicant.get_ok("/api/apply/application").await;
        assert_eq!(view["result"]["passed"], true, "{view}");
        assert_eq!(view["result"]["valid_until_zh"], "2029 年 12 月 20 日");
        assert_eq!(view["may_register_again"], false);
        assert_eq!(view["certification_window"]["may_apply"], true, "{view}");
        assert_eq!(view["certification_window"]["apply_by_zh"], "2027 年 1 月 19 日");
        for (text, says) in [(report(2999), "还差 1 字"), (report(5001), "多出 1 字")] {
            let (status, reply) = applicant
                .post("/api/apply/certification", json!({ "report": text }))
                .await;
            assert_unprocessable(status, &reply, says);
        }
        let view: Value = applicant
            .post_ok("/api/apply/certification", json!({ "report": report(3200), "other_certificates": "六西格玛黑带" }))
            .await;
        assert_eq!(view["certification"]["state"], "submitted", "{view}");
        assert_eq!(view["certification"]["report_chars"], 3200);
        let (status, reply) = applicant
            .post("/api/apply/certification", json!({ "report": report(3200) }))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "once: {reply}");

        // The office: the post-mark (this period), then the committee's approval.
        let list: Value = office.get_ok("/api/office/certifications?state=submitted").await;
        let id = list[0]["id"].as_i64().unwrap();
        assert_eq!(list[0]["name"], "张三");
        let path = format!("/api/office/certifications/{id}");
        let (status, reply) = office.post(&format!("{path}/decision"), json!({ "decision": "approve" })).await;
        assert_unprocessable(status, &reply, "尚未记录纸质材料的邮寄日期");
        let (status, reply) = office.post(&format!("{path}/decision"), json!({ "decision": "defer" })).await;
        assert_unprocessable(status, &reply, "须写明理由");
        let marked: Value = office
            .post_ok(&format!("{path}/postmark"), json!({ "postmarked_on": "2026-12-20" }))
            .await;
        assert!(marked["timing_zh"].as_str().unwrap().contains("本期受理"), "{marked}");
        assert!(marked["report"].as_str().unwrap().starts_with("本人负责"));
        // Deferred first (the committee wants more evidence): the applicant sees why and applies
        // again within the pass's validity, at no fee.
        office
            .post_ok::<Value>(&format!("{path}/decision"), json!({ "decision": "defer", "reason": "管理岗位经历证明不足" }))
            .await;
        let view: Value = applicant.get_ok("/api/apply/application").await;
        assert_eq!(view["certification"]["state"], "deferred", "{view}");
        assert_eq!(view["certification"]["decision_reason"], "管理岗位经历证明不足");
        assert_eq!(view["certification_window"]["may_apply"], true);
        assert!(view["certification_window"]["note_zh"].as_str().unwrap().contains("无需缴费"));
        applicant
            .post_ok::<Value>("/api/apply/certification", json!({ "report": report(3500) }))
            .await;
        let list: Value = office.get_ok("/api/office/certifications?state=submitted").await;
        let id = list[0]["id"].as_i64().unwrap();
        let path = format!("/api/office/certifications/{id}");
        office
            .post_ok::<Value>(&format!("{path}/postmark"), json!({ "postmarked_on": "2026-12-20" }))
            .await;
        let approved: Value = office.post_ok(&format!("{path}/decision"), json!({ "decision": "approve" })).await;
        let number = approved["certificate"]["number"].as_str().unwrap().to_string();
        assert_eq!(number, "CMQ-2026-000001-4", "the year's first serial, its MOD 11-2 check character");
        assert!(exam_rules::certification::certificate::CertificateNo::parse(&number).is_ok());

        // The holder's certificate: a PDF whose QR code leads to the public page.
        let pdf = applicant
            .http
            .get(format!("{}/api/apply/certificate.pdf", applicant.base))
            .send()
            .await
            .unwrap();
        assert_eq!(pdf.status(), StatusCode::OK);
        let dir = crate::common::browser::screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(format!("certificate-{b:?}.pdf"));
        std::fs::write(&file, pdf.bytes().await.unwrap()).unwrap();
        if let Some(text) = crate::common::cli::pdftotext(&file) {
            let text = crate::common::cli::squeeze(&text);
            assert!(text.contains(&number) && text.contains("张三") && text.contains("中国企业联合会"), "{text}");
            assert!(text.contains(&format!("/verify/{number}")), "{text}");
        }

        // The credential: an Open Badges 3.0 VC-JWT checked by an independent library, with
        // its status lists; no ID number in it.
        let credential = |c: &Client, path: &'static str| {
            let c = c.clone();
            async move {
                let r = c.http.get(format!("{}{path}", c.base)).send().await.unwrap();
                assert_eq!(r.status(), StatusCode::OK, "{path}");
                r.text().await.unwrap()
            }
        };
        let files = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let p = files.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        let vc = write("vc.jwt", &credential(&applicant, "/api/apply/credential.jwt").await);
        let anyone = app.client();
        let jwks = write("jwks.json", &credential(&anyone, "/api/issuer/jwks.json").await);
        let check = |vc: std::path::PathBuf, jwks: std::path::PathBuf, files: std::path::PathBuf, anyone: Client| async move {
            let revocation = files.join(format!("revocation-{}.jwt", rand_suffix()));
            std::fs::write(&revocation, credential(&anyone, "/api/status/revocation").await).unwrap();
            let suspension = files.join(format!("suspension-{}.jwt", rand_suffix()));
            std::fs::write(&suspension, credential(&anyone, "/api/status/suspension").await).unwrap();
            independent_check(&vc, &jwks, &revocation, &suspension)
        };
        if let Some(v) = check(vc.clone(), jwks.clone(), files.path().to_path_buf(), anyone.clone()).await {
            assert_eq!(v["types"], json!(["VerifiableCredential", "OpenBadgeCredential"]), "{v}");
            assert_eq!(v["achievement_type"], "Certification");
            assert_eq!((&v["revoked"], &v["suspended"]), (&json!(false), &json!(false)), "{v}");
            assert_eq!(v["issuer"], "中国质量协会");
        }
        let keys: Value = serde_json::from_str(&std::fs::read_to_string(&jwks).unwrap()).unwrap();
        let payload = credentials::vc_jwt::verify_vc_jwt(std::fs::read_to_string(&vc).unwrap().trim(), &keys["keys"][0])
            .expect("the credential verifies")
            .to_string();
        assert!(!payload.contains("11010519491231002X") && payload.contains("identityHash"), "{payload}");
        assert!(payload.contains(&number) && payload.contains("张三"), "{payload}");
        let (status, _) = anyone.get("/api/apply/credential.jwt").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "the credential is the holder's to share");

        // Anyone verifies it, and never sees the ID number; the directory lists what was agreed.
        let v: Value = anyone.get_ok(&format!("/api/verify/{number}")).await;
        assert_eq!((&v["found"], &v["status"], &v["name"]), (&json!(true), &json!("valid"), &json!("张三")));
        let (_, page) = anyone.get_text(&format!("/verify/{number}")).await;
        assert!(page.contains("证书有效") && page.contains("张三"), "{page}");
        assert!(!page.contains("11010519491231002X"), "no ID number on the public page");
        let (_, bad) = anyone.get_text("/verify/CMQ-2026-000001-7").await;
        assert!(bad.contains("校验"), "a mistyped number is refused as such: {bad}");
        let (_, list) = anyone.get_text("/api/directory").await;
        assert!(list.contains(&number) && !list.contains("11010519491231002X") && !list.contains("某某制造"), "{list}");
        applicant
            .post_ok::<Value>(
                "/api/apply/directory",
                json!({ "listed": true, "employment": "在职", "employer": "某某制造有限公司", "contact": "zhang@example.com" }),
            )
            .await;
        let (_, page) = anyone.get_text("/directory?q=zhang").await;
        assert!(page.contains("某某制造有限公司") && page.contains(&number), "{page}");

        // Suspended, then revoked: the public page says so; a revoked certificate stays revoked.
        let status = format!("/api/office/certificates/{number}/status");
        office
            .post_ok::<Value>(&status, json!({ "status": "suspended", "reason": "核查工作经历" }))
            .await;
        let v: Value = anyone.get_ok(&format!("/api/verify/{number}")).await;
        assert_eq!(v["status"], "suspended");
        if let Some(v) = check(vc.clone(), jwks.clone(), files.path().to_path_buf(), anyone.clone()).await {
            assert_eq!((&v["revoked"], &v["suspended"]), (&json!(false), &json!(true)), "the suspension list: {v}");
        }
        let (_, list) = anyone.get_text("/api/directory").await;
        assert!(!list.contains(&number), "a suspended certificate is not listed");
        office
            .post_ok::<Value>(&status, json!({ "status": "revoked", "reason": "材料不实" }))
            .await;
        let (status_code, reply) = office.post(&status, json!({ "status": "valid", "reason": "误操作" })).await;
        assert_eq!(status_code, StatusCode::UNPROCESSABLE_ENTITY, "{reply}");
        let (_, page) = anyone.get_text(&format!("/verify/{number}")).await;
        assert!(page.contains("证书已撤销"), "{page}");
        if let Some(v) = check(vc.clone(), jwks.clone(), files.path().to_path_buf(), anyone.clone()).await {
            assert_eq!(v["revoked"], true, "the revocation list: {v}");
        }
        let audit: Value = office.get_ok(&format!("/api/office/events/{event_id}/audit")).await;
        assert!(audit.as_array().unwrap().iter().any(|a| a["action"] == "certification_decision"));

        // The office files the employer's evaluation and exports the person's archive.
        let certifications: Value = office.get_ok("/api/office/certifications").await;
        let app_id = certifications[0]["application_id"].as_i64().unwrap();
        let file = |kind: &str| format!("/api/office/applications/{app_id}/paper-documents/{kind}");
        let (status, reply) = office.post_raw(&file("passport"), "application/pdf", PDF.to_vec()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{reply}");
        assert!(reply.contains("employer_evaluation（单位评价）"), "{reply}");
        let (status, reply) = applicant.post_raw(&file("employer_evaluation"), "application/pdf", PDF.to_vec()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{reply}");
        let (status, reply) = office.post_raw(&file("employer_evaluation"), "application/pdf", PDF.to_vec()).await;
        assert_eq!(status, StatusCode::OK, "{reply}");
        let zip = office
            .http
            .get(app.url(&format!("/api/office/applications/{app_id}/archive.zip")))
            .send()
            .await
            .unwrap();
        assert_eq!(zip.status(), StatusCode::OK);
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(zip.bytes().await.unwrap().to_vec())).unwrap();
        let names: Vec<String> = (0..zip.len())
            .map(|i| zip.by_index(i).unwrap().name().unwrap().to_string())
            .collect();
        for wanted in [
            "报名表.json",
            "材料/二寸免冠彩色证件照片.png",
            "材料/学历证书扫描件.pdf",
            "材料/单位评价.pdf",
            "审计记录.json",
        ] {
            assert!(names.iter().any(|n| n == wanted), "{wanted} in {names:?}");
        }
        assert_eq!(names.iter().filter(|n| n.ends_with("工作业绩报告.txt")).count(), 2, "{names:?}");
        let mut trail = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("审计记录.json").unwrap(), &mut trail).unwrap();
        assert!(trail.contains("certification_decision") && trail.contains("record_fee") && trail.contains("file_document"), "{trail}");
        let (status, _) = applicant.get(&format!("/api/office/applications/{app_id}/archive.zip")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        app.finish().await;
    })
    .await;
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// The credential checked by `tests/fixtures/verify_credential.py` (joserfc, the standard
/// library): its claims and status bits, or `None` when Python or joserfc is missing (a loud
/// skip).
fn independent_check(
    vc: &std::path::Path,
    jwks: &std::path::Path,
    revocation: &std::path::Path,
    suspension: &std::path::Path,
) -> Option<Value> {
    let have = std::process::Command::new("python3")
        .args(["-c", "import joserfc"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        crate::common::skip(
            "the credential checked by an independent JOSE library",
            "python3 with joserfc is not installed (pip install joserfc)",
        );
        return None;
    }
    let script = crate::common::cli::workspace().join("tests/fixtures/verify_credential.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .args([vc, jwks, revocation, suspension])
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "the credential did not verify: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("the checker's JSON"))
}
