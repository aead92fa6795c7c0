#!/usr/bin/env bash
# Fuzzes the HTTP request parser, the JSON reader and the walkthrough's Markdown renderer with
# libFuzzer, each for a bounded time.
#
#   scripts/fuzz.sh [seconds] [target...]   # default 60 s each; targets: parser json markdown (all)
#   scripts/fuzz.sh 600 json                # one target, longer
#
# Builds .build/fuzz/<target>-fuzzer from Fuzz/<Target>FuzzTarget.swift plus the sources under test
# (compiled as one module, with -sanitize=fuzzer,address; never part of the package or the shipped
# binary), copies the target's committed seed corpus (Fuzz/corpus/ for the parser,
# Fuzz/corpus-json/, Fuzz/corpus-markdown/) to a scratch directory (so runs never dirty the
# repository) and runs libFuzzer over it. Exits non-zero when libFuzzer finds a crash, and prints
# where the reproducer is.
#
# Environment:
#   FUZZ_JOBS=N        parallel fuzzing processes per target (default 1)
#   FUZZ_WORK=DIR      scratch directory (default: a new mktemp dir per target, kept when a crash
#                      is found); with several targets, DIR/<target> each
#   FUZZ_KEEP_CORPUS=1 also keep the grown corpus (its path is printed)
#   SWIFTC=path        compiler (default: swiftc on PATH, else /opt/swift/usr/bin/swiftc)
# Reproduce a crash:   .build/fuzz/<target>-fuzzer <artifact>
set -euo pipefail

seconds="${1:-60}"
case "$seconds" in
    '' | *[!0-9]*) echo "usage: $0 [seconds] [parser|json|markdown ...]" >&2; exit 64 ;;
esac
shift || true
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(parser json markdown)

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

swiftc="${SWIFTC:-$(command -v swiftc || echo /opt/swift/usr/bin/swiftc)}"
out_dir="$root/.build/fuzz"
mkdir -p "$out_dir"

# Sets `sources`, `module`, `corpus`, `dict` and `max_len` for target $1.
configure() {
    case "$1" in
        parser)
            # The whole sans-I/O module, HTTP1: it needs no sockets, threads or swift-log, so
            # whatever the parser comes to use is linked without a list to keep up to date.
            mapfile -t sources < <(find Sources/HTTP1 -name '*.swift' | sort)
            sources=(Fuzz/ParserFuzzTarget.swift "${sources[@]}")
            module=ParserFuzz corpus=Fuzz/corpus dict=Fuzz/http.dict max_len=4096 ;;
        json)
            # The reader and the text helpers below it, by folder; the target links Foundation as the reference.
            sources=(Fuzz/JSONFuzzTarget.swift Sources/DemoApp/JSON/*.swift Sources/DemoApp/Text/*.swift)
            module=JSONFuzz corpus=Fuzz/corpus-json dict=Fuzz/json.dict max_len=1024 ;;
        markdown)
            sources=(
                Fuzz/MarkdownFuzzTarget.swift
                Sources/DemoApp/Pages/MarkdownRenderer*.swift
                Sources/DemoApp/Pages/RepositoryLinks.swift
                Sources/DemoApp/Pages/String+HTMLEscaping.swift
                Sources/DemoApp/Text/*.swift
                Tests/DemoAppTests/HTMLFragmentChecker.swift
            )
            module=MarkdownFuzz corpus=Fuzz/corpus-markdown dict=Fuzz/markdown.dict max_len=1024 ;;
        *) echo "unknown fuzz target '$1' (parser, json, markdown)" >&2; exit 64 ;;
    esac
}

# The Swift runtime's crash reporter (swift-backtrace) reads memory ASan considers poisoned and
# then holds the output pipe open; libFuzzer and ASan report crashes themselves.
export SWIFT_BACKTRACE=enable=no

build() {
    local target="$1"
    configure "$target"
    local binary="$out_dir/$target-fuzzer"
    echo "==> building $binary"
    "$swiftc" -sanitize=fuzzer,address -parse-as-library -O -g \
        -swift-version 6 -module-name "$module" -package-name "$module" \
        "${sources[@]}" -o "$binary" > "$out_dir/$target-build.log" 2>&1 || {
        cat "$out_dir/$target-build.log" >&2
        echo "==> building $target FAILED" >&2
        return 1
    }
}

fuzz() {
    local target="$1"
    configure "$target"
    local binary="$out_dir/$target-fuzzer"

    local work
    if [ -n "${FUZZ_WORK:-}" ]; then
        work="$FUZZ_WORK"
        [ "${#targets[@]}" -eq 1 ] || work="$FUZZ_WORK/$target"
    else
        work="$(mktemp -d "${TMPDIR:-/tmp}/$target-fuzz.XXXXXX")"
    fi
    mkdir -p "$work/corpus" "$work/artifacts"
    cp "$corpus"/* "$work/corpus/"
    echo "==> fuzzing $target for ${seconds}s over $(ls "$corpus" | wc -l) seeds (scratch: $work)"

    local jobs="${FUZZ_JOBS:-1}"
    local args=(
        -max_total_time="$seconds"
        -timeout=5
        -rss_limit_mb=2048
        -max_len="$max_len"
        -dict="$root/$dict"
        -print_final_stats=1
        -artifact_prefix="$work/artifacts/"
    )
    if [ "$jobs" -gt 1 ]; then
        args+=(-jobs="$jobs" -workers="$jobs")
    fi

    local status=0
    (cd "$work" && "$binary" "${args[@]}" "$work/corpus") 2>&1 | tee "$work/fuzz.log" || status=$?
    # With -jobs, libFuzzer writes each worker's log to fuzz-N.log in the working directory.
    local crashes
    crashes=$(find "$work/artifacts" -type f | sort)
    if [ "$status" -ne 0 ] || [ -n "$crashes" ]; then
        echo "==> $target FAILED (exit $status). Reproducers:" >&2
        for file in $crashes; do echo "    $file" >&2; done
        echo "    reproduce with: $binary <file>; log: $work/fuzz.log" >&2
        exit 1
    fi
    echo "==> $target: no crash in ${seconds}s; corpus grew to $(ls "$work/corpus" | wc -l) files"
    if [ "${FUZZ_KEEP_CORPUS:-0}" = 1 ] || [ -n "${FUZZ_WORK:-}" ]; then
        echo "    grown corpus kept in $work/corpus"
    else
        rm -rf "$work"
    fi
}

for target in "${targets[@]}"; do
    configure "$target"  # Refuse an unknown name before building anything.
done
# The builds are most of a short run's time: all at once, then the fuzzing one target at a time.
builds=()
for target in "${targets[@]}"; do
    build "$target" &
    builds+=($!)
done
failed=0
for pid in "${builds[@]}"; do wait "$pid" || failed=1; done
[ "$failed" -eq 0 ] || exit 1
for target in "${targets[@]}"; do
    fuzz "$target"
done
