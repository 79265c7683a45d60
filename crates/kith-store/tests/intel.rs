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
    tie_graph_has_live_ties
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
