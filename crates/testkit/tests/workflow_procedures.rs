//! The shipped procedures end to end on every backend, through the same engine: identification
//! (申请 → 民主评议 → 村核实+比对 → 第一次公示 → 乡审核 → 第二次公示 → 县复审 → 公告 → registered with
//! its event), household exit (checklist, agreement, notice, announcement: status and event, the
//! household's pairings and measures untouched) and village exit (incidence and 五有, township-wide
//! notice, announcement: the village's exit year).

use bangfu_domain::workflow::engine::{CaseStatus, DecisionKind, Outcome};
use bangfu_domain::workflow::Decider;
use bangfu_domain::{RegionScope, Role};
use bangfu_store::audit::{self};
use bangfu_store::workflow::attachments::{self, Owner};
use bangfu_store::workflow::deliberation::{self, Meeting, MeetingItem};
use bangfu_store::workflow::notices::{self, NewNotice};
use bangfu_store::workflow::{cases, decide, Decided, DecisionInput, NewCase};
use bangfu_store::{Store, P};
use bangfu_testkit::workflow::{actor, add_user, today, who};
use bangfu_testkit::*;
use chrono::Datelike;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";




struct Town {
    db: TestDb,
    village: String,
    township: String,
    county: String,
}

impl Town {
    fn v(&self) -> Decider {
        who("cun", Role::VillageCadre, &self.village)
    }
    /// The first secretary: verifies what the village cadre registered.
    fn s(&self) -> Decider {
        who("shuji", Role::FirstSecretary, &self.village)
    }
    fn t(&self) -> Decider {
        who("xiang", Role::TownshipStaff, &self.township)
    }
    fn c(&self) -> Decider {
        who("xian", Role::CountyOffice, &self.county)
    }
    fn store(&mut self) -> &mut Store {
        &mut self.db.store
    }
    fn case(&mut self, id: i64) -> cases::Case {
        cases::get(&mut self.db.store.conn, &RegionScope::all(), id).unwrap().unwrap()
    }
    fn approve(&mut self, d: &Decider, id: i64, comment: &str) -> Decided {
        let c = self.case(id);
        let input = DecisionInput { kind: DecisionKind::Approve, seen_transition: c.transition_no, comment: comment.into(), verdict: None };
        let s = &mut self.db.store;
        decide::decide(&mut s.conn, &s.keys, &actor(&d.user), d, id, &input, today()).unwrap()
    }
    fn meeting(&mut self, ids: &[i64]) {
        let m = Meeting {
            village_code: self.village.clone(),
            meeting_on: today(),
            place: "村委会会议室".into(),
            host: "村支书".into(),
            representatives_total: 30,
            representatives_present: 24,
            items: ids.iter().map(|id| MeetingItem { case_id: *id, passed: true, votes_for: Some(22), votes_against: Some(2), note: String::new() }).collect(),
        };
        let v = self.v();
        let s = &mut self.db.store;
        deliberation::record_meeting(&mut s.conn, &s.keys, &actor("cun"), &v, &m, Some(("会议记录.png", PNG)), today()).unwrap();
    }
    /// Posts a notice for the cases at `step`, attaches its photo, and closes it the day after it ends.
    fn notice(&mut self, d: &Decider, procedure: &str, step: &str, region: &str, ids: &[i64]) -> i64 {
        let n = NewNotice { procedure: procedure.into(), step_key: step.into(), region_code: region.into(), case_ids: ids.to_vec(), title: "公示".into(), posted_at_place: "村委会公示栏".into(), starts_on: today(), contact: "乡镇帮扶办 0735-1234567".into() };
        let s = &mut self.db.store;
        let id = notices::post_notice(&mut s.conn, &actor(&d.user), d, &n, today()).unwrap();
        let early = notices::close_notice(&mut s.conn, &actor(&d.user), &s.keys, d, id, today()).unwrap_err().to_string();
        assert!(early.contains("届满后") && early.contains("照片"), "{early}");
        attachments::add(&mut s.conn, &actor(&d.user), Owner::Notice(id), region, "公示张贴照片", "公示.png", PNG).unwrap();
        let ends = notices::get(&mut s.conn, &RegionScope::all(), id).unwrap().unwrap().ends_on;
        notices::close_notice(&mut s.conn, &actor(&d.user), &s.keys, d, id, ends + chrono::Days::new(1)).unwrap();
        id
    }
    fn announce(&mut self, procedure: &str, region: &str, ids: &[i64]) {
        let c = self.c();
        let n = NewNotice { procedure: procedure.into(), step_key: "announcement".into(), region_code: region.into(), case_ids: ids.to_vec(), title: "公告".into(), posted_at_place: "县政府网站".into(), starts_on: today(), contact: "县帮扶办".into() };
        let s = &mut self.db.store;
        notices::publish_announcement(&mut s.conn, &actor("xian"), &s.keys, &c, &n, today()).unwrap();
    }
}

