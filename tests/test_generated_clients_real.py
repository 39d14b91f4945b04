"""The real generators on every one of bol's OpenAPI documents (issue 13, item 2).

openapi-generator (its Python client; the ``openapi-generator-cli`` package bundles the jar and
needs a Java runtime) and openapi-python-client write a client per document in ../shared/bol-api.
Generated once per generator version and document, under .pytest_cache (never committed). Every
operation of the document must be found at its call site with its catalog operation, and its
right must be the document's own (a read needs Read, a write Manage). openapi-python-client sends
no media type, so an operation whose path two documents share (offers v10 and v11) cannot be told
apart: it must then be listed as unresolved and counted under the right resource and right.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from conftest import audit

SHARED = Path(__file__).resolve().parents[2] / "shared" / "bol-api"
CACHE = Path(__file__).resolve().parents[1] / ".pytest_cache" / "bolaudit-generated"
SPECS = {
    "retailer-v10.openapi.json": "retailer",
    "shared-v10.openapi.json": "shared",
    "offers-v11.openapi.yaml": "offers",
    "retailers-v11.openapi.json": "retailers",
    "economic-operators-v1.openapi.yaml": "economic-operators",
    "delivery-promise-v1.openapi.json": "delivery-promise",
}
GENERATORS = {"openapi-generator": "openapi-generator-cli", "openapi-python-client": "openapi-python-client"}


def _require(reason: str) -> None:
    if os.environ.get("BOLAUDIT_REQUIRE_SHARED") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def _tool(generator: str) -> tuple[Path, str]:
    package = GENERATORS[generator]
    try:
        version = metadata.version(package)
    except metadata.PackageNotFoundError:
        _require(f"{package} is not installed (it is in the test extra)")
    script = Path(sys.executable).parent / package
    if not script.exists():
        found = shutil.which(package)
        if found is None:
            _require(f"{package} has no script on PATH")
        script = Path(str(found))
    if generator == "openapi-generator" and shutil.which("java") is None:
        pytest.skip("openapi-generator needs a Java runtime, and this machine has none")
    return script, version


def generated(generator: str, spec: str) -> Path:
    """The generated client of ``spec``, made once per generator version and document."""
    if not (SHARED / spec).exists():
        _require(f"{SHARED / spec} is not there (bol's documents are beside the checkout)")
    script, version = _tool(generator)
    digest = hashlib.sha256((SHARED / spec).read_bytes()).hexdigest()[:12]
    out = CACHE / f"{generator}-{version}-{spec}-{digest}"
    if (out / ".done").exists():
        if not _operations_written(out):
            _no_operations(generator, spec)
        return out
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    if generator == "openapi-generator":
        cmd = [str(script), "generate", "-i", str(SHARED / spec), "-g", "python", "-o", str(out / "client"),
               "--package-name", "bol_client", "--skip-validate-spec"]  # some documents refer to a ../common file not published
    else:
        cmd = [str(script), "generate", "--path", str(SHARED / spec), "--meta", "none",
               "--output-path", str(out / "bol_client")]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=out)
    subprocess.run(["git", "init", "-q", str(out)], check=True)
    (out / ".done").write_text(version if _operations_written(out) else "")
    if not _operations_written(out):
        _no_operations(generator, spec, run.stdout + run.stderr)
    return out


def _operations_written(out: Path) -> bool:
    return any(p.name != "__init__.py" for p in out.rglob("api/**/*.py"))


def _no_operations(generator: str, spec: str, log: str = "") -> None:
    """A document that refers to files bol does not publish beside it (``../common/...``) gives
    the generators nothing to build operations from: nothing to find, said rather than passed."""
    if "../common/" in (SHARED / spec).read_text():
        pytest.skip(f"{generator} wrote no operation for {spec}: the document refers to ../common files "
                    "that are not published with it")
    raise AssertionError(f"{generator} wrote no operation for {spec}: {log[-800:]}")


def documented(api: str) -> dict[tuple[str, str], str]:
    """(method, path) -> the right it needs, from endpoints.tsv (written from the documents)."""
    out: dict[tuple[str, str], str] = {}
    for line in (SHARED / "endpoints.tsv").read_text().splitlines()[1:]:
        fields = line.split("\t")
        if fields[0] == api:
            out[(fields[2], fields[3])] = "manage" if fields[7] == "write" else "read"
    return out


@pytest.mark.parametrize("generator", sorted(GENERATORS))
@pytest.mark.parametrize("spec", sorted(SPECS))
def test_every_operation_of_every_document(generator: str, spec: str) -> None:
    root = generated(generator, spec)
    project = audit(root).project
    assert project is not None
    want = documented(SPECS[spec])
    found: dict[tuple[str, str], str] = {}
    counted: dict[tuple[str, str], set[str]] = {}
    for req in project.requests:
        op = req.operation
        if op is not None and req.unresolved is None:
            found[(op.method, op.path)] = op.right
        elif req.match is not None and req.match.candidates and req.method:
            rights = {(c.resource_id, c.right) for c in req.match.candidates}
            counted.setdefault((req.method, req.match.candidates[0].path), set()).update(r for _, r in rights)
    missing = {key for key in want if key not in found}
    if generator == "openapi-generator":
        assert missing == set(), f"not found: {sorted(missing)}"
    else:  # no media type is sent: a path two documents share is ambiguous, and counted
        for key in missing:
            assert counted.get(key) == {want[key]}, f"{key} neither found nor counted with its right"
    assert {key: right for key, right in found.items() if key in want} == {
        key: want[key] for key in found if key in want}
    assert set(found) <= set(want), f"operations the document does not have: {sorted(set(found) - set(want))}"
