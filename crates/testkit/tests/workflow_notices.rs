//! Public notices, objections and announcements on every backend: the notice period (calendar and
//! working days with the holiday calendar), the guards on closing (period, open objection, photo),
//! upheld objections returning the case and withdrawing its item, dismissals needing a reason, the
//! rate limits per client and per notice, and an announcement completing an identification.

use bangfu_domain::workflow::calendar::{DayKind, HolidayLine};
use bangfu_domain::workflow::engine::{CaseStatus, Outcome};
use bangfu_domain::workflow::{procedures, Decider};
use bangfu_domain::{RegionCode, RegionScope, Role};
use bangfu_store::audit::Actor;
use bangfu_store::workflow::advance::{apply_moves, Move};
use bangfu_store::workflow::attachments::{self, Owner};
use bangfu_store::workflow::notices::{self, NewNotice};
use bangfu_store::workflow::objections::{self, NotLodged, ObjectionInput, Resolution};
use bangfu_store::workflow::{calendar, cases, definitions, NewCase};
use bangfu_store::{Store, P};
use bangfu_testkit::workflow::{actor, who};
use bangfu_testkit::*;
use chrono::{NaiveDate, Utc};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// Friday 20 November 2026.
fn friday() -> NaiveDate {
    d(2026, 11, 20)
}



const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1];

struct Setup {
    db: TestDb,
    village: String,
    township: String,
    county: String,
    households: Vec<i64>,
}

fn setup() -> Vec<Setup> {
    let mut out = Vec::new();
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        insert_docs(&mut db.store, &demo_docs(60, 5));
        let r = db.store.conn.query("SELECT region_code, COUNT(*) FROM household GROUP BY region_code ORDER BY COUNT(*) DESC, region_code LIMIT 1", &[]).unwrap();
        let village = r[0][0].string();
        // three ordinary households gathered into the village (the demo spreads them thinly)
        let households: Vec<i64> = db.store.conn.query("SELECT id FROM household ORDER BY id LIMIT 3", &[]).unwrap().iter().map(|r| r[0].int().unwrap()).collect();
        for id in &households {
            db.store.conn.execute("UPDATE household SET region_code = ?, household_type = 'ordinary' WHERE id = ?", &[P::Text(&village), P::Int(*id)]).unwrap();
            db.store.conn.execute("UPDATE member SET region_code = ? WHERE household_id = ?", &[P::Text(&village), P::Int(*id)]).unwrap();
        }
        out.push(Setup { township: format!("{}000", &village[..9]), county: format!("{}000000", &village[..6]), village, db, households });
    }
    out
}

/// Opens an identification case for a household and moves it to `step` (through `advance`).
fn case_at(s: &mut Setup, h: usize, step: usize, today: NaiveDate) -> i64 {
    let h = s.households[h];
    let store: &mut Store = &mut s.db.store;
    let n = NewCase { procedure: "identification".into(), household_id: Some(h), item: Some("纳入贫困户".into()), reason: "因病致贫".into(), ..Default::default() };
    let id = cases::open(&mut store.conn, &actor("cun"), &RegionScope::of(&RegionCode::parse(&s.village).unwrap()), &n, today).unwrap();
    let c = cases::file(&mut store.conn, &RegionScope::all(), id).unwrap().unwrap();
    let m = Move { case_id: id, region_code: c.case.region_code.clone(), household_id: c.case.household_id, title: c.case.title.clone(), outcome: Outcome::MoveTo(step) };
    apply_moves(&mut store.conn, &actor("cun"), &store.keys, &c.definition, &[m], today).unwrap();
    id
}

fn new_notice(s: &Setup, ids: &[i64], starts_on: NaiveDate) -> NewNotice {
    NewNotice {
        procedure: "identification".into(),
        step_key: "first_notice".into(),
        region_code: s.village.clone(),
        case_ids: ids.to_vec(),
        title: "2026 年贫困户识别第一次公示".into(),
        posted_at_place: "村委会公示栏".into(),
        starts_on,
        contact: "乡扶贫办 0731-1234567".into(),
    }
}

