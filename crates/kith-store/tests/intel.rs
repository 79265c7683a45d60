//! The reads behind relationship intelligence, against both engines: contact statistics follow
//! every change to interactions and participants, in whatever order the operations arrive, and
//! the tie graph holds the live ties.

mod common;

use common::TestDb;
use jiff::Timestamp;
use kith_core::{ChangeSet, Id, Kind};
use kith_store::Store;

conformance!(
    contact_stats_follow_interactions,
    exchanges_follow_their_interaction,
    contact_stats_do_not_depend_on_op_order,
    tie_graph_has_live_ties,
    cached_contact_stats_follow_every_change,
    cached_exchange_totals_follow_every_change,
    cached_tie_graph_follows_every_change,
    caches_follow_changes_from_another_connection,
    caches_are_stored_and_invalidated_by_kind,
    a_read_does_not_wait_for_a_writer_to_store_its_cache,
    memo_contact_stats_follow_every_change,
    memo_exchange_totals_follow_every_change,
    memo_tie_graph_follows_every_change,
    memo_follows_changes_from_another_connection,
    name_index_rows_follow_items_roles_and_orgs,
    name_index_filters_page_like_the_tables,
    reconnect_picks_the_same_people_as_a_status_for_everyone
);

const NOW: u64 = 1_795_000_000_000;
const DAY: i64 = 86_400_000;

fn now() -> Timestamp {
    Timestamp::from_millisecond(NOW as i64).unwrap()
}

fn person(store: &mut Store, name: &str) -> Id {
    let p = store.new_id(NOW);
    let mut cs = ChangeSet::new();
    cs.set(Kind::Person, p, "display_name", name);
    store.commit(cs, "test", NOW).unwrap();
    p
}

fn meet(cs: &mut ChangeSet, interaction: Id, who: Id, days_ago: i64) {
    cs.set(Kind::Interaction, interaction, "kind", "call");
    cs.set(Kind::Interaction, interaction, "occurred_at", NOW as i64 - days_ago * DAY);
    let pt = Id::derive(interaction, "participant", &who.to_string());
    cs.set(Kind::Participant, pt, "interaction", interaction.to_string());
    cs.set(Kind::Participant, pt, "person", who.to_string());
}

fn stats(store: &mut Store, who: Id) -> (Option<i64>, u32, u32) {
    let s = store.contact_stats(Some(who), now()).unwrap().pop().unwrap();
    (s.last_contact.map(|t| (NOW as i64 - t.as_millisecond()) / DAY), s.interactions_365d, s.interactions_90d)
}

fn contact_stats_follow_interactions(db: &mut TestDb) {
    let s = &mut db.store;
    let ann = person(s, "Ann");
    assert_eq!(stats(s, ann), (None, 0, 0));
    let (a, b, c) = (s.new_id(NOW), s.new_id(NOW), s.new_id(NOW));
    let mut cs = ChangeSet::new();
    meet(&mut cs, a, ann, 200);
    meet(&mut cs, b, ann, 30);
    meet(&mut cs, c, ann, 400);
    s.commit(cs, "test", NOW).unwrap();
    assert_eq!(stats(s, ann), (Some(30), 2, 1));

    // Moving an interaction in time moves the last contact.
    let mut cs = ChangeSet::new();
    cs.set(Kind::Interaction, a, "occurred_at", NOW as i64 - 2 * DAY);
    s.commit(cs, "test", NOW).unwrap();
    assert_eq!(stats(s, ann), (Some(2), 2, 2));

    // Removing the interaction, or only Ann's part in it, takes it out.
    let mut cs = ChangeSet::new();
    cs.delete(Kind::Interaction, a, true);
    s.commit(cs, "test", NOW).unwrap();
    assert_eq!(stats(s, ann), (Some(30), 1, 1));
    let mut cs = ChangeSet::new();
    cs.delete(Kind::Participant, Id::derive(b, "participant", &ann.to_string()), true);
    s.commit(cs, "test", NOW).unwrap();
    assert_eq!(stats(s, ann), (Some(400), 0, 0));
    // And restoring it brings it back.
    let mut cs = ChangeSet::new();
    cs.delete(Kind::Interaction, a, false);
    s.commit(cs, "test", NOW).unwrap();
    assert_eq!(stats(s, ann), (Some(2), 1, 1));
}

