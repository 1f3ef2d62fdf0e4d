"""`analyze(subject, body)`: language, rights with scores and evidence, entities.

Pure and deterministic for a given model version: the same text gives the same Analysis.
"""

from __future__ import annotations

import gc
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from knowledge.base import load as load_knowledge
from knowledge.text import WORD, fold

from .clean import REPLY_PREFIX, THREAD_PREFIX, CleanText, Removed, blank_out, clean, html_to_text, looks_like_html
from .entities import Entity, extract_entities, merge_entities
from .language import SUPPORTED, UNDETERMINED, detect_language
from .lexicon import LexiconMatcher, Match
from .model import NEGATION_DAMPING, RightsModel, combine
from .versions import current_dir

STEM = 5  # prefix stemming: cheap, language-agnostic, tolerant of typos in endings
MAX_CHARS = 100_000  # longer bodies are cut for classification (the rest is rarely the request)


@dataclass(frozen=True)
class Evidence:
    """Why a label was given: the phrase, where it is, and how it counted."""

    phrase: str
    start: int
    end: int
    field: str  # "subject" | "body": offsets are into that text as given
    kind: str  # "request" | "right" | "article"
    strength: str  # "strong" | "weak"
    negated: bool = False


@dataclass(frozen=True)
class Analysis:
    language: str
    language_confidence: float
    labels: list[str]
    scores: dict[str, float]
    evidence: dict[str, list[Evidence]]
    entities: dict[str, list[Entity]]
    cleaned_text: str
    model_version: str
    ignored: list[Removed] = field(default_factory=list)
    needs_human: list[str] = field(default_factory=list)  # why a person must read it (e.g. an unsupported language)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: what the API returns and the store keeps.

        >>> sorted(analyze("", "Borrad mis datos").to_dict())[:3]
        ['cleaned_text', 'entities', 'evidence']
        """
        return {
            "language": self.language,
            "language_confidence": round(self.language_confidence, 4),
            "labels": list(self.labels),
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "evidence": {k: [dict(vars(e)) for e in v] for k, v in self.evidence.items()},  # flat: no asdict
            "entities": {k: [e.to_dict() for e in v] for k, v in self.entities.items()},
            "cleaned_text": self.cleaned_text,
            "model_version": self.model_version,
            "ignored": [dict(vars(r)) for r in self.ignored],
            "needs_human": list(self.needs_human),
        }

    @property
    def requester_id(self) -> Entity | None:
        ids = self.entities.get("id_numbers") or []
        return next((e for e in ids if e.valid), ids[0] if ids else None)


NOT_A_RIGHT = ("information", "other")
UNSEEN_BESIDE_ASKED = 0.8  # see Analyzer._bar
MIN_MODEL_WORDS = 3  # fewer words than this and the categoriser is not asked (Analyzer.combined_scores)


class Analyzer:
    """Holds what is expensive to build (model, compiled lexicon); analysing is then cheap."""

    def __init__(self, model: RightsModel | None = None) -> None:
        self.knowledge = load_knowledge()
        self.matcher = LexiconMatcher(self.knowledge.lexicon)
        self.model = model or RightsModel.load()
        self.labels = list(self.model.meta.labels)
        detect_language("warm-up")  # loads the language model now, not on the first request

    def prepare(self, subject: str, body: str) -> tuple[str, CleanText, list[Match], list[Match]]:
        body, cleaned = readable_body(body)
        is_reply = bool(REPLY_PREFIX.match(subject))
        subject_text = THREAD_PREFIX.sub("", subject)
        offset = len(subject) - len(subject_text)
        subject_tokens, body_tokens = self.matcher.tokens(subject_text), self.matcher.tokens(cleaned.text)
        off_topic = self.matcher.off_topic(subject_tokens, body_tokens)
        subject_matches = [
            _shift(m, offset, weak=is_reply or m.label in off_topic)
            for m in self.matcher.find(subject_text, is_subject=not is_reply, tokens=subject_tokens)
        ]
        body_matches = [
            _shift(m, 0, weak=True) if m.label in off_topic else m
            for m in self.matcher.find(cleaned.text, tokens=body_tokens)
        ]
        return body, cleaned, subject_matches, body_matches

    def combined_scores(self, subject: str, cleaned: CleanText, matches: list[Match]) -> dict[str, float]:
        """Uncalibrated combined scores: what calibration is fitted on."""
        text = _model_text(subject, cleaned)
        # On a word or two a bag-of-words model returns its priors, not a reading: the lexicon decides.
        raw = self.model.raw_scores(text) if text.count(" ") + 1 >= MIN_MODEL_WORDS else {}
        by_label: dict[str, list[Match]] = {label: [] for label in self.labels}
        for m in matches:
            if m.label in by_label:
                by_label[m.label].append(m)
        scores = {label: combine(raw.get(label, 0.0), by_label[label]) for label in self.labels}
        # Evidence read as a narrower label ("I object ... advertising") speaks against the broader
        # one, as a negation does, unless the broader label has evidence of its own.
        # So does a right only named ("derecho de oposición", "art. 21") when the request itself is the
        # narrower one ("me opongo a: 1. la mercadotecnia directa").
        for label in {m.specialised_from for m in matches if m.specialised_from}:
            if label in scores and not any(_asks(m) for m in by_label[label]):
                scores[label] = raw.get(label, 0.0) * NEGATION_DAMPING
        return scores

    def asked(self, matches: list[Match]) -> set[str]:
        """Labels the message asks for in so many words: a strong, non-negated request phrase, or a
        right named after a request verb ("solicito el derecho de supresión"). design.md: the request
        is in the verbs, so these stand whatever the categoriser thinks. A right only named beside a
        narrower request ("derecho de oposición ... me opongo a la publicidad") is the narrower one."""
        asked = {
            m.label for m in matches if m.kind in ("request", "right") and m.strength == "strong" and not m.negated
        }
        for broader in {m.specialised_from for m in matches if m.specialised_from}:
            if not any(_asks(m) for m in matches if m.label == broader):
                asked.discard(broader)
        return asked

    def decide(
        self,
        scores: dict[str, float],
        asked: set[str] | frozenset[str] = frozenset(),
        seen: set[str] | frozenset[str] = frozenset(),
    ) -> list[str]:
        """Labels asked for in so many words (``asked``) or above their thresholds. 'information' is a
        question with no right exercised (design.md), so a right beside it wins: an access letter
        asking for the purposes and the recipients is an access request. Between 'information' and
        'other' (both: no right exercised) the higher score wins. 'other' when nothing is chosen."""
        labels = [label for label in self.labels if label in asked or scores[label] >= self._bar(label, asked, seen)]
        if any(label not in NOT_A_RIGHT for label in labels):
            return [label for label in labels if label not in NOT_A_RIGHT]
        if len(labels) > 1:
            return [max(labels, key=lambda label: scores[label])]
        return labels or ["other"]

    def _bar(self, label: str, asked: set[str] | frozenset[str], seen: set[str] | frozenset[str]) -> float:
        """The score a label needs. Beside a right asked for in so many words, a label the lexicon saw
        no phrase of at all needs the categoriser to be sure: reminders teach it that "delete" and
        "complaint" go together, which a first request does not make true."""
        threshold = self.model.threshold(label)
        if asked and label not in seen and label not in NOT_A_RIGHT:
            return max(threshold, UNSEEN_BESIDE_ASKED)
        return threshold

    def analyze(self, subject: str, body: str, lang: str | None = None) -> Analysis:
        subject = subject or ""
        body, cleaned, subject_matches, body_matches = self.prepare(subject, body or "")
        matches = subject_matches + body_matches
        scores = self.model.calibrated(self.combined_scores(subject, cleaned, matches))
        labels = self.decide(scores, self.asked(matches), {m.label for m in matches})
        language, confidence = (
            (lang, 1.0) if lang else detect_language(f"{subject}\n{cleaned.compact}", allow_unsupported=True)
        )
        needs_human = [] if language in SUPPORTED else [_unsupported_reason(language)]
        evidence: dict[str, list[Evidence]] = {}
        for field_name, group in (("subject", subject_matches), ("body", body_matches)):
            for m in group:
                evidence.setdefault(m.label, []).append(
                    Evidence(m.phrase, m.start, m.end, field_name, m.kind, m.strength, m.negated)
                )
        entity_text = _blank_spans(body, [r for r in cleaned.removed if r.reason != "signature"])
        entities = merge_entities(extract_entities(subject, "subject"), extract_entities(entity_text, "body"))
        return Analysis(
            language=language,
            language_confidence=confidence,
            labels=labels,
            scores=scores,
            evidence=evidence,
            entities=entities,
            cleaned_text=(THREAD_PREFIX.sub("", subject) + "\n" + cleaned.compact).strip(),
            model_version=self.model.version,
            ignored=list(cleaned.removed),
            needs_human=needs_human,
        )


def _unsupported_reason(language: str) -> str:
    if language == UNDETERMINED:
        return "no text to tell the language from: a person must read it"
    return f"written in '{language}', a language the classifier does not read: a person must read it"


def _asks(m: Match) -> bool:
    return m.kind == "request" and m.strength == "strong" and not m.negated


def _model_text(subject: str, cleaned: CleanText) -> str:
    """What the text categoriser reads: folded words cut to five letters (so "borren", "borrad"
    and "borrar" meet), quotes and footers gone, and no thread subject: a reply's subject names
    the thread, not what this message asks."""
    heading = "" if REPLY_PREFIX.match(subject) else THREAD_PREFIX.sub("", subject)
    return " ".join(w[:STEM] for w in WORD.findall(fold(heading + "\n" + cleaned.compact)))  # words(), no offsets


def readable_body(body: str) -> tuple[str, CleanText]:
    """(the body as text, capped; the same with quotes, signatures and disclaimers blanked).

    Training and inference both read a message through this one function."""
    if looks_like_html(body):
        body = html_to_text(body)
    body = body[:MAX_CHARS]
    return body, clean(body)


def model_input(subject: str, body: str) -> str:
    """The categoriser's input for a raw message; training uses exactly this."""
    return _model_text(subject, readable_body(body)[1])


