//! Work orders: the list in scope with filters (list, finding kind, status, region) and its xlsx
//! export (audited, ID numbers masked), one order with the way to verify it, the household's data
//! that matter for it, the form that records the verification (optimistic version: a stale form
//! shows a conflict and overwrites nothing) and its history from the audit trail.

use super::{OrderView, kind_options, list_options, status_options};
use crate::auth::{Principal, csrf};
use crate::error::{AppError, AppResult};
use crate::handlers::edit::with_status;
use crate::handlers::households::show::show_value;
use crate::handlers::quality::{Opt, local_time, prefix_name, region_options, region_param, store_error};
use crate::handlers::render;
use crate::handlers::transfer::{XLSX, file_response, open, random_id};
use crate::state::AppState;
use crate::views::{Nav, thousands, urlencode};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_domain::comparison::{FindingKind, OrderStatus};
use bangfu_domain::fields::{HouseholdField as HF, MemberField as MF};
use bangfu_domain::{Capability, RegionCode, RegionScope};
use bangfu_sheets::Cell;
use bangfu_store::audit::{self, Entry};
use bangfu_store::comparison::{self, OrderFilter, OrderUpdate, WorkOrder};
use bangfu_store::registry::read;
use std::path::PathBuf;

const PAGE_SIZE: i64 = 50;
/// Orders read per round trip when exporting.
const EXPORT_CHUNK: i64 = 2000;

/// The filters of the orders page and its export, as sent.
#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
pub struct OrdersQuery {
    pub list: String,
    pub kind: String,
    pub status: String,
    pub region: String,
    pub page: i64,
}

/// The filters, checked: an unknown kind or status is a 400, a region outside the scope a 404.
pub struct Filters {
    pub filter: OrderFilter,
    /// The region prefix asked for ("" = the whole scope).
    pub region: String,
    /// The query string without the page ("list=3&status=open").
    pub qs: String,
}

pub fn filters(q: &OrdersQuery, scope: &RegionScope) -> AppResult<Filters> {
    let list_id = match q.list.trim() {
        "" => None,
        t => Some(t.parse::<i64>().map_err(|_| AppError::NotFound)?),
    };
    let kind = match q.kind.trim() {
        "" => None,
        t => Some(FindingKind::by_code(t).or_else(|| FindingKind::parse(t)).ok_or_else(|| AppError::BadRequest(format!("“{t}”不是可识别的问题类型")))?),
    };
    let status = match q.status.trim() {
        "" => None,
        t => Some(OrderStatus::by_code(t).or_else(|| OrderStatus::parse(t)).ok_or_else(|| AppError::BadRequest(format!("状态“{t}”无效，可选：待核实、核实属实、核实不属实、已整改")))?),
    };
    let region = region_param(&q.region, scope.prefix())?.unwrap_or_default();
    let mut qs = Vec::new();
    if let Some(l) = list_id {
        qs.push(format!("list={l}"));
    }
    if let Some(k) = kind {
        qs.push(format!("kind={}", k.code()));
    }
    if let Some(s) = status {
        qs.push(format!("status={}", s.code()));
    }
    if !region.is_empty() {
        qs.push(format!("region={}", urlencode(&region)));
    }
    let code = if region.is_empty() { None } else { RegionCode::parse(&region).ok() };
    Ok(Filters { filter: OrderFilter { list_id, kind, status, region: code, household_id: None }, region, qs: qs.join("&") })
}

#[derive(Template)]
#[template(path = "compare_orders.html")]
struct OrdersPage {
    nav: Nav,
    rows: Vec<OrderView>,
    total: String,
    page: i64,
    pages: i64,
    qs: String,
    lists: Vec<Opt>,
    kinds: Vec<Opt>,
    statuses: Vec<Opt>,
    regions: Vec<Opt>,
}

