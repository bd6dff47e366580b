//! Helpers (帮扶责任人): cadres, teachers, first secretaries, team members, volunteers, enterprise staff.

#[allow(unused_imports)]
use super::*;

/// A helper as pages show it.
#[derive(Debug, Clone, PartialEq)]
pub struct Helper {
    pub id: i64,
    pub name: String,
    pub kind: HelperKind,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub rank: Option<Rank>,
    /// 职务
    pub position: Option<String>,
    pub phone: Option<String>,
    /// The ID number, masked (full numbers are never returned by lists).
    pub id_number_masked: Option<String>,
    pub user_id: Option<i64>,
    /// The unit's region (scope of who manages the helper).
    pub region_code: String,
    /// `active` or `left`.
    pub status: String,
    pub left_on: Option<NaiveDate>,
    pub version: i64,
}

impl Helper {
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }
}

/// What creating or updating a helper takes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewHelper {
    pub name: String,
    pub kind: HelperKind,
    pub unit_id: Option<i64>,
    pub rank: Option<Rank>,
    pub position: Option<String>,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub user_id: Option<i64>,
    /// Where the helper is managed; `None`: the unit's region (required without a unit).
    pub region_code: Option<String>,
}

/// Which helpers to list; every filter is optional.
#[derive(Debug, Clone, Default)]
pub struct HelperFilter {
    pub unit_id: Option<i64>,
    pub kind: Option<HelperKind>,
    /// `active` or `left`.
    pub status: Option<String>,
    /// Part of the name.
    pub name: Option<String>,
}

pub(super) const COLUMNS: &str = "e.id, e.name, e.kind, e.unit_id, u.name, e.rank, e.position, e.phone, e.id_number, e.user_id, e.region_code, e.status, e.left_on, e.version";
pub(super) const FROM: &str = "FROM helper e LEFT JOIN assist_unit u ON u.id = e.unit_id";

pub(super) fn from_row(r: &Row) -> Option<Helper> {
    Some(Helper {
        id: r[0].int()?,
        name: r[1].string(),
        kind: HelperKind::parse(r[2].text()?)?,
        unit_id: r[3].int(),
        unit_name: r[4].text().map(str::to_string),
        rank: r[5].text().and_then(Rank::parse),
        position: r[6].text().map(str::to_string),
        phone: r[7].text().map(str::to_string),
        id_number_masked: r[8].text().map(mask_id),
        user_id: r[9].int(),
        region_code: r[10].string(),
        status: r[11].string(),
        left_on: r[12].date(),
        version: r[13].int().unwrap_or(0),
    })
}

fn region_of(conn: &mut Conn, scope: &RegionScope, h: &NewHelper) -> Result<String> {
    if h.name.trim().is_empty() {
        return Err(StoreError::Invalid("帮扶人姓名不能为空".into()));
    }
    let unit_region = match h.unit_id {
        Some(u) => Some(super::units::get(conn, &RegionScope::all(), u)?.ok_or_else(|| StoreError::Invalid(format!("单位（编号 {u}）不存在：请先添加单位")))?.region_code),
        None => None,
    };
    let region = match (clean(h.region_code.as_deref()), unit_region) {
        (Some(r), _) => padded(r),
        (None, Some(r)) => r,
        (None, None) => return Err(StoreError::Invalid("帮扶人没有单位时需要填写所在地（行政区划代码）".into())),
    };
    if region.len() != 12 || !region.chars().all(|c| c.is_ascii_digit()) {
        return Err(StoreError::Invalid(format!("所在地“{region}”不是有效的行政区划代码（12 位数字）")));
    }
    if !region.starts_with(scope.prefix()) {
        return Err(StoreError::Invalid(format!("帮扶人所在地 {region} 不在您的管辖范围内")));
    }
    Ok(region)
}

