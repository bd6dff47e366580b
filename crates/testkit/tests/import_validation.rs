//! Row-level validation: every problem is reported at its original row and column (letter and
//! header), with a reason and a fix in Chinese; by default nothing is written and an error report is
//! put beside the file; with `accept_valid` the valid households are written and the rest reported.

mod import_support;

use bangfu_exchange::import::report_path;
use bangfu_exchange::RowIssue;
use bangfu_testkit::*;
use import_support::*;
use std::collections::HashMap;

const COLS: [&str; 14] = ["乡", "村", "区划代码", "户编号", "户类型", "主要致贫原因", "户主证件号码", "姓名", "证件号码", "性别", "出生日期", "与户主关系", "联系电话", "耕地面积（亩）"];

fn letter(col: &str) -> String {
    bangfu_sheets::column_letter(COLS.iter().position(|c| *c == col).unwrap())
}

/// "I（证件号码）": how an issue names a column.
fn label(col: &str) -> String {
    format!("{}（{col}）", letter(col))
}

/// One expected problem: the household it belongs to, its row, column and a piece of the reason.
struct Expected {
    case: &'static str,
    row: u64,
    column: String,
    reason: &'static str,
}

struct File {
    rows: Vec<Vec<String>>,
    expected: Vec<Expected>,
    valid: Vec<String>,
}

/// Data rows start at row 3: a title row and the header row come first.
const FIRST_DATA_ROW: u64 = 3;

impl File {
    fn next_row(&self) -> u64 {
        FIRST_DATA_ROW + self.rows.len() as u64
    }

    /// Adds a member row of household `no`; `edit` changes cells by column name. Returns its row number.
    fn member(&mut self, no: &str, name: &str, id: &str, relation: &str, edit: &[(&str, &str)]) -> u64 {
        let (t, v, _) = first_village();
        let mut cells: HashMap<&str, String> = HashMap::new();
        cells.insert("乡", t);
        cells.insert("村", v);
        cells.insert("户编号", no.into());
        cells.insert("户类型", "脱贫户".into());
        cells.insert("主要致贫原因", "因病".into());
        cells.insert("姓名", name.into());
        cells.insert("证件号码", id.into());
        cells.insert("与户主关系", relation.into());
        cells.insert("联系电话", "13800001111".into());
        cells.insert("耕地面积（亩）", "1.5".into());
        for (k, v) in edit {
            assert!(COLS.contains(k), "unknown column {k}");
            cells.insert(k, v.to_string());
        }
        let row = self.next_row();
        self.rows.push(COLS.iter().map(|c| cells.get(c).cloned().unwrap_or_default()).collect());
        row
    }

    fn expect(&mut self, case: &'static str, row: u64, column: &str, reason: &'static str) {
        self.expected.push(Expected { case, row, column: label(column), reason });
    }

    fn csv(&self) -> String {
        let mut all: Vec<Vec<&str>> = vec![vec!["青山县建档立卡户信息核对表"], COLS.to_vec()];
        for r in &self.rows {
            all.push(r.iter().map(String::as_str).collect());
        }
        csv_text(&all)
    }
}

