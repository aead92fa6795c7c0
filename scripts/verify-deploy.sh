#!/usr/bin/env bash
# Verifies the deployment files: compose.yaml and deploy/kubernetes/.
#
#   1. kustomize render of deploy/kubernetes (`kubectl kustomize`, or `kustomize build`; with
#      neither installed, the files the kustomization lists, which are complete on their own);
#   2. kubernetes-validate --strict on the render, offline, against Kubernetes 1.30 (the oldest
#      version the manifests support: the preStop `sleep` action) and 1.37;
#   3. the project's own rules on the render and on compose.yaml: single replica with Recreate,
#      the pod's and compose's user = the USER of Dockerfile.multistage, read-only root, no
#      capabilities, grace periods longer than SHUTDOWN_TIMEOUT, probes, limits, PDB that lets
#      drains through, NetworkPolicy with ingress on 8080 only and no egress, and so on;
#   4. checkov on the three Dockerfiles and the manifests (skips must carry a reason);
#   5. `docker-compose config -q` (or `docker compose config -q`);
#   6. the multistage image run with the pod's own settings, read from the rendered Deployment
#      (user, group, fsGroup, read-only root, dropped capabilities, no-new-privileges, memory and
#      CPU limits, environment), on a named volume: /healthz, /readyz, POST /api/visits, the page
#      shows the uid, the HEALTHCHECK command, the kernel's view of the process, a clean stop
#      within SHUTDOWN_TIMEOUT, visits kept on the volume; then compose.yaml itself is brought up
#      (published on a free port: the one difference, see scripts/lib/images.sh) and down again.
#
# Usage: scripts/verify-deploy.sh           (from anywhere; idempotent; CI calls it)
# Environment (all optional):
#   VERIFY_DEPLOY_TOOLS  where the pinned tools' virtualenvs are kept between runs
#                        (default: ~/.cache/swift-tiny-container/verify-deploy-tools)
#   SKIP_RUNTIME=1       only the static checks (1-5): no Docker engine needed
#   DOCKER, IMAGE_REPOSITORY, OFFLINE_BASE_IMAGES: as for scripts/test-images.sh
# Output: one line per check; the last line is "N passed, N failed". Exit status 1 on any failure.
#
# The first run installs checkov and kubernetes-validate from PyPI into their own virtualenvs
# (measured here: checkov ~3.5 min, kubernetes-validate ~25 s; later runs reuse them), and
# docker-compose from Debian when no Compose is installed. If the multistage image is missing it
# is built (several minutes), after waiting for any other `docker build` on the machine to end.
# Functions named in `check DESCRIPTION FUNCTION` and traps are called indirectly:
# shellcheck disable=SC2329
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

CHECKOV_VERSION=3.3.30
KUBERNETES_VALIDATE_VERSION=1.37.0
KUBERNETES_VERSIONS=(1.30.0 1.37.0)
TOOLS_DIR="${VERIFY_DEPLOY_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/swift-tiny-container/verify-deploy-tools}"
MANIFESTS=deploy/kubernetes
DOCKERFILES=(Dockerfile.naive Dockerfile.alpine Dockerfile.multistage)

# pass, fail, skip, check, check_summary, check_free_port, check_wait_200.
# shellcheck source=scripts/lib/check.sh
source scripts/lib/check.sh
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/verify-deploy.XXXXXX") || exit 1
COMPOSE_PROJECT=""
COMPOSE_FILE_RUN=""
finish() {
  if [[ -n "$COMPOSE_PROJECT" ]]; then
    "${COMPOSE[@]}" -p "$COMPOSE_PROJECT" -f "$COMPOSE_FILE_RUN" down -v --timeout 15 >/dev/null 2>&1 || true
  fi
  declare -F img_cleanup >/dev/null && img_cleanup
  rm -rf -- "$WORK"
  check_summary
}
trap finish EXIT
trap 'exit 130' INT TERM

seconds_since() { awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }

# ---------------------------------------------------------------------------------------------
# Tools: pinned versions, each in its own virtualenv (their dependencies never meet each other's
# or the system's), kept between runs; the directory name carries the version, so changing a pin
# installs afresh.

# ensure_tool PACKAGE VERSION: sets TOOL_BIN to the virtualenv's bin directory.
ensure_tool() {
  local package=$1 version=$2 dir start
  dir="$TOOLS_DIR/$package-$version"
  if [[ ! -f "$dir/.installed" ]]; then
    log "installing $package==$version into $dir"
    rm -rf -- "$dir"
    mkdir -p "$TOOLS_DIR" || return 1
    start=$(date +%s%N)
    python3 -m venv "$dir" || return 1
    # Bounded: a hung index must not eat CI's time budget.
    if ! timeout 900 "$dir/bin/pip" install -q --disable-pip-version-check --no-input \
        "$package==$version" >"$WORK/pip-$package.log" 2>&1; then
      tail -n 20 "$WORK/pip-$package.log" >&2
      rm -rf -- "$dir"
      return 1
    fi
    touch "$dir/.installed"
    log "installed $package==$version in $(seconds_since "$start") s"
  fi
  TOOL_BIN="$dir/bin"
}

TOOL_BIN=""
if ensure_tool kubernetes-validate "$KUBERNETES_VALIDATE_VERSION"; then
  KV_BIN=$TOOL_BIN
  pass "kubernetes-validate $KUBERNETES_VALIDATE_VERSION installed"
else
  KV_BIN=""
  fail "kubernetes-validate $KUBERNETES_VALIDATE_VERSION installed"