fn audit_json(h: &NewHelper, region: &str) -> serde_json::Value {
    serde_json::json!({"name": h.name.trim(), "kind": h.kind.code(), "unit_id": h.unit_id, "rank": h.rank.map(|r| r.code()), "position": h.position, "phone": h.phone, "id_number": h.id_number.as_deref().map(mask_id), "region_code": region})
}

/// Creates a helper (audited); returns its id. The helper's region (its unit's, or the one given)
/// must lie in the caller's scope.
pub fn create(conn: &mut Conn, actor: &Actor, scope: &RegionScope, h: &NewHelper) -> Result<i64> {
    in_tx(conn, |conn| {
        let region = region_of(conn, scope, h)?;
        let id = crate::ids::allocate(conn, "helper", 1)?;
        let now = crate::now_utc();
        conn.execute(
            "INSERT INTO helper (id, name, kind, unit_id, rank, position, phone, id_number, user_id, region_code, status, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, 1)",
            &[
                P::Int(id),
                P::Text(h.name.trim()),
                P::Text(h.kind.code()),
                opt_int(h.unit_id),
                opt_str(h.rank.map(|r| r.code())),
                opt_str(clean(h.position.as_deref())),
                opt_str(clean(h.phone.as_deref())),
                opt_str(clean(h.id_number.as_deref())),
                opt_int(h.user_id),
                P::Text(&region),
                P::Text(&now),
                P::Text(&now),
            ],
        )?;
        record(conn, actor, &region, "helper", id, "create", None, Some(audit_json(h, &region)))?;
        Ok(id)
    })
}

/// Updates a helper in the caller's scope (audited).
pub fn update(conn: &mut Conn, actor: &Actor, scope: &RegionScope, id: i64, h: &NewHelper) -> Result<()> {
    in_tx(conn, |conn| {
        let before = get(conn, scope, id)?.ok_or_else(|| StoreError::NotFound(format!("帮扶人（编号 {id}，或其不在您的管辖范围内）")))?;
        let region = region_of(conn, scope, h)?;
        conn.execute(
            "UPDATE helper SET name = ?, kind = ?, unit_id = ?, rank = ?, position = ?, phone = ?, id_number = COALESCE(?, id_number), user_id = ?, region_code = ?, updated_at = ?, version = version + 1 WHERE id = ?",
            &[
                P::Text(h.name.trim()),
                P::Text(h.kind.code()),
                opt_int(h.unit_id),
                opt_str(h.rank.map(|r| r.code())),
                opt_str(clean(h.position.as_deref())),
                opt_str(clean(h.phone.as_deref())),
                opt_str(clean(h.id_number.as_deref())),
                opt_int(h.user_id),
                P::Text(&region),
                P::Text(&crate::now_utc()),
                P::Int(id),
            ],
        )?;
        let b = serde_json::json!({"name": before.name, "kind": before.kind.code(), "unit_id": before.unit_id, "rank": before.rank.map(|r| r.code()), "position": before.position, "phone": before.phone, "region_code": before.region_code});
        record(conn, actor, &region, "helper", id, "update", Some(b), Some(audit_json(h, &region)))
    })
}

/// Marks a helper as having left (调离) on a date (audited). Their pairings stay as they are:
/// hand them over with [`super::handover::hand_over`] first.
pub fn mark_left(conn: &mut Conn, actor: &Actor, scope: &RegionScope, id: i64, on: NaiveDate) -> Result<()> {
    in_tx(conn, |conn| {
        let h = get(conn, scope, id)?.ok_or_else(|| StoreError::NotFound(format!("帮扶人（编号 {id}，或其不在您的管辖范围内）")))?;
        conn.execute("UPDATE helper SET status = 'left', left_on = ?, updated_at = ?, version = version + 1 WHERE id = ?", &[P::Date(on), P::Text(&crate::now_utc()), P::Int(id)])?;
        record(conn, actor, &h.region_code, "helper", id, "left", Some(serde_json::json!({"status": h.status})), Some(serde_json::json!({"status": "left", "left_on": on.to_string()})))
    })
}

