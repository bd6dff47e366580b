//! The layouts officials' files really come in: encodings, title rows, merged two-row headers,
//! shuffled and variant column names, household fields on the head's row only, separate household
//! and member sheets, the national monitoring system's export, HTML saved as ".xls", messy IDs and
//! dates, unknown and duplicate columns. Each file holds the same households and must import alike.

mod import_support;

use bangfu_domain::fields::{HouseholdField as HF, MemberField as MF};
use bangfu_domain::value::Value;
use bangfu_domain::ResidentId;
use bangfu_store::P;
use bangfu_testkit::*;
use chrono::NaiveDate;
use import_support::*;
use rust_xlsxwriter::{Format, Workbook};
use std::path::{Path, PathBuf};

type Grid = Vec<Vec<String>>;

fn grid(p: &Plain) -> Grid {
    let mut g: Grid = vec![p.header.iter().map(|s| s.to_string()).collect()];
    g.extend(p.rows.iter().cloned());
    g
}

fn strings(row: &[&str]) -> Vec<String> {
    row.iter().map(|s| s.to_string()).collect()
}

/// Writes sheets of text cells (empty cells are left blank).
fn write_xlsx(path: &Path, sheets: &[(&str, &Grid)]) -> PathBuf {
    let mut wb = Workbook::new();
    for (name, g) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name).expect("sheet name");
        for (r, row) in g.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string(r as u32, c as u16, v).expect("write");
                }
            }
        }
    }
    wb.save(path).expect("save xlsx");
    path.to_path_buf()
}

fn csv_of(g: &Grid) -> String {
    let rows: Vec<Vec<&str>> = g.iter().map(|r| r.iter().map(String::as_str).collect()).collect();
    csv_text(&rows)
}

/// Imports and checks the file was taken whole, without problems.
fn import_clean(db: &mut TestDb, path: &Path, who: &str) -> bangfu_exchange::ImportReport {
    let report = import(db, path);
    assert!(report.issues.is_empty(), "{who}: problems: {:#?}", report.issues.iter().map(|i| i.to_string()).collect::<Vec<_>>());
    assert!(report.committed, "{who}: not committed");
    report
}

fn plain_import(db: &mut TestDb, plain: &Plain, path: &Path, what: &str) -> bangfu_exchange::ImportReport {
    let who = format!("{}: {what}", db.name);
    let report = import_clean(db, path, &who);
    assert_eq!(report.households_in_file, 3, "{who}");
    assert_eq!(report.written.households_created, 3, "{who}: {:?}", report.written);
    plain.expect_in(&mut db.store, &who);
    report
}

#[test]
fn csv_files_in_every_encoding_officials_save_import_alike() {
    for mut db in backends() {
        let dir = db.dir.path().to_path_buf();
        // UTF-8 with BOM (what Excel's "CSV UTF-8" writes)
        let p = Plain::new(1);
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend(p.to_csv().as_bytes());
        let r = plain_import(&mut db, &p, &write_file(&dir, "bom.csv", &bytes), "UTF-8 with BOM");
        assert_eq!((r.kind.as_str(), r.encoding.as_deref()), ("CSV", Some("UTF-8")), "{}", db.name);
        // UTF-8 without BOM
        let p = Plain::new(2);
        let r = plain_import(&mut db, &p, &p.write_csv(&dir, "nobom.csv"), "UTF-8 without BOM");
        assert_eq!(r.encoding.as_deref(), Some("UTF-8"), "{}", db.name);
        // GBK (what Excel's plain "CSV" writes on a Chinese Windows)
        let p = Plain::new(3);
        let text = p.to_csv();
        let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
        assert!(!unmappable);
        let r = plain_import(&mut db, &p, &write_file(&dir, "gbk.csv", &gbk), "GBK");
        assert!(matches!(r.encoding.as_deref(), Some("GB18030") | Some("GBK")), "{}: {:?}", db.name, r.encoding);
        // tab-separated UTF-16LE ("Unicode text")
        let p = Plain::new(4);
        let mut text = p.header.join("\t");
        text.push_str("\r\n");
        for r in &p.rows {
            text.push_str(&r.join("\t"));
            text.push_str("\r\n");
        }
        let mut utf16 = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        let r = plain_import(&mut db, &p, &write_file(&dir, "unicode.txt", &utf16), "UTF-16LE, tab-separated");
        assert_eq!(r.encoding.as_deref(), Some("UTF-16LE"), "{}", db.name);
        assert_eq!(household_rows(&mut db.store), 12, "{}: four files of three households", db.name);
    }
}

