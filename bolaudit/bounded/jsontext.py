"""JSON from places bolaudit does not control (a token service, a token's claims), with limits.

``json.loads`` recurses once per nesting level: ``[[[[...`` a few thousand deep ends in a
``RecursionError`` that no ``except ValueError`` catches, and whatever later walks the result
(``json.dumps`` for a report) recurses as deep. So the nesting is counted first, without
recursion, and the text is parsed only when it is small and shallow enough. A refusal is a
``JSONLimit``, a ``ValueError`` like any other bad JSON, with a message that says which limit.
"""

from __future__ import annotations

import json
import re

MAX_DEPTH = 32  # a token response is 1 level deep, bol's claims 2; problem JSON at most 3
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class JSONLimit(ValueError):
    """The text is larger or deeper than allowed; not parsed."""


def loads(data: bytes | str, *, max_bytes: int, max_depth: int = MAX_DEPTH) -> object:
    """``json.loads`` for text of at most ``max_bytes`` nested at most ``max_depth`` deep.

    Raises ``JSONLimit`` over a limit, ``ValueError`` (``UnicodeDecodeError`` for bytes that are
    not UTF-8) for what is not JSON.
    """
    if len(data) > max_bytes:
        raise JSONLimit(f"larger than {max_bytes} bytes")
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    if nesting(text, stop=max_depth) > max_depth:
        raise JSONLimit(f"nested more than {max_depth} levels deep")
    return json.loads(text)


def nesting(text: str, *, stop: int | None = None) -> int:
    """How deep brackets outside strings nest (an over-estimate for broken JSON, never under);
    counting ends as soon as it passes ``stop``."""
    deepest = depth = 0
    for match in _BRACKET.finditer(_STRING.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if stop is not None and deepest > stop:
                break
        else:
            depth = max(depth - 1, 0)
    return deepest
