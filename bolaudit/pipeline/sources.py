"""Which files an audit reads, and reading them: the only place bolaudit touches the tree.

``discover`` turns the command line's paths into ``SourceFile``s: explicit files are taken as
given (pre-commit passes file names), folders are listed git-aware (``listing``), and what the
configs exclude (``exclusion``), a binary-extension list and the size cap cut the list down. ``read_bytes`` reads a
file once; ``decode`` turns those bytes into text (``decoding``, ``notebooks``), so the engine can
look at the bytes cheaply before deciding to decode. Nothing here raises because of what is on
disk: broken symlinks, unreadable, vanished, binary and huge files become ``Problem``s, and
undecodable sources become ``DecodeFailure``s for BOL000.
"""

from __future__ import annotations

import dataclasses
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from bolaudit.config import Config, Layer
from bolaudit.extract.decoding import Decoded, DecodeFailure, decode_python, decode_text
from bolaudit.findings import Problem, ProblemKind
from bolaudit.pipeline.listing import GitTimeout, ancestors_ignores, git_files, git_toplevel, walk
from bolaudit.bounded.files import NotRegular, TooLarge, is_within, read_head, read_regular
from bolaudit.records import record

if TYPE_CHECKING:
    from bolaudit.pipeline.exclusion import Exclusions, Scope
    from bolaudit.pipeline.freshness import Watch

__all__ = [
    "Decoded",
    "DecodeFailure",
    "Kind",
    "SourceFile",
    "decode",
    "decode_for",
    "discover",
    "gather",
    "read_bytes",
    "read_source",
]

Kind = Literal["python", "notebook", "text"]

PYTHON_SUFFIXES = frozenset({".py", ".pyi", ".pyw"})
# Never text worth a secret scan, and often large: skipped silently, before any read.
BINARY_SUFFIXES = frozenset(
    ".png .jpg .jpeg .gif .bmp .ico .icns .webp .tif .tiff .psd .heic .avif "
    ".zip .gz .tgz .bz2 .xz .7z .rar .tar .zst .lz4 .jar .war .whl .egg .deb .rpm .dmg .iso "
    ".ttf .otf .woff .woff2 .eot "
    ".pyc .pyo .pyd .so .dll .dylib .exe .o .a .lib .obj .class .wasm .bin "
    ".pdf .doc .docx .xls .xlsx .ppt .pptx .odt .ods .odp "
    ".mp3 .mp4 .wav .ogg .flac .avi .mov .mkv .webm "
    ".db .sqlite .sqlite3 .pkl .pickle .npy .npz .parquet .feather .h5 .hdf5 .onnx .pt .pth "
    ".safetensors .mo .shp .shx .dbf".split()
)


@record(slots=True)
class SourceFile:
    """A file to audit. ``rel`` is what reports show: posix, relative to ``Config.root`` (for
    files outside it, relative to the current folder, or absolute)."""

    path: Path
    rel: str
    kind: Kind
    size: int
    # The content when it was not read from ``path`` (standard input, ``--stdin-filename``).
    data: bytes | None = field(default=None, repr=False, compare=False)


@record
class _Candidate:
    path: Path  # real folder + file name: a file symlink itself is not resolved
    rel: str
    in_root: bool
    from_git: bool = False
    excluded: bool = False
    # The project (or git work tree) a listed file was found in; a symlink out of it is not read.
    top: Path | None = None


def discover(
    paths: Sequence[Path], config: Config, watch: Watch | None = None
) -> tuple[list[SourceFile], list[Problem]]:
    """The files to audit under ``paths`` (default: the current folder), sorted by ``rel``.
    ``watch`` gathers the paths the answer depends on (``freshness``)."""
    files, problems, _ = gather(paths, config, watch)
    return files, problems


