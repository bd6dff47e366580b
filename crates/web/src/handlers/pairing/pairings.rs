//! Pairings of every kind: the list with filters (kind, region, status), the new-pairing form whose
//! fields follow the kind's two sides ([`PairingKind::sides`]) with the plan (goal, measures), one
//! pairing with the form that ends it.

use super::{Cell, Field, Filter, FormPage, Opt, TablePage, date_of, form_response, nav, opts, page_of, pager, posted, store_error, village_options};
use super::helpers::unit_options;
use crate::auth::{Principal, csrf};
use crate::error::{AppError, AppResult};
use crate::handlers::render;
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_domain::pairing::{PairingKind, PairingStatus, PartyKind, UnitKind};
use bangfu_domain::{Capability, RegionCode, RegionScope};
use bangfu_store::pairing::{HelperFilter, NewPairing, Pairing, PairingFilter, Party, helpers, pairings, teams, units};
use bangfu_store::{Conn, P, StoreError};
use std::collections::HashMap;

const PAGE_SIZE: i64 = 50;

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    pub kind: String,
    pub region: String,
    pub status: String,
    pub page: i64,
}

/// The name of one side of a pairing, with a link where there is a page for it.
fn side(x: &Pairing, helper: bool) -> Cell {
    let (party, name) = if helper { (&x.helper, x.helper_name.clone()) } else { (&x.beneficiary, x.beneficiary_name.clone()) };
    let name = name.unwrap_or_default();
    match party {
        Party::Helper(id) => Cell::link(name, format!("/pairing/helpers/{id}")),
        Party::Household(id) => Cell::link(format!("{name}（{}）", x.household_no.clone().unwrap_or_default()), format!("/households/{id}")),
        _ => Cell::text(name),
    }
}

pub async fn list(State(state): State<AppState>, p: Principal, Query(q): Query<ListQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let kind = PairingKind::parse(q.kind.trim());
    let status = match q.status.trim() {
        "" => Some(PairingStatus::Active),
        "all" => None,
        s => PairingStatus::parse(s),
    };
    let region = crate::handlers::quality::region_param(&q.region, scope.prefix())?;
    let page = page_of(q.page);
    let f = PairingFilter { kind, status, region: region.as_deref().and_then(|r| RegionCode::parse(r).ok()), ..PairingFilter::default() };
    let (rows, total) = state.db.run(move |c, _| pairings::list(c, &scope, &f, (page - 1) * PAGE_SIZE, PAGE_SIZE).map_err(store_error)).await?;
    let names = state.names();
    let mut t = TablePage::new(nav(&p, &state), "结对", "pairings", vec!["类型", "帮扶方", "受帮扶方", "所在地", "开始日期", "结束日期", "状态", ""]);
    t.rows = rows
        .iter()
        .map(|x| {
            vec![
                Cell::text(x.kind.label()),
                side(x, true),
                side(x, false),
                Cell::text(names.path(&x.region_code)),
                Cell::text(x.started_on.to_string()),
                Cell::text(x.ended_on.map(|d| d.to_string()).unwrap_or_default()),
                if x.status == PairingStatus::Active { Cell::badge(x.status.label(), "badge ok") } else { Cell::badge(x.status.label(), "badge") },
                Cell::link("详情", format!("/pairing/pairings/{}", x.id)),
            ]
        })
        .collect();
    t.total = total;
    t.filter_action = "/pairing/pairings".into();
    let mut statuses = vec![Opt { value: "all".into(), label: "全部状态".into(), selected: status.is_none() }];
    statuses.extend(PairingStatus::ALL.iter().map(|s| Opt { value: s.code().into(), label: s.label().into(), selected: Some(*s) == status }));
    t.filters = vec![
        Filter { name: "kind", label: "类型", options: opts(PairingKind::ALL, PairingKind::code, PairingKind::label, kind, "全部类型") },
        Filter { name: "region", label: "区划", options: { let mut v = vec![Opt { value: String::new(), label: "全部".into(), selected: region.is_none() }]; v.extend(crate::handlers::quality::region_options(&names, p.scope().prefix(), region.as_deref().unwrap_or(""))); v } },
        Filter { name: "status", label: "状态", options: statuses },
    ];
    let base = format!("/pairing/pairings?kind={}&region={}&status={}", q.kind.trim(), q.region.trim(), q.status.trim());
    (t.prev, t.next) = pager(&base, page, PAGE_SIZE, total);
    t.actions = vec![("结对帮扶总览".into(), "/pairing".into())];
    if p.can(Capability::ManagePairing) {
        t.actions.push(("新建结对".into(), "/pairing/pairings/new".into()));
    }
    Ok(render(&t))
}

