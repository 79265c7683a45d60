//! The store's behaviour, once, against both engines.

mod common;

use common::TestDb;
use kith_core::{ChangeSet, Hlc, Id, Kind, NodeId, Op};
use kith_store::{Error, Location, PersonFilter, Store, TaskFilter};
use serde_json::{Value, json};

conformance!(
    creates_and_reads_a_person,
    resolves_references,
    later_write_wins_whatever_the_order,
    record_ops_compete_register_by_register,
    duplicates_and_reordering_change_nothing,
    children_may_arrive_before_parents,
    deletion_is_a_tombstone,
    search_finds_and_forgets,
    agenda_queries,
    history_covers_children,
    activity_reads_record_ops_as_their_fields,
    invalid_batch_writes_nothing,
    reopening_keeps_node_and_schema,
    optimize_keeps_no_value_samples,
    concurrent_writers_keep_the_later_op,
);

const NOW: u64 = 1_795_000_000_000;

fn id(n: u128) -> Id {
    Id::from_uuid(uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | n))
}

fn op(n: u128, hlc: u64, node: i64, kind: Kind, entity: Id, field: &str, value: Value) -> Op {
    Op {
        id: id(0xffff_0000 + n),
        hlc: Hlc(hlc),
        node: NodeId(node),
        actor: "test".into(),
        kind,
        entity,
        field: field.into(),
        value,
    }
}

/// Add a person the way the CLI does: name, an email and a tag as derived child records.
fn add_person(store: &mut Store, name: &str, email: &str, tag: &str) -> Id {
    let p = store.new_id(NOW);
    let mut cs = ChangeSet::new();
    cs.set(Kind::Person, p, "display_name", name);
    let e = Id::derive(p, "email", email);
    cs.set(Kind::PersonItem, e, "parent", p.to_string());
    cs.set(Kind::PersonItem, e, "kind", "email");
    cs.set(Kind::PersonItem, e, "value", email);
    let t = Id::derive(p, "tag", tag);
    cs.set(Kind::PersonItem, t, "parent", p.to_string());
    cs.set(Kind::PersonItem, t, "kind", "tag");
    cs.set(Kind::PersonItem, t, "value", tag);
    store.commit(cs, "test", NOW).unwrap();
    p
}

fn creates_and_reads_a_person(db: &mut TestDb) {
    let s = &mut db.store;
    let p = add_person(s, "Priya Raman", "priya@northwind.example", "design");
    let org = s.new_id(NOW);
    let role = s.new_id(NOW);
    let mut cs = ChangeSet::new();
    cs.set(Kind::Org, org, "name", "Northwind Labs");
    cs.set(Kind::Role, role, "person", p.to_string());
    cs.set(Kind::Role, role, "org", org.to_string());
    cs.set(Kind::Role, role, "title", "Head of Design");
    cs.set(Kind::Person, p, "tier", "A");
    s.commit(cs, "test", NOW + 1).unwrap();

    let v = s.person(p).unwrap().expect("person exists");
    assert_eq!(v.name, "Priya Raman");
    assert_eq!(v.tier.as_deref(), Some("A"));
    assert_eq!(v.emails.iter().map(|e| e.value.as_str()).collect::<Vec<_>>(), ["priya@northwind.example"]);
    assert_eq!(v.tags, ["design"]);
    assert_eq!(v.roles.len(), 1);
    assert_eq!(v.roles[0].org.as_deref(), Some("Northwind Labs"));

    let rows = s.people(&PersonFilter { tag: Some("design".into()), ..Default::default() }).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].org.as_deref(), Some("Northwind Labs"));
    assert_eq!(rows[0].title.as_deref(), Some("Head of Design"));
    assert_eq!(rows[0].email.as_deref(), Some("priya@northwind.example"));
    assert!(s.people(&PersonFilter { tag: Some("sales".into()), ..Default::default() }).unwrap().is_empty());
    assert_eq!(s.people(&PersonFilter { org: Some(org), ..Default::default() }).unwrap().len(), 1);
}

