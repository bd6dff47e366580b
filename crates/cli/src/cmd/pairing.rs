//! `bangfu pairing import|export|list|coverage|caseload|handover|helper|unit`: the pairing of
//! helpers with households (结对帮扶) from the command line.

use super::Ctx;
use anyhow::{anyhow, bail, Result};
use bangfu_domain::pairing::{HelperKind, PairingKind, PairingStatus, Rank, UnitKind};
use bangfu_domain::RegionCode;
use bangfu_exchange::pairing_sheet::{export_pairings, import_pairings, PairingImportRequest};
use bangfu_store::audit::Actor;
use bangfu_store::pairing::{caseload, coverage, handover, helpers, pairings, units, HelperFilter, NewHelper, NewUnit, PairingFilter};
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum PairingCommand {
    /// 导入对口帮扶任务分配表（xlsx、xls、csv）：为户分配帮扶责任人，缺少的帮扶人和单位自动新建，原帮扶关系结束并保留历史
    Import {
        /// 分配表文件
        file: PathBuf,
        /// 有问题行时仍导入其余正确的行（默认：有任何问题都不写入）
        #[arg(long)]
        accept_valid: bool,
        /// 不写问题行报告文件
        #[arg(long)]
        no_report: bool,
    },
    /// 按导入格式导出在帮的“帮扶责任人—户”结对（.xlsx 或 .csv）
    Export {
        #[arg(short, long)]
        output: PathBuf,
    },
    /// 列出结对（按类型、状态、区划、帮扶人、户筛选）
    List(ListArgs),
    /// 结对覆盖情况：无帮扶责任人的户、无帮扶单位（工作队）的村、超包户数的帮扶人、无结对教师的学生、无结对的学校
    Coverage {
        /// 区划代码（在 --scope 之内）
        #[arg(long)]
        region: Option<String>,
        /// 同时列出明细（前 N 条）
        #[arg(long, default_value_t = 0)]
        list: i64,
    },
    /// 帮扶人包户数与上限（按职级，可按辖区设置）
    Caseload {
        /// 只列出超过上限的帮扶人
        #[arg(long)]
        over: bool,
        /// 设置本辖区某职级的包户数上限，如 --set 正科级=6（需同时给出 --region-prefix）
        #[arg(long)]
        set: Option<String>,
        /// --set 适用的区划代码前缀（如县代码 431099），空为全系统
        #[arg(long, default_value = "")]
        region_prefix: String,
    },
    /// 帮扶人调离时交接：其在帮的户全部转给另一位帮扶人（保留历史）
    Handover {
        /// 调离的帮扶人编号
        #[arg(long)]
        from: i64,
        /// 接手的帮扶人编号
        #[arg(long)]
        to: i64,
        /// 交接日期（默认今天）
        #[arg(long)]
        on: Option<String>,
        #[arg(long, default_value = "调离")]
        reason: String,
        /// 同时把调离的帮扶人标为已调离
        #[arg(long)]
        left: bool,
    },
    /// 帮扶人：添加、列表
    #[command(subcommand)]
    Helper(HelperCommand),
    /// 帮扶单位：添加、列表
    #[command(subcommand)]
    Unit(UnitCommand),
}

#[derive(Args)]
pub struct ListArgs {
    /// 结对类型，如 帮扶责任人—户 或 helper_household
    #[arg(long)]
    pub kind: Option<String>,
    /// 在帮 或 已结束
    #[arg(long)]
    pub status: Option<String>,
    #[arg(long)]
    pub region: Option<String>,
    /// 帮扶人编号
    #[arg(long)]
    pub helper: Option<i64>,
    /// 户编号
    #[arg(long)]
    pub household: Option<String>,
    #[arg(long, default_value_t = 1)]
    pub page: i64,
    #[arg(long, default_value_t = 50)]
    pub per_page: i64,
}

