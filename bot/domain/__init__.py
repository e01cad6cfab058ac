"""The incident rules, pure Python: standard library only (a test enforces it)."""
