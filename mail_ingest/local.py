"""A local source for demos and backlogs: a Maildir, an mbox file, a folder of .eml files, or one .eml."""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker
from tqdm import tqdm

from assistant.store import MessageStatus, repo, transaction

from .errors import UnknownSource
from .pipeline import Pipeline

COMMIT_EVERY = 100


def _is_maildir(path: Path) -> bool:
    return path.is_dir() and all((path / sub).is_dir() for sub in ("cur", "new"))


def read_source(path: Path) -> tuple[int, Iterator[bytes]]:
    """(how many messages, the raw messages) of a local source."""
    if _is_maildir(path):
        box = mailbox.Maildir(path, create=False)
        keys = list(box.keys())
        return len(keys), (box.get_bytes(key) for key in keys)
    if path.is_file() and path.suffix.lower() == ".eml":
        return 1, iter([path.read_bytes()])
    if path.is_file():
        with path.open("rb") as fh:
            head = fh.read(5)
        if head != b"From ":
            raise UnknownSource(f"{path}: not an mbox file (no 'From ' line) and not an .eml file")
        box = mailbox.mbox(path, create=False)
        keys = list(box.keys())
        return len(keys), (box.get_bytes(key) for key in keys)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.eml") if p.is_file())
        if not files:
            raise UnknownSource(f"{path}: no .eml files, and not a Maildir (cur/ new/)")
        return len(files), (p.read_bytes() for p in files)
    raise UnknownSource(f"{path}: no such file or folder")


def chunks(items: Iterator[bytes], size: int) -> Iterator[list[bytes]]:
    batch: list[bytes] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def import_path(
    factory: sessionmaker[Session],
    pipeline: Pipeline,
    path: Path,
    *,
    mailbox_name: str = "local",
    progress: bool = True,
) -> dict[str, int]:
    """Store and classify every message of ``path``; importing twice stores nothing twice."""
    total, messages = read_source(path)
    with factory() as session:
        quarantined_before = repo.message_counts(session).get(MessageStatus.QUARANTINED, 0)
    stored = 0
    with tqdm(total=total, unit="msg", desc="storing", disable=not progress) as bar:
        for batch in chunks(messages, COMMIT_EVERY):
            with transaction(factory) as session:
                for raw in batch:
                    pipeline.store(session, raw, mailbox=mailbox_name)
            stored += len(batch)
            bar.update(len(batch))
    classified = 0
    with tqdm(total=stored, unit="msg", desc="classifying", disable=not progress) as bar:
        while done := pipeline.classify_pending(limit=200):
            classified += done
            bar.update(done)
    with factory() as session:
        quarantined = repo.message_counts(session).get(MessageStatus.QUARANTINED, 0) - quarantined_before
    return {"read": total, "stored": stored, "classified": classified, "quarantined": quarantined}
