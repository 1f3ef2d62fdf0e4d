"""The pipeline a message goes through, whatever its source: store, classify, open the case.

Two steps, each safe to repeat: ``store`` (parse and save, or quarantine; never raises for a
bad message) and ``classify_pending`` (claim stored messages, analyse, open or update the
case, suggest a reply). A crash between them loses nothing: unclassified messages stay claimable.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from assistant.conversations import FollowUp, deadline_basis, follow_up, header_refs, same_thread_by_subject
from assistant.deadlines import deadline
from assistant.intake import parse_or_quarantine, quarantine_record
from assistant.nlp.analyze import Analysis, Analyzer, get_analyzer
from assistant.store import (
    Case,
    CaseMessage,
    CaseStatus,
    Classification,
    JoinedBy,
    Message,
    MessageLocation,
    MessageStatus,
    repo,
    threads,
    transaction,
)

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


class BatchThreads:
    """Cases opened earlier in the same batch, so a follow-up in the batch finds them too."""

    def __init__(self) -> None:
        self.by_message_id: dict[str, Case] = {}
        self.opened: list[tuple[Message, Case]] = []

    def add(self, message: Message, case: Case) -> None:
        if message.message_id and not message.id_conflict:
            self.by_message_id[message.message_id] = case
        self.opened.append((message, case))

    def find(self, message: Message) -> tuple[Case, str] | None:
        for ref in header_refs(message.in_reply_to, message.references or ()):
            if ref in self.by_message_id:
                return self.by_message_id[ref], JoinedBy.HEADERS
        for earlier, case in reversed(self.opened):
            if case.status in threads.THREADABLE and same_thread_by_subject(
                sender=message.from_addr, subject=message.subject, received=message.received_at,
                other_sender=earlier.from_addr, other_subject=earlier.subject, other_received=earlier.received_at,
            ):  # fmt: skip
                return case, JoinedBy.SUBJECT
        return None


def join_case(session: Session, case: Case, message: Message, analysis: Analysis, joined_by: str) -> FollowUp:
    """A follow-up joins its case: new rights are added (with the message that added them), an ID
    document ends the wait for it and restarts the month, a reminder or complaint escalates."""
    requester_id = analysis.requester_id
    outcome = follow_up(
        case_rights=case.rights,
        case_status=case.status,
        labels=analysis.labels,
        brings_id=message.has_id_document or bool(requester_id and requester_id.valid),
    )
    previous = case.status
    session.add(
        CaseMessage(
            case=case,
            message_pk=message.id,
            joined_by=joined_by,
            added_rights=outcome.added_rights,
            effects=outcome.effects,
        )
    )
    if outcome.added_rights:
        case.rights = [r for r in case.rights if r != "other"] + outcome.added_rights
    if outcome.id_received:
        case.status = CaseStatus.OPEN
        case.id_received_on = received_on(message.received_at)
        case.deadline = deadline_basis(
            received_on=case.received_on, id_received_on=case.id_received_on, extended=case.extended
        ).due
        if requester_id and not case.id_number:
            case.id_number, case.id_number_valid = requester_id.value, requester_id.valid
    if outcome.escalated:
        case.escalated = True
    if outcome.reopen:
        case.status = CaseStatus.OPEN
        case.closed_at = None
    case.mailboxes = list(dict.fromkeys([*case.mailboxes, *message.mailboxes]))
    if case.last_activity_at is None or message.received_at > case.last_activity_at:
        case.last_activity_at = message.received_at
    repo.audit(
        session,
        "worker",
        "follow_up",
        case=case,
        message_pk=message.id,
        joined_by=joined_by,
        added_rights=outcome.added_rights,
        effects=outcome.effects,
        previous_status=previous,
        status=case.status,
        deadline=case.deadline.isoformat(),
    )
    return outcome


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
                new = parse_or_quarantine(raw, mailbox, received_at)
                message, created = self._save_and_locate(session, new, location)
                if not created:
                    self._refresh_case_mailboxes(session, message)
        except Exception as exc:  # a database or parser bug must not block the other messages
            log.exception("storing failed for a message; quarantined")
            with session.begin_nested():
                record = quarantine_record(raw, mailbox, received_at, f"store failed: {type(exc).__name__}")
                message, _ = self._save_and_locate(session, record, location)
        log.debug("stored %s (%s)", message_ref(message.message_id, message.content_sha256), message.status)
        return message

    def store_batch(
        self,
        session: Session,
        items: list[tuple[bytes, int, datetime | None]],
        *,
        mailbox: str,
        account: str,
        folder: str,
        uidvalidity: int,
    ) -> None:
        """Store a fetched batch (raw, uid, internal date) of one folder: one lookup and one flush for
        the batch; if anything in it fails, each message takes the one-by-one path of ``store``."""
        news = [parse_or_quarantine(raw, mailbox, received_at) for raw, _, received_at in items]
        try:
            with session.begin_nested():
                saved = repo.save_messages(session, news)
                repo.record_locations(
                    session,
                    account=account,
                    folder=folder,
                    uidvalidity=uidvalidity,
                    messages=[(message, uid) for (message, _), (_, uid, _) in zip(saved, items, strict=True)],
                )
                for message, created in saved:
                    if not created:
                        self._refresh_case_mailboxes(session, message)
        except Exception:
            log.exception("batch store failed; storing one by one")
            for raw, uid, received_at in items:
                self.store(
                    session,
                    raw,
                    mailbox=mailbox,
                    location=Location(account, folder, uidvalidity, uid),
                    received_at=received_at,
                )

    def warm_up(self) -> None:
        """Load the classifier and the chat index now, not on the first message."""
        from assistant.chat import get_engine

        self._analyzer_factory()
        get_engine()

    @staticmethod
    def _save_and_locate(session: Session, new: repo.NewMessage, location: Location | None) -> tuple[Message, bool]:
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
        return message, created

    @staticmethod
    def _refresh_case_mailboxes(session: Session, message: Message) -> None:
        case = session.scalars(select(Case).where(Case.message_pk == message.id)).first()
        if case is not None and case.mailboxes != message.mailboxes:
            case.mailboxes = list(message.mailboxes)

    # -- classify ----------------------------------------------------------------------------

    def classify_pending(self, limit: int = 200, worker: str | None = None) -> int:
        """Classify stored messages nobody has classified yet; returns how many were handled.

        The batch is one transaction (one INSERT of classifications, one of audit events). If it
        fails, each message is retried in its own transaction, and one that fails alone is
        quarantined, its claim released: a poison message never holds back the others.
        """
        worker = worker or worker_name()
        with transaction(self.factory) as session:
            repo.release_stale_claims(session, STALE_CLAIM)
            claimed = repo.claim_new_messages(session, worker, limit=limit)
        if not claimed:
            return 0
        analyzer = self._analyzer_factory()
        try:
            with transaction(self.factory) as session:
                self._classify_batch(session, analyzer, claimed)
        except Exception:
            log.exception("classifying a batch of %d failed; one by one now", len(claimed))
            for pk in claimed:
                self._classify_alone(analyzer, pk)
        return len(claimed)

    def _classify_alone(self, analyzer: Analyzer, pk: int) -> None:
        """One message in its own failure domain: classified, or quarantined with the reason."""
        try:
            with transaction(self.factory) as session:
                self._classify_batch(session, analyzer, [pk])
        except Exception as exc:
            log.exception("classification failed for message %d; quarantined", pk)
            with transaction(self.factory) as session:
                message = session.get(Message, pk)
                if message is not None:
                    repo.quarantine(session, message, f"classification failed: {type(exc).__name__}: {exc}"[:500])

    def _classify_batch(self, session: Session, analyzer: Analyzer, claimed: list[int]) -> None:
        messages = list(session.scalars(select(Message).where(Message.id.in_(claimed)).order_by(Message.id)))
        with_case = set(session.scalars(select(Case.message_pk).where(Case.message_pk.in_(claimed))))
        members = set(session.scalars(select(CaseMessage.message_pk).where(CaseMessage.message_pk.in_(claimed))))
        links = threads.find_threads(session, [m for m in messages if m.id not in members | with_case])
        known = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_({c for c, _ in links.values()})))}
        batch = BatchThreads()
        classified: list[tuple[Message, dict[str, Any]]] = []
        opened: list[tuple[Case, list[str]]] = []
        with session.no_autoflush:
            for message in messages:
                analysis = self._analyse(session, analyzer, message)
                if analysis is None:
                    continue
                classified.append((message, analysis.to_dict()))
                if message.id in members and message.id not in with_case:
                    continue  # a follow-up classified again: it already did what it does to its case
                link = links.get(message.id)
                target = (known[link[0]], link[1]) if link else batch.find(message)
                if target is not None:
                    join_case(session, target[0], message, analysis, target[1])
                    continue
                if analysis.labels == ["other"]:
                    continue
                case = self._open_case(session, message, analysis, has_case=message.id in with_case)
                if message.id not in members:
                    session.add(CaseMessage(case=case, message_pk=message.id, joined_by=JoinedBy.ORIGIN))
                batch.add(message, case)
                opened.append((case, analysis.labels))
        repo.record_classifications(session, classified)
        session.flush()  # the cases' ids, for the audit trail
        repo.audit_many(session, "worker", "case_opened", [(case.id, {"labels": labels}) for case, labels in opened])

    def _analyse(self, session: Session, analyzer: Analyzer, message: Message) -> Analysis | None:
        """The classifier's reading of one claimed message, or None when it failed and the message
        was quarantined."""
        try:
            return analyzer.analyze(message.subject or "", message.body_text or "")
        except Exception as exc:
            log.exception("classification failed for %s", message_ref(message.message_id, message.content_sha256))
            repo.quarantine(session, message, f"classification failed: {type(exc).__name__}")
            return None

    def _open_case(self, session: Session, message: Message, analysis: Analysis, *, has_case: bool) -> Case:
        """Open the message's case (or update it when re-classified). A failure here (a date the
        deadline arithmetic cannot take, the database) is left to ``classify_pending``."""
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
            lookup=has_case,
        )
        if case.last_activity_at is None:
            case.last_activity_at = message.received_at
        # The suggested reply is composed when an agent first opens the case (assistant.cases).
        return case

    # -- what to mark on the server ----------------------------------------------------------

    def unmarked_locations(self, session: Session, account: str) -> list[tuple[MessageLocation, list[str]]]:
        """Locations in ``account`` whose message is classified but not (or no longer) marked on the
        server, with the labels it should carry."""
        latest = (
            select(Classification.message_pk, func.max(Classification.id).label("classification_id"))
            .group_by(Classification.message_pk)
            .subquery()
        )
        rows = session.execute(
            select(MessageLocation, Classification.labels, Case.rights)
            .join(Message, MessageLocation.message_pk == Message.id)
            .join(latest, latest.c.message_pk == Message.id)
            .join(Classification, Classification.id == latest.c.classification_id)
            .outerjoin(Case, Case.message_pk == Message.id)
            .where(
                MessageLocation.account == account,
                MessageLocation.marked.is_(False),
                Message.status == MessageStatus.CLASSIFIED,
            )
        ).all()
        # A case's first message carries the case's rights: an agent's correction wins over the classifier.
        return [(location, list(rights or labels)) for location, labels, rights in rows]
