//! Recording one activity: validation with Chinese messages naming the field, pairing checks,
//! duplicate visits, idempotency by `client_uuid`, and the write in one transaction.

use super::{id_list, in_tx, opt_date, opt_int, opt_text, today_china, CHECKS, STINT_KINDS, TRAINING_LEVELS};
use crate::audit::{self, Actor};
use crate::db::{Conn, P};
use crate::error::{Result, StoreError};
use bangfu_domain::pairing::ActivityKind;
use bangfu_domain::{RegionCode, RegionScope};
use chrono::{NaiveDate, NaiveTime};
use serde_json::{Map, Value};

/// An activity as a form or the API sends it. Kind-specific fields go in `details`
/// (training: `level` 国培/省培/州培/县培, `trainer`, `sessions`, `participants`, `person_times`,
/// `credits`; stint: `stint_kind` 支教/挂职, `post`; meeting: `participants`; donation:
/// `donor`; purchase: `buyer`, `quantity`; dividend: `households`).
#[derive(Debug, Clone, PartialEq)]
pub struct NewActivity {
    pub kind: ActivityKind,
    /// The household visited (a visit to a household); its village becomes the activity's place.
    pub household_id: Option<i64>,
    /// The village (12-digit code) when there is no household.
    pub village: Option<String>,
    pub unit_id: Option<i64>,
    pub team_id: Option<i64>,
    pub helper_ids: Vec<i64>,
    pub occurred_on: NaiveDate,
    /// Stints and multi-day activities.
    pub ended_on: Option<NaiveDate>,
    /// HH:MM
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    /// Topic of a training or meeting, product of a purchase, project of a dividend.
    pub title: Option<String>,
    /// What a visit checked: codes of [`CHECKS`].
    pub checked: Vec<String>,
    pub problems: Option<String>,
    pub help_given: Option<String>,
    /// Fen.
    pub money: Option<i64>,
    pub goods: Option<String>,
    pub latitude_e6: Option<i64>,
    pub longitude_e6: Option<i64>,
    pub details: Map<String, Value>,
    /// Generated once per entry by the phone form; the same uuid twice is stored once.
    pub client_uuid: Option<String>,
}

impl NewActivity {
    /// An empty activity of a kind on a date (fill in the rest).
    pub fn new(kind: ActivityKind, occurred_on: NaiveDate) -> NewActivity {
        NewActivity {
            kind,
            household_id: None,
            village: None,
            unit_id: None,
            team_id: None,
            helper_ids: Vec::new(),
            occurred_on,
            ended_on: None,
            start_time: None,
            end_time: None,
            title: None,
            checked: Vec::new(),
            problems: None,
            help_given: None,
            money: None,
            goods: None,
            latitude_e6: None,
            longitude_e6: None,
            details: Map::new(),
            client_uuid: None,
        }
    }
}

/// What [`record`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub id: i64,
    /// The same `client_uuid` was stored before: nothing written, `id` is the first one's.
    pub duplicate: bool,
    /// Flags stored with the activity (`not_paired`).
    pub flags: Vec<String>,
}

fn invalid(msg: impl Into<String>) -> StoreError {
    StoreError::Invalid(msg.into())
}

fn clean(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn parse_time(field: &str, v: Option<&str>) -> Result<Option<NaiveTime>> {
    match v {
        None => Ok(None),
        Some(t) => NaiveTime::parse_from_str(t, "%H:%M").map(Some).map_err(|_| invalid(format!("{field}“{t}”不是有效的时间，请写成 时:分，如 09:30"))),
    }
}

fn detail_int(a: &NewActivity, key: &str) -> Option<i64> {
    match a.details.get(key) {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
}

fn detail_text<'a>(a: &'a NewActivity, key: &str) -> Option<&'a str> {
    match a.details.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim()),
        _ => None,
    }
}

fn require_positive(a: &NewActivity, key: &str, label: &str) -> Result<()> {
    match a.details.get(key) {
        None | Some(Value::Null) => Err(invalid(format!("请填写{label}"))),
        Some(_) => match detail_int(a, key) {
            Some(n) if n > 0 => Ok(()),
            _ => Err(invalid(format!("{label}应为大于 0 的整数"))),
        },
    }
}

