"""BOL000 unparsable-file."""

from __future__ import annotations

from collections.abc import Iterator

from bolaudit.rules_api import Finding, Invalid, Project, ProjectRule, Severity, Valid


class UnparsableFile(ProjectRule):
    """A file that cannot be decoded or parsed, so bolaudit could not audit it.

    ## What it does
    Reports a file whose bytes cannot be decoded (with its PEP 263 coding declaration, else
    UTF-8), that holds a null byte, that is not valid Python, or that nests too deeply to
    analyse. It is reported at the error's position; every other file is still audited, and the
    unparsable one is still scanned as text for bol credentials.

    ## Why is this bad
    Nothing in this file was checked for token misuse or malformed requests. A file Python
    itself cannot import is usually a mistake (a merge conflict left behind, a file saved in
    the wrong encoding) that a pre-commit hook should stop.

    ## Example
    ```python
    <<<<<<< HEAD
    BOL_URL = "https://api.bol.com/retailer"
    =======
    ```

    ## Use instead
    Fix the syntax error, or declare the file's encoding on its first line
    (`# -*- coding: latin-1 -*-`). Exclude generated or vendored files in `[tool.bolaudit]`
    `exclude` if they are not yours to fix.

    ## Fix
    No automatic fix: save the file as UTF-8 (or declare its encoding, PEP 263) or correct its
    syntax; `bolaudit check` audits it on the next run.

    ## References
    - Python's source encoding declarations (PEP 263): <https://peps.python.org/pep-0263/>
    """

    code = "BOL000"
    name = "unparsable-file"
    severity = Severity.ERROR

    VALID = [
        Valid("BOL_URL = 'https://api.bol.com/retailer'\n"),
        Valid({"shop/legacy.py": "# -*- coding: latin-1 -*-\nNAME = 'caf\xe9 bol.com'\n"}),
        Valid({"notes.md": "The bol.com client lives in `shop/bol.py`.\n"}),
    ]
    INVALID = [
        Invalid(
            "import requests\n\ndef sync(:\n    requests.get('https://api.bol.com/retailer/orders')\n",
            line=3,
        ),
        Invalid(
            {"shop/merge.py": "<<<<<<< HEAD\nBOL_URL = 'https://api.bol.com/retailer'\n=======\n"},
            line=1,
            path="shop/merge.py",
        ),
        Invalid({"shop/nul.py": "BOL_URL = 'https://api.bol.com/retailer'\x00\n"}, line=1),
    ]

    def check(self, project: Project) -> Iterator[Finding]:
        for path, facts in project.index.iter_modules():
            for message, span in facts.errors:
                yield self.make_finding(
                    path, span, f"cannot audit this file: {message}", flagged=message
                )
