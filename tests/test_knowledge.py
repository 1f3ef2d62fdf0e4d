"""The knowledge base: structure, lookups, and a check that catches planted errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge.base import DATA_DIR, KnowledgeError, load, load_from
from knowledge.check import default_source_path, deinterleave, french_sentences, normalise, run_checks, sentence_score
from knowledge.search import ClauseIndex

SOURCE = default_source_path()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def test_shipped_knowledge_passes_its_check():
    report = run_checks(load(), SOURCE)
    assert report.problems == []
    assert len(report.sentence_scores) > 100


def test_every_label_has_clauses_or_rules():
    kb = load()
    for label in kb.label_ids:
        if label != "other":
            assert kb.by_label(label) or kb.rules_for(label), label


def test_lookups_and_immutability():
    kb = load()
    clause = kb.clause("dpo.contact")
    assert "dpogrupocaser@caser.es" in clause.text_in("en")
    assert kb.entry("gdpr.art12_3").article == "Art. 12(3)"
    assert {c.id for c in kb.by_topic("cv")} == {"web.job_applications"}
    assert clause.text_in("de") == clause.text["es"]  # no German rendering: Spanish
    with pytest.raises(TypeError):
        clause.text["fr"] = "changed"  # type: ignore[index]
    with pytest.raises(KeyError):
        kb.clause("no.such")


def test_splice_markers_never_reach_readers():
    for clause in load():
        assert all("¦" not in text for text in clause.text.values()), clause.id


def test_retention_facts_are_structured():
    kb = load()
    cv = {f.value: f for f in kb.clause("web.job_applications").facts if f.kind == "retention"}
    assert cv["2 years"].years == 2
    video = [f for f in kb.clause("processing.video_surveillance").facts if f.kind == "retention"]
    assert video[0].months == 1


def _rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_check_catches_a_mutated_fact(data_copy: Path):
    _rewrite(
        data_copy / "policy" / "02_processing.yaml",
        'quote: "un mois à compter de la date de leur capture"',
        'quote: "six mois à compter de la date de leur capture"',
    )
    problems = run_checks(load_from(data_copy), SOURCE).problems
    assert any("processing.video_surveillance" in p and "quote" in p for p in problems)


def test_check_catches_a_value_that_disagrees_with_its_quote(data_copy: Path):
    _rewrite(
        data_copy / "policy" / "02_processing.yaml",
        'value: "2 years", duration: {years: 2}',
        'value: "5 years", duration: {years: 5}',
    )
    problems = run_checks(load_from(data_copy), SOURCE).problems
    assert any("web.job_applications" in p and "does not agree" in p for p in problems)


def test_check_catches_an_invented_sentence(data_copy: Path):
    _rewrite(
        data_copy / "policy" / "03_rights.yaml",
        "Cette politique entre en vigueur le 6 novembre 2023.",
        "Cette politique entre en vigueur le 6 novembre 2023. Les données de santé sont vendues à des "
        "partenaires publicitaires après trois mois.",
    )
    problems = run_checks(load_from(data_copy), SOURCE).problems
    assert any("policy.validity" in p and "not found in the source" in p for p in problems)


def test_check_catches_a_changed_number_inside_a_sentence(data_copy: Path):
    _rewrite(
        data_copy / "policy" / "02_processing.yaml",
        "pendant 10 ans à compter de la fin de la relation",
        "pendant 30 ans à compter de la fin de la relation",
    )
    problems = run_checks(load_from(data_copy), SOURCE).problems
    assert any("web.client_portal" in p for p in problems)


def test_check_catches_a_missing_clause(data_copy: Path):
    path = data_copy / "policy" / "03_rights.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: transfers.international")
    end = text.index("  - id: rights.exercise")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    problems = run_checks(load_from(data_copy), SOURCE).problems
    assert any("TRANSFEREES AU NIVEAU" in p or "transferts internationaux" in p for p in problems)


def test_check_catches_duplicate_ids_and_unknown_labels(data_copy: Path):
    _rewrite(data_copy / "policy" / "03_rights.yaml", "id: policy.changes", "id: policy.validity")
    _rewrite(data_copy / "policy" / "03_rights.yaml", "labels: [complaint]\n", "labels: [complain]\n")
    problems = run_checks(load_from(data_copy), SOURCE).problems
    assert any("duplicate id" in p for p in problems)
    assert any("unknown labels" in p for p in problems)


def test_malformed_yaml_is_a_clear_error(data_copy: Path):
    (data_copy / "gdpr_rules.yaml").write_text("rules: [ {id: x", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"gdpr_rules\.yaml: invalid YAML"):
        load_from(data_copy)


def test_genuine_and_invented_sentences_are_far_apart():
    source = normalise(deinterleave(SOURCE.read_text(encoding="utf-8")))
    genuine = french_sentences("Un mois à compter de la date de leur capture.")[0]
    invented = french_sentences("Nous transférons toutes vos données aux États-Unis pour les vendre.")[0]
    assert sentence_score(genuine, source) >= 95
    assert sentence_score(invented, source) < 80


def detect(question: str) -> str:
    """The test rows' languages, by a telltale word (the knowledge layer has no language id)."""
    lowered = question.lower()
    if any(w in lowered for w in ("combien", "transferts", "vidéo")):
        return "fr"
    if any(w in lowered for w in ("how ", "do you")):
        return "en"
    return "es"


