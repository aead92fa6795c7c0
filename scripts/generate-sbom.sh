#!/usr/bin/env bash
# Writes a CycloneDX 1.5 JSON SBOM of the fully static demo-server binary: what the linker put into
# it, with versions read where the build happened (never typed here):
#   - our modules and the Swift package dependencies: the object files in the link map, grouped by
#     the folder their sources live in (Sources/<module> of this package, or of a checkout under
#     .build/checkouts/<package>), with versions from DemoConfiguration.swift and Package.resolved;
#   - the Swift runtime and standard library, FoundationEssentials and libdispatch: the toolchain's
#     static archives in the link map, with the toolchain version from `swift --version`;
#   - every other archive or object file in the link map (glibc's libc.a, SQLite's libsqlite3.a,
#     GCC's libstdc++.a and libgcc.a, ...): the Debian package that owns it (`dpkg -S`) and that
#     package's installed version (`dpkg-query`), with a purl (pkg:deb/...) and, for the upstreams
#     the NVD tracks, a CPE, so a scanner can match them;
#   - archives built from source in the builder (the PostgreSQL variant's libpq): the SOURCE file
#     beside them (key=value lines written by scripts/build-libpq.sh: name, version, debian-source,
#     sha256 of the source tarball, description, cpe).
# It needs only bash, coreutils, sed, awk, dpkg and swift: the builder image has no python3 or jq.
#
# Usage: scripts/generate-sbom.sh --binary FILE --link-map FILE [--package-dir DIR] [--output FILE]
#   --binary     the binary that ships (stripped); its SHA-256 goes into the SBOM
#   --link-map   the linker's map of that binary (`-Xlinker -Map=FILE` on the `swift build` line)
#   --package-dir the package root with Package.resolved and .build/checkouts (default: .)
#   --output     where to write the SBOM (default: standard output)
# Environment: SOURCE_DATE_EPOCH, when set, becomes metadata.timestamp (otherwise there is none,
#   so the same inputs always give the same bytes).
set -euo pipefail

binary="" link_map="" package_dir=. output=/dev/stdout
while (($#)); do
  case $1 in
    --binary) binary=$2; shift 2 ;;
    --link-map) link_map=$2; shift 2 ;;
    --package-dir) package_dir=$2; shift 2 ;;
    --output) output=$2; shift 2 ;;
    *) echo "generate-sbom.sh: unknown argument '$1' (see the header for usage)" >&2; exit 64 ;;
  esac
done
[[ -f "$binary" ]] || { echo "generate-sbom.sh: --binary FILE is required and must exist" >&2; exit 64; }
[[ -f "$link_map" ]] || { echo "generate-sbom.sh: --link-map FILE is required and must exist" >&2; exit 64; }
[[ -f "$package_dir/Package.resolved" ]] || { echo "generate-sbom.sh: no Package.resolved in $package_dir (run swift package resolve)" >&2; exit 64; }
package_dir=$(cd "$package_dir" && pwd -P)

