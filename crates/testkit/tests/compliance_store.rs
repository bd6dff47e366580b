//! Monthly compliance on every backend over fixtures with known visits: rates and lists equal the
//! hand counts; a jurisdiction's parameter changes the outcome; scope clips; a helper's due list;
//! the ledgers' rows.

use bangfu_domain::compliance::Month;
use bangfu_domain::RegionScope;
use bangfu_store::compliance::{self, MonthlyRequest};
use bangfu_store::{Conn, Store, P};
use bangfu_testkit::*;
use chrono::NaiveDate;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

const NOW: &str = "2025-01-01T00:00:00.000Z";

struct Fixture {
    /// households h0..h5
    hh: Vec<i64>,
    v1: String,
    v2: String,
    v3: String,
    township: String,
}

fn unit(c: &mut Conn, id: i64, name: &str, region: &str) {
    c.execute(
        "INSERT INTO assist_unit (id, name, kind, region_code, status, created_at, updated_at, version) VALUES (?, ?, 'government', ?, 'active', ?, ?, 1)",
        &[P::Int(id), P::Text(name), P::Text(region), P::Text(NOW), P::Text(NOW)],
    )
    .unwrap();
}

#[allow(clippy::too_many_arguments)]
fn helper(c: &mut Conn, id: i64, name: &str, kind: &str, unit: i64, position: Option<&str>, region: &str, user_id: Option<i64>) {
    c.execute(
        "INSERT INTO helper (id, name, kind, unit_id, position, user_id, region_code, status, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, 1)",
        &[P::Int(id), P::Text(name), P::Text(kind), P::Int(unit), position.map(P::Text).unwrap_or(P::Null), user_id.map(P::Int).unwrap_or(P::Null), P::Text(region), P::Text(NOW), P::Text(NOW)],
    )
    .unwrap();
}

#[allow(clippy::too_many_arguments)]
fn pairing(c: &mut Conn, id: i64, kind: &str, helper_kind: &str, helper_id: i64, beneficiary_kind: &str, beneficiary_id: Option<i64>, region: &str, from: NaiveDate) {
    c.execute(
        "INSERT INTO pairing (id, kind, helper_kind, helper_id, beneficiary_kind, beneficiary_id, beneficiary_region, region_code, started_on, status, plan_measures, created_at, updated_at, version) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', '发展养殖', ?, ?, 1)",
        &[P::Int(id), P::Text(kind), P::Text(helper_kind), P::Int(helper_id), P::Text(beneficiary_kind), beneficiary_id.map(P::Int).unwrap_or(P::Null), P::Text(region), P::Text(region), P::Date(from), P::Text(NOW), P::Text(NOW)],
    )
    .unwrap();
}

fn activity(c: &mut Conn, id: i64, kind: &str, helpers: &[i64], household: Option<i64>, region: &str, on: NaiveDate) {
    c.execute(
        "INSERT INTO activity (id, kind, region_code, household_id, occurred_on, checked, problems, help_given, created_by, created_at, version) \
         VALUES (?, ?, ?, ?, ?, '两不愁三保障', '屋顶漏雨', '联系维修', 'test', ?, 1)",
        &[P::Int(id), P::Text(kind), P::Text(region), household.map(P::Int).unwrap_or(P::Null), P::Date(on), P::Text(NOW)],
    )
    .unwrap();
    for h in helpers {
        c.execute(
            "INSERT INTO activity_helper (helper_id, occurred_on, activity_id, kind, household_id, region_code) VALUES (?, ?, ?, ?, ?, ?)",
            &[P::Int(*h), P::Date(on), P::Int(id), P::Text(kind), household.map(P::Int).unwrap_or(P::Null), P::Text(region)],
        )
        .unwrap();
    }
}

