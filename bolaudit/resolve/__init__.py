"""bolaudit.resolve."""
