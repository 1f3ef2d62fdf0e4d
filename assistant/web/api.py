"""The JSON API, versioned under /api/v1; documented at /api/openapi.json (kept true by a test)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from sqlalchemy import select, text

from .. import cases
from ..cases import (
    REGISTER_COLUMNS,
    TimelineEntry,
    approve_reply,
    case_deadline_basis,
    case_messages,
    correct_rights,
    extend_deadline,
    latest_classification,
    recompose_reply,
    recomposition,
    register_rows,
    save_reply_edit,
    set_status,
    suggested_reply,
    timeline,
)
from ..deadlines import days_left
from ..mime import MessageParseError, parse_message
from ..replies import ReplyContext, compose_reply
from ..store import (
    AuditEvent,
    Case,
    CaseMessage,
    CaseNote,
    CaseStatus,
    Classification,
    Message,
    repo,
)
from .db import get_db
from .errors import ApiError
from .openapi import SPEC
from .security import api_login_required, current_user, rate_limited
from .validation import InvalidInput, check_text, load_json, parse_date

bp = Blueprint("api", __name__)
MAX_TEXT = 200_000
MAX_QUESTION = 1000


def _json_body() -> dict[str, Any]:
    """The request's JSON object, parsed once with the limits of ``validation.load_json``."""
    if "json_body" in g:
        return g.json_body
    if not request.is_json:
        raise ApiError(415, "send application/json")
    try:
        data = load_json(request.get_data(cache=True))
    except InvalidInput as exc:
        raise ApiError(400, str(exc)) from None
    if not isinstance(data, dict):
        raise ApiError(400, "the body is not a JSON object")
    g.json_body = data
    return data


def _date_param(raw: Any, name: str) -> date:
    try:
        return parse_date(raw, name)
    except InvalidInput as exc:
        raise ApiError(422, str(exc)) from None


