"""`python -m assistant ...`: database, users, classifier and chat tools.

Commands:
  db upgrade              create or migrate the tables in DATABASE_URL
  users add NAME          create a console/API user (--role agent|admin, --token)
  users token NAME        issue a new API token for a user; the old one stops working
  users password NAME     set a user's password (asked for); the user's console sessions end
  gold export|erase EMAIL a requester's gold labels as JSON, or deleted
  gold demo               the demo's cases confirmed as a demo agent would (make run): the stats page has figures
  classify FILE.eml|-     print the Analysis of a message (RFC 822 or plain text) as JSON
  train [--with-gold]     retrain the rights classifier from corpus/messages.jsonl (plus agents' gold)
  eval [--split test]     per-label, per-language scores of the classifier (--from-store: agents' gold)
  model compare|promote|rollback|list
                          switch to a model trained with gold only if it is no worse
  chat-report             the chat intents visitors found unanswered or unhelpful
  eval-chat               fact accuracy and no-answer precision/recall of the chat
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys
from collections.abc import Callable, Sequence

from .config import ConfigError, load_config


def _cmd_db_upgrade(args: argparse.Namespace) -> int:
    from .store import make_engine, upgrade

    config = load_config()
    revision = upgrade(make_engine(config.database_url))
    print(f"database schema at revision {revision} (Alembic head)")
    return 0


def _cmd_users_add(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from .store import User, check_schema, make_engine, repo, session_factory, transaction

    config = load_config()
    engine = make_engine(config.database_url)
    check_schema(engine)
    if args.exist_ok:
        with session_factory(engine)() as session:
            if session.scalar(select(User).where(User.username == args.username)) is not None:
                print(f"user {args.username!r} already exists")
                return 0
    password = args.password or getpass.getpass(f"password for {args.username}: ")
    try:
        with transaction(session_factory(engine)) as session:
            user = repo.create_user(session, args.username, password, role=args.role)
            token = repo.issue_api_token(session, user) if args.token else None
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"user {args.username!r} created with role {args.role}")
    if token:
        print(f"API token (shown once): {token}")
    return 0


def _cmd_users_token(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from .store import User, check_schema, make_engine, repo, session_factory, transaction

    engine = make_engine(load_config().database_url)
    check_schema(engine)
    with transaction(session_factory(engine)) as session:
        user = session.scalar(select(User).where(User.username == args.username))
        if user is None:
            print(f"error: no user {args.username!r}", file=sys.stderr)
            return 2
        token = repo.issue_api_token(session, user)
    print(f"API token for {args.username!r} (shown once; the previous one is revoked within 10 s): {token}")
    return 0


def _cmd_users_password(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from .store import User, check_schema, make_engine, repo, session_factory, transaction

    engine = make_engine(load_config().database_url)
    check_schema(engine)
    password = args.password or getpass.getpass(f"new password for {args.username}: ")
    try:
        with transaction(session_factory(engine)) as session:
            user = session.scalar(select(User).where(User.username == args.username))
            if user is None:
                print(f"error: no user {args.username!r}", file=sys.stderr)
                return 2
            repo.set_password(session, user, password)
            repo.audit(session, "cli", "password_changed", username=args.username)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"password of {args.username!r} changed; their console sessions have ended")
    return 0


def _cmd_gold_demo(args: argparse.Namespace) -> int:
    """Every case without gold confirmed as classified, as approving its reply would (idempotent)."""
    from sqlalchemy import select

    from .store import Case, GoldLabel, check_schema, make_engine, repo, session_factory, transaction

    engine = make_engine(load_config().database_url)
    check_schema(engine)
    with transaction(session_factory(engine)) as session:
        done = set(session.scalars(select(GoldLabel.case_id)))
        cases = [c for c in session.scalars(select(Case).order_by(Case.id)) if c.id not in done]
        for case in cases:
            repo.set_gold(session, case, case.rights, args.by, "approve")
    print(f"{len(cases)} cases confirmed as gold by {args.by!r} ({len(done)} already were)")
    return 0


def _cmd_gold_requester(args: argparse.Namespace) -> int:
    """A requester's gold rows as JSON (export), or deleted (erase)."""
    import json

    from .store import check_schema, make_engine, repo, session_factory, transaction

    engine = make_engine(load_config().database_url)
    check_schema(engine)
    with transaction(session_factory(engine)) as session:
        rows = repo.requester_gold(session, args.email)
        exported = [
            {
                "case_id": r.case_id,
                "labels": r.labels,
                "predicted": r.predicted,
                "model_version": r.model_version,
                "source": r.source,
                "set_by": r.set_by,
                "set_at": r.set_at.isoformat(),
                "subject": r.masked_subject,
                "body": r.masked_body,
            }
            for r in rows
        ]
        if args.gold_command == "erase":
            erased = repo.erase_requester_gold(session, args.email)
            repo.audit(session, "cli", "gold_erased", rows=erased)
            print(f"{erased} gold rows erased")
            return 0
    print(json.dumps(exported, ensure_ascii=False, indent=2))
    return 0


