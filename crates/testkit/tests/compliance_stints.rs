//! Stints and exchanges of a school year on every backend: a stint under a week (STN-01), a
//! teacher's semester under 30 days (STN-02), and a school pairing's exchanged teachers (EXC-01).

use bangfu_domain::RegionScope;
use bangfu_store::compliance;
use bangfu_store::P;
use bangfu_testkit::*;

#[test]
fn short_stints_short_semesters_and_exchanges_per_school_pairing() {
    for mut db in TestDb::all() {
        let backend = db.name;
        load_demo_regions(&mut db.store);
        let village = bangfu_demo::demo_county().villages[0].region.code.as_str().to_string();
        let c = &mut db.store.conn;
        let exec = |c: &mut bangfu_store::Conn, sql: &str, p: &[P]| {
            c.execute(sql, p).unwrap();
        };
        for (id, name) in [(1, "县第一中学"), (2, "村小学")] {
            exec(c, "INSERT INTO assist_unit (id, name, kind, region_code, status, created_at, updated_at, version) VALUES (?, ?, 'school', ?, 'active', 't', 't', 1)", &[P::Int(id), P::Text(name), P::Text(&village)]);
        }
        for (id, name) in [(1, "王老师"), (2, "李老师")] {
            exec(c, "INSERT INTO helper (id, name, kind, unit_id, region_code, status, created_at, updated_at, version) VALUES (?, ?, 'teacher', 1, ?, 'active', 't', 't', 1)", &[P::Int(id), P::Text(name), P::Text(&village)]);
        }
        exec(
            c,
            "INSERT INTO pairing (id, kind, helper_kind, helper_id, beneficiary_kind, beneficiary_id, region_code, started_on, status, created_at, updated_at, version) \
             VALUES (1, 'school_school', 'school', 1, 'school', 2, ?, '2024-09-01', 'active', 't', 't', 1)",
            &[P::Text(&village)],
        );
        let stint = |c: &mut bangfu_store::Conn, id: i64, helper: i64, from: &str, to: &str| {
            let d = |t: &str| chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").unwrap();
            let (from, to) = (d(from), d(to));
            c.execute(
                "INSERT INTO activity (id, kind, region_code, unit_id, occurred_on, ended_on, details, created_by, created_at, version) VALUES (?, 'stint', ?, 2, ?, ?, '{\"stint_kind\":\"支教\"}', 'test', 't', 1)",
                &[P::Int(id), P::Text(&village), P::Date(from), P::Date(to)],
            )
            .unwrap();
            c.execute(
                "INSERT INTO activity_helper (helper_id, occurred_on, activity_id, kind, region_code) VALUES (?, ?, ?, 'stint', ?)",
                &[P::Int(helper), P::Date(from), P::Int(id), P::Text(&village)],
            )
            .unwrap();
        };
        stint(c, 1, 1, "2025-09-08", "2025-09-12"); // 5 days: too short, and 15 days in the autumn semester
        stint(c, 2, 1, "2025-10-06", "2025-10-15");
        let r = compliance::stints(c, &RegionScope::all(), 2025).unwrap();
        let rules: Vec<(&str, &str)> = r.problems.iter().map(|p| (p.rule, p.helper_name.as_str())).collect();
        assert_eq!(rules, vec![("STN-01", "王老师"), ("STN-02", "王老师")], "{backend}: {:?}", r.problems);
        assert!(r.problems[1].what.contains("15 天"), "{backend}: {:?}", r.problems[1]);
        assert_eq!((r.exchanges[0].teachers, r.exchanges[0].required), (1, 2), "{backend}: one teacher exchanged, two required");
        stint(c, 3, 2, "2026-03-02", "2026-04-10"); // 40 days in spring: fine, and a second teacher
        let r = compliance::stints(c, &RegionScope::all(), 2025).unwrap();
        assert_eq!(r.exchanges[0].teachers, 2, "{backend}");
        assert_eq!(r.problems.len(), 2, "{backend}: the second teacher's stint is in order");
        // another school year has none of these
        let r = compliance::stints(c, &RegionScope::all(), 2024).unwrap();
        assert_eq!((r.stints, r.problems.len(), r.exchanges[0].teachers), (0, 0, 0), "{backend}");
    }
}
