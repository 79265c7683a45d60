#!/usr/bin/env bash
# Import/export benchmark: N synthetic vCards and a LinkedIn CSV of M rows, into empty SQLite
# databases, whole process, median of RUNS runs. Usage: scripts/bench-interop.sh [N] [M] [RUNS]
# Needs a release build (cargo build --release) and /usr/bin/time; with hyperfine installed, the
# export of the imported vCards is also timed by `hyperfine -w1 -r5` (wall, user and system
# time, as ARCHITECTURE.md reports it).
#
# KITH=path times another build (default target/release/kith). BASE=path also times a second
# build, alternately with the first run by run, and prints both builds' medians: on a shared
# machine whose speed changes from hour to hour, a comparison is only fair that way. Each build
# uses its own databases, so two schema versions do not meet.
set -euo pipefail
N=${1:-100000}
M=${2:-30000}
RUNS=${3:-3}
K=${KITH:-target/release/kith}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
BASE=${BASE:-}
"$K" dev vcards --count "$N" > "$DIR/cards.vcf"
"$K" dev linkedin-csv --count "$M" > "$DIR/connections.csv"
echo "files: $(du -h "$DIR/cards.vcf" | cut -f1) vCard ($N cards), $(du -h "$DIR/connections.csv" | cut -f1) CSV ($M rows)"

# run NAME DB COMMAND…: time one command, print wall, user+sys and peak memory
run() {
    local name=$1 db=$2
    shift 2
    /usr/bin/time -f "$name %e s wall, %U s user, %S s sys, %M KB peak" env KITH_DB="$db" "$@" > /dev/null
}

# runs BINARY PREFIX: the four commands once, into PREFIX's own databases, names prefixed by
# PREFIX when two builds are compared
runs() {
    local k=$1 p=$2
    rm -f "$DIR/${p}v.db"* "$DIR/${p}l.db"*
    run "${p}import-vcard" "$DIR/${p}v.db" "$k" import vcard "$DIR/cards.vcf"
    run "${p}reimport-vcard" "$DIR/${p}v.db" "$k" import vcard "$DIR/cards.vcf"
    run "${p}export-vcard" "$DIR/${p}v.db" "$k" export vcard --out "$DIR/out.vcf"
    run "${p}import-linkedin" "$DIR/${p}l.db" "$k" import csv "$DIR/connections.csv"
}

for i in $(seq 1 "$RUNS"); do
    if [ -n "$BASE" ]; then
        runs "$BASE" "base:"
        runs "$K" "this:"
    else
        runs "$K" ""
    fi
done 2>&1 | sort -k1,1 -k2,2n | tee "$DIR/runs.txt"

# The median wall time (and its run's peak memory) of each command; at 100,000 cards and 30,000
# rows, with issue 4's target.
awk -v full="$([ "$N" = 100000 ] && [ "$M" = 30000 ] && echo 1)" '$2 ~ /^[0-9.]+$/ { n[$1]++; wall[$1, n[$1]] = $2; kb[$1, n[$1]] = $(NF-2) }
     END {
         target["import-vcard"] = 4; target["reimport-vcard"] = 6; target["export-vcard"] = 2; target["import-linkedin"] = 1
         for (c in n) {
             # The runs of one command are in order of wall time (sort above).
             m = int((n[c] + 1) / 2)
             cmd = c; sub(/^[a-z]+:/, "", cmd)
             goal = full ? sprintf(" (target < %d s)", target[cmd]) : ""
             printf "median %-21s %6.2f s wall%s, %d MiB peak\n", c, wall[c, m], goal, kb[c, m] / 1024
         }
     }' "$DIR/runs.txt" | sort

if command -v hyperfine > /dev/null; then
    # The database of the last run, as an import leaves it: the export's own figure.
    hyperfine -w1 -r5 "KITH_DB=$DIR/${BASE:+this:}v.db $K export vcard --out $DIR/out.vcf"
fi
