"""The report's gettext catalogues: every message present, validated languages complete."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from citykpi.report.strings import (
    LANGUAGES,
    catalogue,
    format_number,
    format_percent,
    format_unit,
    language_status,
)

REPORT = Path(__file__).resolve().parents[2] / "src" / "citykpi" / "report"


def _messages() -> set[str]:
    found = set()
    for _file, _line, msg, _comments, _ctx in extract_from_dir(
        str(REPORT),
        method_map=[("templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")],
        options_map={
            "templates/**.html": {
                "extensions": "jinja2.ext.i18n",
                "trim_blocks": "True",
                "lstrip_blocks": "True",
            }
        },
        keywords={"_": None, "gettext": None, "N_": None},
    ):
        found.add(msg if isinstance(msg, str) else msg[0])
    return found


@pytest.fixture(scope="module")
def messages() -> set[str]:
    found = _messages()
    assert len(found) > 80
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_holds_every_message(messages: set[str], lang: str) -> None:
    ids = {m.id for m in catalogue(lang) if m.id}
    assert messages - ids == set(), f"run the extraction and add the missing messages to {lang}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translated_where_it_says_so(messages: set[str], lang: str) -> None:
    status = language_status(lang)
    assert status in ("validated", "draft", "machine")
    empty = {m.id for m in catalogue(lang) if m.id and not m.string}
    if status == "validated":
        assert empty == set()
    if lang in ("fr", "es"):
        assert empty == set(), "French and Spanish translate every fixed text"


def test_english_is_validated() -> None:
    assert language_status("en") == "validated"


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (1234567.891, "en", "1,234,568"),
        (1234567.891, "fr", "1\u202f234\u202f568"),
        (94.37651, "en", "94.38"),
        (94.37651, "es", "94,38"),
        (0.0034567, "en", "0.003"),
        (None, "en", "\u2013"),
    ],
)
def test_numbers_for_the_language(value: float | None, lang: str, expected: str) -> None:
    assert format_number(value, lang) == expected


def test_percent_and_units() -> None:
    assert format_percent(66.6, "en") == "67%"
    assert format_percent(66.6, "fr") == "67\u202f%"
    assert format_unit("ug/m**3") == "\u00b5g/m\u00b3"
    assert format_unit("percent") == "%"
