"""Prove the knowledge files are well-formed and traceable to the OCR'd policy.

Four families of checks, each a list of problems (empty means pass):
- schema: ids unique and well-formed, three languages, labels from the taxonomy;
- sentences: every sentence of every French clause is found in the source (rapidfuzz
  partial ratio over OCR-normalised text), so an invented sentence fails;
- facts: every fact's quote stands in its clause, and its value agrees with the quote;
- coverage: every heading and every substantial line of the source is found in some clause.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz

from .base import Fact, KnowledgeBase
from .chatdata import FRAME_KEYS, PART_KEYS

SOURCE_NAME = "000_c7eb5df17c06c7b9.txt"
SENTENCE_THRESHOLD = 85.0  # see tests/test_knowledge.py: genuine chunks score >= 89, invented ones < 75
COVERAGE_THRESHOLD = 85.0
CHUNK_WORDS = 8  # table cells split by page breaks stay matchable chunk by chunk
STRUCTURAL_PREFIXES = ("finalite", "categories de donnees", "base juridique", "conservation")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
NUMBER_WORDS_FR = {1: ("un", "1"), 2: ("deux", "2"), 10: ("dix", "10")}
MONTHS_FR = (
    "janvier",
    "fevrier",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "aout",
    "septembre",
    "octobre",
    "novembre",
    "decembre",
)


def default_source_path() -> Path:
    """`KNOWLEDGE_SOURCE`, else ../shared/policy/ beside the repository (as CI lays it out)."""
    env = os.environ.get("KNOWLEDGE_SOURCE")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "policy" / SOURCE_NAME


def normalise(text: str) -> str:
    """Fold accents, case, OCR confusions and punctuation so clean text meets OCR text."""
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("|'", "l'").replace("ﬁ", "fi")
    text = re.sub(r"(?<![A-Za-z])I'", "l'", text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[^a-z0-9@./]+", " ", text)
    return " ".join(text.split())


def french_sentences(text: str) -> list[str]:
    """Sentences of a clause, without our structural labels ("Finalité :") and gap markers."""
    text = text.replace("[…]", " ")
    pieces = re.split(r"(?<=[.;!?])\s+(?=[A-ZÀ-Ýa-z0-9«(])", text)
    sentences = []
    for piece in pieces:
        for part in re.split(r"\s;\s|\s*¦\s*", piece):
            norm = normalise(part)
            for prefix in STRUCTURAL_PREFIXES:
                if norm.startswith(prefix + " "):
                    norm = norm[len(prefix) + 1 :]
            if len(norm.split()) >= 3:
                sentences.append(norm)
    return sentences


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    sentence_scores: list[tuple[str, float, str]] = field(default_factory=list)  # (clause id, score, sentence)
    coverage_misses: list[tuple[float, str]] = field(default_factory=list)
    source_sha256: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def check_schema(kb: KnowledgeBase) -> list[str]:
    problems: list[str] = []
    label_ids = set(kb.label_ids)
    seen: set[str] = set()
    for entry in (*kb.clauses, *kb.rules):
        if entry.id in seen:
            problems.append(f"{entry.id}: duplicate id")
        seen.add(entry.id)
        if not ID_PATTERN.match(entry.id):
            problems.append(f"{entry.id}: id must look like 'section.name' (lowercase, dots)")
        for lang in kb.text_languages:
            if not entry.text.get(lang, "").strip():
                problems.append(f"{entry.id}: text.{lang} missing")
            if not entry.title.get(lang, "").strip():
                problems.append(f"{entry.id}: title.{lang} missing")
        unknown = set(entry.labels) - label_ids
        if unknown:
            problems.append(f"{entry.id}: unknown labels {sorted(unknown)}")
        if not entry.labels:
            problems.append(f"{entry.id}: no label")
    for clause in kb.clauses:
        for lang in kb.text_languages:
            if not clause.keywords.get(lang):
                problems.append(f"{clause.id}: keywords.{lang} missing")
        if not clause.topics:
            problems.append(f"{clause.id}: no topic")
    entry_ids = {c.id for c in kb.clauses} | {r.id for r in kb.rules}
    for lang, templates in kb.templates.items():
        missing = set(kb.label_ids) - {"information", "other"} - set(templates.blocks)
        if missing:
            problems.append(f"templates/{lang}: no block for {sorted(missing)}")
        for name, block in templates.all_blocks().items():
            for cited in block.cites:
                if cited not in entry_ids:
                    problems.append(f"templates/{lang}:{name}: cites unknown entry {cited}")
    taxonomy = [label.id for label in kb.labels]
    if len(set(taxonomy)) != len(taxonomy):
        problems.append("labels.yaml: duplicate label id")
    return problems


MIN_PHRASINGS = 30  # per intent, across the chat's languages (issue 12)
FRAME_FIELD = re.compile(r"\{([a-z_]+)\}")


def check_chat(kb: KnowledgeBase) -> list[str]:
    """Intents point at real entries, rights and parts; every chat language has every piece it needs."""
    chat = kb.chat
    if chat is None:
        return ["chat/intents.yaml: no chat data"]
    problems: list[str] = []
    entry_ids = {c.id for c in kb.clauses} | {r.id for r in kb.rules}
    intent_ids = [i.id for i in chat.intents]
    if len(set(intent_ids)) != len(intent_ids):
        problems.append("chat/intents.yaml: duplicate intent id")
    known_fields = {"right", "ask", "titles", *kb.contacts}
    for intent in chat.intents:
        where = f"intent {intent.id}"
        if intent.category not in chat.categories:
            problems.append(f"{where}: unknown category {intent.category}")
        if intent.unanswered and (intent.answer or intent.exercise):
            problems.append(f"{where}: an unanswered intent quotes nothing")
        if not intent.unanswered and not intent.answer and not intent.exercise:
            problems.append(f"{where}: neither an answer nor a right to exercise")
        if intent.exercise and intent.exercise not in kb.right_ids:
            problems.append(f"{where}: exercise {intent.exercise} is not an exercisable right in labels.yaml")
        for other in intent.related:
            if other not in intent_ids:
                problems.append(f"{where}: related intent {other} does not exist")
        for part in intent.answer:
            if part.entry not in entry_ids:
                problems.append(f"{where}: unknown entry {part.entry}")
                continue
            if part.part and part.part not in PART_KEYS:
                problems.append(f"{where}: unknown part {part.part}")
            for lang, language in chat.languages.items():
                text = kb.entry(part.entry).text.get(lang, "")
                if part.part and not any(h in text for h in language.parts.get(part.part, ())):
                    problems.append(f"{where}: {part.entry} has no '{part.part}' heading in {lang}")
                if part.match and not any(fold_text(m) in fold_text(text) for m in part.match):
                    problems.append(f"{where}: no sentence of {part.entry} in {lang} holds a marker {part.match}")
    for lang, language in chat.languages.items():
        where = f"lang/{lang}"
        for key in FRAME_KEYS:
            if key not in language.frames:
                problems.append(f"{where}/chat.yaml: frame {key} missing")
        for key, frame in language.frames.items():
            unknown = set(FRAME_FIELD.findall(frame)) - known_fields
            if unknown:
                problems.append(f"{where}/chat.yaml: frame {key} uses unknown fields {sorted(unknown)}")
        for key in PART_KEYS:
            if not language.parts.get(key):
                problems.append(f"{where}/chat.yaml: part heading {key} missing")
        for intent in chat.intents:
            text = language.intents.get(intent.id)
            if text is None:
                problems.append(f"{where}/chat.yaml: intent {intent.id} has no question")
            elif intent.unanswered and not text.ask:
                problems.append(f"{where}/chat.yaml: intent {intent.id} is unanswered and has no 'ask'")
            elif intent.note and not text.note:
                problems.append(f"{where}/chat.yaml: intent {intent.id} needs a note")
            if not language.paraphrases.get(intent.id):
                problems.append(f"{where}/paraphrases.yaml: no phrasing of {intent.id}")
        for intent_id in set(language.paraphrases) - set(intent_ids):
            problems.append(f"{where}/paraphrases.yaml: unknown intent {intent_id}")
        for intent_id in language.welcome:
            if intent_id not in intent_ids:
                problems.append(f"{where}/chat.yaml: welcome intent {intent_id} does not exist")
    for intent in chat.intents:
        count = sum(len(f) for language in chat.languages.values() for f in language.paraphrases.get(intent.id, ()))
        if count < MIN_PHRASINGS:
            problems.append(f"intent {intent.id}: {count} phrasings, fewer than {MIN_PHRASINGS}")
    for label in kb.labels:
        if label.exercisable:
            for lang in chat.languages:
                if not label.right.get(lang):
                    problems.append(f"labels.yaml: {label.id}: no 'right' wording in {lang}")
        for clause_id in label.exercise_clauses:
            if clause_id not in entry_ids:
                problems.append(f"labels.yaml: {label.id}: unknown exercise clause {clause_id}")
    return problems


def fold_text(text: str) -> str:
    return normalise(text)


def _value_agrees(fact: Fact) -> bool:
    """Does the fact's value say what its quote says? Per kind, the checkable core."""
    quote = normalise(fact.quote)
    value = normalise(fact.value)
    if fact.kind in {"email", "vat", "phone", "url"}:
        return value in quote
    if fact.kind == "law":
        numbers = re.findall(r"\d+/\d{4}", fact.value)
        return all(n in fact.quote for n in numbers) if numbers else value in quote
    if fact.kind == "gdpr_article":
        return fact.value in quote.split()
    if fact.kind == "date":
        year, month, day = fact.value.split("-")
        days = [int(w) for w in quote.split() if w.isdigit() and len(w) <= 2]
        return year in quote and MONTHS_FR[int(month) - 1] in quote and int(day) in days
    if fact.kind == "retention" and (fact.years or fact.months):
        amount = fact.years or fact.months
        unit = ("an", "ans") if fact.years else ("mois",)
        words = quote.split()
        return any(w in words for w in NUMBER_WORDS_FR.get(amount, (str(amount),))) and any(u in words for u in unit)
    if fact.kind == "legal_basis" and fact.article:
        digits = re.sub(r"[^0-9a-z]", "", fact.article.split(",")[0].lower())  # "6.1.a" -> "61a"
        compact = re.sub(r"[^0-9a-z]", "", quote)
        article_forms = (digits, digits[0] + "paragraphe" + digits[1] + "point" + digits[2:] if len(digits) > 2 else "")
        return any(f and f in compact for f in article_forms) or ("article" not in quote and " art " not in quote)
    return True


