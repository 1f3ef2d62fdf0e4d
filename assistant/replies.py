"""Suggested replies: one letter for all the rights a message invokes, built from cited templates.

Every fact in a reply comes from a template block whose cited knowledge entries state it
(tests/test_replies.py proves it for every block and language). Places only the agent can fill
are marked ``[[key]]`` and listed with an explanation in ``SuggestedReply.placeholders``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from knowledge.base import PLACEHOLDER, Block, KnowledgeBase, ReplyTemplates
from knowledge.base import load as load_knowledge

from .deadlines import deadline as compute_deadline

QUESTION_CHARS = 600  # a mail's question is in its first lines; the chat reads no further


@dataclass(frozen=True)
class ReplyContext:
    """What the composer needs to know about a message; built from an Analysis or stored rows."""

    labels: tuple[str, ...]
    language: str
    received: date
    requester_name: str | None = None
    id_number_valid: bool = False
    has_id_document: bool = False
    sender_known: bool = False
    policy_number: str | None = None
    claim_number: str | None = None
    question: str = ""
    extended: bool = False

    @classmethod
    def from_analysis(
        cls,
        analysis: Any,
        *,
        received: date,
        has_id_document: bool = False,
        sender_known: bool = False,
        extended: bool = False,
    ) -> ReplyContext:
        entities = analysis.entities
        ids = entities.get("id_numbers") or []
        names = entities.get("names") or []
        policies = entities.get("policy_numbers") or []
        claims = entities.get("claim_numbers") or []
        return cls(
            labels=tuple(analysis.labels),
            language=analysis.language,
            received=received,
            requester_name=names[0].value if names else None,
            id_number_valid=any(e.valid for e in ids),
            has_id_document=has_id_document,
            sender_known=sender_known,
            policy_number=policies[0].value if policies else None,
            claim_number=claims[0].value if claims else None,
            question=analysis.cleaned_text,
            extended=extended,
        )

    @classmethod
    def from_stored(
        cls,
        *,
        labels: list[str],
        language: str,
        received: date,
        entities: Mapping[str, Any],
        cleaned_text: str = "",
        has_id_document: bool = False,
        sender_known: bool = False,
        extended: bool = False,
    ) -> ReplyContext:
        """From a stored classification (entities as dicts, as Analysis.to_dict() wrote them)."""

        def first(key: str) -> str | None:
            items = entities.get(key) or []
            return items[0]["value"] if items else None

        return cls(
            labels=tuple(labels),
            language=language,
            received=received,
            requester_name=first("names"),
            id_number_valid=any(e.get("valid") for e in entities.get("id_numbers") or []),
            has_id_document=has_id_document,
            sender_known=sender_known,
            policy_number=first("policy_numbers"),
            claim_number=first("claim_numbers"),
            question=cleaned_text,
            extended=extended,
        )

    @property
    def identity_in_doubt(self) -> bool:
        return not (self.id_number_valid or self.sender_known or self.has_id_document)


@dataclass(frozen=True)
class Section:
    key: str  # "intro" | "label:<right>" | "identity" | "deadline" | ...
    text: str
    cites: tuple[str, ...] = ()


@dataclass(frozen=True)
class SuggestedReply:
    language: str
    is_gdpr_request: bool
    text: str
    sections: tuple[Section, ...]
    citations: list[dict[str, str]]
    deadline: date
    placeholders: list[dict[str, str]]
    asks_for_identity: bool
    notes: list[str] = field(default_factory=list)
    routing: str | None = None
    knowledge_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "is_gdpr_request": self.is_gdpr_request,
            "text": self.text,
            "sections": [{"key": s.key, "text": s.text, "cites": list(s.cites)} for s in self.sections],
            "citations": self.citations,
            "deadline": self.deadline.isoformat(),
            "placeholders": self.placeholders,
            "asks_for_identity": self.asks_for_identity,
            "notes": self.notes,
            "routing": self.routing,
            "knowledge_version": self.knowledge_version,
        }


CONTACT_FIELD = re.compile(r"\{([a-z_]+)\}")


def with_contacts(text: str, kb: KnowledgeBase | None = None) -> str:
    """``text`` with the office's contact points filled in: templates write ``{dpo_email}``, never the
    address, which is stated once as a fact of the policy (contacts.yaml). Other fields stay.

    >>> with_contacts("Write to {rights_email} by {deadline}.")
    'Write to derechosrgpdgrupocaser@caser.es by {deadline}.'
    """
    contacts = (kb or load_knowledge()).contacts
    return CONTACT_FIELD.sub(lambda m: contacts.get(m[1], m[0]), text)


def _greeting(templates: ReplyTemplates, context: ReplyContext) -> Section:
    """The greeting: by name when the requester's is known, else the language's anonymous one."""
    if context.requester_name:
        return Section("greeting", templates.greeting_named.format(name=context.requester_name))
    return Section("greeting", templates.greeting_anonymous)


def _block_section(key: str, block: Block, kb: KnowledgeBase) -> Section:
    return Section(key, with_contacts(block.text, kb), block.cites)


def format_date(day: date, lang: str, kb: KnowledgeBase | None = None) -> str:
    """``day`` as a letter in ``lang`` writes it (templates/<lang>.yaml; Spanish without one)."""
    kb = kb or load_knowledge()
    return kb.templates.get(lang, kb.templates["es"]).format_date(day)


def _citations(kb: KnowledgeBase, sections: tuple[Section, ...], lang: str) -> list[dict[str, str]]:
    seen: dict[str, dict[str, str]] = {}
    for section in sections:
        for entry_id in section.cites:
            if entry_id not in seen:
                entry = kb.entry(entry_id)
                seen[entry_id] = {"id": entry_id, "title": entry.title_in(lang), "passage": entry.text_in(lang)}
    return list(seen.values())


def compose_reply(context: ReplyContext, kb: KnowledgeBase | None = None) -> SuggestedReply:
    """The suggested reply for one message.

    >>> ctx = ReplyContext(labels=("erasure",), language="es", received=date(2026, 3, 2), id_number_valid=True)
    >>> reply = compose_reply(ctx)
    >>> (reply.deadline.isoformat(), reply.asks_for_identity, "10/2010" in reply.text)  # 2-3 Apr 2026: Easter
    ('2026-04-06', False, True)
    """
    kb = kb or load_knowledge()
    notes: list[str] = []
    lang = context.language if context.language in kb.templates else "es"
    if lang != context.language:
        notes.append(f"No templates in '{context.language}': the suggestion is in Spanish; translate before sending.")
    templates: ReplyTemplates = kb.templates[lang]
    due = compute_deadline(context.received, extended=context.extended)
    rights = [label.id for label in kb.labels if label.id in context.labels and label.id != "other"]
    by_id = {label.id: label for label in kb.labels}

    if not rights:  # "other": no GDPR reply, a routing suggestion for the agent
        route = templates.routing["claim" if context.claim_number else "default"]
        return SuggestedReply(lang, False, "", (), [], due, [], False, notes, route, kb.version)

    sections: list[Section] = [_greeting(templates, context)]
    names = [kb.label(r).name.get(lang, r) for r in rights]
    sections.append(
        Section(
            "intro", templates.intro.format(received=templates.format_date(context.received), rights=", ".join(names))
        )
    )
    if any(by_id[r].needs_policy for r in rights):
        reference = context.policy_number or "[[policy_number]]"
        sections.append(Section("reference", templates.reference.format(policy=reference)))
    for right in rights:
        if right == "information":
            sections.append(_information_section(context, lang))
            continue
        sections.append(_block_section(f"label:{right}", templates.blocks[right], kb))
    asks_identity = any(by_id[r].needs_identity for r in rights) and context.identity_in_doubt
    if asks_identity:
        sections.append(_block_section("identity", templates.identity, kb))
    timing = templates.extension if context.extended else templates.deadline
    sections.append(
        Section(
            "extension" if context.extended else "deadline",
            with_contacts(timing.text, kb).format(deadline=templates.format_date(due)),
            timing.cites,
        )
    )
    sections.append(_block_section("free", templates.free, kb))
    sections.append(_block_section("closing", templates.closing, kb))

    text = "\n\n".join(s.text for s in sections)
    keys = list(dict.fromkeys(PLACEHOLDER.findall(text)))
    placeholders = [{"key": k, "explanation": templates.placeholders[k]} for k in keys]
    frozen = tuple(sections)
    return SuggestedReply(
        lang,
        True,
        text,
        frozen,
        _citations(kb, frozen, lang),
        due,
        placeholders,
        asks_identity,
        notes,
        None,
        kb.version,
    )


def _information_section(context: ReplyContext, lang: str) -> Section:
    """A question about the policy: the chat engine's grounded answer, with its sources."""
    from .chat import answer

    reply = answer(context.question[:QUESTION_CHARS], lang)
    text = re.sub(r"\s+", " ", reply.text).strip()
    return Section("label:information", text, tuple(c.id for c in reply.citations))