/// A file of valid households and households with one problem each. `registered` is the ID of a
/// person the database already has in another household.
fn build(registered: &str) -> File {
    let mut f = File { rows: Vec::new(), expected: Vec::new(), valid: Vec::new() };
    let id = |birth: &str, seq: u32| rid(birth, seq);

    f.member("V1", "孙立", &id("19600101", 11), "户主", &[]);
    f.member("V1", "钱梅", &id("19620202", 12), "配偶", &[]);
    f.valid.push("V1".into());

    f.member("E01", "周一", &id("19610101", 21), "户主", &[]);
    let r = f.member("E01", "吴二", &with_bad_check(&id("19630303", 22)), "配偶", &[]);
    f.expect("bad check digit", r, "证件号码", "校验位");

    let r = f.member("E02", "郑三", &id("19640404", 31), "户主", &[("出生日期", "1964-05-04")]);
    f.expect("birth date differs from the ID", r, "出生日期", "出生日期");

    let r = f.member("E03", "王四", &id("19650505", 41), "户主", &[("性别", "女")]);
    f.expect("sex differs from the ID", r, "性别", "性别与证件号码不符");

    let r = f.member("E04", "冯五", &id("19660606", 52), "配偶", &[]);
    f.member("E04", "冯六", &id("19900909", 53), "之子", &[]);
    f.expect("no head", r, "与户主关系", "没有户主");

    let r = f.member("E05", "陈七", &id("19670707", 61), "户主", &[]);
    f.member("E05", "陈八", &id("19680808", 62), "户主", &[]);
    f.expect("two heads", r, "与户主关系", "2 名户主");

    let shared = id("19690909", 71);
    f.member("E06a", "褚九", &shared, "户主", &[]);
    f.valid.push("E06a".into());
    f.member("E06b", "卫十", &id("19700101", 81), "户主", &[]);
    let r = f.member("E06b", "褚九", &shared, "之兄弟姐妹", &[]);
    f.expect("the same ID in two households of the file", r, "证件号码", "重复");

    f.member("E07", "蒋十一", &id("19710202", 91), "户主", &[]);
    let r = f.member("E07", "沈十二", registered, "配偶", &[]);
    f.expect("an ID registered in another household of the database", r, "证件号码", "另一户");

    let r = f.member("E08", "韩十三", &id("19720303", 101), "户主", &[("主要致贫原因", "因穷")]);
    f.expect("a value outside its vocabulary", r, "主要致贫原因", "不是有效的致贫原因");

    let r = f.member("E09", "杨十四", &id("19730404", 111), "户主", &[("耕地面积（亩）", "三亩")]);
    f.expect("a number that does not parse", r, "耕地面积（亩）", "不是非负数");

    let head = id("19740505", 121);
    let r = f.member("E10", "朱十五", &head, "户主", &[("户主证件号码", &id("19740505", 123))]);
    f.member("E10", "秦十六", &id("19760606", 122), "配偶", &[]);
    f.expect("户主证件号码 is not the head's", r, "户主证件号码", "户主证件号码");

    let r = f.member("E11", "尤十七", &id("19750707", 131), "户主", &[("村", "不存在村")]);
    f.expect("an unknown village", r, "村", "不存在村");

    let r = f.member("E12", "许十八", &id("19770808", 141), "户主", &[("区划代码", "431099199299")]);
    f.expect("a region code not in the region table", r, "区划代码", "不在系统的区划表中");

    let r = f.member("E13", "何十九", &id("19780909", 151), "户主", &[("联系电话", "138****1234")]);
    f.expect("a masked phone", r, "联系电话", "脱敏");

    f.member("V2", "吕二十", &id("19791010", 161), "户主", &[]);
    f.valid.push("V2".into());
    f
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

fn find<'a>(issues: &'a [RowIssue], e: &Expected) -> Option<&'a RowIssue> {
    issues.iter().find(|i| i.row == e.row && i.column == e.column && i.reason.contains(e.reason))
}

fn describe(issues: &[RowIssue]) -> String {
    issues.iter().map(|i| format!("\n  row {} col {:?}: {} / {}", i.row, i.column, i.reason, i.fix)).collect()
}

/// Sets up a database holding one household whose first member is "registered".
fn with_one_registered(db: &mut TestDb) -> String {
    let docs = demo_docs(1, 5);
    insert_docs(&mut db.store, &docs);
    docs[0].members[0].resident_id.as_str().to_string()
}

#[test]
fn every_row_problem_is_located_by_original_row_and_column_with_a_reason_and_a_fix_and_nothing_is_written() {
    for mut db in backends() {
        let registered = with_one_registered(&mut db);
        let file = build(&registered);
        let path = write_file(db.dir.path(), "核对表.csv", file.csv().as_bytes());
        let report = import(&mut db, &path);
        let who = db.name;
        assert!(!report.committed, "{who}: an import with problems must not be committed by default");
        assert_eq!(household_rows(&mut db.store), 1, "{who}: only the household registered before");
        assert_eq!(committed_batches(&mut db.store), 1, "{who}: only the batch that registered it");
        for e in &file.expected {
            let i = find(&report.issues, e).unwrap_or_else(|| panic!("{who}: {}: no issue at row {} column {} about “{}”; got:{}", e.case, e.row, e.column, e.reason, describe(&report.issues)));
            assert!(has_cjk(&i.reason) && has_cjk(&i.fix), "{who}: {}: reason and fix in Chinese: {i:?}", e.case);
            assert_eq!(i.sheet, "核对表", "{who}: {}: sheet", e.case);
        }
        // nothing is reported about the valid households
        let valid_rows: Vec<u64> = (0..file.rows.len()).filter(|i| file.valid.contains(&file.rows[*i][3])).map(|i| FIRST_DATA_ROW + i as u64).collect();
        let about_valid: Vec<&RowIssue> = report.issues.iter().filter(|i| valid_rows.contains(&i.row)).collect();
        assert!(about_valid.is_empty(), "{who}: problems reported on valid rows: {about_valid:?}");
        assert_eq!(report.rejected_households, file.expected.len() as u64, "{who}: one rejected household per problem:{}", describe(&report.issues));
        assert_eq!(report.households_in_file, (file.expected.len() + file.valid.len()) as u64, "{who}");

        // the error report beside the input says the same, in file order
        let rp = report.report_path.clone().unwrap_or_else(|| panic!("{who}: no error report written"));
        assert_eq!(rp, report_path(&path), "{who}");
        assert_eq!(rp.parent(), path.parent(), "{who}: the report is beside the input");
        let rows = report_rows(&rp);
        assert_eq!(rows.len(), report.issues.len(), "{who}: one report row per problem");
        for e in &file.expected {
            let hit = rows.iter().find(|r| r["原始行号"] == e.row.to_string() && r["列"] == e.column && r["错误原因"].contains(e.reason));
            let hit = hit.unwrap_or_else(|| panic!("{who}: {}: not in the error report at row {} column {}", e.case, e.row, e.column));
            assert_eq!(hit["文件"], "核对表.csv", "{who}");
            assert!(!hit["修改建议"].is_empty(), "{who}: {}: the report gives a fix", e.case);
        }
        let order: Vec<u64> = rows.iter().map(|r| r["原始行号"].parse().unwrap_or(0)).collect();
        assert!(order.windows(2).all(|w| w[0] <= w[1]), "{who}: report rows in file order: {order:?}");
    }
}

