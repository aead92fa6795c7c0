# shellcheck shell=bash
# The one adapter between the image scripts and the Docker engine they run on. Source it; it
# defines functions and a few variables and runs nothing else. compare-images.sh, test-images.sh,
# test-tutorial.sh, verify-deploy.sh and measure-context.sh reach Docker only through it.
#
# A reader's Docker (Docker Desktop on macOS or Windows, Docker Engine on Linux) has a registry
# and a bridge network; some machines have neither. Everything that differs is decided here,
# by looking, never by assuming:
#   - Base images (img_ensure_base_images): used when already local, else `docker pull`ed; only
#     when the pull fails and $OFFLINE_BASE_IMAGES exists is that tool run to create them.
#   - Reaching a container (img_detect_network, img_run, img_build_network_args): when the engine
#     has its default `bridge` network (`docker network inspect bridge`), containers are
#     published with `-p 127.0.0.1:PORT:8080`, and builds use the default network. Only when it
#     has none are containers run with `--network host` and `-e PORT=PORT`, and builds with
#     `--network host`. Containers that are only created (to copy files out) get
#     `--network none`, which every engine has.
#   - The client (img_init_docker): $DOCKER when set; else `docker`, or /usr/bin/docker when the
#     first `docker` on PATH has no buildx and that one does (an older client with BuildKit
#     built in).
# docs/development.md says what the machine this repository is developed on does differently.
#
# Environment (all optional):
#   DOCKER               docker client to use (see above)
#   IMAGE_REPOSITORY     image name the variants are tagged under (default: swift-tiny-container)
#   OFFLINE_BASE_IMAGES  tool that creates local base images when no registry is reachable
#                        (default: ../shared/tools/offline-base-images, relative to the repo root;
#                        used only when it exists)
#   IMG_NETWORK_MODE     bridge or host: overrides the detection (for testing this file)

# shellcheck disable=SC2034 # used by the scripts that source this file
IMG_VARIANTS=(naive alpine multistage)
IMAGE_REPOSITORY="${IMAGE_REPOSITORY:-swift-tiny-container}"

# Every container and volume a script starts, removed by img_cleanup (set as an EXIT trap).
IMG_CONTAINERS=()
IMG_VOLUMES=()
IMG_TEMP_DIRS=()

img_log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
img_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Nanoseconds since the epoch, and a difference of two of them as seconds with 2 decimals.
img_now_ns() { date +%s%N; }
img_seconds_since() { awk -v a="$1" -v b="$(img_now_ns)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }

# Picks the docker client and detects the network mode. BuildKit needs either a CLI with the
# buildx plugin or an older CLI with BuildKit built in (Debian 12's docker.io 20.10 client at
# /usr/bin/docker is one).
img_init_docker() {
  if [[ -z "${DOCKER:-}" ]]; then
    DOCKER=docker
    if ! docker buildx version >/dev/null 2>&1 && [[ -x /usr/bin/docker ]]; then
      DOCKER=/usr/bin/docker
    fi
  fi
  export DOCKER
  if ! "$DOCKER" info >/dev/null 2>&1; then
    # No engine answers. Where the offline base-image tool exists, it installs docker.io when
    # missing and starts a daemon; elsewhere, starting Docker is the reader's business.
    local tool="${OFFLINE_BASE_IMAGES:-../shared/tools/offline-base-images}"
    if [[ -x "$tool" ]]; then
      img_log "no Docker engine answers '$DOCKER info': starting one with $tool"
      "$tool" >&2 || img_die "$tool failed to start a Docker engine"
      [[ -x /usr/bin/docker ]] && ! docker buildx version >/dev/null 2>&1 && DOCKER=/usr/bin/docker
      export DOCKER
    fi
    "$DOCKER" info >/dev/null 2>&1 || img_die "'$DOCKER info' failed: start Docker (or set DOCKER)"
  fi
  img_detect_network
}

# Sets IMG_NETWORK_MODE: "bridge" when the engine has its default bridge network, "host" when it
# has none (a daemon started with --bridge=none). Also sets IMG_BUILD_NETWORK, the arguments
# `docker build` needs: none with a bridge; `--network host` without one (RUN steps then share the
# host's network, which is also where a local package mirror would answer).
img_detect_network() {
  if [[ -z "${IMG_NETWORK_MODE:-}" ]]; then
    if "$DOCKER" network inspect bridge >/dev/null 2>&1; then
      IMG_NETWORK_MODE=bridge
    else
      IMG_NETWORK_MODE=host
    fi
  fi
  case "$IMG_NETWORK_MODE" in
    bridge) IMG_BUILD_NETWORK=() ;;
    host) IMG_BUILD_NETWORK=(--network host) ;;
    *) img_die "IMG_NETWORK_MODE must be bridge or host, not '$IMG_NETWORK_MODE'" ;;
  esac
  export IMG_NETWORK_MODE
}

