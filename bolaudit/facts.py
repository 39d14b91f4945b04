"""Facts: the contract between the per-file stage and the project stage.

The per-file stage (``bolaudit.extract.extractor``) turns one parsed file into a ``ModuleFacts``;
the project stage (``bolaudit.resolve.index``) reads the facts of every file and resolves names
across modules, binds wrapper arguments, and builds the call graph. Facts are plain frozen
dataclasses made only of str/int/bool/None/tuples of them, so they travel between processes (pickled)
and into the cache (as JSON checked against these annotations, ``bolaudit.pipeline.jsoncodec``): a field's
annotation is its schema.

Values in code are kept *symbolically* as ``Expr`` trees (``bolaudit.symbolic``); what cannot be
known is ``Unknown`` with a reason, never a guess.
"""

from __future__ import annotations

from typing import Literal

from bolaudit.findings import Span

from bolaudit.records import record

# The symbolic values facts are made of, re-exported: most readers of facts need both.
from bolaudit.symbolic import (
    Const as Const,
    Name as Name,
    Param as Param,
    LoopVar as LoopVar,
    Attr as Attr,
    Subscript as Subscript,
    Concat as Concat,
    Format as Format,
    Join as Join,
    Seq as Seq,
    UrlJoin as UrlJoin,
    DictExpr as DictExpr,
    EnvVar as EnvVar,
    Choice as Choice,
    CallExpr as CallExpr,
    Unknown as Unknown,
    Expr as Expr,
)

LibraryName = Literal["requests", "httpx", "aiohttp", "urllib", "urllib3", "oauth2", "unknown"]
"""The HTTP client library a call goes through (``bolaudit.clients`` has one adapter each);
``unknown``: a receiver that only looks like a client (``self.session.get(url)``)."""
CallPurpose = Literal["request", "fetch_token", "generated"]
"""``fetch_token``: an OAuth2 session's own token request (``fetch_token(token_url)``)."""
CredentialKind = Literal["client_id", "client_secret"]
SourceKind = Literal["env", "env-file", "compose-env", "compose-alias", "k8s-secret", "gha-secret"]
"""Where a credential comes from without being a literal (``SecretSource``)."""



# --------------------------------------------------------------------------------------------
# Module structure


@record(slots=True)
class Import:
    """``import a.b as c`` -> Import("c", "a.b", None); ``from .x import y as z`` -> Import("z", "pkg.x", "y")."""

    local: str
    module: str
    name: str | None
    span: Span


@record(slots=True)
class ParamSpec:
    name: str
    kind: str  # "positional" (incl. positional-only), "keyword" (keyword-only), "*args", "**kwargs"
    default: Expr | None = None
    annotation: Expr | None = None


@record(slots=True)
class FunctionFact:
    """A function or method. ``qualname`` is ``Class.method``, ``func``, or ``outer.inner``."""

    qualname: str
    cls: str | None
    params: tuple[ParamSpec, ...]
    decorators: tuple[Expr, ...]
    is_async: bool
    span: Span
    returns: tuple[Expr, ...] = ()
    # State the function writes: "self.<attr>", "cls.<attr>", "global:<name>", "item:<expr-text>".
    writes: tuple[str, ...] = ()
    # Names declared ``global`` in the function.
    globals: tuple[str, ...] = ()
    # The return annotation (``-> TokenOut``), if any.
    return_annotation: Expr | None = None


@record(slots=True)
class ClassFact:
    qualname: str
    bases: tuple[Expr, ...]
    # ``X = ...`` in the class body.
    class_attrs: tuple[tuple[str, Expr], ...]
    # ``self.x = ...`` in any method: (attr, value, method qualname). Several entries per attr possible.
    instance_attrs: tuple[tuple[str, Expr, str], ...]
    span: Span
    # ``x: Ann`` or ``x: Ann = ...`` in the class body: (name, annotation, the statement's span);
    # the fields of a dataclass or a pydantic model. A value, if any, is in ``class_attrs`` too.
    annotated: tuple[tuple[str, Expr, Span], ...] = ()


# --------------------------------------------------------------------------------------------
# Control flow around calls


@record(slots=True)
class Guard:
    """A condition a call depends on.

    ``kind``: ``"if"`` (call in the body), ``"else"`` (call in the else branch), ``"early-return"``
    (an earlier ``if cond: return`` in the same function), ``"while"``, ``"except"`` (call inside an
    ``except`` handler; ``status`` holds an HTTP status the handler or its condition compares with,
    e.g. 401), ``"cached"`` (a caching decorator).
    ``reads`` are the state names the condition reads, in the same notation as
    ``FunctionFact.writes`` plus plain local names. ``margin`` is a constant number of seconds
    subtracted from / compared against an expiry in the condition, when there is one.
    """

    kind: str
    reads: tuple[str, ...] = ()
    margin: float | None = None
    status: int | None = None
    # ``except`` only: the exception types the handler catches, as written (``KeyError``,
    # ``requests.HTTPError``); empty for a bare ``except:``.
    catches: tuple[str, ...] = ()
    # A fixed validity in seconds the condition gives a stored time stamp: ``time.monotonic() -
    # fetched_at < 3600``, ``now < fetched + timedelta(hours=1)`` (BOL206 when above the token's life).
    validity: float | None = None
    # Whether the condition reads a clock (``time.time()``, ``datetime.now()``): it checks an age
    # or an expiry, so the token it guards is not kept forever.
    clock: bool = False