#[test]
fn accepting_valid_households_writes_them_and_reports_the_rest() {
    for mut db in backends() {
        let registered = with_one_registered(&mut db);
        let file = build(&registered);
        let path = write_file(db.dir.path(), "核对表.csv", file.csv().as_bytes());
        let report = import_accepting_valid(&mut db, &path);
        let who = db.name;
        assert!(report.committed, "{who}");
        assert_eq!(report.written.households_created, file.valid.len() as u64, "{who}: {:?}{}", report.written, describe(&report.issues));
        assert_eq!(report.rejected_households, file.expected.len() as u64, "{who}");
        for e in &file.expected {
            assert!(find(&report.issues, e).is_some(), "{who}: {}: still reported:{}", e.case, describe(&report.issues));
        }
        let mut stored: Vec<String> = load_all(&mut db.store).iter().map(household_no).collect();
        stored.retain(|n| !n.starts_with("431099"));
        let mut want = file.valid.clone();
        want.sort();
        assert_eq!(stored, want, "{who}: exactly the valid households are written");
        assert_eq!(household_rows(&mut db.store), 1 + file.valid.len() as i64, "{who}: no half-written household is left behind");
        let registered_in = db.store.conn.query_int("SELECT COUNT(*) FROM member WHERE resident_id = ?", &[bangfu_store::P::Text(&registered)]).unwrap();
        assert_eq!(registered_in, 1, "{who}: the registered person stays in one household");
        assert!(report.report_path.as_ref().is_some_and(|p| p.exists()), "{who}: the error report is written");
    }
}

#[test]
fn a_household_with_two_people_registered_elsewhere_counts_as_one_rejected_household() {
    for mut db in backends() {
        let docs = demo_docs(6, 5);
        insert_docs(&mut db.store, &docs);
        let big = docs.iter().find(|d| d.members.len() >= 3).expect("a household of three");
        let mut p = Plain::new(40);
        // the second household of the file claims two people of `big`, which the file does not release
        p.set(3, "证件号码", big.members[1].resident_id.as_str());
        p.set(4, "证件号码", big.members[2].resident_id.as_str());
        let path = p.write_csv(db.dir.path(), "claims.csv");
        for accept in [false, true] {
            let who = format!("{} accept_valid={accept}", db.name);
            let report = if accept { import_accepting_valid(&mut db, &path) } else { import(&mut db, &path) };
            let rows: Vec<u64> = report.issues.iter().map(|i| i.row).collect();
            assert_eq!(rows, [5, 6], "{who}: one problem per claimed person:{}", describe(&report.issues));
            assert!(report.issues.iter().all(|i| i.column == "F（证件号码）" && i.reason.contains("另一户")), "{who}:{}", describe(&report.issues));
            assert_eq!(report.rejected_households, 1, "{who}: the household is rejected once");
            assert_eq!(report.households_in_file, 3, "{who}");
            if accept {
                assert_eq!(report.written.households_created + report.rejected_households, 3, "{who}: {:?}", report.written);
            }
        }
    }
}

#[test]
fn an_id_that_excel_turned_into_a_number_is_explained_as_such() {
    for mut db in backends() {
        let p = Plain::new(41);
        let path = db.dir.path().join("numbers.xlsx");
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in p.header.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        let id = p.col("证件号码");
        for (r, row) in p.rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if c == id && r == 1 {
                    ws.write_number(r as u32 + 1, c as u16, v.parse::<f64>().unwrap()).unwrap();
                } else {
                    ws.write_string(r as u32 + 1, c as u16, v).unwrap();
                }
            }
        }
        wb.save(&path).unwrap();
        let report = import(&mut db, &path);
        assert!(!report.committed, "{}", db.name);
        let i = report.issues.iter().find(|i| i.row == 3 && i.column == "F（证件号码）").unwrap_or_else(|| panic!("{}:{}", db.name, describe(&report.issues)));
        assert!(i.reason.contains("当作数字") && i.fix.contains("文本"), "{}: {i}", db.name);
        assert_nothing_written(&mut db, "numbers.xlsx");
    }
}
