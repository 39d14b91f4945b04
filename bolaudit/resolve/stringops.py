"""Operations on resolved strings: ``%``/``str.format`` templates, ``urljoin``, ``str.strip``.

Pure functions over ``SVal``s: a hole stays a hole (with its reason) wherever it lands.
"""

from __future__ import annotations

import re
import string

from bolaudit.resolve.contexts import MAX_ALTERNATIVES
from bolaudit.resolve.values import SVal


def product(left: list[SVal], right: list[SVal]) -> list[SVal]:
    return [a + b for a in left for b in right][:MAX_ALTERNATIVES]


def strip(value: SVal, how: str, chars: str | None) -> SVal:
    """``str.strip`` on the known ends of a value; a hole at an end may hide what would go."""
    parts = list(value.parts)
    if how in ("strip", "lstrip") and parts and isinstance(parts[0], str):
        parts[0] = parts[0].lstrip(chars)
    if how in ("strip", "rstrip") and parts and isinstance(parts[-1], str):
        parts[-1] = parts[-1].rstrip(chars)
    return SVal(tuple(p for p in parts if p != ""))


_PERCENT = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([sdifr%])")


def apply_format(text: str, style: str, args: list[SVal], kwargs: dict[str, SVal]) -> SVal:
    out = SVal(())
    if style == "%":
        pos = 0
        i = 0
        for m in _PERCENT.finditer(text):
            out = out + SVal.of(text[pos : m.start()])
            pos = m.end()
            if m.group(2) == "%":
                out = out + SVal.of("%")
            elif m.group(1):
                out = out + kwargs.get(m.group(1), SVal.hole(f"%({m.group(1)})s"))
            else:
                out = out + (args[i] if i < len(args) else SVal.hole("format argument"))
                i += 1
        return out + SVal.of(text[pos:])
    auto = 0
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return SVal.hole("malformed format string")
    for literal, field, _, _ in parsed:
        out = out + SVal.of(literal)
        if field is None:
            continue
        head = re.split(r"[.\[]", field, maxsplit=1)[0]
        if head == "":
            value = args[auto] if auto < len(args) else SVal.hole("format argument")
            auto += 1
        elif head.isdigit():
            idx = int(head)
            value = args[idx] if idx < len(args) else SVal.hole("format argument")
        else:
            value = kwargs.get(head, SVal.hole(f"{{{head}}}"))
        if head != field:
            value = SVal.hole(f"{{{field}}}")
        out = out + value
    return out


def urljoin_values(base: SVal, rel: SVal) -> SVal:
    """``urljoin`` on resolved values (RFC 3986: an absolute path replaces the base's path)."""
    r = rel.known
    b = base.known
    if r is not None and r.startswith(("http://", "https://")):
        return rel
    prefix = base.prefix()
    if r is not None and r.startswith("/"):
        m = re.match(r"^(https?://[^/]+)", prefix)
        if m:
            return SVal.of(m.group(1)) + rel
        return SVal.hole("URL base") + rel
    if b is not None:
        cut = b.rsplit("/", 1)[0] + "/" if "/" in b.split("://", 1)[-1] else b + "/"
        return SVal.of(cut) + rel
    return base + rel
