//! A real headless Chromium driven over WebDriver (chromedriver + fantoccini) against a `TestApp`.
//!
//! Each `Browser` starts its own chromedriver on a free port and its own Chromium, so tests can run
//! in parallel (nextest runs each test in its own process). Without chromedriver the tests are
//! skipped with a loud warning — except under `CI`, where that is a failure.
//! Overrides: `BANGFU_CHROMEDRIVER` (driver path), `BANGFU_CHROMIUM` (browser binary).

#![allow(dead_code)]

use crate::common::{self, TestApp};
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const DESKTOP: (u32, u32) = (1280, 900);
pub const PHONE: (u32, u32) = (360, 740);

/// How long to wait for a page element or a download.
pub const PATIENCE: Duration = Duration::from_secs(20);

fn find_program(env: &str, candidates: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    for c in candidates {
        if Path::new(c).is_file() {
            return Some(PathBuf::from(c));
        }
        if let Some(path) = std::env::var_os("PATH") {
            for dir in std::env::split_paths(&path) {
                let p = dir.join(c);
                if p.is_file() {
                    return Some(p);
                }
            }
        }
    }
    None
}

fn under_ci() -> bool {
    std::env::var("CI").map(|v| !v.is_empty() && v != "0" && v != "false").unwrap_or(false)
}

/// A chromedriver process on its own port; killed when dropped.
pub struct Driver {
    child: Child,
    pub port: u16,
}

