#!/usr/bin/env python3
"""What each recorded measurement was made from, as a content fingerprint.

Every script that records a measurement stores, next to its numbers, the git revision it ran on
and a fingerprint of its inputs: sha256 over the paths and contents of the files in the
measurement's input set, as they were in the working tree (committed or not). render-tutorial.py
--check recomputes the fingerprints and fails when one differs, so a change to .dockerignore, a
Dockerfile, the server's sources, Package.swift or Public/ makes the figures stale even when the
rendered text happens not to change; a commit or merge that touches none of the inputs changes no
fingerprint and stays green.

Input sets (pathspecs relative to the repository root; files git ignores never count):
  images    what the three images are built from, and the script that measures them
  context   what the build context holds with .dockerignore applied, and its script
  foundation-cost  the script, which holds the three programs it builds
The walkthrough itself (docs/TUTORIAL.md), its chart (docs/images/image-sizes.svg) and the
screenshot of the demo page (docs/images/demo-page.png) are copied into the images too, but they
are made from these measurements, so they cannot be inputs of them; a change to them alters the
images' sizes by at most their own size.

Usage:
  scripts/lib/inputs.py SET            print the fingerprint of SET
  scripts/lib/inputs.py SET --files    print the files it covers
  scripts/lib/inputs.py --revision     print the revision (with "+uncommitted" when inputs of
                                       any set differ from HEAD)
Python 3 standard library only; needs git.
"""
import hashlib
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SETS = {
    "images": [".dockerignore", "Dockerfile.naive", "Dockerfile.alpine", "Dockerfile.multistage",
               "Package.swift", "Package.resolved", "Sources", "Public",
               ":(exclude)Public/image-sizes.json", "docs/images",
               ":(exclude)docs/images/image-sizes.svg", ":(exclude)docs/images/demo-page.png",
               "scripts/compare-images.sh"],
    "context": [".dockerignore", "Package.swift", "Package.resolved", "Sources", "Public",
                ":(exclude)Public/image-sizes.json", "scripts/measure-context.sh"],
    "foundation-cost": ["scripts/measure-foundation-cost.sh"],
}


def files(name, root=ROOT):
    """The files of input set NAME: tracked or untracked-but-not-ignored, sorted."""
    specs = SETS[name]
    listing = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard", "--", *specs],
                             check=True, capture_output=True).stdout
    return sorted({path for path in listing.decode().split("\0")
                   if path and os.path.isfile(os.path.join(root, path))})


def fingerprint(name, root=ROOT):
    """sha256 over "path NUL sha256(content) LF" for every file of the set."""
    outer = hashlib.sha256()
    for relative in files(name, root):
        with open(os.path.join(root, relative), "rb") as f:
            inner = hashlib.sha256(f.read()).hexdigest()
        outer.update(f"{relative}\0{inner}\n".encode())
    return "sha256:" + outer.hexdigest()


def revision(root=ROOT):
    """HEAD's commit, plus "+uncommitted" when any input file differs from it."""
    try:
        head = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], check=True,
                              capture_output=True, text=True).stdout.strip()
    except subprocess.CalledProcessError:
        return "unknown"
    specs = sorted({spec for spec_list in SETS.values() for spec in spec_list})
    dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--", *specs],
                           capture_output=True, text=True).stdout.strip()
    return head + ("+uncommitted" if dirty else "")


def changed_since(recorded_revision, name, root=ROOT):
    """The input files of NAME that differ between the recorded revision and the working tree
    (for the message; empty when the revision is unknown to this clone)."""
    commit = recorded_revision.split("+")[0]
    result = subprocess.run(["git", "-C", root, "diff", "--name-only", commit, "--", *SETS[name]],
                            capture_output=True, text=True)
    return result.stdout.split() if result.returncode == 0 else []


def main(argv):
    if argv[1:2] == ["--revision"]:
        print(revision())
        return 0
    if len(argv) < 2 or argv[1] not in SETS:
        print(f"usage: {argv[0]} {{{'|'.join(SETS)}}} [--files] | --revision", file=sys.stderr)
        return 64
    if argv[2:3] == ["--files"]:
        print("\n".join(files(argv[1])))
    else:
        print(fingerprint(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