fn exchanges_follow_their_interaction(db: &mut TestDb) {
    let s = &mut db.store;
    let ann = person(s, "Ann");
    let i = s.new_id(NOW);
    let mut cs = ChangeSet::new();
    meet(&mut cs, i, ann, 3);
    let e = s.new_id(NOW);
    cs.set(Kind::Exchange, e, "interaction", i.to_string());
    cs.set(Kind::Exchange, e, "person", ann.to_string());
    cs.set(Kind::Exchange, e, "direction", "gave");
    cs.set(Kind::Exchange, e, "kind", "intro");
    cs.set(Kind::Exchange, e, "what", "intro to Bob");
    cs.set(Kind::Exchange, e, "weight", 2);
    s.commit(cs, "test", NOW).unwrap();
    let totals = s.exchange_totals().unwrap();
    assert_eq!((totals[&ann].gave, totals[&ann].got), (2, 0));
    let facts = s.exchange_facts(Some(ann)).unwrap();
    assert_eq!(facts.len(), 1);
    assert_eq!(facts[0].at.as_millisecond(), NOW as i64 - 3 * DAY);
    assert_eq!(facts[0].what, "intro to Bob");

    // An exchange of a removed interaction no longer counts.
    let mut cs = ChangeSet::new();
    cs.delete(Kind::Interaction, i, true);
    s.commit(cs, "test", NOW).unwrap();
    assert!(s.exchange_totals().unwrap().is_empty());
    assert!(s.exchange_facts(None).unwrap().is_empty());
}

fn contact_stats_do_not_depend_on_op_order(db: &mut TestDb) {
    let s = &mut db.store;
    let ann = person(s, "Ann");
    let i = s.new_id(NOW);
    let mut cs = ChangeSet::new();
    meet(&mut cs, i, ann, 5);
    let mut clock = kith_core::Clock::resume(kith_core::Hlc::default());
    let mut n = 0u8;
    let mut random = || {
        n += 1;
        [n; 10]
    };
    let ops = cs.stamp(&mut kith_core::Stamper {
        clock: &mut clock,
        wall_ms: NOW,
        node: kith_core::NodeId(7),
        actor: "peer",
        random: &mut random,
    });
    // Children first, one op at a time, each twice.
    for op in ops.iter().rev() {
        s.apply(std::slice::from_ref(op)).unwrap();
        s.apply(std::slice::from_ref(op)).unwrap();
    }
    assert_eq!(stats(s, ann), (Some(5), 1, 1));
}

fn tie_graph_has_live_ties(db: &mut TestDb) {
    let s = &mut db.store;
    let (me, ann, bob) = (person(s, "Me"), person(s, "Ann"), person(s, "Bob"));
    let mut cs = ChangeSet::new();
    cs.set(Kind::Person, me, "is_me", true);
    for (k, (a, b, strength)) in [(me, ann, 4), (ann, bob, 2)].into_iter().enumerate() {
        let t = Id::derive(a, "tie", &k.to_string());
        cs.set(Kind::Tie, t, "a", a.to_string());
        cs.set(Kind::Tie, t, "b", b.to_string());
        cs.set(Kind::Tie, t, "strength", strength);
    }
    let i = s.new_id(NOW);
    meet(&mut cs, i, ann, 0);
    s.commit(cs, "test", NOW).unwrap();
    let g = s.tie_graph(Some(me), now()).unwrap();
    assert_eq!(g.graph.node_count(), 3);
    assert_eq!(g.graph.edge_count(), 2);
    let (m, a, b) = (g.node(me).unwrap(), g.node(ann).unwrap(), g.node(bob).unwrap());
    let e = g.graph.edge(m, a).unwrap();
    assert_eq!(e.strength, 4);
    assert!(e.recency > 0.99, "spoke to Ann today: {e:?}");
    assert_eq!(g.graph.edge(a, b).unwrap().recency, 0.0);
    let path = g.graph.fewest_hops(m, &[b], 6).unwrap();
    assert_eq!(path.nodes, vec![m, a, b]);

    // A removed person takes their ties out of the graph.
    let mut cs = ChangeSet::new();
    cs.delete(Kind::Person, bob, true);
    s.commit(cs, "test", NOW).unwrap();
    let g = s.tie_graph(Some(me), now()).unwrap();
    assert_eq!(g.graph.edge_count(), 1);
    assert!(g.node(bob).is_none());
}