#[test]
fn title_rows_above_the_header_even_thirty_of_them_are_skipped_in_csv_and_xlsx() {
    for mut db in backends() {
        let dir = db.dir.path().to_path_buf();
        let (_, village, _) = first_village();
        let titles = [vec![format!("{village}建档立卡贫困户花名册")], vec!["填报单位：青山县乡村振兴局".to_string(), String::new(), String::new(), "填报日期：2024年6月1日".to_string()]];
        let p = Plain::new(5);
        let mut g: Grid = titles.to_vec();
        g.extend(grid(&p));
        let path = write_file(&dir, "titled.csv", csv_of(&g).as_bytes());
        plain_import(&mut db, &p, &path, "CSV with two title rows");
        let p = Plain::new(6);
        let mut g: Grid = titles.to_vec();
        g.push(Vec::new()); // an empty row between titles and header
        g.extend(grid(&p));
        let path = write_xlsx(&dir.join("titled.xlsx"), &[("花名册", &g)]);
        plain_import(&mut db, &p, &path, "xlsx with title rows and a blank row");
        // thirty lines of instructions still leave the header within the rows searched
        let p = Plain::new(7);
        let mut g: Grid = (1..=30).map(|i| vec![format!("说明第{i}条：本表由村委会填写，数据截至2024年6月1日")]).collect();
        g.extend(grid(&p));
        let path = write_file(&dir, "long-preamble.csv", csv_of(&g).as_bytes());
        plain_import(&mut db, &p, &path, "30 title rows");
    }
}

#[test]
fn a_two_row_merged_header_is_read_as_group_and_sub_headers() {
    for mut db in backends() {
        let p = Plain::new(8);
        let path = db.dir.path().join("merged.xlsx");
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        let f = Format::new();
        ws.merge_range(0, 0, 0, 8, "青山县建档立卡户家庭成员花名册", &f).unwrap();
        // household columns span both header rows; member columns sit under a group header
        let household_cols = [(0, "乡"), (1, "村"), (2, "户编号"), (3, "户类型"), (7, "联系电话"), (8, "耕地面积（亩）")];
        for (c, h) in household_cols {
            ws.merge_range(1, c, 2, c, h, &f).unwrap();
        }
        ws.merge_range(1, 4, 1, 6, "家庭成员情况", &f).unwrap();
        for (c, h) in [(4, "姓名"), (5, "证件号码"), (6, "与户主关系")] {
            ws.write_string(2, c, h).unwrap();
        }
        let order = ["乡", "村", "户编号", "户类型", "姓名", "证件号码", "与户主关系", "联系电话", "耕地面积(亩)"];
        for (r, row) in p.rows.iter().enumerate() {
            for (c, name) in order.iter().enumerate() {
                ws.write_string(3 + r as u32, c as u16, &row[p.col(name)]).unwrap();
            }
        }
        wb.save(&path).unwrap();
        plain_import(&mut db, &p, &path, "two-row merged header");
    }
}

#[test]
fn shuffled_columns_with_variant_names_and_line_breaks_are_recognised() {
    for mut db in backends() {
        let dir = db.dir.path().to_path_buf();
        // (header as written, canonical column)
        let layout = [
            ("耕地面积（亩）", "耕地面积(亩)"),
            ("身份证号", "证件号码"),
            ("行政村", "村"),
            ("户\n编号", "户编号"),
            ("与户主的关系", "与户主关系"),
            ("乡(镇)", "乡"),
            ("姓 名", "姓名"),
            ("户类型 ", "户类型"),
            ("联系\r\n电话", "联系电话"),
        ];
        for (tag, file) in [(9, "shuffled.csv"), (10, "shuffled.xlsx")] {
            let p = Plain::new(tag);
            let mut g: Grid = vec![layout.iter().map(|(h, _)| h.to_string()).collect()];
            for r in &p.rows {
                g.push(layout.iter().map(|(_, c)| r[p.col(c)].clone()).collect());
            }
            let path = if file.ends_with(".csv") { write_file(&dir, file, csv_of(&g).as_bytes()) } else { write_xlsx(&dir.join(file), &[("Sheet1", &g)]) };
            let report = plain_import(&mut db, &p, &path, file);
            assert!(report.warnings.is_empty(), "{}: {file}: every column is known: {:?}", db.name, report.warnings);
        }
    }
}

