//! Private notes (issue 5, part 3), against both engines: an interaction private to one user
//! is hidden from everyone else with its exchanges (`Store::hidden_for`, the scoped reads, the
//! backup), and a shared person's contact statistics, warmth inputs and exchange sums seen by
//! another user leave out the interactions hidden from them, while the owner (and the unscoped
//! CLI) count everything.

mod common;

use std::sync::Arc;

use common::TestDb;
use jiff::Timestamp;
use kith_core::intel::Settings;
use kith_core::{ChangeSet, Id, Kind};
use kith_store::activity::ActivityQuery;
use kith_store::reports::{self, PeopleOrder};
use kith_store::{Hidden, Store};

conformance!(
    hidden_for_hides_private_notes_and_their_exchanges,
    a_note_made_private_or_shared_moves_the_privacy_version,
    stats_leave_out_notes_hidden_from_the_viewer,
    stats_leave_out_notes_hidden_from_the_viewer_with_a_memo,
    stats_leave_out_notes_with_a_private_person,
    scoped_entries_of_the_memo_are_bounded,
    the_recency_of_my_ties_leaves_out_notes_hidden_from_me,
    a_follow_up_of_a_hidden_note_is_hidden_with_it
);

const NOW: u64 = 1_795_000_000_000;
const DAY: i64 = 86_400_000;

