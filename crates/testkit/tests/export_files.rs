//! Export: filters give exactly the matching households; text that looks like a formula is never a
//! formula and still round-trips; masked exports hide phones and accounts and cannot be re-imported;
//! sheets split at the row limit are read back as one stream with households kept whole.

mod import_support;

use bangfu_domain::fields::{FieldRef, HouseholdField as HF, MemberField as MF};
use bangfu_domain::registry::{HouseholdDoc, IncomeRecord};
use bangfu_domain::value::Value;
use bangfu_domain::RegionCode;
use bangfu_exchange::export::{export_households, DocWriter, ExportRequest, Format};
use bangfu_exchange::import::ImportError;
use bangfu_sheets::{ReadOptions, Workbook};
use bangfu_store::registry::query::FieldFilter;
use bangfu_testkit::*;
use import_support::*;
use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

fn export(db: &mut TestDb, file: &str, region: Option<&str>, filters: Vec<FieldFilter>) -> (bangfu_exchange::export::ExportReport, std::path::PathBuf) {
    let path = db.dir.path().join(file);
    let req = ExportRequest {
        path: path.clone(),
        format: Format::from_path(&path),
        scope: all_scope(),
        region: region.map(|r| RegionCode::parse(r).unwrap()),
        filters,
        include_protected: true,
    };
    (export_households(&mut db.store, &req, &mut |_| {}).expect("export"), path)
}

/// Household numbers found in an exported file (every sheet whose header has 户编号 and 证件号码).
fn numbers_in(path: &Path) -> BTreeSet<String> {
    let mut wb = Workbook::open(path, &ReadOptions::default()).unwrap();
    let mut out = BTreeSet::new();
    for s in 0..wb.sheet_names().len() {
        let rows: Vec<_> = wb.rows(s).unwrap().map(|r| r.unwrap()).collect();
        let (Some(no), true) = (rows[0].cells.iter().position(|h| h == "户编号"), rows[0].cells.iter().any(|h| h == "证件号码")) else { continue };
        out.extend(rows[1..].iter().map(|r| r.cells[no].clone()));
    }
    out
}

fn numbers(docs: &[HouseholdDoc], keep: impl Fn(&HouseholdDoc) -> bool) -> BTreeSet<String> {
    docs.iter().filter(|d| keep(d)).map(household_no).collect()
}

fn filter(field: FieldRef, code: &str) -> FieldFilter {
    FieldFilter { field, code: code.into() }
}

/// (what, region prefix, filters, the household numbers expected)
type Case<'a> = (&'a str, Option<&'a str>, Vec<FieldFilter>, BTreeSet<String>);

const CAUSES: [HF; 5] = [HF::Cause1, HF::Cause2, HF::Cause3, HF::Cause4, HF::Cause5];

