"""The assignment part of the fact extractor: what names, attributes and items come to hold.

A module-level name becomes a constant (a choice of values where it is assigned in branches), a
function's local is inlined into later values, a class body's name a class attribute, and
``self.x = ...`` an instance attribute; every write is recorded as state the function changes
(``local:``, ``global:``, ``self.``, ``item:``), which the token rules read to tell a cache that
is refilled from one that is never written. Assignments to ``.headers``, ``.verify`` and to a
local dict's items go to the HTTP part (``http_facts``).
"""

from __future__ import annotations

import libcst as cst

from bolaudit.extract import flow
from bolaudit.extract.core import ExtractorBase
from bolaudit.extract.exprtools import cap, choice, concat
from bolaudit.extract.frames import ClassFrame
from bolaudit.facts import Const, Expr, LoopVar, Subscript, Unknown


class AssignmentsMixin(ExtractorBase):
    """Assignments: a part of ``FactExtractor`` (``extract.core`` declares what it shares)."""

    def visit_Assign(self, node: cst.Assign) -> None:
        self._note_assignment(node.value, node.targets[-1].target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._note_assignment(node.value, node.target)

    def _note_assignment(self, value: cst.BaseExpression, target: cst.BaseExpression) -> None:
        x = self
        inner = value.expression if isinstance(value, cst.Await) else value
        if isinstance(value, cst.Await):
            x._awaited.add(inner)
        if isinstance(target, cst.Name):
            x._assigned[inner] = target.value

    def visit_Await(self, node: cst.Await) -> None:
        x = self
        x._awaited.add(node.expression)

    def leave_Assign(self, original_node: cst.Assign) -> None:
        x = self
        # Facts about an assignment target (a header set) are placed at the whole statement:
        # statements have cheap spans (extract.positions), attribute targets do not.
        x.statement = original_node
        value = x.expr(original_node.value)
        for t in original_node.targets:
            x._assign(t.target, value, original_node.value)

    def leave_AnnAssign(self, original_node: cst.AnnAssign) -> None:
        x = self
        x.statement = original_node
        if x.kinds[-1] == "class" and isinstance(original_node.target, cst.Name):
            annotation = x.expr(original_node.annotation.annotation)
            x.classes[-1].annotated.append((original_node.target.value, annotation, x.span(original_node)))
        if original_node.value is not None:
            x._assign(original_node.target, x.expr(original_node.value), original_node.value)

    def leave_AugAssign(self, original_node: cst.AugAssign) -> None:
        x = self
        x.statement = original_node
        target = original_node.target
        value = x.expr(original_node.value)
        if isinstance(original_node.operator, cst.AddAssign):
            value = concat(x.expr(target), value)
        else:
            value = Unknown("augmented assignment")
        x._assign(target, value, original_node.value, augmented=True)

    def _assign(
        self,
        target: cst.BaseExpression,
        value: Expr,
        value_node: cst.BaseExpression,
        augmented: bool = False,
    ) -> None:
        x = self
        if isinstance(target, (cst.Tuple, cst.List)):
            items = value_node.elements if isinstance(value_node, (cst.Tuple, cst.List)) else None
            starred = False
            for i, el in enumerate(target.elements):
                sub: Expr = Unknown("tuple unpacking")
                sub_node: cst.BaseExpression = value_node
                starred = starred or isinstance(el, cst.StarredElement)
                if items is not None and i < len(items) and not isinstance(el, cst.StarredElement):
                    sub_node = items[i].value
                    sub = x.expr(sub_node)
                elif items is None and not starred and not augmented:
                    # ``method, path = ROUTES[name]``: item ``i`` of whatever the value is.
                    sub = Subscript(value, Const(i))
                x._assign(el.value, sub, sub_node)
            return
        f = x.frame
        value = cap(value)
        if isinstance(target, cst.Name):
            name = target.value
            if x.kinds[-1] == "class":
                x.classes[-1].attrs[name] = value
            elif f.qualname is None:
                number = flow.number_value(value_node)
                if number is not None and not f.depth:
                    x._numbers[name] = number
                old = x.constants.get(name)
                new = choice(old, value) if old is not None and f.depth and not augmented else value
                x.constants[name] = new
                f.locals[name] = new
            elif name in f.globals:
                f.write(f"global:{name}")
                x._note_stored_expiry(f"global:{name}", value_node)
            else:
                old = f.locals.get(name)
                if old is None and name in f.params:
                    value = x.defaulted(name, value)  # ``if x is None: x = ...``, ``x = x or ...``
                f.locals[name] = value  # flow-sensitive: branches join in ``extract.envs``
                f.write(f"local:{name}")
        elif isinstance(target, cst.Attribute):
            x._assign_attribute(target, value)
            state = x._state(target)
            if state is not None:
                x._note_stored_expiry(state, value_node)
        elif isinstance(target, cst.Subscript):
            x._assign_item(target, value)
            base = flow.dotted_node(target.value)
            if base is not None:
                x._note_stored_expiry("item:" + x._normal_state(base), value_node)

    def _note_stored_expiry(self, state: str, value_node: cst.BaseExpression) -> None:
        """``self._expires_at = now + timedelta(seconds=expires_in - 300)``: recorded among the
        writes as ``stored:margin:300:self._expires_at`` for the token rules."""
        x = self
        if x.frame.qualname is None:
            return
        found = flow.stored_expiry(value_node, x._number_constant)
        if found is not None:
            x.frame.write(f"stored:{found[0]}:{found[1]:g}:{state}")

    def _assign_attribute(self, target: cst.Attribute, value: Expr) -> None:
        x = self
        f = x.frame
        base = flow.dotted_node(target.value)
        if base is not None and base in f.self_names and x.classes and f.qualname:
            cls = x._class_of_frame()
            if cls is not None:
                cls.instance_attrs.append((target.attr.value, value, f.qualname))
        state = x._state(target)
        if state is not None:
            f.write(state)
        if target.attr.value == "headers":
            x.header_assignment(target, value)
        elif target.attr.value == "verify":
            x.verify_assignment(target, value)

    def _assign_item(self, target: cst.Subscript, value: Expr) -> None:
        x = self
        base = flow.dotted_node(target.value)
        if base is not None:
            head = base.split(".", 1)[0]
            if isinstance(x.frame.locals.get(head), LoopVar):
                # ``line.extra[k] = v`` in ``for line in lines``: the loop's item, not state kept between calls
                x.frame.write(f"local:{head}")
            else:
                x.frame.write("item:" + x._normal_state(base))
        if isinstance(target.value, cst.Attribute) and target.value.attr.value == "headers":
            sl = target.slice[0].slice if len(target.slice) == 1 else None
            if isinstance(sl, cst.Index):
                x.header_item(target, x.expr(sl.value), value)
        elif isinstance(target.value, cst.Name):
            x.local_item(target, value)

    def _normal_state(self, dotted_name: str) -> str:
        x = self
        head, _, rest = dotted_name.partition(".")
        if head in x.frame.self_names:
            return "self." + rest if rest else "self"
        return dotted_name

    def _class_of_frame(self) -> ClassFrame | None:
        x = self
        cls = x.frame.cls
        for c in reversed(x.classes):
            if c.qualname == cls:
                return c
        return None