impl Driver {
    /// Starts chromedriver and waits until it answers; `None` (after a loud warning) when it is not
    /// installed outside CI.
    pub async fn start() -> Option<Driver> {
        let Some(bin) = find_program("BANGFU_CHROMEDRIVER", &["/usr/bin/chromedriver", "chromedriver"]) else {
            let msg = "chromedriver not found (install Debian's `chromium` and `chromium-driver`, or set BANGFU_CHROMEDRIVER)";
            if under_ci() {
                panic!("{msg}: browser tests cannot run under CI");
            }
            eprintln!("\n*** WARNING: {msg}: SKIPPING the browser tests ***\n");
            return None;
        };
        // a free port can be taken between our probe and chromedriver's bind: try a few
        let mut last_err = String::new();
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
            let mut cmd = Command::new(&bin);
            // its own process group, so that the browsers it starts can be ended with it
            #[cfg(unix)]
            std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
            let child = cmd
                .arg(format!("--port={port}"))
                .arg("--allowed-ips=127.0.0.1")
                .arg("--log-level=WARNING")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
            let mut d = Driver { child, port };
            let http = reqwest::Client::new();
            let deadline = Instant::now() + Duration::from_secs(15);
            while Instant::now() < deadline {
                if let Ok(Some(status)) = d.child.try_wait() {
                    last_err = format!("chromedriver exited with {status}");
                    break;
                }
                if let Ok(r) = http.get(format!("http://127.0.0.1:{port}/status")).send().await
                    && let Ok(v) = r.json::<serde_json::Value>().await
                        && v["value"]["ready"].as_bool() == Some(true) {
                            return Some(d);
                        }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            if last_err.is_empty() {
                last_err = "chromedriver did not answer within 15 s".into();
            }
            let _ = d.child.kill();
        }
        panic!("could not start chromedriver: {last_err}");
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Driver {
    /// Ends chromedriver and the browsers it started, also after a test panicked without closing its
    /// session: first chromedriver's own shutdown (it quits its browsers), then its process group.
    fn drop(&mut self) {
        use std::io::{Read, Write};
        if let Ok(Ok(mut s)) = std::net::TcpStream::connect(("127.0.0.1", self.port)).map(|s| s.set_read_timeout(Some(Duration::from_secs(5))).map(|_| s)) {
            let _ = s.write_all(b"GET /shutdown HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            let _ = s.read_to_end(&mut Vec::new());
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && !matches!(self.child.try_wait(), Ok(Some(_))) {
            std::thread::sleep(Duration::from_millis(50));
        }
        // the group's id is chromedriver's pid, which stays ours until it is reaped below
        #[cfg(unix)]
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", self.child.id())]).stderr(Stdio::null()).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A headless Chromium session against one test server.
pub struct Browser {
    pub c: Client,
    pub base: String,
    pub downloads: PathBuf,
    // dropped last: the session is closed (or abandoned) before chromedriver is killed
    _driver: Driver,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium sized like a desktop; `None` means skip the test.
    pub async fn start(app: &TestApp) -> Option<Browser> {
        let Some(chromium) = find_program("BANGFU_CHROMIUM", &["/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"]) else {
            let msg = "chromium not found (install Debian's `chromium` and `chromium-driver`, or set BANGFU_CHROMIUM)";
            if under_ci() {
                panic!("{msg}: browser tests cannot run under CI");
            }
            eprintln!("\n*** WARNING: {msg}: SKIPPING the browser tests ***\n");
            return None;
        };
        let driver = Driver::start().await?;
        let downloads = app.db.dir.path().join("downloads");
        std::fs::create_dir_all(&downloads).expect("download dir");
        let mut options = json!({
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--password-store=basic",
                "--lang=zh-CN",
                "--hide-scrollbars",
                format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
            ],
            "prefs": {
                "download.default_directory": downloads.display().to_string(),
                "download.prompt_for_download": false,
                "download.directory_upgrade": true,
                "safebrowsing.enabled": false,
                "credentials_enable_service": false,
                "profile.password_manager_enabled": false,
                "profile.password_manager_leak_detection": false,
                "intl.accept_languages": "zh-CN,zh",
            },
        });
        options["binary"] = json!(chromium.display().to_string());
        let mut caps = Capabilities::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("goog:chromeOptions".into(), options);
        caps.insert("unhandledPromptBehavior".into(), json!("accept"));
        let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&driver.url())
            .await
            .expect("start a headless Chromium session through chromedriver");
        let b = Browser { c, base: app.base.clone(), downloads, _driver: driver };
        b.resize(DESKTOP).await;
        Some(b)
    }

    /// Closes the browser session (chromedriver is killed on drop).
    pub async fn close(self) {
        let Browser { c, _driver, .. } = self;
        let _ = tokio::time::timeout(Duration::from_secs(10), c.close()).await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn goto(&self, path: &str) {
        self.c.goto(&self.url(path)).await.unwrap_or_else(|e| panic!("open {path}: {e}"));
    }

    /// The path (and query) of the current page.
    pub async fn path(&self) -> String {
        let u = self.c.current_url().await.expect("current url");
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        }
    }

    /// The window's inner size, so a screenshot is exactly `size` (the viewport, not the frame).
    pub async fn resize(&self, (w, h): (u32, u32)) {
        self.c.set_window_size(w, h).await.expect("set window size");
        // the window frame (if any) takes some room: grow the window until the viewport is right
        let inner = self.c.execute("return [window.innerWidth, window.innerHeight]", vec![]).await.expect("inner size");
        let (iw, ih) = (inner[0].as_u64().unwrap_or(w as u64) as u32, inner[1].as_u64().unwrap_or(h as u64) as u32);
        if iw != w || ih != h {
            self.c.set_window_size(w + w.saturating_sub(iw), h + h.saturating_sub(ih)).await.expect("set window size");
        }
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self.c.find(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => panic!("no `{css}` on {}: {e}\n{}", self.path().await, self.body_text().await),
        }
    }

    /// Waits (up to `PATIENCE`) for an element.
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        match self.c.wait().at_most(PATIENCE).for_element(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => panic!("`{css}` did not appear on {} within {PATIENCE:?}: {e}\n{}", self.path().await, self.body_text().await),
        }
    }

    pub async fn exists(&self, css: &str) -> bool {
        !self.c.find_all(Locator::Css(css)).await.map(|v| v.is_empty()).unwrap_or(true)
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap_or_default()
    }

    pub async fn body_text(&self) -> String {
        match self.c.find(Locator::Css("body")).await {
            Ok(b) => b.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Types into an input (after clearing it).
    pub async fn fill(&self, css: &str, value: &str) {
        let e = self.find(css).await;
        e.clear().await.expect("clear");
        if !value.is_empty() {
            e.send_keys(value).await.expect("type");
        }
    }

    /// Clicks an element and waits for the next page to load (the element goes stale).
    pub async fn click_and_wait(&self, e: &fantoccini::elements::Element) {
        let marker = self.c.execute("window.__bangfu_old_page = true; return true", vec![]).await.ok();
        e.click().await.expect("click");
        if marker.is_some() {
            let deadline = Instant::now() + PATIENCE;
            while Instant::now() < deadline {
                match self.c.execute("return window.__bangfu_old_page === true ? 'old' : document.readyState", vec![]).await {
                    Ok(v) if v == "complete" => return,
                    _ => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
            panic!("no new page within {PATIENCE:?} after a click (on {})", self.path().await);
        }
    }

    /// Logs in through the login form like a person would; returns the page's path afterwards.
    pub async fn login_as(&self, user: &str, password: &str) -> String {
        self.c.delete_all_cookies().await.expect("delete cookies");
        self.goto("/login").await;
        self.fill("#username", user).await;
        self.fill("#password", password).await;
        let button = self.c.find(Locator::XPath("//form[@action='/login']//button[normalize-space()='登录']")).await.expect("登录 button");
        self.click_and_wait(&button).await;
        self.path().await
    }

    /// Logs a demo user in and checks that they landed on the dashboard.
    pub async fn login(&self, user: &str) {
        let path = self.login_as(user, &common::password(user)).await;
        assert_eq!(path, "/", "{user} should land on the dashboard after logging in; page says:\n{}", self.body_text().await);
    }

    /// Waits for a finished download (any file but Chromium's `.crdownload`) not in `before`.
    pub async fn wait_download(&self, before: &[PathBuf]) -> PathBuf {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            let now = self.downloaded();
            let partial = now.iter().any(|p| p.extension().is_some_and(|e| e == "crdownload" || e == "tmp"));
            if !partial
                && let Some(p) = now.into_iter().find(|p| !before.contains(p))
                    && std::fs::metadata(&p).map(|m| m.len() > 0).unwrap_or(false) {
                        return p;
                    }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no download finished in {} within {PATIENCE:?} (page {})", self.downloads.display(), self.path().await);
    }

    /// The files in the download directory.
    pub fn downloaded(&self) -> Vec<PathBuf> {
        // Chromium writes into hidden temporary files first (`.org.chromium.Chromium.*`)
        let mut v: Vec<PathBuf> = std::fs::read_dir(&self.downloads)
            .map(|d| d.flatten().map(|e| e.path()).filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'))).collect())
            .unwrap_or_default();
        v.sort();
        v
    }

    /// Saves a PNG of the whole page (not only the viewport) at `size` as
    /// `target/screenshots/<name>-<w>x<h>.png`; returns its path.
    pub async fn screenshot(&self, name: &str, size: (u32, u32)) -> PathBuf {
        self.resize(size).await;
        let full = self.c.execute("return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)", vec![]).await.expect("page height");
        let height = (full.as_u64().unwrap_or(size.1 as u64) as u32).clamp(size.1, 6000);
        if height > size.1 {
            self.resize((size.0, height)).await;
        }
        let png = self.c.screenshot().await.expect("screenshot");
        self.resize(DESKTOP).await;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("create target/screenshots");
        let path = dir.join(format!("{name}-{}x{}.png", size.0, size.1));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// Whether anything is wider than the viewport (a horizontal scrollbar on a phone);
    /// returns a description of the widest offenders.
    pub async fn horizontal_overflow(&self) -> Option<String> {
        let v = self
            .c
            .execute(
                r#"var w = document.documentElement.clientWidth;
                   if (document.documentElement.scrollWidth <= w) { return null; }
                   var out = [];
                   document.querySelectorAll('body *').forEach(function (e) {
                     var r = e.getBoundingClientRect();
                     if (r.right > w + 1 && !e.closest('.table-wrap')) {
                       out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + String(e.className).split(' ').join('.') : '') + ' right=' + Math.round(r.right));
                     }
                   });
                   return 'page ' + document.documentElement.scrollWidth + 'px wide in a ' + w + 'px viewport: ' + out.slice(0, 8).join(', ');"#,
                vec![],
            )
            .await
            .expect("overflow check");
        v.as_str().map(str::to_string)
    }
}

/// `target/screenshots` of this workspace (or of `CARGO_TARGET_DIR`).
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let target = if target.is_relative() { Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(target) } else { target };
    let target = target.canonicalize().unwrap_or(target);
    target.join("screenshots")
}

/// Starts a browser or skips the test (returns from it) when chromedriver is missing outside CI.
macro_rules! browser_or_skip {
    ($app:expr) => {
        match browser_support::Browser::start(&$app).await {
            Some(b) => b,
            None => {
                $app.stop().await;
                return;
            }
        }
    };
}

/// A valid 18-digit resident ID (GB 11643) from its first 17 digits.
pub fn with_check_digit(first17: &str) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const C: &[u8; 11] = b"10X98765432";
    assert_eq!(first17.len(), 17, "{first17}");
    let sum: u32 = first17.chars().zip(W).map(|(c, w)| c.to_digit(10).expect("digit") * w).sum();
    format!("{first17}{}", C[(sum % 11) as usize] as char)
}

/// The same number with a wrong check digit.
pub fn with_wrong_check_digit(valid: &str) -> String {
    let last = valid.chars().last().unwrap();
    let wrong = if last == '0' { '1' } else { '0' };
    format!("{}{wrong}", &valid[..17])
}
