#!/usr/bin/env python3
"""Renders docs/TUTORIAL.md from docs/TUTORIAL.template.md and the measured data (and each
docs/appendix/NAME.md from its NAME.template.md the same way), and draws
docs/images/image-sizes.svg (scripts/size-chart.py), so that no number in the walkthrough is
typed by hand.

Data (all written by scripts, never edited by hand):
  Public/image-sizes.json                image sizes          scripts/compare-images.sh
  docs/image-comparison.md               the rest of its table (layers, packages, build and
                                         rebuild times, memory...), the binary's size
  docs/measurements/foundation-cost.json static hello-worlds  lab/measure-foundation-cost.sh
  docs/measurements/context.json         build context sizes  lab/measure-context.sh
  docs/measurements/tutorial-run.json    the walkthrough's commands' times and the output of
                                         some of them          RECORD=1 scripts/test-tutorial.sh
  docs/measurements/registry-reference.json  published sizes of the official base images
                                         (for the stand-in marks; not measured here), and
                                         what framework hello worlds weigh (with its source)
The template also quotes the Dockerfiles themselves, so an excerpt can never drift from them.

Checking. --check fails when docs/TUTORIAL.md or the chart differs from what the data gives, and
runs the number check (scripts/lib/reader_numbers.py): every reader-facing figure (the data above, the
chart data, figures registered in docs/measurements/numbers-in-text.json, the screenshot) within
tolerance of a measurement. With --measured FILE (a fresh `MEASURE=FILE scripts/compare-images.sh`,
as CI makes it) that is what the images are now; without, the committed data. A change that moves
no figure passes without a re-measure; lab/remeasure.sh re-measures and renders again.

Placeholders, in {{ }}:
  {{naive.size}} {{alpine.packages}} ...   a value (see values() for the names); unknown
                                           names are an error
  {{output:ID}}                            the recorded output of the runnable block id=ID
  {{excerpt:FILE:START .. END}}            the lines of FILE from the first containing START
                                           through the next containing END
  {{excerpt-nc:FILE:START .. END}}         the same without comment lines
  {{file:FILE}}                            all of FILE (a quoted file is quoted whole)
  {{file-nc:FILE}}                         all of FILE without its comment lines
A line `<!-- template: ... -->` in the template is dropped (notes for editors).

Usage:
  scripts/render-tutorial.py            write docs/TUTORIAL.md and docs/images/image-sizes.svg
  scripts/render-tutorial.py --check [--measured FILE]
                                        exit 1 if either is not what the data gives, or a
                                        reader-facing figure is off (scripts/lib/reader_numbers.py)
  scripts/render-tutorial.py --list     print every value name and value
  scripts/render-tutorial.py --inputs   print the revision the walkthrough's run is made from
                                        (JSON; RECORD=1 scripts/test-tutorial.sh stores it)
Python 3 standard library only.
"""
import argparse
import functools
import importlib.util
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts", "lib"))
import reader_numbers as number_check  # noqa: E402  (scripts/lib/reader_numbers.py)
VARIANTS = ["naive", "alpine", "multistage"]
FLASK_MB = {"naive": 536.0, "alpine": 263.0, "multistage": 65.8}


class DataError(Exception):
    pass


def path(*parts):
    return os.path.join(ROOT, *parts)


def read_json(relative):
    try:
        with open(path(relative)) as f:
            return json.load(f)
    except FileNotFoundError:
        raise DataError(f"{relative} is missing (see the header of scripts/render-tutorial.py for what writes it)")


def human_mb(mb):
    """3 significant digits, written as the chart writes them (4.14 GB, 536 MB, 65.8 MB)."""
    return load_chart_module().format_mb(mb)


def human_bytes(count):
    if count < 1e6:
        return f"{count / 1e3:.0f} kB" if count >= 1e3 else f"{count} bytes"
    return human_mb(count / 1e6)


def ratio(a, b):
    r = a / b
    return f"{r:.0f}×" if r >= 10 else f"{r:.1f}×"


