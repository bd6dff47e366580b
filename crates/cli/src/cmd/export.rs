//! `bangfu export households`: the registry in scope as xlsx or CSV in the importer's layout.

use super::Ctx;
use anyhow::{anyhow, Context, Result};
use bangfu_domain::fields::{lookup_header, FieldRef};
use bangfu_domain::value::Kind;
use bangfu_domain::RegionCode;
use bangfu_exchange::export::{export_households, ExportRequest, Format};
use bangfu_store::audit::{self, Actor};
use bangfu_store::registry::query::FieldFilter;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ExportCommand {
    /// 导出户籍花名册（每名成员一行，与导入格式相同）
    Households(ExportArgs),
}

#[derive(Args)]
pub struct ExportArgs {
    /// 输出文件（.xlsx 或 .csv）
    #[arg(long, short)]
    pub output: PathBuf,
    /// 只导出此区划（代码前缀）内的户
    #[arg(long)]
    pub region: Option<String>,
    /// 按代码字段筛选，可多次使用：--filter 户类型=脱贫户 --filter 主要致贫原因=因病 --filter 健康状况=残疾
    #[arg(long = "filter")]
    pub filters: Vec<String>,
    /// 导出完整的电话和银行账号（否则脱敏；此操作记入审计）
    #[arg(long)]
    pub include_protected: bool,
}

fn parse_filter(text: &str) -> Result<FieldFilter> {
    let (name, value) = text.split_once(['=', '＝']).ok_or_else(|| anyhow!("筛选条件“{text}”应写作 字段=值，如 户类型=脱贫户"))?;
    let field = lookup_header(&bangfu_sheets::normalize_header(name)).ok_or_else(|| anyhow!("没有名为“{name}”的字段"))?;
    let Kind::Vocab(v) = field.def().kind else {
        return Err(anyhow!("“{name}”不是代码字段，只能按代码字段（如户类型、致贫原因、健康状况）筛选"));
    };
    let term = v.parse(value).ok_or_else(|| anyhow!("“{value}”不是有效的{}，可选：{}", v.name, v.labels()))?;
    let field = match field {
        FieldRef::InvertedHousehold(f) => FieldRef::Household(f),
        f => f,
    };
    Ok(FieldFilter { field, code: term.code.to_string() })
}

pub fn run(ctx: &Ctx, c: ExportCommand) -> Result<()> {
    let ExportCommand::Households(a) = c;
    let filters = a.filters.iter().map(|f| parse_filter(f)).collect::<Result<Vec<_>>>()?;
    let region = a.region.as_deref().map(RegionCode::parse).transpose().context("--region 不是有效的区划代码")?;
    if let Some(r) = &region
        && !ctx.scope.contains(r) {
            return Err(anyhow!("区划 {r} 不在您的管辖范围内"));
        }
    let mut store = ctx.open()?;
    let req = ExportRequest { path: a.output.clone(), format: Format::from_path(&a.output), scope: ctx.scope.clone(), region, filters, include_protected: a.include_protected };
    let pb = crate::progress::spinner("导出户");
    let report = export_households(&mut store, &req, &mut |n| pb.set_position(n))?;
    pb.finish_and_clear();
    audit::record(
        &mut store.conn,
        &Actor::cli(),
        audit::Entry {
            region_code: Some(ctx.scope.prefix()),
            entity: "export",
            entity_id: None,
            action: if a.include_protected { "export_households_unmasked" } else { "export_households" },
            before: None,
            after: Some(serde_json::json!({"file": a.output.display().to_string(), "households": report.households, "filters": a.filters}).to_string()),
        },
    )?;
    println!("已导出 {} 户、{} 行到 {}，用时 {:.1} 秒{}", report.households, report.rows, report.path.display(), report.seconds, if a.include_protected { "" } else { "（电话、银行账号已脱敏）" });
    Ok(())
}
