//! `SheetError`: the one error type of this crate, with a Chinese message that names the place.

use std::fmt;
use std::path::Path;

/// An error that a county official can act on: it names the file, the sheet, the row
/// (1-based, as Excel/WPS shows it) and the column, and says what to do.
///
/// `column` holds the Excel column letter, optionally followed by the header text in
/// full-width parentheses, e.g. `"C"` or `"C（证件号码）"`; see [`SheetError::column_label`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetError {
    /// File name as the user knows it (no directories), e.g. `a.csv`.
    pub file: String,
    /// Sheet name, when the error belongs to one sheet.
    pub sheet: Option<String>,
    /// 1-based physical row number.
    pub row: Option<u64>,
    /// Column letter plus optional header text, e.g. `C（证件号码）`.
    pub column: Option<String>,
    /// What went wrong and what to do, in Simplified Chinese.
    pub message: String,
}

impl SheetError {
    /// An error about a whole file.
    pub fn new(file: impl Into<String>, message: impl Into<String>) -> Self {
        SheetError {
            file: file.into(),
            sheet: None,
            row: None,
            column: None,
            message: message.into(),
        }
    }

    /// Sets the sheet name.
    pub fn with_sheet(mut self, sheet: impl Into<String>) -> Self {
        self.sheet = Some(sheet.into());
        self
    }

    /// Sets the 1-based row number.
    pub fn with_row(mut self, row: u64) -> Self {
        self.row = Some(row);
        self
    }

    /// Sets the column from a 0-based index and optional header text.
    pub fn with_column(mut self, index: usize, header: Option<&str>) -> Self {
        self.column = Some(Self::column_label(&crate::column_letter(index), header));
        self
    }

    /// Builds the `column` value: `"C"` or `"C（证件号码）"`.
    pub fn column_label(letter: &str, header: Option<&str>) -> String {
        match header {
            Some(h) if !h.is_empty() => format!("{letter}（{h}）"),
            _ => letter.to_string(),
        }
    }
}

impl fmt::Display for SheetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::with_capacity(4);
        if !self.file.is_empty() {
            parts.push(format!("文件 {}", self.file));
        }
        if let Some(s) = &self.sheet {
            parts.push(format!("工作表 {s}"));
        }
        if let Some(r) = self.row {
            parts.push(format!("第 {r} 行"));
        }
        if let Some(c) = &self.column {
            // "C（证件号码）" is shown as "C 列（证件号码）".
            let split = c
                .char_indices()
                .find(|(_, ch)| !ch.is_ascii_alphabetic())
                .map_or(c.len(), |(i, _)| i);
            let (letter, rest) = c.split_at(split);
            if letter.is_empty() {
                parts.push(format!("{rest} 列"));
            } else {
                parts.push(format!("{letter} 列{rest}"));
            }
        }
        if parts.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}：{}", parts.join("，"), self.message)
        }
    }
}

impl std::error::Error for SheetError {}

/// The file name (last path component) shown to users.
pub(crate) fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string_lossy().into_owned())
}

/// An I/O error while opening or reading a file, in Chinese.
pub(crate) fn io_error(file: &str, e: &std::io::Error) -> SheetError {
    use std::io::ErrorKind;
    let msg = match e.kind() {
        ErrorKind::NotFound => "找不到这个文件，请确认文件已上传且路径正确".to_string(),
        ErrorKind::PermissionDenied => {
            "没有权限读取这个文件；如果文件正在 Excel/WPS 中打开，请先关闭后再试".to_string()
        }
        ErrorKind::UnexpectedEof => {
            "文件不完整（读到一半就结束了），请重新导出或重新上传".to_string()
        }
        _ => format!("读取文件时出错（{e}），请重新上传后再试"),
    };
    SheetError::new(file, msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_all_parts() {
        let e = SheetError::new("a.csv", "号码不对")
            .with_sheet("Sheet1")
            .with_row(12)
            .with_column(2, Some("证件号码"));
        assert_eq!(
            e.to_string(),
            "文件 a.csv，工作表 Sheet1，第 12 行，C 列（证件号码）：号码不对"
        );
    }

    #[test]
    fn display_omits_missing_parts() {
        let e = SheetError::new("a.csv", "坏了");
        assert_eq!(e.to_string(), "文件 a.csv：坏了");
        let e = SheetError::new("b.xlsx", "x")
            .with_row(3)
            .with_column(27, None);
        assert_eq!(e.to_string(), "文件 b.xlsx，第 3 行，AB 列：x");
        let e = SheetError::new("", "only");
        assert_eq!(e.to_string(), "only");
    }
}
