"""bolaudit.extract."""