#[test]
fn household_fields_written_only_on_the_heads_row_apply_to_the_whole_household() {
    for mut db in backends() {
        let dir = db.dir.path().to_path_buf();
        let household_cols = ["乡", "村", "户类型", "联系电话", "耕地面积(亩)"];
        // 户编号 on every row, the other household fields on the head's row only
        let p = Plain::new(11);
        let mut sparse = p.clone();
        for r in sparse.rows.iter_mut() {
            if r[p.col("与户主关系")] != "户主" {
                for c in household_cols {
                    r[p.col(c)] = String::new();
                }
            }
        }
        plain_import(&mut db, &p, &sparse.write_csv(&dir, "head-row.csv"), "household fields on the head's row");
        // even 户编号 only on the head's row: the next 户主 starts the next household
        let p = Plain::new(12);
        let mut sparse = p.clone();
        for r in sparse.rows.iter_mut() {
            if r[p.col("与户主关系")] != "户主" {
                for c in household_cols.iter().chain(&["户编号"]) {
                    r[p.col(c)] = String::new();
                }
            }
        }
        let path = write_xlsx(&dir.join("head-row-only.xlsx"), &[("Sheet1", &grid(&sparse))]);
        plain_import(&mut db, &p, &path, "every household field on the head's row only");
    }
}

#[test]
fn a_households_sheet_and_a_members_sheet_are_linked_by_household_number() {
    for mut db in backends() {
        let p = Plain::new(13);
        let mut households: Grid = vec![strings(&["户编号", "乡", "村", "户类型", "联系电话", "耕地面积(亩)"])];
        for no in p.numbers() {
            let r = p.rows.iter().find(|r| r[p.col("户编号")] == no).unwrap();
            households.push(["户编号", "乡", "村", "户类型", "联系电话", "耕地面积(亩)"].iter().map(|c| r[p.col(c)].clone()).collect());
        }
        let mut members: Grid = vec![strings(&["户编号", "姓名", "证件号码", "与户主关系"])];
        for r in &p.rows {
            members.push(["户编号", "姓名", "证件号码", "与户主关系"].iter().map(|c| r[p.col(c)].clone()).collect());
        }
        let path = write_xlsx(&db.dir.path().join("two-sheets.xlsx"), &[("户信息", &households), ("成员信息", &members)]);
        plain_import(&mut db, &p, &path, "households sheet + members sheet");
    }
}

#[test]
fn a_households_sheet_and_a_members_sheet_are_linked_by_the_heads_id_when_there_is_no_number() {
    for mut db in backends() {
        let p = Plain::new(20);
        let heads: Vec<&Vec<String>> = p.rows.iter().filter(|r| r[p.col("与户主关系")] == "户主").collect();
        let mut households: Grid = vec![strings(&["户主身份证号", "乡", "村", "户类型", "联系电话", "耕地面积(亩)"])];
        for r in &heads {
            // the head's ID spelled differently on the households sheet
            let id = r[p.col("证件号码")].replace('X', "x");
            let mut row = vec![format!("{} {}", &id[..6], &id[6..])];
            row.extend(["乡", "村", "户类型", "联系电话", "耕地面积(亩)"].iter().map(|c| r[p.col(c)].clone()));
            households.push(row);
        }
        let mut members: Grid = vec![strings(&["户主证件号码", "姓名", "证件号码", "与户主关系"])];
        let mut head = String::new();
        for r in &p.rows {
            if r[p.col("与户主关系")] == "户主" {
                head = r[p.col("证件号码")].clone();
            }
            let mut row = vec![head.clone()];
            row.extend(["姓名", "证件号码", "与户主关系"].iter().map(|c| r[p.col(c)].clone()));
            members.push(row);
        }
        let path = write_xlsx(&db.dir.path().join("by-head.xlsx"), &[("户", &households), ("人", &members)]);
        let who = format!("{}: sheets linked by the head's ID", db.name);
        let report = import_clean(&mut db, &path, &who);
        assert_eq!(report.written.households_created, 3, "{who}");
        let docs = load_all(&mut db.store);
        assert_eq!(docs.len(), 3, "{who}");
        let mut sizes = Vec::new();
        for h in &heads {
            let id = h[p.col("证件号码")].as_str();
            let d = docs.iter().find(|d| d.head().map(|m| m.resident_id.as_str()) == Some(id)).unwrap_or_else(|| panic!("{who}: no household headed by {id}"));
            let want = bangfu_domain::vocab::HOUSEHOLD_TYPE.parse(&h[p.col("户类型")]).map(|t| t.code);
            assert_eq!(d.household_type(), want, "{who}: 户类型 from the households sheet");
            assert!(matches!(d.get(HF::Phone), Value::Secret(s) if s.reveal() == h[p.col("联系电话")]), "{who}: phone from the households sheet");
            sizes.push(d.members.len());
        }
        assert_eq!(sizes, [2, 3, 1], "{who}: members grouped under their heads");
        let again = import_clean(&mut db, &path, &who);
        assert_eq!(again.written.households_unchanged, 3, "{who}: the same households are recognised by their heads: {:?}", again.written);
    }
}

