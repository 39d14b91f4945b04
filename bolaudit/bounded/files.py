"""Reading and writing files as a tool run on someone else's repository must.

Reading: only regular files. What a repository can commit (a symlink to ``/dev/zero``, to
``/dev/stdin``, to a FIFO made later) must neither block the run nor fill memory: the path is
stat-ed first (a device is never even opened: opening some has effects), then opened
non-blocking and checked again on the open descriptor, and read up to a limit.

Writing (``--fix``, ``--write-baseline``): the file stays the file the user has. A symlink is
written through (its target changes, the link stays a link); a FIFO, a device, a socket or a
folder is refused, never replaced by a plain file; a file with several hard links is rewritten in
place, so every name keeps seeing it; any other file is replaced atomically (a temporary file
beside it, then a rename), keeping its permission bits and, for root, its owner. ``expected``
refuses to write over content that changed since it was read.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


def is_within(path: Path, top: Path) -> bool:
    """``path.is_relative_to(top)`` for absolute, normalised paths, by their text: pathlib's own
    parses both paths again on every call, and listing a large tree asks this per file and folder."""
    return text_within(os.fspath(path), os.fspath(top))


def text_within(inner: str, outer: str) -> bool:
    """``is_within`` for paths already made text (absolute, normalised)."""
    return inner == outer or inner.startswith(outer if outer.endswith(os.sep) else outer + os.sep)


class NotRegular(OSError):
    """The path is a FIFO, a device, a socket or a folder: not read, not written."""


class TooLarge(OSError):
    """The file is larger than the caller's limit."""


class Changed(OSError):
    """The file's content is not what was read (analysed) before; not written."""


def kind_of(mode: int) -> str:
    """What a non-regular file is, as a message names it."""
    for test, name in (
        (stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symlink"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _not_regular(path: Path | str, mode: int) -> NotRegular:
    return NotRegular(errno.EINVAL, f"not a regular file ({kind_of(mode)})", str(path))


def read_regular(path: Path | str, limit: int | None = None) -> bytes:
    """The bytes of a regular file (following symlinks); ``NotRegular`` for anything else,
    ``TooLarge`` above ``limit`` bytes. Never blocks on a FIFO, never opens a device."""
    data = _read(path, limit, -1 if limit is None else limit + 1)
    if limit is not None and len(data) > limit:  # it grew while being read
        raise TooLarge(errno.EFBIG, f"larger than {limit} bytes", str(path))
    return data


def read_head(path: Path | str, size: int) -> bytes:
    """The first ``size`` bytes of a regular file (a shebang line), as ``read_regular``."""
    return _read(path, None, size)


def _read(path: Path | str, limit: int | None, size: int) -> bytes:
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise _not_regular(path, info.st_mode)
    fd = os.open(path, os.O_RDONLY | _NONBLOCK | _BINARY)
    try:
        info = os.fstat(fd)  # what was opened, should the path have changed since the stat
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(path, info.st_mode)
        if limit is not None and info.st_size > limit:
            raise TooLarge(errno.EFBIG, f"larger than {limit} bytes", str(path))
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(size)
    finally:
        os.close(fd)


def write_regular(
    path: Path, data: bytes, *, expected: bytes | None = None, inside: Path | None = None
) -> Path:
    """Write ``data`` as the content of the file at ``path``; return the file written (a
    symlink's target). ``expected``: the content the caller read; anything else there now is
    ``Changed``. ``inside``: a symlink must not lead out of this folder (a project's own link
    to ``/etc/...`` is not written through)."""
    target = Path(os.path.realpath(path))
    if inside is not None and not target.is_relative_to(os.path.realpath(inside)):
        raise NotRegular(errno.EXDEV, "a symlink to outside the project; not written", str(path))
    try:
        info: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise _not_regular(path, info.st_mode)
    if expected is not None:
        current = read_regular(target) if info is not None else None
        if current is None or _digest(current) != _digest(expected):
            raise Changed(errno.ESTALE, "changed since it was analysed; not written", str(path))
    if info is not None and info.st_nlink > 1:
        _write_in_place(target, data, info)
    else:
        _replace(target, data, info)
    return target


def _digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _write_in_place(target: Path, data: bytes, info: os.stat_result) -> None:
    """Overwrite the file's own inode (hard links keep sharing it). Space is reserved first, so a
    full disk fails before a byte changes."""
    fd = os.open(target, os.O_WRONLY | _NOFOLLOW | _NONBLOCK | _BINARY)
    try:
        now = os.fstat(fd)
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (info.st_dev, info.st_ino):
            raise Changed(errno.ESTALE, "replaced while being written; not written", str(target))
        if hasattr(os, "posix_fallocate") and len(data) > now.st_size:
            try:
                os.posix_fallocate(fd, 0, len(data))
            except OSError as error:
                if error.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
                    raise
        view = memoryview(data)
        offset = 0
        while offset < len(data):
            offset += os.pwrite(fd, view[offset:], offset)
        os.ftruncate(fd, len(data))
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace(target: Path, data: bytes, info: os.stat_result | None) -> None:
    """A temporary file beside ``target``, then a rename over it: all or nothing."""
    temp = target.parent / f".{target.name}.{os.urandom(6).hex()}.bolaudit-tmp"
    # 0o666 and the umask for a new file, like any editor; the old file's bits otherwise.
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY, 0o666)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            if info is not None:
                os.fchmod(out.fileno(), stat.S_IMODE(info.st_mode))
                if hasattr(os, "fchown") and (info.st_uid, info.st_gid) != (os.getuid(), os.getgid()):
                    try:  # root fixing a user's file must not leave it owned by root
                        os.fchown(out.fileno(), info.st_uid, info.st_gid)
                    except OSError:
                        pass
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
