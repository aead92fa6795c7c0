#!/usr/bin/env python3
"""The number check: every reader-facing figure against what the images measure now.

A figure is checked by what it is, not by what it came from: a change under Sources/ that moves
no number passes without a re-measure, and one that does move a number fails, naming the number,
its file and the command that refreshes it.

What it compares (MEASURED is the fresh measurement, `MEASURE=FILE scripts/compare-images.sh`,
which CI makes from the images scripts/test-images.sh has just built; without one, the committed
docs/measurements/images.json stands in and only the text is checked against the data):

  1. The committed measurement, docs/measurements/images.json, value by value; the walkthrough
     (rendered from it by scripts/render-tutorial.py), docs/image-comparison.md and
     Public/image-sizes.json (the demo page's chart) are written by the same run of
     scripts/compare-images.sh, which this also checks (same measuredAt).
  2. The chart data itself, Public/image-sizes.json (sizes, compressed sizes, packages, and what
     the official bases give), value by value.
  3. Figures typed into reader-facing text (README, docs/, compose.yaml, deploy/*/README.md, the
     Dockerfiles, the walkthrough's template): each is registered in
     docs/measurements/numbers-in-text.json with the text around it and the measurement key it
     states (or why it is not a measurement: a setting, a published figure, a one-off).
     A figure in those files that no entry covers fails the check (the scan below), so nothing
     is copied by hand from a measurement without the check seeing it.
  4. The screenshot, docs/images/demo-page.png: docs/measurements/demo-page.json (not under
     docs/images/, which the images copy) records what it shows
     (written with it by compare-images.sh); it must show the multistage image as a non-root
     user, its chart's sizes must be within tolerance, and the PNG must be the one recorded.

Tolerances, and why:
  sizes in bytes (images, compressed, binary, debug file): max(2 %, 0.2 MB). The walkthrough, its
      chart and the screenshot are copied into the images (/app), so re-rendering them moves an
      image by some kB; the SBOM and build metadata by a few more; 0.2 MB covers that. 2 % keeps
      the 4 GB naive image from failing on a toolchain base that moves by tens of MB.
  layers, OS packages, setuid files: exact. They change only when a recipe does.
  files: exact below 1,000 files (a file more or less in the small images is a change a reader
      sees); 0.5 % above (the naive image holds the build directory, whose intermediate files
      SwiftPM may vary).
  memory (cgroup and RSS): within a factor of 2, or 2 MiB: it depends on the machine (cgroup
      version, page cache, allocator), not only on the code.
  start-up time: within a factor of 10, or 1 s: docker run's own overhead on a loaded machine
      dominates it (132 and 708 ms for the naive image in two runs an hour apart here); what it
      still catches is a start-up that takes seconds.
  build and rebuild times: not compared (CI builds warm; only a cold lab/remeasure.sh images run
      measures them; the text dates them and names the machine).

Usage (normally through scripts/render-tutorial.py --check [--measured FILE]):
  scripts/lib/reader_numbers.py [--measured FILE] [--list]
Python 3 standard library only.
"""
import argparse
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REGISTRY = "docs/measurements/numbers-in-text.json"
COMMITTED = "docs/measurements/images.json"
SCREENSHOT = "docs/measurements/demo-page.json"
REFRESH = "lab/remeasure.sh images"

# Files whose figures must be registered. Generated files are not scanned: they are made from
# the data (docs/TUTORIAL.md, docs/image-comparison.md), which this checks instead.
SCANNED = ["README.md", "compose.yaml", "Dockerfile.naive", "Dockerfile.alpine", "Dockerfile.multistage",
           "docs/TUTORIAL.template.md"]
SCANNED_GLOBS = [("docs", ".md"), ("deploy", "README.md"), ("examples", "README.md")]
GENERATED = {"docs/TUTORIAL.md", "docs/image-comparison.md"}

