//! The annual dynamic-adjustment campaign (动态调整): one case per active household of a county,
//! opened set-based in one transaction (INSERT … SELECT numbered with ROW_NUMBER from one id block,
//! the same on SQLite and PostgreSQL), each due by its village's deadline; and the progress per
//! village (verified, confirmed, overdue, the verdicts given).

use super::cases::user_of;
use super::definitions;
use super::open_many::{self, Opening};
use crate::audit::{self, Actor};
use crate::db::{Conn, P};
use crate::error::{Result, StoreError};
use bangfu_domain::access::Role;
use bangfu_domain::workflow::engine::Decider;
use bangfu_domain::workflow::procedures::VERDICTS;
use bangfu_domain::{RegionCode, RegionLevel, RegionScope};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// The procedure code of campaign cases.
pub const PROCEDURE: &str = "adjustment";

/// A campaign as entered.
#[derive(Debug, Clone)]
pub struct NewCampaign {
    /// The county (12 digits).
    pub region_code: String,
    pub year: i64,
    pub title: String,
    pub starts_on: NaiveDate,
    /// The default deadline of every village.
    pub due_on: NaiveDate,
    /// Villages with their own deadline.
    pub village_deadlines: Vec<(String, NaiveDate)>,
}

/// A stored campaign.
#[derive(Debug, Clone)]
pub struct Campaign {
    pub id: i64,
    pub region_code: String,
    pub year: i64,
    pub title: String,
    pub starts_on: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    pub created_by: String,
    pub created_at: String,
    /// Cases of the campaign in the reader's scope, and how many are completed.
    pub cases: i64,
    pub completed: i64,
}

fn invalid(m: impl Into<String>) -> StoreError {
    StoreError::Invalid(m.into())
}

/// Opens the campaign: one case per active household of the county in the caller's scope, at the
/// first step (村级逐户核实), due by its village's deadline or the default. Refused for anyone but
/// the county office, for a county outside the scope, and for a second campaign of the same
/// county and year. Returns the campaign's id.
pub fn start_campaign(conn: &mut Conn, actor: &Actor, who: &Decider, n: &NewCampaign, today: NaiveDate) -> Result<i64> {
    if who.role != Role::CountyOffice {
        return Err(invalid("动态调整由县帮扶办发起：请切换到县帮扶办角色"));
    }
    let county = RegionCode::parse(&n.region_code).map_err(|_| invalid(format!("区划代码“{}”无效", n.region_code)))?;
    if county.level() != RegionLevel::County {
        return Err(invalid(format!("动态调整以县为单位发起，“{}”不是县级区划代码", n.region_code)));
    }
    if !who.scope.contains(&county) {
        return Err(StoreError::NotFound("该县（不存在或不在您的管辖范围内）".into()));
    }
    if n.title.trim().is_empty() {
        return Err(invalid("请填写本次动态调整的名称"));
    }
    if !(2000..=2100).contains(&n.year) {
        return Err(invalid(format!("年度 {} 不合理", n.year)));
    }
    if n.due_on < n.starts_on {
        return Err(invalid(format!("截止日期 {} 早于开始日期 {}", n.due_on, n.starts_on)));
    }
    if n.due_on < today {
        return Err(invalid(format!("截止日期 {} 已过，请填写今天以后的日期", n.due_on)));
    }
    for (v, d) in &n.village_deadlines {
        let code = RegionCode::parse(v).map_err(|_| invalid(format!("村代码“{v}”无效")))?;
        if code.level() != RegionLevel::Village || !county.contains(&code) {
            return Err(invalid(format!("“{v}”不是本县的村")));
        }
        if *d < n.starts_on {
            return Err(invalid(format!("村 {v} 的截止日期 {d} 早于开始日期 {}", n.starts_on)));
        }
    }
    let county_like = format!("{}%", county.prefix());
    let scope_like = who.scope.like_pattern();
    let user = user_of(actor).to_string();
    conn.in_tx(|conn| {
        // the campaign's id first: its allocator row serialises two county officers starting the
        // same campaign at once, so the second one's check below sees the first one's row
        let id = crate::ids::allocate(conn, "wf_campaign", 1)?;
        let known = conn.query_int("SELECT COUNT(*) FROM wf_campaign WHERE region_code = ? AND year = ?", &[P::Text(county.as_str()), P::Int(n.year)])?;
        if known > 0 {
            return Err(invalid(format!("本县 {} 年度的动态调整已经发起，不能重复发起：请在已发起的动态调整中查看进度", n.year)));
        }
        let def = definitions::current(conn, PROCEDURE, county.as_str())?;
        if def.def.steps.is_empty() {
            return Err(invalid("动态调整流程没有环节"));
        }
        let count = conn.query_int(
            "SELECT COUNT(*) FROM household WHERE status = 'active' AND region_code LIKE ? AND region_code LIKE ?",
            &[P::Text(&county_like), P::Text(&scope_like)],
        )?;
        if count == 0 {
            return Err(invalid("本县（在您的管辖范围内）没有在册农户，无需发起动态调整"));
        }
        let now = crate::now_utc();
        conn.execute(
            "INSERT INTO wf_campaign (id, region_code, year, title, starts_on, due_on, definition_id, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            &[P::Int(id), P::Text(county.as_str()), P::Int(n.year), P::Text(n.title.trim()), P::Date(n.starts_on), P::Date(n.due_on), P::Int(def.id), P::Text(&user), P::Text(&now)],
        )?;
        let mut deadlines: BTreeMap<&str, NaiveDate> = BTreeMap::new();
        for (v, d) in &n.village_deadlines {
            deadlines.insert(v.as_str(), *d);
        }
        for (v, d) in &deadlines {
            conn.execute("INSERT INTO wf_campaign_deadline (campaign_id, village_code, due_on) VALUES (?, ?, ?)", &[P::Int(id), P::Text(v), P::Date(*d)])?;
        }
        open_many::prepare(conn)?;
        conn.execute(
            "INSERT INTO wf_open (household_id, rn, due_on) SELECT h.id, ROW_NUMBER() OVER (ORDER BY h.id), COALESCE(dl.due_on, c.due_on) \
             FROM household h JOIN wf_campaign c ON c.id = ? \
             LEFT JOIN wf_campaign_deadline dl ON dl.campaign_id = c.id AND dl.village_code = h.region_code \
             WHERE h.status = 'active' AND h.region_code LIKE ? AND h.region_code LIKE ?",
            &[P::Int(id), P::Text(&county_like), P::Text(&scope_like)],
        )?;
        let detail = serde_json::json!({ "campaign_id": id }).to_string();
        let item = format!("{}年度动态调整核实", n.year);
        let o = Opening { def: &def, step_index: 0, item: &item, campaign_id: Some(id), applicant: &user, role: Some(who.role.code()), comment: n.title.trim(), detail: Some(&detail), now: &now };
        if open_many::open_listed(conn, &o)? != count {
            return Err(invalid("在册农户在发起过程中发生了变化，请重试"));
        }
        audit::record(
            conn,
            actor,
            audit::Entry {
                region_code: Some(county.as_str()),
                entity: "wf_campaign",
                entity_id: Some(id.to_string()),
                action: "start",
                before: None,
                after: Some(
                    serde_json::json!({ "名称": n.title.trim(), "年度": n.year, "开始": n.starts_on.to_string(), "截止": n.due_on.to_string(), "单独截止的村": deadlines.len(), "案件数": count, "流程版本": def.version })
                        .to_string(),
                ),
            },
        )?;
        Ok(id)
    })
}

