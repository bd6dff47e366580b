//! Public notices (公示) and announcements (公告): posting a notice for the cases waiting at a
//! notice step (items snapshot the printed name, group, item and amount), closing it once the
//! period has ended without open objections and with its evidence photo, and publishing an
//! announcement, which moves its cases on at once (usually completing them). Region-scoped,
//! audited, one transaction each; cases move only through `advance`.

use super::advance::{apply_moves, ledger_row, write_ledger, LedgerRow, Move};
use super::calendar;
use super::cases::{case_from_row, user_of, Case, CASE_COLUMNS};
use super::decide::lock_cases;
use super::definitions::{self, StoredDefinition};
use crate::audit::{self, Actor};
use crate::db::{Cell, Conn, P};
use crate::error::{Result, StoreError};
use crate::Keyring;
use bangfu_domain::workflow::engine::{self, CaseStatus, CaseView, Decider};
use bangfu_domain::workflow::{NoticeRule, StepKind};
use bangfu_domain::{RegionCode, RegionScope};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// Characters of public codes and reference numbers: no 0/O, 1/I/L.
pub const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// `n` random characters from [`ALPHABET`].
pub fn random_code(n: usize) -> String {
    let mut b = vec![0u8; n];
    rand::fill(&mut b[..]);
    b.iter().map(|x| ALPHABET[(*x as usize) % ALPHABET.len()] as char).collect()
}

/// A notice or announcement as entered.
#[derive(Debug, Clone, Default)]
pub struct NewNotice {
    pub procedure: String,
    pub step_key: String,
    /// The village, or the township when the step's notice is posted township-wide.
    pub region_code: String,
    /// Empty = every open case waiting at the step in the region (not already on a notice).
    pub case_ids: Vec<i64>,
    pub title: String,
    pub posted_at_place: String,
    pub starts_on: NaiveDate,
    pub contact: String,
}

/// A stored notice.
#[derive(Debug, Clone)]
pub struct Notice {
    pub id: i64,
    pub public_code: String,
    /// notice | announcement
    pub kind: String,
    pub procedure: String,
    pub step_key: String,
    pub region_code: String,
    pub title: String,
    pub posted_at_place: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub days: i64,
    pub working_days: bool,
    pub contact: Option<String>,
    /// posted | closed
    pub status: String,
    pub created_by: String,
    pub created_at: String,
    pub closed_by: Option<String>,
    pub closed_at: Option<String>,
    pub version: i64,
}

impl Notice {
    pub fn is_announcement(&self) -> bool {
        self.kind == "announcement"
    }
    pub fn is_posted(&self) -> bool {
        self.status == "posted"
    }
    pub fn kind_label(&self) -> &'static str {
        if self.is_announcement() { "公告" } else { "公示" }
    }
    pub fn status_label(&self) -> &'static str {
        match (self.is_announcement(), self.is_posted()) {
            (true, _) => "已发布",
            (false, true) => "公示中",
            (false, false) => "已结束",
        }
    }
}

/// One line of a notice, as printed.
#[derive(Debug, Clone)]
pub struct NoticeItem {
    pub case_id: i64,
    pub seq: i64,
    pub display_name: String,
    pub group_name: Option<String>,
    pub item: Option<String>,
    pub amount: Option<i64>,
    pub withdrawn: bool,
}

const COLUMNS: &str = "id, public_code, kind, procedure, step_key, region_code, title, posted_at_place, starts_on, ends_on, days, working_days, contact, status, created_by, created_at, closed_by, closed_at, version";

fn opt(c: &Cell) -> Option<String> {
    c.text().map(str::to_string)
}

fn from_row(r: &[Cell]) -> Notice {
    Notice {
        id: r[0].int().unwrap_or_default(),
        public_code: r[1].string(),
        kind: r[2].string(),
        procedure: r[3].string(),
        step_key: r[4].string(),
        region_code: r[5].string(),
        title: r[6].string(),
        posted_at_place: opt(&r[7]),
        starts_on: r[8].date().unwrap_or_default(),
        ends_on: r[9].date().unwrap_or_default(),
        days: r[10].int().unwrap_or_default(),
        working_days: r[11].bool().unwrap_or(false),
        contact: opt(&r[12]),
        status: r[13].string(),
        created_by: r[14].string(),
        created_at: r[15].string(),
        closed_by: opt(&r[16]),
        closed_at: opt(&r[17]),
        version: r[18].int().unwrap_or_default(),
    }
}

