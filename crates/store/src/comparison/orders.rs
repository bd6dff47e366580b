//! Work orders: listing, one order, verification and fixes, completion by township.

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use super::lists::PROGRESS_COLUMNS;

/// Which orders to show; every filter is optional.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub list_id: Option<i64>,
    pub kind: Option<FindingKind>,
    pub status: Option<OrderStatus>,
    /// A region inside the caller's scope (narrows it further).
    pub region: Option<RegionCode>,
    pub household_id: Option<i64>,
}

/// One work order as pages show it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkOrder {
    pub id: i64,
    pub list_id: i64,
    pub department: Option<Department>,
    pub list_kind: Option<ListKind>,
    /// The list row behind the finding (`None`: absent from a complete list).
    pub row_no: Option<i64>,
    pub kind: FindingKind,
    pub status: OrderStatus,
    pub household_id: i64,
    pub household_no: Option<String>,
    /// The household head's name (for finding the household; also for household-level orders).
    pub head_name: Option<String>,
    pub member_id: Option<i64>,
    pub member_name: Option<String>,
    /// The member's ID, masked (4301**********123X).
    pub resident_id_masked: Option<String>,
    /// The household's village.
    pub region_code: String,
    pub village_name: Option<String>,
    pub detail: String,
    pub note: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub updated_by: String,
    pub version: i64,
}

pub(super) const ORDER_COLUMNS: &str = "w.id, w.list_id, l.department, l.list_kind, w.row_no, w.kind, w.status, w.household_id, h.household_no, \
     (SELECT hm.name FROM member hm WHERE hm.household_id = w.household_id AND hm.relation = 'head' AND hm.status = 'active' ORDER BY hm.seq LIMIT 1), \
     w.member_id, m.name, m.resident_id, w.region_code, rg.name, w.detail, w.note, w.created_at, w.updated_at, w.updated_by, w.version";
pub(super) const ORDER_FROM: &str = "FROM work_order w LEFT JOIN dept_list l ON l.id = w.list_id LEFT JOIN household h ON h.id = w.household_id \
     LEFT JOIN member m ON m.id = w.member_id LEFT JOIN region rg ON rg.code = w.region_code";

pub(super) fn order_from_row(r: &Row) -> Option<WorkOrder> {
    let masked = r[12].text().map(|id| match ResidentId::parse(id) {
        Ok(rid) => rid.masked(),
        Err(_) => bangfu_domain::value::mask(id),
    });
    Some(WorkOrder {
        id: r[0].int()?,
        list_id: r[1].int()?,
        department: r[2].text().and_then(Department::by_code),
        list_kind: r[3].text().and_then(ListKind::by_code),
        row_no: r[4].int(),
        kind: FindingKind::by_code(r[5].text()?)?,
        status: OrderStatus::by_code(r[6].text()?)?,
        household_id: r[7].int()?,
        household_no: r[8].text().map(str::to_string),
        head_name: r[9].text().map(str::to_string),
        member_id: r[10].int(),
        member_name: r[11].text().map(str::to_string),
        resident_id_masked: masked,
        region_code: r[13].string(),
        village_name: r[14].text().map(str::to_string),
        detail: r[15].string(),
        note: r[16].text().map(str::to_string),
        created_at: r[17].string(),
        updated_at: r[18].string(),
        updated_by: r[19].string(),
        version: r[20].int().unwrap_or(0),
    })
}

/// A page of orders and how many match in all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrderPage {
    pub total: i64,
    pub orders: Vec<WorkOrder>,
}

/// Orders in the caller's scope matching the filter, by village then number.
pub fn orders(conn: &mut Conn, scope: &RegionScope, f: &OrderFilter, offset: i64, limit: i64) -> Result<OrderPage> {
    let pattern = scope.like_pattern();
    let region_pattern = f.region.map(|r| format!("{}%", r.prefix()));
    let mut sql = String::from("WHERE w.region_code LIKE ?");
    let mut params: Vec<P> = vec![P::Text(&pattern)];
    if let Some(p) = &region_pattern {
        sql.push_str(" AND w.region_code LIKE ?");
        params.push(P::Text(p));
    }
    if let Some(id) = f.list_id {
        sql.push_str(" AND w.list_id = ?");
        params.push(P::Int(id));
    }
    if let Some(k) = f.kind {
        sql.push_str(" AND w.kind = ?");
        params.push(P::Text(k.code()));
    }
    if let Some(s) = f.status {
        sql.push_str(" AND w.status = ?");
        params.push(P::Text(s.code()));
    }
    if let Some(h) = f.household_id {
        sql.push_str(" AND w.household_id = ?");
        params.push(P::Int(h));
    }
    let total = conn.query_int(&format!("SELECT COUNT(*) FROM work_order w {sql}"), &params)?;
    let mut page_params = params.clone();
    page_params.push(P::Int(limit));
    page_params.push(P::Int(offset));
    let rows = conn.query(&format!("SELECT {ORDER_COLUMNS} {ORDER_FROM} {sql} ORDER BY w.region_code, w.id LIMIT ? OFFSET ?"), &page_params)?;
    Ok(OrderPage { total, orders: rows.iter().filter_map(order_from_row).collect() })
}

