//! Comparison with department lists (数据比对) on every backend: each finding kind fires on its
//! planted case and stays quiet on clean ones; lists in other layouts (15-digit IDs, other ID
//! headers, title rows, two-row headers, GBK CSV, XLSX) are read; bad rows are reported with their
//! row and column and skipped; repeated IDs count once; name differences are always reported;
//! work orders are scoped by region, versioned and audited; completion per township adds up.

mod common;

use bangfu_domain::comparison::{Department, FindingKind, ListKind, MedicalThresholds, OrderStatus};
use bangfu_domain::fields::{HouseholdField as HF, MemberField as MF};
use bangfu_domain::registry::HouseholdDoc;
use bangfu_domain::{RegionCode, RegionLevel, RegionScope, ResidentId, Value};
use bangfu_exchange::compare::{import_list, CompareError, CompareReport, CompareRequest};
use bangfu_store::audit::Actor;
use bangfu_store::comparison::{self, OrderFilter, OrderUpdate, WorkOrder};
use bangfu_store::{StoreError, P};
use bangfu_testkit::*;
use common::*;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------- registry and list fixtures

/// Demo households with every 低保/特困 flag cleared (so that only planted ones exist), changed by `plant`,
/// then inserted.
fn registry(db: &mut TestDb, n: usize, seed: u64, plant: impl FnOnce(&mut Vec<HouseholdDoc>)) -> Vec<HouseholdDoc> {
    load_demo_regions(&mut db.store);
    let mut docs = demo_docs(n, seed);
    for d in &mut docs {
        d.set(HF::PovertyAttribute, Value::Code("general"));
        for m in &mut d.members {
            m.set(MF::Dibao, Value::Text("否".into()));
            m.set(MF::Tekun, Value::Text("否".into()));
        }
    }
    plant(&mut docs);
    insert_docs(&mut db.store, &docs);
    docs
}

fn rid(docs: &[HouseholdDoc], h: usize, m: usize) -> String {
    docs[h].members[m].resident_id.as_str().to_string()
}

fn name(docs: &[HouseholdDoc], h: usize, m: usize) -> String {
    docs[h].members[m].name().to_string()
}

/// A valid ID nobody in the demo registry has (a Beijing prefix).
fn stranger(seq: u32) -> String {
    ResidentId::from_body(&format!("11010519800101{seq:03}")).unwrap().as_str().to_string()
}

