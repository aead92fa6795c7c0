#!/usr/bin/env bash
# Counts what one request costs the server in user-space instructions and heap allocations (calls
# to malloc and its relatives), both from valgrind's callgrind: numbers that, unlike requests per second, come out the same
# on a busy or a quiet machine, so a change to the hot path can be judged by them alone.
#
#   lab/bench/instructions.sh [--binary PATH] [--vs-nginx] [--vs-h2o] [--routes "/basic /bench-2k.txt / close:/basic"] [--profile N]
#
# Without --binary it builds the fully static release binary the images ship
# (scratch path .build-bench-static, as lab/bench.sh --static does). Each route is measured
# with two runs of the server, one answering SMALL requests and one LARGE (defaults 400 and 2400,
# INSTRUCTIONS_SMALL / INSTRUCTIONS_LARGE), pipelined 16 deep on one keep-alive connection by
# lab/bench/pipelined_client.py; the per-request figure is the difference of the two totals
# divided by the difference of the counts, so start-up, shutdown and the first request's one-off
# work cancel out. The server runs on one event loop with the access log off (as in bench.sh;
# INSTRUCTIONS_ACCESS_LOG=on writes it, to a file).
# `/` records a visit per request, so its figure includes one SQLite commit. A route written
# `close:/basic` is asked for once per connection with `Connection: close` instead (accept,
# request, close: what `wrk -H 'Connection: close'` measures).
#
# With --vs-nginx, nginx answers /basic (`return 200`) and /bench-2k.txt from the same
# configuration as lab/bench.sh, in one process (master_process off), measured the same way.
# With --vs-h2o, h2o does the same from lab/bench/h2o.conf.template (one thread; its /basic is an
# mruby handler, so only its file row is a fair comparison).
#
# valgrind 3.19 refuses the debug information of Swift binaries, so the measured copy is made with
# `strip --strip-debug` (the symbol table, and so the function names in callgrind's output, stay).
# Output: a Markdown table on stdout; with --profile N, after it, each route's N functions with the
# largest self cost per request (lab/bench/callgrind_profile.py); callgrind files kept in
# $INSTRUCTIONS_KEEP when set.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bench_dir="$root/lab/bench"
binary=""
vs_nginx=0
vs_h2o=0
profile=0
routes="/basic /bench-2k.txt / close:/basic"
small=${INSTRUCTIONS_SMALL:-400}
large=${INSTRUCTIONS_LARGE:-2400}
# INSTRUCTIONS_ACCESS_LOG=on measures with the access log written (to a file), as a deployment runs.
access_log=${INSTRUCTIONS_ACCESS_LOG:-off}
# Access-log lines are info: the level follows, so that they are written.
log_level=warning
[ "$access_log" = off ] || log_level=info
# INSTRUCTIONS_HEADER="Name: value" adds one header field to every request (e.g. a traceparent).
extra_header=${INSTRUCTIONS_HEADER:-}
depth=16

die() { echo "instructions: $*" >&2; exit 1; }
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

while [ $# -gt 0 ]; do
    case "$1" in
        --binary) binary=${2:?--binary needs a path}; shift 2 ;;
        --vs-nginx) vs_nginx=1; shift ;;
        --vs-h2o) vs_h2o=1; shift ;;
        --routes) routes=${2:?--routes needs a list}; shift 2 ;;
        --profile) profile=${2:?--profile needs a number}; shift 2 ;;
        -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
        *) echo "instructions: unknown argument $1" >&2; exit 64 ;;
    esac
done
[[ "$profile" =~ ^[0-9]+$ ]] || { echo "instructions: --profile takes a number" >&2; exit 64; }
[[ "$small" =~ ^[0-9]+$ && "$large" =~ ^[0-9]+$ && "$large" -gt "$small" ]] ||
    { echo "instructions: INSTRUCTIONS_LARGE must be a number above INSTRUCTIONS_SMALL" >&2; exit 64; }
for tool in valgrind python3 strip; do
    command -v "$tool" >/dev/null || die "$tool is missing (apt-get install valgrind python3 binutils)"
done
[ "$vs_nginx" = 0 ] || command -v nginx >/dev/null || die "nginx is missing (apt-get install nginx-light)"
[ "$vs_h2o" = 0 ] || command -v h2o >/dev/null || die "h2o is missing (apt-get install h2o)"

if [ -z "$binary" ]; then
    log "building the static release binary (scratch .build-bench-static)"
    (cd "$root" && swift build -c release --product demo-server --scratch-path .build-bench-static \
        --static-swift-stdlib -Xswiftc -static-executable \
        -Xlinker "--section-ordering-file=$root/lab/link-order.txt" >&2)
    binary="$root/.build-bench-static/release/demo-server"
