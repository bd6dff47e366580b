mod import_support;
use import_support::*;
use bangfu_testkit::*;

fn drop_col(p: &Plain, name: &str) -> Plain {
    let c = p.col(name);
    Plain { header: p.header.iter().enumerate().filter(|(i, _)| *i != c).map(|(_, h)| *h).collect(), rows: p.rows.iter().map(|r| r.iter().enumerate().filter(|(i, _)| *i != c).map(|(_, v)| v.clone()).collect()).collect() }
}

#[test]
fn no_number_reimport() {
    let mut db = TestDb::sqlite().with_demo_regions();
    let p = drop_col(&Plain::new(1), "户编号");
    let path = p.write_csv(db.dir.path(), "nono.csv");
    let r = import(&mut db, &path);
    println!("first {:?} {:?}", r.written, r.issues.iter().map(|i| i.to_string()).collect::<Vec<_>>());
    let r = import(&mut db, &path);
    println!("second {:?} {:?}", r.written, r.issues.iter().map(|i| i.to_string()).collect::<Vec<_>>());
    println!("households {}", household_rows(&mut db.store));
}

#[test]
fn head_id_link() {
    let mut db = TestDb::sqlite().with_demo_regions();
    let p = Plain::new(2);
    // households sheet keyed by 户主证件号码
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["户主证件号码", "乡", "村", "户类型", "联系电话"].iter().enumerate() { ws.write_string(0, c as u16, *h).unwrap(); }
    let mut r = 1;
    for row in &p.rows { if row[p.col("与户主关系")] == "户主" { for (c, h) in ["证件号码", "乡", "村", "户类型", "联系电话"].iter().enumerate() { ws.write_string(r, c as u16, &row[p.col(h)]).unwrap(); } r += 1; } }
    let ws = wb.add_worksheet();
    for (c, h) in ["户主证件号码", "姓名", "证件号码", "与户主关系"].iter().enumerate() { ws.write_string(0, c as u16, *h).unwrap(); }
    let mut head = String::new();
    for (i, row) in p.rows.iter().enumerate() { if row[p.col("与户主关系")] == "户主" { head = row[p.col("证件号码")].clone(); }
        ws.write_string(i as u32 + 1, 0, &head).unwrap();
        for (c, h) in ["姓名", "证件号码", "与户主关系"].iter().enumerate() { ws.write_string(i as u32 + 1, c as u16 + 1, &row[p.col(h)]).unwrap(); } }
    let path = db.dir.path().join("link.xlsx");
    wb.save(&path).unwrap();
    let r = import(&mut db, &path);
    println!("{:?} {:?} {:?}", r.written, r.issues.iter().map(|i| i.to_string()).collect::<Vec<_>>(), r.warnings);
    for d in load_all(&mut db.store) { println!("{:?} {:?} {}", d.household_type(), d.get(bangfu_domain::fields::HouseholdField::Phone), d.members.len()); }
    let r = import(&mut db, &path);
    println!("again {:?}", r.written);
}

#[test]
fn id_as_number() {
    let mut db = TestDb::sqlite().with_demo_regions();
    let p = Plain::new(3);
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in p.header.iter().enumerate() { ws.write_string(0, c as u16, *h).unwrap(); }
    for (r, row) in p.rows.iter().enumerate() { for (c, v) in row.iter().enumerate() {
        if c == p.col("证件号码") && r == 1 { ws.write_number(r as u32 + 1, c as u16, v.parse::<f64>().unwrap()).unwrap(); }
        else if c == p.col("户编号") { ws.write_string(r as u32 + 1, c as u16, v).unwrap(); }
        else { ws.write_string(r as u32 + 1, c as u16, v).unwrap(); } } }
    let path = db.dir.path().join("num.xlsx");
    wb.save(&path).unwrap();
    let r = import(&mut db, &path);
    println!("{:?}", r.issues.iter().map(|i| i.to_string()).collect::<Vec<_>>());
}
