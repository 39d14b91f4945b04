"""Writes that respect the file system (issue 11, item 5): ``--fix`` and ``--write-baseline`` write
through symlinks, keep hard links, never replace a FIFO or a device by a plain file, and ``--fix``
leaves a file alone that changed since it was analysed. Reads never block on a FIFO."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bolaudit.pipeline import engine
from bolaudit.commands.check import run as run_check
from bolaudit.commands.fixes import apply as apply_fixes
from bolaudit.config import Config
from bolaudit.bounded.files import NotRegular, read_regular, write_regular
from conftest import write_tree

SECRET = "Pq3!xT7@vB2-kN9+zR4(mW6)yH1?cJ8_dF5eL0gS3aU7iO2nK4tV9wX1rQ6bM8zD"
ORDERS = textwrap.dedent(
    """
    import requests

    def orders(token):
        return requests.get("https://api.bol.com/retailer/orders",
                            headers={"Authorization": f"Bearer {token}"})
    """
).lstrip("\n")
ACCEPT = '"Accept": "application/vnd.retailer.v10+json"'
LEAK = {".env": f"BOL_CLIENT_SECRET={SECRET}\n"}

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX links, FIFOs and devices")


def cli(cwd: Path, *args: str, git_timeout: float | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("BOLAUDIT_DEBUG", None)
    # ``git_timeout``: how long bolaudit waits for ``git ls-files`` (30 s), shortened for a test.
    code = ("import sys; from bolaudit.pipeline import listing; listing.GIT_TIMEOUT = float(sys.argv.pop(1)); "
            "from bolaudit.cli import main; main(prog_name='bolaudit')")
    start = [sys.executable, "-c", code, str(git_timeout)] if git_timeout else [sys.executable, "-m", "bolaudit"]
    # A run that opened a FIFO for reading would wait for a writer forever: the timeout fails it.
    return subprocess.run([*start, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def config(root: Path) -> Config:
    return Config(root=root, jobs=1, use_cache=False)


def char_device(path: Path) -> None:
    """A character device with /dev/null's numbers; skips the test where that is not allowed."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except (PermissionError, AttributeError, OSError) as error:
        pytest.skip(f"cannot make a device node here: {error}")


# ------------------------------------------------------------------------------ baseline


def test_write_baseline_writes_through_a_symlink(tree: Path) -> None:
    write_tree(tree, LEAK)
    (tree / "ci").mkdir()
    (tree / "ci" / "accepted.json").write_text("{}")
    (tree / "baseline.json").symlink_to("ci/accepted.json")
    proc = cli(tree, "check", "--no-cache", "--write-baseline", "baseline.json")
    assert proc.returncode == 0, proc.stderr
    assert (tree / "baseline.json").is_symlink()
    assert os.readlink(tree / "baseline.json") == "ci/accepted.json"
    assert json.loads((tree / "ci" / "accepted.json").read_text())["findings"][0]["code"] == "BOL101"
    assert cli(tree, "check", "--no-cache", "--baseline", "baseline.json").returncode == 0


def test_write_baseline_keeps_hard_links_and_permissions(tree: Path) -> None:
    write_tree(tree, LEAK)
    (tree / "baseline.json").write_text("{}")
    os.chmod(tree / "baseline.json", 0o640)
    os.link(tree / "baseline.json", tree / "shared-baseline.json")
    inode = (tree / "baseline.json").stat().st_ino
    assert cli(tree, "check", "--no-cache", "--write-baseline", "baseline.json").returncode == 0
    assert (tree / "baseline.json").stat().st_ino == inode
    assert (tree / "shared-baseline.json").read_text() == (tree / "baseline.json").read_text() != "{}"
    assert stat.S_IMODE((tree / "baseline.json").stat().st_mode) == 0o640
    assert not [p.name for p in tree.iterdir() if "tmp" in p.name]


def test_write_baseline_refuses_a_fifo_without_blocking(tree: Path) -> None:
    write_tree(tree, LEAK)
    os.mkfifo(tree / "baseline.json")
    proc = cli(tree, "check", "--no-cache", "--write-baseline", "baseline.json")
    assert proc.returncode == 2
    assert "cannot write baseline baseline.json: not a regular file (a FIFO)" in proc.stderr
    assert stat.S_ISFIFO(os.lstat(tree / "baseline.json").st_mode)
    read = cli(tree, "check", "--no-cache", "--baseline", "baseline.json")
    assert read.returncode == 2 and "not a regular file (a FIFO)" in read.stderr


def test_write_baseline_never_replaces_a_device_node(tree: Path) -> None:
    write_tree(tree, LEAK)
    char_device(tree / "baseline.json")
    proc = cli(tree, "check", "--no-cache", "--write-baseline", "baseline.json")
    assert proc.returncode == 2
    assert "not a regular file (a character device)" in proc.stderr
    assert stat.S_ISCHR(os.lstat(tree / "baseline.json").st_mode)


def test_a_baseline_symlinked_to_dev_zero_is_an_error_not_a_hang(tree: Path) -> None:
    write_tree(tree, LEAK)
    (tree / "baseline.json").symlink_to("/dev/zero")
    proc = cli(tree, "check", "--no-cache", "--baseline", "baseline.json")
    assert proc.returncode == 2
    assert "not a regular file (a character device)" in proc.stderr


# ------------------------------------------------------------------------------ --fix


def test_fix_writes_through_a_symlink_inside_the_project(tree: Path) -> None:
    write_tree(tree, {"vendor/bol_orders.py": ORDERS})
    (tree / "shop").mkdir()
    (tree / "shop" / "orders.py").symlink_to("../vendor/bol_orders.py")
    done = run_check([tree / "shop"], config(tree), fix=True)
    assert "fixed 1 finding(s) in 1 file(s)" in done.stderr, done.stderr
    assert (tree / "shop" / "orders.py").is_symlink()
    assert ACCEPT in (tree / "vendor" / "bol_orders.py").read_text()


