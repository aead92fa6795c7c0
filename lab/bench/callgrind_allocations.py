#!/usr/bin/env python3
"""Counts the calls to the C allocator recorded in a callgrind output file.

    callgrind_allocations.py callgrind.out

callgrind records every call with its count (`calls=N ...` after a `cfn=` line), also in a fully
static binary, where valgrind's allocation tools (DHAT, massif) see nothing because they replace
malloc through a preloaded shared library. Prints the number of calls to malloc, calloc, realloc,
posix_memalign, aligned_alloc and memalign together (free is not counted).
"""
import re
import sys

ALLOCATORS = {"malloc", "calloc", "realloc", "posix_memalign", "aligned_alloc", "memalign"}

if len(sys.argv) != 2:
    sys.exit(__doc__)
names = {}          # compressed id -> function name
pending = None      # function of the last cfn= line, waiting for its calls= line
total = 0
with open(sys.argv[1], encoding="utf-8", errors="replace") as lines:
    for line in lines:
        match = re.match(r"^c?fn=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
        if match:
            ident, name = match.groups()
            if name is not None:
                names[ident] = name
            pending = names.get(ident) if line.startswith("cfn=") else None
            continue
        if pending is not None and line.startswith("calls="):
            if pending.split("'")[0] in ALLOCATORS:
                total += int(line.split()[0][len("calls="):])
            pending = None
print(total)
