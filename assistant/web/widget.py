"""The embeddable chat widget: one <script src=".../widget.js"> tag mounts it on any page.

Its words come from the same gettext catalogs as the console: the script is served with a table
of every language's strings in place of its ``/*DPO_TEXT*/{}/*END*/`` marker.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, render_template, request, send_from_directory
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from .i18n import ui_languages

bp = Blueprint("widget", __name__)
MARKER = "/*DPO_TEXT*/{}/*END*/"
WIDGET_TEXT = {
    "open": _l("Questions about your data?"),
    "title": _l("Privacy assistant"),
    "close": _l("Close"),
    "send": _l("Send"),
    "placeholder": _l("Type your question…"),
    "label": _l("Your question"),
    "sources": _l("Sources:"),
    "write": _l("Write the request"),
    "note": _l("Please don't share personal data here (ID number, e-mail, policy number)."),
    "error": _l("Could not answer. Please try again."),
    "wait": _l("Too many questions in a row: please wait a moment."),
    "log": _l("Conversation"),
    "ask": _l("Was this answer helpful?"),  # not "your question": that is the input's label
    "yes": _l("Yes"),
    "no": _l("No"),
    "thanks": _l("Thank you: this helps us improve the answers."),
}


def widget_text(languages: tuple[str, ...] | None = None) -> dict[str, dict[str, str]]:
    """{'es': {'open': '¿Dudas sobre tus datos?', ...}, 'fr': {...}, 'en': {...}}"""
    table = {}
    for lang in languages or ui_languages():
        with force_locale(lang):
            table[lang] = {key: str(text) for key, text in WIDGET_TEXT.items()}
    return table


@cache
def _script(static_folder: str, languages: tuple[str, ...], catalogs: str) -> str:
    """widget.js with its words filled in, once per set of languages and catalogs (``catalogs`` keys the cache)."""
    source = (Path(static_folder) / "widget.js").read_text(encoding="utf-8")
    return source.replace(MARKER, json.dumps(widget_text(languages), ensure_ascii=False), 1)


@bp.get("/widget.js")
def script():  # type: ignore[no-untyped-def]
    catalogs = current_app.config["BABEL_TRANSLATION_DIRECTORIES"]
    response = Response(_script(current_app.static_folder, ui_languages(), catalogs), mimetype="application/javascript")
    response.cache_control.public = True
    response.cache_control.max_age = 300
    response.headers["Access-Control-Allow-Origin"] = "*"  # a script carries no data; the API checks origins
    return response


@bp.get("/widget.css")
def stylesheet():  # type: ignore[no-untyped-def]
    response = send_from_directory(current_app.static_folder, "widget.css", mimetype="text/css", max_age=300)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/widget/welcome")
def welcome():  # type: ignore[no-untyped-def]
    """The first screen's common questions in the page's language (knowledge/data/lang/<code>/chat.yaml)."""
    from ..chat import get_engine

    lang = request.args.get("lang", "")[:8]
    engine = get_engine()
    chosen = lang if lang in engine.languages else engine.languages[0]
    response = jsonify({"language": chosen, "questions": [s.to_dict() for s in engine.welcome(chosen)]})
    response.headers["Access-Control-Allow-Origin"] = "*"  # public wording, no data
    response.cache_control.max_age = 300
    return response


@bp.get("/widget/demo")
def demo():  # type: ignore[no-untyped-def]
    return render_template("widget_demo.html")
