//! The holiday calendar in force for a region: the shipped national arrangements, overridden and
//! extended day by day by the `holiday` rows of every matching jurisdiction (longest prefix last).

use crate::audit::{self, Actor};
use crate::db::{Conn, P};
use crate::error::Result;
use bangfu_domain::workflow::calendar::{china_holidays, Calendar, DayKind, HolidayLine};
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;

fn kind_code(k: DayKind) -> &'static str {
    match k {
        DayKind::Holiday => "holiday",
        DayKind::ExtraWorkday => "workday",
    }
}

/// The calendar for a region code: shipped years around today, then stored days by prefix length.
pub fn for_region(conn: &mut Conn, region: &str) -> Result<Calendar> {
    let year = chrono::Utc::now().year();
    let mut days: BTreeMap<NaiveDate, DayKind> = BTreeMap::new();
    for y in (year - 1)..=(year + 1) {
        for l in china_holidays(y) {
            days.insert(l.date, l.kind);
        }
    }
    let rows = conn.query("SELECT region_prefix, day, kind FROM holiday ORDER BY LENGTH(region_prefix), day", &[])?;
    for r in rows {
        if !region.starts_with(r[0].text().unwrap_or_default()) {
            continue;
        }
        if let Some(d) = r[1].date() {
            days.insert(d, if r[2].text() == Some("workday") { DayKind::ExtraWorkday } else { DayKind::Holiday });
        }
    }
    Ok(Calendar::new(
        days.iter().filter(|(_, k)| **k == DayKind::Holiday).map(|(d, _)| *d),
        days.iter().filter(|(_, k)| **k == DayKind::ExtraWorkday).map(|(d, _)| *d),
    ))
}

/// The days stored for exactly this prefix ('' = installation-wide), in date order.
pub fn stored_lines(conn: &mut Conn, prefix: &str) -> Result<Vec<HolidayLine>> {
    let rows = conn.query("SELECT day, kind, name FROM holiday WHERE region_prefix = ? ORDER BY day", &[P::Text(prefix)])?;
    Ok(rows
        .iter()
        .filter_map(|r| Some(HolidayLine { date: r[0].date()?, kind: if r[1].text() == Some("workday") { DayKind::ExtraWorkday } else { DayKind::Holiday }, name: r[2].string() }))
        .collect())
}

/// Replaces the days stored for a prefix with `lines` (audited, one transaction).
pub fn save_lines(conn: &mut Conn, actor: &Actor, prefix: &str, lines: &[HolidayLine]) -> Result<()> {
    conn.in_tx(|conn| {
        let before = stored_lines(conn, prefix)?.len();
        conn.execute("DELETE FROM holiday WHERE region_prefix = ?", &[P::Text(prefix)])?;
        let mut seen = std::collections::BTreeSet::new();
        for l in lines {
            if seen.insert(l.date) {
                conn.execute("INSERT INTO holiday (region_prefix, day, kind, name) VALUES (?, ?, ?, ?)", &[P::Text(prefix), P::Date(l.date), P::Text(kind_code(l.kind)), P::Text(&l.name)])?;
            }
        }
        let region = (!prefix.is_empty()).then(|| format!("{prefix:0<12}"));
        audit::record(
            conn,
            actor,
            audit::Entry {
                region_code: region.as_deref(),
                entity: "holiday",
                entity_id: Some(if prefix.is_empty() { "全国".into() } else { prefix.to_string() }),
                action: "replace",
                before: Some(serde_json::json!({ "天数": before }).to_string()),
                after: Some(serde_json::json!({ "天数": seen.len() }).to_string()),
            },
        )
    })
}
