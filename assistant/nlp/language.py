"""Language identification restricted to the languages our mail arrives in.

py3langid (offline, ~0.15 ms a sentence; infra-notes §5 measured it perfect on short
request-style text among these languages) restricted to our set, so a short Spanish mail
is never called Galician or Esperanto.
"""

from __future__ import annotations

from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

SUPPORTED = ("es", "fr", "en", "ca", "pt", "it", "de", "nl")
DEFAULT = "es"  # the mailboxes are Spanish: the safest guess when there is nothing to read
UNDETERMINED = "und"  # ISO 639-2 for "undetermined"
# An unsupported language is said only when the unrestricted model is this sure of it, and it is not a
# close neighbour of ours that short mail of ours is often taken for ("borrad mis datos" reads as Galician).
UNSUPPORTED_CONFIDENCE = 0.9
NEIGHBOURS = frozenset({"gl", "an", "ast", "oc", "wa", "lb", "af", "fy", "la", "co", "sc", "eo", "ia", "mt"})


@cache
def _identifier(restricted: bool = True) -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    if restricted:
        identifier.set_languages(list(SUPPORTED))
    return identifier


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
    sample = text[:4000]
    if allow_unsupported:
        lang, prob = _identifier(restricted=False).classify(sample)
        if lang in SUPPORTED or (lang not in NEIGHBOURS and prob >= UNSUPPORTED_CONFIDENCE):
            return str(lang), float(prob)
    lang, prob = _identifier().classify(sample)
    return str(lang), float(prob)