def extension_letter(context: ReplyContext, kb: KnowledgeBase | None = None) -> SuggestedReply:
    """The letter telling the requester the deadline is extended by two months (GDPR Art. 12(3))."""
    kb = kb or load_knowledge()
    lang = context.language if context.language in kb.templates else "es"
    templates = kb.templates[lang]
    due = compute_deadline(context.received, extended=True)
    sections = (
        _greeting(templates, context),
        Section(
            "extension",
            with_contacts(templates.extension.text, kb).format(deadline=templates.format_date(due)),
            templates.extension.cites,
        ),
        _block_section("closing", templates.closing, kb),
    )
    text = "\n\n".join(s.text for s in sections)
    keys = list(dict.fromkeys(PLACEHOLDER.findall(text)))
    return SuggestedReply(
        lang,
        True,
        text,
        sections,
        _citations(kb, sections, lang),
        due,
        [{"key": k, "explanation": templates.placeholders[k]} for k in keys],
        False,
        [],
        None,
        kb.version,
    )


# The reply's "when we answer" sentence, found by the words the templates put before {deadline}
# ("Le responderemos como máximo el", "Nous vous répondrons au plus tard le", "We will respond by").


_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")


def _deadline_markers(templates: ReplyTemplates) -> list[re.Pattern[str]]:
    """A regex per template that states the deadline: its words before ``{deadline}``, then a date with a year."""
    patterns = []
    for block in (templates.deadline, templates.extension):
        before = block.text.split("{deadline}")[0]
        lead = re.split(r"(?<=[.:;])\s+", before.strip())[-1]  # the last sentence's opening words
        words = r"\s+".join(re.escape(w) for w in lead.split())
        patterns.append(re.compile(words + r"\s+(?P<date>[^,.;:\n\[\]]{1,40}?\d{4})"))
    return patterns


