#!/usr/bin/env bash
# Fuzzes the HTTP request parser with libFuzzer for a bounded time.
#
#   scripts/fuzz.sh [seconds]          # default 60
#
# Builds .build/fuzz/parser-fuzzer from Fuzz/ParserFuzzTarget.swift plus the parser sources
# (compiled as one module, with -sanitize=fuzzer,address), copies the committed seed corpus
# Fuzz/corpus/ to a scratch directory (so runs never dirty the repository) and runs libFuzzer
# over it. Exits non-zero when libFuzzer finds a crash, and prints where the reproducer is.
#
# Environment:
#   FUZZ_JOBS=N        parallel fuzzing processes (default 1)
#   FUZZ_WORK=DIR      scratch directory (default: a new mktemp dir, kept when a crash is found)
#   FUZZ_KEEP_CORPUS=1 also keep the grown corpus (its path is printed)
#   SWIFTC=path        compiler (default: swiftc on PATH, else /opt/swift/usr/bin/swiftc)
# Reproduce a crash:   .build/fuzz/parser-fuzzer <artifact>
set -euo pipefail

seconds="${1:-60}"
case "$seconds" in
    '' | *[!0-9]*) echo "usage: $0 [seconds]" >&2; exit 64 ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

swiftc="${SWIFTC:-$(command -v swiftc || echo /opt/swift/usr/bin/swiftc)}"
out_dir="$root/.build/fuzz"
binary="$out_dir/parser-fuzzer"
mkdir -p "$out_dir"

# The parser and exactly the message types it uses; nothing that needs sockets or swift-log.
sources=(
    Fuzz/ParserFuzzTarget.swift
    Sources/HTTPServer/Parsing/*.swift
    Sources/HTTPServer/Message/HTTPError.swift
    Sources/HTTPServer/Message/HTTPStatus.swift
    Sources/HTTPServer/Message/HTTPMethod.swift
    Sources/HTTPServer/Message/HTTPVersion.swift
    Sources/HTTPServer/Message/HTTPHeaders.swift
    Sources/HTTPServer/Message/HTTPRequest.swift
)

echo "==> building $binary"
"$swiftc" -sanitize=fuzzer,address -parse-as-library -O -g \
    -swift-version 6 -module-name ParserFuzz \
    "${sources[@]}" -o "$binary"

work="${FUZZ_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/parser-fuzz.XXXXXX")}"
mkdir -p "$work/corpus" "$work/artifacts"
cp Fuzz/corpus/* "$work/corpus/"
echo "==> fuzzing for ${seconds}s over $(ls Fuzz/corpus | wc -l) seeds (scratch: $work)"

jobs="${FUZZ_JOBS:-1}"
args=(
    -max_total_time="$seconds"
    -timeout=5
    -rss_limit_mb=2048
    -max_len=4096
    -dict="$root/Fuzz/http.dict"
    -print_final_stats=1
    -artifact_prefix="$work/artifacts/"
)
if [ "$jobs" -gt 1 ]; then
    args+=(-jobs="$jobs" -workers="$jobs")
fi

# The Swift runtime's crash reporter (swift-backtrace) reads memory ASan considers poisoned and
# then holds the output pipe open; libFuzzer and ASan report crashes themselves.
export SWIFT_BACKTRACE=enable=no
status=0
(cd "$work" && "$binary" "${args[@]}" "$work/corpus") 2>&1 | tee "$work/fuzz.log" || status=$?
# With -jobs, libFuzzer writes each worker's log to fuzz-N.log in the working directory.
crashes=$(find "$work/artifacts" -type f | sort)
if [ "$status" -ne 0 ] || [ -n "$crashes" ]; then
    echo "==> FAILED (exit $status). Reproducers:" >&2
    for file in $crashes; do echo "    $file" >&2; done
    echo "    reproduce with: $binary <file>; log: $work/fuzz.log" >&2
    exit 1
fi
echo "==> no crash in ${seconds}s; corpus grew to $(ls "$work/corpus" | wc -l) files"
if [ "${FUZZ_KEEP_CORPUS:-0}" = 1 ] || [ -n "${FUZZ_WORK:-}" ]; then
    echo "    grown corpus kept in $work/corpus"
else
    rm -rf "$work"
fi
