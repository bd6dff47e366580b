//! Village deliberation meetings on every backend: a meeting below quorum, without minutes, or
//! naming a case that is not waiting for deliberation is refused and writes nothing; a valid meeting
//! moves passed cases to the next step and rejects failed ones with the reason, with the ledger,
//! the minutes and the audit trail.

use bangfu_domain::workflow::engine::CaseStatus;
use bangfu_domain::{RegionCode, RegionScope, Role};
use bangfu_store::workflow::deliberation::{self, Meeting, MeetingItem};
use bangfu_store::workflow::{cases, decide, DecisionInput, NewCase};
use bangfu_store::{Store, P};
use bangfu_testkit::workflow::{actor, today, who};
use bangfu_testkit::*;




const PDF: &[u8] = b"%PDF-1.4\n% minutes\n";

/// A village with four identification cases at the deliberation step (accepted by the cadre) and
/// one still at the first step.
struct Setup {
    db: TestDb,
    village: String,
    at_deliberation: Vec<i64>,
    at_first: i64,
}

fn setup() -> Vec<Setup> {
    let mut out = Vec::new();
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        insert_docs(&mut db.store, &demo_docs(60, 5));
        let village = db.store.conn.query("SELECT region_code, COUNT(*) FROM household GROUP BY region_code ORDER BY COUNT(*) DESC, region_code LIMIT 1", &[]).unwrap()[0][0].string();
        let hh: Vec<i64> = db.store.conn.query("SELECT id FROM household ORDER BY id LIMIT 5", &[]).unwrap().iter().map(|r| r[0].int().unwrap()).collect();
        // the fixture: five households of one village
        for h in &hh {
            db.store.conn.execute("UPDATE household SET region_code = ? WHERE id = ?", &[P::Text(&village), P::Int(*h)]).unwrap();
            db.store.conn.execute("UPDATE member SET region_code = ? WHERE household_id = ?", &[P::Text(&village), P::Int(*h)]).unwrap();
        }
        assert_eq!(hh.len(), 5, "five households in {village}");
        let clerk = who("clerk", Role::VillageCadre, &village);
        let mut ids = Vec::new();
        for h in &hh {
            let n = NewCase { procedure: "identification".into(), household_id: Some(*h), item: Some("纳入建档立卡贫困户".into()), reason: "因病致贫".into(), ..Default::default() };
            ids.push(cases::open(&mut db.store.conn, &actor("clerk"), &clerk.scope, &n, today()).unwrap());
        }
        let Store { conn, keys, .. } = &mut db.store;
        for id in &ids[..4] {
            let input = DecisionInput { kind: bangfu_domain::workflow::engine::DecisionKind::Approve, seen_transition: 0, comment: String::new(), verdict: None };
            let r = decide::decide(conn, keys, &actor("clerk"), &clerk, *id, &input, today()).unwrap();
            assert!(matches!(r, decide::Decided::Done(_)), "{r:?}");
        }
        out.push(Setup { db, village, at_deliberation: ids[..4].to_vec(), at_first: ids[4] });
    }
    out
}

fn meeting(village: &str, items: Vec<MeetingItem>, present: i64) -> Meeting {
    Meeting { village_code: village.into(), meeting_on: today(), place: "村委会会议室".into(), host: "村支书".into(), representatives_total: 30, representatives_present: present, items }
}

fn pass(id: i64) -> MeetingItem {
    MeetingItem { case_id: id, passed: true, votes_for: Some(15), votes_against: Some(2), note: String::new() }
}

fn counts(store: &mut Store) -> (i64, i64, i64, i64) {
    let c = &mut store.conn;
    (
        c.query_int("SELECT COUNT(*) FROM wf_decision", &[]).unwrap(),
        c.query_int("SELECT COUNT(*) FROM wf_deliberation", &[]).unwrap(),
        c.query_int("SELECT COUNT(*) FROM wf_attachment", &[]).unwrap(),
        c.query_int("SELECT COUNT(*) FROM wf_case WHERE status = 'open' AND step_key = 'deliberation'", &[]).unwrap(),
    )
}

#[test]
fn a_meeting_below_quorum_or_without_minutes_is_refused_and_writes_nothing() {
    for mut s in setup() {
        let sec = who("sec", Role::FirstSecretary, &s.village);
        let before = counts(&mut s.db.store);
        let Store { conn, keys, .. } = &mut s.db.store;
        let m = meeting(&s.village, s.at_deliberation.iter().map(|id| pass(*id)).collect(), 19);
        let e = deliberation::record_meeting(conn, keys, &actor("sec"), &sec, &m, Some(("minutes.pdf", PDF)), today()).unwrap_err().to_string();
        assert_eq!(e, "到会代表 19 人，不足应到 30 人的 2/3（至少 20 人），本次评议无效", "{}", s.db.name);
        let m = meeting(&s.village, s.at_deliberation.iter().map(|id| pass(*id)).collect(), 25);
        let e = deliberation::record_meeting(conn, keys, &actor("sec"), &sec, &m, None, today()).unwrap_err().to_string();
        assert!(e.contains("请上传会议记录"), "{e}");
        // more votes than representatives present
        let mut items: Vec<MeetingItem> = s.at_deliberation.iter().map(|id| pass(*id)).collect();
        items[0].votes_for = Some(30);
        let e = deliberation::record_meeting(conn, keys, &actor("sec"), &sec, &meeting(&s.village, items, 25), Some(("m.pdf", PDF)), today()).unwrap_err().to_string();
        assert!(e.contains("合计多于实到代表 25 人"), "{e}");
        // a meeting in the future
        let mut m = meeting(&s.village, vec![pass(s.at_deliberation[0])], 25);
        m.meeting_on = today().succ_opt().unwrap();
        assert!(deliberation::record_meeting(conn, keys, &actor("sec"), &sec, &m, Some(("m.pdf", PDF)), today()).unwrap_err().to_string().contains("晚于今天"));
        assert_eq!(counts(&mut s.db.store), before, "nothing written on {}", s.db.name);
    }
}

