"""The console's quarantine: messages that could not be parsed, stored or classified.

Each keeps its raw bytes (or, when only its classification failed, its parsed text), so an
agent can read it: one of them may be a rights request with a one-month deadline. An agent
retries it (after a fix) or marks it as not a request; both are audited.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for

from ..intake import retry
from ..store import Message, MessageStatus, repo
from .db import get_db
from .errors import ApiError
from .security import console_login_required, current_user

bp = Blueprint("quarantine", __name__)
SHOWN_BYTES = 256 * 1024  # enough to read any request; the rest is cut, not lost


def _quarantined(message_id: int) -> Message:
    message = get_db().get(Message, message_id)
    if message is None or message.status != MessageStatus.QUARANTINED:
        raise ApiError(404, f"no quarantined message {message_id}")
    return message


def readable(message: Message) -> str:
    """The message as text for an agent: the raw bytes decoded (bad bytes replaced), else what was parsed."""
    if message.raw is not None:
        return message.raw[:SHOWN_BYTES].decode("utf-8", errors="replace")
    return f"Subject: {message.subject}\nFrom: {message.from_name} <{message.from_addr}>\n\n{message.body_text or ''}"


@bp.get("/quarantine")
@console_login_required
def index():  # type: ignore[no-untyped-def]
    return render_template("quarantine.html", messages=repo.quarantined(get_db()), shown=None)


@bp.get("/quarantine/<int:message_id>")
@console_login_required
def show(message_id: int):  # type: ignore[no-untyped-def]
    message = _quarantined(message_id)
    repo.audit(get_db(), current_user().username, "quarantine_viewed", message_id=message.id)
    get_db().commit()
    return render_template("quarantine.html", messages=None, shown=message, text=readable(message))


@bp.post("/quarantine/<int:message_id>/retry")
@console_login_required
def retry_one(message_id: int):  # type: ignore[no-untyped-def]
    db = get_db()
    outcome = retry(db, _quarantined(message_id))
    repo.audit(db, current_user().username, "quarantine_retried", message_id=message_id, outcome=outcome[:200])
    db.commit()
    flash(f"Message {message_id}: {outcome}", "info")
    return redirect(url_for(".index"))


@bp.post("/quarantine/<int:message_id>/dismiss")
@console_login_required
def dismiss(message_id: int):  # type: ignore[no-untyped-def]
    db = get_db()
    actor = current_user().username
    repo.dismiss(db, _quarantined(message_id), f"not a request (marked by {actor})")
    repo.audit(db, actor, "quarantine_dismissed", message_id=message_id)
    db.commit()
    flash(f"Message {message_id}: marked as not a request", "info")
    return redirect(url_for(".index"))
