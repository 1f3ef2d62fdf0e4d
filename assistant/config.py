"""Configuration read once from the environment, validated at start.

Every setting has its default beside its name; a bad value fails at start with one line
naming the variable, so an operator knows what to fix without reading a traceback.
Secrets (passwords, SECRET_KEY) are never printed: ``Config.redacted()`` is what logs see.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_SQLITE_PATH = Path("instance") / "dpo-assistant.sqlite3"
SUPPORTED_DB_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg")
SECRET_NAMES = frozenset({"secret_key", "imap_password", "smtp_password"})


class ConfigError(ValueError):
    """A configuration variable is missing or invalid; the message names it."""


@dataclass(frozen=True)
class ImapAccount:
    """One mailbox the worker watches (RFC 3501 login over IMAPS or STARTTLS)."""

    name: str
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    ssl: bool
    starttls: bool
    folders: tuple[str, ...] = ("INBOX",)
    address: str = ""
    ca_file: str = ""  # PEM bundle to verify the server's certificate with; empty: the system's CAs


@dataclass(frozen=True)
class Config:
    env: str = "development"
    database_url: str = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    secret_key: str = field(default="", repr=False)
    imap_accounts: tuple[ImapAccount, ...] = ()
    imap_poll_seconds: int = 60
    imap_move_to_label_folders: bool = False
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    widget_allowed_origins: tuple[str, ...] = ()
    body_retention_days: int = 365
    # the chat's masked questions behind a yes/no feedback are kept this long (issue #16)
    chat_question_retention_days: int = 90
    chat_rate_limit_per_minute: int = 20
    max_request_bytes: int = 2 * 1024 * 1024
    # console sessions: ended after this long without a request, and this long after login whatever happens
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    # failed logins allowed per user name and per client address in a window, before 429 + Retry-After
    login_failures_per_account: int = 5
    login_failures_per_address: int = 20
    login_window_minutes: int = 15
    # proxies in front that set X-Forwarded-For/-Proto/-Host (0: the client connects directly)
    trusted_proxies: int = 0

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def redacted(self) -> dict[str, object]:
        """The settings as a dict safe to log: secrets masked, account passwords dropped."""
        shown: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in SECRET_NAMES:
                value = "***" if value else ""
            elif f.name == "imap_accounts":
                value = [f"{a.name}:{a.user}@{a.host}:{a.port}" for a in value]
            elif f.name == "database_url":
                value = _mask_url_password(value)
            shown[f.name] = value
        return shown


def _mask_url_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url


def _int(environ: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}: expected a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}: {value} is out of range ({low}..{high})")
    return value


def _bool(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}: expected true/false, got {raw!r}")


def _database_url(environ: Mapping[str, str]) -> str:
    url = environ.get("DATABASE_URL") or Config.database_url
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in SUPPORTED_DB_SCHEMES:
        raise ConfigError(
            f"DATABASE_URL: unsupported scheme {scheme or '(none)'!r}; use sqlite:///path or postgresql://..."
        )
    if scheme == "postgresql":  # psycopg 3 is the driver we ship
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _imap_accounts(environ: Mapping[str, str]) -> tuple[ImapAccount, ...]:
    """One account from IMAP_*, or several from IMAP_ACCOUNTS=a,b with IMAP_A_HOST, IMAP_A_USER..."""
    names = [n.strip() for n in environ.get("IMAP_ACCOUNTS", "").split(",") if n.strip()]
    prefixes = [(n, f"IMAP_{n.upper()}_") for n in names] or [("default", "IMAP_")]
    accounts = []
    for name, prefix in prefixes:
        host = environ.get(prefix + "HOST", "")
        if not host:
            if names:
                raise ConfigError(f"{prefix}HOST: required for account {name!r} listed in IMAP_ACCOUNTS")
            continue
        user = environ.get(prefix + "USER", "")
        if not user:
            raise ConfigError(f"{prefix}USER: required when {prefix}HOST is set")
        use_ssl = _bool(environ, prefix + "SSL", True)
        port = _int(environ, prefix + "PORT", 993 if use_ssl else 143, low=1, high=65535)
        folders = tuple(f.strip() for f in environ.get(prefix + "FOLDERS", "INBOX").split(",") if f.strip())
        ca_file = environ.get(prefix + "CA_FILE", "")
        if ca_file and not Path(ca_file).is_file():
            raise ConfigError(f"{prefix}CA_FILE: {ca_file!r} is not a readable file")
        accounts.append(
            ImapAccount(
                name=name,
                host=host,
                port=port,
                user=user,
                password=environ.get(prefix + "PASSWORD", ""),
                ssl=use_ssl,
                starttls=_bool(environ, prefix + "STARTTLS", not use_ssl),
                folders=folders or ("INBOX",),
                address=environ.get(prefix + "ADDRESS", user),
                ca_file=ca_file,
            )
        )
    return tuple(accounts)


def load_config(environ: Mapping[str, str] | None = None) -> Config:
    """Read and validate the configuration.

    >>> load_config({"DATABASE_URL": "sqlite:///x.db"}).database_url
    'sqlite:///x.db'
    """
    environ = os.environ if environ is None else environ
    env = environ.get("APP_ENV", "development")
    if env not in {"development", "production", "test"}:
        raise ConfigError(f"APP_ENV: expected development, production or test, got {env!r}")
    secret_key = environ.get("SECRET_KEY", "")
    if not secret_key:
        if env == "production":
            raise ConfigError("SECRET_KEY: required when APP_ENV=production")
        secret_key = secrets.token_hex(32)  # per-process: sessions do not survive a restart in dev
    origins = tuple(o.strip() for o in environ.get("WIDGET_ALLOWED_ORIGINS", "").split(",") if o.strip())
    for origin in origins:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise ConfigError(f"WIDGET_ALLOWED_ORIGINS: {origin!r} is not an http(s) origin")
    return Config(
        env=env,
        database_url=_database_url(environ),
        secret_key=secret_key,
        imap_accounts=_imap_accounts(environ),
        imap_poll_seconds=_int(environ, "IMAP_POLL_SECONDS", 60, low=1, high=3600),
        imap_move_to_label_folders=_bool(environ, "IMAP_MOVE_TO_LABEL_FOLDERS", False),
        smtp_host=environ.get("SMTP_HOST", ""),
        smtp_port=_int(environ, "SMTP_PORT", 587, low=1, high=65535),
        smtp_user=environ.get("SMTP_USER", ""),
        smtp_password=environ.get("SMTP_PASSWORD", ""),
        widget_allowed_origins=origins,
        body_retention_days=_int(environ, "BODY_RETENTION_DAYS", 365, low=1, high=36500),
        chat_question_retention_days=_int(environ, "CHAT_QUESTION_RETENTION_DAYS", 90, low=1, high=36500),
        chat_rate_limit_per_minute=_int(environ, "CHAT_RATE_LIMIT_PER_MINUTE", 20, low=1, high=100000),
        max_request_bytes=_int(environ, "MAX_REQUEST_BYTES", 2 * 1024 * 1024, low=1024, high=100 * 1024 * 1024),
        session_idle_minutes=_int(environ, "SESSION_IDLE_MINUTES", 30, low=1, high=24 * 60),
        session_max_hours=_int(environ, "SESSION_MAX_HOURS", 12, low=1, high=30 * 24),
        login_failures_per_account=_int(environ, "LOGIN_FAILURES_PER_ACCOUNT", 5, low=1, high=100000),
        login_failures_per_address=_int(environ, "LOGIN_FAILURES_PER_ADDRESS", 20, low=1, high=100000),
        login_window_minutes=_int(environ, "LOGIN_WINDOW_MINUTES", 15, low=1, high=24 * 60),
        trusted_proxies=_int(environ, "TRUSTED_PROXIES", 0, low=0, high=5),
    )
