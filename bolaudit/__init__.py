"""bolaudit: audit Python codebases that integrate with the bol.com Retailer API.

Importing this package must stay cheap (``bolaudit --version`` runs on every pre-commit start):
no libcst, no detect-secrets here.
"""

__version__ = "0.1.0"
