//! The grader's marking page in a real browser (headless Chromium through chromedriver, as in
//! tests/browser.rs): a grader logs in through the staff login, lands on /marking, marks a blind
//! answer with a comment, sees the next one load, and an out-of-range mark shows the API's
//! message. Without /usr/bin/chromium and /usr/bin/chromedriver the test prints a loud SKIP.

use crate::common;

use std::net::{TcpListener as StdListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Client as ApiClient, TestApp};
use fantoccini::elements::Element;
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use kaowu::auth::{Strength, hash_password};
use question_bank::Points;
use reqwest::StatusCode;
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const PASSWORD: &str = common::DEMO_PASSWORD;
const PATIENCE: Duration = Duration::from_secs(15);

/// A chromedriver process, killed when dropped (also when the test fails).
struct Driver {
    child: Child,
    url: String,
    _profile: tempfile::TempDir,
}

impl Driver {
    fn start() -> Driver {
        let port = StdListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _profile: tempfile::tempdir().expect("profile dir"),
        }
    }

    async fn browser(&self) -> Browser {
        let caps: Capabilities = serde_json::from_value(json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--no-default-browser-check",
                    "--disable-features=Translate,MediaRouter,OptimizationHints",
                    "--lang=zh-CN", "--window-size=1280,800", "--hide-scrollbars",
                    format!("--user-data-dir={}", self._profile.path().display()),
                ],
            },
            "goog:loggingPrefs": { "browser": "ALL" },
        }))
        .expect("capabilities");
        let wd = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("browser session");
        let browser = Browser {
            wd,
            driver: self.url.clone(),
        };
        browser
            .cdp(
                "Emulation.setDeviceMetricsOverride",
                json!({ "width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": false }),
            )
            .await;
        browser
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Browser {
    wd: Client,
    driver: String,
}

