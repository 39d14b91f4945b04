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
    ]

    def check(self, project: Project) -> Iterator[Finding]:
        apps = project.apps
        places: dict[tuple[str, object], list[Shared]] = {}
        for s in shared(members(project.modules, apps)):
            places.setdefault((s.member.path, s.member.span), []).append(s)
        for (path, _), found in sorted(places.items(), key=lambda item: (item[0][0], item[1][0].member.span)):
            yield self._finding(path, found)

    def _finding(self, path: str, found: list[Shared]) -> Finding:
        roles = {s.member.role for s in found}
        what = "client id and secret" if roles >= {CLIENT_ID, CLIENT_SECRET} else (
            "client secret" if CLIENT_SECRET in roles else "client id")
        main = next((s for s in found if s.member.role == CLIENT_SECRET), found[0])
        via = main.member.via
        apps = _names(main.apps)
        verb = "are" if " and " in what else "is"
        message = (f"the same bol {what}{f' ({via})' if via else ''} {verb} used by apps {apps}; "
                   "create separate credentials per app")
        properties = [("apps", ", ".join(a.name for a in main.apps))]
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
