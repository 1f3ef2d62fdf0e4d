"""Suggested replies: grounded in knowledge, in the sender's language, with the deadline."""

from __future__ import annotations

import re
from datetime import date

import pytest

from assistant.replies import CONTACT_FIELD, ReplyContext, compose_reply, extension_letter, with_contacts
from knowledge.base import PLACEHOLDER, Block, load
from knowledge.text import fold

KB = load()
RIGHTS = list(KB.right_ids)  # from labels.yaml: a new right is tested with no edit here
NEEDS_IDENTITY = {label.id for label in KB.labels if label.needs_identity}
EXPECTED_CITATIONS = {
    "access": "gdpr.art15",
    "rectification": "gdpr.art16",
    "erasure": "web.client_portal",
    "restriction": "gdpr.art18",
    "portability": "gdpr.art20",
    "objection": "processing.commercial_profiling",
    "objection_marketing": "processing.commercial_information",
    "consent_withdrawal": "consent.withdrawal",
    "automated_decision": "processing.insurance_contract",
    "complaint": "rights.complaint_aepd",
}
FACT_TOKEN = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|www\.[\w.]+|\d+/\d{4}|\d+(?:[.,]\d+)?"
    r"|\b(?:un|una|one|dos|two|deux|tres|three|trois|cuatro|four|quatre|cinco|five|cinq|seis|six|diez|ten|dix|"
    r"veinte|twenty|vingt)\s+(?:mes|meses|mois|month|months|año|años|an|ans|year|years|días|jours|days)\b",
    re.IGNORECASE,
)


def _entry_texts(block_cites, lang):
    texts = []
    for entry_id in block_cites:
        entry = KB.entry(entry_id)
        texts.append(fold(entry.text_in(lang)))
        texts.append(fold(getattr(entry, "article", "")))
    return " ".join(texts)


def unbacked_facts(block: Block, lang: str) -> tuple[list[str], int]:
    """(fact tokens of the block that no cited entry states, how many tokens were checked)."""
    backing = _entry_texts(block.cites, lang)
    missing, checked = [], 0
    for token in FACT_TOKEN.findall(with_contacts(block.text, KB).replace("{deadline}", "")):
        core = token.replace("12.3", "12 3")  # "artículo 12.3" is Art. 12(3)
        if not all(p in backing for p in re.findall(r"[\w@./-]+", fold(core))):
            missing.append(token)
        checked += 1
    return missing, checked


@pytest.mark.parametrize("lang", sorted(KB.templates))
def test_every_fact_in_every_template_block_is_backed_by_a_cited_entry(lang):
    checked = 0
    for name, block in KB.templates[lang].all_blocks().items():
        missing, count = unbacked_facts(block, lang)
        assert missing == [], f"{lang}:{name}: {missing} not stated by {block.cites}"
        checked += count
    assert checked >= 8  # the e-mails, law numbers, article numbers and periods the templates state


@pytest.mark.parametrize("lang", sorted(KB.templates))
def test_templates_name_the_offices_contacts_never_spell_them(lang):
    """Contact addresses are stated once, as facts of the policy (contacts.yaml); a template writes
    ``{rights_email}`` and the reply gets the address from there."""
    fields = set()
    for name, block in KB.templates[lang].all_blocks().items():
        for value in KB.contacts.values():
            assert value not in block.text, f"{lang}:{name} spells {value!r}: write its contacts.yaml name"
        fields |= set(CONTACT_FIELD.findall(block.text))
    assert fields - {"deadline"} <= set(KB.contacts), fields - {"deadline"} - set(KB.contacts)
    assert {"rights_email", "dpo_email"} <= fields
    complaint = compose_reply(ReplyContext(labels=("complaint",), language=lang, received=date(2026, 3, 2)), KB)
    assert KB.contacts["dpo_email"] in complaint.text and KB.contacts["rights_email"] in complaint.text
    assert "{" not in complaint.text


def test_a_planted_fact_is_caught():
    block = KB.templates["es"].blocks["erasure"]
    planted = Block(block.text.replace("diez años", "veinte años").replace("10/2010", "11/2011"), block.cites)
    assert unbacked_facts(planted, "es")[0] == ["veinte años", "11/2011"]
    wrong_source = Block(block.text, ("gdpr.art18",))
    assert "10/2010" in unbacked_facts(wrong_source, "es")[0]


