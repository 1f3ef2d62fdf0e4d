"""Who may do what, and the browser-side defences.

- Agents authenticate with a session (console login) or an API token (``Authorization: Bearer``,
  only its SHA-256 is stored). Roles: agent, admin. A worker remembers a valid token's owner for
  TOKEN_CACHE_SECONDS, so a re-issued (revoked) token stops working within that time.
- Console sessions are revocable: the signed cookie carries the user's session generation, checked
  on every request; logout, a password change and a token reissue raise it. Idle and absolute
  timeouts (SESSION_IDLE_MINUTES, SESSION_MAX_HOURS) are checked the same way.
- Logins: failures are counted per user name and per client address in the database (so every
  worker sees them) and answered 429 + Retry-After past the limit; failed logins and logouts are
  audited; an unknown user costs the same hash check as a wrong password.
- CSRF: every console form carries a per-session token; API writes made with a session cookie
  must send it in ``X-CSRF-Token`` (token-authenticated calls carry no cookie to forge).
- Content-Security-Policy on every response; mail HTML is sanitised before it gets here.
- The public chat endpoint: a per-client-address limit shared by all workers (429 + Retry-After;
  CORS preflights are not counted), CORS only for the configured widget origins. The client
  address is the peer's, or the one TRUSTED_PROXIES proxies vouch for (werkzeug's ProxyFix).
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app, g, redirect, request, session, url_for
from werkzeug.middleware.proxy_fix import ProxyFix

from ..store import User, repo
from .db import get_db
from .errors import ApiError

log = logging.getLogger("assistant.web")

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
        if user is None or not _session_still_valid(user):
            session.clear()
            user = None
        g.auth = "session"
    g.user = user
    return user


SEEN_EVERY = 60  # seconds: the idle clock is refreshed (a new cookie) at most this often


def _session_still_valid(user: repo.Agent) -> bool:
    """Same generation (no logout, password change or token reissue since), within both timeouts."""
    config = current_app.config["DPO_CONFIG"]
    now = int(time.time())
    started, seen = session.get("started", 0), session.get("seen", 0)
    if session.get("generation") != user.session_generation:
        return False
    if now - started > config.session_max_hours * 3600 or now - seen > config.session_idle_minutes * 60:
        return False
    if now - seen > SEEN_EVERY:
        session["seen"] = now
    return True


def start_session(user: User) -> None:
    """A fresh session for ``user`` (a new cookie: no fixation), audited."""
    lang = session.get("lang")
    session.clear()
    now = int(time.time())
    session.update(user_id=user.id, generation=user.session_generation, started=now, seen=now)
    session.permanent = True  # the cookie itself expires at the absolute timeout
    if lang:
        session["lang"] = lang
    repo.audit(get_db(), user.username, "login", address=client_address())
    get_db().commit()


def end_session() -> None:
    """Logout: this user's sessions end everywhere (the generation moves on), audited."""
    agent = current_user()
    if agent is not None:
        db = get_db()
        user = db.get(User, agent.id)
        if user is not None:
            repo.end_sessions(db, user)
            repo.audit(db, user.username, "logout", address=client_address())
            db.commit()
    session.clear()


def client_address() -> str:
    """The client's address: the peer's, or the one the trusted proxies reported (ProxyFix)."""
    return request.remote_addr or "unknown"


def _count(key: str, *, window: int, now: float) -> int:
    with current_app.extensions["db_engine"].begin() as connection:
        return repo.hit_counter(connection, key, window=window, now=now)


def _retry_after(window: int, now: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, repo.window_end(now, window) - int(now)))}


def attempt_login(username: str, password: str) -> User | None:
    """The user if the password is right; None (audited, counted) if not; ApiError 429 when too many
    failures came for this user name or from this address in the window."""
    config = current_app.config["DPO_CONFIG"]
    window = config.login_window_minutes * 60
    now = time.time()
    name = username.strip()[:128]
    account_key, address_key = f"login:user:{name.lower()}", f"login:addr:{client_address()}"
    with current_app.extensions["db_engine"].connect() as connection:
        by_account = repo.read_recent(connection, account_key, window=window, now=now)
        by_address = repo.read_recent(connection, address_key, window=window, now=now)
    if by_account >= config.login_failures_per_account or by_address >= config.login_failures_per_address:
        log.warning("login refused: too many failures in the window")
        raise ApiError(429, "too many failed logins; try again later", _retry_after(window, now))
    db = get_db()
    user = repo.authenticate(db, name, password)
    if user is not None:
        with current_app.extensions["db_engine"].begin() as connection:
            repo.reset_counter(connection, account_key)
        return user
    _count(account_key, window=window, now=now)
    _count(address_key, window=window, now=now)
    known = repo.find_user(db, name) is not None
    # The actor is the user name only when it exists: an unknown one may be a password typed in the wrong box.
    repo.audit(db, name if known else "(unknown user)", "login_failed", address=client_address())
    db.commit()
    log.warning("login failed")  # no user name, no address: the audit trail has them, the log does not
    return None


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None: no //host, no backslash, no control or
    blank character (browsers drop tabs and newlines, so '/%09/evil.example' is '//evil.example').

    >>> safe_next("/cases/3?tab=reply"), safe_next("/\t/evil.example"), safe_next("/%2F/evil.example")
    ('/cases/3?tab=reply', None, None)
    """
    if not target or len(target) > 2000:
        return None
    for candidate in (target, unquote(target)):
        if not candidate.startswith("/") or candidate.startswith("//") or "\\" in candidate:
            return None
        if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in candidate):
            return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


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


CHAT_WINDOW = 60  # seconds: CHAT_RATE_LIMIT_PER_MINUTE questions per client address in each


def rate_limited(view: F) -> F:
    """The public chat's limit per client address, counted in the database so every worker shares
    it. CORS preflights are answered without counting: a browser sends one per question."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if request.method != "OPTIONS":
            limit = current_app.config["DPO_CONFIG"].chat_rate_limit_per_minute
            now = time.time()
            if _count(f"chat:{client_address()}", window=CHAT_WINDOW, now=now) > limit:
                raise ApiError(429, "too many questions; please wait a moment", _retry_after(CHAT_WINDOW, now))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def init_app(app: Flask) -> None:
    config = app.config["DPO_CONFIG"]
    app.extensions["token_cache"] = TokenCache()
    if config.trusted_proxies:  # X-Forwarded-* are believed only from that many proxies in front
        n = config.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=config.session_max_hours)
    allowed = set(config.widget_allowed_origins)

    @app.after_request
    def _headers(response):  # type: ignore[no-untyped-def]
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.path.startswith(("/widget", "/static")):  # private pages and API answers: never cached
            response.headers.setdefault("Cache-Control", "no-store")
        if request.path in ("/api/v1/chat", "/api/v1/chat/feedback"):
            origin = request.headers.get("Origin")
            if origin and ("*" in allowed or origin in allowed):
                response.headers["Access-Control-Allow-Origin"] = origin
                response.headers["Vary"] = "Origin"
                response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
                response.headers["Access-Control-Allow-Headers"] = "Content-Type"
                response.headers["Access-Control-Max-Age"] = "600"
        return response

    app.jinja_env.globals["csrf_token"] = csrf_token
