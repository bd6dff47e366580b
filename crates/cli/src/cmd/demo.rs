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

/// `bangfu demo` as typed: the registry options, or a subcommand.
#[derive(Args)]
pub struct DemoCli {
    #[command(flatten)]
    pub args: DemoArgs,
    #[command(subcommand)]
    pub command: Option<DemoCommand>,
}

/// Runs `bangfu demo …`.
pub fn run_cli(ctx: &Ctx, c: DemoCli) -> Result<()> {
    match c.command {
        Some(DemoCommand::DeptList(d)) => dept_list(ctx, d),
        None => run(ctx, c.args),
    }
}

#[derive(clap::Subcommand)]
pub enum DemoCommand {
    /// 从数据库中的户籍写出一份部门比对名单（预置各类问题，并带有 15 位证号、重复行、姓名不一致、非本系统人员等常见情况）
    DeptList(DeptListArgs),
}

#[derive(Args)]
pub struct DeptListArgs {
    /// 名单类型：低保、特困、医疗费用、残疾人、学籍、死亡、迁出、危房、就业、企业、车辆、财政供养
    #[arg(long)]
    pub kind: String,
    /// 输出文件（.csv 或 .xlsx）
    #[arg(long)]
    pub out: PathBuf,
    /// 写出正好这么多行（基准测试用：按成员顺序每人一行，不足时以非本系统人员补足）
    #[arg(long)]
    pub rows: Option<u64>,
    /// 随机种子
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// 文件格式：csv（UTF-8）、gbk（GBK 编码的 CSV）、xlsx；默认按扩展名
    #[arg(long, value_enum)]
    pub format: Option<ListFileFormat>,
    /// 不加重复行、15 位证号和错别字姓名
    #[arg(long)]
    pub clean: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
pub enum ListFileFormat {
    Csv,
    Gbk,
    Xlsx,
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
    super::pairing::load_demo(&mut store, &county, a.seed, today)?;
    let visits = super::demo_visits::load(&mut store, today, 5)?;
    if visits > 0 {
        println!("演示走访记录：近 6 个月 {visits} 次（每户每月约九成走访到）\n");
    }
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

/// The active members of the registry in scope, in id order, read a page at a time.
struct RegistryPeople<'a> {
    conn: &'a mut bangfu_store::Conn,
    pattern: String,
    after: i64,
    page: std::collections::VecDeque<bangfu_demo::dept_lists::ListPerson>,
    done: bool,
    error: Option<bangfu_store::StoreError>,
}

impl Iterator for RegistryPeople<'_> {
    type Item = bangfu_demo::dept_lists::ListPerson;

    fn next(&mut self) -> Option<Self::Item> {
        use bangfu_store::P;
        if self.page.is_empty() && !self.done {
            let rows = self.conn.query(
                "SELECT m.id, m.resident_id, m.name, h.household_no, m.relation, h.household_type, h.monitoring_category, h.risk_eliminated, \
                 h.poverty_attribute, m.dibao, m.tekun, m.disability_grade, m.health, m.school_status, m.not_in_school_reason, m.labour_skill, \
                 h.dangerous_house, h.housing_grade \
                 FROM member m JOIN household h ON h.id = m.household_id \
                 WHERE m.id > ? AND m.status = 'active' AND h.status = 'active' AND m.region_code LIKE ? ORDER BY m.id LIMIT 20000",
                &[P::Int(self.after), P::Text(&self.pattern)],
            );
            match rows {
                Ok(rows) => {
                    self.done = rows.len() < 20000;
                    for r in rows {
                        self.after = r[0].int().unwrap_or(self.after);
                        let text = |i: usize| r[i].text().map(str::to_string);
                        let household_type = text(5);
                        let monitored = (household_type.as_deref() == Some("monitored") || !r[6].is_null()) && r[7].bool() != Some(true);
                        let attribute = text(8);
                        self.page.push_back(bangfu_demo::dept_lists::ListPerson {
                            resident_id: r[1].string(),
                            name: r[2].string(),
                            household: r[3].string(),
                            is_head: r[4].text() == Some("head"),
                            household_type,
                            monitored,
                            dibao: r[9].text() == Some("是") || attribute.as_deref() == Some("dibao"),
                            tekun: r[10].text() == Some("是") || attribute.as_deref() == Some("tekun"),
                            disability_grade: text(11),
                            health: text(12),
                            school_status: text(13),
                            not_in_school_reason: !r[14].is_null(),
                            labour_skill: text(15),
                            dangerous_house: r[16].bool() == Some(true) || matches!(r[17].text(), Some("C" | "D")),
                        });
                    }
                }
                Err(e) => {
                    self.error = Some(e);
                    self.done = true;
                }
            }
        }
        self.page.pop_front()
    }
}

