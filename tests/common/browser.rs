//! Pages in a real browser: Debian's headless Chromium driven through chromedriver (fantoccini),
//! against the real server of [`super::app`].
//!
//! Without /usr/bin/chromium and /usr/bin/chromedriver a browser test is skipped loudly (a
//! failure under KAOWU_REQUIRE_ALL_TESTS=1, as in CI). Screenshots are written to
//! target/screenshots/ for people to look at.

use std::future::Future;
use std::net::{TcpListener as StdListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use super::{DEMO_PASSWORD, TestApp};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long a page may take to show what a test waits for.
pub const PATIENCE: Duration = Duration::from_secs(15);

/// Browsers are heavy on two cores: the tests take turns.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs a browser scenario on a runtime of its own, or skips loudly when the machine has no
/// Chromium.
pub fn browser_test<F, Fut>(scenario: F)
where
    F: FnOnce(Driver) -> Fut,
    Fut: Future<Output = ()>,
{
    for needed in [CHROMIUM, CHROMEDRIVER] {
        if !Path::new(needed).exists() {
            super::skip(
                "browser",
                &format!("{needed} is missing (Debian: apt-get install -y chromium chromium-driver fonts-noto-cjk)"),
            );
            return;
        }
    }
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let driver = Driver::start();
        scenario(driver).await;
    });
}

/// A chromedriver process, killed when dropped (also when a test fails).
pub struct Driver {
    child: Child,
    url: String,
    profiles: Mutex<Vec<tempfile::TempDir>>,
}

impl Driver {
    fn start() -> Driver {
        let port = StdListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        // Its own process group: the Chromium processes it starts are killed with it, even when a
        // test fails before closing its windows (an orphaned exam page would tick on for ever).
        let child = Command::new(CHROMEDRIVER)
            .process_group(0)
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
            profiles: Mutex::new(Vec::new()),
        }
    }

    /// A new browser with its own profile (own cookies and localStorage): one workstation.
    pub async fn browser(&self) -> Browser {
        let profile = tempfile::tempdir().expect("profile dir");
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
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            },
            "goog:loggingPrefs": { "browser": "ALL" },
        }))
        .expect("capabilities");
        self.profiles.lock().expect("profiles").push(profile);
        let wd = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("browser session");
        let browser = Browser {
            wd,
            driver: self.url.clone(),
        };
        // Exactly the 1280×800 a test-centre screen has (a headless window's size includes
        // room for browser bars that are not drawn).
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
        // The whole group: chromedriver and every browser it started. Signalled directly, not
        // through `kill -KILL -PID`: Debian's procps kill reads "-4890" as group -4, and a PID
        // starting with 1 would become -1, every process on the machine.
        if let Ok(group) = i32::try_from(self.child.id())
            && group > 1
        {
            // SAFETY: kill(2) takes plain integers; a negative PID names the process group that
            // chromedriver leads (it was started with process_group(0)).
            unsafe {
                libc::kill(-group, libc::SIGKILL);
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One browser window, with the few things the tests do in it. The pages' own steps (the
/// candidate's, the proctor's) are `impl Browser` blocks beside the tests that use them.
pub struct Browser {
    pub wd: Client,
    /// chromedriver's address, for the commands fantoccini has no method for.
    driver: String,
}

impl Browser {
    pub async fn goto(&self, url: &str) {
        self.wd.goto(url).await.unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    pub async fn find(&self, css: &str) -> Element {
        self.wd
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    /// Waits until `css` exists and is displayed.
    pub async fn visible(&self, css: &str) -> Element {
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

    /// Clicks `css` as a person would: scrolled to the middle of the window first, so a sticky
    /// header never lies over it.
    pub async fn click(&self, css: &str) {
        let e = self.visible(css).await;
        let _ = self
            .wd
            .execute(
                "arguments[0].scrollIntoView({ block: 'center' });",
                vec![serde_json::to_value(&e).expect("element")],
            )
            .await;
        e.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let e = self.visible(css).await;
        e.clear().await.expect("clear");
        e.send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Chooses a file in a file input (`css`), as a person picking it in the dialog.
    pub async fn upload(&self, css: &str, path: &std::path::Path) {
        self.find(css)
            .await
            .send_keys(&path.display().to_string())
            .await
            .expect("choose a file");
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("text")
    }

    pub async fn js(&self, script: &str) -> Value {
        self.wd
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Waits until the text of `css` contains `wanted`; returns the text.
    pub async fn wait_text(&self, css: &str, wanted: &str) -> String {
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

    /// Waits until a script returns true.
    pub async fn wait_js(&self, what: &str, script: &str) {
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

    /// Waits until the page's path is `path`.
    pub async fn wait_path(&self, what: &str, path: &str) {
        self.wait_js(what, &format!("return location.pathname === '{path}'"))
            .await;
    }

    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.find(css).await.attr(name).await.expect("attribute")
    }

    pub async fn prop(&self, css: &str, name: &str) -> Option<String> {
        self.find(css).await.prop(name).await.expect("property")
    }

    pub async fn checked(&self, css: &str) -> bool {
        self.prop(css, "checked").await.as_deref() == Some("true")
    }

    /// Saves a PNG of the window to target/screenshots/NAME.png.
    pub async fn shot(&self, name: &str) {
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        match self.wd.screenshot().await {
            Ok(png) => std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot"),
            Err(e) => eprintln!("screenshot {name} failed: {e}"),
        }
    }

    /// A Chrome DevTools command through chromedriver (e.g. blocking some URLs).
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
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

    /// Script errors and policy violations the page logged. Failed requests (source "network")
    /// are expected — wrong passwords, a stopped server, a refused mark — and are left out.
    pub async fn page_errors(&self) -> Vec<String> {
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

    /// Closes the window after checking that the page logged no script error.
    pub async fn close(self) {
        let errors = self.page_errors().await;
        let _ = self.wd.close().await;
        assert!(errors.is_empty(), "the page logged errors: {errors:#?}");
    }

    /// The staff login page: `username` (password [`DEMO_PASSWORD`]) logs in and lands on
    /// `landing`.
    pub async fn staff_login(&self, username: &str, landing: &str) {
        self.fill("#username", username).await;
        self.fill("#password", DEMO_PASSWORD).await;
        self.click("#login-submit").await;
        self.wait_path("the landing page", landing).await;
    }

    /// Opens the staff login of `app` first, then [`Browser::staff_login`].
    pub async fn staff_login_at(&self, app: &TestApp, username: &str, landing: &str) {
        self.goto(&app.url("/staff-login")).await;
        self.staff_login(username, landing).await;
    }
}

pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("screenshots")
}
