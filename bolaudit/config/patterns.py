"""Gitignore-style patterns (``exclude``, ``per-file-ignores``) matched in one compiled pass.

pathspec tries a spec's patterns one by one in Python, and a spec per pattern costs a compile
each: 2,000 ``per-file-ignores`` entries took a minute over 300 findings. Here every pattern of a
set becomes one alternation of pathspec's own regexes, compiled once, so a path is matched by one
regex search in C. Only a set with a negation (``!pattern``: the last match decides) is left to
pathspec, which alone knows that order. A pattern's meaning is pathspec's either way (the tests
compare both on many patterns and paths).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

# pathspec names a group in each regex (``ps_d``); the same name twice in one regex is an error.
_NAMED_GROUP = re.compile(r"(?<!\\)\(\?P<[A-Za-z_]\w*>")


class PatternSet:
    """Gitignore-style patterns; ``match`` is git's answer: is this relative posix path matched?"""

    def __init__(self, patterns: Sequence[str]) -> None:
        from pathspec import GitIgnoreSpec  # 30 ms to import: only when a pattern is used

        self._spec = GitIgnoreSpec.from_lines(patterns)
        self._regex = _combined(self._spec)

    def match(self, rel_path: str) -> bool:
        if self._regex is None:
            return self._spec.match_file(rel_path)
        from pathspec.util import normalize_file

        return self._regex.match(normalize_file(rel_path)) is not None


def _combined(spec: GitIgnoreSpec) -> re.Pattern[str] | None:
    """One regex matching where any pattern of ``spec`` matches; None when order matters (a
    negation) or a pattern's regex cannot be merged."""
    parts: list[str] = []
    flags: set[int] = set()
    for pattern in spec.patterns:
        if pattern.include is None:
            continue  # a blank line or comment
        regex = getattr(pattern, "regex", None)
        if not pattern.include or regex is None or not isinstance(regex.pattern, str):
            return None
        parts.append(_NAMED_GROUP.sub("(?:", regex.pattern))
        flags.add(regex.flags)
    if not parts:
        return re.compile(r"(?!)")  # matches nothing
    if len(flags) != 1:
        return None
    try:
        return re.compile("|".join(f"(?:{part})" for part in parts), flags.pop())
    except re.error:
        return None


class IgnoreTable:
    """``per-file-ignores``: the codes switched off for a path, one compiled set per code."""

    def __init__(self, entries: Sequence[tuple[str, Sequence[str]]]) -> None:
        by_code: dict[str, list[str]] = {}
        for pattern, codes in entries:
            for code in codes:
                by_code.setdefault(code, []).append(pattern)
        self._sets = [(code, PatternSet(patterns)) for code, patterns in by_code.items()]
        self._seen: dict[str, frozenset[str]] = {}

    def codes_for(self, rel_path: str) -> frozenset[str]:
        found = self._seen.get(rel_path)
        if found is None:
            found = frozenset(code for code, patterns in self._sets if patterns.match(rel_path))
            self._seen[rel_path] = found
        return found


@functools.lru_cache(maxsize=64)
def pattern_set(patterns: tuple[str, ...]) -> PatternSet:
    """The compiled set for these patterns (``Config`` is frozen, so its tuples key the cache)."""
    return PatternSet(patterns)


@functools.lru_cache(maxsize=16)
def ignore_table(entries: tuple[tuple[str, tuple[str, ...]], ...]) -> IgnoreTable:
    return IgnoreTable(entries)
