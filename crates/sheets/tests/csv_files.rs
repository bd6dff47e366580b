//! CSV reading from real files: encodings, delimiters, title rows, errors.

mod common;

use bangfu_sheets::{FileKind, ReadOptions, Workbook, detect_header};
use common::*;

const SAMPLE: &str =
    "户主姓名,证件号码,性别\r\n张三,11010519491231002X,男\r\n李四,110105194912310021,女\r\n";

#[test]
fn utf8_with_and_without_bom() {
    let dir = tempfile::tempdir().unwrap();
    let plain = write(dir.path(), "plain.csv", SAMPLE.as_bytes());
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(SAMPLE.as_bytes());
    let bom = write(dir.path(), "bom.csv", &bom);
    for p in [plain, bom] {
        let wb = Workbook::open(&p, &ReadOptions::default()).unwrap();
        assert_eq!(wb.kind(), FileKind::Csv);
        assert_eq!(wb.encoding(), Some("UTF-8"));
        let rows = rows_of(&p, 0);
        assert_eq!(rows[0], (1, strs(&["户主姓名", "证件号码", "性别"])));
        assert_eq!(rows[2], (3, strs(&["李四", "110105194912310021", "女"])));
    }
}

#[test]
fn gbk_file() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, _, _) = encoding_rs::GBK.encode(SAMPLE);
    let p = write(dir.path(), "gbk.csv", &bytes);
    let wb = Workbook::open(&p, &ReadOptions::default()).unwrap();
    assert_eq!(wb.encoding(), Some("GB18030"));
    assert_eq!(wb.sheet_names(), vec!["gbk".to_string()]);
    let rows = rows_of(&p, 0);
    assert_eq!(rows[1].1, strs(&["张三", "11010519491231002X", "男"]));
}

#[test]
fn utf16le_tab_separated() {
    let dir = tempfile::tempdir().unwrap();
    let text = "户主姓名\t证件号码\t地址\r\n张三\t11010519491231002X\t一组, 二号\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let p = write(dir.path(), "wps.txt", &bytes);
    let wb = Workbook::open(&p, &ReadOptions::default()).unwrap();
    assert_eq!(wb.encoding(), Some("UTF-16LE"));
    let rows = rows_of(&p, 0);
    assert_eq!(
        rows[1].1,
        strs(&["张三", "11010519491231002X", "一组, 二号"])
    );
}

#[test]
fn title_rows_then_header() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        format!("XX村建档立卡贫困户花名册,,,\n填报单位：XX村,,填报日期：2024-01-01,\n\n{SAMPLE}");
    let p = write(dir.path(), "t.csv", text.as_bytes());
    let rows: Vec<_> = Workbook::open(&p, &ReadOptions::default())
        .unwrap()
        .rows(0)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let layout = detect_header(&rows, &is_known, "t.csv", "t").unwrap();
    assert_eq!(layout.header_rows, 4..=4);
    assert_eq!(layout.data_start_index, 3);
    assert_eq!(rows[layout.data_start_index].number, 5);
    let names: Vec<_> = layout.columns.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(names, ["户主姓名", "证件号码", "性别"]);
}

#[test]
fn thirty_title_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..30 {
        text.push_str(&format!("说明第{i}行：请如实填写,,\n"));
    }
    text.push_str(SAMPLE);
    let p = write(dir.path(), "t.csv", text.as_bytes());
    let rows: Vec<_> = Workbook::open(&p, &ReadOptions::default())
        .unwrap()
        .rows(0)
        .unwrap()
        .take(60)
        .map(Result::unwrap)
        .collect();
    let layout = detect_header(&rows, &is_known, "t.csv", "t").unwrap();
    assert_eq!(layout.header_rows, 31..=31);
    assert_eq!(rows[layout.data_start_index].cells[0], "张三");
}

#[test]
fn duplicate_columns_survive() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "d.csv",
        "姓名,姓名,证件号码\n张三,李四,1\n".as_bytes(),
    );
    let rows: Vec<_> = Workbook::open(&p, &ReadOptions::default())
        .unwrap()
        .rows(0)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let layout = detect_header(&rows, &is_known, "d.csv", "d").unwrap();
    let names: Vec<_> = layout.columns.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(names, ["姓名", "姓名", "证件号码"]);
}

#[test]
fn unbalanced_quote_names_start_row() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "q.csv",
        "姓名,备注\n张三,好\n李四,\"没有结束\n王五,x\n".as_bytes(),
    );
    let e = first_error(&p, &ReadOptions::default());
    assert!(e.message.contains("引号不配对"), "{e}");
    assert_eq!(e.row, Some(3));
    assert!(
        e.to_string().starts_with("文件 q.csv，工作表 q，第 3 行："),
        "{e}"
    );
}

#[test]
fn huge_cell_is_an_error_not_a_memory_blowup() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("姓名,备注\n张三,");
    text.push_str(&"很".repeat(2 * 1024 * 1024 / 3));
    text.push('\n');
    let p = write(dir.path(), "big.csv", text.as_bytes());
    let e = first_error(&p, &ReadOptions::default());
    assert!(
        e.message.contains("单元格内容过长（超过 32767 个字符）"),
        "{e}"
    );
    assert_eq!((e.row, e.column.as_deref()), (Some(2), Some("B")));

    // The same with a small limit, standing in for a 100 MB cell.
    let opts = ReadOptions {
        max_cell_chars: 1000,
        ..ReadOptions::default()
    };
    let p = write(
        dir.path(),
        "big2.csv",
        format!("a,b\n1,\"{}\"\n", "x".repeat(100_000)).as_bytes(),
    );
    let e = first_error(&p, &opts);
    assert!(e.message.contains("超过 1000 个字符"), "{e}");
}

#[test]
fn empty_files() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("zero.csv", &b""[..]),
        ("bom.csv", &b"\xEF\xBB\xBF"[..]),
        ("ws.csv", &b" \r\n\t\r\n"[..]),
        ("commas.csv", &b",,,\r\n,,\r\n"[..]),
    ] {
        let p = write(dir.path(), name, bytes);
        let e = first_error(&p, &ReadOptions::default());
        assert!(e.message.starts_with("文件是空的"), "{name}: {e}");
    }
}

#[test]
fn embedded_newlines_count_as_one_excel_row() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "n.csv",
        "姓名,地址\n张三,\"一组\n二号\"\n李四,三组\n".as_bytes(),
    );
    let rows = rows_of(&p, 0);
    assert_eq!(rows[1], (2, strs(&["张三", "一组\n二号"])));
    assert_eq!(rows[2], (3, strs(&["李四", "三组"])));
}

#[test]
fn utf8_then_gbk_later_names_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = Vec::new();
    bytes.extend_from_slice("姓名,备注\n".as_bytes());
    for _ in 0..5000 {
        bytes.extend_from_slice(b"abcdefghij,klmnopqrstu\n");
    }
    bytes.extend_from_slice(&encoding_rs::GBK.encode("张三,男\n").0);
    let p = write(dir.path(), "mixed.csv", &bytes);
    let e = first_error(&p, &ReadOptions::default());
    assert_eq!(e.row, Some(5002));
    assert!(e.message.contains("UTF-8"), "{e}");
}

#[test]
fn semicolons_and_neutralised_cells() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "s.csv", "姓名;电话\n张三;'+86 138\n".as_bytes());
    assert_eq!(rows_of(&p, 0)[1].1, strs(&["张三", "+86 138"]));
}
