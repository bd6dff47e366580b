//! An import in progress: batches of households checked against the registry and written in one
//! transaction; new households in bulk, known ones updated with events, moves resolved at the end.

use super::apply::{apply_update, remove_member, update_member_row};
use super::diff::{diff, overlay, Present};
use super::read::{self, StoredHousehold};
use super::write::{insert_households, NewHousehold, WriteContext};
use crate::audit::{self, Actor};
use crate::db::P;
use crate::error::Result;
use crate::Store;
use bangfu_domain::event::{history_from_columns, EventType};
use bangfu_domain::fields::{FieldRef, HouseholdField as HF, MemberField as MF};
use bangfu_domain::registry::{HouseholdDoc, MemberRecord};
use bangfu_domain::{RegionCode, RegionScope};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

/// How to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub file_name: String,
    pub today: NaiveDate,
    pub present: Present,
    pub scope: RegionScope,
}

/// A household from a file with the rows it came from (one per member, aligned with `doc.members`).
#[derive(Debug, Clone)]
pub struct SourcedDoc {
    pub doc: HouseholdDoc,
    pub first_row: u64,
    pub member_rows: Vec<u64>,
}

/// A household that cannot be written as it is, with where and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub row: u64,
    /// The first row of the household the conflict keeps out (one household may have several).
    pub household_row: u64,
    pub field: Option<FieldRef>,
    pub value: String,
    pub reason: String,
    pub fix: String,
}

/// What an import did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SessionSummary {
    pub households_created: u64,
    pub households_updated: u64,
    pub households_unchanged: u64,
    pub members_created: u64,
    pub members_updated: u64,
    pub members_removed: u64,
    pub members_moved: u64,
    pub events: u64,
}

/// A person the file puts in a household while the registry still has them elsewhere.
struct Claim {
    member_id: i64,
    from: (i64, String),
    to: (i64, String),
    to_created: bool,
    record: MemberRecord,
    seq: i64,
    row: u64,
    household_row: u64,
}

pub struct ImportSession<'a> {
    store: &'a mut Store,
    actor: Actor,
    opts: ImportOptions,
    pub batch_id: i64,
    now: String,
    summary: SessionSummary,
    /// Households changed by this import (their absent members may have moved to another household).
    touched: HashSet<i64>,
    /// Members missing from the new version of their household: member id → (household, region).
    leaving: HashMap<i64, (i64, String)>,
    claims: Vec<Claim>,
    /// Stored households already submitted in this import (a later occurrence is a conflict).
    seen: HashSet<i64>,
    /// The registry was empty: secondary indexes were dropped for the load and are rebuilt at commit.
    bulk: bool,
    /// The transaction is still open (a session dropped without commit or rollback rolls back).
    open: bool,
    /// SQLite was switched from WAL to a rollback journal for this load; switch back when done.
    journal_switched: bool,
}

impl Drop for ImportSession<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.store.conn.rollback();
        }
        if self.journal_switched {
            let _ = self.store.conn.batch("PRAGMA journal_mode=WAL");
        }
    }
}

/// Foreign keys a PostgreSQL load into an empty registry drops and re-adds (validated once) at commit.
pub const BULK_FOREIGN_KEYS: &[(&str, &str, &str)] = &[
    ("member", "member_household_id_fkey", "FOREIGN KEY (household_id) REFERENCES household (id)"),
    ("household_income", "household_income_household_id_fkey", "FOREIGN KEY (household_id) REFERENCES household (id)"),
];

