//! Helpers shared by the store conformance suites: import sessions in one call, raw row reads,
//! new people with valid resident IDs, table snapshots comparable across backends.
#![allow(dead_code)]

use bangfu_domain::fields::{HouseholdField as HF, MemberField as MF, MEMBER_FIELD_COUNT};
use bangfu_domain::registry::{HouseholdDoc, MemberRecord};
use bangfu_domain::{RegionScope, ResidentId, Value};
use bangfu_store::db::Cell;
use bangfu_store::registry::diff::Present;
use bangfu_store::registry::{read, Conflict, ImportOptions, ImportSession, SessionSummary, SourcedDoc, StoredHousehold};
use bangfu_store::{Conn, DbUrl, Store, P};
use bangfu_testkit::*;
use chrono::NaiveDate;

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// Import options for a session in `scope`, dated `today`.
pub fn opts(scope: &RegionScope, today: NaiveDate) -> ImportOptions {
    ImportOptions { file_name: "conformance.xlsx".into(), today, present: Present::all(), scope: scope.clone() }
}

/// A household as it came from a file whose rows start at `first_row` (one row per member).
pub fn sourced(doc: HouseholdDoc, first_row: u64) -> SourcedDoc {
    let n = doc.members.len().max(1) as u64;
    SourcedDoc { member_rows: (first_row..first_row + n).collect(), first_row, doc }
}

/// Households as consecutive rows of one file starting at row 2 (under a header row).
pub fn sourced_all(docs: &[HouseholdDoc]) -> Vec<SourcedDoc> {
    let mut row = 2;
    docs.iter()
        .map(|d| {
            let s = sourced(d.clone(), row);
            row += d.members.len().max(1) as u64;
            s
        })
        .collect()
}

/// Runs one import session over `batches` (one `submit` each), resolves and commits when nothing conflicts;
/// rolls back and returns the conflicts otherwise.
pub fn import(store: &mut Store, scope: &RegionScope, today: NaiveDate, batches: Vec<Vec<SourcedDoc>>) -> (SessionSummary, Vec<Conflict>) {
    let mut s = ImportSession::begin(store, test_actor(), opts(scope, today)).expect("begin import");
    let mut conflicts = Vec::new();
    for b in batches {
        conflicts.extend(s.submit(b).expect("submit"));
    }
    conflicts.extend(s.resolve(false).expect("resolve"));
    if conflicts.is_empty() {
        (s.commit(0, 0.0).expect("commit"), conflicts)
    } else {
        s.rollback().expect("rollback");
        (SessionSummary::default(), conflicts)
    }
}

/// Imports new versions of households in one submit, country-wide, dated `today()`; panics on conflicts.
pub fn import_ok(store: &mut Store, docs: &[HouseholdDoc], name: &str) -> SessionSummary {
    let (s, c) = import(store, &all_scope(), today(), vec![sourced_all(docs)]);
    assert!(c.is_empty(), "{name}: unexpected conflicts {c:?}");
    s
}

/// A database of `n` demo households (seed `seed`) over the demo county; returns the docs inserted.
pub fn seeded(db: &mut TestDb, n: usize, seed: u64) -> Vec<HouseholdDoc> {
    load_demo_regions(&mut db.store);
    let docs = demo_docs(n, seed);
    insert_docs(&mut db.store, &docs);
    docs
}

/// The demo village with the most of these households (the first such in code order).
pub fn busiest_village(docs: &[HouseholdDoc]) -> bangfu_domain::RegionCode {
    let county = bangfu_demo::demo_county();
    let per_village = |v: &bangfu_domain::RegionCode| docs.iter().filter(|d| d.region_code() == Some(*v)).count();
    let most = county.villages.iter().map(|v| per_village(&v.region.code)).max().expect("villages");
    county.villages.iter().map(|v| v.region.code).find(|v| per_village(v) == most).expect("a village")
}

pub fn no(doc: &HouseholdDoc) -> String {
    doc.get(HF::HouseholdNo).as_text().expect("household number").to_string()
}

pub fn region(doc: &HouseholdDoc) -> String {
    doc.get(HF::RegionCode).as_text().expect("region code").to_string()
}

/// The stored household with this number (active, any region).
pub fn stored(store: &mut Store, household_no: &str) -> Option<StoredHousehold> {
    let ids = read::ids_by_number(&mut store.conn, &[household_no]).expect("ids by number");
    let id = ids.first()?.1;
    read::get(&mut store.conn, &store.keys, &RegionScope::all(), id).expect("load")
}

pub fn id_of(store: &mut Store, household_no: &str) -> i64 {
    read::ids_by_number(&mut store.conn, &[household_no]).expect("ids by number").first().map(|r| r.1).unwrap_or_else(|| panic!("no household {household_no}"))
}

/// Every active household, loaded in the whole country, ordered by household number.
pub fn load_all(store: &mut Store) -> Vec<StoredHousehold> {
    let ids: Vec<i64> = store
        .conn
        .query("SELECT id FROM household WHERE status = 'active' ORDER BY household_no", &[])
        .expect("ids")
        .iter()
        .filter_map(|r| r[0].int())
        .collect();
    read::load(&mut store.conn, &store.keys, &RegionScope::all(), &ids).expect("load all")
}