// ---------------------------------------------------------------------------------------------
// The caches of whole-network reads (`derived`): every read after a change sees the change.

/// Ann's stats from the whole-network read (cached), checked against the one-person read (SQL).
fn all_stats(store: &mut Store, who: Id) -> (Option<i64>, u32, u32) {
    let all = store.contact_stats(None, now()).unwrap();
    let s = all.into_iter().find(|s| s.id == who).unwrap();
    let got =
        (s.last_contact.map(|t| (NOW as i64 - t.as_millisecond()) / DAY), s.interactions_365d, s.interactions_90d);
    assert_eq!(got, stats(store, who), "cached and uncached stats differ");
    let last = store.last_contacts(now()).unwrap().into_iter().find(|s| s.id == who).unwrap();
    assert_eq!(last.last_contact.map(|t| (NOW as i64 - t.as_millisecond()) / DAY), got.0);
    got
}

fn cached_contact_stats_follow_every_change(db: &mut TestDb) {
    let s = &mut db.store;
    let ann = person(s, "Ann");
    assert_eq!(all_stats(s, ann), (None, 0, 0));
    assert_eq!(all_stats(s, ann), (None, 0, 0));
    let (a, b, c) = (s.new_id(NOW), s.new_id(NOW), s.new_id(NOW));
    let mut cs = ChangeSet::new();
    meet(&mut cs, a, ann, 200);
    meet(&mut cs, b, ann, 30);
    meet(&mut cs, c, ann, 400);
    s.commit(cs, "test", NOW).unwrap();
    assert_eq!(all_stats(s, ann), (Some(30), 2, 1));
    assert_eq!(all_stats(s, ann), (Some(30), 2, 1));

    // A new person is in the list at once; one with no name is not.
    let bob = person(s, "Bob");
    assert_eq!(all_stats(s, bob), (None, 0, 0));

    let mut cs = ChangeSet::new();
    cs.set(Kind::Interaction, a, "occurred_at", NOW as i64 - 2 * DAY);
    s.commit(cs, "test", NOW).unwrap();
    assert_eq!(all_stats(s, ann), (Some(2), 2, 2));
    let mut cs = ChangeSet::new();
    cs.delete(Kind::Interaction, a, true);
    s.commit(cs, "test", NOW).unwrap();
    assert_eq!(all_stats(s, ann), (Some(30), 1, 1));
    let mut cs = ChangeSet::new();
    cs.delete(Kind::Participant, Id::derive(b, "participant", &ann.to_string()), true);
    s.commit(cs, "test", NOW).unwrap();
    assert_eq!(all_stats(s, ann), (Some(400), 0, 0));
    let mut cs = ChangeSet::new();
    cs.delete(Kind::Interaction, a, false);
    s.commit(cs, "test", NOW).unwrap();
    assert_eq!(all_stats(s, ann), (Some(2), 1, 1));

    // A renamed person shows the new name; a removed one is gone.
    let mut cs = ChangeSet::new();
    cs.set(Kind::Person, ann, "display_name", "Ann B");
    s.commit(cs, "test", NOW).unwrap();
    assert!(s.contact_stats(None, now()).unwrap().iter().any(|c| c.id == ann && c.name == "Ann B"));
    let mut cs = ChangeSet::new();
    cs.delete(Kind::Person, ann, true);
    s.commit(cs, "test", NOW).unwrap();
    assert!(s.contact_stats(None, now()).unwrap().iter().all(|c| c.id != ann));
}

fn exchange(cs: &mut ChangeSet, e: Id, interaction: Id, who: Id, direction: &str, weight: i64) {
    cs.set(Kind::Exchange, e, "interaction", interaction.to_string());
    cs.set(Kind::Exchange, e, "person", who.to_string());
    cs.set(Kind::Exchange, e, "direction", direction);
    cs.set(Kind::Exchange, e, "kind", "intro");
    cs.set(Kind::Exchange, e, "weight", weight);
}

