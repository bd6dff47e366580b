//! Objections (异议) to a public notice: lodged by villagers on the public page (rate-limited per
//! client and per notice) or recorded by officials, with the phone sealed; resolved by the
//! township or county (upheld → the case goes back and its item is withdrawn; dismissed → the
//! reason recorded); looked up by reference number without names or verification notes.

use super::advance::{apply_moves, ledger_row, write_ledger, Move};
use super::definitions;
use super::notices::{self, random_code, Notice};
use crate::audit::{self, Actor};
use crate::db::{Cell, Conn, P};
use crate::error::{Result, StoreError};
use crate::Keyring;
use bangfu_domain::workflow::engine::{CaseStatus, Decider, Outcome};
use bangfu_domain::{RegionScope, Role};
use chrono::{DateTime, NaiveDate, Utc};

/// Objections one client may lodge per hour (public page).
pub const PER_CLIENT_PER_HOUR: i64 = 5;
/// Objections one notice takes per day.
pub const PER_NOTICE_PER_DAY: i64 = 200;
pub const MAX_REASON_CHARS: usize = 500;
pub const TOO_MANY: &str = "提交过于频繁，请稍后再试，或直接联系村委会";

/// An objection as typed.
#[derive(Debug, Clone, Default)]
pub struct ObjectionInput {
    pub name: String,
    pub phone: String,
    pub item_text: String,
    /// The item objected to (must be an item of the notice).
    pub case_id: Option<i64>,
    pub reason: String,
}

/// Why an objection was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotLodged {
    /// Bad input or a closed notice: the message says what to do.
    Invalid(String),
    /// Rate limit reached.
    Limited(String),
}

impl NotLodged {
    pub fn message(&self) -> &str {
        match self {
            NotLodged::Invalid(m) | NotLodged::Limited(m) => m,
        }
    }
}

/// 张三 → 张*.
pub fn mask_name(name: &str) -> String {
    let mut c = name.trim().chars();
    match c.next() {
        Some(first) => format!("{first}{}", "*".repeat(c.count().clamp(1, 3))),
        None => String::new(),
    }
}

/// 13812345678 → 138****5678.
pub fn mask_phone(phone: &str) -> String {
    let d: Vec<char> = phone.chars().collect();
    if d.len() < 7 {
        return "****".into();
    }
    format!("{}****{}", d[..3].iter().collect::<String>(), d[d.len() - 4..].iter().collect::<String>())
}

