"""Hostile input gets a JSON 4xx, never a 500 (issue #13 items 6-10), for every route of its kind.

Each test walks the OpenAPI document, so a route added later is covered by the same class of
check: every JSON body, every case id, every date, every string field.
"""

from __future__ import annotations

import shutil

import pytest
from conftest import _new_postgres_database
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from webapp import make_app, seed

from assistant.mime import MessageParseError, parse_message
from assistant.store import make_engine, upgrade
from assistant.web.openapi import SPEC

MAX_ID = 2**31 - 1  # PostgreSQL integer: the largest id a case can have


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def hostile_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """One seeded app per backend for the module: every request here is refused or only reads, so
    the tests cannot disturb one another. The chat's rate limit is lifted (test_web_api tests it):
    this module sends it a few dozen refused questions a minute."""
    if request.param == "sqlite":
        template, tokens = request.getfixturevalue("seeded_sqlite_template")
        path = tmp_path_factory.mktemp("hostile") / "hostile.sqlite3"
        shutil.copyfile(template, path)
        engine = make_engine(f"sqlite:///{path}")
    else:
        engine = make_engine(_new_postgres_database(request.getfixturevalue("postgres_server")))
        upgrade(engine)
        tokens = seed(engine)
    yield make_app(engine, CHAT_RATE_LIMIT_PER_MINUTE="100000"), tokens
    engine.dispose()


@pytest.fixture
def client(hostile_app):
    return hostile_app[0].test_client()


@pytest.fixture
def tokens(hostile_app):
    return hostile_app[1]


def auth(tokens, role="admin"):
    return {"Authorization": f"Bearer {tokens[role]}"}


def concrete(path: str, case_id: int | str = 1) -> str:
    return path.replace("{case_id}", str(case_id))


JSON_ROUTES = [
    (path, method)
    for path, item in SPEC["paths"].items()
    for method, operation in item.items()
    if "application/json" in operation.get("requestBody", {}).get("content", {})
]
ID_ROUTES = [(path, method) for path, item in SPEC["paths"].items() if "{case_id}" in path for method in item]


def test_the_spec_lists_the_routes_these_tests_walk():
    assert ("/api/v1/chat", "post") in JSON_ROUTES and ("/api/v1/cases/{case_id}", "patch") in JSON_ROUTES
    assert len(ID_ROUTES) >= 5


@pytest.mark.parametrize(("path", "method"), JSON_ROUTES)
def test_deeply_nested_json_is_a_400_on_every_json_route(client, tokens, path, method):
    """Item 6: 50,000 brackets raised RecursionError (a 500 and a traceback per request)."""
    for body in ("[" * 50_000, '{"a":' * 50_000, '{"question": ' + "[" * 30 + "]" * 30 + "}"):
        response = client.open(
            concrete(path), method=method.upper(), data=body, content_type="application/json", headers=auth(tokens)
        )
        assert response.status_code == 400, (path, response.status_code)
        assert response.get_json()["error"] == "bad_request"
        assert "nested" in response.get_json()["message"] or "JSON" in response.get_json()["message"]


@pytest.mark.parametrize(("path", "method"), JSON_ROUTES)
@pytest.mark.parametrize("text", ["\ud800", "a\x00b", "\udfffok"])
def test_unstorable_text_is_refused_on_every_json_route(client, tokens, path, method, text):
    """Item 10: a lone surrogate raised UnicodeEncodeError; NUL was stored as is."""
    import json

    for key in ("question", "body", "subject", "raw", "status", text):  # the value, and the key itself
        body = json.dumps({key: text}, ensure_ascii=True)  # \\ud800 escapes survive json.dumps
        response = client.open(
            concrete(path), method=method.upper(), data=body, content_type="application/json", headers=auth(tokens)
        )
        assert response.status_code == 400, (path, key, response.status_code)
        assert "surrogate" in response.get_json()["message"]


def test_nan_and_invalid_utf8_are_bad_requests(client, tokens):
    for body in (b'{"question": NaN}', b'{"question": "\xff\xfe"}', b'{"question": Infinity}'):
        response = client.post("/api/v1/chat", data=body, content_type="application/json")
        assert response.status_code == 400 and response.get_json()["error"] == "bad_request"


@pytest.mark.parametrize(("path", "method"), ID_ROUTES)
@pytest.mark.parametrize("case_id", [MAX_ID + 1, 9223372036854775808, 10**40])
def test_ids_beyond_the_database_integer_are_not_found(client, tokens, path, method, case_id):
    """Item 9: 9223372036854775808 raised OverflowError in SQLite."""
    response = client.open(
        concrete(path, case_id), method=method.upper(), json={"status": "closed", "body": "x"}, headers=auth(tokens)
    )
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


