//! Flow definitions (ManageRules): every procedure with its versions per jurisdiction, a version's
//! steps, and the edit form that saves a new version (per-step fields, or the whole definition as
//! JSON); problems are shown next to the form (422). Open cases keep the version they started with.

use super::store_error;
use crate::auth::{Principal, csrf};
use crate::error::AppResult;
use crate::handlers::edit::with_status;
use crate::handlers::quality::{jurisdiction, local_time, prefix_name};
use crate::handlers::render;
use crate::state::AppState;
use crate::views::Nav;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_domain::workflow::{FlowDefinition, Level, NoticeRule, Policy};
use bangfu_domain::{Capability, Role};
use bangfu_store::workflow::definitions::{self, StoredDefinition};

pub struct VersionRow {
    pub id: i64,
    pub place: String,
    pub version: i64,
    pub created: String,
    pub in_use: bool,
}

pub struct ProcedureGroup {
    pub code: String,
    pub title: String,
    pub versions: Vec<VersionRow>,
}

#[derive(Template)]
#[template(path = "wf_definitions.html")]
struct ListPage {
    nav: Nav,
    groups: Vec<ProcedureGroup>,
}

fn created(d: &StoredDefinition) -> String {
    format!("{} {}", d.created_by, local_time(&d.created_at))
}

pub async fn list(State(state): State<AppState>, p: Principal) -> AppResult<Response> {
    p.require(Capability::ManageRules)?;
    let all = state.db.run(|c, _| definitions::list(c).map_err(store_error)).await?;
    let names = state.names();
    let mut groups: Vec<ProcedureGroup> = Vec::new();
    for d in &all {
        // newest first within a procedure and prefix: the first seen per prefix is in use
        let in_use = !all.iter().any(|o| o.def.procedure == d.def.procedure && o.region_prefix == d.region_prefix && o.version > d.version);
        let row = VersionRow { id: d.id, place: if d.region_prefix.is_empty() { "全系统".into() } else { prefix_name(&names, &d.region_prefix) }, version: d.version, created: created(d), in_use };
        match groups.iter_mut().find(|g| g.code == d.def.procedure) {
            Some(g) => g.versions.push(row),
            None => groups.push(ProcedureGroup { code: d.def.procedure.clone(), title: d.def.title.clone(), versions: vec![row] }),
        }
    }
    Ok(render(&ListPage { nav: Nav::new(&p, &names, "definitions"), groups }))
}

pub struct StepRow {
    pub key: String,
    pub title: String,
    pub kind: &'static str,
    pub roles: String,
    pub level: &'static str,
    pub policy: String,
    pub deadline: String,
    pub notice: String,
    pub flags: String,
}

