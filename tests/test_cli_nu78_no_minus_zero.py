"""NU78 F10: `tj caseload --html` said "5.0/10 (-0.0 against the 4 weeks before)" for a mood
that moved by -0.04: a minus on a change that rounds to nothing reads as a fall. A change that
rounds to 0.0 is "no change" (the brief's words come from the same rule). Real server on
loopback."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from client_sdk import Client
from tests.conftest import RunningServer
from tests.test_cli_insights import new_device
from tests.test_cli_nu52_findings import TOFU


def test_a_change_that_rounds_to_nothing_is_no_change() -> None:
    from client_sdk.caseload import change_words

    before = "the 4 weeks before"
    assert change_words(-0.04, before) == "no change against the 4 weeks before"
    assert change_words(0.0, before) == "no change against the 4 weeks before"
    assert change_words(0.04, before) == "no change against the 4 weeks before"
    assert change_words(-0.06, before) == "-0.1 against the 4 weeks before"
    assert change_words(1.25, before) == "+1.2 against the 4 weeks before"


async def test_the_caseload_page_shows_no_minus_zero(
    live_server: RunningServer, tmp_path: Path
) -> None:
    cleo = await new_device(live_server, tmp_path, "cleo")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await cleo.ok("share", "Personal", "drsmith", "--role", "annotate", TOFU)
    now = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    async with await Client.open(cleo.home) as client:
        await client.entries.write(None, "Now.", mood=5, created_at=now - timedelta(days=3))
        for day in range(30, 55):  # 24 fives and a six: 5.04 the 4 weeks before
            mood = 6 if day == 30 else 5
            await client.entries.write(
                None, "Then.", mood=mood, created_at=now - timedelta(days=day)
            )
        await client.sync()
    await drsmith.ok("sync")
    page = tmp_path / "c.html"
    await drsmith.ok("caseload", "--html", str(page))
    found = re.search(r"<dt>mood, 4 weeks</dt><dd>(.*?)</dd>", page.read_text())
    assert found is not None, page.read_text()
    assert found.group(1) == "5.0/10 (no change against the 4 weeks before)", found.group(1)