#[test]
fn filters_by_region_and_coded_fields_export_exactly_the_matching_households() {
    for mut db in backends() {
        insert_docs(&mut db.store, &demo_docs(200, 31));
        let docs = load_all(&mut db.store);
        let township = docs[0].region_code().unwrap().at_level(bangfu_domain::RegionLevel::Township).unwrap();
        let prefix = township.prefix().to_string();
        let disabled = |d: &HouseholdDoc| d.members.iter().any(|m| m.get(MF::Health).as_code() == Some("disabled"));
        let ill = |d: &HouseholdDoc| CAUSES.iter().any(|c| d.get(*c).as_code() == Some("illness"));
        let cases: Vec<Case> = vec![
            ("township", Some(prefix.as_str()), vec![], numbers(&docs, |d| d.get(HF::RegionCode).as_text().unwrap().starts_with(&prefix))),
            ("户类型=脱贫户", None, vec![filter(FieldRef::Household(HF::HouseholdType), "exited")], numbers(&docs, |d| d.household_type() == Some("exited"))),
            ("户类型=监测户", None, vec![filter(FieldRef::Household(HF::HouseholdType), "monitored")], numbers(&docs, |d| d.household_type() == Some("monitored"))),
            ("主要致贫原因=因病 (any cause column)", None, vec![filter(FieldRef::Household(HF::Cause1), "illness")], numbers(&docs, ill)),
            ("健康状况=残疾 (any member)", None, vec![filter(FieldRef::Member(MF::Health), "disabled")], numbers(&docs, disabled)),
            (
                "township + 脱贫户 + 残疾",
                Some(prefix.as_str()),
                vec![filter(FieldRef::Household(HF::HouseholdType), "exited"), filter(FieldRef::Member(MF::Health), "disabled")],
                numbers(&docs, |d| d.get(HF::RegionCode).as_text().unwrap().starts_with(&prefix) && d.household_type() == Some("exited") && disabled(d)),
            ),
        ];
        for (i, (what, region, filters, want)) in cases.into_iter().enumerate() {
            let who = format!("{}: {what}", db.name);
            assert!(!want.is_empty() && want.len() < docs.len(), "{who}: the sample should make this filter meaningful ({} of {})", want.len(), docs.len());
            for ext in ["csv", "xlsx"] {
                let (report, path) = export(&mut db, &format!("filtered-{i}.{ext}"), region, filters.clone());
                assert_eq!(report.households as usize, want.len(), "{who} {ext}");
                assert_eq!(numbers_in(&path), want, "{who} {ext}: the households in the file");
            }
        }
        // the SQL view agrees for the member-level filter
        let sql = db
            .store
            .conn
            .query_int("SELECT COUNT(DISTINCT household_id) FROM member WHERE health = 'disabled' AND status = 'active'", &[])
            .unwrap();
        assert_eq!(sql as usize, numbers(&docs, disabled).len(), "{}", db.name);
    }
}

/// Text that spreadsheets would take for formulas, in household and member fields.
const TRAPS: [(HF, &str); 4] = [
    (HF::HelperName, "=HYPERLINK(\"http://example.com\",\"点击\")"),
    (HF::HelperUnit, "+86 青山县民政局"),
    (HF::RoadType, "-水泥路"),
    (HF::MainFuel, "@柴草"),
];

fn docs_with_traps() -> Vec<HouseholdDoc> {
    let mut docs = demo_docs(20, 32);
    for (i, d) in docs.iter_mut().enumerate().take(4) {
        let (f, v) = TRAPS[i];
        d.set(f, Value::Text(v.into()));
    }
    docs[5].members[0].set(MF::Employer, Value::Text("=1+1".into()));
    docs[6].members[0].set(MF::Name, Value::Text("@张三".into()));
    docs
}

#[test]
fn text_that_looks_like_a_formula_is_neutralised_in_csv_and_stored_as_text_in_xlsx_and_round_trips() {
    for mut db in backends() {
        insert_docs(&mut db.store, &docs_with_traps());
        let expected = load_all(&mut db.store);
        let (_, csv) = export(&mut db, "traps.csv", None, vec![]);
        let raw = std::fs::read_to_string(&csv).unwrap();
        for v in TRAPS.iter().map(|t| t.1).chain(["=1+1", "@张三"]) {
            let quoted = format!("\"'{}\"", v.replace('"', "\"\""));
            assert!(raw.contains(&quoted), "{}: CSV cell {v} is not prefixed with '", db.name);
            assert!(!raw.contains(&format!("\"{}\"", v.replace('"', "\"\""))), "{}: CSV cell {v} also appears raw", db.name);
        }
        let (_, xlsx) = export(&mut db, "traps.xlsx", None, vec![]);
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&xlsx).unwrap()).unwrap();
        let mut all_xml = String::new();
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).unwrap();
            let name = entry.name().expect("entry name").to_string();
            if name.starts_with("xl/worksheets/") || name == "xl/sharedStrings.xml" {
                let mut s = String::new();
                entry.read_to_string(&mut s).unwrap();
                if name.starts_with("xl/worksheets/sheet") {
                    assert!(!s.contains("<f>") && !s.contains("<f "), "{}: {name} holds a formula", db.name);
                }
                all_xml.push_str(&s);
            }
        }
        assert!(all_xml.contains("=HYPERLINK(&quot;http://example.com&quot;") || all_xml.contains("=HYPERLINK(\"http://example.com\""), "{}: the text is kept as text", db.name);
        for file in [&csv, &xlsx] {
            let mut fresh = twin(&db);
            let report = import(&mut fresh, file);
            let who = format!("{} {}", db.name, file.display());
            assert!(report.committed && report.issues.is_empty(), "{who}: {:?}", report.issues.iter().map(|i| i.to_string()).collect::<Vec<_>>());
            assert_same_docs(&expected, &load_all(&mut fresh.store), &who);
        }
    }
}

