"""One credential wired into several apps: the groups BOL103 reports, and the JSON credential list.

Every place that holds or receives a bol credential becomes a ``Member`` of a group, in the app
(``bolaudit.credentials.apps``) the place belongs to. Members of one group get the same credential:

* the same literal value (its unsalted SHA-256 fingerprint; the value itself is never kept), also
  where a compose service gets a literal through a YAML anchor;
* the same variable interpolated (or passed through) into services of compose files in one
  folder: compose fills them from the same shell environment and ``.env``;
* the same Kubernetes secret and key (namespace included) mounted into workloads;
* the same ``${{ secrets.X }}`` in deploying GitHub Actions jobs (per deployment environment);
* the same variable from one shared env file: code reading ``BOL_CLIENT_SECRET`` in two apps
  whose nearest ``.env`` (python-dotenv's search: the file's folder, then upwards) is one file
  that defines it, and compose services whose ``env_file:`` is that file.

Different variable names per app are different sources, so they are no group; one app reading its
credential in several modules is one app. Inside one app, places of one group that separate
programs read (``programs``: scripts, servers, workers with their modules and config files) are
shared too (``shared_by_programs``). Documentation (Markdown, reST) holds copies of
credentials, not users of them, and takes no part.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection, Iterator, Sequence
from typing import TYPE_CHECKING

from bolaudit.credentials.apps import App, AppMap, defines_of
from bolaudit.credentials.programs import ProgramMap, excluded
from bolaudit.facts import CredentialSighting, ModuleFacts
from bolaudit.findings import Span
from bolaudit.records import record

if TYPE_CHECKING:
    from collections.abc import Mapping

    from bolaudit.facts import ModuleFacts

_DOCS = (".md", ".markdown", ".rst", ".adoc")
_GHA_NAME = re.compile(r"secrets\.(\S+)(?: \(environment (.+)\))?")

Group = tuple[str, ...]


@record(slots=True)
class Member:
    """A place in ``app`` that holds or receives the credential of ``group``. ``via`` says how, for
    sources ("" for a literal); ``fingerprint`` is the literal's SHA-256 ("" for sources)."""

    group: Group
    role: str
    via: str
    path: str
    span: Span
    app: App
    fingerprint: str = ""

    def order(self) -> tuple[str, Span, str]:
        return (self.path, self.span, self.app.key)


@record(slots=True)
class Shared:
    """A member in another app than the group's first member; ``apps`` all apps of the group, the
    first member's first and this member's second."""

    member: Member
    apps: tuple[App, ...]


def members(modules: dict[str, ModuleFacts], apps: AppMap) -> list[Member]:
    env_files = {p: defines_of(f) for p, f in modules.items()}
    out: list[Member] = []
    for path, facts in sorted(modules.items()):
        if path.lower().endswith(_DOCS):
            continue
        for s in facts.sightings:
            app = apps.app_at(path, s.span.line)
            if app is not None:
                out.append(Member(("value", s.kind, s.fingerprint), s.kind, "", path, s.span, app, s.fingerprint))
        for src in facts.secret_sources:
            out.extend(_from_source(path, facts, src.kind, src.name, src.role, src.span, src.unit, apps, env_files))
    for unit, app in apps.all_units():
        for target, span in unit.env_files:
            for name, role in sorted(env_files.get(target, {}).items()):
                out.append(Member(("env-file", target, name), role, f"`{name}` from {target}", unit.path, span, app))
    return out


