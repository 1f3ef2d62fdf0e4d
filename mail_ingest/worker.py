"""The worker process: for each account, sync folders, classify, mark the server, write drafts, wait.

Resumable by construction: the cursor (UIDVALIDITY, last UID) moves in the same transaction as the
messages it covers, so a restart re-reads at most one uncommitted batch, which dedupe absorbs.
"""

from __future__ import annotations

import signal
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from types import FrameType

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from assistant.config import Config, ImapAccount
from assistant.store import MessageLocation, repo, transaction
from assistant.warm import freeze_heap
from knowledge.base import load as load_knowledge

from . import outbox
from .errors import LoginRefused, MailboxUnavailable
from .imap import Mailbox
from .logs import get_logger
from .pipeline import Pipeline

log = get_logger("worker")
MAX_BACKOFF = 60.0
PROCESSED_KEYWORD = "GDPR_triaged"


@dataclass
class SyncStats:
    fetched: int = 0
    classified: int = 0
    marked: int = 0
    drafts: int = 0
    uidvalidity_resets: int = 0
    purged: int = 0
    folders: dict[str, int] = field(default_factory=dict)


class AccountWorker:
    """Everything one account needs; ``sync`` is one pass, ``run`` loops until stopped."""

    def __init__(
        self,
        account: ImapAccount,
        factory: sessionmaker[Session],
        pipeline: Pipeline,
        config: Config,
        stop: threading.Event,
        *,
        drain_all_outbox: bool = False,
    ) -> None:
        self.account = account
        self.factory = factory
        self.pipeline = pipeline
        self.config = config
        self.stop = stop
        self.drain_all_outbox = drain_all_outbox
        self.keywords = {label.id: label.imap_keyword for label in load_knowledge().labels}

    def sync(self, box: Mailbox) -> SyncStats:
        stats = SyncStats()
        for folder in self.account.folders:
            stats.folders[folder] = self._sync_folder(box, folder, stats)
        while done := self.pipeline.classify_pending(limit=200):
            stats.classified += done
        stats.marked = self._mark(box)
        if self.config.smtp_host:
            stats.drafts = outbox.drain_smtp(
                self.factory, box, self.config, account_address=self.account.address, accept_any=self.drain_all_outbox
            )
        else:
            stats.drafts = outbox.drain(
                self.factory, box, account_address=self.account.address, accept_any=self.drain_all_outbox
            )
        with transaction(self.factory) as session:  # data minimisation: bodies are kept only so long
            stats.purged = repo.purge_old_bodies(session, self.config.body_retention_days)
            repo.purge_old_chat_questions(session, self.config.chat_question_retention_days)
        return stats

    def _sync_folder(self, box: Mailbox, folder: str, stats: SyncStats) -> int:
        state = box.select(folder)
        with self.factory() as session:
            cursor = repo.get_cursor(session, self.account.name, folder)
            known_validity = cursor.uidvalidity if cursor else None
            last_uid = cursor.last_uid if cursor else 0
        if known_validity is not None and known_validity != state.uidvalidity:
            # RFC 3501 §2.3.1.1: old UIDs mean nothing now. Re-read the folder; dedupe by Message-ID
            # and content hash keeps every message stored once.
            log.warning(
                "UIDVALIDITY of %s/%s changed (%s -> %s): rescanning",
                self.account.name,
                folder,
                known_validity,
                state.uidvalidity,
            )
            last_uid = 0
            stats.uidvalidity_resets += 1
        fetched = 0
        for batch in box.fetch(box.uids_after(last_uid)):
            with transaction(self.factory) as session:
                self.pipeline.store_batch(
                    session,
                    [(item.raw, item.uid, item.internal_date) for item in batch],
                    mailbox=self.account.address,
                    account=self.account.name,
                    folder=folder,
                    uidvalidity=state.uidvalidity,
                )
                repo.set_cursor(
                    session,
                    self.account.name,
                    folder,
                    uidvalidity=state.uidvalidity,
                    last_uid=max(item.uid for item in batch),
                )
            fetched += len(batch)
            if self.stop.is_set():
                break
        if fetched == 0 and known_validity != state.uidvalidity:
            with transaction(self.factory) as session:
                repo.set_cursor(session, self.account.name, folder, uidvalidity=state.uidvalidity, last_uid=last_uid)
        stats.fetched += fetched
        return fetched

    def _mark(self, box: Mailbox) -> int:
        """Keywords per label (and a move per label if configured), batched per folder and keyword."""
        with self.factory() as session:
            pending = self.pipeline.unmarked_locations(session, self.account.name)
            todo = [(loc.id, loc.folder, loc.uidvalidity, loc.uid, labels, loc.keywords_set) for loc, labels in pending]
        by_folder: dict[tuple[str, int], list[tuple[int, int, list[str]]]] = defaultdict(list)
        stale: dict[tuple[str, int], dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for loc_id, folder, validity, uid, labels, written in todo:
            by_folder[(folder, validity)].append((loc_id, uid, labels))
            wanted = {self.keywords.get(label, label) for label in labels}
            for keyword in set(written or ()) - wanted:  # labels an agent removed (issue #15)
                stale[(folder, validity)][keyword].append(uid)
        marked = 0
        for (folder, validity), items in by_folder.items():
            state = box.select(folder)
            if state.uidvalidity != validity:
                continue  # stale locations: the rescan recorded the new ones
            by_keyword: dict[str, list[int]] = defaultdict(list)
            for _, uid, labels in items:
                for label in labels:
                    by_keyword[self.keywords.get(label, f"GDPR_{label}")].append(uid)
                by_keyword[PROCESSED_KEYWORD].append(uid)
            for keyword, uids in stale[(folder, validity)].items():
                box.remove_keywords(uids, [keyword])
            for keyword, uids in by_keyword.items():
                box.add_keywords(uids, [keyword])
            with transaction(self.factory) as session:
                by_labels: dict[tuple[str, ...], list[int]] = defaultdict(list)
                for loc_id, _, labels in items:
                    by_labels[tuple(labels)].append(loc_id)
                for labels, loc_ids in by_labels.items():
                    keywords = [self.keywords.get(label, label) for label in labels]
                    session.execute(
                        update(MessageLocation)
                        .where(MessageLocation.id.in_(loc_ids))
                        .values(marked=True, keywords_set=keywords)
                    )
            if self.config.imap_move_to_label_folders:
                by_label: dict[str, list[int]] = defaultdict(list)
                for _, uid, labels in items:
                    by_label[labels[0]].append(uid)
                for label, uids in by_label.items():
                    box.move(uids, f"GDPR/{label}")
            marked += len(items)
        return marked

    def run(self) -> None:
        backoff = 1.0
        while not self.stop.is_set():
            try:
                with Mailbox(self.account) as box:
                    backoff = 1.0
                    while not self.stop.is_set():
                        stats = self.sync(box)
                        if stats.fetched or stats.drafts:
                            log.info(
                                "%s: fetched %d, classified %d, marked %d, drafts %d",
                                self.account.name,
                                stats.fetched,
                                stats.classified,
                                stats.marked,
                                stats.drafts,
                            )
                        box.select(self.account.folders[0])
                        box.wait_for_mail(self.config.imap_poll_seconds, self.stop.is_set)
            except LoginRefused as exc:
                log.error("%s: %s; retrying in %.0fs", self.account.name, exc, MAX_BACKOFF)
                self.stop.wait(MAX_BACKOFF)
            except MailboxUnavailable as exc:
                log.warning("%s: %s; reconnecting in %.0fs", self.account.name, exc, backoff)
                self.stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)


