"""Engines and sessions: SQLite by default (zero set-up), PostgreSQL for several processes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from .models import SCHEMA_VERSION, Base, SchemaInfo


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


def upgrade(engine: Engine) -> int:
    """Create missing tables and record the schema version; returns the version now in force."""
    Base.metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        info = session.scalar(select(SchemaInfo).limit(1))
        if info is None:
            session.add(SchemaInfo(version=SCHEMA_VERSION))
        elif info.version > SCHEMA_VERSION:
            raise SchemaMismatch(f"database schema {info.version} is newer than this code ({SCHEMA_VERSION})")
        else:
            info.version = SCHEMA_VERSION
    return SCHEMA_VERSION


def check_schema(engine: Engine) -> None:
    """Fail early with a clear message when the tables are missing or stale."""
    if not inspect(engine).has_table(SchemaInfo.__tablename__):
        raise SchemaMismatch("database has no schema; run `python -m assistant db upgrade`")
    with Session(engine) as session:
        version = session.scalar(select(SchemaInfo.version).limit(1))
    if version != SCHEMA_VERSION:
        raise SchemaMismatch(f"database schema {version} != {SCHEMA_VERSION}; run `python -m assistant db upgrade`")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session
