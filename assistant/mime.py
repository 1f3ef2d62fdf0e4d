"""Parse one RFC 822 message into plain data: headers, text, sanitised HTML, attachment metadata.

Pure (bytes in, data out), used by the ingester, the API (raw messages) and the CLI. It lives
in `assistant` rather than `mail_ingest` so that the API can accept raw messages without the
web layer importing the worker's package (imports go mail_ingest -> assistant -> knowledge).

Hostile input never raises past ``parse_message`` except as ``MessageParseError``: wrong charsets
fall back (declared, utf-8, windows-1252, latin-1), header values lose CR/LF (no header
injection into replies or logs), and each attachment's bytes sit apart in ``Attachment.data``
(left out of ``to_dict``): the store keeps them so an agent can open the ID document.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.header import decode_header, make_header
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

import nh3

from .nlp.clean import THREAD_PREFIX as THREAD_PREFIX  # re-exported: the mail code's name for it
from .nlp.clean import html_to_text

MAX_BODY_CHARS = 1_000_000  # a longer text part is cut: no request needs a megabyte of prose
SAFE_TAGS = nh3.ALLOWED_TAGS - {"img", "area", "map"}  # no remote images (tracking pixels)
ID_DOCUMENT_NAME = re.compile(
    r"(dni|\bnie\b|nif|pasaporte|passport|passeport|identit|id[ _-]?card|carn[eé]t|documento|cni|ausweis|"
    r"carta[ _-]?d.?identit|cart[aã]o[ _-]?de[ _-]?cidad|\bbi\b|\bcc\b|residen)",
    re.IGNORECASE,
)
ID_DOCUMENT_TYPES = ("image/", "application/pdf")
SURROGATE = re.compile(r"[\ud800-\udfff]")
LONE_HIGH = re.compile(r"[\ud800-\udc7f\udd00-\udfff]")  # not a surrogateescape'd byte (U+DC80..U+DCFF)
# A Date header outside these years is a typo or a probe (year 9999 overflows the deadline arithmetic).
SANE_YEARS = range(1990, 2101)


class MessageParseError(ValueError):
    """The bytes are not a message we can read at all (the raw copy is kept in quarantine)."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int
    sha256: str
    looks_like_id_document: bool = False
    data: bytes = field(default=b"", repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
            "sha256": self.sha256,
            "id_document": self.looks_like_id_document,
        }


@dataclass(frozen=True)
class ParsedMessage:
    """Everything the pipeline needs from a message; the raw bytes are not kept."""

    message_id: str | None
    subject: str
    from_addr: str
    from_name: str
    to_addrs: tuple[str, ...]
    cc_addrs: tuple[str, ...]
    date: datetime | None
    in_reply_to: str | None
    references: tuple[str, ...]
    body_text: str
    body_html: str | None  # sanitised with nh3; None when the message had no HTML part
    attachments: tuple[Attachment, ...]
    content_sha256: str
    size: int
    defects: tuple[str, ...] = field(default_factory=tuple)
    content_key: str = ""  # what makes two copies the same message (``identity_key``)

    @property
    def has_id_document(self) -> bool:
        return any(a.looks_like_id_document for a in self.attachments)


def _clean_header(value: Any) -> str:
    """A header as one line of text (RFC 2047 decoded by the modern policy; CR/LF removed)."""
    if value is None:
        return ""
    try:
        text = str(value)
    except Exception:  # a header the policy cannot render: keep what we can read
        text = value.encode("ascii", "replace").decode() if isinstance(value, str) else ""
    return _no_nul(re.sub(r"[\r\n\t]+", " ", text)).strip()


def _raw_header(msg: Message, name: str) -> str:
    """The header as sent, RFC 2047 words decoded, for values the modern policy's parser chokes on
    (``From: "`` raises IndexError deep inside it)."""
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            try:
                return _clean_header(str(make_header(decode_header(str(value)))))
            except Exception:
                return _clean_header(str(value))
    return ""


def _header(msg: Message, name: str) -> str:
    try:
        text = _clean_header(msg.get(name))
    except Exception:
        return _raw_header(msg, name)
    if "\ufffd" in text:  # 8-bit bytes in a header (RFC 6532 allows UTF-8; others send Latin-1): decode them
        return _raw_header(msg, name) or text
    return text


