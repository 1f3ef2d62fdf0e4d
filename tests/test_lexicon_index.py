"""The lexicon matcher's speed-ups change nothing: each is compared with the straightforward way on our corpus.

The sentence index (a pattern is tried only where all its slots take a word), the whole-list tokeniser
and the rewritten clause-end regex must give exactly what trying every candidate pattern, the word-by-word
loop and the first regex gave (issue 11, "speed stays" without a single result changing).
"""

from __future__ import annotations

import json
import re
import sys
from functools import cache
from pathlib import Path

import pytest

from assistant.nlp.analyze import readable_body
from assistant.nlp.lexicon import CLAUSE_END, LexiconMatcher, Sentences, Token
from assistant.nlp.train import load_corpus
from knowledge.base import load as load_knowledge
from knowledge.text import FOLD_TABLE, fold, words

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from classifier import long_letters  # noqa: E402  (the bench's 8-12 KB letters)

# The clause-end regex as first written, look-behinds before the characters they follow.
FIRST_CLAUSE_END = re.compile(r"[,:]|[!?;]|(?<!\b\d)\.(?!\s*[a-zß-ÿ0-9(])|(?<![:\n])\n(?!\s*[a-zß-ÿ])")


@cache
def texts() -> list[tuple[str, bool]]:
    """(text as the matcher reads it, is a subject) for every corpus message, probe letter and long letter."""
    rows = load_corpus()
    messages = [(r["subject"], r["body"]) for r in rows] + long_letters(rows)
    for path in sorted((ROOT / "corpus" / "probe").glob("*.jsonl")):
        probes = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        messages += [(p["subject"], p["body"]) for p in probes]
    out = []
    for subject, body in messages:
        out += [(subject, True), (readable_body(body)[1].text, False)]
    return out


@cache
def matchers() -> tuple[LexiconMatcher, LexiconMatcher]:
    lexicon = load_knowledge().lexicon
    return LexiconMatcher(lexicon), LexiconMatcher(lexicon, indexed=False)


def first_tokens(matcher: LexiconMatcher, text: str) -> list[Token]:
    """The tokeniser as first written: one word at a time, counting the ends passed."""
    boundaries = [(m.start(), m.group() not in (",", ":")) for m in FIRST_CLAUSE_END.finditer(text)]
    tokens, sentence, clause, cursor = [], 0, 0, 0
    for word, start, end in words(text):
        while cursor < len(boundaries) and boundaries[cursor][0] < start:
            clause += 1
            sentence += boundaries[cursor][1]
            cursor += 1
        tokens.append(Token(matcher._repair(word), start, end, sentence, clause))
    return tokens


def test_indexed_matcher_finds_exactly_what_trying_every_pattern_finds():
    indexed, every = matchers()
    assert indexed.indexed and not every.indexed
    found = 0
    for text, is_subject in texts():
        fast = indexed.find(text, is_subject=is_subject)
        assert fast == every.find(text, is_subject=is_subject), text[:200]
        found += len(fast)
    assert found > len(texts())  # the comparison is not between two empty lists


def test_the_index_skips_patterns_that_cannot_match():
    indexed, _ = matchers()
    letter = next(text for text, is_subject in reversed(texts()) if not is_subject and len(text) > 8000)
    possible = indexed.slots.possible(Sentences(indexed.tokens(letter)))
    tried = sum(map(len, possible.values()))
    assert 0 < tried < len(possible) * len(indexed.patterns) / 20


def test_tokens_are_those_of_the_word_by_word_loop():
    matcher, _ = matchers()
    for text, _ in texts():
        assert matcher.tokens(text) == first_tokens(matcher, text), text[:200]


@pytest.mark.parametrize(
    "text",
    [
        "Art. 15 RGPD. Borrad mis datos.",
        "Según el art. 17, p. ej. mis datos: 1. El nombre. 2. La dirección",
        "me opongo a:\n1. la publicidad\n2. los perfiles\nGracias.\nUn saludo",
        "versión 3.5 del contrato. Otra frase? Sí! Y ya; fin",
        "x.\n\n(a) uno\n\nB",
        "",
    ],
)
def test_clause_ends_are_those_of_the_first_regex(text: str):
    def ends(regex: re.Pattern[str], s: str) -> list[tuple[int, str]]:
        return [(m.start(), m.group()) for m in regex.finditer(s)]

    assert ends(CLAUSE_END, text) == ends(FIRST_CLAUSE_END, text)


def test_clause_ends_on_the_corpus_are_those_of_the_first_regex():
    changed = [
        t
        for t, _ in texts()
        if [m.span() for m in CLAUSE_END.finditer(t)] != [m.span() for m in FIRST_CLAUSE_END.finditer(t)]
    ]
    assert not changed, changed[:3]


def test_fold_is_the_translate_table_fold_on_every_character():
    """fold() looks up only non-ASCII characters now; the result is the table's on every code point."""

    def first_fold(text: str) -> str:
        lowered = text.lower()
        if len(lowered) != len(text):
            lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
        return lowered.translate(FOLD_TABLE)

    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    assert fold(every) == first_fold(every)
    assert fold("Supresión İstanbul ÆSIR’s") == first_fold("Supresión İstanbul ÆSIR’s")
    assert fold("SUPRESIÓN") == "supresion"


def test_the_process_analyzer_is_kept_out_of_full_garbage_collections():
    """A full collection walked the whole model: a ~100 ms pause inside an unlucky analyze() call."""
    import gc

    from assistant.nlp.analyze import get_analyzer

    analyzer = get_analyzer()
    assert gc.get_freeze_count() > 10_000
    assert analyzer.analyze("", "Borrad todos mis datos, por favor.").labels == ["erasure"]


def test_a_promoted_model_replaces_the_frozen_analyzer(monkeypatch):
    """The promotion path unfreezes, builds the next analyzer and freezes again."""
    import gc

    from assistant.nlp import analyze

    first = analyze.get_analyzer()
    monkeypatch.setattr(first.model, "directory", ROOT / "no-such-model")  # as if another model were promoted
    monkeypatch.setattr(analyze, "_checked", 0.0)
    second = analyze.get_analyzer()
    assert second is not first and second.model.directory != first.model.directory
    assert gc.get_freeze_count() > 10_000
    assert second.analyze("", "Please erase all of my personal data.").labels == ["erasure"]