fn valid_phone(p: &str) -> bool {
    p.len() == 11 && p.starts_with('1') && p.chars().all(|c| c.is_ascii_digit())
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Lodges an objection to the notice with `public_code`; returns its reference number (`26-XXXXXX`).
/// `source` is `public` (the no-login page; limited per client) or `official` (recorded by staff).
#[allow(clippy::too_many_arguments)]
pub fn lodge_objection(conn: &mut Conn, actor: &Actor, keys: &Keyring, public_code: &str, input: &ObjectionInput, client_key: &str, source: &str, now: DateTime<Utc>) -> Result<std::result::Result<String, NotLodged>> {
    let invalid = |m: &str| Ok(Err(NotLodged::Invalid(m.to_string())));
    let name = input.name.trim();
    let phone: String = input.phone.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    let reason = input.reason.trim();
    if name.is_empty() {
        return invalid("请填写您的姓名");
    }
    if name.chars().count() > 30 {
        return invalid("姓名不能超过 30 个字");
    }
    if !valid_phone(&phone) {
        return invalid("请填写 11 位手机号码（以 1 开头），乡镇核实后会电话联系您");
    }
    if reason.is_empty() {
        return invalid("请填写异议的理由");
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return invalid("理由不能超过 500 个字：请简要说明，详细情况可直接联系村委会");
    }
    conn.in_tx(|conn| {
        let Some(n) = notices::by_code(conn, public_code)? else { return Err(StoreError::NotFound("该公示".into())) };
        if n.is_announcement() || !n.is_posted() {
            return invalid("公示已结束，不能再提出异议：如有问题请直接联系村委会或乡镇");
        }
        if let Some(case_id) = input.case_id {
            let on = conn.query_int("SELECT COUNT(*) FROM wf_notice_item WHERE notice_id = ? AND case_id = ?", &[P::Int(n.id), P::Int(case_id)])?;
            if on == 0 {
                return invalid("所选的公示对象不在本公示中：请重新选择");
            }
        }
        if source == "public" {
            let hour_ago = stamp(now - chrono::Duration::hours(1));
            let mine = conn.query_int("SELECT COUNT(*) FROM wf_objection WHERE client_key = ? AND lodged_at > ?", &[P::Text(client_key), P::Text(&hour_ago)])?;
            if mine >= PER_CLIENT_PER_HOUR {
                return Ok(Err(NotLodged::Limited(TOO_MANY.into())));
            }
        }
        let day_ago = stamp(now - chrono::Duration::days(1));
        let today_n = conn.query_int("SELECT COUNT(*) FROM wf_objection WHERE notice_id = ? AND lodged_at > ?", &[P::Int(n.id), P::Text(&day_ago)])?;
        if today_n >= PER_NOTICE_PER_DAY {
            return Ok(Err(NotLodged::Limited(TOO_MANY.into())));
        }
        let mut reference = String::new();
        for _ in 0..20 {
            let r = format!("{}-{}", now.format("%y"), random_code(6));
            if conn.query_int("SELECT COUNT(*) FROM wf_objection WHERE reference_no = ?", &[P::Text(&r)])? == 0 {
                reference = r;
                break;
            }
        }
        if reference.is_empty() {
            return Err(StoreError::Invalid("无法生成异议编号，请重试".into()));
        }
        let id = crate::ids::allocate(conn, "wf_objection", 1)?;
        let sealed = keys.seal(&phone);
        let item_text: String = input.item_text.trim().chars().take(100).collect();
        conn.execute(
            "INSERT INTO wf_objection (id, reference_no, notice_id, case_id, region_code, source, name, phone, item_text, reason, lodged_at, client_key, status, version) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', 1)",
            &[
                P::Int(id),
                P::Text(&reference),
                P::Int(n.id),
                input.case_id.map(P::Int).unwrap_or(P::Null),
                P::Text(&n.region_code),
                P::Text(if source == "official" { "official" } else { "public" }),
                P::Text(name),
                P::Bytes(&sealed),
                if item_text.is_empty() { P::Null } else { P::Text(&item_text) },
                P::Text(reason),
                P::Text(&stamp(now)),
                if client_key.is_empty() { P::Null } else { P::Text(client_key) },
            ],
        )?;
        audit::record(
            conn,
            actor,
            audit::Entry {
                region_code: Some(&n.region_code),
                entity: "wf_objection",
                entity_id: Some(id.to_string()),
                action: "lodge",
                before: None,
                after: Some(serde_json::json!({ "编号": reference, "公示": n.id, "异议人": mask_name(name), "来源": source, "对象": item_text }).to_string()),
            },
        )?;
        Ok(Ok(reference))
    })
}

/// A stored objection; `phone` is masked unless revealed.
#[derive(Debug, Clone)]
pub struct Objection {
    pub id: i64,
    pub reference_no: String,
    pub notice_id: i64,
    pub notice_title: String,
    pub case_id: Option<i64>,
    pub region_code: String,
    pub source: String,
    pub name: String,
    pub phone: String,
    pub item_text: Option<String>,
    pub reason: String,
    pub lodged_at: String,
    pub status: String,
    pub verification: Option<String>,
    pub outcome_reason: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<String>,
    pub version: i64,
}

pub fn status_label(code: &str) -> &'static str {
    match code {
        "open" => "待核实",
        "upheld" => "异议成立",
        "dismissed" => "异议不成立",
        _ => "—",
    }
}

impl Objection {
    pub fn status_label(&self) -> &'static str {
        status_label(&self.status)
    }
    pub fn is_open(&self) -> bool {
        self.status == "open"
    }
}

const COLUMNS: &str = "o.id, o.reference_no, o.notice_id, n.title, o.case_id, o.region_code, o.source, o.name, o.phone, o.item_text, o.reason, o.lodged_at, o.status, o.verification, o.outcome_reason, o.resolved_by, o.resolved_at, o.version";

fn opt(c: &Cell) -> Option<String> {
    c.text().map(str::to_string)
}

fn from_row(r: &[Cell], keys: &Keyring, reveal: bool) -> Objection {
    let plain = r[8].bytes().and_then(|b| keys.open(b).ok()).unwrap_or_default();
    Objection {
        id: r[0].int().unwrap_or_default(),
        reference_no: r[1].string(),
        notice_id: r[2].int().unwrap_or_default(),
        notice_title: r[3].string(),
        case_id: r[4].int(),
        region_code: r[5].string(),
        source: r[6].string(),
        name: r[7].string(),
        phone: if reveal { plain } else { mask_phone(&plain) },
        item_text: opt(&r[9]),
        reason: r[10].string(),
        lodged_at: r[11].string(),
        status: r[12].string(),
        verification: opt(&r[13]),
        outcome_reason: opt(&r[14]),
        resolved_by: opt(&r[15]),
        resolved_at: opt(&r[16]),
        version: r[17].int().unwrap_or_default(),
    }
}

