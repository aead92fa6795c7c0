#!/usr/bin/env bash
# Benchmarks demo-server (release build) with wrk, optionally against nginx and h2o in the same run.
#
#   lab/bench.sh [--vs-nginx] [--vs-h2o] [--no-build] [--static]
#
# The server runs pinned to one core (BENCH_SERVER_CPU, default 1) and wrk to another
# (BENCH_CLIENT_CPU, default 0). Scenarios, on /basic and on a 2048-byte static file:
# 1, 64 and 512 keep-alive connections, and 64 connections with `Connection: close`.
# With --vs-nginx, nginx (one worker on the same core, access log off, keep-alive) serves the
# same two routes on another port and each scenario runs against both servers back to back
# (interleaved), so the ratio compares like with like on a noisy machine. With --vs-h2o, h2o
# (lab/bench/h2o.conf.template: one thread, pinned to the same core, no access log) joins the same
# way; its /basic is an mruby handler (about 31 k instructions per request), so only its file rows
# are a fair comparison. Ratios are ours / peer's.
#
# Also measured: idle RSS after start-up (VmRSS), peak RSS after the 512-connection runs (VmHWM),
# idle CPU ticks over 5 s (before and after load), time from process start to first successful
# response (median of BENCH_STARTUP_RUNS, with a fresh database each time and with an existing
# one), and the event-loop count from the start-up log line.
#
# --static benchmarks the binary as the container images ship it (fully static:
# --static-swift-stdlib -Xswiftc -static-executable, scratch path .build-bench-static) instead of
# the default dynamically linked release build, whose RSS counts the shared Swift libraries.
#
# Environment:
#   BENCH_DURATION   wrk duration per run (default 10s)
#   BENCH_WARMUP     warm-up per server and route before measuring (default 3s)
#   BENCH_STARTUP_RUNS  start-up measurements, median reported (default 7)
#   BENCH_IDLE_SECONDS  idle CPU window (default 5)
#   BENCH_SERVER_CPU / BENCH_CLIENT_CPU  cores (default 1 / 0)
#   BENCH_SCRATCH    SwiftPM scratch path (default .build-bench, or .build-bench-static)
#   BENCH_KEEP=1     keep the temp directory (logs, wrk output)
# Nothing is written inside the repository except the build products under BENCH_SCRATCH.
set -euo pipefail

vs_nginx=0
vs_h2o=0
build=1
static=0
for arg in "$@"; do
    case "$arg" in
        --vs-nginx) vs_nginx=1 ;;
        --vs-h2o) vs_h2o=1 ;;
        --no-build) build=0 ;;
        --static) static=1 ;;
        -h | --help) sed -n '2,30p' "$0"; exit 0 ;;
        *) echo "usage: $0 [--vs-nginx] [--vs-h2o] [--no-build] [--static]" >&2; exit 64 ;;
    esac
done

duration="${BENCH_DURATION:-10s}"
warmup="${BENCH_WARMUP:-3s}"
startup_runs="${BENCH_STARTUP_RUNS:-7}"
idle_seconds="${BENCH_IDLE_SECONDS:-5}"
server_cpu="${BENCH_SERVER_CPU:-1}"
client_cpu="${BENCH_CLIENT_CPU:-0}"
if [ "$static" = 1 ]; then
    scratch="${BENCH_SCRATCH:-.build-bench-static}"
    # As the images link it: the start-up and request code placed together (lab/link-order.sh).
    build_flags=(--static-swift-stdlib -Xswiftc -static-executable
        -Xlinker "--section-ordering-file=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lab/link-order.txt")
else
    scratch="${BENCH_SCRATCH:-.build-bench}"
    build_flags=()
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench_dir="$root/lab/bench"
cd "$root"

need() { command -v "$1" >/dev/null 2>&1; }
log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

if ! need wrk; then
    log "installing wrk"
    if [ "$(id -u)" = 0 ]; then
        apt-get install -y --no-install-recommends wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y --no-install-recommends wrk >/dev/null; }
    else
        die "wrk is missing: sudo apt-get install wrk"
    fi
fi
need taskset || die "taskset is missing (util-linux)"
need python3 || die "python3 is missing"
need curl || die "curl is missing"
if [ "$vs_nginx" = 1 ] && ! need nginx; then
    die "nginx is missing: apt-get install nginx-light"
fi
if [ "$vs_h2o" = 1 ] && ! need h2o; then
    die "h2o is missing: apt-get install h2o"
