//! The vCard export's two ways of reading people (every item held, or each page's items read
//! through the index) write the same file, and it is what each person's own record
//! (`person_records`, the reads an import compares with) gives: items preferred first, then by
//! value; the current role; the kept card. Both engines.

mod common;

use kith_core::{ChangeSet, Id, Kind};
use kith_interop::vcard::{Version, Writer};
use kith_store::export;

conformance!(held_and_paged_exports_are_each_persons_record);

fn item(cs: &mut ChangeSet, p: Id, kind: &'static str, value: &str, label: Option<&str>, pref: Option<i64>) -> Id {
    let id = Id::derive(p, kind, &value.to_lowercase());
    cs.set(Kind::PersonItem, id, "parent", p.to_string());
    cs.set(Kind::PersonItem, id, "kind", kind);
    cs.set(Kind::PersonItem, id, "value", value);
    if let Some(l) = label {
        cs.set(Kind::PersonItem, id, "label", l);
    }
    if let Some(pref) = pref {
        cs.set(Kind::PersonItem, id, "pref", pref);
    }
    id
}

fn held_and_paged_exports_are_each_persons_record(db: &mut common::TestDb) {
    let store = &mut db.store;
    let mut cs = ChangeSet::new();
    let org = store.new_id(1);
    cs.set(Kind::Org, org, "name", "Northwind");
    let mut live = Vec::new();
    for n in 0..40u64 {
        // Ids in a shuffled order of creation, as an import's.
        let p = store.new_id(1_000 + (n * 7919) % 40);
        let named = n % 13 != 5;
        if named {
            cs.set(Kind::Person, p, "display_name", format!("Person {n}"));
            cs.set(Kind::Person, p, "notes", format!("note; {n}, with\nlines"));
        } else {
            cs.set(Kind::Person, p, "given_name", "Nameless");
        }
        item(&mut cs, p, "email", &format!("z{n}@example.org"), Some("work"), None);
        item(&mut cs, p, "email", &format!("a{n}@example.org"), Some("home"), Some(0));
        item(&mut cs, p, "email", &format!("m{n}@example.org"), None, Some(1));
        item(&mut cs, p, "phone", &format!("+1 415 555 {n:04}"), Some("cell"), Some(1));
        item(&mut cs, p, "tag", "b-tag", None, None);
        item(&mut cs, p, "tag", "a-tag", None, None);
        item(&mut cs, p, "link", "https://www.linkedin.com/in/Someone", Some("linkedin"), None);
        let gone = item(&mut cs, p, "email", &format!("old{n}@example.org"), None, None);
        cs.delete(Kind::PersonItem, gone, true);
        for (r, (title, start, end)) in
            [("Intern", "2010-01-01", Some("2011-01-01")), ("Lead", "2020-01-01", None), ("CTO", "2022-01-01", None)]
                .into_iter()
                .enumerate()
        {
            let role = Id::derive(p, "role", &r.to_string());
            cs.set(Kind::Role, role, "person", p.to_string());
            cs.set(Kind::Role, role, "org", org.to_string());
            cs.set(Kind::Role, role, "title", title);
            cs.set(Kind::Role, role, "start_on", start);
            if let Some(e) = end {
                cs.set(Kind::Role, role, "end_on", e);
            }
        }
        if n % 3 == 0 {
            let card = Id::derive(p, "card", "vcard");
            cs.set(Kind::PersonCard, card, "parent", p.to_string());
            cs.set(Kind::PersonCard, card, "format", "vcard");
            let key = format!("email:m{n}@example.org");
            let data = serde_json::json!({ "version": "4.0", "props": [
                { "key": key, "raw": format!("item2.EMAIL;TYPE=x:m{n}@example.org") },
                { "raw": "X-KEPT:a\\, b" },
            ]});
            cs.set(Kind::PersonCard, card, "data", data.to_string());
        }
        if n % 11 == 4 {
            cs.delete(Kind::Person, p, true);
        } else if named {
            live.push(p);
        }
    }
    store.commit(cs, "test", 2_000).unwrap();
    live.sort();

    let mut expected = String::new();
    let mut writer = Writer::default();
    let records = store.person_records(&live).unwrap();
    for id in &live {
        writer.card(&mut expected, &export::card_of(&records[id]), &format!("urn:uuid:{id}"), Version::V4);
    }
    assert_eq!(expected.matches("BEGIN:VCARD").count(), live.len());
    // Preferred first, then by value (a NULL preference is none); the kept line stands for its
    // value; the live current role started last.
    assert!(
        expected.contains(
            "EMAIL;PREF=1:m1@example.org\r\nEMAIL;TYPE=home:a1@example.org\r\nEMAIL;TYPE=work:z1@example.org\r\n"
        ),
        "{expected}"
    );
    assert!(expected.contains("CATEGORIES:a-tag,b-tag\r\n"), "{expected}");
    assert!(expected.contains("item2.EMAIL;TYPE=x:m0@example.org\r\n"), "{expected}");
    assert!(expected.contains("X-KEPT:a\\, b\r\n"), "{expected}");
    assert!(expected.contains("TITLE:CTO\r\n") && !expected.contains("TITLE:Intern"), "{expected}");
    assert!(!expected.contains("old") && !expected.contains("Nameless"), "{expected}");

    for version in [Version::V4, Version::V3] {
        let (mut held, mut paged) = (String::new(), String::new());
        let n = export::vcards(store, version, |_, _, c| {
            held.push_str(c);
            Ok::<_, kith_store::Error>(())
        })
        .unwrap();
        export::vcards_paged(store, version, |_, _, c| {
            paged.push_str(c);
            Ok::<_, kith_store::Error>(())
        })
        .unwrap();
        assert_eq!(n, live.len());
        assert_eq!(held, paged, "{version:?}");
        if version == Version::V4 {
            assert_eq!(held, expected);
        }
    }
}
