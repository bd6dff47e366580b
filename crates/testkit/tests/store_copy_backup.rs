//! Moving a whole installation between databases (every table, protected fields re-sealed for the
//! target's key, refused into a database that already holds data) and online SQLite backups.

mod common;

use bangfu_domain::event::EventType;
use bangfu_domain::fields::HouseholdField as HF;
use bangfu_domain::Value;
use bangfu_store::registry::moves::{self, MoveRequest};
use bangfu_store::registry::write::WriteContext;
use bangfu_store::registry::query;
use bangfu_store::{backup, copy, migrate, Conn, DbUrl, Store, StoreError};
use bangfu_testkit::*;
use common::*;
use std::collections::BTreeMap;

/// A source installation with rows in every table: bulk households, an update that removes and adds
/// members, a move (membership history), regions and groups, audit entries.
fn rich_source(db: &mut TestDb) {
    let docs = seeded(db, 80, 91);
    let i = docs.iter().position(|d| d.members.len() >= 3).unwrap();
    let mut v2 = docs[i].clone();
    v2.members.remove(1);
    v2.members.push(new_person(90, "新成员", "other"));
    v2.set(HF::HousingArea, Value::Int(4321));
    import_ok(&mut db.store, &[v2.clone()], db.name);
    let j = docs.iter().position(|d| d.members.len() >= 2 && no(d) != no(&v2)).unwrap();
    let rid = docs[j].members.iter().find(|m| !m.is_head()).unwrap().resident_id.as_str().to_string();
    let ctx = WriteContext { batch_id: None, recorded_by: "test".into(), now: bangfu_store::now_utc(), keys: db.store.keys.clone() };
    let req = MoveRequest { resident_id: &rid, to_household_no: &no(&v2), relation: "other", effective_on: date(2025, 2, 1), event_type: EventType::MemberMoved, reason: "迁入" };
    moves::move_member(&mut db.store.conn, &ctx, &test_actor(), &all_scope(), &req).unwrap();
    // a user with a role and an API token
    let conn = &mut db.store.conn;
    let hash = bangfu_store::users::hash_password("copy-test-1").unwrap();
    let uid = bangfu_store::users::create_user(conn, &test_actor(), "copier", "复制测试", &hash, false).unwrap();
    let gid = bangfu_store::users::grant(conn, &test_actor(), uid, bangfu_domain::Role::CountyOffice, "431099000000").unwrap();
    bangfu_store::users::create_api_token(conn, &test_actor(), uid, gid, "copy", 30).unwrap();
    // data quality: a county's setting and line, and a run with a finding
    use bangfu_domain::quality::{lines::LineKind, Rule, RuleOverride};
    use bangfu_store::quality;
    let o = RuleOverride { rule: Rule::RoadDistanceRange, region_prefix: "431099".into(), enabled: None, params: vec![("max".into(), "6".into())] };
    quality::save_setting(conn, &test_actor(), &o, Some("测试")).unwrap();
    quality::save_line(conn, &test_actor(), &quality::StoredLine { kind: LineKind::Monitoring, region_prefix: "431099".into(), year: 2025, amount_fen: 700_000, basis: None }).unwrap();
    conn.execute("UPDATE household SET distance_to_road = 900 WHERE household_no = ?", &[bangfu_store::P::Text(&no(&docs[0]))]).unwrap();
    let req = quality::RunRequest { scope: &all_scope(), region: None, today: today() };
    quality::run(conn, &db.store.keys, &test_actor(), &req, &mut |_, _| {}).unwrap();
    // a department list with a work order: a death list naming a registered member
    let list = db.dir.path().join("死亡名单.csv");
    let mut w = bangfu_sheets::csv_writer(&list).unwrap();
    w.begin_table("名单", &["姓名", "身份证号", "死亡日期"]).unwrap();
    let dead = &docs[1].members[0];
    w.write_row(&[bangfu_sheets::Cell::Text(dead.name().into()), bangfu_sheets::Cell::Text(dead.resident_id.as_str().into()), bangfu_sheets::Cell::Text("2025-03-01".into())]).unwrap();
    w.finish().unwrap();
    let kind = bangfu_domain::comparison::ListKind::Death;
    let req = bangfu_exchange::compare::CompareRequest {
        path: list,
        department: kind.department(),
        kind,
        scope: all_scope(),
        region: None,
        complete: false,
        thresholds: bangfu_domain::comparison::MedicalThresholds::default(),
        today: today(),
        write_report: false,
    };
    bangfu_exchange::compare::import_list(&mut db.store, &test_actor(), &req, &mut |_| {}).unwrap();
    // pairing and field work: one row of each (the pairing store's own tests cover their meaning)
    let village = docs[0].region_code().unwrap().as_str().to_string();
    let hid = db.store.conn.query_int("SELECT id FROM household WHERE household_no = ?", &[bangfu_store::P::Text(&no(&docs[0]))]).unwrap();
    for sql in [
        format!("INSERT INTO assist_unit (id, name, kind, region_code, status, created_at, updated_at, version) VALUES (1, '县农业农村局', 'government', '{}', 'active', 't', 't', 1)", &village[..6]),
        "INSERT INTO helper (id, name, kind, unit_id, rank, region_code, status, created_at, updated_at, version) VALUES (1, '李明', 'cadre', 1, 'ordinary', '431099000000', 'active', 't', 't', 1)".to_string(),
        format!("INSERT INTO work_team (id, name, unit_id, village_code, started_on, status, created_at, version) VALUES (1, '驻村工作队', 1, '{village}', '2025-01-01', 'active', 't', 1)"),
        "INSERT INTO team_member (team_id, helper_id, role, started_on) VALUES (1, 1, 'member', '2025-01-01')".to_string(),
        "INSERT INTO reference_param (area, key, region_prefix, value, updated_at, updated_by) VALUES ('caseload', 'ordinary', '431099', '2', 't', 'test')".to_string(),
        format!("INSERT INTO pairing (id, kind, helper_kind, helper_id, beneficiary_kind, beneficiary_id, region_code, started_on, status, created_at, updated_at, version) VALUES (1, 'helper_household', 'helper', 1, 'household', {hid}, '{village}', '2025-01-01', 'active', 't', 't', 1)"),
        format!("INSERT INTO assistance_measure (id, household_id, region_code, kind, started_on, created_by, created_at, version) VALUES (1, {hid}, '{village}', 'industry', '2025-03-01', 'test', 't', 1)"),
        format!("INSERT INTO activity (id, kind, region_code, household_id, occurred_on, client_uuid, created_by, created_at, version) VALUES (1, 'visit', '{village}', {hid}, '2025-03-02', 'u-1', 'test', 't', 1)"),
        format!("INSERT INTO activity_helper (helper_id, occurred_on, activity_id, kind, household_id, region_code) VALUES (1, '2025-03-02', 1, 'visit', {hid}, '{village}')"),
    ] {
        db.store.conn.execute(&sql, &[]).unwrap();
    }
    db.store.conn.execute("INSERT INTO activity_photo (id, activity_id, seq, mime, size, bytes, created_at) VALUES (1, 1, 1, 'image/jpeg', 3, ?, 't')", &[bangfu_store::P::Bytes(&[1, 2, 3])]).unwrap();
    workflow_fixture(db, &village, hid);
    for (table, n) in table_counts(&mut db.store.conn) {
        assert!(n > 0, "{}: fixture has rows in {table}", db.name);
    }
}

