//! Cases: opening one (an application), reading one in scope with its definition, listing them,
//! and the ledger behind a case's timeline.

use super::advance::{due_for, ledger_row, write_ledger, LedgerRow};
use super::calendar;
use super::definitions::{self, StoredDefinition};
use crate::audit::{self, Actor};
use crate::db::{Cell, Conn, P};
use crate::error::{Result, StoreError};
use bangfu_domain::workflow::engine::{CaseStatus, CaseView};
use bangfu_domain::workflow::SubjectKind;
use bangfu_domain::{RegionCode, RegionScope};
use chrono::NaiveDate;

/// A case as stored.
#[derive(Debug, Clone)]
pub struct Case {
    pub id: i64,
    pub definition_id: i64,
    pub procedure: String,
    pub region_code: String,
    pub subject_kind: String,
    pub household_id: Option<i64>,
    pub title: String,
    pub group_name: Option<String>,
    pub item: Option<String>,
    pub amount: Option<i64>,
    pub payload: Option<String>,
    pub campaign_id: Option<i64>,
    pub verdict: Option<String>,
    pub status: CaseStatus,
    pub step_index: usize,
    pub step_key: String,
    pub transition_no: i64,
    pub step_since: String,
    pub step_due: Option<NaiveDate>,
    pub applicant: String,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
    pub version: i64,
}

pub const CASE_COLUMNS: &str = "id, definition_id, procedure, region_code, subject_kind, household_id, title, group_name, item, amount, payload, campaign_id, verdict, status, step_index, step_key, transition_no, step_since, step_due, applicant, created_at, updated_at, closed_at, version";

fn opt_text(c: &Cell) -> Option<String> {
    c.text().map(str::to_string)
}

pub fn case_from_row(r: &[Cell]) -> Case {
    Case {
        id: r[0].int().unwrap_or_default(),
        definition_id: r[1].int().unwrap_or_default(),
        procedure: r[2].string(),
        region_code: r[3].string(),
        subject_kind: r[4].string(),
        household_id: r[5].int(),
        title: r[6].string(),
        group_name: opt_text(&r[7]),
        item: opt_text(&r[8]),
        amount: r[9].int(),
        payload: opt_text(&r[10]),
        campaign_id: r[11].int(),
        verdict: opt_text(&r[12]),
        status: CaseStatus::parse(&r[13].string()).unwrap_or(CaseStatus::Open),
        step_index: r[14].int().unwrap_or_default() as usize,
        step_key: r[15].string(),
        transition_no: r[16].int().unwrap_or_default(),
        step_since: r[17].string(),
        step_due: r[18].date(),
        applicant: r[19].string(),
        created_at: r[20].string(),
        updated_at: r[21].string(),
        closed_at: opt_text(&r[22]),
        version: r[23].int().unwrap_or_default(),
    }
}

impl Case {
    /// The engine's view of the case.
    pub fn view(&self) -> CaseView {
        CaseView {
            status: self.status,
            step_index: self.step_index,
            transition_no: self.transition_no,
            applicant: self.applicant.clone(),
            step_due: self.step_due,
            region: RegionCode::parse(&self.region_code).unwrap_or_else(|_| RegionCode::parse("000000000000").expect("zero code parses")),
        }
    }

    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.status == CaseStatus::Open && self.step_due.is_some_and(|d| today > d)
    }
}

/// The user behind an audit actor (`web:zhang` and `api:zhang` are both `zhang`): applicants and
/// deciders are compared by it, whatever door they came through.
pub fn user_of(actor: &Actor) -> &str {
    actor.name.split_once(':').map(|(_, u)| u).unwrap_or(&actor.name)
}

/// An application as entered.
#[derive(Debug, Clone, Default)]
pub struct NewCase {
    pub procedure: String,
    /// The village (for households: the household's village; taken from the household when empty).
    pub region_code: String,
    pub household_id: Option<i64>,
    pub title: String,
    pub group_name: Option<String>,
    pub item: Option<String>,
    pub amount: Option<i64>,
    /// JSON object with the application's details.
    pub payload: Option<String>,
    /// The applicant's statement (申请理由), the first ledger entry's comment.
    pub reason: String,
}

