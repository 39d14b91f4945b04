"""bolaudit: audit Python codebases that integrate with the bol.com Retailer API.

Importing this package must stay cheap (``bolaudit --version`` runs on every pre-commit start):
no libcst, no detect-secrets here.
"""

__version__ = "0.1.0"

# Where bolaudit is published: installed from there (it is not on PyPI), and its README is where
# each rule's documentation anchor lives (SARIF's helpUri). pyproject.toml's [project.urls] and
# the README's snippets name the same URL (a test keeps them in step).
REPOSITORY_URL = "https://example.invalid/bolaudit"
