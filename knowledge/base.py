"""Typed, immutable knowledge: the policy's clauses, the GDPR rules, the label taxonomy.

Loaded once per process (`load()` is cached); every reply and chat answer cites a clause id
and `KnowledgeBase.version`, so an answer can be traced to the exact data it came from.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from .chatdata import ChatData, ChatDataError, load_chat, parse_yaml
from .text import fold

DATA_DIR = Path(__file__).parent / "data"
REAL_WORDS = "real_words.txt"
SOURCE_LANGUAGE = "fr"  # the policy given to us; every other rendering is ours
LANGUAGES = ("fr", "es", "en")  # renderings kept inline in policy/*.yaml; later ones live in lang/<code>/policy.yaml
CAPABILITIES = ("classify", "reply", "chat", "ui")


class KnowledgeError(ValueError):
    """A knowledge file is malformed or refers to something that does not exist."""


@dataclass(frozen=True)
class Fact:
    """A checkable statement of a clause: a value and the French words that prove it."""

    kind: str
    value: str
    quote: str = ""
    article: str = ""
    start: str = ""
    years: int = 0
    months: int = 0


@dataclass(frozen=True)
class Clause:
    """One citable piece of the policy."""

    id: str
    section: str
    source_heading: str
    title: Mapping[str, str]
    text: Mapping[str, str]
    topics: tuple[str, ...]
    keywords: Mapping[str, tuple[str, ...]]
    labels: tuple[str, ...]
    facts: tuple[Fact, ...]
    fr_with_splices: str = ""  # text.fr with ¦ where the OCR split one cell across pages/columns

    def text_in(self, lang: str) -> str:
        """The clause in ``lang``; Spanish where we have no rendering (the office's language)."""
        return self.text.get(lang) or self.text["es"]

    def title_in(self, lang: str) -> str:
        return self.title.get(lang) or self.title["es"]


@dataclass(frozen=True)
class Rule:
    """A GDPR provision replies rely on that the policy does not state."""

    id: str
    article: str
    title: Mapping[str, str]
    text: Mapping[str, str]
    labels: tuple[str, ...]
    facts: tuple[Fact, ...]
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))

    def text_in(self, lang: str) -> str:
        return self.text.get(lang) or self.text["es"]

    def title_in(self, lang: str) -> str:
        return self.title.get(lang) or self.title["es"]


@dataclass(frozen=True)
class Language:
    """One language and what it supports (data/languages.yaml)."""

    code: str
    name: str
    supports: frozenset[str]


@dataclass(frozen=True)
class Label:
    """One label of the taxonomy, with the facts replies and the chat need about the right."""

    id: str
    gdpr: str
    imap_keyword: str
    name: Mapping[str, str]
    right: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # "your right of {right}"
    needs_identity: bool = False  # GDPR Art. 12(6): the answer discloses or changes data
    needs_policy: bool = False  # the office needs the policy number to find the data
    exercise_clauses: tuple[str, ...] = ()  # clauses quoted when a visitor asks how to exercise it
    exercisable: bool = False  # a visitor can exercise it (not "information" or "other")


@dataclass(frozen=True)
class LabelLexicon:
    """Phrases that invoke one right: `request` phrases ask; `right` phrases name the right.

    `topic`, when given: words one of which the message must contain for the phrases to count as
    strong (a generic "I have a question" asks about personal data only if the mail speaks of it).
    `specialises`, when given: (a broader label, words): evidence for the broader label whose
    sentence holds one of the words is evidence for this one ("I object ... advertising")."""

    articles: tuple[str, ...]
    right: tuple[str, ...]
    request: tuple[str, ...]
    topic: tuple[str, ...] = ()
    specialises: tuple[str, tuple[str, ...]] | None = None