/// A UTF-8 CSV (with BOM) of these rows under this header.
fn csv(dir: &Path, file: &str, header: &[&str], rows: &[Vec<String>]) -> PathBuf {
    let path = dir.join(file);
    let mut w = bangfu_sheets::csv_writer(&path).unwrap();
    w.begin_table("名单", header).unwrap();
    for r in rows {
        let cells: Vec<bangfu_sheets::Cell> = r.iter().map(|c| bangfu_sheets::Cell::Text(c.clone())).collect();
        w.write_row(&cells).unwrap();
    }
    w.finish().unwrap();
    path
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

fn request(path: &Path, kind: ListKind, complete: bool) -> CompareRequest {
    CompareRequest {
        path: path.to_path_buf(),
        department: kind.department(),
        kind,
        scope: RegionScope::all(),
        region: None,
        complete,
        thresholds: MedicalThresholds::default(),
        today: today(),
        write_report: false,
    }
}

fn run(db: &mut TestDb, req: &CompareRequest) -> CompareReport {
    import_list(&mut db.store, &test_actor(), req, &mut |_| {}).unwrap_or_else(|e| panic!("{}: compare failed: {e}", db.name))
}

fn all_orders(db: &mut TestDb, list_id: i64) -> Vec<WorkOrder> {
    let f = OrderFilter { list_id: Some(list_id), ..Default::default() };
    comparison::orders(&mut db.store.conn, &RegionScope::all(), &f, 0, 100_000).unwrap().orders
}

fn member_rid(db: &mut TestDb, member_id: i64) -> String {
    db.store.conn.query("SELECT resident_id FROM member WHERE id = ?", &[P::Int(member_id)]).unwrap()[0][0].string()
}

fn household_no_of(db: &mut TestDb, id: i64) -> String {
    db.store.conn.query("SELECT household_no FROM household WHERE id = ?", &[P::Int(id)]).unwrap()[0][0].string()
}

/// The orders as (kind, resident ID of the member or "" for household-level orders, household number), sorted.
fn findings(db: &mut TestDb, list_id: i64) -> Vec<(FindingKind, String, String)> {
    let orders = all_orders(db, list_id);
    let mut out: Vec<(FindingKind, String, String)> = orders
        .iter()
        .map(|o| {
            let r = o.member_id.map(|m| member_rid(db, m)).unwrap_or_default();
            (o.kind, r, household_no_of(db, o.household_id))
        })
        .collect();
    out.sort();
    out
}

fn expect(mut v: Vec<(FindingKind, String, String)>) -> Vec<(FindingKind, String, String)> {
    v.sort();
    v
}

// ---------------------------------------------------------------- each finding kind

#[test]
fn civil_affairs_lists_find_unrecorded_and_missing_dibao_and_tekun() {
    for mut db in TestDb::all() {
        let docs = registry(&mut db, 30, 7, |d| {
            // B enjoys 低保 as a member; C is a 低保 household; D has a member enjoying 低保; E is 特困
            d[1].members[0].set(MF::Dibao, Value::Text("是".into()));
            d[2].set(HF::PovertyAttribute, Value::Code("dibao"));
            let last = d[3].members.len() - 1;
            d[3].members[last].set(MF::Dibao, Value::Text("是".into()));
            d[4].set(HF::PovertyAttribute, Value::Code("tekun"));
        });
        let dir = db.dir.path().to_path_buf();
        let list = csv(
            &dir,
            "低保.csv",
            &["序号", "姓名", "身份证号", "保障类别"],
            &[row(&["1", &name(&docs, 0, 0), &rid(&docs, 0, 0), "A类"]), row(&["2", &name(&docs, 1, 0), &rid(&docs, 1, 0), "B类"]), row(&["3", "外县人", &stranger(1), "C类"])],
        );
        let r = run(&mut db, &request(&list, ListKind::Dibao, true));
        let f = &r.outcome.figures;
        assert_eq!((f.rows, f.matched, f.not_in_registry, f.name_differs, f.bad_rows), (3, 2, 1, 0, 0), "{}: {f:?}", db.name);
        assert_eq!(
            findings(&mut db, r.outcome.list_id),
            expect(vec![
                (FindingKind::DibaoNotRecorded, rid(&docs, 0, 0), no(&docs[0])),
                (FindingKind::DibaoRecordedNotOnList, String::new(), no(&docs[2])),
                (FindingKind::DibaoRecordedNotOnList, String::new(), no(&docs[3])),
            ]),
            "{}: A not recorded; C and D absent; B clean; the 特困 household is not a 低保 finding",
            db.name
        );
        assert_eq!(f.findings, 3, "{}", db.name);
        let orders = all_orders(&mut db, r.outcome.list_id);
        let d = orders.iter().find(|o| o.household_no.as_deref() == Some(no(&docs[3]).as_str())).unwrap();
        assert!(d.detail.contains("有成员享受低保") && d.member_id.is_none(), "{}: {}", db.name, d.detail);

        // a 特困 list (not complete): the 特困 household's member is recorded, A is not
        let list = csv(&dir, "特困.csv", &["姓名", "公民身份号码"], &[row(&[&name(&docs, 0, 0), &rid(&docs, 0, 0)]), row(&[&name(&docs, 4, 0), &rid(&docs, 4, 0)])]);
        let r = run(&mut db, &request(&list, ListKind::Tekun, false));
        let got = findings(&mut db, r.outcome.list_id);
        assert_eq!(got, vec![(FindingKind::DibaoNotRecorded, rid(&docs, 0, 0), no(&docs[0]))], "{}", db.name);
        let o = &all_orders(&mut db, r.outcome.list_id)[0];
        assert!(o.detail.contains("特困") && o.detail.contains(&name(&docs, 0, 0)), "{}: {}", db.name, o.detail);
    }
}

#[test]
fn large_out_of_pocket_costs_fire_by_the_threshold_of_the_household_type_unless_monitored() {
    for mut db in TestDb::all() {
        let docs = registry(&mut db, 30, 8, |d| {
            for (i, t) in ["exited", "exited", "monitored", "ordinary", "ordinary", "monitored"].iter().enumerate() {
                d[i].set(HF::HouseholdType, Value::Code(t));
                d[i].set(HF::MonitoringCategory, if *t == "monitored" { Value::Code("edge_at_risk") } else { Value::Null });
                d[i].set(HF::RiskEliminated, Value::Bool(false));
            }
            // household 5 was monitored but its risk is eliminated: no longer under monitoring
            d[5].set(HF::RiskEliminated, Value::Bool(true));
        });
        let dir = db.dir.path().to_path_buf();
        let amounts = ["6,000.50", "4999.99", "30000", "6000", "25000元", "5200"];
        let rows: Vec<Vec<String>> = (0..6).map(|i| row(&[&name(&docs, i, 0), &rid(&docs, i, 0), amounts[i], "县人民医院", "2025-03-01"])).collect();
        let list = csv(&dir, "医疗.csv", &["患者姓名", "证件号码", "个人自付金额(元)", "就诊医院", "出院日期"], &rows);
        let r = run(&mut db, &request(&list, ListKind::MedicalExpense, false));
        assert_eq!(
            findings(&mut db, r.outcome.list_id),
            expect(vec![
                (FindingKind::LargeMedicalNotMonitored, rid(&docs, 0, 0), no(&docs[0])),
                (FindingKind::LargeMedicalNotMonitored, rid(&docs, 4, 0), no(&docs[4])),
                (FindingKind::LargeMedicalNotMonitored, rid(&docs, 5, 0), no(&docs[5])),
            ]),
            "{}: 6000.50 in an exited household (≥ 5000) and 25000 in an ordinary one (≥ 20000) and 5200 after the risk was eliminated; 4999.99, monitored, 6000 ordinary are clean",
            db.name
        );
        let o = all_orders(&mut db, r.outcome.list_id).into_iter().find(|o| o.household_no.as_deref() == Some(no(&docs[0]).as_str())).unwrap();
        assert!(o.detail.contains("6000.50 元") && o.detail.contains("5000 元"), "{}: {}", db.name, o.detail);

        // the threshold is a parameter of the import
        let mut req = request(&list, ListKind::MedicalExpense, false);
        req.thresholds = MedicalThresholds { registered_fen: 400_000, other_fen: 500_000 };
        let r = run(&mut db, &req);
        let mut households: Vec<String> = findings(&mut db, r.outcome.list_id).into_iter().map(|x| x.2).collect();
        households.sort();
        let mut want = vec![no(&docs[1]), no(&docs[3])];
        want.sort();
        // the earlier list's orders are still open: the same findings are not issued twice
        assert_eq!(households, want, "{}", db.name);
        assert_eq!(r.outcome.figures.already_open, 3, "{}", db.name);
        let stored = comparison::list(&mut db.store.conn, &RegionScope::all(), r.outcome.list_id).unwrap().unwrap();
        assert_eq!(stored.thresholds, req.thresholds, "{}", db.name);
    }
}

#[test]
fn disability_lists_compare_grades_and_find_unrecorded_disability() {
    for mut db in TestDb::all() {
        let docs = registry(&mut db, 30, 9, |d| {
            let set = |m: &mut bangfu_domain::registry::MemberRecord, health: &'static str, grade: Option<&'static str>| {
                m.set(MF::Health, Value::Code(health));
                m.set(MF::DisabilityGrade, grade.map(Value::Code).unwrap_or(Value::Null));
            };
            set(&mut d[0].members[0], "disabled", Some("2"));
            set(&mut d[1].members[0], "healthy", None);
            set(&mut d[2].members[0], "disabled", Some("3"));
            set(&mut d[3].members[0], "disabled", None);
        });
        let dir = db.dir.path().to_path_buf();
        let rows = vec![
            row(&[&name(&docs, 0, 0), &rid(&docs, 0, 0), "肢体一级"]),
            row(&[&name(&docs, 1, 0), &rid(&docs, 1, 0), "四级"]),
            row(&[&name(&docs, 2, 0), &rid(&docs, 2, 0), "3级"]),
            row(&[&name(&docs, 3, 0), &rid(&docs, 3, 0), "2"]),
        ];
        let list = csv(&dir, "残疾人.csv", &["残疾人姓名", "残疾人证号", "残疾等级"], &rows);
        let r = run(&mut db, &request(&list, ListKind::Disability, false));
        assert_eq!(
            findings(&mut db, r.outcome.list_id),
            expect(vec![
                (FindingKind::DisabilityGradeDiffers, rid(&docs, 0, 0), no(&docs[0])),
                (FindingKind::DisabilityNotRecorded, rid(&docs, 1, 0), no(&docs[1])),
                (FindingKind::DisabilityGradeDiffers, rid(&docs, 3, 0), no(&docs[3])),
            ]),
            "{}: 2 ≠ 1, healthy person with a certificate, disabled without a grade; same grade is clean",
            db.name
        );
        let o = all_orders(&mut db, r.outcome.list_id).into_iter().find(|o| o.kind == FindingKind::DisabilityGradeDiffers && o.household_no.as_deref() == Some(no(&docs[0]).as_str())).unwrap();
        assert!(o.detail.contains("一级") && o.detail.contains("二级"), "{}: {}", db.name, o.detail);
    }
}

const COMPULSORY: [&str; 9] = ["primary_1", "primary_2", "primary_3", "primary_4", "primary_5", "primary_6", "junior_7", "junior_8", "junior_9"];

#[test]
fn student_rolls_find_students_recorded_out_of_school_and_complete_rolls_find_missing_pupils() {
    for mut db in TestDb::all() {
        let docs = registry(&mut db, 40, 10, |d| {
            d[0].members[0].set(MF::SchoolStatus, Value::Code("not_student"));
            d[1].members[0].set(MF::SchoolStatus, Value::Code("junior_8"));
            d[1].members[0].set(MF::NotInSchoolReason, Value::Code("illness"));
            d[2].members[0].set(MF::SchoolStatus, Value::Code("primary_3"));
            d[2].members[0].set(MF::NotInSchoolReason, Value::Null);
        });
        let dir = db.dir.path().to_path_buf();
        let pupils: Vec<(usize, usize)> = docs
            .iter()
            .enumerate()
            .flat_map(|(h, d)| d.members.iter().enumerate().map(move |(m, x)| (h, m, x.get(MF::SchoolStatus).as_code())))
            .filter(|(_, _, s)| s.is_some_and(|s| COMPULSORY.contains(&s)))
            .map(|(h, m, _)| (h, m))
            .collect();
        // every compulsory-age pupil is on the roll but one
        let missing = *pupils.iter().find(|(h, _)| *h > 2).expect("a pupil beyond the planted ones");
        let mut rows: Vec<Vec<String>> = pupils.iter().filter(|p| **p != missing).map(|&(h, m)| row(&[&name(&docs, h, m), &rid(&docs, h, m), "青山县第一小学", "三年级"])).collect();
        rows.push(row(&[&name(&docs, 0, 0), &rid(&docs, 0, 0), "青山县第一中学", "高一"]));
        let list = csv(&dir, "学籍.csv", &["学生姓名", "身份证件号码", "学校名称", "年级"], &rows);
        let r = run(&mut db, &request(&list, ListKind::StudentRoll, true));
        let mut want = vec![(FindingKind::StudentRecordedOutOfSchool, rid(&docs, 0, 0), no(&docs[0])), (FindingKind::NotOnStudentRoll, rid(&docs, missing.0, missing.1), no(&docs[missing.0]))];
        if pupils.contains(&(1, 0)) {
            want.push((FindingKind::StudentRecordedOutOfSchool, rid(&docs, 1, 0), no(&docs[1])));
        }
        assert_eq!(findings(&mut db, r.outcome.list_id), expect(want), "{}", db.name);
        let o = all_orders(&mut db, r.outcome.list_id).into_iter().find(|o| o.kind == FindingKind::StudentRecordedOutOfSchool && o.household_no.as_deref() == Some(no(&docs[0]).as_str())).unwrap();
        assert!(o.detail.contains("非在校生") && o.detail.contains("青山县第一中学"), "{}: {}", db.name, o.detail);
    }
}

#[test]
fn deaths_moves_vehicles_companies_payroll_employment_and_dangerous_houses_fire_on_their_people_only() {
    for mut db in TestDb::all() {
        let docs = registry(&mut db, 30, 11, |d| {
            d[0].members[0].set(MF::LabourSkill, Value::Code("none"));
            d[1].members[0].set(MF::LabourSkill, Value::Code("ordinary"));
            d[2].set(HF::DangerousHouse, Value::Bool(false));
            d[2].set(HF::HousingGrade, Value::Code("B"));
            d[3].set(HF::DangerousHouse, Value::Bool(true));
            d[3].set(HF::HousingGrade, Value::Code("C"));
        });
        let dir = db.dir.path().to_path_buf();
        type Case<'a> = (ListKind, &'a [&'a str], Vec<Vec<String>>, Vec<(FindingKind, String, String)>);
        let cases: Vec<Case> = vec![
            (
                ListKind::Death,
                &["死者姓名", "公民身份号码", "死亡日期", "注销原因"],
                vec![row(&[&name(&docs, 5, 0), &rid(&docs, 5, 0), "2025-05-01", "死亡"]), row(&["陌生人", &stranger(2), "2025-05-02", "死亡"])],
                vec![(FindingKind::DeceasedStillRegistered, rid(&docs, 5, 0), no(&docs[5]))],
            ),
            (
                ListKind::MovedOut,
                &["姓名", "身份证号码", "迁出日期", "迁往地址"],
                vec![row(&[&name(&docs, 6, 0), &rid(&docs, 6, 0), "2025/6/1", "广东省深圳市"])],
                vec![(FindingKind::MovedOutStillRegistered, rid(&docs, 6, 0), no(&docs[6]))],
            ),
            (
                ListKind::Vehicle,
                &["机动车所有人", "身份证号", "号牌号码", "车辆类型"],
                vec![row(&[&name(&docs, 7, 0), &rid(&docs, 7, 0), "湘L·12345", "小型轿车"]), row(&["陌生人", &stranger(3), "湘L·54321", "小型轿车"])],
                vec![(FindingKind::VehicleOwner, rid(&docs, 7, 0), no(&docs[7]))],
            ),
            (
                ListKind::Company,
                &["企业名称", "统一社会信用代码", "法定代表人", "法定代表人证件号码", "身份"],
                vec![row(&["青山县某某商贸有限公司", "91431099MA4L000000", &name(&docs, 8, 0), &rid(&docs, 8, 0), "法定代表人"])],
                vec![(FindingKind::CompanyOwner, rid(&docs, 8, 0), no(&docs[8]))],
            ),
            (
                ListKind::PublicPayroll,
                &["姓名", "身份证号", "工作单位"],
                vec![row(&[&name(&docs, 9, 0), &rid(&docs, 9, 0), "青山县第一中学"])],
                vec![(FindingKind::PublicPayrollRelative, rid(&docs, 9, 0), no(&docs[9]))],
            ),
            (
                ListKind::Employment,
                &["姓名", "社会保障号码", "参保单位", "参保日期"],
                vec![row(&[&name(&docs, 0, 0), &rid(&docs, 0, 0), "某电子厂", "2024-01-01"]), row(&[&name(&docs, 1, 0), &rid(&docs, 1, 0), "某电子厂", "2024-01-01"])],
                vec![(FindingKind::EmployedRecordedWithoutLabour, rid(&docs, 0, 0), no(&docs[0]))],
            ),
            (
                ListKind::DangerousHouse,
                &["户主", "户主身份证号", "鉴定等级"],
                {
                    let mut v = vec![row(&[&name(&docs, 2, 0), &rid(&docs, 2, 0), "D级"]), row(&[&name(&docs, 3, 0), &rid(&docs, 3, 0), "C级"])];
                    if docs[2].members.len() > 1 {
                        v.push(row(&[&name(&docs, 2, 1), &rid(&docs, 2, 1), "D级"]));
                    }
                    v
                },
                vec![(FindingKind::DangerousHouseNotRecorded, String::new(), no(&docs[2]))],
            ),
        ];
        for (kind, header, rows, want) in cases {
            let list = csv(&dir, &format!("{}.csv", kind.code()), header, &rows);
            let r = run(&mut db, &request(&list, kind, false));
            assert_eq!(findings(&mut db, r.outcome.list_id), expect(want), "{}: {}", db.name, kind.label());
            assert_eq!(r.outcome.figures.not_in_registry, rows.iter().filter(|x| x.iter().any(|c| c.starts_with("110105"))).count() as u64, "{}: {}", db.name, kind.label());
        }
        // the details say what the department's list says
        let o = comparison::orders(&mut db.store.conn, &RegionScope::all(), &OrderFilter { kind: Some(FindingKind::DeceasedStillRegistered), ..Default::default() }, 0, 10).unwrap().orders;
        assert!(o[0].detail.contains("2025-05-01") && o[0].detail.contains(&name(&docs, 5, 0)), "{}: {}", db.name, o[0].detail);
        let o = comparison::orders(&mut db.store.conn, &RegionScope::all(), &OrderFilter { kind: Some(FindingKind::MovedOutStillRegistered), ..Default::default() }, 0, 10).unwrap().orders;
        assert!(o[0].detail.contains("2025-06-01") && o[0].detail.contains("广东省深圳市"), "{}: {}", db.name, o[0].detail);
        let o = comparison::orders(&mut db.store.conn, &RegionScope::all(), &OrderFilter { kind: Some(FindingKind::VehicleOwner), ..Default::default() }, 0, 10).unwrap().orders;
        assert!(o[0].detail.contains("湘L·12345") && o[0].detail.contains("小型轿车"), "{}: {}", db.name, o[0].detail);
        assert_eq!(o[0].status, OrderStatus::Open, "{}", db.name);
        assert_eq!(o[0].resident_id_masked.as_deref(), Some(ResidentId::parse(&rid(&docs, 7, 0)).unwrap().masked().as_str()), "{}", db.name);
        assert_eq!(o[0].region_code, region(&docs[7]), "{}: assigned to the household's village", db.name);
        assert!(o[0].village_name.is_some() && o[0].head_name.is_some(), "{}", db.name);
    }
}

#[test]
fn a_differing_name_is_always_reported_besides_the_finding_itself() {
    for mut db in TestDb::all() {
        let docs = registry(&mut db, 20, 12, |_| {});
        let dir = db.dir.path().to_path_buf();
        let wrong = format!("{}某", name(&docs, 0, 0));
        // with spaces inside: the same name after normalising, not a difference
        let spaced: String = name(&docs, 1, 0).chars().flat_map(|c| [c, ' ']).collect();
        let list = csv(&dir, "死亡.csv", &["姓名", "身份证号"], &[row(&[&wrong, &rid(&docs, 0, 0)]), row(&[&spaced, &rid(&docs, 1, 0)])]);
        let r = run(&mut db, &request(&list, ListKind::Death, false));
        assert_eq!(r.outcome.figures.name_differs, 1, "{}", db.name);
        assert_eq!(
            findings(&mut db, r.outcome.list_id),
            expect(vec![
                (FindingKind::DeceasedStillRegistered, rid(&docs, 0, 0), no(&docs[0])),
                (FindingKind::NameDiffers, rid(&docs, 0, 0), no(&docs[0])),
                (FindingKind::DeceasedStillRegistered, rid(&docs, 1, 0), no(&docs[1])),
            ]),
            "{}",
            db.name
        );
        let o = all_orders(&mut db, r.outcome.list_id).into_iter().find(|o| o.kind == FindingKind::NameDiffers).unwrap();
        assert!(o.detail.contains(&wrong) && o.detail.contains(&name(&docs, 0, 0)), "{}: {}", db.name, o.detail);
    }
}

// ---------------------------------------------------------------- layouts and bad rows

/// The 15-digit form of an 18-digit ID of someone born in the 1900s.
fn fifteen(id: &str) -> String {
    format!("{}{}", &id[..6], &id[8..17])
}

fn full_width(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_digit() { char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap() } else { c }).collect()
}

#[test]
fn gbk_csv_with_a_title_row_fifteen_digit_ids_full_width_digits_and_repeated_rows_is_read() {
    for mut db in TestDb::all() {
        let docs = registry(&mut db, 20, 13, |_| {});
        let dir = db.dir.path().to_path_buf();
        let born_1900s: Vec<(usize, usize)> = docs
            .iter()
            .enumerate()
            .flat_map(|(h, d)| d.members.iter().enumerate().map(move |(m, x)| (h, m, x.resident_id.as_str()[6..8].to_string())))
            .filter(|(_, _, c)| c == "19")
            .map(|(h, m, _)| (h, m))
            .take(3)
            .collect();
        let (a, b, c) = (born_1900s[0], born_1900s[1], born_1900s[2]);
        let lower_x = rid(&docs, c.0, c.1).to_lowercase();
        let lines = [
            "青山县2025年度死亡注销人员名单,,,".to_string(),
            "序号,死者姓名,公民身份号码,注销日期".to_string(),
            format!("1,{},{},2025年3月1日", name(&docs, a.0, a.1), fifteen(&rid(&docs, a.0, a.1))),
            format!("2,{},{},2025-03-02", name(&docs, b.0, b.1), full_width(&rid(&docs, b.0, b.1))),
            format!("3,{},{} ,20250303", name(&docs, c.0, c.1), lower_x),
            format!("4,{},{},2025-03-01", name(&docs, a.0, a.1), rid(&docs, a.0, a.1)),
            "合计,,,3人".to_string(),
        ];
        let text = lines.join("\r\n");
        let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
        assert!(!unmappable);
        let path = dir.join("死亡注销.csv");
        std::fs::write(&path, &gbk).unwrap();
        let r = run(&mut db, &request(&path, ListKind::Death, false));
        assert_eq!(r.encoding.as_deref(), Some("GB18030"), "{}", db.name);
        assert!(r.columns.iter().any(|(c, l)| *c == bangfu_domain::comparison::ListColumn::ResidentId && l == "C（公民身份号码）"), "{}: {:?}", db.name, r.columns);
        let f = &r.outcome.figures;
        assert_eq!((f.rows, f.matched, f.duplicate_rows, f.bad_rows), (3, 3, 1, 0), "{}: {f:?} {:?}", db.name, r.bad_rows);
        let dup = r.notes.iter().find(|n| n.row == 6).expect("the repeated row is noted");
        assert!(dup.reason.contains("第 3 行"), "{}: {dup:?}", db.name);
        assert_eq!(
            findings(&mut db, r.outcome.list_id),
            expect([a, b, c].iter().map(|&(h, m)| (FindingKind::DeceasedStillRegistered, rid(&docs, h, m), no(&docs[h]))).collect()),
            "{}",
            db.name
        );
        let stored_dates: Vec<String> = db.store.conn.query("SELECT CAST(event_date AS TEXT) FROM dept_list_row WHERE list_id = ? ORDER BY row_no", &[P::Int(r.outcome.list_id)]).unwrap().iter().map(|r| r[0].string()).collect();
        assert_eq!(stored_dates, vec!["2025-03-01", "2025-03-02", "2025-03-03"], "{}", db.name);
    }
}

#[test]
fn xlsx_with_a_two_row_header_is_read() {
    for mut db in TestDb::all() {
        let docs = registry(&mut db, 20, 14, |_| {});
        let path = db.dir.path().join("车辆.xlsx");
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "青山县机动车登记信息").unwrap();
        let merge = rust_xlsxwriter::Format::new();
        ws.merge_range(1, 0, 1, 1, "所有人信息", &merge).unwrap();
        ws.merge_range(1, 2, 1, 3, "车辆信息", &merge).unwrap();
        for (c, h) in ["姓名", "证件号码", "号牌号码", "车辆类型"].iter().enumerate() {
            ws.write_string(2, c as u16, *h).unwrap();
        }
        for i in 0..3usize {
            ws.write_string(3 + i as u32, 0, name(&docs, i, 0)).unwrap();
            ws.write_string(3 + i as u32, 1, rid(&docs, i, 0)).unwrap();
            ws.write_string(3 + i as u32, 2, format!("湘L·0000{i}")).unwrap();
            ws.write_string(3 + i as u32, 3, "小型轿车").unwrap();
        }
        wb.save(&path).unwrap();
        let r = run(&mut db, &request(&path, ListKind::Vehicle, false));
        assert_eq!(r.file_kind, "XLSX", "{}", db.name);
        assert_eq!(r.outcome.figures.matched, 3, "{}: {:?}", db.name, r.columns);
        let plates: Vec<String> = all_orders(&mut db, r.outcome.list_id).iter().map(|o| o.detail.clone()).collect();
        assert!(plates.iter().all(|d| d.contains("湘L·0000")), "{}: {plates:?}", db.name);
    }
}