#[test]
fn the_national_monitoring_systems_export_is_read_with_its_own_column_names() {
    for mut db in backends() {
        let c = bangfu_demo::demo_county();
        let (township, village, code) = first_village();
        let head1 = rid("19660303", 871);
        let wife1 = rid("19690909", 882);
        let head2 = rid("19500101", 893);
        let header = strings(&[
            "序号", "省", "市", "县", "乡", "村", "户编号", "户主姓名", "户主证件号码", "姓名", "证件号码", "与户主关系", "性别",
            "户类型", "监测对象类别", "致贫/返贫风险1", "致贫/返贫风险2", "识别监测时间", "风险是否已消除", "风险消除方式", "脱贫年度", "家庭人口数", "人均纯收入（元）",
        ]);
        let place = [c.province.name.clone(), c.city.name.clone(), c.county.name.clone(), township.clone(), village.clone()];
        let row = |n: &str, no: &str, head: (&str, &str), name: &str, id: &str, rel: &str, sex: &str, rest: [&str; 10]| -> Vec<String> {
            let mut v = vec![n.to_string()];
            v.extend(place.iter().cloned());
            v.extend(strings(&[no, head.0, head.1, name, id, rel, sex]));
            v.extend(strings(&rest));
            v
        };
        let monitored = ["监测户", "边缘易致贫户", "因病", "因学", "2023-05-06", "否", "", "", "2", "5321.5"];
        let exited = ["脱贫户", "", "缺技术", "", "", "", "", "2019", "1", "9800"];
        let g: Grid = vec![
            vec!["全国防止返贫监测信息系统——脱贫户和监测对象家庭成员信息".to_string()],
            vec!["导出时间：2024-06-01 10:32:05".to_string(), String::new(), "导出单位：青山县乡村振兴局".to_string()],
            header,
            row("1", "4310991012010001", ("陈建国", &head1), "陈建国", &head1, "户主", "男", monitored),
            row("2", "4310991012010001", ("陈建国", &head1), "李美华", &wife1, "配偶", "女", monitored),
            row("3", "4310991012010002", ("周德福", &head2), "周德福", &head2, "户主", "男", exited),
        ];
        let path = write_xlsx(&db.dir.path().join("全国系统导出.xlsx"), &[("Sheet1", &g)]);
        let who = format!("{}: national system export", db.name);
        let report = import_clean(&mut db, &path, &who);
        assert_eq!(report.written.households_created, 2, "{who}");
        assert!(report.warnings.iter().any(|w| w.contains("序号")), "{who}: 序号 is reported as an unknown column: {:?}", report.warnings);
        let m = household(&mut db.store, "4310991012010001").expect("monitored household");
        assert_eq!(m.get(HF::RegionCode).as_text(), Some(code.as_str()), "{who}: village from 乡/村 names");
        assert_eq!(m.household_type(), Some("monitored"), "{who}");
        assert_eq!(m.get(HF::MonitoringCategory).as_code(), Some("edge_at_risk"), "{who}");
        assert_eq!((m.get(HF::Cause1).as_code(), m.get(HF::Cause2).as_code()), (Some("illness"), Some("schooling")), "{who}");
        assert_eq!(m.get(HF::MonitoringIdentifiedOn).as_date(), NaiveDate::from_ymd_opt(2023, 5, 6), "{who}");
        assert_eq!(m.get(HF::RiskEliminated), &Value::Bool(false), "{who}");
        assert_eq!(m.get(HF::StatedSize).as_int(), Some(2), "{who}");
        assert_eq!(m.incomes.last().and_then(|i| i.amount(HF::PerCapitaNetIncome)), Some(532_150), "{who}: 人均纯收入 in fen");
        assert_eq!(m.members.len(), 2, "{who}");
        assert_eq!(m.members[1].get(MF::Sex).as_code(), Some("female"), "{who}");
        let e = household(&mut db.store, "4310991012010002").expect("exited household");
        assert_eq!((e.household_type(), e.get(HF::ExitYear).as_int()), (Some("exited"), Some(2019)), "{who}");
        let hid = db.store.conn.query_int("SELECT id FROM household WHERE household_no = '4310991012010001'", &[]).unwrap();
        let monitoring_on = db
            .store
            .conn
            .query_opt("SELECT effective_on FROM adjustment_event WHERE household_id = ? AND event_type = 'monitoring_included'", &[P::Int(hid)])
            .unwrap()
            .and_then(|r| r[0].date());
        assert_eq!(monitoring_on, NaiveDate::from_ymd_opt(2023, 5, 6), "{who}: the monitoring event is dated 识别监测时间");
    }
}

