//! Comparison with department lists (数据比对) in the browser: the lists of the user's region and the
//! upload that compares a new one as a background job (`lists`, `upload`), a list's report, the work
//! orders with filters and their xlsx export, one order with its verification form and history
//! (`orders`), and completion per township (`progress`). The household file lists its unresolved
//! orders (`household_section`).
//!
//! Capabilities: reading needs `ViewRegistry`, importing a list `Compare`, verifying an order
//! `EditRegistry`; everything is clipped to the caller's scope in the store (out of scope is 404).

pub mod lists;
pub mod orders;
pub mod progress;
pub mod upload;

use crate::charts::{Bar, ChartOpts};
use crate::handlers::quality::{local_time, prefix_name};
use crate::regions::RegionNames;
use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use bangfu_domain::comparison::{FindingKind, ListKind, OrderStatus};
use bangfu_domain::value::format_hundredths;
use bangfu_store::comparison::{DeptList, Progress, TownshipProgress, WorkOrder};
use bangfu_store::comparison_web::HouseholdOrder;

/// Every page route of the comparison. The upload lifts the site-wide body limit and enforces
/// `max_upload_mib` itself, as the household import does.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/compare", get(lists::list))
        .route("/compare/lists", post(upload::upload_form).layer(DefaultBodyLimit::disable()))
        .route("/compare/jobs/{job}", get(lists::job))
        .route("/compare/lists/{id}", get(lists::show))
        .route("/compare/lists/{id}/report.xlsx", get(lists::report))
        .route("/compare/orders", get(orders::list))
        .route("/compare/orders.xlsx", get(orders::export))
        .route("/compare/orders/{id}", get(orders::show).post(orders::save))
        .route("/compare/progress", get(progress::show))
}

/// Where a list's error report is kept (bad and repeated rows), by list id: it outlives the job.
pub fn report_file(state: &AppState, list_id: i64) -> std::path::PathBuf {
    state.config.data_dir.join("compare-reports").join(format!("list-{list_id}.xlsx"))
}

/// "12.5%" of a 0–1 share.
pub fn percent(share: f64) -> String {
    let p = (share * 1000.0).round() / 10.0;
    if p.fract() == 0.0 { format!("{p:.0}%") } else { format!("{p:.1}%") }
}

/// A list as the pages show it.
pub struct ListView {
    pub id: i64,
    pub department: &'static str,
    pub kind: &'static str,
    pub kind_code: &'static str,
    pub complete: bool,
    pub region_name: String,
    pub file_name: String,
    pub imported_at: String,
    pub actor: String,
    /// "医疗费用：脱贫（贫困）人口 5000 元，其他农村人口 20000 元" or empty.
    pub thresholds: String,
    /// None: the list's region is wider than the caller's scope (only their own orders are shown).
    pub figures: Option<bangfu_store::comparison::ListFigures>,
}

impl ListView {
    pub fn new(l: &DeptList, names: &RegionNames) -> ListView {
        ListView {
            id: l.id,
            department: l.department.label(),
            kind: l.kind.label(),
            kind_code: l.kind.code(),
            complete: l.complete,
            region_name: prefix_name(names, &l.region_prefix),
            file_name: l.file_name.clone(),
            imported_at: local_time(&l.imported_at),
            actor: l.actor.clone(),
            thresholds: if l.kind == ListKind::MedicalExpense {
                format!("预警线：脱贫（贫困）人口 {} 元，其他农村人口 {} 元", format_hundredths(l.thresholds.registered_fen), format_hundredths(l.thresholds.other_fen))
            } else {
                String::new()
            },
            figures: l.figures.clone(),
        }
    }

    /// "民政 · 低保对象名单（全量）".
    pub fn title(&self) -> String {
        format!("{} · {}{}", self.department, self.kind, if self.complete { "（全量）" } else { "" })
    }
}

/// The CSS class of a status badge.
pub fn status_class(s: OrderStatus) -> &'static str {
    match s {
        OrderStatus::Open => "badge warn",
        OrderStatus::VerifiedTrue => "badge",
        OrderStatus::VerifiedFalse | OrderStatus::Fixed => "badge ok",
    }
}

/// A work order as tables show it.
pub struct OrderView {
    pub id: i64,
    pub list_id: i64,
    pub village: String,
    pub household_id: i64,
    pub household_no: String,
    pub head: String,
    pub member: String,
    pub resident_id: String,
    pub kind: &'static str,
    pub kind_code: &'static str,
    pub detail: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub status_class: &'static str,
    pub note: String,
    pub updated_by: String,
    pub updated_at: String,
    pub version: i64,
}

impl OrderView {
    pub fn new(o: &WorkOrder, names: &RegionNames) -> OrderView {
        OrderView {
            id: o.id,
            list_id: o.list_id,
            village: names.path(&o.region_code),
            household_id: o.household_id,
            household_no: o.household_no.clone().unwrap_or_default(),
            head: o.head_name.clone().unwrap_or_default(),
            member: o.member_name.clone().unwrap_or_default(),
            resident_id: o.resident_id_masked.clone().unwrap_or_default(),
            kind: o.kind.label(),
            kind_code: o.kind.code(),
            detail: o.detail.clone(),
            status: o.status.label(),
            status_code: o.status.code(),
            status_class: status_class(o.status),
            note: o.note.clone().unwrap_or_default(),
            updated_by: o.updated_by.clone(),
            updated_at: local_time(&o.updated_at),
            version: o.version,
        }
    }
}

