//! Files the importer must refuse: each gets a clear Chinese message naming the file (and the row and
//! column where there is one), nothing is written, no import batch is committed, nothing panics.

mod import_support;

use bangfu_exchange::export::Format;
use bangfu_exchange::import::ImportError;
use bangfu_testkit::*;
use import_support::*;
use rust_xlsxwriter::{Formula, Workbook};
use std::path::Path;

/// The message an import gives for a file it refuses, whether it stops before reading rows
/// (`ImportError::File`) or on the way (a report that was not committed). Asserts nothing was written.
fn refusal(db: &mut TestDb, path: &Path) -> String {
    let file = path.file_name().unwrap().to_string_lossy().into_owned();
    let msg = match try_import(&mut db.store, &request(path)) {
        Err(ImportError::File(m)) => m,
        Err(e) => panic!("{}: {file}: expected a file problem, got {e}", db.name),
        Ok(r) => {
            assert!(!r.committed, "{}: {file}: the import was committed", db.name);
            assert!(!r.issues.is_empty(), "{}: {file}: refused without a reason", db.name);
            format!("{}：{}", r.file, r.issues.iter().map(|i| i.to_string()).collect::<Vec<_>>().join("；"))
        }
    };
    assert!(msg.contains(&file), "{}: the message names the file {file}: {msg}", db.name);
    assert!(!msg.contains("工作表 ："), "{}: {file}: an empty sheet name is shown as a place: {msg}", db.name);
    assert!(!msg.contains("读取失败"), "{}: {file}: the reader gave up without saying why (a panic?): {msg}", db.name);
    assert_nothing_written(db, &file);
    msg
}

fn expect(msg: &str, parts: &[&str], who: &str) {
    for p in parts {
        assert!(msg.contains(p), "{who}: message lacks “{p}”: {msg}");
    }
}

fn plain_xlsx(path: &Path, p: &Plain) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in p.header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in p.rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, v).unwrap();
        }
    }
    wb.save(path).unwrap();
}

#[test]
fn an_empty_file_is_refused_as_empty() {
    for mut db in backends() {
        let path = write_file(db.dir.path(), "空白.csv", b"");
        let msg = refusal(&mut db, &path);
        expect(&msg, &["文件是空的"], db.name);
        let path = write_file(db.dir.path(), "only-bom.csv", b"\xEF\xBB\xBF\r\n ,,\r\n");
        let msg = refusal(&mut db, &path);
        expect(&msg, &["空"], db.name);
    }
}

#[test]
fn random_binary_is_refused_as_not_a_spreadsheet() {
    for mut db in backends() {
        let mut x: u32 = 12345;
        let bytes: Vec<u8> = (0..20_000)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (x >> 16) as u8
            })
            .collect();
        assert!(bytes.contains(&0) && !bytes.starts_with(b"PK"));
        let path = write_file(db.dir.path(), "photo.jpg.xlsx", &bytes);
        let msg = refusal(&mut db, &path);
        expect(&msg, &["不是表格"], db.name);
        // high bytes without NULs decode as some text and still find no header
        let text: Vec<u8> = bytes.iter().map(|b| b | 0x80).collect();
        let path = write_file(db.dir.path(), "garbage.csv", &text);
        let msg = refusal(&mut db, &path);
        expect(&msg, &["表头"], db.name);
    }
}

#[test]
fn a_truncated_xlsx_is_refused_as_incomplete() {
    for mut db in backends() {
        let full = db.dir.path().join("full.xlsx");
        plain_xlsx(&full, &Plain::new(1));
        let bytes = std::fs::read(&full).unwrap();
        let path = write_file(db.dir.path(), "cut.xlsx", &bytes[..bytes.len() * 6 / 10]);
        let msg = refusal(&mut db, &path);
        expect(&msg, &["不完整或已损坏"], db.name);
    }
}

#[test]
fn a_damaged_xls_is_refused_with_advice_to_save_it_again() {
    for mut db in backends() {
        let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        bytes.extend((0..3000u32).map(|i| (i * 7 % 251) as u8));
        let path = write_file(db.dir.path(), "旧表.xls", &bytes);
        let msg = refusal(&mut db, &path);
        expect(&msg, &["xls", "另存为"], db.name);
    }
}

