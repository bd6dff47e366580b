//! Pairing assistance (结对帮扶) in the browser: the overview of coverage for the caller's scope
//! (`overview`), helpers with their caseload and hand-over (`helpers`), units and work teams
//! (`units`), pairings of every kind with a form following the kind's two sides (`pairings`), the
//! coverage lists with their xlsx downloads and the caseload list (`overview`), and the
//! 对口帮扶任务分配表 upload as a background job with its error report, and its export (`sheet`).
//!
//! Reading needs `ViewRegistry`, changing anything `ManagePairing`; the store clips every read to
//! the caller's scope (out of scope is 404) and audits every change in the same transaction.

pub mod helpers;
pub mod overview;
pub mod pairings;
pub mod sheet;
pub mod units;

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::handlers::render;
use crate::regions::RegionNames;
use crate::state::AppState;
use crate::views::Nav;
use askama::Template;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use bangfu_domain::RegionLevel;
use bangfu_store::StoreError;
use std::collections::HashMap;

pub use crate::handlers::quality::Opt;

/// Every page route of pairing assistance.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/pairing", get(overview::show))
        .route("/pairing/helpers", get(helpers::list).post(helpers::create))
        .route("/pairing/helpers/new", get(helpers::new_form))
        .route("/pairing/helpers/{id}", get(helpers::show))
        .route("/pairing/helpers/{id}/handover", post(helpers::handover))
        .route("/pairing/units", get(units::list).post(units::create))
        .route("/pairing/units/new", get(units::new_form))
        .route("/pairing/teams", get(units::teams).post(units::create_team))
        .route("/pairing/teams/new", get(units::new_team_form))
        .route("/pairing/teams/{id}", get(units::team))
        .route("/pairing/teams/{id}/members", post(units::add_member))
        .route("/pairing/pairings", get(pairings::list).post(pairings::create))
        .route("/pairing/pairings/new", get(pairings::new_form))
        .route("/pairing/pairings/{id}", get(pairings::show))
        .route("/pairing/pairings/{id}/end", post(pairings::end))
        .route("/pairing/coverage/{what}", get(overview::coverage))
        .route("/pairing/caseload", get(overview::caseload))
        .route("/pairing/import", get(sheet::show).post(sheet::upload).layer(DefaultBodyLimit::disable()))
        .route("/pairing/import/{job}", get(sheet::job))
        .route("/pairing/import/{job}/status", get(sheet::status))
        .route("/pairing/import/{job}/report.xlsx", get(sheet::report))
        .route("/pairing/export.xlsx", get(sheet::export))
}

/// Store errors as users see them: out of scope is "not found".
pub fn store_error(e: StoreError) -> AppError {
    crate::handlers::quality::store_error(e)
}

/// One cell of a table: text, an optional link and CSS class.
#[derive(Default, Clone)]
pub struct Cell {
    pub text: String,
    pub href: String,
    pub class: String,
}

impl Cell {
    pub fn text(t: impl Into<String>) -> Cell {
        Cell { text: t.into(), ..Cell::default() }
    }
    pub fn link(t: impl Into<String>, href: impl Into<String>) -> Cell {
        Cell { text: t.into(), href: href.into(), ..Cell::default() }
    }
    pub fn badge(t: impl Into<String>, class: &str) -> Cell {
        Cell { text: t.into(), class: class.into(), ..Cell::default() }
    }
}

/// A select filter of a table page.
pub struct Filter {
    pub name: &'static str,
    pub label: &'static str,
    pub options: Vec<Opt>,
}

/// A generic list page: title, links, filters, a table with a pager and a download.
#[derive(Template)]
#[template(path = "pairing_table.html")]
pub struct TablePage {
    pub nav: Nav,
    pub title: String,
    pub intro: String,
    pub actions: Vec<(String, String)>,
    pub filters: Vec<Filter>,
    pub filter_action: String,
    pub table_id: &'static str,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
    pub total: i64,
    pub prev: String,
    pub next: String,
    pub download: String,
}

impl TablePage {
    pub fn new(nav: Nav, title: impl Into<String>, table_id: &'static str, headers: Vec<&'static str>) -> TablePage {
        TablePage {
            nav,
            title: title.into(),
            intro: String::new(),
            actions: Vec::new(),
            filters: Vec::new(),
            filter_action: String::new(),
            table_id,
            headers,
            rows: Vec::new(),
            total: 0,
            prev: String::new(),
            next: String::new(),
            download: String::new(),
        }
    }
}

