"""``bolaudit check``: run the pipeline, apply the baseline, render the report, pick the exit code."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from bolaudit.config import Config
from bolaudit.findings import ProblemKind

# Problems that mean the audit itself failed (exit 2), not just that a file was skipped.
FATAL = (ProblemKind.CONFIG, ProblemKind.INTERNAL)


@dataclass(frozen=True)
class Outcome:
    stdout: str
    stderr: str
    exit_code: int


def run(
    paths: Sequence[Path],
    config: Config,
    *,
    fmt: str = "text",
    baseline: Path | None = None,
    write_baseline: Path | None = None,
    statistics: bool = False,
    color: bool = False,
) -> Outcome:
    from bolaudit import engine
    from bolaudit.baseline import BaselineError, load_baseline
    from bolaudit.baseline import write_baseline as write
    from bolaudit.report import Report, render
    from bolaudit.report.text import render_problems
    from bolaudit.rule import rule_infos
    from bolaudit.suppress import Suppressed, SuppressionKind

    result = engine.run(paths, config)
    findings = list(result.findings)
    suppressed = list(result.suppressed)
    notes: list[str] = []
    unmatched = 0
    if baseline is not None:
        try:
            accepted = load_baseline(baseline)
        except BaselineError as exc:
            return Outcome("", f"bolaudit: {exc}\n", 2)
        findings, hidden = accepted.split(findings)
        suppressed.extend(Suppressed(f, SuppressionKind.EXTERNAL, "baseline") for f in hidden)
        unmatched = sum(e.count for e in accepted.unmatched(result.findings))
    if write_baseline is not None:
        try:
            write(write_baseline, findings)
        except (OSError, BaselineError) as exc:
            return Outcome("", f"bolaudit: cannot write the baseline {write_baseline}: {exc}\n", 2)
        notes.append(f"bolaudit: wrote {len(findings)} finding(s) to the baseline {write_baseline}\n")
        findings = []
    infos = rule_infos()
    report = Report(
        findings=tuple(findings),
        root=config.root,
        cwd=Path.cwd(),
        rules={c: i for c, i in infos.items() if config.rule_enabled(c)},
        problems=tuple(result.problems),
        suppressed=tuple(suppressed),
        unused_suppressions=tuple(result.unused_suppressions),
        baseline_unmatched=unmatched,
        statistics=statistics,
    )
    stdout = render(report, fmt, color=color)
    stderr = render_problems(report, color=color) + "".join(notes)
    if any(p.kind in FATAL for p in result.problems):
        code = 2
    else:
        code = 1 if findings else 0
    return Outcome(stdout, stderr, code)
