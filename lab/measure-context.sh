#!/usr/bin/env bash
# What .dockerignore saves: the build context `docker build` sends, with and without it.
#
# It clones the repository's HEAD into a temporary directory, runs `swift build --build-tests`
# there (what a checkout looks like after the walkthrough's `swift run demo-server` and
# `swift test`: a debug .build directory), then has BuildKit copy the whole context into an
# image and export it:
#
#   FROM scratch
#   COPY . /ctx          built with --output type=local,dest=DIR
#
# once as the repository is and once with .dockerignore removed. BuildKit applies the ignore
# rules exactly as for the real images, so DIR holds what a build would receive; the script
# counts its files and their bytes (apparent sizes) and also records BuildKit's own
# "transferring context" figure.
# Results go to docs/measurements/context.json (quoted by docs/TUTORIAL.md).
#
# Usage: lab/measure-context.sh
# Environment: DOCKER (see scripts/lib/images.sh, which picks the client), OUTPUT (default docs/measurements/context.json), SWIFT (default swift),
#   BUILD_TIMEOUT (seconds for `swift build`, default 1200), WAIT_FOR_BUILDS=1 to wait (up to
#   30 min) until no other `docker build` runs on the machine before starting its own.
# Takes 3-5 minutes on 2 cores (the swift build). Nothing is pushed or pulled. The temporary
# directory is removed on exit.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD
OUTPUT="${OUTPUT:-$REPO/docs/measurements/context.json}"
SWIFT="${SWIFT:-swift}"
BUILD_TIMEOUT="${BUILD_TIMEOUT:-1200}"
# shellcheck source=scripts/lib/images.sh
source scripts/lib/images.sh
img_init_docker

work=$(mktemp -d "${TMPDIR:-/tmp}/measure-context.XXXXXX")
# SwiftPM also leaves lock files named after the build directories in $TMPDIR.
trap 'rm -rf -- "$work"; rm -f -- "${TMPDIR:-/tmp}/${work//\//_}"_*.lock' EXIT

clone="$work/swift-tiny-container"
git clone -q "$REPO" "$clone"
revision=$(git -C "$clone" rev-parse HEAD)
[[ -f "$clone/.dockerignore" ]] || { echo "error: HEAD has no .dockerignore" >&2; exit 1; }

echo "swift build --build-tests in a fresh clone (debug, as \`swift run\` and \`swift test\` do)..."
start=$(date +%s)
if ! (cd "$clone" && timeout "$BUILD_TIMEOUT" "$SWIFT" build --build-tests >"$work/swift-build.log" 2>&1); then
  tail -n 30 "$work/swift-build.log" >&2
  echo "error: swift build failed" >&2
  exit 1
fi
echo "  built in $(($(date +%s) - start)) s"

printf 'FROM scratch\nCOPY . /ctx\n' >"$work/Dockerfile.context"

if [[ "${WAIT_FOR_BUILDS:-0}" == 1 ]]; then
  for ((i = 0; i < 360; i++)); do
    pgrep -f '[d]ocker build' >/dev/null || break
    ((i % 12 == 0)) && echo "waiting for another docker build to finish..."
    sleep 5
  done
fi

# measure NAME: exports the context as BuildKit receives it to $work/out-NAME/ctx; prints
# BuildKit's "transferring context" figure.
measure() {
  local name=$1 dest="$work/out-$1" log="$work/build-$1.log" transferred
  if ! DOCKER_BUILDKIT=1 "$DOCKER" build "${IMG_BUILD_NETWORK[@]}" --progress=plain --no-cache \
      -f "$work/Dockerfile.context" --output "type=local,dest=$dest" "$clone" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "error: docker build ($name) failed" >&2
    exit 1
  fi
  # e.g. "#3 transferring context: 412.31MB 6.2s done": the last such line has the total.
  transferred=$(grep -o 'transferring context: [0-9.]*[kMG]*B' "$log" | tail -n 1 | awk '{ print $3 }')
  echo "${transferred:-unknown}"
}

echo "context with .dockerignore..."
with_transferred=$(measure with)
mv "$clone/.dockerignore" "$work/dockerignore.saved"
echo "context without .dockerignore..."
without_transferred=$(measure without)
mv "$work/dockerignore.saved" "$clone/.dockerignore"

mkdir -p "$(dirname "$OUTPUT")"
python3 - "$OUTPUT" "$revision" "$work" "$with_transferred" "$without_transferred" <<'EOF'
import datetime, json, os, sys

output, revision, work, with_transferred, without_transferred = sys.argv[1:6]

def tally(root):
    """Files and the sum of their sizes under root, and the same per top-level entry."""
    files, total, entries = 0, 0, {}
    for directory, _, names in os.walk(root):
        for name in names:
            full = os.path.join(directory, name)
            if os.path.islink(full) or not os.path.isfile(full):
                continue
            size = os.path.getsize(full)
            files += 1
            total += size
            top = os.path.relpath(full, root).split(os.sep)[0]
            entries[top] = entries.get(top, 0) + size
    return files, total, entries

with_files, with_bytes, with_entries = tally(os.path.join(work, "out-with", "ctx"))
without_files, without_bytes, top_entries = tally(os.path.join(work, "out-without", "ctx"))
for name, files, size, transferred in [("with", with_files, with_bytes, with_transferred),
                                        ("without", without_files, without_bytes, without_transferred)]:
    print(f"  {name} .dockerignore: {size} bytes in {files} files (BuildKit: {transferred})")
top = [{"path": path, "bytes": size}
       for path, size in sorted(top_entries.items(), key=lambda item: -item[1])[:8]]
data = {
    "measuredAt": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "revision": revision,
    "method": "BuildKit build of FROM scratch + COPY . /ctx with --output type=local, in a fresh "
              "clone after `swift build --build-tests`; regular files of the exported /ctx and the "
              "sum of their sizes",
    "withIgnore": {"bytes": with_bytes, "files": with_files, "buildkitTransferred": with_transferred,
                   "entries": dict(sorted(with_entries.items()))},
    "withoutIgnore": {"bytes": without_bytes, "files": without_files, "buildkitTransferred": without_transferred},
    "largestEntries": top,
}
with open(output + ".tmp", "w") as f:
    json.dump(data, f, indent=2)
    f.write("\n")
os.replace(output + ".tmp", output)
EOF
echo "wrote ${OUTPUT#"$REPO"/}"
