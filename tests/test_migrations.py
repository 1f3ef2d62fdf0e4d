"""Alembic migrations: `python -m assistant db upgrade` takes a database made by the pre-Alembic
schema (with data) to head on SQLite and PostgreSQL, keeping every row; a new database gets the
same tables as the models describe."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from assistant.store import (
    Base,
    Case,
    Message,
    SchemaMismatch,
    User,
    check_schema,
    make_engine,
    repo,
    session_factory,
    transaction,
    upgrade,
)
from assistant.store.db import head_revision

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "schema"
V1_COUNTS = {"messages": 20, "cases": 17, "users": 2, "audit_events": 17}


def load_v1(database_url: str) -> None:
    """Restore the dump of a database made by commit e0ad160's schema."""
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.split("///", 1)[1]) as connection:
            connection.executescript((FIXTURES / "v1.sqlite.sql").read_text())
        return
    url = make_url(database_url)
    dsn = f"host={url.host} port={url.port} user={url.username} dbname={url.database}"
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute((FIXTURES / "v1.postgresql.sql").read_text())


def db_upgrade(database_url: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "db", "upgrade"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.slow  # `db upgrade` CLI in a subprocess
def test_a_database_of_todays_schema_with_data_migrates_to_head(database_url):
    load_v1(database_url)
    engine = make_engine(database_url)
    with pytest.raises(SchemaMismatch):
        check_schema(engine)  # the app refuses to start on it until it is migrated
    assert head_revision() in db_upgrade(database_url)
    check_schema(engine)
    with engine.connect() as connection:
        for table, count in V1_COUNTS.items():
            assert connection.scalar(text(f"SELECT count(*) FROM {table}")) == count, table
        tables = set(inspect(connection).get_table_names())
    assert "schema_info" not in tables and "rate_counters" in tables
    factory = session_factory(engine)
    with factory() as session:
        # every migrated message got its identity key, and the data is still readable through the models
        assert session.scalar(select(func.count()).where(Message.content_key.is_(None))) == 0
        assert session.scalar(select(func.count()).where(Message.id_conflict.is_(True))) == 0
        case = session.scalars(select(Case).order_by(Case.id)).first()
        assert case.rights and case.message.subject
        assert {u.session_generation for u in session.scalars(select(User))} == {0}
        assert repo.authenticate(session, "agent", "agent-password") is not None  # v1's hashes still verify
    # the same message, imported again after the migration, is recognised as already stored
    from mail_ingest.local import import_path
    from mail_ingest.pipeline import Pipeline

    import_path(factory, Pipeline(factory), ROOT / "demo" / "mailbox", progress=False)
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == V1_COUNTS["messages"]
    assert head_revision() in db_upgrade(database_url)  # running it again changes nothing
    engine.dispose()


def test_a_new_database_gets_exactly_the_models_tables(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    check_schema(engine)
    inspector = inspect(engine)
    for table in Base.metadata.sorted_tables:
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        assert columns == set(table.columns.keys()), table.name
    with transaction(session_factory(engine)) as session:
        repo.create_user(session, "maria", "long unusual passphrase 4 tests")
    engine.dispose()


def test_an_empty_database_is_refused_until_upgraded(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    create_engine(url).connect().close()
    with pytest.raises(SchemaMismatch, match="db upgrade"):
        check_schema(make_engine(url))
