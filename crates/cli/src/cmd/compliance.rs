//! `bangfu compliance`: the month's field-work compliance (考核) for a region — rates by township
//! and village, who is behind, the overdue lists — the monthly ledgers as xlsx, a helper's due list,
//! and the rule parameters per jurisdiction.

use super::Ctx;
use anyhow::{bail, Context, Result};
use bangfu_domain::compliance::{catalog, Month, Params, Rule};
use bangfu_domain::{RegionCode, RegionScope};
use bangfu_store::audit::{self, Actor, Entry};
use bangfu_store::compliance::{self, AreaRow, MonthlyRequest};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ComplianceArgs {
    #[command(subcommand)]
    pub command: Option<ComplianceCommand>,
    #[command(flatten)]
    pub month: MonthArgs,
}

#[derive(Args)]
pub struct MonthArgs {
    /// 考核月份，如 2025-06（默认本月）
    #[arg(long)]
    pub month: Option<String>,
    /// 只看该区划（县、乡镇或村的代码）；默认 --scope 范围
    #[arg(long)]
    pub region: Option<String>,
    /// 把本月走访台账写成 xlsx（每村一张表）
    #[arg(long)]
    pub ledger: Option<PathBuf>,
    /// 把本月帮扶工作台账写成 xlsx（每村一张表，按帮扶责任人）
    #[arg(long)]
    pub work_ledger: Option<PathBuf>,
    /// 名单最多列出多少行
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// 按这一天计算（默认今天）
    #[arg(long)]
    pub today: Option<NaiveDate>,
    /// 以 JSON 输出汇总
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand)]
pub enum ComplianceCommand {
    /// 一名帮扶责任人本月应走访的结对户和完成情况
    Due {
        /// 帮扶人编号（helper.id）
        #[arg(long)]
        helper: i64,
        #[arg(long)]
        month: Option<String>,
        #[arg(long)]
        today: Option<NaiveDate>,
    },
    /// 一个学年（9 月至次年 8 月）的支教/挂职与教师交流：不足一周的支教、学期累计不足的教师、交流教师不足的结对学校
    Stints {
        /// 学年（以开始的年份命名，如 2025 表示 2025—2026 学年）
        #[arg(long)]
        year: i32,
    },
    /// 列出考核规则及某区划适用的参数
    Rules {
        #[arg(long, default_value = "")]
        region: String,
    },
    /// 为某辖区设置考核参数（记入审计），如 set no_visit_days 30 --region 431099 --basis "某县〔2025〕3号"
    Set {
        /// 参数名（如 no_visit_days）或中文名称
        key: String,
        /// 值（整数）
        value: String,
        /// 辖区区划代码前缀；不填为全系统
        #[arg(long, default_value = "")]
        region: String,
        /// 依据（文件名称和文号）
        #[arg(long)]
        basis: Option<String>,
    },
    /// 删除某辖区的考核参数设置（恢复上级或默认值）
    Unset {
        key: String,
        #[arg(long, default_value = "")]
        region: String,
    },
}

fn month_of(text: Option<&str>, today: NaiveDate) -> Result<Month> {
    match text {
        Some(t) => Month::parse(t).with_context(|| format!("--month 应为 2025-06 这样的月份，实际为“{t}”")),
        None => Ok(Month::of(today)),
    }
}

fn today_or(t: Option<NaiveDate>) -> NaiveDate {
    t.unwrap_or_else(|| chrono::Local::now().date_naive())
}

/// The caller's scope narrowed to `--region`, refusing a region outside it.
fn scope_of(ctx: &Ctx, region: Option<&str>) -> Result<RegionScope> {
    match region {
        None => Ok(ctx.scope.clone()),
        Some(r) => {
            let code = RegionCode::parse(r).with_context(|| format!("--region {r} 不是有效的区划代码"))?;
            if !ctx.scope.contains(&code) {
                bail!("区划 {r} 不在 --scope {} 范围内", ctx.scope.prefix());
            }
            Ok(RegionScope::of(&code))
        }
    }
}