def check_facts(kb: KnowledgeBase) -> list[str]:
    problems: list[str] = []
    for clause in kb.clauses:
        fr = normalise(clause.text["fr"])
        for fact in clause.facts:
            if not fact.quote:
                problems.append(f"{clause.id}: fact {fact.kind}={fact.value!r} has no quote")
                continue
            if normalise(fact.quote) not in fr:
                problems.append(f"{clause.id}: quote not in the French text: {fact.quote!r}")
            elif not _value_agrees(fact):
                problems.append(f"{clause.id}: value {fact.value!r} does not agree with its quote {fact.quote!r}")
            if fact.kind in {"email", "vat", "phone"}:
                for lang in kb.text_languages[1:]:
                    if fact.value not in clause.text[lang]:
                        problems.append(f"{clause.id}: {fact.kind} {fact.value} missing from the {lang} rendering")
    for rule in kb.rules:
        for fact in rule.facts:
            if fact.kind in {"period", "extension"}:
                words = {1: ("one", "un mes", "un mois"), 2: ("two", "dos meses", "deux mois")}.get(fact.months, ())
                if not all(any(w in rule.text[lang] for w in words) for lang in ("fr", "es", "en")):
                    problems.append(f"{rule.id}: {fact.value} not stated in every language")
    return problems


