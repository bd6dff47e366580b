//! Parameters per jurisdiction: a value per key for a region-code prefix; the longest prefix that
//! covers a region wins, shipped defaults below all of them.

use super::catalog::{all_params, param_by_key, parse_param, Rule};
use std::collections::BTreeMap;

/// A jurisdiction's value of one parameter, as stored (typed text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamOverride {
    pub key: String,
    /// A region-code prefix; empty for the whole installation.
    pub region_prefix: String,
    pub value: String,
}

/// Every parameter's value for one region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    values: BTreeMap<&'static str, i64>,
    /// For each key, the prefix its value came from (None = shipped default).
    pub from: BTreeMap<&'static str, Option<String>>,
}

impl Params {
    pub fn defaults() -> Params {
        Params { values: all_params().map(|(_, p)| (p.key, p.default)).collect(), from: all_params().map(|(_, p)| (p.key, None)).collect() }
    }

    /// Defaults, then every override covering `region`, shorter prefixes first. Stored values that
    /// no longer parse are skipped and returned as problems (in Chinese).
    pub fn resolve(region: &str, overrides: &[ParamOverride]) -> (Params, Vec<String>) {
        let mut out = Params::defaults();
        let mut problems = Vec::new();
        let mut mine: Vec<&ParamOverride> = overrides.iter().filter(|o| region.starts_with(&o.region_prefix)).collect();
        mine.sort_by_key(|o| o.region_prefix.len());
        for o in mine {
            match param_by_key(&o.key) {
                Some((rule, def)) => match parse_param(def, &o.value) {
                    Ok(v) => {
                        out.values.insert(def.key, v);
                        out.from.insert(def.key, Some(o.region_prefix.clone()));
                    }
                    Err(e) => problems.push(format!("{}（{}，辖区 {}）：{e}", rule.code(), def.key, prefix_label(&o.region_prefix))),
                },
                None => problems.push(format!("考核参数“{}”不存在，已忽略", o.key)),
            }
        }
        (out, problems)
    }

    /// A parameter's value; panics on a key the catalogue does not define (a programming error).
    pub fn get(&self, key: &str) -> i64 {
        *self.values.get(key).unwrap_or_else(|| panic!("no compliance parameter {key}"))
    }

    pub fn set(&mut self, key: &'static str, v: i64) {
        self.values.insert(key, v);
    }

    /// The parameters of one rule with their values, for display.
    pub fn of_rule(&self, rule: Rule) -> Vec<(&'static str, i64)> {
        rule.def().params.iter().map(|p| (p.label, self.get(p.key))).collect()
    }
}

fn prefix_label(p: &str) -> &str {
    if p.is_empty() { "全部" } else { p }
}

/// One part of a scope in which every region has the same parameters: codes starting with
/// `prefix` but with none of `except`; its parameters are those resolved at `prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    pub prefix: String,
    pub except: Vec<String>,
}

/// Splits a scope into parts of equal parameters: the scope itself minus every overridden prefix
/// strictly inside it, and each such prefix minus the overridden prefixes inside it. Overrides that
/// cover the whole scope (shorter prefixes) do not split it. The parts are disjoint and cover the scope.
pub fn partitions(scope_prefix: &str, override_prefixes: &[&str]) -> Vec<Partition> {
    let mut inner: Vec<&str> = override_prefixes.iter().copied().filter(|p| p.starts_with(scope_prefix) && p.len() > scope_prefix.len()).collect();
    inner.sort();
    inner.dedup();
    let mut candidates = vec![scope_prefix];
    candidates.extend(inner.iter().copied());
    candidates
        .iter()
        .map(|c| Partition {
            prefix: c.to_string(),
            except: candidates.iter().filter(|o| o.len() > c.len() && o.starts_with(c)).map(|o| o.to_string()).collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(key: &str, prefix: &str, value: &str) -> ParamOverride {
        ParamOverride { key: key.into(), region_prefix: prefix.into(), value: value.into() }
    }

    #[test]
    fn longest_prefix_wins_and_bad_values_are_reported() {
        let os = [o("no_visit_days", "43", "60"), o("no_visit_days", "431099", "30"), o("visit_per_household_month", "431099101", "2次")];
        let (p, problems) = Params::resolve("431099101201", &os);
        assert!(problems.is_empty());
        assert_eq!(p.get("no_visit_days"), 30);
        assert_eq!(p.get("visit_per_household_month"), 2);
        assert_eq!(p.from["no_visit_days"].as_deref(), Some("431099"));
        let (p, _) = Params::resolve("432000000000", &os);
        assert_eq!(p.get("no_visit_days"), 60);
        assert_eq!(p.get("visit_per_household_month"), 1);
        let (p, problems) = Params::resolve("43", &[o("no_visit_days", "43", "很久"), o("nope", "", "1")]);
        assert_eq!(p.get("no_visit_days"), 45);
        assert_eq!(problems.len(), 2);
        assert!(problems.iter().any(|p| p.contains("VIS-02") && p.contains("很久")), "{problems:?}");
    }

    #[test]
    fn partitions_are_disjoint_and_cover_the_scope() {
        let parts = partitions("431099", &["43", "431099101", "431099101201", "431100"]);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0], Partition { prefix: "431099".into(), except: vec!["431099101".into(), "431099101201".into()] });
        assert_eq!(parts[1], Partition { prefix: "431099101".into(), except: vec!["431099101201".into()] });
        assert_eq!(parts[2], Partition { prefix: "431099101201".into(), except: vec![] });
        for code in ["431099101201", "431099101202", "431099102001"] {
            let n = parts.iter().filter(|p| code.starts_with(&p.prefix) && !p.except.iter().any(|e| code.starts_with(e.as_str()))).count();
            assert_eq!(n, 1, "{code}");
        }
        assert_eq!(partitions("", &[]), vec![Partition { prefix: String::new(), except: vec![] }]);
    }
}
