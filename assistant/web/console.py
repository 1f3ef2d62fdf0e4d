"""The agents' console: queue, case page, register, statistics. Server-rendered, no build step.

Every action answers with a flash message; irreversible ones (extend, close, waiting for ID) are
confirmed in a second step; a closed case is read-only until reopened. Words, never internal ids.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter, defaultdict
from datetime import date, timedelta
from html import escape
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, flash, redirect, render_template, request, session, url_for
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from knowledge.base import PLACEHOLDER

from ..cases import (
    CaseError,
    CaseNotFound,
    approve_reply,
    case_deadline_basis,
    correct_rights,
    extend_deadline,
    extended_deadline,
    get_case,
    latest_classification,
    recompose_reply,
    recomposition,
    save_reply_edit,
    set_status,
    suggested_reply,
    taxonomy,
    timeline,
)
from ..feedback import report as feedback_report
from ..nlp.gold import MIN_GOLD, agreement
from ..store import AttachmentFile, Case, CaseStatus, Message, Reply, ReplyStatus, repo
from ..store.gold import gold_rows
from .db import get_db
from .errors import ApiError
from .i18n import (
    REQUEST_LANGUAGES,
    current_language,
    day,
    knowledge,
    language_name,
    mailbox_name,
    right_name,
    status_name,
    yes_no,
)
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
QUEUE_PAGE = 50  # cases per queue page
SNIPPET_CHARS = 160


class ConsoleError(ApiError):
    """An error whose message is already in the agent's language (shown as is)."""


@bp.errorhandler(ConsoleError)
def _console_error(exc: ConsoleError):  # type: ignore[no-untyped-def]
    return render_template("error.html", status=exc.status, detail=exc.message), exc.status


@bp.errorhandler(CaseNotFound)
def _no_case(exc: CaseNotFound):  # type: ignore[no-untyped-def]
    return _console_error(ConsoleError(404, _("There is no case %(num)d.", num=exc.details["case_id"])))


def case_error_words(exc: CaseError) -> str:
    """A refused case action (``cases.CaseError``) in the agent's language."""
    if exc.kind == "placeholders":
        return _("The reply still has [[places]] to complete: see “To complete”.")
    if exc.kind == "stale_deadline":
        return _(
            "The reply promises a date other than the case's deadline (%(deadline)s). "
            "Correct this sentence: “%(sentence)s”",
            deadline=day(exc.details["deadline"], "long"),
            sentence=exc.details["sentence"],
        )
    words = {
        "approved": _("The reply is already approved."),
        "already_extended": _("The deadline was already extended: the GDPR allows it once."),
        "empty": _("Choose at least one right (or “Other” for a message that is not a request)."),
        "unchanged": _("The case already has these rights."),
        "unknown": _("Only rights of the taxonomy can be chosen."),
    }
    return words.get(exc.kind) or _("The action could not be done (%(reason)s).", reason=exc.message)


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
        note = _("%(right)s (negated: does not count)", right=right_name(label)) if negated else right_name(label)
        out.append(f'<mark class="{css}" title="{escape(note)}">{escape(text[start:end])}</mark>')
        cursor = end
    out.append(escape(text[cursor:]))
    return Markup("".join(out))


