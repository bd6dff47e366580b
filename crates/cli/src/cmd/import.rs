//! `bangfu import households FILE`: the importer on the command line, with progress and a summary.

use super::Ctx;
use anyhow::{anyhow, Result};
use bangfu_domain::vocab::HOUSEHOLD_TYPE;
use bangfu_exchange::{import_households, ImportRequest};
use bangfu_store::audit::Actor;
use chrono::Datelike;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ImportCommand {
    /// 导入建档立卡户花名册（CSV/XLSX/XLS/网页格式的 xls）：默认全部无误才写入
    Households(ImportArgs),
}

#[derive(Args)]
pub struct ImportArgs {
    /// 要导入的文件
    pub file: PathBuf,
    /// 只写入无误的户，其余写入错误报告（默认：有任何错误则全部不写入）
    #[arg(long)]
    pub accept_valid: bool,
    /// 文件没有“户类型”列时使用的户类型，如 脱贫户
    #[arg(long)]
    pub household_type: Option<String>,
    /// 文件没有“收入年度”列时收入所属年度（默认去年）
    #[arg(long)]
    pub income_year: Option<i64>,
    /// 不写错误报告文件
    #[arg(long)]
    pub no_report: bool,
    /// 以 JSON 输出结果
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, c: ImportCommand) -> Result<()> {
    let ImportCommand::Households(a) = c;
    let default_type = match &a.household_type {
        Some(t) => Some(HOUSEHOLD_TYPE.parse(t).map(|t| t.code).ok_or_else(|| anyhow!("--household-type “{t}”无效，可选：{}", HOUSEHOLD_TYPE.labels()))?),
        None => None,
    };
    let today = chrono::Local::now().date_naive();
    let req = ImportRequest {
        path: a.file.clone(),
        accept_valid: a.accept_valid,
        scope: ctx.scope.clone(),
        today,
        default_household_type: default_type,
        income_year: a.income_year.unwrap_or(today.year() as i64 - 1),
        write_report: !a.no_report,
    };
    let mut store = ctx.open()?;
    let pb = crate::progress::spinner("读取并校验行");
    let report = import_households(&mut store, Actor::cli(), &req, &mut |rows| pb.set_position(rows))?;
    pb.finish_and_clear();
    let w = report.written;
    if a.json {
        let v = serde_json::json!({
            "file": report.file, "kind": report.kind, "encoding": report.encoding,
            "committed": report.committed, "households_in_file": report.households_in_file, "member_rows": report.member_rows,
            "households_created": w.households_created, "households_updated": w.households_updated, "households_unchanged": w.households_unchanged,
            "members_created": w.members_created, "members_updated": w.members_updated, "members_removed": w.members_removed, "members_moved": w.members_moved,
            "events": w.events, "rejected_households": report.rejected_households, "problems": report.issues.len(),
            "seconds": report.seconds, "report": report.report_path.as_ref().map(|p| p.display().to_string()),
            "warnings": report.warnings,
        });
        println!("{v:#}");
    } else {
        for warn in &report.warnings {
            eprintln!("提示：{warn}");
        }
        println!("文件 {}（{}{}）", report.file, report.kind, report.encoding.as_deref().map(|e| format!("，{e}")).unwrap_or_default());
        println!("  文件中：{} 户、{} 行成员", report.households_in_file, report.member_rows);
        println!(
            "  新增 {} 户，更新 {} 户，未变 {} 户；成员新增 {}、更新 {}、减少 {}、迁移 {}；调整记录 {} 条",
            w.households_created, w.households_updated, w.households_unchanged, w.members_created, w.members_updated, w.members_removed, w.members_moved, w.events
        );
        println!("  有问题的户：{}，问题 {} 处；用时 {:.1} 秒", report.rejected_households, report.issues.len(), report.seconds);
        for i in report.issues.iter().take(10) {
            println!("    {i}");
        }
        if report.issues.len() > 10 {
            println!("    ……共 {} 处，详见错误报告", report.issues.len());
        }
        if let Some(p) = &report.report_path {
            println!("  错误报告：{}", p.display());
        }
        if report.committed {
            println!("已写入数据库。");
        } else {
            println!("未写入任何数据：请按错误报告改正后重新导入，或使用 --accept-valid 只导入无误的户。");
        }
    }
    if !report.committed {
        std::process::exit(2);
    }
    Ok(())
}
