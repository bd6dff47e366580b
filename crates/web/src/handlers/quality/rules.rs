//! The rule catalogue with what is in force for the caller's jurisdiction (on/off, parameters, the
//! document behind each), the income lines by year, and — for users who manage rules — switching a
//! rule on or off, changing its parameters (checked here, the message next to the field), recording
//! the basis document, removing the jurisdiction's setting, and setting a year's line. The store
//! audits every change.

use super::{jurisdiction, local_time, prefix_name, severity_class};
use crate::auth::{Principal, csrf};
use crate::error::{AppError, AppResult};
use crate::handlers::edit::with_status;
use crate::handlers::render;
use crate::state::AppState;
use crate::views::{Nav, urlencode};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_domain::Capability;
use bangfu_domain::quality::lines::{LineKind, NATIONAL_LINES};
use bangfu_domain::quality::settings::parse_param;
use bangfu_domain::quality::{Lines, ParamDef, ParamKind, ParamValue, Requires, ResolvedRules, Rule, RuleOverride};
use bangfu_store::quality::{self, StoredLine, StoredSetting};
use bangfu_store::{Conn, StoreError};
use std::collections::HashMap;
use std::sync::Arc;

/// The settings and lines as they stand for one jurisdiction.
pub struct Standing {
    pub prefix: String,
    /// In force at the prefix (every setting at or above it).
    pub resolved: Arc<ResolvedRules>,
    /// What the prefix would have without its own settings (the parent's values).
    pub inherited: ResolvedRules,
    pub stored: Vec<StoredSetting>,
    pub lines: Vec<StoredLine>,
    pub problems: Vec<String>,
}

fn lenient(prefix: &str, overrides: &[RuleOverride], lines: Lines) -> ResolvedRules {
    let mut r = ResolvedRules::defaults(lines);
    let mut mine: Vec<&RuleOverride> = overrides.iter().filter(|o| prefix.starts_with(&o.region_prefix)).collect();
    mine.sort_by_key(|o| o.region_prefix.len());
    for o in mine {
        let _ = r.apply(o);
    }
    r
}

/// Loads what is in force for `prefix` and what it inherits.
pub fn standing(c: &mut Conn, prefix: &str) -> bangfu_store::Result<Standing> {
    let mut settings = quality::settings(c)?;
    let resolved = settings.for_region(prefix);
    let stored = quality::stored_settings(c)?;
    let parents: Vec<RuleOverride> = stored
        .iter()
        .filter(|s| s.region_prefix != prefix)
        .filter_map(|s| Rule::from_code(&s.rule_code).map(|rule| RuleOverride { rule, region_prefix: s.region_prefix.clone(), enabled: s.enabled, params: s.params.clone() }))
        .collect();
    let inherited = lenient(prefix, &parents, resolved.lines.clone());
    let lines = quality::lines(c)?;
    Ok(Standing { prefix: prefix.to_string(), resolved, inherited, stored, lines, problems: settings.problems })
}

impl Standing {
    /// The jurisdiction's own setting of a rule.
    pub fn own(&self, rule: Rule) -> Option<&StoredSetting> {
        self.stored.iter().find(|s| s.rule_code == rule.code() && s.region_prefix == self.prefix)
    }

    /// The settings of a rule in force here, the jurisdiction's own last.
    pub fn applying(&self, rule: Rule) -> Vec<&StoredSetting> {
        let mut v: Vec<&StoredSetting> = self.stored.iter().filter(|s| s.rule_code == rule.code() && self.prefix.starts_with(&s.region_prefix)).collect();
        v.sort_by_key(|s| s.region_prefix.len());
        v
    }
}

/// A parameter's value as officials type it (元 and 亩 with two places, fields by their labels).
pub fn show_param(r: &ResolvedRules, rule: Rule, p: &ParamDef) -> String {
    match p.kind {
        ParamKind::Int => r.int(rule, p.key).to_string(),
        ParamKind::Money | ParamKind::Hundredths => bangfu_domain::value::format_hundredths(r.int(rule, p.key)),
        ParamKind::Fields => r.fields(rule, p.key).iter().map(|f| f.def().label).collect::<Vec<_>>().join("、"),
    }
}