#[test]
fn an_html_table_saved_as_xls_in_gbk_with_colspan_and_rowspan_is_read() {
    for mut db in backends() {
        let p = Plain::new(14);
        let mut html = String::from(
            "<html xmlns:x=\"urn:schemas-microsoft-com:office:excel\"><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gbk\"></head><body>\n<table border=\"1\">\n",
        );
        html.push_str("<tr><td colspan=\"9\" align=\"center\">青山县建档立卡户花名册</td></tr>\n");
        html.push_str("<tr><td rowspan=\"2\">乡</td><td rowspan=\"2\">村</td><td rowspan=\"2\">户编号</td><td rowspan=\"2\">户类型</td><td colspan=\"3\">家庭成员情况</td><td rowspan=\"2\">联系电话</td><td rowspan=\"2\">耕地面积（亩）</td></tr>\n");
        html.push_str("<tr><td>姓名</td><td>证件号码</td><td>与户主关系</td></tr>\n");
        for no in p.numbers() {
            let rows: Vec<&Vec<String>> = p.rows.iter().filter(|r| r[p.col("户编号")] == no).collect();
            let span = rows.len();
            for (i, r) in rows.iter().enumerate() {
                html.push_str("<tr>");
                let member = |h: &mut String| {
                    for c in ["姓名", "证件号码", "与户主关系"] {
                        h.push_str(&format!("<td style=\"mso-number-format:'\\@'\">{}</td>", r[p.col(c)]));
                    }
                };
                if i == 0 {
                    for c in ["乡", "村", "户编号", "户类型"] {
                        html.push_str(&format!("<td rowspan=\"{span}\">{}</td>", r[p.col(c)]));
                    }
                    member(&mut html);
                    for c in ["联系电话", "耕地面积(亩)"] {
                        html.push_str(&format!("<td rowspan=\"{span}\">{}</td>", r[p.col(c)]));
                    }
                } else {
                    member(&mut html);
                }
                html.push_str("</tr>\n");
            }
        }
        html.push_str("</table></body></html>\n");
        let (gbk, _, bad) = encoding_rs::GBK.encode(&html);
        assert!(!bad);
        let path = write_file(db.dir.path(), "花名册.xls", &gbk);
        let report = plain_import(&mut db, &p, &path, "HTML table as .xls");
        assert!(report.kind.contains("HTML"), "{}: kind {}", db.name, report.kind);
        assert!(matches!(report.encoding.as_deref(), Some("GBK") | Some("GB18030")), "{}: {:?}", db.name, report.encoding);
    }
}

/// A resident ID of the demo county whose check character is X.
fn id_ending_in_x(birth: &str) -> String {
    (800..1000).map(|s| rid(birth, s)).find(|id| id.ends_with('X')).expect("an X check digit within 200 sequences")
}

fn full_width(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_digit() { char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap() } else { c }).collect()
}

