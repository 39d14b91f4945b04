"""The benchmark's targets (DESIGN.md, Speed) and its table: pure functions over measured rows.

Every target is a ratio between rows of the same corpus in the same run (or an absolute bound
where DESIGN.md gives one), so the verdict does not depend on how fast the machine is. A target
whose rows are missing (a peer not installed, a command that failed) is "n/a", never a pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol


class Measured(Protocol):
    corpus: str
    key: str
    label: str
    command: str
    status: str
    walls: list[float]
    cpus: list[float]
    rss_mb: list[float]

    @property
    def wall(self) -> float | None: ...

    @property
    def cpu(self) -> float | None: ...

    @property
    def peak_mb(self) -> float | None: ...


REALWORLD = ("realworld-bol", "realworld-bol-api", "realworld-bol-api-latest", "realworld-retailer-api")


@dataclass(frozen=True)
class Target:
    corpus: str
    name: str
    measured: str
    limit: str
    verdict: str  # PASS | FAIL | n/a


def targets(rows: Sequence[Measured], heavy_imports: Sequence[str]) -> list[Target]:
    by = {(r.corpus, r.key): r for r in rows}

    def measured(corpus: str, key: str) -> tuple[str, float | None]:
        """A row's wall time; ``parse`` is the faster of the two bare parses (the floor here)."""
        if key == "parse":
            found = [(w, k) for k in ("parse-1", "parse-n") if (w := measured(corpus, k)[1]) is not None]
            return (min(found)[1], min(found)[0]) if found else ("parse", None)
        row = by.get((corpus, key))
        return key, row.wall if row else None

    def wall(corpus: str, key: str) -> float | None:
        return measured(corpus, key)[1]

    out: list[Target] = []

    def ratio(corpus: str, name: str, top: str, bottom: str, limit: float, at_most: bool) -> None:
        (top, a), (bottom, b) = measured(corpus, top), measured(corpus, bottom)
        shown = f"{top} {_s(a)} / {bottom} {_s(b)}"
        if a is None or b is None or b <= 0:
            out.append(Target(corpus, name, shown, _limit(limit, at_most), "n/a"))
            return
        value = a / b
        passed = value <= limit if at_most else value >= limit
        shown += f" = {value:.2f}x" if value >= 1 else f" = {value:.3f}x"
        out.append(Target(corpus, name, shown, _limit(limit, at_most), _verdict(passed)))

    def bound(corpus: str, name: str, value: float | None, limit: float, unit: str) -> None:
        shown = "-" if value is None else f"{value:.2f} {unit}"
        verdict = "n/a" if value is None else _verdict(value < limit)
        out.append(Target(corpus, name, shown, f"< {limit:g} {unit}", verdict))

    ratio("django", "cold within 3x of ruff's security rules", "cold", "ruff", 3.0, True)
    ratio("django", "cold at least 10x faster than a bare LibCST parse", "parse", "cold", 10.0, False)
    ratio("bol-heavy", "cold within 1.5x of a bare LibCST parse", "cold", "parse", 1.5, True)
    for corpus in ("django", "bol-heavy"):
        ratio(corpus, "warm run under 10% of the cold run", "warm", "cold", 0.10, True)
        bound(corpus, "one file (pre-commit), start-up included", wall(corpus, "one-file"), 0.5, "s")
    # Real code (issue 16): the realworld bol clients near the bare parse, and a site-packages
    # tree (no bol, other services' OAuth clients) near ruff, since nearly nothing is parsed.
    for corpus in (*REALWORLD, "generated-clients"):
        ratio(corpus, "cold within 2x of a bare LibCST parse", "cold", "parse", 2.0, True)
        bound(corpus, "one file (pre-commit), start-up included", wall(corpus, "one-file"), 0.5, "s")
    ratio("site-packages", "cold within 5x of ruff's security rules", "cold", "ruff", 5.0, True)
    bound("site-packages", "one file (pre-commit), start-up included", wall("site-packages", "one-file"), 0.5, "s")
    cold = by.get(("django", "cold"))
    bound("django", "peak memory of the cold run", cold.peak_mb if cold else None, 500, "MB")
    heavy = ", ".join(heavy_imports)
    out.append(Target(
        "-", "`bolaudit --version` imports neither libcst nor detect-secrets",
        f"imports {heavy}" if heavy else "imports neither", "none", _verdict(not heavy_imports),
    ))
    return [t for t in out if t.corpus == "-" or any(r.corpus == t.corpus for r in rows)]


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def _limit(limit: float, at_most: bool) -> str:
    return f"{'<=' if at_most else '>='} {limit:g}x"


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def row_json(row: Measured) -> dict[str, Any]:
    return {
        "corpus": row.corpus, "key": row.key, "label": row.label, "command": row.command,
        "status": row.status, "runs": len(row.walls), "wall_s": _round(row.wall), "cpu_s": _round(row.cpu),
        "peak_mb": _round(row.peak_mb, 1), "walls_s": [round(w, 3) for w in row.walls],
    }


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def render(document: dict[str, Any], rows: Sequence[Measured], targets_: Sequence[Target]) -> str:
    m = document["machine"]
    lines = [
        f"bolaudit benchmark, {document['date']}, {document['runs']} run(s) per command"
        + (" (--quick)" if document["quick"] else ""),
        f"machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, Python {m['python']}, {m['os']}",
        "versions: " + ", ".join(f"{k} {v}" for k, v in document["versions"].items()),
    ]
    header = ("command", "runs", "wall s", "CPU s", "peak MB", "x cold")
    widths = (52, 4, 8, 8, 8, 7)
    sections: list[tuple[str, str]] = [("-", "start-up")]
    sections += [(c["name"], f"{c['name']}: {c['description']}; {c['files']:,} files, "
                  f"{c['python_files']:,} Python files, {c['python_lines']:,} lines of Python; FILE is {c['one_file']}")
                 for c in document["corpora"]]
    for corpus, title in sections:
        lines += ["", title, _line(header, widths)]
        cold = next((r.wall for r in rows if r.corpus == corpus and r.key == "cold"), None)
        for r in (r for r in rows if r.corpus == corpus):
            if r.status != "ok":
                lines.append(_line((r.label, "", r.status), (52, 4, 0)))
                continue
            relative = "" if cold is None or r.wall is None else f"{r.wall / cold:.2f}"
            cells = (r.label, str(len(r.walls)), _num(r.wall), _num(r.cpu), _num(r.peak_mb, 0), relative)
            lines.append(_line(cells, widths))
    lines += ["", "targets"]
    for t in targets_:
        lines.append(f"  {t.verdict:<4}  {t.corpus:<24}  {t.name:<58}  {t.measured}  (limit {t.limit})")
    return "\n".join(lines)


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    out = []
    for i, (cell, width) in enumerate(zip(cells, widths)):
        out.append(cell.ljust(width) if i == 0 else cell.rjust(width) if width else cell)
    return "  " + "  ".join(out).rstrip()

