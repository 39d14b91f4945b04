"""BOL204 beyond the rule's own cases: which values and fields count as a bol token or secret, and
where they are handed out."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bolaudit.project import Project
from bolaudit.tokens.exposed_fields import bol_named
from bolaudit.tokens.exposure import Exposure
from conftest import audit, write_tree

AUTH = """
    import requests

    def get_token(client_id, client_secret):
        resp = requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                             auth=(client_id, client_secret), headers={"Accept": "application/json"})
        resp.raise_for_status()
        return resp.json()["access_token"]
"""


def exposures(tree: Path, files: dict[str, str]) -> list[Exposure]:
    write_tree(tree, {p: textwrap.dedent(c).lstrip("\n") for p, c in files.items()})
    project = audit(tree, select=("BOL000",)).project
    assert isinstance(project, Project)
    return project.exposures


@pytest.mark.parametrize(
    ("returned", "flagged"),
    [
        ('JsonResponse({"token": get_token(ID, SECRET)})', True),
        ('JsonResponse({"token": csrf.get_token(request)})', False),
        ('JsonResponse({"token": request.GET["token"]})', False),
        ('JsonResponse({"access_token": request.session["bol_token"]})', True),
        ('JsonResponse({"next": page["nextPageToken"], "token": page.get("pageToken")})', False),
        ('JsonResponse({"ok": True, "token": token})', False),
        ('JsonResponse({"refresh_token": account.refresh})', True),
    ],
    ids=["bol-token", "csrf", "query-parameter", "session-bol-token", "pagination", "route-parameter",
         "refresh-key"],
)
def test_a_token_key_is_judged_by_its_value(returned: str, flagged: bool, tree: Path) -> None:
    found = exposures(tree, {
        "shop/__init__.py": "",
        "shop/bol.py": AUTH,
        "shop/api.py": f"""
            import os

            from django.http import JsonResponse
            from django.middleware import csrf

            from .bol import get_token

            ID, SECRET = os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"]

            def view(request, token, account, page):
                return {returned}
        """,
    })
    assert [e.kind for e in found] == (["response"] if flagged else [])


@pytest.mark.parametrize(
    ("handler", "check", "flagged"),
    [
        ("except KeyError as exc:", "resp.raise_for_status()", True),
        ("except (KeyError, json.JSONDecodeError):", "resp.raise_for_status()", True),
        ("except requests.HTTPError as exc:", "resp.raise_for_status()", False),
        ("except Exception:", "resp.raise_for_status()", False),
        ("except KeyError:", "pass", False),
    ],
    ids=["parse-error-after-success", "json-error", "http-error", "any-error", "no-success-check"],
)
def test_a_token_response_in_an_exception(handler: str, check: str, flagged: bool, tree: Path) -> None:
    found = exposures(tree, {"auth.py": f"""
        import json

        import requests

        class BolAuthError(Exception):
            pass

        def token(cid, secret):
            resp = requests.post("https://login.bol.com/token", data={{"grant_type": "client_credentials"}},
                                 auth=(cid, secret), headers={{"Accept": "application/json"}})
            try:
                {check}
                return resp.json()["access_token"]
            {handler}
                raise BolAuthError("bol token request: " + resp.text)
    """})
    assert [e.kind for e in found] == (["exception"] if flagged else [])


MODELS = """
    from django.db import models

    class BolAccount(models.Model):
        client_id = models.CharField(max_length=36)
        client_secret = models.CharField(max_length=128)
        refresh_token = models.TextField()
"""


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ('class Meta:\n        model = BolAccount\n        exclude = ["client_secret", "refresh_token"]', []),
        ('class Meta:\n        model = BolAccount\n        exclude = ["refresh_token"]', ["client_secret"]),
        ('secret = serializers.CharField(source="client_secret")\n    class Meta:\n'
         '        model = BolAccount\n        fields = ["client_id", "secret"]', ["secret"]),
        ('class Meta(BaseMeta):\n        fields = ["client_id", "refresh_token"]', ["refresh_token"]),
        ('secret = serializers.HiddenField(default="")\n    class Meta(BaseMeta):\n        fields = ["secret"]', []),
    ],
    ids=["exclude-both", "exclude-one", "renamed-by-source", "meta-inherited", "hidden-field"],
)
def test_serializer_fields(body: str, fields: list[str], tree: Path) -> None:
    found = exposures(tree, {
        "shop/__init__.py": "",
        "shop/models.py": MODELS,
        "shop/serializers.py": (
            "from rest_framework import serializers\n\nfrom .models import BolAccount\n\n"
            "class BaseMeta:\n    model = BolAccount\n\n"
            "class AccountSerializer(serializers.ModelSerializer):\n    " + body + "\n"
        ),
    })
    shown = [e.shown for e in found if e.kind == "serializer"]
    assert shown == ([f"field{'s' if len(fields) > 1 else ''} " + ", ".join(f"`{f}`" for f in fields)] if fields else [])


def test_a_route_returning_a_model_with_a_secret_str_is_silent(tree: Path) -> None:
    found = exposures(tree, {
        "app.py": """
            import os

            from fastapi import FastAPI
            from pydantic import BaseModel, SecretStr

            app = FastAPI()
            BOL_CLIENT_SECRET = os.environ["BOL_CLIENT_SECRET"]

            class Creds(BaseModel):
                client_id: str
                client_secret: SecretStr

            class Leaky(BaseModel):
                client_id: str
                client_secret: str

            @app.get("/creds")
            def creds() -> Creds:
                return Creds(client_id="x", client_secret=BOL_CLIENT_SECRET)

            @app.get("/leaky")
            def leaky():
                return Leaky(client_id="x", client_secret=BOL_CLIENT_SECRET)
        """,
    })
    assert [(e.kind, e.func) for e in found] == [("route", "leaky")]


def test_a_module_function_named_encode_is_not_a_string_method(tree: Path) -> None:
    found = exposures(tree, {"app.py": """
        import jwt
        import requests
        from flask import Flask

        app = Flask(__name__)
        TOKEN_URL = "https://login.bol.com/token"

        @app.post("/login")
        def login():
            return {"access_token": jwt.encode({"sub": "me"}, "k", algorithm="HS256")}
    """})
    assert found == []


@pytest.mark.parametrize(
    ("name", "bol"),
    [("BolAccount", True), ("bol_token", True), ("ShopBolCredentials", True), ("BOLConnection", True),
     ("Symbol", False), ("Bolt", False), ("SalesChannel", False), ("symbol_table", False)],
)
def test_bol_named(name: str, bol: bool) -> None:
    assert bol_named(name) is bol
