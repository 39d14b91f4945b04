"""A bare LibCST parse of every Python file under a folder: the floor bolaudit is measured against.

    python benchmarks/libcst_parse.py [--jobs N] FOLDER

Reads each ``.py`` file and hands its bytes to ``libcst.parse_module`` (which decodes them as
Python would); no visitor, no metadata, nothing kept. ``--jobs`` > 1 spreads the files over a
process pool, as bolaudit does. Files that do not parse are counted, not fatal. Folders no audit
wants (``.git``, caches) are skipped; everything else is parsed, bol or not.
"""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ProcessPoolExecutor

SKIP = frozenset({".git", ".hg", ".svn", "__pycache__", ".bolaudit_cache", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tox", ".nox", "node_modules"})


def python_files(folder: str) -> list[str]:
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP)
        out.extend(os.path.join(dirpath, name) for name in sorted(filenames) if name.endswith(".py"))
    return out


def parse(path: str) -> bool:
    import libcst

    with open(path, "rb") as handle:
        data = handle.read()
    try:
        libcst.parse_module(data)
    except (libcst.ParserSyntaxError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError):
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder")
    parser.add_argument("--jobs", type=int, default=1, help="processes (default 1)")
    args = parser.parse_args(argv)
    paths = python_files(args.folder)
    if args.jobs <= 1:
        results = [parse(p) for p in paths]
    else:
        chunk = max(1, len(paths) // (args.jobs * 8))
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            results = list(pool.map(parse, paths, chunksize=chunk))
    failed = results.count(False)
    print(f"parsed {len(paths) - failed} of {len(paths)} Python files ({failed} did not parse)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
