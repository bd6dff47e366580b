//! Assistance units (帮扶单位) with their sub-units, and village work teams (驻村工作队) with their
//! first secretary and members: lists and new-forms.

use super::{Cell, Field, FormPage, Opt, TablePage, date_of, form_response, nav, opts, place_options, posted, store_error, village_options};
use super::helpers::unit_options;
use crate::auth::{Principal, csrf};
use crate::error::AppResult;
use crate::handlers::render;
use crate::state::AppState;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_domain::Capability;
use bangfu_domain::pairing::{TeamRole, UnitKind};
use bangfu_store::StoreError;
use bangfu_store::pairing::{HelperFilter, NewTeam, NewUnit, helpers, teams, units};
use std::collections::HashMap;

pub async fn list(State(state): State<AppState>, p: Principal) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let rows = state.db.run(move |c, _| units::list(c, &scope, None).map_err(store_error)).await?;
    let names = state.names();
    // top-level units, each followed by its sub-units
    let mut ordered = Vec::new();
    for u in rows.iter().filter(|u| u.parent_id.is_none() || !rows.iter().any(|x| Some(x.id) == u.parent_id)) {
        ordered.push((u, false));
        for s in rows.iter().filter(|s| s.parent_id == Some(u.id)) {
            ordered.push((s, true));
        }
    }
    let mut t = TablePage::new(nav(&p, &state), "帮扶单位", "units", vec!["单位", "类型", "上级单位", "所在地", "联系人", "状态"]);
    t.total = rows.len() as i64;
    t.rows = ordered
        .into_iter()
        .map(|(u, sub)| {
            vec![
                Cell::link(if sub { format!("　└ {}", u.name) } else { u.name.clone() }, format!("/pairing/helpers?unit={}", u.id)),
                Cell::text(u.kind.label()),
                Cell::text(u.parent_name.clone().unwrap_or_default()),
                Cell::text(names.path(&u.region_code)),
                Cell::text(u.contact.clone().unwrap_or_default()),
                Cell::text(if u.status == "active" { "在用" } else { "已撤销" }),
            ]
        })
        .collect();
    t.actions = vec![("结对帮扶总览".into(), "/pairing".into())];
    if p.can(Capability::ManagePairing) {
        t.actions.push(("添加单位".into(), "/pairing/units/new".into()));
    }
    Ok(render(&t))
}

fn unit_fields(state: &AppState, p: &Principal, parents: Vec<Opt>, posted: &HashMap<String, String>, errors: &HashMap<&'static str, String>) -> Vec<Field> {
    let names = state.names();
    vec![
        Field::text("name", "单位名称").required().fill(posted, errors),
        Field::select("kind", "单位类型", opts(UnitKind::ALL, UnitKind::code, UnitKind::label, Some(UnitKind::Government), "")).fill(posted, errors),
        Field::select("parent_id", "上级单位", parents).hint("处室、科室等内设机构选所属单位").fill(posted, errors),
        Field::select("region_code", "所在地", place_options(&names, p, "")).fill(posted, errors),
        Field::text("contact", "联系人").fill(posted, errors),
        Field::text("phone", "联系电话").fill(posted, errors),
    ]
}

fn unit_page(state: &AppState, p: &Principal, fields: Vec<Field>, problems: Vec<String>) -> FormPage {
    FormPage {
        nav: nav(p, state),
        title: "添加帮扶单位".into(),
        intro: "党政机关、事业单位、学校、高校、企业、医院等；内设的处室（科室）作为下级单位添加。".into(),
        facts: Vec::new(),
        switch: Vec::new(),
        action: "/pairing/units".into(),
        form_id: "unit-form",
        fields,
        problems,
        submit: "保存".into(),
        back: "/pairing/units".into(),
    }
}

pub async fn new_form(State(state): State<AppState>, p: Principal) -> AppResult<Response> {
    p.require(Capability::ManagePairing)?;
    let scope = p.scope();
    let parents = state.db.run(move |c, _| unit_options(c, &scope, "", "无（独立单位）")).await?;
    let fields = unit_fields(&state, &p, parents, &HashMap::new(), &HashMap::new());
    Ok(form_response(unit_page(&state, &p, fields, Vec::new())))
}

