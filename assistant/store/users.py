"""Console users and API tokens: creation under the password policy, login checks that take the same
time for unknown names, session generations, and who a token or session belongs to.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..accounts import check_password, check_username
from .models import (
    User,
)

ROLES = ("agent", "admin")


def usernames(session: Session) -> list[str]:
    return list(session.scalars(select(User.username).order_by(User.username)))


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(session: Session, username: str, password: str, role: str = "agent") -> User:
    """A new user; the name and password must pass ``assistant.accounts`` (PolicyError otherwise)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    check_username(username)
    check_password(password, username)
    user = User(username=username, password_hash=generate_password_hash(password), role=role)
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Change a password (policy checked) and end the user's console sessions."""
    check_password(password, user.username)
    user.password_hash = generate_password_hash(password)
    end_sessions(session, user)


def end_sessions(session: Session, user: User) -> None:
    """Every console session of ``user`` stops working at its next request (logout, password change...)."""
    user.session_generation = (user.session_generation or 0) + 1
    session.flush()


_DUMMY_HASH: list[str] = []


def _dummy_hash() -> str:
    """A hash to check a password against when the user does not exist: same work, same time."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(generate_password_hash(secrets.token_urlsafe(16)))
    return _DUMMY_HASH[0]


def find_user(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).first()


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user if the password is right. An unknown user costs one hash check too, so the
    answer's timing does not tell which user names exist (issue #13 item 4)."""
    user = find_user(session, username)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    return user


def issue_api_token(session: Session, user: User) -> str:
    """A new API token; only its SHA-256 is stored, so it is shown once. The old token and the
    user's console sessions stop working: a reissue is what one does after a leak."""
    token = secrets.token_urlsafe(32)
    user.api_token_hash = _token_digest(token)
    end_sessions(session, user)
    return token


@dataclass(frozen=True)
class Agent:
    """Who is acting on a request: enough for role checks and the audit trail, nothing secret."""

    id: int
    username: str
    role: str
    session_generation: int = 0


_AGENT_COLUMNS = (User.id, User.username, User.role, User.session_generation)


def agent_for_token(connection: Connection, token: str) -> Agent | None:
    """The token's owner, by a plain indexed SELECT: this runs on every API call."""
    row = connection.execute(select(*_AGENT_COLUMNS).where(User.api_token_hash == _token_digest(token))).first()
    return Agent(*row) if row else None


def agent_by_id(connection: Connection, user_id: int) -> Agent | None:
    row = connection.execute(select(*_AGENT_COLUMNS).where(User.id == user_id)).first()
    return Agent(*row) if row else None
