//! Helpers shared by the import, export and CLI suites: databases with the demo regions, running
//! an import the way the command line does, reading the registry back, and building small files.
#![allow(dead_code)]

use bangfu_domain::fields::HouseholdField as HF;
use bangfu_domain::registry::HouseholdDoc;
use bangfu_domain::ResidentId;
use bangfu_exchange::export::{DocWriter, Format};
use bangfu_exchange::import::ImportError;
use bangfu_exchange::{import_households, ImportReport, ImportRequest};
use bangfu_sheets::{Cell, ReadOptions, Workbook};
use bangfu_store::regions::Directory;
use bangfu_store::registry::{query, read};
use bangfu_store::{Store, P};
use bangfu_testkit::*;
use std::path::{Path, PathBuf};

/// Every backend, each a fresh database with the demo county's regions loaded.
pub fn backends() -> Vec<TestDb> {
    TestDb::all().into_iter().map(TestDb::with_demo_regions).collect()
}

/// The request the command line builds, for the fixed test date.
pub fn request(path: &Path) -> ImportRequest {
    ImportRequest {
        path: path.to_path_buf(),
        accept_valid: false,
        scope: all_scope(),
        today: today(),
        default_household_type: None,
        income_year: 2025,
        write_report: true,
    }
}

pub fn try_import(store: &mut Store, req: &ImportRequest) -> Result<ImportReport, ImportError> {
    import_households(store, test_actor(), req, &mut |_| {})
}

/// Imports a file all-or-nothing; an `ImportError` fails the test.
pub fn import(db: &mut TestDb, path: &Path) -> ImportReport {
    let req = request(path);
    try_import(&mut db.store, &req).unwrap_or_else(|e| panic!("{}: import of {} failed: {e}", db.name, path.display()))
}

/// Imports writing the valid households and reporting the rest.
pub fn import_accepting_valid(db: &mut TestDb, path: &Path) -> ImportReport {
    let mut req = request(path);
    req.accept_valid = true;
    try_import(&mut db.store, &req).unwrap_or_else(|e| panic!("{}: import of {} failed: {e}", db.name, path.display()))
}

/// Every household row, whatever its status.
pub fn household_rows(store: &mut Store) -> i64 {
    store.conn.query_int("SELECT COUNT(*) FROM household", &[]).expect("count households")
}

pub fn member_rows(store: &mut Store) -> i64 {
    store.conn.query_int("SELECT COUNT(*) FROM member", &[]).expect("count members")
}

/// Import batches that were committed (a rolled-back import leaves none).
pub fn committed_batches(store: &mut Store) -> i64 {
    store.conn.query_int("SELECT COUNT(*) FROM import_batch WHERE status = 'committed'", &[]).expect("count batches")
}

pub fn events(store: &mut Store) -> i64 {
    store.conn.query_int("SELECT COUNT(*) FROM adjustment_event", &[]).expect("count events")
}

/// Asserts that nothing of an import reached the database.
pub fn assert_nothing_written(db: &mut TestDb, what: &str) {
    assert_eq!(household_rows(&mut db.store), 0, "{}: {what}: households were written", db.name);
    assert_eq!(member_rows(&mut db.store), 0, "{}: {what}: members were written", db.name);
    assert_eq!(committed_batches(&mut db.store), 0, "{}: {what}: an import batch was committed", db.name);
}

/// Every active household in the registry, ordered by household number.
pub fn load_all(store: &mut Store) -> Vec<HouseholdDoc> {
    let mut ids = Vec::new();
    let mut after = 0;
    loop {
        let page = query::matching_ids(&mut store.conn, &all_scope(), None, &[], after, 1000).expect("ids");
        let Some(last) = page.last() else { break };
        after = *last;
        ids.extend(page);
    }
    let mut docs: Vec<HouseholdDoc> = read::load(&mut store.conn, &store.keys, &all_scope(), &ids).expect("load").into_iter().map(|h| h.doc).collect();
    docs.sort_by_key(household_no);
    docs
}

