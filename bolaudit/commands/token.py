"""``bolaudit token``, and getting a token for it and for ``bolaudit scopes``.

A token comes from a file (``-`` for stdin), an environment variable, or one live
client-credentials request (``--live``, credentials from the environment); never from a
command-line argument, where ``ps`` and shell history would show it. It is decoded in memory and
only its masked form and claims go anywhere: nothing here writes it to disk or a cache.

Everything that goes wrong is a ``TokenError`` with a one-line message: exit 2, with the claims
shown beside the error when they could be read (an expired token).
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bolaudit.commands.check import Outcome
from bolaudit.records import record

if TYPE_CHECKING:
    from bolaudit.catalog import Catalog
    from bolaudit.config import Config
    from bolaudit.tokens.grants import Expiring
    from bolaudit.tokens.jwt import DecodedToken, TokenError

DEFAULT_TIMEOUT = 10.0
MAX_KEY_FILE = 64 * 1024


@record
class TokenSource:
    """Where the token comes from: exactly one of ``file`` (a path or ``-``), ``env``, ``live``."""

    file: str | None = None
    env: str | None = None
    live: bool = False

    @property
    def given(self) -> bool:
        return self.file is not None or self.env is not None or self.live


@record
class KeySource:
    """How to verify the signature (RS256): a JWKS URL or a PEM public key file, or neither."""

    jwks_url: str | None = None
    public_key: Path | None = None


@record
class Obtained:
    """A decoded token and where it came from. The token text itself is not kept."""

    decoded: DecodedToken
    source: str
    refresh: DecodedToken | None = None  # the refresh token, when it is a JWT
    refresh_masked: str | None = None  # set whenever a refresh token came with the token
    notes: tuple[str, ...] = ()


@record
class Environment:
    """What getting a token reads from the outside world (tests give their own)."""

    environ: Mapping[str, str]
    read_stdin: Callable[[int], str]  # reads at most this many characters
    timeout: float = DEFAULT_TIMEOUT
    sleep: Callable[[float], None] | None = None  # for the 429 wait; None: time.sleep


def check_sources(source: TokenSource, key: KeySource, *,
                  live_options_given: Sequence[str] = ()) -> str | None:
    """A usage problem with the options, or None."""
    chosen = [name for name, on in (("--token-file", source.file is not None),
                                    ("--token-env", source.env is not None),
                                    ("--live", source.live)) if on]
    if len(chosen) > 1:
        return f"give the token one way only, not {' and '.join(chosen)}"
    if key.jwks_url is not None and key.public_key is not None:
        return "give --jwks-url or --public-key, not both"
    if live_options_given and not source.live:
        return f"{live_options_given[0]} only applies with --live"
    return None


def obtain(source: TokenSource, key: KeySource, config: Config, env: Environment,
           now: datetime, *, allow_expired: bool = False) -> Obtained:
    """Read or fetch the token and decode it (verifying it when a key is given).

    The key is loaded first, so a bad key never costs the one token request of the run.
    ``allow_expired``: an expired token (whose signature, when a key is given, holds) is returned
    with a note saying so, instead of raising: its grants can still be compared (``scopes``).
    """
    from bolaudit.tokens.jwt import TokenError, decode, read_token_text

    pem, jwks = _load_key(key, env.timeout)
    notes: tuple[str, ...] = ()
    refresh: str | None = None
    sent: tuple[str, ...] = ()  # what --live sent, in the forms a service could echo it in
    if source.live:
        access, notes, sent = _fetch_live(config, env)
        where = _live_source(config.token_url)
    else:
        text, where = _read_source(source, env)
        given = read_token_text(text)
        access, refresh = given.access_token, given.refresh_token
    try:
        decoded = _scrubbed(decode(access, public_key_pem=pem, jwks=jwks, now=now), sent)
    except TokenError as error:
        if allow_expired and error.kind == "expired" and error.decoded is not None:
            decoded = _scrubbed(error.decoded, sent)
            notes = (*notes, expired_note(decoded, now))
        elif sent and error.decoded is not None:
            raise TokenError(str(error), kind=error.kind, decoded=_scrubbed(error.decoded, sent)) from None
        else:
            raise
    refresh_decoded: DecodedToken | None = None
    refresh_masked: str | None = None
    if refresh is not None:
        from bolaudit.tokens.jwt import mask

        refresh_masked = mask(refresh)
        try:
            refresh_decoded = decode(refresh, now=now) if refresh.count(".") == 2 else None
        except TokenError as error:  # expired: still worth a BOL404; unreadable dates: an error
            if error.kind == "claims":
                raise TokenError(f"refresh token: {error}", kind="claims") from None
            refresh_decoded = error.decoded if error.kind == "expired" else None
    return Obtained(decoded, where, refresh_decoded, refresh_masked, notes)


def expired_note(decoded: DecodedToken, now: datetime) -> str:
    """The warning an expired token's comparison carries."""
    from bolaudit.tokens.view import relative

    assert decoded.expires_at is not None
    return (f"the token expired {relative(decoded.expires_at, now)} "
            f"({decoded.expires_at.isoformat()}); its grants are compared all the same, but it no "
            "longer works: check a fresh one before relying on the result")


