"""How deeply a TOML text nests its arrays and inline tables, found without parsing it.

``tomllib`` recurses once per level: ``x = [[[[...]]]]`` a few thousand deep is a
``RecursionError``, a traceback from a pull request's ``pyproject.toml``. The config files are
measured here first and refused when they nest deeper than any real config (JSON from outside has
``bounded_json``). A linear scan of the brackets outside strings and comments; an unterminated
string ends nothing (the parser then names the error).
"""

from __future__ import annotations

import re

# Brackets, and the spans inside which brackets do not count: the four string forms, comments.
_TOKENS = re.compile(
    r'"""(?:[^\\]|\\.)*?"""|\'\'\'.*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*|[\[\]{}]',
    re.DOTALL,
)


def toml_too_deep(text: str, limit: int) -> bool:
    """Whether ``text`` opens more than ``limit`` arrays or tables inside each other (a table
    header ``[a.b]`` or ``[[a]]`` counts while it is open, as TOML's own brackets)."""
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > limit:
                return True
        elif token in ("]", "}"):
            depth = max(depth - 1, 0)
    return False