/// A case with its definition.
pub struct CaseFile {
    pub case: Case,
    pub definition: StoredDefinition,
}

/// One case in scope (`None` when missing or outside the scope: indistinguishable).
pub fn get(conn: &mut Conn, scope: &RegionScope, id: i64) -> Result<Option<Case>> {
    let r = conn.query_opt(&format!("SELECT {CASE_COLUMNS} FROM wf_case WHERE id = ? AND region_code LIKE ?"), &[P::Int(id), P::Text(&scope.like_pattern())])?;
    Ok(r.map(|r| case_from_row(&r)))
}

pub fn file(conn: &mut Conn, scope: &RegionScope, id: i64) -> Result<Option<CaseFile>> {
    let Some(case) = get(conn, scope, id)? else { return Ok(None) };
    let definition = definitions::get(conn, case.definition_id)?;
    Ok(Some(CaseFile { case, definition }))
}

fn household_facts(conn: &mut Conn, scope: &RegionScope, household_id: i64) -> Result<(String, String, Option<String>, i64)> {
    let r = conn
        .query_opt(
            "SELECT h.region_code, COALESCE(m.name, h.household_no), h.villager_group, (SELECT COUNT(*) FROM member x WHERE x.household_id = h.id AND x.removed_on IS NULL) \
             FROM household h LEFT JOIN member m ON m.household_id = h.id AND m.relation = 'head' AND m.removed_on IS NULL \
             WHERE h.id = ? AND h.region_code LIKE ?",
            &[P::Int(household_id), P::Text(&scope.like_pattern())],
        )?
        .ok_or_else(|| StoreError::NotFound("该户（不存在或不在您的管辖范围内）".into()))?;
    Ok((r[0].string(), r[1].string(), opt_text(&r[2]), r[3].int().unwrap_or_default()))
}

/// Opens a case at its definition's first step. Refused when the region or household is outside
/// the scope, or the household already has an open case of the same procedure.
pub fn open(conn: &mut Conn, actor: &Actor, scope: &RegionScope, n: &NewCase, today: NaiveDate) -> Result<i64> {
    open_in_tx(conn, actor, scope, n, today).map_err(|e| {
        if e.is_unique_violation() { StoreError::Invalid("该户已有一件同类事项正在办理，不能重复申请：请在办理中的案件里继续".into()) } else { e }
    })
}

