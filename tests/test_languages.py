"""A new language is a data edit: a throw-away language built in a temp dir reaches chat and replies."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import yaml

from assistant.chat import ChatEngine
from assistant.replies import ReplyContext, compose_reply
from knowledge.base import DATA_DIR, load_from


def _with_language(tmp_path: Path, code: str = "xx") -> Path:
    """A copy of the data with language ``code`` made from the Spanish files, marked so we can see it."""
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    languages = yaml.safe_load((data / "languages.yaml").read_text(encoding="utf-8"))
    languages["languages"].append({"code": code, "name": "Test", "supports": ["reply", "chat"]})
    (data / "languages.yaml").write_text(yaml.safe_dump(languages, allow_unicode=True), encoding="utf-8")
    shutil.copytree(data / "lang" / "es", data / "lang" / code)
    chat = (data / "lang" / code / "chat.yaml").read_text(encoding="utf-8")
    chat = chat.replace('source: "Fuente: {titles}."', 'source: "XX-FUENTE: {titles}."')
    (data / "lang" / code / "chat.yaml").write_text(chat, encoding="utf-8")
    # Renderings: the Spanish text of every clause and rule, prefixed, as the new language's.
    base = load_from(DATA_DIR)
    rendering = {
        "clauses": {
            c.id: {"title": f"XX {c.title['es']}", "text": c.text["es"], "keywords": list(c.keywords["es"])}
            for c in base.clauses
        },
        "rules": {r.id: {"title": f"XX {r.title['es']}", "text": r.text["es"]} for r in base.rules},
    }
    (data / "lang" / code / "policy.yaml").write_text(yaml.safe_dump(rendering, allow_unicode=True), encoding="utf-8")
    labels = yaml.safe_load((data / "labels.yaml").read_text(encoding="utf-8"))
    for label in labels["labels"]:
        label["name"][code] = "XX-" + label["name"]["es"]
        if "right" in label:
            label["right"][code] = "xx-" + label["right"]["es"]
    (data / "labels.yaml").write_text(yaml.safe_dump(labels, allow_unicode=True), encoding="utf-8")
    templates = (data / "templates" / "es.yaml").read_text(encoding="utf-8").replace("lang: es", f"lang: {code}", 1)
    templates = templates.replace("Estimado/a", "XX-Estimado/a")
    (data / "templates" / f"{code}.yaml").write_text(templates, encoding="utf-8")
    return data


def test_a_new_language_is_seen_by_chat_and_replies_with_no_python_edit(tmp_path: Path):
    kb = load_from(_with_language(tmp_path))
    assert "xx" in kb.languages_for("chat") and "xx" in kb.text_languages

    engine = ChatEngine(kb)
    # Short questions: language identification is unsure, so the page's language (the hint) decides.
    answer = engine.answer("¿eliminar mis datos?", lang="xx")
    assert answer.language == "xx" and answer.answered and answer.kind == "exercise"
    assert "XX-FUENTE" in answer.text and answer.citations[0].title.startswith("XX ")
    assert "xx-supresión" in answer.text
    assert [s.question for s in engine.welcome("xx")]

    reply = compose_reply(ReplyContext(labels=("erasure",), language="xx", received=date(2026, 3, 2)), kb)
    assert reply.language == "xx" and reply.notes == []
    assert reply.text.startswith("XX-Estimado/a") and "XX-Supresión" in reply.text
    assert re.search(r"\d+ de marzo de 2026", reply.text)


def test_every_language_has_the_pieces_it_declares():
    from assistant.nlp.language import SUPPORTED

    kb = load_from(DATA_DIR)
    catalogs = Path(__file__).resolve().parents[1] / "assistant" / "web" / "translations"
    phrases = Path(__file__).resolve().parents[1] / "corpus" / "phrases"
    for lang in kb.languages:
        if "classify" in lang.supports:
            assert lang.code in SUPPORTED and (phrases / f"{lang.code}.yaml").exists(), lang.code
        if "reply" in lang.supports:
            assert lang.code in kb.templates, lang.code
        if "chat" in lang.supports:
            assert lang.code in kb.chat.languages and lang.code in kb.text_languages, lang.code
        if "ui" in lang.supports:
            assert (catalogs / lang.code / "LC_MESSAGES" / "messages.po").exists(), f"no UI catalog for {lang.code}"


def test_a_new_right_is_seen_by_replies_and_chat_with_no_python_edit(tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    labels = yaml.safe_load((data / "labels.yaml").read_text(encoding="utf-8"))
    names = {"es": "Olvido digital", "fr": "Oubli numérique", "en": "Digital oblivion", "ca": "Oblit digital"}
    labels["labels"].insert(
        3,
        {
            "id": "oblivion",
            "gdpr": "Art. 17 bis",
            "imap_keyword": "GDPR_oblivion",
            "name": names,
            "right": {k: v.lower() for k, v in names.items()},
            "exercisable": True,
            "needs_identity": True,
        },
    )
    (data / "labels.yaml").write_text(yaml.safe_dump(labels, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for path in (data / "templates").glob("*.yaml"):
        templates = yaml.safe_load(path.read_text(encoding="utf-8"))
        templates["blocks"]["oblivion"] = {"cites": ["rights.exercise"], "text": f"OBLIVION-{path.stem}"}
        path.write_text(yaml.safe_dump(templates, allow_unicode=True, sort_keys=False), encoding="utf-8")
    intents = yaml.safe_load((data / "chat" / "intents.yaml").read_text(encoding="utf-8"))
    intents["intents"].append({"id": "rights.oblivion", "category": "access", "exercise": "oblivion", "answer": []})
    (data / "chat" / "intents.yaml").write_text(yaml.safe_dump(intents, allow_unicode=True), encoding="utf-8")
    for lang in ("es", "fr", "en", "ca"):
        chat = yaml.safe_load((data / "lang" / lang / "chat.yaml").read_text(encoding="utf-8"))
        chat["intents"]["rights.oblivion"] = {"question": "oblivion?"}
        (data / "lang" / lang / "chat.yaml").write_text(yaml.safe_dump(chat, allow_unicode=True), encoding="utf-8")
        bank_path = data / "lang" / lang / "paraphrases.yaml"
        bank = yaml.safe_load(bank_path.read_text(encoding="utf-8"))
        bank["intents"]["rights.oblivion"] = ["zorblax oblivion please | i want the zorblax oblivion"] * 4
        bank_path.write_text(yaml.safe_dump(bank, allow_unicode=True), encoding="utf-8")
    kb = load_from(data)
    assert "oblivion" in kb.right_ids

    reply = compose_reply(ReplyContext(labels=("oblivion", "access"), language="en", received=date(2026, 3, 2)), kb)
    assert "OBLIVION-en" in reply.text and "Digital oblivion" in reply.text
    assert reply.asks_for_identity
    assert reply.text.index("Access") < reply.text.index("Digital oblivion")  # the order of labels.yaml

    result = ChatEngine(kb).answer("I want the zorblax oblivion, please")
    assert result.intent == "rights.oblivion" and result.kind == "exercise"
    assert "digital oblivion" in result.text