/// Workflows: a campaign with a village deadline, an identification case accepted, deliberated
/// (minutes attached), verified and posted on a notice, a villager's objection (sealed phone), a holiday.
fn workflow_fixture(db: &mut TestDb, village: &str, hid: i64) {
    use bangfu_domain::workflow::{calendar::{DayKind, HolidayLine}, engine::DecisionKind};
    use bangfu_domain::Role;
    use bangfu_store::workflow::{calendar, campaigns, cases, decide, deliberation, notices, objections};
    use bangfu_testkit::workflow::{actor, today, who};
    let county = format!("{}000000", &village[..6]);
    let (v, s, c) = (who("cun", Role::VillageCadre, village), who("shuji", Role::FirstSecretary, village), who("xian", Role::CountyOffice, &county));
    let store = &mut db.store;
    let n = campaigns::NewCampaign { region_code: county, year: 2026, title: "2026 年度动态调整".into(), starts_on: today(), due_on: today() + chrono::Days::new(30), village_deadlines: vec![(village.to_string(), today() + chrono::Days::new(20))] };
    campaigns::start_campaign(&mut store.conn, &actor("xian"), &c, &n, today()).unwrap();
    store.conn.execute("UPDATE household SET household_type = 'ordinary' WHERE id = ?", &[bangfu_store::P::Int(hid)]).unwrap();
    let nc = cases::NewCase { procedure: "identification".into(), household_id: Some(hid), reason: "申请".into(), ..Default::default() };
    let id = cases::open(&mut store.conn, &actor("cun"), &v.scope, &nc, today()).unwrap();
    let approve = |store: &mut bangfu_store::Store, d: &bangfu_domain::workflow::Decider| {
        let t = cases::get(&mut store.conn, &all_scope(), id).unwrap().unwrap().transition_no;
        let input = decide::DecisionInput { kind: DecisionKind::Approve, seen_transition: t, comment: "核实无误".into(), verdict: None };
        decide::decide(&mut store.conn, &store.keys, &actor(&d.user), d, id, &input, today()).unwrap()
    };
    approve(store, &v);
    let m = deliberation::Meeting { village_code: village.into(), meeting_on: today(), place: "村委会".into(), host: "支书".into(), representatives_total: 30, representatives_present: 25, items: vec![deliberation::MeetingItem { case_id: id, passed: true, votes_for: Some(25), votes_against: Some(0), note: String::new() }] };
    deliberation::record_meeting(&mut store.conn, &store.keys, &actor("cun"), &v, &m, Some(("记录.pdf", b"%PDF-1.4 minutes")), today()).unwrap();
    approve(store, &s);
    let nn = notices::NewNotice { procedure: "identification".into(), step_key: "first_notice".into(), region_code: village.into(), case_ids: vec![id], title: "公示".into(), posted_at_place: "公示栏".into(), starts_on: today(), contact: "乡镇".into() };
    let notice = notices::post_notice(&mut store.conn, &actor("cun"), &v, &nn, today()).unwrap();
    let code = notices::get(&mut store.conn, &all_scope(), notice).unwrap().unwrap().public_code;
    let o = objections::ObjectionInput { name: "王芳".into(), phone: "13800001111".into(), item_text: String::new(), case_id: Some(id), reason: "有车".into() };
    objections::lodge_objection(&mut store.conn, &actor("public"), &store.keys, &code, &o, "client", "public", chrono::Utc::now()).unwrap().unwrap();
    calendar::save_lines(&mut store.conn, &test_actor(), "431099", &[HolidayLine { date: today(), name: "县庆".into(), kind: DayKind::Holiday }]).unwrap();
}

