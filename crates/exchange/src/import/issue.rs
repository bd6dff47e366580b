//! One problem in an import file, located by sheet, row and column, with the fix in Chinese;
//! and the error report written beside the input.

use bangfu_sheets::{Cell, SheetError};
use std::path::{Path, PathBuf};

/// A problem found in the file: where, what, why, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowIssue {
    pub sheet: String,
    /// 1-based physical row number; 0 when the problem is about the whole file.
    pub row: u64,
    /// "C（证件号码）" or empty.
    pub column: String,
    pub field: String,
    pub value: String,
    pub reason: String,
    pub fix: String,
}

impl std::fmt::Display for RowIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut place = String::new();
        if !self.sheet.is_empty() {
            place.push_str(&format!("工作表 {}", self.sheet));
        }
        if self.row > 0 {
            place.push_str(&format!("{}第 {} 行", if place.is_empty() { "" } else { " " }, self.row));
        }
        if !self.column.is_empty() {
            place.push_str(&format!("{}{} 列", if place.is_empty() { "" } else { "，" }, self.column));
        }
        if place.is_empty() {
            f.write_str(&self.reason)?;
        } else {
            write!(f, "{place}：{}", self.reason)?;
        }
        if !self.fix.is_empty() {
            write!(f, "。{}", self.fix)?;
        }
        Ok(())
    }
}

impl RowIssue {
    pub fn from_sheet_error(e: &SheetError) -> RowIssue {
        RowIssue {
            sheet: e.sheet.clone().unwrap_or_default(),
            row: e.row.unwrap_or(0),
            column: e.column.clone().unwrap_or_default(),
            field: String::new(),
            value: String::new(),
            reason: e.message.clone(),
            fix: String::new(),
        }
    }
}

/// `名单.csv` → `名单.错误报告.xlsx` in the same folder.
pub fn report_path(input: &Path) -> PathBuf {
    let stem = input.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "导入".into());
    input.with_file_name(format!("{stem}.错误报告.xlsx"))
}

/// Writes the error report: one row per problem, in file order.
pub fn write_report(path: &Path, file_name: &str, issues: &[RowIssue]) -> Result<(), SheetError> {
    let mut w = bangfu_sheets::xlsx_writer(path)?;
    w.begin_table("错误报告", &["文件", "工作表", "原始行号", "列", "字段", "值", "错误原因", "修改建议"])?;
    for i in issues {
        w.write_row(&[
            Cell::Text(file_name.to_string()),
            Cell::Text(i.sheet.clone()),
            if i.row > 0 { Cell::Int(i.row as i64) } else { Cell::Empty },
            Cell::Text(i.column.clone()),
            Cell::Text(i.field.clone()),
            Cell::Text(i.value.clone()),
            Cell::Text(i.reason.clone()),
            Cell::Text(i.fix.clone()),
        ])?;
    }
    w.finish()
}
