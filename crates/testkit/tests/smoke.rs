//! The test databases themselves work on every backend.

use bangfu_testkit::*;

#[test]
fn demo_households_can_be_written_and_counted_on_every_backend() {
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        let docs = demo_docs(50, 7);
        let s = insert_docs(&mut db.store, &docs);
        assert_eq!(s.households_created, 50, "{}", db.name);
        let (h, m) = bangfu_store::registry::query::totals(&mut db.store.conn, &all_scope()).unwrap();
        assert_eq!(h, 50, "{}", db.name);
        assert_eq!(m as usize, docs.iter().map(|d| d.members.len()).sum::<usize>(), "{}", db.name);
    }
}