/// One order in the caller's scope.
pub fn order(conn: &mut Conn, scope: &RegionScope, id: i64) -> Result<Option<WorkOrder>> {
    let pattern = scope.like_pattern();
    let row = conn.query_opt(&format!("SELECT {ORDER_COLUMNS} {ORDER_FROM} WHERE w.id = ? AND w.region_code LIKE ?"), &[P::Int(id), P::Text(&pattern)])?;
    Ok(row.as_ref().and_then(order_from_row))
}

/// What [`update_order`] did.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // one per request
pub enum OrderUpdate {
    /// Written; the order now has this version.
    Saved { version: i64 },
    /// Someone changed the order first: it as stored now. Nothing written.
    Conflict { current: WorkOrder },
}

/// Records a verification or fix: the new status and note, if `expected_version` is still current.
/// Refused (`StoreError::Invalid`) when the move is not allowed (see `OrderStatus::can_become`;
/// keeping the status and changing only the note is allowed) or a needed note is missing;
/// `NotFound` outside the caller's scope. Audited with before and after.
pub fn update_order(conn: &mut Conn, actor: &Actor, scope: &RegionScope, id: i64, expected_version: i64, status: OrderStatus, note: Option<&str>) -> Result<OrderUpdate> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    conn.begin()?;
    let result = (|| -> Result<OrderUpdate> {
        let current = order(conn, scope, id)?.ok_or_else(|| StoreError::NotFound("该工单（或它不在您的管辖范围内）".into()))?;
        if current.version != expected_version {
            return Ok(OrderUpdate::Conflict { current });
        }
        if status != current.status && !current.status.can_become(status) {
            return Err(StoreError::Invalid(format!("工单当前为“{}”，不能直接改为“{}”", current.status.label(), status.label())));
        }
        if status.needs_note() && note.is_none() {
            let what = if status == OrderStatus::VerifiedFalse { "核实情况（为什么不属实）" } else { "整改情况（做了什么）" };
            return Err(StoreError::Invalid(format!("改为“{}”需要填写{what}", status.label())));
        }
        let now = crate::now_utc();
        let pattern = scope.like_pattern();
        let n = conn.execute(
            "UPDATE work_order SET status = ?, note = ?, updated_at = ?, updated_by = ?, version = version + 1 WHERE id = ? AND version = ? AND region_code LIKE ?",
            &[P::Text(status.code()), opt_str(note), P::Text(&now), P::Text(&actor.name), P::Int(id), P::Int(expected_version), P::Text(&pattern)],
        )?;
        if n != 1 {
            let current = order(conn, scope, id)?.ok_or_else(|| StoreError::NotFound("该工单（或它不在您的管辖范围内）".into()))?;
            return Ok(OrderUpdate::Conflict { current });
        }
        let before = serde_json::json!({ "status": current.status.code(), "note": current.note, "version": current.version });
        let after = serde_json::json!({ "status": status.code(), "note": note, "version": current.version + 1 });
        audit::record(
            conn,
            actor,
            audit::Entry {
                region_code: Some(&current.region_code),
                entity: "work_order",
                entity_id: Some(id.to_string()),
                action: "update",
                before: Some(before.to_string()),
                after: Some(after.to_string()),
            },
        )?;
        Ok(OrderUpdate::Saved { version: current.version + 1 })
    })();
    match result {
        Ok(o @ OrderUpdate::Saved { .. }) => {
            conn.commit()?;
            Ok(o)
        }
        other => {
            let _ = conn.rollback();
            other
        }
    }
}

/// Completion of one township's orders.
#[derive(Debug, Clone, PartialEq)]
pub struct TownshipProgress {
    /// The township's 12-digit code.
    pub code: String,
    pub name: Option<String>,
    pub progress: Progress,
}

/// Orders per township in the caller's scope (optionally of one list), in code order.
pub fn completion_by_township(conn: &mut Conn, scope: &RegionScope, list_id: Option<i64>) -> Result<Vec<TownshipProgress>> {
    let pattern = scope.like_pattern();
    let mut params = vec![P::Text(&pattern)];
    let mut cond = String::from("w.region_code LIKE ?");
    if let Some(id) = list_id {
        cond.push_str(" AND w.list_id = ?");
        params.push(P::Int(id));
    }
    let rows = conn.query(
        &format!(
            "SELECT t.township, rg.name, t.total, t.open, t.verified_true, t.verified_false, t.fixed FROM ( \
               SELECT SUBSTR(w.region_code, 1, 9) || '000' AS township, \
                 COUNT(*) AS total, SUM(CASE WHEN w.status = 'open' THEN 1 ELSE 0 END) AS open, \
                 SUM(CASE WHEN w.status = 'verified_true' THEN 1 ELSE 0 END) AS verified_true, \
                 SUM(CASE WHEN w.status = 'verified_false' THEN 1 ELSE 0 END) AS verified_false, \
                 SUM(CASE WHEN w.status = 'fixed' THEN 1 ELSE 0 END) AS fixed \
               FROM work_order w WHERE {cond} GROUP BY SUBSTR(w.region_code, 1, 9) \
             ) t LEFT JOIN region rg ON rg.code = t.township ORDER BY t.township"
        ),
        &params,
    )?;
    Ok(rows.iter().map(|r| TownshipProgress { code: r[0].string(), name: r[1].text().map(str::to_string), progress: Progress::from_cells(r, 2) }).collect())
}

