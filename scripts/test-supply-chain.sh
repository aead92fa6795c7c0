#!/usr/bin/env bash
# Checks what the images ship besides the service (docs/supply-chain.md):
#   - the SBOM (/app/sbom.cdx.json) in the multistage and alpine images is valid CycloneDX 1.5
#     (cyclonedx-python-lib's strict JSON schema validator, offline: the schemas ship in the
#     package), describes the binary that is in the image (SHA-256), lists our modules, swift-log,
#     the Swift runtime, glibc and SQLite with purls,
#     and its versions are the ones the binary reports (`demo-server --version`) and the labels say;
#     the PostgreSQL variant's (`--build-arg TRAITS=PostgreSQL`) lists libpq (PostgreSQL, built from
#     source) and OpenSSL as well, with the versions the binary reports, and ships the CA bundle;
#     the default image's lists neither and has no CA bundle;
#   - `docker build --target debug-info --output type=local,...` exports demo-server.debug, whose
#     build id is the shipped binary's and which the binary's debug link names;
#   - `--build-arg BACKTRACE=on` adds the backtracer and the debug file (the binary is the same),
#     and `docker kill --signal SEGV` on it, run hardened (read-only, no capabilities), prints a
#     backtrace naming this project's functions in `docker logs`; the default image has no
#     backtracer;
#   - the sizes of both variants (docs/image-comparison.md quotes them).
# Images are built under $IMAGE_REPOSITORY (default swift-tiny-container) with the tags
# multistage, alpine, multistage-backtrace and multistage-postgres. Needs python3 with pip (installs
# cyclonedx-python-lib[json-validation] when missing).
#
# Usage: scripts/test-supply-chain.sh
# Output: each check, then "N passed, N failed". Containers and temporary files it makes are removed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
# shellcheck source=scripts/lib/images.sh
source scripts/lib/images.sh
trap img_cleanup EXIT

# pass, fail, check, check_summary (scripts/lib/check.sh, sourced by images.sh).

img_init_docker
img_ensure_base_images
python3 -c 'import cyclonedx.validation.json' 2>/dev/null ||
  pip install -q "cyclonedx-python-lib[json-validation]>=8" >/dev/null 2>&1 ||
  img_die "cannot install cyclonedx-python-lib[json-validation] from PyPI"

work=""
img_new_temp_dir work
logs="$work/logs"
mkdir -p "$logs"

# Copies PATH out of IMAGE (works on scratch: nothing runs) to DEST.
extract() {
  local image=$1 path=$2 dest=$3 id
  id=$("$DOCKER" create --network host "$image") || return 1
  "$DOCKER" cp "$id:$path" "$dest" >/dev/null 2>&1
  local status=$?
  "$DOCKER" rm -f -v "$id" >/dev/null
  return $status
}

build() {
  local variant=$1 tag=$2
  shift 2
  local start
  start=$(img_now_ns)
  if IMG_TAG=$tag img_build "$variant" "$logs/$variant-${tag##*:}.log" "$@"; then
    pass "built $tag in $(img_seconds_since "$start") s"
  else
    fail "build $tag"
    return 1
  fi
}

default_image=$IMAGE_REPOSITORY:multistage
backtrace_image=$IMAGE_REPOSITORY:multistage-backtrace
build multistage "$default_image" || { check_summary; exit 1; }
build alpine "$IMAGE_REPOSITORY:alpine"
build multistage "$backtrace_image" --build-arg BACKTRACE=on
# The PostgreSQL variant (package trait): its SBOM must list libpq and OpenSSL, and the default
# image's neither. Cold, this build adds libpq's build from source to the default build's work
# (scripts/build-libpq.sh); its cache mount is keyed by the trait, so later runs take seconds.
postgres_image=$IMAGE_REPOSITORY:multistage-postgres
build multistage "$postgres_image" --build-arg TRAITS=PostgreSQL

