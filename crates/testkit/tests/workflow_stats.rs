//! Workflow counts and task lists on every backend: open and overdue cases per step; a township
//! officer's tasks leave out their own applications and the cases they already approved on this
//! visit, and nothing of another level; notices to close and open objections are counted in scope.

use bangfu_domain::workflow::engine::Decider;
use bangfu_domain::{RegionCode, RegionScope, Role};
use bangfu_store::audit::Actor;
use bangfu_store::workflow::advance::{ledger_row, write_ledger, LedgerRow};
use bangfu_store::workflow::{cases, stats, NewCase};
use bangfu_store::{Conn, P};
use bangfu_testkit::*;

fn scope(code: &str) -> RegionScope {
    RegionScope::of(&RegionCode::parse(code).unwrap())
}

fn open(c: &mut Conn, applicant: &str, household: i64) -> i64 {
    let n = NewCase { procedure: "identification".into(), household_id: Some(household), reason: "申请".into(), ..Default::default() };
    cases::open(c, &Actor::new(format!("web:{applicant}"), "web"), &RegionScope::all(), &n, today()).unwrap()
}

fn put_at(c: &mut Conn, id: i64, index: i64, key: &str, due: Option<chrono::NaiveDate>) {
    c.execute(
        "UPDATE wf_case SET step_index = ?, step_key = ?, transition_no = transition_no + 1, step_due = ? WHERE id = ?",
        &[P::Int(index), P::Text(key), due.map(P::Date).unwrap_or(P::Null), P::Int(id)],
    )
    .unwrap();
}

const NOW: &str = "2026-01-01T00:00:00.000Z";

fn notice(c: &mut Conn, id: i64, region: &str, status: &str, ends: chrono::NaiveDate) {
    c.execute(
        "INSERT INTO wf_notice (id, public_code, kind, procedure, step_key, region_code, title, starts_on, ends_on, days, working_days, status, created_by, created_at, version) \
         VALUES (?, ?, 'notice', 'identification', 'first_notice', ?, '公示', ?, ?, 7, ?, ?, 'test', ?, 1)",
        &[P::Int(id), P::Text(&format!("n{id}")), P::Text(region), P::Date(ends - chrono::Days::new(7)), P::Date(ends), P::Bool(false), P::Text(status), P::Text(NOW)],
    )
    .unwrap();
}

fn objection(c: &mut Conn, id: i64, region: &str, status: &str) {
    c.execute(
        "INSERT INTO wf_objection (id, reference_no, notice_id, region_code, source, name, reason, lodged_at, status, version) VALUES (?, ?, 1, ?, 'public', '匿名', '不符合条件', ?, ?, 1)",
        &[P::Int(id), P::Text(&format!("YY{id}")), P::Text(region), P::Text(NOW), P::Text(status)],
    )
    .unwrap();
}

#[test]
fn counts_and_tasks_follow_the_scope_and_the_rules() {
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        insert_docs(&mut db.store, &demo_docs(400, 7));
        let b = db.name;
        let c = &mut db.store.conn;
        let rows = c.query("SELECT region_code, COUNT(*) FROM household WHERE status = 'active' GROUP BY region_code ORDER BY COUNT(*) DESC, region_code LIMIT 1", &[]).unwrap();
        let village = rows[0][0].string();
        let township = format!("{}000", &village[..9]);
        let hh: Vec<i64> = c.query("SELECT id FROM household WHERE region_code = ? AND status = 'active' ORDER BY id", &[P::Text(&village)]).unwrap().iter().map(|r| r[0].int().unwrap()).collect();
        assert!(hh.len() >= 4, "{b}: four households in one village");
        let yesterday = today().pred_opt().unwrap();
        let c1 = open(c, "cadre", hh[0]);
        put_at(c, c1, 4, "township_review", Some(yesterday));
        let c2 = open(c, "zhang", hh[1]);
        put_at(c, c2, 4, "township_review", None);
        let c3 = open(c, "cadre", hh[2]);
        put_at(c, c3, 4, "township_review", None);
        let t3 = c.query_int("SELECT transition_no FROM wf_case WHERE id = ?", &[P::Int(c3)]).unwrap();
        let row = LedgerRow { case_id: c3, region_code: village.clone(), transition_no: t3, step_index: 4, step_key: "township_review".into(), decision: "approve", actor: "zhang".into(), role: Some("township_staff".into()), comment: None, return_to: None, verdict: None, detail: None };
        write_ledger(c, &[ledger_row(&row, NOW)]).unwrap();
        let c4 = open(c, "cadre", hh[3]);

        let counts = stats::counts(c, &scope(&township), today()).unwrap();
        let at = |k: &str| counts.iter().find(|s| s.step_key == k).map(|s| (s.open, s.overdue));
        assert_eq!(at("township_review"), Some((3, 1)), "{b}: {counts:?}");
        assert_eq!(at("accept"), Some((1, 0)), "{b}");
        assert_eq!(counts.iter().find(|s| s.step_key == "township_review").unwrap().step_title, "乡镇审核");
        let elsewhere = scope(if township.starts_with("110101") { "120101000000" } else { "110101000000" });
        assert!(stats::counts(c, &elsewhere, today()).unwrap().is_empty(), "{b}: nothing outside the scope");

        let zhang = Decider { user: "zhang".into(), role: Role::TownshipStaff, scope: scope(&township) };
        let (tasks, total) = stats::tasks(c, &zhang, 100).unwrap();
        assert_eq!(tasks.iter().map(|t| t.id).collect::<Vec<_>>(), vec![c1], "{b}: not own (c2), not already approved (c3), not a village step (c4)");
        assert_eq!(total, 1);
        let wang = Decider { user: "wang".into(), role: Role::TownshipStaff, scope: scope(&township) };
        let (tasks, _) = stats::tasks(c, &wang, 100).unwrap();
        assert_eq!(tasks.iter().map(|t| t.id).collect::<Vec<_>>(), vec![c1, c2, c3], "{b}: overdue first, then by id");
        let cadre = Decider { user: "li".into(), role: Role::VillageCadre, scope: scope(&village) };
        assert_eq!(stats::tasks(c, &cadre, 100).unwrap().0.iter().map(|t| t.id).collect::<Vec<_>>(), vec![c4], "{b}");
        let county = Decider { user: "li".into(), role: Role::CountyOffice, scope: scope(&format!("{}000000", &village[..6])) };
        assert!(stats::tasks(c, &county, 100).unwrap().0.is_empty(), "{b}: nothing at the county's steps yet");

        notice(c, 1, &village, "posted", yesterday);
        notice(c, 2, &village, "closed", yesterday);
        notice(c, 3, &village, "posted", today().succ_opt().unwrap());
        assert_eq!(stats::notices_to_close(c, &scope(&township), today()).unwrap(), 1, "{b}");
        objection(c, 1, &village, "open");
        objection(c, 2, &village, "dismissed");
        objection(c, 3, "110101001001", "open");
        assert_eq!(stats::open_objections(c, &scope(&township)).unwrap(), 1, "{b}");
    }
}
