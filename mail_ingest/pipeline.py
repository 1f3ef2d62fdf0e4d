"""The pipeline a message goes through, whatever its source: store, classify, open the case.

Two steps, each safe to repeat: ``store`` (parse and save, or quarantine; never raises for a
bad message) and ``classify_pending`` (claim stored messages, analyse, open or update the
case, suggest a reply). A crash between them loses nothing: unclassified messages stay claimable.
"""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from assistant.deadlines import deadline
from assistant.mime import MessageParseError, ParsedMessage, parse_message
from assistant.nlp.analyze import Analyzer, get_analyzer
from assistant.replies import ReplyContext, compose_reply
from assistant.store import Case, Classification, Message, MessageLocation, MessageStatus, repo, transaction

from .logs import get_logger, message_ref

log = get_logger("pipeline")
MADRID = ZoneInfo("Europe/Madrid")  # GDPR deadlines count from receipt at the controller's seat
STALE_CLAIM = timedelta(minutes=15)


@dataclass(frozen=True)
class Location:
    account: str
    folder: str
    uidvalidity: int
    uid: int


def received_on(moment: datetime) -> date:
    return moment.astimezone(MADRID).date()


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _new_message(parsed: ParsedMessage, mailbox: str, received_at: datetime | None) -> repo.NewMessage:
    return repo.NewMessage(
        content_sha256=parsed.content_sha256,
        message_id=parsed.message_id,
        subject=parsed.subject,
        from_addr=parsed.from_addr,
        from_name=parsed.from_name,
        to_addrs=list(parsed.to_addrs) + list(parsed.cc_addrs),
        in_reply_to=parsed.in_reply_to,
        references=list(parsed.references),
        date_header=parsed.date,
        # IMAP INTERNALDATE when we have it; for an imported backlog the sender's Date header.
        received_at=received_at or parsed.date or datetime.now(UTC),
        body_text=parsed.body_text,
        body_html=parsed.body_html,
        attachments=[a.to_dict() for a in parsed.attachments],
        has_id_document=parsed.has_id_document,
        size=parsed.size,
        mailbox=mailbox,
    )


