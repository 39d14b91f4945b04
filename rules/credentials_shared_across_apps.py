"""BOL103 credentials-shared-across-apps."""

from __future__ import annotations

from collections.abc import Iterator

from bolaudit.rules_api import (
    App,
    CLIENT_ID,
    CLIENT_SECRET,
    Finding,
    Invalid,
    members,
    Project,
    ProjectRule,
    Severity,
    Shared,
    shared,
    shared_by_programs,
    Valid,
)


# Fake credentials, random but fixed, kept in pieces so that this file holds no credential.
_FAKES = {
    "@ID@": "dd96b443-e5d2-4713-8047-31c2a8db73fc",
    "@SECRET@": "HtcaJkU8LlOUHZ?k-r6(u00ywRvGcPob" "Rxa)q3SI@A6WgUV6cH4CK?ViAfzoV4BY",
    "@ID2@": "d1461fa6-a7a2-4749-babb-ed8a151134c8",
    "@SECRET2@": "MA0NEJkPYsOyWfhpV!AUTR6uo)eeAtRW" "hq7InQ)d4L-_fZAUZxGXFVO)8jBsKc5E",
}
_MAX_SHOWN = 4


def _fill(files: dict[str, str]) -> dict[str, str]:
    out = {}
    for path, text in files.items():
        for marker, value in _FAKES.items():
            text = text.replace(marker, value)
        out[path] = text
    return out


_SYNC = """
    import os

    import requests

    def token():
        auth = (os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"])
        return requests.post("https://login.bol.com/token", auth=auth,
                             data={"grant_type": "client_credentials"}, headers={"Accept": "application/json"})
    """


