//! The annual dynamic-adjustment campaign (动态调整) in the browser: the campaigns in scope, the
//! county office's form that starts one (year, title, start, default deadline, per-village
//! deadlines one per line with line-numbered errors), and the progress per village with links to
//! each village's bulk page and an xlsx download.
//!
//! Reading needs `ViewRegistry` (a township or village sees its part); starting needs the county
//! office role in a county scope.

pub mod form;

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::handlers::render;
use crate::handlers::transfer::{XLSX, file_response, open, random_id};
use crate::regions::RegionNames;
use crate::state::AppState;
use crate::views::{Nav, thousands};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use bangfu_domain::Capability;
use bangfu_domain::workflow::procedures::VERDICTS;
use bangfu_sheets::Cell;
use bangfu_store::audit::{self, Entry};
use bangfu_store::workflow::campaigns::{self, Campaign, Counts, Progress};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/campaigns", get(list).post(form::submit))
        .route("/campaigns/new", get(form::new))
        .route("/campaigns/{id}", get(show))
        .route("/campaigns/{id}/progress.xlsx", get(export))
}

pub struct CampaignView {
    pub id: i64,
    pub title: String,
    pub year: i64,
    pub region: String,
    pub starts_on: String,
    pub due_on: String,
    pub cases: String,
    pub completed: String,
    pub created_by: String,
}

impl CampaignView {
    pub fn new(c: &Campaign, names: &RegionNames) -> CampaignView {
        CampaignView {
            id: c.id,
            title: c.title.clone(),
            year: c.year,
            region: names.path(&c.region_code),
            starts_on: c.starts_on.map(|d| d.to_string()).unwrap_or_default(),
            due_on: c.due_on.map(|d| d.to_string()).unwrap_or_default(),
            cases: thousands(c.cases),
            completed: thousands(c.completed),
            created_by: c.created_by.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "campaign_list.html")]
struct ListPage {
    nav: Nav,
    campaigns: Vec<CampaignView>,
    can_start: bool,
}

/// Whether the caller may start a campaign (the county office in a county scope).
pub fn may_start(p: &Principal) -> bool {
    p.role() == bangfu_domain::Role::CountyOffice && p.scope().prefix().len() == 6
}

/// GET /campaigns
pub async fn list(State(state): State<AppState>, p: Principal) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let rows = state.db.run(move |c, _| Ok(campaigns::list(c, &scope)?)).await?;
    let names = state.names();
    let page = ListPage { nav: Nav::new(&p, &names, "cases"), campaigns: rows.iter().map(|c| CampaignView::new(c, &names)).collect(), can_start: may_start(&p) };
    Ok(render(&page))
}

pub struct RowView {
    pub code: String,
    pub name: String,
    pub total: i64,
    pub verified: i64,
    pub confirmed: i64,
    pub overdue: i64,
    pub verdicts: Vec<i64>,
    pub deadline: String,
}

fn row(code: &str, name: String, c: &Counts, deadline: String) -> RowView {
    RowView {
        code: code.to_string(),
        name,
        total: c.total,
        verified: c.verified,
        confirmed: c.confirmed,
        overdue: c.overdue,
        verdicts: VERDICTS.iter().map(|(v, _)| c.verdict(v)).collect(),
        deadline,
    }
}

fn rows(p: &Progress, names: &RegionNames) -> (Vec<RowView>, RowView) {
    let villages = p.villages.iter().map(|v| row(&v.village_code, names.path(&v.village_code), &v.counts, v.deadline.map(|d| d.to_string()).unwrap_or_default())).collect();
    (villages, row("", "合计".into(), &p.total, String::new()))
}

#[derive(Template)]
#[template(path = "campaign_show.html")]
struct ShowPage {
    nav: Nav,
    c: CampaignView,
    verdict_labels: Vec<&'static str>,
    rows: Vec<RowView>,
    total: RowView,
    today: String,
    saved: bool,
    can_export: bool,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ShowQuery {
    pub saved: String,
}

async fn load(state: &AppState, p: &Principal, id: i64) -> AppResult<Progress> {
    let scope = p.scope();
    let today = bangfu_store::activity::today_china();
    state.db.run(move |c, _| Ok(campaigns::progress(c, &scope, id, today)?)).await?.ok_or(AppError::NotFound)
}

/// GET /campaigns/{id}: progress per village.
pub async fn show(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, axum::extract::Query(q): axum::extract::Query<ShowQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let progress = load(&state, &p, id).await?;
    let names = state.names();
    let (rows, total) = rows(&progress, &names);
    let page = ShowPage {
        nav: Nav::new(&p, &names, "cases"),
        c: CampaignView::new(&progress.campaign, &names),
        verdict_labels: VERDICTS.iter().map(|(_, l)| *l).collect(),
        rows,
        total,
        today: bangfu_store::activity::today_china().to_string(),
        saved: !q.saved.is_empty(),
        can_export: p.can(Capability::Export),
    };
    Ok(render(&page))
}

/// The progress sheet's header.
pub fn header() -> Vec<&'static str> {
    let mut h = vec!["村代码", "乡镇 / 村", "总户数", "已核实", "已确认", "超期"];
    h.extend(VERDICTS.iter().map(|(_, l)| *l));
    h.push("截止日期");
    h
}

fn sheet_row(r: &RowView) -> Vec<Cell> {
    let mut v = vec![Cell::Text(r.code.clone()), Cell::Text(r.name.clone()), Cell::Int(r.total), Cell::Int(r.verified), Cell::Int(r.confirmed), Cell::Int(r.overdue)];
    v.extend(r.verdicts.iter().map(|n| Cell::Int(*n)));
    v.push(Cell::Text(r.deadline.clone()));
    v
}

/// GET /campaigns/{id}/progress.xlsx: the progress table as a sheet (audited as an export).
pub async fn export(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    p.require(Capability::Export)?;
    let progress = load(&state, &p, id).await?;
    let names = state.names();
    let (rows, total) = rows(&progress, &names);
    let download = format!("动态调整进度_{}_{}.xlsx", progress.campaign.year, bangfu_store::activity::today_china().format("%Y%m%d"));
    let dir = state.config.data_dir.join("exports");
    tokio::fs::create_dir_all(&dir).await.map_err(|e| AppError::Internal(format!("{}: {e}", dir.display())))?;
    let path = dir.join(format!("{}.xlsx", random_id()));
    let (target, actor, scope, name) = (path.clone(), p.actor(), p.scope(), download.clone());
    state
        .db
        .run(move |c, _| {
            let sheet = |e: bangfu_sheets::SheetError| AppError::Internal(format!("campaign export: {e}"));
            let mut w = bangfu_sheets::xlsx_writer(&target).map_err(sheet)?;
            w.begin_table("动态调整进度", &header()).map_err(sheet)?;
            for r in rows.iter().chain(std::iter::once(&total)) {
                w.write_row(&sheet_row(r)).map_err(sheet)?;
            }
            w.finish().map_err(sheet)?;
            c.begin()?;
            audit::record(
                c,
                &actor,
                Entry { region_code: Some(scope.prefix()), entity: "export", entity_id: Some(id.to_string()), action: "export_campaign_progress", before: None, after: Some(serde_json::json!({ "file": name, "villages": rows.len() }).to_string()) },
            )?;
            c.commit()?;
            Ok(())
        })
        .await?;
    let (file, len) = open(&path).await?;
    let r = file_response(file, Some(len), &download, XLSX);
    // the open handle keeps the content readable on Unix after the name is gone
    let _ = tokio::fs::remove_file(&path).await;
    Ok(r)
}
