#!/usr/bin/env bash
# kith's intro-path bench and python-igraph's, side by side in one run, with the ratios.
#
# usage: scripts/paths-vs-igraph.sh
#
# Environment: KITH_BENCH_N (graph size, default 1,000,000; both sides use it),
# KITH_BENCH_PAIRS (kith's query pairs, default 200), KITH_IGRAPH_PAIRS (igraph's, default 50).
# Installs python-igraph with pip (into the user site) when it is missing.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

if ! python3 -c "import igraph" 2>/dev/null; then
    echo "paths-vs-igraph: installing python-igraph" >&2
    python3 -m pip install --quiet --user igraph >&2
fi

echo "== kith (cargo bench -p kith-core --bench paths)"
cargo bench -q -p kith-core --bench paths 2>/dev/null | tee "$out/kith.txt" | grep -E "paths bench|per-pair"
echo "== python-igraph (scripts/igraph_paths.py)"
python3 scripts/igraph_paths.py | tee "$out/igraph.txt"

python3 - "$out/kith.txt" "$out/igraph.txt" <<'EOF'
import re
import sys

kith = open(sys.argv[1]).read()
igraph = open(sys.argv[2]).read()
k = re.search(r"per-pair medians: fewest_hops ([\d.]+) ms, strongest ([\d.]+) ms", kith)
i = re.search(r"igraph medians: unweighted ([\d.]+) ms, weighted ([\d.]+) ms", igraph)
if not (k and i):
    sys.exit("paths-vs-igraph: could not read both medians")
kf, ks = float(k.group(1)), float(k.group(2))
iu, iw = float(i.group(1)), float(i.group(2))
print("== side by side (per-pair medians)")
print(f"fewest hops:     kith {kf:9.3f} ms   igraph {iu:9.3f} ms   igraph/kith {iu / kf:8.1f}x")
print(f"strongest chain: kith {ks:9.3f} ms   igraph {iw:9.3f} ms   igraph/kith {iw / ks:8.1f}x")
EOF