const CAMPAIGN_SQL: &str = "SELECT c.id, c.region_code, c.year, c.title, c.starts_on, c.due_on, c.created_by, c.created_at, \
    (SELECT COUNT(*) FROM wf_case w WHERE w.campaign_id = c.id AND w.region_code LIKE ?), \
    (SELECT COUNT(*) FROM wf_case w WHERE w.campaign_id = c.id AND w.region_code LIKE ? AND w.status = 'completed') FROM wf_campaign c";

/// Campaigns are visible to readers whose scope overlaps the county (a township sees its part).
const VISIBLE: &str = "(c.region_code LIKE ? OR ? LIKE SUBSTR(c.region_code, 1, 6) || '%')";

fn campaign_from_row(r: &[crate::Cell]) -> Campaign {
    Campaign {
        id: r[0].int().unwrap_or_default(),
        region_code: r[1].string(),
        year: r[2].int().unwrap_or_default(),
        title: r[3].string(),
        starts_on: r[4].date(),
        due_on: r[5].date(),
        created_by: r[6].string(),
        created_at: r[7].string(),
        cases: r[8].int().unwrap_or_default(),
        completed: r[9].int().unwrap_or_default(),
    }
}

/// Campaigns overlapping the scope, newest first, with their case counts in scope.
pub fn list(conn: &mut Conn, scope: &RegionScope) -> Result<Vec<Campaign>> {
    let like = scope.like_pattern();
    let prefix = scope.prefix().to_string();
    let rows = conn.query(
        &format!("{CAMPAIGN_SQL} WHERE {VISIBLE} ORDER BY c.year DESC, c.id DESC"),
        &[P::Text(&like), P::Text(&like), P::Text(&like), P::Text(&prefix)],
    )?;
    Ok(rows.iter().map(|r| campaign_from_row(r)).collect())
}

