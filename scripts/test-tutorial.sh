#!/usr/bin/env bash
# Runs every command of the walkthrough (docs/TUTORIAL.md) in order, as a reader would, in a
# clone of the repository's HEAD, and fails on the first one that fails. It first checks that
# docs/TUTORIAL.md and docs/images/image-sizes.svg are exactly what scripts/render-tutorial.py
# makes of the current data (the stale check).
#
# The two reader paths. "Getting ready" has the reader define `swiftd`, the one form every Swift
# step runs through: on Linux with Swift it runs the command on the machine (the host path), and
# with Docker only it runs it in the toolchain image as the reader's own user (the docker path).
# Both paths run, one after the other, each in its own clone:
#   - host: the cached clone (or FRESH=1's), as the user running this script;
#   - docker: always a fresh clone, owned by and run as a non-root user. Run as root, the script
#     creates that user (tutorial-reader, or $READER_USER) with useradd and gives it the docker
#     socket's group, then runs every block of this path under setpriv; run as a non-root user,
#     it runs them as that user. A block that leaves root-owned files behind, or a database on the
#     bind mount the user cannot write, fails here as it would for the reader.
# READER_PATHS="host docker" (the default) chooses which run, in that order.
#
# Which blocks run. Every ```sh fence in the walkthrough carries an HTML comment on the line
# before it (the /tutorial page and GitHub hide those):
#   <!-- run -->                        run it; it must exit 0
#   <!-- run: OPTION ... -->            options: expect-failure (must exit non-zero),
#                                       background ready=URL (a server: started in its own process
#                                       group, the block passes once URL answers 200),
#                                       timeout=SECONDS (default 600), id=NAME (its output is
#                                       recorded, see RECORD), tags=a,b (time categories),
#                                       path=host or path=docker (runs on that reader path only),
#                                       define (its definitions, such as the `swiftd` and
#                                       `wait_healthy` functions, stay defined for the later
#                                       blocks of its path, as in the reader's shell)
#   <!-- display-only: WHY -->          shown, never run (e.g. `git clone` of the public URL:
#                                       this machine has no GitHub access); the text says why
# and on its own: <!-- test: stop-background --> where the text tells the reader to press
# Ctrl+C: background servers get SIGINT and must exit within 30 s. A ```sh block without a
# marker is an error, so no command escapes the test.
#
# The adapter. The blocks run as printed, except for what one function changes, and only where
# this machine needs it. `adapt` (the Python function `rewrite` below, and the `docker` shell
# function of the prelude) is the only place that changes a reader's command:
#   - port 8080 may be taken by someone else's server, so a free port P is used instead:
#       -p 8080:8080 -> -p P:8080, and localhost:8080 -> localhost:P (PORT=P is also exported,
#       so `swift run demo-server` on the host listens there);
#   - on an engine without a bridge network (scripts/lib/images.sh detects it), -p cannot
#     publish: -p 8080:8080 -> --network host -e PORT=P, and every `docker build`, and every
#     `docker run`/`create` that does not choose its own network (--network none), gets
#     --network host;
#   - image tags swift-tiny-container:* -> $IMAGE_REPOSITORY-tutorial:* (default
#     swift-tiny-container-tutorial), and the named volume tiny-visits and the containers tiny,
#     tiny-naive, tiny-alpine and tiny-extract get the run id as a suffix, so a run never touches
#     the tags, volumes and containers of compare-images.sh, test-images.sh, another run or a reader;
#   - `docker` is $DOCKER (scripts/lib/images.sh picks it: a client with BuildKit), builds run
#     with DOCKER_BUILDKIT=1, and containers get a label so that clean-up finds them.
# Base images come through scripts/lib/images.sh too (local, else docker pull). Recorded outputs
# get the rewrites undone, and the clone's path shown as ~/swift-tiny-container, so they read as a
# reader would see them.
#
# The clone. By default a cached clone in $TUTORIAL_WORKDIR (default
# /var/tmp/swift-tiny-container-tutorial) is reset to HEAD (`git reset --hard`, `git clean -x`
# except .build/), so the Swift builds in it are incremental: a warm run takes about a minute
# when the images are cached too.
# FRESH=1 clones into a new temporary directory instead (cold Swift builds, as a reader's first
# time; the docker builds still use the build cache), and removes it afterwards.
#
# Usage: scripts/test-tutorial.sh
# Environment: FRESH=1 (see above); READER_PATHS, READER_USER (see "The two reader paths");
#   WORKTREE=1 copies the working tree's files (committed or
#   not) over the clone, for trying an edit before committing it; LAST_LINE=N stops before the
#   first block after line N of docs/TUTORIAL.md; RECORD=1 also writes the blocks' times and the
#   outputs of blocks with an id to docs/measurements/tutorial-run.json (as "cold" with FRESH=1,
#   else "warm") and re-renders docs/TUTORIAL.md; TUTORIAL_WORKDIR; DOCKER; OFFLINE_BASE_IMAGES.
# Output: each block, its output and time; the last line is "N passed, N failed".
# Network: only 127.0.0.1 (containers published there, or on the host network where the engine
# has no bridge). Every container, volume and process it
# starts is removed or stopped on exit; processes are stopped by their own process group id.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
REPO=$PWD
FRESH="${FRESH:-0}"
RECORD="${RECORD:-0}"
export OFFLINE_BASE_IMAGES="${OFFLINE_BASE_IMAGES:-$REPO/../shared/tools/offline-base-images}"
# shellcheck source=scripts/lib/images.sh
source scripts/lib/images.sh

