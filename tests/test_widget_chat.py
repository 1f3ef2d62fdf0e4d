"""The widget in Catalan in real Chromium: first-screen questions, an answer, suggestion buttons."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect
from test_browser import LiveServer, StaticSite, browser, shot  # noqa: F401 (browser is a fixture)
from webapp import make_app

from assistant.chat import answer as chat_answer


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_catalan_page_gets_catalan_widget_first_questions_and_suggestions(seeded, browser, tmp_path: Path):  # noqa: F811
    engine, _ = seeded
    (tmp_path / "index.html").write_text("placeholder")
    site = StaticSite(tmp_path)
    server = LiveServer(make_app(engine, WIDGET_ALLOWED_ORIGINS=site.url))
    (tmp_path / "index.html").write_text(
        f'<!doctype html><html lang="ca"><head><meta charset="utf-8"><title>Caser</title></head>'
        f'<body><h1>Assegurances</h1><script src="{server.url}/widget.js" defer></script></body></html>'
    )
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(site.url + "/index.html")
        page.get_by_role("button", name="Dubtes sobre les teves dades?").click()
        dialog = page.get_by_role("dialog", name="Assistent de privacitat")
        expect(dialog).to_be_visible()
        first = dialog.locator(".dpo-chat-suggestion")
        expect(first).to_have_count(4, timeout=15000)
        expect(first.first).to_have_text("Quant de temps guardeu les meves dades?")
        shot(page, "09_widget_ca_first_screen")

        first.nth(3).click()  # "Qui és el delegat de protecció de dades?"
        answer = dialog.locator(".dpo-chat-msg.bot").first
        expect(answer).to_contain_text("dpogrupocaser@caser.es", timeout=15000)
        expect(answer.locator(".dpo-chat-sources")).to_have_text("Fonts:")  # the label from the ca catalog
        expect(dialog.locator(".dpo-chat-suggestion")).to_have_count(0)  # the first screen's buttons are gone

        # A question whose two readings are close today (the bank grows, so pick it rather than hard-code it)
        candidates = ("publicitat?", "galetes i publicitat", "dades i tercers", "quines dades teniu?", "galetes?")
        unsure = [q for q in candidates if chat_answer(q, "ca").suggestions]
        assert unsure, "no Catalan candidate offers two readings"
        question = page.get_by_label("La teva pregunta")
        question.fill(unsure[0])
        question.press("Enter")
        offered = dialog.locator(".dpo-chat-suggestions").last.locator(".dpo-chat-suggestion")
        expect(offered).to_have_count(2, timeout=15000)
        second = offered.nth(1).inner_text()
        offered.nth(1).click()
        expect(dialog.locator(".dpo-chat-msg.user").last).to_have_text(second)
        expect(dialog.locator(".dpo-chat-msg.bot")).to_have_count(3, timeout=15000)
        shot(page, "10_widget_ca_suggestions")
    finally:
        page.close()
        server.stop()
        site.stop()
