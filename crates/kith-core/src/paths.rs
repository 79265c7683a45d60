//! Intro paths ("six handshakes"): who can introduce me to someone, in as few hops as possible
//! or through the warmest chain of people.
//!
//! # Graph
//!
//! People are dense `u32` node indices (the caller maps ids to indices); ties are undirected
//! edges. [`GraphBuilder`] collects ties and [`GraphBuilder::build`] freezes them into
//! compressed sparse row form: `offsets[v]..offsets[v + 1]` indexes the neighbours of `v` in
//! parallel arrays (`targets`, `cost`, `strength`, `recency`), each adjacency list sorted by
//! neighbour. Per half-edge that is 4 + 4 + 1 + 2 = 11 bytes, so 1M people and 8M ties take
//! about 180 MB. Recency is kept as a `u16` fraction (resolution 1/65535), which is finer than
//! anything a person can tell apart and saves 32 MB over an `f32` on the 1M graph.
//!
//! # Cost
//!
//! A hop succeeds with probability `p = strength/5 * (0.5 + 0.5 * recency)`; a chain's warmth is
//! the product of its hops' `p`. Costs are `-ln p`, so the cheapest chain is the warmest one and
//! costs add up along a chain. Every cost is in `0..=ln 10`.
//!
//! # Searches
//!
//! All searches go from one source to a *set* of targets (one person, or everyone at an
//! organisation) and never use more than `max_hops` ties.
//!
//! - [`Searcher::fewest_hops`]: bidirectional breadth-first search, one whole level at a time,
//!   always growing the side whose frontier has fewer edges to scan. The first level that meets
//!   the other side yields a shortest chain (see the proof next to `bfs`).
//! - [`Searcher::strongest`]: the cheapest chain with at most `max_hops` hops. The globally
//!   cheapest chain is often longer than six hops (long runs of very warm ties), so the hop limit
//!   is built into the search instead of being a fallback: a bidirectional label-setting Dijkstra
//!   over (person, hops-so-far) labels, where a label is dropped when another label at the same
//!   person is no more expensive and no longer. The fewest-hops chain is found first: it proves
//!   that some chain exists (so an unreachable target costs one cheap BFS) and its cost is the
//!   initial upper bound that prunes the Dijkstra.
//! - [`Searcher::k_paths`]: up to `k` alternatives that share no middle person, found greedily:
//!   each new search excludes the middle people of the chains already found (and, for a direct
//!   tie with no middle person, that direct tie).
//! - [`Searcher::nearest`]: when there is no chain within the limit, the reachable person who is
//!   fewest hops away from the targets.
//!
//! Search state lives in reusable buffers stamped with a generation number, so a query costs
//! time proportional to the part of the graph it touches, not to the size of the graph.
//! [`Graph`] keeps a small pool of those buffers so the `&self` convenience methods are cheap
//! too; hold a [`Searcher`] to be explicit about it.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ops::Range;
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

/// The hop limit callers use unless the user asks otherwise ("six handshakes").
pub const DEFAULT_MAX_HOPS: u32 = 6;

/// Sentinel for "no node / no label". Node index `u32::MAX` is therefore not a valid person.
const NONE: u32 = u32::MAX;

/// Recency is stored as `round(recency * RECENCY_SCALE)` in a `u16`.
const RECENCY_SCALE: f32 = 65535.0;

/// Cost of one tie: `-ln p` with `p = strength/5 * (0.5 + 0.5 * recency)`.
///
/// `strength` is clamped to `1..=5` and `recency` to `0.0..=1.0` (NaN counts as 0, "long ago"),
/// so the result is always finite and in `0.0..=ln 10`.
pub fn edge_cost(strength: u8, recency: f32) -> f32 {
    let s = f32::from(strength.clamp(1, 5));
    let p = s / 5.0 * (0.5 + 0.5 * clamp_recency(recency));
    let cost = -p.ln();
    // `-ln 1` is `-0.0`, whose bit pattern would sort last in the search heap.
    if cost > 0.0 { cost } else { 0.0 }
}

fn clamp_recency(recency: f32) -> f32 {
    if recency.is_nan() { 0.0 } else { recency.clamp(0.0, 1.0) }
}

fn quantize_recency(recency: f32) -> u16 {
    // In range by the clamp, so the cast cannot saturate.
    (clamp_recency(recency) * RECENCY_SCALE).round() as u16
}

fn dequantize_recency(q: u16) -> f32 {
    f32::from(q) / RECENCY_SCALE
}

/// What the graph knows about one tie, for explaining a chain hop by hop.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EdgeInfo {
    /// Tie strength, `1..=5`.
    pub strength: u8,
    /// How fresh the contact is, `0.0..=1.0` (1 = just spoke), at 1/65535 resolution.
    pub recency: f32,
    /// [`edge_cost`] of the two above.
    pub cost: f32,
}

impl EdgeInfo {
    /// The probability that this hop works, `exp(-cost)`.
    pub fn probability(&self) -> f32 {
        (-self.cost).exp()
    }
}

/// A chain of people from the source to one of the targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Path {
    /// Source first, target last. A single node means the source is itself a target.
    pub nodes: Vec<u32>,
    /// Sum of the tie costs along the chain; `exp(-cost)` is the chain's warmth.
    pub cost: f32,
}

impl Path {
    fn single(node: u32) -> Self {
        Path { nodes: vec![node], cost: 0.0 }
    }

    /// Number of ties in the chain.
    pub fn hops(&self) -> u32 {
        u32::try_from(self.nodes.len().saturating_sub(1)).unwrap_or(u32::MAX)
    }

    /// The people between the source and the target (the introducers).
    pub fn middle(&self) -> &[u32] {
        match self.nodes.len() {
            0..=2 => &[],
            len => &self.nodes[1..len - 1],
        }
    }

    /// The chain's warmth: the product of its hops' probabilities, `exp(-cost)`.
    pub fn warmth(&self) -> f32 {
        (-self.cost).exp()
    }
}

/// How [`Searcher::k_paths`] ranks chains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum By {
    /// Fewest hops first, then the warmer chain.
    Hops,
    /// Warmest (cheapest) chain first, then the shorter one.
    #[default]
    Strength,
}

/// The answer to "no chain within the limit; who is nearest?".
///
/// Definition: among the people reachable from the source within `max_hops`, the one whose
/// hop distance to the nearest target is smallest; ties go to the one fewer hops from the
/// source, then to the lower index. That person is where a new introduction would help most.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Nearest {
    /// The nearest person.
    pub node: u32,
    /// A fewest-hops chain from the source to `node` (within `max_hops`).
    pub from_source: Path,
    /// A fewest-hops chain from `node` to a target (of any length; empty hops when `node` is a
    /// target, which happens only when a chain within the limit exists).
    pub to_target: Path,
}

/// Collects ties, then [`build`](GraphBuilder::build)s a [`Graph`].
#[derive(Debug, Clone, Default)]
pub struct GraphBuilder {
    node_count: u32,
    edges: Vec<RawEdge>,
}

/// 12 bytes, so 8M ties need 96 MB while building.
#[derive(Debug, Clone, Copy)]
struct RawEdge {
    lo: u32,
    hi: u32,
    recency: u16,
    strength: u8,
}

impl RawEdge {
    fn key(&self) -> u64 {
        (u64::from(self.lo) << 32) | u64::from(self.hi)
    }

    fn cost(&self) -> f32 {
        edge_cost(self.strength, dequantize_recency(self.recency))
    }

    /// A total order on duplicates (cheapest, then strongest, then freshest) so the tie that is
    /// kept does not depend on the order ties were added in.
    fn better_than(&self, other: &RawEdge) -> bool {
        self.cost()
            .total_cmp(&other.cost())
            .then(other.strength.cmp(&self.strength))
            .then(other.recency.cmp(&self.recency))
            .is_lt()
    }
}