/// One notice in scope (`None` when missing or outside: indistinguishable).
pub fn get(conn: &mut Conn, scope: &RegionScope, id: i64) -> Result<Option<Notice>> {
    let r = conn.query_opt(&format!("SELECT {COLUMNS} FROM wf_notice WHERE id = ? AND region_code LIKE ?"), &[P::Int(id), P::Text(&scope.like_pattern())])?;
    Ok(r.map(|r| from_row(&r)))
}

/// A notice by its public code (the no-login page).
pub fn by_code(conn: &mut Conn, code: &str) -> Result<Option<Notice>> {
    let code = code.trim().to_uppercase();
    let r = conn.query_opt(&format!("SELECT {COLUMNS} FROM wf_notice WHERE public_code = ?"), &[P::Text(&code)])?;
    Ok(r.map(|r| from_row(&r)))
}

/// The items of a notice, in printed order.
pub fn items(conn: &mut Conn, notice_id: i64) -> Result<Vec<NoticeItem>> {
    let rows = conn.query("SELECT case_id, seq, display_name, group_name, item, amount, withdrawn FROM wf_notice_item WHERE notice_id = ? ORDER BY seq", &[P::Int(notice_id)])?;
    Ok(rows
        .iter()
        .map(|r| NoticeItem { case_id: r[0].int().unwrap_or_default(), seq: r[1].int().unwrap_or_default(), display_name: r[2].string(), group_name: opt(&r[3]), item: opt(&r[4]), amount: r[5].int(), withdrawn: r[6].bool().unwrap_or(false) })
        .collect())
}

/// Filters of the notice list.
#[derive(Debug, Clone, Default)]
pub struct NoticeFilter {
    /// posted | closed
    pub status: Option<String>,
    /// Period ended (before this day) but still posted.
    pub due_on: Option<NaiveDate>,
    pub region: Option<String>,
    pub procedure: Option<String>,
}

/// A notice with its counts, for lists.
#[derive(Debug, Clone)]
pub struct NoticeRow {
    pub notice: Notice,
    pub items: i64,
    pub open_objections: i64,
}

/// Notices in scope, newest first (at most 500).
pub fn list(conn: &mut Conn, scope: &RegionScope, f: &NoticeFilter) -> Result<Vec<NoticeRow>> {
    let mut sql = format!(
        "SELECT {}, (SELECT COUNT(*) FROM wf_notice_item i WHERE i.notice_id = n.id AND i.withdrawn = ?), \
         (SELECT COUNT(*) FROM wf_objection o WHERE o.notice_id = n.id AND o.status = 'open') FROM wf_notice n WHERE n.region_code LIKE ?",
        COLUMNS.split(", ").map(|c| format!("n.{c}")).collect::<Vec<_>>().join(", ")
    );
    let mut args = vec![Cell::Bool(false), Cell::Text(scope.like_pattern())];
    if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
        sql.push_str(" AND n.status = ?");
        args.push(Cell::Text(s.to_string()));
    }
    if let Some(d) = f.due_on {
        sql.push_str(" AND n.status = 'posted' AND n.kind = 'notice' AND n.ends_on < ?");
        args.push(Cell::Date(d));
    }
    if let Some(r) = f.region.as_deref().filter(|r| !r.is_empty()) {
        sql.push_str(" AND n.region_code LIKE ?");
        args.push(Cell::Text(format!("{}%", r.trim_end_matches("000"))));
    }
    if let Some(p) = f.procedure.as_deref().filter(|p| !p.is_empty()) {
        sql.push_str(" AND n.procedure = ?");
        args.push(Cell::Text(p.to_string()));
    }
    sql.push_str(" ORDER BY n.id DESC LIMIT 500");
    let rows = conn.query(&sql, &crate::db::params(&args))?;
    Ok(rows.iter().map(|r| NoticeRow { notice: from_row(r), items: r[19].int().unwrap_or_default(), open_objections: r[20].int().unwrap_or_default() }).collect())
}

fn region_like(region: &RegionCode) -> String {
    RegionScope::of(region).like_pattern()
}

