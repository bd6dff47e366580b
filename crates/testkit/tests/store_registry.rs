//! Writing households in bulk and reading them back: the stored document is the document written
//! (values, members in order, incomes, protected fields decrypted), protected fields are ciphertext
//! at rest, and the keyed phone hash finds households sharing a phone.

mod common;

use bangfu_domain::fields::HouseholdField as HF;
use bangfu_domain::value::Secret;
use bangfu_domain::{RegionScope, Value};
use bangfu_store::registry::read;
use bangfu_store::P;
use bangfu_testkit::*;
use common::*;

#[test]
fn households_written_in_bulk_load_back_as_the_same_documents() {
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        let docs = demo_docs(120, 11);
        let summary = insert_docs(&mut db.store, &docs);
        assert_eq!(summary.households_created, 120, "{}", db.name);
        assert_eq!(summary.members_created as usize, docs.iter().map(|d| d.members.len()).sum::<usize>(), "{}", db.name);

        let stored = load_all(&mut db.store);
        let expected = docs_by_no(docs.clone());
        assert_eq!(stored.len(), expected.len(), "{}", db.name);
        for (s, d) in stored.iter().zip(&expected) {
            assert_eq!(no(&s.doc), no(d), "{}", db.name);
            assert_eq!(s.doc.values, d.values, "{}: household values of {}", db.name, no(d));
            let ids = |m: &[bangfu_domain::registry::MemberRecord]| m.iter().map(|x| x.resident_id.as_str().to_string()).collect::<Vec<_>>();
            assert_eq!(ids(&s.doc.members), ids(&d.members), "{}: members in file order in {}", db.name, no(d));
            assert_eq!(s.doc.members, d.members, "{}: member values of {}", db.name, no(d));
            assert_eq!(s.doc.incomes, d.incomes, "{}: incomes of {}", db.name, no(d));
            assert_eq!(&s.doc, d, "{}", db.name);
            assert_eq!(s.version, 1, "{}", db.name);
            assert_eq!(s.member_ids.len(), d.members.len(), "{}", db.name);
        }
        // the fixture must exercise protected fields, incomes and multi-member households
        assert!(expected.iter().any(|d| matches!(d.get(HF::Phone), Value::Secret(_))));
        assert!(expected.iter().any(|d| matches!(d.get(HF::BankAccount), Value::Secret(_))));
        assert!(expected.iter().any(|d| d.get(HF::Phone).is_null()), "some households without a phone (NULL round trip)");
        assert!(expected.iter().all(|d| !d.incomes.is_empty()));
        assert!(expected.iter().any(|d| d.members.len() >= 4));

        // load follows the order of the ids asked for, and an unknown id is just absent
        let ids: Vec<i64> = stored.iter().rev().take(5).map(|s| s.id).chain([9_999_999]).collect();
        let some = read::load(&mut db.store.conn, &db.store.keys, &RegionScope::all(), &ids).unwrap();
        assert_eq!(some.iter().map(|s| s.id).collect::<Vec<_>>(), ids[..5].to_vec(), "{}", db.name);
    }
}

#[test]
fn households_and_their_ids_are_found_by_number_and_members_by_resident_id() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 30, 12);
        let numbers: Vec<String> = docs.iter().map(no).collect();
        let refs: Vec<&str> = numbers.iter().map(String::as_str).chain(["no-such-number"]).collect();
        let found = read::ids_by_number(&mut db.store.conn, &refs).unwrap();
        assert_eq!(found.len(), 30, "{}", db.name);
        let batch = count(&mut db.store.conn, "SELECT MAX(id) FROM import_batch", &[]);
        assert!(found.iter().all(|f| f.2 == Some(batch)), "{}: created by the one bulk batch", db.name);

        let d = &docs[3];
        let hid = id_of(&mut db.store, &no(d));
        let rids: Vec<&str> = d.members.iter().map(|m| m.resident_id.as_str()).collect();
        let people = read::members_by_resident_id(&mut db.store.conn, &rids).unwrap();
        assert_eq!(people.len(), d.members.len(), "{}", db.name);
        for p in &people {
            assert_eq!(p.2, hid, "{}", db.name);
            assert_eq!(p.3.as_deref(), Some(no(d).as_str()), "{}", db.name);
            assert_eq!(p.4, region(d), "{}", db.name);
            assert_eq!(p.5, "active", "{}", db.name);
        }
    }
}