/// A table's rows as backend-neutral text, sorted; sealed columns and the phone hash left out.
fn table_rows(conn: &mut Conn, table: &str) -> Vec<Vec<String>> {
    let cols: Vec<String> = table_columns(conn, table)
        .into_iter()
        .map(|c| c.0)
        .filter(|c| {
            let sealed = (table == "household" && matches!(c.as_str(), "phone" | "bank_account" | "phone_hash")) || (table == "wf_objection" && c == "phone");
            !sealed
        })
        .collect();
    let mut rows: Vec<Vec<String>> = conn.query(&format!("SELECT {} FROM {table}", cols.join(", ")), &[]).unwrap().iter().map(|r| r.iter().map(norm).collect()).collect();
    rows.sort();
    rows
}

fn sealed(conn: &mut Conn) -> BTreeMap<i64, (Option<Vec<u8>>, Option<Vec<u8>>, Option<String>)> {
    conn.query("SELECT id, phone, bank_account, phone_hash FROM household", &[])
        .unwrap()
        .iter()
        .map(|r| (r[0].int().unwrap(), (r[1].bytes().map(<[u8]>::to_vec), r[2].bytes().map(<[u8]>::to_vec), r[3].text().map(str::to_string))))
        .collect()
}

#[test]
fn copying_moves_every_table_and_the_registry_loads_identically_under_the_new_key() {
    for mut src in TestDb::all() {
        rich_source(&mut src);
        for mut dst in TestDb::all() {
            let label = format!("{} → {}", src.name, dst.name);
            let mut progress: BTreeMap<String, u64> = BTreeMap::new();
            let report = copy::copy_all(&mut src.store, &mut dst.store, |t, n| {
                progress.insert(t.to_string(), n);
            })
            .unwrap_or_else(|e| panic!("{label}: {e}"));

            let counts = table_counts(&mut src.store.conn);
            assert_eq!(report.iter().map(|(t, n)| (*t, *n as i64)).collect::<Vec<_>>(), counts, "{label}: the report lists every table");
            assert_eq!(table_counts(&mut dst.store.conn), counts, "{label}: row counts");
            for (t, n) in &counts {
                assert_eq!(progress.get(*t).copied(), Some(*n as u64), "{label}: progress told the final count of {t}");
                assert_eq!(table_rows(&mut src.store.conn, t), table_rows(&mut dst.store.conn, t), "{label}: rows of {t}");
            }

            let a = load_all(&mut src.store);
            let b = load_all(&mut dst.store);
            assert_eq!(a.len(), b.len(), "{label}");
            for (x, y) in a.iter().zip(&b) {
                assert_eq!((x.id, x.version, x.created_batch, &x.member_ids), (y.id, y.version, y.created_batch, &y.member_ids), "{label}");
                assert_eq!(x.doc, y.doc, "{label}: household {}", no(&x.doc));
            }
            assert!(a.iter().any(|s| matches!(s.doc.get(HF::Phone), Value::Secret(_))), "fixture has phones");

            // protected fields were re-sealed: the source key cannot open the copies, the target key can
            let (sa, sb) = (sealed(&mut src.store.conn), sealed(&mut dst.store.conn));
            assert_eq!(sa.keys().collect::<Vec<_>>(), sb.keys().collect::<Vec<_>>(), "{label}");
            let mut phones = 0;
            for (id, (phone, account, hash)) in &sb {
                let (src_phone, src_account, src_hash) = &sa[id];
                assert_eq!(phone.is_some(), src_phone.is_some(), "{label}");
                assert_eq!(account.is_some(), src_account.is_some(), "{label}");
                if let (Some(p), Some(sp)) = (phone, src_phone) {
                    let plain = src.store.keys.open(sp).unwrap();
                    assert_ne!(p, sp, "{label}: ciphertext is not copied as it was");
                    assert_eq!(dst.store.keys.open(p).unwrap(), plain, "{label}");
                    assert!(src.store.keys.open(p).is_err(), "{label}: the target has its own key");
                    assert_eq!(hash.as_deref(), Some(dst.store.keys.search_hash(&plain).as_str()), "{label}: phone hash under the target key");
                    assert_ne!(hash, src_hash, "{label}");
                    phones += 1;
                } else {
                    assert_eq!(hash, &None, "{label}");
                }
                if let (Some(a), Some(sa)) = (account, src_account) {
                    assert_eq!(dst.store.keys.open(a).unwrap(), src.store.keys.open(sa).unwrap(), "{label}");
                }
            }
            assert!(phones > 10, "{label}");
            // an objector's phone is re-sealed like a household's
            let phone = |db: &mut TestDb| db.store.conn.query("SELECT phone FROM wf_objection", &[]).unwrap()[0][0].bytes().unwrap().to_vec();
            let (sp, dp) = (phone(&mut src), phone(&mut dst));
            assert_ne!(sp, dp, "{label}");
            assert_eq!(dst.store.keys.open(&dp).unwrap(), src.store.keys.open(&sp).unwrap(), "{label}");

            // the copy is a working installation: new households get fresh ids, audit entries continue
            let max_before = count(&mut dst.store.conn, "SELECT MAX(id) FROM household", &[]);
            let more: Vec<_> = demo_docs(5, 92)
                .into_iter()
                .enumerate()
                .map(|(i, mut d)| {
                    d.set(HF::HouseholdNo, Value::Text(format!("{}-NEW", no(&d))));
                    d.members = vec![new_person(100 + i as u32, "新户主", "head")];
                    d
                })
                .collect();
            let s = insert_docs(&mut dst.store, &more);
            assert_eq!(s.households_created, 5, "{label}");
            assert!(count(&mut dst.store.conn, "SELECT MIN(id) FROM household WHERE household_no LIKE '%-NEW'", &[]) > max_before, "{label}: ids continue after the copied ones");
            assert_eq!(query::totals(&mut dst.store.conn, &all_scope()).unwrap().0, a.len() as i64 + 5, "{label}");
            assert_eq!(migrate::current_version(&mut dst.store.conn).unwrap(), migrate::latest(), "{label}");
        }
    }
}