pub fn run(ctx: &Ctx, a: ComplianceArgs) -> Result<()> {
    match a.command {
        None => month(ctx, a.month),
        Some(ComplianceCommand::Due { helper, month, today }) => due(ctx, helper, month.as_deref(), today_or(today)),
        Some(ComplianceCommand::Rules { region }) => rules(ctx, &region),
        Some(ComplianceCommand::Stints { year }) => {
            let mut store = ctx.open()?;
            let r = bangfu_store::compliance::stints(&mut store.conn, &ctx.scope, year)?;
            println!("{}—{} 学年：支教/挂职 {} 次，问题 {} 条", r.school_year, r.school_year + 1, r.stints, r.problems.len());
            for p in &r.problems {
                println!("  [{}] {}（编号 {}）：{}", p.rule, p.helper_name, p.helper_id, p.what);
            }
            println!("结对学校 {} 对：", r.exchanges.len());
            for e in &r.exchanges {
                let mark = if e.teachers >= e.required { "达标" } else { "[EXC-01] 不足" };
                println!("  {} → {}：交流教师 {} 名（应 ≥ {}）{}", e.sending, e.receiving, e.teachers, e.required, mark);
            }
            Ok(())
        }
        Some(ComplianceCommand::Set { key, value, region, basis }) => {
            let mut store = ctx.open()?;
            let key = compliance::settings::save(&mut store.conn, &Actor::cli(), &key, &region, &value, basis.as_deref())?;
            let (p, _) = compliance::settings::params_for(&mut store.conn, &region)?;
            println!("已设置考核参数 {key} = {}（辖区：{}）", p.get(key), if region.is_empty() { "全系统" } else { &region });
            Ok(())
        }
        Some(ComplianceCommand::Unset { key, region }) => {
            let mut store = ctx.open()?;
            let place = if region.is_empty() { "全系统".to_string() } else { region.clone() };
            if compliance::settings::remove(&mut store.conn, &Actor::cli(), &key, &region)? {
                println!("已删除考核参数 {key} 在“{place}”的设置");
            } else {
                println!("考核参数 {key} 在“{place}”没有设置");
            }
            Ok(())
        }
    }
}

fn pct(t: &compliance::Tally) -> String {
    if t.due == 0 { "—".into() } else { format!("{}/{} {:.1}%", t.met, t.due, t.rate()) }
}

fn area_line(a: &AreaRow) -> String {
    format!(
        "{:<14} 走访 {:<18} 超期未走访 {:<6} 干部走访 {:<16} 单位到村 {:<12} 领导到村 {:<12} 驻村天数 {}",
        a.name,
        pct(&a.visits),
        a.overdue,
        pct(&a.cadres),
        pct(&a.units),
        pct(&a.leaders),
        pct(&a.team)
    )
}