#[test]
fn a_case_not_at_a_deliberation_step_is_refused_by_name() {
    for mut s in setup() {
        let sec = who("sec", Role::FirstSecretary, &s.village);
        let before = counts(&mut s.db.store);
        let Store { conn, keys, .. } = &mut s.db.store;
        let items = vec![pass(s.at_deliberation[0]), pass(s.at_first)];
        let e = deliberation::record_meeting(conn, keys, &actor("sec"), &sec, &meeting(&s.village, items, 25), Some(("m.pdf", PDF)), today()).unwrap_err().to_string();
        assert!(e.contains(&format!("案件 {}", s.at_first)) && e.contains("不在民主评议环节") && e.contains("村级受理申请"), "{e}");
        assert_eq!(counts(&mut s.db.store), before);
    }
}

#[test]
fn a_valid_meeting_moves_passed_cases_on_and_rejects_failed_ones_with_the_reason() {
    for mut s in setup() {
        let sec = who("sec", Role::FirstSecretary, &s.village);
        let waiting = deliberation::waiting_cases(&mut s.db.store.conn, &sec.scope, &s.village).unwrap();
        assert_eq!(waiting.iter().map(|c| c.id).collect::<Vec<_>>(), s.at_deliberation, "{}", s.db.name);
        let (d0, _, _, _) = counts(&mut s.db.store);
        let audit_before = bangfu_store::audit::count(&mut s.db.store.conn, None).unwrap();
        let Store { conn, keys, .. } = &mut s.db.store;
        let mut items: Vec<MeetingItem> = s.at_deliberation.iter().map(|id| pass(*id)).collect();
        items[3] = MeetingItem { case_id: s.at_deliberation[3], passed: false, votes_for: Some(4), votes_against: Some(16), note: "家中有经营性货车，收入超过标准".into() };
        // a failed case needs its reason
        let mut no_reason = items.clone();
        no_reason[3].note = " ".into();
        assert!(deliberation::record_meeting(conn, keys, &actor("sec"), &sec, &meeting(&s.village, no_reason, 25), Some(("m.pdf", PDF)), today()).unwrap_err().to_string().contains("写明理由"));
        let id = deliberation::record_meeting(conn, keys, &actor("sec"), &sec, &meeting(&s.village, items, 20), Some(("会议记录.pdf", PDF)), today()).unwrap();
        for cid in &s.at_deliberation[..3] {
            let c = cases::get(conn, &sec.scope, *cid).unwrap().unwrap();
            assert_eq!((c.status, c.step_key.as_str()), (CaseStatus::Open, "verify"), "{}", s.db.name);
        }
        let failed = cases::get(conn, &sec.scope, s.at_deliberation[3]).unwrap().unwrap();
        assert_eq!(failed.status, CaseStatus::Rejected);
        let t = cases::timeline(conn, &sec.scope, failed.id).unwrap();
        let last = t.last().unwrap();
        assert_eq!((last.decision.as_str(), last.comment.as_deref()), ("deliberated", Some("家中有经营性货车，收入超过标准")));
        assert!(last.detail.as_deref().unwrap().contains(&format!("\"deliberation_id\":{id}")));
        let f = deliberation::get_meeting(conn, &sec.scope, id).unwrap().unwrap();
        assert_eq!((f.items.len(), f.meeting.passed_count, f.meeting.representatives_present), (4, 3, 20));
        assert_eq!(f.attachments.len(), 1);
        assert_eq!(f.attachments[0].purpose, "会议记录");
        assert_eq!(deliberation::list_meetings(conn, &sec.scope, 10).unwrap().len(), 1);
        // out of scope: not found
        let elsewhere = RegionScope::of(&RegionCode::parse("110101001001").unwrap());
        assert!(deliberation::get_meeting(conn, &elsewhere, id).unwrap().is_none());
        assert!(deliberation::waiting_cases(conn, &sec.scope, &s.village).unwrap().is_empty());
        let (d1, m1, a1, w1) = counts(&mut s.db.store);
        assert_eq!((d1 - d0, m1, a1, w1), (4, 1, 1, 0), "{}", s.db.name);
        assert!(bangfu_store::audit::count(&mut s.db.store.conn, None).unwrap() >= audit_before + 6);
    }
}
