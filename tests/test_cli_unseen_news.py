"""`tj sync` says what other commands' quick syncs fetched since the last `tj sync` (NU43
#4: `tj caseload` synced quietly first, and the `tj sync` after it said "nothing new")."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cli import output
from cli.syncing import watch
from client_sdk import SyncReport, departures
from client_sdk.departures import Departure
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory, RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device

EARLIER = "Earlier, fetched by other commands since your last `tj sync` or sign-in: "


async def test_tj_sync_names_what_a_quiet_sync_fetched_first_once(
    live_server: RunningServer, tmp_path: Path
) -> None:
    hugo = await new_device(live_server, tmp_path, "hugo")
    drruiz = await new_device(live_server, tmp_path, "drruiz")
    await hugo.ok("share", "Personal", "drruiz", "--trust-on-first-use")
    await drruiz.ok("sync")
    await hugo.ok("write", "--mood", "2", "I had a really bad night.")
    await drruiz.ok("caseload")  # syncs quietly first
    said = await drruiz.ok("sync")
    assert said.stdout.splitlines() == [  # too long for 80 columns: one line each (NU50 F5)
        "nothing new",
        EARLIER.rstrip(),
        "  from hugo: 1 new entry",
    ]
    again = await drruiz.ok("sync")  # told once
    assert again.stdout.splitlines() == ["nothing new"]

    await hugo.ok("write", "--mood", "5", "Better.")
    await drruiz.ok("list")  # another quiet sync
    await hugo.ok("write", "--mood", "6", "Slept.")
    reported = await drruiz.json("sync")
    assert [(n["count"], n["from"]) for n in reported["earlier"]] == [(1, "hugo")]
    assert reported["pulled"] >= 1  # its own sync brought the second entry
    assert (await drruiz.json("sync"))["earlier"] == []


async def test_the_login_summary_is_not_said_again_as_earlier(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU44 F3: `tj login` prints its first sync's summary; the `tj sync` after it said it
    all again as "Earlier"."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("write", "A first entry.")
    await ana.ok("sync")
    phone = Device(tmp_path / "phone", live_server.url)
    logged = await phone.tj("login", live_server.url, "ana", "--device-name", "phone")
    assert logged.exit_code == 0 and "Synced: 1 new entry from" in logged.stderr
    assert (await phone.ok("sync")).stdout.splitlines() == ["nothing new"]


async def test_tj_sync_names_share_changes_a_quiet_sync_fetched_first_once(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU44 F6: a share's start or end that `tj caseload`'s quick sync fetched was told on
    its stderr only (lost by `2>/dev/null`); the `tj sync` after it said "nothing new"."""
    dev = await new_device(live_server, tmp_path, "dev")
    fay = await new_device(live_server, tmp_path, "fay")
    drruiz = await new_device(live_server, tmp_path, "drruiz")
    await dev.ok("share", "Personal", "drruiz", "--trust-on-first-use")
    await dev.ok("write", "--mood", "4", "First.")
    await drruiz.ok("sync")
    await dev.ok("unshare", "Personal", "drruiz", "--yes")
    quiet = await drruiz.ok("caseload")  # syncs quietly first: a notice on its stderr
    assert "dev's 'Personal' is no longer served to you" in quiet.stderr
    said = (await drruiz.ok("sync")).stdout.splitlines()
    assert said[0] == "nothing new"
    assert re.fullmatch(
        re.escape("  dev's 'Personal' is no longer served to you (") + r"\d\d:\d\d\)",
        said[2],
    ), said
    assert said[1] == EARLIER.rstrip() and len(said) == 3  # one line each (NU50 F5)
    assert (await drruiz.ok("sync")).stdout.splitlines() == ["nothing new"]  # told once

    await fay.ok("write", "--mood", "3", "Hard week.")
    await fay.ok("share", "Personal", "drruiz", "--trust-on-first-use")
    await drruiz.ok("list")  # another quiet sync: fay's share and its entry
    reported = await drruiz.json("sync")
    assert [(n["count"], n["from"]) for n in reported["earlier"]] == [(1, "fay")]
    [started] = reported["earlier_departures"]
    assert (started["owner"], started["journal"], started["reason"]) == (
        "fay",
        "fay/Personal",
        "shared",
    )
    assert reported["departures"] == []  # its own sync brought none
    again = await drruiz.json("sync")
    assert (again["earlier"], again["earlier_departures"]) == ([], [])


async def test_a_watch_says_share_changes_fetched_before_it_starts_once(
    signup: ClientFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tj sync --watch` says the pending "Earlier" line when it starts (NU44 F4), share
    changes in it (F6), and marks them seen."""
    hugo, drruiz = await signup("hugo"), await signup("drruiz")
    await share_with(hugo, drruiz)
    await drruiz.sync()  # a quick sync: hugo's share, kept
    assert [d.reason for d in await drruiz.unseen_departures()] == ["shared"]

    async def no_changes(**_: object) -> AsyncIterator[SyncReport]:
        return
        yield  # an async generator that ends at once

    monkeypatch.setattr(drruiz, "watch", no_changes)
    await watch(drruiz, as_json=False)
    said = capsys.readouterr().out.splitlines()
    assert [re.sub(r"\(\d\d:\d\d\)", "(HH:MM)", line) for line in said] == [
        EARLIER.rstrip(),  # too long for 80 columns: one line each (NU50 F5)
        "  hugo shared 'Personal' with you (HH:MM)",
    ]
    assert await drruiz.unseen_departures() == []


def test_share_changes_said_again_name_their_time_and_the_servers_word() -> None:
    """The "Earlier" line's share changes (`output.departure_in_brief`): each with its time;
    what only the server says is said as its word."""
    at = int(datetime(2026, 12, 2, 3, 10, tzinfo=UTC).timestamp() * 1000)
    when = output.departure_time(at)
    left = Departure("drsmith", "Personal", "ab" * 16, departures.LEFT, at)
    assert [
        output.departure_in_brief(d)
        for d in (
            left,
            replace(left, reason=departures.DROPPED),
            replace(left, reason=departures.UNSHARED),
            replace(left, reason=departures.GONE, member=""),
            replace(left, reason=departures.UNLISTED, member="tom", owner="ana"),
        )
    ] == [
        f"drsmith no longer reads Personal ({when}): the server says they left the share (not "
        "signed by them)",
        f"drsmith no longer reads Personal ({when}): another of your devices removed them on "
        "the server's word",
        f"Personal is no longer shared with drsmith: the share was ended from one of your "
        f"devices ({when})",
        f"your journal Personal is no longer on the server ({when}): deleted on another of "
        "your devices, or withheld",
        f"ana's 'Personal' is no longer served to you ({when})",
    ]
