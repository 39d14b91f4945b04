"""bolaudit.credentials."""
