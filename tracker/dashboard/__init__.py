"""The start page per role, the language switch and the health check."""