@record(slots=True)
class LoopFact:
    """A loop: ``for``, ``async for``, ``while``, a comprehension, ``map(...)`` or ``gather(*gen)``."""

    id: int
    func: str | None
    kind: str
    targets: tuple[str, ...]
    iter: Expr | None
    span: Span
    parent: int | None


@record(slots=True)
class CallFact:
    """A call whose callee is a name or an attribute chain, anywhere in the module.

    ``func`` is the enclosing function's qualname (None at module or class level). ``loops`` are the
    enclosing loops of the same function, outermost first. ``assigned_to`` is the local name the
    result is assigned to, if any. ``kwargs`` uses the key ``"**"`` for a ``**mapping`` spread and
    ``args`` wraps a ``*iterable`` spread as ``Unknown("*args")``.
    """

    id: int
    func: str | None
    callee: Expr
    args: tuple[Expr, ...]
    kwargs: tuple[tuple[str, Expr], ...]
    span: Span
    loops: tuple[int, ...] = ()
    guards: tuple[Guard, ...] = ()
    assigned_to: str | None = None
    awaited: bool = False


@record(slots=True)
class HttpCall:
    """An HTTP request made through a known client library.

    ``library``: ``requests``, ``httpx``, ``aiohttp``, ``urllib``, ``oauth2`` (requests_oauthlib /
    authlib sessions, which fetch and refresh tokens themselves). ``receiver`` is the session or
    client object for method calls (``self.session``, ``client``), None for module functions
    (``requests.get``). ``method`` is upper-case when constant. ``headers``/``params``/``verify``/
    ``auth`` are None when not passed. ``body`` is the keyword carrying a body (``json``, ``data``,
    ``content``, ``files``) or None. ``kwargs_spread`` is the ``**mapping`` passed, if any (its
    contents may add headers). ``call`` is the ``CallFact.id`` of the same call.
    """

    call: int
    func: str | None
    library: LibraryName
    receiver: Expr | None
    method: Expr
    url: Expr
    headers: Expr | None
    params: Expr | None
    body: str | None
    body_value: Expr | None
    verify: Expr | None
    auth: Expr | None
    kwargs_spread: Expr | None
    span: Span
    # "request", or "fetch_token" for OAuth2 sessions' fetch_token/fetch_access_token.
    purpose: CallPurpose = "request"


@record(slots=True)
class SessionFact:
    """A session/client object being constructed: ``requests.Session()``, ``httpx.Client(...)``...

    A session is identified by its constructor call (``call``, a ``CallFact.id`` in the same
    module): wherever the object is stored (``self.session``, a module global, a local, the return
    value of a factory), the stored value is a ``CallExpr`` with that id, so the project stage can
    tie requests and header updates to it. ``library`` as in ``HttpCall``; ``kind`` names the
    constructor (``requests.Session``, ``httpx.Client``, ``httpx.AsyncClient``,
    ``aiohttp.ClientSession``, ``OAuth2Session``...).
    """

    call: int
    func: str | None
    library: LibraryName
    kind: str
    base_url: Expr | None
    headers: Expr | None
    verify: Expr | None
    auth: Expr | None
    span: Span


@record(slots=True)
class HeaderSet:
    """Default headers set on a session after creation.

    ``session.headers.update({...})`` -> ``headers`` is the dict; ``session.headers["Accept"] = v`` ->
    a one-item ``DictExpr``; ``session.headers = {...}`` -> ``replace`` is True.
    ``target`` is the session expression as written (``self.session``, or the ``CallExpr`` of a local
    session's constructor).
    """

    target: Expr
    func: str | None
    headers: Expr
    replace: bool
    span: Span


# --------------------------------------------------------------------------------------------
# Credentials


@record(slots=True)
class CredentialSighting:
    """A bol credential literal in a file (never the value itself).

    ``kind``: ``client_secret``, ``client_id``. ``fingerprint`` is the unsalted SHA-256 of the
    value (safe for high-entropy secrets; joins sightings across files and repositories).
    ``masked`` is what may be shown. ``context`` says how it was recognised (``"keyword client_secret="``,
    ``"default of os.getenv('BOL_CLIENT_SECRET')"``, ``"Basic header"``...). ``pair`` links a
    client id and secret seen together (same Basic header, same ``auth=`` tuple, same call), as a
    shared opaque id within the file; empty when not paired.
    """

    kind: CredentialKind
    fingerprint: str
    masked: str
    span: Span
    context: str
    pair: str = ""
    # For verification (issue: opt-in --verify-credentials) the engine keeps the raw value in
    # memory only, never in facts; see bolaudit.credentials.verify.


