"""Alembic migrations of the coach's tables (a package so installs ship them)."""
