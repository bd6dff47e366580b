//! Field work and assistance measures on both backends: every activity kind records; bad input is
//! refused with a message naming the field and nothing is written; a visit by a helper not paired
//! with the household is stored and flagged; the same visit twice or the same form twice is one row;
//! photos are images under 5 MB; measures are audited; everything is scoped by region.

mod common;

use bangfu_domain::pairing::ActivityKind;
use bangfu_domain::quality::measures::MeasureKind;
use bangfu_domain::{RegionCode, RegionScope};
use bangfu_store::activity::measures::{self, NewMeasure};
use bangfu_store::activity::{self, ActivityFilter, NewActivity};
use bangfu_store::{Conn, StoreError, P};
use bangfu_testkit::*;
use chrono::{Duration, NaiveDate};
use common::*;

struct Fixture {
    /// Two households in one village, one in another.
    hh: i64,
    hh2: i64,
    other: i64,
    village: String,
    other_village: String,
    /// Paired with `hh` since `paired_on`.
    helper: i64,
    /// Paired with nobody.
    stranger: i64,
    paired_on: NaiveDate,
}

fn today() -> NaiveDate {
    activity::today_china()
}

fn helper(conn: &mut Conn, id: i64, name: &str, region: &str) {
    conn.execute(
        "INSERT INTO helper (id, name, kind, region_code, status, created_at, updated_at, version) VALUES (?, ?, 'cadre', ?, 'active', 'x', 'x', 1)",
        &[P::Int(id), P::Text(name), P::Text(region)],
    )
    .unwrap();
}

fn pair(conn: &mut Conn, id: i64, helper: i64, household: i64, region: &str, from: NaiveDate) {
    conn.execute(
        "INSERT INTO pairing (id, kind, helper_kind, helper_id, beneficiary_kind, beneficiary_id, region_code, started_on, status, created_at, updated_at, version) \
         VALUES (?, 'helper_household', 'helper', ?, 'household', ?, ?, ?, 'active', 'x', 'x', 1)",
        &[P::Int(id), P::Int(helper), P::Int(household), P::Text(region), P::Date(from)],
    )
    .unwrap();
}

fn fixture(db: &mut TestDb) -> Fixture {
    seeded(db, 120, 5);
    let conn = &mut db.store.conn;
    let rows = conn.query("SELECT id, region_code FROM household ORDER BY region_code, id", &[]).unwrap();
    let all: Vec<(i64, String)> = rows.iter().map(|r| (r[0].int().unwrap(), r[1].string())).collect();
    let (hh, village) = all.iter().find(|(_, v)| all.iter().filter(|(_, w)| w == v).count() >= 2).cloned().unwrap();
    let hh2 = all.iter().find(|(id, v)| *v == village && *id != hh).unwrap().0;
    let (other, other_village) = all.iter().find(|(_, v)| *v != village).cloned().unwrap();
    let county = &village[..6];
    helper(conn, 1, "张帮扶", &format!("{county}000000"));
    helper(conn, 2, "李路过", &format!("{county}000000"));
    let paired_on = today() - Duration::days(100);
    pair(conn, 1, 1, hh, &village, paired_on);
    Fixture { hh, hh2, other, village, other_village, helper: 1, stranger: 2, paired_on }
}

fn visit(household: i64, helpers: &[i64], on: NaiveDate) -> NewActivity {
    let mut a = NewActivity::new(ActivityKind::Visit, on);
    a.household_id = Some(household);
    a.helper_ids = helpers.to_vec();
    a.checked = vec!["guarantees".into(), "income".into()];
    a.problems = Some("屋顶漏雨".into());
    a.help_given = Some("联系村里修缮".into());
    a.start_time = Some("09:00".into());
    a.end_time = Some("10:30".into());
    a
}

fn count(conn: &mut Conn, table: &str) -> i64 {
    conn.query_int(&format!("SELECT COUNT(*) FROM {table}"), &[]).unwrap()
}

