"""The one place that speaks HTTP for the token layer (urllib, no extra dependencies).

What it guarantees, because a token request carries the client secret: https only, plain http
only to loopback (the test server); redirects are never followed (urllib would forward the
``Authorization`` header to wherever they point); no proxy for loopback; TLS verified; bodies
read up to a bound; network trouble comes back as a reason, never as an exception.

The timeout is a deadline for the whole exchange (connect, TLS, request, status line, headers,
body), not urllib's per-read socket timeout, which a server sending one byte a second never
trips. A timer shuts the connection's socket down when the deadline passes, which ends any read
blocked on it; the one step it cannot cut short is the system's name lookup.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from bolaudit.tokens.jwt import TokenError

MAX_BODY = 1024 * 1024
LOOPBACK_NAMES = ("localhost",)


def check_url(url: str, *, what: str = "token URL") -> str:
    """https only; plain http only to loopback (a test server). Returns the URL unchanged.

    The message shows scheme and host only: a URL may carry credentials in its userinfo or query.
    """
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        _ = parts.port  # raises ValueError on a bad port
    except ValueError:
        raise TokenError(f"{what} is not a valid URL", kind="url") from None
    if parts.username is not None or parts.password is not None:
        raise TokenError(f"{what} must not contain credentials", kind="url")
    shown = f"{parts.scheme}://{host}"
    if not host:
        raise TokenError(f"{what} has no host: {shown}", kind="url")
    if parts.scheme == "https" or (parts.scheme == "http" and is_loopback(host)):
        return url
    raise TokenError(f"{what} must use https (plain http only to loopback): {shown}", kind="url")


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def send(request: urllib.request.Request, timeout: float) -> tuple[int, dict[str, str], bytes, str | None]:
    """(status, headers, body, failure). Never raises for network trouble; never follows redirects.

    ``timeout`` bounds the whole exchange; past it the failure is "no answer within N s".
    """
    host = urllib.parse.urlsplit(request.full_url).hostname or ""
    proxies = urllib.request.ProxyHandler({} if is_loopback(host) else None)
    deadline = Deadline(timeout)
    opener = urllib.request.build_opener(
        _NoRedirect(), proxies, _HTTPHandler(deadline), _HTTPSHandler(deadline))
    late = f"no answer within {timeout:g} s (timeout)"
    deadline.start()
    try:
        status, headers, body = _exchange(opener, request, timeout)
    except urllib.error.URLError as error:
        if deadline.finish() or isinstance(error.reason, TimeoutError):
            return 0, {}, b"", late
        return 0, {}, b"", f"could not connect ({type(error.reason).__name__})"
    except TimeoutError:
        deadline.finish()
        return 0, {}, b"", late
    except (OSError, http.client.HTTPException, ValueError) as error:
        if deadline.finish():
            return 0, {}, b"", late
        return 0, {}, b"", f"the connection failed ({type(error).__name__})"
    if deadline.finish():  # the socket was shut mid-body: what came is not the whole answer
        return 0, {}, b"", late
    if len(body) > MAX_BODY:
        return 0, {}, b"", f"the answer is larger than {MAX_BODY // 1024} KiB; not read"
    return status, headers, body, None


def _exchange(opener: urllib.request.OpenerDirector, request: urllib.request.Request,
              timeout: float) -> tuple[int, dict[str, str], bytes]:
    """One request; an HTTP error status is an answer too. Reads one byte past the bound."""
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, _lower(response.headers.items()), response.read(MAX_BODY + 1)
    except urllib.error.HTTPError as error:
        try:
            body = error.read(MAX_BODY + 1)
        except (OSError, http.client.HTTPException):
            body = b""
        finally:
            error.close()
        return error.code, _lower(error.headers.items()), body


class Deadline:
    """Shuts down every socket it watches once ``seconds`` have passed since ``start()``.

    Shutting a socket down (not closing it: its owner does that) wakes a ``recv`` blocked in
    another thread with end-of-file, so ``http.client`` gives up at once. ``finish()`` stops the
    timer and says whether it fired.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = 0.0
        self._lock = threading.Lock()
        self._watched: list[socket.socket] = []
        self._expired = False
        self._done = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def start(self) -> None:
        self._end = time.monotonic() + self.seconds
        self._timer.start()

    def remaining(self) -> float:
        return max(self._end - time.monotonic(), 0.001)

    def watch(self, sock: socket.socket) -> socket.socket:
        """Watch ``sock`` (a duplicate of it: TLS takes the original over); returns ``sock``."""
        with self._lock:
            if not self._done:
                self._watched.append(sock.dup())
                if self._expired:
                    _shut(self._watched[-1])
        return sock

    def finish(self) -> bool:
        """Stop watching; True when the deadline passed before this."""
        self._timer.cancel()
        with self._lock:
            self._done = True
            for sock in self._watched:
                sock.close()
            self._watched.clear()
            return self._expired

    def _expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self._expired = True
            for sock in self._watched:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by the other side


class _Watched:
    """Mixin for ``http.client`` connections: the socket is watched by the deadline, and
    connecting may take no longer than what is left of it."""

    _deadline: Deadline
    timeout: float | None

    def _connect_watched(self, address: tuple[str, int], timeout: float | None,
                         source_address: tuple[str, int] | None = None) -> socket.socket:
        wait = self._deadline.remaining() if timeout is None else min(timeout, self._deadline.remaining())
        return self._deadline.watch(socket.create_connection(address, wait, source_address))


class _HTTPConnection(_Watched, http.client.HTTPConnection):
    def __init__(self, host: str, *, deadline: Deadline, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self._deadline = deadline
        self._create_connection = self._connect_watched


class _HTTPSConnection(_Watched, http.client.HTTPSConnection):
    def __init__(self, host: str, *, deadline: Deadline, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self._deadline = deadline
        self._create_connection = self._connect_watched


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_HTTPConnection, req, deadline=self._deadline)  # type: ignore[arg-type]


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: Deadline) -> None:
        super().__init__(context=ssl.create_default_context())
        self._deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_HTTPSConnection, req, context=self._context,  # type: ignore[arg-type,attr-defined]
                            deadline=self._deadline)


def _lower(items: Any) -> dict[str, str]:
    return {str(name).lower(): str(value) for name, value in items}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect would send the Basic credentials to wherever it points: report it instead."""

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                         headers: Any, newurl: str) -> None:
        return None


