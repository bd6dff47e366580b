//! Application forms that open cases (申请): identification, household exit and monitoring
//! identification for a household, village exit for a village. The household form shows the
//! household and, for exit, the 一超两不愁三保障 checklist as it stands; the village form takes the
//! rural population and the 五有 and previews the 一低五有 checklist (a round trip, no script).
//! Submitting opens the case and goes to its page; refusals come back as the form (422).
//!
//! Needs `EditRegistry`; the household or village must be in scope (else 404).

use crate::auth::{Principal, csrf};
use crate::error::{AppError, AppResult};
use crate::handlers::edit::with_status;
use crate::handlers::quality::store_error;
use crate::handlers::render;
use crate::state::AppState;
use crate::views::{Nav, label};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use bangfu_domain::fields::HouseholdField as HF;
use bangfu_domain::vocab::HOUSEHOLD_TYPE;
use bangfu_domain::workflow::checks::{self as pure, CheckResult, VillageFacts};
use bangfu_domain::{Capability, RegionCode, RegionLevel};
use bangfu_store::StoreError;
use bangfu_store::workflow::{cases, checks, NewCase};

pub fn router() -> Router<AppState> {
    Router::new().route("/apply", get(form).post(submit))
}

/// The procedures that can be applied for here: code, title, what is applied for, for a household.
pub const PROCEDURES: [(&str, &str, &str, bool); 4] = [
    ("identification", "申请识别纳入", "纳入建档立卡贫困户", true),
    ("household_exit", "申请退出", "退出贫困户", true),
    ("monitoring_identification", "申请纳入监测", "纳入防返贫监测", true),
    ("village_exit", "申请贫困村出列", "贫困村出列", false),
];

/// The 五有 as payload keys (read by the store's village-exit checks) and their labels.
pub const FIVE: [(&str, &str); 5] = [
    ("culture_room", "有综合性文化服务中心（文化室）"),
    ("clinic", "有标准化卫生室"),
    ("network", "通宽带网络"),
    ("hardened_road", "通硬化路"),
    ("collective_economy", "有集体经济收入"),
];

/// The form as sent (GET for the first view and the preview, POST to submit).
#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
pub struct ApplyForm {
    #[serde(rename = "_csrf")]
    pub csrf: String,
    pub procedure: String,
    pub household: String,
    pub region: String,
    pub reason: String,
    pub rural_population: String,
    pub culture_room: String,
    pub clinic: String,
    pub network: String,
    pub hardened_road: String,
    pub collective_economy: String,
    /// Set by the 预览 button: show the checklist for what was typed, open nothing.
    pub preview: String,
}

impl ApplyForm {
    fn flag(&self, key: &str) -> bool {
        let v = match key {
            "culture_room" => &self.culture_room,
            "clinic" => &self.clinic,
            "network" => &self.network,
            "hardened_road" => &self.hardened_road,
            "collective_economy" => &self.collective_economy,
            _ => return false,
        };
        !v.is_empty()
    }
}

pub struct CheckView {
    pub title: String,
    pub passed: bool,
    pub blocking: bool,
    pub detail: String,
}

impl CheckView {
    fn new(r: &CheckResult) -> CheckView {
        CheckView { title: r.title.clone(), passed: r.passed, blocking: r.blocking, detail: r.detail.clone() }
    }
}

