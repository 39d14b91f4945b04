"""The whole-run record never gives a wrong answer: it is reused only with the results it was made
from (a results write that failed, or results replaced since, mean a full run), only for its own
project root, never for a run that writes back into files (``--fix``, ``--write-baseline``:
content decides, not size and mtime), and never across a change of bolaudit's code or catalog."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from bolaudit.pipeline import cache
from bolaudit.pipeline import lastrun
from bolaudit.commands import check, scopes
from bolaudit.config import Config
from bolaudit.pipeline.engine import run
from conftest import age, git, write_tree

try:
    from tokenserver import CLIENT_ID, CLIENT_SECRET, TokenServer, token_server  # type: ignore[import-not-found]
except ModuleNotFoundError:  # tests/ became a package
    from tests.tokenserver import CLIENT_ID, CLIENT_SECRET, TokenServer, token_server

__all__ = ["token_server"]  # the fixture, imported for pytest

WEBSHOP = Path(__file__).parent / "fixtures" / "scopes" / "webshop"
PAIR_ENV = f"BOL_CLIENT_ID={CLIENT_ID}\nBOL_CLIENT_SECRET={CLIENT_SECRET}\n"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def webshop_at(root: Path, **extra: str) -> Path:
    shutil.copytree(WEBSHOP, root)
    write_tree(root, extra)
    age(root)
    return root


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOL_") and k != "BOLAUDIT_DEBUG"}
    env["NO_COLOR"] = "1"
    return subprocess.run([sys.executable, "-m", "bolaudit", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def operations_cli(root: Path, *args: str) -> list[str]:
    proc = cli(root, "scopes", "--format", "json", *args)
    assert proc.returncode == 0, proc.stderr
    return sorted(o["operation_id"] for o in json.loads(proc.stdout)["operations"])


def operations(root: Path, config: Config) -> list[str]:
    from bolaudit.report import scopes_json

    done = scopes.analyse([root], config, None, now=datetime.now(timezone.utc))
    return sorted(o["operation_id"] for o in scopes_json.document(done.report)["operations"])


# -- results that failed to save ---------------------------------------------------------------


@contextmanager
def small_disk(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` at ``path``: a nearly full disk (needs root; skipped where it cannot)."""
    path.mkdir()
    mount = shutil.which("mount")
    done = subprocess.run([mount, "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True) if mount else None
    if done is None or done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], capture_output=True, check=False)


def test_results_that_do_not_fit_the_disk_leave_no_record(tmp_path: Path, token_server: TokenServer) -> None:
    """The results file does not fit, a record would: scopes still lists every operation and
    --verify-credentials still verifies, run after run."""
    root = webshop_at(tmp_path / "webshop", **{".env": PAIR_ENV})
    want = operations_cli(root, "--no-cache")
    assert "update-offer-stock" in want
    with small_disk(tmp_path / "small", "16k") as disk:
        folder = str(disk / "cache")
        for _ in range(3):
            assert operations_cli(root, "--cache-dir", folder) == want
        verify = ["check", "--cache-dir", folder, "--verify-credentials", "--token-url", token_server.token_url]
        for attempt in range(2):
            proc = cli(root, *verify)
            assert proc.returncode == 1 and "1 verified live" in proc.stderr, proc.stderr
            assert len(token_server.requests) == attempt + 1
        assert not list(disk.rglob("results.json")), "the test needs a results write that fails"
        assert not list(disk.rglob("last_run.json"))
        assert os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize >= 8192  # a record would fit


def test_a_results_write_that_fails_drops_the_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     token_server: TokenServer) -> None:
    root = webshop_at(tmp_path / "webshop", **{".env": PAIR_ENV})
    config = Config(root=root, jobs=1, cache_dir=tmp_path / "cache", token_url=token_server.token_url)
    want = operations(root, Config(root=root, jobs=1, use_cache=False))
    real_write = cache.write_atomically

    def results_fail(cache_dir: Path, target: Path, text: str) -> bool:
        return False if target.name == cache.RESULTS else real_write(cache_dir, target, text)

    monkeypatch.setattr(cache, "write_atomically", results_fail)
    for _ in range(3):
        assert operations(root, config) == want
    for attempt in range(2):
        out = check.run([root], config, verify_credentials=True)
        assert "1 verified live" in out.stderr and len(token_server.requests) == attempt + 1
    assert not list((tmp_path / "cache").rglob("last_run.json"))


