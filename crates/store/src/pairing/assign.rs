//! Bulk assignment of helpers to households (对口帮扶任务分配表): the indexes an importer resolves
//! rows against, the one-transaction set-based write, and the rows an export writes.

#[allow(unused_imports)]
use super::*;
use crate::bulk::write_rows;
use std::collections::HashMap;

/// Registered-or-not active households in a scope, by number and by the head's ID number.
#[derive(Debug, Default)]
pub struct HouseholdIndex {
    /// 户编号 → (id, village code)
    pub by_no: HashMap<String, (i64, String)>,
    /// 户主身份证号 → (id, village code)
    pub by_head_id: HashMap<String, (i64, String)>,
    /// Numbers that exist but lie outside the scope (for a precise message).
    pub outside: std::collections::HashSet<String>,
}

/// Loads the index of households in the scope (two range scans). `with_heads`: also by the head's ID.
pub fn household_index(conn: &mut Conn, scope: &RegionScope, with_heads: bool) -> Result<HouseholdIndex> {
    let pattern = scope.like_pattern();
    let mut ix = HouseholdIndex::default();
    for r in conn.query("SELECT household_no, id, region_code FROM household WHERE region_code LIKE ? AND status = 'active' AND household_no IS NOT NULL", &[P::Text(&pattern)])? {
        if let (Some(no), Some(id)) = (r[0].text(), r[1].int()) {
            ix.by_no.insert(no.to_string(), (id, r[2].string()));
        }
    }
    if with_heads {
        for r in conn.query("SELECT m.resident_id, m.household_id, m.region_code FROM member m WHERE m.region_code LIKE ? AND m.relation = 'head' AND m.status = 'active'", &[P::Text(&pattern)])? {
            if let (Some(rid), Some(id)) = (r[0].text(), r[1].int()) {
                ix.by_head_id.insert(rid.to_string(), (id, r[2].string()));
            }
        }
    }
    Ok(ix)
}

/// Whether a household number exists anywhere (to tell "outside your scope" from "unknown").
pub fn household_exists(conn: &mut Conn, household_no: &str) -> Result<bool> {
    Ok(conn.query_int("SELECT COUNT(*) FROM household WHERE household_no = ?", &[P::Text(household_no)])? > 0)
}

/// A helper as the importer matches it.
#[derive(Debug, Clone, PartialEq)]
pub struct HelperKey {
    pub id: i64,
    pub name: String,
    pub unit_name: Option<String>,
    pub phone: Option<String>,
    pub active: bool,
}

/// Every helper (anywhere: helpers often come from another place), by name.
pub fn helper_index(conn: &mut Conn) -> Result<HashMap<String, Vec<HelperKey>>> {
    let mut out: HashMap<String, Vec<HelperKey>> = HashMap::new();
    for r in conn.query("SELECT e.id, e.name, u.name, e.phone, e.status FROM helper e LEFT JOIN assist_unit u ON u.id = e.unit_id ORDER BY e.id", &[])? {
        let Some(id) = r[0].int() else { continue };
        let k = HelperKey { id, name: r[1].string(), unit_name: r[2].text().map(str::to_string), phone: r[3].text().map(str::to_string), active: r[4].text() == Some("active") };
        out.entry(k.name.clone()).or_default().push(k);
    }
    Ok(out)
}

/// Every active unit by name (the first id when a name repeats).
pub fn unit_index(conn: &mut Conn) -> Result<HashMap<String, i64>> {
    let mut out = HashMap::new();
    for r in conn.query("SELECT name, id FROM assist_unit WHERE status = 'active' ORDER BY id", &[])? {
        if let Some(id) = r[1].int() {
            out.entry(r[0].string()).or_insert(id);
        }
    }
    Ok(out)
}

/// Households' active helper pairing (帮扶责任人—户) in a scope: household id → (pairing id, helper id, started_on).
pub fn active_helper_pairings(conn: &mut Conn, scope: &RegionScope) -> Result<HashMap<i64, (i64, i64, NaiveDate)>> {
    let pattern = scope.like_pattern();
    let mut out = HashMap::new();
    for r in conn.query(
        "SELECT beneficiary_id, id, helper_id, started_on FROM pairing WHERE region_code LIKE ? AND kind = 'helper_household' AND status = 'active'",
        &[P::Text(&pattern)],
    )? {
        if let (Some(h), Some(id), Some(e), Some(d)) = (r[0].int(), r[1].int(), r[2].int(), r[3].date()) {
            out.insert(h, (id, e, d));
        }
    }
    Ok(out)
}

/// A unit the import creates.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitToCreate {
    pub name: String,
    pub kind: UnitKind,
    pub region_code: String,
}

/// Who a row's helper is: an existing helper, or one the import creates (index into `new_helpers`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HelperRef {
    Existing(i64),
    New(usize),
}

/// A helper the import creates.
#[derive(Debug, Clone, PartialEq)]
pub struct HelperToCreate {
    pub name: String,
    /// An existing unit, or one the import creates (index into `new_units`).
    pub unit_id: Option<i64>,
    pub new_unit: Option<usize>,
    pub rank: Option<Rank>,
    pub position: Option<String>,
    pub phone: Option<String>,
    pub region_code: String,
}

