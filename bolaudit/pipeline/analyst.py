"""The per-file stage in forked processes, started before this one knows what to analyse.

A run on one named file (pre-commit) spent a fifth of its time importing LibCST and the
extractors (0.15 s), which only the per-file stage needs: the listing, the byte scans that choose
the files and the project stage never touch a syntax tree. An ``Analyst`` is a child forked as
the run starts: it imports the per-file stage while this process reads the named files, finds
the modules they import and chooses among them; once it has, it forks a helper that starts with
those imports, and the two analyse what they are sent, answering one file at a time. Files this
process will ask for, or likely will (``guess``: the named files at once, the files chosen for
analysis and the deferred modules the project stage will likely ask for), are analysed while
they wait; an answer is given from that work when the job asked for is the one guessed. This
process never imports LibCST in such a run.

Where it is not sound or not worth it there is none, and the per-file stage runs as before: off
Linux (``fork``), with another thread running, with one CPU, or when this process has imported
LibCST already (a long-lived process: the imports are what the children save). What goes wrong
with a child costs time, not results: the files a dead child did not answer for are analysed
again (``workers``: one at a time, each in a fresh worker, so a file that crashes a parser is
named as a pool names it, and no file goes back to this process, where a parser's crash would end
the run). This process never blocks writing to a child (a job holds a file's bytes; a pipe holds
64 KB): what a child has not read yet waits here and is written while its answers are read.
The children end when this process closes its ends of the pipes, or are killed.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import sys
from collections import deque
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from bolaudit.pipeline.filestage import FileJob, FileResult

_HEADER = struct.Struct("!Q")  # each message: its length, then its pickle
HELPERS = 1  # children besides the first: a pre-commit run's files, parsed on two CPUs


def worth_starting() -> bool:
    """Only where forking is sound and the children's imports would otherwise be this process's."""
    from bolaudit.pipeline.forked import fork_is_safe

    return "libcst" not in sys.modules and fork_is_safe()


class _Member:
    """This process's side of one child: where to write, where to read, what waits to be written."""

    def __init__(self, pid: int | None, commands: int, answers: int) -> None:
        self.pid = pid  # a helper's is told in its first answer (it is the first child's child)
        self.commands, self.answers = commands, answers
        os.set_blocking(commands, False)
        self.outbox = bytearray()
        self.guessed = 0  # bytes of the jobs it was told to guess
        self.alive = True
        self.closed = False

    def queue(self, message: object) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        self.outbox += _HEADER.pack(len(data)) + data
        self.flush()

    def flush(self) -> None:
        """Write what the pipe takes now."""
        while self.outbox and self.alive:
            try:
                written = os.write(self.commands, self.outbox)
            except BlockingIOError:
                return
            except OSError:  # it is gone
                self.alive = False
                return
            del self.outbox[:written]

    def receive(self) -> Any:
        """The next answer; None when the child is gone or answered nonsense."""
        try:
            return _receive(self.answers)
        except Exception:  # noqa: BLE001 - a message cut short or garbled: as if it died
            return None

    def close(self) -> None:
        self.alive = False
        if self.closed:
            return
        self.closed = True
        for fd in (self.commands, self.answers):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass


class Analyst:
    """Forked children that analyse files (``FileJob``) they are sent; see the module's docstring."""

    def __init__(self, pid: int, members: list[_Member]) -> None:
        self.pid = pid
        self.members = members
        self.assigned: dict[str, _Member] = {}  # a guessed file -> the child that guesses it

    @property
    def alive(self) -> bool:
        return any(m.alive for m in self.members)

    @classmethod
    def start(cls, helpers: int = HELPERS) -> Analyst | None:
        """A new analyst, or None where forking failed."""
        pipes = [(os.pipe(), os.pipe()) for _ in range(1 + helpers)]  # (commands, answers) of each
        try:
            pid = os.fork()
        except OSError:
            for pair in pipes:
                for read_end, write_end in pair:
                    os.close(read_end)
                    os.close(write_end)
            return None
        if pid == 0:  # the first child: serve, then leave without running this process's cleanup
            status = 1
            try:
                signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends it with the run
                for (_, to_child), (from_child, _) in pipes:
                    os.close(to_child)
                    os.close(from_child)
                _lead([(commands, answers) for (commands, _), (_, answers) in pipes])
                status = 0
            finally:
                os._exit(status)
        members = []
        for i, ((from_parent, to_child), (from_child, to_parent)) in enumerate(pipes):
            os.close(from_parent)
            os.close(to_parent)
            members.append(_Member(pid if i == 0 else None, to_child, from_child))
        return cls(pid, members)

    def guess(self, jobs: list[FileJob]) -> None:
        """Files the children analyse while they wait to be asked, each by the child with the
        fewest bytes to guess (what is sent before the helper exists waits for it)."""
        plan: dict[int, list[FileJob]] = {}
        for job in jobs:
            if job.rel in self.assigned:
                continue
            alive = [i for i, m in enumerate(self.members) if m.alive]
            if not alive:
                return
            i = min(alive, key=lambda k: self.members[k].guessed)
            self.members[i].guessed += len(job.data)
            self.assigned[job.rel] = self.members[i]
            plan.setdefault(i, []).append(job)
        for i, part in plan.items():
            self.members[i].queue(("guess", part, False))

    def analyse(self, jobs: list[FileJob], debug: bool,
                told: Callable[[int, int], None]) -> list[FileResult | None]:
        """Each job's result, in order; None for a job a child died before answering (every job,
        when none is left). With ``debug``, re-raises what a bolaudit bug raised in a child."""
        from bolaudit.pipeline.filestage import FileResult

        alive = [m for m in self.members if m.alive]
        results: list[FileResult | None] = [None] * len(jobs)
        if not alive:
            return results
        waiting: dict[_Member, deque[int]] = {}
        load = {m: 0 for m in alive}
        for i, job in enumerate(jobs):
            member = self.assigned.get(job.rel)
            if member is None or not member.alive:
                member = min(alive, key=load.__getitem__)
            load[member] += len(job.data)
            waiting.setdefault(member, deque()).append(i)
        for member, order in waiting.items():
            member.queue(("analyse", [jobs[i] for i in order], debug))
        done = 0
        while waiting:
            for member in [m for m in waiting if not m.alive]:
                del waiting[member]  # its jobs stay None
            if not waiting:
                break
            writing = [m.commands for m in self.members if m.alive and m.outbox]
            readable, writable = _ready([m.answers for m in waiting], writing, None)
            for member in self.members:
                if member.commands in writable:
                    member.flush()
            for member in list(waiting):
                if member.answers not in readable:
                    continue
                answer = member.receive()
                if isinstance(answer, tuple) and answer[:1] == ("hello",) and isinstance(answer[-1], int):
                    member.pid = answer[-1]
                    continue
                if isinstance(answer, tuple) and answer[:1] == ("raise",) and isinstance(answer[-1], Exception):
                    self.close()
                    raise answer[-1]
                if not (isinstance(answer, tuple) and len(answer) == 2 and isinstance(answer[1], FileResult)):
                    member.close()
                    continue
                results[waiting[member].popleft()] = answer[1]
                done += 1
                told(done, len(jobs))
                if not waiting[member]:
                    del waiting[member]
        return results

    def close(self) -> None:
        """End the children (they hold nothing that needs a clean exit) and reap the first."""
        for member in self.members:
            member.close()
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


