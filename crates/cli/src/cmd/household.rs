//! `bangfu household show|list|move-member`: one household's file, a filtered page, moving a person.

use super::Ctx;
use anyhow::{anyhow, bail, Result};
use bangfu_domain::event::{EventType, EVENT_TYPE};
use bangfu_domain::fields::{HouseholdField as HF, MemberField as MF, Storage};
use bangfu_domain::value::{format_value, Value};
use bangfu_domain::vocab::{HOUSEHOLD_TYPE, POVERTY_ATTRIBUTE, POVERTY_CAUSE, RELATION};
use bangfu_domain::{RegionCode, ResidentId};
use bangfu_store::audit::Actor;
use bangfu_store::registry::moves::{move_member, MoveRequest};
use bangfu_store::registry::query::{self, HouseholdFilter, SortKey};
use bangfu_store::registry::read;
use bangfu_store::registry::write::WriteContext;
use bangfu_store::P;
use chrono::NaiveDate;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum HouseholdCommand {
    /// 查看一户的档案（一户一档），证件号码、电话、账号脱敏显示
    Show {
        /// 户编号
        #[arg(long)]
        no: Option<String>,
        /// 任一成员的证件号码
        #[arg(long)]
        resident_id: Option<String>,
    },
    /// 分页列出户，可按区划、户类型、属性、致贫原因筛选
    List {
        #[arg(long)]
        region: Option<String>,
        #[arg(long = "type")]
        household_type: Option<String>,
        #[arg(long)]
        attribute: Option<String>,
        #[arg(long)]
        cause: Option<String>,
        #[arg(long, default_value_t = 1)]
        page: i64,
        #[arg(long, default_value_t = 50)]
        per_page: i64,
    },
    /// 把一名成员迁入另一户（分户、并户、成员迁移），记录调整事件与历史
    MoveMember {
        /// 成员证件号码
        #[arg(long)]
        resident_id: String,
        /// 迁入户的户编号
        #[arg(long)]
        to: String,
        /// 在新户中与户主关系，如 之子、户主
        #[arg(long)]
        relation: String,
        /// 生效日期（默认今天）
        #[arg(long)]
        date: Option<NaiveDate>,
        /// 调整类型：成员迁移、分户、并户
        #[arg(long, default_value = "成员迁移")]
        kind: String,
        /// 原因
        #[arg(long)]
        reason: String,
    },
}

fn vocab_label(v: &bangfu_domain::vocab::Vocabulary, code: Option<&str>) -> String {
    code.and_then(|c| v.by_code(c)).map(|t| t.label.to_string()).unwrap_or_default()
}

fn shown(kind: bangfu_domain::Kind, v: &Value) -> String {
    match v {
        Value::Secret(s) => s.masked(),
        v => format_value(kind, v),
    }
}

