#!/usr/bin/env python3
"""Writes what scripts/compare-images.sh measured as JSON, for the number check
(scripts/lib/reader_numbers.py).

Usage:
  measurement-json.py TARGET ROWS MEASURED_AT REVISION BUILD_KIND REQUESTS
      ROWS holds "VARIANT.metric VALUE" lines; TARGET gets {"values": {"VARIANT.name": number}}
      (docs/measurements/images.json, or the file MEASURE= names).
  measurement-json.py --screenshot TARGET PNG PAGE_HTML CHART_JSON TAKEN_AT
      TARGET (docs/measurements/demo-page.json) records what the screenshot PNG shows: the variant and
      user the page names, the chart data the container served, and the PNG's sha256.
Python 3 standard library only.
"""
import hashlib
import json
import os
import re
import sys

NAMES = {"bytes": "bytes", "gzip": "compressedBytes", "layers": "layers", "files": "files",
         "packages": "packages", "suid": "setuidFiles", "memidle": "memoryIdleBytes",
         "mem": "memoryAfterRequestsBytes", "rssidle": "rssIdleBytes", "rss": "rssAfterRequestsBytes",
         "startup": "startupMilliseconds", "expbytes": "officialBaseBytes",
         "expgzip": "officialBaseCompressedBytes", "exppackages": "officialBasePackages",
         "build": "buildSeconds", "rebuild": "rebuildSeconds"}


def write(target, data):
    with open(target + ".tmp", "w") as f:
        json.dump(data, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.replace(target + ".tmp", target)


def measurement(target, rows, measured_at, revision, build_kind, requests):
    values = {}
    with open(rows) as f:
        for line in f:
            key, value = line.split()
            variant, _, metric = key.partition(".")
            number = float(value)
            values[f"{variant}.{NAMES.get(metric, metric)}"] = int(number) if number.is_integer() else number
    write(target, {"measuredAt": measured_at, "revision": revision,
                   "measuredBy": "scripts/compare-images.sh", "builds": build_kind,
                   "requests": int(requests), "values": dict(sorted(values.items()))})


def screenshot(target, png, page, chart, taken_at):
    with open(page, encoding="utf-8", errors="replace") as f:
        html = f.read()
    with open(chart) as f:
        served = json.load(f)
    with open(png, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    user = re.search(r"root \(uid 0\)|uid \d+", html)
    variant = re.search(r">(naive|alpine|multistage)<", html)
    write(target, {
        "about": "What docs/images/demo-page.png shows, recorded by scripts/compare-images.sh when it "
                 "took the picture; scripts/lib/reader_numbers.py checks it against the images as they are.",
        "takenAt": taken_at,
        "sha256": digest,
        "variantShown": variant.group(1) if variant else "none",
        "userShown": user.group(0) if user else "unknown",
        "chartMeasuredAt": served.get("measuredAt", "unknown"),
        "chartBytes": {image["variant"]: image["bytes"] for image in served["images"]},
        "chartOfficialBytes": {image["variant"]: image.get("withOfficialBase", {}).get("bytes", image["bytes"])
                               for image in served["images"]},
    })


def main(argv):
    if argv[1:2] == ["--screenshot"] and len(argv) == 7:
        screenshot(*argv[2:7])
    elif len(argv) == 7:
        measurement(*argv[1:7])
    else:
        print(__doc__, file=sys.stderr)
        return 64
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
