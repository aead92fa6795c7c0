#!/usr/bin/env bash
# Builds the three images (naive, alpine, multistage) and measures them side by side:
#
#   size (uncompressed, and `docker save | gzip`), layers, OS packages, shell and package
#   manager present, setuid/setgid files, cold build time (--no-cache), rebuild time after a
#   one-line source change (and whether the dependency layer was reused), time from `docker run`
#   to the first 200 on /healthz, memory idle and after 1,000 requests, and a smoke test of
#   /, /basic and /api/visits. Also the static binary's size and the multistage image on
#   gcr.io/distroless/static-debian12:nonroot instead of scratch, for the choice of base.
#
# It prints a table and writes docs/image-comparison.md and Public/image-sizes.json (the data of
# the demo page's chart). Nothing else in the repository is touched: the builds use a snapshot of
# the build context in a temporary directory, and the one-line change is made in a second copy.
#
# It also writes every figure as one JSON object (docs/measurements/images.json): the data the
# number check (scripts/render-tutorial.py --check, scripts/lib/reader_numbers.py) compares against.
#
# Usage: scripts/compare-images.sh
# Environment: DOCKER, IMAGE_REPOSITORY, OFFLINE_BASE_IMAGES (see scripts/lib/images.sh);
#   COLD=0        reuse the build cache instead of --no-cache (quick; build times then say "warm");
#   WRITE=0       print the table only, write no files;
#   MEASURE=FILE  measure only: build with the cache (after scripts/test-images.sh that takes
#                 seconds), skip the rebuild timings, write the measurement to FILE and nothing
#                 else. CI runs this to check the committed numbers against what the images are
#                 now (scripts/render-tutorial.py --check --measured FILE).
#   SCREENSHOT=1  also take docs/images/demo-page.png from the multistage container with headless
#                 Chromium (the default when WRITE=1 and chromium is installed; 0 to skip);
#   REQUESTS=N    requests before the memory reading (default 1000).
# Takes 15-25 minutes on 2 cores: the cold builds dominate. MEASURE takes 2-4 minutes once the
# images are built.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD
# shellcheck source=scripts/lib/images.sh
source scripts/lib/images.sh

