//! Helpers (帮扶人): the list with filters and caseload, the new-helper form, one helper with
//! their active and past pairings and the hand-over form (bulk re-assignment, history kept).

use super::{Cell, Field, Filter, FormPage, Opt, TablePage, date_of, form_response, nav, opts, page_of, pager, place_options, posted, store_error};
use crate::auth::{Principal, csrf};
use crate::error::{AppError, AppResult};
use crate::handlers::render;
use crate::state::AppState;
use crate::views::Nav;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_domain::Capability;
use bangfu_domain::pairing::{HelperKind, Rank};
use bangfu_store::pairing::{Helper, HelperFilter, NewHelper, Pairing, caseload, handover, helpers, pairings, units};
use std::collections::HashMap;

const PAGE_SIZE: i64 = 50;

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    pub unit: String,
    pub rank: String,
    pub status: String,
    pub name: String,
    pub page: i64,
}

/// Units in scope as options.
pub fn unit_options(c: &mut bangfu_store::Conn, scope: &bangfu_domain::RegionScope, selected: &str, empty: &str) -> AppResult<Vec<Opt>> {
    let list = units::list(c, scope, None).map_err(store_error)?;
    let mut v = vec![Opt { value: String::new(), label: empty.into(), selected: selected.is_empty() }];
    v.extend(list.into_iter().map(|u| Opt { selected: u.id.to_string() == selected, value: u.id.to_string(), label: match &u.parent_name { Some(p) => format!("{p} / {}", u.name), None => u.name } }));
    Ok(v)
}

pub async fn list(State(state): State<AppState>, p: Principal, Query(q): Query<ListQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let unit_id = q.unit.trim().parse::<i64>().ok();
    let rank = Rank::parse(q.rank.trim());
    let status = match q.status.trim() {
        "active" | "left" => Some(q.status.trim().to_string()),
        _ => None,
    };
    let page = page_of(q.page);
    let f = HelperFilter { unit_id, kind: None, status: status.clone(), name: Some(q.name.clone()).filter(|n| !n.trim().is_empty()) };
    let unit_sel = q.unit.clone();
    let (matching, total, loads, unit_opts) = state
        .db
        .run(move |c, _| {
            // the store filters by unit, status and name and pages; the rank is filtered here
            let (rows, total, skip) = match rank {
                None => {
                    let (rows, total) = helpers::list(c, &scope, &f, (page - 1) * PAGE_SIZE, PAGE_SIZE).map_err(store_error)?;
                    (rows, total, 0)
                }
                Some(r) => {
                    let (rows, _) = helpers::list(c, &scope, &f, 0, 1_000_000).map_err(store_error)?;
                    let rows: Vec<Helper> = rows.into_iter().filter(|h| h.rank == Some(r)).collect();
                    let n = rows.len() as i64;
                    (rows, n, (page - 1) * PAGE_SIZE)
                }
            };
            let rows: Vec<Helper> = rows.into_iter().skip(skip as usize).take(PAGE_SIZE as usize).collect();
            let mut loads: HashMap<i64, (i64, i64)> = HashMap::new();
            for h in rows.iter().filter(|h| h.is_active()) {
                loads.insert(h.id, caseload::of_helper(c, h.id).map_err(store_error)?);
            }
            Ok((rows, total, loads, unit_options(c, &scope, &unit_sel, "全部单位")?))
        })
        .await?;
    let mut t = TablePage::new(nav(&p, &state), "帮扶人", "helpers", vec!["姓名", "类别", "单位", "职务", "职级", "联系电话", "包户数 / 上限", "状态"]);
    t.rows = matching
        .iter()
        .map(|h| {
            let (n, limit) = loads.get(&h.id).copied().unwrap_or((0, 0));
            let load = if h.is_active() { format!("{n} / {limit}") } else { String::new() };
            vec![
                Cell::link(h.name.clone(), format!("/pairing/helpers/{}", h.id)),
                Cell::text(h.kind.label()),
                Cell::text(h.unit_name.clone().unwrap_or_default()),
                Cell::text(h.position.clone().unwrap_or_default()),
                Cell::text(h.rank.map(|r| r.label()).unwrap_or("")),
                Cell::text(h.phone.as_deref().map(bangfu_domain::value::mask).unwrap_or_default()),
                if h.is_active() && n > limit { Cell::badge(format!("{load} 超过上限"), "badge warn") } else { Cell::text(load) },
                if h.is_active() { Cell::text("在岗") } else { Cell::badge("已调离", "badge") },
            ]
        })
        .collect();
    t.total = total;
    t.filter_action = "/pairing/helpers".into();
    t.filters = vec![
        Filter { name: "unit", label: "单位", options: unit_opts },
        Filter { name: "rank", label: "职级", options: opts(Rank::ALL, Rank::code, Rank::label, rank, "全部职级") },
        Filter {
            name: "status",
            label: "状态",
            options: vec![
                Opt { value: String::new(), label: "全部".into(), selected: status.is_none() },
                Opt { value: "active".into(), label: "在岗".into(), selected: status.as_deref() == Some("active") },
                Opt { value: "left".into(), label: "已调离".into(), selected: status.as_deref() == Some("left") },
            ],
        },
    ];
    let base = format!("/pairing/helpers?unit={}&rank={}&status={}", q.unit.trim(), q.rank.trim(), q.status.trim());
    (t.prev, t.next) = pager(&base, page, PAGE_SIZE, total);
    t.actions = vec![("结对帮扶总览".into(), "/pairing".into()), ("超过包户数上限的".into(), "/pairing/caseload?over=1".into())];
    if p.can(Capability::ManagePairing) {
        t.actions.push(("添加帮扶人".into(), "/pairing/helpers/new".into()));
    }
    Ok(render(&t))
}