def test_the_largest_id_is_still_looked_up(client, tokens):
    response = client.get(f"/api/v1/cases/{MAX_ID}", headers=auth(tokens))
    assert response.status_code == 404 and "no case" in response.get_json()["message"]


BAD_DATES = ["9999-12-31", "20261201", "2026-W01-1", "0001-01-01", "2026-02-30", "2026-12-01T00:00", "", 20261201]


@pytest.mark.parametrize("received", BAD_DATES)
def test_received_must_be_an_iso_date_in_a_sane_range(client, tokens, received):
    """Item 8: year 10000 overflowed; 20261201 and 2026-W01-1 were taken as dates."""
    response = client.post(
        "/api/v1/suggest-reply",
        json={"body": "Quiero acceder a mis datos.", "received": received},
        headers=auth(tokens),
    )
    assert response.status_code == 422, received
    assert "YYYY-MM-DD" in response.get_json()["message"]


@pytest.mark.parametrize("value", [d for d in BAD_DATES if isinstance(d, str) and d])
def test_date_query_parameters_are_checked_the_same_way(client, tokens, value):
    response = client.get("/api/v1/cases", query_string={"deadline_before": value}, headers=auth(tokens))
    assert response.status_code == 422


def test_a_good_date_still_works(client, tokens):
    response = client.post(
        "/api/v1/suggest-reply",
        json={"body": "Quiero acceder a mis datos.", "received": "2026-12-01"},
        headers=auth(tokens),
    )
    assert response.status_code == 200


@pytest.mark.parametrize("param", ["label", "language", "status", "deadline_before", "anything"])
def test_nul_in_a_query_string_is_a_400(client, tokens, param):
    """PostgreSQL refuses NUL in text: a filter with %00 was a 500 there."""
    response = client.get(f"/api/v1/cases?{param}=a%00b", headers=auth(tokens))
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"


def test_a_malformed_bearer_token_is_a_401(client):
    for token in ("a\x00b", "é" * 30, "x" * 5000):
        response = client.get("/api/v1/cases", headers={"Authorization": "Bearer " + token})
        assert response.status_code == 401


@pytest.mark.parametrize(
    "raw",
    [
        b'From: "\r\nSubject: x\r\n\r\nBorrad mis datos',  # item 7: IndexError inside the header parser
        b'From: "unterminated <a@b.es\r\nTo: "\r\nCc: <\r\n\r\nbody',
        b"From: =?utf-8?q?=E9?= <\r\nSubject: =?x-unknown?b?////?=\r\n\r\nbody",
        b"Subject: caf\xe9\r\nFrom: Jos\xe9 <j@x.es>\r\n\r\nbody \xff",  # 8-bit headers
        b"Date: Fri, 31 Dec 9999 23:00:00 +0000\r\nFrom: a@b.es\r\n\r\nbody",
        b"Message-ID: <\r\nIn-Reply-To: <<<>>>\r\nReferences: <a@b> <\r\n\r\nx",
    ],
)
def test_broken_headers_parse_or_raise_message_parse_error(raw):
    try:
        parsed = parse_message(raw)
    except MessageParseError:
        return
    for text in (parsed.subject, parsed.from_name, parsed.from_addr, parsed.body_text, *parsed.to_addrs):
        text.encode("utf-8")  # storable: no lone surrogate left
        assert "\x00" not in text
    assert parsed.date is None or 1990 <= parsed.date.year <= 2100


HEADER_NAMES = st.sampled_from(
    [
        "From",
        "To",
        "Cc",
        "Subject",
        "Date",
        "Message-ID",
        "In-Reply-To",
        "References",
        "Content-Type",
        "Content-Transfer-Encoding",
        "Content-Disposition",
        "MIME-Version",
    ]
)
HEADER_VALUES = st.binary(max_size=60) | st.sampled_from(
    [b'"', b"<", b"=?utf-8?q?=FF?=", b'multipart/mixed; boundary="', b"base64", b'attachment; filename="', b"(", b"\\"]
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(headers=st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), min_size=1, max_size=8), body=st.binary(max_size=200))
def test_parse_message_raises_nothing_but_message_parse_error(headers, body):
    """The class behind item 7: whatever the headers, callers see a ParsedMessage or MessageParseError."""
    raw = b"".join(
        name.encode() + b": " + value.replace(b"\r", b"").replace(b"\n", b"") + b"\r\n" for name, value in headers
    )
    try:
        parsed = parse_message(raw + b"\r\n" + body)
    except MessageParseError:
        return
    parsed.subject.encode("utf-8")
    parsed.from_name.encode("utf-8")
    parsed.body_text.encode("utf-8")