#[test]
fn bad_rows_are_reported_with_row_and_column_and_skipped_the_rest_is_compared() {
    for mut db in TestDb::all() {
        let docs = registry(&mut db, 20, 15, |d| {
            d[0].set(HF::HouseholdType, Value::Code("exited"));
            d[0].set(HF::MonitoringCategory, Value::Null);
        });
        let dir = db.dir.path().to_path_buf();
        let good = rid(&docs, 0, 0);
        let mut broken = good.clone();
        let last = broken.pop().unwrap();
        broken.push(if last == '0' { '1' } else { '0' });
        let list = csv(
            &dir,
            "医疗.csv",
            &["姓名", "身份证号", "个人自付", "结算日期"],
            &[
                row(&[&name(&docs, 0, 0), &good, "8000", "2025-13-45"]),
                row(&["某人", &broken, "9000", "2025-01-01"]),
                row(&[&name(&docs, 1, 0), &rid(&docs, 1, 0), "八千", "2025-01-01"]),
                row(&["某人", "4.30102E+17", "100", ""]),
                row(&["某人", "", "100", ""]),
            ],
        );
        let mut req = request(&list, ListKind::MedicalExpense, false);
        req.write_report = true;
        let r = run(&mut db, &req);
        let rows: Vec<(u64, String)> = r.bad_rows.iter().map(|i| (i.row, i.column.clone())).collect();
        assert_eq!(
            rows,
            vec![(3, "B（身份证号）".to_string()), (4, "C（个人自付）".to_string()), (5, "B（身份证号）".to_string()), (6, "B（身份证号）".to_string())],
            "{}: {:?}",
            db.name,
            r.bad_rows
        );
        assert!(r.bad_rows[0].reason.contains("校验位"), "{}: {}", db.name, r.bad_rows[0].reason);
        assert!(r.bad_rows[1].reason.contains("金额") && !r.bad_rows[1].fix.is_empty(), "{}: {:?}", db.name, r.bad_rows[1]);
        assert!(r.bad_rows[2].reason.contains("科学计数法"), "{}: {}", db.name, r.bad_rows[2].reason);
        assert!(r.bad_rows.iter().all(|i| i.to_string().contains("第") && i.to_string().contains("列")), "{}", db.name);
        // an unreadable date is a note: the row is compared without it
        assert!(r.notes.iter().any(|n| n.row == 2 && n.column == "D（结算日期）"), "{}: {:?}", db.name, r.notes);
        assert_eq!((r.outcome.figures.rows, r.outcome.figures.bad_rows), (1, 4), "{}", db.name);
        assert_eq!(findings(&mut db, r.outcome.list_id), vec![(FindingKind::LargeMedicalNotMonitored, good.clone(), no(&docs[0]))], "{}", db.name);
        let report = r.report_path.expect("an error report beside the list");
        assert!(report.exists() && report.file_name().unwrap().to_string_lossy().contains("错误报告"), "{}", db.name);
    }
}