fn cached_exchange_totals_follow_every_change(db: &mut TestDb) {
    let s = &mut db.store;
    let ann = person(s, "Ann");
    assert!(s.exchange_totals().unwrap().is_empty());
    let i = s.new_id(NOW);
    let (e1, e2) = (s.new_id(NOW), s.new_id(NOW));
    let mut cs = ChangeSet::new();
    meet(&mut cs, i, ann, 3);
    exchange(&mut cs, e1, i, ann, "gave", 2);
    s.commit(cs, "test", NOW).unwrap();
    let t = s.exchange_totals().unwrap()[&ann];
    assert_eq!((t.gave, t.got), (2, 0));
    assert_eq!(s.exchange_totals().unwrap()[&ann], t);

    let mut cs = ChangeSet::new();
    exchange(&mut cs, e2, i, ann, "got", 0);
    s.commit(cs, "test", NOW).unwrap();
    let t = s.exchange_totals().unwrap()[&ann];
    assert_eq!((t.gave, t.got), (2, 1));

    let mut cs = ChangeSet::new();
    cs.set(Kind::Exchange, e1, "weight", 5);
    s.commit(cs, "test", NOW).unwrap();
    assert_eq!(s.exchange_totals().unwrap()[&ann].gave, 5);

    // Removing the interaction takes its exchanges out.
    let mut cs = ChangeSet::new();
    cs.delete(Kind::Interaction, i, true);
    s.commit(cs, "test", NOW).unwrap();
    assert!(s.exchange_totals().unwrap().is_empty());
}

fn tie(cs: &mut ChangeSet, a: Id, b: Id, strength: i64) -> Id {
    let t = Id::derive(a, "tie", &b.to_string());
    cs.set(Kind::Tie, t, "a", a.to_string());
    cs.set(Kind::Tie, t, "b", b.to_string());
    cs.set(Kind::Tie, t, "strength", strength);
    t
}

fn cached_tie_graph_follows_every_change(db: &mut TestDb) {
    let s = &mut db.store;
    let (me, ann, bob) = (person(s, "Me"), person(s, "Ann"), person(s, "Bob"));
    let mut cs = ChangeSet::new();
    cs.set(Kind::Person, me, "is_me", true);
    tie(&mut cs, me, ann, 4);
    s.commit(cs, "test", NOW).unwrap();
    for _ in 0..2 {
        let g = s.tie_graph(Some(me), now()).unwrap();
        assert_eq!((g.graph.node_count(), g.graph.edge_count()), (3, 1));
        assert_eq!(g.graph.edge(g.node(me).unwrap(), g.node(ann).unwrap()).unwrap().recency, 0.0);
    }

    // A new tie, a new strength.
    let mut cs = ChangeSet::new();
    let t = tie(&mut cs, ann, bob, 2);
    s.commit(cs, "test", NOW).unwrap();
    let g = s.tie_graph(Some(me), now()).unwrap();
    assert_eq!(g.graph.edge_count(), 2);
    assert_eq!(g.graph.edge(g.node(ann).unwrap(), g.node(bob).unwrap()).unwrap().strength, 2);
    let mut cs = ChangeSet::new();
    cs.set(Kind::Tie, t, "strength", 5);
    s.commit(cs, "test", NOW).unwrap();
    let g = s.tie_graph(Some(me), now()).unwrap();
    assert_eq!(g.graph.edge(g.node(ann).unwrap(), g.node(bob).unwrap()).unwrap().strength, 5);

    // Recency of my ties is read fresh: talking to Ann warms my tie with her.
    let i = s.new_id(NOW);
    let mut cs = ChangeSet::new();
    meet(&mut cs, i, ann, 0);
    s.commit(cs, "test", NOW).unwrap();
    let g = s.tie_graph(Some(me), now()).unwrap();
    assert!(g.graph.edge(g.node(me).unwrap(), g.node(ann).unwrap()).unwrap().recency > 0.99);

    // A new person is a node; a removed tie or person is gone.
    let cy = person(s, "Cy");
    let g = s.tie_graph(Some(me), now()).unwrap();
    assert_eq!(g.graph.node_count(), 4);
    assert!(g.node(cy).is_some());
    let mut cs = ChangeSet::new();
    cs.delete(Kind::Tie, t, true);
    s.commit(cs, "test", NOW).unwrap();
    assert_eq!(s.tie_graph(Some(me), now()).unwrap().graph.edge_count(), 1);
    let mut cs = ChangeSet::new();
    cs.delete(Kind::Person, ann, true);
    s.commit(cs, "test", NOW).unwrap();
    let g = s.tie_graph(Some(me), now()).unwrap();
    assert_eq!((g.graph.node_count(), g.graph.edge_count()), (3, 0));
    assert!(g.node(ann).is_none());
}

