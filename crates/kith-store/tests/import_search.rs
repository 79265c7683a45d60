//! The search documents of people an apply creates are built from its records in memory, not
//! read back from the rows it wrote: they must be exactly what the rows say (the documents
//! `search` would read). Checked against a rebuild from the database after bulk imports of
//! every sample and of a generated LinkedIn file (several change sets, organizations from
//! earlier ones), and after change sets with the cases the memory path must get right. Both
//! engines.

mod common;

use kith_core::{ChangeSet, Clock, Id, Kind, NodeId, Stamper};
use kith_store::import::{Input, Options, Source, import_contacts};

conformance!(
    documents_of_imported_people_are_what_their_rows_say,
    documents_of_new_people_in_change_sets,
    new_and_existing_records_in_one_insert,
);

fn sample(path: &str) -> Input {
    let full = format!("{}/../../testdata/samples/{path}", env!("CARGO_MANIFEST_DIR"));
    Input::bytes(path, std::fs::read(&full).expect("sample"))
}

fn now() -> jiff::ZonedDateTime {
    "2026-11-26T10:00:00+00:00[UTC]".parse().unwrap()
}

fn import(store: &mut kith_store::Store, files: Vec<Input>, source: &Source) -> kith_store::import::Summary {
    let out = import_contacts(store, files, source, Options::default(), "ann", &now(), &mut |_| {}).unwrap();
    assert!(!out.rolled_back, "{:?}", out.summary.failures);
    out.summary
}

fn csv() -> Source {
    Source::Csv(kith_interop::csv::Layout::parse("auto", &[]).unwrap())
}

fn documents_of_imported_people_are_what_their_rows_say(db: &mut common::TestDb) {
    let store = &mut db.store;
    for f in
        ["vcard/apple-ios.vcf", "vcard/google-export.vcf", "vcard/nextcloud-4.0.vcf", "vcard/outlook-android-2.1.vcf"]
    {
        import(store, vec![sample(f)], &Source::Vcard);
    }
    for f in [
        "csv/linkedin-Connections.csv",
        "csv/google-contacts.csv",
        "csv/google-contacts-legacy.csv",
        "csv/outlook-contacts.csv",
    ] {
        import(store, vec![sample(f)], &csv());
    }
    assert_eq!(store.stale_person_documents().unwrap(), Vec::<Id>::new());

    // A LinkedIn file big enough for several change sets: companies repeat, so most roles point
    // at organizations an earlier change set made; some rows repeat a person (a merge), some
    // have no company or no title, one company is spelled with other letter case.
    let mut text =
        String::from("Notes:\n\"x\"\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\n");
    for n in 0..4_500 {
        let company = match n % 7 {
            0 => String::new(),
            1 => "ACME Corp".to_string(),
            _ => format!("Company {}", n % 97),
        };
        let title = if n % 5 == 0 { String::new() } else { format!("Title {}", n % 13) };
        let who = if n % 450 == 7 { 3 } else { n };
        text.push_str(&format!(
            "Given{who},Family{who},https://www.linkedin.com/in/p-{who},p{who}@example.com,\"{company}\",\"{title}\",17 Oct 2015\n"
        ));
    }
    text.push_str("Zed,Acme,https://www.linkedin.com/in/zed,,acme corp,Boss,01 Jan 2020\n");
    let s = import(store, vec![Input::bytes("connections.csv", text.into_bytes())], &csv());
    assert!(s.created > 4_000 && s.merged > 0, "{s:?}");
    assert_eq!(store.stale_person_documents().unwrap(), Vec::<Id>::new());
    let hits = store.search("given4321", 5).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].title, "Given4321 Family4321");

    // Re-importing the same file changes nothing; the documents stay right.
    import(store, vec![sample("csv/linkedin-Connections.csv")], &csv());
    assert_eq!(store.stale_person_documents().unwrap(), Vec::<Id>::new());
}

fn item(cs: &mut ChangeSet, p: Id, kind: Option<&'static str>, value: &str, deleted: bool) -> Id {
    let id = Id::derive(p, kind.unwrap_or("none"), value);
    cs.set(Kind::PersonItem, id, "parent", p.to_string());
    if let Some(k) = kind {
        cs.set(Kind::PersonItem, id, "kind", k);
    }
    cs.set(Kind::PersonItem, id, "value", value);
    if deleted {
        cs.delete(Kind::PersonItem, id, true);
    }
    id
}

