"""The prefilter and OAuth words: other services' OAuth clients do not pull files in (issue 16).

requests-oauthlib, oauthlib, Authlib, google-auth and pip's vendored copies all say
``grant_type``, ``client_credentials`` or ``fetch_token``; in a venv's site-packages their importers
were 2,400 of 2,600 files. A Python file counts for them only where "bol" starts a word in it;
a bol token module that never says bol is still analysed through the import closures.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pathlib import Path

from bolaudit.catalog.credentials import CANDIDATE_BYTES
from bolaudit.extract import prefilter
from bolaudit.pipeline import selection
from bolaudit.pipeline.sources import SourceFile

OAUTH_CLIENT = b'''\
from oauthlib.oauth2 import BackendApplicationClient
from requests_oauthlib import OAuth2Session


class ServiceAccount:
    def token(self, token_url, client_id, client_secret):
        client = BackendApplicationClient(client_id=client_id)
        session = OAuth2Session(client=client)
        return session.fetch_token(token_url=token_url, client_id=client_id,
                                   client_secret=client_secret, grant_type="client_credentials")
'''


def _select(tmp_path: Path, files: dict[str, bytes]) -> set[str]:
    datas: selection.Datas = {}
    for rel, data in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        kind = "python" if rel.endswith(".py") else "text"
        datas[rel] = (SourceFile(path, rel, kind, len(data)), data)  # type: ignore[arg-type]
    return selection.select(datas, CANDIDATE_BYTES)[1]


def test_an_oauth_client_of_another_service_and_its_importers_are_not_parsed(tmp_path: Path) -> None:
    wanted = _select(tmp_path, {
        "oauthkit/__init__.py": b"",
        "oauthkit/service.py": OAUTH_CLIENT,
        "oauthkit/cli.py": b"from oauthkit.service import ServiceAccount\n\nfor _ in range(3):\n"
                           b"    ServiceAccount().token('https://auth.example.com/token', 'a', 'b')\n",
    })
    assert wanted == set()


def test_the_same_client_in_a_file_that_says_bol_is_parsed_with_its_importers(tmp_path: Path) -> None:
    service = OAUTH_CLIENT.replace(b"class ServiceAccount", b"# bol's Retailer API token\nclass ServiceAccount")
    wanted = _select(tmp_path, {
        "shop/__init__.py": b"",
        "shop/bol_token.py": service,
        "shop/sync.py": b"from shop.bol_token import ServiceAccount\n\nfor _ in range(3):\n"
                        b"    ServiceAccount().token(URL, ID, SECRET)\n",
    })
    assert wanted == {"shop/bol_token.py", "shop/sync.py"}


def test_a_token_module_that_never_says_bol_is_reached_from_the_bol_client(tmp_path: Path) -> None:
    wanted = _select(tmp_path, {
        "shop/__init__.py": b"",
        "shop/token.py": OAUTH_CLIENT,
        "shop/client.py": b"from shop.token import ServiceAccount\n\n"
                          b"TOKEN_URL = 'https://login.bol.com/token'\n"
                          b"def orders():\n    return ServiceAccount().token(TOKEN_URL, 'id', 'secret')\n",
    })
    assert wanted == {"shop/client.py", "shop/token.py"}


def test_oauth_words_in_a_text_file_still_count(tmp_path: Path) -> None:
    # A document's words are only its own (no importers to follow): the old, wider test stays.
    text = b"Send `grant_type=client_credentials&client_id=<client-id>` as the form body.\n"
    assert _select(tmp_path, {"docs/token.md": text}) == {"docs/token.md"}


def test_bol_words_that_make_the_oauth_words_count() -> None:
    for source in (b"import bol\n", b"class BolAuth: pass\n", b"x = bol_client\n", b"# (bol)\n",
                   b"URL = 'https://api.bol.com'\n"):
        assert prefilter.api_matters(source + OAUTH_CLIENT, oauth_alone=False), source
    for source in (b"symbol = 1\n", b"# Rebol\n", b"carbolic = 2\n"):
        assert not prefilter.api_matters(source + OAUTH_CLIENT, oauth_alone=False), source
        assert prefilter.api_matters(source + OAUTH_CLIENT), source  # the default: as before


def test_a_host_that_only_ends_in_bol_com_is_not_bol() -> None:
    assert not prefilter.api_matters(b"# http://opencobol.add1tocobol.com/#reserved\n")
    assert not prefilter.api_matters(b"URL = 'http://www.rebol.com/docs'\n")
    for host in (b"https://api.bol.com/retailer", b"login.bol.com", b"see bol.com", b"\"bol.com\"",
                 b"BOL.COM"):
        assert prefilter.api_matters(b"x = '" + host + b"'\n"), host


@pytest.mark.parametrize("groups", ["API_WORDS", "OAUTH_WORDS", "CREDENTIAL_WORDS"])
def test_a_group_of_words_is_found_as_a_substring_scan_finds_it(groups: str) -> None:
    """Each group's words are looked for with one regex that starts at the anchor; it must say
    what ``any(word in bytes)`` says, around and inside other words, at the ends of the bytes."""
    from bolaudit.extract import prefilter

    table = getattr(prefilter, groups)
    searches = prefilter._searches(table)
    words = [w for ws in table.values() for w in ws]
    near = [w[:-1] for w in words] + [w[1:] for w in words] + [w[:-1] + b"#" for w in words]
    samples = [b"", b"auth", b"client", b"httpbasic", b"retailer/", b"vnd", *words, *near]
    for before in samples:
        for after in samples[:6]:
            for word in [*words, *near]:
                text = before + b" " + word + after
                for sample in (text, before + word, word + after, word):
                    expected = any(w in sample for w in words)
                    assert prefilter._any_word(sample, searches) is expected, (groups, sample)


_SHAPE_PIECES = [b"-", b"%", b"%2F", b"%zz", b"+", b"/", b"_", b"!", b" ", b"\n", b"a", b"Z", b"9", b"f",
                 b"0123abcd", b"0123abcd-", b"abc1234-", b"beef-", b"x" * 30, b"Ab0+/" * 4, b"k9_-" * 8, b"k9_!" * 8,
                 b"k9_!" * 7, b"\xff", b"="]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_SHAPE_PIECES), max_size=60))
def test_value_shape_says_what_the_regex_says(pieces: list[bytes]) -> None:
    """``value_shape`` (translated runs, anchored searches) is ``VALUE_SHAPE.search``."""
    from bolaudit.extract import prefilter

    data = b"".join(pieces)
    assert prefilter.value_shape(data) is (prefilter.VALUE_SHAPE.search(data) is not None)


@pytest.mark.parametrize("data", [
    b"id = '0123abcd-beef-4cde-'",
    b"id = 'z123abcd-beef-4cde-'", b"x" * 64, b"x" * 63, b"_a" * 32, b"_a" * 31 + b"_",
    b"A+/" * 14, b"A+/" * 13, b"-A+/" * 10,
    b"secret=ab%2Fcd%2Fef%2Fgh%2F", b"secret=ab%2Fcd%2Fef%2F", b"%2F%2F%2F%2F", b"a%2Fb%2Fc%2Fd%zz",
])
def test_value_shape_on_the_shapes_themselves(data: bytes) -> None:
    from bolaudit.extract import prefilter

    assert prefilter.value_shape(data) is (prefilter.VALUE_SHAPE.search(data) is not None)


_HEAD_PIECES = st.lists(
    st.sampled_from([b"bol", b"Bol", b"BOL", b"bol_pkg", b"mybol", b"shop", b"x1", b".", b"..", b" ", b"\n",
                     b"@", b"(", b"_", b"9", b"\"", b"\xc3\xa9"]),
    max_size=16,
)


@settings(max_examples=400, deadline=None)
@example([b"shop", b".", b"bol_pkg", b".", b"x1"], {"bol_pkg"})  # not a first part
@example([b"bol_pkg", b".", b"9"], {"bol_pkg"})  # not a dotted name
@example([b"9", b"bol_pkg", b".", b"x1"], {"bol_pkg"})
@example([b"(", b"bol_pkg", b".", b"_", b"x1"], {"bol_pkg"})
@given(_HEAD_PIECES, st.sets(st.sampled_from(["bol", "bol_pkg", "Bol", "mybol", "shop", "bolx1"])))
def test_project_heads_are_blanked_as_the_dotted_name_regex_finds_them(pieces: list[bytes], tops: set[str]) -> None:
    """``without_project_heads`` (found from each "bol") blanks what the definition's regex of a
    dotted name's first part finds, where that part says bol and names a project package."""
    import re

    from bolaudit.extract import prefilter

    code = b"".join(pieces)
    head = re.compile(rb"(?<![\w.])([A-Za-z_]\w*)(?=\.[A-Za-z_])")

    def own(m: re.Match[bytes]) -> bytes:
        name = m.group(1)
        return b" " * len(name) if b"bol" in name.lower() and name.decode() in tops else name

    expected = head.sub(own, code)
    assert prefilter.without_project_heads(code, code.lower(), tops.__contains__) == expected
