"""bolaudit.fixes.edits."""
