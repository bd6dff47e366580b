//! Large-file checks, ignored by default (slow). Run with
//! `cargo test -p bangfu-sheets --release --test large_files -- --ignored --nocapture`
//! under `/usr/bin/time -v` to see that memory stays flat.

mod common;

use bangfu_sheets::{Cell, ReadOptions, Workbook, xlsx_writer};
use std::io::Write;

#[test]
#[ignore]
fn csv_of_200_mb_streams() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.csv");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
        writeln!(f, "姓名,证件号码,地址,备注").unwrap();
        for i in 0..2_000_000u64 {
            writeln!(
                f,
                "张三{i},11010519491231002X,\"某某县某某乡\n某某村{i}组\",备注备注备注备注"
            )
            .unwrap();
        }
    }
    let mut wb = Workbook::open(&p, &ReadOptions::default()).unwrap();
    let mut n = 0u64;
    let mut last = 0;
    for r in wb.rows(0).unwrap() {
        let r = r.unwrap();
        last = r.number;
        n += 1;
    }
    assert_eq!((n, last), (2_000_001, 2_000_001));
}

#[test]
#[ignore]
fn xlsx_of_a_million_rows() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.xlsx");
    let mut w = xlsx_writer(&p).unwrap();
    w.begin_table("名单", &["序号", "姓名", "证件号码", "金额"])
        .unwrap();
    for i in 0..1_000_000i64 {
        w.write_row(&[
            Cell::Int(i),
            Cell::Text(format!("张三{i}")),
            Cell::Text("11010519491231002X".into()),
            Cell::Number(i as f64 / 4.0),
        ])
        .unwrap();
    }
    w.finish().unwrap();
    let mut wb = Workbook::open(&p, &ReadOptions::default()).unwrap();
    assert_eq!(wb.rows(0).unwrap().count(), 1_000_001);
}
