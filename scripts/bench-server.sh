#!/usr/bin/env bash
# Load test of `kith serve` on a seeded database: wrk on GET /api/v1/people?q=…, hyperfine on
# every page, and the server's peak resident memory. Loopback only; bounded in time.
#
#   scripts/bench-server.sh DB [PEOPLE] [SECONDS]
#
# DB: a SQLite path, or a postgres:// URL (the database is created when missing). A database
# with no people is seeded first with `kith dev seed --people PEOPLE --interactions PEOPLE`
# (about 12 minutes for 100,000 on SQLite); one that has people is reused as it is, so seed
# once and copy the file for each run. Builds the release binary, creates a bench user (owner)
# with a read-only token, serves on 127.0.0.1:7799 and prints:
#   - `wrk -t2 -c32 -d SECONDS --latency` on `?q=zzq` (no match), `?q=ann&limit=20` and
#     `?tag=design&limit=50`, with the Authorization header of the token;
#   - `hyperfine -N` medians of `curl` with the session cookie on /, /people, /people/{id},
#     /network, /tasks, /tasks/board and /events (the person: the first `ann`; the network is
#     centred on them too);
#   - `/team/path?org=…` (the organization of that person) with three teammates whose accounts
#     have the emails of seeded people, then again once one of them has made 100 people private
#     (hidden from the bench user), then /, /people?sort=warmth and the person's page once the
#     same teammate has logged 100 private notes on shared people (the person among them): so
#     the database is changed, run it on a copy;
#   - the load average before each part, and the server's VmRSS and VmHWM (peak) after the
#     people queries, after the pages and at the end.
# SECONDS 0 skips wrk; KITH_BENCH_PAGES="/ /people/{person}" measures those pages instead of the
# list above ({person} is the first `ann`).
# Needs wrk, hyperfine, curl and python3 (apt-get install -y wrk hyperfine).
set -euo pipefail
cd "$(dirname "$0")/.."
db=${1:?usage: scripts/bench-server.sh DB [PEOPLE] [SECONDS]}
people=${2:-100000}
secs=${3:-30}
port=${KITH_BENCH_PORT:-7799}
for tool in wrk hyperfine curl python3; do
    command -v $tool >/dev/null || { echo "$tool is not installed (apt-get install -y wrk hyperfine)" >&2; exit 1; }
done
[ -n "${KITH_BENCH_NO_BUILD:-}" ] || cargo build --release -q -p kith
kith=${KITH_BIN:-$PWD/target/release/kith}
case $db in
postgres://* | postgresql://*)
    name=${db##*/}
    name=${name%%\?*}
    psql "${db%/*}/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1 ||
        psql "${db%/*}/postgres" -qc "CREATE DATABASE \"$name\""
    engine=postgres
    ;;
*) engine=sqlite ;;
esac
export KITH_DB=$db
if [ "$($kith person list --limit 1 --json)" = "[]" ]; then
    echo "seeding $people people into the $engine database…" >&2
    /usr/bin/time -f "seeded in %e s, peak %M KB" $kith dev seed --people "$people" --interactions "$people" >/dev/null
fi
password='bench password 123'
echo "$password" | $kith user add bench@kith.example --name Bench --password-stdin --owner >/dev/null 2>&1 || true
token=$($kith token create --user bench@kith.example --read-only 2>/dev/null)
KITH_LOG=warn $kith serve --listen 127.0.0.1:$port >/dev/null &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
base=http://127.0.0.1:$port
for _ in $(seq 1 300); do
    curl -fs $base/healthz >/dev/null 2>&1 && break
    sleep 0.1
done
echo "== kith serve (release) on $engine, $(nproc) cores"

queries='q=zzq q=ann&limit=20 tag=design&limit=50'
[ "$secs" != 0 ] || queries=
for q in $queries; do
    # Warm the caches (name index, statements) before measuring.
    curl -fs -o /dev/null -H "Authorization: Bearer $token" "$base/api/v1/people?$q"
    echo "== GET /api/v1/people?$q   (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    wrk -t2 -c32 -d"${secs}s" --latency -H "Authorization: Bearer $token" "$base/api/v1/people?$q" |
        grep -E 'Requests/sec|Latency  |99%|50%|Non-2xx|Socket errors|requests in'
done

