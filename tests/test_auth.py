"""Sessions, logins, passwords, redirects and rate limits (issue #13 items 1-5 and 16).

"Two workers" are two app instances over one database: what one counts or revokes, the other
must see, as gunicorn's workers would.
"""

from __future__ import annotations

import re
import statistics
import time

import pytest
from sqlalchemy import func, select
from webapp import PASSWORDS, ConsoleActions, make_app

from assistant.accounts import PolicyError
from assistant.store import AuditEvent, User, repo, session_factory, transaction


def login_form(client, username="agent", password=None, next_url=None, **kwargs):
    token = ConsoleActions(client).csrf()
    path = "/login" if next_url is None else "/login?next=" + next_url
    data = {"username": username, "password": password or PASSWORDS.get(username, "x"), "csrf_token": token}
    return client.post(path, data=data, **kwargs)


def audit_count(engine, action: str) -> int:
    with session_factory(engine)() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


# -- item 1: throttling and audit ------------------------------------------------------------------


def test_wrong_passwords_are_throttled_per_account_even_for_the_right_one(seeded):
    engine, _ = seeded
    client = make_app(engine).test_client()
    answers = [login_form(client, password=f"wrong guess number {i}").status_code for i in range(8)]
    assert answers[:5] == [401] * 5 and answers[5:] == [429] * 3
    right = login_form(client)
    assert right.status_code == 429, "the right password waits too, or guessing would go on"
    assert 1 <= int(right.headers["Retry-After"]) <= 15 * 60
    assert audit_count(engine, "login_failed") == 5
    assert audit_count(engine, "login") == 0


def test_the_throttle_is_shared_by_workers_and_counts_unknown_names_alike(seeded):
    engine, _ = seeded
    first, second = make_app(engine).test_client(), make_app(engine).test_client()
    for i in range(5):
        assert login_form(first, username="nobody-here", password=f"guess {i} x").status_code == 401
    assert login_form(second, username="nobody-here", password="guess 9 x").status_code == 429
    with session_factory(engine)() as session:
        actors = set(session.scalars(select(AuditEvent.actor).where(AuditEvent.action == "login_failed")))
    assert actors == {"(unknown user)"}  # a password typed in the user-name box is never recorded


def test_failures_from_one_address_are_throttled_across_names(seeded):
    engine, _ = seeded
    app = make_app(engine, LOGIN_FAILURES_PER_ADDRESS="6")
    client = app.test_client()
    here = {"environ_base": {"REMOTE_ADDR": "192.0.2.10"}}
    for i in range(6):
        assert login_form(client, username=f"user{i}", password="not it at all", **here).status_code == 401
    assert login_form(client, **here).status_code == 429
    elsewhere = {"environ_base": {"REMOTE_ADDR": "192.0.2.99"}}
    assert login_form(app.test_client(), **elsewhere).status_code == 302  # another address is not punished


def test_logins_and_logouts_are_audited(seeded):
    engine, _ = seeded
    client = make_app(engine).test_client()
    login_form(client)
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert audit_count(engine, "login") == 1 and audit_count(engine, "logout") == 1


# -- item 2: sessions the server can end -----------------------------------------------------------


def logged_in(engine, **env):
    client = make_app(engine, **env).test_client()
    assert login_form(client).status_code == 302
    return client


def cookie_of(client) -> str:
    return client.get_cookie("session").value


def replay(engine, cookie: str) -> tuple[int, int]:
    """(console status, API status) for a saved cookie used from another client."""
    other = make_app(engine).test_client()
    other.set_cookie("session", cookie)
    return other.get("/").status_code, other.get("/api/v1/cases").status_code


def test_logout_ends_the_session_even_for_a_saved_cookie(seeded):
    engine, _ = seeded
    client = logged_in(engine)
    saved = cookie_of(client)
    assert replay(engine, saved) == (200, 200)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)
    client.post("/logout", data={"csrf_token": token})
    assert replay(engine, saved) == (302, 401)


@pytest.mark.parametrize("how", ["password", "token"])
def test_password_change_and_token_reissue_end_sessions(seeded, how):
    engine, _ = seeded
    saved = cookie_of(logged_in(engine))
    with transaction(session_factory(engine)) as session:
        user = session.scalars(select(User).where(User.username == "agent")).one()
        if how == "password":
            repo.set_password(session, user, "a fresh and unusual passphrase")
        else:
            repo.issue_api_token(session, user)
    assert replay(engine, saved) == (302, 401)


def test_idle_and_absolute_timeouts(seeded):
    engine, _ = seeded
    env = {"SESSION_IDLE_MINUTES": "5", "SESSION_MAX_HOURS": "2"}
    client = logged_in(engine, **env)
    with client.session_transaction() as session:
        session["seen"] -= 6 * 60  # six idle minutes
    assert client.get("/").status_code == 302
    client = logged_in(engine, **env)
    with client.session_transaction() as session:
        session["started"] -= 3 * 3600
        session["seen"] = int(time.time())
    assert client.get("/api/v1/cases").status_code == 401
    client = logged_in(engine, **env)
    assert client.get("/").status_code == 200  # a fresh session works


