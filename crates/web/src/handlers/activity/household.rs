//! The household file's section on assistance: who helps (pairings with their plans), the measures
//! (with the forms to add and end one) and the visit history, with the button to record a visit.

use super::{ActivityView, Recorder};
use crate::auth::Principal;
use bangfu_domain::RegionScope;
use bangfu_domain::pairing::{PairingKind, PairingStatus};
use bangfu_domain::quality::measures::MeasureKind;
use bangfu_store::activity::measures::{self, Measure};
use bangfu_store::activity::{self, ActivityFilter};
use bangfu_store::{Conn, P};

/// Visits shown on the household file (the rest: the activity list).
const VISITS_SHOWN: i64 = 20;

pub struct PairingView {
    pub helper: String,
    pub kind: &'static str,
    pub since: String,
    pub until: String,
    pub active: bool,
    pub goal: String,
    pub plan: String,
}

pub struct MeasureView {
    pub id: i64,
    pub kind: &'static str,
    pub member: String,
    pub since: String,
    pub until: String,
    pub current: bool,
    pub description: String,
    pub amount: String,
}

impl MeasureView {
    fn new(m: &Measure, today: chrono::NaiveDate) -> MeasureView {
        MeasureView {
            id: m.id,
            kind: m.kind.label(),
            member: m.member_name.clone().unwrap_or_default(),
            since: m.started_on.to_string(),
            until: m.ended_on.map(|d| d.to_string()).unwrap_or_default(),
            current: m.current_on(today),
            description: m.description.clone().unwrap_or_default(),
            amount: m.amount.map(|a| format!("{} 元", crate::views::yuan(a))).unwrap_or_default(),
        }
    }
}

/// What the household file shows about assistance.
#[derive(Default)]
pub struct HouseholdSection {
    pub pairings: Vec<PairingView>,
    pub measures: Vec<MeasureView>,
    pub visits: Vec<ActivityView>,
    pub visit_total: i64,
    pub can_record: bool,
    pub can_measure: bool,
    pub measure_kinds: Vec<(&'static str, &'static str)>,
    pub members: Vec<(i64, String)>,
    pub today: String,
}

fn pairings(c: &mut Conn, scope: &RegionScope, id: i64) -> bangfu_store::Result<Vec<PairingView>> {
    let pattern = scope.like_pattern();
    let rows = c.query(
        "SELECT p.kind, p.started_on, p.ended_on, p.status, p.plan_goal, p.plan_measures, h.name, u.name, h.position \
         FROM pairing p LEFT JOIN helper h ON p.helper_kind = 'helper' AND h.id = p.helper_id LEFT JOIN assist_unit u ON p.helper_kind = 'unit' AND u.id = p.helper_id \
         WHERE p.beneficiary_kind = 'household' AND p.beneficiary_id = ? AND p.region_code LIKE ? ORDER BY CASE WHEN p.status = 'active' THEN 0 ELSE 1 END, p.started_on DESC, p.id",
        &[P::Int(id), P::Text(&pattern)],
    )?;
    Ok(rows
        .iter()
        .map(|r| {
            let name = r[6].text().or(r[7].text()).unwrap_or("—").to_string();
            let helper = match r[8].text() {
                Some(pos) if !pos.is_empty() => format!("{name}（{pos}）"),
                _ => name,
            };
            PairingView {
                helper,
                kind: r[0].text().and_then(PairingKind::parse).map(|k| k.label()).unwrap_or("结对帮扶"),
                since: r[1].date().map(|d| d.to_string()).unwrap_or_default(),
                until: r[2].date().map(|d| d.to_string()).unwrap_or_default(),
                active: r[3].text().and_then(PairingStatus::parse) == Some(PairingStatus::Active),
                goal: r[4].string(),
                plan: r[5].string(),
            }
        })
        .collect())
}

/// Loads the section (failures are logged and show an empty section: the file itself still opens).
pub fn household_section(c: &mut Conn, p: &Principal, scope: &RegionScope, id: i64) -> HouseholdSection {
    let today = activity::today_china();
    let load = |c: &mut Conn| -> bangfu_store::Result<HouseholdSection> {
        let f = ActivityFilter { household_id: Some(id), ..Default::default() };
        let (visits, visit_total) = activity::activities(c, scope, &f, 0, VISITS_SHOWN)?;
        let members = c
            .query("SELECT id, name FROM member WHERE household_id = ? AND status = 'active' AND region_code LIKE ? ORDER BY seq", &[P::Int(id), P::Text(&scope.like_pattern())])?
            .iter()
            .filter_map(|r| Some((r[0].int()?, r[1].string())))
            .collect();
        Ok(HouseholdSection {
            pairings: pairings(c, scope, id)?,
            measures: measures::household_measures(c, scope, id)?.iter().map(|m| MeasureView::new(m, today)).collect(),
            visits: visits.iter().map(ActivityView::new).collect(),
            visit_total,
            can_record: Recorder::of(c, p).map(|r| r.may_visit(c, id)).unwrap_or(false),
            can_measure: p.can(bangfu_domain::Capability::EditRegistry),
            measure_kinds: MeasureKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
            members,
            today: today.to_string(),
        })
    };
    match load(c) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, household = id, "assistance section not loaded");
            HouseholdSection::default()
        }
    }
}