/// Open cases of `procedure` waiting at `step_key` in `region` (in scope) that are not on a posted
/// notice yet: what a new notice lists.
pub fn waiting_cases(conn: &mut Conn, scope: &RegionScope, procedure: &str, step_key: &str, region: &str) -> Result<Vec<Case>> {
    let code = RegionCode::parse(region).map_err(|_| StoreError::Invalid(format!("区划代码“{region}”无效")))?;
    let rows = conn.query(
        &format!(
            "SELECT {CASE_COLUMNS} FROM wf_case c WHERE c.status = 'open' AND c.procedure = ? AND c.step_key = ? AND c.region_code LIKE ? AND c.region_code LIKE ? \
             AND NOT EXISTS (SELECT 1 FROM wf_notice_item i JOIN wf_notice n ON n.id = i.notice_id WHERE i.case_id = c.id AND n.status = 'posted' AND i.withdrawn = ?) ORDER BY c.group_name, c.id"
        ),
        &[P::Text(procedure), P::Text(step_key), P::Text(&scope.like_pattern()), P::Text(&region_like(&code)), P::Bool(false)],
    )?;
    Ok(rows.iter().map(|r| case_from_row(r)).collect())
}

fn display_name(conn: &mut Conn, c: &Case) -> Result<String> {
    if let Some(h) = c.household_id {
        let r = conn.query_opt("SELECT name FROM member WHERE household_id = ? AND relation = 'head' AND removed_on IS NULL ORDER BY id LIMIT 1", &[P::Int(h)])?;
        if let Some(name) = r.map(|r| r[0].string()).filter(|n| !n.is_empty()) {
            return Ok(name);
        }
    } else if let Some(r) = conn.query_opt("SELECT name FROM region WHERE code = ?", &[P::Text(&c.region_code)])? {
        return Ok(r[0].string());
    }
    Ok(c.title.clone())
}

fn refuse(c: &Case, why: String) -> StoreError {
    StoreError::Invalid(format!("案件“{}”（{}）：{why}", c.title, c.id))
}

/// The definitions of a set of cases, by id.
fn definitions_of(conn: &mut Conn, cases: &[Case]) -> Result<BTreeMap<i64, StoredDefinition>> {
    definitions::by_ids(conn, cases.iter().map(|c| c.definition_id))
}

/// The engine's view of the whole notice (its region, nobody's own case) for notice-level acts.
fn notice_view(step_index: usize, region: &str) -> Result<CaseView> {
    let region = RegionCode::parse(region).map_err(|_| StoreError::Invalid(format!("区划代码“{region}”无效")))?;
    Ok(CaseView { status: CaseStatus::Open, step_index, transition_no: 0, applicant: String::new(), step_due: None, region })
}

/// The cases a new notice or announcement covers, locked and checked.
fn cases_for(conn: &mut Conn, who: &Decider, n: &NewNotice, kind: StepKind, today: NaiveDate) -> Result<(RegionCode, Vec<Case>, BTreeMap<i64, StoredDefinition>)> {
    let region = RegionCode::parse(n.region_code.trim()).map_err(|_| StoreError::Invalid(format!("张贴地点的区划代码“{}”无效", n.region_code)))?;
    if !who.scope.contains(&region) {
        return Err(StoreError::NotFound("该村或乡镇（不存在或不在您的管辖范围内）".into()));
    }
    let ids: Vec<i64> = if n.case_ids.is_empty() {
        waiting_cases(conn, &who.scope, &n.procedure, &n.step_key, region.as_str())?.iter().map(|c| c.id).collect()
    } else {
        let mut v = n.case_ids.clone();
        v.sort_unstable();
        v.dedup();
        v
    };
    if ids.is_empty() {
        return Err(StoreError::Invalid(format!("{}没有等待{}的案件", region.as_str(), kind.label())));
    }
    let cases = lock_cases(conn, &who.scope, &ids)?;
    if cases.len() != ids.len() {
        return Err(StoreError::NotFound("所选的部分案件（不存在或不在您的管辖范围内）".into()));
    }
    let defs = definitions_of(conn, &cases)?;
    let like = region_like(&region);
    let prefix = like.trim_end_matches('%');
    for c in &cases {
        let def = &defs[&c.definition_id].def;
        if c.procedure != n.procedure || c.step_key != n.step_key {
            return Err(refuse(c, format!("当前环节是“{}”，不在本次{}的环节", def.step(c.step_index).map(|s| s.title.as_str()).unwrap_or("—"), kind.label())));
        }
        if !c.region_code.starts_with(prefix) {
            return Err(refuse(c, format!("不在{}张贴范围内", kind.label())));
        }
        let step = def.step(c.step_index).ok_or_else(|| refuse(c, "流程环节不存在".into()))?;
        if step.kind != kind {
            return Err(refuse(c, format!("当前环节“{}”不是{}环节", step.title, kind.label())));
        }
        engine::may_act(def, &c.view(), who, today).map_err(|r| refuse(c, r.message()))?;
    }
    if kind == StepKind::Notice {
        let on = on_posted_notice(conn, &ids)?;
        if let Some(c) = cases.iter().find(|c| on.contains(&c.id)) {
            return Err(refuse(c, "已在一份公示中，公示结束前不能重复公示".into()));
        }
    }
    Ok((region, cases, defs))
}

