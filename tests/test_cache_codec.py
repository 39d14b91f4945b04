"""The JSON codec of the cache and the whole-run record: what bolaudit writes comes back equal, and
whatever else is read (a crafted or foreign entry) is refused or, when it fits the schema, cannot
crash the project stage."""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path
from typing import Any

import pytest

from bolaudit.project import Project
from bolaudit.pipeline.cache import _codec as results_codec
from bolaudit.config import Config
from bolaudit.pipeline.filestage import FileJob, FileResult, analyze
from bolaudit.findings import Finding, Span
from bolaudit.pipeline.freshness import Snapshot
from bolaudit.pipeline.jsoncodec import Codec, SchemaError
from bolaudit.pipeline.lastrun import LastRun
from bolaudit.pipeline.lastrun import _codec as record_codec
from bolaudit.rulebase import ProjectRule, all_rules
from bolaudit.tokens.grants import needs

FIXTURES = Path(__file__).parent / "fixtures"
TREES = [FIXTURES / "scopes" / "webshop", FIXTURES / "integrations" / "shopsync", FIXTURES / "leaky",
         Path(__file__).parents[1] / "examples" / "shop-sync"]


def results_of(root: Path) -> dict[str, FileResult]:
    """The per-file stage's result for every file of a fixture tree."""
    out = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        kind = "python" if rel.endswith(".py") else "notebook" if rel.endswith(".ipynb") else "text"
        module = rel[:-3].replace("/", ".").removesuffix(".__init__") if kind == "python" else ""
        out[rel] = analyze(FileJob(str(path), rel, kind, module, rel.endswith("__init__.py"), path.read_bytes()))
    return out


@pytest.fixture(scope="module")
def webshop() -> dict[str, FileResult]:
    return results_of(TREES[0])


def stored(value: object, codec: Codec) -> Any:
    """``value`` as it is on disk, parsed back into JSON values."""
    text = codec.dumps(value)
    assert text.isascii() and "\n" not in text  # one line of ASCII: entries are lines of a file
    return json.loads(text)


@pytest.mark.parametrize("root", TREES, ids=lambda p: p.name)
def test_every_result_comes_back_equal(root: Path) -> None:
    codec = results_codec()
    results = results_of(root)
    assert results and any(r.facts.calls or r.facts.sightings for r in results.values())
    for rel, result in results.items():
        assert codec.decode(FileResult, stored(result, codec)) == result, rel


FIXABLE = """import requests


def orders(token):
    return requests.get("https://api.bol.com/retailer/orders",
                        headers={"Authorization": f"Bearer {token}"})
"""


def test_a_record_comes_back_equal(tmp_path: Path) -> None:
    from bolaudit.pipeline.engine import run

    (tmp_path / "bol.py").write_text(FIXABLE)
    ran = [run([root], Config(root=root, jobs=1, use_cache=False)) for root in [*TREES, tmp_path]]
    findings = tuple(f for r in ran for f in r.findings)
    assert {"BOL101", "BOL303"} <= {f.code for f in findings} and any(f.fix for f in findings)
    snapshot = Snapshot.of([("/p/a.py", 12, 1_700_000_000_123_456_789), ("/p/gone", -1, 0)])
    record = LastRun("k" * 64, snapshot, findings, tuple(p for r in ran for p in r.problems),
                     tuple(s for r in ran for s in r.suppressed), tuple(u for r in ran for u in r.unused_suppressions),
                     ("a.py",), ("c" * 64,), 3)
    assert record_codec().decode(LastRun, stored(record, record_codec())) == record


def test_values_the_json_module_could_confuse_come_back_with_their_type() -> None:
    from bolaudit.facts import CallExpr, Const, Guard, ModuleFacts

    odd = "caf\u00e9 \udcff \x1b[31m\u2028 \0"  # non-ASCII, a lone surrogate (a non-UTF-8 name), escapes
    facts = ModuleFacts(odd, "m", constants=(
        ("a", Const(1)), ("b", Const(1.0)), ("c", Const(True)), ("d", Const(None)), ("e", Const(float("inf"))),
        ("f", Const(odd)), ("g", CallExpr(Const(2**62), (), ())),
    ))
    result = FileResult(facts)
    back = results_codec().decode(FileResult, stored(result, results_codec()))
    assert back == result
    assert [type(v.value) for _, v in back.facts.constants[:5]] == [int, float, bool, type(None), float]  # type: ignore[union-attr]
    guard = dataclasses.replace(Guard("if"), margin=30)  # an int where a float is declared is a number
    assert results_codec().decode(Guard, [*json.loads(results_codec().dumps(guard))]) == guard


SPAN = [3, 5, 3, 22]


def _finding(**change: Any) -> list[Any]:
    value = {"code": "BOL101", "name": "hardcoded-client-secret", "severity": "error", "message": "m",
             "path": "a.py", "span": SPAN, "flagged_hash": "h", "fix": None, "properties": [["masked", "Xq7!…Q3?"]]}
    value.update(change)
    return list(value.values())