def _load_key(key: KeySource, timeout: float) -> tuple[bytes | None, dict[str, Any] | None]:
    from bolaudit.tokens.service import fetch_jwks
    from bolaudit.tokens.jwt import TokenError

    if key.jwks_url is not None:
        return None, fetch_jwks(key.jwks_url, timeout=timeout)
    if key.public_key is not None:
        try:
            with key.public_key.open("rb") as handle:
                return handle.read(MAX_KEY_FILE), None
        except OSError as error:
            raise TokenError(f"cannot read the public key {key.public_key}: "
                             f"{error.strerror or error}", kind="key") from None
    return None, None


def _read_source(source: TokenSource, env: Environment) -> tuple[str, str]:
    from bolaudit.tokens.jwt import MAX_TOKEN_INPUT, TokenError

    if source.env is not None:
        value = env.environ.get(source.env)
        if not value:
            raise TokenError(f"the environment variable {source.env} is not set or empty",
                             kind="malformed")
        return value, f"environment variable {source.env}"
    if source.file is None or source.file == "-":
        return env.read_stdin(MAX_TOKEN_INPUT + 1), "standard input"
    try:
        with open(source.file, "rb") as handle:
            data = handle.read(MAX_TOKEN_INPUT + 1)
    except OSError as error:
        raise TokenError(f"cannot read the token file {source.file}: {error.strerror or error}",
                         kind="malformed") from None
    try:
        return data.decode("utf-8-sig"), f"file {source.file}"
    except UnicodeDecodeError:
        raise TokenError(f"the token file {source.file} is not UTF-8 text", kind="malformed") from None


def _scrubbed(decoded: DecodedToken, sent: tuple[str, ...]) -> DecodedToken:
    from bolaudit.tokens.service import scrub_decoded

    return scrub_decoded(decoded, sent) if sent else decoded


def _fetch_live(config: Config, env: Environment) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """(access token, notes such as a 429 wait, the forms of the secret sent). On failure the
    notes go into the message."""
    from bolaudit.tokens.echo import forms
    from bolaudit.tokens.service import FetchLive, RequestBudget, fetch_client_credentials
    from bolaudit.tokens.http import check_url
    from bolaudit.tokens.jwt import TokenError

    check_url(config.token_url)
    client_id = env.environ.get(config.client_id_env, "").strip()
    secret = env.environ.get(config.client_secret_env, "").strip()
    unset = [name for name, value in ((config.client_id_env, client_id),
                                      (config.client_secret_env, secret)) if not value]
    if unset:
        raise TokenError(f"--live needs the client credentials in the environment: set "
                         f"{' and '.join(unset)}", kind="fetch")
    extra = {} if env.sleep is None else {"sleep": env.sleep}
    outcome = fetch_client_credentials(client_id, secret, config.token_url, timeout=env.timeout,
                                       budget=RequestBudget(1), **extra)
    if not isinstance(outcome, FetchLive):
        said = "".join(f" ({note})" for note in outcome.notes)
        raise TokenError(outcome.message + said, kind="fetch")
    return outcome.access_token, outcome.notes, forms(client_id, secret)