def test_fix_does_not_write_through_a_symlink_leaving_the_project(tmp_path: Path) -> None:
    root = tmp_path / "project"
    outside = tmp_path / "elsewhere" / "orders.py"
    write_tree(tmp_path, {"elsewhere/orders.py": ORDERS, "project/app.py": "x = 1\n"})
    (root / "orders.py").symlink_to(outside)
    done = run_check([root], config(root), fix=True)
    assert outside.read_text() == ORDERS
    assert (root / "orders.py").is_symlink()
    # The listing does not read a link that leaves the project; named or not, it is never written.
    assert "orders.py: unreadable: skipped: a symlink that leads outside the project" in done.stderr
    named = run_check([root / "orders.py"], config(root), fix=True)
    assert outside.read_text() == ORDERS
    assert "orders.py: cannot write (a symlink to outside the project; not written)" in named.stderr


def test_fix_keeps_hard_links(tree: Path) -> None:
    write_tree(tree, {"shop/orders.py": ORDERS})
    os.link(tree / "shop" / "orders.py", tree / "orders_copy.txt")  # a second name, not audited
    inode = (tree / "shop" / "orders.py").stat().st_ino
    done = run_check([tree / "shop"], config(tree), fix=True)
    assert "fixed 1 finding(s)" in done.stderr, done.stderr
    assert (tree / "shop" / "orders.py").stat().st_ino == inode
    assert ACCEPT in (tree / "orders_copy.txt").read_text()
    assert (tree / "shop" / "orders.py").stat().st_nlink == 2


def test_fix_leaves_alone_a_file_edited_after_the_analysis(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same size, same mtime, different code: the fix made for the old text is not written."""
    write_tree(tree, {"shop/orders.py": ORDERS})
    path = tree / "shop" / "orders.py"
    edited = ORDERS.replace("orders(token)", "refund(token)").replace('"/orders"', '"/orders"')
    assert len(edited) == len(ORDERS)
    real_run = engine.run

    def run_then_edit(*args: object, **kwargs: object) -> engine.RunResult:
        result = real_run(*args, **kwargs)  # type: ignore[arg-type]
        before = path.stat()
        path.write_text(edited)
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        return result

    monkeypatch.setattr(engine, "run", run_then_edit)
    done = run_check([tree], config(tree), fix=True)
    assert path.read_text() == edited
    assert "shop/orders.py: changed since it was analysed; run again" in done.stderr


def test_fix_refuses_a_fifo_or_device_put_where_the_file_was(tree: Path) -> None:
    write_tree(tree, {"shop/orders.py": ORDERS})
    analysed = engine.run([tree], config(tree))
    findings = [f for f in analysed.findings if f.fix is not None]
    assert findings
    path = tree / "shop" / "orders.py"
    path.unlink()
    os.mkfifo(path)
    out = apply_fixes(findings, tree, write=True, analysed=analysed.texts)
    assert out.skipped == ["shop/orders.py: cannot read (not a regular file (a FIFO))"]
    assert stat.S_ISFIFO(os.lstat(path).st_mode)


def test_write_regular_refuses_special_files_and_stale_content(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(NotRegular, match="a FIFO"):
        write_regular(fifo, b"x")
    with pytest.raises(NotRegular, match="a FIFO"):
        read_regular(fifo)
    with pytest.raises(NotRegular, match="a folder"):
        write_regular(tmp_path, b"x")
    plain = tmp_path / "plain.py"
    plain.write_bytes(b"old")
    with pytest.raises(OSError, match="changed since it was analysed"):
        write_regular(plain, b"new", expected=b"older")
    assert plain.read_bytes() == b"old"
    assert write_regular(plain, b"new", expected=b"old") == plain
    assert plain.read_bytes() == b"new"
    device = tmp_path / "null"
    char_device(device)
    with pytest.raises(NotRegular, match="a character device"):
        write_regular(device, b"x")
    assert stat.S_ISCHR(os.lstat(device).st_mode)


# ------------------------------------------------------------------------------ reads


@pytest.mark.parametrize("git", [False, True])
def test_fifos_in_the_tree_never_block_a_run(tree: Path, git: bool) -> None:
    write_tree(tree, {**LEAK, "shop/orders.py": ORDERS})
    if git:
        subprocess.run(["git", "init", "-q", str(tree)], check=True)
    for name in ("sync.py", ".gitignore", "shop/.gitignore", "notes.md", "settings.yaml"):
        os.mkfifo(tree / name)
    (tree / "pyproject.toml").symlink_to("notes.md")  # a config that is a FIFO: not a config
    (tree / "shop" / "big.py").symlink_to("/dev/zero")
    # git itself blocks on a .gitignore that is a FIFO: its listing is given up after a while
    # (30 s; 3 s here) and the folders are walked instead, which reads no FIFO.
    proc = cli(tree, "check", "--no-cache", "--format", "json", git_timeout=3.0)
    assert proc.returncode == 1, proc.stderr
    found = json.loads(proc.stdout)
    assert {f["code"] for f in found["findings"]} >= {"BOL101", "BOL301"}
    problems = {p["path"]: p["message"] for p in found["problems"]}
    assert problems.get("shop/big.py") == "skipped: a symlink that leads outside the project"  # /dev/zero
    if git:
        assert problems.get(".", "").startswith("git ls-files gave no answer within 3 s (is a .gitignore a FIFO?)")
    fifo = cli(tree, "check", "--no-cache", "--config", "notes.md")
    assert fifo.returncode == 2 and "notes.md: cannot read: not a regular file (a FIFO)" in fifo.stderr