def _text(data: dict[str, Any], key: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    value = data.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ApiError(422, f"'{key}' must be a string")
    if required and not value.strip():
        raise ApiError(422, f"'{key}' is required")
    if len(value) > limit:
        raise ApiError(413, f"'{key}' is longer than {limit} characters")
    try:
        return check_text(value, f"'{key}'")
    except InvalidInput as exc:  # already refused by load_json; kept for callers with other sources
        raise ApiError(422, str(exc)) from None


def _message_input() -> tuple[str, str, bool]:
    """(subject, body, has_id_document) from JSON {subject, body} or {raw}, or a raw message/rfc822 body."""
    if request.mimetype == "message/rfc822":
        raw = request.get_data()
    else:
        data = _json_body()
        if "raw" in data:
            raw = _text(data, "raw", required=True).encode("utf-8", errors="replace")
        else:
            subject, body = _text(data, "subject"), _text(data, "body")
            if not (subject.strip() or body.strip()):
                raise ApiError(422, "'subject' or 'body' is required")
            return subject, body, bool(data.get("has_id_document"))
    try:
        parsed = parse_message(raw)
    except MessageParseError as exc:
        raise ApiError(422, f"unreadable message: {exc}") from None
    return parsed.subject, parsed.body_text, parsed.has_id_document


def get_case(case_id: int) -> Case:
    """The case of the URL, or 404 (``CaseNotFound``, answered by ``errors.init_app``)."""
    return cases.get_case(get_db(), case_id)


def case_summary(case: Case) -> dict[str, Any]:
    today = date.today()
    return {
        "id": case.id,
        "rights": list(case.rights),
        "language": case.language,
        "status": case.status,
        "received_on": case.received_on.isoformat(),
        "deadline": case.deadline.isoformat(),
        "days_left": days_left(case.deadline, today),
        "extended": case.extended,
        "requester": {
            "name": case.requester_name,
            "email": case.requester_email,
            "id_number": case.id_number,
            "id_number_valid": case.id_number_valid,
            "policy_number": case.policy_number,
        },
        "mailboxes": list(case.mailboxes),
        "escalated": case.escalated,
        "id_received_on": case.id_received_on.isoformat() if case.id_received_on else None,
        "assigned_to": case.assigned_to,
        "last_activity_at": case.last_activity_at.isoformat() if case.last_activity_at else None,
    }


def case_detail(case: Case) -> dict[str, Any]:
    session = get_db()
    message = session.get(Message, case.message_pk)
    classification = latest_classification(session, message)
    reply, suggestion = suggested_reply(session, case)
    detail = case_summary(case)
    detail["message"] = {
        "subject": message.subject,
        "from": message.from_addr,
        "date": message.received_at.isoformat(),
        "body_text": message.body_text,
        "body_html": message.body_html,  # body_html is nh3-sanitised
        "attachments": message.attachments,
        "has_id_document": message.has_id_document,
        # another stored message has this Message-ID with other content (store.identity)
        "message_id_conflict": message.id_conflict,
    }
    detail["classification"] = (
        {
            "labels": classification.labels,
            "scores": classification.scores,
            "evidence": classification.evidence,
            "entities": classification.entities,
            "model_version": classification.model_version,
        }
        if classification
        else None
    )
    basis = case_deadline_basis(case)
    detail["deadline_basis"] = {
        "due": basis.due.isoformat(),
        "starts_on": basis.starts_on.isoformat(),
        "reason": basis.reason,
        "rule_id": basis.rule_id,
    }
    detail["messages"] = [message_entry(link, m, c) for link, m, c in case_messages(session, case)]
    detail["timeline"] = [timeline_entry(e) for e in timeline(session, case)]
    detail["reply"] = {
        "id": reply.id,
        "status": reply.status,
        "subject": reply.subject,
        "body": reply.body_final or reply.body_suggested,
        "citations": reply.citations,
        "placeholders": suggestion.placeholders,
        "notes": suggestion.notes,
    }
    return detail


def message_entry(link: CaseMessage, message: Message, classification: Classification | None) -> dict[str, Any]:
    """One message of the conversation: how it joined, what it changed, what the classifier read."""
    return {
        "id": message.id,
        "message_id": message.message_id,
        "subject": message.subject,
        "from": message.from_addr,
        "received_at": message.received_at.isoformat(),
        "joined_by": link.joined_by,
        "added_rights": list(link.added_rights or []),
        "effects": list(link.effects or []),
        "has_id_document": message.has_id_document,
        "attachments": message.attachments,
        "body_text": message.body_text,
        "labels": classification.labels if classification else [],
        "evidence": classification.evidence if classification else {},
    }


def note_entry(note: CaseNote) -> dict[str, Any]:
    return {"id": note.id, "author": note.author, "body": note.body, "at": note.created_at.isoformat()}


def timeline_entry(entry: TimelineEntry) -> dict[str, Any]:
    item: dict[str, Any] = {"at": entry.at.isoformat(), "kind": entry.kind}
    if entry.message is not None:
        item["message_pk"] = entry.message.id
    if entry.reply is not None:
        item.update(reply_id=entry.reply.id, approved_by=entry.reply.approved_by)
    if entry.event is not None:
        item.update(action=entry.event.action, actor=entry.event.actor, detail=entry.event.detail)
    if entry.note is not None:
        item.update(note=note_entry(entry.note))
    return item


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():  # type: ignore[no-untyped-def]
    checks = {}
    try:
        get_db().execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "unreachable"
    from ..nlp.analyze import analyzer_loaded

    checks["model"] = "loaded" if analyzer_loaded() else "not loaded"
    ready = checks["database"] == "ok"
    return jsonify({"status": "ready" if ready else "not ready", "checks": checks}), 200 if ready else 503


@bp.get("/api/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    return jsonify(SPEC)


@bp.post("/api/v1/analyze")
@api_login_required()
def analyze_message():  # type: ignore[no-untyped-def]
    from ..nlp.analyze import analyze

    subject, body, _ = _message_input()
    return jsonify(analyze(subject, body).to_dict())


@bp.post("/api/v1/suggest-reply")
@api_login_required()
def suggest_reply():  # type: ignore[no-untyped-def]
    from ..nlp.analyze import analyze

    subject, body, has_id = _message_input()
    received = date.today()
    if request.is_json and (raw := _json_body().get("received")) is not None:
        received = _date_param(raw, "received")
    analysis = analyze(subject, body)
    return jsonify(
        compose_reply(ReplyContext.from_analysis(analysis, received=received, has_id_document=has_id)).to_dict()
    )


@bp.route("/api/v1/chat", methods=["POST", "OPTIONS"])
@rate_limited
def chat():  # type: ignore[no-untyped-def]
    if request.method == "OPTIONS":  # CORS preflight; headers added in security.init_app
        return Response(status=204)
    from ..chat import answer

    data = _json_body()
    question = _text(data, "question", required=True, limit=MAX_QUESTION)
    lang = data.get("lang")
    history = data.get("history") or []
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        raise ApiError(422, "'history' must be a list of strings")
    result = answer(question, lang if isinstance(lang, str) else None, [h[:MAX_QUESTION] for h in history[-5:]])
    return jsonify(result.to_dict())  # the question itself is neither stored nor logged


@bp.get("/api/v1/cases")
@api_login_required()
def list_cases():  # type: ignore[no-untyped-def]
    args = request.args
    deadline_before = None
    if args.get("deadline_before"):
        deadline_before = _date_param(args["deadline_before"], "deadline_before")
    status = args.get("status") or None
    if status and status not in CaseStatus.ALL:
        raise ApiError(422, f"'status' must be one of {', '.join(CaseStatus.ALL)}")
    cases = repo.list_cases(
        get_db(),
        label=args.get("label") or None,
        language=args.get("language") or None,
        status=status,
        deadline_before=deadline_before,
        search=args.get("q", "")[:200] or None,
        assigned_to=args.get("assigned_to") or None,
    )
    return jsonify({"cases": [case_summary(c) for c in cases]})


@bp.get("/api/v1/cases/<int:case_id>")
@api_login_required()
def get_one(case_id: int):  # type: ignore[no-untyped-def]
    session = get_db()
    case = get_case(case_id)
    detail = case_detail(case)
    repo.audit(session, current_user().username, "case_viewed", case_id=case.id, via="api")
    session.commit()
    return jsonify(detail)


@bp.patch("/api/v1/cases/<int:case_id>")
@api_login_required()
def update_case(case_id: int):  # type: ignore[no-untyped-def]
    session = get_db()
    case = get_case(case_id)
    data = _json_body()
    if "status" not in data and "assigned_to" not in data:
        raise ApiError(422, "send 'status' or 'assigned_to'")
    actor = current_user().username
    if "assigned_to" in data:
        who = data["assigned_to"]
        if who is not None and (not isinstance(who, str) or who not in repo.usernames(session)):
            raise ApiError(422, "'assigned_to' must be a user name or null")
        repo.assign(session, case, who, actor)
    if "status" in data:
        status = data["status"]
        if status not in CaseStatus.ALL:
            raise ApiError(422, f"'status' must be one of {', '.join(CaseStatus.ALL)}")
        set_status(session, case, status, actor)
    session.commit()
    return jsonify(case_summary(case))


@bp.post("/api/v1/cases/<int:case_id>/notes")
@api_login_required()
def add_note(case_id: int):  # type: ignore[no-untyped-def]
    """An internal note on the case: colleagues read it; it is never sent to the requester."""
    session = get_db()
    case = get_case(case_id)
    body = _text(_json_body(), "body", required=True, limit=5000)
    note = repo.add_note(session, case, current_user().username, body)
    result = note_entry(note)
    session.commit()
    return jsonify(result), 201


@bp.post("/api/v1/cases/<int:case_id>/extend")
@api_login_required()
def extend(case_id: int):  # type: ignore[no-untyped-def]
    session = get_db()
    case = get_case(case_id)
    letter = extend_deadline(session, case, current_user().username)
    session.commit()
    return jsonify({"case": case_summary(case), "letter": letter.to_dict()})


@bp.put("/api/v1/cases/<int:case_id>/rights")
@api_login_required()
def set_rights(case_id: int):  # type: ignore[no-untyped-def]
    """An agent corrects the rights; recorded with who, when, before, after and the reason."""
    session = get_db()
    case = get_case(case_id)
    data = _json_body()
    rights = data.get("rights")
    if not isinstance(rights, list) or not all(isinstance(r, str) for r in rights):
        raise ApiError(422, "'rights' must be a list of label ids")
    change = correct_rights(session, case, rights, current_user().username, _text(data, "reason", limit=500))
    outdated = recomposition(session, case).differs
    session.commit()
    return jsonify({"case": case_summary(case), "change": change, "reply_outdated": outdated})


@bp.get("/api/v1/cases/<int:case_id>/reply/recompose")
@api_login_required()
def preview_recompose(case_id: int):  # type: ignore[no-untyped-def]
    """What recomposing the reply for the case's current rights would change, line by line."""
    preview = recomposition(get_db(), get_case(case_id))
    get_db().commit()  # the first call may have stored the case's first suggestion
    return jsonify(
        {"differs": preview.differs, "current": preview.current, "proposed": preview.proposed,
         "diff": [{"op": op, "line": line} for op, line in preview.diff]}
    )  # fmt: skip


@bp.post("/api/v1/cases/<int:case_id>/reply/recompose")
@api_login_required()
def recompose(case_id: int):  # type: ignore[no-untyped-def]
    session = get_db()
    case = get_case(case_id)
    recompose_reply(session, case, current_user().username)
    session.commit()
    return jsonify(case_detail(case)["reply"])


@bp.put("/api/v1/cases/<int:case_id>/reply")
@api_login_required()
def edit_reply(case_id: int):  # type: ignore[no-untyped-def]
    session = get_db()
    case = get_case(case_id)
    body = _text(_json_body(), "body", required=True)
    save_reply_edit(session, case, body, current_user().username)
    session.commit()
    return jsonify(case_detail(case)["reply"])


@bp.post("/api/v1/cases/<int:case_id>/reply/approve")
@api_login_required()
def approve(case_id: int):  # type: ignore[no-untyped-def]
    session = get_db()
    case = get_case(case_id)
    data = _json_body() if request.data else {}
    item = approve_reply(session, case, _text(data, "body") or None, current_user().username)
    session.commit()
    return jsonify({"outbox_id": item.id, "draft_message_id": item.draft_message_id, "status": item.status}), 202


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    r"""A cell a spreadsheet will not run: OWASP's CSV-injection advice, a leading apostrophe before
    =, +, -, @, tab or CR (a requester's name comes from a From header anyone can write).

    >>> csv_cell('=HYPERLINK("http://x")'), csv_cell("Ana")
    ('\'=HYPERLINK("http://x")', 'Ana')
    """
    return "'" + value if value.startswith(FORMULA_START) else value


@bp.get("/api/v1/register.csv")
@api_login_required()
def register_csv():  # type: ignore[no-untyped-def]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(REGISTER_COLUMNS)
    writer.writerows([csv_cell(cell) for cell in row] for row in register_rows(get_db()))
    session = get_db()
    repo.audit(session, current_user().username, "register_exported")
    session.commit()
    return Response(
        buffer.getvalue(), mimetype="text/csv", headers={"Content-Disposition": "attachment; filename=register.csv"}
    )


@bp.get("/api/v1/audit")
@api_login_required(role="admin")
def audit_log():  # type: ignore[no-untyped-def]
    events = get_db().scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(500))
    return jsonify(
        {
            "events": [
                {"at": e.at.isoformat(), "actor": e.actor, "action": e.action, "case_id": e.case_id, "detail": e.detail}
                for e in events
            ]
        }
    )
