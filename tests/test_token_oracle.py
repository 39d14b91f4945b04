"""The token oracle (issue 14, item 8): what the apps really do decides what the token rules say.

Every app under tests/fixtures/token_apps/<app>/<variant>/ that can run here is run in a fresh
interpreter against the loopback token service and a loopback Retailer API, with a controlled
clock, for a fixed number of outside events (requests, tasks, invocations, tool calls, job runs)
or loop iterations; its token requests and expired-token calls give the runtime verdict
(token_oracle/verdict.py). ``test_runtime`` asserts that verdict is what the app's expect.json
says; ``test_static_agrees`` asserts that ``bolaudit check --select BOL2`` says the same, at the
same place. Where bolaudit does not agree yet, the case is a strict xfail naming the gap
(STATIC_GAPS): it turns red the day the rules learn the shape, and the mark must go.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

try:
    from token_oracle.drivers import DRIVERS
    from token_oracle.harness import Harness, _renewed_after, mask
    from token_oracle.verdict import (LIFECYCLE, App, NoVerdict, apps, run_app, runtime_codes, static_findings,
                                      unmatched)
    from tokenserver import CLIENT_ID, CLIENT_SECRET, write_signing_key
except ModuleNotFoundError:  # tests/ became a package
    from tests.token_oracle.drivers import DRIVERS
    from tests.token_oracle.harness import Harness, _renewed_after, mask
    from tests.token_oracle.verdict import (LIFECYCLE, App, NoVerdict, apps, run_app, runtime_codes,
                                            static_findings, unmatched)
    from tests.tokenserver import CLIENT_ID, CLIENT_SECRET, write_signing_key

APPS = apps()

# Where bolaudit's static verdict disagrees with the runtime one (none today): a case listed here
# becomes a strict xfail naming the gap.
STATIC_GAPS: dict[str, str] = {}


def _static_case(app: App) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=STATIC_GAPS[app.name])] if app.name in STATIC_GAPS else []
    return pytest.param(app, id=app.name, marks=marks)


class Oracle:
    """Runs the selected cases two at a time (the machine has two cores), each once."""

    def __init__(self, scratch: Path, wanted: dict[str, set[str]]) -> None:
        self._pool = ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1))
        by_name = {app.name: app for app in APPS}
        key = write_signing_key(scratch / "signing-key.pem")
        self._runs: dict[str, Future[dict[str, Any]]] = {
            name: self._pool.submit(run_app, by_name[name], key) for name in sorted(wanted["runtime"])}
        self._checks: dict[str, Future[list[dict[str, Any]]]] = {
            name: self._pool.submit(static_findings, by_name[name], scratch) for name in sorted(wanted["static"])}

    def runtime(self, app: App) -> dict[str, Any]:
        return self._runs[app.name].result()

    def static(self, app: App) -> list[dict[str, Any]]:
        return self._checks[app.name].result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="module")
def oracle(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oracle]:
    wanted: dict[str, set[str]] = {"runtime": set(), "static": set()}
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if item.module is request.module and callspec is not None and "app" in callspec.params:
            kind = "runtime" if item.originalname == "test_runtime" else "static"
            wanted[kind].add(callspec.params["app"].name)
    pool = Oracle(tmp_path_factory.mktemp("oracle-static"), wanted)
    try:
        yield pool
    finally:
        pool.close()


@pytest.mark.parametrize("app", [pytest.param(a, id=a.name) for a in APPS if a.runs])
def test_runtime(app: App, oracle: Oracle) -> None:
    counts = oracle.runtime(app)
    assert counts["api_calls"] >= counts["events"], f"the drive reached the API less than once per event: {counts}"
    assert counts["unauthorised_calls"] == 0, f"calls without a valid bol token: {counts}"
    codes = runtime_codes(counts)
    assert codes == app.expected_codes & set(LIFECYCLE), f"runtime says {sorted(codes)}: {counts}"
    if "BOL206" not in codes:
        assert not counts["failed_events"], f"a sound token path serves every event: {counts}"


@pytest.mark.parametrize("app", [_static_case(a) for a in APPS])
def test_static_agrees(app: App, oracle: Oracle) -> None:
    findings = oracle.static(app)
    said = [f"{f['code']} {f['path']}:{f['line']} {f['message'][:120]}" for f in findings]
    assert {f["code"] for f in findings} == app.expected_codes, f"bolaudit says: {said}"
    assert not unmatched(app, findings), f"not found where expected: {unmatched(app, findings)}; bolaudit says: {said}"


# -- the oracle itself ------------------------------------------------------------------------------


def test_every_app_has_good_and_bad_twins() -> None:
    by_app: dict[str, set[str]] = {}
    for app in APPS:
        by_app.setdefault(app.folder.parent.name, set()).add(app.folder.name.split("_")[0])
    assert by_app and all(kinds == {"good", "bad"} for kinds in by_app.values()), by_app


@pytest.mark.parametrize("app", [pytest.param(a, id=a.name) for a in APPS])
def test_expect_file_is_well_formed(app: App) -> None:
    expect = app.expect
    assert expect["about"].strip()
    good = app.folder.name.startswith("good")
    assert not (good and expect["findings"]), "a good variant expects no finding"
    assert good or expect["findings"], "a bad variant expects at least one finding"
    for want in expect["findings"]:
        files = [want["file"]] if isinstance(want["file"], str) else want["file"]
        assert want["code"].startswith("BOL2") and all((app.folder / f).is_file() for f in files), want
    if app.runs:
        assert expect["runtime"]["kind"] in DRIVERS
    else:
        assert expect["static_only"].strip(), "say why it cannot run here"


def _counts(**overrides: Any) -> dict[str, Any]:
    base = {"events": 6, "iterations": 0, "accounts": 1, "elapsed": 300.0, "token_requests": 2,
            "unrecovered_expired": 0}
    return {**base, **overrides}


@pytest.mark.parametrize(("counts", "codes"), [
    (_counts(), set()),
    (_counts(token_requests=6), {"BOL202"}),
    (_counts(token_requests=18), {"BOL202"}),
    (_counts(events=1, iterations=12, elapsed=0, accounts=2, token_requests=12), {"BOL201"}),
    (_counts(events=1, iterations=12, elapsed=0, accounts=2, token_requests=2), set()),
    (_counts(token_requests=1, unrecovered_expired=3), {"BOL206"}),
    (_counts(elapsed=9000, token_requests=6), set()),  # a job every half hour: one token per lifetime
])
def test_runtime_classes(counts: dict[str, Any], codes: set[str]) -> None:
    assert runtime_codes(counts) == codes


def test_counts_between_classes_are_no_verdict() -> None:
    with pytest.raises(NoVerdict):
        runtime_codes(_counts(token_requests=4))


def test_bol_hosts_go_to_loopback_and_nothing_else_leaves() -> None:
    with Harness({"kind": "call"}) as harness:
        target, is_api = harness.route("https://api.bol.com/retailer/orders?page=2")
        assert target == harness.api.base_url + "/retailer/orders?page=2" and is_api
        assert harness.route("https://login.bol.com/token")[0] == harness.tokens.token_url
        for url in ("https://example.com/token", "http://api.bol.com/retailer/orders", "https://api.bol.com.evil.io/"):
            with pytest.raises(ConnectionRefusedError):
                harness.route(url)


def test_controlled_clock_moves_only_when_told() -> None:
    import datetime as dt
    import time

    real_sleep, real_monotonic = time.sleep, time.monotonic
    with Harness({"kind": "call"}) as harness:
        wall, steady, now = time.time(), time.monotonic(), dt.datetime.now(dt.UTC)
        time.sleep(120)  # the apps' own pauses move the clock instead of waiting
        harness.clock.advance(180)
        assert round(time.time() - wall) == 300 and round(time.monotonic() - steady) == 300
        assert round((dt.datetime.now(dt.UTC) - now).total_seconds()) == 300
    assert time.sleep is real_sleep and time.monotonic is real_monotonic
    assert abs(time.time() - now.timestamp()) > 86400  # back on the machine's own clock


def test_loopback_bol_answers_as_bol_does() -> None:
    import httpx
    import requests
    from requests.adapters import HTTPAdapter

    send = HTTPAdapter.send
    with Harness({"kind": "call"}) as harness:
        login = httpx.post("https://login.bol.com/token", auth=(CLIENT_ID, CLIENT_SECRET),
                           data={"grant_type": "client_credentials"}, headers={"Accept": "application/json"})
        assert login.status_code == 200 and login.json()["expires_in"] == 299
        headers = {"Authorization": f"Bearer {login.json()['access_token']}",
                   "Accept": "application/vnd.retailer.v10+json"}
        assert requests.get("https://api.bol.com/retailer/orders", headers=headers).status_code == 200
        harness.clock.advance(300)  # exp is iat + 300, and bol allows one second of skew
        assert requests.get("https://api.bol.com/retailer/orders", headers=headers).status_code == 200
        harness.clock.advance(2)
        expired = requests.get("https://api.bol.com/retailer/orders/1043250001", headers=headers)
        assert expired.status_code == 401 and expired.json()["title"] == "Expired JWT"
        plain = requests.get("https://api.bol.com/retailer/orders", headers={**headers, "Accept": "application/json"})
        assert plain.status_code == 401  # the token is judged first, as bol does
        with pytest.raises(requests.ConnectionError):
            requests.get("https://example.com/")
        with pytest.raises(httpx.ConnectError):
            httpx.get("https://api.bol.com.example.net/retailer/orders")
        report = harness.report()
        assert (report["token_requests"], report["api_calls"], report["expired_calls"]) == (1, 4, 2)
        assert report["unrecovered_expired"] == 2
    assert HTTPAdapter.send is send


def test_a_renewal_must_come_before_the_next_call() -> None:
    class Call:
        def __init__(self, seq: int) -> None:
            self.request = type("R", (), {"seq": seq})()

    calls = [Call(1), Call(3), Call(5)]
    assert _renewed_after(1, [2], calls) and not _renewed_after(3, [2, 6], calls) and _renewed_after(5, [6], calls)
    assert mask("Bearer eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl").startswith("Bearer eyJh…")