pub async fn create(State(state): State<AppState>, p: Principal, Form(pairs): Form<Vec<(String, String)>>) -> AppResult<Response> {
    p.require(Capability::ManagePairing)?;
    let posted = posted(&pairs);
    csrf::check(&p, posted.get("_csrf").map(String::as_str).unwrap_or_default())?;
    let get = |k: &str| posted.get(k).cloned().unwrap_or_default();
    let mut errors: HashMap<&'static str, String> = HashMap::new();
    if get("name").is_empty() {
        errors.insert("name", "请填写单位名称".into());
    }
    let kind = match get("kind").as_str() {
        "" => Some(UnitKind::Government),
        k => UnitKind::parse(k),
    };
    if kind.is_none() {
        errors.insert("kind", format!("“{}”不是可识别的单位类型", get("kind")));
    }
    let parent_id = get("parent_id").parse::<i64>().ok();
    let region = match get("region_code").as_str() {
        "" => format!("{:0<12}", p.scope().prefix()),
        r => r.to_string(),
    };
    if bangfu_domain::RegionCode::parse(&region).map(|c| !p.scope().contains(&c)).unwrap_or(true) {
        errors.insert("region_code", format!("所在地“{region}”不是您管辖范围内的区划"));
    }
    let phone = get("phone");
    let mut problems = Vec::new();
    if let (true, Some(kind)) = (errors.is_empty(), kind) {
        let u = NewUnit { name: get("name"), kind, parent_id, region_code: region, contact: Some(get("contact")).filter(|s| !s.is_empty()), phone: Some(phone).filter(|s| !s.is_empty()) };
        let (scope, actor) = (p.scope(), p.actor());
        match state.db.run(move |c, _| Ok(units::create(c, &actor, &scope, &u))).await? {
            Ok(_) => return Ok(Redirect::to("/pairing/units").into_response()),
            Err(StoreError::Invalid(m)) => problems.push(m),
            Err(e) => return Err(store_error(e)),
        }
    }
    let (scope, sel) = (p.scope(), get("parent_id"));
    let parents = state.db.run(move |c, _| unit_options(c, &scope, &sel, "无（独立单位）")).await?;
    let fields = unit_fields(&state, &p, parents, &posted, &errors);
    Ok(form_response(unit_page(&state, &p, fields, problems)))
}

pub async fn teams(State(state): State<AppState>, p: Principal) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let rows = state
        .db
        .run(move |c, _| {
            let list = teams::list(c, &scope, false).map_err(store_error)?;
            let mut out = Vec::new();
            for t in list {
                let m = teams::members(c, t.id).map_err(store_error)?;
                out.push((t, m));
            }
            Ok(out)
        })
        .await?;
    let names = state.names();
    let mut t = TablePage::new(nav(&p, &state), "驻村工作队", "teams", vec!["工作队", "派出单位", "所驻村", "第一书记（队长）", "在岗队员", "进驻日期", "状态"]);
    t.total = rows.len() as i64;
    t.rows = rows
        .into_iter()
        .map(|(team, members)| {
            let current: Vec<String> = members.iter().filter(|m| m.ended_on.is_none() && m.role != TeamRole::FirstSecretary).map(|m| m.name.clone()).collect();
            vec![
                Cell::link(team.name.clone(), format!("/pairing/teams/{}", team.id)),
                Cell::text(team.unit_name.clone().unwrap_or_default()),
                Cell::text(names.path(&team.village_code)),
                match (team.secretary_id, &team.secretary_name) {
                    (Some(id), Some(n)) => Cell::link(n.clone(), format!("/pairing/helpers/{id}")),
                    _ => Cell::badge("未配备", "badge warn"),
                },
                Cell::text(current.join("、")),
                Cell::text(team.started_on.to_string()),
                Cell::text(if team.status == "active" { "在驻" } else { "已撤回" }),
            ]
        })
        .collect();
    t.actions = vec![("结对帮扶总览".into(), "/pairing".into())];
    if p.can(Capability::ManagePairing) {
        t.actions.push(("新建工作队".into(), "/pairing/teams/new".into()));
    }
    Ok(render(&t))
}