# The shared harness: pass/fail counting and the closing line.
# shellcheck source=scripts/lib/check.sh
source scripts/lib/check.sh
STALE_FAILED=0
RUN_ID="$$-$RANDOM"
BLOCK_PID=""
LABEL="swift-tiny-container.tutorial-test"
IMAGE_NAME="swift-tiny-container"
# $IMAGE_REPOSITORY (scripts/lib/images.sh) keeps parallel runs on one engine apart.
TUTORIAL_IMAGES="$IMAGE_REPOSITORY-tutorial"
BACKGROUND_PIDS=()
started=$(img_now_ns)


# stop_background: SIGINT to each background process group (the reader's Ctrl+C), then up to
# 30 s for it to exit, then SIGKILL. Returns 1 if any needed SIGKILL.
stop_background() {
  local pid i status=0
  for pid in "${BACKGROUND_PIDS[@]}"; do
    kill -INT -- "-$pid" 2>/dev/null || continue
    for ((i = 0; i < 300; i++)); do
      kill -0 -- "-$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 -- "-$pid" 2>/dev/null; then
      kill -KILL -- "-$pid" 2>/dev/null
      status=1
    fi
  done
  BACKGROUND_PIDS=()
  return "$status"
}

cleanup_docker() {
  local ids
  [[ -n "${DOCKER:-}" ]] || return 0
  ids=$("$DOCKER" ps -aq --filter "label=$LABEL=$RUN_ID" 2>/dev/null)
  # shellcheck disable=SC2086 # one id per word
  [[ -n "$ids" ]] && "$DOCKER" rm -f -v $ids >/dev/null 2>&1
  "$DOCKER" volume rm -f "tiny-visits-$RUN_ID" >/dev/null 2>&1
  return 0
}

finish() {
  # A block still running (we were interrupted): its own process group, so all of it stops.
  if [[ -n "${BLOCK_PID:-}" ]] && kill -0 -- "-$BLOCK_PID" 2>/dev/null; then
    kill -TERM -- "-$BLOCK_PID" 2>/dev/null
    sleep 1
    kill -KILL -- "-$BLOCK_PID" 2>/dev/null
  fi
  stop_background || true
  cleanup_docker
  img_cleanup
  if [[ "$FRESH" == 1 && -n "${fresh_dir:-}" && -d "$fresh_dir" ]]; then
    rm -rf -- "$fresh_dir"
    # SwiftPM's lock files, named after the build directory, in $TMPDIR.
    rm -f -- "${TMPDIR:-/tmp}/${fresh_dir//\//_}"_*.lock
  fi
  if [[ -n "${docker_dir:-}" && -d "$docker_dir" ]]; then
    rm -rf -- "$docker_dir"
    rm -f -- "${TMPDIR:-/tmp}/${docker_dir//\//_}"_*.lock
  fi
  printf 'total %s s\n' "$(img_seconds_since "$started")"
  check_summary
}
trap finish EXIT
trap 'fail "interrupted"; exit 130' INT TERM