# The base images the recipes start from: every FROM of the Dockerfiles that is neither scratch
# nor an earlier stage, plus any given as arguments (compare-images.sh adds distroless).
img_base_images() {
  {
    # Per file: global ARG defaults (before the first FROM) are substituted, so that
    # `FROM runtime-${BACKTRACE}` is recognised as a stage of the same file, not an image.
    awk 'FNR == 1 { split("", stage); split("", defaults); from = 0 }
         toupper($1) == "ARG" && !from { n = index($2, "="); if (n) defaults[substr($2, 1, n - 1)] = substr($2, n + 1) }
         toupper($1) == "FROM" {
           from = 1
           image = $2; if (image ~ /^--platform=/) image = $3
           for (name in defaults) { gsub("\\$\\{" name "\\}", defaults[name], image); gsub("\\$" name, defaults[name], image) }
           for (i = 1; i <= NF; i++) if (toupper($i) == "AS") stage[tolower($(i + 1))] = 1
           if (image != "scratch" && !(tolower(image) in stage)) print image
         }' "${IMG_CONTEXT:-.}"/Dockerfile.naive "${IMG_CONTEXT:-.}"/Dockerfile.alpine "${IMG_CONTEXT:-.}"/Dockerfile.multistage
    printf '%s\n' "$@"
  } | sort -u
}

# img_ensure_image IMAGE: afterwards IMAGE is local, or the script stops. Local first, then
# `docker pull`, then (only when it exists) the offline tool.
img_ensure_image() {
  local image=$1 tool="${OFFLINE_BASE_IMAGES:-../shared/tools/offline-base-images}"
  "$DOCKER" image inspect "$image" >/dev/null 2>&1 && return 0
  img_log "$image is not local: docker pull $image"
  "$DOCKER" pull -q "$image" >&2 && return 0
  if [[ -x "$tool" ]]; then
    img_log "pulling $image failed: creating local base images with $tool (5-6 min the first time)"
    "$tool" >&2 || img_die "$tool failed"
    "$DOCKER" image inspect "$image" >/dev/null 2>&1 && return 0
  fi
  img_die "$image is not local and 'docker pull $image' failed"
}

# img_ensure_base_images [EXTRA IMAGE...]: every base image is local afterwards. Images made by
# the offline tool carry its label; when they are in use, the tool (idempotent, under a second
# when all is there) also runs to make sure the package mirror it serves to builds is up.
# shellcheck disable=SC2120 # the extra images are optional
img_ensure_base_images() {
  local image tool="${OFFLINE_BASE_IMAGES:-../shared/tools/offline-base-images}"
  for image in $(img_base_images "$@"); do
    img_ensure_image "$image"
  done
  if [[ -x "$tool" ]] && img_is_stand_in swift:6.3-bookworm; then
    "$tool" >/dev/null 2>&1 || img_log "warning: $tool failed; dependency resolution may fail"
  fi
}

# Build metadata for the OCI labels. `created` is the commit's time, not the clock's, so that
# building the same commit twice gives the same image.
img_version() {
  sed -n 's/.*static let current = "\([^"]*\)".*/\1/p' Sources/DemoApp/Configuration/DemoConfiguration.swift 2>/dev/null | head -n 1
}
img_revision() { git rev-parse HEAD 2>/dev/null || echo unknown; }
img_created() { git log -1 --format=%cI 2>/dev/null || echo 1970-01-01T00:00:00Z; }
img_source() {
  local url
  url=$(git remote get-url origin 2>/dev/null) || { echo unknown; return; }
  # Never put credentials from a URL into an image label.
  sed -E 's#^(https?://)[^/@]*@#\1#' <<<"$url"
}