async fn team_options(state: &AppState, p: &Principal, unit: String, members: Vec<String>, secretary: String) -> AppResult<(Vec<Opt>, Vec<Opt>, Vec<Opt>)> {
    let scope = p.scope();
    state
        .db
        .run(move |c, _| {
            let wide = super::helper_scope(&scope);
            let units = unit_options(c, &wide, &unit, "无")?;
            let (hs, _) = helpers::list(c, &wide, &HelperFilter { status: Some("active".into()), ..HelperFilter::default() }, 0, 5000).map_err(store_error)?;
            let label = |h: &bangfu_store::pairing::Helper| format!("{}{}", h.name, h.unit_name.as_ref().map(|u| format!("（{u}）")).unwrap_or_default());
            let mut sec = vec![Opt { value: String::new(), label: "请选择".into(), selected: secretary.is_empty() }];
            sec.extend(hs.iter().map(|h| Opt { value: h.id.to_string(), label: label(h), selected: h.id.to_string() == secretary }));
            let mem = hs.iter().map(|h| Opt { value: h.id.to_string(), label: label(h), selected: members.contains(&h.id.to_string()) }).collect();
            Ok((units, sec, mem))
        })
        .await
}

fn team_page(state: &AppState, p: &Principal, fields: Vec<Field>, problems: Vec<String>) -> FormPage {
    FormPage {
        nav: nav(p, state),
        title: "新建驻村工作队".into(),
        intro: "工作队由第一书记任队长，一般不少于 3 人。".into(),
        facts: Vec::new(),
        switch: Vec::new(),
        action: "/pairing/teams".into(),
        form_id: "team-form",
        fields,
        problems,
        submit: "保存".into(),
        back: "/pairing/teams".into(),
    }
}

fn team_fields(state: &AppState, p: &Principal, (units, sec, mem): (Vec<Opt>, Vec<Opt>, Vec<Opt>), posted: &HashMap<String, String>, errors: &HashMap<&'static str, String>) -> Vec<Field> {
    let names = state.names();
    let mut members = Field::select("members", "队员", mem).hint("按住 Ctrl 可多选");
    members.kind = "multiselect";
    if let Some(e) = errors.get("members") {
        members.error = e.clone();
    }
    vec![
        Field::text("name", "工作队名称").required().fill(posted, errors),
        Field::select("unit_id", "派出单位", units).fill(posted, errors),
        Field::select("village_code", "所驻村", village_options(&names, p, "")).required().fill(posted, errors),
        Field::date("started_on", "进驻日期").fill(posted, errors),
        Field::select("secretary", "第一书记（队长）", sec).fill(posted, errors),
        members,
    ]
}

pub async fn new_team_form(State(state): State<AppState>, p: Principal) -> AppResult<Response> {
    p.require(Capability::ManagePairing)?;
    let o = team_options(&state, &p, String::new(), Vec::new(), String::new()).await?;
    let fields = team_fields(&state, &p, o, &HashMap::new(), &HashMap::new());
    Ok(form_response(team_page(&state, &p, fields, Vec::new())))
}

