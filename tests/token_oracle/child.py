"""Run one fixture app in this (fresh) interpreter and print what it did as one JSON line.

    python -m token_oracle.child tests/fixtures/token_apps/django_view/bad

A fresh interpreter per app because apps are what they are: Django configures itself once per
process, modules of different apps share names (``bol``, ``settings``, ``tasks``), and module-level
caches must start empty. The app's own folder goes first on ``sys.path``; it runs in a temporary
working folder (token files, SQLite) that is removed afterwards; no bytecode is written into the
fixtures.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import tempfile
from pathlib import Path


def main(argv: list[str]) -> int:
    sys.dont_write_bytecode = True
    app = Path(argv[0]).resolve()
    spec = dict(json.loads((app / "expect.json").read_text(encoding="utf-8"))["runtime"])
    spec["_app"] = str(app)
    logging.disable(logging.CRITICAL)  # the apps' own logging (Django's 500s, Celery) is not ours

    from .drivers import DRIVERS
    from .harness import Harness

    with tempfile.TemporaryDirectory(prefix="token-oracle-") as work:
        os.chdir(work)
        sys.path.insert(0, str(app))
        with Harness(spec) as harness, contextlib.redirect_stdout(sys.stderr):  # stdout is the report's
            DRIVERS[spec["kind"]](spec, harness)
            report = harness.report()
        os.chdir(app)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
