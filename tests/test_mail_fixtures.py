"""Every raw `.eml` fixture, one test each, with no server: parsed by the project's MIME parser and
classified (issue 17). The Dovecot test in test_ingest.py feeds the same files through the worker;
this one says which fixture broke, and runs in `make test-fast`.

A new fixture needs a row in EXPECTED (its name says its quirk; the row says what must come of it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.mime import MessageParseError, parse_message
from assistant.nlp.analyze import analyze

FIXTURES = Path(__file__).parent / "fixtures" / "mail"

# name -> what parsing and classifying must give. "error": the parser refuses it with these words
# (the worker quarantines it); otherwise "text" is in the body, "subject" is the decoded subject,
# "labels" and "lang" are the classifier's answer, "id_document" whether an ID document is attached,
# "html" what of the sanitised HTML body is kept.
EXPECTED: dict[str, dict[str, object]] = {
    "broken_mime_no_closing_boundary.eml": {
        "subject": "roto", "text": "Solicito copia de mis datos.", "lang": "es", "labels": ["access"],
        "id_document": True,  # the half-sent dni.pdf is still recorded as an attachment
    },
    "empty_body.eml": {"subject": "vacio", "text": "", "labels": ["other"], "id_document": False},
    "forward_as_attached_rfc822.eml": {
        "subject": "Fwd: peticion", "text": "Solicito que supriman todos mis datos personales.", "lang": "es",
        "labels": ["erasure"], "id_document": False,  # the forwarded request is read, not just "FYI"
    },
    "garbage_bytes.eml": {"error": "no headers"},
    "header_injection_encoded_newline.eml": {
        "subject": "Hola Bcc: victim@example.com", "text": "eliminen mi cuenta", "lang": "es", "labels": ["erasure"],
        "id_document": False,
    },
    "html_only_with_script_and_tracker.eml": {
        "subject": "Datos", "text": "Please delete my account.", "lang": "en", "labels": ["erasure"],
        "id_document": False, "html": "<p>Please <b>delete</b> my account.</p>",  # kept, but disarmed
    },
    "id_document_attachment.eml": {
        "subject": "Acceso", "text": "Adjunto mi DNI.", "lang": "es", "labels": ["access"], "id_document": True,
    },
    "rfc2047_encoded_subject.eml": {
        "subject": "Supresión de datos", "text": "Borrad mis datos", "lang": "es", "labels": ["erasure"],
        "id_document": False,
    },
    "unknown_charset.eml": {
        "subject": "Datos", "text": "Borrad mis datos.", "lang": "es", "labels": ["erasure"], "id_document": False,
    },
    "wrong_charset_declared_utf8_is_latin1.eml": {
        "subject": "Datos", "text": "Quiero que borréis mis datos. ¡Ya!", "lang": "es", "labels": ["erasure"],
        "id_document": False,
    },
}  # fmt: skip


def test_every_fixture_has_an_expectation():
    assert sorted(p.name for p in FIXTURES.glob("*.eml")) == sorted(EXPECTED)


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.eml")), ids=lambda p: p.stem)
def test_fixture_parses_and_classifies_as_expected(path: Path):
    expected = EXPECTED[path.name]
    raw = path.read_bytes()
    if "error" in expected:
        with pytest.raises(MessageParseError, match=str(expected["error"])):
            parse_message(raw)
        return
    parsed = parse_message(raw)
    assert parsed.subject == expected["subject"]
    assert "\r" not in parsed.subject and "\n" not in parsed.subject  # no header can be smuggled in
    if expected["text"]:
        assert expected["text"] in parsed.body_text
    else:
        assert parsed.body_text.strip() == ""
    assert parsed.message_id and parsed.message_id.endswith("@example.net>")
    assert parsed.has_id_document is expected["id_document"]
    if "html" in expected:
        assert str(expected["html"]) in parsed.body_html
    for dangerous in ("<script", "onclick", "javascript:", "tracker.example"):
        assert dangerous not in (parsed.body_html or "")
    analysis = analyze(parsed.subject, parsed.body_text)
    assert analysis.labels == expected["labels"]
    if "lang" in expected:
        assert analysis.language == expected["lang"]
