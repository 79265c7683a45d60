#!/usr/bin/env python3
"""python-igraph reference for kith's intro-path bench (`cargo bench -p kith-core --bench paths`).

Same workload shape as the Rust bench: Barabási–Albert graph, n = 1,000,000, m = 8, random tie
strength (1..5) and recency (0..1), cost = -ln(strength/5 * (0.5 + 0.5 * recency)); times
`Graph.get_shortest_path` for random pairs, unweighted (fewest hops) and weighted (warmest
chain), and prints the median per pair in milliseconds.

Not the same graph as the Rust bench (igraph uses its own generator and RNG), only the same
model and size. igraph's searches are single-direction and have no hop limit; kith's
`strongest` is the warmest chain within 6 hops.

    pip install igraph
    python3 scripts/igraph_paths.py            # KITH_BENCH_N=100000 for a quick run
"""

import math
import os
import random
import statistics
import sys
import time

import igraph

N = int(os.environ.get("KITH_BENCH_N", "1000000").replace("_", ""))
M = 8
PAIRS = int(os.environ.get("KITH_IGRAPH_PAIRS", "50"))
SEED = 20260501


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, (time.perf_counter() - start) * 1e3


def summary(name, times, hops):
    times = sorted(times)
    found = [h for h in hops if h is not None]
    p90 = times[round((len(times) - 1) * 0.9)]
    print(
        f"igraph {name:<22} median {statistics.median(times):9.3f} ms  p90 {p90:9.3f} ms  "
        f"max {times[-1]:9.3f} ms  found {len(found)}/{len(hops)}  "
        f"mean hops {statistics.mean(found) if found else float('nan'):.2f}"
    )
    return statistics.median(times)


def main():
    random.seed(SEED)
    rng = random.Random(SEED)

    g, ms = timed(lambda: igraph.Graph.Barabasi(N, M))
    print(
        f"igraph {igraph.__version__} on Python {sys.version.split()[0]}: "
        f"Barabasi({N}, {M}) -> {g.vcount()} nodes, {g.ecount()} ties in {ms / 1e3:.2f} s"
    )

    def cost():
        strength = rng.randint(1, 5)
        recency = rng.random()
        return -math.log(strength / 5 * (0.5 + 0.5 * recency))

    weights, ms = timed(lambda: [cost() for _ in range(g.ecount())])
    g.es["weight"] = weights
    print(f"weights assigned in {ms / 1e3:.2f} s")

    pairs = []
    while len(pairs) < PAIRS:
        s, t = rng.randrange(N), rng.randrange(N)
        if s != t:
            pairs.append((s, t))

    def run(weights):
        times, hops = [], []
        for s, t in pairs:
            path, ms = timed(lambda: g.get_shortest_path(s, t, weights=weights))
            times.append(ms)
            hops.append(len(path) - 1 if path else None)
        return times, hops

    unweighted = summary("unweighted (hops)", *run(None))
    weighted = summary("weighted (strength)", *run("weight"))
    print(f"igraph medians: unweighted {unweighted:.3f} ms, weighted {weighted:.3f} ms")


if __name__ == "__main__":
    main()