pub async fn list(State(state): State<AppState>, p: Principal, Query(q): Query<OrdersQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let f = filters(&q, &scope)?;
    let page = q.page.clamp(1, 1_000_000);
    let filter = f.filter.clone();
    let (lists, result) = state
        .db
        .run(move |c, _| {
            let lists = comparison::lists(c, &scope, 0, 200)?;
            Ok((lists, comparison::orders(c, &scope, &filter, (page - 1) * PAGE_SIZE, PAGE_SIZE)?))
        })
        .await?;
    let names = state.names();
    let mut regions = vec![Opt { value: String::new(), label: format!("全部（{}）", prefix_name(&names, p.scope().prefix())), selected: f.region.is_empty() }];
    regions.extend(region_options(&names, p.scope().prefix(), &f.region));
    let page_view = OrdersPage {
        nav: Nav::new(&p, &names, "compare"),
        rows: result.orders.iter().map(|o| OrderView::new(o, &names)).collect(),
        total: thousands(result.total),
        page,
        pages: ((result.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
        qs: f.qs,
        lists: list_options(&lists, f.filter.list_id, "全部名单"),
        kinds: kind_options(f.filter.kind),
        statuses: status_options(f.filter.status),
        regions,
    };
    Ok(render(&page_view))
}

/// Deletes the temporary file when the request ends.
struct Temp(Option<PathBuf>);

impl Drop for Temp {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

const EXPORT_HEADER: [&str; 16] = [
    "工单编号", "名单编号", "名单", "乡镇", "村", "户编号", "户主", "成员", "证件号码（脱敏）", "问题类型", "问题说明", "核实方法", "状态", "核实/整改情况", "更新人", "更新时间",
];

fn export_row(o: &WorkOrder, names: &crate::regions::RegionNames) -> Vec<Cell> {
    let text = |s: &str| Cell::Text(s.to_string());
    let township = RegionCode::parse(&o.region_code).ok().and_then(|c| c.at_level(bangfu_domain::RegionLevel::Township)).and_then(|t| names.name(t.as_str()).map(str::to_string)).unwrap_or_default();
    let list = match (o.department, o.list_kind) {
        (Some(d), Some(k)) => format!("{} · {}", d.label(), k.label()),
        _ => String::new(),
    };
    vec![
        Cell::Int(o.id),
        Cell::Int(o.list_id),
        Cell::Text(list),
        Cell::Text(township),
        text(o.village_name.as_deref().unwrap_or(&o.region_code)),
        text(o.household_no.as_deref().unwrap_or_default()),
        text(o.head_name.as_deref().unwrap_or_default()),
        text(o.member_name.as_deref().unwrap_or_default()),
        // never the full number: the masked one helps tell namesakes apart
        text(o.resident_id_masked.as_deref().unwrap_or_default()),
        text(o.kind.label()),
        text(&o.detail),
        text(o.kind.hint()),
        text(o.status.label()),
        text(o.note.as_deref().unwrap_or_default()),
        text(&o.updated_by),
        Cell::Text(local_time(&o.updated_at)),
    ]
}

/// The filtered orders as xlsx (one row per order, ID numbers masked), audited as an export.
pub async fn export(State(state): State<AppState>, p: Principal, Query(q): Query<OrdersQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    p.require(Capability::Export)?;
    let scope = p.scope();
    let f = filters(&q, &scope)?;
    let names = state.names();
    let place = prefix_name(&names, if f.region.is_empty() { scope.prefix() } else { &f.region });
    let download = format!("比对工单_{place}_{}.xlsx", chrono::Local::now().format("%Y%m%d"));
    let dir = state.config.data_dir.join("exports");
    tokio::fs::create_dir_all(&dir).await.map_err(|e| AppError::Internal(format!("{}: {e}", dir.display())))?;
    let path = dir.join(format!("{}.xlsx", random_id()));
    let temp = Temp(Some(path.clone()));
    let (target, actor, name, qs) = (path.clone(), p.actor(), download.clone(), f.qs.clone());
    let filter = f.filter;
    let written = state
        .db
        .run(move |c, _| {
            let sheet = |e: bangfu_sheets::SheetError| AppError::Internal(format!("orders export: {e}"));
            let mut w = bangfu_sheets::xlsx_writer(&target).map_err(sheet)?;
            w.begin_table("比对工单", &EXPORT_HEADER).map_err(sheet)?;
            let mut offset = 0;
            let mut written = 0u64;
            loop {
                let page = comparison::orders(c, &scope, &filter, offset, EXPORT_CHUNK)?;
                for o in &page.orders {
                    w.write_row(&export_row(o, &names)).map_err(sheet)?;
                    written += 1;
                }
                if (page.orders.len() as i64) < EXPORT_CHUNK {
                    break;
                }
                offset += EXPORT_CHUNK;
            }
            w.finish().map_err(sheet)?;
            c.begin()?;
            audit::record(
                c,
                &actor,
                Entry {
                    region_code: Some(scope.prefix()),
                    entity: "export",
                    entity_id: None,
                    action: "export_work_orders",
                    before: None,
                    after: Some(serde_json::json!({"file": name, "orders": written, "filters": qs}).to_string()),
                },
            )?;
            c.commit()?;
            Ok(written)
        })
        .await?;
    let (file, len) = open(&path).await?;
    drop(temp);
    tracing::info!(orders = written, "work orders exported");
    Ok(file_response(file, Some(len), &download, XLSX))
}

/// A label and a value of the household's data shown next to an order.
pub struct Kv {
    pub label: &'static str,
    pub value: String,
}

/// The household and member fields that matter for verifying a kind of finding.
fn relevant(kind: FindingKind) -> (&'static [HF], &'static [MF]) {
    use FindingKind::*;
    match kind {
        DeceasedStillRegistered | MovedOutStillRegistered => (&[HF::HouseholdType], &[MF::Relation, MF::BirthDate, MF::MigrantStatus, MF::MigrantPlace]),
        DibaoNotRecorded | DibaoRecordedNotOnList => (&[HF::PovertyAttribute, HF::HouseholdType], &[MF::Dibao, MF::Tekun]),
        LargeMedicalNotMonitored => (&[HF::HouseholdType, HF::MonitoringCategory, HF::RiskEliminated, HF::MedicalSecure], &[MF::Health, MF::SeriousIllnessInsurance, MF::MedicalAssistance]),
        DisabilityGradeDiffers | DisabilityNotRecorded => (&[], &[MF::Health, MF::DisabilityGrade, MF::DisabilityCategory]),
        StudentRecordedOutOfSchool | NotOnStudentRoll => (&[HF::EducationSecure], &[MF::BirthDate, MF::SchoolStatus, MF::NotInSchoolReason, MF::Education]),
        DangerousHouseNotRecorded => (&[HF::DangerousHouse, HF::HousingGrade, HF::HousingSecure, HF::HousingArea], &[]),
        EmployedRecordedWithoutLabour => (&[], &[MF::LabourSkill, MF::Health, MF::MigrantStatus, MF::Employer]),
        VehicleOwner | CompanyOwner | PublicPayrollRelative => (&[HF::HouseholdType, HF::PovertyAttribute], &[MF::Relation, MF::MigrantStatus]),
        NameDiffers | NotInRegistry => (&[], &[MF::Relation]),
    }
}

/// A person of the household with the fields that matter.
pub struct PersonView {
    pub name: String,
    pub resident_id: String,
    /// The order is about this person.
    pub concerned: bool,
    pub items: Vec<Kv>,
}

pub struct HistoryRow {
    pub at: String,
    pub actor: String,
    pub change: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "compare_order.html")]
struct OrderPage {
    nav: Nav,
    o: OrderView,
    list_title: String,
    hint: &'static str,
    household: Vec<Kv>,
    people: Vec<PersonView>,
    history: Vec<HistoryRow>,
    created_at: String,
    /// The status choices of the form (the current one first).
    choices: Vec<Opt>,
    /// What the form shows: the user's own text after a refusal or conflict.
    note: String,
    version: i64,
    saved: bool,
    error: String,
    conflict: bool,
}

fn status_label(code: &str) -> &'static str {
    OrderStatus::by_code(code).map(|s| s.label()).unwrap_or("")
}

/// The order's history, newest first, from its audit entries.
fn history(rows: Vec<audit::AuditRow>) -> Vec<HistoryRow> {
    rows.into_iter()
        .map(|a| {
            let parse = |v: &Option<String>| v.as_deref().and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok()).unwrap_or_default();
            let (before, after) = (parse(&a.before_value), parse(&a.after_value));
            let (from, to) = (before["status"].as_str().unwrap_or_default(), after["status"].as_str().unwrap_or_default());
            let change = if from == to { format!("{}（修改说明）", status_label(to)) } else { format!("{} → {}", status_label(from), status_label(to)) };
            HistoryRow { at: local_time(&a.at), actor: a.actor, change, note: after["note"].as_str().unwrap_or_default().to_string() }
        })
        .collect()
}