fi
[ -x "$binary" ] || die "no executable at $binary"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/instructions.XXXXXX")"
chmod 755 "$tmp"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [ -n "${INSTRUCTIONS_KEEP:-}" ]; then
        mkdir -p "$INSTRUCTIONS_KEEP" && cp "$tmp"/*.out "$INSTRUCTIONS_KEEP"/ 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

strip --strip-debug -o "$tmp/demo-server" "$binary"
cp -R "$root/Public" "$tmp/public"
"$bench_dir/make-bench-file.py" "$tmp/public"
chmod -R a+rX "$tmp/public"

# shellcheck source=scripts/lib/check.sh
source "$root/scripts/lib/check.sh"
free_port() { check_free_port; }

# wait_for_port PORT PID: bounded wait until PORT accepts a TCP connection (no HTTP request, so
# nothing is counted that the other run would not count too).
wait_for_port() {
    local port=$1 pid=$2
    for _ in $(seq 1 1200); do
        kill -0 "$pid" 2>/dev/null || return 1
        python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $port)))" && return 0
        sleep 0.05
    done
    return 1
}

# run_server KIND ROUTE COUNT OUT: starts KIND (ours|nginx|h2o) under callgrind, sends COUNT requests
# for ROUTE, stops it gracefully and leaves callgrind's output in OUT.
run_server() {
    local kind=$1 route=$2 count=$3 out=$4 port stop_signal
    port=$(free_port)
    local -a valgrind_args=(--tool=callgrind --callgrind-out-file="$out")
    if [ "$kind" = ours ]; then
        rm -rf "$tmp/data"
        env ACCESS_LOG="$access_log" LOG_LEVEL="$log_level" HOST=127.0.0.1 PORT="$port" EVENT_LOOPS=1 \
            DATABASE_PATH="$tmp/data/visits.sqlite" PUBLIC_DIR="$tmp/public" IMAGE_VARIANT=bench \
            valgrind "${valgrind_args[@]}" --log-file="$out.log" "$tmp/demo-server" serve \
            >"$tmp/server.log" 2>&1 &
        stop_signal=TERM
    elif [ "$kind" = h2o ]; then
        mkdir -p "$tmp/h2o"
        sed -e "s|@DIR@|$tmp/h2o|g" -e "s|@PORT@|$port|g" -e "s|@PUBLIC_DIR@|$tmp/public|g" \
            "$bench_dir/h2o.conf.template" >"$tmp/h2o/h2o.conf"
        valgrind "${valgrind_args[@]}" --log-file="$out.log" \
            h2o -c "$tmp/h2o/h2o.conf" >"$tmp/server.log" 2>&1 &
        stop_signal=TERM
    else
        mkdir -p "$tmp/nginx"
        sed -e "s|@DIR@|$tmp/nginx|g" -e "s|@PORT@|$port|g" -e "s|@PUBLIC_DIR@|$tmp/public|g" \
            -e "s|@CPU_MASK@|auto|g" "$bench_dir/nginx.conf.template" >"$tmp/nginx/nginx.conf"
        valgrind "${valgrind_args[@]}" --log-file="$out.log" \
            nginx -c "$tmp/nginx/nginx.conf" -g 'master_process off;' >"$tmp/server.log" 2>&1 &
        stop_signal=QUIT
    fi
    server_pid=$!
    wait_for_port "$port" "$server_pid" || { cat "$tmp/server.log" "$out.log" >&2; die "$kind did not start under valgrind"; }
    local -a client_args=("$route" "$count" --depth "$depth")
    [[ "$route" == close:* ]] && client_args=("${route#close:}" "$count" --close)
    [ -z "$extra_header" ] || client_args+=(--header "$extra_header")
    python3 "$bench_dir/pipelined_client.py" "$port" "${client_args[@]}" >/dev/null ||
        die "$kind: the client failed on $route"
    kill "-$stop_signal" "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

# The instruction total callgrind wrote (the `summary:` line; `totals:` repeats it).
instructions_of() { awk '/^summary:/ { print $2 }' "$1"; }
# Calls to malloc and its relatives over the whole run. (valgrind's DHAT and massif see nothing in
# a static binary: they replace malloc through a preloaded shared library.)
allocations_of() { python3 "$bench_dir/callgrind_allocations.py" "$1"; }
per_request() { awk -v a="$1" -v b="$2" -v n=$((large - small)) 'BEGIN { printf "%.0f", (b - a) / n }'; }

measure() {
    local kind=$1 route=$2 name
    name="$kind$(echo "$route" | tr -c 'a-zA-Z0-9\n' '_')"
    log "$kind $route: $small and $large requests under callgrind"
    run_server "$kind" "$route" "$small" "$tmp/$name-small.out"
    run_server "$kind" "$route" "$large" "$tmp/$name-large.out"
    printf '| %s | `%s` | %s | %s |\n' "$kind" "$route" \
        "$(per_request "$(instructions_of "$tmp/$name-small.out")" "$(instructions_of "$tmp/$name-large.out")")" \
        "$(per_request "$(allocations_of "$tmp/$name-small.out")" "$(allocations_of "$tmp/$name-large.out")")"
    if [ "$profile" -gt 0 ]; then
        "$bench_dir/callgrind_profile.py" "$tmp/$name-small.out" "$tmp/$name-large.out" $((large - small)) "$profile" \
            >"$tmp/$name.profile"
        profiles+=("$kind $route: $(cat "$tmp/$name.profile")")
    fi
}
profiles=()

echo "Per request, user space, one event loop, $depth pipelined requests per round trip"
echo "(difference of $small and $large requests; $(valgrind --version); binary sha256 $(sha256sum "$binary" | cut -c1-12)):"
echo
echo "| server | route | instructions | heap allocations |"
echo "|---|---|--:|--:|"
for route in $routes; do
    measure ours "$route"
done
for peer in nginx h2o; do
    flag="vs_$peer"
    [ "${!flag}" = 1 ] || continue
    for route in $routes; do
        [ "$route" = / ] && continue   # the peers have no page that records a visit
        measure "$peer" "$route"
    done
done
for text in "${profiles[@]}"; do
    printf '\n```\n%s\n```\n' "$text"
done
