//! Reads of the comparison (数据比对) that the web pages need besides those of [`crate::comparison`]:
//! the people of a list who are not in the registry, and the unresolved work orders of one household
//! (for the household file). Scoped like everything else: outside the caller's scope is "nothing".

use crate::comparison;
use crate::db::{Conn, P};
use crate::error::Result;
use bangfu_domain::comparison::{FindingKind, OrderStatus};
use bangfu_domain::{RegionScope, ResidentId};

/// A person of a list whom the registry (in the list's region) does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stranger {
    /// The row in the file (1-based, as Excel shows it).
    pub row_no: i64,
    /// Masked (4301**********123X).
    pub resident_id_masked: String,
    pub name: Option<String>,
}

/// The first `limit` people of list `list_id` not in the registry, in file order. `None` when the
/// list is not visible to the caller or its region is wider than the caller's scope (a township
/// looking at a county list sees only its own orders, never the department's other people).
pub fn not_in_registry(conn: &mut Conn, scope: &RegionScope, list_id: i64, limit: i64) -> Result<Option<Vec<Stranger>>> {
    let Some(list) = comparison::list(conn, scope, list_id)? else { return Ok(None) };
    if list.figures.is_none() {
        return Ok(None);
    }
    let range = conn.query_opt("SELECT row_id_from, row_id_to FROM dept_list WHERE id = ?", &[P::Int(list_id)])?;
    let (Some(from), Some(to)) = (range.as_ref().and_then(|r| r[0].int()), range.as_ref().and_then(|r| r[1].int())) else { return Ok(Some(Vec::new())) };
    // the list's rows are consecutive ids: a range scan of the primary key, no secondary index
    let rows = conn.query(
        "SELECT row_no, resident_id, name FROM dept_list_row WHERE id BETWEEN ? AND ? AND member_id IS NULL ORDER BY id LIMIT ?",
        &[P::Int(from), P::Int(to), P::Int(limit.max(0))],
    )?;
    Ok(Some(
        rows.iter()
            .map(|r| {
                let id = r[1].string();
                Stranger {
                    row_no: r[0].int().unwrap_or(0),
                    resident_id_masked: ResidentId::parse(&id).map(|x| x.masked()).unwrap_or_else(|_| bangfu_domain::value::mask(&id)),
                    name: r[2].text().map(str::to_string),
                }
            })
            .collect(),
    ))
}

/// An unresolved work order of a household, as the household file lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdOrder {
    pub id: i64,
    pub list_id: i64,
    pub kind: FindingKind,
    pub status: OrderStatus,
    pub member_name: Option<String>,
    pub detail: String,
    /// UTC, ISO 8601.
    pub updated_at: String,
}

/// The household's orders still to do (待核实 and 核实属实), oldest first: one query on the
/// `work_order_subject` index (household, kind, status). Empty outside the caller's scope.
pub fn unresolved_orders_of_household(conn: &mut Conn, scope: &RegionScope, household_id: i64) -> Result<Vec<HouseholdOrder>> {
    let rows = conn.query(
        "SELECT w.id, w.list_id, w.kind, w.status, m.name, w.detail, w.updated_at FROM work_order w LEFT JOIN member m ON m.id = w.member_id \
         WHERE w.household_id = ? AND w.status IN ('open', 'verified_true') AND w.region_code LIKE ? ORDER BY w.id LIMIT 200",
        &[P::Int(household_id), P::Text(&scope.like_pattern())],
    )?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            Some(HouseholdOrder {
                id: r[0].int()?,
                list_id: r[1].int()?,
                kind: FindingKind::by_code(r[2].text()?)?,
                status: OrderStatus::by_code(r[3].text()?)?,
                member_name: r[4].text().map(str::to_string),
                detail: r[5].string(),
                updated_at: r[6].string(),
            })
        })
        .collect())
}
