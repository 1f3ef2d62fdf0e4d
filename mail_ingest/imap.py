"""A thin IMAP client for one account: what the worker needs, with errors mapped to ours.

Capabilities are read once after login and features gated on them: IDLE (RFC 2177) else polling;
MOVE (RFC 6851) else no move at all — we never COPY + \\Deleted, since we never delete mail.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from imapclient import IMAPClient
from imapclient import exceptions as imap_errors

from assistant.config import ImapAccount

from .errors import LoginRefused, MailboxUnavailable

T = TypeVar("T")
BATCH_MESSAGES = 100
BATCH_BYTES = 25 * 1024 * 1024  # a batch never holds more than this in memory
NETWORK_ERRORS = (OSError, socket.timeout, ssl.SSLError, imap_errors.IMAPClientError, imap_errors.IMAPClientAbortError)


@dataclass(frozen=True)
class FolderState:
    """What SELECT says of a folder (RFC 3501 §2.3.1.1: UIDs are valid only with this UIDVALIDITY)."""

    name: str
    uidvalidity: int
    uidnext: int
    exists: int


@dataclass(frozen=True)
class Fetched:
    uid: int
    raw: bytes
    internal_date: datetime | None


def _guard(call: Callable[[], T]) -> T:
    try:
        return call()
    except imap_errors.LoginError as exc:
        raise LoginRefused(f"login refused: {exc}") from None
    except NETWORK_ERRORS as exc:
        raise MailboxUnavailable(f"{type(exc).__name__}: {exc}") from None


class Mailbox:
    """One logged-in connection to one account, used as a context manager::

        with Mailbox(account) as box:
            box.select("INBOX")  # FolderState(name='INBOX', uidvalidity=1795827003, uidnext=12, exists=11)

    (tests/test_ingest.py runs this against a real Dovecot; a doctest could not reach one.)
    """

    def __init__(self, account: ImapAccount, timeout: float = 30.0) -> None:
        self.account = account
        self.timeout = timeout
        self.client: IMAPClient | None = None
        self.capabilities: frozenset[bytes] = frozenset()
        self.selected: str | None = None

    # -- connection --------------------------------------------------------------------------

    def connect(self) -> Mailbox:
        def do() -> None:
            account = self.account
            # Certificate and host name always verified (RFC 8314 §4.2); a private CA via IMAP_CA_FILE.
            context = ssl.create_default_context(cafile=account.ca_file or None)
            client = IMAPClient(
                account.host, port=account.port, ssl=account.ssl, ssl_context=context, timeout=self.timeout
            )
            if account.starttls and not account.ssl:
                client.starttls(context)  # fails, never falls back to plain text, without STARTTLS
            client.login(account.user, account.password)
            self.client = client
            self.capabilities = frozenset(client.capabilities())

        _guard(do)
        return self

    def close(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):  # the connection may already be gone; nothing to save
                self.client.logout()
        self.client = None
        self.selected = None

    def __enter__(self) -> Mailbox:
        return self.connect()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def _c(self) -> IMAPClient:
        if self.client is None:
            raise MailboxUnavailable("not connected")
        return self.client

    def has(self, capability: str) -> bool:
        return capability.encode() in self.capabilities

    # -- reading -----------------------------------------------------------------------------

    def select(self, folder: str) -> FolderState:
        info: dict[bytes, Any] = _guard(lambda: self._c.select_folder(folder))
        self.selected = folder
        return FolderState(folder, int(info[b"UIDVALIDITY"]), int(info.get(b"UIDNEXT", 0)), int(info.get(b"EXISTS", 0)))

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs above ``last_uid``; "n:*" also returns the highest UID when it is below n (RFC 3501 §6.4.8)."""
        found: list[int] = _guard(lambda: self._c.search(["UID", f"{last_uid + 1}:*"]))
        return sorted(uid for uid in found if uid > last_uid)

    def fetch(self, uids: Sequence[int]) -> Iterator[list[Fetched]]:
        """Messages in batches bounded by count and bytes, so memory stays flat on any mailbox."""
        sizes: dict[int, int] = {}
        for start in range(0, len(uids), 1000):
            chunk = list(uids[start : start + 1000])
            response = _guard(lambda chunk=chunk: self._c.fetch(chunk, ["RFC822.SIZE"]))
            sizes.update({uid: int(data.get(b"RFC822.SIZE", 0)) for uid, data in response.items()})
        batch: list[int] = []
        batch_bytes = 0
        for uid in uids:
            if uid not in sizes:  # expunged meanwhile
                continue
            if batch and (len(batch) >= BATCH_MESSAGES or batch_bytes + sizes[uid] > BATCH_BYTES):
                yield self._fetch_bodies(batch)
                batch, batch_bytes = [], 0
            batch.append(uid)
            batch_bytes += sizes[uid]
        if batch:
            yield self._fetch_bodies(batch)

    def _fetch_bodies(self, uids: list[int]) -> list[Fetched]:
        # BODY.PEEK[] leaves \Seen alone: agents still see the mail as new in their client.
        response = _guard(lambda: self._c.fetch(uids, ["BODY.PEEK[]", "INTERNALDATE"]))
        fetched = []
        for uid in uids:
            data = response.get(uid)
            if not data or b"BODY[]" not in data:
                continue
            when = data.get(b"INTERNALDATE")
            if isinstance(when, datetime):
                when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
            fetched.append(Fetched(uid, bytes(data[b"BODY[]"]), when))
        return fetched

    # -- writing -----------------------------------------------------------------------------

    def add_keywords(self, uids: Sequence[int], keywords: Sequence[str]) -> None:
        if uids and keywords:
            _guard(lambda: self._c.add_flags(list(uids), [k.encode() for k in keywords], silent=True))

    def remove_keywords(self, uids: Sequence[int], keywords: Sequence[str]) -> None:
        if uids and keywords:
            _guard(lambda: self._c.remove_flags(list(uids), [k.encode() for k in keywords], silent=True))

    def ensure_folder(self, folder: str) -> None:
        if not _guard(lambda: self._c.folder_exists(folder)):
            _guard(lambda: self._c.create_folder(folder))

    def move(self, uids: Sequence[int], folder: str) -> bool:
        """MOVE when the server has it; otherwise leave the mail where it is (we never delete)."""
        if not uids or not self.has("MOVE"):
            return False
        self.ensure_folder(folder)
        _guard(lambda: self._c.move(list(uids), folder))
        return True

    def drafts_folder(self) -> str:
        special = _guard(lambda: self._c.find_special_folder(b"\\Drafts")) if self.has("SPECIAL-USE") else None
        folder = special or "Drafts"
        self.ensure_folder(folder)
        return folder

    def find_by_message_id(self, folder: str, message_id: str) -> list[int]:
        self.select(folder)
        return _guard(lambda: self._c.search(["HEADER", "Message-ID", message_id]))

    def append_once(self, folder: str, raw: bytes, message_id: str, flags: Sequence[bytes] = (b"\\Draft",)) -> bool:
        """APPEND unless a message with this Message-ID is already there; True if it appended.

        The search first makes a retry after a crash between APPEND and our database update safe.
        """
        if self.find_by_message_id(folder, message_id):
            return False
        _guard(lambda: self._c.append(folder, raw, flags=tuple(flags), msg_time=datetime.now(UTC)))
        return True

    # -- waiting -----------------------------------------------------------------------------

    def wait_for_mail(self, seconds: float, should_stop: Callable[[], bool]) -> bool:
        """Block until new mail (IDLE, RFC 2177) or ``seconds`` pass; True if the server said something."""
        if not self.has("IDLE"):
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline and not should_stop():
                time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
            return False
        _guard(self._c.idle)
        try:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline and not should_stop():
                responses = _guard(lambda: self._c.idle_check(timeout=min(1.0, max(0.05, deadline - time.monotonic()))))
                if responses:
                    return True
            return False
        finally:
            _guard(self._c.idle_done)