#[derive(Subcommand)]
pub enum HelperCommand {
    /// 添加帮扶人
    Add {
        #[arg(long)]
        name: String,
        /// 干部、教师、驻村第一书记、工作队队员、志愿者、企业人员、领导干部
        #[arg(long, default_value = "干部")]
        kind: String,
        /// 单位编号
        #[arg(long)]
        unit: Option<i64>,
        /// 职级：正处级、副处级、正科级、副科级、一般干部、其他
        #[arg(long)]
        rank: Option<String>,
        #[arg(long)]
        position: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        id_number: Option<String>,
        /// 没有单位时：所在地区划代码
        #[arg(long)]
        region: Option<String>,
    },
    /// 列出帮扶人
    List {
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        unit: Option<i64>,
        #[arg(long, default_value_t = 1)]
        page: i64,
        #[arg(long, default_value_t = 50)]
        per_page: i64,
    },
}

#[derive(Subcommand)]
pub enum UnitCommand {
    /// 添加帮扶单位
    Add {
        #[arg(long)]
        name: String,
        /// 党政机关、事业单位、学校、高校、企业、医院、社会组织 …
        #[arg(long, default_value = "党政机关")]
        kind: String,
        /// 所在地区划代码
        #[arg(long)]
        region: String,
        /// 上级单位编号（处室、科室）
        #[arg(long)]
        parent: Option<i64>,
        #[arg(long)]
        contact: Option<String>,
        #[arg(long)]
        phone: Option<String>,
    },
    /// 列出帮扶单位
    List {
        #[arg(long)]
        kind: Option<String>,
    },
}

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

fn region(text: &Option<String>) -> Result<Option<RegionCode>> {
    text.as_deref().map(|r| RegionCode::parse(r).map_err(|_| anyhow!("“{r}”不是有效的区划代码"))).transpose()
}

fn labels<T: Copy>(all: &[T], f: fn(T) -> &'static str) -> String {
    all.iter().map(|x| f(*x)).collect::<Vec<_>>().join("、")
}

