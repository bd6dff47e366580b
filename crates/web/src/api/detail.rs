//! One household as the API shows it: every stored field by its catalog key, as the text a sheet
//! would hold (codes as Chinese labels), members and incomes alike; secrets masked unless revealed.

use crate::handlers::households::show::show_value;
use bangfu_domain::fields::{HouseholdField as HF, MemberField as MF, Storage};
use bangfu_domain::registry::INCOME_FIELDS;
use bangfu_domain::value::{Value, format_value};
use bangfu_store::registry::StoredHousehold;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct MemberOut {
    pub id: i64,
    /// Masked (first 6 and last 4 kept) unless revealed.
    pub resident_id: String,
    /// Member fields by catalog key (`name`, `relation`, `health`, …).
    pub fields: BTreeMap<String, Option<String>>,
}

#[derive(Serialize, ToSchema)]
pub struct IncomeOut {
    pub year: i64,
    /// Income fields by catalog key (`wage_income`, `per_capita_net_income`, …), in 元.
    pub fields: BTreeMap<String, Option<String>>,
}

/// A household with its members and incomes.
#[derive(Serialize, ToSchema)]
pub struct HouseholdOut {
    pub id: i64,
    /// Send it back with a change: a change made to an older version is refused (409).
    pub version: i64,
    pub region_code: String,
    pub region_name: String,
    /// Whether ID numbers, phones and bank accounts are shown in full (and the look was audited).
    pub revealed: bool,
    /// Household fields by catalog key (`household_no`, `household_type`, `cause_1`, …).
    pub fields: BTreeMap<String, Option<String>>,
    pub members: Vec<MemberOut>,
    pub incomes: Vec<IncomeOut>,
    /// Only in the answer to a change (POST, PATCH): the data-quality check run right after saving.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<super::quality::HouseholdCheck>,
}

fn text(s: String) -> Option<String> {
    if s.is_empty() { None } else { Some(s) }
}

pub fn household_out(h: &StoredHousehold, region_name: String, reveal: bool) -> HouseholdOut {
    let doc = &h.doc;
    let fields = HF::ALL
        .iter()
        .filter(|f| f.def().storage == Storage::Column)
        .map(|f| (f.def().key.to_string(), text(show_value(f.def().kind, doc.get(*f), reveal))))
        .collect();
    let members = doc
        .members
        .iter()
        .zip(&h.member_ids)
        .map(|(m, id)| {
            let rid = if reveal { m.resident_id.as_str().to_string() } else { m.resident_id.masked() };
            let fields = MF::ALL
                .iter()
                .map(|f| {
                    let v = if *f == MF::IdNumber { Some(rid.clone()) } else { text(show_value(f.def().kind, m.get(*f), reveal)) };
                    (f.def().key.to_string(), v)
                })
                .collect();
            MemberOut { id: *id, resident_id: rid, fields }
        })
        .collect();
    let incomes = doc
        .incomes
        .iter()
        .map(|r| IncomeOut {
            year: r.year,
            fields: INCOME_FIELDS
                .iter()
                .zip(r.amounts)
                .map(|(f, a)| (f.def().key.to_string(), a.map(|x| format_value(f.def().kind, &Value::Int(x)))))
                .collect(),
        })
        .collect();
    HouseholdOut {
        id: h.id,
        version: h.version,
        region_code: doc.get(HF::RegionCode).as_text().unwrap_or_default().to_string(),
        region_name,
        revealed: reveal,
        fields,
        members,
        incomes,
        check: None,
    }
}
