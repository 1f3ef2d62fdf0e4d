"""The agents' verdicts on cases (gold labels), stored with the message's text masked; a
requester's gold can be exported or erased.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import (
    Case,
    Classification,
    GoldLabel,
    Message,
)

GOLD_SOURCES = ("approve", "correct")


def set_gold(session: Session, case: Case, labels: Iterable[str], by: str, source: str) -> GoldLabel:
    """Record an agent's confirmation (``source="approve"``) or correction (``"correct"``) of a case's rights.

    Keeps what the classifier had predicted, with its model version, and the message's text with its
    entities masked (``assistant.nlp.masking``), so the gold can score and train later models without
    carrying the requester's personal data. Returns the new row; the newest row of a case is its gold.
    """
    from ..nlp.masking import mask

    if source not in GOLD_SOURCES:
        raise ValueError(f"source must be one of {', '.join(GOLD_SOURCES)}")
    message = session.get(Message, case.message_pk)
    classification = session.scalars(
        select(Classification).where(Classification.message_pk == case.message_pk).order_by(Classification.id.desc())
    ).first()
    known = [case.requester_name, case.requester_email, case.id_number, case.policy_number]
    if message is not None:
        known += [message.from_name, message.from_addr]
    body = message.body_text if message is not None else None
    gold = GoldLabel(
        case_id=case.id,
        labels=sorted(set(labels)),
        predicted=list(classification.labels) if classification else [],
        model_version=classification.model_version if classification else "",
        language=case.language or (classification.language if classification else ""),
        source=source,
        set_by=by,
        masked_subject=mask(message.subject or "", known) if message is not None else None,
        masked_body=mask(body, known) if body is not None else None,
    )
    session.add(gold)
    session.flush()
    return gold


def gold_labels(session: Session) -> list[tuple[GoldLabel, date]]:
    """Each gold case's newest gold row with the day its message was received, oldest case first."""
    newest = select(func.max(GoldLabel.id)).group_by(GoldLabel.case_id)
    query = (
        select(GoldLabel, Case.received_on)
        .join(Case, GoldLabel.case_id == Case.id)
        .where(GoldLabel.id.in_(newest))
        .order_by(GoldLabel.case_id)
    )
    return [(gold, received) for gold, received in session.execute(query)]


def requester_gold(session: Session, email: str) -> list[GoldLabel]:
    """The gold rows of a requester's cases (by the case's requester e-mail, case-insensitive)."""
    cases = select(Case.id).where(func.lower(Case.requester_email) == email.strip().lower())
    return list(session.scalars(select(GoldLabel).where(GoldLabel.case_id.in_(cases)).order_by(GoldLabel.id)))


def erase_requester_gold(session: Session, email: str) -> int:
    """Delete a requester's gold rows (GDPR Art. 17 on the tool's own data); returns how many.
    Models already trained keep nothing of them but what masking left: no name, ID or address."""
    rows = requester_gold(session, email)
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)
