"""Cases are conversations (issue #15): which case a message continues, and what it changes.

Pure functions over data; ``assistant.store.threads`` finds the candidates and
``mail_ingest.pipeline`` applies the outcome.

A message continues a case when its In-Reply-To or References name a message of the case or a
reply we wrote (RFC 5322 §3.6.4), or, failing headers, when the same sender writes with the same
subject (thread prefixes stripped) within ``THREAD_WINDOW_DAYS`` while the case is open or
waiting for ID. Quoting an old message in the body links nothing: quotes are copied text anyone
can paste, headers are what the mail client sets when replying.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .deadlines import deadline
from .mime import THREAD_PREFIX

THREAD_WINDOW_DAYS = 60
THREAD_WINDOW = timedelta(days=THREAD_WINDOW_DAYS)
# Labels that are not rights of the requester: a follow-up carrying them adds nothing to the case.
NOT_RIGHTS = frozenset({"other", "information", "complaint"})


def subject_key(subject: str | None) -> str:
    """The subject as threads compare it: prefixes stripped, case and spacing ignored.

    >>> subject_key("RE: Fwd:  Supresión de  datos")
    'supresión de datos'
    """
    return " ".join(THREAD_PREFIX.sub("", subject or "").split()).casefold()


def header_refs(in_reply_to: str | None, references: Sequence[str]) -> list[str]:
    """The Message-IDs a message answers, closest first (In-Reply-To, then References newest first)."""
    refs = [in_reply_to] if in_reply_to else []
    refs.extend(reversed([r for r in references if r]))
    return list(dict.fromkeys(refs))


def same_thread_by_subject(
    *, sender: str, subject: str | None, received: datetime, other_sender: str, other_subject: str | None,
    other_received: datetime,
) -> bool:  # fmt: skip
    """The header-less fallback: same sender, same non-empty subject, within the window."""
    key = subject_key(subject)
    return (
        bool(key)
        and bool(sender)
        and sender.casefold() == other_sender.casefold()
        and key == subject_key(other_subject)
        and abs(received - other_received) <= THREAD_WINDOW
    )


@dataclass(frozen=True)
class FollowUp:
    """What a message that joined a case does to it."""

    added_rights: list[str] = field(default_factory=list)
    id_received: bool = False  # the case waited for ID and this message brings it
    escalated: bool = False  # a reminder or a complaint about the same request
    reopen: bool = False  # the case was answered or closed and this message asks for more

    @property
    def effects(self) -> list[str]:
        flags = (("id_received", self.id_received), ("escalated", self.escalated), ("reopened", self.reopen))
        return [name for name, on in flags if on]


def follow_up(
    *,
    case_rights: Iterable[str],
    case_status: str,
    labels: Iterable[str],
    brings_id: bool,
) -> FollowUp:
    """What a follow-up changes, from the case as it stands and what the classifier read.

    >>> follow_up(case_rights=["access"], case_status="open", labels=["access", "erasure"], brings_id=False)
    FollowUp(added_rights=['erasure'], id_received=False, escalated=False, reopen=False)
    >>> follow_up(case_rights=["access"], case_status="waiting_id", labels=["other"], brings_id=True).effects
    ['id_received']
    """
    have = set(case_rights)
    labels = list(labels)
    added = [label for label in labels if label not in NOT_RIGHTS and label not in have]
    id_received = case_status == "waiting_id" and brings_id
    asked_again = bool(labels) and all(label in have for label in labels if label not in NOT_RIGHTS)
    repeated_rights = any(label not in NOT_RIGHTS for label in labels) and asked_again and not brings_id
    escalated = "complaint" in labels or repeated_rights
    reopen = case_status in ("answered", "closed") and bool(added or escalated)
    return FollowUp(added_rights=added, id_received=id_received, escalated=escalated, reopen=reopen)


@dataclass(frozen=True)
class DeadlineBasis:
    """Which date the case's month runs from, and why (shown to the agent)."""

    due: date
    starts_on: date
    reason: str  # "received" or "identity_received"
    rule_id: str  # the knowledge entry that says so


def deadline_basis(*, received_on: date, id_received_on: date | None, extended: bool) -> DeadlineBasis:
    """GDPR Art. 12(3) counts the month from receipt of the request. When we had to ask for proof of
    identity (Art. 12(6)), the EDPB (Guidelines 01/2022) and the AEPD count it from the day the
    information arrived: the knowledge entry ``gdpr.art12_3_identity``.

    >>> deadline_basis(received_on=date(2026, 3, 2), id_received_on=date(2026, 3, 20), extended=False).due
    datetime.date(2026, 4, 20)
    """
    if id_received_on is not None and id_received_on > received_on:
        return DeadlineBasis(
            deadline(id_received_on, extended=extended), id_received_on, "identity_received", "gdpr.art12_3_identity"
        )
    return DeadlineBasis(deadline(received_on, extended=extended), received_on, "received", "gdpr.art12_3")
