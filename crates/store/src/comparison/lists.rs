//! Reading imported lists back, with their orders by kind, within the caller's scope.

#[allow(unused_imports)]
use super::*;

/// Lists whose region overlaps the caller's scope, newest first.
pub fn lists(conn: &mut Conn, scope: &RegionScope, offset: i64, limit: i64) -> Result<Vec<DeptList>> {
    let pattern = scope.like_pattern();
    let rows = conn.query(
        &format!("SELECT {LIST_COLUMNS} FROM dept_list WHERE (region_prefix LIKE ? OR ? LIKE region_prefix || '%') ORDER BY id DESC LIMIT ? OFFSET ?"),
        &[P::Text(&pattern), P::Text(scope.prefix()), P::Int(limit), P::Int(offset)],
    )?;
    Ok(rows.iter().filter_map(|r| list_from_row(r, scope)).collect())
}

/// One list, if its region overlaps the caller's scope.
pub fn list(conn: &mut Conn, scope: &RegionScope, id: i64) -> Result<Option<DeptList>> {
    let pattern = scope.like_pattern();
    let row = conn.query_opt(
        &format!("SELECT {LIST_COLUMNS} FROM dept_list WHERE id = ? AND (region_prefix LIKE ? OR ? LIKE region_prefix || '%')"),
        &[P::Int(id), P::Text(&pattern), P::Text(scope.prefix())],
    )?;
    Ok(row.as_deref().and_then(|r| list_from_row(r, scope)))
}

pub(super) const LIST_COLUMNS: &str = "id, department, list_kind, region_prefix, file_name, imported_at, actor, complete, medical_threshold_registered, medical_threshold_other, \
     row_count, bad_rows, duplicate_rows, matched_count, removed_count, unmatched_count, name_mismatch_count, finding_count, already_open_count";

pub(super) fn list_from_row(r: &[Cell], scope: &RegionScope) -> Option<DeptList> {
    let n = |i: usize| r.get(i).and_then(Cell::int).unwrap_or(0) as u64;
    let region_prefix = r[3].string();
    let whole = region_prefix.starts_with(scope.prefix());
    let defaults = MedicalThresholds::default();
    Some(DeptList {
        id: r[0].int()?,
        department: Department::by_code(r[1].text()?)?,
        kind: ListKind::by_code(r[2].text()?)?,
        region_prefix,
        file_name: r[4].string(),
        imported_at: r[5].string(),
        actor: r[6].string(),
        complete: r[7].bool().unwrap_or(false),
        thresholds: MedicalThresholds { registered_fen: r[8].int().unwrap_or(defaults.registered_fen), other_fen: r[9].int().unwrap_or(defaults.other_fen) },
        figures: whole.then(|| ListFigures {
            rows: n(10),
            bad_rows: n(11),
            duplicate_rows: n(12),
            matched: n(13),
            removed: n(14),
            not_in_registry: n(15),
            name_differs: n(16),
            findings: n(17),
            already_open: n(18),
        }),
    })
}

/// Orders counted by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub total: u64,
    pub open: u64,
    pub verified_true: u64,
    pub verified_false: u64,
    pub fixed: u64,
}

impl Progress {
    /// Nothing left to do: 核实不属实 + 已整改.
    pub fn closed(&self) -> u64 {
        self.verified_false + self.fixed
    }
    /// Closed orders as a share of all, 0.0–1.0 (1.0 when there are none).
    pub fn completion(&self) -> f64 {
        if self.total == 0 { 1.0 } else { self.closed() as f64 / self.total as f64 }
    }
    pub(super) fn from_cells(r: &[Cell], first: usize) -> Progress {
        let n = |i: usize| r.get(first + i).and_then(Cell::int).unwrap_or(0) as u64;
        Progress { total: n(0), open: n(1), verified_true: n(2), verified_false: n(3), fixed: n(4) }
    }
}

pub(super) const PROGRESS_COLUMNS: &str = "COUNT(*), SUM(CASE WHEN w.status = 'open' THEN 1 ELSE 0 END), SUM(CASE WHEN w.status = 'verified_true' THEN 1 ELSE 0 END), \
     SUM(CASE WHEN w.status = 'verified_false' THEN 1 ELSE 0 END), SUM(CASE WHEN w.status = 'fixed' THEN 1 ELSE 0 END)";

/// A list with its orders in the caller's scope, by finding kind.
#[derive(Debug, Clone, PartialEq)]
pub struct ListSummary {
    pub list: DeptList,
    /// Orders in the caller's scope, by kind (kinds with none omitted), in `FindingKind` order.
    pub by_kind: Vec<(FindingKind, Progress)>,
    /// All orders of the list in the caller's scope.
    pub total: Progress,
}

/// The list and its orders in the caller's scope; `NotFound` if the list's region does not overlap it.
pub fn list_summary(conn: &mut Conn, scope: &RegionScope, list_id: i64) -> Result<ListSummary> {
    let list = list(conn, scope, list_id)?.ok_or_else(|| StoreError::NotFound("该比对名单（或它不在您的管辖范围内）".into()))?;
    let pattern = scope.like_pattern();
    let rows = conn.query(
        &format!("SELECT w.kind, {PROGRESS_COLUMNS} FROM work_order w WHERE w.list_id = ? AND w.region_code LIKE ? GROUP BY w.kind"),
        &[P::Int(list_id), P::Text(&pattern)],
    )?;
    let mut by_kind: Vec<(FindingKind, Progress)> = rows.iter().filter_map(|r| Some((FindingKind::by_code(r[0].text()?)?, Progress::from_cells(r, 1)))).collect();
    by_kind.sort_by_key(|(k, _)| *k);
    let mut total = Progress::default();
    for (_, p) in &by_kind {
        total.total += p.total;
        total.open += p.open;
        total.verified_true += p.verified_true;
        total.verified_false += p.verified_false;
        total.fixed += p.fixed;
    }
    Ok(ListSummary { list, by_kind, total })
}