fn resolves_references(db: &mut TestDb) {
    let s = &mut db.store;
    let priya = add_person(s, "Priya Raman", "priya@northwind.example", "design");
    let bob = add_person(s, "Bob Stone", "bob@acme.example", "sales");
    let bobby = add_person(s, "Bobby Tables", "bobby@acme.example", "sales");
    assert_eq!(s.resolve_person("priya").unwrap(), priya);
    assert_eq!(s.resolve_person("PRIYA@northwind.example").unwrap(), priya);
    assert_eq!(s.resolve_person(&priya.to_string()).unwrap(), priya);
    assert_eq!(s.resolve_person(&priya.short()).unwrap(), priya, "the short id that listings show");
    assert_eq!(s.resolve_person("aman").unwrap(), priya, "a fragment inside a word is found by scanning");
    // "bob stone" is exact for one person even though "bob" is ambiguous.
    assert_eq!(s.resolve_person("bob stone").unwrap(), bob);
    match s.resolve_person("bob") {
        Err(Error::Ambiguous { candidates, .. }) => {
            assert_eq!(candidates.len(), 2);
            assert!(candidates.iter().any(|c| c.contains("Bob Stone <bob@acme.example>")));
            assert!(candidates.iter().any(|c| c.contains("Bobby Tables")));
        }
        other => panic!("expected ambiguous, got {other:?}"),
    }
    assert!(matches!(s.resolve_person("zed"), Err(Error::NotFound { .. })));
    assert!(matches!(s.resolve_person("me"), Err(Error::NotFound { .. })));
    let mut cs = ChangeSet::new();
    cs.set(Kind::Person, bobby, "is_me", true);
    s.commit(cs, "test", NOW).unwrap();
    assert_eq!(s.resolve_person("me").unwrap(), bobby);
}

fn later_write_wins_whatever_the_order(db: &mut TestDb) {
    let s = &mut db.store;
    let p = id(1);
    let early = op(1, 100, 1, Kind::Person, p, "display_name", json!("Early"));
    let late = op(2, 200, 1, Kind::Person, p, "display_name", json!("Late"));
    // Same timestamp: the higher node id breaks the tie.
    let tie_lo = op(3, 300, 1, Kind::Person, p, "tier", json!("B"));
    let tie_hi = op(4, 300, 2, Kind::Person, p, "tier", json!("A"));
    s.apply(&[late.clone(), tie_hi.clone()]).unwrap();
    s.apply(&[early, tie_lo]).unwrap();
    let v = s.person(p).unwrap().unwrap();
    assert_eq!(v.name, "Late");
    assert_eq!(v.tier.as_deref(), Some("A"));
    // And the clock moved past everything it saw.
    let ops = s.commit(
        {
            let mut cs = ChangeSet::new();
            cs.set(Kind::Person, p, "notes", "x");
            cs
        },
        "test",
        1,
    );
    assert!(ops.unwrap()[0].hlc > Hlc(300));
}

