"""Alembic migrations of the store; applied by ``python -m assistant db upgrade``."""
