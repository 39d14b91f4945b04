"""bolaudit.bounded."""
