//! The household file (一户一档): everything about one household on one page, printable on A4.
//! ID numbers, phones and bank accounts are masked; revealing them needs the right and is audited.

use crate::auth::{Principal, csrf};
use crate::error::{AppError, AppResult};
use crate::handlers::render;
use crate::state::AppState;
use crate::views::{Nav, label};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use bangfu_domain::fields::{HouseholdField as HF, MemberField as MF};
use bangfu_domain::value::{Value, format_value};
use bangfu_domain::event::EVENT_TYPE;
use bangfu_domain::{Capability, RegionScope};
use bangfu_store::audit::{self, Entry};
use bangfu_store::registry::{query, read};

/// A label and its shown value.
pub struct Kv {
    pub label: &'static str,
    pub value: String,
}

pub struct Section {
    pub title: &'static str,
    pub items: Vec<Kv>,
}

pub struct MemberView {
    pub id: i64,
    pub name: String,
    pub resident_id: String,
    pub sex: String,
    pub birth_date: String,
    pub relation: String,
    pub education: String,
    pub school_status: String,
    pub health: String,
    pub labour_skill: String,
    pub migrant_status: String,
    pub details: Vec<Kv>,
}

pub struct IncomeView {
    pub year: i64,
    pub cells: Vec<String>,
}

pub struct EventView {
    pub date: String,
    pub kind: String,
    pub type_after: String,
    pub reason: String,
}

pub struct AuditView {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "household.html")]
struct HouseholdPage {
    nav: Nav,
    id: i64,
    household_no: String,
    head_name: String,
    region: String,
    revealed: bool,
    saved: bool,
    sections: Vec<Section>,
    members: Vec<MemberView>,
    income_headers: Vec<&'static str>,
    incomes: Vec<IncomeView>,
    events: Vec<EventView>,
    history: Vec<AuditView>,
    printed_on: String,
    /// The household's findings in the newest run covering it (数据质量).
    quality: crate::handlers::quality::household::QualitySection,
    /// Just checked on request ("立即检查").
    checked: bool,
    /// Its work orders still to do from department lists (比对工单).
    orders: crate::handlers::compare::HouseholdSection,
    /// Who helps, the measures and the visits (帮扶).
    assistance: crate::handlers::activity::household::HouseholdSection,
    /// Its cases and the applications that can be made (办理事项).
    cases: crate::handlers::apply::CasesSection,
}

const SECTIONS: &[(&str, &[HF])] = &[
    ("基本信息", &[HF::VillagerGroup, HF::HouseholdNo, HF::StatedSize, HF::HouseholdType, HF::PovertyAttribute, HF::IdentificationStandard, HF::RegistrationYear, HF::ExitYear]),
    ("监测信息", &[HF::MonitoringCategory, HF::MonitoringIdentifiedOn, HF::RiskEliminated, HF::RiskEliminationMethod, HF::RiskEliminatedOn]),
    ("致贫原因与风险", &[HF::Cause1, HF::Cause2, HF::Cause3, HF::Cause4, HF::Cause5]),
    ("两不愁三保障", &[HF::FoodClothingSecure, HF::EducationSecure, HF::MedicalSecure, HF::HousingSecure, HF::SafeDrinkingWater]),
    (
        "生产生活条件",
        &[
            HF::CultivatedLand,
            HF::IrrigatedLand,
            HF::ForestLand,
            HF::ReturnedFarmland,
            HF::OrchardLand,
            HF::Grassland,
            HF::WaterSurface,
            HF::HousingArea,
            HF::DangerousHouse,
            HF::HousingGrade,
            HF::HasElectricity,
            HF::HasBroadcastTv,
            HF::RoadHardened,
            HF::RoadType,
            HF::DistanceToRoad,
            HF::HasSanitaryToilet,
            HF::MainFuel,
            HF::CooperativeMember,
        ],
    ),
    ("联系方式与账户", &[HF::Phone, HF::BankName, HF::BankAccount]),
    ("帮扶责任人", &[HF::HelperName, HF::HelperUnit, HF::HelperPhone]),
];

/// A value as shown: secrets masked unless revealed.
pub fn show_value(kind: bangfu_domain::Kind, v: &Value, reveal: bool) -> String {
    match v {
        Value::Secret(s) if !reveal => s.masked(),
        _ => format_value(kind, v),
    }
}

fn member_view(id: i64, m: &bangfu_domain::registry::MemberRecord, reveal: bool) -> MemberView {
    let f = |x: MF| show_value(x.def().kind, m.get(x), reveal);
    MemberView {
        id,
        name: m.name().to_string(),
        resident_id: if reveal { m.resident_id.as_str().to_string() } else { m.resident_id.masked() },
        sex: f(MF::Sex),
        birth_date: f(MF::BirthDate),
        relation: f(MF::Relation),
        education: f(MF::Education),
        school_status: f(MF::SchoolStatus),
        health: f(MF::Health),
        labour_skill: f(MF::LabourSkill),
        migrant_status: f(MF::MigrantStatus),
        details: MF::ALL
            .iter()
            .filter(|x| !matches!(x, MF::Name | MF::IdNumber | MF::Sex | MF::BirthDate | MF::Relation))
            .filter(|x| !m.get(**x).is_null())
            .map(|x| Kv { label: x.def().label, value: f(*x) })
            .collect(),
    }
}

