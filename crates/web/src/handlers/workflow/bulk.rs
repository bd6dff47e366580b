//! Bulk decisions (批量审批): every open case of a village (or township) at one step on one plain
//! form, each row checked, with per-row exceptions (退回修改 to an earlier step, 不通过) and their
//! reasons; one submit decides them all in one transaction; the result page counts what happened
//! and lists the cases left as they were with the reason.

use super::{decision_kind, store_error, today};
use crate::auth::{Principal, csrf};
use crate::error::{AppError, AppResult};
use crate::handlers::quality::{Opt, region_param};
use crate::handlers::render;
use crate::state::AppState;
use crate::views::Nav;
use askama::Template;
use axum::extract::{Form, Query, State};
use axum::response::Response;
use bangfu_domain::Capability;
use bangfu_domain::workflow::DecisionKind;
use bangfu_domain::workflow::engine::CaseStatus;
use bangfu_store::Conn;
use bangfu_store::workflow::decide::{self, BulkInput, BulkReport};
use bangfu_store::workflow::{CaseFilter, cases};
use bangfu_domain::RegionScope;

/// Most cases shown on one bulk form.
pub const BULK_LIMIT: i64 = 20_000;

/// An exception as submitted: case, decision (`return`/`reject`, or `return:<key>`), target step key, reason.
pub struct RawException {
    pub case_id: i64,
    pub decision: String,
    pub return_to: String,
    pub reason: String,
}

/// Exceptions understood (case, kind, reason) and refused (case, title, why).
pub type Resolved = (Vec<(i64, DecisionKind, String)>, Vec<(i64, String, String)>);

/// Resolves exceptions against each case's own definition; the ones that cannot be understood
/// come back as refusals (case, reason) and are left out of the decision.
pub fn resolve(conn: &mut Conn, scope: &RegionScope, raw: &[RawException]) -> AppResult<Resolved> {
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    for e in raw {
        let Some(f) = cases::file(conn, scope, e.case_id).map_err(store_error)? else {
            bad.push((e.case_id, String::new(), "不存在或不在您的管辖范围内".to_string()));
            continue;
        };
        match decision_kind(&f.definition.def, &e.decision, &e.return_to) {
            Ok(DecisionKind::Approve) => {}
            Ok(k) => ok.push((e.case_id, k, e.reason.clone())),
            Err(m) => bad.push((e.case_id, f.case.title.clone(), m)),
        }
    }
    Ok((ok, bad))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct BulkQuery {
    pub procedure: String,
    pub step: String,
    pub region: String,
}

pub struct BulkRow {
    pub id: i64,
    pub title: String,
    pub group: String,
    pub due: String,
}

#[derive(Template)]
#[template(path = "wf_bulk.html")]
struct BulkPage {
    nav: Nav,
    procedure: String,
    procedure_title: String,
    step: String,
    step_title: String,
    region: String,
    region_name: String,
    rows: Vec<BulkRow>,
    return_targets: Vec<Opt>,
    return_allowed: bool,
    manual: bool,
    /// The step asks for a verdict (dynamic adjustment): one is given to every approved case.
    verdicts: Vec<Opt>,
}

pub async fn form(State(state): State<AppState>, p: Principal, Query(q): Query<BulkQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    if q.step.trim().is_empty() || q.procedure.trim().is_empty() {
        return Err(AppError::BadRequest("请从“我的待办”进入批量审批（需要指定事项和环节）".into()));
    }
    let region = region_param(&q.region, scope.prefix())?;
    let f = CaseFilter { procedure: Some(q.procedure.trim().to_string()), step_key: Some(q.step.trim().to_string()), status: Some(CaseStatus::Open), region: region.clone(), ..Default::default() };
    let (rows, def) = state
        .db
        .run(move |c, _| {
            let (rows, _) = cases::list(c, &scope, &f, 0, BULK_LIMIT).map_err(store_error)?;
            let def = match rows.first() {
                Some(r) => Some(bangfu_store::workflow::definitions::get(c, r.definition_id).map_err(store_error)?),
                None => None,
            };
            Ok((rows, def))
        })
        .await?;
    let names = state.names();
    let step_index = def.as_ref().and_then(|d| d.def.index_of(q.step.trim()));
    let step = def.as_ref().zip(step_index).and_then(|(d, i)| d.def.step(i));
    let page = BulkPage {
        nav: Nav::new(&p, &names, "tasks"),
        procedure_title: def.as_ref().map(|d| d.def.title.clone()).unwrap_or_else(|| super::procedure_title(q.procedure.trim())),
        step_title: step.map(|s| s.title.clone()).unwrap_or_else(|| q.step.clone()),
        return_targets: def.as_ref().zip(step_index).map(|(d, i)| d.def.steps[..i].iter().map(|s| Opt { value: s.key.clone(), label: s.title.clone(), selected: false }).collect()).unwrap_or_default(),
        return_allowed: step.is_some_and(|s| s.return_allowed) && step_index.unwrap_or(0) > 0,
        manual: step.is_none_or(|s| s.kind.is_manual()),
        verdicts: if step.is_some_and(|s| s.verdict) {
            bangfu_domain::workflow::procedures::VERDICTS.iter().map(|(v, l)| Opt { value: v.to_string(), label: l.to_string(), selected: *v == "unchanged" }).collect()
        } else {
            Vec::new()
        },
        region_name: region.as_deref().map(|r| crate::handlers::quality::prefix_name(&names, r)).unwrap_or_else(|| names.scope_label(&p.grant.region_code)),
        region: q.region.trim().to_string(),
        procedure: q.procedure.trim().to_string(),
        step: q.step.trim().to_string(),
        rows: rows.iter().map(|c| BulkRow { id: c.id, title: c.title.clone(), group: c.group_name.clone().unwrap_or_default(), due: c.step_due.map(|d| d.to_string()).unwrap_or_default() }).collect(),
    };
    Ok(render(&page))
}

pub struct RefusedRow {
    pub id: i64,
    pub title: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "wf_bulk_result.html")]
