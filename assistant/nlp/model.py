"""The trained text categoriser and how its score meets the lexicon's evidence.

Combination, in words: the lexicon's non-negated evidence for a label is a confidence (a request
phrase, or a right named after a request verb, 0.85 — design.md: "the request is in the verbs";
a cited article after one 0.6; a mere mention 0.25), merged with the model's probability by
noisy-OR; evidence that
is all negated instead damps the model's probability. A phrase in a sentence that
states a condition, recalls an earlier request or lists the law (lexicon `acts`) counts as
negated evidence does. The result is calibrated per label
(Platt scaling fitted on the dev split) and compared with a per-label threshold chosen on dev.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import spacy
from spacy.language import Language

from .lexicon import Match
from .versions import current_dir

MODEL_DIR = Path(__file__).parent / "model"
EVIDENCE_CONFIDENCE = {
    ("request", "strong"): 0.85,
    ("right", "strong"): 0.85,
    ("article", "strong"): 0.6,
    ("question", "strong"): 0.6,  # a question about personal data: information, unless a right is asked
}
WEAK_CONFIDENCE = 0.25
NEGATION_DAMPING = 0.3


def evidence_confidence(matches: Iterable[Match]) -> tuple[float, bool]:
    """(noisy-OR confidence of the positive evidence, True if there was only counter-evidence: phrases
    negated, or read as mentions because their sentence states a condition or recalls a request)."""
    remaining, positive, negated = 1.0, False, False
    for m in matches:
        if m.negated or m.mention:
            negated = True
            continue
        positive = True
        remaining *= 1 - EVIDENCE_CONFIDENCE.get((m.kind, m.strength), WEAK_CONFIDENCE)
    return min(1 - remaining, 0.97), (negated and not positive)


def combine(model_score: float, matches: Sequence[Match]) -> float:
    confidence, only_negated = evidence_confidence(matches)
    if only_negated:
        return model_score * NEGATION_DAMPING
    return 1 - (1 - model_score) * (1 - confidence)


@dataclass(frozen=True)
class Calibration:
    """Platt scaling: p = 1 / (1 + exp(-(a * logit(s) + b)))."""

    a: float = 1.0
    b: float = 0.0

    def __call__(self, score: float) -> float:
        s = min(max(score, 1e-6), 1 - 1e-6)
        z = self.a * math.log(s / (1 - s)) + self.b
        return 1 / (1 + math.exp(-max(min(z, 40), -40)))


@dataclass
class ModelMeta:
    version: str
    labels: list[str]
    thresholds: dict[str, float] = field(default_factory=dict)
    calibration: dict[str, tuple[float, float]] = field(default_factory=dict)
    metrics: dict[str, object] = field(default_factory=dict)

    def save(self, directory: Path) -> None:
        (directory / "meta.json").write_text(json.dumps(self.__dict__, indent=2, sort_keys=True) + "\n")

    @classmethod
    def load(cls, directory: Path) -> ModelMeta:
        data = json.loads((directory / "meta.json").read_text())
        data["calibration"] = {k: tuple(v) for k, v in data.get("calibration", {}).items()}
        return cls(**data)


class RightsModel:
    """The shipped spaCy text categoriser plus its calibration and thresholds."""

    def __init__(self, nlp: Language, meta: ModelMeta, directory: Path | None = None) -> None:
        self.nlp = nlp
        self.meta = meta
        self.directory = directory
        self.calibrations = {label: Calibration(*meta.calibration.get(label, (1.0, 0.0))) for label in meta.labels}

    @classmethod
    def load(cls, directory: Path | None = None) -> RightsModel:
        """The model in ``directory``; by default the promoted one (`python -m assistant model promote`)."""
        directory = directory or current_dir()
        if not (directory / "textcat").exists():
            raise FileNotFoundError(f"no trained model in {directory}; run `python -m assistant train`")
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"\[W095\]")
            nlp = spacy.load(directory / "textcat")
        return cls(nlp, ModelMeta.load(directory), directory)

    @property
    def version(self) -> str:
        return self.meta.version

    def raw_scores(self, text: str) -> dict[str, float]:
        return {label: float(score) for label, score in self.nlp(text).cats.items()}

    def calibrated(self, combined: Mapping[str, float]) -> dict[str, float]:
        return {label: self.calibrations[label](score) for label, score in combined.items()}

    def threshold(self, label: str) -> float:
        return self.meta.thresholds.get(label, 0.5)