/// A change by another process (another connection) is seen by a store that has already
/// cached its reads, and ops from a peer applied children first invalidate too.
fn caches_follow_changes_from_another_connection(db: &mut TestDb) {
    let ann = person(&mut db.store, "Ann");
    let bob = person(&mut db.store, "Bob");
    assert_eq!(db.store.tie_graph(None, now()).unwrap().graph.edge_count(), 0);
    assert_eq!(all_stats(&mut db.store, ann), (None, 0, 0));
    assert!(db.store.exchange_totals().unwrap().is_empty());

    let mut other = Store::open(&db.location).unwrap();
    let i = other.new_id(NOW);
    let mut cs = ChangeSet::new();
    tie(&mut cs, ann, bob, 3);
    meet(&mut cs, i, ann, 10);
    exchange(&mut cs, other.new_id(NOW), i, ann, "got", 1);
    other.commit(cs, "test", NOW).unwrap();
    drop(other);
    assert_eq!(db.store.tie_graph(None, now()).unwrap().graph.edge_count(), 1);
    assert_eq!(all_stats(&mut db.store, ann), (Some(10), 1, 1));
    assert_eq!(db.store.exchange_totals().unwrap()[&ann].got, 1);

    // A peer's ops, applied one at a time children first.
    let cy = person(&mut db.store, "Cy");
    let j = db.store.new_id(NOW);
    let mut cs = ChangeSet::new();
    meet(&mut cs, j, bob, 1);
    tie(&mut cs, bob, cy, 5);
    let mut clock = kith_core::Clock::resume(kith_core::Hlc::default());
    let mut n = 0u8;
    let mut random = || {
        n += 1;
        [n; 10]
    };
    let ops = cs.stamp(&mut kith_core::Stamper {
        clock: &mut clock,
        wall_ms: NOW,
        node: kith_core::NodeId(7),
        actor: "peer",
        random: &mut random,
    });
    for op in ops.iter().rev() {
        db.store.apply(std::slice::from_ref(op)).unwrap();
        assert_eq!(
            all_stats(&mut db.store, bob).0.is_some(),
            db.store.contact_stats(Some(bob), now()).unwrap()[0].last_contact.is_some()
        );
        db.store.tie_graph(None, now()).unwrap();
    }
    assert_eq!(all_stats(&mut db.store, bob), (Some(1), 1, 1));
    assert_eq!(db.store.tie_graph(None, now()).unwrap().graph.edge_count(), 2);
}

fn caches_are_stored_and_invalidated_by_kind(db: &mut TestDb) {
    let s = &mut db.store;
    let ann = person(s, "Ann");
    s.tie_graph(None, now()).unwrap();
    s.contact_stats(None, now()).unwrap();
    s.exchange_totals().unwrap();
    let current = |s: &mut Store| -> Vec<(String, bool)> { s.cache_status().unwrap() };
    let keys: Vec<String> = current(s).into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["contacts.v1", "exchanges.v1", "graph.v1", "people.v1"]);
    assert!(current(s).iter().all(|(_, ok)| *ok));
    // A task changes none of them.
    let mut cs = ChangeSet::new();
    let t = s.new_id(NOW);
    cs.set(Kind::Task, t, "title", "call Ann");
    s.commit(cs, "test", NOW).unwrap();
    assert!(current(s).iter().all(|(_, ok)| *ok));
    // A participant changes the contact times only; an interaction also the exchanges.
    let i = s.new_id(NOW);
    let mut cs = ChangeSet::new();
    let pt = Id::derive(i, "participant", &ann.to_string());
    cs.set(Kind::Participant, pt, "person", ann.to_string());
    s.commit(cs, "test", NOW).unwrap();
    assert_eq!(current(s).iter().map(|(_, ok)| *ok).collect::<Vec<_>>(), [false, true, true, true]);
    let mut cs = ChangeSet::new();
    meet(&mut cs, i, ann, 1);
    s.commit(cs, "test", NOW).unwrap();
    assert_eq!(current(s).iter().map(|(_, ok)| *ok).collect::<Vec<_>>(), [false, false, true, true]);
    // A person changes the people and the graph.
    person(s, "Bob");
    assert!(current(s).iter().all(|(_, ok)| !*ok));
    s.tie_graph(None, now()).unwrap();
    s.contact_stats(None, now()).unwrap();
    s.exchange_totals().unwrap();
    assert!(current(s).iter().all(|(_, ok)| *ok));
}

