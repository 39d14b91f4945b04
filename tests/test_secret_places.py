"""Secrets where a line scan of plain UTF-8 literals misses them: built from pieces, in form
bodies and query strings, in UTF-16 files, in every part of a notebook; and what the per-file
stage keeps of them (nothing: facts and findings are cached and sent between processes)."""

from __future__ import annotations

import codecs
import json
import pickle
from pathlib import Path

import pytest

from bolaudit.credentials.scrub import Scrubber
from bolaudit.extract.decoding import Decoded, decode_text, wide_encoding
from bolaudit.pipeline.filestage import FileJob, analyze
from conftest import audit, write_tree
from test_credentials import BASIC, ID, MODERN, MODERN2, ORDER, SHA, URLSAFE, fill


def found(root: Path) -> set[tuple[str, str, int]]:
    result = audit(root)
    return {(f.path, f.code, f.span.line) for f in result.findings if f.code in ("BOL101", "BOL102")}


def windows(value: str, size: int = 16) -> set[str]:
    return {value[i : i + size] for i in range(len(value) - size + 1)}


def holds_a_piece(blob: bytes, *values: str) -> bool:
    return any(w.encode() in blob for v in values for w in windows(v))


# -- UTF-16 ------------------------------------------------------------------------------------


ENV = fill("BOL_CLIENT_ID=@ID@\r\nBOL_CLIENT_SECRET=@URLSAFE@\r\n")


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (ENV.encode("utf-16"), "utf-16"),  # Notepad, PowerShell 5's Out-File: a BOM
        (codecs.BOM_UTF16_BE + ENV.encode("utf-16-be"), "utf-16"),
        (ENV.encode("utf-16-le"), "utf-16-le"),  # no BOM
        (ENV.encode("utf-16-be"), "utf-16-be"),
        (ENV.encode("utf-32"), "utf-32"),
    ],
)
def test_wide_text_files_are_read_and_audited(tree: Path, data: bytes, encoding: str) -> None:
    assert decode_text(data) == Decoded(ENV, encoding)
    write_tree(tree, {".env": data, "config/bol.yaml": fill("bol:\n  client_secret: @MODERN@\n").encode("utf-16-le")})
    assert found(tree) == {(".env", "BOL102", 1), (".env", "BOL101", 2), ("config/bol.yaml", "BOL101", 2)}


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 40,  # binary
        b"\x00\x01" * 4000,  # a table of small integers
        "x = 1\n".encode("utf-16-le")[:-1] + b"\xff" * 100,  # nearly UTF-16, then junk
        b"PK\x03\x04" + b"\x00" * 200,
    ],
)
def test_binary_files_are_not_taken_for_utf16(data: bytes) -> None:
    assert wide_encoding(data) is None
    assert decode_text(data) is None


# -- notebooks ---------------------------------------------------------------------------------


def _notebook() -> str:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Token\n", "\n", fill("BOL_CLIENT_ID=@ID@\n"),
                                                             fill("BOL_CLIENT_SECRET=@URLSAFE@\n")]},
        {"cell_type": "code", "execution_count": 1, "metadata": {},
         "source": ["import os, requests\n", "r = requests.post(URL, auth=(os.environ['BOL_CLIENT_ID'], SECRET))\n",
                    "r.json()"],
         "outputs": [{"output_type": "execute_result", "execution_count": 1, "metadata": {},
                      "data": {"text/plain": [fill("{'access_token': 'x', 'client_secret': '@MODERN@'}")]}},
                     {"output_type": "stream", "name": "stdout", "text": fill("order @ORDER@ shipped\n")}]},
        {"cell_type": "raw", "metadata": {}, "source": [fill("curl -u @ID@:@MODERN@ https://login.bol.com/token")]},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
         "source": [fill('CLIENT_SECRET = "@MODERN:0:32@" + "@MODERN:32@"\n')]},
    ]
    return json.dumps({"cells": cells, "metadata": {"language_info": {"name": "python"}}, "nbformat": 4,
                       "nbformat_minor": 5}, indent=1)


def test_every_part_of_a_notebook_is_audited_at_its_own_line(tree: Path) -> None:
    text = _notebook()
    write_tree(tree, {"explore.ipynb": text})
    lines = text.split("\n")

    def line_of(needle: str) -> int:
        return next(n for n, line in enumerate(lines, 1) if needle in line)

    assert found(tree) == {
        ("explore.ipynb", "BOL102", line_of("BOL_CLIENT_ID=")),  # markdown
        ("explore.ipynb", "BOL101", line_of("BOL_CLIENT_SECRET=")),
        ("explore.ipynb", "BOL101", line_of("access_token")),  # an output
        ("explore.ipynb", "BOL102", line_of("curl -u")),  # a raw cell
        ("explore.ipynb", "BOL101", line_of("curl -u")),
        ("explore.ipynb", "BOL101", line_of("CLIENT_SECRET = ")),  # code, in pieces
    }


def test_code_cells_are_not_reported_twice(tree: Path) -> None:
    cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
              "source": [fill('CLIENT_SECRET = "@MODERN@"\n')]}]
    write_tree(tree, {"nb.ipynb": json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})})
    result = audit(tree)
    assert [(f.code, f.span.line) for f in result.findings] == [("BOL101", 1)]
    assert "assignment to CLIENT_SECRET" in result.findings[0].message


