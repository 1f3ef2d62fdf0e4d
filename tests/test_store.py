"""Storage on both backends: dedupe, claims, cases, replies, users, retention."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from assistant.store import (
    Message,
    MessageStatus,
    OutboxItem,
    User,
    make_engine,
    repo,
    session_factory,
    transaction,
)


def _new(n: int, **overrides) -> repo.NewMessage:
    fields = {
        "content_sha256": f"{n:064x}",
        "message_id": f"<m{n}@example.test>",
        "subject": f"Solicitud {n}",
        "body_text": "Quiero ejercer mi derecho de acceso.",
        "mailbox": "derechos",
    }
    fields.update(overrides)
    return repo.NewMessage(**fields)


def test_message_saved_once_and_mailboxes_merged(engine):
    factory = session_factory(engine)
    with transaction(factory) as s:
        first, created = repo.save_message(s, _new(1, mailbox="derechos"))
        assert created
    with transaction(factory) as s:
        again, created = repo.save_message(s, _new(1, mailbox="dpo"))
        assert not created
        assert again.id == first.id
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Message)) == 1
        assert s.get(Message, first.id).mailboxes == ["derechos", "dpo"]


def test_message_without_message_id_dedupes_by_content_hash(engine):
    factory = session_factory(engine)
    with transaction(factory) as s:
        repo.save_message(s, _new(7, message_id=None))
        _, created = repo.save_message(s, _new(7, message_id=None, mailbox="dpo"))
        assert not created
        assert s.scalar(select(func.count()).select_from(Message)) == 1


def test_timestamps_come_back_timezone_aware(engine):
    factory = session_factory(engine)
    sent = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    with transaction(factory) as s:
        message, _ = repo.save_message(s, _new(2, date_header=sent))
        pk = message.id
    with factory() as s:
        assert s.get(Message, pk).date_header == sent


def test_claims_are_disjoint_and_complete(engine):
    factory = session_factory(engine)
    with transaction(factory) as s:
        for n in range(10):
            repo.save_message(s, _new(n))
    with transaction(factory) as s:
        a = repo.claim_new_messages(s, "worker-a", limit=4)
    with transaction(factory) as s:
        b = repo.claim_new_messages(s, "worker-b", limit=100)
    assert len(a) == 4
    assert set(a).isdisjoint(b)
    assert len(a) + len(b) == 10
    with transaction(factory) as s:
        assert repo.claim_new_messages(s, "worker-c") == []


def test_stale_claims_are_released(engine):
    factory = session_factory(engine)
    with transaction(factory) as s:
        repo.save_message(s, _new(1))
        claimed = repo.claim_new_messages(s, "dead-worker")
        s.get(Message, claimed[0]).claimed_at = datetime.now(UTC) - timedelta(hours=2)
    with transaction(factory) as s:
        assert repo.release_stale_claims(s, timedelta(minutes=30)) == 1
        assert repo.claim_new_messages(s, "live-worker") == claimed


def test_quarantine_keeps_message_and_error(engine):
    factory = session_factory(engine)
    with transaction(factory) as s:
        message, _ = repo.save_message(s, _new(3))
        repo.quarantine(s, message, "UnicodeDecodeError: bad charset")
    with factory() as s:
        stored = s.scalars(select(Message)).one()
        assert stored.status == MessageStatus.QUARANTINED
        assert "charset" in stored.error
        assert stored.body_text


def test_case_reply_and_outbox_flow(engine):
    factory = session_factory(engine)
    with transaction(factory) as s:
        message, _ = repo.save_message(s, _new(4))
        repo.record_classifications(s, [(message, {"language": "es", "labels": ["access"], "model_version": "t"})])
        case = repo.open_or_update_case(
            s,
            message,
            rights=["access"],
            language="es",
            requester=repo.Requester(name="Ana", id_number="12345678Z", id_number_valid=True),
            received_on=date(2026, 1, 31),
            deadline=date(2026, 2, 28),
        )
        reply = repo.add_reply(
            s, case, language="es", subject="Re: x", body="Hola", citations=[], knowledge_version="k1"
        )
        item = repo.approve_reply(s, reply, body="Hola, editado", approved_by="agent1", account="derechos")
        again = repo.approve_reply(s, reply, body="otra vez", approved_by="agent1", account="derechos")
        assert again.id == item.id
        repo.audit(s, "agent1", "approve_reply", case_id=case.id, reply_id=reply.id)
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(OutboxItem)) == 1
        assert [c.id for c in repo.list_cases(s, label="access")] == [case.id]
        assert repo.list_cases(s, label="erasure") == []
        assert repo.list_cases(s, deadline_before=date(2026, 2, 1)) == []
        assert [o.reply_id for o in repo.pending_outbox(s)] == [reply.id]


def test_users_passwords_and_tokens(engine):
    factory = session_factory(engine)
    with transaction(factory) as s:
        user = repo.create_user(s, "ana", "correct horse", role="admin")
        token = repo.issue_api_token(s, user)
        assert user.password_hash != "correct horse"
        assert token not in (user.api_token_hash or "")
    with factory() as s:
        assert repo.authenticate(s, "ana", "correct horse").role == "admin"
        assert repo.authenticate(s, "ana", "wrong") is None
    with engine.connect() as connection:
        agent = repo.agent_for_token(connection, token)
        assert (agent.username, agent.role) == ("ana", "admin")
        assert repo.agent_for_token(connection, "forged") is None
        assert repo.agent_by_id(connection, agent.id) == agent
    with pytest.raises(ValueError, match="role"), transaction(factory) as s:
        repo.create_user(s, "bob", "long enough for us", role="root")


def test_old_bodies_are_purged(engine):
    factory = session_factory(engine)
    with transaction(factory) as s:
        repo.save_message(s, _new(5, received_at=datetime.now(UTC) - timedelta(days=400)))
        repo.save_message(s, _new(6))
    with transaction(factory) as s:
        assert repo.purge_old_bodies(s, older_than_days=365) == 1
    with factory() as s:
        bodies = sorted(m.body_text is None for m in s.scalars(select(Message)))
        assert bodies == [False, True]


def test_cursor_roundtrip(engine):
    factory = session_factory(engine)
    with transaction(factory) as s:
        repo.set_cursor(s, "derechos", "INBOX", uidvalidity=42, last_uid=7)
        repo.set_cursor(s, "derechos", "INBOX", uidvalidity=42, last_uid=9)
    with factory() as s:
        cursor = repo.get_cursor(s, "derechos", "INBOX")
        assert (cursor.uidvalidity, cursor.last_uid) == (42, 9)


def _claim_worker(url: str, name: str, out: multiprocessing.Queue) -> None:
    engine = make_engine(url)
    factory = session_factory(engine)
    mine: list[int] = []
    while True:
        with transaction(factory) as s:
            ids = repo.claim_new_messages(s, name, limit=7)
            for pk in ids:
                s.get(Message, pk).status = MessageStatus.CLASSIFIED
        if not ids:
            break
        mine.extend(ids)
    out.put((name, mine))


def test_two_processes_claim_on_postgres_without_overlap(postgres_url):
    from assistant.store import upgrade

    engine = make_engine(postgres_url)
    upgrade(engine)
    factory = session_factory(engine)
    with transaction(factory) as s:
        for n in range(300):
            repo.save_message(s, _new(n))
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_claim_worker, args=(postgres_url, f"w{i}", queue)) for i in range(2)]
    for w in workers:
        w.start()
    results = dict(queue.get(timeout=120) for _ in workers)
    for w in workers:
        w.join(timeout=30)
    a, b = results["w0"], results["w1"]
    assert set(a).isdisjoint(b), "a message was processed twice"
    assert len(a) + len(b) == 300, "a message was lost"
    assert a and b, "both workers should have taken part"
    with factory() as s:
        assert s.scalar(select(func.count()).where(Message.status == MessageStatus.CLASSIFIED)) == 300


def test_users_token_command_replaces_the_token(tmp_path, monkeypatch):
    from assistant.__main__ import main

    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    assert main(["users", "add", "eva", "--password", "long enough for us", "--token"]) == 0
    engine = make_engine(url)
    with engine.connect() as connection:
        first = connection.scalar(select(User.api_token_hash).where(User.username == "eva"))
    assert main(["users", "token", "eva"]) == 0
    with engine.connect() as connection:
        second = connection.scalar(select(User.api_token_hash).where(User.username == "eva"))
    assert first and second and first != second
    assert main(["users", "token", "nobody"]) == 2


def test_repo_gathers_every_public_name_of_the_stores_concern_modules():
    """Callers write ``repo.X`` whichever module X lives in: a name added to a concern module and
    forgotten in store/repo.py fails here (httpx's "__all__ is complete" test)."""
    import importlib
    import inspect

    from assistant.store import repo as gathered

    for name in ("messages", "cases", "audit", "outbox", "gold_labels", "feedback", "users", "counters"):
        module = importlib.import_module(f"assistant.store.{name}")
        public = {
            n
            for n, v in vars(module).items()
            if not n.startswith("_")
            and (getattr(v, "__module__", None) == module.__name__ or (n.isupper() and not inspect.ismodule(v)))
        }
        assert public <= set(gathered.__all__), (name, sorted(public - set(gathered.__all__)))
        assert all(getattr(gathered, n) is getattr(module, n) for n in public)
