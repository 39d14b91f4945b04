"""The forked half-map used to decide which files matter: same answers as a plain map, in order,
whatever happens to the child."""

from __future__ import annotations

import os
import threading

import pytest

from bolaudit.pipeline import forked

BIG = [forked.MIN_BYTES] * 2  # weights that make it fork
needs_fork = pytest.mark.skipif(not forked.fork_is_safe(), reason="forks only on Linux without threads")


def test_small_inputs_are_mapped_here() -> None:
    parent = os.getpid()
    pids = forked.map_in_halves(lambda _: os.getpid(), list(range(10)), [1] * 10)
    assert pids == [parent] * 10


@needs_fork
def test_the_second_half_is_mapped_in_a_child_and_the_order_kept() -> None:
    parent = os.getpid()
    items = list(range(7))
    weights = [forked.MIN_BYTES // 4] * 7
    got = forked.map_in_halves(lambda x: x * 10 + (os.getpid() != parent), items, weights)
    assert [g // 10 for g in got] == items
    assert [g % 10 for g in got] == [0, 0, 0, 0, 1, 1, 1]  # split by weight, child's half marked


@needs_fork
def test_a_child_that_dies_costs_only_time() -> None:
    parent = os.getpid()

    def fn(x: int) -> int:
        if os.getpid() != parent:
            os._exit(3)  # as a crash would: no answer, a bad status
        return x + 1

    assert forked.map_in_halves(fn, [1, 2], BIG) == [2, 3]


@needs_fork
def test_an_exception_in_the_child_is_raised_here_too() -> None:
    def fn(x: int) -> int:
        if x == 2:
            raise ValueError("boom")
        return x

    with pytest.raises(ValueError, match="boom"):
        forked.map_in_halves(fn, [1, 2], BIG)


def test_no_fork_while_other_threads_run() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        parent = os.getpid()
        assert forked.map_in_halves(lambda _: os.getpid(), [1, 2], BIG) == [parent, parent]
    finally:
        stop.set()
        other.join()