/// One campaign overlapping the scope (`None` when missing or outside it).
pub fn get(conn: &mut Conn, scope: &RegionScope, id: i64) -> Result<Option<Campaign>> {
    let like = scope.like_pattern();
    let prefix = scope.prefix().to_string();
    let r = conn.query_opt(
        &format!("{CAMPAIGN_SQL} WHERE c.id = ? AND {VISIBLE}"),
        &[P::Text(&like), P::Text(&like), P::Int(id), P::Text(&like), P::Text(&prefix)],
    )?;
    Ok(r.map(|r| campaign_from_row(&r)))
}

/// Counts of one village (or the total).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub total: i64,
    /// Past the village's verification (at a later step, or closed).
    pub verified: i64,
    /// Completed (the township confirmed).
    pub confirmed: i64,
    /// Open and past their deadline.
    pub overdue: i64,
    /// Cases per verdict code, in the order of `VERDICTS`.
    pub verdicts: Vec<(String, i64)>,
}

impl Counts {
    pub fn verdict(&self, code: &str) -> i64 {
        self.verdicts.iter().find(|(c, _)| c == code).map(|(_, n)| *n).unwrap_or(0)
    }

    fn add(&mut self, o: &Counts) {
        self.total += o.total;
        self.verified += o.verified;
        self.confirmed += o.confirmed;
        self.overdue += o.overdue;
        for (code, n) in &o.verdicts {
            match self.verdicts.iter_mut().find(|(c, _)| c == code) {
                Some(e) => e.1 += n,
                None => self.verdicts.push((code.clone(), *n)),
            }
        }
    }
}

fn empty_verdicts() -> Vec<(String, i64)> {
    VERDICTS.iter().map(|(c, _)| (c.to_string(), 0)).collect()
}

/// One village's progress.
#[derive(Debug, Clone)]
pub struct VillageProgress {
    pub village_code: String,
    pub deadline: Option<NaiveDate>,
    pub counts: Counts,
}

/// A campaign's progress in the reader's scope.
#[derive(Debug, Clone)]
pub struct Progress {
    pub campaign: Campaign,
    pub villages: Vec<VillageProgress>,
    pub total: Counts,
}

/// Progress per village of a campaign in scope (`None` when the campaign is not visible), with
/// `today` deciding what is overdue.
pub fn progress(conn: &mut Conn, scope: &RegionScope, campaign_id: i64, today: NaiveDate) -> Result<Option<Progress>> {
    let Some(campaign) = get(conn, scope, campaign_id)? else { return Ok(None) };
    let like = scope.like_pattern();
    let rows = conn.query(
        "SELECT region_code, COUNT(*), \
           SUM(CASE WHEN step_index > 0 OR status <> 'open' THEN 1 ELSE 0 END), \
           SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END), \
           SUM(CASE WHEN status = 'open' AND step_due < ? THEN 1 ELSE 0 END) \
         FROM wf_case WHERE campaign_id = ? AND region_code LIKE ? GROUP BY region_code ORDER BY region_code",
        &[P::Date(today), P::Int(campaign_id), P::Text(&like)],
    )?;
    let mut villages: BTreeMap<String, VillageProgress> = BTreeMap::new();
    for r in &rows {
        let code = r[0].string();
        villages.insert(
            code.clone(),
            VillageProgress {
                village_code: code,
                deadline: campaign.due_on,
                counts: Counts { total: r[1].int().unwrap_or_default(), verified: r[2].int().unwrap_or_default(), confirmed: r[3].int().unwrap_or_default(), overdue: r[4].int().unwrap_or_default(), verdicts: empty_verdicts() },
            },
        );
    }
    let verdicts = conn.query(
        "SELECT region_code, verdict, COUNT(*) FROM wf_case WHERE campaign_id = ? AND region_code LIKE ? AND verdict IS NOT NULL GROUP BY region_code, verdict",
        &[P::Int(campaign_id), P::Text(&like)],
    )?;
    for r in &verdicts {
        if let Some(v) = villages.get_mut(&r[0].string()) {
            let code = r[1].string();
            let n = r[2].int().unwrap_or_default();
            match v.counts.verdicts.iter_mut().find(|(c, _)| *c == code) {
                Some(e) => e.1 += n,
                None => v.counts.verdicts.push((code, n)),
            }
        }
    }
    let deadlines = conn.query("SELECT village_code, due_on FROM wf_campaign_deadline WHERE campaign_id = ?", &[P::Int(campaign_id)])?;
    for r in &deadlines {
        if let Some(v) = villages.get_mut(&r[0].string()) {
            v.deadline = r[1].date();
        }
    }
    let mut total = Counts { verdicts: empty_verdicts(), ..Default::default() };
    for v in villages.values() {
        total.add(&v.counts);
    }
    Ok(Some(Progress { campaign, villages: villages.into_values().collect(), total }))
}
