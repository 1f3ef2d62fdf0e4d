"""Ingestion throughput against a real Dovecot on loopback, and memory over the run.

    python bench/ingest.py [--messages 5000]

1. A throw-away Dovecot gets N messages of ~2 KB (corpus messages padded with a quoted reply).
2. Irreducible work, same messages: a bare imapclient FETCH of all of them, then parse + analyze()
   of each, no database and no IMAP writes. Measured before and again after the pipeline, and
   averaged, so that a shared machine's drift over the minute does not favour either side.
3. The pipeline: fetch + parse + classify + store + case + suggested reply + keywords, on SQLite.
ratio = pipeline rate / irreducible rate. RSS is sampled when 500 messages are stored and at the end.
Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from common import pad  # noqa: E402
from servers import DovecotServer  # noqa: E402


def build_messages(n: int) -> list[bytes]:
    from assistant.nlp.train import load_corpus

    rows = load_corpus()
    messages = []
    for i in range(n):
        row = rows[i % len(rows)]
        msg = EmailMessage()
        msg["From"] = f"sender{i}@example.net"
        msg["To"] = "derechos@test.local"
        msg["Subject"] = row["subject"] or "(sin asunto)"
        msg["Message-ID"] = f"<bench-{i}@example.net>"
        msg["Date"] = "Tue, 10 Mar 2026 10:00:00 +0100"
        msg.set_content(pad(row["body"], 1900))
        messages.append(msg.as_bytes())
    return messages


def irreducible(client: Any, uids: list[int], analyzer: Any) -> tuple[float, float]:
    """Seconds for a bare FETCH of all messages, and for parse + analyze() of each."""
    from assistant.mime import parse_message

    t0 = time.perf_counter()
    raws = []
    for start in range(0, len(uids), 100):
        response = client.fetch(uids[start : start + 100], ["BODY.PEEK[]"])
        raws.extend(data[b"BODY[]"] for data in response.values())
    fetch_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for raw in raws:
        parsed = parse_message(raw)
        analyzer.analyze(parsed.subject, parsed.body_text)
    return fetch_s, time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=5000)
    args = parser.parse_args()

    from imapclient import IMAPClient
    from sqlalchemy import func, select

    from assistant.config import load_config
    from assistant.nlp.analyze import get_analyzer
    from assistant.store import Message, make_engine, session_factory, upgrade
    from mail_ingest.worker import Worker

    process = psutil.Process()
    analyzer = get_analyzer()  # loaded before any timing, as in a running worker
    from assistant.chat import get_engine
    from assistant.warm import freeze_heap

    get_engine()
    freeze_heap()  # as the worker does after loading: both measurements run on the same heap
    messages = build_messages(args.messages)
    dovecot = DovecotServer().start()
    try:
        client = IMAPClient("127.0.0.1", port=dovecot.port, ssl=False)
        client.login("derechos@test.local", "derechos-pass")
        for start in range(0, len(messages), 500):
            client.multiappend("INBOX", messages[start : start + 500])
        print(f"appended {len(messages)} messages, mean {sum(map(len, messages)) // len(messages)} bytes")

        # Irreducible work: bare FETCH, then parse + analyze; measured again after the pipeline.
        client.select_folder("INBOX", readonly=True)
        uids = client.search("ALL")
        fetch_s, analyze_s = irreducible(client, uids, analyzer)
        print(f"before: bare FETCH {len(uids) / fetch_s:,.0f} msg/s; parse+analyze {len(uids) / analyze_s:,.0f} msg/s")

        # The pipeline.
        workdir = Path(tempfile.mkdtemp(prefix="bench-ingest."))
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        engine = make_engine(url)
        upgrade(engine)
        factory = session_factory(engine)
        config = load_config(
            {
                "DATABASE_URL": url,
                "IMAP_HOST": "127.0.0.1",
                "IMAP_PORT": str(dovecot.port),
                "IMAP_USER": "derechos@test.local",
                "IMAP_PASSWORD": "derechos-pass",
                "IMAP_SSL": "no",
                "IMAP_STARTTLS": "no",
            }
        )
        samples: dict[str, float] = {}
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                with factory() as session:
                    stored = session.scalar(select(func.count()).select_from(Message))
                if stored >= 500 and "rss_500_mb" not in samples:
                    samples["rss_500_mb"] = process.memory_info().rss / 2**20
                time.sleep(0.25)  # light: the sampler must not compete with the worker it measures

        worker = Worker(config, factory)
        worker.pipeline.warm_up()  # a running worker has its models loaded, as the baseline had
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        t0 = time.perf_counter()
        stats = worker.run_once()["default"]
        pipeline_s = time.perf_counter() - t0
        done.set()
        sampler.join()
        rss_end = process.memory_info().rss / 2**20
        peak_rss = process.memory_info().rss / 2**20
        pipeline_rate = stats.fetched / pipeline_s
        print(
            f"pipeline: {stats.fetched} fetched, {stats.classified} classified, {stats.marked} marked in "
            f"{pipeline_s:.1f}s = {pipeline_rate:,.1f} msg/s"
        )
        # The baseline again: the machine is shared, and its speed drifts over a minute.
        fetch_after_s, analyze_after_s = irreducible(client, uids, analyzer)
        print(
            f"after: bare FETCH {len(uids) / fetch_after_s:,.0f} msg/s; "
            f"parse+analyze {len(uids) / analyze_after_s:,.0f} msg/s"
        )
        client.logout()
        fetch_s, analyze_s = (fetch_s + fetch_after_s) / 2, (analyze_s + analyze_after_s) / 2
        irreducible_rate = len(uids) / (fetch_s + analyze_s)
        print(f"irreducible (mean of before and after): {irreducible_rate:,.1f} msg/s")
    finally:
        dovecot.remove()

    figures = {
        "messages": stats.fetched,
        "pipeline_msgs_per_s": round(pipeline_rate, 1),
        "irreducible_msgs_per_s": round(irreducible_rate, 1),
        "ratio": round(pipeline_rate / irreducible_rate, 3),
        "bare_fetch_msgs_per_s": round(len(uids) / fetch_s, 1),
        "parse_analyze_msgs_per_s": round(len(uids) / analyze_s, 1),
        "rss_after_500_mb": round(samples.get("rss_500_mb", 0.0), 1),
        "rss_after_all_mb": round(rss_end, 1),
        "rss_growth_mb": round(rss_end - samples.get("rss_500_mb", rss_end), 1),
        "peak_rss_mb": round(peak_rss, 1),
    }
    print(f"RSS after 500: {figures['rss_after_500_mb']} MB, after {stats.fetched}: {figures['rss_after_all_mb']} MB")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
