"""Which trained model the service and the worker load, and the history of promotions.

    MODELS_DIR/<version>/     a model trained with gold (`python -m assistant train --with-gold`)
    MODELS_DIR/CURRENT        the promoted version's name; absent: the shipped assistant/nlp/model/
    MODELS_DIR/HISTORY        one promoted version a line, oldest first ("shipped" for the shipped model)

MODELS_DIR defaults to instance/models (outside git: models trained on Caser's mail stay Caser's).
"""

from __future__ import annotations

import os
from pathlib import Path

SHIPPED = "shipped"
SHIPPED_DIR = Path(__file__).parent / "model"
ROOT = Path(__file__).resolve().parents[2]


def models_dir() -> Path:
    return Path(os.environ.get("MODELS_DIR") or ROOT / "instance" / "models")


def version_dir(version: str) -> Path:
    """The directory of a version name ("shipped" or a trained version); ValueError if there is none."""
    if version == SHIPPED:
        return SHIPPED_DIR
    if not version or "/" in version or version.startswith("."):
        raise ValueError(f"not a model version: {version!r}")
    path = models_dir() / version
    if not (path / "textcat").is_dir():
        raise ValueError(f"no model {version!r} in {models_dir()}")
    return path


def current_version() -> str:
    pointer = models_dir() / "CURRENT"
    name = pointer.read_text().strip() if pointer.exists() else SHIPPED
    try:
        version_dir(name)
    except ValueError:
        return SHIPPED  # a pointer to a deleted model: the shipped one rather than no classifier
    return name


def current_dir() -> Path:
    """The promoted model's directory: what `RightsModel.load()` reads."""
    return version_dir(current_version())


def _history() -> list[str]:
    path = models_dir() / "HISTORY"
    return [line.strip() for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def _write(history: list[str]) -> None:
    directory = models_dir()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "HISTORY").write_text("".join(f"{v}\n" for v in history))
    tmp = directory / "CURRENT.tmp"
    tmp.write_text((history[-1] if history else SHIPPED) + "\n")
    tmp.replace(directory / "CURRENT")  # atomic: a reader sees the old or the new name, never half


def set_current(version: str) -> None:
    version_dir(version)
    history = _history() or [current_version()]
    if history[-1] != version:
        history.append(version)
    _write(history)


def rollback() -> str:
    """Back to the version promoted before the current one; returns its name."""
    history = _history()
    if len(history) < 2:
        raise ValueError("nothing to roll back to: no earlier promotion recorded")
    history.pop()
    _write(history)
    return history[-1]
