//! The household list's query string: parsed once, turned into a store filter, written back into links.

use crate::views::urlencode;
use bangfu_domain::RegionCode;
use bangfu_domain::vocab::{HOUSEHOLD_TYPE, MONITORING_CATEGORY, POVERTY_ATTRIBUTE, POVERTY_CAUSE, Vocabulary};
use bangfu_store::registry::query::{HouseholdFilter, SortKey};

/// Everything the list page, the export and the API accept. Unknown values are ignored, not errors:
/// a bookmarked link with an outdated code still opens.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct ListQuery {
    /// Search text: ID number, name, pinyin initials, phone or household number.
    pub q: String,
    /// A township or village code inside the user's scope.
    pub region: String,
    pub household_type: String,
    pub poverty_attribute: String,
    pub cause: String,
    /// A monitoring category (监测对象类别) code.
    pub monitoring_category: String,
    /// "1": monitored households only; "0": not monitored.
    pub monitored: String,
    /// "1": 两不愁三保障 not met.
    pub guarantee_unmet: String,
    /// "1": per-capita income below the line.
    pub income_below: String,
    /// "1": has a helper; "0": none.
    pub helper: String,
    /// household_no | region | head
    pub sort: String,
    pub page: i64,
}

fn code_in(v: &Vocabulary, s: &str) -> Option<String> {
    if s.is_empty() { None } else { v.parse(s).map(|t| t.code.to_string()) }
}

fn flag(s: &str) -> Option<bool> {
    match s {
        "1" => Some(true),
        "0" => Some(false),
        _ => None,
    }
}

impl ListQuery {
    /// The store filter; `income_line_fen` is the line of the "below the line" filter.
    pub fn filter(&self, income_line_fen: i64) -> HouseholdFilter {
        HouseholdFilter {
            region: if self.region.is_empty() { None } else { RegionCode::parse(&self.region).ok() },
            household_type: code_in(&HOUSEHOLD_TYPE, &self.household_type),
            poverty_attribute: code_in(&POVERTY_ATTRIBUTE, &self.poverty_attribute),
            monitoring_category: code_in(&MONITORING_CATEGORY, &self.monitoring_category),
            cause: code_in(&POVERTY_CAUSE, &self.cause),
            guarantee_unmet: self.guarantee_unmet == "1",
            income_below: (self.income_below == "1").then_some(income_line_fen),
            monitored: flag(&self.monitored),
            has_helper: flag(&self.helper),
            ..Default::default()
        }
    }

    pub fn sort_key(&self) -> SortKey {
        match self.sort.as_str() {
            "region" => SortKey::Region,
            "head" => SortKey::HeadName,
            _ => SortKey::HouseholdNo,
        }
    }

    pub fn page(&self) -> i64 {
        self.page.clamp(1, 100_000)
    }

    /// The query string without the page (for pager and sort links).
    pub fn query_string(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("q", &self.q),
            ("region", &self.region),
            ("household_type", &self.household_type),
            ("poverty_attribute", &self.poverty_attribute),
            ("cause", &self.cause),
            ("monitoring_category", &self.monitoring_category),
            ("monitored", &self.monitored),
            ("guarantee_unmet", &self.guarantee_unmet),
            ("income_below", &self.income_below),
            ("helper", &self.helper),
            ("sort", &self.sort),
        ] {
            if !v.is_empty() {
                parts.push(format!("{k}={}", urlencode(v)));
            }
        }
        parts.join("&")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_codes_both_filter_and_junk_is_ignored() {
        let q = ListQuery { household_type: "脱贫户".into(), cause: "因病".into(), region: "x".into(), ..Default::default() };
        let f = q.filter(600000);
        assert_eq!(f.household_type.as_deref(), Some("exited"));
        assert!(f.cause.is_some());
        assert!(f.region.is_none());
    }

    #[test]
    fn query_string_round_trips_through_links() {
        let q = ListQuery { q: "张 三".into(), helper: "0".into(), page: 3, ..Default::default() };
        assert_eq!(q.query_string(), "q=%E5%BC%A0%20%E4%B8%89&helper=0");
    }
}
