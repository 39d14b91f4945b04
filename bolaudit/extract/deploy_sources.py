"""What deployment files say about where a bol credential comes from, and which units they deploy.

BOL103 (credentials shared across apps) needs to know, per file, the deployable units it declares
and how each unit gets its credential without a literal:

* docker-compose: every service is a unit (its ``build`` folder tells which app's code it runs);
  its ``env_file:`` entries; the variables its ``environment`` interpolates or passes through
  (``compose-env``, in any YAML style, also through an anchor or merge key such as
  ``environment: *bol`` or ``<<: *bol-env``, then reported at the alias), and literals it gets
  through an anchor (``compose-alias``: the line of the literal, whose sighting the service uses).
* Kubernetes Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob and Pod manifests:
  every container is a unit; ``env[].valueFrom.secretKeyRef`` is a ``k8s-secret`` source named
  ``[namespace/]secret/key``; a bol-named secret taken whole (``envFrom[].secretRef``, a secret
  volume mounted by the container) is ``[namespace/]secret/*`` for both the id and the secret.
* GitHub Actions workflows: the jobs that deploy (``deploy_workflows``).
* ``.env`` files: the credential variables they define (by value or by ``${X}`` reference), so the
  project stage knows which apps a shared ``.env`` or compose ``env_file`` provides them to.

Units (``DeployUnit``) and definitions (``EnvDefine``) become facts (read by
``bolaudit.credentials.apps``); no value is ever stored, only names and positions. Anything that does not parse yields nothing:
say less, never guess.
"""

from __future__ import annotations

import posixpath
import re

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bolaudit.catalog import credentials as cr
from bolaudit.extract.deploy_names import env_file
from bolaudit.extract.deploy_workflows import is_workflow, workflow
from bolaudit.extract.deploy_yaml import (
    Collector,
    UnitNode,
    documents,
    get,
    items,
    resolve,
    seq,
    string,
)
from bolaudit.facts import CredentialKind, DeployUnit, EnvDefine, SecretSource
from bolaudit.findings import Span
from bolaudit.records import record

__all__ = ["DeployFacts", "scan_deploy"]

_WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"}
_REF = re.compile(r"^\$\{?([A-Za-z_]\w*)")
_DEFINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][\w.\-]*)\s*=\s*(.*?)\s*$")


@record(slots=True)
class DeployFacts:
    sources: tuple[SecretSource, ...] = ()
    units: tuple[DeployUnit, ...] = ()
    defines: tuple[EnvDefine, ...] = ()


def scan_deploy(rel_path: str, text: str) -> DeployFacts:
    """Sources and unit declarations of one text file (nothing for files of other kinds)."""
    name = rel_path.rsplit("/", 1)[-1].lower()
    out = Collector(rel_path, text)
    if env_file(name):
        _env_defines(out)
    elif name.endswith((".yml", ".yaml")):
        for doc in documents(text):
            if is_workflow(rel_path):
                workflow(out, doc)
            elif "compose" in name or _is_compose(doc):
                _compose(out, doc)
            else:
                _k8s(out, doc)
    return DeployFacts(tuple(out.sources), tuple(out.units), tuple(out.defines))


def _env_defines(out: Collector) -> None:
    for n, line in enumerate(out.text.split("\n"), start=1):
        m = _DEFINE.match(line.rstrip("\r"))
        if not m or not (role := cr.credential_role(m.group(1))):
            continue
        value = m.group(2).split(" #", 1)[0].strip().strip("\"'")
        if value and (value.startswith("$") or not cr.is_placeholder(value)):
            out.define(m.group(1), role, n)


# -- docker-compose


def _is_compose(doc: Node) -> bool:
    services = get(doc, "services")
    return isinstance(services, MappingNode) and get(doc, "apiVersion") is None and get(doc, "jobs") is None


def _compose(out: Collector, doc: Node) -> None:
    base = posixpath.dirname(out.path)
    for service, key_node, body in items(get(doc, "services")):
        unit = UnitNode(key_node, body)
        build = get(body, "build")
        folder = ""
        if build is not None:
            folder = resolve(base, string(build) or string(get(build, "context")) or ".")
            dockerfile_dir = posixpath.dirname(string(get(build, "dockerfile")))
            folder = resolve(folder, dockerfile_dir) if folder and dockerfile_dir else folder
        env_files: list[tuple[str, Span]] = []
        env_file = get(body, "env_file")
        for entry in seq(env_file) if isinstance(env_file, SequenceNode) else [env_file] if env_file else []:
            target = resolve(base, string(entry) or string(get(entry, "path")))
            where = out.head(entry)
            if target:
                env_files.append((target, where))
        out.unit("compose-service", service, f"compose/{base}/{service}", unit.whole, folder, tuple(env_files))
        environment = next(((k, v) for name, k, v in items(body) if name == "environment"), None)
        if environment is not None:
            _compose_env(out, service, unit, *environment)