class Pipeline:
    def __init__(self, factory: sessionmaker[Session], analyzer_factory: Callable[[], Analyzer] = get_analyzer) -> None:
        self.factory = factory
        self._analyzer_factory = analyzer_factory

    # -- store -------------------------------------------------------------------------------

    def store(
        self,
        session: Session,
        raw: bytes,
        *,
        mailbox: str,
        location: Location | None = None,
        received_at: datetime | None = None,
    ) -> Message:
        """Save one raw message (or its quarantine record) and where it sits; never raises for bad input."""
        try:
            with session.begin_nested():
                try:
                    new = _new_message(parse_message(raw), mailbox, received_at)
                except MessageParseError as exc:
                    new = self._quarantine_record(raw, mailbox, received_at, str(exc))
                message, created = repo.save_message(session, new)
                if location is not None:
                    repo.record_location(
                        session,
                        message,
                        account=location.account,
                        folder=location.folder,
                        uidvalidity=location.uidvalidity,
                        uid=location.uid,
                    )
                if not created:
                    self._refresh_case_mailboxes(session, message)
        except Exception as exc:  # a database or parser bug must not block the other messages
            log.exception("storing failed for a message; quarantined")
            with session.begin_nested():
                message, _ = repo.save_message(
                    session, self._quarantine_record(raw, mailbox, received_at, f"store failed: {type(exc).__name__}")
                )
                if location is not None:
                    repo.record_location(
                        session,
                        message,
                        account=location.account,
                        folder=location.folder,
                        uidvalidity=location.uidvalidity,
                        uid=location.uid,
                    )
        log.debug("stored %s (%s)", message_ref(message.message_id, message.content_sha256), message.status)
        return message

    @staticmethod
    def _quarantine_record(raw: bytes, mailbox: str, received_at: datetime | None, error: str) -> repo.NewMessage:
        return repo.NewMessage(
            content_sha256=hashlib.sha256(raw).hexdigest(),
            subject="(unreadable message)",
            size=len(raw),
            received_at=received_at or datetime.now(UTC),
            status=MessageStatus.QUARANTINED,
            error=error,
            mailbox=mailbox,
        )

    @staticmethod
    def _refresh_case_mailboxes(session: Session, message: Message) -> None:
        case = session.scalars(select(Case).where(Case.message_pk == message.id)).first()
        if case is not None and case.mailboxes != message.mailboxes:
            case.mailboxes = list(message.mailboxes)

    # -- classify ----------------------------------------------------------------------------

    def classify_pending(self, limit: int = 200, worker: str | None = None) -> int:
        """Classify stored messages nobody has classified yet; returns how many were done."""
        worker = worker or worker_name()
        with transaction(self.factory) as session:
            repo.release_stale_claims(session, STALE_CLAIM)
            claimed = repo.claim_new_messages(session, worker, limit=limit)
        if not claimed:
            return 0
        analyzer = self._analyzer_factory()
        with transaction(self.factory) as session:
            for pk in claimed:
                message = session.get(Message, pk)
                if message is None:
                    continue
                with session.begin_nested():
                    self._classify_one(session, analyzer, message)
        return len(claimed)

    def _classify_one(self, session: Session, analyzer: Analyzer, message: Message) -> None:
        try:
            analysis = analyzer.analyze(message.subject or "", message.body_text or "")
        except Exception as exc:
            log.exception("classification failed for %s", message_ref(message.message_id, message.content_sha256))
            repo.quarantine(session, message, f"classification failed: {type(exc).__name__}")
            return
        data = analysis.to_dict()
        repo.record_classification(session, message, data)
        if analysis.labels == ["other"]:
            return
        received = received_on(message.received_at)
        requester_id = analysis.requester_id
        names = analysis.entities.get("names") or []
        policies = analysis.entities.get("policy_numbers") or []
        case = repo.open_or_update_case(
            session,
            message,
            rights=analysis.labels,
            language=analysis.language,
            requester=repo.Requester(
                name=names[0].value if names else (message.from_name or None),
                email=message.from_addr or None,
                id_number=requester_id.value if requester_id else None,
                id_number_valid=requester_id.valid if requester_id else None,
                policy_number=policies[0].value if policies else None,
            ),
            received_on=received,
            deadline=deadline(received),
        )
        if not case.replies:
            suggestion = compose_reply(
                ReplyContext.from_analysis(analysis, received=received, has_id_document=message.has_id_document)
            )
            if suggestion.is_gdpr_request:
                repo.add_reply(
                    session,
                    case,
                    language=suggestion.language,
                    subject=reply_subject(message.subject or ""),
                    body=suggestion.text,
                    citations=suggestion.citations,
                    knowledge_version=suggestion.knowledge_version,
                )
        repo.audit(session, "worker", "case_opened", case_id=case.id, labels=analysis.labels)

    # -- what to mark on the server ----------------------------------------------------------

    def unmarked_locations(self, session: Session, account: str) -> list[tuple[MessageLocation, list[str]]]:
        """Locations in ``account`` whose message is classified but carries no triage keyword yet."""
        rows = session.execute(
            select(MessageLocation, Message)
            .join(Message, MessageLocation.message_pk == Message.id)
            .where(MessageLocation.account == account, Message.status == MessageStatus.CLASSIFIED)
        ).all()
        pending = []
        for location, message in rows:
            if location.keywords_set:
                continue
            latest = session.scalars(
                select(Classification)
                .where(Classification.message_pk == message.id)
                .order_by(Classification.id.desc())
                .limit(1)
            ).first()
            if latest is not None:
                pending.append((location, list(latest.labels)))
        return pending


def reply_subject(subject: str) -> str:
    """ "Re: " once, whatever prefixes the thread already carries."""
    import re

    stripped = re.sub(r"^\s*((re|rv|aw|sv|fw|fwd|tr|wg)\s*(\[\d+\])?\s*:\s*)+", "", subject, flags=re.IGNORECASE)
    return f"Re: {stripped}".strip()
