"""HTTP cost of the service: gunicorn (2 workers) on loopback under wrk, vs the same calls in-process.

    python bench/web.py [--seconds 10]

For /api/v1/analyze (2 KB mails: a request with a quoted reply and a disclaimer) and /api/v1/chat
(visitors' questions), and /healthz as the framework's
ceiling: wrk at concurrency 2 (latency p99) and 16 (errors, throughput). In the same run, the
in-process rate of the same analyze()/answer() calls in 2 processes. Last line: one JSON object
with analyze_ratio, chat_ratio, analyze_p99_ms, chat_p99_ms.

The server runs with the service's own settings (assistant/web/serving.py, as in the Procfile);
GUNICORN_CMD_ARGS overrides them for an experiment, e.g. GUNICORN_CMD_ARGS="--worker-class sync".
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUESTIONS = [
    "¿Cuánto tiempo guardan mi currículum?",
    "Who is your data protection officer?",
    "Combien de temps conservez-vous les images de vidéosurveillance ?",
    "¿Venden mis datos a terceros?",
    "How do I delete my data?",
    "¿Cuánto tardan en contestar una solicitud?",
]


def analyze_bodies() -> list[dict[str, str]]:
    from assistant.nlp.train import load_corpus

    sys.path.insert(0, str(ROOT / "bench"))
    from common import pad

    rows = load_corpus(split="test")[:60]
    return [{"subject": r["subject"], "body": pad(r["body"])} for r in rows]  # ~2 KB: a mail with a quoted reply


def lua_script(path: Path, bodies: list[str], token: str | None) -> None:
    quoted = ",\n".join("[[" + b.replace("]]", "] ]") + "]]" for b in bodies)
    auth = f'wrk.headers["Authorization"] = "Bearer {token}"\n' if token else ""
    path.write_text(f"""wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
{auth}local bodies = {{
{quoted}
}}
local i = 0
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
""")


def run_wrk(url: str, connections: int, seconds: int, script: Path | None = None) -> dict[str, float]:
    # One wrk thread drives 16 connections easily and leaves the second core to the server.
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s", url]
    if script:
        cmd[1:1] = ["-s", str(script)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(x) for x in socket_errors.groups())
    return {"rps": rps, "p99_ms": float(p99.group(1)) * scale, "errors": errors}


def _in_process(kind: str, seconds: float, queue: multiprocessing.Queue) -> None:
    if kind == "analyze":
        from assistant.nlp.analyze import get_analyzer

        engine = get_analyzer()
        items = analyze_bodies()

        def call(i: int) -> None:
            engine.analyze(items[i % len(items)]["subject"], items[i % len(items)]["body"])
    else:
        from assistant.chat import get_engine

        chat = get_engine()

        def call(i: int) -> None:
            chat.answer(QUESTIONS[i % len(QUESTIONS)])

    from assistant.warm import freeze_heap

    freeze_heap()  # as each gunicorn worker does after loading: both measurements run on the same heap
    for i in range(20):
        call(i)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        call(count)
        count += 1
    queue.put(count / (time.perf_counter() - start))


def in_process_rate(kind: str, seconds: float, processes: int = 2) -> float:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_in_process, args=(kind, seconds, queue)) for _ in range(processes)]
    for p in procs:
        p.start()
    rates = [queue.get(timeout=300) for _ in procs]
    for p in procs:
        p.join()
    return sum(rates)


@contextlib.contextmanager
def gunicorn(app: str, env: dict[str, str], cwd: Path = ROOT) -> Iterator[str]:
    """The app under the service's gunicorn settings (2 workers) on a loopback port; yields its base URL."""
    port = 18000 + os.getpid() % 1000
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "-c", "python:assistant.web.serving", "--workers", "2"),
            *("--bind", f"127.0.0.1:{port}", "--log-level", "warning", app),
        ],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise SystemExit("gunicorn exited before it was ready; see its log above")
            try:
                if urllib.request.urlopen(base + "/readyz", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk missing: apt-get install wrk (make bench installs it)", file=sys.stderr)
        return 1

    from assistant.store import make_engine, repo, session_factory, transaction, upgrade

    workdir = Path(tempfile.mkdtemp(prefix="bench-web."))
    url = f"sqlite:///{workdir / 'web.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with transaction(session_factory(engine)) as session:
        token = repo.issue_api_token(session, repo.create_user(session, "bench", "quiet-orchard-compass-91"))
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "CHAT_RATE_LIMIT_PER_MINUTE": "100000"}
    s = args.seconds
    with gunicorn("assistant.web:create_app()", env) as base:
        analyze_lua, chat_lua = workdir / "analyze.lua", workdir / "chat.lua"
        lua_script(analyze_lua, [json.dumps(b) for b in analyze_bodies()], token)
        lua_script(chat_lua, [json.dumps({"question": q}) for q in QUESTIONS], None)
        for script, path in ((analyze_lua, "/api/v1/analyze"), (chat_lua, "/api/v1/chat")):
            run_wrk(base + path, 2, 2, script)  # warm-up
        health = run_wrk(base + "/healthz", 16, s)
        analyze_c2 = run_wrk(base + "/api/v1/analyze", 2, s, analyze_lua)
        analyze_c16 = run_wrk(base + "/api/v1/analyze", 16, s, analyze_lua)
        chat_c2 = run_wrk(base + "/api/v1/chat", 2, s, chat_lua)
        chat_c16 = run_wrk(base + "/api/v1/chat", 16, s, chat_lua)
    with gunicorn("bare_chat:app", env, cwd=ROOT / "bench") as base:
        run_wrk(base + "/", 2, 2, chat_lua)  # warm-up
        bare_chat_c16 = run_wrk(base + "/", 16, s, chat_lua)
    with gunicorn("bare_chat:flask_app", env, cwd=ROOT / "bench") as base:
        run_wrk(base + "/", 2, 2, chat_lua)  # warm-up
        flask_chat_c16 = run_wrk(base + "/", 16, s, chat_lua)
    analyze_inproc = in_process_rate("analyze", s)
    chat_inproc = in_process_rate("chat", s)

    figures = {
        "analyze_ratio": round(analyze_c16["rps"] / analyze_inproc, 3),
        "chat_ratio": round(chat_c16["rps"] / chat_inproc, 3),
        # the same, for the least WSGI app that can answer (bench/bare_chat.py): the ceiling for chat_ratio
        "bare_chat_ratio": round(bare_chat_c16["rps"] / chat_inproc, 3),
        "flask_min_chat_ratio": round(flask_chat_c16["rps"] / chat_inproc, 3),  # one Flask route, no hooks
        "analyze_p99_ms": round(analyze_c2["p99_ms"], 2),
        "chat_p99_ms": round(chat_c2["p99_ms"], 2),
        "analyze_rps_c16": analyze_c16["rps"],
        "chat_rps_c16": chat_c16["rps"],
        "analyze_errors_c16": analyze_c16["errors"],
        "chat_errors_c16": chat_c16["errors"],
        "analyze_inprocess_rps_2proc": round(analyze_inproc, 1),
        "chat_inprocess_rps_2proc": round(chat_inproc, 1),
        "healthz_rps_c16": health["rps"],
        "healthz_p99_ms": round(health["p99_ms"], 2),
    }
    print(f"/healthz: {health['rps']:.0f} req/s (framework ceiling)")
    print(
        f"/api/v1/analyze: c2 p99 {analyze_c2['p99_ms']:.1f} ms; c16 {analyze_c16['rps']:.0f} req/s, "
        f"{analyze_c16['errors']} errors; in-process 2 procs {analyze_inproc:.0f}/s"
    )
    print(
        f"/api/v1/chat:    c2 p99 {chat_c2['p99_ms']:.1f} ms; c16 {chat_c16['rps']:.0f} req/s, "
        f"{chat_c16['errors']} errors; in-process 2 procs {chat_inproc:.0f}/s"
    )
    print(f"bare WSGI chat (no Flask): c16 {bare_chat_c16['rps']:.0f} req/s, {bare_chat_c16['errors']} errors")
    print(f"one-route Flask chat:      c16 {flask_chat_c16['rps']:.0f} req/s, {flask_chat_c16['errors']} errors")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
