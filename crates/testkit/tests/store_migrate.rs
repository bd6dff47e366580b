//! Migrations and the schema: one chain for both backends, idempotent, guarded on open, and every
//! catalog field that says it is a column has one (and no column exists the catalog does not know).

mod common;

use bangfu_domain::fields::{HouseholdField as HF, MemberField as MF, Storage};
use bangfu_store::{migrate, Keyring, Store, StoreError, P};
use bangfu_testkit::*;
use common::*;
use std::collections::BTreeSet;

#[test]
fn a_fresh_database_migrates_to_the_latest_version_and_a_second_run_changes_nothing() {
    for db in TestDb::all() {
        let fresh = FreshDb::like(&db);
        let key = db.dir.path().join("fresh.key");
        let mut store = Store::open_and_migrate(&fresh.url, Some(&key)).unwrap_or_else(|e| panic!("{}: {e}", db.name));
        assert_eq!(migrate::current_version(&mut store.conn).unwrap(), migrate::latest(), "{}", db.name);
        assert!(migrate::latest() >= 1, "{}", db.name);
        let rows = count(&mut store.conn, "SELECT COUNT(*) FROM schema_migrations", &[]);
        assert_eq!(rows, migrate::MIGRATIONS.len() as i64, "{}: one row per applied migration", db.name);
        for (table, _) in bangfu_store::copy::TABLES {
            assert!(store.conn.table_exists(table).unwrap(), "{}: table {table} after migrating", db.name);
        }

        let again = migrate::migrate(&mut store.conn).unwrap();
        assert!(again.is_empty(), "{}: a second migration applied {again:?}", db.name);
        assert_eq!(count(&mut store.conn, "SELECT COUNT(*) FROM schema_migrations", &[]), rows, "{}", db.name);
        drop(store);

        // and reopening an already migrated database through open_and_migrate is a no-op too
        let mut store = Store::open_and_migrate(&fresh.url, Some(&key)).unwrap();
        assert_eq!(count(&mut store.conn, "SELECT COUNT(*) FROM schema_migrations", &[]), rows, "{}", db.name);
        drop(store);
        Store::open(&fresh.url, Some(&key)).unwrap_or_else(|e| panic!("{}: a migrated database opens: {e}", db.name));
    }
}

#[test]
fn opening_an_unmigrated_database_says_it_must_be_migrated_first() {
    for db in TestDb::all() {
        let fresh = FreshDb::like(&db);
        let key = db.dir.path().join("unmigrated.key");
        Keyring::load_or_create(&key, true).unwrap();
        match Store::open(&fresh.url, Some(&key)) {
            Err(StoreError::NotMigrated { current, needed }) => {
                assert_eq!(current, 0, "{}", db.name);
                assert_eq!(needed, migrate::latest(), "{}", db.name);
            }
            Err(e) => panic!("{}: expected NotMigrated, got {e}", db.name),
            Ok(_) => panic!("{}: an unmigrated database opened", db.name),
        }
        // opening did not create the schema behind the caller's back
        let mut conn = bangfu_store::Conn::open(&fresh.url).unwrap();
        assert!(!conn.table_exists("household").unwrap(), "{}", db.name);
    }
}

#[test]
fn a_database_newer_than_the_program_is_refused_by_open_and_by_migrate() {
    for mut db in TestDb::all() {
        let newer = migrate::latest() + 1;
        db.store
            .conn
            .execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', '2099-01-01T00:00:00.000Z')", &[P::Int(newer)])
            .unwrap();
        let key = db.store.key_path.clone();
        assert!(matches!(Store::open(&db.store.url, Some(&key)), Err(StoreError::TooNew(v)) if v == newer), "{}: open", db.name);
        assert!(matches!(migrate::migrate(&mut db.store.conn), Err(StoreError::TooNew(v)) if v == newer), "{}: migrate", db.name);
        assert!(matches!(migrate::require_current(&mut db.store.conn), Err(StoreError::TooNew(_))), "{}", db.name);
    }
}

/// Columns of the household table that are bookkeeping, not catalog fields.
const HOUSEHOLD_BOOKKEEPING: &[&str] = &["id", "phone_hash", "status", "created_batch", "updated_batch", "version", "created_at", "updated_at"];
const MEMBER_BOOKKEEPING: &[&str] =
    &["id", "household_id", "region_code", "resident_id", "seq", "name_initials", "status", "joined_on", "removed_on", "removal_reason", "created_batch", "version"];

