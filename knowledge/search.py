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
from functools import cache, lru_cache

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from .base import LANGUAGES, Clause, KnowledgeBase, Rule
from .text import fold

Analyzer = Callable[[str, str], list[str]]
BM25_K1 = 1.2
BM25_B = 0.5  # softer length normalisation than the usual 0.75: short banner clauses were winning on length alone
RULE_WEIGHT = 0.6  # the policy answers first; the GDPR rules complement it

# Words that carry no retrieval signal in our three languages (short, hand-written list).
STOPWORDS = frozenset(
    """
    tiene tienen tengo tener teneis hay puede pueden puedo ai avez avons avoir peut peux pouvez have has had
    quien quienes cuando desde donde cual cuales pasa hace hacen hacer otros otras otro otra ser soy son puedo
    quiero quiera mandan usted ustedes vosotros algo
    qui quand comment ou pourquoi sont elle elles il ils puis tout toute faire faut fait est ce cela vous nous
    who when where how what which why need needs make much many about use get got does did there any it its
    is are be been was were am an the so do you rely
    can could would should must que quel quelle quels quelles algun alguna alguno algunos any some quelque
    a al algo como con de del el en es esta este ha hay la las le les lo los mas me mi mis muy no o os para
    pero por que se si sin sobre su sus te tu un una uno y ya yo usted ustedes vuestra vuestro nuestra nuestro
    au aux ce ces cet cette d dans des du elle en est et il je l la le les leur leurs lui ma mais me mes moi
    mon ne nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous y
    an and are as at be by can do does for from has have how i if in is it its me my of on or our so that the
    their them they this to was we what when where which who why will with you your
    """.split()  # noqa: SIM905
)
STEMMER_NAMES = {
    "es": "spanish",
    "fr": "french",
    "en": "english",
    "ca": "catalan",
    "pt": "portuguese",
    "it": "italian",
    "de": "german",
    "nl": "dutch",
}


@cache
def _stemmer(lang: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(STEMMER_NAMES.get(lang, "spanish"))


@lru_cache(maxsize=200_000)
def _stem(lang: str, word: str) -> str:
    return fold(_stemmer(lang).stemWord(word))


def default_analyzer(text: str, lang: str = "es") -> list[str]:
    """Words of ``text`` as Snowball stems of ``lang``, accents folded, stopwords dropped.

    >>> default_analyzer("¿Cómo retiro mi consentimiento?", "es")
    ['retir', 'consent']
    """
    tokens = [t for t in re.findall(r"[^\W_]+", text.lower()) if len(t) > 1]
    return [_stem(lang, t) for t in tokens if fold(t) not in STOPWORDS]


@dataclass(frozen=True)
class Hit:
    entry: Clause | Rule
    score: float


class ClauseIndex:
    """BM25 (k1=1.2, b=0.5) over the clauses (title, text, keywords, topics) and the GDPR rules
    (title, text), in fr, es and en."""

    def __init__(self, kb: KnowledgeBase, analyzer: Analyzer = default_analyzer) -> None:
        self.kb = kb
        self.analyzer = analyzer
        self.entries: list[Clause | Rule] = [*kb.clauses, *kb.rules]
        self.docs: list[Counter[str]] = []
        for entry in self.entries:
            terms: list[str] = []
            for lang in LANGUAGES:
                parts = [entry.title_in(lang)] * 2 + [entry.text_in(lang)] + list(entry.keywords.get(lang, ())) * 2
                terms += analyzer(" ".join(parts), lang)
            if isinstance(entry, Clause):
                terms += analyzer(" ".join(t.replace("_", " ") for t in entry.topics), "en") * 2
            self.docs.append(Counter(terms))
        self.lengths = [sum(d.values()) for d in self.docs]
        self.avg_length = sum(self.lengths) / max(len(self.lengths), 1)
        df: Counter[str] = Counter()
        for doc in self.docs:
            df.update(doc.keys())
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.vocabulary = list(self.idf)

    def _repair(self, token: str) -> str | None:
        """Map a misspelt stem to the indexed one a typo away (Damerau-Levenshtein), or None."""
        if token in self.idf:
            return token
        if len(token) < 5:
            return None
        limit = 1 if len(token) < 8 else 2
        match = process.extractOne(token, self.vocabulary, scorer=DamerauLevenshtein.distance, score_cutoff=limit)
        return match[0] if match else None

    def query_terms(self, question: str, lang: str = "es") -> list[str]:
        terms = [self._repair(t) for t in self.analyzer(question, lang)]
        return [t for t in terms if t]

    def coverage(self, hit: Hit, terms: Sequence[str]) -> float:
        """Share of the query's weight (idf) that the hit's entry contains: a low share means the
        entry only shares a word or two with a question about something else. ``terms`` are raw
        analysed terms: one the index has never seen weighs as much as the rarest indexed term."""
        doc = self.docs[self.entries.index(hit.entry)]
        unknown_weight = max(self.idf.values())
        weights = {t: self.idf.get(self._repair(t) or "", unknown_weight) for t in terms}
        total = sum(weights.values())
        matched = sum(w for t, w in weights.items() if (self._repair(t) or "") in doc)
        return matched / total if total else 0.0

    def search(
        self, question: str, lang: str | None = None, limit: int = 5, extra_terms: Sequence[str] = ()
    ) -> list[Hit]:
        """The best entries for ``question`` (stemmed as ``lang``, Spanish by default)."""
        terms = self.query_terms(question, lang or "es") + list(extra_terms)
        if not terms:
            return []
        scores = []
        for entry, doc, length in zip(self.entries, self.docs, self.lengths, strict=True):
            score = 0.0
            for term in terms:
                tf = doc.get(term, 0)
                if tf:
                    norm = 1 - BM25_B + BM25_B * length / self.avg_length
                    score += self.idf[term] * tf * (BM25_K1 + 1) / (tf + BM25_K1 * norm)
            if score > 0:
                scores.append(Hit(entry, score * (RULE_WEIGHT if isinstance(entry, Rule) else 1.0)))
        scores.sort(key=lambda h: (-h.score, h.entry.id))
        return scores[:limit]
