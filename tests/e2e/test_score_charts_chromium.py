"""Questionnaire score charts in the HTML report, rendered by headless Chromium at desktop and
phone widths: the DOM has the bands, one point per result and one marker per reliable change,
with the attribution; each screenshot shows the band shading inside the page (the chart is
not cut off or overflowing at either width: a layout check, not a pixel comparison)."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from client_sdk import Client
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory
from tests.e2e.test_report_chromium import chromium, decode_png, near, row, run_chromium

DESKTOP = (1280, 2200)
PHONE = (412, 2600)
SEVERE_SHADE = (0xFF, 0xBD, 0xBD)  # the PHQ-9 "severe" band
MINIMAL_SHADE = (0xE3, 0xF9, 0xE5)
RING_RED = (0xD6, 0x45, 0x45)  # the ring around a result with item 9 above 0
# PHQ-9 totals, two weeks apart; from the first (5): +8, +17 (reliable deterioration), +3, +5,
# +18 (reliable deterioration): markers judge first score to each (REV-CLIN F1)
SCORES = [5, 13, 22, 8, 10, 23]
PFIZER = "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke"


async def client_with_scores(signup: ClientFactory) -> Client:
    ana = await signup("ana")
    start = datetime.now().astimezone() - timedelta(days=14 * len(SCORES))
    for index, total in enumerate(SCORES):
        answers = [min(3, max(0, total - 3 * i)) for i in range(8)] + [0]
        assert sum(answers) == total
        await ana.measures.take("phq9", answers, taken_at=start + timedelta(days=14 * index))
    await ana.measures.take("gad7", [1] * 7)
    await ana.entries.write("Personal", "A day.", mood=5)
    return ana


async def render(client: Client, journal: str, tmp_path: Path, name: str) -> Path:
    page = tmp_path / f"{name}.html"
    page.write_text(await client.insights.report_html(journal), encoding="utf-8")
    return page


async def test_the_report_has_a_chart_per_measure_with_bands_points_markers_and_attribution(
    signup: ClientFactory, tmp_path: Path
) -> None:
    chromium()
    ana = await client_with_scores(signup)
    tom = await signup("tom")
    await share_with(ana, tom)
    await ana.sync()
    await tom.sync()
    for client, journal, name in ((ana, "Personal", "client"), (tom, "ana/Personal", "therapist")):
        page = await render(client, journal, tmp_path, name)
        dom = (await run_chromium(page, tmp_path / f"profile-{name}", "--dump-dom")).stdout
        phq9 = dom[dom.index('data-measure="phq9"') : dom.index('data-measure="gad7"')]
        assert len(re.findall(r'<rect class="band"', phq9)) == 5
        points = re.findall(r'<circle class="score-point" data-score="(\d+)"', phq9)
        assert [int(p) for p in points] == SCORES
        marks = re.findall(r"<title>reliable deterioration \(([+-]\d+) since the first\)", phq9)
        assert marks == ["+8", "+17", "+18"]  # 13, 22 and 23 against the first, 5
        assert 'class="reliable-improvement"' not in phq9
        assert PFIZER in dom and dom.count('class="attribution"') == 2


@pytest.mark.parametrize(("width", "height"), [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_the_score_chart_fits_the_page_at_desktop_and_phone_widths(
    signup: ClientFactory, tmp_path: Path, width: int, height: int
) -> None:
    chromium()
    ana = await client_with_scores(signup)
    page = await render(ana, "Personal", tmp_path, "report")
    shot = tmp_path / "report.png"
    await run_chromium(
        page, tmp_path / "profile", f"--screenshot={shot}", f"--window-size={width},{height}"
    )
    got_width, got_height, pixels = decode_png(shot.read_bytes())
    assert (got_width, got_height) == (width, height)
    shaded = [
        y for y in range(height) if any(near(p, SEVERE_SHADE, 6) for p in row(pixels, width, y))
    ]
    assert shaded, "the severe band is not shaded"
    line = row(pixels, width, shaded[len(shaded) // 2])
    columns = [x for x, p in enumerate(line) if near(p, SEVERE_SHADE, 6)]
    left, right = columns[0], columns[-1]
    assert left > 0 and right < width - 1, "the chart touches the page edge: cut off or overflowing"
    assert right - left > 0.5 * min(width, 46 * 16) * 0.8, "the chart is squeezed"
    assert any(near(p, MINIMAL_SHADE, 6) for p in pixels), "the minimal band is not shaded"


async def test_an_item_9_answer_above_0_is_printed_beside_its_result_in_the_rendered_page(
    signup: ClientFactory, tmp_path: Path
) -> None:
    """The report says a PHQ-9 item 9 answered above 0 where the page is read and printed, not
    only in a tooltip: the rendered DOM holds the ringed point, its title and the visible line
    under the chart, the client's words to the client, the PHQ Instruction Manual's to a
    therapist; and the ring is drawn (red pixels) in the screenshot."""
    from client_sdk.scoring import OWN_SAFETY_WORDS, PHQ_MANUAL_ON_ITEM_9

    chromium()
    ana = await signup("ana")
    await ana.measures.take("phq9", [1, 1, 1, 1, 1, 1, 1, 2, 2])  # 11, Moderate; item 9: 2
    tom = await signup("tom")
    await share_with(ana, tom)
    await ana.sync()
    await tom.sync()
    head = "item 9 answered 2 (More than half the days), above 0"
    for client, journal, name, said in (
        (ana, "Personal", "client", OWN_SAFETY_WORDS),
        (tom, "ana/Personal", "therapist", f"{PHQ_MANUAL_ON_ITEM_9}."),
    ):
        page = await render(client, journal, tmp_path, name)
        dom = (await run_chromium(page, tmp_path / f"profile-{name}", "--dump-dom")).stdout
        phq9 = dom[dom.index('data-measure="phq9"') :]
        assert phq9.count('class="safety-ring"') == 1
        [title] = re.findall(r'<circle class="score-point"[^>]*><title>(.*?)</title>', phq9)
        line = f": 11 (Moderate); {head}: whatever the total score, {said}"
        assert html.unescape(title).endswith(line)
        [printed] = re.findall(r'<p class="safety-item">(.*?)</p>', phq9)
        assert html.unescape(re.sub(r"<[^>]+>", "", printed)).endswith(line)
    shot = tmp_path / "item9.png"
    page = await render(ana, "Personal", tmp_path, "item9")
    await run_chromium(page, tmp_path / "profile-shot", f"--screenshot={shot}")
    _, _, pixels = decode_png(shot.read_bytes())
    assert any(near(p, RING_RED, 20) for p in pixels), "the item 9 ring is not drawn"