#[test]
fn a_list_without_an_id_column_is_refused_listing_its_headers_and_nothing_is_written() {
    for mut db in TestDb::all() {
        let docs = registry(&mut db, 10, 16, |_| {});
        let dir = db.dir.path().to_path_buf();
        let list = csv(&dir, "无证件号.csv", &["序号", "户名", "号码", "金额"], &[row(&["1", &name(&docs, 0, 0), "x", "1"])]);
        let audits = bangfu_store::audit::count(&mut db.store.conn, None).unwrap();
        let err = import_list(&mut db.store, &test_actor(), &request(&list, ListKind::Death, false), &mut |_| {}).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, CompareError::File(_)), "{}", db.name);
        assert!(msg.contains("身份证号") && msg.contains("“户名”") && msg.contains("“号码”") && msg.contains("无证件号.csv"), "{}: {msg}", db.name);
        // a medical list without its amount column is refused too
        let list = csv(&dir, "医疗无金额.csv", &["姓名", "身份证号", "医院"], &[row(&[&name(&docs, 0, 0), &rid(&docs, 0, 0), "县医院"])]);
        let err = import_list(&mut db.store, &test_actor(), &request(&list, ListKind::MedicalExpense, false), &mut |_| {}).unwrap_err();
        assert!(err.to_string().contains("个人自付"), "{}: {err}", db.name);
        assert_eq!(count(&mut db.store.conn, "SELECT COUNT(*) FROM dept_list", &[]), 0, "{}", db.name);
        assert_eq!(count(&mut db.store.conn, "SELECT COUNT(*) FROM dept_list_row", &[]), 0, "{}", db.name);
        assert_eq!(bangfu_store::audit::count(&mut db.store.conn, None).unwrap(), audits, "{}", db.name);
    }
}

