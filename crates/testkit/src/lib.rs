//! Test support: real databases for every backend (a fresh SQLite file, a fresh PostgreSQL database),
//! the demo county loaded, and small builders. Conformance suites in `tests/` run on each backend.

use bangfu_domain::RegionScope;
use bangfu_store::audit::Actor;
use bangfu_store::regions::{self, RegionRow};
use bangfu_store::{DbUrl, Store};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Once;

/// A database made for one test and removed afterwards.
pub struct TestDb {
    pub store: Store,
    pub name: &'static str,
    pub dir: tempfile::TempDir,
    pg_admin: Option<(String, String)>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, db)) = &self.pg_admin {
            // the store's connection must close before the database can be dropped
            let placeholder = Store::open_and_migrate(&DbUrl::Sqlite(self.dir.path().join("closing.db")), None);
            if let Ok(p) = placeholder {
                let _ = std::mem::replace(&mut self.store, p);
            }
            if let Ok(mut c) = postgres::Client::connect(admin_url, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
            }
        }
    }
}

/// The PostgreSQL server tests use: `BANGFU_TEST_PG` or the local trust-auth server.
pub fn pg_admin_url() -> String {
    std::env::var("BANGFU_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

static WARN: Once = Once::new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Whether PostgreSQL tests run. Under CI (`CI` set) an unreachable server is a failure, not a skip.
pub fn postgres_available() -> bool {
    match postgres::Client::connect(&pg_admin_url(), postgres::NoTls) {
        Ok(_) => true,
        Err(e) => {
            if std::env::var_os("CI").is_some() {
                panic!("CI is set but PostgreSQL at {} is unreachable: {e}", pg_admin_url());
            }
            WARN.call_once(|| {
                eprintln!("\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
                eprintln!("!!! PostgreSQL at {} is unreachable: {e}", pg_admin_url());
                eprintln!("!!! PostgreSQL conformance tests are SKIPPED (they run under CI=true).");
                eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n");
            });
            false
        }
    }
}

impl TestDb {
    /// A fresh, migrated SQLite file in a temporary directory.
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = DbUrl::Sqlite(dir.path().join("test.db"));
        let store = Store::open_and_migrate(&url, None).expect("open sqlite");
        TestDb { store, name: "sqlite", dir, pg_admin: None }
    }

    /// A fresh, migrated PostgreSQL database (dropped when the test ends).
    pub fn postgres() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let admin = pg_admin_url();
        let db = format!("bangfu_t_{}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst), nanos());
        let mut c = postgres::Client::connect(&admin, postgres::NoTls).expect("connect to PostgreSQL");
        c.batch_execute(&format!("CREATE DATABASE {db}")).expect("create test database");
        let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin.clone());
        let url = DbUrl::Postgres(format!("{base}/{db}"));
        let store = Store::open_and_migrate(&url, Some(&dir.path().join("pg.key"))).expect("open postgres");
        TestDb { store, name: "postgres", dir, pg_admin: Some((admin, db)) }
    }

    /// Every backend available: SQLite always, PostgreSQL when reachable (always under CI).
    pub fn all() -> Vec<TestDb> {
        let mut v = vec![TestDb::sqlite()];
        if postgres_available() {
            v.push(TestDb::postgres());
        }
        v
    }

    /// Loads the demo county's division tree and villager groups.
    pub fn with_demo_regions(mut self) -> TestDb {
        load_demo_regions(&mut self.store);
        self
    }
}

fn nanos() -> u32 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0)
}

/// The demo county's regions and groups into a store.
pub fn load_demo_regions(store: &mut Store) {
    let county = bangfu_demo::demo_county();
    let rows: Vec<RegionRow> = county.all_regions().into_iter().map(|r| RegionRow { code: r.code, name: r.name, poor_village: None, exit_year: None }).collect();
    let groups: Vec<_> = county.villages.iter().flat_map(|v| v.groups.iter().map(|g| (v.region.code, g.clone()))).collect();
    regions::upsert(&mut store.conn, &test_actor(), &rows, &groups).expect("load regions");
}

pub fn test_actor() -> Actor {
    Actor::new("test", "test")
}

/// The whole country.
pub fn all_scope() -> RegionScope {
    RegionScope::all()
}

/// Demo households (deterministic).
pub fn demo_docs(n: usize, seed: u64) -> Vec<bangfu_domain::registry::HouseholdDoc> {
    let county = bangfu_demo::demo_county();
    let opts = bangfu_demo::DemoOptions { households: n, seed, year: 2025, today: today(), rule_defects: 0.0 };
    bangfu_demo::generate(&county, &opts).collect()
}

/// The fixed "today" of tests.
pub fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 22).expect("valid date")
}

/// Writes demo households into a store through the bulk path (one import batch).
pub fn insert_docs(store: &mut Store, docs: &[bangfu_domain::registry::HouseholdDoc]) -> bangfu_store::registry::SessionSummary {
    use bangfu_store::registry::diff::Present;
    use bangfu_store::registry::{ImportOptions, ImportSession};
    let opts = ImportOptions { file_name: "test".into(), today: today(), present: Present::all(), scope: RegionScope::all() };
    let mut s = ImportSession::begin(store, test_actor(), opts).expect("begin");
    let refs: Vec<&bangfu_domain::registry::HouseholdDoc> = docs.iter().collect();
    s.insert_many(&refs).expect("insert");
    s.commit(0, 0.0).expect("commit")
}

/// The `bangfu` binary beside the running test (target/debug/bangfu), built once per test run so
/// it is never stale.
pub fn bangfu_binary() -> &'static std::path::Path {
    use std::path::{Path, PathBuf};
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut build = std::process::Command::new(env!("CARGO"));
        build.args(["build", "-p", "bangfu"]).current_dir(&workspace);
        if !cfg!(debug_assertions) {
            build.arg("--release");
        }
        let out = build.output().expect("run cargo build");
        assert!(out.status.success(), "cargo build -p bangfu failed:\n{}", String::from_utf8_lossy(&out.stderr));
        let exe = std::env::current_exe().expect("test executable");
        let dir = exe.parent().and_then(Path::parent).expect("target/debug");
        let bin = dir.join(format!("bangfu{}", std::env::consts::EXE_SUFFIX));
        assert!(bin.exists(), "{} was not built", bin.display());
        bin
    })
}

/// Helpers of the workflow tests: who decides, as whom it is audited, users with a role.
pub mod workflow {
    use bangfu_domain::workflow::Decider;
    use bangfu_domain::{RegionCode, RegionScope, Role};
    use bangfu_store::audit::Actor;
    use bangfu_store::Store;

    /// The engine's decider: a user with a role at the scope of a region code.
    pub fn who(user: &str, role: Role, code: &str) -> Decider {
        Decider { user: user.into(), role, scope: RegionScope::of(&RegionCode::parse(code).expect("region code")) }
    }

    /// The audit actor of a user acting through the web.
    pub fn actor(user: &str) -> Actor {
        Actor::new(format!("web:{user}"), "web")
    }

    /// The real date (deadlines and notice periods are judged against it).
    pub fn today() -> chrono::NaiveDate {
        chrono::Utc::now().date_naive()
    }

    /// A user holding `role` at `code` (no usable password: store-level tests only).
    pub fn add_user(store: &mut Store, name: &str, role: Role, code: &str) {
        let id = bangfu_store::users::create_user(&mut store.conn, &super::test_actor(), name, name, "x", false).expect("user");
        bangfu_store::users::grant(&mut store.conn, &super::test_actor(), id, role, code).expect("grant");
    }
}