/// Three villages (two in one township), six households, helpers 1–7, units 1–2, one team.
fn fixture(store: &mut Store) -> Fixture {
    load_demo_regions(store);
    insert_docs(store, &demo_docs(6, 11));
    let c = &mut store.conn;
    let villages: Vec<String> = c
        .query("SELECT code FROM region WHERE code NOT LIKE '%000' ORDER BY code", &[])
        .unwrap()
        .into_iter()
        .map(|r| r[0].string())
        .filter(|code| code.len() == 12)
        .collect();
    let v1 = villages[0].clone();
    let v2 = villages.iter().find(|v| v[..9] == v1[..9] && **v != v1).unwrap().clone();
    let v3 = villages.iter().find(|v| v[..9] != v1[..9]).unwrap().clone();
    let hh: Vec<i64> = c.query("SELECT id FROM household ORDER BY id", &[]).unwrap().into_iter().map(|r| r[0].int().unwrap()).collect();
    let place = [&v1, &v1, &v2, &v2, &v2, &v3];
    for (h, v) in hh.iter().zip(place) {
        c.execute("UPDATE household SET region_code = ? WHERE id = ?", &[P::Text(v), P::Int(*h)]).unwrap();
    }
    unit(c, 1, "县交通局", &v1);
    unit(c, 2, "县水利局", &v1);
    unit(c, 3, "县林业局", &v1);
    helper(c, 1, "张一", "cadre", 1, Some("科员"), &v1, Some(900));
    helper(c, 2, "李二", "cadre", 2, None, &v1, None);
    helper(c, 3, "王三", "teacher", 2, None, &v3, None);
    helper(c, 4, "赵局长", "leader", 1, Some("局长"), &v1, None);
    helper(c, 5, "钱副局长", "leader", 1, Some("副局长"), &v1, None);
    helper(c, 6, "孙队员", "team_member", 1, None, &v1, None);
    helper(c, 7, "周队员", "team_member", 1, None, &v1, None);
    let start = d(2025, 2, 1);
    pairing(c, 1, "helper_household", "helper", 1, "household", Some(hh[0]), &v1, start);
    pairing(c, 2, "helper_household", "helper", 1, "household", Some(hh[1]), &v1, start);
    pairing(c, 3, "helper_household", "helper", 1, "household", Some(hh[2]), &v2, start);
    pairing(c, 4, "helper_household", "helper", 2, "household", Some(hh[3]), &v2, start);
    pairing(c, 5, "helper_household", "helper", 2, "household", Some(hh[4]), &v2, start);
    pairing(c, 6, "helper_household", "helper", 3, "household", Some(hh[5]), &v3, start);
    // ended before June: not due
    c.execute(
        "INSERT INTO pairing (id, kind, helper_kind, helper_id, beneficiary_kind, beneficiary_id, region_code, started_on, ended_on, status, created_at, updated_at, version) \
         VALUES (7, 'helper_household', 'helper', 2, 'household', ?, ?, ?, ?, 'ended', ?, ?, 1)",
        &[P::Int(hh[0]), P::Text(&v1), P::Date(start), P::Date(d(2025, 5, 31)), P::Text(NOW), P::Text(NOW)],
    )
    .unwrap();
    pairing(c, 8, "unit_village", "unit", 1, "village", None, &v1, start);
    pairing(c, 9, "unit_village", "unit", 2, "village", None, &v2, start);
    pairing(c, 10, "unit_village", "unit", 3, "village", None, &v3, start);
    c.execute("INSERT INTO work_team (id, name, unit_id, village_code, started_on, status, created_at, version) VALUES (1, '驻村工作队', 1, ?, ?, 'active', ?, 1)", &[P::Text(&v1), P::Date(start), P::Text(NOW)]).unwrap();
    for h in [6, 7] {
        c.execute("INSERT INTO team_member (team_id, helper_id, role, started_on) VALUES (1, ?, 'member', ?)", &[P::Int(h), P::Date(start)]).unwrap();
    }
    // visits
    activity(c, 1, "visit", &[1], Some(hh[0]), &v1, d(2025, 6, 3));
    activity(c, 2, "visit", &[1], Some(hh[0]), &v1, d(2025, 6, 20));
    activity(c, 3, "visit", &[1], Some(hh[1]), &v1, d(2025, 6, 10));
    activity(c, 4, "visit", &[2], Some(hh[3]), &v2, d(2025, 5, 1)); // 60 days before 30 June: overdue
    activity(c, 5, "visit", &[2], Some(hh[4]), &v2, d(2025, 5, 20)); // 41 days: not overdue
    activity(c, 6, "visit", &[3], Some(hh[5]), &v3, d(2025, 6, 15));
    activity(c, 7, "visit", &[1], Some(hh[5]), &v3, d(2025, 6, 16)); // not paired: counts for helper 1's visits
    activity(c, 8, "visit", &[1], Some(hh[2]), &v2, d(2025, 7, 2)); // next month: not counted for June
    activity(c, 9, "meeting", &[4], None, &v1, d(2025, 6, 5)); // the main leader in the village
    activity(c, 10, "meeting", &[5], None, &v2, d(2025, 6, 6)); // deputy, but in another village
    let mut id = 100;
    for day in 1..=20 {
        activity(c, id, "sign_in", &[6], None, &v1, d(2025, 6, day));
        id += 1;
    }
    for day in 1..=5 {
        activity(c, id, "sign_in", &[7], None, &v1, d(2025, 6, day));
        id += 1;
    }
    let township = format!("{}000", &v1[..9]);
    Fixture { hh, v1, v2, v3, township }
}