def evidence_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each phrase once per way it counted (the subject and the body often repeat it)."""
    seen: dict[tuple[str, str, str, bool], dict[str, Any]] = {}
    for e in items:
        key = (e.get("phrase", "").casefold(), e.get("kind", ""), e.get("strength", ""), bool(e.get("negated")))
        seen.setdefault(key, e)
    return list(seen.values())


def urgency(case: Case, today: date) -> str:
    if case.status in (CaseStatus.CLOSED, CaseStatus.ANSWERED):
        return ""
    if case.deadline < today:
        return "overdue"
    if case.deadline <= today + timedelta(days=DUE_SOON_DAYS):
        return "due_soon"
    return ""


def snippet(text: str | None, limit: int = SNIPPET_CHARS) -> str:
    """The first words of a message, cut at a word boundary."""
    flat = " ".join((text or "").split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0] + "…"


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
    lang = session.get("lang")
    end_session()
    if lang:
        session["lang"] = lang
    flash(_("You have logged out."), "info")
    return redirect(url_for(".login"))


def _date_arg(name: str) -> date | None:
    raw = request.args.get(name) or ""
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        flash(_("“%(value)s” is not a date: the filter was ignored.", value=raw[:20]), "error")
        return None


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 7 else default


@bp.get("/")
@console_login_required
def queue():  # type: ignore[no-untyped-def]
    args = request.args
    status = args.get("status", "open")
    cases = repo.list_cases(
        get_db(),
        label=args.get("label") or None,
        language=args.get("language") or None,
        status=None if status == "any" else status,
        deadline_before=_date_arg("deadline_before"),
        search=args.get("q", "")[:200] or None,
        assigned_to=current_user().username if args.get("mine") else None,
        limit=100_000,
    )
    if args.get("sort") == "received":
        cases.sort(key=lambda c: (c.received_on, c.id))
    elif args.get("sort") == "activity":
        cases.sort(key=lambda c: (c.last_activity_at or c.created_at, c.id), reverse=True)
    total = len(cases)
    pages = max(1, -(-total // QUEUE_PAGE))
    page = min(max(_int_arg("page", 1), 1), pages)
    cases = cases[(page - 1) * QUEUE_PAGE : page * QUEUE_PAGE]
    today = date.today()
    messages = {m.id: m for m in get_db().scalars(select(Message).where(Message.id.in_([c.message_pk for c in cases])))}
    sizes = repo.conversation_sizes(get_db(), [c.id for c in cases])
    rows = [
        {
            "case": c,
            "message": messages[c.message_pk],
            "snippet": snippet(messages[c.message_pk].body_text),
            "urgency": urgency(c, today),
            "has_id_document": messages[c.message_pk].has_id_document,
            "messages": sizes.get(c.id, 1),
        }
        for c in cases
    ]
    return render_template(
        "queue.html",
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        page_url=lambda n: url_for(".queue", **{**args.to_dict(), "page": n}),
        labels=knowledge().labels,
        args=args,
        status=status,
        statuses=CaseStatus.ALL,
        request_languages=REQUEST_LANGUAGES,
    )


def _placeholders(text: str) -> list[dict[str, str]]:
    """The [[places]] still in ``text`` (the current one, not the suggestion), explained in the UI language."""
    kb = knowledge()
    explanations = kb.templates.get(current_language(), kb.templates["es"]).placeholders
    keys = dict.fromkeys(PLACEHOLDER.findall(text))
    return [{"key": k, "explanation": explanations.get(k, "")} for k in keys]


def _routing(reply_language: str, routing: str | None) -> str | None:
    """The routing hint in the UI language (the suggestion wrote it in the reply's)."""
    if not routing:
        return None
    kb = knowledge()
    source = kb.templates.get(reply_language, kb.templates["es"]).routing
    target = kb.templates.get(current_language(), kb.templates["es"]).routing
    key = next((k for k, v in source.items() if v == routing), None)
    return target.get(key, routing) if key else routing


def _citations(reply: Reply) -> list[dict[str, str]]:
    """Each source once, titled and quoted in the UI language."""
    kb = knowledge()
    lang = current_language()
    out: dict[str, dict[str, str]] = {}
    for citation in reply.citations:
        entry_id = citation.get("id", "")
        if entry_id in out:
            continue
        try:
            entry = kb.entry(entry_id)
            out[entry_id] = {"title": entry.title_in(lang), "passage": entry.text_in(lang)}
        except KeyError:
            out[entry_id] = {"title": citation.get("title", ""), "passage": citation.get("passage", "")}
    return list(out.values())


def _size(num: int) -> str:
    if num < 1024:
        return _("%(num)s bytes", num=format_decimal(num))
    if num < 1024 * 1024:
        return _("%(num)s KB", num=format_decimal(round(num / 1024, 1)))
    return _("%(num)s MB", num=format_decimal(round(num / 1024 / 1024, 1)))


@bp.get("/cases/<int:case_id>")
@console_login_required
def case_page(case_id: int):  # type: ignore[no-untyped-def]
    db = get_db()
    case = get_case(db, case_id)
    message = db.get(Message, case.message_pk)
    classification = latest_classification(db, message)
    reply, suggestion = suggested_reply(db, case)
    evidence = classification.evidence if classification else {}
    repo.audit(db, current_user().username, "case_viewed", case_id=case.id, via="console")
    db.commit()
    current_text = reply.body_final or reply.body_suggested
    return render_template(
        "case.html",
        case=case,
        message=message,
        classification=classification,
        reply=reply,
        placeholders=[] if reply.status == ReplyStatus.APPROVED else _placeholders(current_text),
        routing=_routing(reply.language, suggestion.routing),
        citations=_citations(reply),
        mailboxes=[mailbox_name(m) for m in case.mailboxes],
        body=highlight(message.body_text or "", evidence),
        subject=highlight(message.subject or "", evidence, "subject"),
        urgency=urgency(case, date.today()),
        new_deadline=extended_deadline(case),
        percent=format_percent,
        kept=set(db.scalars(select(AttachmentFile.position).where(AttachmentFile.message_pk == message.id))),
        inline_types=INLINE_IMAGES,
        evidence_items=evidence_items,
        entities=[(k, v) for k, v in (classification.entities if classification else {}).items() if v],
        size=_size,
        timeline=timeline(db, case),
        basis=case_deadline_basis(case),
        taxonomy=taxonomy(),
        recomposition=None if reply.status == ReplyStatus.APPROVED else recomposition(db, case),
        colleagues=repo.usernames(db),
    )


def _act(case: Case, action: str, actor: str) -> str:
    """Do one action on the case; returns the message that tells the agent it is done."""
    db = get_db()
    body = request.form.get("body")
    if body is not None:
        body = body.replace("\r\n", "\n")  # browsers send textarea lines with CRLF (HTML spec)
    reply, _suggestion = suggested_reply(db, case)
    if case.status == CaseStatus.CLOSED and action != CaseStatus.OPEN:
        raise ConsoleError(409, _("This case is closed: reopen it first."))
    if action == "save":
        save_reply_edit(db, case, body or "", actor)
        return _("Reply saved.")
    if action == "approve":
        save_reply_edit(db, case, body or "", actor)
        approve_reply(db, case, None, actor)  # checks the text: no [[places]], the case's deadline
        return _("Reply approved: it will be written as a draft in the mailbox.")
    if action == "extend":
        reason = " ".join(request.form.get("reason", "").split())
        if not reason:
            raise ConsoleError(422, _("Give the reason for the extension: the requester is told it."))
        if body is not None and body != (reply.body_final or reply.body_suggested) and reply.status != "approved":
            save_reply_edit(db, case, body, actor)  # the agent's edits survive the recomposition
        extend_deadline(db, case, actor, reason)
        return _(
            "Deadline extended to %(date)s. The reply now carries the extension notice and its reason.",
            date=day(case.deadline, "long"),
        )
    if action == "rights":
        change = correct_rights(db, case, request.form.getlist("rights"), actor, request.form.get("rights_reason", ""))
        names = ", ".join(right_name(r) for r in change["after"])
        return _("Rights corrected: %(rights)s. The mailbox keywords follow at the worker's next pass.", rights=names)
    if action == "recompose":
        recompose_reply(db, case, actor)
        return _("Reply recomposed for the case's current rights; the previous text stays on record.")
    if action == "assign":
        who = request.form.get("assignee", "")
        if who == "me":
            who = actor
        if who and who not in repo.usernames(db):
            raise ConsoleError(422, _("There is no agent with that name."))
        repo.assign(db, case, who or None, actor)
        return _("Case assigned to %(agent)s.", agent=who) if who else _("The case is now unassigned.")
    if action == "note":
        note = (request.form.get("note") or "").strip()
        if not note:
            raise ConsoleError(422, _("Write the note first."))
        repo.add_note(db, case, actor, note[:5000])
        return _("Internal note added: colleagues see it, the requester never does.")
    if action == CaseStatus.WAITING_ID:
        set_status(db, case, action, actor)
        return _("The case is waiting for the requester's identity document.")
    if action == CaseStatus.CLOSED:
        reason = " ".join(request.form.get("close_reason", "").split())
        if reply.status != ReplyStatus.APPROVED and not reason:
            raise ConsoleError(422, _("No reply was sent: give the reason for closing the case."))
        set_status(db, case, action, actor)
        if reason:
            repo.audit(db, actor, "case_closed_reason", case_id=case.id, reason=reason[:500])
        return _("Case closed.")
    if action == CaseStatus.OPEN:
        set_status(db, case, action, actor)
        return _("Case reopened.")
    raise ConsoleError(400, _("Unknown action."))


@bp.post("/cases/<int:case_id>/action")
@console_login_required
def case_action(case_id: int):  # type: ignore[no-untyped-def]
    db = get_db()
    case = get_case(db, case_id)
    try:
        done = _act(case, request.form.get("action", ""), current_user().username)
        db.commit()
        flash(done, "success")
    except ConsoleError as exc:
        db.rollback()
        flash(exc.message, "error")
    except CaseError as exc:  # a rule of the case actions (assistant/cases.py)
        db.rollback()
        flash(case_error_words(exc), "error")
    return redirect(url_for(".case_page", case_id=case.id))


# Images a browser may show inline, each recognised by its first bytes: the declared type alone is
# the sender's word, and SVG (scriptable) is never shown inline.
INLINE_IMAGES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
}