/// One assignment: a household gets a helper from a date.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub household_id: i64,
    pub region_code: String,
    pub helper: HelperRef,
    pub started_on: NaiveDate,
}

/// Everything an import writes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AssignmentBatch {
    pub file_name: String,
    pub new_units: Vec<UnitToCreate>,
    pub new_helpers: Vec<HelperToCreate>,
    pub rows: Vec<Assignment>,
}

/// What [`apply`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssignmentOutcome {
    pub units_created: u64,
    pub helpers_created: u64,
    pub pairings_created: u64,
    /// Earlier active pairings ended (history kept, `replaced_by` set).
    pub pairings_replaced: u64,
    /// Rows that named the household's current helper: nothing to change.
    pub unchanged: u64,
}

/// Writes a batch in one transaction, set-based: units, helpers and pairings by bulk writes;
/// the households' earlier active helper pairings ended by one `UPDATE` joined to a staged
/// (old, new, date) table, with `replaced_by` pointing at the new pairing; one audit entry.
/// Rows naming the household's current helper change nothing.
pub fn apply(conn: &mut Conn, actor: &Actor, scope: &RegionScope, batch: &AssignmentBatch) -> Result<AssignmentOutcome> {
    in_tx(conn, |conn| {
        let mut out = AssignmentOutcome::default();
        let now = crate::now_utc();
        let active = active_helper_pairings(conn, scope)?;
        // units
        let first_unit = if batch.new_units.is_empty() { 0 } else { crate::ids::allocate(conn, "assist_unit", batch.new_units.len() as i64)? };
        let unit_rows: Vec<Vec<Cell>> = batch
            .new_units
            .iter()
            .enumerate()
            .map(|(i, u)| vec![Cell::Int(first_unit + i as i64), Cell::Text(u.name.clone()), Cell::Text(u.kind.code().into()), Cell::Text(u.region_code.clone()), Cell::Text("active".into()), Cell::Text(now.clone()), Cell::Text(now.clone()), Cell::Int(1)])
            .collect();
        write_rows(conn, "assist_unit", &["id", "name", "kind", "region_code", "status", "created_at", "updated_at", "version"], &unit_rows)?;
        out.units_created = unit_rows.len() as u64;
        // helpers
        let first_helper = if batch.new_helpers.is_empty() { 0 } else { crate::ids::allocate(conn, "helper", batch.new_helpers.len() as i64)? };
        let txt = |v: &Option<String>| v.as_ref().map(|s| Cell::Text(s.clone())).unwrap_or(Cell::Null);
        let helper_rows: Vec<Vec<Cell>> = batch
            .new_helpers
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let unit = h.unit_id.or(h.new_unit.map(|u| first_unit + u as i64));
                vec![
                    Cell::Int(first_helper + i as i64),
                    Cell::Text(h.name.clone()),
                    Cell::Text(HelperKind::Cadre.code().into()),
                    unit.map(Cell::Int).unwrap_or(Cell::Null),
                    h.rank.map(|r| Cell::Text(r.code().into())).unwrap_or(Cell::Null),
                    txt(&h.position),
                    txt(&h.phone),
                    Cell::Text(h.region_code.clone()),
                    Cell::Text("active".into()),
                    Cell::Text(now.clone()),
                    Cell::Text(now.clone()),
                    Cell::Int(1),
                ]
            })
            .collect();
        write_rows(conn, "helper", &["id", "name", "kind", "unit_id", "rank", "position", "phone", "region_code", "status", "created_at", "updated_at", "version"], &helper_rows)?;
        out.helpers_created = helper_rows.len() as u64;
        // pairings
        let helper_id = |r: HelperRef| match r {
            HelperRef::Existing(id) => id,
            HelperRef::New(i) => first_helper + i as i64,
        };
        let todo: Vec<&Assignment> = batch
            .rows
            .iter()
            .filter(|a| !matches!(active.get(&a.household_id), Some((_, h, _)) if *h == helper_id(a.helper)))
            .collect();
        out.unchanged = (batch.rows.len() - todo.len()) as u64;
        let first = if todo.is_empty() { 0 } else { crate::ids::allocate(conn, "pairing", todo.len() as i64)? };
        let replace: Vec<Vec<Cell>> = todo
            .iter()
            .enumerate()
            .filter_map(|(i, a)| active.get(&a.household_id).map(|(old, _, _)| vec![Cell::Int(*old), Cell::Int(first + i as i64), Cell::Date(a.started_on)]))
            .collect();
        if !replace.is_empty() {
            match conn.backend() {
                crate::Backend::Sqlite => {
                    conn.batch("DROP TABLE IF EXISTS temp.pairing_replace; CREATE TEMP TABLE pairing_replace (old_id INTEGER PRIMARY KEY, new_id BIGINT NOT NULL, on_date DATE NOT NULL)")?
                }
                crate::Backend::Postgres => conn.batch("CREATE TEMP TABLE pairing_replace (old_id BIGINT PRIMARY KEY, new_id BIGINT NOT NULL, on_date DATE NOT NULL) ON COMMIT DROP")?,
            }
            write_rows(conn, "pairing_replace", &["old_id", "new_id", "on_date"], &replace)?;
            out.pairings_replaced = conn.execute(
                "UPDATE pairing SET status = 'ended', ended_on = (SELECT s.on_date FROM pairing_replace s WHERE s.old_id = pairing.id), end_reason = '按帮扶任务分配表调整', \
                 replaced_by = (SELECT s.new_id FROM pairing_replace s WHERE s.old_id = pairing.id), updated_at = ?, version = version + 1 \
                 WHERE id IN (SELECT old_id FROM pairing_replace)",
                &[P::Text(&now)],
            )?;
            if conn.backend() == crate::Backend::Sqlite {
                conn.batch("DROP TABLE temp.pairing_replace")?;
            }
        }
        // in chunks, so a county's worth of rows is never held twice over
        for (c, chunk) in todo.chunks(20_000).enumerate() {
            let rows: Vec<Vec<Cell>> = chunk
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    vec![
                        Cell::Int(first + (c * 20_000 + i) as i64),
                        Cell::Text(PairingKind::HelperHousehold.code().into()),
                        Cell::Text("helper".into()),
                        Cell::Int(helper_id(a.helper)),
                        Cell::Text("household".into()),
                        Cell::Int(a.household_id),
                        Cell::Text(a.region_code.clone()),
                        Cell::Date(a.started_on),
                        Cell::Text("active".into()),
                        Cell::Text(now.clone()),
                        Cell::Text(now.clone()),
                        Cell::Int(1),
                    ]
                })
                .collect();
            write_rows(
                conn,
                "pairing",
                &["id", "kind", "helper_kind", "helper_id", "beneficiary_kind", "beneficiary_id", "region_code", "started_on", "status", "created_at", "updated_at", "version"],
                &rows,
            )?;
        }
        out.pairings_created = todo.len() as u64;
        let region = if scope.prefix().len() >= 6 { Some(padded(scope.prefix())) } else { None };
        audit::record(
            conn,
            actor,
            audit::Entry {
                region_code: region.as_deref(),
                entity: "pairing",
                entity_id: None,
                action: "import",
                before: None,
                after: Some(
                    serde_json::json!({"file": batch.file_name, "units_created": out.units_created, "helpers_created": out.helpers_created, "pairings_created": out.pairings_created, "pairings_replaced": out.pairings_replaced, "unchanged": out.unchanged, "first_pairing_id": first})
                        .to_string(),
                ),
            },
        )?;
        Ok(out)
    })
}

