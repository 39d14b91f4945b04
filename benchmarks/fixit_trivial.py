"""One trivial Fixit rule, so ``fixit lint`` measures what Fixit itself costs per file.

Loaded by the benchmark as a local rule: ``fixit --rules .fixit_trivial lint PATH`` run from this
folder. The rule looks at calls only, so nearly all the time is Fixit's parse, its metadata
(every rule gets positions) and the traversal.
"""

from __future__ import annotations

import libcst as cst
from fixit import Invalid, LintRule, Valid


class NoBreakpoint(LintRule):
    """A ``breakpoint()`` call left in the code."""

    VALID = [Valid("print('done')")]
    INVALID = [Invalid("breakpoint()")]

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "breakpoint":
            self.report(node, "breakpoint() left in the code")
