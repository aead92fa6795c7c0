#!/usr/bin/env bash
# Writes lab/link-order.txt: the functions the server runs while it starts, answers
# each of its routes once and stops, as the linker's section names (`.text.<symbol>`). The static
# builds pass it to the linker (`-Xlinker --section-ordering-file=...`, GNU gold, which the
# swift:6.3-bookworm toolchain links with), so that code sits together at the front of the binary
# instead of being spread over its 9 MB of text. Start-up then faults in fewer pages, and the
# kernel's fault-around (which maps up to 64 KiB around each fault) maps fewer of the rest: idle RSS
# went from 7.0 to 5.8 MB with it (lab/performance.md).
#
#   lab/link-order.sh [--binary PATH]
#
# Without --binary it builds the static release binary (scratch .build-bench-static). Runs it under
# valgrind's callgrind (its list of executed functions; a few seconds), on loopback, with a fresh
# database in a temporary directory. An out-of-date list costs nothing but locality: names that no
# longer exist match no section and are skipped, new functions go after the listed ones. Run it
# again after large changes to the start-up or request path (a merge that moves code between
# modules renames most functions), and commit the file:
#
#   lab/link-order.sh && lab/bench/startup.sh .build-bench-static/release/demo-server
#
# SwiftPM does not relink when only the file's contents change, so the script removes the binary
# it measured: the next build with the ordering flag (lab/bench.sh --static, lab/bench/*.sh) links
# it anew with the new order. Compare idle RSS before and after with lab/bench/startup.sh.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
output="$root/lab/link-order.txt"
binary=""
built=""
while [ $# -gt 0 ]; do
    case "$1" in
        --binary) binary=${2:?--binary needs a path}; shift 2 ;;
        -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
        *) echo "link-order: unknown argument $1" >&2; exit 64 ;;
    esac
done
for tool in valgrind python3 strip curl; do
    command -v "$tool" >/dev/null || { echo "link-order: $tool is missing (apt-get install valgrind python3 binutils curl)" >&2; exit 1; }
done
if [ -z "$binary" ]; then
    (cd "$root" && swift build -c release --product demo-server --scratch-path .build-bench-static \
        --static-swift-stdlib -Xswiftc -static-executable >&2)
    binary="$root/.build-bench-static/release/demo-server"
    built=1
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/link-order.XXXXXX")"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
# valgrind 3.19 refuses Swift's debug information; the symbol table is what is needed.
strip --strip-debug -o "$tmp/demo-server" "$binary"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PUBLIC_DIR="$root/Public" TUTORIAL_PATH="$root/docs/TUTORIAL.md" DATABASE_PATH="$tmp/data/visits.sqlite" \
    HOST=127.0.0.1 PORT="$port" ACCESS_LOG=on \
    valgrind --tool=callgrind --demangle=no --callgrind-out-file="$tmp/callgrind.out" "$tmp/demo-server" serve \
    >"$tmp/server.log" 2>&1 &
server_pid=$!
up=0
for _ in $(seq 1 300); do
    if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/healthz"; then up=1; break; fi
    sleep 0.1
done
[ "$up" = 1 ] || { cat "$tmp/server.log" >&2; echo "link-order: the server did not start" >&2; exit 1; }
for path in / /basic /style.css /favicon.svg /api/visits /metrics /readyz /healthz /tutorial /no-such-page; do
    curl -s -o /dev/null --max-time 10 "http://127.0.0.1:$port$path"
done
curl -s -o /dev/null --max-time 10 -X POST "http://127.0.0.1:$port/api/visits"
curl -s -o /dev/null --max-time 10 -I "http://127.0.0.1:$port/style.css"
kill -TERM "$server_pid"
wait "$server_pid" || true
server_pid=""
python3 - "$tmp/callgrind.out" "$output" <<'PY'
import re, sys
names = set()
for line in open(sys.argv[1]):
    match = re.match(r"c?fn=\(\d+\) (\S+)", line)
    if match:
        # callgrind marks recursion levels with a quote suffix ('2): the same function. Code
        # without a symbol shows as an address, and the process's entry as "(below main)".
        name = match.group(1).split("'")[0]
        if re.fullmatch(r"[A-Za-z_$][\w$.]*", name):
            names.add(name)
with open(sys.argv[2], "w") as out:
    for name in sorted(names):
        out.write(f".text.{name}\n")
print(f"link-order: {len(names)} functions written to {sys.argv[2]}", file=sys.stderr)
PY
# The binary built without the order (or with the old one) must not be taken for an ordered build.
[ -n "$built" ] && rm -f "$binary"
