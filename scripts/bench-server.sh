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
#   - the load average before each part, and the server's VmRSS and VmHWM (peak) after the
#     people queries and at the end.
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

for q in 'q=zzq' 'q=ann&limit=20' 'tag=design&limit=50'; do
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
for path in / /people "/people/$person" "/network?person=$person" /tasks /tasks/board /events; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -b "$cookie" "$base$path")
    hyperfine -N --warmup 2 --runs "${KITH_BENCH_RUNS:-20}" --export-json "$out" \
        "curl -s -o /dev/null -b $cookie $base$path" >/dev/null 2>&1
    python3 - "$out" "$path" "$code" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"{sys.argv[2]:<48} HTTP {sys.argv[3]}  median {r['median'] * 1000:7.1f} ms  min {r['min'] * 1000:7.1f} ms  max {r['max'] * 1000:7.1f} ms")
EOF
done
rm -f "$out"
grep -E 'VmRSS|VmHWM' /proc/$server/status
