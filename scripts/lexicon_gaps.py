"""Where the lexicon alone misses or over-reads our written families (no model involved, seconds to run).

    python scripts/lexicon_gaps.py [--family F] [--lang L] [--label X] [--summary]

MISS: a gold right of which the lexicon saw no phrase at all (the categoriser alone must find it).
FP:   a right the lexicon reads as asked for in so many words (it then stands) that the gold lacks.
Work from the families' train split when writing patterns; the test split and the family-out figure
are what we measure with.
"""

from __future__ import annotations

import argparse
from collections import Counter

from assistant.nlp.analyze import get_analyzer
from assistant.nlp.train import load_corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--family")
    parser.add_argument("--lang")
    parser.add_argument("--label")
    parser.add_argument("--split", choices=["train", "dev", "test"])
    parser.add_argument("--summary", action="store_true", help="counts only")
    args = parser.parse_args()
    analyzer = get_analyzer()
    rows = [
        r
        for r in load_corpus(split=args.split)
        if r.get("family") not in (None, "composed")
        and (not args.family or r["family"] == args.family)
        and (not args.lang or r["lang"] == args.lang)
    ]
    missed: Counter[tuple[str, str]] = Counter()
    over: Counter[tuple[str, str]] = Counter()
    for r in rows:
        _, _, subject_matches, body_matches = analyzer.prepare(r["subject"], r["body"])
        matches = subject_matches + body_matches
        asked = analyzer.asked(matches) - {"information"}
        seen = {m.label for m in matches if not m.negated}
        gold = set(r["labels"]) - {"other"}
        for label in sorted(gold - asked - seen):
            if args.label and label != args.label:
                continue
            missed[(label, r["family"])] += 1
            if not args.summary:
                print(f"MISS {label:19} {r['id']} {r['lang']} {r['family']:13} asked={sorted(asked)}")
                print(f"     {r['subject']} | {r['body'][:400]!r}")
        for label in sorted(asked - gold):
            if args.label and label != args.label:
                continue
            over[(label, r["family"])] += 1
            if not args.summary:
                evidence = [(m.phrase, m.kind) for m in matches if m.label == label][:3]
                print(f"FP   {label:19} {r['id']} {r['lang']} {r['family']:13} gold={sorted(r['labels'])} {evidence}")
                print(f"     {r['subject']} | {r['body'][:400]!r}")
    print(f"{len(rows)} messages; missed {sum(missed.values())}, over-read {sum(over.values())}")
    print("missed:", ", ".join(f"{lab}/{fam} {n}" for (lab, fam), n in missed.most_common(20)))
    print("over-read:", ", ".join(f"{lab}/{fam} {n}" for (lab, fam), n in over.most_common(20)))


if __name__ == "__main__":
    main()
