//! 我的待办: the cases waiting for the user by deadline (overdue first), grouped by procedure and
//! step, with a bulk-approval link per village where two or more wait at the same step; and the
//! notices to close and objections to resolve in the user's scope.

use super::{days_left, store_error, today};
use crate::auth::Principal;
use crate::error::AppResult;
use crate::handlers::render;
use crate::state::AppState;
use crate::views::{Nav, urlencode};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use bangfu_domain::{Capability, Role};
use bangfu_store::workflow::{definitions, stats};
use std::collections::BTreeMap;

/// Tasks shown on the page (the total says how many there are).
pub const TASK_LIMIT: i64 = 2000;

pub struct TaskRow {
    pub id: i64,
    pub title: String,
    pub region: String,
    pub due: String,
    pub left: String,
    pub overdue: bool,
}

pub struct BulkLink {
    pub label: String,
    pub href: String,
}

pub struct Group {
    pub procedure: String,
    pub step: String,
    pub kind: &'static str,
    pub overdue: usize,
    pub rows: Vec<TaskRow>,
    pub bulk: Vec<BulkLink>,
}

#[derive(Template)]
#[template(path = "wf_tasks.html")]
struct TasksPage {
    nav: Nav,
    total: i64,
    shown: usize,
    groups: Vec<Group>,
    show_notices: bool,
    notices_to_close: i64,
    open_objections: i64,
}

pub async fn show(State(state): State<AppState>, p: Principal) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let (who, scope) = (p.decider(), p.scope());
    let t = today();
    let (cases, total, defs, notices, objections) = state
        .db
        .run(move |c, _| {
            let (cases, total) = stats::tasks(c, &who, TASK_LIMIT).map_err(store_error)?;
            let defs = definitions::list(c).map_err(store_error)?;
            let n = stats::notices_to_close(c, &scope, t).map_err(store_error)?;
            let o = stats::open_objections(c, &scope).map_err(store_error)?;
            Ok((cases, total, defs, n, o))
        })
        .await?;
    let names = state.names();
    let defs: BTreeMap<i64, &definitions::StoredDefinition> = defs.iter().map(|d| (d.id, d)).collect();
    // groups in order of the first (most urgent) case of each
    let mut order: Vec<(String, String)> = Vec::new();
    let mut groups: BTreeMap<(String, String), Group> = BTreeMap::new();
    let mut villages: BTreeMap<(String, String), BTreeMap<String, usize>> = BTreeMap::new();
    for c in &cases {
        let key = (c.procedure.clone(), c.step_key.clone());
        let def = defs.get(&c.definition_id);
        let step = def.and_then(|d| d.def.step(c.step_index));
        let g = groups.entry(key.clone()).or_insert_with(|| {
            order.push(key.clone());
            Group {
                procedure: def.map(|d| d.def.title.clone()).unwrap_or_else(|| c.procedure.clone()),
                step: step.map(|s| s.title.clone()).unwrap_or_else(|| c.step_key.clone()),
                kind: step.map(|s| s.kind.label()).unwrap_or_default(),
                overdue: 0,
                rows: Vec::new(),
                bulk: Vec::new(),
            }
        });
        let (left, overdue) = days_left(c.step_due, t);
        if overdue {
            g.overdue += 1;
        }
        g.rows.push(TaskRow { id: c.id, title: c.title.clone(), region: names.path(&c.region_code), due: c.step_due.map(|d| d.to_string()).unwrap_or_default(), left, overdue });
        if step.is_some_and(|s| s.kind.is_manual()) {
            *villages.entry(key).or_default().entry(c.region_code.clone()).or_default() += 1;
        }
    }
    for (key, per) in villages {
        if let Some(g) = groups.get_mut(&key) {
            for (village, n) in per.into_iter().filter(|(_, n)| *n >= 2) {
                g.bulk.push(BulkLink {
                    label: format!("批量审批 {}（{n} 件）", names.name(&village).unwrap_or(&village)),
                    href: format!("/cases/bulk?procedure={}&step={}&region={}", urlencode(&key.0), urlencode(&key.1), village),
                });
            }
        }
    }
    let groups: Vec<Group> = order.iter().filter_map(|k| groups.remove(k)).collect();
    let page = TasksPage {
        nav: Nav::new(&p, &names, "tasks"),
        total,
        shown: cases.len(),
        groups,
        show_notices: matches!(p.role(), Role::TownshipStaff | Role::CountyOffice | Role::Admin),
        notices_to_close: notices,
        open_objections: objections,
    };
    Ok(render(&page))
}
