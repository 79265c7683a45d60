//! The importance rank ("a hierarchy of acquaintances"): PageRank over the tie graph, and an
//! explained score that combines tier, warmth, centrality, reciprocity and open hooks.
//!
//! Points (out of 100):
//! - **tier** 30: A 30, B 22, C 12, D 5, none 8 — the user's own judgement weighs most;
//! - **warmth** 25: the warmth score (0–100) scaled;
//! - **centrality** 25: the person's PageRank as a percentile of the people ranked (the share
//!   of them strictly less central), so the points do not depend on the size of the network;
//! - **reciprocity** 10: how much has been exchanged either way, saturating at 10 (by weight):
//!   people who trade favours with you matter whichever way the balance leans;
//! - **hooks** 10: open follow-up hooks with them, up to 3: promises to keep.

use serde::Serialize;

use super::{Component, round_to};
use crate::Id;
use crate::model::Tier;

pub const DEFAULT_DAMPING: f64 = 0.85;
pub const DEFAULT_ITERATIONS: u32 = 20;
/// L1 change between two iterations below which PageRank stops early.
pub const DEFAULT_TOLERANCE: f64 = 1e-6;

const TIER_MAX: f64 = 30.0;
const WARMTH_MAX: f64 = 25.0;
const CENTRALITY_MAX: f64 = 25.0;
const RECIPROCITY_MAX: f64 = 10.0;
const HOOKS_MAX: f64 = 10.0;
/// Exchanges (by weight) that earn full reciprocity points.
const RECIPROCITY_SATURATION: f64 = 10.0;
/// Open hooks that earn full hook points.
const HOOKS_SATURATION: u32 = 3;

/// Weighted PageRank over an undirected graph of `node_count` nodes.
///
/// Each edge `(a, b, w)` is a tie both ways with weight `w`; a walker at `u` moves to a
/// neighbour with probability proportional to the tie's weight. Nodes without ties (dangling)
/// spread their rank evenly over all nodes, so rank neither leaks nor piles up. Self-ties,
/// edges naming a node `>= node_count`, and weights that are not finite and positive are
/// ignored; duplicate edges add their weights. Runs at most `iterations` rounds, stopping once
/// the L1 change is below `tolerance`. The result sums to 1 (empty for an empty graph).
///
/// Cost: three arrays of `node_count` numbers (plus a filtered copy of the edges when some are
/// unusable); O(edges) per iteration. 100,000 nodes and 800,000 edges take about 50 ms.
pub fn pagerank(
    node_count: usize,
    edges: &[(u32, u32, f32)],
    damping: f64,
    iterations: u32,
    tolerance: f64,
) -> Vec<f64> {
    let n = node_count;
    if n == 0 {
        return Vec::new();
    }
    let d = if damping.is_finite() { damping.clamp(0.0, 1.0) } else { DEFAULT_DAMPING };
    let usable =
        |&(a, b, w): &(u32, u32, f32)| a != b && (a as usize) < n && (b as usize) < n && w.is_finite() && w > 0.0;

    // Drop unusable edges once, copying only when there are any, so the hot loop below has
    // no checks.
    let edges: std::borrow::Cow<[(u32, u32, f32)]> = if edges.iter().all(usable) {
        std::borrow::Cow::Borrowed(edges)
    } else {
        std::borrow::Cow::Owned(edges.iter().copied().filter(usable).collect())
    };
    // Out-weight of each node; a node with none is dangling.
    let mut out_weight = vec![0f64; n];
    for &(a, b, w) in edges.iter() {
        out_weight[a as usize] += f64::from(w);
        out_weight[b as usize] += f64::from(w);
    }

    let uniform = 1.0 / n as f64;
    let mut rank = vec![uniform; n];
    let mut next = vec![0f64; n];
    // share[u] = rank[u] / out_weight[u]: what u sends along each unit of tie weight. Read at
    // random, so kept in f32: half the cache footprint, and its relative error (1e-7) is far
    // below what ranking needs. Sums stay in f64.
    let mut share = vec![0f32; n];
    for _ in 0..iterations {
        let mut dangling = 0.0;
        for u in 0..n {
            if out_weight[u] > 0.0 {
                share[u] = (rank[u] / out_weight[u]) as f32;
            } else {
                share[u] = 0.0;
                dangling += rank[u];
            }
        }
        // Push along the edge list as given: no adjacency arrays to build, and one pass over
        // the edges per iteration, each edge sending rank both ways.
        next.iter_mut().for_each(|x| *x = 0.0);
        for e in edges.iter() {
            let (a, b, w) = (e.0 as usize, e.1 as usize, e.2);
            next[a] += f64::from(w * share[b]);
            next[b] += f64::from(w * share[a]);
        }
        let base = (1.0 - d) * uniform + d * dangling * uniform;
        let mut change = 0.0;
        for (x, &old) in next.iter_mut().zip(&rank) {
            *x = base + d * *x;
            change += (*x - old).abs();
        }
        std::mem::swap(&mut rank, &mut next);
        if change < tolerance {
            break;
        }
    }
    // Floating-point drift over many nodes: make it sum to exactly 1 (to rounding).
    let total: f64 = rank.iter().sum();
    if total > 0.0 && total.is_finite() {
        rank.iter_mut().for_each(|r| *r /= total);
    }
    rank
}

