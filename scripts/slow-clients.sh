#!/usr/bin/env bash
# Slow-client attacks against demo-server with its default settings, with slowhttptest:
# slow read (-X), slowloris (-H) and slow body (-B). Optionally nginx in the same run.
#
#   scripts/slow-clients.sh [--vs-nginx] [--short] [path/to/demo-server]
#
# The binary defaults to .build/release/demo-server, else .build/debug/demo-server. Each attack
# runs against a fresh server (and, with --vs-nginx, then against a fresh nginx serving the same
# files). For every attack it prints, second by second, what slowhttptest sees (closed / pending /
# connected, service available) beside what the server still holds (established connections on its
# port, from `ss`), checks that a probe request of our own is answered while the attack holds all
# its connections,
# and ends with "N passed, N failed" for our server (nginx's figures are reported, not judged).
#
# What passes, for our server:
#   - the service stays available: slowhttptest's probe never failed and our probe got a 200;
#   - every attack connection is gone from the server before the attack ends (slow read: cut by
#     the minimum response rate; slowloris: the header-read deadline; slow body: the minimum
#     body rate).
# slowhttptest's own "connected" column can lag the server: a slow reader only learns of a reset
# after it has read what its receive buffer already held (at 32 bytes every 5 s, a minute or more).
#
# --short runs each attack with 100 connections for 25 s (CI: about 2 minutes in all); the full
# form uses 300/200/200 connections for 70/45/45 s. Needs slowhttptest, curl, ss (iproute2) and,
# for --vs-nginx, nginx (Debian: nginx-light).
set -euo pipefail

vs_nginx=0
short=0
binary=""
for argument in "$@"; do
    case "$argument" in
        --vs-nginx) vs_nginx=1 ;;
        --short) short=1 ;;
        -h | --help) sed -n '2,24p' "$0"; exit 0 ;;
        -*) echo "unknown option: $argument" >&2; exit 64 ;;
        *) binary=$argument ;;
    esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -z "$binary" ]]; then
    for candidate in "$root/.build/release/demo-server" "$root/.build/debug/demo-server"; do
        if [[ -x "$candidate" ]]; then binary=$candidate; break; fi
    done
fi
[[ -n "$binary" && -x "$binary" ]] || { echo "no demo-server binary (build one, or pass its path)" >&2; exit 64; }
for tool in slowhttptest curl ss; do
    command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install slowhttptest curl iproute2)" >&2; exit 64; }
done
if ((vs_nginx)); then
    command -v nginx >/dev/null || { echo "nginx is missing (apt-get install nginx-light)" >&2; exit 64; }
fi

work=$(mktemp -d)
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# nginx, started as root, serves through workers running as nobody: everything must be readable.
chmod 755 "$work"
mkdir -p "$work/public"
head -c $((1024 * 1024)) /dev/zero > "$work/public/big.bin"
echo "hello" > "$work/public/index.html"
chmod -R a+rX "$work/public"

# The shared harness: pass/fail counting, the closing line, free ports, waiting for a 200.
# shellcheck source=lib/check.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"
free_port() { check_free_port; }
# Waits (at most 20 s) until http://127.0.0.1:$1$2 answers 200.
wait_for_200() { check_wait_200 "http://127.0.0.1:$1$2" 20; }

# Established connections whose local port is $1 (the server's side of each).
server_connections() {
    ss -Htn state established "( sport = :$1 )" 2>/dev/null | wc -l
}

start_ours() {
    local port=$1
    "$binary" serve --host 127.0.0.1 --port "$port" --public-dir "$work/public" \
        --database-path "$work/visits.sqlite" --access-log off >"$work/server.log" 2>&1 &
    server_pid=$!
}

start_nginx() {
    local port=$1
    mkdir -p "$work/nginx"
    cat >"$work/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    server {
        listen 127.0.0.1:$port;
        root $work/public;
        location = /basic { return 200 "basic\n"; }
    }
}
EOF
    nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
    server_pid=$!
}

stop_server() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