# Why a registered figure is no measurement (docs/measurements/numbers-in-text.json says more).
KINDS = ("setting", "cited", "history", "once", "lab", "postgres")
UNITS = {"B": 1, "kB": 1e3, "KB": 1e3, "KiB": 1024, "MB": 1e6, "MiB": 1 << 20, "GB": 1e9, "GiB": 1 << 30}
NUMBER = r"[0-9][0-9,]*(?:\.[0-9]+)?"
FIGURE = re.compile(rf"({NUMBER})(?: |&nbsp;|-|\u202f)?(kB|KB|KiB|MB|MiB|GB|GiB)\b")
MB = 1e6
MIB = 1 << 20


def read_json(relative):
    with open(os.path.join(ROOT, relative)) as f:
        return json.load(f)


def kind_of(key):
    metric = key.rsplit(".", 1)[-1]
    if metric in ("layers", "packages", "setuidFiles", "officialBasePackages"):
        return "count"
    if metric == "files":
        return "files"
    if metric.startswith("memory") or metric.startswith("rss"):
        return "memory"
    if metric == "startupMilliseconds":
        return "startup"
    if metric in ("buildSeconds", "rebuildSeconds"):
        return "unchecked"
    return "size"


def within(kind, stated, measured):
    """(ok, tolerance text) for a stated figure against the measured one."""
    if kind == "size":
        allowed = max(0.02 * measured, 0.2 * MB)
        return abs(stated - measured) <= allowed, "max(2 %, 0.2 MB)"
    if kind == "count":
        return stated == measured, "exact"
    if kind == "files":
        if measured < 1000:
            return stated == measured, "exact"
        return abs(stated - measured) <= 0.005 * measured, "0.5 %"
    if kind == "memory":
        ok = abs(stated - measured) <= 2 * MIB or (measured > 0 and 0.5 <= stated / measured <= 2)
        return ok, "a factor of 2, or 2 MiB"
    if kind == "startup":
        ok = abs(stated - measured) <= 1000 or (measured > 0 and 0.1 <= stated / measured <= 10)
        return ok, "a factor of 10, or 1 s"
    return True, "not compared"


def show(key, value):
    kind = kind_of(key)
    if kind in ("size",):
        return f"{value / MB:,.2f} MB"
    if kind == "memory":
        return f"{value / MIB:.1f} MiB"
    if kind == "startup":
        return f"{value:.0f} ms"
    return f"{value:g}"


def evaluate(expression, values):
    """A registered key: one measurement key, or a sum/difference of them ("a.b - c.d")."""
    total, sign = 0.0, 1
    for token in expression.split():
        if token in "+-":
            sign = 1 if token == "+" else -1
            continue
        if token not in values:
            raise KeyError(token)
        total += sign * values[token]
    return total


class Check:
    def __init__(self):
        self.failures = []
        self.checked = 0

    def fail(self, message):
        self.failures.append(message)

    def compare(self, where, key, stated, measured_values, refresh=REFRESH, relative=None):
        kind = kind_of(key.split()[0])
        if kind == "unchecked":
            return
        try:
            measured = evaluate(key, measured_values)
        except KeyError as missing:
            self.fail(f"{where}: {key}: the measurement has no {missing}")
            return
        self.checked += 1
        if relative is not None:
            # A figure the text rounds ("about 4 GB"): its own relative tolerance.
            ok, tolerance = abs(stated - measured) <= relative * measured, f"{relative:.0%} (rounded in the text)"
        else:
            ok, tolerance = within(kind, stated, measured)
        if not ok:
            self.fail(f"{where}: {key} says {show(key, stated)}, measured {show(key, measured)} "
                      f"(tolerance {tolerance}); refresh with {refresh}")


def scanned_files():
    files = list(SCANNED)
    for folder, suffix in SCANNED_GLOBS:
        for directory, _, names in os.walk(os.path.join(ROOT, folder)):
            for name in sorted(names):
                if name.endswith(suffix):
                    files.append(os.path.relpath(os.path.join(directory, name), ROOT))
    # A page rendered from a template (docs/appendix/NAME.md from NAME.template.md) takes its
    # figures from the data, like the walkthrough; its template is what is scanned.
    def rendered(f):
        return f.endswith(".md") and os.path.isfile(os.path.join(ROOT, f[:-3] + ".template.md"))
    return [f for f in dict.fromkeys(files)
            if f not in GENERATED and not rendered(f) and os.path.isfile(os.path.join(ROOT, f))]