pub fn docs_by_no(mut docs: Vec<HouseholdDoc>) -> Vec<HouseholdDoc> {
    docs.sort_by_key(no);
    docs
}

pub fn count(conn: &mut Conn, sql: &str, params: &[P]) -> i64 {
    conn.query_int(sql, params).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Rows per table of the installation (every table `copy` knows).
pub fn table_counts(conn: &mut Conn) -> Vec<(&'static str, i64)> {
    bangfu_store::copy::TABLES.iter().map(|(t, _)| (*t, count(conn, &format!("SELECT COUNT(*) FROM {t}"), &[]))).collect()
}

/// An adjustment event as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub id: i64,
    pub household_id: i64,
    pub region_code: String,
    pub member_id: Option<i64>,
    pub event_type: String,
    pub effective_on: NaiveDate,
    pub type_after: Option<String>,
    pub batch_id: Option<i64>,
    pub details: Option<String>,
    pub reason: String,
}

pub fn events(conn: &mut Conn, household_id: i64) -> Vec<EventRow> {
    events_where(conn, "household_id = ?", &[P::Int(household_id)])
}

pub fn all_events(conn: &mut Conn) -> Vec<EventRow> {
    events_where(conn, "1 = 1", &[])
}

pub fn events_where(conn: &mut Conn, wh: &str, params: &[P]) -> Vec<EventRow> {
    let sql = format!(
        "SELECT id, household_id, region_code, member_id, event_type, effective_on, household_type_after, batch_id, details, reason \
         FROM adjustment_event WHERE {wh} ORDER BY id"
    );
    conn.query(&sql, params)
        .expect("events")
        .iter()
        .map(|r| EventRow {
            id: r[0].int().unwrap_or_default(),
            household_id: r[1].int().unwrap_or_default(),
            region_code: r[2].string(),
            member_id: r[3].int(),
            event_type: r[4].string(),
            effective_on: r[5].date().expect("event date"),
            type_after: r[6].text().map(str::to_string),
            batch_id: r[7].int(),
            details: r[8].text().map(str::to_string),
            reason: r[9].string(),
        })
        .collect()
}

/// A member row as stored (any status): (id, household_id, region_code, status, seq, relation, joined_on, removed_on).
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRow {
    pub id: i64,
    pub household_id: i64,
    pub region_code: String,
    pub status: String,
    pub seq: i64,
    pub relation: Option<String>,
    pub joined_on: NaiveDate,
    pub removed_on: Option<NaiveDate>,
}

pub fn member_rows(conn: &mut Conn, resident_id: &str) -> Vec<MemberRow> {
    conn.query(
        "SELECT id, household_id, region_code, status, seq, relation, joined_on, removed_on FROM member WHERE resident_id = ? ORDER BY id",
        &[P::Text(resident_id)],
    )
    .expect("member rows")
    .iter()
    .map(|r| MemberRow {
        id: r[0].int().unwrap_or_default(),
        household_id: r[1].int().unwrap_or_default(),
        region_code: r[2].string(),
        status: r[3].string(),
        seq: r[4].int().unwrap_or_default(),
        relation: r[5].text().map(str::to_string),
        joined_on: r[6].date().expect("joined_on"),
        removed_on: r[7].date(),
    })
    .collect()
}

/// (member_id, household_id, region_code, from_on, to_on) rows of membership_history.
pub fn history(conn: &mut Conn, member_id: i64) -> Vec<(i64, i64, String, NaiveDate, NaiveDate)> {
    conn.query(
        "SELECT member_id, household_id, region_code, from_on, to_on FROM membership_history WHERE member_id = ? ORDER BY from_on",
        &[P::Int(member_id)],
    )
    .expect("history")
    .iter()
    .map(|r| (r[0].int().unwrap_or_default(), r[1].int().unwrap_or_default(), r[2].string(), r[3].date().expect("from"), r[4].date().expect("to")))
    .collect()
}

/// (entity, entity_id, action, after_value) of audit entries, oldest first.
pub fn audit_entries(conn: &mut Conn) -> Vec<(String, Option<String>, String, Option<String>)> {
    conn.query("SELECT entity, entity_id, action, after_value FROM audit_log ORDER BY id", &[])
        .expect("audit")
        .iter()
        .map(|r| (r[0].string(), r[1].text().map(str::to_string), r[2].string(), r[3].text().map(str::to_string)))
        .collect()
}

/// A person new to the registry (first registered in 110101, so never a demo person): `n` picks the ID.
pub fn new_person(n: u32, name: &str, relation: &'static str) -> MemberRecord {
    let body = format!("110101{:04}0{}{:02}{:03}", 1950 + (n / 28) % 60, 1 + (n % 9), 1 + (n % 28), n % 1000);
    let id = ResidentId::from_body(&body[..17]).unwrap_or_else(|e| panic!("test resident ID {body}: {e}"));
    let mut values = vec![Value::Null; MEMBER_FIELD_COUNT];
    values[MF::Name as usize] = Value::Text(name.to_string());
    values[MF::IdType as usize] = Value::Code("resident_id");
    values[MF::IdNumber as usize] = Value::Text(id.as_str().to_string());
    values[MF::Sex as usize] = Value::Code(if id.sex() == bangfu_domain::Sex::Male { "male" } else { "female" });
    values[MF::BirthDate as usize] = Value::Date(id.birth_date());
    values[MF::Relation as usize] = Value::Code(relation);
    values[MF::Ethnicity as usize] = Value::Text("汉族".into());
    MemberRecord { values, resident_id: id }
}

