"""Corpora of real code from the package index, prepared once under ``benchmarks/corpora/``.

* ``realworld``: the four public bol clients of ``../shared/realworld`` (sdists, pinned in its
  ``score.py``), prepared by that script's ``prepare`` (``pip download``, unpack, ``git init``
  and commit each tree). One corpus per tree: each is its own git repository.
* ``site-packages``: a venv's ``site-packages`` with a pinned set of packages (``SITE_PACKAGES``,
  installed with ``--no-deps --no-compile``, so the tree is the same wherever it is made), made a
  git work tree. About 2,600 Python files, no bol code, but OAuth clients of other services
  (oauthlib, requests-oauthlib, Authlib, google-auth) that say ``client_id``, ``grant_type`` and
  ``fetch_token``: the prefilter's false friends.
* ``generated-clients``: openapi-generator's (7.x, ``-g python``) and openapi-python-client's
  clients of every OpenAPI document in ``../shared/bol-api``, made with the generators the test
  extras install (openapi-generator needs Java); the retailer v10 client alone is ~62k lines.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from corpus import CORPORA, REPO, Corpus, Log, _described, _finish, _marker

REALWORLD_SCRIPT = REPO.parent / "shared" / "realworld" / "score.py"
# (tree folder as score.py unpacks it, short corpus name)
REALWORLD_TREES = (
    ("bol-1.3.2", "realworld-bol"),
    ("python-bol-api-0.10.0", "realworld-bol-api"),
    ("python_bol_api_latest-1.5.0", "realworld-bol-api-latest"),
    ("python-bol-retailer-api-1.1.1", "realworld-retailer-api"),
)
REALWORLD_NAMES = tuple(name for _, name in REALWORLD_TREES)  # = report.REALWORLD

# Pinned, installed without dependencies: the tree is the same on every machine with this Python.
SITE_PACKAGES = (
    "anyio==4.6.0", "attrs==24.2.0", "Authlib==1.3.2", "cachetools==5.5.0", "certifi==2024.8.30",
    "cffi==2.1.1", "charset-normalizer==3.3.2", "click==8.1.7", "cryptography==43.0.1",
    "docutils==0.21.2", "google-auth==2.35.0", "greenlet==3.1.1", "h11==0.14.0", "httpcore==1.0.6",
    "httpx==0.27.2", "idna==3.10", "Jinja2==3.1.4", "markdown-it-py==4.3.0", "MarkupSafe==2.1.5",
    "mdurl==0.1.2", "oauthlib==3.2.2", "packaging==24.1", "pip==24.2", "pyasn1==0.6.1",
    "pyasn1_modules==0.4.1", "pycparser==3.12", "Pygments==2.18.0", "PyYAML==6.0.2",
    "requests==2.32.3", "requests-oauthlib==2.0.0", "rich==13.9.2", "rsa==4.9", "setuptools==75.1.0",
    "sniffio==1.3.1", "SQLAlchemy==2.0.35", "typing_extensions==4.12.2", "urllib3==2.2.3",
    "wheel==0.44.0",
)


def realworld(log: Log) -> list[Corpus]:
    root = CORPORA / "realworld"
    missing = [tree for tree, _ in REALWORLD_TREES if not (root / tree / ".git").is_dir()]
    if missing:
        if not REALWORLD_SCRIPT.is_file():
            raise SystemExit(f"the realworld corpus needs {REALWORLD_SCRIPT} (the shared realworld folder)")
        log(f"preparing the realworld trees with {REALWORLD_SCRIPT.name} prepare")
        subprocess.run([sys.executable, str(REALWORLD_SCRIPT), "prepare", str(root)], check=True,
                       stdout=subprocess.DEVNULL)
    out = []
    for tree, name in REALWORLD_TREES:
        folder = root / tree
        out.append(_described(name, folder, _busiest_bol_module(folder),
                              f"the public bol client {tree} (sdist, ../shared/realworld)"))
    return out


def _busiest_bol_module(folder: Path) -> str:
    """The tree's largest Python file that says bol: what a pre-commit run on it would check."""
    best: tuple[int, str] = (-1, "")
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        for filename in sorted(filenames):
            if filename.endswith(".py"):
                path = Path(dirpath, filename)
                data = path.read_bytes()
                if b"bol" in data.lower() and len(data) > best[0]:
                    best = (len(data), path.relative_to(folder).as_posix())
    return best[1]


def site_packages(log: Log) -> Corpus:
    venv = CORPORA / "site-packages-venv"
    version = f"{sys.version_info.major}.{sys.version_info.minor} " + " ".join(SITE_PACKAGES)
    root = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    if _marker(root).get("version") != version:
        log(f"installing {len(SITE_PACKAGES)} pinned packages into {venv.relative_to(REPO)}")
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        # The venv's own pip installs the pinned set (its own pin included, replacing itself).
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
             "--disable-pip-version-check", *SITE_PACKAGES],
            check=True,
        )
        for leftover in root.rglob("__pycache__"):  # ensurepip's own pip and setuptools compiled
            shutil.rmtree(leftover, ignore_errors=True)
        _finish(root, {"version": version})
    return _described(
        "site-packages", root, "requests/sessions.py",
        f"a venv's site-packages, {len(SITE_PACKAGES)} pinned packages (requests, pip, oauthlib, Authlib, ...)",
    )


SHARED_SPECS = REPO.parent / "shared" / "bol-api"
GENERATORS = ("openapi-generator-cli", "openapi-python-client")


def generated_clients(log: Log) -> Corpus:
    """Both generators' Python clients for every bol document, made once per generator version
    and set of documents. A document whose ``../common`` references are not published gives a
    generator nothing to build; the others still count."""
    import hashlib
    import json
    from importlib.metadata import version

    specs = sorted(SHARED_SPECS.glob("*.openapi.*"))
    if not specs:
        raise SystemExit(f"the generated-clients corpus needs bol's documents in {SHARED_SPECS}")
    tools = {tool: version(tool) for tool in GENERATORS}
    digest = hashlib.sha256(json.dumps(tools, sort_keys=True).encode())
    for spec in specs:
        digest.update(spec.name.encode() + spec.read_bytes())
    root = CORPORA / "generated-clients"
    if _marker(root).get("version") != digest.hexdigest():
        log(f"generating clients of {len(specs)} documents with {tools}")
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        bindir = Path(sys.executable).parent
        for spec in specs:
            package = "bol_" + "".join(c if c.isalnum() else "_" for c in spec.name.split(".")[0].lower())
            subprocess.run([str(bindir / "openapi-generator-cli"), "generate", "-g", "python", "-i", str(spec),
                            "-o", str(root / "openapi-generator" / package), "--package-name", package,
                            "--skip-validate-spec"], check=False, capture_output=True)
            subprocess.run([str(bindir / "openapi-python-client"), "generate", "--path", str(spec), "--meta",
                            "none", "--output-path", str(root / "openapi-python-client" / package)],
                           check=False, capture_output=True)
        _finish(root, {"version": digest.hexdigest()})
    return _described(
        "generated-clients", root, "openapi-generator/bol_retailer_v10/bol_retailer_v10/api/orders_api.py",
        "openapi-generator and openapi-python-client output for every document in ../shared/bol-api",
    )