command -v python3 >/dev/null || { fail "python3 is needed"; exit 1; }
command -v curl >/dev/null || { fail "curl is needed"; exit 1; }
img_init_docker
export DOCKER
img_ensure_base_images

# ---------------------------------------------------------------------------------------------
# The clone

if [[ "$FRESH" == 1 ]]; then
  fresh_dir=$(mktemp -d "${TMPDIR:-/tmp}/tutorial-test.XXXXXX")
  CLONE="$fresh_dir/swift-tiny-container"
  git clone -q "$REPO" "$CLONE" || { fail "git clone of $REPO"; exit 1; }
  RUN_KIND=cold
else
  workdir="${TUTORIAL_WORKDIR:-/var/tmp/swift-tiny-container-tutorial}"
  CLONE="$workdir/swift-tiny-container"
  mkdir -p "$workdir"
  if [[ -d "$CLONE/.git" ]]; then
    if ! { git -C "$CLONE" fetch -q "$REPO" HEAD &&
      git -C "$CLONE" reset -q --hard FETCH_HEAD &&
      git -C "$CLONE" clean -q -ffdx -e /.build; }; then
      fail "resetting the cached clone $CLONE"
      exit 1
    fi
  else
    git clone -q "$REPO" "$CLONE" || { fail "git clone of $REPO"; exit 1; }
  fi
  RUN_KIND=warm
fi
# WORKTREE=1 (for editing the walkthrough): overlay the working tree's files, committed or not.
if [[ "${WORKTREE:-0}" == 1 ]]; then
  (cd "$REPO" && git ls-files -z -co --exclude-standard | tar --null --ignore-failed-read -T - -cf - 2>/dev/null) |
    tar -xf - -C "$CLONE" || { fail "copying the working tree into $CLONE"; exit 1; }
  echo "working tree copied over the clone (WORKTREE=1)"
fi
REVISION=$(git -C "$CLONE" rev-parse HEAD)
printf 'clone of %s at %s (%s run)\n' "${REVISION:0:7}" "$CLONE" "$RUN_KIND"

work=""
img_new_temp_dir work
# The docker path's reader (not root) reads the blocks from here.
chmod 0755 "$work"

# Containers or processes left by an earlier run of this script that was killed.
stale=$("$DOCKER" ps -aq --filter "label=$LABEL" 2>/dev/null)
# shellcheck disable=SC2086 # one id per word
[[ -n "$stale" ]] && "$DOCKER" rm -f -v $stale >/dev/null 2>&1

# ---------------------------------------------------------------------------------------------
# The stale check

if (cd "$CLONE" && python3 scripts/render-tutorial.py --check); then
  pass "docs/TUTORIAL.md and docs/images/image-sizes.svg match the data (scripts/render-tutorial.py --check)"
elif [[ "$RECORD" == 1 ]]; then
  # Recording is how stale data gets refreshed (lab/remeasure.sh checks again at the end).
  echo "note: the data is stale (expected while re-measuring with RECORD=1)"
else
  fail "docs/TUTORIAL.md or docs/images/image-sizes.svg is stale: run lab/remeasure.sh"
  STALE_FAILED=1
fi

# ---------------------------------------------------------------------------------------------
# The blocks: extracted, rewritten, one file each

PORT=$(img_free_port)
export PORT
blocks="$work/blocks"
mkdir -p "$blocks"
if ! python3 - "$CLONE/docs/TUTORIAL.md" "$blocks" "$PORT" "$RUN_ID" "$TUTORIAL_IMAGES" "$IMG_NETWORK_MODE" <<'EOF'; then
import re, sys

source, out, port, run_id, images, network = sys.argv[1:7]
lines = open(source).read().splitlines()
marker = re.compile(r"^<!--\s*(run|display-only|test)\s*(?::\s*(.*?))?\s*-->\s*$")
fence = re.compile(r"^```(\w*)\s*$")
shell = {"sh", "bash", "shell", "console"}

