"""BOL204 token-exposed."""

from __future__ import annotations

from collections.abc import Iterator

from bolaudit.rules_api import Finding, Invalid, Project, ProjectRule, Severity, Valid


_AUTH = '''
import requests

class BolAuth:
    def __init__(self, client_id, client_secret):
        self.client_id = client_id
        self.client_secret = client_secret

    def get_token(self):
        resp = requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                             auth=(self.client_id, self.client_secret),
                             headers={"Accept": "application/json"})
        resp.raise_for_status()
        return resp.json()["access_token"]
'''


_MODELS = """
    from django.db import models


    class BolAccount(models.Model):
        name = models.CharField(max_length=100)
        client_id = models.CharField(max_length=36)
        client_secret = models.CharField(max_length=128)
        access_token = models.TextField(blank=True)
        token_expires_at = models.DateTimeField(null=True, blank=True)
"""


class TokenExposed(ProjectRule):
    """An access token, a refresh token or a client secret is printed, logged or handed out.

    ## What it does
    Follows tokens and secrets (names such as `token`, `access_token`, `client_secret`,
    `BOL_CLIENT_SECRET`; `data["access_token"]`; the body of a token response; whatever a
    function that returns a token returns, in any module) through local assignments, f-strings,
    concatenation, `%`/`.format`, `json.dumps`, header dicts and models built from them, and
    reports the call that writes one to `print`, a `logging` call (or any logger's `debug`/
    `info`/`warning`/`error`/`exception`), `warnings.warn` or an exception message, or hands one
    to a client: a JSON response built from it (`JsonResponse`, DRF's `Response`, `jsonify`),
    what a web route, a Django view or an MCP tool returns. It also reports a DRF serializer
    that outputs a credential field (listed in `Meta.fields`, `"__all__"` of a model that has
    one, or declared), a Django `ModelForm` that renders one into its page, and a pydantic model
    a route declares as its response with such a field. A token field counts where the project
    stores a bol token in it or sends it as a Bearer token, or where it is bol-named; a client
    secret by its name.

    Not reported: a transformed value (`token[:4]`, `mask(token)`, `len(token)`), write-only
    serializer fields, `PasswordInput` widgets, `SecretStr` fields, the token's expiry, a
    response body logged only on an error path, and a "token" that is not bol's (a CSRF token,
    a page token, what the client sent, the app's own login token).

    ## Why is this bad
    bol's rule: secrets and tokens must not end up in logs or URLs. Logs are shipped to
    aggregators, error trackers and support tickets, and readable by far more people than the
    seller's credentials should be. An access token gives full access to the seller's shop
    (orders, customer addresses, offers, prices) until it expires; a refresh token or a client
    secret gives it for up to a year, and the only remedy is to rotate the credentials. A route
    that returns a token hands it to any browser that can reach it.

    ## Example
    ```python
    token = resp.json()["access_token"]
    logger.debug("bol token: %s", token)
    ```

    ```python
    class BolAccountSerializer(serializers.ModelSerializer):
        class Meta:
            model = BolAccount
            fields = ["id", "client_id", "client_secret"]
    ```

    ## Use instead
    ```python
    logger.debug("bol token refreshed, expires in %s s", resp.json()["expires_in"])
    logger.debug("bol token %s…", token[:4])  # a masked prefix at most
    ```
    ```python
    class BolAccountSerializer(serializers.ModelSerializer):
        class Meta:
            model = BolAccount
            fields = ["id", "client_id", "client_secret"]
            extra_kwargs = {"client_secret": {"write_only": True}}
    ```

    ## Fix
    No automatic fix: what to log instead (nothing, or a masked form) is for the code's author
    to decide.

    ## References
    - bol's token service, whose tokens and secrets these are: <https://login.bol.com/token>
    - Retailer API v10 (OpenAPI): <https://api.bol.com/retailer/public/apispec/Retailer%20API%20-%20v10>
    """

    code = "BOL204"
    name = "token-exposed"
    severity = Severity.ERROR

    VALID = [
        Valid(
            """
            import logging
            import requests

            log = logging.getLogger(__name__)

            def refresh(client_id, client_secret):
                resp = requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                                     auth=(client_id, client_secret))
                body = resp.json()
                log.info("bol token for %s refreshed, expires in %s s", client_id, body["expires_in"])
                log.debug("bol token %s…", body["access_token"][:4])
                return body["access_token"]
            """,
            note="the client id, the expiry and a masked prefix are fine",
        ),
        Valid(
            """
            import requests

            class BolAuthError(Exception):
                pass

            def fetch(client_id, client_secret):
                resp = requests.post("https://login.bol.com/token?grant_type=client_credentials",
                                     auth=(client_id, client_secret))
                if resp.status_code != 200:
                    raise BolAuthError(f"bol token request failed: {resp.status_code} {resp.text}")
                return resp.json()["access_token"]
            """,
            note="the error body of a failed token request holds no token",
        ),
        Valid(
            {
                "bol/__init__.py": "",
                "bol/auth.py": _AUTH,
                "web/__init__.py": "",
                "web/app.py": """
                    import os
                    import requests
                    from flask import Flask, jsonify

                    from bol.auth import BolAuth

                    app = Flask(__name__)
                    auth = BolAuth(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"])

                    @app.get("/orders")
                    def orders():
                        resp = requests.get("https://api.bol.com/retailer/orders",
                                            headers={"Authorization": f"Bearer {auth.get_token()}",
                                                     "Accept": "application/vnd.retailer.v10+json"})
                        return jsonify(resp.json())
                """,
            },
            note="a route that uses the token but returns only the API's data",
        ),
        Valid(
            """
            import logging

            logger = logging.getLogger("bol")

            def connect(settings):
                if not settings.BOL_CLIENT_SECRET:
                    logger.error("BOL_CLIENT_SECRET is not set")
                    raise RuntimeError("set BOL_CLIENT_SECRET in the environment")
                print("connecting to bol as", settings.BOL_CLIENT_ID)
            """,
            note="naming the setting is fine, printing its value is not",
        ),
        Valid(
            {
                "shop/__init__.py": "",
                "shop/models.py": _MODELS,
                "shop/serializers.py": """
                    from rest_framework import serializers

                    from .models import BolAccount


                    class BolAccountSerializer(serializers.ModelSerializer):
                        client_secret = serializers.CharField(write_only=True, style={"input_type": "password"})

                        class Meta:
                            model = BolAccount
                            fields = ["id", "name", "client_id", "client_secret"]


                    class BolAccountListSerializer(serializers.ModelSerializer):
                        class Meta:
                            model = BolAccount
                            fields = ["id", "name", "client_id"]


                    class BolAccountCreateSerializer(serializers.ModelSerializer):
                        class Meta:
                            model = BolAccount
                            fields = "__all__"
                            extra_kwargs = {"client_secret": {"write_only": True}, "access_token": {"write_only": True}}
                """,
            },
            note="write-only credential fields, and a serializer with the client id only",
        ),
        Valid(
            {
                "shop/__init__.py": "",
                "shop/models.py": _MODELS,
                "shop/forms.py": """
                    from django import forms

                    from .models import BolAccount


                    class BolAccountForm(forms.ModelForm):
                        class Meta:
                            model = BolAccount
                            fields = ["name", "client_id", "client_secret"]
                            widgets = {"client_secret": forms.PasswordInput()}
                """,
                "shop/serializers.py": """
                    from rest_framework import serializers

                    from .models import BolAccount


                    class BolAccountSerializer(serializers.ModelSerializer):
                        client_secret = serializers.SerializerMethodField()

                        class Meta:
                            model = BolAccount
                            fields = ["id", "client_id", "client_secret"]

                        def get_client_secret(self, obj):
                            return obj.client_secret[:4] + "…" if obj.client_secret else ""
                """,
            },
            note="masked values: a PasswordInput never renders the value, a method field shows a masked form",
        ),
        Valid(
            {
                "app/__init__.py": "",
                "app/bol.py": _AUTH,
                "app/main.py": """
                    import os
                    from datetime import datetime, timedelta, timezone

                    import jwt
                    from fastapi import Depends, FastAPI
                    from fastapi.security import OAuth2PasswordRequestForm
                    from pydantic import BaseModel, SecretStr

                    from app import users
                    from app.bol import BolAuth

                    app = FastAPI()
                    bol = BolAuth(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"])


                    class Token(BaseModel):
                        access_token: str
                        token_type: str


                    class BolAccountOut(BaseModel):
                        client_id: str
                        client_secret: SecretStr


                    def create_access_token(username: str) -> str:
                        expire = datetime.now(timezone.utc) + timedelta(minutes=30)
                        return jwt.encode({"sub": username, "exp": expire}, os.environ["APP_JWT_KEY"], algorithm="HS256")


                    @app.post("/token", response_model=Token)
                    def login(form: OAuth2PasswordRequestForm = Depends()):
                        user = users.authenticate(form.username, form.password)
                        return Token(access_token=create_access_token(user.username), token_type="bearer")


                    @app.get("/bol/account", response_model=BolAccountOut)
                    def bol_account():
                        return BolAccountOut(client_id=bol.client_id, client_secret=bol.client_secret)
                """,
            },
            note="the app's own login token is not bol's; a SecretStr field is shown as **********",
        ),
        Valid(
            {
                "shop/__init__.py": "",
                "shop/bol.py": """
                    import time

                    import requests


                    class BolTokenExpired(Exception):
                        pass


                    class BolAuthError(Exception):
                        pass


                    class BolClient:
                        def __init__(self, client_id, client_secret):
                            self.auth = (client_id, client_secret)
                            self._token, self._expires_at = None, 0.0

                        def token(self):
                            if self._token is None or time.time() > self._expires_at - 15:
                                resp = requests.post("https://login.bol.com/token",
                                                     data={"grant_type": "client_credentials"}, auth=self.auth,
                                                     headers={"Accept": "application/json"}, timeout=10)
                                try:
                                    resp.raise_for_status()
                                except requests.HTTPError as exc:
                                    raise BolAuthError(f"bol token request failed: {resp.text}") from exc
                                body = resp.json()
                                self._token, self._expires_at = body["access_token"], time.time() + body["expires_in"]
                            return self._token

                        def orders(self, page_token=None):
                            if time.time() > self._expires_at:
                                raise BolTokenExpired(f"bol token expired at {time.ctime(self._expires_at)}")
                            resp = requests.get("https://api.bol.com/retailer/orders",
                                                params={"page": page_token or 1},
                                                headers={"Authorization": f"Bearer {self.token()}",
                                                         "Accept": "application/vnd.retailer.v10+json"})
                            return resp.json()
                """,
                "shop/views.py": """
                    import os

                    from django.http import JsonResponse
                    from django.middleware.csrf import get_token

                    from .bol import BolClient

                    client = BolClient(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"])


                    def csrf(request):
                        return JsonResponse({"token": get_token(request)})


                    def orders(request):
                        page = client.orders(page_token=request.GET.get("token"))
                        return JsonResponse({"orders": page.get("orders", []), "token": page.get("nextPageToken")})
                """,
            },
            note="a CSRF token, a pagination token, the token's expiry and an error body are not the token",
        ),
    ]
    INVALID = [
        Invalid(
            """
            import logging
            import requests

            logger = logging.getLogger(__name__)

            def get_token(client_id, client_secret):
                resp = requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                                     auth=(client_id, client_secret))
                token = resp.json()["access_token"]
                logger.debug("Got bol token %s", token)
                return token
            """,
            line=10,
            message="access token",
        ),
        Invalid(
            {
                "bol/__init__.py": "",
                "bol/auth.py": _AUTH,
                "scripts/debug_token.py": """
                    import os

                    from bol.auth import BolAuth

                    auth = BolAuth(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"])
                    print(f"Authorization: Bearer {auth.get_token()}")
                """,
            },
            path="scripts/debug_token.py",
            line=6,
            message="the result of `BolAuth.get_token()`",
        ),
        Invalid(
            """
            import os
            import warnings

            CLIENT_ID = os.environ["BOL_CLIENT_ID"]
            CLIENT_SECRET = os.environ["BOL_CLIENT_SECRET"]

            class BolConfigError(Exception):
                pass

            def check_credentials():
                if len(CLIENT_SECRET) != 64:
                    warnings.warn(f"unexpected bol secret {CLIENT_SECRET}")
                if not CLIENT_ID:
                    raise BolConfigError(f"missing client id for secret {CLIENT_SECRET}")
            """,
            line=12,
            count=2,
            message="client secret",
        ),
        Invalid(
            {
                "bol/__init__.py": "",
                "bol/auth.py": _AUTH,
                "api/__init__.py": "",
                "api/routes.py": """
                    from fastapi import APIRouter

                    from bol.auth import BolAuth

                    router = APIRouter()

                    @router.get("/internal/bol-token")
                    def bol_token(auth: BolAuth):
                        return {"access_token": auth.get_token(), "token_type": "Bearer"}
                """,
            },
            path="api/routes.py",
            line=8,
            message="route `bol_token`",
        ),
        Invalid(
            """
            import requests

            def token(client_id, client_secret):
                resp = requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                                     auth=(client_id, client_secret), headers={"Accept": "application/json"})
                print(resp.json())
                return resp.json()["access_token"]
            """,
            line=6,
            message="token response",
        ),
        Invalid(
            {
                "shop/__init__.py": "",
                "shop/models.py": _MODELS,
                "shop/serializers.py": """
                    from rest_framework import serializers

                    from .models import BolAccount


                    class BolAccountSerializer(serializers.ModelSerializer):
                        class Meta:
                            model = BolAccount
                            fields = ["id", "name", "client_id", "client_secret", "token_expires_at"]
                """,
                "shop/views.py": """
                    from rest_framework import permissions, viewsets

                    from .models import BolAccount
                    from .serializers import BolAccountSerializer


                    class BolAccountViewSet(viewsets.ModelViewSet):
                        queryset = BolAccount.objects.all()
                        serializer_class = BolAccountSerializer
                        permission_classes = [permissions.IsAdminUser]
                """,
            },
            path="shop/serializers.py",
            line=6,
            count=1,
            message="the serializer `BolAccountSerializer` returns to API clients the client secret (field `client_secret`)",
            note="a ModelViewSet's GET returns every field its serializer lists",
        ),
        Invalid(
            {
                "channels/__init__.py": "",
                "channels/models.py": """
                    from datetime import timedelta

                    import requests
                    from django.db import models
                    from django.utils import timezone


                    class SalesChannel(models.Model):
                        marketplace = models.CharField(max_length=20, default="bol")
                        client_id = models.CharField(max_length=64)
                        client_secret = models.CharField(max_length=128)
                        access_token = models.TextField(blank=True)
                        expires_at = models.DateTimeField(null=True)

                        def refresh_access_token(self) -> str:
                            resp = requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                                                 auth=(self.client_id, self.client_secret),
                                                 headers={"Accept": "application/json"}, timeout=10)
                            resp.raise_for_status()
                            body = resp.json()
                            self.access_token = body["access_token"]
                            self.expires_at = timezone.now() + timedelta(seconds=body["expires_in"] - 30)
                            self.save(update_fields=["access_token", "expires_at"])
                            return self.access_token
                """,
                "channels/serializers.py": """
                    from rest_framework import serializers

                    from .models import SalesChannel


                    class SalesChannelSerializer(serializers.ModelSerializer):
                        class Meta:
                            model = SalesChannel
                            fields = "__all__"
                """,
            },
            path="channels/serializers.py",
            line=6,
            count=1,
            message="(fields `client_secret`, `access_token`)",
            note='"__all__" on a model whose access_token column it fills from bol\'s token response',
        ),
        Invalid(
            {
                "shop/__init__.py": "",
                "shop/models.py": _MODELS,
                "shop/api.py": """
                    from rest_framework import serializers
                    from rest_framework.response import Response
                    from rest_framework.views import APIView

                    from .models import BolAccount


                    class BolConnectionSerializer(serializers.Serializer):
                        client_id = serializers.UUIDField()
                        client_secret = serializers.CharField(max_length=128)
                        connected = serializers.BooleanField(read_only=True)


                    class BolConnectionView(APIView):
                        def get(self, request, pk):
                            account = BolAccount.objects.get(pk=pk, shop__owner=request.user)
                            return Response(BolConnectionSerializer(account).data)
                """,
            },
            path="shop/api.py",
            line=10,
            count=1,
            message="field `client_secret`",
            note="a declared field, readable as well as writable",
        ),
        Invalid(
            {
                "shop/__init__.py": "",
                "shop/models.py": _MODELS,
                "shop/forms.py": """
                    from django import forms

                    from .models import BolAccount


                    class BolAccountForm(forms.ModelForm):
                        class Meta:
                            model = BolAccount
                            fields = ["name", "client_id", "client_secret"]


                    class BolReconnectForm(forms.ModelForm):
                        client_secret = forms.CharField(widget=forms.PasswordInput(render_value=True))

                        class Meta:
                            model = BolAccount
                            fields = ["client_id", "client_secret"]
                """,
            },
            path="shop/forms.py",
            line=6,
            count=2,
            message="the model form `BolAccountForm` renders into its page the client secret",
            note="a ModelForm fills its inputs with the stored values; render_value=True does it for a PasswordInput",
        ),
        Invalid(
            {
                "api/__init__.py": "",
                "api/models.py": """
                    from sqlalchemy import Column, Integer, String
                    from sqlalchemy.orm import declarative_base

                    Base = declarative_base()


                    class BolAccount(Base):
                        __tablename__ = "bol_accounts"
                        id = Column(Integer, primary_key=True)
                        client_id = Column(String(36))
                        client_secret = Column(String(128))
                """,
                "api/routes.py": """
                    from datetime import datetime

                    from fastapi import APIRouter, Depends
                    from pydantic import BaseModel, ConfigDict
                    from sqlalchemy.orm import Session

                    from api.db import get_db
                    from api.models import BolAccount
                    from api.tokens import TokenStore, get_store

                    router = APIRouter()


                    class BolAccountOut(BaseModel):
                        model_config = ConfigDict(from_attributes=True)

                        id: int
                        client_id: str
                        client_secret: str


                    @router.get("/bol-accounts/{account_id}", response_model=BolAccountOut)
                    def get_account(account_id: int, db: Session = Depends(get_db)):
                        return db.get(BolAccount, account_id)


                    class BolTokenOut(BaseModel):
                        access_token: str
                        expires_at: datetime


                    @router.get("/internal/bol-token")
                    async def current_token(store: TokenStore = Depends(get_store)) -> BolTokenOut:
                        return await store.current()
                """,
            },
            path="api/routes.py",
            line=19,
            count=2,
            message="the response model `BolAccountOut` of `get_account` returns to API clients the client secret",
            note="a response model's client_secret, and the access_token of a bol token model a route returns",
        ),
        Invalid(
            {
                "bol/__init__.py": "",
                "bol/auth.py": _AUTH,
                "assistant/__init__.py": "",
                "assistant/server.py": """
                    import os

                    from mcp.server.fastmcp import FastMCP

                    from bol.auth import BolAuth

                    mcp = FastMCP("bol-orders")
                    auth = BolAuth(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"])


                    @mcp.tool()
                    def bol_auth_header() -> dict:
                        '''A ready Authorization header for calling bol's Retailer API.'''
                        return {"Authorization": f"Bearer {auth.get_token()}"}


                    if __name__ == "__main__":
                        mcp.run()
                """,
            },
            path="assistant/server.py",
            line=12,
            count=1,
            message="the response of MCP tool `bol_auth_header` hands out the access token",
            note="an MCP tool's result goes to the model and its transcript",
        ),
        Invalid(
            {
                "shop/__init__.py": "",
                "shop/bol.py": _AUTH,
                "shop/api.py": """
                    import os

                    from django.contrib.auth.decorators import login_required
                    from django.http import JsonResponse
                    from flask import Blueprint, jsonify

                    from .bol import BolAuth

                    auth = BolAuth(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"])
                    bp = Blueprint("bol", __name__)


                    @login_required
                    def bol_token(request):
                        return JsonResponse({"token": auth.get_token(), "expires_in": 299})


                    @bp.get("/bol/token")
                    def flask_bol_token():
                        return jsonify(access_token=auth.get_token(), expires_in=299)
                """,
            },
            path="shop/api.py",
            line=15,
            count=2,
            message="this `JsonResponse` response hands the client the access token",
            note="JSON responses built from the token: Django's JsonResponse, Flask's jsonify",
        ),
        Invalid(
            {
                "shop/__init__.py": "",
                "shop/bol_auth.py": _AUTH,
                "shop/tasks.py": """
                    import os

                    import requests
                    from celery import shared_task

                    from shop.bol_auth import BolAuth

                    auth = BolAuth(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"])


                    @shared_task(autoretry_for=(requests.ConnectionError,), max_retries=3)
                    def push_stock(offer_id: str, amount: int) -> None:
                        token = auth.get_token()
                        resp = requests.put(f"https://api.bol.com/retailer/offers/{offer_id}/stock",
                                            json={"amount": amount, "managedByRetailer": False},
                                            headers={"Authorization": f"Bearer {token}",
                                                     "Accept": "application/vnd.retailer.v10+json",
                                                     "Content-Type": "application/vnd.retailer.v10+json"})
                        if resp.status_code == 401:
                            raise ValueError(f"bol rejected token {token} for offer {offer_id}")
                """,
            },
            path="shop/tasks.py",
            line=20,
            count=1,
            message="this exception's message carries the access token (the result of `BolAuth.get_token()`)",
        ),
        Invalid(
            """
            import requests


            class BolAuthError(Exception):
                pass


            def fetch_token(client_id: str, client_secret: str) -> tuple[str, int]:
                resp = requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                                     auth=(client_id, client_secret), headers={"Accept": "application/json"},
                                     timeout=10)
                resp.raise_for_status()
                try:
                    body = resp.json()
                    return body["access_token"], int(body["expires_in"])
                except (KeyError, ValueError) as exc:
                    raise BolAuthError(f"unexpected bol token response: {resp.text}") from exc
            """,
            line=17,
            count=1,
            message="token response, access token included",
            note="re-raised with the text of a successful token response",
        ),
    ]

    def check(self, project: Project) -> Iterator[Finding]:
        seen: set[tuple[str, object]] = set()
        for exp in project.exposures:
            key = (exp.path, exp.span)
            if key in seen:
                continue
            seen.add(key)
            yield self.make_finding(
                exp.path,
                exp.span,
                f"{_sink_text(exp.kind, exp.sink)} the {exp.what} ({exp.shown}): {_advice(exp.kind)}; "
                "secrets and tokens must not end up in logs, error reports or responses",
                flagged=f"{exp.sink}|{exp.what}|{exp.shown}|{exp.func}",
            )


def _sink_text(kind: str, sink: str) -> str:
    if kind == "log":
        return "this log call writes"
    if kind == "exception":
        return "this exception's message carries"
    if kind == "route":
        return f"{sink} hands out"
    if kind == "response":
        return f"this {sink} response hands the client"
    if kind == "warning":
        return "this warning carries"
    if kind == "model form":
        return f"{sink} renders into its page"
    if kind in ("serializer", "response model"):
        return f"{sink} returns to API clients"
    return f"this {sink} call writes out"


def _advice(kind: str) -> str:
    if kind in ("route", "response"):
        return "keep tokens on the server and return only the data the caller needs"
    if kind == "serializer":
        return "make the field `write_only=True` (or leave it out of `fields`)"
    if kind == "model form":
        return "leave the field out of `fields`, or give it a `PasswordInput` widget (it never renders the value)"
    if kind == "response model":
        return "leave the field out, type it `SecretStr`, or mark it `Field(exclude=True)`"
    if kind == "exception":
        return "say what failed, not with which token or secret"
    return "log or show a masked form (the first 4 characters and `…`) or nothing at all"