/// Checks what can be checked without the database.
pub fn validate(a: &NewActivity, today: NaiveDate) -> Result<()> {
    if a.occurred_on > today {
        return Err(invalid(format!("日期 {} 晚于今天（{today}）：不能登记未来的{}", a.occurred_on, a.kind.label())));
    }
    if let Some(end) = a.ended_on && end < a.occurred_on {
        return Err(invalid(format!("结束日期 {end} 早于开始日期 {}", a.occurred_on)));
    }
    let start = parse_time("开始时间", clean(&a.start_time))?;
    let end = parse_time("结束时间", clean(&a.end_time))?;
    if let (Some(s), Some(e)) = (start, end) && e < s {
        return Err(invalid(format!("结束时间 {} 早于开始时间 {}", e.format("%H:%M"), s.format("%H:%M"))));
    }
    if let Some(m) = a.money && m < 0 {
        return Err(invalid("金额不能为负数"));
    }
    match (a.latitude_e6, a.longitude_e6) {
        (Some(lat), Some(lon)) => {
            if !(-90_000_000..=90_000_000).contains(&lat) || !(-180_000_000..=180_000_000).contains(&lon) {
                return Err(invalid("位置（GPS）的经纬度超出范围"));
            }
        }
        (None, None) => {}
        _ => return Err(invalid("位置（GPS）需要同时有纬度和经度")),
    }
    for c in &a.checked {
        if !CHECKS.iter().any(|(code, _)| code == c) {
            return Err(invalid(format!("走访内容“{c}”无法识别，可选：{}", CHECKS.iter().map(|(_, l)| *l).collect::<Vec<_>>().join("、"))));
        }
    }
    if let Some(u) = clean(&a.client_uuid) && u.len() > 64 {
        return Err(invalid("client_uuid 过长（最多 64 个字符）"));
    }
    let needs_helper = matches!(a.kind, ActivityKind::Visit | ActivityKind::SignIn | ActivityKind::WorkLog | ActivityKind::Stint);
    if needs_helper && a.helper_ids.is_empty() {
        return Err(invalid(format!("{}需要至少一位帮扶人（帮扶人）", a.kind.label())));
    }
    if a.household_id.is_none() && clean(&a.village).is_none() {
        return Err(invalid(if a.kind == ActivityKind::Visit { "请选择走访的户或村（户 / 村）" } else { "请选择村（村）" }));
    }
    match a.kind {
        ActivityKind::Visit | ActivityKind::SignIn => {}
        ActivityKind::WorkLog => {
            if clean(&a.help_given).is_none() && clean(&a.problems).is_none() {
                return Err(invalid("请填写工作内容（工作内容）"));
            }
        }
        ActivityKind::Stint => match detail_text(a, "stint_kind") {
            Some(k) if STINT_KINDS.contains(&k) => {}
            Some(k) => return Err(invalid(format!("类别“{k}”无法识别，应为 支教 或 挂职（类别）"))),
            None => return Err(invalid("请选择类别：支教 或 挂职（类别）")),
        },
        ActivityKind::Training => {
            if clean(&a.title).is_none() {
                return Err(invalid("请填写培训主题（主题）"));
            }
            match detail_text(a, "level") {
                Some(l) if TRAINING_LEVELS.contains(&l) => {}
                Some(l) => return Err(invalid(format!("培训级别“{l}”无法识别，应为 {}（级别）", TRAINING_LEVELS.join("、")))),
                None => return Err(invalid(format!("请选择培训级别：{}（级别）", TRAINING_LEVELS.join("、")))),
            }
            require_positive(a, "sessions", "培训期数（期数）")?;
            require_positive(a, "participants", "参训人数（人数）")?;
            if let (Some(p), Some(t)) = (detail_int(a, "participants"), detail_int(a, "person_times")) && t < p {
                return Err(invalid(format!("培训人次 {t} 少于参训人数 {p}（人次）")));
            }
        }
        ActivityKind::Meeting => {
            if clean(&a.title).is_none() {
                return Err(invalid("请填写会议主题（主题）"));
            }
        }
        ActivityKind::Donation => {
            if a.money.unwrap_or(0) == 0 && clean(&a.goods).is_none() {
                return Err(invalid("捐赠需要填写金额或物资（金额 / 物资）"));
            }
        }
        ActivityKind::Purchase | ActivityKind::Dividend => {
            let what = if a.kind == ActivityKind::Purchase { "购买的产品（产品）" } else { "分红的项目（项目）" };
            if clean(&a.title).is_none() {
                return Err(invalid(format!("请填写{what}")));
            }
            if a.money.unwrap_or(0) <= 0 {
                return Err(invalid("请填写金额（金额，元）"));
            }
        }
    }
    Ok(())
}

