"""Progress on a terminal (issue 15 item 4): on stderr, only when it is a terminal, only after about
two seconds; never on stdout, in a pipe, or in a quick run."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from bolaudit.report.progress import Progress
from conftest import write_tree

CLIENT = '''import requests

BASE = "https://api.bol.com/retailer"


class Client{n}:
    def __init__(self, token):
        self.session = requests.Session()
        self.session.headers.update({{"Authorization": f"Bearer {{token}}",
                                     "Accept": "application/vnd.retailer.v10+json"}})

    def orders(self, page):
        return self.session.get(f"{{BASE}}/orders", params={{"page": page}}).json()

    def order(self, order_id):
        return self.session.get(f"{{BASE}}/orders/{{order_id}}").json()
'''


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nothing_before_the_delay_then_one_line_redrawn_and_wiped() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = Progress(stream, clock=clock)
    progress("parsing", 10, 500)
    clock.now += 1.9
    progress("parsing", 200, 500)
    progress.close()
    assert stream.getvalue() == ""  # a run under two seconds shows nothing
    progress = Progress(stream, clock=clock)
    clock.now += 2.1
    progress("parsing", 300, 500)
    progress("parsing", 301, 500)  # within 0.1 s of the last: not redrawn
    clock.now += 0.2
    progress("parsing", 400, 500)
    progress("checking", 500, 500)
    progress.close()
    assert stream.getvalue() == (
        "\r\x1b[Kbolaudit: parsed 300/500 files\r\x1b[Kbolaudit: parsed 400/500 files"
        "\r\x1b[Kbolaudit: checking across 500 files\r\x1b[K"
    )


def _run(root: Path, *args: str, terminal: bool) -> tuple[int, bytes, bytes]:
    """bolaudit with stderr on a pseudo-terminal (or a pipe) and stdout on a pipe."""
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("BOLAUDIT_DEBUG", None)
    command = [sys.executable, "-m", "bolaudit", "check", "--no-cache", "--jobs", "1", *args]
    if not terminal:
        done = subprocess.run(command, cwd=root, env=env, capture_output=True, timeout=300)
        return done.returncode, done.stdout, done.stderr
    leader, follower = pty.openpty()
    proc = subprocess.Popen(command, cwd=root, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=follower)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    assert proc.stdout is not None
    out = proc.stdout.read()
    code = proc.wait(timeout=300)
    os.close(leader)
    return code, out, seen


@pytest.mark.slow
def test_a_long_run_shows_progress_on_a_terminal_only(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    write_tree(root, {"shop/__init__.py": "", **{f"shop/client_{n}.py": CLIENT.format(n=n) for n in range(900)}})
    code, out, err = _run(root, terminal=True)
    assert code == 0
    assert b"bolaudit: parsed " in err and b"/900 files" in err, err[-300:]
    assert err.rstrip(b"\r\n").endswith(b"\x1b[K") or b"\r\x1b[K" in err  # the line is wiped at the end
    assert out == b"No findings; 901 files audited, 900 parsed.\n"  # the report only: no \r, no progress
    code, out, err = _run(root, terminal=False)
    assert code == 0 and b"parsed " not in err and b"\x1b" not in err


def test_a_quick_run_on_a_terminal_shows_nothing(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    write_tree(root, {"shop/client.py": CLIENT.format(n=1)})
    code, out, err = _run(root, terminal=True)
    assert code == 0 and b"parsed" not in err and b"\x1b" not in err
    assert out == b"No findings; 1 file audited, 1 parsed.\n"