fi
# The peers in the run, in the order of the table's columns.
peers=()
[ "$vs_nginx" = 1 ] && peers+=(nginx)
[ "$vs_h2o" = 1 ] && peers+=(h2o)
cpus=$(nproc --all)
[ "$server_cpu" -lt "$cpus" ] && [ "$client_cpu" -lt "$cpus" ] || die "need cores $server_cpu and $client_cpu; this machine has $cpus"
ulimit -n 16384 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# --- build ---------------------------------------------------------------------------------------
if [ "$build" = 1 ]; then
    log "building demo-server (release${build_flags[*]:+, ${build_flags[*]}}, scratch $scratch)"
    swift build -c release --product demo-server "${build_flags[@]}" --scratch-path "$scratch" >&2
fi
bin="$(swift build -c release "${build_flags[@]}" --scratch-path "$scratch" --show-bin-path)/demo-server"
[ -x "$bin" ] || die "no binary at $bin (run without --no-build)"

# --- temp dir: public files, database, logs --------------------------------------------------
tmp="$(mktemp -d "${TMPDIR:-/tmp}/demo-bench.XXXXXX")"
chmod 755 "$tmp"
server_pid=""
nginx_pid=""
h2o_pid=""
cleanup() {
    local status=$?
    for pid in $server_pid $nginx_pid $h2o_pid; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    if [ "${BENCH_KEEP:-0}" = 1 ] || [ "$status" -ne 0 ]; then
        echo "bench: logs kept in $tmp" >&2
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cp -R Public "$tmp/public"
"$bench_dir/make-bench-file.py" "$tmp/public" || die "could not write bench-2k.txt"
chmod -R a+rX "$tmp/public"
mkdir -p "$tmp/data" "$tmp/wrk"

# shellcheck source=scripts/lib/check.sh
source scripts/lib/check.sh
free_port() { check_free_port; }

# Waits (bounded) for the server's "listening" line and prints it.
wait_for_listening() {
    local logfile="$1" pid="$2"
    for _ in $(seq 1 600); do
        if grep -q 'listening' "$logfile" 2>/dev/null; then
            grep -m1 'listening' "$logfile"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || { cat "$logfile" >&2; die "server exited during start-up"; }
        sleep 0.05
    done
    die "server did not log 'listening' within 30 s"
}

server_env=(env ACCESS_LOG=off LOG_FORMAT=text LOG_LEVEL=info HOST=127.0.0.1 EVENT_LOOPS=auto
    PUBLIC_DIR="$tmp/public" IMAGE_VARIANT=bench)

proc_field() { awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"; }   # kB
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }                      # utime+stime
mb() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }

