//! `bangfu audit verify|search`: checks the hash chains of the audit trail, and searches it.

use super::Ctx;
use anyhow::{bail, Context, Result};
use bangfu_store::audit::{self, AuditFilter, AuditRow, VerifyReport};
use chrono::{NaiveDate, NaiveDateTime};
use clap::Subcommand;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// 校验审计记录的哈希链：发现被修改、删除或截断的记录时列出问题并以退出码 1 结束
    Verify {
        /// 以 JSON 输出
        #[arg(long)]
        json: bool,
    },
    /// 查询审计记录（最新的在前）
    Search(SearchArgs),
}

#[derive(clap::Args)]
pub struct SearchArgs {
    /// 操作人（完全一致；以 * 结尾表示前缀，如 cli:*）
    #[arg(long)]
    pub actor: Option<String>,
    /// 对象类型，如 household、member、import_batch、region、export
    #[arg(long)]
    pub entity: Option<String>,
    /// 对象编号（户的对象编号即户的内部 id）
    #[arg(long)]
    pub entity_id: Option<String>,
    /// 操作，如 import_update、move、import_households
    #[arg(long)]
    pub action: Option<String>,
    /// 区划代码前缀
    #[arg(long)]
    pub region: Option<String>,
    /// 起始时间（含），UTC：2026-11-22 或 2026-11-22T08:00:00
    #[arg(long)]
    pub from: Option<String>,
    /// 截止时间，UTC：只给日期时包含当天（2026-11-22 即截至当天结束），给时刻时不含该时刻
    #[arg(long)]
    pub to: Option<String>,
    /// 最多显示的条数
    #[arg(long, default_value_t = 50)]
    pub limit: i64,
    /// 跳过前面的条数（翻页）
    #[arg(long, default_value_t = 0)]
    pub offset: i64,
    /// 以 JSON 输出
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, c: AuditCommand) -> Result<()> {
    match c {
        AuditCommand::Verify { json } => verify(ctx, json),
        AuditCommand::Search(a) => search(ctx, a),
    }
}

fn chain_label(chain: Option<&str>) -> String {
    match chain {
        Some("-") => "全局链".to_string(),
        Some(c) => format!("县 {c} 链"),
        None => "（不在链中）".to_string(),
    }
}

fn report_json(r: &VerifyReport) -> serde_json::Value {
    serde_json::json!({
        "ok": r.is_clean(),
        "chains": r.chains,
        "rows": r.rows,
        "problem_count": r.problem_count(),
        "problems": r.problems.iter().map(|p| serde_json::json!({
            "chain": p.chain, "seq": p.seq, "row_id": p.row_id, "kind": p.kind.code(), "message": p.message,
        })).collect::<Vec<_>>(),
    })
}

fn verify(ctx: &Ctx, json: bool) -> Result<()> {
    let mut store = ctx.open()?;
    let pb = crate::progress::spinner("校验审计记录");
    let report = audit::verify(&mut store.conn)?;
    pb.finish_and_clear();
    if json {
        println!("{:#}", report_json(&report));
    } else if report.is_clean() {
        println!("审计记录完好：共 {} 条链、{} 条记录，哈希与链接全部一致，未发现修改、删除或截断。", report.chains, report.rows);
    } else {
        println!("审计记录校验未通过：共 {} 条链、{} 条记录，发现 {} 处问题：", report.chains, report.rows, report.problem_count());
        for p in &report.problems {
            let row = p.row_id.map(|id| format!("（记录 {id}）")).unwrap_or_default();
            println!("  {}：{}{row}", chain_label(p.chain.as_deref()), p.message);
        }
        if report.problems_omitted > 0 {
            println!("  ……另有 {} 处问题未列出", report.problems_omitted);
        }
    }
    if !report.is_clean() {
        bail!("审计记录可能被篡改：发现 {} 处问题", report.problem_count());
    }
    Ok(())
}

/// A time bound as stored (`%Y-%m-%dT%H:%M:%S%.3fZ`, UTC). `end` turns a bare date into the next day's start.
fn time_bound(text: &str, end: bool) -> Result<String> {
    let t = text.trim();
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        let d = if end { d.succ_opt().context("日期超出范围")? } else { d };
        return Ok(format!("{}T00:00:00.000Z", d.format("%Y-%m-%d")));
    }
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&chrono::Utc).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, f) {
            return Ok(dt.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
        }
    }
    bail!("时间“{t}”无法识别：请写成 2026-11-22 或 2026-11-22T08:00:00（UTC）")
}

fn row_json(r: &AuditRow) -> serde_json::Value {
    serde_json::json!({
        "id": r.id, "at": r.at, "actor": r.actor, "source": r.source, "client_ip": r.client_ip,
        "region_code": r.region_code, "entity": r.entity, "entity_id": r.entity_id, "action": r.action,
        "before": r.before_value, "after": r.after_value,
        "chain": r.chain, "seq": r.seq, "prev_hash": r.prev_hash, "hash": r.hash,
    })
}

fn search(ctx: &Ctx, a: SearchArgs) -> Result<()> {
    if a.limit <= 0 || a.offset < 0 {
        bail!("--limit 须大于 0，--offset 不能为负数");
    }
    let (actor, actor_prefix) = match a.actor {
        Some(s) if s.ends_with('*') => (Some(s.trim_end_matches('*').to_string()), true),
        other => (other, false),
    };
    let filter = AuditFilter {
        actor,
        actor_prefix,
        entity: a.entity,
        entity_id: a.entity_id,
        action: a.action,
        region_prefix: a.region,
        from: a.from.as_deref().map(|t| time_bound(t, false)).transpose()?,
        to: a.to.as_deref().map(|t| time_bound(t, true)).transpose()?,
    };
    let mut store = ctx.open()?;
    let (rows, total) = audit::search(&mut store.conn, Some(ctx.scope.prefix()), &filter, a.offset, a.limit)?;
    if a.json {
        println!("{:#}", serde_json::json!({"total": total, "offset": a.offset, "rows": rows.iter().map(row_json).collect::<Vec<_>>()}));
        return Ok(());
    }
    if total == 0 {
        println!("没有符合条件的审计记录");
        return Ok(());
    }
    println!("共 {total} 条符合条件的审计记录，显示第 {} 至 {} 条（最新的在前）：", a.offset + 1, a.offset + rows.len() as i64);
    for r in &rows {
        let target = match &r.entity_id {
            Some(id) => format!("{} {id}", r.entity),
            None => r.entity.clone(),
        };
        let ip = r.client_ip.as_deref().map(|ip| format!(" 来自 {ip}")).unwrap_or_default();
        let region = r.region_code.as_deref().filter(|s| !s.is_empty()).map(|c| format!(" 区划 {c}")).unwrap_or_default();
        println!("  {}  {}（{}{ip}）  {}  {target}{region}", r.at, r.actor, r.source, r.action);
        if let Some(after) = &r.after_value {
            let short: String = after.chars().take(160).collect();
            println!("      {short}{}", if after.chars().count() > 160 { "…" } else { "" });
        }
    }
    Ok(())
}
