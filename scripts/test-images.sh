#!/usr/bin/env bash
# Builds the three images (reusing the build cache) and tests each in a real container:
#
#   - GET /healthz, /, /basic, /style.css; POST and GET /api/visits;
#   - Docker's health status turns `healthy` (the image's own HEALTHCHECK, on a 1 s interval);
#   - it runs as its non-root numeric user; alpine and multistage also run hardened
#     (--read-only, --cap-drop ALL, --security-opt no-new-privileges), checked from the host's
#     view of the process (/proc/PID/status and mountinfo), not just from `docker inspect`;
#   - visits survive `docker stop` and a new container on the same volume;
#   - `docker stop -t 10` ends it within 2 s with exit code 0 (it handles SIGTERM as PID 1);
#   - size targets: multistage <= 20 MB, alpine <= 30 MB, and the multistage image is less
#     than 1 MB more than its binary; no shell in the multistage image;
#   - every recipe runs as the same user, so a volume one variant wrote works with another;
#   - examples/scratch-dns: what a static glibc program on scratch does when it resolves names.
#
# Usage: scripts/test-images.sh            (from anywhere; CI runs it from a fresh clone)
# Environment: DOCKER, IMAGE_REPOSITORY, OFFLINE_BASE_IMAGES (see scripts/lib/images.sh);
#              VARIANTS="alpine multistage" to test a subset.
# Output: one line per check; the last line is "N passed, N failed". Exit status 1 on any failure.
#
# Containers are reached on free ports of 127.0.0.1 (scripts/lib/images.sh decides how), and
# every container and volume it creates is removed on exit.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
# shellcheck source=scripts/lib/images.sh
source scripts/lib/images.sh

# pass, fail, check, check_summary (scripts/lib/check.sh, sourced by images.sh).
finish() {
  img_cleanup
  check_summary
}
trap finish EXIT
trap 'exit 130' INT TERM

MB=1000000
MULTISTAGE_LIMIT=$((20 * MB))
ALPINE_LIMIT=$((30 * MB))
BINARY_OVERHEAD_LIMIT=$((1 * MB))
STOP_LIMIT_SECONDS=2

read -r -a VARIANTS <<<"${VARIANTS:-${IMG_VARIANTS[*]}}"
started=$(img_now_ns)

img_init_docker
img_ensure_base_images
work=""
img_new_temp_dir work
IMG_BODY_FILE="$work/body"

# ---------------------------------------------------------------------------------------------
# Builds

for variant in "${VARIANTS[@]}"; do
  img_log "building $IMAGE_REPOSITORY:$variant (log: $work/build-$variant.log)"
  build_start=$(img_now_ns)
  if img_build "$variant" "$work/build-$variant.log"; then
    pass "$variant: image builds ($(img_seconds_since "$build_start") s)"
  else
    fail "$variant: image builds"
  fi
done

# ---------------------------------------------------------------------------------------------
# Helpers for one container

# total_visits URL: the "total" of GET /api/visits, or empty.
total_visits() {
  [[ "$(img_http GET "$1/api/visits")" == 200 ]] || return 0
  sed -n 's/.*"total":\([0-9][0-9]*\).*/\1/p' "$IMG_BODY_FILE" | head -n 1
}

expect_status() { # METHOD URL EXPECTED [curl args...]
  local method=$1 url=$2 expected=$3 status
  shift 3
  status=$(img_http "$method" "$url" "$@")
  [[ "$status" == "$expected" ]] || { echo "     $method $url answered $status, expected $expected" >&2; return 1; }
}

# Small predicates for `check`.
is_numeric_non_root() { [[ "$1" =~ ^[0-9]+(:[0-9]+)?$ && "${1%%:*}" != 0 ]]; }
same_non_root_uid() { [[ -n "$1" && "$1" == "$2" && "$1" != 0 ]]; }
same_number() { [[ -n "$1" && "$1" == "$2" ]]; }
has_no_shell() { ! "$DOCKER" exec "$1" /bin/sh -c true >/dev/null 2>&1; }
small_overhead() { [[ -n "$1" && "$1" -gt 0 && "$2" -lt "$3" ]]; }