def test_a_record_is_not_reused_with_results_it_was_not_made_from(tmp_path: Path) -> None:
    """The results file was replaced by an older one after the record was written (another run,
    a restore): the record names content keys that are not there, so the run is a real one."""
    root = webshop_at(tmp_path / "webshop")
    config = Config(root=root, jobs=1, cache_dir=tmp_path / "cache")
    before = operations(root, config)
    results = next((tmp_path / "cache").rglob("results.json"))
    older = results.read_bytes()
    write_tree(root, {"webshop/bol/stock.py": "BOL_STOCK_SYNC = False  # still read: it says bol\n"})
    age(root)
    operations(root, config)
    after = operations(root, config)
    run([root], config)  # a check run keeps a record of the tree without the stock call
    assert run([root], config).reused
    assert "update-offer-stock" in before and "update-offer-stock" not in after
    results.write_bytes(older)
    assert not run([root], config).reused
    results.write_bytes(older)
    assert operations(root, config) == after


# -- two checkouts, one cache folder ------------------------------------------------------------


def test_checkouts_that_share_a_cache_folder_never_see_each_others_results(tmp_path: Path) -> None:
    origin = webshop_at(tmp_path / "origin")
    git(origin, "init", "-q")
    git(origin, "add", "-A")
    git(origin, "commit", "-qm", "webshop")
    a, b = tmp_path / "a", tmp_path / "b"
    git(tmp_path, "clone", "-q", str(origin), str(a))
    git(tmp_path, "clone", "-q", str(origin), str(b))
    stock = 'from webshop.bol.client import BolClient\n\n\ndef push_stock(client: BolClient, offer_id, amount):\n' \
            '    return client.request("DELETE", "/offers/%s" % offer_id).json()\n'
    write_tree(b, {"webshop/bol/stock.py": stock})
    age(a)
    age(b)
    shared = str(tmp_path / "shared-cache")
    ops_a = operations_cli(a, "--cache-dir", shared)
    assert operations_cli(a, "--cache-dir", shared) == ops_a  # from A's record
    assert cli(b, "check", "--cache-dir", shared, "webshop/bol/stock.py").returncode in (0, 1)
    ops_b = operations_cli(b, "--cache-dir", shared)
    assert "update-offer-stock" in ops_a and "delete-offer" not in ops_a
    assert "delete-offer" in ops_b and "update-offer-stock" not in ops_b
    assert operations_cli(a, "--cache-dir", shared) == ops_a
    assert operations_cli(b, "--cache-dir", shared) == ops_b
    assert len(list(Path(shared).glob("v*/*/results.json"))) == 2


# -- what is written back comes from the content -------------------------------------------------

FIXABLE = """import requests


def orders(token):
    return requests.get("https://api.bol.com/retailer/orders",
                        headers={"Authorization": f"Bearer {token}"})
"""
# The same size, line by line: the old fix's span now covers a call that is not a bol request.
EDITED = FIXABLE.replace('requests.get("https://api.bol.com/retailer/orders",',
                         'refund_all("https://api.bol.com/retailer/orders/1",')


def same_size_same_mtime(path: Path, text: str) -> None:
    st = path.stat()
    assert len(text.encode()) == st.st_size
    path.write_text(text)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_fix_never_writes_an_old_fix_over_new_code(tree: Path) -> None:
    write_tree(tree, {"shop/bol.py": FIXABLE})
    age(tree)
    config = Config(root=tree, jobs=1, cache_dir=tree.parent / "cache")
    for _ in range(2):  # the second is printed from the record (--fix builds fixes as JSON does)
        assert json.loads(check.run([tree], config, fmt="json").stdout)["findings"][0]["fix"]
    assert run([tree], Config(root=tree, jobs=1, cache_dir=tree.parent / "cache", fixes=True)).reused
    same_size_same_mtime(tree / "shop/bol.py", EDITED)
    check.run([tree], config, fix=True)
    assert (tree / "shop/bol.py").read_text() == EDITED


