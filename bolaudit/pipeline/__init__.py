"""bolaudit.pipeline."""
