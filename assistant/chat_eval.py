"""`python -m assistant eval-chat`: fact accuracy and no-answer precision/recall of the chat.

Fact accuracy: among answerable questions, the share whose answer contains every expected fact.
No-answer precision: among questions the chat declined, the share the policy really does not answer;
recall: among those the policy does not answer, the share the chat declined.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from knowledge.text import fold

from .chat import get_engine

QUESTIONS = Path(__file__).resolve().parents[1] / "corpus" / "chat_questions.yaml"


def load_questions(path: Path = QUESTIONS) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]


def has_fact(text: str, fact: str) -> bool:
    folded = fold(text)
    return any(fold(alternative) in folded for alternative in fact.split("|"))


def score(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in rows if r.get("answerable", True)]
    unanswerable = [r for r in rows if not r.get("answerable", True)]
    facts_ok = sum(
        1 for r in answerable if r["answer"].answered and all(has_fact(r["answer"].text, f) for f in r["facts"])
    )
    clause_ok = sum(
        1
        for r in answerable
        if r.get("clause") and r["answer"].citations and r["answer"].citations[0].id == r["clause"]
    )
    with_clause = sum(1 for r in answerable if r.get("clause"))
    declined = [r for r in rows if not r["answer"].answered]
    true_declines = sum(1 for r in declined if not r.get("answerable", True))
    return {
        "questions": len(rows),
        "fact_accuracy": facts_ok / len(answerable) if answerable else 0.0,
        "clause_accuracy": clause_ok / with_clause if with_clause else 0.0,
        "no_answer_precision": true_declines / len(declined) if declined else 1.0,
        "no_answer_recall": true_declines / len(unanswerable) if unanswerable else 1.0,
        "declined": len(declined),
    }


def evaluate(split: str | None = None) -> dict[str, Any]:
    engine = get_engine()
    rows = [dict(r) for r in load_questions() if split in (None, "all") or r["split"] == split]
    for r in rows:
        r["answer"] = engine.answer(r["q"], None, r.get("history"))
    report = score(rows)
    by_lang: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_lang[r["lang"]].append(r)
    report["per_language"] = {lang: score(group) for lang, group in sorted(by_lang.items())}
    report["failures"] = [
        {
            "q": r["q"],
            "lang": r["lang"],
            "answered": r["answer"].answered,
            "cited": [c.id for c in r["answer"].citations],
            "expected": r.get("clause"),
            "facts": r.get("facts", []),
            "text": r["answer"].text[:200],
        }
        for r in rows
        if (
            r.get("answerable", True)
            and not (r["answer"].answered and all(has_fact(r["answer"].text, f) for f in r["facts"]))
        )
        or (not r.get("answerable", True) and r["answer"].answered)
    ]
    report["split"] = split or "all"
    return report


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m assistant eval-chat", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--split", default="all", choices=["all", "dev", "test"])
    parser.add_argument("--failures", action="store_true", help="list the questions answered wrongly")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    report = evaluate(args.split)
    if args.json:
        print(json.dumps({k: v for k, v in report.items() if k != "failures"}, indent=2))
        return 0

    def line(name: str, m: dict[str, Any]) -> str:
        return (
            f"{name:6s} {m['questions']:4d} questions  fact accuracy {m['fact_accuracy']:.3f}  "
            f"clause accuracy {m['clause_accuracy']:.3f}  no-answer precision {m['no_answer_precision']:.3f}  "
            f"recall {m['no_answer_recall']:.3f}"
        )

    print(f"split {report['split']}")
    print(line("all", report))
    for lang, m in report["per_language"].items():
        print(line(lang, m))
    if args.failures:
        for f in report["failures"]:
            print(
                f"  [{f['lang']}] {f['q']}  answered={f['answered']} cited={f['cited']} expected={f['expected']} "
                f"facts={f['facts']}\n      {f['text']}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