fn helper_fields(state: &AppState, p: &Principal, unit_opts: Vec<Opt>, posted: &HashMap<String, String>, errors: &HashMap<&'static str, String>) -> Vec<Field> {
    let names = state.names();
    vec![
        Field::text("name", "姓名").required().fill(posted, errors),
        Field::select("kind", "类别", opts(HelperKind::ALL, HelperKind::code, HelperKind::label, Some(HelperKind::Cadre), "")).fill(posted, errors),
        Field::select("unit_id", "单位", unit_opts).hint("没有的单位请先在“帮扶单位”中添加").fill(posted, errors),
        Field::text("position", "职务").fill(posted, errors),
        Field::select("rank", "职级", opts(Rank::ALL, Rank::code, Rank::label, None, "未填写")).hint("包户数上限按职级确定").fill(posted, errors),
        Field::text("phone", "联系电话").fill(posted, errors),
        Field::select("region_code", "所在地", place_options(&names, p, "")).hint("有单位时默认为单位所在地").fill(posted, errors),
    ]
}

fn helper_page(state: &AppState, p: &Principal, fields: Vec<Field>, problems: Vec<String>) -> FormPage {
    FormPage {
        nav: nav(p, state),
        title: "添加帮扶人".into(),
        intro: "帮扶人可以是干部、教师、驻村第一书记、工作队队员、志愿者或企业人员。".into(),
        facts: Vec::new(),
        switch: Vec::new(),
        action: "/pairing/helpers".into(),
        form_id: "helper-form",
        fields,
        problems,
        submit: "保存".into(),
        back: "/pairing/helpers".into(),
    }
}

pub async fn new_form(State(state): State<AppState>, p: Principal) -> AppResult<Response> {
    p.require(Capability::ManagePairing)?;
    let scope = p.scope();
    let unit_opts = state.db.run(move |c, _| unit_options(c, &scope, "", "无（个人）")).await?;
    let fields = helper_fields(&state, &p, unit_opts, &HashMap::new(), &HashMap::new());
    Ok(form_response(helper_page(&state, &p, fields, Vec::new())))
}

/// Checks a posted helper; the field errors or the helper to create.
pub fn parse_helper(posted: &HashMap<String, String>) -> Result<NewHelper, HashMap<&'static str, String>> {
    let get = |k: &str| posted.get(k).cloned().unwrap_or_default();
    let mut errors = HashMap::new();
    if get("name").is_empty() {
        errors.insert("name", "请填写帮扶人姓名".to_string());
    }
    let kind = match get("kind").as_str() {
        "" => HelperKind::Cadre,
        k => HelperKind::parse(k).unwrap_or_else(|| {
            errors.insert("kind", format!("“{k}”不是可识别的帮扶人类别"));
            HelperKind::Cadre
        }),
    };
    let unit_id = match get("unit_id").as_str() {
        "" => None,
        u => match u.parse::<i64>() {
            Ok(v) => Some(v),
            Err(_) => {
                errors.insert("unit_id", "请选择单位".into());
                None
            }
        },
    };
    let rank = match get("rank").as_str() {
        "" => None,
        r => match Rank::parse(r) {
            Some(r) => Some(r),
            None => {
                errors.insert("rank", format!("“{r}”不是可识别的职级"));
                None
            }
        },
    };
    let phone = get("phone");
    let phone_ok = phone.chars().filter(|c| c.is_ascii_digit()).count() >= 7 && phone.chars().all(|c| c.is_ascii_digit() || c == '-' || c == ' ');
    if !phone.is_empty() && !phone_ok {
        errors.insert("phone", format!("联系电话“{phone}”不是有效的号码：请填写手机号或带区号的座机号"));
    }
    let region = get("region_code");
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(NewHelper {
        name: get("name"),
        kind,
        unit_id,
        rank,
        position: Some(get("position")).filter(|s| !s.is_empty()),
        phone: Some(phone).filter(|s| !s.is_empty()),
        id_number: None,
        user_id: None,
        // with a unit and the scope itself picked, the helper sits where the unit sits
        region_code: Some(region).filter(|r| !r.is_empty()),
    })
}

