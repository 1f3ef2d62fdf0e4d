"""Errors as JSON for the API ({"error": code, "message": ...}), as a short page for the console.

No stack trace ever leaves the server: unexpected errors are logged with the request id only.
"""

from __future__ import annotations

import logging
import secrets

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..cases import CaseConflict, CaseError, CaseNotFound

log = logging.getLogger("assistant.web")

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """Raise from a view to answer with a JSON error (or an HTML page in the console)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def case_error_status(exc: CaseError) -> int:
    """The HTTP status of a refused case action: 404 no such case, 409 its state forbids it, else 422."""
    if isinstance(exc, CaseNotFound):
        return 404
    return 409 if isinstance(exc, CaseConflict) else 422


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/healthz", "/readyz")


def error_response(status: int, message: str, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    if wants_json():
        response = jsonify({"error": CODES.get(status, "error"), "message": message})
    else:
        response = render_template("error.html", status=status, message=message)
    if isinstance(response, str):
        from flask import make_response

        response = make_response(response)
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):  # type: ignore[no-untyped-def]
        return error_response(exc.status, exc.message, exc.headers)

    @app.errorhandler(CaseError)
    def _case_error(exc: CaseError):  # type: ignore[no-untyped-def]
        return error_response(case_error_status(exc), exc.message)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        message = {413: "the request is larger than allowed"}.get(exc.code or 500, exc.description or exc.name)
        headers = {"Allow": ", ".join(exc.valid_methods)} if getattr(exc, "valid_methods", None) else None
        return error_response(exc.code or 500, message, headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        request_id = secrets.token_hex(6)  # ties the user's report to the log line, which holds the trace
        log.exception("unhandled error in request %s", request_id)
        return error_response(500, f"internal error (request {request_id})")
