"""IMAPS and STARTTLS against the real Dovecot with TLS on, certificates verified.

A throw-away CA from trustme signs Dovecot's certificate for 127.0.0.1; the worker trusts it
through IMAP_CA_FILE. A certificate from a CA it was not told about, or for another host, is
refused, and so is a plain-text login (the server requires TLS, the client never downgrades).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import trustme
from servers import DOVECOT_USERS, DovecotServer

from assistant.config import ConfigError, ImapAccount, load_config
from mail_ingest.errors import MailboxUnavailable
from mail_ingest.imap import Mailbox

USER, PASSWORD = next(iter(DOVECOT_USERS.items()))


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA(organization_name="DPO Assistant test CA")


@pytest.fixture(scope="module")
def tls_dovecot(ca, tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    folder.chmod(0o755)
    issued = ca.issue_cert("127.0.0.1", "localhost")
    chain, key = folder / "dovecot-chain.pem", folder / "dovecot-key.pem"
    chain.write_bytes(b"".join(pem.bytes() for pem in issued.cert_chain_pems))
    issued.private_key_pem.write_to_path(str(key))
    server = DovecotServer(tls=(chain, key)).start()
    yield server
    server.remove()


@pytest.fixture(scope="module")
def ca_file(ca, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def account(server: DovecotServer, ca_file: str, *, imaps: bool) -> ImapAccount:
    """Built the way the worker builds it: from the environment, through load_config."""
    env = {
        "IMAP_HOST": "127.0.0.1",
        "IMAP_PORT": str(server.tls_port if imaps else server.port),
        "IMAP_USER": USER,
        "IMAP_PASSWORD": PASSWORD,
        "IMAP_SSL": "yes" if imaps else "no",
        "IMAP_STARTTLS": "no" if imaps else "yes",
        "IMAP_CA_FILE": ca_file,
    }
    return load_config(env).imap_accounts[0]


@pytest.mark.parametrize("imaps", [True, False], ids=["imaps", "starttls"])
def test_tls_with_a_verified_certificate(tls_dovecot, ca_file, imaps):
    with Mailbox(account(tls_dovecot, ca_file, imaps=imaps)) as box:
        state = box.select("INBOX")
        assert state.uidvalidity > 0
        assert box.client is not None and box.client._imap.sock.version() in ("TLSv1.2", "TLSv1.3")


@pytest.mark.parametrize("imaps", [True, False], ids=["imaps", "starttls"])
def test_a_certificate_from_an_untrusted_ca_is_refused(tls_dovecot, ca_file, imaps, tmp_path):
    stranger = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(stranger))
    for untrusted in (
        replace(account(tls_dovecot, ca_file, imaps=imaps), ca_file=""),
        account(tls_dovecot, str(stranger), imaps=imaps),
    ):
        with pytest.raises(MailboxUnavailable, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
            Mailbox(untrusted).connect()


@pytest.mark.slow  # starts its own Dovecot
def test_a_certificate_for_another_host_is_refused(ca, ca_file, tmp_path):
    issued = ca.issue_cert("imap.elsewhere.example")
    chain, key = tmp_path / "chain.pem", tmp_path / "key.pem"
    tmp_path.chmod(0o755)
    chain.write_bytes(b"".join(pem.bytes() for pem in issued.cert_chain_pems))
    issued.private_key_pem.write_to_path(str(key))
    server = DovecotServer(tls=(chain, key)).start()
    try:
        with pytest.raises(MailboxUnavailable, match=r"match|mismatch|CERTIFICATE_VERIFY_FAILED"):
            Mailbox(account(server, ca_file, imaps=True)).connect()
    finally:
        server.remove()


def test_starttls_never_falls_back_to_plain_text(dovecot, ca_file):
    """A server that offers no STARTTLS (the suite's plain Dovecot) gets no password in clear."""
    without_tls = replace(account(dovecot, ca_file, imaps=False), port=dovecot.port)
    with pytest.raises(MailboxUnavailable):
        Mailbox(without_tls).connect()


def test_a_missing_ca_file_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigError, match="IMAP_CA_FILE"):
        load_config({"IMAP_HOST": "h", "IMAP_USER": "u", "IMAP_CA_FILE": str(tmp_path / "missing.pem")})


def test_the_worker_reads_mail_over_imaps(tls_dovecot, ca_file, engine):
    """End to end: a message appended over IMAPS is stored and classified by the worker."""
    from email.message import EmailMessage

    from sqlalchemy import select

    from assistant.store import Message, session_factory
    from mail_ingest.worker import Worker

    message = EmailMessage()
    message["From"] = "ana.gil@example.net"
    message["Subject"] = "Supresión"
    message["Message-ID"] = "<tls-1@example.net>"
    message.set_content("Por favor, borrad todos mis datos personales.")
    with Mailbox(account(tls_dovecot, ca_file, imaps=True)) as box:
        box._c.append("INBOX", message.as_bytes())
    env = {
        "IMAP_HOST": "127.0.0.1",
        "IMAP_PORT": str(tls_dovecot.tls_port),
        "IMAP_USER": USER,
        "IMAP_PASSWORD": PASSWORD,
        "IMAP_CA_FILE": ca_file,
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
    }
    factory = session_factory(engine)
    Worker(load_config(env), factory).run_once()
    with factory() as session:
        stored = session.scalars(select(Message).where(Message.message_id == "<tls-1@example.net>")).one()
        assert stored.status == "classified"
