"""Real headless Chromium (Debian's) driven by Playwright: the console flow and the embedded widget.

Screenshots of each page are written under test-output/screens/.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from webapp import PASSWORDS, make_app
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
SCREENS = Path(__file__).resolve().parents[1] / "test-output" / "screens"
ARGS = [
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} missing: apt-get install chromium (make test does it)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield instance
        instance.close()


class LiveServer:
    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()


class StaticSite:
    """Another origin: a plain page that embeds the widget with one script tag."""

    def __init__(self, directory: Path) -> None:
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()


def shot(page: Page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_console_login_filter_open_edit_approve(seeded, browser):
    engine, _ = seeded
    server = LiveServer(make_app(engine))
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="es-ES")  # the office works in Spanish
    try:
        page.goto(server.url + "/")
        expect(page).to_have_url(f"{server.url}/login?next=/")
        shot(page, "01_login")
        page.get_by_label("Usuario").fill("agent")
        page.get_by_label("Contraseña").fill(PASSWORDS["agent"])
        page.get_by_role("button", name="Iniciar sesión").click()
        expect(page.get_by_role("heading", name="Bandeja")).to_be_visible()
        shot(page, "02_queue")

        page.get_by_label("Derecho").select_option("erasure")
        page.get_by_role("button", name="Filtrar").click()
        rows = page.locator("table.queue tbody tr")
        expect(rows.first).to_be_visible()
        for text in rows.all_inner_texts():
            assert "erasure" in text
        shot(page, "03_queue_filtered")

        rows.first.get_by_role("link").click()
        expect(page.get_by_role("heading", name="Respuesta sugerida")).to_be_visible()
        expect(page.locator("mark.ev").first).to_be_visible()
        page.locator("details.citation").first.locator("summary").click()
        shot(page, "04_case")
        editor = page.get_by_role("textbox", name="Respuesta sugerida")
        editor.fill(
            "Estimada señora:\n\nSuprimiremos sus datos, salvo los que la ley obliga a conservar.\n\nAtentamente"
        )
        page.get_by_role("button", name="Aprobar (borrador en el buzón)").click()
        expect(page.get_by_role("status").filter(has_text="Aprobada")).to_be_visible()
        expect(page.locator("h1 .status")).to_have_text("answered")
        shot(page, "05_case_approved")

        page.get_by_role("link", name="Registro").click()
        expect(page.get_by_role("link", name="Descargar CSV")).to_be_visible()
        shot(page, "06_register")
        page.get_by_role("link", name="Estadísticas").click()
        expect(page.locator("svg.chart")).to_be_visible()
        shot(page, "07_stats")
    finally:
        page.close()
        server.stop()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 800}, {"width": 375, "height": 700}], ids=["desktop", "phone"]
)
def test_widget_on_another_origin_answers_in_spanish_with_a_citation(seeded, browser, tmp_path, viewport):
    engine, _ = seeded
    (tmp_path / "index.html").write_text("placeholder")
    site = StaticSite(tmp_path)
    server = LiveServer(make_app(engine, WIDGET_ALLOWED_ORIGINS=site.url))
    (tmp_path / "index.html").write_text(
        f'<!doctype html><html lang="es"><head><meta charset="utf-8"><title>Caser</title></head>'
        f'<body><h1>Seguros</h1><script src="{server.url}/widget.js" defer></script></body></html>'
    )
    page = browser.new_page(viewport=viewport)
    try:
        page.goto(site.url + "/index.html")
        bubble = page.get_by_role("button", name="¿Dudas sobre tus datos?")
        bubble.click()
        dialog = page.get_by_role("dialog", name="Asistente de privacidad")
        expect(dialog).to_be_visible()
        box = dialog.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
        question = page.get_by_label("Tu pregunta")
        expect(question).to_be_focused()
        question.fill("¿Cuánto tiempo guardan mi currículum?")
        question.press("Enter")
        answer = page.locator(".dpo-chat-msg.bot").first
        expect(answer).to_contain_text("dos años", timeout=15000)
        citation = answer.locator("details summary")
        expect(citation).to_contain_text("Fuente")
        citation.click()
        expect(answer.locator("details p")).to_contain_text("CV")
        shot(page, f"08_widget_{'phone' if viewport['width'] < 500 else 'desktop'}")
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
    finally:
        page.close()
        server.stop()
        site.stop()


DATE = re.compile(r"\d{1,2}(?: de)? [a-zéû]+(?: de)? \d{4}")
EXTEND = {
    "es": {
        "user": "Usuario",
        "password": "Contraseña",
        "login": "Iniciar sesión",
        "extend": "Prorrogar plazo",
        "reason_label": "Motivo de la prórroga",
        "confirm": "Confirmar la prórroga",
        "reason": "la solicitud abarca diez años de pólizas y siniestros",
        "notice": "necesitamos prorrogar dos meses el plazo",
        "reply": "Respuesta sugerida",
        "approve": "Aprobar",
        "refused": "Corrija esta frase",
        "approved": "Aprobada",
    },
    "fr": {
        "user": "Utilisateur",
        "password": "Mot de passe",
        "login": "Se connecter",
        "extend": "Prolonger l'échéance",
        "reason_label": "Motif de la prolongation",
        "confirm": "Confirmer la prolongation",
        "reason": "la demande porte sur dix ans de contrats et de sinistres",
        "notice": "Nous devons prolonger de deux mois le délai de réponse",
        "reply": "Réponse suggérée",
        "approve": "Approuver",
        "refused": "Corrigez cette phrase",
        "approved": "Approuvée",
    },
}


def login(page: Page, url: str, lang: str) -> None:
    words = EXTEND[lang]
    page.goto(f"{url}/login?lang={lang}")
    page.get_by_label(words["user"]).fill("agent")
    page.get_by_label(words["password"]).fill(PASSWORDS["agent"])
    page.get_by_role("button", name=words["login"]).click()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("lang", ["es", "fr"])
def test_extension_recomposes_the_reply_and_a_stale_date_cannot_be_approved(seeded, browser, lang):
    """GDPR Art. 12(3): the requester hears of the extension and its reason; the reply's date follows the case."""
    engine, _ = seeded
    server = LiveServer(make_app(engine))
    words = EXTEND[lang]
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    try:
        login(page, server.url, lang)
        page.goto(f"{server.url}/?language={lang}&label=erasure")
        page.locator("table.queue tbody tr").first.get_by_role("link").first.click()
        editor = page.get_by_role("textbox", name=words["reply"])
        old_date = DATE.findall(editor.input_value())[-1]

        page.get_by_text(words["extend"], exact=False).first.click()  # opens the confirmation panel
        new_date = page.locator("#new-deadline").inner_text()
        assert new_date and new_date != old_date
        page.get_by_role("button", name=words["confirm"]).click()  # no reason: refused, nothing changes
        expect(page.locator(".flash.error")).to_be_visible()
        assert old_date in page.get_by_role("textbox", name=words["reply"]).input_value()

        page.get_by_text(words["extend"], exact=False).first.click()
        page.get_by_label(words["reason_label"]).fill(words["reason"])
        page.get_by_role("button", name=words["confirm"]).click()
        reply = page.get_by_role("textbox", name=words["reply"]).input_value()
        assert words["notice"] in reply and words["reason"] in reply
        stated = DATE.findall(reply)[-1]
        assert old_date not in reply and stated not in (old_date,)
        shot(page, f"10_case_extended_{lang}")

        filled = reply.replace("[[policy_number]]", "P-1234567")
        page.get_by_role("textbox", name=words["reply"]).fill(filled.replace(stated, old_date))
        page.get_by_role("button", name=words["approve"]).click()
        refusal = page.locator(".flash.error")
        expect(refusal).to_contain_text(words["refused"])
        expect(refusal).to_contain_text(old_date)  # the message quotes the sentence to correct

        page.get_by_role("textbox", name=words["reply"]).fill(filled)
        page.get_by_role("button", name=words["approve"]).click()
        expect(page.get_by_role("status").filter(has_text=words["approved"])).to_be_visible()
    finally:
        page.close()
        server.stop()
