"""Chat answers: grounded, cited, in the visitor's language; no personal data echoed."""

from __future__ import annotations

import pytest

import assistant
from assistant.chat import answer, get_engine
from knowledge.base import load

KB = load()


@pytest.mark.parametrize(
    ("question", "clause", "fact"),
    [
        ("¿Cuánto tiempo guardan los currículums?", "web.job_applications", "dos años"),
        ("Combien de temps gardez-vous les images de vidéosurveillance ?", "processing.video_surveillance", "un mois"),
        ("Who is your DPO?", "dpo.contact", "dpogrupocaser@caser.es"),
        ("Do you sell my data?", "recipients.general", "nor sell"),
        ("¿Cuánto tardan en contestar cuando pido mis datos?", "gdpr.art12_3", "un mes"),
        ("¿Cuánto tardan en responder a mi solicitud de acceso?", "gdpr.art12_3", "un mes"),
    ],
)
def test_answers_cite_the_clause_and_state_the_fact(question, clause, fact):
    result = answer(question)
    assert result.answered
    assert clause in [c.id for c in result.citations]
    assert fact in result.text
    assert all(c.passage for c in result.citations)


def test_language_follows_the_question():
    assert answer("How long do you keep my CV?").language == "en"
    assert answer("Combien de temps conservez-vous mon CV ?").language == "fr"
    assert answer("¿Cuánto tiempo guardan mi CV?").language == "es"


def test_unanswerable_says_so_and_points_to_the_dpo():
    result = answer("¿Recogen datos de niños menores de catorce años?")
    assert not result.answered and result.kind == "no_answer" and result.intent == "minors"
    assert "dpogrupocaser@caser.es" in result.text and "menores" in result.text
    assert result.citations == []


def test_insurance_questions_are_not_for_the_privacy_chat():
    for question in ("¿Cuánto cuesta un seguro de coche?", "When do I get paid for my burst pipe claim?"):
        result = answer(question)
        assert not result.answered and result.intent == "offtopic.insurance", question
        assert result.citations == [] and "@" not in result.text


def test_exercising_a_right_gets_how_to_and_a_mailto():
    result = answer("Quiero que borren mis datos")
    assert result.kind == "exercise"
    assert "derechosrgpdgrupocaser@caser.es" in result.text and "Asesoría Jurídica" in result.text
    assert result.mailto.startswith("mailto:derechosrgpdgrupocaser@caser.es?subject=")


def test_personal_data_is_not_echoed_and_a_warning_is_given():
    result = answer("Mi DNI es 12345678Z y mi correo ana.gil@example.com, ¿qué datos tienen de mí?")
    assert result.personal_data_warning
    assert "12345678Z" not in result.text and "ana.gil@example.com" not in result.text
    assert "no comparta" in result.text
    assert "12345678Z" not in str(result.to_dict())


def test_follow_up_uses_the_previous_turn():
    first = "¿Cuánto tiempo guardan las grabaciones de las cámaras?"
    assert "un mes" in answer(first).text
    follow_up = answer("¿y mi CV?", history=[first])
    assert follow_up.citations[0].id == "web.job_applications"
    assert "dos años" in follow_up.text


def test_other_languages_fall_back_to_spanish_and_say_so():
    result = answer("Ich möchte wissen, wie lange Sie meine persönlichen Daten speichern.")
    assert result.language == "es"
    assert "español" in result.text


def test_empty_and_oversized_questions():
    assert not answer("").answered
    assert answer("datos " * 5000).language in ("es", "fr", "en")


def test_package_top_exports_answer():
    assert assistant.answer is answer


def _cited(result):
    return [c.id for c in result.citations]


# --- failure group 1: short, generic questions get the clause that answers them --------------------
@pytest.mark.parametrize(
    ("question", "clause", "fact"),
    [
        ("who gets to look at my info?", "recipients.general", "reinsurers"),
        ("is my information secure with you?", "security.measures", "HTTPS"),
        ("do you sell customer data?", "recipients.general", "nor sell"),
        ("what data do you gather on users?", "processing.insurance_data_categories", "name"),
        ("does the website use cookies?", "web.browsing", "cookie"),
        ("how long is my info kept?", "processing.insurance_contract", "ten years"),
    ],
)
def test_short_generic_questions(question, clause, fact):
    result = answer(question)
    assert result.answered, result.text
    assert clause in _cited(result)
    assert fact.lower() in (result.text + " ".join(c.passage for c in result.citations)).lower()


# --- failure group 2: shared words do not pull in the wrong clause --------------------------------
def test_how_long_is_not_the_introduction():
    result = answer("how long will you hold on to my personal details?")
    assert "policy.commitment" not in _cited(result)
    assert "it will not take long" not in result.text


def test_is_my_data_safe_is_not_video_surveillance():
    assert _cited(answer("is my information safe with you?"))[0] == "security.measures"
    # Shared words ("kept", "personal information") make these unsure: security is answered or offered,
    # and the video-surveillance clause ("security of people and premises") never answers.
    for question in ("are my personal details kept safe?", "is my personal information safe?"):
        result = answer(question)
        assert "processing.video_surveillance" not in _cited(result)
        assert "security.measures" in [result.intent, *(s.intent for s in result.suggestions)], question


def test_french_retention_is_not_complaint_handling():
    result = answer("Pendant combien de temps conservez-vous les informations sur vos clients ?")
    assert result.language == "fr"
    assert "web.complaints" not in _cited(result)
    assert "dix ans" in result.text


