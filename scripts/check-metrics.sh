#!/usr/bin/env bash
# Checks what an operator's tools read from the real server after real traffic:
#
#   1. `promtool check metrics` (Prometheus' own linter, Debian package `prometheus`) on /metrics
#      in the classic text format: no finding at all;
#   2. the OpenMetrics exposition (Accept: application/openmetrics-text, as Prometheus sends it)
#      through the reference parser of the `prometheus_client` Python package, which rejects
#      what the OpenMetrics 1.0 specification forbids (promtool 2.42 reads only the classic text);
#   3. the standard process metrics present in both, with sane values;
#   4. every access-log line carrying trace_id and span_id, and a valid traceparent's trace id
#      and an X-Request-Id where they were sent.
#
# The traffic touches every route: the page (GET, HEAD), /basic, the visit API (GET, POST,
# a bad POST, a wrong method), the probes (/livez, /healthz, /readyz), /metrics, the walkthrough,
# a static file, a missing file, `OPTIONS *`, and a request the parser rejects.
#
# Usage: scripts/check-metrics.sh [PATH-TO-demo-server]   (default: .build/debug/demo-server,
#        built with `swift build` when missing). Needs curl, python3, promtool and
#        prometheus_client (.ci/run installs them). Takes about 5 s once the binary is built.
# Output: one line per check; the last line is "N passed, N failed". Exit status 1 on any failure.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

binary=${1:-.build/debug/demo-server}
# The shared harness: pass/fail counting and the closing line.
# shellcheck source=lib/check.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"
die() { echo "check-metrics: $*" >&2; fail "$*"; check_summary; exit 1; }

for tool in curl python3 promtool; do
  command -v "$tool" >/dev/null || die "$tool is missing (apt-get install curl python3 prometheus)"
done
python3 -c 'import prometheus_client.openmetrics.parser' 2>/dev/null ||
  die "prometheus_client is missing (pip install prometheus_client)"
if [[ ! -x "$binary" ]]; then
  swift build --product demo-server >&2 || die "swift build failed"
fi

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Port 0: the server picks a free port and logs it; nothing here can collide with another server.
env PORT=0 HOST=127.0.0.1 DATABASE_PATH="$work/visits.sqlite" PUBLIC_DIR=Public LOG_FORMAT=json \
  "$binary" serve >"$work/stdout" 2>"$work/stderr" &
server_pid=$!
port=""
for _ in $(seq 1 300); do
  port=$(grep -o '"port":"[0-9]*"' "$work/stdout" 2>/dev/null | head -n 1 | grep -o '[0-9]\+')
  [[ -n "$port" ]] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
[[ -n "$port" ]] || { cat "$work/stderr" >&2; die "the server did not start within 30 s"; }
base="http://127.0.0.1:$port"

trace_id=4bf92f3577b34da6a3ce929d0e0e4736
request() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@"; }
traffic_ok=1
expect() {
  local want=$1 got
  shift
  got=$(request "$@")
  [[ "$got" == "$want" ]] || { traffic_ok=0; echo "     $* -> $got, expected $want"; }
}
expect 200 -H "traceparent: 00-$trace_id-00f067aa0ba902b7-01" -H 'tracestate: rojo=00f067aa0ba902b7' \
  -H 'X-Request-Id: check-metrics-1' "$base/"
expect 200 -I "$base/"
expect 200 "$base/basic"
expect 200 "$base/api/visits"
expect 201 -X POST -H 'Content-Type: application/json' -d '{"variant":"metrics-check"}' "$base/api/visits"
expect 400 -X POST -H 'Content-Type: application/json' -d '{"variant":' "$base/api/visits"
expect 405 -X DELETE "$base/api/visits"
expect 200 "$base/livez"
expect 200 "$base/healthz"
expect 200 "$base/readyz"
expect 200 "$base/metrics"
expect 200 "$base/style.css"
expect 404 "$base/no-such-file"
# An uppercase traceparent is invalid: a new trace.
expect 404 -H "traceparent: 00-${trace_id^^}-00F067AA0BA902B7-01" "$base/also-missing"
curl -s -o /dev/null --max-time 10 "$base/tutorial"
expect 200 -X OPTIONS --request-target '*' "$base"
# A request the parser rejects (no colon in a header field): 400, logged and counted.
python3 - "$port" <<'PY' || traffic_ok=0
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10) as s:
    s.sendall(b"GET / HTTP/1.1\r\nHost: a\r\nNo colon here\r\n\r\n")
    answer = s.recv(4096)
sys.exit(0 if answer.startswith(b"HTTP/1.1 400") else f"     malformed request -> {answer[:40]!r}")
PY
if [[ $traffic_ok == 1 ]]; then pass "traffic on every route answered as expected"; else fail "traffic on every route answered as expected"; fi

curl -s --max-time 10 -D "$work/text.head" -o "$work/metrics.txt" "$base/metrics"
curl -s --max-time 10 -D "$work/om.head" -o "$work/metrics.om" \
  -H 'Accept: application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1' \
  "$base/metrics"

if grep -qi '^content-type: text/plain; version=0.0.4' "$work/text.head"; then
  pass "a plain scrape gets the classic text format (0.0.4)"
else
  fail "a plain scrape gets the classic text format: $(grep -i '^content-type' "$work/text.head")"