pub async fn create(State(state): State<AppState>, p: Principal, Form(pairs): Form<Vec<(String, String)>>) -> AppResult<Response> {
    p.require(Capability::ManagePairing)?;
    let posted = posted(&pairs);
    csrf::check(&p, posted.get("_csrf").map(String::as_str).unwrap_or_default())?;
    let mut problems = Vec::new();
    let errors = match parse_helper(&posted) {
        Ok(mut h) => {
            let own = format!("{:0<12}", p.scope().prefix());
            if h.unit_id.is_some() && h.region_code.as_deref() == Some(own.as_str()) {
                h.region_code = None;
            }
            let (scope, actor) = (p.scope(), p.actor());
            match state.db.run(move |c, _| Ok(helpers::create(c, &actor, &scope, &h))).await? {
                Ok(id) => return Ok(Redirect::to(&format!("/pairing/helpers/{id}")).into_response()),
                Err(bangfu_store::StoreError::Invalid(m)) => {
                    problems.push(m);
                    HashMap::new()
                }
                Err(e) => return Err(store_error(e)),
            }
        }
        Err(e) => e,
    };
    let (scope, sel) = (p.scope(), posted.get("unit_id").cloned().unwrap_or_default());
    let unit_opts = state.db.run(move |c, _| unit_options(c, &scope, &sel, "无（个人）")).await?;
    let fields = helper_fields(&state, &p, unit_opts, &posted, &errors);
    Ok(form_response(helper_page(&state, &p, fields, problems)))
}

/// A pairing as the helper page lists it.
pub struct PairingRow {
    pub id: i64,
    pub kind: &'static str,
    pub beneficiary: String,
    pub href: String,
    pub place: String,
    pub started: String,
    pub ended: String,
    pub reason: String,
    pub replaced_by: String,
}