def deinterleave(source: str) -> str:
    """The source with its two-column table lines ("left | right") also read column by column."""
    blocks: list[str] = [source]
    left: list[str] = []
    right: list[str] = []
    for line in [*source.splitlines(), ""]:
        if " | " in line:
            a, _, b = line.partition(" | ")
            left.append(a)
            right.append(b)
        elif left:
            blocks.extend([" ".join(left), " ".join(right)])
            left, right = [], []
    return "\n".join(blocks)


def sentence_score(sentence: str, source_norm: str) -> float:
    """The weakest 8-word chunk's best partial match: one invented chunk sinks the sentence."""
    words = sentence.split()
    if len(words) <= CHUNK_WORDS + 4:
        return fuzz.partial_ratio(sentence, source_norm)
    chunks = [words[i : i + CHUNK_WORDS] for i in range(0, len(words), CHUNK_WORDS)]
    if len(chunks[-1]) < 4:
        chunks[-2].extend(chunks.pop())
    return min(fuzz.partial_ratio(" ".join(chunk), source_norm) for chunk in chunks)


def check_sentences(kb: KnowledgeBase, source_norm: str, report: CheckReport) -> None:
    for clause in kb.clauses:
        for sentence in french_sentences(clause.fr_with_splices):
            score = sentence_score(sentence, source_norm)
            report.sentence_scores.append((clause.id, score, sentence))
            if score < SENTENCE_THRESHOLD:
                report.problems.append(
                    f"{clause.id}: sentence not found in the source ({score:.0f}): {sentence[:90]!r}"
                )