/// A record op counts in each register it sets: a later single-field op beats it in that field
/// only, and it beats earlier single-field ops of the fields it names, whatever the order.
fn record_ops_compete_register_by_register(db: &mut TestDb) {
    let s = &mut db.store;
    let ops_for = |n: u128| {
        let p = id(100 + n);
        let tag = Id::derive(p, "tag", "design");
        let k = n * 100;
        let record = op(
            k + 1,
            200,
            1,
            Kind::Person,
            p,
            "*",
            json!({"display_name": "Rec", "tier": "B", "notes": "from the record"}),
        );
        let older = op(k + 2, 100, 1, Kind::Person, p, "display_name", json!("Older"));
        let newer = op(k + 3, 300, 1, Kind::Person, p, "tier", json!("A"));
        let untouched = op(k + 4, 50, 1, Kind::Person, p, "pitch", json!("kept"));
        // Same timestamp as the record op: the higher node wins that register.
        let same_time = op(k + 5, 200, 2, Kind::Person, p, "notes", json!("same time, higher node"));
        let item = op(
            k + 6,
            10,
            1,
            Kind::PersonItem,
            tag,
            "*",
            json!({"parent": p.to_string(), "kind": "tag", "value": "design"}),
        );
        (p, vec![record, older, newer, untouched, same_time, item])
    };
    let orders: [&[usize]; 3] = [&[0, 1, 2, 3, 4, 5], &[5, 4, 3, 2, 1, 0], &[2, 0, 5, 1, 0, 4, 3, 2]];
    for (n, order) in orders.iter().enumerate() {
        let (p, all) = ops_for(n as u128);
        for &i in *order {
            s.apply(std::slice::from_ref(&all[i])).unwrap();
        }
        let v = s.person(p).unwrap().unwrap();
        assert_eq!(v.name, "Rec", "order {order:?}");
        assert_eq!(v.tier.as_deref(), Some("A"));
        assert_eq!(v.notes.as_deref(), Some("same time, higher node"));
        assert_eq!(v.pitch.as_deref(), Some("kept"));
        assert_eq!(v.tags, ["design"]);
        // History lists the record op as it was written.
        assert!(s.history(p).unwrap().iter().any(|e| e.op.field == "*" && e.op.value["tier"] == "B"));
    }
    assert!(s.search("record", 10).unwrap().is_empty(), "the losing notes are not indexed");
    assert_eq!(s.search("design", 10).unwrap().len(), 3);
    // A malformed record op is refused before anything is written.
    let p = id(100);
    let bad = op(9, 400, 1, Kind::Person, p, "*", json!({"tier": "C", "cadence_days": "soon"}));
    assert!(matches!(s.apply(&[bad]), Err(Error::InvalidOp { .. })));
    let bad = op(10, 400, 1, Kind::Person, p, "*", json!("Ann"));
    assert!(matches!(s.apply(&[bad]), Err(Error::InvalidOp { .. })));
    assert_eq!(s.person(p).unwrap().unwrap().tier.as_deref(), Some("A"));
}

/// Two devices' worth of ops on one person: fields, tags added on both, a tag removed.
fn two_device_ops() -> Vec<Op> {
    let p = id(1);
    let tag = |t: &str| Id::derive(p, "tag", t);
    let mut ops = vec![
        op(1, 10, 1, Kind::Person, p, "display_name", json!("Ann")),
        op(2, 11, 1, Kind::PersonItem, tag("design"), "parent", json!(p.to_string())),
        op(3, 12, 1, Kind::PersonItem, tag("design"), "kind", json!("tag")),
        op(4, 13, 1, Kind::PersonItem, tag("design"), "value", json!("design")),
        op(5, 20, 2, Kind::PersonItem, tag("sales"), "parent", json!(p.to_string())),
        op(6, 21, 2, Kind::PersonItem, tag("sales"), "kind", json!("tag")),
        op(7, 22, 2, Kind::PersonItem, tag("sales"), "value", json!("sales")),
        op(8, 23, 2, Kind::Person, p, "display_name", json!("Ann Lee")),
        op(9, 30, 1, Kind::PersonItem, tag("design"), "deleted", json!(true)),
    ];
    ops.push(op(10, 31, 2, Kind::Person, p, "tier", json!("B")));
    ops
}

fn duplicates_and_reordering_change_nothing(db: &mut TestDb) {
    let s = &mut db.store;
    let ops = two_device_ops();
    let r = s.apply(&ops).unwrap();
    assert_eq!(r.applied, ops.len());
    let before = s.snapshot().unwrap();
    let r = s.apply(&ops).unwrap();
    assert_eq!((r.applied, r.duplicates), (0, ops.len()));
    assert_eq!(s.snapshot().unwrap(), before);
    let v = s.person(id(1)).unwrap().unwrap();
    assert_eq!(v.name, "Ann Lee");
    assert_eq!(v.tags, ["sales"], "both devices' tags merge; the removed one stays removed");
}

