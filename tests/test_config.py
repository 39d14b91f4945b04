"""Config: where it is found, what each key accepts, and what wins."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bolaudit.config import DEFAULT_MAX_FILE_SIZE, Config, ConfigError, load_config


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs in its own empty folder, so no real config above can leak in, and with
    its own (empty) user config folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-config"))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def pyproject(folder: Path, body: str) -> Path:
    return write(folder / "pyproject.toml", f"[tool.bolaudit]\n{body}\n")


def error_of(folder: Path, **overrides: object) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config([folder], overrides or None)
    return str(caught.value)


# -- where the configuration is found ---------------------------------------------------------


def test_without_config_the_root_is_the_current_folder(tmp_path: Path) -> None:
    config = load_config([tmp_path / "src"])
    assert config == Config(root=tmp_path.resolve(), nested=True)
    assert config.config_file is None


@pytest.mark.slow
def test_without_config_the_root_is_the_git_top_level(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "pkg" / "sub").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    config = load_config([repo / "pkg" / "sub"])
    assert config.root == repo.resolve()
    assert config.config_file is None


def test_found_upward_from_a_file_argument(tmp_path: Path) -> None:
    found = pyproject(tmp_path, "jobs = 3")
    source = write(tmp_path / "a" / "b" / "client.py", "")
    config = load_config([source])
    assert (config.config_file, config.root, config.jobs) == (found, tmp_path.resolve(), 3)


def test_a_pyproject_without_the_table_does_not_stop_the_search(tmp_path: Path) -> None:
    found = pyproject(tmp_path, "warn-days = 5")
    write(tmp_path / "sub" / "pyproject.toml", "[project]\nname = 'sub'\n")
    config = load_config([tmp_path / "sub"])
    assert (config.config_file, config.warn_days) == (found, 5)


def test_bolaudit_toml_wins_over_pyproject_in_the_same_folder(tmp_path: Path) -> None:
    pyproject(tmp_path, "jobs = 1")
    found = write(tmp_path / ".bolaudit.toml", "jobs = 2\n")
    config = load_config([tmp_path])
    assert (config.config_file, config.jobs) == (found, 2)


def test_the_nearest_folder_wins(tmp_path: Path) -> None:
    write(tmp_path / ".bolaudit.toml", "jobs = 1\n")
    found = pyproject(tmp_path / "inner", 'jobs = 2\nselect = ["BOL1"]')
    config = load_config([tmp_path / "inner" / "x.py"])
    assert (config.config_file, config.root, config.jobs) == (found, tmp_path.resolve(), 2)
    assert config.layer_for("inner/x.py").select == ("BOL1",)
    assert config.select == ()  # the root's settings are the defaults: the config is below it


def test_the_search_stops_at_the_top_of_a_work_tree(tmp_path: Path) -> None:
    write(tmp_path / ".bolaudit.toml", "jobs = 9\n")
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    config = load_config([tmp_path / "repo"])
    assert (config.config_file, config.jobs, config.root) == (None, 0, tmp_path / "repo")


def test_config_file_option_skips_the_search(tmp_path: Path) -> None:
    pyproject(tmp_path, "jobs = 1")
    chosen = write(tmp_path / "elsewhere" / "audit.toml", 'jobs = 4\nexclude = ["tests/"]\n')
    config = load_config([tmp_path], config_file=chosen)
    assert (config.config_file, config.root, config.jobs) == (chosen, tmp_path.resolve(), 4)
    assert not config.nested and config.is_excluded("tests/x.py")  # relative to the root


def test_config_file_option_reads_the_table_of_a_pyproject(tmp_path: Path) -> None:
    chosen = pyproject(tmp_path / "other", 'select = ["BOL1"]')
    assert load_config([tmp_path], config_file=chosen).select == ("BOL1",)


def test_no_paths_start_from_the_current_folder(tmp_path: Path) -> None:
    write(tmp_path / ".bolaudit.toml", "jobs = 7\n")
    assert load_config([]).jobs == 7


def test_an_unrelated_broken_pyproject_is_not_our_business(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[project\nname = \n")
    assert load_config([tmp_path]).config_file is None


# -- values -----------------------------------------------------------------------------------

VALID = [
    ('select = ["BOL1", "BOL203"]', "select", ("BOL1", "BOL203")),
    ('ignore = ["BOL"]', "ignore", ("BOL",)),
    ('exclude = ["tests/fixtures/**", "!keep.py"]', "exclude", ("tests/fixtures/**", "!keep.py")),
    ("jobs = 0", "jobs", 0),
    ("max-file-size = 2048", "max_file_size", 2048),
    ('max-file-size = "1MiB"', "max_file_size", 1024 * 1024),
    ('max-file-size = "500KB"', "max_file_size", 500_000),
    ('max-file-size = "1.5 kib"', "max_file_size", 1536),
    ("warn-days = 30", "warn_days", 30),
    (
        '[tool.bolaudit.per-file-ignores]\n"tests/**" = ["BOL101", "BOL2"]',
        "per_file_ignores",
        (("tests/**", ("BOL101", "BOL2")),),
    ),
    (
        '[tool.bolaudit.scopes]\n"retailer:orders" = "orders:Manage"',
        "scopes",
        (("retailer:orders", "orders:manage"),),
    ),
    (
        '[tool.bolaudit.apps]\nshop = ["apps/shop/", "lib"]\nsync = ["apps/sync"]',
        "apps",
        (("shop", ("apps/shop", "lib")), ("sync", ("apps/sync",))),
    ),
]


@pytest.mark.parametrize(("body", "field", "expected"), VALID)
def test_valid_values(tmp_path: Path, body: str, field: str, expected: object) -> None:
    pyproject(tmp_path, body)
    assert getattr(load_config([tmp_path]), field) == expected


def test_cache_dir_is_relative_to_the_root_in_a_file(tmp_path: Path) -> None:
    pyproject(tmp_path / "proj", 'cache-dir = "build/cache"')
    config = load_config([tmp_path / "proj"])
    assert config.cache_dir == (tmp_path / "proj" / "build" / "cache").resolve()
    assert config.cache_path == config.cache_dir


def test_cache_dir_on_the_command_line_is_relative_to_the_current_folder(tmp_path: Path) -> None:
    pyproject(tmp_path / "proj", 'cache-dir = "build/cache"')
    config = load_config([tmp_path / "proj"], {"cache_dir": "here"})
    assert config.cache_dir == (tmp_path / "here").resolve()


def test_default_cache_path_is_in_the_root(tmp_path: Path) -> None:
    assert load_config([tmp_path]).cache_path == tmp_path.resolve() / ".bolaudit_cache"


BAD = [
    ('jobs = "two"', 'jobs: expected a whole number from 0 to 256, got "two"'),
    ("jobs = -1", "jobs: expected a whole number from 0 to 256, got -1"),
    ("jobs = true", "jobs: expected a whole number from 0 to 256, got true"),
    # Huge numbers are range errors, never an overflow deep inside a run.
    ("jobs = 9223372036854775807", "jobs: expected a whole number from 0 to 256, got 9223372036854775807"),
    ("warn-days = 99999999999", "warn-days: expected a whole number from 0 to 3650, got 99999999999"),
    ("max-file-size = 9223372036854775807", "max-file-size: expected a size from 1 byte to 16MiB"),
    ('max-file-size = "99999999999999999999999GiB"', "max-file-size: expected a size from 1 byte to 16MiB"),
    ('max-file-size = "17MiB"', 'max-file-size: expected a size from 1 byte to 16MiB, in bytes or like "1MiB" or "500KB", got "17MiB"'),
    ('max-file-size = "nan"', "max-file-size: expected a size from 1 byte to 16MiB"),
    # A TOML string is not a list, even if it holds one code.
    ('select = "BOL1"', 'select: expected a list of rule codes, got "BOL1"'),
    ('select = ["E501"]', 'select: expected rule codes or prefixes like "BOL101"'),
    ('ignore = ["BOL1234"]', "ignore: expected rule codes"),
    ("exclude = [1]", "exclude: expected a list of gitignore-style patterns, got [1]"),
    ('exclude = ["a\\\\"]', 'exclude: expected a valid gitignore-style pattern, got "a\\\\"'),
    ('exclude = [""]', "exclude: expected a gitignore-style pattern"),
    ('max-file-size = "big"', "max-file-size: expected a size from 1 byte to 16MiB"),
    ("max-file-size = 0", "max-file-size: expected a size from 1 byte to 16MiB"),
    ("warn-days = 1.5", "warn-days: expected a whole number from 0 to 3650, got 1.5"),
    ('cache-dir = ""', 'cache-dir: expected a path, got ""'),
    ('per-file-ignores = ["x"]', "per-file-ignores: expected a table"),
    ('[tool.bolaudit.per-file-ignores]\n"t/**" = ["X1"]', 'per-file-ignores."t/**": expected'),
    ('[tool.bolaudit.per-file-ignores]\n"!t" = ["BOL1"]', 'per-file-ignores."!t": a negated'),
    ('[tool.bolaudit.scopes]\n"retailer:x" = "orders:write"', 'scopes."retailer:x": expected'),
    ('[tool.bolaudit.scopes]\n"retailer:x" = ":read"', 'scopes."retailer:x": expected'),
    ('[tool.bolaudit.apps]\nshop = "apps/shop"', 'apps."shop": expected a list of folders'),
    ('[tool.bolaudit.apps]\nshop = ["/abs"]', 'apps."shop": expected folders relative'),
    ('[tool.bolaudit.apps]\nshop = ["../up"]', 'apps."shop": expected folders relative'),
]


@pytest.mark.parametrize(("body", "expected"), BAD)
def test_bad_values_name_the_file_and_the_key(tmp_path: Path, body: str, expected: str) -> None:
    pyproject(tmp_path, body)
    message = error_of(tmp_path)
    assert message.startswith("pyproject.toml: [tool.bolaudit] ")
    assert expected in message  # each expected text starts with the key


def test_bad_value_in_bolaudit_toml(tmp_path: Path) -> None:
    write(tmp_path / ".bolaudit.toml", 'jobs = "two"\n')
    assert error_of(tmp_path) == '.bolaudit.toml: jobs: expected a whole number from 0 to 256, got "two"'


def test_a_file_outside_the_current_folder_is_named_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = pyproject(tmp_path / "proj", "jobs = -3")
    (tmp_path / "other").mkdir()
    monkeypatch.chdir(tmp_path / "other")
    assert error_of(found.parent).startswith(f"{found}: [tool.bolaudit] jobs:")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("job = 2", "job: unknown key (did you mean 'jobs'?)"),
        ('per_file_ignores = {"a" = ["BOL1"]}', "(did you mean 'per-file-ignores'?)"),
        ('max-size = "1MiB"', "(did you mean 'max-file-size'?)"),
        ("colour = 1", "colour: unknown key; known keys: apps, cache-dir"),
    ],
)
def test_unknown_keys_suggest_the_closest(tmp_path: Path, body: str, expected: str) -> None:
    pyproject(tmp_path, body)
    message = error_of(tmp_path)
    assert message.startswith("pyproject.toml: [tool.bolaudit] ")
    assert expected in message


def test_a_tool_table_in_bolaudit_toml_is_explained(tmp_path: Path) -> None:
    write(tmp_path / ".bolaudit.toml", "[tool.bolaudit]\njobs = 1\n")
    assert "keys are top-level" in error_of(tmp_path)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("pyproject.toml", "[tool.bolaudit]\njobs = \n", "pyproject.toml: invalid TOML"),
        (".bolaudit.toml", "jobs = [1,\n", ".bolaudit.toml: invalid TOML"),
        (".bolaudit.toml", "jobs = 1\njobs = 2\n", ".bolaudit.toml: invalid TOML"),
        ("pyproject.toml", "[tool]\nbolaudit = 3\n", "pyproject.toml: [tool.bolaudit] must be a"),
    ],
)
def test_broken_files(tmp_path: Path, name: str, text: str, expected: str) -> None:
    write(tmp_path / name, text)
    assert error_of(tmp_path).startswith(expected)


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / ".bolaudit.toml").write_bytes(b"jobs = 1 # caf\xe9\n")
    assert error_of(tmp_path).startswith(".bolaudit.toml: not UTF-8 text")


def test_a_missing_config_file_option(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.toml: cannot read"):
        load_config([tmp_path], config_file=tmp_path / "nope.toml")


def test_a_secret_in_the_wrong_key_is_not_echoed(tmp_path: Path) -> None:
    secret = "d3u2kP9-xq7ZrT4mWb8LsN0vYc6HjAeFgQ1o"
    written = user_config(tmp_path, f'client-secret-env = "{secret}"')
    message = error_of(tmp_path)
    assert "client-secret-env" in message
    assert secret not in message and secret[4:-3] not in message
    written.unlink()
    command_line = error_of(tmp_path / "elsewhere", client_secret_env=secret)
    assert command_line.startswith("command line: --client-secret-env: expected the name")
    assert secret not in command_line and secret[4:-3] not in command_line


# -- where credentials go: the command line or the user's config, never the project ---------------


def user_config(tmp_path: Path, body: str) -> Path:
    return write(tmp_path / "user-config" / "bolaudit" / "config.toml", body + "\n")


HOSTILE = (
    'token-url = "https://collect.example.net/token"\n'
    'client-id-env = "GITHUB_TOKEN"\nclient-secret-env = "AWS_SECRET_ACCESS_KEY"'
)


@pytest.mark.parametrize("where", ["pyproject.toml", ".bolaudit.toml"])
def test_a_project_cannot_say_where_credentials_go(tmp_path: Path, where: str) -> None:
    if where == "pyproject.toml":
        pyproject(tmp_path, f"jobs = 2\n{HOSTILE}")
    else:
        write(tmp_path / where, f"jobs = 2\n{HOSTILE}\n")
    config = load_config([tmp_path])
    assert config.jobs == 2  # the rest of the file is used
    assert (config.token_url, config.client_id_env, config.client_secret_env) == (
        "https://login.bol.com/token", "BOL_CLIENT_ID", "BOL_CLIENT_SECRET")
    (notice,) = config.notices
    section = "[tool.bolaudit] " if where == "pyproject.toml" else ""
    assert notice.startswith(f"{where}: {section}client-id-env, client-secret-env and token-url ignored: ")
    assert "command line or in your user config (" in notice and "never by the audited project" in notice
    assert "collect.example.net" not in notice and "GITHUB_TOKEN" not in notice


def test_a_project_value_is_ignored_unread_even_when_invalid(tmp_path: Path) -> None:
    pyproject(tmp_path, 'token-url = "http://collect.example.net/token"\nclient-id-env = 3')
    config = load_config([tmp_path])
    assert config.token_url == "https://login.bol.com/token"
    assert len(config.notices) == 1 and "client-id-env and token-url ignored" in config.notices[0]


def test_a_config_file_option_is_a_project_file_too(tmp_path: Path) -> None:
    given = write(tmp_path / "ci" / "bolaudit.toml", HOSTILE + "\n")
    config = load_config([tmp_path], config_file=given)
    assert config.token_url == "https://login.bol.com/token" and len(config.notices) == 1


def test_the_user_config_says_where_credentials_go(tmp_path: Path) -> None:
    user_config(tmp_path, 'token-url = "http://127.0.0.1:8080/token"\n'
                          'client-id-env = "MY_ID"\nclient-secret-env = "MY_SECRET"')
    pyproject(tmp_path / "proj", HOSTILE)
    config = load_config([tmp_path / "proj"])
    assert (config.token_url, config.client_id_env, config.client_secret_env) == (
        "http://127.0.0.1:8080/token", "MY_ID", "MY_SECRET")
    assert len(config.notices) == 1  # the project's values are still reported as ignored


def test_the_command_line_beats_the_user_config(tmp_path: Path) -> None:
    user_config(tmp_path, 'token-url = "http://127.0.0.1:8080/token"\nclient-id-env = "MY_ID"')
    config = load_config([tmp_path], {"token_url": "https://login.bol.com/token", "client_id_env": "CLI_ID"})
    assert (config.token_url, config.client_id_env, config.client_secret_env) == (
        "https://login.bol.com/token", "CLI_ID", "BOL_CLIENT_SECRET")
    assert config.notices == ()


def test_user_config_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bolaudit.config.user import user_config_path

    home = tmp_path / "home"
    assert user_config_path({"XDG_CONFIG_HOME": "/etc/xdg", "HOME": str(home)}) == Path(
        "/etc/xdg/bolaudit/config.toml")
    # The XDG spec: a relative XDG_CONFIG_HOME is ignored (it would be relative to the audited repo).
    for xdg in ("", "relative/cfg"):
        assert user_config_path({"XDG_CONFIG_HOME": xdg, "HOME": str(home)}) == (
            home / ".config" / "bolaudit" / "config.toml")
    write(home / ".config" / "bolaudit" / "config.toml", 'client-id-env = "HOME_ID"\n')
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(home))
    assert load_config([tmp_path]).client_id_env == "HOME_ID"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('token-url = "http://login.bol.com/token"', "token-url: expected an https:// URL"),
        ('token-url = "https://u:p@login.bol.com/token"', "token-url: expected an https:// URL"),
        ('client-id-env = "MY-ID"', "client-id-env: expected the name of an environment variable"),
        ("jobs = 4", "jobs: not a user setting; the user config holds only client-id-env, "
                     "client-secret-env and token-url"),
        ("token-url = ", "invalid TOML"),
    ],
)
def test_bad_user_config_values_name_the_file_and_the_key(tmp_path: Path, body: str, expected: str) -> None:
    path = user_config(tmp_path, body)
    message = error_of(tmp_path / "project")
    assert message.startswith(f"{path}: ") and expected in message


# -- precedence: command line > file > default --------------------------------------------------


@pytest.mark.parametrize(
    ("body", "overrides", "field", "expected"),
    [
        ("jobs = 2", {"jobs": 5}, "jobs", 5),
        ("jobs = 2", {}, "jobs", 2),
        ("", {}, "jobs", 0),
        ('select = ["BOL1"]', {"select": ("BOL2", "BOL3")}, "select", ("BOL1",)),
        ('select = ["BOL1"]', {"select": ("BOL2", "BOL3")}, "command_line.select", ("BOL2", "BOL3")),
        ('select = ["BOL1"]', {"select": "BOL2, BOL3"}, "command_line.select", ("BOL2", "BOL3")),
        ('select = ["BOL1"]', {"select": ()}, "command_line.select", None),  # click's absent option
        ('select = ["BOL1"]', {"select": None}, "command_line.select", None),
        ('exclude = ["a/"]', {"exclude": ["b/"]}, "exclude", ("a/",)),
        ('exclude = ["a/"]', {"exclude": ["b/"]}, "command_line.exclude", ("b/",)),
        ("", {"extend_select": "BOL1"}, "command_line.extend_select", ("BOL1",)),
        ("", {"force_exclude": True}, "command_line.force_exclude", True),
        ("max-file-size = 10", {"max-file-size": "2KiB"}, "max_file_size", 2048),
        ("", {}, "max_file_size", DEFAULT_MAX_FILE_SIZE),
        ("warn-days = 3", {"warn_days": 0}, "warn_days", 0),
        ("", {"use_cache": False}, "use_cache", False),
        ("", {}, "use_cache", True),
    ],
)
def test_precedence(
    tmp_path: Path, body: str, overrides: dict[str, object], field: str, expected: object
) -> None:
    pyproject(tmp_path, body)
    value: object = load_config([tmp_path], overrides)
    for name in field.split("."):
        value = getattr(value, name)
    assert value == expected


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"jobs": "two"}, 'command line: --jobs: expected a whole number from 0 to 256, got "two"'),
        ({"select": ["nope"]}, "command line: --select: expected rule codes"),
        ({"jbos": 1}, "command line: --jbos: unknown key (did you mean 'jobs'?)"),
        ({"use_cache": "yes"}, 'command line: --use-cache: expected true or false, got "yes"'),
    ],
)
def test_bad_command_line_values(
    tmp_path: Path, overrides: dict[str, object], expected: str
) -> None:
    assert error_of(tmp_path, **overrides).startswith(expected)


def test_use_cache_is_not_a_file_key(tmp_path: Path) -> None:
    pyproject(tmp_path, "use-cache = false")
    assert "use-cache: unknown key" in error_of(tmp_path)


# -- questions on paths --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rel", "excluded"),
    [
        ("tests/fixtures/leak.py", True),
        ("tests/fixtures/deep/er/x.env", True),
        ("tests/test_x.py", False),
        ("build/lib/x.py", True),
        ("src/build/x.py", True),  # "build/" has no leading slash: any depth, as in git
        ("docs/keep.md", False),
        ("docs/drop.md", True),
        ("../outside/tests/fixtures/x.py", False),
        ("/abs/tests/fixtures/x.py", False),
    ],
)
def test_is_excluded(rel: str, excluded: bool) -> None:
    config = Config(exclude=("tests/fixtures/**", "build/", "docs/*.md", "!docs/keep.md"))
    assert config.is_excluded(rel) is excluded


@pytest.mark.parametrize(
    ("rel", "codes"),
    [
        ("tests/test_a.py", {"BOL101", "BOL2"}),
        ("tests/fixtures/x.py", {"BOL101", "BOL2", "BOL"}),
        ("scripts/run.py", {"BOL3"}),
        ("src/app.py", set()),
    ],
)
def test_ignored_codes_for(rel: str, codes: set[str]) -> None:
    config = Config(
        per_file_ignores=(
            ("tests/**", ("BOL101", "BOL2")),
            ("tests/fixtures/", ("BOL",)),
            ("scripts/*.py", ("BOL3",)),
        )
    )
    assert config.ignored_codes_for(rel) == codes


def test_is_code_ignored_treats_entries_as_prefixes() -> None:
    config = Config(per_file_ignores=(("tests/**", ("BOL2",)),))
    assert config.is_code_ignored("BOL203", "tests/t.py")
    assert not config.is_code_ignored("BOL101", "tests/t.py")
    assert not config.is_code_ignored("BOL203", "src/t.py")


def test_config_is_frozen_and_hashable() -> None:
    config = Config(exclude=("a/",))
    with pytest.raises(AttributeError):
        config.jobs = 3  # type: ignore[misc]
    assert hash(config) == hash(Config(exclude=("a/",), root=config.root))