def source_headings(source: str) -> list[str]:
    """Upper-case lines of the source, consecutive ones joined (a heading may wrap)."""
    headings: list[str] = []
    current: list[str] = []
    for line in source.splitlines():
        letters = [c for c in line if c.isalpha()]
        upper = len(letters) >= 8 and sum(c.isupper() for c in letters) / len(letters) > 0.9
        if upper and not line.strip().startswith("http"):
            current.append(line.strip())
        elif current:
            headings.append(" ".join(current))
            current = []
    if current:
        headings.append(" ".join(current))
    return headings


def check_coverage(kb: KnowledgeBase, source: str, report: CheckReport) -> None:
    corpus = normalise(" ".join(c.text["fr"] + " " + c.source_heading for c in kb.clauses))
    for heading in source_headings(source):
        score = fuzz.partial_ratio(normalise(heading), corpus)
        if score < COVERAGE_THRESHOLD:
            report.problems.append(f"source heading maps to no clause ({score:.0f}): {heading[:90]!r}")
    for line in source.splitlines():
        for part in re.split(r" \| | - ", line):
            norm = normalise(part)
            if part.strip().startswith("http") or len(norm.split()) < 4:
                continue  # link lines and table column headers carry no content of their own
            score = fuzz.partial_ratio(norm, corpus)
            if score < COVERAGE_THRESHOLD:
                report.coverage_misses.append((score, part.strip()))
                report.problems.append(f"source line covered by no clause ({score:.0f}): {part.strip()[:90]!r}")


def run_checks(kb: KnowledgeBase, source_path: Path) -> CheckReport:
    report = CheckReport()
    report.problems.extend(check_schema(kb))
    report.problems.extend(check_facts(kb))
    report.problems.extend(check_chat(kb))
    if not source_path.exists():
        report.problems.append(f"source text not found at {source_path} (set KNOWLEDGE_SOURCE)")
        return report
    raw = source_path.read_bytes()
    source = raw.decode("utf-8")
    source_norm = normalise(deinterleave(source))
    check_sentences(kb, source_norm, report)
    check_coverage(kb, source, report)
    report.source_sha256 = hashlib.sha256(raw).hexdigest()
    return report


def summarise_scores(scores: Iterable[tuple[str, float, str]]) -> dict[str, float]:
    values = sorted(s for _, s, _ in scores)
    if not values:
        return {"sentences": 0}
    return {"sentences": len(values), "min": values[0], "median": values[len(values) // 2]}