def duration(seconds):
    seconds = float(seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes >= 10 or rest == 0:
        return f"{round(seconds / 60)} min"
    return f"{minutes} min {rest} s"


def comparison_table():
    """The results table of docs/image-comparison.md, as {row label: [naive, alpine, multistage]}."""
    try:
        with open(path("docs", "image-comparison.md")) as f:
            text = f.read()
    except FileNotFoundError:
        raise DataError("docs/image-comparison.md is missing: run scripts/compare-images.sh")
    rows = {}
    section = text.split("## Results", 1)[-1].split("\n## ", 1)[0]
    for line in section.splitlines():
        if not line.startswith("|") or line.startswith("|---"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4:
            rows[cells[0]] = cells[1:]
    return rows, text


def row(rows, prefix):
    """The first row whose label starts with prefix (or, failing that, contains it)."""
    for label, cells in rows.items():
        if label.startswith(prefix):
            return label, cells
    for label, cells in rows.items():
        if prefix.lower() in label.lower():
            return label, cells
    raise DataError(f"docs/image-comparison.md has no row labelled {prefix!r}...")


def revision():
    """HEAD's commit, plus "+uncommitted" when the working tree differs from it."""
    try:
        head = subprocess.run(["git", "-C", ROOT, "rev-parse", "HEAD"], check=True,
                              capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain"], capture_output=True, text=True).stdout
    return head + ("+uncommitted" if dirty.strip() else "")


def values():
    v = {}
    sizes = read_json("Public/image-sizes.json")
    images = {image["variant"]: image for image in sizes["images"]}
    rows, comparison = comparison_table()

    for variant, column in zip(VARIANTS, range(3)):
        image = images[variant]
        mb = image["bytes"] / 1e6
        v[f"{variant}.size"] = human_mb(mb)
        v[f"{variant}.size_mb"] = f"{mb:,.1f}"
        v[f"{variant}.compressed"] = human_mb(image["compressedBytes"] / 1e6)
        v[f"{variant}.vs_flask"] = ratio(mb, FLASK_MB[variant]) if mb >= FLASK_MB[variant] else ratio(FLASK_MB[variant], mb)
        v[f"{variant}.bigger_or_smaller"] = "bigger" if mb >= FLASK_MB[variant] else "smaller"
        v[f"flask.{variant}"] = human_mb(FLASK_MB[variant])
        for key, prefix in [
            ("base", "Runtime base"), ("layers", "Layers"), ("files", "Files"),
            ("packages", "OS packages"), ("shell", "Shell"), ("package_manager", "Package manager"),
            ("setuid", "setuid/setgid files"), ("build_s", "Build, "),
            ("rebuild_s", "Rebuild after a one-line change"), ("dependency_layer_reused", "dependency layer reused"),
            ("startup_ms", "docker run to first 200"), ("memory_idle", "Memory at idle"),
            ("memory_load", "Memory after"), ("rss_idle", "Server RSS at idle"),
            ("rss_load", "Server RSS after"), ("stop", "docker stop"), ("smoke", "Smoke test"),
        ]:
            # A " *" marks a figure measured on a stand-in base; the notes below say so.
            v[f"{variant}.{key}"] = row(rows, prefix)[1][column].removesuffix(" *")
        v[f"{variant}.stop_s"] = v[f"{variant}.stop"].split(",")[0].strip()
        v[f"{variant}.build"] = duration(v[f"{variant}.build_s"])
        v[f"{variant}.rebuild"] = duration(v[f"{variant}.rebuild_s"])
        v[f"{variant}.files"] = f"{int(v[f'{variant}.files']):,}"
    v["build.kind"] = row(rows, "Build, ")[0].removeprefix("Build, ").removesuffix(" (s)")
    v["memory.requests"] = re.sub(r"\D", "", row(rows, "Memory after")[0])
    multistage_mb = images["multistage"]["bytes"] / 1e6
    v["shrink.swift"] = ratio(images["naive"]["bytes"] / 1e6, multistage_mb)
    # The same two with the official bases, where a stand-in was measured (what a reader gets).
    naive_official_mb = (images["naive"].get("withOfficialBase") or images["naive"])["bytes"] / 1e6
    v["naive.official_vs_flask"] = ratio(naive_official_mb, FLASK_MB["naive"])
    v["multistage.official_shrink"] = ratio(naive_official_mb, multistage_mb)
    v["shrink.flask"] = ratio(FLASK_MB["naive"], FLASK_MB["multistage"])
    v["shrink.swift_alpine"] = ratio(images["naive"]["bytes"] / 1e6, images["alpine"]["bytes"] / 1e6)
    v["alpine.over_multistage"] = human_bytes(images["alpine"]["bytes"] - images["multistage"]["bytes"])
    v["sizes.measured_at"] = sizes.get("measuredAt", "unknown")

    match = re.search(r"\*\*([0-9.]+) MB\*\* \((\d+) bytes", comparison)
    if not match:
        raise DataError("docs/image-comparison.md: no binary size (\"**N MB** (N bytes\")")
    binary = int(match.group(2))
    v["binary.size"] = human_mb(binary / 1e6)
    v["binary.bytes"] = f"{binary:,}"
    v["multistage.over_binary"] = human_bytes(images["multistage"]["bytes"] - binary)
    match = re.search(r"^\| `([^`]*distroless[^`]*)`( \*)? \| ([0-9.]+)( \*)? \|", comparison, re.M)
    if match:
        v["distroless.base"] = match.group(1)
        v["distroless.size"] = f"{float(match.group(3)):.1f} MB"
        v["distroless.extra"] = human_bytes(float(match.group(3)) * 1e6 - images["multistage"]["bytes"])
        v["distroless.mark"] = ""
        v["distroless.note"] = ""
        if match.group(2):
            official = read_json("docs/measurements/registry-reference.json")["images"].get(match.group(1), {})
            v["distroless.mark"] = " (measured on a local replica of the base)"
            if official:
                v["distroless.note"] = (f" The registry's `{match.group(1)}` is about "
                                        f"{human_bytes(official['bytes'])} as well ({official['source']}), "
                                        f"so expect the same difference with it.")

    # What Swift web frameworks' own hello worlds weigh fully static (not measured by a script
    # here; the file names where the figure comes from).
    frameworks = read_json("docs/measurements/registry-reference.json")["frameworks"]
    v["frameworks.range"] = f"{frameworks['bytesMin'] / 1e6:.0f} to {frameworks['bytesMax'] / 1e6:.0f} MB"
    v["frameworks.source"] = frameworks["source"]

    # Figures measured on a local stand-in or replica base: the same marks as the chart
    # (scripts/size-chart.py), and what the official base gives, with its source.
    chart = load_chart_module()
    notes = chart.footnotes(images)
    marks = {variant: mark for variant, mark, _ in notes}
    lines = []
    for variant in VARIANTS:
        image = images[variant]
        v[f"{variant}.mark"] = f" {marks[variant]}" if variant in marks else ""
        expected = image.get("withOfficialBase")
        v[f"{variant}.official_size"] = human_mb(expected["bytes"] / 1e6) if expected else v[f"{variant}.size"]
        v[f"{variant}.official_compressed"] = (human_mb(expected["compressedBytes"] / 1e6)
                                               if expected and "compressedBytes" in expected else v[f"{variant}.compressed"])
        v[f"{variant}.official_packages"] = (str(expected["packages"]) if expected and "packages" in expected
                                             else v[f"{variant}.packages"])
        if variant in marks:
            figures = [f"about **{v[f'{variant}.official_size']}**"]
            if expected and "compressedBytes" in expected:
                figures.append(f"{v[f'{variant}.official_compressed']} compressed")
            if expected and "packages" in expected:
                figures.append(f"{expected['packages']} OS packages")
            source = expected["source"] if expected else "no published figure"
            mark = marks[variant].replace("*", "\\*")  # not a nested list item in Markdown
            lines.append(f"{mark} Measured on a local {image.get('baseKind', 'stand-in')} of "
                         f"`{image.get('base', '?')}`, not the registry's image. With the official "
                         f"`{image.get('base', '?')}` expect {', '.join(figures)} ({source}).")
    v["standin.notes"] = "\n".join(f"- {line}" for line in lines) if lines else ""
    # What a reader gets with the official bases (the title, the first table and the chart lead
    # with these): the image's own layers as measured plus the official base's published size.
    official_mb = {}
    for variant in VARIANTS:
        expected = images[variant].get("withOfficialBase") if images[variant].get("baseIsStandIn") else None
        official_mb[variant] = (expected or images[variant])["bytes"] / 1e6
        v[f"{variant}.official_vs_flask"] = (ratio(official_mb[variant], FLASK_MB[variant])
                                             if official_mb[variant] >= FLASK_MB[variant]
                                             else ratio(FLASK_MB[variant], official_mb[variant]))
        v[f"{variant}.official_bigger_or_smaller"] = "bigger" if official_mb[variant] >= FLASK_MB[variant] else "smaller"
    v["shrink.official"] = ratio(official_mb["naive"], official_mb["multistage"])
    v["shrink.official_alpine"] = ratio(official_mb["naive"], official_mb["alpine"])
    v["alpine.official_over_multistage"] = human_bytes((official_mb["alpine"] - official_mb["multistage"]) * 1e6)
    for label, key in [("Measured", "comparison.measured_at"), ("Machine", "comparison.machine"),
                       ("Docker", "comparison.docker"), ("Swift", "comparison.swift")]:
        match = re.search(rf"^- \*\*{label}:\*\* (.*)$", comparison, re.M)
        v[key] = match.group(1).strip() if match else "unknown"

    cost = read_json("docs/measurements/foundation-cost.json")
    by_name = {variant["name"]: variant for variant in cost["variants"]}
    for name in ["stdlib", "essentials", "foundation"]:
        v[f"fc.{name}"] = human_mb(by_name[name]["strippedBytes"] / 1e6)
        v[f"fc.{name}_unstripped"] = human_mb(by_name[name]["bytes"] / 1e6)
        v[f"fc.{name}_warnings"] = ", ".join(f"`{w}`" for w in by_name[name]["linkWarnings"]) or "none"
        v[f"fc.{name}_build"] = duration(by_name[name]["buildSeconds"])
    v["fc.essentials_extra"] = human_mb((by_name["essentials"]["strippedBytes"] - by_name["stdlib"]["strippedBytes"]) / 1e6)
    v["fc.foundation_extra"] = human_mb((by_name["foundation"]["strippedBytes"] - by_name["essentials"]["strippedBytes"]) / 1e6)
    v["fc.foundation_vs_essentials"] = ratio(by_name["foundation"]["strippedBytes"], by_name["essentials"]["strippedBytes"])
    with_foundation = binary + by_name["foundation"]["strippedBytes"] - by_name["essentials"]["strippedBytes"]
    v["fc.server_with_foundation"] = human_mb(with_foundation / 1e6)
    v["fc.server_with_foundation_ratio"] = ratio(with_foundation, binary)
    v["fc.swift"] = cost.get("swiftVersion", "unknown")
    v["fc.measured_at"] = cost.get("measuredAt", "unknown")
    extra_warnings = [w for w in by_name["foundation"]["linkWarnings"] if w not in by_name["essentials"]["linkWarnings"]]
    v["fc.foundation_only_warnings"] = ", ".join(f"`{w}`" for w in extra_warnings) or "none"

    context = read_json("docs/measurements/context.json")
    v["ctx.with"] = human_bytes(context["withIgnore"]["bytes"])
    v["ctx.without"] = human_bytes(context["withoutIgnore"]["bytes"])
    v["ctx.with_files"] = f"{context['withIgnore']['files']:,}"
    v["ctx.without_files"] = f"{context['withoutIgnore']['files']:,}"
    v["ctx.ratio"] = ratio(context["withoutIgnore"]["bytes"], context["withIgnore"]["bytes"])
    entries = {entry["path"]: entry["bytes"] for entry in context["largestEntries"]}
    v["ctx.build_dir"] = human_bytes(entries.get(".build", 0))
    v["ctx.git_dir"] = human_bytes(entries.get(".git", 0))
    v["ctx.measured_at"] = context.get("measuredAt", "unknown")

    # The walkthrough's own run. It is recorded by the test script, which needs a rendered
    # walkthrough to run, so a first render without it must work: it says "not measured yet"
    # (and warns) until RECORD=1 runs have filled it in.
    try:
        run = read_json("docs/measurements/tutorial-run.json")
    except DataError:
        run = {}
    images_cold = float(v["naive.build_s"]) + float(v["alpine.build_s"])
    v["run.images_cold"] = duration(images_cold)
    for kind in ["warm", "cold"]:
        if kind not in run:
            warn(f"docs/measurements/tutorial-run.json has no {kind} run yet: "
                 f"run RECORD=1{' FRESH=1' if kind == 'cold' else ''} scripts/test-tutorial.sh")
            for key in ["total", "blocks", "measured_at", "swift"]:
                v[f"run.{kind}_{key}"] = NOT_MEASURED
            continue
        # The host path's blocks (Linux with Swift); the docker path's total separately.
        blocks = [b for b in run[kind]["blocks"] if b.get("path", "host") == "host"]
        v[f"run.{kind}_total"] = duration(run[kind]["totalSeconds"])
        if "dockerPathSeconds" in run[kind]:
            v[f"run.{kind}_docker_total"] = duration(run[kind]["dockerPathSeconds"])
        v[f"run.{kind}_blocks"] = str(sum(1 for b in blocks if b["kind"] == "run"))
        v[f"run.{kind}_measured_at"] = run[kind]["measuredAt"]
        v[f"run.{kind}_swift"] = duration(sum(b["seconds"] for b in blocks if "swift" in b.get("tags", [])))
        for tag in sorted({t for b in blocks for t in b.get("tags", [])}):
            v[f"run.{kind}_tag_{tag}"] = duration(sum(b["seconds"] for b in blocks if tag in b.get("tags", [])))
    v["run.reader_first_time"] = (duration(run["cold"]["totalSeconds"] + images_cold)
                                  if "cold" in run else NOT_MEASURED)
    v["outputs"] = run.get("outputs", {})
    # The size beside the `file` output comes from the same run's `ls -l`, not from another build.
    match = re.search(r"^\S+\s+\d+\s+\S+\s+\S+\s+(\d+)\s.*demo-server-static$",
                      v["outputs"].get("file-static", ""), re.M)
    v["file_static.size"] = human_mb(int(match.group(1)) / 1e6) if match else NOT_MEASURED
    return v


NOT_MEASURED = "(not measured yet)"


WARNINGS = []


def warn(message):
    if message not in WARNINGS:
        WARNINGS.append(message)


def print_warnings():
    if len(WARNINGS) > 3:
        print(f"render-tutorial: warning: {len(WARNINGS)} values not measured yet, e.g. {WARNINGS[0]}",
              file=sys.stderr)
    else:
        for message in WARNINGS:
            print(f"render-tutorial: warning: {message}", file=sys.stderr)


def excerpt(spec, strip_comments):
    filename, _, markers = spec.partition(":")
    start, sep, end = markers.partition(" .. ")
    if not sep:
        raise DataError(f"excerpt {spec!r}: expected FILE:START .. END")
    try:
        with open(path(filename)) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        raise DataError(f"excerpt: {filename} is missing")
    first = next((i for i, line in enumerate(lines) if start in line), None)
    if first is None:
        raise DataError(f"excerpt: no line of {filename} contains {start!r}")
    last = next((i for i in range(first, len(lines)) if end in lines[i]), None)
    if last is None:
        raise DataError(f"excerpt: no line of {filename} after {start!r} contains {end!r}")
    return excerpt_lines(lines[first:last + 1], strip_comments)


def whole_file(filename, strip_comments):
    """All of FILE; without comment lines (and the blank lines they leave in a row) for file-nc."""
    try:
        with open(path(filename)) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        raise DataError(f"file: {filename} is missing")
    return excerpt_lines(lines, strip_comments)


def excerpt_lines(chosen, strip_comments):
    if strip_comments:
        chosen = [line for line in chosen if not line.lstrip().startswith("#")]
        collapsed = []
        for line in chosen:
            if line.strip() or (collapsed and collapsed[-1].strip()):
                collapsed.append(line)
        chosen = collapsed
    return "\n".join(chosen).strip("\n").rstrip()


def render(template, v, source="docs/TUTORIAL.template.md"):
    outputs = v.get("outputs", {})

    def substitute(match):
        name = match.group(1).strip()
        if name.startswith("output:"):
            key = name.removeprefix("output:")
            if key not in outputs:
                warn(f"no recorded output {key!r} yet: run RECORD=1 scripts/test-tutorial.sh")
                return "(not recorded yet)"
            return outputs[key].rstrip()
        if name.startswith("file:"):
            return whole_file(name.removeprefix("file:"), strip_comments=False)
        if name.startswith("file-nc:"):
            return whole_file(name.removeprefix("file-nc:"), strip_comments=True)
        if name.startswith("excerpt:"):
            return excerpt(name.removeprefix("excerpt:"), strip_comments=False)
        if name.startswith("excerpt-nc:"):
            return excerpt(name.removeprefix("excerpt-nc:"), strip_comments=True)
        if name.startswith("run.") and name not in v:
            warn(f"{name} not measured yet: run RECORD=1 scripts/test-tutorial.sh (and with FRESH=1)")
            return NOT_MEASURED
        if name not in v or name == "outputs":
            raise DataError(f"unknown placeholder {{{{{name}}}}}")
        return str(v[name])

    kept = [line for line in template.splitlines() if not line.startswith("<!-- template:")]
    # A placeholder starts with a letter, so Go templates in docker commands ({{.State...}})
    # pass through untouched.
    text = re.sub(r"\{\{([a-z][^{}]*?)\}\}", substitute, "\n".join(kept) + "\n")
    header = (f"<!-- Generated by scripts/render-tutorial.py from {source} and the "
              "measured data; edit those, not this file. -->\n")
    return header + text


@functools.cache
def load_chart_module():
    spec = importlib.util.spec_from_file_location("size_chart", path("scripts", "size-chart.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="fail if the outputs are out of date or a reader-facing figure is off")
    parser.add_argument("--measured", metavar="FILE",
                        help="with --check: a fresh measurement (MEASURE=FILE scripts/compare-images.sh)")
    parser.add_argument("--list", action="store_true", help="print the value names")
    parser.add_argument("--inputs", action="store_true", help="print the revision the walkthrough's run is made from")
    args = parser.parse_args()
    if args.inputs:
        print(json.dumps({"revision": revision(), "inputs": {}}))
        return 0
    try:
        v = values()
        if args.list:
            for key in sorted(v):
                if key != "outputs":
                    print(f"{key} = {v[key]}")
            for key in sorted(v["outputs"]):
                print(f"output:{key} = {len(v['outputs'][key].splitlines())} lines")
            return 0
        with open(path("docs", "TUTORIAL.template.md")) as f:
            tutorial = render(f.read(), v)
        # The walkthrough's appendices (docs/appendix/NAME.template.md -> NAME.md) quote the same
        # data and files, so their numbers come from the same place.
        appendices = []
        appendix_dir = path("docs", "appendix")
        for name in sorted(os.listdir(appendix_dir)) if os.path.isdir(appendix_dir) else []:
            if name.endswith(".template.md"):
                with open(os.path.join(appendix_dir, name)) as f:
                    source = f"docs/appendix/{name}"
                    appendices.append((source.removesuffix(".template.md") + ".md", render(f.read(), v, source)))
        chart = load_chart_module().render(read_json("Public/image-sizes.json"))
    except DataError as error:
        print(f"render-tutorial: {error}", file=sys.stderr)
        return 1
    print_warnings()
    targets = [("docs/TUTORIAL.md", tutorial), ("docs/images/image-sizes.svg", chart)] + appendices
    if args.check:
        stale = []
        for relative, text in targets:
            try:
                with open(path(relative)) as f:
                    current = f.read()
            except FileNotFoundError:
                current = None
            if current != text:
                stale.append(relative)
        if stale:
            print(f"render-tutorial: out of date: {', '.join(stale)}; run scripts/render-tutorial.py and commit",
                  file=sys.stderr)
        failures, summary = number_check.run(args.measured)
        for failure in failures:
            print(f"render-tutorial: {failure}", file=sys.stderr)
        if stale or failures:
            return 1
        print(f"render-tutorial: docs/TUTORIAL.md and docs/images/image-sizes.svg are up to date; {summary}")
        return 0
    for relative, text in targets:
        os.makedirs(os.path.dirname(path(relative)), exist_ok=True)
        with open(path(relative) + ".tmp", "w") as f:
            f.write(text)
        os.replace(path(relative) + ".tmp", path(relative))
        print(f"wrote {relative}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