fi
if ensure_tool checkov "$CHECKOV_VERSION"; then
  CHECKOV_BIN=$TOOL_BIN
  pass "checkov $CHECKOV_VERSION installed"
else
  CHECKOV_BIN=""
  fail "checkov $CHECKOV_VERSION installed"
fi
# A Python with PyYAML for the rule checks: kubernetes-validate's, else the system's.
PYTHON=python3
[[ -n "$KV_BIN" && -x "$KV_BIN/python" ]] && PYTHON="$KV_BIN/python"

# Compose: v2 (`docker compose`) when the CLI has it, else v1 (`docker-compose`, Debian 12's
# package, installed here when neither is present).
COMPOSE=()
find_compose() {
  if docker compose version >/dev/null 2>&1; then
    COMPOSE=(docker compose)
  elif command -v docker-compose >/dev/null 2>&1; then
    COMPOSE=(docker-compose)
  else
    return 1
  fi
}
if ! find_compose && command -v apt-get >/dev/null 2>&1 && ((EUID == 0)); then
  log "no Compose found: installing Debian's docker-compose"
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get install -y -qq --no-install-recommends docker-compose >/dev/null 2>&1 ||
    { timeout 300 apt-get update -qq >/dev/null 2>&1 &&
      timeout 600 apt-get install -y -qq --no-install-recommends docker-compose >/dev/null 2>&1; }
  find_compose
