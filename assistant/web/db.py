"""The request's database session, on ``g``; closed by the app's teardown."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session


def get_db() -> Session:
    if "db" not in g:
        g.db = current_app.extensions["db_factory"]()
    return g.db