fn open_in_tx(conn: &mut Conn, actor: &Actor, scope: &RegionScope, n: &NewCase, today: NaiveDate) -> Result<i64> {
    conn.in_tx(|conn| {
        let mut n = n.clone();
        if let Some(h) = n.household_id {
            let (region, head, group, size) = household_facts(conn, scope, h)?;
            if n.region_code.is_empty() {
                n.region_code = region.clone();
            }
            if n.region_code != region {
                return Err(StoreError::Invalid("申请所填的村与该户所在的村不一致".into()));
            }
            if n.title.trim().is_empty() {
                n.title = format!("{head}户（{size} 人）");
            }
            if n.group_name.is_none() {
                n.group_name = group;
            }
            let open = conn.query_int("SELECT COUNT(*) FROM wf_case WHERE household_id = ? AND procedure = ? AND status = 'open'", &[P::Int(h), P::Text(&n.procedure)])?;
            if open > 0 {
                return Err(StoreError::Invalid("该户已有一件同类事项正在办理，不能重复申请：请在办理中的案件里继续".into()));
            }
        }
        let region = RegionCode::parse(&n.region_code).map_err(|_| StoreError::Invalid(format!("区划代码“{}”无效", n.region_code)))?;
        if !scope.contains(&region) {
            return Err(StoreError::NotFound("该村（不存在或不在您的管辖范围内）".into()));
        }
        if n.household_id.is_none() {
            let open = conn.query_int(
                "SELECT COUNT(*) FROM wf_case WHERE procedure = ? AND region_code = ? AND subject_kind = 'village' AND status = 'open'",
                &[P::Text(&n.procedure), P::Text(&n.region_code)],
            )?;
            if open > 0 {
                return Err(StoreError::Invalid("该村已有一件同类事项正在办理，不能重复申请：请在办理中的案件里继续".into()));
            }
        }
        let def = definitions::current(conn, &n.procedure, &n.region_code)?;
        let want = if n.household_id.is_some() { SubjectKind::Household } else { SubjectKind::Village };
        if def.def.subject != want {
            return Err(StoreError::Invalid(format!("“{}”的办理对象是{}", def.def.title, if def.def.subject == SubjectKind::Household { "农户，请选择一户" } else { "村，不需要选择农户" })));
        }
        if n.title.trim().is_empty() {
            return Err(StoreError::Invalid("请填写案件名称".into()));
        }
        let first = &def.def.steps[0];
        let cal = calendar::for_region(conn, &n.region_code)?;
        let due = due_for(&cal, first, today);
        let id = crate::ids::allocate(conn, "wf_case", 1)?;
        let now = crate::now_utc();
        conn.execute(
            &format!("INSERT INTO wf_case ({CASE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', 0, ?, 0, ?, ?, ?, ?, ?, NULL, 1)"),
            &[
                P::Int(id),
                P::Int(def.id),
                P::Text(&n.procedure),
                P::Text(&n.region_code),
                P::Text(if n.household_id.is_some() { "household" } else { "village" }),
                n.household_id.map(P::Int).unwrap_or(P::Null),
                P::Text(n.title.trim()),
                n.group_name.as_deref().map(P::Text).unwrap_or(P::Null),
                n.item.as_deref().map(P::Text).unwrap_or(P::Null),
                n.amount.map(P::Int).unwrap_or(P::Null),
                n.payload.as_deref().map(P::Text).unwrap_or(P::Null),
                P::Null,
                P::Null,
                P::Text(&first.key),
                P::Text(&now),
                due.map(P::Date).unwrap_or(P::Null),
                P::Text(user_of(actor)),
                P::Text(&now),
                P::Text(&now),
            ],
        )?;
        let row = LedgerRow { case_id: id, region_code: n.region_code.clone(), transition_no: 0, step_index: 0, step_key: first.key.clone(), decision: "apply", actor: user_of(actor).to_string(), role: None, comment: Some(n.reason.clone()).filter(|r| !r.trim().is_empty()), return_to: None, verdict: None, detail: n.payload.clone() };
        write_ledger(conn, &[ledger_row(&row, &now)])?;
        audit::record(
            conn,
            actor,
            audit::Entry {
                region_code: Some(&n.region_code),
                entity: "wf_case",
                entity_id: Some(id.to_string()),
                action: "apply",
                before: None,
                after: Some(serde_json::json!({ "事项": def.def.title, "案件": n.title, "定义版本": def.version, "理由": n.reason }).to_string()),
            },
        )?;
        Ok(id)
    })
}

/// A filter for case lists.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub procedure: Option<String>,
    pub status: Option<CaseStatus>,
    pub step_key: Option<String>,
    pub region: Option<String>,
    pub campaign_id: Option<i64>,
    pub household_id: Option<i64>,
    pub overdue_on: Option<NaiveDate>,
}

fn filter_sql(scope: &RegionScope, f: &CaseFilter) -> (String, Vec<Cell>) {
    let mut sql = String::from(" FROM wf_case WHERE region_code LIKE ?");
    let mut args = vec![Cell::Text(scope.like_pattern())];
    if let Some(r) = f.region.as_deref().filter(|r| !r.is_empty()) {
        sql.push_str(" AND region_code LIKE ?");
        args.push(Cell::Text(format!("{}%", r.trim_end_matches("000"))));
    }
    if let Some(p) = &f.procedure {
        sql.push_str(" AND procedure = ?");
        args.push(Cell::Text(p.clone()));
    }
    if let Some(s) = f.status {
        sql.push_str(" AND status = ?");
        args.push(Cell::Text(s.code().into()));
    }
    if let Some(k) = &f.step_key {
        sql.push_str(" AND step_key = ?");
        args.push(Cell::Text(k.clone()));
    }
    if let Some(c) = f.campaign_id {
        sql.push_str(" AND campaign_id = ?");
        args.push(Cell::Int(c));
    }
    if let Some(h) = f.household_id {
        sql.push_str(" AND household_id = ?");
        args.push(Cell::Int(h));
    }
    if let Some(d) = f.overdue_on {
        sql.push_str(" AND status = 'open' AND step_due < ?");
        args.push(Cell::Date(d));
    }
    (sql, args)
}

