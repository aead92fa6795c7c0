#!/usr/bin/env python3
"""Per-request self cost by function, from two callgrind runs of different length.

    callgrind_profile.py SMALL.out LARGE.out REQUESTS [TOP]

REQUESTS is how many more requests the LARGE run answered. Each function's self cost
(`callgrind_annotate --inclusive=no`) in the small run is subtracted from the large run's and
divided by REQUESTS, so what start-up and shutdown spend drops out and what remains is what one
request costs, function by function. Prints the TOP (default 25) with their shares.
"""
import re
import shutil
import subprocess
import sys


def demangled(names):
    """Swift symbol names made readable by `swift demangle` when the toolchain is there."""
    if not shutil.which("swift") or not names:
        return names
    result = subprocess.run(["swift", "demangle", "--simplified", "--compact"],
                            input="\n".join(names) + "\n", capture_output=True, text=True)
    lines = result.stdout.splitlines()
    return lines if result.returncode == 0 and len(lines) == len(names) else names


def self_costs(path):
    output = subprocess.run(
        ["callgrind_annotate", "--inclusive=no", "--threshold=100", path],
        check=True, capture_output=True, text=True).stdout
    costs = {}
    listing = False
    for line in output.splitlines():
        if line.endswith("file:function"):
            listing = True
            continue
        match = re.match(r"^\s*([\d,]+)\s+\([\s\d.]+%\)\s+(.*?)(?: \[.*\])?$", line) if listing else None
        if match:
            name = match.group(2)
            costs[name] = costs.get(name, 0) + int(match.group(1).replace(",", ""))
    return costs


if not 4 <= len(sys.argv) <= 5:
    sys.exit(__doc__)
small, large = self_costs(sys.argv[1]), self_costs(sys.argv[2])
requests = int(sys.argv[3])
top = int(sys.argv[4]) if len(sys.argv) == 5 else 25
per_request = {name: (large.get(name, 0) - small.get(name, 0)) / requests for name in small.keys() | large.keys()}
total = sum(per_request.values())
print(f"{total:,.0f} instructions per request; the {top} largest self costs:")
largest = sorted(per_request.items(), key=lambda item: -item[1])[:top]
names = demangled([name.removeprefix("???:") for name, _ in largest])
for (_, cost), name in zip(largest, names):
    print(f"{cost:9,.0f} {100 * cost / total:5.1f} %  {name[:140]}")
