"""Real headless Chromium (Debian's) driven by Playwright: the console flow and the embedded widget.

Screenshots of each page are written under test-output/screens/.
"""

from __future__ import annotations

import functools
import http.server
import itertools
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
    """A full-page screenshot in test-output/screens/ (every screen, 1366 and 375 px wide)."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 375, "height": 800}}
# What must never reach an agent's eyes: taxonomy and status ids, column names, Python booleans.
RAW_IDS = re.compile(
    r"\b(access|rectification|erasure|restriction|portability|objection|objection_marketing|consent_withdrawal|"
    r"automated_decision|complaint|information|other|open|waiting_id|answered|closed|case_id|received_on|"
    r"closed_at|id_number_valid|True|False|None|names|id_numbers)\b"
)


def check_axe(page: Page, where: str) -> None:
    """axe-core (npm) over the page as it is now: any violation fails, with its rule and nodes."""
    if not AXE.exists():
        raise RuntimeError(f"{AXE} missing: `make axe` installs axe-core from npm (make test does it)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
    ]
    assert not problems, f"axe on {where}:\n" + "\n".join(problems)


def ui_text(page: Page) -> str:
    """The page's words without the people's: mail text, the reply and quoted sources are marked .content."""
    return page.evaluate(
        """() => { const c = document.body.cloneNode(true);
                   c.querySelectorAll('.content, textarea, script, style').forEach(n => n.remove());
                   return c.innerText + ' ' + document.title; }"""
    )


def assert_no_raw_ids(page: Page, where: str) -> None:
    found = sorted(set(RAW_IDS.findall(ui_text(page))))
    assert not found, f"raw identifiers on {where}: {found}"


def new_page(browser: Browser, width: str = "desktop") -> Page:
    # bypass_csp lets the test inject axe-core; the app's own CSP is tested in test_web_console.
    return browser.new_context(viewport=WIDTHS[width], bypass_csp=True).new_page()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_console_login_filter_open_edit_approve(seeded, browser):
    engine, _ = seeded
    server = LiveServer(make_app(engine))
    page = new_page(browser)
    page.context.set_extra_http_headers({"Accept-Language": "es-ES"})  # the office works in Spanish
    try:
        page.goto(server.url + "/")
        expect(page).to_have_url(f"{server.url}/login?next=/")
        page.get_by_label("Usuario").fill("agent")
        page.get_by_label("Contraseña").fill(PASSWORDS["agent"])
        page.get_by_role("button", name="Iniciar sesión").click()
        expect(page.get_by_role("heading", name="Bandeja")).to_be_visible()

        page.get_by_label("Derecho").select_option("erasure")
        page.get_by_role("button", name="Filtrar").click()
        rows = page.locator("table.queue tbody tr")
        expect(rows.first).to_be_visible()
        for text in rows.all_inner_texts():
            assert "Supresión" in text
        expect(page.locator(".count")).to_contain_text("casos")

        rows.first.get_by_role("link").first.click()
        expect(page.get_by_role("heading", name="Respuesta sugerida")).to_be_visible()
        expect(page.locator("mark.ev").first).to_be_visible()
        page.locator("details.citation").first.locator("summary").click()
        editor = page.get_by_role("textbox", name="Respuesta sugerida")
        editor.fill(
            "Estimada señora:\n\nSuprimiremos sus datos, salvo los que la ley obliga a conservar.\n\nAtentamente"
        )
        page.get_by_role("button", name="Aprobar (borrador en el buzón)").click()
        expect(page.locator(".flash.success")).to_contain_text("Respuesta aprobada")
        expect(page.locator("h1 .status")).to_have_text("Respondido")
        expect(page.get_by_role("textbox", name="Respuesta sugerida")).not_to_be_editable()

        page.get_by_role("link", name="Registro").click()
        expect(page.get_by_role("link", name="Descargar CSV (Excel)")).to_be_visible()
        page.get_by_role("link", name="Estadísticas").click()
        expect(page.locator("svg.chart").first).to_be_visible()
    finally:
        page.close()
        server.stop()


CLOSE = {
    "es": {
        "close": "Cerrar el caso",
        "reason": "Motivo del cierre",
        "confirm": "Confirmar el cierre",
        "needs_reason": "indique el motivo del cierre",
        "closed": "Caso cerrado.",
        "status": "Cerrado",
        "reopen": "Reabrir el caso",
    },
    "fr": {
        "close": "Clore le dossier",
        "reason": "Motif de la clôture",
        "confirm": "Confirmer la clôture",
        "needs_reason": "indiquez le motif de la clôture",
        "closed": "Dossier clos.",
        "status": "Clos",
        "reopen": "Rouvrir le dossier",
    },
}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("lang", ["es", "fr"])
def test_closing_is_confirmed_and_needs_a_reason_when_nothing_was_sent(seeded, browser, lang):
    engine, _ = seeded
    server = LiveServer(make_app(engine))
    words = CLOSE[lang]
    page = new_page(browser)
    try:
        login(page, server.url, lang)
        page.locator("table.queue tbody tr").first.get_by_role("link").first.click()
        confirm = page.get_by_role("button", name=words["confirm"])
        expect(confirm).to_be_hidden()  # one click never closes: the confirmation opens first
        page.get_by_text(words["close"]).click()
        expect(confirm).to_be_visible()
        shot(page, f"11_case_close_confirm_{lang}")
        confirm.click()
        expect(page.locator(".flash.error")).to_contain_text(words["needs_reason"])
        expect(page.locator("h1 .status")).not_to_have_text(words["status"])

        page.get_by_text(words["close"]).click()
        page.get_by_label(words["reason"]).fill("Duplicado / doublon")
        page.get_by_role("button", name=words["confirm"]).click()
        expect(page.locator(".flash.success")).to_have_text(words["closed"])
        expect(page.locator("h1 .status")).to_have_text(words["status"])
        expect(page.locator("#reply-body")).not_to_be_editable()
        expect(page.get_by_role("button", name=words["reopen"])).to_be_visible()
        check_axe(page, f"closed case ({lang})")
    finally:
        page.close()
        server.stop()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("lang", ["es", "fr"])
def test_every_screen_in_words_accessible_and_photographed(seeded, browser, lang):
    """Login, queue, case, register, stats and an error: no raw ids, no axe violation, a screenshot per width."""
    engine, _ = seeded
    server = LiveServer(make_app(engine))
    try:
        for width in WIDTHS:
            page = new_page(browser, width)
            try:
                page.goto(f"{server.url}/login?lang={lang}")
                check_axe(page, f"login ({lang}, {width})")
                shot(page, f"01_login_{lang}_{width}")
                login(page, server.url, lang)
                screens = {
                    "02_queue": "/?status=any",
                    "03_case": None,
                    "04_register": "/register",
                    "05_stats": "/stats",
                    "06_error": "/cases/9999",
                }
                for name, path in screens.items():
                    if path is None:
                        page.goto(f"{server.url}/?status=any")
                        page.locator("table.queue tbody tr").first.get_by_role("link").first.click()
                        page.locator("details.citation").first.locator("summary").click()
                    else:
                        page.goto(server.url + path)
                    where = f"{name} ({lang}, {width})"
                    assert_no_raw_ids(page, where)
                    check_axe(page, where)
                    scroll = page.evaluate("() => document.documentElement.scrollWidth")
                    assert scroll <= WIDTHS[width]["width"], f"{where} is {scroll} px wide"
                    shot(page, f"{name}_{lang}_{width}")
            finally:
                page.close()
    finally:
        server.stop()


WIDGET = {
    "es": {
        "question": "¿Cuánto tiempo guardan mi currículum?",
        "fact": "dos años",
        "sources": "Fuentes:",
        "title": "Asistente de privacidad",
        "label": "Tu pregunta",
    },
    "fr": {
        "question": "Combien de temps gardez-vous mon CV ?",
        "fact": "deux ans",
        "sources": "Sources\u00a0:",
        "title": "Assistant confidentialité",
        "label": "Votre question",
    },
}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("lang", ["es", "fr"])
def test_widget_on_another_origin_reads_well(seeded, browser, tmp_path, width, lang):
    """The answer's start in view, sources once and titled in the answer's language, no internal ids, focus kept."""
    engine, _ = seeded
    words = WIDGET[lang]
    (tmp_path / "index.html").write_text("placeholder")
    site = StaticSite(tmp_path)
    server = LiveServer(make_app(engine, WIDGET_ALLOWED_ORIGINS=site.url))
    (tmp_path / "index.html").write_text(
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>Caser</title></head>'
        f"<body><main><h1>Seguros</h1><p>{'Texto de la página. ' * 80}</p></main>"
        f'<script src="{server.url}/widget.js" defer></script></body></html>'
    )
    page = new_page(browser, width)
    try:
        page.goto(site.url + "/index.html")
        bubble = page.locator(".dpo-chat-bubble")
        bubble.click()
        dialog = page.get_by_role("dialog", name=words["title"])
        expect(dialog).to_be_visible()
        box = dialog.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTHS[width]["width"]
        question = page.get_by_label(words["label"])
        expect(question).to_be_focused()
        question.fill(words["question"])
        question.press("Enter")
        answer = page.locator(".dpo-chat-msg.bot").first
        expect(answer).to_contain_text(words["fact"], timeout=15000)

        text = answer.locator("p").first.inner_text()
        assert not re.search(r"\((?:[a-z_]+\.)+[a-z0-9_]+\)", answer.inner_text()), "an internal id is shown"
        assert re.search(r"[.!?»)]$", text.strip()), f"answer cut mid-sentence: {text[-60:]!r}"
        expect(answer.locator(".dpo-chat-sources")).to_have_text(words["sources"])
        titles = answer.locator("summary").all_inner_texts()
        assert titles and len(titles) == len(set(titles)), titles
        assert text.count(titles[0]) == 0, "the source is listed below, not repeated in the text"
        log_box = page.locator(".dpo-chat-log").bounding_box()
        answer_box = answer.bounding_box()
        assert log_box["y"] - 1 <= answer_box["y"] <= log_box["y"] + log_box["height"], "the answer's start is in view"

        shot(page, f"07_widget_{lang}_{width}")

        answer.locator("summary").first.click()
        order = []
        for _ in range(8):  # Tab walks the panel in visual order and never leaves it
            page.keyboard.press("Tab")
            order.append(
                page.evaluate(
                    "() => { const e = document.activeElement; const r = e.getBoundingClientRect();"
                    " return [document.getElementById('dpo-chat-panel').contains(e), Math.round(r.top), e.tagName]; }"
                )
            )
        assert all(inside for inside, _, _ in order), order
        tops = [top for _, top, _ in order]
        wraps = sum(1 for a, b in itertools.pairwise(tops) if b < a)
        assert 1 <= wraps <= 2, f"tab order is not the visual order: {order}"
        check_axe(page, f"widget ({lang}, {width})")
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(bubble).to_be_focused()
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
        "approved": "Respuesta aprobada",
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
        "approved": "Réponse approuvée",
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
    page = new_page(browser)
    try:
        login(page, server.url, lang)
        page.goto(f"{server.url}/?language={lang}&label=erasure")
        page.locator("table.queue tbody tr").first.get_by_role("link").first.click()
        editor = page.get_by_role("textbox", name=words["reply"])
        before = editor.input_value()
        old_date = DATE.findall(before)[-1]

        confirm = page.get_by_role("button", name=words["confirm"])
        expect(confirm).to_be_hidden()  # one click never extends: the confirmation opens first
        page.get_by_text(words["extend"], exact=False).first.click()
        new_date = page.locator("#new-deadline").inner_text()  # shown before confirming
        assert DATE.fullmatch(new_date) and new_date != old_date
        check_axe(page, f"extension panel ({lang})")
        page.get_by_role("button", name=words["confirm"]).click()  # no reason: refused, nothing changes
        expect(page.locator(".flash.error")).to_be_visible()
        assert old_date in page.get_by_role("textbox", name=words["reply"]).input_value()

        page.get_by_text(words["extend"], exact=False).first.click()
        page.get_by_label(words["reason_label"]).fill(words["reason"])
        page.get_by_role("button", name=words["confirm"]).click()
        reply = page.get_by_role("textbox", name=words["reply"]).input_value()
        assert words["notice"] in reply and words["reason"] in reply
        kept = [p for p in before.split("\n\n") if old_date not in p]  # only the deadline paragraph changes
        assert all(p in reply for p in kept), "the rest of the reply must survive the extension"
        stated = DATE.findall(reply)[-1]
        assert stated == new_date and old_date not in reply
        expect(page.locator(".flash.success")).to_contain_text(new_date)
        shot(page, f"10_case_extended_{lang}")

        filled = reply.replace("[[policy_number]]", "P-1234567")
        page.get_by_role("textbox", name=words["reply"]).fill(filled.replace(stated, old_date))
        page.get_by_role("button", name=words["approve"]).click()
        refusal = page.locator(".flash.error")
        expect(refusal).to_contain_text(words["refused"])
        expect(refusal).to_contain_text(old_date)  # the message quotes the sentence to correct

        page.get_by_role("textbox", name=words["reply"]).fill(filled)
        page.get_by_role("button", name=words["approve"]).click()
        expect(page.locator(".flash.success")).to_contain_text(words["approved"])
    finally:
        page.close()
        server.stop()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_conversation_flow_search_correct_recompose_assign_note(seeded, browser):
    """Issue #15 in the browser: search, read the timeline, correct the rights, recompose, assign, note."""
    engine, _ = seeded
    server = LiveServer(make_app(engine))
    page = new_page(browser)
    try:
        login(page, server.url, "es")
        page.get_by_label("Buscar").fill("#1")
        page.get_by_label("Estado").select_option("any")
        page.get_by_role("button", name="Filtrar").click()
        expect(page.locator("p.count")).to_have_text("1 caso")
        page.locator("table.queue tbody tr").first.get_by_role("link").first.click()
        expect(page.get_by_role("heading", name="Conversación")).to_be_visible()
        expect(page.locator("ol.timeline > li").first).to_contain_text("abrió el caso")
        expect(page.locator("#deadline-basis")).to_contain_text("día en que se recibió la solicitud")

        page.get_by_text("Corregir los derechos…").click()
        boxes = page.locator("#correct-rights input[type=checkbox]")
        for i in range(boxes.count()):
            boxes.nth(i).uncheck()
        page.get_by_label("Portabilidad").check()
        page.get_by_label("Motivo (opcional, queda en el registro de auditoría)").fill("el cliente pide sus datos")
        page.get_by_role("button", name="Guardar los derechos").click()
        expect(page.locator(".flash.success")).to_contain_text("Derechos corregidos: Portabilidad.")
        expect(page.locator("ol.timeline")).to_contain_text("el cliente pide sus datos")

        page.locator("#recompose summary").click()
        expect(page.locator("pre.diff ins").first).to_be_visible()
        check_axe(page, "case with the recompose diff open")
        page.get_by_role("button", name="Recomponer la respuesta").click()
        expect(page.locator(".flash.success")).to_contain_text("Respuesta recompuesta")
        expect(page.locator("#recompose")).to_have_count(0)

        page.get_by_label("Asignar a", exact=True).select_option("agent")
        page.get_by_role("button", name="Asignar", exact=True).click()
        expect(page.locator(".flash.success")).to_have_text("Caso asignado a agent.")
        page.get_by_label("Nota interna (para compañeros, nunca se envía)").fill("Llamar antes del viernes.")
        page.get_by_role("button", name="Añadir la nota").click()
        expect(page.locator("ol.timeline")).to_contain_text("Llamar antes del viernes.")
        expect(page.locator("#reply-body")).not_to_contain_text("Llamar antes del viernes.")
        assert_no_raw_ids(page, "case after the conversation flow")
        check_axe(page, "case after the conversation flow")

        page.goto(f"{server.url}/?status=any&mine=1")
        expect(page.locator("p.count")).to_have_text("1 caso")
        check_axe(page, "queue, mine")
    finally:
        page.close()
        server.stop()
