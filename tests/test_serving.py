"""The Procfile's web line, run as written: gunicorn with assistant/web/serving.py serves the app."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from servers import free_port

from assistant.store import make_engine, upgrade

ROOT = Path(__file__).resolve().parents[1]


def procfile_command(kind: str, port: int) -> list[str]:
    line = next(x for x in (ROOT / "Procfile").read_text().splitlines() if x.startswith(f"{kind}:"))
    words = shlex.split(line.split(":", 1)[1].replace("${PORT:-5000}", str(port)))
    assert words[0] == "gunicorn"
    return [sys.executable, "-m", *words]


def test_procfile_web_serves_chat_and_readiness(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'serving.sqlite3'}"
    upgrade(make_engine(url))
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "serving-test", "WEB_CONCURRENCY": "1"}
    server = subprocess.Popen(procfile_command("web", port), cwd=ROOT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, "gunicorn exited at start"
            try:
                with urllib.request.urlopen(base + "/readyz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn never became ready"
                time.sleep(0.3)
        question = json.dumps({"question": "¿Cuánto tiempo guardan mi currículum?"}).encode()
        request = urllib.request.Request(
            base + "/api/v1/chat", data=question, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.load(response)
            assert response.headers["Cache-Control"] == "no-store"
            assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert answer["answered"] is True
        assert answer["citations"], answer
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        assert server.wait(timeout=30) == 0