/// Storing a cache is skipped, not waited for, while another connection holds the write lock
/// (an import): the read answers at once, from the tables.
fn a_read_does_not_wait_for_a_writer_to_store_its_cache(db: &mut TestDb) {
    let (ann, bob) = (person(&mut db.store, "Ann"), person(&mut db.store, "Bob"));
    let mut writer = Store::open(&db.location).unwrap();
    writer.begin_bulk().unwrap();
    let mut cs = ChangeSet::new();
    tie(&mut cs, ann, bob, 3);
    writer.commit(cs, "test", NOW).unwrap();
    let started = std::time::Instant::now();
    let g = db.store.tie_graph(None, now()).unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(3), "waited {:?}", started.elapsed());
    assert_eq!((g.graph.node_count(), g.graph.edge_count()), (2, 0), "the import is not committed yet");
    writer.end_bulk(true).unwrap();
    assert_eq!(db.store.tie_graph(None, now()).unwrap().graph.edge_count(), 1);
}

// The same behaviour with the decoded reads kept in memory, as the server keeps them
// (`Store::share_memo`): every change, by this store or another connection, is seen.

fn with_memo(db: &mut TestDb) {
    db.store.share_memo(std::sync::Arc::new(kith_store::Memo::new()));
}

fn memo_contact_stats_follow_every_change(db: &mut TestDb) {
    with_memo(db);
    cached_contact_stats_follow_every_change(db);
}

fn memo_exchange_totals_follow_every_change(db: &mut TestDb) {
    with_memo(db);
    cached_exchange_totals_follow_every_change(db);
}

fn memo_tie_graph_follows_every_change(db: &mut TestDb) {
    with_memo(db);
    cached_tie_graph_follows_every_change(db);
}

fn memo_follows_changes_from_another_connection(db: &mut TestDb) {
    with_memo(db);
    caches_follow_changes_from_another_connection(db);
    // Two stores sharing one memo (a server's pool): a write through either is seen by both.
    let memo = std::sync::Arc::new(kith_store::Memo::new());
    db.store.share_memo(memo.clone());
    let mut other = Store::open(&db.location).unwrap();
    other.share_memo(memo);
    let (dee, eve) = (person(&mut db.store, "Dee"), person(&mut db.store, "Eve"));
    let before = db.store.tie_graph(None, now()).unwrap().graph.edge_count();
    assert_eq!(other.tie_graph(None, now()).unwrap().graph.edge_count(), before);
    let mut cs = ChangeSet::new();
    tie(&mut cs, dee, eve, 2);
    let i = other.new_id(NOW);
    meet(&mut cs, i, eve, 3);
    other.commit(cs, "test", NOW).unwrap();
    assert_eq!(db.store.tie_graph(None, now()).unwrap().graph.edge_count(), before + 1);
    assert_eq!(all_stats(&mut db.store, eve), (Some(3), 1, 1));
    assert_eq!(all_stats(&mut other, eve), (Some(3), 1, 1));
}