fn children_may_arrive_before_parents(db: &mut TestDb) {
    let s = &mut db.store;
    let mut ops = two_device_ops();
    ops.reverse();
    for o in &ops {
        s.apply(std::slice::from_ref(o)).unwrap();
    }
    let v = s.person(id(1)).unwrap().unwrap();
    assert_eq!(v.name, "Ann Lee");
    assert_eq!(v.tags, ["sales"]);
    assert_eq!(v.tier.as_deref(), Some("B"));
}

fn deletion_is_a_tombstone(db: &mut TestDb) {
    let s = &mut db.store;
    let p = add_person(s, "Carol Diaz", "carol@x.example", "design");
    let mut cs = ChangeSet::new();
    cs.delete(Kind::Person, p, true);
    s.commit(cs, "test", NOW).unwrap();
    assert!(s.person(p).unwrap().is_none());
    assert!(s.people(&PersonFilter::default()).unwrap().is_empty());
    assert!(matches!(s.resolve_person("carol"), Err(Error::NotFound { .. })));
    assert!(s.search("carol", 10).unwrap().is_empty());
    // The history is still there, and undeleting is one more register write.
    assert!(!s.history(p).unwrap().is_empty());
    let mut cs = ChangeSet::new();
    cs.delete(Kind::Person, p, false);
    s.commit(cs, "test", NOW).unwrap();
    assert_eq!(s.person(p).unwrap().unwrap().name, "Carol Diaz");
}

fn search_finds_and_forgets(db: &mut TestDb) {
    let s = &mut db.store;
    let p = add_person(s, "Priya Raman", "priya@northwind.example", "design");
    let i = s.new_id(NOW);
    let pt = Id::derive(i, "participant", &p.to_string());
    let mut cs = ChangeSet::new();
    cs.set(Kind::Interaction, i, "kind", "lunch");
    cs.set(Kind::Interaction, i, "occurred_at", NOW as i64);
    cs.set(Kind::Interaction, i, "notes", "talked about the design system");
    cs.set(Kind::Participant, pt, "interaction", i.to_string());
    cs.set(Kind::Participant, pt, "person", p.to_string());
    s.commit(cs, "test", NOW).unwrap();

    let hits = s.search("design system", 10).unwrap();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!((hits[0].kind, hits[0].id), ("interaction", i));
    let hits = s.search("design", 10).unwrap();
    assert_eq!(hits.len(), 2);
    // A word start finds the word; punctuation is not query syntax.
    assert_eq!(s.search("northw", 10).unwrap()[0].id, p);
    assert!(s.search("\"; DROP TABLE ops; --", 10).unwrap().is_empty());
    // Editing re-indexes.
    let mut cs = ChangeSet::new();
    cs.set(Kind::Interaction, i, "notes", "budget talk");
    s.commit(cs, "test", NOW).unwrap();
    assert!(s.search("system", 10).unwrap().is_empty());
    assert_eq!(s.search("budget", 10).unwrap()[0].id, i);
    assert_eq!(s.interaction(i).unwrap().unwrap().people[0].id, p);

    // An email moved to another person (both live) is found on the new one only.
    let bo = add_person(s, "Bo Chen", "bo@acme.example", "art");
    let email = Id::derive(p, "email", "priya@northwind.example");
    assert!(s.person(p).unwrap().unwrap().emails.iter().any(|e| e.value == "priya@northwind.example"));
    let mut cs = ChangeSet::new();
    cs.set(Kind::PersonItem, email, "parent", bo.to_string());
    s.commit(cs, "test", NOW).unwrap();
    let found: Vec<Id> = s.search("northwind", 10).unwrap().into_iter().map(|h| h.id).collect();
    assert_eq!(found, [bo], "the person the email left no longer matches it");
}

