"""A real HTTP server on loopback that plays bol's Retailer API for the token oracle.

It checks the bearer token as bol does: an RS256 JWT signed by the loopback token service's key
(``tokenserver.signing_key``), not expired by the clock of this process (``time.time()``, which a
test may control) with bol's one second of allowed skew. A dead token gets bol's answer, 401
``{"title": "Expired JWT", ...}``; a missing or forged one 401 ``Unauthorized``; a request without
the Retailer media type as Accept 406. Anything else gets a plausible answer: JSON for a read, a
process status (202) for a write. Every request is recorded with the verdict on its token.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import jwt
try:
    from tokenserver import Recorded, _QuietServer, signing_key
except ModuleNotFoundError:  # tests/ became a package
    from tests.tokenserver import Recorded, _QuietServer, signing_key

MEDIA_TYPE = "application/vnd.retailer.v10+json"
SKEW = 1.0  # seconds: "Allowed clock skew: 1000 milliseconds"


@dataclass(frozen=True)
class ApiCall:
    """One request to the fake API and what it made of the token it carried."""

    request: Recorded
    status: int
    token: str  # "valid", "expired", "missing" or "invalid"
    jti: str | None  # the token's id, to tell tokens apart without keeping them


@dataclass
class RetailerApi:
    """The fake Retailer API; ``start()`` / ``stop()`` it."""

    calls: list[ApiCall] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _httpd: _QuietServer | None = None

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> RetailerApi:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._httpd = _QuietServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def _record(self, call: ApiCall) -> None:
        with self._lock:
            self.calls.append(call)


def judge(authorization: str | None) -> tuple[str, str | None]:
    """What bol makes of an ``Authorization`` header: ("valid" | "expired" | "missing" |
    "invalid", the token's jti)."""
    if not authorization or not authorization.startswith("Bearer "):
        return "missing", None
    token = authorization.removeprefix("Bearer ").strip()
    key = signing_key().public_key()
    try:
        claims = jwt.decode(token, key, algorithms=["RS256"], options={"verify_exp": False})
    except jwt.PyJWTError:
        return "invalid", None
    jti = claims.get("jti")
    if not isinstance(claims.get("exp"), int) or time.time() > claims["exp"] + SKEW:
        return "expired", jti
    return "valid", jti


class _Handler(BaseHTTPRequestHandler):
    fake: RetailerApi
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_PUT(self) -> None:
        self._answer()

    def do_PATCH(self) -> None:
        self._answer()

    def do_DELETE(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        request = Recorded(self.command, path, query, tuple(self.headers.items()), body)
        verdict, jti = judge(self.headers.get("Authorization"))
        status, answer = self._reply(verdict, path)
        self.fake._record(ApiCall(request, status, verdict, jti))
        data = json.dumps(answer).encode()
        kind = "application/problem+json" if status >= 400 else MEDIA_TYPE
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _reply(self, verdict: str, path: str) -> tuple[int, dict[str, Any]]:
        if verdict == "expired":
            return 401, _problem(401, "Expired JWT", "Allowed clock skew: 1000 milliseconds")
        if verdict != "valid":
            return 401, _problem(401, "Unauthorized", "Full authentication is required")
        if not (self.headers.get("Accept") or "").startswith("application/vnd.retailer.v10+"):
            return 406, _problem(406, "Not Acceptable", "Use the Retailer API media type")
        if path.startswith("/shared/process-status/"):
            return 200, _process_status(path.rsplit("/", 1)[-1])
        if not path.startswith("/retailer/"):
            return 404, _problem(404, "Not Found", "No such resource")
        if self.command == "GET":
            return 200, _read_answer(path)
        return 202, {"processStatusId": str(uuid.uuid4().int % 10**10), "status": "PENDING",
                     "eventType": _event_type(self.command, path), "description": "queued",
                     "createTimestamp": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())}


def _problem(status: int, title: str, detail: str) -> dict[str, Any]:
    return {"type": "https://api.bol.com/problems", "title": title, "status": status, "detail": detail}


def _read_answer(path: str) -> dict[str, Any]:
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if path.startswith("/retailer/orders/") and last.isdigit():
        return {"orderId": last, "orderPlacedDateTime": "2025-03-01T10:12:44+01:00",
                "orderItems": [{"orderItemId": f"{last}01", "ean": "8712626055150", "quantity": 1,
                                "fulfilment": {"method": "FBR"}}]}
    if path.startswith("/retailer/orders"):
        return {"orders": [{"orderId": "1043250001", "orderItems": [{"orderItemId": "104325000101"}]},
                           {"orderId": "1043250002", "orderItems": [{"orderItemId": "104325000201"}]}]}
    if path.startswith("/retailer/offers/"):
        return {"offerId": last, "ean": "8712626055150", "stock": {"amount": 4, "correctedStock": 4}}
    if path.startswith("/retailer/shipments"):
        return {"shipments": [{"shipmentId": "871100001", "shipmentDateTime": "2025-03-01T16:02:00+01:00"}]}
    if path.startswith("/retailer/inventory"):
        return {"inventory": [{"ean": "8712626055150", "regularStock": 12, "gradedStock": 0}]}
    return {}


def _process_status(process_id: str) -> dict[str, Any]:
    """Every process the fake starts has succeeded by the time anyone asks."""
    return {"processStatusId": process_id, "entityId": str(uuid.uuid5(uuid.NAMESPACE_OID, process_id)),
            "eventType": "CREATE_OFFER", "status": "SUCCESS", "description": "done",
            "createTimestamp": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())}


def _event_type(method: str, path: str) -> str:
    if "/shipment" in path:
        return "CONFIRM_SHIPMENT"
    if "/stock" in path:
        return "UPDATE_OFFER_STOCK"
    if path.startswith("/retailer/offers"):
        return {"POST": "CREATE_OFFER", "DELETE": "DELETE_OFFER"}.get(method, "UPDATE_OFFER")
    return method
