"""Progress on a terminal: how many files are parsed of how many, once a run takes a while.

Only for a person watching: the CLI makes one only when stderr is a terminal (never in a pipe, a
file or CI logs, and never on stdout, where the report goes). Nothing is drawn before ``DELAY``
seconds, so short runs (pre-commit, a warm cache) stay silent; then one line, redrawn in place at
most every ``INTERVAL`` seconds, and wiped when the run ends. No thread: the engine calls in as
files finish (a thread would stop the fork that speeds up the byte scan, ``forked``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

DELAY = 2.0
INTERVAL = 0.1
_CLEAR = "\r\x1b[K"


class Progress:
    def __init__(self, stream: TextIO, *, delay: float = DELAY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.delay = delay
        self.clock = clock
        self.started = clock()
        self.drawn = False
        self._last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        """The engine's report: ``parsing`` (files done of total), then ``checking``."""
        now = self.clock()
        if now - self.started < self.delay:
            return
        if stage == "parsing" and done < total and self.drawn and now - self._last < INTERVAL:
            return
        if stage == "parsing":
            line = f"bolaudit: parsed {done}/{total} files"
        else:
            line = f"bolaudit: checking across {total} files"
        self._write(_CLEAR + line)
        self.drawn = True
        self._last = now

    def close(self) -> None:
        """Wipe the line, so the report that follows starts clean."""
        if self.drawn:
            self._write(_CLEAR)
            self.drawn = False

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed terminal must not end the audit
            pass
