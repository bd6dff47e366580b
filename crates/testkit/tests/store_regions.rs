//! The division tree: upserting and listing regions by scope and level, renaming, villager groups,
//! and resolving the township and village names of import rows to village codes.

mod common;

use bangfu_domain::{RegionCode, RegionLevel, RegionScope};
use bangfu_store::audit;
use bangfu_store::regions::{self, Directory, RegionRow};
use bangfu_store::P;
use bangfu_testkit::*;
use common::*;

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn row(c: &str, name: &str) -> RegionRow {
    RegionRow { code: code(c), name: name.into(), poor_village: None, exit_year: None }
}

#[test]
fn regions_are_listed_by_scope_and_level_in_code_order() {
    let county = bangfu_demo::demo_county();
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        let c = &mut db.store.conn;
        let all = regions::list(c, &RegionScope::all(), None).unwrap();
        assert_eq!(all.len(), county.all_regions().len(), "{}", db.name);
        assert_eq!(all.iter().map(|r| r.code).collect::<Vec<_>>(), county.all_regions().iter().map(|r| r.code).collect::<Vec<_>>(), "{}: code order", db.name);
        assert_eq!(all.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), county.all_regions().iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), "{}", db.name);

        assert_eq!(regions::list(c, &RegionScope::all(), Some(RegionLevel::Village)).unwrap().len(), county.villages.len(), "{}", db.name);
        let townships = regions::list(c, &RegionScope::of(&county.county.code), Some(RegionLevel::Township)).unwrap();
        assert_eq!(townships.iter().map(|r| r.code).collect::<Vec<_>>(), county.townships.iter().map(|t| t.code).collect::<Vec<_>>(), "{}", db.name);
        assert_eq!(regions::list(c, &RegionScope::all(), Some(RegionLevel::Province)).unwrap().len(), 1, "{}", db.name);

        for t in &county.townships {
            let inside = regions::list(c, &RegionScope::of(&t.code), Some(RegionLevel::Village)).unwrap();
            let expected: Vec<RegionCode> = county.villages.iter().map(|v| v.region.code).filter(|v| t.code.contains(v)).collect();
            assert!(!expected.is_empty());
            assert_eq!(inside.iter().map(|r| r.code).collect::<Vec<_>>(), expected, "{}: villages of {}", db.name, t.name);
            // the township itself is in its own scope, and nothing of other townships is
            let whole = regions::list(c, &RegionScope::of(&t.code), None).unwrap();
            assert_eq!(whole.len(), expected.len() + 1, "{}", db.name);
            assert!(whole.iter().all(|r| t.code.contains(&r.code)), "{}", db.name);
        }

        let v = &county.villages[5];
        let got = regions::get(c, &v.region.code).unwrap().expect("village stored");
        assert_eq!(got.name, v.region.name, "{}", db.name);
        let (level, parent) = {
            let r = c.query("SELECT level, parent_code FROM region WHERE code = ?", &[P::Text(v.region.code.as_str())]).unwrap();
            (r[0][0].string(), r[0][1].string())
        };
        assert_eq!(level, "village", "{}", db.name);
        assert_eq!(parent, v.region.code.parent().unwrap().as_str(), "{}", db.name);
        assert_eq!(regions::get(c, &code("431099199999")).unwrap(), None, "{}: an unknown code", db.name);
        // a province-level scope of another province sees nothing
        assert!(regions::list(c, &RegionScope::of(&code("44")), None).unwrap().is_empty(), "{}", db.name);
    }
}

#[test]
fn upserting_a_known_code_renames_it_and_keeps_what_the_update_leaves_out() {
    for mut db in TestDb::all() {
        let a = test_actor();
        let c = &mut db.store.conn;
        let first = vec![
            row("43", "湖南省"),
            row("4310", "郴州市"),
            row("431099", "青山县"),
            row("431099101", "城关镇"),
            RegionRow { code: code("431099101201"), name: "黄岭村".into(), poor_village: Some(true), exit_year: Some(2018) },
        ];
        assert_eq!(regions::upsert(c, &a, &first, &[]).unwrap(), (5, 0), "{}", db.name);
        let before = count(c, "SELECT COUNT(*) FROM region", &[]);

        regions::upsert(c, &a, &[row("431099101201", "黄 岭 新 村")], &[]).unwrap();
        let got = regions::get(c, &code("431099101201")).unwrap().unwrap();
        assert_eq!(got.name, "黄 岭 新 村", "{}: renamed", db.name);
        assert_eq!(got.poor_village, Some(true), "{}: poor-village status kept when the update leaves it out", db.name);
        assert_eq!(got.exit_year, Some(2018), "{}: exit year kept", db.name);
        assert_eq!(count(c, "SELECT COUNT(*) FROM region", &[]), before, "{}: a rename adds no region", db.name);

        regions::upsert(c, &a, &[RegionRow { code: code("431099101201"), name: "黄岭村".into(), poor_village: Some(false), exit_year: None }], &[]).unwrap();
        let got = regions::get(c, &code("431099101201")).unwrap().unwrap();
        assert_eq!((got.name.as_str(), got.poor_village, got.exit_year), ("黄岭村", Some(false), Some(2018)), "{}", db.name);

        // every upsert leaves one audit entry
        assert_eq!(audit::count(c, Some("region")).unwrap(), 3, "{}", db.name);
    }
}