/// What the importance of one person is computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct RankInput {
    pub id: Id,
    pub name: String,
    pub tier: Option<Tier>,
    /// The warmth score, 0–100 (values above 100 are read as 100).
    pub warmth: u8,
    /// The person's PageRank (any positive scale: only the order among the inputs matters).
    pub centrality: f64,
    /// Sums of exchange weights, as in the ledger.
    pub gave: u32,
    pub got: u32,
    pub open_hooks: u32,
}

/// A ranked person with the parts of their score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranked {
    pub id: Id,
    pub name: String,
    /// 1 = most important.
    pub rank: u32,
    /// 0–100, the sum of the components' points (rounded to 0.1).
    pub score: f64,
    /// tier, warmth, centrality, reciprocity, hooks — in that order.
    pub components: Vec<Component>,
}

/// Ranks people by importance, most important first (ties by id), and returns the first
/// `limit` with their explained components. Scores are computed for everyone, explanations
/// only for those returned, so ranking 100,000 people to show 20 stays cheap.
pub fn importance(inputs: &[RankInput], limit: usize) -> Vec<Ranked> {
    let percentile = percentiles(inputs);
    let mut scored: Vec<(f64, usize)> =
        (0..inputs.len()).map(|i| (round_to(points(&inputs[i], percentile[i]).iter().sum::<f64>(), 1), i)).collect();
    scored.sort_by(|x, y| y.0.total_cmp(&x.0).then_with(|| inputs[x.1].id.cmp(&inputs[y.1].id)));
    scored
        .into_iter()
        .take(limit)
        .enumerate()
        .map(|(place, (score, i))| {
            let input = &inputs[i];
            Ranked {
                id: input.id,
                name: input.name.clone(),
                rank: place as u32 + 1,
                score,
                components: components(input, percentile[i]),
            }
        })
        .collect()
}

/// For each input, the share of the others that are strictly less central (0 when alone).
/// People without ties all share the lowest PageRank, so they all get 0.
fn percentiles(inputs: &[RankInput]) -> Vec<f64> {
    let key = |c: f64| if c.is_finite() { c } else { 0.0 };
    let mut sorted: Vec<f64> = inputs.iter().map(|r| key(r.centrality)).collect();
    sorted.sort_by(f64::total_cmp);
    let others = inputs.len().saturating_sub(1).max(1) as f64;
    inputs
        .iter()
        .map(|r| {
            let c = key(r.centrality);
            sorted.partition_point(|&x| x < c) as f64 / others
        })
        .collect()
}

fn tier_points(tier: Option<Tier>) -> f64 {
    match tier {
        Some(Tier::A) => 30.0,
        Some(Tier::B) => 22.0,
        Some(Tier::C) => 12.0,
        Some(Tier::D) => 5.0,
        None => 8.0,
    }
}

/// The five components' points, each rounded to 0.1 so that what is shown adds up.
fn points(r: &RankInput, percentile: f64) -> [f64; 5] {
    let exchanged = f64::from(r.gave) + f64::from(r.got);
    let reciprocity = ((1.0 + exchanged).ln() / (1.0 + RECIPROCITY_SATURATION).ln()).min(1.0);
    let hooks = f64::from(r.open_hooks.min(HOOKS_SATURATION)) / f64::from(HOOKS_SATURATION);
    [
        tier_points(r.tier),
        f64::from(r.warmth.min(100)) / 100.0 * WARMTH_MAX,
        percentile * CENTRALITY_MAX,
        reciprocity * RECIPROCITY_MAX,
        hooks * HOOKS_MAX,
    ]
    .map(|p| round_to(p, 1))
}