impl GraphBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder with room for `edges` ties and at least `node_count` nodes (isolated nodes
    /// included).
    pub fn with_capacity(node_count: u32, edges: usize) -> Self {
        GraphBuilder { node_count, edges: Vec::with_capacity(edges) }
    }

    /// Makes sure nodes `0..count` exist, even without ties.
    pub fn ensure_nodes(&mut self, count: u32) {
        self.node_count = self.node_count.max(count);
    }

    pub fn node_count(&self) -> u32 {
        self.node_count
    }

    /// Number of ties added so far: self-loops are not counted, duplicates still are (`build`
    /// merges them).
    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// Adds an undirected tie. Nodes are created as needed. A self-loop only creates its node;
    /// an edge touching `u32::MAX` (reserved) is ignored; `strength` is clamped to `1..=5` and
    /// `recency` to `0.0..=1.0`. Duplicates are resolved by [`build`](Self::build), which keeps
    /// the cheapest (warmest) one.
    pub fn add_edge(&mut self, a: u32, b: u32, strength: u8, recency: f32) {
        if a == NONE || b == NONE {
            return;
        }
        self.ensure_nodes(a.max(b) + 1);
        if a == b {
            return;
        }
        self.edges.push(RawEdge {
            lo: a.min(b),
            hi: a.max(b),
            recency: quantize_recency(recency),
            strength: strength.clamp(1, 5),
        });
    }

    /// Freezes the ties into CSR form: O(E log E) for the sort, then two linear passes.
    ///
    /// # Panics
    ///
    /// If there are 2^31 or more distinct ties (the CSR offsets are `u32`).
    pub fn build(self) -> Graph {
        let n = self.node_count as usize;
        let mut edges = self.edges;

        // Sorting by (lo, hi) puts duplicates side by side, and it also means the scatter below
        // writes every adjacency list already sorted: node v first receives its smaller
        // neighbours (edges (lo, v), in lo order, which all sort before the edges (v, hi)) and
        // then its larger ones in hi order. Sorted lists give `edge()` a binary search and
        // make every search deterministic.
        edges.sort_unstable_by_key(RawEdge::key);
        let mut kept = 0;
        for i in 0..edges.len() {
            let edge = edges[i];
            if kept > 0 && edges[kept - 1].key() == edge.key() {
                if edge.better_than(&edges[kept - 1]) {
                    edges[kept - 1] = edge;
                }
            } else {
                edges[kept] = edge;
                kept += 1;
            }
        }
        edges.truncate(kept);

        let half_edges = kept.checked_mul(2).filter(|&h| h < NONE as usize).expect("too many ties for u32 CSR offsets");
        let mut offsets = vec![0u32; n + 1];
        for edge in &edges {
            offsets[edge.lo as usize + 1] += 1;
            offsets[edge.hi as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }

        let mut cursor = offsets[..n].to_vec();
        let mut targets = vec![0u32; half_edges];
        let mut cost = vec![0f32; half_edges];
        let mut strength = vec![0u8; half_edges];
        let mut recency = vec![0u16; half_edges];
        for edge in &edges {
            let c = edge.cost();
            for (from, to) in [(edge.lo, edge.hi), (edge.hi, edge.lo)] {
                let slot = cursor[from as usize] as usize;
                cursor[from as usize] += 1;
                targets[slot] = to;
                cost[slot] = c;
                strength[slot] = edge.strength;
                recency[slot] = edge.recency;
            }
        }

        Graph { offsets, targets, cost, strength, recency, pool: Mutex::new(Vec::new()) }
    }
}

/// An immutable undirected tie graph in CSR form. See the module docs.
pub struct Graph {
    /// `n + 1` entries; neighbours of `v` are at `offsets[v]..offsets[v + 1]`.
    offsets: Vec<u32>,
    /// Neighbour of each half-edge, sorted within each node's range.
    targets: Vec<u32>,
    /// [`edge_cost`] of each half-edge; kept precomputed because the Dijkstra reads it on
    /// every relaxation.
    cost: Vec<f32>,
    strength: Vec<u8>,
    recency: Vec<u16>,
    /// Idle search buffers, reused by the `&self` search methods.
    pool: Mutex<Vec<Buffers>>,
}

impl Default for Graph {
    fn default() -> Self {
        GraphBuilder::new().build()
    }
}

impl Clone for Graph {
    fn clone(&self) -> Self {
        Graph {
            offsets: self.offsets.clone(),
            targets: self.targets.clone(),
            cost: self.cost.clone(),
            strength: self.strength.clone(),
            recency: self.recency.clone(),
            pool: Mutex::new(Vec::new()),
        }
    }
}

impl std::fmt::Debug for Graph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Graph")
            .field("nodes", &self.node_count())
            .field("edges", &self.edge_count())
            .field("heap_bytes", &self.heap_bytes())
            .finish()
    }
}

impl Graph {
    pub fn node_count(&self) -> u32 {
        // `offsets` always holds n + 1 entries and n fits in u32 by construction.
        (self.offsets.len() - 1) as u32
    }

    /// Number of distinct undirected ties.
    pub fn edge_count(&self) -> usize {
        self.targets.len() / 2
    }

    /// Heap memory held by the graph arrays: `4 (n + 1) + 22 E` bytes for n people and E ties.
    /// Not counted: search buffers, about 64 bytes per person per concurrently used
    /// [`Searcher`] (32 for breadth-first state, 32 more once `strongest` has run), kept in the
    /// graph's pool between queries.
    pub fn heap_bytes(&self) -> usize {
        self.offsets.capacity() * size_of::<u32>()
            + self.targets.capacity() * size_of::<u32>()
            + self.cost.capacity() * size_of::<f32>()
            + self.strength.capacity() * size_of::<u8>()
            + self.recency.capacity() * size_of::<u16>()
    }

    /// Number of ties of `v` (0 when out of range).
    pub fn degree(&self, v: u32) -> u32 {
        if v < self.node_count() { self.offsets[v as usize + 1] - self.offsets[v as usize] } else { 0 }
    }

    fn range(&self, v: u32) -> Range<usize> {
        self.offsets[v as usize] as usize..self.offsets[v as usize + 1] as usize
    }

    fn info(&self, e: usize) -> EdgeInfo {
        EdgeInfo { strength: self.strength[e], recency: dequantize_recency(self.recency[e]), cost: self.cost[e] }
    }

    /// Neighbours of `v` in increasing index order with their tie (empty when out of range).
    pub fn neighbors(&self, v: u32) -> impl Iterator<Item = (u32, EdgeInfo)> + '_ {
        let range = if v < self.node_count() { self.range(v) } else { 0..0 };
        range.map(|e| (self.targets[e], self.info(e)))
    }

    /// The tie between `a` and `b`, if any.
    pub fn edge(&self, a: u32, b: u32) -> Option<EdgeInfo> {
        self.edge_index(a, b).map(|e| self.info(e))
    }

    fn edge_index(&self, a: u32, b: u32) -> Option<usize> {
        let n = self.node_count();
        if a >= n || b >= n {
            return None;
        }
        // Search the shorter list: hubs have thousands of ties.
        let (from, to) = if self.degree(a) <= self.degree(b) { (a, b) } else { (b, a) };
        let range = self.range(from);
        let start = range.start;
        self.targets[range].binary_search(&to).ok().map(|i| start + i)
    }

    /// Sum of the tie costs along `nodes`, or `None` if two consecutive nodes are not tied.
    pub fn path_cost(&self, nodes: &[u32]) -> Option<f32> {
        nodes.windows(2).try_fold(0.0f32, |sum, pair| self.edge_index(pair[0], pair[1]).map(|e| sum + self.cost[e]))
    }

    /// A searcher with buffers from this graph's pool (allocated on first use, returned to the
    /// pool on drop).
    pub fn searcher(&self) -> Searcher<'_> {
        let buf = self.pool.lock().unwrap_or_else(PoisonError::into_inner).pop().unwrap_or_default();
        Searcher { graph: self, buf }
    }

    /// See [`Searcher::fewest_hops`].
    pub fn fewest_hops(&self, from: u32, targets: &[u32], max_hops: u32) -> Option<Path> {
        self.searcher().fewest_hops(from, targets, max_hops)
    }

    /// See [`Searcher::strongest`].
    pub fn strongest(&self, from: u32, targets: &[u32], max_hops: u32) -> Option<Path> {
        self.searcher().strongest(from, targets, max_hops)
    }

    /// See [`Searcher::k_paths`].
    pub fn k_paths(&self, from: u32, targets: &[u32], k: usize, by: By, max_hops: u32) -> Vec<Path> {
        self.searcher().k_paths(from, targets, k, by, max_hops)
    }

    /// See [`Searcher::k_paths_avoiding`].
    pub fn k_paths_avoiding(
        &self,
        from: u32,
        targets: &[u32],
        k: usize,
        by: By,
        max_hops: u32,
        avoid: &[u32],
    ) -> Vec<Path> {
        self.searcher().k_paths_avoiding(from, targets, k, by, max_hops, avoid)
    }

    /// See [`Searcher::nearest`].
    pub fn nearest(&self, from: u32, targets: &[u32], max_hops: u32) -> Option<Nearest> {
        self.searcher().nearest(from, targets, max_hops)
    }
}

/// Runs searches on one graph with reusable buffers: after the first query, a query allocates
/// nothing proportional to the graph. Out-of-range sources give `None`; out-of-range targets
/// are ignored.
pub struct Searcher<'g> {
    graph: &'g Graph,
    buf: Buffers,
}

impl Drop for Searcher<'_> {
    fn drop(&mut self) {
        let buf = std::mem::take(&mut self.buf);
        self.graph.pool.lock().unwrap_or_else(PoisonError::into_inner).push(buf);
    }
}

/// Whether a query needs a search at all.
enum Start {
    Invalid,
    AtTarget,
    Search,
}

fn classify(graph: &Graph, from: u32, targets: &[u32]) -> Start {
    let n = graph.node_count();
    if from >= n || !targets.iter().any(|&t| t < n) {
        Start::Invalid
    } else if targets.contains(&from) {
        Start::AtTarget
    } else {
        Start::Search
    }
}

