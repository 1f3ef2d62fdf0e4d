"""The agents' console: queue, case page, register, statistics. Server-rendered, no build step."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import date, timedelta
from html import escape
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import select

from knowledge.base import load as load_knowledge

from ..cases import extend_deadline, latest_classification, suggested_reply
from ..store import Case, CaseStatus, Message, repo
from .api import REGISTER_COLUMNS, approve_reply, register_rows, save_reply_edit, set_status
from .db import get_db
from .errors import ApiError
from .security import (
    attempt_login,
    check_csrf,
    console_login_required,
    current_user,
    end_session,
    safe_next,
    start_session,
)

bp = Blueprint("console", __name__)
DUE_SOON_DAYS = 7


def highlight(text: str, evidence: dict[str, list[dict[str, Any]]], field: str = "body") -> Markup:
    """The text, escaped, with each evidence span in <mark> (offsets point into this very text)."""
    spans = sorted(
        {
            (e["start"], e["end"], label, e.get("negated", False))
            for label, items in evidence.items()
            for e in items
            if e.get("field") == field and 0 <= e["start"] < e["end"] <= len(text)
        }
    )
    out, cursor = [], 0
    for start, end, label, negated in spans:
        if start < cursor:
            continue  # overlapping spans: the first wins
        out.append(escape(text[cursor:start]))
        css = "neg" if negated else "ev"
        note = f"{label} (negated)" if negated else label
        out.append(f'<mark class="{css}" title="{escape(note)}">{escape(text[start:end])}</mark>')
        cursor = end
    out.append(escape(text[cursor:]))
    return Markup("".join(out))


def urgency(case: Case, today: date) -> str:
    if case.status in (CaseStatus.CLOSED, CaseStatus.ANSWERED):
        return ""
    if case.deadline < today:
        return "overdue"
    if case.deadline <= today + timedelta(days=DUE_SOON_DAYS):
        return "due_soon"
    return ""


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    error = None
    if request.method == "POST":
        check_csrf(request.form.get("csrf_token"))
        user = attempt_login(request.form.get("username", ""), request.form.get("password", ""))
        if user is None:
            error = "bad_login"
        else:
            start_session(user)
            return redirect(safe_next(request.args.get("next")) or url_for(".queue"))
    return render_template("login.html", error=error), 401 if error else 200


@bp.post("/logout")
@console_login_required
def logout():  # type: ignore[no-untyped-def]
    end_session()
    return redirect(url_for(".login"))


@bp.get("/")
@console_login_required
def queue():  # type: ignore[no-untyped-def]
    args = request.args
    status = args.get("status", "open")
    deadline_before = None
    if args.get("deadline_before"):
        try:
            deadline_before = date.fromisoformat(args["deadline_before"])
        except ValueError:
            deadline_before = None
    cases = repo.list_cases(
        get_db(),
        label=args.get("label") or None,
        language=args.get("language") or None,
        status=None if status == "any" else status,
        deadline_before=deadline_before,
    )
    if args.get("sort") == "received":
        cases.sort(key=lambda c: (c.received_on, c.id))
    today = date.today()
    messages = {m.id: m for m in get_db().scalars(select(Message).where(Message.id.in_([c.message_pk for c in cases])))}
    rows = [
        {"case": c, "urgency": urgency(c, today), "has_id_document": messages[c.message_pk].has_id_document}
        for c in cases
    ]
    return render_template(
        "queue.html", rows=rows, labels=load_knowledge().labels, args=args, status=status, statuses=CaseStatus.ALL
    )


def _case_or_404(case_id: int) -> Case:
    case = get_db().get(Case, case_id)
    if case is None:
        raise ApiError(404, f"no case {case_id}")
    return case


@bp.get("/cases/<int:case_id>")
@console_login_required
def case_page(case_id: int):  # type: ignore[no-untyped-def]
    db = get_db()
    case = _case_or_404(case_id)
    message = db.get(Message, case.message_pk)
    classification = latest_classification(db, message)
    reply, suggestion = suggested_reply(db, case)
    evidence = classification.evidence if classification else {}
    repo.audit(db, current_user().username, "case_viewed", case_id=case.id, via="console")
    db.commit()
    return render_template(
        "case.html",
        case=case,
        message=message,
        classification=classification,
        reply=reply,
        suggestion=suggestion,
        body=highlight(message.body_text or "", evidence),
        subject=highlight(message.subject or "", evidence, "subject"),
        urgency=urgency(case, date.today()),
        labels={label.id: label for label in load_knowledge().labels},
    )


@bp.post("/cases/<int:case_id>/action")
@console_login_required
def case_action(case_id: int):  # type: ignore[no-untyped-def]
    db = get_db()
    case = _case_or_404(case_id)
    action = request.form.get("action")
    actor = current_user().username
    try:
        if action == "save":
            save_reply_edit(case, request.form.get("body", ""), actor)
        elif action == "approve":
            save_reply_edit(case, request.form.get("body", ""), actor)
            approve_reply(case, None, actor)  # the reply section then says it is approved
        elif action == "extend":
            if case.extended:
                raise ApiError(409, "already extended")
            extend_deadline(db, case, actor)
        elif action in (CaseStatus.WAITING_ID, CaseStatus.CLOSED, CaseStatus.OPEN):
            set_status(case, action, actor)
        else:
            raise ApiError(400, "unknown action")
        db.commit()
    except ApiError as exc:
        db.rollback()
        flash(exc.message, "error")
    return redirect(url_for(".case_page", case_id=case.id))


@bp.get("/register")
@console_login_required
def register():  # type: ignore[no-untyped-def]
    repo.audit(get_db(), current_user().username, "register_viewed")
    get_db().commit()
    return render_template("register.html", columns=REGISTER_COLUMNS, rows=register_rows())


@bp.get("/stats")
@console_login_required
def stats():  # type: ignore[no-untyped-def]
    cases = list(get_db().scalars(select(Case)))
    per_week: dict[str, Counter[str]] = defaultdict(Counter)
    for case in cases:
        week = case.received_on - timedelta(days=case.received_on.weekday())
        for right in case.rights:
            per_week[week.isoformat()][right] += 1
    durations = [(c.closed_at.date() - c.received_on).days for c in cases if c.closed_at]
    today = date.today()
    overdue = sum(1 for c in cases if urgency(c, today) == "overdue")
    weeks = sorted(per_week)[-12:]
    rights = sorted({r for w in weeks for r in per_week[w]})
    peak = max([sum(per_week[w].values()) for w in weeks] or [1])
    return render_template(
        "stats.html",
        weeks=weeks,
        rights=rights,
        per_week=per_week,
        peak=peak,
        overdue=overdue,
        median=statistics.median(durations) if durations else None,
        total=len(cases),
    )