def _addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    try:
        header = msg.get(name)
        if header is not None and hasattr(header, "addresses") and "\ufffd" not in str(header):
            return [
                (_clean_header(a.display_name or ""), _clean_header(a.addr_spec or ""))
                for a in header.addresses
                if isinstance(a, Address)
            ]
    except Exception:
        pass
    return [(_clean_header(n), _clean_header(a)) for n, a in getaddresses([_raw_header(msg, name)]) if a]


def _storable(text: str) -> str:
    """Bytes the parser could not decode come back as lone surrogates (surrogateescape): decode them
    as UTF-8, else Windows-1252, so the text can be stored (psycopg refuses to encode surrogates)."""
    if not SURROGATE.search(text):
        return text
    raw = text.encode("utf-8", "surrogateescape") if not LONE_HIGH.search(text) else text.encode("utf-8", "replace")
    for charset in ("utf-8", "windows-1252"):
        try:
            return raw.decode(charset)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _no_nul(text: str) -> str:
    """NUL and other C0 controls except tab/newline: PostgreSQL text refuses NUL, and none is ever
    meaningful; undecodable bytes (lone surrogates) are decoded once more (``_storable``)."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", _storable(text))


def _message_ids(value: str) -> tuple[str, ...]:
    return tuple(re.findall(r"<[^<>\s]+>", value))


def _decode_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if payload is None:
        return part.get_payload() if isinstance(part.get_payload(), str) else ""
    declared = part.get_content_charset()
    for charset in (declared, "utf-8", "windows-1252"):
        if not charset:
            continue
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("latin-1", errors="replace")


def _date(msg: Message) -> datetime | None:
    raw = _header(msg, "Date")
    if not raw:
        return None
    try:
        parsed = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None or parsed.year not in SANE_YEARS:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def sanitize_html(html: str) -> str:
    """Mail HTML made safe to show: no scripts, event handlers, remote images or javascript: links."""
    return nh3.clean(html, tags=SAFE_TAGS, url_schemes={"http", "https", "mailto"})


def _walk(
    msg: Message,
    texts: list[str],
    htmls: list[str],
    attachments: list[Attachment],
    inner: list[ParsedMessage],
    depth: int = 0,
) -> None:
    if depth > 20:  # pathological nesting
        return
    if (msg.get_content_type() or "").lower() != "message/rfc822" and msg.is_multipart():
        for sub in msg.get_payload() or []:
            if isinstance(sub, Message):
                _walk(sub, texts, htmls, attachments, inner, depth + 1)
        return
    content_type = (msg.get_content_type() or "text/plain").lower()
    disposition = (msg.get_content_disposition() or "").lower()
    filename = _clean_header(msg.get_filename()) if msg.get_filename() else ""
    if content_type == "message/rfc822" or (isinstance(msg.get_payload(), list) and msg.get_payload()):
        payload = msg.get_payload()
        embedded = payload[0] if isinstance(payload, list) and payload else None
        raw = embedded.as_bytes() if isinstance(embedded, Message) else b""
        attachments.append(
            Attachment(filename or "message.eml", "message/rfc822", len(raw), hashlib.sha256(raw).hexdigest())
        )
        if raw:
            with contextlib.suppress(MessageParseError):
                inner.append(parse_message(raw))
        return
    if disposition == "attachment" or filename or not content_type.startswith("text/"):
        data = msg.get_payload(decode=True) or b""
        looks_like_id = content_type.startswith(ID_DOCUMENT_TYPES) and bool(ID_DOCUMENT_NAME.search(filename))
        attachments.append(
            Attachment(
                filename or "(unnamed)", content_type, len(data), hashlib.sha256(data).hexdigest(), looks_like_id, data
            )
        )
        return
    text = _no_nul(_decode_text(msg))
    if content_type == "text/html":
        htmls.append(text)
    else:
        texts.append(text)


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse raw message bytes.

    >>> m = parse_message(b"Subject: =?utf-8?q?Supresi=C3=B3n?=\\r\\nFrom: Ana <a@b.es>\\r\\n\\r\\nBorrad mis datos")
    >>> (m.subject, m.from_addr, m.body_text)
    ('Supresión', 'a@b.es', 'Borrad mis datos')
    """
    if not isinstance(raw, bytes | bytearray):
        raise MessageParseError("expected bytes")
    if not raw.strip():
        raise MessageParseError("empty message")
    try:
        msg: EmailMessage = BytesParser(policy=policy.default).parsebytes(bytes(raw))  # type: ignore[assignment]
    except Exception as exc:  # the parser is lenient; this is truly unreadable input
        raise MessageParseError(f"unreadable message: {type(exc).__name__}") from None
    try:
        return _parsed(msg, bytes(raw))
    except MessageParseError:
        raise
    except Exception as exc:  # whatever the stdlib trips on, callers see one exception type
        raise MessageParseError(f"unreadable headers or structure: {type(exc).__name__}") from None


