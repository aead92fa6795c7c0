#!/usr/bin/env bash
# Checks that the fully static release binary is reproducible: it copies the committed tree
# (HEAD) into two temporary directories with different paths, builds demo-server in each with the
# flags the Dockerfiles use, and compares the SHA-256 of the stripped binaries, of the debug-info
# files and of the unstripped binaries. Any difference fails the check and names the ELF sections
# that differ.
#
# What makes the build reproducible (docs/supply-chain.md explains each):
#   -file-prefix-map / -debug-prefix-map / -ffile-prefix-map  the checkout's path becomes /src
#   -Xfrontend -disable-incremental-llvm-codegen              no .swift_modhash section (an MD5 of
#                                                              each LLVM module that differs with
#                                                              the build directory)
#   -Xfrontend -no-clang-module-breadcrumbs                   no DWARF references to the clang module
#                                                              cache, whose names hash the paths
#   -Xlinker --build-id=sha1                                   the build id is a hash of the content
# Nothing in the build stamps a time; SOURCE_DATE_EPOCH is set all the same (the commit's time),
# so a tool that does stamp one stamps the same one.
#
# Usage: scripts/check-reproducible.sh [--image IMAGE]
#   --image IMAGE  also compare with /demo-server in IMAGE (e.g. swift-tiny-container:multistage).
#                  It matches only when the image's builder has the same toolchain and the same
#                  Debian static libraries as this machine, so a mismatch there is reported, not
#                  failed, unless REQUIRE_IMAGE_MATCH=1.
# Environment: WORKTREE=1 copies the working tree (committed or not) instead of HEAD.
#   TRAITS=PostgreSQL checks the PostgreSQL variant instead; it links libpq statically, so
#   PKG_CONFIG_PATH must name the libpq.pc of a static libpq (scripts/build-libpq.sh PREFIX makes
#   one, as the image's builder does: run it in a Debian 12 container or builder, since it adds a
#   deb-src entry to apt's sources). Not run in CI: the two extra cold builds cost about 5 minutes
#   (4 min 22 s here, both byte-identical, with /opt/libpq copied out of the image's builder).
# Output: the sums, then "N passed, N failed". Takes two cold release builds (about 5 min on 2
# cores here).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD

# The one build command, shared with the Dockerfiles' builder stages (check_dockerfiles below
# fails when one of them drops a flag). $1 is the package directory; the link map goes to $2.
static_build() {
  local dir=$1 map=$2 src
  src=$(cd "$dir" && pwd -P)
  (cd "$dir" && swift build -c release --product demo-server ${TRAITS:+--traits "$TRAITS"} \
    --static-swift-stdlib -Xswiftc -static-executable \
    -Xswiftc -file-prefix-map -Xswiftc "$src=/src" \
    -Xswiftc -debug-prefix-map -Xswiftc "$src=/src" \
    -Xcc "-ffile-prefix-map=$src=/src" \
    -Xswiftc -Xfrontend -Xswiftc -disable-incremental-llvm-codegen \
    -Xswiftc -Xfrontend -Xswiftc -no-clang-module-breadcrumbs \
    -Xlinker --build-id=sha1 -Xlinker "-Map=$map" \
    -Xlinker "--section-ordering-file=$src/lab/link-order.txt")
}
required_flags=(-file-prefix-map -debug-prefix-map -ffile-prefix-map -disable-incremental-llvm-codegen -no-clang-module-breadcrumbs --build-id=sha1 --section-ordering-file)

# pass, fail, check_summary.
# shellcheck source=scripts/lib/check.sh
source scripts/lib/check.sh

