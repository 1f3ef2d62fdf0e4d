"""`python -m mail_ingest run|import|status`: the mail worker and its tools.

Commands:
  run [--once]            watch the configured IMAP accounts (IMAP_* variables); --once: one pass, then exit
  import PATH             store and classify a Maildir, an mbox file, a folder of .eml files or one .eml
  status                  per account and folder: UIDVALIDITY, last UID; message counts; quarantined

Exit codes: 0 success, 1 a mailbox or source problem, 2 configuration error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import func, select

from assistant.config import ConfigError, load_config
from assistant.store import FolderCursor, Message, MessageStatus, check_schema, make_engine, repo, session_factory

from .errors import IngestError
from .logs import configure


def _factory():
    config = load_config()
    engine = make_engine(config.database_url)
    check_schema(engine)
    return config, session_factory(engine)


def _cmd_run(args: argparse.Namespace) -> int:
    from .worker import Worker

    config, factory = _factory()
    if not config.imap_accounts:
        print("configuration error: IMAP_HOST (or IMAP_ACCOUNTS) is not set: no mailbox to watch", file=sys.stderr)
        return 2
    worker = Worker(config, factory)
    if args.once:
        results = worker.run_once()
        print(json.dumps({name: {k: v for k, v in vars(s).items()} for name, s in results.items()}))
        return 0
    worker.run()
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from .local import import_path
    from .pipeline import Pipeline

    _, factory = _factory()
    result = import_path(
        factory, Pipeline(factory), Path(args.path), mailbox_name=args.mailbox, progress=not args.quiet
    )
    print(
        f"imported {args.path}: {result['read']} read, {result['stored']} stored, "
        f"{result['classified']} classified, {result['quarantined']} quarantined (read them at /quarantine; "
        "already stored messages are not duplicated)"
    )
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    _, factory = _factory()
    with factory() as session:
        cursors = list(session.scalars(select(FolderCursor).order_by(FolderCursor.account, FolderCursor.folder)))
        counts = repo.message_counts(session)
        quarantined = session.scalar(
            select(func.count()).select_from(Message).where(Message.status == MessageStatus.QUARANTINED)
        )
    for c in cursors:
        print(
            f"{c.account}/{c.folder}: UIDVALIDITY {c.uidvalidity}, last UID {c.last_uid}, updated {c.updated_at:%F %T}"
        )
    if not cursors:
        print("no IMAP folder read yet")
    print("messages: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"))
    print(f"quarantined: {quarantined}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mail_ingest", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--log-level", default="INFO")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="the worker: sync, classify, mark, draft, wait (IDLE or poll)")
    run.add_argument("--once", action="store_true", help="one pass over every account, then exit")
    run.set_defaults(func=_cmd_run)
    imp = sub.add_parser("import", help="store and classify a local Maildir, mbox or .eml files")
    imp.add_argument("path")
    imp.add_argument("--mailbox", default="local", help="the mailbox name recorded for these messages")
    imp.add_argument("--quiet", action="store_true", help="no progress bar")
    imp.set_defaults(func=_cmd_import)
    sub.add_parser("status", help="cursors and counts").set_defaults(func=_cmd_status)
    args = parser.parse_args(argv)
    configure(args.log_level)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except IngestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
