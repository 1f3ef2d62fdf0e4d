"""Issue #16: agents' gold, the classifier scored on it, retraining on it without personal data,
and promotion that cannot make things worse."""

from __future__ import annotations

import hashlib
import html as html_module
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_browser import browser  # noqa: F401  (the fixture)
from webapp import make_app

from assistant.nlp import versions
from assistant.nlp.analyze import model_input
from assistant.nlp.masking import mask
from assistant.store import Case, GoldLabel, repo, session_factory, transaction
from assistant.store.gold import load_gold
from mail_ingest.pipeline import Pipeline

ROOT = Path(__file__).resolve().parents[1]


def auth(tokens, who="agent"):
    return {"Authorization": f"Bearer {tokens[who]}"}


def add_messages(engine, rows, when=datetime(2026, 10, 5, tzinfo=UTC)):
    """Store corpus-like rows as received mail and let the pipeline classify them and open cases."""
    factory = session_factory(engine)
    with transaction(factory) as session:
        for i, row in enumerate(rows):
            digest = hashlib.sha256(f"{row['subject']}|{row['body']}|{i}".encode()).hexdigest()
            repo.save_message(
                session,
                repo.NewMessage(
                    content_sha256=digest,
                    subject=row["subject"],
                    body_text=row["body"],
                    from_addr=row.get("from_addr", f"sender{i}@example.org"),
                    from_name=row.get("from_name", ""),
                    received_at=row.get("received_at", when),
                    mailbox="dpo",
                ),
            )
    Pipeline(factory).classify_pending()


def confirm_all(engine, by="agent"):
    """Every case confirmed as the classifier labelled it, as approving its reply does."""
    with transaction(session_factory(engine)) as session:
        for case in session.scalars(select(Case)):
            repo.set_gold(session, case, case.rights, by, "approve")


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_approving_a_reply_makes_the_case_gold(client, tokens, seeded):
    engine, _ = seeded
    h = auth(tokens)
    case_id = client.get("/api/v1/cases?label=erasure", headers=h).get_json()["cases"][0]["id"]
    client.put(f"/api/v1/cases/{case_id}/reply", json={"body": "Borraremos sus datos en el plazo legal."}, headers=h)
    assert client.post(f"/api/v1/cases/{case_id}/reply/approve", headers=h).status_code == 202
    with session_factory(engine)() as session:
        gold = session.scalars(select(GoldLabel).where(GoldLabel.case_id == case_id)).one()
        case = session.get(Case, case_id)
        assert gold.labels == sorted(case.rights) and "erasure" in gold.labels
        assert gold.source == "approve" and gold.set_by == "agent" and gold.set_at is not None
        assert gold.predicted == case.rights and gold.model_version.startswith("rights-")
        assert gold.masked_body  # kept for scoring and training, masked
        for value in (case.requester_email, case.id_number):
            if value:
                assert value.lower() not in gold.masked_body.lower()


def test_a_correction_is_gold_too_and_the_newest_verdict_wins(seeded):
    engine, _ = seeded
    with transaction(session_factory(engine)) as session:
        case = session.scalars(select(Case).order_by(Case.id)).first()
        repo.set_gold(session, case, case.rights, "agent", "approve")
        repo.set_gold(session, case, ["objection"], "admin", "correct")
        with pytest.raises(ValueError):
            repo.set_gold(session, case, ["access"], "admin", "guess")
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(GoldLabel)) == 2  # a row per verdict
        rows = repo.gold_labels(session)
        assert [(g.labels, g.source, g.set_by) for g, _ in rows] == [(["objection"], "correct", "admin")]


def test_masking_removes_names_ids_emails_phones_addresses_policies():
    text = (
        "Me llamo Eustaquio Villalobos Quintanilla, DNI 12345678Z, póliza nº AB-778812. "
        "Escribidme a eustaquio.villalobos@correo.example o al 612 345 678. "
        "Vivo en Calle Mayor 12, 28013 Madrid.\n\nSaludos,\nTaquio Villalobos"
    )
    masked = mask(text, known=["Eustaquio Villalobos Quintanilla", "eustaquio.villalobos@correo.example"])
    for secret in ("Eustaquio", "Villalobos", "Quintanilla", "12345678Z", "AB-778812", "correo.example",
                   "612 345 678", "Calle Mayor", "28013"):  # fmt: skip
        assert secret not in masked, secret
    assert "[NAME]" in masked and "[ID]" in masked and "[EMAIL]" in masked and "borrad" not in masked
    assert mask("Quiero borrar mis datos") == "Quiero borrar mis datos"


