//! xlsx reading and writing with real files: merged headers, round trips, splitting,
//! formulas, numeric IDs, dates, damaged files and zip bombs.

mod common;

use bangfu_sheets::{
    Cell, FileKind, ReadOptions, Workbook, csv_writer, detect_header, xlsx_writer,
    xlsx_writer_with_limit,
};
use chrono::NaiveDate;
use common::*;
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook as XWorkbook};
use std::io::Write;

fn roster_with_merged_header(path: &std::path::Path) {
    let mut book = XWorkbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("花名册").unwrap();
    let f = Format::new();
    sheet
        .merge_range(0, 0, 0, 5, "XX村建档立卡贫困户花名册", &f)
        .unwrap();
    sheet
        .merge_range(1, 0, 1, 5, "填报单位：XX村    填报日期：2024年1月1日", &f)
        .unwrap();
    sheet.merge_range(2, 0, 3, 0, "户编号", &f).unwrap();
    sheet.merge_range(2, 1, 3, 1, "户主\n姓名", &f).unwrap();
    sheet.merge_range(2, 2, 2, 4, "家庭成员情况", &f).unwrap();
    sheet.merge_range(2, 5, 3, 5, "联系电话", &f).unwrap();
    sheet.write_string(3, 2, "姓名").unwrap();
    sheet.write_string(3, 3, "性别").unwrap();
    sheet.write_string(3, 4, "证件号码").unwrap();
    let data = [
        [
            "4301001",
            "张三",
            "张三",
            "男",
            "11010519491231002X",
            "13800138000",
        ],
        ["", "", "李梅", "女", "110105195001010028", ""],
    ];
    for (i, row) in data.iter().enumerate() {
        for (j, v) in row.iter().enumerate() {
            if !v.is_empty() {
                sheet.write_string(4 + i as u32, j as u16, *v).unwrap();
            }
        }
    }
    book.save(path).unwrap();
}

#[test]
fn two_row_merged_header() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("roster.xlsx");
    roster_with_merged_header(&p);
    let mut wb = Workbook::open(&p, &ReadOptions::default()).unwrap();
    assert_eq!(wb.kind(), FileKind::Xlsx);
    assert_eq!(wb.sheet_names(), vec!["花名册".to_string()]);
    let rows: Vec<_> = wb.rows(0).unwrap().map(Result::unwrap).collect();
    assert_eq!(rows[0].number, 1);
    let layout = detect_header(&rows, &is_known, "roster.xlsx", "花名册").unwrap();
    assert_eq!(layout.header_rows, 3..=4);
    assert_eq!(rows[layout.data_start_index].number, 5);
    let cols: Vec<_> = layout
        .columns
        .iter()
        .map(|c| (c.letter.as_str(), c.text.as_str()))
        .collect();
    assert_eq!(
        cols,
        [
            ("A", "户编号"),
            ("B", "户主\n姓名"),
            ("C", "家庭成员情况/姓名"),
            ("D", "家庭成员情况/性别"),
            ("E", "家庭成员情况/证件号码"),
            ("F", "联系电话"),
        ]
    );
    assert_eq!(layout.columns[1].candidates, strs(&["户主姓名"]));
    assert_eq!(
        layout.columns[2].candidates,
        strs(&["家庭成员情况姓名", "姓名", "家庭成员情况"])
    );
    // Merged data cells: the value only in the top-left cell.
    let member = &rows[layout.data_start_index + 1];
    assert_eq!(member.number, 6);
    assert_eq!(member.cells[..3], strs(&["", "", "李梅"])[..]);
}

