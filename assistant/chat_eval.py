"""`python -m assistant eval-chat`: how well the chat answers, measured three ways.

- ``--file PATH.jsonl``: questions in the realworld format (``question``, ``lang``, ``answerable``,
  ``facts_any``), scored by the owner's rule: an answerable question is right when it is answered and
  the text plus the cited passages hold one string of every ``facts_any`` group (case and accents
  ignored); an unanswerable one is right when the chat says the policy does not answer it.
- our own question set (corpus/chat_questions.yaml, ``--split dev|test|all``), scored the same way;
- intent accuracy on held-out phrasing families: the bank is cut into folds by family (a family and
  its variants never straddle train and test), each fold recognised by an index built on the others.
  Printed for the recogniser used (hybrid), its two parts (nearest phrasings, a centroid per intent),
  and BM25 over the clauses (the recogniser this replaced), so the choice stays a measurement.
"""

from __future__ import annotations

import json
import sys
import zlib
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from knowledge.search import ClauseIndex
from knowledge.text import fold

from .chat import ChatEngine, get_engine
from .chat_intents import IntentIndex, Phrasing

QUESTIONS = Path(__file__).resolve().parents[1] / "corpus" / "chat_questions.yaml"
FOLDS = 5


def load_questions(path: Path = QUESTIONS) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    """Realworld-format rows, one JSON object a line; blank lines skipped."""
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise SystemExit(f"{path}:{n}: not JSON ({exc.msg})") from None
    return rows


def has_fact(text: str, fact: str) -> bool:
    folded = fold(text)
    return any(fold(alternative) in folded for alternative in fact.split("|"))


def _right(row: dict[str, Any]) -> bool:
    """The owner's rule for one answered row (``facts_any``: groups of alternatives, all groups needed)."""
    answer = row["answer"]
    if not row.get("answerable", True):
        return not answer.answered
    haystack = fold(answer.text + " " + json.dumps([c.to_dict() for c in answer.citations], ensure_ascii=False))
    groups = row.get("facts_any") or [[f] for f in row.get("facts", [])]
    return answer.answered and all(any(fold(f) in haystack for g in group for f in g.split("|")) for group in groups)


def score(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in rows if r.get("answerable", True)]
    unanswerable = [r for r in rows if not r.get("answerable", True)]
    declined = [r for r in rows if not r["answer"].answered]
    true_declines = sum(1 for r in declined if not r.get("answerable", True))
    return {
        "questions": len(rows),
        "fact_accuracy": sum(_right(r) for r in answerable) / len(answerable) if answerable else 0.0,
        "no_answer_precision": true_declines / len(declined) if declined else 1.0,
        "no_answer_recall": true_declines / len(unanswerable) if unanswerable else 1.0,
        "declined": len(declined),
    }


def evaluate_rows(rows: list[dict[str, Any]], engine: ChatEngine | None = None) -> dict[str, Any]:
    engine = engine or get_engine()
    for r in rows:
        r["answer"] = engine.answer(r.get("question") or r.get("q", ""), None, r.get("history"))
    report = score(rows)
    by_lang: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_lang[r.get("lang", "?")].append(r)
    report["per_language"] = {lang: score(group) for lang, group in sorted(by_lang.items())}
    report["failures"] = [
        {
            "id": r.get("id", ""),
            "lang": r.get("lang", "?"),
            "q": r.get("question") or r.get("q", ""),
            "intent": r["answer"].intent,
            "answered": r["answer"].answered,
            "text": r["answer"].text[:160],
        }
        for r in rows
        if not _right(r)
    ]
    return report


def _fold_of(family: str) -> int:
    return zlib.crc32(family.encode()) % FOLDS


def held_out_intents(engine: ChatEngine | None = None) -> dict[str, Any]:
    """Intent accuracy on held-out phrasing families, per recogniser and per language."""
    engine = engine or get_engine()
    phrasings: list[Phrasing] = engine.phrasings
    methods = ("hybrid", "knn", "centroid")
    results: dict[str, dict[str, list[bool]]] = {m: defaultdict(list) for m in (*methods, "bm25_clauses")}
    clause_index = ClauseIndex(engine.kb)
    first_entry = {i.id: i.answer[0].entry for i in engine.chat.intents if i.answer}
    for k in range(FOLDS):
        train = [p for p in phrasings if _fold_of(p.family) != k]
        test = [p for p in phrasings if _fold_of(p.family) == k]
        for method in methods:
            index = IntentIndex(train, method, engine.synonyms, engine.requires)
            for p in test:
                ranked = index.rank(p.text, p.lang, limit=1)
                results[method][p.lang].append(bool(ranked) and ranked[0].intent == p.intent)
        if k == 0:  # BM25 has no training: score it once, on the answerable intents' phrasings
            for p in phrasings:
                if p.intent in first_entry:
                    hits = clause_index.search(p.text, lang=p.lang, limit=1)
                    results["bm25_clauses"][p.lang].append(bool(hits) and hits[0].entry.id == first_entry[p.intent])
    report: dict[str, Any] = {}
    for method, per_lang in results.items():
        flat = [ok for oks in per_lang.values() for ok in oks]
        report[method] = {
            "accuracy": round(sum(flat) / len(flat), 3) if flat else 0.0,
            "phrasings": len(flat),
            "per_language": {lang: round(sum(oks) / len(oks), 3) for lang, oks in sorted(per_lang.items())},
        }
    report["families"] = len({p.family for p in phrasings})
    report["intents"] = len(engine.chat.intents)
    return report


def _line(name: str, m: dict[str, Any]) -> str:
    return (
        f"{name:6s} {m['questions']:4d} questions  fact accuracy {m['fact_accuracy']:.3f}  "
        f"no-answer precision {m['no_answer_precision']:.3f}  recall {m['no_answer_recall']:.3f}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m assistant eval-chat", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--file", type=Path, help="score a realworld-format .jsonl file instead of our question set")
    parser.add_argument("--split", default="all", choices=["all", "dev", "test"], help="split of our question set")
    parser.add_argument("--failures", action="store_true", help="list the questions answered wrongly")
    parser.add_argument("--no-intents", action="store_true", help="skip the held-out intent accuracy")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.file:
        if not args.file.exists():
            print(f"no such file: {args.file}", file=sys.stderr)
            return 2
        rows = load_jsonl(args.file)
        source = str(args.file)
    else:
        rows = [dict(r) for r in load_questions() if args.split == "all" or r["split"] == args.split]
        source = f"corpus/chat_questions.yaml ({args.split})"
    report = evaluate_rows(rows)
    report["source"] = source
    if not args.no_intents:
        report["held_out_intents"] = held_out_intents()
    if args.json:
        print(json.dumps({k: v for k, v in report.items() if k != "failures"}, indent=2))
        return 0
    print(source)
    print(_line("all", report))
    for lang, m in report["per_language"].items():
        print(_line(lang, m))
    if "held_out_intents" in report:
        h = report["held_out_intents"]
        print(f"intent accuracy on held-out phrasing families ({h['intents']} intents, {h['families']} families):")
        for method in ("hybrid", "knn", "centroid", "bm25_clauses"):
            m = h[method]
            langs = "  ".join(f"{k} {v:.3f}" for k, v in m["per_language"].items())
            print(f"  {method:13s} {m['accuracy']:.3f} over {m['phrasings']} phrasings  ({langs})")
    if args.failures:
        for f in report["failures"]:
            print(f"  [{f['lang']}] {f['id']} {f['q'][:90]}  intent={f['intent']} answered={f['answered']}")
            print(f"      {f['text']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
