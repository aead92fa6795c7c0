#!/usr/bin/env python3
"""Where a running process's resident memory is: the pages of its executable that are mapped,
by ELF section and, for code and read-only data, by the module their symbols belong to.

    lab/bench/resident_pages.py PID [--binary PATH]

Reads /proc/PID/maps and /proc/PID/pagemap (root, or the process's owner with CAP_SYS_ADMIN, sees
the present bits), `readelf -SW` for the sections and `nm -S` for the symbols; PATH defaults to
/proc/PID/exe and must have its symbol table (an unstripped copy of the same build). Prints
resident KiB per section and per module, and the anonymous rest (heap, stacks) from
/proc/PID/smaps_rollup. Mapped file pages are clean and shared (another process of the same image
shares them); which ones are mapped follows from what start-up touched, widened by the kernel's
fault-around (up to 64 KiB around each fault, all of it when the file's pages sit in the page
cache as large folios), so the figure also depends on how the file was written and read.
"""
import argparse
import bisect
import collections
import os
import re
import struct
import subprocess
import sys

PAGE = os.sysconf("SC_PAGE_SIZE")

MODULES = [
    ("HTTPServer (ours)", re.compile(r"^\$s10HTTPServer")),
    ("DemoApp (ours)", re.compile(r"^\$s7DemoApp")),
    ("demo-server (ours)", re.compile(r"^\$s11demo_server")),
    ("swift-log", re.compile(r"^\$s7Logging")),
    ("FoundationEssentials", re.compile(r"^\$s(20FoundationEssentials|10Foundation|12_FoundationC|18_FoundationUnicode)")),
    ("ArgumentParser", re.compile(r"^\$s(14ArgumentParser|22ArgumentParserToolInfo)")),
    ("Dispatch", re.compile(r"^\$s8Dispatch|^_?dispatch_|^_dispatch")),
    ("SQLite", re.compile(r"^sqlite3|^_sqlite")),
    ("Swift runtime and stdlib", re.compile(r"^\$s|^swift_|^_swift|^\$e")),
]


def present_pages(pid, start, end):
    with open(f"/proc/{pid}/pagemap", "rb") as pagemap:
        pagemap.seek(start // PAGE * 8)
        data = pagemap.read((end - start) // PAGE * 8)
    return [start + i * PAGE for i in range(len(data) // 8) if struct.unpack_from("<Q", data, i * 8)[0] >> 63]


def sections(binary):
    out = subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True, check=True).stdout
    result = []
    for line in out.splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\S+\s+(\S*)", line)
        if m and int(m.group(2), 16):
            result.append((int(m.group(2), 16), int(m.group(2), 16) + int(m.group(3), 16), m.group(1)))
    return sorted(result)


def symbols(binary):
    out = subprocess.run(["nm", "-S", "--defined-only", binary], capture_output=True, text=True).stdout
    result = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4:
            result.append((int(parts[0], 16), int(parts[1], 16), parts[3]))
    result.sort()
    return result


def module_of(name):
    for label, pattern in MODULES:
        if pattern.search(name):
            return label
    return "C libraries (glibc, libstdc++, ...)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pid", type=int)
    parser.add_argument("--binary")
    args = parser.parse_args()
    exe = os.path.realpath(f"/proc/{args.pid}/exe")
    binary = args.binary or exe
    mapped = []
    for line in open(f"/proc/{args.pid}/maps"):
        fields = line.split()
        if len(fields) >= 6 and os.path.realpath(fields[5]) == exe:
            start, end = (int(x, 16) for x in fields[0].split("-"))
            mapped += present_pages(args.pid, start, end)
    secs = sections(binary)
    starts = [s[0] for s in secs]
    syms = symbols(binary)
    sym_starts = [s[0] for s in syms]
    by_section = collections.Counter()
    by_module = collections.Counter()
    for page in mapped:
        i = bisect.bisect_right(starts, page + PAGE - 1) - 1
        # A page can hold the end of one section and the start of the next: count it where it starts.
        name = secs[i][2] if i >= 0 and secs[i][0] < page + PAGE and secs[i][1] > page else "(headers, padding)"
        by_section[name] += PAGE
        # The page's owner: the symbols overlapping it, weighted by overlap.
        j = max(0, bisect.bisect_right(sym_starts, page) - 1)
        overlap = collections.Counter()
        while j < len(syms) and syms[j][0] < page + PAGE:
            address, size, sym = syms[j]
            covered = min(address + size, page + PAGE) - max(address, page)
            if covered > 0:
                overlap[module_of(sym)] += covered
            j += 1
        if overlap:
            total = sum(overlap.values())
            for module, covered in overlap.items():
                by_module[module] += PAGE * covered / total
        else:
            by_module["(no symbol: metadata, strings, tables)"] += PAGE
    rollup = {}
    for line in open(f"/proc/{args.pid}/smaps_rollup"):
        m = re.match(r"(\w+):\s+(\d+) kB", line)
        if m:
            rollup[m.group(1)] = int(m.group(2))
    print(f"resident: {rollup.get('Rss')} KiB; anonymous {rollup.get('Anonymous')} KiB; "
          f"the executable's pages {len(mapped) * PAGE // 1024} KiB")
    print("\nby section (KiB):")
    for name, size in by_section.most_common():
        print(f"  {size // 1024:>6}  {name}")
    print("\nby module (KiB, pages shared between modules split by bytes):")
    for name, size in by_module.most_common():
        print(f"  {size / 1024:>8.0f}  {name}")


if __name__ == "__main__":
    sys.exit(main())