/// The status choices: the current status (keep it, change only the note) and the allowed moves.
fn choices(current: OrderStatus, selected: OrderStatus) -> Vec<Opt> {
    let mut v = vec![Opt { value: current.code().into(), label: format!("{}（不变）", current.label()), selected: selected == current }];
    v.extend(OrderStatus::ALL.iter().filter(|s| current.can_become(**s)).map(|s| Opt { value: s.code().into(), label: s.label().into(), selected: *s == selected }));
    v
}

/// What the page shows besides the order itself.
struct Shown {
    order: WorkOrder,
    household: Vec<Kv>,
    people: Vec<PersonView>,
    history: Vec<HistoryRow>,
}

async fn load(state: &AppState, p: &Principal, id: i64) -> AppResult<Shown> {
    let scope = p.scope();
    let (order, stored, audits) = state
        .db
        .run(move |c, keys| {
            let Some(order) = comparison::order(c, &scope, id)? else { return Err(AppError::NotFound) };
            let stored = read::get(c, keys, &scope, order.household_id)?;
            let audits = audit::history(c, "work_order", &id.to_string(), 200)?;
            Ok((order, stored, audits))
        })
        .await?;
    let (hfields, mfields) = relevant(order.kind);
    let mut household = Vec::new();
    let mut people = Vec::new();
    if let Some(h) = &stored {
        let doc = &h.doc;
        let mut hf = vec![HF::HouseholdNo];
        hf.extend_from_slice(hfields);
        household = hf.iter().map(|f| Kv { label: f.def().label, value: show_value(f.def().kind, doc.get(*f), false) }).collect();
        // the member concerned, or everyone for an order about the household
        for (m, mid) in doc.members.iter().zip(&h.member_ids) {
            let concerned = order.member_id == Some(*mid);
            if order.member_id.is_some() && !concerned {
                continue;
            }
            people.push(PersonView {
                name: m.name().to_string(),
                resident_id: m.resident_id.masked(),
                concerned,
                items: mfields.iter().map(|f| Kv { label: f.def().label, value: show_value(f.def().kind, m.get(*f), false) }).collect(),
            });
        }
    }
    Ok(Shown { order, household, people, history: history(audits) })
}

