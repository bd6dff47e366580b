//! `bangfu compare import|orders|progress|lists|update`: compare a department's list with the
//! registry, list the work orders it produced, record their verification, and follow completion
//! per township.

use super::Ctx;
use anyhow::{anyhow, bail, Result};
use bangfu_domain::comparison::{Department, FindingKind, ListKind, MedicalThresholds, OrderStatus};
use bangfu_domain::value::{format_hundredths, parse_decimal};
use bangfu_domain::RegionCode;
use bangfu_exchange::compare::{import_list, CompareRequest};
use bangfu_store::audit::Actor;
use bangfu_store::comparison::{self, OrderFilter, OrderUpdate};
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum CompareCommand {
    /// 导入部门名单（低保、医疗费用、残疾人、学籍、死亡、迁出、危房、就业、企业、车辆、财政供养），与户籍比对并生成核实工单
    Import(ImportArgs),
    /// 列出核实工单（按名单、状态、类型、区划筛选）
    Orders(OrdersArgs),
    /// 各乡镇工单完成情况
    Progress {
        /// 只看这份名单的工单
        #[arg(long)]
        list: Option<i64>,
    },
    /// 已导入的比对名单
    Lists,
    /// 填写一张工单的核实/整改结果
    Update(UpdateArgs),
}