impl Searcher<'_> {
    /// A chain with the fewest hops (at most `max_hops`) from `from` to any of `targets`.
    /// Among equally short chains the choice is deterministic but arbitrary. `cost` is the
    /// chain's cost all the same.
    pub fn fewest_hops(&mut self, from: u32, targets: &[u32], max_hops: u32) -> Option<Path> {
        let g = self.graph;
        match classify(g, from, targets) {
            Start::Invalid => None,
            Start::AtTarget => Some(Path::single(from)),
            Start::Search => {
                self.buf.block_active = false;
                let generation = self.buf.begin(g.node_count() as usize, false);
                let q = Query::new(from, targets, max_hops);
                self.buf.bfs(g, &q, generation, OnMeet::Stop)
            }
        }
    }

    /// The warmest (cheapest) chain with at most `max_hops` hops from `from` to any of
    /// `targets`. Exact: it is the cheapest among all chains within the limit, even when a
    /// cheaper but longer chain exists.
    pub fn strongest(&mut self, from: u32, targets: &[u32], max_hops: u32) -> Option<Path> {
        let g = self.graph;
        match classify(g, from, targets) {
            Start::Invalid => None,
            Start::AtTarget => Some(Path::single(from)),
            Start::Search => {
                self.buf.block_active = false;
                self.buf.strongest(g, &Query::new(from, targets, max_hops))
            }
        }
    }

    /// Up to `k` chains, best first by `by`, no two of which share a middle person (nor, for
    /// chains without a middle person, the same direct tie). Greedy: each chain is the best one
    /// avoiding the middle people of the chains before it. When the source is itself a target
    /// the only answer is that 0-hop chain.
    pub fn k_paths(&mut self, from: u32, targets: &[u32], k: usize, by: By, max_hops: u32) -> Vec<Path> {
        self.k_paths_avoiding(from, targets, k, by, max_hops, &[])
    }

    /// [`Searcher::k_paths`] on the graph without the nodes `avoid` (no chain enters them): the
    /// same chains as on a graph built without their ties, with the nodes numbered alike. `from`
    /// and `targets` should not be among them (a search still starts at `from` and ends at the
    /// targets). Out-of-range nodes in `avoid` are ignored.
    pub fn k_paths_avoiding(
        &mut self,
        from: u32,
        targets: &[u32],
        k: usize,
        by: By,
        max_hops: u32,
        avoid: &[u32],
    ) -> Vec<Path> {
        let g = self.graph;
        if k == 0 {
            return Vec::new();
        }
        match classify(g, from, targets) {
            Start::Invalid => return Vec::new(),
            Start::AtTarget => return vec![Path::single(from)],
            Start::Search => {}
        }
        let q = Query::new(from, targets, max_hops);
        self.buf.start_blocking(g.node_count() as usize);
        for &a in avoid {
            if let Some(b) = self.buf.blocked.get_mut(a as usize) {
                *b = self.buf.block_gen;
            }
        }
        let mut paths: Vec<Path> = Vec::new();
        while paths.len() < k {
            let found = match by {
                By::Hops => {
                    let generation = self.buf.begin(g.node_count() as usize, false);
                    self.buf.bfs(g, &q, generation, OnMeet::Stop)
                }
                By::Strength => self.buf.strongest(g, &q),
            };
            let Some(path) = found else { break };
            if path.hops() == 1 {
                self.buf.direct_blocked.push(path.nodes[1]);
            } else {
                for &m in path.middle() {
                    self.buf.blocked[m as usize] = self.buf.block_gen;
                }
            }
            paths.push(path);
        }
        self.buf.block_active = false;
        // Each search runs under more exclusions than the one before, so the sequence is
        // already best first; sorting only settles ties and float noise by the secondary key.
        match by {
            By::Hops => paths.sort_by(|a, b| a.hops().cmp(&b.hops()).then(a.cost.total_cmp(&b.cost))),
            By::Strength => paths.sort_by(|a, b| a.cost.total_cmp(&b.cost).then(a.hops().cmp(&b.hops()))),
        }
        paths
    }

    /// For "no chain within `max_hops`; nearest: …". See [`Nearest`] for the definition. `None`
    /// when the targets are unreachable altogether (or the input is out of range). Costs two
    /// breadth-first searches, which may cover the whole component: meant for the rare
    /// no-chain answer, not for every query.
    pub fn nearest(&mut self, from: u32, targets: &[u32], max_hops: u32) -> Option<Nearest> {
        let g = self.graph;
        match classify(g, from, targets) {
            Start::Invalid => None,
            Start::AtTarget => {
                Some(Nearest { node: from, from_source: Path::single(from), to_target: Path::single(from) })
            }
            Start::Search => {
                self.buf.block_active = false;
                self.buf.nearest(g, &Query::new(from, targets, max_hops))
            }
        }
    }
}

struct Query<'a> {
    from: u32,
    targets: &'a [u32],
    max_hops: u32,
}

impl<'a> Query<'a> {
    fn new(from: u32, targets: &'a [u32], max_hops: u32) -> Self {
        Query { from, targets, max_hops }
    }
}

const FWD: usize = 0;
const BWD: usize = 1;

/// Per-node search state of one direction, valid only when `stamp` equals the buffers'
/// current generation (so starting a query is O(1), not O(n)).
///
/// In the breadth-first arrays `link` is the parent node and `hops` the depth. In the label
/// arrays `link` is the last settled label at this node (labels chain back through
/// `Label::prev`) and `cost`/`hops` describe the cheapest label pushed so far, used to skip
/// pushing labels it dominates.
#[derive(Debug, Clone, Copy, Default)]
struct NodeState {
    stamp: u32,
    link: u32,
    hops: u32,
    cost: f32,
}

/// Both directions' state of a node in one 32-byte cell: a relaxation that checks the other
/// side's state touches one cache line, not two.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(32))]
struct NodePair([NodeState; 2]);

/// A partial chain in the label search: reaching `node` with `hops` ties at `cost`.
#[derive(Debug, Clone, Copy)]
struct Label {
    node: u32,
    /// Label this one extends, `NONE` at a search root.
    parent: u32,
    /// Previously settled label at the same node: settled labels of a node form a chain of
    /// increasing cost and strictly decreasing hops.
    prev: u32,
    hops: u32,
    cost: f32,
}

/// What a breadth-first level expansion does when it reaches a node the other side reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OnMeet {
    /// Stop at once (fewest hops: the first meeting is a shortest chain).
    Stop,
    /// Remember the first one but finish the level, so the level is complete.
    Finish,
    /// Not looking for meetings.
    Ignore,
}

/// Ball radius `strongest` wants on each side for its hop lower bounds (see `grow_balls`).
const BALL_RADIUS: u32 = 2;

/// Growing a ball stops when the next level would scan more ties than this: around a hub the
/// second level alone can be most of the graph, and the bound is only an accelerator.
const BALL_WORK: u64 = 200_000;

#[derive(Debug, Default)]
struct Buffers {
    generation: u32,
    /// Breadth-first state. `strongest` keeps it through the label search: the balls it
    /// describes give hop lower bounds.
    hop: Vec<NodePair>,
    /// Label-search state (allocated on the first `strongest`).
    lab: Vec<NodePair>,
    frontier: [Vec<u32>; 2],
    /// Ties the current frontier of each side would scan.
    work: [u64; 2],
    /// Levels of each side's breadth-first search that are complete: every node within this
    /// many hops of the side's roots is in `hop` with its exact distance.
    radius: [u32; 2],
    next: Vec<u32>,
    heap: [BinaryHeap<Reverse<u64>>; 2],
    labels: [Vec<Label>; 2],
    /// Middle people excluded by `k_paths` (stamped with `block_gen`).
    blocked: Vec<u32>,
    block_gen: u32,
    block_active: bool,
    /// Targets whose direct tie from the source `k_paths` already used.
    direct_blocked: Vec<u32>,
}

/// Best chain found so far by the label search.
struct Best {
    cost: f32,
    /// Forward and backward label that join (at one node, or across one tie); `None` while
    /// the fewest-hops chain is still the best known.
    meet: Option<(u32, u32)>,
}

impl Best {
    fn offer(&mut self, side: usize, this: u32, other: u32, cost: f32) {
        if cost < self.cost {
            self.cost = cost;
            self.meet = Some(if side == FWD { (this, other) } else { (other, this) });
        }
    }
}

/// Orders the heap by cost, then by label creation order so ties break deterministically.
/// Costs are non-negative, so their bit patterns sort like the values.
fn heap_key(cost: f32, label: u32) -> u64 {
    (u64::from(cost.to_bits()) << 32) | u64::from(label)
}

fn key_cost(key: u64) -> f32 {
    f32::from_bits((key >> 32) as u32)
}

