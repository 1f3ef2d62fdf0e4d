"""The embeddable chat widget: one <script src=".../widget.js"> tag mounts it on any page."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request, send_from_directory

bp = Blueprint("widget", __name__)


@bp.get("/widget.js")
def script():  # type: ignore[no-untyped-def]
    response = send_from_directory(
        current_app.static_folder, "widget.js", mimetype="application/javascript", max_age=300
    )
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