/// A commit time of its own for each change (the activity feed tells change sets apart by it).
fn at() -> u64 {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    NOW + 1000 * N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

fn now() -> Timestamp {
    Timestamp::from_millisecond(NOW as i64).unwrap()
}

fn person(store: &mut Store, name: &str, private_to: Option<Id>) -> Id {
    let p = store.new_id(NOW);
    let mut cs = ChangeSet::new();
    cs.set(Kind::Person, p, "display_name", name);
    cs.set(Kind::Person, p, "tier", "A");
    if private_to.is_some() {
        kith_store::privacy::set_private(&mut cs, p, private_to);
    }
    store.commit(cs, "test", at()).unwrap();
    p
}

/// Log a call `days_ago` with `people`, a "gave" exchange of `weight` with the first, and the
/// word `text` in its summary; private to `owner` when given.
fn note(store: &mut Store, people: &[Id], days_ago: i64, weight: i64, text: &str, owner: Option<Id>) -> Id {
    let i = store.new_id(NOW);
    let mut cs = ChangeSet::new();
    cs.set(Kind::Interaction, i, "kind", "call");
    cs.set(Kind::Interaction, i, "occurred_at", NOW as i64 - days_ago * DAY);
    cs.set(Kind::Interaction, i, "summary", text);
    for p in people {
        let pt = Id::derive(i, "participant", &p.to_string());
        cs.set(Kind::Participant, pt, "interaction", i.to_string());
        cs.set(Kind::Participant, pt, "person", p.to_string());
    }
    let e = store.new_id(NOW);
    kith_store::edit::add_exchange(&mut cs, e, i, "gave", &format!("advice: {text}"), weight, people[0]).unwrap();
    if owner.is_some() {
        kith_store::privacy::set_interaction_private(&mut cs, i, owner);
    }
    store.commit(cs, "test", at()).unwrap();
    i
}

fn scope(store: &mut Store, user: Option<Id>) {
    let h = match user {
        Some(u) => store.hidden_for(u).unwrap(),
        None => Hidden::none(),
    };
    store.set_scope(Arc::new(h));
}

/// (days since the last contact, interactions in 365 days, in 90 days) of `who`, from the one
/// person read, the whole-network read and the last-contacts read: all three must agree.
fn stats(store: &mut Store, who: Id) -> (Option<i64>, u32, u32) {
    let days = |t: Option<Timestamp>| t.map(|t| (NOW as i64 - t.as_millisecond()) / DAY);
    let one = store.contact_stats(Some(who), now()).unwrap().pop().unwrap();
    let all = store.contact_stats(None, now()).unwrap().into_iter().find(|s| s.id == who).unwrap();
    let last = store.last_contacts(now()).unwrap().into_iter().find(|s| s.id == who).unwrap();
    assert_eq!(one, all, "one person's statistics and everyone's agree");
    assert_eq!(days(last.last_contact), days(one.last_contact), "the last-contacts read agrees");
    (days(one.last_contact), one.interactions_365d, one.interactions_90d)
}

fn gave(store: &mut Store, who: Id) -> u32 {
    store.exchange_totals().unwrap().get(&who).map_or(0, |t| t.gave)
}

/// Days overdue of `who` in the people list sorted by overdue (the shared last-contact list).
fn overdue(store: &mut Store, who: Id) -> f64 {
    let cfg = Settings::default();
    let list = reports::people_by(store, &cfg, now(), PeopleOrder::Overdue, None).unwrap();
    list.into_iter().find(|(id, _)| *id == who).unwrap().1
}

/// (warmth on the person page, warmth in the people list sorted by it, rank's score).
fn warmth(store: &mut Store, who: Id) -> (u8, f64, f64) {
    let cfg = Settings::default();
    let p = store.person(who).unwrap().unwrap();
    let w = store.person_warmth(&p, &cfg, now()).unwrap().unwrap();
    let listed = reports::people_by(store, &cfg, now(), PeopleOrder::Warmth, None).unwrap();
    let ranked = reports::rank(store, &cfg, now(), 100).unwrap();
    let in_list = listed.into_iter().find(|(id, _)| *id == who).unwrap().1;
    let in_rank = ranked.into_iter().find(|r| r.id == who).unwrap().score;
    (w.score, in_list, in_rank)
}

fn hidden_for_hides_private_notes_and_their_exchanges(db: &mut TestDb) {
    let (ann, bob) = (Id::v7(NOW, [1; 10]), Id::v7(NOW, [2; 10]));
    let s = &mut db.store;
    let pat = person(s, "Pat Shared", None);
    let shared = note(s, &[pat], 30, 1, "openword", None);
    let private = note(s, &[pat], 2, 2, "zyxwnote", Some(ann));

    let h = s.hidden_for(bob).unwrap();
    assert!(h.interaction(private) && !h.interaction(shared), "{h:?}");
    assert!(!h.person(pat) && h.people_count() == 0);
    assert!(!h.is_empty(), "a hidden note alone is something hidden");
    assert_eq!(h.interaction_count(), 1);
    let mine = s.hidden_for(ann).unwrap();
    assert!(mine.is_empty(), "nothing is hidden from the note's owner: {mine:?}");

    // Bob's reads: the note and its exchange do not exist.
    scope(s, Some(bob));
    let ids = |v: Vec<kith_store::InteractionView>| v.into_iter().map(|i| i.id).collect::<Vec<_>>();
    assert_eq!(ids(s.interactions(Some(pat), 50).unwrap()), vec![shared]);
    assert_eq!(ids(s.interactions(None, 1).unwrap()), vec![shared], "a page is not shortened by the hidden note");
    assert_eq!(s.interaction(private).unwrap(), None);
    assert_eq!(ids(s.person(pat).unwrap().unwrap().interactions), vec![shared]);
    assert!(s.search("zyxwnote", 10).unwrap().is_empty());
    assert!(!s.search("openword", 10).unwrap().is_empty());
    let facts = s.exchange_facts(Some(pat)).unwrap();
    assert_eq!(facts.iter().map(|f| f.what.as_str()).collect::<Vec<_>>(), vec!["openword"]);
    let feed = s.activity(&ActivityQuery { limit: 50, ..Default::default() }).unwrap();
    assert!(!feed.items.is_empty());
    for e in &feed.items {
        assert!(!e.summary.contains("zyxwnote") && !e.records.iter().any(|r| r.id == private), "{e:?}");
    }
    let mut backup = Vec::new();
    kith_store::export::backup(s, &mut backup).unwrap();
    let backup = String::from_utf8(backup).unwrap();
    assert!(!backup.contains("zyxwnote") && !backup.contains(&private.to_string()), "{backup}");
    assert!(backup.contains("openword"));
    let header: serde_json::Value = serde_json::from_str(backup.lines().next().unwrap()).unwrap();
    assert_eq!(header["ops"].as_u64().unwrap() as usize, backup.lines().count() - 1, "the count is what follows");

    // Ann's: all of it, the note marked as hers.
    scope(s, Some(ann));
    let v = s.interaction(private).unwrap().expect("the owner sees her note");
    assert_eq!(v.private_to, Some(ann));
    assert_eq!(v.exchanges.len(), 1);
    assert_eq!(s.interaction(shared).unwrap().unwrap().private_to, None);
    assert_eq!(ids(s.interactions(Some(pat), 50).unwrap()), vec![private, shared]);
    assert_eq!(s.search("zyxwnote", 10).unwrap().len(), 1);
    let mut backup = Vec::new();
    kith_store::export::backup(s, &mut backup).unwrap();
    assert!(String::from_utf8(backup).unwrap().contains("zyxwnote"));
    let feed = s.activity(&ActivityQuery { limit: 50, ..Default::default() }).unwrap();
    assert!(feed.items.iter().any(|e| e.records.iter().any(|r| r.id == private)), "{feed:?}");
}

fn a_note_made_private_or_shared_moves_the_privacy_version(db: &mut TestDb) {
    let (ann, bob) = (Id::v7(NOW, [1; 10]), Id::v7(NOW, [2; 10]));
    let s = &mut db.store;
    let pat = person(s, "Pat Shared", None);
    let i = note(s, &[pat], 3, 1, "later private", None);
    assert!(s.hidden_for(bob).unwrap().is_empty());
    let v0 = s.privacy_version().unwrap().unwrap();
    let mut cs = ChangeSet::new();
    kith_store::privacy::set_interaction_private(&mut cs, i, Some(ann));
    s.commit(cs, "test", at()).unwrap();
    let v1 = s.privacy_version().unwrap().unwrap();
    assert!(v1 > v0, "making a note private moves the version the hidden sets are kept by");
    assert!(s.hidden_for(bob).unwrap().interaction(i));
    let mut cs = ChangeSet::new();
    kith_store::privacy::set_interaction_private(&mut cs, i, None);
    s.commit(cs, "test", at()).unwrap();
    assert!(s.privacy_version().unwrap().unwrap() > v1);
    assert!(s.hidden_for(bob).unwrap().is_empty());
    // A removed private note hides nothing more.
    let j = note(s, &[pat], 1, 1, "gone", Some(ann));
    assert!(s.hidden_for(bob).unwrap().interaction(j));
    let mut cs = ChangeSet::new();
    cs.delete(Kind::Interaction, j, true);
    s.commit(cs, "test", at()).unwrap();
    assert!(s.hidden_for(bob).unwrap().is_empty());
}

/// What one user sees of a person's numbers.
#[derive(Debug, Clone, PartialEq)]
struct Figures {
    /// (days since the last contact, interactions in 365 days, in 90 days).
    stats: (Option<i64>, u32, u32),
    gave: u32,
    overdue: f64,
    /// (warmth on the person page, warmth in the people list sorted by it, rank's score).
    warmth: (u8, f64, f64),
}

/// The figures of `pat` as Bob (from whom the note is hidden), Ann (its owner) and the
/// unscoped CLI see them.
fn figures(s: &mut Store, pat: Id, user: Option<Id>) -> Figures {
    scope(s, user);
    let out = Figures { stats: stats(s, pat), gave: gave(s, pat), overdue: overdue(s, pat), warmth: warmth(s, pat) };
    scope(s, None);
    out
}

fn stats_leave_out_notes_hidden_from_the_viewer(db: &mut TestDb) {
    let (ann, bob) = (Id::v7(NOW, [1; 10]), Id::v7(NOW, [2; 10]));
    let s = &mut db.store;
    let pat = person(s, "Pat Shared", None);
    person(s, "Quinn Other", None);
    note(s, &[pat], 30, 1, "shared call", None);
    let before = figures(s, pat, Some(bob));
    assert_eq!((before.stats, before.gave), ((Some(30), 1, 1), 1));

    // Ann logs a private note with Pat: Bob's figures do not move, Ann's and the CLI's do.
    let private = note(s, &[pat], 2, 2, "private call", Some(ann));
    assert_eq!(figures(s, pat, Some(bob)), before, "Bob's figures for Pat do not move");
    let ann_sees = figures(s, pat, Some(ann));
    assert_eq!((ann_sees.stats, ann_sees.gave), ((Some(2), 2, 2), 3));
    assert!(ann_sees.overdue < before.overdue, "less overdue for the owner");
    assert!(ann_sees.warmth.0 > before.warmth.0 && ann_sees.warmth.1 > before.warmth.1, "warmer for the owner");
    assert_ne!(ann_sees.warmth.2, before.warmth.2, "ranked otherwise for the owner");
    assert_eq!(figures(s, pat, None), ann_sees, "the CLI counts everything");

    // A person whose only interaction is hidden has none for Bob.
    let solo = person(s, "Solo Shared", None);
    note(s, &[solo], 1, 1, "solo", Some(ann));
    scope(s, Some(bob));
    assert_eq!(stats(s, solo), (None, 0, 0));
    assert_eq!(gave(s, solo), 0);
    assert!(!s.exchange_totals().unwrap().contains_key(&solo));
    scope(s, None);

    // Shared again, the note counts for Bob at once.
    let mut cs = ChangeSet::new();
    kith_store::privacy::set_interaction_private(&mut cs, private, None);
    s.commit(cs, "test", at()).unwrap();
    assert_eq!(figures(s, pat, Some(bob)), ann_sees);
}

fn stats_leave_out_notes_hidden_from_the_viewer_with_a_memo(db: &mut TestDb) {
    db.store.share_memo(Arc::new(kith_store::Memo::new()));
    stats_leave_out_notes_hidden_from_the_viewer(db);
    // Two viewers with different hidden sets, one memo: each gets their own figures, in any
    // order, again and again.
    let (ann, bob) = (Id::v7(NOW, [1; 10]), Id::v7(NOW, [2; 10]));
    let s = &mut db.store;
    let rae = person(s, "Rae Shared", None);
    note(s, &[rae], 40, 1, "rae shared", None);
    note(s, &[rae], 5, 1, "rae ann", Some(ann));
    note(s, &[rae], 10, 1, "rae bob", Some(bob));
    for _ in 0..2 {
        scope(s, Some(bob));
        assert_eq!(stats(s, rae), (Some(10), 2, 2));
        scope(s, Some(ann));
        assert_eq!(stats(s, rae), (Some(5), 2, 2));
        scope(s, None);
        assert_eq!(stats(s, rae), (Some(5), 3, 3));
    }
}

fn stats_leave_out_notes_with_a_private_person(db: &mut TestDb) {
    let (ann, bob) = (Id::v7(NOW, [1; 10]), Id::v7(NOW, [2; 10]));
    let s = &mut db.store;
    let pat = person(s, "Pat Shared", None);
    let carla = person(s, "Carla Private", Some(ann));
    note(s, &[pat], 30, 1, "shared call", None);
    // Pat, with Ann's private Carla, yesterday: a note about Carla, hidden from Bob.
    let lunch = note(s, &[pat, carla], 1, 3, "lunch with carla", None);
    scope(s, Some(bob));
    assert!(s.scope().interaction(lunch));
    assert_eq!(stats(s, pat), (Some(30), 1, 1));
    assert_eq!(gave(s, pat), 1);
    scope(s, Some(ann));
    assert_eq!(stats(s, pat), (Some(1), 2, 2));
    assert_eq!(gave(s, pat), 4);
    // The path report's "spoke … ago" between two people leaves it out too.
    scope(s, Some(bob));
    assert_eq!(s.last_contact_between(pat, carla).unwrap(), None);
    scope(s, Some(ann));
    assert_eq!(s.last_contact_between(pat, carla).unwrap().map(|t| t.as_millisecond()), Some(NOW as i64 - DAY));
}

/// Every user with something hidden from them has their own memo entries (tie graph, people
/// orderings, statistics fix): a server keeps only the latest few of each family, and a user
/// whose entries were forgotten gets their own figures again, never another user's.
fn scoped_entries_of_the_memo_are_bounded(db: &mut TestDb) {
    let memo = Arc::new(kith_store::Memo::new());
    db.store.share_memo(memo.clone());
    let s = &mut db.store;
    let users: Vec<Id> = (1..=8u8).map(|n| Id::v7(NOW, [n; 10])).collect();
    let pat = person(s, "Pat Shared", None);
    let lee = person(s, "Lee Shared", None);
    let tie = s.new_id(NOW);
    let mut cs = ChangeSet::new();
    cs.set(Kind::Tie, tie, "a", pat.to_string());
    cs.set(Kind::Tie, tie, "b", lee.to_string());
    s.commit(cs, "test", at()).unwrap();
    note(s, &[pat], 30, 1, "shared", None);
    // Each user has a private person and a private note on Pat, `n` days ago: hidden from the
    // others, so all eight scopes differ.
    for (n, &u) in users.iter().enumerate() {
        person(s, &format!("Private {n}"), Some(u));
        note(s, &[pat], n as i64 + 1, 1, &format!("note {n}"), Some(u));
    }
    let cfg = Settings::default();
    let days = |list: Vec<(Id, f64)>| list.into_iter().find(|(id, _)| *id == pat).map(|(_, k)| k);
    let mut first = Vec::new();
    for &u in &users {
        scope(s, Some(u));
        s.tie_graph(None, now()).unwrap();
        first.push(days(reports::people_by(s, &cfg, now(), PeopleOrder::Overdue, None).unwrap()));
        reports::people_by(s, &cfg, now(), PeopleOrder::Warmth, None).unwrap();
        assert!(memo.family_len("tie_graph/") <= 2, "scoped tie graphs: {}", memo.family_len("tie_graph/"));
        assert!(memo.family_len("people_by/") <= 6, "orderings: {}", memo.family_len("people_by/"));
    }
    // Each user sees their own note as Pat's last contact, n + 1 days ago: one day more
    // overdue than the user before.
    for (n, d) in first.iter().enumerate() {
        assert_eq!(*d, first[0].map(|f| f + n as f64), "user {n}");
    }
    // The first users' entries are gone; asked again, they get their own figures back.
    for (n, &u) in users.iter().enumerate().take(3) {
        scope(s, Some(u));
        assert_eq!(days(reports::people_by(s, &cfg, now(), PeopleOrder::Overdue, None).unwrap()), first[n]);
        assert_eq!(s.tie_graph(None, now()).unwrap().graph.edge_count(), 1);
    }
}

/// The tie graph's recency of a tie with me (it orders warm paths) is the other person's last
/// contact as I see it: a teammate's private note with them does not make the tie warmer for
/// me, with or without the server's memo.
fn the_recency_of_my_ties_leaves_out_notes_hidden_from_me(db: &mut TestDb) {
    let (ann, bob) = (Id::v7(NOW, [1; 10]), Id::v7(NOW, [2; 10]));
    let s = &mut db.store;
    let me = person(s, "Me", None);
    let pat = person(s, "Pat Shared", None);
    let tie = s.new_id(NOW);
    let mut cs = ChangeSet::new();
    cs.set(Kind::Tie, tie, "a", me.to_string());
    cs.set(Kind::Tie, tie, "b", pat.to_string());
    s.commit(cs, "test", at()).unwrap();
    note(s, &[pat], 60, 1, "shared call", None);
    let recency = |s: &mut Store, user: Option<Id>| {
        scope(s, user);
        let g = s.tie_graph(Some(me), now()).unwrap();
        let (m, p) = (g.node(me).unwrap(), g.node(pat).unwrap());
        let r = g.graph.edge(m, p).unwrap().recency;
        scope(s, None);
        r
    };
    let before = recency(s, Some(bob));
    assert!(before > 0.0);
    note(s, &[pat], 1, 1, "ann's private call", Some(ann));
    for round in ["no memo", "memo", "memo again"] {
        if round == "memo" {
            s.share_memo(Arc::new(kith_store::Memo::new()));
        }
        let (for_ann, for_bob, for_cli) = (recency(s, Some(ann)), recency(s, Some(bob)), recency(s, None));
        assert_eq!(for_bob, before, "{round}: Bob's tie with Pat is as warm as before the note");
        assert!(for_ann > before, "{round}: warmer for Ann, who wrote the note");
        assert_eq!(for_cli, for_ann, "{round}: the CLI sees every note");
    }
}

/// A task that follows up a note (a debrief's hook names its interaction) on a shared person.
fn follow_up(store: &mut Store, note: Id, about: Id, title: &str, assignee: Option<Id>) -> Id {
    let t = store.new_id(NOW);
    let mut cs = ChangeSet::new();
    cs.set(Kind::Task, t, "title", title);
    cs.set(Kind::Task, t, "status", "open");
    cs.set(Kind::Task, t, "hook", true);
    cs.set(Kind::Task, t, "interaction", note.to_string());
    if let Some(a) = assignee {
        cs.set(Kind::Task, t, "assignee", a.to_string());
    }
    let tp = Id::derive(t, "task_person", &about.to_string());
    cs.set(Kind::TaskPerson, tp, "task", t.to_string());
    cs.set(Kind::TaskPerson, tp, "person", about.to_string());
    store.commit(cs, "test", at()).unwrap();
    t
}

/// The hook a debrief leaves with a note tells what the note was about ("send Pat the deck"):
/// when the note is private, or made private later, its follow-ups are hidden with it, except
/// from a coworker the follow-up is assigned to.
fn a_follow_up_of_a_hidden_note_is_hidden_with_it(db: &mut TestDb) {
    let (ann, bob) = (Id::v7(NOW, [1; 10]), Id::v7(NOW, [2; 10]));
    let s = &mut db.store;
    let pat = person(s, "Pat Shared", None);
    let i = note(s, &[pat], 3, 1, "pat wants the deck", None);
    let hook = follow_up(s, i, pat, "Send Pat the deck", None);
    let theirs = follow_up(s, i, pat, "Call Pat back", Some(bob));
    let visible = |s: &mut Store, user: Id| -> Vec<Id> {
        scope(s, Some(user));
        let mut ids: Vec<Id> = s.tasks(&Default::default()).unwrap().into_iter().map(|t| t.id).collect();
        ids.sort();
        scope(s, None);
        ids
    };
    let both = {
        let mut v = vec![hook, theirs];
        v.sort();
        v
    };
    assert_eq!(visible(s, bob), both, "a shared note's follow-ups are everyone's");

    // Ann makes the note private: Bob loses its hook at once, not the one assigned to him.
    let mut cs = ChangeSet::new();
    kith_store::privacy::set_interaction_private(&mut cs, i, Some(ann));
    s.commit(cs, "test", at()).unwrap();
    assert_eq!(visible(s, bob), vec![theirs]);
    assert!(s.hidden_for(bob).unwrap().record("task", hook));
    assert_eq!(visible(s, ann), both, "the owner sees every follow-up of her note");

    // A follow-up added to the private note later is hidden from the next read on: adding a task
    // moves the version the hidden sets are kept by.
    let v = s.privacy_version().unwrap().unwrap();
    let later = follow_up(s, i, pat, "Ask Pat about the offsite", None);
    assert!(s.privacy_version().unwrap().unwrap() > v);
    assert!(s.hidden_for(bob).unwrap().record("task", later));
    assert_eq!(visible(s, bob), vec![theirs]);

    // Shared again, the follow-ups are everyone's again.
    let mut cs = ChangeSet::new();
    kith_store::privacy::set_interaction_private(&mut cs, i, None);
    s.commit(cs, "test", at()).unwrap();
    assert_eq!(visible(s, bob).len(), 3);
}