def _compose_env(out: Collector, service: str, unit: UnitNode, key_node: Node, env: Node) -> None:
    """Variables the service interpolates or passes through, and literals it gets through an alias
    or merge key; what comes through an alias is reported where the service uses it.

    ``bolaudit.credentials.textscan`` finds block-style entries by their lines as well (BOL103 counts a place
    once); a literal written in the service is its sighting, inside the service's lines.
    """
    entries: list[tuple[str, str | None, Node, Node]] = []  # name, value, entry node, report site
    if isinstance(env, MappingNode):
        for key, site, node in items(env):
            scalar = string(node) if isinstance(node, ScalarNode) and node.value != "" else None
            entries.append((key, scalar, node, site))
    for item in seq(env):
        key, sep, text = string(item).partition("=")
        entries.append((key.strip(), text.strip() if sep else None, item, item))
    for name, value, node, site in entries:
        where = next((n for n in (site, key_node) if unit.contains(n)), unit.key)
        ref = _REF.match(value) if value is not None else None
        variable = ref.group(1) if ref else name if value is None else ""
        role = cr.credential_role(name) or (cr.credential_role(variable) if variable else None)
        if not role:
            continue
        if variable:
            out.source("compose-env", variable, role, out.head(where), service)
        elif not unit.contains(node):  # a literal in an anchor: its sighting is what the service uses
            out.source("compose-alias", str(node.start_mark.line + 1), role, out.head(where), service)


# -- Kubernetes


def _k8s(out: Collector, doc: Node) -> None:
    kind = string(get(doc, "kind"))
    if kind == "List":
        for item in seq(get(doc, "items")):
            _k8s(out, item)
        return
    if kind not in _WORKLOADS:
        return
    name = string(get(doc, "metadata", "name")) or kind.lower()
    namespace = string(get(doc, "metadata", "namespace"))
    if kind == "CronJob":
        pod = get(doc, "spec", "jobTemplate", "spec", "template", "spec")
    else:
        pod = get(doc, "spec") if kind == "Pod" else get(doc, "spec", "template", "spec")
    containers = seq(get(pod, "initContainers")) + seq(get(pod, "containers"))
    volumes = {string(get(v, "name")): v for v in seq(get(pod, "volumes"))}
    prefix = f"{namespace}/" if namespace else ""
    for container in containers:
        cname = string(get(container, "name")) or "container"
        unit = name if len(containers) == 1 else f"{name}/{cname}"
        out.unit("k8s-container", unit, f"k8s/{namespace}/{kind}/{name}/{cname}", container)
        for entry in seq(get(container, "env")):
            ref = get(entry, "valueFrom", "secretKeyRef")
            secret, key = string(get(ref, "name")), string(get(ref, "key"))
            role = _k8s_role(string(get(entry, "name")), secret, key) if secret and key else None
            if role:
                out.source("k8s-secret", f"{prefix}{secret}/{key}", role, out.head(entry), unit)
        # Whole secrets: (secret name, where the container takes it).
        whole = [(string(get(e, "secretRef", "name")), e) for e in seq(get(container, "envFrom"))]
        for mount in seq(get(container, "volumeMounts")):
            volume = volumes.get(string(get(mount, "name")))
            whole.append((string(get(volume, "secret", "secretName")), mount))
        for secret, site in whole:
            if secret and not cr.is_other_vendor(secret) and "bol" in cr.name_parts(secret):
                for both in (cr.CLIENT_ID, cr.CLIENT_SECRET):  # a bol secret as a whole holds both halves
                    out.source("k8s-secret", f"{prefix}{secret}/*", both, out.head(site), unit)


def _k8s_role(env_name: str, secret: str, key: str) -> CredentialKind | None:
    if any(cr.is_other_vendor(n) for n in (env_name, secret, key) if n):
        return None
    return cr.credential_role(env_name) or cr.credential_role(key) or cr.credential_role(f"{secret}_{key}")