fn audits(conn: &mut Conn, entity: &str) -> i64 {
    conn.query_int("SELECT COUNT(*) FROM audit_log WHERE entity = ?", &[P::Text(entity)]).unwrap()
}

fn invalid(e: StoreError) -> String {
    match e {
        StoreError::Invalid(m) => m,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn every_kind_records_with_its_helpers_and_an_audit_entry() {
    for mut db in TestDb::all() {
        let f = fixture(&mut db);
        let actor = test_actor();
        let scope = RegionScope::all();
        let day = today() - Duration::days(3);
        let mut kinds = Vec::new();
        for &kind in ActivityKind::ALL {
            let mut a = NewActivity::new(kind, day);
            a.village = Some(f.village.clone());
            a.helper_ids = vec![f.helper];
            match kind {
                ActivityKind::Visit => a = visit(f.hh, &[f.helper], day),
                ActivityKind::WorkLog => a.help_given = Some("整理档案".into()),
                ActivityKind::Stint => {
                    a.ended_on = Some(day + Duration::days(1));
                    a.details.insert("stint_kind".into(), "挂职".into());
                }
                ActivityKind::Training => {
                    a.title = Some("电商技能".into());
                    for (k, v) in [("level", serde_json::json!("县培")), ("trainer", "王老师".into()), ("sessions", 2.into()), ("participants", 40.into()), ("person_times", 80.into()), ("credits", 4.into())] {
                        a.details.insert(k.into(), v);
                    }
                }
                ActivityKind::Meeting => a.title = Some("院坝会".into()),
                ActivityKind::Donation => a.goods = Some("棉被 20 床".into()),
                ActivityKind::Purchase | ActivityKind::Dividend => {
                    a.title = Some("土鸡蛋".into());
                    a.money = Some(120_000);
                }
                ActivityKind::SignIn => {}
            }
            let r = activity::record(&mut db.store.conn, &actor, &scope, &a).unwrap_or_else(|e| panic!("{}: {kind:?}: {e}", db.name));
            assert!(!r.duplicate && r.flags.is_empty(), "{}: {kind:?} {r:?}", db.name);
            kinds.push(r.id);
        }
        let n = ActivityKind::ALL.len() as i64;
        assert_eq!(count(&mut db.store.conn, "activity"), n, "{}", db.name);
        assert_eq!(count(&mut db.store.conn, "activity_helper"), n, "{}", db.name);
        assert_eq!(audits(&mut db.store.conn, "activity"), n, "{}", db.name);

        let v = activity::activity(&mut db.store.conn, &scope, kinds[0]).unwrap().unwrap();
        assert_eq!((v.kind, v.household_id, v.region_code.as_str()), (ActivityKind::Visit, Some(f.hh), f.village.as_str()), "{}", db.name);
        assert_eq!(v.checked, vec!["guarantees", "income"], "{}", db.name);
        assert_eq!(v.helpers.iter().map(|h| h.name.as_str()).collect::<Vec<_>>(), vec!["张帮扶"], "{}", db.name);
        let t = activity::activity(&mut db.store.conn, &scope, kinds[4]).unwrap().unwrap();
        assert_eq!(t.details["level"], "县培", "{}", db.name);

        // queries: of the household, of the helper by month, of the village; counts
        let of_hh = activity::activities(&mut db.store.conn, &scope, &ActivityFilter { household_id: Some(f.hh), ..Default::default() }, 0, 50).unwrap();
        assert_eq!(of_hh.1, 1, "{}", db.name);
        let month = activity::month_of(day);
        let of_helper = activity::activities(&mut db.store.conn, &scope, &ActivityFilter { helper_id: Some(f.helper), month: Some(month), ..Default::default() }, 0, 50).unwrap();
        assert_eq!(of_helper.1, n, "{}", db.name);
        let next = activity::month_of(day + Duration::days(40));
        let none = activity::activities(&mut db.store.conn, &scope, &ActivityFilter { helper_id: Some(f.helper), month: Some(next), ..Default::default() }, 0, 50).unwrap();
        assert_eq!(none.1, 0, "{}", db.name);
        let village = RegionCode::parse(&f.village).unwrap();
        let of_village = activity::activities(&mut db.store.conn, &scope, &ActivityFilter { region: Some(village), ..Default::default() }, 0, 50).unwrap();
        assert_eq!(of_village.1, n, "{}", db.name);
        let counts = activity::counts(&mut db.store.conn, &scope, Some(month)).unwrap();
        assert_eq!(counts.len(), ActivityKind::ALL.len(), "{}", db.name);
        assert!(counts.iter().all(|(_, c)| *c == 1), "{}", db.name);
    }
}

#[test]
fn bad_activities_are_refused_naming_the_field_and_nothing_is_written() {
    for mut db in TestDb::all() {
        let f = fixture(&mut db);
        let actor = test_actor();
        let scope = RegionScope::all();
        let conn = &mut db.store.conn;
        // in the future
        let e = invalid(activity::record(conn, &actor, &scope, &visit(f.hh, &[f.helper], today() + Duration::days(1))).unwrap_err());
        assert!(e.contains("晚于今天"), "{}: {e}", db.name);
        // before the pairing started
        let e = invalid(activity::record(conn, &actor, &scope, &visit(f.hh, &[f.helper], f.paired_on - Duration::days(1))).unwrap_err());
        assert!(e.contains("早于") && e.contains("结对") && e.contains("张帮扶"), "{}: {e}", db.name);
        // end before start
        let mut a = visit(f.hh, &[f.helper], today());
        a.end_time = Some("08:00".into());
        assert!(invalid(activity::record(conn, &actor, &scope, &a).unwrap_err()).contains("结束时间"), "{}", db.name);
        // a training without its level
        let mut t = NewActivity::new(ActivityKind::Training, today());
        t.village = Some(f.village.clone());
        t.title = Some("种植".into());
        assert!(invalid(activity::record(conn, &actor, &scope, &t).unwrap_err()).contains("级别"), "{}", db.name);
        t.details.insert("level".into(), "乡培".into());
        assert!(invalid(activity::record(conn, &actor, &scope, &t).unwrap_err()).contains("乡培"), "{}", db.name);
        // an unknown helper
        let e = invalid(activity::record(conn, &actor, &scope, &visit(f.hh, &[999], today())).unwrap_err());
        assert!(e.contains("999"), "{}: {e}", db.name);
        // a visit without a helper
        assert!(invalid(activity::record(conn, &actor, &scope, &visit(f.hh, &[], today())).unwrap_err()).contains("帮扶人"), "{}", db.name);
        assert_eq!(count(conn, "activity"), 0, "{}", db.name);
        assert_eq!(count(conn, "activity_helper"), 0, "{}", db.name);
        assert_eq!(audits(conn, "activity"), 0, "{}", db.name);
    }
}

#[test]
fn a_helper_not_paired_is_allowed_and_flagged() {
    for mut db in TestDb::all() {
        let f = fixture(&mut db);
        let conn = &mut db.store.conn;
        let r = activity::record(conn, &test_actor(), &RegionScope::all(), &visit(f.hh, &[f.stranger], today())).unwrap();
        assert_eq!(r.flags, vec!["not_paired"], "{}", db.name);
        let a = activity::activity(conn, &RegionScope::all(), r.id).unwrap().unwrap();
        assert!(a.not_paired(), "{}", db.name);
        // the paired helper's visit carries no flag
        let r = activity::record(conn, &test_actor(), &RegionScope::all(), &visit(f.hh, &[f.helper], today())).unwrap();
        assert!(r.flags.is_empty(), "{}", db.name);
        assert!(activity::is_paired(conn, f.helper, f.hh, today()).unwrap() && !activity::is_paired(conn, f.stranger, f.hh, today()).unwrap());
    }
}

#[test]
fn the_same_visit_logged_by_two_helpers_is_one_visit() {
    for mut db in TestDb::all() {
        let f = fixture(&mut db);
        let conn = &mut db.store.conn;
        let day = today() - Duration::days(1);
        let first = activity::record(conn, &test_actor(), &RegionScope::all(), &visit(f.hh, &[f.helper, f.stranger], day)).unwrap();
        // the second helper logs it again (with or without the first)
        for helpers in [vec![f.stranger], vec![f.helper]] {
            let e = invalid(activity::record(conn, &test_actor(), &RegionScope::all(), &visit(f.hh, &helpers, day)).unwrap_err());
            assert!(e.contains(&format!("记录 {}", first.id)) && e.contains("只登记一次"), "{}: {e}", db.name);
        }
        assert_eq!(count(conn, "activity"), 1, "{}", db.name);
        // another day, or another household, is another visit
        activity::record(conn, &test_actor(), &RegionScope::all(), &visit(f.hh, &[f.helper], day - Duration::days(1))).unwrap();
        activity::record(conn, &test_actor(), &RegionScope::all(), &visit(f.hh2, &[f.stranger], day)).unwrap();
        assert_eq!(count(conn, "activity"), 3, "{}", db.name);
    }
}

#[test]
fn the_same_form_sent_twice_is_stored_once() {
    for mut db in TestDb::all() {
        let f = fixture(&mut db);
        let conn = &mut db.store.conn;
        let mut a = visit(f.hh, &[f.helper], today());
        a.client_uuid = Some("6f1c2d9e-8b1a-4c55-9d2e-0f3a4b5c6d7e".into());
        let first = activity::record(conn, &test_actor(), &RegionScope::all(), &a).unwrap();
        let again = activity::record(conn, &test_actor(), &RegionScope::all(), &a).unwrap();
        assert_eq!((again.id, again.duplicate, first.duplicate), (first.id, true, false), "{}", db.name);
        assert_eq!(count(conn, "activity"), 1, "{}", db.name);
        assert_eq!(count(conn, "activity_helper"), 1, "{}", db.name);
        assert_eq!(audits(conn, "activity"), 1, "{}", db.name);
    }
}

fn jpeg() -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0];
    v.resize(2048, 0x11);
    v
}