pub async fn create_team(State(state): State<AppState>, p: Principal, Form(pairs): Form<Vec<(String, String)>>) -> AppResult<Response> {
    p.require(Capability::ManagePairing)?;
    let posted = posted(&pairs);
    csrf::check(&p, posted.get("_csrf").map(String::as_str).unwrap_or_default())?;
    let get = |k: &str| posted.get(k).cloned().unwrap_or_default();
    let member_ids: Vec<String> = pairs.iter().filter(|(k, v)| k == "members" && !v.trim().is_empty()).map(|(_, v)| v.trim().to_string()).collect();
    let mut errors: HashMap<&'static str, String> = HashMap::new();
    if get("name").is_empty() {
        errors.insert("name", "请填写工作队名称".into());
    }
    if get("village_code").is_empty() {
        errors.insert("village_code", "请选择所驻村".into());
    }
    let started = if get("started_on").is_empty() { Ok(chrono::Local::now().date_naive()) } else { date_of(&get("started_on"), "进驻日期") };
    let started = started.map_err(|e| errors.insert("started_on", e)).ok();
    let secretary = get("secretary").parse::<i64>().ok();
    let members: Vec<i64> = member_ids.iter().filter_map(|m| m.parse().ok()).filter(|m| Some(*m) != secretary).collect();
    let mut problems = Vec::new();
    if let (true, Some(on)) = (errors.is_empty(), started) {
        let t = NewTeam { name: get("name"), unit_id: get("unit_id").parse().ok(), village_code: get("village_code"), started_on: on };
        let (scope, actor) = (p.scope(), p.actor());
        // members are checked first (in scope, active), so that the team is not left half-made
        let r = state
            .db
            .run(move |c, _| {
                for h in secretary.iter().chain(members.iter()) {
                    match helpers::get(c, &super::helper_scope(&scope), *h).map_err(store_error)? {
                        Some(x) if x.is_active() => {}
                        Some(x) => return Ok(Err(format!("{} 已调离，不能加入工作队", x.name))),
                        None => return Ok(Err(format!("帮扶人（编号 {h}）不在您的管辖范围内"))),
                    }
                }
                let id = match teams::create(c, &actor, &scope, &t) {
                    Ok(id) => id,
                    Err(StoreError::Invalid(m)) => return Ok(Err(m)),
                    Err(e) => return Err(store_error(e)),
                };
                if let Some(s) = secretary {
                    teams::add_member(c, &actor, &scope, id, s, TeamRole::FirstSecretary, on).map_err(store_error)?;
                }
                for m in &members {
                    teams::add_member(c, &actor, &scope, id, *m, TeamRole::Member, on).map_err(store_error)?;
                }
                Ok(Ok(id))
            })
            .await?;
        match r {
            Ok(_) => return Ok(Redirect::to("/pairing/teams").into_response()),
            Err(m) => problems.push(m),
        }
    }
    let o = team_options(&state, &p, get("unit_id"), member_ids, get("secretary")).await?;
    let fields = team_fields(&state, &p, o, &posted, &errors);
    Ok(form_response(team_page(&state, &p, fields, problems)))
}

/// `/pairing/teams/{id}`: the team with its members (current and past) and the form that adds a
/// member or a new first secretary (the previous one's role ends on that date).
pub async fn team(State(state): State<AppState>, p: Principal, axum::extract::Path(id): axum::extract::Path<i64>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    team_page_for(&state, &p, id, HashMap::new(), HashMap::new(), Vec::new()).await
}

