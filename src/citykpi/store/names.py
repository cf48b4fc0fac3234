"""Names of users and cities: normalised, unique case-insensitively, no confusable look-alikes.

A name is stored in Unicode NFKC with runs of white space made one space and the ends trimmed;
control, format, surrogate and private-use characters (NUL, newline, tab, zero-width space,
right-to-left override, ...) are refused. Two names are the same when their :func:`name_key`
(the normalised name, case-folded) is equal; the ``name_key`` columns are unique. Two names are
*confusable* when their :func:`skeleton` is equal: the key with each Cyrillic and Greek letter
that looks like a Latin one (and a few other common homoglyphs) replaced by that Latin letter,
after the idea of the Unicode confusables skeleton (UTS #39), with the small table
:data:`CONFUSABLES` shipped here. A new name equal to or confusable with an existing one is
refused, naming the existing one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Final

from citykpi.errors import InputError

#: Unicode general categories refused in names: controls (NUL, newline, tab, ...), format
#: characters (zero-width space and joiners, bidirectional overrides), surrogates, private use,
#: unassigned, and the line and paragraph separators.
REFUSED_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})

_SPACES: Final = re.compile(r"\s+")

#: Look-alikes of Latin letters (after case folding), mapped to the Latin letter they look
#: like: Cyrillic and Greek small letters, and a few common Latin and digit homoglyphs.
CONFUSABLES: Final[dict[str, str]] = {
    # Cyrillic
    "а": "a",
    "в": "b",
    "с": "c",
    "ԁ": "d",
    "е": "e",
    "ё": "ë",
    "һ": "h",
    "і": "i",
    "ї": "ï",
    "ј": "j",
    "к": "k",
    "ӏ": "l",
    "м": "m",
    "н": "h",
    "о": "o",
    "р": "p",
    "ԛ": "q",
    "ѕ": "s",
    "т": "t",
    "у": "y",
    "ԝ": "w",
    "х": "x",
    "ү": "y",
    "ѵ": "v",
    # Greek
    "α": "a",
    "β": "b",
    "ε": "e",
    "η": "n",
    "ι": "i",
    "κ": "k",
    "ν": "v",
    "ο": "o",
    "ρ": "p",
    "τ": "t",
    "υ": "u",
    "χ": "x",
    "γ": "y",
    "ω": "w",
    "ζ": "z",
    "μ": "u",
    # Latin and digit homoglyphs
    "ɡ": "g",
    "ı": "i",
    "ȷ": "j",
    "0": "o",
    "1": "l",
    "|": "l",
}


def name_key(name: str) -> str:
    """Return the key that makes names unique: NFKC, white space collapsed, trimmed, case-folded.

    Parameters
    ----------
    name
        A name as given or as stored.

    Returns
    -------
    str
        The key; equal keys mean the same name.
    """
    text = _SPACES.sub(" ", unicodedata.normalize("NFKC", name)).strip()
    return unicodedata.normalize("NFKC", text.casefold())


def has_refused_characters(text: str) -> bool:
    """Return whether ``text`` holds a character no name may hold (so no name can match it)."""
    return any(unicodedata.category(ch) in REFUSED_CATEGORIES for ch in text)


def skeleton(name: str) -> str:
    """Return the name's look-alike skeleton: its key with :data:`CONFUSABLES` mapped."""
    return "".join(CONFUSABLES.get(ch, ch) for ch in name_key(name))


def normalise_name(raw: str, *, what: str, max_length: int, example: str) -> str:
    """Return ``raw`` as it is stored: NFKC, white space collapsed to one space, trimmed.

    Parameters
    ----------
    raw
        The name as given.
    what
        What is named, for messages (``"user"``, ``"city"``).
    max_length
        The longest name allowed, in characters after normalisation.
    example
        An example of a good name, for the message about an empty one.

    Returns
    -------
    str
        The normalised name.

    Raises
    ------
    InputError
        The name is empty, too long, or contains a refused character (named by code point).
    """
    text = unicodedata.normalize("NFKC", raw)
    for ch in text:
        if unicodedata.category(ch) in REFUSED_CATEGORIES:
            label = unicodedata.name(ch, "a control character")
            msg = (
                f"A {what} name cannot contain U+{ord(ch):04X} ({label}); found in {raw!r}. "
                "Give the name on one line, without control or invisible characters."
            )
            raise InputError(msg)
    text = _SPACES.sub(" ", text).strip()
    if not text:
        msg = f"A {what} name cannot be empty; give one such as {example!r}."
        raise InputError(msg)
    length = max(len(text), len(name_key(text)))  # case folding can lengthen it (ß: ss)
    if length > max_length:
        msg = (
            f"A {what} name can have at most {max_length} characters; {text[:40]!r}... has "
            f"{length} (counted as compared, ignoring case). Give a shorter name."
        )
        raise InputError(msg)
    return text


def check_unique(name: str, existing: Iterable[str], *, what: str) -> None:
    """Refuse ``name`` if it is the same as, or confusable with, one of ``existing``.

    Parameters
    ----------
    name
        The normalised new name (:func:`normalise_name`).
    existing
        The names already stored.
    what
        What is named, for messages (``"user"``, ``"city"``).

    Raises
    ------
    InputError
        Naming the existing name it collides with.
    """
    key, skel = name_key(name), skeleton(name)
    for other in existing:
        if name_key(other) == key:
            msg = (
                f"A {what} named {other!r} already exists, and {name!r} is the same name "
                "(names are compared ignoring case and surrounding spaces); choose another name."
            )
            raise InputError(msg)
        if skeleton(other) == skel:
            msg = (
                f"The {what} name {name!r} looks like the existing {what} {other!r} (look-alike "
                "letters, e.g. Cyrillic or Greek ones, read as the same); choose a name that "
                "cannot be mistaken for it."
            )
            raise InputError(msg)


__all__ = [
    "CONFUSABLES",
    "REFUSED_CATEGORIES",
    "check_unique",
    "has_refused_characters",
    "name_key",
    "normalise_name",
    "skeleton",
]
