"""Retrieval over the clauses: BM25 on normalised tokens of every language, typo-tolerant.

The index is pure Python over the loaded knowledge; callers may inject a richer token
analyser (the assistant's spaCy lemmatiser) without this layer knowing spaCy.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from .base import LANGUAGES, Clause, KnowledgeBase
from .text import fold

Analyzer = Callable[[str], list[str]]

# Words that carry no retrieval signal in our three languages (short, hand-written list).
STOPWORDS = frozenset(
    """
    a al algo como con de del el en es esta este ha hay la las le les lo los mas me mi mis muy no o os para
    pero por que se si sin sobre su sus te tu un una uno y ya yo usted ustedes vuestra vuestro nuestra nuestro
    au aux ce ces cet cette d dans des du elle en est et il je l la le les leur leurs lui ma mais me mes moi
    mon ne nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous y
    an and are as at be by can do does for from has have how i if in is it its me my of on or our so that the
    their them they this to was we what when where which who why will with you your
    """.split()  # noqa: SIM905
)
SUFFIXES = (
    "aciones",
    "iciones",
    "amente",
    "ements",
    "ations",
    "ation",
    "acion",
    "icion",
    "ement",
    "mente",
    "ments",
    "ment",
    "ions",
    "ing",
    "es",
    "s",
    "e",
)


def stem(token: str) -> str:
    """A crude multilingual suffix stripper: enough to meet 'suppression'/'supprimer'-like pairs halfway."""
    for suffix in SUFFIXES:
        if len(token) - len(suffix) >= 4 and token.endswith(suffix):
            return token[: -len(suffix)]
    return token


def default_analyzer(text: str) -> list[str]:
    tokens = re.findall(r"[a-z0-9@]+", fold(text))
    return [stem(t) for t in tokens if t not in STOPWORDS and len(t) > 1]


@dataclass(frozen=True)
class Hit:
    clause: Clause
    score: float


class ClauseIndex:
    """BM25 (k1=1.2, b=0.75) over title, text, keywords and topics in fr, es and en."""

    def __init__(self, kb: KnowledgeBase, analyzer: Analyzer = default_analyzer) -> None:
        self.kb = kb
        self.analyzer = analyzer
        self.docs: list[Counter[str]] = []
        for clause in kb.clauses:
            parts: list[str] = []
            for lang in LANGUAGES:
                parts += [clause.title_in(lang)] * 2 + [clause.text_in(lang)] + list(clause.keywords.get(lang, ())) * 2
            parts += [t.replace("_", " ") for t in clause.topics] * 2
            self.docs.append(Counter(analyzer(" ".join(parts))))
        self.lengths = [sum(d.values()) for d in self.docs]
        self.avg_length = sum(self.lengths) / max(len(self.lengths), 1)
        df: Counter[str] = Counter()
        for doc in self.docs:
            df.update(doc.keys())
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.vocabulary = list(self.idf)

    def _repair(self, token: str) -> str | None:
        """Map a misspelt token to the closest indexed one (rapidfuzz), or None."""
        if token in self.idf:
            return token
        if len(token) < 5:
            return None
        match = process.extractOne(token, self.vocabulary, scorer=Levenshtein.normalized_similarity, score_cutoff=0.8)
        return match[0] if match else None

    def query_terms(self, question: str) -> list[str]:
        terms = [self._repair(t) for t in self.analyzer(question)]
        return [t for t in terms if t]

    def search(
        self, question: str, lang: str | None = None, limit: int = 5, extra_terms: Sequence[str] = ()
    ) -> list[Hit]:
        terms = self.query_terms(question) + list(extra_terms)
        if not terms:
            return []
        scores = []
        for clause, doc, length in zip(self.kb.clauses, self.docs, self.lengths, strict=True):
            score = 0.0
            for term in terms:
                tf = doc.get(term, 0)
                if tf:
                    score += self.idf[term] * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / self.avg_length))
            if score > 0:
                scores.append(Hit(clause, score))
        scores.sort(key=lambda h: (-h.score, h.clause.id))
        return scores[:limit]