/// What each side's field is called and how it is chosen.
fn side_label(k: PartyKind, helper: bool) -> String {
    let what = match k {
        PartyKind::Helper => "帮扶人",
        PartyKind::Unit => "单位",
        PartyKind::Team => "驻村工作队",
        PartyKind::Household => "户编号",
        PartyKind::Student => "学生（成员编号）",
        PartyKind::Village => "村",
        PartyKind::School => "学校",
        PartyKind::County => "县（区划代码）",
        PartyKind::City => "市（区划代码）",
    };
    format!("{}：{what}", if helper { "帮扶方" } else { "受帮扶方" })
}

/// The options of a side chosen from a list (None: typed in).
fn side_options(c: &mut Conn, scope: &RegionScope, names: &crate::regions::RegionNames, p: &Principal, k: PartyKind, selected: &str) -> AppResult<Option<Vec<Opt>>> {
    let empty = || Opt { value: String::new(), label: "请选择".into(), selected: selected.is_empty() };
    Ok(match k {
        PartyKind::Helper => {
            let (hs, _) = helpers::list(c, &super::helper_scope(scope), &HelperFilter { status: Some("active".into()), ..HelperFilter::default() }, 0, 5000).map_err(store_error)?;
            let mut v = vec![empty()];
            v.extend(hs.into_iter().map(|h| Opt { selected: h.id.to_string() == selected, value: h.id.to_string(), label: format!("{}（{}{}）", h.name, h.kind.label(), h.unit_name.map(|u| format!("，{u}")).unwrap_or_default()) }));
            Some(v)
        }
        PartyKind::Unit => Some(unit_options(c, &super::helper_scope(scope), selected, "请选择")?),
        PartyKind::School => {
            let list = units::list(c, &super::helper_scope(scope), Some(UnitKind::School)).map_err(store_error)?;
            let mut v = vec![empty()];
            v.extend(list.into_iter().map(|u| Opt { selected: u.id.to_string() == selected, value: u.id.to_string(), label: u.name }));
            Some(v)
        }
        PartyKind::Team => {
            let list = teams::list(c, scope, true).map_err(store_error)?;
            let mut v = vec![empty()];
            v.extend(list.into_iter().map(|t| Opt { selected: t.id.to_string() == selected, value: t.id.to_string(), label: format!("{}（{}）", t.name, t.village_name.unwrap_or_default()) }));
            Some(v)
        }
        PartyKind::Village => Some(village_options(names, p, selected)),
        PartyKind::Household | PartyKind::Student | PartyKind::County | PartyKind::City => None,
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    pub kind: String,
    pub household_no: String,
    pub village: String,
    pub student: String,
    pub beneficiary_school: String,
    pub helper: String,
}

async fn pairing_form(state: &AppState, p: &Principal, kind: PairingKind, posted: HashMap<String, String>, errors: HashMap<&'static str, String>, problems: Vec<String>) -> AppResult<Response> {
    let (hk, bk) = kind.sides();
    let scope = p.scope();
    let names = state.names();
    let (hsel, bsel) = (posted.get("helper").cloned().unwrap_or_default(), posted.get("beneficiary").cloned().unwrap_or_default());
    let pp = p.clone();
    let n2 = names.clone();
    let (ho, bo) = state.db.run(move |c, _| Ok((side_options(c, &scope, &n2, &pp, hk, &hsel)?, side_options(c, &scope, &n2, &pp, bk, &bsel)?))).await?;
    let side_field = |name: &'static str, k: PartyKind, helper: bool, o: Option<Vec<Opt>>| {
        let f = match o {
            Some(o) => Field::select(name, side_label(k, helper), o),
            None => Field::text(name, side_label(k, helper)),
        };
        let f = match k {
            PartyKind::Household => f.hint("16 位户编号；未落实帮扶责任人的户可在“未落实名单”中直接点“指定帮扶人”"),
            PartyKind::Student => f.hint("在“未结对教师的学生”名单中点“指定教师”会自动填好"),
            PartyKind::County | PartyKind::City => f.hint("6 位或 12 位行政区划代码"),
            _ => f,
        };
        f.required().fill(&posted, &errors)
    };
    let kind_only = vec![Opt { value: kind.code().into(), label: kind.label().into(), selected: true }];
    let fields = vec![
        Field::select("kind", "结对类型", kind_only),
        side_field("helper", hk, true, ho),
        side_field("beneficiary", bk, false, bo),
        Field::date("started_on", "开始日期").hint("留空为今天").fill(&posted, &errors),
        Field::area("plan_goal", "帮扶目标").fill(&posted, &errors),
        Field::area("plan_measures", "帮扶措施").fill(&posted, &errors),
    ];
    Ok(form_response(FormPage {
        nav: nav(p, state),
        title: format!("新建结对：{}", kind.label()),
        intro: format!("由{}帮扶{}。一户只能有一名帮扶责任人；人员变动请在帮扶人页面办理交接。", hk.label(), bk.label()),
        facts: Vec::new(),
        switch: opts(PairingKind::ALL, PairingKind::code, PairingKind::label, Some(kind), ""),
        action: "/pairing/pairings".into(),
        form_id: "pairing-form",
        fields,
        problems,
        submit: "保存结对".into(),
        back: "/pairing/pairings".into(),
    }))
}

pub async fn new_form(State(state): State<AppState>, p: Principal, Query(q): Query<NewQuery>) -> AppResult<Response> {
    p.require(Capability::ManagePairing)?;
    let kind = PairingKind::parse(q.kind.trim()).unwrap_or(PairingKind::HelperHousehold);
    let mut posted = HashMap::new();
    let b = [&q.household_no, &q.village, &q.student, &q.beneficiary_school].into_iter().find(|v| !v.trim().is_empty()).cloned().unwrap_or_default();
    posted.insert("beneficiary".to_string(), b.trim().to_string());
    posted.insert("helper".to_string(), q.helper.trim().to_string());
    pairing_form(&state, &p, kind, posted, HashMap::new(), Vec::new()).await
}

/// One side as posted: an id, a village or region code, or a household number (looked up in scope).
fn party_of(c: &mut Conn, scope: &RegionScope, k: PartyKind, value: &str) -> Result<Party, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(match k {
            PartyKind::Household => "请填写户编号".into(),
            _ => format!("请选择或填写{}", k.label()),
        });
    }
    match k {
        PartyKind::Household => {
            let pattern = scope.like_pattern();
            let row = c.query_opt("SELECT id FROM household WHERE household_no = ? AND region_code LIKE ? AND status = 'active'", &[P::Text(v), P::Text(&pattern)]).map_err(|e| e.to_string())?;
            row.and_then(|r| r[0].int()).map(Party::Household).ok_or_else(|| format!("户编号“{v}”不存在，或该户不在您的管辖范围内"))
        }
        PartyKind::Village | PartyKind::County | PartyKind::City => Party::from_parts(k, None, Some(v)).ok_or_else(|| format!("“{v}”不是有效的区划代码")),
        _ => {
            let id = v.parse::<i64>().map_err(|_| format!("“{v}”不是有效的{}编号", k.label()))?;
            Party::from_parts(k, Some(id), None).ok_or_else(|| format!("“{v}”不是有效的{}编号", k.label()))
        }
    }
}