impl Buffers {
    /// Starts a query: sizes the arrays once per graph and bumps the generation, which
    /// invalidates all earlier state in O(1). One generation covers a whole query, so the
    /// breadth-first state stays valid while `strongest` runs its label search.
    fn begin(&mut self, n: usize, labels: bool) -> u32 {
        if self.hop.len() != n {
            self.hop = vec![NodePair::default(); n];
            self.lab = Vec::new();
            self.generation = 0;
        }
        if labels && self.lab.len() != n {
            self.lab = vec![NodePair::default(); n];
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            // Once every 4 billion queries: stale stamps could now look current.
            self.hop.fill(NodePair::default());
            self.lab.fill(NodePair::default());
            self.generation = 1;
        }
        self.generation
    }

    fn start_blocking(&mut self, n: usize) {
        if self.blocked.len() != n {
            self.blocked = vec![0; n];
            self.block_gen = 0;
        }
        self.block_gen = self.block_gen.wrapping_add(1);
        if self.block_gen == 0 {
            self.blocked.fill(0);
            self.block_gen = 1;
        }
        self.block_active = true;
        self.direct_blocked.clear();
    }

    /// Whether the tie `u`–`w` may be used, `w` being the node it leads to.
    #[inline]
    fn allowed(&self, from: u32, u: u32, w: u32) -> bool {
        if !self.block_active {
            return true;
        }
        if self.blocked[w as usize] == self.block_gen {
            return false;
        }
        if u == from {
            !self.direct_blocked.contains(&w)
        } else if w == from {
            !self.direct_blocked.contains(&u)
        } else {
            true
        }
    }

    fn visit(&mut self, v: u32, side: usize, generation: u32) {
        self.hop[v as usize].0[side] = NodeState { stamp: generation, link: NONE, hops: 0, cost: 0.0 };
    }

    /// Seeds the forward frontier with the source and the backward one with the targets.
    fn seed_bfs(&mut self, g: &Graph, q: &Query, generation: u32) {
        let n = g.node_count();
        self.frontier[FWD].clear();
        self.frontier[BWD].clear();
        self.radius = [0, 0];
        self.visit(q.from, FWD, generation);
        self.frontier[FWD].push(q.from);
        self.work = [u64::from(g.degree(q.from)), 0];
        for &t in q.targets {
            if t < n && self.hop[t as usize].0[BWD].stamp != generation {
                self.visit(t, BWD, generation);
                self.frontier[BWD].push(t);
                self.work[BWD] += u64::from(g.degree(t));
            }
        }
    }

    /// Bidirectional BFS. Invariant: while no node has been reached from both sides, the
    /// source ball of radius `radius[FWD]` and the target ball of radius `radius[BWD]` are
    /// disjoint, so the distance is at least `radius[FWD] + radius[BWD] + 1`. The next level
    /// expansion reaches exactly that many hops, hence any meeting it finds is a shortest
    /// chain. With `OnMeet::Stop` the search ends at the first one; with `OnMeet::Finish` the
    /// level is completed first so both balls stay exact.
    fn bfs(&mut self, g: &Graph, q: &Query, generation: u32, on_meet: OnMeet) -> Option<Path> {
        self.seed_bfs(g, q, generation);
        while self.radius[FWD] + self.radius[BWD] < q.max_hops {
            if self.frontier[FWD].is_empty() || self.frontier[BWD].is_empty() {
                return None;
            }
            // Grow the side with fewer ties to scan: on a power-law graph one hub in a
            // frontier can cost more than thousands of ordinary people.
            let side = if self.work[FWD] <= self.work[BWD] { FWD } else { BWD };
            if let Some(m) = self.expand_level(g, q, side, generation, on_meet) {
                return Some(self.bfs_path(g, m));
            }
        }
        None
    }

