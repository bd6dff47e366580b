//! Rule settings per jurisdiction: on/off and parameters, resolved for a region by longest prefix.

use super::catalog::{ParamDef, ParamKind, RULE_COUNT, Rule};
use super::lines::Lines;
use crate::fields::{FieldRef, lookup_header};

/// A parameter's value, already in stored units (fen, hundredths).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamValue {
    Int(i64),
    Fields(Vec<FieldRef>),
}

/// A jurisdiction's change to a rule: switched on or off, or parameters changed (as typed, by key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleOverride {
    pub rule: Rule,
    /// A region-code prefix; empty for the whole installation.
    pub region_prefix: String,
    pub enabled: Option<bool>,
    pub params: Vec<(String, String)>,
}

/// Reads a parameter as typed by an official; the error says what is wrong in Chinese.
pub fn parse_param(def: &ParamDef, text: &str) -> Result<ParamValue, String> {
    let t = text.trim();
    let number = |scale: i64| -> Result<i64, String> {
        crate::value::parse_decimal(t, &["元", "亩", "公里", "平方米", "岁", "月", "%", "年"], false)
            .map(|v| v * scale / 100)
            .map_err(|_| format!("参数“{}”应为数字，实际为“{}”", def.label, t))
    };
    Ok(match def.kind {
        ParamKind::Int => ParamValue::Int(number(1)?),
        ParamKind::Money => ParamValue::Int(number(100)?),
        ParamKind::Hundredths => ParamValue::Int(number(100)?),
        ParamKind::Fields => {
            let mut out = Vec::new();
            for name in t.split(['、', ',', '，', ';', '；']).map(str::trim).filter(|s| !s.is_empty()) {
                match lookup_header(name) {
                    Some(f) => out.push(f),
                    None => return Err(format!("参数“{}”中的“{}”不是登记表的字段", def.label, name)),
                }
            }
            ParamValue::Fields(out)
        }
    })
}

/// Which rules are on and with what parameters, for one region; plus the lines of that region.
#[derive(Debug, Clone)]
pub struct ResolvedRules {
    enabled: [bool; RULE_COUNT],
    params: Vec<Vec<ParamValue>>,
    pub lines: Lines,
}

impl ResolvedRules {
    /// Every rule on with its shipped parameters.
    pub fn defaults(lines: Lines) -> ResolvedRules {
        let params = Rule::ALL
            .iter()
            .map(|r| r.def().params.iter().map(|d| parse_param(d, d.default).expect("shipped defaults parse")).collect())
            .collect();
        ResolvedRules { enabled: [true; RULE_COUNT], params, lines }
    }

    /// Defaults, then every override whose prefix covers `region`, shorter prefixes first, so a
    /// county's setting beats its province's. A bad stored parameter is an error naming the rule.
    pub fn resolve(region: &str, overrides: &[RuleOverride], lines: Lines) -> Result<ResolvedRules, String> {
        let mut out = ResolvedRules::defaults(lines);
        let mut applicable: Vec<&RuleOverride> = overrides.iter().filter(|o| region.starts_with(&o.region_prefix)).collect();
        applicable.sort_by_key(|o| o.region_prefix.len());
        for o in applicable {
            out.apply(o)?;
        }
        Ok(out)
    }

    /// Applies one override.
    pub fn apply(&mut self, o: &RuleOverride) -> Result<(), String> {
        if let Some(e) = o.enabled {
            self.enabled[o.rule as usize] = e;
        }
        for (key, text) in &o.params {
            let Some(i) = o.rule.param_index(key) else {
                return Err(format!("规则 {} 没有参数“{}”", o.rule.code(), key));
            };
            let v = parse_param(&o.rule.def().params[i], text).map_err(|e| format!("规则 {}：{}", o.rule.code(), e))?;
            self.params[o.rule as usize][i] = v;
        }
        Ok(())
    }

    pub fn on(&self, r: Rule) -> bool {
        self.enabled[r as usize]
    }

    pub fn set_enabled(&mut self, r: Rule, on: bool) {
        self.enabled[r as usize] = on;
    }

    /// An integer parameter (money in fen, areas ×100); panics on a key the catalogue does not define.
    pub fn int(&self, r: Rule, key: &str) -> i64 {
        match &self.params[r as usize][r.param_index(key).unwrap_or_else(|| panic!("{} has no {key}", r.code()))] {
            ParamValue::Int(v) => *v,
            ParamValue::Fields(_) => 0,
        }
    }

    /// A field-list parameter.
    pub fn fields(&self, r: Rule, key: &str) -> &[FieldRef] {
        match &self.params[r as usize][r.param_index(key).unwrap_or_else(|| panic!("{} has no {key}", r.code()))] {
            ParamValue::Fields(f) => f,
            ParamValue::Int(_) => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longer_prefixes_win_and_parameters_are_parsed_in_units() {
        let o = |prefix: &str, v: &str| RuleOverride {
            rule: Rule::RoadDistanceRange,
            region_prefix: prefix.into(),
            enabled: None,
            params: vec![("max".into(), v.into())],
        };
        let r = ResolvedRules::resolve("431081101001", &[o("431081", "8"), o("43", "6.5")], Lines::national_defaults()).unwrap();
        assert_eq!(r.int(Rule::RoadDistanceRange, "max"), 800);
        let r = ResolvedRules::resolve("432000000000", &[o("431081", "8"), o("43", "6.5")], Lines::national_defaults()).unwrap();
        assert_eq!(r.int(Rule::RoadDistanceRange, "max"), 650);
        assert_eq!(ResolvedRules::defaults(Lines::national_defaults()).int(Rule::MigrantIncomeRange, "max"), 3_000_000);
        let bad = ResolvedRules::resolve("43", &[o("43", "很远")], Lines::national_defaults()).unwrap_err();
        assert!(bad.contains("RNG-03") && bad.contains("很远"), "{bad}");
    }

    #[test]
    fn field_lists_accept_keys_and_chinese_labels() {
        let d = &Rule::HouseholdRequired.def().params[0];
        assert_eq!(parse_param(d, "户类型、耕地面积").unwrap(), parse_param(d, "household_type,cultivated_land").unwrap());
        assert!(parse_param(d, "户类型、鞋码").unwrap_err().contains("鞋码"));
    }
}
