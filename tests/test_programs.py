"""The programs of one repository (BOL103): entry modules, and the modules and config files each
one reaches."""

from __future__ import annotations

import textwrap
from pathlib import Path

from bolaudit.credentials.programs import ProgramMap, excluded
from bolaudit.project import Project
from conftest import audit, write_tree

ID = "5c1f9e27-8d43-4a6b-b0e2-93f7d1a4c865"
TOKEN = 'requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"})'


def programs(tree: Path, files: dict[str, str]) -> ProgramMap:
    write_tree(tree, {p: textwrap.dedent(c).lstrip("\n") for p, c in files.items()})
    project = audit(tree, select=("BOL000",)).project
    assert isinstance(project, Project)
    return project.programs


def test_entries_and_what_they_reach(tree: Path) -> None:
    found = programs(tree, {
        "shop/__init__.py": "",
        "shop/settings.py": f'import requests\nROOT_URLCONF = "shop.urls"\nBOL = "https://login.bol.com/token"\n',
        "shop/urls.py": "from shop import views\n",
        "shop/views.py": f"import requests\n\ndef token(request):\n    return {TOKEN}\n",
        "shop/tasks.py": f"import requests\n\ndef refresh():\n    return {TOKEN}\n",
        "shop/celery.py": """
            import os

            from celery import Celery

            from shop import tasks

            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
            app = Celery("shop", include=["shop.tasks"])
        """,
        "manage.py": """
            import os
            import sys

            if __name__ == "__main__":
                os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
                from django.core.management import execute_from_command_line
                execute_from_command_line(sys.argv)
        """,
        "tools/pipeline.py": f"""
            import json
            import os
            from pathlib import Path

            import requests

            HERE = Path(__file__).parent
            CONFIG = json.loads((HERE / "pipeline.json").read_text())

            def main():
                with open(os.path.join("settings", "bol.yaml")) as fh:
                    fh.read()
                {TOKEN}

            if __name__ == "__main__":
                main()
        """,
        "tools/pipeline.json": f'{{"client_id": "{ID}"}}\n',
        "settings/bol.yaml": f"client_id: {ID}\n",
        "other/pipeline.json": f'{{"client_id": "{ID}"}}\n',
        "tests/run_token.py": f"import requests\n\nif __name__ == '__main__':\n    {TOKEN}\n",
    })
    # manage.py names nothing of bol and imports no module that does: it is not analysed, so it
    # is no program here (its places take no part rather than being guessed).
    assert {(p.path, p.kind) for p in found.programs} == {("shop/celery.py", "worker"), ("tools/pipeline.py", "script")}
    assert found.of("shop/views.py") == {"shop/celery.py"}  # "shop.settings" -> ROOT_URLCONF -> urls -> views
    assert found.of("tools/pipeline.json") == {"tools/pipeline.py"}  # next to the script, not other/
    assert found.of("settings/bol.yaml") == {"tools/pipeline.py"}
    assert found.of("other/pipeline.json") == frozenset()
    assert found.of("tests/run_token.py") == frozenset()


def test_tests_examples_and_docs_are_no_programs() -> None:
    for path in ("tests/run.py", "src/app/tests/test_x.py", "examples/quickstart.py", "docs/conf.py",
                 "test_bol.py", "bol_test.py", "conftest.py", "setup.py"):
        assert excluded(path), path
    for path in ("pipeline.py", "scripts/sync.py", "src/shop/contest.py", "latest/run.py"):
        assert not excluded(path), path