fn town() -> Vec<Town> {
    let mut out = Vec::new();
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        insert_docs(&mut db.store, &demo_docs(300, 5));
        let r = db.store.conn.query("SELECT region_code FROM household GROUP BY region_code ORDER BY COUNT(*) DESC, region_code LIMIT 1", &[]).unwrap();
        let village = r[0][0].string();
        let township = format!("{}000", &village[..9]);
        let county = format!("{}000000", &village[..6]);
        for (name, role, code) in [("cun", Role::VillageCadre, &village), ("shuji", Role::FirstSecretary, &village), ("xiang", Role::TownshipStaff, &township), ("xian", Role::CountyOffice, &county)] {
            add_user(&mut db.store, name, role, code);
        }
        out.push(Town { db, village, township, county });
    }
    out
}

fn decisions(t: &mut Town, id: i64) -> Vec<String> {
    cases::timeline(&mut t.db.store.conn, &RegionScope::all(), id).unwrap().into_iter().map(|e| e.decision).collect()
}

#[test]
fn identification_runs_from_application_to_announcement_and_registers_the_household() {
    for mut t in town() {
        let village = t.village.clone();
        let h = t.store().conn.query("SELECT id FROM household WHERE region_code = ? ORDER BY id LIMIT 1", &[P::Text(&village)]).unwrap()[0][0].int().unwrap();
        t.store().conn.execute("UPDATE household SET household_type = 'ordinary' WHERE id = ?", &[P::Int(h)]).unwrap();
        let n = NewCase { procedure: "identification".into(), household_id: Some(h), item: Some("纳入建档立卡贫困户".into()), reason: "因病致贫，收入骤减".into(), ..Default::default() };
        let v = t.v();
        let id = cases::open(&mut t.store().conn, &actor("cun"), &v.scope, &n, today()).unwrap();
        assert_eq!(t.approve(&v, id, "受理"), Decided::Done(Outcome::MoveTo(1)));
        t.meeting(&[id]);
        assert_eq!(t.case(id).step_key, "verify");
        // whoever registered the application does not verify it
        assert!(matches!(t.approve(&v, id, "核实"), Decided::Refused(m) if m.contains("自己提交")));
        // the checks ran: approval past a non-blocking failure needs an explanation, then goes through
        let s = t.s();
        match t.approve(&s, id, "") {
            Decided::Done(o) => assert_eq!(o, Outcome::MoveTo(3)),
            Decided::Refused(m) => {
                assert!(m.contains("说明"), "{m}");
                assert_eq!(t.approve(&s, id, "已入户核实：收入按最新情况重新核算"), Decided::Done(Outcome::MoveTo(3)));
            }
        }
        t.notice(&v, "identification", "first_notice", &village, &[id]);
        assert_eq!(t.case(id).step_key, "township_review");
        let tw = t.t();
        assert_eq!(t.approve(&tw, id, "同意"), Decided::Done(Outcome::MoveTo(5)));
        t.notice(&tw, "identification", "second_notice", &village, &[id]);
        let c = t.c();
        assert_eq!(t.approve(&c, id, "同意"), Decided::Done(Outcome::MoveTo(7)));
        t.announce("identification", &village, &[id]);
        assert_eq!(t.case(id).status, CaseStatus::Completed, "{}", t.db.name);
        let ty = t.store().conn.query("SELECT household_type FROM household WHERE id = ?", &[P::Int(h)]).unwrap()[0][0].string();
        assert_eq!(ty, "poor");
        let ev = t.store().conn.query_int("SELECT COUNT(*) FROM adjustment_event WHERE household_id = ? AND event_type = 'newly_identified' AND reason LIKE '%识别纳入%'", &[P::Int(h)]).unwrap();
        assert_eq!(ev, 1);
        assert_eq!(decisions(&mut t, id), ["apply", "approve", "deliberated", "approve", "notice_posted", "noticed", "approve", "notice_posted", "noticed", "approve", "announced"]);
        assert!(audit::verify(&mut t.store().conn).unwrap().is_clean());
    }
}

