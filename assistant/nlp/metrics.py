"""Multi-label metrics: per-label P/R/F1, micro and macro F1, exact match, confusions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any


def multilabel_report(
    gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], labels: Sequence[str], min_support: int = 1
) -> dict[str, Any]:
    """Scores of ``predicted`` against ``gold``, one list of labels per message. Macro-F1 averages
    the labels with at least ``min_support`` gold messages (the owner's real-mail rule uses 3).

    >>> multilabel_report([["a"], ["b"]], [["a"], ["a"]], ["a", "b"])["exact_match"]
    0.5
    """
    per_label: dict[str, dict[str, float]] = {}
    total_tp = total_fp = total_fn = 0
    confusions: Counter[tuple[str, str]] = Counter()
    for g, p in zip(gold, predicted, strict=True):
        missed, extra = set(g) - set(p), set(p) - set(g)
        for a in missed:
            for b in extra:
                confusions[(a, b)] += 1
    for label in labels:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if label in g and label in p)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if label not in g and label in p)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if label in g and label not in p)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[label] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
        total_tp, total_fp, total_fn = total_tp + tp, total_fp + fp, total_fn + fn
    supported = [v["f1"] for v in per_label.values() if v["support"] >= max(min_support, 1)]
    micro = 2 * total_tp / (2 * total_tp + total_fp + total_fn) if total_tp else 0.0
    exact = sum(1 for g, p in zip(gold, predicted, strict=True) if set(g) == set(p)) / max(len(gold), 1)
    return {
        "per_label": per_label,
        "micro_f1": micro,
        "macro_f1": sum(supported) / max(len(supported), 1),
        "exact_match": exact,
        "messages": len(gold),
        "confusions": confusions.most_common(10),
    }
