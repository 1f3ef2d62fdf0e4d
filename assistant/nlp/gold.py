"""Agents' gold as rows the evaluator and the trainer read, and the seeded held-out fraction.

A gold row looks like a corpus row (``subject``, ``body``, ``labels``, ``lang``), its text already
masked when it was stored (``store.repo.set_gold``), plus ``month`` and what was ``predicted``.
"""

from __future__ import annotations

import hashlib
from typing import Any

MIN_GOLD = 20  # fewer gold cases than this: figures are noise, and we say so
HELD_OUT_FRACTION = 0.2
HELD_OUT_SEED = 0


def held_out(case_id: int, seed: int = HELD_OUT_SEED, fraction: float = HELD_OUT_FRACTION) -> bool:
    """True for the gold cases no trained model may learn from: the same answer in every process.

    >>> [held_out(i) for i in range(1, 6)].count(True) <= 5
    True
    """
    digest = hashlib.sha256(f"{seed}:{case_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < fraction


def load_gold(database_url: str | None = None) -> list[dict[str, Any]]:
    """Every gold case, newest verdict each: ``[{"id": "case-7", "case_id": 7, "lang": "es", "month": "2026-11",
    "subject": "...", "body": "... [NAME] ...", "labels": [...], "predicted": [...], "model_version": "..."}]``.
    ``body`` is None once the message's retention has passed."""
    from ..config import load_config
    from ..store import check_schema, make_engine, repo, session_factory

    url = database_url or load_config().database_url
    engine = make_engine(url)
    try:
        check_schema(engine)
        with session_factory(engine)() as session:
            return [
                {
                    "id": f"case-{gold.case_id}",
                    "case_id": gold.case_id,
                    "lang": gold.language or "-",
                    "month": received.strftime("%Y-%m"),
                    "subject": gold.masked_subject or "",
                    "body": gold.masked_body,
                    "labels": list(gold.labels),
                    "predicted": list(gold.predicted),
                    "model_version": gold.model_version,
                    "source": gold.source,
                    "split": "test" if held_out(gold.case_id) else "train",
                }
                for gold, received in repo.gold_labels(session)
            ]
    finally:
        engine.dispose()
