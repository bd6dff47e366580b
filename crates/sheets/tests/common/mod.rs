//! Helpers shared by the integration tests: known header names and reading whole files.
#![allow(dead_code)]

use bangfu_sheets::{RawRow, ReadOptions, SheetError, Workbook};
use std::path::{Path, PathBuf};

/// Header names the importer knows (a subset of registry-fields.md).
pub const KNOWN: &[&str] = &[
    "户编号",
    "户主姓名",
    "户主证件号码",
    "家庭人口数",
    "联系电话",
    "姓名",
    "性别",
    "证件号码",
    "身份证号",
    "与户主关系",
    "民族",
    "出生日期",
    "耕地面积",
    "人均纯收入",
    "户类型",
    "公益性岗位",
    "公益性岗位(月数)",
    "帮扶责任人",
    "县(市、区、旗)",
    "乡",
    "村",
];

pub fn is_known(s: &str) -> bool {
    KNOWN.contains(&s)
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// All rows of all sheets; stops a sheet at its first error.
pub type SheetRows = (String, Vec<Result<RawRow, SheetError>>);

pub fn read_all(path: &Path, opts: &ReadOptions) -> Result<Vec<SheetRows>, SheetError> {
    let mut wb = Workbook::open(path, opts)?;
    let mut out = Vec::new();
    for (i, name) in wb.sheet_names().into_iter().enumerate() {
        let rows: Vec<_> = match wb.rows(i) {
            Ok(it) => it.collect(),
            Err(e) => vec![Err(e)],
        };
        out.push((name, rows));
    }
    Ok(out)
}

/// Rows of sheet `i` as (number, cells), panicking on errors.
pub fn rows_of(path: &Path, sheet: usize) -> Vec<(u64, Vec<String>)> {
    let mut wb = Workbook::open(path, &ReadOptions::default()).unwrap();
    wb.rows(sheet)
        .unwrap()
        .map(|r| {
            let r = r.unwrap();
            (r.number, r.cells)
        })
        .collect()
}

/// The first error met while reading every row of every sheet.
pub fn first_error(path: &Path, opts: &ReadOptions) -> SheetError {
    match read_all(path, opts) {
        Err(e) => e,
        Ok(sheets) => sheets
            .into_iter()
            .flat_map(|(_, rows)| rows)
            .find_map(Result::err)
            .expect("expected an error"),
    }
}

pub fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}
