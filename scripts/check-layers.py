#!/usr/bin/env python3
"""Checks that the Swift modules and the folders inside HTTP1, HTTPServer and DemoApp are layers.

    scripts/check-layers.py [--root DIR]

Two rules, read from the source text alone (no build, well under a second):

1. Modules: each file imports only the modules of this package its module may reach
   (MODULE_IMPORTS below: demo-server -> DemoApp -> HTTPServer -> HTTP1; DemoApp -> CSQLite, CLibPQ;
   HTTPServer -> CHTTPShims), and the sans-I/O core imports no logger, threads or Foundation.
2. Folders: inside HTTP1, HTTPServer and DemoApp the folders have an order (FOLDER_ORDER below,
   lowest first), and the files directly in the module's folder sit above every folder. A file may
   use the types declared in its own folder or in a folder below it, never one above it nor one
   declared in a module-level file; as the order is total, no two folders can need each other.
   "Uses" means names a type declared at the top level of another folder (or module-level file)
   of the same module (struct, class, enum, protocol, actor, typealias), anywhere in its code
   outside comments and string literals.
   Members added by an extension in another folder are not traced; the types they return are.

Every violation is printed as file:line with what was used and where it lives; the exit status
is 1 when there is any, else 0.
"""
import argparse
import re
import sys
from pathlib import Path

# Lowest first. Files directly in the module's folder (Exports.swift, DemoApplication.swift) sit
# above every folder.
FOLDER_ORDER = {
    "HTTP1": ["Time", "Syntax", "Limits", "Message", "Parsing", "Encoding", "Connection"],
    "HTTPServer": ["Socket", "Threads", "Configuration", "Application", "Connection", "EventLoop", "Server"],
    "DemoApp": ["Text", "JSON", "Files", "Configuration", "Tracing", "Store", "Static", "Pages", "AccessLog",
                "Metrics", "Routes"],
}
MODULE_LEVEL = "the module's own folder"

# The package's own modules each module may import; anything else of ours is a layer violation.
OUR_MODULES = {"CHTTPShims", "CSQLite", "CLibPQ", "HTTP1", "HTTPServer", "DemoApp", "demo_server"}
MODULE_IMPORTS = {
    "HTTP1": set(),
    "HTTPServer": {"HTTP1", "CHTTPShims"},
    "DemoApp": {"HTTP1", "HTTPServer", "CHTTPShims", "CSQLite", "CLibPQ"},
    "demo-server": {"HTTP1", "HTTPServer", "DemoApp"},
}
# Outside modules the sans-I/O core must not import: it has no logger, threads, clock or Foundation.
CORE_FORBIDDEN = {"Logging", "Dispatch", "Foundation", "FoundationEssentials", "CHTTPShims"}

DECLARATION = re.compile(
    r"^(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|fileprivate|private|final|indirect)\s+)*"
    r"(?:struct|class|enum|protocol|actor|typealias)\s+([A-Z]\w*)"
)
IMPORT = re.compile(r"^\s*(?:@\w+\s+)*(?:(?:public|package|internal|fileprivate|private)\s+)?import\s+(\w+)")
TYPE_NAME = re.compile(r"\b[A-Z]\w*\b")


def code_lines(text):
    """The file's lines with comments and the contents of string literals blanked out."""
    out, in_block, in_multiline = [], 0, False
    for line in text.split("\n"):
        result, i = [], 0
        while i < len(line):
            if in_multiline:
                end = line.find('"""', i)
                if end < 0:
                    i = len(line)
                else:
                    in_multiline, i = False, end + 3
                    result.append('""')
            elif in_block:
                if line.startswith("*/", i):
                    in_block, i = in_block - 1, i + 2
                elif line.startswith("/*", i):
                    in_block, i = in_block + 1, i + 2
                else:
                    i += 1
            elif line.startswith("//", i):
                break
            elif line.startswith("/*", i):
                in_block, i = 1, i + 2
            elif line.startswith('"""', i):
                in_multiline, i = True, i + 3
            elif line[i] == '"':
                # A one-line literal: skip to its closing quote (escapes and interpolations kept simple:
                # a name inside `\(...)` is not seen, which can only hide a use, never invent one).
                j = i + 1
                while j < len(line) and line[j] != '"':
                    j += 2 if line[j] == "\\" else 1
                result.append('""')
                i = j + 1
            else:
                result.append(line[i])
                i += 1
        out.append("".join(result))
    return out


def module_of(path, sources):
    return path.relative_to(sources).parts[0]


def folder_of(path, module_dir):
    parts = path.relative_to(module_dir).parts
    return parts[0] if len(parts) > 1 else None


def check(root):
    sources = root / "Sources"
    problems = []
    for path in sorted(sources.rglob("*.swift")):
        module = module_of(path, sources)
        allowed = MODULE_IMPORTS.get(module)
        if allowed is None:
            continue
        for number, line in enumerate(code_lines(path.read_text()), 1):
            match = IMPORT.match(line)
            if not match:
                continue
            name = match.group(1)
            where = f"{path.relative_to(root)}:{number}"
            if name in OUR_MODULES and name not in allowed:
                problems.append(f"{where}: {module} imports {name}, which is not below it (allowed: {sorted(allowed) or 'none'})")
            if module == "HTTP1" and name in CORE_FORBIDDEN:
                problems.append(f"{where}: the sans-I/O core imports {name}")

    for module, order in FOLDER_ORDER.items():
        module_dir = sources / module
        files = sorted(module_dir.rglob("*.swift"))
        rank = {folder: index for index, folder in enumerate(order)}
        rank[MODULE_LEVEL] = len(order)
        declared = {}  # type name -> folder, or MODULE_LEVEL
        lines_of = {}
        for path in files:
            folder = folder_of(path, module_dir)
            if folder is not None and folder not in rank:
                problems.append(f"{path.relative_to(root)}:1: folder {folder} is not in the order for {module} "
                                f"(scripts/check-layers.py FOLDER_ORDER)")
                continue
            lines_of[path] = code_lines(path.read_text())
            for line in lines_of[path]:
                match = DECLARATION.match(line)
                if match:
                    declared.setdefault(match.group(1), folder or MODULE_LEVEL)
        for path, lines in lines_of.items():
            folder = folder_of(path, module_dir)
            if folder is None:
                continue  # Module-level files sit above every folder and may use any of them.
            for number, line in enumerate(lines, 1):
                for name in set(TYPE_NAME.findall(line)):
                    other = declared.get(name)
                    if other is None or other == folder or rank[other] < rank[folder]:
                        continue
                    place = f"{module}/{other}, a folder above it" if other != MODULE_LEVEL else \
                        f"{module}'s module-level files, which sit above every folder"
                    problems.append(
                        f"{path.relative_to(root)}:{number}: {module}/{folder} uses {name} from {place} "
                        f"(order, lowest first: {', '.join(order)})")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    arguments = parser.parse_args()
    problems = check(arguments.root)
    for problem in problems:
        print(problem)
    checked = ", ".join(f"{module} ({len(order)} folders)" for module, order in FOLDER_ORDER.items())
    if problems:
        print(f"check-layers: {len(problems)} violation(s); 0 passed, 1 failed", file=sys.stderr)
        return 1
    print(f"check-layers: module imports and the folder layers of {checked}: 1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