#[test]
fn legacy_and_messily_typed_resident_ids_are_accepted_and_stored_normalised() {
    for mut db in backends() {
        let mut p = Plain::new(15);
        let x_id = id_ending_in_x("19700505");
        p.set(2, "证件号码", &x_id); // canonical: upper-case X
        let mut messy = p.clone();
        let id0 = p.get(0, "证件号码").to_string();
        assert!(id0.starts_with("43109919"));
        let legacy = format!("{}{}", &id0[..6], &id0[8..17]);
        assert_eq!(legacy.len(), 15);
        messy.set(0, "证件号码", &legacy);
        let id1 = p.get(1, "证件号码").to_string();
        messy.set(1, "证件号码", &format!(" {} {} {} ", &id1[..6], &id1[6..14], &id1[14..]));
        messy.set(2, "证件号码", &x_id.to_lowercase());
        messy.set(3, "证件号码", &full_width(p.get(3, "证件号码")));
        let id4 = p.get(4, "证件号码").to_string();
        messy.set(4, "证件号码", &format!("{}\u{3000}", &id4)); // trailing ideographic space
        for (tag_file, path) in [
            ("csv", messy.write_csv(db.dir.path(), "messy-ids.csv")),
            ("xlsx", write_xlsx(&db.dir.path().join("messy-ids.xlsx"), &[("Sheet1", &grid(&messy))])),
        ] {
            let who = format!("{}: messy IDs in {tag_file}", db.name);
            let report = import_clean(&mut db, &path, &who);
            if tag_file == "csv" {
                assert_eq!(report.written.households_created, 3, "{who}");
            } else {
                assert_eq!(report.written.households_unchanged, 3, "{who}: the same people, spelled differently, are the same people");
            }
            p.expect_in(&mut db.store, &who);
            let stored: Vec<String> = db.store.conn.query("SELECT resident_id FROM member ORDER BY resident_id", &[]).unwrap().iter().map(|r| r[0].string()).collect();
            assert!(stored.iter().all(|s| s.len() == 18 && ResidentId::parse(s).is_ok()), "{who}: {stored:?}");
            assert!(stored.contains(&x_id), "{who}: lower-case x stored upper-case");
        }
    }
}

fn serial(d: NaiveDate) -> i64 {
    (d - NaiveDate::from_ymd_opt(1899, 12, 30).unwrap()).num_days()
}

#[test]
fn dates_as_text_in_several_spellings_and_as_excel_serial_numbers_are_read() {
    for mut db in backends() {
        let p = Plain::new(16);
        let births = ["1965-04-12", "1968/1/1", "1970年5月5日", "19721212", "2010.8.8"];
        let last = NaiveDate::from_ymd_opt(1940, 3, 15).unwrap();
        let mut g = grid(&p);
        g[0].push("出生日期".into());
        g[0].push("识别监测时间".into());
        for (i, row) in g.iter_mut().skip(1).enumerate() {
            row.push(if i < 5 { births[i].to_string() } else { serial(last).to_string() });
            row.push(if p.rows[i][p.col("户类型")] == "监测户" { "2023/5/6".into() } else { String::new() });
        }
        let who = format!("{}: dates in CSV", db.name);
        let path = write_file(db.dir.path(), "dates.csv", csv_of(&g).as_bytes());
        plain_import(&mut db, &p, &path, "dates in CSV");
        let m = household(&mut db.store, &p.numbers()[1]).unwrap();
        assert_eq!(m.get(HF::MonitoringIdentifiedOn).as_date(), NaiveDate::from_ymd_opt(2023, 5, 6), "{who}");

        // xlsx: a plain number and a real date cell
        let p = Plain::new(17);
        let path = db.dir.path().join("dates.xlsx");
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        let mut header = p.header.clone();
        header.push("出生日期");
        for (c, h) in header.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        let date_fmt = Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
        for (r, row) in p.rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write_string(r as u32 + 1, c as u16, v).unwrap();
            }
            let birth = ResidentId::parse(&row[p.col("证件号码")]).unwrap().birth_date();
            use chrono::Datelike;
            if r % 2 == 0 {
                ws.write_number(r as u32 + 1, 9, serial(birth) as f64).unwrap();
            } else {
                let dt = rust_xlsxwriter::ExcelDateTime::from_ymd(birth.year() as u16, birth.month() as u8, birth.day() as u8).unwrap();
                ws.write_datetime_with_format(r as u32 + 1, 9, &dt, &date_fmt).unwrap();
            }
        }
        wb.save(&path).unwrap();
        plain_import(&mut db, &p, &path, "serial numbers and date cells in xlsx");
    }
}

