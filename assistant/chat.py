"""Answers for the public chat widget, grounded in the policy's clauses and the GDPR rules.

Every sentence of an answer is either a sentence of a cited knowledge entry (in the visitor's
language) or one of the fixed frames below (lead-ins, how to exercise a right, "the policy does
not say"). Personal data typed into the chat is neither stored nor echoed.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from knowledge.base import Clause, KnowledgeBase, Rule
from knowledge.base import load as load_knowledge
from knowledge.search import ClauseIndex, Hit
from knowledge.text import fold

from .nlp.entities import extract_entities
from .nlp.language import detect_language
from .replies import RIGHT_ORDER

ANSWER_LANGUAGES = ("es", "fr", "en")
RIGHT_LABELS = tuple(r for r in RIGHT_ORDER if r != "information")  # the rights a visitor can exercise
MIN_SCORE = 2.5  # BM25 below this is not an answer (chosen on the dev half of corpus/chat_questions.yaml)
MIN_COVERAGE = 0.4  # share of the question's content words the entry must contain
SECOND_ENTRY_RATIO = 0.75  # a clause and a rule this close in score are both quoted
# The chat answers about personal data; a question that touches none of these is not for it, however
# many words it shares with a clause ("¿cubre mi póliza de hogar las goteras?" shares "póliza").
PRIVACY_ANCHORS = """
datos dato data données donnée informacion information informations personal personales personnelles personnel
privacidad privacy confidentialité cookies cookie cv currículum curriculum resume résumé candidatura candidature
dpo dpd delegado délégué officer derechos derecho droits droit rights right consentimiento consent consentement
publicidad publicité marketing advertising comerciales commerciales commercial newsletter sms spam ofertas offres
perfiles perfil profil profiling profilage videovigilancia vidéosurveillance surveillance cctv cámaras caméras cameras
grabaciones enregistrements recordings imágenes images footage vídeo video borrar supprimer delete erase eliminar
suprimir effacer copia copie copy acceso accès access rectificar corriger correct portabilidad portabilité
portability oposición opposition object reclamación reclamar plainte complaint complain aepd cnil autoridad autorité
authority regulator responsable controller nif tva vat tax contacto contact dirección adresse address email correo
courriel transferencias transferts transfer transferidos transférées terceros tiers third compartir partager share
vender vendre sell destinatarios destinataires recipients encargados processors sécurité security https medidas
mesures measures solicitud demande request contestar responder répondre respond answer
conservar conserver keep retain retention guardar garder plazo délai deadline gratuito gratuit free identidad identité
identity dni pasaporte passeport passport id formulario formulaire form solvencia solvabilité solvency ficheros fichiers
files salud santé health legal juridique base basis ley loi law leyes lois laws decisiones décisions decisions
automatizadas automatisées automated algoritmo algorithme algorithm política politique vigor vigueur effect grupo groupe
group empresas entreprises companies blanqueo blanchiment laundering protección protection revocar retirar retirer
withdraw révoquer
"""
MAX_QUESTION_CHARS = 1000

# Question types: the cue words that say what kind of fact is wanted, and the words that mark the
# sentences of a clause that state it. Used to pick sentences and to carry a follow-up's intent;
# TYPE_TOPICS are index terms (clause topics) that a question of that type leans towards.
QUESTION_TYPES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "retention": (
        (
            "cuanto tiempo",
            "cuantos anos",
            "hasta cuando",
            "plazo de conserv",
            "conservan",
            "guardan",
            "guardais",
            "combien de temps",
            "jusqu'a quand",
            "duree de conserv",
            "conservez",
            "gardez",
            "how long",
            "keep",
            "retain",
            "retention",
            "store",
        ),
        (
            "conserv",
            "retention",
            "kept",
            "keep",
            "guard",
            "destru",
            "detrui",
            "destroy",
            "supprim",
            "delet",
            "mes ",
            "mois",
            "month",
            "ano",
            "ans",
            "year",
        ),
    ),
    "legal_basis": (
        (
            "base legal",
            "base juridica",
            "legitim",
            "por que",
            "base juridique",
            "pourquoi",
            "legal basis",
            "lawful basis",
            "why do you",
            "on what basis",
        ),
        ("base jur", "legal basis", "consent", "interes", "interet", "interest", "contrat", "contract"),
    ),
    "recipients": (
        (
            "comparten",
            "compartis",
            "ceden",
            "venden",
            "terceros",
            "destinatarios",
            "partagez",
            "vendez",
            "tiers",
            "destinataires",
            "share",
            "sell",
            "third part",
            "recipients",
            "pass my data",
        ),
        (
            "tercer",
            "tiers",
            "third",
            "destinatari",
            "recipient",
            "reaseg",
            "reassur",
            "reinsur",
            "vend",
            "sell",
            "comunicar",
            "communiqu",
            "disclos",
        ),
    ),
    "security": (
        ("seguridad", "medidas", "proteg", "securite", "mesures", "secur", "security", "measures", "protect"),
        ("https", "medid", "mesur", "measur", "tecnic", "techni", "organi"),
    ),
    "contact": (
        (
            "quien es",
            "contactar",
            "contacto",
            "direccion",
            "correo",
            "qui est",
            "contacter",
            "adresse",
            "who is",
            "contact",
            "address",
            "email",
            "e-mail",
        ),
        ("@", "avda", "avenida", "avenue", "direccion", "adresse", "address", "correo", "courriel", "e-mail"),
    ),
}
TYPE_TOPICS = {
    "retention": ("retention",),
    "legal_basis": ("legal_basis",),
    "recipients": ("recipients", "third_parties", "sharing"),
    "contact": ("contact", "dpo"),
    "security": ("security",),
}
QUESTION_WORD_TYPES = ("retention", "contact")  # their cues are question words ("how long", "who is"), not content
TOPIC_BONUS = 0.15  # per matching topic: tips near-ties towards the clause that is about the asked thing
FOLLOW_UP = re.compile(
    r"^\s*(y|e|i|et|and|also|tambien|aussi|¿y|¿e|y para|et pour|and for|what about|"
    r"¿y si|et si|y con|et avec)\b",
    re.IGNORECASE,
)

FRAMES: dict[str, dict[str, str]] = {
    "es": {
        "source": "Fuente: {title} ({id}).",
        "no_answer": (
            "La política de privacidad no responde a esta pregunta. Puede escribir a nuestro delegado de "
            "protección de datos: dpogrupocaser@caser.es."
        ),
        "pii": "Por su seguridad, no comparta aquí datos personales como su DNI, correo, teléfono o número de póliza.",
        "exercise": (
            "Para ejercer su derecho de {right}, escriba a derechosrgpdgrupocaser@caser.es o por correo "
            "postal a Avenida de Burgos 109, 28050 Madrid (indicando «Asesoría Jurídica - Protección de "
            "Datos»). Si es necesario para acreditar su identidad, adjunte copia de su DNI, NIE o pasaporte."
        ),
        "mailto_subject": "Ejercicio del derecho de {right}",
        "mailto_body": (
            "Nombre y apellidos:\nDNI/NIE:\nDerecho que ejerzo: {right}\nDetalle de la solicitud:\n\n"
            "Adjunto copia de mi documento de identidad."
        ),
        "fallback": "(No tenemos respuestas en su idioma; le respondemos en español.)",
        "smalltalk": "¿En qué puedo ayudarle sobre la protección de sus datos personales?",
    },
    "fr": {
        "source": "Source : {title} ({id}).",
        "no_answer": (
            "La politique de confidentialité ne répond pas à cette question. Vous pouvez écrire à notre "
            "délégué à la protection des données : dpogrupocaser@caser.es."
        ),
        "pii": (
            "Pour votre sécurité, ne partagez pas ici de données personnelles (pièce d'identité, e-mail, "
            "téléphone, numéro de contrat)."
        ),
        "exercise": (
            "Pour exercer votre droit {right}, écrivez à derechosrgpdgrupocaser@caser.es ou au siège, "
            "Avenida de Burgos 109, 28050 Madrid (en indiquant « Asesoría Jurídica - Protección de "
            "Datos »), en joignant si nécessaire une copie de votre pièce d'identité ou de votre passeport."
        ),
        "mailto_subject": "Exercice du droit {right}",
        "mailto_body": (
            "Nom et prénom :\nPièce d'identité :\nDroit exercé : {right}\nDétail de la demande :\n\n"
            "Ci-joint une copie de ma pièce d'identité."
        ),
        "fallback": "",
        "smalltalk": "Comment puis-je vous aider au sujet de la protection de vos données personnelles ?",
    },
    "en": {
        "source": "Source: {title} ({id}).",
        "no_answer": (
            "Our privacy policy does not answer this question. You can write to our Data Protection "
            "Officer: dpogrupocaser@caser.es."
        ),
        "pii": (
            "For your safety, please do not share personal data here, such as your ID, e-mail, phone or policy number."
        ),
        "exercise": (
            "To exercise your right of {right}, write to derechosrgpdgrupocaser@caser.es or by post to "
            'Avenida de Burgos 109, 28050 Madrid (marked "Asesoría Jurídica - Protección de Datos"), '
            "enclosing a copy of your ID card, NIE or passport where needed to prove your identity."
        ),
        "mailto_subject": "Exercise of the right of {right}",
        "mailto_body": (
            "Full name:\nID/NIE number:\nRight exercised: {right}\nDetails of the request:\n\n"
            "I attach a copy of my identity document."
        ),
        "fallback": "",
        "smalltalk": "How can I help you with the protection of your personal data?",
    },
}
RIGHT_NAMES: dict[str, dict[str, str]] = {
    "es": {
        "access": "acceso",
        "rectification": "rectificación",
        "erasure": "supresión",
        "restriction": "limitación del tratamiento",
        "portability": "portabilidad",
        "objection": "oposición",
        "objection_marketing": "oposición a las comunicaciones comerciales",
        "consent_withdrawal": "retirada del consentimiento",
        "automated_decision": "no ser objeto de decisiones automatizadas",
        "complaint": "reclamación",
    },
    "fr": {
        "access": "d'accès",
        "rectification": "de rectification",
        "erasure": "à l'effacement",
        "restriction": "à la limitation du traitement",
        "portability": "à la portabilité",
        "objection": "d'opposition",
        "objection_marketing": "d'opposition à la prospection",
        "consent_withdrawal": "de retirer votre consentement",
        "automated_decision": "de ne pas faire l'objet d'une décision automatisée",
        "complaint": "de réclamation",
    },
    "en": {
        "access": "access",
        "rectification": "rectification",
        "erasure": "erasure",
        "restriction": "restriction of processing",
        "portability": "data portability",
        "objection": "objection",
        "objection_marketing": "objection to marketing",
        "consent_withdrawal": "withdrawing consent",
        "automated_decision": "human review of automated decisions",
        "complaint": "complaint",
    },
}
EXERCISE_CLAUSES = {
    "consent_withdrawal": "consent.withdrawal",
    "objection_marketing": "processing.commercial_information",
    "complaint": "rights.complaint_aepd",
}
SMALLTALK = re.compile(
    r"^\s*(hola|buenas|buenos dias|gracias|bonjour|merci|salut|hello|hi|hey|thanks|thank you)"
    r"[\s!.,¡¿?]*$",
    re.IGNORECASE,
)
# Split after . ! ? ; but not after abbreviations that end in a dot ("Art.", "Avda.", "S.A.", "n.º").
SENTENCE = re.compile(r"(?<!\bArt\.)(?<!\bart\.)(?<!\bAvda\.)(?<!\bS\.A\.)(?<!\betc\.)(?<!\bNo\.)(?<=[.!?;])\s+")
DURATION = re.compile(
    r"\b(\d+|un|una|uno|one|two|dos|deux|diez|ten|dix|trois|three|tres)\s+"
    r"(mes|meses|mois|months?|anos?|ans?|years?|dias?|jours?|days?)\b"
)


@dataclass(frozen=True)
class Citation:
    id: str
    title: str
    passage: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "title": self.title, "passage": self.passage}


@dataclass(frozen=True)
class Answer:
    text: str
    language: str
    citations: list[Citation]
    answered: bool
    kind: str = "answer"  # "answer" | "exercise" | "no_answer" | "smalltalk"
    mailto: str | None = None
    personal_data_warning: bool = False
    question_type: str | None = None
    knowledge_version: str = ""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "language": self.language,
            "citations": [c.to_dict() for c in self.citations],
            "answered": self.answered,
            "kind": self.kind,
            "mailto": self.mailto,
            "personal_data_warning": self.personal_data_warning,
            "knowledge_version": self.knowledge_version,
        }


def contains_personal_data(text: str) -> bool:
    entities = extract_entities(text)
    return any(entities[k] for k in ("id_numbers", "emails", "phones", "policy_numbers", "claim_numbers"))


def strip_personal_data(text: str) -> str:
    """The question with ID numbers, e-mails, phones and policy numbers blanked before any processing."""
    entities = extract_entities(text)
    spans = sorted(
        (e.start, e.end)
        for k in ("id_numbers", "emails", "phones", "policy_numbers", "claim_numbers")
        for e in entities[k]
    )
    for start, end in reversed(spans):
        text = text[:start] + " " + text[end:]
    return text


def question_type(text: str) -> str | None:
    folded = fold(text)
    for name, (cues, _) in QUESTION_TYPES.items():
        if any(cue in folded for cue in cues):
            return name
    return None


class ChatEngine:
    """Holds the index (built once); ``answer`` is then a few milliseconds."""

    def __init__(self, kb: KnowledgeBase | None = None) -> None:
        self.kb = kb or load_knowledge()
        self.index = ClauseIndex(self.kb)
        words = PRIVACY_ANCHORS.split()
        self.anchors = {lang: set(self.index.analyzer(" ".join(words), lang)) for lang in ANSWER_LANGUAGES}

    # -- language ---------------------------------------------------------------------------

    def _language(self, question: str, hint: str | None, history: Sequence[str]) -> tuple[str, str | None]:
        """(answer language, the detected language when we had to fall back)."""
        detected, confidence = detect_language(question)
        if confidence < 0.8 and history:
            detected, confidence = detect_language(" ".join([*history[-2:], question]))
        if hint in ANSWER_LANGUAGES and (confidence < 0.9 or detected not in ANSWER_LANGUAGES):
            return hint, None
        if detected in ANSWER_LANGUAGES:
            return detected, None
        return "es", detected

    # -- answering --------------------------------------------------------------------------

    def answer(self, question: str, lang: str | None = None, history: Sequence[str] | None = None) -> Answer:
        history = [h for h in (history or []) if isinstance(h, str)][-5:]
        question = (question or "")[:MAX_QUESTION_CHARS]
        pii = contains_personal_data(question)
        clean_question = strip_personal_data(question) if pii else question
        language, fallback_from = self._language(clean_question, lang, history)
        frames = FRAMES[language]
        notes = [frames["fallback"]] if fallback_from and frames["fallback"] else []
        if SMALLTALK.match(clean_question):
            return self._finish(frames["smalltalk"], language, [], True, "smalltalk", pii, notes=notes)

        rights = self._rights_asked(clean_question)
        if rights:
            return self._exercise(rights, language, pii, notes)

        qtype = question_type(clean_question)
        query = clean_question
        if history and (FOLLOW_UP.match(clean_question) or len(clean_question.split()) <= 4):
            previous = history[-1]
            qtype = qtype or question_type(previous)
            if not self.index.search(clean_question, lang=language, limit=1) or qtype:
                query = f"{clean_question} {' '.join(QUESTION_TYPES[qtype][0][:3]) if qtype else previous}"
        hits = self._rerank(self.index.search(query, lang=language, limit=5), qtype)
        on_topic = bool(set(self.index.analyzer(query, language)) & self.anchors[language])
        if (
            not on_topic
            or not hits
            or hits[0].score < MIN_SCORE
            or self._coverage(hits[0], query, language) < MIN_COVERAGE
        ):
            return self._finish(frames["no_answer"], language, [], False, "no_answer", pii, qtype, notes)
        chosen = [hits[0]]
        second = next((h for h in hits[1:] if isinstance(h.entry, Rule) != isinstance(hits[0].entry, Rule)), None)
        if second and second.score >= SECOND_ENTRY_RATIO * hits[0].score:
            chosen.append(second)
        parts, citations = [], []
        for hit in chosen:
            limit = 3 if hit is chosen[0] else 2
            parts += self._relevant_sentences(hit.entry, language, query, qtype)[:limit]
            citations.append(self._citation(hit.entry, language))
        sources = "; ".join(f"{c.title} ({c.id})" for c in citations)
        text = " ".join(parts) + " " + frames["source"].format(title=sources, id="").replace(" ()", "")
        return self._finish(text, language, citations, True, "answer", pii, qtype, notes)

    @staticmethod
    def _rerank(hits: list[Hit], qtype: str | None) -> list[Hit]:
        if not qtype:
            return hits
        wanted = set(TYPE_TOPICS[qtype])

        def boosted(hit: Hit) -> float:
            topics = set(getattr(hit.entry, "topics", ()))
            return hit.score * (1 + TOPIC_BONUS * len(topics & wanted))

        return sorted((Hit(h.entry, boosted(h)) for h in hits), key=lambda h: -h.score)

    def _coverage(self, hit: Hit, query: str, language: str) -> float:
        """Coverage of the question's content words: cue words ("cuánto tiempo", "who is") excluded."""
        cue_terms = {
            t
            for name in QUESTION_WORD_TYPES
            for cue in QUESTION_TYPES[name][0]
            for t in self.index.analyzer(cue, language)
        }
        content = [t for t in self.index.analyzer(query, language) if t not in cue_terms]
        return self.index.coverage(hit, content) if content else 1.0

    def _rights_asked(self, question: str) -> list[str]:
        """Rights the visitor wants to exercise: the mail classifier's request evidence, strong only."""
        from .nlp.analyze import get_analyzer

        analyzer = get_analyzer()
        matches = analyzer.matcher.find(question)
        wanted = [m.label for m in matches if m.label in RIGHT_LABELS and m.strength == "strong" and not m.negated]
        asks_how = re.search(r"\b(como|comment|how)\b", fold(question))
        if not wanted and asks_how:  # "¿cómo borro mis datos?" names a right without a request verb
            wanted = [m.label for m in matches if m.label in RIGHT_LABELS and not m.negated and m.kind != "article"]
        return list(dict.fromkeys(wanted))

    def _exercise(self, rights: list[str], language: str, pii: bool, notes: list[str]) -> Answer:
        frames = FRAMES[language]
        names = RIGHT_NAMES[language]
        right = rights[0]
        parts = [frames["exercise"].format(right=names[right])]
        cited = ["rights.exercise"]
        extra = EXERCISE_CLAUSES.get(right)
        if extra:
            cited.append(extra)
            parts.append(self.kb.entry(extra).text_in(language))
        citations = [self._citation(self.kb.entry(c), language) for c in cited]
        subject = frames["mailto_subject"].format(right=names[right])
        body = frames["mailto_body"].format(right=", ".join(names[r] for r in rights))
        mailto = f"mailto:derechosrgpdgrupocaser@caser.es?subject={quote(subject)}&body={quote(body)}"
        parts.append(
            frames["source"].format(title=self.kb.entry("rights.exercise").title_in(language), id="rights.exercise")
        )
        return self._finish(" ".join(parts), language, citations, True, "exercise", pii, mailto=mailto, notes=notes)

    def _relevant_sentences(self, entry: Clause | Rule, language: str, query: str, qtype: str | None) -> list[str]:
        sentences = [s for s in SENTENCE.split(entry.text_in(language)) if s.strip()]
        if len(sentences) <= 3:
            return sentences
        query_terms = set(self.index.analyzer(query, language))
        markers = QUESTION_TYPES[qtype][1] if qtype else ()

        def score(i: int) -> float:
            terms = set(self.index.analyzer(sentences[i], language))
            folded = fold(sentences[i])
            duration = 3 if qtype == "retention" and DURATION.search(folded) else 0
            return (
                len(terms & query_terms)
                + 2 * sum(marker in folded for marker in markers)
                + duration
                + (0.5 if i == 0 else 0)
            )

        chosen = sorted(sorted(range(len(sentences)), key=score, reverse=True)[:3])
        return [sentences[i] for i in chosen]

    def _citation(self, entry: Clause | Rule, language: str) -> Citation:
        return Citation(id=entry.id, title=entry.title_in(language), passage=entry.text_in(language))

    def _finish(
        self,
        text: str,
        language: str,
        citations: list[Citation],
        answered: bool,
        kind: str,
        pii: bool,
        qtype: str | None = None,
        notes: list[str] | None = None,
        mailto: str | None = None,
    ) -> Answer:
        frames = FRAMES[language]
        prefix = " ".join(notes or [])
        suffix = frames["pii"] if pii else ""
        full = " ".join(p for p in (prefix, text, suffix) if p).strip()
        return Answer(full, language, citations, answered, kind, mailto, pii, qtype, self.kb.version, notes or [])


_engine: ChatEngine | None = None
_lock = threading.Lock()


def get_engine() -> ChatEngine:
    global _engine
    if _engine is None:
        with _lock:
            if _engine is None:
                _engine = ChatEngine()
    return _engine


def answer(question: str, lang: str | None = None, history: list[str] | None = None) -> Answer:
    """Answer a visitor's question from the policy, in the question's language, with citations.

    Parameters: ``lang`` is a hint (the page's language); ``history`` the visitor's earlier
    questions in this conversation, oldest first, so that "and for my CV?" follows on.

    >>> answer("¿Quién es el delegado de protección de datos?").citations[0].id
    'dpo.contact'
    """
    return get_engine().answer(question, lang, history)
