//! Stints and exchanges of a school year (STN-01, STN-02, EXC-01): stints shorter than a week,
//! teachers with too few stint days in a semester, and school pairings that exchanged too few
//! teachers. Reads the `stint` activities, their teachers and the school–school pairings in SQL.

use crate::db::{Conn, P};
use crate::error::Result;
use bangfu_domain::compliance::rules::{check_stints, exchange_shortfalls, Semester, Stint, StintIssue};
use bangfu_domain::RegionScope;
use chrono::NaiveDate;
use std::collections::HashMap;

/// One problem with a teacher's stints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StintLine {
    pub helper_id: i64,
    pub helper_name: String,
    pub rule: &'static str,
    /// 该次支教 7 天 / 2025年秋季学期共 12 天
    pub what: String,
}

/// A school pairing's exchanges in the school year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeLine {
    pub pairing_id: i64,
    pub sending: String,
    pub receiving: String,
    pub teachers: i64,
    pub required: i64,
}

/// The stint and exchange report of a school year (September–August, named by its first year).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StintReport {
    pub school_year: i32,
    pub stints: i64,
    pub problems: Vec<StintLine>,
    pub exchanges: Vec<ExchangeLine>,
}

/// The report for stints hosted in the scope.
pub fn stints(conn: &mut Conn, scope: &RegionScope, school_year: i32) -> Result<StintReport> {
    let from = NaiveDate::from_ymd_opt(school_year, 9, 1).unwrap_or_default();
    let to = NaiveDate::from_ymd_opt(school_year + 1, 8, 31).unwrap_or_default();
    let pattern = scope.like_pattern();
    let (params, _) = super::settings::params_for(conn, scope.prefix())?;
    let rows = conn.query(
        "SELECT ah.helper_id, a.occurred_on, COALESCE(a.ended_on, a.occurred_on), h.name, h.unit_id, a.unit_id, a.region_code \
         FROM activity a JOIN activity_helper ah ON ah.activity_id = a.id JOIN helper h ON h.id = ah.helper_id \
         WHERE a.kind = 'stint' AND a.region_code LIKE ? AND a.occurred_on BETWEEN ? AND ? ORDER BY ah.helper_id, a.occurred_on",
        &[P::Text(&pattern), P::Date(from), P::Date(to)],
    )?;
    let mut names: HashMap<i64, String> = HashMap::new();
    let mut all = Vec::new();
    // (sending unit, host unit or region) → stints
    let mut by_host: Vec<(Option<i64>, Option<i64>, String, Stint)> = Vec::new();
    for r in &rows {
        let (Some(helper_id), Some(started_on), Some(ended_on)) = (r[0].int(), r[1].date(), r[2].date()) else { continue };
        names.insert(helper_id, r[3].string());
        let s = Stint { helper_id, started_on, ended_on };
        by_host.push((r[4].int(), r[5].int(), r[6].string(), s.clone()));
        all.push(s);
    }
    let mut problems: Vec<StintLine> = check_stints(&all, params.get("stint_min_days"), params.get("stint_semester_days"))
        .into_iter()
        .map(|i| match i {
            StintIssue::TooShort { helper_id, started_on, days } => StintLine {
                helper_id,
                helper_name: names.get(&helper_id).cloned().unwrap_or_default(),
                rule: "STN-01",
                what: format!("{started_on} 开始的支教/挂职仅 {days} 天"),
            },
            StintIssue::SemesterShort { helper_id, semester, days } => StintLine {
                helper_id,
                helper_name: names.get(&helper_id).cloned().unwrap_or_default(),
                rule: "STN-02",
                what: format!("{}共 {days} 天", Semester::label(semester)),
            },
        })
        .collect();
    problems.sort_by(|a, b| (a.rule, &a.helper_name).cmp(&(b.rule, &b.helper_name)));
    let pairings = conn.query(
        "SELECT p.id, p.helper_id, p.beneficiary_id, p.region_code, s.name, r.name FROM pairing p \
         LEFT JOIN assist_unit s ON s.id = p.helper_id LEFT JOIN assist_unit r ON r.id = p.beneficiary_id \
         WHERE p.kind IN ('school_school', 'vocational_school') AND p.status = 'active' AND p.region_code LIKE ? ORDER BY p.id",
        &[P::Text(&pattern)],
    )?;
    let required = params.get("teachers_exchanged_year");
    let mut exchanges = Vec::new();
    for p in pairings {
        let (Some(id), sending, receiving, region) = (p[0].int(), p[1].int(), p[2].int(), p[3].string()) else { continue };
        let mine: Vec<Stint> = by_host
            .iter()
            .filter(|(from, host, at, _)| *from == sending && (host.is_some() && *host == receiving || host.is_none() && *at == region))
            .map(|(_, _, _, s)| s.clone())
            .collect();
        let teachers = exchange_shortfalls(&mine, &[school_year], i64::MAX).first().map(|x| x.1).unwrap_or(0);
        exchanges.push(ExchangeLine { pairing_id: id, sending: p[4].string(), receiving: p[5].string(), teachers, required });
    }
    Ok(StintReport { school_year, stints: all.len() as i64, problems, exchanges })
}