/// Records an activity (see the module). Errors: `Invalid` with a Chinese message naming the
/// field (future date, a visit before the helper's pairing with the household started, the same
/// visit already logged by one of its helpers, unknown helpers, bad kind-specific fields);
/// `NotFound` for a household or village outside the caller's scope. A helper not paired with the
/// household is allowed and flagged `not_paired`.
pub fn record(conn: &mut Conn, actor: &Actor, scope: &RegionScope, a: &NewActivity) -> Result<Recorded> {
    record_on(conn, actor, scope, a, today_china())
}

/// [`record`] with an explicit "today" (tests).
pub fn record_on(conn: &mut Conn, actor: &Actor, scope: &RegionScope, a: &NewActivity, today: NaiveDate) -> Result<Recorded> {
    validate(a, today)?;
    let uuid = clean(&a.client_uuid).map(str::to_string);
    if let Some(u) = &uuid && let Some(done) = by_uuid(conn, scope, u)? {
        return Ok(done);
    }
    let result = in_tx(conn, |conn| write(conn, actor, scope, a, uuid.as_deref()));
    match result {
        // the same form sent twice at once: the other request won the unique index
        Err(e) if e.is_unique_violation() && uuid.is_some() => by_uuid(conn, scope, uuid.as_deref().unwrap_or_default())?.ok_or(e),
        other => other,
    }
}

fn by_uuid(conn: &mut Conn, scope: &RegionScope, uuid: &str) -> Result<Option<Recorded>> {
    let Some(row) = conn.query_opt("SELECT id, region_code, flags FROM activity WHERE client_uuid = ?", &[P::Text(uuid)])? else {
        return Ok(None);
    };
    if !row[1].string().starts_with(scope.prefix()) {
        return Err(invalid("该 client_uuid 已被另一条记录使用，请重新生成"));
    }
    let flags = row[2].text().map(|f| f.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect()).unwrap_or_default();
    Ok(Some(Recorded { id: row[0].int().unwrap_or(0), duplicate: true, flags }))
}

