"""NU23 C6 and C9: a therapist is told, once, each time a share of the same journal ends
and each time the client shares it again, whatever happened before (a `tj leave`, an
`unshare`, an end date): the bookkeeping of what was told is kept per membership (each grant
the owner signs), not per journal. Real server on loopback, real crypto; CliRunner."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device
from tests.test_cli_sharing import move_clocks

DAY_MS = 24 * 3600 * 1000


async def synced(device: Device) -> str:
    """What `tj sync` printed: its summary and its notices, on one line each."""
    result = await device.ok("sync")
    return " ".join(f"{result.stdout}\n{result.stderr}".split())


async def status(device: Device) -> list[bool]:
    return [s["read_only_copy"] for s in await device.json("shared-with-me")]


@pytest.mark.parametrize("first_end", ["leave", "unshare"])
async def test_every_end_and_every_share_again_is_told_after_a_leave_or_an_unshare(
    live_server: RunningServer, tmp_path: Path, first_end: str
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drkim = await new_device(live_server, tmp_path, "drkim")
    fingerprint = ("--fingerprint", drkim.signup["fingerprint"])
    await ana.ok("write", "A shared entry.")
    await ana.ok("share", "Personal", "drkim", "--full", *fingerprint)
    await drkim.ok("sync")
    if first_end == "leave":
        await drkim.ok("leave", "ana/Personal", "--yes")
    else:
        await ana.ok("unshare", "Personal", "drkim", "--yes")
        assert "ana's 'Personal' is no longer served to you (" in await synced(drkim)
    await ana.ok("sync")
    assert await status(drkim) == [True]

    for round in range(2):
        await ana.ok("share", "Personal", "drkim", "--full", *fingerprint)
        said = await synced(drkim)
        assert said.count("ana shared 'Personal' with you again (") == 1, (round, said)  # NU25 C5
        assert "nothing new" not in said
        assert "after you had discarded it" not in said  # no `tj forget` was run
        assert await status(drkim) == [False]
        assert "shared 'Personal' with you again" not in await synced(drkim)  # told once

        await ana.ok("unshare", "Personal", "drkim", "--yes")
        said = await synced(drkim)
        assert said.count("ana's 'Personal' is no longer served to you (") == 1, (round, said)
        assert await status(drkim) == [True]
        assert (await drkim.ok("sync")).stdout.strip() == "nothing new"  # told once

    # The latest membership ended by an unshare, not by the leave of an earlier one: the
    # device cannot tell it from a server withholding the journal, so forgetting its copy
    # needs the user's word, as after any unshare.
    refused = await drkim.tj("forget", "ana/Personal", "--yes")
    assert refused.exit_code != 0 and "--unlisted" in refused.output
    await drkim.ok("forget", "ana/Personal", "--unlisted", "--yes")


@pytest.mark.parametrize("first_end", ["leave", "unshare"])
async def test_a_share_made_again_is_told_when_its_end_date_passes(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first_end: str
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drkim = await new_device(live_server, tmp_path, "drkim")
    fingerprint = ("--fingerprint", drkim.signup["fingerprint"])
    await ana.ok("share", "Personal", "drkim", "--full", *fingerprint)
    await drkim.ok("sync")
    if first_end == "leave":
        await drkim.ok("leave", "ana/Personal", "--yes")
    else:
        await ana.ok("unshare", "Personal", "drkim", "--yes")
        await drkim.ok("sync")
    await ana.ok("sync")
    until = f"{datetime.now() + timedelta(days=1):%Y-%m-%d}"
    await ana.ok("share", "Personal", "drkim", "--full", "--until", until, *fingerprint)
    assert "ana shared 'Personal' with you again" in await synced(drkim)

    move_clocks(live_server, monkeypatch, 3 * DAY_MS)
    said = await synced(drkim)
    ended = f"ana's share of 'Personal' with you ended (its end date, {until}, end of day)"
    assert said.count(f"Notice: {ended}") == 1 and said.count(ended) == 1, said  # NU25 C5
    assert await status(drkim) == [True]
    assert (await drkim.ok("sync")).stdout.strip() == "nothing new"


async def test_sync_json_gives_the_share_again_as_a_typed_departure(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """C9 in `tj sync --json` (SyncReport.departures): reason "shared again", and whether the
    copy had been discarded with `tj forget` first ("discarded")."""
    ana = await new_device(live_server, tmp_path, "ana")
    drkim = await new_device(live_server, tmp_path, "drkim")
    fingerprint = ("--fingerprint", drkim.signup["fingerprint"])
    await ana.ok("share", "Personal", "drkim", "--full", *fingerprint)
    await drkim.ok("sync")
    await ana.ok("unshare", "Personal", "drkim", "--yes")
    await drkim.ok("sync")
    await ana.ok("share", "Personal", "drkim", "--full", *fingerprint)
    [told] = (await drkim.json("sync"))["departures"]
    assert (told["owner"], told["journal"], told["reason"], told["discarded"]) == (
        "ana",
        "ana/Personal",
        "shared again",
        False,
    )

    await ana.ok("unshare", "Personal", "drkim", "--yes")
    await drkim.ok("sync")
    await drkim.ok("forget", "ana/Personal", "--unlisted", "--yes")
    await ana.ok("share", "Personal", "drkim", "--full", *fingerprint)
    [told] = (await drkim.json("sync"))["departures"]
    assert (told["reason"], told["discarded"]) == ("shared again", True)
