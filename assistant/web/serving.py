"""Gunicorn settings for the web service, read by the Procfile and bench/web.py alike:

    gunicorn -c python:assistant.web.serving --bind 0.0.0.0:5000 "assistant.web:create_app()"

Override any of them for an experiment with GUNICORN_CMD_ARGS (e.g. "--worker-class sync").
"""

from __future__ import annotations

import json
import os
from typing import Any

from gunicorn.http import errors as http_errors
from gunicorn.util import write_nonblock
from gunicorn.workers.sync import SyncWorker

from ..warm import freeze_heap

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Handlers are CPU-bound, so each worker runs one request at a time. Measured on 2 cores under wrk
# at 16 connections: gevent (keep-alive) served chat 10-25% faster but with a p99 of 1.2 s (starved
# greenlets); gthread let one worker take all 16 kept-alive connections (half the throughput), and
# with --reuse-port to spread them it still cost more per request than sync (1,017-1,048 req/s
# against 1,085-1,260).
worker_class = "assistant.web.serving.JsonErrorWorker"
# Liveness heartbeats are written once per request: keep them in memory, not on disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = None  # requests carry personal data in their paths; errors are logged by the app


def post_worker_init(worker: Any) -> None:
    """create_app() has loaded the models: take them out of the garbage collector's walks."""
    freeze_heap()


# What gunicorn refuses before the app sees the request: answered as JSON like every other error.
PARSE_ERRORS: tuple[tuple[type[Exception], int, str, str], ...] = (
    (http_errors.LimitRequestLine, 414, "URI Too Long", "uri_too_long"),
    (http_errors.LimitRequestHeaders, 431, "Request Header Fields Too Large", "headers_too_large"),
    (http_errors.ParseException, 400, "Bad Request", "bad_request"),
)


def parse_error_response(exc: Exception) -> bytes | None:
    """The raw HTTP answer for a request gunicorn could not parse, or None for other errors.

    >>> parse_error_response(http_errors.LimitRequestLine(9000, 8190)).split(b"\\r\\n")[0]
    b'HTTP/1.1 414 URI Too Long'
    """
    for kind, status, reason, code in PARSE_ERRORS:
        if isinstance(exc, kind):
            body = json.dumps({"error": code, "message": f"the request could not be read ({reason.lower()})"})
            head = (
                f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\n\r\n"
            )
            return (head + body).encode("latin-1")
    return None


class JsonErrorWorker(SyncWorker):
    """gunicorn's sync worker, whose own error pages (414, 431, 400) are JSON instead of HTML."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: Exception) -> None:
        response = parse_error_response(exc)
        if response is None:
            super().handle_error(req, client, addr, exc)
            return
        self.log.warning("invalid request refused: %s", type(exc).__name__)  # no URI: it may hold personal data
        try:
            write_nonblock(client, response)
        except OSError:
            self.log.debug("could not send the error answer")
