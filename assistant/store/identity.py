"""Keys for what makes two stored messages the same message (RFC 5322 §3.6.4 asks Message-IDs to
be unique; real senders reuse them, so the ID alone does not decide).

Same bytes, or same identity headers and body (``assistant.mime.identity_key``: the copy that
reached both mailboxes differs only in its trace headers), is one message. Same Message-ID with
other content is another message, stored and flagged (``Message.id_conflict``).

Rows stored before migration 0002 kept no raw bytes: their key is ``stored_content_key``, from
the parsed columns. A byte-identical copy still matches them by ``content_sha256``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime


def stored_content_key(
    *,
    message_id: str | None,
    from_addr: str,
    date_header: datetime | None,
    subject: str,
    body_text: str | None,
    attachment_hashes: Iterable[str],
) -> str:
    """A SHA-256 over the parsed columns of a message stored before raw-based keys existed.

    >>> len(stored_content_key(message_id="<a@b>", from_addr="a@b.es", date_header=None, subject="s",
    ...                 body_text="b", attachment_hashes=[]))
    64
    """
    document = [
        message_id or "",
        from_addr,
        date_header.isoformat() if date_header else "",
        subject,
        body_text or "",
        sorted(attachment_hashes),
    ]
    return hashlib.sha256(json.dumps(document, ensure_ascii=False).encode("utf-8", "replace")).hexdigest()


def raw_key(content_sha256: str) -> str:
    """The key of a message that could not be parsed: its bytes are all we know."""
    return hashlib.sha256(b"raw:" + content_sha256.encode()).hexdigest()
