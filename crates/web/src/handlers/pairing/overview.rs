//! The overview of pairing coverage in the caller's scope, the coverage lists (with xlsx
//! downloads) and the caseload list.

use super::{Cell, TablePage, nav, page_of, pager, store_error, xlsx_download};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::handlers::render;
use crate::state::AppState;
use crate::views::Nav;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_domain::Capability;
use bangfu_store::pairing::{CoverageSummary, coverage};

const PAGE_SIZE: i64 = 50;
/// The most rows a coverage download holds.
const EXPORT_MAX: i64 = 200_000;

#[derive(Template)]
#[template(path = "pairing_overview.html")]
struct OverviewPage {
    nav: Nav,
    c: CoverageSummary,
    can_manage: bool,
    /// Per township (or village): code, name, registered households, without a helper, % covered.
    regions: Vec<(String, String, i64, i64, String)>,
    region_level: &'static str,
}

pub async fn show(State(state): State<AppState>, p: Principal) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let region_level = if scope.prefix().len() >= 9 { "村" } else { "乡镇" };
    let (c, rows) = state.db.run(move |c, _| Ok((coverage::summary(c, &scope, None).map_err(store_error)?, coverage::households_by_region(c, &scope).map_err(store_error)?))).await?;
    let names = state.names();
    let regions = rows
        .into_iter()
        .map(|(code, name, total, gap)| {
            let share = if total > 0 { crate::handlers::compare::percent((total - gap) as f64 / total as f64) } else { "—".into() };
            let name = name.or_else(|| names.name(&code).map(str::to_string)).unwrap_or_else(|| code.clone());
            (code, name, total, gap, share)
        })
        .collect();
    Ok(render(&OverviewPage { nav: nav(&p, &state), c, can_manage: p.can(Capability::ManagePairing), regions, region_level }))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    pub page: i64,
    pub over: String,
    /// A region inside the caller's scope (the coverage lists).
    pub region: String,
}

fn type_label(code: Option<&str>) -> String {
    crate::views::label(&bangfu_domain::vocab::HOUSEHOLD_TYPE, code)
}

/// The rows of a coverage list (all of them for a download, a page otherwise) with the total.
fn coverage_rows(c: &mut bangfu_store::Conn, scope: &bangfu_domain::RegionScope, region: Option<&bangfu_domain::RegionCode>, names: &crate::regions::RegionNames, what: &str, offset: i64, limit: i64) -> AppResult<(Vec<Vec<Cell>>, i64)> {
    Ok(match what {
        "households" => {
            let (rows, total) = coverage::households_without_helper(c, scope, region, offset, limit).map_err(store_error)?;
            let v = rows
                .into_iter()
                .map(|h| {
                    vec![
                        Cell::text(names.path(&h.region_code)),
                        Cell::link(h.household_no.clone().unwrap_or_default(), format!("/households/{}", h.household_id)),
                        Cell::text(h.head_name.unwrap_or_default()),
                        Cell::text(type_label(h.household_type.as_deref())),
                        Cell::link("指定帮扶人", format!("/pairing/pairings/new?kind=helper_household&household_no={}", h.household_no.unwrap_or_default())),
                    ]
                })
                .collect();
            (v, total)
        }
        "villages" => {
            let rows = coverage::villages_without_unit(c, scope, region).map_err(store_error)?;
            let total = rows.len() as i64;
            let v = rows
                .into_iter()
                .skip(offset as usize)
                .take(limit as usize)
                .map(|g| {
                    vec![
                        Cell::text(names.path(&g.code)),
                        Cell::text(g.code.clone()),
                        if g.poor_village { Cell::badge("脱贫村（原贫困村）", "badge warn") } else { Cell::text("") },
                        Cell::text(g.registered_households.to_string()),
                        Cell::link("指定帮扶单位", format!("/pairing/pairings/new?kind=unit_village&village={}", g.code)),
                    ]
                })
                .collect();
            (v, total)
        }
        "students" => {
            let (rows, total) = coverage::students_without_teacher(c, scope, region, offset, limit).map_err(store_error)?;
            let v = rows
                .into_iter()
                .map(|s| {
                    vec![
                        Cell::text(names.path(&s.region_code)),
                        Cell::link(s.household_no.unwrap_or_default(), format!("/households/{}", s.household_id)),
                        Cell::text(s.name.unwrap_or_default()),
                        Cell::text(crate::views::label(&bangfu_domain::vocab::SCHOOL_STATUS, s.school_status.as_deref())),
                        Cell::link("指定教师", format!("/pairing/pairings/new?kind=teacher_student&student={}", s.member_id)),
                    ]
                })
                .collect();
            (v, total)
        }
        "schools" => {
            let rows = coverage::schools_without_pairing(c, scope, region).map_err(store_error)?;
            let total = rows.len() as i64;
            let v = rows
                .into_iter()
                .skip(offset as usize)
                .take(limit as usize)
                .map(|s| vec![Cell::text(names.path(&s.region_code)), Cell::text(s.name), Cell::link("结对", format!("/pairing/pairings/new?kind=school_school&beneficiary_school={}", s.unit_id))])
                .collect();
            (v, total)
        }
        _ => return Err(AppError::NotFound),
    })
}

