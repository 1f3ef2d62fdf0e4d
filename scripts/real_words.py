"""Write knowledge/data/real_words.txt: ordinary words that the lexicon's typo repair must leave alone.

    python scripts/real_words.py        # after adding words to knowledge/data/lexicon.yaml

Typo repair turns a word one edit away from a lexicon word into that word ("suprmir" -> "suprimir").
Applied to real words it invents evidence: "writing" became "waiting", "madame" "mandame", "police"
"policy", "stile" "stille". This lists every common word (wordfreq's frequency lists for our eight
languages, Zipf >= 3, i.e. once per million words or more; accents folded) that the repair would
change today, so the matcher keeps it as it is. wordfreq is a development dependency only: the
service reads the list, never the package. Word frequencies: wordfreq (Robyn Speer), CC BY-SA 4.0.
"""

from __future__ import annotations

from knowledge.base import DATA_DIR, REAL_WORDS
from knowledge.text import WORD, fold

ZIPF_FLOOR = 3.0  # typos seldom reach it ("recieve" 2.75); ordinary words do ("writing" 5.07)


def common_words(languages: list[str]) -> set[str]:
    import wordfreq  # development dependency

    found: set[str] = set()
    for lang in languages:
        for word in wordfreq.iter_wordlist(lang, "best"):
            if wordfreq.zipf_frequency(word, lang) < ZIPF_FLOOR:
                break
            folded = fold(word)
            if len(folded) >= 5 and WORD.fullmatch(folded):
                found.add(folded)
    return found


def main() -> None:
    from assistant.nlp.lexicon import LexiconMatcher
    from knowledge.base import load as load_knowledge

    knowledge = load_knowledge()
    matcher = LexiconMatcher(knowledge.lexicon)
    languages = list(knowledge.languages_for("classify"))
    words = common_words(languages)
    print(f"{len(words)} common words in {', '.join(languages)}; checking which the repair changes ...", flush=True)
    kept = sorted(w for w in words if matcher.repair_ignoring_real_words(w) != w)
    path = DATA_DIR / REAL_WORDS
    header = (__doc__ or "").strip().splitlines()
    path.write_text("".join(f"# {line}\n".replace("# \n", "#\n") for line in header) + "\n".join(kept) + "\n")
    print(f"{len(kept)} words written to {path}")


if __name__ == "__main__":
    main()