@dataclass(frozen=True)
class SentenceAct:
    """What a sentence does with the rights it names (issue 11): states a condition, recalls an
    earlier request, lists what the law entitles to. A sentence holding one of `words` or matching
    one of `patterns` performs the act; evidence for the `weakens` labels in it is a mention."""

    name: str
    words: tuple[str, ...]
    patterns: tuple[str, ...]
    weakens: frozenset[str]
    # (label, words): the act beside one of these words anywhere in the text is evidence for the label
    # ("I asked you in March ... still nothing" is a present grievance: complaint).
    grievance: tuple[str, tuple[str, ...]] | None = None
    scope: str = "sentence"  # or "clause": the act holds in its clause only


@dataclass(frozen=True)
class Lexicon:
    """The classifier's multilingual phrase lists (syntax documented in data/lexicon.yaml)."""

    negators: frozenset[str]
    cessation: frozenset[str]
    hedges: tuple[str, ...]
    right_words: frozenset[str]
    request_noun_markers: frozenset[str]
    request_nouns: frozenset[str]
    earlier_request_verbs: frozenset[str]
    request_verbs: tuple[str, ...]
    gdpr_citations: tuple[str, ...]
    labels: Mapping[str, LabelLexicon]
    acts: tuple[SentenceAct, ...] = ()
    classes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # `@name` in a slot: any of these words
    # ordinary words typo repair leaves alone (data/real_words.txt, written by scripts/real_words.py)
    real_words: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Block:
    """A piece of a reply and the entries whose facts it states."""

    text: str
    cites: tuple[str, ...]


@dataclass(frozen=True)
class ReplyTemplates:
    """One language's reply templates (data/templates/<lang>.yaml)."""

    lang: str
    greeting_named: str
    greeting_anonymous: str
    intro: str
    reference: str
    blocks: Mapping[str, Block]
    identity: Block
    deadline: Block
    free: Block
    extension: Block
    closing: Block
    placeholders: Mapping[str, str]
    routing: Mapping[str, str]
    date_format: str = "{d}/{m}/{y}"
    months: tuple[str, ...] = tuple(str(n) for n in range(1, 13))

    def format_date(self, day: Any) -> str:
        """A date as a letter in this language writes it ("2 de marzo de 2026")."""
        return self.date_format.format(d=day.day, m=self.months[day.month - 1], y=day.year)

    def all_blocks(self) -> dict[str, Block]:
        named = {f"label:{k}": v for k, v in self.blocks.items()}
        named.update(
            identity=self.identity,
            deadline=self.deadline,
            free=self.free,
            extension=self.extension,
            closing=self.closing,
        )
        return named


@dataclass(frozen=True)
class KnowledgeBase:
    clauses: tuple[Clause, ...]
    rules: tuple[Rule, ...]
    labels: tuple[Label, ...]
    version: str
    policy_version: str
    lexicon: Lexicon
    templates: Mapping[str, ReplyTemplates]
    languages: tuple[Language, ...] = ()
    chat: ChatData | None = None
    contacts: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def languages_for(self, capability: str) -> tuple[str, ...]:
        """Codes of the languages that declare ``capability`` (classify, reply, chat, ui), in file order."""
        return tuple(lang.code for lang in self.languages if capability in lang.supports)

    @property
    def text_languages(self) -> tuple[str, ...]:
        """The source language and every language the chat answers in: clauses and rules have all."""
        return tuple(dict.fromkeys((SOURCE_LANGUAGE, *self.languages_for("chat"))))

    @property
    def right_ids(self) -> tuple[str, ...]:
        """The labels that are rights a person can exercise, in the taxonomy's order."""
        return tuple(label.id for label in self.labels if label.exercisable)

    def __iter__(self) -> Iterator[Clause]:
        return iter(self.clauses)

    def clause(self, clause_id: str) -> Clause:
        for clause in self.clauses:
            if clause.id == clause_id:
                return clause
        raise KeyError(clause_id)

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def entry(self, entry_id: str) -> Clause | Rule:
        """A clause or a rule by id: citations may name either."""
        return self.rule(entry_id) if entry_id.startswith("gdpr.") else self.clause(entry_id)

    def by_label(self, label: str) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if label in c.labels)

    def by_topic(self, topic: str) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if topic in c.topics)

    def rules_for(self, label: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if label in r.labels)

    @property
    def label_ids(self) -> tuple[str, ...]:
        return tuple(label.id for label in self.labels)

    def label(self, label_id: str) -> Label:
        for label in self.labels:
            if label.id == label_id:
                return label
        raise KeyError(label_id)


def _frozen_map(raw: Any, where: str) -> Mapping[str, str]:
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise KnowledgeError(f"{where}: expected a mapping of language to text")
    return MappingProxyType({k: " ".join(v.split()) for k, v in raw.items()})


def _fact(raw: dict[str, Any], where: str) -> Fact:
    if not isinstance(raw, dict) or "kind" not in raw or "value" not in raw:
        raise KnowledgeError(f"{where}: a fact needs kind and value")
    duration = raw.get("duration") or {}
    unknown = set(raw) - {"kind", "value", "quote", "article", "start", "duration", "months"}
    if unknown:
        raise KnowledgeError(f"{where}: unknown fact field(s) {sorted(unknown)}")
    return Fact(
        kind=str(raw["kind"]),
        value=str(raw["value"]),
        quote=str(raw.get("quote", "")),
        article=str(raw.get("article", "")),
        start=str(raw.get("start", "")),
        years=int(duration.get("years", 0)),
        months=int(duration.get("months", raw.get("months", 0))),
    )


CLAUSE_FIELDS = {"id", "section", "source_heading", "title", "text", "topics", "keywords", "labels", "facts"}


def _clause(raw: dict[str, Any], where: str) -> Clause:
    missing = CLAUSE_FIELDS - set(raw)
    extra = set(raw) - CLAUSE_FIELDS
    if missing or extra:
        raise KnowledgeError(f"{where}: missing {sorted(missing)} unknown {sorted(extra)}")
    cid = raw["id"]
    text = _frozen_map(raw["text"], f"{cid}.text")
    fr_with_splices = text.get("fr", "")
    clean = {k: re.sub(r"\s*¦\s*", " ", v) for k, v in text.items()}
    keywords = raw["keywords"]
    if not isinstance(keywords, dict):
        raise KnowledgeError(f"{where} {cid}: keywords must map language to a list")
    return Clause(
        id=cid,
        section=raw["section"],
        source_heading=raw["source_heading"],
        title=_frozen_map(raw["title"], f"{cid}.title"),
        text=MappingProxyType(clean),
        topics=tuple(raw["topics"]),
        keywords=MappingProxyType({k: tuple(v) for k, v in keywords.items()}),
        labels=tuple(raw["labels"]),
        facts=tuple(_fact(f, f"{cid}.facts[{i}]") for i, f in enumerate(raw["facts"] or [])),
        fr_with_splices=fr_with_splices,
    )


def _rule(raw: dict[str, Any], where: str) -> Rule:
    for key in ("id", "article", "title", "text", "labels"):
        if key not in raw:
            raise KnowledgeError(f"{where}: rule lacks {key}")
    rid = raw["id"]
    return Rule(
        id=rid,
        article=raw["article"],
        title=_frozen_map(raw["title"], f"{rid}.title"),
        text=_frozen_map(raw["text"], f"{rid}.text"),
        labels=tuple(raw["labels"]),
        facts=tuple(_fact(f, f"{rid}.facts[{i}]") for i, f in enumerate(raw.get("facts") or [])),
        keywords=MappingProxyType({k: tuple(v) for k, v in (raw.get("keywords") or {}).items()}),
    )


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = parse_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path.name}: invalid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise KnowledgeError(f"{path.name}: expected a mapping at the top")
    return data


def data_files(data_dir: Path = DATA_DIR) -> list[Path]:
    return sorted([*data_dir.rglob("*.yaml"), *data_dir.glob(REAL_WORDS)])


