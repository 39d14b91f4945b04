"""Shared test helpers: run the whole pipeline on files written into a temporary folder."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pytest

from bolaudit.config import Config
from bolaudit.engine import RunResult, run

# A bolaudit bug must fail the test that meets it, not hide as a "problem".
os.environ.setdefault("BOLAUDIT_DEBUG", "1")


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


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    return root
