//! Photos of an activity: images only (JPEG, PNG, WebP by their first bytes), at most 5 MB each.

use super::in_tx;
use crate::audit::{self, Actor};
use crate::db::{Conn, P};
use crate::error::{Result, StoreError};
use bangfu_domain::RegionScope;

/// The largest photo accepted (the phone form resizes to ≤ 1600 px JPEG, far below this).
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;
/// Photos per activity.
pub const MAX_PHOTOS: i64 = 12;

/// A stored photo without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoInfo {
    pub id: i64,
    pub activity_id: i64,
    pub seq: i64,
    pub mime: String,
    pub size: i64,
}

/// The image type of some bytes, by their magic number.
pub fn image_mime(bytes: &[u8]) -> Option<&'static str> {
    if bytes.len() >= 3 && bytes[..3] == [0xFF, 0xD8, 0xFF] {
        Some("image/jpeg")
    } else if bytes.len() >= 8 && bytes[..8] == [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A] {
        Some("image/png")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Checks a photo before it is stored: the size first, then the type.
pub fn check_photo(bytes: &[u8]) -> Result<&'static str> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(StoreError::Invalid(format!("照片太大（{:.1} MB）：每张照片不能超过 5 MB，请压缩后再上传", bytes.len() as f64 / 1024.0 / 1024.0)));
    }
    if bytes.is_empty() {
        return Err(StoreError::Invalid("照片是空文件".into()));
    }
    image_mime(bytes).ok_or_else(|| StoreError::Invalid("上传的文件不是照片：只接受 JPEG、PNG 或 WebP 图片".into()))
}

/// Adds a photo to an activity in scope; returns its id. Audited.
pub fn add_photo(conn: &mut Conn, actor: &Actor, scope: &RegionScope, activity_id: i64, bytes: &[u8]) -> Result<i64> {
    let mime = check_photo(bytes)?;
    in_tx(conn, |conn| {
        let pattern = scope.like_pattern();
        let region = conn
            .query_opt("SELECT region_code FROM activity WHERE id = ? AND region_code LIKE ?", &[P::Int(activity_id), P::Text(&pattern)])?
            .map(|r| r[0].string())
            .ok_or_else(|| StoreError::NotFound("该活动记录（或它不在您的管辖范围内）".into()))?;
        let seq = conn.query_int("SELECT COALESCE(MAX(seq), 0) FROM activity_photo WHERE activity_id = ?", &[P::Int(activity_id)])? + 1;
        if seq > MAX_PHOTOS {
            return Err(StoreError::Invalid(format!("每条记录最多 {MAX_PHOTOS} 张照片")));
        }
        let id = crate::ids::allocate(conn, "activity_photo", 1)?;
        conn.execute(
            "INSERT INTO activity_photo (id, activity_id, seq, mime, size, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            &[P::Int(id), P::Int(activity_id), P::Int(seq), P::Text(mime), P::Int(bytes.len() as i64), P::Bytes(bytes), P::Text(&crate::now_utc())],
        )?;
        let after = serde_json::json!({ "activity_id": activity_id, "seq": seq, "mime": mime, "size": bytes.len() });
        audit::record(
            conn,
            actor,
            audit::Entry { region_code: Some(&region), entity: "activity_photo", entity_id: Some(id.to_string()), action: "create", before: None, after: Some(after.to_string()) },
        )?;
        Ok(id)
    })
}

/// The photos of an activity in scope (none when out of scope).
pub fn photos(conn: &mut Conn, scope: &RegionScope, activity_id: i64) -> Result<Vec<PhotoInfo>> {
    let pattern = scope.like_pattern();
    let rows = conn.query(
        "SELECT p.id, p.activity_id, p.seq, p.mime, p.size FROM activity_photo p JOIN activity a ON a.id = p.activity_id WHERE p.activity_id = ? AND a.region_code LIKE ? ORDER BY p.seq",
        &[P::Int(activity_id), P::Text(&pattern)],
    )?;
    Ok(rows.iter().filter_map(|r| Some(PhotoInfo { id: r[0].int()?, activity_id: r[1].int()?, seq: r[2].int()?, mime: r[3].string(), size: r[4].int()? })).collect())
}

/// One photo's type and bytes, if its activity is in scope.
pub fn photo(conn: &mut Conn, scope: &RegionScope, photo_id: i64) -> Result<Option<(String, Vec<u8>)>> {
    let pattern = scope.like_pattern();
    let row = conn.query_opt(
        "SELECT p.mime, p.bytes FROM activity_photo p JOIN activity a ON a.id = p.activity_id WHERE p.id = ? AND a.region_code LIKE ?",
        &[P::Int(photo_id), P::Text(&pattern)],
    )?;
    Ok(row.map(|r| (r[0].string(), r[1].bytes().map(<[u8]>::to_vec).unwrap_or_default())))
}