body_contains() { grep -qF -- "$1" "$IMG_BODY_FILE" || { echo "     body lacks: $1" >&2; return 1; }; }

# The process as the host's kernel sees it: uid, capabilities, no_new_privs, read-only root.
host_pid() { "$DOCKER" inspect -f '{{.State.Pid}}' "$1"; }
proc_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
runs_as_uid() {
  local pid uid
  pid=$(host_pid "$1")
  uid=$(proc_field "$pid" Uid)
  [[ -n "$uid" && "$uid" == "$2" && "$uid" != 0 ]] || { echo "     process uid is '$uid', expected $2" >&2; return 1; }
}
has_no_capabilities() {
  local pid
  pid=$(host_pid "$1")
  [[ "$(proc_field "$pid" CapEff)" == 0000000000000000 && "$(proc_field "$pid" CapBnd)" == 0000000000000000 ]]
}
has_no_new_privs() { [[ "$(proc_field "$(host_pid "$1")" NoNewPrivs)" == 1 ]]; }
root_is_read_only() { awk '$5 == "/" { split($6, o, ","); exit (o[1] == "ro" ? 0 : 1) }' "/proc/$(host_pid "$1")/mountinfo"; }

# stop_cleanly CONTAINER: docker stop -t 10 must return within STOP_LIMIT_SECONDS, exit code 0.
stop_cleanly() {
  local container=$1 start seconds code
  start=$(img_now_ns)
  "$DOCKER" stop -t 10 "$container" >/dev/null || return 1
  seconds=$(img_seconds_since "$start")
  code=$("$DOCKER" inspect -f '{{.State.ExitCode}}' "$container")
  echo "     stopped in $seconds s with exit code $code" >&2
  [[ "$code" == 0 ]] && awk -v s="$seconds" -v l="$STOP_LIMIT_SECONDS" 'BEGIN { exit !(s < l) }'
}

show_logs() {
  echo "     --- last log lines of the container ---" >&2
  "$DOCKER" logs --tail 20 "$1" 2>&1 | sed 's/^/     /' >&2
}

# ---------------------------------------------------------------------------------------------
# Each image in a container

