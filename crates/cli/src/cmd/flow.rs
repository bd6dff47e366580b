//! `bangfu flow`: the workflow procedures — their stored definitions and versions, open cases per
//! step with overdue counts, and demo/benchmark cases placed at a step.

use super::Ctx;
use anyhow::{bail, Result};
use bangfu_store::audit::Actor;
use bangfu_store::workflow::{definitions, seed, stats};
use chrono::NaiveDate;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum FlowCommand {
    /// 列出各办理事项的流程定义及其版本（办理中的案件沿用其开始时的版本）
    Definitions,
    /// 各事项、各环节的办理中件数和超期件数（--scope 范围内）
    Status {
        /// 按这一天判断是否超期（默认今天）
        #[arg(long)]
        today: Option<NaiveDate>,
    },
    /// 演示/基准测试用：为区划内的农户直接生成置于某一环节的案件（每户一件）
    Seed {
        /// 办理事项代码：identification、household_exit、monitoring_identification …
        #[arg(long, default_value = "identification")]
        procedure: String,
        /// 环节代码，如 township_review、county_review
        #[arg(long)]
        step: String,
        /// 区划代码前缀（县、乡镇或村；默认 --scope）
        #[arg(long)]
        region: Option<String>,
        /// 件数
        #[arg(long)]
        cases: i64,
    },
}

pub fn run(ctx: &Ctx, c: FlowCommand) -> Result<()> {
    let mut store = ctx.open()?;
    match c {
        FlowCommand::Definitions => {
            for d in definitions::list(&mut store.conn)? {
                let scope = if d.region_prefix.is_empty() { "全部".to_string() } else { d.region_prefix.clone() };
                println!("{}\t{}\t范围 {}\t版本 {}\t{} 个环节\t{} {}", d.def.procedure, d.def.title, scope, d.version, d.def.steps.len(), d.created_by, d.created_at);
                for (i, s) in d.def.steps.iter().enumerate() {
                    let policy = if s.kind.is_manual() { format!("，{}", s.policy.label()) } else { String::new() };
                    println!("    {}. {}（{}，{}级 {}{policy}）", i + 1, s.title, s.kind.label(), s.level.label(), s.role_labels());
                }
            }
        }
        FlowCommand::Status { today } => {
            let today = today.unwrap_or_else(|| chrono::Local::now().date_naive());
            let counts = stats::counts(&mut store.conn, &ctx.scope, today)?;
            if counts.is_empty() {
                println!("没有办理中的案件");
            }
            for c in counts {
                println!("{}\t{}\t办理中 {}\t超期 {}\t{} · {}", c.procedure, c.step_key, c.open, c.overdue, c.procedure_title, c.step_title);
            }
        }
        FlowCommand::Seed { procedure, step, region, cases } => {
            let prefix = match region {
                Some(r) => bangfu_domain::RegionCode::parse(&r).map(|c| c.prefix().to_string()).map_err(|_| anyhow::anyhow!("--region {r} 不是有效的区划代码"))?,
                None => ctx.scope.prefix().to_string(),
            };
            if !prefix.starts_with(ctx.scope.prefix()) {
                bail!("--region 不在 --scope 范围内");
            }
            let t0 = std::time::Instant::now();
            let n = seed::seed_cases(&mut store.conn, &Actor::cli(), &procedure, &step, &prefix, cases, chrono::Local::now().date_naive())?;
            println!("已生成 {n} 件“{procedure}”案件，置于环节 {step}（{:.2} 秒）", t0.elapsed().as_secs_f64());
        }
    }
    Ok(())
}
