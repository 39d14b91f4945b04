"""How deeply a JSON or TOML text nests, found without parsing it.

Python's parsers recurse once per level: ``[[[[...]]]]`` ten thousand deep is a ``RecursionError``
(a traceback) or, in the worst case, a crashed interpreter. Files bolaudit reads that a pull
request can write (the baseline, ``pyproject.toml``, ``.bolaudit.toml``) are measured here first
and refused when they nest deeper than anything real does. A linear scan of the brackets outside
strings and comments; an unterminated string ends the scan (the parser then names the error).
"""

from __future__ import annotations

import re

# Brackets, and the spans inside which brackets do not count: strings (and TOML's comments).
_JSON = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_TOML = re.compile(
    r'"""(?:[^\\]|\\.)*?"""|\'\'\'.*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*|[\[\]{}]',
    re.DOTALL,
)
_OPEN = frozenset("[{")
_CLOSE = frozenset("]}")


def too_deep(text: str, limit: int, *, toml: bool = False) -> bool:
    """Whether ``text`` opens more than ``limit`` arrays/objects (tables) inside each other."""
    depth = 0
    for match in (_TOML if toml else _JSON).finditer(text):
        token = match.group()
        if token in _OPEN:
            depth += 1
            if depth > limit:
                return True
        elif token in _CLOSE:
            depth = max(depth - 1, 0)
    return False
