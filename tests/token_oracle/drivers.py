"""How each kind of app is driven: one outside event at a time, the way its framework does it.

Each driver takes the ``runtime`` part of an app's expect.json and the harness. Events are spaced
``every`` seconds on the controlled clock (schedulers: as their own triggers say); requests cycle
through the ``requests`` list. A driver imports the app only once the harness is up.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import types
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from .harness import Harness

Driver = Callable[[dict[str, Any], Harness], None]


def load(ref: str) -> Any:
    """``package.module:attr`` -> the object."""
    module, _, attr = ref.partition(":")
    target: Any = importlib.import_module(module)
    for part in attr.split(".") if attr else ():
        target = getattr(target, part)
    return target


def _schedule(spec: dict[str, Any], h: Harness) -> Iterator[tuple[int, dict[str, Any]]]:
    """(event number, the request of that event), with the clock moved ``every`` between events."""
    requests = spec.get("requests") or [{}]
    for index in range(int(spec.get("events", len(requests)))):
        if index:
            h.clock.advance(float(spec.get("every", 60)))
        yield index, requests[index % len(requests)]


def _status(code: int, what: str) -> str | None:
    return f"{what} answered {code}" if code >= 400 else None


def drive_django(spec: dict[str, Any], h: Harness) -> None:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", spec["settings"])
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()
    if spec.get("migrate"):
        from django.core.management import call_command

        call_command("migrate", run_syncdb=True, verbosity=0)
    if spec.get("client") == "drf":
        from rest_framework.test import APIClient

        client: Any = APIClient(raise_request_exception=False)
    else:
        from django.test import Client

        client = Client(raise_request_exception=False)
    for index, req in _schedule(spec, h):
        body = json.dumps(req["json"]) if "json" in req else ""

        def send(req: dict[str, Any] = req, body: str = body) -> str | None:
            answer = client.generic(req.get("method", "GET"), req["path"], body, content_type="application/json")
            if getattr(answer, "exc_info", None):
                h.debug(answer.exc_info)
            return _status(answer.status_code, req["path"])

        h.event(send, f"request {index}")


def drive_flask(spec: dict[str, Any], h: Harness) -> None:
    app = load(spec["app"])
    if not hasattr(app, "test_client"):
        app = app()  # an app factory
    client = app.test_client()
    for index, req in _schedule(spec, h):
        def send(req: dict[str, Any] = req) -> str | None:
            answer = client.open(req["path"], method=req.get("method", "GET"), json=req.get("json"))
            return _status(answer.status_code, req["path"])

        h.event(send, f"request {index}")


def drive_asgi(spec: dict[str, Any], h: Harness) -> None:
    from starlette.testclient import TestClient

    with TestClient(load(spec["app"]), raise_server_exceptions=False) as client:  # runs the lifespan
        for index, req in _schedule(spec, h):
            def send(req: dict[str, Any] = req) -> str | None:
                answer = client.request(req.get("method", "GET"), req["path"], json=req.get("json"))
                return _status(answer.status_code, req["path"])

            h.event(send, f"request {index}")


def drive_celery(spec: dict[str, Any], h: Harness) -> None:
    """Tasks run eagerly in this process, as a worker process would run them one after another."""
    for index, req in _schedule(spec, h):
        task = load(req["task"])
        task.app.conf.update(task_always_eager=True, task_eager_propagates=False)

        def run(req: dict[str, Any] = req, task: Any = task) -> str | None:
            result = task.apply_async(args=req.get("args", []), kwargs=req.get("kwargs", {}))
            return f"task failed: {type(result.result).__name__}" if result.failed() else None

        h.event(run, f"task {index}")


def drive_lambda(spec: dict[str, Any], h: Harness) -> None:
    handler = load(spec["handler"])  # the import is the cold start
    for index, req in _schedule(spec, h):
        context = types.SimpleNamespace(
            function_name="bol-sync", aws_request_id=str(uuid.uuid4()), memory_limit_in_mb=256,
            invoked_function_arn="arn:aws:lambda:eu-west-1:000000000000:function:bol-sync",
            get_remaining_time_in_millis=lambda: 30_000)

        def invoke(req: dict[str, Any] = req, context: Any = context) -> str | None:
            answer = handler(req["event"], context)
            if isinstance(answer, dict) and answer.get("batchItemFailures"):
                return f"{len(answer['batchItemFailures'])} records failed"
            if isinstance(answer, dict) and isinstance(answer.get("statusCode"), int):
                return _status(answer["statusCode"], "handler")
            return None

        h.event(invoke, f"invocation {index}")


def drive_mcp(spec: dict[str, Any], h: Harness) -> None:
    server = load(spec["server"])

    async def session() -> None:  # one server process, one event loop, many tool calls
        for index, req in _schedule(spec, h):
            h.events += 1
            try:
                await server.call_tool(req["tool"], req.get("arguments", {}))
            except Exception as error:  # noqa: BLE001 - counted like any failed event
                h.fail(f"tool call {index}", error)

    asyncio.run(session())


def drive_apscheduler(spec: dict[str, Any], h: Harness) -> None:
    """The scheduler's jobs run when their own triggers say, the clock moved to each fire time."""
    import datetime as dt

    scheduler = load(spec["scheduler"])
    jobs = scheduler.get_jobs()
    due = [job.trigger.get_next_fire_time(None, dt.datetime.now(dt.UTC)) for job in jobs]
    for index in range(int(spec.get("events", 6))):
        which = min(range(len(jobs)), key=lambda i: due[i])
        job = jobs[which]
        h.clock.advance((due[which] - dt.datetime.now(dt.UTC)).total_seconds())
        h.event(lambda job=job: job.func(*job.args, **job.kwargs), f"{job.id} run {index}")
        due[which] = job.trigger.get_next_fire_time(due[which], dt.datetime.now(dt.UTC))


def drive_schedule(spec: dict[str, Any], h: Harness) -> None:
    import schedule

    importlib.import_module(spec["module"])  # registers its jobs with schedule.every(...)
    for index in range(int(spec.get("events", 6))):
        h.clock.advance(schedule.idle_seconds() or 0)
        h.event(schedule.run_pending, f"run {index}")


def drive_call(spec: dict[str, Any], h: Harness) -> None:
    """A long-lived client that a service keeps, called once per event: ``construct`` (a class or
    factory, called with no arguments) and ``method``, or a module-level ``function``."""
    method = getattr(load(spec["construct"])(), spec["method"]) if "construct" in spec else load(spec["function"])
    for index, req in _schedule(spec, h):
        h.event(lambda req=req: method(*req.get("args", []), **req.get("kwargs", {})), f"call {index}")


def drive_script(spec: dict[str, Any], h: Harness) -> None:
    """A script run once: its loop is what is measured (``iterations`` work items). ``{app}`` in
    an argument is the app's folder (its sample input files)."""
    main = load(spec["main"])
    args = [str(a).replace("{app}", spec["_app"]) for a in spec.get("args", [])]
    h.event(lambda: main(*args), "run")


DRIVERS: dict[str, Driver] = {
    "django": drive_django, "flask": drive_flask, "asgi": drive_asgi, "celery": drive_celery,
    "lambda": drive_lambda, "mcp": drive_mcp, "apscheduler": drive_apscheduler,
    "schedule": drive_schedule, "call": drive_call, "script": drive_script,
}
