"""The report's charts as SVG drawn from the document's data: one drawing for screen and PDF.

Two charts, each carried by text as well as colour (the band is written in every segment and
bar) and each shown next to the table of the numbers it draws:

* the **benchmarking wheel**: a sunburst of the framework, dimension (inner ring) ->
  sub-dimension -> category (outer ring), every category an equal slice, each segment coloured
  by its band; category names around the outside;
* the **performance bars**: the score of each dimension and sub-dimension (points / maximum
  points, in %) against the band edges 33, 66 and 95 %.

Every piece of text is escaped (:func:`markupsafe.escape`): the SVG goes inline into HTML,
where a name is hostile like anywhere else. Geometry is plain trigonometry; angles run
clockwise from twelve o'clock.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Final

from markupsafe import Markup, escape

from citykpi.report.document import BANDS, LEGEND, Band, DimensionBlock, ScoreLine, WheelCell
from citykpi.report.strings import format_percent

__all__ = ["bars_svg", "wheel_svg"]

Translate = Callable[[str], str]

_SIZE: Final = 720
_C: Final = _SIZE / 2
#: Radii of the wheel: hole, dimension ring, sub-dimension ring, category ring, labels.
_R: Final = (50.0, 110.0, 170.0, 232.0, 238.0)
_FONT: Final = "DejaVu Sans, Arial, sans-serif"
_DARK: Final = frozenset({"95+", "0-33"})  # bands whose colour needs white text


def _point(r: float, angle: float) -> tuple[float, float]:
    return _C + r * math.sin(angle), _C - r * math.cos(angle)


def _sector(r0: float, r1: float, a0: float, a1: float) -> str:
    """Return the path of an annular sector between radii r0 < r1 and angles a0 < a1."""
    large = 1 if a1 - a0 > math.pi else 0
    if a1 - a0 >= 2 * math.pi - 1e-9:  # a whole ring: two half arcs
        a1 = a0 + 2 * math.pi - 1e-6
    x0, y0 = _point(r1, a0)
    x1, y1 = _point(r1, a1)
    x2, y2 = _point(r0, a1)
    x3, y3 = _point(r0, a0)
    return (
        f"M{x0:.2f},{y0:.2f} A{r1:.2f},{r1:.2f} 0 {large} 1 {x1:.2f},{y1:.2f} "
        f"L{x2:.2f},{y2:.2f} A{r0:.2f},{r0:.2f} 0 {large} 0 {x3:.2f},{y3:.2f} Z"
    )


def _text_fill(b: Band) -> str:
    return "#ffffff" if b.key in _DARK else "#111111"


def _segment(
    r0: float, r1: float, a0: float, a1: float, b: Band, title: str, label: str, size: float
) -> str:
    mid = (a0 + a1) / 2
    x, y = _point((r0 + r1) / 2, mid)
    lines = label.split("\n")
    top = y + size / 3 - (len(lines) - 1) * size * 0.6
    text = "".join(
        f'<text x="{x:.2f}" y="{top + i * size * 1.2:.2f}" font-size="{size}" '
        f'text-anchor="middle" fill="{_text_fill(b)}">{escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    return (
        f"<g><title>{escape(title)}</title>"
        f'<path d="{_sector(r0, r1, a0, a1)}" fill="{b.colour}" stroke="#ffffff" '
        f'stroke-width="1.5"/>{text}</g>'
    )


def wheel_svg(
    cells: Sequence[WheelCell],
    blocks: Sequence[DimensionBlock],
    *,
    lang: str,
    gettext: Translate,
) -> Markup:
    """Draw the benchmarking wheel of a city's categories.

    Parameters
    ----------
    cells
        The framework's categories in catalogue order (:attr:`CityDocument.wheel`).
    blocks
        The dimension and sub-dimension scores (:attr:`CityDocument.dimensions`), which colour
        the two inner rings.
    lang
        Language of the numbers.
    gettext
        Translates the chart's fixed text.

    Returns
    -------
    Markup
        An ``<svg>`` element, safe to place in HTML.
    """
    n = len(cells)
    if n == 0:
        return Markup("")
    step = 2 * math.pi / n
    parts: list[str] = []
    not_scored = gettext(BANDS[""].label)

    def label(b: Band) -> str:
        return b.key or "\u2013"

    # category ring and the names around it
    for i, c in enumerate(cells):
        a0, a1 = i * step, (i + 1) * step
        what = (
            f"{c.category}: {format_percent(c.score, lang)}"
            if c.score is not None
            else (f"{c.category}: {not_scored}")
        )
        parts.append(_segment(_R[2], _R[3], a0, a1, c.band, what, label(c.band), 10))
        mid = (a0 + a1) / 2
        x, y = _point(_R[4], mid)
        deg = math.degrees(mid)
        if deg <= 180:
            rot, anchor = deg - 90, "start"
        else:
            rot, anchor = deg + 90, "end"
        parts.append(
            f'<text x="{x:.2f}" y="{y:.2f}" font-size="10" text-anchor="{anchor}" '
            f'dominant-baseline="middle" transform="rotate({rot:.2f} {x:.2f} {y:.2f})" '
            f'fill="#222222">{escape(c.category)}</text>'
        )
    # sub-dimension and dimension rings: consecutive runs of cells, scored by the assessment
    scores: dict[tuple[str, str], ScoreLine] = {}
    for d in blocks:
        if d.score is not None:
            scores[("dim", d.name)] = d.score
        for sub in d.sub_dimensions:
            scores[("sub", sub.name)] = sub
    for level, (r0, r1), size in (("sub", (_R[1], _R[2]), 10.0), ("dim", (_R[0], _R[1]), 11.0)):
        start = 0
        while start < n:
            key = (cells[start].dimension, cells[start].sub_dimension if level == "sub" else "")
            end = start
            while (
                end + 1 < n
                and (
                    cells[end + 1].dimension,
                    cells[end + 1].sub_dimension if level == "sub" else "",
                )
                == key
            ):
                end += 1
            found = scores.get((level, key[1] or key[0]))
            score = found.score if found is not None else None
            b = found.band if found is not None else BANDS[""]
            name = key[1] or key[0]
            title = (
                f"{name}: {format_percent(score, lang)}"
                if score is not None
                else (f"{name}: {not_scored}")
            )
            text = label(b) if level == "sub" else f"{name}\n{label(b)}"
            parts.append(_segment(r0, r1, start * step, (end + 1) * step, b, title, text, size))
            start = end + 1
    title = gettext("Benchmarking wheel")
    desc = gettext(
        "Dimensions (inner ring), sub-dimensions and categories (outer ring), each coloured "
        "by its performance to benchmark; the band is written in every segment."
    )
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_SIZE} {_SIZE}" '
        f'class="chart wheel" role="img" font-family="{_FONT}" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"
        f"{''.join(parts)}</svg>"
    )


_BAR_W: Final = 680
_LABEL_W: Final = 250
_PLOT_W: Final = 330
_ROW_H: Final = 22


def bars_svg(blocks: Sequence[DimensionBlock], *, lang: str, gettext: Translate) -> Markup:
    """Draw the performance to benchmark of each dimension and sub-dimension as bars.

    Parameters
    ----------
    blocks
        The document's dimensions (:attr:`CityDocument.dimensions`).
    lang
        Language of the numbers.
    gettext
        Translates the chart's fixed text.

    Returns
    -------
    Markup
        An ``<svg>`` element, safe to place in HTML.
    """
    rows: list[tuple[str, float | None, Band, bool]] = []
    for d in blocks:
        s = d.score
        rows.append((d.name, s.score if s else None, s.band if s else BANDS[""], True))
        rows.extend((sub.name, sub.score, sub.band, False) for sub in d.sub_dimensions)
    top = 26
    height = top + _ROW_H * len(rows) + 30
    x0 = _LABEL_W
    parts: list[str] = []
    for edge in (33, 66, 95):
        x = x0 + _PLOT_W * edge / 100
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 26}" '
            f'stroke="#777777" stroke-dasharray="3,3" stroke-width="1"/>'
            f'<text x="{x:.1f}" y="{top - 10}" font-size="10" text-anchor="middle" '
            f'fill="#444444">{edge}%</text>'
        )
    for i, (name, score, b, is_dim) in enumerate(rows):
        y = top + i * _ROW_H
        weight = "bold" if is_dim else "normal"
        indent = 0 if is_dim else 14
        parts.append(
            f'<text x="{indent}" y="{y + 15}" font-size="11" font-weight="{weight}" '
            f'fill="#111111">{escape(name)}</text>'
        )
        width = _PLOT_W * (score or 0) / 100
        parts.append(
            f'<rect x="{x0}" y="{y + 3}" width="{width:.1f}" height="{_ROW_H - 6}" '
            f'fill="{b.colour}"/>'
        )
        text = (
            f"{format_percent(score, lang)} \u00b7 {b.key}"
            if score is not None
            else gettext(BANDS[""].label)
        )
        parts.append(
            f'<text x="{x0 + width + 4:.1f}" y="{y + 15}" font-size="10" '
            f'fill="#111111">{escape(text)}</text>'
        )
    axis = gettext("Score: points as a share of the maximum points")
    parts.append(
        f'<text x="{x0}" y="{height - 8}" font-size="10" fill="#444444">{escape(axis)}</text>'
    )
    title = gettext("Performance to benchmark by dimension and sub-dimension")
    legend = "; ".join(f"{b.key}: {gettext(b.label)}" for b in LEGEND)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_BAR_W} {height}" '
        f'class="chart bars" role="img" font-family="{_FONT}" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title><desc>{escape(legend)}</desc>{''.join(parts)}</svg>"
    )
