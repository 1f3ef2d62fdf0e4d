"""Which intent a visitor's question expresses: nearest phrasings of the paraphrase bank.

Each phrasing of knowledge/data/lang/<code>/paraphrases.yaml becomes a sparse TF-IDF vector of
Snowball stems (unigrams and bigrams, stopwords kept: "how long" and "who" carry the intent) plus
character 3-grams of the longer words (typos, missing accents, a language guessed wrong). A
question's score for an intent is its cosine with the intent's nearest phrasing, plus a share of the
second nearest (several phrasings agreeing beat one lucky overlap). Chosen by measurement against
a centroid per intent and BM25 over the clauses: ``python -m assistant eval-chat`` prints them on
held-out phrasing families; the one used blends nearest phrasings and centroids (IntentIndex).

Words the bank has never seen (another company's or app's name) weigh nothing, so "does groupon
keep my data" is scored as "does <someone> keep my data".
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import numpy as np
import snowballstemmer

from knowledge.search import STEMMER_NAMES
from knowledge.text import WORD, fold

CHAR_N = 3
CHAR_WEIGHT = 2.0  # measured on held-out families: 0.35 gave 0.22, 2.0 gives 0.33 (python -m assistant eval-chat)
SECOND_SHARE = 0.5  # weight of the second-nearest phrasing of the same intent
MIN_CHAR_WORD = 2
# Hybrid: KNN_SHARE x nearest phrasings + the rest x intent centroid. Held-out families: 0.3 -> 0.595,
# 0.5 -> 0.585, 0.7 -> 0.572; on corpus/chat_questions.yaml 0.5 keeps fact accuracy (0.901 vs 0.909) and
# declines fewer answerable questions (no-answer precision 0.955 vs 0.917), so 0.5.
KNN_SHARE = 0.5
TOP_ROWS = 64  # nearest rows kept before grouping by intent (the 2nd-nearest of an intent is among them)
RANK_DEPTH = 20  # intents read from each part of the hybrid before combining


@lru_cache(maxsize=16)
def _stemmer(lang: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(STEMMER_NAMES.get(lang, "spanish"))


@lru_cache(maxsize=100_000)
def _stem(lang: str, word: str) -> str:
    return fold(_stemmer(lang).stemWord(word))


def features(text: str, lang: str, synonyms: Mapping[str, str] | None = None) -> Counter[str]:
    """Sparse features of ``text``: stems, stem bigrams and weighted character 3-grams; ``synonyms``
    (folded word -> the word the bank uses, lang/<code>/chat.yaml) first, so "CV" meets "currículum".

    >>> sorted(f for f in features("How long?", "en") if not f.startswith("c:"))
    ['b:how_long', 's:how', 's:long']
    """
    words = [w for w in WORD.findall(fold(text).replace("'", " ")) if not w.isdigit() or len(w) < 5]
    if synonyms:
        words = [synonyms.get(w, w) for w in words]
    stems = [_stem(lang, w) for w in words]
    found: Counter[str] = Counter()
    for stem in stems:
        found["s:" + stem] += 1.0
    for a, b in pairwise(stems):
        found[f"b:{a}_{b}"] += 1.0
    for word in words:
        if len(word) >= MIN_CHAR_WORD:
            padded = f"<{word}>"
            for i in range(len(padded) - CHAR_N + 1):
                found["c:" + padded[i : i + CHAR_N]] += CHAR_WEIGHT
    return found


@dataclass(frozen=True)
class Phrasing:
    intent: str
    lang: str
    family: str  # "<intent>/<lang>/<n>": held out whole when measuring
    text: str


@dataclass(frozen=True)
class Ranked:
    intent: str
    score: float
    lang: str  # the language of the nearest phrasing


def bank_phrasings(languages: Iterable[tuple[str, dict[str, tuple[tuple[str, ...], ...]]]]) -> list[Phrasing]:
    """Flatten (code, {intent: families}) pairs into phrasings with their family ids."""
    rows = []
    for code, bank in languages:
        for intent, families in bank.items():
            for n, family in enumerate(families):
                rows.extend(Phrasing(intent, code, f"{intent}/{code}/{n}", text) for text in family)
    return rows


class _SparseIndex:
    """Sparse TF-IDF vectors of the bank's phrasings (or of their centroids), with an inverted index."""

    def __init__(
        self, phrasings: Sequence[Phrasing], method: str = "knn", synonyms: Mapping[str, Mapping[str, str]] = {}
    ) -> None:
        self.method = method
        self.synonyms = synonyms
        raw = [features(p.text, p.lang, synonyms.get(p.lang)) for p in phrasings]
        df: Counter[str] = Counter()
        for vector in raw:
            df.update(vector.keys())
        n = len(raw)
        self.idf = {f: math.log((n + 1) / (c + 0.5)) for f, c in df.items()}
        self.rows: list[Phrasing] = list(phrasings)
        lists: dict[str, list[tuple[int, float]]] = defaultdict(list)
        vectors = [self._weigh(v) for v in raw]
        if method == "centroid":
            vectors, self.rows = self._centroids(vectors, self.rows)
        for i, vector in enumerate(vectors):
            for feature, weight in vector.items():
                lists[feature].append((i, weight))
        # numpy arrays per feature: a question's scores are a few vector additions, not a Python loop
        self.postings = {
            f: (np.fromiter((i for i, _ in pairs), np.int32), np.fromiter((w for _, w in pairs), np.float64))
            for f, pairs in lists.items()
        }

    def _weigh(self, vector: Counter[str]) -> dict[str, float]:
        weighted = {f: (1 + math.log(c)) * self.idf.get(f, 0.0) for f, c in vector.items() if c > 0}
        norm = math.sqrt(sum(w * w for w in weighted.values())) or 1.0
        return {f: w / norm for f, w in weighted.items() if w > 0}

    @staticmethod
    def _centroids(
        vectors: list[dict[str, float]], rows: list[Phrasing]
    ) -> tuple[list[dict[str, float]], list[Phrasing]]:
        sums: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        for vector, row in zip(vectors, rows, strict=True):
            sums[(row.intent, row.lang)].update(vector)
        out_vectors, out_rows = [], []
        for (intent, lang), total in sums.items():
            norm = math.sqrt(sum(w * w for w in total.values())) or 1.0
            out_vectors.append({f: w / norm for f, w in total.items()})
            out_rows.append(Phrasing(intent, lang, f"{intent}/{lang}", ""))
        return out_vectors, out_rows

    def rank(self, question: str, lang: str, limit: int = 5, found: Counter[str] | None = None) -> list[Ranked]:
        """Intents by score, best first; empty when the question shares nothing with the bank.
        ``found``: the question's features when the caller has them already."""
        found = features(question, lang, self.synonyms.get(lang)) if found is None else found
        query = self._weigh(Counter({f: c for f, c in found.items() if f in self.idf}))
        sims = np.zeros(len(self.rows))
        for feature, weight in query.items():
            rows, weights = self.postings[feature]
            sims[rows] += weight * weights
        candidates = np.flatnonzero(sims)
        if len(candidates) > TOP_ROWS:
            candidates = candidates[np.argpartition(-sims[candidates], TOP_ROWS)[:TOP_ROWS]]
        best: dict[str, list[tuple[float, str]]] = defaultdict(list)
        for i in candidates.tolist():
            best[self.rows[i].intent].append((float(sims[i]), self.rows[i].lang))
        ranked = []
        for intent, scored in best.items():
            scored.sort(reverse=True)
            score = scored[0][0] + (SECOND_SHARE * scored[1][0] if len(scored) > 1 and self.method == "knn" else 0)
            ranked.append(Ranked(intent, score, scored[0][1]))
        ranked.sort(key=lambda r: (-r.score, r.intent))
        return ranked[:limit]


