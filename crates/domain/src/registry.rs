//! Households and members as records of catalog fields, assembled from rows and validated.

use crate::fields::{HouseholdField as HF, MemberField as MF, HOUSEHOLD_FIELD_COUNT};
use crate::region::RegionCode;
use crate::resident_id::{ResidentId, ResidentIdError, Sex};
use crate::value::Value;
use chrono::NaiveDate;

/// A member of a household: catalog values plus the validated resident ID (the person's key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRecord {
    pub values: Vec<Value>,
    pub resident_id: ResidentId,
}

impl MemberRecord {
    pub fn get(&self, f: MF) -> &Value {
        &self.values[f as usize]
    }
    pub fn set(&mut self, f: MF, v: Value) {
        self.values[f as usize] = v;
    }
    pub fn is_head(&self) -> bool {
        self.get(MF::Relation).as_code() == Some(crate::vocab::code::HEAD)
    }
    pub fn name(&self) -> &str {
        self.get(MF::Name).as_text().unwrap_or_default()
    }
}

/// One year's income of a household, in fen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IncomeRecord {
    pub year: i64,
    /// Aligned with `INCOME_FIELDS`.
    pub amounts: [Option<i64>; 7],
}

/// The income components in the order of `IncomeRecord::amounts`.
pub const INCOME_FIELDS: [HF; 7] = [
    HF::WageIncome,
    HF::BusinessIncome,
    HF::PropertyIncome,
    HF::TransferIncome,
    HF::BusinessExpense,
    HF::NetIncome,
    HF::PerCapitaNetIncome,
];

impl IncomeRecord {
    pub fn amount(&self, f: HF) -> Option<i64> {
        INCOME_FIELDS.iter().position(|x| *x == f).and_then(|i| self.amounts[i])
    }
    pub fn is_empty(&self) -> bool {
        self.amounts.iter().all(Option::is_none)
    }
}

/// One household file (一户一档) as imported, exported and stored: household values, members, incomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdDoc {
    /// Aligned with `HOUSEHOLD_FIELDS`; income fields are kept in `incomes`, derived fields are filled on export.
    pub values: Vec<Value>,
    pub members: Vec<MemberRecord>,
    /// By year, ascending.
    pub incomes: Vec<IncomeRecord>,
}

impl HouseholdDoc {
    pub fn empty() -> HouseholdDoc {
        HouseholdDoc { values: vec![Value::Null; HOUSEHOLD_FIELD_COUNT], members: Vec::new(), incomes: Vec::new() }
    }
    pub fn get(&self, f: HF) -> &Value {
        &self.values[f as usize]
    }
    pub fn set(&mut self, f: HF, v: Value) {
        self.values[f as usize] = v;
    }
    pub fn head(&self) -> Option<&MemberRecord> {
        self.members.iter().find(|m| m.is_head())
    }
    pub fn region_code(&self) -> Option<RegionCode> {
        self.get(HF::RegionCode).as_text().and_then(|t| RegionCode::parse(t).ok())
    }
    /// The household number, or the head's ID where the file has no number.
    pub fn key(&self) -> Option<String> {
        match self.get(HF::HouseholdNo).as_text() {
            Some(no) => Some(no.to_string()),
            None => self.head().map(|h| h.resident_id.as_str().to_string()),
        }
    }
    pub fn household_type(&self) -> Option<&'static str> {
        self.get(HF::HouseholdType).as_code()
    }
    pub fn latest_income(&self) -> Option<&IncomeRecord> {
        self.incomes.last()
    }
}

/// A problem with one field of one member, found when checking a member against its ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: crate::fields::FieldRef,
    pub reason: String,
    pub fix: String,
}