def viewable_inline(content_type: str, data: bytes) -> bool:
    return any(data.startswith(magic) for magic in INLINE_IMAGES.get(content_type.lower(), ()))


@bp.get("/cases/<int:case_id>/attachments/<int:position>")
@console_login_required
def attachment(case_id: int, position: int):  # type: ignore[no-untyped-def]
    """An attachment: a real image inline, anything else as a download; every view in the audit trail."""
    db = get_db()
    case = get_case(db, case_id)
    message = db.get(Message, case.message_pk)
    meta = message.attachments[position] if 0 <= position < len(message.attachments) else None
    stored = db.scalar(
        select(AttachmentFile).where(AttachmentFile.message_pk == message.id, AttachmentFile.position == position)
    )
    if meta is None or stored is None:
        raise ConsoleError(404, _("This attachment is not kept here (too large, or past the retention period)."))
    inline = "download" not in request.args and viewable_inline(meta.get("content_type", ""), stored.data)
    repo.audit(
        db,
        current_user().username,
        "attachment_viewed",
        case_id=case.id,
        position=position,
        sha256=meta.get("sha256", ""),
        disposition="inline" if inline else "attachment",
    )
    db.commit()
    name = quote(meta.get("filename") or f"attachment-{position}", safe="")
    response = Response(stored.data, mimetype=meta["content_type"].lower() if inline else "application/octet-stream")
    response.headers["Content-Disposition"] = f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{name}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