def run(*args, env=None):
    import os

    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.slow  # runs the CLI (spaCy loaded in a subprocess) three times
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_eval_from_store_says_too_few_then_prints_figures(engine):
    url = engine.url.render_as_string(hide_password=False)
    from assistant.nlp.train import load_corpus

    rows = load_corpus(split="test")
    add_messages(engine, rows[:5])
    confirm_all(engine)
    few = run("eval", "--from-store", env={"DATABASE_URL": url})
    assert few.returncode == 0 and "fewer than 20" in few.stdout and "macro-F1" not in few.stdout
    add_messages(engine, rows[5:30], when=datetime(2026, 11, 9, tzinfo=UTC))
    confirm_all(engine)
    with transaction(session_factory(engine)) as session:  # an agent corrects one case: a known error
        case = session.scalars(select(Case).order_by(Case.id.desc())).first()
        wrong = ["rectification"] if "rectification" not in case.rights else ["access"]
        repo.set_gold(session, case, wrong, "agent", "correct")
        cases = session.scalar(select(func.count()).select_from(Case))
    assert cases >= 20
    report = run("eval", "--from-store", env={"DATABASE_URL": url})
    assert report.returncode == 0, report.stderr
    out = report.stdout
    assert f"split gold from the store: {cases} messages" in out
    assert "per month:" in out and "2026-10:" in out and "2026-11:" in out and "per language:" in out
    assert "most confused" in out and "exact match" in out
    exact = float(out.split("exact match ")[1].split()[0])
    assert 0.9 <= exact < 1.0  # the corrected case is an error; the others agree with the model that labelled them


PEOPLE = [
    ("Eustaquio Villalobos Quintanilla", "12345678Z", "eustaquio.villalobos@correo.example"),
    ("Radegunda Ibarretxe Olaizola", "87654321X", "rada.ibarretxe@buzon.example"),
    ("Wenceslao Arrizabalaga Peñuelas", "11223344B", "wences.arriza@mail.example"),
    ("Filomena Cienfuegos Zubizarreta", "55667788K", "filo.cienfuegos@web.example"),
    ("Anacleto Urdangarín Bustamante", "99887766Y", "anacleto.urda@isp.example"),
    ("Hermenegilda Sotomayor Quirós", "44332211P", "hermen.soto@caja.example"),
]


def personal_rows():
    """Requests full of personal data, and a harmless rare word that must reach the vocabulary."""
    return [
        {
            "subject": f"Borrado de datos {dni}",
            "body": f"Me llamo {name}, DNI {dni}. Quiero que borréis todos mis datos personales, zarzaparrilla. "
            f"Respondedme a {email} o al 612 34{i} 678.\n\nUn saludo,\n{name}",
            "from_addr": email,
            "from_name": name,
        }
        for i, (name, dni, email) in enumerate(PEOPLE)
    ]


@pytest.mark.slow  # trains a model
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_train_with_gold_leaves_no_personal_data_in_the_model(engine, tmp_path, monkeypatch):
    from assistant.nlp.train import train_with_gold

    monkeypatch.setenv("MODELS_DIR", str(tmp_path / "models"))
    add_messages(engine, personal_rows())
    confirm_all(engine)
    gold = load_gold(engine.url.render_as_string(hide_password=False))
    meta, directory = train_with_gold(gold, epochs=1, verbose=False)
    assert directory == tmp_path / "models" / meta.version and meta.metrics["gold_trained"] >= 3
    assert versions.current_version() == versions.SHIPPED  # trained is not promoted
    files = [p for p in directory.rglob("*") if p.is_file()]
    content = b"\n".join(p.read_bytes() for p in files).lower()
    for name, dni, email in PEOPLE:  # nothing as written
        for secret in [*name.split(), dni, dni[:8], email, email.split("@")[0]]:
            assert secret.lower().encode() not in content, secret
    # nor as the categoriser reads it (folded, cut to five letters): the vocabulary gold added
    added = strings(directory) - strings(versions.SHIPPED_DIR)
    assert "zarza" in added  # the gold text was learnt: the check looks where it lands
    for name, dni, email in PEOPLE:
        pieces = set(model_input("", f"{name} {dni} {email}").split())
        assert not pieces & added, pieces & added


def strings(directory):
    import json

    return set(json.loads((directory / "textcat" / "vocab" / "strings.json").read_text()))


