"""Which rules run for a file: ``select``/``ignore`` of its config, then the command line's.

The rule codes are an interface (DESIGN.md fixes them), so they are listed here as data: checking a
selector must not import the rule pack (pre-commit start-up). ``tests/test_rules.py`` keeps these
lists equal to the rules that exist.

Resolution follows ruff's: the highest-priority ``select`` starts the chain, later stages adjust it.
Without ``--select`` the chain starts with the config's ``select`` (empty: every rule) and
``ignore``; then the command line's ``--extend-select`` and ``--ignore`` adjust it. ``--select``
starts a new chain and leaves the config's ``select`` and ``ignore`` out. Within one stage the
more specific selector wins (``BOL1`` selected, ``BOL102`` ignored: BOL102 is off), and on a tie
``ignore`` wins.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

# Rules ``bolaudit check`` runs, and rules only ``bolaudit scopes``/``token`` run (a token's grants).
CHECK_CODES = (
    "BOL000",
    "BOL101", "BOL102", "BOL103",
    "BOL201", "BOL202", "BOL203", "BOL204", "BOL205", "BOL206",
    "BOL301", "BOL302", "BOL303", "BOL304", "BOL305", "BOL306",
)
TOKEN_CODES = ("BOL401", "BOL402", "BOL403", "BOL404")

Stage = tuple[Sequence[str], Sequence[str]]  # (selectors that switch on, selectors that switch off)


def enabled(code: str, stages: Sequence[Stage]) -> bool:
    """Whether ``code`` is on after the stages, applied in order; off before the first."""
    on = False
    for selects, ignores in stages:
        chosen = max((len(s) for s in selects if code.startswith(s)), default=-1)
        dropped = max((len(s) for s in ignores if code.startswith(s)), default=-1)
        if dropped >= 0 and dropped >= chosen:
            on = False
        elif chosen >= 0:
            on = True
    return on


def stages(
    select: Sequence[str],
    ignore: Sequence[str],
    cli_select: Sequence[str] | None,
    extend_select: Sequence[str],
    cli_ignore: Sequence[str],
) -> list[Stage]:
    """The chain for one file: its config's ``select``/``ignore``, then the command line's."""
    first: Stage = (cli_select, ()) if cli_select is not None else (select or ("BOL",), ignore)
    return [first, (extend_select, cli_ignore)]


def selector_problem(selector: str) -> str | None:
    """Why ``selector`` selects no rule ``check`` runs, with the close matches; None when it does."""
    if any(code.startswith(selector) for code in CHECK_CODES):
        return None
    token = [code for code in TOKEN_CODES if code.startswith(selector)]
    if token:
        what = f"{selector} is a rule" if token == [selector] else f"{selector} selects {_listed(token)}, rules"
        return (f"{what} `bolaudit check` never runs (rules about a token's grants run in "
                "`bolaudit scopes` and `bolaudit token`)")
    # Suggest selectors of the same length: a code for a code, a family for a family.
    known = sorted({code[:len(selector)] for code in CHECK_CODES if len(selector) > 3})
    close = difflib.get_close_matches(selector, known, n=3, cutoff=0.5)
    hint = f" (did you mean {_listed(close, 'or')}?)" if close else ""
    return f"{selector} matches no rule{hint}; `bolaudit rules` lists them"


def _listed(items: Sequence[str], joiner: str = "and") -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {joiner} " + items[-1]
