//! Compliance of field work (考核): the rules as reference data (codes, parameters with shipped
//! defaults and their basis), their resolution per jurisdiction, and the pure computations the
//! store's monthly counts and the ledgers use.

pub mod catalog;
pub mod rules;
pub mod settings;

pub use catalog::{param_by_key, parse_param, ParamDef, Rule, RuleDef, Subject, RULES};
pub use rules::{rate, Month};
pub use settings::{partitions, ParamOverride, Params, Partition};

/// The `reference_param` area of these rules.
pub const AREA: &str = "compliance";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_keys_are_unique_and_defaults_parse() {
        let mut codes: Vec<&str> = Rule::ALL.iter().map(|r| r.code()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), Rule::ALL.len());
        let mut keys: Vec<&str> = catalog::all_params().map(|(_, p)| p.key).collect();
        let n = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), n);
        for (_, p) in catalog::all_params() {
            assert_eq!(parse_param(p, &p.default.to_string()), Ok(p.default));
            assert!(!p.basis.is_empty());
        }
        assert_eq!(Rule::from_code("vis-01"), Some(Rule::HouseholdMonthlyVisit));
        assert_eq!(param_by_key("no_visit_days").map(|x| x.0), Some(Rule::NoVisitDays));
        assert!(parse_param(param_by_key("no_visit_days").unwrap().1, "3").is_err());
    }
}
