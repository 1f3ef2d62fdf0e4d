"""The chat widget's yes/no feedback: the intent and answer kept, the question only masked and only
for a while.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .models import (
    ChatFeedback,
    utcnow,
)


def record_chat_feedback(
    session: Session, *, intent: str, answered: bool, answer: str, language: str, helpful: bool, masked_question: str
) -> ChatFeedback:
    """A visitor's yes/no on an answer; the question must come masked (``assistant.feedback.record``)."""
    row = ChatFeedback(
        intent=intent[:128],
        answered=answered,
        answer=answer,
        language=language[:8],
        helpful=helpful,
        masked_question=masked_question,
    )
    session.add(row)
    session.flush()
    return row


def purge_old_chat_questions(session: Session, older_than_days: int) -> int:
    """Forget the masked questions past their retention; the intent and the yes/no stay for the figures."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    result = session.execute(
        update(ChatFeedback)
        .where(ChatFeedback.created_at < cutoff, ChatFeedback.masked_question.is_not(None))
        .values(masked_question=None)
    )
    return result.rowcount or 0


def chat_feedback(session: Session) -> list[ChatFeedback]:
    return list(session.scalars(select(ChatFeedback).order_by(ChatFeedback.id)))