fn month(ctx: &Ctx, a: MonthArgs) -> Result<()> {
    let today = today_or(a.today);
    let m = month_of(a.month.as_deref(), today)?;
    let scope = scope_of(ctx, a.region.as_deref())?;
    let mut store = ctx.open()?;
    let t = std::time::Instant::now();
    let r = compliance::monthly(&mut store.conn, &MonthlyRequest { scope: &scope, month: m, today, list_limit: a.limit.max(1) })?;
    let elapsed = t.elapsed().as_secs_f64();
    let place = r.total.name.clone();
    if let Some(path) = &a.ledger {
        let rows = compliance::visit_ledger(&mut store.conn, &scope, m)?;
        let sheets = bangfu_exchange::ledgers::write_visit_ledger(path, &place, m, &rows)?;
        record_export(&mut store.conn, &scope, "export_visit_ledger", m, rows.len())?;
        println!("已写出走访台账 {}：{} 条走访，{} 张表", path.display(), rows.len(), sheets);
    }
    if let Some(path) = &a.work_ledger {
        let rows = compliance::work_ledger(&mut store.conn, &scope, m, today)?;
        let sheets = bangfu_exchange::ledgers::write_work_ledger(path, &place, m, &rows)?;
        record_export(&mut store.conn, &scope, "export_work_ledger", m, rows.len())?;
        println!("已写出帮扶工作台账 {}：{} 户，{} 张表", path.display(), rows.len(), sheets);
    }
    if a.json {
        let area = |x: &AreaRow| {
            serde_json::json!({
                "code": x.code, "name": x.name,
                "visits_due": x.visits.due, "visits_met": x.visits.met, "visit_rate": x.visits.rate(),
                "households": x.households, "overdue": x.overdue,
                "cadres_due": x.cadres.due, "cadres_met": x.cadres.met,
                "units_due": x.units.due, "units_present": x.units.met,
                "leaders_due": x.leaders.due, "leaders_met": x.leaders.met,
                "team_due": x.team.due, "team_met": x.team.met,
            })
        };
        let v = serde_json::json!({
            "month": m.code(), "as_of": r.as_of.to_string(), "elapsed_s": elapsed,
            "total": area(&r.total),
            "townships": r.townships.iter().map(area).collect::<Vec<_>>(),
            "not_visited": r.not_visited_total, "overdue": r.overdue_total,
            "helpers": r.helpers.len(), "helpers_behind": r.helpers_behind().count(),
            "problems": r.problems,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    println!("{} {} 帮扶工作考核（截至 {}，用时 {:.2} 秒）", place, m.label(), r.as_of, elapsed);
    println!("规则：每户每月走访 ≥ {} 次；超过 {} 天未走访列入超期；帮扶干部每月走访 ≥ {} 次；单位 {} 个月未到村报告",
        r.params.get("visit_per_household_month"), r.params.get("no_visit_days"), r.params.get("cadre_visits_month"), r.params.get("unit_absent_months"));
    for (prefix, _) in &r.parts {
        println!("  （{prefix} 有本辖区的参数设置）");
    }
    for p in &r.problems {
        println!("  注意：{p}");
    }
    println!();
    println!("{}", area_line(&r.total));
    println!("按乡镇：");
    for t in &r.townships {
        println!("  {}", area_line(t));
    }
    let behind: Vec<_> = r.helpers_behind().take(a.limit).collect();
    println!("\n进度落后的帮扶责任人（共 {} 人，列出 {}）：", r.helpers_behind().count(), behind.len());
    for h in behind {
        println!(
            "  [{}] {} {}  结对 {} 户，本月已走访 {} 户，本月走访 {} 次{}",
            h.helper_id,
            h.name,
            h.unit_name.as_deref().unwrap_or(""),
            h.households,
            h.visited,
            h.visits_month,
            if h.cadre && h.visits_month < h.visits_required { format!("（应 ≥ {} 次）", h.visits_required) } else { String::new() }
        );
    }
    println!("\n本月未走访（共 {} 户·人次，列出 {}）：", r.not_visited_total, r.not_visited.len());
    for l in &r.not_visited {
        println!(
            "  {} {} {} 帮扶人 {} 最近走访 {}",
            l.village_name.as_deref().unwrap_or(&l.village_code),
            l.household_no.as_deref().unwrap_or(""),
            l.head_name.as_deref().unwrap_or(""),
            l.helper_name.as_deref().unwrap_or(""),
            l.last_visit.map(|d| d.to_string()).unwrap_or_else(|| "从未".into())
        );
    }
    println!("\n超过 {} 天未走访（共 {} 户，列出 {}）：", r.params.get("no_visit_days"), r.overdue_total, r.overdue.len());
    for l in &r.overdue {
        println!(
            "  {} {} {} 帮扶人 {} 最近走访 {}{}",
            l.village_name.as_deref().unwrap_or(&l.village_code),
            l.household_no.as_deref().unwrap_or(""),
            l.head_name.as_deref().unwrap_or(""),
            l.helper_name.as_deref().unwrap_or(""),
            l.last_visit.map(|d| d.to_string()).unwrap_or_else(|| "从未".into()),
            l.days_since.map(|d| format!("（{d} 天）")).unwrap_or_default()
        );
    }
    let absent: Vec<_> = r.units.iter().filter(|u| u.absent).collect();
    if !absent.is_empty() {
        println!("\n{} 个月未到村的帮扶单位（报乡镇）：", r.params.get("unit_absent_months"));
        for u in absent.iter().take(a.limit) {
            println!("  {} → {}（{} 起无到村记录）", u.unit_name, u.village_code, u.window_from);
        }
    }
    Ok(())
}

fn record_export(conn: &mut bangfu_store::Conn, scope: &RegionScope, action: &str, m: Month, rows: usize) -> Result<()> {
    conn.begin()?;
    let r = audit::record(conn, &Actor::cli(), Entry {
        region_code: Some(scope.prefix()).filter(|p| !p.is_empty()),
        entity: "export",
        entity_id: Some(format!("{}@{}", m.code(), scope.prefix())),
        action,
        before: None,
        after: Some(format!("{{\"rows\":{rows}}}")),
    });
    match r {
        Ok(()) => Ok(conn.commit()?),
        Err(e) => {
            let _ = conn.rollback();
            Err(e.into())
        }
    }
}

fn due(ctx: &Ctx, helper: i64, month: Option<&str>, today: NaiveDate) -> Result<()> {
    let m = month_of(month, today)?;
    let mut store = ctx.open()?;
    let Some(d) = compliance::due(&mut store.conn, &ctx.scope, helper, m, today)? else {
        bail!("没有编号为 {helper} 的帮扶人（或不在 --scope 范围内）");
    };
    println!("{} {} {} 应走访结对户 {} 户，已完成 {} 户；本月走访 {} 次{}", d.name, d.unit_name.as_deref().unwrap_or(""), m.label(), d.items.len(), d.done_count(), d.visits_month,
        d.cadre_visits_required.map(|n| format!("（帮扶干部应 ≥ {n} 次）")).unwrap_or_default());
    for i in &d.items {
        println!(
            "  {} {} {} {} 本月 {}/{} 次 最近走访 {}{}",
            if i.done { "✓" } else if i.overdue { "!" } else { "·" },
            i.village_name.as_deref().unwrap_or(&i.village_code),
            i.household_no.as_deref().unwrap_or(""),
            i.head_name.as_deref().unwrap_or(""),
            i.visits_month,
            i.visits_required,
            i.last_visit.map(|x| x.to_string()).unwrap_or_else(|| "从未".into()),
            if i.overdue { format!("（超过 {} 天）", i.no_visit_days) } else { String::new() }
        );
    }
    Ok(())
}

fn rules(ctx: &Ctx, region: &str) -> Result<()> {
    let mut store = ctx.open()?;
    let (p, problems): (Params, Vec<String>) = compliance::settings::params_for(&mut store.conn, region)?;
    println!("考核规则（辖区：{}）", if region.is_empty() { "全系统" } else { region });
    for r in Rule::ALL {
        let d = r.def();
        println!("{} {}（{}）", d.code, d.title, d.subject.label());
        for par in d.params {
            let from = p.from.get(par.key).cloned().flatten().map(|f| format!("辖区 {f} 设置")).unwrap_or_else(|| "默认".into());
            println!("    {} = {}  {}（{}；默认 {}，依据：{}）", par.key, p.get(par.key), par.label, from, par.default, par.basis);
        }
        println!("    计算：{}", d.counted);
    }
    let _ = catalog::RULES.len();
    for e in problems {
        println!("注意：{e}");
    }
    Ok(())
}
