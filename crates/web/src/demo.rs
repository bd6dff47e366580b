//! One demo user per role in the demo county, with passwords generated once and printed.

use bangfu_domain::{RegionLevel, RegionScope, Role};
use bangfu_store::Conn;
use bangfu_store::audit::Actor;
use bangfu_store::users;

/// A demo account as printed for the person trying the program.
#[derive(Debug, Clone)]
pub struct DemoUser {
    pub username: String,
    pub password: String,
    pub role: Role,
    pub region_code: String,
    pub region_name: String,
}

/// A readable random password (letters and digits, no look-alikes).
pub fn random_password() -> String {
    const CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut b = [0u8; 10];
    rand::fill(&mut b);
    let s: String = b.iter().map(|x| CHARS[*x as usize % CHARS.len()] as char).collect();
    format!("{}-{}7", &s[..5], &s[5..])
}

/// Creates the demo users (county office at the county, township staff at the first township,
/// village cadre, first secretary and helper at its first village, …) if none exist yet.
/// `password_for` chooses each password (random for `serve --demo`, fixed in tests).
pub fn create_demo_users(conn: &mut Conn, password_for: &dyn Fn(&str) -> String) -> bangfu_store::Result<Vec<DemoUser>> {
    let regions = bangfu_store::regions::list(conn, &RegionScope::all(), None)?;
    let first = |level: RegionLevel, inside: &str| regions.iter().find(|r| r.code.level() == level && r.code.as_str().starts_with(inside)).cloned();
    let county = first(RegionLevel::County, "").ok_or_else(|| bangfu_store::StoreError::Invalid("数据库里没有县级区划，无法创建演示用户".into()))?;
    let township = first(RegionLevel::Township, county.code.prefix()).unwrap_or(county.clone());
    // the village users get the two villages of the township with the most households
    let busiest = conn.query(
        "SELECT region_code, COUNT(*) FROM household WHERE status = 'active' AND region_code LIKE ? GROUP BY region_code ORDER BY COUNT(*) DESC, region_code LIMIT 2",
        &[bangfu_store::P::Text(&format!("{}%", township.code.prefix()))],
    )?;
    let pick = |i: usize| busiest.get(i).and_then(|r| regions.iter().find(|x| x.code.as_str() == r[0].string()).cloned());
    let village = pick(0).or_else(|| first(RegionLevel::Village, township.code.prefix())).unwrap_or(township.clone());
    let other_village = pick(1)
        .or_else(|| regions.iter().find(|r| r.code.level() == RegionLevel::Village && r.code != village.code && r.code.as_str().starts_with(township.code.prefix())).cloned())
        .unwrap_or(village.clone());
    let plan: Vec<(&str, Role, &bangfu_store::regions::RegionRow)> = vec![
        ("admin", Role::Admin, &county),
        ("county", Role::CountyOffice, &county),
        ("township", Role::TownshipStaff, &township),
        ("village", Role::VillageCadre, &village),
        ("village2", Role::VillageCadre, &other_village),
        ("secretary", Role::FirstSecretary, &village),
        ("helper", Role::Helper, &village),
        ("school", Role::SchoolStaff, &township),
        ("edu", Role::EducationBureau, &county),
        ("leader", Role::Leader, &county),
        ("data", Role::DataOfficer, &county),
        ("inspector", Role::Inspector, &county),
    ];
    let actor = Actor::new("system:demo", "demo");
    let mut out = Vec::new();
    conn.begin()?;
    for (name, role, region) in plan {
        if users::find_user(conn, name)?.is_some() {
            continue;
        }
        let password = password_for(name);
        let hash = users::hash_password(&password)?;
        let display = format!("{}（演示）", role.label());
        let id = users::create_user(conn, &actor, name, &display, &hash, false)?;
        // the administrator manages the whole installation
        let code = if role == Role::Admin { String::new() } else { region.code.as_str().to_string() };
        users::grant(conn, &actor, id, role, &code)?;
        out.push(DemoUser { username: name.to_string(), password, role, region_code: code, region_name: region.name.clone() });
        if role == Role::Helper {
            // the demo helper logs in as a demo helper with households in the village, so 我的走访任务 has work
            conn.execute(
                "UPDATE helper SET user_id = ? WHERE user_id IS NULL AND id = (SELECT MIN(helper_id) FROM pairing WHERE kind = 'helper_household' AND status = 'active' AND region_code = ?)",
                &[bangfu_store::P::Int(id), bangfu_store::P::Text(region.code.as_str())],
            )?;
        }
    }
    conn.commit()?;
    Ok(out)
}