/// The objections of a notice in scope, open first. With `reveal` (a role allowed to see
/// protected numbers) phones are shown in full and an audit entry says who looked.
pub fn of_notice(conn: &mut Conn, actor: &Actor, keys: &Keyring, scope: &RegionScope, notice_id: i64, reveal: bool) -> Result<Vec<Objection>> {
    let rows = conn.query(
        &format!("SELECT {COLUMNS} FROM wf_objection o JOIN wf_notice n ON n.id = o.notice_id WHERE o.notice_id = ? AND o.region_code LIKE ? ORDER BY CASE WHEN o.status = 'open' THEN 0 ELSE 1 END, o.id"),
        &[P::Int(notice_id), P::Text(&scope.like_pattern())],
    )?;
    let out: Vec<Objection> = rows.iter().map(|r| from_row(r, keys, reveal)).collect();
    if reveal && !out.is_empty() {
        let region = out[0].region_code.clone();
        conn.in_tx(|conn| {
            audit::record(
                conn,
                actor,
                audit::Entry { region_code: Some(&region), entity: "wf_notice", entity_id: Some(notice_id.to_string()), action: "reveal", before: None, after: Some("{\"fields\":[\"异议人联系电话\"]}".into()) },
            )
        })?;
    }
    Ok(out)
}

/// Objections in scope (open first, then newest), at most 500; `status` filters.
pub fn list(conn: &mut Conn, keys: &Keyring, scope: &RegionScope, status: Option<&str>) -> Result<Vec<Objection>> {
    let mut sql = format!("SELECT {COLUMNS} FROM wf_objection o JOIN wf_notice n ON n.id = o.notice_id WHERE o.region_code LIKE ?");
    let like = scope.like_pattern();
    let mut p = vec![P::Text(&like)];
    if let Some(s) = status.filter(|s| !s.is_empty()) {
        sql.push_str(" AND o.status = ?");
        p.push(P::Text(s));
    }
    sql.push_str(" ORDER BY CASE WHEN o.status = 'open' THEN 0 ELSE 1 END, o.id DESC LIMIT 500");
    Ok(conn.query(&sql, &p)?.iter().map(|r| from_row(r, keys, false)).collect())
}

/// One objection in scope (phone masked).
pub fn get(conn: &mut Conn, keys: &Keyring, scope: &RegionScope, id: i64) -> Result<Option<Objection>> {
    let r = conn.query_opt(&format!("SELECT {COLUMNS} FROM wf_objection o JOIN wf_notice n ON n.id = o.notice_id WHERE o.id = ? AND o.region_code LIKE ?"), &[P::Int(id), P::Text(&scope.like_pattern())])?;
    Ok(r.map(|r| from_row(&r, keys, false)))
}

/// The outcome of an objection, as the public lookup shows it.
#[derive(Debug, Clone)]
pub struct PublicStatus {
    pub reference_no: String,
    pub notice_title: String,
    pub status: String,
    pub lodged_at: String,
    pub resolved_at: Option<String>,
    pub outcome_reason: Option<String>,
}

/// Looks an objection up by its reference number (no names, phones or verification notes).
pub fn lookup_objection(conn: &mut Conn, reference_no: &str) -> Result<Option<PublicStatus>> {
    let r = reference_no.trim().to_uppercase();
    let row = conn.query_opt(
        "SELECT o.reference_no, n.title, o.status, o.lodged_at, o.resolved_at, o.outcome_reason FROM wf_objection o JOIN wf_notice n ON n.id = o.notice_id WHERE o.reference_no = ?",
        &[P::Text(&r)],
    )?;
    Ok(row.map(|r| PublicStatus { reference_no: r[0].string(), notice_title: r[1].string(), status: r[2].string(), lodged_at: r[3].string(), resolved_at: opt(&r[4]), outcome_reason: opt(&r[5]) }))
}

/// A resolution as entered.
#[derive(Debug, Clone, Default)]
pub struct Resolution {
    /// What was checked and how (核实情况).
    pub verification: String,
    pub upheld: bool,
    pub outcome_reason: String,
    /// The item, when the objection named none (required when upheld).
    pub case_id: Option<i64>,
    /// The objection's version the form was loaded with.
    pub version: Option<i64>,
}