async fn page(state: &AppState, p: &Principal, id: i64, reveal: bool, saved: bool, checked: bool) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope: RegionScope = p.scope();
    let pp = p.clone();
    let loaded = state
        .db
        .run(move |c, keys| {
            let Some(h) = read::get(c, keys, &scope, id)? else { return Ok(None) };
            let events = query::events_of(c, &scope, id)?;
            let history = audit::history(c, "household", &id.to_string(), 200)?;
            let quality = crate::handlers::quality::household::latest(c, &scope, id);
            let orders = crate::handlers::compare::household_section(c, &scope, id);
            let assistance = crate::handlers::activity::household::household_section(c, &pp, &scope, id);
            let cases = crate::handlers::apply::household_cases(c, &scope, id);
            Ok(Some((h, events, history, quality, orders, assistance, cases)))
        })
        .await?;
    let Some((h, events, history, quality, orders, assistance, cases)) = loaded else { return Err(AppError::NotFound) };
    let names = state.names();
    let doc = &h.doc;
    let sections = SECTIONS
        .iter()
        .map(|(title, fields)| Section {
            title,
            items: fields.iter().map(|f| Kv { label: f.def().label, value: show_value(f.def().kind, doc.get(*f), reveal) }).collect(),
        })
        .collect();
    let head_name = doc.head().map(|m| m.name().to_string()).unwrap_or_default();
    let region_code = doc.get(HF::RegionCode).as_text().unwrap_or_default().to_string();
    let income_fields = bangfu_domain::registry::INCOME_FIELDS;
    let mut incomes: Vec<IncomeView> = doc
        .incomes
        .iter()
        .map(|r| IncomeView { year: r.year, cells: r.amounts.iter().map(|a| a.map(crate::views::yuan).unwrap_or_default()).collect() })
        .collect();
    incomes.sort_by_key(|i| -i.year);
    let page = HouseholdPage {
        nav: Nav::new(p, &names, "households"),
        id,
        household_no: doc.get(HF::HouseholdNo).as_text().unwrap_or_default().to_string(),
        head_name,
        region: names.path(&region_code),
        revealed: reveal,
        saved,
        sections,
        members: doc.members.iter().zip(&h.member_ids).map(|(m, mid)| member_view(*mid, m, reveal)).collect(),
        income_headers: income_fields.iter().map(|f| f.def().label).collect(),
        incomes,
        events: events
            .into_iter()
            .rev()
            .map(|(date, kind, after, reason, _)| EventView {
                date: date.to_string(),
                kind: label(&EVENT_TYPE, Some(&kind)),
                type_after: label(&bangfu_domain::vocab::HOUSEHOLD_TYPE, after.as_deref()),
                reason,
            })
            .collect(),
        history: history
            .into_iter()
            .map(|a| AuditView { at: a.at.replace('T', " ").chars().take(19).collect(), actor: a.actor, action: audit_action_label(&a.action).to_string(), summary: a.after_value.unwrap_or_default().chars().take(300).collect() })
            .collect(),
        printed_on: chrono::Local::now().format("%Y年%m月%d日").to_string(),
        quality: crate::handlers::quality::household::QualitySection::new(quality),
        checked,
        orders,
        assistance,
        cases,
    };
    Ok(render(&page))
}

/// Chinese names of audit actions.
pub fn audit_action_label(action: &str) -> &str {
    match action {
        "create" | "insert" => "新建",
        "update" => "修改",
        "move_member" | "move" => "成员迁移",
        "reveal" => "查看完整号码",
        "export" => "导出",
        "import" => "导入",
        "event" => "记录调整事件",
        "login" => "登录",
        "logout" => "退出",
        other => other,
    }
}

#[derive(serde::Deserialize, Default)]
pub struct ShowQuery {
    #[serde(default)]
    saved: Option<String>,
    #[serde(default)]
    checked: Option<String>,
}

pub async fn show(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, axum::extract::Query(q): axum::extract::Query<ShowQuery>) -> AppResult<Response> {
    page(&state, &p, id, false, q.saved.is_some(), q.checked.is_some()).await
}

#[derive(serde::Deserialize)]
pub struct RevealForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// Shows the full numbers after writing an audit entry that says who looked.
pub async fn reveal(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Form(f): Form<RevealForm>) -> AppResult<Response> {
    csrf::check(&p, &f.csrf)?;
    p.require(Capability::RevealProtected)?;
    let scope = p.scope();
    let actor = p.actor();
    let found = state
        .db
        .run(move |c, _| {
            let region = c.query_opt("SELECT region_code FROM household WHERE id = ? AND region_code LIKE ? AND status = 'active'", &[bangfu_store::P::Int(id), bangfu_store::P::Text(&scope.like_pattern())])?;
            let Some(r) = region else { return Ok(false) };
            let region = r[0].string();
            c.begin()?;
            audit::record(c, &actor, Entry { region_code: Some(&region), entity: "household", entity_id: Some(id.to_string()), action: "reveal", before: None, after: Some("{\"fields\":[\"证件号码\",\"联系电话\",\"银行账号\"]}".into()) })?;
            c.commit()?;
            Ok(true)
        })
        .await?;
    if !found {
        return Err(AppError::NotFound);
    }
    page(&state, &p, id, true, false, false).await
}
