//! Checking one household, as after every edit: the household's own rules plus its part of the
//! cross-household rules, stored as a run of that household.

use super::report::{FindingRow, FindingState};
use super::run::{FINDING_COLUMNS, check_scanned};
use super::scan::read_block;
use super::settings::settings;
use crate::audit::Actor;
use crate::bulk;
use crate::db::{Conn, P};
use crate::error::{Result, StoreError};
use crate::keyring::Keyring;
use bangfu_domain::fields::MemberField as MF;
use bangfu_domain::quality::{Rule, Severity};
use bangfu_domain::RegionScope;
use chrono::NaiveDate;

/// Checks one household in scope now; returns its findings (all marked new).
pub fn check_household(conn: &mut Conn, keys: &Keyring, actor: &Actor, scope: &RegionScope, household_id: i64, today: NaiveDate) -> Result<Vec<FindingRow>> {
    let with_measures = {
        let region: Option<String> = conn.query_opt("SELECT region_code FROM household WHERE id = ?", &[P::Int(household_id)])?.map(|r| r[0].string());
        match region {
            Some(r) => super::scan::measures_in_use(conn, super::run::county_of(&r))?,
            None => false,
        }
    };
    let scanned = read_block(conn, keys, scope.prefix(), &[household_id], with_measures)?;
    let Some(h) = scanned.into_iter().next() else {
        return Err(StoreError::NotFound(format!("户 {household_id}")));
    };
    let mut settings = settings(conn)?;
    let rules = settings.for_region(&h.region_code);
    let mut rows = Vec::new();
    check_scanned(0, &h, &mut settings, today, &mut rows);
    // ID-06 for this household: its members' keys held elsewhere, or pointed at from elsewhere
    if rules.on(Rule::DuplicateId) {
        for (i, m) in h.doc.members.iter().enumerate() {
            let stated: String = m.get(MF::IdNumber).as_text().unwrap_or_default().chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
            let key = if stated.len() > 18 && stated.is_ascii() { stated[..18].to_string() } else { stated };
            let own = m.resident_id.as_str().to_string();
            let n = conn.query_int(
                "SELECT COUNT(DISTINCT household_id) FROM member WHERE status = 'active' AND household_id <> ? AND (resident_id = ? OR (id_number <> resident_id AND (id_number = ? OR id_number = ?)))",
                &[P::Int(h.id), P::Text(&key), P::Text(&own), P::Text(&key)],
            )?;
            if n > 0 {
                let masked = if key.len() == 18 { format!("{}********{}", &key[..6], &key[14..]) } else { "（号码不全）".into() };
                rows.push(super::run::finding_row(0, Rule::DuplicateId, &h.region_code, h.id, h.member_ids[i], format!("证件号码 {masked} 同时登记在 {} 户", n + 1)));
            }
        }
    }
    if rules.on(Rule::SharedPhone) {
        let n = conn.query_int(
            "SELECT COUNT(*) FROM household o WHERE o.status = 'active' AND o.id <> ? AND o.phone_hash = (SELECT phone_hash FROM household WHERE id = ?)",
            &[P::Int(h.id), P::Int(h.id)],
        )?;
        if n + 1 > rules.int(Rule::SharedPhone, "max_households") {
            rows.push(super::run::finding_row(0, Rule::SharedPhone, &h.region_code, h.id, 0, format!("该户联系电话同时是另外 {n} 户的联系电话")));
        }
    }
    conn.begin()?;
    let result = (|| -> Result<i64> {
        let run_id = crate::ids::allocate(conn, "quality_run", 1)?;
        let now = crate::now_utc();
        let errors = rows.iter().filter(|r| r[5].text() == Some(Severity::Error.code())).count() as i64;
        conn.execute(
            "INSERT INTO quality_run (id, scope_prefix, household_id, actor, started_at, finished_at, status, rule_count, households, members, findings, errors, warnings, new_findings, fixed_findings, elapsed_ms) \
             VALUES (?, ?, ?, ?, ?, ?, 'done', ?, 1, ?, ?, ?, ?, ?, 0, 0)",
            &[
                P::Int(run_id),
                P::Text(&h.region_code),
                P::Int(h.id),
                P::Text(&actor.name),
                P::Text(&now),
                P::Text(&now),
                P::Int(Rule::ALL.iter().filter(|r| rules.on(**r)).count() as i64),
                P::Int(h.doc.members.len() as i64),
                P::Int(rows.len() as i64),
                P::Int(errors),
                P::Int(rows.len() as i64 - errors),
                P::Int(rows.len() as i64),
            ],
        )?;
        for r in rows.iter_mut() {
            r[0] = crate::db::Cell::Int(run_id);
        }
        bulk::write_rows(conn, "quality_finding", &FINDING_COLUMNS, &rows)?;
        Ok(run_id)
    })();
    match result {
        Ok(_) => conn.commit()?,
        Err(e) => {
            let _ = conn.rollback();
            return Err(e);
        }
    }
    let names: Vec<Option<String>> = h.doc.members.iter().map(|m| m.get(MF::Name).as_text().map(str::to_string)).collect();
    let head = h.doc.head().map(|m| m.name().to_string());
    Ok(rows
        .iter()
        .map(|r| {
            let member_id = r[4].int().filter(|m| *m != 0);
            let member_name = member_id.and_then(|id| h.member_ids.iter().position(|x| *x == id)).and_then(|i| names[i].clone());
            FindingRow {
                rule_code: r[1].string(),
                severity: Severity::parse(r[5].text().unwrap_or_default()).unwrap_or(Severity::Warning),
                region_code: h.region_code.clone(),
                township_name: String::new(),
                village_name: String::new(),
                household_id: h.id,
                household_no: h.doc.get(bangfu_domain::fields::HouseholdField::HouseholdNo).as_text().map(str::to_string),
                head_name: head.clone(),
                member_id,
                member_name,
                message: r[7].string(),
                state: FindingState::New,
            }
        })
        .collect())
}
