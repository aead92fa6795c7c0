#!/usr/bin/env bash
# What Foundation costs in a fully static Swift binary. Builds three tiny hello-world packages in
# a temporary directory, each as the images build the server:
#
#   swift build -c release --static-swift-stdlib -Xswiftc -static-executable
#
#   stdlib      print only, no import
#   essentials  import FoundationEssentials, encode a Codable struct with JSONEncoder
#   foundation  import Foundation, format a date with DateFormatter (pulls in ICU's data)
#
# then strips a copy of each and records the sizes (and the linker's warnings, which name the
# glibc functions that cannot work in a static binary) in docs/measurements/foundation-cost.json.
# docs/TUTORIAL.md quotes these numbers (scripts/render-tutorial.py).
#
# Usage: lab/measure-foundation-cost.sh        (on a Linux host with Swift 6; ~1 min a build)
#   A reader trying it writes elsewhere, so the tracked measurement stays as it is, e.g. in the
#   toolchain image (docs/appendix/foundation.md):
#   swiftd env OUTPUT=/tmp/foundation-cost.json lab/measure-foundation-cost.sh
# Environment: SWIFT (default: swift), OUTPUT (default: docs/measurements/foundation-cost.json).
# Without file(1) the linkage is read with readelf (the toolchain image has no `file`); without
# python3 the sizes are printed and no JSON is written (the toolchain image has no python3).
# Needs no network: the packages have no dependencies. The temporary directory is removed on exit.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD
SWIFT="${SWIFT:-swift}"
OUTPUT="${OUTPUT:-$REPO/docs/measurements/foundation-cost.json}"
BUILD_TIMEOUT="${BUILD_TIMEOUT:-900}"

command -v "$SWIFT" >/dev/null || { echo "error: $SWIFT not found" >&2; exit 1; }
command -v strip >/dev/null || { echo "error: strip (binutils) not found" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/foundation-cost.XXXXXX")
# SwiftPM also leaves lock files named after the build directories in $TMPDIR.
trap 'rm -rf -- "$work"; rm -f -- "${TMPDIR:-/tmp}/${work//\//_}"_*.lock' EXIT

# make_package NAME: a package with one executable target, main.swift read from stdin.
make_package() {
  local name=$1
  mkdir -p "$work/$name/Sources/hello"
  cat >"$work/$name/Package.swift" <<'EOF'
// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "hello",
    targets: [.executableTarget(name: "hello")]
)
EOF
  cat >"$work/$name/Sources/hello/main.swift"
}

make_package stdlib <<'EOF'
print("Hello, world!")
EOF

make_package essentials <<'EOF'
import FoundationEssentials

struct Greeting: Codable {
    var text: String
}

let data = try JSONEncoder().encode(Greeting(text: "Hello, world!"))
print(String(decoding: data, as: UTF8.self))
EOF

make_package foundation <<'EOF'
import Foundation

let formatter = DateFormatter()
formatter.dateFormat = "yyyy-MM-dd"
print("Hello, world! Today is \(formatter.string(from: Date())).")
EOF

swift_version=$("$SWIFT" --version 2>/dev/null | head -n 1)
results="$work/results.tsv"
: >"$results"

for name in stdlib essentials foundation; do
  dir="$work/$name"
  printf '%-11s building... ' "$name"
  start=$(date +%s%N)
  if ! (cd "$dir" && timeout "$BUILD_TIMEOUT" "$SWIFT" build -c release \
      --static-swift-stdlib -Xswiftc -static-executable >"$dir/build.log" 2>&1); then
    echo "failed"
    tail -n 30 "$dir/build.log" >&2
    exit 1
  fi
  seconds=$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
  binary="$dir/.build/release/hello"
  output=$("$binary")
  cp "$binary" "$dir/hello.stripped"
  strip "$dir/hello.stripped"
  bytes=$(stat -c %s "$binary")
  stripped=$(stat -c %s "$dir/hello.stripped")
  if command -v file >/dev/null; then
    kind=$(file -b "$dir/hello.stripped" | cut -d, -f1-2)
    linkage=$(file -b "$dir/hello.stripped" | grep -o 'statically linked\|dynamically linked' | head -n 1)
  else
    # A program interpreter (the dynamic loader) in the program headers means dynamically linked.
    kind="ELF $(readelf -h "$dir/hello.stripped" | sed -n 's/^ *Machine: *//p')"
    if readelf -l "$dir/hello.stripped" | grep -q 'INTERP'; then linkage="dynamically linked"; else linkage="statically linked"; fi
  fi
  # The linker's warnings about glibc functions that need shared libraries at run time (NSS,
  # dlopen), reduced to the function names.
  warnings=$(grep -o "Using '[a-z_]*' in statically linked" "$dir/build.log" | sed "s/Using '\([a-z_]*\)'.*/\1/" | sort -u | paste -sd, - || true)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$bytes" "$stripped" "$seconds" "$linkage" "$kind" "$warnings" "$output" >>"$results"
  printf 'built in %s s: %s bytes, %s stripped (%s); warnings: %s\n' "$seconds" "$bytes" "$stripped" "$linkage" "${warnings:-none}"
done

if ! command -v python3 >/dev/null; then
  echo "python3 not found: the sizes are above; no JSON written"
  exit 0
fi
mkdir -p "$(dirname "$OUTPUT")"
python3 - "$results" "$OUTPUT" "$swift_version" "$(git rev-parse HEAD 2>/dev/null || echo unknown)" <<'EOF'
import json, sys, datetime, platform

results, output, swift_version, revision = sys.argv[1:5]
descriptions = {
    "stdlib": ("(none)", "print"),
    "essentials": ("FoundationEssentials", "JSONEncoder on a Codable struct"),
    "foundation": ("Foundation", "DateFormatter"),
}
variants = []
with open(results) as f:
    for line in f:
        name, size, stripped, seconds, linkage, kind, warnings, out = line.rstrip("\n").split("\t")
        imports, uses = descriptions[name]
        variants.append({
            "name": name,
            "imports": imports,
            "uses": uses,
            "bytes": int(size),
            "strippedBytes": int(stripped),
            "buildSeconds": float(seconds),
            "linkage": linkage,
            "file": kind,
            "linkWarnings": [w for w in warnings.split(",") if w],
            "output": out,
        })
data = {
    "measuredAt": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "revision": revision,
    "swiftVersion": swift_version,
    "machine": f"{platform.machine()}, Linux {platform.release()}",
    "command": "swift build -c release --static-swift-stdlib -Xswiftc -static-executable; strip",
    "variants": variants,
}
with open(output + ".tmp", "w") as f:
    json.dump(data, f, indent=2)
    f.write("\n")
import os
os.replace(output + ".tmp", output)
EOF
echo "wrote ${OUTPUT#"$REPO"/}"