def gather(
    paths: Sequence[Path], config: Config, watch: Watch | None = None,
    stdin: tuple[Path, bytes] | None = None,
) -> tuple[list[SourceFile], list[Problem], Config]:
    """``discover``, and the config with the layers that judge the files found (the nearest
    config above each, ``Config.nested``). ``stdin``: a file's name and content from standard
    input, audited as that file (judged by its config; ``--force-exclude`` may leave it out)."""
    from bolaudit.pipeline.exclusion import Exclusions

    rules = Exclusions(config)
    problems: list[Problem] = []
    candidates: list[_Candidate] = []
    folders: list[Path] = []
    given: list[SourceFile] = []
    broken: set[Path] = set()
    real: dict[str, str] = {}  # folder -> its real path: named files share folders
    if stdin is not None:
        path = _real_parent(Path(os.path.abspath(stdin[0])), real)
        if not rules.named_excluded(path) and not _broken(rules.layer_of(path.parent), config, broken, problems):
            kind = _kind_of(path.suffix.lower(), stdin[1][:128])
            given.append(SourceFile(path, _relative(path, config.root)[0], kind, len(stdin[1]), stdin[1]))
    for raw in paths or ([] if stdin is not None else [Path(".")]):
        path = _real_parent(Path(os.path.abspath(raw)), real)
        if watch is not None:
            watch.file(path)
        try:
            mode = path.stat().st_mode
        except OSError as error:
            problems.append(_unreadable(path, config, error))
            continue
        if rules.named_excluded(path):
            continue
        if stat.S_ISDIR(mode):
            folders.append(path.resolve())
        else:
            candidates.append(_candidate(path, config))
    candidates.extend(_listed(folders, config, problems, watch, rules))
    sources: dict[str, SourceFile] = {f.rel: f for f in given}
    for candidate in candidates:
        if candidate.rel in sources or candidate.excluded or _binary(candidate):
            continue
        if _broken(rules.layer_of(candidate.path.parent), config, broken, problems):
            continue
        if watch is not None:
            watch.file(candidate.path)
        found = _source(candidate, config)
        if isinstance(found, SourceFile):
            sources[found.rel] = found
        elif found is not None:
            problems.append(found)
    if watch is not None:
        watch.paths += rules.watched()
    problems.sort(key=lambda problem: problem.path)
    if config.nested:
        config = dataclasses.replace(config, layers=rules.layers())
    return sorted(sources.values(), key=lambda source: source.rel), problems, config


def _broken(layer: Layer, config: Config, seen: set[Path], problems: list[Problem]) -> bool:
    """Whether the file's config cannot be read: its files are not audited (one problem each)."""
    if not layer.error:
        return False
    if layer.config_file is not None and layer.config_file not in seen:
        seen.add(layer.config_file)
        problems.append(Problem(ProblemKind.CONFIG, _relative(layer.config_file, config.root)[0],
                                f"{layer.error}; the files it configures were not audited"))
    return True


def _listed(
    folders: list[Path], config: Config, problems: list[Problem], watch: Watch | None, rules: Exclusions
) -> list[_Candidate]:
    """Files of the folders: one ``git ls-files`` per repository, a walk elsewhere."""
    by_top: dict[Path | None, list[Path]] = {}
    for folder in folders:
        by_top.setdefault(git_toplevel(folder), []).append(folder)
    found: list[_Candidate] = []
    for top, group in by_top.items():
        try:
            listed = git_files(top, group, config.cache_path) if top is not None else None
        except GitTimeout as slow:
            listed = None
            problems.append(Problem(ProblemKind.UNREADABLE, _relative(top or group[0], config.root)[0], str(slow)))
        if listed is not None:
            named = sorted(group, key=lambda folder: len(folder.parts), reverse=True)
            for path in listed:  # judged under the nearest folder named that holds it
                scope = rules.scope(next((f for f in named if is_within(path, f)), group[0]))
                found.append(_candidate(path, config, from_git=True, excluded=scope.excluded(path, False), top=top))
            if watch is not None and top is not None:
                for folder in group:
                    watch.listed_folder(folder, top, config.cache_path, git=True)
            continue
        for folder in group:
            if watch is not None:
                watch.listed_folder(folder, config.root, config.cache_path, git=False)
            walked = walk(folder, ancestors_ignores(config.root, folder), _pruner(config, rules.scope(folder)))
            inside = config.root if folder.is_relative_to(config.root) else folder
            found.extend(_candidate(path, config, top=inside) for path in walked.files)
            for path, message in walked.errors:
                rel, _ = _relative(path, config.root)
                message = f"unreadable: {message.lower()}"
                problems.append(Problem(ProblemKind.UNREADABLE, rel, message))
    return found