#[test]
fn villager_groups_are_added_once_and_listed_per_village() {
    let county = bangfu_demo::demo_county();
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        let c = &mut db.store.conn;
        for v in county.villages.iter().take(10) {
            let mut expected = v.groups.clone();
            expected.sort();
            assert_eq!(regions::groups(c, &v.region.code).unwrap(), expected, "{}: groups of {}", db.name, v.region.name);
        }
        let v = &county.villages[0];
        let again: Vec<(RegionCode, String)> = v.groups.iter().map(|g| (v.region.code, g.clone())).collect();
        let (_, added) = regions::upsert(c, &test_actor(), &[], &again).unwrap();
        assert_eq!(added, 0, "{}: known groups are not added twice", db.name);
        let (_, added) = regions::upsert(c, &test_actor(), &[], &[(v.region.code, "新屋组".into()), (v.region.code, "新屋组".into())]).unwrap();
        assert_eq!(added, 1, "{}: a new group once, even if listed twice", db.name);
        let groups = regions::groups(c, &v.region.code).unwrap();
        assert_eq!(groups.len(), v.groups.len() + 1, "{}", db.name);
        assert!(groups.iter().any(|g| g == "新屋组"), "{}", db.name);
        assert!(regions::groups(c, &county.villages[1].region.code).unwrap().iter().all(|g| g != "新屋组"), "{}: groups belong to one village", db.name);
    }
}

#[test]
fn import_rows_resolve_township_and_village_names_to_a_village_code() {
    let county = bangfu_demo::demo_county();
    let t1 = &county.townships[0];
    let t2 = &county.townships[1];
    let v1 = county.villages.iter().find(|v| t1.code.contains(&v.region.code)).unwrap();
    let v2 = county.villages.iter().find(|v| t2.code.contains(&v.region.code)).unwrap();
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        let d = Directory::load(&mut db.store.conn, &RegionScope::all()).unwrap();
        assert_eq!(d.resolve(Some(&t1.name), &v1.region.name), Ok(v1.region.code), "{}", db.name);
        assert_eq!(d.resolve(None, &v2.region.name), Ok(v2.region.code), "{}: a unique village name alone", db.name);
        let spaced: String = v1.region.name.chars().flat_map(|c| [c, ' ']).collect();
        assert_eq!(d.resolve(Some(&format!(" {} ", t1.name)), &spaced), Ok(v1.region.code), "{}: spaces are ignored", db.name);
        assert!(d.is_known(&v1.region.code) && d.is_known(&t1.code), "{}", db.name);
        assert_eq!(d.name(&v1.region.code), Some(v1.region.name.as_str()), "{}", db.name);
        let path = d.path_names(&v1.region.code);
        assert_eq!(path, ["湖南省".to_string(), "郴州市".into(), "青山县".into(), t1.name.clone(), v1.region.name.clone()], "{}", db.name);

        let unknown = d.resolve(Some(&t1.name), "不存在村").unwrap_err();
        assert!(unknown.contains("没有名为"), "{}: {unknown}", db.name);

        // the same village name in a second township: ambiguous alone, clear with the township
        let twin = code(&format!("{}299", &t2.code.as_str()[..9]));
        regions::upsert(&mut db.store.conn, &test_actor(), &[row(twin.as_str(), &v1.region.name)], &[]).unwrap();
        let d = Directory::load(&mut db.store.conn, &RegionScope::all()).unwrap();
        let alone = d.resolve(None, &v1.region.name).unwrap_err();
        assert!(alone.contains("多个"), "{}: {alone}", db.name);
        assert_eq!(d.resolve(Some(&t1.name), &v1.region.name), Ok(v1.region.code), "{}", db.name);
        assert_eq!(d.resolve(Some(&t2.name), &v1.region.name), Ok(twin), "{}", db.name);

        // and twice within one township: ambiguous even with the township
        let triplet = code(&format!("{}298", &t1.code.as_str()[..9]));
        regions::upsert(&mut db.store.conn, &test_actor(), &[row(triplet.as_str(), &v1.region.name)], &[]).unwrap();
        let d = Directory::load(&mut db.store.conn, &RegionScope::all()).unwrap();
        let both = d.resolve(Some(&t1.name), &v1.region.name).unwrap_err();
        assert!(both.contains("多个"), "{}: {both}", db.name);
        assert_eq!(d.resolve(Some(&t2.name), &v1.region.name), Ok(twin), "{}: the other township's one is still clear", db.name);
    }
}

#[test]
fn a_directory_loaded_for_a_township_knows_only_that_townships_villages() {
    let county = bangfu_demo::demo_county();
    let t1 = &county.townships[0];
    let t2 = &county.townships[1];
    let v1 = county.villages.iter().find(|v| t1.code.contains(&v.region.code)).unwrap();
    let v2 = county.villages.iter().find(|v| t2.code.contains(&v.region.code)).unwrap();
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        let d = Directory::load(&mut db.store.conn, &RegionScope::of(&t2.code)).unwrap();
        assert_eq!(d.resolve(Some(&t2.name), &v2.region.name), Ok(v2.region.code), "{}", db.name);
        assert!(d.resolve(Some(&t1.name), &v1.region.name).is_err(), "{}: a village outside the scope does not resolve", db.name);
        assert!(d.resolve(None, &v1.region.name).is_err(), "{}", db.name);
        assert!(!d.is_known(&v1.region.code), "{}", db.name);
        assert!(!d.is_known(&county.county.code), "{}: not even the county above", db.name);
    }
}