// ---------------------------------------------------------------- scope, versions, completion, audit

fn township_of(code: &str) -> RegionCode {
    RegionCode::parse(code).unwrap().at_level(RegionLevel::Township).unwrap()
}

/// Two households in different townships.
fn two_townships(docs: &[HouseholdDoc]) -> (usize, usize) {
    let a = 0;
    let b = docs.iter().position(|d| township_of(&region(d)) != township_of(&region(&docs[a]))).expect("a second township");
    (a, b)
}

#[test]
fn orders_are_scoped_by_township_and_out_of_scope_orders_can_be_neither_seen_nor_changed() {
    for mut db in TestDb::all() {
        let docs = registry(&mut db, 400, 17, |_| {});
        let (a, b) = two_townships(&docs);
        let dir = db.dir.path().to_path_buf();
        let list = csv(&dir, "车辆.csv", &["姓名", "身份证号", "车牌号"], &[row(&[&name(&docs, a, 0), &rid(&docs, a, 0), "湘L·1"]), row(&[&name(&docs, b, 0), &rid(&docs, b, 0), "湘L·2"])]);
        let r = run(&mut db, &request(&list, ListKind::Vehicle, false));
        let orders = all_orders(&mut db, r.outcome.list_id);
        assert_eq!(orders.len(), 2, "{}", db.name);
        let ta = RegionScope::of(&township_of(&region(&docs[a])));
        let order_b = orders.iter().find(|o| o.region_code == region(&docs[b])).unwrap().clone();
        let order_a = orders.iter().find(|o| o.region_code == region(&docs[a])).unwrap().clone();
        let seen = comparison::orders(&mut db.store.conn, &ta, &OrderFilter::default(), 0, 100).unwrap();
        assert_eq!((seen.total, seen.orders.iter().map(|o| o.id).collect::<Vec<_>>()), (1, vec![order_a.id]), "{}", db.name);
        assert!(comparison::order(&mut db.store.conn, &ta, order_b.id).unwrap().is_none(), "{}", db.name);
        let err = comparison::update_order(&mut db.store.conn, &Actor::new("乡镇干部", "test"), &ta, order_b.id, order_b.version, OrderStatus::VerifiedTrue, None).unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{}: {err}", db.name);
        assert_eq!(comparison::order(&mut db.store.conn, &RegionScope::all(), order_b.id).unwrap().unwrap().status, OrderStatus::Open, "{}", db.name);
        // the township sees the county list without its county-wide figures, and its own orders
        let s = comparison::list_summary(&mut db.store.conn, &ta, r.outcome.list_id).unwrap();
        assert!(s.list.figures.is_none() && s.total.total == 1, "{}: {s:?}", db.name);
        // a list imported by another township is not found at all
        let tb = RegionScope::of(&township_of(&region(&docs[b])));
        let list = csv(&dir, "车辆乙.csv", &["姓名", "身份证号"], &[row(&[&name(&docs, a, 0), &rid(&docs, a, 0)]), row(&[&name(&docs, b, 0), &rid(&docs, b, 0)])]);
        let mut req = request(&list, ListKind::Vehicle, false);
        req.scope = tb.clone();
        let rb = run(&mut db, &req);
        // compared only within township b: a's person is "not in registry" for it, and the finding is already open for b
        assert_eq!((rb.outcome.figures.matched, rb.outcome.figures.not_in_registry, rb.outcome.figures.already_open), (1, 1, 1), "{}", db.name);
        assert!(matches!(comparison::list_summary(&mut db.store.conn, &ta, rb.outcome.list_id), Err(StoreError::NotFound(_))), "{}", db.name);
        assert!(comparison::lists(&mut db.store.conn, &ta, 0, 100).unwrap().iter().all(|l| l.id != rb.outcome.list_id), "{}", db.name);
        // a region outside the scope is refused
        let mut req = request(&list, ListKind::Vehicle, false);
        req.scope = tb;
        req.region = Some(township_of(&region(&docs[a])));
        assert!(import_list(&mut db.store, &test_actor(), &req, &mut |_| {}).is_err(), "{}", db.name);
    }
}

