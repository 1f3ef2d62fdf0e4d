"""The audit trail: who did what to which case, and when (GDPR Art. 5(2), accountability)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from .models import (
    AuditEvent,
    Case,
)


def audit_many(session: Session, actor: str, action: str, events: Sequence[tuple[int, dict[str, Any]]]) -> None:
    """The same action on many cases, ``(case_id, detail)`` each, in one INSERT."""
    if events:
        rows = [{"actor": actor, "action": action, "case_id": case_id, "detail": d} for case_id, d in events]
        session.execute(insert(AuditEvent), rows)


def audit(
    session: Session, actor: str, action: str, *, case_id: int | None = None, case: Case | None = None, **detail: Any
) -> AuditEvent:
    """Record who did what (GDPR Art. 5(2)); pass ``case`` for a case not yet flushed."""
    event = AuditEvent(actor=actor, action=action, case_id=case_id, detail=detail)
    if case is not None:
        event.case = case
    session.add(event)
    return event