/// One helper in the caller's scope.
pub fn get(conn: &mut Conn, scope: &RegionScope, id: i64) -> Result<Option<Helper>> {
    let pattern = scope.like_pattern();
    let row = conn.query_opt(&format!("SELECT {COLUMNS} {FROM} WHERE e.id = ? AND e.region_code LIKE ?"), &[P::Int(id), P::Text(&pattern)])?;
    Ok(row.as_ref().and_then(from_row))
}

/// Helpers in the caller's scope matching the filter, by name; with the total matching.
pub fn list(conn: &mut Conn, scope: &RegionScope, f: &HelperFilter, offset: i64, limit: i64) -> Result<(Vec<Helper>, i64)> {
    let pattern = scope.like_pattern();
    let name_pattern = clean(f.name.as_deref()).map(|n| format!("%{n}%"));
    let mut cond = String::from("e.region_code LIKE ?");
    let mut params: Vec<P> = vec![P::Text(&pattern)];
    if let Some(u) = f.unit_id {
        cond.push_str(" AND e.unit_id = ?");
        params.push(P::Int(u));
    }
    if let Some(k) = f.kind {
        cond.push_str(" AND e.kind = ?");
        params.push(P::Text(k.code()));
    }
    if let Some(s) = clean(f.status.as_deref()) {
        cond.push_str(" AND e.status = ?");
        params.push(P::Text(s));
    }
    if let Some(n) = &name_pattern {
        cond.push_str(" AND e.name LIKE ?");
        params.push(P::Text(n));
    }
    let total = conn.query_int(&format!("SELECT COUNT(*) FROM helper e WHERE {cond}"), &params)?;
    params.push(P::Int(limit));
    params.push(P::Int(offset));
    let rows = conn.query(&format!("SELECT {COLUMNS} {FROM} WHERE {cond} ORDER BY e.name, e.id LIMIT ? OFFSET ?"), &params)?;
    Ok((rows.iter().filter_map(from_row).collect(), total))
}

/// Helpers with this exact name (in the caller's scope), optionally of a unit given by name.
/// More than one means the name is ambiguous: callers ask for the unit or phone.
pub fn find_by_name(conn: &mut Conn, scope: &RegionScope, name: &str, unit_name: Option<&str>) -> Result<Vec<Helper>> {
    let pattern = scope.like_pattern();
    let rows = match clean(unit_name) {
        Some(u) => conn.query(&format!("SELECT {COLUMNS} {FROM} WHERE e.name = ? AND e.region_code LIKE ? AND u.name = ? ORDER BY e.id"), &[P::Text(name.trim()), P::Text(&pattern), P::Text(u)])?,
        None => conn.query(&format!("SELECT {COLUMNS} {FROM} WHERE e.name = ? AND e.region_code LIKE ? ORDER BY e.id"), &[P::Text(name.trim()), P::Text(&pattern)])?,
    };
    Ok(rows.iter().filter_map(from_row).collect())
}

/// The helper with this ID number (in the caller's scope).
pub fn find_by_id_number(conn: &mut Conn, scope: &RegionScope, id_number: &str) -> Result<Option<Helper>> {
    let pattern = scope.like_pattern();
    let row = conn.query_opt(&format!("SELECT {COLUMNS} {FROM} WHERE e.id_number = ? AND e.region_code LIKE ? ORDER BY e.id LIMIT 1"), &[P::Text(id_number.trim()), P::Text(&pattern)])?;
    Ok(row.as_ref().and_then(from_row))
}

/// The helper a user account logs in as, if any (a helper's own pages).
pub fn of_user(conn: &mut Conn, user_id: i64) -> Result<Option<Helper>> {
    let row = conn.query_opt(&format!("SELECT {COLUMNS} {FROM} WHERE e.user_id = ? ORDER BY e.id LIMIT 1"), &[P::Int(user_id)])?;
    Ok(row.as_ref().and_then(from_row))
}