class Worker:
    """One thread per account; SIGTERM/SIGINT stop them cleanly after the current batch."""

    def __init__(self, config: Config, factory: sessionmaker[Session], pipeline: Pipeline | None = None) -> None:
        self.config = config
        self.factory = factory
        self.pipeline = pipeline or Pipeline(factory)
        self.stop = threading.Event()
        single = len(config.imap_accounts) == 1
        self.accounts = [
            AccountWorker(a, factory, self.pipeline, config, self.stop, drain_all_outbox=single)
            for a in config.imap_accounts
        ]

    def run_once(self) -> dict[str, SyncStats]:
        self.pipeline.warm_up()
        freeze_heap()
        results = {}
        for worker in self.accounts:
            with Mailbox(worker.account) as box:
                results[worker.account.name] = worker.sync(box)
        return results

    def run(self) -> None:
        def _stop(signum: int, frame: FrameType | None) -> None:
            log.info("signal %d: finishing the current batch, then stopping", signum)
            self.stop.set()

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, _stop)
            signal.signal(signal.SIGINT, _stop)
        self.pipeline.warm_up()
        freeze_heap()
        threads = [threading.Thread(target=w.run, name=f"imap-{w.account.name}", daemon=True) for w in self.accounts]
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads) and not self.stop.is_set():
            time.sleep(0.2)
        self.stop.set()
        for thread in threads:
            thread.join(timeout=30)