/// `bangfu demo dept-list`: a department list drawn from the registry in the database.
fn dept_list(ctx: &Ctx, d: DeptListArgs) -> Result<()> {
    use bangfu_demo::dept_lists::{write_list, ListFormat, ListOptions};
    use bangfu_domain::comparison::ListKind;
    let kind = ListKind::parse(&d.kind).ok_or_else(|| {
        let all: Vec<String> = ListKind::ALL.iter().map(|k| format!("{}（{}）", k.label(), k.code())).collect();
        anyhow::anyhow!("--kind “{}”不是可识别的名单类型，可选：{}", d.kind, all.join("、"))
    })?;
    let xlsx_ext = d.out.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let format = match d.format {
        Some(ListFileFormat::Csv) => ListFormat::Csv,
        Some(ListFileFormat::Gbk) => ListFormat::CsvGbk,
        Some(ListFileFormat::Xlsx) => ListFormat::Xlsx,
        None if xlsx_ext => ListFormat::Xlsx,
        None => ListFormat::Csv,
    };
    if format == ListFormat::Xlsx && d.rows.is_some_and(|n| n > u64::from(bangfu_sheets::MAX_DATA_ROWS_PER_SHEET)) {
        bail!("xlsx 一个工作表最多 {} 行：这么大的名单请写成 CSV", bangfu_sheets::MAX_DATA_ROWS_PER_SHEET);
    }
    let mut store = ctx.open()?;
    let (households, _) = bangfu_store::registry::query::totals(&mut store.conn, &ctx.scope)?;
    if households == 0 {
        bail!("数据库 {} 中没有户籍：请先运行 `bangfu demo` 生成演示户籍", ctx.url.display());
    }
    if let Some(dir) = d.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("无法创建目录 {}", dir.display()))?;
    }
    let started = Instant::now();
    let opts = ListOptions { kind, seed: d.seed, rows: d.rows, today: chrono::Local::now().date_naive(), clean: d.clean };
    let mut people = RegistryPeople { conn: &mut store.conn, pattern: ctx.scope.like_pattern(), after: i64::MIN, page: Default::default(), done: false, error: None };
    let stats = write_list(&mut people, &opts, format, &d.out)?;
    if let Some(e) = people.error {
        return Err(e.into());
    }
    println!(
        "已写出 {}：{}{}，{} 行（本系统人员 {}、非本系统人员 {}；重复行 {}、15 位证号 {}、姓名有误 {}），用时 {:.1} 秒",
        d.out.display(),
        kind.department().label(),
        kind.label(),
        stats.rows,
        stats.registered,
        stats.strangers,
        stats.repeated,
        stats.fifteen_digit,
        stats.renamed,
        started.elapsed().as_secs_f64()
    );
    let planted: Vec<String> = stats.planted.iter().map(|(k, n)| format!("{} {n}", k.label())).collect();
    println!("预置的问题：{}", planted.join("、"));
    let complete = if kind.supports_complete() { " --complete" } else { "" };
    println!("比对：bangfu compare import {} --kind {}{complete}", d.out.display(), kind.code());
    Ok(())
}
