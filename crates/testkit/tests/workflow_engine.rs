//! The workflow engine on every backend: a procedure defined as data runs step by step; guards
//! refuse out-of-order, wrong-role, out-of-scope, self, stale and overdue decisions and write
//! nothing; two officials deciding the same case at once record exactly one decision; a bulk
//! decision with exceptions is set-based with every decision in the ledger and the audit trail;
//! open cases keep their definition version; policy "all" waits for every approver.

use bangfu_domain::workflow::engine::{CaseStatus, DecisionKind, Outcome};
use bangfu_domain::workflow::{procedures, Decider, FlowDefinition, Level, Policy, StepDef, StepKind};
use bangfu_domain::{RegionCode, RegionScope, Role};
use bangfu_store::workflow::{cases, decide, definitions, BulkInput, Decided, DecisionInput, NewCase};
use bangfu_store::audit::{self};
use bangfu_store::{Store, P};
use bangfu_testkit::workflow::{actor, add_user, today, who};
use bangfu_testkit::*;

const PROC: &str = "test_review";

/// A three-review flow: village → township → county.
fn flow(township_policy: Policy) -> FlowDefinition {
    let step = |key: &str, title: &str, role: &str, level: Level| StepDef {
        key: key.into(),
        title: title.into(),
        kind: StepKind::Review,
        roles: vec![role.into()],
        level,
        policy: Policy::Any,
        return_allowed: true,
        deadline_days: Some(10),
        deadline_working_days: false,
        forbid_self: true,
        notice: None,
        quorum: None,
        checks: None,
        requires_attachment: false,
        verdict: false,
        on_objection_return_to: None,
    };
    FlowDefinition {
        procedure: PROC.into(),
        title: "测试审核".into(),
        subject: bangfu_domain::workflow::SubjectKind::Household,
        steps: vec![
            StepDef { forbid_self: false, ..step("village", "村级审核", "village_cadre", Level::Village) },
            StepDef { policy: township_policy, ..step("township", "乡镇审核", "township_staff", Level::Township) },
            step("county", "县级审批", "county_office", Level::County),
        ],
        effect: bangfu_domain::workflow::Effect::HouseholdType { event: "monitoring_included".into(), type_after: "monitored".into() },
        basis: "测试".into(),
    }
}





struct Setup {
    db: TestDb,
    village: String,
    township: String,
    county: String,
    households: Vec<i64>,
}

fn setup(n: usize, policy: Policy) -> Vec<Setup> {
    let mut out = Vec::new();
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        insert_docs(&mut db.store, &demo_docs(200, 11));
        let r = db.store.conn.query("SELECT region_code, COUNT(*) FROM household GROUP BY region_code ORDER BY COUNT(*) DESC, region_code LIMIT 1", &[]).unwrap();
        let village = r[0][0].string();
        let township = format!("{}000", &village[..9]);
        let county = format!("{}000000", &village[..6]);
        // gather n households into the village (the demo spreads them thinly over the county)
        let ids: Vec<i64> = db.store.conn.query("SELECT id FROM household ORDER BY id", &[]).unwrap().iter().map(|r| r[0].int().unwrap()).take(n).collect();
        for id in &ids {
            db.store.conn.execute("UPDATE household SET region_code = ? WHERE id = ?", &[P::Text(&village), P::Int(*id)]).unwrap();
            db.store.conn.execute("UPDATE member SET region_code = ? WHERE household_id = ?", &[P::Text(&village), P::Int(*id)]).unwrap();
        }
        let households: Vec<i64> = db.store.conn.query("SELECT id FROM household WHERE region_code = ? ORDER BY id", &[P::Text(&village)]).unwrap().iter().map(|r| r[0].int().unwrap()).take(n).collect();
        assert_eq!(households.len(), n, "enough households in {village}");
        definitions::save_version(&mut db.store.conn, &test_actor(), "", &flow(policy)).unwrap();
        add_user(&mut db.store, "cun", Role::VillageCadre, &village);
        add_user(&mut db.store, "xiang", Role::TownshipStaff, &township);
        add_user(&mut db.store, "xiang2", Role::TownshipStaff, &township);
        add_user(&mut db.store, "xian", Role::CountyOffice, &county);
        out.push(Setup { db, village, township, county, households });
    }
    out
}

