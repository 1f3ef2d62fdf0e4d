"""Answers for the public chat widget, grounded in the policy's clauses and the GDPR rules.

A question is first recognised as one of the intents of knowledge/data/chat/intents.yaml (nearest
phrasings of our paraphrase bank, assistant/chat_intents.py); the intent says which sentences of
which clauses answer it, or that the policy is silent. Every sentence of an answer is either a
sentence of a cited knowledge entry (in the visitor's language) or a fixed frame of
knowledge/data/lang/<code>/chat.yaml. Personal data typed into the chat is neither stored nor echoed.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from knowledge.base import Clause, KnowledgeBase, Rule
from knowledge.base import load as load_knowledge
from knowledge.chatdata import AnswerPart, ChatLanguage, Intent
from knowledge.text import WORD, fold

from .chat_intents import IntentIndex, Ranked, bank_phrasings
from .nlp.entities import extract_entities
from .nlp.language import detect_language

MAX_QUESTION_CHARS = 1000
# Thresholds on the intent score (hybrid of nearest phrasings and intent centroids), chosen on
# held-out phrasing families of the bank (python -m assistant eval-chat), never on real questions.
MIN_INTENT_SCORE = 0.25  # held-out families: 95% of right recognitions score above 0.31
ANCHORLESS_SCORE = 0.50  # above every off-topic question of corpus/chat_questions.yaml (max 0.47)
COMPOUND_SCORE = 0.35  # each half of a compound question must be recognised this surely on its own
GENERAL_RATIO = 0.95  # a specific intent must beat its category's general one by more than this to answer
CLOSE_RATIO = 0.85  # held-out: second/first is 0.69 (median) when right, 0.89 when wrong
LANGUAGE_SURE = 0.9  # below this confidence the page's language (the hint) decides
# Below this, with no hint, the nearest phrasing's language decides (at 0.9 "¿y el CV?" went Catalan).
BANK_DECIDES_LANGUAGE = 0.7
FOLLOW_UP_WORDS = 4  # a question this short after another one is read with it
PERSONAL_KINDS = ("id_numbers", "emails", "phones", "policy_numbers", "claim_numbers")
# Sentence ends: . ! ? followed by a capital, digit or opening mark; not after "Art." "Avda." "S.A." "etc.".
SENTENCE = re.compile(
    r"(?<!\bArt\.)(?<!\bart\.)(?<!\bAvda\.)(?<!\bS\.A\.)(?<!\betc\.)(?<!\bNo\.)(?<=[.!?])\s+(?=[\"«¿¡(0-9A-ZÀ-Ý])"
)


@dataclass(frozen=True)
class Citation:
    id: str
    title: str
    passage: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "title": self.title, "passage": self.passage}


@dataclass(frozen=True)
class Suggestion:
    """A follow-up question the widget shows as a button; sending it asks that intent."""

    intent: str
    question: str

    def to_dict(self) -> dict[str, str]:
        return {"intent": self.intent, "question": self.question}


@dataclass(frozen=True)
class Answer:
    text: str
    language: str
    citations: list[Citation]
    answered: bool
    kind: str = "answer"  # "answer" | "exercise" | "no_answer" | "smalltalk"
    mailto: str | None = None
    personal_data_warning: bool = False
    intent: str | None = None
    knowledge_version: str = ""
    notes: list[str] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "language": self.language,
            "citations": [c.to_dict() for c in self.citations],
            "answered": self.answered,
            "kind": self.kind,
            "mailto": self.mailto,
            "personal_data_warning": self.personal_data_warning,
            "intent": self.intent,
            "suggestions": [s.to_dict() for s in self.suggestions],
            "knowledge_version": self.knowledge_version,
        }


def _personal_spans(text: str) -> list[tuple[int, int]]:
    entities = extract_entities(text)
    return sorted((e.start, e.end) for k in PERSONAL_KINDS for e in entities[k])


def contains_personal_data(text: str) -> bool:
    return bool(_personal_spans(text))


def strip_personal_data(text: str) -> str:
    """The question with ID numbers, e-mails, phones and policy numbers blanked before any processing."""
    for start, end in reversed(_personal_spans(text)):
        text = text[:start] + " " + text[end:]
    return text


@lru_cache(maxsize=1024)
def split_sentences(text: str) -> tuple[str, ...]:
    """Sentences of a knowledge text (cached: the texts are few and the splitter's lookbehinds slow)."""
    return tuple(s.strip() for s in SENTENCE.split(text) if s.strip())


class ChatEngine:
    """Holds the intent index (built once); ``answer`` is then about a millisecond."""

    def __init__(self, kb: KnowledgeBase | None = None, method: str = "hybrid") -> None:
        self.kb = kb or load_knowledge()
        if self.kb.chat is None:
            raise ValueError("the knowledge base has no chat data")
        self.chat = self.kb.chat
        self.languages = tuple(self.chat.languages)
        self.intents = {i.id: i for i in self.chat.intents}
        self.phrasings = bank_phrasings((code, dict(c.paraphrases)) for code, c in self.chat.languages.items())
        self.synonyms = {code: dict(c.synonyms) for code, c in self.chat.languages.items()}
        self.requires = {i.id: i.requires for i in self.chat.intents}
        self.index = IntentIndex(self.phrasings, method, self.synonyms, self.requires)
        # an anchor in the question's own words: "sol·licitud" is read as "sol licitud", as questions are
        anchors = {" ".join(WORD.findall(fold(w))) for c in self.chat.languages.values() for w in c.anchors}
        self.all_anchors = {a for a in anchors if len(a) > 1 and " " not in a}
        self.anchor_phrases = tuple(f" {a} " for a in anchors if " " in a)
        self.smalltalk = {fold(w) for c in self.chat.languages.values() for w in c.smalltalk}
        self.follow_up = {code: tuple(fold(w) for w in c.follow_up) for code, c in self.chat.languages.items()}
        self.joiners = {code: tuple(f" {fold(w)} " for w in c.joiners) for code, c in self.chat.languages.items()}

    # -- language ---------------------------------------------------------------------------

    def _language(self, question: str, hint: str | None, history: Sequence[str]) -> tuple[str, float, str]:
        """(answer language, confidence, detected language)."""
        detected, confidence = detect_language(question)
        if confidence < 0.8 and history:
            detected, confidence = detect_language(" ".join([*history[-2:], question]))
        if hint in self.languages and (confidence < LANGUAGE_SURE or detected not in self.languages):
            return hint, 1.0, detected
        if detected in self.languages:
            return detected, confidence, detected
        return self.languages[0], 0.0, detected

    def lang(self, code: str) -> ChatLanguage:
        return self.chat.languages[code]

    # -- answering --------------------------------------------------------------------------

    def answer(self, question: str, lang: str | None = None, history: Sequence[str] | None = None) -> Answer:
        history = [h for h in (history or []) if isinstance(h, str)][-5:]
        question = (question or "")[:MAX_QUESTION_CHARS]
        pii = contains_personal_data(question)
        clean = strip_personal_data(question) if pii else question
        language, confidence, detected = self._language(clean, lang, history)
        words = WORD.findall(fold(clean))
        if words and " ".join(words) in self.smalltalk:
            return self._finish(self.lang(language).frames["smalltalk"], language, [], True, "smalltalk", pii)

        ranked = self._rank(clean, language, history)
        unsure = confidence < BANK_DECIDES_LANGUAGE and detected in self.languages and lang not in self.languages
        if ranked and unsure and ranked[0].lang != language:
            language = ranked[0].lang  # a short Catalan question read as Spanish, say: the bank knows better
        fallback = self.lang(language).frames["fallback"]
        notes = [fallback] if fallback and confidence == 0.0 and detected not in self.languages and words else []
        if not ranked or not self._confident(ranked[0], words):
            return self._no_answer(language, pii, notes)
        ranked = self._prefer_general(ranked)
        intents = self._compound(clean, language, ranked[0])
        return self._answer_intent(intents, ranked, language, pii, notes)

    def _rank(self, question: str, language: str, history: Sequence[str]) -> list[Ranked]:
        """Intents for the question; a short follow-up ("¿y mi CV?") is read with the previous turn."""
        ranked = self.index.rank(question, language)
        words = WORD.findall(fold(question))
        cues = self.follow_up.get(language, ())
        is_follow_up = bool(history) and (
            len(words) <= FOLLOW_UP_WORDS or any(" ".join(words).startswith(c + " ") for c in cues)
        )
        if not is_follow_up:
            return ranked
        joint = {r.intent: r.score for r in self.index.rank(f"{history[-1]} {question}", language, limit=8)}
        alone = self.index.rank(question, language, limit=8)
        # What the new turn asks weighs most; the previous turn says what kind of fact is wanted.
        merged = [Ranked(r.intent, (r.score + 0.5 * joint.get(r.intent, 0.0)) / 1.5, r.lang) for r in alone]
        merged.sort(key=lambda r: (-r.score, r.intent))
        return merged or ranked

    def _confident(self, best: Ranked, words: list[str]) -> bool:
        if best.score < MIN_INTENT_SCORE:
            return False
        joined = f" {' '.join(words)} "
        anchored = any(w in self.all_anchors for w in words) or any(a in joined for a in self.anchor_phrases)
        # an out-of-scope reading needs no privacy word: it declines anyway, saying what the chat is for
        return anchored or self.intents[best.intent].offtopic or best.score >= ANCHORLESS_SCORE

    def _no_answer(self, language: str, pii: bool, notes: list[str]) -> Answer:
        text = self.lang(language).frames["no_answer"].format(**self.kb.contacts)
        return self._finish(text, language, [], False, "no_answer", pii, notes=notes)

    def _answer_intent(
        self, intents: list[Intent], ranked: list[Ranked], language: str, pii: bool, notes: list[str]
    ) -> Answer:
        """The answer to one intent, or to the two of a compound question ("is it safe, and what are my
        rights?"), each part from its own clauses or its own "the policy does not say"."""
        chat = self.lang(language)
        main = intents[0]
        suggestions = self._suggestions(main, ranked, chat) if len(intents) == 1 else []
        parts: list[str] = []
        cited: list[str] = []
        mailto = None
        answered = False
        if main.offtopic:
            text = chat.frames["off_topic"]
            return self._finish(text, language, [], False, "no_answer", pii, main.id, notes)
        for intent in intents:
            if intent.unanswered:
                ask = chat.intents[intent.id].ask
                parts.append(chat.frames["not_stated"].format(ask=ask, **self.kb.contacts))
                continue
            answered = True
            if intent.exercise:
                label = self.kb.label(intent.exercise)
                right = label.right.get(language) or label.name.get(language, label.id)
                if "rights.exercise" not in cited:
                    parts.append(chat.frames["exercise"].format(right=right, **self.kb.contacts))
                    cited.append("rights.exercise")
                if mailto is None:
                    subject = chat.frames["mailto_subject"].format(right=right)
                    body = chat.frames["mailto_body"].format(right=right)
                    mailto = f"mailto:{self.kb.contacts['rights_email']}?subject={quote(subject)}&body={quote(body)}"
                specs = [*intent.answer, *(AnswerPart(entry=c, first=1) for c in label.exercise_clauses)]
            else:
                specs = list(intent.answer)
            if len(intents) > 1:
                specs = specs[:1]  # two questions in one: each answered by its main source, so it stays short
            for spec in specs:
                if spec.entry not in cited or not intent.exercise:
                    parts += [s for s in self._sentences(spec, language) if s not in parts]
                    cited.append(spec.entry)
            if intent.note and chat.intents[intent.id].note:
                parts.append(chat.intents[intent.id].note.format(**self.kb.contacts))
        if not answered:
            text = " ".join(parts)
            return self._finish(text, language, [], False, "no_answer", pii, main.id, notes, suggestions=suggestions)
        citations = [self._citation(self.kb.entry(e), language) for e in dict.fromkeys(cited)]
        titles = "; ".join(f"{c.title} ({c.id})" for c in citations)
        text = " ".join(p for p in parts if p) + " " + chat.frames["source"].format(titles=titles)
        kind = "exercise" if mailto else "answer"
        return self._finish(text, language, citations, True, kind, pii, main.id, notes, mailto, suggestions)

    def _prefer_general(self, ranked: list[Ranked]) -> list[Ranked]:
        """When a specific intent only narrowly beats its category's general one, the general one answers
        (the specific one is then offered as a suggestion): unsure, we answer the general case."""
        best = self.intents[ranked[0].intent]
        if best.general:
            return ranked
        for other in ranked[1:3]:
            intent = self.intents[other.intent]
            if intent.general and intent.category == best.category and other.score >= GENERAL_RATIO * ranked[0].score:
                return [other, *(r for r in ranked if r is not other)]
        return ranked

    def _compound(self, question: str, language: str, best: Ranked) -> list[Intent]:
        """Two intents when the question joins two questions ("... safe, and what are my rights?") and
        each half is recognised on its own as a different intent; else the whole question's one."""
        joiners = self.joiners.get(language, ())
        folded = fold(question)
        for joiner in joiners:
            at = folded.find(joiner)
            if at < 0:
                continue
            halves = (question[:at], question[at + len(joiner) :])
            if any(len(WORD.findall(h)) < 2 for h in halves):
                continue
            tops = [self.index.rank(h, language, limit=1) for h in halves]
            found = [t[0] for t in tops if t and t[0].score >= COMPOUND_SCORE]
            if len(found) == 2 and found[0].intent != found[1].intent:
                first, second = (self.intents[r.intent] for r in found)
                if best.intent == second.id:
                    first, second = second, first
                return [first, second]
        return [self.intents[best.intent]]

    def _suggestions(self, intent: Intent, ranked: list[Ranked], chat: ChatLanguage) -> list[Suggestion]:
        """Both intents when a second one is close: the visitor picks rather than us guessing."""
        close = [r.intent for r in ranked[1:3] if r.score >= CLOSE_RATIO * ranked[0].score and r.intent != intent.id]
        if not close:
            return []
        chosen = [intent.id, *close[:1]]
        return [Suggestion(i, chat.intents[i].question) for i in chosen if i in chat.intents]

    def _sentences(self, spec: AnswerPart, language: str) -> list[str]:
        """The sentences of ``spec.entry`` that answer: its part, the marked ones, or the first few."""
        entry = self.kb.entry(spec.entry)
        text = entry.text_in(language)
        if spec.part:
            text = self._part(text, spec.part, language)
        sentences = split_sentences(text)
        if spec.match:
            markers = [fold(m) for m in spec.match]
            marked = [s for s in sentences if any(m in fold(s) for m in markers)]
            if marked:
                return marked[: spec.first]
        return list(sentences[: spec.first])

    def _part(self, text: str, part: str, language: str) -> str:
        """The section of a processing clause that starts with the heading of ``part`` (to the next heading)."""
        headings = self.lang(language).parts
        starts = []
        for key, words in headings.items():
            for word in words:
                at = text.find(word)
                if at >= 0:
                    starts.append((at, key))
        starts.sort()
        for n, (at, key) in enumerate(starts):
            if key == part:
                end = starts[n + 1][0] if n + 1 < len(starts) else len(text)
                return text[at:end].strip()
        return text

    def _citation(self, entry: Clause | Rule, language: str) -> Citation:
        return Citation(id=entry.id, title=entry.title_in(language), passage=entry.text_in(language))

    def welcome(self, language: str) -> list[Suggestion]:
        """The first screen's common questions in ``language`` (the widget shows them as buttons)."""
        chat = self.lang(language if language in self.languages else self.languages[0])
        return [Suggestion(i, chat.intents[i].question) for i in chat.welcome if i in chat.intents]

    def _finish(
        self,
        text: str,
        language: str,
        citations: list[Citation],
        answered: bool,
        kind: str,
        pii: bool,
        intent: str | None = None,
        notes: list[str] | None = None,
        mailto: str | None = None,
        suggestions: list[Suggestion] | None = None,
    ) -> Answer:
        frames = self.lang(language).frames
        prefix = " ".join(notes or [])
        suffix = frames["pii"] if pii else ""
        full = " ".join(p for p in (prefix, text, suffix) if p).strip()
        return Answer(
            full,
            language,
            citations,
            answered,
            kind,
            mailto,
            pii,
            intent,
            self.kb.version,
            notes or [],
            suggestions or [],
        )


_engine: ChatEngine | None = None
_lock = threading.Lock()


def get_engine() -> ChatEngine:
    global _engine
    if _engine is None:
        with _lock:
            if _engine is None:
                _engine = ChatEngine()
    return _engine


def answer(question: str, lang: str | None = None, history: list[str] | None = None) -> Answer:
    """Answer a visitor's question from the policy, in the question's language, with citations.

    Parameters: ``lang`` is a hint (the page's language); ``history`` the visitor's earlier
    questions in this conversation, oldest first, so that "and for my CV?" follows on.

    >>> answer("¿Quién es el delegado de protección de datos?").citations[0].id
    'dpo.contact'
    """
    return get_engine().answer(question, lang, history)
