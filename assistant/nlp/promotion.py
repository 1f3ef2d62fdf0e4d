"""`python -m assistant model ...`: compare a newly trained version with the running one; promote it
only if it is no worse; roll back.

    python -m assistant model list               versions in MODELS_DIR, the promoted one marked
    python -m assistant model compare NEW        both versions on the held-out gold and on the corpus test split
    python -m assistant model promote NEW        switch service and worker to NEW if no worse on both (exit 1 if not)
    python -m assistant model rollback           back to the version promoted before

"No worse" is macro-F1 on each set. The held-out gold is the seeded fraction no `train --with-gold`
learns from (gold.held_out), so NEW is never scored on what it was trained on. Running processes
follow a promotion within a minute (analyze.PROMOTION_CHECK_SECONDS).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

from .analyze import Analyzer
from .evaluate import score
from .model import RightsModel
from .train import load_corpus
from .versions import SHIPPED, current_version, models_dir, rollback, set_current, version_dir

TOLERANCE = 1e-9


def _macro(directory_version: str, rows: list[dict[str, Any]]) -> float:
    analyzer = Analyzer(RightsModel.load(version_dir(directory_version)))
    predicted = [analyzer.analyze(r["subject"], r["body"]).labels for r in rows]
    return float(score(rows, predicted, analyzer.labels)["macro_f1"])


def compare(new: str, gold: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """Both versions' macro-F1 on each set, and why NEW is worse (an empty list: it is not).
    ``gold``: the agents' gold rows (``store.gold.gold_rows``); only the held-out ones are scored.

    For example ``{'current': 'shipped', 'new': 'rights-bow-1234', 'worse': [], 'sets': {'held-out gold':
    {'messages': 9, 'current': 0.8, 'new': 0.85}, 'corpus test split': {...}}}``.
    """
    version_dir(new)  # ValueError now, not after minutes of scoring
    current = current_version()
    sets = {
        "held-out gold": [r for r in gold if r["split"] == "test" and r["body"] is not None],
        "corpus test split": load_corpus(split="test"),
    }
    result: dict[str, Any] = {"current": current, "new": new, "sets": {}, "worse": []}
    for name, rows in sets.items():
        if not rows:
            result["sets"][name] = {"messages": 0}
            continue
        figures = {"messages": len(rows), "current": _macro(current, rows), "new": _macro(new, rows)}
        result["sets"][name] = figures
        if figures["new"] < figures["current"] - TOLERANCE:
            result["worse"].append(
                f"{name}: macro-F1 {figures['new']:.3f} < {figures['current']:.3f} ({len(rows)} messages)"
            )
    return result


def print_comparison(result: dict[str, Any]) -> None:
    print(f"current {result['current']}  vs  new {result['new']}  (macro-F1)")
    for name, figures in result["sets"].items():
        if not figures["messages"]:
            print(f"  {name}: no messages (nothing to compare on)")
            continue
        delta = figures["new"] - figures["current"]
        print(
            f"  {name}: current {figures['current']:.3f}  new {figures['new']:.3f}  "
            f"({delta:+.3f}, {figures['messages']} messages)"
        )


def main(argv: Sequence[str] | None = None, gold_loader: Callable[[], list[dict[str, Any]]] | None = None) -> int:
    """``gold_loader``: reads the agents' gold (``python -m assistant`` passes the store's; nlp reads no database)."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m assistant model", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("list", help="the versions in MODELS_DIR, the promoted one marked")
    for action in ("compare", "promote"):
        sub.add_parser(action, help=f"{action} a version with the current one").add_argument("version")
    sub.add_parser("rollback", help="go back to the version promoted before")
    args = parser.parse_args(argv)
    try:
        if args.action == "list":
            current = current_version()
            found = sorted(p.name for p in models_dir().glob("*") if (p / "textcat").is_dir())
            for name in [SHIPPED, *found]:
                print(("* " if name == current else "  ") + name)
            return 0
        if args.action == "rollback":
            print(f"rolled back: the service and worker now use {rollback()}")
            return 0
        result = compare(args.version, gold_loader() if gold_loader else [])
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print_comparison(result)
    if args.action == "compare":
        return 0
    if result["worse"]:
        print(f"refused: {result['new']} is worse than {result['current']} on " + "; ".join(result["worse"]))
        return 1
    set_current(args.version)
    print(f"promoted: the service and worker now use {args.version} (`model rollback` goes back)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