fn post(s: &mut Setup, a: &Actor, w: &Decider, ids: &[i64], starts_on: NaiveDate, today: NaiveDate) -> bangfu_store::Result<i64> {
    let n = new_notice(s, ids, starts_on);
    notices::post_notice(&mut s.db.store.conn, a, w, &n, today)
}

fn step_of(s: &mut Setup, id: i64) -> (String, CaseStatus) {
    let c = cases::get(&mut s.db.store.conn, &RegionScope::all(), id).unwrap().unwrap();
    (c.step_key, c.status)
}

fn lodge(s: &mut Setup, code: &str, client: &str, case_id: Option<i64>) -> Result<String, NotLodged> {
    let input = ObjectionInput { name: "李四".into(), phone: "13812345678".into(), item_text: String::new(), case_id, reason: "该户家里新盖了楼房".into() };
    let store = &mut s.db.store;
    objections::lodge_objection(&mut store.conn, &Actor::new("public", "public"), &store.keys, code, &input, client, "public", Utc::now()).unwrap()
}

fn invalid(e: bangfu_store::StoreError) -> String {
    match e {
        bangfu_store::StoreError::Invalid(m) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn seven_calendar_days_from_a_friday_and_five_working_days_over_a_holiday() {
    for mut s in setup() {
        let cadre = who("cun2", Role::VillageCadre, &s.village);
        let a = case_at(&mut s, 0, 3, friday());
        let id = post(&mut s, &actor("cun2"), &cadre, &[a], friday(), friday()).unwrap();
        let n = notices::get(&mut s.db.store.conn, &cadre.scope, id).unwrap().unwrap();
        assert_eq!((n.starts_on, n.ends_on, n.days, n.working_days), (friday(), d(2026, 11, 26), 7, false), "{}", s.db.name);
        assert_eq!(n.public_code.len(), 8);
        assert!(n.public_code.chars().all(|c| !"0O1IL".contains(c)), "{}", n.public_code);
        let items = notices::items(&mut s.db.store.conn, id).unwrap();
        let head: String = s.db.store.conn.query("SELECT name FROM member WHERE household_id = ? AND relation = 'head'", &[P::Int(s.households[0])]).unwrap()[0][0].string();
        assert_eq!(items[0].display_name, head);
        let ledger = s.db.store.conn.query_int("SELECT COUNT(*) FROM wf_decision WHERE case_id = ? AND decision = 'notice_posted'", &[P::Int(a)]).unwrap();
        assert_eq!(ledger, 1);
        // the same case cannot be on two posted notices
        let again = post(&mut s, &actor("cun2"), &cadre, &[a], friday(), friday()).unwrap_err();
        assert!(invalid(again).contains("已在一份公示中"));
        // the village's step is not the township's; a start long past is refused
        let b = case_at(&mut s, 1, 3, friday());
        let township = who("xiang", Role::TownshipStaff, &s.township);
        let wrong = post(&mut s, &actor("xiang"), &township, &[b], friday(), friday()).unwrap_err();
        assert!(invalid(wrong).contains("办理"));
        let old = post(&mut s, &actor("cun2"), &cadre, &[b], d(2026, 11, 10), friday()).unwrap_err();
        assert!(invalid(old).contains("早于今天 3 天以上"));

        // a version with 5 working days; Wednesday 25 November made a holiday
        let mut def = procedures::identification();
        let i = def.index_of("first_notice").unwrap();
        def.steps[i].notice.as_mut().unwrap().days = 5;
        def.steps[i].notice.as_mut().unwrap().working_days = true;
        definitions::save_version(&mut s.db.store.conn, &test_actor(), "", &def).unwrap();
        calendar::save_lines(&mut s.db.store.conn, &test_actor(), "", &[HolidayLine { date: d(2026, 11, 25), kind: DayKind::Holiday, name: "测试假日".into() }]).unwrap();
        let hi = if s.households.len() > 2 { 2 } else { 1 };
        let h = s.households[hi];
        s.db.store.conn.execute("UPDATE wf_case SET status = 'withdrawn' WHERE household_id = ?", &[P::Int(h)]).unwrap();
        let c = case_at(&mut s, hi, 3, d(2026, 11, 23));
        let id = post(&mut s, &actor("cun2"), &cadre, &[c], d(2026, 11, 23), d(2026, 11, 23)).unwrap();
        let n = notices::get(&mut s.db.store.conn, &cadre.scope, id).unwrap().unwrap();
        // Mon 23, Tue 24, (Wed 25 holiday), Thu 26, Fri 27, Mon 30
        assert_eq!((n.ends_on, n.days, n.working_days), (d(2026, 11, 30), 5, true), "{}", s.db.name);
    }
}

#[test]
fn closing_needs_the_period_over_no_open_objection_and_the_photo() {
    for mut s in setup() {
        let cadre = who("cun2", Role::VillageCadre, &s.village);
        let township = who("xiang", Role::TownshipStaff, &s.township);
        let a = case_at(&mut s, 0, 3, friday());
        let b = case_at(&mut s, 1, 3, friday());
        // empty case list = every case waiting at the step in the village
        let id = post(&mut s, &actor("cun2"), &cadre, &[], friday(), friday()).unwrap();
        assert_eq!(notices::items(&mut s.db.store.conn, id).unwrap().len(), 2);
        let n = notices::get(&mut s.db.store.conn, &cadre.scope, id).unwrap().unwrap();
        let close = |s: &mut Setup, on: NaiveDate| {
            let store = &mut s.db.store;
            notices::close_notice(&mut store.conn, &actor("cun2"), &store.keys, &cadre, id, on)
        };
        let early = invalid(close(&mut s, d(2026, 11, 26)).unwrap_err());
        assert!(early.contains("公示期至 2026-11-26 结束"), "{early}");
        let reference = lodge(&mut s, &n.public_code, "client-a", Some(a)).unwrap();
        assert!(reference.starts_with(&format!("{}-", Utc::now().format("%y"))) && reference.len() == 9, "{reference}");
        let open = invalid(close(&mut s, d(2026, 11, 27)).unwrap_err());
        assert!(open.contains("还有 1 条异议未处理") && open.contains("请先上传公示张贴照片"), "{open}");
        assert_eq!(step_of(&mut s, a).0, "first_notice", "nothing moved");

        // the phone is sealed, the audit names the objector masked and never the phone
        let raw = s.db.store.conn.query("SELECT phone FROM wf_objection", &[]).unwrap()[0][0].bytes().unwrap().to_vec();
        assert!(!String::from_utf8_lossy(&raw).contains("13812345678"));
        let audit = s.db.store.conn.query("SELECT after_value FROM audit_log WHERE entity = 'wf_objection'", &[]).unwrap()[0][0].string();
        assert!(audit.contains("李*") && !audit.contains("李四") && !audit.contains("13812345678"), "{audit}");

        // dismissed: needs a reason; the village cadre cannot resolve
        let o = objections::list(&mut s.db.store.conn, &s.db.store.keys, &township.scope, None).unwrap()[0].clone();
        assert_eq!(o.phone, "138****5678");
        let resolve = |s: &mut Setup, w: &Decider, r: &Resolution| {
            let store = &mut s.db.store;
            objections::resolve_objection(&mut store.conn, &actor(&w.user), &store.keys, w, o.id, r, d(2026, 11, 27))
        };
        let no_reason = Resolution { verification: "入户核实，楼房为其兄弟所有".into(), upheld: false, ..Default::default() };
        assert!(invalid(resolve(&mut s, &township, &no_reason).unwrap_err()).contains("必须填写理由"));
        assert!(invalid(resolve(&mut s, &cadre, &Resolution { outcome_reason: "x".into(), ..no_reason.clone() }).unwrap_err()).contains("乡镇或县级"));
        resolve(&mut s, &township, &Resolution { outcome_reason: "楼房不属于该户".into(), ..no_reason.clone() }).unwrap();
        assert!(invalid(resolve(&mut s, &township, &Resolution { outcome_reason: "再次".into(), ..no_reason }).unwrap_err()).contains("已处理"));
        let st = objections::lookup_objection(&mut s.db.store.conn, &reference).unwrap().unwrap();
        assert_eq!((st.status.as_str(), st.outcome_reason.as_deref()), ("dismissed", Some("楼房不属于该户")));

        let photo = invalid(close(&mut s, d(2026, 11, 27)).unwrap_err());
        assert!(photo.contains("请先上传公示张贴照片") && !photo.contains("异议"), "{photo}");
        attachments::add(&mut s.db.store.conn, &actor("cun2"), Owner::Notice(id), &s.village, "公示张贴照片", "photo.jpg", JPEG).unwrap();
        close(&mut s, d(2026, 11, 27)).unwrap();
        assert_eq!(step_of(&mut s, a), ("township_review".into(), CaseStatus::Open), "{}", s.db.name);
        assert_eq!(step_of(&mut s, b).0, "township_review");
        let noticed = s.db.store.conn.query_int("SELECT COUNT(*) FROM wf_decision WHERE decision = 'noticed'", &[]).unwrap();
        assert_eq!(noticed, 2);
        assert!(!notices::get(&mut s.db.store.conn, &cadre.scope, id).unwrap().unwrap().is_posted());
        // a closed notice takes no objections
        assert!(matches!(lodge(&mut s, &n.public_code, "client-b", None), Err(NotLodged::Invalid(m)) if m.contains("公示已结束")));
    }
}

#[test]
fn an_upheld_objection_returns_the_case_and_withdraws_its_item() {
    for mut s in setup() {
        let cadre = who("cun2", Role::VillageCadre, &s.village);
        let county = who("xian", Role::CountyOffice, &s.county);
        let a = case_at(&mut s, 0, 3, friday());
        let b = case_at(&mut s, 1, 3, friday());
        let id = post(&mut s, &actor("cun2"), &cadre, &[a, b], friday(), friday()).unwrap();
        let code = notices::get(&mut s.db.store.conn, &cadre.scope, id).unwrap().unwrap().public_code;
        let reference = lodge(&mut s, &code, "client-a", None).unwrap();
        let o = objections::list(&mut s.db.store.conn, &s.db.store.keys, &county.scope, Some("open")).unwrap()[0].clone();
        let store = &mut s.db.store;
        let upheld = Resolution { verification: "入户核实：家有小轿车".into(), upheld: true, outcome_reason: "家庭拥有小轿车，不符合识别标准".into(), case_id: None, version: Some(o.version) };
        let e = objections::resolve_objection(&mut store.conn, &actor("xian"), &store.keys, &county, o.id, &upheld, friday()).unwrap_err();
        assert!(invalid(e).contains("请选择所涉及的公示对象"));
        objections::resolve_objection(&mut store.conn, &actor("xian"), &store.keys, &county, o.id, &Resolution { case_id: Some(b), ..upheld }, friday()).unwrap();
        assert_eq!(step_of(&mut s, b), ("deliberation".into(), CaseStatus::Open), "back to the deliberation on {}", s.db.name);
        assert_eq!(step_of(&mut s, a).0, "first_notice");
        let items = notices::items(&mut s.db.store.conn, id).unwrap();
        assert!(items.iter().find(|i| i.case_id == b).unwrap().withdrawn);
        assert!(!items.iter().find(|i| i.case_id == a).unwrap().withdrawn);
        let row = s.db.store.conn.query("SELECT comment, return_to FROM wf_decision WHERE case_id = ? AND decision = 'objection_upheld'", &[P::Int(b)]).unwrap();
        assert_eq!((row[0][0].string(), row[0][1].int()), ("家庭拥有小轿车，不符合识别标准".to_string(), Some(1)));
        let st = objections::lookup_objection(&mut s.db.store.conn, &reference.to_lowercase()).unwrap().unwrap();
        assert_eq!(st.status, "upheld");
        // the returned case can go on a new notice later; closing the old one leaves it alone
        attachments::add(&mut s.db.store.conn, &actor("cun2"), Owner::Notice(id), &s.village, "公示张贴照片", "photo.jpg", JPEG).unwrap();
        let store = &mut s.db.store;
        notices::close_notice(&mut store.conn, &actor("cun2"), &store.keys, &cadre, id, d(2026, 11, 27)).unwrap();
        assert_eq!(step_of(&mut s, b).0, "deliberation");
        assert_eq!(step_of(&mut s, a).0, "township_review");
    }
}

#[test]
fn objections_are_limited_per_client_per_hour_and_per_notice_per_day() {
    for mut s in setup() {
        let cadre = who("cun2", Role::VillageCadre, &s.village);
        let a = case_at(&mut s, 0, 3, friday());
        let id = post(&mut s, &actor("cun2"), &cadre, &[a], friday(), friday()).unwrap();
        let code = notices::get(&mut s.db.store.conn, &cadre.scope, id).unwrap().unwrap().public_code;
        for _ in 0..5 {
            lodge(&mut s, &code, "flood", None).unwrap();
        }
        assert_eq!(lodge(&mut s, &code, "flood", None), Err(NotLodged::Limited(objections::TOO_MANY.into())));
        lodge(&mut s, &code, "neighbour", None).unwrap();
        // an hour later the client may lodge again
        let store = &mut s.db.store;
        let later = Utc::now() + chrono::Duration::minutes(61);
        let input = ObjectionInput { name: "王五".into(), phone: "13900001111".into(), reason: "理由".into(), ..Default::default() };
        assert!(objections::lodge_objection(&mut store.conn, &Actor::new("public", "public"), &store.keys, &code, &input, "flood", "public", later).unwrap().is_ok());
        // bad input
        for (bad, why) in [(ObjectionInput { phone: "1234".into(), ..input.clone() }, "11 位手机号码"), (ObjectionInput { name: " ".into(), ..input.clone() }, "姓名"), (ObjectionInput { reason: "长".repeat(501), ..input.clone() }, "500"), (ObjectionInput { case_id: Some(-5), ..input.clone() }, "不在本公示中")] {
            let r = objections::lodge_objection(&mut store.conn, &Actor::new("public", "public"), &store.keys, &code, &bad, "other", "public", Utc::now()).unwrap();
            assert!(matches!(&r, Err(NotLodged::Invalid(m)) if m.contains(why)), "{why}: {r:?}");
        }
        // the notice's daily limit: 200 whoever lodges them (officials skip only the per-client limit)
        let have = store.conn.query_int("SELECT COUNT(*) FROM wf_objection WHERE notice_id = ?", &[P::Int(id)]).unwrap();
        let stamp = (Utc::now() - chrono::Duration::minutes(5)).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        for i in have..objections::PER_NOTICE_PER_DAY {
            store
                .conn
                .execute(
                    "INSERT INTO wf_objection (id, reference_no, notice_id, region_code, source, name, reason, lodged_at, client_key, status, version) VALUES (?, ?, ?, ?, 'public', '某', '理由', ?, ?, 'open', 1)",
                    &[P::Int(100_000 + i), P::Text(&format!("T-{i}")), P::Int(id), P::Text(&s.village), P::Text(&stamp), P::Text(&format!("c{i}"))],
                )
                .unwrap();
        }
        let official = objections::lodge_objection(&mut store.conn, &actor("xiang"), &store.keys, &code, &input, "", "official", Utc::now()).unwrap();
        assert_eq!(official, Err(NotLodged::Limited(objections::TOO_MANY.into())), "{}", s.db.name);
        assert!(matches!(lodge(&mut s, &code, "fresh", None), Err(NotLodged::Limited(_))));
    }
}

#[test]
fn an_announcement_completes_identification_with_the_registry_event() {
    for mut s in setup() {
        let county = who("xian", Role::CountyOffice, &s.county);
        let events_before = s.db.store.conn.query_int("SELECT COUNT(*) FROM adjustment_event WHERE household_id = ? AND event_type = 'newly_identified'", &[P::Int(s.households[0])]).unwrap();
        let a = case_at(&mut s, 0, 7, friday());
        let n = NewNotice { step_key: "announcement".into(), region_code: s.village.clone(), title: "2026 年贫困户识别公告".into(), ..new_notice(&s, &[], friday()) };
        // a notice step cannot be announced, nor an announcement posted as a notice
        let wrong = notices::post_notice(&mut s.db.store.conn, &actor("xian"), &county, &n, friday()).unwrap_err();
        assert!(invalid(wrong).contains("不是公示环节"));
        let store = &mut s.db.store;
        let id = notices::publish_announcement(&mut store.conn, &actor("xian"), &store.keys, &county, &n, friday()).unwrap();
        let notice = notices::get(&mut store.conn, &county.scope, id).unwrap().unwrap();
        assert!(notice.is_announcement() && !notice.is_posted());
        assert_eq!(step_of(&mut s, a).1, CaseStatus::Completed, "{}", s.db.name);
        let t = s.db.store.conn.query("SELECT household_type FROM household WHERE id = ?", &[P::Int(s.households[0])]).unwrap()[0][0].string();
        assert_eq!(t, "poor");
        let events = s.db.store.conn.query_int("SELECT COUNT(*) FROM adjustment_event WHERE household_id = ? AND event_type = 'newly_identified'", &[P::Int(s.households[0])]).unwrap();
        assert_eq!(events, events_before + 1);
        let announced = s.db.store.conn.query_int("SELECT COUNT(*) FROM wf_decision WHERE case_id = ? AND decision = 'announced'", &[P::Int(a)]).unwrap();
        assert_eq!(announced, 1);
        // an announcement takes no objections
        assert!(matches!(lodge(&mut s, &notice.public_code, "c", None), Err(NotLodged::Invalid(m)) if m.contains("公示已结束")));
        // a village cadre cannot publish the county's announcement
        let b = case_at(&mut s, 1, 7, friday());
        let store = &mut s.db.store;
        let e = notices::publish_announcement(&mut store.conn, &actor("cun2"), &store.keys, &who("cun2", Role::VillageCadre, &s.village), &NewNotice { case_ids: vec![b], ..n }, friday()).unwrap_err();
        assert!(invalid(e).contains("办理"));
        assert_eq!(step_of(&mut s, b).1, CaseStatus::Open);
    }
}

#[test]
fn a_village_exit_is_posted_township_wide_under_the_villages_name() {
    for mut s in setup() {
        let township = who("xiang2", Role::TownshipStaff, &s.township);
        let store = &mut s.db.store;
        let n = NewCase { procedure: "village_exit".into(), region_code: s.village.clone(), title: "出列申请".into(), reason: "贫困发生率已低于 2%".into(), ..Default::default() };
        let id = cases::open(&mut store.conn, &actor("xiang"), &RegionScope::of(&RegionCode::parse(&s.township).unwrap()), &n, friday()).unwrap();
        let f = cases::file(&mut store.conn, &RegionScope::all(), id).unwrap().unwrap();
        let i = f.definition.def.index_of("township_notice").unwrap();
        let m = Move { case_id: id, region_code: s.village.clone(), household_id: None, title: f.case.title.clone(), outcome: Outcome::MoveTo(i) };
        apply_moves(&mut store.conn, &actor("xiang"), &store.keys, &f.definition, &[m], friday()).unwrap();
        let mut nn = NewNotice { procedure: "village_exit".into(), step_key: "township_notice".into(), region_code: s.village.clone(), case_ids: vec![id], title: "贫困村出列公示".into(), posted_at_place: "乡政府公示栏".into(), starts_on: friday(), contact: "乡扶贫办".into() };
        let e = notices::post_notice(&mut store.conn, &actor("xiang2"), &township, &nn, friday()).unwrap_err();
        assert!(invalid(e).contains("应在乡镇范围内张贴"));
        nn.region_code = s.township.clone();
        let nid = notices::post_notice(&mut store.conn, &actor("xiang2"), &township, &nn, friday()).unwrap();
        let village_name = store.conn.query("SELECT name FROM region WHERE code = ?", &[P::Text(&s.village)]).unwrap()[0][0].string();
        assert_eq!(notices::items(&mut store.conn, nid).unwrap()[0].display_name, village_name, "{}", s.db.name);
        // the waiting overview puts it under the township
        let groups = notices::waiting_groups(&mut store.conn, &RegionScope::all()).unwrap();
        assert!(groups.iter().all(|g| g.step_key != "township_notice"), "a case on a posted notice no longer waits");
        // a village cadre does not see a township-wide notice outside its scope
        assert!(notices::get(&mut store.conn, &RegionScope::of(&RegionCode::parse(&s.village).unwrap()), nid).unwrap().is_none());
        assert!(notices::get(&mut store.conn, &township.scope, nid).unwrap().is_some());
    }
}
