"""App detection (``bolaudit.credentials.apps``) and what deployment files declare (``extract.deploy_sources``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bolaudit.extract.deploy_sources import scan_deploy
from bolaudit.credentials.apps import App, Unit, detect_apps, marker_folders, units_of
from bolaudit.facts import DeployUnit, ModuleFacts
from bolaudit.findings import Span


def _unit(path: str, name: str, line: int, end_line: int, folder: str = "", kind: str = "compose-service") -> Unit:
    return Unit(path, kind, name, f"{kind}/{path}/{name}", line, end_line, folder)


def _name(app: App | None) -> str | None:
    return app.name if app is not None else None


# -- detect_apps


@pytest.mark.parametrize(
    ("markers", "path", "expected"),
    [
        ({"orders-sync", "stock-sync"}, "orders-sync/src/orders/bol.py", "orders-sync"),
        ({"orders-sync", "stock-sync"}, "stock-sync/.env", "stock-sync"),
        ({"orders-sync", "stock-sync"}, "docs/setup.py.txt", None),  # outside every app
        ({"orders-sync", "stock-sync"}, ".env", None),
        ({"", "services/api"}, "services/api/app.py", "api"),  # the deepest marker folder wins
        ({"", "services/api"}, "scripts/sync.py", "shop"),  # the root has a marker: an app
        (set(), "anything/at/all.py", "shop"),  # no app anywhere: the root is one
        (set(), "../elsewhere/x.py", "shop"),
        ({"orders-sync"}, "../elsewhere/x.py", None),
    ],
)
def test_folder_apps(markers: set[str], path: str, expected: str | None) -> None:
    apps = detect_apps([path], [], markers, root_name="shop")
    assert _name(apps.app_at(path, 1)) == expected


def test_folder_names_that_clash_are_shown_as_paths() -> None:
    apps = detect_apps(["a/api/x.py", "b/api/y.py", "web/z.py"], [], {"a/api", "b/api", "web"})
    assert [_name(apps.app_at(p, 1)) for p in ("a/api/x.py", "b/api/y.py", "web/z.py")] == ["a/api", "b/api", "web"]


def test_units_are_apps_and_cover_their_lines() -> None:
    units = [_unit("docker-compose.yml", "orders", 2, 6), _unit("docker-compose.yml", "stock", 7, 11)]
    apps = detect_apps(["docker-compose.yml"], units, {"orders-sync"})
    assert [_name(apps.app_at("docker-compose.yml", line)) for line in (1, 2, 6, 7, 11, 12)] == [
        None, "orders", "orders", "stock", "stock", None,
    ]
    assert _name(apps.unit_app("docker-compose.yml", "stock")) == "stock"
    assert apps.unit_app("docker-compose.yml", "web") is None


def test_a_unit_built_from_an_app_folder_is_that_app() -> None:
    units = [
        _unit("deploy/docker-compose.yml", "orders", 2, 4, folder="orders-sync"),
        _unit("deploy/docker-compose.yml", "web", 5, 7, folder="shop"),
        _unit("deploy/docker-compose.yml", "worker", 8, 9, folder="shop"),
        _unit("deploy/docker-compose.yml", "stock", 10, 12, folder="stock-sync/sub"),  # not exactly the app
    ]
    apps = detect_apps(["deploy/docker-compose.yml"], units, {"orders-sync", "shop", "stock-sync"})
    shown = [apps.app_at("deploy/docker-compose.yml", line) for line in (3, 6, 9, 11)]
    assert [_name(a) for a in shown] == ["orders-sync", "shop", "shop", "stock"]
    assert shown[1] == shown[2]  # web and worker are one app
    assert shown[3] is not None and shown[3].kind == "compose-service"


def test_units_with_one_name_in_two_files_are_told_apart() -> None:
    units = [_unit("a/docker-compose.yml", "web", 1, 3), _unit("b/docker-compose.yml", "web", 1, 3)]
    apps = detect_apps(["a/docker-compose.yml", "b/docker-compose.yml"], units, set())
    assert _name(apps.unit_app("a/docker-compose.yml", "web")) == "web (a/docker-compose.yml)"
    assert _name(apps.unit_app("b/docker-compose.yml", "web")) == "web (b/docker-compose.yml)"


def test_configured_apps_replace_folder_detection() -> None:
    configured = (
        ("orders", ("services/orders", "scripts/orders_cron.py")),
        ("shop", ("docker-compose.yml#web", "docker-compose.yml#worker", "web")),
    )
    units = [_unit("docker-compose.yml", "web", 1, 3), _unit("docker-compose.yml", "worker", 4, 6),
             _unit("docker-compose.yml", "stock", 7, 9)]
    paths = ["services/orders/app.py", "scripts/orders_cron.py", "scripts/other.py", "web/x.py", "docker-compose.yml"]
    apps = detect_apps(paths, units, {"scripts"}, configured)
    assert [_name(apps.app_at(p, 1)) for p in paths[:4]] == ["orders", "orders", None, "shop"]
    assert [_name(apps.app_at("docker-compose.yml", line)) for line in (2, 5, 8)] == ["shop", "shop", "stock"]


# -- marker_folders


def test_marker_folders_looks_only_where_asked(tmp_path: Path) -> None:
    for rel in ("a/pyproject.toml", "b/requirements-dev.txt", "c/Dockerfile", "d/README.md", "e/package.json/x",
                "f/x/manage.py", "pyproject.toml"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    assert marker_folders(tmp_path, ["a", "b", "c", "d", "e", "f", "missing", "../x", ""]) == {"a", "b", "c", ""}


# -- facts read back


def test_units_of_reads_what_scan_deploy_wrote() -> None:
    text = "services:\n  web:\n    build: ./shop\n    env_file: [bol.env]\n  worker:\n    image: x\n"
    declared = scan_deploy("deploy/docker-compose.yml", text)
    facts = ModuleFacts("deploy/docker-compose.yml", "", units=declared.units)
    web, worker = units_of(facts)
    assert (web.name, web.line, web.end_line, web.folder) == ("web", 2, 4, "deploy/shop")
    assert web.env_files == (("deploy/bol.env", Span(4, 16, 4, 23)),)
    assert (worker.name, worker.line, worker.end_line, worker.folder) == ("worker", 5, 6, "")


# -- scan_deploy


def _units(units: tuple[DeployUnit, ...]) -> list[tuple[str, str, int, int]]:
    return [(u.kind, u.name, u.line, u.end_line) for u in units]


K8S = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: orders-sync, namespace: shop}
spec:
  template:
    spec:
      containers:
        - name: app
          env:
            - name: BOL_CLIENT_SECRET
              valueFrom: {secretKeyRef: {name: bol-credentials, key: client-secret}}
            - name: STRIPE_CLIENT_SECRET
              valueFrom: {secretKeyRef: {name: stripe, key: client-secret}}
            - name: DATABASE_URL
              valueFrom: {secretKeyRef: {name: db, key: url}}
          envFrom:
            - secretRef: {name: bol-api}
            - secretRef: {name: postgres}
        - name: metrics
          image: prom/exporter
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: stock-sync}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          volumes:
            - name: creds
              secret: {secretName: bol-stock}
          containers:
            - name: sync
              volumeMounts: [{name: creds, mountPath: /run/bol}]
---
apiVersion: v1
kind: Service
metadata: {name: orders-sync}
"""


