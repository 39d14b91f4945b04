"""Shared test helpers: run the whole pipeline on files written into a temporary folder."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from bolaudit.config import Config
from bolaudit.pipeline.engine import RunResult, run

# A bolaudit bug must fail the test that meets it, not hide as a "problem".
os.environ.setdefault("BOLAUDIT_DEBUG", "1")

# The project folder beside the checkout: bol's OpenAPI documents and the SARIF schema that some
# tests compare bolaudit's data with. A fresh clone has no such folder, so those tests skip; CI
# has it and sets REQUIRE_SHARED (.ci/run), and there a missing file fails the test instead.
SHARED = Path(__file__).resolve().parents[2] / "shared"
REQUIRE_SHARED = "BOLAUDIT_REQUIRE_SHARED"


def shared(*parts: str) -> Path:
    """A path in ../shared; skips the test without it, or fails it when REQUIRE_SHARED is set."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        reason = f"needs {path} (../shared beside the checkout; see the README's Tests section)"
        if os.environ.get(REQUIRE_SHARED):
            pytest.fail(f"{reason}: {REQUIRE_SHARED} is set, so it must be there", pytrace=False)
        pytest.skip(reason)
    return path


def write_tree(root: Path, files: Mapping[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def audit(root: Path, *, select: tuple[str, ...] = (), jobs: int = 1, cache: bool = False) -> RunResult:
    config = Config(root=root, select=select, jobs=jobs, use_cache=cache)
    return run([root], config, debug=True)


def git(repo: Path, *args: str) -> None:
    """Run git in ``repo`` with an identity (commits need one)."""
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.com"]
    subprocess.run(["git", *identity, *args], cwd=repo, check=True, capture_output=True)


def age(root: Path) -> None:
    """Every file and folder under ``root`` (git's too) last changed an hour ago: older than the
    whole-run record's racy window, as a tree is when nobody is editing it."""
    past = time.time() - 3600
    for folder, dirs, files in os.walk(root):
        for name in files + dirs:
            os.utime(os.path.join(folder, name), (past, past), follow_symlinks=False)
    os.utime(root, (past, past))


@pytest.fixture(scope="session")
def sarif_validator() -> Any:
    """A validator for SARIF 2.1.0 logs (the schema copy in tests/data)."""
    import json

    import jsonschema

    schema = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    if "properties" not in schema:
        # This copy of the schema keeps the log's own schema under definitions/Root and has no
        # top-level constraints: validating against the top level would accept anything.
        schema = {**schema, "$ref": "#/definitions/Root"}
    checker = jsonschema.Draft7Validator.FORMAT_CHECKER
    return jsonschema.Draft7Validator(schema, format_checker=checker)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    return root
