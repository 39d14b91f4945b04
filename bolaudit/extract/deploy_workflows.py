"""GitHub Actions workflows for BOL103: the jobs that deploy, and the secrets they use.

A job *deploys* when it names a deployment ``environment:``, when its id or ``name`` says
deploy/release/publish/rollout/promote, when it calls a reusable workflow or a step uses an
action whose name says so (``*-deploy``, ``build-push-action``, ``flyctl``, ``webapps-deploy``,
``ssh-action``...), or when a step runs a deploy command (``kubectl apply``, ``helm upgrade``,
``docker push``, ``fly deploy``, ``heroku``, ``gcloud ... deploy``, ``az webapp``, ``aws ecs``,
``terraform apply``, ``rsync``/``scp`` to a host...). Test, lint and build jobs share the
repository's secrets with the deploy job legitimately: they are not apps, and their secrets are
not counted.

Each deploying job is a unit; every ``${{ secrets.X }}`` in it (or in the workflow's top-level
``env:``, which every job gets) whose name, or the variable it is assigned to, says bol credential
is a ``gha-secret`` source ``secrets.X``, with ``(environment E)`` appended for a job with a
deployment environment: environment secrets differ per environment, so only jobs of the same
environment share one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from yaml.nodes import Node, ScalarNode

from bolaudit.catalog import credentials as cr
from bolaudit.extract.deploy_yaml import Collector, UnitNode, get, items, resolve, scalars, seq, string
from bolaudit.findings import Span

_SECRET = re.compile(r"\$\{\{[^}]*?\bsecrets(?:\.([A-Za-z_][\w-]*)|\[\s*'([^']+)'\s*\])")
_DEPLOY_WORD = re.compile(r"deploy|release|publish|rollout|promote", re.IGNORECASE)
_DEPLOY_USES = re.compile(
    r"deploy|publish|release|heroku|flyctl|superfly|build-push-action|k8s|kubectl|helm|cloudrun|"
    r"appengine|webapps|functions-action|ssh-action|scp-action|rsync|terraform|pulumi|serverless",
    re.IGNORECASE,
)
_DEPLOY_RUN = re.compile(
    r"\bkubectl\s+(?:apply|set|rollout|create|replace|patch)|\bhelm\s+(?:upgrade|install)|"
    r"\bdocker(?:-compose|\s+compose)?\s+(?:push|stack\s+deploy)|\bfly(?:ctl)?\s+deploy|\bheroku\s|"
    r"\bgcloud\s.*\bdeploy\b|\baz\s+(?:webapp|functionapp|containerapp)|\baws\s+(?:ecs|lambda|deploy)|"
    r"\b(?:sam|cdk|serverless|sls|vercel|netlify|railway|kamal|caprover)\s+(?:deploy|up)|"
    r"\bterraform\s+apply|\bpulumi\s+up|\bansible-playbook\b|\bcapistrano\b|\brsync\b.*:|\bscp\b.*:",
    re.IGNORECASE,
)


def is_workflow(rel_path: str) -> bool:
    return "/.github/workflows/" in f"/{rel_path}"


def workflow(out: Collector, doc: Node) -> None:
    top = f"/{out.path}".split("/.github/workflows/", 1)[0].strip("/")  # the repository's root
    shared = list(scalars(get(doc, "env")))
    for job, key_node, body in items(get(doc, "jobs")):
        if not deploys(job, body):
            continue
        env = get(body, "environment")
        environment = string(env) or string(get(env, "name"))
        folder = string(get(body, "defaults", "run", "working-directory"))
        if not folder:
            dirs = {string(get(s, "working-directory")) for s in seq(get(body, "steps"))} - {""}
            folder = dirs.pop() if len(dirs) == 1 else ""
        out.unit("gha-job", job, f"gha/{out.path}/{job}", UnitNode(key_node, body).whole,
                 resolve(top, folder) if folder else "")
        for scalar, key in [*scalars(body), *shared]:
            for span, name in _secret_refs(out, scalar):
                role = cr.credential_role(name) or cr.credential_role(key)
                if role and not cr.is_other_vendor(key):
                    label = f"secrets.{name}" + (f" (environment {environment})" if environment else "")
                    out.source("gha-secret", label, role, span, job)


def deploys(job: str, body: Node) -> bool:
    if get(body, "environment") is not None or _DEPLOY_WORD.search(job + " " + string(get(body, "name"))):
        return True
    for step in seq(get(body, "steps")):
        if _DEPLOY_USES.search(string(get(step, "uses"))) or _DEPLOY_RUN.search(string(get(step, "run"))):
            return True
    return _DEPLOY_USES.search(string(get(body, "uses"))) is not None  # a reusable deploy workflow


def _secret_refs(out: Collector, scalar: ScalarNode) -> Iterator[tuple[Span, str]]:
    """``${{ secrets.X }}`` in the scalar, found in its source text, so the span is exact."""
    if "secrets" not in str(scalar.value):
        return
    start = scalar.start_mark.index
    raw = out.text[start : scalar.end_mark.index]
    for m in _SECRET.finditer(raw):
        close = raw.find("}}", m.end())
        line, column = out.position(start + m.start())
        length = (close + 2 if close >= 0 else m.end()) - m.start()
        yield Span(line, column, line, column + length), m.group(1) or m.group(2)
