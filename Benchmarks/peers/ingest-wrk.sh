#!/usr/bin/env bash
# Ingest throughput measured by wrk (a separate C load generator, Debian package `wrk`) against the
# release `riposte serve`: unique Suricata alerts from the corpus, single-alert requests at several
# connection counts and 1,000-alert NDJSON batches. Every accepted alert is checked against the
# server's own counter (riposte_alerts_ingested_total), so nothing is counted that was not stored.
#
# Usage: Benchmarks/peers/ingest-wrk.sh [SECONDS]   (after `swift build -c release`)
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-5}
command -v wrk >/dev/null || { echo "ingest-wrk: install wrk (apt-get install wrk)" >&2; exit 1; }
binary=.build/release/riposte
[ -x "$binary" ] || { echo "ingest-wrk: build first: swift build -c release" >&2; exit 1; }
corpus=${RIPOSTE_CORPUS:-../shared/data}
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT

RIPOSTE_LOG_LEVEL=error "$binary" serve --data "$work/data" --listen "127.0.0.1:$port" >/dev/null 2>&1 &
server=$!
until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.05; done
token=$("$binary" token create --name bench --role analyst --data "$work/data")
head -1 "$corpus/pcaps/expected-alerts/chrissanders_cryptowall4_c2.eve-alerts.jsonl" > "$work/alert.json"

cat > "$work/post.lua" <<LUA
local template = io.open("$work/alert.json"):read("*l")
local batch = tonumber(os.getenv("BATCH") or "1")
local run = tonumber(os.getenv("RUN") or "0")
local counter, threads = 0, 0
function setup(thread) thread:set("tid", threads); threads = threads + 1 end
request = function()
  local lines = {}
  for i = 1, batch do
    counter = counter + 1
    local id = run * 1000000000000 + tid * 10000000000 + counter
    lines[i] = template:gsub('"flow_id":%d+', '"flow_id":' .. id)
  end
  return wrk.format("POST", "/api/v1/alerts?source=suricata",
    {["Authorization"] = "Bearer $token", ["Content-Type"] = "application/x-ndjson"}, table.concat(lines, "\n"))
end
LUA

ingested() {
    curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/metrics" |
        awk '/^riposte_alerts_ingested_total\{source="suricata"\}/ {print $2}'
}

run=0
measure() { # connections batch
    run=$((run + 1))
    local before after out rate
    before=$(ingested); before=${before:-0}
    out=$(RUN=$run BATCH=$2 wrk -t1 -c"$1" -d"${duration}s" -s "$work/post.lua" "http://127.0.0.1:$port")
    after=$(ingested)
    if echo "$out" | grep -q "Non-2xx"; then echo "ingest-wrk: errors: $out" >&2; exit 1; fi
    rate=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    printf "%-28s %6s connections  %10.0f alerts/s  (%d alerts stored)\n" "$3" "$1" "$(echo "$rate * $2" | bc)" \
        "$(echo "$after - $before" | bc)"
}

echo "riposte ingest over HTTP keep-alive, wrk ${duration}s per line, $(nproc) cores"
for connections in 8 32 64; do measure "$connections" 1 "single-alert requests"; done
measure 4 1000 "1,000-alert NDJSON batches"
