//! `bangfu demo`: the demo county and a generated registry, in the database or as import files.

use super::Ctx;
use anyhow::{bail, Context, Result};
use bangfu_demo::{demo_county, generate_with_defects, DemoCounty, DemoOptions};
use bangfu_domain::registry::HouseholdDoc;
use bangfu_domain::RegionScope;
use bangfu_exchange::defects::Injector;
use bangfu_exchange::export::{DocWriter, Format};
use bangfu_store::audit::Actor;
use bangfu_store::registry::diff::Present;
use bangfu_store::registry::{ImportOptions, ImportSession};
use bangfu_store::regions::{self, RegionRow};
use clap::Args;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct DemoArgs {
    /// 生成的户数（约 3.3 人/户）
    #[arg(long, default_value_t = 20_000)]
    pub households: usize,
    /// 随机种子：相同种子生成完全相同的数据
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// 不写数据库，而是把户籍写成导入格式的文件（members.csv / members.xlsx 和 regions.csv）到该目录
    #[arg(long)]
    pub files: Option<PathBuf>,
    /// 写文件的格式
    #[arg(long, value_enum, default_value = "csv")]
    pub format: FileFormat,
    /// 写文件时按此比例（每户）注入常见错误，如 0.01
    #[arg(long, default_value_t = 0.0)]
    pub defect_rate: f64,
    /// 按此比例（每户）植入违反逻辑校验规则的问题，每户一处，依次涵盖各条规则（如 0.1：每 10 户一处）；
    /// 用于演示和检验数据质量检查。默认 0：生成的数据不触发任何逻辑校验规则
    #[arg(long, value_name = "RATE", default_value_t = 0.0, value_parser = rate)]
    pub rule_defects: f64,
    /// 数据库已有数据时，删除后重新生成（仅 SQLite）
    #[arg(long)]
    pub fresh: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Xlsx,
    Both,
}

/// Parses a share per household (0–1).
pub(crate) fn rate(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
        _ => Err(format!("应为 0 到 1 之间的小数（每户的比例），实际为“{s}”")),
    }
}

fn options(a: &DemoArgs) -> DemoOptions {
    DemoOptions { households: a.households, seed: a.seed, rule_defects: a.rule_defects, ..DemoOptions::default() }
}

