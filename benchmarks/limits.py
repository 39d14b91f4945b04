"""What bolaudit's bounds cost: a big Python file, and a long ``per-file-ignores`` table.

    python benchmarks/limits.py [--runs N] [--size BYTES] [--entries N]

Generates, in a temporary folder, (1) one Python file of ``--size`` bytes (default just under
the 1 MiB size cap): thousands of plain functions with a few bol calls among them, as a
generated client or a vendored module looks; (2) a project of 300 files with a finding each and
a ``per-file-ignores`` table of ``--entries`` patterns (default 2,000). Runs ``bolaudit check
--no-cache`` on each in a fresh process (``measure.py``) and prints wall time, CPU time and peak
memory as JSON. Not part of the test suite: timings never are.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

HEAD = '''"""Order sync: generated module."""
import requests

BASE = "https://api.bol.com/retailer"


class BolSession:
    def __init__(self, token):
        self.session = requests.Session()
        self.session.headers["Authorization"] = "Bearer " + token

    def get(self, path, **params):
        return self.session.get(BASE + path, params=params)


'''


def big_module(size: int) -> str:
    """About ``size`` bytes of Python: plain functions, with a bol call in one of every 200."""
    parts = [HEAD]
    total = len(HEAD)
    i = 0
    while True:
        if i % 200 == 0:
            block = (
                f"def fetch_orders_{i}(client, page):\n"
                f"    return client.get(\"/orders\", page=page).json()\n\n\n"
            )
        else:
            block = (
                f"def transform_{i}(row, factor={i}):\n"
                f"    total = 0\n"
                f"    for key, value in row.items():\n"
                f"        if isinstance(value, (int, float)) and key != 'id_{i}':\n"
                f"            total += value * factor - {i % 7}\n"
                f"        elif value is None:\n"
                f"            continue\n"
                f"    return {{'sum': total, 'name': 'transform_{i}', 'items': [x for x in row if x]}}\n\n\n"
            )
        if total + len(block) > size:
            break
        parts.append(block)
        total += len(block)
        i += 1
    return "".join(parts)


def ignores_project(folder: Path, entries: int, files: int = 300) -> None:
    """``files`` modules with a BOL301 each, and ``entries`` per-file-ignores patterns."""
    pkg = folder / "sync"
    pkg.mkdir(parents=True)
    for n in range(files):
        (pkg / f"shop_{n}.py").write_text(
            "import requests\n\n\n"
            f"def orders_{n}(token):\n"
            f"    return requests.get(\"https://api.bol.com/retailer/orders\", "
            f"headers={{\"Authorization\": \"Bearer \" + token}})\n"
        )
    lines = ["[tool.bolaudit.per-file-ignores]"]
    lines += [f'"legacy/area_{n}/*.py" = ["BOL301"]' for n in range(entries - 1)]
    lines.append('"sync/shop_1*.py" = ["BOL3"]')
    (folder / "pyproject.toml").write_text("\n".join(lines) + "\n")


def measure(cwd: Path, runs: int, *args: str) -> dict[str, object]:
    best: dict[str, object] | None = None
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, str(HERE / "measure.py"), "--cwd", str(cwd), "--",
             sys.executable, "-m", "bolaudit", "check", "--no-cache", *args],
            capture_output=True, text=True, check=True,
        )
        result = json.loads(done.stdout)
        if best is None or float(result.get("wall", 1e9)) < float(best.get("wall", 1e9)):  # type: ignore[arg-type]
            best = result
    assert best is not None
    return {k: (round(v, 2) if isinstance(v, float) else v) for k, v in best.items() if k != "stderr"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--size", type=int, default=1024 * 1024 - 8 * 1024)
    parser.add_argument("--entries", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp, "big")
        big.mkdir()
        (big / ".git").mkdir()  # the project's top: no config search above it
        source = big_module(args.size)
        (big / "orders_sync.py").write_text(source)
        print(json.dumps({"case": f"one {len(source.encode())}-byte .py file",
                          **measure(big, args.runs, "orders_sync.py")}))
        project = Path(tmp, "ignores")
        ignores_project(project, args.entries)
        (project / ".git").mkdir()
        print(json.dumps({"case": f"{args.entries} per-file-ignores, 300 files",
                          **measure(project, args.runs)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