/// What the verification form shows and what happened to the last submission.
struct FormState {
    selected: OrderStatus,
    note: String,
    version: i64,
    saved: bool,
    error: String,
    conflict: bool,
}

fn page(state: &AppState, p: &Principal, s: Shown, f: FormState) -> OrderPage {
    let names = state.names();
    let list_title = match (s.order.department, s.order.list_kind) {
        (Some(d), Some(k)) => format!("{} · {}", d.label(), k.label()),
        _ => String::new(),
    };
    OrderPage {
        nav: Nav::new(p, &names, "compare"),
        hint: s.order.kind.hint(),
        created_at: local_time(&s.order.created_at),
        choices: choices(s.order.status, f.selected),
        o: OrderView::new(&s.order, &names),
        list_title,
        household: s.household,
        people: s.people,
        history: s.history,
        note: f.note,
        version: f.version,
        saved: f.saved,
        error: f.error,
        conflict: f.conflict,
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ShowQuery {
    saved: Option<String>,
}

pub async fn show(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Query(q): Query<ShowQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let s = load(&state, &p, id).await?;
    let (status, note, version) = (s.order.status, s.order.note.clone().unwrap_or_default(), s.order.version);
    Ok(render(&page(&state, &p, s, FormState { selected: status, note, version, saved: q.saved.is_some(), error: String::new(), conflict: false })))
}

#[derive(serde::Deserialize)]
pub struct SaveForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    version: i64,
}

/// Records a verification: saved → back to the order; a stale version → 409 with the order as it is
/// now and the user's text kept in the form; a move not allowed or a missing note → 422.
pub async fn save(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Form(f): Form<SaveForm>) -> AppResult<Response> {
    csrf::check(&p, &f.csrf)?;
    p.require(Capability::EditRegistry)?;
    let status = OrderStatus::by_code(f.status.trim()).ok_or_else(|| AppError::BadRequest("请选择核实结果（待核实、核实属实、核实不属实、已整改）".into()))?;
    let (scope, actor, note, version) = (p.scope(), p.actor(), f.note.clone(), f.version);
    let outcome = state.db.run(move |c, _| Ok(comparison::update_order(c, &actor, &scope, id, version, status, Some(&note)))).await?;
    match outcome {
        Ok(OrderUpdate::Saved { .. }) => Ok(Redirect::to(&format!("/compare/orders/{id}?saved=1")).into_response()),
        Ok(OrderUpdate::Conflict { current }) => {
            let s = load(&state, &p, id).await?;
            let message = format!(
                "保存冲突：在您填写期间，{} 已于 {} 把该工单改为“{}”（第 {} 版）。您的修改未保存。请核对下方的当前状态和处理记录；如仍需修改，确认后再次提交。",
                current.updated_by,
                local_time(&current.updated_at),
                current.status.label(),
                current.version
            );
            let version = s.order.version;
            Ok(with_status(StatusCode::CONFLICT, &page(&state, &p, s, FormState { selected: status, note: f.note, version, saved: false, error: message, conflict: true })))
        }
        Err(bangfu_store::StoreError::Invalid(m)) => {
            let s = load(&state, &p, id).await?;
            Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&state, &p, s, FormState { selected: status, note: f.note, version: f.version, saved: false, error: m, conflict: false })))
        }
        Err(e) => Err(store_error(e)),
    }
}
