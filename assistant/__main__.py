"""`python -m assistant ...`: database, users, classifier and chat tools."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Sequence

from .config import ConfigError, load_config


def _cmd_db_upgrade(args: argparse.Namespace) -> int:
    from .store import make_engine, upgrade

    config = load_config()
    version = upgrade(make_engine(config.database_url))
    print(f"database schema at version {version}")
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m assistant", description=__doc__)
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