fn on_posted_notice(conn: &mut Conn, ids: &[i64]) -> Result<Vec<i64>> {
    let mut out = Vec::new();
    for chunk in super::advance::chunks(ids) {
        let sql = format!(
            "SELECT i.case_id FROM wf_notice_item i JOIN wf_notice n ON n.id = i.notice_id WHERE n.status = 'posted' AND i.withdrawn = ? AND i.case_id IN ({})",
            super::advance::marks(chunk.len())
        );
        let mut p = vec![P::Bool(false)];
        p.extend(chunk.iter().map(|id| P::Int(*id)));
        out.extend(conn.query(&sql, &p)?.iter().filter_map(|r| r[0].int()));
    }
    Ok(out)
}

fn unique_code(conn: &mut Conn) -> Result<String> {
    for _ in 0..20 {
        let code = random_code(8);
        if conn.query_int("SELECT COUNT(*) FROM wf_notice WHERE public_code = ?", &[P::Text(&code)])? == 0 {
            return Ok(code);
        }
    }
    Err(StoreError::Invalid("无法生成公示编码，请重试".into()))
}

#[allow(clippy::too_many_arguments)]
fn insert_notice(conn: &mut Conn, actor: &Actor, n: &NewNotice, kind: &str, region: &RegionCode, ends_on: NaiveDate, rule: Option<NoticeRule>, cases: &[Case]) -> Result<i64> {
    if n.title.trim().is_empty() {
        return Err(StoreError::Invalid("请填写标题".into()));
    }
    let id = crate::ids::allocate(conn, "wf_notice", 1)?;
    let code = unique_code(conn)?;
    let now = crate::now_utc();
    let announcement = kind == "announcement";
    let blank = |s: &str| -> Option<String> { Some(s.trim().to_string()).filter(|s| !s.is_empty()) };
    let (place, contact) = (blank(&n.posted_at_place), blank(&n.contact));
    conn.execute(
        &format!("INSERT INTO wf_notice ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)"),
        &[
            P::Int(id),
            P::Text(&code),
            P::Text(kind),
            P::Text(&n.procedure),
            P::Text(&n.step_key),
            P::Text(region.as_str()),
            P::Text(n.title.trim()),
            place.as_deref().map(P::Text).unwrap_or(P::Null),
            P::Date(n.starts_on),
            P::Date(ends_on),
            P::Int(rule.map(|r| r.days as i64).unwrap_or(0)),
            P::Bool(rule.is_some_and(|r| r.working_days)),
            contact.as_deref().map(P::Text).unwrap_or(P::Null),
            P::Text(if announcement { "closed" } else { "posted" }),
            P::Text(user_of(actor)),
            P::Text(&now),
            if announcement { P::Text(user_of(actor)) } else { P::Null },
            if announcement { P::Text(&now) } else { P::Null },
        ],
    )?;
    for (i, c) in cases.iter().enumerate() {
        let name = display_name(conn, c)?;
        conn.execute(
            "INSERT INTO wf_notice_item (notice_id, case_id, seq, display_name, group_name, item, amount, withdrawn) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            &[P::Int(id), P::Int(c.id), P::Int(i as i64 + 1), P::Text(&name), c.group_name.as_deref().map(P::Text).unwrap_or(P::Null), c.item.as_deref().map(P::Text).unwrap_or(P::Null), c.amount.map(P::Int).unwrap_or(P::Null), P::Bool(false)],
        )?;
    }
    audit::record(
        conn,
        actor,
        audit::Entry {
            region_code: Some(region.as_str()),
            entity: "wf_notice",
            entity_id: Some(id.to_string()),
            action: if announcement { "announce" } else { "post" },
            before: None,
            after: Some(serde_json::json!({ "标题": n.title.trim(), "类别": if announcement { "公告" } else { "公示" }, "开始": n.starts_on.to_string(), "结束": ends_on.to_string(), "户数": cases.len(), "编码": code }).to_string()),
        },
    )?;
    Ok(id)
}