@pytest.mark.parametrize("lang", ["es", "fr", "en"])
@pytest.mark.parametrize("right", RIGHTS)
def test_reply_per_label_and_language(lang, right):
    context = ReplyContext(labels=(right,), language=lang, received=date(2026, 3, 10), policy_number="0123456789")
    reply = compose_reply(context)
    assert reply.is_gdpr_request and reply.language == lang
    assert EXPECTED_CITATIONS[right] in [c["id"] for c in reply.citations]
    assert "gdpr.art12_3" in [c["id"] for c in reply.citations]
    assert reply.deadline == date(2026, 4, 10)
    assert {"es": "10 de abril de 2026", "fr": "10 avril 2026", "en": "10 April 2026"}[lang] in reply.text
    assert reply.asks_for_identity == (right in NEEDS_IDENTITY)
    explained = {p["key"] for p in reply.placeholders}
    assert set(PLACEHOLDER.findall(reply.text)) == explained
    assert all(p["explanation"] for p in reply.placeholders)


def test_identity_not_asked_when_a_valid_id_or_a_known_sender_or_an_attachment():
    base = {"labels": ("access",), "language": "es", "received": date(2026, 3, 10)}
    assert compose_reply(ReplyContext(**base)).asks_for_identity
    for extra in ({"id_number_valid": True}, {"sender_known": True}, {"has_id_document": True}):
        assert not compose_reply(ReplyContext(**base, **extra)).asks_for_identity


def test_several_rights_in_one_reply_in_order():
    reply = compose_reply(
        ReplyContext(
            labels=("erasure", "access", "objection_marketing"),
            language="en",
            received=date(2026, 3, 10),
            id_number_valid=True,
        )
    )
    keys = [s.key for s in reply.sections if s.key.startswith("label:")]
    assert keys == ["label:access", "label:erasure", "label:objection_marketing"]
    assert "10/2010" in reply.text  # what the law obliges Caser to keep


def test_missing_policy_number_is_an_explained_placeholder():
    reply = compose_reply(ReplyContext(labels=("access",), language="es", received=date(2026, 3, 10)))
    assert "[[policy_number]]" in reply.text
    assert reply.placeholders[0]["key"] == "policy_number"


def test_other_gets_a_routing_suggestion_not_a_reply():
    reply = compose_reply(
        ReplyContext(labels=("other",), language="es", received=date(2026, 3, 10), claim_number="2024/SR-1")
    )
    assert not reply.is_gdpr_request and reply.text == ""
    assert "Siniestros" in reply.routing


def test_unsupported_language_falls_back_to_spanish_and_says_so():
    reply = compose_reply(ReplyContext(labels=("erasure",), language="de", received=date(2026, 3, 10)))
    assert reply.language == "es"
    assert reply.notes and "Spanish" in reply.notes[0]


def test_information_is_answered_from_the_policy():
    reply = compose_reply(
        ReplyContext(
            labels=("information",), language="en", received=date(2026, 3, 10), question="How long do you keep my CV?"
        )
    )
    assert "two years" in reply.text
    assert "web.job_applications" in [c["id"] for c in reply.citations]


def test_extension_letter():
    letter = extension_letter(ReplyContext(labels=("access",), language="fr", received=date(2026, 3, 10)))
    assert letter.deadline == date(2026, 6, 10)
    assert "10 juin 2026" in letter.text and "[[extension_reason]]" in letter.text
    assert letter.placeholders == [
        {"key": "extension_reason", "explanation": KB.templates["fr"].placeholders["extension_reason"]}
    ]


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Supresión", "Re: Supresión"),
        ("RE: Fwd: Supresión", "Re: Supresión"),
        ("R: consulta", "Re: consulta"),
        ("ENC: pedido", "Re: pedido"),
        ("Re[2]: datos", "Re: datos"),
        ("", "Re:"),
    ],
)
def test_reply_subject_prefixes_re_once(subject, expected):
    from assistant.cases import reply_subject

    assert reply_subject(subject) == expected
