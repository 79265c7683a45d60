//! Property: applying the same set of operations in any order, any number of times, gives the
//! same state, on both engines.

mod common;

use kith_core::{Hlc, Id, Kind, NodeId, Op};
use proptest::prelude::*;
use serde_json::{Value, json};

fn id(n: u128) -> Id {
    Id::from_uuid(uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | n))
}

/// A random op over a small world of 3 people, their tags and ties, so registers collide.
/// Some are record ops (field `*`) that set several of the registers the others set one by one.
fn arb_op() -> impl Strategy<Value = (u8, u64, i64, u8, u8)> {
    (0u8..16, 1u64..40, 1i64..4, 0u8..3, 0u8..3)
}

fn make(i: usize, (what, hlc, node, a, b): (u8, u64, i64, u8, u8)) -> Op {
    let person = |n: u8| id(u128::from(n) + 1);
    let (kind, entity, field, value): (Kind, Id, &str, Value) = match what {
        0 => (Kind::Person, person(a), "display_name", json!(format!("name {b}"))),
        1 => (Kind::Person, person(a), "tier", json!(["A", "B", "C"][b as usize])),
        2 => (Kind::Person, person(a), "deleted", json!(b == 0)),
        3 => (Kind::Person, person(a), "cadence_days", json!(i64::from(b) * 7)),
        4 | 5 => {
            // The tag's owner may change between ops: its ops must follow it (`ops.root`).
            let t = Id::derive(person(a), "tag", &format!("t{b}"));
            let (f, v) =
                if what == 4 { ("parent", json!(person(b).to_string())) } else { ("value", json!(format!("t{b}"))) };
            (Kind::PersonItem, t, f, v)
        }
        6 => (Kind::PersonItem, Id::derive(person(a), "tag", &format!("t{b}")), "deleted", json!(hlc % 2 == 0)),
        // One tie per `a` whose other end changes between ops: references that lose their
        // register must still leave the same rows behind.
        7 => (Kind::Tie, Id::derive(person(a), "tie", ""), "a", json!(person(a).to_string())),
        8 => (Kind::Tie, Id::derive(person(a), "tie", ""), "b", json!(id(u128::from(b) + 10).to_string())),
        9 => (Kind::Tie, Id::derive(person(a), "tie", ""), "strength", json!(i64::from(b) + 1)),
        10 => (Kind::Person, person(a), "notes", Value::Null),
        11 => (Kind::Person, person(a), "notes", json!(format!("n{hlc}"))),
        12 => {
            let tier = ["A", "B", "C"][usize::from(b)];
            (
                Kind::Person,
                person(a),
                "*",
                json!({"display_name": format!("rec {b}"), "tier": tier, "notes": format!("r{hlc}")}),
            )
        }
        13 => {
            (Kind::Person, person(a), "*", json!({"deleted": b == 1, "cadence_days": i64::from(b) * 3, "notes": null}))
        }
        14 => (
            Kind::PersonItem,
            Id::derive(person(a), "tag", &format!("t{b}")),
            "*",
            json!({"parent": person(a).to_string(), "value": format!("t{b}"), "deleted": false}),
        ),
        _ => (
            Kind::Tie,
            Id::derive(person(a), "tie", ""),
            "*",
            json!({"a": person(a).to_string(), "b": id(u128::from(b) + 10).to_string(), "strength": hlc as i64 % 5}),
        ),
    };
    Op {
        id: id(0x1_0000 + i as u128),
        hlc: Hlc(hlc),
        node: NodeId(node),
        actor: "p".into(),
        kind,
        entity,
        field: field.into(),
        value,
    }
}

/// Apply `ops` in the given order, in batches of `batch`, and return the materialized state.
fn state(db: &mut common::TestDb, ops: &[Op], batch: usize) -> Vec<(String, Vec<Vec<kith_store::Val>>)> {
    for chunk in ops.chunks(batch.max(1)) {
        db.store.apply(chunk).unwrap();
    }
    db.store.snapshot().unwrap()
}

fn world() -> impl Strategy<Value = (Vec<Op>, Vec<usize>, Vec<usize>, usize)> {
    prop::collection::vec(arb_op(), 1..40).prop_flat_map(|raw| {
        let ops: Vec<Op> = raw.into_iter().enumerate().map(|(i, r)| make(i, r)).collect();
        let n = ops.len();
        let order = Just((0..n).collect::<Vec<_>>()).prop_shuffle();
        // A second order with some ops repeated.
        let dup = prop::collection::vec(0..n, 0..n).prop_map(move |extra| {
            let mut v: Vec<usize> = (0..n).rev().collect();
            v.extend(extra);
            v
        });
        (Just(ops), order, dup.prop_shuffle(), 1usize..6)
    })
}

fn check(new_db: fn() -> Option<common::TestDb>, cases: u32) {
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig { cases, ..ProptestConfig::default() });
    let Some(_probe) = new_db() else { return };
    runner
        .run(&world(), |(ops, order, dup, batch)| {
            let (Some(mut a), Some(mut b)) = (new_db(), new_db()) else { return Ok(()) };
            let first: Vec<Op> = order.iter().map(|&i| ops[i].clone()).collect();
            let second: Vec<Op> = dup.iter().map(|&i| ops[i].clone()).collect();
            let sa = state(&mut a, &first, ops.len());
            let sb = state(&mut b, &second, batch);
            prop_assert_eq!(sa, sb);
            // Every op is where a read of its record looks for it.
            prop_assert_eq!(a.store.misfiled_ops().unwrap(), vec![]);
            prop_assert_eq!(b.store.misfiled_ops().unwrap(), vec![]);
            Ok(())
        })
        .unwrap();
}

#[test]
fn sqlite_converges_in_any_order() {
    check(|| Some(common::sqlite()), 64);
}

#[test]
fn postgres_converges_in_any_order() {
    check(common::postgres, 16);
}
