//! Demo cases for `serve --demo`: applications at every stage of the shipped procedures in the demo
//! users' villages, moved by the real engine (meetings, notices with their photos, objections,
//! decisions), and the county's annual dynamic-adjustment campaign — so that 我的待办, the case
//! pages, the notices and the public page have something to show.

use anyhow::{Context, Result};
use bangfu_demo::{demo_county, DemoOptions};
use bangfu_domain::fields::HouseholdField as HF;
use bangfu_domain::value::Value;
use bangfu_domain::workflow::engine::DecisionKind;
use bangfu_domain::workflow::Decider;
use bangfu_domain::{RegionCode, RegionScope, Role};
use bangfu_store::audit::Actor;
use bangfu_store::registry::edit::{self, SaveOutcome};
use bangfu_store::workflow::attachments::{self, Owner};
use bangfu_store::workflow::campaigns::{self, NewCampaign};
use bangfu_store::workflow::deliberation::{self, Meeting, MeetingItem};
use bangfu_store::workflow::notices::{self, NewNotice};
use bangfu_store::workflow::objections::{self, ObjectionInput};
use bangfu_store::workflow::{cases, decide, DecisionInput, NewCase};
use bangfu_store::{Store, P};
use chrono::{Datelike, Days, NaiveDate};

/// A 1×1 PNG standing in for the photos of posted notices and the scans of minutes.
const PHOTO: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15,
    0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E,
    0x44, 0xAE, 0x42, 0x60, 0x82,
];

fn decider(store: &mut Store, user: &str, role: Role) -> Result<Option<Decider>> {
    let Some(u) = bangfu_store::users::find_user(&mut store.conn, user)? else { return Ok(None) };
    let grants = bangfu_store::users::grants_of(&mut store.conn, u.id)?;
    let Some(g) = grants.into_iter().find(|g| g.role == role) else { return Ok(None) };
    let code = RegionCode::parse(&g.region_code).context("demo grant")?;
    Ok(Some(Decider { user: user.into(), role, scope: RegionScope::of(&code) }))
}

fn actor(user: &str) -> Actor {
    Actor::new(format!("demo:{user}"), "demo")
}

fn approve(store: &mut Store, d: &Decider, id: i64, comment: &str, today: NaiveDate) -> Result<()> {
    let c = cases::get(&mut store.conn, &RegionScope::all(), id)?.context("demo case")?;
    let input = DecisionInput { kind: DecisionKind::Approve, seen_transition: c.transition_no, comment: comment.into(), verdict: None };
    decide::decide(&mut store.conn, &store.keys, &actor(&d.user), d, id, &input, today)?;
    Ok(())
}

