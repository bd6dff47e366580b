//! The audit trail page: search by who, what, when (in the user's scope), and chain verification.

use crate::auth::{Principal, csrf};
use crate::error::AppResult;
use crate::handlers::render;
use crate::state::AppState;
use crate::views::{Nav, thousands, urlencode};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::Response;
use bangfu_domain::{Capability, Role};
use bangfu_store::audit::{self, AuditFilter};

const PAGE: i64 = 50;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    pub actor: String,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    pub from: String,
    pub to: String,
    pub page: i64,
}

pub struct RowView {
    pub at: String,
    pub actor: String,
    pub ip: String,
    pub entity: String,
    pub entity_id: String,
    pub link: Option<String>,
    pub action: String,
    pub before: String,
    pub after: String,
    pub seq: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    nav: Nav,
    q: AuditQuery,
    rows: Vec<RowView>,
    total: String,
    page: i64,
    pages: i64,
    qs: String,
    can_verify: bool,
    verify: Option<(bool, String, Vec<String>)>,
}

fn clip(s: Option<String>) -> String {
    let s = s.unwrap_or_default();
    if s.chars().count() > 400 { format!("{}…", s.chars().take(400).collect::<String>()) } else { s }
}

async fn page(state: &AppState, p: &Principal, q: AuditQuery, verify: Option<(bool, String, Vec<String>)>) -> AppResult<Response> {
    p.require(Capability::ViewAudit)?;
    let scope = p.scope();
    let opt = |s: &str| if s.trim().is_empty() { None } else { Some(s.trim().to_string()) };
    // dates typed as YYYY-MM-DD cover the whole day
    let to = opt(&q.to).map(|t| if t.len() == 10 { format!("{t}T23:59:59.999Z") } else { t });
    let filter = AuditFilter {
        actor: opt(&q.actor),
        actor_prefix: q.actor.ends_with('*'),
        entity: opt(&q.entity),
        entity_id: opt(&q.entity_id),
        action: opt(&q.action),
        region_prefix: None,
        from: opt(&q.from),
        to,
    };
    let filter = AuditFilter { actor: filter.actor.map(|a| a.trim_end_matches('*').to_string()), ..filter };
    let page_no = q.page.clamp(1, 100_000);
    let prefix = scope.prefix().to_string();
    let (rows, total) = state
        .db
        .run(move |c, _| Ok(audit::search(c, if prefix.is_empty() { None } else { Some(prefix.as_str()) }, &filter, (page_no - 1) * PAGE, PAGE)?))
        .await?;
    let rows = rows
        .into_iter()
        .map(|r| RowView {
            at: r.at.replace('T', " ").chars().take(19).collect(),
            link: (r.entity == "household").then(|| format!("/households/{}", r.entity_id.clone().unwrap_or_default())),
            actor: r.actor,
            ip: r.client_ip.unwrap_or_default(),
            entity: r.entity,
            entity_id: r.entity_id.unwrap_or_default(),
            action: crate::handlers::households::show::audit_action_label(&r.action).to_string(),
            before: clip(r.before_value),
            after: clip(r.after_value),
            seq: r.seq.map(|s| format!("{}#{s}", r.chain.unwrap_or_default())).unwrap_or_default(),
        })
        .collect();
    let mut qs = Vec::new();
    for (k, v) in [("actor", &q.actor), ("entity", &q.entity), ("entity_id", &q.entity_id), ("action", &q.action), ("from", &q.from), ("to", &q.to)] {
        if !v.is_empty() {
            qs.push(format!("{k}={}", urlencode(v)));
        }
    }
    let view = AuditPage {
        nav: Nav::new(p, &state.names(), "audit"),
        rows,
        total: thousands(total),
        page: page_no,
        pages: ((total + PAGE - 1) / PAGE).max(1),
        qs: qs.join("&"),
        q,
        can_verify: p.role() == Role::Admin,
        verify,
    };
    Ok(render(&view))
}

pub async fn show(State(state): State<AppState>, p: Principal, Query(q): Query<AuditQuery>) -> AppResult<Response> {
    page(&state, &p, q, None).await
}

#[derive(serde::Deserialize)]
pub struct VerifyForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// Re-computes every chain (administrators only).
pub async fn verify(State(state): State<AppState>, p: Principal, Form(f): Form<VerifyForm>) -> AppResult<Response> {
    csrf::check(&p, &f.csrf)?;
    p.require(Capability::ManageUsers)?;
    let report = state.db.run(|c, _| Ok(audit::verify(c)?)).await?;
    let summary = format!("检查了 {} 条链、{} 条记录", report.chains, report.rows);
    let problems = report.problems.iter().map(|x| x.message.clone()).collect();
    page(&state, &p, AuditQuery::default(), Some((report.is_clean(), summary, problems))).await
}
