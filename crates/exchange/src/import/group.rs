//! Rows → households: consecutive rows of one household (by 户编号, 户主证件号码 or a 户主 row) are
//! gathered, household values merged, the village resolved, members and household validated.

use super::issue::RowIssue;
use super::rows::{issue, ParsedRow};
use bangfu_domain::fields::{FieldRef, HouseholdField as HF, MemberField as MF, Storage};
use bangfu_domain::registry::{check_household, resolve_member, HouseholdDoc, IncomeRecord, MemberRecord, INCOME_FIELDS};
use bangfu_domain::value::Value;
use bangfu_domain::RegionCode;
use bangfu_store::regions::Directory;
use bangfu_store::registry::SourcedDoc;
use chrono::NaiveDate;
use std::collections::HashMap;

/// Settings every household of a file shares.
pub struct GroupSettings<'a> {
    pub directory: &'a Directory,
    pub today: NaiveDate,
    pub income_year: i64,
    pub default_household_type: Option<&'static str>,
    /// Column labels of each field, for locating problems ("C（证件号码）").
    pub labels: HashMap<FieldRef, String>,
    /// Household rows of a separate households sheet, by key (户编号 or 户主证件号码).
    pub household_rows: HashMap<String, ParsedRow>,
    /// Income history from an income sheet, by 户编号.
    pub incomes: HashMap<String, Vec<IncomeRecord>>,
}

/// A household of the file, ready to write, or the problems that keep it out.
pub enum Grouped {
    Valid(SourcedDoc),
    Rejected { issues: Vec<RowIssue> },
}

struct Pending {
    key: Option<String>,
    sheet: String,
    first_row: u64,
    household: Vec<Option<(Value, u64)>>,
    members: Vec<(Vec<Value>, u64)>,
    issues: Vec<RowIssue>,
    rows: u64,
}

/// Gathers rows into households; feed rows in file order.
pub struct Grouper {
    current: Option<Pending>,
}


impl Default for Grouper {
    fn default() -> Self {
        Grouper::new()
    }
}

impl Grouper {
    pub fn new() -> Grouper {
        Grouper { current: None }
    }

    /// Adds a row; returns the previous household when this row starts a new one.
    pub fn push(&mut self, row: ParsedRow, s: &GroupSettings<'_>) -> Option<Grouped> {
        let key = row.key.clone();
        let is_head = row.member.as_ref().and_then(|m| m[MF::Relation as usize].as_code()) == Some("head");
        let starts_new = match (&self.current, &key) {
            (None, _) => true,
            (Some(cur), Some(k)) => cur.key.as_deref() != Some(k.as_str()),
            (Some(cur), None) => is_head && cur.members.iter().any(|(m, _)| m[MF::Relation as usize].as_code() == Some("head")),
        };
        let finished = if starts_new { self.current.take().map(|p| finish(p, s)) } else { None };
        let cur = self.current.get_or_insert_with(|| Pending {
            key: key.clone(),
            sheet: row.sheet.clone(),
            first_row: row.row,
            household: vec![None; bangfu_domain::fields::HOUSEHOLD_FIELD_COUNT],
            members: Vec::new(),
            issues: Vec::new(),
            rows: 0,
        });
        if cur.key.is_none() {
            cur.key = key;
        }
        cur.rows += 1;
        if !row.household_same {
            merge_household(cur, &row, s);
        }
        cur.issues.extend(row.issues);
        if let Some(m) = row.member {
            cur.members.push((m, row.row));
        }
        finished
    }

    /// Ends the file: returns the last household.
    pub fn finish(&mut self, s: &GroupSettings<'_>) -> Option<Grouped> {
        self.current.take().map(|p| finish(p, s))
    }
}

fn merge_household(cur: &mut Pending, row: &ParsedRow, s: &GroupSettings<'_>) {
    for (f, v) in &row.household {
        match &cur.household[*f as usize] {
            None => cur.household[*f as usize] = Some((v.clone(), row.row)),
            Some((existing, first)) if existing != v && f.def().storage != Storage::Derived => {
                let label = s.labels.get(&FieldRef::Household(*f)).cloned().unwrap_or_default();
                cur.issues.push(issue(
                    &row.sheet,
                    row.row,
                    &label,
                    f.def().label,
                    &bangfu_domain::value::format_value(f.def().kind, v),
                    &format!("与同一户第 {first} 行的“{}”不一致", f.def().label),
                    "同一户各行的户级信息应相同，或只在户主行填写",
                ));
            }
            _ => {}
        }
    }
}

