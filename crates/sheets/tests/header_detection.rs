//! Header detection on hand-made row sets.

mod common;

use bangfu_sheets::{RawRow, detect_header};
use common::*;

fn rows(v: &[&[&str]]) -> Vec<RawRow> {
    v.iter()
        .enumerate()
        .map(|(i, cells)| RawRow {
            number: i as u64 + 1,
            cells: strs(cells),
        })
        .collect()
}

#[test]
fn reverse_case_group_row_scores_best() {
    let r = rows(&[
        &["XX村花名册"],
        &["户编号", "户主姓名", "家庭成员情况", "", "", "联系电话"],
        &["", "", "姓名", "性别", "证件号码"],
        &[
            "1",
            "张三",
            "张三",
            "男",
            "11010519491231002X",
            "13800138000",
        ],
    ]);
    let l = detect_header(&r, &is_known, "a.xlsx", "Sheet1").unwrap();
    assert_eq!(l.header_rows, 2..=3);
    assert_eq!(l.data_start_index, 3);
    let texts: Vec<_> = l.columns.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "户编号",
            "户主姓名",
            "家庭成员情况/姓名",
            "家庭成员情况/性别",
            "家庭成员情况/证件号码",
            "联系电话"
        ]
    );
    assert_eq!(l.columns[5].letter, "F");
}

#[test]
fn data_row_below_is_not_a_sub_header() {
    let r = rows(&[
        &["户编号", "户主姓名", "证件号码"],
        &["1", "张三", "11010519491231002X"],
    ]);
    let l = detect_header(&r, &is_known, "a.csv", "a").unwrap();
    assert_eq!(l.header_rows, 1..=1);
    assert_eq!(l.data_start_index, 1);
}

#[test]
fn fill_in_rows_above_are_titles_not_groups() {
    let r = rows(&[
        &["填报单位：XX乡", "", "", "填报日期：2024-01-01"],
        &["姓名", "性别", "证件号码", "耕地面积（亩）"],
    ]);
    let l = detect_header(&r, &is_known, "a.csv", "a").unwrap();
    assert_eq!(l.header_rows, 2..=2);
    assert_eq!(l.columns[3].candidates, strs(&["耕地面积(亩)", "耕地面积"]));
}

#[test]
fn unit_suffix_and_markers_still_match() {
    let r = rows(&[&["*姓名", "证件号码\n（18位）", "公益性岗位(月数)"]]);
    let l = detect_header(&r, &is_known, "a.csv", "a").unwrap();
    assert_eq!(l.columns[0].candidates, strs(&["姓名"]));
    assert_eq!(
        l.columns[1].candidates,
        strs(&["证件号码(18位)", "证件号码"])
    );
    assert_eq!(l.columns[2].candidates, strs(&["公益性岗位(月数)"]));
}

#[test]
fn no_header_error_names_expectations() {
    let r = rows(&[&["标题"], &["甲", "乙"], &["姓名", "别的"]]);
    let e = detect_header(&r, &is_known, "a.csv", "Sheet1").unwrap_err();
    let s = e.to_string();
    assert!(s.starts_with("文件 a.csv，工作表 Sheet1："), "{s}");
    assert!(
        s.contains("在前 3 行中没有找到表头行：至少需要两个可识别的列名"),
        "{s}"
    );
    assert!(s.contains("第 3 行只认出了 “姓名”"), "{s}");
    let e = detect_header(&[], &is_known, "a.csv", "Sheet1").unwrap_err();
    assert!(e.message.contains("工作表是空的"));
}

#[test]
fn ties_go_to_the_earliest_row() {
    let r = rows(&[&["姓名", "性别"], &["姓名", "性别"]]);
    let l = detect_header(&r, &is_known, "a.csv", "a").unwrap();
    assert_eq!(l.header_rows, 1..=1);
}