/// One field of a form.
pub struct Field {
    pub name: &'static str,
    pub label: String,
    /// text | date | select | textarea
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<Opt>,
    pub error: String,
    pub hint: String,
    pub required: bool,
}

impl Field {
    pub fn text(name: &'static str, label: impl Into<String>) -> Field {
        Field { name, label: label.into(), kind: "text", value: String::new(), options: Vec::new(), error: String::new(), hint: String::new(), required: false }
    }
    pub fn date(name: &'static str, label: impl Into<String>) -> Field {
        Field { kind: "date", ..Field::text(name, label) }
    }
    pub fn area(name: &'static str, label: impl Into<String>) -> Field {
        Field { kind: "textarea", ..Field::text(name, label) }
    }
    pub fn select(name: &'static str, label: impl Into<String>, options: Vec<Opt>) -> Field {
        Field { kind: "select", options, ..Field::text(name, label) }
    }
    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }
    pub fn hint(mut self, h: impl Into<String>) -> Field {
        self.hint = h.into();
        self
    }
    /// Fills the value from what was posted (selects mark the posted option) and the error.
    pub fn fill(mut self, posted: &HashMap<String, String>, errors: &HashMap<&'static str, String>) -> Field {
        if let Some(v) = posted.get(self.name) {
            self.value = v.clone();
            for o in &mut self.options {
                o.selected = o.value == *v;
            }
        }
        if let Some(e) = errors.get(self.name) {
            self.error = e.clone();
        }
        self
    }
}

/// A generic form page (new unit, helper, team, pairing; ending a pairing).
#[derive(Template)]
#[template(path = "pairing_form.html")]
pub struct FormPage {
    pub nav: Nav,
    pub title: String,
    pub intro: String,
    pub facts: Vec<(String, String)>,
    /// A GET form above the page's form that switches a choice (the pairing kind).
    pub switch: Vec<Opt>,
    pub action: String,
    pub form_id: &'static str,
    pub fields: Vec<Field>,
    pub problems: Vec<String>,
    pub submit: String,
    pub back: String,
}