#[test]
fn copying_into_a_database_that_already_holds_data_is_refused_and_writes_nothing() {
    for mut src in TestDb::all() {
        let docs = seeded(&mut src, 20, 93);
        for mut dst in TestDb::all() {
            let label = format!("{} → {}", src.name, dst.name);
            // only regions
            load_demo_regions(&mut dst.store);
            let before = table_counts(&mut dst.store.conn);
            let e = copy::copy_all(&mut src.store, &mut dst.store, |_, _| {}).unwrap_err();
            assert!(matches!(e, StoreError::Invalid(ref m) if m.contains("不是空的")), "{label}: {e}");
            assert_eq!(table_counts(&mut dst.store.conn), before, "{label}: nothing written");
        }
        for mut dst in TestDb::all() {
            let label = format!("{} → {} (households, no regions)", src.name, dst.name);
            insert_docs(&mut dst.store, &docs[..3]);
            let before = table_counts(&mut dst.store.conn);
            assert!(copy::copy_all(&mut src.store, &mut dst.store, |_, _| {}).is_err(), "{label}");
            assert_eq!(table_counts(&mut dst.store.conn), before, "{label}");
            // the target still works after the refusal
            insert_docs(&mut dst.store, &docs[3..4]);
            assert_eq!(query::totals(&mut dst.store.conn, &all_scope()).unwrap().0, 4, "{label}");
        }
    }
}

