"""Fixtures that compose: servers (once per session) -> database -> app -> client."""

from __future__ import annotations

import itertools
import os
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


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    server = DovecotServer().start()
    yield server
    server.remove()


@pytest.fixture
def seeded(engine):
    from webapp import seed

    return engine, seed(engine)


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


SERVER_FIXTURES = frozenset({"postgres_server", "postgres_url", "dovecot", "browser"})
SERVER_MODULES = frozenset({"test_serving"})  # starts gunicorn and wrk


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `slow` every test that needs a real server (PostgreSQL, Dovecot, Chromium, gunicorn), so
    `make test-fast` (pytest -m "not slow") runs the rest with no root and no servers."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        params = getattr(getattr(item, "callspec", None), "params", {})
        module = item.module.__name__ if getattr(item, "module", None) else ""
        if names & SERVER_FIXTURES or params.get("database_url") == "postgresql" or module in SERVER_MODULES:
            item.add_marker(pytest.mark.slow)
