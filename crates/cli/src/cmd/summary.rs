//! `bangfu summary`: the registry in scope by type, attribute, cause and township — today or on any past date.

use super::Ctx;
use anyhow::Result;
use bangfu_domain::vocab::{Vocabulary, HOUSEHOLD_TYPE, POVERTY_ATTRIBUTE, POVERTY_CAUSE};
use bangfu_domain::RegionScope;
use bangfu_store::registry::query;
use bangfu_store::Store;
use chrono::NaiveDate;
use clap::Args;

#[derive(Args)]
pub struct SummaryArgs {
    /// 查看某一历史日期的在册情况（由动态调整记录重建），如 2019-12-31
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// 以 JSON 输出
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, a: SummaryArgs) -> Result<()> {
    let mut store = ctx.open()?;
    if a.json {
        let (h, m) = query::totals(&mut store.conn, &ctx.scope)?;
        let by_type = query::counts_by(&mut store.conn, &ctx.scope, "household_type")?;
        let as_of = match a.as_of {
            Some(d) => query::as_of(&mut store.conn, &ctx.scope, d)?,
            None => Vec::new(),
        };
        let v = serde_json::json!({
            "households": h, "members": m,
            "by_type": by_type.iter().map(|(t, h, p)| serde_json::json!({"type": t, "households": h, "people": p})).collect::<Vec<_>>(),
            "as_of": a.as_of.map(|d| d.to_string()),
            "as_of_by_type": as_of.iter().map(|(t, h, p)| serde_json::json!({"type": t, "households": h, "people": p})).collect::<Vec<_>>(),
        });
        println!("{v:#}");
        return Ok(());
    }
    print_summary(&mut store, &ctx.scope, a.as_of)
}

/// Pads to a display width, counting Chinese characters as two columns.
fn pad(s: &str, width: usize) -> String {
    let w: usize = s.chars().map(|c| if (c as u32) < 0x1100 { 1 } else { 2 }).sum();
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

fn label(v: &Vocabulary, code: &Option<String>) -> String {
    code.as_deref().and_then(|c| v.by_code(c)).map(|t| t.label.to_string()).unwrap_or_else(|| "（未填）".into())
}

/// Prints the registry summary (also shown by `demo`).
pub fn print_summary(store: &mut Store, scope: &RegionScope, as_of: Option<NaiveDate>) -> Result<()> {
    let (h, m) = query::totals(&mut store.conn, scope)?;
    let scope_name = if scope.prefix().is_empty() { "全部".to_string() } else { scope.prefix().to_string() };
    println!("户籍汇总（范围：{scope_name}）：在册 {h} 户、{m} 人");
    println!("\n按户类型：");
    for (t, hh, p) in query::counts_by(&mut store.conn, scope, "household_type")? {
        println!("  {}{hh:>8} 户 {p:>9} 人", pad(&label(&HOUSEHOLD_TYPE, &t), 12));
    }
    println!("\n按贫困户属性：");
    for (t, hh, p) in query::counts_by(&mut store.conn, scope, "poverty_attribute")? {
        println!("  {}{hh:>8} 户 {p:>9} 人", pad(&label(&POVERTY_ATTRIBUTE, &t), 12));
    }
    println!("\n按主要致贫原因：");
    for (t, hh, p) in query::counts_by(&mut store.conn, scope, "cause_1")?.into_iter().take(8) {
        println!("  {}{hh:>8} 户 {p:>9} 人", pad(&label(&POVERTY_CAUSE, &t), 12));
    }
    println!("\n按乡镇：");
    let dir = bangfu_store::regions::Directory::load(&mut store.conn, scope)?;
    for (code, hh, p) in query::counts_by_region(&mut store.conn, scope, 9)? {
        let name = bangfu_domain::RegionCode::parse(&code).ok().and_then(|c| dir.name(&c).map(str::to_string)).unwrap_or(code.clone());
        println!("  {}{hh:>8} 户 {p:>9} 人", pad(&name, 12));
    }
    let dates: Vec<NaiveDate> = match as_of {
        Some(d) => vec![d],
        None => [2015, 2019].iter().filter_map(|y| NaiveDate::from_ymd_opt(*y, 12, 31)).collect(),
    };
    for d in dates {
        println!("\n{d} 的在册情况（由动态调整记录重建）：");
        let rows = query::as_of(&mut store.conn, scope, d)?;
        if rows.is_empty() {
            println!("  （当日无在册户）");
        }
        for (t, hh, p) in rows {
            println!("  {}{hh:>8} 户 {p:>9} 人", pad(&label(&HOUSEHOLD_TYPE, &Some(t)), 12));
        }
    }
    Ok(())
}
