"""Find right-invoking phrases with their offsets, negation and strength.

Patterns come from knowledge/data/lexicon.yaml. Matching is on folded words (no case, no
accents); a word that matches nothing is repaired to the closest lexicon word when rapidfuzz
finds one within a small edit distance ("suprimir" for "suprmir"), so typos still count.

Strength is the linguistic point of design.md's hard cases: a *request* phrase asks
("borrad mi cuenta"); a *right* name only asks when a request verb stands before it in the
same sentence ("solicito el derecho de supresión"), otherwise it is a mention (weak).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from knowledge.base import Lexicon, SentenceAct
from knowledge.text import fold, words

GAP = 4  # words a `~` may skip ("delete all of my personal data")
NEGATION_WINDOW = 5  # words before a match where a negator negates it
VERB_WINDOW = 14  # words before a right name where a request verb makes it a request
# A comma or a colon ends a clause ("no he pedido nada: borrad mis datos"); the others end a sentence
# too. A full stop before a lower-case word or a digit is an abbreviation ("art. 15", "p. ej."), and a
# line break before one is a wrapped line of a letter.
# A full stop after a lone digit is a list marker ("1. El tratamiento"); a line break after a colon
# opens the list that the sentence announces ("me opongo a:\n1. ...").
GRIEVANCE_REACH = 3  # sentences after a recalled request where "still nothing" makes it a grievance
CLAUSE_END = re.compile(r"[,:]|[!?;]|(?<!\b\d)\.(?!\s*[a-zß-ÿ0-9(])|(?<![:\n])\n(?!\s*[a-zß-ÿ])")


@dataclass(frozen=True)
class Element:
    """One slot of a pattern: alternatives, each a literal word or a prefix."""

    literals: frozenset[str]
    prefixes: tuple[str, ...]
    gap_before: int

    def accepts(self, word: str) -> bool:
        return word in self.literals or word.startswith(self.prefixes)


@dataclass(frozen=True)
class Pattern:
    label: str
    kind: str  # "request" | "right"
    text: str
    elements: tuple[Element, ...]
    has_negator: bool


@dataclass(frozen=True)
class Match:
    """Evidence: which label, how strong, where, and whether it was negated."""

    label: str
    kind: str  # "request" | "right" | "article" | "question"
    strength: str  # "strong" | "weak"
    start: int
    end: int
    phrase: str
    pattern: str
    negated: bool = False
    specialised_from: str | None = None  # the broader label this evidence was read away from
    mention: bool = False  # its sentence states a condition, recalls a request or lists the law: not asked


@dataclass(frozen=True)
class Token:
    word: str
    start: int
    end: int
    sentence: int
    clause: int  # negation does not cross a comma: "si no contestan, presentaré..."


def compile_element(options: Iterable[str], gap_before: int = 0) -> Element:
    """A slot taking any of ``options``; ``word*`` takes every word that starts with ``word``."""
    folded = [fold(o) for o in options if o]
    literals = frozenset(o for o in folded if not o.endswith("*"))
    return Element(literals, tuple(o[:-1] for o in folded if o.endswith("*")), gap_before)


def compile_pattern(
    label: str, kind: str, text: str, negators: frozenset[str], classes: Mapping[str, Sequence[str]] | None = None
) -> Pattern:
    """``classes``: the lexicon's word classes; a slot option ``@name`` takes any word of class ``name``."""
    elements: list[Element] = []
    gap = 0
    for raw in text.split():
        if raw == "~":
            gap += GAP  # "~ ~": twice as far
            continue
        options = [w for o in raw.split("|") for w in ((classes or {})[o[1:]] if o.startswith("@") else (o,))]
        elements.append(compile_element(options, gap))
        gap = 0
    has_negator = any(e.literals & negators for e in elements)
    return Pattern(label, kind, text, tuple(elements), has_negator)