#[test]
fn unknown_columns_are_warnings_and_a_duplicated_column_is_read_from_its_first_occurrence() {
    for mut db in backends() {
        let p = Plain::new(18);
        let mut g = grid(&p);
        g[0].insert(0, "序号".into());
        g[0].push("备注".into());
        g[0].push("联系电话".into());
        for (i, row) in g.iter_mut().skip(1).enumerate() {
            row.insert(0, (i + 1).to_string());
            row.push("已核实".into());
            row.push("13111111111".into());
        }
        let path = write_file(db.dir.path(), "extra.csv", csv_of(&g).as_bytes());
        let who = format!("{}: extra and duplicate columns", db.name);
        let report = plain_import(&mut db, &p, &path, "extra and duplicate columns");
        let unknown = report.warnings.iter().find(|w| w.contains("未识别的列")).unwrap_or_else(|| panic!("{who}: {:?}", report.warnings));
        assert!(unknown.contains("A“序号”") && unknown.contains("K“备注”"), "{who}: {unknown}");
        let dup = report.warnings.iter().find(|w| w.contains("重复")).unwrap_or_else(|| panic!("{who}: {:?}", report.warnings));
        assert!(dup.contains("L") && dup.contains("I"), "{who}: names both columns: {dup}");
        // expect_in already checked the phone came from the first 联系电话 column (I), not L's 13111111111
    }
}

/// A cell of a hand-built .xls: text (LABEL record) or number (NUMBER record).
enum XlsCell {
    Text(String),
    Number(f64),
}

fn biff_record(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
    out.extend_from_slice(&typ.to_le_bytes());
    out.extend_from_slice(&(data.len() as u16).to_le_bytes());
    out.extend_from_slice(data);
}