# run_attack NAME SERVER(ours|nginx) SLOWHTTPTEST-ARGS...
# Prints the timeline and sets attack_available (0/1), attack_left (server connections at the end).
run_attack() {
    local name=$1 target=$2
    shift 2
    local port length=${ATTACK_LENGTH}
    port=$(free_port)
    if [[ "$target" == ours ]]; then start_ours "$port"; else start_nginx "$port"; fi
    if ! wait_for_200 "$port" /index.html; then
        echo "$target did not start"; cat "$work/server.log" 2>/dev/null | tail -5
        attack_available=0; attack_left=-1
        stop_server
        return
    fi
    local prefix="$work/$name-$target"
    timeout $((length + 60)) slowhttptest "$@" -u "http://127.0.0.1:$port/$ATTACK_PATH" -p 3 -l "$length" \
        -g -o "$prefix" >"$prefix.txt" 2>&1 &
    local attacker=$!
    # Server-side connections each second, and our own probe once every attack connection is open
    # (at 200 a second, after about 1.5 s), long before the first deadline can free a slot.
    # attack_left is the last count taken while slowhttptest still ran: when it stops, it closes
    # what it still holds, so a count after that proves nothing.
    local probe_status=000 second open
    attack_left=0
    : >"$prefix.server"
    for second in $(seq 0 "$length"); do
        open=$(server_connections "$port")
        echo "$second $open" >>"$prefix.server"
        if ! kill -0 "$attacker" 2>/dev/null; then
            # Over before the probe: every attack connection was closed already.
            ((second > 2)) || probe_status="not needed (the attack was over)"
            break
        fi
        attack_left=$open
        if ((second == 2)); then
            probe_status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/index.html" || true)
        fi
        sleep 1
    done
    wait "$attacker" 2>/dev/null || true
    stop_server
    # slowhttptest stops before its time only when the server has closed every connection it had.
    if grep -aq "No open connections left" "$prefix.txt"; then attack_left=0; fi

    # slowhttptest's CSV: Seconds,Closed,Pending,Connected,Service Available (0 when a probe failed).
    local csv="$prefix.csv"
    printf '  %-4s %8s %8s %10s %10s %12s\n' "s" closed pending connected available "server-open"
    if [[ -f "$csv" ]]; then
        tail -n +2 "$csv" | while IFS=, read -r s closed pending connected available; do
            if ((s % 5 == 0)); then
                local open
                open=$(awk -v s="$s" '$1 == s { print $2 }' "$prefix.server")
                printf '  %-4s %8s %8s %10s %10s %12s\n' "$s" "$closed" "$pending" "$connected" \
                    "$([[ "$available" == 0 ]] && echo no || echo yes)" "${open:--}"
            fi
        done
    fi
    # The last column is 0 for a second in which slowhttptest's probe got no answer within 3 s.
    attack_available=1
    local unavailable=""
    if [[ -f "$csv" ]]; then
        unavailable=$(tail -n +2 "$csv" | awk -F, '$5 == 0 { printf "%s ", $1 }')
    else
        unavailable="(no CSV)"
    fi
    if [[ -n "$unavailable" ]]; then
        attack_available=0
        echo "  slowhttptest's probe got no answer at second(s): $unavailable"
    fi
    [[ "$probe_status" == 200 || "$probe_status" == not* ]] || attack_available=0
    echo "  our probe at 2 s: HTTP $probe_status; server connections at the attack's last second: $attack_left"
    echo "  slowhttptest: $(grep -a 'Exit status' "$prefix.txt" | sed 's/\x1b\[[0-9;]*m//g' | sed 's/^ *//')"
}

if ((short)); then
    ATTACK_LENGTH=25
    read_connections=100 loris_connections=100 body_connections=100
else
    ATTACK_LENGTH=70
    read_connections=300 loris_connections=200 body_connections=200
fi

targets=(ours)
((vs_nginx)) && targets+=(nginx)

echo "demo-server: $binary (default settings)"
((vs_nginx)) && echo "nginx: $(nginx -v 2>&1 | sed 's/.*: //') (worker_processes 1, defaults otherwise)"
echo "slowhttptest: $(slowhttptest -h 2>&1 | grep -o 'version [0-9.]*' | head -1); machine: $(nproc) cores, $(uname -sr)"

for target in "${targets[@]}"; do
    echo
    echo "== slow read (-X): $read_connections connections, windows of 512-1024 bytes, 32 bytes read every 5 s, 3 requests each; $target"
    ATTACK_PATH=big.bin run_attack slow-read "$target" \
        -X -c "$read_connections" -r 200 -w 512 -y 1024 -n 5 -z 32 -k 3
    if [[ "$target" == ours ]]; then
        ((attack_available)) && pass "slow read: service available" || fail "slow read: service unavailable"
        ((attack_left == 0)) && pass "slow read: no attack connection left on the server" \
            || fail "slow read: $attack_left connections still open on the server"
    fi

    echo
    echo "== slowloris (-H): $loris_connections connections, a header line every 10 s; $target"
    ATTACK_PATH=index.html run_attack slowloris "$target" \
        -H -c "$loris_connections" -r 200 -i 10 -x 24
    if [[ "$target" == ours ]]; then
        ((attack_available)) && pass "slowloris: service available" || fail "slowloris: service unavailable"
        ((attack_left == 0)) && pass "slowloris: no attack connection left on the server" \
            || fail "slowloris: $attack_left connections still open on the server"
    fi

    echo
    # A body the route takes (POST /api/visits takes up to 1 KiB: a larger one is refused from its
    # head, before any of it is read, which is no slow-body test).
    echo "== slow body (-B): $body_connections connections, Content-Length 1000, up to 10 bytes every 10 s; $target"
    ATTACK_PATH=api/visits run_attack slow-body "$target" \
        -B -c "$body_connections" -r 200 -i 10 -s 1000 -x 10
    if [[ "$target" == ours ]]; then
        ((attack_available)) && pass "slow body: service available" || fail "slow body: service unavailable"
        ((attack_left == 0)) && pass "slow body: no attack connection left on the server" \
            || fail "slow body: $attack_left connections still open on the server"
    fi
done

echo

check_summary
check_ok