/// A zip whose central directory declares the given (uncompressed size, compressed bytes) per entry;
/// the data is filler. Cheap to build, however large the declared sizes.
fn zip_declaring(entries: &[(String, u32, usize)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    let le16 = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_le_bytes());
    let le32 = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&x.to_le_bytes());
    for (name, size, compressed) in entries {
        let offset = out.len() as u32;
        le32(&mut out, 0x0403_4b50);
        le16(&mut out, 20);
        le16(&mut out, 0);
        le16(&mut out, 8);
        le16(&mut out, 0);
        le16(&mut out, 0x21);
        le32(&mut out, 0);
        le32(&mut out, *compressed as u32);
        le32(&mut out, *size);
        le16(&mut out, name.len() as u16);
        le16(&mut out, 0);
        out.extend_from_slice(name.as_bytes());
        out.extend(std::iter::repeat_n(0x5Au8, *compressed));
        le32(&mut central, 0x0201_4b50);
        le16(&mut central, 20);
        le16(&mut central, 20);
        le16(&mut central, 0);
        le16(&mut central, 8);
        le16(&mut central, 0);
        le16(&mut central, 0x21);
        le32(&mut central, 0);
        le32(&mut central, *compressed as u32);
        le32(&mut central, *size);
        le16(&mut central, name.len() as u16);
        le16(&mut central, 0);
        le16(&mut central, 0);
        le16(&mut central, 0);
        le16(&mut central, 0);
        le32(&mut central, 0);
        le32(&mut central, offset);
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    le32(&mut out, 0x0605_4b50);
    le16(&mut out, 0);
    le16(&mut out, 0);
    le16(&mut out, entries.len() as u16);
    le16(&mut out, entries.len() as u16);
    le32(&mut out, central.len() as u32);
    le32(&mut out, cd_offset);
    le16(&mut out, 0);
    out
}

#[test]
fn a_zip_bomb_posing_as_xlsx_is_refused_before_anything_is_inflated() {
    for mut db in backends() {
        // one sheet that would inflate to 1.1 GiB from 64 KiB
        let bomb = zip_declaring(&[("[Content_Types].xml".into(), 100, 100), ("xl/worksheets/sheet1.xml".into(), 1_181_116_006, 65_536)]);
        let path = write_file(db.dir.path(), "bomb.xlsx", &bomb);
        let msg = refusal(&mut db, &path);
        expect(&msg, &["压缩炸弹"], db.name);
        // many parts at a modest ratio (under 200:1) that together exceed the 8 GiB limit
        let parts: Vec<(String, u32, usize)> = (0..18).map(|i| (format!("xl/media/image{i}.png"), 480 << 20, 2600 << 10)).collect();
        let path = write_file(db.dir.path(), "huge.xlsx", &zip_declaring(&parts));
        let msg = refusal(&mut db, &path);
        expect(&msg, &["上限"], db.name);
    }
}

#[test]
fn an_unbalanced_quote_names_the_row_where_the_field_opens() {
    for mut db in backends() {
        let p = Plain::new(2);
        // unquoted CSV; on row 4 of the file a name opens a quote that never closes
        let mut text = p.header.join(",") + "\r\n";
        for (i, r) in p.rows.iter().enumerate() {
            let mut r = r.clone();
            if i == 2 {
                r[p.col("姓名")] = format!("\"{}", r[p.col("姓名")]);
            }
            text.push_str(&r.join(","));
            text.push_str("\r\n");
        }
        let path = write_file(db.dir.path(), "quotes.csv", text.as_bytes());
        let msg = refusal(&mut db, &path);
        expect(&msg, &["引号不配对", "第 4 行"], db.name);
    }
}

#[test]
fn an_over_long_cell_is_refused_with_its_row_and_column_near_the_top_or_far_down() {
    for mut db in backends() {
        let long = "张".repeat(33_000);
        let mut p = Plain::new(3);
        p.set(1, "姓名", &long);
        let path = p.write_csv(db.dir.path(), "long-cell.csv");
        let msg = refusal(&mut db, &path);
        expect(&msg, &["过长", "第 3 行", "E"], db.name);

        // far below the rows the header is looked for in: the reader has already started sending households
        let mut scratch = TestDb::sqlite().with_demo_regions();
        let docs = demo_docs(40, 21);
        let demo = db.dir.path().join("demo.csv");
        write_docs(&mut scratch.store, &demo, Format::Csv, &docs);
        let rows = docs.iter().map(|d| d.members.len()).sum::<usize>();
        assert!(rows > 80, "{}: {rows} rows", db.name);
        let path = db.dir.path().join("long-cell-far-down.csv");
        rewrite_csv(&demo, &path, |header, data| {
            let c = header.iter().position(|h| h == "姓名").unwrap();
            data[78][c] = long.clone();
        });
        let msg = refusal(&mut db, &path);
        expect(&msg, &["过长", "第 80 行"], db.name);
    }
}