def _live_source(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"the token service at {parts.scheme}://{parts.netloc}{parts.path} (client credentials)"


def expiring(obtained: Obtained, warn_days: int, now: datetime) -> tuple[Expiring, ...]:
    """BOL404 for the token and its refresh token. Short-lived access tokens never warn: see
    ``token_view.expiry_warning``."""
    from bolaudit.tokens.grants import Expiring
    from bolaudit.tokens.view import expiry_warning

    found = [expiry_warning(obtained.decoded, warn_days, now, subject="access token")]
    if obtained.refresh is not None:
        found.append(expiry_warning(obtained.refresh, warn_days, now, subject="refresh token"))
    return tuple(Expiring(w.subject, w.expires_at, w.message) for w in found if w is not None)


def error_outcome(error: TokenError, now: datetime, catalog: Catalog | None, *,
                  fmt: str = "text", to_stdout: bool = False) -> Outcome:
    """Exit 2 with the one-line error, and the claims beside it when they could be read."""
    from bolaudit.tokens.view import render_token_text, token_json

    grants = catalog.scope_grants if catalog is not None else None
    message = f"bolaudit: {error}\n"
    if error.decoded is None:
        return Outcome("", message, 2)
    if fmt == "json" and to_stdout:
        document = {**token_json(error.decoded, now=now, grants=grants), "error": str(error)}
        return Outcome(json.dumps(document, indent=2, default=str) + "\n", message, 2)
    shown = render_token_text(error.decoded, now, grants=grants)
    return (Outcome(shown, message, 2) if to_stdout else
            Outcome("", message + "what the token says (not to be trusted as is):\n" + shown, 2))


# ---------------------------------------------------------------------------------- the command


def run(source: TokenSource, key: KeySource, config: Config, env: Environment, *,
        fmt: str = "text", warn_days: int | None = None, now: datetime | None = None) -> Outcome:
    """``bolaudit token``: 0 when the token was read, 2 on any error."""
    from bolaudit.catalog import CatalogError, load_catalog
    from bolaudit.tokens.jwt import TokenError

    moment = now or datetime.now(timezone.utc)
    try:
        catalog = load_catalog().with_overrides(scope_map=config.scopes)
    except CatalogError as error:
        return Outcome("", f"bolaudit: [tool.bolaudit.scopes]: {error}\n", 2)
    try:
        obtained = obtain(source, key, config, env, moment)
    except TokenError as error:
        return error_outcome(error, moment, catalog, fmt=fmt, to_stdout=True)
    warnings = expiring(obtained, config.warn_days if warn_days is None else warn_days, moment)
    stderr = "".join(f"bolaudit: {note}\n" for note in obtained.notes)
    if fmt == "json":
        return Outcome(_json(obtained, warnings, moment, catalog), stderr, 0)
    return Outcome(_text(obtained, warnings, moment, catalog), stderr, 0)


def _text(obtained: Obtained, warnings: tuple[Expiring, ...], now: datetime, catalog: Catalog) -> str:
    from bolaudit.report import printable
    from bolaudit.tokens.view import claim_warnings
    from bolaudit.tokens.view import relative, render_token_text

    shown = render_token_text(obtained.decoded, now, grants=catalog.scope_grants).rstrip("\n")
    first = shown.split("\n", 1)[0]
    width = len(first) - len(first[len("token"):].lstrip()) if first.startswith("token") else 14
    out = [f"{'source':<{width}}{printable(obtained.source)}", shown]
    if obtained.refresh_masked is not None:
        refresh = obtained.refresh
        if refresh is None or refresh.expires_at is None:
            value = f"{obtained.refresh_masked} (not a JWT: its expiry is not known)"
        else:
            when = refresh.expires_at.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
            value = (f"{refresh.masked}, expires {when} ({relative(refresh.expires_at, now)}; "
                     "signature not verified)")
        out.append(f"{'refresh':<{width}}{value}")
    out += [f"BOL404 authorization-expiring: {w.message}" for w in warnings]
    out += [f"warning: {printable(w.message)}" for w in claim_warnings(obtained.decoded, now)]
    return "\n".join(out) + "\n"


def _json(obtained: Obtained, warnings: tuple[Expiring, ...], now: datetime, catalog: Catalog) -> str:
    from bolaudit.tokens.view import token_json

    document = token_json(obtained.decoded, now=now, grants=catalog.scope_grants)
    document["source"] = obtained.source
    refresh = obtained.refresh
    document["refresh_token"] = None if obtained.refresh_masked is None else {
        "token": obtained.refresh_masked,
        "jwt": refresh is not None,
        "expires_at": refresh.expires_at.isoformat() if refresh and refresh.expires_at else None,
    }
    document["warnings"] = [
        {"code": "BOL404", "name": "authorization-expiring", "subject": w.subject,
         "expires_at": w.expires_at.isoformat(), "message": w.message} for w in warnings]
    return json.dumps(document, indent=2, default=str) + "\n"