def test_write_baseline_records_the_content_not_a_stale_result(tree: Path) -> None:
    old, new = "Pq3!xT7@vB2-kN9+zR4(mW6)yH1?cJ8_dF5eL0gS3aU7iO2nK4tV9wX1rQ6bM8zD", \
               "Zt8?hR3!qL6@wC1-pX4+mK9(vB2)nJ7_sD0eG5fA8yU3iO6tN1kE4rW9cH2bM7xQ"
    write_tree(tree, {"settings.py": f"BOL_CLIENT_SECRET = '{old}'\n"})
    age(tree)
    config = Config(root=tree, jobs=1, cache_dir=tree.parent / "cache")
    baseline = tree.parent / "baseline.json"
    for _ in range(2):
        check.run([tree], config, write_baseline=baseline)
    same_size_same_mtime(tree / "settings.py", f"BOL_CLIENT_SECRET = '{new}'\n")
    check.run([tree], config, write_baseline=baseline)
    written = baseline.read_text()
    fresh = tree.parent / "fresh.json"
    check.run([tree], Config(root=tree, jobs=1, use_cache=False), write_baseline=fresh)
    assert written == fresh.read_text()


# -- bolaudit's own code and catalog -------------------------------------------------------------


def test_a_regenerated_catalog_changes_the_code_version(tmp_path: Path) -> None:
    package = tmp_path / "catalog"
    shutil.copytree(Path(cache.__file__).parents[1] / "catalog", package, ignore=shutil.ignore_patterns("__pycache__"))
    data = package / "data" / "catalog.json"
    before = cache.code_digest("1", [str(package)])
    st = data.stat()
    text = data.read_text()
    swapped = text.replace('"read"', '"rEad"', 1)  # the same size, as a regenerated catalog may be
    assert swapped != text and len(swapped) == len(text)
    data.write_text(swapped)
    os.utime(data, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert cache.code_digest("1", [str(package)]) != before
    data.write_text(text)
    os.utime(data, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert cache.code_digest("1", [str(package)]) == before


def test_another_code_version_reuses_nothing(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tree, {"settings.py": "BOL_CLIENT_SECRET = 'Pq3!xT7@vB2-kN9+zR4(mW6)yH1?cJ8_dF5eL0gS3aU7iO2nK4tV9wX1'\n"})
    age(tree)
    config = Config(root=tree, jobs=1, cache_dir=tree.parent / "cache")
    run([tree], config)
    assert run([tree], config).reused
    monkeypatch.setattr(cache, "code_version", lambda: "a regenerated catalog")
    again = run([tree], config)
    assert not again.reused and again.files_cached == 0


# -- a crafted record that fits the schema -------------------------------------------------------


def test_a_crafted_record_that_fits_the_schema_breaks_no_report(tree: Path) -> None:
    from test_cache_codec import mutated

    write_tree(tree, {"shop/bol.py": FIXABLE, ".env": PAIR_ENV})
    age(tree)
    config = Config(root=tree, jobs=1, cache_dir=tree.parent / "cache")
    check.run([tree], config, fmt="json")
    check.run([tree], config, fmt="json")
    record = next((tree.parent / "cache").rglob("last_run.json"))
    original: dict[str, Any] = json.loads(record.read_text())
    kept = {0, 1, 6, 7}  # key, snapshot, analysed files, their keys: what lets it be reused
    rng = random.Random(5)
    reused = 0
    for _ in range(12):
        body = mutated(original["record"], rng, 0.03)
        record.write_text(json.dumps({**original, "record": [
            original["record"][i] if i in kept else part for i, part in enumerate(body)]}))
        reused += run([tree], Config(root=tree, jobs=1, cache_dir=tree.parent / "cache", fixes=True)).reused
        for fmt, flags in [("text", {}), ("json", {}), ("sarif", {}), ("github", {}), ("json", {"diff": True})]:
            check.run([tree], config, fmt=fmt, **flags)  # type: ignore[arg-type]
    assert reused >= 3
    assert lastrun.FILE_NAME == record.name