/// Counts planted rule defects by rule code, for the closing message.
#[derive(Default)]
struct Planted(std::collections::BTreeMap<&'static str, u64>);

impl Planted {
    fn add(&mut self, p: Option<bangfu_demo::PlantedDefect>) {
        if let Some(p) = p {
            *self.0.entry(p.rule.code()).or_default() += 1;
        }
    }
    /// "；植入逻辑校验问题 N 户（M 条规则）" or nothing.
    fn summary(&self) -> String {
        let n: u64 = self.0.values().sum();
        if n == 0 {
            return String::new();
        }
        format!("；植入逻辑校验问题 {n} 户（每户一处，涉及 {} 条规则）", self.0.len())
    }
}

pub fn run(ctx: &Ctx, a: DemoArgs) -> Result<()> {
    let county = demo_county();
    if let Some(dir) = &a.files {
        return write_files(&county, &a, dir);
    }
    if a.fresh {
        if let bangfu_store::DbUrl::Sqlite(p) = &ctx.url {
            for suffix in ["", "-wal", "-shm"] {
                let mut f = p.as_os_str().to_owned();
                f.push(suffix);
                let _ = std::fs::remove_file(PathBuf::from(f));
            }
        } else {
            bail!("--fresh 只用于 SQLite；PostgreSQL 请先自行清空数据库");
        }
    }
    let mut store = ctx.open()?;
    let (existing, _) = bangfu_store::registry::query::totals(&mut store.conn, &RegionScope::all())?;
    if existing > 0 {
        println!("数据库 {} 中已有 {existing} 户，未重新生成（如需重新生成请加 --fresh）。\n", ctx.url.display());
        return super::summary::print_summary(&mut store, &ctx.scope, None);
    }
    let started = Instant::now();
    load_regions(&mut store, &county)?;
    let opts = options(&a);
    let today = opts.today;
    let mut file_name = format!("demo --households {} --seed {}", a.households, a.seed);
    if a.rule_defects > 0.0 {
        file_name.push_str(&format!(" --rule-defects {}", a.rule_defects));
    }
    let session_opts = ImportOptions { file_name, today, present: Present::all(), scope: RegionScope::all() };
    let mut session = ImportSession::begin(&mut store, Actor::new(Actor::cli().name, "demo"), session_opts)?;
    let pb = crate::progress::spinner("生成演示户籍");
    let mut chunk: Vec<HouseholdDoc> = Vec::with_capacity(2000);
    let mut planted = Planted::default();
    for (doc, p) in generate_with_defects(&county, &opts) {
        planted.add(p);
        chunk.push(doc);
        if chunk.len() == 2000 {
            let refs: Vec<&HouseholdDoc> = chunk.iter().collect();
            session.insert_many(&refs)?;
            pb.inc(chunk.len() as u64);
            chunk.clear();
        }
    }
    let refs: Vec<&HouseholdDoc> = chunk.iter().collect();
    if !refs.is_empty() {
        session.insert_many(&refs)?;
    }
    let s = session.commit(0, started.elapsed().as_secs_f64())?;
    pb.finish_and_clear();
    println!(
        "已生成演示县“{}”：{} 户、{} 人{}，用时 {:.1} 秒，数据库 {}\n",
        county.county.name,
        s.households_created,
        s.members_created,
        planted.summary(),
        started.elapsed().as_secs_f64(),
        ctx.url.display()
    );
    super::summary::print_summary(&mut store, &ctx.scope, None)
}

/// Writes the demo county's regions and villager groups into the database.
pub fn load_regions(store: &mut bangfu_store::Store, county: &DemoCounty) -> Result<()> {
    let mut rows: Vec<RegionRow> = county
        .all_regions()
        .into_iter()
        .map(|r| RegionRow { code: r.code, name: r.name, poor_village: None, exit_year: None })
        .collect();
    for v in &county.villages {
        if let Some(r) = rows.iter_mut().find(|r| r.code == v.region.code) {
            r.poor_village = Some(v.poor_village);
            r.exit_year = v.exit_year.map(i64::from);
        }
    }
    let groups: Vec<_> = county.villages.iter().flat_map(|v| v.groups.iter().map(|g| (v.region.code, g.clone()))).collect();
    regions::upsert(&mut store.conn, &Actor::new(Actor::cli().name, "demo"), &rows, &groups)?;
    Ok(())
}

fn names_of(county: &DemoCounty) -> std::collections::HashMap<String, [String; 5]> {
    let mut out = std::collections::HashMap::new();
    for v in &county.villages {
        let township = county.townships.iter().find(|t| t.code.contains(&v.region.code)).map(|t| t.name.clone()).unwrap_or_default();
        out.insert(
            v.region.code.as_str().to_string(),
            [county.province.name.clone(), county.city.name.clone(), county.county.name.clone(), township, v.region.name.clone()],
        );
    }
    out
}

fn write_files(county: &DemoCounty, a: &DemoArgs, dir: &std::path::Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("无法创建目录 {}", dir.display()))?;
    let started = Instant::now();
    // regions: 区划代码, 名称, 村民小组
    let regions_path = dir.join("regions.csv");
    let mut w = bangfu_sheets::csv_writer(&regions_path)?;
    w.begin_table("区划", &["区划代码", "名称", "村民小组"])?;
    for r in county.all_regions() {
        let groups = county.villages.iter().find(|v| v.region.code == r.code).map(|v| v.groups.join("、")).unwrap_or_default();
        w.write_row(&[bangfu_sheets::Cell::Text(r.code.as_str().into()), bangfu_sheets::Cell::Text(r.name), bangfu_sheets::Cell::Text(groups)])?;
    }
    w.finish()?;
    let names = names_of(county);
    let formats: Vec<Format> = match a.format {
        FileFormat::Csv => vec![Format::Csv],
        FileFormat::Xlsx => vec![Format::Xlsx],
        FileFormat::Both => vec![Format::Csv, Format::Xlsx],
    };
    for format in formats {
        let ext = if format == Format::Csv { "csv" } else { "xlsx" };
        let stem = if a.defect_rate > 0.0 { "members-defects" } else { "members" };
        let path = dir.join(format!("{stem}.{ext}"));
        let mut w = DocWriter::create(&path, format, false)?;
        let header = w.header();
        let mut inj = Injector::new(&header, a.defect_rate, a.seed);
        let mut households = 0u64;
        let mut planted = Planted::default();
        for (doc, p) in generate_with_defects(county, &options(a)) {
            planted.add(p);
            let key = doc.get(bangfu_domain::fields::HouseholdField::RegionCode).as_text().unwrap_or_default().to_string();
            let n = names.get(&key).cloned().unwrap_or_default();
            let mut rows = w.rows_of(&doc, &n);
            if a.defect_rate > 0.0 {
                inj.apply(&mut rows);
            }
            w.write_rows(&rows)?;
            households += 1;
        }
        let rows = w.rows;
        w.finish()?;
        println!(
            "已写出 {}：{households} 户、{rows} 行{}{}",
            path.display(),
            if a.defect_rate > 0.0 { format!("，注入问题 {} 处（其中应被拒绝的 {} 处）", inj.injected.len(), inj.errors()) } else { String::new() },
            planted.summary()
        );
    }
    println!("已写出 {}（先用 `bangfu region import` 导入区划）；用时 {:.1} 秒", regions_path.display(), started.elapsed().as_secs_f64());
    Ok(())
}
