//! HTML tables saved as ".xls" by government systems.

mod common;

use bangfu_sheets::{FileKind, ReadOptions, Workbook, detect_header};
use common::*;

const PAGE: &str = r#"<html xmlns:x="urn:schemas-microsoft-com:office:excel">
<head><meta http-equiv="Content-Type" content="text/html; charset=gbk">
<style>td { mso-number-format:"\@"; }</style><script>var x = "<table>";</script></head>
<body><!-- 导出 <table> -->
<table border=1>
<tr><td colspan=5>XX村建档立卡贫困户花名册</td></tr>
<tr><th rowspan=2>户编号<th rowspan="2">户主姓名<th colspan=3>家庭成员情况</tr>
<tr><th>姓名<th>性别<th>证件号码</tr>
<tr><td rowspan=2>4301001<td rowspan=2>张&nbsp;三<td>张三<td>男<td x:str>11010519491231002X
<tr><td>李梅<td>女<td>110105195001010028</td>
<tr><td>4301002</td><td>王&amp;五</td><td>王五<br>（户主）</td><td>男</td><td>&#49;&#x31;0105</td></tr>
</table>
<table><tr><td>第二张表</td></tr></table>
</body></html>"#;

#[test]
fn gbk_html_with_spans() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, _, _) = encoding_rs::GBK.encode(PAGE);
    let p = write(dir.path(), "export.xls", &bytes);
    let wb = Workbook::open(&p, &ReadOptions::default()).unwrap();
    assert_eq!(wb.kind(), FileKind::Html);
    assert_eq!(wb.encoding(), Some("GBK"));
    assert_eq!(wb.sheet_names(), strs(&["表1", "表2"]));
    let rows = rows_of(&p, 0);
    assert_eq!(rows[0], (1, strs(&["XX村建档立卡贫困户花名册"])));
    assert_eq!(rows[1], (2, strs(&["户编号", "户主姓名", "家庭成员情况"])));
    assert_eq!(rows[2], (3, strs(&["", "", "姓名", "性别", "证件号码"])));
    assert_eq!(
        rows[3],
        (
            4,
            strs(&["4301001", "张\u{a0}三", "张三", "男", "11010519491231002X"])
        )
    );
    assert_eq!(
        rows[4],
        (5, strs(&["", "", "李梅", "女", "110105195001010028"]))
    );
    assert_eq!(
        rows[5],
        (
            6,
            strs(&["4301002", "王&五", "王五\n（户主）", "男", "110105"])
        )
    );
    let raw: Vec<_> = rows
        .iter()
        .map(|(n, c)| bangfu_sheets::RawRow {
            number: *n,
            cells: c.clone(),
        })
        .collect();
    let layout = detect_header(&raw, &is_known, "export.xls", "表1").unwrap();
    assert_eq!(layout.header_rows, 2..=3);
    assert_eq!(layout.data_start_index, 3);
    assert_eq!(layout.columns[4].text, "家庭成员情况/证件号码");
    assert_eq!(rows_of(&p, 1), vec![(1, strs(&["第二张表"]))]);
}

#[test]
fn html_without_tables_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "x.xls", b"<html><body>no data</body></html>");
    let e = first_error(&p, &ReadOptions::default());
    assert!(e.message.contains("没有找到"), "{e}");
}

#[test]
fn utf8_html_without_charset() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "u.xls",
        "\u{feff}<table><tr><td>姓名<td>性别<tr><td>张三<td>男</table>".as_bytes(),
    );
    let wb = Workbook::open(&p, &ReadOptions::default()).unwrap();
    assert_eq!(wb.encoding(), Some("UTF-8"));
    assert_eq!(rows_of(&p, 0)[1].1, strs(&["张三", "男"]));
}
