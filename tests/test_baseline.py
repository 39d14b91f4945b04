"""The baseline: accepted findings stay hidden when lines move, come back when content changes."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from bolaudit.pipeline.baseline import (
    Baseline,
    BaselineEntry,
    BaselineError,
    load_baseline,
    write_baseline,
)
from bolaudit.findings import Finding, Severity, Span, text_hash

SECRET = "d3u2Kx9QmW7pLr4TzB8vN1cY6hJ5gF0sAeNgw"


def finding(
    flagged: str = SECRET, line: int = 3, code: str = "BOL101", path: str = "app/settings.py"
) -> Finding:
    return Finding(
        code=code,
        name="hardcoded-client-secret",
        severity=Severity.ERROR,
        message="client secret d3u2…Ngw in source",
        path=path,
        span=Span(line, 10, line, 50),
        flagged_hash=text_hash(flagged),
    )


def roundtrip(tmp_path: Path, findings: list[Finding]) -> Baseline:
    target = tmp_path / "bolaudit-baseline.json"
    write_baseline(target, findings)
    return load_baseline(target)


def test_baselined_findings_are_hidden(tmp_path: Path) -> None:
    accepted = [finding(), finding("other", code="BOL102", path="b.py")]
    kept, hidden = roundtrip(tmp_path, accepted).split(accepted)
    assert kept == []
    assert sorted(hidden, key=Finding.sort_key) == sorted(accepted, key=Finding.sort_key)


def test_line_moves_do_not_revive_a_finding(tmp_path: Path) -> None:
    base = roundtrip(tmp_path, [finding(line=3)])
    kept, hidden = base.split([finding(line=40)])
    assert kept == [] and hidden == [finding(line=40)]


@pytest.mark.parametrize(
    "changed",
    [
        finding(flagged=SECRET + "x"),  # the flagged text changed (a new secret)
        finding(code="BOL102"),  # another rule
        finding(path="app/other.py"),  # moved to another file
    ],
)
def test_changed_content_is_raised_again(tmp_path: Path, changed: Finding) -> None:
    kept, hidden = roundtrip(tmp_path, [finding()]).split([changed])
    assert kept == [changed] and hidden == []


def test_identical_findings_are_counted(tmp_path: Path) -> None:
    base = roundtrip(tmp_path, [finding(line=3), finding(line=9)])
    assert base.entries == (BaselineEntry("app/settings.py", "BOL101", finding().fingerprint, 2),)
    kept, hidden = base.split([finding(line=5), finding(line=12), finding(line=20)])
    assert len(hidden) == 2
    # Deterministic: the later one in file order is the one raised.
    assert kept == [finding(line=20)]


def test_unmatched_lists_stale_entries_with_their_remaining_count(tmp_path: Path) -> None:
    gone = finding("removed", path="old.py")
    base = roundtrip(tmp_path, [finding(line=1), finding(line=2), gone])
    assert base.unmatched([finding(line=7)]) == [
        BaselineEntry("app/settings.py", "BOL101", finding().fingerprint, 1),
        BaselineEntry("old.py", "BOL101", gone.fingerprint, 1),
    ]
    assert base.unmatched([finding(line=1), finding(line=2), gone]) == []


def test_file_holds_hashes_not_flagged_text_and_is_stable(tmp_path: Path) -> None:
    findings = [finding(path="z.py"), finding("x", code="BOL305", path="a.py"), finding(line=9)]
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    write_baseline(one, findings, tool_version="9.9.9")
    write_baseline(two, list(reversed(findings)), tool_version="9.9.9")
    text = one.read_text(encoding="ascii")
    assert one.read_bytes() == two.read_bytes()  # input order does not matter
    assert SECRET not in text and SECRET[:8] not in text and "d3u2" not in text
    data = json.loads(text)
    assert list(data) == ["about", "baseline_version", "bolaudit_version", "findings"]
    assert data["bolaudit_version"] == "9.9.9"
    keys = ["code", "path", "fingerprint", "count"]
    assert [list(item) for item in data["findings"]] == [keys] * 3
    assert [(i["path"], i["code"]) for i in data["findings"]] == [
        ("a.py", "BOL305"),
        ("app/settings.py", "BOL101"),
        ("z.py", "BOL101"),
    ]
    assert text.endswith("}\n")


def test_write_uses_the_umask_not_a_private_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        target = tmp_path / "baseline.json"
        write_baseline(target, [finding()])
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o644


def _only(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_failed_write_keeps_the_old_baseline_and_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    target = tmp_path / "baseline.json"
    write_baseline(target, [finding()])
    before = target.read_bytes()

    def boom(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, boom)
    with pytest.raises(BaselineError, match="baseline.json.*No space left"):
        write_baseline(target, [finding(), finding("new")])
    assert target.read_bytes() == before
    assert _only(tmp_path) == ["baseline.json"]


def test_failing_serializer_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "baseline.json"

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("serializer crashed")

    monkeypatch.setattr(json, "dumps", broken)
    with pytest.raises(RuntimeError):
        write_baseline(target, [finding()])
    assert _only(tmp_path) == []


def test_interrupted_write_removes_its_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "baseline.json"

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_baseline(target, [finding()])
    assert _only(tmp_path) == []


def test_write_into_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "baseline.json"
    with pytest.raises(BaselineError, match=r"cannot write baseline .*baseline\.json"):
        write_baseline(target, [finding()])


VALID_ENTRY = {"code": "BOL101", "path": "a.py", "fingerprint": "0" * 32, "count": 1}


def doc(**changes: object) -> str:
    base: dict[str, object] = {"baseline_version": 1, "findings": [VALID_ENTRY]}
    base.update(changes)
    return json.dumps(base)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read baseline"),
        (b"", "not valid JSON"),
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
        (b"[]", "expected a JSON object"),
        (doc(baseline_version=2).encode(), "unsupported baseline_version 2"),
        (json.dumps({"findings": []}).encode(), "unsupported baseline_version None"),
        (doc(findings={}).encode(), '"findings" must be a list'),
        (doc(findings=["x"]).encode(), r"findings\[0\] must be an object"),
        (doc(findings=[{**VALID_ENTRY, "code": 101}]).encode(), "string code, path and finger"),
        (doc(findings=[{**VALID_ENTRY, "fingerprint": SECRET}]).encode(), "malformed fingerprint"),
        (doc(findings=[{**VALID_ENTRY, "count": 0}]).encode(), "count of at least 1"),
        (doc(findings=[{**VALID_ENTRY, "count": True}]).encode(), "count of at least 1"),
        (doc(findings=[{**VALID_ENTRY, "count": "2"}]).encode(), "count of at least 1"),
    ],
)
def test_bad_baseline_is_one_clear_error_naming_the_file(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    target = tmp_path / "my-baseline.json"
    if content is not None:
        target.write_bytes(content)
    with pytest.raises(BaselineError, match=message) as error:
        load_baseline(target)
    assert "my-baseline.json" in str(error.value)


def test_hand_merged_duplicate_entries_add_up(tmp_path: Path) -> None:
    target = tmp_path / "baseline.json"
    fp = finding().fingerprint
    entry = {"code": "BOL101", "path": "app/settings.py", "fingerprint": fp, "count": 1}
    target.write_text(json.dumps({"baseline_version": 1, "findings": [entry, entry]}))
    kept, hidden = load_baseline(target).split([finding(line=1), finding(line=2)])
    assert kept == [] and len(hidden) == 2


def test_split_uses_the_fingerprint_not_the_message(tmp_path: Path) -> None:
    reworded = dataclasses.replace(finding(), message="a better message")
    kept, _ = roundtrip(tmp_path, [finding()]).split([reworded])
    assert kept == []
