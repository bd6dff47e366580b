//! Checking one household against every rule that is on: the entry point for an edit and for bulk runs.

use super::facts::MemberFacts;
use super::measures::MeasureFact;
use super::settings::ResolvedRules;
use super::{Finding, Requires, Rule, check_composition, check_household, check_income, check_member};
use crate::registry::HouseholdDoc;
use chrono::NaiveDate;

/// What a check needs besides the household: the date, the rules in force, and the household's
/// measures once that module records them (`None` = not available: measure rules stay silent).
pub struct CheckContext<'a> {
    pub today: NaiveDate,
    pub rules: &'a ResolvedRules,
    pub measures: Option<&'a [MeasureFact]>,
}

impl CheckContext<'_> {
    /// Whether a rule runs here: switched on, and the data it needs exists.
    pub fn on(&self, r: Rule) -> bool {
        self.rules.on(r) && (r.def().requires != Requires::Measures || self.measures.is_some())
    }
}

/// Collects findings while checking; rules that are off are never reported.
pub struct Out<'a, 'c> {
    pub ctx: &'a CheckContext<'c>,
    pub findings: Vec<Finding>,
}

impl Out<'_, '_> {
    pub fn on(&self, r: Rule) -> bool {
        self.ctx.on(r)
    }
    pub fn household(&mut self, r: Rule, message: String) {
        if self.ctx.on(r) {
            self.findings.push(Finding { rule: r, member: None, message });
        }
    }
    pub fn member(&mut self, r: Rule, index: usize, message: String) {
        if self.ctx.on(r) {
            self.findings.push(Finding { rule: r, member: Some(index), message });
        }
    }
}

/// Every finding of one household (its active members only), in catalogue order per member.
pub fn evaluate(doc: &HouseholdDoc, ctx: &CheckContext<'_>) -> Vec<Finding> {
    let facts: Vec<MemberFacts> = doc.members.iter().map(|m| MemberFacts::of(m, ctx.today)).collect();
    let mut out = Out { ctx, findings: Vec::new() };
    for (i, (m, f)) in doc.members.iter().zip(&facts).enumerate() {
        check_member::check(&mut out, i, m, f);
    }
    check_composition::check(&mut out, doc, &facts);
    check_household::check(&mut out, doc, &facts);
    check_income::check(&mut out, doc, &facts);
    out.findings
}