def _parsed(msg: EmailMessage, raw: bytes) -> ParsedMessage:
    texts: list[str] = []
    htmls: list[str] = []
    attachments: list[Attachment] = []
    inner: list[ParsedMessage] = []
    try:
        _walk(msg, texts, htmls, attachments, inner)
    except Exception as exc:
        raise MessageParseError(f"malformed MIME structure: {type(exc).__name__}") from None
    if not any(_header(msg, h) for h in ("From", "Subject", "Date", "Message-ID", "To")):
        raise MessageParseError("no headers: not an RFC 822 message")
    body_text = "\n\n".join(_no_nul(t).strip() for t in texts if t.strip())
    if not body_text and htmls:
        body_text = html_to_text("\n".join(htmls))
    if len(body_text.split()) < 8 and inner:  # a bare forward as attachment: the inner mail is the request
        body_text = (body_text + "\n\n" + inner[0].subject + "\n" + inner[0].body_text).strip()
    from_pairs = _addresses(msg, "From")
    to_pairs = _addresses(msg, "To")
    cc_pairs = _addresses(msg, "Cc")
    message_id = _message_ids(_header(msg, "Message-ID"))
    return ParsedMessage(
        message_id=message_id[0] if message_id else None,
        subject=_header(msg, "Subject")[:998],
        from_addr=(from_pairs[0][1] if from_pairs else "").lower(),
        from_name=from_pairs[0][0] if from_pairs else "",
        to_addrs=tuple(a.lower() for _, a in to_pairs),
        cc_addrs=tuple(a.lower() for _, a in cc_pairs),
        date=_date(msg),
        in_reply_to=(_message_ids(_header(msg, "In-Reply-To")) or (None,))[0],
        references=_message_ids(_header(msg, "References")),
        body_text=body_text[:MAX_BODY_CHARS],
        body_html=sanitize_html("\n".join(htmls))[:MAX_BODY_CHARS] if htmls else None,
        attachments=tuple(attachments),
        content_sha256=hashlib.sha256(raw).hexdigest(),
        size=len(raw),
        defects=tuple(type(d).__name__ for d in getattr(msg, "defects", [])),
        content_key=identity_key(msg, raw),
    )


# Headers that make a message what it is; trace headers (Received, Delivered-To, Return-Path,
# DKIM and spam verdicts...) differ between the copies that reached each mailbox and are left out.
IDENTITY_HEADERS = ("message-id", "from", "to", "cc", "date", "subject", "content-type", "content-transfer-encoding")


def identity_key(msg: Message, raw: bytes) -> str:
    """SHA-256 of the identity headers and the body bytes: the same message delivered to two
    mailboxes has one key; a reused Message-ID with other content (RFC 5322 §3.6.4 wants IDs
    unique, senders do not always comply) has another."""
    digest = hashlib.sha256()
    for key, value in msg.raw_items():
        if key.lower() in IDENTITY_HEADERS:
            unfolded = re.sub(r"\s+", " ", str(value)).strip()
            digest.update(f"{key.lower()}:{unfolded}\n".encode("utf-8", "surrogateescape"))
    _, _, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    digest.update(b"\n\n" + body.rstrip())
    return digest.hexdigest()
