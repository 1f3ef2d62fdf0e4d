"""`python -m assistant eval`: the classifier's scores on a corpus split, overall and per language."""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from .analyze import get_analyzer
from .metrics import multilabel_report
from .train import load_corpus


def evaluate(split: str = "test") -> dict[str, Any]:
    analyzer = get_analyzer()
    rows = load_corpus(split=split)
    predicted = [analyzer.analyze(r["subject"], r["body"]).labels for r in rows]
    gold = [r["labels"] for r in rows]
    report = multilabel_report(gold, predicted, analyzer.labels)
    by_lang: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_lang[row["lang"]].append(i)
    report["per_language"] = {
        lang: {
            k: v
            for k, v in multilabel_report([gold[i] for i in idx], [predicted[i] for i in idx], analyzer.labels).items()
            if k in ("macro_f1", "micro_f1", "exact_match", "messages")
        }
        for lang, idx in sorted(by_lang.items())
    }
    report["errors"] = [
        {"id": r["id"], "lang": r["lang"], "gold": g, "predicted": p, "tags": r["tags"]}
        for r, g, p in zip(rows, gold, predicted, strict=True)
        if set(g) != set(p)
    ]
    report["split"] = split
    report["model_version"] = analyzer.model.version
    return report


def print_report(report: dict[str, Any], show_errors: int = 0) -> None:
    print(f"split {report['split']}: {report['messages']} messages, model {report['model_version']}")
    print(f"{'label':22s} {'prec':>6s} {'rec':>6s} {'F1':>6s} {'n':>5s}")
    for label, m in report["per_label"].items():
        print(f"{label:22s} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f} {m['support']:5d}")
    print(
        f"micro-F1 {report['micro_f1']:.3f}   macro-F1 {report['macro_f1']:.3f}   "
        f"exact match {report['exact_match']:.3f}"
    )
    print("per language:")
    for lang, m in report["per_language"].items():
        print(
            f"  {lang}: macro-F1 {m['macro_f1']:.3f}  micro-F1 {m['micro_f1']:.3f}  "
            f"exact {m['exact_match']:.3f}  ({m['messages']} messages)"
        )
    print(
        "most confused (gold -> predicted instead): " + ", ".join(f"{a}->{b} {n}" for (a, b), n in report["confusions"])
        or "none"
    )
    for error in report["errors"][:show_errors]:
        print(f"  {error['id']} [{error['lang']}] gold {error['gold']} predicted {error['predicted']} {error['tags']}")


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m assistant eval", description=__doc__)
    parser.add_argument("--split", default="test", choices=["train", "dev", "test"])
    parser.add_argument("--errors", type=int, default=0, help="list this many misclassified messages")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    report = evaluate(args.split)
    if args.json:
        print(json.dumps({k: v for k, v in report.items() if k != "errors"}, indent=2, default=str))
    else:
        print_report(report, args.errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