def deadline_sentence(language: str, due: date, *, extended: bool, reason: str = "") -> str:
    """The paragraph that tells the requester when they will be answered, in the reply's language.

    With ``extended`` it is the knowledge base's extension notice (GDPR Art. 12(3)), its reason filled
    in when given (else left as ``[[extension_reason]]`` for the agent).

    >>> deadline_sentence("en", date(2027, 2, 23), extended=True, reason="the request covers ten years of claims")[-71:]
    'ten years of claims. We will respond by 23 February 2027 at the latest.'
    """
    kb = load_knowledge()
    lang = language if language in kb.templates else "es"
    timing = kb.templates[lang].extension if extended else kb.templates[lang].deadline
    text = with_contacts(timing.text, kb).format(deadline=format_date(due, lang))
    reason = " ".join(reason.split()).rstrip(". ")
    return text.replace("[[extension_reason]]", reason) if reason else text


def replace_deadline_sentence(text: str, language: str, sentence: str) -> str:
    """``text`` with its deadline paragraph replaced by ``sentence`` (or ``sentence`` added before the closing).

    The agent may have edited everything else; only the paragraph that states the deadline changes.
    """
    kb = load_knowledge()
    templates = kb.templates[language if language in kb.templates else "es"]
    markers = _deadline_markers(templates)
    paragraphs = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n"))
    for i, paragraph in enumerate(paragraphs):
        if any(m.search(paragraph) for m in markers) or "[[extension_reason]]" in paragraph:
            paragraphs[i] = sentence
            return "\n\n".join(paragraphs)
    anchors = (templates.free.text.strip(), templates.closing.text.split("\n")[0].strip())
    for i, paragraph in enumerate(paragraphs):
        if paragraph.strip() in anchors:
            return "\n\n".join([*paragraphs[:i], sentence, *paragraphs[i:]])
    return f"{text.rstrip()}\n\n{sentence}"


def _stated_date(text: str, lang: str) -> date | None:
    """'23 de diciembre de 2026', '23 décembre 2026', '23 December 2026' or '23/12/2026' (day first)."""
    text = " ".join(text.split()).casefold()
    numeric = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    words = re.fullmatch(r"(?:\w+ )?(\d{1,2})(?:er)?(?: de)? (\w+)(?: de)? (\d{4})", text)
    kb = load_knowledge()
    months = [m.casefold() for m in kb.templates.get(lang, kb.templates["es"]).months]
    try:
        if numeric:
            return date(int(numeric[3]), int(numeric[2]), int(numeric[1]))
        if words and words[2] in months:
            return date(int(words[3]), months.index(words[2]) + 1, int(words[1]))
    except ValueError:
        return None
    return None


def stale_deadline_sentence(text: str, language: str, due: date) -> str | None:
    """The first sentence of ``text`` that promises an answer by a date other than ``due``, else None.

    >>> stale_deadline_sentence("Le responderemos como máximo el 23 de diciembre de 2026.", "es", date(2027, 2, 23))
    'Le responderemos como máximo el 23 de diciembre de 2026.'
    """
    kb = load_knowledge()
    lang = language if language in kb.templates else "es"
    expected = format_date(due, lang)
    for marker in _deadline_markers(kb.templates[lang]):
        for found in marker.finditer(text):
            if " ".join(found["date"].split()) != expected and _stated_date(found["date"], lang) != due:
                stop = text.rfind(". ", 0, found.start())
                start = max(stop + 2 if stop >= 0 else 0, text.rfind("\n", 0, found.start()) + 1)
                end = _SENTENCE_END.search(text, found.end())
                return text[start : end.end() if end else len(text)].strip()
    return None