fi
if findings=$(promtool check metrics <"$work/metrics.txt" 2>&1) && [[ -z "$findings" ]]; then
  pass "promtool check metrics: no finding ($(grep -vc '^#' "$work/metrics.txt") samples)"
else
  fail "promtool check metrics:"
  printf '     %s\n' "$findings"
fi

if grep -qi '^content-type: application/openmetrics-text; version=1.0.0' "$work/om.head"; then
  pass "Prometheus' Accept gets OpenMetrics 1.0.0"
else
  fail "Prometheus' Accept gets OpenMetrics 1.0.0: $(grep -i '^content-type' "$work/om.head")"
fi

# Both expositions parsed by prometheus_client (its OpenMetrics parser is strict: # EOF, names,
# types, escapes, histogram buckets); the process metrics and their values checked in each.
cat >"$work/check.py" <<'PY'
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text

text_path, om_path, now = sys.argv[1], sys.argv[2], float(sys.argv[3])
ok = True
def report(good, message):
    global ok
    print(("ok   " if good else "FAIL ") + message)
    ok = ok and good

def values(families):
    return {sample.name: sample.value for family in families for sample in family.samples if not sample.labels}

try:
    om_families = list(parse_openmetrics(open(om_path).read()))
    report(True, f"OpenMetrics exposition parses ({len(om_families)} families, prometheus_client's parser)")
except Exception as error:
    report(False, f"OpenMetrics exposition parses: {error}")
    om_families = []
types = {family.name: family.type for family in om_families}
report(types.get("demo_visits") == "counter" and types.get("http_requests") == "counter" and types.get("demo_build") == "info",
       f"OpenMetrics types: counters named without _total, build info as info ({types.get('demo_visits')}, {types.get('demo_build')})")

for label, families in (("text", list(parse_text(open(text_path).read()))), ("OpenMetrics", om_families)):
    v = values(families)
    names = ["process_cpu_seconds_total", "process_open_fds", "process_max_fds", "process_virtual_memory_bytes",
             "process_resident_memory_bytes", "process_start_time_seconds"]
    missing = [name for name in names if name not in v]
    report(not missing, f"{label}: the six standard process metrics" + (f" (missing {missing})" if missing else ""))
    if missing:
        continue
    report(3 < v["process_open_fds"] <= v["process_max_fds"],
           f"{label}: 3 < process_open_fds {v['process_open_fds']:.0f} <= process_max_fds {v['process_max_fds']:.0f}")
    report(0 < v["process_resident_memory_bytes"] <= v["process_virtual_memory_bytes"],
           f"{label}: 0 < resident {v['process_resident_memory_bytes']:.0f} <= virtual {v['process_virtual_memory_bytes']:.0f} bytes")
    report(now - 600 < v["process_start_time_seconds"] <= now + 5,
           f"{label}: process_start_time_seconds within the last 10 minutes")
    report(v["process_cpu_seconds_total"] >= 0, f"{label}: process_cpu_seconds_total {v['process_cpu_seconds_total']} >= 0")
sys.exit(0 if ok else 1)
PY
# Counted from its own ok/FAIL lines; a crash of the checker counts as a failure.
python3 "$work/check.py" "$work/metrics.txt" "$work/metrics.om" "$(date +%s)" >"$work/check.out" 2>&1 ||
  grep -q '^FAIL' "$work/check.out" || echo "FAIL the exposition checker itself: $(tail -n 1 "$work/check.out")" >>"$work/check.out"
cat "$work/check.out"
PASSED=$((PASSED + $(grep -c '^ok' "$work/check.out")))
FAILED=$((FAILED + $(grep -c '^FAIL' "$work/check.out")))

# The access log: one JSON line per request, each with trace_id and span_id; the first request's
# caller trace and X-Request-Id; the rejected request's line too. Stopping the server flushes it.
kill -TERM "$server_pid"
wait "$server_pid" 2>/dev/null
server_pid=""
python3 - "$work/stdout" "$trace_id" >"$work/log.out" 2>&1 <<'PY' || true
import json, re, sys
lines = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
access = [line for line in lines if line.get("logger") == "access"]
hex_id = lambda value, length: isinstance(value, str) and re.fullmatch(f"[0-9a-f]{{{length}}}", value) is not None
bad = [line.get("message") for line in access if not (hex_id(line.get("trace_id"), 32) and hex_id(line.get("span_id"), 16))]
print(("ok   " if access and not bad else "FAIL ") + f"all {len(access)} access-log lines carry trace_id and span_id" + (f" (not: {bad})" if bad else ""))
joined = [line for line in access if line.get("trace_id") == sys.argv[2]]
print(("ok   " if len(joined) == 1 and joined[0].get("request_id") == "check-metrics-1" else "FAIL ")
      + "the valid traceparent's trace and the X-Request-Id are in its request's line, and only there")
rejected = [line for line in access if "rejected" in line]
print(("ok   " if rejected and all(hex_id(line.get("trace_id"), 32) for line in rejected) else "FAIL ")
      + "the rejected request's line has ids too")
PY
cat "$work/log.out"
PASSED=$((PASSED + $(grep -c '^ok' "$work/log.out")))
FAILED=$((FAILED + $(grep -c '^FAIL' "$work/log.out")))

check_summary
check_ok
