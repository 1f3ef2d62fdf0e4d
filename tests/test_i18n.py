"""The gettext catalogs: every message the code and templates show is translated, and compiled.

Runs `pybabel extract` over the sources (babel.cfg), so a new `_()` without a translation fails here
rather than showing English to a Spanish agent.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from assistant.web.i18n import LANGUAGES, TRANSLATIONS

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [str(pybabel), "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."],
        cwd=ROOT,
        check=True,
    )
    with pot.open("rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


def catalog(lang: str):  # type: ignore[no-untyped-def]
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated(extracted, lang):
    entries = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog(lang) if m.id}
    missing = sorted(extracted - entries.keys())
    assert not missing, f"not in {lang}.po (run make babel-extract, then translate): {missing}"
    untranslated = [
        key
        for key in extracted
        if not (entries[key].string if isinstance(entries[key].string, str) else all(entries[key].string))
        or entries[key].fuzzy
    ]
    assert not untranslated, f"untranslated or fuzzy in {lang}.po: {sorted(untranslated)}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_their_placeholders(lang):
    for m in catalog(lang):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == wanted, (lang, m.id, text)


def test_french_typography_has_a_space_before_double_punctuation():
    """French puts a no-break space before : ; ? ! and inside « » (narrow for ; ? !)."""
    for m in catalog("fr"):
        if not m.id:
            continue  # the header
        for text in m.string if isinstance(m.string, tuple) else (m.string,):
            bare = PLACEHOLDER.sub("x", re.sub(r"\[\[[^\]]*\]\]|https?://\S+|\(\w+ \d[^)]*\)", "", text))
            assert not re.search(r"[^\s\u00a0\u202f][:;?!»]|«[^\s\u00a0\u202f]", bare), (m.id, text)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalog_matches_its_source(lang):
    """The .mo the app loads says what the .po says (make translations compiles it)."""
    mo = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo"
    assert mo.exists(), f"{mo} missing: run make translations"
    with mo.open("rb") as f:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(f) if m.id}
    for m in catalog(lang):
        if m.id:
            assert compiled.get(_key(m.id)) == _key(m.string), f"{mo.name} for {lang} is stale: run make translations"


def _key(value: str | tuple[str, ...] | list[str]) -> str | tuple[str, ...]:
    return value if isinstance(value, str) else tuple(value)
