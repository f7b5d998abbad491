"""`tj caseload --html`'s scores cell names item 9 as every other view does (one rule,
`results.band_words`): "PHQ-9 1 (None-minimal; item 9 answered 1 (Several days), above 0)",
never "PHQ-9 1 (None-minimal)" alone; a result shared without its answers says "item 9 not
shared". Real server on loopback."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device
from tests.test_cli_nu52_findings import TOFU


def scores_cell(page: Path) -> str:
    found = re.search(r"<dt>scores</dt><dd>(.*?)</dd>", page.read_text())
    assert found is not None, page.read_text()
    return found.group(1)


async def test_the_scores_cell_names_item_9(live_server: RunningServer, tmp_path: Path) -> None:
    cleo = await new_device(live_server, tmp_path, "cleo")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await cleo.ok("share", "Personal", "drsmith", "--role", "annotate", TOFU)
    await cleo.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1")
    await drsmith.ok("sync")
    page = tmp_path / "c.html"
    await drsmith.ok("caseload", "--html", str(page))
    assert scores_cell(page) == (
        "PHQ-9 1 (None-minimal; item 9 answered 1 (Several days), above 0)"
    ), scores_cell(page)


async def test_a_score_without_its_answers_says_item_9_is_not_shared(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ben = await new_device(live_server, tmp_path, "ben")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ben.ok("share", "Personal", "drsmith", "--only", "mood,scores", TOFU)
    await ben.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,0,0,0,0")
    await drsmith.ok("sync")
    page = tmp_path / "c.html"
    await drsmith.ok("caseload", "--html", str(page))
    assert scores_cell(page) == "PHQ-9 5 (Mild; item 9 not shared)", scores_cell(page)