fn june() -> Month {
    Month::parse("2025-06").unwrap()
}

fn req(scope: &RegionScope) -> MonthlyRequest<'_> {
    MonthlyRequest { scope, month: june(), today: today(), list_limit: 100 }
}

#[test]
fn monthly_rates_and_lists_equal_hand_counts() {
    for mut db in TestDb::all() {
        let b = db.name;
        let f = fixture(&mut db.store);
        let m = compliance::monthly(&mut db.store.conn, &req(&all_scope())).unwrap();
        assert_eq!(m.as_of, d(2025, 6, 30), "{b}");
        // VIS-01: pairs (1,h0) (1,h1) (3,h5) visited; (1,h2) (2,h3) (2,h4) not
        assert_eq!((m.total.visits.due, m.total.visits.met), (6, 3), "{b}");
        assert_eq!(m.total.visits.rate(), 50.0);
        assert_eq!(m.total.households, 6, "{b}");
        let mut not: Vec<i64> = m.not_visited.iter().map(|l| l.household_id).collect();
        not.sort();
        assert_eq!(not, vec![f.hh[2], f.hh[3], f.hh[4]], "{b}");
        assert_eq!(m.not_visited_total, 3);
        // VIS-02: h2 never visited (first), h3 60 days; h4 41 days is within 45
        assert_eq!(m.overdue.iter().map(|l| l.household_id).collect::<Vec<_>>(), vec![f.hh[2], f.hh[3]], "{b}");
        assert_eq!(m.overdue[1].days_since, Some(60));
        assert!(m.overdue[0].household_no.is_some() && m.overdue[0].head_name.is_some(), "{b}: names filled");
        // VIS-03: helper 1 has 4 June visits (≥ 3), helper 2 none; the teacher is not a cadre
        assert_eq!((m.total.cadres.due, m.total.cadres.met), (2, 1), "{b}");
        let behind: Vec<i64> = m.helpers_behind().map(|h| h.helper_id).collect();
        assert_eq!(behind, vec![2, 1], "{b}: most missing first");
        let h1 = m.helpers.iter().find(|h| h.helper_id == 1).unwrap();
        assert_eq!((h1.households, h1.visited, h1.visits_month, h1.unit_name.as_deref()), (3, 2, 4, Some("县交通局")));
        // UNIT-01: unit 1 was in v1 in June (helper 1), unit 2 in v2 in May (helper 2: within the
        // quarter), unit 3 has nobody and never came to v3
        assert_eq!((m.total.units.due, m.total.units.met), (3, 2), "{b}");
        assert_eq!(m.units[0].unit_id, 3, "{b}: absent first");
        assert!(m.units[0].absent && m.units[0].village_code == f.v3 && m.units[0].window_from == d(2025, 4, 1));
        assert!(m.units.iter().any(|u| u.unit_id == 2 && !u.absent && u.last_present == Some(d(2025, 5, 20))));
        // LDR: the 局长 1 day in v1 (≥ 1), the 副局长 0 days in v1 (his meeting was in v2)
        assert_eq!((m.total.leaders.due, m.total.leaders.met), (2, 1), "{b}");
        let deputy = m.leaders.iter().find(|l| l.helper_id == 5).unwrap();
        assert_eq!((deputy.main, deputy.days, deputy.required), (false, 0, 2));
        // TEAM-01: 20 days met, 5 not
        assert_eq!((m.total.team.due, m.total.team.met), (2, 1), "{b}");
        // townships and villages
        assert_eq!(m.townships.len(), 2, "{b}");
        let t = m.townships.iter().find(|t| t.code == f.township).unwrap();
        assert_eq!((t.visits.due, t.visits.met, t.overdue), (5, 2, 2));
        assert!(!t.name.is_empty() && t.name != t.code, "{b}: township named");
        let v3 = m.villages.iter().find(|v| v.code == f.v3).unwrap();
        assert_eq!((v3.visits.due, v3.visits.met), (1, 1));
    }
}