#[test]
fn an_update_with_a_stale_version_is_refused_and_moves_follow_the_rules() {
    for mut db in TestDb::all() {
        let docs = registry(&mut db, 20, 18, |_| {});
        let dir = db.dir.path().to_path_buf();
        let list = csv(&dir, "死亡.csv", &["姓名", "身份证号"], &[row(&[&name(&docs, 0, 0), &rid(&docs, 0, 0)])]);
        let r = run(&mut db, &request(&list, ListKind::Death, false));
        let o = all_orders(&mut db, r.outcome.list_id).remove(0);
        let actor = Actor::new("村干部", "test");
        let all = RegionScope::all();
        let saved = comparison::update_order(&mut db.store.conn, &actor, &all, o.id, o.version, OrderStatus::VerifiedTrue, Some("入户核实，已于3月死亡")).unwrap();
        assert_eq!(saved, OrderUpdate::Saved { version: o.version + 1 }, "{}", db.name);
        // the version read before the save is stale now
        match comparison::update_order(&mut db.store.conn, &actor, &all, o.id, o.version, OrderStatus::Fixed, Some("已做自然减少")).unwrap() {
            OrderUpdate::Conflict { current } => assert_eq!((current.status, current.version, current.note.as_deref()), (OrderStatus::VerifiedTrue, o.version + 1, Some("入户核实，已于3月死亡")), "{}", db.name),
            other => panic!("{}: {other:?}", db.name),
        }
        // 已整改 needs a note; 属实 cannot become 不属实 without reopening
        assert!(matches!(comparison::update_order(&mut db.store.conn, &actor, &all, o.id, o.version + 1, OrderStatus::Fixed, Some("  ")), Err(StoreError::Invalid(_))), "{}", db.name);
        assert!(matches!(comparison::update_order(&mut db.store.conn, &actor, &all, o.id, o.version + 1, OrderStatus::VerifiedFalse, Some("x")), Err(StoreError::Invalid(_))), "{}", db.name);
        let saved = comparison::update_order(&mut db.store.conn, &actor, &all, o.id, o.version + 1, OrderStatus::Fixed, Some("已做自然减少")).unwrap();
        assert_eq!(saved, OrderUpdate::Saved { version: o.version + 2 }, "{}", db.name);
        let now = comparison::order(&mut db.store.conn, &all, o.id).unwrap().unwrap();
        assert_eq!((now.status, now.updated_by.as_str(), now.note.as_deref()), (OrderStatus::Fixed, "村干部", Some("已做自然减少")), "{}", db.name);
        // a closed order is not "already open": the same finding is issued again by a new list
        let r2 = run(&mut db, &request(&list, ListKind::Death, false));
        assert_eq!((r2.outcome.figures.findings, r2.outcome.figures.already_open), (1, 0), "{}", db.name);
    }
}

