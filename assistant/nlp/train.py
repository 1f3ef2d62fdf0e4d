"""Train the rights classifier from corpus/messages.jsonl: one command, one seed, same result.

    python -m assistant train [--epochs 14] [--seed 0]
    python -m assistant train --with-gold      the corpus plus the agents' gold (masked), as a new version
                                               in MODELS_DIR; the service keeps its model until `model promote`

Steps: (1) fit a spaCy multi-label bag-of-words text categoriser on the train split;
(2) keep the epoch with the best dev macro-F1; (3) on dev only, fit each label's Platt
calibration of the combined (model + lexicon) score and choose its threshold; (4) write the
pipeline and meta.json (version, thresholds, calibration, dev metrics) to assistant/nlp/model/.
The test split is never read here.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import random
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import spacy
from spacy.training import Example
from spacy.util import fix_random_seed, minibatch

from knowledge.base import DATA_DIR
from knowledge.base import load as load_knowledge

from .analyze import Analyzer, model_input
from .metrics import multilabel_report
from .model import (
    EVIDENCE_CONFIDENCE,
    MODEL_DIR,
    NEGATION_DAMPING,
    WEAK_CONFIDENCE,
    ModelMeta,
    RightsModel,
    evidence_confidence,
)

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "messages.jsonl"
BOW_CONFIG = {
    "@architectures": "spacy.TextCatBOW.v3",
    "exclusive_classes": False,
    "ngram_size": 2,
    "no_output_layer": False,
    "length": 2**17,  # hashed feature table: 6 MB on disk
}
THRESHOLD_GRID = [round(0.2 + 0.025 * i, 3) for i in range(25)]  # 0.2 .. 0.8


def load_corpus(path: Path = CORPUS, split: str | None = None) -> list[dict[str, Any]]:
    if not path.exists():
        raise FileNotFoundError(f"{path} missing; run `python corpus/build.py`")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if split is None or r["split"] == split]


def fit_platt(scores: Sequence[float], targets: Sequence[int], iterations: int = 200) -> tuple[float, float]:
    """Logistic fit of targets on logit(score) by Newton's method, with Platt's smoothed targets."""
    s = np.clip(np.asarray(scores, dtype=float), 1e-6, 1 - 1e-6)
    x = np.log(s / (1 - s))
    y = np.asarray(targets, dtype=float)
    positives, negatives = y.sum(), len(y) - y.sum()
    if positives == 0 or negatives == 0:
        return 1.0, 0.0
    t = np.where(y > 0, (positives + 1) / (positives + 2), 1 / (negatives + 2))
    a, b = 1.0, 0.0
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-(a * x + b)))
        w = p * (1 - p) + 1e-9
        grad = np.array([np.sum((p - t) * x), np.sum(p - t)])
        hess = np.array([[np.sum(w * x * x) + 1e-6, np.sum(w * x)], [np.sum(w * x), np.sum(w) + 1e-6]])
        step = np.linalg.solve(hess, grad)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-8:
            break
    return float(a), float(b)


def best_threshold(scores: Sequence[float], targets: Sequence[int]) -> float:
    def f1(th: float) -> float:
        tp = sum(1 for s, y in zip(scores, targets, strict=True) if s >= th and y)
        fp = sum(1 for s, y in zip(scores, targets, strict=True) if s >= th and not y)
        fn = sum(1 for s, y in zip(scores, targets, strict=True) if s < th and y)
        return 2 * tp / (2 * tp + fp + fn) if tp else 0.0

    best = max(THRESHOLD_GRID, key=lambda th: (f1(th), -abs(th - 0.5)))
    return best


def corpus_digest(rows: Sequence[dict[str, Any]]) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps(row, sort_keys=True, ensure_ascii=False).encode())
    digest.update((DATA_DIR / "lexicon.yaml").read_bytes())
    digest.update(json.dumps(BOW_CONFIG, sort_keys=True).encode())
    combination = {
        "evidence": sorted(map(list, EVIDENCE_CONFIDENCE.items())),
        "weak": WEAK_CONFIDENCE,
        "negation": NEGATION_DAMPING,
    }
    digest.update(json.dumps(combination, sort_keys=True, default=str).encode())
    # A new decision rule is a new version.
    for rule in (Analyzer.decide, Analyzer.asked, Analyzer._bar, evidence_confidence):
        digest.update(inspect.getsource(rule).encode())
    return digest.hexdigest()[:10]


def train(
    *,
    epochs: int = 14,
    seed: int = 0,
    out_dir: Path = MODEL_DIR,
    verbose: bool = True,
    rows: Sequence[dict[str, Any]] | None = None,
) -> ModelMeta:
    """``rows``: the corpus to learn from (default: all of corpus/messages.jsonl; the family-out
    evaluation passes the corpus less one family)."""
    log = print if verbose else (lambda *a, **k: None)
    fix_random_seed(seed)
    rng = random.Random(seed)
    labels = list(load_knowledge().label_ids)
    rows = load_corpus() if rows is None else list(rows)
    train_rows = [r for r in rows if r["split"] == "train"]
    dev_rows = [r for r in rows if r["split"] == "dev"]
    log(f"corpus: {len(train_rows)} train, {len(dev_rows)} dev messages; labels: {', '.join(labels)}")

    nlp = spacy.blank("xx")
    textcat = nlp.add_pipe("textcat_multilabel", config={"model": BOW_CONFIG, "threshold": 0.5})
    for label in labels:
        textcat.add_label(label)

    def example(row: dict[str, Any]) -> Example:
        doc = nlp.make_doc(model_input(row["subject"], row["body"]))
        return Example.from_dict(doc, {"cats": {label: float(label in row["labels"]) for label in labels}})

    train_examples = [example(r) for r in train_rows]
    dev_examples = [example(r) for r in dev_rows]
    optimizer = nlp.initialize(lambda: train_examples)
    best_macro, best_bytes = -1.0, b""
    for epoch in range(1, epochs + 1):
        rng.shuffle(train_examples)
        losses: dict[str, float] = {}
        for batch in minibatch(train_examples, size=16):
            nlp.update(batch, sgd=optimizer, drop=0.2, losses=losses)
        predicted = [[label for label, p in nlp(ex.reference.text).cats.items() if p >= 0.5] for ex in dev_examples]
        macro = multilabel_report([r["labels"] for r in dev_rows], predicted, labels)["macro_f1"]
        log(
            f"epoch {epoch:2d}  loss {losses.get('textcat_multilabel', 0):8.3f}  dev macro-F1 (model alone) {macro:.3f}"
        )
        if macro > best_macro:
            best_macro, best_bytes = macro, nlp.to_bytes()
    nlp.from_bytes(best_bytes)

    version = f"rights-bow-{corpus_digest(rows)}"
    meta = ModelMeta(version=version, labels=labels)
    analyzer = Analyzer(RightsModel(nlp, meta))
    combined: list[dict[str, float]] = []
    asked: list[set[str]] = []
    seen: list[set[str]] = []
    for row in dev_rows:
        _, cleaned, subject_matches, body_matches = analyzer.prepare(row["subject"], row["body"])
        combined.append(analyzer.combined_scores(row["subject"], cleaned, subject_matches + body_matches))
        asked.append(analyzer.asked(subject_matches + body_matches))
        seen.append({m.label for m in subject_matches + body_matches})
    for label in labels:
        targets = [int(label in r["labels"]) for r in dev_rows]
        a, b = fit_platt([c[label] for c in combined], targets)
        meta.calibration[label] = (round(a, 6), round(b, 6))
    analyzer = Analyzer(RightsModel(nlp, meta))
    calibrated = [analyzer.model.calibrated(c) for c in combined]
    for label in labels:  # a label asked for in so many words is chosen whatever its score (Analyzer.decide)
        meta.thresholds[label] = best_threshold(
            [1.0 if label in a else c[label] for c, a in zip(calibrated, asked, strict=True)],
            [int(label in r["labels"]) for r in dev_rows],
        )
    analyzer = Analyzer(RightsModel(nlp, meta))
    predicted = [analyzer.decide(c, a, w) for c, a, w in zip(calibrated, asked, seen, strict=True)]
    report = multilabel_report([r["labels"] for r in dev_rows], predicted, labels)
    meta.metrics = {
        "dev_macro_f1": round(report["macro_f1"], 4),
        "dev_micro_f1": round(report["micro_f1"], 4),
        "dev_exact_match": round(report["exact_match"], 4),
        "epochs": epochs,
        "seed": seed,
        "train_messages": len(train_rows),
        "dev_messages": len(dev_rows),
    }
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    nlp.to_disk(out_dir / "textcat")
    meta.save(out_dir)
    log(
        f"dev (combined, calibrated): macro-F1 {report['macro_f1']:.3f}, micro-F1 {report['micro_f1']:.3f}, "
        f"exact match {report['exact_match']:.3f}"
    )
    log(f"model {version} written to {out_dir}")
    return meta


def train_with_gold(
    gold: Sequence[dict[str, Any]], *, epochs: int = 14, seed: int = 0, verbose: bool = True
) -> tuple[ModelMeta, Path]:
    """Train on the corpus plus the gold cases not held out (``gold.held_out``), whose text was masked
    when stored; write the model to MODELS_DIR/<version>/ and return its meta and directory.
    ``gold``: rows as ``store.gold.gold_rows`` gives them."""
    from .versions import models_dir

    gold = [r for r in gold if r["body"] is not None]
    learnt = [
        {"id": r["id"], "lang": r["lang"], "subject": r["subject"], "body": r["body"], "labels": r["labels"]}
        | {"split": "train", "family": "gold"}
        for r in gold
        if r["split"] == "train"
    ]
    building = models_dir() / ".training"
    meta = train(epochs=epochs, seed=seed, out_dir=building, verbose=verbose, rows=[*load_corpus(), *learnt])
    meta.metrics |= {"gold_trained": len(learnt), "gold_held_out": len(gold) - len(learnt)}
    meta.save(building)
    target = models_dir() / meta.version
    if target.exists():
        shutil.rmtree(target)
    building.rename(target)
    return meta, target


def main(argv: Sequence[str] | None = None, gold_loader: Callable[[], list[dict[str, Any]]] | None = None) -> int:
    """``gold_loader``: reads the agents' gold (``python -m assistant`` passes the store's; nlp reads no database)."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m assistant train", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--epochs", type=int, default=14)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--with-gold", action="store_true", help="add the agents' gold from DATABASE_URL; write a new version"
    )
    args = parser.parse_args(argv)
    if args.with_gold:
        if gold_loader is None:
            parser.error("--with-gold needs the store: run `python -m assistant train --with-gold`")
        meta, directory = train_with_gold(gold_loader(), epochs=args.epochs, seed=args.seed)
        print(f"new version {meta.version} in {directory} (not used until promoted)")
        print(f"gold: {meta.metrics['gold_trained']} cases trained on, {meta.metrics['gold_held_out']} held out")
        print(f"compare it: python -m assistant model compare {meta.version}")
        return 0
    train(epochs=args.epochs, seed=args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
