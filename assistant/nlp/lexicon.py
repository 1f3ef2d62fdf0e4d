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
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from itertools import accumulate, compress
from operator import itemgetter
from typing import NamedTuple

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from knowledge.base import Lexicon, SentenceAct
from knowledge.text import WORD, fold

WORD_CACHE = 20_000  # distinct words remembered per lookup (the whole corpus has ~13,000)
NO_SLOTS: frozenset[int] = frozenset()
GAP = 4  # words a `~` may skip ("delete all of my personal data")
NEGATION_WINDOW = 5  # words before a match where a negator negates it
VERB_WINDOW = 14  # words before a right name where a request verb makes it a request
# A comma or a colon ends a clause ("no he pedido nada: borrad mis datos"); the others end a sentence
# too. A full stop before a lower-case word or a digit is an abbreviation ("art. 15", "p. ej."), and a
# line break before one is a wrapped line of a letter.
# A full stop after a lone digit is a list marker ("1. El tratamiento"); a line break after a colon
# opens the list that the sentence announces ("me opongo a:\n1. ...").
GRIEVANCE_REACH = 3  # sentences after a recalled request where "still nothing" makes it a grievance
WORD_SPLIT = re.compile(f"({WORD.pattern})", WORD.flags)  # knowledge.text.words, as separators and words
# Each branch begins with its character (the look-behinds come after it), so that the regex engine
# skips straight to the candidates: with a look-behind first it tried every position of a long letter.
CLAUSE_END = re.compile(r"[,:]|[!?;]|\.(?<!\b\d\.)(?!\s*[a-zß-ÿ0-9(])|\n(?<![:\n]\n)(?!\s*[a-zß-ÿ])")


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


class Token(NamedTuple):
    """A tuple, not a dataclass: a long letter has thousands, and a tuple is built several times faster."""

    word: str
    start: int
    end: int
    sentence: int
    clause: int  # negation does not cross a comma: "si no contestan, presentaré..."


