//! A real server on port 0 over a real database (SQLite file or fresh PostgreSQL database), with the
//! demo county, a generated registry and one demo user per role (password = "<name>-pass-1").

#![allow(dead_code)]

use bangfu_testkit::TestDb;
use bangfu_web::{AppState, ServeConfig};
use reqwest::redirect::Policy;
use std::net::SocketAddr;

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub db: TestDb,
    /// Household ids per village code, to aim requests across scopes.
    pub households: Vec<(i64, String)>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

pub fn password(user: &str) -> String {
    format!("{user}-pass-1")
}

/// Households to generate for each test app.
pub const HOUSEHOLDS: usize = 400;

impl TestApp {
    /// One app per backend (SQLite always; PostgreSQL unless unreachable outside CI).
    pub async fn all() -> Vec<TestApp> {
        let mut out = Vec::new();
        for db in tokio::task::spawn_blocking(TestDb::all).await.expect("test dbs") {
            out.push(TestApp::start(db).await);
        }
        out
    }

    pub async fn sqlite() -> TestApp {
        let db = tokio::task::spawn_blocking(TestDb::sqlite).await.expect("sqlite");
        TestApp::start(db).await
    }

    pub async fn start(db: TestDb) -> TestApp {
        let db = tokio::task::spawn_blocking(move || {
            let mut db = db;
            bangfu_testkit::load_demo_regions(&mut db.store);
            let docs = bangfu_testkit::demo_docs(HOUSEHOLDS, 7);
            bangfu_testkit::insert_docs(&mut db.store, &docs);
            bangfu_web::demo::create_demo_users(&mut db.store.conn, &|u| password(u)).expect("demo users");
            db
        })
        .await
        .expect("prepare db");
        let database = match &db.store.url {
            bangfu_store::DbUrl::Sqlite(p) => p.display().to_string(),
            bangfu_store::DbUrl::Postgres(u) => u.clone(),
        };
        let config = ServeConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            database,
            key_file: Some(db.store.key_path.clone()),
            data_dir: db.dir.path().join("data"),
            pool_size: 4,
            max_upload_mib: 5,
            ..ServeConfig::default()
        };
        let state = bangfu_web::server::state(config).await.expect("state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr: SocketAddr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let s = state.clone();
        let task = tokio::spawn(async move {
            bangfu_web::server::run(s, listener, async move {
                let _ = rx.await;
            })
            .await
        });
        let households = state
            .db
            .run(|c, _| {
                Ok(c.query("SELECT id, region_code FROM household WHERE status = 'active' ORDER BY id", &[])?
                    .iter()
                    .map(|r| (r[0].int().unwrap(), r[1].string()))
                    .collect::<Vec<_>>())
            })
            .await
            .expect("households");
        TestApp { base: format!("http://{addr}"), state, db, households, stop: Some(tx), task: Some(task) }
    }

    pub fn backend(&self) -> &'static str {
        self.db.name
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A client with a cookie jar that does not follow redirects.
    pub fn client() -> reqwest::Client {
        reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).build().unwrap()
    }

    /// Logs a demo user in; returns the client (with its session cookie) and the CSRF token.
    pub async fn login(&self, user: &str) -> (reqwest::Client, String) {
        let c = Self::client();
        let page = c.get(self.url("/login")).send().await.unwrap().text().await.unwrap();
        let csrf = hidden(&page, "_csrf").expect("login csrf");
        let r = c
            .post(self.url("/login"))
            .form(&[("username", user), ("password", &password(user)), ("_csrf", &csrf), ("next", "/")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "login of {user} on {} should redirect", self.backend());
        let home = c.get(self.url("/account")).send().await.unwrap().text().await.unwrap();
        let csrf = hidden(&home, "_csrf").expect("session csrf");
        (c, csrf)
    }

    /// A household of a village (by code) and one outside it.
    pub fn household_in(&self, village_prefix: &str) -> i64 {
        self.households.iter().find(|(_, r)| r.starts_with(village_prefix)).map(|h| h.0).expect("household in scope")
    }
    pub fn household_outside(&self, prefix: &str) -> i64 {
        self.households.iter().find(|(_, r)| !r.starts_with(prefix)).map(|h| h.0).expect("household outside scope")
    }

    /// The region code of a demo user's grant.
    pub async fn region_of(&self, user: &str) -> String {
        let u = user.to_string();
        self.state
            .db
            .run(move |c, _| {
                let user = bangfu_store::users::find_user(c, &u)?.unwrap();
                Ok(bangfu_store::users::grants_of(c, user.id)?[0].region_code.clone())
            })
            .await
            .unwrap()
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
        // the test database closes its PostgreSQL connection with a blocking call
        let TestApp { db, state, .. } = self;
        tokio::task::spawn_blocking(move || {
            drop(state);
            drop(db);
        })
        .await
        .unwrap();
    }
}

/// The value of a hidden input in a page.
pub fn hidden(html: &str, name: &str) -> Option<String> {
    let key = format!("name=\"{name}\" value=\"");
    let start = html.find(&key)? + key.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

/// The scope prefix of a 12-digit region code (village 12, township 9, county 6).
pub fn prefix_of(code: &str) -> String {
    bangfu_domain::RegionScope::of(&bangfu_domain::RegionCode::parse(code).unwrap()).prefix().to_string()
}

/// The rows of every sheet of a workbook, as text (whole numbers without ".0").
pub fn workbook(path: &std::path::Path) -> Vec<(String, Vec<Vec<String>>)> {
    use calamine::{Data, Reader};
    let mut wb = calamine::open_workbook_auto(path).unwrap_or_else(|e| panic!("open {} with calamine: {e}", path.display()));
    let names = wb.sheet_names().to_vec();
    names
        .into_iter()
        .map(|n| {
            let range = wb.worksheet_range(&n).unwrap_or_else(|e| panic!("sheet {n}: {e}"));
            let rows = range
                .rows()
                .map(|r| {
                    r.iter()
                        .map(|c| match c {
                            Data::Empty => String::new(),
                            Data::String(s) => s.clone(),
                            Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                            other => other.to_string(),
                        })
                        .collect()
                })
                .collect();
            (n, rows)
        })
        .collect()
}