#[test]
fn every_catalog_column_field_has_a_column_and_every_column_is_known_to_the_catalog() {
    for mut db in TestDb::all() {
        // household
        let cols = table_columns(&mut db.store.conn, "household");
        let names: BTreeSet<String> = cols.iter().map(|c| c.0.clone()).collect();
        let mut expected: BTreeSet<String> = HF::ALL.iter().filter(|f| f.def().storage == Storage::Column).map(|f| f.def().key.to_string()).collect();
        assert!(expected.contains("region_code"), "the catalog stores the region code");
        expected.extend(HOUSEHOLD_BOOKKEEPING.iter().map(|s| s.to_string()));
        assert_eq!(names, expected, "{}: household columns ⇄ catalog (Storage::Column) + bookkeeping", db.name);
        for f in HF::ALL.iter().filter(|f| f.def().storage != Storage::Column) {
            assert!(!names.contains(f.def().key), "{}: {} is {:?}, yet household has a column for it", db.name, f.def().key, f.def().storage);
        }
        // protected fields are binary columns: ciphertext, not text
        for protected in ["phone", "bank_account"] {
            let ty = &cols.iter().find(|c| c.0 == protected).unwrap().1;
            assert!(ty == "blob" || ty == "bytea", "{}: {protected} is stored as {ty}", db.name);
        }

        // member
        let names: BTreeSet<String> = table_columns(&mut db.store.conn, "member").into_iter().map(|c| c.0).collect();
        let mut expected: BTreeSet<String> = MF::ALL.iter().filter(|f| f.def().storage == Storage::Column).map(|f| f.def().key.to_string()).collect();
        assert_eq!(expected.len(), MF::ALL.len(), "every member field is a column");
        expected.extend(MEMBER_BOOKKEEPING.iter().map(|s| s.to_string()));
        assert_eq!(names, expected, "{}: member columns ⇄ catalog + bookkeeping", db.name);

        // household_income: one column per income field, the year as its key
        let names: BTreeSet<String> = table_columns(&mut db.store.conn, "household_income").into_iter().map(|c| c.0).collect();
        let mut expected: BTreeSet<String> =
            HF::ALL.iter().filter(|f| f.def().storage == Storage::Income && **f != HF::IncomeYear).map(|f| f.def().key.to_string()).collect();
        assert_eq!(expected.len(), bangfu_domain::registry::INCOME_FIELDS.len());
        expected.extend(["household_id", "year", "region_code"].map(String::from));
        assert_eq!(names, expected, "{}: household_income columns ⇄ income fields", db.name);
    }
}

#[test]
fn both_backends_have_the_same_tables_with_the_same_columns_in_the_same_order() {
    let mut dbs = TestDb::all();
    if dbs.len() < 2 {
        eprintln!("only one backend available: cross-backend schema comparison skipped");
        return;
    }
    let (a, b) = dbs.split_at_mut(1);
    for (table, _) in bangfu_store::copy::TABLES {
        let ca: Vec<String> = table_columns(&mut a[0].store.conn, table).into_iter().map(|c| c.0).collect();
        let cb: Vec<String> = table_columns(&mut b[0].store.conn, table).into_iter().map(|c| c.0).collect();
        assert!(!ca.is_empty(), "{table} has columns");
        assert_eq!(ca, cb, "{table}: {} vs {}", a[0].name, b[0].name);
    }
}

#[test]
fn every_index_a_bulk_load_drops_and_rebuilds_is_the_one_the_migrations_made() {
    for mut db in TestDb::all() {
        let indexes = bangfu_store::registry::session::BULK_INDEXES;
        assert!(!indexes.is_empty());
        for (name, sql) in indexes {
            let stored = index_definition(&mut db.store.conn, name).unwrap_or_else(|| panic!("{}: index {name} missing after migrating", db.name));
            assert!(!stored.0.is_empty() && !stored.1.is_empty(), "{}: {name} read as {stored:?}", db.name);
            assert_eq!(stored, parse_index_sql(sql), "{}: {name} is rebuilt as the migration made it", db.name);
        }
        if db.store.backend() == bangfu_store::Backend::Postgres {
            for (table, name, def) in bangfu_store::registry::session::BULK_FOREIGN_KEYS {
                let got = db
                    .store
                    .conn
                    .query("SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid WHERE c.conname = ? AND t.relname = ?", &[P::Text(name), P::Text(table)])
                    .unwrap();
                assert_eq!(got.len(), 1, "{}: foreign key {name} on {table}", db.name);
                assert_eq!(got[0][0].string().replace(' ', ""), def.replace(' ', ""), "{}: {name}", db.name);
            }
        }
    }
}

#[test]
fn a_first_import_into_an_empty_registry_leaves_the_schema_as_the_migrations_made_it() {
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        let schema = schema_objects(&mut db.store.conn);
        assert!(schema.iter().any(|o| o.contains("member_household")), "{}: {schema:?}", db.name);
        let docs = demo_docs(30, 3);
        // abandoned first
        let mut s = bangfu_store::registry::ImportSession::begin(&mut db.store, test_actor(), opts(&all_scope(), today())).unwrap();
        s.insert_many(&docs.iter().collect::<Vec<_>>()).unwrap();
        s.rollback().unwrap();
        assert_eq!(schema_objects(&mut db.store.conn), schema, "{}: after a rolled-back first import", db.name);
        assert_eq!(count(&mut db.store.conn, "SELECT COUNT(*) FROM household", &[]), 0, "{}", db.name);
        // then committed
        insert_docs(&mut db.store, &docs);
        assert_eq!(schema_objects(&mut db.store.conn), schema, "{}: after a committed first import", db.name);
        assert_eq!(load_all(&mut db.store).len(), 30, "{}", db.name);
        // and the rebuilt indexes serve queries with the same answers
        let phone = docs.iter().find_map(|d| match d.get(bangfu_domain::fields::HouseholdField::Phone) {
            bangfu_domain::Value::Secret(s) => Some(s.reveal().to_string()),
            _ => None,
        });
        let hash = db.store.keys.search_hash(&phone.unwrap());
        assert!(count(&mut db.store.conn, "SELECT COUNT(*) FROM household WHERE phone_hash = ?", &[P::Text(&hash)]) >= 1, "{}", db.name);
    }
}