def register_columns() -> list[str]:
    return [
        _("Case"),
        _("Received"),
        _("Deadline"),
        _("Extended"),
        _("Rights"),
        _("Language"),
        _("Status"),
        _("Requester"),
        _("ID number valid"),
        _("Mailbox"),
        _("Closed on"),
    ]


def _register_cases() -> list[Case]:
    query = select(Case).order_by(Case.received_on, Case.id)
    if start := _date_arg("from"):
        query = query.where(Case.received_on >= start)
    if end := _date_arg("to"):
        query = query.where(Case.received_on <= end)
    return list(get_db().scalars(query))


def _register_cells(case: Case) -> list[str]:
    return [
        _("Case %(num)d", num=case.id),
        day(case.received_on),
        day(case.deadline),
        yes_no(case.extended),
        ", ".join(right_name(r) for r in case.rights),
        language_name(case.language),
        status_name(case.status),
        case.requester_name or "",
        yes_no(case.id_number_valid),
        ", ".join(mailbox_name(m) for m in case.mailboxes),
        day(case.closed_at) if case.closed_at else "",
    ]


def _export_args() -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k in ("from", "to") and v}


@bp.get("/register")
@console_login_required
def register():  # type: ignore[no-untyped-def]
    repo.audit(get_db(), current_user().username, "register_viewed")
    get_db().commit()
    rows = [{"case": c, "cells": _register_cells(c)} for c in _register_cases()]
    return render_template(
        "register.html", columns=register_columns(), rows=rows, args=request.args, export_args=_export_args()
    )