def _pruner(config: Config, scope: Scope) -> Callable[[Path, bool], bool]:
    """What the walk leaves out: the cache folder and what the configs exclude."""
    cache = config.cache_path

    def prune(path: Path, is_dir: bool) -> bool:
        if is_dir and path == cache:
            return True
        return scope.excluded(path, is_dir)

    return prune


def _binary(candidate: _Candidate) -> bool:
    """Skipped silently: binary by name."""
    return candidate.path.suffix.lower() in BINARY_SUFFIXES


def _source(candidate: _Candidate, config: Config) -> SourceFile | Problem | None:
    path, rel = candidate.path, candidate.rel
    try:
        # One lstat: for all but symlinks it is the stat.
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            if candidate.top is not None and _leaves(path, candidate.top):
                # A committed link to the CI machine's files (~/.config, /proc/self/environ): their
                # content is not the repository's, and a report or code scanning upload must not
                # carry it.
                return Problem(ProblemKind.UNREADABLE, rel, "skipped: a symlink that leads outside the project")
            info = path.stat()
    except FileNotFoundError:
        if os.path.islink(path):
            return Problem(ProblemKind.UNREADABLE, rel, "unreadable: broken symlink")
        if candidate.from_git:
            return None  # tracked but deleted in the work tree
        return Problem(ProblemKind.UNREADABLE, rel, "unreadable: the file vanished")
    except OSError as error:
        return Problem(ProblemKind.UNREADABLE, rel, f"unreadable: {_reason(error)}")
    if stat.S_ISDIR(info.st_mode):
        return None  # a symlink to a folder, or a submodule: not followed
    if not stat.S_ISREG(info.st_mode):
        return Problem(ProblemKind.UNREADABLE, rel, "skipped: not a regular file")
    if info.st_size > config.max_file_size:
        return _too_large(rel, info.st_size, config.max_file_size)
    if not os.access(path, os.R_OK):
        return Problem(ProblemKind.UNREADABLE, rel, "unreadable: permission denied")
    kind = _kind(path)
    if isinstance(kind, OSError):
        return Problem(ProblemKind.UNREADABLE, rel, f"unreadable: {_reason(kind)}")
    return SourceFile(path, rel, kind, info.st_size)


def _leaves(path: Path, top: Path) -> bool:
    """Whether the symlink ``path`` has its target outside ``top`` (a real folder)."""
    real, base = os.path.realpath(path), str(top)
    return not (real == base or real.startswith(base.rstrip(os.sep) + os.sep))


def _kind(path: Path) -> Kind | OSError:
    """By suffix; an extensionless file (a script, ``.env``) is Python if its shebang says so."""
    suffix = path.suffix.lower()
    if suffix in PYTHON_SUFFIXES or suffix == ".ipynb" or suffix:
        return _kind_of(suffix, b"")
    try:
        return _kind_of(suffix, read_head(path, 128))
    except OSError as error:
        return error


def _kind_of(suffix: str, head: bytes) -> Kind:
    if suffix in PYTHON_SUFFIXES:
        return "python"
    if suffix == ".ipynb":
        return "notebook"
    first_line = head.split(b"\n", 1)[0]
    return "python" if not suffix and head.startswith(b"#!") and b"python" in first_line else "text"


