"""The classifier's tools joined to the store: the layers keep nlp from reading the database, so the
commands that need the agents' gold start here (`python -m assistant eval|train|model`)."""

from __future__ import annotations

from collections.abc import Sequence

from .nlp import evaluate, promotion, train
from .store.gold import load_gold


def eval_main(argv: Sequence[str]) -> int:
    return evaluate.main(argv, gold_loader=load_gold)


def train_main(argv: Sequence[str]) -> int:
    return train.main(argv, gold_loader=load_gold)


def model_main(argv: Sequence[str]) -> int:
    return promotion.main(argv, gold_loader=load_gold)
