#!/usr/bin/env bash
# Compares two demo-server binaries on one route, in interleaved rounds (A, B, A, B, ...), so a
# change's effect can be told from this machine's round-to-round noise (~20 %).
#
#   lab/bench/compare-builds.sh BINARY_A BINARY_B [ROUNDS] [PATH] [CONNECTIONS]
#
# Defaults: 5 rounds, /basic, 64 keep-alive connections. Each round starts a fresh server (fresh
# database, ACCESS_LOG=off) pinned to BENCH_SERVER_CPU (default 1), warms it up for 1 s, then runs
# wrk (1 thread, pinned to BENCH_CLIENT_CPU, default 0) for COMPARE_DURATION (default 4s); with
# COMPARE_CLOSE=1, every request on a new connection (`Connection: close`).
# Per run it prints requests per second and the server's CPU time per request (utime + stime
# from /proc/PID/stat over the measured run, divided by the requests wrk completed): the second
# number moves less with the machine's noise than the first. Ends with the medians.
#
# Typical use: keep the old binary, rebuild, compare.
#   cp .build-bench-static/release/demo-server /tmp/demo-server-before
#   swift build -c release --product demo-server --scratch-path .build-bench-static \
#     --static-swift-stdlib -Xswiftc -static-executable \
#     -Xlinker --section-ordering-file=$PWD/lab/link-order.txt
#   lab/bench/compare-builds.sh /tmp/demo-server-before .build-bench-static/release/demo-server
set -euo pipefail

[[ $# -ge 2 ]] || { sed -n '2,18p' "$0" >&2; exit 64; }
binary_a=$(realpath "$1")
binary_b=$(realpath "$2")
rounds=${3:-5}
route=${4:-/basic}
connections=${5:-64}
duration=${COMPARE_DURATION:-4s}
# COMPARE_CLOSE=1: one request per connection (`Connection: close`), as lab/bench.sh's close rows.
wrk_fields=()
[[ "${COMPARE_CLOSE:-0}" == 1 ]] && wrk_fields=(-H "Connection: close")
server_cpu=${BENCH_SERVER_CPU:-1}
client_cpu=${BENCH_CLIENT_CPU:-0}
port=${COMPARE_PORT:-18181}
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

for tool in wrk taskset curl python3; do
    command -v "$tool" >/dev/null || { echo "compare-builds: $tool is missing" >&2; exit 1; }
done
[[ -x "$binary_a" && -x "$binary_b" ]] || { echo "compare-builds: both binaries must be executable" >&2; exit 1; }
[[ "$rounds" =~ ^[1-9][0-9]?$ ]] || { echo "compare-builds: ROUNDS must be 1-99" >&2; exit 64; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/compare-builds.XXXXXX")
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
cp -R "$root/Public" "$tmp/public"
"$root/lab/bench/make-bench-file.py" "$tmp/public"

# cpu_ticks PID: utime + stime in clock ticks (fields 14 and 15; the name in field 2 has no spaces).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# measure BINARY: prints "REQUESTS_PER_SECOND MICROSECONDS_OF_CPU_PER_REQUEST".
measure() {
    rm -f "$tmp"/visits.sqlite*
    ACCESS_LOG=off PORT=$port HOST=127.0.0.1 DATABASE_PATH="$tmp/visits.sqlite" PUBLIC_DIR="$tmp/public" \
        taskset -c "$server_cpu" "$1" serve >"$tmp/server.log" 2>&1 &
    server_pid=$!
    local ready=0
    for _ in $(seq 1 100); do
        if curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; then ready=1; break; fi
        sleep 0.05
    done
    [[ $ready == 1 ]] || { echo "compare-builds: $1 did not start:" >&2; cat "$tmp/server.log" >&2; exit 1; }
    taskset -c "$client_cpu" wrk -t1 -c"$connections" -d1s "${wrk_fields[@]}" "http://127.0.0.1:$port$route" >/dev/null
    local before after output
    before=$(cpu_ticks "$server_pid")
    output=$(taskset -c "$client_cpu" wrk -t1 -c"$connections" -d"$duration" "${wrk_fields[@]}" "http://127.0.0.1:$port$route")
    after=$(cpu_ticks "$server_pid")
    kill -TERM "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
    local ticks_per_second
    ticks_per_second=$(getconf CLK_TCK)
    awk -v ticks=$((after - before)) -v hz="$ticks_per_second" '
        /Requests\/sec/ { rps = $2 }
        /requests in/ { requests = $1 }
        END { if (requests == 0) exit 1; printf "%.0f %.2f\n", rps, ticks * 1e6 / hz / requests }
    ' <<<"$output"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "A = $binary_a"
echo "B = $binary_b"
echo "route $route, $connections connections${wrk_fields:+ (Connection: close)}, $duration per run, server on core $server_cpu, wrk on core $client_cpu"
results=()
for round in $(seq 1 "$rounds"); do
    read -r rps_a cpu_a <<<"$(measure "$binary_a")"
    read -r rps_b cpu_b <<<"$(measure "$binary_b")"
    results+=("$rps_a $cpu_a $rps_b $cpu_b")
    printf 'round %d: A %s req/s, %s us CPU/request; B %s req/s, %s us CPU/request; B/A %.3f\n' \
        "$round" "$rps_a" "$cpu_a" "$rps_b" "$cpu_b" "$(awk -v a="$rps_a" -v b="$rps_b" 'BEGIN { print b / a }')"
done
column() { printf '%s\n' "${results[@]}" | awk -v c="$1" '{ print $c }' | median; }
printf 'median: A %s req/s, %s us CPU/request; B %s req/s, %s us CPU/request\n' \
    "$(column 1)" "$(column 2)" "$(column 3)" "$(column 4)"