/// The name index's list rows follow a person's emails and tags, their roles and the names of
/// their organizations, whoever writes them, like `people_rows`.
fn name_index_rows_follow_items_roles_and_orgs(db: &mut TestDb) {
    let ann = person(&mut db.store, "Ann Lee");
    let row = |s: &mut Store| {
        let ix = s.name_index().unwrap();
        let rows = ix.rows(&ix.find("ann", None, 10));
        assert_eq!(rows, s.people_rows(&[ann]).unwrap(), "the index and the tables agree");
        rows.into_iter().next().unwrap()
    };
    assert_eq!((row(&mut db.store).email, row(&mut db.store).tags.len()), (None, 0));
    let mut other = Store::open(&db.location).unwrap();
    let org = other.new_id(NOW);
    let mut cs = ChangeSet::new();
    cs.set(Kind::Org, org, "name", "Northwind");
    let role = other.new_id(NOW);
    cs.set(Kind::Role, role, "person", ann.to_string());
    cs.set(Kind::Role, role, "org", org.to_string());
    cs.set(Kind::Role, role, "title", "CTO");
    for (kind, value) in [("email", "ann@example.com"), ("tag", "design"), ("tag", "art")] {
        let it = Id::derive(ann, kind, value);
        cs.set(Kind::PersonItem, it, "parent", ann.to_string());
        cs.set(Kind::PersonItem, it, "kind", kind);
        cs.set(Kind::PersonItem, it, "value", value);
    }
    other.commit(cs, "test", NOW).unwrap();
    let r = row(&mut db.store);
    assert_eq!(
        (r.org.as_deref(), r.title.as_deref(), r.email.as_deref()),
        (Some("Northwind"), Some("CTO"), Some("ann@example.com"))
    );
    assert_eq!(r.tags, ["art", "design"]);
    // Renaming the organization changes the row too.
    let mut cs = ChangeSet::new();
    cs.set(Kind::Org, org, "name", "Northwind Labs");
    other.commit(cs, "test", NOW).unwrap();
    assert_eq!(row(&mut db.store).org.as_deref(), Some("Northwind Labs"));
    // A deleted person leaves the index.
    let mut cs = ChangeSet::new();
    cs.delete(Kind::Person, ann, true);
    other.commit(cs, "test", NOW).unwrap();
    let ix = db.store.name_index().unwrap();
    assert!(ix.find("ann", None, 10).is_empty() && ix.rows(&[ann]).is_empty());
}

/// `reports::reconnect` gives a full status only to the few people per cadence and tier who can
/// make the list: its list is the one `cadence::reconnect` makes from everyone, ties included.
fn reconnect_picks_the_same_people_as_a_status_for_everyone(db: &mut TestDb) {
    use kith_core::intel::Settings;
    use kith_core::intel::cadence::{self, Contact};
    let s = &mut db.store;
    let mut cs = ChangeSet::new();
    let tiers = [None, Some("A"), Some("B"), Some("C"), Some("D")];
    let types = [None, Some("personal"), Some("strategic")];
    for n in 0..150i64 {
        // Ids from several "first seen" times, some equal, so anchors tie.
        let p = s.new_id(NOW - (n as u64 % 7) * 40 * DAY as u64);
        cs.set(Kind::Person, p, "display_name", format!("P{n}"));
        if let Some(t) = tiers[(n % 5) as usize] {
            cs.set(Kind::Person, p, "tier", t);
        }
        if let Some(t) = types[(n % 3) as usize] {
            cs.set(Kind::Person, p, "net_type", t);
        }
        if n % 11 == 0 {
            cs.set(Kind::Person, p, "cadence_days", 10 + n % 3);
        }
        if n % 4 != 0 {
            let i = s.new_id(NOW);
            meet(&mut cs, i, p, (n * 7) % 200);
        }
    }
    // Contacted minutes apart, the later the smaller the id: the same rounded urgency, so
    // the list takes them by id, not by time.
    for n in 0..30i64 {
        let p = s.new_id(NOW - 400 * DAY as u64);
        cs.set(Kind::Person, p, "display_name", format!("Q{n}"));
        cs.set(Kind::Person, p, "tier", "A");
        cs.set(Kind::Person, p, "cadence_days", 7);
        let i = s.new_id(NOW);
        meet(&mut cs, i, p, 100);
        cs.set(Kind::Interaction, i, "occurred_at", NOW as i64 - 100 * DAY - n * 60_000);
    }
    s.commit(cs, "test", NOW).unwrap();
    let cfg = Settings::default();
    let everyone: Vec<Contact> = s
        .last_contacts(now())
        .unwrap()
        .into_iter()
        .filter(|c| !c.is_me)
        .map(|st| {
            let mut c = Contact::new(st.id, st.name, st.created_at.unwrap_or(now()));
            c.tier = st.tier.as_deref().and_then(|t| t.parse().ok());
            c.net_type = st.net_type.as_deref().and_then(|t| t.parse().ok());
            c.cadence_days = st.cadence_days.map(|d| d as u32);
            c.last_contact = st.last_contact;
            c
        })
        .collect();
    for limit in [0, 1, 3, 10, 40, 200] {
        let want: Vec<Id> = cadence::reconnect(&everyone, &cfg, now(), limit).into_iter().map(|c| c.id).collect();
        let got: Vec<Id> =
            kith_store::reports::reconnect(s, &cfg, now(), limit).unwrap().into_iter().map(|c| c.id).collect();
        assert_eq!(got, want, "limit {limit}");
    }
}

