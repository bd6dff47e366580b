//! Inputs found by cargo-fuzz (see /work/main/fuzz) kept as regression tests: each must
//! produce an error or rows, never a panic escaping the crate.

mod common;

use bangfu_sheets::{Cell, ReadOptions, xlsx_writer};
use common::*;
use std::io::{Read, Write};

/// A valid xlsx from our writer with `xl/worksheets/sheet1.xml`'s `<sheetData>` replaced.
fn xlsx_with_sheet_data(dir: &std::path::Path, sheet_data: &str) -> std::path::PathBuf {
    let base = dir.join("base.xlsx");
    let mut w = xlsx_writer(&base).unwrap();
    w.begin_table("表1", &["姓名"]).unwrap();
    w.write_row(&[Cell::Text("张三".into())]).unwrap();
    w.finish().unwrap();
    let bytes = std::fs::read(&base).unwrap();
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let out_path = dir.join("patched.xlsx");
    let mut zout = zip::ZipWriter::new(std::fs::File::create(&out_path).unwrap());
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..zin.len() {
        let mut entry = zin.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut body = Vec::new();
        entry.read_to_end(&mut body).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            let text = String::from_utf8(body).unwrap();
            let start = text.find("<sheetData").unwrap();
            let end = text.find("</sheetData>").unwrap() + "</sheetData>".len();
            body = format!(
                "{}<sheetData>{sheet_data}</sheetData>{}",
                &text[..start],
                &text[end..]
            )
            .into_bytes();
        }
        zout.start_file(name, opts).unwrap();
        zout.write_all(&body).unwrap();
    }
    zout.finish().unwrap();
    out_path
}

/// read_xlsx crash 1: a cell reference with 27 letters overflows calamine's column
/// arithmetic (a panic where overflow checks are on). It must become an error.
#[test]
fn overlong_cell_reference() {
    let dir = tempfile::tempdir().unwrap();
    let p = xlsx_with_sheet_data(
        dir.path(),
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="yyyyyyyyyyyyyyyyyyyyyyyyyyyC1" t="inlineStr"><is><t>x</t></is></c></row>"#,
    );
    let sheets = read_all(&p, &ReadOptions::default()).unwrap();
    // Either calamine wrapped around (release builds) or panicked and we reported damage.
    for r in &sheets[0].1 {
        if let Err(e) = r {
            assert!(
                e.message.contains("损坏") || e.message.contains("列数太多"),
                "{e}"
            );
        }
    }
}

/// read_xlsx crash 2: a row number beyond u32 overflows calamine's row arithmetic.
#[test]
fn overlong_row_number() {
    let dir = tempfile::tempdir().unwrap();
    let p = xlsx_with_sheet_data(
        dir.path(),
        r#"<row r="99999999999"><c r="A99999999999"><v>1</v></c></row>"#,
    );
    let sheets = read_all(&p, &ReadOptions::default()).unwrap();
    for r in &sheets[0].1 {
        if let Err(e) = r {
            assert!(e.message.contains("损坏"), "{e}");
        }
    }
}

#[test]
fn sheet_data_sanity() {
    let dir = tempfile::tempdir().unwrap();
    let p = xlsx_with_sheet_data(
        dir.path(),
        r#"<row r="3"><c r="B3" t="inlineStr"><is><t>a</t></is></c></row><row r="2"><c r="A2"><v>1</v></c></row>"#,
    );
    let e = first_error(&p, &ReadOptions::default());
    assert!(e.message.contains("行顺序"), "{e}");
    assert_eq!(e.row, Some(2));
}
