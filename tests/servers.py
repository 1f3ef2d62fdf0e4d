"""Real throw-away servers on loopback for the test suite: PostgreSQL and Dovecot.

They fail loudly when the binaries are missing (`make test` installs them); no test skips.
Commands follow ../shared/infra-notes.md, which records what was seen to work here.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")


class ServerUnavailable(RuntimeError):
    """A server the tests need is not installed or did not start; `make test` installs it."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise ServerUnavailable(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def _is_root() -> bool:
    return os.geteuid() == 0


def _as_user(user: str | None, argv: list[str]) -> list[str]:
    return ["runuser", "-u", user, "--", *argv] if user else argv


class PostgresServer:
    """A PostgreSQL 15 cluster in a temp dir, trust auth on 127.0.0.1 (initdb refuses root)."""

    def __init__(self) -> None:
        if not (PG_BIN / "initdb").exists():
            raise ServerUnavailable(f"{PG_BIN}/initdb missing: apt-get install postgresql (make test does it)")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pgtest."))
        self.run_as = "postgres" if _is_root() else None
        if self.run_as:
            self.dir.chmod(0o755)
            pw = pwd.getpwnam(self.run_as)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self.data = self.dir / "data"

    def _run(self, *argv: str) -> None:
        result = subprocess.run(_as_user(self.run_as, list(argv)), capture_output=True, text=True)
        if result.returncode != 0:
            raise ServerUnavailable(f"{Path(argv[0]).name} failed: {result.stderr.strip()[-500:]}")

    def start(self) -> PostgresServer:
        self._run(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "pg.log"), "-w", "-o", options, "start"
        )
        return self

    def create_database(self, name: str) -> str:
        self._run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.url(name)

    def url(self, name: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


DOVECOT_USERS = {
    "derechos@test.local": "derechos-pass",
    "dpo@test.local": "dpo-pass",
}


class DovecotServer:
    """A Dovecot 2.3 instance with its own config, two users and Maildirs in a temp dir.

    As root, mail is owned by the `vmail` system user (root cannot own mail); as a normal user,
    every process runs as that user (infra-notes §1b).
    """

    def __init__(self, users: dict[str, str] | None = None, tls: tuple[Path, Path] | None = None) -> None:
        """``tls``: (certificate chain, private key) PEM files: IMAPS on ``tls_port``, STARTTLS on
        ``port``, and no login before TLS (``ssl = required``)."""
        if shutil.which("dovecot") is None and not Path("/usr/sbin/dovecot").exists():
            raise ServerUnavailable("dovecot missing: apt-get install dovecot-imapd (make test does it)")
        self.users = dict(users or DOVECOT_USERS)
        self.port = free_port()
        self.tls = tls
        self.tls_port = free_port() if tls else 0
        self.dir = Path(tempfile.mkdtemp(prefix="dovecot."))
        self.dir.chmod(0o755)
        self.process: subprocess.Popen[bytes] | None = None
        self._write_config()

    def _write_config(self) -> None:
        d = self.dir
        (d / "run").mkdir()
        (d / "state").mkdir()
        (d / "mail").mkdir()
        (d / "users").write_text("".join(f"{u}:{{PLAIN}}{p}\n" for u, p in self.users.items()))
        if _is_root():
            try:
                vmail = pwd.getpwnam("vmail")
            except KeyError:
                raise ServerUnavailable("system user vmail missing (make test creates it)") from None
            os.chown(d / "mail", vmail.pw_uid, vmail.pw_gid)
            identity = "mail_uid = vmail\nmail_gid = vmail\n"
            userdb_args = f"uid=vmail gid=vmail home={d}/mail/%u"
            unprivileged = ""
        else:
            me = pwd.getpwuid(os.getuid()).pw_name
            identity = f"default_login_user = {me}\ndefault_internal_user = {me}\ndefault_internal_group = {me}\n"
            userdb_args = f"home={d}/mail/%u"
            unprivileged = "service anvil {\n  chroot =\n}\n"
        login_chroot = "" if _is_root() else "  chroot =\n"
        if self.tls:
            cert, key = self.tls
            ssl_settings = (
                f"ssl = required\nssl_cert = <{cert}\nssl_key = <{key}\nssl_min_protocol = TLSv1.2\n"
                "disable_plaintext_auth = yes"
            )
        else:
            ssl_settings = "ssl = no\ndisable_plaintext_auth = no"
        (d / "dovecot.conf").write_text(f"""# Dovecot 2.3, throw-away test instance
protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
instance_name = dovecot-test-{self.port}
log_path = {d}/dovecot.log
{ssl_settings}
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:{d}/mail/%u
first_valid_uid = 1
{identity}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = static
  args = {userdb_args}
}}
service imap-login {{
{login_chroot}  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
  }}
}}
{unprivileged}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Drafts {{
    special_use = \\Drafts
    auto = subscribe
  }}
}}
protocol imap {{
  mail_max_userip_connections = 100
}}
""")

    @property
    def config_path(self) -> Path:
        return self.dir / "dovecot.conf"

    def start(self) -> DovecotServer:
        self.process = subprocess.Popen(
            ["dovecot", "-F", "-c", str(self.config_path)],
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            wait_for_port(self.port)
            if self.tls_port:
                wait_for_port(self.tls_port)
        except ServerUnavailable:
            log = (self.dir / "dovecot.log").read_text() if (self.dir / "dovecot.log").exists() else ""
            raise ServerUnavailable(f"dovecot did not start: {log[-800:]}") from None
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
