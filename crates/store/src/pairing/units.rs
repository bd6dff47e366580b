//! Units that help (党政机关, 学校, 企业, 医院 …) and their sub-units (处室/科室).

#[allow(unused_imports)]
use super::*;

/// A unit as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub id: i64,
    pub name: String,
    pub kind: UnitKind,
    /// The unit this one is a sub-unit of.
    pub parent_id: Option<i64>,
    pub parent_name: Option<String>,
    /// Where the unit sits (12 digits).
    pub region_code: String,
    pub contact: Option<String>,
    pub phone: Option<String>,
    /// `active` or `closed`.
    pub status: String,
    pub version: i64,
}

/// What creating or updating a unit takes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUnit {
    pub name: String,
    pub kind: UnitKind,
    pub parent_id: Option<i64>,
    /// A region code (any level); padded to 12 digits. Must lie in the caller's scope.
    pub region_code: String,
    pub contact: Option<String>,
    pub phone: Option<String>,
}

const COLUMNS: &str = "u.id, u.name, u.kind, u.parent_id, pu.name, u.region_code, u.contact, u.phone, u.status, u.version";
const FROM: &str = "FROM assist_unit u LEFT JOIN assist_unit pu ON pu.id = u.parent_id";

fn from_row(r: &Row) -> Option<Unit> {
    Some(Unit {
        id: r[0].int()?,
        name: r[1].string(),
        kind: UnitKind::parse(r[2].text()?)?,
        parent_id: r[3].int(),
        parent_name: r[4].text().map(str::to_string),
        region_code: r[5].string(),
        contact: r[6].text().map(str::to_string),
        phone: r[7].text().map(str::to_string),
        status: r[8].string(),
        version: r[9].int().unwrap_or(0),
    })
}

fn check(conn: &mut Conn, scope: &RegionScope, u: &NewUnit) -> Result<String> {
    if u.name.trim().is_empty() {
        return Err(StoreError::Invalid("单位名称不能为空".into()));
    }
    let region = padded(u.region_code.trim());
    if !u.region_code.trim().chars().all(|c| c.is_ascii_digit()) || region.len() != 12 {
        return Err(StoreError::Invalid(format!("单位所在地“{}”不是有效的行政区划代码（12 位数字）", u.region_code)));
    }
    if !region.starts_with(scope.prefix()) {
        return Err(StoreError::Invalid(format!("单位所在地 {region} 不在您的管辖范围内")));
    }
    if let Some(p) = u.parent_id
        && get(conn, &RegionScope::all(), p)?.is_none() {
            return Err(StoreError::Invalid(format!("上级单位（编号 {p}）不存在")));
        }
    Ok(region)
}

/// Creates a unit in the caller's scope (audited); returns its id.
pub fn create(conn: &mut Conn, actor: &Actor, scope: &RegionScope, u: &NewUnit) -> Result<i64> {
    in_tx(conn, |conn| {
        let region = check(conn, scope, u)?;
        let id = crate::ids::allocate(conn, "assist_unit", 1)?;
        let now = crate::now_utc();
        conn.execute(
            "INSERT INTO assist_unit (id, name, kind, parent_id, region_code, contact, phone, status, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, 1)",
            &[P::Int(id), P::Text(u.name.trim()), P::Text(u.kind.code()), opt_int(u.parent_id), P::Text(&region), opt_str(clean(u.contact.as_deref())), opt_str(clean(u.phone.as_deref())), P::Text(&now), P::Text(&now)],
        )?;
        record(conn, actor, &region, "assist_unit", id, "create", None, Some(serde_json::json!({"name": u.name.trim(), "kind": u.kind.code(), "parent_id": u.parent_id, "region_code": region})))?;
        Ok(id)
    })
}

/// Updates a unit in the caller's scope (audited). `NotFound` outside the scope.
pub fn update(conn: &mut Conn, actor: &Actor, scope: &RegionScope, id: i64, u: &NewUnit) -> Result<()> {
    in_tx(conn, |conn| {
        let before = get(conn, scope, id)?.ok_or_else(|| StoreError::NotFound(format!("单位（编号 {id}，或它不在您的管辖范围内）")))?;
        let region = check(conn, scope, u)?;
        if u.parent_id == Some(id) {
            return Err(StoreError::Invalid("单位不能是它自己的上级单位".into()));
        }
        conn.execute(
            "UPDATE assist_unit SET name = ?, kind = ?, parent_id = ?, region_code = ?, contact = ?, phone = ?, updated_at = ?, version = version + 1 WHERE id = ?",
            &[P::Text(u.name.trim()), P::Text(u.kind.code()), opt_int(u.parent_id), P::Text(&region), opt_str(clean(u.contact.as_deref())), opt_str(clean(u.phone.as_deref())), P::Text(&crate::now_utc()), P::Int(id)],
        )?;
        record(
            conn,
            actor,
            &region,
            "assist_unit",
            id,
            "update",
            Some(serde_json::json!({"name": before.name, "kind": before.kind.code(), "parent_id": before.parent_id, "region_code": before.region_code})),
            Some(serde_json::json!({"name": u.name.trim(), "kind": u.kind.code(), "parent_id": u.parent_id, "region_code": region})),
        )
    })
}

/// One unit in the caller's scope.
pub fn get(conn: &mut Conn, scope: &RegionScope, id: i64) -> Result<Option<Unit>> {
    let pattern = scope.like_pattern();
    let row = conn.query_opt(&format!("SELECT {COLUMNS} {FROM} WHERE u.id = ? AND u.region_code LIKE ?"), &[P::Int(id), P::Text(&pattern)])?;
    Ok(row.as_ref().and_then(from_row))
}

/// Units in the caller's scope, optionally of one kind, by name.
pub fn list(conn: &mut Conn, scope: &RegionScope, kind: Option<UnitKind>) -> Result<Vec<Unit>> {
    let pattern = scope.like_pattern();
    let rows = match kind {
        Some(k) => conn.query(&format!("SELECT {COLUMNS} {FROM} WHERE u.region_code LIKE ? AND u.kind = ? ORDER BY u.name, u.id"), &[P::Text(&pattern), P::Text(k.code())])?,
        None => conn.query(&format!("SELECT {COLUMNS} {FROM} WHERE u.region_code LIKE ? ORDER BY u.name, u.id"), &[P::Text(&pattern)])?,
    };
    Ok(rows.iter().filter_map(from_row).collect())
}

/// The sub-units of a unit.
pub fn sub_units(conn: &mut Conn, scope: &RegionScope, parent_id: i64) -> Result<Vec<Unit>> {
    let pattern = scope.like_pattern();
    let rows = conn.query(&format!("SELECT {COLUMNS} {FROM} WHERE u.parent_id = ? AND u.region_code LIKE ? ORDER BY u.name, u.id"), &[P::Int(parent_id), P::Text(&pattern)])?;
    Ok(rows.iter().filter_map(from_row).collect())
}

/// A unit by exact name in the caller's scope (the first if several).
pub fn find_by_name(conn: &mut Conn, scope: &RegionScope, name: &str) -> Result<Option<Unit>> {
    let pattern = scope.like_pattern();
    let row = conn.query_opt(&format!("SELECT {COLUMNS} {FROM} WHERE u.name = ? AND u.region_code LIKE ? ORDER BY u.id LIMIT 1"), &[P::Text(name.trim()), P::Text(&pattern)])?;
    Ok(row.as_ref().and_then(from_row))
}
