"""Questionnaire score charts for the HTML report: one inline SVG per measure, scores over time
on the instrument's full range with its bands shaded, a marker on each administration that
is a reliable change from the first one charted of its journal (the baseline: first score
to this one, as the NHS Talking Therapies manual judges change), and the instrument's attribution under the
chart.

Marks carry classes so tests can count them: `rect.band` (one per band), `circle.score-point`
(one per result), `path.reliable-improvement` / `path.reliable-deterioration` (one per
reliable change), `p.attribution`.

A result whose safety item (PHQ-9 item 9) was answered above 0 is never shown by its score
alone (a low band must not read as "you're fine"): its point is ringed (`circle.safety-ring`),
its point's title carries the line, and the line is printed under the chart
(`p.safety-item`: a printed page has no tooltips), as the other views give it ("item 9
answered 2 (More than half the days), above 0: whatever the total score, ..."): to the client
(`own`) this app's words, to a therapist the PHQ Instruction Manual's (scoring.py). Nor is a
client's result shared without its answers (`MeasureResult.safety_unknown`, read by a
therapist): its point's title says "item 9 not shared" and the chart is followed by what that
means (`p.safety-unknown`, `care_terms.SAFETY_UNKNOWN_LINE`). Pure: it builds a string.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from client_sdk.care_terms import SAFETY_UNKNOWN, SAFETY_UNKNOWN_LINE
from client_sdk.results import MeasureResult, changes_since_baseline, unknown_to_reader
from client_sdk.scoring import (
    DETERIORATION,
    IMPROVEMENT,
    Instrument,
    builtin_instruments,
    safety_answer_words,
)

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
svg .safety-ring { fill: none; stroke: #d64545; stroke-width: 2; }
.safety-item, .safety-unknown { margin: 0.25rem 0; }
.attribution { color: var(--muted); font-size: 0.8rem; margin: 0.25rem 0 1rem; }
.legend { color: var(--muted); font-size: 0.85rem; margin: 0.25rem 0; }
"""


def fmt(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def score_section(results: Sequence[MeasureResult], *, own: bool = True) -> str:
    """The "Questionnaires" section: a chart per measure that has results, or a note. `own`:
    the reader owns the journal (the client), else a therapist reads a shared result: whose
    words follow a safety item answered above 0 (`safety_lines`)."""
    if not results:
        return '<p class="note">No questionnaires taken in this period.</p>'
    charts = []
    for measure_id, instrument in builtin_instruments().items():
        mine = sorted(
            (r for r in results if r.measure == measure_id), key=lambda r: (r.taken_at, r.id)
        )
        if mine:
            charts.append(measure_chart(instrument, mine, own=own))
    ringed = (
        " Ringed in red: a safety item answered above 0 (said under the chart)."
        if any(safety_lines(r, own) for r in results)
        else ""
    )
    unknown = (
        f' "{SAFETY_UNKNOWN}": the answers are not shared with you (said under the chart).'
        if any(unknown_to_reader(r.safety_unknown, own) for r in results)
        else ""
    )
    legend = (
        '<p class="legend">Shaded: the instrument\'s bands. ▲ green: reliable improvement; '
        f"▼ red: reliable deterioration (change from the first result shown).{ringed}{unknown}</p>"
    )
    return legend + "".join(charts)


def safety_lines(result: MeasureResult, own: bool) -> list[tuple[str, str]]:
    """(head, rest) of each safety item `result` answered above 0, as the export words it:
    "item 9 answered 2 (More than half the days), above 0" and "whatever the total score,
    <what it calls for>." (`scoring.safety_answer_words`); none when the answers are not
    held (a share of scores only)."""
    found = builtin_instruments().get(result.measure)
    if found is None or result.answers is None:
        return []
    said = safety_answer_words(own)
    ending = "" if said.endswith(".") else "."
    return [
        (head, f"whatever the total score, {said}{ending}")
        for head in found.safety_answer_heads(result.answers)
    ]


def measure_chart(
    instrument: Instrument, results: Sequence[MeasureResult], *, own: bool = True
) -> str:
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
    noted: list[tuple[str, str]] = []  # printed under the chart: a page has no tooltips
    for index, result in enumerate(results):
        cx, cy = x(index), y(result.score)
        when = result.taken_at.astimezone().strftime("%Y-%m-%d")
        mark = f"; {SAFETY_UNKNOWN}" if unknown_to_reader(result.safety_unknown, own) else ""
        said = f"{when}: {result.score} ({result.band_label}{mark})"
        lines = safety_lines(result, own)
        if lines:
            parts.append(f'<circle class="safety-ring" cx="{fmt(cx)}" cy="{fmt(cy)}" r="8"/>')
        noted += [(f"{said}; {head}", rest) for head, rest in lines]
        title = "; ".join([said, *(f"{head}: {rest}" for head, rest in lines)])
        parts.append(
            f'<circle class="score-point" data-score="{result.score}" cx="{fmt(cx)}" '
            f'cy="{fmt(cy)}" r="4"><title>{escape(title)}</title></circle>'
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
    for head, rest in noted:
        parts.append(f'<p class="safety-item"><b>{escape(head)}</b>: {escape(rest)}</p>')
    unknown = [r for r in results if unknown_to_reader(r.safety_unknown, own)]
    if unknown:  # printed: a page has no tooltips
        days = ", ".join(r.taken_at.astimezone().strftime("%Y-%m-%d") for r in unknown)
        parts.append(
            f'<p class="safety-unknown"><b>{escape(days)}</b>: {escape(SAFETY_UNKNOWN_LINE)}</p>'
        )
    for band in instrument.bands:  # PCL-5 "(probable PTSD)": a screen (REV-CLIN F4)
        if band.note is not None:
            line = instrument.band_note_line(band.low)
            parts.append(f'<p class="note">{escape(line or "")}</p>')
    parts.append(f'<p class="attribution">{escape(instrument.attribution)}</p>')
    return "".join(parts)
