"""The loopback world an app runs in for the oracle.

- bol's token service (``tokenserver.TokenServer``) and Retailer API (``retailerapi.RetailerApi``)
  on loopback; the app keeps its real ``https://login.bol.com`` / ``https://api.bol.com`` URLs and
  the transports of requests and httpx send them to loopback instead (any other host is refused:
  no network);
- a controlled clock: ``time.time`` and ``datetime.now`` (time-machine), ``time.monotonic``, and
  ``time.sleep``, which moves the clock instead of waiting; it moves only when told, so bol's
  299 s lifetime passes in no time;
- the counts: token requests, API calls, calls made with an expired token and whether the app
  renewed its token right after such a call.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import sys
import time
import traceback
import urllib.parse
import uuid
from collections.abc import Callable
from typing import Any

try:
    from retailerapi import RetailerApi
    from tokenserver import CLIENT_ID, CLIENT_SECRET, TokenServer
except ModuleNotFoundError:  # tests/ became a package
    from tests.retailerapi import RetailerApi
    from tests.tokenserver import CLIENT_ID, CLIENT_SECRET, TokenServer

START = dt.datetime(2025, 3, 3, 8, 0, tzinfo=dt.UTC)
BOL_HOSTS = ("login.bol.com", "api.bol.com")
LOOPBACK = ("127.0.0.1", "localhost", "::1")
_JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")


class Clock:
    """Every clock the apps read, standing still until ``advance``."""

    def __init__(self) -> None:
        self.elapsed = 0.0
        self._real_monotonic = time.monotonic
        self._real_sleep = time.sleep

    def start(self) -> None:
        import time_machine

        self._travel = time_machine.travel(START, tick=False)
        self._traveller = self._travel.start()
        time.monotonic = lambda: self._real_monotonic() + self.elapsed
        time.sleep = self.advance

    def stop(self) -> None:
        time.monotonic = self._real_monotonic
        time.sleep = self._real_sleep
        self._travel.stop()

    def advance(self, seconds: float) -> None:
        if seconds > 0:
            self._traveller.shift(seconds)
            self.elapsed += seconds


class Harness:
    """Servers, clock, redirection and environment for one app; a context manager."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.clock = Clock()
        self.per_call = float(spec.get("seconds_per_call", 0))
        self.accounts: dict[str, tuple[str, str]] = {}
        for index, prefix in enumerate(spec.get("accounts", ["BOL"])):
            pair = (CLIENT_ID, CLIENT_SECRET) if index == 0 else (str(uuid.uuid4()), secrets.token_urlsafe(48))
            self.accounts[prefix] = pair
        first, *_ = self.accounts.values()
        extra = dict(pair for pair in self.accounts.values() if pair != first)
        self.tokens = TokenServer(client_id=first[0], client_secret=first[1], clients=extra)
        self.api = RetailerApi()
        self.events = 0
        self.failed: list[str] = []
        self._undo: list[Callable[[], None]] = []

    def __enter__(self) -> Harness:
        self.clock.start()
        self.tokens.start()
        self.api.start()
        for prefix, (client_id, secret) in self.accounts.items():
            os.environ[f"{prefix}_CLIENT_ID"] = client_id
            os.environ[f"{prefix}_CLIENT_SECRET"] = secret
        os.environ.update({k: v.replace("{app}", self.spec.get("_app", "")) for k, v in self.spec.get("env", {}).items()})
        self._patch_requests()
        self._patch_httpx()
        return self

    def __exit__(self, *exc: object) -> None:
        for undo in reversed(self._undo):
            undo()
        self.api.stop()
        self.tokens.stop()
        self.clock.stop()

    # -- the events -----------------------------------------------------------------------------

    def event(self, run: Callable[[], object], label: str) -> None:
        """Run one outside event; a failure is counted, never raised (a server would answer 500)."""
        self.events += 1
        try:
            outcome = run()
        except Exception as error:  # noqa: BLE001 - the app's own failure is what we count
            self.fail(label, error)
            return
        if isinstance(outcome, str):
            self.failed.append(f"{label}: {outcome}")

    def fail(self, label: str, error: BaseException) -> None:
        self.failed.append(f"{label}: {type(error).__name__}: {mask(str(error))[:160]}")
        self.debug((type(error), error, error.__traceback__))

    def debug(self, exc_info: Any) -> None:
        """With TOKEN_ORACLE_DEBUG=1, the app's traceback on stderr (to see why an event failed)."""
        if os.environ.get("TOKEN_ORACLE_DEBUG"):
            sys.stderr.write(mask("".join(traceback.format_exception(*exc_info))))

    def report(self) -> dict[str, Any]:
        token_seqs = sorted(r.seq for r in self.tokens.requests)
        api = sorted(self.api.calls, key=lambda c: c.request.seq)
        expired = [c for c in api if c.token == "expired"]
        return {
            "events": self.events,
            "iterations": int(self.spec.get("iterations", 0)),
            "accounts": len(self.accounts),
            "elapsed": self.clock.elapsed,
            "token_requests": len(token_seqs),
            "api_calls": len(api),
            "api_calls_ok": sum(1 for c in api if c.status < 400),
            "expired_calls": len(expired),
            "unrecovered_expired": sum(1 for c in expired if not _renewed_after(c.request.seq, token_seqs, api)),
            "unauthorised_calls": sum(1 for c in api if c.token in ("missing", "invalid")),
            "tokens_used": len({c.jti for c in api if c.jti}),
            "failed_events": self.failed,
        }

    # -- bol's hosts to loopback ----------------------------------------------------------------

    def route(self, url: str) -> tuple[str, bool]:
        """Where a request for ``url`` really goes, and whether it is a Retailer API call."""
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        if host in LOOPBACK:
            return url, False
        if parts.scheme != "https" or host not in BOL_HOSTS:
            raise ConnectionRefusedError(f"token oracle: no network beyond bol's hosts ({parts.scheme}://{host})")
        base = self.tokens.base_url if host == "login.bol.com" else self.api.base_url
        target = base + parts.path + (f"?{parts.query}" if parts.query else "")
        return target, host == "api.bol.com"

    def _patch_requests(self) -> None:
        try:
            import requests
            from requests.adapters import HTTPAdapter
        except ImportError:
            return
        original = HTTPAdapter.send
        harness = self

        def send(adapter: HTTPAdapter, request: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                request.url, is_api = harness.route(request.url)
            except ConnectionRefusedError as refused:  # as requests says it, for the app's except clauses
                raise requests.ConnectionError(str(refused), request=request) from refused
            kwargs["proxies"] = {}
            response = original(adapter, request, *args, **kwargs)
            if is_api:
                harness.clock.advance(harness.per_call)
            return response

        HTTPAdapter.send = send  # type: ignore[method-assign]
        self._undo.append(lambda: setattr(HTTPAdapter, "send", original))

    def _patch_httpx(self) -> None:
        try:
            import httpx
        except ImportError:
            return
        sync_send = httpx.HTTPTransport.handle_request
        async_send = httpx.AsyncHTTPTransport.handle_async_request
        harness = self

        def redirect(request: httpx.Request) -> bool:
            try:
                target, is_api = harness.route(str(request.url))
            except ConnectionRefusedError as refused:  # as httpx says it
                raise httpx.ConnectError(str(refused), request=request) from refused
            request.url = httpx.URL(target)
            return is_api

        def handle(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
            is_api = redirect(request)
            response = sync_send(transport, request)
            if is_api:
                harness.clock.advance(harness.per_call)
            return response

        async def handle_async(transport: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
            is_api = redirect(request)
            response = await async_send(transport, request)
            if is_api:
                harness.clock.advance(harness.per_call)
            return response

        httpx.HTTPTransport.handle_request = handle  # type: ignore[method-assign]
        httpx.AsyncHTTPTransport.handle_async_request = handle_async  # type: ignore[method-assign]
        self._undo.append(lambda: setattr(httpx.HTTPTransport, "handle_request", sync_send))
        self._undo.append(lambda: setattr(httpx.AsyncHTTPTransport, "handle_async_request", async_send))


def _renewed_after(seq: int, token_seqs: list[int], api: list[Any]) -> bool:
    """Whether the app asked for a new token right after the call ``seq`` came back expired,
    before its next API call (a renewal on 401)."""
    next_token = next((t for t in token_seqs if t > seq), None)
    next_call = next((c.request.seq for c in api if c.request.seq > seq), None)
    return next_token is not None and (next_call is None or next_token < next_call)


def mask(text: str) -> str:
    """No token in full in anything the oracle prints."""
    return _JWT.sub(lambda m: f"{m.group()[:4]}…{m.group()[-3:]}", text)