def rewrite(text):
    """The adapter (see the header): a free port, host networking only without a bridge, tags and
    the volume name of this run."""
    if network == "bridge":
        text = text.replace("-p 8080:8080", f"-p {port}:8080")
    else:
        text = text.replace("-p 8080:8080", f"-e PORT={port}")
    text = text.replace("localhost:8080", f"127.0.0.1:{port}")
    text = re.sub(r"(?<![\w/.-])swift-tiny-container(?![\w/.-])", images, text)
    text = re.sub(r"(?<![\w/.-])tiny-visits(?![\w/.-])", f"tiny-visits-{run_id}", text)
    text = re.sub(r"(?<![\w/.-])(tiny(?:-naive|-alpine|-extract)?)(?![\w/.-])", rf"\1-{run_id}", text)
    return text

records, errors, pending, i, count = [], [], None, 0, 0
while i < len(lines):
    line = lines[i]
    m = marker.match(line.strip())
    if m:
        kind, options = m.group(1), m.group(2) or ""
        if kind == "test":
            if options.strip() != "stop-background":
                errors.append(f"line {i + 1}: unknown test marker {options!r}")
            records.append((i + 1, "stop-background", "", None))
        else:
            pending = (i + 1, kind, options)
        i += 1
        continue
    f = fence.match(line.strip())
    if f:
        language = f.group(1)
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith("```"):
            j += 1
        body = "\n".join(lines[i + 1:j])
        if language in shell:
            if pending is None or pending[0] != i:
                errors.append(f"line {i + 1}: ```{language} block without a <!-- run --> or <!-- display-only --> marker on the line before")
            else:
                records.append((i + 1, pending[1], pending[2], body))
        elif pending is not None and pending[0] == i:
            errors.append(f"line {i}: marker before a ```{language} block (only shell blocks run)")
        pending = None
        i = j + 1
        continue
    if line.strip():
        pending = None
    i += 1

if errors:
    print("\n".join(errors), file=sys.stderr)
    sys.exit(1)
with open(f"{out}/index.tsv", "w") as index:
    for n, (line_number, kind, options, body) in enumerate(records, 1):
        if body is not None:
            with open(f"{out}/{n:03d}.original", "w") as f:
                f.write(body + "\n")
            with open(f"{out}/{n:03d}.sh", "w") as f:
                f.write(rewrite(body) + "\n")
        index.write(f"{n:03d}\t{line_number}\t{kind}\t{options}\n")
EOF
  fail "extracting the shell blocks of docs/TUTORIAL.md"
  exit 1
fi
total=$(grep -c $'\t\\(run\\|display-only\\)\t' "$blocks/index.tsv")
runnable=$(grep -c $'\trun\t' "$blocks/index.tsv")
printf '%s shell blocks in docs/TUTORIAL.md: %s runnable, %s display-only\n' "$total" "$runnable" "$((total - runnable))"

# What every block runs first: the clone as working directory and the docker function.
if [[ "$IMG_NETWORK_MODE" == bridge ]]; then network_args=""; else network_args="--network host"; fi
# write_prelude CLONE FILE
write_prelude() {
  cat >"$2" <<EOF
cd "$1" || exit 1
export PORT=$PORT
# The adapter's docker (see the header of scripts/test-tutorial.sh).
docker() {
  local command=\$1
  shift
  case "\$command" in
    build) DOCKER_BUILDKIT=1 "$DOCKER" build $network_args "\$@" ;;
    run | create)
      # A command that chooses its own network (--network none) keeps it.
      local extra="$network_args" argument
      for argument in "\$@"; do
        case "\$argument" in --network | --network=* | --net | --net=*) extra="" ;; esac
      done
      "$DOCKER" "\$command" \$extra --label "$LABEL=$RUN_ID" "\$@" ;;
    *) "$DOCKER" "\$command" "\$@" ;;
  esac
}
set -eo pipefail
EOF
}