pub fn household_no(d: &HouseholdDoc) -> String {
    d.get(HF::HouseholdNo).as_text().unwrap_or_default().to_string()
}

/// A household by its number.
pub fn household(store: &mut Store, no: &str) -> Option<HouseholdDoc> {
    let id = store.conn.query_opt("SELECT id FROM household WHERE household_no = ? AND status = 'active'", &[P::Text(no)]).expect("query")?[0].int()?;
    read::get(&mut store.conn, &store.keys, &all_scope(), id).expect("get").map(|h| h.doc)
}

/// Writes households in the export layout (what `bangfu demo --files` writes), names from the store.
pub fn write_docs(store: &mut Store, path: &Path, format: Format, docs: &[HouseholdDoc]) {
    let dir = Directory::load(&mut store.conn, &all_scope()).expect("directory");
    let mut w = DocWriter::create(path, format, false).expect("create writer");
    for d in docs {
        let names = d.region_code().map(|c| dir.path_names(&c)).unwrap_or_default();
        w.write_doc(d, &names).expect("write household");
    }
    w.finish().expect("finish");
}

/// The rows (cells) each household of `docs` would be written as, with the header.
pub fn rows_of_docs(store: &mut Store, docs: &[HouseholdDoc]) -> (Vec<&'static str>, Vec<Vec<Vec<Cell>>>) {
    let dir = Directory::load(&mut store.conn, &all_scope()).expect("directory");
    let tmp = tempfile::tempdir().expect("tmp");
    let w = DocWriter::create(&tmp.path().join("x.csv"), Format::Csv, false).expect("writer");
    let header = w.header();
    let rows = docs
        .iter()
        .map(|d| {
            let names = d.region_code().map(|c| dir.path_names(&c)).unwrap_or_default();
            w.rows_of(d, &names)
        })
        .collect();
    (header, rows)
}

/// A valid resident ID of the demo county: birth date `yyyymmdd`, sequence `seq` (odd = male).
pub fn rid(yyyymmdd: &str, seq: u32) -> String {
    ResidentId::from_body(&format!("431099{yyyymmdd}{seq:03}")).expect("valid body").as_str().to_string()
}

/// The same number with a wrong check character.
pub fn with_bad_check(id: &str) -> String {
    let last = id.chars().last().unwrap();
    let other = if last == '1' { '2' } else { '1' };
    format!("{}{other}", &id[..17])
}

/// The first demo village: (township name, village name, village code).
pub fn first_village() -> (String, String, String) {
    let c = bangfu_demo::demo_county();
    let v = &c.villages[0];
    let t = c.township_of(v).expect("township");
    (t.name.clone(), v.region.name.clone(), v.region.code.as_str().to_string())
}

/// CSV text (no BOM, every field quoted) from rows.
pub fn csv_text(rows: &[Vec<&str>]) -> String {
    let mut s = String::new();
    for r in rows {
        let q: Vec<String> = r.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect();
        s.push_str(&q.join(","));
        s.push_str("\r\n");
    }
    s
}

pub fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write file");
    p
}

/// All rows of the first sheet of a file, as read by bangfu-sheets.
pub fn read_rows(path: &Path, sheet: usize) -> Vec<(u64, Vec<String>)> {
    let mut wb = Workbook::open(path, &ReadOptions::default()).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    wb.rows(sheet).expect("rows").map(|r| r.map(|r| (r.number, r.cells)).expect("row")).collect()
}

/// The error report's rows (without the header) as maps from header to cell.
pub fn report_rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let rows = read_rows(path, 0);
    let header = rows[0].1.clone();
    rows[1..]
        .iter()
        .map(|(_, cells)| header.iter().enumerate().map(|(i, h)| (h.clone(), cells.get(i).cloned().unwrap_or_default())).collect())
        .collect()
}