impl PairingRow {
    pub fn new(x: &Pairing, names: &crate::regions::RegionNames) -> PairingRow {
        let href = match x.beneficiary {
            bangfu_store::pairing::Party::Household(id) => format!("/households/{id}"),
            _ => format!("/pairing/pairings/{}", x.id),
        };
        PairingRow {
            id: x.id,
            kind: x.kind.label(),
            beneficiary: match &x.household_no {
                Some(no) => format!("{}（{no}）", x.beneficiary_name.clone().unwrap_or_default()),
                None => x.beneficiary_name.clone().unwrap_or_default(),
            },
            href,
            place: names.path(&x.region_code),
            started: x.started_on.to_string(),
            ended: x.ended_on.map(|d| d.to_string()).unwrap_or_default(),
            reason: x.end_reason.clone().unwrap_or_default(),
            replaced_by: x.replaced_by.map(|r| r.to_string()).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "pairing_helper.html")]
struct HelperPage {
    nav: Nav,
    h: Helper,
    phone: String,
    households: i64,
    limit: i64,
    active: Vec<PairingRow>,
    past: Vec<PairingRow>,
    can_manage: bool,
    successors: Vec<Opt>,
    handover: HashMap<String, String>,
    errors: HashMap<&'static str, String>,
    problem: String,
    done: String,
}

impl HelperPage {
    fn value(&self, k: &str) -> String {
        self.handover.get(k).cloned().unwrap_or_default()
    }
    fn error(&self, k: &str) -> String {
        self.errors.get(k).cloned().unwrap_or_default()
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ShowQuery {
    pub moved: String,
}

async fn helper_page_for(state: &AppState, p: &Principal, id: i64, handover: HashMap<String, String>, errors: HashMap<&'static str, String>, problem: String, done: String) -> AppResult<Response> {
    let scope = p.scope();
    let (h, rows, load, others) = state
        .db
        .run(move |c, _| {
            let h = helpers::get(c, &super::helper_scope(&scope), id).map_err(store_error)?.ok_or(AppError::NotFound)?;
            let rows = pairings::of_helper(c, &scope, id, false).map_err(store_error)?;
            let load = caseload::of_helper(c, id).map_err(store_error)?;
            let (others, _) = helpers::list(c, &super::helper_scope(&scope), &HelperFilter { status: Some("active".into()), ..HelperFilter::default() }, 0, 5000).map_err(store_error)?;
            Ok((h, rows, load, others))
        })
        .await?;
    let names = state.names();
    let sel = handover.get("to_helper").cloned().unwrap_or_default();
    let mut successors = vec![Opt { value: String::new(), label: "请选择接手的帮扶人".into(), selected: sel.is_empty() }];
    successors.extend(others.into_iter().filter(|o| o.id != id).map(|o| Opt {
        selected: o.id.to_string() == sel,
        value: o.id.to_string(),
        label: format!("{}{}", o.name, o.unit_name.map(|u| format!("（{u}）")).unwrap_or_default()),
    }));
    let (active, past): (Vec<_>, Vec<_>) = rows.iter().partition(|x| x.status == bangfu_domain::pairing::PairingStatus::Active);
    let bad = !errors.is_empty() || !problem.is_empty();
    let page = HelperPage {
        nav: nav(p, state),
        phone: h.phone.as_deref().map(bangfu_domain::value::mask).unwrap_or_default(),
        h,
        households: load.0,
        limit: load.1,
        active: active.into_iter().map(|x| PairingRow::new(x, &names)).collect(),
        past: past.into_iter().map(|x| PairingRow::new(x, &names)).collect(),
        can_manage: p.can(Capability::ManagePairing),
        successors,
        handover,
        errors,
        problem,
        done,
    };
    let mut r = render(&page);
    if bad && r.status() == axum::http::StatusCode::OK {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

pub async fn show(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Query(q): Query<ShowQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let done = match q.moved.trim() {
        "" => String::new(),
        n => format!("交接完成：{n} 户已转给接手的帮扶人，原结对保留为历史。"),
    };
    helper_page_for(&state, &p, id, HashMap::new(), HashMap::new(), String::new(), done).await
}

pub async fn handover(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Form(pairs): Form<Vec<(String, String)>>) -> AppResult<Response> {
    p.require(Capability::ManagePairing)?;
    let posted = posted(&pairs);
    csrf::check(&p, posted.get("_csrf").map(String::as_str).unwrap_or_default())?;
    let get = |k: &str| posted.get(k).cloned().unwrap_or_default();
    let mut errors: HashMap<&'static str, String> = HashMap::new();
    let to = get("to_helper").parse::<i64>().ok();
    if to.is_none() {
        errors.insert("to_helper", "请选择接手的帮扶人".into());
    }
    let on = date_of(&get("on_date"), "交接日期").map_err(|e| errors.insert("on_date", e)).ok();
    let reason = get("reason");
    if reason.is_empty() {
        errors.insert("reason", "请填写交接原因（如 调离、退休）".into());
    }
    let left = matches!(get("mark_left").as_str(), "1" | "on" | "true");
    let mut problem = String::new();
    if let (true, Some(to), Some(on)) = (errors.is_empty(), to, on) {
        let (scope, actor) = (p.scope(), p.actor());
        let result = state
            .db
            .run(move |c, _| {
                if helpers::get(c, &super::helper_scope(&scope), id).map_err(store_error)?.is_none() {
                    return Err(AppError::NotFound);
                }
                if helpers::get(c, &super::helper_scope(&scope), to).map_err(store_error)?.is_none() {
                    return Ok(Err("接手的帮扶人不在您的管辖范围内".to_string()));
                }
                match handover::hand_over(c, &actor, &scope, id, to, on, &reason) {
                    Ok(r) => {
                        // only the helper's own jurisdiction may record them as left
                        if left && helpers::get(c, &scope, id).map_err(store_error)?.is_some() {
                            helpers::mark_left(c, &actor, &scope, id, on).map_err(store_error)?;
                        }
                        Ok(Ok(r))
                    }
                    Err(bangfu_store::StoreError::Invalid(m)) => Ok(Err(m)),
                    Err(e) => Err(store_error(e)),
                }
            })
            .await?;
        match result {
            Ok(r) => return Ok(Redirect::to(&format!("/pairing/helpers/{id}?moved={}", r.ended)).into_response()),
            Err(m) => problem = m,
        }
    }
    helper_page_for(&state, &p, id, posted, errors, problem, String::new()).await
}