fn same_as(r: &ResolvedRules, rule: Rule, p: &ParamDef, v: &ParamValue) -> bool {
    match v {
        ParamValue::Int(n) => r.int(rule, p.key) == *n,
        ParamValue::Fields(f) => r.fields(rule, p.key) == f.as_slice(),
    }
}

fn kind_hint(k: ParamKind) -> &'static str {
    match k {
        ParamKind::Int => "整数",
        ParamKind::Money => "金额（元），可填两位小数",
        ParamKind::Hundredths => "可填两位小数",
        ParamKind::Fields => "字段名称（如 户类型、耕地面积），用顿号分隔",
    }
}

pub struct ParamView {
    pub key: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub value: String,
    pub default: String,
    pub inherited: String,
    /// The form's text (as typed after an error).
    pub input: String,
    pub msg: String,
}

pub struct SettingView {
    pub region_prefix: String,
    pub region_name: String,
    pub enabled: &'static str,
    pub params: String,
    pub basis: String,
    pub updated_at: String,
    pub updated_by: String,
}

fn setting_view(s: &StoredSetting, names: &crate::regions::RegionNames, rule: Rule) -> SettingView {
    let label = |k: &str| rule.param_index(k).map(|i| rule.def().params[i].label).unwrap_or("（已取消的参数）");
    SettingView {
        region_prefix: s.region_prefix.clone(),
        region_name: if s.region_prefix.is_empty() { "全系统".into() } else { prefix_name(names, &s.region_prefix) },
        enabled: match s.enabled {
            Some(true) => "启用",
            Some(false) => "停用",
            None => "沿用上级",
        },
        params: s.params.iter().map(|(k, v)| format!("{}：{v}", label(k))).collect::<Vec<_>>().join("；"),
        basis: s.basis.clone().unwrap_or_default(),
        updated_at: local_time(&s.updated_at),
        updated_by: s.updated_by.clone(),
    }
}

pub struct RuleView {
    pub code: &'static str,
    pub group: &'static str,
    pub title: &'static str,
    pub severity_label: &'static str,
    pub severity_class: &'static str,
    pub level_label: &'static str,
    pub on: bool,
    pub waiting: bool,
    pub state_label: &'static str,
    pub params: Vec<ParamView>,
    pub fields: String,
    pub fix: &'static str,
    pub basis: &'static str,
    /// The settings in force here, from the widest jurisdiction to this one.
    pub settings: Vec<SettingView>,
    pub own: bool,
}

pub fn rule_view(s: &Standing, rule: Rule, names: &crate::regions::RegionNames) -> RuleView {
    let d = rule.def();
    let on = s.resolved.on(rule);
    let waiting = d.requires == Requires::Measures;
    let defaults = ResolvedRules::defaults(Lines::national_defaults());
    RuleView {
        code: d.code,
        group: d.group,
        title: d.title,
        severity_label: d.severity.label(),
        severity_class: severity_class(d.severity),
        level_label: d.level.label(),
        on,
        waiting,
        state_label: if !on {
            "停用"
        } else if waiting {
            "待帮扶措施数据"
        } else {
            "启用"
        },
        params: d
            .params
            .iter()
            .map(|p| {
                let value = show_param(&s.resolved, rule, p);
                ParamView { key: p.key, label: p.label, hint: kind_hint(p.kind), input: value.clone(), value, default: show_param(&defaults, rule, p), inherited: show_param(&s.inherited, rule, p), msg: String::new() }
            })
            .collect(),
        fields: d.fields.iter().map(|f| f.def().label).collect::<Vec<_>>().join("、"),
        fix: d.fix,
        basis: d.basis,
        settings: s.applying(rule).into_iter().map(|x| setting_view(x, names, rule)).collect(),
        own: s.own(rule).is_some(),
    }
}

pub struct LineView {
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub year: i64,
    pub amount: String,
    pub source: String,
    pub basis: String,
}