pub fn run(ctx: &Ctx, c: PairingCommand) -> Result<()> {
    let mut store = ctx.open()?;
    let actor = Actor::cli();
    let scope = ctx.scope.clone();
    match c {
        PairingCommand::Import { file, accept_valid, no_report } => {
            let req = PairingImportRequest { path: file, scope, today: today(), accept_valid, write_report: !no_report };
            let r = import_pairings(&mut store, &actor, &req)?;
            println!("文件 {}（工作表 {}）：读到 {} 行", r.file, r.sheet, r.rows);
            for i in r.issues.iter().take(50) {
                println!("  {i}");
            }
            if r.issues.len() > 50 {
                println!("  …… 共 {} 个问题", r.issues.len());
            }
            if let Some(p) = &r.report_path {
                println!("问题行报告：{}", p.display());
            }
            match r.outcome {
                Some(o) => {
                    println!(
                        "已写入：新建结对 {} 个，结束原结对 {} 个（保留历史），未变 {} 个；新建帮扶人 {} 名、单位 {} 个（用时 {:.1} 秒）",
                        o.pairings_created, o.pairings_replaced, o.unchanged, o.helpers_created, o.units_created, r.seconds
                    );
                    if !r.over_caseload.is_empty() {
                        println!("提醒：{} 名帮扶人超过包户数上限（bangfu pairing caseload --over 查看）", r.over_caseload.len());
                    }
                }
                None => bail!("有 {} 个问题，未写入任何数据：请改正后重新导入，或加 --accept-valid 只导入正确的行", r.issues.len()),
            }
            Ok(())
        }
        PairingCommand::Export { output } => {
            let n = export_pairings(&mut store, &scope, &output)?;
            println!("已导出 {n} 条结对到 {}", output.display());
            Ok(())
        }
        PairingCommand::List(a) => {
            let kind = a.kind.as_deref().map(|k| PairingKind::parse(k).ok_or_else(|| anyhow!("结对类型“{k}”无法识别，可选：{}", labels(PairingKind::ALL, PairingKind::label)))).transpose()?;
            let status = a.status.as_deref().map(|s| PairingStatus::parse(s).ok_or_else(|| anyhow!("状态应为 在帮 或 已结束"))).transpose()?;
            let household_id = match &a.household {
                Some(no) => Some(store.conn.query_opt("SELECT id FROM household WHERE household_no = ?", &[bangfu_store::P::Text(no)])?.and_then(|r| r[0].int()).ok_or_else(|| anyhow!("户编号 {no} 不存在"))?),
                None => None,
            };
            let f = PairingFilter { kind, status, region: region(&a.region)?, helper_id: a.helper, household_id, beneficiary_kind: None };
            let per = a.per_page.clamp(1, 1000);
            let (rows, total) = pairings::list(&mut store.conn, &scope, &f, (a.page.max(1) - 1) * per, per)?;
            println!("共 {total} 个结对（第 {} 页）", a.page.max(1));
            println!("编号\t类型\t状态\t帮扶方\t单位\t受帮扶方\t户编号\t所在地\t开始\t结束");
            for p in rows {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    p.id,
                    p.kind.label(),
                    p.status.label(),
                    p.helper_name.unwrap_or_default(),
                    p.helper_unit.unwrap_or_default(),
                    p.beneficiary_name.unwrap_or_default(),
                    p.household_no.unwrap_or_default(),
                    p.region_name.unwrap_or(p.region_code),
                    p.started_on,
                    p.ended_on.map(|d| d.to_string()).unwrap_or_default()
                );
            }
            Ok(())
        }
        PairingCommand::Coverage { region: r, list } => {
            let r = region(&r)?;
            let s = coverage::summary(&mut store.conn, &scope, r.as_ref())?;
            println!("结对覆盖情况");
            println!("  建档立卡户（贫困户、脱贫户、监测户）{} 户，无帮扶责任人 {} 户", s.registered_households, s.households_without_helper);
            println!("  村 {} 个，无帮扶单位或驻村工作队 {} 个（其中贫困村 {} 个）", s.villages, s.villages_without_unit, s.poor_villages_without_unit);
            println!("  帮扶人 {} 名，超过包户数上限 {} 名", s.helpers, s.helpers_over_caseload);
            println!("  建档立卡在校生 {} 名，无结对教师 {} 名", s.students, s.students_without_teacher);
            println!("  学校 {} 所，无结对学校 {} 所", s.schools, s.schools_without_pairing);
            if list > 0 {
                let (hs, total) = coverage::households_without_helper(&mut store.conn, &scope, r.as_ref(), 0, list)?;
                println!("无帮扶责任人的户（{total} 户，列出 {} 户）：", hs.len());
                for h in hs {
                    println!("  {}\t{}\t{}", h.household_no.unwrap_or_default(), h.head_name.unwrap_or_default(), h.village_name.unwrap_or(h.region_code));
                }
                let vs = coverage::villages_without_unit(&mut store.conn, &scope, r.as_ref())?;
                println!("无帮扶单位或工作队的村（{} 个）：", vs.len());
                for v in vs.iter().take(list as usize) {
                    println!("  {}\t{}{}\t建档立卡户 {} 户", v.code, v.name, if v.poor_village { "（贫困村）" } else { "" }, v.registered_households);
                }
            }
            Ok(())
        }
        PairingCommand::Caseload { over, set, region_prefix } => {
            if let Some(s) = set {
                let (rank, value) = s.split_once('=').ok_or_else(|| anyhow!("--set 的格式为 职级=户数，如 正科级=6"))?;
                let rank = Rank::parse(rank).ok_or_else(|| anyhow!("职级“{rank}”无法识别，可选：{}", labels(Rank::ALL, Rank::label)))?;
                let value: i64 = value.trim().parse().map_err(|_| anyhow!("户数“{value}”不是整数"))?;
                caseload::set_limit(&mut store.conn, &actor, &region_prefix, rank, value, Some("命令行设置"))?;
                println!("已设置：区划前缀“{region_prefix}”的{}包户数上限为 {value} 户", rank.label());
                return Ok(());
            }
            let rows = if over { caseload::over_caseload(&mut store.conn, &scope)? } else { caseload::helpers_with_caseload(&mut store.conn, &scope)? };
            println!("{} 名帮扶人{}", rows.len(), if over { "超过包户数上限" } else { "" });
            println!("编号\t姓名\t单位\t职级\t包户数\t上限");
            for r in rows {
                println!("{}\t{}\t{}\t{}\t{}\t{}{}", r.helper_id, r.name, r.unit_name.clone().unwrap_or_default(), r.rank.map(|k| k.label()).unwrap_or("—"), r.households, r.limit, if r.is_over() { "\t超限" } else { "" });
            }
            Ok(())
        }
        PairingCommand::Handover { from, to, on, reason, left } => {
            let on = match on {
                Some(t) => bangfu_domain::value::parse_date(&t, today()).map_err(|e| anyhow!("--on：{}", e.reason))?,
                None => today(),
            };
            let r = handover::hand_over(&mut store.conn, &actor, &scope, from, to, on, &reason)?;
            println!("交接完成：结束 {} 个结对，为接手人新建 {} 个；接手人现包 {} 户（上限 {} 户）", r.ended, r.created, r.successor_caseload.0, r.successor_caseload.1);
            if r.successor_caseload.0 > r.successor_caseload.1 {
                println!("提醒：接手人已超过包户数上限");
            }
            if left {
                helpers::mark_left(&mut store.conn, &actor, &scope, from, on)?;
                println!("帮扶人 {from} 已标为调离");
            }
            Ok(())
        }
        PairingCommand::Helper(HelperCommand::Add { name, kind, unit, rank, position, phone, id_number, region: r }) => {
            let kind = HelperKind::parse(&kind).ok_or_else(|| anyhow!("帮扶人类型“{kind}”无法识别，可选：{}", labels(HelperKind::ALL, HelperKind::label)))?;
            let rank = rank.as_deref().map(|k| Rank::parse(k).ok_or_else(|| anyhow!("职级“{k}”无法识别，可选：{}", labels(Rank::ALL, Rank::label)))).transpose()?;
            let id = helpers::create(&mut store.conn, &actor, &scope, &NewHelper { name, kind, unit_id: unit, rank, position, phone, id_number, user_id: None, region_code: r })?;
            println!("已添加帮扶人，编号 {id}");
            Ok(())
        }
        PairingCommand::Helper(HelperCommand::List { name, unit, page, per_page }) => {
            let per = per_page.clamp(1, 1000);
            let (rows, total) = helpers::list(&mut store.conn, &scope, &HelperFilter { name, unit_id: unit, ..Default::default() }, (page.max(1) - 1) * per, per)?;
            println!("共 {total} 名帮扶人");
            println!("编号\t姓名\t类型\t单位\t职级\t职务\t电话\t状态");
            for h in rows {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    h.id,
                    h.name,
                    h.kind.label(),
                    h.unit_name.unwrap_or_default(),
                    h.rank.map(|r| r.label()).unwrap_or("—"),
                    h.position.unwrap_or_default(),
                    h.phone.unwrap_or_default(),
                    if h.status == "active" { "在岗" } else { "已调离" }
                );
            }
            Ok(())
        }
        PairingCommand::Unit(UnitCommand::Add { name, kind, region: r, parent, contact, phone }) => {
            let kind = UnitKind::parse(&kind).ok_or_else(|| anyhow!("单位类型“{kind}”无法识别，可选：{}", labels(UnitKind::ALL, UnitKind::label)))?;
            let id = units::create(&mut store.conn, &actor, &scope, &NewUnit { name, kind, parent_id: parent, region_code: r, contact, phone })?;
            println!("已添加单位，编号 {id}");
            Ok(())
        }
        PairingCommand::Unit(UnitCommand::List { kind }) => {
            let kind = kind.as_deref().map(|k| UnitKind::parse(k).ok_or_else(|| anyhow!("单位类型“{k}”无法识别，可选：{}", labels(UnitKind::ALL, UnitKind::label)))).transpose()?;
            let rows = units::list(&mut store.conn, &scope, kind)?;
            println!("共 {} 个单位", rows.len());
            println!("编号\t名称\t类型\t上级单位\t所在地");
            for u in rows {
                println!("{}\t{}\t{}\t{}\t{}", u.id, u.name, u.kind.label(), u.parent_name.unwrap_or_default(), u.region_code);
            }
            Ok(())
        }
    }
}

