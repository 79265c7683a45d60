#!/usr/bin/env bash
# Load test of `kith serve` on a seeded database: wrk on GET /api/v1/people?q=…, and the
# server's resident memory. Loopback only; bounded in time.
#
#   scripts/bench-server.sh DB [PEOPLE] [SECONDS]     DB: a SQLite path or a postgres:// URL
#
# Builds the release binary, seeds DB when it has no people, creates a bench user and token,
# serves on 127.0.0.1:7799, runs `wrk -t2 -c32`, and prints requests/s, latency and RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
db=${1:?usage: scripts/bench-server.sh DB [PEOPLE] [SECONDS]}
people=${2:-100000}
secs=${3:-30}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
cargo build --release -q -p kith
kith=target/release/kith
export KITH_DB=$db
if [ "$($kith person list --limit 1 --json)" = "[]" ]; then
    echo "seeding $people people…" >&2
    $kith dev seed --people "$people" --interactions "$people" >/dev/null
fi
echo 'bench password 123' | $kith user add bench@kith.example --name Bench --password-stdin --owner >/dev/null 2>&1 || true
token=$($kith token create --user bench@kith.example --read-only 2>/dev/null)
KITH_LOG=warn $kith serve --listen 127.0.0.1:7799 >/dev/null &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    curl -fs http://127.0.0.1:7799/healthz >/dev/null 2>&1 && break
    sleep 0.1
done
for q in 'q=ann&limit=20' 'tag=design&limit=50'; do
    echo "== GET /api/v1/people?$q"
    wrk -t2 -c32 -d"${secs}s" --latency -H "Authorization: Bearer $token" "http://127.0.0.1:7799/api/v1/people?$q"
done
grep -E 'VmRSS|VmHWM' /proc/$server/status