#[test]
fn phones_and_bank_accounts_are_ciphertext_at_rest_and_open_with_the_installation_key() {
    for mut db in TestDb::all() {
        let docs = seeded(&mut db, 40, 13);
        let mut checked = 0;
        for d in &docs {
            let (Value::Secret(phone), Value::Secret(account)) = (d.get(HF::Phone), d.get(HF::BankAccount)) else { continue };
            let r = db.store.conn.query("SELECT phone, bank_account, phone_hash FROM household WHERE household_no = ?", &[P::Text(&no(d))]).unwrap();
            let (p, a) = (r[0][0].bytes().expect("phone is bytes"), r[0][1].bytes().expect("account is bytes"));
            for (plain, sealed) in [(phone.reveal(), p), (account.reveal(), a)] {
                assert!(!sealed.windows(plain.len()).any(|w| w == plain.as_bytes()), "{}: plaintext found at rest", db.name);
                assert_eq!(db.store.keys.open(sealed).unwrap(), plain, "{}", db.name);
                assert!(bangfu_store::Keyring::from_master(&[1u8; 32]).open(sealed).is_err(), "{}: another key cannot open it", db.name);
            }
            let hash = r[0][2].string();
            assert_eq!(hash, db.store.keys.search_hash(phone.reveal()), "{}", db.name);
            assert!(!hash.contains(phone.reveal()), "{}", db.name);
            checked += 1;
        }
        assert!(checked > 10, "fixture has households with phone and account");
        // nowhere else in the database is a phone written out
        let phones: Vec<String> = docs.iter().filter_map(|d| match d.get(HF::Phone) { Value::Secret(s) => Some(s.reveal().to_string()), _ => None }).collect();
        for (table, _) in bangfu_store::copy::TABLES {
            let cols = table_columns(&mut db.store.conn, table);
            let text_cols: Vec<String> = cols.iter().filter(|c| c.1 == "text").map(|c| c.0.clone()).collect();
            for col in text_cols {
                for ph in phones.iter().take(10) {
                    let hits = count(&mut db.store.conn, &format!("SELECT COUNT(*) FROM {table} WHERE {col} LIKE ?"), &[P::Text(&format!("%{ph}%"))]);
                    assert_eq!(hits, 0, "{}: phone in plaintext in {table}.{col}", db.name);
                }
            }
        }
    }
}

#[test]
fn the_phone_hash_finds_the_households_that_share_a_phone() {
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        let mut docs = demo_docs(30, 14);
        let shared = "13912345678";
        docs[2].set(HF::Phone, Value::Secret(Secret::new(shared.into())));
        docs[17].set(HF::Phone, Value::Secret(Secret::new(shared.into())));
        assert!(docs.iter().filter(|d| matches!(d.get(HF::Phone), Value::Secret(s) if s.reveal() == shared)).count() == 2);
        insert_docs(&mut db.store, &docs);
        let hash = db.store.keys.search_hash(shared);
        let mut found: Vec<i64> = db.store.conn.query("SELECT id FROM household WHERE phone_hash = ?", &[P::Text(&hash)]).unwrap().iter().filter_map(|r| r[0].int()).collect();
        found.sort();
        let mut expected = vec![id_of(&mut db.store, &no(&docs[2])), id_of(&mut db.store, &no(&docs[17]))];
        expected.sort();
        assert_eq!(found, expected, "{}", db.name);
        let other = db.store.keys.search_hash("13912345679");
        assert_eq!(count(&mut db.store.conn, "SELECT COUNT(*) FROM household WHERE phone_hash = ?", &[P::Text(&other)]), 0, "{}", db.name);
    }
}

#[test]
fn text_with_tabs_backslashes_and_newlines_survives_the_bulk_path() {
    for mut db in TestDb::all() {
        load_demo_regions(&mut db.store);
        let mut docs = demo_docs(3, 15);
        let odd = "帮扶\t单位\\二\n组\r“引号” 'x' \\N";
        docs[1].set(HF::HelperUnit, Value::Text(odd.into()));
        docs[1].set(HF::MainFuel, Value::Text(String::new()));
        docs[1].members[0].set(bangfu_domain::fields::MemberField::Employer, Value::Text("\\.".into()));
        insert_docs(&mut db.store, &docs);
        let s = stored(&mut db.store, &no(&docs[1])).unwrap();
        assert_eq!(s.doc.get(HF::HelperUnit), &Value::Text(odd.into()), "{}", db.name);
        assert_eq!(s.doc.get(HF::MainFuel), &Value::Text(String::new()), "{}: empty text is not NULL", db.name);
        assert_eq!(s.doc, docs[1], "{}", db.name);
    }
}