/// A small registry file in the plain layout: one row per member, household columns on every row.
/// Columns: `PLAIN_HEADER`. `tag` (0–99) makes household numbers and IDs distinct between files.
#[derive(Clone)]
pub struct Plain {
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

pub const PLAIN_HEADER: [&str; 9] = ["乡", "村", "户编号", "户类型", "姓名", "证件号码", "与户主关系", "联系电话", "耕地面积(亩)"];

impl Plain {
    /// Three households of the first demo village: 2, 3 and 1 members.
    pub fn new(tag: u32) -> Plain {
        assert!(tag < 100);
        let (t, v, _) = first_village();
        let s = tag * 10;
        let r = |k: u32, ty: &str, name: &str, id: String, rel: &str, phone: &str, land: &str| -> Vec<String> {
            vec![t.clone(), v.clone(), format!("L{tag:02}-{k}"), ty.into(), name.into(), id, rel.into(), phone.into(), land.into()]
        };
        Plain {
            header: PLAIN_HEADER.to_vec(),
            rows: vec![
                r(1, "脱贫户", "张大山", rid("19650412", s + 1), "户主", "13800001234", "2.5"),
                r(1, "脱贫户", "李秀英", rid("19680101", s + 2), "配偶", "13800001234", "2.5"),
                r(2, "监测户", "王小明", rid("19700505", s + 3), "户主", "13900002222", "1"),
                r(2, "监测户", "刘芳", rid("19721212", s + 4), "配偶", "13900002222", "1"),
                r(2, "监测户", "王乐", rid("20100808", s + 5), "之子", "13900002222", "1"),
                r(3, "脱贫户", "赵老汉", rid("19400315", s + 7), "户主", "0731-84512345", "0.75"),
            ],
        }
    }

    pub fn to_csv(&self) -> String {
        let mut all: Vec<Vec<&str>> = vec![self.header.clone()];
        for r in &self.rows {
            all.push(r.iter().map(String::as_str).collect());
        }
        csv_text(&all)
    }

    pub fn col(&self, name: &str) -> usize {
        self.header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("no column {name}"))
    }

    pub fn get(&self, row: usize, col: &str) -> &str {
        &self.rows[row][self.col(col)]
    }

    pub fn set(&mut self, row: usize, col: &str, value: &str) {
        let c = self.col(col);
        self.rows[row][c] = value.to_string();
    }

    pub fn write_csv(&self, dir: &Path, name: &str) -> PathBuf {
        write_file(dir, name, self.to_csv().as_bytes())
    }

    /// Household numbers, in file order.
    pub fn numbers(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in &self.rows {
            let no = r[self.col("户编号")].clone();
            if !out.contains(&no) {
                out.push(no);
            }
        }
        out
    }

    /// Asserts the registry holds these households exactly as the canonical rows say.
    pub fn expect_in(&self, store: &mut Store, who: &str) {
        use bangfu_domain::vocab::HOUSEHOLD_TYPE;
        let (_, _, code) = first_village();
        for no in self.numbers() {
            let rows: Vec<&Vec<String>> = self.rows.iter().filter(|r| r[self.col("户编号")] == no).collect();
            let doc = household(store, &no).unwrap_or_else(|| panic!("{who}: household {no} was not imported"));
            let ids: Vec<&str> = doc.members.iter().map(|m| m.resident_id.as_str()).collect();
            let want: Vec<String> = rows.iter().map(|r| ResidentId::parse(&r[self.col("证件号码")]).expect("canonical id").as_str().to_string()).collect();
            assert_eq!(ids, want, "{who}: household {no}: members in file order");
            let names: Vec<&str> = doc.members.iter().map(|m| m.name()).collect();
            let want_names: Vec<&str> = rows.iter().map(|r| r[self.col("姓名")].as_str()).collect();
            assert_eq!(names, want_names, "{who}: household {no}: names");
            let heads: Vec<bool> = doc.members.iter().map(|m| m.is_head()).collect();
            let want_heads: Vec<bool> = rows.iter().map(|r| r[self.col("与户主关系")] == "户主").collect();
            assert_eq!(heads, want_heads, "{who}: household {no}: relation to head");
            let ty = HOUSEHOLD_TYPE.parse(&rows[0][self.col("户类型")]).expect("type").code;
            assert_eq!(doc.household_type(), Some(ty), "{who}: household {no}: 户类型");
            let land = bangfu_domain::value::parse_decimal(&rows[0][self.col("耕地面积(亩)")], &[], false).expect("land");
            assert_eq!(doc.get(HF::CultivatedLand).as_int(), Some(land), "{who}: household {no}: 耕地面积");
            let phone = match doc.get(HF::Phone) {
                bangfu_domain::Value::Secret(s) => s.reveal().to_string(),
                v => panic!("{who}: household {no}: phone not stored as a protected value: {v:?}"),
            };
            assert_eq!(phone, rows[0][self.col("联系电话")], "{who}: household {no}: phone");
            assert_eq!(doc.get(HF::RegionCode).as_text(), Some(code.as_str()), "{who}: household {no}: village");
            for (m, r) in doc.members.iter().zip(&rows) {
                let id = ResidentId::parse(&r[self.col("证件号码")]).expect("id");
                assert_eq!(m.get(bangfu_domain::fields::MemberField::BirthDate).as_date(), Some(id.birth_date()), "{who}: household {no}: birth date from the ID");
            }
        }
    }
}