# Provenance labels (Dockerfile.multistage and .alpine): the builder image's digest and the SQLite
# and glibc versions in it, read with dpkg-query, because a label cannot be set from a RUN's
# output; and SOURCE_DATE_EPOCH (the commit's time) for the SBOM's timestamp. Filled once per run by
# img_read_provenance (img_build calls it); Dockerfile.naive declares none of these and ignores them.
IMG_PROVENANCE_ARGS=()
img_read_provenance() {
  ((${#IMG_PROVENANCE_ARGS[@]})) && return 0
  local builder=swift:6.3-bookworm digest versions
  digest=$("$DOCKER" image inspect -f '{{range .RepoDigests}}{{.}} {{end}}' "$builder" 2>/dev/null | awk '{ print $1 }')
  versions=$("$DOCKER" run --rm --network host --entrypoint dpkg-query "$builder" \
    -W -f='${source:Package}=${source:Upstream-Version}\n' libsqlite3-dev libc6-dev 2>/dev/null || true)
  IMG_PROVENANCE_ARGS=(
    --build-arg "BUILDER_IMAGE=$builder"
    --build-arg "BUILDER_DIGEST=${digest:-unknown}"
    --build-arg "SQLITE_VERSION=$(sed -n 's/^sqlite3=//p' <<<"$versions")"
    --build-arg "GLIBC_VERSION=$(sed -n 's/^glibc=//p' <<<"$versions")"
    --build-arg "SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || echo 0)"
  )
}

# img_build VARIANT LOGFILE [extra docker build arguments...]
# Builds Dockerfile.VARIANT of the context directory ($IMG_CONTEXT, default: the current one) as
# $IMAGE_REPOSITORY:VARIANT (or $IMG_TAG when set) with BuildKit. The full progress output goes
# to LOGFILE; on failure its tail is shown.
IMG_CONTEXT=.
img_build() {
  local variant=$1 log=$2 tag="${IMG_TAG:-$IMAGE_REPOSITORY:$1}"
  shift 2
  local version previous current
  version=$(img_version)
  img_read_provenance
  previous=$("$DOCKER" image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)
  if ! DOCKER_BUILDKIT=1 "$DOCKER" build "${IMG_BUILD_NETWORK[@]}" --progress=plain \
      -f "$IMG_CONTEXT/Dockerfile.$variant" -t "$tag" \
      --build-arg "VERSION=${version:-0.1.0}" \
      --build-arg "REVISION=$(img_revision)" \
      --build-arg "CREATED=$(img_created)" \
      --build-arg "SOURCE=$(img_source)" \
      "${IMG_PROVENANCE_ARGS[@]}" \
      "$@" "$IMG_CONTEXT" >"$log" 2>&1; then
    printf -- '--- last lines of %s ---\n' "$log" >&2
    tail -n 40 "$log" >&2
    return 1
  fi
  # The image this tag pointed to before is left with no name; remove it unless something still
  # uses it (a container, another tag), so repeated runs do not pile up untagged images.
  current=$("$DOCKER" image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)
  if [[ -n "$previous" && "$previous" != "$current" ]] &&
      [[ -z "$("$DOCKER" image inspect -f '{{join .RepoTags ""}}' "$previous" 2>/dev/null)" ]]; then
    "$DOCKER" rmi "$previous" >/dev/null 2>&1 || true
  fi
}

# Whether the build log shows the dependency step (`swift package resolve`) taken from the cache.
img_resolve_was_cached() {
  local log=$1 step
  step=$(grep -E '^#[0-9]+ \[.*\] RUN .*swift package resolve' "$log" | head -n 1 | cut -d' ' -f1)
  [[ -n "$step" ]] && grep -qE "^$step CACHED" "$log"
}

# A TCP port that is free on 127.0.0.1 right now, and waiting for a 200: scripts/lib/check.sh.
# shellcheck source=scripts/lib/check.sh
source "$(dirname "${BASH_SOURCE[0]}")/check.sh"
img_free_port() { check_free_port || img_die "no free port"; }

# img_http METHOD URL [curl arguments...]: prints "STATUS" and leaves the body in $IMG_BODY_FILE.
IMG_BODY_FILE=""
img_http() {
  local method=$1 url=$2
  shift 2
  : >"$IMG_BODY_FILE"
  curl -s -o "$IMG_BODY_FILE" -w '%{http_code}' --max-time 5 -X "$method" "$@" "$url" 2>/dev/null || true
}

# img_wait_200 URL TIMEOUT_SECONDS: polls until URL answers 200; returns 1 on timeout.
img_wait_200() { check_wait_200 "$@"; }

# img_wait_health CONTAINER TIMEOUT_SECONDS: waits for Docker's health status to turn healthy.
img_wait_health() {
  local container=$1 timeout=$2 i status
  for ((i = 0; i < timeout * 5; i++)); do
    status=$("$DOCKER" inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$container" 2>/dev/null)
    [[ "$status" == healthy ]] && return 0
    [[ "$status" == unhealthy ]] && return 1
    sleep 0.2
  done
  return 1
}

# The user the image runs as, numeric (from its USER instruction; empty means root).
img_user() { "$DOCKER" image inspect -f '{{.Config.User}}' "$1"; }

# The uid:gid the /data tmpfs or volume should have for an image.
img_data_owner() {
  local user
  user=$(img_user "$1")
  [[ "$user" == *:* ]] && echo "$user" || echo "$user:$user"
}

# img_run NAME_VAR IMAGE PORT [docker run arguments...]: starts a container detached, reachable
# at 127.0.0.1:PORT, and records it for clean-up. Sets the variable NAME_VAR to its id.
# With a bridge: `-p 127.0.0.1:PORT:8080` (the server listens on its image's 8080, as a reader
# runs it). Without one: `--network host -e PORT=PORT` (the server listens on PORT itself).
img_run() {
  local __var=$1 image=$2 port=$3 id reach
  shift 3
  if [[ "${IMG_NETWORK_MODE:-}" == bridge ]]; then
    reach=(-p "127.0.0.1:$port:8080")
  else
    reach=(--network host -e "PORT=$port")
  fi
  id=$("$DOCKER" run -d "${reach[@]}" "$@" "$image") || return 1
  IMG_CONTAINERS+=("$id")
  printf -v "$__var" '%s' "$id"
}

# The flags of the hardened run: read-only root file system, no capabilities, no privilege gain.
# shellcheck disable=SC2034 # used by the scripts that source this file
IMG_HARDENED=(--read-only --cap-drop ALL --security-opt no-new-privileges)

# img_new_volume NAME_VAR: creates a volume, records it for clean-up, sets NAME_VAR to its name.
# (Not `$(...)`: the record must be made in this shell, not a subshell.)
img_new_volume() {
  local __var=$1 name
  name="$IMAGE_REPOSITORY-test-$$-$RANDOM"
  "$DOCKER" volume create "$name" >/dev/null || return 1
  IMG_VOLUMES+=("$name")
  printf -v "$__var" '%s' "$name"
}

# img_new_temp_dir NAME_VAR: a temporary directory, removed on clean-up.
img_new_temp_dir() {
  local __var=$1 dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/swift-tiny-container.XXXXXX") || return 1
  IMG_TEMP_DIRS+=("$dir")
  printf -v "$__var" '%s' "$dir"
}

img_cleanup() {
  local id
  for id in "${IMG_CONTAINERS[@]}"; do
    "$DOCKER" rm -f -v "$id" >/dev/null 2>&1 || true
  done
  for id in "${IMG_VOLUMES[@]}"; do
    "$DOCKER" volume rm -f "$id" >/dev/null 2>&1 || true
  done
  for id in "${IMG_TEMP_DIRS[@]}"; do
    [[ -n "$id" && -d "$id" ]] && rm -rf -- "$id"
  done
  IMG_CONTAINERS=() IMG_VOLUMES=() IMG_TEMP_DIRS=()
}

# The base image of a Dockerfile's last stage (the one that ships). A last stage that starts from
# another stage (Dockerfile.multistage ends with `FROM runtime-${BACKTRACE}`) is followed to that
# stage's base, with build arguments at their defaults.
img_runtime_base() { img_dockerfile_base "Dockerfile.$1"; }
img_dockerfile_base() {
  awk '
    toupper($1) == "ARG" && !from { n = index($2, "="); if (n) defaults[substr($2, 1, n - 1)] = substr($2, n + 1) }
    toupper($1) == "FROM" {
      from = 1; base = $2
      for (name in defaults) gsub("\\$\\{" name "\\}", defaults[name], base)
      if (toupper($3) == "AS") stage[$4] = base
      last = base
    }
    END { while (last in stage) last = stage[last]; print last }' "$1"
}

# Whether IMAGE is one of the local images made by offline-base-images (a stand-in or a local
# replica, not the registry's image): they carry an `offline-base-images` label. scratch is no
# image at all, so it is never a stand-in.
img_is_stand_in() {
  [[ "$1" == scratch ]] && return 1
  [[ -n "$("$DOCKER" image inspect -f '{{index .Config.Labels "offline-base-images"}}' "$1" 2>/dev/null)" ]]
}
img_stand_in_label() { "$DOCKER" image inspect -f '{{index .Config.Labels "offline-base-images"}}' "$1" 2>/dev/null; }

# The size in bytes of FILE inside IMAGE, read without running anything in it (works on scratch).
img_file_size() {
  local image=$1 path=$2 id size
  id=$("$DOCKER" create --network none "$image") || return 1
  size=$("$DOCKER" cp "$id:$path" - | tar -tvf - | awk 'NR == 1 { print $3 }')
  "$DOCKER" rm -f -v "$id" >/dev/null # -v: also the anonymous volume of the image's VOLUME
  echo "$size"
}

# The contents of FILE inside IMAGE, read without running anything in it.
img_cat_file() {
  local image=$1 path=$2 id
  id=$("$DOCKER" create --network none "$image") || return 1
  "$DOCKER" cp "$id:$path" - | tar -xOf -
  "$DOCKER" rm -f -v "$id" >/dev/null
}

# Megabytes (10^6 bytes, as docker reports them) with one decimal.
img_mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }
