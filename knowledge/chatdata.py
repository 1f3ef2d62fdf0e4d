"""The chat's data: intents (chat/intents.yaml) and, per language, frames, cue words and the
paraphrase bank (lang/<code>/chat.yaml, lang/<code>/paraphrases.yaml).

Kept apart from the policy's clauses: the clauses say what the policy states; these files say
how visitors ask about it and which clause sentences answer each kind of question.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from .text import fold

FRAME_KEYS = (
    "source",
    "no_answer",
    "not_stated",
    "pii",
    "exercise",
    "mailto_subject",
    "mailto_body",
    "fallback",
    "smalltalk",
    "suggest",
    "off_topic",
)
PART_KEYS = ("purpose", "data", "legal_basis", "retention")
DEFAULT_FIRST = 2  # sentences quoted from an entry when the intent names no part or marker


class ChatDataError(ValueError):
    """A chat data file is malformed (the loader's KnowledgeError wraps it)."""


@dataclass(frozen=True)
class AnswerPart:
    """Which sentences of one knowledge entry answer an intent."""

    entry: str
    part: str = ""  # a heading key of PART_KEYS: the clause's section that starts with it
    match: tuple[str, ...] = ()  # folded markers: keep the sentences holding one
    first: int = DEFAULT_FIRST


@dataclass(frozen=True)
class Intent:
    id: str
    category: str
    answer: tuple[AnswerPart, ...]
    exercise: str | None = None  # a right label: the answer says how to exercise it
    unanswered: bool = False  # the policy is silent: say so and point to the DPO
    related: tuple[str, ...] = ()
    note: bool = False  # the language file adds a fixed sentence after the quoted ones
    general: bool = False  # its category's general case: answered when a specific one is not clearly asked
    requires: tuple[str, ...] = ()  # word beginnings (folded), one of which the question must hold
    offtopic: bool = False  # not a data-protection question: the off_topic frame answers


@dataclass(frozen=True)
class IntentText:
    """An intent in one language: the question shown on a suggestion button, and for a silent
    policy what the DPO could be asked; ``note`` an extra fixed sentence."""

    question: str
    ask: str = ""
    note: str = ""


@dataclass(frozen=True)
class ChatLanguage:
    code: str
    frames: Mapping[str, str]
    parts: Mapping[str, tuple[str, ...]]
    smalltalk: tuple[str, ...]
    follow_up: tuple[str, ...]
    joiners: tuple[str, ...]  # words that join two questions in one ("and", "y", "et", "i")
    synonyms: Mapping[str, str]  # folded word -> the word the bank uses ("cv" -> "curriculum")
    anchors: tuple[str, ...]
    welcome: tuple[str, ...]
    intents: Mapping[str, IntentText]
    paraphrases: Mapping[str, tuple[tuple[str, ...], ...]]  # intent -> families -> phrasings


@dataclass(frozen=True)
class ChatData:
    categories: Mapping[str, str]
    intents: tuple[Intent, ...]
    languages: Mapping[str, ChatLanguage]

    def intent(self, intent_id: str) -> Intent:
        for intent in self.intents:
            if intent.id == intent_id:
                return intent
        raise KeyError(intent_id)


# libyaml's parser when PyYAML was built with it: the same data, about ten times faster to load
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    """yaml.safe_load, with the C parser when there is one (knowledge/ loads 20-odd files at start)."""
    return yaml.load(text, Loader=LOADER)  # a safe loader: CSafeLoader or SafeLoader


def _yaml(path: Path) -> dict[str, Any]:
    try:
        data = parse_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ChatDataError(f"{path.name}: {exc}") from None
    if not isinstance(data, dict):
        raise ChatDataError(f"{path}: expected a mapping at the top")
    return data


def _strings(raw: Any, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise ChatDataError(f"{where}: expected a list of quoted strings")
    return tuple(raw)


def _intent(raw: dict[str, Any], where: str) -> Intent:
    unknown = set(raw) - {
        "id",
        "category",
        "answer",
        "exercise",
        "unanswered",
        "related",
        "note",
        "general",
        "requires",
        "offtopic",
    }
    if unknown or "id" not in raw or "category" not in raw:
        raise ChatDataError(f"{where}: needs id and category; unknown fields {sorted(unknown)}")
    parts = []
    for i, part in enumerate(raw.get("answer") or []):
        if not isinstance(part, dict) or "entry" not in part or set(part) - {"entry", "part", "match", "first"}:
            raise ChatDataError(f"{where}.answer[{i}]: expected {{entry, part?, match?, first?}}")
        parts.append(
            AnswerPart(
                entry=str(part["entry"]),
                part=str(part.get("part", "")),
                match=_strings(part.get("match"), f"{where}.answer[{i}].match"),
                first=int(part.get("first", DEFAULT_FIRST)),
            )
        )
    return Intent(
        id=str(raw["id"]),
        category=str(raw["category"]),
        answer=tuple(parts),
        exercise=raw.get("exercise"),
        unanswered=bool(raw.get("unanswered", False)),
        related=_strings(raw.get("related"), f"{where}.related"),
        note=bool(raw.get("note", False)),
        general=bool(raw.get("general", False)),
        requires=tuple(fold(w) for w in _strings(raw.get("requires"), f"{where}.requires")),
        offtopic=bool(raw.get("offtopic", False)),
    )


def _families(raw: Any, where: str) -> tuple[tuple[str, ...], ...]:
    families = []
    for item in _strings(raw, where):
        phrasings = tuple(p.strip() for p in item.split(" | ") if p.strip())
        if phrasings:
            families.append(phrasings)
    return tuple(families)


def _language(code: str, folder: Path) -> ChatLanguage:
    chat = _yaml(folder / "chat.yaml")
    bank = _yaml(folder / "paraphrases.yaml").get("intents") or {}
    frames = chat.get("frames") or {}
    if not isinstance(frames, dict) or not all(isinstance(v, str) for v in frames.values()):
        raise ChatDataError(f"lang/{code}/chat.yaml: frames must map names to text")
    texts = {}
    for intent_id, raw in (chat.get("intents") or {}).items():
        if not isinstance(raw, dict) or "question" not in raw:
            raise ChatDataError(f"lang/{code}/chat.yaml: intents.{intent_id} needs a question")
        texts[intent_id] = IntentText(str(raw["question"]), str(raw.get("ask", "")), str(raw.get("note", "")))
    return ChatLanguage(
        code=code,
        frames=MappingProxyType({k: " ".join(v.split(" ")).strip() for k, v in frames.items()}),
        parts=MappingProxyType(
            {k: _strings(v, f"lang/{code}/chat.yaml parts.{k}") for k, v in (chat.get("parts") or {}).items()}
        ),
        smalltalk=_strings(chat.get("smalltalk"), f"lang/{code}/chat.yaml smalltalk"),
        follow_up=_strings(chat.get("follow_up"), f"lang/{code}/chat.yaml follow_up"),
        joiners=_strings(chat.get("joiners"), f"lang/{code}/chat.yaml joiners"),
        synonyms=MappingProxyType({fold(str(k)): fold(str(v)) for k, v in (chat.get("synonyms") or {}).items()}),
        anchors=tuple(str(chat.get("anchors") or "").split()),
        welcome=_strings(chat.get("welcome"), f"lang/{code}/chat.yaml welcome"),
        intents=MappingProxyType(texts),
        paraphrases=MappingProxyType({k: _families(v, f"lang/{code}/paraphrases.yaml {k}") for k, v in bank.items()}),
    )


def load_chat(data_dir: Path, codes: tuple[str, ...]) -> ChatData:
    """The intents and the chat files of every language in ``codes`` (those declaring `chat`)."""
    raw = _yaml(data_dir / "chat" / "intents.yaml")
    intents = tuple(_intent(r, f"intents.yaml[{i}]") for i, r in enumerate(raw.get("intents") or []))
    return ChatData(
        categories=MappingProxyType(dict(raw.get("categories") or {})),
        intents=intents,
        languages=MappingProxyType({code: _language(code, data_dir / "lang" / code) for code in codes}),
    )