    /// Visits all unvisited neighbours of `side`'s frontier, one level deeper; returns the
    /// first node found that the other side had reached (unless told to ignore meetings).
    fn expand_level(&mut self, g: &Graph, q: &Query, side: usize, generation: u32, on_meet: OnMeet) -> Option<u32> {
        let other = 1 - side;
        let depth = self.radius[side] + 1;
        let frontier = std::mem::take(&mut self.frontier[side]);
        let mut next = std::mem::take(&mut self.next);
        next.clear();
        let mut work = 0u64;
        let mut meet = None;
        'scan: for &u in &frontier {
            for e in g.range(u) {
                let w = g.targets[e];
                if !self.allowed(q.from, u, w) {
                    continue;
                }
                let pair = &mut self.hop[w as usize].0;
                if pair[side].stamp == generation {
                    continue;
                }
                pair[side] = NodeState { stamp: generation, link: u, hops: depth, cost: 0.0 };
                if on_meet != OnMeet::Ignore && meet.is_none() && pair[other].stamp == generation {
                    meet = Some(w);
                    if on_meet == OnMeet::Stop {
                        break 'scan;
                    }
                }
                next.push(w);
                work += u64::from(g.degree(w));
            }
        }
        self.frontier[side] = next;
        self.next = frontier;
        self.work[side] = work;
        self.radius[side] = depth;
        meet
    }

    /// Follows BFS parents from `node` back to the root of `side`.
    fn bfs_chain(&self, node: u32, side: usize, out: &mut Vec<u32>) {
        let mut v = node;
        while v != NONE {
            out.push(v);
            v = self.hop[v as usize].0[side].link;
        }
    }

    fn bfs_path(&self, g: &Graph, meet: u32) -> Path {
        let mut nodes = Vec::new();
        self.bfs_chain(meet, FWD, &mut nodes);
        nodes.reverse();
        let back = self.hop[meet as usize].0[BWD].link;
        self.bfs_chain(back, BWD, &mut nodes);
        let cost = g.path_cost(&nodes).unwrap_or(f32::INFINITY);
        Path { nodes, cost }
    }

    /// Extends both breadth-first balls to `BALL_RADIUS` complete levels where that is cheap.
    /// A node outside the target ball is at least `radius[BWD] + 1` hops from every target,
    /// one inside it exactly its depth; the same holds for the source. The label search drops
    /// a label that cannot reach the other end within the limit: with `max_hops` 6 and radius
    /// 2, a forward label 4 hops out must already be within 2 hops of a target. That cuts off
    /// the long runs of warm ties that otherwise flood the search.
    fn grow_balls(&mut self, g: &Graph, q: &Query, generation: u32) {
        for side in [FWD, BWD] {
            while self.radius[side] < BALL_RADIUS && !self.frontier[side].is_empty() && self.work[side] <= BALL_WORK {
                self.expand_level(g, q, side, generation, OnMeet::Ignore);
            }
        }
    }

    /// Lower bound on the hops from `v` to the roots of `side` (source or targets).
    #[inline]
    fn hops_to(&self, side: usize, v: u32, generation: u32) -> u32 {
        let st = &self.hop[v as usize].0[side];
        if st.stamp == generation { st.hops } else { self.radius[side] + 1 }
    }

    /// Cheapest chain within the hop limit.
    ///
    /// Labels are (node, hops, cost) with the chain that produced them. Each side settles its
    /// labels in cost order and keeps a settled label only if it has fewer hops than every
    /// settled label at that node before it (a cheaper label with no more hops dominates it).
    /// Every settle and every relaxed tie is checked against the other side's settled labels
    /// whose hops fit in the remaining budget. Labels that cannot reach the other end within
    /// the limit, by the breadth-first lower bounds, are never created.
    ///
    /// Stopping rule, as for plain bidirectional Dijkstra: stop when `top_fwd + top_bwd` reaches
    /// the best cost `mu`. Proof sketch: take a chain P within the limit cheaper than `mu`. No
    /// label of P (its prefixes forward, suffixes backward) is pruned by the lower bounds, as
    /// P itself completes it. Let x_j be the last node of P's longest prefix whose every node
    /// has a settled forward label dominating P's prefix. If that is all of P, the target was
    /// settled forward and met the backward root label there. Otherwise x_{j+1}'s prefix costs
    /// at least `top_fwd` (everything cheaper is dominated by a settled label), so its suffix
    /// costs less than `top_bwd` and is dominated by a settled backward label; whichever of
    /// x_j, x_{j+1} was settled second saw the other across the tie. Either way
    /// `mu <= cost(P)`. The roots are settled before the loop so this also holds with
    /// zero-cost ties.
    fn strongest(&mut self, g: &Graph, q: &Query) -> Option<Path> {
        let generation = self.begin(g.node_count() as usize, true);
        // The fewest-hops chain proves a chain exists (an unreachable target costs one BFS)
        // and is the first upper bound.
        let upper = self.bfs(g, q, generation, OnMeet::Finish)?;
        if upper.cost <= 0.0 {
            return Some(upper);
        }
        self.grow_balls(g, q, generation);
        for side in [FWD, BWD] {
            self.heap[side].clear();
            self.labels[side].clear();
        }
        let mut best = Best { cost: upper.cost, meet: None };

        let root = self.new_label(FWD, q.from, NONE, 0, 0.0, generation);
        self.settle(g, q, FWD, root, generation, &mut best);
        // Create every backward root before settling any: settling pushes labels onto
        // neighbours, which may be other targets, and the stamp check dedupes targets.
        for &t in q.targets {
            if t < g.node_count() && self.lab[t as usize].0[BWD].stamp != generation {
                self.new_label(BWD, t, NONE, 0, 0.0, generation);
            }
        }
        for root in 0..self.labels[BWD].len() as u32 {
            self.settle(g, q, BWD, root, generation, &mut best);
        }

        loop {
            let top =
                |heap: &BinaryHeap<Reverse<u64>>| heap.peek().map_or(f32::INFINITY, |&Reverse(key)| key_cost(key));
            // An empty side makes this infinite; `best.cost` is finite (the BFS chain).
            if top(&self.heap[FWD]) + top(&self.heap[BWD]) >= best.cost {
                break;
            }
            let side = if self.heap[FWD].len() <= self.heap[BWD].len() { FWD } else { BWD };
            if let Some(Reverse(key)) = self.heap[side].pop() {
                self.settle(g, q, side, key as u32, generation, &mut best);
            }
        }

        Some(match best.meet {
            None => upper,
            Some((fwd, bwd)) => self.label_path(g, q, fwd, bwd),
        })
    }

    fn new_label(&mut self, side: usize, node: u32, parent: u32, hops: u32, cost: f32, generation: u32) -> u32 {
        let st = &mut self.lab[node as usize].0[side];
        if st.stamp != generation {
            *st = NodeState { stamp: generation, link: NONE, hops: NONE, cost: f32::INFINITY };
        }
        if cost < st.cost {
            st.cost = cost;
            st.hops = hops;
        }
        let idx = self.labels[side].len() as u32;
        self.labels[side].push(Label { node, parent, prev: NONE, hops, cost });
        idx
    }

    /// Cheapest settled label of `side` at `v` with at most `budget` hops.
    #[inline]
    fn best_settled(&self, side: usize, v: u32, budget: u32, generation: u32) -> Option<u32> {
        let st = &self.lab[v as usize].0[side];
        if st.stamp != generation {
            return None;
        }
        // Walking back from the newest settled label goes to cheaper labels with more hops;
        // the last one that still fits the budget is the cheapest that does.
        let labels = &self.labels[side];
        let mut cur = st.link;
        let mut found = None;
        while cur != NONE && labels[cur as usize].hops <= budget {
            found = Some(cur);
            cur = labels[cur as usize].prev;
        }
        found
    }

    fn settle(&mut self, g: &Graph, q: &Query, side: usize, idx: u32, generation: u32, best: &mut Best) {
        let other = 1 - side;
        let label = self.labels[side][idx as usize];
        let v = label.node;
        let head = self.lab[v as usize].0[side].link;
        if head != NONE && self.labels[side][head as usize].hops <= label.hops {
            return; // a cheaper-or-equal label with no more hops is already settled here
        }
        self.labels[side][idx as usize].prev = head;
        self.lab[v as usize].0[side].link = idx;

        let budget = q.max_hops - label.hops;
        if let Some(o) = self.best_settled(other, v, budget, generation) {
            best.offer(side, idx, o, label.cost + self.labels[other][o as usize].cost);
        }
        if budget == 0 {
            return;
        }
        let hops = label.hops + 1;
        // Below this many hops every node passes the lower-bound test, so the ball lookup
        // (a second random memory access) is only paid near the hop limit.
        let check_bound = (budget - 1) <= self.radius[other];
        for e in g.range(v) {
            let w = g.targets[e];
            if !self.allowed(q.from, v, w) {
                continue;
            }
            let cost = label.cost + g.cost[e];
            if cost >= best.cost {
                continue; // costs never decrease along a chain
            }
            if check_bound && self.hops_to(other, w, generation) > budget - 1 {
                continue; // cannot reach the other end within the limit
            }
            if let Some(o) = self.best_settled(other, w, budget - 1, generation) {
                best.offer(side, idx, o, cost + self.labels[other][o as usize].cost);
            }
            let st = &self.lab[w as usize].0[side];
            if st.stamp == generation {
                if st.link != NONE && self.labels[side][st.link as usize].hops <= hops {
                    continue; // dominated by a settled label (settled ones are no dearer)
                }
                if cost >= st.cost && hops >= st.hops {
                    continue; // dominated by a label already waiting in the heap
                }
            }
            let li = self.new_label(side, w, idx, hops, cost, generation);
            self.heap[side].push(Reverse(heap_key(cost, li)));
        }
    }

    fn label_path(&self, g: &Graph, q: &Query, fwd: u32, bwd: u32) -> Path {
        let mut nodes = Vec::new();
        let mut cur = fwd;
        while cur != NONE {
            let label = &self.labels[FWD][cur as usize];
            nodes.push(label.node);
            cur = label.parent;
        }
        nodes.reverse();
        let mut cur = bwd;
        while cur != NONE {
            let label = &self.labels[BWD][cur as usize];
            // A node meeting joins two labels at the same node: keep it once.
            if nodes.last() != Some(&label.node) {
                nodes.push(label.node);
            }
            cur = label.parent;
        }
        tidy(&mut nodes, q.targets);
        let cost = g.path_cost(&nodes).unwrap_or(f32::INFINITY);
        Path { nodes, cost }
    }

    fn nearest(&mut self, g: &Graph, q: &Query) -> Option<Nearest> {
        let generation = self.begin(g.node_count() as usize, false);
        self.seed_bfs(g, q, generation);
        // First the whole forward ball within the limit, then backward levels from the targets
        // until one touches the ball.
        while self.radius[FWD] < q.max_hops && !self.frontier[FWD].is_empty() {
            self.expand_level(g, q, FWD, generation, OnMeet::Ignore);
        }
        loop {
            // Nodes of this backward level that the source reaches within the limit.
            let pick = self.frontier[BWD]
                .iter()
                .filter_map(|&v| {
                    let st = &self.hop[v as usize].0[FWD];
                    (st.stamp == generation).then_some((st.hops, v))
                })
                .min();
            if let Some((_, node)) = pick {
                let mut from_source = Vec::new();
                self.bfs_chain(node, FWD, &mut from_source);
                from_source.reverse();
                let mut to_target = Vec::new();
                self.bfs_chain(node, BWD, &mut to_target);
                let path = |nodes: Vec<u32>| Path { cost: g.path_cost(&nodes).unwrap_or(f32::INFINITY), nodes };
                return Some(Nearest { node, from_source: path(from_source), to_target: path(to_target) });
            }
            if self.frontier[BWD].is_empty() {
                return None;
            }
            self.expand_level(g, q, BWD, generation, OnMeet::Ignore);
        }
    }
}