class IntentIndex:
    """The recogniser: ``method`` "knn" (nearest phrasings), "centroid" (one vector per intent and
    language) or "hybrid" (KNN_SHARE of the first plus the rest of the second, the best on held-out
    families: knn 0.557, centroid 0.579, hybrid 0.585 on 2,151 phrasings)."""

    def __init__(
        self,
        phrasings: Sequence[Phrasing],
        method: str = "hybrid",
        synonyms: Mapping[str, Mapping[str, str]] = {},
        requires: Mapping[str, tuple[str, ...]] = {},
    ) -> None:
        self.method = method
        self.synonyms = synonyms
        self.requires = {intent: cues for intent, cues in requires.items() if cues}
        parts = ("knn", "centroid") if method == "hybrid" else (method,)
        self.indexes = {m: _SparseIndex(phrasings, m, synonyms) for m in parts}

    def rank(self, question: str, lang: str, limit: int = 5) -> list[Ranked]:
        """Intents by score, best first; empty when the question shares nothing with the bank. An
        intent whose ``requires`` words are all missing from the question is left out."""
        ranked = self._rank(question, lang, limit + len(self.requires))
        if self.requires:
            words = WORD.findall(fold(question).replace("'", " "))
            ranked = [r for r in ranked if self._named(r.intent, words)]
        return ranked[:limit]

    def _named(self, intent: str, words: list[str]) -> bool:
        cues = self.requires.get(intent)
        # "qu=" is the whole word "qu" (French "qu'est-ce"); other cues are word beginnings
        return not cues or any(w == c[:-1] if c.endswith("=") else w.startswith(c) for w in words for c in cues)

    def _rank(self, question: str, lang: str, limit: int) -> list[Ranked]:
        if self.method != "hybrid":
            return self.indexes[self.method].rank(question, lang, limit)
        scores: dict[str, float] = defaultdict(float)
        langs: dict[str, str] = {}
        found = features(question, lang, self.synonyms.get(lang))
        for method, share in (("knn", KNN_SHARE), ("centroid", 1 - KNN_SHARE)):
            for r in self.indexes[method].rank(question, lang, limit=RANK_DEPTH, found=found):
                scores[r.intent] += share * r.score
                langs.setdefault(r.intent, r.lang)
        ranked = [Ranked(i, s, langs[i]) for i, s in scores.items()]
        ranked.sort(key=lambda r: (-r.score, r.intent))
        return ranked[:limit]
