#!/usr/bin/env bash
# A rolling restart under load with zero failed requests: three demo-server processes on one
# PostgreSQL database behind nginx (round robin, retrying the next server when one refuses the
# connection), each stopped with SIGTERM and started again in turn while wrk sends GET / (every
# answer counts a visit in the database). Everything listens on 127.0.0.1 only.
#
# Usage: scripts/rolling-restart.sh [DEMO_SERVER_BINARY]
#   The binary must be built with the PostgreSQL trait; default: the first of
#   .build-postgres/release/demo-server and .build-postgres/debug/demo-server
#   (swift build --traits PostgreSQL --scratch-path .build-postgres).
# Environment: DURATION (wrk's seconds, default 20), CONNECTIONS (default 32),
#   DATABASE_URL (use this database instead of starting a throw-away one).
# Needs: nginx, wrk, curl, PostgreSQL's binaries (Debian: nginx-light wrk curl postgresql).
# Output: wrk's summary, the restarts, "requests R, failed F, visits counted V"; the last line is
# "1 passed, 0 failed" or "0 passed, 1 failed". Exit status 1 on any failed request.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

binary=${1:-}
if [[ -z "$binary" ]]; then
  for candidate in .build-postgres/release/demo-server .build-postgres/debug/demo-server; do
    [[ -x "$candidate" ]] && { binary=$candidate; break; }
  done
fi
[[ -x "$binary" ]] || { echo "rolling-restart: no demo-server built with the PostgreSQL trait (see Usage)" >&2; exit 2; }
binary=$(realpath "$binary")
duration=${DURATION:-20}
connections=${CONNECTIONS:-32}
for tool in nginx wrk curl; do
  command -v "$tool" >/dev/null || { echo "rolling-restart: $tool is missing (apt-get install nginx-light wrk curl)" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/rolling-restart.XXXXXX")
# nginx's workers run as nobody when started as root: they must be able to read the prefix.
chmod 755 "$work"
pids=()
nginx_pid=""
database_dir=""
cleanup() {
  for pid in "${pids[@]}"; do
    [[ -n "$pid" ]] || continue
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  [[ -n "$nginx_pid" ]] && kill -TERM "$nginx_pid" 2>/dev/null || true
  [[ -n "$database_dir" ]] && scripts/postgres-test-server.sh stop "$database_dir" immediate 2>/dev/null || true
  rm -rf -- "$work"
}
trap cleanup EXIT

# check_free_port (and the harness of the other check scripts).
# shellcheck source=scripts/lib/check.sh
source scripts/lib/check.sh
free_port() { check_free_port; }

if [[ -z "${DATABASE_URL:-}" ]]; then
  database_dir="$work/postgres"
  DATABASE_URL=$(scripts/postgres-test-server.sh start "$database_dir" "$(free_port)")
fi

ports=("$(free_port)" "$(free_port)" "$(free_port)")
# Starts replica $1 on its port and waits (bounded) until it is listening and ready.
start_replica() {
  local index=$1 port=${ports[$1]}
  PORT=$port HOST=127.0.0.1 DATABASE_URL=$DATABASE_URL IMAGE_VARIANT=rolling ACCESS_LOG=off \
    PUBLIC_DIR=Public SHUTDOWN_TIMEOUT=10 "$binary" serve >>"$work/replica-$index.log" 2>&1 &
  pids[index]=$!
  for _ in $(seq 1 300); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && return 0
    kill -0 "${pids[index]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "rolling-restart: replica $index did not become ready:" >&2
  tail -n 20 "$work/replica-$index.log" >&2
  return 1
}
for index in 0 1 2; do start_replica "$index"; done

nginx_port=$(free_port)
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    # max_fails=0: never take a server out of rotation on errors. A refused connection is retried on
    # the next server at once anyway, and with three restarts a second apart, marking each one down
    # for a while would soon mark all three down ("no live upstreams": 502 for everyone).
    upstream demo {
        server 127.0.0.1:${ports[0]} max_fails=0;
        server 127.0.0.1:${ports[1]} max_fails=0;
        server 127.0.0.1:${ports[2]} max_fails=0;
        keepalive 32;
    }
    server {
        listen 127.0.0.1:$nginx_port;
        location / {
            proxy_pass http://demo;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            # A server that is stopping refuses new connections at once and closes idle kept-alive
            # ones: try the next server. GET is idempotent, so nginx may resend it (RFC 9110 §9.2.2).
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries 3;
            proxy_next_upstream_timeout 10s;
        }
    }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$nginx_port/" 2>/dev/null && break; sleep 0.1; done

before=$(curl -fsS "http://127.0.0.1:${ports[0]}/api/visits" | python3 -c 'import json, sys; print(json.load(sys.stdin)["total"])')
wrk -t 2 -c "$connections" -d "${duration}s" "http://127.0.0.1:$nginx_port/" >"$work/wrk.out" 2>&1 &
wrk_pid=$!
started=$(date +%s)

sleep 2
for index in 0 1 2; do
  began=$(date +%s%N)
  kill -TERM "${pids[index]}"
  wait "${pids[index]}" || { echo "rolling-restart: replica $index exited non-zero after SIGTERM" >&2; exit 1; }
  start_replica "$index"
  echo "replica $index: SIGTERM, stopped, started again and ready in $(( ($(date +%s%N) - began) / 1000000 )) ms"
  # Paced like a rollout (the overlay's minReadySeconds is 5), not as fast as the loop can go.
  sleep 1
done
restarted=$(date +%s)
wait "$wrk_pid"
cat "$work/wrk.out"
if (( restarted - started >= duration )); then
  echo "rolling-restart: the restarts outlasted the load (${duration} s); raise DURATION" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

requests=$(awk '/requests in/ { print $1 }' "$work/wrk.out")
non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$work/wrk.out")
socket_errors=$(awk -F'[ ,]+' '/Socket errors:/ { print $4 + $6 + $8 + $10 }' "$work/wrk.out")
failed=$(( ${non2xx:-0} + ${socket_errors:-0} ))
after=$(curl -fsS "http://127.0.0.1:${ports[0]}/api/visits" | python3 -c 'import json, sys; print(json.load(sys.stdin)["total"])')
echo "requests $requests, failed $failed, visits counted $((after - before)) (each GET / counts one; nginx may resend a GET that a stopping server cut off)"
if (( failed == 0 )); then
  echo "1 passed, 0 failed"
else
  tail -n 20 "$work/nginx/error.log" >&2 || true
  echo "0 passed, 1 failed"
  exit 1
fi