class LexiconMatcher:
    """Compiled lexicon; ``find(text)`` returns the evidence in one pass over the words."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.patterns: list[Pattern] = []
        for label, entry in lexicon.labels.items():
            for kind, texts in (("request", entry.request), ("right", entry.right)):
                self.patterns.extend(compile_pattern(label, kind, t, lexicon.negators, lexicon.classes) for t in texts)
        self.acts: dict[str, SentenceAct] = {act.name: act for act in lexicon.acts}
        for act in lexicon.acts:
            self.patterns.extend(
                compile_pattern(act.name, "act", t, lexicon.negators, lexicon.classes) for t in act.patterns
            )
        self.act_words = [(act, compile_element(act.words)) for act in lexicon.acts if act.words]
        self.grievances = {
            act.name: (act.grievance[0], compile_element(act.grievance[1])) for act in lexicon.acts if act.grievance
        }
        self.by_literal: dict[str, list[Pattern]] = defaultdict(list)
        self.by_prefix: dict[str, list[tuple[str, Pattern]]] = defaultdict(list)
        literals: set[str] = set()
        prefixes: set[str] = set()
        for pattern in self.patterns:
            first = pattern.elements[0]
            for literal in first.literals:
                self.by_literal[literal].append(pattern)
            for prefix in first.prefixes:
                self.by_prefix[prefix[:3]].append((prefix, pattern))
            for element in pattern.elements:
                literals.update(element.literals)
                prefixes.update(element.prefixes)
        self.topics = {label: compile_element(entry.topic) for label, entry in lexicon.labels.items() if entry.topic}
        self.specialisations: dict[str, list[tuple[str, Element]]] = defaultdict(list)
        for label, entry in lexicon.labels.items():
            if entry.specialises:
                broader, cue_words = entry.specialises
                self.specialisations[broader].append((label, compile_element(cue_words)))
        cue_elements = [*self.topics.values(), *(c for pairs in self.specialisations.values() for _, c in pairs)]
        act_elements = [*(e for _, e in self.act_words), *(e for _, e in self.grievances.values())]
        for element in [*cue_elements, *act_elements]:
            literals.update(element.literals)  # so a typo'd topic or cue word is repaired too
            prefixes.update(element.prefixes)
        self.request_verbs = compile_element(lexicon.request_verbs)
        self.hedges = compile_element(lexicon.hedges)
        self.literals = frozenset(literals)
        self.prefixes = frozenset(prefixes)
        self.prefix_lengths = sorted({len(p) for p in prefixes})
        # Repair targets: long words and prefixes, by initial and length (a typo rarely hits the first letter).
        self.literals_by_initial: dict[str, list[str]] = defaultdict(list)
        for word in sorted(w for w in literals if len(w) >= 5):
            self.literals_by_initial[word[0]].append(word)
        self.prefixes_by_key: dict[tuple[str, int], list[str]] = defaultdict(list)
        for prefix in sorted(p for p in prefixes if len(p) >= 5):
            self.prefixes_by_key[(prefix[0], len(prefix))].append(prefix)
        self.article_labels = {a: label for label, e in lexicon.labels.items() for a in e.articles}
        citations = "|".join(re.escape(fold(c)) for c in lexicon.gdpr_citations)
        self.article_re = re.compile(
            r"\b(?:art(?:iculo|icle|ikel|igo|icolo|\.)?s?|arts?\.?)\s*(\d{1,2})(?:[.(]\s*\d)?", re.IGNORECASE
        )
        self.citation_re = re.compile(rf"(?:{citations})")
        self.real_words = lexicon.real_words
        self._repair = lru_cache(maxsize=50_000)(self._repair_uncached)

    # -- words ----------------------------------------------------------------------------

    def accepts(self, word: str) -> bool:
        """Does any pattern slot take this word as it is?"""
        return word in self.literals or any(word[:n] in self.prefixes for n in self.prefix_lengths if n <= len(word))

    def _repair_uncached(self, word: str) -> str:
        """The lexicon word or prefix one typo away (Damerau-Levenshtein), else the word itself. An
        ordinary word is no typo: repairing "writing" to "waiting" or "madame" to "mandame" invents evidence."""
        if word in self.real_words:
            return word
        return self.repair_ignoring_real_words(word)

    def repair_ignoring_real_words(self, word: str) -> str:
        """The repair alone (scripts/real_words.py asks it which common words it would change)."""
        if len(word) < 5 or self.accepts(word):
            return word
        limit = 1 if len(word) < 9 else 2
        choices = self.literals_by_initial.get(word[0], ())
        if len(word) == 5:  # five letters: only a dropped letter ("delte") or a swap ("dtaos"), never "dates"
            choices = [c for c in choices if len(c) > 5 or (len(c) == 5 and sorted(c) == sorted(word))]
        literal = process.extractOne(word, choices, scorer=DamerauLevenshtein.distance, score_cutoff=limit)
        if literal:
            return literal[0]
        for length in self.prefix_lengths:
            # A prefix is a word's head: repairing a short one, or one whose letter was dropped, turns
            # ordinary words into lexicon words ("objet" -> "objec*", "permettra" -> "perime*").
            if length < 6 or length > len(word):
                continue
            candidates = self.prefixes_by_key.get((word[0], length), ())
            prefix = process.extractOne(word[:length], candidates, scorer=DamerauLevenshtein.distance, score_cutoff=1)
            if prefix:
                return prefix[0]
        return word

    def tokens(self, text: str) -> list[Token]:
        boundaries = [(m.start(), m.group() not in (",", ":")) for m in CLAUSE_END.finditer(text)]
        tokens, sentence, clause, cursor = [], 0, 0, 0
        for word, start, end in words(text):
            while cursor < len(boundaries) and boundaries[cursor][0] < start:
                clause += 1
                sentence += boundaries[cursor][1]
                cursor += 1
            tokens.append(Token(self._repair(word), start, end, sentence, clause))
        return tokens

    # -- matching -------------------------------------------------------------------------

    def _candidates(self, word: str) -> list[Pattern]:
        found = list(self.by_literal.get(word, ()))
        for prefix, pattern in self.by_prefix.get(word[:3], ()):
            if word.startswith(prefix):
                found.append(pattern)
        return found

    @staticmethod
    def _match_from(pattern: Pattern, tokens: Sequence[Token], i: int) -> int | None:
        """Index of the last token of a match starting at ``i`` (same sentence), or None."""
        position = i
        sentence = tokens[i].sentence
        for element in pattern.elements[1:]:
            for step in range(1, element.gap_before + 2):
                j = position + step
                if j >= len(tokens) or tokens[j].sentence != sentence:
                    return None
                if element.accepts(tokens[j].word):
                    position = j
                    break
            else:
                return None
        return position

    @staticmethod
    def _before(tokens: Sequence[Token], i: int, window: int, unit: str) -> Iterator[int]:
        """Indices of up to ``window`` tokens before ``i`` in the same clause or sentence, nearest first."""
        key = getattr(tokens[i], unit)
        for j in range(i - 1, max(-1, i - window - 1), -1):
            if getattr(tokens[j], unit) != key:
                return
            yield j

    def _negated(self, tokens: Sequence[Token], i: int, end: int | None = None) -> bool:
        """A negator before the phrase, or inside it ("diese Daten nicht löschen"), negates it."""
        for j in [*self._before(tokens, i, NEGATION_WINDOW, "clause"), *range(i + 1, (end or i) + 1)]:
            if tokens[j].word in self.lexicon.negators:
                follower = tokens[j + 1].word if j + 1 < len(tokens) else ""
                return follower not in self.lexicon.cessation  # "ya no quiero": stopping is asking
        return False

    def _hedged(self, tokens: Sequence[Token], i: int) -> bool:
        """A reservation or condition earlier in the sentence ("me reservo el derecho a...")."""
        return any(self.hedges.accepts(tokens[j].word) for j in self._before(tokens, i, VERB_WINDOW, "sentence"))

    def _names_a_right(self, tokens: Sequence[Token], i: int, end: int) -> bool:
        """A right word just before the phrase or in it: "the right to withdraw consent", "droit de
        s'opposer", "based on consent, my right to withdraw it"."""
        span = [*self._before(tokens, i, 3, "clause"), *range(i + 1, end)]
        return any(tokens[j].word in self.lexicon.right_words for j in span)

    def _has_request_verb(self, tokens: Sequence[Token], i: int) -> bool:
        sentence = tokens[i].sentence
        for j in self._before(tokens, i, VERB_WINDOW, "sentence"):
            word = tokens[j].word
            if self.request_verbs.accepts(word) and word not in self.lexicon.request_nouns:
                before = {t.word for t in tokens[max(0, j - 3) : j] if t.sentence == sentence}
                if before & self.lexicon.right_words:  # "the right to request ...": a mention
                    continue
                previous = tokens[j - 1].word if j > 0 and tokens[j - 1].sentence == sentence else ""
                if previous in self.lexicon.request_noun_markers or word in self.lexicon.earlier_request_verbs:
                    continue  # "mi solicitud de supresión", "I asked for erasure": not asked now
                return True
        return False

    def find(self, text: str, *, is_subject: bool = False, tokens: Sequence[Token] | None = None) -> list[Match]:
        """All evidence in ``text``; a right named in a subject line counts as a request.
        ``tokens``: ``self.tokens(text)`` when the caller already has them."""
        tokens = self.tokens(text) if tokens is None else tokens
        matches: list[Match] = []
        acts: dict[tuple[str, int], set[str]] = defaultdict(set)  # sentence or clause -> labels only mentioned there
        act_spans: dict[str, tuple[int, int, int]] = {}  # act -> where it was first performed (start, end, sentence)
        for i, token in enumerate(tokens):
            for pattern in self._candidates(token.word):
                end = self._match_from(pattern, tokens, i)
                if end is None:
                    continue
                if pattern.kind == "act":
                    act = self.acts[pattern.label]
                    acts[_act_scope(act, token)] |= act.weakens
                    act_spans.setdefault(pattern.label, (token.start, tokens[end].end, token.sentence))
                    continue
                start_char, end_char = token.start, tokens[end].end
                negated = not pattern.has_negator and self._negated(tokens, i, end)
                if pattern.kind == "request":
                    named = self._names_a_right(tokens, i, end)  # "you have the right to withdraw consent"
                    strength = "weak" if named or self._hedged(tokens, i) else "strong"
                else:
                    requested = is_subject or self._has_request_verb(tokens, i)
                    strength = "strong" if requested and not self._hedged(tokens, i) else "weak"
                label = self._specialised(pattern.label, tokens, token.sentence)
                matches.append(
                    Match(
                        label,
                        pattern.kind,
                        strength,
                        start_char,
                        end_char,
                        text[start_char:end_char],
                        pattern.text,
                        negated,
                        pattern.label if label != pattern.label else None,
                    )
                )
        matches.extend(self._articles(text, tokens))
        for act, element in self.act_words:
            for token in tokens:
                if element.accepts(token.word):
                    acts[_act_scope(act, token)] |= act.weakens
        if acts:
            matches = self._weaken_by_act(matches, tokens, acts)
        matches.extend(self._grievances(text, tokens, act_spans))
        matches.extend(self._questions(text, tokens))
        return _dedupe(matches)

    def _questions(self, text: str, tokens: Sequence[Token]) -> list[Match]:
        """A question about personal data ("¿comparten mis datos con otras empresas?") is evidence of
        `information` (design.md: a question about the policy or the processing, no right exercised)."""
        topic = self.topics.get("information")
        if topic is None or "?" not in text:
            return []
        starts = [t.start for t in tokens]
        found, seen = [], set()
        for mark in re.finditer(r"\?", text):
            index = bisect_left(starts, mark.start()) - 1
            if index < 0 or tokens[index].sentence in seen:
                continue
            sentence = tokens[index].sentence
            seen.add(sentence)
            words = [t for t in tokens[: index + 1] if t.sentence == sentence]
            if any(topic.accepts(t.word) for t in words):
                start, end = words[0].start, mark.end()
                found.append(Match("information", "question", "strong", start, end, text[start:end], "?"))
        return found

    def _grievances(
        self, text: str, tokens: Sequence[Token], act_spans: dict[str, tuple[int, int, int]]
    ) -> list[Match]:
        """An act with one of its grievance words close by: "I asked you in March. Still nothing"."""
        found = []
        for name, (start, end, sentence) in act_spans.items():
            if name not in self.grievances:
                continue
            label, element = self.grievances[name]
            near = (t for t in tokens if sentence - 1 <= t.sentence <= sentence + GRIEVANCE_REACH)
            cue = next((t for t in near if element.accepts(t.word)), None)
            if cue is not None:
                pattern = f"{name} + {cue.word}"
                found.append(Match(label, "request", "strong", start, end, text[start:end], pattern))
        return found

    @staticmethod
    def _weaken_by_act(
        matches: list[Match], tokens: Sequence[Token], acts: dict[tuple[str, int], set[str]]
    ) -> list[Match]:
        """A right named in a sentence that states a condition, recalls an earlier request or lists
        what the law entitles to is mentioned there, not exercised (design.md, hard cases)."""
        starts = [t.start for t in tokens]
        out = []
        for m in matches:
            token = tokens[min(bisect_left(starts, m.start), len(tokens) - 1)]
            mentioned = acts.get(("sentence", token.sentence), set()) | acts.get(("clause", token.clause), set())
            if m.label in mentioned:
                m = replace(m, strength="weak", mention=True)
            out.append(m)
        return out

    def _specialised(self, label: str, tokens: Sequence[Token], sentence: int) -> str:
        """The narrower label when the sentence holds one of its cue words, else ``label``."""
        for narrower, cues in self.specialisations.get(label, ()):
            if any(t.sentence == sentence and cues.accepts(t.word) for t in tokens):
                return narrower
        return label

    def off_topic(self, *token_lists: Sequence[Token]) -> frozenset[str]:
        """Labels with a `topic` none of whose words occurs in the tokens: their phrases are weak here."""
        seen = {t.word for tokens in token_lists for t in tokens}
        return frozenset(label for label, topic in self.topics.items() if not any(map(topic.accepts, seen)))

    def _articles(self, text: str, tokens: Sequence[Token]) -> list[Match]:
        folded = fold(text)
        found = []
        starts = [t.start for t in tokens]
        for m in self.article_re.finditer(folded):
            label = self.article_labels.get(m.group(1))
            if not label:
                continue
            window = folded[max(0, m.start() - 60) : m.end() + 60]
            if not self.citation_re.search(window):
                continue
            index = bisect_left(starts, m.start())
            strong = index < len(tokens) and self._has_request_verb(tokens, index)
            found.append(
                Match(
                    label,
                    "article",
                    "strong" if strong else "weak",
                    m.start(),
                    m.end(),
                    text[m.start() : m.end()],
                    "article " + m.group(1),
                )
            )
        return found


def _act_scope(act: SentenceAct, token: Token) -> tuple[str, int]:
    """Where an act holds: its sentence, or only its clause ("no he pedido nada: borrad mis datos")."""
    return ("clause", token.clause) if act.scope == "clause" else ("sentence", token.sentence)


def _dedupe(matches: list[Match]) -> list[Match]:
    """One match per (label, span start): the longest, strongest wins."""
    best: dict[tuple[str, int], Match] = {}
    for m in matches:
        key = (m.label, m.start)
        current = best.get(key)
        if current is None or (m.strength == "strong", m.end - m.start) > (
            current.strength == "strong",
            current.end - current.start,
        ):
            best[key] = m
    return sorted(best.values(), key=lambda m: (m.start, m.label))
