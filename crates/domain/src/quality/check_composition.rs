//! Rules over the household's composition: one head, one spouse of the other sex, the stated size,
//! and ages that fit the relations.

use super::evaluate::Out;
use super::facts::{MemberFacts, sex_of, who};
use super::Rule;
use crate::fields::{HouseholdField as HF, MemberField as MF};
use crate::registry::HouseholdDoc;

pub fn check(out: &mut Out<'_, '_>, doc: &HouseholdDoc, facts: &[MemberFacts]) {
    let n = doc.members.len();
    if n == 0 {
        out.household(Rule::EmptyHousehold, "该户没有在册成员".into());
    }
    let heads: Vec<usize> = (0..n).filter(|&i| doc.members[i].is_head()).collect();
    match heads.len() {
        0 if n > 0 => out.household(Rule::NoHead, "没有成员的与户主关系为“户主”".into()),
        0 | 1 => {}
        k => out.household(
            Rule::SeveralHeads,
            format!("有 {k} 名户主：{}", heads.iter().map(|&i| doc.members[i].name()).collect::<Vec<_>>().join("、")),
        ),
    }
    let spouses: Vec<usize> = (0..n).filter(|&i| doc.members[i].get(MF::Relation).as_code() == Some("spouse")).collect();
    if spouses.len() > 1 {
        out.household(
            Rule::SeveralSpouses,
            format!("有 {} 名配偶：{}", spouses.len(), spouses.iter().map(|&i| doc.members[i].name()).collect::<Vec<_>>().join("、")),
        );
    }
    if let Some(stated) = doc.get(HF::StatedSize).as_int()
        && n > 0 && stated != n as i64 {
            out.household(Rule::StatedSizeMismatch, format!("家庭人口数为 {stated}，在册成员 {n} 人"));
        }
    let [h] = heads[..] else { return };
    let head = &doc.members[h];
    let hf = &facts[h];
    for &s in &spouses {
        if let (Some(a), Some(b)) = (sex_of(head), sex_of(&doc.members[s]))
            && a == b {
                out.member(Rule::SameSexSpouse, s, format!("户主 {} 与配偶 {} 性别均为“{}”", head.name(), doc.members[s].name(), a.label()));
            }
    }
    if let Some(age) = hf.age
        && age < out.ctx.rules.int(Rule::YoungHead, "min_age") {
            out.household(Rule::YoungHead, format!("户主 {}", who(head, hf)));
        }
    let gap = out.ctx.rules.int(Rule::ChildOlderThanHead, "gap");
    let Some(head_birth) = hf.birth else { return };
    for (i, m) in doc.members.iter().enumerate() {
        let Some(b) = facts[i].birth else { continue };
        let years = super::facts::years_between(head_birth, b); // > 0: the member is younger
        let wrong = match m.get(MF::Relation).as_code() {
            Some("son" | "daughter" | "son_in_law" | "daughter_in_law") => years < gap,
            Some("grandson" | "granddaughter" | "great_grandchild") => years < 2 * gap,
            Some("father" | "mother" | "parent_in_law") => -years < gap,
            Some("grandparent") => -years < 2 * gap,
            _ => false,
        };
        if wrong {
            out.member(Rule::ChildOlderThanHead, i, format!("{} 与户主 {} 的出生日期相差不到合理年龄（户主生于 {}，此人生于 {}）", who(m, &facts[i]), head.name(), head_birth, b));
        }
    }
}
