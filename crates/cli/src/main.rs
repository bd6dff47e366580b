//! The `bangfu` command line: every bulk job an administrator runs — migrate, demo, import, export,
//! registry summaries, member moves, region import, database copy and backup.

/// A faster allocator: bulk imports and exports allocate millions of small cells.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cmd;
mod progress;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// bangfu（帮扶）：县级精准帮扶与防返贫监测系统
#[derive(Parser)]
#[command(name = "bangfu", version, about = "bangfu（帮扶）：建档立卡户登记、导入导出与管理", long_about = None)]
pub struct Cli {
    /// 数据库：SQLite 文件路径（默认 bangfu.db）或 postgres://… 地址
    #[arg(long, global = true, env = "BANGFU_DATABASE", default_value = "bangfu.db")]
    pub database: String,
    /// 受保护字段（电话、银行账号）的密钥文件；默认放在 SQLite 文件旁（<库文件>.key）
    #[arg(long, global = true, env = "BANGFU_KEY_FILE")]
    pub key_file: Option<PathBuf>,
    /// 以某个区划为管辖范围操作（区划代码前缀，如 431099101）；默认全部
    #[arg(long, global = true, env = "BANGFU_SCOPE")]
    pub scope: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// 启动网页服务（县、乡、村工作人员用浏览器使用本系统）
    Serve(cmd::serve::ServeArgs),
    /// 用户与角色：创建、重置密码、授权
    #[command(subcommand)]
    User(cmd::user::UserCommand),
    /// 创建或升级数据库结构
    Migrate,
    /// 生成演示县的数据库（区划与户籍），并打印汇总；也可写出导入格式的演示文件
    Demo(cmd::demo::DemoCli),
    /// 导入
    #[command(subcommand)]
    Import(cmd::import::ImportCommand),
    /// 导出
    #[command(subcommand)]
    Export(cmd::export::ExportCommand),
    /// 区划
    #[command(subcommand)]
    Region(cmd::region::RegionCommand),
    /// 户：查看、列表、成员迁移
    #[command(subcommand)]
    Household(cmd::household::HouseholdCommand),
    /// 户籍汇总（可查看任一历史日期）
    Summary(cmd::summary::SummaryArgs),
    /// 数据库：复制、备份
    #[command(subcommand)]
    Db(cmd::db::DbCommand),
    /// 审计记录：校验哈希链（发现篡改）、查询
    #[command(subcommand)]
    Audit(cmd::audit::AuditCommand),
    /// 数据质量：逻辑校验（按区划或单户运行规则、查看问题、导出整改清单、设置规则和标准）
    Check(cmd::check::CheckArgs),
    /// 数据比对：导入部门名单（低保、医疗、残联、学籍、死亡、迁出、危房、就业、企业、车辆、财政供养），生成核实工单并跟踪办结
    #[command(subcommand)]
    Compare(cmd::compare::CompareCommand),
    /// 结对帮扶：导入导出帮扶任务分配表、结对列表、覆盖情况、包户数、交接、帮扶人与单位
    #[command(subcommand)]
    Pairing(cmd::pairing::PairingCommand),
    /// 帮扶工作考核：按月统计走访率、落后名单、超期未走访户，导出走访台账和帮扶工作台账，查看帮扶人的本月任务，设置考核参数
    Compliance(cmd::compliance::ComplianceArgs),
    /// 流程办理（识别、退出、出列、动态调整）：流程定义与版本、各环节办理中和超期件数、生成演示案件
    #[command(subcommand)]
    Flow(cmd::flow::FlowCommand),
}

impl Cli {
    /// Whether --database (or BANGFU_DATABASE) was given, so a config file's database is not overridden by the default.
    pub fn database_given(&self) -> bool {
        std::env::args().any(|a| a == "--database" || a.starts_with("--database=")) || std::env::var_os("BANGFU_DATABASE").is_some()
    }
}

/// Output piped into `head` or `less` that closes early ends the program quietly, as other command
/// line tools do, instead of a panic report (Rust ignores SIGPIPE, so printing fails instead).
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info.payload().downcast_ref::<String>().map(String::as_str).or_else(|| info.payload().downcast_ref::<&str>().copied()).unwrap_or_default();
        if message.contains("failed printing to std") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

fn main() {
    quiet_on_closed_pipe();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand) => e.exit(),
        Err(e) => {
            eprintln!("参数错误：命令行参数不正确（详见下方说明），请用 `bangfu --help` 或 `bangfu <命令> --help` 查看用法。\n\n{e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = cmd::run(cli) {
        eprintln!("错误：{e:#}");
        std::process::exit(1);
    }
}