def pattern_of(text):
    """The registered text as a regex: {N} is the figure; whitespace matches any run of it
    (a sentence may be wrapped anywhere)."""
    parts = re.split(r"(\{N\}|\s+)", text)
    out = []
    for part in parts:
        if part == "{N}":
            out.append(f"(?P<n>{NUMBER})")
        elif part and part.isspace():
            out.append(r"\s+(?:#\s*)?")  # YAML and Dockerfile comments wrap with "# "
        elif part:
            out.append(re.escape(part))
    return re.compile("".join(out))


def check_text(check, registry, values):
    """Registered figures against the measurement, and the scan for unregistered ones."""
    covered = {}
    for entry in registry["figures"]:
        relative = entry["file"]
        if "key" not in entry and entry.get("kind") not in KINDS:
            check.fail(f"{REGISTRY}: the entry {entry.get('text')!r} has neither a measurement key nor a kind "
                       f"({', '.join(KINDS)})")
            continue
        if "key" not in entry and not entry.get("why"):
            check.fail(f"{REGISTRY}: the entry {entry.get('text')!r} ({entry['kind']}) says no why")
        try:
            with open(os.path.join(ROOT, relative)) as f:
                text = f.read()
        except FileNotFoundError:
            check.fail(f"{REGISTRY}: {relative} does not exist (entry {entry['text']!r})")
            continue
        matches = list(pattern_of(entry["text"]).finditer(text))
        if not matches:
            check.fail(f"{REGISTRY}: no text in {relative} matches {entry['text']!r}: the sentence "
                       f"changed; update the entry")
            continue
        entry_values = values
        if "measurement" in entry:
            # A figure of another measurement (the PostgreSQL variant's, say): a committed JSON
            # file with the same {"values": {...}} shape, named by the entry.
            try:
                entry_values = read_json(entry["measurement"])["values"]
            except (FileNotFoundError, KeyError):
                check.fail(f"{REGISTRY}: {entry['measurement']} (for {entry['text']!r}) is missing or has no values")
                continue
        for match in matches:
            covered.setdefault(relative, []).append(match.span())
            if "key" not in entry:
                continue
            number = float(match.group("n").replace(",", ""))
            unit = entry.get("unit", "MB")
            stated = number * UNITS[unit] if kind_of(entry["key"].split()[0]) in ("size", "memory") else number
            line = text.count("\n", 0, match.start()) + 1
            check.compare(f"{relative}:{line} ({' '.join(match.group(0).split())!r})", entry["key"], stated,
                          entry_values, refresh=f"{entry.get('refresh', REFRESH)}, then edit the figure in {relative}",
                          relative=entry.get("within"))
    for relative in scanned_files():
        with open(os.path.join(ROOT, relative)) as f:
            text = f.read()
        spans = covered.get(relative, [])
        for match in FIGURE.finditer(text):
            if any(start <= match.start() and match.end() <= end for start, end in spans):
                continue
            line = text.count("\n", 0, match.start()) + 1
            check.fail(f"{relative}:{line}: {match.group(0)!r} is not registered in {REGISTRY}: render it "
                       f"from data, or register it (the text around it, the measurement key and unit, "
                       f"or why it is no measurement)")