die() { echo "generate-sbom.sh: $*" >&2; exit 1; }
json() { # a JSON string literal
  local s=$1
  s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\t'/\\t}; s=${s//$'\n'/\\n}
  printf '"%s"' "$s"
}
purl_escape() { local s=$1; s=${s//%/%25}; s=${s//+/%2B}; s=${s//@/%40}; printf '%s' "$s"; }

# --- What was linked: absolute paths of archives and object files named in the map. Archive
# members appear as `/path/libx.a(member.o)`; the map lists every input, used or not, only once
# a member is pulled in, so an archive named here contributed code.
mapfile -t inputs < <(grep -oE '/[^ ()]+\.(a|o)\(' "$link_map" | sed 's/($//' | sort -u
                      grep -oE '^ ?/[^ ()]+\.o$|[[:space:]]/[^ ()]+\.o$' "$link_map" | tr -d ' \t' | sort -u)
mapfile -t inputs < <(printf '%s\n' "${inputs[@]}" | sort -u)
((${#inputs[@]})) || die "no input files found in the link map $link_map"

# --- Versions read from the build environment.
swift_line=$(swift --version 2>/dev/null | head -n 1)
swift_version=$(sed -nE 's/.*Swift version ([0-9]+\.[0-9]+(\.[0-9]+)?).*/\1/p' <<<"$swift_line")
swift_tag=$(sed -nE 's/.*\((swift-[^)]+)\).*/\1/p' <<<"$swift_line")
[[ -n "$swift_version" ]] || die "cannot read the toolchain version from '$swift_line'"
[[ "$swift_version" == *.*.* ]] || swift_version="$swift_version.0"
app_version=$(sed -n 's/.*static let current = "\([^"]*\)".*/\1/p' "$package_dir/Sources/DemoApp/Configuration/DemoConfiguration.swift" | head -n 1)
[[ -n "$app_version" ]] || die "cannot read DemoVersion.current"
# shellcheck disable=SC1091 # the build machine's own file
os_id=$( . /etc/os-release && echo "$ID-$VERSION_ID")
# shellcheck disable=SC1091
os_name=$( . /etc/os-release && echo "$ID")
# The toolchain's own libraries: lib/swift_static and lib/swift under its prefix. (Not all of
# lib/: in the swift images the prefix is /usr, and /usr/lib also holds Debian's libc.a.)
toolchain_lib=$(cd "$(dirname "$(readlink -f "$(command -v swift)")")/../lib" && pwd -P)

# Package.resolved (format 2 or 3), as SwiftPM pretty-prints it: one key per line.
declare -A pin_version pin_revision pin_location
identity=""
while IFS= read -r line; do
  case $line in
    *'"identity"'*) identity=$(sed -E 's/.*: *"([^"]*)".*/\1/' <<<"$line") ;;
    *'"location"'*) pin_location[$identity]=$(sed -E 's/.*: *"([^"]*)".*/\1/' <<<"$line") ;;
    *'"revision"'*) pin_revision[$identity]=$(sed -E 's/.*: *"([^"]*)".*/\1/' <<<"$line") ;;
    # A pin's version is a string; the file's own format "version" (a number) is not.
    *'"version"'*:*'"'*) [[ -n "$identity" ]] && pin_version[$identity]=$(sed -E 's/.*: *"([^"]*)".*/\1/' <<<"$line") ;;
  esac
done <"$package_dir/Package.resolved"

# --- Sort the inputs into components.
declare -A our_modules dep_modules deb_files toolchain_group module_owner source_built
for path in "${inputs[@]}"; do
  path=$(readlink -m "$path") # /usr/bin/../lib/gcc/... and /lib -> /usr/lib, as dpkg knows them
  case $path in
    */.build/*/*.build/*)
      # .build/<triple>/<configuration>/<Module>.build/...: C targets keep their sources' folders
      # (BoringSSL's crypto/aes/aes.cc.o), Swift targets put objects at the top.
      module_dir=$(sed -E 's#^(.*/\.build/[^/]+/[^/]+/[^/]+\.build)/.*$#\1#' <<<"$path")
      module=$(basename "$module_dir" .build)
      # SwiftPM names a module's build folder after its C99 name: demo-server builds in demo_server.build.
      if [[ -d "$package_dir/Sources/$module" ]]; then
        our_modules[$module]=1
      elif [[ -d "$package_dir/Sources/${module//_/-}" ]]; then
        our_modules[${module//_/-}]=1
      else
        if [[ -z "${module_owner[$module]:-}" ]]; then
          owner=""
          for checkout in "$package_dir"/.build/checkouts/*/; do
            [[ -d "$checkout/Sources/$module" ]] && owner=$(basename "$checkout")
          done
          # A target whose folder is not named after it (e.g. postgres-nio's _ConnectionPoolModule lives
          # in Sources/ConnectionPoolModule): its build folder's dependency files and output file
          # map name the sources it was compiled from, inside the owning checkout.
          if [[ -z "$owner" ]]; then
            owner=$(grep -rhoE --include='*.d' --include='*.json' '/\.build/checkouts/[^/]+/' "$module_dir" 2>/dev/null \
                      | head -n 1 | cut -d/ -f4) || true
          fi
          [[ -n "$owner" ]] || die "module $module (from $path) belongs to no package checkout"
          module_owner[$module]=$owner
        fi
        owner=${module_owner[$module]}
        dep_modules[$owner]+="${dep_modules[$owner]:+ }$module"
      fi
      ;;
    "$toolchain_lib"/swift_static/* | "$toolchain_lib"/swift/*)
      case $(basename "$path") in
        libFoundation*|lib_Foundation*) toolchain_group[swift-foundation]+=" $(basename "$path")" ;;
        libdispatch.a|libBlocksRuntime.a|libswiftDispatch.a) toolchain_group[swift-corelibs-libdispatch]+=" $(basename "$path")" ;;
        *) toolchain_group[swift]+=" $(basename "$path")" ;;
      esac
      ;;
    *)
      if [[ -f "$(dirname "$path")/SOURCE" ]]; then
        source_built[$(dirname "$path")]+=" $(basename "$path")"
        continue
      fi
      owner=$(dpkg -S "$path" 2>/dev/null | head -n 1 | cut -d: -f1) || true
      [[ -n "$owner" ]] || die "$path was linked in but no Debian package owns it"
      deb_files[$owner]+="${deb_files[$owner]:+ }$(basename "$path")"
      ;;
  esac
done

# --- Write the document.
components=() refs=()
add() { components+=("$1"); refs+=("$2"); }
files_property() { printf '{"name":"linked-files","value":%s}' "$(json "$(tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -u | paste -sd' ')")"; }

for module in $(printf '%s\n' "${!our_modules[@]}" | sort); do
  add "$(printf '{"type":"library","bom-ref":%s,"name":%s,"version":%s,"description":"A module of this package","properties":[{"name":"swift:module","value":%s}]}' \
    "$(json "module:$module")" "$(json "$module")" "$(json "$app_version")" "$(json "$module")")" "module:$module"
done

for package in $(printf '%s\n' "${!dep_modules[@]}" | sort); do
  version=${pin_version[$package]:-}
  location=${pin_location[$package]:-}
  [[ -n "$version" && -n "$location" ]] || die "$package is linked in but has no version in Package.resolved"
  repo=$(sed -E 's#^https?://##; s#\.git$##' <<<"$location")
  namespace=${repo%/*}
  name=${repo##*/}
  modules=$(tr ' ' '\n' <<<"${dep_modules[$package]}" | sort -u | paste -sd' ')
  add "$(printf '{"type":"library","bom-ref":%s,"name":%s,"version":%s,"purl":%s,"externalReferences":[{"type":"vcs","url":%s}],"properties":[{"name":"swift:modules","value":%s},{"name":"swiftpm:resolved-revision","value":%s}]}' \
    "$(json "pkg:$package")" "$(json "$name")" "$(json "$version")" "$(json "pkg:swift/$namespace/$name@$version")" \
    "$(json "$location")" "$(json "$modules")" "$(json "${pin_revision[$package]:-unknown}")")" "pkg:$package"
done

for group in swift swift-foundation swift-corelibs-libdispatch; do
  [[ -n "${toolchain_group[$group]:-}" ]] || continue
  case $group in
    swift) name="swift"; description="Swift runtime and standard library (static, from the toolchain)"
           cpe=",\"cpe\":$(json "cpe:2.3:a:apple:swift:$swift_version:*:*:*:*:*:*:*")" ;;
    swift-foundation) name="swift-foundation"; description="FoundationEssentials (static, from the toolchain)"; cpe="" ;;
    *) name="swift-corelibs-libdispatch"; description="libdispatch (static, from the toolchain)"; cpe="" ;;
  esac
  add "$(printf '{"type":"library","bom-ref":%s,"name":%s,"version":%s,"description":%s,"purl":%s%s,"properties":[%s,{"name":"swift:toolchain","value":%s}]}' \
    "$(json "toolchain:$group")" "$(json "$name")" "$(json "$swift_version")" "$(json "$description")" \
    "$(json "pkg:github/swiftlang/$group@${swift_tag:-swift-$swift_version-RELEASE}")" "$cpe" \
    "$(files_property "${toolchain_group[$group]}")" "$(json "$swift_line")")" "toolchain:$group"
