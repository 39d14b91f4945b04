"""The one place that speaks HTTP for the token layer (urllib, no extra dependencies).

What it guarantees, because a token request carries the client secret: https only, plain http
only to loopback (the test server); redirects are never followed (urllib would forward the
``Authorization`` header to wherever they point); no proxy for loopback; TLS verified; bodies
read up to a bound; network trouble comes back as a reason, never as an exception.
"""

from __future__ import annotations

import http.client
import ipaddress
import ssl
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from bolaudit.tokens import TokenError

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
    """(status, headers, body, failure). Never raises for network trouble; never follows redirects."""
    host = urllib.parse.urlsplit(request.full_url).hostname or ""
    proxies = urllib.request.ProxyHandler({} if is_loopback(host) else None)
    opener = urllib.request.build_opener(
        _NoRedirect(), proxies, urllib.request.HTTPSHandler(context=ssl.create_default_context()))
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, _lower(response.headers.items()), response.read(MAX_BODY), None
    except urllib.error.HTTPError as error:
        try:
            body = error.read(MAX_BODY)
        except (OSError, http.client.HTTPException):
            body = b""
        return error.code, _lower(error.headers.items()), body, None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            return 0, {}, b"", f"no answer within {timeout:g} s (timeout)"
        return 0, {}, b"", f"could not connect ({type(error.reason).__name__})"
    except TimeoutError:
        return 0, {}, b"", f"no answer within {timeout:g} s (timeout)"
    except (OSError, http.client.HTTPException) as error:
        return 0, {}, b"", f"the connection failed ({type(error).__name__})"


def _lower(items: Any) -> dict[str, str]:
    return {str(name).lower(): str(value) for name, value in items}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect would send the Basic credentials to wherever it points: report it instead."""

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                         headers: Any, newurl: str) -> None:
        return None