def test_kubernetes_workloads_and_their_secrets() -> None:
    found = scan_deploy("k8s/shop.yaml", K8S)
    assert _units(found.units) == [
        ("k8s-container", "orders-sync/app", 8, 18),
        ("k8s-container", "orders-sync/metrics", 19, 20),
        ("k8s-container", "stock-sync", 34, 35),
    ]
    assert {(s.kind, s.name, s.role, s.unit, s.span.line) for s in found.sources} == {
        ("k8s-secret", "shop/bol-credentials/client-secret", "client_secret", "orders-sync/app", 10),
        ("k8s-secret", "shop/bol-api/*", "client_id", "orders-sync/app", 17),
        ("k8s-secret", "shop/bol-api/*", "client_secret", "orders-sync/app", 17),
        ("k8s-secret", "bol-stock/*", "client_id", "stock-sync", 35),
        ("k8s-secret", "bol-stock/*", "client_secret", "stock-sync", 35),
    }


WORKFLOW = """\
name: ci
on: [push]
env:
  BOL_CLIENT_ID: ${{ secrets.BOL_CLIENT_ID }}
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: pytest
        env: {BOL_CLIENT_SECRET: "${{ secrets.BOL_CLIENT_SECRET }}"}
  build:
    runs-on: ubuntu-latest
    steps:
      - run: docker build -t shop .
  push-image:
    runs-on: ubuntu-latest
    defaults: {run: {working-directory: ./orders-sync}}
    steps:
      - run: |
          docker push ghcr.io/shop/orders:latest
          echo "${{ secrets['BOL_CLIENT_SECRET'] }}" > /dev/null
  release:
    environment: {name: production, url: https://shop.example.com}
    uses: ./.github/workflows/reusable.yml
    secrets:
      client_secret: ${{ secrets.PROD_SECRET }}
      token: ${{ secrets.GITHUB_TOKEN }}
"""