/// Renders a form page with 200, or 422 when it carries errors.
pub fn form_response(page: FormPage) -> Response {
    let bad = !page.problems.is_empty() || page.fields.iter().any(|f| !f.error.is_empty());
    let mut r = render(&page);
    if bad && r.status() == StatusCode::OK {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

/// The posted fields, trimmed (the last of repeated names wins; `multi` keeps them all).
pub fn posted(pairs: &[(String, String)]) -> HashMap<String, String> {
    pairs.iter().map(|(k, v)| (k.clone(), v.trim().to_string())).collect()
}

pub fn nav(p: &Principal, state: &AppState) -> Nav {
    Nav::new(p, &state.names(), "pairing")
}

pub fn opts<T: Copy + PartialEq>(all: &[T], code: fn(T) -> &'static str, label: fn(T) -> &'static str, selected: Option<T>, empty: &str) -> Vec<Opt> {
    let mut v = Vec::new();
    if !empty.is_empty() {
        v.push(Opt { value: String::new(), label: empty.into(), selected: selected.is_none() });
    }
    v.extend(all.iter().map(|x| Opt { value: code(*x).into(), label: label(*x).into(), selected: Some(*x) == selected }));
    v
}

/// Villages in scope as options ("青山镇 / 大坪村").
pub fn village_options(names: &RegionNames, p: &Principal, selected: &str) -> Vec<Opt> {
    let mut v = vec![Opt { value: String::new(), label: "请选择村".into(), selected: selected.is_empty() }];
    for (code, _) in names.children(&p.scope(), RegionLevel::Village) {
        v.push(Opt { selected: code == selected, label: names.path(&code), value: code });
    }
    v
}

/// The caller's scope and its townships and villages as options (where a unit or helper sits).
pub fn place_options(names: &RegionNames, p: &Principal, selected: &str) -> Vec<Opt> {
    let scope = p.scope();
    let own = format!("{:0<12}", scope.prefix());
    let mut v = vec![Opt { value: own.clone(), label: crate::handlers::quality::prefix_name(names, scope.prefix()), selected: selected.is_empty() || selected == own }];
    v.extend(crate::handlers::quality::region_options(names, scope.prefix(), selected).into_iter().filter(|o| o.value != own));
    v
}

/// "2026-11-23" or a Chinese error.
pub fn date_of(text: &str, label: &str) -> Result<chrono::NaiveDate, String> {
    if text.trim().is_empty() {
        return Err(format!("请填写{label}"));
    }
    let today = chrono::Local::now().date_naive();
    if chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").is_ok_and(|d| d > today) {
        return Err(format!("{label}不能晚于今天"));
    }
    match bangfu_domain::value::parse_date(text, today) {
        Ok(d) if d > today => Err(format!("{label}不能晚于今天")),
        Ok(d) => Ok(d),
        Err(e) => Err(format!("{label}：{e}")),
    }
}

/// A page number from a query (≥ 1).
pub fn page_of(p: i64) -> i64 {
    p.clamp(1, 100_000)
}

/// The prev/next links of a pager with `base` (which already holds the other query parameters).
pub fn pager(base: &str, page: i64, page_size: i64, total: i64) -> (String, String) {
    let sep = if base.contains('?') { "&" } else { "?" };
    let prev = if page > 1 { format!("{base}{sep}page={}", page - 1) } else { String::new() };
    let next = if page * page_size < total { format!("{base}{sep}page={}", page + 1) } else { String::new() };
    (prev, next)
}

/// Deletes a temporary file when dropped.
pub struct Temp(pub Option<std::path::PathBuf>);

impl Drop for Temp {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Writes rows as an xlsx download named `download`, audited as an export (`action`) in the
/// caller's scope. `rows` runs on the database thread.
pub async fn xlsx_download<F>(state: &AppState, p: &Principal, download: String, sheet: &'static str, header: Vec<&'static str>, action: &'static str, rows: F) -> AppResult<Response>
where
    F: FnOnce(&mut bangfu_store::Conn) -> AppResult<Vec<Vec<String>>> + Send + 'static,
{
    use crate::handlers::transfer::{XLSX, file_response, open, random_id};
    p.require(bangfu_domain::Capability::Export)?;
    let dir = state.config.data_dir.join("exports");
    tokio::fs::create_dir_all(&dir).await.map_err(|e| AppError::Internal(format!("{}: {e}", dir.display())))?;
    let path = dir.join(format!("{}.xlsx", random_id()));
    let temp = Temp(Some(path.clone()));
    let (target, actor, scope, name) = (path.clone(), p.actor(), p.scope(), download.clone());
    state
        .db
        .run(move |c, _| {
            let data = rows(c)?;
            let sheet_err = |e: bangfu_sheets::SheetError| AppError::Internal(format!("pairing export: {e}"));
            let mut w = bangfu_sheets::xlsx_writer(&target).map_err(sheet_err)?;
            w.begin_table(sheet, &header).map_err(sheet_err)?;
            for r in &data {
                let cells: Vec<bangfu_sheets::Cell> = r.iter().map(|t| bangfu_sheets::Cell::Text(t.clone())).collect();
                w.write_row(&cells).map_err(sheet_err)?;
            }
            w.finish().map_err(sheet_err)?;
            c.begin()?;
            bangfu_store::audit::record(
                c,
                &actor,
                bangfu_store::audit::Entry {
                    region_code: Some(scope.prefix()),
                    entity: "export",
                    entity_id: None,
                    action,
                    before: None,
                    after: Some(serde_json::json!({"file": name, "rows": data.len()}).to_string()),
                },
            )?;
            c.commit()?;
            Ok(())
        })
        .await?;
    let (file, len) = open(&path).await?;
    drop(temp);
    Ok(file_response(file, Some(len), &download, XLSX))
}

/// Where helpers and units may be picked from: the caller's county (a township's households are
/// usually helped by county cadres and units). Beneficiaries stay within the caller's own scope.
pub fn helper_scope(scope: &bangfu_domain::RegionScope) -> bangfu_domain::RegionScope {
    let prefix = scope.prefix();
    if prefix.len() <= 6 {
        return scope.clone();
    }
    match bangfu_domain::RegionCode::parse(&format!("{:0<12}", &prefix[..6])) {
        Ok(c) => bangfu_domain::RegionScope::of(&c),
        Err(_) => scope.clone(),
    }
}