pub struct FiveView {
    pub key: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

/// What the form is about.
pub struct Subject {
    pub household_id: i64,
    pub head: String,
    pub household_no: String,
    pub village: String,
    pub household_type: String,
    pub members: usize,
}

#[derive(Template)]
#[template(path = "apply_form.html")]
struct ApplyPage {
    nav: Nav,
    procedure: &'static str,
    title: &'static str,
    item: &'static str,
    household: Option<Subject>,
    region: String,
    village: String,
    checks: Vec<CheckView>,
    blocking: usize,
    poor_persons: i64,
    five: Vec<FiveView>,
    f: ApplyForm,
    error: String,
}

fn procedure(code: &str) -> AppResult<(&'static str, &'static str, &'static str, bool)> {
    PROCEDURES.iter().copied().find(|p| p.0 == code.trim()).ok_or_else(|| AppError::BadRequest(format!("“{}”不是可申请的事项，可选：识别纳入、退出、纳入监测、贫困村出列", code.trim())))
}

/// The facts a village exit is judged on, from the form and the registry.
fn village_facts(f: &ApplyForm, poor: i64) -> VillageFacts {
    VillageFacts {
        rural_population: f.rural_population.trim().parse().unwrap_or(0),
        poor_persons: poor,
        culture_room: f.flag("culture_room"),
        clinic: f.flag("clinic"),
        network: f.flag("network"),
        hardened_road: f.flag("hardened_road"),
        collective_economy: f.flag("collective_economy"),
    }
}

/// Loads the page's data: the household (with the exit checklist) or the village (with the 一低五有 preview).
async fn page(state: &AppState, p: &Principal, f: ApplyForm, error: String) -> AppResult<ApplyPage> {
    let (code, title, item, for_household) = procedure(&f.procedure)?;
    let names = state.names();
    let scope = p.scope();
    let mut out = ApplyPage {
        nav: Nav::new(p, &names, "cases"),
        procedure: code,
        title,
        item,
        household: None,
        region: String::new(),
        village: String::new(),
        checks: Vec::new(),
        blocking: 0,
        poor_persons: 0,
        five: FIVE.iter().map(|(k, l)| FiveView { key: k, label: l, checked: f.flag(k) }).collect(),
        f: f.clone(),
        error,
    };
    if for_household {
        let id: i64 = f.household.trim().parse().map_err(|_| AppError::NotFound)?;
        let is_exit = code == "household_exit";
        let today = bangfu_store::activity::today_china();
        let (h, results) = state
            .db
            .run(move |c, keys| {
                let Some(h) = bangfu_store::registry::read::get(c, keys, &scope, id)? else { return Ok(None) };
                let region = h.doc.get(HF::RegionCode).as_text().unwrap_or_default().to_string();
                let results = if is_exit {
                    let lines = bangfu_store::quality::settings(c)?.for_region(&region).lines.clone();
                    pure::household_exit(&h.doc, today, &lines)
                } else {
                    Vec::new()
                };
                Ok(Some((h, results)))
            })
            .await?
            .ok_or(AppError::NotFound)?;
        let region = h.doc.get(HF::RegionCode).as_text().unwrap_or_default().to_string();
        out.village = names.path(&region);
        out.region = region;
        out.blocking = results.iter().filter(|r| r.blocks()).count();
        out.checks = results.iter().map(CheckView::new).collect();
        out.household = Some(Subject {
            household_id: id,
            head: h.doc.head().map(|m| m.name().to_string()).unwrap_or_default(),
            household_no: h.doc.get(HF::HouseholdNo).as_text().unwrap_or_default().to_string(),
            village: out.village.clone(),
            household_type: label(&HOUSEHOLD_TYPE, h.doc.household_type()),
            members: h.doc.members.len(),
        });
    } else {
        let village = RegionCode::parse(f.region.trim()).map_err(|_| AppError::NotFound)?;
        if village.level() != RegionLevel::Village || !scope.contains(&village) {
            return Err(AppError::NotFound);
        }
        let v = village.as_str().to_string();
        let (poor, threshold) = state
            .db
            .run(move |c, _| {
                Ok((checks::poor_persons(c, &v)?, checks::threshold(c, &v)?))
            })
            .await?;
        out.poor_persons = poor;
        out.village = names.path(village.as_str());
        out.region = village.as_str().to_string();
        let results = pure::village_exit(&village_facts(&f, poor), threshold);
        out.blocking = results.iter().filter(|r| r.blocks()).count();
        out.checks = results.iter().map(CheckView::new).collect();
    }
    Ok(out)
}

/// GET /apply?procedure=…&household=… or ?procedure=village_exit&region=…
pub async fn form(State(state): State<AppState>, p: Principal, Query(f): Query<ApplyForm>) -> AppResult<Response> {
    p.require(Capability::EditRegistry)?;
    Ok(render(&page(&state, &p, f, String::new()).await?))
}

/// POST /apply: opens the case and goes to its page.
pub async fn submit(State(state): State<AppState>, p: Principal, Form(f): Form<ApplyForm>) -> AppResult<Response> {
    csrf::check(&p, &f.csrf)?;
    p.require(Capability::EditRegistry)?;
    let (code, _, item, for_household) = procedure(&f.procedure)?;
    if !f.preview.is_empty() {
        return Ok(render(&page(&state, &p, f, String::new()).await?));
    }
    let mut n = NewCase { procedure: code.into(), item: Some(item.into()), reason: f.reason.trim().to_string(), ..Default::default() };
    if for_household {
        n.household_id = Some(f.household.trim().parse().map_err(|_| AppError::NotFound)?);
    } else {
        let village = RegionCode::parse(f.region.trim()).map_err(|_| AppError::NotFound)?;
        if village.level() != RegionLevel::Village || !p.scope().contains(&village) {
            return Err(AppError::NotFound);
        }
        let population = f.rural_population.trim();
        let pop: i64 = match population.parse() {
            Ok(v) if v > 0 => v,
            _ => {
                let msg = format!("农业户籍人口“{population}”无效：请填写全村农业户籍人口（大于 0 的整数）");
                return Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&state, &p, f, msg).await?));
            }
        };
        let mut payload = serde_json::json!({ "rural_population": pop });
        for (k, _) in FIVE {
            payload[k] = serde_json::Value::Bool(f.flag(k));
        }
        n.region_code = village.as_str().to_string();
        n.title = format!("{}出列", state.names().name(village.as_str()).unwrap_or(village.as_str()));
        n.payload = Some(payload.to_string());
    }
    if n.reason.is_empty() {
        return Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&state, &p, f, "请填写申请理由".into()).await?));
    }
    let (actor, scope) = (p.actor(), p.scope());
    let today = bangfu_store::activity::today_china();
    let opened = state
        .db
        .run(move |c, _| Ok(cases::open(c, &actor, &scope, &n, today)))
        .await?;
    match opened {
        Ok(id) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(StoreError::Invalid(msg)) => Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&state, &p, f, msg).await?)),
        Err(e) => Err(store_error(e)),
    }
}