fn components(r: &RankInput, percentile: f64) -> Vec<Component> {
    let [tier, warmth, centrality, reciprocity, hooks] = points(r, percentile);
    let tier_note = match r.tier {
        Some(t) => format!("tier {t}"),
        None => "no tier set".to_string(),
    };
    let pct = (percentile * 100.0).round();
    let centrality_note = if pct == 0.0 {
        "among the least connected".to_string()
    } else {
        format!("more connected than {pct}% of the people ranked")
    };
    let balance = i64::from(r.gave) - i64::from(r.got);
    let reciprocity_note = match (r.gave, r.got) {
        (0, 0) => "no exchanges yet".to_string(),
        _ if balance < 0 => format!("gave {}, got {}: you owe them {}", r.gave, r.got, -balance),
        _ if balance > 0 => format!("gave {}, got {}: you gave {} more", r.gave, r.got, balance),
        _ => format!("gave {}, got {}: balanced", r.gave, r.got),
    };
    let hooks_note = match r.open_hooks {
        0 => "no open hooks".to_string(),
        1 => "1 open hook: a promise to keep".to_string(),
        k => format!("{k} open hooks: promises to keep"),
    };
    vec![
        Component { name: "tier", points: tier, max: TIER_MAX, note: tier_note },
        Component {
            name: "warmth",
            points: warmth,
            max: WARMTH_MAX,
            note: format!("warmth {} of 100", r.warmth.min(100)),
        },
        Component { name: "centrality", points: centrality, max: CENTRALITY_MAX, note: centrality_note },
        Component { name: "reciprocity", points: reciprocity, max: RECIPROCITY_MAX, note: reciprocity_note },
        Component { name: "hooks", points: hooks, max: HOOKS_MAX, note: hooks_note },
    ]
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::intel::test_util::id;

    fn pr(n: usize, edges: &[(u32, u32, f32)]) -> Vec<f64> {
        pagerank(n, edges, DEFAULT_DAMPING, 100, 1e-12)
    }

    #[test]
    fn small_graphs() {
        assert!(pr(0, &[]).is_empty());
        assert_eq!(pr(1, &[]), vec![1.0]);
        // All isolated: uniform.
        let r = pr(4, &[]);
        assert!(r.iter().all(|&x| (x - 0.25).abs() < 1e-12));
        // A star: the centre ranks highest, leaves equal.
        let r = pr(4, &[(0, 1, 1.0), (0, 2, 1.0), (0, 3, 1.0)]);
        assert!(r[0] > r[1] && (r[1] - r[2]).abs() < 1e-12 && (r[2] - r[3]).abs() < 1e-12);
        // Heavier ties pull more rank.
        let r = pr(3, &[(0, 1, 5.0), (0, 2, 1.0)]);
        assert!(r[1] > r[2]);
    }

    #[test]
    fn odd_edges_are_ignored_or_merged() {
        let clean = pr(3, &[(0, 1, 2.0), (1, 2, 1.0)]);
        let odd = pr(
            3,
            &[
                (0, 1, 1.0),
                (1, 0, 1.0),
                (1, 2, 1.0),
                (2, 2, 5.0),
                (0, 7, 1.0),
                (0, 2, f32::NAN),
                (0, 2, -1.0),
                (0, 2, 0.0),
            ],
        );
        for (a, b) in clean.iter().zip(&odd) {
            assert!((a - b).abs() < 1e-12, "{clean:?} {odd:?}");
        }
        // odd damping
        for d in [f64::NAN, -1.0, 2.0] {
            let r = pagerank(3, &[(0, 1, 1.0)], d, 20, 0.0);
            assert!((r.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }
        assert_eq!(pagerank(2, &[(0, 1, 1.0)], 0.85, 0, 0.0), vec![0.5, 0.5]);
    }

    #[test]
    fn isolated_node_gets_the_teleport_share() {
        // Nodes 0–2 in a triangle, node 3 alone (dangling: it spreads its own rank evenly).
        let d = DEFAULT_DAMPING;
        let r = pr(4, &[(0, 1, 1.0), (1, 2, 1.0), (0, 2, 1.0)]);
        // Fixed point: r3 = (1 - d)/n + d·r3/n.
        let expected = (1.0 - d) / 4.0 / (1.0 - d / 4.0);
        assert!((r[3] - expected).abs() < 1e-7, "{r:?}");
        assert!(r[3] >= (1.0 - d) / 4.0);
    }

    fn input(n: u128, tier: Option<Tier>, warmth: u8, centrality: f64) -> RankInput {
        RankInput { id: id(n), name: format!("P{n}"), tier, warmth, centrality, gave: 0, got: 0, open_hooks: 0 }
    }

    #[test]
    fn importance_explains_and_orders() {
        let mut a = input(1, Some(Tier::A), 80, 0.5);
        a.gave = 2;
        a.got = 5;
        a.open_hooks = 2;
        let inputs =
            vec![input(3, None, 0, 0.1), a, input(2, Some(Tier::C), 50, 0.1), input(4, Some(Tier::C), 50, 0.1)];
        let ranked = importance(&inputs, 10);
        let order: Vec<_> = ranked.iter().map(|r| (r.name.as_str(), r.rank)).collect();
        assert_eq!(order, vec![("P1", 1), ("P2", 2), ("P4", 3), ("P3", 4)]);
        let top = &ranked[0];
        let names: Vec<_> = top.components.iter().map(|c| c.name).collect();
        assert_eq!(names, ["tier", "warmth", "centrality", "reciprocity", "hooks"]);
        let sum: f64 = top.components.iter().map(|c| c.points).sum();
        assert!((top.score - round_to(sum, 1)).abs() < 1e-9);
        assert_eq!(top.components[0].points, 30.0);
        assert_eq!(top.components[1].points, 20.0);
        assert_eq!(top.components[2].points, 25.0);
        assert_eq!(top.components[2].note, "more connected than 100% of the people ranked");
        assert_eq!(top.components[3].note, "gave 2, got 5: you owe them 3");
        assert_eq!(top.components[4].note, "2 open hooks: promises to keep");
        assert_eq!(ranked[3].components[2].note, "among the least connected");
        assert_eq!(importance(&inputs, 2).len(), 2);
        assert!(importance(&[], 5).is_empty());
    }

    #[test]
    fn odd_inputs() {
        let mut x = input(1, None, 255, f64::NAN);
        x.open_hooks = u32::MAX;
        x.gave = u32::MAX;
        x.got = u32::MAX;
        let r = importance(&[x.clone(), x], 5); // a duplicate too
        assert_eq!(r.len(), 2);
        assert!(r[0].score <= 100.0);
        assert_eq!(r[0].components[1].points, 25.0);
    }

    proptest! {
        #[test]
        fn pagerank_is_a_distribution(n in 1usize..40, raw in proptest::collection::vec((0u32..45, 0u32..45, 0.0f32..5.0), 0..120)) {
            let r = pagerank(n, &raw, DEFAULT_DAMPING, DEFAULT_ITERATIONS, DEFAULT_TOLERANCE);
            prop_assert_eq!(r.len(), n);
            prop_assert!((r.iter().sum::<f64>() - 1.0).abs() < 1e-6);
            let floor = (1.0 - DEFAULT_DAMPING) / n as f64;
            for &x in &r {
                prop_assert!(x >= floor * (1.0 - 1e-9));
            }
        }

        /// Relabelling a graph by a symmetry (here: reversing node numbers on a graph built to
        /// be symmetric under it) gives mirrored ranks.
        #[test]
        fn symmetric_graph_symmetric_ranks(n in 2u32..30, raw in proptest::collection::vec((0u32..30, 0u32..30, 0.1f32..5.0), 0..60)) {
            let mirror = |v: u32| n - 1 - v;
            let mut edges = Vec::new();
            for &(a, b, w) in &raw {
                let (a, b) = (a % n, b % n);
                edges.push((a, b, w));
                edges.push((mirror(a), mirror(b), w));
            }
            let r = pagerank(n as usize, &edges, DEFAULT_DAMPING, 200, 1e-14);
            for v in 0..n {
                prop_assert!((r[v as usize] - r[mirror(v) as usize]).abs() < 1e-7);
            }
        }

        #[test]
        fn importance_is_bounded_and_sorted(raw in proptest::collection::vec((0usize..5, any::<u8>(), 0.0f64..1.0, 0u32..20, 0u32..20, 0u32..6), 0..30)) {
            let tiers = [None, Some(Tier::A), Some(Tier::B), Some(Tier::C), Some(Tier::D)];
            let inputs: Vec<RankInput> = raw.iter().enumerate().map(|(i, &(t, w, c, g, r, h))| RankInput {
                id: id(i as u128), name: format!("P{i}"), tier: tiers[t], warmth: w, centrality: c, gave: g, got: r, open_hooks: h,
            }).collect();
            let ranked = importance(&inputs, usize::MAX);
            prop_assert_eq!(ranked.len(), inputs.len());
            for r in &ranked {
                prop_assert!(r.score >= 0.0 && r.score <= 100.0);
                let sum: f64 = r.components.iter().map(|c| c.points).sum();
                prop_assert!((r.score - round_to(sum, 1)).abs() < 1e-9);
            }
            for w in ranked.windows(2) {
                prop_assert!(w[0].score > w[1].score || (w[0].score == w[1].score && w[0].id < w[1].id));
            }
        }
    }
}