#[test]
fn household_exit_needs_its_checklist_and_the_signed_agreement_and_keeps_the_policies() {
    for mut t in town() {
        let village = t.village.clone();
        let h = t.store().conn.query("SELECT id FROM household WHERE region_code = ? ORDER BY id LIMIT 1", &[P::Text(&village)]).unwrap()[0][0].int().unwrap();
        t.store().conn.execute("UPDATE household SET household_type = 'poor', housing_secure = NULL, dangerous_house = ? WHERE id = ?", &[P::Bool(true), P::Int(h)]).unwrap();
        let measures_before = t.store().conn.query_int("SELECT COUNT(*) FROM assistance_measure WHERE household_id = ? AND ended_on IS NULL", &[P::Int(h)]).unwrap();
        let n = NewCase { procedure: "household_exit".into(), household_id: Some(h), item: Some("退出贫困户".into()), reason: "收入稳定超过标准".into(), ..Default::default() };
        let v = t.v();
        let id = cases::open(&mut t.store().conn, &actor("cun"), &v.scope, &n, today()).unwrap();
        // a dangerous house blocks the exit checklist
        let v = t.s();
        let r = t.approve(&v, id, "拟退出");
        assert!(matches!(&r, Decided::Refused(m) if m.contains("不能审批通过")), "{r:?}");
        assert_eq!(decisions(&mut t, id), ["apply"], "a refused approval writes nothing");
        // make the household meet every item of the checklist
        let year = today().year() as i64 - 1;
        let line_ok = 2_000_000; // 20,000 元 per person: above any shipped line
        t.store()
            .conn
            .execute(
                "UPDATE household SET dangerous_house = ?, housing_grade = 'A', housing_secure = ?, safe_drinking_water = ?, food_clothing_secure = ?, education_secure = ?, medical_secure = ? WHERE id = ?",
                &[P::Bool(false), P::Bool(true), P::Bool(true), P::Bool(true), P::Bool(true), P::Bool(true), P::Int(h)],
            )
            .unwrap();
        t.store().conn.execute("UPDATE member SET resident_medical_insurance = ?, school_status = NULL WHERE household_id = ?", &[P::Bool(true), P::Int(h)]).unwrap();
        t.store().conn.execute("DELETE FROM household_income WHERE household_id = ?", &[P::Int(h)]).unwrap();
        t.store().conn.execute("INSERT INTO household_income (household_id, year, region_code, per_capita_net_income) VALUES (?, ?, ?, ?)", &[P::Int(h), P::Int(year), P::Text(&village), P::Int(line_ok)]).unwrap();
        let checks = {
            let c = t.case(id);
            let s = &mut t.db.store;
            bangfu_store::workflow::checks::run(&mut s.conn, &s.keys, &c, "household_exit", today()).unwrap()
        };
        assert!(checks.iter().all(|c| c.passed), "{checks:?}");
        assert_eq!(t.approve(&v, id, "核查通过"), Decided::Done(Outcome::MoveTo(1)));
        t.meeting(&[id]);
        // the household agrees: its signed agreement is required
        let r = t.approve(&v, id, "已签字");
        assert!(matches!(&r, Decided::Refused(m) if m.contains("附件")), "{r:?}");
        attachments::add(&mut t.store().conn, &actor("cun"), Owner::Case(id), &village, "贫困户认可书", "认可书.png", PNG).unwrap();
        assert_eq!(t.approve(&v, id, "已签字"), Decided::Done(Outcome::MoveTo(3)));
        t.notice(&v, "household_exit", "village_notice", &village, &[id]);
        let (tw, c) = (t.t(), t.c());
        assert_eq!(t.approve(&tw, id, "逐户核查属实"), Decided::Done(Outcome::MoveTo(5)));
        assert_eq!(t.approve(&c, id, "同意退出"), Decided::Done(Outcome::MoveTo(6)));
        t.announce("household_exit", &village, &[id]);
        let ty = t.store().conn.query("SELECT household_type FROM household WHERE id = ?", &[P::Int(h)]).unwrap()[0][0].string();
        assert_eq!(ty, "exited", "{}", t.db.name);
        assert_eq!(t.store().conn.query_int("SELECT COUNT(*) FROM adjustment_event WHERE household_id = ? AND event_type = 'exit' AND reason LIKE '%贫困户退出%'", &[P::Int(h)]).unwrap(), 1);
        // 脱贫不脱政策: measures continue
        assert_eq!(t.store().conn.query_int("SELECT COUNT(*) FROM assistance_measure WHERE household_id = ? AND ended_on IS NULL", &[P::Int(h)]).unwrap(), measures_before);
    }
}