fn open(s: &mut Setup, h: i64) -> i64 {
    let n = NewCase { procedure: PROC.into(), household_id: Some(h), reason: "家庭成员突发重病".into(), ..Default::default() };
    cases::open(&mut s.db.store.conn, &actor("cun"), &RegionScope::of(&RegionCode::parse(&s.village).unwrap()), &n, today()).unwrap()
}

fn approve(s: &mut Setup, d: &Decider, id: i64) -> Decided {
    let c = cases::get(&mut s.db.store.conn, &RegionScope::all(), id).unwrap().unwrap();
    let input = DecisionInput { kind: DecisionKind::Approve, seen_transition: c.transition_no, comment: "同意".into(), verdict: None };
    let store = &mut s.db.store;
    decide::decide(&mut store.conn, &store.keys, &actor(&d.user), d, id, &input, today()).unwrap()
}

fn ledger_count(s: &mut Setup, id: i64) -> i64 {
    s.db.store.conn.query_int("SELECT COUNT(*) FROM wf_decision WHERE case_id = ?", &[P::Int(id)]).unwrap()
}

#[test]
fn a_case_runs_through_its_steps_and_its_effect_reaches_the_registry() {
    for mut s in setup(1, Policy::Any) {
        let h = s.households[0];
        let id = open(&mut s, h);
        let (v, t, c) = (who("cun", Role::VillageCadre, &s.village), who("xiang", Role::TownshipStaff, &s.township), who("xian", Role::CountyOffice, &s.county));
        // a later level cannot act first
        let r = approve(&mut s, &t, id);
        assert!(matches!(&r, Decided::Refused(m) if m.contains("村干部")), "{}: {r:?}", s.db.name);
        assert_eq!(ledger_count(&mut s, id), 1, "a refusal writes nothing");
        assert_eq!(approve(&mut s, &v, id), Decided::Done(Outcome::MoveTo(1)));
        assert_eq!(approve(&mut s, &t, id), Decided::Done(Outcome::MoveTo(2)));
        assert_eq!(approve(&mut s, &c, id), Decided::Done(Outcome::Completed));
        let case = cases::get(&mut s.db.store.conn, &RegionScope::all(), id).unwrap().unwrap();
        assert_eq!(case.status, CaseStatus::Completed);
        let (ty, version): (String, i64) = {
            let r = s.db.store.conn.query("SELECT household_type, version FROM household WHERE id = ?", &[P::Int(h)]).unwrap();
            (r[0][0].string(), r[0][1].int().unwrap())
        };
        assert_eq!(ty, "monitored", "{}", s.db.name);
        assert!(version > 1);
        let events = s.db.store.conn.query_int("SELECT COUNT(*) FROM adjustment_event WHERE household_id = ? AND event_type = 'monitoring_included' AND household_type_after = 'monitored' AND reason LIKE ?", &[P::Int(h), P::Text(&format!("%案件 {id}%"))]).unwrap();
        assert_eq!(events, 1);
        let tl = cases::timeline(&mut s.db.store.conn, &RegionScope::all(), id).unwrap();
        assert_eq!(tl.iter().map(|e| e.decision.as_str()).collect::<Vec<_>>(), ["apply", "approve", "approve", "approve"]);
        // decided twice: the case is closed
        assert!(matches!(approve(&mut s, &c, id), Decided::Refused(m) if m.contains("已办结")));
        assert!(audit::verify(&mut s.db.store.conn).unwrap().is_clean());
    }
}

