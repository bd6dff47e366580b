//! The pairing store on every backend: every pairing kind with valid and invalid sides, scope,
//! audit, hand-over with history, caseload limits per jurisdiction and coverage counts checked
//! against counts made over the fixtures.

use bangfu_domain::pairing::{HelperKind, PairingKind, PairingStatus, Rank, TeamRole, UnitKind};
use bangfu_domain::{RegionCode, RegionScope};
use bangfu_store::pairing::{caseload, coverage, handover, helpers, pairings, teams, units, NewHelper, NewPairing, NewTeam, NewUnit, Party, PairingFilter};
use bangfu_store::{audit, Store, StoreError, P};
use bangfu_testkit::*;
use chrono::NaiveDate;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

struct Fx {
    county: String,
    villages: Vec<String>,
    /// (id, village) of active registered households
    households: Vec<(i64, String)>,
    gov: i64,
    sub: i64,
    school_a: i64,
    school_b: i64,
    university: i64,
    enterprise: i64,
    cadre: i64,
    cadre2: i64,
    teacher: i64,
    secretary: i64,
    volunteer: i64,
}

fn setup(store: &mut Store) -> Fx {
    load_demo_regions(store);
    insert_docs(store, &demo_docs(80, 11));
    let c = &mut store.conn;
    let county = c.query("SELECT code FROM region WHERE level = 'county' ORDER BY code", &[]).unwrap()[0][0].string();
    let villages: Vec<String> = c.query("SELECT code FROM region WHERE level = 'village' ORDER BY code", &[]).unwrap().iter().map(|r| r[0].string()).collect();
    let households = c
        .query("SELECT id, region_code FROM household WHERE status = 'active' AND household_type IN ('poor', 'exited', 'monitored') ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|r| (r[0].int().unwrap(), r[1].string()))
        .collect();
    let a = test_actor();
    let all = RegionScope::all();
    let unit = |c: &mut bangfu_store::Conn, name: &str, kind: UnitKind, parent: Option<i64>| {
        units::create(c, &a, &all, &NewUnit { name: name.into(), kind, parent_id: parent, region_code: county.clone(), contact: None, phone: None }).unwrap()
    };
    let gov = unit(c, "县农业农村局", UnitKind::Government, None);
    let sub = unit(c, "县农业农村局办公室", UnitKind::Government, Some(gov));
    let school_a = unit(c, "县第一中学", UnitKind::School, None);
    let school_b = unit(c, "青山镇中心小学", UnitKind::School, None);
    let university = unit(c, "省农业大学", UnitKind::University, None);
    let enterprise = unit(c, "青山茶业有限公司", UnitKind::Enterprise, None);
    let helper = |c: &mut bangfu_store::Conn, name: &str, kind: HelperKind, unit: i64, rank: Option<Rank>| {
        helpers::create(c, &a, &all, &NewHelper { name: name.into(), kind, unit_id: Some(unit), rank, position: None, phone: Some("13800000000".into()), id_number: None, user_id: None, region_code: None }).unwrap()
    };
    let cadre = helper(c, "王建国", HelperKind::Cadre, gov, Some(Rank::FullSection));
    let cadre2 = helper(c, "李红梅", HelperKind::Cadre, gov, Some(Rank::Ordinary));
    let teacher = helper(c, "赵老师", HelperKind::Teacher, school_a, None);
    let secretary = helper(c, "孙书记", HelperKind::FirstSecretary, gov, Some(Rank::DeputySection));
    let volunteer = helper(c, "志愿者小周", HelperKind::Volunteer, enterprise, None);
    Fx { county, villages, households, gov, sub, school_a, school_b, university, enterprise, cadre, cadre2, teacher, secretary, volunteer }
}

fn np(kind: PairingKind, helper: Party, beneficiary: Party) -> NewPairing {
    NewPairing { kind, helper, beneficiary, started_on: d(2024, 3, 1), plan_goal: Some("稳定增收".into()), plan_measures: None }
}

fn invalid(r: Result<impl std::fmt::Debug, StoreError>) -> String {
    match r {
        Err(StoreError::Invalid(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn student(store: &mut Store) -> (i64, String) {
    let r = store
        .conn
        .query(
            "SELECT m.id, m.region_code FROM member m JOIN household h ON h.id = m.household_id WHERE m.status = 'active' AND m.school_status IS NOT NULL \
             AND m.school_status NOT IN ('not_student', 'preschool_age') AND h.household_type IN ('poor', 'exited', 'monitored') AND h.status = 'active' ORDER BY m.id LIMIT 1",
            &[],
        )
        .unwrap();
    (r[0][0].int().expect("a student in the fixtures"), r[0][1].string())
}

#[test]
fn every_pairing_kind_is_created_with_valid_sides_and_refused_with_invalid_ones() {
    for mut db in TestDb::all() {
        let backend = db.name;
        let f = setup(&mut db.store);
        let (a, all) = (test_actor(), RegionScope::all());
        let c = &mut db.store.conn;
        let team = teams::create(c, &a, &all, &NewTeam { name: "驻村工作队".into(), unit_id: Some(f.gov), village_code: f.villages[0].clone(), started_on: d(2024, 1, 1) }).unwrap();
        teams::add_member(c, &a, &all, team, f.secretary, TeamRole::FirstSecretary, d(2024, 1, 1)).unwrap();
        assert_eq!(teams::get(c, &all, team).unwrap().unwrap().secretary_id, Some(f.secretary));
        let (stu, _) = student(&mut db.store);
        let c = &mut db.store.conn;
        let (h0, h1) = (f.households[0].0, f.households[1].0);
        let v = |i: usize| Party::Village(f.villages[i].clone());
        let other_county = format!("{}000000", &f.county[..4].replace(&f.county[2..4], "99"));
        let valid = vec![
            np(PairingKind::HelperHousehold, Party::Helper(f.cadre), Party::Household(h0)),
            np(PairingKind::LeaderHousehold, Party::Helper(f.cadre2), Party::Household(h0)),
            np(PairingKind::SubunitHousehold, Party::Unit(f.sub), Party::Household(h1)),
            np(PairingKind::UnitVillage, Party::Unit(f.gov), v(0)),
            np(PairingKind::TeamVillage, Party::Team(team), v(0)),
            np(PairingKind::SecretaryVillage, Party::Helper(f.secretary), v(0)),
            np(PairingKind::EnterpriseVillage, Party::Unit(f.enterprise), v(1)),
            np(PairingKind::LeaderVillage, Party::Helper(f.cadre), v(1)),
            np(PairingKind::TeacherStudent, Party::Helper(f.teacher), Party::Student(stu)),
            np(PairingKind::VolunteerStudent, Party::Helper(f.volunteer), Party::Student(stu)),
            np(PairingKind::SchoolSchool, Party::School(f.school_a), Party::School(f.school_b)),
            np(PairingKind::VocationalSchool, Party::School(f.university), Party::School(f.school_b)),
            np(PairingKind::UniversityCounty, Party::Unit(f.university), Party::County(f.county.clone())),
            np(PairingKind::CityCity, Party::City("330100000000".into()), Party::City(format!("{}00000000", &f.county[..4]))),
            np(PairingKind::CountyCounty, Party::County("330106000000".into()), Party::County(f.county.clone())),
            np(PairingKind::GridChiefSecretary, Party::Helper(f.cadre), Party::Helper(f.secretary)),
            np(PairingKind::GridSecretaryMember, Party::Helper(f.secretary), Party::Helper(f.cadre2)),
        ];
        let kinds: std::collections::BTreeSet<_> = valid.iter().map(|p| p.kind).collect();
        assert_eq!(kinds.len(), PairingKind::ALL.len(), "every kind is exercised");
        for p in &valid {
            let made = pairings::create(c, &a, &all, p).unwrap_or_else(|e| panic!("{backend} {:?}: {e}", p.kind));
            let got = pairings::get(c, &all, made.id).unwrap().unwrap();
            assert_eq!((got.kind, got.status, &got.helper, &got.beneficiary), (p.kind, PairingStatus::Active, &p.helper, &p.beneficiary), "{backend}");
            assert!(got.helper_name.is_some() || matches!(p.helper, Party::City(_) | Party::County(_)), "{backend} {:?}", p.kind);
        }
        let _ = other_county;
        // invalid sides
        let m = invalid(pairings::create(c, &a, &all, &np(PairingKind::HelperHousehold, Party::Unit(f.gov), Party::Household(h1))));
        assert!(m.contains("帮扶"), "{m}");
        let m = invalid(pairings::create(c, &a, &all, &np(PairingKind::HelperHousehold, Party::Helper(f.cadre), Party::Household(999_999_999))));
        assert!(m.contains("不存在"), "{m}");
        let m = invalid(pairings::create(c, &a, &all, &np(PairingKind::HelperHousehold, Party::Helper(f.cadre2), Party::Household(h0))));
        assert!(m.contains("已有帮扶责任人 王建国"), "{m}");
        let m = invalid(pairings::create(c, &a, &all, &np(PairingKind::TeacherStudent, Party::Helper(f.cadre), Party::Student(stu))));
        assert!(m.contains("教师"), "{m}");
        let m = invalid(pairings::create(c, &a, &all, &np(PairingKind::SecretaryVillage, Party::Helper(f.cadre), v(2))));
        assert!(m.contains("第一书记"), "{m}");
        let m = invalid(pairings::create(c, &a, &all, &np(PairingKind::EnterpriseVillage, Party::Unit(f.gov), v(2))));
        assert!(m.contains("企业"), "{m}");
        let m = invalid(pairings::create(c, &a, &all, &np(PairingKind::SubunitHousehold, Party::Unit(f.gov), Party::Household(h1))));
        assert!(m.contains("处室"), "{m}");
        let m = invalid(pairings::create(c, &a, &all, &np(PairingKind::SchoolSchool, Party::School(f.school_a), Party::School(f.gov))));
        assert!(m.contains("不是学校"), "{m}");
        let m = invalid(pairings::create(c, &a, &all, &np(PairingKind::UnitVillage, Party::Unit(f.gov), Party::Village(f.county.clone()))));
        assert!(m.contains("村"), "{m}");
        let m = invalid(pairings::create(c, &a, &all, &np(PairingKind::UnitVillage, Party::Unit(f.gov), v(0))));
        assert!(m.contains("已存在"), "{m}");
        let not_student = c.query_int("SELECT MIN(m.id) FROM member m WHERE m.school_status = 'not_student'", &[]).unwrap();
        let m = invalid(pairings::create(c, &a, &all, &np(PairingKind::TeacherStudent, Party::Helper(f.teacher), Party::Student(not_student))));
        assert!(m.contains("不是在校生"), "{m}");
        helpers::mark_left(c, &a, &all, f.volunteer, d(2025, 1, 1)).unwrap();
        let m = invalid(pairings::create(c, &a, &all, &np(PairingKind::VolunteerStudent, Party::Helper(f.volunteer), Party::Student(stu))));
        assert!(m.contains("已调离"), "{m}");
        // ending
        let first = pairings::of_household(c, &all, h0).unwrap();
        assert_eq!(first.len(), 2, "{backend}");
        let hh = first.iter().find(|p| p.kind == PairingKind::HelperHousehold).unwrap();
        assert_eq!(hh.helper_name.as_deref(), Some("王建国"));
        assert!(hh.household_no.is_some() && hh.beneficiary_name.is_some(), "{backend}");
        let m = invalid(pairings::end(c, &a, &all, hh.id, d(2020, 1, 1), "调离"));
        assert!(m.contains("早于"), "{m}");
        pairings::end(c, &a, &all, hh.id, d(2025, 6, 30), "调离").unwrap();
        let ended = pairings::get(c, &all, hh.id).unwrap().unwrap();
        assert_eq!((ended.status, ended.ended_on, ended.end_reason.as_deref()), (PairingStatus::Ended, Some(d(2025, 6, 30)), Some("调离")));
        pairings::create(c, &a, &all, &np(PairingKind::HelperHousehold, Party::Helper(f.cadre2), Party::Household(h0))).expect("a new helper after the end");
    }
}

#[test]
fn scope_limits_what_is_seen_and_created_and_every_change_is_audited() {
    for mut db in TestDb::all() {
        let backend = db.name;
        let f = setup(&mut db.store);
        let (a, all) = (test_actor(), RegionScope::all());
        let c = &mut db.store.conn;
        let (h, village) = f.households[0].clone();
        let other = f.households.iter().find(|(_, v)| *v != village).cloned().expect("another village");
        let village_scope = RegionScope::of(&RegionCode::parse(&village).unwrap());
        let before = audit::count(c, Some("pairing")).unwrap();
        let made = pairings::create(c, &a, &village_scope, &np(PairingKind::HelperHousehold, Party::Helper(f.cadre), Party::Household(h))).unwrap();
        assert_eq!(audit::count(c, Some("pairing")).unwrap(), before + 1, "{backend}");
        let m = invalid(pairings::create(c, &a, &village_scope, &np(PairingKind::HelperHousehold, Party::Helper(f.cadre), Party::Household(other.0))));
        assert!(m.contains("不在您的管辖范围内"), "{m}");
        pairings::create(c, &a, &all, &np(PairingKind::HelperHousehold, Party::Helper(f.cadre), Party::Household(other.0))).unwrap();
        let (seen, total) = pairings::list(c, &village_scope, &PairingFilter::default(), 0, 100).unwrap();
        assert_eq!((seen.len(), total), (1, 1), "{backend}");
        assert_eq!(seen[0].id, made.id);
        let (everything, total) = pairings::list(c, &all, &PairingFilter { helper_id: Some(f.cadre), ..Default::default() }, 0, 100).unwrap();
        assert_eq!((everything.len(), total), (2, 2), "{backend}");
        assert_eq!(pairings::of_helper(c, &village_scope, f.cadre, true).unwrap().len(), 1);
        assert!(pairings::get(c, &village_scope, everything.iter().find(|p| p.id != made.id).unwrap().id).unwrap().is_none());
        assert!(matches!(pairings::end(c, &a, &village_scope, everything.iter().find(|p| p.id != made.id).unwrap().id, d(2025, 1, 1), "x"), Err(StoreError::NotFound(_))));
        // units and helpers: scoped by their region; created and updated with audit
        assert!(units::list(c, &village_scope, None).unwrap().is_empty());
        assert_eq!(units::list(c, &all, Some(UnitKind::School)).unwrap().len(), 2);
        assert_eq!(units::sub_units(c, &all, f.gov).unwrap().len(), 1);
        let m = invalid(units::create(c, &a, &village_scope, &NewUnit { name: "县局".into(), kind: UnitKind::Government, parent_id: None, region_code: f.county.clone(), contact: None, phone: None }));
        assert!(m.contains("不在您的管辖范围内"), "{m}");
        let hb = audit::count(c, Some("helper")).unwrap();
        helpers::update(c, &a, &all, f.cadre2, &NewHelper { name: "李红梅".into(), kind: HelperKind::Cadre, unit_id: Some(f.gov), rank: Some(Rank::DeputySection), position: Some("副主任".into()), phone: None, id_number: Some("430101199001011234".into()), user_id: None, region_code: None }).unwrap();
        assert_eq!(audit::count(c, Some("helper")).unwrap(), hb + 1);
        let got = helpers::get(c, &all, f.cadre2).unwrap().unwrap();
        assert_eq!((got.rank, got.position.as_deref()), (Some(Rank::DeputySection), Some("副主任")));
        assert!(got.id_number_masked.as_deref().unwrap().contains('*'), "ID numbers are masked");
        assert_eq!(helpers::find_by_name(c, &all, "李红梅", Some("县农业农村局")).unwrap().len(), 1);
        assert_eq!(helpers::find_by_id_number(c, &all, "430101199001011234").unwrap().map(|h| h.id), Some(f.cadre2));
        let (list, total) = helpers::list(c, &all, &helpers::HelperFilter { kind: Some(HelperKind::Cadre), ..Default::default() }, 0, 10).unwrap();
        assert_eq!((list.len(), total), (2, 2), "{backend}");
        let _ = (f.school_a, f.school_b, f.university, f.enterprise, f.teacher, f.secretary, f.volunteer, f.sub);
    }
}

#[test]
fn hand_over_gives_the_households_to_the_successor_and_keeps_the_history() {
    for mut db in TestDb::all() {
        let backend = db.name;
        let f = setup(&mut db.store);
        let (a, all) = (test_actor(), RegionScope::all());
        let c = &mut db.store.conn;
        let hs: Vec<i64> = f.households.iter().take(4).map(|h| h.0).collect();
        let mut old = Vec::new();
        for h in &hs[..3] {
            old.push(pairings::create(c, &a, &all, &np(PairingKind::HelperHousehold, Party::Helper(f.cadre), Party::Household(*h))).unwrap().id);
        }
        // the successor already has a household as 领导包户 of the first: that one is not duplicated
        pairings::create(c, &a, &all, &np(PairingKind::HelperHousehold, Party::Helper(f.cadre2), Party::Household(hs[3]))).unwrap();
        let m = invalid(handover::hand_over(c, &a, &all, f.cadre, f.cadre2, d(2025, 7, 1), " "));
        assert!(m.contains("原因"), "{m}");
        let m = invalid(handover::hand_over(c, &a, &all, f.cadre, f.cadre2, d(2020, 7, 1), "调离"));
        assert!(m.contains("早于"), "{m}");
        let audits = audit::count(c, Some("helper")).unwrap();
        let r = handover::hand_over(c, &a, &all, f.cadre, f.cadre2, d(2025, 7, 1), "调离").unwrap();
        assert_eq!((r.ended, r.created), (3, 3), "{backend}");
        assert_eq!(r.successor_caseload.0, 4, "{backend}");
        assert_eq!(audit::count(c, Some("helper")).unwrap(), audits + 1);
        assert!(pairings::of_helper(c, &all, f.cadre, true).unwrap().is_empty(), "{backend}");
        for (h, old_id) in hs.iter().zip(&old) {
            let history = pairings::of_household(c, &all, *h).unwrap();
            assert_eq!(history.len(), 2, "{backend}");
            let (new, ended) = (&history[0], &history[1]);
            assert_eq!((new.status, &new.helper, new.started_on), (PairingStatus::Active, &Party::Helper(f.cadre2), d(2025, 7, 1)), "{backend}");
            assert_eq!(new.plan_goal.as_deref(), Some("稳定增收"), "the plan goes with the household");
            assert_eq!((ended.id, ended.status, ended.ended_on, ended.replaced_by), (*old_id, PairingStatus::Ended, Some(d(2025, 7, 1)), Some(new.id)), "{backend}");
            assert_eq!(ended.end_reason.as_deref(), Some("调离"));
        }
        // nothing left to hand over: a no-op
        let again = handover::hand_over(c, &a, &all, f.cadre, f.cadre2, d(2025, 8, 1), "调离").unwrap();
        assert_eq!((again.ended, again.created), (0, 0));
    }
}

#[test]
fn caseload_limits_come_from_the_defaults_or_the_jurisdiction() {
    for mut db in TestDb::all() {
        let backend = db.name;
        let f = setup(&mut db.store);
        let (a, all) = (test_actor(), RegionScope::all());
        let c = &mut db.store.conn;
        let lim = caseload::limits(c, &f.county).unwrap();
        assert_eq!((lim.of(Some(Rank::FullSection)), lim.of(Some(Rank::DeputySection)), lim.of(Some(Rank::Ordinary)), lim.of(None)), (3, 2, 1, 1));
        let h: Vec<i64> = f.households.iter().take(3).map(|h| h.0).collect();
        let first = pairings::create(c, &a, &all, &np(PairingKind::HelperHousehold, Party::Helper(f.cadre2), Party::Household(h[0]))).unwrap();
        assert_eq!(first.over_caseload, None);
        let second = pairings::create(c, &a, &all, &np(PairingKind::HelperHousehold, Party::Helper(f.cadre2), Party::Household(h[1]))).unwrap();
        assert_eq!(second.over_caseload, Some((2, 1)), "an ordinary cadre with two households: a warning, {backend}");
        let over = caseload::over_caseload(c, &all).unwrap();
        assert_eq!(over.iter().map(|r| (r.helper_id, r.households, r.limit)).collect::<Vec<_>>(), vec![(f.cadre2, 2, 1)], "{backend}");
        // the county sets 凤山's 8/7/6/5/4; the province something else: the longest prefix wins
        caseload::set_limit(c, &a, &f.county[..2], Rank::Ordinary, 2, Some("省文件")).unwrap();
        caseload::set_limit(c, &a, &f.county[..6], Rank::Ordinary, 4, Some("县文件")).unwrap();
        caseload::set_limit(c, &a, &f.county[..6], Rank::Ordinary, 4, Some("县文件（重发）")).unwrap();
        let lim = caseload::limits(c, &f.county).unwrap();
        assert_eq!(lim.of(Some(Rank::Ordinary)), 4);
        assert_eq!(caseload::limits(c, &format!("{}9999000000", &f.county[..2])).unwrap().of(Some(Rank::Ordinary)), 2);
        assert!(caseload::over_caseload(c, &all).unwrap().is_empty(), "{backend}");
        let rows = caseload::helpers_with_caseload(c, &all).unwrap();
        let mine = rows.iter().find(|r| r.helper_id == f.cadre2).unwrap();
        assert_eq!((mine.households, mine.limit), (2, 4));
        assert_eq!(rows.len(), 5, "every active helper, {backend}");
    }
}

#[test]
fn coverage_counts_equal_counts_made_over_the_fixtures() {
    for mut db in TestDb::all() {
        let backend = db.name;
        let f = setup(&mut db.store);
        let (a, all) = (test_actor(), RegionScope::all());
        let (stu, _) = student(&mut db.store);
        let c = &mut db.store.conn;
        for (i, (h, _)) in f.households.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
            let helper = if i % 2 == 0 { f.cadre } else { f.cadre2 };
            pairings::create(c, &a, &all, &np(PairingKind::HelperHousehold, Party::Helper(helper), Party::Household(*h))).unwrap();
        }
        pairings::create(c, &a, &all, &np(PairingKind::UnitVillage, Party::Unit(f.gov), Party::Village(f.villages[0].clone()))).unwrap();
        pairings::create(c, &a, &all, &np(PairingKind::TeacherStudent, Party::Helper(f.teacher), Party::Student(stu))).unwrap();
        pairings::create(c, &a, &all, &np(PairingKind::SchoolSchool, Party::School(f.school_a), Party::School(f.school_b))).unwrap();
        let s = coverage::summary(c, &all, None).unwrap();
        let registered = f.households.len() as i64;
        let paired = f.households.iter().enumerate().filter(|(i, _)| i % 3 == 0).count() as i64;
        assert_eq!((s.registered_households, s.households_without_helper), (registered, registered - paired), "{backend}");
        assert_eq!((s.villages, s.villages_without_unit), (f.villages.len() as i64, f.villages.len() as i64 - 1), "{backend}");
        let students = c
            .query_int(
                "SELECT COUNT(*) FROM member m JOIN household h ON h.id = m.household_id WHERE m.status = 'active' AND m.school_status IS NOT NULL AND m.school_status NOT IN ('not_student', 'preschool_age') AND h.household_type IN ('poor', 'exited', 'monitored') AND h.status = 'active'",
                &[],
            )
            .unwrap();
        assert!(students > 0);
        assert_eq!((s.students, s.students_without_teacher), (students, students - 1), "{backend}");
        assert_eq!((s.schools, s.schools_without_pairing), (2, 0), "{backend}");
        let over: i64 = [f.cadre, f.cadre2].iter().map(|h| caseload::of_helper(c, *h).unwrap()).filter(|(n, l)| n > l).count() as i64;
        assert_eq!((s.helpers, s.helpers_over_caseload), (5, over), "{backend}");
        let (gaps, total) = coverage::households_without_helper(c, &all, None, 0, 1000).unwrap();
        assert_eq!((gaps.len() as i64, total), (registered - paired, registered - paired));
        let villages = coverage::villages_without_unit(c, &all, None).unwrap();
        assert!(villages.iter().all(|v| v.code != f.villages[0]));
        assert_eq!(villages.len() as i64, s.villages_without_unit);
        let (students_gap, total) = coverage::students_without_teacher(c, &all, None, 0, 1000).unwrap();
        assert_eq!(students_gap.len() as i64, total);
        assert!(coverage::schools_without_pairing(c, &all, None).unwrap().is_empty());
        // narrowed to a village
        let (_, village) = &f.households[0];
        let code = RegionCode::parse(village).unwrap();
        let one = coverage::summary(c, &all, Some(&code)).unwrap();
        let in_village = f.households.iter().enumerate().filter(|(_, (_, v))| v == village).count() as i64;
        let paired_in_village = f.households.iter().enumerate().filter(|(i, (_, v))| v == village && i % 3 == 0).count() as i64;
        assert_eq!((one.registered_households, one.households_without_helper, one.villages), (in_village, in_village - paired_in_village, 1), "{backend}");
        let by_region = coverage::households_by_region(c, &all).unwrap();
        assert_eq!(by_region.iter().map(|r| r.2).sum::<i64>(), registered);
        assert_eq!(by_region.iter().map(|r| r.3).sum::<i64>(), registered - paired);
        let _ = P::Null;
    }
}
