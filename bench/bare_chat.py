"""The least any WSGI app can do for /api/v1/chat: parse the JSON, call answer(), dump the result.

bench/web.py serves it under the same gunicorn settings as the service, so the gap between its
rate and the in-process rate is the cost of gunicorn, the kernel and wrk alone; no Flask, no
security headers, no rate limiting.
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
