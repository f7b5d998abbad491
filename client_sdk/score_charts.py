"""Questionnaire score charts for the HTML report: one inline SVG per measure, scores over time
on the instrument's full range with its bands shaded, a marker on each administration that
is a reliable change from the first one charted of its journal (the baseline: first score
to this one, as the NHS Talking Therapies manual judges change), and the instrument's attribution under the
chart.

Marks carry classes so tests can count them: `rect.band` (one per band), `circle.score-point`
(one per result), `path.reliable-improvement` / `path.reliable-deterioration` (one per
reliable change), `p.attribution`. Pure: it builds a string.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from client_sdk.results import MeasureResult, changes_since_baseline
from client_sdk.scoring import DETERIORATION, IMPROVEMENT, Instrument, builtin_instruments

WIDTH, HEIGHT = 480, 220
LEFT, RIGHT, TOP, BOTTOM = 34, 10, 12, 30
BAND_SHADES = ("#e3f9e5", "#fff3c4", "#ffe3c2", "#ffd0c2", "#ffbdbd")

STYLE = """
svg .band { stroke: none; }
svg .band-label { fill: var(--muted); font-size: 10px; }
svg .score-line { fill: none; stroke: var(--ink); stroke-width: 2; }
svg .score-point { fill: var(--ink); }
svg .reliable-improvement { fill: #27ae60; }
svg .reliable-deterioration { fill: #d64545; }
.attribution { color: var(--muted); font-size: 0.8rem; margin: 0.25rem 0 1rem; }
.legend { color: var(--muted); font-size: 0.85rem; margin: 0.25rem 0; }
"""


def fmt(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def score_section(results: Sequence[MeasureResult]) -> str:
    """The "Questionnaires" section: a chart per measure that has results, or a note."""
    if not results:
        return '<p class="note">No questionnaires taken in this period.</p>'
    charts = []
    for measure_id, instrument in builtin_instruments().items():
        mine = sorted(
            (r for r in results if r.measure == measure_id), key=lambda r: (r.taken_at, r.id)
        )
        if mine:
            charts.append(measure_chart(instrument, mine))
    legend = (
        '<p class="legend">Shaded: the instrument\'s bands. ▲ green: reliable improvement; '
        "▼ red: reliable deterioration (change from the first result shown).</p>"
    )
    return legend + "".join(charts)


def measure_chart(instrument: Instrument, results: Sequence[MeasureResult]) -> str:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(score: float) -> float:
        return TOP + (1 - score / instrument.max_score) * plot_h

    def x(index: int) -> float:
        return LEFT + (index + 0.5) * plot_w / len(results)

    from_first = changes_since_baseline(results)
    label = f"{instrument.name} scores over time, 0 to {instrument.max_score}"
    parts = [
        f"<h3>{escape(instrument.name)}</h3>",
        f'<svg class="score-chart" data-measure="{instrument.id}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(label)}</title>",
    ]
    for index, band in enumerate(instrument.bands):
        top, bottom = (
            y(band.high + 1 if band.high < instrument.max_score else band.high),
            y(band.low),
        )
        shade = BAND_SHADES[min(index, len(BAND_SHADES) - 1)]
        parts.append(
            f'<rect class="band" data-band="{escape(band.label)}" x="{LEFT}" y="{fmt(top)}" '
            f'width="{plot_w}" height="{fmt(bottom - top)}" fill="{shade}">'
            f"<title>{band.low}-{band.high}: {escape(band.label)}</title></rect>"
        )
        parts.append(
            f'<text class="band-label" x="{LEFT - 4}" y="{fmt(bottom)}" text-anchor="end">'
            f"{band.low}</text>"
        )
    path = " ".join(
        f"{'L' if i else 'M'}{fmt(x(i))} {fmt(y(r.score))}" for i, r in enumerate(results)
    )
    parts.append(f'<path class="score-line" d="{path}"/>')
    for index, result in enumerate(results):
        cx, cy = x(index), y(result.score)
        when = result.taken_at.astimezone().strftime("%Y-%m-%d")
        parts.append(
            f'<circle class="score-point" data-score="{result.score}" cx="{fmt(cx)}" '
            f'cy="{fmt(cy)}" r="4"><title>{when}: {result.score} ({escape(result.band)})'
            "</title></circle>"
        )
        change = from_first[result.id]  # None for the first of its journal
        if change is not None and change.reliable == IMPROVEMENT:
            parts.append(
                f'<path class="reliable-improvement" d="M{fmt(cx - 6)} {fmt(cy - 8)} '
                f'L{fmt(cx + 6)} {fmt(cy - 8)} L{fmt(cx)} {fmt(cy - 18)} Z">'
                f"<title>reliable improvement ({change.change:+d} since the first)</title></path>"
            )
        elif change is not None and change.reliable == DETERIORATION:
            parts.append(
                f'<path class="reliable-deterioration" d="M{fmt(cx - 6)} {fmt(cy - 18)} '
                f'L{fmt(cx + 6)} {fmt(cy - 18)} L{fmt(cx)} {fmt(cy - 8)} Z">'
                f"<title>reliable deterioration ({change.change:+d} since the first)</title>"
                "</path>"
            )
    step = max(1, len(results) // 6 + (1 if len(results) % 6 else 0))
    for index, result in enumerate(results):
        if index % step == 0:
            parts.append(
                f'<text x="{fmt(x(index))}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">'
                f"{result.taken_at.astimezone().strftime('%d %b')}</text>"
            )
    parts.append("</svg>")
    for band in instrument.bands:  # PCL-5 "(probable PTSD)": a screen (REV-CLIN F4)
        if band.note is not None:
            line = instrument.band_note_line(band.low)
            parts.append(f'<p class="note">{escape(line or "")}</p>')
    parts.append(f'<p class="attribution">{escape(instrument.attribution)}</p>')
    return "".join(parts)