def broken_copy(tmp_path, name):
    """A copy of the shipped model that asks for near-certainty before it gives any label: worse."""
    import json

    target = Path(versions.models_dir()) / name
    shutil.copytree(versions.SHIPPED_DIR, target)
    meta = json.loads((target / "meta.json").read_text())
    meta["thresholds"] = dict.fromkeys(meta["labels"], 0.999)
    (target / "meta.json").write_text(json.dumps(meta))
    return name


@pytest.mark.slow  # trains and compares models
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_promote_refuses_a_worse_model_accepts_a_better_one_and_rolls_back(engine, tmp_path, monkeypatch, capsys):
    from assistant.learning import model_main

    monkeypatch.setenv("MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    (tmp_path / "models").mkdir()
    worse = broken_copy(tmp_path, "rights-worse")
    assert model_main(["promote", worse]) == 1
    out = capsys.readouterr().out
    assert "refused" in out and "corpus test split: macro-F1" in out
    assert versions.current_version() == versions.SHIPPED

    versions.set_current(worse)  # say it had been forced in: the shipped model is now the better one
    better = "rights-better"
    shutil.copytree(versions.SHIPPED_DIR, tmp_path / "models" / better)
    assert model_main(["promote", better]) == 0
    assert "promoted" in capsys.readouterr().out
    assert versions.current_version() == better and versions.current_dir() == tmp_path / "models" / better
    assert model_main(["rollback"]) == 0
    assert versions.current_version() == worse
    assert model_main(["promote", "no-such-model"]) == 2


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_chat_feedback_is_stored_masked_and_its_question_purged_after_retention(client, seeded):
    from datetime import timedelta

    from assistant.store import ChatFeedback

    engine, _ = seeded
    question = "Soy Eustaquio Villalobos, DNI 12345678Z, eustaquio@correo.example: ¿cuánto tiempo guardáis mis datos?"
    stored = client.post("/api/v1/chat/feedback", json={"question": question, "lang": "es", "helpful": False})
    assert stored.status_code == 201 and stored.get_json()["intent"]
    assert (
        client.post("/api/v1/chat/feedback", json={"question": "¿Qué es un DPO?", "helpful": "sí"}).status_code == 422
    )
    assert client.post("/api/v1/chat/feedback", json={"helpful": True}).status_code == 422
    with session_factory(engine)() as session:
        row = session.scalars(select(ChatFeedback)).one()
        kept = " ".join(str(v) for v in (row.intent, row.answer, row.language, row.masked_question))
        for secret in ("Eustaquio", "Villalobos", "12345678Z", "correo.example"):
            assert secret not in kept, secret
        assert "guardáis mis datos" in row.masked_question and row.helpful is False and row.language == "es"
    with transaction(session_factory(engine)) as session:  # 91 days later, the worker's purge runs
        session.execute(ChatFeedback.__table__.update().values(created_at=datetime.now(UTC) - timedelta(days=91)))
        assert repo.purge_old_chat_questions(session, 90) == 1
    with session_factory(engine)() as session:
        row = session.scalars(select(ChatFeedback)).one()
        assert row.masked_question is None and row.intent and row.helpful is False  # the figure stays


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_stats_page_and_chat_report_show_gold_and_feedback(client, console, seeded):
    from assistant.nlp.train import load_corpus

    engine, _ = seeded
    page = lambda: html_module.unescape(client.get("/stats?lang=en").get_data(as_text=True))  # noqa: E731
    console.login()
    assert "figures start at 20" in page()
    add_messages(engine, load_corpus(split="test")[:25])
    confirm_all(engine)
    with transaction(session_factory(engine)) as session:
        case = session.scalars(select(Case).order_by(Case.id)).first()
        wrong = ["objection_marketing"] if case.rights != ["objection_marketing"] else ["access"]
        repo.set_gold(session, case, wrong, "agent", "correct")
        cases = session.scalar(select(func.count()).select_from(Case))
    html = page()
    assert "figures start at" not in html and "cases confirmed or corrected" in html
    changed_row = html.split("Changed by agents")[1].split("</tr>")[0]
    assert changed_row.rstrip().endswith(f"(1/{cases})</td>")  # the one correction, in the total column
    assert "P 1" in html and "R " in html
    client.post("/api/v1/chat/feedback", json={"question": "¿Puedo pedir mis datos por teléfono?", "helpful": False})
    assert "¿Puedo pedir mis datos por teléfono?" in page()
    url = engine.url.render_as_string(hide_password=False)
    out = run("chat-report", env={"DATABASE_URL": url}).stdout
    assert "1 answers rated" in out and "¿Puedo pedir mis datos por teléfono?" in out


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_widget_feedback_is_counted_in_stats(seeded, browser, tmp_path):  # noqa: F811  (the imported fixture)
    """A visitor says "no" in the embedded widget; the DPO sees the question, masked, on the stats page."""
    from playwright.sync_api import expect
    from test_browser import LiveServer, StaticSite, check_axe, login, new_page

    from assistant.nlp.train import load_corpus

    engine, _ = seeded
    site = StaticSite(tmp_path)
    server = LiveServer(make_app(engine, WIDGET_ALLOWED_ORIGINS=site.url))
    (tmp_path / "index.html").write_text(
        '<!doctype html><html lang="es"><head><meta charset="utf-8"><title>Caser</title></head>'
        f'<body><main><h1>Seguros</h1></main><script src="{server.url}/widget.js" defer></script></body></html>'
    )
    page = new_page(browser)
    try:
        page.goto(site.url + "/index.html")
        page.locator(".dpo-chat-bubble").click()
        question = page.get_by_label("Tu pregunta")
        question.fill("Soy Radegunda Ibarretxe, ¿puedo pedir mis datos por teléfono?")
        question.press("Enter")
        feedback = page.get_by_role("group", name="¿Te ha servido esta respuesta?")
        expect(feedback).to_be_visible(timeout=15000)
        check_axe(page, "widget with the feedback question")
        feedback.get_by_role("button", name="No").click()
        expect(page.locator(".dpo-chat-feedback")).to_have_text("Gracias: nos ayuda a mejorar las respuestas.")

        add_messages(engine, load_corpus(split="test")[:22])  # enough gold for the per-month table too
        confirm_all(engine)
        login(page, server.url, "es")
        page.goto(f"{server.url}/stats?lang=en")
        expect(page.get_by_role("heading", name="The classifier against the agents")).to_be_visible()
        expect(page.locator("table").filter(has_text="Changed by agents")).to_be_visible()
        check_axe(page, "stats with the agents' gold and the chat's feedback")
        table = page.locator("table.chat-misses")
        expect(table).to_contain_text("[NAME], ¿puedo pedir mis datos por teléfono?")
        expect(table).not_to_contain_text("Radegunda")
        row = table.locator("tbody tr").first
        expect(row.locator("td").nth(1)).to_have_text("1")  # not helpful: 1
    finally:
        page.close()
        server.stop()
        site.stop()


@pytest.mark.slow  # `make run`'s steps, the CLI in subprocesses
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_make_runs_demo_database_has_enough_gold_for_figures(engine):
    """`make run`'s steps: the demo mailboxes imported, then `gold demo`; eval --from-store has figures."""
    from mail_ingest.local import import_path

    factory = session_factory(engine)
    for folder in ("mailbox", "learning"):
        import_path(factory, Pipeline(factory), ROOT / "demo" / folder, progress=False)
    env = {"DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    first = run("gold", "demo", env=env)
    assert first.returncode == 0 and "already were" in first.stdout
    assert "0 cases confirmed" in run("gold", "demo", env=env).stdout  # idempotent
    report = run("eval", "--from-store", env=env).stdout
    assert "fewer than" not in report and "per month:" in report and "2026-10:" in report


@pytest.mark.slow  # runs the CLI three times
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_requesters_gold_can_be_exported_and_erased(seeded):
    import json

    engine, _ = seeded
    confirm_all(engine)
    with session_factory(engine)() as session:
        case = session.scalars(select(Case).where(Case.requester_email.is_not(None)).order_by(Case.id)).first()
        email, total = case.requester_email, session.scalar(select(func.count()).select_from(GoldLabel))
    env = {"DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    exported = json.loads(run("gold", "export", email.upper(), env=env).stdout)
    assert exported and {row["case_id"] for row in exported} == {case.id}
    assert run("gold", "erase", email, env=env).stdout.startswith(f"{len(exported)} gold rows erased")
    assert json.loads(run("gold", "export", email, env=env).stdout) == []
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(GoldLabel)) == total - len(exported)


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_correcting_a_cases_rights_makes_it_gold(seeded):
    from assistant.cases import correct_rights

    engine, _ = seeded
    with transaction(session_factory(engine)) as session:
        case = next(c for c in session.scalars(select(Case).order_by(Case.id)) if c.rights == ["portability"])
        predicted = list(case.rights)
        correct_rights(session, case, ["access", "portability"], "agent", "asks for a copy too")
        case_id = case.id
    with session_factory(engine)() as session:
        gold = session.scalars(select(GoldLabel).where(GoldLabel.case_id == case_id)).one()
        assert gold.source == "correct" and gold.set_by == "agent"
        assert gold.labels == ["access", "portability"] and gold.predicted == predicted