check_dockerfiles() {
  local file flag missing
  for file in Dockerfile.multistage Dockerfile.alpine; do
    missing=()
    for flag in "${required_flags[@]}"; do
      grep -qe "$flag" "$file" || missing+=("$flag")
    done
    if ((${#missing[@]})); then fail "$file builds without ${missing[*]}"; else pass "$file uses the reproducible build flags"; fi
  done
}

# The sections of two ELF files whose bytes differ (for the failure message).
differing_sections() {
  local a=$1 b=$2
  cmp -l "$a" "$b" 2>/dev/null | awk '{ print $1 - 1 }' | awk -v sections="$(readelf -S -W "$a" |
    sed -nE 's/^ *\[ *[0-9]+\] ([^ ]+) +[^ ]+ +[0-9a-f]+ ([0-9a-f]+) ([0-9a-f]+).*/\1 \2 \3/p')" '
    BEGIN { n = split(sections, s, "\n"); for (i = 1; i <= n; i++) { split(s[i], f, " "); name[i] = f[1]; off[i] = strtonum("0x" f[2]); size[i] = strtonum("0x" f[3]) } }
    { hit = "(outside sections)"; for (i = 1; i <= n; i++) if ($1 >= off[i] && $1 < off[i] + size[i]) { hit = name[i]; break } count[hit]++ }
    END { for (h in count) printf "%s (%d bytes) ", h, count[h] }'
}

work=$(mktemp -d "${TMPDIR:-/tmp}/reproducible.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
# Different names and depths, so any path that leaks shows up as a difference.
dirs=("$work/one" "$work/second/checkout-two")
for dir in "${dirs[@]}"; do
  mkdir -p "$dir"
  if [[ "${WORKTREE:-0}" == 1 ]]; then
    git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} sh -c 'test -e "{}" && echo "{}"' |
      tar -cf - -T - | tar -xf - -C "$dir"
  else
    git archive HEAD | tar -xf - -C "$dir"
  fi
done
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || echo 0)
export SOURCE_DATE_EPOCH

check_dockerfiles
for i in 0 1; do
  dir=${dirs[$i]}
  echo "building in $dir"
  start=$(date +%s)
  static_build "$dir" "$work/map-$i" >"$work/build-$i.log" 2>&1 || { tail -n 30 "$work/build-$i.log"; fail "build in $dir"; check_summary; exit 1; }
  echo "  built in $(($(date +%s) - start)) s"
  # As in the Dockerfiles: the debug information into demo-server.debug, the binary stripped and
  # given a debug link (the file's name and CRC32) to it.
  out="$work/out-$i"
  mkdir -p "$out"
  cp "$dir/.build/release/demo-server" "$out/demo-server.full"
  (cd "$out" && objcopy --only-keep-debug demo-server.full demo-server.debug &&
    strip -o demo-server.stripped demo-server.full &&
    objcopy --add-gnu-debuglink=demo-server.debug demo-server.stripped demo-server)
done

for kind in demo-server:"stripped binary with debug link (what the images ship)" demo-server.full:"unstripped binary" demo-server.debug:"debug-info file"; do
  name=${kind%%:*} what=${kind#*:}
  a="$work/out-0/$name" b="$work/out-1/$name"
  sum_a=$(sha256sum "$a" | cut -d' ' -f1) sum_b=$(sha256sum "$b" | cut -d' ' -f1)
  echo "  $what: $sum_a"
  echo "  $what: $sum_b"
  if [[ "$sum_a" == "$sum_b" ]]; then pass "$what is byte-identical in both directories"
  else fail "$what differs in: $(differing_sections "$a" "$b")"; fi
done
build_id=$(readelf -n "$work/out-0/demo-server" | sed -n 's/.*Build ID: //p')
echo "  build id: $build_id"

# No path of either checkout left anywhere in the binary or its debug information.
if grep -qaF -e "$work" "$work/out-0/demo-server.full" "$work/out-1/demo-server.full"; then fail "a build directory's path is embedded"
else pass "no build directory path is embedded"; fi

if [[ -n "${1:-}" ]]; then
  [[ "$1" == --image && -n "${2:-}" ]] || { echo "usage: $0 [--image IMAGE]" >&2; exit 64; }
  # shellcheck source=scripts/lib/images.sh
  source scripts/lib/images.sh
  img_init_docker
  id=$("$DOCKER" create "$2")
  "$DOCKER" cp "$id:/demo-server" "$work/image-binary" >/dev/null
  "$DOCKER" rm -f -v "$id" >/dev/null
  image_sum=$(sha256sum "$work/image-binary" | cut -d' ' -f1)
  echo "  /demo-server in $2: $image_sum"
  if [[ "$image_sum" == "$(sha256sum "$work/out-0/demo-server" | cut -d' ' -f1)" ]]; then
    pass "the image's binary is byte-identical with the host build"
  elif [[ "${REQUIRE_IMAGE_MATCH:-0}" == 1 ]]; then
    fail "the image's binary differs from the host build"
  else
    echo "NOTE the image's binary differs from the host build (a different toolchain or Debian libraries in its builder?)"
  fi
fi
cd "$repo"
check_summary
check_ok