done

for package in $(printf '%s\n' "${!deb_files[@]}" | sort); do
  IFS=$'\t' read -r version arch source source_version upstream < <(
    dpkg-query -W -f='${Version}\t${Architecture}\t${source:Package}\t${source:Version}\t${source:Upstream-Version}\n' "$package")
  [[ -n "$version" ]] || die "dpkg-query knows no version of $package"
  upstream_qualifier=$source
  [[ "$source_version" == "$version" ]] || upstream_qualifier="$source@$source_version"
  purl="pkg:deb/$os_name/$package@$(purl_escape "$version")?arch=$arch&upstream=$(purl_escape "$upstream_qualifier")&distro=$os_id"
  case $source in
    glibc) cpe="cpe:2.3:a:gnu:glibc:$upstream:*:*:*:*:*:*:*" ;;
    sqlite3) cpe="cpe:2.3:a:sqlite:sqlite:$upstream:*:*:*:*:*:*:*" ;;
    openssl) cpe="cpe:2.3:a:openssl:openssl:$upstream:*:*:*:*:*:*:*" ;;
    gcc-*) cpe="cpe:2.3:a:gnu:gcc:$upstream:*:*:*:*:*:*:*" ;;
    *) cpe="" ;;
  esac
  add "$(printf '{"type":"library","bom-ref":%s,"name":%s,"version":%s,"description":%s,"purl":%s%s,"properties":[%s,{"name":"debian:package-version","value":%s},{"name":"debian:source","value":%s}]}' \
    "$(json "deb:$package")" "$(json "$source")" "$(json "$upstream")" \
    "$(json "Linked statically from the Debian package $package $version")" "$(json "$purl")" \
    "${cpe:+,\"cpe\":$(json "$cpe")}" "$(files_property "${deb_files[$package]}")" "$(json "$version")" \
    "$(json "$source $source_version")")" "deb:$package"