fn step_rows(d: &FlowDefinition) -> Vec<StepRow> {
    d.steps
        .iter()
        .map(|s| {
            let mut flags = Vec::new();
            if s.forbid_self {
                flags.push("不得审批本人申请");
            }
            if s.return_allowed {
                flags.push("可退回");
            }
            if s.requires_attachment {
                flags.push("须上传附件");
            }
            if s.verdict {
                flags.push("须选择核实结论");
            }
            StepRow {
                key: s.key.clone(),
                title: s.title.clone(),
                kind: s.kind.label(),
                roles: s.role_labels(),
                level: s.level.label(),
                policy: s.policy.label(),
                deadline: s.deadline_days.map(|n| format!("{n} 个{}", if s.deadline_working_days { "工作日" } else { "自然日" })).unwrap_or_default(),
                notice: s.notice.map(|n| format!("{} 个{}", n.days, if n.working_days { "工作日" } else { "自然日" })).unwrap_or_default(),
                flags: flags.join("、"),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "wf_definition.html")]
struct ShowPage {
    nav: Nav,
    id: i64,
    title: String,
    procedure: String,
    place: String,
    version: i64,
    created: String,
    basis: String,
    steps: Vec<StepRow>,
    notice: String,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ShowQuery {
    pub saved: String,
}

async fn load(state: &AppState, id: i64) -> AppResult<StoredDefinition> {
    state.db.run(move |c, _| definitions::get(c, id).map_err(store_error)).await
}

pub async fn show(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Query(q): Query<ShowQuery>) -> AppResult<Response> {
    p.require(Capability::ManageRules)?;
    let d = load(&state, id).await?;
    let names = state.names();
    Ok(render(&ShowPage {
        nav: Nav::new(&p, &names, "definitions"),
        id,
        title: d.def.title.clone(),
        procedure: d.def.procedure.clone(),
        place: if d.region_prefix.is_empty() { "全系统".into() } else { prefix_name(&names, &d.region_prefix) },
        version: d.version,
        created: created(&d),
        basis: d.def.basis.clone(),
        steps: step_rows(&d.def),
        notice: if q.saved.is_empty() { String::new() } else { "新版本已保存（已记入审计日志）。新申请的案件按新版本办理，办理中的案件仍按原版本办理。".into() },
    }))
}

pub struct RoleBox {
    pub code: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

pub struct StepForm {
    pub i: usize,
    pub key: String,
    pub kind: &'static str,
    pub title: String,
    pub roles: Vec<RoleBox>,
    pub level: &'static str,
    pub policy: &'static str,
    pub n: String,
    pub deadline: String,
    pub deadline_wd: bool,
    pub is_notice: bool,
    pub notice_days: String,
    pub notice_wd: bool,
    pub forbid_self: bool,
    pub return_allowed: bool,
    pub requires_attachment: bool,
}

fn level_code(l: Level) -> &'static str {
    match l {
        Level::Village => "village",
        Level::Township => "township",
        Level::County => "county",
    }
}

fn step_forms(d: &FlowDefinition) -> Vec<StepForm> {
    d.steps
        .iter()
        .enumerate()
        .map(|(i, s)| StepForm {
            i,
            key: s.key.clone(),
            kind: s.kind.label(),
            title: s.title.clone(),
            roles: Role::ALL.iter().map(|r| RoleBox { code: r.code(), label: r.label(), checked: s.roles.iter().any(|x| x == r.code()) }).collect(),
            level: level_code(s.level),
            policy: match s.policy {
                Policy::Any => "any",
                Policy::All => "all",
                Policy::AtLeast(_) => "at_least",
            },
            n: match s.policy {
                Policy::AtLeast(n) => n.to_string(),
                _ => String::new(),
            },
            deadline: s.deadline_days.map(|n| n.to_string()).unwrap_or_default(),
            deadline_wd: s.deadline_working_days,
            is_notice: s.notice.is_some(),
            notice_days: s.notice.map(|n| n.days.to_string()).unwrap_or_default(),
            notice_wd: s.notice.is_some_and(|n| n.working_days),
            forbid_self: s.forbid_self,
            return_allowed: s.return_allowed,
            requires_attachment: s.requires_attachment,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "wf_definition_form.html")]
struct EditPage {
    nav: Nav,
    id: i64,
    title: String,
    version: i64,
    prefix: String,
    place: String,
    pick_prefix: bool,
    steps: Vec<StepForm>,
    json: String,
    problems: Vec<String>,
}

#[allow(clippy::too_many_arguments)]
fn edit_page(state: &AppState, p: &Principal, id: i64, base: &StoredDefinition, shown: &FlowDefinition, prefix: String, json: String, problems: Vec<String>) -> EditPage {
    let names = state.names();
    EditPage {
        nav: Nav::new(p, &names, "definitions"),
        id,
        title: shown.title.clone(),
        version: base.version,
        place: if prefix.is_empty() { "全系统".into() } else { prefix_name(&names, &prefix) },
        pick_prefix: p.scope().prefix().is_empty(),
        prefix,
        steps: step_forms(shown),
        json: if json.is_empty() { serde_json::to_string_pretty(shown).unwrap_or_default() } else { json },
        problems,
    }
}

pub async fn edit(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> AppResult<Response> {
    p.require(Capability::ManageRules)?;
    let d = load(&state, id).await?;
    let prefix = jurisdiction(&p, &d.region_prefix)?;
    Ok(render(&edit_page(&state, &p, id, &d, &d.def, prefix, String::new(), Vec::new())))
}

/// Applies the per-step fields of the form to a copy of `base`; problems with the numbers typed.
pub fn apply_form(base: &FlowDefinition, fields: &[(String, String)]) -> (FlowDefinition, Vec<String>) {
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string());
    let on = |k: &str| get(k).is_some_and(|v| !v.is_empty());
    let mut d = base.clone();
    let mut problems = Vec::new();
    let mut number = |at: &str, what: &str, v: Option<String>| -> Option<u32> {
        match v.filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => match s.parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    problems.push(format!("{at}：{what}“{s}”不是整数，请填写天数或人数（如 7）"));
                    None
                }
            },
        }
    };
    for (i, s) in d.steps.iter_mut().enumerate() {
        let k = |f: &str| format!("s{i}_{f}");
        if get(&k("title")).is_none() {
            continue;
        }
        let at = format!("第 {} 环节“{}”", i + 1, s.title);
        s.title = get(&k("title")).unwrap_or_default();
        s.roles = fields.iter().filter(|(n, _)| *n == k("role")).map(|(_, v)| v.clone()).collect();
        s.level = match get(&k("level")).as_deref() {
            Some("township") => Level::Township,
            Some("county") => Level::County,
            _ => Level::Village,
        };
        s.policy = match get(&k("policy")).as_deref() {
            Some("all") => Policy::All,
            Some("at_least") => Policy::AtLeast(number(&at, "至少审批人数", get(&k("n"))).unwrap_or(0)),
            _ => Policy::Any,
        };
        s.deadline_days = number(&at, "办理时限", get(&k("deadline")));
        s.deadline_working_days = on(&k("deadline_wd"));
        if let Some(n) = s.notice.as_mut() {
            n.days = number(&at, "公示天数", get(&k("notice_days"))).unwrap_or(0);
            n.working_days = on(&k("notice_wd"));
        } else if let Some(days) = number(&at, "公示天数", get(&k("notice_days"))) {
            s.notice = Some(NoticeRule { days, working_days: on(&k("notice_wd")), posted_in: s.level });
        }
        s.forbid_self = on(&k("forbid_self"));
        s.return_allowed = on(&k("return_allowed"));
        s.requires_attachment = on(&k("requires_attachment"));
    }
    (d, problems)
}

/// POST /workflow/definitions/{id}/edit: saves a new version for the jurisdiction.
pub async fn save(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Form(fields): Form<Vec<(String, String)>>) -> AppResult<Response> {
    p.require(Capability::ManageRules)?;
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    csrf::check(&p, &get("_csrf"))?;
    let base = load(&state, id).await?;
    let prefix = jurisdiction(&p, &get("prefix"))?;
    let json = get("json");
    let (def, mut problems) = if get("use_json") == "1" {
        match serde_json::from_str::<FlowDefinition>(&json) {
            Ok(d) => (d, Vec::new()),
            Err(e) => (base.def.clone(), vec![format!("JSON 无法读取：{e}（请检查括号、引号和逗号）")]),
        }
    } else {
        apply_form(&base.def, &fields)
    };
    if def.procedure != base.def.procedure {
        problems.push(format!("流程代码不能改变（应为“{}”）：要新建流程请联系系统开发人员", base.def.procedure));
    }
    problems.extend(def.problems());
    if !problems.is_empty() {
        let keep = if get("use_json") == "1" { json } else { String::new() };
        return Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &edit_page(&state, &p, id, &base, &def, prefix, keep, problems)));
    }
    let (actor, pre, d2) = (p.actor(), prefix.clone(), def.clone());
    let r = state
        .db
        .run(move |c, _| match definitions::save_version(c, &actor, &pre, &d2) {
            Ok(s) => Ok(Ok(s.id)),
            Err(bangfu_store::StoreError::Invalid(m)) => Ok(Err(m)),
            Err(e) => Err(store_error(e)),
        })
        .await?;
    match r {
        Ok(new_id) => Ok(Redirect::to(&format!("/workflow/definitions/{new_id}?saved=1")).into_response()),
        Err(m) => Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &edit_page(&state, &p, id, &base, &def, prefix, String::new(), vec![m]))),
    }
}