def test_workflow_deploying_jobs_and_their_secrets() -> None:
    found = scan_deploy(".github/workflows/ci.yml", WORKFLOW)
    assert [(name, line) for _, name, line, _ in _units(found.units)] == [("push-image", 15), ("release", 22)]
    assert {(s.name, s.role, s.unit, s.span.line) for s in found.sources} == {
        ("secrets.BOL_CLIENT_SECRET", "client_secret", "push-image", 21),
        ("secrets.BOL_CLIENT_ID", "client_id", "push-image", 4),
        ("secrets.PROD_SECRET (environment production)", "client_secret", "release", 26),
        ("secrets.BOL_CLIENT_ID (environment production)", "client_id", "release", 4),
    }
    push = next(s for s in found.sources if s.unit == "push-image" and s.span.line == 21)
    assert WORKFLOW.split("\n")[20][push.span.column - 1 : push.span.end_column - 1] == "${{ secrets['BOL_CLIENT_SECRET'] }}"
    folder = found.units[0].folder
    assert folder == "orders-sync"


def test_a_workflow_elsewhere_is_not_read_as_one() -> None:
    assert scan_deploy("docs/ci.yml", WORKFLOW).units == ()


COMPOSE = """\
x-bol: &bol
  BOL_CLIENT_ID: ${BOL_CLIENT_ID}
  BOL_CLIENT_SECRET: literal-lives-here
services:
  orders:
    build: {context: .., dockerfile: orders-sync/Dockerfile}
    env_file: [./bol.env, {path: ../shared.env, required: false}]
    environment:
      <<: *bol
      LOG_LEVEL: info
  stock:
    image: shop/stock
    environment: *bol
  web:
    image: shop/web
    environment:
      - BOL_CLIENT_SECRET=${BOL_WEB_SECRET}
      - STRIPE_CLIENT_SECRET
"""


def test_compose_services_env_files_and_aliases() -> None:
    found = scan_deploy("deploy/docker-compose.yml", COMPOSE)
    units = found.units
    assert [(u.name, u.line, u.end_line, u.folder) for u in units] == [
        ("orders", 5, 10, "orders-sync"), ("stock", 11, 13, ""), ("web", 14, 18, ""),
    ]
    assert [e[0] for e in units[0].env_files] == ["deploy/bol.env", "shared.env"]
    # Through an anchor: reported at the alias. A literal written in the service is its sighting.
    assert {(s.kind, s.name, s.role, s.unit, s.span.line) for s in found.sources} == {
        ("compose-env", "BOL_CLIENT_ID", "client_id", "orders", 9),
        ("compose-alias", "3", "client_secret", "orders", 9),
        ("compose-env", "BOL_CLIENT_ID", "client_id", "stock", 13),
        ("compose-alias", "3", "client_secret", "stock", 13),
        ("compose-env", "BOL_WEB_SECRET", "client_secret", "web", 17),
    }


@pytest.mark.parametrize(
    ("path", "text", "defines"),
    [
        (".env", "BOL_CLIENT_ID=${VAULT_ID}\nexport BOL_CLIENT_SECRET='kq8Ze1Lm3Pz7'\nDEBUG=1\n",
         [["BOL_CLIENT_ID", "client_id", 1], ["BOL_CLIENT_SECRET", "client_secret", 2]]),
        ("deploy/bol.env", "BOL_CLIENT_SECRET=\nBOL_CLIENT_ID=<your-client-id>\nBOL_SECRET=changeme # todo\n", []),
        (".env.example", "AZURE_CLIENT_SECRET=kq8Ze1Lm3Pz7\n", []),
    ],
)
def test_env_files_declare_the_credentials_they_define(path: str, text: str, defines: list[list[object]]) -> None:
    found = scan_deploy(path, text)
    assert [[d.name, d.role, d.line] for d in found.defines] == defines


@pytest.mark.parametrize(
    "text",
    [
        "{{- if .Values.enabled }}\nkind: Deployment\n",  # a Helm template
        "a: &a [*a]\n",  # a recursive anchor
        "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
                                                        for p, c in zip("abcdefgh", "bcdefghi")),
        "services: [1, 2]\n",
        "\x00\x01binary",
        "jobs:\n  deploy:\n    steps: 3\n",
    ],
)
def test_odd_yaml_yields_nothing_and_never_raises(text: str) -> None:
    for path in ("docker-compose.yml", "k8s/x.yaml", ".github/workflows/x.yml"):
        found = scan_deploy(path, text)
        assert found.sources == ()


def test_an_alias_bomb_in_a_deploying_job_is_walked_once() -> None:
    levels = "".join(f"  {c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefghi", "bcdefghij"))
    text = ("x:\n  a: &a ['${{ secrets.BOL_CLIENT_SECRET }}', y]\n" + levels
            + "jobs:\n  deploy:\n    environment: production\n    steps:\n      - with: {args: *j}\n")
    found = scan_deploy(".github/workflows/bomb.yml", text)  # 8**9 paths; each node is visited once
    assert [(s.name, s.span.line) for s in found.sources] == [
        ("secrets.BOL_CLIENT_SECRET (environment production)", 2)
    ]