/// A database of the same backend as `db`, fresh, with the demo regions.
pub fn twin(db: &TestDb) -> TestDb {
    match db.name {
        "sqlite" => TestDb::sqlite(),
        _ => TestDb::postgres(),
    }
    .with_demo_regions()
}

/// Compares two registries household by household, naming the household, field or member that differs.
pub fn assert_same_docs(expected: &[HouseholdDoc], actual: &[HouseholdDoc], who: &str) {
    use bangfu_domain::fields::{HouseholdField, MemberField};
    let nos = |d: &[HouseholdDoc]| d.iter().map(household_no).collect::<Vec<_>>();
    assert_eq!(nos(actual), nos(expected), "{who}: household numbers differ");
    for (e, a) in expected.iter().zip(actual) {
        let no = household_no(e);
        for f in HouseholdField::ALL {
            assert_eq!(a.get(f), e.get(f), "{who}: household {no}: {} differs", f.def().label);
        }
        let ids = |d: &HouseholdDoc| d.members.iter().map(|m| m.resident_id.as_str().to_string()).collect::<Vec<_>>();
        assert_eq!(ids(a), ids(e), "{who}: household {no}: members (in order) differ");
        for (me, ma) in e.members.iter().zip(&a.members) {
            for f in MemberField::ALL {
                assert_eq!(ma.get(f), me.get(f), "{who}: household {no}, member {}: {} differs", me.resident_id, f.def().label);
            }
        }
        assert_eq!(a.incomes, e.incomes, "{who}: household {no}: incomes differ");
        assert_eq!(a, e, "{who}: household {no}");
    }
}

/// Exports the whole registry of a store.
pub fn export_all(store: &mut Store, path: &Path, format: Format, include_protected: bool) -> bangfu_exchange::export::ExportReport {
    let req = bangfu_exchange::export::ExportRequest {
        path: path.to_path_buf(),
        format,
        scope: all_scope(),
        region: None,
        filters: Vec::new(),
        include_protected,
    };
    bangfu_exchange::export::export_households(store, &req, &mut |_| {}).expect("export")
}

/// Rewrites a CSV file through bangfu-sheets: `edit` gets the header and the data rows.
pub fn rewrite_csv(from: &Path, to: &Path, edit: impl FnOnce(&[String], &mut Vec<Vec<String>>)) {
    let rows = read_rows(from, 0);
    let header = rows[0].1.clone();
    let mut data: Vec<Vec<String>> = rows[1..].iter().map(|(_, c)| c.clone()).collect();
    edit(&header, &mut data);
    let mut w = bangfu_sheets::csv_writer(to).expect("csv writer");
    let h: Vec<&str> = header.iter().map(String::as_str).collect();
    w.begin_table("户成员", &h).expect("header");
    for r in &data {
        let cells: Vec<Cell> = r.iter().map(|t| if t.is_empty() { Cell::Empty } else { Cell::Text(t.clone()) }).collect();
        w.write_row(&cells).expect("row");
    }
    w.finish().expect("finish");
}
