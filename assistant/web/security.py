"""Who may do what, and the browser-side defences.

- Agents authenticate with a session (console login) or an API token (``Authorization: Bearer``,
  only its SHA-256 is stored). Roles: agent, admin. A worker remembers a valid token's owner for
  TOKEN_CACHE_SECONDS, so a re-issued (revoked) token stops working within that time.
- CSRF: every console form carries a per-session token; API writes made with a session cookie
  must send it in ``X-CSRF-Token`` (token-authenticated calls carry no cookie to forge).
- Content-Security-Policy on every response; mail HTML is sanitised before it gets here.
- The public chat endpoint: per-client token bucket (429 + Retry-After), CORS only for the
  configured widget origins.
"""

from __future__ import annotations

import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, current_app, g, redirect, request, session, url_for

from ..store import repo
from .errors import ApiError

F = TypeVar("F", bound=Callable[..., Any])
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)


TOKEN_CACHE_SECONDS = 10.0
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,128}")  # secrets.token_urlsafe's alphabet


class TokenCache:
    """Valid tokens' owners, kept for ``seconds`` per worker: API calls skip the database lookup."""

    def __init__(self, seconds: float = TOKEN_CACHE_SECONDS) -> None:
        self.seconds = seconds
        self.known: dict[str, tuple[float, repo.Agent]] = {}  # token -> (expiry, owner)

    def agent(self, token: str) -> repo.Agent | None:
        if not TOKEN_SHAPE.fullmatch(token):  # not one of ours: no database round trip, no odd bytes in SQL
            return None
        now = time.monotonic()
        known = self.known.get(token)
        if known and known[0] > now:
            return known[1]
        with current_app.extensions["db_engine"].connect() as connection:
            agent = repo.agent_for_token(connection, token)
        if agent is None:
            self.known.pop(token, None)
            return None
        if len(self.known) > 1000:  # forget expired entries
            for key in [k for k, (expiry, _) in self.known.items() if expiry <= now]:
                del self.known[key]
        self.known[token] = (now + self.seconds, agent)
        return agent


def current_user() -> repo.Agent | None:
    """The agent behind this request (API token or console session), looked up once per request."""
    if "user" in g:
        return g.user
    user = None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        user = current_app.extensions["token_cache"].agent(header[7:].strip())
        g.auth = "token"
    elif session.get("user_id"):
        with current_app.extensions["db_engine"].connect() as connection:
            user = repo.agent_by_id(connection, session["user_id"])
        g.auth = "session"
    g.user = user
    return user


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf(sent: str | None) -> None:
    expected = session.get("csrf")
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise ApiError(403, "missing or invalid CSRF token")


def api_login_required(role: str | None = None) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                raise ApiError(
                    401,
                    "authentication required: a console session or an API token",
                    {"WWW-Authenticate": 'Bearer realm="dpo-assistant"'},
                )
            if role and user.role != role:
                raise ApiError(403, f"the {role} role is required")
            if request.method not in ("GET", "HEAD", "OPTIONS") and g.get("auth") == "session":
                check_csrf(request.headers.get("X-CSRF-Token"))
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def console_login_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None or g.get("auth") != "session":
            return redirect(url_for("console.login", next=request.path))
        if request.method == "POST":
            check_csrf(request.form.get("csrf_token"))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


class RateLimiter:
    """Token bucket per client: ``rate`` requests a minute, bursts up to the same number."""

    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.refill = per_minute / 60.0
        self.buckets: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 when allowed, else the seconds to wait."""
        now = time.monotonic()
        with self.lock:
            tokens, stamp = self.buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - stamp) * self.refill)
            if tokens >= 1:
                self.buckets[key] = (tokens - 1, now)
                if len(self.buckets) > 100_000:  # forget idle clients
                    self.buckets = {k: v for k, v in self.buckets.items() if now - v[1] < 120}
                return 0.0
            self.buckets[key] = (tokens, now)
            return (1 - tokens) / self.refill


def rate_limited(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        limiter: RateLimiter = current_app.extensions["chat_limiter"]
        wait = limiter.take(request.remote_addr or "unknown")
        if wait:
            raise ApiError(429, "too many questions; please wait a moment", {"Retry-After": str(max(1, round(wait)))})
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def init_app(app: Flask) -> None:
    config = app.config["DPO_CONFIG"]
    app.extensions["chat_limiter"] = RateLimiter(config.chat_rate_limit_per_minute)
    app.extensions["token_cache"] = TokenCache()
    allowed = set(config.widget_allowed_origins)

    @app.after_request
    def _headers(response):  # type: ignore[no-untyped-def]
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.path.startswith(("/widget", "/static")):  # private pages and API answers: never cached
            response.headers.setdefault("Cache-Control", "no-store")
        if request.path == "/api/v1/chat":
            origin = request.headers.get("Origin")
            if origin and ("*" in allowed or origin in allowed):
                response.headers["Access-Control-Allow-Origin"] = origin
                response.headers["Vary"] = "Origin"
                response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
                response.headers["Access-Control-Allow-Headers"] = "Content-Type"
                response.headers["Access-Control-Max-Age"] = "600"
        return response

    app.jinja_env.globals["csrf_token"] = csrf_token
