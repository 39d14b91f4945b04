"""The project stage, put together: the fact index and every service derived from it.

This is the one place that says what depends on what. Each service is built on first use (a run
that selects only credential rules never resolves a request), from exactly the services listed
in its property, and none of them builds another:

    index (FactIndex)             the facts of every analysed file       resolve.index
    catalog                       bol's operations, with config overrides catalog
    evaluator (+ callers)         values across modules; who calls whom  resolve.evaluate, resolve.callers
    requests                      what each HTTP call really sends        resolve.requests
    callgraph                     callees, API reach, loops              tokens.callgraph
    tokenflow                     token requests, sources, BOL201/202     tokens.flow
    exposures                     tokens and secrets handed out (BOL204)  tokens.exposure
    apps                          the deployable units (BOL103)           credentials.apps
    programs                      entry scripts, servers, workers (BOL103) credentials.programs

Rules receive a ``Project`` (``bolaudit.rules_api``); the pipeline builds it
(``pipeline.engine``). May import: resolve, tokens, credentials, catalog, config, the leaf types.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

from bolaudit.catalog import Catalog, load_catalog
from bolaudit.config import Config
from bolaudit.credentials.apps import AppMap, project_apps
from bolaudit.credentials.programs import ProgramMap, find_programs
from bolaudit.facts import ModuleFacts
from bolaudit.resolve.callers import fill_callers
from bolaudit.resolve.contexts import Callers
from bolaudit.resolve.evaluate import Evaluator
from bolaudit.resolve.index import Deferred, FactIndex
from bolaudit.resolve.requests import ResolvedRequest, resolve_all
from bolaudit.tokens.callgraph import CallGraph
from bolaudit.tokens.exposure import Exposure, find_exposures
from bolaudit.tokens.flow import TokenFlow


class Project:
    """The facts of one audit and what bolaudit derives from them, each built once."""

    def __init__(self, modules: Mapping[str, ModuleFacts], config: Config | None = None,
                 deferred: Mapping[str, Deferred] | None = None) -> None:
        """``deferred``: modules not analysed yet; what the project stage asks of them is in
        ``index.asked`` (the engine analyses those and builds the project again)."""
        self.config = config or Config()
        self.index = FactIndex(modules, deferred)

    @property
    def modules(self) -> dict[str, ModuleFacts]:
        return self.index.modules

    @cached_property
    def catalog(self) -> Catalog:
        cat = load_catalog()
        return cat.with_overrides(scope_map=self.config.scopes) if self.config.scopes else cat

    @cached_property
    def evaluator(self) -> Evaluator:
        """The evaluator, with the callers index already filled (it reads it for parameters)."""
        ev = Evaluator(self.index)
        fill_callers(self.index, ev)
        return ev

    @property
    def callers(self) -> Callers:
        return self.evaluator.callers

    @cached_property
    def requests(self) -> list[ResolvedRequest]:
        return resolve_all(self.index, self.evaluator, self.catalog)

    @cached_property
    def callgraph(self) -> CallGraph:
        return CallGraph(self.index, self.callers, self.requests)

    @cached_property
    def tokenflow(self) -> TokenFlow:
        return TokenFlow(self.index, self.evaluator, self.callgraph)

    @cached_property
    def exposures(self) -> list[Exposure]:
        return find_exposures(self.index, self.tokenflow)

    @cached_property
    def apps(self) -> AppMap:
        return project_apps(self.index.modules, self.config)

    @cached_property
    def programs(self) -> ProgramMap:
        return find_programs(self.index)