#[derive(Args)]
pub struct ImportArgs {
    /// 名单文件（xlsx、xls、csv，任意编码）
    pub file: PathBuf,
    /// 名单类型：低保、特困、医疗费用、残疾人、学籍、死亡、迁出、危房、就业、企业、车辆、财政供养（或代码 dibao、death …）
    #[arg(long)]
    pub kind: String,
    /// 提供名单的部门：民政、医保、残联、教育、公安、住建、人社、市场监管、公安交管、财政（默认按名单类型）
    #[arg(long)]
    pub department: Option<String>,
    /// 全量名单：不在名单中的系统登记对象也生成工单（只用于低保、特困、学籍）
    #[arg(long)]
    pub complete: bool,
    /// 只比对这个区划（在 --scope 之内），如某个乡镇代码
    #[arg(long)]
    pub region: Option<String>,
    /// 医疗费用：脱贫（贫困）户个人自付预警线，元
    #[arg(long, default_value = "5000")]
    pub threshold_registered: String,
    /// 医疗费用：其他农户个人自付预警线，元
    #[arg(long, default_value = "20000")]
    pub threshold_other: String,
    /// 不写问题行报告文件
    #[arg(long)]
    pub no_report: bool,
    /// 以 JSON 输出结果
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct OrdersArgs {
    /// 名单编号
    #[arg(long)]
    pub list: Option<i64>,
    /// 状态：待核实、核实属实、核实不属实、已整改（或 open …）
    #[arg(long)]
    pub status: Option<String>,
    /// 问题类型，如 已死亡仍在册 或 deceased_still_registered
    #[arg(long)]
    pub kind: Option<String>,
    /// 区划代码（乡镇或村）
    #[arg(long)]
    pub region: Option<String>,
    #[arg(long, default_value_t = 1)]
    pub page: i64,
    #[arg(long, default_value_t = 50)]
    pub per_page: i64,
    /// 以 JSON 输出
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct UpdateArgs {
    /// 工单编号
    pub id: i64,
    /// 新状态：核实属实、核实不属实、已整改、待核实
    #[arg(long)]
    pub status: String,
    /// 核实/整改情况说明（核实不属实、已整改必填）
    #[arg(long)]
    pub note: Option<String>,
    /// 读取工单时的版本号（防止覆盖他人的修改）；默认当前版本
    #[arg(long)]
    pub version: Option<i64>,
}

fn parse_kind(text: &str) -> Result<ListKind> {
    ListKind::parse(text).ok_or_else(|| {
        let all: Vec<String> = ListKind::ALL.iter().map(|k| format!("{}（{}）", k.label(), k.code())).collect();
        anyhow!("--kind “{text}”不是可识别的名单类型，可选：{}", all.join("、"))
    })
}

fn parse_region(text: &str) -> Result<RegionCode> {
    RegionCode::parse(text).map_err(|e| anyhow!("区划代码“{text}”无效：{e}"))
}

fn yuan_to_fen(text: &str, flag: &str) -> Result<i64> {
    match parse_decimal(text, &["万元", "元"], false) {
        Ok(v) if v > 0 => Ok(v),
        _ => bail!("{flag} “{text}”不是有效金额：请填写以元为单位的正数，如 5000"),
    }
}

pub fn run(ctx: &Ctx, c: CompareCommand) -> Result<()> {
    match c {
        CompareCommand::Import(a) => import(ctx, a),
        CompareCommand::Orders(a) => orders(ctx, a),
        CompareCommand::Progress { list } => progress(ctx, list),
        CompareCommand::Lists => lists(ctx),
        CompareCommand::Update(a) => update(ctx, a),
    }
}

fn import(ctx: &Ctx, a: ImportArgs) -> Result<()> {
    let kind = parse_kind(&a.kind)?;
    let department = match &a.department {
        Some(d) => Department::parse(d).ok_or_else(|| {
            let all: Vec<&str> = Department::ALL.iter().map(|d| d.label()).collect();
            anyhow!("--department “{d}”不是可识别的部门，可选：{}", all.join("、"))
        })?,
        None => kind.department(),
    };
    let region = a.region.as_deref().map(parse_region).transpose()?;
    let thresholds = MedicalThresholds { registered_fen: yuan_to_fen(&a.threshold_registered, "--threshold-registered")?, other_fen: yuan_to_fen(&a.threshold_other, "--threshold-other")? };
    let req = CompareRequest {
        path: a.file.clone(),
        department,
        kind,
        scope: ctx.scope.clone(),
        region,
        complete: a.complete,
        thresholds,
        today: chrono::Local::now().date_naive(),
        write_report: !a.no_report,
    };
    let mut store = ctx.open()?;
    let pb = crate::progress::spinner("读取并比对名单");
    let result = import_list(&mut store, &Actor::cli(), &req, &mut |rows| pb.set_position(rows));
    pb.finish_and_clear();
    let r = result?;
    let f = &r.outcome.figures;
    if a.json {
        let by_kind: serde_json::Map<String, serde_json::Value> = r.outcome.findings.iter().map(|(k, n)| (k.code().to_string(), serde_json::json!(n))).collect();
        let v = serde_json::json!({
            "list_id": r.outcome.list_id, "file": r.file, "file_kind": r.file_kind, "encoding": r.encoding, "sheet": r.sheet,
            "department": department.code(), "kind": kind.code(), "complete": a.complete,
            "rows": f.rows, "bad_rows": f.bad_rows, "duplicate_rows": f.duplicate_rows, "matched": f.matched, "removed": f.removed,
            "not_in_registry": f.not_in_registry, "name_differs": f.name_differs, "findings": f.findings, "already_open": f.already_open,
            "by_kind": by_kind, "seconds": r.seconds, "report": r.report_path.as_ref().map(|p| p.display().to_string()), "warnings": r.warnings,
        });
        println!("{v:#}");
        return Ok(());
    }
    for w in &r.warnings {
        eprintln!("提示：{w}");
    }
    let area = match (&req.region, ctx.scope.prefix()) {
        (Some(code), _) => code.prefix().to_string(),
        (None, "") => "全部".to_string(),
        (None, p) => p.to_string(),
    };
    println!(
        "名单 {}（{}{}，工作表 {}）：{}{}，比对区域 {area}{}",
        r.file,
        r.file_kind,
        r.encoding.as_deref().map(|e| format!("，{e}")).unwrap_or_default(),
        r.sheet,
        department.label(),
        kind.label(),
        if a.complete { "，全量名单" } else { "" }
    );
    let cols: Vec<String> = r.columns.iter().map(|(c, l)| format!("{}={l}", c.label())).collect();
    println!("  读取的列：{}", cols.join("、"));
    println!("  名单人数 {}（重复行 {}，按一人比对；有问题未比对的行 {}）", f.rows, f.duplicate_rows, f.bad_rows);
    println!("  在册匹配 {}，已减少人员 {}，不在本系统（或不在比对区域）{}，证件号码相同但姓名不一致 {}", f.matched, f.removed, f.not_in_registry, f.name_differs);
    println!("  生成核实工单 {} 张{}", f.findings, if f.already_open > 0 { format!("（另有 {} 条已有未办结工单，未重复生成）", f.already_open) } else { String::new() });
    for (k, n) in &r.outcome.findings {
        println!("    {:<24} {n}", k.label());
    }
    for i in r.bad_rows.iter().take(10) {
        println!("  问题行：{i}");
    }
    if r.bad_rows.len() > 10 {
        println!("  ……问题行共 {} 行，详见报告", r.bad_rows.len());
    }
    if let Some(p) = &r.report_path {
        println!("  问题行报告：{}", p.display());
    }
    println!("名单编号 {}，用时 {:.1} 秒。查看工单：bangfu compare orders --list {}", r.outcome.list_id, r.seconds, r.outcome.list_id);
    Ok(())
}

fn orders(ctx: &Ctx, a: OrdersArgs) -> Result<()> {
    let status = a.status.as_deref().map(|s| OrderStatus::parse(s).ok_or_else(|| anyhow!("--status “{s}”无效，可选：待核实、核实属实、核实不属实、已整改"))).transpose()?;
    let kind = a.kind.as_deref().map(|s| FindingKind::parse(s).ok_or_else(|| anyhow!("--kind “{s}”不是可识别的问题类型"))).transpose()?;
    let region = a.region.as_deref().map(parse_region).transpose()?;
    if let Some(r) = &region
        && !ctx.scope.contains(r)
    {
        bail!("区划 {} 不在您的管辖范围内", r.as_str());
    }
    let mut store = ctx.open()?;
    let per_page = a.per_page.clamp(1, 10_000);
    let filter = OrderFilter { list_id: a.list, kind, status, region, household_id: None };
    let page = comparison::orders(&mut store.conn, &ctx.scope, &filter, (a.page.max(1) - 1) * per_page, per_page)?;
    if a.json {
        let rows: Vec<serde_json::Value> = page
            .orders
            .iter()
            .map(|o| {
                serde_json::json!({
                    "id": o.id, "list_id": o.list_id, "kind": o.kind.code(), "status": o.status.code(), "region_code": o.region_code,
                    "village": o.village_name, "household_no": o.household_no, "head_name": o.head_name, "member_name": o.member_name,
                    "resident_id": o.resident_id_masked, "detail": o.detail, "note": o.note, "version": o.version, "updated_by": o.updated_by,
                })
            })
            .collect();
        println!("{:#}", serde_json::json!({ "total": page.total, "orders": rows }));
        return Ok(());
    }
    println!("工单 {} 张（第 {} 页，每页 {}）", page.total, a.page.max(1), per_page);
    println!("{:>7}  {:<6}  {:<18}  {:<10}  {:<18}  {:<8}  说明", "编号", "状态", "类型", "村", "户编号", "姓名");
    for o in &page.orders {
        println!(
            "{:>7}  {:<6}  {:<18}  {:<10}  {:<18}  {:<8}  {}",
            o.id,
            o.status.label(),
            o.kind.label(),
            o.village_name.as_deref().unwrap_or(&o.region_code),
            o.household_no.as_deref().unwrap_or(""),
            o.member_name.as_deref().or(o.head_name.as_deref()).unwrap_or(""),
            o.detail
        );
        if let Some(n) = &o.note {
            println!("{:>7}  核实情况：{n}（{}）", "", o.updated_by);
        }
    }
    Ok(())
}

fn progress(ctx: &Ctx, list: Option<i64>) -> Result<()> {
    let mut store = ctx.open()?;
    if let Some(id) = list {
        let s = comparison::list_summary(&mut store.conn, &ctx.scope, id)?;
        println!("名单 {}：{}{}（{}，{}）", id, s.list.department.label(), s.list.kind.label(), s.list.file_name, s.list.imported_at);
        for (k, p) in &s.by_kind {
            println!("  {:<24} 共 {:>5}，待核实 {:>5}，已办结 {:>5}", k.label(), p.total, p.open, p.closed());
        }
    }
    let rows = comparison::completion_by_township(&mut store.conn, &ctx.scope, list)?;
    if rows.is_empty() {
        println!("没有工单。");
        return Ok(());
    }
    println!("{:<14}  {:<10}  {:>6}  {:>6}  {:>8}  {:>10}  {:>6}  {:>7}", "乡镇代码", "乡镇", "工单", "待核实", "核实属实", "核实不属实", "已整改", "办结率");
    let mut total = comparison::Progress::default();
    for t in &rows {
        let p = t.progress;
        println!(
            "{:<14}  {:<10}  {:>6}  {:>6}  {:>8}  {:>10}  {:>6}  {:>6.1}%",
            t.code,
            t.name.as_deref().unwrap_or(""),
            p.total,
            p.open,
            p.verified_true,
            p.verified_false,
            p.fixed,
            p.completion() * 100.0
        );
        total.total += p.total;
        total.open += p.open;
        total.verified_true += p.verified_true;
        total.verified_false += p.verified_false;
        total.fixed += p.fixed;
    }
    println!(
        "{:<14}  {:<10}  {:>6}  {:>6}  {:>8}  {:>10}  {:>6}  {:>6.1}%",
        "合计",
        "",
        total.total,
        total.open,
        total.verified_true,
        total.verified_false,
        total.fixed,
        total.completion() * 100.0
    );
    Ok(())
}

fn lists(ctx: &Ctx) -> Result<()> {
    let mut store = ctx.open()?;
    let lists = comparison::lists(&mut store.conn, &ctx.scope, 0, 1000)?;
    if lists.is_empty() {
        println!("还没有导入比对名单。");
        return Ok(());
    }
    for l in lists {
        let figures = match &l.figures {
            Some(f) => format!("{} 人，匹配 {}，不在本系统 {}，姓名不一致 {}，工单 {}", f.rows, f.matched, f.not_in_registry, f.name_differs, f.findings),
            None => "（名单范围大于您的管辖范围，只显示本辖区工单）".into(),
        };
        let thresholds = if l.kind == ListKind::MedicalExpense {
            format!("，预警线 {}/{} 元", format_hundredths(l.thresholds.registered_fen), format_hundredths(l.thresholds.other_fen))
        } else {
            String::new()
        };
        println!(
            "{:>5}  {}{}{}  {}  {}  区域 {}{}  {}",
            l.id,
            l.department.label(),
            l.kind.label(),
            if l.complete { "（全量）" } else { "" },
            l.file_name,
            &l.imported_at[..l.imported_at.len().min(16)],
            if l.region_prefix.is_empty() { "全部" } else { &l.region_prefix },
            thresholds,
            figures
        );
    }
    Ok(())
}

fn update(ctx: &Ctx, a: UpdateArgs) -> Result<()> {
    let status = OrderStatus::parse(&a.status).ok_or_else(|| anyhow!("--status “{}”无效，可选：待核实、核实属实、核实不属实、已整改", a.status))?;
    let mut store = ctx.open()?;
    let version = match a.version {
        Some(v) => v,
        None => comparison::order(&mut store.conn, &ctx.scope, a.id)?.ok_or_else(|| anyhow!("找不到工单 {}（或它不在您的管辖范围内）", a.id))?.version,
    };
    match comparison::update_order(&mut store.conn, &Actor::cli(), &ctx.scope, a.id, version, status, a.note.as_deref())? {
        OrderUpdate::Saved { version } => println!("工单 {} 已改为“{}”（版本 {version}）", a.id, status.label()),
        OrderUpdate::Conflict { current } => {
            bail!("工单 {} 已被 {} 改为“{}”（版本 {}），未保存：请重新查看后再填写", a.id, current.updated_by, current.status.label(), current.version)
        }
    }
    Ok(())
}