/// Resolves an open objection (township staff or county office in scope). Upheld: the case goes
/// back to the step the definition names for objections and its item is withdrawn.
pub fn resolve_objection(conn: &mut Conn, actor: &Actor, keys: &Keyring, who: &Decider, objection_id: i64, r: &Resolution, today: NaiveDate) -> Result<()> {
    if !matches!(who.role, Role::TownshipStaff | Role::CountyOffice) || who.scope.prefix().len() > 9 {
        return Err(StoreError::Invalid("异议由乡镇或县级帮扶工作人员核实处理：请切换到乡镇或县级角色".into()));
    }
    if r.verification.trim().is_empty() {
        return Err(StoreError::Invalid("请填写核实情况（核实了什么、怎样核实的）".into()));
    }
    if r.outcome_reason.trim().is_empty() {
        return Err(StoreError::Invalid(if r.upheld { "请填写异议成立的理由".into() } else { "异议不成立时必须填写理由".into() }));
    }
    conn.in_tx(|conn| {
        let o = get(conn, keys, &who.scope, objection_id)?.ok_or_else(|| StoreError::NotFound("该异议（不存在或不在您的管辖范围内）".into()))?;
        if !o.is_open() {
            return Err(StoreError::Invalid(format!("该异议已处理（{}），不能重复处理", o.status_label())));
        }
        if r.version.is_some_and(|v| v != o.version) {
            return Err(StoreError::Invalid("该异议已被他人修改：请刷新页面后再处理".into()));
        }
        let n: Notice = notices::get(conn, &RegionScope::all(), o.notice_id)?.ok_or_else(|| StoreError::NotFound("该公示".into()))?;
        let mut case_id = o.case_id.or(r.case_id);
        if r.upheld {
            let Some(cid) = case_id else { return Err(StoreError::Invalid("异议成立时请选择所涉及的公示对象".into())) };
            let item = notices::items(conn, n.id)?.into_iter().find(|i| i.case_id == cid).ok_or_else(|| StoreError::Invalid("所选的公示对象不在本公示中".into()))?;
            if item.withdrawn {
                return Err(StoreError::Invalid("该公示对象已因其他异议撤下".into()));
            }
            let c = notices::case_by_id(conn, cid)?.ok_or_else(|| StoreError::NotFound("该案件".into()))?;
            if c.status != CaseStatus::Open || c.step_key != n.step_key {
                return Err(StoreError::Invalid(format!("案件“{}”已不在公示环节，不能再退回：请在案件页处理", c.title)));
            }
            let def = definitions::get(conn, c.definition_id)?;
            let to = def.def.objection_target(c.step_index);
            let now = crate::now_utc();
            write_ledger(conn, &[ledger_row(&notices::ledger_returned(&c, who, n.id, &r.outcome_reason, to), &now)])?;
            let m = Move { case_id: c.id, region_code: c.region_code.clone(), household_id: c.household_id, title: c.title.clone(), outcome: Outcome::ReturnedTo(to) };
            apply_moves(conn, actor, keys, &def, &[m], today)?;
            notices::withdraw_item(conn, n.id, c.id)?;
        } else if let Some(cid) = case_id
            && conn.query_int("SELECT COUNT(*) FROM wf_notice_item WHERE notice_id = ? AND case_id = ?", &[P::Int(n.id), P::Int(cid)])? == 0
        {
            case_id = o.case_id;
        }
        let status = if r.upheld { "upheld" } else { "dismissed" };
        let changed = conn.execute(
            "UPDATE wf_objection SET status = ?, verification = ?, outcome_reason = ?, case_id = ?, resolved_by = ?, resolved_at = ?, version = version + 1 WHERE id = ? AND status = 'open' AND version = ?",
            &[
                P::Text(status),
                P::Text(r.verification.trim()),
                P::Text(r.outcome_reason.trim()),
                case_id.map(P::Int).unwrap_or(P::Null),
                P::Text(&who.user),
                P::Text(&crate::now_utc()),
                P::Int(o.id),
                P::Int(o.version),
            ],
        )?;
        if changed == 0 {
            return Err(StoreError::Invalid("该异议已被他人处理：请刷新页面".into()));
        }
        audit::record(
            conn,
            actor,
            audit::Entry {
                region_code: Some(&o.region_code),
                entity: "wf_objection",
                entity_id: Some(o.id.to_string()),
                action: "resolve",
                before: Some(serde_json::json!({ "状态": "待核实" }).to_string()),
                after: Some(serde_json::json!({ "状态": status_label(status), "核实情况": r.verification.trim(), "理由": r.outcome_reason.trim(), "案件": case_id }).to_string()),
            },
        )
    })
}
