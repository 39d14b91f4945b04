"""Text a token service sent, made safe to show: no piece of the credentials, no control characters.

A token service (or anything posing as one) may echo what it received in its error message: the
secret as sent, URL-encoded, in the ``Basic`` header, split over words or cut short. Whatever of
it comes back is hidden: every run of ``PIECE`` or more characters that also occurs in one of
those forms of a credential is replaced with ``…``, case-insensitively (servers lower-case
percent escapes). Then control characters and bidi overrides are escaped, so nothing from the
network can move a terminal's cursor or recolour a CI log.
"""

from __future__ import annotations

import base64
import urllib.parse
from collections.abc import Iterable

from bolaudit.bounded.printable import printable

PIECE = 8  # shorter runs occur by chance; a mask (4 + 3 characters) shows 7 already
HIDDEN = "…"


def forms(client_id: str, client_secret: str) -> tuple[str, ...]:
    """The ways a client secret travels or is echoed, each a text to hide pieces of."""
    pair = f"{client_id}:{client_secret}"  # not itself a form: the client id is no secret
    found = [client_secret, base64.b64encode(pair.encode()).decode("ascii"),
             base64.b64encode(client_secret.encode()).decode("ascii"),
             urllib.parse.quote(client_secret, safe=""), urllib.parse.quote_plus(client_secret),
             urllib.parse.quote(client_secret)]
    return tuple(dict.fromkeys(form for form in found if form))


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every run of ``PIECE``+ characters found in one of ``secrets`` hidden.

    A whole form echoed as it was sent is shown masked first (``Xq7!…Q3?``), as every other
    output shows a secret, so the reader can tell which one it was.
    """
    from bolaudit.tokens.jwt import mask

    secrets = tuple(secrets)
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= PIECE and secret in text:
            text = text.replace(secret, mask(secret))
    folded = _fold(text)
    pieces = {_fold(secret)[i : i + PIECE] for secret in secrets
              for i in range(len(secret) - PIECE + 1)}
    if not pieces:
        return text
    covered = [False] * len(text)
    for start in range(len(text) - PIECE + 1):
        if folded[start : start + PIECE] in pieces:
            covered[start : start + PIECE] = [True] * PIECE
    if not any(covered):
        return text
    out: list[str] = []
    for index, char in enumerate(text):
        if not covered[index]:
            out.append(char)
        elif index == 0 or not covered[index - 1]:
            out.append(HIDDEN)
    return "".join(out)


def shown(text: str, secrets: Iterable[str], *, limit: int = 200) -> str:
    """Server text as one printable line of at most ``limit`` characters, credentials hidden.

    Cut before hiding (a long body costs nothing), hidden before the final cut (so a cut never
    keeps the start of a secret that the hiding would have caught whole).
    """
    text = " ".join(text[: limit * 8].split())
    text = printable(scrub(text, secrets))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fold(text: str) -> str:
    """ASCII lower case only, so every character stays where it was."""
    return "".join(char.lower() if char.isascii() else char for char in text)