/// Why a pairing was not created: field errors (field → message) and refusals of the store.
pub type Refusal = (HashMap<&'static str, String>, Vec<String>);

/// Creates a pairing from posted fields; the field errors and refusals, or the pairing and an
/// over-caseload warning. Shared by the form and the API.
pub fn create_from(c: &mut Conn, p: &Principal, posted: &HashMap<String, String>) -> AppResult<Result<bangfu_store::pairing::PairingCreated, Refusal>> {
    let scope = p.scope();
    let get = |k: &str| posted.get(k).cloned().unwrap_or_default();
    let mut errors: HashMap<&'static str, String> = HashMap::new();
    let Some(kind) = PairingKind::parse(&get("kind")) else {
        errors.insert("kind", "请选择结对类型".into());
        return Ok(Err((errors, Vec::new())));
    };
    let (hk, bk) = kind.sides();
    let helper = party_of(c, &scope, hk, &get("helper")).map_err(|e| errors.insert("helper", e)).ok();
    let beneficiary = party_of(c, &scope, bk, &get("beneficiary")).map_err(|e| errors.insert("beneficiary", e)).ok();
    let started = if get("started_on").is_empty() { Ok(chrono::Local::now().date_naive()) } else { date_of(&get("started_on"), "开始日期") };
    let started = started.map_err(|e| errors.insert("started_on", e)).ok();
    let (Some(helper), Some(beneficiary), Some(started_on), true) = (helper, beneficiary, started, errors.is_empty()) else {
        return Ok(Err((errors, Vec::new())));
    };
    let n = NewPairing { kind, helper, beneficiary, started_on, plan_goal: Some(get("plan_goal")).filter(|s| !s.is_empty()), plan_measures: Some(get("plan_measures")).filter(|s| !s.is_empty()) };
    match pairings::create(c, &p.actor(), &scope, &n) {
        Ok(r) => Ok(Ok(r)),
        Err(StoreError::Invalid(m)) => Ok(Err((errors, vec![m]))),
        Err(e) => Err(store_error(e)),
    }
}

pub async fn create(State(state): State<AppState>, p: Principal, Form(pairs): Form<Vec<(String, String)>>) -> AppResult<Response> {
    p.require(Capability::ManagePairing)?;
    let posted = posted(&pairs);
    csrf::check(&p, posted.get("_csrf").map(String::as_str).unwrap_or_default())?;
    let (pp, p2) = (p.clone(), posted.clone());
    let r = state.db.run(move |c, _| create_from(c, &pp, &p2)).await?;
    match r {
        Ok(created) => {
            let warn = created.over_caseload.map(|(n, l)| format!("?over={n}-{l}")).unwrap_or_default();
            Ok(Redirect::to(&format!("/pairing/pairings/{}{warn}", created.id)).into_response())
        }
        Err((errors, problems)) => {
            let kind = PairingKind::parse(posted.get("kind").map(String::as_str).unwrap_or_default()).unwrap_or(PairingKind::HelperHousehold);
            pairing_form(&state, &p, kind, posted, errors, problems).await
        }
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ShowQuery {
    pub over: String,
}

async fn show_page(state: &AppState, p: &Principal, id: i64, posted: HashMap<String, String>, errors: HashMap<&'static str, String>, mut problems: Vec<String>, note: String) -> AppResult<Response> {
    let scope = p.scope();
    let x = state.db.run(move |c, _| pairings::get(c, &scope, id).map_err(store_error)?.ok_or(AppError::NotFound)).await?;
    let names = state.names();
    let mut facts = vec![
        ("结对类型".to_string(), x.kind.label().to_string()),
        ("帮扶方".into(), format!("{}{}", x.helper_name.clone().unwrap_or_default(), x.helper_unit.as_ref().map(|u| format!("（{u}）")).unwrap_or_default())),
        ("受帮扶方".into(), format!("{}{}", x.beneficiary_name.clone().unwrap_or_default(), x.household_no.as_ref().map(|n| format!("（户编号 {n}）")).unwrap_or_default())),
        ("所在地".into(), names.path(&x.region_code)),
        ("开始日期".into(), x.started_on.to_string()),
        ("状态".into(), x.status.label().to_string()),
        ("帮扶目标".into(), x.plan_goal.clone().unwrap_or_default()),
        ("帮扶措施".into(), x.plan_measures.clone().unwrap_or_default()),
    ];
    if let Some(d) = x.ended_on {
        facts.push(("结束日期".into(), d.to_string()));
        facts.push(("结束原因".into(), x.end_reason.clone().unwrap_or_default()));
    }
    if let Some(r) = x.replaced_by {
        facts.push(("接续结对".into(), format!("#{r}")));
    }
    if !note.is_empty() {
        problems.insert(0, note);
    }
    let active = x.status == PairingStatus::Active && p.can(Capability::ManagePairing);
    let fields = if active { vec![Field::date("ended_on", "结束日期").fill(&posted, &errors), Field::text("reason", "结束原因").fill(&posted, &errors)] } else { Vec::new() };
    let page = FormPage {
        nav: nav(p, state),
        title: format!("结对 #{}：{}", x.id, x.kind.label()),
        intro: String::new(),
        facts,
        switch: Vec::new(),
        action: if active { format!("/pairing/pairings/{id}/end") } else { String::new() },
        form_id: "end-form",
        fields,
        problems,
        submit: "结束结对".into(),
        back: "/pairing/pairings".into(),
    };
    let bad = !errors.is_empty();
    let mut r = render(&page);
    if bad && r.status() == axum::http::StatusCode::OK {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

pub async fn show(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Query(q): Query<ShowQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let note = match q.over.split_once('-') {
        Some((n, l)) if n.parse::<i64>().is_ok() && l.parse::<i64>().is_ok() => format!("已保存。提醒：该帮扶人现包 {n} 户，超过上限 {l} 户。"),
        _ => String::new(),
    };
    let mut r = show_page(&state, &p, id, HashMap::new(), HashMap::new(), Vec::new(), note).await?;
    // a saved pairing with a warning is still a success
    *r.status_mut() = axum::http::StatusCode::OK;
    Ok(r)
}

pub async fn end(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Form(pairs): Form<Vec<(String, String)>>) -> AppResult<Response> {
    p.require(Capability::ManagePairing)?;
    let posted = posted(&pairs);
    csrf::check(&p, posted.get("_csrf").map(String::as_str).unwrap_or_default())?;
    let get = |k: &str| posted.get(k).cloned().unwrap_or_default();
    let mut errors: HashMap<&'static str, String> = HashMap::new();
    let on = if get("ended_on").is_empty() { Ok(chrono::Local::now().date_naive()) } else { date_of(&get("ended_on"), "结束日期") };
    let on = on.map_err(|e| errors.insert("ended_on", e)).ok();
    let reason = get("reason");
    if reason.is_empty() {
        errors.insert("reason", "请填写结束原因".into());
    }
    if let (true, Some(on)) = (errors.is_empty(), on) {
        let (scope, actor) = (p.scope(), p.actor());
        match state.db.run(move |c, _| Ok(pairings::end(c, &actor, &scope, id, on, &reason))).await? {
            Ok(()) => return Ok(Redirect::to(&format!("/pairing/pairings/{id}")).into_response()),
            Err(StoreError::Invalid(m)) => {
                errors.insert("ended_on", m);
            }
            Err(e) => return Err(store_error(e)),
        }
    }
    show_page(&state, &p, id, posted, errors, Vec::new(), String::new()).await
}
