"""The agents' gold read from the store as rows for the evaluator and the trainer (assistant.nlp.gold)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ..config import load_config
from ..nlp.gold import held_out
from . import repo
from .db import check_schema, make_engine, session_factory


def load_gold(database_url: str | None = None) -> list[dict[str, Any]]:
    """Every gold case of DATABASE_URL (or ``database_url``), as ``gold_rows`` gives them."""
    engine = make_engine(database_url or load_config().database_url)
    try:
        check_schema(engine)
        with session_factory(engine)() as session:
            return gold_rows(session)
    finally:
        engine.dispose()


def gold_rows(session: Session) -> list[dict[str, Any]]:
    """Every gold case, newest verdict each: ``[{"id": "case-7", "case_id": 7, "lang": "es", "month": "2026-11",
    "subject": "...", "body": "... [NAME] ...", "labels": [...], "predicted": [...], "model_version": "...",
    "split": "train"}]``; ``body`` is None once the message's retention has passed, ``split`` "test" when held out."""
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