@pytest.mark.parametrize(("value", "why"), [
    (_finding(), None),  # the control: this one fits
    (_finding(span=["3", 5, 3, 22]), "a string where an int is declared"),
    (_finding(span=[True, 5, 3, 22]), "a bool is not an int"),
    (_finding(span=[3.0, 5, 3, 22]), "a float is not an int"),
    (_finding(span=[0, 5, 3, 22]), "lines count from 1"),
    (_finding(span=[4, 5, 3, 22]), "a span that ends before it starts"),
    (_finding(span=[3, 5, 3]), "a field missing"),
    (_finding(span=[3, 5, 3, 22, 1]), "a field too many"),
    (_finding(span={"line": 3}), "an object, not an array"),
    (_finding(severity="critical"), "no such Severity"),
    (_finding(severity=["error"]), "an unhashable enum value"),
    (_finding(code=None), "None where a str is declared"),
    (_finding(message=float("nan")), "NaN where a str is declared"),
    (_finding(properties=[["masked"]]), "a pair of one"),
    (_finding(properties=[["masked", 1]]), "an int in a pair of strings"),
    (_finding(fix=["Fix", "d", SPAN, "x"]), "a tag on a class that is in no union"),
    (_finding(fix=["d", SPAN]), "a Fix missing its replacement"),
    (_finding()[:-1], "a Finding missing a field"),
    ("Finding", "a string, not an array"),
])
def test_a_finding_that_does_not_fit_is_refused(value: Any, why: str | None) -> None:
    codec = record_codec()
    if why is None:
        assert isinstance(codec.decode(Finding, value), Finding)
        return
    with pytest.raises(SchemaError):
        codec.decode(Finding, value)


def test_only_classes_of_the_schema_are_built(webshop: dict[str, FileResult]) -> None:
    """An ``Expr`` slot names its class by a tag: only the members of the union are accepted,
    never another class of the schema (a ``Finding``), a class outside it, or a dotted name."""
    codec = results_codec()
    call = next(c for r in webshop.values() for c in r.facts.calls)
    good = stored(call, codec)
    assert good[2][0] in {"Name", "Attr"}  # the callee, an Expr
    for tag in ["Finding", "FileJob", "os.system", "subprocess.Popen", "builtins.eval", "", None, 1]:
        bad = [*good[:2], [tag, *good[2][1:]], *good[3:]]
        with pytest.raises(SchemaError):
            codec.decode(type(call), bad)


def test_deep_nesting_is_refused_not_a_crash() -> None:
    codec = results_codec()
    from bolaudit.facts import Concat

    value: Any = ["Const", "x"]
    for _ in range(100_000):
        value = ["Concat", [value]]
    with pytest.raises(SchemaError):
        codec.decode(Concat, value)


def test_bytes_must_be_base64() -> None:
    codec = record_codec()
    assert codec.decode(Snapshot, ["a", "AQAAAAAAAAA=", "AgAAAAAAAAA="]) == Snapshot("a", b"\1" + b"\0" * 7, b"\2" + b"\0" * 7)
    with pytest.raises(SchemaError):
        codec.decode(Snapshot, ["a", "not base64!", ""])


def test_a_value_outside_the_schema_is_not_written() -> None:
    codec = results_codec()
    job = FileJob("/a.py", "a.py", "python", "a", False, b"x = 1\n")
    with pytest.raises(TypeError):
        codec.dumps(job)
    with pytest.raises(TypeError):
        codec.dumps([Span(1, 1, 1, 1), object()])


def test_annotations_without_a_json_form_are_refused_when_the_codec_is_made() -> None:
    @dataclasses.dataclass(frozen=True)
    class Listed:
        items: list[int]

    @dataclasses.dataclass(frozen=True)
    class Ambiguous:
        value: tuple[int, ...] | Span | Finding

    for cls in (Listed, Ambiguous):
        with pytest.raises(TypeError):
            Codec(cls)


# -- a crafted entry that fits the schema cannot crash the project stage --------------------------

TAGS = ["Const", "Name", "Param", "LoopVar", "Attr", "Subscript", "Concat", "Format", "Join", "Seq",
        "UrlJoin", "DictExpr", "EnvVar", "Choice", "CallExpr", "Unknown"]
WORDS = ["", "x", "self", "cls", "a.b", "bolaudit:or", "*", "**", "..", "/", "webshop.bol.client",
         "self.session", "https://api.bol.com/retailer/orders", "GET", "Accept", "requests", "get"]


def mutated(value: Any, rng: random.Random, rate: float) -> Any:
    """``value`` (stored JSON) with some ints, strings, tags and list lengths changed."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return rng.choice([value + 1, -1, 0, 999, -5, 2**40]) if rng.random() < rate else value
    if isinstance(value, str):
        if rng.random() >= rate:
            return value
        return rng.choice(TAGS) if value in TAGS else rng.choice(WORDS)
    if isinstance(value, list):
        items = [mutated(v, rng, rate) for v in value]
        if items and not isinstance(items[0], (str, int)) and rng.random() < rate:
            items.append(items[0] if rng.random() < 0.5 else items[-1])
        if len(items) > 1 and not isinstance(items[0], (str, int)) and rng.random() < rate:
            items.pop(rng.randrange(len(items)))
        return items
    return value


def test_crafted_entries_that_fit_the_schema_do_not_crash_the_project_stage(webshop: dict[str, FileResult]) -> None:
    """As the cache reads them: each entry on its own, a refused one is dropped (its file would
    be analysed again), the others go to the project stage, the rules and ``scopes``."""
    codec = results_codec()
    on_disk = {rel: stored(result, codec) for rel, result in webshop.items()}
    config = Config(root=TREES[0])
    rng = random.Random(11)
    crafted = 0
    for _ in range(150):
        facts = {}
        for rel, value in on_disk.items():
            changed = mutated(value, rng, 0.004)
            try:
                facts[rel] = codec.decode(FileResult, changed).facts
            except SchemaError:
                continue
            crafted += changed != value
        project = Project(facts, config)  # no exception here, nor below
        for rule in all_rules():
            if issubclass(rule, ProjectRule):
                list(rule().check(project))
        needs(project.requests, project.catalog, [])
    assert crafted >= 100  # the schema let enough crafted entries through for this to test anything
