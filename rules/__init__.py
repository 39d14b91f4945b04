"""The bolaudit rule pack, installed as ``bolaudit.rules``: one rule per module, named for what it finds."""