#[test]
fn completion_by_township_counts_every_state_with_township_names() {
    for mut db in TestDb::all() {
        let docs = registry(&mut db, 400, 19, |_| {});
        let (a, b) = two_townships(&docs);
        let a_too = docs.iter().position(|d| township_of(&region(d)) == township_of(&region(&docs[a])) && no(d) != no(&docs[a])).unwrap();
        let dir = db.dir.path().to_path_buf();
        let people = [a, a_too, b];
        let rows: Vec<Vec<String>> = people.iter().map(|&h| row(&[&name(&docs, h, 0), &rid(&docs, h, 0), "湘L"])).collect();
        let list = csv(&dir, "车辆.csv", &["姓名", "身份证号", "车牌号"], &rows);
        let r = run(&mut db, &request(&list, ListKind::Vehicle, false));
        let orders = all_orders(&mut db, r.outcome.list_id);
        let actor = test_actor();
        let all = RegionScope::all();
        let of = |h: usize| orders.iter().find(|o| o.household_no.as_deref() == Some(no(&docs[h]).as_str())).unwrap().clone();
        let (oa, oa2) = (of(a), of(a_too));
        comparison::update_order(&mut db.store.conn, &actor, &all, oa.id, oa.version, OrderStatus::VerifiedFalse, Some("车辆为农用三轮车")).unwrap();
        comparison::update_order(&mut db.store.conn, &actor, &all, oa2.id, oa2.version, OrderStatus::VerifiedTrue, None).unwrap();
        let rows = comparison::completion_by_township(&mut db.store.conn, &all, Some(r.outcome.list_id)).unwrap();
        let ta = township_of(&region(&docs[a]));
        let tb = township_of(&region(&docs[b]));
        let county = bangfu_demo::demo_county();
        let tname = |t: &RegionCode| county.townships.iter().find(|x| x.code == *t).map(|x| x.name.clone());
        type Row = (String, Option<String>, u64, u64, u64, u64, u64);
        let got: Vec<Row> = rows.iter().map(|t| (t.code.clone(), t.name.clone(), t.progress.total, t.progress.open, t.progress.verified_true, t.progress.verified_false, t.progress.fixed)).collect();
        let mut want = vec![(ta.as_str().to_string(), tname(&ta), 2, 0, 1, 1, 0), (tb.as_str().to_string(), tname(&tb), 1, 1, 0, 0, 0)];
        want.sort();
        assert_eq!(got, want, "{}", db.name);
        assert!(want.iter().all(|w| w.1.is_some()), "{}: names from the region table", db.name);
        assert_eq!(rows.iter().find(|t| t.code == ta.as_str()).unwrap().progress.closed(), 1, "{}", db.name);
        // a township sees only itself
        let only = comparison::completion_by_township(&mut db.store.conn, &RegionScope::of(&tb), None).unwrap();
        assert_eq!(only.iter().map(|t| t.code.clone()).collect::<Vec<_>>(), vec![tb.as_str().to_string()], "{}", db.name);
        // the list summary agrees
        let s = comparison::list_summary(&mut db.store.conn, &all, r.outcome.list_id).unwrap();
        assert_eq!((s.total.total, s.total.open, s.total.closed()), (3, 1, 1), "{}", db.name);
        assert_eq!(s.by_kind.len(), 1, "{}", db.name);
    }
}

#[test]
fn an_import_is_one_audit_entry_with_its_counts_and_every_order_change_is_audited_before_and_after() {
    for mut db in TestDb::all() {
        let docs = registry(&mut db, 20, 20, |_| {});
        let dir = db.dir.path().to_path_buf();
        let list = csv(&dir, "死亡.csv", &["姓名", "身份证号"], &[row(&[&name(&docs, 0, 0), &rid(&docs, 0, 0)]), row(&[&name(&docs, 1, 0), &rid(&docs, 1, 0)]), row(&["某", &stranger(4)])]);
        let before = bangfu_store::audit::count(&mut db.store.conn, None).unwrap();
        let r = run(&mut db, &request(&list, ListKind::Death, false));
        assert_eq!(bangfu_store::audit::count(&mut db.store.conn, None).unwrap(), before + 1, "{}: one entry for the whole list", db.name);
        let e = db.store.conn.query("SELECT entity, entity_id, action, after_value, actor FROM audit_log ORDER BY id DESC LIMIT 1", &[]).unwrap().remove(0);
        assert_eq!((e[0].string(), e[1].string(), e[2].string(), e[4].string()), ("dept_list".into(), r.outcome.list_id.to_string(), "import".into(), "test".into()), "{}", db.name);
        let after: serde_json::Value = serde_json::from_str(&e[3].string()).unwrap();
        assert_eq!((after["rows"].as_u64(), after["matched"].as_u64(), after["not_in_registry"].as_u64(), after["findings"].as_u64()), (Some(3), Some(2), Some(1), Some(2)), "{}: {after}", db.name);
        assert_eq!(after["by_kind"]["deceased_still_registered"].as_u64(), Some(2), "{}", db.name);
        let o = all_orders(&mut db, r.outcome.list_id).remove(0);
        comparison::update_order(&mut db.store.conn, &Actor::new("村干部", "web"), &RegionScope::all(), o.id, o.version, OrderStatus::VerifiedFalse, Some("本人健在，公安误注销")).unwrap();
        let e = db.store.conn.query("SELECT entity, entity_id, action, before_value, after_value, region_code FROM audit_log ORDER BY id DESC LIMIT 1", &[]).unwrap().remove(0);
        assert_eq!((e[0].string(), e[1].string(), e[2].string(), e[5].string()), ("work_order".into(), o.id.to_string(), "update".into(), o.region_code.clone()), "{}", db.name);
        let (b, a): (serde_json::Value, serde_json::Value) = (serde_json::from_str(&e[3].string()).unwrap(), serde_json::from_str(&e[4].string()).unwrap());
        assert_eq!((b["status"].as_str(), a["status"].as_str(), a["note"].as_str()), (Some("open"), Some("verified_false"), Some("本人健在，公安误注销")), "{}", db.name);
        let report = bangfu_store::audit::verify(&mut db.store.conn).unwrap();
        assert!(report.is_clean(), "{}: {:?}", db.name, report.problems);
    }
}

#[test]
fn department_and_kind_must_agree_and_only_lists_that_can_be_complete_are() {
    for mut db in TestDb::all() {
        let docs = registry(&mut db, 10, 21, |_| {});
        let list = csv(db.dir.path(), "车辆.csv", &["姓名", "身份证号"], &[row(&[&name(&docs, 0, 0), &rid(&docs, 0, 0)])]);
        let mut req = request(&list, ListKind::Vehicle, false);
        req.department = Department::CivilAffairs;
        let err = import_list(&mut db.store, &test_actor(), &req, &mut |_| {}).unwrap_err();
        assert!(err.to_string().contains("公安交管"), "{}: {err}", db.name);
        req.department = Department::PublicSecurity;
        run(&mut db, &req);
        let req = request(&list, ListKind::Vehicle, true);
        assert!(import_list(&mut db.store, &test_actor(), &req, &mut |_| {}).is_err(), "{}", db.name);
        assert_eq!(count(&mut db.store.conn, "SELECT COUNT(*) FROM dept_list", &[]), 1, "{}", db.name);
    }
}