/// One township's completion (or the total) as tables show it.
pub struct TownshipRow {
    pub code: String,
    pub name: String,
    pub total: u64,
    pub open: u64,
    pub verified_true: u64,
    pub verified_false: u64,
    pub fixed: u64,
    pub closed: u64,
    pub percent: String,
}

impl TownshipRow {
    pub fn new(code: &str, name: String, p: &Progress) -> TownshipRow {
        TownshipRow {
            code: code.to_string(),
            name,
            total: p.total,
            open: p.open,
            verified_true: p.verified_true,
            verified_false: p.verified_false,
            fixed: p.fixed,
            closed: p.closed(),
            percent: percent(p.completion()),
        }
    }
}

/// The sum of the townships.
pub fn total_of(rows: &[TownshipProgress]) -> Progress {
    let mut t = Progress::default();
    for r in rows {
        t.total += r.progress.total;
        t.open += r.progress.open;
        t.verified_true += r.progress.verified_true;
        t.verified_false += r.progress.verified_false;
        t.fixed += r.progress.fixed;
    }
    t
}

/// The township table rows, the total row, and the bar chart of % closed (each bar opens the
/// township's orders).
pub fn township_table(rows: &[TownshipProgress], list: Option<i64>) -> (Vec<TownshipRow>, TownshipRow, String) {
    let name = |t: &TownshipProgress| t.name.clone().unwrap_or_else(|| t.code.clone());
    let list_q = list.map(|l| format!("&list={l}")).unwrap_or_default();
    let bars: Vec<Bar> = rows.iter().map(|t| Bar::new(name(t), (t.progress.completion() * 1000.0).round() / 10.0).link(format!("/compare/orders?region={}{list_q}", t.code))).collect();
    let opts = ChartOpts { color: "#2e7d32".into(), axis_at_least: 100.0, ..ChartOpts::unit("%") };
    let chart = crate::charts::bar_chart("各乡镇工单办结率（核实不属实 + 已整改）", &bars, &opts);
    let table = rows.iter().map(|t| TownshipRow::new(&t.code, name(t), &t.progress)).collect();
    (table, TownshipRow::new("", "合计".into(), &total_of(rows)), chart)
}

/// A select's option.
pub use crate::handlers::quality::Opt;

/// The finding kinds that become orders, as options.
pub fn kind_options(selected: Option<FindingKind>) -> Vec<Opt> {
    let mut v = vec![Opt { value: String::new(), label: "全部问题类型".into(), selected: selected.is_none() }];
    v.extend(FindingKind::ALL.iter().filter(|k| k.makes_order()).map(|k| Opt { value: k.code().into(), label: k.label().into(), selected: Some(*k) == selected }));
    v
}

pub fn status_options(selected: Option<OrderStatus>) -> Vec<Opt> {
    let mut v = vec![Opt { value: String::new(), label: "全部状态".into(), selected: selected.is_none() }];
    v.extend(OrderStatus::ALL.iter().map(|s| Opt { value: s.code().into(), label: s.label().into(), selected: Some(*s) == selected }));
    v
}

/// The lists in scope as options ("#3 民政 · 低保对象名单 2026-11-22").
pub fn list_options(lists: &[DeptList], selected: Option<i64>, all_label: &str) -> Vec<Opt> {
    let mut v = vec![Opt { value: String::new(), label: all_label.into(), selected: selected.is_none() }];
    v.extend(lists.iter().map(|l| Opt {
        value: l.id.to_string(),
        label: format!("#{} {} · {}（{}）", l.id, l.department.label(), l.kind.label(), local_time(&l.imported_at).chars().take(10).collect::<String>()),
        selected: Some(l.id) == selected,
    }));
    v
}

/// The 比对工单 section of the household file: its orders still to do.
pub struct HouseholdSection {
    pub orders: Vec<HouseholdOrderView>,
}

pub struct HouseholdOrderView {
    pub id: i64,
    pub kind: &'static str,
    pub status: &'static str,
    pub status_class: &'static str,
    pub member: String,
    pub detail: String,
    pub updated_at: String,
}

impl HouseholdSection {
    pub fn new(rows: Vec<HouseholdOrder>) -> HouseholdSection {
        HouseholdSection {
            orders: rows
                .into_iter()
                .map(|o| HouseholdOrderView {
                    id: o.id,
                    kind: o.kind.label(),
                    status: o.status.label(),
                    status_class: status_class(o.status),
                    member: o.member_name.unwrap_or_default(),
                    detail: o.detail,
                    updated_at: local_time(&o.updated_at),
                })
                .collect(),
        }
    }
}

/// The household's unresolved orders; a failure leaves the section empty (logged) rather than
/// failing the household file.
pub fn household_section(c: &mut bangfu_store::Conn, scope: &bangfu_domain::RegionScope, id: i64) -> HouseholdSection {
    match bangfu_store::comparison_web::unresolved_orders_of_household(c, scope, id) {
        Ok(rows) => HouseholdSection::new(rows),
        Err(e) => {
            tracing::warn!(household = id, error = %e, "work orders of the household unavailable");
            HouseholdSection { orders: Vec::new() }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_are_short() {
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(1.0 / 3.0), "33.3%");
    }
}