fn ledger_for(c: &Case, who: &Decider, decision: &'static str, notice_id: i64, comment: Option<String>, return_to: Option<usize>) -> LedgerRow {
    LedgerRow { comment, return_to, detail: Some(serde_json::json!({ "notice_id": notice_id }).to_string()), ..LedgerRow::on(c, who, decision) }
}

/// Moves cases on from the step they are at (each per its own definition).
fn move_on(conn: &mut Conn, actor: &Actor, keys: &Keyring, defs: &BTreeMap<i64, StoredDefinition>, cases: &[Case], today: NaiveDate) -> Result<()> {
    for (def_id, def) in defs {
        let moves: Vec<Move> = cases
            .iter()
            .filter(|c| c.definition_id == *def_id)
            .map(|c| Move { case_id: c.id, region_code: c.region_code.clone(), household_id: c.household_id, title: c.title.clone(), outcome: engine::next_after(&def.def, c.step_index) })
            .collect();
        if !moves.is_empty() {
            apply_moves(conn, actor, keys, def, &moves, today)?;
        }
    }
    Ok(())
}

/// Posts a public notice for cases waiting at a notice step; returns its id.
pub fn post_notice(conn: &mut Conn, actor: &Actor, who: &Decider, n: &NewNotice, today: NaiveDate) -> Result<i64> {
    if n.starts_on < today - chrono::Duration::days(3) {
        return Err(StoreError::Invalid(format!("公示开始日期 {} 早于今天 3 天以上：请填写实际张贴的日期", n.starts_on)));
    }
    conn.in_tx(|conn| {
        let (region, cases, defs) = cases_for(conn, who, n, StepKind::Notice, today)?;
        let first = &cases[0];
        let step = defs[&first.definition_id].def.step(first.step_index).cloned().ok_or_else(|| StoreError::Invalid("流程环节不存在".into()))?;
        let rule = step.notice.ok_or_else(|| StoreError::Invalid(format!("环节“{}”没有设置公示期", step.title)))?;
        if region.level() != rule.posted_in.region_level() {
            return Err(StoreError::Invalid(format!("“{}”应在{}范围内张贴：请选择一个{}", step.title, rule.posted_in.label(), rule.posted_in.label())));
        }
        let cal = calendar::for_region(conn, region.as_str())?;
        let ends_on = cal.period_end(n.starts_on, rule.days, rule.working_days);
        let id = insert_notice(conn, actor, n, "notice", &region, ends_on, Some(rule), &cases)?;
        let now = crate::now_utc();
        let rows: Vec<Vec<Cell>> = cases.iter().map(|c| ledger_row(&ledger_for(c, who, "notice_posted", id, None, None), &now)).collect();
        write_ledger(conn, &rows)?;
        Ok(id)
    })
}

/// Publishes an announcement (公告) for cases at an announcement step: stored closed at once, the
/// cases move on (usually completed, with the procedure's effect on the registry).
pub fn publish_announcement(conn: &mut Conn, actor: &Actor, keys: &Keyring, who: &Decider, n: &NewNotice, today: NaiveDate) -> Result<i64> {
    conn.in_tx(|conn| {
        let (region, cases, defs) = cases_for(conn, who, n, StepKind::Announcement, today)?;
        let id = insert_notice(conn, actor, n, "announcement", &region, n.starts_on, None, &cases)?;
        let now = crate::now_utc();
        let rows: Vec<Vec<Cell>> = cases.iter().map(|c| ledger_row(&ledger_for(c, who, "announced", id, None, None), &now)).collect();
        write_ledger(conn, &rows)?;
        move_on(conn, actor, keys, &defs, &cases, today)?;
        Ok(id)
    })
}