/// One row of the 对口帮扶任务分配表 as exported.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetRow {
    pub township: Option<String>,
    pub village: Option<String>,
    pub household_no: Option<String>,
    pub head_name: Option<String>,
    /// The head's ID number, masked.
    pub head_id_masked: Option<String>,
    pub helper_name: String,
    pub unit_name: Option<String>,
    pub position: Option<String>,
    pub rank: Option<Rank>,
    pub phone: Option<String>,
    pub started_on: NaiveDate,
}

/// The active helper pairings of households in a scope, by village and household number.
pub fn sheet_rows(conn: &mut Conn, scope: &RegionScope) -> Result<Vec<SheetRow>> {
    let pattern = scope.like_pattern();
    let mut out = Vec::new();
    let sql = "SELECT tw.name, vg.name, h.household_no, hm.name, hm.resident_id, e.name, u.name, e.position, e.rank, e.phone, p.started_on \
         FROM pairing p JOIN household h ON h.id = p.beneficiary_id JOIN helper e ON e.id = p.helper_id LEFT JOIN assist_unit u ON u.id = e.unit_id \
         LEFT JOIN member hm ON hm.id = (SELECT x.id FROM member x WHERE x.household_id = h.id AND x.relation = 'head' AND x.status = 'active' ORDER BY x.seq LIMIT 1) \
         LEFT JOIN region vg ON vg.code = p.region_code LEFT JOIN region tw ON tw.code = SUBSTR(p.region_code, 1, 9) || '000' \
         WHERE p.region_code LIKE ? AND p.kind = 'helper_household' AND p.status = 'active' AND p.helper_kind = 'helper' AND p.beneficiary_kind = 'household' \
         ORDER BY p.region_code, h.household_no, p.id";
    for r in conn.query(sql, &[P::Text(&pattern)])? {
        let t = |i: usize| r[i].text().map(str::to_string);
        let Some(started_on) = r[10].date() else { continue };
        out.push(SheetRow {
            township: t(0),
            village: t(1),
            household_no: t(2),
            head_name: t(3),
            head_id_masked: r[4].text().map(mask_id),
            helper_name: r[5].string(),
            unit_name: t(6),
            position: t(7),
            rank: r[8].text().and_then(Rank::parse),
            phone: t(9),
            started_on,
        });
    }
    Ok(out)
}