#[test]
fn village_exit_checks_incidence_and_the_five_haves_with_a_township_wide_notice() {
    for mut t in town() {
        let village = t.village.clone();
        let township = t.township.clone();
        let poor = t.store().conn.query_int("SELECT COUNT(*) FROM member m JOIN household h ON h.id = m.household_id WHERE h.region_code = ? AND h.household_type = 'poor' AND m.removed_on IS NULL", &[P::Text(&village)]).unwrap();
        let v = t.v();
        // a population where incidence is at least 2%, and no clinic: refused
        let high = serde_json::json!({ "rural_population": (poor * 40).max(1), "culture_room": true, "clinic": false, "network": true, "hardened_road": true, "collective_economy": true });
        let n = NewCase { procedure: "village_exit".into(), region_code: village.clone(), title: "村出列".into(), item: Some("贫困村出列".into()), payload: Some(high.to_string()), reason: "申请出列".into(), ..Default::default() };
        let id = cases::open(&mut t.store().conn, &actor("cun"), &v.scope, &n, today()).unwrap();
        let r = t.approve(&v, id, "申请");
        assert!(matches!(&r, Decided::Refused(m) if m.contains("卫生室")), "{}: {r:?}", t.db.name);
        if poor > 0 {
            assert!(matches!(&r, Decided::Refused(m) if m.contains("发生率")), "{r:?}");
        }
        // withdraw by rejecting at the village and apply again with the facts that pass
        let c0 = t.case(id);
        let rej = DecisionInput { kind: DecisionKind::Reject, seen_transition: c0.transition_no, comment: "材料有误，重新申请".into(), verdict: None };
        let s = &mut t.db.store;
        assert_eq!(decide::decide(&mut s.conn, &s.keys, &actor("cun"), &v, id, &rej, today()).unwrap(), Decided::Done(Outcome::Rejected));
        let ok = serde_json::json!({ "rural_population": poor * 100 + 1000, "culture_room": true, "clinic": true, "network": true, "hardened_road": true, "collective_economy": true });
        let n = NewCase { payload: Some(ok.to_string()), ..n };
        let id = cases::open(&mut t.store().conn, &actor("cun"), &v.scope, &n, today()).unwrap();
        assert_eq!(t.approve(&v, id, "申请出列"), Decided::Done(Outcome::MoveTo(1)));
        let (tw, c) = (t.t(), t.c());
        assert_eq!(t.approve(&tw, id, "审核同意"), Decided::Done(Outcome::MoveTo(2)));
        t.notice(&tw, "village_exit", "township_notice", &township, &[id]);
        assert_eq!(t.approve(&c, id, "审定"), Decided::Done(Outcome::MoveTo(4)));
        t.announce("village_exit", &village, &[id]);
        let year = t.store().conn.query("SELECT exit_year FROM region WHERE code = ?", &[P::Text(&village)]).unwrap()[0][0].int();
        assert_eq!(year, Some(today().year() as i64), "{}", t.db.name);
        assert!(audit::verify(&mut t.store().conn).unwrap().is_clean());
    }
}
