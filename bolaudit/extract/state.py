"""What conditions read and calls write: the state part of the fact extractor.

A ``Guard`` is a condition a call depends on: the state it reads (``self._token``, an item of a
module dict, a file, a helper's answer), a refresh margin or fixed validity it applies, whether it
reads a clock, an HTTP status it compares with. A call writes state: ``d.update(...)``, a file, a
database row, an ORM record's fields (``self.write({"access_token": ...})``). The token rules
match the two to tell a cache from a fetch on every call (``bolaudit.tokens.cache_checks``).
"""

from __future__ import annotations

import libcst as cst

from bolaudit.extract import flow
from bolaudit.extract.core import ExtractorBase
from bolaudit.facts import Const, Expr, Guard


class StateMixin(ExtractorBase):
    """Guards and state writes: a part of ``FactExtractor`` (``extract.core`` declares what it shares)."""

    def _guard(self, kind: str, test: cst.BaseExpression) -> Guard:
        f = self.frame
        reads = list(flow.reads(test, f.self_names, set(f.locals) | set(f.params), f.globals))
        for name in [r[6:] for r in reads if r.startswith("local:")]:
            # ``cached = self._tokens.get(key); if cached ...`` reads ``item:self._tokens``.
            value = f.locals.get(name)
            for state in flow.expr_states(value) if value is not None else ():
                if state not in reads:
                    reads.append(state)
        called, margin, status, validity = self._test_facts(test)
        clock = called or any(
            flow.expr_reads_clock(f.locals[name[6:]]) for name in reads
            if name.startswith("local:") and name[6:] in f.locals)
        return Guard(kind, tuple(reads), margin, status, validity=validity, clock=clock)

    def _test_facts(self, test: cst.BaseExpression) -> tuple[bool, float | None, int | None, float | None]:
        """What a condition says by itself (a clock call, a margin, a status, a validity): the
        same for its ``if``, ``else`` and early-return guards, so worked out once per test."""
        found = self._tests.get(id(test))
        if found is not None and found[0] is test:
            return found[1]
        nodes = flow.walked(test)
        called = flow.clock_called(nodes)
        validity = flow.validity(test, self._number_constant) if called else None
        facts = (called, flow.margin(test, self._number_constant, nodes), flow.http_status(test, nodes), validity)
        self._tests[id(test)] = (test, facts)
        return facts

    def _number_constant(self, name: str) -> float | None:
        if name in self._numbers:
            return self._numbers[name]
        value = self.constants.get(name)
        if isinstance(value, Const) and isinstance(value.value, (int, float)) and not isinstance(value.value, bool):
            return float(value.value)
        return None

    def _note_call_writes(self, node: cst.Call, callee: Expr) -> None:
        if not isinstance(node.func, cst.Attribute):
            if self.qualify(callee) == "open" and any(
                isinstance(a.value, cst.SimpleString) and "w" in a.value.value for a in node.args[1:]
            ):
                self.frame.write("file")
            return
        method = node.func.attr.value
        base = flow.dotted_node(node.func.value)
        if method == "write" and self._record_write(node):
            return
        if method in flow.DB_WRITES or (method == "execute" and node.args and _sql_write(node.args[0].value)):
            self.frame.write("db")
        elif method in flow.FILE_WRITES:
            self.frame.write("file")
        elif method in flow.ITEM_WRITES and base is not None:
            self.frame.write("item:" + self._normal_state(base))

    def _record_write(self, node: cst.Call) -> bool:
        """An ORM record's ``self.write({"access_token": ...})`` (Odoo; also ``self.sudo().write``)
        writes the fields ``self.access_token``: a check that reads them is a cache check."""
        func = node.func
        assert isinstance(func, cst.Attribute)
        receiver: cst.BaseExpression = func.value
        while isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute):
            receiver = receiver.func.value  # self.sudo().write, self.with_context(...).write
        if not (isinstance(receiver, cst.Name) and receiver.value in self.frame.self_names):
            return False
        if not node.args or not isinstance(node.args[0].value, cst.Dict):
            return False
        for element in node.args[0].value.elements:
            if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
                self.frame.write("self." + element.key.value.strip("'\""))
        self.frame.write("db")
        return True


def _sql_write(node: cst.BaseExpression) -> bool:
    """``cur.execute("UPDATE tokens ...")``: a database write (a token cache refreshed in a table)."""
    if not isinstance(node, cst.SimpleString):
        return False
    try:
        return flow.is_sql_write(node.evaluated_value)
    except Exception:  # noqa: BLE001 - literal_eval of an odd literal: not a write we can tell
        return False
