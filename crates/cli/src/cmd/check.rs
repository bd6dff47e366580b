//! `bangfu check`: runs the data-quality rules (逻辑校验) over a region or one household, lists
//! runs and findings, writes the village work lists, and sets rules and lines per jurisdiction.

use super::Ctx;
use anyhow::{bail, Context, Result};
use bangfu_domain::quality::lines::LineKind;
use bangfu_domain::quality::{Rule, RuleOverride, RULES};
use bangfu_domain::RegionCode;
use bangfu_store::audit::Actor;
use bangfu_store::quality::{self, FindingFilter, FindingState, RunRequest, RunSummary, StoredLine};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct CheckArgs {
    #[command(subcommand)]
    pub command: Option<CheckCommand>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Args)]
pub struct RunArgs {
    /// 只检查该区划（乡镇或村的代码）；默认检查 --scope 范围内的全部户
    #[arg(long)]
    pub region: Option<String>,
    /// 只检查这一户（户编号）
    #[arg(long)]
    pub household: Option<String>,
    /// 年龄等按这一天计算（默认今天）
    #[arg(long)]
    pub today: Option<NaiveDate>,
    /// 把仍未改正的问题写成按村分表的整改清单（xlsx）
    #[arg(long)]
    pub worklist: Option<PathBuf>,
    /// 以 JSON 输出
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand)]
pub enum CheckCommand {
    /// 列出全部校验规则及其在某区划的启用情况和参数
    Rules {
        /// 查看该区划适用的设置（默认全国默认值加本系统的全局设置）
        #[arg(long, default_value = "")]
        region: String,
    },
    /// 列出校验批次（最新的在前）
    Runs {
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
    /// 查看一个批次的问题
    Show {
        /// 批次号
        run: i64,
        /// 只看该区划
        #[arg(long)]
        region: Option<String>,
        /// 只看该规则（如 AGE-05）
        #[arg(long)]
        rule: Option<String>,
        /// new（新发现）、open（仍未改正）、fixed（已改正）；默认新发现和仍未改正
        #[arg(long)]
        state: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// 写出按村分表的整改清单（xlsx）
        #[arg(long)]
        worklist: Option<PathBuf>,
    },
    /// 为某辖区设置规则：启用、停用或修改参数（记入审计）
    Set {
        /// 规则编号，如 RNG-03
        rule: String,
        /// 辖区区划代码前缀（如 43 表示湖南省，431081 表示某县）；不填为全系统
        #[arg(long, default_value = "")]
        region: String,
        #[arg(long, conflicts_with = "off")]
        on: bool,
        #[arg(long)]
        off: bool,
        /// 参数，如 --param max=8（可重复）
        #[arg(long)]
        param: Vec<String>,
        /// 依据文件，如 某县〔2024〕12号
        #[arg(long)]
        basis: Option<String>,
    },
    /// 删除某辖区对规则的设置（恢复继承上级或默认）
    Unset {
        rule: String,
        #[arg(long, default_value = "")]
        region: String,
    },
    /// 设置某辖区某年的扶贫标准或监测线（元/人/年）
    Line {
        /// poverty（扶贫标准）或 monitoring（监测线）
        #[arg(long)]
        kind: String,
        #[arg(long)]
        year: i64,
        /// 金额（元）
        #[arg(long)]
        amount: i64,
        #[arg(long, default_value = "")]
        region: String,
        #[arg(long)]
        basis: Option<String>,
    },
}

pub fn run(ctx: &Ctx, a: CheckArgs) -> Result<()> {
    match a.command {
        None => run_rules(ctx, a.run),
        Some(CheckCommand::Rules { region }) => rules(ctx, &region),
        Some(CheckCommand::Runs { limit }) => runs(ctx, limit),
        Some(CheckCommand::Show { run, region, rule, state, limit, worklist }) => show(ctx, run, region, rule, state, limit, worklist),
        Some(CheckCommand::Set { rule, region, on, off, param, basis }) => set(ctx, &rule, region, on, off, param, basis),
        Some(CheckCommand::Unset { rule, region }) => {
            let mut store = ctx.open()?;
            let r = parse_rule(&rule)?;
            if quality::delete_setting(&mut store.conn, &Actor::cli(), r, &region)? {
                println!("已删除 {} 在“{}”的设置", r.code(), if region.is_empty() { "全系统" } else { &region });
            } else {
                println!("{} 在“{}”没有设置", r.code(), if region.is_empty() { "全系统" } else { &region });
            }
            Ok(())
        }
        Some(CheckCommand::Line { kind, year, amount, region, basis }) => {
            let mut store = ctx.open()?;
            let Some(kind) = LineKind::parse(&kind) else { bail!("--kind 应为 poverty（扶贫标准）或 monitoring（监测线），实际为“{kind}”") };
            quality::save_line(&mut store.conn, &Actor::cli(), &StoredLine { kind, region_prefix: region.clone(), year, amount_fen: amount * 100, basis })?;
            println!("已设置{}：{} 年 {} 元（辖区：{}）", kind.label(), year, amount, if region.is_empty() { "全系统" } else { &region });
            Ok(())
        }
    }
}

fn parse_rule(code: &str) -> Result<Rule> {
    Rule::from_code(&code.to_uppercase()).with_context(|| format!("没有编号为“{code}”的规则；用 bangfu check rules 查看全部规则"))
}

fn print_run(r: &RunSummary) {
    println!(
        "校验批次 {}（范围：{}）：{} 条规则，{} 户 {} 人，发现问题 {} 个（错误 {}，警告 {}）；与上次（{}）相比新发现 {}、已改正 {}；用时 {:.2} 秒",
        r.id,
        if r.scope_prefix.is_empty() { "全部" } else { &r.scope_prefix },
        r.rule_count,
        r.households,
        r.members,
        r.findings,
        r.errors,
        r.warnings,
        r.previous_run_id.map(|p| format!("批次 {p}")).unwrap_or_else(|| "无".into()),
        r.new_findings,
        r.fixed_findings,
        r.elapsed_ms as f64 / 1000.0
    );
    if let Some(m) = &r.message {
        println!("说明：{m}");
    }
}

fn run_rules(ctx: &Ctx, a: RunArgs) -> Result<()> {
    let mut store = ctx.open()?;
    let today = a.today.unwrap_or_else(|| chrono::Local::now().date_naive());
    let actor = Actor::cli();
    if let Some(no) = &a.household {
        let found = bangfu_store::registry::read::ids_by_number(&mut store.conn, &[no.as_str()])?;
        let Some((_, id, _)) = found.first() else { bail!("找不到户编号为“{no}”的户") };
        let rows = quality::check_household(&mut store.conn, &store.keys, &actor, &ctx.scope, *id, today)?;
        if a.json {
            let v: Vec<_> = rows.iter().map(|r| serde_json::json!({"rule": r.rule_code, "severity": r.severity.code(), "member": r.member_name, "message": r.message})).collect();
            println!("{}", serde_json::json!({"household": no, "findings": v}));
        } else if rows.is_empty() {
            println!("户 {no}：未发现问题");
        } else {
            println!("户 {no}：发现 {} 个问题", rows.len());
            for r in &rows {
                let def = r.rule().map(|x| x.def());
                println!("  [{}] {} {}：{}", r.rule_code, r.severity.label(), def.map(|d| d.title).unwrap_or_default(), r.message);
            }
        }
        return Ok(());
    }
    let region = a.region.as_deref().map(RegionCode::parse).transpose().context("--region 不是有效的区划代码")?;
    let bar = crate::progress::spinner("校验");
    let req = RunRequest { scope: &ctx.scope, region: region.as_ref(), today };
    let summary = quality::run_parallel(&mut store.conn, &store.url, &store.keys, &actor, &req, &mut |done, _| bar.set_position(done))?;
    bar.finish_and_clear();
    let detail = quality::run_detail(&mut store.conn, &ctx.scope, summary.id, None)?;
    if a.json {
        let v = serde_json::json!({
            "run": summary.id, "scope": summary.scope_prefix, "rules": summary.rule_count, "households": summary.households,
            "members": summary.members, "findings": summary.findings, "errors": summary.errors, "warnings": summary.warnings,
            "new": summary.new_findings, "fixed": summary.fixed_findings, "previous_run": summary.previous_run_id,
            "elapsed_ms": summary.elapsed_ms,
            "by_rule": detail.by_rule.iter().map(|c| serde_json::json!({"rule": c.rule_code, "findings": c.findings, "new": c.new_findings, "fixed": c.fixed_findings})).collect::<Vec<_>>(),
            "by_region": detail.by_region.iter().map(|c| serde_json::json!({"region": c.code, "name": c.name, "findings": c.findings, "errors": c.errors})).collect::<Vec<_>>(),
        });
        println!("{v:#}");
    } else {
        print_run(&summary);
        print_counts(&detail);
    }
    if let Some(path) = a.worklist {
        write_worklist(&mut store, ctx, summary.id, None, &path)?;
    }
    Ok(())
}

fn print_counts(d: &quality::RunDetail) {
    if d.by_rule.is_empty() {
        return;
    }
    println!("\n按规则：");
    for c in &d.by_rule {
        let def = Rule::from_code(&c.rule_code).map(|r| r.def());
        println!(
            "  {:<8}{:<5}{:>7} 个（新 {}，已改正 {}）  {}",
            c.rule_code,
            def.map(|d| d.severity.label()).unwrap_or_default(),
            c.findings,
            c.new_findings,
            c.fixed_findings,
            def.map(|d| d.title).unwrap_or_default()
        );
    }
    println!("\n按区划：");
    for c in &d.by_region {
        println!("  {} {}：{} 个（错误 {}，新 {}，已改正 {}）", c.code, c.name, c.findings, c.errors, c.new_findings, c.fixed_findings);
    }
}

fn write_worklist(store: &mut bangfu_store::Store, ctx: &Ctx, run: i64, region: Option<&str>, path: &std::path::Path) -> Result<()> {
    let rows = quality::work_list(&mut store.conn, &ctx.scope, run, region)?;
    let sheets = bangfu_exchange::worklist::write_work_list(path, &rows)?;
    println!("整改清单已写入 {}：{} 个问题，{} 个村（每村一张表）", path.display(), rows.len(), sheets);
    Ok(())
}

fn rules(ctx: &Ctx, region: &str) -> Result<()> {
    let mut store = ctx.open()?;
    let mut settings = quality::settings(&mut store.conn)?;
    let resolved = settings.for_region(region);
    for p in &settings.problems {
        println!("注意：{p}");
    }
    println!("共 {} 条规则（辖区：{}）", RULES.len(), if region.is_empty() { "全系统" } else { region });
    for r in Rule::ALL {
        let d = r.def();
        let params: Vec<String> = d.params.iter().map(|p| format!("{}={}", p.key, show_param(&resolved, r, p))).collect();
        let state = if !resolved.on(r) {
            "停用"
        } else if d.requires == bangfu_domain::quality::Requires::Measures {
            "待措施数据"
        } else {
            "启用"
        };
        println!("  {:<8}{:<5}{:<6}{:<10}{}{}", d.code, d.severity.label(), d.level.label(), state, d.title, if params.is_empty() { String::new() } else { format!("  [{}]", params.join("; ")) });
    }
    Ok(())
}

fn show_param(r: &bangfu_domain::quality::ResolvedRules, rule: Rule, p: &bangfu_domain::quality::ParamDef) -> String {
    use bangfu_domain::quality::ParamKind;
    match p.kind {
        ParamKind::Int => r.int(rule, p.key).to_string(),
        ParamKind::Money | ParamKind::Hundredths => bangfu_domain::value::format_hundredths(r.int(rule, p.key)),
        ParamKind::Fields => r.fields(rule, p.key).iter().map(|f| f.def().label).collect::<Vec<_>>().join("、"),
    }
}

fn runs(ctx: &Ctx, limit: i64) -> Result<()> {
    let mut store = ctx.open()?;
    let (list, total) = quality::runs(&mut store.conn, &ctx.scope, 0, limit)?;
    println!("共 {total} 个校验批次");
    for r in &list {
        println!(
            "  批次 {:<5} {} {:<6} 范围 {:<12} {} 户，问题 {}（错误 {}），新 {}，已改正 {}",
            r.id,
            r.started_at,
            r.status,
            if r.scope_prefix.is_empty() { "全部" } else { &r.scope_prefix },
            r.households,
            r.findings,
            r.errors,
            r.new_findings,
            r.fixed_findings
        );
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn show(ctx: &Ctx, run: i64, region: Option<String>, rule: Option<String>, state: Option<String>, limit: i64, worklist: Option<PathBuf>) -> Result<()> {
    let mut store = ctx.open()?;
    let state = match state.as_deref() {
        None => None,
        Some(s) => Some(FindingState::parse(s).with_context(|| format!("--state 应为 new、open 或 fixed，实际为“{s}”"))?),
    };
    let rule = rule.map(|r| parse_rule(&r).map(|x| x.code().to_string())).transpose()?;
    let filter = FindingFilter { region: region.clone(), rule, state, household_id: None };
    let (rows, total) = quality::findings(&mut store.conn, &ctx.scope, run, &filter, 0, limit)?;
    println!("批次 {run}：符合条件的问题 {total} 个{}", if total > limit { format!("（显示前 {limit} 个）") } else { String::new() });
    for r in &rows {
        println!(
            "  {} {}{} 户{} {} [{}] {}：{}",
            r.state.label(),
            r.township_name,
            r.village_name,
            r.household_no.as_deref().unwrap_or("?"),
            r.member_name.as_deref().unwrap_or(""),
            r.rule_code,
            r.severity.label(),
            r.message
        );
    }
    if let Some(path) = worklist {
        write_worklist(&mut store, ctx, run, region.as_deref(), &path)?;
    }
    Ok(())
}

fn set(ctx: &Ctx, rule: &str, region: String, on: bool, off: bool, param: Vec<String>, basis: Option<String>) -> Result<()> {
    let mut store = ctx.open()?;
    let rule = parse_rule(rule)?;
    let mut params = Vec::new();
    for p in &param {
        let Some((k, v)) = p.split_once('=') else { bail!("--param 应写作 名称=值，如 max=8，实际为“{p}”") };
        params.push((k.trim().to_string(), v.trim().to_string()));
    }
    let enabled = if on { Some(true) } else if off { Some(false) } else { None };
    let o = RuleOverride { rule, region_prefix: region.clone(), enabled, params };
    quality::save_setting(&mut store.conn, &Actor::cli(), &o, basis.as_deref())?;
    println!("已保存 {}（{}）在“{}”的设置", rule.code(), rule.def().title, if region.is_empty() { "全系统" } else { &region });
    Ok(())
}
