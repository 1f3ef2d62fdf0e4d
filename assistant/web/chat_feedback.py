"""POST /api/v1/chat/feedback: the widget's "did this answer your question?" (issue #16).

Public like the chat, and rate-limited with it. Only the intent, the answer, the language, the
yes/no and the date are kept, and the question masked for its retention (assistant.feedback).
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from ..feedback import record
from .api import MAX_QUESTION, _json_body, _text
from .db import get_db
from .errors import ApiError
from .security import rate_limited

bp = Blueprint("chat_feedback", __name__)


@bp.route("/api/v1/chat/feedback", methods=["POST", "OPTIONS"])
@rate_limited
def feedback():  # type: ignore[no-untyped-def]
    if request.method == "OPTIONS":  # CORS preflight; headers added in security.init_app
        return Response(status=204)
    data = _json_body()
    question = _text(data, "question", required=True, limit=MAX_QUESTION)
    helpful = data.get("helpful")
    if not isinstance(helpful, bool):
        raise ApiError(422, "'helpful' must be true or false")
    lang = data.get("lang")
    history = data.get("history") or []
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        raise ApiError(422, "'history' must be a list of strings")
    session = get_db()
    row = record(session, question, lang if isinstance(lang, str) else None, [h[:MAX_QUESTION] for h in history[-5:]],
                 helpful)  # fmt: skip
    session.commit()
    return jsonify({"stored": True, "intent": row.intent}), 201
