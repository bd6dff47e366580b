//! Attachments of cases, meetings and notices (签字认可书, 会议记录, 公示张贴照片): stored in the
//! database with their type checked by magic bytes, in scope, audited.

use crate::audit::{self, Actor};
use crate::db::{Conn, P};
use crate::error::{Result, StoreError};
use bangfu_domain::RegionScope;

/// Largest attachment accepted.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// What an attachment belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Case(i64),
    Deliberation(i64),
    Notice(i64),
}

impl Owner {
    pub fn kind(self) -> &'static str {
        match self {
            Owner::Case(_) => "case",
            Owner::Deliberation(_) => "deliberation",
            Owner::Notice(_) => "notice",
        }
    }
    pub fn id(self) -> i64 {
        match self {
            Owner::Case(i) | Owner::Deliberation(i) | Owner::Notice(i) => i,
        }
    }
}

/// An attachment's listing (without its bytes).
#[derive(Debug, Clone)]
pub struct Attachment {
    pub id: i64,
    pub purpose: String,
    pub file_name: String,
    pub mime: String,
    pub size: i64,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

/// The type of a file from its first bytes: images, PDF, and Office documents (zip) only.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.len() > 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"PK\x03\x04") {
        Some("application/zip")
    } else {
        None
    }
}

/// Stores an attachment for an owner in `region_code` (which the caller has checked is in scope).
/// Runs in the caller's transaction when there is one; audited.
pub fn add(conn: &mut Conn, actor: &Actor, owner: Owner, region_code: &str, purpose: &str, file_name: &str, bytes: &[u8]) -> Result<i64> {
    if bytes.is_empty() {
        return Err(StoreError::Invalid(format!("附件“{file_name}”是空文件，请重新选择")));
    }
    if bytes.len() > MAX_BYTES {
        return Err(StoreError::Invalid(format!("附件“{file_name}”超过 10 MB：请压缩照片或扫描件后再上传")));
    }
    let mime = sniff(bytes).ok_or_else(|| StoreError::Invalid(format!("附件“{file_name}”不是照片（JPG/PNG/WebP）、PDF 或 Office 文件，请换一个文件")))?;
    let id = crate::ids::allocate(conn, "wf_attachment", 1)?;
    let name: String = file_name.chars().filter(|c| !c.is_control() && *c != '/' && *c != '\\').take(120).collect();
    conn.execute(
        "INSERT INTO wf_attachment (id, owner_kind, owner_id, region_code, purpose, file_name, mime, size, bytes, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            P::Int(id),
            P::Text(owner.kind()),
            P::Int(owner.id()),
            P::Text(region_code),
            P::Text(purpose),
            P::Text(if name.is_empty() { "附件" } else { &name }),
            P::Text(mime),
            P::Int(bytes.len() as i64),
            P::Bytes(bytes),
            P::Text(super::cases::user_of(actor)),
            P::Text(&crate::now_utc()),
        ],
    )?;
    audit::record(
        conn,
        actor,
        audit::Entry {
            region_code: Some(region_code),
            entity: "wf_attachment",
            entity_id: Some(id.to_string()),
            action: "upload",
            before: None,
            after: Some(serde_json::json!({ "属于": owner.kind(), "编号": owner.id(), "用途": purpose, "文件": name, "大小": bytes.len() }).to_string()),
        },
    )?;
    Ok(id)
}

/// The attachments of an owner, in scope, oldest first.
pub fn list(conn: &mut Conn, scope: &RegionScope, owner: Owner) -> Result<Vec<Attachment>> {
    let rows = conn.query(
        "SELECT id, purpose, file_name, mime, size, uploaded_by, uploaded_at FROM wf_attachment WHERE owner_kind = ? AND owner_id = ? AND region_code LIKE ? ORDER BY id",
        &[P::Text(owner.kind()), P::Int(owner.id()), P::Text(&scope.like_pattern())],
    )?;
    Ok(rows
        .iter()
        .map(|r| Attachment { id: r[0].int().unwrap_or_default(), purpose: r[1].string(), file_name: r[2].string(), mime: r[3].string(), size: r[4].int().unwrap_or_default(), uploaded_by: r[5].string(), uploaded_at: r[6].string() })
        .collect())
}

/// One attachment's name, type and bytes, in scope and belonging to `owner`.
pub fn get(conn: &mut Conn, scope: &RegionScope, owner: Owner, id: i64) -> Result<Option<(String, String, Vec<u8>)>> {
    let r = conn.query_opt(
        "SELECT file_name, mime, bytes FROM wf_attachment WHERE id = ? AND owner_kind = ? AND owner_id = ? AND region_code LIKE ?",
        &[P::Int(id), P::Text(owner.kind()), P::Int(owner.id()), P::Text(&scope.like_pattern())],
    )?;
    Ok(r.map(|r| (r[0].string(), r[1].string(), r[2].bytes().map(<[u8]>::to_vec).unwrap_or_default())))
}