async fn team_page_for(state: &AppState, p: &Principal, id: i64, posted: HashMap<String, String>, errors: HashMap<&'static str, String>, problems: Vec<String>) -> AppResult<Response> {
    let scope = p.scope();
    let sel = posted.get("helper").cloned().unwrap_or_default();
    let (team, members, hs) = state
        .db
        .run(move |c, _| {
            let t = teams::get(c, &scope, id).map_err(store_error)?.ok_or(crate::error::AppError::NotFound)?;
            let m = teams::members(c, id).map_err(store_error)?;
            let (hs, _) = helpers::list(c, &super::helper_scope(&scope), &HelperFilter { status: Some("active".into()), ..HelperFilter::default() }, 0, 5000).map_err(store_error)?;
            Ok((t, m, hs))
        })
        .await?;
    let names = state.names();
    let mut facts = vec![
        ("派出单位".to_string(), team.unit_name.clone().unwrap_or_default()),
        ("所驻村".into(), names.path(&team.village_code)),
        ("进驻日期".into(), team.started_on.to_string()),
        ("第一书记（队长）".into(), team.secretary_name.clone().unwrap_or_else(|| "未配备".into())),
    ];
    for m in &members {
        let when = match m.ended_on {
            Some(e) => format!("{} 至 {e}（已离队）", m.started_on),
            None => format!("{} 起", m.started_on),
        };
        facts.push((m.role.label().to_string(), format!("{} · {when}", m.name)));
    }
    let mut helper_opts = vec![Opt { value: String::new(), label: "请选择".into(), selected: sel.is_empty() }];
    helper_opts.extend(hs.iter().map(|h| Opt { value: h.id.to_string(), label: format!("{}{}", h.name, h.unit_name.as_ref().map(|u| format!("（{u}）")).unwrap_or_default()), selected: h.id.to_string() == sel }));
    let manage = p.can(Capability::ManagePairing) && team.status == "active";
    let fields = if manage {
        vec![
            Field::select("helper", "帮扶人", helper_opts).fill(&posted, &errors),
            Field::select("role", "担任", opts(TeamRole::ALL, TeamRole::code, TeamRole::label, Some(TeamRole::Member), "")).fill(&posted, &errors),
            Field::date("on", "日期").hint("留空为今天；新任第一书记从这天起接替原第一书记").fill(&posted, &errors),
        ]
    } else {
        Vec::new()
    };
    Ok(form_response(FormPage {
        nav: nav(p, state),
        title: format!("驻村工作队：{}", team.name),
        intro: String::new(),
        facts,
        switch: Vec::new(),
        action: if manage { format!("/pairing/teams/{id}/members") } else { String::new() },
        form_id: "member-form",
        fields,
        problems,
        submit: "加入工作队".into(),
        back: "/pairing/teams".into(),
    }))
}

pub async fn add_member(State(state): State<AppState>, p: Principal, axum::extract::Path(id): axum::extract::Path<i64>, Form(pairs): Form<Vec<(String, String)>>) -> AppResult<Response> {
    p.require(Capability::ManagePairing)?;
    let posted = posted(&pairs);
    csrf::check(&p, posted.get("_csrf").map(String::as_str).unwrap_or_default())?;
    let get = |k: &str| posted.get(k).cloned().unwrap_or_default();
    let mut errors: HashMap<&'static str, String> = HashMap::new();
    let helper = get("helper").parse::<i64>().ok();
    if helper.is_none() {
        errors.insert("helper", "请选择帮扶人".into());
    }
    let role = match get("role").as_str() {
        "" => Some(TeamRole::Member),
        r => TeamRole::parse(r),
    };
    if role.is_none() {
        errors.insert("role", "请选择担任的职务".into());
    }
    let on = if get("on").is_empty() { Ok(chrono::Local::now().date_naive()) } else { date_of(&get("on"), "日期") };
    let on = on.map_err(|e| errors.insert("on", e)).ok();
    let mut problems = Vec::new();
    if let (true, Some(h), Some(role), Some(on)) = (errors.is_empty(), helper, role, on) {
        let (scope, actor) = (p.scope(), p.actor());
        let r = state
            .db
            .run(move |c, _| {
                if teams::get(c, &scope, id).map_err(store_error)?.is_none() {
                    return Err(crate::error::AppError::NotFound);
                }
                if helpers::get(c, &super::helper_scope(&scope), h).map_err(store_error)?.is_none() {
                    return Ok(Err("该帮扶人不在您所在县的帮扶人中".to_string()));
                }
                match teams::add_member(c, &actor, &scope, id, h, role, on) {
                    Ok(()) => Ok(Ok(())),
                    Err(StoreError::Invalid(m)) => Ok(Err(m)),
                    Err(e) => Err(store_error(e)),
                }
            })
            .await?;
        match r {
            Ok(()) => return Ok(Redirect::to(&format!("/pairing/teams/{id}")).into_response()),
            Err(m) => problems.push(m),
        }
    }
    team_page_for(&state, &p, id, posted, errors, problems).await
}
