"""BOL103 end to end: real trees through the whole pipeline, beyond the rule's own cases."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest

from bolaudit.commands import check
from bolaudit.config import Config, load_config
from bolaudit.pipeline.engine import run
from bolaudit.findings import Finding
from conftest import write_tree

ID = "a3c0f6d2-51b7-4e89-9d14-7b2e8f60c9a5"
SECRET = "Lp4(vQ9!zK2?xW7)mN5@bR8+tH3-jF6_" "cY1!gD0?sA4(uE9)oT2@iM7+rP5-kL8_"
OTHER = "Zr8?hT3!nW6(qL1)vB4@xK9+mF2-pD7_" "sG5!jC0?yR3(aE8)uN6@oI1+tH4-kM9_"
MARKERS = {"orders-sync/pyproject.toml": "[project]\nname = 'orders-sync'\n",
           "stock-sync/pyproject.toml": "[project]\nname = 'stock-sync'\n"}


def dedent(files: Mapping[str, str]) -> dict[str, str]:
    return {p: textwrap.dedent(c).lstrip("\n") for p, c in files.items()}


def shared(root: Path, files: Mapping[str, str], *, cache: bool = False, **config: object) -> list[Finding]:
    write_tree(root, dedent(files))
    result = run([root], Config(root=root, select=("BOL103",), jobs=1, use_cache=cache, **config))  # type: ignore[arg-type]
    assert not [p for p in result.problems if p.kind.value == "internal"], result.problems
    return [f for f in result.findings if f.code == "BOL103"]


def where(found: list[Finding]) -> list[tuple[str, int]]:
    return [(f.path, f.span.line) for f in found]


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "shop"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


SERVICES = """
    services:
      orders:
        build: ./orders-sync
        env_file: {orders}
      stock:
        build: ./stock-sync
        env_file:
          - {stock}
    """


@pytest.mark.parametrize(
    ("orders", "stock", "expected"),
    [
        ("bol.env", "./bol.env", [("docker-compose.yml", 8)]),
        ("orders-sync/bol.env", "stock-sync/bol.env", []),
        ("[bol.env, logging.env]", "logging.env", []),
    ],
)
def test_one_compose_env_file_feeding_two_services(tree: Path, orders: str, stock: str,
                                                   expected: list[tuple[str, int]]) -> None:
    files = {
        "docker-compose.yml": SERVICES.format(orders=orders, stock=stock),
        "bol.env": "BOL_CLIENT_SECRET=${BOL_SHOP_SECRET}\n",
        "logging.env": "LOG_LEVEL=info\n",
        "orders-sync/bol.env": "BOL_CLIENT_SECRET=${BOL_ORDERS_SECRET}\n",
        "stock-sync/bol.env": "BOL_CLIENT_SECRET=${BOL_STOCK_SECRET}\n",
        "orders-sync/Dockerfile": "FROM python:3.12\n",
        "stock-sync/Dockerfile": "FROM python:3.12\n",
    }
    found = shared(tree, files)
    assert where(found) == expected
    if found:
        assert "(`BOL_CLIENT_SECRET` from bol.env) is used by apps `orders-sync` and `stock-sync`" in found[0].message


def test_a_workflow_env_shared_by_two_deploying_jobs(tree: Path) -> None:
    found = shared(tree, {".github/workflows/deploy.yml": """
        on: push
        env:
          BOL_CLIENT_SECRET: ${{ secrets.BOL_CLIENT_SECRET }}
        jobs:
          lint:
            runs-on: ubuntu-latest
            steps: [{run: ruff check .}]
          orders:
            runs-on: ubuntu-latest
            steps: [{run: kubectl apply -f k8s/orders.yaml}]
          stock:
            runs-on: ubuntu-latest
            steps: [{uses: azure/webapps-deploy@v3}]
        """})
    assert where(found) == [(".github/workflows/deploy.yml", 3)]
    assert "apps `orders` and `stock`" in found[0].message


def test_environment_secrets_differ_per_environment(tree: Path) -> None:
    jobs = "".join(f"""
          deploy-{app}:
            environment: {app}-production
            runs-on: ubuntu-latest
            steps:
              - run: ./deploy.sh
                env:
                  BOL_CLIENT_SECRET: ${{{{ secrets.BOL_CLIENT_SECRET }}}}
        """ for app in ("orders", "stock"))
    assert shared(tree, {".github/workflows/deploy.yml": "on: push\njobs:" + textwrap.dedent(jobs).replace("\n", "\n  ")}) == []


def test_kubernetes_env_from_one_bol_secret(tree: Path) -> None:
    job = """
        apiVersion: batch/v1
        kind: Job
        metadata: {name: orders-sync}
        spec:
          template:
            spec:
              containers:
                - name: sync
                  image: shop/orders-sync
                  envFrom: [{secretRef: {name: bol-api-credentials}}]
        """
    cron = """
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: stock-sync}
        spec:
          schedule: "*/5 * * * *"
          jobTemplate:
            spec:
              template:
                spec:
                  containers:
                    - name: sync
                      image: shop/stock-sync
                      envFrom:
                        - secretRef:
                            name: bol-api-credentials
        """
    found = shared(tree, {"k8s/orders.yaml": job, "k8s/stock.yaml": cron})
    assert where(found) == [("k8s/stock.yaml", 14)]
    assert found[0].message.startswith(
        "the same bol client id and secret (Kubernetes secret `bol-api-credentials`) are used by apps "
        "`orders-sync` and `stock-sync`")
    assert shared(tree, {"k8s/stock.yaml": cron.replace("bol-api-credentials", "bol-stock-credentials")}) == []


def test_three_apps_are_all_named(tree: Path) -> None:
    files = {f"{app}/requirements.txt": "requests\n" for app in ("orders", "stock", "returns")}
    files.update({f"{app}/.env": f"BOL_CLIENT_SECRET={SECRET}\n" for app in ("orders", "stock", "returns")})
    found = shared(tree, files)
    assert where(found) == [("returns/.env", 1), ("stock/.env", 1)]
    assert "apps `orders`, `returns` and `stock`" in found[0].message
    assert "apps `orders`, `stock` and `returns`" in found[1].message


def test_documentation_and_places_outside_apps_take_no_part(tree: Path) -> None:
    files = {**MARKERS, "orders-sync/.env": f"BOL_CLIENT_SECRET={SECRET}\n",
             "stock-sync/README.md": f"Our secret: `{SECRET}`\n",
             "scripts/token.sh": f"export BOL_CLIENT_SECRET='{SECRET}'\n"}
    assert shared(tree, files) == []


def test_an_apps_own_env_file_is_not_the_shared_one(tree: Path) -> None:
    code = 'import os\nSECRET = os.environ["BOL_CLIENT_SECRET"]\n'
    files = {**MARKERS, ".env": "BOL_CLIENT_SECRET=${SHOP_SECRET}\n",
             "orders-sync/.env": "BOL_CLIENT_SECRET=${ORDERS_SECRET}\n",
             "orders-sync/app.py": code, "stock-sync/app.py": code, "stock-sync/more.py": code}
    assert shared(tree, files) == []
    (tree / "orders-sync/.env").unlink()
    assert where(shared(tree, {})) == [("stock-sync/app.py", 2), ("stock-sync/more.py", 2)]


def test_configured_apps_win(tree: Path) -> None:
    files = {**MARKERS, "orders-sync/.env": f"BOL_CLIENT_SECRET={SECRET}\n",
             "stock-sync/.env": f"BOL_CLIENT_SECRET={SECRET}\n",
             "returns/.env": f"BOL_CLIENT_SECRET={SECRET}\n"}
    assert where(shared(tree, files)) == [("stock-sync/.env", 1)]
    one = (("sync", ("orders-sync", "stock-sync")),)
    assert shared(tree, {}, apps=one) == []
    split = (("sync", ("orders-sync", "stock-sync")), ("returns", ("returns",)))
    found = shared(tree, {}, apps=split)
    assert where(found) == [("returns/.env", 1)] and "apps `sync` and `returns`" in found[0].message


def test_configured_apps_from_pyproject(tree: Path) -> None:
    write_tree(tree, {"pyproject.toml": '[tool.bolaudit.apps]\nshop = ["docker-compose.yml#web", "docker-compose.yml#worker"]\n'})
    compose = {"docker-compose.yml": """
        services:
          web:
            image: shop/web
            environment: [BOL_CLIENT_SECRET]
          worker:
            image: shop/web
            environment: [BOL_CLIENT_SECRET]
        """}
    assert where(shared(tree, compose)) == [("docker-compose.yml", 7)]
    config = load_config([tree])
    assert config.apps == (("shop", ("docker-compose.yml#web", "docker-compose.yml#worker")),)
    result = run([tree], Config(root=tree, select=("BOL103",), jobs=1, use_cache=False, apps=config.apps))
    assert result.findings == []


def test_the_finding_survives_moved_lines_and_the_cache(tree: Path) -> None:
    files = {**MARKERS, "orders-sync/.env": f"BOL_CLIENT_SECRET={SECRET}\n",
             "stock-sync/.env": f"BOL_CLIENT_SECRET={SECRET}\n"}
    first = shared(tree, files, cache=True)
    again = shared(tree, {}, cache=True)
    moved = shared(tree, {"stock-sync/.env": f"# moved\n\nBOL_CLIENT_SECRET={SECRET}\n"}, cache=True)
    changed = shared(tree, {"stock-sync/.env": f"BOL_CLIENT_SECRET={OTHER}\n"}, cache=True)
    assert [f.fingerprint for f in first] == [f.fingerprint for f in again] == [f.fingerprint for f in moved]
    assert moved[0].span.line == 3 and changed == []


def test_json_lists_every_credential_with_fingerprint_and_app(tree: Path) -> None:
    import hashlib

    write_tree(tree, dedent({**MARKERS, "orders-sync/.env": f"BOL_CLIENT_ID={ID}\nBOL_CLIENT_SECRET={SECRET}\n",
                             "stock-sync/settings.py": f'CLIENT_SECRET = "{SECRET}"\n',
                             "docs/setup.md": f"client id: `{ID}` and secret `{OTHER}`\n"}))
    outcome = check.run([tree], Config(root=tree, jobs=1, use_cache=False), fmt="json")
    data = json.loads(outcome.stdout)
    assert list(data)[-1] == "credentials"
    digest = hashlib.sha256(SECRET.encode()).hexdigest()
    assert data["credentials"] == [
        {"fingerprint": hashlib.sha256(ID.encode()).hexdigest(), "kind": "client_id", "app": None,
         "path": "docs/setup.md", "line": 1},
        {"fingerprint": hashlib.sha256(OTHER.encode()).hexdigest(), "kind": "client_secret", "app": None,
         "path": "docs/setup.md", "line": 1},
        {"fingerprint": hashlib.sha256(ID.encode()).hexdigest(), "kind": "client_id", "app": "orders-sync",
         "path": "orders-sync/.env", "line": 1},
        {"fingerprint": digest, "kind": "client_secret", "app": "orders-sync", "path": "orders-sync/.env", "line": 2},
        {"fingerprint": digest, "kind": "client_secret", "app": "stock-sync", "path": "stock-sync/settings.py",
         "line": 1},
    ]
    assert SECRET not in outcome.stdout and OTHER not in outcome.stdout
    bol103 = [f for f in data["findings"] if f["code"] == "BOL103"]
    assert [f["properties"] for f in bol103] == [{"apps": "orders-sync, stock-sync", "fingerprint": digest}]
    text = check.run([tree], Config(root=tree, jobs=1, use_cache=False), fmt="text")
    assert '"credentials"' not in text.stdout and digest not in text.stdout


PROGRAMS = {
    "sync.py": f"""
        import requests

        AUTH = ("{ID}", "{SECRET}")

        if __name__ == "__main__":
            requests.post("https://login.bol.com/token", auth=AUTH, data={{"grant_type": "client_credentials"}})
        """,
    "server.py": f"""
        from mcp.server.fastmcp import FastMCP

        mcp = FastMCP("bol")
        BOL_CLIENT_SECRET = "{SECRET}"
        """,
    "lib/bol.py": f'BOL_CLIENT_SECRET = "{SECRET}"\n',
}


def test_programs_sharing_a_secret_and_what_takes_no_part(tree: Path) -> None:
    found = shared(tree, PROGRAMS)
    assert where(found) == [("sync.py", 3)]  # server.py comes first in path order
    assert "used by programs `server.py` and `sync.py` of one repository" in found[0].message
    assert dict(found[0].properties)["programs"] == "server.py, sync.py"
    # lib/bol.py is reached by no program: it takes no part. Imported by both programs, it is
    # code they share (as two scripts of one program share a library), which says nothing; the
    # copies in server.py and sync.py still do.
    programs = dedent(PROGRAMS)
    both = {**programs, "sync.py": programs["sync.py"].replace("import requests", "import requests\nfrom lib import bol"),
            "server.py": programs["server.py"].replace("mcp = ", "from lib import bol\nmcp = ")}
    assert where(shared(tree, both)) == [("sync.py", 4)]  # its copy is not server.py's program's
    only_lib = {**both, "sync.py": both["sync.py"].replace(f'"{SECRET}"', "BOL_SECRET"),
                "server.py": both["server.py"].replace(f'"{SECRET}"', '""')}
    assert shared(tree, only_lib) == []


def test_configured_apps_leave_programs_alone(tree: Path) -> None:
    assert shared(tree, PROGRAMS, apps=(("shop", (".",)),)) == []


def test_dotenv_lookup_ends_at_the_root_of_an_absolute_path() -> None:
    """A file named by absolute path (stdin, an outside argument) must not loop at "/" forever."""
    from bolaudit.credentials.sharing import _dotenv

    assert _dotenv("/abs/app/settings.py", "BOL_CLIENT_ID", {}) is None
    assert _dotenv("/abs/app/settings.py", "X", {"/abs/.env": {"X": "1"}}) == "/abs/.env"
    assert _dotenv("app/settings.py", "X", {".env": {"X": "1"}}) == ".env"
