//! Command handlers, one module per subcommand group.

pub mod audit;
pub mod check;
pub mod compare;
pub mod compliance;
pub mod db;
pub mod demo;
pub mod demo_visits;
pub mod demo_workflow;
pub mod export;
pub mod flow;
pub mod household;
pub mod import;
pub mod pairing;
pub mod region;
pub mod serve;
pub mod summary;
pub mod user;

use crate::{Cli, Command};
use anyhow::{Context, Result};
use bangfu_domain::{RegionCode, RegionScope};
use bangfu_store::{DbUrl, Store};

/// Options every command shares.
pub struct Ctx {
    pub url: DbUrl,
    pub key_file: Option<std::path::PathBuf>,
    pub scope: RegionScope,
}

impl Ctx {
    /// Opens (and migrates) the installation.
    pub fn open(&self) -> Result<Store> {
        Store::open_and_migrate(&self.url, self.key_file.as_deref()).with_context(|| format!("无法打开数据库 {}", self.url.display()))
    }
}

pub fn run(cli: Cli) -> Result<()> {
    let database_given = cli.database_given();
    let url = DbUrl::parse(&cli.database)?;
    let scope = match &cli.scope {
        Some(s) => RegionScope::of(&RegionCode::parse(s).with_context(|| format!("--scope {s} 不是有效的区划代码"))?),
        None => RegionScope::all(),
    };
    let ctx = Ctx { url, key_file: cli.key_file.clone(), scope };
    match cli.command {
        Command::Migrate => {
            let mut conn = bangfu_store::Conn::open(&ctx.url)?;
            let applied = bangfu_store::migrate::migrate(&mut conn)?;
            let _ = bangfu_store::Keyring::load_or_create(&ctx.key_file.clone().unwrap_or_else(|| bangfu_store::Keyring::default_path(&ctx.url)), true)?;
            if applied.is_empty() {
                println!("数据库 {} 已是最新版本（{}）", ctx.url.display(), bangfu_store::migrate::latest());
            } else {
                println!("数据库 {} 已升级：应用了迁移 {:?}", ctx.url.display(), applied);
            }
            Ok(())
        }
        Command::Demo(a) => demo::run_cli(&ctx, a),
        Command::Import(c) => import::run(&ctx, c),
        Command::Export(c) => export::run(&ctx, c),
        Command::Region(c) => region::run(&ctx, c),
        Command::Household(c) => household::run(&ctx, c),
        Command::Summary(a) => summary::run(&ctx, a),
        Command::Db(c) => db::run(&ctx, c),
        Command::Serve(a) => serve::run(&ctx, database_given, a),
        Command::User(c) => user::run(&ctx, c),
        Command::Audit(c) => audit::run(&ctx, c),
        Command::Check(a) => check::run(&ctx, a),
        Command::Compare(c) => compare::run(&ctx, c),
        Command::Pairing(c) => pairing::run(&ctx, c),
        Command::Compliance(a) => compliance::run(&ctx, a),
        Command::Flow(c) => flow::run(&ctx, c),
    }
}
