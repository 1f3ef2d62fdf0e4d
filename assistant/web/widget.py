"""The embeddable chat widget: one <script src=".../widget.js"> tag mounts it on any page."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, send_from_directory

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


@bp.get("/widget/demo")
def demo():  # type: ignore[no-untyped-def]
    return render_template("widget_demo.html")
