"""Helpers for the web tests: an app over a seeded database, and console logins."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Engine

from assistant.config import load_config
from assistant.store import repo, session_factory, transaction
from assistant.web import create_app
from mail_ingest.local import import_path
from mail_ingest.pipeline import Pipeline

DEMO = Path(__file__).resolve().parents[1] / "demo" / "mailbox"
PASSWORDS = {"agent": "tranquil-harbour-lantern-42", "admin": "granite-meadow-violin-77"}


def seed(engine: Engine) -> dict[str, str]:
    """Import the demo mailbox and create an agent and an admin; returns their API tokens."""
    factory = session_factory(engine)
    import_path(factory, Pipeline(factory), DEMO, progress=False)
    tokens = {}
    with transaction(factory) as session:
        for role, password in PASSWORDS.items():
            user = repo.create_user(session, role, password, role=role)
            tokens[role] = repo.issue_api_token(session, user)
    return tokens


def make_app(engine: Engine, **env: str):
    url = engine.url.render_as_string(hide_password=False)
    config = load_config({"DATABASE_URL": url, "SECRET_KEY": "test-secret", "APP_ENV": "test", **env})
    return create_app({"CONFIG": config, "TESTING": True})


class ConsoleActions:
    """flaskr's AuthActions, for our console: log in through the real form (CSRF included)."""

    def __init__(self, client) -> None:  # type: ignore[no-untyped-def]
        self.client = client

    def csrf(self, path: str = "/login") -> str:
        page = self.client.get(path)
        return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)

    def login(self, username: str = "agent", password: str | None = None):  # type: ignore[no-untyped-def]
        token = self.csrf()
        return self.client.post(
            "/login", data={"username": username, "password": password or PASSWORDS[username], "csrf_token": token}
        )
