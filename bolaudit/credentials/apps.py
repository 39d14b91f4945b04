"""Which app each place in the tree belongs to: the deployable units BOL103 compares.

bol asks for separate client credentials per app and per third party, so that one can be revoked
without breaking the others. An *app* here is a deployable unit:

* a folder holding a ``pyproject.toml``, ``setup.py``, ``setup.cfg``, ``requirements*.txt``,
  ``Dockerfile``, ``manage.py`` or ``package.json`` (the deepest such folder above a file wins);
* a service of a docker-compose file, a container of a Kubernetes workload, a deploying job of a
  GitHub Actions workflow (declared by ``extract.deploy_sources`` in the file's facts). A unit
  built from, or working in, exactly the folder of a folder app *is* that app: ``build:
  ./orders-sync`` runs the code of ``orders-sync``, and a web and a worker service built from the
  same folder are one app;
* the repository root, when no folder is an app.

``[tool.bolaudit.apps]`` (``Config.apps``) names apps and their folders explicitly and then
replaces folder detection: a file in none of the named folders is in no app. An entry
``<file>#<unit>`` claims a unit of that file for the named app (a ``web`` and a ``worker``
service that are one app). A place in no app takes no part in BOL103.

``detect_apps`` is a pure function of the analysed paths, the declared units, the folders that
hold a marker file and the configuration; ``marker_folders`` is the one look at the file system
(one ``scandir`` per folder that holds or leads to an analysed file), and ``project_apps`` glues
them to a ``Project``.
"""

from __future__ import annotations

import os
import posixpath
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

from bolaudit.facts import DeployUnit as Unit
from bolaudit.records import record

if TYPE_CHECKING:
    from bolaudit.config import Config
    from bolaudit.facts import ModuleFacts

MARKERS = frozenset({"pyproject.toml", "setup.py", "setup.cfg", "Dockerfile", "manage.py", "package.json"})


@record(slots=True)
class App:
    """``key`` is the identity, ``name`` what messages show. ``kind``: folder, configured, root,
    compose-service, k8s-container, gha-job."""

    key: str
    name: str
    kind: str


def deploy_matters(rel_path: str, lowered: bytes) -> bool:
    """A deployment file BOL103 must read though it names no credential (the engine's prefilter):
    a compose file with ``env_file:`` entries, a Kubernetes manifest mounting a bol-named secret
    as a whole (``envFrom``/``secretRef``, a secret volume). Plain substring scans."""
    name = rel_path.rsplit("/", 1)[-1].lower()
    if not name.endswith((".yml", ".yaml")):
        return False
    if "compose" in name and b"env_file" in lowered:
        return True
    return b"bol" in lowered and (b"secretref" in lowered or b"secretname" in lowered)


def is_marker(name: str) -> bool:
    return name in MARKERS or (name.startswith("requirements") and name.endswith(".txt"))


def units_of(facts: ModuleFacts) -> list[Unit]:
    return list(facts.units)


def defines_of(facts: ModuleFacts) -> dict[str, str]:
    """Credential variables an env file defines: {name: role}."""
    out: dict[str, str] = {}
    for d in facts.env_defines:
        out.setdefault(d.name, d.role)
    return out


def _folder_of(path: str) -> str:
    return posixpath.dirname(path)


def _outside(path: str) -> bool:
    return path.startswith(("/", "../")) or path == ".."


def _ancestors(folder: str) -> list[str]:
    """``a/b`` -> [``a/b``, ``a``, ``""``] (the root is "")."""
    out = []
    while folder:
        out.append(folder)
        folder = posixpath.dirname(folder)
    return [*out, ""]


def _inside(path: str, folder: str) -> bool:
    return not folder or path == folder or path.startswith(folder + "/")