# undo_rewrites FILE: a block's output as the reader would see it. An image name followed by
# spaces is padded back to its width, so the columns of `docker images` stay aligned.
undo_rewrites() {
  local extra=$((${#TUTORIAL_IMAGES} - ${#IMAGE_NAME}))
  sed -E -e "s#127\.0\.0\.1:$PORT#localhost:8080#g" -e "s#(tiny(-visits|-naive|-alpine|-extract)?)-$RUN_ID#\1#g" \
    -e "s#$CLONE#~/swift-tiny-container#g" "$1" |
    awk -v from="$TUTORIAL_IMAGES" -v to="$IMAGE_NAME" -v pad="$(printf '%*s' "$extra" '')" '{
      out = ""
      while ((i = index($0, from)) > 0) {
        rest = substr($0, i + length(from))
        out = out substr($0, 1, i - 1) to (rest ~ /^  / ? pad : "")
        $0 = rest
      }
      print out $0
    }'
}

# option NAME OPTIONS: the value of NAME=VALUE in OPTIONS, or "yes" for a bare NAME.
option() {
  local word
  for word in $2; do
    [[ "$word" == "$1" ]] && { echo yes; return; }
    [[ "$word" == "$1="* ]] && { echo "${word#*=}"; return; }
  done
}

timings="$work/timings.tsv"
outputs="$work/outputs"
mkdir -p "$outputs"
: >"$timings"

# wait_ready URL PID TIMEOUT: until URL answers 200; fails early if the process group is gone.
wait_ready() {
  local url=$1 pid=$2 timeout=$3 start
  start=$(img_now_ns)
  while (( $(img_now_ns) - start < timeout * 1000000000 )); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null)" == 200 ]] && return 0
    kill -0 -- "-$pid" 2>/dev/null || return 1
    sleep 0.5
  done
  return 1
}

# The docker path's reader: a non-root user with the docker socket's group. Sets RUN_AS (the
# command prefix that runs a block as that user; empty when this script is not root) and
# READER_UID/READER_GID.
RUN_AS=()
reader_user() {
  if ((EUID != 0)); then
    READER_UID=$(id -u) READER_GID=$(id -g)
    return 0
  fi
  local name="${READER_USER:-tutorial-reader}" socket group
  if ! id -u "$name" >/dev/null 2>&1; then
    useradd --create-home --user-group --shell /bin/bash "$name" || { fail "useradd $name"; return 1; }
  fi
  socket=$("$DOCKER" context inspect -f '{{.Endpoints.docker.Host}}' 2>/dev/null)
  socket=${socket#unix://}
  [[ -S "$socket" ]] || socket=/var/run/docker.sock
  if [[ -S "$socket" ]]; then
    group=$(stat -c %G "$socket")
    if [[ "$group" != root && "$group" != UNKNOWN ]]; then
      id -nG "$name" | tr ' ' '\n' | grep -qx "$group" || usermod -a -G "$group" "$name"
    fi
  fi
  READER_UID=$(id -u "$name") READER_GID=$(id -g "$name")
  RUN_AS=(setpriv "--reuid=$READER_UID" "--regid=$READER_GID" --init-groups
    env "HOME=$(getent passwd "$name" | cut -d: -f6)" "USER=$name" "LOGNAME=$name")
  if ! "${RUN_AS[@]}" "$DOCKER" version >/dev/null 2>&1; then
    fail "$name cannot reach the Docker engine (socket ${socket:-unknown})"
    return 1
  fi
}

# The docker path's clone: fresh, at the host path's commit, with the working tree copied over it
# under WORKTREE=1, owned by the reader. Sets CLONE.
docker_path_clone() {
  docker_dir=$(mktemp -d "${TMPDIR:-/tmp}/tutorial-test-docker.XXXXXX")
  CLONE="$docker_dir/swift-tiny-container"
  # The commit the host path runs (the repository's HEAD may have moved since).
  { git clone -q "$REPO" "$CLONE" && git -C "$CLONE" checkout -q "$REVISION"; } ||
    { fail "git clone of $REPO at $REVISION for the docker path"; return 1; }
  if [[ "${WORKTREE:-0}" == 1 ]]; then
    (cd "$REPO" && git ls-files -z -co --exclude-standard | tar --null --ignore-failed-read -T - -cf - 2>/dev/null) |
      tar -xf - -C "$CLONE" || { fail "copying the working tree into $CLONE"; return 1; }
  fi
  chmod 0755 "$docker_dir"
  chown -R "$READER_UID:$READER_GID" "$docker_dir" || { fail "chown of $docker_dir"; return 1; }
  printf 'docker path: fresh clone at %s, run as uid %s gid %s\n' "$CLONE" "$READER_UID" "$READER_GID"
}

# run_path PATH: every block of PATH (host or docker) in CLONE, as RUN_AS. Returns 1 on the first
# failure.
run_path() {
  local reader_path=$1 prelude="$work/prelude-$1.sh" n line kind options
  write_prelude "$CLONE" "$prelude"
  chmod 0644 "$prelude"
  printf '\n=== the %s path ===\n' "$reader_path"
  while IFS=$'\t' read -r n line kind options; do
    if [[ -n "${LAST_LINE:-}" ]] && ((line > LAST_LINE)); then
      echo "LAST_LINE=$LAST_LINE: stopping before docs/TUTORIAL.md:$line"
      break
    fi
    if [[ "$kind" == stop-background ]]; then
      printf '\n--- docs/TUTORIAL.md:%s  (the reader presses Ctrl+C)\n' "$line"
      block_start=$(img_now_ns)
      if stop_background; then
        pass "$reader_path: background server stopped by SIGINT"
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$line" "$(img_seconds_since "$block_start")" stop "" "(Ctrl+C)" "$reader_path" >>"$timings"
      else
        fail "$reader_path: background server did not exit within 30 s of SIGINT"
        return 1
      fi
      continue
    fi
    only=$(option path "$options")
    [[ -n "$only" && "$only" != "$reader_path" ]] && continue
    printf '\n--- docs/TUTORIAL.md:%s  [%s, %s path]%s\n' "$line" "$kind" "$reader_path" "${options:+ $options}"
    if [[ "$kind" == display-only ]]; then
      sed 's/^/$ /' "$blocks/$n.original"
      SKIPPED=$((SKIPPED + 1))
      echo "     (display-only, not run)"
      continue
    fi
    sed 's/^/$ /' "$blocks/$n.sh"
    timeout_s=$(option timeout "$options")
    timeout_s=${timeout_s:-600}
    id=$(option id "$options")
    tags=$(option tags "$options")
    script="$work/run-$reader_path-$n.sh"
    cat "$prelude" "$blocks/$n.sh" >"$script"
    chmod 0644 "$script"
    log="$work/output-$reader_path-$n.log"
    first_line=$(grep -m1 -v '^\s*#' "$blocks/$n.original" | sed 's/\t/ /g')
    block_start=$(img_now_ns)
    status=0
    if [[ "$(option background "$options")" == yes ]]; then
      ready=$(option ready "$options")
      if [[ -z "$ready" ]]; then
        fail "line $line: a background block needs ready=URL"
        return 1
      fi
      ready=${ready//localhost:8080/127.0.0.1:$PORT}
      setsid "${RUN_AS[@]}" bash "$script" >"$log" 2>&1 < /dev/null &
      BACKGROUND_PIDS+=("$!")
      if ! wait_ready "$ready" "$!" "$timeout_s"; then
        status=1
      fi
      tail -n 5 "$log" | sed 's/^/     /'
    else
      # In its own process group, waited for in the background so that a signal to this script
      # is handled at once (and the block stopped by finish) rather than after the block ends.
      setsid timeout -k 10 "$timeout_s" "${RUN_AS[@]}" bash "$script" >"$log" 2>&1 < /dev/null &
      BLOCK_PID=$!
      wait "$BLOCK_PID" || status=$?
      BLOCK_PID=""
      sed 's/^/     /' "$log" | tail -n 60
    fi
    seconds=$(img_seconds_since "$block_start")
    ok=0
    if [[ "$(option expect-failure "$options")" == yes ]]; then
      ((status != 0 && status != 124 && status != 137)) && ok=1
    else
      ((status == 0)) && ok=1
    fi
    if ((ok)); then
      pass "$reader_path: line $line: $first_line ($seconds s)"
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$line" "$seconds" "$kind" "$tags" "$first_line" "$reader_path" >>"$timings"
      # The host path's output is the one shown; the docker path's is recorded only for blocks
      # that run on it alone.
      if [[ -n "$id" && ! -e "$outputs/$id" ]]; then
        undo_rewrites "$log" >"$outputs/$id"
      fi
      # A definition (`swiftd`, `wait_healthy`) stays defined for the rest of the path.
      [[ "$(option define "$options")" == yes ]] && cat "$blocks/$n.sh" >>"$prelude"
    else
      if ((status == 124)); then
        fail "$reader_path: line $line: $first_line (timed out after $timeout_s s)"
      else
        fail "$reader_path: line $line: $first_line (exit status $status after $seconds s)"
      fi
      [[ "$(option background "$options")" == yes ]] && tail -n 40 "$log" | sed 's/^/     /'
      # What failed, wherever it is in the output (a test runner's failures scroll off the tail).
      echo "     what failed in the block's output:"
      grep -n -E '✘|error:|Expectation failed|FAIL|fatal' "$log" | head -n 40 | cut -c1-400 | sed 's/^/     /'
      return 1
    fi
  done <"$blocks/index.tsv"
  if [[ ${#BACKGROUND_PIDS[@]} -gt 0 ]]; then
    fail "$reader_path: a background server is still running at the end (no <!-- test: stop-background --> after it)"
    return 1
  fi
}

HOST_CLONE=$CLONE
for reader_path in ${READER_PATHS:-host docker}; do
  case "$reader_path" in
    host)
      CLONE=$HOST_CLONE
      RUN_AS=()
      run_path host || break
      ;;
    docker)
      reader_user || break
      docker_path_clone || break
      run_path docker || break
      CLONE=$HOST_CLONE
      ;;
    *) fail "READER_PATHS: unknown path $reader_path (host, docker)"; break ;;
  esac
done
CLONE=$HOST_CLONE
printf '\n%s display-only blocks shown, not run\n' "$SKIPPED"

# ---------------------------------------------------------------------------------------------
# Recording

if [[ "$RECORD" == 1 ]]; then
  # The stale check may fail here (new data is what recording is for); the blocks may not.
  if ((FAILED > STALE_FAILED)); then
    echo "RECORD=1: not recording, a block failed"
  else
    # What this run was made from: the clone's revision.
    run_inputs=$(cd "$CLONE" && python3 scripts/render-tutorial.py --inputs)
    python3 - "$REPO/docs/measurements/tutorial-run.json" "$RUN_KIND" "$timings" "$outputs" "$run_inputs" <<'EOF'
import datetime, json, os, sys

target, kind, timings, outputs, run_inputs = sys.argv[1:6]
run_inputs = json.loads(run_inputs)
try:
    with open(target) as f:
        data = json.load(f)
except FileNotFoundError:
    data = {}
blocks = []
with open(timings) as f:
    for line in f:
        number, seconds, block_kind, tags, command, reader_path = line.rstrip("\n").split("\t")
        blocks.append({"line": int(number), "seconds": float(seconds), "kind": block_kind,
                       "tags": [t for t in tags.split(",") if t], "command": command,
                       "path": reader_path})
data[kind] = {
    "measuredAt": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "fresh clone": kind == "cold",
    "revision": run_inputs["revision"],
    "inputs": run_inputs["inputs"],
    # The host path's total: what a reader on Linux with Swift spends; the docker path's beside it.
    "totalSeconds": round(sum(b["seconds"] for b in blocks if b["path"] == "host"), 1),
    "dockerPathSeconds": round(sum(b["seconds"] for b in blocks if b["path"] == "docker"), 1),
    "blocks": blocks,
}
recorded = data["outputs"] = {}
data["outputsRevision"] = run_inputs["revision"]
data["outputsInputs"] = run_inputs["inputs"]
for name in sorted(os.listdir(outputs)):
    with open(os.path.join(outputs, name)) as f:
        recorded[name] = f.read()
os.makedirs(os.path.dirname(target), exist_ok=True)
with open(target + ".tmp", "w") as f:
    json.dump(data, f, indent=2, ensure_ascii=False)
    f.write("\n")
os.replace(target + ".tmp", target)
EOF
    echo "recorded the $RUN_KIND run in docs/measurements/tutorial-run.json"
    python3 scripts/render-tutorial.py || fail "re-rendering docs/TUTORIAL.md"
  fi
fi

check_ok
