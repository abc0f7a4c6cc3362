//! From registration to a verified certificate in a real browser: the office opens a sitting in
//! two cities from its console; an applicant registers on /apply, fills the form (the pinyin
//! suggested from the name), uploads the 2-inch photo and the diploma, is told what is still
//! missing, submits; the office opens the application, records the bank transfer, approves and
//! seats them; the applicant downloads the ticket ten days before, sits (through the API), passes,
//! applies for certification with the work report; the office records the post-mark and the
//! committee's approval; the certificate's printed address opens the public page, which says it
//! is valid (no ID number), and the credential verifies with the published key.

use serde_json::json;

use crate::common::browser::{Driver, browser_test};
use crate::common::{self, TestApp};

#[test]
fn from_registration_in_the_browser_to_a_verified_certificate_and_credential() {
    browser_test(|driver: Driver| async move {
        let app = TestApp::spawn(common::Backend::Sqlite).await;
        let office_api = app.staff("office").await;
        let spring = office_api
            .create_event(json!({ "name": "2027 年春季考试", "starts_at": "2027-03-20T09:00:00+08:00", "rooms": ["第一考场"], "bank": "demo", "forms": 1, "seed": 3, "pass_mark": 1 }))
            .await
            .id;
        let files = tempfile::tempdir().unwrap();
        let photo = files.path().join("照片.png");
        image::RgbImage::from_pixel(413, 579, image::Rgb([200, 210, 230]))
            .save(&photo)
            .unwrap();
        let landscape = files.path().join("横幅.png");
        image::RgbImage::from_pixel(579, 413, image::Rgb([200, 210, 230]))
            .save(&landscape)
            .unwrap();
        let diploma = files.path().join("学历证书.pdf");
        std::fs::write(&diploma, b"%PDF-1.4\n%%EOF\n").unwrap();

        // The office opens the spring sitting for registration in two cities.
        let office = driver.browser().await;
        office.staff_login_at(&app, "office", "/office").await;
        office.visible("#reg-event").await;
        office
            .js(&format!(
                "const s = document.getElementById('reg-event'); s.value = '{spring}'; return s.value;"
            ))
            .await;
        office.fill("#reg-cities", "北京、上海").await;
        office.click("#reg-open").await;
        office
            .wait_text("#reg-open-now", "2027 年春季考试（2027 年 3 月 20 日，北京、上海）")
            .await;

        // The applicant registers and fills the form.
        let page = driver.browser().await;
        page.goto(&app.url("/")).await;
        page.click("#go-apply").await;
        page.visible("#register-form").await;
        page.shot("apply-01-register").await;
        page.fill("#register-login", "13800138000").await;
        page.fill("#register-password", "质量第一 quality 2026").await;
        page.fill("#register-again", "质量第一 quality 2026").await;
        page.click("#register-submit").await;
        page.wait_text("#state-badge", "未提交").await;
        page.fill("#f-name", "张三").await;
        page.click("#save-btn").await;
        page.wait_text("#pinyin-use", "ZHANG San").await;
        page.click("#pinyin-use").await;
        assert_eq!(page.prop("#f-pinyin", "value").await.as_deref(), Some("ZHANG San"));
        page.fill("#f-id", "11010519491231002X").await;
        page.js("document.getElementById('f-education').value = 'bachelor'; return 1;")
            .await;
        page.fill("#periods tr:first-child .p-employer", "某某制造有限公司")
            .await;
        page.fill("#periods tr:first-child .p-post", "质量部经理").await;
        page.js("const r = document.querySelector('#periods tr'); r.querySelector('.p-from').value = '2015-03-01'; r.querySelector('.p-quality').checked = true; r.querySelector('.p-management').checked = true; return 1;")
            .await;
        page.js(&format!("const s = document.getElementById('f-sitting'); s.value = '{spring}'; s.dispatchEvent(new Event('change')); return 1;"))
            .await;
        page.js("document.getElementById('f-city').value = '上海'; return 1;")
            .await;
        page.fill("#f-invoice", "张三").await;
        page.click("#f-conduct").await;
        page.click("#save-btn").await;
        page.wait_text("#toast", "已保存").await;
        let problem = page.text("#form-error").await;
        assert_eq!(problem, "", "the form is saved");
        let eligibility = page.wait_text("#eligibility", "符合申请条件").await;
        assert!(eligibility.contains("满 5 年"), "{eligibility}");
        let missing = page.wait_text("#conditions", "学历证书扫描件：未上传").await;
        assert!(missing.contains("尚未上传二寸免冠彩色证件照片"), "{missing}");

        // A landscape photo is refused, saying why; the right one and the diploma are taken.
        page.upload("#photo-file", &landscape).await;
        let refused = page.wait_text("#docs-error", "照片不合格").await;
        assert!(refused.contains("不是竖版"), "{refused}");
        page.upload("#photo-file", &photo).await;
        page.wait_text("#photo-state", "已上传").await;
        page.upload("#diploma-file", &diploma).await;
        page.wait_text("#diploma-state", "已上传").await;
        page.visible("#photo-preview").await;
        page.click("#submit-btn").await;
        page.wait_text("#state-badge", "已提交，待审核").await;
        page.wait_text("#conditions", "已提交，待考务办公室审核").await;
        assert_eq!(page.prop("#f-name", "disabled").await.as_deref(), Some("true"));
        page.shot("apply-02-submitted").await;

        // The office reviews: the form, the photo, the fee recorded, approved.
        office.goto(&app.url("/office")).await;
        office.wait_text("#reg-rows", "张三").await;
        office.click("#reg-rows tr:first-child button").await;
        office.wait_text("#rd-form", "11010519491231002X").await;
        office.visible("#rd-photo").await;
        office.fill("#rd-payer", "张三").await;
        office
            .js("document.getElementById('rd-paid-on').value = '2026-12-01'; return 1;")
            .await;
        office.fill("#rd-reference", "CMB20261201-0042").await;
        office.click("#rd-fee-save").await;
        office.wait_text("#rd-fee", "缴费已确认").await;
        office.click("#rd-approve").await;
        office.wait_text("#rd-state", "审核通过").await;
        office.shot("apply-03-office-approved").await;

        // A room in Shanghai with its seats; seating makes the applicant a candidate.
        office.fill("#reg-room", "上海一考场").await;
        office.fill("#reg-room-city", "上海").await;
        office.fill("#reg-room-seats", "30").await;
        office.click("#reg-room-save").await;
        office
            .wait_text("#reg-rooms", "上海一考场（上海）：30 个座位，已安排 0 人")
            .await;
        office.click("#reg-seat").await;
        office.wait_text("#reg-seated", "已安排 1 人").await;
        office.wait_text("#reg-rooms", "已安排 1 人").await;
        office.visible("#reg-slips").await;
        office.shot("apply-04-office-seated").await;

        // The applicant sees the registration succeed.
        page.goto(&app.url("/apply")).await;
        page.wait_text("#registration-message", "报名成功").await;
        let conditions = page.text("#conditions").await;
        assert!(
            conditions.contains("缴费已确认") && conditions.contains("照片合格"),
            "{conditions}"
        );
        let ticket = page.wait_text("#ticket-line", "上海 上海一考场 1 号座位").await;
        assert!(ticket.contains("准考证号 B"), "{ticket}");
        page.wait_text("#ticket-when", "2027 年 3 月 10 日 起可在此下载").await;
        assert!(!page.find("#ticket-pdf").await.is_displayed().await.unwrap());
        page.shot("apply-05-successful").await;
        let ticket_no = office.text("#reg-password-rows tr:first-child td:first-child").await;
        let password = office.text("#reg-password-rows tr:first-child td:last-child").await;
        assert!(ticket.contains(&ticket_no), "{ticket} / {ticket_no}");

        // Ten days before the exam the ticket can be downloaded (sessions have ended: log in).
        app.clock.advance_ms(94 * 86_400_000);
        page.goto(&app.url("/apply")).await;
        page.fill("#login-login", "13800138000").await;
        page.fill("#login-password", "质量第一 quality 2026").await;
        page.click("#login-submit").await;
        page.visible("#ticket-pdf").await;
        let href = page.attr("#ticket-pdf", "href").await.unwrap_or_default();
        let applicant = app.client();
        applicant
            .post_ok::<serde_json::Value>(
                "/api/apply/login",
                json!({ "login": "13800138000", "password": "质量第一 quality 2026" }),
            )
            .await;
        let pdf = applicant.http.get(app.url(&href)).send().await.unwrap();
        assert_eq!(pdf.status(), 200);
        assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));

        // Exam day: the candidate sits with the ticket and the exam-day password (through the
        // API), answers one item right (the pass mark is 1 here) and hands in; released.
        app.clock.advance_ms(10 * 86_400_000 - 15 * 60_000);
        let office_api = app.staff("office").await;
        app.assign_proctor(spring, "上海一考场").await;
        app.staff("proctor")
            .await
            .post_ok::<serde_json::Value>(
                &common::room_path(spring, "上海一考场", "/open"),
                serde_json::Value::Null,
            )
            .await;
        app.clock.advance_ms(15 * 60_000);
        let candidate = app.client();
        candidate.login(common::ticket_login(&ticket_no, &password)).await;
        candidate.start().await;
        let paper = app.office_paper(&ticket_no).await;
        candidate
            .save(1, "1", &paper.objective[0].key[0].as_char().to_string())
            .await;
        candidate.submit().await;
        app.clock.advance_ms(4 * 3_600_000);
        office_api
            .post_ok::<serde_json::Value>(&format!("/api/office/events/{spring}/release"), serde_json::Value::Null)
            .await;

        // The applicant sees the pass and applies for certification with the work report.
        page.goto(&app.url("/apply")).await;
        page.fill("#login-login", "13800138000").await;
        page.fill("#login-password", "质量第一 quality 2026").await;
        page.click("#login-submit").await;
        page.wait_text("#result-verdict", "合格").await;
        page.wait_text("#result-valid", "成绩有效期至 2030 年 3 月 20 日").await;
        let report = "本人负责公司质量管理体系的建立与持续改进，主导了多项质量改进项目。".repeat(100);
        page.js(&format!(
            "const t = document.getElementById('cert-report'); t.value = '{report}'; t.dispatchEvent(new Event('input')); return 1;"
        ))
        .await;
        page.wait_text("#cert-count", "3300").await;
        page.click("#cert-submit").await;
        page.wait_text("#cert-state", "已提交，待认证审核").await;
        page.shot("apply-06-certification-submitted").await;

        // The office records the post-mark and the committee's approval.
        office.goto(&app.url("/staff-login")).await;
        office.staff_login_at(&app, "office", "/office").await;
        office.wait_text("#cr-rows", "张三").await;
        office.click("#cr-rows tr:first-child button").await;
        office.wait_text("#cd-eligibility", "符合申请条件").await;
        office
            .js("document.getElementById('cd-postmarked-on').value = '2027-03-20'; return 1;")
            .await;
        office.click("#cd-postmark").await;
        office.wait_text("#cd-timing", "本期受理").await;
        office.click("#cd-approve").await;
        let number = office.wait_text("#cd-number", "CMQ-2027-").await;
        office.shot("apply-07-office-certified").await;

        // The certificate: its printed QR address leads to the public page, which says valid.
        page.goto(&app.url("/apply")).await;
        page.wait_text("#cert-number", &number).await;
        page.shot("apply-08-certificate").await;
        let pdf = applicant.http.get(app.url("/api/apply/certificate.pdf")).send().await;
        let pdf = match pdf {
            Ok(r) if r.status() == 200 => r.bytes().await.unwrap().to_vec(),
            _ => {
                applicant
                    .post_ok::<serde_json::Value>(
                        "/api/apply/login",
                        json!({ "login": "13800138000", "password": "质量第一 quality 2026" }),
                    )
                    .await;
                applicant
                    .http
                    .get(app.url("/api/apply/certificate.pdf"))
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap()
                    .to_vec()
            }
        };
        let file = files.path().join("证书.pdf");
        std::fs::write(&file, &pdf).unwrap();
        let verify_url = match common::cli::pdftotext(&file) {
            Some(text) => {
                let text = common::cli::squeeze(&text);
                let start = text.find("http://").expect("the verification address is printed");
                let url: String = text[start..]
                    .chars()
                    .take_while(|c| !c.is_whitespace() && *c != '查')
                    .collect();
                assert!(url.ends_with(&format!("/verify/{number}")), "{url}");
                url
            }
            None => app.url(&format!("/verify/{number}")),
        };
        // The credential behind the page's link verifies with the body's published key.
        let href = page.attr("#cert-credential", "href").await.unwrap_or_default();
        let jwt = applicant
            .http
            .get(app.url(&href))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let keys: serde_json::Value = app.client().get_ok("/api/issuer/jwks.json").await;
        let vc = credentials::vc_jwt::verify_vc_jwt(&jwt, &keys["keys"][0]).expect("the credential verifies");
        assert_eq!(
            vc["credentialSubject"]["achievement"]["achievementType"],
            "Certification"
        );
        let public = driver.browser().await;
        public.goto(&verify_url).await;
        public.wait_text("#verify-status", "证书有效").await;
        assert_eq!(public.text("#verify-name").await, "张三");
        let shown = public.text("main").await;
        assert!(
            !shown.contains("11010519491231002X"),
            "no ID number on the public page: {shown}"
        );
        public.shot("apply-09-verify").await;
        public.goto(&app.url("/directory")).await;
        public.wait_text("#directory-table", &number).await;
        public.close().await;
        for p in [&page, &office] {
            assert_eq!(p.page_errors().await, Vec::<String>::new());
        }
        page.close().await;
        office.close().await;
        app.finish().await;
    });
}
