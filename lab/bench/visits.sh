#!/usr/bin/env bash
# Visits per second on each backend with the same load: one demo-server binary (built with the
# PostgreSQL trait, so the two runs differ only in the store) serves POST /api/visits twice, once
# on SQLite (DATABASE_PATH in a temporary directory) and once on a throw-away PostgreSQL on
# 127.0.0.1 (scripts/postgres-test-server.sh: fsync on, synchronous_commit on, as shipped). wrk
# runs the same Lua script with the same threads and connections against each, the backends
# interleaved round by round (the order alternating) so a noisy machine hits both alike.
#
# Usage: lab/bench/visits.sh [DEMO_SERVER_BINARY]
#   default: .build-static-PostgreSQL/release/demo-server (TRAITS=PostgreSQL lab/measure-binary.sh)
# Environment: ROUNDS (3), DURATION (seconds per run, 10), CONNECTIONS (16), THREADS (2).
# Output: one line per run with the load average before it, then the median per backend. Exit
# status 1 when any request failed (socket error or a status other than 201) or when a store
# counted fewer visits than wrk saw acknowledged.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

binary=${1:-.build-static-PostgreSQL/release/demo-server}
[[ -x "$binary" ]] || { echo "visits.sh: no demo-server at $binary (TRAITS=PostgreSQL lab/measure-binary.sh builds it)" >&2; exit 2; }
binary=$(realpath "$binary")
rounds=${ROUNDS:-3} duration=${DURATION:-10} connections=${CONNECTIONS:-16} threads=${THREADS:-2}
for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "visits.sh: $tool is missing" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-visits.XXXXXX")
chmod 755 "$work"
declare -A pid port
database_dir="$work/postgres"
cleanup() {
  for backend in "${!pid[@]}"; do
    kill -TERM "${pid[$backend]}" 2>/dev/null || true
    wait "${pid[$backend]}" 2>/dev/null || true
  done
  scripts/postgres-test-server.sh stop "$database_dir" immediate 2>/dev/null || true
  rm -rf -- "$work"
}
trap cleanup EXIT

# shellcheck source=scripts/lib/check.sh
source scripts/lib/check.sh
free_port() { check_free_port; }
total() {
  curl -fsS "http://127.0.0.1:${port[$1]}/api/visits" | python3 -c 'import json, sys; print(json.load(sys.stdin)["total"])'
}

database_url=$(scripts/postgres-test-server.sh start "$database_dir" "$(free_port)")
# Starts backend $1 with the extra environment $2... and waits (bounded) until it is ready.
start_server() {
  local backend=$1
  shift
  port[$backend]=$(free_port)
  env PORT="${port[$backend]}" HOST=127.0.0.1 ACCESS_LOG=off PUBLIC_DIR=Public IMAGE_VARIANT=bench "$@" \
    "$binary" serve >>"$work/$backend.log" 2>&1 &
  pid[$backend]=$!
  for _ in $(seq 1 300); do
    curl -fsS -o /dev/null "http://127.0.0.1:${port[$backend]}/readyz" 2>/dev/null && return 0
    kill -0 "${pid[$backend]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "visits.sh: the $backend server did not become ready:" >&2
  tail -n 20 "$work/$backend.log" >&2
  exit 1
}
start_server sqlite DATABASE_PATH="$work/sqlite/visits.sqlite"
start_server postgresql DATABASE_URL="$database_url"

echo "binary: $binary ($(stat -c %s "$binary") bytes)"
echo "load: wrk -t $threads -c $connections -d ${duration}s, POST /api/visits {\"variant\":\"bench\"}; $(nproc) cores"
declare -A results acknowledged=([sqlite]=0 [postgresql]=0)
failed=0
for round in $(seq 1 "$rounds"); do
  order=(sqlite postgresql)
  ((round % 2 == 0)) && order=(postgresql sqlite)
  for backend in "${order[@]}"; do
    load=$(cut -d ' ' -f 1-3 /proc/loadavg)
    line=$(wrk -t "$threads" -c "$connections" -d "${duration}s" -s lab/bench/visits.lua \
      "http://127.0.0.1:${port[$backend]}" | grep '^WRK_RESULT')
    rps=$(sed -E 's/.* rps=([0-9.]+).*/\1/' <<<"$line")
    requests=$(sed -E 's/.* requests=([0-9]+).*/\1/' <<<"$line")
    errors=$(awk '{ n = 0; for (i = 2; i <= NF; i++) if ($i ~ /^(connect|read|write|timeout|status)=/) { split($i, kv, "="); n += kv[2] } print n }' <<<"$line")
    failed=$((failed + errors))
    acknowledged[$backend]=$((acknowledged[$backend] + requests))
    results[$backend]+="$rps "
    printf 'round %d %-10s %9s visits/s  (%s; load average before: %s)\n' "$round" "$backend" "$rps" "${line#WRK_RESULT }" "$load"
  done
done

status=0
for backend in sqlite postgresql; do
  median=$(tr ' ' '\n' <<<"${results[$backend]}" | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
  counted=$(total "$backend")
  printf '%-10s median %9s visits/s over %d runs; counted %d, acknowledged %d\n' "$backend" "$median" "$rounds" "$counted" "${acknowledged[$backend]}"
  # wrk stops with requests in flight: those may be committed without being counted by wrk.
  if ((counted < acknowledged[$backend])); then
    echo "visits.sh: $backend counted fewer visits than were acknowledged" >&2
    status=1
  fi
done
if ((failed > 0)); then
  echo "visits.sh: $failed requests failed (socket errors or statuses other than 201)" >&2
  status=1
fi
exit "$status"