/// The lines in force for the jurisdiction by year: the national defaults, then every stored line
/// of a jurisdiction covering it (wider first).
pub fn line_views(s: &Standing, names: &crate::regions::RegionNames) -> Vec<LineView> {
    let mut by: HashMap<(&'static str, i64), LineView> = HashMap::new();
    for (kind, year, yuan, basis) in NATIONAL_LINES {
        by.insert((kind.code(), *year), LineView { kind: kind.code(), kind_label: kind.label(), year: *year, amount: bangfu_domain::value::format_hundredths(yuan * 100), source: "全国默认".into(), basis: basis.to_string() });
    }
    let mut mine: Vec<&StoredLine> = s.lines.iter().filter(|l| s.prefix.starts_with(&l.region_prefix)).collect();
    mine.sort_by_key(|l| l.region_prefix.len());
    for l in mine {
        let source = if l.region_prefix.is_empty() { "全系统".to_string() } else { prefix_name(names, &l.region_prefix) };
        by.insert(
            (l.kind.code(), l.year),
            LineView { kind: l.kind.code(), kind_label: l.kind.label(), year: l.year, amount: bangfu_domain::value::format_hundredths(l.amount_fen), source, basis: l.basis.clone().unwrap_or_default() },
        );
    }
    let mut v: Vec<LineView> = by.into_values().collect();
    v.sort_by_key(|a| (a.kind != "poverty", a.year));
    v
}

/// The line form as typed, with its messages.
#[derive(Default)]
pub struct LineForm {
    pub kind: String,
    pub year: String,
    pub amount: String,
    pub basis: String,
    pub msgs: HashMap<&'static str, String>,
}

impl LineForm {
    pub fn msg(&self, key: &str) -> String {
        self.msgs.get(key).cloned().unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "quality_rules.html")]
struct RulesPage {
    nav: Nav,
    prefix: String,
    prefix_name: String,
    /// Whether the caller picks the jurisdiction (a user of the whole installation).
    choose: bool,
    can_manage: bool,
    pq: String,
    rules: Vec<RuleView>,
    lines: Vec<LineView>,
    line: LineForm,
    problems: Vec<String>,
    notice: String,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct RulesQuery {
    prefix: String,
    saved: String,
}

/// `prefix=…` for links of a user who picks the jurisdiction.
fn pq(p: &Principal, prefix: &str) -> String {
    if p.scope().prefix().is_empty() { format!("prefix={}", urlencode(prefix)) } else { String::new() }
}

async fn rules_page(state: &AppState, p: &Principal, prefix: String, line: LineForm, notice: String, status: StatusCode) -> AppResult<Response> {
    let pre = prefix.clone();
    let s = state.db.run(move |c, _| Ok(standing(c, &pre)?)).await?;
    let names = state.names();
    let page = RulesPage {
        nav: Nav::new(p, &names, "quality"),
        prefix_name: if prefix.is_empty() { "全系统".into() } else { prefix_name(&names, &prefix) },
        choose: p.scope().prefix().is_empty(),
        can_manage: p.can(Capability::ManageRules),
        pq: pq(p, &prefix),
        rules: Rule::ALL.iter().map(|r| rule_view(&s, *r, &names)).collect(),
        lines: line_views(&s, &names),
        line,
        problems: s.problems.clone(),
        notice,
        prefix,
    };
    Ok(with_status(status, &page))
}

pub async fn list(State(state): State<AppState>, p: Principal, Query(q): Query<RulesQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let prefix = jurisdiction(&p, &q.prefix)?;
    let notice = if q.saved == "line" { "已保存收入标准。下次检查起按新标准核对。".to_string() } else { String::new() };
    rules_page(&state, &p, prefix, LineForm { kind: "monitoring".into(), ..LineForm::default() }, notice, StatusCode::OK).await
}

#[derive(Template)]
#[template(path = "quality_rule.html")]
struct RulePage {
    nav: Nav,
    prefix: String,
    prefix_name: String,
    pq: String,
    can_manage: bool,
    rule: RuleView,
    /// The form: "" (inherit), "on" or "off"; the basis document.
    enabled: String,
    inherited_on: bool,
    basis: String,
    problems: Vec<String>,
    notice: String,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct RuleQuery {
    prefix: String,
    saved: String,
    removed: String,
}

fn rule_of(code: &str) -> AppResult<Rule> {
    Rule::from_code(&code.trim().to_uppercase()).ok_or(AppError::NotFound)
}

pub async fn show(State(state): State<AppState>, p: Principal, Path(code): Path<String>, Query(q): Query<RuleQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let rule = rule_of(&code)?;
    let prefix = jurisdiction(&p, &q.prefix)?;
    let pre = prefix.clone();
    let s = state.db.run(move |c, _| Ok(standing(c, &pre)?)).await?;
    let own = s.own(rule);
    let enabled = match own.and_then(|o| o.enabled) {
        Some(true) => "on",
        Some(false) => "off",
        None => "",
    };
    let basis = own.and_then(|o| o.basis.clone()).unwrap_or_default();
    let notice = if q.saved == "1" {
        "已保存。下次检查起按新设置执行，修改已记入审计日志。"
    } else if q.removed == "1" {
        "已删除本辖区的设置，该规则沿用上级或默认设置。"
    } else {
        ""
    };
    let names = state.names();
    let page = RulePage {
        nav: Nav::new(&p, &names, "quality"),
        prefix_name: if prefix.is_empty() { "全系统".into() } else { prefix_name(&names, &prefix) },
        pq: pq(&p, &prefix),
        can_manage: p.can(Capability::ManageRules),
        rule: rule_view(&s, rule, &names),
        enabled: enabled.into(),
        inherited_on: s.inherited.on(rule),
        basis,
        problems: s.problems.clone(),
        notice: notice.into(),
        prefix,
    };
    Ok(render(&page))
}

fn posted<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or_default()
}

/// Saves the jurisdiction's setting of a rule: only what differs from what it inherits is stored.
pub async fn save(State(state): State<AppState>, p: Principal, Path(code): Path<String>, Form(pairs): Form<Vec<(String, String)>>) -> AppResult<Response> {
    p.require(Capability::ManageRules)?;
    csrf::check(&p, posted(&pairs, "_csrf"))?;
    let rule = rule_of(&code)?;
    let prefix = jurisdiction(&p, posted(&pairs, "prefix"))?;
    let pre = prefix.clone();
    let s = state.db.run(move |c, _| Ok(standing(c, &pre)?)).await?;
    let enabled_text = posted(&pairs, "enabled").trim().to_string();
    let enabled = match enabled_text.as_str() {
        "on" => Some(true),
        "off" => Some(false),
        _ => None,
    };
    let basis = posted(&pairs, "basis").trim().to_string();
    let mut params = Vec::new();
    let mut msgs: HashMap<&'static str, String> = HashMap::new();
    for d in rule.def().params {
        let text = posted(&pairs, &format!("param_{}", d.key)).trim().to_string();
        if text.is_empty() {
            continue;
        }
        match parse_param(d, &text) {
            Ok(v) if same_as(&s.inherited, rule, d, &v) => {}
            Ok(_) => params.push((d.key.to_string(), text)),
            Err(m) => {
                msgs.insert(d.key, m);
            }
        }
    }
    let mut problems = Vec::new();
    if msgs.is_empty() {
        let o = RuleOverride { rule, region_prefix: prefix.clone(), enabled, params };
        let (actor, b) = (p.actor(), basis.clone());
        let result = state
            .db
            .run(move |c, _| {
                let r = if o.enabled.is_none() && o.params.is_empty() { quality::delete_setting(c, &actor, rule, &o.region_prefix).map(|_| ()) } else { quality::save_setting(c, &actor, &o, Some(b.as_str()).filter(|b| !b.is_empty())) };
                match r {
                    Ok(()) => Ok(Ok(())),
                    Err(StoreError::Invalid(m)) => Ok(Err(m)),
                    Err(e) => Err(e.into()),
                }
            })
            .await?;
        match result {
            Ok(()) => {
                let q = pq(&p, &prefix);
                return Ok(Redirect::to(&format!("/quality/rules/{}?saved=1{}{q}", rule.code(), if q.is_empty() { "" } else { "&" })).into_response());
            }
            Err(m) => problems.push(m),
        }
    }
    // shown again as typed, each message next to its field
    let names = state.names();
    let mut view = rule_view(&s, rule, &names);
    for pv in view.params.iter_mut() {
        pv.input = posted(&pairs, &format!("param_{}", pv.key)).to_string();
        pv.msg = msgs.remove(pv.key).unwrap_or_default();
    }
    for pv in &view.params {
        if !pv.msg.is_empty() {
            problems.push(pv.msg.clone());
        }
    }
    let page = RulePage {
        nav: Nav::new(&p, &names, "quality"),
        prefix_name: if prefix.is_empty() { "全系统".into() } else { prefix_name(&names, &prefix) },
        pq: pq(&p, &prefix),
        can_manage: true,
        rule: view,
        enabled: enabled_text,
        inherited_on: s.inherited.on(rule),
        basis,
        problems,
        notice: String::new(),
        prefix,
    };
    Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// Removes the jurisdiction's setting of a rule (it inherits again).
pub async fn remove(State(state): State<AppState>, p: Principal, Path(code): Path<String>, Form(pairs): Form<Vec<(String, String)>>) -> AppResult<Response> {
    p.require(Capability::ManageRules)?;
    csrf::check(&p, posted(&pairs, "_csrf"))?;
    let rule = rule_of(&code)?;
    let prefix = jurisdiction(&p, posted(&pairs, "prefix"))?;
    let (actor, pre) = (p.actor(), prefix.clone());
    state.db.run(move |c, _| Ok(quality::delete_setting(c, &actor, rule, &pre)?)).await?;
    let q = pq(&p, &prefix);
    Ok(Redirect::to(&format!("/quality/rules/{}?removed=1{}{q}", rule.code(), if q.is_empty() { "" } else { "&" })).into_response())
}

/// Sets the jurisdiction's line for a year (元 per person per year).
pub async fn save_line(State(state): State<AppState>, p: Principal, Form(pairs): Form<Vec<(String, String)>>) -> AppResult<Response> {
    p.require(Capability::ManageRules)?;
    csrf::check(&p, posted(&pairs, "_csrf"))?;
    let prefix = jurisdiction(&p, posted(&pairs, "prefix"))?;
    let mut f = LineForm {
        kind: posted(&pairs, "kind").trim().to_string(),
        year: posted(&pairs, "year").trim().to_string(),
        amount: posted(&pairs, "amount").trim().to_string(),
        basis: posted(&pairs, "basis").trim().to_string(),
        msgs: HashMap::new(),
    };
    let kind = LineKind::parse(&f.kind);
    if kind.is_none() {
        f.msgs.insert("kind", "请选择扶贫标准或防返贫监测线".into());
    }
    let year = f.year.parse::<i64>().ok().filter(|y| (2000..=2100).contains(y));
    if year.is_none() {
        f.msgs.insert("year", format!("年度应为 2000–2100 之间的四位年份，实际为“{}”", f.year));
    }
    let amount = bangfu_domain::value::parse_decimal(&f.amount, &["元"], false).ok().filter(|a| *a > 0);
    if amount.is_none() {
        f.msgs.insert("amount", format!("金额应为大于 0 的数字（元/人/年），实际为“{}”", f.amount));
    }
    if let (Some(kind), Some(year), Some(amount_fen)) = (kind, year, amount) {
        let line = StoredLine { kind, region_prefix: prefix.clone(), year, amount_fen, basis: Some(f.basis.clone()).filter(|b| !b.is_empty()) };
        let actor = p.actor();
        let result = state
            .db
            .run(move |c, _| match quality::save_line(c, &actor, &line) {
                Ok(()) => Ok(Ok(())),
                Err(StoreError::Invalid(m)) => Ok(Err(m)),
                Err(e) => Err(e.into()),
            })
            .await?;
        match result {
            Ok(()) => {
                let q = pq(&p, &prefix);
                return Ok(Redirect::to(&format!("/quality/rules?saved=line{}{q}#lines", if q.is_empty() { "" } else { "&" })).into_response());
            }
            Err(m) => {
                f.msgs.insert("amount", m);
            }
        }
    }
    rules_page(&state, &p, prefix, f, String::new(), StatusCode::UNPROCESSABLE_ENTITY).await
}