#[test]
fn photos_must_be_images_under_5_mb() {
    for mut db in TestDb::all() {
        let f = fixture(&mut db);
        let conn = &mut db.store.conn;
        let scope = RegionScope::all();
        let id = activity::record(conn, &test_actor(), &scope, &visit(f.hh, &[f.helper], today())).unwrap().id;
        let e = invalid(activity::add_photo(conn, &test_actor(), &scope, id, b"%PDF-1.4 not a photo").unwrap_err());
        assert!(e.contains("不是照片"), "{}: {e}", db.name);
        let mut big = jpeg();
        big.resize(50 * 1024 * 1024, 0);
        let e = invalid(activity::add_photo(conn, &test_actor(), &scope, id, &big).unwrap_err());
        assert!(e.contains("5 MB") && e.contains("50.0 MB"), "{}: {e}", db.name);
        assert_eq!(count(conn, "activity_photo"), 0, "{}", db.name);

        let p = activity::add_photo(conn, &test_actor(), &scope, id, &jpeg()).unwrap();
        let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        png.extend_from_slice(&[0; 64]);
        activity::add_photo(conn, &test_actor(), &scope, id, &png).unwrap();
        let list = activity::photos(conn, &scope, id).unwrap();
        assert_eq!(list.iter().map(|p| (p.seq, p.mime.as_str())).collect::<Vec<_>>(), vec![(1, "image/jpeg"), (2, "image/png")], "{}", db.name);
        assert_eq!(activity::photo(conn, &scope, p).unwrap().unwrap(), ("image/jpeg".to_string(), jpeg()), "{}", db.name);
        assert_eq!(audits(conn, "activity_photo"), 2, "{}", db.name);
        assert_eq!(activity::activity(conn, &scope, id).unwrap().unwrap().photos, 2, "{}", db.name);
    }
}