#[test]
fn guards_refuse_scope_self_stale_and_overdue_decisions() {
    for mut s in setup(2, Policy::Any) {
        let id = { let h = s.households[0]; open(&mut s, h) };
        let v = who("cun", Role::VillageCadre, &s.village);
        assert_eq!(approve(&mut s, &v, id), Decided::Done(Outcome::MoveTo(1)));
        // another township's officer: the case is not found in their scope
        let other_township = format!("{}999000", &s.village[..6]);
        let o = who("wang", Role::TownshipStaff, &other_township);
        let input = DecisionInput { kind: DecisionKind::Approve, seen_transition: 1, comment: String::new(), verdict: None };
        let store = &mut s.db.store;
        let r = decide::decide(&mut store.conn, &store.keys, &actor("wang"), &o, id, &input, today());
        assert!(matches!(r, Err(bangfu_store::StoreError::NotFound(_))), "{r:?}");
        // a stale form (transition 0) is told, not recorded
        let t = who("xiang", Role::TownshipStaff, &s.township);
        let stale = DecisionInput { seen_transition: 0, ..input.clone() };
        let r = decide::decide(&mut store.conn, &store.keys, &actor("xiang"), &t, id, &stale, today()).unwrap();
        assert!(matches!(&r, Decided::Refused(m) if m.contains("已被他人处理") && m.contains("cun")), "{r:?}");
        // the applicant may not approve their own case at the township step
        let self_ = who("cun", Role::TownshipStaff, &s.township);
        let r = decide::decide(&mut store.conn, &store.keys, &actor("cun"), &self_, id, &input, today()).unwrap();
        assert!(matches!(&r, Decided::Refused(m) if m.contains("自己提交")), "{r:?}");
        // after the deadline: refused with the date; the county extends it; then it goes through
        let late = today() + chrono::Days::new(30);
        let r = decide::decide(&mut store.conn, &store.keys, &actor("xiang"), &t, id, &input, late).unwrap();
        assert!(matches!(&r, Decided::Refused(m) if m.contains("办理时限")), "{r:?}");
        let c = who("xian", Role::CountyOffice, &s.county);
        decide::extend_deadline(&mut store.conn, &actor("xian"), &c, id, late, "村里补充材料", today()).unwrap();
        let r = decide::decide(&mut store.conn, &store.keys, &actor("xiang"), &t, id, &input, late).unwrap();
        assert_eq!(r, Decided::Done(Outcome::MoveTo(2)));
        // return for revision needs a reason and an earlier step
        let ret = DecisionInput { kind: DecisionKind::Return { to: 0 }, seen_transition: 2, comment: String::new(), verdict: None };
        let r = decide::decide(&mut store.conn, &store.keys, &actor("xian"), &c, id, &ret, late).unwrap();
        assert!(matches!(&r, Decided::Refused(m) if m.contains("理由")), "{r:?}");
        let ret = DecisionInput { comment: "收入材料不全".into(), ..ret };
        let r = decide::decide(&mut store.conn, &store.keys, &actor("xian"), &c, id, &ret, late).unwrap();
        assert_eq!(r, Decided::Done(Outcome::ReturnedTo(0)));
        let tl = cases::timeline(&mut s.db.store.conn, &RegionScope::all(), id).unwrap();
        assert_eq!(tl.iter().map(|e| e.decision.as_str()).collect::<Vec<_>>(), ["apply", "approve", "extended", "approve", "return"], "{}", s.db.name);
    }
}

