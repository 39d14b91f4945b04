"""A real HTTP server on loopback that plays bol's token service in tests.

It checks what bol checks (Basic auth, ``Accept: application/json``, ``grant_type`` in the form body
or, as older clients send it, in the query string), mints RS256 JWTs shaped like bol's (see
FACTS.md) with a key made once per test session, serves that key as ``/jwks.json``, and can be
scripted to misbehave: 401 problem JSON, 429 with Retry-After, 500, a non-JSON body, a slow answer,
an answer dripped one byte at a time.
It records every request so tests can assert "exactly one request, with these headers".

Use the ``token_server`` fixture (import it into the test module) or ``TokenServer`` directly.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "0f6c2d5e-8a41-4b7e-9c3d-2e1f5a6b7c8d"
CLIENT_SECRET = "Xq7!mP2@vL9(zR4)kT8+wN3-hJ6_bF1?cD5!gS0@yU7(eA2)iO9+rM4-tK8_pQ3?"  # fake, 64 chars
SELLER_ID = "1234567"
CLIENT_NAME = "Shop integratie"
KID = "rsa3"
LEGACY_SCOPES = "RETAILER"
FINE_SCOPES = "orders.read offers.manage"


@cache
def signing_key(name: str = "session") -> rsa.RSAPrivateKey:
    """One RSA key per name per test session (generating keys is the slow part). A process that
    a test starts gets the session's key from the PEM file named by $TOKENSERVER_KEY_FILE."""
    shared = os.environ.get("TOKENSERVER_KEY_FILE")
    if shared and name == "session":
        key = serialization.load_pem_private_key(Path(shared).read_bytes(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def write_signing_key(path: Path) -> Path:
    """The session's key as PEM at ``path``, for $TOKENSERVER_KEY_FILE of a child process."""
    path.write_bytes(signing_key().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()))
    return path


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def jwks_for(key: rsa.RSAPrivateKey, kid: str = KID) -> dict[str, Any]:
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {"keys": [{**jwk, "kid": kid, "alg": "RS256", "use": "sig"}]}


def bol_claims(*, client_id: str = CLIENT_ID, scopes: Any = LEGACY_SCOPES, seller_id: str = SELLER_ID,
               client_name: str = CLIENT_NAME, iat: int | None = None, lifetime: int = 300,
               scope_claim: str = "scopes", **extra: Any) -> dict[str, Any]:
    """Claims as bol puts them in a client-credentials token (decoded from a real one, 2023)."""
    issued = int(time.time()) if iat is None else iat
    claims: dict[str, Any] = {
        "iss": "https://login.bol.com", "sub": client_id, "azp": client_id, "clientname": client_name,
        scope_claim: scopes, "aid": f"CLNTC:{client_id} SLR:{seller_id}", "iat": issued,
        "exp": issued + lifetime, "jti": str(uuid.uuid4()), "2fa": False, "2fa-enabled": False,
    }
    claims.update(extra)
    return claims


def mint(claims: dict[str, Any] | None = None, *, key: rsa.RSAPrivateKey | None = None, kid: str = KID) -> str:
    """An RS256 JWT with bol's header ``{"kid": ..., "alg": "RS256"}``."""
    return jwt.encode(claims if claims is not None else bol_claims(), key or signing_key(), algorithm="RS256",
                      headers={"kid": kid})


@dataclass(frozen=True)
class Reply:
    """One scripted answer, used instead of the normal one for the next token request."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0  # seconds to stall before answering (released early at shutdown)
    drip: float = 0.0  # seconds between the bytes of the answer (0: all at once)
    drip_from: int = 0  # how many bytes of the answer go out at once before the drip starts

    @staticmethod
    def problem(status: int, title: str, detail: str, **headers: str) -> Reply:
        body = json.dumps({"type": "https://api.bol.com/problems", "title": title, "status": status,
                           "detail": detail}).encode()
        return Reply(status, body, (("Content-Type", "application/problem+json"), *headers.items()))

    @staticmethod
    def rate_limited(retry_after: str | None = "1") -> Reply:
        extra = {} if retry_after is None else {"Retry-After": retry_after}
        return Reply.problem(429, "Too Many Requests", "Rate limit exceeded", **extra)

    @staticmethod
    def not_json(status: int = 200) -> Reply:
        return Reply(status, b"<html><body>Service Unavailable</body></html>", (("Content-Type", "text/html"),))

    @staticmethod
    def dripping(interval: float = 1.0, *, after_head: bool = False) -> Reply:
        """A token response sent one byte per ``interval`` seconds: from the status line on, or
        (``after_head``) after the status line and headers, so only the body drips."""
        body = json.dumps({"access_token": mint(), "token_type": "Bearer", "expires_in": 299}).encode()
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        return Reply(200, body, drip=interval, drip_from=len(head) if after_head else 0)

    @staticmethod
    def slow(delay: float) -> Reply:
        return Reply(delay=delay, status=0)  # status 0: answer normally, after the delay


_sequence = itertools.count()


@dataclass(frozen=True)
class Recorded:
    """One request as the server saw it. ``seq`` orders requests across every loopback fake of
    the process (token service and Retailer API alike); ``at`` is ``time.time()`` when it came,
    which is the controlled clock where a test controls it."""

    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    seq: int = field(default_factory=lambda: next(_sequence), compare=False)
    at: float = field(default_factory=time.time, compare=False)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass
class TokenServer:
    """Configuration and state of the fake token service; ``start()`` / ``stop()`` it."""

    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    # More client id -> secret pairs it accepts (one seller account each), beside the one above.
    clients: dict[str, str] = field(default_factory=dict)
    scopes: Any = LEGACY_SCOPES
    scope_claim: str = "scopes"
    replies: list[Reply] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _release: threading.Event = field(default_factory=threading.Event)
    _httpd: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def token_url(self) -> str:
        return self.base_url + "/token"

    @property
    def jwks_url(self) -> str:
        return self.base_url + "/jwks.json"

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self.replies.extend(replies)

    def start(self) -> TokenServer:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._httpd = _QuietServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        self._release.set()  # wake any stalled "slow" answer
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def client_for(self, authorization: str | None) -> str | None:
        """The client id whose Basic credentials ``authorization`` carries, if it is one of ours."""
        for client_id, secret in {self.client_id: self.client_secret, **self.clients}.items():
            if authorization == "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode():
                return client_id
        return None

    def _record(self, request: Recorded) -> Reply | None:
        with self._lock:
            self.requests.append(request)
            return self.replies.pop(0) if self.replies else None


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out and left is expected here, not news


class _Handler(BaseHTTPRequestHandler):
    fake: TokenServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/jwks.json":
            self._send(200, json.dumps(jwks_for(signing_key())).encode(), ("Content-Type", "application/json"))
        else:
            self._problem(404, "Not Found", "No such resource")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        scripted = self.fake._record(Recorded("POST", path, query, tuple(self.headers.items()), body))
        if scripted is not None and scripted.delay:
            self.fake._release.wait(scripted.delay)
        if scripted is not None and scripted.drip:
            return self._drip(scripted)
        if scripted is not None and scripted.status:
            self._send(scripted.status, scripted.body, *scripted.headers)
            return
        self._token(path, query, body)

    def _token(self, path: str, query: str, body: bytes) -> None:
        fake = self.fake
        if path != "/token":
            return self._problem(404, "Not Found", "No such resource")
        client_id = fake.client_for(self.headers.get("Authorization"))
        if client_id is None:
            return self._problem(401, "Unauthorized", "Bad credentials")
        if self.headers.get("Accept") != "application/json":
            return self._problem(406, "Not Acceptable", "The token service only supports application/json")
        grants = urllib.parse.parse_qs(body.decode("utf-8", "replace")) or urllib.parse.parse_qs(query)
        if grants.get("grant_type") != ["client_credentials"]:
            return self._problem(400, "Bad Request", "Unsupported grant_type")
        claims = bol_claims(client_id=client_id, scopes=fake.scopes, scope_claim=fake.scope_claim)
        answer = {"access_token": mint(claims), "token_type": "Bearer", "expires_in": 299,
                  "scope": fake.scopes if isinstance(fake.scopes, str) else " ".join(fake.scopes)}
        self._send(200, json.dumps(answer).encode(), ("Content-Type", "application/json"))

    def _drip(self, reply: Reply) -> None:
        head = (f"HTTP/1.1 {reply.status} OK\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(reply.body)}\r\n\r\n").encode()
        data = head + reply.body
        try:
            self.wfile.write(data[: reply.drip_from])
            for index in range(reply.drip_from, len(data)):
                self.wfile.write(data[index : index + 1])
                self.wfile.flush()
                if self.fake._release.wait(reply.drip):
                    return
        except OSError:
            return  # the client gave up and closed the connection: what is being tested
        finally:
            self.close_connection = True

    def _problem(self, status: int, title: str, detail: str) -> None:
        reply = Reply.problem(status, title, detail)
        self._send(status, reply.body, *reply.headers)

    def _send(self, status: int, body: bytes, *headers: tuple[str, str]) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def token_server() -> Iterator[TokenServer]:
    server = TokenServer().start()
    try:
        yield server
    finally:
        server.stop()