#[test]
fn measures_are_added_changed_ended_deleted_and_audited() {
    for mut db in TestDb::all() {
        let f = fixture(&mut db);
        let conn = &mut db.store.conn;
        let scope = RegionScope::all();
        let actor = test_actor();
        let m = NewMeasure {
            household_id: f.hh,
            member_id: None,
            kind: MeasureKind::Industry,
            started_on: date(2025, 3, 1),
            ended_on: None,
            description: Some("发放鸡苗 200 羽".into()),
            amount: Some(300_000),
            pairing_id: None,
        };
        let id = measures::add_measure(conn, &actor, &scope, &m).unwrap();
        let id2 = measures::add_measure(conn, &actor, &scope, &NewMeasure { kind: MeasureKind::Dibao, started_on: date(2024, 1, 1), ..m.clone() }).unwrap();
        let list = measures::household_measures(conn, &scope, f.hh).unwrap();
        assert_eq!(list.len(), 2, "{}", db.name);
        assert_eq!(list[0].kind, MeasureKind::Industry, "{}", db.name);

        let v = measures::update_measure(conn, &actor, &scope, id, 1, &NewMeasure { amount: Some(350_000), ..m.clone() }).unwrap();
        assert_eq!(v, 2, "{}", db.name);
        let stale = invalid(measures::update_measure(conn, &actor, &scope, id, 1, &m).unwrap_err());
        assert!(stale.contains("已被他人修改"), "{}", db.name);
        let e = invalid(measures::end_measure(conn, &actor, &scope, id, date(2025, 1, 1)).unwrap_err());
        assert!(e.contains("结束日期"), "{}: {e}", db.name);
        measures::end_measure(conn, &actor, &scope, id, date(2025, 12, 31)).unwrap();
        assert_eq!(measures::measure(conn, &scope, id).unwrap().unwrap().ended_on, Some(date(2025, 12, 31)), "{}", db.name);

        let facts = measures::measures_of(conn, &[f.hh, f.hh2]).unwrap();
        assert_eq!(facts.len(), 1, "{}", db.name);
        assert_eq!(facts[&f.hh].iter().map(|m| m.kind).collect::<Vec<_>>(), vec![MeasureKind::Dibao, MeasureKind::Industry], "{}", db.name);

        measures::delete_measure(conn, &actor, &scope, id2).unwrap();
        assert_eq!(measures::household_measures(conn, &scope, f.hh).unwrap().len(), 1, "{}", db.name);
        let actions: Vec<String> =
            conn.query("SELECT action FROM audit_log WHERE entity = 'assistance_measure' ORDER BY seq", &[]).unwrap().iter().map(|r| r[0].string()).collect();
        assert_eq!(actions, vec!["create", "create", "update", "end", "delete"], "{}", db.name);
        // a bad end date and a member of another household are refused
        let e = invalid(measures::add_measure(conn, &actor, &scope, &NewMeasure { ended_on: Some(date(2020, 1, 1)), ..m.clone() }).unwrap_err());
        assert!(e.contains("结束日期"), "{}", db.name);
        let stranger = conn.query_int("SELECT MIN(id) FROM member WHERE household_id = ?", &[P::Int(f.other)]).unwrap();
        let e = invalid(measures::add_measure(conn, &actor, &scope, &NewMeasure { member_id: Some(stranger), ..m.clone() }).unwrap_err());
        assert!(e.contains("成员"), "{}", db.name);
    }
}