/// The server answers `GET /api/v1/people?tag=…&tier=…&type=…&q=…` from the name index: its
/// pages, cursor after cursor, hold the same people in the same order as `people_after` reads
/// from the tables (a deleted person and a deleted tag left out, equal names ordered by id).
fn name_index_filters_page_like_the_tables(db: &mut TestDb) {
    use kith_store::{Hidden, ListFilter, PersonFilter};
    let s = &mut db.store;
    let mut cs = ChangeSet::new();
    let mut gone = Vec::new();
    for n in 0..60u32 {
        let p = s.new_id(NOW);
        // Some names repeat: their order is by id.
        cs.set(Kind::Person, p, "display_name", format!("Person {:02}", n % 45));
        cs.set(Kind::Person, p, "tier", ["A", "B", "C"][n as usize % 3]);
        if n % 4 == 0 {
            cs.set(Kind::Person, p, "net_type", "strategic");
        }
        for (tag, every) in [("design", 2), ("rare", 17), ("art", 5)] {
            if n % every == 0 {
                let it = Id::derive(p, "tag", tag);
                cs.set(Kind::PersonItem, it, "parent", p.to_string());
                cs.set(Kind::PersonItem, it, "kind", "tag");
                cs.set(Kind::PersonItem, it, "value", tag);
                if tag == "art" && n % 10 == 0 {
                    gone.push((Kind::PersonItem, it));
                }
            }
        }
        if n % 13 == 0 {
            gone.push((Kind::Person, p));
        }
    }
    s.commit(cs, "test", NOW).unwrap();
    let mut cs = ChangeSet::new();
    for (kind, id) in gone {
        cs.delete(kind, id, true);
    }
    s.commit(cs, "test", NOW).unwrap();
    let ix = s.name_index().unwrap();
    // (name fragment, tag, tier, type)
    type Case = (Option<&'static str>, Option<&'static str>, Option<&'static str>, Option<&'static str>);
    let cases: [Case; 7] = [
        (None, None, None, None),
        (None, Some("design"), None, None),
        (None, Some("rare"), None, None),
        (None, Some("art"), Some("B"), None),
        (None, None, Some("A"), Some("strategic")),
        (Some("son 1"), Some("design"), None, None),
        (None, Some("nobody has it"), None, None),
    ];
    for (name, tag, tier, net_type) in cases {
        let (mut from_tables, mut from_index) = (Vec::new(), Vec::new());
        for (out, tables) in [(&mut from_tables, true), (&mut from_index, false)] {
            let mut after: Option<(String, Id)> = None;
            loop {
                let cursor = after.as_ref().map(|(n, id)| (n.as_str(), *id));
                let page = if tables {
                    let f = PersonFilter {
                        tag: tag.map(str::to_string),
                        tier: tier.map(str::to_string),
                        net_type: net_type.map(str::to_string),
                        name: name.map(str::to_string),
                        org: None,
                        limit: Some(7),
                    };
                    s.people_after(&f, cursor).unwrap()
                } else {
                    let f = ListFilter { tag, tier, net_type };
                    ix.rows(&ix.find_filtered(name, &f, cursor, 7, &Hidden::none()))
                };
                let last = page.last().map(|p| (p.name.clone(), p.id));
                out.extend(page);
                if last.is_none() {
                    break;
                }
                after = last;
            }
        }
        assert_eq!(from_index, from_tables, "name {name:?} tag {tag:?} tier {tier:?} type {net_type:?}");
        if tag == Some("design") && name.is_none() {
            assert_eq!(from_index.len(), 27, "30 with the tag, 3 of them deleted");
        }
    }
}