def load_from(data_dir: Path) -> KnowledgeBase:
    """Read and validate the structure of the data files in ``data_dir`` (no caching)."""
    digest = hashlib.sha256()
    for path in data_files(data_dir):
        digest.update(path.relative_to(data_dir).as_posix().encode())
        digest.update(path.read_bytes())
    renderings = _renderings(data_dir)
    clauses: list[Clause] = []
    for path in sorted((data_dir / "policy").glob("*.yaml")):
        for i, raw in enumerate(_read_yaml(path).get("clauses") or []):
            extra = renderings["clauses"].get(raw.get("id", ""), {})
            clauses.append(_clause(_overlay(raw, extra), f"{path.name}[{i}]"))
    rules = tuple(
        _rule(_overlay(raw, renderings["rules"].get(raw.get("id", ""), {})), f"gdpr_rules.yaml[{i}]")
        for i, raw in enumerate(_read_yaml(data_dir / "gdpr_rules.yaml").get("rules") or [])
    )
    labels = tuple(_label(raw) for raw in _read_yaml(data_dir / "labels.yaml")["labels"])
    languages = _languages(_read_yaml(data_dir / "languages.yaml"))
    chat_codes = tuple(lang.code for lang in languages if "chat" in lang.supports)
    try:
        chat = load_chat(data_dir, chat_codes)
    except ChatDataError as exc:
        raise KnowledgeError(str(exc)) from None
    return KnowledgeBase(
        clauses=tuple(clauses),
        rules=rules,
        labels=labels,
        version=digest.hexdigest()[:12],
        policy_version="caser-privacy-fr-v02-2023-11-06",
        lexicon=_lexicon(
            _read_yaml(data_dir / "lexicon.yaml"), {label.id for label in labels}, _word_list(data_dir / REAL_WORDS)
        ),
        templates=MappingProxyType(
            {p.stem: _templates(_read_yaml(p), p.name) for p in sorted((data_dir / "templates").glob("*.yaml"))}
        ),
        languages=languages,
        chat=chat,
        contacts=_contacts(_read_yaml(data_dir / "contacts.yaml"), clauses),
    )


def _label(raw: dict[str, Any]) -> Label:
    lid = raw["id"]
    return Label(
        id=lid,
        gdpr=raw["gdpr"],
        imap_keyword=raw["imap_keyword"],
        name=_frozen_map(raw["name"], lid),
        right=_frozen_map(raw.get("right") or {}, f"{lid}.right"),
        needs_identity=bool(raw.get("needs_identity", False)),
        needs_policy=bool(raw.get("needs_policy", False)),
        exercise_clauses=tuple(raw.get("exercise_clauses") or ()),
        exercisable=bool(raw.get("exercisable", False)),
    )


def _languages(raw: dict[str, Any]) -> tuple[Language, ...]:
    languages = []
    for i, entry in enumerate(raw.get("languages") or []):
        supports = frozenset(entry.get("supports") or ())
        if not isinstance(entry.get("code"), str) or supports - set(CAPABILITIES):
            raise KnowledgeError(f"languages.yaml[{i}]: needs a code and supports among {CAPABILITIES}")
        languages.append(Language(entry["code"], str(entry.get("name", entry["code"])), supports))
    return tuple(languages)


def _contacts(raw: dict[str, Any], clauses: list[Clause]) -> Mapping[str, str]:
    """Contact points named once (contacts.yaml), their values read from the clauses' facts."""
    by_id = {c.id: c for c in clauses}
    contacts = {}
    for name, ref in (raw.get("contacts") or {}).items():
        clause = by_id.get(ref.get("clause", ""))
        fact = next((f for f in clause.facts if f.kind == ref.get("kind")), None) if clause else None
        if fact is None:
            raise KnowledgeError(f"contacts.yaml: {name}: no {ref.get('kind')} fact in clause {ref.get('clause')}")
        contacts[name] = fact.value
    return MappingProxyType(contacts)