fn documents_of_new_people_in_change_sets(db: &mut common::TestDb) {
    let store = &mut db.store;
    let mut cs = ChangeSet::new();
    let old_org = store.new_id(1);
    cs.set(Kind::Org, old_org, "name", "Old Name");
    let nameless_org = store.new_id(1);
    cs.set(Kind::Org, nameless_org, "domain", "nameless.example");
    let old = store.new_id(1);
    cs.set(Kind::Person, old, "display_name", "Old Person");
    let moving = item(&mut cs, old, Some("email"), "moving@example.com", false);
    store.commit(cs.into_records(), "ann", 1_000).unwrap();

    let mut cs = ChangeSet::new();
    // A full person: fields in the document's order, items of several kinds and values out of
    // order (one without a kind, one deleted, one value twice), roles at a renamed organization,
    // a nameless one, a new one, an unnamed one and a deleted one.
    let p = store.new_id(2);
    cs.set(Kind::Person, p, "display_name", "Priya Raman");
    cs.set(Kind::Person, p, "family_name", "Raman");
    cs.set(Kind::Person, p, "given_name", "Priya");
    cs.set(Kind::Person, p, "notes", "likes design\nand tea");
    cs.set(Kind::Person, p, "pitch", "");
    cs.set(Kind::Person, p, "met_where", "Berlin");
    cs.set(Kind::Person, p, "tier", "A");
    item(&mut cs, p, Some("tag"), "zeta", false);
    item(&mut cs, p, Some("email"), "priya@example.com", false);
    item(&mut cs, p, Some("email"), "Priya@example.com", false);
    item(&mut cs, p, Some("email"), "b@example.com", false);
    item(&mut cs, p, None, "no kind", false);
    item(&mut cs, p, Some("phone"), "+49 30 1234567", true);
    item(&mut cs, p, Some("tag"), "älpha", false);
    item(&mut cs, p, Some("tag"), "Zeta", false);
    cs.set(Kind::Org, old_org, "name", "New Name");
    let new_org = store.new_id(2);
    cs.set(Kind::Org, new_org, "name", "Fresh Org");
    for (org, title, deleted) in [
        (Some(old_org), Some("Designer"), false),
        (Some(nameless_org), None, false),
        (Some(new_org), Some("Advisor"), false),
        (None, Some("Freelance"), false),
        (Some(new_org), Some("Gone"), true),
    ] {
        let r = store.new_id(2);
        cs.set(Kind::Role, r, "person", p.to_string());
        if let Some(o) = org {
            cs.set(Kind::Role, r, "org", o.to_string());
        }
        if let Some(t) = title {
            cs.set(Kind::Role, r, "title", t);
        }
        if deleted {
            cs.delete(Kind::Role, r, true);
        }
    }
    // A new person without a name but with text elsewhere; one with nothing at all; one created
    // deleted; one that an existing item moves to (read back from the database).
    let unnamed = store.new_id(2);
    cs.set(Kind::Person, unnamed, "met_how", "conference");
    let empty = store.new_id(2);
    cs.set(Kind::Person, empty, "tier", "B");
    let gone = store.new_id(2);
    cs.set(Kind::Person, gone, "display_name", "Gone Person");
    cs.delete(Kind::Person, gone, true);
    let target = store.new_id(2);
    cs.set(Kind::Person, target, "display_name", "Target");
    item(&mut cs, target, Some("phone"), "+1 555 0100", false);
    cs.set(Kind::PersonItem, moving, "parent", target.to_string());
    // As a merge does: the person the item left is tombstoned (a re-pointed child refreshes only
    // the document of the person it now belongs to).
    cs.delete(Kind::Person, old, true);
    // An item of a person that has no ops of its own here (its row is made for the item).
    let bare = store.new_id(2);
    item(&mut cs, bare, Some("email"), "bare@example.com", false);
    store.commit(cs.into_records(), "ann", 2_000).unwrap();
    assert_eq!(store.stale_person_documents().unwrap(), Vec::<Id>::new());

    let hits = store.search("advisor", 5).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].id, p);
    assert!(store.search("gone", 5).unwrap().is_empty(), "a deleted role or person is not found");
    assert_eq!(store.search("moving", 5).unwrap()[0].id, target);
}

/// Ops from another replica for records of which some exist here and some do not, with the same
/// fields, so they share one multi-row INSERT: the new ones are created (SQLite finds them
/// without RETURNING, as the statement's last rows), the existing ones updated.
fn new_and_existing_records_in_one_insert(db: &mut common::TestDb) {
    let store = &mut db.store;
    let (p1, p2, p3, p4) = (store.new_id(1), store.new_id(1), store.new_id(1), store.new_id(1));
    let mut cs = ChangeSet::new();
    cs.set(Kind::Person, p1, "display_name", "One");
    cs.set(Kind::Person, p2, "display_name", "Two");
    store.commit(cs, "ann", 1_000).unwrap();

    let mut cs = ChangeSet::new();
    for (p, name) in [(p1, "Uno"), (p3, "Tres"), (p2, "Dos"), (p4, "Cuatro")] {
        cs.set(Kind::Person, p, "display_name", name);
        cs.set(Kind::Person, p, "notes", "from the other replica");
    }
    let mut clock = Clock::default();
    let mut n = 0u8;
    let mut random = move || {
        n += 1;
        [n; 10]
    };
    let mut stamper =
        Stamper { clock: &mut clock, wall_ms: 5_000, node: NodeId(42), actor: "bob", random: &mut random };
    let ops = cs.into_records().stamp(&mut stamper);
    assert_eq!(store.apply(&ops).unwrap().applied, 4);
    for (word, id) in [("uno", p1), ("dos", p2), ("tres", p3), ("cuatro", p4)] {
        let hits = store.search(word, 5).unwrap();
        assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), [id], "{word}");
    }
    assert!(store.search("one", 5).unwrap().is_empty());
    assert_eq!(store.stale_person_documents().unwrap(), Vec::<Id>::new());
}