#[test]
fn round_trip_through_our_xlsx_writer() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("out.xlsx");
    let mut w = xlsx_writer(&p).unwrap();
    w.begin_table(
        "名单",
        &[
            "姓名",
            "证件号码",
            "备注",
            "电话",
            "出生日期",
            "人数",
            "面积",
        ],
    )
    .unwrap();
    let date = NaiveDate::from_ymd_opt(1949, 12, 31).unwrap();
    let row = vec![
        Cell::Text("张三".into()),
        Cell::Text("11010519491231002X".into()),
        Cell::Text("=1+1".into()),
        Cell::Text("+86 138".into()),
        Cell::Date(date),
        Cell::Int(3),
        Cell::Number(1.25),
    ];
    w.write_row(&row).unwrap();
    w.write_row(&[
        Cell::Text("@李四".into()),
        Cell::Empty,
        Cell::Text("-".into()),
    ])
    .unwrap();
    w.finish().unwrap();

    let rows = rows_of(&p, 0);
    assert_eq!(
        rows,
        vec![
            (
                1,
                strs(&[
                    "姓名",
                    "证件号码",
                    "备注",
                    "电话",
                    "出生日期",
                    "人数",
                    "面积"
                ])
            ),
            (
                2,
                strs(&[
                    "张三",
                    "11010519491231002X",
                    "=1+1",
                    "+86 138",
                    "1949-12-31",
                    "3",
                    "1.25"
                ])
            ),
            (3, strs(&["@李四", "", "-"])),
        ]
    );
    // The formula-like text is stored as a string, not a formula.
    let mut wb = Workbook::open(&p, &ReadOptions::default()).unwrap();
    assert_eq!(wb.sheet_names(), vec!["名单".to_string()]);
    let bytes = std::fs::read(&p).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut xml,
    )
    .unwrap();
    assert!(!xml.contains("<f>"), "{xml}");
    assert!(wb.rows(1).is_err());

    // The same rows through CSV read back identically.
    let c = dir.path().join("out.csv");
    let mut w = csv_writer(&c).unwrap();
    w.begin_table(
        "名单",
        &[
            "姓名",
            "证件号码",
            "备注",
            "电话",
            "出生日期",
            "人数",
            "面积",
        ],
    )
    .unwrap();
    w.write_row(&row).unwrap();
    w.write_row(&[
        Cell::Text("@李四".into()),
        Cell::Empty,
        Cell::Text("-".into()),
    ])
    .unwrap();
    assert!(w.begin_table("again", &["x"]).is_err());
    w.finish().unwrap();
    let raw = std::fs::read(&c).unwrap();
    assert!(raw.starts_with(b"\xEF\xBB\xBF"));
    assert!(String::from_utf8_lossy(&raw).contains("'=1+1"));
    assert_eq!(rows_of(&c, 0), rows);
}

#[test]
fn splitting_at_a_small_limit() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("split.xlsx");
    let mut w = xlsx_writer_with_limit(&p, 3).unwrap();
    w.begin_table("名单", &["序号", "姓名"]).unwrap();
    for i in 1..=7 {
        w.write_row(&[Cell::Int(i), Cell::Text(format!("人{i}"))])
            .unwrap();
    }
    w.begin_table("其他", &["a"]).unwrap();
    w.write_row(&[Cell::Number(0.5)]).unwrap();
    w.finish().unwrap();

    let wb = Workbook::open(&p, &ReadOptions::default()).unwrap();
    assert_eq!(
        wb.sheet_names(),
        strs(&["名单", "名单(2)", "名单(3)", "其他"])
    );
    let sizes: Vec<_> = (0..4).map(|i| rows_of(&p, i)).collect();
    assert_eq!(sizes[0].len(), 4);
    assert_eq!(sizes[1][0].1, strs(&["序号", "姓名"]));
    assert_eq!(sizes[1][1].1, strs(&["4", "人4"]));
    assert_eq!(
        sizes[2],
        vec![(1, strs(&["序号", "姓名"])), (2, strs(&["7", "人7"]))]
    );
    assert_eq!(sizes[3][1].1, strs(&["0.5"]));
}

#[test]
fn numeric_id_reads_as_lossy_digits_and_dates() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("n.xlsx");
    let mut book = XWorkbook::new();
    let sheet = book.add_worksheet();
    sheet.write_number(0, 0, 430102197001011234.0).unwrap();
    sheet.write_number(0, 1, 45293.0).unwrap(); // a serial number without date format
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
    let dt = ExcelDateTime::from_ymd(2024, 1, 2).unwrap();
    sheet
        .write_datetime_with_format(0, 2, dt, &date_fmt)
        .unwrap();
    let dtf = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let dt = ExcelDateTime::parse_from_str("2024-01-02 10:30:00").unwrap();
    sheet.write_datetime_with_format(0, 3, dt, &dtf).unwrap();
    sheet.write_number(0, 4, 0.1 + 0.2).unwrap();
    sheet.write_boolean(0, 5, true).unwrap();
    sheet.write_number(0, 6, 3.0).unwrap();
    book.save(&p).unwrap();
    assert_eq!(
        rows_of(&p, 0)[0].1,
        strs(&[
            "430102197001011000",
            "45293",
            "2024-01-02",
            "2024-01-02 10:30:00",
            "0.3",
            "TRUE",
            "3"
        ])
    );
}