# --- The SBOM.
check_sbom() {
  local image=$1 binary_path=$2 traits=${3:-} dir
  dir="$work/${image##*:}"
  mkdir -p "$dir"
  extract "$image" /app/sbom.cdx.json "$dir/sbom.cdx.json" || { fail "$image: no /app/sbom.cdx.json"; return; }
  extract "$image" "$binary_path" "$dir/demo-server" || { fail "$image: no $binary_path"; return; }
  "$dir/demo-server" --version >"$dir/version.txt" || { fail "$image: $binary_path --version"; return; }
  "$DOCKER" image inspect -f '{{json .Config.Labels}}' "$image" >"$dir/labels.json"
  sha256sum "$dir/demo-server" | cut -d' ' -f1 >"$dir/sha256"
  python3 - "$image" "$dir" "$traits" <<'PY'
import json, pathlib, sys
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

image, d, traits = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]
text = (d / "sbom.cdx.json").read_text()
validator = JsonStrictValidator(SchemaVersion.V1_5)
results = []
def rule(name, ok, detail=""):
    results.append(ok)
    print(("PASS " if ok else "FAIL ") + f"{image}: {name}" + ("" if ok or not detail else f" ({detail})"))

error = validator.validate_str(text)
rule("SBOM is valid CycloneDX 1.5 (strict schema)", error is None, str(error)[:300])
# The validator must be able to say no: the same document with an unknown field fails.
broken = json.loads(text); broken["components"][0]["unknownField"] = 1
rule("the validator rejects a broken copy", validator.validate_str(json.dumps(broken)) is not None)

sbom = json.loads(text)
by_name = {}
for c in sbom["components"]:
    by_name.setdefault(c["name"], []).append(c)
sha = (d / "sha256").read_text().strip()
hashes = {h["alg"]: h["content"] for h in sbom["metadata"]["component"].get("hashes", [])}
rule("SBOM describes the binary in the image (SHA-256)", hashes.get("SHA-256") == sha, f"{hashes.get('SHA-256')} vs {sha}")

version_lines = (d / "version.txt").read_text().split("\n")
reported = dict(l.split(" ", 1) for l in version_lines[1:] if " " in l)
rule("the binary's release is the SBOM's", version_lines[0] == sbom["metadata"]["component"]["version"])
for module in ["HTTPServer", "DemoApp", "demo-server", "CHTTPShims"]:
    rule(f"our module {module} is listed", module in by_name)
expect = {
    # SBOM component name: (--version name, purl prefix)
    "swift-log": ("swift-log", "pkg:swift/github.com/apple/swift-log@"),
    "swift": ("swift", "pkg:github/swiftlang/swift@"),
    "glibc": ("glibc", "pkg:deb/debian/libc6-dev@"),
    "sqlite3": ("sqlite", "pkg:deb/debian/libsqlite3-dev@"),
}
# What only the PostgreSQL trait links: libpq, built from the Debian source package (SBOM name
# postgresql, from the SOURCE file scripts/build-libpq.sh writes), and Debian's static OpenSSL;
# the binary reports both itself (PQlibVersion, OpenSSL_version), as it does SQLite.
if traits == "PostgreSQL":
    expect["postgresql"] = ("libpq", "pkg:generic/postgresql@")
    expect["openssl"] = ("openssl", "pkg:deb/debian/libssl-dev@")
    c = by_name.get("postgresql", [{}])[0]
    props = {p["name"]: p["value"] for p in c.get("properties", [])}
    rule("libpq names its Debian source package and the tarball's SHA-256",
         props.get("debian:source", "").startswith("postgresql-15 ") and len(props.get("source:sha256", "")) == 64, str(props)[:200])
    rule("libpq's archives are the ones linked", set(props.get("linked-files", "").split()) >= {"libpq.a", "libpgcommon_shlib.a", "libpgport_shlib.a"},
         props.get("linked-files", ""))
else:
    linked = sorted(n for n in ["postgresql", "openssl", "postgres-nio"] if n in by_name)
    rule("no library of the PostgreSQL trait is listed", not linked, ", ".join(linked))