fn coverage_meta(what: &str) -> Option<(&'static str, Vec<&'static str>)> {
    Some(match what {
        "households" => ("未落实帮扶责任人的户", vec!["村", "户编号", "户主", "户类型", ""]),
        "villages" => ("未落实帮扶单位或工作队的村", vec!["村", "区划代码", "", "建档立卡户数", ""]),
        "students" => ("未结对教师的建档立卡学生", vec!["村", "户编号", "学生", "在校情况", ""]),
        "schools" => ("未结对的学校", vec!["所在地", "学校", ""]),
        _ => return None,
    })
}

/// `/pairing/coverage/{what}` (households, villages, students, schools; `caseload` is the caseload
/// list); `{what}.xlsx` downloads the whole list.
pub async fn coverage(State(state): State<AppState>, p: Principal, Path(what): Path<String>, Query(q): Query<PageQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    if what == "caseload" {
        return Ok(Redirect::to("/pairing/caseload?over=1").into_response());
    }
    let (name, xlsx) = match what.strip_suffix(".xlsx") {
        Some(n) => (n.to_string(), true),
        None => (what.clone(), false),
    };
    let (title, headers) = coverage_meta(&name).ok_or(AppError::NotFound)?;
    let scope = p.scope();
    let names = state.names();
    let region_prefix = crate::handlers::quality::region_param(&q.region, scope.prefix())?;
    let region = region_prefix.as_deref().and_then(|r| bangfu_domain::RegionCode::parse(&format!("{r:0<12}")).ok());
    let region_q = region_prefix.as_deref().map(|r| format!("?region={r}")).unwrap_or_default();
    let title = match &region_prefix {
        Some(r) => format!("{title}（{}）", crate::handlers::quality::prefix_name(&names, r)),
        None => title.to_string(),
    };
    if xlsx {
        let download = format!("{title}_{}_{}.xlsx", crate::handlers::quality::prefix_name(&names, scope.prefix()), chrono::Local::now().format("%Y%m%d"));
        let header: Vec<&'static str> = headers.iter().copied().filter(|h| !h.is_empty()).collect();
        let n = header.len();
        return xlsx_download(&state, &p, download, "清单", header, "export_pairing_coverage", move |c| {
            let (rows, _) = coverage_rows(c, &scope, region.as_ref(), &names, &name, 0, EXPORT_MAX)?;
            Ok(rows.into_iter().map(|r| r.into_iter().take(n).map(|c| c.text).collect()).collect())
        })
        .await;
    }
    let page = page_of(q.page);
    let (w, s2, n2, r2) = (name.clone(), scope.clone(), names.clone(), region);
    let (rows, total) = state.db.run(move |c, _| coverage_rows(c, &s2, r2.as_ref(), &n2, &w, (page - 1) * PAGE_SIZE, PAGE_SIZE)).await?;
    let mut t = TablePage::new(nav(&p, &state), title, "coverage", headers);
    t.rows = if p.can(Capability::ManagePairing) { rows } else { rows.into_iter().map(|mut r| { r.pop(); r.push(Cell::text("")); r }).collect() };
    t.total = total;
    (t.prev, t.next) = pager(&format!("/pairing/coverage/{name}{region_q}"), page, PAGE_SIZE, total);
    t.download = format!("/pairing/coverage/{name}.xlsx{region_q}");
    t.actions = vec![("结对帮扶总览".into(), "/pairing".into())];
    Ok(render(&t))
}

/// `/pairing/caseload?over=1`: every active helper with their households and limit.
pub async fn caseload(State(state): State<AppState>, p: Principal, Query(q): Query<PageQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let over = matches!(q.over.as_str(), "1" | "true" | "on");
    let rows = state.db.run(move |c, _| bangfu_store::pairing::caseload::helpers_with_caseload(c, &scope).map_err(store_error)).await?;
    let rows: Vec<_> = rows.into_iter().filter(|r| !over || r.is_over()).collect();
    let title = if over { "超过包户数上限的帮扶人" } else { "帮扶人包户情况" };
    let mut t = TablePage::new(nav(&p, &state), title, "caseload", vec!["帮扶人", "单位", "职级", "包户数", "上限", ""]);
    t.total = rows.len() as i64;
    t.rows = rows
        .into_iter()
        .map(|r| {
            vec![
                Cell::link(r.name.clone(), format!("/pairing/helpers/{}", r.helper_id)),
                Cell::text(r.unit_name.clone().unwrap_or_default()),
                Cell::text(r.rank.map(|x| x.label()).unwrap_or("")),
                Cell::text(r.households.to_string()),
                Cell::text(r.limit.to_string()),
                if r.is_over() { Cell::badge("超过上限", "badge warn") } else { Cell::text("") },
            ]
        })
        .collect();
    t.actions = vec![("结对帮扶总览".into(), "/pairing".into()), (if over { "全部帮扶人".into() } else { "只看超过上限的".into() }, if over { "/pairing/caseload".into() } else { "/pairing/caseload?over=1".into() })];
    Ok(render(&t))
}