fi
if ((${#COMPOSE[@]})); then
  pass "compose available: ${COMPOSE[*]} ($("${COMPOSE[@]}" version --short 2>/dev/null || echo '?'))"
else
  fail "compose available (docker compose or docker-compose)"
fi

# ---------------------------------------------------------------------------------------------
# 1. Render

RENDERED="$WORK/rendered.yaml"
render() {
  if command -v kubectl >/dev/null 2>&1 && kubectl kustomize "$MANIFESTS" >"$RENDERED" 2>"$WORK/render.err"; then
    RENDERER="kubectl kustomize"
  elif command -v kustomize >/dev/null 2>&1 && kustomize build "$MANIFESTS" >"$RENDERED" 2>"$WORK/render.err"; then
    RENDERER="kustomize build"
  else
    # No renderer: the resources the kustomization lists, as they are. Each file names its
    # namespace and labels itself, so this is the render less the common labels and the image
    # override (the image named in deployment.yaml is already the default one).
    RENDERER="resource files (no kustomize installed)"
    "$PYTHON" - "$MANIFESTS" >"$RENDERED" 2>>"$WORK/render.err" <<'PY' || return 1
import pathlib, sys, yaml
root = pathlib.Path(sys.argv[1])
k = yaml.safe_load((root / "kustomization.yaml").read_text())
print("\n---\n".join((root / r).read_text() for r in k["resources"]))
PY
  fi
}
if render && [[ -s "$RENDERED" ]]; then
  pass "kustomize render of $MANIFESTS ($RENDERER, $(grep -c '^kind:' "$RENDERED") resources)"
else
  cat "$WORK/render.err" >&2 2>/dev/null
  fail "kustomize render of $MANIFESTS"
fi

# ---------------------------------------------------------------------------------------------
# 2. Schemas (the schemas ship inside kubernetes-validate: no network needed)

# validate FILE WHAT: kubernetes-validate --strict on a render, once per Kubernetes version.
validate() {
  local file=$1 what=$2 out="$WORK/kv.out" version
  [[ -n "$KV_BIN" && -s "$file" ]] || return 0
  for version in "${KUBERNETES_VERSIONS[@]}"; do
    if "$KV_BIN/kubernetes-validate" --strict --quiet -k "$version" "$file" >"$out" 2>&1; then
      pass "kubernetes-validate --strict: $what valid for Kubernetes $version"
    else
      sed 's/^/     /' "$out"
      fail "kubernetes-validate --strict: $what valid for Kubernetes $version"
    fi
  done
}
validate "$RENDERED" "every resource"

# ---------------------------------------------------------------------------------------------
# 3. Compose file

COMPOSE_RENDERED="$WORK/compose.rendered.yaml"
if ((${#COMPOSE[@]})); then
  if "${COMPOSE[@]}" -f compose.yaml config -q >"$WORK/compose.err" 2>&1 &&
      "${COMPOSE[@]}" -f compose.yaml config >"$COMPOSE_RENDERED" 2>>"$WORK/compose.err"; then
    pass "${COMPOSE[*]} config -q: compose.yaml is valid"
  else
    sed 's/^/     /' "$WORK/compose.err"
    fail "${COMPOSE[*]} config -q: compose.yaml is valid"
  fi
fi

# ---------------------------------------------------------------------------------------------
# 4. The project's rules, on the render and the compose config. Each rule prints one ok/FAIL line.

rules() {
  "$PYTHON" - "$RENDERED" "$COMPOSE_RENDERED" Dockerfile.multistage "$MANIFESTS" <<'PY'
import json, pathlib, re, sys
import yaml

rendered, compose_path, dockerfile_path, manifests = sys.argv[1:5]
results = []
def rule(name, ok, detail=""):
    results.append((bool(ok), name + (f" ({detail})" if detail and not ok else "")))

# What the image says: USER uid:gid, EXPOSE, HEALTHCHECK command.
text = re.sub(r"\\\n", " ", pathlib.Path(dockerfile_path).read_text())
lines = [l.strip() for l in text.splitlines() if l.strip() and not l.strip().startswith("#")]
# The stage that ships: the last one, or the stage it starts from when it only selects one
# (`FROM runtime-${BACKTRACE}`, with the build argument at its default).
defaults = dict(l.split()[1].split("=", 1) for l in lines[:next(i for i, l in enumerate(lines) if l.upper().startswith("FROM "))]
                if l.upper().startswith("ARG ") and "=" in l)
starts = {l.split()[3]: i for i, l in enumerate(lines) if l.upper().startswith("FROM ") and len(l.split()) > 3}
start = max(i for i, l in enumerate(lines) if l.upper().startswith("FROM "))
base = re.sub(r"\$\{(\w+)\}", lambda m: defaults.get(m.group(1), ""), lines[start].split()[1])
while len(lines[start].split()) < 3 and base in starts:
    start = starts[base]
    base = lines[start].split()[1]
end = next((i for i in range(start + 1, len(lines)) if lines[i].upper().startswith("FROM ")), len(lines))
last_stage = lines[start:end]
user = [l.split()[1] for l in last_stage if l.upper().startswith("USER ")][-1]
uid, _, gid = user.partition(":")
uid, gid = int(uid), int(gid or uid)
exposed = [int(p.split("/")[0]) for l in last_stage if l.upper().startswith("EXPOSE ") for p in l.split()[1:]]
hc = [l for l in last_stage if l.upper().startswith("HEALTHCHECK ")][-1]
healthcheck = json.loads(hc[hc.index("CMD") + 3:].strip())
rule(f"Dockerfile.multistage: numeric non-root USER ({uid}:{gid})", uid != 0 and gid != 0)

def seconds(v):
    if isinstance(v, (int, float)): return float(v)
    total = 0.0
    for n, u in re.findall(r"([\d.]+)(ms|us|ns|h|m|s)", str(v)):
        total += float(n) * {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}[u]
    return total

# ---- Kubernetes
def kubernetes_rules():
    try:
        docs = [d for d in yaml.safe_load_all(open(rendered)) if d]
    except Exception as e:
        docs = []
    if not docs:
        rule("k8s: a render to check", False, "render empty or unreadable")
        return
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], []).append(d)
    def one(kind):
        items = by_kind.get(kind, [])
        rule(f"k8s: exactly one {kind}", len(items) == 1, f"found {len(items)}")
        return items[0] if items else {}

    k = yaml.safe_load(open(pathlib.Path(manifests) / "kustomization.yaml"))
    files = {p.name for p in pathlib.Path(manifests).glob("*.yaml")} - {"kustomization.yaml"}
    rule("k8s: kustomization.yaml lists every manifest file, and only those", set(k.get("resources", [])) == files,
         f"listed {sorted(k.get('resources', []))}, present {sorted(files)}")
    rule("k8s: kustomization has an images: entry for swift-tiny-container",
         any(i.get("name") == "swift-tiny-container" for i in k.get("images", [])))

    dep, svc, pvc, pdb, np, sa = (one(x) for x in
        ("Deployment", "Service", "PersistentVolumeClaim", "PodDisruptionBudget", "NetworkPolicy", "ServiceAccount"))
    spec = dep.get("spec", {})
    pod = spec.get("template", {}).get("spec", {})
    pod_labels = spec.get("template", {}).get("metadata", {}).get("labels", {})
    annotations = spec.get("template", {}).get("metadata", {}).get("annotations", {})
    containers = pod.get("containers", [])
    c = containers[0] if containers else {}
    psc, csc = pod.get("securityContext", {}), c.get("securityContext", {})
    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    shutdown = float(env.get("SHUTDOWN_TIMEOUT", 10))
    selects = lambda sel: bool(sel) and all(pod_labels.get(k2) == v for k2, v in sel.items())

    rule("k8s: one replica (SQLite has one writer)", spec.get("replicas") == 1, f"replicas={spec.get('replicas')}")
    rule("k8s: strategy Recreate (old pod closes the database before the new one opens it)",
         spec.get("strategy", {}).get("type") == "Recreate")
    rule("k8s: one container", len(containers) == 1)
    rule("k8s: image swift-tiny-container:multistage (or a registry override)", "multistage" in str(c.get("image")) or "@sha256:" in str(c.get("image")), c.get("image"))
    rule("k8s: runAsNonRoot on pod and container", psc.get("runAsNonRoot") is True and csc.get("runAsNonRoot", True) is True)
    rule(f"k8s: runAsUser/runAsGroup/fsGroup = the image's {uid}:{gid}",
         (psc.get("runAsUser"), psc.get("runAsGroup"), psc.get("fsGroup")) == (uid, gid, gid)
         and csc.get("runAsUser", uid) == uid and csc.get("runAsGroup", gid) == gid,
         f"pod {psc.get('runAsUser')}:{psc.get('runAsGroup')} fsGroup {psc.get('fsGroup')}")
    rule("k8s: readOnlyRootFilesystem", csc.get("readOnlyRootFilesystem") is True)
    rule("k8s: allowPrivilegeEscalation false, not privileged",
         csc.get("allowPrivilegeEscalation") is False and not csc.get("privileged", False))
    rule("k8s: capabilities drop ALL, add none",
         csc.get("capabilities", {}).get("drop") == ["ALL"] and not csc.get("capabilities", {}).get("add"))
    rule("k8s: seccompProfile RuntimeDefault",
         (csc.get("seccompProfile") or psc.get("seccompProfile") or {}).get("type") == "RuntimeDefault")
    rule("k8s: no service-account token, dedicated ServiceAccount",
         pod.get("automountServiceAccountToken") is False and sa.get("automountServiceAccountToken") is False
         and pod.get("serviceAccountName") == sa.get("metadata", {}).get("name"))
    rule("k8s: no host namespaces", not any(pod.get(f) for f in ("hostNetwork", "hostPID", "hostIPC")))

    probe = lambda p: (c.get(p, {}).get("httpGet", {}) or {}).get("path")
    rule("k8s: livenessProbe GET /livez", probe("livenessProbe") == "/livez")
    rule("k8s: readinessProbe GET /readyz", probe("readinessProbe") == "/readyz")
    rule("k8s: startupProbe present", bool(c.get("startupProbe")))

    res = c.get("resources", {})
    rule("k8s: cpu and memory requests and limits set",
         all(res.get(a, {}).get(b) for a in ("requests", "limits") for b in ("cpu", "memory")))

    pre_stop = c.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
    grace = pod.get("terminationGracePeriodSeconds", 30)
    rule(f"k8s: terminationGracePeriodSeconds ({grace}) > preStop ({pre_stop}) + SHUTDOWN_TIMEOUT ({shutdown:g})",
         grace > pre_stop + shutdown)

    ports = {p.get("name"): p.get("containerPort") for p in c.get("ports", [])}
    app_port = int(env.get("PORT", 8080))
    rule(f"k8s: PORT = containerPort = EXPOSE ({app_port})", app_port in ports.values() and app_port in exposed,
         f"PORT {app_port}, containerPorts {ports}, EXPOSE {exposed}")
    rule("k8s: prometheus.io annotations (scrape, port, path /metrics)",
         annotations.get("prometheus.io/scrape") == "true" and annotations.get("prometheus.io/port") == str(app_port)
         and annotations.get("prometheus.io/path") == "/metrics")

    svc_ports = svc.get("spec", {}).get("ports", [])
    rule("k8s: Service selects the pod and targets the app port",
         selects(svc.get("spec", {}).get("selector", {}))
         and all(ports.get(p.get("targetPort"), p.get("targetPort")) == app_port for p in svc_ports) and svc_ports)

    mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
    vols = {v["name"]: v for v in pod.get("volumes", [])}
    claim = vols.get(mounts.get("/data"), {}).get("persistentVolumeClaim", {}).get("claimName")
    rule("k8s: /data is the PersistentVolumeClaim, the only mount (no /tmp needed)",
         claim == pvc.get("metadata", {}).get("name") and list(mounts) == ["/data"], f"mounts {mounts}")
    rule("k8s: the claim is single-node (ReadWriteOnce or ReadWriteOncePod)",
         set(pvc.get("spec", {}).get("accessModes", [])) <= {"ReadWriteOnce", "ReadWriteOncePod"}
         and pvc.get("spec", {}).get("accessModes"))

    pdb_spec = pdb.get("spec", {})
    never_blocks = ("maxUnavailable" in pdb_spec and str(pdb_spec["maxUnavailable"]) not in ("0", "0%")) or \
                   str(pdb_spec.get("minAvailable", "x")) in ("0", "0%")
    rule("k8s: PodDisruptionBudget selects the pod and cannot block a drain with one replica",
         selects(pdb_spec.get("selector", {}).get("matchLabels", {})) and never_blocks, str(pdb_spec))

    np_spec = np.get("spec", {})
    ingress = np_spec.get("ingress", [])
    ingress_ports = [(p.get("protocol", "TCP"), ports.get(p.get("port"), p.get("port"))) for r in ingress for p in r.get("ports", [])]
    rule("k8s: NetworkPolicy selects the pod",
         selects(np_spec.get("podSelector", {}).get("matchLabels", {})))
    rule(f"k8s: NetworkPolicy ingress only on TCP {app_port}",
         "Ingress" in np_spec.get("policyTypes", []) and ingress and ingress_ports == [("TCP", app_port)] * len(ingress_ports)
         and all(r.get("ports") for r in ingress), str(ingress))
    rule("k8s: NetworkPolicy denies all egress",
         "Egress" in np_spec.get("policyTypes", []) and not np_spec.get("egress"))

kubernetes_rules()

# ---- Compose
try:
    compose = yaml.safe_load(open(compose_path)) if pathlib.Path(compose_path).is_file() and pathlib.Path(compose_path).stat().st_size else None
except Exception as e:
    compose = None
if compose is None:
    rule("compose: rendered config available", False)
else:
    s = compose["services"]["demo-server"]
    cenv = s.get("environment", {})
    if isinstance(cenv, list):
        cenv = dict(e.split("=", 1) for e in cenv)
    build = s.get("build", {})
    rule("compose: builds Dockerfile.multistage from the repository root",
         isinstance(build, dict) and build.get("dockerfile") == "Dockerfile.multistage")
    rule("compose: image swift-tiny-container:multistage", s.get("image") == "swift-tiny-container:multistage")
    rule(f"compose: user {uid}:{gid} (the image's USER)", str(s.get("user")) == f"{uid}:{gid}", s.get("user"))
    rule("compose: read_only", s.get("read_only") is True)
    rule("compose: cap_drop ALL, cap_add none", s.get("cap_drop") == ["ALL"] and not s.get("cap_add"))
    rule("compose: no-new-privileges", any(str(o).replace("=", ":") in ("no-new-privileges:true", "no-new-privileges")
                                           for o in s.get("security_opt", [])))
    rule("compose: init false (the binary is PID 1)", s.get("init") is False)
    rule("compose: privileged off, no host namespaces",
         not s.get("privileged") and s.get("pid") != "host" and s.get("network_mode") != "host")
    rule("compose: healthcheck runs the image's own HEALTHCHECK command",
         s.get("healthcheck", {}).get("test") == ["CMD", *healthcheck], f"{s.get('healthcheck', {}).get('test')} vs {healthcheck}")
    c_shutdown = float(cenv.get("SHUTDOWN_TIMEOUT", 10))
    rule(f"compose: SHUTDOWN_TIMEOUT set and stop_grace_period ({s.get('stop_grace_period')}) longer",
         "SHUTDOWN_TIMEOUT" in cenv and seconds(s.get("stop_grace_period", "10s")) > c_shutdown)
    rule("compose: restart unless-stopped", s.get("restart") == "unless-stopped")
    mem = s.get("mem_limit") or s.get("deploy", {}).get("resources", {}).get("limits", {}).get("memory")
    rule("compose: memory limit set", bool(mem))
    c_port = int(cenv.get("PORT", 8080))
    published = [(str(p.get("published")), str(p.get("target"))) if isinstance(p, dict) else
                 tuple(str(p).split(":")[-2:]) for p in s.get("ports", [])]
    rule(f"compose: PORT = EXPOSE, published as {c_port}:{c_port}",
         c_port in exposed and (str(c_port), str(c_port)) in published, f"PORT {c_port}, ports {published}")
    def vol(v):
        if isinstance(v, dict):
            return v.get("type", "volume"), v.get("source"), v.get("target")
        src, dst = str(v).split(":")[:2]
        return ("bind" if src.startswith((".", "/")) else "volume"), src, dst
    data = [v for v in map(vol, s.get("volumes", [])) if v[2] == "/data"]
    rule("compose: named volume on /data",
         len(data) == 1 and data[0][0] == "volume" and data[0][1] in (compose.get("volumes") or {}), str(data))

for ok, name in results:
    print(("ok   " if ok else "FAIL ") + name)
PY
}
touch "$RENDERED" "$COMPOSE_RENDERED"
rules >"$WORK/rules.out" 2>&1
cat "$WORK/rules.out"
rule_ok=$(grep -c '^ok ' "$WORK/rules.out")
rule_fail=$(grep -c '^FAIL ' "$WORK/rules.out")
PASSED=$((PASSED + rule_ok))
FAILED=$((FAILED + rule_fail))
((rule_ok + rule_fail)) || fail "rule checks ran"

# ---------------------------------------------------------------------------------------------
# 5. checkov: Dockerfiles, compose.yaml (checkov has no Compose checks; its secrets scan still
#    reads it) and the manifests. Skips live next to what they skip: for Kubernetes as
#    checkov.io/skipN annotations on the resource (checkov reads no comments there), for the
#    Dockerfiles as `# checkov:skip=ID:reason` comments in the file (one in Dockerfile.multistage).
#    Every skip must give a reason.

if [[ -n "$CHECKOV_BIN" ]]; then
  args=(--config-file .checkov.yaml --skip-download -o json)
  for f in "${DOCKERFILES[@]}" compose.yaml "$MANIFESTS"/*.yaml; do args+=(-f "$f"); done
  start=$(date +%s%N)
  "$CHECKOV_BIN/checkov" "${args[@]}" >"$WORK/checkov.json" 2>"$WORK/checkov.err"
  checkov_rc=$?
  "$PYTHON" - "$WORK/checkov.json" >"$WORK/checkov.out" <<'PY'
import json, sys
try:
    data = json.load(open(sys.argv[1]))
except Exception as e:
    print(f"FAIL checkov output readable ({e})"); sys.exit()
for r in data if isinstance(data, list) else [data]:
    s = r["summary"]
    kind = r.get("check_type")
    print(f"info checkov {kind}: {s['passed']} passed, {s['failed']} failed, {s['skipped']} skipped, {s['parsing_errors']} parsing errors")
    for x in r["results"].get("failed_checks", []):
        print(f"FAIL checkov {x['check_id']} {x['check_name']}: {x['resource']} in {x['file_path']}")
    for x in r["results"].get("skipped_checks", []):
        reason = (x.get("check_result") or {}).get("suppress_comment") or ""
        ok = reason.strip() and reason != "No comment provided"
        print(("ok   " if ok else "FAIL ") + f"checkov skip {x['check_id']} on {x['resource']} has a reason: {reason or 'none'}")
    if s["parsing_errors"]:
        print(f"FAIL checkov {kind}: parsing errors in {r['results'].get('parsing_errors')}")
PY
  sed 's/^info /     /' "$WORK/checkov.out"
  PASSED=$((PASSED + $(grep -c '^ok ' "$WORK/checkov.out")))
  FAILED=$((FAILED + $(grep -c '^FAIL ' "$WORK/checkov.out")))
  frameworks=$(grep -c '^info checkov' "$WORK/checkov.out")
  if ((checkov_rc == 0)) && ((frameworks >= 2)); then
    pass "checkov: no failed checks in ${#DOCKERFILES[@]} Dockerfiles, compose.yaml and $MANIFESTS ($(seconds_since "$start") s)"
  else
    tail -n 5 "$WORK/checkov.err" | sed 's/^/     /'
    fail "checkov: no failed checks (exit $checkov_rc, $frameworks frameworks reported)"
  fi
fi

# ---------------------------------------------------------------------------------------------
# 5b. The PostgreSQL overlay (deploy/kubernetes-postgres): rendered with kustomize (its patches
#     need a real renderer), validated like the base, checked by checkov and by its own rules.

OVERLAY=deploy/kubernetes-postgres
OVERLAY_RENDERED="$WORK/overlay.yaml"
if command -v kubectl >/dev/null 2>&1 && kubectl kustomize "$OVERLAY" >"$OVERLAY_RENDERED" 2>"$WORK/overlay.err"; then
  pass "kustomize render of $OVERLAY (kubectl kustomize, $(grep -c '^kind:' "$OVERLAY_RENDERED") resources)"
elif command -v kustomize >/dev/null 2>&1 && kustomize build "$OVERLAY" >"$OVERLAY_RENDERED" 2>"$WORK/overlay.err"; then
  pass "kustomize render of $OVERLAY (kustomize build, $(grep -c '^kind:' "$OVERLAY_RENDERED") resources)"
else
  sed 's/^/     /' "$WORK/overlay.err" 2>/dev/null
  fail "kustomize render of $OVERLAY (needs kubectl or kustomize)"
  : >"$OVERLAY_RENDERED"
fi
validate "$OVERLAY_RENDERED" "$OVERLAY"
if [[ -n "$CHECKOV_BIN" && -s "$OVERLAY_RENDERED" ]]; then
  if "$CHECKOV_BIN/checkov" --config-file .checkov.yaml --skip-download --framework kubernetes -o json \
      -f "$OVERLAY_RENDERED" >"$WORK/checkov-overlay.json" 2>"$WORK/checkov-overlay.err"; then
    pass "checkov: no failed checks in the render of $OVERLAY"
  else
    "$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1])); d = d if isinstance(d, list) else [d]
for r in d:
    for x in r["results"].get("failed_checks", []): print("     failed:", x["check_id"], x["check_name"], x["resource"])' \
      "$WORK/checkov-overlay.json" 2>/dev/null
    fail "checkov: no failed checks in the render of $OVERLAY"
  fi
fi
if [[ -s "$OVERLAY_RENDERED" ]]; then
  "$PYTHON" - "$OVERLAY_RENDERED" >"$WORK/overlay-rules.out" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
kinds = {}
for d in docs: kinds.setdefault(d["kind"], []).append(d)
def rule(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + "postgres overlay: " + name + (f" ({detail})" if detail and not ok else ""))
dep = kinds.get("Deployment", [{}])[0]; spec = dep.get("spec", {})
pod = spec.get("template", {}).get("spec", {}); c = (pod.get("containers") or [{}])[0]
labels = spec.get("template", {}).get("metadata", {}).get("labels", {})
env = {e["name"]: e for e in c.get("env", [])}
rule("three replicas", spec.get("replicas") == 3, spec.get("replicas"))
ru = spec.get("strategy", {})
rule("RollingUpdate with maxUnavailable 0", ru.get("type") == "RollingUpdate" and str(ru.get("rollingUpdate", {}).get("maxUnavailable")) == "0", ru)
pdb = kinds.get("PodDisruptionBudget", [{}])[0].get("spec", {})
rule("PodDisruptionBudget keeps two", pdb.get("minAvailable") == 2 and "maxUnavailable" not in pdb, pdb)
spread = pod.get("topologySpreadConstraints", [])
rule("topology spread over nodes", any(t.get("topologyKey") == "kubernetes.io/hostname" and all(labels.get(k) == v for k, v in t.get("labelSelector", {}).get("matchLabels", {}).items()) for t in spread))
url = env.get("DATABASE_URL", {}).get("valueFrom", {}).get("secretKeyRef")
rule("DATABASE_URL from a Secret", bool(url and url.get("name") and url.get("key")), env.get("DATABASE_URL"))
rule("no DATABASE_PATH, no volume, no PersistentVolumeClaim", "DATABASE_PATH" not in env and not pod.get("volumes") and not c.get("volumeMounts") and "PersistentVolumeClaim" not in kinds)
rule("readiness gates on /readyz", (c.get("readinessProbe", {}).get("httpGet") or {}).get("path") == "/readyz")
rule("image is the PostgreSQL variant", "postgres" in str(c.get("image")) or "@sha256:" in str(c.get("image")), c.get("image"))
npol = kinds.get("NetworkPolicy", [{}])[0].get("spec", {})
ports = sorted({(p.get("protocol", "TCP"), p.get("port")) for r in npol.get("egress", []) for p in r.get("ports", [])})
rule("egress only to PostgreSQL (TCP 5432) and DNS (53)", "Egress" in npol.get("policyTypes", []) and ports == [("TCP", 53), ("TCP", 5432), ("UDP", 53)] and all(r.get("ports") for r in npol.get("egress", [])), ports)
sc = c.get("securityContext", {})
rule("pod hardening kept from the base", sc.get("readOnlyRootFilesystem") is True and sc.get("allowPrivilegeEscalation") is False and sc.get("capabilities", {}).get("drop") == ["ALL"])
PY
  cat "$WORK/overlay-rules.out"
  PASSED=$((PASSED + $(grep -c '^ok ' "$WORK/overlay-rules.out")))
  FAILED=$((FAILED + $(grep -c '^FAIL ' "$WORK/overlay-rules.out")))
fi

# ---------------------------------------------------------------------------------------------
# 6. The image, run as the pod runs it

if [[ "${SKIP_RUNTIME:-0}" == 1 ]]; then
  skip "runtime checks (SKIP_RUNTIME=1)"
  exit $((FAILED > 0))
fi

# shellcheck source=scripts/lib/images.sh
source scripts/lib/images.sh
IMAGE="$IMAGE_REPOSITORY:multistage"
IMG_BODY_FILE="$WORK/body"
( img_init_docker ) >/dev/null 2>&1 || { fail "Docker engine answers ('docker info')"; exit 1; }
img_init_docker

# Another `docker build` on this machine (test-images.sh, a developer) shares the two cores and
# the BuildKit cache mount: wait for it rather than build beside it. Bounded (30 min).
wait_for_other_builds() {
  local i
  for ((i = 0; i < 360; i++)); do
    pgrep -f -- '(docker|buildx)( [^ ]+)* build ' >/dev/null 2>&1 || return 0
    ((i % 12 == 0)) && log "waiting for another docker build to finish: $(pgrep -af -- '(docker|buildx)( [^ ]+)* build ' | head -n 1)"
    sleep 5
  done
  return 1
}
if ! "$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1; then
  log "$IMAGE is missing: building it (several minutes on 2 cores)"
  wait_for_other_builds || log "warning: another docker build is still running; building anyway"
  img_ensure_base_images
  start=$(date +%s%N)
  check "image $IMAGE builds" img_build multistage "$WORK/build.log"
  log "built $IMAGE in $(seconds_since "$start") s"
fi
if ! "$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1; then
  fail "image $IMAGE present"
  exit 1
fi

# The pod's settings, as docker run flags, read from the rendered Deployment.
"$PYTHON" - "$RENDERED" >"$WORK/pod-flags" <<'PY' || { fail "pod settings readable from the render"; exit 1; }
import sys, yaml
dep = next(d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "Deployment")
pod = dep["spec"]["template"]["spec"]
c = pod["containers"][0]
psc, csc = pod.get("securityContext", {}), c.get("securityContext", {})
uid = csc.get("runAsUser", psc.get("runAsUser"))
gid = csc.get("runAsGroup", psc.get("runAsGroup"))
flags = ["--user", f"{uid}:{gid}"]
if psc.get("fsGroup") is not None and psc["fsGroup"] != gid:
    flags += ["--group-add", str(psc["fsGroup"])]
if csc.get("readOnlyRootFilesystem"):
    flags.append("--read-only")
for cap in csc.get("capabilities", {}).get("drop", []):
    flags += ["--cap-drop", cap]
if csc.get("allowPrivilegeEscalation") is False:
    flags += ["--security-opt", "no-new-privileges"]
limits = c.get("resources", {}).get("limits", {})
def mem(v):
    units = {"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "K": 10**3, "M": 10**6, "G": 10**9}
    for u, m in units.items():
        if str(v).endswith(u):
            return int(float(str(v)[: -len(u)]) * m)
    return int(v)
if "memory" in limits:
    flags += ["--memory", str(mem(limits["memory"])), "--memory-swap", str(mem(limits["memory"]))]
if "cpu" in limits:
    v = str(limits["cpu"])
    flags += ["--cpus", str(float(v[:-1]) / 1000 if v.endswith("m") else float(v))]
for e in c.get("env", []):
    if e["name"] != "PORT" and "value" in e:
        flags += ["-e", f"{e['name']}={e['value']}"]
print("\n".join(flags))
PY
mapfile -t POD_FLAGS <"$WORK/pod-flags"
POD_USER=$(awk 'prev == "--user" { print; exit } { prev = $0 }' "$WORK/pod-flags")
POD_UID=${POD_USER%%:*}
POD_GID=${POD_USER##*:}
SHUTDOWN=$(sed -n 's/^SHUTDOWN_TIMEOUT=//p' "$WORK/pod-flags")
SHUTDOWN=${SHUTDOWN:-10}
log "pod settings: ${POD_FLAGS[*]}"

proc_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
host_pid() { "$DOCKER" inspect -f '{{.State.Pid}}' "$1"; }
expect() { local want=$1; shift; [[ "$(img_http "$@")" == "$want" ]]; }
total_visits() {
  [[ "$(img_http GET "$1/api/visits")" == 200 ]] || return 0
  sed -n 's/.*"total":\([0-9][0-9]*\).*/\1/p' "$IMG_BODY_FILE" | head -n 1
}

volume=""
img_new_volume volume || fail "named volume created"
port=$(img_free_port)
url="http://127.0.0.1:$port"
container=""
if img_run container "$IMAGE" "$port" "${POD_FLAGS[@]}" -v "$volume:/data"; then
  pass "container starts with the pod's settings"
else
  fail "container starts with the pod's settings"
  exit 1
fi

if img_wait_200 "$url/healthz" 15; then
  pass "GET /healthz -> 200"
  check "GET /readyz -> 200" expect 200 GET "$url/readyz"
  check "POST /api/visits (empty) -> 201" expect 201 POST "$url/api/visits" -H 'Content-Length: 0'
  check "POST /api/visits {\"variant\":\"verify-deploy\"} -> 201" expect 201 POST "$url/api/visits" \
    -H 'Content-Type: application/json' --data '{"variant":"verify-deploy"}'
  page_shows_uid() { expect 200 GET "$url/" && grep -q "uid $POD_UID" "$IMG_BODY_FILE"; }
  check "GET / -> 200 and the page shows uid $POD_UID" page_shows_uid
  metrics_ok() { expect 200 GET "$url/metrics" && grep -q '^http_requests_total' "$IMG_BODY_FILE"; }
  check "GET /metrics -> 200 with http_requests_total" metrics_ok
  check "the HEALTHCHECK command (/demo-server healthcheck) exits 0 in the container" \
    "$DOCKER" exec "$container" /demo-server healthcheck
else
  fail "GET /healthz -> 200 within 15 s"
  "$DOCKER" logs "$container" 2>&1 | tail -n 20 | sed 's/^/     /'
fi

# The kernel's view of the process (needs the host's /proc, i.e. root on the Docker host).
runs_as_pod_user() { [[ "$(awk '$1 == "Uid:" || $1 == "Gid:" { printf "%s %s %s %s ", $2, $3, $4, $5 }' "/proc/$1/status")" == "$(printf "$POD_UID %.0s" 1 2 3 4)$(printf "$POD_GID %.0s" 1 2 3 4)" ]]; }
has_no_capabilities() { [[ "$(proc_field "$1" CapEff)$(proc_field "$1" CapBnd)" == 00000000000000000000000000000000 ]]; }
has_no_new_privs() { [[ "$(proc_field "$1" NoNewPrivs)" == 1 ]]; }
root_is_read_only() { awk '$5 == "/" { split($6, o, ","); found = 1; exit (o[1] == "ro" ? 0 : 1) } END { if (!found) exit 1 }' "/proc/$1/mountinfo"; }
pid=$(host_pid "$container")
if [[ -n "$pid" && -r "/proc/$pid/status" ]]; then
  check "kernel: uid $POD_UID and gid $POD_GID (real, effective, saved, fs)" runs_as_pod_user "$pid"
  check "kernel: no effective or bounding capabilities" has_no_capabilities "$pid"
  check "kernel: no_new_privs set" has_no_new_privs "$pid"
  check "kernel: root file system mounted read-only" root_is_read_only "$pid"
  printf '     peak resident memory so far: %s kB (limit %s bytes)\n' "$(proc_field "$pid" VmHWM)" \
    "$("$DOCKER" inspect -f '{{.HostConfig.Memory}}' "$container")"
else
  skip "kernel view of the process (/proc/$pid not readable: not root on the Docker host)"
fi

# Stop as the kubelet does (SIGTERM, then SIGKILL after the grace period): it must exit 0 on its
# own well within SHUTDOWN_TIMEOUT, having closed the database.
state() { "$DOCKER" inspect -f "$2" "$1"; }
exited_in_time() { [[ "$(state "$container" '{{.State.ExitCode}}')" == 0 ]] && awk -v t="$1" -v l="$SHUTDOWN" 'BEGIN { exit !(t < l) }'; }
stopped_cleanly() { "$DOCKER" logs "$container" 2>&1 | grep -q 'stopped cleanly'; }
before=$(total_visits "$url")
start=$(date +%s%N)
"$DOCKER" stop -t $((SHUTDOWN + 10)) "$container" >/dev/null
took=$(seconds_since "$start")
check "SIGTERM: exit code 0 after ${took} s (< SHUTDOWN_TIMEOUT ${SHUTDOWN} s)" exited_in_time "$took"
check "SIGTERM: the server closed the database and stopped cleanly (log)" stopped_cleanly
check "not OOM-killed under the pod's memory limit" [ "$(state "$container" '{{.State.OOMKilled}}')" == false ]

# A new pod on the same volume sees every visit.
port=$(img_free_port)
url="http://127.0.0.1:$port"
second=""
if img_run second "$IMAGE" "$port" "${POD_FLAGS[@]}" -v "$volume:/data" && img_wait_200 "$url/readyz" 15; then
  after=$(total_visits "$url")
  kept() { [[ -n "$before" && "$before" -ge 3 && "$after" == "$before" ]]; }
  check "visits kept on the volume across containers ($before -> $after)" kept
else
  fail "second container on the same volume becomes ready"
fi
"$DOCKER" rm -f -v "$second" >/dev/null 2>&1

# compose.yaml itself, brought up and down. The one change is how the service is reached, decided
# by scripts/lib/images.sh: published on a free port of 127.0.0.1 instead of 8080 (which may be
# taken), or, on an engine without a bridge network, host networking on that port. Everything
# else (build target, user, read-only, capabilities, volume, limits, health check) is the file's.
if ((${#COMPOSE[@]})) && [[ -s "$COMPOSE_RENDERED" ]]; then
  port=$(img_free_port)
  url="http://127.0.0.1:$port"
  COMPOSE_FILE_RUN="$WORK/compose.run.yaml"
  "$PYTHON" - "$COMPOSE_RENDERED" "$port" "$IMG_NETWORK_MODE" >"$COMPOSE_FILE_RUN" <<'PY'
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
port, mode = sys.argv[2], sys.argv[3]
d.pop("name", None)
s = d["services"]["demo-server"]
if mode == "bridge":
    s["ports"] = [f"127.0.0.1:{port}:8080"]
else:
    s.pop("ports", None)
    s["network_mode"] = "host"
    env = s.setdefault("environment", {})
    if isinstance(env, list):
        env = s["environment"] = dict(e.split("=", 1) for e in env)
    env["PORT"] = port
print(yaml.safe_dump(d, sort_keys=False))
PY
  COMPOSE_PROJECT="stc-verify-deploy-$$"
  if "${COMPOSE[@]}" -p "$COMPOSE_PROJECT" -f "$COMPOSE_FILE_RUN" up -d --no-build >"$WORK/compose-up.log" 2>&1 &&
      img_wait_200 "$url/readyz" 15; then
    pass "compose up: the service becomes ready"
    check "compose: POST /api/visits -> 201" expect 201 POST "$url/api/visits" -H 'Content-Length: 0'
    compose_uid() { expect 200 GET "$url/" && grep -q "uid $POD_UID" "$IMG_BODY_FILE"; }
    check "compose: the page shows uid $POD_UID" compose_uid
  else
    sed 's/^/     /' "$WORK/compose-up.log"
    fail "compose up: the service becomes ready"
  fi
  if "${COMPOSE[@]}" -p "$COMPOSE_PROJECT" -f "$COMPOSE_FILE_RUN" down -v --timeout 15 >"$WORK/compose-down.log" 2>&1; then
    pass "compose down -v: container and volume removed"
    COMPOSE_PROJECT=""
  else
    sed 's/^/     /' "$WORK/compose-down.log"
    fail "compose down -v"
  fi
fi

exit $((FAILED > 0))
