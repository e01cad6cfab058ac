"""Storage: SQLModel tables, the repository (the only SQL) and Alembic migrations."""
