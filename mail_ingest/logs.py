"""Logging without personal data: messages are named by a short hash of their Message-ID."""

from __future__ import annotations

import hashlib
import logging


def message_ref(message_id: str | None, content_sha256: str = "") -> str:
    """A stable, non-reversible reference for log lines ("m:3fa2c1d0")."""
    basis = message_id or content_sha256 or "?"
    return "m:" + hashlib.sha256(basis.encode()).hexdigest()[:8]


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(f"mail_ingest.{name}")


def configure(level: str = "INFO") -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