#[test]
fn two_officials_approving_the_same_case_at_once_record_exactly_one_decision() {
    for mut s in setup(20, Policy::Any) {
        let ids: Vec<i64> = s.households.clone().into_iter().map(|h| open(&mut s, h)).collect();
        let v = who("cun", Role::VillageCadre, &s.village);
        for id in &ids {
            assert_eq!(approve(&mut s, &v, *id), Decided::Done(Outcome::MoveTo(1)));
        }
        let (url, key) = (s.db.store.url.clone(), s.db.store.key_path.clone());
        let township = s.township.clone();
        let results: Vec<Vec<Decided>> = std::thread::scope(|sc| {
            let hs: Vec<_> = ["xiang", "xiang2"]
                .into_iter()
                .map(|name| {
                    let (url, key, ids, township) = (url.clone(), key.clone(), ids.clone(), township.clone());
                    sc.spawn(move || {
                        let mut st = Store::open(&url, Some(&key)).unwrap();
                        let d = who(name, Role::TownshipStaff, &township);
                        let input = DecisionInput { kind: DecisionKind::Approve, seen_transition: 1, comment: String::new(), verdict: None };
                        ids.iter().map(|id| decide::decide(&mut st.conn, &st.keys, &actor(name), &d, *id, &input, today()).unwrap()).collect::<Vec<_>>()
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (i, id) in ids.iter().enumerate() {
            let done = results.iter().filter(|r| matches!(r[i], Decided::Done(_))).count();
            assert_eq!(done, 1, "{}: case {id}: {:?} / {:?}", s.db.name, results[0][i], results[1][i]);
            let told = results.iter().filter(|r| matches!(&r[i], Decided::Refused(m) if m.contains("已被他人处理"))).count();
            assert_eq!(told, 1);
            let approvals = s.db.store.conn.query_int("SELECT COUNT(*) FROM wf_decision WHERE case_id = ? AND step_key = 'township'", &[P::Int(*id)]).unwrap();
            assert_eq!(approvals, 1);
        }
        assert!(audit::verify(&mut s.db.store.conn).unwrap().is_clean());
    }
}

#[test]
fn a_bulk_decision_with_exceptions_is_one_set_based_action() {
    for mut s in setup(30, Policy::Any) {
        let ids: Vec<i64> = s.households.clone().into_iter().map(|h| open(&mut s, h)).collect();
        let v = who("cun", Role::VillageCadre, &s.village);
        let store = &mut s.db.store;
        let village_step = BulkInput { step_key: "village".into(), case_ids: ids.clone(), comment: "经核实".into(), exceptions: vec![], verdict: None };
        let r = decide::decide_bulk(&mut store.conn, &store.keys, &actor("cun"), &v, &village_step, today()).unwrap();
        assert_eq!((r.approved, r.refused.len()), (30, 0));
        let audit_before = audit::count(&mut store.conn, Some("wf_case")).unwrap();
        let ledger_before = store.conn.query_int("SELECT COUNT(*) FROM wf_decision", &[]).unwrap();
        let t = who("xiang", Role::TownshipStaff, &s.township);
        let outsider = 999_999_999;
        let input = BulkInput {
            step_key: "township".into(),
            case_ids: ids.iter().copied().chain([outsider]).collect(),
            comment: "同意".into(),
            exceptions: vec![
                (ids[0], DecisionKind::Return { to: 0 }, "家庭人口与户籍不符".into()),
                (ids[1], DecisionKind::Return { to: 0 }, "缺少收入证明".into()),
                (ids[2], DecisionKind::Reject, "家庭成员有财政供养人员".into()),
            ],
            verdict: None,
        };
        let r = decide::decide_bulk(&mut store.conn, &store.keys, &actor("xiang"), &t, &input, today()).unwrap();
        assert_eq!((r.approved, r.returned, r.rejected), (27, 2, 1), "{}", s.db.name);
        assert_eq!(r.refused.len(), 1, "the unknown id is reported: {:?}", r.refused);
        let at = |store: &mut Store, key: &str, status: &str| store.conn.query_int("SELECT COUNT(*) FROM wf_case WHERE procedure = ? AND step_key = ? AND status = ?", &[P::Text(PROC), P::Text(key), P::Text(status)]).unwrap();
        assert_eq!(at(store, "county", "open"), 27);
        assert_eq!(at(store, "village", "open"), 2);
        assert_eq!(store.conn.query_int("SELECT COUNT(*) FROM wf_case WHERE status = 'rejected'", &[]).unwrap(), 1);
        assert_eq!(store.conn.query_int("SELECT COUNT(*) FROM wf_decision", &[]).unwrap() - ledger_before, 30);
        assert_eq!(audit::count(&mut store.conn, Some("wf_case")).unwrap() - audit_before, 30);
        let reasons = store.conn.query_int("SELECT COUNT(*) FROM wf_decision WHERE decision = 'return' AND comment = '缺少收入证明'", &[]).unwrap();
        assert_eq!(reasons, 1);
        // the same bulk again: every case has moved on, nothing is decided twice
        let again = decide::decide_bulk(&mut store.conn, &store.keys, &actor("xiang"), &t, &input, today()).unwrap();
        assert_eq!(again.decided(), 0);
        assert_eq!(again.refused.len(), 31);
        assert!(audit::verify(&mut store.conn).unwrap().is_clean());
    }
}

#[test]
fn policy_all_waits_for_every_township_officer() {
    for mut s in setup(1, Policy::All) {
        let id = { let h = s.households[0]; open(&mut s, h) };
        let v = who("cun", Role::VillageCadre, &s.village);
        approve(&mut s, &v, id);
        let t1 = who("xiang", Role::TownshipStaff, &s.township);
        assert_eq!(approve(&mut s, &t1, id), Decided::Done(Outcome::Waiting { have: 1, need: 2 }));
        assert!(matches!(approve(&mut s, &t1, id), Decided::Refused(m) if m.contains("重复")));
        let t2 = who("xiang2", Role::TownshipStaff, &s.township);
        assert_eq!(approve(&mut s, &t2, id), Decided::Done(Outcome::MoveTo(2)));
    }
}

#[test]
fn open_cases_keep_their_definition_version() {
    for mut s in setup(2, Policy::Any) {
        let old = { let h = s.households[0]; open(&mut s, h) };
        let mut v2 = flow(Policy::Any);
        v2.steps.remove(1);
        let saved = definitions::save_version(&mut s.db.store.conn, &test_actor(), "", &v2).unwrap();
        assert_eq!(saved.version, 2);
        let new = { let h = s.households[1]; open(&mut s, h) };
        let store = &mut s.db.store;
        let a = cases::file(&mut store.conn, &RegionScope::all(), old).unwrap().unwrap();
        let b = cases::file(&mut store.conn, &RegionScope::all(), new).unwrap().unwrap();
        assert_eq!((a.definition.version, a.definition.def.steps.len()), (1, 3));
        assert_eq!((b.definition.version, b.definition.def.steps.len()), (2, 2));
        // an invalid definition is refused with the problem named
        let mut bad = flow(Policy::Any);
        bad.steps[1].roles = vec!["mayor".into()];
        let e = definitions::save_version(&mut store.conn, &test_actor(), "", &bad).unwrap_err().to_string();
        assert!(e.contains("mayor"), "{e}");
        // a second application for the same household and procedure while one is open
        let first = s.households[0];
        let n = NewCase { procedure: PROC.into(), household_id: Some(first), reason: "再次申请".into(), ..Default::default() };
        let e = cases::open(&mut store.conn, &actor("cun"), &RegionScope::all(), &n, today()).unwrap_err().to_string();
        assert!(e.contains("正在办理"), "{e}");
    }
}

#[test]
fn the_shipped_identification_flow_is_stored_on_first_use() {
    for mut s in setup(1, Policy::Any) {
        let d = definitions::current(&mut s.db.store.conn, "identification", &s.village).unwrap();
        assert_eq!(d.def, procedures::identification());
        assert_eq!(d.version, 1);
    }
}

#[test]
fn a_village_verifies_its_campaign_households_in_bulk_with_one_verdict() {
    for mut s in setup(5, Policy::Any) {
        let prefix = s.village.clone();
        let store = &mut s.db.store;
        let n = bangfu_store::workflow::seed::seed_cases(&mut store.conn, &test_actor(), "adjustment", "village_verify", &prefix, 100, today()).unwrap();
        assert!(n >= 5);
        let ids: Vec<i64> = store.conn.query("SELECT id FROM wf_case WHERE procedure = 'adjustment'", &[]).unwrap().iter().map(|r| r[0].int().unwrap()).collect();
        let v = who("cun", Role::VillageCadre, &s.village);
        let without = BulkInput { step_key: "village_verify".into(), case_ids: ids.clone(), comment: "已核实".into(), exceptions: vec![], verdict: None };
        let r = decide::decide_bulk(&mut store.conn, &store.keys, &actor("cun"), &v, &without, today()).unwrap();
        assert_eq!(r.decided(), 0, "a verdict is required");
        assert!(r.refused.iter().all(|(_, _, why)| why.contains("核实结论")), "{:?}", r.refused);
        let with = BulkInput { verdict: Some("unchanged".into()), ..without };
        let r = decide::decide_bulk(&mut store.conn, &store.keys, &actor("cun"), &v, &with, today()).unwrap();
        assert_eq!(r.approved, ids.len());
        let unchanged = store.conn.query_int("SELECT COUNT(*) FROM wf_case WHERE procedure = 'adjustment' AND verdict = 'unchanged' AND step_key = 'township_confirm'", &[]).unwrap();
        assert_eq!(unchanged as usize, ids.len(), "{}", s.db.name);
        let in_ledger = store.conn.query_int("SELECT COUNT(*) FROM wf_decision WHERE decision = 'approve' AND verdict = 'unchanged'", &[]).unwrap();
        assert_eq!(in_ledger as usize, ids.len());
    }
}

#[test]
fn two_applications_for_one_household_at_once_open_one_case() {
    for s in setup(1, Policy::Any) {
        let (url, key, h, village) = (s.db.store.url.clone(), s.db.store.key_path.clone(), s.households[0], s.village.clone());
        let results: Vec<_> = std::thread::scope(|sc| {
            let hs: Vec<_> = (0..2)
                .map(|_| {
                    let (url, key, village) = (url.clone(), key.clone(), village.clone());
                    sc.spawn(move || {
                        let mut st = Store::open(&url, Some(&key)).unwrap();
                        let n = NewCase { procedure: PROC.into(), household_id: Some(h), reason: "申请".into(), ..Default::default() };
                        cases::open(&mut st.conn, &actor("cun"), &RegionScope::of(&RegionCode::parse(&village).unwrap()), &n, today())
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{}: {results:?}", s.db.name);
        let refused = results.iter().find_map(|r| r.as_ref().err()).unwrap().to_string();
        assert!(refused.contains("正在办理"), "{refused}");
    }
}
