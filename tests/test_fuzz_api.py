"""Schemathesis fuzzes every operation of /api/openapi.json, in-process: no input may cause a 5xx.

This is the guarantee behind issue #13's "one JSON error path": hand-picked cases
(tests/test_hostile_input.py) name the failures we saw, this finds the ones we did not think of.
Runs on SQLite and PostgreSQL (PostgreSQL refuses some text SQLite takes, e.g. NUL).
"""

from __future__ import annotations

import pytest
import schemathesis
from conftest import _new_postgres_database
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from webapp import make_app, seed

from assistant.store import make_engine, upgrade

FUZZ_EXAMPLES = 40


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzz_app(request, tmp_path_factory):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.sqlite3'}"
    else:
        url = _new_postgres_database(request.getfixturevalue("postgres_server"))
    engine = make_engine(url)
    upgrade(engine)
    tokens = seed(engine)
    app = make_app(engine, CHAT_RATE_LIMIT_PER_MINUTE="100000", LOGIN_FAILURES_PER_ACCOUNT="100000")
    yield app, tokens
    engine.dispose()


def operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.slow  # ~80 requests per operation: a minute or more on a loaded machine, so the full tier only
def test_no_request_makes_a_server_error(fuzz_app):
    """Each documented operation gets FUZZ_EXAMPLES requests that fit the document and as many that
    break it on purpose (negative mode: wrong types, missing fields, bad path ids), as admin."""
    app, tokens = fuzz_app
    headers = {"Authorization": f"Bearer {tokens['admin']}"}
    checked = []
    for operation in operations(app):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def fuzz(case):  # type: ignore[no-untyped-def]
                case.call_and_validate(headers=headers, checks=[not_a_server_error])

            try:
                fuzz()  # hypothesis shrinks a failure and raises it with the request that caused it
            except Unsatisfiable:  # nothing in this operation can be made invalid (no body, no parameter)
                assert mode == GenerationMode.NEGATIVE, operation.path
                continue
            checked.append(f"{operation.method.upper()} {operation.path} {mode.value}")
    assert len(checked) >= 20, checked