@pytest.mark.parametrize(
    ("question", "clause_id"),
    [
        ("combien de temps gardez-vous mon CV ?", "web.job_applications"),
        ("how long do you keep my resume", "web.job_applications"),
        ("¿quién es el delegado de protección de datos?", "dpo.contact"),
        ("cuánto tiempo guardan las grabaciones de videovigilancia", "processing.video_surveillance"),
        ("do you sell my data to third parties", "recipients.general"),
        ("transferts internationaux hors UE", "transfers.international"),
        ("como retiro mi consentimiento", "consent.withdrawal"),
        ("vidéosurveilance", "processing.video_surveillance"),  # typo
    ],
)
def test_search_finds_the_clause(question, clause_id):
    hits = ClauseIndex(load()).search(question, lang=detect(question), limit=3)
    assert hits and hits[0].entry.id == clause_id


def test_catalan_renders_every_entry_with_its_contact_facts():
    kb = load()
    assert "ca" in kb.text_languages
    for entry in (*kb.clauses, *kb.rules):
        assert entry.text.get("ca") and entry.title.get("ca"), entry.id
    assert "derechosrgpdgrupocaser@caser.es" in kb.clause("rights.exercise").text["ca"]
    assert "A28013050" in kb.clause("controller.contact").text["ca"]


def test_check_catches_a_missing_catalan_rendering(data_copy: Path):
    path = data_copy / "lang" / "ca" / "policy.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  policy.validity:\n", "  policy.validity_gone:\n"), encoding="utf-8")
    problems = run_checks(load_from(data_copy), SOURCE).problems
    assert any("policy.validity: text.ca missing" in p for p in problems)


def test_check_catches_chat_data_pointing_nowhere(data_copy: Path):
    path = data_copy / "chat" / "intents.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("{entry: security.measures}", "{entry: security.nowhere}")
    text = text.replace("exercise: portability", "exercise: teleportation")
    path.write_text(text, encoding="utf-8")
    (data_copy / "lang" / "fr" / "chat.yaml").write_text(
        (data_copy / "lang" / "fr" / "chat.yaml").read_text(encoding="utf-8").replace("  cookies: {", "  biscuits: {"),
        encoding="utf-8",
    )
    problems = run_checks(load_from(data_copy), SOURCE).problems
    assert any("unknown entry security.nowhere" in p for p in problems)
    assert any("teleportation is not an exercisable right" in p for p in problems)
    assert any("lang/fr/chat.yaml: intent cookies has no question" in p for p in problems)


def test_contacts_are_read_from_the_policy_facts():
    kb = load()
    assert kb.contacts["rights_email"] == "derechosrgpdgrupocaser@caser.es"
    assert kb.contacts["dpo_email"] == "dpogrupocaser@caser.es"
    for lang in kb.languages_for("chat"):
        frames = kb.chat.languages[lang].frames
        assert "@caser.es" not in " ".join(frames.values()), lang  # typed once, as facts of the policy


def test_languages_declare_what_they_support_and_have_it():
    kb = load()
    assert kb.languages_for("chat") == ("es", "fr", "en", "ca")
    for lang in kb.languages_for("reply"):
        assert lang in kb.templates, lang
    for lang in kb.languages_for("chat"):
        assert lang in kb.chat.languages, lang
        assert all(label.right.get(lang) for label in kb.labels if label.exercisable), lang