COLD="${COLD:-1}"
WRITE="${WRITE:-1}"
MEASURE="${MEASURE:-}"
if [[ -n "$MEASURE" ]]; then
  COLD=0 WRITE=0
  [[ "$MEASURE" == /* ]] || MEASURE="$PWD/$MEASURE"
fi
SCREENSHOT="${SCREENSHOT:-$WRITE}"
CHROMIUM=""
if [[ "$SCREENSHOT" == 1 ]]; then
  CHROMIUM=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
  if [[ -z "$CHROMIUM" ]]; then
    echo "note: no chromium: docs/images/demo-page.png is left as it is (SCREENSHOT=0 to silence)" >&2
    SCREENSHOT=0
  fi
fi
REQUESTS="${REQUESTS:-1000}"
if ! [[ "$REQUESTS" =~ ^[0-9]+$ ]] || ((REQUESTS < 1 || REQUESTS > 100000)); then
  img_die "REQUESTS must be a number from 1 to 100000"
fi

STEPS=17
[[ -z "$MEASURE" ]] || STEPS=13 # no rebuilds
STEP=0
step() { STEP=$((STEP + 1)); printf '[%2d/%d] %s\n' "$STEP" "$STEPS" "$*"; }

trap img_cleanup EXIT
trap 'exit 130' INT TERM

# Results, by "metric:variant".
declare -A R=()

# ---------------------------------------------------------------------------------------------
step "preflight: docker client, base images, build context snapshot"
command -v curl >/dev/null || img_die "curl is needed"
command -v gzip >/dev/null || img_die "gzip is needed"
img_init_docker
img_ensure_base_images gcr.io/distroless/static-debian12:nonroot
work=""
img_new_temp_dir work
IMG_BODY_FILE="$work/body"

# The build context, frozen now: others may edit the sources while this runs, and every image
# (and the one-line change) must start from the same state. The whole working tree is copied
# (times kept) except what is large and never sent anyway; .dockerignore does the rest, so a
# Dockerfile that COPYs something new needs no change here.
snapshot="$work/context"
mkdir -p "$snapshot"
tar -C "$REPO" -cf - --exclude=./.git --exclude=./.build --exclude='./.build-*' --exclude='./.build_*' \
  --exclude=./.swiftpm --exclude=./data --exclude='*.sqlite*' --exclude='./Fuzz/corpus*' . |
  tar -C "$snapshot" -xf -
IMG_CONTEXT="$snapshot"
# What the numbers are measured from: the commit, and whether the working tree differed from it.
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
[[ -z "$(git status --porcelain 2>/dev/null)" ]] || revision+="+uncommitted"
source_commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
source_state="commit $source_commit"
if [[ -n "$(git status --porcelain -- Package.swift Sources Public ':!Public/image-sizes.json' 2>/dev/null)" ]]; then
  source_state+=" plus uncommitted changes to the sources"
fi

cgroup_version=$("$DOCKER" info --format '{{.CgroupVersion}}' 2>/dev/null || echo unknown)
docker_server=$("$DOCKER" version --format '{{.Server.Version}}' 2>/dev/null || echo unknown)
docker_client=$("$DOCKER" version --format '{{.Client.Version}}' 2>/dev/null || echo unknown)
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
memory_total=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || true)
swift_version=$("$DOCKER" run --rm --network none --entrypoint swift swift:6.3-bookworm --version 2>/dev/null | head -n 1 || true)
measured_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# ---------------------------------------------------------------------------------------------
# Builds: cold, then after a one-line change. Each variant gets its own change (the comment
# names it, the run and a random number), so no rebuild is served from the layers of another
# variant's or an earlier run's.

build_kind="cold (--no-cache)"
cold_args=(--no-cache)
if [[ "$COLD" == 0 ]]; then
  build_kind="warm (build cache reused)"
  cold_args=()
fi

# The file the walkthrough's "one-line change" edits, so its timing and this one measure the same.
changed_file=Sources/demo-server/DemoServer.swift
[[ -f "$snapshot/$changed_file" ]] || img_die "$changed_file is missing: the walkthrough's one-line change edits it"

for variant in "${IMG_VARIANTS[@]}"; do
  step "$variant: $build_kind build"
  start=$(img_now_ns)
  img_build "$variant" "$work/build-$variant.log" "${cold_args[@]}" || img_die "building $variant failed"
  R[build:$variant]=$(img_seconds_since "$start")
  echo "        $variant built in ${R[build:$variant]} s"
  # Measuring only: what the images are, not how long a rebuild takes.
  if [[ -n "$MEASURE" ]]; then
    R[rebuild:$variant]=n/a R[depcache:$variant]=n/a
    continue
  fi

  step "$variant: rebuild after a one-line change to $changed_file"
  changed="$work/changed-$variant"
  rm -rf "$changed"
  cp -a "$snapshot" "$changed"
  # Unique to this run and variant: a change seen before would be served from the build cache.
  printf '// compare-images.sh: one-line change for the %s rebuild, %s, %s-%s\n' \
    "$variant" "$measured_at" "$$" "$RANDOM" >>"$changed/$changed_file"
  start=$(img_now_ns)
  IMG_CONTEXT="$changed" IMG_TAG="$IMAGE_REPOSITORY:$variant-rebuild" \
    img_build "$variant" "$work/rebuild-$variant.log" || img_die "rebuilding $variant failed"
  R[rebuild:$variant]=$(img_seconds_since "$start")
  if img_resolve_was_cached "$work/rebuild-$variant.log"; then R[depcache:$variant]=yes; else R[depcache:$variant]=no; fi
  "$DOCKER" rmi "$IMAGE_REPOSITORY:$variant-rebuild" >/dev/null 2>&1 || true
  rm -rf "$changed"
  echo "        rebuilt in ${R[rebuild:$variant]} s; dependency layer reused: ${R[depcache:$variant]}"
done

step "multistage on distroless: the same recipe with FROM gcr.io/distroless/static-debian12:nonroot"
distroless_base=gcr.io/distroless/static-debian12:nonroot
sed "s#^FROM scratch\( AS runtime-off\)\?\$#FROM $distroless_base\1#" "$snapshot/Dockerfile.multistage" >"$snapshot/Dockerfile.multistage-distroless"
grep -q "^FROM $distroless_base\( AS runtime-off\)\?\$" "$snapshot/Dockerfile.multistage-distroless" || img_die "Dockerfile.multistage has no 'FROM scratch' line to swap"
img_build multistage-distroless "$work/build-distroless.log" || img_die "building the distroless variant failed"

step "multistage with --build-arg BACKTRACE=on: plus the Swift backtracer and the debug file"
IMG_TAG="$IMAGE_REPOSITORY:multistage-backtrace" img_build multistage "$work/build-backtrace.log" --build-arg BACKTRACE=on ||
  img_die "building the BACKTRACE=on variant failed"

# ---------------------------------------------------------------------------------------------
# What is in each image, read from its file system without running it (works on scratch too).

# inspect_image VARIANT IMAGE BASE: sizes, layers and a listing of the file system.
inspect_image() {
  local variant=$1 image=$2 base=$3 id listing="$work/files-$1.txt"
  R[bytes:$variant]=$("$DOCKER" image inspect -f '{{.Size}}' "$image")
  R[layers:$variant]=$("$DOCKER" image inspect -f '{{len .RootFS.Layers}}' "$image")
  # Compressed layer by layer (what a registry stores); "own" are the layers on top of the base.
  local base_layers=0 sizes
  if [[ "$base" != scratch ]]; then
    base_layers=$("$DOCKER" image inspect -f '{{len .RootFS.Layers}}' "$base")
  fi
  # Compressed sizes and the image's own file count (not a container's: see compressed-size.py).
  local sizes
  sizes=$("$DOCKER" save "$image" | python3 "$REPO/scripts/lib/compressed-size.py" "$base_layers")
  read -r "R[gzip:$variant]" "R[owngzip:$variant]" "R[files:$variant]" <<<"$sizes"
  id=$("$DOCKER" create --network none "$image")
  IMG_CONTAINERS+=("$id")
  "$DOCKER" export "$id" | tar -tvf - >"$listing"

  # OS packages: dpkg's status file, distroless's status.d entries, apk's database.
  local dpkg=0 statusd=0 apk=0
  if grep -qE ' var/lib/dpkg/status$' "$listing"; then
    dpkg=$("$DOCKER" cp -L "$id:/var/lib/dpkg/status" - | tar -xOf - |
      awk '/^Status: install ok installed/ { n++ } END { print n + 0 }')
  fi
  statusd=$(awk '{ p = $6 } p ~ /^var\/lib\/dpkg\/status\.d\/[^\/]+$/ && p !~ /\.md5sums$/ { n++ } END { print n + 0 }' "$listing")
  if grep -qE ' lib/apk/db/installed$' "$listing"; then
    apk=$("$DOCKER" cp -L "$id:/lib/apk/db/installed" - | tar -xOf - | grep -c '^P:' || true)
  fi
  R[packages:$variant]=$((dpkg + statusd + apk))

  # Shells and package managers, by path (bookworm's /bin is a link to /usr/bin).
  R[shell:$variant]=$(awk '{ p = $6 } p ~ /^(usr\/)?s?bin\/(sh|bash|dash|ash|zsh|busybox)$/ { sub(/^usr\//, "", p); print "/" p }' "$listing" |
    sort -u | head -n 3 | paste -sd, -)
  R[pm:$variant]=$(awk '{ p = $6 } p ~ /^(usr\/)?s?bin\/(apt|apt-get|dpkg|apk)$/ { n = split(p, a, "/"); print a[n] }' "$listing" |
    sort -u | paste -sd, -)
  # setuid/setgid regular files (and hard links to them); setgid directories do not count.
  R[suid:$variant]=$(awk '$1 ~ /^[-h]/ && (substr($1, 4, 1) ~ /[sS]/ || substr($1, 7, 1) ~ /[sS]/) { n++ } END { print n + 0 }' "$listing")

  local os=""
  if grep -qE ' (etc|usr/lib)/os-release' "$listing"; then
    os=$("$DOCKER" cp -L "$id:/etc/os-release" - 2>/dev/null | tar -xOf - 2>/dev/null |
      sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' | head -n 1 || true)
  fi
  R[os:$variant]=${os:-none}
  "$DOCKER" rm -f -v "$id" >/dev/null
}

for variant in "${IMG_VARIANTS[@]}"; do
  step "$variant: size, compressed size, layers, packages, shell, setuid files"
  base=$(img_dockerfile_base "$snapshot/Dockerfile.$variant")
  inspect_image "$variant" "$IMAGE_REPOSITORY:$variant" "$base"
  R[base:$variant]=$base
  if img_is_stand_in "$base"; then
    R[standin:$variant]=true
    R[standinlabel:$variant]=$(img_stand_in_label "$base")
  else
    R[standin:$variant]=false
  fi
done
inspect_image distroless "$IMAGE_REPOSITORY:multistage-distroless" "$distroless_base"
R[base:distroless]=$distroless_base
if img_is_stand_in "$distroless_base"; then R[standin:distroless]=true; else R[standin:distroless]=false; fi
R[binary]=$(img_file_size "$IMAGE_REPOSITORY:multistage" /demo-server)
binary_alpine=$(img_file_size "$IMAGE_REPOSITORY:alpine" /usr/local/bin/demo-server)
distroless_label=$(img_stand_in_label "$distroless_base")

# Where a base is a local stand-in or replica, what a reader should expect with the official
# image: the measured image minus the local base plus the official base's published figures
# (docs/measurements/registry-reference.json); compressed, the image's own layers plus the
# official base's compressed size; packages, the official base's plus those the recipe adds.
expect_official() {
  local variant=$1 base=${R[base:$1]} local_bytes base_packages=0 expected
  R[kind:$variant]=""
  [[ "${R[standin:$variant]}" == true ]] || return 0
  if [[ "${R[standinlabel:$variant]:-$(img_stand_in_label "$base")}" == STAND-IN* ]]; then
    R[kind:$variant]=stand-in
  else
    R[kind:$variant]=replica
  fi
  local_bytes=$("$DOCKER" image inspect -f '{{.Size}}' "$base")
  if python3 -c 'import json, sys; sys.exit("packages" not in json.load(open(sys.argv[1]))["images"].get(sys.argv[2], {}))' \
      "$REPO/docs/measurements/registry-reference.json" "$base"; then
    inspect_image "base-$variant" "$base" scratch
    base_packages=${R[packages:base-$variant]}
  fi
  expected=$(python3 - "$REPO/docs/measurements/registry-reference.json" "$base" "${R[bytes:$variant]}" \
    "${R[owngzip:$variant]}" "${R[packages:$variant]}" "$local_bytes" "$base_packages" <<'EOF'
import json, sys
reference, base, measured, own_gzip, packages, local_bytes, base_packages = sys.argv[1:8]
official = json.load(open(reference))["images"].get(base)
if official is None:
    print("|||")
    sys.exit()
size = int(measured) - int(local_bytes) + official["bytes"]
gzip = int(own_gzip) + official["compressedBytes"] if "compressedBytes" in official else ""
count = int(packages) - int(base_packages) + official["packages"] if "packages" in official else ""
print(f"{size}|{gzip}|{count}|{official['source']}")
EOF
  )
  local bytes gzip packages source
  IFS='|' read -r bytes gzip packages source <<<"$expected"
  R[expbytes:$variant]=$bytes R[expgzip:$variant]=$gzip R[exppackages:$variant]=$packages R[expsource:$variant]=$source
}
for variant in "${IMG_VARIANTS[@]}" distroless; do
  expect_official "$variant"
done
scratch_bytes=${R[bytes:multistage]}
distroless_bytes=${R[bytes:distroless]}
"$DOCKER" rmi "$IMAGE_REPOSITORY:multistage-distroless" >/dev/null 2>&1 || true
inspect_image backtrace "$IMAGE_REPOSITORY:multistage-backtrace" scratch
backtracer_bytes=$(img_file_size "$IMAGE_REPOSITORY:multistage-backtrace" /usr/libexec/swift/linux/swift-backtrace-static)
debug_file_bytes=$(img_file_size "$IMAGE_REPOSITORY:multistage-backtrace" /demo-server.debug)
"$DOCKER" rmi "$IMAGE_REPOSITORY:multistage-backtrace" >/dev/null 2>&1 || true

# ---------------------------------------------------------------------------------------------
# Each image running: start-up time, smoke test, memory.

# Memory of a container as `docker stats` reports it (usage minus page cache), in bytes.
memory_bytes() {
  "$DOCKER" stats --no-stream --format '{{.MemUsage}}' "$1" | awk '{
    v = $1; u = v; sub(/[A-Za-z]+$/, "", v); sub(/^[0-9.]+/, "", u)
    m = 1
    if (u == "KiB") m = 1024; else if (u == "MiB") m = 1048576; else if (u == "GiB") m = 1073741824
    else if (u == "kB") m = 1e3; else if (u == "MB") m = 1e6; else if (u == "GB") m = 1e9
    printf "%d", v * m }'
}

# Resident set size of the container's PID 1 (the server), from the host's /proc; empty when the
# daemon runs elsewhere.
rss_bytes() {
  local pid
  pid=$("$DOCKER" inspect -f '{{.State.Pid}}' "$1")
  awk '$1 == "VmRSS:" { printf "%d", $2 * 1024 }' "/proc/$pid/status" 2>/dev/null || true
}

# The demo page as a reader sees it, from the multistage container (non-root, variant
# multistage, run hardened), serving the chart data this run has just written (bind-mounted over
# the copy baked into the image, which is the previous run's). docs/measurements/demo-page.json records
# what the picture shows (variant, user, the chart's sizes, the PNG's sha256) so the number check
# can tell whether the picture still shows the images as they are.
SCREENSHOT_PNG="" SCREENSHOT_PAGE="" SCREENSHOT_CHART=""
take_screenshot() {
  local chart_data=$1 port volume container url
  local png="$work/demo-page.png" page="$work/demo-page.html" chart="$work/chart.json"
  port=$(img_free_port)
  img_new_volume volume
  img_run container "$IMAGE_REPOSITORY:multistage" "$port" "${IMG_HARDENED[@]}" -v "$volume:/data" \
    -v "$chart_data:/app/Public/image-sizes.json:ro" || img_die "docker run for the screenshot failed"
  url="http://127.0.0.1:$port"
  img_wait_200 "$url/healthz" 60 || img_die "the multistage container did not answer for the screenshot"
  [[ "$(img_http GET "$url/")" == 200 ]] || img_die "the multistage container does not answer /"
  cp "$IMG_BODY_FILE" "$page"
  [[ "$(img_http GET "$url/image-sizes.json")" == 200 ]] || img_die "the multistage container serves no /image-sizes.json"
  cp "$IMG_BODY_FILE" "$chart"
  # --no-sandbox: Chromium's sandbox needs user namespaces, which CI containers often lack; the
  # page is our own, from loopback.
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --window-size=1100,1500 --screenshot="$png" "$url/" >"$work/chromium.log" 2>&1 ||
    { tail -n 20 "$work/chromium.log" >&2; img_die "chromium could not take the screenshot"; }
  [[ -s "$png" ]] || img_die "chromium wrote no screenshot"
  "$DOCKER" rm -f -v "$container" >/dev/null
  "$DOCKER" volume rm -f "$volume" >/dev/null
  SCREENSHOT_PNG=$png SCREENSHOT_PAGE=$page SCREENSHOT_CHART=$chart
}

run_image() {
  local variant=$1 image="$IMAGE_REPOSITORY:$1" port volume container start smoke=""
  port=$(img_free_port)
  img_new_volume volume
  start=$(img_now_ns)
  # All three run the same hardened way, so the numbers compare like with like.
  img_run container "$image" "$port" "${IMG_HARDENED[@]}" -v "$volume:/data" || img_die "docker run $image failed"
  if ! img_wait_200 "http://127.0.0.1:$port/healthz" 60; then
    "$DOCKER" logs --tail 20 "$container" >&2 || true
    img_die "$variant: /healthz did not answer 200 within 60 s"
  fi
  R[startup:$variant]=$(awk -v a="$start" -v b="$(img_now_ns)" 'BEGIN { printf "%.0f", (b - a) / 1e6 }')
  R[memidle:$variant]=$(memory_bytes "$container")
  R[rssidle:$variant]=$(rss_bytes "$container")

  local path status
  for path in / /basic /api/visits; do
    status=$(img_http GET "http://127.0.0.1:$port$path")
    if [[ "$status" != 200 ]]; then
      smoke+="${smoke:+, }$path answered $status"
    elif [[ "$path" == / ]] && ! grep -qF ">$variant<" "$IMG_BODY_FILE"; then
      smoke+="${smoke:+, }/ does not name $variant"
    fi
  done
  R[smoke:$variant]=${smoke:-ok}

  # REQUESTS sequential keep-alive requests from one curl process, spread over five routes
  # (the page writes a visit to SQLite on each GET).
  local config="$work/requests-$variant.curl" i ok
  local -a paths=(/ /basic /api/visits /style.css /healthz)
  : >"$config"
  for ((i = 0; i < REQUESTS; i++)); do
    printf 'url = "http://127.0.0.1:%s%s"\noutput = "/dev/null"\n' "$port" "${paths[i % 5]}" >>"$config"
  done
  start=$(img_now_ns)
  ok=$(curl -s --max-time 300 -K "$config" -w '%{http_code}\n' | grep -c '^200$' || true)
  R[loadtime:$variant]=$(img_seconds_since "$start")
  R[load200:$variant]=$ok
  R[mem:$variant]=$(memory_bytes "$container")
  R[rss:$variant]=$(rss_bytes "$container")

  start=$(img_now_ns)
  "$DOCKER" stop -t 10 "$container" >/dev/null
  R[stop:$variant]=$(img_seconds_since "$start")
  R[exit:$variant]=$("$DOCKER" inspect -f '{{.State.ExitCode}}' "$container")
  "$DOCKER" rm -f -v "$container" >/dev/null
  "$DOCKER" volume rm -f "$volume" >/dev/null
}

for variant in "${IMG_VARIANTS[@]}"; do
  step "$variant: run (hardened), time to first 200, smoke test, memory after $REQUESTS requests"
  run_image "$variant"
done

# ---------------------------------------------------------------------------------------------
step "results"

mb() { img_mb "$1"; }
mib() { [[ -n "$1" ]] && awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }' || echo "n/a"; }
yesno() { [[ -n "$1" ]] && echo "yes ($1)" || echo "no"; }
# A figure that depends on a local stand-in or replica base is marked; the notes under the table
# give what the official base would make of it.
mark() { [[ "${R[standin:$1]}" == true ]] && echo " *" || echo ""; }

# Rows of the table: label, then one cell per variant.
rows=()
add_row() { local IFS=$'\t'; rows+=("$*"); }
add_row "Image" "${IMG_VARIANTS[@]}"
add_row "Runtime base" "${R[base:naive]}$(mark naive)" "${R[base:alpine]}$(mark alpine)" "${R[base:multistage]}$(mark multistage)"
add_row "Size, uncompressed (MB)" "$(mb "${R[bytes:naive]}")$(mark naive)" "$(mb "${R[bytes:alpine]}")$(mark alpine)" "$(mb "${R[bytes:multistage]}")$(mark multistage)"
add_row "Size, compressed (MB)" "$(mb "${R[gzip:naive]}")$(mark naive)" "$(mb "${R[gzip:alpine]}")$(mark alpine)" "$(mb "${R[gzip:multistage]}")$(mark multistage)"
add_row "Layers" "${R[layers:naive]}" "${R[layers:alpine]}" "${R[layers:multistage]}"
add_row "Files" "${R[files:naive]}$(mark naive)" "${R[files:alpine]}$(mark alpine)" "${R[files:multistage]}$(mark multistage)"
add_row "OS packages" "${R[packages:naive]}$(mark naive)" "${R[packages:alpine]}$(mark alpine)" "${R[packages:multistage]}$(mark multistage)"
add_row "Shell" "$(yesno "${R[shell:naive]}")" "$(yesno "${R[shell:alpine]}")" "$(yesno "${R[shell:multistage]}")"
add_row "Package manager" "$(yesno "${R[pm:naive]}")" "$(yesno "${R[pm:alpine]}")" "$(yesno "${R[pm:multistage]}")"
add_row "setuid/setgid files" "${R[suid:naive]}" "${R[suid:alpine]}" "${R[suid:multistage]}"
add_row "Build, $build_kind (s)" "${R[build:naive]}" "${R[build:alpine]}" "${R[build:multistage]}"
add_row "Rebuild after a one-line change (s)" "${R[rebuild:naive]}" "${R[rebuild:alpine]}" "${R[rebuild:multistage]}"
add_row "Rebuild: dependency layer reused" "${R[depcache:naive]}" "${R[depcache:alpine]}" "${R[depcache:multistage]}"
add_row "docker run to first 200 on /healthz (ms)" "${R[startup:naive]}" "${R[startup:alpine]}" "${R[startup:multistage]}"
add_row "Memory at idle (MiB)" "$(mib "${R[memidle:naive]}")" "$(mib "${R[memidle:alpine]}")" "$(mib "${R[memidle:multistage]}")"
add_row "Memory after $REQUESTS requests (MiB)" "$(mib "${R[mem:naive]}")" "$(mib "${R[mem:alpine]}")" "$(mib "${R[mem:multistage]}")"
add_row "Server RSS at idle (MiB)" "$(mib "${R[rssidle:naive]}")" "$(mib "${R[rssidle:alpine]}")" "$(mib "${R[rssidle:multistage]}")"
add_row "Server RSS after $REQUESTS requests (MiB)" "$(mib "${R[rss:naive]}")" "$(mib "${R[rss:alpine]}")" "$(mib "${R[rss:multistage]}")"
add_row "Requests answered 200" "${R[load200:naive]}/$REQUESTS" "${R[load200:alpine]}/$REQUESTS" "${R[load200:multistage]}/$REQUESTS"
add_row "docker stop (s), exit code" "${R[stop:naive]}, ${R[exit:naive]}" "${R[stop:alpine]}, ${R[exit:alpine]}" "${R[stop:multistage]}, ${R[exit:multistage]}"
add_row "Smoke test: / /basic /api/visits" "${R[smoke:naive]}" "${R[smoke:alpine]}" "${R[smoke:multistage]}"

print_text_table() {
  local row
  for row in "${rows[@]}"; do
    IFS=$'\t' read -r -a cells <<<"$row"
    printf '%-42s %22s %22s %22s\n' "${cells[@]}"
  done
}
print_markdown_table() {
  local row first=1
  for row in "${rows[@]}"; do
    IFS=$'\t' read -r -a cells <<<"$row"
    printf '| %s | %s | %s | %s |\n' "${cells[@]}"
    if ((first)); then
      echo '|---|--:|--:|--:|'
      first=0
    fi
  done
}

echo
print_text_table
echo
echo "Static binary (stripped): $(mb "${R[binary]}") MB (${R[binary]} bytes); the multistage image adds $(awk -v a="$scratch_bytes" -v b="${R[binary]}" 'BEGIN { printf "%.1f", (a - b) / 1e3 }') kB to it."
echo "Multistage on scratch: $(mb "$scratch_bytes") MB; on $distroless_base: $(mb "$distroless_bytes") MB (+$(awk -v a="$distroless_bytes" -v b="$scratch_bytes" 'BEGIN { printf "%.1f", (a - b) / 1e3 }') kB)."
for variant in "${IMG_VARIANTS[@]}"; do
  [[ "${R[standin:$variant]}" == true ]] && echo "* ${R[base:$variant]} is a local ${R[kind:$variant]}: ${R[standinlabel:$variant]}; with the official base expect $(mb "${R[expbytes:$variant]}") MB${R[expgzip:$variant]:+, $(mb "${R[expgzip:$variant]}") MB compressed}${R[exppackages:$variant]:+, ${R[exppackages:$variant]} packages}"
done

# Every figure of this run as one JSON object: "VARIANT.metric" -> number (bytes, counts,
# milliseconds, seconds). The number check (scripts/lib/reader_numbers.py) reads it.
write_measurement() {
  local target=$1 variant key value
  {
    for variant in "${IMG_VARIANTS[@]}" distroless backtrace; do
      for key in bytes gzip layers files packages suid memidle mem rssidle rss startup expbytes expgzip exppackages build rebuild; do
        value=${R[$key:$variant]:-}
        [[ "$value" =~ ^[0-9]+(\.[0-9]+)?$ ]] && printf '%s.%s %s\n' "$variant" "$key" "$value"
      done
    done
    printf 'binary.bytes %s\n' "${R[binary]}"
    printf 'backtrace.backtracerBytes %s\n' "$backtracer_bytes"
    printf 'backtrace.debugFileBytes %s\n' "$debug_file_bytes"
  } >"$work/measurement.txt"
  python3 "$REPO/scripts/lib/measurement-json.py" "$target" "$work/measurement.txt" "$measured_at" \
    "$revision" "$build_kind" "$REQUESTS"
}

if [[ -n "$MEASURE" ]]; then
  write_measurement "$MEASURE"
  echo "wrote the measurement to $MEASURE"
  exit 0
fi
if [[ "$WRITE" == 0 ]]; then
  echo "WRITE=0: no files written"
  exit 0
fi
write_measurement "$REPO/docs/measurements/images.json"

# ---------------------------------------------------------------------------------------------
step "writing Public/image-sizes.json, docs/image-comparison.md, docs/measurements/images.json"

json="$REPO/Public/image-sizes.json"
for variant in "${IMG_VARIANTS[@]}"; do
  printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$variant" "${R[bytes:$variant]}" "${R[gzip:$variant]}" \
    "${R[standin:$variant]}" "${R[base:$variant]}" "${R[kind:$variant]}" "${R[packages:$variant]}" \
    "${R[expbytes:$variant]:-}" "${R[expgzip:$variant]:-}" "${R[exppackages:$variant]:-}" "${R[expsource:$variant]:-}"
done >"$work/sizes.txt"
python3 - "$json" "$measured_at" "$revision" "$work/sizes.txt" <<'EOF'
import json, os, sys
target, measured_at, revision, rows = sys.argv[1:5]
images = []
for line in open(rows):
    (variant, size, gzip, stand_in, base, kind, packages,
     exp_bytes, exp_gzip, exp_packages, source) = line.rstrip("\n").split("|")
    image = {"variant": variant, "bytes": int(size), "compressedBytes": int(gzip), "packages": int(packages),
             "base": base, "baseIsStandIn": stand_in == "true"}
    if stand_in == "true":
        image["baseKind"] = kind
        if exp_bytes:
            expected = {"bytes": int(exp_bytes)}
            if exp_gzip:
                expected["compressedBytes"] = int(exp_gzip)
            if exp_packages:
                expected["packages"] = int(exp_packages)
            expected["source"] = source
            image["withOfficialBase"] = expected
    images.append(image)
data = {"measuredAt": measured_at, "revision": revision,
        "measuredBy": "scripts/compare-images.sh", "images": images}
with open(target + ".tmp", "w") as f:
    json.dump(data, f, indent=2, ensure_ascii=False)
    f.write("\n")
os.replace(target + ".tmp", target)
EOF

doc="$REPO/docs/image-comparison.md"
mkdir -p "$REPO/docs"
{
  cat <<EOF
# Image comparison

<!-- Written by scripts/compare-images.sh; edit the script, not this file. -->

The three recipes, built and measured side by side on one machine by
\`scripts/compare-images.sh\`. Rerun it to refresh every number here and the chart on the demo
page (\`Public/image-sizes.json\`).

- **Measured:** $measured_at
- **Machine:** $(nproc) CPUs ($cpu_model), $memory_total RAM, Linux $(uname -r), $(uname -m)
- **Docker:** engine $docker_server, client $docker_client (\`$DOCKER\`), BuildKit
- **Swift:** ${swift_version:-unknown} (builder image \`swift:6.3-bookworm\`)
- **Source:** $source_state (when the build context was copied)
- **Revision:** \`$revision\`

## Results

EOF
  print_markdown_table
  cat <<EOF

EOF
  if [[ "${R[standin:naive]}${R[standin:alpine]}${R[standin:multistage]}" == *true* ]]; then
    cat <<EOF
\* Measured on a local stand-in or replica of the base image, not the registry's image. What
to expect with the official base: the measured image minus the local base, plus the official
base's published size (and, compressed, the image's own layers plus the base's download):

EOF
  fi
  for variant in "${IMG_VARIANTS[@]}" distroless; do
    [[ "${R[standin:$variant]}" == true ]] || continue
    # shellcheck disable=SC2016 # backticks are Markdown here, not command substitution
    printf -- '- **%s** on `%s`, a local %s (label: "%s"; `/etc/os-release`: %s). With the official `%s`: about **%s MB**%s%s. Source: %s.\n' \
      "$variant" "${R[base:$variant]}" "${R[kind:$variant]}" "${R[standinlabel:$variant]:-$distroless_label}" "${R[os:$variant]}" \
      "${R[base:$variant]}" "$(mb "${R[expbytes:$variant]}")" \
      "${R[expgzip:$variant]:+, $(mb "${R[expgzip:$variant]}") MB compressed}" \
      "${R[exppackages:$variant]:+, ${R[exppackages:$variant]} OS packages}" "${R[expsource:$variant]}"
  done
  cat <<EOF

What the marks mean beyond the size:

- **naive**: the replica is made with the official recipe (same \`apt-get install\` list, the
  same toolchain copied in), so its files and packages match the official image's closely. Its
  toolchain is one copied layer, which compresses better than the registry's layers: the
  compressed figure measured here is below the official base's own download.
- **alpine**: the stand-in is busybox with Alpine's passwd and group files, no musl and no
  real \`apk\` (its \`/sbin/apk\` is a stub that exits 1, and it has no package database, hence
  the package count; the \`dpkg\` in the table is an applet of Debian's busybox, which Alpine's
  busybox lacks). The real image has apk and OpenSSL among its packages. The binary is fully
  static, so it runs on either unchanged.
- **multistage**: \`scratch\` is no image at all; nothing in the image comes from elsewhere, so
  its numbers are the real ones.

## The binary

The alpine and multistage images share one builder stage and ship a fully static, stripped
executable (\`swift build -c release --static-swift-stdlib -Xswiftc -static-executable\`, then
\`strip\`): **$(mb "${R[binary]}") MB** (${R[binary]} bytes; alpine's copy: $binary_alpine bytes). The multistage image is that
binary plus $(awk -v a="$scratch_bytes" -v b="${R[binary]}" 'BEGIN { printf "%.1f", (a - b) / 1e3 }') kB (under /app the static files, the walkthrough with its pictures and the SBOM; passwd and group; the empty /data); the naive image carries the
whole toolchain to run a dynamically linked build of the same code.

## scratch or distroless for the multistage image

The same \`Dockerfile.multistage\` with its \`FROM scratch\` swapped for
\`FROM $distroless_base\` (built by this script, then deleted):

| Runtime base | Size (MB) | docker save \| gzip (MB) | Layers | Files | OS packages |
|---|--:|--:|--:|--:|--:|
| \`scratch\` (chosen) | $(mb "$scratch_bytes") | $(mb "${R[gzip:multistage]}") | ${R[layers:multistage]} | ${R[files:multistage]} | ${R[packages:multistage]} |
| \`$distroless_base\`$(mark distroless) | $(mb "$distroless_bytes")$(mark distroless) | $(mb "${R[gzip:distroless]}") | ${R[layers:distroless]} | ${R[files:distroless]} | ${R[packages:distroless]} |

Distroless adds $(awk -v a="$distroless_bytes" -v b="$scratch_bytes" 'BEGIN { printf "%.1f", (a - b) / 1e6 }') MB$([[ "${R[standin:distroless]}" == true ]] && printf ' (measured on a local replica of the base; with the official one expect about %s MB in all, by %s)' "$(mb "${R[expbytes:distroless]}")" "${R[expsource:distroless]}"): tzdata, a CA bundle, base-files, netbase and media-types,
each a package a scanner will report and someone must patch. The server needs none of them: it logs in UTC, makes no outgoing TLS connections, and
never resolves a name (the health check connects to 127.0.0.1). What distroless would give,
a passwd file with user 65532 and a \`/tmp\`, is two lines in the builder and unnecessary
(SQLite keeps temporary data in memory). So the image is built on \`scratch\`; choose
distroless if you add outgoing HTTPS or time-zone handling.

## Crash backtraces: the size of BACKTRACE=on

\`docker build -f Dockerfile.multistage --build-arg BACKTRACE=on\` (built by this script, then
deleted) adds Swift's backtracer (with the glibc shared libraries it loads) and the binary's debug
file, so that a crash prints every thread's stack with function names to the container's log
([supply-chain.md](supply-chain.md#crash-backtraces-from-the-scratch-image)). The binary is the same.

| multistage image | Size (MB) | docker save \| gzip (MB) | Layers |
|---|--:|--:|--:|
| default (\`BACKTRACE=off\`) | $(mb "$scratch_bytes") | $(mb "${R[gzip:multistage]}") | ${R[layers:multistage]} |
| \`--build-arg BACKTRACE=on\` | $(mb "${R[bytes:backtrace]}") | $(mb "${R[gzip:backtrace]}") | ${R[layers:backtrace]} |

It adds $(mb $((R[bytes:backtrace] - scratch_bytes))) MB: \`swift-backtrace-static\` $(mb "$backtracer_bytes") MB, \`demo-server.debug\` $(mb "$debug_file_bytes") MB and the loader,
libc, libm, libstdc++ and libgcc_s for the backtracer $(mb $((R[bytes:backtrace] - scratch_bytes - backtracer_bytes - debug_file_bytes))) MB.

## Builds

- **$build_kind**: the time of \`docker build\` with an empty build cache, from a local base
  image (no download). alpine and multistage each compile the full static binary; their
  builder stages are identical, so in everyday use the second reuses the first's layers.
  The machine's 2 cores are shared with other work: the same cold build has taken up to twice
  as long in other runs, so compare the columns of one run, not runs.
- **Rebuild after a one-line change**: after the build above, a copy of the build context gets
  one comment line appended to \`$changed_file\` and is built again. "Dependency layer reused"
  says whether BuildKit took the \`swift package resolve\` step from its cache (it must: only
  \`Package.swift\`/\`Package.resolved\` feed it). alpine and multistage keep \`.build\` in a
  BuildKit cache mount, so only the changed module is recompiled and relinked; the naive
  recipe builds inside the image without a cache mount, so it recompiles everything,
  dependencies included.

## How the numbers were made

- **Size**: \`docker image inspect -f '{{.Size}}'\`, in MB of 10^6 bytes (as \`docker images\` shows).
- **Compressed**: every layer of \`docker save IMAGE\` gzipped on its own (level 6), plus the
  image's config: what a registry stores and a pull downloads (scripts/lib/compressed-size.py).
- **Layers**: the number of file-system layers (\`.RootFS.Layers\`), base image included.
- **Files**: the image's regular files (and hard links), counted from \`docker save\` with its
  layers applied in order, whiteouts honoured (scripts/lib/compressed-size.py): the image's, not a
  container's, which has five more that the engine adds (\`/.dockerenv\`, \`/dev/console\`,
  \`/etc/hostname\`, \`/etc/hosts\`, \`/etc/resolv.conf\`).
- **Packages, shell, package manager, setuid/setgid**: read from \`docker export\` of a
  created (never started) container, so images without a shell are inspected the same way.
  Packages are dpkg's installed entries in \`/var/lib/dpkg/status\`, plus distroless's
  \`/var/lib/dpkg/status.d\` entries, plus \`P:\` records in apk's \`/lib/apk/db/installed\`
  (0 when none exist). A shell is any of sh, bash, dash, ash, zsh or busybox in \`/bin\`,
  \`/sbin\`, \`/usr/bin\` or \`/usr/sbin\`; package managers are apt, apt-get, dpkg and apk.
  setuid/setgid counts regular files with either bit.
- **docker run to first 200**: from just before \`docker run -d\` until \`curl\` first gets
  200 from \`/healthz\` (polled every 10 ms), with the same hardened flags for all three:
  \`--read-only --cap-drop ALL --security-opt no-new-privileges\`, a fresh volume on \`/data\`,
  published on a free port of 127.0.0.1. It includes creating the container and the database.
- **Memory**: \`docker stats --no-stream\` (the container's cgroup usage minus page cache; this
  machine has cgroup $cgroup_version), once right after the first 200 and once after $REQUESTS
  sequential keep-alive requests from one \`curl\` process, spread evenly over \`/\` (which
  records a visit in SQLite), \`/basic\`, \`/api/visits\`, \`/style.css\` and \`/healthz\`.
  The cgroup is charged only for pages the container itself brought in, so the executable's
  pages, already in the page cache from the build, barely count; **RSS** (\`VmRSS\` of the
  server process in the host's \`/proc\`) counts every resident page it maps, shared ones too.
- **docker stop**: \`docker stop -t 10\` timed; the server handles SIGTERM as PID 1 (drain,
  close the database, exit 0), so it should take well under a second and exit with 0.
- **Smoke test**: \`/\` answers 200 and names the variant, \`/basic\` and \`/api/visits\` answer 200.

## For reference: the Flask tutorial

The Python tutorial this project follows measured 536 MB (naive Debian image), 263 MB (Alpine)
and 65.8 MB (multi-stage build) for a one-route Flask app.
EOF
} >"$doc.tmp"
mv "$doc.tmp" "$doc"
echo "wrote ${json#"$REPO"/} and ${doc#"$REPO"/}"

# The screenshot shows the chart data just written (mounted over the copy in the image).
if [[ "$SCREENSHOT" == 1 ]]; then
  step "screenshot of the demo page (multistage, headless Chromium)"
  take_screenshot "$json"
  cp "$SCREENSHOT_PNG" "$REPO/docs/images/demo-page.png"
  python3 "$REPO/scripts/lib/measurement-json.py" --screenshot "$REPO/docs/measurements/demo-page.json" \
    "$REPO/docs/images/demo-page.png" "$SCREENSHOT_PAGE" "$SCREENSHOT_CHART" "$measured_at"
fi
