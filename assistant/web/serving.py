"""Gunicorn settings for the web service, read by the Procfile and bench/web.py alike:

    gunicorn -c python:assistant.web.serving --bind 0.0.0.0:5000 "assistant.web:create_app()"

Override any of them for an experiment with GUNICORN_CMD_ARGS (e.g. "--worker-class sync").
"""

from __future__ import annotations

import os
from typing import Any

from ..warm import freeze_heap

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Handlers are CPU-bound, so each worker runs one request at a time. Measured on 2 cores under wrk
# at 16 connections: gevent (keep-alive) served chat 10-25% faster but with a p99 of 1.2 s (starved
# greenlets); gthread let one worker take all 16 kept-alive connections (half the throughput), and
# with --reuse-port to spread them it still cost more per request than sync (1,017-1,048 req/s
# against 1,085-1,260).
worker_class = "sync"
# Liveness heartbeats are written once per request: keep them in memory, not on disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = None  # requests carry personal data in their paths; errors are logged by the app


def post_worker_init(worker: Any) -> None:
    """create_app() has loaded the models: take them out of the garbage collector's walks."""
    freeze_heap()