#[test]
fn sixty_one_title_rows_hide_the_header_and_say_where_it_was_looked_for() {
    for mut db in backends() {
        let p = Plain::new(4);
        let mut text: String = (1..=61).map(|i| format!("\"说明第{i}条：本表由村委会填写\"\r\n")).collect();
        text.push_str(&p.to_csv());
        let path = write_file(db.dir.path(), "preamble.csv", text.as_bytes());
        let msg = refusal(&mut db, &path);
        expect(&msg, &["没有找到表头", "60"], db.name);
    }
}

#[test]
fn formulas_are_read_as_their_cached_values_and_an_error_value_is_refused_with_its_cell() {
    for mut db in backends() {
        // an error value (#N/A from a failed VLOOKUP) in 证件号码
        let p = Plain::new(6);
        let path = db.dir.path().join("na.xlsx");
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in p.header.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        let id = p.col("证件号码");
        for (r, row) in p.rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if c == id && r == 2 {
                    ws.write_formula(r as u32 + 1, c as u16, Formula::new("=VLOOKUP(E4,名单!A:B,2,FALSE)").set_result("#N/A")).unwrap();
                } else {
                    ws.write_string(r as u32 + 1, c as u16, v).unwrap();
                }
            }
        }
        wb.save(&path).unwrap();
        let msg = refusal(&mut db, &path);
        expect(&msg, &["#N/A", "第 4 行", "F"], db.name);

        // formulas with cached results: what Excel shows is what is imported
        let p = Plain::new(5);
        let path = db.dir.path().join("formulas.xlsx");
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in p.header.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        let land = p.col("耕地面积(亩)");
        let ty = p.col("户类型");
        for (r, row) in p.rows.iter().enumerate() {
            let r1 = r as u32 + 1;
            for (c, v) in row.iter().enumerate() {
                if c == land {
                    ws.write_formula(r1, c as u16, Formula::new(format!("=0+{v}")).set_result(v.as_str())).unwrap();
                } else if c == ty && r > 0 {
                    ws.write_formula(r1, c as u16, Formula::new(format!("=D{}", r1)).set_result(v.as_str())).unwrap();
                } else {
                    ws.write_string(r1, c as u16, v).unwrap();
                }
            }
        }
        wb.save(&path).unwrap();
        let report = import(&mut db, &path);
        assert!(report.committed && report.issues.is_empty(), "{}: {:?}", db.name, report.issues.iter().map(|i| i.to_string()).collect::<Vec<_>>());
        p.expect_in(&mut db.store, &format!("{}: formulas", db.name));
    }
}

#[test]
fn a_file_with_no_header_row_says_which_column_names_are_needed() {
    for mut db in backends() {
        let p = Plain::new(7);
        let rows: Vec<Vec<&str>> = p.rows.iter().map(|r| r.iter().map(String::as_str).collect()).collect();
        let path = write_file(db.dir.path(), "no-header.csv", csv_text(&rows).as_bytes());
        let msg = refusal(&mut db, &path);
        expect(&msg, &["没有找到表头", "证件号码"], db.name);
    }
}

fn without_columns(p: &Plain, names: &[&str]) -> String {
    let keep: Vec<usize> = (0..p.header.len()).filter(|i| !names.contains(&p.header[*i])).collect();
    let mut all: Vec<Vec<&str>> = vec![keep.iter().map(|i| p.header[*i]).collect()];
    for r in &p.rows {
        all.push(keep.iter().map(|i| r[*i].as_str()).collect());
    }
    csv_text(&all)
}

#[test]
fn a_file_without_the_id_relation_or_place_columns_is_refused_naming_what_is_missing() {
    for mut db in backends() {
        let p = Plain::new(8);
        let path = write_file(db.dir.path(), "no-id.csv", without_columns(&p, &["证件号码"]).as_bytes());
        let msg = refusal(&mut db, &path);
        expect(&msg, &["缺少", "证件号码"], db.name);
        let path = write_file(db.dir.path(), "no-relation.csv", without_columns(&p, &["与户主关系"]).as_bytes());
        let msg = refusal(&mut db, &path);
        expect(&msg, &["缺少必需的列", "与户主关系"], db.name);
        let path = write_file(db.dir.path(), "no-village.csv", without_columns(&p, &["乡", "村"]).as_bytes());
        let msg = refusal(&mut db, &path);
        expect(&msg, &["缺少必需的列", "区划代码"], db.name);
    }
}
