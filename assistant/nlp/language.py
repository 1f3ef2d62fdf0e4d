"""Language identification restricted to the languages our mail arrives in.

py3langid (offline, ~0.15 ms a sentence; infra-notes §5 measured it perfect on short
request-style text among these languages) restricted to our set, so a short Spanish mail
is never called Galician or Esperanto.
"""

from __future__ import annotations

from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from knowledge.base import load as load_knowledge

# The languages mail is read in: those declaring `classify` in knowledge/data/languages.yaml.
SUPPORTED = load_knowledge().languages_for("classify")
DEFAULT = "es"  # the mailboxes are Spanish: the safest guess when there is nothing to read
UNDETERMINED = "und"  # ISO 639-2 for "undetermined"
# An unsupported language is said only when the unrestricted model is this sure of it, and it is not a
# close neighbour of ours that short mail of ours is often taken for ("borrad mis datos" reads as Galician).
UNSUPPORTED_CONFIDENCE = 0.9
NEIGHBOURS = frozenset({"gl", "an", "ast", "oc", "wa", "lb", "af", "fy", "la", "co", "sc", "eo", "ia", "mt"})


@cache
def _identifier() -> LanguageIdentifier:
    """One model for both questions (which language of ours, which language at all): a second,
    restricted copy would cost its memory twice for what renormalising the same ranking gives."""
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str, *, allow_unsupported: bool = False) -> tuple[str, float]:
    """(ISO 639-1 code, probability). Empty text gives the default with probability 0.

    ``allow_unsupported``: a message plainly in another language (Russian, Polish...) is said to be
    in it, so that a person reads it, instead of being forced into one of ours.

    >>> detect_language("Je souhaite supprimer mes données.")[0]
    'fr'
    >>> detect_language("Удалите, пожалуйста, мои персональные данные.", allow_unsupported=True)[0]
    'ru'
    """
    if not any(ch.isalpha() for ch in text):
        return (UNDETERMINED if allow_unsupported else DEFAULT), 0.0
    ranking = _identifier().rank(text[:4000])
    best, best_prob = ranking[0]
    if allow_unsupported and best not in SUPPORTED and best not in NEIGHBOURS and best_prob >= UNSUPPORTED_CONFIDENCE:
        return str(best), float(best_prob)
    ours = [(lang, prob) for lang, prob in ranking if lang in SUPPORTED]
    total = sum(prob for _, prob in ours) or 1.0
    lang, prob = ours[0]
    return str(lang), float(prob / total)