def _cmd_classify(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from .mime import MessageParseError, parse_message
    from .nlp.analyze import analyze

    raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    subject, body = "", raw.decode("utf-8", errors="replace")
    if re.match(rb"^[A-Za-z-]+:", raw.lstrip()[:200]):  # has headers: an RFC 822 message
        try:
            parsed = parse_message(raw)
        except MessageParseError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        subject, body = parsed.subject, parsed.body_text
    print(json.dumps(analyze(subject, body, args.lang).to_dict(), ensure_ascii=False, indent=2))
    return 0


DELEGATED = {  # command -> "module:function" taking the rest of the command line
    "train": "assistant.learning:train_main",
    "eval": "assistant.learning:eval_main",
    "eval-chat": "assistant.chat_eval:main",
    "model": "assistant.learning:model_main",
    "chat-report": "assistant.feedback:main",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m assistant", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="create or migrate the tables in DATABASE_URL").set_defaults(func=_cmd_db_upgrade)

    users = sub.add_parser("users", help="console and API users").add_subparsers(dest="users_command", required=True)
    add = users.add_parser("add", help="create a user (asks for the password unless --password)")
    add.add_argument("username")
    add.add_argument("--role", choices=["agent", "admin"], default="agent")
    add.add_argument("--password", help="for scripts; prefer the prompt")
    add.add_argument("--token", action="store_true", help="also issue an API token (printed once)")
    add.add_argument("--exist-ok", action="store_true", help="succeed quietly if the user already exists")
    add.set_defaults(func=_cmd_users_add)
    rotate = users.add_parser("token", help="issue a new API token for a user (the old one stops working)")
    rotate.add_argument("username")
    rotate.set_defaults(func=_cmd_users_token)
    change = users.add_parser("password", help="set a user's password (asks for it); ends their console sessions")
    change.add_argument("username")
    change.add_argument("--password", help="for scripts; prefer the prompt")
    change.set_defaults(func=_cmd_users_password)

    gold = sub.add_parser("gold", help="agents' gold labels").add_subparsers(dest="gold_command", required=True)
    demo = gold.add_parser("demo", help="confirm every case without gold as classified (for the demo database)")
    demo.add_argument("--by", default="demo", help="the agent name recorded")
    demo.set_defaults(func=_cmd_gold_demo)
    for name, text in (
        ("export", "print a requester's gold rows as JSON"),
        ("erase", "delete a requester's gold rows"),
    ):
        command = gold.add_parser(name, help=text)
        command.add_argument("email", help="the requester's e-mail address, as on their cases")
        command.set_defaults(func=_cmd_gold_requester)

    classify = sub.add_parser("classify", help="print the Analysis of a message file (or - for stdin) as JSON")
    classify.add_argument("file")
    classify.add_argument("--lang", help="force the language instead of detecting it")
    classify.set_defaults(func=_cmd_classify)
    for name, _module in DELEGATED.items():
        sub.add_parser(name, help=f"see `python -m assistant {name} --help`", add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in DELEGATED:
        import importlib

        module, function = DELEGATED[argv[0]].split(":")
        return int(getattr(importlib.import_module(module), function)(argv[1:]))
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