/// Writes the demo's pairing assistance (units, helpers, work teams, pairings and the demo
/// county's caseload 8/7/6/5/4) for the registry in the store, in one transaction with bulk
/// writes; prints one line. Does nothing when pairings already exist.
pub fn load_demo(store: &mut bangfu_store::Store, county: &bangfu_demo::DemoCounty, seed: u64, today: chrono::NaiveDate) -> Result<()> {
    use bangfu_demo::assist::{self, PlanSide};
    use bangfu_store::bulk::write_rows;
    use bangfu_store::db::Cell;
    let started = std::time::Instant::now();
    let conn = &mut store.conn;
    if conn.query_int("SELECT COUNT(*) FROM pairing", &[])? > 0 {
        return Ok(());
    }
    let households: Vec<(i64, String, bool)> = conn
        .query("SELECT id, region_code, household_type FROM household WHERE status = 'active' ORDER BY id", &[])?
        .iter()
        .filter_map(|r| Some((r[0].int()?, r[1].string(), matches!(r[2].text(), Some("poor" | "exited" | "monitored")))))
        .collect();
    let students: Vec<(i64, String)> = conn
        .query(
            "SELECT m.id, m.region_code FROM member m JOIN household h ON h.id = m.household_id WHERE m.status = 'active' AND m.school_status IS NOT NULL \
             AND m.school_status NOT IN ('not_student', 'preschool_age') AND h.status = 'active' AND h.household_type IN ('poor', 'exited', 'monitored') ORDER BY m.id",
            &[],
        )?
        .iter()
        .filter_map(|r| Some((r[0].int()?, r[1].string())))
        .collect();
    let plan = assist::plan(county, &households, &students, seed, today);
    let now = bangfu_store::now_utc();
    let actor = Actor::new(Actor::cli().name, "demo");
    conn.begin()?;
    let result = (|| -> Result<()> {
        let alloc = |conn: &mut bangfu_store::Conn, name: &str, n: usize| -> Result<i64> { Ok(if n == 0 { 0 } else { bangfu_store::ids::allocate(conn, name, n as i64)? }) };
        let u0 = alloc(conn, "assist_unit", plan.units.len())?;
        let h0 = alloc(conn, "helper", plan.helpers.len())?;
        let t0 = alloc(conn, "work_team", plan.teams.len())?;
        let p0 = alloc(conn, "pairing", plan.pairings.len())?;
        let text = |s: &str| Cell::Text(s.to_string());
        let rows: Vec<Vec<Cell>> = plan
            .units
            .iter()
            .enumerate()
            .map(|(i, u)| vec![Cell::Int(u0 + i as i64), text(&u.name), text(u.kind.code()), u.parent.map(|p| Cell::Int(u0 + p as i64)).unwrap_or(Cell::Null), text(&u.region_code), text("active"), text(&now), text(&now), Cell::Int(1)])
            .collect();
        write_rows(conn, "assist_unit", &["id", "name", "kind", "parent_id", "region_code", "status", "created_at", "updated_at", "version"], &rows)?;
        let rows: Vec<Vec<Cell>> = plan
            .helpers
            .iter()
            .enumerate()
            .map(|(i, h)| {
                vec![
                    Cell::Int(h0 + i as i64),
                    text(&h.name),
                    text(h.kind.code()),
                    Cell::Int(u0 + h.unit as i64),
                    h.rank.map(|r| text(r.code())).unwrap_or(Cell::Null),
                    text(h.position),
                    text(&h.phone),
                    text(&plan.units[h.unit].region_code),
                    text("active"),
                    text(&now),
                    text(&now),
                    Cell::Int(1),
                ]
            })
            .collect();
        write_rows(conn, "helper", &["id", "name", "kind", "unit_id", "rank", "position", "phone", "region_code", "status", "created_at", "updated_at", "version"], &rows)?;
        let rows: Vec<Vec<Cell>> = plan
            .teams
            .iter()
            .enumerate()
            .map(|(i, t)| vec![Cell::Int(t0 + i as i64), text(&t.name), Cell::Int(u0 + t.unit as i64), text(&t.village_code), Cell::Date(t.started_on), text("active"), text(&now), Cell::Int(1)])
            .collect();
        write_rows(conn, "work_team", &["id", "name", "unit_id", "village_code", "started_on", "status", "created_at", "version"], &rows)?;
        let mut rows: Vec<Vec<Cell>> = Vec::new();
        for (i, t) in plan.teams.iter().enumerate() {
            rows.push(vec![Cell::Int(t0 + i as i64), Cell::Int(h0 + t.secretary as i64), text("first_secretary"), Cell::Date(t.started_on)]);
            for m in &t.members {
                rows.push(vec![Cell::Int(t0 + i as i64), Cell::Int(h0 + *m as i64), text("member"), Cell::Date(t.started_on)]);
            }
        }
        write_rows(conn, "team_member", &["team_id", "helper_id", "role", "started_on"], &rows)?;
        let side = |s: &PlanSide| -> (&'static str, Cell, Cell) {
            match s {
                PlanSide::Helper(i) => ("helper", Cell::Int(h0 + *i as i64), Cell::Null),
                PlanSide::Unit(i) => ("unit", Cell::Int(u0 + *i as i64), Cell::Null),
                PlanSide::School(i) => ("school", Cell::Int(u0 + *i as i64), Cell::Null),
                PlanSide::Team(i) => ("team", Cell::Int(t0 + *i as i64), Cell::Null),
                PlanSide::Household(id) => ("household", Cell::Int(*id), Cell::Null),
                PlanSide::Student(id) => ("student", Cell::Int(*id), Cell::Null),
                PlanSide::Village(c) => ("village", Cell::Null, Cell::Text(c.clone())),
            }
        };
        let rows: Vec<Vec<Cell>> = plan
            .pairings
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let (hk, hid, hr) = side(&p.helper);
                let (bk, bid, br) = side(&p.beneficiary);
                vec![Cell::Int(p0 + i as i64), text(p.kind.code()), text(hk), hid, hr, text(bk), bid, br, text(&p.region_code), Cell::Date(p.started_on), text("active"), text(&now), text(&now), Cell::Int(1)]
            })
            .collect();
        write_rows(
            conn,
            "pairing",
            &["id", "kind", "helper_kind", "helper_id", "helper_region", "beneficiary_kind", "beneficiary_id", "beneficiary_region", "region_code", "started_on", "status", "created_at", "updated_at", "version"],
            &rows,
        )?;
        Ok(())
    })();
    match result {
        Ok(()) => conn.commit()?,
        Err(e) => {
            let _ = conn.rollback();
            return Err(e);
        }
    }
    let prefix = county.county.code.prefix().to_string();
    for (rank, value) in &plan.caseload {
        caseload::set_limit(conn, &actor, &prefix, *rank, *value, Some("演示县：凤山 8/7/6/5/4"))?;
    }
    let households_paired = plan.pairings.iter().filter(|p| p.kind.counts_for_caseload()).count();
    let students_paired = plan.pairings.iter().filter(|p| p.kind == PairingKind::TeacherStudent).count();
    bangfu_store::audit::record(
        conn,
        &actor,
        bangfu_store::audit::Entry {
            region_code: Some(county.county.code.as_str()),
            entity: "pairing",
            entity_id: None,
            action: "demo",
            before: None,
            after: Some(serde_json::json!({"units": plan.units.len(), "helpers": plan.helpers.len(), "teams": plan.teams.len(), "pairings": plan.pairings.len()}).to_string()),
        },
    )?;
    println!(
        "演示结对帮扶：单位 {} 个、帮扶人 {} 名、驻村工作队 {} 支、结对 {} 个（包户 {} 户、结对学生 {} 名），用时 {:.1} 秒\n",
        plan.units.len(),
        plan.helpers.len(),
        plan.teams.len(),
        plan.pairings.len(),
        households_paired,
        students_paired,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