_make_token = partial(tuple.__new__, Token)  # Token(*fields) without a Python-level call per word


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

    def __init__(self, lexicon: Lexicon, *, indexed: bool = True) -> None:
        """``indexed=False``: try every candidate pattern, as the matcher first did; the regression
        test compares the two on the corpus, so the sentence index can never change a result."""
        self.lexicon = lexicon
        self.indexed = indexed
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
        # Candidates by their first slot, as pattern indices in lexicon order (the order matches are found in).
        self.by_literal: dict[str, list[int]] = defaultdict(list)
        self.by_prefix: dict[str, list[tuple[str, int]]] = defaultdict(list)
        literals: set[str] = set()
        prefixes: set[str] = set()
        for index, pattern in enumerate(self.patterns):
            first = pattern.elements[0]
            for literal in first.literals:
                self.by_literal[literal].append(index)
            for prefix in first.prefixes:
                self.by_prefix[prefix[:3]].append((prefix, index))
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
        # Per-word caches beside _repair's: most words have none of these, and share one empty value.
        self._candidates = lru_cache(maxsize=WORD_CACHE)(self._candidates_uncached)
        self._fold = lru_cache(maxsize=4)(fold)  # tokens() and _articles() fold the same text
        self._acts_of = lru_cache(maxsize=WORD_CACHE)(self._acts_of_uncached)
        self.slots = SlotIndex(self.patterns)

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
        """The words of ``text`` (knowledge.text.words, repaired), each with its sentence and clause: the
        number of sentence and clause ends before it. Built in whole-list passes: a long letter has
        thousands of words, and a loop over them in Python cost more than the matching."""
        clause_ends, sentence_ends = [], []
        for m in CLAUSE_END.finditer(text):
            clause_ends.append(m.start())
            if m.group() not in (",", ":"):
                sentence_ends.append(m.start())
        parts = WORD_SPLIT.split(self._fold(text))  # separator, word, separator, word, ..., separator
        offsets = list(accumulate(map(len, parts)))
        starts = offsets[0:-1:2]
        fields = zip(
            map(self._repair, parts[1::2]),
            starts,
            offsets[1::2],
            map(partial(bisect_left, sentence_ends), starts),
            map(partial(bisect_left, clause_ends), starts),
            strict=True,
        )
        return list(map(_make_token, fields))

    # -- matching -------------------------------------------------------------------------

    def _candidates_uncached(self, word: str) -> tuple[int, ...]:
        """Patterns whose first slot takes ``word``: by literal, then by prefix (a pattern may come twice)."""
        found = list(self.by_literal.get(word, ()))
        for prefix, index in self.by_prefix.get(word[:3], ()):
            if word.startswith(prefix):
                found.append(index)
        return tuple(found) if found else ()

    def _acts_of_uncached(self, word: str) -> tuple[SentenceAct, ...]:
        """The acts one of whose `words` is ``word`` ("if", "already"), in lexicon order."""
        return tuple(act for act, element in self.act_words if element.accepts(word))

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
        sentences = Sentences(tokens)
        found = list(map(self._candidates, sentences.words))
        for i, allowed in self._starts(sentences, found):
            token = tokens[i]
            for index in found[i] if allowed is None else [c for c in found[i] if c in allowed]:
                pattern = self.patterns[index]
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
                label = self._specialised(pattern.label, sentences.words_of(token.sentence))
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
        matches.extend(self._articles(text, tokens, sentences.starts))
        acts_of = list(map(self._acts_of, sentences.words))
        for i in compress(range(len(tokens)), acts_of):
            for act in acts_of[i]:
                acts[_act_scope(act, tokens[i])] |= act.weakens
        if acts:
            matches = self._weaken_by_act(matches, tokens, sentences.starts, acts)
        matches.extend(self._grievances(text, tokens, act_spans, sentences))
        matches.extend(self._questions(text, tokens, sentences))
        return _dedupe(matches)

    def _starts(
        self, sentences: Sentences, found: list[tuple[int, ...]]
    ) -> Iterator[tuple[int, frozenset[int] | None]]:
        """(token index, the patterns possible in its sentence) for each token that begins a candidate,
        in text order; indexed, only in the sentences where some pattern is possible at all."""
        if not self.indexed:
            yield from ((i, None) for i in compress(range(len(found)), found))
            return
        for sentence, allowed in self.slots.possible(sentences).items():
            if allowed:
                first, last = sentences.span(sentence)
                yield from ((i, allowed) for i in compress(range(first, last), found[first:last]))

    def _questions(self, text: str, tokens: Sequence[Token], sentences: Sentences) -> list[Match]:
        """A question about personal data ("¿comparten mis datos con otras empresas?") is evidence of
        `information` (design.md: a question about the policy or the processing, no right exercised)."""
        topic = self.topics.get("information")
        if topic is None or "?" not in text:
            return []
        starts = sentences.starts
        found, seen = [], set()
        for mark in re.finditer(r"\?", text):
            index = bisect_left(starts, mark.start()) - 1
            if index < 0 or tokens[index].sentence in seen:
                continue
            sentence = tokens[index].sentence
            seen.add(sentence)
            words = tokens[sentences.span(sentence)[0] : index + 1]  # the sentence up to the mark
            if any(topic.accepts(t.word) for t in words):
                start, end = words[0].start, mark.end()
                found.append(Match("information", "question", "strong", start, end, text[start:end], "?"))
        return found

    def _grievances(
        self, text: str, tokens: Sequence[Token], act_spans: dict[str, tuple[int, int, int]], sentences: Sentences
    ) -> list[Match]:
        """An act with one of its grievance words close by: "I asked you in March. Still nothing"."""
        found = []
        for name, (start, end, sentence) in act_spans.items():
            if name not in self.grievances:
                continue
            label, element = self.grievances[name]
            first, last = sentences.between(sentence - 1, sentence + GRIEVANCE_REACH)
            cue = next((t for t in tokens[first:last] if element.accepts(t.word)), None)
            if cue is not None:
                pattern = f"{name} + {cue.word}"
                found.append(Match(label, "request", "strong", start, end, text[start:end], pattern))
        return found

    @staticmethod
    def _weaken_by_act(
        matches: list[Match], tokens: Sequence[Token], starts: Sequence[int], acts: dict[tuple[str, int], set[str]]
    ) -> list[Match]:
        """A right named in a sentence that states a condition, recalls an earlier request or lists
        what the law entitles to is mentioned there, not exercised (design.md, hard cases). ``starts``:
        the tokens' start offsets (Sentences.starts)."""
        out = []
        for m in matches:
            token = tokens[min(bisect_left(starts, m.start), len(tokens) - 1)]
            mentioned = acts.get(("sentence", token.sentence), set()) | acts.get(("clause", token.clause), set())
            if m.label in mentioned:
                m = replace(m, strength="weak", mention=True)
            out.append(m)
        return out

    def _specialised(self, label: str, sentence: Sequence[str]) -> str:
        """The narrower label when the sentence (its words) holds one of its cue words, else ``label``."""
        for narrower, cues in self.specialisations.get(label, ()):
            if any(map(cues.accepts, sentence)):
                return narrower
        return label

    def off_topic(self, *token_lists: Sequence[Token]) -> frozenset[str]:
        """Labels with a `topic` none of whose words occurs in the tokens: their phrases are weak here."""
        seen = {t.word for tokens in token_lists for t in tokens}
        return frozenset(label for label, topic in self.topics.items() if not any(map(topic.accepts, seen)))

    def _articles(self, text: str, tokens: Sequence[Token], starts: Sequence[int]) -> list[Match]:
        folded = self._fold(text)
        found = []
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