test_variant() {
  local variant=$1 image="$IMAGE_REPOSITORY:$1"
  local -a flags=()
  if ! "$DOCKER" image inspect "$image" >/dev/null 2>&1; then
    fail "$variant: no image to test"
    return
  fi
  local user uid
  user=$(img_user "$image")
  uid=${user%%:*}
  check "$variant: image sets a numeric non-root USER ($user)" \
    is_numeric_non_root "$user"

  # alpine and multistage run hardened; naive runs as a naive user would run it.
  local mode="plain"
  if [[ "$variant" != naive ]]; then
    flags+=("${IMG_HARDENED[@]}")
    mode="hardened"
  fi
  local volume port base container
  img_new_volume volume || { fail "$variant: create a volume"; return; }
  port=$(img_free_port)
  base="http://127.0.0.1:$port"
  if ! img_run container "$image" "$port" "${flags[@]}" -v "$volume:/data" \
      --health-interval 1s --health-timeout 3s --health-retries 3 --health-start-period 10s; then
    fail "$variant: container starts ($mode)"
    return
  fi
  if ! img_wait_200 "$base/healthz" 30; then
    fail "$variant: /healthz answers 200 within 30 s ($mode run)"
    show_logs "$container"
    return
  fi
  pass "$variant: /healthz answers 200 ($mode run, port $port)"

  check "$variant: GET / answers 200" expect_status GET "$base/" 200
  check "$variant: the page names its image variant" body_contains ">$variant<"
  local page_uid
  page_uid=$(grep -o 'uid [0-9][0-9]*' "$IMG_BODY_FILE" | head -n 1 | cut -d' ' -f2)
  check "$variant: the page reports uid $uid, not root" same_non_root_uid "$page_uid" "$uid"
  check "$variant: GET /basic answers 200" expect_status GET "$base/basic" 200
  check "$variant: GET /style.css answers 200 (static files readable)" expect_status GET "$base/style.css" 200
  check "$variant: POST /api/visits answers 201" expect_status POST "$base/api/visits" 201 \
    -H 'Content-Type: application/json' --data "{\"variant\":\"$variant\"}"
  local total
  total=$(total_visits "$base")
  check "$variant: GET /api/visits counts both visits (total=${total:-none})" same_number "$total" 2
  check "$variant: Docker health status turns healthy" img_wait_health "$container" 20
  check "$variant: process runs as uid $uid" runs_as_uid "$container" "$uid"
  if [[ "$mode" == hardened ]]; then
    check "$variant: hardened: no capabilities (CapEff and CapBnd empty)" has_no_capabilities "$container"
    check "$variant: hardened: no_new_privs set" has_no_new_privs "$container"
    check "$variant: hardened: root file system mounted read-only" root_is_read_only "$container"
  fi
  if [[ "$variant" == multistage ]]; then
    check "$variant: no shell in the image (exec /bin/sh fails)" \
      has_no_shell "$container"
  fi
  if [[ "$variant" == alpine ]]; then
    check "$variant: hardened: / is not writable, /data is" \
      "$DOCKER" exec "$container" sh -c '! touch /probe 2>/dev/null && touch /data/probe && rm /data/probe'
  fi
  check "$variant: docker stop -t 10 ends it within ${STOP_LIMIT_SECONDS} s with exit code 0" stop_cleanly "$container"

  # The same volume in a new container: the visits are still there.
  local second
  port=$(img_free_port)
  base="http://127.0.0.1:$port"
  if ! img_run second "$image" "$port" "${flags[@]}" -v "$volume:/data" || ! img_wait_200 "$base/healthz" 30; then
    fail "$variant: a second container on the same volume starts"
    return
  fi
  local again
  again=$(total_visits "$base")
  check "$variant: visits survive a new container on the same volume (total=${again:-none})" \
    same_number "$again" "$total"
  check "$variant: second container stops cleanly too" stop_cleanly "$second"
}

for variant in "${VARIANTS[@]}"; do
  img_log "testing $IMAGE_REPOSITORY:$variant"
  test_variant "$variant"
done

# ---------------------------------------------------------------------------------------------
# One user for all recipes: a volume one variant wrote is writable by the next (switching from
# the naive image to the multistage one keeps the visits).

test_shared_volume() {
  local first=$1 last=$2 volume port base container total
  img_new_volume volume || { fail "shared volume: create a volume"; return; }
  port=$(img_free_port)
  base="http://127.0.0.1:$port"
  if ! img_run container "$IMAGE_REPOSITORY:$first" "$port" -v "$volume:/data" || ! img_wait_200 "$base/healthz" 30; then
    fail "shared volume: $first starts on a fresh volume"
    return
  fi
  expect_status POST "$base/api/visits" 201 -H 'Content-Length: 0' || fail "shared volume: $first records a visit"
  "$DOCKER" stop -t 10 "$container" >/dev/null
  port=$(img_free_port)
  base="http://127.0.0.1:$port"
  if ! img_run container "$IMAGE_REPOSITORY:$last" "$port" "${IMG_HARDENED[@]}" -v "$volume:/data" || ! img_wait_200 "$base/healthz" 30; then
    fail "shared volume: $last starts on the volume $first wrote"
    return
  fi
  check "shared volume: $last can write to the volume $first wrote (POST /api/visits -> 201)" \
    expect_status POST "$base/api/visits" 201 -H 'Content-Length: 0'
  total=$(total_visits "$base")
  check "shared volume: $last sees $first's visit too (total=${total:-none})" same_number "$total" 2
  "$DOCKER" stop -t 10 "$container" >/dev/null
}