/// Posts a notice for the cases of `n`, or with `announce` publishes their announcement.
pub fn post_or_announce(conn: &mut Conn, actor: &Actor, keys: &Keyring, who: &Decider, n: &NewNotice, announce: bool, today: NaiveDate) -> Result<i64> {
    if announce { publish_announcement(conn, actor, keys, who, n, today) } else { post_notice(conn, actor, who, n, today) }
}

/// Why a posted notice cannot be closed today (empty = it can).
pub fn close_refusals(conn: &mut Conn, n: &Notice, today: NaiveDate) -> Result<Vec<String>> {
    let mut out = Vec::new();
    if n.is_announcement() || !n.is_posted() {
        out.push("公示已结束".to_string());
        return Ok(out);
    }
    if today <= n.ends_on {
        out.push(format!("公示期至 {} 结束，届满后才能结束公示", n.ends_on));
    }
    let open = conn.query_int("SELECT COUNT(*) FROM wf_objection WHERE notice_id = ? AND status = 'open'", &[P::Int(n.id)])?;
    if open > 0 {
        out.push(format!("还有 {open} 条异议未处理"));
    }
    let photos = conn.query_int("SELECT COUNT(*) FROM wf_attachment WHERE owner_kind = 'notice' AND owner_id = ?", &[P::Int(n.id)])?;
    if photos == 0 {
        out.push("请先上传公示张贴照片".to_string());
    }
    Ok(out)
}

/// Whether `who` may act on the notice (its step's role and level, in scope).
pub fn may_act_on(conn: &mut Conn, who: &Decider, n: &Notice, today: NaiveDate) -> Result<std::result::Result<(), String>> {
    // the definition the notice's cases run on (they keep their version), else the current one
    let def_id = conn.query_opt("SELECT c.definition_id FROM wf_notice_item i JOIN wf_case c ON c.id = i.case_id WHERE i.notice_id = ? ORDER BY c.definition_id DESC LIMIT 1", &[P::Int(n.id)])?.and_then(|r| r[0].int());
    let def = match def_id {
        Some(id) => definitions::get(conn, id)?,
        None => definitions::current(conn, &n.procedure, &n.region_code)?,
    };
    let Some(idx) = def.def.index_of(&n.step_key) else { return Ok(Err("流程环节不存在".into())) };
    Ok(engine::may_act(&def.def, &notice_view(idx, &n.region_code)?, who, today).map_err(|r| r.message()))
}

/// Ends a notice whose period is over, without open objections and with its photo: every item
/// still at the notice step moves on (ledger `noticed`).
pub fn close_notice(conn: &mut Conn, actor: &Actor, keys: &Keyring, who: &Decider, notice_id: i64, today: NaiveDate) -> Result<()> {
    conn.in_tx(|conn| {
        let n = get(conn, &who.scope, notice_id)?.ok_or_else(|| StoreError::NotFound("该公示（不存在或不在您的管辖范围内）".into()))?;
        if let Err(why) = may_act_on(conn, who, &n, today)? {
            return Err(StoreError::Invalid(why));
        }
        let why = close_refusals(conn, &n, today)?;
        if !why.is_empty() {
            return Err(StoreError::Invalid(why.join("；")));
        }
        let changed = conn.execute(
            "UPDATE wf_notice SET status = 'closed', closed_by = ?, closed_at = ?, version = version + 1 WHERE id = ? AND status = 'posted' AND version = ?",
            &[P::Text(user_of(actor)), P::Text(&crate::now_utc()), P::Int(n.id), P::Int(n.version)],
        )?;
        if changed == 0 {
            return Err(StoreError::Invalid("该公示已被他人结束：请刷新页面".into()));
        }
        let ids: Vec<i64> = items(conn, n.id)?.iter().filter(|i| !i.withdrawn).map(|i| i.case_id).collect();
        let cases: Vec<Case> = lock_cases(conn, &RegionScope::all(), &ids)?.into_iter().filter(|c| c.status == CaseStatus::Open && c.step_key == n.step_key).collect();
        let defs = definitions_of(conn, &cases)?;
        let now = crate::now_utc();
        let rows: Vec<Vec<Cell>> = cases.iter().map(|c| ledger_row(&ledger_for(c, who, "noticed", n.id, None, None), &now)).collect();
        write_ledger(conn, &rows)?;
        move_on(conn, actor, keys, &defs, &cases, today)?;
        audit::record(
            conn,
            actor,
            audit::Entry {
                region_code: Some(&n.region_code),
                entity: "wf_notice",
                entity_id: Some(n.id.to_string()),
                action: "close",
                before: Some(serde_json::json!({ "状态": "公示中" }).to_string()),
                after: Some(serde_json::json!({ "状态": "已结束", "推进案件": cases.len() }).to_string()),
            },
        )
    })
}