/// One case of the household as its file lists it.
pub struct HouseholdCase {
    pub id: i64,
    pub procedure: String,
    pub title: String,
    pub status: &'static str,
    pub open: bool,
    pub step: String,
    pub due: String,
    pub overdue: bool,
}

/// The 办理事项 section of the household file: its cases and the applications that can be made.
pub struct CasesSection {
    pub cases: Vec<HouseholdCase>,
}

/// The household's cases; a failure leaves the section empty (logged) rather than failing the file.
pub fn household_cases(c: &mut bangfu_store::Conn, scope: &bangfu_domain::RegionScope, id: i64) -> CasesSection {
    let today = bangfu_store::activity::today_china();
    let load = |c: &mut bangfu_store::Conn| -> bangfu_store::Result<Vec<HouseholdCase>> {
        let mut out = Vec::new();
        for k in cases::of_household(c, scope, id)? {
            let def = bangfu_store::workflow::definitions::get(c, k.definition_id)?;
            let open = k.status == bangfu_domain::workflow::engine::CaseStatus::Open;
            out.push(HouseholdCase {
                id: k.id,
                procedure: def.def.title.clone(),
                title: k.item.clone().unwrap_or_else(|| k.title.clone()),
                status: k.status.label(),
                open,
                step: if open { def.def.step(k.step_index).map(|s| s.title.clone()).unwrap_or_default() } else { String::new() },
                due: if open { k.step_due.map(|d| d.to_string()).unwrap_or_default() } else { String::new() },
                overdue: k.overdue(today),
            });
        }
        Ok(out)
    };
    match load(c) {
        Ok(cases) => CasesSection { cases },
        Err(e) => {
            tracing::warn!(household = id, error = %e, "cases of the household unavailable");
            CasesSection { cases: Vec::new() }
        }
    }
}
