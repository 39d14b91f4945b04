"""Take every piece of a file's credentials out of what the per-file stage keeps about it.

Facts and findings are cached and travel between processes; the literals they carry are
redacted by shape (``exprtools.redact``), but a secret split over several literals
(``"Vb7)kQ2!mX9@rT4-" + "nL6+wP1(zJ8?..."``, a ``join`` of pieces, a constant per half) is made
of pieces no shape check recognises. The credential scans know the values they found; here any
run of ``WINDOW`` or more characters of one of them, in any string of a file's result, becomes
``REDACTED``. The values' URL-encoded forms and the base64 of each ``id:secret`` pair (a ready
``Basic`` header cut into pieces) count too. The values live only in memory, for this pass.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Iterable
from typing import Any, TypeVar
from urllib.parse import quote, unquote

from bolaudit.extract.exprtools import REDACTED

T = TypeVar("T")
WINDOW = 12  # shorter than any piece worth keeping out (the leak test looks for 16)


class Scrubber:
    """Replaces what a string shares with the known credentials, ``WINDOW`` characters or more."""

    def __init__(self, ids: Iterable[str], secrets: Iterable[str]) -> None:
        ids, secrets = sorted(set(ids)), sorted(set(secrets))
        forms = set(ids) | set(secrets)
        forms |= {quote(v, safe="") for v in secrets} | {quote(v, safe="-_.~") for v in secrets}
        for client_id in ids:
            for secret in secrets:
                forms.add(base64.b64encode(f"{client_id}:{secret}".encode()).decode())
        self.windows = frozenset(f[i : i + WINDOW] for f in forms for i in range(len(f) - WINDOW + 1))

    def __bool__(self) -> bool:
        return bool(self.windows)

    def text(self, value: str) -> str:
        if len(value) < WINDOW:
            return value
        if "%" in value and value != (decoded := unquote(value)) and self.text(decoded) != decoded:
            return REDACTED  # encoded some other way (lower-case hex, a few characters only)
        windows = self.windows
        runs: list[tuple[int, int]] = []
        for i in range(len(value) - WINDOW + 1):
            if value[i : i + WINDOW] in windows:
                if runs and i <= runs[-1][1]:
                    runs[-1] = (runs[-1][0], i + WINDOW)
                else:
                    runs.append((i, i + WINDOW))
        if not runs:
            return value
        out: list[str] = []
        last = 0
        for start, end in runs:
            out += [value[last:start], REDACTED]
            last = end
        out.append(value[last:])
        return "".join(out)

    def scrub(self, obj: T) -> T:
        """``obj`` (frozen dataclasses, tuples, strings) with every string scrubbed; the same
        object wherever nothing changed."""
        result: T = self._walk(obj)
        return result

    def _walk(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, tuple):
            items = tuple(self._walk(v) for v in value)
            if all(a is b for a, b in zip(items, value)):
                return value
            return type(value)(items) if type(value) is tuple else type(value)(*items)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {}
            for f in dataclasses.fields(value):
                old = getattr(value, f.name)
                new = self._walk(old)
                if new is not old:
                    changes[f.name] = new
            return dataclasses.replace(value, **changes) if changes else value
        return value
