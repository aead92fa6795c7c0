#!/usr/bin/env python3
"""Writes the benchmarks' static file: exactly 2048 bytes of text, the same every time.

    lab/bench/make-bench-file.py DIRECTORY   # writes DIRECTORY/bench-2k.txt

Used by lab/bench.sh and lab/bench/compare-builds.sh, so both measure the same bytes.
"""
import pathlib
import sys

if len(sys.argv) != 2:
    sys.exit(__doc__)
line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_\n"
path = pathlib.Path(sys.argv[1]) / "bench-2k.txt"
path.write_bytes((line * 64)[:2048])
if path.stat().st_size != 2048:
    sys.exit(f"{path} is not 2048 bytes")