/// New 一般农户 households for the identification demo (the generated registry holds only
/// registered households): generated people entered in `village` by its cadre.
fn applicants(store: &mut Store, v: &Decider, village: &str, group: Option<String>, today: NaiveDate, n: usize) -> Result<Vec<i64>> {
    let county = demo_county();
    let opts = DemoOptions { households: 60, seed: 20_261_123, year: today.year() - 1, today, rule_defects: 0.0 };
    let mut out = Vec::new();
    for mut doc in bangfu_demo::generate(&county, &opts) {
        if out.len() == n {
            break;
        }
        doc.set(HF::RegionCode, Value::Text(village.into()));
        doc.set(HF::HouseholdNo, Value::Null);
        doc.set(HF::VillagerGroup, group.clone().map(Value::Text).unwrap_or(Value::Null));
        doc.set(HF::HouseholdType, Value::Code("ordinary"));
        for f in [HF::PovertyAttribute, HF::MonitoringCategory, HF::IdentificationStandard, HF::RegistrationYear, HF::ExitYear, HF::MonitoringIdentifiedOn, HF::RiskEliminated, HF::RiskEliminationMethod, HF::RiskEliminatedOn, HF::HelperName, HF::HelperUnit, HF::HelperPhone] {
            doc.set(f, Value::Null);
        }
        if let SaveOutcome::Saved { id, .. } = edit::create_household(&mut store.conn, &store.keys, &actor(&v.user), &v.scope, &doc, today)? {
            out.push(id);
        }
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn open(store: &mut Store, v: &Decider, procedure: &str, household: Option<i64>, region: &str, item: &str, reason: &str, payload: Option<String>, today: NaiveDate) -> Result<i64> {
    let n = NewCase {
        procedure: procedure.into(),
        region_code: if household.is_some() { String::new() } else { region.into() },
        household_id: household,
        title: if household.is_some() { String::new() } else { "村出列申请".into() },
        item: Some(item.into()),
        payload,
        reason: reason.into(),
        ..Default::default()
    };
    Ok(cases::open(&mut store.conn, &actor(&v.user), &v.scope, &n, today)?)
}

#[allow(clippy::too_many_arguments)]
fn post(store: &mut Store, d: &Decider, procedure: &str, step: &str, region: &str, ids: &[i64], title: &str, starts_on: NaiveDate) -> Result<i64> {
    let n = NewNotice {
        procedure: procedure.into(),
        step_key: step.into(),
        region_code: region.into(),
        case_ids: ids.to_vec(),
        title: title.into(),
        posted_at_place: "村委会公示栏".into(),
        starts_on,
        contact: "乡镇帮扶办 0735-6612345".into(),
    };
    let id = notices::post_notice(&mut store.conn, &actor(&d.user), d, &n, starts_on)?;
    attachments::add(&mut store.conn, &actor(&d.user), Owner::Notice(id), region, "公示张贴照片", "公示张贴.png", PHOTO)?;
    Ok(id)
}

/// Loads the demo cases once (nothing when there are cases already or the demo users are missing).
/// Returns a one-line summary.
pub fn load(store: &mut Store, today: NaiveDate) -> Result<Option<String>> {
    if store.conn.query_int("SELECT COUNT(*) FROM wf_case", &[])? > 0 {
        return Ok(None);
    }
    let (Some(v), Some(s), Some(t), Some(c)) = (
        decider(store, "village", Role::VillageCadre)?,
        decider(store, "secretary", Role::FirstSecretary)?,
        decider(store, "township", Role::TownshipStaff)?,
        decider(store, "county", Role::CountyOffice)?,
    ) else {
        return Ok(None);
    };
    let village = format!("{:0<12}", v.scope.prefix());
    let group = store.conn.query("SELECT name FROM villager_group WHERE region_code = ? ORDER BY name LIMIT 1", &[P::Text(&village)])?.first().map(|r| r[0].string());
    let village_name = store.conn.query("SELECT name FROM region WHERE code = ?", &[P::Text(&village)])?.first().map(|r| r[0].string()).unwrap_or_default();
    let year = today.year();

    // identification: six applications at different stages
    let hh = applicants(store, &v, &village, group, today, 6)?;
    let mut ids = Vec::new();
    for h in &hh {
        ids.push(open(store, &v, "identification", Some(*h), &village, "纳入建档立卡贫困户", "家庭主要劳动力患病，收入低于标准，申请纳入", None, today)?);
    }
    if ids.len() == 6 {
        let (waiting, rest) = ids.split_at(2);
        let _ = waiting; // 村级受理: still at the first step
        for id in rest {
            approve(store, &v, *id, "材料齐全，予以受理", today)?;
        }
        let m = Meeting {
            village_code: village.clone(),
            meeting_on: today - Days::new(12),
            place: "村委会会议室".into(),
            host: "村党支部书记".into(),
            representatives_total: 31,
            representatives_present: 26,
            items: rest.iter().map(|id| MeetingItem { case_id: *id, passed: true, votes_for: Some(24), votes_against: Some(2), note: String::new() }).collect(),
        };
        deliberation::record_meeting(&mut store.conn, &store.keys, &actor(&v.user), &v, &m, Some(("民主评议会议记录.png", PHOTO)), today)?;
        for id in rest {
            approve(store, &s, *id, "已入户核实，比对无异常；收入按最新情况核算", today)?;
        }
        // an earlier first notice, ended: two cases now wait for the township
        let start = today - Days::new(10);
        let first = post(store, &v, "identification", "first_notice", &village, &rest[..2], &format!("{village_name}{year}年贫困户识别第一次公示"), start)?;
        let ends = notices::get(&mut store.conn, &RegionScope::all(), first)?.context("notice")?.ends_on;
        notices::close_notice(&mut store.conn, &actor(&v.user), &store.keys, &v, first, ends + Days::new(1))?;
        approve(store, &t, rest[1], "经乡镇审核，符合识别条件", today)?;
        // the second notice of one case and a first notice of two more: both posted now, with a villager's objection
        post(store, &t, "identification", "second_notice", &village, &rest[1..2], &format!("{village_name}{year}年贫困户识别第二次公示"), today - Days::new(1))?;
        let open_notice = post(store, &v, "identification", "first_notice", &village, &rest[2..4], &format!("{village_name}{year}年贫困户识别第一次公示（第二批）"), today)?;
        if let Some(n) = notices::get(&mut store.conn, &RegionScope::all(), open_notice)? {
            let o = ObjectionInput { name: "李秀英".into(), phone: "13907351234".into(), item_text: String::new(), case_id: Some(rest[3]), reason: "该户儿子在县城有商品房并常年在外经商，收入不低".into() };
            let _ = objections::lodge_objection(&mut store.conn, &actor("public"), &store.keys, &n.public_code, &o, "demo-villager", "public", chrono::Utc::now())?;
        }
    }

    // household exit: poor households at the checklist; monitoring identification at deliberation
    // (the demo users' villages may have no 贫困户 left: take the township's village with the most,
    // entered by that village's cadre)
    let township = format!("{}%", &village[..9]);
    let poor: Vec<(i64, String)> = store
        .conn
        .query(
            "SELECT id, region_code FROM household WHERE region_code = (SELECT region_code FROM household WHERE region_code LIKE ? AND household_type = 'poor' AND status = 'active' GROUP BY region_code ORDER BY COUNT(*) DESC, region_code LIMIT 1) AND household_type = 'poor' AND status = 'active' ORDER BY id LIMIT 2",
            &[P::Text(&township)],
        )?
        .iter()
        .filter_map(|r| Some((r[0].int()?, r[1].string())))
        .collect();
    for (h, code) in poor {
        let cadre = Decider { user: "demo_cadre".into(), role: Role::VillageCadre, scope: RegionScope::of(&RegionCode::parse(&code)?) };
        open(store, &cadre, "household_exit", Some(h), &code, "退出贫困户", "家庭人均纯收入已稳定超过当年标准，申请退出", None, today)?;
    }
    let exited: Vec<i64> = store.conn.query("SELECT id FROM household WHERE region_code = ? AND household_type = 'exited' AND status = 'active' ORDER BY id LIMIT 2", &[P::Text(&village)])?.iter().filter_map(|r| r[0].int()).collect();
    for h in exited {
        let id = open(store, &v, "monitoring_identification", Some(h), &village, "纳入防返贫监测", "户主突发重病住院，自付医疗费用较高", None, today)?;
        approve(store, &v, id, "已入户核实，情况属实", today)?;
    }
    // village exit of the second demo village
    if let Some(v2) = decider(store, "village2", Role::VillageCadre)? {
        let code = format!("{:0<12}", v2.scope.prefix());
        let payload = serde_json::json!({ "rural_population": 1860, "culture_room": true, "clinic": true, "network": true, "hardened_road": true, "collective_economy": false });
        open(store, &v2, "village_exit", None, &code, "贫困村出列", "贫困发生率已降至 2% 以下，申请出列", Some(payload.to_string()), today)?;
    }
    // the county's annual dynamic adjustment
    let county = format!("{:0<12}", &village[..6]);
    let campaign = NewCampaign { region_code: county, year: year as i64, title: format!("{year} 年度动态调整"), starts_on: today, due_on: today + Days::new(30), village_deadlines: Vec::new() };
    let cid = campaigns::start_campaign(&mut store.conn, &actor(&c.user), &c, &campaign, today)?;
    let mine: Vec<(i64, i64)> = store.conn.query("SELECT id, transition_no FROM wf_case WHERE campaign_id = ? AND region_code = ? ORDER BY id LIMIT 8", &[P::Int(cid), P::Text(&village)])?.iter().filter_map(|r| Some((r[0].int()?, r[1].int()?))).collect();
    for (i, (id, tn)) in mine.iter().enumerate() {
        let verdict = if i == 0 { "info_changed" } else { "unchanged" };
        let input = DecisionInput { kind: DecisionKind::Approve, seen_transition: *tn, comment: "已逐户核实".into(), verdict: Some(verdict.into()) };
        decide::decide(&mut store.conn, &store.keys, &actor(&s.user), &s, *id, &input, today)?;
    }
    let open_cases = store.conn.query_int("SELECT COUNT(*) FROM wf_case WHERE status = 'open' AND campaign_id IS NULL", &[])?;
    let campaign_cases = store.conn.query_int("SELECT COUNT(*) FROM wf_case WHERE campaign_id = ?", &[P::Int(cid)])?;
    Ok(Some(format!("演示流程：识别、退出、监测、出列等办理中案件 {open_cases} 件（含公示中的公示和一条群众异议），{year} 年度动态调整 {campaign_cases} 户")))
}
