#!/usr/bin/env python3
"""Draws docs/images/image-sizes.svg: the three Swift images' sizes beside the Flask tutorial's,
as a horizontal bar chart on a log scale (a 4 GB image and a 12 MB one differ by 350 times; on
a linear axis the small bars would vanish).

Each bar is what a reader gets with the official base images. Where this machine measured on a
local stand-in or replica of a base, that figure is derived: the image's own layers (measured)
plus the official base's published size (withOfficialBase in the data, from
docs/measurements/registry-reference.json), and a footnote says so and names the source.

The data is Public/image-sizes.json, written by scripts/compare-images.sh. The SVG is
self-contained: no scripts, no external fonts or stylesheets (a system font stack), its own
white background so it reads the same in light and dark mode, and a <title>/<desc> for screen
readers. The output depends only on the data, so rerunning it without new data changes nothing.

Usage:
  scripts/size-chart.py                 write docs/images/image-sizes.svg
  scripts/size-chart.py --check         exit 1 if the file is not what the data gives
  scripts/size-chart.py --data F --output F
Python 3 standard library only.
"""
import argparse
import json
import math
import os
import sys
from xml.sax.saxutils import escape

# The Flask tutorial's numbers (naive Debian image, Alpine, multi-stage build), in MB.
FLASK_MB = {"naive": 536.0, "alpine": 263.0, "multistage": 65.8}
STAGES = [
    ("naive", "Naive", "one stage, full toolchain"),
    ("alpine", "Alpine", "static binary on Alpine"),
    ("multistage", "Multi-stage", "static binary on scratch"),
]

MARKS = ["*", "\u2020", "\u2021"]


def reader_mb(image):
    """What a reader gets, in MB: with the official base where it was measured on a local one."""
    expected = image.get("withOfficialBase") if image.get("baseIsStandIn") else None
    return (expected or image)["bytes"] / 1e6


def footnotes(images):
    """For each image measured on a local stand-in or replica base: its mark and how its bar is
    derived (Public/image-sizes.json's withOfficialBase, written by scripts/compare-images.sh
    from docs/measurements/registry-reference.json)."""
    notes = []
    for variant, _, _ in STAGES:
        image = images[variant]
        if not image.get("baseIsStandIn"):
            continue
        mark = MARKS[len(notes)]
        base = image.get("base", "its base image")
        expected = image.get("withOfficialBase")
        if expected:
            source = expected["source"].split(" (")[0]
            text = (f"our layers (measured) plus the official {base} ({source}); "
                    f"on this machine's local {image.get('baseKind', 'stand-in')} {format_mb(image['bytes'] / 1e6)}")
        else:
            text = f"measured on a local {image.get('baseKind', 'stand-in')} of {base}"
        notes.append((variant, mark, text + "."))
    return notes

WIDTH = 760
LEFT = 190          # label column
RIGHT_PAD = 110     # room for the value after the longest bar
TOP = 78
BAR_H = 20
BAR_GAP = 6
GROUP_GAP = 22
AXIS_MIN_MB = 1.0
AXIS_MAX_MB = 10_000.0
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
SWIFT_COLOUR = "#D94A2B"   # Swift orange, darkened for contrast with white text nearby
FLASK_COLOUR = "#3D6A99"
TEXT = "#1F2328"
MUTED = "#57606A"
GRID = "#D0D7DE"


def format_mb(mb):
    """3 significant digits: 4.14 GB, 536 MB, 65.8 MB, 17.0 MB, 2.21 MB."""
    if mb >= 1000:
        value, unit = mb / 1000, "GB"
    else:
        value, unit = mb, "MB"
    if value >= 100:
        text = f"{value:.0f}"
    elif value >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}"


def x_of(mb, plot_width):
    clamped = min(max(mb, AXIS_MIN_MB), AXIS_MAX_MB)
    return LEFT + plot_width * math.log10(clamped / AXIS_MIN_MB) / math.log10(AXIS_MAX_MB / AXIS_MIN_MB)


