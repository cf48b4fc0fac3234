"""The web interface's strings: every one in the English catalogue, the others ready for them."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "src" / "citykpi" / "web"
LOCALES = ROOT / "src" / "citykpi" / "i18n" / "locales"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
METHODS = [("templates/**.html", "jinja2"), ("pages/**.py", "python")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def _source_messages() -> set[str]:
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        WEB, METHODS, options_map=OPTIONS, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _catalogue(lang: str) -> dict[str, str]:
    with (LOCALES / lang / "LC_MESSAGES" / "web.po").open("rb") as f:
        cat = read_po(f, locale=lang, domain="web")
    return {str(m.id): str(m.string) for m in cat if m.id and isinstance(m.id, str)}


def test_english_catalogue_has_every_interface_string_translated() -> None:
    source = _source_messages()
    assert "Skip to main content" in source  # the extraction itself works
    english = _catalogue("en")
    missing = sorted(source - set(english))
    empty = sorted(m for m in source if not english.get(m))
    assert missing == [], f"run the pybabel update of docs/web-pages.md; missing: {missing}"
    assert empty == []


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_other_catalogues_list_the_same_strings(lang: str) -> None:
    assert set(_catalogue(lang)) == set(_catalogue("en"))


def test_a_page_speaks_the_language_of_the_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from starlette.requests import Request

    from citykpi.web import templating

    folder = tmp_path / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "web.po").write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Skip to main content"\nmsgstr "Aller au contenu"\n\n'
        'msgid "Signed in as %(name)s (%(role)s)"\nmsgstr "Connecté : %(name)s (%(role)s)"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(templating, "LOCALE_DIR", tmp_path)
    templating._translations.cache_clear()
    try:
        request = Request({"type": "http", "method": "GET", "path": "/", "headers": []})
        request.state.locale = "fr"
        request.state.actor = None
        html = bytes(templating.render(request, "base.html").body).decode()
        assert '<a class="skip-link" href="#main">Aller au contenu</a>' in html
        assert '<html lang="fr"' in html
        assert "Cities" in html  # untranslated strings fall back to English
    finally:
        templating._translations.cache_clear()
