//! Village deliberation meetings (民主评议): one meeting decides many cases waiting at a
//! deliberation step — attendance against the step's quorum (2/3 by default), a result per case
//! with its votes, the minutes attached — and moves them on (passed) or ends them (failed, with the
//! reason), all in one transaction with the ledger and the audit trail.

use super::advance::{apply_moves, ledger_row, write_ledger, LedgerRow, Move};
use super::attachments::{self, Attachment, Owner};
use super::cases::{case_from_row, Case, CASE_COLUMNS};
use super::decide::lock_cases;
use super::definitions;
use crate::audit::{self, Actor};
use crate::db::{Conn, P};
use crate::error::{Result, StoreError};
use crate::Keyring;
use bangfu_domain::workflow::engine::{self, CaseStatus, Decider, Outcome};
use bangfu_domain::workflow::StepKind;
use bangfu_domain::{RegionCode, RegionScope};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap};

/// The result of one case at a meeting.
#[derive(Debug, Clone, Default)]
pub struct MeetingItem {
    pub case_id: i64,
    pub passed: bool,
    pub votes_for: Option<i64>,
    pub votes_against: Option<i64>,
    /// Required when the case did not pass: it is the reason the applicant is given.
    pub note: String,
}

/// A meeting as entered.
#[derive(Debug, Clone, Default)]
pub struct Meeting {
    pub village_code: String,
    pub meeting_on: NaiveDate,
    pub place: String,
    pub host: String,
    pub representatives_total: i64,
    pub representatives_present: i64,
    pub items: Vec<MeetingItem>,
}

/// The fewest present that meet a quorum n/d of `total`.
pub fn quorum_needed(total: i64, quorum: (u32, u32)) -> i64 {
    let (n, d) = (quorum.0 as i64, quorum.1.max(1) as i64);
    (total * n + d - 1) / d
}

/// The message of a meeting below its quorum.
pub fn quorum_message(present: i64, total: i64, quorum: (u32, u32)) -> String {
    format!(
        "到会代表 {present} 人，不足应到 {total} 人的 {}/{}（至少 {} 人），本次评议无效",
        quorum.0,
        quorum.1,
        quorum_needed(total, quorum)
    )
}

fn invalid(m: impl Into<String>) -> StoreError {
    StoreError::Invalid(m.into())
}

/// What can be checked without the database.
fn check_form(m: &Meeting, has_minutes: bool, today: NaiveDate) -> Result<()> {
    if m.items.is_empty() {
        return Err(invalid("本次会议没有评议任何案件：请至少登记一件案件的评议结果"));
    }
    if m.meeting_on > today {
        return Err(invalid(format!("会议日期 {} 晚于今天，请填写实际开会的日期", m.meeting_on)));
    }
    if m.representatives_total <= 0 {
        return Err(invalid("请填写应到代表人数（大于 0）"));
    }
    if m.representatives_present < 0 || m.representatives_present > m.representatives_total {
        return Err(invalid(format!("实到代表 {} 人不能多于应到代表 {} 人", m.representatives_present, m.representatives_total)));
    }
    let mut seen = std::collections::HashSet::new();
    for it in &m.items {
        if !seen.insert(it.case_id) {
            return Err(invalid(format!("案件 {} 在本次会议中登记了两次", it.case_id)));
        }
        let (f, a) = (it.votes_for.unwrap_or(0), it.votes_against.unwrap_or(0));
        if f < 0 || a < 0 {
            return Err(invalid(format!("案件 {} 的票数不能为负数", it.case_id)));
        }
        if f + a > m.representatives_present {
            return Err(invalid(format!("案件 {} 的赞成 {f} 票、反对 {a} 票，合计多于实到代表 {} 人，请核对票数", it.case_id, m.representatives_present)));
        }
        if !it.passed && it.note.trim().is_empty() {
            return Err(invalid(format!("案件 {} 评议未通过，请在备注中写明理由（将告知申请人）", it.case_id)));
        }
    }
    if !has_minutes {
        return Err(invalid("请上传会议记录（照片或 PDF）：没有会议记录的评议结果不能登记"));
    }
    Ok(())
}

