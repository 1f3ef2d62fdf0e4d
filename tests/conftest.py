"""Fixtures that compose: servers (once per session) -> database -> app -> client."""

from __future__ import annotations

import itertools
import os
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

sys.path.insert(0, str(Path(__file__).parent))

from servers import DovecotServer, PostgresServer

from assistant.store import make_engine, upgrade

_db_counter = itertools.count()
# The suite uses the shipped classifier, never one a developer promoted in instance/models.
os.environ["MODELS_DIR"] = tempfile.mkdtemp(prefix="dpo-test-models-")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    yield server
    server.stop()


def _new_postgres_database(server: PostgresServer) -> str:
    name = f"t{next(_db_counter)}"
    admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.url(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each backend: every storage test runs on both."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    return _new_postgres_database(request.getfixturevalue("postgres_server"))


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    return _new_postgres_database(postgres_server)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database at the newest revision, migrated once per session (Alembic costs
    ~0.15 s a run); each test copies the file. test_migrations.py runs the migrations themselves."""
    path = tmp_path_factory.mktemp("migrated") / "head.sqlite3"
    template = make_engine(f"sqlite:///{path}")
    upgrade(template)
    template.dispose()
    return path


@pytest.fixture
def engine(database_url: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    eng = make_engine(database_url)
    if eng.dialect.name == "sqlite" and not Path(eng.url.database).exists():
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), eng.url.database)
    else:
        upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    server = DovecotServer().start()
    yield server
    server.remove()


@pytest.fixture(scope="session")
def seeded_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The demo mailbox imported and the users created once per session (~1 s of classifying and
    password hashing); each SQLite test gets its own copy of the file."""
    from webapp import seed

    path = tmp_path_factory.mktemp("seed") / "seeded.sqlite3"
    template = make_engine(f"sqlite:///{path}")
    upgrade(template)
    tokens = seed(template)
    template.dispose()
    return path, tokens


@pytest.fixture
def seeded(engine: Engine, request: pytest.FixtureRequest):
    """The test's own database with the demo mailbox and users in it: on SQLite a copy of the
    session's seeded file (SQLite's backup API, the whole database), on PostgreSQL seeded afresh."""
    from webapp import seed

    if engine.dialect.name != "sqlite":
        return engine, seed(engine)
    template, tokens = request.getfixturevalue("seeded_sqlite_template")
    engine.dispose()  # no pooled connection may hold the old pages
    with sqlite3.connect(template) as source, sqlite3.connect(engine.url.database) as target:
        source.backup(target)
    source.close()
    target.close()
    return engine, dict(tokens)


@pytest.fixture
def app(seeded):
    from webapp import make_app

    engine, _ = seeded
    return make_app(engine, WIDGET_ALLOWED_ORIGINS="http://widget.example")


@pytest.fixture
def tokens(seeded):
    return seeded[1]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def console(client):
    from webapp import ConsoleActions

    return ConsoleActions(client)


SERVER_FIXTURES = frozenset({"postgres_server", "postgres_url", "dovecot", "tls_dovecot", "browser"})
SERVER_MODULES = frozenset({"test_serving"})  # starts gunicorn and wrk


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `slow` every test that needs a real server (PostgreSQL, Dovecot, Chromium, gunicorn), so
    `make test-fast` (pytest -m "not slow") runs the rest with no root and no servers. Any fixture
    parametrised "postgresql" (``database_url``, a module's own app fixture) needs the server too.
    Tests that start a server inline, run the CLI in a subprocess (spaCy loaded again), train a model
    or fuzz the API carry ``@pytest.mark.slow`` themselves: `make test` runs them all."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        params = getattr(getattr(item, "callspec", None), "params", {})
        module = item.module.__name__ if getattr(item, "module", None) else ""
        if names & SERVER_FIXTURES or "postgresql" in params.values() or module in SERVER_MODULES:
            item.add_marker(pytest.mark.slow)
