"""Alembic environment: run by ``assistant.store.db.upgrade`` on the connection it is given.

There is no alembic.ini: the project calls Alembic from ``python -m assistant db upgrade``, with
DATABASE_URL already validated by assistant.config.
"""

from __future__ import annotations

from alembic import context

from assistant.store.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
