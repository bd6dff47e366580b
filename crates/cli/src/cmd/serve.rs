//! `bangfu serve`: the web application. `--demo` first creates the demo county, its registry and one
//! demo user per role (passwords printed once).

use super::Ctx;
use anyhow::{Context, Result, anyhow};
use bangfu_web::ServeConfig;
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct ServeArgs {
    /// 监听地址（默认 127.0.0.1:8080）
    #[arg(long, env = "BANGFU_ADDR")]
    pub addr: Option<std::net::SocketAddr>,
    /// 配置文件（TOML）；命令行参数和环境变量优先于配置文件
    #[arg(long, env = "BANGFU_CONFIG")]
    pub config: Option<PathBuf>,
    /// 数据目录：上传文件、错误报告和导出文件的临时存放处
    #[arg(long, env = "BANGFU_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// 首次运行时生成演示县、演示户籍和每个角色一个演示用户（密码只打印这一次）
    #[arg(long)]
    pub demo: bool,
    /// 演示户籍的户数
    #[arg(long, default_value_t = 5_000)]
    pub demo_households: usize,
    /// 演示户籍中按此比例（每户）植入违反逻辑校验规则的问题（见 `bangfu demo --rule-defects`），
    /// 默认 0.02：演示县像真实数据一样有问题可查可改；0 为完全干净的数据
    #[arg(long, value_name = "RATE", default_value_t = 0.02, value_parser = super::demo::rate)]
    pub demo_rule_defects: f64,
    /// 日志输出为 JSON 行
    #[arg(long, env = "BANGFU_JSON_LOGS")]
    pub json_logs: bool,
}

pub fn run(ctx: &Ctx, database_given: bool, a: ServeArgs) -> Result<()> {
    let mut config = match &a.config {
        Some(p) => ServeConfig::from_file(p).map_err(|e| anyhow!(e))?,
        None => ServeConfig::default(),
    };
    if database_given || a.config.is_none() {
        config.database = match &ctx.url {
            bangfu_store::DbUrl::Sqlite(p) => p.display().to_string(),
            bangfu_store::DbUrl::Postgres(u) => u.clone(),
        };
    }
    if let Some(k) = &ctx.key_file {
        config.key_file = Some(k.clone());
    }
    if let Some(addr) = a.addr {
        config.addr = addr;
    }
    if let Some(d) = &a.data_dir {
        config.data_dir = d.clone();
    }
    config.json_logs |= a.json_logs;
    bangfu_web::server::init_logging(config.json_logs);
    if a.demo {
        prepare_demo(&config, a.demo_households, a.demo_rule_defects)?;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        let addr = config.addr;
        let state = bangfu_web::server::state(config).await.map_err(|e| anyhow!(e))?;
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("无法监听 {addr}（端口被占用？可用 --addr 换一个）"))?;
        let bound = listener.local_addr()?;
        println!("bangfu 已启动：http://{bound}/   （按 Ctrl-C 停止）");
        bangfu_web::server::run(state, listener, bangfu_web::server::shutdown_signal()).await?;
        println!("bangfu 已停止。");
        Ok(())
    })
}

/// Creates the demo installation when the database is empty, and prints the demo accounts once.
fn prepare_demo(config: &ServeConfig, households: usize, rule_defects: f64) -> Result<()> {
    let url = bangfu_store::DbUrl::parse(&config.database)?;
    let ctx = Ctx { url: url.clone(), key_file: config.key_file.clone(), scope: bangfu_domain::RegionScope::all() };
    let mut store = ctx.open()?;
    let (existing, _) = bangfu_store::registry::query::totals(&mut store.conn, &bangfu_domain::RegionScope::all())?;
    drop(store);
    if existing == 0 {
        super::demo::run(&ctx, super::demo::DemoArgs { households, seed: 1, files: None, format: super::demo::FileFormat::Csv, defect_rate: 0.0, rule_defects, fresh: false })?;
    }
    let mut store = ctx.open()?;
    let users = bangfu_web::demo::create_demo_users(&mut store.conn, &|_| bangfu_web::demo::random_password())?;
    if users.is_empty() {
        println!("演示用户已存在（密码只在第一次运行时打印；忘记了可用 `bangfu user set-password <用户名>` 重置）。");
    } else {
        println!("\n演示用户（密码只显示这一次，请记下）：");
        println!("{:<12} {:<14} {:<24} 管辖范围", "用户名", "密码", "角色");
        for u in &users {
            let scope = if u.region_code.is_empty() { "全部".to_string() } else { u.region_name.clone() };
            println!("{:<12} {:<14} {:<24} {}", u.username, u.password, u.role.label(), scope);
        }
        println!();
    }
    if let Some(summary) = super::demo_workflow::load(&mut store, chrono::Local::now().date_naive())? {
        println!("{summary}\n");
    }
    Ok(())
}