def render(data):
    images = {image["variant"]: image for image in data["images"]}
    missing = [variant for variant, _, _ in STAGES if variant not in images]
    if missing:
        raise ValueError(f"image-sizes.json lacks {', '.join(missing)}")
    plot_width = WIDTH - LEFT - RIGHT_PAD
    group_h = 2 * BAR_H + BAR_GAP
    plot_h = len(STAGES) * group_h + (len(STAGES) - 1) * GROUP_GAP
    axis_y = TOP + plot_h + 14
    notes = footnotes(images)
    height = axis_y + 36 + 18 * len(notes)

    swift_mb = {variant: reader_mb(images[variant]) for variant, _, _ in STAGES}
    description = "; ".join(
        f"{title}: Swift {format_mb(swift_mb[variant])}, Flask {format_mb(FLASK_MB[variant])}"
        for variant, title, _ in STAGES)

    out = []
    add = out.append
    add(f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="title desc" '
        f'font-family="{escape(FONT)}">')
    add('<title id="title">Container image sizes, Swift (with the official base images) and Flask (the original tutorial), log scale</title>')
    add(f'<desc id="desc">{escape(description)}.</desc>')
    add(f'<rect width="{WIDTH}" height="{height}" fill="#FFFFFF"/>')
    add(f'<text x="20" y="30" font-size="18" font-weight="700" fill="{TEXT}">Image size by recipe (log scale)</text>')
    # Legend.
    add(f'<rect x="20" y="44" width="14" height="14" rx="2" fill="{SWIFT_COLOUR}"/>')
    add(f'<text x="40" y="56" font-size="13" fill="{TEXT}">Swift demo-server, official bases</text>')
    add(f'<rect x="250" y="44" width="14" height="14" rx="2" fill="{FLASK_COLOUR}"/>')
    add(f'<text x="270" y="56" font-size="13" fill="{TEXT}">Flask app, the original tutorial</text>')

    # Grid and axis: one line per power of ten.
    decade = AXIS_MIN_MB
    while decade <= AXIS_MAX_MB:
        x = x_of(decade, plot_width)
        add(f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{axis_y - 12}" stroke="{GRID}" stroke-width="1"/>')
        tick = f"{decade:.0f} MB" if decade < 1000 else f"{decade / 1000:.0f} GB"
        add(f'<text x="{x:.1f}" y="{axis_y + 4}" font-size="12" fill="{MUTED}" text-anchor="middle">{tick}</text>')
        decade *= 10

    y = TOP
    for variant, title, subtitle in STAGES:
        add(f'<text x="{LEFT - 12}" y="{y + 17}" font-size="14" font-weight="700" fill="{TEXT}" text-anchor="end">{escape(title)}</text>')
        add(f'<text x="{LEFT - 12}" y="{y + 35}" font-size="12" fill="{MUTED}" text-anchor="end">{escape(subtitle)}</text>')
        for row, (mb, colour, who) in enumerate([
                (swift_mb[variant], SWIFT_COLOUR, "Swift"),
                (FLASK_MB[variant], FLASK_COLOUR, "Flask")]):
            top = y + row * (BAR_H + BAR_GAP)
            end = x_of(mb, plot_width)
            width = max(end - LEFT, 2.0)
            label = format_mb(mb)
            for note_variant, mark, _ in notes:
                if who == "Swift" and variant == note_variant:
                    label += " " + mark
            add(f'<rect x="{LEFT}" y="{top}" width="{width:.1f}" height="{BAR_H}" rx="3" fill="{colour}">'
                f'<title>{who}, {escape(title)}: {format_mb(mb)}</title></rect>')
            add(f'<text x="{LEFT + width + 6:.1f}" y="{top + 15}" font-size="13" fill="{TEXT}">{escape(label)}</text>')
        y += group_h + GROUP_GAP

    add(f'<text x="{WIDTH / 2:.0f}" y="{axis_y + 22}" font-size="12" fill="{MUTED}" text-anchor="middle">'
        f'uncompressed size (docker image inspect), MB = 10^6 bytes</text>')
    for index, (_, mark, text) in enumerate(notes):
        add(f'<text x="20" y="{axis_y + 46 + 18 * index}" font-size="12" fill="{MUTED}">{escape(mark)} {escape(text)}</text>')
    add('</svg>')
    return "\n".join(out) + "\n"


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=os.path.join(root, "Public", "image-sizes.json"))
    parser.add_argument("--output", default=os.path.join(root, "docs", "images", "image-sizes.svg"))
    parser.add_argument("--check", action="store_true", help="fail if the output is out of date")
    args = parser.parse_args()
    with open(args.data) as f:
        svg = render(json.load(f))
    if args.check:
        try:
            with open(args.output) as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current != svg:
            print(f"{os.path.relpath(args.output, root)} is out of date: run scripts/size-chart.py", file=sys.stderr)
            return 1
        return 0
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output + ".tmp", "w") as f:
        f.write(svg)
    os.replace(args.output + ".tmp", args.output)
    print(f"wrote {os.path.relpath(args.output, root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