/// A page of cases in scope (oldest deadline first, then id) and the total.
pub fn list(conn: &mut Conn, scope: &RegionScope, f: &CaseFilter, offset: i64, limit: i64) -> Result<(Vec<Case>, i64)> {
    let (from, args) = filter_sql(scope, f);
    let params = crate::db::params(&args);
    let total = conn.query_int(&format!("SELECT COUNT(*){from}"), &params)?;
    let mut p = params.clone();
    p.push(P::Int(limit));
    p.push(P::Int(offset));
    let rows = conn.query(&format!("SELECT {CASE_COLUMNS}{from} ORDER BY CASE WHEN step_due IS NULL THEN 1 ELSE 0 END, step_due, id LIMIT ? OFFSET ?"), &p)?;
    Ok((rows.iter().map(|r| case_from_row(r)).collect(), total))
}

/// Every open case of a household (for the household file).
pub fn of_household(conn: &mut Conn, scope: &RegionScope, household_id: i64) -> Result<Vec<Case>> {
    let f = CaseFilter { household_id: Some(household_id), ..Default::default() };
    Ok(list(conn, scope, &f, 0, 100)?.0)
}

/// One entry of the ledger.
#[derive(Debug, Clone)]
pub struct LedgerEntry {
    pub id: i64,
    pub transition_no: i64,
    pub step_index: usize,
    pub step_key: String,
    pub decision: String,
    pub actor: String,
    pub role: Option<String>,
    pub at: String,
    pub comment: Option<String>,
    pub return_to: Option<usize>,
    pub verdict: Option<String>,
    pub detail: Option<String>,
}

impl LedgerEntry {
    pub fn decision_label(&self) -> &'static str {
        decision_label(&self.decision)
    }
}

pub fn decision_label(code: &str) -> &'static str {
    match code {
        "apply" => "提交申请",
        "approve" => "同意",
        "return" => "退回修改",
        "reject" => "不通过",
        "deliberated" => "民主评议",
        "notice_posted" => "张贴公示",
        "noticed" => "公示期满无异议",
        "objection_upheld" => "异议成立，退回",
        "announced" => "发布公告",
        "extended" => "延长办理时限",
        "withdrawn" => "撤回申请",
        _ => "其他",
    }
}

/// The ledger of a case in scope, oldest first.
pub fn timeline(conn: &mut Conn, scope: &RegionScope, case_id: i64) -> Result<Vec<LedgerEntry>> {
    let rows = conn.query(
        "SELECT id, transition_no, step_index, step_key, decision, actor, role, at, comment, return_to, verdict, detail FROM wf_decision \
         WHERE case_id = ? AND region_code LIKE ? ORDER BY id",
        &[P::Int(case_id), P::Text(&scope.like_pattern())],
    )?;
    Ok(rows
        .iter()
        .map(|r| LedgerEntry {
            id: r[0].int().unwrap_or_default(),
            transition_no: r[1].int().unwrap_or_default(),
            step_index: r[2].int().unwrap_or_default() as usize,
            step_key: r[3].string(),
            decision: r[4].string(),
            actor: r[5].string(),
            role: opt_text(&r[6]),
            at: r[7].string(),
            comment: opt_text(&r[8]),
            return_to: r[9].int().map(|v| v as usize),
            verdict: opt_text(&r[10]),
            detail: opt_text(&r[11]),
        })
        .collect())
}