#[test]
fn a_jurisdictions_parameter_changes_the_outcome_and_is_audited() {
    for mut db in TestDb::all() {
        let b = db.name;
        let f = fixture(&mut db.store);
        let actor = test_actor();
        // v2 counts 40 days: h4 (41 days) becomes overdue there
        compliance::settings::save(&mut db.store.conn, &actor, "no_visit_days", &f.v2, "40天", Some("某县〔2025〕3号")).unwrap();
        // v1 wants two visits a month: (1,h1) with one visit falls short
        compliance::settings::save(&mut db.store.conn, &actor, "每户每月至少走访（次）", &f.v1, "2", None).unwrap();
        let m = compliance::monthly(&mut db.store.conn, &req(&all_scope())).unwrap();
        assert_eq!(m.total.overdue, 3, "{b}");
        assert_eq!((m.total.visits.due, m.total.visits.met), (6, 2), "{b}");
        assert_eq!(m.parts.len(), 2, "{b}");
        assert!(db.store.conn.query_int("SELECT COUNT(*) FROM audit_log WHERE entity = 'compliance_param'", &[]).unwrap() >= 2);
        // a bad value is refused in Chinese, nothing stored
        let err = compliance::settings::save(&mut db.store.conn, &actor, "no_visit_days", &f.v2, "很久", None).unwrap_err().to_string();
        assert!(err.contains("VIS-02"), "{err}");
        assert!(compliance::settings::save(&mut db.store.conn, &actor, "nope", "", "1", None).is_err());
        let (p, _) = compliance::settings::params_for(&mut db.store.conn, &f.v2).unwrap();
        assert_eq!(p.get("no_visit_days"), 40);
        // removed: v2 inherits 45 again
        assert!(compliance::settings::remove(&mut db.store.conn, &actor, "no_visit_days", &f.v2).unwrap());
        let m = compliance::monthly(&mut db.store.conn, &req(&all_scope())).unwrap();
        assert_eq!(m.total.overdue, 2, "{b}");
    }
}