/// Records a meeting and moves its cases: passed cases go to the next step, failed ones are
/// rejected with the note as the reason. Nothing is written when anything is refused (below quorum,
/// a case not waiting for deliberation in this village, a date in the future, too many votes, no
/// minutes …). Returns the meeting's id.
#[allow(clippy::too_many_arguments)]
pub fn record_meeting(conn: &mut Conn, keys: &Keyring, actor: &Actor, who: &Decider, m: &Meeting, minutes: Option<(&str, &[u8])>, today: NaiveDate) -> Result<i64> {
    let village = RegionCode::parse(&m.village_code).map_err(|_| invalid(format!("村代码“{}”无效", m.village_code)))?;
    if !who.scope.contains(&village) {
        return Err(StoreError::NotFound("该村（不存在或不在您的管辖范围内）".into()));
    }
    check_form(m, minutes.is_some_and(|(_, b)| !b.is_empty()), today)?;
    let (file_name, bytes) = minutes.unwrap_or(("", &[]));
    conn.in_tx(|conn| {
        let ids: Vec<i64> = m.items.iter().map(|i| i.case_id).collect();
        let cases = lock_cases(conn, &who.scope, &ids)?;
        let by_id: HashMap<i64, &Case> = cases.iter().map(|c| (c.id, c)).collect();
        let defs = definitions::by_ids(conn, cases.iter().map(|c| c.definition_id))?;
        let mut quorum = (0u32, 1u32);
        for it in &m.items {
            let c = by_id.get(&it.case_id).ok_or_else(|| invalid(format!("案件 {} 不存在或不在您的管辖范围内", it.case_id)))?;
            let name = format!("案件 {}（{}）", c.id, c.title);
            if c.region_code != m.village_code {
                return Err(invalid(format!("{name}不属于本村，不能在本村的会议上评议")));
            }
            if c.status != CaseStatus::Open {
                return Err(invalid(format!("{name}{}，不能再评议", c.status.label())));
            }
            let def = &defs[&c.definition_id];
            let step = def.def.step(c.step_index).ok_or_else(|| invalid(format!("{name}的环节已不存在")))?;
            if step.kind != StepKind::Deliberation {
                return Err(invalid(format!("{name}当前在“{}”环节，不在民主评议环节，不能在会议上评议", step.title)));
            }
            engine::may_act(&def.def, &c.view(), who, today).map_err(|r| invalid(format!("{name}：{}", r.message())))?;
            // the strictest quorum of the steps decided
            let q = step.quorum_or_default();
            if (q.0 as u64) * (quorum.1 as u64) > (quorum.0 as u64) * (q.1 as u64) {
                quorum = q;
            }
        }
        if quorum.0 == 0 {
            quorum = (2, 3);
        }
        let (present, total) = (m.representatives_present, m.representatives_total);
        if !engine::quorum_met(present as u32, total as u32, quorum) {
            return Err(invalid(quorum_message(present, total, quorum)));
        }
        let id = crate::ids::allocate(conn, "wf_deliberation", 1)?;
        let now = crate::now_utc();
        conn.execute(
            "INSERT INTO wf_deliberation (id, region_code, meeting_on, place, host, representatives_total, representatives_present, quorum_num, quorum_den, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            &[
                P::Int(id),
                P::Text(&m.village_code),
                P::Date(m.meeting_on),
                P::Text(m.place.trim()),
                P::Text(m.host.trim()),
                P::Int(total),
                P::Int(present),
                P::Int(quorum.0 as i64),
                P::Int(quorum.1 as i64),
                P::Text(&who.user),
                P::Text(&now),
            ],
        )?;
        attachments::add(conn, actor, Owner::Deliberation(id), &m.village_code, "会议记录", file_name, bytes)?;
        let mut ledger = Vec::with_capacity(m.items.len());
        let mut moves: BTreeMap<i64, Vec<Move>> = BTreeMap::new();
        let mut afters = Vec::with_capacity(m.items.len());
        for it in &m.items {
            let c = by_id[&it.case_id];
            let def = &defs[&c.definition_id];
            let note = it.note.trim();
            conn.execute(
                "INSERT INTO wf_deliberation_item (deliberation_id, case_id, passed, votes_for, votes_against, note) VALUES (?, ?, ?, ?, ?, ?)",
                &[P::Int(id), P::Int(c.id), P::Bool(it.passed), it.votes_for.map(P::Int).unwrap_or(P::Null), it.votes_against.map(P::Int).unwrap_or(P::Null), if note.is_empty() { P::Null } else { P::Text(note) }],
            )?;
            let detail = serde_json::json!({ "deliberation_id": id, "passed": it.passed, "votes": { "for": it.votes_for, "against": it.votes_against } }).to_string();
            let row = LedgerRow { comment: Some(note.to_string()).filter(|s| !s.is_empty()), detail: Some(detail), ..LedgerRow::on(c, who, "deliberated") };
            ledger.push(ledger_row(&row, &now));
            let outcome = if it.passed { engine::next_after(&def.def, c.step_index) } else { Outcome::Rejected };
            moves.entry(c.definition_id).or_default().push(Move { case_id: c.id, region_code: c.region_code.clone(), household_id: c.household_id, title: c.title.clone(), outcome });
            afters.push((
                c.id.to_string(),
                serde_json::json!({ "评议会议": id, "结果": if it.passed { "通过" } else { "未通过" }, "赞成": it.votes_for, "反对": it.votes_against, "备注": note }).to_string(),
            ));
        }
        write_ledger(conn, &ledger)?;
        for (def_id, ms) in &moves {
            apply_moves(conn, actor, keys, &defs[def_id], ms, today)?;
        }
        let passed = m.items.iter().filter(|i| i.passed).count();
        audit::record(
            conn,
            actor,
            audit::Entry {
                region_code: Some(&m.village_code),
                entity: "wf_deliberation",
                entity_id: Some(id.to_string()),
                action: "record",
                before: None,
                after: Some(
                    serde_json::json!({ "会议日期": m.meeting_on.to_string(), "地点": m.place.trim(), "主持人": m.host.trim(), "应到": total, "实到": present, "评议案件": m.items.len(), "通过": passed, "未通过": m.items.len() - passed })
                        .to_string(),
                ),
            },
        )?;
        let entries: Vec<audit::Entry> = afters
            .iter()
            .map(|(cid, after)| audit::Entry { region_code: Some(&m.village_code), entity: "wf_case", entity_id: Some(cid.clone()), action: "deliberated", before: None, after: Some(after.clone()) })
            .collect();
        audit::record_many(conn, actor, &entries)?;
        Ok(id)
    })
}

