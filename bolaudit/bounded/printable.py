"""Text from files or the network, made inert to show: control and bidi-override characters escaped.

Every format and every message that quotes something bolaudit did not write itself passes it
through ``printable``, so nothing read can move a terminal's cursor or recolour a CI log.
"""

from __future__ import annotations

import re

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str, *, keep: str = "") -> str:
    """``text`` with control and bidi-override characters (but those in ``keep``) escaped.

    Shown as ``\\x1b`` or ``\\u202e``: visible, and inert in a terminal or CI log.
    """
    return _UNPRINTABLE.sub(lambda m: _escape(m.group(), keep), text)


def _escape(char: str, keep: str) -> str:
    if char in keep:
        return char
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte of a file name: show the byte
        code -= 0xDC00
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