def _lead(pipes: list[tuple[int, int]]) -> None:
    """The first child: import the per-file stage, fork the helpers (which start with it), serve."""
    from bolaudit.pipeline.filestage import warm

    warm()
    own = pipes[0]
    for commands, answers in pipes[1:]:
        try:
            pid = os.fork()
        except OSError:
            pid = -1
        if pid == 0:
            status = 1
            try:
                for other in pipes:
                    if other != (commands, answers):
                        os.close(other[0])
                        os.close(other[1])
                _send(answers, ("hello", os.getpid()))
                _serve(commands, answers)
                status = 0
            finally:
                os._exit(status)
        os.close(commands)  # its ends are the helper's (or, where it failed, nobody's: EOF)
        os.close(answers)
    _serve(*own)


def _serve(commands: int, answers: int) -> None:
    """A child's loop: analyse what is asked, in order; between requests, the guesses."""
    from bolaudit.findings import ProblemKind
    from bolaudit.pipeline.filestage import safe_analyze

    guesses: deque[FileJob] = deque()
    done: dict[str, tuple[FileJob, FileResult]] = {}  # each file analysed, asked for or guessed
    while True:
        if guesses and not _ready([commands], [], 0)[0]:
            job = guesses.popleft()
            if job.rel not in done:
                done[job.rel] = (job, safe_analyze(job))
            continue
        message = _receive(commands)
        if message is None:
            return
        kind, jobs, debug = message
        if kind == "guess":
            guesses.extend(jobs)
            continue
        for job in jobs:
            known = done.get(job.rel)
            if known is not None and known[0] == job and not (
                debug and any(p.kind is ProblemKind.INTERNAL for p in known[1].problems)
            ):
                result = known[1]
            else:
                try:
                    result = safe_analyze(job, debug)
                except Exception as exc:  # noqa: BLE001 - debug: the parent raises it
                    _send(answers, ("raise", _picklable(exc)))
                    continue
                done[job.rel] = (job, result)
            _send(answers, ("result", result))


def _ready(reading: list[int], writing: list[int], timeout: float | None) -> tuple[set[int], set[int]]:
    """Which of the pipes can be read (or are closed) and written now; waits up to ``timeout``
    seconds (None: until one can). ``poll``, not ``select``: a long-lived process may hold file
    descriptors past ``select``'s 1024."""
    poller = select.poll()
    for fd in reading:
        poller.register(fd, select.POLLIN)
    for fd in writing:
        poller.register(fd, select.POLLOUT | (select.POLLIN if fd in reading else 0))
    readable: set[int] = set()
    writable: set[int] = set()
    for fd, events in poller.poll(None if timeout is None else int(timeout * 1000)):
        if events & (select.POLLIN | select.POLLHUP | select.POLLERR):
            readable.add(fd)
        if events & (select.POLLOUT | select.POLLERR):
            writable.add(fd)
    return readable, writable


def _picklable(exc: Exception) -> Exception:
    """``exc`` if it pickles, else a RuntimeError with its traceback's text."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001 - anything that does not survive the pipe
        import traceback

        return RuntimeError("".join(traceback.format_exception(exc)))


def _send(fd: int, message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _receive(fd: int) -> Any:
    """The next message, or None at the end of the pipe."""
    header = _read(fd, _HEADER.size)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    data = _read(fd, size)
    return None if data is None else pickle.loads(data)


def _read(fd: int, size: int) -> bytes | None:
    chunks: list[bytes] = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)