def _shift(m: Match, offset: int, *, weak: bool) -> Match:
    from dataclasses import replace

    return replace(m, start=m.start + offset, end=m.end + offset, strength="weak" if weak else m.strength)


def _blank_spans(text: str, spans: list[Removed]) -> str:
    for r in spans:
        text = text[: r.start] + blank_out(text[r.start : r.end]) + text[r.end :]
    return text


_analyzer: Analyzer | None = None
_checked = 0.0
_lock = threading.Lock()
PROMOTION_CHECK_SECONDS = 30.0  # how soon a running service and worker follow `model promote`/`rollback`


def get_analyzer() -> Analyzer:
    """The process-wide analyzer, built once (thread-safe), rebuilt when another model is promoted."""
    global _analyzer, _checked
    if _analyzer is None or time.monotonic() - _checked > PROMOTION_CHECK_SECONDS:
        with _lock:
            wanted = current_dir()
            if _analyzer is None or (_analyzer.model.directory not in (None, wanted)):
                gc.unfreeze()  # the analyzer being replaced may be collected once dropped
                _analyzer = Analyzer(RightsModel.load(wanted))
                _freeze_heap()
            _checked = time.monotonic()
    return _analyzer


def analyzer_loaded() -> bool:
    """Has this process built its analyzer yet (readiness: the first request will not pay for it)?"""
    return _analyzer is not None


def _freeze_heap() -> None:
    """Keep what is alive once the analyzer is built (spaCy's model, the compiled lexicon) out of the
    garbage collector's full passes. Each pass walked all of it: a ~100 ms pause, every few hundred
    long letters, inside someone's analyze() call (bench/classifier.py's p99). Nothing is lost: these
    objects live as long as the process, and a promotion unfreezes them before building the next."""
    gc.collect()
    gc.freeze()


def analyze(subject: str, body: str, lang: str | None = None) -> Analysis:
    """Classify a message: which GDPR rights it invokes, in which language, who asks.

    Parameters: ``subject`` and ``body`` as received (HTML bodies are converted to text);
    ``lang`` forces the language instead of detecting it.

    >>> analyze("Baja", "Por favor, borrad todos mis datos.").labels
    ['erasure']
    """
    return get_analyzer().analyze(subject, body, lang)
