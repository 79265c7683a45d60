//! Intro-path finder on a synthetic power-law network: Barabási–Albert, n = 1,000,000,
//! m = 8 (about 8M ties), random tie strength and recency, max 6 hops.
//!
//! `cargo bench -p kith-core --bench paths`; `KITH_BENCH_N=100000` shrinks the graph for a
//! quick run, `KITH_BENCH_PAIRS` changes the number of query pairs (default 200).
//!
//! Besides criterion's figures (each sample runs consecutive pairs from the fixed list, so the
//! median covers many pairs), one timed pass over all pairs prints the true per-pair median,
//! which is what `scripts/igraph_paths.py` prints for python-igraph.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use kith_core::paths::{DEFAULT_MAX_HOPS, Graph, GraphBuilder, Path};

const M: u32 = 8;
const SEED: u64 = 0x6b69_7468_2d62_656e; // "kith-ben"

/// splitmix64: tiny, fast and good enough to make a reproducible graph without a rand crate.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; the bias is negligible for these sizes).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `0.0..1.0`.
    fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// Barabási–Albert preferential attachment: node v (v >= 1) ties to min(v, m) distinct earlier
/// nodes, each picked with probability proportional to its degree. Picking a uniform entry of
/// the list of all tie endpoints so far is exactly degree-proportional.
fn barabasi_albert(n: u32, m: u32, rng: &mut SplitMix64) -> GraphBuilder {
    let mut builder = GraphBuilder::with_capacity(n, n as usize * m as usize);
    let mut ends: Vec<u32> = Vec::with_capacity(2 * n as usize * m as usize);
    let mut chosen: Vec<u32> = Vec::with_capacity(m as usize);
    for v in 1..n {
        chosen.clear();
        if v <= m {
            chosen.extend(0..v);
        } else {
            while chosen.len() < m as usize {
                let t = ends[rng.below(ends.len() as u64) as usize];
                if !chosen.contains(&t) {
                    chosen.push(t);
                }
            }
        }
        for &t in &chosen {
            let strength = 1 + rng.below(5) as u8;
            builder.add_edge(v, t, strength, rng.unit());
            ends.push(v);
            ends.push(t);
        }
    }
    builder
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.replace('_', "").parse().ok()).unwrap_or(default)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// One timed pass over all pairs: the per-pair median that igraph's script also prints.
fn per_pair(name: &str, pairs: &[(u32, u32)], mut query: impl FnMut(u32, u32) -> Option<Path>) -> f64 {
    let mut times = Vec::with_capacity(pairs.len());
    let mut hops = Vec::new();
    let mut warmth = Vec::new();
    for &(s, t) in pairs {
        let start = Instant::now();
        let path = black_box(query(s, t));
        times.push(ms(start.elapsed()));
        if let Some(p) = path {
            hops.push(p.hops());
            warmth.push(p.warmth());
        }
    }
    times.sort_by(f64::total_cmp);
    let found = hops.len();
    let mean_hops = hops.iter().map(|&h| f64::from(h)).sum::<f64>() / found.max(1) as f64;
    let mean_warmth = warmth.iter().map(|&w| f64::from(w)).sum::<f64>() / found.max(1) as f64;
    println!(
        "per-pair {name:<20} median {:8.3} ms  p90 {:8.3} ms  max {:8.3} ms  \
         found {found}/{}  mean hops {mean_hops:.2}  mean warmth {mean_warmth:.4}",
        percentile(&times, 0.5),
        percentile(&times, 0.9),
        percentile(&times, 1.0),
        pairs.len(),
    );
    percentile(&times, 0.5)
}

fn main() {
    let n = env_or("KITH_BENCH_N", 1_000_000).clamp(2, u64::from(u32::MAX - 1)) as u32;
    let pair_count = env_or("KITH_BENCH_PAIRS", 200).max(1) as usize;
    let mut rng = SplitMix64(SEED);

    let start = Instant::now();
    let builder = barabasi_albert(n, M, &mut rng);
    let generated = start.elapsed();
    let raw_ties = builder.edge_count();
    let start = Instant::now();
    let graph: Graph = builder.build();
    let built = start.elapsed();
    println!(
        "paths bench: Barabási–Albert n={} m={M}: {raw_ties} ties generated in {:.2} s; \
         graph built in {:.3} s: {} nodes, {} ties, heap {:.1} MB ({} bytes)",
        graph.node_count(),
        generated.as_secs_f64(),
        built.as_secs_f64(),
        graph.node_count(),
        graph.edge_count(),
        graph.heap_bytes() as f64 / 1e6,
        graph.heap_bytes(),
    );

    let pairs: Vec<(u32, u32)> = (0..pair_count)
        .map(|_| {
            loop {
                let s = rng.below(u64::from(n)) as u32;
                let t = rng.below(u64::from(n)) as u32;
                if s != t {
                    break (s, t);
                }
            }
        })
        .collect();

    let mut searcher = graph.searcher();
    // Warm the buffers (first use allocates them) and the caches.
    for &(s, t) in pairs.iter().take(5) {
        black_box(searcher.strongest(s, &[t], DEFAULT_MAX_HOPS));
    }
    let fewest = per_pair("fewest_hops", &pairs, |s, t| searcher.fewest_hops(s, &[t], DEFAULT_MAX_HOPS));
    let strongest = per_pair("strongest", &pairs, |s, t| searcher.strongest(s, &[t], DEFAULT_MAX_HOPS));
    println!("per-pair medians: fewest_hops {fewest:.3} ms, strongest {strongest:.3} ms");
    // No hop limit, like igraph's weighted get_shortest_path (for the side-by-side only).
    per_pair("strongest_unbounded", &pairs, |s, t| searcher.strongest(s, &[t], u32::MAX));

    let mut c = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8))
        .configure_from_args();
    let mut group = c.benchmark_group("paths");
    let mut next = 0usize;
    group.bench_function("fewest_hops_single_pair", |b| {
        b.iter(|| {
            let (s, t) = pairs[next % pairs.len()];
            next += 1;
            black_box(searcher.fewest_hops(s, &[t], DEFAULT_MAX_HOPS))
        })
    });
    group.bench_function("strongest_single_pair", |b| {
        b.iter(|| {
            let (s, t) = pairs[next % pairs.len()];
            next += 1;
            black_box(searcher.strongest(s, &[t], DEFAULT_MAX_HOPS))
        })
    });
    group.finish();
    c.final_summary();
}
