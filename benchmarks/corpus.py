"""The benchmark's corpora, prepared once under ``benchmarks/corpora/`` (gitignored) and reused.

* ``django``: Django's sdist (pinned), a large real codebase without bol code. Downloaded once
  with ``pip download`` and kept; extracted once.
* ``bol-heavy``: generated from the project's own bol integrations (test fixtures, the example
  integration, the multi-file cases of every rule), each copied many times as its own package
  so the tree reaches a few thousand files. Imports are rewritten so each copy resolves within
  itself, and module-level names get a per-copy suffix (``identifiers``), so no two files are
  byte-identical and no cache or dedupe can take a short cut.

Each corpus is made its own git work tree (``git init``): inside this repository it would
otherwise be ignored (``benchmarks/corpora/`` is in ``.gitignore``) by every git-aware tool.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from identifiers import PLACEHOLDER, vary_names

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO / "benchmarks" / "corpora"
DJANGO_VERSION = "5.1"
# Bump when the generator changes, so an old bol-heavy tree is rebuilt.
GENERATOR = 1
MARKER = ".benchmark-corpus"
SKIP_DIRS = frozenset({".bolaudit_cache", "__pycache__", ".pytest_cache", ".mypy_cache"})

Log = Callable[[str], None]


@dataclass(frozen=True)
class Corpus:
    name: str
    root: Path
    one_file: str  # relative to root: the file the one-file (pre-commit) run checks
    files: int
    python_files: int
    python_lines: int
    description: str


def django(log: Log) -> Corpus:
    root = CORPORA / f"django-{DJANGO_VERSION}"
    if _marker(root).get("version") != DJANGO_VERSION:
        sdist = _django_sdist(log)
        log(f"extracting {sdist.name}")
        shutil.rmtree(root, ignore_errors=True)
        with tempfile.TemporaryDirectory(dir=CORPORA) as tmp, tarfile.open(sdist) as archive:
            if hasattr(tarfile, "data_filter"):
                archive.extractall(tmp, filter="data")
            else:  # pragma: no cover - Pythons before the extraction filters
                archive.extractall(tmp)
            (top,) = Path(tmp).iterdir()
            top.rename(root)
        _finish(root, {"version": DJANGO_VERSION})
    return _described(
        "django", root, "django/db/models/query.py",
        f"Django {DJANGO_VERSION} sdist: a large codebase without bol code",
    )


def _django_sdist(log: Log) -> Path:
    downloads = CORPORA / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    found = _sdists(downloads)
    if not found:
        log(f"downloading Django {DJANGO_VERSION} (sdist) with pip")
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
             f"django=={DJANGO_VERSION}", "-d", str(downloads)],
            check=True,
        )
        found = _sdists(downloads)
    if not found:
        raise SystemExit(f"pip saved no Django {DJANGO_VERSION} sdist in {downloads}")
    return found[0]


def _sdists(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.lower() == f"django-{DJANGO_VERSION}.tar.gz")


# --- the bol-heavy tree -----------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """One integration to copy: {path relative to the copy's root: content}."""

    name: str
    files: dict[str, str]


def bol_heavy(log: Log, target_files: int = 3000) -> Corpus:
    root = CORPORA / "bol-heavy"
    templates = [Template(t.name, vary_names(t.files)) for t in _templates()]
    fingerprint = _fingerprint(templates, target_files)
    marker = _marker(root)
    if marker.get("version") != fingerprint:
        log(f"generating the bol-heavy tree (~{target_files} files)")
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        marker = {"version": fingerprint, "one_file": _generate(root, templates, target_files)}
        _finish(root, marker)
    return _described(
        "bol-heavy", root, str(marker["one_file"]),
        "bolaudit's fixture integrations and rule cases, copied with varied names",
    )


def _templates() -> list[Template]:
    from bolaudit.rulebase import all_rules, case_files

    out: list[Template] = []
    for parent in ("tests/fixtures/integrations", "tests/fixtures/scopes"):
        for folder in sorted((REPO / parent).iterdir()):
            if folder.is_dir():
                out.append(Template(folder.name, _read_tree(folder)))
    out.append(Template("shop_sync", _read_tree(REPO / "examples" / "shop-sync")))
    for rule in all_rules():
        for kind, cases in (("valid", [c.files for c in rule.VALID]), ("invalid", [c.files for c in rule.INVALID])):
            for i, files in enumerate(cases):
                if not isinstance(files, str):  # the multi-file cases: small projects of their own
                    out.append(Template(f"{rule.code.lower()}_{kind}_{i}", case_files(files)))
    return out


def _read_tree(folder: Path) -> dict[str, str]:
    files: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            path = Path(dirpath, name)
            files[path.relative_to(folder).as_posix()] = path.read_bytes().decode("utf-8", "surrogateescape")
    return files


ADJECTIVES = (
    "amber", "brisk", "cedar", "dapper", "eager", "fable", "gentle", "hazel", "ivory", "jolly",
    "kindly", "lunar", "maple", "nimble", "olive", "polar", "quiet", "rustic", "sunny", "tidy",
    "urban", "vivid", "woolly", "young", "zesty",
)
NOUNS = (
    "books", "bikes", "candles", "decor", "garden", "games", "kitchen", "lamps", "music", "outdoor",
    "pets", "prints", "shoes", "sports", "tools", "toys", "watches", "wines",
)


def _generate(root: Path, templates: list[Template], target_files: int) -> str:
    """Write the tree; returns the file for the one-file run."""
    per_round = sum(len(_copy(t, "x", "_x")) for t in templates)
    rounds = max(1, math.ceil(target_files / per_round))
    names = _package_names(random.Random(7))
    one_file = ""
    for index, template in enumerate(t for _ in range(rounds) for t in templates):
        package = next(names)
        for rel, content in _copy(template, package, f"_{_base36(index)}").items():
            path = root / package / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.encode("utf-8", "surrogateescape"))
        if not one_file:
            one_file = f"{package}/{_busiest_module(template)}"
    (root / ".bolaudit.toml").write_text(
        "# The bol-heavy benchmark tree, generated by benchmarks/run.py: all rules on.\n"
        "# Its copies of bolaudit's rule cases hold made-up credentials and broken files on purpose.\n"
        "jobs = 0\n",
        encoding="utf-8",
    )
    return one_file