struct ResultPage {
    nav: Nav,
    back: String,
    approved: usize,
    returned: usize,
    rejected: usize,
    waiting: usize,
    completed: usize,
    refused: Vec<RefusedRow>,
}

/// POST /cases/bulk: `case` per checked row, `x_<id>` its exception (empty = 通过, `return:<key>`,
/// `reject`) and `r_<id>` the reason; `comment` for the approvals.
pub async fn submit(State(state): State<AppState>, p: Principal, Form(fields): Form<Vec<(String, String)>>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    csrf::check(&p, &get("_csrf"))?;
    let step_key = get("step");
    let back = format!("/cases/bulk?procedure={}&step={}&region={}", crate::views::urlencode(&get("procedure")), crate::views::urlencode(&step_key), crate::views::urlencode(&get("region")));
    let mut ids = Vec::new();
    let mut decisions = std::collections::HashMap::new();
    let mut reasons = std::collections::HashMap::new();
    for (k, v) in &fields {
        if k == "case" {
            ids.push(v.trim().parse::<i64>().map_err(|_| AppError::BadRequest(format!("案件编号“{v}”无效")))?);
        } else if let Some(id) = k.strip_prefix("x_").and_then(|i| i.parse::<i64>().ok()) {
            decisions.insert(id, v.clone());
        } else if let Some(id) = k.strip_prefix("r_").and_then(|i| i.parse::<i64>().ok()) {
            reasons.insert(id, v.clone());
        }
    }
    if ids.is_empty() {
        return Err(AppError::BadRequest("没有勾选任何案件：请勾选要审批的案件后再提交".into()));
    }
    let raw: Vec<RawException> = ids
        .iter()
        .filter_map(|id| decisions.get(id).filter(|d| !d.trim().is_empty() && d.as_str() != "approve").map(|d| RawException { case_id: *id, decision: d.clone(), return_to: String::new(), reason: reasons.get(id).cloned().unwrap_or_default() }))
        .collect();
    let (scope, who, actor, comment) = (p.scope(), p.decider(), p.actor(), get("comment"));
    let verdict = Some(get("verdict")).filter(|v| !v.trim().is_empty());
    let report = state
        .db
        .run(move |c, keys| {
            let (exceptions, bad) = resolve(c, &scope, &raw)?;
            let excepted: std::collections::HashSet<i64> = raw.iter().map(|e| e.case_id).collect();
            let input = BulkInput { step_key, case_ids: ids.into_iter().filter(|i| !excepted.contains(i)).collect(), comment, exceptions, verdict };
            let mut r = decide::decide_bulk(c, keys, &actor, &who, &input, today()).map_err(store_error)?;
            r.refused.extend(bad);
            Ok(r)
        })
        .await?;
    Ok(render(&result_page(&state, &p, back, &report)))
}

fn result_page(state: &AppState, p: &Principal, back: String, r: &BulkReport) -> ResultPage {
    ResultPage {
        nav: Nav::new(p, &state.names(), "tasks"),
        back,
        approved: r.approved,
        returned: r.returned,
        rejected: r.rejected,
        waiting: r.waiting,
        completed: r.completed,
        refused: r.refused.iter().map(|(id, t, why)| RefusedRow { id: *id, title: t.clone(), reason: why.clone() }).collect(),
    }
}
