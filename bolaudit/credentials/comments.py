"""Credentials in Python comments (``# BOL_CLIENT_SECRET=...``, a pasted ``curl -u`` line).

The credential visitor reads string literals; comments are not part of LibCST's expressions, and
visiting every whitespace node of every file would cost more than it finds. So comments are read
as text, and only in a file where a comment holds something a detector matches: then Python's
tokenizer (which knows a ``#`` inside a string from a comment) picks the comments out, and the
text scan reads them with everything else blanked, at the file's own lines and columns.
"""

from __future__ import annotations

import io
import re
import tokenize

from bolaudit.catalog import credentials as cr

_COMMENT = re.compile(r"#[^\n]*")
_RUNS = (cr.SECRET_RUN_RE, cr.UUID_RUN_RE, cr.BASIC_RUN_RE)


def comments_only(text: str) -> str | None:
    """``text`` with all but its comments blanked (same lines and columns), or None when no
    comment can hold a credential (the common case: one regex pass, no tokenizing)."""
    if not any(r.search(m.group()) for m in _COMMENT.finditer(text) for r in _RUNS):
        return None
    lines = text.split("\n")
    blank = [" " * len(line) for line in lines]
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                row, col = token.start
                line = lines[row - 1]
                blank[row - 1] = blank[row - 1][:col] + line[col : token.end[1]] + blank[row - 1][token.end[1] :]
    except (tokenize.TokenError, SyntaxError, IndexError):
        return None
    return "\n".join(blank)