@record
class AppMap:
    """Answers "which app is this place in?"."""

    folders: Mapping[str, App]  # folder ("" the root) -> its app
    units: Mapping[str, tuple[tuple[Unit, App], ...]]  # path -> its units
    configured: bool = False
    files: Mapping[str, App] = field(default_factory=dict)  # configured entries naming a file

    def folder_app(self, path: str) -> App | None:
        """The app of the deepest folder (or configured file) holding ``path``."""
        if path in self.files:
            return self.files[path]
        if _outside(path):
            return self.folders.get("") if not self.configured else None
        for folder in _ancestors(_folder_of(path)):
            app = self.folders.get(folder)
            if app is not None:
                return app
        return None

    def unit_app(self, path: str, unit: str) -> App | None:
        return next((app for u, app in self.units.get(path, ()) if u.name == unit), None)

    def app_at(self, path: str, line: int) -> App | None:
        """The innermost unit of ``path`` covering ``line``, else the folder app."""
        covering = [(u.end_line - u.line, app) for u, app in self.units.get(path, ()) if u.line <= line <= u.end_line]
        if covering:
            return min(covering, key=lambda c: c[0])[1]
        return self.folder_app(path)

    def all_units(self) -> Iterable[tuple[Unit, App]]:
        for pairs in self.units.values():
            yield from pairs


def detect_apps(
    paths: Iterable[str],
    units: Iterable[Unit],
    markers: Collection[str],
    configured: Sequence[tuple[str, tuple[str, ...]]] = (),
    root_name: str = ".",
) -> AppMap:
    """The apps of a tree: folders with a marker (or configured ones), units, else the root."""
    known = set(paths)
    files: dict[str, App] = {}
    claims: dict[tuple[str, str], App] = {}
    folders: dict[str, App] = {}
    if configured:
        for name, entries in configured:
            app = App(f"configured:{name}", name, "configured")
            for entry in entries:
                target, _, unit = entry.partition("#")
                target = "" if target in (".", "./") else target.strip("/")
                if unit:
                    claims[(target, unit)] = app
                elif target in known:
                    files[target] = app
                else:
                    folders[target] = app
    else:
        found = sorted(f for f in markers if not _outside(f))
        names = {f: posixpath.basename(f) if f else root_name for f in found}
        counts = Counter(names.values())
        clash = {n for n, c in counts.items() if c > 1}
        folders = {f: App(f"folder:{f}", f if names[f] in clash and f else names[f], "folder") for f in found}
        if not folders:
            folders = {"": App("folder:", root_name, "root")}
    by_path: dict[str, list[tuple[Unit, App]]] = {}
    for u in units:
        hint = "" if u.folder in (".", "") else u.folder
        adopted = claims.get((u.path, u.name)) or (folders.get(hint) if u.folder else None)
        by_path.setdefault(u.path, []).append((u, adopted or App(f"unit:{u.key}", u.name, u.kind)))
    return AppMap(folders, _distinct_names(by_path, folders), bool(configured), files)


def _distinct_names(
    by_path: dict[str, list[tuple[Unit, App]]], folders: Mapping[str, App]
) -> dict[str, tuple[tuple[Unit, App], ...]]:
    """Two different units named ``web`` (in two compose files) are shown with their file."""
    keys: dict[str, set[str]] = {}
    for app in [*folders.values(), *(a for pairs in by_path.values() for _, a in pairs)]:
        keys.setdefault(app.name, set()).add(app.key)
    out: dict[str, tuple[tuple[Unit, App], ...]] = {}
    for path, pairs in by_path.items():
        out[path] = tuple(
            (u, App(a.key, f"{a.name} ({path})", a.kind) if a.key.startswith("unit:") and len(keys[a.name]) > 1 else a)
            for u, a in pairs
        )
    return out


def marker_folders(root: Path, folders: Iterable[str]) -> frozenset[str]:
    """Which of these root-relative folders hold a marker file (one ``scandir`` each)."""
    found: set[str] = set()
    for folder in set(folders):
        if _outside(folder):
            continue
        try:
            with os.scandir(root / folder if folder else root) as entries:
                if any(is_marker(e.name) and e.is_file() for e in entries):
                    found.add(folder)
        except OSError:
            continue
    return frozenset(found)


def project_apps(modules: Mapping[str, ModuleFacts], config: Config) -> AppMap:
    """The apps of the audited tree: the units the files declare, the folders on the way to every
    analysed file (and every unit's folder) checked for markers, and ``Config.apps``."""
    units = [u for _, facts in sorted(modules.items()) for u in units_of(facts)]
    candidates: set[str] = set()
    if not config.apps:
        for path in modules:
            if not _outside(path):
                candidates.update(_ancestors(_folder_of(path)))
        candidates.update("" if u.folder == "." else u.folder for u in units if u.folder)
    markers = marker_folders(config.root, candidates) if candidates else frozenset()
    return detect_apps(modules, units, markers, config.apps, config.root.name or ".")