/// Secondary (non-unique) indexes that a load into an empty registry drops and rebuilds:
/// building an index once after the load is several times cheaper than maintaining it row by row.
/// Keep in step with the migrations (a conformance test checks every one exists).
/// The small partial indexes of 0003 (household_unmet, household_monitored, household_no_helper)
/// stay: they hold only the rare matching rows, so maintaining them during a load costs little.
pub const BULK_INDEXES: &[(&str, &str)] = &[
    ("household_scope_type", "CREATE INDEX household_scope_type ON household (region_code, household_type, status, poverty_attribute, monitoring_category, cause_1, cause_2, cause_3, cause_4, cause_5, household_no)"),
    ("household_phone", "CREATE INDEX household_phone ON household (phone_hash)"),
    ("member_household", "CREATE INDEX member_household ON member (household_id, status)"),
    ("member_scope_name", "CREATE INDEX member_scope_name ON member (name, region_code, status)"),
    ("member_initials", "CREATE INDEX member_initials ON member (name_initials, name, region_code, status)"),
    ("member_id_tail", "CREATE INDEX member_id_tail ON member (SUBSTR(resident_id, 13))"),
    ("household_region_no", "CREATE INDEX household_region_no ON household (region_code, household_no, status, id)"),
    ("household_income_per_capita", "CREATE INDEX household_income_per_capita ON household_income (per_capita_net_income, year, household_id)"),
    ("household_income_year", "CREATE INDEX household_income_year ON household_income (year, per_capita_net_income, household_id)"),
    ("adjustment_event_household", "CREATE INDEX adjustment_event_household ON adjustment_event (household_id, effective_on)"),
    ("adjustment_event_scope", "CREATE INDEX adjustment_event_scope ON adjustment_event (region_code, effective_on)"),
    ("adjustment_event_recent", "CREATE INDEX adjustment_event_recent ON adjustment_event (effective_on, id, region_code)"),
];

fn conflict(row: u64, field: Option<FieldRef>, value: &str, reason: impl Into<String>, fix: impl Into<String>) -> Conflict {
    Conflict { row, household_row: row, field, value: value.to_string(), reason: reason.into(), fix: fix.into() }
}

const ID: Option<FieldRef> = Some(FieldRef::Member(MF::IdNumber));

