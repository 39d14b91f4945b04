"""``bolaudit check``'s command line: its options, checked, turned into one ``commands.check`` run.

Options follow ruff's habits: ``--ignore``, ``--extend-select`` and ``--exclude`` add to each
file's config, ``--select`` replaces its ``select``/``ignore``; a path named is audited even where
a config excludes it unless ``--force-exclude``; ``-`` with ``--stdin-filename`` audits standard
input as that file. A selector that selects no rule ``check`` runs, and a path that does not
exist, are usage errors (exit 2), never a clean run.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from bolaudit.bounded.limits import MAX_JOBS, MAX_TIMEOUT, MIN_TIMEOUT
from bolaudit.cli.common import Seconds, color, emit, encoded, load, require_paths, split_codes

CHECK_FORMATS = ("text", "json", "sarif", "github", "gitlab", "markdown")
EXIT_CODES = """\b
Exit codes:
  0  no findings (or --exit-zero); with --show-files, always
  1  findings; with --diff, something to fix
  2  a usage or configuration error, a path that does not exist or cannot
     be read, or a bolaudit bug (the report names it)
"""


@click.command(epilog=EXIT_CODES)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(CHECK_FORMATS), default="text", show_default=True,
              help="text, json, sarif (code scanning), github (annotations), gitlab (Code Quality), markdown (a PR comment or step summary).")
@click.option("--select", multiple=True, metavar="CODES", help="Only these rules: codes or prefixes (BOL1, BOL301), comma-separated or repeated. Replaces each config's select and ignore.")
@click.option("--extend-select", multiple=True, metavar="CODES", help="These rules too, on top of each config's select.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Not these rules, on top of each config's ignore.")
@click.option("--exclude", multiple=True, metavar="PATTERN", help="Skip paths matching this gitignore-style pattern (relative to the repository's top), on top of each config's exclude.")
@click.option("--force-exclude", is_flag=True, help="Exclude paths named on the command line too when a config or --exclude matches them (the pre-commit hook sets this).")
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False, exists=True), help="Judge every file by this config file alone (no search); its paths are relative to the repository's top.")
@click.option("--stdin-filename", type=click.Path(path_type=Path), metavar="PATH", help="Audit standard input as the file PATH (with '-' as the only path, or no path).")
@click.option("--jobs", "-j", type=click.IntRange(0, MAX_JOBS), help="Worker processes (0: one per CPU; never more than the CPUs available).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write .bolaudit_cache.")
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--baseline", type=click.Path(path_type=Path, dir_okay=False), help="Hide findings accepted in this baseline.")
@click.option("--write-baseline", type=click.Path(path_type=Path, dir_okay=False), help="Accept the current findings into this baseline.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule instead of the findings (text or json).")
@click.option("--quiet", "-q", is_flag=True, help="Print the findings and problems only: no summary, notes or progress.")
@click.option("--output-file", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write the report to this file instead of standard output.")
@click.option("--show-files", is_flag=True, help="List the files that would be audited, each with the config that judges it, and exit.")
@click.option("--fix", is_flag=True, help="Apply the safe fixes (e.g. a missing Accept header) to the files.")
@click.option("--diff", "show_diff", is_flag=True, help="Show the safe fixes as a unified diff; change nothing.")
@click.option("--verify-credentials", is_flag=True, help="Ask bol's token service whether each leaked id/secret pair is live (one token request per pair, at most 10).")
@click.option("--token-url", metavar="URL", help="Token service for --verify-credentials (https; http only to loopback).")
@click.option("--timeout", type=Seconds(MIN_TIMEOUT, MAX_TIMEOUT), help="Seconds each --verify-credentials request may take in all (default 10).")
def check(paths: tuple[Path, ...], fmt: str, select: tuple[str, ...], extend_select: tuple[str, ...],
          ignore: tuple[str, ...], exclude: tuple[str, ...], force_exclude: bool, config_file: Path | None,
          stdin_filename: Path | None, jobs: int | None, no_cache: bool, cache_dir: Path | None,
          baseline: Path | None, write_baseline: Path | None, exit_zero: bool, statistics: bool,
          quiet: bool, output_file: Path | None, show_files: bool, fix: bool, show_diff: bool,
          verify_credentials: bool, token_url: str | None, timeout: float | None) -> None:
    """Run the rules on PATHS (files or folders; default: the current folder)."""
    from bolaudit.commands import check as run_check

    for name, given in (("--token-url", token_url), ("--timeout", timeout)):
        if given is not None and not verify_credentials:
            raise click.UsageError(f"{name} is only used with --verify-credentials")
    if statistics and fmt not in ("text", "json"):
        raise click.UsageError(f"--statistics prints a table (text) or JSON, not --format {fmt}")
    reading_stdin = _stdin_wanted(paths, stdin_filename, fix)
    if not reading_stdin:
        require_paths(paths)
    overrides: dict[str, Any] = {
        "token_url": token_url, "select": split_codes(select) or None,
        "extend_select": split_codes(extend_select), "ignore": split_codes(ignore),
        "exclude": list(exclude), "force_exclude": force_exclude or None, "jobs": jobs,
        "cache_dir": None if cache_dir is None else str(cache_dir), "use_cache": False if no_cache else None,
    }
    named = (stdin_filename,) if reading_stdin and stdin_filename is not None else paths
    config = load(named, config_file, overrides, notices=not quiet)
    if show_files:
        emit(_files_shown(list(paths) or [Path(".")], config), "")
        sys.exit(0)
    stdin = _read_stdin(stdin_filename, config.max_file_size) if reading_stdin and stdin_filename else None
    progress = None
    if not quiet and sys.stderr.isatty():
        from bolaudit.report.progress import Progress

        progress = Progress(sys.stderr)
    try:
        outcome = run_check.run(
            [] if stdin is not None else (list(paths) or [Path(".")]), config, fmt=fmt,
            baseline=baseline, write_baseline=write_baseline, statistics=statistics,
            color=color() and output_file is None, fix=fix, diff=show_diff,
            verify_credentials=verify_credentials, timeout=timeout, quiet=quiet, stdin=stdin,
            progress=progress,
        )
    finally:
        if progress is not None:
            progress.close()
    stdout = outcome.stdout
    if output_file is not None and not _written(output_file, stdout):
        sys.exit(2)
    emit("" if output_file is not None else stdout, outcome.stderr)
    sys.exit(0 if exit_zero and outcome.exit_code == 1 else outcome.exit_code)


def _stdin_wanted(paths: tuple[Path, ...], stdin_filename: Path | None, fix: bool) -> bool:
    """Whether standard input is the file to audit (``-``, or ``--stdin-filename`` alone)."""
    dash = [p for p in paths if str(p) == "-"]
    if dash and len(paths) > 1:
        raise click.UsageError("'-' (standard input) must be the only path")
    if dash and stdin_filename is None:
        raise click.UsageError("'-' reads the file from standard input: name it with --stdin-filename PATH "
                               "(its kind, config and the path reported come from that name)")
    if stdin_filename is not None and paths and not dash:
        raise click.UsageError("--stdin-filename names standard input: give '-' or no path")
    wanted = bool(dash) or stdin_filename is not None
    if wanted and fix:
        raise click.UsageError("--fix cannot write back to standard input; --diff shows the fixes")
    return wanted


def _read_stdin(name: Path, cap: int) -> tuple[Path, bytes]:
    data = sys.stdin.buffer.read(cap + 1)
    if len(data) > cap:
        raise click.UsageError(f"standard input is over the {cap} byte size cap (max-file-size)")
    return name, data


def _files_shown(paths: list[Path], config: Any) -> str:
    """``--show-files``: each file that would be audited, and the config judging it."""
    from bolaudit.pipeline import sources
    from bolaudit.report import printable

    files, _, config = sources.gather(paths, config)
    lines = []
    for f in files:
        layer = config.layer_for(f.rel)
        judged = "(defaults)" if layer.config_file is None else _shown_config(layer.config_file, config.root)
        lines.append(f"{printable(f.rel)}  {judged}")
    return "".join(line + "\n" for line in lines)


def _shown_config(path: Path, root: Path) -> str:
    real = Path(os.path.realpath(path))
    return real.relative_to(root).as_posix() if real.is_relative_to(root) else str(path)


def _written(path: Path, text: str) -> bool:
    """Write the report to ``--output-file`` as a file replaced whole (never a FIFO or device)."""
    from bolaudit.bounded.files import write_regular

    try:
        write_regular(path, encoded(text))
    except OSError as error:
        click.echo(f"bolaudit: cannot write {click.format_filename(path)}: {error.strerror or error}", err=True)
        return False
    return True