/// A stored meeting.
#[derive(Debug, Clone)]
pub struct MeetingRecord {
    pub id: i64,
    pub region_code: String,
    pub meeting_on: Option<NaiveDate>,
    pub place: String,
    pub host: String,
    pub representatives_total: i64,
    pub representatives_present: i64,
    pub quorum: (u32, u32),
    pub recorded_by: String,
    pub recorded_at: String,
    /// Cases decided (in the list: only their count; in [`get_meeting`]: every item).
    pub item_count: i64,
    pub passed_count: i64,
}

/// One case's result at a meeting, with the case's name and where it is now.
#[derive(Debug, Clone)]
pub struct MeetingResult {
    pub case_id: i64,
    pub title: String,
    pub procedure: String,
    pub passed: bool,
    pub votes_for: Option<i64>,
    pub votes_against: Option<i64>,
    pub note: Option<String>,
}

/// A meeting with its results and attachments.
#[derive(Debug, Clone)]
pub struct MeetingFile {
    pub meeting: MeetingRecord,
    pub items: Vec<MeetingResult>,
    pub attachments: Vec<Attachment>,
}

const MEETING_SQL: &str = "SELECT d.id, d.region_code, d.meeting_on, d.place, d.host, d.representatives_total, d.representatives_present, d.quorum_num, d.quorum_den, d.recorded_by, d.recorded_at, \
     (SELECT COUNT(*) FROM wf_deliberation_item i WHERE i.deliberation_id = d.id), \
     (SELECT COUNT(*) FROM wf_deliberation_item i WHERE i.deliberation_id = d.id AND i.passed = ?) FROM wf_deliberation d";

fn meeting_from_row(r: &[crate::Cell]) -> MeetingRecord {
    MeetingRecord {
        id: r[0].int().unwrap_or_default(),
        region_code: r[1].string(),
        meeting_on: r[2].date(),
        place: r[3].string(),
        host: r[4].string(),
        representatives_total: r[5].int().unwrap_or_default(),
        representatives_present: r[6].int().unwrap_or_default(),
        quorum: (r[7].int().unwrap_or(2) as u32, r[8].int().unwrap_or(3) as u32),
        recorded_by: r[9].string(),
        recorded_at: r[10].string(),
        item_count: r[11].int().unwrap_or_default(),
        passed_count: r[12].int().unwrap_or_default(),
    }
}

