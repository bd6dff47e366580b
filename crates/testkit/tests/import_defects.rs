//! The demo files with injected defects (what `bangfu demo --files DIR --defect-rate R` writes): every
//! household with a damaging defect is rejected, messy-but-valid spellings are accepted, and with
//! `accept_valid` everything else is written.

mod import_support;

use bangfu_exchange::defects::{Defect, Injector};
use bangfu_exchange::export::{DocWriter, Format};
use bangfu_store::regions::Directory;
use bangfu_testkit::*;
use import_support::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// What went into a defect file: household number of every data row, and what was injected where.
struct DefectFile {
    /// Physical row number → household number.
    household_of_row: BTreeMap<u64, String>,
    /// Household number → defects injected into it.
    defects: BTreeMap<String, Vec<Defect>>,
    households: usize,
    errors: usize,
}

fn write_defect_file(db: &mut TestDb, path: &Path, format: Format, households: usize, seed: u64, rate: f64) -> DefectFile {
    let dir = Directory::load(&mut db.store.conn, &all_scope()).unwrap();
    let mut w = DocWriter::create(path, format, false).unwrap();
    let header = w.header();
    let mut inj = Injector::new(&header, rate, seed);
    let mut household_of_row = BTreeMap::new();
    let mut first_row_of = Vec::new();
    let mut next_row = 2u64; // row 1 is the header
    let docs = demo_docs(households, seed);
    for doc in &docs {
        let names = doc.region_code().map(|c| dir.path_names(&c)).unwrap_or_default();
        let mut rows = w.rows_of(doc, &names);
        inj.apply(&mut rows);
        first_row_of.push(next_row);
        for _ in &rows {
            household_of_row.insert(next_row, household_no(doc));
            next_row += 1;
        }
        w.write_rows(&rows).unwrap();
    }
    w.finish().unwrap();
    let mut defects: BTreeMap<String, Vec<Defect>> = BTreeMap::new();
    for (d, index) in &inj.injected {
        let row = index + 2;
        defects.entry(household_of_row[&row].clone()).or_default().push(*d);
    }
    DefectFile { household_of_row, defects, households, errors: inj.errors() }
}

impl DefectFile {
    fn with_errors(&self) -> BTreeSet<String> {
        self.defects.iter().filter(|(_, d)| d.iter().any(|d| d.is_error())).map(|(n, _)| n.clone()).collect()
    }
    fn noise_only(&self) -> BTreeSet<String> {
        self.defects.iter().filter(|(_, d)| d.iter().all(|d| !d.is_error())).map(|(n, _)| n.clone()).collect()
    }
    fn rejected(&self, report: &bangfu_exchange::ImportReport) -> BTreeSet<String> {
        report.issues.iter().filter_map(|i| self.household_of_row.get(&i.row).cloned()).collect()
    }
}

/// Households whose fate differs from what their defects say, with the defects and the problems found.
fn mismatches(f: &DefectFile, report: &bangfu_exchange::ImportReport) -> String {
    let want = f.with_errors();
    let got = f.rejected(report);
    let mut out = String::new();
    for no in want.symmetric_difference(&got) {
        let issues: Vec<String> = report.issues.iter().filter(|i| f.household_of_row.get(&i.row) == Some(no)).map(|i| i.to_string()).collect();
        out.push_str(&format!("\n  {no}: injected {:?}, rejected for {issues:?}", f.defects.get(no)));
    }
    out
}

fn check_defect_import(db: &mut TestDb, format: Format, households: usize, seed: u64, rate: f64) -> DefectFile {
    let ext = if format == Format::Csv { "csv" } else { "xlsx" };
    let path = db.dir.path().join(format!("members-defects-{seed}.{ext}"));
    let f = write_defect_file(db, &path, format, households, seed, rate);
    let who = format!("{} {ext} seed {seed} rate {rate}", db.name);
    assert!(f.errors > 0, "{who}: no damaging defect injected");
    assert!(!f.noise_only().is_empty() || rate < 0.1, "{who}: no noise-only household");

    // all or nothing: every damaging defect is found, nothing is written
    let report = import(db, &path);
    assert!(!report.committed, "{who}");
    assert_nothing_written(db, &who);
    assert_eq!(f.rejected(&report), f.with_errors(), "{who}: rejected households differ from damaged ones:{}", mismatches(&f, &report));
    assert_eq!(report.rejected_households, f.errors as u64, "{who}: Injector::errors() and rejected households:{}", mismatches(&f, &report));
    assert!(report.report_path.as_ref().is_some_and(|p| p.exists()), "{who}: error report");

    // accept valid: the rest is written, including the merely messy households
    let report = import_accepting_valid(db, &path);
    assert!(report.committed, "{who}");
    assert_eq!(report.written.households_created as usize, f.households - f.errors, "{who}");
    let stored: BTreeSet<String> = load_all(&mut db.store).iter().map(household_no).collect();
    for no in f.with_errors() {
        assert!(!stored.contains(&no), "{who}: damaged household {no} was written");
    }
    for no in f.noise_only() {
        assert!(stored.contains(&no), "{who}: household {no} with only {:?} was not written", f.defects[&no]);
    }
    // the messy spellings were normalised on the way in
    let ids: Vec<String> = db.store.conn.query("SELECT resident_id FROM member", &[]).unwrap().iter().map(|r| r[0].string()).collect();
    assert!(ids.iter().all(|i| i.len() == 18 && !i.contains(' ') && !i.contains('x')), "{who}: an ID was stored as typed");
    f
}

#[test]
fn every_household_with_a_damaging_defect_is_rejected_at_the_demo_rate_in_csv() {
    for mut db in backends() {
        check_defect_import(&mut db, Format::Csv, 300, 1, 0.05);
    }
}

#[test]
fn every_kind_of_defect_is_caught_or_accepted_as_it_should_be_at_a_high_rate() {
    // a high rate puts every kind of defect into the file several times
    for mut db in backends() {
        for (format, seed) in [(Format::Csv, 2), (Format::Xlsx, 3)] {
            let f = check_defect_import(&mut db, format, 150, seed, 0.6);
            let kinds: BTreeSet<String> = f.defects.values().flatten().map(|d| format!("{d:?}")).collect();
            assert_eq!(kinds.len(), 10, "{}: every kind was injected: {kinds:?}", db.name);
            // the accepted households stay for the next format's import: start over
            db = twin(&db);
        }
    }
}
