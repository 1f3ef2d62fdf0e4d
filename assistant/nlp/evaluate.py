"""`python -m assistant eval`: the classifier's scores, overall and per language.

    python -m assistant eval [--split test]      a split of our corpus (phrasings never trained on)
    python -m assistant eval --file PATH.jsonl…  files in the realworld format (id, lang, subject, body, labels),
                                                 scored with the owner's rule (macro-F1 over labels with >= 3 gold)
    python -m assistant eval --by-family         for each family of the corpus: train without it, test on it
    python -m assistant eval --from-store        the agents' gold in DATABASE_URL (approved or corrected cases),
                                                 per label, language and month; says so below 20 gold cases

Our own split flatters us (the same hands wrote train and test); the family-out figure and real
letters are what predict the mailbox. The gap between them is the overfitting left.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .analyze import Analyzer, get_analyzer
from .gold import MIN_GOLD
from .language import SUPPORTED
from .metrics import multilabel_report
from .train import load_corpus

MIN_SUPPORT_REAL = 3  # the owner's scorer: a label counts in macro-F1 with at least 3 gold messages


def evaluate(split: str = "test") -> dict[str, Any]:
    analyzer = get_analyzer()
    rows = load_corpus(split=split)
    predicted = [analyzer.analyze(r["subject"], r["body"]).labels for r in rows]
    report = score(rows, predicted, analyzer.labels)
    report["split"] = split
    report["model_version"] = analyzer.model.version
    return report


def score(
    rows: Sequence[dict[str, Any]], predicted: Sequence[Sequence[str]], labels: Sequence[str], min_support: int = 1
) -> dict[str, Any]:
    """The report of ``predicted`` against the rows' labels, overall, per language, per family and
    (for rows with a ``month``, i.e. the agents' gold) per month."""
    gold = [r["labels"] for r in rows]
    report = multilabel_report(gold, predicted, labels, min_support)
    scored = [label for label, m in report["per_label"].items() if m["support"] >= max(1, min_support)]
    keys = ["lang", "family"] + (["month"] if any(r.get("month") for r in rows) else [])
    for key in keys:
        groups: dict[str, list[int]] = defaultdict(list)
        for i, row in enumerate(rows):
            groups[row.get(key) or "-"].append(i)
        report[f"per_{'language' if key == 'lang' else key}"] = {
            name: _subset(report, [gold[i] for i in idx], [predicted[i] for i in idx], scored)
            for name, idx in sorted(groups.items())
        }
    report["errors"] = [
        {"id": r.get("id"), "lang": r["lang"], "gold": g, "predicted": p, "tags": r.get("tags", [])}
        for r, g, p in zip(rows, gold, predicted, strict=True)
        if set(g) != set(p)
    ]
    return report


def _subset(
    report: dict[str, Any], gold: list[Sequence[str]], predicted: list[Sequence[str]], scored: list[str]
) -> dict[str, Any]:
    """A group's figures; its macro-F1 over the labels scored overall that the group has gold for."""
    sub = multilabel_report(gold, predicted, scored)
    present = [m["f1"] for m in sub["per_label"].values() if m["support"]]
    sub["macro_f1"] = sum(present) / max(1, len(present))
    return {k: sub[k] for k in ("macro_f1", "micro_f1", "exact_match", "messages")}


def evaluate_file(*paths: Path) -> dict[str, Any]:
    """Real letters in the realworld format, scored exactly as the owner scores the hidden set."""
    rows = [
        json.loads(line) for path in paths for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    rows = [r for r in rows if r["lang"] in SUPPORTED]
    analyzer = get_analyzer()
    predicted = [analyzer.analyze(r.get("subject") or "", r["body"]).labels for r in rows]
    report = score(rows, predicted, analyzer.labels, MIN_SUPPORT_REAL)
    report["split"] = "file " + ", ".join(path.name for path in paths)
    report["model_version"] = analyzer.model.version
    return report


def evaluate_by_family(epochs: int = 14) -> dict[str, Any]:
    """For each written family: a model trained without it (its calibration too) labels it.

    The predictions of every family-out model are pooled into one report."""
    from .model import RightsModel
    from .train import train

    rows = load_corpus()
    families = sorted({r.get("family") or "composed" for r in rows} - {"composed"})
    if not families:
        raise SystemExit("no families in corpus/messages.jsonl: run `python corpus/build.py`")
    tested: list[dict[str, Any]] = []
    predicted: list[list[str]] = []
    labels: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, family in enumerate(families, 1):
            print(f"[{n}/{len(families)}] training without family {family} ...", file=sys.stderr, flush=True)
            out = Path(tmp) / family
            kept = [r for r in rows if r.get("family") != family]
            train(epochs=epochs, out_dir=out, verbose=False, rows=kept)
            analyzer = Analyzer(RightsModel.load(out))
            labels = analyzer.labels
            held = [r for r in rows if r.get("family") == family]
            tested += held
            predicted += [analyzer.analyze(r["subject"], r["body"]).labels for r in held]
    report = score(tested, predicted, labels)
    report["split"] = f"family-out ({len(families)} families)"
    report["model_version"] = "one model per held-out family"
    return report


def evaluate_store(gold: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The promoted model re-reads the agents' gold messages (masked as stored) and is scored on them.
    ``gold``: rows as ``store.gold.gold_rows`` gives them; those whose text was purged are left out."""
    analyzer = get_analyzer()
    rows = [r for r in gold if r["body"] is not None]
    predicted = [analyzer.analyze(r["subject"], r["body"]).labels for r in rows]
    report = score(rows, predicted, analyzer.labels)
    report["split"] = "gold from the store"
    report["model_version"] = analyzer.model.version
    report["too_few"] = len(rows) < MIN_GOLD
    return report


def print_report(report: dict[str, Any], show_errors: int = 0) -> None:
    if report.get("too_few"):
        print(
            f"{report['split']}: only {report['messages']} gold messages, fewer than {MIN_GOLD}: "
            "no figures yet (they would be noise). Approve or correct more cases first."
        )
        return
    print(f"split {report['split']}: {report['messages']} messages, model {report['model_version']}")
    print(f"{'label':22s} {'prec':>6s} {'rec':>6s} {'F1':>6s} {'n':>5s}")
    for label, m in report["per_label"].items():
        print(f"{label:22s} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f} {m['support']:5d}")
    print(
        f"micro-F1 {report['micro_f1']:.3f}   macro-F1 {report['macro_f1']:.3f}   "
        f"exact match {report['exact_match']:.3f}"
    )
    for key in ("per_language", "per_family", "per_month"):
        groups = report.get(key, {})
        if len(groups) < 2 and key == "per_family":
            continue
        print(key.replace("_", " ") + ":")
        for name, m in groups.items():
            print(
                f"  {name}: macro-F1 {m['macro_f1']:.3f}  micro-F1 {m['micro_f1']:.3f}  "
                f"exact {m['exact_match']:.3f}  ({m['messages']} messages)"
            )
    print(
        "most confused (gold -> predicted instead): "
        + (", ".join(f"{a}->{b} {n}" for (a, b), n in report["confusions"]) or "none")
    )
    for error in report["errors"][:show_errors]:
        print(f"  {error['id']} [{error['lang']}] gold {error['gold']} predicted {error['predicted']} {error['tags']}")


def main(argv: Sequence[str] | None = None, gold_loader: Callable[[], list[dict[str, Any]]] | None = None) -> int:
    """``gold_loader``: reads the agents' gold (``python -m assistant`` passes the store's; nlp reads no database)."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m assistant eval", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--split", default="test", choices=["train", "dev", "test"])
    source.add_argument(
        "--file", type=Path, nargs="+", help="one or more .jsonl files in the realworld format, scored together"
    )
    source.add_argument("--by-family", action="store_true", help="train without each family, test on it")
    source.add_argument("--from-store", action="store_true", help="the agents' gold cases in DATABASE_URL")
    parser.add_argument("--errors", type=int, default=0, help="list this many misclassified messages")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    missing = [path for path in args.file or [] if not path.exists()]
    if missing:
        parser.error(f"{missing[0]}: no such file")
    if args.file:
        report = evaluate_file(*args.file)
    elif args.from_store:
        if gold_loader is None:
            parser.error("--from-store needs the store: run `python -m assistant eval --from-store`")
        report = evaluate_store(gold_loader())
    elif args.by_family:
        report = evaluate_by_family()
    else:
        report = evaluate(args.split)
    if args.json:
        print(json.dumps({k: v for k, v in report.items() if k != "errors"}, indent=2, default=str))
    else:
        print_report(report, args.errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
