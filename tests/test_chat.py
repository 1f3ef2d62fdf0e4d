"""Chat answers: grounded, cited, in the visitor's language; no personal data echoed."""

from __future__ import annotations

import pytest

import assistant
from assistant.chat import answer


@pytest.mark.parametrize(
    ("question", "clause", "fact"),
    [
        ("¿Cuánto tiempo guardan los currículums?", "web.job_applications", "dos años"),
        ("Combien de temps gardez-vous les images de vidéosurveillance ?", "processing.video_surveillance", "un mois"),
        ("Who is your DPO?", "dpo.contact", "dpogrupocaser@caser.es"),
        ("Do you sell my data?", "recipients.general", "nor sell"),
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
    result = answer("¿Cuánto cuesta un seguro de coche?")
    assert not result.answered and result.kind == "no_answer"
    assert "dpogrupocaser@caser.es" in result.text
    assert result.citations == []


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
    result = answer("Puc esborrar les meves dades personals?")
    assert result.language == "es"
    assert "español" in result.text


def test_empty_and_oversized_questions():
    assert not answer("").answered
    assert answer("datos " * 5000).language in ("es", "fr", "en")


def test_package_top_exports_answer():
    assert assistant.answer is answer
