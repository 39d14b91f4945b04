"""bolaudit.tokens.jwt."""