/// Withdraws an item (an upheld objection took it off); used inside the caller's transaction.
pub(crate) fn withdraw_item(conn: &mut Conn, notice_id: i64, case_id: i64) -> Result<()> {
    conn.execute("UPDATE wf_notice_item SET withdrawn = ? WHERE notice_id = ? AND case_id = ?", &[P::Bool(true), P::Int(notice_id), P::Int(case_id)])?;
    Ok(())
}

/// Locks and returns a case for an objection's outcome.
pub(crate) fn ledger_returned(c: &Case, who: &Decider, notice_id: i64, reason: &str, to: usize) -> LedgerRow {
    ledger_for(c, who, "objection_upheld", notice_id, Some(reason.trim().to_string()), Some(to))
}

/// A case row by id without scope (the caller has checked the notice's scope).
pub(crate) fn case_by_id(conn: &mut Conn, id: i64) -> Result<Option<Case>> {
    Ok(lock_cases(conn, &RegionScope::all(), &[id])?.into_iter().next())
}

/// Cases waiting for a notice or an announcement, grouped by where it would be posted.
#[derive(Debug, Clone)]
pub struct WaitingGroup {
    pub procedure: String,
    pub step_key: String,
    pub step_title: String,
    pub announcement: bool,
    /// The village, or the township for township-wide notices.
    pub region_code: String,
    pub cases: i64,
}

/// Every group of open cases in scope at a notice or announcement step and not on a posted notice.
pub fn waiting_groups(conn: &mut Conn, scope: &RegionScope) -> Result<Vec<WaitingGroup>> {
    let rows = conn.query(
        "SELECT c.procedure, c.step_key, c.definition_id, c.region_code, COUNT(*) FROM wf_case c WHERE c.status = 'open' AND c.region_code LIKE ? \
         AND NOT EXISTS (SELECT 1 FROM wf_notice_item i JOIN wf_notice n ON n.id = i.notice_id WHERE i.case_id = c.id AND n.status = 'posted' AND i.withdrawn = ?) \
         GROUP BY c.procedure, c.step_key, c.definition_id, c.region_code",
        &[P::Text(&scope.like_pattern()), P::Bool(false)],
    )?;
    let defs = definitions::by_ids(conn, rows.iter().map(|r| r[2].int().unwrap_or_default()))?;
    let mut groups: BTreeMap<(String, String, String), WaitingGroup> = BTreeMap::new();
    for r in rows {
        let def_id = r[2].int().unwrap_or_default();
        let (procedure, step_key, region) = (r[0].string(), r[1].string(), r[3].string());
        let Some(step) = defs[&def_id].def.steps.iter().find(|s| s.key == step_key).cloned() else { continue };
        if !matches!(step.kind, StepKind::Notice | StepKind::Announcement) {
            continue;
        }
        let township = step.notice.is_some_and(|n| n.posted_in == bangfu_domain::workflow::Level::Township);
        let at = if township && region.len() >= 9 { format!("{}000", &region[..9]) } else { region };
        let g = groups.entry((procedure.clone(), step_key.clone(), at.clone())).or_insert_with(|| WaitingGroup {
            procedure,
            step_key,
            step_title: step.title.clone(),
            announcement: step.kind == StepKind::Announcement,
            region_code: at,
            cases: 0,
        });
        g.cases += r[4].int().unwrap_or_default();
    }
    Ok(groups.into_values().collect())
}