fn agenda_queries(db: &mut TestDb) {
    let s = &mut db.store;
    let p = add_person(s, "Dana Ng", "dana@x.example", "ops");
    let mut cs = ChangeSet::new();
    cs.set(Kind::Person, p, "birthday", "--01-02");
    let (t1, t2, t3) = (id(101), id(102), id(103));
    for (t, title, due) in [(t1, "overdue", "2026-11-01"), (t2, "soon", "2026-11-27"), (t3, "later", "2027-03-01")] {
        cs.set(Kind::Task, t, "title", title);
        cs.set(Kind::Task, t, "status", "open");
        cs.set(Kind::Task, t, "due_date", due);
    }
    let e = id(201);
    cs.set(Kind::Event, e, "title", "DevForum");
    cs.set(Kind::Event, e, "start_at", 1_000_000i64);
    cs.set(Kind::Event, e, "end_at", 2_000_000i64);
    s.commit(cs, "test", NOW).unwrap();

    let due = s
        .tasks(&TaskFilter {
            status: Some("open".into()),
            due_before: Some(("2026-12-01".into(), 0)),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(due.iter().map(|t| t.title.as_str()).collect::<Vec<_>>(), ["overdue", "soon"]);
    assert_eq!(s.events(Some(1_500_000), Some(3_000_000)).unwrap().len(), 1, "an event still running overlaps");
    assert!(s.events(Some(2_000_001), None).unwrap().is_empty());
    // A window across the new year finds 2 January.
    assert_eq!(s.birthdays("12-28", "01-03").unwrap().len(), 1);
    assert!(s.birthdays("01-03", "12-31").unwrap().is_empty());
}

fn history_covers_children(db: &mut TestDb) {
    let s = &mut db.store;
    let p = add_person(s, "Eve Park", "eve@x.example", "design");
    let fields: Vec<String> =
        s.history(p).unwrap().into_iter().map(|h| format!("{}.{}", h.op.kind.name(), h.op.field)).collect();
    assert!(fields.contains(&"person.display_name".to_string()));
    assert!(fields.contains(&"person_item.value".to_string()));
    assert_eq!(fields.len(), 7);
    assert!(s.history(p).unwrap().iter().all(|h| h.op.actor == "test"));
}

/// An import writes one record op per record: the activity feed shows the same change as the
/// single-field ops would (the person added, with the email and tag it got), and counts the ops.
fn activity_reads_record_ops_as_their_fields(db: &mut TestDb) {
    use kith_store::activity::ActivityQuery;
    let s = &mut db.store;
    let p = s.new_id(NOW);
    let mut cs = ChangeSet::new();
    cs.set(Kind::Person, p, "display_name", "Rhea Imported");
    cs.set(Kind::Person, p, "tier", "B");
    for (kind, value) in [("email", "rhea@x.example"), ("tag", "design")] {
        let item = Id::derive(p, kind, value);
        cs.set(Kind::PersonItem, item, "parent", p.to_string());
        cs.set(Kind::PersonItem, item, "kind", kind);
        cs.set(Kind::PersonItem, item, "value", value);
    }
    let cs = cs.into_records();
    assert_eq!(cs.len(), 3, "one record op per record");
    s.commit(cs, "importer", NOW).unwrap();
    let page = s.activity(&ActivityQuery { project: None, before: None, limit: 5 }).unwrap();
    let entry = &page.items[0];
    assert_eq!((entry.actor.as_str(), entry.ops, entry.record_count), ("importer", 3, 1), "{entry:?}");
    let rec = &entry.records[0];
    assert_eq!((rec.kind, rec.id, rec.action), ("person", p, "added"), "{rec:?}");
    assert_eq!(rec.label.as_deref(), Some("Rhea Imported"));
    // A re-import that changes two fields: the feed names those fields, not the record op's `*`.
    let mut cs = ChangeSet::new();
    cs.set(Kind::Person, p, "tier", "A");
    cs.set(Kind::Person, p, "notes", "met again");
    s.commit(cs.into_records(), "importer", NOW + 1000).unwrap();
    let page = s.activity(&ActivityQuery { project: None, before: None, limit: 5 }).unwrap();
    let rec = &page.items[0].records[0];
    assert_eq!((rec.action, rec.fields.clone()), ("changed", vec!["notes".to_string(), "tier".to_string()]), "{rec:?}");
}

fn invalid_batch_writes_nothing(db: &mut TestDb) {
    let s = &mut db.store;
    let before = s.snapshot().unwrap();
    let good = op(1, 10, 1, Kind::Person, id(1), "display_name", json!("Ann"));
    let bad = op(2, 11, 1, Kind::Person, id(1), "cadence_days", json!("soon"));
    assert!(matches!(s.apply(&[good, bad]), Err(Error::InvalidOp { .. })));
    assert_eq!(s.snapshot().unwrap(), before);
    assert!(s.ops().unwrap().is_empty());
}

fn reopening_keeps_node_and_schema(db: &mut TestDb) {
    let node = db.store.node();
    add_person(&mut db.store, "Finn Olsen", "finn@x.example", "x");
    let mut again = Store::open(&db.location).unwrap();
    assert_eq!(again.node(), node);
    assert_eq!(again.people(&PersonFilter::default()).unwrap().len(), 1);
    assert!(matches!(db.location, Location::Sqlite(_) | Location::Postgres(_)));
}

/// `Store::optimize` leaves the planner no value samples: with them SQLite recompiles statements
/// on every run (see `Store::optimize`). Reads still answer the same afterwards.
fn optimize_keeps_no_value_samples(db: &mut TestDb) {
    let s = &mut db.store;
    for i in 0..30 {
        add_person(s, &format!("Person {i:02}"), &format!("p{i}@x.example"), if i % 3 == 0 { "design" } else { "ops" });
    }
    let before = s.people(&PersonFilter { tag: Some("design".into()), ..Default::default() }).unwrap();
    s.optimize().unwrap();
    assert!(!s.has_value_samples().unwrap());
    let after = s.people(&PersonFilter { tag: Some("design".into()), ..Default::default() }).unwrap();
    assert_eq!(before, after);
    assert_eq!(after.len(), 10);
}

/// Two writers of one record at once: the op with the later clock wins, as if they had come one
/// after the other. SQLite lets one writer in at a time. PostgreSQL reads committed rows only,
/// so the second writer must not fold its op before the first commits: its insert of the
/// record's row (`ON CONFLICT DO NOTHING`) waits for the first writer's change to that row.
fn concurrent_writers_keep_the_later_op(db: &mut TestDb) {
    let p = id(1);
    db.store.apply(&[op(1, 10, 1, Kind::Person, p, "display_name", json!("Ann"))]).unwrap();
    db.store.begin_bulk().unwrap();
    db.store.apply(&[op(2, 30, 1, Kind::Person, p, "notes", json!("later"))]).unwrap();
    let location = db.location.clone();
    let other = std::thread::spawn(move || {
        let mut s = Store::open(&location).unwrap();
        s.apply(&[op(3, 20, 2, Kind::Person, p, "notes", json!("earlier"))]).unwrap();
    });
    until_the_insert_waits(&db.location);
    db.store.end_bulk(true).unwrap();
    other.join().unwrap();
    assert_eq!(db.store.person(p).unwrap().unwrap().notes.as_deref(), Some("later"));
}

/// On PostgreSQL, return once another connection's write of a person (its insert, or its update
/// if it got past the insert) is waiting for a lock, or after 10 s: the first writer then commits
/// while the second is part-way through its write.
/// SQLite needs no wait: its writers never overlap (`BEGIN IMMEDIATE`), whenever the second
/// one starts.
fn until_the_insert_waits(location: &Location) {
    let Location::Postgres(url) = location else { return };
    let mut client = ::postgres::Client::connect(url, ::postgres::NoTls).unwrap();
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(10) {
        let waiting: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_stat_activity
                 WHERE wait_event_type = 'Lock' AND (query LIKE 'INSERT INTO people %' OR query LIKE 'UPDATE people %')",
                &[],
            )
            .unwrap()
            .get(0);
        if waiting > 0 {
            return;
        }
        std::thread::yield_now();
    }
}
