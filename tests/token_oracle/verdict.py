"""From counts and from bolaudit's JSON to rule codes, and the apps that exist.

Runtime, as the issue puts it: at most one token per token lifetime (per account) is reuse and
silent; otherwise one per loop iteration is BOL201 and one per event (request, task, invocation,
tool call, job run) is BOL202; an API call made with an expired token that the app did not renew
right after is BOL206. Anything between those is no verdict at all and fails the test.
"""

from __future__ import annotations

import ast
import json
import math
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parent.parent
APPS = TESTS / "fixtures" / "token_apps"
LIFETIME = 299  # bol's expires_in
LIFECYCLE = ("BOL201", "BOL202", "BOL206")


@dataclass(frozen=True)
class App:
    name: str  # "django_view/bad"
    folder: Path
    expect: dict[str, Any]

    @property
    def runs(self) -> bool:
        return self.expect.get("runtime") is not None

    @property
    def expected_codes(self) -> set[str]:
        return {f["code"] for f in self.expect["findings"]}


def apps() -> list[App]:
    found = []
    for expect in sorted(APPS.glob("*/*/expect.json")):
        data = json.loads(expect.read_text(encoding="utf-8"))
        found.append(App(f"{expect.parent.parent.name}/{expect.parent.name}", expect.parent, data))
    return found


class NoVerdict(AssertionError):
    """The counts fit none of the classes: the drive or the app is wrong, not the rules."""


def runtime_codes(counts: dict[str, Any]) -> set[str]:
    codes = set()
    if counts["unrecovered_expired"]:
        codes.add("BOL206")
    tokens = counts["token_requests"]
    ceiling = counts["accounts"] * (math.ceil(counts["elapsed"] / LIFETIME) + 1)
    if tokens <= ceiling:
        return codes
    if counts["iterations"] and tokens >= counts["iterations"]:
        return codes | {"BOL201"}
    if tokens >= counts["events"]:
        return codes | {"BOL202"}
    raise NoVerdict(f"{tokens} token requests: more than one per lifetime ({ceiling}), fewer than one "
                    f"per event ({counts['events']}) or per iteration ({counts['iterations']})")


def run_app(app: App, key_file: Path | None = None, timeout: float = 60) -> dict[str, Any]:
    """Run ``app`` in a fresh interpreter (token_oracle.child) and return its counts. ``key_file``:
    the test session's token signing key (tokenserver.write_signing_key), to spare each child
    making one."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(PYTHONPATH=str(TESTS), PYTHONDONTWRITEBYTECODE="1", NO_PROXY="*")
    if key_file is not None:
        env["TOKENSERVER_KEY_FILE"] = str(key_file)
    done = subprocess.run([sys.executable, "-m", "token_oracle.child", str(app.folder)], env=env,
                          capture_output=True, text=True, timeout=timeout, cwd=TESTS)
    if done.returncode != 0:
        raise AssertionError(f"{app.name}: the oracle's child failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def static_findings(app: App, scratch: Path) -> list[dict[str, Any]]:
    """bolaudit's BOL2 findings on a copy of the app's folder (the repository's own config
    excludes tests/, and a copy outside any git tree is audited as a user's project would be)."""
    copy = scratch / app.name.replace("/", "-")
    shutil.copytree(app.folder, copy, ignore=shutil.ignore_patterns("__pycache__", "expect.json"))
    done = subprocess.run([sys.executable, "-m", "bolaudit", "check", ".", "--select", "BOL2", "--format", "json",
                           "--no-cache", "--jobs", "1"], cwd=copy, capture_output=True, text=True, timeout=120)
    if done.returncode not in (0, 1):
        raise AssertionError(f"{app.name}: bolaudit exited {done.returncode}:\n{done.stderr[-3000:]}")
    return list(json.loads(done.stdout)["findings"])


def unmatched(app: App, findings: list[dict[str, Any]]) -> list[str]:
    """Expected findings that no reported finding matches: same code, the ``file``, the line
    inside the function ``in``, a message that names the entry point ``entry`` (each a name, or a
    list of names any one of which will do)."""
    missing = []
    for want in app.expect["findings"]:
        if not any(_matches(app, want, got) for got in findings):
            missing.append(json.dumps(want))
    return missing


def _matches(app: App, want: dict[str, Any], got: dict[str, Any]) -> bool:
    path = Path(got["path"]).as_posix()
    if got["code"] != want["code"] or path not in _names(want["file"]):
        return False
    entries = _names(want.get("entry", []))
    if entries and not any(entry in got["message"] for entry in entries):
        return False
    functions = _names(want.get("in", []))
    return not functions or any(got["line"] in _lines_of(app.folder / path, f) for f in functions)


def _names(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _lines_of(path: Path, name: str) -> set[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            lines.update(range(first, (node.end_lineno or node.lineno) + 1))
    return lines
