"""A new language is a data edit: a throw-away language built in a temp dir reaches the chat, the
replies and the UI (console and widget); a throw-away right reaches replies, chat and console alike."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from webapp import ConsoleActions

from assistant.chat import ChatEngine
from assistant.config import load_config
from assistant.replies import ReplyContext, compose_reply
from assistant.store import make_engine, repo, session_factory, transaction, upgrade
from assistant.web import create_app
from assistant.web.i18n import TRANSLATIONS
from knowledge.base import DATA_DIR, KnowledgeBase, load_from

# The UI needs a language CLDR knows (dates, numbers, its own name): Galician, which the project has not.
UI_CODE = "gl"


def _with_language(tmp_path: Path, code: str, supports: tuple[str, ...]) -> Path:
    """A copy of the data with language ``code`` made from the Spanish files, marked so we can see it."""
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    languages = yaml.safe_load((data / "languages.yaml").read_text(encoding="utf-8"))
    languages["languages"].append({"code": code, "name": "Test", "supports": list(supports)})
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


@pytest.fixture(scope="module")
def new_language(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The shipped data plus a throw-away language that declares every capability but classify
    (built once for the module: loading a knowledge base takes seconds)."""
    return load_from(_with_language(tmp_path_factory.mktemp("lang"), UI_CODE, ("reply", "chat", "ui")))


def test_a_new_language_is_seen_by_chat_and_replies_with_no_python_edit(new_language: KnowledgeBase):
    kb, code = new_language, UI_CODE
    assert code in kb.languages_for("chat") and code in kb.text_languages

    engine = ChatEngine(kb)
    # Short questions: language identification is unsure, so the page's language (the hint) decides.
    answer = engine.answer("¿eliminar mis datos?", lang=code)
    assert answer.language == code and answer.answered and answer.kind == "exercise"
    assert "XX-FUENTE" in answer.text and answer.citations[0].title.startswith("XX ")
    assert "xx-supresión" in answer.text
    assert [s.question for s in engine.welcome(code)]

    reply = compose_reply(ReplyContext(labels=("erasure",), language=code, received=date(2026, 3, 2)), kb)
    assert reply.language == code and reply.notes == []
    assert reply.text.startswith("XX-Estimado/a") and "XX-Supresión" in reply.text
    assert re.search(r"\d+ de marzo de 2026", reply.text)


def _catalogs_with(tmp_path: Path, code: str) -> Path:
    """The shipped gettext catalogs plus one for ``code``: the Spanish one, every string marked "XX-"."""
    catalogs = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, catalogs)
    with (TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=code)
    for message in catalog:
        if message.id and message.string:
            if isinstance(message.string, tuple):
                message.string = tuple(f"XX-{text}" for text in message.string)
            else:
                message.string = f"XX-{message.string}"
    folder = catalogs / code / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.po").open("wb") as f:  # what a translator commits; make translations compiles it
        write_po(f, catalog)
    with (folder / "messages.mo").open("wb") as f:
        write_mo(f, catalog)
    return catalogs


def _app(tmp_path: Path, kb: KnowledgeBase, catalogs: Path | None = None):  # type: ignore[no-untyped-def]
    """The real app over an empty SQLite database with one agent, reading ``kb`` (and ``catalogs``)."""
    url = f"sqlite:///{tmp_path / 'ui.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with transaction(session_factory(engine)) as session:
        repo.create_user(session, "agent", "tranquil-harbour-lantern-42")
    config = load_config({"DATABASE_URL": url, "SECRET_KEY": "test-secret", "APP_ENV": "test"})
    test_config = {"CONFIG": config, "TESTING": True, "KNOWLEDGE": kb, "PRELOAD_MODELS": False}
    if catalogs is not None:
        test_config["BABEL_TRANSLATION_DIRECTORIES"] = str(catalogs)
    return create_app(test_config)


def test_a_new_language_is_seen_by_the_console_and_the_widget_with_no_python_edit(
    tmp_path: Path, new_language: KnowledgeBase
):
    kb = new_language
    assert UI_CODE in kb.languages_for("ui")
    client = _app(tmp_path, kb, _catalogs_with(tmp_path, UI_CODE)).test_client()

    login = client.get(f"/login?lang={UI_CODE}").get_data(as_text=True)
    assert f'<html lang="{UI_CODE}">' in login and "XX-Iniciar sesión" in login
    assert f'hreflang="{UI_CODE}"' in login  # the language switcher offers it
    ConsoleActions(client).login()
    queue = client.get("/").get_data(as_text=True)  # the session remembers the language
    assert f'<html lang="{UI_CODE}">' in queue and "XX-Supresión" in queue  # the right's name from labels.yaml

    script = client.get("/widget.js").get_data(as_text=True)
    table, _ = json.JSONDecoder().raw_decode(script.split("var TEXT = ", 1)[1])  # widget.js's word table
    assert set(table) == set(kb.languages_for("ui"))
    assert table[UI_CODE]["title"].startswith("XX-") and table["es"]["title"] == "Asistente de privacidad"


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

    client = _app(tmp_path, kb).test_client()
    ConsoleActions(client).login()
    queue = client.get("/?lang=fr").get_data(as_text=True)
    assert re.search(r'<option value="oblivion"[^>]*>Oubli numérique</option>', queue)  # the queue's right filter