@bp.get("/register.<fmt>")
@console_login_required
def register_export(fmt: str):  # type: ignore[no-untyped-def]
    """The register as Spanish Excel opens it: CSV with a BOM and ';', or XLSX."""
    if fmt not in ("csv", "xlsx"):
        raise ConsoleError(404, _("Unknown format."))
    cases = _register_cases()
    header = register_columns()
    rows = [[str(c.id), *_register_cells(c)[1:]] for c in cases]
    repo.audit(get_db(), current_user().username, "register_exported", format=fmt, cases=len(rows))
    get_db().commit()
    name = f"register-{date.today().isoformat()}.{fmt}"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
        data = "\ufeff" + buffer.getvalue()  # the BOM tells Excel it is UTF-8
        return Response(
            data.encode("utf-8"),
            mimetype="text/csv; charset=utf-8",
            headers={"Content-Disposition": f"attachment; filename={name}"},
        )
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = _("Register")[:31]
    sheet.append(header)
    for case, row in zip(cases, rows, strict=True):
        sheet.append([case.id, case.received_on, case.deadline, *row[3:]])
    for cells in sheet.iter_rows(min_row=2, min_col=2, max_col=3):
        for cell in cells:
            cell.number_format = "DD/MM/YYYY"
    out = io.BytesIO()
    book.save(out)
    return Response(
        out.getvalue(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )


def _ticks(peak: int, count: int = 5) -> tuple[list[int], int]:
    """Round axis ticks from 0 to at least ``peak``, and the axis maximum."""
    step = 1
    for candidate in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000):
        step = candidate
        if peak / candidate <= count:
            break
    top = max(step, -(-peak // step) * step)
    return list(range(0, top + 1, step)), top


@bp.get("/stats")
@console_login_required
def stats():  # type: ignore[no-untyped-def]
    db = get_db()
    cases = list(db.scalars(select(Case)))
    per_week: dict[date, Counter[str]] = defaultdict(Counter)
    per_right: Counter[str] = Counter()
    by_week: Counter[date] = Counter()
    for case in cases:
        week = case.received_on - timedelta(days=case.received_on.weekday())
        by_week[week] += 1
        for right in case.rights:
            per_week[week][right] += 1
            per_right[right] += 1
    first_reply: dict[int, date] = {}
    for reply in db.scalars(select(Reply).where(Reply.approved_at.is_not(None))):
        sent = reply.approved_at.date()
        first_reply[reply.case_id] = min(sent, first_reply.get(reply.case_id, sent))
    received = {c.id: c.received_on for c in cases}
    durations = [(sent - received[cid]).days for cid, sent in first_reply.items() if cid in received]
    today = date.today()
    week_end = today + timedelta(days=6 - today.weekday())
    active = [c for c in cases if c.status in (CaseStatus.OPEN, CaseStatus.WAITING_ID)]
    this_monday = today - timedelta(days=today.weekday())
    last = max([*by_week, this_monday])
    weeks = [last - timedelta(weeks=i) for i in range(11, -1, -1)]  # twelve weeks, empty ones too
    week_totals = {w: by_week[w] for w in weeks}
    week_ticks, week_max = _ticks(max(week_totals.values(), default=1))
    ordered = sorted(per_right.items(), key=lambda item: (-item[1], right_name(item[0])))
    right_ticks, right_max = _ticks(max(per_right.values(), default=1))
    gold = agreement(gold_rows(db), list(knowledge().label_ids))
    return render_template(
        "stats.html",
        gold=gold,
        gold_labels=[label for label, m in gold["per_label"].items() if m["support"] or m["precision"]],
        min_gold=MIN_GOLD,
        chat_misses=feedback_report(repo.chat_feedback(db), limit=10),
        percent=format_percent,
        weeks=weeks,
        week_totals=week_totals,
        week_ticks=week_ticks,
        week_max=week_max,
        per_week=per_week,
        per_right=ordered,
        right_ticks=right_ticks,
        right_max=right_max,
        overdue=sum(1 for c in active if c.deadline < today),
        due_this_week=sum(1 for c in active if today <= c.deadline <= week_end),
        waiting_id=sum(1 for c in cases if c.status == CaseStatus.WAITING_ID),
        median=format_decimal(statistics.median(durations)) if durations else None,
        answered=len(durations),
        total=len(cases),
        number=format_decimal,
    )