def _deployment(name: str, secret: str) -> str:
    return f"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {name}
          namespace: shop
        spec:
          template:
            spec:
              containers:
                - name: {name}
                  image: registry.example.com/shop/{name}:1.4.2
                  env:
                    - name: BOL_CLIENT_ID
                      valueFrom:
                        secretKeyRef: {{name: {secret}, key: client-id}}
                    - name: BOL_CLIENT_SECRET
                      valueFrom:
                        secretKeyRef:
                          name: {secret}
                          key: client-secret
        """


def _workflow(orders_secret: str, stock_secret: str) -> str:
    return f"""
        name: deploy
        on:
          push:
            branches: [main]
        jobs:
          test:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - run: pytest
                env:
                  BOL_CLIENT_SECRET: ${{{{ secrets.{orders_secret} }}}}
          deploy-orders:
            runs-on: ubuntu-latest
            environment: production
            steps:
              - uses: actions/checkout@v4
              - run: flyctl deploy --config orders-sync/fly.toml
                env:
                  BOL_CLIENT_SECRET: ${{{{ secrets.{orders_secret} }}}}
          deploy-stock:
            runs-on: ubuntu-latest
            environment: production
            steps:
              - uses: actions/checkout@v4
              - run: flyctl deploy --config stock-sync/fly.toml
                env:
                  BOL_CLIENT_SECRET: ${{{{ secrets.{stock_secret} }}}}
        """


_PIPELINE = """
    import json
    from pathlib import Path

    import requests

    CONFIG = json.loads((Path(__file__).parent / "config.json").read_text())


    def token() -> str:
        resp = requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                             auth=(CONFIG["client_id"], CONFIG["client_secret"]),
                             headers={"Accept": "application/json"}, timeout=10)
        resp.raise_for_status()
        return resp.json()["access_token"]


    if __name__ == "__main__":
        print(len(requests.get("https://api.bol.com/retailer/orders", timeout=10,
                               headers={"Authorization": f"Bearer {token()}",
                                        "Accept": "application/vnd.retailer.v10+json"}).json()["orders"]))
    """
_CONFIG_JSON = '{\n  "client_id": "@ID@",\n  "client_secret": "@SECRET@",\n  "poll_minutes": 15\n}\n'


class CredentialsSharedAcrossApps(ProjectRule):
    """One bol client id or secret is wired into two or more apps.

    ## What it does
    Finds the same bol credential used by more than one app of the repository. An app is a
    deployable unit: a folder with a `pyproject.toml`, `setup.py`, `setup.cfg`,
    `requirements*.txt`, `Dockerfile`, `manage.py` or `package.json`; a docker-compose service; a
    container of a Kubernetes Deployment, CronJob or Job; a job of a GitHub Actions workflow that
    deploys (it has an `environment:`, its name says deploy or release, or a step deploys); else
    the repository root. `[tool.bolaudit.apps]` names apps and their folders explicitly.

    "The same credential" is the same literal value (compared by its SHA-256, never kept), or the
    same secret source: one variable interpolated into two compose services, one Kubernetes
    secret and key mounted into two workloads, one `${{ secrets.X }}` in two deploying jobs, or
    one variable read by two apps' code when a single shared file provides it (a `.env` at the
    root, one compose `env_file`). It is reported at each place after the first, in path order,
    that lies in another app. Literal values also keep their BOL101/BOL102. Separate variables
    per app (`BOL_ORDERS_CLIENT_ID`, `BOL_STOCK_CLIENT_ID`) are fine, and so is one app reading
    its credential in several modules.

    Inside one app it also compares the separate programs of the repository: an entry module
    (a script with `if __name__ == "__main__":`, a module that makes an MCP server, a FastAPI,
    Flask or Starlette app, or a Celery worker) with the modules it imports and the config files
    they name (`open("config.json")`). A place that another program, and none of the earlier
    place's, reads is reported, naming both programs. A library module that two scripts import
    is shared code, not a copy; tests, examples and docs are no programs; places no program reads
    take no part; `[tool.bolaudit.apps]` turns this off (the apps are then what it names).

    ## Why is this bad
    bol asks for separate client credentials per app and per third party, so that one set can
    be revoked without breaking the others and a problem (a leak, a burst of token requests that
    gets an IP banned, a wrong call) can be traced to one integration. Shared credentials mean a
    leak in one service forces rotating all of them at once, every app stops until each is
    redeployed, and bol's logs cannot tell the apps apart.

    ## Example
    ```yaml
    # docker-compose.yml
    services:
      orders-sync:
        environment:
          BOL_CLIENT_SECRET: ${BOL_CLIENT_SECRET}
      stock-sync:
        environment:
          BOL_CLIENT_SECRET: ${BOL_CLIENT_SECRET}   # the same credentials
    ```

    ## Use instead
    Create credentials per app in the seller dashboard (Settings > API settings), give each a
    name that says which app uses it, and wire each app to its own:
    ```yaml
    services:
      orders-sync:
        environment:
          BOL_CLIENT_SECRET: ${BOL_ORDERS_CLIENT_SECRET}
      stock-sync:
        environment:
          BOL_CLIENT_SECRET: ${BOL_STOCK_CLIENT_SECRET}
    ```

    ## Fix
    No automatic fix: create separate credentials per app in the seller dashboard and give each
    app its own.

    ## References
    - Fine-grained access: the resources and rights one set of credentials gets: <https://api.bol.com/retailer/public/Retailer-API/fine-grained-access.html>
    - bol's token service: <https://login.bol.com/token>
    """

    code = "BOL103"
    name = "credentials-shared-across-apps"
    severity = Severity.WARNING

    VALID = [
        Valid(
            _fill({
                "orders-sync/pyproject.toml": "[project]\nname = 'orders-sync'\n",
                "orders-sync/.env": "BOL_CLIENT_ID=@ID@\nBOL_CLIENT_SECRET=@SECRET@\n",
                "stock-sync/requirements.txt": "requests==2.32.3\n",
                "stock-sync/.env": "BOL_CLIENT_ID=@ID2@\nBOL_CLIENT_SECRET=@SECRET2@\n",
            }),
            note="each app has its own credentials (BOL101 still reports them)",
        ),
        Valid(
            {
                "docker-compose.yml": """
                    services:
                      orders-sync:
                        image: shop/orders-sync
                        environment:
                          BOL_CLIENT_ID: ${BOL_ORDERS_CLIENT_ID}
                          BOL_CLIENT_SECRET: ${BOL_ORDERS_CLIENT_SECRET}
                      stock-sync:
                        image: shop/stock-sync
                        environment:
                          - BOL_CLIENT_ID=${BOL_STOCK_CLIENT_ID}
                          - BOL_CLIENT_SECRET=${BOL_STOCK_CLIENT_SECRET}
                    """,
            },
            note="a variable per service",
        ),
        Valid(
            {
                "k8s/orders-sync.yaml": _deployment("orders-sync", "bol-orders-sync"),
                "k8s/stock-sync.yaml": _deployment("stock-sync", "bol-stock-sync"),
            },
            note="a Kubernetes secret per workload",
        ),
        Valid(
            {".github/workflows/deploy.yml": _workflow("BOL_ORDERS_CLIENT_SECRET", "BOL_STOCK_CLIENT_SECRET")},
            note="a secret per deploying job; the test job shares one with a deploy job and deploys nothing",
        ),
        Valid(
            {
                "pyproject.toml": "[project]\nname = 'shop-sync'\n",
                ".env": "BOL_CLIENT_ID=${VAULT_BOL_CLIENT_ID}\nBOL_CLIENT_SECRET=${VAULT_BOL_CLIENT_SECRET}\n",
                "shop_sync/orders.py": _SYNC,
                "shop_sync/stock.py": _SYNC,
            },
            note="one app reading its credential in several modules",
        ),
        Valid(
            {
                "docker-compose.yml": """
                    services:
                      web:
                        build: ./shop
                        environment: [BOL_CLIENT_ID, BOL_CLIENT_SECRET]
                      worker:
                        build: ./shop
                        command: celery -A shop worker
                        environment: [BOL_CLIENT_ID, BOL_CLIENT_SECRET]
                    """,
                "shop/Dockerfile": "FROM python:3.12-slim\n",
            },
            note="two services built from one app's folder are that one app",
        ),
        Valid(
            {
                ".env": "BOL_CLIENT_ID=${VAULT_BOL_CLIENT_ID}\nBOL_CLIENT_SECRET=${VAULT_BOL_CLIENT_SECRET}\n",
                "shop_sync/__init__.py": "",
                "shop_sync/bol.py": _SYNC,
                "bin/sync_orders.py": """
                    from shop_sync.bol import token

                    if __name__ == "__main__":
                        token()
                    """,
                "bin/sync_stock.py": """
                    from shop_sync.bol import token

                    if __name__ == "__main__":
                        token()
                    """,
            },
            note="one library module, imported by two scripts, reads the credentials: one place",
        ),
        Valid(
            _fill({
                "pipeline.py": _PIPELINE,
                "config.json": _CONFIG_JSON,
                "tests/test_pipeline.py": """
                    import pipeline

                    def test_token(requests_mock):
                        requests_mock.post("https://login.bol.com/token", json={"access_token": "t"})
                        pipeline.CONFIG.update(client_id="@ID@", client_secret="@SECRET@")
                        assert pipeline.token() == "t"
                    """,
                "examples/quickstart.py": """
                    import requests

                    if __name__ == "__main__":
                        requests.post("https://login.bol.com/token", auth=("@ID@", "@SECRET@"),
                                      data={"grant_type": "client_credentials"})
                    """,
            }),
            note="tests and examples hold copies, they are no programs (BOL101 still reports the literals)",
        ),
        Valid(
            _fill({
                "pipeline.py": _PIPELINE.replace('CONFIG["client_id"]', 'CONFIG.get("client_id", "@ID@")'),
                "config.json": _CONFIG_JSON,
                "mcp_server.py": """
                    import json
                    from pathlib import Path

                    from mcp.server.fastmcp import FastMCP

                    mcp = FastMCP("bol-orders")
                    CONFIG = json.loads((Path(__file__).parent / "mcp_config.json").read_text())
                    """,
                "mcp_config.json": '{"client_id": "@ID2@", "client_secret": "@SECRET2@"}\\n',
            }),
            note="one program's config read by its own script only; the MCP server has its own credentials",
        ),
    ]
    INVALID = [
        Invalid(
            _fill({
                "orders-sync/pyproject.toml": "[project]\nname = 'orders-sync'\n",
                "orders-sync/.env": "BOL_CLIENT_ID=@ID@\nBOL_CLIENT_SECRET=@SECRET@\n",
                "stock-sync/requirements.txt": "requests==2.32.3\n",
                "stock-sync/.env": "LOG_LEVEL=info\nBOL_CLIENT_ID=@ID@\nBOL_CLIENT_SECRET=@SECRET@\n",
            }),
            path="stock-sync/.env",
            line=2,
            count=2,
            message="the same bol client secret is used by apps `orders-sync` and `stock-sync`",
            note="a monorepo whose second app got a copy of the first one's .env",
        ),
        Invalid(
            {
                "docker-compose.yml": """
                    services:
                      orders-sync:
                        image: shop/orders-sync
                        environment:
                          BOL_CLIENT_ID: ${BOL_CLIENT_ID}
                          BOL_CLIENT_SECRET: ${BOL_CLIENT_SECRET:?set it in .env}
                      stock-sync:
                        image: shop/stock-sync
                        environment:
                          - BOL_CLIENT_ID=${BOL_CLIENT_ID}
                          - BOL_CLIENT_SECRET=${BOL_CLIENT_SECRET}
                    """,
            },
            line=10,
            count=2,
            message="(compose variable `${BOL_CLIENT_SECRET}`) is used by apps `orders-sync` and `stock-sync`",
        ),
        Invalid(
            {
                "k8s/orders-sync.yaml": _deployment("orders-sync", "bol-credentials"),
                "k8s/stock-sync.yaml": _deployment("stock-sync", "bol-credentials"),
            },
            path="k8s/stock-sync.yaml",
            line=13,
            count=2,
            message="Kubernetes secret `bol-credentials` key `client-secret`) is used by apps `orders-sync` and `stock-sync`",
        ),
        Invalid(
            {".github/workflows/deploy.yml": _workflow("BOL_CLIENT_SECRET", "BOL_CLIENT_SECRET")},
            line=28,
            count=1,
            message="is used by apps `deploy-orders` and `deploy-stock`",
        ),
        Invalid(
            {
                ".env": "BOL_CLIENT_ID=${VAULT_BOL_CLIENT_ID}\nBOL_CLIENT_SECRET=${VAULT_BOL_CLIENT_SECRET}\n",
                "orders-sync/pyproject.toml": "[project]\nname = 'orders-sync'\n",
                "orders-sync/orders_sync/bol.py": _SYNC,
                "stock-sync/pyproject.toml": "[project]\nname = 'stock-sync'\n",
                "stock-sync/stock_sync/bol.py": _SYNC,
            },
            path="stock-sync/stock_sync/bol.py",
            line=6,
            count=2,
            message="(`BOL_CLIENT_SECRET` from .env) is used by apps `orders-sync` and `stock-sync`",
            note="two apps' code reading the credentials one root .env provides",
        ),
        Invalid(
            _fill({
                "deploy/docker-compose.yml": """
                    x-bol-env: &bol-env
                      BOL_CLIENT_ID: @ID@
                      BOL_CLIENT_SECRET: "@SECRET@"
                    services:
                      orders-sync:
                        build: ../orders-sync
                        environment:
                          <<: *bol-env
                          SYNC_INTERVAL: 300
                      stock-sync:
                        build: ../stock-sync
                        environment: *bol-env
                    """,
                "orders-sync/Dockerfile": "FROM python:3.12-slim\n",
                "stock-sync/Dockerfile": "FROM python:3.12-slim\n",
            }),
            path="deploy/docker-compose.yml",
            line=12,
            count=1,
            message="the same bol client id and secret are used by apps `orders-sync` and `stock-sync`",
            note="one YAML anchor merged into two services",
        ),
        Invalid(
            _fill({
                "pipeline.py": _PIPELINE,
                "config.json": _CONFIG_JSON,
                "mcp_server.py": """
                    import requests
                    from mcp.server.fastmcp import FastMCP

                    mcp = FastMCP("bol-orders")
                    CLIENT_ID = "@ID@"
                    CLIENT_SECRET = "@SECRET@"


                    @mcp.tool()
                    def open_orders() -> list[dict]:
                        token = requests.post("https://login.bol.com/token", auth=(CLIENT_ID, CLIENT_SECRET),
                                              data={"grant_type": "client_credentials"},
                                              headers={"Accept": "application/json"}).json()["access_token"]
                        return requests.get("https://api.bol.com/retailer/orders",
                                            headers={"Authorization": f"Bearer {token}",
                                                     "Accept": "application/vnd.retailer.v10+json"}).json()["orders"]
                    """,
            }),
            path="mcp_server.py",
            line=5,
            count=2,
            message="is used by programs `pipeline.py` and `mcp_server.py` of one repository",
            note="a pipeline script with its config JSON, and an MCP server beside it, on one id/secret pair",
        ),
        Invalid(
            {
                "pyproject.toml": "[project]\nname = 'shop-bol'\n",
                ".env": "BOL_CLIENT_ID=${VAULT_BOL_CLIENT_ID}\nBOL_CLIENT_SECRET=${VAULT_BOL_CLIENT_SECRET}\n",
                "api/__init__.py": "",
                "api/main.py": """
                    import os

                    from fastapi import FastAPI

                    app = FastAPI()
                    BOL_AUTH = (os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"])
                    """,
                "jobs/__init__.py": "",
                "jobs/stock_job.py": """
                    import os

                    from apscheduler.schedulers.blocking import BlockingScheduler

                    from jobs.stock import push_stock

                    scheduler = BlockingScheduler()


                    @scheduler.scheduled_job("interval", minutes=10)
                    def run():
                        push_stock(os.environ["BOL_CLIENT_ID"], os.environ["BOL_CLIENT_SECRET"])


                    if __name__ == "__main__":
                        scheduler.start()
                    """,
            },
            path="jobs/stock_job.py",
            line=12,
            count=2,
            message="(`BOL_CLIENT_SECRET` from .env) is used by programs `api/main.py` and `jobs/stock_job.py`",
            note="a web app and a scheduler job of one project, both fed by the one .env",
        ),
    ]

    def check(self, project: Project) -> Iterator[Finding]:
        apps = project.apps
        found = members(project.modules, apps)
        places: dict[tuple[str, object], list[Shared]] = {}
        for s in shared(found):
            places.setdefault((s.member.path, s.member.span), []).append(s)
        if not apps.configured:  # named apps are what the user says they are
            reported = {(s.member.path, s.member.span) for group in places.values() for s in group}
            for s in shared_by_programs(found, project.programs, reported):
                places.setdefault((s.member.path, s.member.span), []).append(s)
        for (path, _), shares in sorted(places.items(), key=lambda item: (item[0][0], item[1][0].member.span)):
            yield self._finding(path, shares)

    def _finding(self, path: str, found: list[Shared]) -> Finding:
        roles = {s.member.role for s in found}
        what = "client id and secret" if roles >= {CLIENT_ID, CLIENT_SECRET} else (
            "client secret" if CLIENT_SECRET in roles else "client id")
        main = next((s for s in found if s.member.role == CLIENT_SECRET), found[0])
        via = main.member.via
        apps = _names(main.apps)
        verb = "are" if " and " in what else "is"
        if main.apps[0].kind == "program":
            users, advice = f"programs {apps} of one repository", "create separate credentials for each program"
        else:
            users, advice = f"apps {apps}", "create separate credentials per app"
        message = f"the same bol {what}{f' ({via})' if via else ''} {verb} used by {users}; {advice}"
        properties = [("programs" if main.apps[0].kind == "program" else "apps", ", ".join(a.name for a in main.apps))]
        if main.member.fingerprint:
            properties.append(("fingerprint", main.member.fingerprint))
        if via:
            properties.append(("source", via))
        groups = sorted("\0".join(s.member.group) for s in found)
        return self.make_finding(path, main.member.span, message,
                                 flagged="\n".join(groups) + "\0" + main.member.app.key, properties=properties)


def _names(apps: tuple[App, ...]) -> str:
    shown = [f"`{a.name}`" for a in apps[:_MAX_SHOWN]]
    if len(apps) > _MAX_SHOWN:
        shown.append(f"{len(apps) - _MAX_SHOWN} more")
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