/// Meetings in scope, newest first.
pub fn list_meetings(conn: &mut Conn, scope: &RegionScope, limit: i64) -> Result<Vec<MeetingRecord>> {
    let rows = conn.query(
        &format!("{MEETING_SQL} WHERE d.region_code LIKE ? ORDER BY d.meeting_on DESC, d.id DESC LIMIT ?"),
        &[P::Bool(true), P::Text(&scope.like_pattern()), P::Int(limit)],
    )?;
    Ok(rows.iter().map(|r| meeting_from_row(r)).collect())
}

/// One meeting in scope with its results and attachments (`None` when missing or out of scope).
pub fn get_meeting(conn: &mut Conn, scope: &RegionScope, id: i64) -> Result<Option<MeetingFile>> {
    let Some(r) = conn.query_opt(&format!("{MEETING_SQL} WHERE d.id = ? AND d.region_code LIKE ?"), &[P::Bool(true), P::Int(id), P::Text(&scope.like_pattern())])? else {
        return Ok(None);
    };
    let meeting = meeting_from_row(&r);
    let rows = conn.query(
        "SELECT i.case_id, COALESCE(c.title, ''), COALESCE(c.procedure, ''), i.passed, i.votes_for, i.votes_against, i.note FROM wf_deliberation_item i \
         LEFT JOIN wf_case c ON c.id = i.case_id WHERE i.deliberation_id = ? ORDER BY i.case_id",
        &[P::Int(id)],
    )?;
    let items = rows
        .iter()
        .map(|r| MeetingResult {
            case_id: r[0].int().unwrap_or_default(),
            title: r[1].string(),
            procedure: r[2].string(),
            passed: r[3].bool().unwrap_or(false),
            votes_for: r[4].int(),
            votes_against: r[5].int(),
            note: r[6].text().map(str::to_string),
        })
        .collect();
    let attachments = attachments::list(conn, scope, Owner::Deliberation(id))?;
    Ok(Some(MeetingFile { meeting, items, attachments }))
}

/// Open cases waiting at a deliberation step in a village (in scope), oldest first.
pub fn waiting_cases(conn: &mut Conn, scope: &RegionScope, village_code: &str) -> Result<Vec<Case>> {
    let rows = conn.query(
        &format!("SELECT {CASE_COLUMNS} FROM wf_case WHERE region_code = ? AND region_code LIKE ? AND status = 'open' ORDER BY id"),
        &[P::Text(village_code), P::Text(&scope.like_pattern())],
    )?;
    let cases: Vec<Case> = rows.iter().map(|r| case_from_row(r)).collect();
    let defs = definitions::by_ids(conn, cases.iter().map(|c| c.definition_id))?;
    Ok(cases.into_iter().filter(|c| defs[&c.definition_id].def.step(c.step_index).is_some_and(|s| s.kind == StepKind::Deliberation)).collect())
}

/// The quorum the waiting cases' steps ask for (the strictest; 2/3 when none).
pub fn quorum_for(conn: &mut Conn, cases: &[Case]) -> Result<(u32, u32)> {
    let mut quorum = (2u32, 3u32);
    let mut first = true;
    let defs = definitions::by_ids(conn, cases.iter().map(|c| c.definition_id))?;
    for c in cases {
        if let Some(s) = defs[&c.definition_id].def.step(c.step_index) {
            let q = s.quorum_or_default();
            if first || (q.0 as u64) * (quorum.1 as u64) > (quorum.0 as u64) * (q.1 as u64) {
                quorum = q;
                first = false;
            }
        }
    }
    Ok(quorum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quorum_message_names_the_numbers() {
        assert_eq!(quorum_needed(30, (2, 3)), 20);
        assert_eq!(quorum_needed(31, (2, 3)), 21);
        assert_eq!(quorum_message(19, 30, (2, 3)), "到会代表 19 人，不足应到 30 人的 2/3（至少 20 人），本次评议无效");
    }
}
