//! `bangfu user`: create users, set passwords, grant and revoke roles at region scopes, list users.

use super::Ctx;
use anyhow::{Result, anyhow, bail};
use bangfu_domain::{RegionCode, Role};
use bangfu_store::audit::Actor;
use bangfu_store::users;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum UserCommand {
    /// 创建用户（密码从 --password 或环境变量 BANGFU_PASSWORD 读取；都没有时随机生成并打印）
    Create {
        username: String,
        /// 显示的姓名
        #[arg(long)]
        name: Option<String>,
        #[arg(long, env = "BANGFU_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// 同时授予的角色（代码或中文名，如 county_office / 县帮扶办）
        #[arg(long)]
        role: Option<String>,
        /// 角色的管辖区划代码（如 431099101000）；系统管理员可省略表示全部
        #[arg(long)]
        region: Option<String>,
    },
    /// 重置密码（用户下次登录须修改密码）
    SetPassword {
        username: String,
        #[arg(long, env = "BANGFU_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// 授予角色
    Grant {
        username: String,
        role: String,
        /// 区划代码；系统管理员、督查可省略表示全部
        region: Option<String>,
    },
    /// 列出用户及其角色
    List,
}

fn region_arg(role: Role, region: Option<&str>) -> Result<String> {
    match region {
        Some(r) => Ok(RegionCode::parse(r).map_err(|e| anyhow!("区划代码“{r}”无效：{e}"))?.as_str().to_string()),
        None if matches!(role, Role::Admin | Role::Inspector) => Ok(String::new()),
        None => bail!("角色“{}”必须指定管辖区划代码", role.label()),
    }
}

/// The password given (checked against the rules), or a random one to print: (password, generated).
fn password_arg(given: Option<String>) -> Result<(String, bool)> {
    match given {
        Some(p) => {
            users::check_password_rules(&p).map_err(|e| anyhow!(e))?;
            Ok((p, false))
        }
        None => Ok((bangfu_web::demo::random_password(), true)),
    }
}

fn role_arg(text: &str) -> Result<Role> {
    Role::parse(text).ok_or_else(|| anyhow!("没有角色“{text}”。可用角色：{}", Role::ALL.iter().map(|r| format!("{}（{}）", r.code(), r.label())).collect::<Vec<_>>().join("、")))
}

pub fn run(ctx: &Ctx, c: UserCommand) -> Result<()> {
    let mut store = ctx.open()?;
    let actor = Actor::cli();
    let conn = &mut store.conn;
    match c {
        UserCommand::Create { username, name, password, role, region } => {
            let role = role.as_deref().map(role_arg).transpose()?;
            let region = role.map(|r| region_arg(r, region.as_deref())).transpose()?;
            let (password, generated) = password_arg(password)?;
            let hash = users::hash_password(&password)?;
            conn.begin()?;
            let r = (|| -> Result<i64> {
                let id = users::create_user(conn, &actor, &username, name.as_deref().unwrap_or(&username), &hash, generated)?;
                if let (Some(role), Some(region)) = (role, region.as_ref()) {
                    users::grant(conn, &actor, id, role, region)?;
                }
                Ok(id)
            })();
            match r {
                Ok(_) => conn.commit()?,
                Err(e) => {
                    conn.rollback()?;
                    return Err(e);
                }
            }
            println!("已创建用户 {username}");
            if generated {
                println!("初始密码（只显示这一次，首次登录须修改）：{password}");
            }
            Ok(())
        }
        UserCommand::SetPassword { username, password } => {
            let user = users::find_user(conn, &username)?.ok_or_else(|| anyhow!("没有用户“{username}”"))?;
            let (password, generated) = password_arg(password)?;
            let hash = users::hash_password(&password)?;
            conn.begin()?;
            users::set_password(conn, &actor, user.id, &hash, true)?;
            conn.commit()?;
            println!("已重置 {username} 的密码（其已登录的会话全部失效，下次登录须修改密码）");
            if generated {
                println!("新密码（只显示这一次）：{password}");
            }
            Ok(())
        }
        UserCommand::Grant { username, role, region } => {
            let user = users::find_user(conn, &username)?.ok_or_else(|| anyhow!("没有用户“{username}”"))?;
            let role = role_arg(&role)?;
            let region = region_arg(role, region.as_deref())?;
            conn.begin()?;
            users::grant(conn, &actor, user.id, role, &region)?;
            conn.commit()?;
            println!("已授予 {username}：{}（{}）", role.label(), if region.is_empty() { "全部" } else { &region });
            Ok(())
        }
        UserCommand::List => {
            for (u, grants) in users::list_users(conn)? {
                let g: Vec<String> = grants.iter().map(|g| format!("{}@{}", g.role.code(), if g.region_code.is_empty() { "*" } else { &g.region_code })).collect();
                println!("{:<16} {:<20} {}{}", u.username, u.display_name, g.join(", "), if u.active { "" } else { "（已停用）" });
            }
            Ok(())
        }
    }
}