#[test]
fn scope_clips_the_month_and_the_due_list() {
    for mut db in TestDb::all() {
        let b = db.name;
        let f = fixture(&mut db.store);
        let t = RegionScope::of(&bangfu_domain::RegionCode::parse(&f.township).unwrap());
        let m = compliance::monthly(&mut db.store.conn, &req(&t)).unwrap();
        assert_eq!(m.townships.len(), 1, "{b}");
        assert_eq!((m.total.visits.due, m.total.visits.met), (5, 2), "{b}");
        assert!(m.villages.iter().all(|v| v.code != f.v3));
        assert!(m.helpers.iter().all(|h| h.helper_id != 3), "{b}: the teacher's household is outside");
        // helper 1's due list: 3 households, 2 done, h2 overdue and first
        let due = compliance::due(&mut db.store.conn, &all_scope(), 1, june(), today()).unwrap().unwrap();
        assert_eq!(due.items.len(), 3, "{b}");
        assert_eq!(due.done_count(), 2);
        assert_eq!(due.items[0].household_id, f.hh[2]);
        assert!(due.items[0].overdue && !due.items[0].done);
        assert_eq!(due.visits_month, 4);
        assert_eq!(due.cadre_visits_required, Some(3));
        let h0 = due.items.iter().find(|i| i.household_id == f.hh[0]).unwrap();
        assert_eq!((h0.visits_month, h0.last_visit), (2, Some(d(2025, 6, 20))));
        // a village's scope shows only that village's households of the helper
        let v1 = RegionScope::of(&bangfu_domain::RegionCode::parse(&f.v1).unwrap());
        assert_eq!(compliance::due(&mut db.store.conn, &v1, 1, june(), today()).unwrap().unwrap().items.len(), 2, "{b}");
        // the teacher (v3) is invisible from the township
        assert!(compliance::due(&mut db.store.conn, &t, 3, june(), today()).unwrap().is_none(), "{b}");
        assert!(compliance::due(&mut db.store.conn, &all_scope(), 999, june(), today()).unwrap().is_none());
        assert_eq!(compliance::helper_of_user(&mut db.store.conn, 900).unwrap(), Some(1));
        assert_eq!(compliance::helper_of_user(&mut db.store.conn, 901).unwrap(), None);
    }
}

#[test]
fn ledgers_list_the_months_visits_and_each_helpers_households() {
    for mut db in TestDb::all() {
        let b = db.name;
        let f = fixture(&mut db.store);
        let t = RegionScope::of(&bangfu_domain::RegionCode::parse(&f.township).unwrap());
        let visits = compliance::visit_ledger(&mut db.store.conn, &t, june()).unwrap();
        assert_eq!(visits.len(), 3, "{b}: three June visits in the township");
        assert!(visits.iter().all(|v| v.helpers == "张一" && v.problems.as_deref() == Some("屋顶漏雨") && v.head_name.is_some()), "{b}");
        let work = compliance::work_ledger(&mut db.store.conn, &t, june(), today()).unwrap();
        assert_eq!(work.len(), 5, "{b}");
        let z: Vec<_> = work.iter().filter(|w| w.helper_id == 1).collect();
        assert_eq!(z.iter().map(|w| w.visits_month).sum::<i64>(), 3);
        assert!(z.iter().all(|w| w.measures.contains("发展养殖")), "{b}");
    }
}

#[test]
fn the_dashboard_counts_coverage_and_this_months_visits() {
    for mut db in TestDb::all() {
        let b = db.name;
        let f = fixture(&mut db.store);
        let c = compliance::dashboard_counts(&mut db.store.conn, &all_scope(), june(), today()).unwrap();
        assert_eq!((c.pairs, c.pairs_visited), (6, 3), "{b}");
        let registered = db.store.conn.query_int("SELECT COUNT(*) FROM household WHERE status = 'active' AND household_type IN ('poor', 'exited', 'monitored')", &[]).unwrap();
        let paired = db.store.conn.query_int("SELECT COUNT(*) FROM household WHERE status = 'active' AND household_type IN ('poor', 'exited', 'monitored') AND id IN (SELECT beneficiary_id FROM pairing WHERE kind = 'helper_household' AND status = 'active')", &[]).unwrap();
        assert_eq!((c.registered_households, c.households_without_helper), (registered, registered - paired), "{b}");
        let _ = f;
    }
}
