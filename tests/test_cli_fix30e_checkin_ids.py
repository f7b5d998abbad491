"""A goal's check-in is shown by its id's first 12 hex digits (`output.short_id`), as every
other id, in `tj goal show`, `tj goal history` and after `tj goal checkin-edit` (which
named it by the words typed), and a unique start of 4 hex digits names it (fix30e item 7)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device


async def test_a_checkin_is_shown_as_every_id_and_named_by_its_start(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    goal = (await ana.ok("goal", "add", "Walk", "--measure", "4 sessions")).stdout.strip()
    await ana.ok("goal", "checkin", goal[:8], "--note", "By the river")
    [checkin] = (await ana.json("goal", "show", goal[:8]))["checkins"]
    ident = checkin["id"]
    shown = await ana.ok("goal", "show", goal[:8])
    assert ident[:12] in shown.stdout and ident not in shown.stdout, shown.stdout
    edited = await ana.ok("goal", "checkin-edit", goal[:8], ident[:4], "--note", "By the sea")
    words = " ".join(edited.stderr.split())
    assert f"Check-in {ident[:12]} on goal {goal[:12]} ('Walk')" in words, words
    history = await ana.ok("goal", "history", goal[:8])
    assert f"check-in {ident[:12]} note" in " ".join(history.stdout.split()), history.stdout
