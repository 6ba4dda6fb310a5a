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

# Bodies are built once per thread in init() (where wrk's headers already exist) and cycled, so the
# Lua that generates them does not take the CPU the server is being measured on. The pool is large
# enough that no body repeats within a run; the stored-count check below would show it if one did.
cat > "$work/post.lua" <<LUA
local template = io.open("$work/alert.json"):read("*l")
local batch = tonumber(os.getenv("BATCH") or "1")
local run = tonumber(os.getenv("RUN") or "0")
local pool = tonumber(os.getenv("POOL") or "1")
local threads = 0
local requests, next_request = {}, 1
function setup(thread) thread:set("tid", threads); threads = threads + 1 end
function init(args)
  local counter = 0
  for r = 1, pool do
    local lines = {}
    for i = 1, batch do
      counter = counter + 1
      local id = run * 1000000000000 + tid * 10000000000 + counter
      lines[i] = template:gsub('"flow_id":%d+', '"flow_id":' .. id)
    end
    requests[r] = wrk.format("POST", "/api/v1/alerts?source=suricata",
      {["Authorization"] = "Bearer $token", ["Content-Type"] = "application/x-ndjson"}, table.concat(lines, "\n"))
  end
end
request = function()
  local body = requests[next_request]
  next_request = next_request % pool + 1
  return body
end
LUA

ingested() {
    curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/metrics" |
        awk '/^riposte_alerts_ingested_total\{source="suricata"\}/ {print $2}'
}

run=0
measure() { # connections batch label pool
    run=$((run + 1))
    local before after out rate
    before=$(ingested); before=${before:-0}
    out=$(RUN=$run BATCH=$2 POOL=$4 wrk -t1 -c"$1" -d"${duration}s" -s "$work/post.lua" "http://127.0.0.1:$port")
    after=$(ingested)
    if echo "$out" | grep -q "Non-2xx"; then echo "ingest-wrk: errors: $out" >&2; exit 1; fi
    rate=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    local requests stored
    requests=$(echo "$out" | awk '/requests in/ {print $1}')
    stored=$(echo "$after - $before" | bc)
    # Requests still in flight when wrk stops are stored but not counted by wrk.
    if [ "$stored" -lt "$((requests * $2))" ] || [ "$stored" -gt "$(((requests + $1) * $2))" ]; then
        echo "ingest-wrk: $((requests * $2)) alerts accepted (+ up to $1 requests in flight) but $stored stored" >&2
        exit 1
    fi
    printf "%-28s %6s connections  %10.0f alerts/s  (%d alerts stored)\n" "$3" "$1" "$(echo "$rate * $2" | bc)" "$stored"
}

echo "riposte ingest over HTTP keep-alive, wrk ${duration}s per line, $(nproc) cores"
# Pools: room for 20,000 single-alert requests/s and 80 batches/s (no body repeats within a run).
for connections in 8 32 64; do measure "$connections" 1 "single-alert requests" $((duration * 20000)); done
measure 4 1000 "1,000-alert NDJSON batches" $((duration * 80))
