"""The project's own bounded grammar of unit strings, checked before anything reaches pint.

A unit is user input (a ``unit`` column of a CSV file, a cell of the template), and pint's
parser evaluates whatever it is given: ``km**2**2**2**2**2**2`` raises ``km`` to the power
``2**65536`` and never finishes, and ``__import__('os')``, ``1/0`` or ``km**(2`` fail deep inside
it. So every unit string is parsed here first, by a small tokenizer and recursive-descent
parser with hard limits, and only the canonical spelling this parser writes back is handed to
pint.

The grammar (after :func:`citykpi.catalogue.units.normalise_unit`)::

    unit     := product
    product  := power (("*" | "/" | juxtaposition) power)*     left to right, as pint reads it
    power    := factor [("**" | "^") exponent]                   one exponent per factor
    factor   := NAME | "1" | "(" product ")"
    exponent := ["-" | "+"] DIGITS                               at most MAX_EXPONENT in size
    NAME     := a letter or "_", then letters, digits or "_"; or "%"

It accepts every unit of the catalogue (``km * per_100k_inhabitants``, ``ekWh / m**2``,
``ug/m**3``, ``tCO2e / inhabitant``...) and the usual spellings of user files, and refuses with a
sentence: more than :data:`MAX_LENGTH` characters, parentheses nested deeper than
:data:`MAX_DEPTH`, more than :data:`MAX_FACTORS` factors, an exponent beyond
:data:`MAX_EXPONENT`, a chained exponent (``km**2**2``), a number other than ``1`` as a factor
(a scale belongs in the value), and any other character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from citykpi.errors import UnitError

#: Longest unit string accepted, in characters (the catalogue's longest is 27).
MAX_LENGTH: Final = 80
#: Deepest nesting of parentheses accepted.
MAX_DEPTH: Final = 4
#: Largest exponent accepted, in absolute value.
MAX_EXPONENT: Final = 12
#: Most factors (names and ``1``) in one unit.
MAX_FACTORS: Final = 16

_TOKEN: Final = re.compile(
    r"(?P<space>\s+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*|%)|(?P<number>[0-9]+(?:\.[0-9]*)?)"
    r"|(?P<op>\*\*|[*/^()+-])"
)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "name", "number", "op" or "end"
    text: str
    pos: int  # 0-based offset in the text


class _Syntax(Exception):
    """A problem with the unit text; the parser turns it into a :class:`UnitError`."""


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            char = text[pos]
            msg = f"the character {char!r} at position {pos + 1} has no place in a unit"
            raise _Syntax(msg)
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(_Token(kind, match.group(), pos))
        pos = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


class _Parser:
    """Recursive descent over the tokens, writing the canonical spelling as it goes."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0
        self.depth = 0
        self.factors = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def unit(self) -> str:
        result = self.product()
        token = self.token
        if token.kind != "end":
            if token.text in {"**", "^"}:
                msg = (
                    f"the exponent at position {token.pos + 1} follows another exponent; write "
                    "one exponent, e.g. 'km**2'"
                )
            elif token.text == ")":
                msg = f"the ')' at position {token.pos + 1} closes no '('"
            else:
                msg = f"{token.text!r} at position {token.pos + 1} is out of place"
            raise _Syntax(msg)
        return result

    def product(self) -> str:
        result = self.power()
        while True:
            token = self.token
            if token.text in {"*", "/"}:
                self.take()
                result = f"{result} {token.text} {self.power()}"
            elif token.kind in {"name", "number"} or token.text == "(":
                result = f"{result} * {self.power()}"  # "kilowatt hour": juxtaposition multiplies
            else:
                return result

    def power(self) -> str:
        base = self.factor()
        if self.token.text not in {"**", "^"}:
            return base
        self.take()
        return f"{base} ** {self.exponent()}"

    def exponent(self) -> str:
        sign = ""
        if self.token.text in {"-", "+"}:
            sign = "-" if self.take().text == "-" else ""
        token = self.take()
        if token.kind != "number" or not token.text.isdigit():
            found = f"{token.text!r}" if token.text else "the end"
            msg = (
                f"an exponent must be a whole number, e.g. 'm**2' or 'm**-1', not {found} "
                f"at position {token.pos + 1}"
            )
            raise _Syntax(msg)
        if len(token.text) > 3 or int(token.text) > MAX_EXPONENT:
            msg = f"the exponent {token.text} is larger than {MAX_EXPONENT}"
            raise _Syntax(msg)
        return f"{sign}{int(token.text)}"

    def factor(self) -> str:
        token = self.take()
        if token.kind in {"name", "number"}:
            self.factors += 1
            if self.factors > MAX_FACTORS:
                msg = f"it has more than {MAX_FACTORS} factors"
                raise _Syntax(msg)
        if token.kind == "name":
            return "percent" if token.text == "%" else token.text
        if token.kind == "number":
            if token.text != "1":
                msg = (
                    f"the number {token.text} at position {token.pos + 1} is a scale, which "
                    "belongs in the value, not in the unit"
                )
                raise _Syntax(msg)
            return "1"
        if token.text == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                msg = f"its parentheses are nested more than {MAX_DEPTH} deep"
                raise _Syntax(msg)
            inner = self.product()
            closing = self.take()
            if closing.text != ")":
                msg = f"the '(' at position {token.pos + 1} is never closed"
                raise _Syntax(msg)
            self.depth -= 1
            return f"({inner})"
        found = f"{token.text!r} at position {token.pos + 1}" if token.text else "the end"
        msg = f"a unit name was expected, not {found}"
        raise _Syntax(msg)


def canonical_unit(text: str, *, written: str | None = None) -> str:
    """Parse ``text`` with the bounded unit grammar and return its canonical spelling.

    Parameters
    ----------
    text
        A unit in pint syntax, as :func:`citykpi.catalogue.units.normalise_unit` writes it
        (``"ug/m**3"``, ``"km * per_100k_inhabitants"``).
    written
        The unit as the user wrote it, for the message, when ``text`` is its normalised form.

    Returns
    -------
    str
        The same unit with one space around each operator (``"ug / m ** 3"``): the only
        string pint is given.

    Raises
    ------
    UnitError
        When ``text`` is not a unit of the grammar, with the reason and the fix.
    """
    original = text if written is None else written
    shown = repr(original if len(original) <= MAX_LENGTH else original[:MAX_LENGTH] + "...")
    if original != text and len(text) <= MAX_LENGTH:
        shown += f" (read as {text!r})"
    try:
        if len(text) > MAX_LENGTH:
            msg = f"it is longer than {MAX_LENGTH} characters"
            raise _Syntax(msg)
        if not text.strip():
            msg = "it is empty"
            raise _Syntax(msg)
        return _Parser(text).unit()
    except _Syntax as e:
        msg = (
            f"The unit {shown} is not a unit citykpi reads: {e}. Write a unit such as "
            "'percent', 'kWh', 'ug/m3', 'km**2' or 'inhabitant'."
        )
        raise UnitError(msg) from None


__all__ = ["MAX_DEPTH", "MAX_EXPONENT", "MAX_FACTORS", "MAX_LENGTH", "canonical_unit"]
