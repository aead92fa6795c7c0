#!/usr/bin/env python3
"""Counts the prose words of a Markdown file: what a reader reads outside code.

What counts: every whitespace-separated word with at least one letter or digit in it, in
paragraphs, list items, headings, tables and image descriptions, inline `code` included.
What does not: fenced code blocks (``` or ~~~, their contents and fences), HTML comments
(the test markers and the generated-file header), table separator rows (|---|), and the
targets of links and images (the URL in [text](URL); the text counts).

Usage: scripts/count-prose-words.py [FILE ...] [--max N]
  FILE defaults to docs/TUTORIAL.md (the rendered walkthrough, as readers see it).
  --max N: exit 1 when a file has more than N prose words.
Python 3 standard library only.
"""
import argparse
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def prose(text):
    """The text of FILE with code blocks, comments, separator rows and link targets removed."""
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    kept, fence = [], None
    for line in text.splitlines():
        stripped = line.strip()
        match = re.match(r"^(`{3,}|~{3,})", stripped)
        if fence:
            if match and stripped.startswith(fence) and not stripped[len(match.group(1)):].strip():
                fence = None
            continue
        if match:
            fence = match.group(1)
            continue
        if re.fullmatch(r"\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?", stripped):
            continue
        kept.append(line)
    return re.sub(r"\]\([^)\s]*\)", "] ", "\n".join(kept))


def count(text):
    return sum(1 for word in prose(text).split() if re.search(r"[A-Za-z0-9]", word))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", default=[os.path.join(ROOT, "docs", "TUTORIAL.md")])
    parser.add_argument("--max", type=int, help="fail when a file has more prose words than this")
    args = parser.parse_args()
    status = 0
    for name in args.files:
        with open(name) as f:
            words = count(f.read())
        over = args.max is not None and words > args.max
        print(f"{words} prose words in {os.path.relpath(name)}{f' (more than {args.max})' if over else ''}")
        status |= over
    return status


if __name__ == "__main__":
    sys.exit(main())
