"""The least an app can do for /api/v1/chat: parse the JSON, call answer(), dump the result.

bench/web.py serves both under the same gunicorn settings as the service:
- ``app``, bare WSGI: the gap between its rate and the in-process rate is the cost of gunicorn,
  the kernel and wrk alone;
- ``flask_app``, one Flask route and nothing else: what Flask itself adds.
Neither has security headers, rate limiting, CORS or input checks.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.warm import load_models

load_models()


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    from assistant.chat import answer

    if environ["REQUEST_METHOD"] != "POST":  # readiness probe
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]
    data = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
    body = json.dumps(answer(data["question"]).to_dict()).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _flask_app() -> Any:
    from flask import Flask, jsonify, request

    from assistant.chat import answer

    flask = Flask(__name__)
    flask.json.sort_keys = False  # type: ignore[attr-defined]

    @flask.get("/readyz")
    def ready() -> str:
        return "ok"

    @flask.post("/")
    def chat() -> Any:
        return jsonify(answer(request.get_json()["question"]).to_dict())

    return flask


flask_app = _flask_app()