# --- failure group 3: Catalan is answered in Catalan -------------------------------------------------
@pytest.mark.parametrize(
    ("question", "clause", "fact"),
    [
        ("Quant de temps conserveu el meu currículum?", "web.job_applications", "dos anys"),
        ("Qui és el delegat de protecció de dades de Caser?", "dpo.contact", "dpogrupocaser@caser.es"),
        ("Compartiu les meves dades amb altres empreses?", "recipients.general", "reasseguradores"),
        ("Com puc esborrar les meves dades personals?", "rights.exercise", "derechosrgpdgrupocaser@caser.es"),
        ("I això com s'ha de sol·licitar?", "rights.exercise", "derechosrgpdgrupocaser@caser.es"),
    ],
)
def test_catalan_questions_get_catalan_answers(question, clause, fact):
    result = answer(question)
    assert result.language == "ca" and result.answered
    assert clause in _cited(result)
    assert fact in result.text
    assert "español" not in result.text
    assert result.citations[0].passage == KB.entry(result.citations[0].id).text["ca"]


# --- failure group 4: Spanish questions the policy does answer --------------------------------------
@pytest.mark.parametrize(
    ("question", "clause", "fact"),
    [
        ("¿Tengo que pagar algo por pedir mis datos?", "gdpr.art12_5", "gratuit"),
        ("¿Hace falta mandar fotocopia del DNI para darme de baja?", "rights.exercise", "si es necesario"),
        ("¿Me puedo quejar a la Agencia de Protección de Datos?", "rights.complaint_aepd", "AEPD"),
        ("¿Guardan información sobre mi salud?", "processing.insurance_data_categories", "salud"),
        ("¿Cómo han conseguido mi número de móvil?", "processing.insurance_data_categories", "terceros"),
        ("¿Mi prima la fija una inteligencia artificial?", "processing.insurance_contract", "automatizadas"),
    ],
)
def test_spanish_answerable_questions_are_answered(question, clause, fact):
    result = answer(question)
    assert result.language == "es" and result.answered, result.text
    assert clause in _cited(result)
    assert fact in result.text


# --- failure group 5: another company's or app's name is read as a question to Caser -------------
@pytest.mark.parametrize(
    ("question", "clauses"),
    [
        ("does zoomfly keep my data after i uninstall the app?", {"processing.insurance_contract"}),
        ("¿Vende Segurolandia mis datos a terceros?", {"recipients.general"}),
        (
            "Est-ce que Assurix partage mes données avec d'autres sociétés ?",
            {"recipients.general", "group.commercial_offers"},
        ),
    ],
)
def test_other_company_names_are_asked_of_caser(question, clauses):
    result = answer(question)
    assert result.answered and clauses & set(_cited(result))


# --- the policy's silences, suggestions and the first screen -----------------------------------------
def test_a_silence_of_the_policy_says_so_with_what_to_ask_the_dpo():
    result = answer("have hackers ever stolen data from you?")
    assert not result.answered and result.kind == "no_answer"
    assert result.intent == "security.breaches"
    assert "dpogrupocaser@caser.es" in result.text and "breach" in result.text


def test_close_intents_are_offered_as_suggestions():
    engine = get_engine()
    from assistant.chat_intents import Ranked

    chat = engine.chat.languages["en"]
    cookies = engine.intents["cookies"]
    close = [Ranked("cookies", 0.60, "en"), Ranked("marketing.use", 0.57, "en"), Ranked("transfers", 0.2, "en")]
    assert [s.intent for s in engine._suggestions(cookies, close, chat)] == ["cookies", "marketing.use"]
    far = [Ranked("cookies", 0.60, "en"), Ranked("marketing.use", 0.30, "en")]
    assert engine._suggestions(cookies, far, chat) == []

    ambiguous = ("galetes i publicitat", "¿qué datos tienen?", "how long is my info kept?", "cookies and ads?")
    with_choice = [a for a in (answer(q) for q in ambiguous) if a.suggestions]
    assert with_choice, "no ambiguous question offered a choice"
    for result in with_choice:
        intents = [s.intent for s in result.suggestions]
        assert len(intents) == 2 and result.intent == intents[0]
        assert all(
            s.question == engine.chat.languages[result.language].intents[s.intent].question for s in result.suggestions
        )
        assert result.to_dict()["suggestions"][1]["intent"] == intents[1]


def test_first_screen_offers_common_questions_in_the_page_language():
    engine = get_engine()
    for lang in ("es", "fr", "en", "ca"):
        questions = engine.welcome(lang)
        assert 3 <= len(questions) <= 4
        for suggestion in questions:
            assert engine.answer(suggestion.question, lang).intent == suggestion.intent, (lang, suggestion)


def test_a_compound_question_gets_both_answers_briefly():
    result = answer("Is my information kept secure, and can I get it erased?")
    cited = _cited(result)
    assert "security.measures" in cited and "rights.exercise" in cited
    assert "HTTPS" in result.text and "derechosrgpdgrupocaser@caser.es" in result.text
    assert result.suggestions == []  # two questions asked, two answered: nothing to choose
    assert len(result.text) < 1200


def test_a_compound_question_with_a_silence_says_which_half_is_not_covered():
    result = answer("¿Cuánto tiempo guardan mi currículum y han tenido alguna filtración de datos?")
    assert result.answered and "dos años" in result.text
    assert "filtraciones" in result.text and "dpogrupocaser@caser.es" in result.text


def test_a_specific_intent_needs_its_object_named():
    # "how long do you keep my ..." is the shape of every retention question; without "CV", "camera",
    # "cookies"... named, the general retention answer is given.
    for question in ("how long is my info kept?", "¿Cuánto tiempo guardan mi información?"):
        assert answer(question).intent == "retention.general", question
    assert answer("¿Cuánto tiempo guardan mi CV?").intent == "retention.cv"
    assert answer("how long do you keep the camera recordings?").intent == "retention.cctv"