impl<'a> ImportSession<'a> {
    /// Opens the transaction and records the batch.
    pub fn begin(store: &'a mut Store, actor: Actor, opts: ImportOptions) -> Result<ImportSession<'a>> {
        // A first load into an empty SQLite file writes every page once with a rollback journal
        // (new pages need no journal) instead of twice through the WAL and its checkpoint. Only when
        // this is the sole connection: otherwise SQLite keeps WAL and nothing changes.
        let mut journal_switched = false;
        if let Some(c) = store.conn.sqlite() {
            let empty: i64 = c.query_row("SELECT COUNT(*) FROM household", [], |r| r.get(0))?;
            if empty == 0 {
                let mode: String = c.query_row("PRAGMA journal_mode=DELETE", [], |r| r.get(0)).unwrap_or_default();
                journal_switched = mode.eq_ignore_ascii_case("delete");
            }
        }
        store.conn.begin()?;
        let now = crate::now_utc();
        let batch_id = match crate::ids::allocate(&mut store.conn, "import_batch", 1) {
            Ok(id) => id,
            Err(e) => {
                let _ = store.conn.rollback();
                return Err(e);
            }
        };
        store.conn.execute(
            "INSERT INTO import_batch (id, kind, file_name, actor, started_at, status) VALUES (?, 'households', ?, ?, ?, 'running')",
            &[P::Int(batch_id), P::Text(&opts.file_name), P::Text(&actor.name), P::Text(&now)],
        )?;
        let bulk = store.conn.query_int("SELECT COUNT(*) FROM household", &[])? == 0;
        if bulk {
            for (name, _) in BULK_INDEXES {
                store.conn.batch(&format!("DROP INDEX {name}"))?;
            }
            if store.backend() == crate::Backend::Postgres {
                // PostgreSQL checks a foreign key row by row; checking it once after the load is far cheaper
                for (table, name, _) in BULK_FOREIGN_KEYS {
                    store.conn.batch(&format!("ALTER TABLE {table} DROP CONSTRAINT {name}"))?;
                }
            }
        }
        Ok(ImportSession { store, actor, opts, batch_id, now, summary: SessionSummary::default(), touched: HashSet::new(), leaving: HashMap::new(), claims: Vec::new(), seen: HashSet::new(), bulk, open: true, journal_switched })
    }

    pub fn summary(&self) -> SessionSummary {
        self.summary
    }

    fn ctx(&self) -> WriteContext {
        WriteContext { batch_id: Some(self.batch_id), recorded_by: self.actor.name.clone(), now: self.now.clone(), keys: self.store.keys.clone() }
    }

    /// Checks and writes a batch of households. Households with conflicts are not written; their conflicts are returned.
    pub fn submit(&mut self, docs: Vec<SourcedDoc>) -> Result<Vec<Conflict>> {
        let mut conflicts = Vec::new();
        let mut ok: Vec<SourcedDoc> = Vec::with_capacity(docs.len());
        let mut ids_in_batch: HashMap<String, u64> = HashMap::new();
        let mut numbers_in_batch: HashSet<String> = HashSet::new();
        'docs: for d in docs {
            match d.doc.region_code() {
                Some(code) if !self.opts.scope.contains(&code) => {
                    conflicts.push(conflict(d.first_row, Some(FieldRef::Household(HF::RegionCode)), code.as_str(), "该户所在村不在您的管辖范围内", "只能导入本辖区的户；请核对区划代码或由上级部门导入"));
                    continue;
                }
                Some(_) => {}
                None => {
                    // without a valid village code the household would be stored outside every scope
                    let value = d.doc.get(HF::RegionCode).as_text().unwrap_or("").to_string();
                    conflicts.push(conflict(d.first_row, Some(FieldRef::Household(HF::RegionCode)), &value, "无法确定该户所在的村", "请填写 12 位村级区划代码，或与系统中区划名称一致的乡(镇)、村名称"));
                    continue;
                }
            }
            if let Some(no) = d.doc.get(HF::HouseholdNo).as_text()
                && !numbers_in_batch.insert(no.to_string()) {
                    conflicts.push(conflict(d.first_row, Some(FieldRef::Household(HF::HouseholdNo)), no, format!("户编号 {no} 在本文件中前面已出现过，但与本行不相邻"), "同一户的成员行必须相邻；请按户编号排序后再导入"));
                    continue;
                }
            for (m, row) in d.doc.members.iter().zip(&d.member_rows) {
                if let Some(first) = ids_in_batch.get(m.resident_id.as_str()) {
                    conflicts.push(conflict(*row, ID, &m.resident_id.masked(), format!("证件号码与第 {first} 行重复：同一人不能登记在两户或重复登记"), "删除重复的行，或核对证件号码"));
                    continue 'docs;
                }
            }
            for (m, row) in d.doc.members.iter().zip(&d.member_rows) {
                ids_in_batch.insert(m.resident_id.as_str().to_string(), *row);
            }
            ok.push(d);
        }
        // Into an empty registry, everything already stored came from earlier batches of this file:
        // write optimistically and let the unique indexes catch a repeat; only then look up and report.
        if self.bulk && self.try_bulk(&ok)? {
            return Ok(conflicts);
        }
        // what the registry already holds for these households and people
        let numbers: Vec<&str> = ok.iter().filter_map(|d| d.doc.get(HF::HouseholdNo).as_text()).collect();
        let by_number: HashMap<String, (i64, Option<i64>)> = read::ids_by_number(&mut self.store.conn, &numbers)?.into_iter().map(|(n, id, b)| (n, (id, b))).collect();
        let rids: Vec<&str> = ok.iter().flat_map(|d| d.doc.members.iter().map(|m| m.resident_id.as_str())).collect();
        let people: HashMap<String, (i64, i64, Option<String>, String, String)> = read::members_by_resident_id(&mut self.store.conn, &rids)?
            .into_iter()
            .map(|(rid, mid, hid, no, region, status)| (rid, (mid, hid, no, region, status)))
            .collect();
        let mut fresh: Vec<SourcedDoc> = Vec::new();
        let mut updates: Vec<(i64, SourcedDoc)> = Vec::new();
        'classify: for d in ok {
            let existing = match d.doc.get(HF::HouseholdNo).as_text() {
                Some(no) => by_number.get(no).copied(),
                None => d.doc.head().and_then(|h| people.get(h.resident_id.as_str())).filter(|p| p.4 == "active").map(|p| (p.1, None)),
            };
            if let Some((hid, created_batch)) = existing {
                if created_batch == Some(self.batch_id) || !self.seen.insert(hid) {
                    conflicts.push(conflict(d.first_row, Some(FieldRef::Household(HF::HouseholdNo)), d.doc.get(HF::HouseholdNo).as_text().unwrap_or(""), "该户在本文件中前面已出现过，但与本行不相邻", "同一户的成员行必须相邻；请按户编号排序后再导入"));
                    continue;
                }
                updates.push((hid, d));
                continue;
            }
            // a new household: its people must not be registered in another household (unless that one lets them go)
            let mut deferred = Vec::new();
            for (i, m) in d.doc.members.iter().enumerate() {
                if let Some((mid, hid, no, region, status)) = people.get(m.resident_id.as_str()) {
                    let row = d.member_rows[i];
                    if !self.opts.scope.contains(&RegionCode::parse(region).unwrap_or(RegionCode::parse("11").expect("valid"))) {
                        conflicts.push(conflict(row, ID, &m.resident_id.masked(), "该证件号码已在您管辖范围以外的户中登记", "一人只能在一户；请联系上级部门核实"));
                        continue 'classify;
                    }
                    if status == "removed" {
                        deferred.push((i, *mid, None));
                        continue;
                    }
                    let created_here = self.created_in_this_batch(*hid)?;
                    if created_here {
                        conflicts.push(conflict(row, ID, &m.resident_id.masked(), format!("证件号码在本文件中已登记在户编号 {} 中", no.clone().unwrap_or_default()), "一人只能在一户；删除重复的行或核对证件号码"));
                        continue 'classify;
                    }
                    deferred.push((i, *mid, Some((*hid, region.clone()))));
                }
            }
            if deferred.is_empty() {
                fresh.push(d);
                continue;
            }
            let mut d = d;
            let skip: Vec<usize> = deferred.iter().map(|x| x.0).collect();
            let id = self.insert_new(&mut d, &skip)?;
            for (i, mid, from) in deferred {
                let record = d.doc.members[i].clone();
                let region = d.doc.get(HF::RegionCode).as_text().unwrap_or_default().to_string();
                match from {
                    None => {
                        // a person who had left the registry comes back in this household
                        let ctx = self.ctx();
                        super::apply::keep_earlier_stay(&mut self.store.conn, mid)?;
                        update_member_row(&mut self.store.conn, &ctx, mid, id, &region, i as i64 + 1, &record)?;
                        self.store.conn.execute("UPDATE member SET joined_on = ? WHERE id = ?", &[P::Date(self.opts.today), P::Int(mid)])?;
                        self.summary.members_updated += 1;
                    }
                    Some(from) => self.claims.push(Claim { member_id: mid, from, to: (id, region), to_created: true, record, seq: i as i64 + 1, row: d.member_rows[i], household_row: d.first_row }),
                }
            }
        }
        let fresh_docs: Vec<&HouseholdDoc> = fresh.iter().map(|d| &d.doc).collect();
        if !fresh_docs.is_empty() {
            self.insert_many(&fresh_docs)?;
        }
        self.apply_updates(updates, &people, &mut conflicts)?;
        Ok(conflicts)
    }

    /// Inserts a batch of new households inside a savepoint; `false` (and nothing written) when a
    /// household number or resident ID is already stored, so the caller checks the batch properly.
    fn try_bulk(&mut self, docs: &[SourcedDoc]) -> Result<bool> {
        if docs.is_empty() {
            return Ok(true);
        }
        let before = self.summary;
        self.store.conn.batch("SAVEPOINT bulk_batch")?;
        let refs: Vec<&HouseholdDoc> = docs.iter().map(|d| &d.doc).collect();
        match self.insert_many(&refs) {
            Ok(_) => {
                self.store.conn.batch("RELEASE SAVEPOINT bulk_batch")?;
                Ok(true)
            }
            Err(e) if e.is_unique_violation() => {
                self.store.conn.batch("ROLLBACK TO SAVEPOINT bulk_batch")?;
                self.store.conn.batch("RELEASE SAVEPOINT bulk_batch")?;
                self.summary = before;
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    fn created_in_this_batch(&mut self, household_id: i64) -> Result<bool> {
        let b = self.store.conn.query_int("SELECT COALESCE(created_batch, 0) FROM household WHERE id = ?", &[P::Int(household_id)])?;
        Ok(b == self.batch_id)
    }

    /// Inserts one new household (members listed in `skip` are added later by a move).
    fn insert_new(&mut self, d: &mut SourcedDoc, skip: &[usize]) -> Result<i64> {
        let mut doc = d.doc.clone();
        if !skip.is_empty() {
            doc.members = d.doc.members.iter().enumerate().filter(|(i, _)| !skip.contains(i)).map(|(_, m)| m.clone()).collect();
        }
        let ids = self.insert_many(&[&doc])?;
        if !skip.is_empty() {
            // members keep their places in the file; the skipped ones take theirs when they move in
            for (i, m) in d.doc.members.iter().enumerate().filter(|(i, _)| !skip.contains(i)) {
                self.store.conn.execute(
                    "UPDATE member SET seq = ? WHERE household_id = ? AND resident_id = ?",
                    &[P::Int(i as i64 + 1), P::Int(ids[0]), P::Text(m.resident_id.as_str())],
                )?;
            }
        }
        Ok(ids[0])
    }

    /// Inserts new households in bulk; returns their ids.
    pub fn insert_many(&mut self, docs: &[&HouseholdDoc]) -> Result<Vec<i64>> {
        let conn = &mut self.store.conn;
        let h0 = crate::ids::allocate(conn, "household", docs.len() as i64)?;
        let nm: usize = docs.iter().map(|d| d.members.len()).sum();
        let m0 = crate::ids::allocate(conn, "member", nm.max(1) as i64)?;
        let histories: Vec<_> = docs.iter().map(|d| history_from_columns(d, self.opts.today)).collect();
        let ne: usize = histories.iter().map(Vec::len).sum();
        let e0 = crate::ids::allocate(conn, "adjustment_event", ne.max(1) as i64)?;
        let (mut mi, mut ei) = (m0, e0);
        let mut items = Vec::with_capacity(docs.len());
        for (i, (doc, events)) in docs.iter().zip(histories).enumerate() {
            let joined_on = events.first().map(|e| e.effective_on).unwrap_or(self.opts.today);
            let n_events = events.len() as i64;
            items.push(NewHousehold { id: h0 + i as i64, first_member_id: mi, first_event_id: ei, doc, events, joined_on });
            mi += doc.members.len() as i64;
            ei += n_events;
            self.summary.members_created += doc.members.len() as u64;
            self.summary.events += n_events as u64;
        }
        let ctx = self.ctx();
        insert_households(&mut self.store.conn, &ctx, &items)?;
        self.summary.households_created += docs.len() as u64;
        Ok((0..docs.len()).map(|i| h0 + i as i64).collect())
    }

    fn apply_updates(
        &mut self,
        updates: Vec<(i64, SourcedDoc)>,
        people: &HashMap<String, (i64, i64, Option<String>, String, String)>,
        conflicts: &mut Vec<Conflict>,
    ) -> Result<()> {
        if updates.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = updates.iter().map(|u| u.0).collect();
        let all = RegionScope::all();
        let stored: HashMap<i64, StoredHousehold> = read::load(&mut self.store.conn, &self.store.keys, &all, &ids)?.into_iter().map(|s| (s.id, s)).collect();
        'each: for (hid, d) in updates {
            let Some(s) = stored.get(&hid) else {
                // the number belongs to a closed household: reported, never silently skipped
                conflicts.push(conflict(d.first_row, Some(FieldRef::Household(HF::HouseholdNo)), d.doc.get(HF::HouseholdNo).as_text().unwrap_or(""), "该户编号属于已注销的户（成员已全部迁出或清退）", "已注销的户不能再导入；请核对户编号，新立户请使用新的户编号"));
                continue;
            };
            if !s.doc.region_code().map(|c| self.opts.scope.contains(&c)).unwrap_or(false) {
                conflicts.push(conflict(d.first_row, Some(FieldRef::Household(HF::HouseholdNo)), d.doc.get(HF::HouseholdNo).as_text().unwrap_or(""), "该户编号已属于您管辖范围以外的户", "请核对户编号，或联系上级部门处理"));
                continue;
            }
            let merged = overlay(&s.doc, &d.doc, &self.opts.present);
            let dd = diff(&s.doc, &merged);
            // people new to this household: registered elsewhere → claim; removed earlier → re-activate
            let mut reactivate = Vec::new();
            let mut claimed = Vec::new();
            for mi in &dd.added {
                let m = &merged.members[*mi];
                let row = d.member_rows.get(d.doc.members.iter().position(|x| x.resident_id == m.resident_id).unwrap_or(0)).copied().unwrap_or(d.first_row);
                if let Some((pmid, phid, _, pregion, status)) = people.get(m.resident_id.as_str()) {
                    if !self.opts.scope.contains(&RegionCode::parse(pregion).unwrap_or(RegionCode::parse("11").expect("valid"))) {
                        conflicts.push(conflict(row, ID, &m.resident_id.masked(), "该证件号码已在您管辖范围以外的户中登记", "一人只能在一户；请联系上级部门核实"));
                        continue 'each;
                    }
                    if status == "removed" {
                        reactivate.push((m.resident_id.as_str().to_string(), *pmid));
                    } else if *phid != hid {
                        claimed.push((*mi, *pmid, (*phid, pregion.clone()), row));
                    }
                }
            }
            if dd.is_empty() {
                self.summary.households_unchanged += 1;
                continue;
            }
            let mut dd = dd;
            dd.added.retain(|mi| !claimed.iter().any(|c| c.0 == *mi));
            let ctx = self.ctx();
            let applied = apply_update(&mut self.store.conn, &ctx, &self.actor, s, &merged, &dd, &reactivate, self.opts.today)?;
            self.summary.households_updated += 1;
            self.summary.members_created += applied.members_added - reactivate.len() as u64;
            self.summary.members_updated += applied.members_updated + reactivate.len() as u64;
            self.summary.events += applied.events;
            self.touched.insert(hid);
            let region = merged.get(HF::RegionCode).as_text().unwrap_or_default().to_string();
            for si in &dd.removed {
                self.leaving.insert(s.member_ids[*si], (hid, s.doc.get(HF::RegionCode).as_text().unwrap_or_default().to_string()));
            }
            for (mi, pmid, from, row) in claimed {
                self.claims.push(Claim { member_id: pmid, from, to: (hid, region.clone()), to_created: false, record: merged.members[mi].clone(), seq: mi as i64 + 1, row, household_row: d.first_row });
            }
        }
        Ok(())
    }

    /// Settles people who left a household in this import: moved (claimed by another household in the
    /// file) or gone (自然减少). Claims on households the file did not release become conflicts.
    pub fn resolve(&mut self, accept_valid: bool) -> Result<Vec<Conflict>> {
        let mut conflicts = Vec::new();
        let claims = std::mem::take(&mut self.claims);
        let mut failed_new: HashSet<i64> = HashSet::new();
        for c in claims {
            if self.touched.contains(&c.from.0) && self.leaving.remove(&c.member_id).is_some() {
                let ctx = self.ctx();
                update_member_row(&mut self.store.conn, &ctx, c.member_id, c.to.0, &c.to.1, c.seq, &c.record)?;
                super::moves::rehome(&mut self.store.conn, &ctx, c.member_id, (c.from.0, &c.from.1), (c.to.0, &c.to.1), self.opts.today, EventType::MemberMoved, "导入的新版本中该成员转入本户")?;
                self.summary.members_moved += 1;
                self.summary.events += 2;
            } else {
                let mut c2 = conflict(
                    c.row,
                    ID,
                    &c.record.resident_id.masked(),
                    "该证件号码已登记在系统中的另一户：一人只能在一户",
                    "若该成员已分户或迁入本户，请在同一文件中一并导入原户的新版本（不含该成员），或先用“成员迁移”办理",
                );
                c2.household_row = c.household_row;
                conflicts.push(c2);
                if c.to_created && accept_valid {
                    failed_new.insert(c.to.0);
                }
            }
        }
        for hid in failed_new {
            self.delete_new_household(hid)?;
        }
        let leaving = std::mem::take(&mut self.leaving);
        let mut leaving: Vec<_> = leaving.into_iter().collect();
        leaving.sort();
        for (mid, (hid, region)) in leaving {
            let ctx = self.ctx();
            remove_member(&mut self.store.conn, &ctx, mid, hid, &region, self.opts.today, "导入的新版本中不再有该成员")?;
            self.summary.members_removed += 1;
            self.summary.events += 1;
        }
        Ok(conflicts)
    }

    fn delete_new_household(&mut self, hid: i64) -> Result<()> {
        let conn = &mut self.store.conn;
        let members = conn.query_int("SELECT COUNT(*) FROM member WHERE household_id = ?", &[P::Int(hid)])?;
        let events = conn.query_int("SELECT COUNT(*) FROM adjustment_event WHERE household_id = ?", &[P::Int(hid)])?;
        for sql in [
            "DELETE FROM adjustment_event WHERE household_id = ?",
            "DELETE FROM household_income WHERE household_id = ?",
            "DELETE FROM member WHERE household_id = ?",
            "DELETE FROM household WHERE id = ?",
        ] {
            conn.execute(sql, &[P::Int(hid)])?;
        }
        self.summary.households_created -= 1;
        self.summary.members_created -= members as u64;
        self.summary.events -= events as u64;
        Ok(())
    }

    /// Commits everything with the batch summary and an audit entry.
    pub fn commit(mut self, rejected: u64, seconds: f64) -> Result<SessionSummary> {
        self.open = false;
        let s = self.summary;
        let json = format!(
            "{{\"households_created\":{},\"households_updated\":{},\"households_unchanged\":{},\"members_created\":{},\"members_updated\":{},\"members_removed\":{},\"members_moved\":{},\"events\":{},\"rejected_households\":{},\"seconds\":{:.2}}}",
            s.households_created, s.households_updated, s.households_unchanged, s.members_created, s.members_updated, s.members_removed, s.members_moved, s.events, rejected, seconds
        );
        let conn = &mut self.store.conn;
        let bulk = self.bulk;
        let result = (|| -> Result<()> {
            if bulk {
                for (_, sql) in BULK_INDEXES {
                    conn.batch(sql)?;
                }
                if conn.backend() == crate::Backend::Postgres {
                    for (table, name, references) in BULK_FOREIGN_KEYS {
                        conn.batch(&format!("ALTER TABLE {table} ADD CONSTRAINT {name} {references}"))?;
                    }
                }
            }
            conn.execute(
                "UPDATE import_batch SET status = 'committed', finished_at = ?, summary = ? WHERE id = ?",
                &[P::Text(&crate::now_utc()), P::Text(&json), P::Int(self.batch_id)],
            )?;
            audit::record(
                conn,
                &self.actor,
                audit::Entry {
                    region_code: Some(self.opts.scope.prefix()),
                    entity: "import_batch",
                    entity_id: Some(self.batch_id.to_string()),
                    action: "import_households",
                    before: None,
                    after: Some(format!("{{\"file\":{},\"summary\":{json}}}", super::diff::json_str(&self.opts.file_name))),
                },
            )?;
            conn.commit()
        })();
        if let Err(e) = result {
            let _ = conn.rollback();
            return Err(e);
        }
        if bulk {
            // a first load changes the tables' sizes by orders of magnitude: refresh the statistics
            conn.analyze()?;
        }
        Ok(s)
    }

    /// Abandons the import: nothing is written.
    pub fn rollback(mut self) -> Result<()> {
        self.open = false;
        self.store.conn.rollback()
    }
}
