"""The console and the widget in the agent's (or visitor's) language: Flask-Babel over gettext catalogs.

Catalogs live in ``assistant/web/translations/<lang>/LC_MESSAGES/messages.po`` (msgids in English);
``make babel-extract`` refreshes them from the code and templates, ``make translations`` compiles
them to ``.mo`` (``make install``, ``make run`` and ``make test`` do it). ``tests/test_i18n.py``
fails on any message without a translation.

The UI language comes from ?lang=, then the session, then Accept-Language, else Spanish (the office's).
The UI languages are those ``knowledge/data/languages.yaml`` declares ``ui`` (or, in tests, those of
the app's ``KNOWLEDGE``), read from ``BABEL_TRANSLATION_DIRECTORIES``: a new language is data only.
Replies stay in the requester's language: that is the reply's business, not the UI's.
Internal ids (rights, statuses, languages, entity kinds, evidence qualifiers) are shown as words
through the helpers below, never raw.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlencode

from babel import Locale
from flask import Flask, current_app, request, session
from flask_babel import Babel, format_date, format_datetime, get_locale, ngettext
from flask_babel import lazy_gettext as _l

from knowledge.base import KnowledgeBase
from knowledge.base import load as load_knowledge

from ..deadlines import days_left

TRANSLATIONS = Path(__file__).parent / "translations"
# knowledge/data/languages.yaml lists the languages once: those declaring `ui` have a complete catalog
# (tests/test_i18n.py); those declaring `classify` are what mail is read in (the queue's filter).
LANGUAGES = load_knowledge().languages_for("ui")
DEFAULT_LANGUAGE = "es"
REQUEST_LANGUAGES = load_knowledge().languages_for("classify")

STATUS_NAMES = {
    "open": _l("Open"),
    "waiting_id": _l("Waiting for ID"),
    "answered": _l("Answered"),
    "closed": _l("Closed"),
}
ENTITY_NAMES = {
    "names": _l("Name"),
    "id_numbers": _l("ID number (DNI/NIE)"),
    "policy_numbers": _l("Policy number"),
    "claim_numbers": _l("Claim number"),
    "emails": _l("E-mail"),
    "phones": _l("Phone"),
    "addresses": _l("Postal address"),
    "dates": _l("Date mentioned"),
}
EVIDENCE_KINDS = {
    "request": _l("asks for it"),
    "right": _l("names the right"),
    "article": _l("cites the article"),
}
EVIDENCE_STRENGTHS = {"strong": _l("clear"), "weak": _l("tentative")}
FILE_KINDS = {
    "image/jpeg": _l("JPEG image"),
    "image/png": _l("PNG image"),
    "image/gif": _l("GIF image"),
    "application/pdf": _l("PDF document"),
    "message/rfc822": _l("forwarded e-mail"),
    "text/plain": _l("text"),
}
JOINED_BY = {
    "origin": _l("opened the case"),
    "headers": _l("a reply in the thread (mail headers)"),
    "subject": _l("same sender and subject"),
}
EFFECT_NAMES = {
    "id_received": _l("identity document received"),
    "escalated": _l("reminder or complaint: escalated"),
    "reopened": _l("reopened the case"),
}
EVENT_NAMES = {
    "status_changed": _l("Status changed"),
    "rights_corrected": _l("Rights corrected"),
    "deadline_extended": _l("Deadline extended"),
    "case_closed_reason": _l("Reason for closing"),
    "reply_recomposed": _l("Reply recomposed for the current rights"),
    "draft_written": _l("Draft written in the mailbox"),
    "reply_sent": _l("Reply sent"),
    "case_assigned": _l("Case assigned"),
}
REPLY_STATUS_NAMES = {"suggested": _l("Suggested"), "edited": _l("Edited"), "approved": _l("Approved")}


def knowledge() -> KnowledgeBase:
    """The app's knowledge base: the shipped one, or a test's ``KNOWLEDGE`` (a throw-away language)."""
    return current_app.config.get("KNOWLEDGE") or load_knowledge()


def ui_languages() -> tuple[str, ...]:
    """The app's UI languages (``ui`` in languages.yaml), in file order."""
    return current_app.config.get("UI_LANGUAGES", LANGUAGES)


def select_language() -> str:
    """?lang= (remembered in the session), then the session, then the browser, then Spanish."""
    languages = ui_languages()
    lang = request.args.get("lang")
    if lang in languages:
        session["lang"] = lang
        return lang
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or DEFAULT_LANGUAGE


