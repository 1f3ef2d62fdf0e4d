"""The Flask service: JSON API (/api/v1), agents' console (/), chat widget (/widget.js).

    gunicorn "assistant.web:create_app()"

One app factory; configuration from the environment (assistant.config), or ``test_config`` in tests.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, g, request
from flask.json.provider import DefaultJSONProvider

from ..config import Config, load_config
from ..store import check_schema, make_engine, session_factory
from ..warm import load_models
from . import api, chat_feedback, console, errors, quarantine, security, widget
from .errors import ApiError
from .i18n import init_i18n
from .validation import BoundedIntConverter, InvalidInput, check_text, load_json


class SafeJSONProvider(DefaultJSONProvider):
    """Any ``request.get_json()`` gets the limits of ``validation.load_json`` (a ValueError, so a 400)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return load_json(s)


def _check_query() -> None:
    """Query strings reach SQL filters: NUL (refused by PostgreSQL) is a 400 here, not a 500 there."""
    try:
        for key, value in request.args.items(multi=True):
            check_text(key, "a query parameter")
            check_text(value, f"query parameter {key!r}")
    except InvalidInput as exc:
        raise ApiError(400, str(exc)) from None


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``test_config`` may hold ``CONFIG`` (an assistant.config.Config) and Flask keys."""
    app = Flask(__name__)
    app.json_provider_class = SafeJSONProvider
    app.json = SafeJSONProvider(app)
    app.url_map.converters["int"] = BoundedIntConverter  # before any route is added
    config: Config = (test_config or {}).get("CONFIG") or load_config()
    app.config.from_mapping(
        SECRET_KEY=config.secret_key,
        MAX_CONTENT_LENGTH=config.max_request_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.is_production,
        DPO_CONFIG=config,
    )
    if test_config:
        app.config.update({k: v for k, v in test_config.items() if k != "CONFIG"})
    engine = make_engine(config.database_url)
    check_schema(engine)
    app.extensions["db_factory"] = session_factory(engine)
    app.extensions["db_engine"] = engine
    app.json.sort_keys = False  # keys in the order the documents define them (and no sorting cost)

    if config.is_production:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    @app.teardown_appcontext
    def _close_session(exc: BaseException | None) -> None:
        session = g.pop("db", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()

    if app.config.get("PRELOAD_MODELS", True):  # each worker loads them at start, not on a visitor's question
        load_models()

    errors.init_app(app)
    app.before_request(_check_query)
    security.init_app(app)
    init_i18n(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(chat_feedback.bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(widget.bp)
    app.register_blueprint(quarantine.bp)
    return app