#[test]
fn a_masked_export_shows_only_the_ends_of_phones_and_accounts_and_cannot_be_re_imported() {
    for mut db in backends() {
        insert_docs(&mut db.store, &demo_docs(30, 33));
        let docs = load_all(&mut db.store);
        let mut fresh = twin(&db);
        for ext in ["csv", "xlsx"] {
            let path = db.dir.path().join(format!("masked.{ext}"));
            let req = ExportRequest { path: path.clone(), format: Format::from_path(&path), scope: all_scope(), region: None, filters: vec![], include_protected: false };
            export_households(&mut db.store, &req, &mut |_| {}).unwrap();
            let rows = read_rows(&path, 0);
            let col = |h: &str| rows[0].1.iter().position(|x| x == h).unwrap();
            let (c_no, c_phone, c_account) = (col("户编号"), col("联系电话"), col("银行账号"));
            let mut checked = 0;
            for d in &docs {
                let row = &rows.iter().find(|r| r.1.get(c_no) == Some(&household_no(d))).unwrap().1;
                if let Value::Secret(s) = d.get(HF::Phone) {
                    let shown = &row[c_phone];
                    assert_eq!(shown, &s.masked(), "{} {ext}: household {}", db.name, household_no(d));
                    assert!(shown.contains("****") && !shown.contains(s.reveal()), "{} {ext}: {shown}", db.name);
                    checked += 1;
                }
                if let Value::Secret(s) = d.get(HF::BankAccount) {
                    assert_eq!(row[c_account], s.masked(), "{} {ext}", db.name);
                }
            }
            assert!(checked > 10, "{} {ext}: phones checked {checked}", db.name);
            let raw = std::fs::read(&path).unwrap();
            if ext == "csv" {
                let text = String::from_utf8_lossy(&raw);
                for d in &docs {
                    if let Value::Secret(s) = d.get(HF::Phone) {
                        assert!(!text.contains(s.reveal()), "{}: a full phone number is in the masked CSV", db.name);
                    }
                }
            }
            let report = match try_import(&mut fresh.store, &request(&path)) {
                Ok(r) => r,
                Err(ImportError::File(m)) => panic!("{} {ext}: refused as a file instead of per row: {m}", db.name),
                Err(e) => panic!("{e}"),
            };
            assert!(!report.committed, "{} {ext}: a masked file was imported", db.name);
            assert_nothing_written(&mut fresh, ext);
            let phone = report.issues.iter().find(|i| i.column.ends_with("（联系电话）")).unwrap_or_else(|| panic!("{} {ext}: no problem reported on 联系电话", db.name));
            assert!(phone.reason.contains("脱敏") && phone.fix.contains("完整"), "{} {ext}: {phone}", db.name);
            assert!(report.issues.iter().any(|i| i.column.ends_with("（银行账号）") && i.reason.contains("脱敏")), "{} {ext}: bank account", db.name);
        }
    }
}