# --- event loops follow the CPUs -----------------------------------------------------------------
loops_check() {
    local cpuset="$1" logfile="$tmp/loops-$1.log" pid line
    "${server_env[@]}" DATABASE_PATH="$tmp/data/loops.sqlite" taskset -c "$cpuset" "$bin" serve --port 0 \
        >"$logfile" 2>&1 &
    pid=$!
    line=$(wait_for_listening "$logfile" "$pid")
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
    echo "$line" | grep -o 'eventLoops=[0-9]*' | cut -d= -f2
}
log "event loops: taskset -c $server_cpu and taskset -c 0-$((cpus - 1))"
loops_one=$(loops_check "$server_cpu")
loops_all=$(loops_check "0-$((cpus - 1))")
quota=$(cat /sys/fs/cgroup/cpu.max 2>/dev/null || echo "max")
# What "follow the CPUs" means for the unpinned run: all cores, or fewer under a cgroup CPU quota.
expected_all=$(echo "$quota" | awk -v cpus="$cpus" '$1 == "max" { print cpus; exit }
    { n = int(($1 + $2 - 1) / $2); if (n < 1) n = 1; print (n < cpus ? n : cpus) }')

# --- start-up time -------------------------------------------------------------------------------
log "start to first response: $startup_runs runs"
startup_port=$(free_port)
# The server's environment is set on python; it pins the server between fork and exec, so only
# the server's own start is counted (no env/taskset exec).
startup_out=$("${server_env[@]}" DATABASE_PATH="$tmp/data/startup-{run}/visits.sqlite" \
    taskset -c "$client_cpu" python3 "$bench_dir/first_response.py" "$startup_port" "$startup_runs" --cpu "$server_cpu" -- \
    "$bin" serve --port "$startup_port")
echo "$startup_out" >"$tmp/startup.txt"
startup_ms=$(echo "$startup_out" | grep -o 'median=[0-9.]*' | cut -d= -f2)
startup_range=$(echo "$startup_out" | grep -o 'min=[0-9.]* max=[0-9.]*')
# A restart: the database the first of these starts makes, the others find.
log "start to first response with an existing database: $startup_runs runs"
existing_out=$("${server_env[@]}" DATABASE_PATH="$tmp/data/startup-existing/visits.sqlite" \
    taskset -c "$client_cpu" python3 "$bench_dir/first_response.py" "$startup_port" "$((startup_runs + 1))" --cpu "$server_cpu" -- \
    "$bin" serve --port "$startup_port")
echo "$existing_out" >>"$tmp/startup.txt"
existing_ms=$(echo "$existing_out" | grep '^run ' | tail -n +2 | awk '{ print $3 }' | sort -n |
    awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')

# --- servers ---------------------------------------------------------------------------------------
log "starting demo-server on core $server_cpu"
"${server_env[@]}" DATABASE_PATH="$tmp/data/visits.sqlite" taskset -c "$server_cpu" "$bin" serve --port 0 \
    >"$tmp/server.log" 2>&1 &
server_pid=$!
listening=$(wait_for_listening "$tmp/server.log" "$server_pid")
ours_port=$(echo "$listening" | grep -o 'port=[0-9]*' | cut -d= -f2)
ours_loops=$(echo "$listening" | grep -o 'eventLoops=[0-9]*' | cut -d= -f2)
curl -fsS "http://127.0.0.1:$ours_port/basic" >/dev/null || die "demo-server does not answer /basic"
[ "$(curl -fsS "http://127.0.0.1:$ours_port/bench-2k.txt" | wc -c)" = 2048 ] || die "demo-server does not serve bench-2k.txt"
sleep 1   # settle: a measurement window, not synchronisation
idle_rss_kb=$(proc_field "$server_pid" VmRSS)
idle_anon_kb=$(proc_field "$server_pid" RssAnon)
idle_file_kb=$(proc_field "$server_pid" RssFile)
fds_before=$(ls "/proc/$server_pid/fd" | wc -l)
t0=$(cpu_ticks "$server_pid")
sleep "$idle_seconds"
idle_ticks_before=$(( $(cpu_ticks "$server_pid") - t0 ))

if [ "$vs_nginx" = 1 ]; then
    nginx_port=$(free_port)
    mkdir -p "$tmp/nginx"
    mask="1$(printf '%*s' "$server_cpu" '' | tr ' ' '0')"
    sed -e "s|@DIR@|$tmp/nginx|g" -e "s|@PORT@|$nginx_port|g" -e "s|@PUBLIC_DIR@|$tmp/public|g" \
        -e "s|@CPU_MASK@|$mask|g" "$bench_dir/nginx.conf.template" >"$tmp/nginx/nginx.conf"
    log "starting nginx on core $server_cpu, port $nginx_port"
    taskset -c "$server_cpu" nginx -p "$tmp/nginx" -e "$tmp/nginx/error.log" -c "$tmp/nginx/nginx.conf" \
        >"$tmp/nginx/stdout.log" 2>&1 &
    nginx_pid=$!
    for _ in $(seq 1 200); do
        curl -fsS "http://127.0.0.1:$nginx_port/basic" >/dev/null 2>&1 && break
        kill -0 "$nginx_pid" 2>/dev/null || { cat "$tmp/nginx/error.log" >&2; die "nginx exited"; }
        sleep 0.05
    done
    [ "$(curl -fsS "http://127.0.0.1:$nginx_port/bench-2k.txt" | wc -c)" = 2048 ] || die "nginx does not serve bench-2k.txt"
fi
if [ "$vs_h2o" = 1 ]; then
    h2o_port=$(free_port)
    mkdir -p "$tmp/h2o"
    sed -e "s|@DIR@|$tmp/h2o|g" -e "s|@PORT@|$h2o_port|g" -e "s|@PUBLIC_DIR@|$tmp/public|g" \
        "$bench_dir/h2o.conf.template" >"$tmp/h2o/h2o.conf"
    log "starting h2o on core $server_cpu, port $h2o_port"
    taskset -c "$server_cpu" h2o -c "$tmp/h2o/h2o.conf" >"$tmp/h2o/stdout.log" 2>&1 &
    h2o_pid=$!
    for _ in $(seq 1 200); do
        curl -fsS "http://127.0.0.1:$h2o_port/basic" >/dev/null 2>&1 && break
        kill -0 "$h2o_pid" 2>/dev/null || { cat "$tmp/h2o/stdout.log" "$tmp/h2o/error.log" >&2; die "h2o exited"; }
        sleep 0.05
    done
    [ "$(curl -fsS "http://127.0.0.1:$h2o_port/bench-2k.txt" | wc -c)" = 2048 ] || die "h2o does not serve bench-2k.txt"
fi

# --- wrk -------------------------------------------------------------------------------------------
# run_wrk NAME PORT PATH CONNECTIONS DURATION [extra wrk args]: prints the WRK_RESULT fields.
run_wrk() {
    local name="$1" port="$2" path="$3" conns="$4" dur="$5"
    shift 5
    local out="$tmp/wrk/$name.txt"
    taskset -c "$client_cpu" wrk -t1 -c"$conns" -d"$dur" --latency -s "$bench_dir/report.lua" "$@" \
        "http://127.0.0.1:$port$path" >"$out" 2>&1 || true
    grep -m1 '^WRK_RESULT' "$out" | cut -d' ' -f2- || echo "requests=0 rps=0 p50_us=0 p99_us=0 connect=-1 read=-1 write=-1 timeout=-1 status=-1"
}
field() { echo "$1" | tr ' ' '\n' | awk -F= -v key="$2" '$1 == key { print $2 }'; }

servers=(ours "${peers[@]}")
port_of() { case "$1" in ours) echo "$ours_port" ;; nginx) echo "$nginx_port" ;; h2o) echo "$h2o_port" ;; esac; }

for server in "${servers[@]}"; do
    for path in /basic /bench-2k.txt; do
        log "warm-up $server $path ($warmup, 64 connections)"
        run_wrk "warmup-$server-${path#/}" "$(port_of "$server")" "$path" 64 "$warmup" >/dev/null
    done
done

# name|path|connections|extra
scenarios=(
    "basic-c1|/basic|1|"
    "basic-c64|/basic|64|"
    "basic-c512|/basic|512|"
    "static-c1|/bench-2k.txt|1|"
    "static-c64|/bench-2k.txt|64|"
    "static-c512|/bench-2k.txt|512|"
    "basic-close-c64|/basic|64|close"
    "static-close-c64|/bench-2k.txt|64|close"
)
declare -A result
peak_after_512_kb=""
for scenario in "${scenarios[@]}"; do
    IFS='|' read -r name path conns extra <<<"$scenario"
    args=()
    [ "$extra" = close ] && args=(-H 'Connection: close')
    for server in "${servers[@]}"; do
        log "$name: $server"
        result[$name.$server]=$(run_wrk "$name-$server" "$(port_of "$server")" "$path" "$conns" "$duration" "${args[@]}")
        if [ "$server" = ours ] && ! kill -0 "$server_pid" 2>/dev/null; then
            cat "$tmp/server.log" >&2
            die "demo-server died during $name"
        fi
    done
    if [ "$name" = static-c512 ]; then
        peak_after_512_kb=$(proc_field "$server_pid" VmHWM)
        rss_after_512_kb=$(proc_field "$server_pid" VmRSS)
    fi
done
peak_end_kb=$(proc_field "$server_pid" VmHWM)
sleep 1   # let closed connections drain before the idle window
rss_after_kb=$(proc_field "$server_pid" VmRSS)
t0=$(cpu_ticks "$server_pid")
sleep "$idle_seconds"
idle_ticks_after=$(( $(cpu_ticks "$server_pid") - t0 ))
fds_after=$(ls "/proc/$server_pid/fd" | wc -l)
if [ "$vs_nginx" = 1 ]; then
    nginx_worker=$(pgrep -P "$nginx_pid" | head -1 || true)
    nginx_rss_kb=$( [ -n "$nginx_worker" ] && proc_field "$nginx_worker" VmHWM || echo 0)
fi
if [ "$vs_h2o" = 1 ]; then
    h2o_rss_kb=$(proc_field "$h2o_pid" VmHWM)
fi

# --- report ----------------------------------------------------------------------------------------
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
printf '\n## demo-server benchmark (%s per run, warm-up %s)\n\n' "$duration" "$warmup"
printf -- '- machine: %s CPUs (%s), kernel %s, load average %s\n' "$cpus" "$cpu_model" "$(uname -r)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf -- '- %s\n' "$(swift --version 2>/dev/null | head -1)"
printf -- '- server on core %s, wrk (1 thread) on core %s; %s binary %s (%s)\n\n' "$server_cpu" "$client_cpu" \
    "$([ "$static" = 1 ] && echo "fully static" || echo "dynamically linked")" "$bin" "$(du -h "$bin" | cut -f1)"

ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }
errors() { echo "$(field "$1" connect)/$(field "$1" read)/$(field "$1" write)/$(field "$1" timeout)"; }
if [ ${#peers[@]} -gt 0 ]; then
    header='| scenario | conns | ours req/s | ours p50 / p99 ms | ours errors c/r/w/t | ours non-2xx'
    rule='|---|---:|---:|---:|---:|---:'
    for peer in "${peers[@]}"; do
        header+=" | $peer req/s | ratio | $peer p50 / p99 ms | p99 ratio | $peer errors c/r/w/t | $peer non-2xx"
        rule+='|---:|---:|---:|---:|---:|---:'
    done
    printf '%s |\n%s|\n' "$header" "$rule"
else
    printf '| scenario | conns | req/s | p50 ms | p99 ms | errors c/r/w/t | non-2xx |\n'
    printf '|---|---:|---:|---:|---:|---:|---:|\n'
fi
for scenario in "${scenarios[@]}"; do
    IFS='|' read -r name path conns extra <<<"$scenario"
    o="${result[$name.ours]}"
    if [ ${#peers[@]} -gt 0 ]; then
        row=$(printf '| %s %s | %s | %.0f | %s / %s | %s | %s' "$path" "${extra:-keep-alive}" "$conns" "$(field "$o" rps)" \
            "$(ms "$(field "$o" p50_us)")" "$(ms "$(field "$o" p99_us)")" "$(errors "$o")" "$(field "$o" status)")
        for peer in "${peers[@]}"; do
            n="${result[$name.$peer]}"
            ratio=$(awk -v a="$(field "$o" rps)" -v b="$(field "$n" rps)" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
            p99ratio=$(awk -v a="$(field "$o" p99_us)" -v b="$(field "$n" p99_us)" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
            row+=$(printf ' | %.0f | %s | %s / %s | %s | %s | %s' "$(field "$n" rps)" "$ratio" \
                "$(ms "$(field "$n" p50_us)")" "$(ms "$(field "$n" p99_us)")" "$p99ratio" "$(errors "$n")" "$(field "$n" status)")
        done
        printf '%s |\n' "$row"
    else
        printf '| %s %s | %s | %.0f | %s | %s | %s | %s |\n' "$path" "${extra:-keep-alive}" "$conns" "$(field "$o" rps)" \
            "$(ms "$(field "$o" p50_us)")" "$(ms "$(field "$o" p99_us)")" "$(errors "$o")" "$(field "$o" status)"
    fi
done

hz=$(getconf CLK_TCK)
printf '\n| measure | value | target |\n|---|---:|---|\n'
printf '| idle RSS after start-up (VmRSS) | %s MB | <= 6 MB |\n' "$(mb "$idle_rss_kb")"
printf '| of which anonymous / file-backed (RssAnon / RssFile) | %s / %s MB | |\n' "$(mb "$idle_anon_kb")" "$(mb "$idle_file_kb")"
printf '| peak RSS after the 512-connection runs (VmHWM) | %s MB | <= 40 MB |\n' "$(mb "$peak_after_512_kb")"
printf '| peak RSS at the end (VmHWM, after the close runs) | %s MB | |\n' "$(mb "$peak_end_kb")"
printf '| RSS after load / after 1 s idle (VmRSS) | %s / %s MB | |\n' "$(mb "$rss_after_512_kb")" "$(mb "$rss_after_kb")"
printf '| idle CPU over %s s before load / after load | %s / %s ticks (%s Hz) | ~0 |\n' "$idle_seconds" "$idle_ticks_before" "$idle_ticks_after" "$hz"
printf '| open fds before load / after load (connections closed) | %s / %s | equal |\n' "$fds_before" "$fds_after"
printf '| start to first 200, fresh database, median of %s (%s) | %s ms | |\n' "$startup_runs" "$startup_range" "$startup_ms"
printf '| start to first 200, existing database, median of %s | %s ms | <= 5 ms |\n' "$startup_runs" "$existing_ms"
printf '| eventLoops under taskset -c %s / -c 0-%s (cpu.max %s) | %s / %s | 1 / %s |\n' \
    "$server_cpu" "$((cpus - 1))" "$quota" "$loops_one" "$loops_all" "$expected_all"
printf '| eventLoops of the benchmarked server | %s | 1 |\n' "$ours_loops"
if [ "$vs_nginx" = 1 ]; then
    printf '| nginx worker peak RSS (VmHWM) | %s MB | |\n' "$(mb "$nginx_rss_kb")"
fi
if [ "$vs_h2o" = 1 ]; then
    printf '| h2o peak RSS (VmHWM) | %s MB | |\n' "$(mb "$h2o_rss_kb")"
fi

# --- targets (from the issue) -----------------------------------------------------------------------
verdict() { if [ "$1" = 1 ]; then echo met; else echo "NOT met"; fi; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { print (a != "-" && a + 0 >= b + 0) ? 1 : 0 }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a != "" && a != "-" && a + 0 <= b + 0) ? 1 : 0 }'; }
# ratio_of SCENARIO FIELD [PEER]: ours / the peer's (nginx unless named).
ratio_of() { awk -v a="$(field "${result[$1.ours]}" "$2")" -v b="$(field "${result[$1.${3:-nginx}]:-}" "$2")" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
socket_errors() { local r="${result[$1.ours]}"; echo $(( $(field "$r" connect) + $(field "$r" read) + $(field "$r" write) + $(field "$r" timeout) )); }
printf '\n| target | measured | verdict |\n|---|---|---|\n'
if [ ${#peers[@]} -gt 0 ]; then
    # Issue 18's targets: at least each peer's throughput, and a p99 at 512 connections no worse
    # (h2o's /basic rows measure its mruby handler, not a fixed answer).
    for peer in "${peers[@]}"; do
        for row in "basic-c64|/basic, 64 keep-alive" "basic-c512|/basic, 512 keep-alive" "static-c64|2 KB file, 64 keep-alive" \
            "static-c512|2 KB file, 512 keep-alive" "basic-close-c64|/basic, 64 Connection: close" \
            "static-close-c64|2 KB file, 64 Connection: close"; do
            IFS='|' read -r name label <<<"$row"
            r=$(ratio_of "$name" rps "$peer")
            printf '| %s >= 1.0x %s req/s | %sx | %s |\n' "$label" "$peer" "$r" "$(verdict "$(ge "$r" 1.0)")"
        done
        for name in basic-c512 static-c512; do
            r=$(ratio_of "$name" p99_us "$peer")
            e=$(socket_errors "$name")
            ok=$(( $(le "$r" 1) && e == 0 ))
            printf '| %s: 0 socket errors, p99 <= %s | %s errors, p99 %sx | %s |\n' "$name" "$peer" "$e" "$r" "$(verdict "$ok")"
        done
    done
else
    for name in basic-c512 static-c512; do
        e=$(socket_errors "$name")
        printf '| %s: 0 socket errors (p99 ratio needs a peer) | %s errors | %s |\n' "$name" "$e" "$(verdict $(( e == 0 )))"
    done
fi
printf '| idle RSS <= 6 MB | %s MB | %s |\n' "$(mb "$idle_rss_kb")" "$(verdict "$(le "$idle_rss_kb" 6144)")"
printf '| peak RSS at 512 connections <= 40 MB | %s MB | %s |\n' "$(mb "$peak_after_512_kb")" "$(verdict "$(le "$peak_after_512_kb" 40960)")"
# "About 0": at most 1 tick (10 ms of CPU at 100 Hz) in the idle window, before and after load.
printf '| idle CPU ~0 over %s s | %s / %s ticks | %s |\n' "$idle_seconds" "$idle_ticks_before" "$idle_ticks_after" \
    "$(verdict "$(( idle_ticks_before <= 1 && idle_ticks_after <= 1 ))")"
printf '| start to first response, existing database, <= 5 ms | %s ms | %s |\n' "$existing_ms" "$(verdict "$(le "$existing_ms" 5)")"
printf '| event loops follow the CPUs | %s under 1 CPU, %s under %s | %s |\n' "$loops_one" "$loops_all" "$expected_all CPUs available" \
    "$(verdict "$(( loops_one == 1 && ours_loops == 1 && loops_all == expected_all ))")"

# Anything the server said on stderr-level (warnings, errors) during the run.
if grep -Eq ' (warning|error|critical) ' "$tmp/server.log"; then
    printf '\nserver warnings/errors during the run:\n'
    grep -E ' (warning|error|critical) ' "$tmp/server.log" | sort | uniq -c | sort -rn | head -20
fi