def current_language() -> str:
    return str(get_locale() or DEFAULT_LANGUAGE)


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def right_name(label: str) -> str:
    """'erasure' -> 'Supresión' (the taxonomy's own names, in the UI language)."""
    try:
        names = knowledge().label(label).name
    except KeyError:
        return label.replace("_", " ")
    return names.get(current_language()) or names.get("en") or label


def language_name(code: str, *, capital: bool = True) -> str:
    """'nl' -> 'Neerlandés' in Spanish, 'Néerlandais' in French (Babel's CLDR data); lower case mid-sentence."""
    if not code:
        return "—"
    name = Locale.parse(current_language()).languages.get(code)
    if not name:
        return code
    return capitalised(name) if capital else name


def language_label(code: str) -> str:
    """A UI language in its own words, for the switcher: 'Español', 'Français', 'English'."""
    return capitalised(Locale.parse(code).get_display_name(code) or code)


def language_switch_url(lang: str) -> str:
    """This very page (filters kept) in another language."""
    return f"{request.path}?{urlencode({**request.args.to_dict(), 'lang': lang})}"


def status_name(status: str) -> str:
    return str(STATUS_NAMES.get(status, status))


def file_kind(content_type: str) -> str:
    """'image/jpeg' -> 'imagen JPEG'; an unusual type by its subtype ('DOCX file')."""
    known = FILE_KINDS.get(content_type.lower())
    if known:
        return str(known)
    subtype = content_type.rsplit("/", 1)[-1].split("+")[0].split(".")[-1] or "?"
    return str(_l("%(kind)s file", kind=subtype.upper()))


def entity_name(kind: str) -> str:
    return str(ENTITY_NAMES.get(kind, kind.replace("_", " ")))


def evidence_note(kind: str, strength: str, negated: bool = False) -> str:
    words = [str(EVIDENCE_KINDS.get(kind, kind)), str(EVIDENCE_STRENGTHS.get(strength, strength))]
    if negated:
        words.append(str(_l("negated: does not count")))
    return ", ".join(words)


def mailbox_name(name: str) -> str:
    """An account name as the agent knows it: its address, or where an imported file came from."""
    if name == "local":
        return str(_l("imported from a file"))
    for account in current_app.config["DPO_CONFIG"].imap_accounts:
        if account.name == name and account.address:
            return account.address
    return name


def day(value: date | datetime | None, style: str = "medium") -> str:
    """A date in the UI's locale: '23 dic 2026', '23 déc. 2026', 'Dec 23, 2026'."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return format_datetime(value, "short")
    return format_date(value, style)


def time_left(due: date, today: date | None = None) -> str:
    """'quedan 5 días', 'vence hoy', 'vencido hace 3 días' (and their French and English)."""
    left = days_left(due, today or date.today())
    if left > 0:
        return ngettext("%(num)d day left", "%(num)d days left", left)
    if left == 0:
        return str(_l("due today"))
    return ngettext("overdue by %(num)d day", "overdue by %(num)d days", -left)


def joined_by_name(how: str) -> str:
    return str(JOINED_BY.get(how, how))


def effect_name(effect: str) -> str:
    return str(EFFECT_NAMES.get(effect, effect))


def event_name(action: str) -> str:
    return str(EVENT_NAMES.get(action, action))


def yes_no(value: bool | None) -> str:
    if value is None:
        return "—"
    return str(_l("yes") if value else _l("no"))


def init_i18n(app: Flask) -> None:
    languages = (app.config.get("KNOWLEDGE") or load_knowledge()).languages_for("ui")
    app.config["UI_LANGUAGES"] = languages
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(
        app,
        locale_selector=select_language,
        default_locale=DEFAULT_LANGUAGE,
        default_translation_directories=str(TRANSLATIONS),
        default_timezone="Europe/Madrid",  # times shown as the office lives them; stored in UTC
    )
    app.jinja_env.globals.update(
        current_language=current_language,
        LANGUAGES=languages,
        right_name=right_name,
        language_name=language_name,
        language_label=language_label,
        language_switch_url=language_switch_url,
        status_name=status_name,
        entity_name=entity_name,
        file_kind=file_kind,
        evidence_note=evidence_note,
        mailbox_name=mailbox_name,
        day=day,
        time_left=time_left,
        yes_no=yes_no,
        capitalised=capitalised,
        joined_by_name=joined_by_name,
        effect_name=effect_name,
        event_name=event_name,
    )