def _renderings(data_dir: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """lang/<code>/policy.yaml: {"clauses"|"rules": {id: {title, text, keywords?}}} per language."""
    found: dict[str, dict[str, dict[str, Any]]] = {"clauses": {}, "rules": {}}
    for path in sorted(data_dir.glob("lang/*/policy.yaml")):
        code = path.parent.name
        raw = _read_yaml(path)
        for kind in ("clauses", "rules"):
            for entry_id, fields in (raw.get(kind) or {}).items():
                if not isinstance(fields, dict) or set(fields) - {"title", "text", "keywords"}:
                    raise KnowledgeError(f"lang/{code}/policy.yaml: {entry_id}: expected title, text, keywords")
                found[kind].setdefault(entry_id, {})[code] = fields
    return found


def _overlay(raw: dict[str, Any], extra: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The entry's raw fields with the renderings of lang/<code>/policy.yaml added per language."""
    if not extra:
        return raw
    merged = dict(raw)
    for key in ("title", "text", "keywords"):
        merged[key] = dict(merged.get(key) or {})
        for code, fields in extra.items():
            if key in fields:
                merged[key][code] = fields[key]
    return merged


PLACEHOLDER = re.compile(r"\[\[([a-z_]+)\]\]")


def _block(raw: Any, where: str) -> Block:
    if not isinstance(raw, dict) or "text" not in raw or "cites" not in raw:
        raise KnowledgeError(f"{where}: a block needs text and cites")
    return Block(text=" ".join(str(raw["text"]).split(" ")).strip(), cites=tuple(raw["cites"]))


def _templates(raw: dict[str, Any], where: str) -> ReplyTemplates:
    try:
        templates = ReplyTemplates(
            lang=raw["lang"],
            greeting_named=raw["greeting"]["named"],
            greeting_anonymous=raw["greeting"]["anonymous"],
            intro=raw["intro"],
            reference=raw["reference"],
            blocks=MappingProxyType({k: _block(v, f"{where}:{k}") for k, v in raw["blocks"].items()}),
            identity=_block(raw["identity"], f"{where}:identity"),
            deadline=_block(raw["deadline"], f"{where}:deadline"),
            free=_block(raw["free"], f"{where}:free"),
            extension=_block(raw["extension"], f"{where}:extension"),
            closing=_block(raw["closing"], f"{where}:closing"),
            placeholders=MappingProxyType(dict(raw["placeholders"])),
            routing=MappingProxyType(dict(raw["routing"])),
            date_format=str(raw.get("date_format", "{d}/{m}/{y}")),
            months=tuple(str(m) for m in raw.get("months") or range(1, 13)),
        )
        if len(templates.months) != 12:
            raise KnowledgeError(f"{where}: months must list twelve names")
    except KeyError as exc:
        raise KnowledgeError(f"{where}: missing {exc}") from None
    for name, block in templates.all_blocks().items():
        for key in PLACEHOLDER.findall(block.text):
            if key not in templates.placeholders:
                raise KnowledgeError(f"{where}:{name}: placeholder [[{key}]] has no explanation")
    return templates


def _words(raw: dict[str, Any], key: str) -> list[str]:
    values = raw.get(key) or []
    if not all(isinstance(v, str) for v in values):  # YAML 1.1 reads a bare `no` as False
        raise KnowledgeError(f"lexicon.yaml: {key}: quote every entry (a bare no/yes/on is not a word)")
    return values


def _specialises(label: str, entry: dict[str, Any], label_ids: set[str]) -> tuple[str, tuple[str, ...]] | None:
    spec = entry.get("specialises")
    if spec is None:
        return None
    if not isinstance(spec, dict) or spec.get("label") not in label_ids - {label} or not spec.get("words"):
        raise KnowledgeError(f"lexicon.yaml: {label}: specialises needs another label and its words")
    return spec["label"], tuple(_words(spec, "words"))


def _word_list(path: Path) -> frozenset[str]:
    """One word per line, '#' comments; a missing file is an empty list (repair then touches every word)."""
    if not path.exists():
        return frozenset()
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(fold(line) for line in lines if line and not line.startswith("#"))


def _lexicon(raw: dict[str, Any], label_ids: set[str], real_words: frozenset[str] = frozenset()) -> Lexicon:
    unknown = set(raw.get("labels", {})) - label_ids
    if unknown:
        raise KnowledgeError(f"lexicon.yaml: labels not in the taxonomy: {sorted(unknown)}")
    per_label = {}
    classes = {name: tuple(_words(raw["classes"], name)) for name in raw.get("classes") or {}}
    for label, entry in raw["labels"].items():
        patterns = [*entry.get("right", []), *entry.get("request", [])]
        for pattern in patterns:
            if not isinstance(pattern, str) or not pattern.strip() or pattern.strip().startswith("~"):
                raise KnowledgeError(f"lexicon.yaml: {label}: bad pattern {pattern!r}")
            unknown_classes = set(re.findall(r"@(\w+)", pattern)) - set(classes)
            if unknown_classes:
                raise KnowledgeError(f"lexicon.yaml: {label}: unknown word classes {sorted(unknown_classes)}")
        per_label[label] = LabelLexicon(
            articles=tuple(str(a) for a in entry.get("articles", [])),
            right=tuple(entry.get("right", [])),
            request=tuple(entry.get("request", [])),
            topic=tuple(_words(entry, "topic")),
            specialises=_specialises(label, entry, label_ids),
        )
    return Lexicon(
        negators=frozenset(_words(raw, "negators")),
        cessation=frozenset(_words(raw, "cessation")),
        hedges=tuple(_words(raw, "hedges")),
        right_words=frozenset(_words(raw, "right_words")),
        request_noun_markers=frozenset(fold(w) for w in _words(raw, "request_noun_markers")),
        request_nouns=frozenset(fold(w) for w in _words(raw, "request_nouns")),
        earlier_request_verbs=frozenset(fold(w) for w in _words(raw, "earlier_request_verbs")),
        request_verbs=tuple(_words(raw, "request_verbs")),
        gdpr_citations=tuple(str(c) for c in raw["gdpr_citations"]),
        labels=MappingProxyType(per_label),
        acts=tuple(_act(name, spec, label_ids) for name, spec in raw.get("acts", {}).items()),
        classes=MappingProxyType(classes),
        real_words=real_words,
    )


def _act(name: str, spec: dict[str, Any], label_ids: set[str]) -> SentenceAct:
    weakens = set(spec.get("weakens", []))
    if "all_but" in spec:
        weakens = label_ids - set(spec["all_but"])
    unknown = weakens - label_ids
    if unknown or not weakens:
        raise KnowledgeError(f"lexicon.yaml: act {name}: weakens unknown or no labels: {sorted(unknown)}")
    for pattern in spec.get("patterns", []):
        if not isinstance(pattern, str) or not pattern.strip() or pattern.strip().startswith("~"):
            raise KnowledgeError(f"lexicon.yaml: act {name}: bad pattern {pattern!r}")
    grievance = None
    if spec.get("grievance"):
        label = spec["grievance"].get("label")
        if label not in label_ids:
            raise KnowledgeError(f"lexicon.yaml: act {name}: grievance label {label!r} not in the taxonomy")
        grievance = (label, tuple(_words(spec["grievance"], "words")))
    scope = spec.get("scope", "sentence")
    if scope not in ("sentence", "clause"):
        raise KnowledgeError(f"lexicon.yaml: act {name}: scope is sentence or clause, not {scope!r}")
    return SentenceAct(
        name, tuple(_words(spec, "words")), tuple(spec.get("patterns", [])), frozenset(weakens), grievance, scope
    )


@cache
def load() -> KnowledgeBase:
    """The shipped knowledge base, loaded once per process."""
    return load_from(DATA_DIR)