#[test]
fn everything_is_scoped_to_the_callers_village() {
    for mut db in TestDb::all() {
        let f = fixture(&mut db);
        let conn = &mut db.store.conn;
        let actor = test_actor();
        let mine = RegionScope::of(&RegionCode::parse(&f.village).unwrap());
        // a visit to a household elsewhere, or an activity in another village: not found
        assert!(matches!(activity::record(conn, &actor, &mine, &visit(f.other, &[f.stranger], today())), Err(StoreError::NotFound(_))), "{}", db.name);
        let mut meeting = NewActivity::new(ActivityKind::Meeting, today());
        meeting.title = Some("会".into());
        meeting.village = Some(f.other_village.clone());
        assert!(matches!(activity::record(conn, &actor, &mine, &meeting), Err(StoreError::NotFound(_))), "{}", db.name);
        let theirs = activity::record(conn, &actor, &RegionScope::all(), &visit(f.other, &[f.stranger], today())).unwrap().id;
        let ours = activity::record(conn, &actor, &mine, &visit(f.hh, &[f.helper], today())).unwrap().id;
        assert!(activity::activity(conn, &mine, theirs).unwrap().is_none(), "{}", db.name);
        assert!(activity::activity(conn, &mine, ours).unwrap().is_some(), "{}", db.name);
        let (list, total) = activity::activities(conn, &mine, &ActivityFilter { helper_id: Some(f.stranger), ..Default::default() }, 0, 50).unwrap();
        assert_eq!((list.len(), total), (0, 0), "{}", db.name);
        assert!(matches!(activity::add_photo(conn, &actor, &mine, theirs, &jpeg()), Err(StoreError::NotFound(_))), "{}", db.name);
        activity::add_photo(conn, &actor, &RegionScope::all(), theirs, &jpeg()).unwrap();
        assert!(activity::photos(conn, &mine, theirs).unwrap().is_empty(), "{}", db.name);
        // measures
        let m = NewMeasure { household_id: f.other, member_id: None, kind: MeasureKind::Health, started_on: date(2025, 1, 1), ended_on: None, description: None, amount: None, pairing_id: None };
        assert!(matches!(measures::add_measure(conn, &actor, &mine, &m), Err(StoreError::NotFound(_))), "{}", db.name);
        let id = measures::add_measure(conn, &actor, &RegionScope::all(), &m).unwrap();
        assert!(measures::household_measures(conn, &mine, f.other).unwrap().is_empty(), "{}", db.name);
        assert!(matches!(measures::end_measure(conn, &actor, &mine, id, date(2025, 6, 1)), Err(StoreError::NotFound(_))), "{}", db.name);
        assert!(matches!(measures::delete_measure(conn, &actor, &mine, id), Err(StoreError::NotFound(_))), "{}", db.name);
    }
}

