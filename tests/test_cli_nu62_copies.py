"""NU62: field-level copies (`tj share J NAME --only ...`) as a new user met them: an entry
whose date moves out of what the copy covers leaves the copy, and comes back when it moves
back in. Two homes of one account and the member's, on a real server on 127.0.0.1, through
the CLI."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_r22_departures import ana, tom

__all__ = ["ana", "tom"]  # the fixtures, used by name

COPY = "Personal (mood, tags) for tom"


async def copied(tom: Device) -> list[dict[str, Any]]:
    await tom.ok("sync")
    listed: list[dict[str, Any]] = await tom.json("list", "--journal", f"ana/{COPY}")
    return listed


async def test_an_entry_moved_to_before_the_copy_leaves_it_and_comes_back_when_moved_back(
    ana: Device, tom: Device, live_server: RunningServer, tmp_path: Path
) -> None:
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--only", "mood,tags", *fingerprint)
    await phone.ok("sync")
    entry = (await phone.ok("write", "--mood", "8", "--tag", "now", "A dream.")).stdout.strip()
    [shown] = await copied(tom)
    assert (shown["mood"], shown["tags"]) == (8, ["now"])

    await phone.ok("edit", entry[:8], "--date", "2026-01-02 03:00")  # before the share
    await phone.ok("edit", entry[:8], "--mood", "3")
    await ana.ok("sync")
    assert await copied(tom) == []  # not the old date and mood, kept for ever

    now = datetime.now().isoformat(timespec="milliseconds")  # after the share began
    await ana.ok("edit", entry[:8], "--date", now)  # back in: copied again, as it is now
    [back] = await copied(tom)
    assert (back["mood"], back["tags"], back["id"]) == (3, ["now"], shown["id"])