fn finish(mut p: Pending, s: &GroupSettings<'_>) -> Grouped {
    // a separate households sheet supplies household values for this key
    if let Some(hrow) = p.key.as_ref().and_then(|k| s.household_rows.get(k)) {
        for (f, v) in &hrow.household {
            if p.household[*f as usize].is_none() {
                p.household[*f as usize] = Some((v.clone(), hrow.row));
            }
        }
    }
    let mut doc = HouseholdDoc::empty();
    for f in HF::ALL {
        if let Some((v, _)) = &p.household[f as usize]
            && f.def().storage != Storage::Income {
                doc.set(f, v.clone());
            }
    }
    let label = |f: FieldRef| s.labels.get(&f).cloned().unwrap_or_default();
    // income of the row set
    let mut inc = IncomeRecord { year: s.income_year, amounts: [None; 7] };
    if let Some((Value::Int(y), _)) = &p.household[HF::IncomeYear as usize] {
        inc.year = *y;
    }
    for (i, f) in INCOME_FIELDS.iter().enumerate() {
        inc.amounts[i] = p.household[*f as usize].as_ref().and_then(|(v, _)| v.as_int());
    }
    let key_no = doc.get(HF::HouseholdNo).as_text().map(str::to_string);
    if let Some(history) = key_no.as_ref().and_then(|k| s.incomes.get(k)) {
        doc.incomes = history.clone();
    }
    if !inc.is_empty() {
        doc.incomes.retain(|i| i.year != inc.year);
        doc.incomes.push(inc);
        doc.incomes.sort_by_key(|i| i.year);
    }
    if doc.get(HF::HouseholdType).is_null()
        && let Some(t) = s.default_household_type {
            doc.set(HF::HouseholdType, Value::Code(t));
        }
    if let Some(i) = resolve_region(&mut doc, &p, s) {
        p.issues.push(i);
    }
    if p.members.is_empty() {
        p.issues.push(issue(&p.sheet, p.first_row, "", "", "", "该户没有成员行（没有证件号码）", "每户至少要有户主一行，并填写证件号码"));
    }
    let mut member_rows = Vec::with_capacity(p.members.len());
    for (mut values, row) in std::mem::take(&mut p.members) {
        match resolve_member(&mut values, s.today) {
            Ok(resident_id) => {
                doc.members.push(MemberRecord { values, resident_id });
                member_rows.push(row);
            }
            Err(problems) => {
                for pr in problems {
                    let raw = values[match pr.field {
                        FieldRef::Member(f) => f as usize,
                        _ => MF::IdNumber as usize,
                    }]
                    .clone();
                    let shown = match &raw {
                        Value::Text(t) => t.clone(),
                        v => bangfu_domain::value::format_value(pr.field.def().kind, v),
                    };
                    p.issues.push(issue(&p.sheet, row, &label(pr.field), pr.field.def().label, &shown, &pr.reason, &pr.fix));
                }
            }
        }
    }
    if p.issues.is_empty() {
        for pr in check_household(&doc) {
            let row = match pr.field {
                FieldRef::Member(_) => p.first_row,
                _ => p.household[match pr.field {
                    FieldRef::Household(f) => f as usize,
                    _ => 0,
                }]
                .as_ref()
                .map(|x| x.1)
                .unwrap_or(p.first_row),
            };
            p.issues.push(issue(&p.sheet, row, &label(pr.field), pr.field.def().label, "", &pr.reason, &pr.fix));
        }
    }
    if p.issues.is_empty() {
        Grouped::Valid(SourcedDoc { doc, first_row: p.first_row, member_rows })
    } else {
        Grouped::Rejected { issues: p.issues }
    }
}

/// Sets the household's village from its code or names; the problem when neither works.
fn resolve_region(doc: &mut HouseholdDoc, p: &Pending, s: &GroupSettings<'_>) -> Option<RowIssue> {
    let label = |f: HF| s.labels.get(&FieldRef::Household(f)).cloned().unwrap_or_default();
    let mut problems = Vec::new();
    match doc.get(HF::RegionCode).as_text().map(str::to_string) {
        Some(code) => {
            let known = RegionCode::parse(&code).map(|c| (c, s.directory.is_known(&c)));
            match known {
                Ok((c, true)) if c.level() == bangfu_domain::RegionLevel::Village => {}
                Ok((_, true)) => problems.push((HF::RegionCode, code.clone(), "区划代码不是村级代码".to_string(), "户必须登记到村：请填写 12 位村级区划代码".to_string())),
                _ => problems.push((HF::RegionCode, code.clone(), format!("区划代码 {code} 不在系统的区划表中（或不在您的管辖范围内）"), "请先导入区划（bangfu region import），或核对区划代码".to_string())),
            }
        }
        None => {
            let name = |f: HF| doc.get(f).as_text().map(str::to_string);
            if let Some(v) = name(HF::VillageName) { match s.directory.resolve(name(HF::TownshipName).as_deref(), &v) {
                Ok(code) => doc.set(HF::RegionCode, Value::Text(code.as_str().to_string())),
                Err(msg) => problems.push((HF::VillageName, v, msg, "请填写与系统区划名称一致的乡(镇)和村名，或直接填写区划代码".to_string())),
            } }
        }
    }
    let (f, value, reason, fix) = problems.into_iter().next()?;
    let row = p.household[f as usize].as_ref().map(|x| x.1).unwrap_or(p.first_row);
    Some(issue(&p.sheet, row, &label(f), f.def().label, &value, &reason, &fix))
}