def test_the_cookie_expires_at_the_absolute_timeout_not_in_31_days(seeded):
    engine, _ = seeded
    client = make_app(engine, SESSION_MAX_HOURS="2").test_client()
    response = login_form(client)
    expires = re.search(r"Expires=([^;]+)", response.headers["Set-Cookie"]).group(1)
    from email.utils import parsedate_to_datetime

    remaining = parsedate_to_datetime(expires).timestamp() - time.time()
    assert 3600 < remaining <= 2 * 3600 + 5


# -- item 3: password policy and user names --------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["12345678", "123456789012", "password1234", "qwertyuiop123", "iloveyou2024", "ana.gil-secret-9", "short"],
)
def test_common_short_or_name_bearing_passwords_are_refused(engine, password):
    with pytest.raises(PolicyError), transaction(session_factory(engine)) as session:
        repo.create_user(session, "ana.gil", password)


@pytest.mark.parametrize("username", ["", "a", "<script>x", "ana gil", "-dash", "x" * 65, "ana\x00"])
def test_user_names_are_validated(engine, username):
    with pytest.raises(PolicyError, match="user name"), transaction(session_factory(engine)) as session:
        repo.create_user(session, username, "a long unusual passphrase")


def test_the_cli_refuses_a_weak_password(tmp_path, monkeypatch, capsys):
    from assistant.__main__ import main

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    assert main(["db", "upgrade"]) == 0
    assert main(["users", "add", "eva", "--password", "12345678"]) == 2
    assert "password" in capsys.readouterr().err
    assert main(["users", "add", "eva", "--password", "a long unusual passphrase"]) == 0
    assert main(["users", "password", "eva", "--password", "eva-eva-eva-eva-eva"]) == 2
    assert main(["users", "password", "eva", "--password", "another unusual passphrase"]) == 0


# -- item 4: timing does not tell which users exist -------------------------------------------------


def test_an_unknown_user_takes_as_long_as_a_wrong_password(engine):
    factory = session_factory(engine)
    with transaction(factory) as session:
        repo.create_user(session, "timing.user", "a long unusual passphrase")

    def seconds(username: str) -> float:
        with factory() as session:
            start = time.perf_counter()
            assert repo.authenticate(session, username, "wrong password here") is None
            return time.perf_counter() - start

    seconds("nobody")  # the dummy hash is made once
    known = statistics.median(seconds("timing.user") for _ in range(5))
    unknown = statistics.median(seconds("nobody") for _ in range(5))
    assert unknown > 0.5 * known, (unknown, known)


# -- item 5: the redirect after login stays on this site --------------------------------------------

HOSTILE_NEXT = [
    "/%09/evil.example/phish",
    "/%0a/evil.example/",
    "/%0d%0aSet-Cookie:x=y",
    "//evil.example",
    "/%2F/evil.example",
    "/%252F%252Fevil.example",
    "/%5Cevil.example",
    "%5C%5Cevil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "/%20/evil.example",
    "/%7F/evil.example",
]


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
def test_next_never_leaves_the_site(seeded, next_url):
    engine, _ = seeded
    client = make_app(engine).test_client()
    response = login_form(client, next_url=next_url)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_to_a_page_of_the_site_is_followed(seeded):
    engine, _ = seeded
    response = login_form(make_app(engine).test_client(), next_url="/cases/1")
    assert response.status_code == 302 and response.headers["Location"] == "/cases/1"


# -- item 16: rate limits behind a proxy, shared by workers -----------------------------------------


def ask(client, forwarded_for: str | None = None, method: str = "POST"):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    if method == "OPTIONS":
        headers.update({"Origin": "http://widget.example", "Access-Control-Request-Method": "POST"})
        return client.options("/api/v1/chat", headers=headers)
    return client.post("/api/v1/chat", json={"question": "¿Quién es el DPO?"}, headers=headers)


def test_behind_a_proxy_each_visitor_has_their_own_limit(seeded):
    engine, _ = seeded
    proxy = {"environ_base": {"REMOTE_ADDR": "127.0.0.1"}}
    client = make_app(engine, TRUSTED_PROXIES="1", CHAT_RATE_LIMIT_PER_MINUTE="2").test_client()
    client.environ_base.update(proxy["environ_base"])
    assert [ask(client, "203.0.113.5").status_code for _ in range(3)] == [200, 200, 429]
    assert ask(client, "203.0.113.6").status_code == 200, "another visitor behind the same proxy is not blocked"


def test_without_trusted_proxies_x_forwarded_for_is_ignored(seeded):
    engine, _ = seeded
    client = make_app(engine, CHAT_RATE_LIMIT_PER_MINUTE="2").test_client()
    answers = [ask(client, f"198.51.100.{i}").status_code for i in range(3)]
    assert answers == [200, 200, 429], "a forged header must not buy a fresh limit"


def test_the_chat_limit_is_shared_by_workers_and_preflights_are_free(seeded):
    engine, _ = seeded
    env = {"CHAT_RATE_LIMIT_PER_MINUTE": "3", "WIDGET_ALLOWED_ORIGINS": "http://widget.example"}
    first, second = make_app(engine, **env).test_client(), make_app(engine, **env).test_client()
    for _ in range(10):
        assert ask(first, method="OPTIONS").status_code == 204
    assert [ask(first).status_code, ask(second).status_code, ask(first).status_code] == [200, 200, 200]
    limited = ask(second)
    assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 60