def check_data(check, values, committed):
    """The committed data (what the walkthrough, the comparison and the chart show) against the
    fresh measurement."""
    for key, value in committed["values"].items():
        if key in values:
            check.compare(f"{COMMITTED} (shown in docs/TUTORIAL.md and docs/image-comparison.md)", key, value, values)
    sizes = read_json("Public/image-sizes.json")
    for image in sizes["images"]:
        variant = image["variant"]
        check.compare("Public/image-sizes.json", f"{variant}.bytes", image["bytes"], values)
        check.compare("Public/image-sizes.json", f"{variant}.compressedBytes", image["compressedBytes"], values)
        check.compare("Public/image-sizes.json", f"{variant}.packages", image["packages"], values)
        official = image.get("withOfficialBase") or {}
        for field, key in [("bytes", "officialBaseBytes"), ("compressedBytes", "officialBaseCompressedBytes"),
                           ("packages", "officialBasePackages")]:
            if field in official:
                check.compare("Public/image-sizes.json (withOfficialBase)", f"{variant}.{key}", official[field], values)
    # The three files one run of compare-images.sh writes must come from one run.
    with open(os.path.join(ROOT, "docs", "image-comparison.md")) as f:
        comparison = f.read()
    stamp = committed.get("measuredAt")
    if sizes.get("measuredAt") != stamp or f"- **Measured:** {stamp}\n" not in comparison:
        check.fail(f"{COMMITTED}, Public/image-sizes.json and docs/image-comparison.md are not from one run "
                   f"of scripts/compare-images.sh; refresh with {REFRESH}")


def check_screenshot(check, values):
    try:
        shot = read_json(SCREENSHOT)
    except FileNotFoundError:
        check.fail(f"{SCREENSHOT} is missing: docs/images/demo-page.png has no record of what it shows; "
                   f"refresh with {REFRESH}")
        return
    import hashlib
    with open(os.path.join(ROOT, "docs", "images", "demo-page.png"), "rb") as f:
        if hashlib.sha256(f.read()).hexdigest() != shot.get("sha256"):
            check.fail(f"docs/images/demo-page.png is not the picture {SCREENSHOT} describes (sha256 differs); "
                       f"refresh with {REFRESH}")
    if shot.get("variantShown") != "multistage":
        check.fail(f"docs/images/demo-page.png shows the {shot.get('variantShown')} image, not multistage; "
                   f"refresh with {REFRESH}")
    if shot.get("userShown") in ("root (uid 0)", "unknown"):
        check.fail(f"docs/images/demo-page.png shows the server running as {shot.get('userShown')}; "
                   f"refresh with {REFRESH}")
    for variant, stated in shot.get("chartBytes", {}).items():
        check.compare("docs/images/demo-page.png (its chart)", f"{variant}.bytes", stated, values)
    for variant, stated in shot.get("chartOfficialBytes", {}).items():
        if f"{variant}.officialBaseBytes" in values:
            check.compare("docs/images/demo-page.png (its chart, official bases)",
                          f"{variant}.officialBaseBytes", stated, values)


def run(measured_path=None):
    """Returns (failures, summary)."""
    check = Check()
    try:
        committed = read_json(COMMITTED)
    except FileNotFoundError:
        return [f"{COMMITTED} is missing; refresh with {REFRESH}"], ""
    if measured_path:
        with open(measured_path) as f:
            fresh = json.load(f)
        values = dict(committed["values"])
        values.update(fresh["values"])  # keys the light measurement lacks keep their committed value
        source = f"the fresh measurement {measured_path} ({fresh.get('measuredAt', '?')})"
        check_data(check, fresh["values"], committed)
    else:
        values = committed["values"]
        source = f"the committed measurement {COMMITTED} ({committed.get('measuredAt', '?')})"
        check_data(check, values, committed)
    registry = read_json(REGISTRY)
    check_text(check, registry, values)
    check_screenshot(check, values)
    return check.failures, f"{check.checked} figures within tolerance of {source}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--measured", help="a fresh measurement (MEASURE=FILE scripts/compare-images.sh)")
    args = parser.parse_args()
    failures, summary = run(args.measured)
    for failure in failures:
        print(f"numbers: {failure}", file=sys.stderr)
    if failures:
        print(f"numbers: {len(failures)} figure(s) off", file=sys.stderr)
        return 1
    print(f"numbers: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