class SlotIndex:
    """Which pattern slots each word fills. A pattern matches within one sentence, so in a sentence
    where one of its slots takes no word it cannot match and is not tried: most candidates begin
    with a common word ("que", "de", "no", "the") and used to be followed word by word to fail.
    Each pattern is filed under its most selective slot (the longest shortest word it takes),
    and checked whole only when that slot is filled."""

    def __init__(self, patterns: Sequence[Pattern]) -> None:
        ids: dict[tuple[frozenset[str], tuple[str, ...]], int] = {}
        self.needs: list[frozenset[int]] = []
        self.by_anchor: dict[int, list[int]] = defaultdict(list)
        self.literal_slots: dict[str, set[int]] = defaultdict(set)
        self.prefix_slots: dict[str, set[int]] = defaultdict(set)
        for index, pattern in enumerate(patterns):
            slots = []
            for element in pattern.elements:
                key = (element.literals, element.prefixes)
                if key not in ids:
                    ids[key] = len(ids)
                    for literal in element.literals:
                        self.literal_slots[literal].add(ids[key])
                    for prefix in element.prefixes:
                        self.prefix_slots[prefix].add(ids[key])
                slots.append((_selectivity(element), ids[key]))
            self.needs.append(frozenset(slot for _, slot in slots))
            self.by_anchor[max(slots)[1]].append(index)
        self.prefix_lengths = sorted({len(p) for p in self.prefix_slots})
        self.filled = lru_cache(maxsize=WORD_CACHE)(self._filled_uncached)
        self.anchored = lru_cache(maxsize=WORD_CACHE)(self._anchored_uncached)

    def _anchored_uncached(self, word: str) -> frozenset[int]:
        """The patterns filed under a slot that takes ``word``."""
        return frozenset(index for slot in self.filled(word) for index in self.by_anchor.get(slot, ())) or NO_SLOTS

    def _filled_uncached(self, word: str) -> frozenset[int]:
        """The slots that take ``word``: as a literal, or by a prefix it starts with."""
        found = set(self.literal_slots.get(word, ()))
        for length in self.prefix_lengths:
            if length > len(word):
                break
            found.update(self.prefix_slots.get(word[:length], ()))
        return frozenset(found) if found else NO_SLOTS

    def possible(self, sentences: Sentences) -> dict[int, frozenset[int]]:
        """Sentence -> indices of the patterns all of whose slots take some word of that sentence."""
        out: dict[int, frozenset[int]] = {}
        for sentence in sentences.numbers_seen:
            words = sentences.words_of(sentence)
            anchored = frozenset().union(*map(self.anchored, words))
            if anchored:
                slots = frozenset().union(*map(self.filled, words))
                anchored = frozenset(index for index in anchored if self.needs[index] <= slots)
            out[sentence] = anchored
        return out


class Sentences:
    """A text's tokens by sentence. A sentence's tokens are consecutive (sentence numbers only grow),
    so a sentence is a slice, found by bisection instead of a scan of the whole text."""

    def __init__(self, tokens: Sequence[Token]) -> None:
        self.words: list[str] = list(map(itemgetter(0), tokens))
        self.starts: list[int] = list(map(itemgetter(1), tokens))
        self.numbers: list[int] = list(map(itemgetter(3), tokens))
        self.numbers_seen = dict.fromkeys(self.numbers)

    def span(self, sentence: int) -> tuple[int, int]:
        """(first, last + 1): the indices of the sentence's tokens."""
        return self.between(sentence, sentence)

    def between(self, first: int, last: int) -> tuple[int, int]:
        """The indices of the tokens of sentences ``first`` to ``last``, both included."""
        return bisect_left(self.numbers, first), bisect_right(self.numbers, last)

    def words_of(self, sentence: int) -> list[str]:
        return self.words[slice(*self.span(sentence))]


def _selectivity(element: Element) -> tuple[int, int]:
    """How rarely a slot is filled, roughly: long words are rare, common ones ("de", "no") short."""
    options = [*element.literals, *element.prefixes]
    return min(map(len, options), default=0), -len(options)


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