def read_bytes(file: SourceFile, limit: int | None = None) -> bytes | Problem:
    """The file's bytes, read once; ``limit`` (the size cap) guards a file that grew since."""
    try:
        return read_regular(file.path, limit)
    except FileNotFoundError:
        return Problem(ProblemKind.UNREADABLE, file.rel, "unreadable: the file vanished")
    except TooLarge:
        return _too_large(file.rel, _size_now(file.path), limit or 0)
    except NotRegular as error:
        return Problem(ProblemKind.UNREADABLE, file.rel, f"skipped: {error.strerror}")
    except OSError as error:
        return Problem(ProblemKind.UNREADABLE, file.rel, f"unreadable: {_reason(error)}")


def _size_now(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def decode(file: SourceFile, data: bytes) -> Decoded | DecodeFailure | Problem:
    """Text from bytes by the file's kind.

    Python: PEP 263, else UTF-8, else a ``DecodeFailure``; notebooks: the code cells as one
    virtual module with a ``line_map``; text: anything readable, or a SKIPPED_BINARY problem.
    """
    return decode_for(file.kind, file.rel, data)


def decode_for(kind: str, rel: str, data: bytes) -> Decoded | DecodeFailure | Problem:
    """``decode`` for a worker process that got the kind, path and bytes instead of a file."""
    if kind == "python":
        return decode_python(data)
    if kind == "notebook":
        from bolaudit.extract.notebooks import notebook_module  # tokenize and json: only when needed

        return notebook_module(data)
    text = decode_text(data)
    if text is None:
        message = "skipped: binary file (a null byte in the first 8 KiB)"
        return Problem(ProblemKind.SKIPPED_BINARY, rel, message)
    return text


def read_source(file: SourceFile, limit: int | None = None) -> Decoded | DecodeFailure | Problem:
    """``read_bytes`` then ``decode``, for callers that need no look at the bytes."""
    data = read_bytes(file, limit)
    return data if isinstance(data, Problem) else decode(file, data)


def _candidate(
    path: Path, config: Config, from_git: bool = False, excluded: bool = False, top: Path | None = None
) -> _Candidate:
    rel, in_root = _relative(path, config.root)
    return _Candidate(path, rel, in_root, from_git, excluded, top)


def _relative(path: Path, root: Path) -> tuple[str, bool]:
    """``path`` as reports show it, and whether it lies inside the root."""
    text, base = str(path), str(root)
    if text.startswith(base) and text[len(base) : len(base) + 1] == os.sep:
        # The common case, as a string slice: pathlib's relative_to cost 0.2 s per 17k paths.
        rel = text[len(base) + 1 :]
        return (rel if os.sep == "/" else rel.replace(os.sep, "/")), True
    try:
        return path.relative_to(root).as_posix(), True
    except ValueError:
        pass
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix(), False
    except ValueError:
        return path.as_posix(), False


def _real_parent(path: Path, real: dict[str, str]) -> Path:
    """The path with its folders' symlinks resolved, so it compares with git's and the root's
    real paths; the last component stays, so a symlinked file is reported under its own name.
    ``real`` remembers the folders' real paths for the run."""
    if not path.name:
        return path.resolve()
    folder = os.path.dirname(path)
    found = real.get(folder)
    if found is None:
        found = real[folder] = os.path.realpath(folder)
    return Path(found, path.name)


def _unreadable(path: Path, config: Config, error: OSError) -> Problem:
    rel, _ = _relative(path, config.root)
    if isinstance(error, FileNotFoundError) and os.path.islink(path):
        return Problem(ProblemKind.UNREADABLE, rel, "unreadable: broken symlink")
    return Problem(ProblemKind.UNREADABLE, rel, f"unreadable: {_reason(error)}")


def _reason(error: OSError) -> str:
    return (error.strerror or str(error)).lower()


def _too_large(rel: str, size: int, cap: int) -> Problem:
    message = f"skipped: {_size(size)} is over the {_size(cap)} size cap (max-file-size)"
    return Problem(ProblemKind.SKIPPED_LARGE, rel, message)


def _size(n: int) -> str:
    for unit, factor in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= factor:
            return f"{n / factor:.1f} {unit}"
    return f"{n} bytes"