def test_a_notebook_of_another_kernel_is_scanned_as_text(tree: Path) -> None:
    cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
              "source": [fill('client_secret <- "@MODERN@"\n')]}]
    document = {"cells": cells, "metadata": {"language_info": {"name": "R"}}, "nbformat": 4, "nbformat_minor": 5}
    text = json.dumps(document, indent=1)
    write_tree(tree, {"nb.ipynb": text})
    line = next(n for n, line in enumerate(text.split("\n"), 1) if "client_secret" in line)
    assert found(tree) == {("nb.ipynb", "BOL101", line)}


# -- what the per-file stage keeps --------------------------------------------------------------


SPLIT = [
    ('CLIENT_SECRET = "@MODERN:0:20@" + "@MODERN:20:40@" + "@MODERN:40@"\n', MODERN),
    ('BOL_CLIENT_SECRET = ("@URLSAFE:0:30@"\n    "@URLSAFE:30@")\n', URLSAFE),
    ('CLIENT_SECRET = "".join(["@URLSAFE:0:16@", "@URLSAFE:16:32@", "@URLSAFE:32:48@", "@URLSAFE:48@"])\n', URLSAFE),
    ("CLIENT_SECRET = f\"@MODERN:0:30@{'@MODERN:30@'}\"\n", MODERN),
    ('H = {"Authorization": "Basic " + "@BASIC:0:50@" + "@BASIC:50@"}\n', BASIC),
    ('TOKEN_URL = "https://login.bol.com/token?grant_type=client_credentials&client_secret=@URLSAFE@"\n', URLSAFE),
]


@pytest.mark.parametrize(("source", "secret"), [pytest.param(fill(s), v, id=str(n)) for n, (s, v) in enumerate(SPLIT)])
def test_facts_and_findings_keep_no_piece_of_a_secret(source: str, secret: str) -> None:
    text = "import requests\n\n" + source + "\n\ndef orders():\n    return requests.get('https://api.bol.com/retailer/orders')\n"
    job = FileJob("/x/shop/bol.py", "shop/bol.py", "python", "shop.bol", False, text.encode())
    result = analyze(job)
    assert result.facts.sightings, "the secret should be found"
    assert not holds_a_piece(pickle.dumps(result), secret)
    assert not holds_a_piece(repr(result).encode(), secret)


def test_the_text_scan_keeps_no_piece_either() -> None:
    data = fill("BOL_CLIENT_ID=@ID@\nBOL_CLIENT_SECRET=@MODERN@\n").encode("utf-16")
    result = analyze(FileJob("/x/.env", ".env", "text", "", False, data))
    assert len(result.facts.sightings) == 2
    assert not holds_a_piece(pickle.dumps(result), MODERN)


def test_scrubber_replaces_shared_runs_only() -> None:
    scrub = Scrubber([ID], [MODERN])
    assert scrub.text(f"a={MODERN[5:40]}&") == "a=<redacted-secret>&"
    assert scrub.text(f"/orders/{ORDER}") == f"/orders/{ORDER}"
    assert scrub.text(SHA) == SHA
    assert scrub.text(MODERN[:11]) == MODERN[:11]  # too short to say anything
    pair = BASIC[10:70]
    assert scrub.text(pair) == "<redacted-secret>"


# -- comments ----------------------------------------------------------------------------------


def test_comments_are_scanned_once_and_strings_with_a_hash_are_not_read_twice(tree: Path) -> None:
    source = fill(
        "import os\n\n"
        "# For a quick local test:\n"
        "# BOL_CLIENT_ID=@ID@\n"
        "# BOL_CLIENT_SECRET=@URLSAFE@\n"
        'CLIENT_SECRET = os.environ["BOL_CLIENT_SECRET"]  # was "@MODERN@"\n'
        'BANNER = "# client_secret: @MODERN2@"\n'
        "# order @ORDER@ and digest @SHA@ are no credentials\n"
    )
    cells = [{"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [],
              "source": ["import os\n", fill("!curl -u @ID@:@MODERN@ https://login.bol.com/token\n")]}]
    write_tree(tree, {"shop/settings.py": source, "token.ipynb": json.dumps(
        {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)})
    result = audit(tree)
    got = sorted((f.path, f.code, f.span.line) for f in result.findings if f.code in ("BOL101", "BOL102"))
    assert got == [
        ("shop/settings.py", "BOL101", 5),
        ("shop/settings.py", "BOL101", 6),
        ("shop/settings.py", "BOL101", 7),  # the string, once (the visitor's)
        ("shop/settings.py", "BOL102", 4),
        ("token.ipynb", "BOL101", 10),
        ("token.ipynb", "BOL102", 10),
    ], got
    lines = source.split("\n")
    for f in result.findings:
        if f.path == "shop/settings.py" and f.code in ("BOL101", "BOL102"):
            shown = lines[f.span.line - 1][f.span.column - 1 : f.span.end_column - 1]
            assert shown in (ID, URLSAFE, MODERN) or shown.strip('"').endswith(MODERN2), shown
    assert sum("(comment" in f.message for f in result.findings) == 3  # the curl pair says "id:secret"