fn write(conn: &mut Conn, actor: &Actor, scope: &RegionScope, a: &NewActivity, uuid: Option<&str>) -> Result<Recorded> {
    let pattern = scope.like_pattern();
    // the place: the household's village, or the village named
    // the household's row is locked on PostgreSQL, so two helpers logging the same visit at the same
    // moment are checked one after the other (SQLite's single writer does the same)
    let lock = if conn.backend() == crate::db::Backend::Postgres { " FOR UPDATE" } else { "" };
    let region_code = match a.household_id {
        Some(h) => conn
            .query_opt(&format!("SELECT region_code FROM household WHERE id = ? AND region_code LIKE ?{lock}"), &[P::Int(h), P::Text(&pattern)])?
            .map(|r| r[0].string())
            .ok_or_else(|| StoreError::NotFound("该户（或它不在您的管辖范围内）".into()))?,
        None => {
            let v = clean(&a.village).unwrap_or_default();
            let code = RegionCode::parse(v).map_err(|_| invalid(format!("村代码“{v}”无效（村）")))?;
            if !scope.contains(&code) {
                return Err(StoreError::NotFound("该村（或它不在您的管辖范围内）".into()));
            }
            let known = conn.query_int("SELECT COUNT(*) FROM region WHERE code = ?", &[P::Text(code.as_str())])?;
            if known == 0 {
                return Err(StoreError::NotFound(format!("村 {}（区划表中没有）", code.as_str())));
            }
            code.as_str().to_string()
        }
    };
    // helpers: each once, each known
    let mut helpers = a.helper_ids.clone();
    helpers.sort_unstable();
    helpers.dedup();
    if !helpers.is_empty() {
        let rows = conn.query(&format!("SELECT id, name FROM helper WHERE id IN ({})", id_list(&helpers)), &[])?;
        if rows.len() != helpers.len() {
            let known: Vec<i64> = rows.iter().filter_map(|r| r[0].int()).collect();
            let missing: Vec<String> = helpers.iter().filter(|h| !known.contains(h)).map(i64::to_string).collect();
            return Err(invalid(format!("帮扶人编号 {} 不存在（帮扶人）", missing.join("、"))));
        }
    }
    let mut flags: Vec<String> = Vec::new();
    if let (ActivityKind::Visit, Some(hh)) = (a.kind, a.household_id) {
        // the same visit logged before by one of its helpers
        if !helpers.is_empty() {
            let prior = conn.query_opt(
                &format!(
                    "SELECT ah.activity_id, h.name FROM activity_helper ah JOIN helper h ON h.id = ah.helper_id \
                     WHERE ah.household_id = ? AND ah.occurred_on = ? AND ah.kind = 'visit' AND ah.helper_id IN ({}) ORDER BY ah.activity_id LIMIT 1",
                    id_list(&helpers)
                ),
                &[P::Int(hh), P::Date(a.occurred_on)],
            )?;
            if let Some(p) = prior {
                return Err(invalid(format!(
                    "{} 已登记过该户 {} 的走访（记录 {}）：同一次走访只登记一次，一同入户的帮扶人请在那条记录中一并填写",
                    p[1].string(),
                    a.occurred_on,
                    p[0].int().unwrap_or(0)
                )));
            }
        }
        for &h in &helpers {
            if is_paired_ever(conn, h, hh)? {
                if !super::is_paired(conn, h, hh, a.occurred_on)? {
                    let first = conn
                        .query_opt(
                            "SELECT MIN(started_on) FROM pairing WHERE beneficiary_kind = 'household' AND beneficiary_id = ? AND helper_kind = 'helper' AND helper_id = ?",
                            &[P::Int(hh), P::Int(h)],
                        )?
                        .and_then(|r| r[0].date());
                    match first {
                        Some(f) if a.occurred_on < f => {
                            let name = conn.query_opt("SELECT name FROM helper WHERE id = ?", &[P::Int(h)])?.map(|r| r[0].string()).unwrap_or_default();
                            return Err(invalid(format!("走访日期 {} 早于 {name} 与该户结对的开始日期 {f}（日期）", a.occurred_on)));
                        }
                        // after the pairing ended: not paired on that day
                        _ => push_flag(&mut flags, "not_paired"),
                    }
                }
            } else {
                push_flag(&mut flags, "not_paired");
            }
        }
    }
    let id = crate::ids::allocate(conn, "activity", 1)?;
    let checked = a.checked.join(",");
    let details = if a.details.is_empty() { None } else { Some(Value::Object(a.details.clone()).to_string()) };
    let flag_text = flags.join(",");
    let now = crate::now_utc();
    conn.execute(
        "INSERT INTO activity (id, kind, region_code, household_id, unit_id, team_id, occurred_on, ended_on, start_time, end_time, title, checked, problems, help_given, \
         money, goods, latitude_e6, longitude_e6, details, flags, client_uuid, created_by, created_at, version) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
        &[
            P::Int(id),
            P::Text(a.kind.code()),
            P::Text(&region_code),
            opt_int(a.household_id),
            opt_int(a.unit_id),
            opt_int(a.team_id),
            P::Date(a.occurred_on),
            opt_date(a.ended_on),
            opt_text(clean(&a.start_time)),
            opt_text(clean(&a.end_time)),
            opt_text(clean(&a.title)),
            opt_text(Some(checked.as_str()).filter(|s| !s.is_empty())),
            opt_text(clean(&a.problems)),
            opt_text(clean(&a.help_given)),
            opt_int(a.money),
            opt_text(clean(&a.goods)),
            opt_int(a.latitude_e6),
            opt_int(a.longitude_e6),
            opt_text(details.as_deref()),
            opt_text(Some(flag_text.as_str()).filter(|s| !s.is_empty())),
            opt_text(uuid),
            P::Text(&actor.name),
            P::Text(&now),
        ],
    )?;
    for &h in &helpers {
        conn.execute(
            "INSERT INTO activity_helper (helper_id, occurred_on, activity_id, kind, household_id, region_code) VALUES (?, ?, ?, ?, ?, ?)",
            &[P::Int(h), P::Date(a.occurred_on), P::Int(id), P::Text(a.kind.code()), opt_int(a.household_id), P::Text(&region_code)],
        )?;
    }
    let after = serde_json::json!({
        "kind": a.kind.code(), "household_id": a.household_id, "occurred_on": a.occurred_on.to_string(),
        "helpers": helpers, "money": a.money, "flags": flag_text, "client_uuid": uuid,
    });
    audit::record(
        conn,
        actor,
        audit::Entry { region_code: Some(&region_code), entity: "activity", entity_id: Some(id.to_string()), action: "create", before: None, after: Some(after.to_string()) },
    )?;
    Ok(Recorded { id, duplicate: false, flags })
}

fn push_flag(flags: &mut Vec<String>, f: &str) {
    if !flags.iter().any(|x| x == f) {
        flags.push(f.to_string());
    }
}

/// Whether a helper has ever been paired with a household (helper—household or leader—household).
pub fn is_paired_ever(conn: &mut Conn, helper_id: i64, household_id: i64) -> Result<bool> {
    Ok(conn.query_int(
        "SELECT COUNT(*) FROM pairing WHERE beneficiary_kind = 'household' AND beneficiary_id = ? AND helper_kind = 'helper' AND helper_id = ?",
        &[P::Int(household_id), P::Int(helper_id)],
    )? > 0)
}
