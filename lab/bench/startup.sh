#!/usr/bin/env bash
# Start-up and idle memory of one or more demo-server binaries, without any load: what the issue's
# "idle RSS <= 6 MB, exec to first response <= 5 ms with an existing database" targets measure.
#
#   lab/bench/startup.sh BINARY [BINARY ...]
#
# For each binary, a `cat` copy in a temp directory (so every binary sits in the page cache the
# same way: the resident size of file pages depends on it, see lab/performance.md), on loopback:
# - exec to first 200 on `GET /basic`, median of STARTUP_RUNS (default 9) starts, with an existing
#   database and with a fresh one each time (lab/bench/first_response.py; server pinned to core
#   BENCH_SERVER_CPU, default 1, the polling client to BENCH_CLIENT_CPU, default 0);
# - VmRSS (RssAnon / RssFile) one second after the first response, median of the same number of
#   starts with an existing database;
# - user-space instructions from exec to exit for start, one `GET /basic` and a SIGTERM stop with
#   an existing database (callgrind; the copy `strip --strip-debug`ped for valgrind).
# The access log is off, as in lab/bench.sh. Prints one Markdown table.
set -euo pipefail

[ $# -ge 1 ] || { sed -n '2,16p' "$0"; exit 64; }
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bench_dir="$root/lab/bench"
runs=${STARTUP_RUNS:-9}
server_cpu=${BENCH_SERVER_CPU:-1}
client_cpu=${BENCH_CLIENT_CPU:-0}
for tool in valgrind python3 strip curl taskset; do
    command -v "$tool" >/dev/null || { echo "startup: $tool is missing" >&2; exit 1; }
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/startup.XXXXXX")"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=scripts/lib/check.sh
source "$root/scripts/lib/check.sh"
export ACCESS_LOG=off LOG_LEVEL=info HOST=127.0.0.1 PUBLIC_DIR="$root/Public" IMAGE_VARIANT=bench EVENT_LOOPS=auto

# wait_ok PORT: bounded wait for a 200 on /basic.
wait_ok() {
    for _ in $(seq 1 600); do
        curl -fs -o /dev/null --max-time 1 "http://127.0.0.1:$1/basic" && return 0
        sleep 0.02
    done
    return 1
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"; }

echo "| binary | exec to first 200, existing database (median of $runs) | fresh database | idle VmRSS KiB (RssAnon / RssFile) | start-up instructions |"
echo "|---|--:|--:|--:|--:|"
index=0
for binary in "$@"; do
    index=$((index + 1))
    dir="$tmp/$index"
    mkdir -p "$dir/data"
    cat "$binary" >"$dir/demo-server"
    chmod 755 "$dir/demo-server"
    port=$(check_free_port)
    existing="$dir/data/existing.sqlite"
    # The database the "existing" starts find (made and closed by one start).
    DATABASE_PATH="$existing" taskset -c "$server_cpu" "$dir/demo-server" serve --port "$port" >/dev/null 2>&1 &
    server_pid=$!
    wait_ok "$port" || { echo "startup: $binary did not start" >&2; exit 1; }
    kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""

    first() {
        taskset -c "$client_cpu" python3 "$bench_dir/first_response.py" "$port" "$runs" --cpu "$server_cpu" -- \
            "$dir/demo-server" serve --port "$port" | grep -o 'median=[0-9.]*' | cut -d= -f2
    }
    with_existing=$(DATABASE_PATH="$existing" first)
    with_fresh=$(DATABASE_PATH="$dir/data/fresh-{run}/visits.sqlite" first)

    : >"$dir/rss"
    for _ in $(seq 1 "$runs"); do
        DATABASE_PATH="$existing" taskset -c "$server_cpu" "$dir/demo-server" serve --port "$port" >/dev/null 2>&1 &
        server_pid=$!
        wait_ok "$port" || { echo "startup: $binary did not start" >&2; exit 1; }
        sleep 1   # a measurement window, not synchronisation
        echo "$(field "$server_pid" VmRSS) $(field "$server_pid" RssAnon) $(field "$server_pid" RssFile)" >>"$dir/rss"
        kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""
    done
    rss=$(cut -d' ' -f1 "$dir/rss" | median)
    anon=$(cut -d' ' -f2 "$dir/rss" | median)
    file=$(cut -d' ' -f3 "$dir/rss" | median)

    strip --strip-debug -o "$dir/demo-server-valgrind" "$binary"
    DATABASE_PATH="$existing" valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind.out" \
        "$dir/demo-server-valgrind" serve --port "$port" >/dev/null 2>"$dir/valgrind.log" &
    server_pid=$!
    wait_ok "$port" || { cat "$dir/valgrind.log" >&2; echo "startup: $binary did not start under valgrind" >&2; exit 1; }
    kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""
    instructions=$(awk '/^summary:/ { print $2 }' "$dir/callgrind.out")

    printf '| `%s` (sha256 %s) | %s ms | %s ms | %s (%s / %s) | %s |\n' "$binary" "$(sha256sum "$binary" | cut -c1-12)" \
        "$with_existing" "$with_fresh" "$rss" "$anon" "$file" "$instructions"
done
