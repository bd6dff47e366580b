//! Files in and out through the browser: uploads imported as background jobs, the filtered list
//! exported as xlsx; plus the download and file-name helpers both share.

pub mod export;
pub mod import;
mod run;

use crate::error::AppError;
use crate::state::AppState;
use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::path::Path;

/// Room for the multipart framing and the small fields around the file.
pub const MULTIPART_SLACK: u64 = 1024 * 1024;

/// The page routes of imports and exports. The upload route lifts the site-wide 2 MiB body limit:
/// the upload handler enforces `max_upload_mib` itself (the setting is only known at run time),
/// refusing by `Content-Length` before reading and counting the bytes as they arrive.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/imports", post(import::upload).layer(DefaultBodyLimit::disable()).get(import::show))
        .route("/imports/{job}", get(import::job))
        .route("/imports/{job}/report", get(import::report))
        .route("/households/export", get(export::export))
}

/// A random hexadecimal id (job ids, temporary file names): 128 bits, unguessable.
pub fn random_id() -> String {
    let mut b = [0u8; 16];
    rand::fill(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Whether a text can be an id made by `random_id` (anything else is refused before any lookup).
pub fn is_random_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// An uploaded file's name made safe to use as a file name: the last path component only, no
/// control or reserved characters, no leading dots, at most 80 characters (the extension kept).
pub fn sanitize_file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last.chars().filter(|c| !c.is_control() && !matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*' | '/' | '\\')).collect();
    let cleaned = cleaned.trim().trim_start_matches(['.', ' ']).to_string();
    let (stem, ext) = match cleaned.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() && e.chars().count() <= 8 => (s.to_string(), format!(".{e}")),
        _ => (cleaned.clone(), String::new()),
    };
    let stem: String = stem.chars().take(80).collect();
    let stem = if stem.trim().is_empty() { "上传文件".to_string() } else { stem };
    format!("{stem}{ext}")
}

/// `Content-Disposition` for a download with a Chinese name (RFC 6266 / 5987).
pub fn attachment(name: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("attachment; filename*=UTF-8''{}", crate::views::urlencode(name))).unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Streams an open file as a download (the file is read in chunks, never whole into memory).
pub fn file_response(file: tokio::fs::File, len: Option<u64>, name: &str, content_type: &'static str) -> Response {
    let body = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024));
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CONTENT_DISPOSITION, attachment(name));
    if let Some(n) = len {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(n));
    }
    r
}

/// Opens a file for `file_response`; a missing file is "not found".
pub async fn open(path: &Path) -> Result<(tokio::fs::File, u64), AppError> {
    let f = tokio::fs::File::open(path).await.map_err(|_| AppError::NotFound)?;
    let len = f.metadata().await.map_err(|e| AppError::Internal(format!("{}: {e}", path.display())))?.len();
    Ok((f, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_and_reserved_characters() {
        assert_eq!(sanitize_file_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_file_name("C:\\fakepath\\花名册.xlsx"), "花名册.xlsx");
        assert_eq!(sanitize_file_name("..xlsx"), "xlsx");
        assert_eq!(sanitize_file_name("a<b>:c?.csv"), "abc.csv");
        assert_eq!(sanitize_file_name(""), "上传文件");
        assert!(is_random_id(&random_id()));
        assert!(!is_random_id("../../etc/passwd"));
    }

    #[test]
    fn download_names_are_percent_encoded() {
        assert_eq!(attachment("户籍 a.xlsx").to_str().unwrap(), "attachment; filename*=UTF-8''%E6%88%B7%E7%B1%8D%20a.xlsx");
    }
}
