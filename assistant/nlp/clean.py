"""Remove what must not drive the decision: quoted earlier messages, signatures, disclaimers.

Removed text is replaced by spaces (newlines kept), so every offset into the cleaned text
is an offset into the original and evidence can be highlighted where the agent reads it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import cached_property
from html.parser import HTMLParser

from knowledge.text import fold

# "Re:", "RV:", "AW:", "R:", "Fwd:", "TR:", "WG:", "ENC:", "RIF:", "I:", "Antw:", "Doorst:", "RES:" ... as mail
# clients prefix a thread's subject.
THREAD_PREFIX = re.compile(
    r"^\s*((re|rv|aw|sv|r|fw|fwd|tr|wg|enc|rif|i|antw|doorst|res)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE
)
# A reply (not a forward), or an auto-reply: its subject names the thread, not what this message asks.
REPLY_PREFIX = re.compile(
    r"^\s*((re|rv|aw|sv|r|antw|res)\s*(\[\d+\])?\s*:|(out of (the )?office|fuera de la oficina|fora de l.oficina|"
    r"automatic reply|auto.?reply|autoreply|respuesta autom.tica|resposta autom.tica|r.ponse automatique|absence|"
    r"abwesenheit\w*|automatische antwort|automatisch antwoord|afwezig|risposta automatica|fuori ufficio|ausente)\b)",
    re.IGNORECASE,
)

REPLY_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(original message|mensaje original|message d.origine|messaggio originale|"
    r"urspr.ngliche nachricht|mensagem original|missatge original|oorspronkelijk bericht)\s*-{2,}\s*$",
    re.IGNORECASE,
)
FORWARD_SEPARATOR = re.compile(
    r"^\s*-{3,}\s*(forwarded message|mensaje reenviado|message transf.r.|weitergeleitete nachricht|"
    r"messaggio inoltrato|mensagem encaminhada|missatge reenviat|doorgestuurd bericht)\s*-{3,}\s*$",
    re.IGNORECASE,
)
ATTRIBUTION = re.compile(
    r"^\s*(el|on|le|il|am|em|en|op|a)\b.{0,240}(escribi[oó]|wrote|a [ée]crit|ha scritto|schrieb|escreveu|"
    r"va escriure|schreef)\s*:\s*$",
    re.IGNORECASE | re.DOTALL,
)
HEADER_START = re.compile(r"^\s*\**(de|from|von|da|van|de la part de)\s*:\**\s*\S", re.IGNORECASE)
HEADER_FOLLOW = re.compile(
    r"^\s*\**(enviado|sent|envoy[ée]|gesendet|inviato|enviada|verzonden|date|fecha|para|to|[àa]|asunto|subject|"
    r"objet|betreff|oggetto|assunto|cc)\s*:",
    re.IGNORECASE,
)
SIGNATURE_SEPARATOR = re.compile(r"^--\s*$")
MOBILE_FOOTER = re.compile(
    r"^\s*(enviado desde mi|sent from my|envoy[ée] de mon|von meinem|inviato da|enviado do meu|get outlook for)",
    re.IGNORECASE,
)
DISCLAIMER_MARKERS = (
    "confidencial",
    "confidential",
    "confidentiel",
    "vertraulich",
    "riservat",
    "destinatario",
    "intended recipient",
    "destinataire",
    "empfanger",
    "aviso legal",
    "legal notice",
    "avis de confidentialite",
    "clausula de confidencialidad",
    "le informamos",
    "informamos que",
    "we inform you",
    "nous vous informons",
    "puede ejercer sus derechos",
    "pueden ejercer",
    "you may exercise",
    "vous pouvez exercer",
    "responsable del tratamiento",
    "data controller",
    "responsable du traitement",
    "imprimir este",
    "print this",
    "medio ambiente",
    "prohibida su",
    "strictly prohibited",
    "strictement interdit",
    "this e-mail and any",
    "este mensaje y sus",
    "ce message et",
    "si ha recibido este",
    "if you have received this",
    "si vous avez recu ce",
)


@dataclass(frozen=True)
class Removed:
    start: int
    end: int
    reason: str  # "quote" | "forward_header" | "signature" | "disclaimer" | "mobile_footer"


@dataclass(frozen=True)
class CleanText:
    """The text with removed parts blanked; ``compact`` is what the model reads."""

    original: str
    text: str
    removed: tuple[Removed, ...] = field(default_factory=tuple)

    @cached_property
    def compact(self) -> str:
        """Computed once: analyze() reads it three times (language, categoriser, cleaned text)."""
        return " ".join(self.text.split())


class _TextExtractor(HTMLParser):
    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote", "table", "ul", "ol"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.quote_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "head", "title"}:
            self.skip += 1
        if tag == "blockquote":
            self.quote_depth += 1
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "head", "title"} and self.skip:
            self.skip -= 1
        if tag == "blockquote" and self.quote_depth:
            self.quote_depth -= 1
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.quote_depth:  # an HTML-quoted earlier message: mark each line as quoted
            data = "\n".join("> " + line for line in data.splitlines() if line.strip())
        self.parts.append(data)


def looks_like_html(text: str) -> bool:
    return bool(re.search(r"<(html|body|div|p|br|table|span|blockquote)\b", text[:5000], re.IGNORECASE))


def html_to_text(markup: str) -> str:
    """Readable text from mail HTML: blocks become lines, scripts and styles vanish."""
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # malformed markup: fall back to stripping tags
        return html.unescape(re.sub(r"<[^>]+>", " ", markup))
    text = "".join(parser.parts)
    text = re.sub(r"[ \t\xa0]+", " ", text)
    return re.sub(r"\n\s*\n\s*\n+", "\n\n", text).strip()


def _lines(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for line in text.splitlines(keepends=True):
        spans.append((start, start + len(line.rstrip("\r\n"))))
        start += len(line)
    return spans


NOT_NEWLINE = re.compile(r"[^\r\n]")


def blank_out(text: str) -> str:
    """The same length of text with everything but line breaks turned into spaces."""
    return NOT_NEWLINE.sub(" ", text)


def _blank(chars: list[str], start: int, end: int) -> None:
    chars[start:end] = blank_out("".join(chars[start:end]))


def _word_count(text: str) -> int:
    return len(re.findall(r"\w+", text))


def clean(text: str) -> CleanText:
    """Blank quoted replies, forwarded headers, signatures, mobile footers and disclaimers.

    >>> clean("Borrad mis datos.\\n\\nEl lun, 3 mar 2025, Ana <a@b.es> escribió:\\n> hola").compact
    'Borrad mis datos.'
    """
    chars = list(text)
    removed: list[Removed] = []
    lines = _lines(text)

    def cut(start_line: int, reason: str, end_line: int | None = None) -> None:
        stop = lines[end_line - 1][1] if end_line else len(text)
        start = lines[start_line][0]
        if stop > start:
            _blank(chars, start, stop)
            removed.append(Removed(start, stop, reason))

    # 1. A quoted reply (or a forward with our own text above it) ends the useful part.
    for i, (s, e) in enumerate(lines):
        line = text[s:e]
        two = line + " " + (text[lines[i + 1][0] : lines[i + 1][1]] if i + 1 < len(lines) else "")
        is_forward = bool(FORWARD_SEPARATOR.match(line))
        is_reply = bool(REPLY_SEPARATOR.match(line) or ATTRIBUTION.match(line) or ATTRIBUTION.match(two))
        is_header = bool(HEADER_START.match(line)) and any(
            HEADER_FOLLOW.match(text[lines[j][0] : lines[j][1]]) for j in range(i + 1, min(i + 5, len(lines)))
        )
        if not (is_forward or is_reply or is_header):
            continue
        above = _word_count("".join(chars[:s]))
        if is_reply or above >= 8:
            cut(i, "quote")
        else:
            # A bare forward: the forwarded message is the request. Drop only its header block.
            j = i + 1
            while j < len(lines) and (
                HEADER_FOLLOW.match(text[lines[j][0] : lines[j][1]])
                or HEADER_START.match(text[lines[j][0] : lines[j][1]])
            ):
                j += 1
            cut(i, "forward_header", j)
            continue
        break

    # 2. '>' quoted lines anywhere, signature separator, mobile footers.
    in_signature = False
    for i, (s, e) in enumerate(lines):
        line = "".join(chars[s:e])
        if in_signature:
            continue
        if SIGNATURE_SEPARATOR.match(text[s:e]):
            cut(i, "signature")
            in_signature = True
        elif line.lstrip().startswith(">"):
            cut(i, "quote", i + 1)
        elif MOBILE_FOOTER.match(line):
            cut(i, "mobile_footer", i + 1)

    # 3. Disclaimer paragraphs (never the first paragraph: that is the message itself).
    current = "".join(chars)
    paragraphs = [(m.start(), m.end()) for m in re.finditer(r"\S(?:.|\n(?!\s*\n))*", current)]
    for index, (s, e) in enumerate(paragraphs):
        if index == 0:
            continue
        folded = fold(current[s:e])
        hits = sum(map(folded.__contains__, DISCLAIMER_MARKERS))
        if hits >= 2:
            _blank(chars, s, e)
            removed.append(Removed(s, e, "disclaimer"))

    return CleanText(original=text, text="".join(chars), removed=tuple(sorted(removed, key=lambda r: r.start)))