for name, (version_name, purl) in expect.items():
    found = by_name.get(name, [])
    if not found:
        rule(f"{name} is listed", False, "missing"); continue
    c = found[0]
    rule(f"{name} {c['version']} is what the binary reports", reported.get(version_name) == c["version"],
         f"--version says {reported.get(version_name)}")
    rule(f"{name} has a purl ({c.get('purl', '')[:60]})", c.get("purl", "").startswith(purl))
# Neither variant links Foundation (the command line and JSON are read by hand,
# lab/performance.md): an SBOM listing it would describe another binary.
for name in ["swift-argument-parser", "swift-foundation", "postgres-nio", "swift-nio"]:
    rule(f"{name} is not listed (not linked)", name not in by_name)
for name in ["glibc", "sqlite3"] + (["postgresql", "openssl"] if traits else []):
    rule(f"{name} has a CPE", by_name.get(name, [{}])[0].get("cpe", "").startswith("cpe:2.3:a:"))
labels = json.loads((d / "labels.json").read_text()) or {}
rule("the sqlite label is the SBOM's version",
     labels.get("swift-tiny-container.sqlite.version") == by_name["sqlite3"][0]["version"], str(labels.get("swift-tiny-container.sqlite.version")))
rule("the glibc label is the SBOM's version",
     labels.get("swift-tiny-container.glibc.version") == by_name["glibc"][0]["version"], str(labels.get("swift-tiny-container.glibc.version")))
print("SBOM components: " + ", ".join(f"{c['name']} {c['version']}" for c in sbom["components"]))
sys.exit(0 if all(results) else 1)
PY
}
while read -r line; do
  case $line in PASS*) pass "${line#PASS }" ;; FAIL*) fail "${line#FAIL }" ;; *) echo "$line" ;; esac
done < <(check_sbom "$default_image" /demo-server; check_sbom "$IMAGE_REPOSITORY:alpine" /usr/local/bin/demo-server
         check_sbom "$postgres_image" /demo-server PostgreSQL)

# --- CA certificates: only the PostgreSQL variant verifies servers (sslmode=verify-ca/verify-full
# without sslrootcert trusts this bundle); the default image makes no TLS connection and has none.
check "$postgres_image ships the CA bundle at /etc/ssl/certs/ca-certificates.crt" \
  extract "$postgres_image" /etc/ssl/certs/ca-certificates.crt "$work/postgres-ca.crt"
check "$postgres_image's CA bundle holds certificates" grep -q "BEGIN CERTIFICATE" "$work/postgres-ca.crt"
not_extracted() { ! extract "$@"; }
check "$default_image ships no CA bundle" not_extracted "$default_image" /etc/ssl/certs/ca-certificates.crt "$work/default-ca.crt"

# --- The debug information, exported with --output.
debug_dir="$work/debug-info"
if DOCKER_BUILDKIT=1 "$DOCKER" build --network host -f Dockerfile.multistage --target debug-info \
    --output "type=local,dest=$debug_dir" . >"$logs/debug-info.log" 2>&1 && [[ -f "$debug_dir/demo-server.debug" ]]; then
  pass "--target debug-info --output type=local exports demo-server.debug and sbom.cdx.json ($(img_mb "$(stat -c %s "$debug_dir/demo-server.debug")") MB)"
  build_id() { readelf -n "$1" 2>/dev/null | sed -n 's/.*Build ID: //p'; }
  shipped_id=$(build_id "$work/multistage/demo-server")
  debug_id=$(build_id "$debug_dir/demo-server.debug")
  check "the debug file's build id is the shipped binary's ($shipped_id)" test -n "$shipped_id" -a "$shipped_id" = "$debug_id"
  check "the shipped binary's debug link names demo-server.debug" \
    bash -c "objcopy --dump-section .gnu_debuglink=/dev/stdout '$work/multistage/demo-server' 2>/dev/null | tr -d '\\0' | grep -qa '^demo-server.debug'"
  check "the shipped binary has no symbol table (stripped)" bash -c "! readelf -S '$work/multistage/demo-server' | grep -q '\\.symtab'"
  check "the debug file has the symbols of our functions" bash -c "nm '$debug_dir/demo-server.debug' | grep -q 'EventLoop'"
