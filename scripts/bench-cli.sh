#!/usr/bin/env bash
# Benchmark whole kith CLI calls (process start to exit) on a database with hyperfine, and print
# the medians next to the speed targets.
#
# usage: scripts/bench-cli.sh [DATABASE]
#   DATABASE   a SQLite file or a postgres:// URL [default: $KITH_DB]
#
# Seed the database first, for example:
#   KITH_NOW=2026-11-25T09:00:00Z target/release/kith --db /tmp/seed100k.db \
#     dev seed --people 100000 --ties-per-person 8 --interactions 1000000 --seed 1
#
# Environment:
#   KITH_NOW   "now" for every call [default: 2026-11-25T09:00:00Z, the time to seed with]
#   KITH_BIN   the kith binary [default: target/release/kith, built here with cargo --release]
#   BENCH_TAG  a common tag for `person list --tag` [default: design]
#   BENCH_WORD a common word for `search` [default: design]
#   RUNS, WARMUP  hyperfine's --runs and --warmup [default: 30 and 3]
#   OUT        where hyperfine's JSON exports go [default: a temporary directory]
#
# Exits with 1 when a median misses its target.
#
# The write benchmarks change the database: each run adds WARMUP+RUNS people named
# "Bench Person <run tag>" (every `person add` is a new record with a new id) and as many call
# interactions with one seeded person.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
db=${1:-${KITH_DB:-}}
if [[ -z $db ]]; then
    echo "usage: $0 DATABASE   (a SQLite file or a postgres:// URL; or set KITH_DB)" >&2
    exit 2
fi
export KITH_DB=$db
export KITH_NOW=${KITH_NOW:-2026-11-25T09:00:00Z}
export NO_COLOR=1
tag=${BENCH_TAG:-design}
word=${BENCH_WORD:-design}
runs=${RUNS:-30}
warmup=${WARMUP:-3}

if [[ -n ${KITH_BIN:-} ]]; then
    kith=$KITH_BIN
else
    kith=$root/target/release/kith
    (cd "$root" && cargo build --release --quiet -p kith)
fi
if [[ ! -x $kith ]]; then
    echo "bench-cli: no kith binary at $kith" >&2
    exit 1
fi

if ! command -v hyperfine >/dev/null; then
    echo "bench-cli: installing hyperfine" >&2
    sudo=""
    [[ $(id -u) -ne 0 ]] && sudo=sudo
    $sudo apt-get install -y hyperfine >/dev/null 2>&1 || { $sudo apt-get update >/dev/null && $sudo apt-get install -y hyperfine >/dev/null; }
fi

# The median of a hyperfine JSON export, in milliseconds.
median_ms() {
    if command -v jq >/dev/null; then
        jq -r '.results[0] | "\(.median * 1000) \(.mean * 1000) \(.stddev * 1000)"' "$1"
    else
        python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print(r["median"]*1000, r["mean"]*1000, r["stddev"]*1000)' "$1"
    fi
}

# A seeded person to log with: the first one with the tag, by email.
email=$("$kith" --json person list --tag "$tag" --limit 1 | sed -n 's/.*"email": *"\([^"]*\)".*/\1/p' | head -n 1)
if [[ -z $email ]]; then
    echo "bench-cli: nobody tagged '$tag' has an email in $db; seed it with \`kith dev seed\` or set BENCH_TAG" >&2
    exit 1
fi
people_before=$("$kith" --json person list --name "Bench Person" --all | grep -c '"id"' || true)

out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
run=$(date +%s)-$$

echo "database: $db"
echo "kith:     $kith"
echo "now:      KITH_NOW=$KITH_NOW   hyperfine --warmup $warmup --runs $runs -N"
echo

names=(agenda list search add log reconnect rank plan path brief)
targets=(50 100 50 20 20 300 300 300 300 300)
# hyperfine -N splits these like a shell would, without running one.
commands=(
    "'$kith' agenda"
    "'$kith' person list --tag '$tag'"
    "'$kith' search '$word'"
    "'$kith' person add 'Bench Person {run}'"
    "'$kith' log '$email' --kind call --note bench"
    "'$kith' reconnect"
    "'$kith' rank"
    "'$kith' plan"
    "'$kith' path '$email'"
    "'$kith' brief '$email'"
)
for i in "${!names[@]}"; do
    hyperfine --style basic --warmup "$warmup" --runs "$runs" -N \
        --parameter-list run "$run" \
        --command-name "${commands[$i]//\{run\}/$run}" \
        --export-json "$out/${names[$i]}.json" \
        "${commands[$i]}" >&2
done

people_after=$("$kith" --json person list --name "Bench Person" --all | grep -c '"id"' || true)

echo
printf '%-76s %10s %20s %9s\n' "COMMAND (with KITH_DB and KITH_NOW set)" "MEDIAN" "MEAN ± σ" "TARGET"
failed=0
for i in "${!names[@]}"; do
    read -r median mean sd < <(median_ms "$out/${names[$i]}.json")
    shown=${commands[$i]//"'$kith'"/kith}
    shown=${shown//\{run\}/$run}
    verdict=ok
    if awk -v m="$median" -v t="${targets[$i]}" 'BEGIN { exit !(m >= t) }'; then
        verdict=MISSED
        failed=1
    fi
    printf '%-76s %7.1f ms %8.1f ± %4.1f ms %6s ms  %s\n' "$shown" "$median" "$mean" "$sd" "< ${targets[$i]}" "$verdict"
done
echo
echo "person add made $((people_after - people_before)) new people (expected $((warmup + runs))); JSON exports in $out"
exit $failed