if ((${#VARIANTS[@]} > 1)); then
  users=$(for variant in "${VARIANTS[@]}"; do img_user "$IMAGE_REPOSITORY:$variant"; done | sort -u | paste -sd' ' -)
  check "every recipe runs as the same user ($users)" same_number "$users" "65532:65532"
  test_shared_volume "${VARIANTS[0]}" "${VARIANTS[${#VARIANTS[@]} - 1]}"
fi

# ---------------------------------------------------------------------------------------------
# Name resolution in a static glibc program on scratch (examples/scratch-dns), as the
# walkthrough's appendix "Applying it to your own service" describes it: the linker warns that getaddrinfo
# needs glibc's shared libraries at run time, yet glibc 2.34 and later have the `files` and `dns`
# backends built in, so /etc/hosts (which Docker writes into every container) and DNS work; only
# NSS modules outside glibc (myhostname, mdns, sss...) are missing, and glibc skips them.
# --network none everywhere: no query leaves the container.

resolves() { # EXPECTED-OUTPUT DOCKER-RUN-ARGUMENTS... (options, the image, the names)
  local expected=$1 output
  shift
  output=$("$DOCKER" run --rm --network none "$@" 2>&1)
  [[ "$output" == "$expected" ]] || { echo "     got: $output" >&2; return 1; }
}
test_scratch_dns() {
  local image="$IMAGE_REPOSITORY-scratch-dns:test" log="$work/build-scratch-dns.log" warnings nsswitch
  if ! DOCKER_BUILDKIT=1 "$DOCKER" build "${IMG_BUILD_NETWORK[@]}" --progress=plain -t "$image" examples/scratch-dns >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    fail "scratch-dns: the static resolver builds"
    return
  fi
  warnings=$(img_cat_file "$image" /link-warnings.txt)
  check "scratch-dns: the static link warns that getaddrinfo needs glibc's shared libraries" \
    grep -q "Using 'getaddrinfo' in statically linked applications" <<<"$warnings"
  check "scratch-dns: on scratch, localhost resolves from the /etc/hosts Docker writes" \
    resolves "localhost: 127.0.0.1" "$image" localhost
  check "scratch-dns: a name from --add-host resolves (glibc's built-in files backend)" \
    resolves "service.test: 192.0.2.10" --add-host service.test:192.0.2.10 "$image" service.test
  check "scratch-dns: an unknown name is a DNS lookup that fails cleanly (no server reachable), not a crash" \
    resolves "no-such-host.invalid: Temporary failure in name resolution" "$image" no-such-host.invalid
  nsswitch="$work/nsswitch.conf"
  printf 'hosts: myhostname files\n' >"$nsswitch"
  check "scratch-dns: an NSS module outside glibc (myhostname) is skipped, files still answers" \
    resolves "service.test: 192.0.2.10" -v "$nsswitch:/etc/nsswitch.conf:ro" \
    --add-host service.test:192.0.2.10 "$image" service.test
}
test_scratch_dns

# ---------------------------------------------------------------------------------------------
# Sizes

image_bytes() { "$DOCKER" image inspect -f '{{.Size}}' "$IMAGE_REPOSITORY:$1" 2>/dev/null; }
at_most() { [[ -n "$1" ]] && (($1 <= $2)); }
below() { [[ -n "$1" ]] && (($1 < $2)); }

for variant in "${VARIANTS[@]}"; do
  bytes=$(image_bytes "$variant")
  case "$variant" in
    multistage)
      check "multistage: image is $(img_mb "${bytes:-0}") MB, at most 20 MB" at_most "$bytes" "$MULTISTAGE_LIMIT"
      binary=$(img_file_size "$IMAGE_REPOSITORY:multistage" /demo-server)
      extra=$(( ${bytes:-0} - ${binary:-0} ))
      check "multistage: image adds $(awk -v b="$extra" 'BEGIN { printf "%.1f", b / 1e3 }') kB to its $(img_mb "${binary:-0}") MB binary, under 1 MB" \
        small_overhead "$binary" "$extra" "$BINARY_OVERHEAD_LIMIT"
      ;;
    alpine)
      check "alpine: image is $(img_mb "${bytes:-0}") MB, at most 30 MB" at_most "$bytes" "$ALPINE_LIMIT"
      ;;
  esac
done

img_log "done in $(img_seconds_since "$started") s"
((FAILED == 0))