else
  fail "--target debug-info --output type=local (see $logs/debug-info.log)"
  tail -n 20 "$logs/debug-info.log"
fi

# --- The backtrace variant.
mkdir -p "$work/backtrace"
if extract "$backtrace_image" /demo-server "$work/backtrace/demo-server"; then
  check "BACKTRACE=on ships the same binary" cmp -s "$work/backtrace/demo-server" "$work/multistage/demo-server"
fi
check "BACKTRACE=on adds the backtracer" extract "$backtrace_image" /usr/libexec/swift/linux/swift-backtrace-static "$work/backtrace/bt"
check "BACKTRACE=on adds the debug file" extract "$backtrace_image" /demo-server.debug "$work/backtrace/debug"
if extract "$default_image" /usr/libexec/swift/linux/swift-backtrace-static "$work/none"; then
  fail "the default image has no backtracer"
else
  pass "the default image has no backtracer"
fi
size_default=$("$DOCKER" image inspect -f '{{.Size}}' "$default_image")
size_backtrace=$("$DOCKER" image inspect -f '{{.Size}}' "$backtrace_image")
echo "sizes: default $(img_mb "$size_default") MB, BACKTRACE=on $(img_mb "$size_backtrace") MB (+$(img_mb $((size_backtrace - size_default))) MB)"

port=$(img_free_port)
volume="" crasher=""
img_new_volume volume
if img_run crasher "$backtrace_image" "$port" "${IMG_HARDENED[@]}" -v "$volume:/data" && img_wait_200 "http://127.0.0.1:$port/healthz" 30; then
  # /metrics reports what --version reports (the same BuildInfo); compare it with the SBOM too.
  metrics_line=$(curl -s --max-time 5 "http://127.0.0.1:$port/metrics" | grep '^demo_build_info{')
  sbom_versions=$(python3 -c 'import json, sys
c = {x["name"]: x["version"] for x in json.load(open(sys.argv[1]))["components"]}
pairs = [("swift", "swift"), ("swift_log", "swift-log"), ("sqlite", "sqlite3"), ("glibc", "glibc")]
print(",".join("%s=\"%s\"" % (label, c[name]) for label, name in pairs))' "$work/multistage/sbom.cdx.json" 2>/dev/null)
  check "/metrics demo_build_info has the SBOM's versions ($sbom_versions)" \
    test -n "$sbom_versions" -a -n "$metrics_line" -a "${metrics_line/$sbom_versions/}" != "$metrics_line"
  "$DOCKER" kill --signal SEGV "$crasher" >/dev/null
  # Wait for the backtracer to finish (its last line is "Backtrace took ..."), at most 60 s. The
  # server then goes on: it is PID 1, and the kernel does not apply a default action to init for a
  # signal sent from outside; a real fault would end it.
  for ((i = 0; i < 300; i++)); do
    "$DOCKER" logs "$crasher" >"$work/backtrace/log" 2>&1
    grep -q 'Backtrace took' "$work/backtrace/log" && break
    sleep 0.2
  done
  check "SIGSEGV prints a backtrace (\"Program crashed\")" grep -q 'Program crashed' "$work/backtrace/log"
  check "the backtrace names this project's functions" grep -qE 'EventLoop\.|HTTPServer\.|DemoServer\.|DemoApplication\.' "$work/backtrace/log"
  echo "--- backtrace excerpt"
  grep -E 'crashed|Thread [0-9]|EventLoop|HTTPServer|DemoServer|Backtrace took' "$work/backtrace/log" | head -n 12
  echo "---"
else
  fail "the BACKTRACE=on image starts and answers /healthz"
  "$DOCKER" logs "${crasher:-none}" 2>&1 | tail -n 20
fi

check_summary
check_ok
