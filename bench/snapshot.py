"""Correctness guard for speed work: what analyze() says about every message we have, to compare.

    python bench/snapshot.py                                # before a change: bench/out/snapshot.jsonl
    python bench/snapshot.py --check bench/out/snapshot.jsonl   # after it: exit 1 and the differences

A speed change must not change a single result. This records, for every message of the corpus
(corpus/messages.jsonl, which holds every family of corpus/families/ filled in, and the composed
messages), the probe letters (corpus/probe/*.jsonl), the long letters of bench/classifier.py and the
real letters of ../shared/realworld/letters_dev.jsonl (read at run time only, when present), the
whole Analysis (labels, exact scores, evidence, entities, language) and every lexicon Match (label,
phrase, offsets, kind, strength, pattern, negation, the act that made it a mention). Keep the
snapshot out of git (the default, bench/out/, is ignored): it holds the real letters' phrases.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

OUT = ROOT / "bench" / "out" / "snapshot.jsonl"  # bench/out/ is not in git
REALWORLD = ROOT.parent / "shared" / "realworld" / "letters_dev.jsonl"


def messages() -> Iterator[tuple[str, str, str]]:
    """(id, subject, body) of every message the guard covers."""
    from classifier import long_letters

    from assistant.nlp.train import load_corpus

    rows = load_corpus()
    for row in rows:
        yield f"corpus:{row['id']}", row["subject"], row["body"]
    for i, (subject, body) in enumerate(long_letters(rows)):
        yield f"long:{i}", subject, body
    files = sorted((ROOT / "corpus" / "probe").glob("*.jsonl"))
    if REALWORLD.exists():
        files.append(REALWORLD)
    for path in files:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if line.strip():
                row = json.loads(line)
                yield f"{path.stem}:{row.get('id', n)}", row.get("subject") or "", row.get("body") or ""


def record(analyzer, subject: str, body: str) -> dict:  # type: ignore[no-untyped-def]
    """Everything analyze() decides, scores as exact floats, plus the lexicon's raw matches."""
    analysis = analyzer.analyze(subject, body)
    result = analysis.to_dict()
    result["scores"] = {k: repr(v) for k, v in analysis.scores.items()}  # exact, not rounded
    _, _, subject_matches, body_matches = analyzer.prepare(subject, body)
    result["matches"] = {
        "subject": [asdict(m) for m in subject_matches],
        "body": [asdict(m) for m in body_matches],
    }
    return result


def _line(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def snapshot() -> dict[str, dict]:
    from assistant.nlp.analyze import get_analyzer

    analyzer = get_analyzer()
    return {key: record(analyzer, subject, body) for key, subject, body in messages()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", type=Path, default=OUT, help=f"record the snapshot here (default {OUT})")
    group.add_argument("--check", type=Path, help="compare with a snapshot recorded before")
    args = parser.parse_args()
    current = snapshot()
    if not args.check:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        with args.write.open("w", encoding="utf-8") as out:
            for key, value in current.items():
                out.write(_line({"id": key, **value}) + "\n")
        print(f"{len(current)} messages recorded in {args.write}")
        return 0
    before = {}
    for line in args.check.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        before[row.pop("id")] = row
    current = {k: json.loads(_line(v)) for k, v in current.items()}
    differing = sorted(k for k in before.keys() | current.keys() if before.get(k) != current.get(k))
    for key in differing[:20]:
        old, new = before.get(key, {}), current.get(key, {})
        fields = sorted(f for f in old.keys() | new.keys() if old.get(f) != new.get(f))
        print(f"DIFF {key}: {', '.join(fields)}")
    print(f"{len(current)} messages, {len(differing)} differ from {args.check}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
