//! `bangfu region import|list`: the division tree from a CSV or spreadsheet of codes and names.

use super::Ctx;
use anyhow::{anyhow, bail, Result};
use bangfu_domain::{RegionCode, RegionLevel};
use bangfu_sheets::{normalize_header, ReadOptions, Workbook};
use bangfu_store::audit::Actor;
use bangfu_store::regions::{self, RegionRow};
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum RegionCommand {
    /// 导入区划：列为 区划代码、名称（上级由代码推出），可选 村民小组（用“、”分隔）
    Import { file: PathBuf },
    /// 列出管辖范围内的区划
    List {
        /// 只列某一级：province/city/county/township/village
        #[arg(long)]
        level: Option<String>,
    },
}

pub fn run(ctx: &Ctx, c: RegionCommand) -> Result<()> {
    match c {
        RegionCommand::Import { file } => import(ctx, &file),
        RegionCommand::List { level } => {
            let level = match level.as_deref() {
                None => None,
                Some(l) => Some(RegionLevel::all().into_iter().find(|x| x.code() == l || x.label() == l).ok_or_else(|| anyhow!("层级“{l}”无效"))?),
            };
            let mut store = ctx.open()?;
            for r in regions::list(&mut store.conn, &ctx.scope, level)? {
                println!("{}  {}  {}", r.code, r.code.level().label(), r.name);
            }
            Ok(())
        }
    }
}

fn import(ctx: &Ctx, file: &PathBuf) -> Result<()> {
    let mut wb = Workbook::open(file, &ReadOptions::default())?;
    let mut rows = Vec::new();
    let mut groups = Vec::new();
    let mut problems = Vec::new();
    let (mut code_col, mut name_col, mut group_col) = (0usize, 1usize, None);
    let mut header_seen = false;
    for raw in wb.rows(0)? {
        let raw = raw?;
        let cell = |i: usize| raw.cells.get(i).map(String::as_str).unwrap_or("").trim().to_string();
        if !header_seen {
            let names: Vec<String> = raw.cells.iter().map(|c| normalize_header(c)).collect();
            let find = |opts: &[&str]| names.iter().position(|n| opts.contains(&n.as_str()));
            if let Some(c) = find(&["区划代码", "统计用区划代码", "代码", "code"]) {
                code_col = c;
                name_col = find(&["名称", "区划名称", "name"]).unwrap_or(c + 1);
                group_col = find(&["村民小组", "组", "groups"]);
                header_seen = true;
                continue;
            }
            header_seen = true;
        }
        let code_text = cell(code_col);
        if code_text.is_empty() {
            continue;
        }
        match RegionCode::parse(&code_text) {
            Ok(code) => {
                let name = cell(name_col);
                if name.is_empty() {
                    problems.push(format!("第 {} 行：区划 {code} 没有名称", raw.number));
                    continue;
                }
                if let Some(g) = group_col.map(cell) {
                    for part in g.split(['、', ',', '，', ';']).map(str::trim).filter(|p| !p.is_empty()) {
                        if code.level() != RegionLevel::Village {
                            problems.push(format!("第 {} 行：村民小组只能属于村，{code} 不是村级代码", raw.number));
                            break;
                        }
                        groups.push((code, part.to_string()));
                    }
                }
                rows.push(RegionRow { code, name, poor_village: None, exit_year: None });
            }
            Err(e) => problems.push(format!("第 {} 行，区划代码“{code_text}”：{e}", raw.number)),
        }
    }
    if !problems.is_empty() {
        for p in problems.iter().take(20) {
            eprintln!("  {p}");
        }
        bail!("文件 {} 有 {} 处问题，未导入任何区划；请改正后重试", file.display(), problems.len());
    }
    for r in &rows {
        if !ctx.scope.contains(&r.code) {
            bail!("区划 {} 不在您的管辖范围内，未导入", r.code);
        }
    }
    let mut store = ctx.open()?;
    let (n, g) = regions::upsert(&mut store.conn, &Actor::cli(), &rows, &groups)?;
    println!("已导入区划 {n} 个、村民小组 {g} 个");
    Ok(())
}