def _package_names(rng: random.Random) -> Iterator[str]:
    pairs = [f"{a}_{n}" for a, n in itertools.product(ADJECTIVES, NOUNS)]
    for number in itertools.count():
        rng.shuffle(pairs)
        for pair in pairs:
            yield f"{pair}_{number}" if number else pair


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


def _copy(template: Template, package: str, suffix: str) -> dict[str, str]:
    """The template's files as package ``package``: imports rewritten, names suffixed."""
    tops = _top_modules(template.files)
    rewrite = _import_rewriter(tops, package)
    files: dict[str, str] = {"__init__.py": ""}
    for rel in template.files:
        if rel.endswith(".py"):
            for parent in Path(rel).parents:
                if parent.parts:
                    files.setdefault((parent / "__init__.py").as_posix(), "")
    for rel, content in template.files.items():
        if rel.endswith(".py"):
            content = rewrite(content.replace(PLACEHOLDER, suffix))
        files[rel] = content
    return {rel: _signed(rel, content, f"{package}: copy of {template.name} for bolaudit's benchmark")
            for rel, content in files.items()}


def _top_modules(files: dict[str, str]) -> set[str]:
    tops = set()
    for rel in files:
        if rel.endswith(".py"):
            first = rel.split("/")[0]
            tops.add(first.removesuffix(".py"))
    return {t for t in tops if t.isidentifier()}


def _import_rewriter(tops: set[str], package: str) -> Callable[[str], str]:
    if not tops:
        return lambda text: text
    names = "|".join(sorted(map(re.escape, tops)))
    from_ = re.compile(rf"^([ \t]*from[ \t]+)({names})(?=[ \t.])", re.MULTILINE)
    import_ = re.compile(rf"^([ \t]*import[ \t]+)({names})([ \t]*(?:#.*)?)$", re.MULTILINE)

    def rewrite(text: str) -> str:
        text = from_.sub(rf"\g<1>{package}.\g<2>", text)
        return import_.sub(rf"\g<1>{package}.\g<2> as \g<2>\g<3>", text)

    return rewrite


def _signed(rel: str, content: str, note: str) -> str:
    """``content`` with ``note`` added where the file's format has room for a comment."""
    name = rel.rsplit("/", 1)[-1]
    if name.endswith((".json", ".ipynb")):
        try:
            document = json.loads(content)
        except ValueError:
            return content + ("\n" if content and not content.endswith("\n") else "") + note + "\n"
        if isinstance(document, dict):
            holder = document.setdefault("metadata", {}) if name.endswith(".ipynb") else document
            if isinstance(holder, dict):
                holder["generated"] = note
                return json.dumps(document, indent=1) + "\n"
        return content
    if name.endswith((".md", ".html")):
        comment = f"<!-- {note} -->"
    else:  # Python, YAML, TOML, .env, shell, Dockerfile, text: "#" starts a comment in all
        comment = f"# {note}"
    newline = "\n" if content and not content.endswith("\n") else ""
    return f"{content}{newline}{comment}\n"


def _busiest_module(template: Template) -> str:
    """The template's Python file that imports the most: the likeliest to need context files."""
    python = [rel for rel in template.files if rel.endswith(".py")]
    return max(python, key=lambda rel: (template.files[rel].count("import "), rel))


def _fingerprint(templates: list[Template], target_files: int) -> str:
    digest = hashlib.sha256(f"{GENERATOR} {target_files}".encode())
    for template in templates:
        for rel, content in sorted(template.files.items()):
            digest.update(f"{template.name}/{rel}\0{content}\0".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()[:16]


# --- shared -----------------------------------------------------------------------------------


def _marker(root: Path) -> dict[str, object]:
    """What the corpus was made from (``version``) and notes for the run; {} if not made yet."""
    try:
        found = json.loads((root / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _finish(root: Path, marker: dict[str, object]) -> None:
    if shutil.which("git"):
        subprocess.run(["git", "init", "--quiet", str(root)], check=True)
        # The marker is the benchmark's, not the corpus's: git-aware tools leave it out.
        (root / ".git" / "info").mkdir(exist_ok=True)
        (root / ".git" / "info" / "exclude").write_text(f"{MARKER}\n", encoding="utf-8")
    (root / MARKER).write_text(json.dumps(marker) + "\n", encoding="utf-8")


def _described(name: str, root: Path, one_file: str, description: str) -> Corpus:
    files = python_files = python_lines = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for filename in filenames:
            if filename == MARKER:
                continue
            files += 1
            if filename.endswith(".py"):
                python_files += 1
                with open(os.path.join(dirpath, filename), "rb") as handle:
                    python_lines += handle.read().count(b"\n")
    return Corpus(name, root, one_file, files, python_files, python_lines, description)