jar=$(mktemp)
curl -fs -c "$jar" -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"email\":\"bench@kith.example\",\"password\":\"$password\"}" $base/api/v1/session
cookie="kith_session=$(awk '$6 == "kith_session" { print $7 }' "$jar")"
rm -f "$jar"
person=$(curl -fs -H "Authorization: Bearer $token" "$base/api/v1/people?q=ann&limit=1" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
echo "== memory after the people queries: $(grep -E 'VmHWM' /proc/$server/status | tr -s ' \t' ' ')"
echo "== pages (hyperfine -N, curl with a session cookie; load average $(cut -d' ' -f1-3 /proc/loadavg))"
out=$(mktemp)
measure() {
    local path=$1 label=${2:-$1}
    code=$(curl -s -o /dev/null -w '%{http_code}' -b "$cookie" "$base$path")
    hyperfine -N --warmup 2 --runs "${KITH_BENCH_RUNS:-20}" --export-json "$out" \
        "curl -s -o /dev/null -b $cookie $base$path" >/dev/null 2>&1
    python3 - "$out" "$label" "$code" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"{sys.argv[2]:<48} HTTP {sys.argv[3]}  median {r['median'] * 1000:7.1f} ms  min {r['min'] * 1000:7.1f} ms  max {r['max'] * 1000:7.1f} ms")
EOF
}
for path in ${KITH_BENCH_PAGES:-/ /people "/people/{person}" "/network?person={person}" /tasks /tasks/board /events}; do
    measure "${path//\{person\}/$person}"
done
echo "== memory after the pages: $(grep -E 'VmHWM' /proc/$server/status | tr -s ' \t' ' ')"

# Team intro paths: three teammates with cards (accounts with the emails of seeded people), to
# the organization of the person above.
api() { curl -fs -H "Authorization: Bearer $1" "$base$2"; }
org=$(api "$token" "/api/v1/people/$person" | python3 -c '
import json, sys, urllib.parse
roles = [r for r in json.load(sys.stdin)["roles"] if not r["end_on"]]
print(urllib.parse.quote(roles[0]["org"]) if roles else "")')
if [ -n "$org" ] && [ -z "${KITH_BENCH_PAGES:-}" ]; then
    mates=$(api "$token" "/api/v1/people?q=ann&limit=20" | python3 -c '
import json, sys
print(" ".join([p["email"] for p in json.load(sys.stdin)["items"][1:] if p["email"]][:3]))')
    for email in $mates; do
        echo "$password" | $kith user add "$email" --name "${email%%@*}" --password-stdin >/dev/null 2>&1 || true
    done
    echo "== team paths (teammates: $mates; load average $(cut -d' ' -f1-3 /proc/loadavg))"
    measure "/team/path?org=$org"
    # One teammate makes 100 people private: they are hidden from the bench user.
    first=${mates%% *}
    mate_token=$($kith token create --user "$first" 2>/dev/null)
    api "$token" "/api/v1/people?q=son&limit=100" | python3 -c '
import json, sys
print("\n".join(p["id"] for p in json.load(sys.stdin)["items"]))' |
        while read -r id; do
            curl -fs -o /dev/null -X PATCH -H "Authorization: Bearer $mate_token" \
                -H 'Content-Type: application/json' -d '{"private": true}' "$base/api/v1/people/$id"
        done
    measure "/team/path?org=$org" "/team/path?org=$org (100 people hidden)"
    echo "== memory after the team paths: $(grep -E 'VmRSS|VmHWM' /proc/$server/status | tr -s ' \t' ' ' | tr '\n' ' ')"
    # The same teammate logs 100 private notes (with a gave) on shared people, the bench
    # person among them: hidden from the bench user, whose pages and numbers leave them out.
    { echo "$person"; api "$token" "/api/v1/people?q=lee&limit=99" | python3 -c '
import json, sys
print("\n".join(p["id"] for p in json.load(sys.stdin)["items"]))'; } |
        while read -r id; do
            curl -fs -o /dev/null -X POST -H "Authorization: Bearer $mate_token" -H 'Content-Type: application/json' \
                -d "{\"people\": [\"$id\"], \"kind\": \"lunch\", \"summary\": \"private lunch\", \"gave\": [\"an intro\"], \"private\": true}" \
                "$base/api/v1/interactions"
        done
    echo "== memory after the notes: $(grep -E 'VmRSS|VmHWM' /proc/$server/status | tr -s ' \t' ' ' | tr '\n' ' ')"
    echo "== with 100 people and 100 private notes hidden from the bench user (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    for path in / "/people?sort=warmth" "/people/$person"; do
        measure "$path" "$path (hidden: 100 people, 100 notes)"
    done
fi
rm -f "$out"
grep -E 'VmRSS|VmHWM' /proc/$server/status
# What the server keeps once idle: the allocator returns freed memory after a delay.
sleep 3
echo "== idle 3 s later: $(grep -E 'VmRSS' /proc/$server/status | tr -s ' \t' ' ')"