// ---------------------------------------------------------------- demo lists and the command line

#[test]
fn demo_lists_of_every_kind_produce_exactly_the_findings_they_plant() {
    use bangfu_demo::dept_lists::{write_list, ListFormat, ListOptions, ListPerson};
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        let docs = demo_docs(400, 22);
        insert_docs(&mut db.store, &docs);
        let people: Vec<ListPerson> = docs.iter().flat_map(ListPerson::from_doc).collect();
        let formats = [ListFormat::Csv, ListFormat::CsvGbk, ListFormat::Xlsx];
        for (i, kind) in ListKind::ALL.into_iter().enumerate() {
            let format = formats[i % 3];
            let ext = if format == ListFormat::Xlsx { "xlsx" } else { "csv" };
            let path = db.dir.path().join(format!("{}.{ext}", kind.code()));
            let o = ListOptions { kind, seed: 3, rows: None, today: today(), clean: false };
            let stats = write_list(people.iter().cloned(), &o, format, &path).unwrap();
            let r = run(&mut db, &request(&path, kind, kind.supports_complete()));
            let got: std::collections::BTreeMap<FindingKind, u64> = r.outcome.findings.iter().copied().collect();
            assert_eq!(got, stats.planted, "{}: {} ({ext}): {stats:?}", db.name, kind.label());
            let f = &r.outcome.figures;
            assert_eq!((f.matched, f.not_in_registry, f.duplicate_rows, f.bad_rows), (stats.registered, stats.strangers, stats.repeated, 0), "{}: {}", db.name, kind.label());
        }
    }
}

/// Runs the `bangfu` binary in `dir` against `db`.
fn cli(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(bangfu_binary())
        .args(["--database", "cli.db"])
        .args(args)
        .current_dir(dir)
        .env_remove("BANGFU_DATABASE")
        .env_remove("BANGFU_KEY_FILE")
        .env_remove("BANGFU_SCOPE")
        .env("BANGFU_USER", "tester")
        .output()
        .expect("run bangfu");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn the_command_line_writes_a_demo_list_compares_it_and_follows_the_orders() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ok = |args: &[&str]| {
        let (code, out, err) = cli(d, args);
        assert_eq!(code, 0, "bangfu {}: {out}\n{err}", args.join(" "));
        out
    };
    ok(&["demo", "--households", "300", "--seed", "2"]);
    let out = ok(&["demo", "dept-list", "--kind", "死亡", "--out", "死亡.csv", "--format", "gbk"]);
    assert!(out.contains("已死亡仍在册"), "{out}");
    let report: serde_json::Value = serde_json::from_str(&ok(&["compare", "import", "死亡.csv", "--kind", "death", "--department", "公安局", "--json"])).unwrap();
    let findings = report["findings"].as_u64().unwrap();
    assert!(findings > 0 && report["encoding"] == "GB18030" && report["duplicate_rows"].as_u64() >= Some(1), "{report}");
    let orders: serde_json::Value = serde_json::from_str(&ok(&["compare", "orders", "--list", "1", "--json", "--per-page", "1000"])).unwrap();
    assert_eq!(orders["total"].as_u64(), Some(findings));
    let first = orders["orders"][0]["id"].as_i64().unwrap().to_string();
    let masked = orders["orders"].as_array().unwrap().iter().all(|o| o["resident_id"].as_str().is_none_or(|r| r.contains("********")));
    assert!(masked, "IDs are masked in the order list: {orders}");
    // 已整改 without a note is refused, in Chinese, without a crash
    let (code, _, err) = cli(d, &["compare", "update", &first, "--status", "已整改"]);
    assert!(code != 0 && code != 101 && err.contains("整改情况"), "{code}: {err}");
    assert!(ok(&["compare", "update", &first, "--status", "核实属实"]).contains("核实属实"));
    assert!(ok(&["compare", "update", &first, "--status", "已整改", "--note", "已做自然减少"]).contains("已整改"));
    let progress = ok(&["compare", "progress"]);
    assert!(progress.contains("合计") && progress.contains("城关镇"), "{progress}");
    assert!(ok(&["compare", "lists"]).contains("死亡"));
    // a file without an ID column: refused with the headers it has, nothing written
    std::fs::write(d.join("bad.csv"), "序号,户名,金额\n1,张三,5\n").unwrap();
    let (code, _, err) = cli(d, &["compare", "import", "bad.csv", "--kind", "vehicle"]);
    assert!(code == 1 && err.contains("身份证号") && err.contains("“户名”"), "{code}: {err}");
    assert!(!ok(&["compare", "lists"]).contains("bad.csv"));
}

#[test]
fn a_list_that_turns_unreadable_halfway_writes_nothing() {
    for mut db in TestDb::all() {
        let docs = registry(&mut db, 10, 23, |_| {});
        // past the 64 KiB the encoding is guessed from, a line in GBK inside a UTF-8 file
        let mut text = String::from("姓名,身份证号,备注\n");
        text.push_str(&format!("{},{},{}\n", name(&docs, 0, 0), rid(&docs, 0, 0), "说明".repeat(30)));
        for i in 0..1000 {
            text.push_str(&format!("某人,{},{}\n", stranger(i), "说明".repeat(30)));
        }
        let mut bytes = text.into_bytes();
        let line = format!("{},{},迁往广东\n", name(&docs, 1, 0), rid(&docs, 1, 0));
        let (gbk, _, _) = encoding_rs::GBK.encode(&line);
        bytes.extend_from_slice(&gbk);
        let path = db.dir.path().join("半截.csv");
        std::fs::write(&path, &bytes).unwrap();
        let audits = bangfu_store::audit::count(&mut db.store.conn, None).unwrap();
        let err = import_list(&mut db.store, &test_actor(), &request(&path, ListKind::MovedOut, false), &mut |_| {}).unwrap_err();
        assert!(err.to_string().contains("未写入任何数据") && err.to_string().contains("第 1003 行"), "{}: {err}", db.name);
        for t in ["dept_list", "dept_list_row", "work_order"] {
            assert_eq!(count(&mut db.store.conn, &format!("SELECT COUNT(*) FROM {t}"), &[]), 0, "{}: {t}", db.name);
        }
        assert_eq!(bangfu_store::audit::count(&mut db.store.conn, None).unwrap(), audits, "{}", db.name);
    }
}