def _from_source(
    path: str, facts: ModuleFacts, kind: str, name: str, role: str, span: Span, unit: str, apps: AppMap,
    env_files: dict[str, dict[str, str]],
) -> Iterator[Member]:
    app = apps.unit_app(path, unit) if unit else apps.app_at(path, span.line)
    if app is None:
        return
    if kind == "env":
        provider = _dotenv(path, name, env_files)
        if provider is not None:
            yield Member(("env-file", provider, name), role, f"`{name}` from {provider}", path, span, app)
    elif kind == "compose-env" and unit:
        folder = posixpath.dirname(path)
        yield Member(("compose-env", folder, name), role, f"compose variable `${{{name}}}`", path, span, app)
    elif kind == "compose-alias" and unit:
        for s in facts.sightings:
            if str(s.span.line) == name and s.kind == role:
                yield Member(("value", s.kind, s.fingerprint), s.kind, "", path, span, app, s.fingerprint)
    elif kind == "k8s-secret":
        *_, secret, key = name.split("/")
        via = f"Kubernetes secret `{secret}`" + ("" if key == "*" else f" key `{key}`")
        yield Member(("k8s-secret", name, role), role, via, path, span, app)
    elif kind == "gha-secret":
        m = _GHA_NAME.fullmatch(name)
        secret, environment = (m.group(1), m.group(2)) if m else (name, None)
        via = f"GitHub Actions secret `{secret}`" + (f" of environment `{environment}`" if environment else "")
        yield Member(("gha-secret", name), role, via, path, span, app)


def _dotenv(path: str, name: str, env_files: dict[str, dict[str, str]]) -> str | None:
    """The ``.env`` python-dotenv would load for code in ``path``, when it defines ``name``."""
    folder = posixpath.dirname(path)
    while True:
        candidate = f"{folder}/.env" if folder else ".env"
        if candidate in env_files:
            return candidate if name in env_files[candidate] else None
        parent = posixpath.dirname(folder)
        if not folder or parent == folder:  # "" for a relative path, "/" for an absolute one
            return None
        folder = parent


def shared(found: Sequence[Member]) -> Iterator[Shared]:
    """Each member, after the first in path order, whose app is not the first member's app."""
    groups: dict[Group, dict[tuple[str, int, str], Member]] = {}
    for m in sorted(found, key=Member.order):  # one place per line and app (two scanners may see it)
        groups.setdefault(m.group, {}).setdefault((m.path, m.span.line, m.app.key), m)
    for group in sorted(groups):
        ordered = [groups[group][k] for k in sorted(groups[group])]
        first = ordered[0].app
        apps = list({m.app.key: m.app for m in ordered}.values())
        if len(apps) < 2:
            continue
        for m in ordered[1:]:
            if m.app.key != first.key:
                rest = tuple(a for a in apps if a.key not in (first.key, m.app.key))
                yield Shared(m, (first, m.app, *rest))


def shared_by_programs(found: Sequence[Member], programs: ProgramMap,
                       reported: Collection[tuple[str, Span]] = ()) -> Iterator[Shared]:
    """Within one app: each member (after the first, in path order) read by none of the programs
    (``programs``) that read an earlier member of its group. Members in places no program
    reaches, in tests, examples or docs, and those in ``reported`` (found across apps already)
    take no part; a place two programs reach (a library both import) is shared code, not a copy."""
    groups: dict[Group, dict[tuple[str, int], Member]] = {}
    for m in sorted(found, key=Member.order):
        if programs.of(m.path) and not excluded(m.path):
            groups.setdefault(m.group, {}).setdefault((m.path, m.span.line), m)
    for group in sorted(groups):
        ordered = [groups[group][k] for k in sorted(groups[group])]
        for i, m in enumerate(ordered):
            theirs = programs.of(m.path)
            if (m.path, m.span) in reported:
                continue
            earlier = next((e for e in ordered[:i] if e.app.key == m.app.key
                            and programs.of(e.path).isdisjoint(theirs)), None)
            if earlier is None:
                continue
            names = [sorted(programs.of(earlier.path))[0], sorted(theirs)[0]]
            names += sorted(p for o in ordered for p in programs.of(o.path))
            yield Shared(m, tuple(App(f"program:{p}", p, "program") for p in dict.fromkeys(names)))


def sightings_in_apps(
    modules: Mapping[str, ModuleFacts], apps: AppMap, reported: Collection[str]
) -> Iterator[tuple[str, CredentialSighting, App | None]]:
    """Every credential sighting in the reported files with the app it is in: the JSON report's
    ``credentials``, which an organisation joins across repositories by fingerprint."""
    for path, facts in sorted(modules.items()):
        if path in reported:
            for s in facts.sightings:
                yield path, s, apps.app_at(path, s.span.line)
