//! File type detection from content (magic bytes), never from the extension.

use crate::error::{SheetError, display_name, io_error};
use crate::textenc;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// What a file really is, whatever its extension says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// Delimited text (comma, tab or semicolon), any supported encoding.
    Csv,
    /// Office Open XML workbook (a zip file).
    Xlsx,
    /// Legacy BIFF workbook (an OLE compound file).
    Xls,
    /// An HTML page with tables (what many systems export as ".xls").
    Html,
}

const SNIFF_LEN: usize = 8192;
const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Detects the kind of `path` from its first bytes.
///
/// Errors: the file cannot be read, is empty (0 bytes, or only a BOM and whitespace), or is
/// a format we do not read (Excel 2003 XML, binary data).
pub fn sniff(path: &Path) -> Result<FileKind, SheetError> {
    let file = display_name(path);
    let mut f = File::open(path).map_err(|e| io_error(&file, &e))?;
    let mut buf = Vec::with_capacity(SNIFF_LEN);
    (&mut f)
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut buf)
        .map_err(|e| io_error(&file, &e))?;
    let complete = buf.len() < SNIFF_LEN;
    sniff_bytes(&buf, complete).map_err(|msg| SheetError::new(&file, msg))
}

/// Message for an empty file.
pub(crate) const EMPTY_FILE: &str =
    "文件是空的：没有任何内容。请确认选对了文件，或在 Excel/WPS 中填好数据、保存后再导入";

/// Detects the kind from the first bytes; `complete` says whether `buf` is the whole file.
pub(crate) fn sniff_bytes(buf: &[u8], complete: bool) -> Result<FileKind, String> {
    if buf.starts_with(b"PK\x03\x04") || buf.starts_with(b"PK\x05\x06") {
        return Ok(FileKind::Xlsx);
    }
    if buf.starts_with(&OLE_MAGIC) {
        return Ok(FileKind::Xls);
    }
    let text = leading_text(buf);
    let trimmed = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
    if trimmed.is_empty() && complete {
        return Err(EMPTY_FILE.to_string());
    }
    if trimmed.starts_with('<') {
        let lower = trimmed.to_ascii_lowercase();
        let is_html = lower.contains("<html") || lower.contains("<table");
        if lower.starts_with("<?xml") && !is_html {
            if lower.contains("urn:schemas-microsoft-com:office:spreadsheet")
                || lower.contains("<workbook")
            {
                return Err("这是 Excel 2003 XML 格式的表格，暂不支持直接导入：请用 Excel/WPS 打开后“另存为” xlsx 格式再导入".to_string());
            }
            return Err(
                "文件是 XML 格式，不是表格：请确认选对了文件，或用 Excel/WPS 另存为 xlsx 后再导入"
                    .to_string(),
            );
        }
        return Ok(FileKind::Html);
    }
    if textenc::bom(buf).is_none() && looks_binary(buf) {
        return Err("文件不是表格（看起来是其他程序的二进制文件）：请确认选对了文件，只支持 xlsx、xls、csv 以及系统导出的网页格式表格".to_string());
    }
    Ok(FileKind::Csv)
}

/// The first bytes as text, decoded per BOM (UTF-16 included); lossy.
fn leading_text(buf: &[u8]) -> String {
    match textenc::bom(buf) {
        Some((enc, len)) => enc.decode_without_bom_handling(&buf[len..]).0.into_owned(),
        None => String::from_utf8_lossy(buf).into_owned(),
    }
}

/// Text files do not contain NUL bytes; many binary formats do.
fn looks_binary(buf: &[u8]) -> bool {
    buf.contains(&0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(sniff_bytes(b"PK\x03\x04rest", false), Ok(FileKind::Xlsx));
        assert_eq!(sniff_bytes(&OLE_MAGIC, false), Ok(FileKind::Xls));
        assert_eq!(
            sniff_bytes(b"  \r\n<!DOCTYPE html>", true),
            Ok(FileKind::Html)
        );
        assert_eq!(
            sniff_bytes(b"\xEF\xBB\xBF<TABLE>", true),
            Ok(FileKind::Html)
        );
        assert_eq!(
            sniff_bytes(b"<?xml version=\"1.0\"?><html><table>", true),
            Ok(FileKind::Html)
        );
        assert_eq!(
            sniff_bytes("姓名,性别\n".as_bytes(), true),
            Ok(FileKind::Csv)
        );
        assert!(sniff_bytes(b"", true).unwrap_err().contains("文件是空的"));
        assert!(
            sniff_bytes(b"\xEF\xBB\xBF \r\n\t", true)
                .unwrap_err()
                .contains("文件是空的")
        );
        assert!(
            sniff_bytes(b"\xFF\xFE \x00\n\x00", true)
                .unwrap_err()
                .contains("文件是空的")
        );
        assert!(sniff_bytes(b"<?xml version=\"1.0\"?><Workbook>", true).is_err());
        assert!(sniff_bytes(b"\x7fELF\x00\x01", true).is_err());
    }
}