#[test]
fn formulas_read_as_cached_values_and_errors_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("f.xlsx");
    let mut book = XWorkbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "姓名").unwrap();
    sheet
        .write_formula(1, 0, Formula::new("=1+1").set_result("2"))
        .unwrap();
    sheet
        .write_formula(1, 1, Formula::new("=\"张\"&\"三\"").set_result("张三"))
        .unwrap();
    sheet
        .write_formula(3, 2, Formula::new("=NA()").set_result("#N/A"))
        .unwrap();
    book.save(&p).unwrap();

    let mut wb = Workbook::open(&p, &ReadOptions::default()).unwrap();
    let mut it = wb.rows(0).unwrap();
    assert_eq!(it.next().unwrap().unwrap().cells, strs(&["姓名"]));
    let r = it.next().unwrap().unwrap();
    assert_eq!((r.number, r.cells), (2, strs(&["2", "张三"])));
    let e = it.next().unwrap().unwrap_err();
    assert_eq!((e.row, e.column.as_deref()), (Some(4), Some("C")));
    assert!(e.message.contains("#N/A"), "{e}");
    assert!(it.next().is_none());
}

#[test]
fn sheet_starting_below_row_one_keeps_physical_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("late.xlsx");
    let mut book = XWorkbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(9, 3, "姓名").unwrap();
    sheet.write_string(10, 3, "张三").unwrap();
    book.save(&p).unwrap();
    assert_eq!(
        rows_of(&p, 0),
        vec![
            (10, strs(&["", "", "", "姓名"])),
            (11, strs(&["", "", "", "张三"]))
        ]
    );
}

fn small_xlsx(dir: &std::path::Path) -> Vec<u8> {
    let p = dir.join("small.xlsx");
    let mut w = xlsx_writer(&p).unwrap();
    w.begin_table("表", &["姓名", "证件号码"]).unwrap();
    for i in 0..200 {
        w.write_row(&[Cell::Text(format!("人{i}")), Cell::Int(i)])
            .unwrap();
    }
    w.finish().unwrap();
    std::fs::read(p).unwrap()
}

#[test]
fn truncated_xlsx_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = small_xlsx(dir.path());
    let p = write(dir.path(), "cut.xlsx", &bytes[..bytes.len() / 2]);
    let e = first_error(&p, &ReadOptions::default());
    assert!(e.message.contains("文件不完整或已损坏"), "{e}");
    // Also with the extension of a CSV: the content decides.
    let p = write(dir.path(), "cut.csv", &bytes[..bytes.len() / 2]);
    assert!(
        first_error(&p, &ReadOptions::default())
            .message
            .contains("xlsx")
    );
    let p = write(dir.path(), "whole.csv", &bytes);
    assert_eq!(
        Workbook::open(&p, &ReadOptions::default()).unwrap().kind(),
        FileKind::Xlsx
    );
}

fn zip_with_zeros(path: &std::path::Path, mib: usize) {
    let f = std::fs::File::create(path).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    z.start_file("[Content_Types].xml", opts).unwrap();
    z.write_all(b"<Types/>").unwrap();
    z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
    let chunk = vec![0u8; 1024 * 1024];
    for _ in 0..mib {
        z.write_all(&chunk).unwrap();
    }
    z.finish().unwrap();
}

#[test]
fn zip_bomb_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bomb.xlsx");
    zip_with_zeros(&p, 24);
    let e = first_error(&p, &ReadOptions::default());
    assert!(e.message.contains("压缩炸弹"), "{e}");

    // The total limit, with a smaller limit standing in for 1 GiB.
    let p = dir.path().join("big.xlsx");
    zip_with_zeros(&p, 3);
    let opts = ReadOptions {
        max_uncompressed_bytes: 2 * 1024 * 1024,
        ..ReadOptions::default()
    };
    let e = first_error(&p, &opts);
    assert!(e.message.contains("压缩炸弹"), "{e}");
}

#[test]
fn fake_xls_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bytes.extend(std::iter::repeat_n(0x41u8, 2000));
    let p = write(dir.path(), "fake.xls", &bytes);
    let e = first_error(&p, &ReadOptions::default());
    assert!(e.message.contains("xls"), "{e}");
}
