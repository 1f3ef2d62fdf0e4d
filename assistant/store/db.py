"""Engines and sessions: SQLite by default (zero set-up), PostgreSQL for several processes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker


class SchemaMismatch(RuntimeError):
    """The database was created by a newer or older schema; run `python -m assistant db upgrade`."""


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout for worker + web."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


MIGRATIONS = Path(__file__).parent / "migrations"
logging.getLogger("alembic").setLevel(logging.WARNING)  # its INFO lines would open every worker's log
BASELINE = "0001"  # the schema the code made before Alembic (it kept a schema_info table)


def _alembic(connection: Connection) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> str:
    """Apply the Alembic migrations up to head; returns the revision now in force.

    A database made before Alembic (it has ``schema_info`` but no ``alembic_version``) is first
    stamped at the baseline, so its tables and rows are migrated, never re-created.
    """
    with engine.begin() as connection:
        tables = set(inspect(connection).get_table_names())
        config = _alembic(connection)
        if "schema_info" in tables and "alembic_version" not in tables:
            command.stamp(config, BASELINE)
        command.upgrade(config, "head")
        revision = current_revision(connection)
    assert revision is not None
    return revision


def check_schema(engine: Engine) -> None:
    """Fail early with a clear message when the tables are missing or stale."""
    with engine.connect() as connection:
        revision = current_revision(connection)
    if revision is None:
        raise SchemaMismatch("database has no schema (or predates migrations); run `python -m assistant db upgrade`")
    if revision != head_revision():
        raise SchemaMismatch(f"database schema {revision} != {head_revision()}; run `python -m assistant db upgrade`")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session