done

for directory in $(printf '%s\n' "${!source_built[@]}" | sort); do
  field() { sed -n "s/^$1=//p" "$directory/SOURCE"; }
  name=$(field name) version=$(field version)
  [[ -n "$name" && -n "$version" ]] || die "$directory/SOURCE names no name= and version="
  cpe=$(field cpe)
  add "$(printf '{"type":"library","bom-ref":%s,"name":%s,"version":%s,"description":%s,"purl":%s%s,"properties":[%s,{"name":"debian:source","value":%s},{"name":"source:sha256","value":%s}]}' \
    "$(json "source:$name")" "$(json "$name")" "$(json "$version")" "$(json "$(field description)")" \
    "$(json "pkg:generic/$name@$(purl_escape "$version")")" "${cpe:+,\"cpe\":$(json "$cpe")}" \
    "$(files_property "${source_built[$directory]}")" "$(json "$(field debian-source)")" "$(json "$(field sha256)")")" "source:$name"
done

sha256=$(sha256sum "$binary" | cut -d' ' -f1)
timestamp=""
if [[ -n "${SOURCE_DATE_EPOCH:-}" ]]; then
  timestamp="\"timestamp\":$(json "$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)"),"
fi
depends=$(printf '%s\n' "${refs[@]}" | while read -r ref; do json "$ref"; echo; done | paste -sd,)
{
  printf '{\n"bomFormat":"CycloneDX",\n"specVersion":"1.5",\n"version":1,\n'
  printf '"metadata":{%s"tools":{"components":[{"type":"application","name":"generate-sbom.sh","description":"scripts/generate-sbom.sh of swift-tiny-container: the link map, Package.resolved, swift --version and dpkg"}]},\n' "$timestamp"
  printf '"component":{"type":"application","bom-ref":"demo-server","name":"demo-server","version":%s,"description":"swift-tiny-container: a fully static Swift web service","hashes":[{"alg":"SHA-256","content":%s}]}},\n' \
    "$(json "$app_version")" "$(json "$sha256")"
  printf '"components":[\n'
  for i in "${!components[@]}"; do
    ((i == 0)) || printf ',\n'
    printf '%s' "${components[$i]}"
  done
  printf '\n'
  printf '],\n"dependencies":[{"ref":"demo-server","dependsOn":[%s]}]\n}\n' "$depends"
} >"$output"
