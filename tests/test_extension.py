"""GDPR Art. 12(3) in the reply: the deadline sentence follows the case, and an extension says why."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.replies import (
    ReplyContext,
    compose_reply,
    deadline_sentence,
    replace_deadline_sentence,
    stale_deadline_sentence,
)

RECEIVED = date(2026, 11, 23)
EXTENDED = date(2027, 2, 23)


@pytest.mark.parametrize(
    ("lang", "reason", "notice"),
    [
        ("es", "la solicitud abarca diez años de siniestros.", "prorrogar dos meses"),
        ("fr", "la demande porte sur dix ans de sinistres", "prolonger de deux mois"),
        ("en", "the request covers ten years of claims", "extend the time to respond by two months"),
    ],
)
def test_extension_replaces_only_the_deadline_paragraph(lang, reason, notice):
    reply = compose_reply(ReplyContext(labels=("erasure",), language=lang, received=RECEIVED, id_number_valid=True))
    assert stale_deadline_sentence(reply.text, lang, reply.deadline) is None
    stale = stale_deadline_sentence(reply.text, lang, EXTENDED)
    assert stale and stale in reply.text, "the old promise is named, word for word"

    new = replace_deadline_sentence(
        reply.text.replace("\n", "\r\n"), lang, deadline_sentence(lang, EXTENDED, extended=True, reason=reason)
    )
    assert notice in new and reason.rstrip(".") in new and "[[extension_reason]]" not in new
    assert stale_deadline_sentence(new, lang, EXTENDED) is None
    kept = [p for p in reply.text.split("\n\n") if p != stale and stale not in p]
    assert all(p in new for p in kept)


def test_without_a_reason_the_notice_keeps_a_place_to_fill():
    assert "[[extension_reason]]" in deadline_sentence("es", EXTENDED, extended=True)


@pytest.mark.parametrize(
    ("lang", "sentence", "stale"),
    [
        ("es", "Le responderemos como máximo el 23/02/2027.", False),
        ("es", "Le responderemos como máximo el martes 23 de febrero de 2027.", False),
        ("es", "Le responderemos como máximo el 23 de diciembre de 2026.", True),
        ("fr", "Nous vous répondrons au plus tard le 1er mars 2027.", True),
        ("en", "We will respond by 23 February 2027 at the latest.", False),
        ("en", "We will respond by 31/02/2027 at the latest.", True),
        ("en", "We will respond as soon as we can.", False),  # no date promised, nothing to contradict
    ],
)
def test_a_stated_date_is_read_as_a_date(lang, sentence, stale):
    assert (stale_deadline_sentence(sentence, lang, EXTENDED) == sentence) is stale