#[test]
fn an_online_sqlite_backup_opens_with_its_key_and_holds_the_same_registry() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 50, 94);
        let dest = db.dir.path().join("backups").join("nightly.db");
        if db.store.backend() != bangfu_store::Backend::Sqlite {
            let key = db.store.key_path.clone();
            let e = backup::backup_sqlite(&mut db.store.conn, &key, &dest).unwrap_err();
            assert!(matches!(e, StoreError::Invalid(ref m) if m.contains("pg_dump")), "{}: {e}", db.name);
            assert!(!dest.exists(), "{}: nothing written", db.name);
            continue;
        }
        let totals = query::totals(&mut db.store.conn, &all_scope()).unwrap();
        let before = load_all(&mut db.store);
        let key = db.store.key_path.clone();
        let report = backup::backup_sqlite(&mut db.store.conn, &key, &dest).unwrap();
        assert_eq!(report.database, dest, "{}", db.name);
        assert_eq!(report.key_file, db.dir.path().join("backups").join("nightly.db.key"), "{}", db.name);
        assert_eq!(std::fs::read(&report.key_file).unwrap(), std::fs::read(&key).unwrap(), "{}: the key travels with the backup", db.name);
        assert_eq!(report.bytes, std::fs::metadata(&dest).unwrap().len(), "{}", db.name);

        // the source stays open and in use; later writes are not in the backup
        let mut later = docs[0].clone();
        later.set(HF::HousingArea, Value::Int(1));
        import_ok(&mut db.store, &[later], db.name);

        let mut copy = Store::open(&DbUrl::Sqlite(dest.clone()), Some(&report.key_file)).unwrap();
        assert_eq!(query::totals(&mut copy.conn, &all_scope()).unwrap(), totals, "{}", db.name);
        let after = load_all(&mut copy);
        assert_eq!(after.len(), before.len(), "{}", db.name);
        for (x, y) in before.iter().zip(&after) {
            assert_eq!((x.id, &x.doc), (y.id, &y.doc), "{}: protected fields open with the copied key", db.name);
        }
        assert_eq!(stored(&mut copy, &no(&docs[0])).unwrap().doc, docs[0], "{}: a point-in-time copy", db.name);
        drop(copy);

        // a second backup to the same name is refused and the first one is untouched
        let bytes = std::fs::read(&dest).unwrap();
        let e = backup::backup_sqlite(&mut db.store.conn, &key, &dest).unwrap_err();
        assert!(matches!(e, StoreError::Invalid(ref m) if m.contains("已存在")), "{}: {e}", db.name);
        assert_eq!(std::fs::read(&dest).unwrap(), bytes, "{}", db.name);
        // and without the key file the backup's protected fields cannot be read
        let wrong = db.dir.path().join("other.key");
        let mut blind = Store::open_and_migrate(&DbUrl::Sqlite(dest.clone()), Some(&wrong)).unwrap();
        let ids: Vec<i64> = before.iter().filter(|s| matches!(s.doc.get(HF::Phone), Value::Secret(_))).map(|s| s.id).take(1).collect();
        assert!(bangfu_store::registry::read::load(&mut blind.conn, &blind.keys, &all_scope(), &ids).is_err(), "{}", db.name);
    }
}
