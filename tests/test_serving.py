"""The Procfile's web line, run as written: gunicorn with assistant/web/serving.py serves the app."""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
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
        assert_gunicorn_refusals_are_json(port)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        assert server.wait(timeout=30) == 0


def raw_http(port: int, request: bytes) -> tuple[str, dict[str, str], bytes]:
    """Send bytes as they are (urllib would refuse them) and read the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}
    return status, headers, body


def assert_gunicorn_refusals_are_json(port: int) -> None:
    """Item 11: what gunicorn refuses itself (too long a request line, too many headers, a broken
    request line) was an HTML page, on API routes too."""
    cases = [
        (b"GET /api/v1/cases?q=" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", "414", "uri_too_long"),
        (b"GET /api/v1/cases HTTP/1.1\r\n" + b"X-A: b\r\n" * 200 + b"\r\n", "431", "headers_too_large"),
        (b"GET /api/v1/cases HTTP/1.1\r\nX-A: " + b"b" * 9000 + b"\r\n\r\n", "431", "headers_too_large"),
        (b"\x00\x01 / HTTP/1.1\r\n\r\n", "400", "bad_request"),
    ]
    for request, status, code in cases:
        line, headers, body = raw_http(port, request)
        assert line.split(" ")[1] == status, (line, request[:40])
        assert headers["content-type"] == "application/json"
        assert json.loads(body)["error"] == code