#[test]
fn sheets_split_at_the_row_limit_are_read_back_as_one_stream_with_households_kept_whole() {
    const LIMIT: u32 = 50;
    for mut db in backends() {
        insert_docs(&mut db.store, &demo_docs(60, 34));
        let docs = load_all(&mut db.store);
        // the export's rows, written through the sheets writer with a small row limit
        let (header, rows) = rows_of_docs(&mut db.store, &docs);
        let path = db.dir.path().join("split.xlsx");
        let mut w = bangfu_sheets::xlsx_writer_with_limit(&path, LIMIT).unwrap();
        w.begin_table("户成员", &header).unwrap();
        let mut written = 0u32;
        let mut straddling = 0;
        for household in &rows {
            let start = written;
            for r in household {
                w.write_row(r).unwrap();
                written += 1;
            }
            if start / LIMIT != (written - 1) / LIMIT {
                straddling += 1;
            }
        }
        w.finish().unwrap();
        assert!(straddling >= 2, "{}: households straddling a split: {straddling}", db.name);
        let names = Workbook::open(&path, &ReadOptions::default()).unwrap().sheet_names();
        let parts = (written as usize).div_ceil(LIMIT as usize);
        let want: Vec<String> = (1..=parts).map(|p| if p == 1 { "户成员".to_string() } else { format!("户成员({p})") }).collect();
        assert_eq!(names, want, "{}", db.name);
        let mut fresh = twin(&db);
        let report = import(&mut fresh, &path);
        let who = format!("{} split xlsx", db.name);
        assert!(report.committed && report.issues.is_empty(), "{who}: {:?}", report.issues.iter().map(|i| i.to_string()).collect::<Vec<_>>());
        assert_eq!(report.households_in_file, docs.len() as u64, "{who}");
        assert_eq!(report.member_rows, written as u64, "{who}");
        assert_same_docs(&docs, &load_all(&mut fresh.store), &who);
    }
}

#[test]
fn an_income_history_of_several_years_survives_an_xlsx_round_trip_in_its_own_sheet() {
    for mut db in backends() {
        let mut docs = demo_docs(15, 35);
        for (i, d) in docs.iter_mut().enumerate().filter(|(i, _)| i % 2 == 0) {
            let latest = d.incomes.last().cloned().unwrap();
            for back in 1..=2 {
                let amounts = latest.amounts.map(|a| a.map(|v| v * (10 - back) / 10 + i as i64));
                d.incomes.insert(0, IncomeRecord { year: latest.year - back, amounts });
            }
        }
        insert_docs(&mut db.store, &docs);
        let expected = load_all(&mut db.store);
        assert!(expected.iter().any(|d| d.incomes.len() == 3), "{}", db.name);
        let (_, path) = export(&mut db, "history.xlsx", None, vec![]);
        let names = Workbook::open(&path, &ReadOptions::default()).unwrap().sheet_names();
        assert_eq!(names, ["户成员", "历年收入"], "{}", db.name);
        let mut fresh = twin(&db);
        let report = import(&mut fresh, &path);
        assert!(report.committed && report.issues.is_empty(), "{}: {:?}", db.name, report.issues.iter().map(|i| i.to_string()).collect::<Vec<_>>());
        assert_same_docs(&expected, &load_all(&mut fresh.store), &format!("{} income history", db.name));
        let years = fresh.store.conn.query_int("SELECT COUNT(*) FROM household_income", &[]).unwrap();
        assert_eq!(years as usize, expected.iter().map(|d| d.incomes.len()).sum::<usize>(), "{}", db.name);
    }
}

#[test]
fn a_doc_writer_writes_the_header_the_importer_reads() {
    // DocWriter's own header is what the defect injector and the demo files rely on
    let dir = tempfile::tempdir().unwrap();
    let w = DocWriter::create(&dir.path().join("h.csv"), Format::Csv, false).unwrap();
    let header = w.header();
    for needed in ["户编号", "证件号码", "与户主关系", "区划代码", "耕地面积(亩)", "主要致贫原因", "性别", "出生日期", "姓名"] {
        assert!(header.contains(&needed), "{needed} missing from the export header");
    }
    let unique: BTreeSet<&str> = header.iter().copied().collect();
    assert_eq!(unique.len(), header.len(), "duplicate export columns");
}
