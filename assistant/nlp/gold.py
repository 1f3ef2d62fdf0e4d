"""Agents' gold, as the evaluator and the trainer read it: the seeded held-out fraction and the
agreement between what was predicted and what agents decided.

A gold row looks like a corpus row (``subject``, ``body``, ``labels``, ``lang``), its text already
masked when it was stored (``store.repo.set_gold``), plus ``month`` and what was ``predicted``;
``store.gold.gold_rows`` reads them (nlp never reads the database itself).
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


def agreement(rows: list[dict[str, Any]], labels: list[str]) -> dict[str, Any]:
    """How the classifier's suggestions fared with the agents, month by month: per-label precision and
    recall of what was predicted at the time against the gold, and the share of cases whose labels
    an agent changed. Needs no model: the prediction was stored with the gold.

    >>> row = {"month": "2026-11", "labels": ["access"], "predicted": ["erasure"]}
    >>> agreement([row], ["access"])["months"][0]["changed"]
    1
    """
    from .metrics import multilabel_report

    by_month: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_month.setdefault(row["month"], []).append(row)

    def figures(group: list[dict[str, Any]]) -> dict[str, Any]:
        report = multilabel_report([r["labels"] for r in group], [r["predicted"] for r in group], labels)
        changed = sum(1 for r in group if set(r["labels"]) != set(r["predicted"]))
        return {"cases": len(group), "changed": changed, "changed_share": changed / max(1, len(group)),
                "per_label": report["per_label"], "micro_f1": report["micro_f1"]}  # fmt: skip

    overall = figures(rows)
    overall["months"] = [{"month": month, **figures(group)} for month, group in sorted(by_month.items())]
    overall["too_few"] = len(rows) < MIN_GOLD
    return overall