@record(slots=True)
class SecretSource:
    """A place where a credential comes from without being a literal.

    ``kind``: ``env`` (code or config reads an environment variable), ``compose-env``,
    ``k8s-secret``, ``gha-secret``, ``env-file``. ``name`` identifies the source (``BOL_CLIENT_SECRET``,
    ``bol-credentials/client-secret``, ``secrets.BOL_SECRET``). ``role`` is ``client_secret`` or
    ``client_id``. ``unit`` names the deployable unit inside the file when the file declares several
    (a compose service, a Kubernetes workload, a workflow job).
    """

    kind: SourceKind
    name: str
    role: CredentialKind
    span: Span
    unit: str = ""


# --------------------------------------------------------------------------------------------
# What the HTTP extractor notes beside the calls, for the request resolution and the rules.


@record(slots=True)
class LiteralFact:
    """A string literal that looks like a URL, a path or a bol media type, where it is written:
    BOL303/304/305 report at the literal even where no request resolves. Query values and
    credential shapes are masked in ``text``."""

    span: Span
    text: str
    # "" where it may be sent; "test" (compared, searched for, replaced in), "message" (logged,
    # printed, raised) or "namespace" (an XML namespace) where it certainly is not: the request
    # rules judge a literal where it goes, not where it stands.
    use: str = ""
    # The module constant the literal is the value of, when ``use`` comes from where that name is
    # read (``NS = "..."`` then only ``nsmap={None: NS}``): another module may import and send it.
    name: str = ""


@record(slots=True)
class Branch:
    """``if method == "GET": requests.get(...)``: the HTTP call ``call`` is only sent when
    parameter ``param`` has one of ``values`` (none of them, when ``negated``; compared
    case-insensitively when ``folded``)."""

    call: int
    param: str
    values: tuple[str, ...]
    negated: bool
    folded: bool


@record(slots=True)
class VerifyOff:
    """``session.verify = False`` in ``func``: TLS checks off for every request on that session,
    which is a local session (``how`` ``call``: its constructor's ``CallFact.id`` in ``call``),
    ``self.<name>`` (``self``) or a module-level ``<name>`` (``name``)."""

    func: str | None
    how: Literal["call", "self", "name"]
    call: int = -1
    name: str = ""


# --------------------------------------------------------------------------------------------
# What deployment files declare (compose, Kubernetes, workflows, env files), for BOL103.


@record(slots=True)
class DeployUnit:
    """A deployable unit a file declares, over ``line``..``end_line`` of ``path``. ``folder`` is the
    root-relative folder whose code it runs (``.`` the root, "" unknown); ``env_files`` the
    ``env_file:`` entries of a compose service (root-relative path, where). ``kind``:
    compose-service, k8s-container, gha-job."""

    path: str
    kind: str
    name: str
    key: str
    line: int
    end_line: int
    folder: str = ""
    env_files: tuple[tuple[str, Span], ...] = ()


@record(slots=True)
class EnvDefine:
    """An env file defines a credential variable: ``name`` holds a ``role`` (line ``line``)."""

    name: str
    role: CredentialKind
    line: int

# ``CallExpr(Name(OR_DEFAULT), (a, b))`` is ``a or b`` where it matters: a parameter's default
# filled in by the function (not a Python name, so it cannot clash with one).
OR_DEFAULT = "bolaudit:or"
# ``CallExpr(Name(IF_ELSE), (test, body, orelse))`` is ``body if test else orelse`` for a test that
# is a plain truth value (``"/{}".format(path) if path else ""``): evaluation picks the branch when
# the test's value is certainly truthy or falsy, and keeps both otherwise.
IF_ELSE = "bolaudit:if"


# --------------------------------------------------------------------------------------------
# One file


@record(slots=True)
class ModuleFacts:
    """Everything the project stage needs from one file.

    ``module`` is the dotted module name derived from the path (``shop.bol.client``), or "" for
    files that are not Python modules. ``constants`` are module-level assignments (last one wins
    unless the name is assigned differently on several paths, then a ``Choice``).
    """

    path: str
    module: str
    is_package: bool = False
    constants: tuple[tuple[str, Expr], ...] = ()
    imports: tuple[Import, ...] = ()
    functions: tuple[FunctionFact, ...] = ()
    classes: tuple[ClassFact, ...] = ()
    calls: tuple[CallFact, ...] = ()
    http_calls: tuple[HttpCall, ...] = ()
    sessions: tuple[SessionFact, ...] = ()
    header_sets: tuple[HeaderSet, ...] = ()
    loops: tuple[LoopFact, ...] = ()
    sightings: tuple[CredentialSighting, ...] = ()
    secret_sources: tuple[SecretSource, ...] = ()
    # Why the file could not be decoded or parsed (BOL000): (message, position).
    errors: tuple[tuple[str, Span], ...] = ()
    literals: tuple[LiteralFact, ...] = ()
    branches: tuple[Branch, ...] = ()
    verify_offs: tuple[VerifyOff, ...] = ()
    units: tuple[DeployUnit, ...] = ()
    env_defines: tuple[EnvDefine, ...] = ()