pub fn run(ctx: &Ctx, c: HouseholdCommand) -> Result<()> {
    let mut store = ctx.open()?;
    match c {
        HouseholdCommand::Show { no, resident_id } => {
            let id = match (no, resident_id) {
                (Some(no), _) => store
                    .conn
                    .query_opt("SELECT id FROM household WHERE household_no = ? AND region_code LIKE ?", &[P::Text(&no), P::Text(&ctx.scope.like_pattern())])?
                    .and_then(|r| r[0].int()),
                (None, Some(rid)) => {
                    let rid = ResidentId::parse(&rid).map_err(|e| anyhow!("{e}"))?;
                    query::household_of_person(&mut store.conn, &ctx.scope, rid.as_str())?
                }
                (None, None) => bail!("请用 --no 指定户编号，或用 --resident-id 指定成员证件号码"),
            };
            let id = id.ok_or_else(|| anyhow!("没有找到该户（或不在您的管辖范围内）"))?;
            let h = read::get(&mut store.conn, &store.keys, &ctx.scope, id)?.ok_or_else(|| anyhow!("没有找到该户"))?;
            let dir = bangfu_store::regions::Directory::load(&mut store.conn, &ctx.scope)?;
            let names = h.doc.region_code().map(|c| dir.path_names(&c)).unwrap_or_default();
            println!("一户一档  户编号 {}", h.doc.get(HF::HouseholdNo).as_text().unwrap_or("（无）"));
            println!("地址：{}{} {}", names[3], names[4], h.doc.get(HF::VillagerGroup).as_text().unwrap_or(""));
            for f in HF::ALL {
                let v = h.doc.get(f);
                if f.def().storage == Storage::Column && !v.is_null() && !matches!(f, HF::HouseholdNo | HF::VillagerGroup | HF::RegionCode) {
                    println!("  {}：{}", f.def().label, shown(f.def().kind, v));
                }
            }
            println!("\n成员（{} 人）：", h.doc.members.len());
            for m in &h.doc.members {
                println!(
                    "  {} {} {} {} {} {} {}",
                    m.name(),
                    vocab_label(&RELATION, m.get(MF::Relation).as_code()),
                    m.resident_id.masked(),
                    shown(MF::Sex.def().kind, m.get(MF::Sex)),
                    shown(MF::BirthDate.def().kind, m.get(MF::BirthDate)),
                    shown(MF::Health.def().kind, m.get(MF::Health)),
                    shown(MF::LabourSkill.def().kind, m.get(MF::LabourSkill)),
                );
            }
            println!("\n收入：");
            for inc in &h.doc.incomes {
                println!(
                    "  {} 年：家庭纯收入 {} 元，人均纯收入 {} 元",
                    inc.year,
                    inc.amount(HF::NetIncome).map(bangfu_domain::value::format_hundredths).unwrap_or_default(),
                    inc.amount(HF::PerCapitaNetIncome).map(bangfu_domain::value::format_hundredths).unwrap_or_default()
                );
            }
            println!("\n动态调整记录：");
            for (d, t, after, reason, _) in query::events_of(&mut store.conn, &ctx.scope, id)? {
                let t = EVENT_TYPE.by_code(&t).map(|x| x.label).unwrap_or("");
                let after = after.as_deref().map(|a| format!(" → {}", vocab_label(&HOUSEHOLD_TYPE, Some(a)))).unwrap_or_default();
                println!("  {d} {t}{after}：{reason}");
            }
            Ok(())
        }
        HouseholdCommand::List { region, household_type, attribute, cause, page, per_page } => {
            let code = |v: &bangfu_domain::vocab::Vocabulary, t: Option<String>| -> Result<Option<String>> {
                t.map(|t| v.parse(&t).map(|x| x.code.to_string()).ok_or_else(|| anyhow!("“{t}”不是有效的{}，可选：{}", v.name, v.labels()))).transpose()
            };
            let filter = HouseholdFilter {
                region: region.as_deref().map(RegionCode::parse).transpose()?,
                household_type: code(&HOUSEHOLD_TYPE, household_type)?,
                poverty_attribute: code(&POVERTY_ATTRIBUTE, attribute)?,
                monitoring_category: None,
                cause: code(&POVERTY_CAUSE, cause)?,
                ..Default::default()
            };
            let (rows, total) = query::list(&mut store.conn, &ctx.scope, &filter, SortKey::HouseholdNo, (page - 1).max(0) * per_page, per_page)?;
            println!("共 {total} 户，第 {page} 页：");
            for r in rows {
                println!(
                    "  {}  {}  {}  {}  {}  {}",
                    r.household_no.unwrap_or_default(),
                    r.head_name.unwrap_or_default(),
                    r.region_code,
                    vocab_label(&HOUSEHOLD_TYPE, r.household_type.as_deref()),
                    vocab_label(&POVERTY_ATTRIBUTE, r.poverty_attribute.as_deref()),
                    vocab_label(&POVERTY_CAUSE, r.cause_1.as_deref())
                );
            }
            Ok(())
        }
        HouseholdCommand::MoveMember { resident_id, to, relation, date, kind, reason } => {
            let rid = ResidentId::parse(&resident_id).map_err(|e| anyhow!("{e}"))?;
            let relation = RELATION.parse(&relation).ok_or_else(|| anyhow!("与户主关系“{relation}”无效，可选：{}", RELATION.labels()))?.code;
            let event_type = match kind.as_str() {
                "分户" => EventType::Split,
                "并户" => EventType::Merge,
                "成员迁移" => EventType::MemberMoved,
                k => bail!("调整类型“{k}”无效：可选 成员迁移、分户、并户"),
            };
            let actor = Actor::cli();
            let ctxw = WriteContext { batch_id: None, recorded_by: actor.name.clone(), now: bangfu_store::now_utc(), keys: store.keys.clone() };
            let today = chrono::Local::now().date_naive();
            let req = MoveRequest { resident_id: rid.as_str(), to_household_no: &to, relation, effective_on: date.unwrap_or(today), event_type, reason: &reason };
            move_member(&mut store.conn, &ctxw, &actor, &ctx.scope, &req)?;
            println!("已将 {} 迁入户 {to}（{}），并记录调整事件。", rid.masked(), kind);
            Ok(())
        }
    }
}