/// A BIFF8 workbook with one sheet, wrapped in a compound file: what Excel 97–2003 saves as .xls.
fn real_xls(sheet_name: &str, cells: &[(u16, u16, XlsCell)]) -> Vec<u8> {
    let bof = |dt: u16| -> Vec<u8> {
        let mut d = Vec::new();
        d.extend_from_slice(&0x0600u16.to_le_bytes());
        d.extend_from_slice(&dt.to_le_bytes());
        d.extend_from_slice(&0x0DBBu16.to_le_bytes()); // build
        d.extend_from_slice(&0x07CCu16.to_le_bytes()); // year
        d.extend_from_slice(&[0u8; 8]);
        d
    };
    let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    // the sheet substream
    let mut sheet = Vec::new();
    biff_record(&mut sheet, 0x0809, &bof(0x0010));
    for (r, c, v) in cells {
        let mut d = Vec::new();
        d.extend_from_slice(&r.to_le_bytes());
        d.extend_from_slice(&c.to_le_bytes());
        d.extend_from_slice(&0u16.to_le_bytes()); // XF index
        match v {
            XlsCell::Text(t) => {
                d.extend_from_slice(&(t.encode_utf16().count() as u16).to_le_bytes());
                d.push(0x01); // UTF-16
                d.extend(utf16(t));
                biff_record(&mut sheet, 0x0204, &d);
            }
            XlsCell::Number(f) => {
                d.extend_from_slice(&f.to_le_bytes());
                biff_record(&mut sheet, 0x0203, &d);
            }
        }
    }
    biff_record(&mut sheet, 0x000A, &[]);
    // the globals: BOF, codepage (UTF-16), padding (keeps the stream out of the mini stream), sheet, EOF
    let mut globals = Vec::new();
    biff_record(&mut globals, 0x0809, &bof(0x0005));
    biff_record(&mut globals, 0x0042, &1200u16.to_le_bytes());
    biff_record(&mut globals, 0x00E1, &vec![0u8; 4200]);
    let mut bound = vec![0u8; 4]; // stream offset of the sheet's BOF, filled in below
    bound.extend_from_slice(&[0, 0]); // visible worksheet
    bound.push(sheet_name.encode_utf16().count() as u8);
    bound.push(0x01);
    bound.extend(utf16(sheet_name));
    let bound_at = globals.len() + 4;
    biff_record(&mut globals, 0x0085, &bound);
    biff_record(&mut globals, 0x000A, &[]);
    let offset = globals.len() as u32;
    globals[bound_at..bound_at + 4].copy_from_slice(&offset.to_le_bytes());
    let mut stream = globals;
    stream.extend(sheet);
    let stream_len = stream.len();
    assert!(stream_len >= 4096);
    stream.resize(stream_len.div_ceil(512) * 512, 0);
    let n = stream.len() / 512;
    assert!(n + 2 <= 128, "one FAT sector is enough");

    // compound file: header, FAT (sector 0), directory (sector 1), the stream (sectors 2…)
    const END: u32 = 0xFFFF_FFFE;
    const FREE: u32 = 0xFFFF_FFFF;
    let mut header = Vec::with_capacity(512);
    header.extend_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    header.extend_from_slice(&[0u8; 16]);
    for v in [0x003Eu16, 0x0003, 0xFFFE, 0x0009, 0x0006] {
        header.extend_from_slice(&v.to_le_bytes());
    }
    header.extend_from_slice(&[0u8; 6]);
    for v in [0u32, 1, 1, 0, 0x1000, END, 0, END, 0] {
        header.extend_from_slice(&v.to_le_bytes());
    }
    header.extend_from_slice(&0u32.to_le_bytes()); // DIFAT[0]: the FAT is sector 0
    for _ in 1..109 {
        header.extend_from_slice(&FREE.to_le_bytes());
    }
    assert_eq!(header.len(), 512);
    let mut fat: Vec<u32> = vec![0xFFFF_FFFD, END];
    for i in 0..n {
        fat.push(if i + 1 == n { END } else { (i + 3) as u32 });
    }
    fat.resize(128, FREE);
    let entry = |name: &str, typ: u8, child: u32, start: u32, size: u32| -> Vec<u8> {
        let mut e = vec![0u8; 128];
        let n16 = utf16(name);
        e[..n16.len()].copy_from_slice(&n16);
        e[64..66].copy_from_slice(&((n16.len() + 2) as u16).to_le_bytes());
        e[66] = typ;
        e[67] = 1; // black
        e[68..72].copy_from_slice(&FREE.to_le_bytes());
        e[72..76].copy_from_slice(&FREE.to_le_bytes());
        e[76..80].copy_from_slice(&child.to_le_bytes());
        e[116..120].copy_from_slice(&start.to_le_bytes());
        e[120..124].copy_from_slice(&size.to_le_bytes());
        e
    };
    let mut out = header;
    out.extend(fat.iter().flat_map(|v| v.to_le_bytes()));
    out.extend(entry("Root Entry", 5, 1, END, 0));
    out.extend(entry("Workbook", 2, FREE, 2, stream_len as u32));
    let mut empty = vec![0u8; 128];
    empty[68..80].copy_from_slice(&[0xFF; 12]);
    out.extend(&empty);
    out.extend(&empty);
    out.extend(stream);
    out
}

#[test]
fn a_real_excel_97_xls_workbook_is_read() {
    for mut db in backends() {
        let p = Plain::new(19);
        let mut cells = vec![(0u16, 0u16, XlsCell::Text("青山县建档立卡户花名册".into()))];
        for (c, h) in p.header.iter().enumerate() {
            cells.push((1, c as u16, XlsCell::Text(h.to_string())));
        }
        let land = p.col("耕地面积(亩)");
        for (r, row) in p.rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let cell = if c == land { XlsCell::Number(v.parse().unwrap()) } else { XlsCell::Text(v.clone()) };
                cells.push((r as u16 + 2, c as u16, cell));
            }
        }
        let path = write_file(db.dir.path(), "花名册.xls", &real_xls("花名册", &cells));
        let report = plain_import(&mut db, &p, &path, "BIFF8 .xls");
        assert_eq!(report.kind, "XLS", "{}", db.name);
        // the rows keep their numbers: row 1 is the title, row 2 the header
        let rows = read_rows(&path, 0);
        assert_eq!(rows[1].0, 2, "{}", db.name);
        assert_eq!(rows[1].1[0], "乡", "{}", db.name);
    }
}