/// A new household (not in the registry) in `village`, numbered `household_no`, with these members.
pub fn new_household(like: &HouseholdDoc, household_no: &str, members: Vec<MemberRecord>) -> HouseholdDoc {
    let mut d = like.clone();
    d.set(HF::HouseholdNo, Value::Text(household_no.to_string()));
    d.members = members;
    d.set(HF::StatedSize, Value::Int(d.members.len() as i64));
    d
}

/// A cell as text that reads the same from either backend (booleans as 0/1, dates ISO, bytes hex).
pub fn norm(c: &Cell) -> String {
    match c {
        Cell::Null => "NULL".into(),
        Cell::Int(i) => i.to_string(),
        Cell::Real(f) => f.to_string(),
        Cell::Text(t) => format!("'{t}'"),
        Cell::Bool(b) => (*b as i64).to_string(),
        Cell::Date(d) => format!("'{}'", d.format("%Y-%m-%d")),
        Cell::Bytes(b) => format!("x{}", b.iter().map(|x| format!("{x:02x}")).collect::<String>()),
    }
}

/// The column names of a table on either backend, in table order.
pub fn table_columns(conn: &mut Conn, table: &str) -> Vec<(String, String)> {
    let rows = match conn.backend() {
        bangfu_store::Backend::Sqlite => conn.query(&format!("SELECT name, type FROM pragma_table_info('{table}') ORDER BY cid"), &[]),
        bangfu_store::Backend::Postgres => conn.query(
            "SELECT column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            &[P::Text(table)],
        ),
    }
    .expect("columns");
    rows.iter().map(|r| (r[0].string(), r[1].string().to_lowercase())).collect()
}

/// A database of the same backend as `db` that nobody has migrated yet; dropped with the guard.
pub struct FreshDb {
    pub url: DbUrl,
    pg: Option<(String, String)>,
}

impl FreshDb {
    pub fn like(db: &TestDb) -> FreshDb {
        match db.store.backend() {
            bangfu_store::Backend::Sqlite => FreshDb { url: DbUrl::Sqlite(db.dir.path().join("fresh.db")), pg: None },
            bangfu_store::Backend::Postgres => {
                static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
                let admin = pg_admin_url();
                let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
                let name = format!("bangfu_fresh_{}_{}_{nanos}", std::process::id(), N.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
                let mut c = postgres::Client::connect(&admin, postgres::NoTls).expect("connect to PostgreSQL");
                c.batch_execute(&format!("CREATE DATABASE {name}")).expect("create fresh database");
                let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin.clone());
                FreshDb { url: DbUrl::Postgres(format!("{base}/{name}")), pg: Some((admin, name)) }
            }
        }
    }
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.pg
            && let Ok(mut c) = postgres::Client::connect(admin, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
    }
}

/// The schema's indexes and constraints as text (name and definition), for before/after comparisons.
pub fn schema_objects(conn: &mut Conn) -> std::collections::BTreeSet<String> {
    let rows = match conn.backend() {
        bangfu_store::Backend::Sqlite => conn.query("SELECT type || ' ' || name || ' ' || COALESCE(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'", &[]),
        bangfu_store::Backend::Postgres => conn.query(
            "SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() \
             UNION ALL SELECT 'constraint ' || c.conname || ' ' || pg_get_constraintdef(c.oid) FROM pg_constraint c \
             JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = current_schema()",
            &[],
        ),
    }
    .expect("schema objects");
    rows.iter().map(|r| r[0].string()).collect()
}

/// An index's definition on either backend: (table, column list), `None` when it does not exist.
pub fn index_definition(conn: &mut Conn, name: &str) -> Option<(String, String)> {
    let def = match conn.backend() {
        bangfu_store::Backend::Sqlite => conn.query("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", &[P::Text(name)]),
        bangfu_store::Backend::Postgres => conn.query("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = ?", &[P::Text(name)]),
    }
    .expect("index")
    .first()?[0]
    .string();
    Some(parse_index_sql(&def))
}

/// "CREATE INDEX x ON [schema.]table [USING btree] (a, b)" → ("table", "a,b").
pub fn parse_index_sql(sql: &str) -> (String, String) {
    let after_on = sql.split(" ON ").nth(1).unwrap_or_default();
    let table = after_on.split([' ', '(']).next().unwrap_or_default();
    let table = table.rsplit('.').next().unwrap_or_default().to_string();
    let cols = sql.rsplit_once('(').map(|(_, c)| c.trim_end_matches(')')).unwrap_or_default();
    (table, cols.chars().filter(|c| !c.is_whitespace()).collect())
}