#[test]
fn the_same_visit_sent_by_two_phones_at_once_is_stored_once() {
    for mut db in TestDb::all() {
        let f = fixture(&mut db);
        let day = today() - Duration::days(2);
        for round in 0..3 {
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
            let handles: Vec<_> = (0..4)
                .map(|i| {
                    let url = db.store.url.clone();
                    let barrier = barrier.clone();
                    let (hh, helper) = (f.hh, f.helper);
                    std::thread::spawn(move || {
                        let mut conn = Conn::open(&url).unwrap();
                        let mut a = visit(hh, &[helper], day - Duration::days(round));
                        // two phones with the same entry (same uuid), two with their own
                        a.client_uuid = Some(if i < 2 { format!("same-{round}") } else { format!("own-{round}-{i}") });
                        barrier.wait();
                        activity::record(&mut conn, &test_actor(), &RegionScope::all(), &a)
                    })
                })
                .collect();
            let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
            let stored: Vec<i64> = results.iter().filter_map(|r| r.as_ref().ok()).filter(|r| !r.duplicate).map(|r| r.id).collect();
            assert_eq!(stored.len(), 1, "{} round {round}: {results:?}", db.name);
            for r in &results {
                match r {
                    Ok(r) => assert_eq!(r.id, stored[0], "{}", db.name),
                    Err(StoreError::Invalid(m)) => assert!(m.contains("只登记一次"), "{}: {m}", db.name),
                    Err(e) if e.to_string().contains("locked") || e.to_string().contains("busy") => panic!("{}: {e}", db.name),
                    Err(e) => panic!("{}: {e}", db.name),
                }
            }
        }
        assert_eq!(count(&mut db.store.conn, "activity"), 3, "{}", db.name);
    }
}