/// Validates a member's document number and derives birth date and sex from it, checking stated ones.
pub fn resolve_member(values: &mut [Value], today: NaiveDate) -> Result<ResidentId, Vec<FieldProblem>> {
    use crate::fields::FieldRef::Member;
    let mut problems = Vec::new();
    let raw = values[MF::IdNumber as usize].as_text().unwrap_or_default().to_string();
    let id_type = values[MF::IdType as usize].as_code();
    let id_text = if id_type == Some("disability_certificate") {
        let t: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if !(t.len() == 20 || t.len() == 22) {
            problems.push(FieldProblem {
                field: Member(MF::IdNumber),
                reason: format!("残疾人证号应为 20 或 22 位，实际为 {} 位", t.chars().count()),
                fix: "残疾人证号由 18 位身份证号加残疾类别和等级组成，请核对".into(),
            });
            return Err(problems);
        }
        t.chars().take(18).collect::<String>()
    } else {
        raw.clone()
    };
    let id = match ResidentId::parse_at(&id_text, today) {
        Ok(id) => id,
        Err(e) => {
            let fix = match e {
                ResidentIdError::Empty => "每个成员都必须有证件号码；没有身份证的请填残疾人证号或先办理户口登记",
                ResidentIdError::LostPrecision => "把证件号码列设为“文本”格式后重新录入完整号码",
                _ => "请对照户口簿或身份证核对后改正",
            };
            problems.push(FieldProblem { field: Member(MF::IdNumber), reason: e.to_string(), fix: fix.into() });
            return Err(problems);
        }
    };
    if id_type != Some("disability_certificate") {
        values[MF::IdNumber as usize] = Value::Text(id.as_str().to_string());
    }
    let sex_code = match id.sex() {
        Sex::Male => "male",
        Sex::Female => "female",
    };
    match values[MF::Sex as usize].as_code() {
        None => values[MF::Sex as usize] = Value::Code(sex_code),
        Some(c) if c != sex_code => problems.push(FieldProblem {
            field: Member(MF::Sex),
            reason: format!("性别与证件号码不符：证件号码第 17 位表示“{}”", id.sex().label()),
            fix: "核对证件号码或性别，改正录错的一项".into(),
        }),
        _ => {}
    }
    match values[MF::BirthDate as usize].as_date() {
        None => values[MF::BirthDate as usize] = Value::Date(id.birth_date()),
        Some(d) if d != id.birth_date() => problems.push(FieldProblem {
            field: Member(MF::BirthDate),
            reason: format!("出生日期 {} 与证件号码中的 {} 不符", d, id.birth_date()),
            fix: "核对证件号码或出生日期，改正录错的一项".into(),
        }),
        _ => {}
    }
    if values[MF::IdType as usize].is_null() {
        values[MF::IdType as usize] = Value::Code("resident_id");
    }
    if values[MF::Name as usize].as_text().is_none() {
        problems.push(FieldProblem { field: Member(MF::Name), reason: "姓名为空".into(), fix: "请填写成员姓名".into() });
    }
    if values[MF::Relation as usize].is_null() {
        problems.push(FieldProblem {
            field: Member(MF::Relation),
            reason: "与户主关系为空".into(),
            fix: format!("请填写与户主关系，如：{}", crate::vocab::RELATION.labels()),
        });
    }
    if problems.is_empty() { Ok(id) } else { Err(problems) }
}

/// A problem of the household as a whole (head count, head columns, required fields).
pub fn check_household(doc: &HouseholdDoc) -> Vec<FieldProblem> {
    use crate::fields::FieldRef::{Household, Member};
    let mut out = Vec::new();
    let heads: Vec<&MemberRecord> = doc.members.iter().filter(|m| m.is_head()).collect();
    match heads.len() {
        1 => {
            let head = heads[0];
            if let Some(hid) = doc.get(HF::HeadId).as_text() {
                let matches = ResidentId::parse(hid).map(|i| i == head.resident_id).unwrap_or(false);
                if !matches {
                    out.push(FieldProblem {
                        field: Household(HF::HeadId),
                        reason: format!("户主证件号码与“与户主关系”为户主的成员（{}）的证件号码不一致", head.name()),
                        fix: "核对户主证件号码或成员的与户主关系".into(),
                    });
                }
            }
            if let Some(hn) = doc.get(HF::HeadName).as_text()
                && hn != head.name() {
                    out.push(FieldProblem {
                        field: Household(HF::HeadName),
                        reason: format!("户主姓名“{}”与户主成员的姓名“{}”不一致", hn, head.name()),
                        fix: "核对户主姓名".into(),
                    });
                }
        }
        0 => out.push(FieldProblem {
            field: Member(MF::Relation),
            reason: "该户没有户主：没有成员的与户主关系为“户主”".into(),
            fix: "每户必须且只能有一名户主，请标出户主".into(),
        }),
        n => out.push(FieldProblem {
            field: Member(MF::Relation),
            reason: format!("该户有 {n} 名户主（{}）", heads.iter().map(|h| h.name()).collect::<Vec<_>>().join("、")),
            fix: "每户只能有一名户主；其他成员请填写与户主的实际关系".into(),
        }),
    }
    if doc.get(HF::RegionCode).is_null() {
        out.push(FieldProblem {
            field: Household(HF::RegionCode),
            reason: "无法确定该户所在的村".into(),
            fix: "请填写区划代码，或填写与系统中区划名称一致的乡(镇)、村名称".into(),
        });
    }
    if doc.get(HF::HouseholdType).is_null() {
        out.push(FieldProblem {
            field: Household(HF::HouseholdType),
            reason: "户类型为空".into(),
            fix: format!("请填写户类型（{}），或在导入时指定默认户类型", crate::vocab::HOUSEHOLD_TYPE.labels()),
        });
    }
    out
}
