//! `bangfu db copy|backup`: moving a whole installation, and a consistent backup of a SQLite file.

use super::Ctx;
use anyhow::{Context, Result};
use bangfu_store::copy::copy_all;
use bangfu_store::{DbUrl, Store};
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum DbCommand {
    /// 把整个安装从一个数据库复制到另一个空数据库，如 SQLite → PostgreSQL
    Copy {
        /// 源：sqlite:路径 或 postgres://…
        #[arg(long)]
        from: String,
        /// 目标（必须是空库）：sqlite:路径 或 postgres://…
        #[arg(long)]
        to: String,
        /// 源数据库的密钥文件（默认在源 SQLite 文件旁）
        #[arg(long)]
        from_key_file: Option<PathBuf>,
        /// 目标数据库的密钥文件（不存在则新建；默认在目标 SQLite 文件旁或当前目录 bangfu.key）
        #[arg(long)]
        to_key_file: Option<PathBuf>,
    },
    /// 在线备份 SQLite 数据库（备份期间可继续使用），同时复制密钥文件
    Backup {
        /// 备份文件路径
        #[arg(long, short)]
        output: PathBuf,
    },
}

pub fn run(ctx: &Ctx, c: DbCommand) -> Result<()> {
    match c {
        DbCommand::Copy { from, to, from_key_file, to_key_file } => {
            let from_url = DbUrl::parse(&from)?;
            let to_url = DbUrl::parse(&to)?;
            let mut src = Store::open(&from_url, from_key_file.as_deref()).with_context(|| format!("无法打开源数据库 {}", from_url.display()))?;
            let mut dst = Store::open_and_migrate(&to_url, to_key_file.as_deref()).with_context(|| format!("无法打开目标数据库 {}", to_url.display()))?;
            let pb = crate::progress::spinner("复制");
            let started = std::time::Instant::now();
            let report = copy_all(&mut src, &mut dst, |t, n| {
                pb.set_message(t.to_string());
                pb.set_position(n);
            })?;
            pb.finish_and_clear();
            for (t, n) in &report {
                println!("  {t}: {n} 行");
            }
            println!("已从 {} 复制到 {}，用时 {:.1} 秒；目标库的密钥文件：{}", from_url.display(), to_url.display(), started.elapsed().as_secs_f64(), dst.key_path.display());
            Ok(())
        }
        DbCommand::Backup { output } => {
            let mut store = ctx.open()?;
            let key = store.key_path.clone();
            let r = bangfu_store::backup::backup_sqlite(&mut store.conn, &key, &output)?;
            println!("已备份到 {}（{} 字节），密钥文件 {}。请把两个文件一起妥善保存。", r.database.display(), r.bytes, r.key_file.display());
            Ok(())
        }
    }
}