impl Browser {
    async fn goto(&self, url: &str) {
        self.wd.goto(url).await.unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    async fn visible(&self, css: &str) -> Element {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(e) = self.wd.find(Locator::Css(css)).await
                && e.is_displayed().await.unwrap_or(false)
            {
                return e;
            }
            if Instant::now() > deadline {
                self.shot("failed-wait").await;
                panic!("{css} did not appear");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn click(&self, css: &str) {
        self.visible(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    async fn fill(&self, css: &str, text: &str) {
        let e = self.visible(css).await;
        e.clear().await.expect("clear");
        e.send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    async fn text(&self, css: &str) -> String {
        self.wd
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
            .text()
            .await
            .expect("text")
    }

    async fn js(&self, script: &str) -> Value {
        self.wd
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    async fn wait_text(&self, css: &str, wanted: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        let mut last = String::new();
        loop {
            if let Ok(e) = self.wd.find(Locator::Css(css)).await
                && let Ok(t) = e.text().await
            {
                if t.contains(wanted) {
                    return t;
                }
                last = t;
            }
            if Instant::now() > deadline {
                self.shot("failed-wait").await;
                panic!("{css} never said “{wanted}” (last: “{last}”)");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn wait_js(&self, what: &str, script: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if self.js(script).await == Value::Bool(true) {
                return;
            }
            if Instant::now() > deadline {
                self.shot("failed-wait").await;
                panic!("gave up waiting for {what}: {script}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn shot(&self, name: &str) {
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        match self.wd.screenshot().await {
            Ok(png) => std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot"),
            Err(e) => eprintln!("screenshot {name} failed: {e}"),
        }
    }

    async fn cdp(&self, cmd: &str, params: Value) -> Value {
        let session = self.wd.session_id().await.expect("session id").expect("a session");
        let r = reqwest::Client::new()
            .post(format!("{}/session/{session}/goog/cdp/execute", self.driver))
            .json(&json!({ "cmd": cmd, "params": params }))
            .send()
            .await
            .unwrap_or_else(|e| panic!("CDP {cmd}: {e}"));
        assert!(r.status().is_success(), "CDP {cmd}: {}", r.status());
        r.json().await.expect("CDP answer")
    }

    /// Script errors and policy violations the page logged (failed requests left out: a 422 is
    /// expected here).
    async fn page_errors(&self) -> Vec<String> {
        let session = self.wd.session_id().await.expect("session id").expect("a session");
        let r = reqwest::Client::new()
            .post(format!("{}/session/{session}/se/log", self.driver))
            .json(&json!({ "type": "browser" }))
            .send()
            .await
            .expect("browser log");
        let body: Value = r.json().await.expect("browser log answer");
        body["value"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e["level"] == "SEVERE" && e["source"] != "network")
            .filter_map(|e| e["message"].as_str().map(str::to_string))
            .collect()
    }

    async fn close(self) {
        let errors = self.page_errors().await;
        let _ = self.wd.close().await;
        assert!(errors.is_empty(), "the page logged errors: {errors:#?}");
    }
}

fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("screenshots")
}

/// Creates a grader account (password kaowu2026) assigned to every open question.
async fn grader(app: &TestApp, user: &str) {
    let hash = hash_password(common::DEMO_PASSWORD, Strength::IssuedToCandidate);
    let office = app.staff("office").await;
    app.store
        .create_account(user, &format!("阅卷人{user}"), "grader", &hash, common::START_MS)
        .await
        .unwrap();
    let open_items: Vec<String> = app
        .store
        .event_items(app.event_id)
        .await
        .unwrap()
        .into_iter()
        .filter(|i| i.kind() == question_bank::ItemKind::Open)
        .map(|i| i.id.to_string())
        .collect();
    for item in &open_items {
        let (status, body) = office
            .post(
                &format!("/api/office/events/{}/assignments", app.event_id),
                json!({ "username": user, "item_id": item }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

/// Candidate `ticket` sits and submits with open questions 1, 2 and 3 answered (the first one on
/// two lines, to see line breaks kept).
async fn sit(app: &TestApp, ticket: &str) -> ApiClient {
    let (c, _) = app.started_candidate(ticket).await;
    let (status, body) = c
        .post(
            "/api/candidate/saves",
            json!({ "saves": [
            { "seq": 1, "slot": "1", "value": "A" },
            { "seq": 2, "slot": "open", "value": "1,2,3" },
            { "seq": 3, "slot": "open-1", "value": "第一题作答：应建立质量目标并逐层分解。\n其次，明确各部门职责。" },
            { "seq": 4, "slot": "open-2", "value": "第二题作答：运用排列图找出主要问题。" },
            { "seq": 5, "slot": "open-3", "value": "第三题作答：按 PDCA 循环持续改进。" },
        ] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(c.post("/api/candidate/submit", Value::Null).await.0, StatusCode::OK);
    c
}

#[test]
fn a_grader_marks_answers_in_the_browser() {
    for needed in [CHROMIUM, CHROMEDRIVER] {
        if !Path::new(needed).exists() {
            common::skip(
                "browser",
                &format!("{needed} is missing (Debian: apt-get install -y chromium chromium-driver fonts-noto-cjk)"),
            );
            return;
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let driver = Driver::start();
        let app = TestApp::spawn(common::Backend::Sqlite).await;
        sit(&app, "DEMO0001").await;
        grader(&app, "g1").await;
        let b = driver.browser().await;

        // Without a login the page sends the browser to the staff login.
        b.goto(&app.url("/marking")).await;
        b.wait_js("the staff login", "return location.pathname === '/staff-login'")
            .await;

        // The staff login takes a grader to the marking page.
        b.fill("#username", "g1").await;
        b.fill("#password", PASSWORD).await;
        b.click("#login-submit").await;
        b.wait_js("the marking page", "return location.pathname === '/marking'")
            .await;
        b.visible("#task").await;
        // A grader may get either of the two blind marks of an answer.
        let round = b.wait_text("#round", "评").await;
        let slot = match round.as_str() {
            "第一评" => 1,
            "第二评" => 2,
            other => panic!("round “{other}”"),
        };
        assert!(b.text("#rubric").await.contains("要点"));
        assert!(b.text("#rubric-rows").await.trim().len() > 1, "the rubric has rows");
        let first = b.text("#answer").await;
        assert!(first.contains("题作答"), "{first}");
        let page = b.text("main").await;
        for secret in ["DEMO0001", "准考证", "座位"] {
            assert!(!page.contains(secret), "the page shows “{secret}”: {page}");
        }
        if first.starts_with("第一题") {
            assert!(first.contains('\n'), "line breaks are kept: {first:?}");
        }
        let first_task = b.js("return document.getElementById('task').dataset.task").await;

        // An out-of-range mark is refused with the API's message; the answer stays.
        b.fill("#mark", "20.5").await;
        b.click("#submit-mark").await;
        b.wait_text("#marking-error", "不在 0–20 分之内").await;
        assert_eq!(b.text("#answer").await, first);

        // 12.5 with a comment (typed and with a quick button first, then corrected).
        b.click("#quick-marks button[data-mark='12']").await;
        b.fill("#mark", "12.5").await;
        b.fill("#comment", "要点基本齐全，论述略简。").await;
        b.shot("20-grader-marking").await;
        b.click("#submit-mark").await;
        b.wait_text("#marked-count", "本次已评 1 份").await;
        b.wait_js(
            "the next answer",
            &format!(
                "var t = document.getElementById('task'); \
                 return !t.hidden && t.dataset.task !== {first_task}"
            ),
        )
        .await;
        let second = b.text("#answer").await;
        assert_ne!(second, first, "the next answer loaded");
        assert!(b.js("return document.getElementById('marking-error').hidden").await == json!(true));
        assert_eq!(b.js("return document.getElementById('mark').value").await, json!(""));

        // The database has the mark and the comment, on the answer shown first.
        let answers = app.store.event_open_answers(app.event_id).await.expect("answers");
        let marked: Vec<_> = answers
            .iter()
            .flat_map(|a| a.marks.iter().map(move |m| (a, m)))
            .collect();
        assert_eq!(marked.len(), 1, "{answers:#?}");
        let (_, m) = marked[0];
        assert_eq!(m.mark, "12.5".parse::<Points>().unwrap());
        assert_eq!(m.comment, "要点基本齐全，论述略简。");
        assert_eq!(m.marker_slot, slot);

        // The other two, then nothing left.
        for mark in ["10", "15"] {
            b.fill("#mark", mark).await;
            b.click("#submit-mark").await;
            b.wait_text(
                "#marked-count",
                if mark == "10" {
                    "本次已评 2 份"
                } else {
                    "本次已评 3 份"
                },
            )
            .await;
        }
        b.wait_text("#empty", "暂无待评答卷").await;
        b.shot("21-grader-nothing-left").await;

        // A grader cannot open the chief's progress page.
        b.goto(&app.url("/marking/dashboard")).await;
        b.wait_js("back to marking", "return location.pathname === '/marking'")
            .await;

        // The chief grader logs in, lands on the marking page and opens the progress page.
        let hash = hash_password(common::DEMO_PASSWORD, Strength::IssuedToCandidate);
        app.store
            .create_account("chief", "阅卷组长王", "chief", &hash, common::START_MS)
            .await
            .unwrap();
        b.click("#logout-btn").await;
        b.wait_js("the staff login", "return location.pathname === '/staff-login'")
            .await;
        b.fill("#username", "chief").await;
        b.fill("#password", PASSWORD).await;
        b.click("#login-submit").await;
        b.wait_js("the marking page", "return location.pathname === '/marking'")
            .await;
        b.click("#dashboard-link").await;
        b.wait_js("the dashboard", "return location.pathname === '/marking/dashboard'")
            .await;
        let row = b.wait_text("#grader-rows", "阅卷人g1").await;
        assert!(row.contains("12.50"), "mean of 12.5, 10 and 15: {row}");
        b.wait_text("#question-rows", "3").await;
        b.wait_text("#disputed-rows", "暂无待仲裁").await;
        b.shot("22-chief-dashboard").await;
        b.close().await;
    });
}
