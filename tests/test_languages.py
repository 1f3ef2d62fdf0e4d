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