/// With zero-cost ties an equally cheap walk can win the label search; cut the chain at its
/// first target and remove loops, which never makes it longer or dearer.
fn tidy(nodes: &mut Vec<u32>, targets: &[u32]) {
    if let Some(i) = nodes.iter().position(|v| targets.contains(v)) {
        nodes.truncate(i + 1);
    }
    let mut i = 0;
    while i < nodes.len() {
        if let Some(j) = nodes[i + 1..].iter().rposition(|&x| x == nodes[i]) {
            nodes.drain(i + 1..=i + 1 + j);
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    const ALL: u32 = u32::MAX;

    fn graph(n: u32, ties: &[Tie]) -> Graph {
        let mut b = GraphBuilder::new();
        b.ensure_nodes(n);
        for &(a, c, s, r) in ties {
            b.add_edge(a, c, s, r);
        }
        b.build()
    }

    /// Every tie at full strength and freshness costs 0; `warm` ties cost `-ln 0.8`.
    fn line(n: u32) -> Graph {
        let ties: Vec<_> = (0..n - 1).map(|v| (v, v + 1, 4, 1.0)).collect();
        graph(n, &ties)
    }

    fn nodes(path: &Option<Path>) -> Option<Vec<u32>> {
        path.as_ref().map(|p| p.nodes.clone())
    }

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() <= 1e-4
    }

    #[test]
    fn edge_cost_is_minus_log_probability() {
        assert_eq!(edge_cost(5, 1.0), 0.0);
        assert!(edge_cost(5, 1.0).is_sign_positive());
        assert!(close(edge_cost(1, 0.0), 10f32.ln()));
        assert!(close(edge_cost(4, 1.0), -(0.8f32.ln())));
        assert!(close(edge_cost(5, 0.0), 2f32.ln()));
        // Out-of-range input is clamped, never NaN or negative.
        assert_eq!(edge_cost(0, 0.0), edge_cost(1, 0.0));
        assert_eq!(edge_cost(9, 2.0), 0.0);
        assert_eq!(edge_cost(3, f32::NAN), edge_cost(3, 0.0));
        assert_eq!(edge_cost(3, -1.0), edge_cost(3, 0.0));
    }

    #[test]
    fn builder_drops_self_loops_and_keeps_the_warmest_duplicate() {
        let g = graph(
            5,
            &[
                (0, 0, 5, 1.0), // self-loop
                (0, 1, 2, 0.5),
                (1, 0, 4, 0.25), // warmer duplicate, reversed
                (0, 1, 1, 1.0),
                (3, 2, 3, 0.0),
            ],
        );
        assert_eq!(g.node_count(), 5);
        assert_eq!(g.edge_count(), 2);
        let tie = g.edge(1, 0).expect("tie");
        assert_eq!(tie.strength, 4);
        assert!(close(tie.recency, 0.25));
        assert!(close(tie.cost, edge_cost(4, 0.25)));
        assert_eq!(g.edge(0, 1), g.edge(1, 0));
        assert_eq!(g.edge(0, 0), None);
        assert_eq!(g.edge(0, 4), None);
        assert_eq!(g.edge(0, 99), None);
        assert_eq!(g.degree(4), 0);
        assert_eq!(g.degree(99), 0);
        assert_eq!(g.neighbors(2).map(|(v, _)| v).collect::<Vec<_>>(), vec![3]);
        assert_eq!(g.neighbors(99).count(), 0);
        assert_eq!(g.heap_bytes(), 4 * 6 + 22 * 2);
    }

    #[test]
    fn empty_graph_and_out_of_range_input_give_nothing() {
        let g = Graph::default();
        assert_eq!(g.node_count(), 0);
        assert_eq!(g.fewest_hops(0, &[1], 6), None);
        let g = line(4);
        assert_eq!(g.fewest_hops(9, &[1], 6), None);
        assert_eq!(g.strongest(0, &[9], 6), None);
        assert_eq!(g.strongest(0, &[], 6), None);
        assert_eq!(g.strongest(NONE, &[NONE], 6), None);
        assert!(g.k_paths(0, &[9], 3, By::Strength, 6).is_empty());
        assert!(g.k_paths(0, &[3], 0, By::Strength, 6).is_empty());
        assert_eq!(g.nearest(0, &[9], 6), None);
        // Out-of-range targets are ignored, valid ones still count.
        assert_eq!(nodes(&g.fewest_hops(0, &[9, 3, 77], 6)), Some(vec![0, 1, 2, 3]));
        let mut b = GraphBuilder::new();
        b.add_edge(NONE, 1, 3, 0.5);
        assert_eq!(b.edge_count(), 0);
    }

    #[test]
    fn source_that_is_a_target_is_a_zero_hop_chain() {
        let g = line(3);
        for path in [g.fewest_hops(1, &[2, 1], 6), g.strongest(1, &[1], 0)] {
            let path = path.expect("0-hop chain");
            assert_eq!(path.nodes, vec![1]);
            assert_eq!(path.hops(), 0);
            assert_eq!(path.cost, 0.0);
            assert!(path.middle().is_empty());
        }
        assert_eq!(g.k_paths(1, &[1], 5, By::Hops, 6).len(), 1);
        assert_eq!(g.nearest(1, &[1], 6).map(|n| n.node), Some(1));
    }

    #[test]
    fn line_respects_the_hop_limit() {
        let g = line(5);
        assert_eq!(nodes(&g.fewest_hops(0, &[4], 6)), Some(vec![0, 1, 2, 3, 4]));
        assert_eq!(nodes(&g.fewest_hops(4, &[0], 4)), Some(vec![4, 3, 2, 1, 0]));
        assert_eq!(g.fewest_hops(0, &[4], 3), None);
        assert_eq!(nodes(&g.strongest(0, &[4], 4)), Some(vec![0, 1, 2, 3, 4]));
        assert_eq!(g.strongest(0, &[4], 3), None);
        assert_eq!(g.fewest_hops(0, &[1], 0), None);
        let path = g.strongest(0, &[4], 6).expect("chain");
        assert!(close(path.cost, 4.0 * edge_cost(4, 1.0)));
        assert!(close(path.warmth(), 0.8f32.powi(4)));
    }

    #[test]
    fn strongest_prefers_warm_chains_and_fewest_hops_prefers_short_ones() {
        // 0 - 1 - 4 is short but cold; 0 - 2 - 3 - 4 is one hop longer but warm.
        let g = graph(5, &[(0, 1, 1, 0.0), (1, 4, 2, 0.1), (0, 2, 5, 1.0), (2, 3, 5, 0.9), (3, 4, 4, 1.0)]);
        assert_eq!(nodes(&g.fewest_hops(0, &[4], 6)), Some(vec![0, 1, 4]));
        assert_eq!(nodes(&g.strongest(0, &[4], 6)), Some(vec![0, 2, 3, 4]));
        // With two hops allowed only the cold chain fits.
        assert_eq!(nodes(&g.strongest(0, &[4], 2)), Some(vec![0, 1, 4]));
    }

    #[test]
    fn strongest_finds_the_best_chain_within_the_limit_not_just_any() {
        // Three ways from 0 to 9: two hops (cold), three hops (medium), five hops (warmest).
        let g = graph(
            10,
            &[
                (0, 1, 1, 0.0),
                (1, 9, 1, 0.0),
                (0, 2, 4, 0.5),
                (2, 3, 4, 0.5),
                (3, 9, 4, 0.5),
                (0, 4, 5, 1.0),
                (4, 5, 5, 1.0),
                (5, 6, 5, 0.9),
                (6, 7, 5, 1.0),
                (7, 9, 5, 1.0),
            ],
        );
        assert_eq!(nodes(&g.strongest(0, &[9], 6)), Some(vec![0, 4, 5, 6, 7, 9]));
        assert_eq!(nodes(&g.strongest(0, &[9], 4)), Some(vec![0, 2, 3, 9]));
        assert_eq!(nodes(&g.strongest(0, &[9], 3)), Some(vec![0, 2, 3, 9]));
        assert_eq!(nodes(&g.strongest(0, &[9], 2)), Some(vec![0, 1, 9]));
        assert_eq!(g.strongest(0, &[9], 1), None);
    }

    #[test]
    fn an_organisation_is_reached_through_whoever_is_closest() {
        // Targets 5 and 6 work at the same place; 6 is nearer, 5 warmer.
        let g = graph(7, &[(0, 1, 3, 0.5), (1, 6, 1, 0.0), (1, 2, 5, 1.0), (2, 3, 5, 1.0), (3, 5, 5, 1.0)]);
        assert_eq!(nodes(&g.fewest_hops(0, &[5, 6], 6)), Some(vec![0, 1, 6]));
        assert_eq!(nodes(&g.strongest(0, &[5, 6], 6)), Some(vec![0, 1, 2, 3, 5]));
        assert_eq!(nodes(&g.strongest(0, &[6, 5, 6], 3)), Some(vec![0, 1, 6]));
    }

    #[test]
    fn k_paths_do_not_share_middle_people() {
        // A direct tie 0-9, three introducers 1, 2, 3 of different warmth, and 4 who only
        // reaches 9 through 1.
        let g = graph(
            10,
            &[
                (0, 9, 1, 0.0),
                (0, 1, 5, 1.0),
                (1, 9, 5, 1.0),
                (0, 2, 3, 0.5),
                (2, 9, 3, 0.5),
                (0, 3, 4, 0.5),
                (3, 9, 4, 0.5),
                (0, 4, 5, 1.0),
                (4, 1, 5, 1.0),
            ],
        );
        let by_strength: Vec<_> = g.k_paths(0, &[9], 10, By::Strength, 6).into_iter().map(|p| p.nodes).collect();
        assert_eq!(by_strength, vec![vec![0, 1, 9], vec![0, 3, 9], vec![0, 2, 9], vec![0, 9]]);
        let by_hops: Vec<_> = g.k_paths(0, &[9], 2, By::Hops, 6).into_iter().map(|p| p.nodes).collect();
        assert_eq!(by_hops[0], vec![0, 9]);
        assert_eq!(by_hops[1].len(), 3);
        assert_eq!(g.k_paths(0, &[9], 10, By::Hops, 1).len(), 1);
    }

    #[test]
    fn cycles_duplicates_and_disconnected_parts_do_not_confuse_searches() {
        let g = graph(
            8,
            &[
                (0, 1, 3, 0.5),
                (1, 2, 3, 0.5),
                (2, 0, 3, 0.5),
                (2, 3, 3, 0.5),
                (3, 3, 5, 1.0),
                (3, 2, 5, 1.0),
                (3, 2, 1, 0.0),
                (5, 6, 5, 1.0),
            ],
        );
        assert_eq!(nodes(&g.fewest_hops(0, &[3], 6)), Some(vec![0, 2, 3]));
        assert_eq!(nodes(&g.strongest(0, &[3], 6)), Some(vec![0, 2, 3]));
        assert_eq!(g.fewest_hops(0, &[6], 6), None);
        assert_eq!(g.strongest(0, &[6, 7], 60), None);
        assert!(g.k_paths(0, &[5], 3, By::Strength, 6).is_empty());
        assert_eq!(g.nearest(0, &[6], 6), None);
    }

    #[test]
    fn nearest_names_the_reachable_person_closest_to_the_target() {
        let g = line(10);
        assert_eq!(g.strongest(0, &[9], 3), None);
        let near = g.nearest(0, &[9], 3).expect("nearest");
        assert_eq!(near.node, 3);
        assert_eq!(near.from_source.nodes, vec![0, 1, 2, 3]);
        assert_eq!(near.to_target.nodes, vec![3, 4, 5, 6, 7, 8, 9]);
        assert!(close(near.to_target.cost, 6.0 * edge_cost(4, 1.0)));
        // A chain within the limit makes a target its own nearest.
        let near = g.nearest(0, &[9], 9).expect("nearest");
        assert_eq!(near.node, 9);
        assert_eq!(near.to_target.hops(), 0);
    }

    #[test]
    fn explanations_come_from_the_graph() {
        let g = graph(3, &[(0, 1, 4, 0.75), (1, 2, 2, 0.5)]);
        let path = g.strongest(0, &[2], 6).expect("chain");
        let hops: Vec<_> = path.nodes.windows(2).map(|w| g.edge(w[0], w[1]).expect("tie")).collect();
        assert_eq!(hops.iter().map(|h| h.strength).collect::<Vec<_>>(), vec![4, 2]);
        let warmth: f32 = hops.iter().map(EdgeInfo::probability).product();
        assert!(close(warmth, path.warmth()));
        assert!(close(warmth, 0.8 * 0.875 * 0.4 * 0.75));
    }

    #[test]
    fn searcher_reuse_and_generation_wrap_give_the_same_answers() {
        let g =
            graph(6, &[(0, 1, 5, 1.0), (1, 2, 2, 0.3), (2, 3, 4, 0.9), (0, 4, 3, 0.2), (4, 3, 1, 0.1), (3, 5, 5, 0.5)]);
        let fresh: Vec<_> = (0..6).map(|t| (g.fewest_hops(0, &[t], 6), g.strongest(0, &[t], 6))).collect();
        let mut searcher = g.searcher();
        // The first query sizes the buffers (and resets the generation); then force a wrap.
        assert_eq!(searcher.strongest(0, &[5], 6), fresh[5].1);
        searcher.buf.generation = u32::MAX - 3;
        for _ in 0..3 {
            for (t, expected) in (0..6).zip(&fresh) {
                let got = (searcher.fewest_hops(0, &[t], 6), searcher.strongest(0, &[t], 6));
                assert_eq!(&got, expected);
            }
        }
        assert!(searcher.buf.generation < 100, "wrapped");

        // Stale state from generation 1 must not survive the wrap back to 1: the warmest
        // chain 0-1-2-3 differs from the fewest-hops one 0-4-3.
        let mut searcher = g.searcher();
        let warm = searcher.strongest(0, &[3], 6);
        assert_eq!(nodes(&warm), Some(vec![0, 1, 2, 3]));
        assert_eq!(searcher.buf.generation, 1);
        searcher.buf.generation = u32::MAX;
        assert_eq!(searcher.strongest(0, &[3], 6), warm);
        assert_eq!(searcher.buf.generation, 1);
    }

    #[test]
    fn graph_is_shareable_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Graph>();
        let g = line(50);
        std::thread::scope(|s| {
            for t in 1..4 {
                let g = &g;
                s.spawn(move || {
                    for _ in 0..100 {
                        assert_eq!(g.fewest_hops(0, &[49], ALL).map(|p| p.hops()), Some(49));
                        assert_eq!(g.strongest(t, &[0], 6).map(|p| p.hops()), Some(t));
                    }
                });
            }
        });
    }

    // ---- reference implementations, deliberately plain ----

    /// Whether `path` is a chain in `g` from `from` to a target within `max_hops`, visiting
    /// nobody twice, with the cost it claims.
    fn check_chain(g: &Graph, path: &Path, from: u32, targets: &[u32], max_hops: u32) {
        assert_eq!(path.nodes.first(), Some(&from));
        assert!(targets.contains(path.nodes.last().expect("non-empty")));
        assert!(path.hops() <= max_hops);
        let mut seen = path.nodes.clone();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), path.nodes.len(), "repeated node in {path:?}");
        let cost = g.path_cost(&path.nodes).expect("consecutive nodes are tied");
        assert!(close(cost, path.cost), "{cost} vs {path:?}");
    }

    /// Which ties a k-th search may use.
    #[derive(Default)]
    struct Excluded {
        middle: Vec<u32>,
        direct: Vec<u32>,
    }

    impl Excluded {
        fn of(paths: &[Path]) -> Self {
            let mut ex = Excluded::default();
            for p in paths {
                if p.hops() == 1 {
                    ex.direct.push(p.nodes[1]);
                }
                ex.middle.extend_from_slice(p.middle());
            }
            ex
        }

        fn allows(&self, from: u32, u: u32, w: u32) -> bool {
            let direct_used = (u == from && self.direct.contains(&w)) || (w == from && self.direct.contains(&u));
            !self.middle.contains(&w) && !direct_used
        }
    }

    /// Single-direction BFS: fewest hops to any target, if within `max_hops`.
    fn ref_hops(g: &Graph, from: u32, targets: &[u32], max_hops: u32, ex: &Excluded) -> Option<u32> {
        let n = g.node_count();
        if from >= n || !targets.iter().any(|&t| t < n) {
            return None;
        }
        let mut dist = vec![u32::MAX; n as usize];
        dist[from as usize] = 0;
        let mut queue = std::collections::VecDeque::from([from]);
        while let Some(u) = queue.pop_front() {
            if targets.contains(&u) {
                return Some(dist[u as usize]).filter(|&d| d <= max_hops);
            }
            for (w, _) in g.neighbors(u) {
                if ex.allows(from, u, w) && dist[w as usize] == u32::MAX {
                    dist[w as usize] = dist[u as usize] + 1;
                    queue.push_back(w);
                }
            }
        }
        None
    }

    /// Bellman-Ford by rounds: after round h, `dist[v]` is the cheapest walk of at most h ties.
    /// With non-negative costs the cheapest walk can always be shortened to a simple chain.
    fn ref_cost(g: &Graph, from: u32, targets: &[u32], max_hops: u32, ex: &Excluded) -> Option<f32> {
        let n = g.node_count();
        if from >= n || !targets.iter().any(|&t| t < n) {
            return None;
        }
        let mut dist = vec![f32::INFINITY; n as usize];
        dist[from as usize] = 0.0;
        for _ in 0..max_hops.min(n) {
            let mut next = dist.clone();
            for u in 0..n {
                if dist[u as usize].is_finite() && (u == from || !targets.contains(&u)) {
                    for (w, tie) in g.neighbors(u) {
                        if ex.allows(from, u, w) {
                            let c = dist[u as usize] + tie.cost;
                            if c < next[w as usize] {
                                next[w as usize] = c;
                            }
                        }
                    }
                }
            }
            dist = next;
        }
        targets.iter().filter(|&&t| t < n).map(|&t| dist[t as usize]).filter(|c| c.is_finite()).min_by(f32::total_cmp)
    }

    /// Plain one-directional Dijkstra without a hop limit.
    fn ref_dijkstra(g: &Graph, from: u32, targets: &[u32]) -> Option<f32> {
        let n = g.node_count() as usize;
        let mut dist = vec![f32::INFINITY; n];
        let mut done = vec![false; n];
        dist[from as usize] = 0.0;
        loop {
            let u = (0..n).filter(|&v| !done[v] && dist[v].is_finite()).min_by(|&a, &b| dist[a].total_cmp(&dist[b]))?;
            if targets.contains(&(u as u32)) {
                return Some(dist[u]);
            }
            done[u] = true;
            for (w, tie) in g.neighbors(u as u32) {
                let c = dist[u] + tie.cost;
                if c < dist[w as usize] {
                    dist[w as usize] = c;
                }
            }
        }
    }

    /// (a, b, strength, recency) as given to the builder.
    type Tie = (u32, u32, u8, f32);

    /// (graph, the ties it was built from, source, targets, max_hops).
    type Case = (Graph, Vec<Tie>, u32, Vec<u32>, u32);

    fn arb_case() -> impl Strategy<Value = Case> {
        (1u32..=24)
            .prop_flat_map(|n| {
                let recency = prop_oneof![
                    3 => 0f32..=1.0,
                    1 => Just(1.0f32),
                    1 => Just(0.0f32),
                    1 => -1f32..2.0,
                ];
                let tie = (0..n, 0..n, 0u8..=6, recency);
                (
                    Just(n),
                    proptest::collection::vec(tie, 0..(3 * n as usize + 4)),
                    0..n + 1,
                    proptest::collection::vec(0..n + 2, 0..4),
                    prop_oneof![4 => 0u32..=7, 1 => Just(ALL)],
                )
            })
            .prop_map(|(n, ties, from, targets, max_hops)| (graph(n, &ties), ties, from, targets, max_hops))
    }

    /// Longer, sparser graphs: a chain backbone plus a few random ties, so hop limits bite
    /// and the breadth-first balls of `strongest` end well inside the graph.
    fn arb_sparse_case() -> impl Strategy<Value = (Graph, u32, Vec<u32>, u32)> {
        (8u32..=60)
            .prop_flat_map(|n| {
                let tie = (0..n, 0..n, 1u8..=5, 0f32..=1.0);
                (
                    Just(n),
                    proptest::collection::vec((1u8..=5, 0f32..=1.0), n as usize - 1),
                    proptest::collection::vec(tie, 0..(n as usize / 2)),
                    0..n,
                    proptest::collection::vec(0..n, 1..3),
                    1u32..=10,
                )
            })
            .prop_map(|(n, backbone, extra, from, targets, max_hops)| {
                let mut ties: Vec<_> = backbone.iter().zip(0..).map(|(&(s, r), v)| (v, v + 1, s, r)).collect();
                ties.extend(extra);
                (graph(n, &ties), from, targets, max_hops)
            })
    }

    /// 400 cases by default; `PROPTEST_CASES` still wins for a longer hunt.
    fn config() -> ProptestConfig {
        let mut config = ProptestConfig::default();
        if std::env::var_os("PROPTEST_CASES").is_none() {
            config.cases = 400;
        }
        config
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn sparse_graphs_match_the_references((g, from, targets, max_hops) in arb_sparse_case()) {
            let none = Excluded::default();
            let hops = g.fewest_hops(from, &targets, max_hops);
            prop_assert_eq!(hops.as_ref().map(Path::hops), ref_hops(&g, from, &targets, max_hops, &none));
            let got = g.strongest(from, &targets, max_hops);
            let expected = ref_cost(&g, from, &targets, max_hops, &none);
            prop_assert_eq!(got.is_some(), expected.is_some());
            if let (Some(path), Some(cost)) = (&got, expected) {
                prop_assert!(close(path.cost, cost), "{:?} vs {}", path, cost);
                check_chain(&g, path, from, &targets, max_hops);
            }
            for path in g.k_paths(from, &targets, 3, By::Strength, max_hops) {
                check_chain(&g, &path, from, &targets, max_hops);
            }
        }

        #[test]
        fn graph_matches_its_tie_list((g, ties, ..) in arb_case()) {
            let mut best: HashMap<(u32, u32), f32> = HashMap::new();
            for &(a, b, s, r) in &ties {
                if a != b {
                    let c = edge_cost(s, dequantize_recency(quantize_recency(r)));
                    let e = best.entry((a.min(b), a.max(b))).or_insert(c);
                    *e = e.min(c);
                }
            }
            prop_assert_eq!(g.edge_count(), best.len());
            for v in 0..g.node_count() {
                let ns: Vec<u32> = g.neighbors(v).map(|(w, _)| w).collect();
                prop_assert!(ns.windows(2).all(|w| w[0] < w[1]), "sorted, no duplicates");
                for (w, tie) in g.neighbors(v) {
                    prop_assert_eq!(g.edge(w, v), Some(tie));
                    prop_assert!(close(tie.cost, best[&(v.min(w), v.max(w))]));
                    prop_assert!((1..=5).contains(&tie.strength));
                    prop_assert!(close(tie.cost, edge_cost(tie.strength, tie.recency)));
                }
            }
        }

        #[test]
        fn fewest_hops_matches_plain_bfs((g, _, from, targets, max_hops) in arb_case()) {
            let got = g.fewest_hops(from, &targets, max_hops);
            let expected = ref_hops(&g, from, &targets, max_hops, &Excluded::default());
            prop_assert_eq!(got.as_ref().map(Path::hops), expected);
            if let Some(path) = &got {
                check_chain(&g, path, from, &targets, max_hops);
            }
        }

        #[test]
        fn strongest_matches_hop_bounded_bellman_ford((g, _, from, targets, max_hops) in arb_case()) {
            let got = g.strongest(from, &targets, max_hops);
            let expected = ref_cost(&g, from, &targets, max_hops, &Excluded::default());
            prop_assert_eq!(got.is_some(), expected.is_some(), "{:?} vs {:?}", got, expected);
            if let (Some(path), Some(cost)) = (&got, expected) {
                prop_assert!(close(path.cost, cost), "{:?} vs {}", path, cost);
                check_chain(&g, path, from, &targets, max_hops);
            }
            if max_hops == ALL && from < g.node_count() && got.is_some() {
                let plain = ref_dijkstra(&g, from, &targets).expect("reachable");
                prop_assert!(close(got.expect("some").cost, plain));
            }
        }

        #[test]
        fn k_paths_are_disjoint_sorted_and_each_the_best_left(
            (g, _, from, targets, max_hops) in arb_case(),
            k in 1usize..6,
            by_hops in any::<bool>(),
        ) {
            let by = if by_hops { By::Hops } else { By::Strength };
            let paths = g.k_paths(from, &targets, k, by, max_hops);
            prop_assert!(paths.len() <= k);
            let mut middles: Vec<u32> = paths.iter().flat_map(|p| p.middle().to_vec()).collect();
            let total = middles.len();
            middles.sort_unstable();
            middles.dedup();
            prop_assert_eq!(middles.len(), total, "a middle person is reused: {:?}", paths);
            let mut direct: Vec<u32> = paths.iter().filter(|p| p.hops() == 1).map(|p| p.nodes[1]).collect();
            let total = direct.len();
            direct.sort_unstable();
            direct.dedup();
            prop_assert_eq!(direct.len(), total, "a direct tie is reused: {:?}", paths);
            for (i, path) in paths.iter().enumerate() {
                check_chain(&g, path, from, &targets, max_hops);
                if i > 0 {
                    let prev = &paths[i - 1];
                    match by {
                        By::Hops => prop_assert!(prev.hops() <= path.hops()),
                        By::Strength => prop_assert!(prev.cost <= path.cost),
                    }
                }
                // Each chain is as good as the best one avoiding the chains ranked before it.
                if path.hops() > 0 {
                    let ex = Excluded::of(&paths[..i]);
                    match by {
                        By::Hops => prop_assert_eq!(
                            Some(path.hops()),
                            ref_hops(&g, from, &targets, max_hops, &ex)
                        ),
                        By::Strength => prop_assert!(close(
                            path.cost,
                            ref_cost(&g, from, &targets, max_hops, &ex).expect("a chain")
                        )),
                    }
                }
            }
            // Stopping early means nothing is left.
            if paths.len() < k && paths.first().is_some_and(|p| p.hops() > 0) {
                let ex = Excluded::of(&paths);
                prop_assert_eq!(ref_hops(&g, from, &targets, max_hops, &ex), None);
            }
            if paths.is_empty() {
                prop_assert_eq!(ref_hops(&g, from, &targets, max_hops, &Excluded::default()), None);
            }
        }

        #[test]
        fn avoiding_nodes_is_searching_without_their_ties(
            (g, ties, from, targets, max_hops) in arb_case(),
            avoid in proptest::collection::vec(0u32..26, 0..5),
            k in 1usize..4,
            by_hops in any::<bool>(),
        ) {
            prop_assume!(!avoid.contains(&from));
            let by = if by_hops { By::Hops } else { By::Strength };
            let targets: Vec<u32> = targets.into_iter().filter(|t| !avoid.contains(t)).collect();
            let kept: Vec<Tie> =
                ties.iter().copied().filter(|&(a, b, ..)| !avoid.contains(&a) && !avoid.contains(&b)).collect();
            let without = graph(g.node_count(), &kept);
            // The best chain is as good as on the graph without those ties (among equally good
            // chains the choice may differ: the search's direction follows the degrees).
            let got = g.k_paths_avoiding(from, &targets, 1, by, max_hops, &avoid);
            let expected = without.k_paths(from, &targets, 1, by, max_hops);
            prop_assert_eq!(got.len(), expected.len(), "{:?} vs {:?}", got, expected);
            if let (Some(a), Some(b)) = (got.first(), expected.first()) {
                match by {
                    By::Hops => prop_assert_eq!(a.hops(), b.hops()),
                    By::Strength => prop_assert!(close(a.cost, b.cost), "{:?} vs {:?}", a, b),
                }
            }
            // Every chain of several keeps out of those nodes.
            for a in g.k_paths_avoiding(from, &targets, k, by, max_hops, &avoid) {
                prop_assert!(!a.nodes.iter().any(|v| avoid.contains(v)), "{:?}", a);
                check_chain(&without, &a, from, &targets, max_hops);
            }
        }

        #[test]
        fn nearest_matches_two_plain_bfs((g, _, from, targets, max_hops) in arb_case()) {
            let got = g.nearest(from, &targets, max_hops);
            let n = g.node_count();
            if from >= n || !targets.iter().any(|&t| t < n) {
                prop_assert_eq!(got, None);
                return Ok(());
            }
            let none = Excluded::default();
            let best = (0..n)
                .filter(|&v| ref_hops(&g, from, &[v], max_hops, &none).is_some())
                .filter_map(|v| ref_hops(&g, v, &targets, ALL, &none))
                .min();
            prop_assert_eq!(got.as_ref().map(|x| x.to_target.hops()), best);
            if let Some(near) = got {
                prop_assert!(near.from_source.hops() <= max_hops);
                prop_assert_eq!(Some(near.from_source.hops()), ref_hops(&g, from, &[near.node], ALL, &none));
                check_chain(&g, &near.to_target, near.node, &targets, ALL);
                check_chain(&g, &near.from_source, from, &[near.node], max_hops);
            }
        }
    }
}
