"""The token oracle: fixture apps run against loopback fakes of bol, their token requests counted.

``child`` runs one app in a fresh interpreter (``python -m token_oracle.child APP_DIR``) and prints
what happened as JSON; ``harness`` is the loopback world it runs in (token service, Retailer API,
controlled clock, bol's hosts redirected); ``drivers`` knows how each framework is driven;
``verdict`` turns counts and bolaudit's JSON into rule codes. tests/test_token_oracle.py ties them.
"""
